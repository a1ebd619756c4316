/*
 * crispin bounce [-f FOLDER] UID ADDR...: sends a message on to other
 * addresses unchanged, as mutt's bounce does (RFC 5322 3.6.6): the
 * original bytes with Resent-From, Resent-To, Resent-Date and
 * Resent-Message-ID put in front, the envelope addressed to the new
 * recipients alone, through the outbox like every message sent. No copy
 * goes to Sent: the message is not ours.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/cli.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "show_p.h"
#include "submit_p.h"

#define USAGE "usage: crispin bounce [-f FOLDER] UID ADDR...\n"

static int collect(const void *, size_t, void *);
static void resent_date(struct buf *, time_t);
static const char *domain_of(const char *);

static int
collect(const void *data, size_t len, void *arg)
{
	buf_add(arg, data, len);
	return 0;
}

/* RFC 5322 date in local time, English names whatever the locale. */
static void
resent_date(struct buf *out, time_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 local, utc;
	long		 off;

	localtime_r(&now, &local);
	gmtime_r(&now, &utc);
	utc.tm_isdst = local.tm_isdst;
	off = (long)difftime(mktime(&local), mktime(&utc)) / 60;
	buf_printf(out, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[local.tm_wday], local.tm_mday, months[local.tm_mon],
	    local.tm_year + 1900, local.tm_hour, local.tm_min, local.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* The domain of the last address in a From field, for the Message-ID. */
static const char *
domain_of(const char *from)
{
	const char	*at = strrchr(from, '@');

	return at != NULL ? at + 1 : NULL;
}

int
cli_bounce(struct cli_context *ctx, int argc, char **argv)
{
	struct show_ctx		 sc;
	struct mail_draft_opts	 opts;
	struct submit_envelope	 env;
	struct cli_submit	 sub;
	struct buf		 raw = BUF_INIT, msg = BUF_INIT, to = BUF_INIT;
	char			*from = NULL, *msgid = NULL, *domain = NULL, *end;
	char			*expanded = NULL;
	const char		*eol;
	char			**addrs;
	int			 i, r, rc, naddrs;
	bool			 have_uid = false;

	memset(&sc, 0, sizeof sc);
	sc.ctx = ctx;
	sc.cmd = "bounce";
	addrs = xreallocarray(NULL, argc + 1, sizeof *addrs);
	naddrs = 0;
	for (i = 1; i < argc; i++) {
		if ((r = show_folder_arg(&sc, argc, argv, &i)) < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--") == 0 && have_uid) {
			while (++i < argc)
				addrs[naddrs++] = argv[i];
			break;
		}
		if (argv[i][0] == '-') {
			fprintf(ctx->err, "crispin: bounce: unexpected option '%s'\n"
			    USAGE, argv[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		if (!have_uid) {
			if (show_uid_arg(&sc, argv[i], USAGE) < 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			have_uid = true;
		} else
			addrs[naddrs++] = argv[i];
	}
	if (!have_uid || naddrs == 0) {
		fprintf(ctx->err, "crispin: bounce: %s\n" USAGE, !have_uid ?
		    "which message? give its UID" : "to whom? give one or more "
		    "addresses");
		rc = EXIT_USAGE;
		goto out;
	}
	mail_draft_opts_init(&opts, ctx->cfg, NULL);
	if ((from = mail_draft_from(&opts)) == NULL) {
		fprintf(ctx->err, "crispin: bounce: no sender: set from (and "
		    "realname) in the rc file\n");
		rc = EXIT_CONFIG;
		goto out;
	}
	/* Alias keys become their addresses, as when composing. */
	for (i = 0; i < naddrs; i++)
		buf_printf(&to, "%s%s", i > 0 ? ", " : "", addrs[i]);
	expanded = config_expand_aliases(ctx->cfg, buf_cstr(&to));
	buf_reset(&to);
	buf_adds(&to, expanded);
	if (strchr(buf_cstr(&to), '\n') != NULL ||
	    strchr(buf_cstr(&to), '\r') != NULL) {
		fprintf(ctx->err, "crispin: bounce: an address cannot span lines\n");
		rc = EXIT_USAGE;
		goto out;
	}

	/* The message exactly as stored. */
	if ((rc = show_open(&sc)) != 0)
		goto out;
	mail_message_stream(sc.msg, "", false, collect, &raw, show_step_done, &sc);
	if ((rc = show_wait(&sc)) != 0)
		goto out;
	/* Logged out before the SMTP session. */
	show_close(&sc);
	sc.session_open = false;
	if (raw.len == 0) {
		fprintf(ctx->err, "crispin: bounce: message %u is empty\n", sc.uid);
		rc = EXIT_FAILURE_;
		goto out;
	}

	/* The new fields go on top, in the message's own line endings. */
	end = memchr(raw.data, '\n', raw.len);
	eol = end != NULL && end > raw.data && end[-1] == '\r' ? "\r\n" : "\n";
	if ((end = strrchr(from, '>')) != NULL)
		*end = '\0';
	domain = xstrdup(domain_of(from) != NULL ? domain_of(from) : "");
	if (end != NULL)
		*end = '>';
	msgid = mime_make_message_id(domain);
	buf_printf(&msg, "Resent-From: %s%s", from, eol);
	buf_printf(&msg, "Resent-To: %s%s", buf_cstr(&to), eol);
	buf_adds(&msg, "Resent-Date: ");
	resent_date(&msg, time(NULL));
	buf_adds(&msg, eol);
	buf_printf(&msg, "Resent-Message-ID: %s%s", msgid, eol);
	buf_add(&msg, raw.data, raw.len);

	/* The envelope: from the from option, to the new addresses only. */
	if ((rc = submit_envelope(ctx, "bounce", msg.data, msg.len, NULL,
	    &expanded, 1, &env)) != 0)
		goto out;
	memset(&sub, 0, sizeof sub);
	sub.no_record = true;
	rc = submit_one(ctx, "bounce", msg.data, msg.len, &env, &sub,
	    ctx->offline || config_bool(ctx->cfg, "offline"));
	submit_envelope_free(&env);
	if (rc == 0)
		fprintf(ctx->out, "bounced message %u to %s\n", sc.uid, buf_cstr(&to));
out:
	show_close(&sc);
	free(addrs);
	free(expanded);
	free(from);
	free(msgid);
	free(domain);
	buf_free(&raw);
	buf_free(&msg);
	buf_free(&to);
	return rc;
}
