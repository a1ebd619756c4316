/*
 * libFuzzer target for the SMTP reply parser. The first byte chooses the
 * limits and ENHANCEDSTATUSCODES, the second how the rest is cut into
 * chunks; the stream is also fed whole and both runs must agree, which
 * checks that the parser resumes at any byte boundary. Every reply must
 * keep the invariants the client relies on.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/smtp_client.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	struct buf	 log;
	bool		 stopped;
};

static bool	 on_reply(const struct smtp_reply *, void *);
static void	 feed_all(const struct smtp_reply_limits *, bool, const uint8_t *,
		    size_t, uint32_t, struct run *);

static bool
on_reply(const struct smtp_reply *r, void *arg)
{
	struct run	*run = arg;
	struct buf	*log = &run->log;
	char		*d;
	size_t		 i;

	if (r->code < 100 || r->code > 599 || r->nlines == 0 || r->lines == NULL)
		abort();
	if (r->enhanced != NULL && (r->enhanced[0] != (char)('0' + r->code / 100) ||
	    strlen(r->enhanced) > 9))
		abort();
	buf_printf(log, "%u %s", r->code, r->enhanced != NULL ? r->enhanced : "-");
	for (i = 0; i < r->nlines; i++) {
		if (strchr(r->lines[i], '\n') != NULL)
			abort();
		buf_printf(log, "|%s", r->lines[i]);
	}
	d = smtp_reply_describe(r);
	for (i = 0; d[i] != '\0'; i++) {
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			abort();	/* control bytes must never reach a terminal */
	}
	free(d);
	buf_addc(log, '\n');
	/* A reply that starts TLS stops the feed, as the client does. */
	if (r->code == 220 && r->nlines == 2) {
		run->stopped = true;
		return false;
	}
	return true;
}

static void
feed_all(const struct smtp_reply_limits *limits, bool enhanced, const uint8_t *data,
    size_t len, uint32_t seed, struct run *run)
{
	struct smtp_reply_parser	*p;
	size_t				 off = 0, n;
	char				*err;

	p = smtp_reply_parser_new(limits);
	smtp_reply_parser_set_enhanced(p, enhanced);
	while (off < len && !run->stopped) {
		if (seed == 0)
			n = len - off;
		else {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			n = (seed & 3) == 0 ? 1 : 1 + (seed >> 8) % 64;
			if (n > len - off)
				n = len - off;
		}
		err = NULL;
		if (smtp_reply_parser_feed(p, (const char *)data + off, n, on_reply, run,
		    &err) < 0) {
			if (err == NULL)
				abort();
			buf_printf(&run->log, "fatal\n");
			free(err);
			break;
		}
		off += n;
	}
	smtp_reply_parser_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const size_t		 lines[] = { 8, 64, 512, 0 };
	static const size_t		 counts[] = { 1, 3, 50, 0 };
	struct smtp_reply_limits	 limits;
	struct run			 whole, chunked;
	bool				 enhanced;
	uint32_t			 seed;

	if (len < 2)
		return 0;
	limits.max_line = lines[data[0] & 3];
	limits.max_lines = counts[(data[0] >> 2) & 3];
	enhanced = (data[0] & 0x10) != 0;
	seed = (uint32_t)data[1] << 8 | 1;
	data += 2;
	len -= 2;
	memset(&whole, 0, sizeof whole);
	memset(&chunked, 0, sizeof chunked);
	feed_all(&limits, enhanced, data, len, 0, &whole);
	feed_all(&limits, enhanced, data, len, seed, &chunked);
	if (whole.log.len != chunked.log.len || (whole.log.len > 0 &&
	    memcmp(whole.log.data, chunked.log.data, whole.log.len) != 0))
		abort();
	buf_free(&whole.log);
	buf_free(&chunked.log);
	return 0;
}
