/*
 * Sending without a UI, as mutt and mailx do: crispin -s SUBJECT [-c ADDR]
 * [-b ADDR] [-a FILE...] [--] ADDR... < body, or crispin -H DRAFT (header
 * fields, an empty line, the body; "Attach: PATH" lines attach files).
 * The message is built by the MIME writer with Bcc kept for the Sent
 * copy, then goes through the outbox like every other (submit.c).
 *
 * From is the from option (with realname), else $EMAIL, else
 * user@hostname. No signature is added: what comes in is what goes out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/cli.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "submit_p.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static int read_input(struct cli_context *, const char *, struct buf *);
static char *default_from(const struct mail_draft_opts *);
static void add_list(char **, const char *);

static int
read_input(struct cli_context *ctx, const char *path, struct buf *out)
{
	FILE	*fp = path == NULL || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	 chunk[65536];
	size_t	 n;
	int	 rc = 0;

	if (fp == NULL) {
		fprintf(ctx->err, "crispin: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(out, chunk, n);
	if (ferror(fp)) {
		fprintf(ctx->err, "crispin: cannot read %s: %s\n", fp == stdin ?
		    "standard input" : path, strerror(errno));
		rc = EXIT_FAILURE_;
	}
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/* The from option (and realname), else $EMAIL, else user@hostname. */
static char *
default_from(const struct mail_draft_opts *o)
{
	struct passwd	*pw;
	const char	*email = getenv("EMAIL"), *user;
	char		 host[256], *from;

	if ((from = mail_draft_from(o)) != NULL)
		return from;
	if (email != NULL && strchr(email, '@') != NULL)
		return xstrdup(email);
	user = getenv("USER");
	if ((user == NULL || *user == '\0') && (pw = getpwuid(getuid())) != NULL)
		user = pw->pw_name;
	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	return xasprintf("%s@%s", user != NULL && *user != '\0' ? user : "nobody",
	    host[0] != '\0' ? host : "localhost");
}

/* Appends an address list to a field: "a, b". */
static void
add_list(char **field, const char *list)
{
	char	*joined;

	if (list == NULL || *list == '\0')
		return;
	if (*field == NULL || **field == '\0') {
		mail_draft_set(field, list);
		return;
	}
	joined = xasprintf("%s, %s", *field, list);
	free(*field);
	*field = joined;
}

int
cli_mailx(struct cli_context *ctx, const struct cli_mailx *mx, int argc, char **argv)
{
	struct mail_draft_opts	 opts;
	struct mail_draft	 d;
	struct mime_compose	 c;
	struct mime_attachment	*att = NULL;
	struct cli_submit	 sub;
	struct submit_envelope	 env;
	struct buf		 in = BUF_INIT, msg = BUF_INIT;
	char			*error = NULL, *clean, *ua;
	size_t			 i;
	int			 k, rc;

	ua = xstrdup("crispin/" PACKAGE_VERSION);
	mail_draft_opts_init(&opts, ctx->cfg, ua);
	mail_draft_init(&d);
	if ((rc = read_input(ctx, mx->draft, &in)) != 0)
		goto out;
	if (mx->draft != NULL) {
		if (mail_draft_file_read(&d, true, in.data != NULL ? in.data : "",
		    in.len, &error) < 0) {
			clean = str_sanitize(error);
			fprintf(ctx->err, "crispin: -H %s: %s\n", mx->draft, clean);
			free(clean);
			rc = EXIT_USAGE;
			goto out;
		}
	} else
		buf_add(&d.body, in.data != NULL ? in.data : "", in.len);
	if (mx->subject != NULL)
		mail_draft_set(&d.subject, mx->subject);
	for (k = 0; k < argc; k++)
		add_list(&d.to, argv[k]);
	for (i = 0; i < mx->ncc; i++)
		add_list(&d.cc, mx->cc[i]);
	for (i = 0; i < mx->nbcc; i++)
		add_list(&d.bcc, mx->bcc[i]);
	/* send-hook, on the recipients: it may set from and the like. */
	cli_expand_draft_aliases(ctx, &d);
	if (cli_send_hooks(ctx, &d, NULL) > 0)
		mail_draft_opts_init(&opts, ctx->cfg, ua);
	if (d.from == NULL)
		d.from = default_from(&opts);
	for (i = 0; i < mx->nattach; i++)
		mail_draft_attach_file(&d, mx->attach[i], NULL);

	mail_draft_to_compose(&d, &opts, &c, &att);
	/* Bcc stays in the outbox and Sent copies; the wire never has it. */
	c.keep_bcc = true;
	if (mime_compose_write(&c, &msg, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: %s\n", clean);
		free(clean);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = submit_envelope(ctx, "send", msg.data, msg.len, NULL, NULL, 0,
	    &env)) != 0)
		goto out;
	memset(&sub, 0, sizeof sub);
	sub.queue_ok = mx->queue_ok;
	rc = submit_one(ctx, "send", msg.data, msg.len, &env, &sub,
	    ctx->offline || config_bool(ctx->cfg, "offline"));
	submit_envelope_free(&env);
out:
	free(att);
	free(error);
	free(ua);
	mail_draft_clear(&d);
	buf_free(&in);
	buf_free(&msg);
	return rc;
}
