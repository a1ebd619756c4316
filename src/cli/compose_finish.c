/*
 * The end of every draft (compose, reply, forward, recall): $EDITOR, the
 * compose screen when a person is at a terminal, then the outbox, or
 * Drafts when the message is postponed. Whatever is neither sent nor
 * saved stays on disk, and the user is told where.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

/* The interface that ran this command reads one line from this
 * descriptor: what became of the message, for its status line. */
#define NOTE_FD_ENV	"CRISPIN_NOTE_FD"

static void tell_ui(const char *, ...) CRISPIN_PRINTF(1, 2);
static int check_draft(struct cli_context *, const struct compose_finish *,
	    const struct mail_draft *);
static int write_message(struct cli_context *, const struct compose_finish *,
	    const struct mail_draft *, const struct mail_draft_opts *, struct buf *);
static char *keep_file(const char *, const char *, size_t);
static int send_draft(struct cli_context *, const struct compose_finish *,
	    struct mail_draft *, const struct mail_draft_opts *);
static void add_original(struct mail_draft *, const char *, uint32_t,
	    const char *);
static int postpone_draft(struct cli_context *, const struct compose_finish *,
	    struct mail_draft *, const struct mail_draft_opts *, const char *);

static void
tell_ui(const char *fmt, ...)
{
	const char	*env = getenv(NOTE_FD_ENV);
	char		*text;
	va_list		 ap;
	int		 fd;

	if (env == NULL || (fd = atoi(env)) <= 2)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	(void)fd_write_all(fd, text, strlen(text));
	free(text);
}

/* What the writer cannot do without. */
static int
check_draft(struct cli_context *ctx, const struct compose_finish *fin,
    const struct mail_draft *d)
{
	if (d->to == NULL && d->cc == NULL && d->bcc == NULL) {
		fprintf(ctx->err, "crispin: %s: no recipients: give them as arguments%s\n",
		    fin->cmd, fin->no_edit ? "" : " or in the To, Cc or Bcc header "
		    "(set edit_headers to edit them)");
		return EXIT_USAGE;
	}
	if (d->from == NULL) {
		fprintf(ctx->err, "crispin: %s: no sender: set from (and realname) "
		    "in the rc file\n", fin->cmd);
		return EXIT_CONFIG;
	}
	return 0;
}

/* The message with Bcc still in it (the outbox strips it for the wire;
 * a draft keeps it). */
static int
write_message(struct cli_context *ctx, const struct compose_finish *fin,
    const struct mail_draft *d, const struct mail_draft_opts *o, struct buf *msg)
{
	struct mime_compose	 c;
	struct mime_attachment	*att = NULL;
	char			*error = NULL, *clean;
	int			 rc = 0;

	mail_draft_to_compose(d, o, &c, &att);
	c.keep_bcc = true;
	if (mime_compose_write(&c, msg, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: %s: %s\n", fin->cmd, clean);
		free(clean);
		free(error);
		rc = EXIT_USAGE;
	}
	free(att);
	return rc;
}

/* The message in a private file beside the editor's (or in tmpdir):
 * its path, or NULL (said on stderr). */
static char *
keep_file(const char *editor_path, const char *data, size_t len)
{
	const char	*slash;
	char		*dir, *path;
	int		 fd;

	if (editor_path != NULL && (slash = strrchr(editor_path, '/')) != NULL)
		dir = xstrndup(editor_path, (size_t)(slash - editor_path));
	else
		dir = xstrdup(getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	/* A new file of its own (mkstemps: 0600, never an existing name or
	 * a link someone left in a shared directory). */
	path = xasprintf("%s/crispin-postponed-XXXXXX.eml", dir);
	free(dir);
	if ((fd = mkstemps(path, 4)) < 0 || fd_write_all(fd, data, len) < 0) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		x_free(&path);
		return NULL;
	}
	close(fd);
	return path;
}

static int
send_draft(struct cli_context *ctx, const struct compose_finish *fin,
    struct mail_draft *d, const struct mail_draft_opts *o)
{
	struct cli_submit	 sub;
	struct buf		 msg = BUF_INIT;
	char			*error = NULL;
	int			 rc;

	if ((rc = check_draft(ctx, fin, d)) != 0 ||
	    (rc = write_message(ctx, fin, d, o, &msg)) != 0)
		goto out;
	if (fin->dry_run) {
		if (fwrite(msg.data, 1, msg.len, ctx->out) != msg.len ||
		    fflush(ctx->out) != 0) {
			fprintf(ctx->err, "crispin: %s: writing the output failed\n",
			    fin->cmd);
			rc = EXIT_FAILURE_;
		}
		goto out;
	}
	/* Fcc from the compose screen: this message's copy goes there. */
	if (d->fcc != NULL && config_set(ctx->cfg, "record", d->fcc, &error) < 0) {
		fprintf(ctx->err, "crispin: %s: Fcc: %s\n", fin->cmd, error);
		free(error);
	}
	memset(&sub, 0, sizeof sub);
	sub.reply_folder = fin->reply_folder;
	sub.reply_uid = fin->reply_uid;
	sub.forward_folder = fin->forward_folder;
	sub.forward_uid = fin->forward_uid;
	sub.no_record = fin->no_record;
	sub.queue_ok = fin->queue_ok;
	rc = cli_submit(ctx, msg.data, msg.len, &sub);
	if (rc == 0)
		tell_ui("Sent.");
out:
	buf_free(&msg);
	return rc;
}

static void
add_original(struct mail_draft *d, const char *header, uint32_t uid,
    const char *folder)
{
	char	*value = xasprintf("%u %s", uid, folder), *error = NULL;

	if (mail_draft_add_header(d, header, value, &error) < 0)
		free(error);
	free(value);
}

static int
postpone_draft(struct cli_context *ctx, const struct compose_finish *fin,
    struct mail_draft *d, const struct mail_draft_opts *o, const char *editor_path)
{
	struct buf	 msg = BUF_INIT;
	char		*where = NULL, *kept, *clean, *error = NULL;
	int		 rc;

	/* The folder for the sent copy, and the message replied to or
	 * forwarded, come back with the draft. */
	if (d->fcc != NULL && mail_draft_add_header(d, MAIL_DRAFT_FCC_HEADER, d->fcc,
	    &error) < 0)
		x_free(&error);
	if (fin->reply_folder != NULL)
		add_original(d, MAIL_DRAFT_REPLY_HEADER, fin->reply_uid,
		    fin->reply_folder);
	if (fin->forward_folder != NULL)
		add_original(d, MAIL_DRAFT_FORWARD_HEADER, fin->forward_uid,
		    fin->forward_folder);
	if (d->from == NULL) {
		fprintf(ctx->err, "crispin: %s: no sender: set from (and realname) "
		    "in the rc file\n", fin->cmd);
		rc = EXIT_CONFIG;
		goto out;
	}
	if ((rc = write_message(ctx, fin, d, o, &msg)) != 0)
		goto out;
	if ((rc = postpone_save(ctx, fin->cmd, msg.data, msg.len, &where)) == 0) {
		clean = str_sanitize(where);
		fprintf(ctx->out, "postponed to '%s'\n", clean);
		tell_ui("Postponed to '%s'.", clean);
		free(clean);
		goto out;
	}
	if ((kept = keep_file(editor_path, msg.data, msg.len)) != NULL) {
		fprintf(ctx->err, "crispin: %s: the draft is kept in %s\n", fin->cmd,
		    kept);
		free(kept);
	}
out:
	buf_free(&msg);
	free(where);
	return rc;
}

int
compose_finish(struct cli_context *ctx, struct mail_draft *d,
    const struct mail_draft_opts *o, const struct compose_finish *fin)
{
	enum cli_compose_choice	 choice = CLI_COMPOSE_SEND;
	char			*path = NULL, *error = NULL;
	int			 rc = 0, r;
	bool			 screen;

	screen = fin->screen && !fin->no_edit && ctx->screens != NULL &&
	    ctx->screens->compose != NULL;
	if (!fin->no_edit && mail_draft_edit(d, o->edit_headers,
	    mail_draft_editor(ctx->cfg), config_str(ctx->cfg, "tmpdir"),
	    fin->new_message, &path, &error) < 0) {
		fprintf(ctx->err, "crispin: %s: %s\n", fin->cmd, error);
		rc = EXIT_FAILURE_;	/* the path is in the message */
		goto out;
	}
	if (screen && ctx->screens->compose(ctx, d, &path, &choice, &error) < 0) {
		fprintf(ctx->err, "crispin: %s: %s\n", fin->cmd, error);
		rc = EXIT_FAILURE_;
		goto kept;
	}
	switch (choice) {
	case CLI_COMPOSE_ABORT:
		fprintf(ctx->err, "crispin: %s: not sent\n", fin->cmd);
		tell_ui("Not sent.%s%s", path != NULL ? " The text is kept in " : "",
		    path != NULL ? path : "");
		rc = EXIT_FAILURE_;
		goto kept;
	case CLI_COMPOSE_POSTPONE:
		rc = postpone_draft(ctx, fin, d, o, path);
		break;
	case CLI_COMPOSE_SEND:
		rc = send_draft(ctx, fin, d, o);
		break;
	}
	if (rc != 0)
		goto kept;
	/* The new version is safe: the recalled one can go. */
	if (fin->recalled_folder != NULL && !fin->dry_run &&
	    (r = postpone_drop(ctx, fin->cmd, fin->recalled_folder,
	    fin->recalled_uid)) != 0)
		tell_ui("The old draft is still in the Drafts folder (exit %d).", r);
	mail_draft_discard(path);
	goto out;
kept:
	if (path != NULL)
		fprintf(ctx->err, "crispin: %s: the text is kept in %s\n", fin->cmd,
		    path);
out:
	free(path);
	free(error);
	return rc;
}
