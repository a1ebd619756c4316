/* --stats: what a command cost on the wire and on the clock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crispin/cli.h"
#include "crispin/log.h"

uint64_t
cli_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Decimal units, one decimal: what a person compares at a glance. */
void
cli_format_bytes(char *out, size_t size, uint64_t n)
{
	if (n < 1000)
		snprintf(out, size, "%llu B", (unsigned long long)n);
	else if (n < 1000 * 1000)
		snprintf(out, size, "%.1f KB", (double)n / 1e3);
	else
		snprintf(out, size, "%.1f MB", (double)n / 1e6);
}

void
cli_print_stats(struct cli_context *ctx, const char *proto, unsigned ncommands,
    unsigned round_trips, uint64_t bytes_out, uint64_t bytes_in, uint64_t elapsed_us,
    uint64_t wait_us)
{
	char		 out[32], in[32];
	uint64_t	 local_us;

	local_us = wait_us < elapsed_us ? elapsed_us - wait_us : 0;
	cli_format_bytes(out, sizeof out, bytes_out);
	cli_format_bytes(in, sizeof in, bytes_in);
	fprintf(ctx->err, "crispin: stats%s%s: %u round trip%s, %s sent, %s received, "
	    "%.2f s (%.2f s local)\n", strcmp(proto, "imap") == 0 ? "" : " ",
	    strcmp(proto, "imap") == 0 ? "" : proto, round_trips,
	    round_trips == 1 ? "" : "s", out, in, (double)elapsed_us / 1e6,
	    (double)local_us / 1e6);
	/* The exact numbers, for scripts and tests that compare with a trace. */
	log_info("stats: %s commands=%u round_trips=%u bytes_out=%llu bytes_in=%llu "
	    "elapsed_ms=%llu wait_ms=%llu", proto, ncommands, round_trips,
	    (unsigned long long)bytes_out, (unsigned long long)bytes_in,
	    (unsigned long long)(elapsed_us / 1000), (unsigned long long)(wait_us / 1000));
}
