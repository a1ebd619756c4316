/*
 * crispin send [--from ADDR] [--no-record] [--queue-ok] [--offline] [--]
 * [RCPT...] < message: submits a complete RFC 5322 message through the
 * outbox (submit.c). Recipients come from the arguments, else from To, Cc
 * and Bcc; Bcc never goes out in the message itself. Refused recipients
 * are listed with the server's words, and the exit status says whether
 * everyone got it.
 *
 * crispin send --queued sends what waits in the outbox; --list shows it;
 * --drop ID removes one message from it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/cli.h"
#include "crispin/fdio.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "submit_p.h"

#define SEND_USAGE \
	"usage: crispin send [--from ADDR] [--no-record] [--queue-ok] [--offline] " \
	"[--] [RCPT...] < message\n" \
	"       crispin send --queued [--offline] | --list | --drop ID\n"

enum {
	OPT_QUEUED = 0x100,
	OPT_LIST,
	OPT_DROP,
	OPT_OFFLINE,
	OPT_NO_RECORD,
	OPT_QUEUE_OK,
};



int
cli_send(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "queued", no_argument, NULL, OPT_QUEUED },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "drop", required_argument, NULL, OPT_DROP },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "no-record", no_argument, NULL, OPT_NO_RECORD },
		{ "queue-ok", no_argument, NULL, OPT_QUEUE_OK },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_submit	 sub;
	struct submit_envelope	 env;
	struct buf		 raw = BUF_INIT;
	const char		*opt_from = NULL, *drop = NULL;
	bool			 queued = false, list = false, offline;
	uint64_t		 id;
	int			 ch, rc;

	memset(&sub, 0, sizeof sub);
	offline = ctx->offline || config_bool(ctx->cfg, "offline");
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			opt_from = optarg;
			break;
		case OPT_QUEUED:
			queued = true;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_DROP:
			drop = optarg;
			break;
		case OPT_OFFLINE:
			offline = true;
			break;
		case OPT_NO_RECORD:
			sub.no_record = true;
			break;
		case OPT_QUEUE_OK:
			sub.queue_ok = true;
			break;
		case ':':
			fprintf(ctx->err, "crispin: send: option '%s' needs an "
			    "argument\n" SEND_USAGE, argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(ctx->err, "crispin: send: bad option '%s'\n" SEND_USAGE,
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if ((queued || list || drop != NULL) && (argc > optind || opt_from != NULL ||
	    sub.no_record || sub.queue_ok || (queued + list + (drop != NULL)) > 1)) {
		fprintf(ctx->err, "crispin: send: --queued, --list and --drop go "
		    "alone\n" SEND_USAGE);
		return EXIT_USAGE;
	}
	if (queued)
		return submit_queued(ctx, offline);
	if (list)
		return submit_list(ctx);
	if (drop != NULL) {
		if (str_to_u64(drop, strlen(drop), INT64_MAX, &id) < 0 || id == 0) {
			fprintf(ctx->err, "crispin: send: --drop takes the number "
			    "crispin send --list shows, not '%s'\n", drop);
			return EXIT_USAGE;
		}
		return submit_drop(ctx, (int64_t)id);
	}

	if (fd_read_all(STDIN_FILENO, &raw, 0) < 0 || raw.len == 0) {
		fprintf(ctx->err, "crispin: send: no message on standard input\n");
		buf_free(&raw);
		return EXIT_USAGE;
	}
	rc = submit_envelope(ctx, "send", raw.data, raw.len, opt_from,
	    argv + optind, argc - optind, &env);
	if (rc == 0) {
		rc = submit_one(ctx, "send", raw.data, raw.len, &env, &sub, offline);
		submit_envelope_free(&env);
	}
	buf_free(&raw);
	return rc;
}
