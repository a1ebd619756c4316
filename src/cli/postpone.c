/*
 * Postponed messages on the server: APPENDed to the Drafts folder
 * (postponed, else the \Drafts role, else "Drafts") with \Draft and
 * \Seen, and removed from there once recalled and sent or saved again.
 * Each call is one short IMAP session: nobody holds a connection while a
 * person types.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

struct answer {
	bool		 done;
	enum imap_status status;
	char		*code;		/* owned */
	char		*text;		/* owned, sanitized */
	uint32_t	 uidvalidity, uid;	/* APPENDUID */
};

static void on_answer(struct imap_client *, const struct imap_response *, void *);
static int run_cmd(struct cli_session *, struct imap_cmd *, struct answer *);
static void answer_free(struct answer *);
static void to_crlf(const char *, size_t, struct buf *);

static void
on_answer(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct answer	*a = arg;

	a->done = true;
	a->status = r->status;
	a->text = str_sanitize(r->text != NULL ? r->text : "");
	if (r->code != NULL)
		a->code = xstrdup(r->code);
	(void)imap_code_appenduid_one(r, &a->uidvalidity, &a->uid);
}

static int
run_cmd(struct cli_session *s, struct imap_cmd *cmd, struct answer *a)
{
	memset(a, 0, sizeof *a);
	imap_cmd_submit(cmd, on_answer, a);
	return cli_session_wait(s, &a->done);
}

static void
answer_free(struct answer *a)
{
	x_free(&a->code);
	x_free(&a->text);
}

/* IMAP wants CRLF line ends, and a last line that ends. */
static void
to_crlf(const char *data, size_t len, struct buf *out)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, data[i]);
	}
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_adds(out, "\r\n");
}

int
postpone_folder(struct cli_session *s, const char *cmd, char **utf8_r)
{
	const char	*name = config_str(s->ctx->cfg, "postponed");
	FILE		*err = s->ctx->err;
	char		*why;
	int		 rc;

	if (name != NULL && *name != '\0')
		return cli_resolve_folder(s, cmd, name, utf8_r);
	/* Without the role the resolver's complaint is no news: the
	 * folder is then plainly "Drafts". */
	s->ctx->err = fopen("/dev/null", "w");
	if (s->ctx->err == NULL)
		s->ctx->err = err;
	rc = cli_resolve_folder(s, cmd, "\\Drafts", utf8_r);
	if (s->ctx->err != err)
		fclose(s->ctx->err);
	s->ctx->err = err;
	if (rc == EXIT_FAILURE_ && !s->closed && s->err == ERR_NONE) {
		*utf8_r = xstrdup("Drafts");
		rc = 0;
	} else if (rc != 0) {
		why = s->errmsg != NULL ? str_sanitize(s->errmsg) : NULL;
		fprintf(err, "crispin: %s: cannot look up the \\Drafts folder%s%s "
		    "(set postponed to name the folder)\n", cmd,
		    why != NULL ? ": " : "", why != NULL ? why : "");
		free(why);
	}
	return rc;
}

int
postpone_save(struct cli_context *ctx, const char *cmd, const char *msg, size_t len,
    char **where_r)
{
	struct cli_session	 s;
	struct imap_cmd		*ic;
	struct answer		 a;
	struct buf		 copy = BUF_INIT;
	char			*folder = NULL, *name;
	int			 rc, tries;

	*where_r = NULL;
	if (memchr(msg, '\0', len) != NULL) {
		fprintf(ctx->err, "crispin: %s: the message has a NUL byte, which "
		    "IMAP cannot store\n", cmd);
		return EXIT_FAILURE_;
	}
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	if ((rc = postpone_folder(&s, cmd, &folder)) != 0)
		goto out;
	to_crlf(msg, len, &copy);
	/* A Drafts folder that does not exist yet is made once. */
	for (tries = 0; tries < 2; tries++) {
		ic = imap_cmd_new(s.client, 0);
		imap_cmd_add(ic, "APPEND ");
		imap_cmd_add_mailbox(ic, folder);
		imap_cmd_add(ic, " (\\Draft \\Seen) ");
		imap_cmd_add_string(ic, buf_cstr(&copy));
		if ((rc = run_cmd(&s, ic, &a)) != 0)
			goto out;
		if (a.status == IMAP_STATUS_OK) {
			/* The Drafts folder's cache gets it without a fetch. */
			cli_cache_appended(ctx, folder, a.uidvalidity, a.uid,
			    copy.data, copy.len, "\\Draft \\Seen", time(NULL));
			answer_free(&a);
			*where_r = folder;
			folder = NULL;
			goto out;
		}
		if (tries > 0 || a.code == NULL || strcmp(a.code, "TRYCREATE") != 0)
			break;
		answer_free(&a);
		ic = imap_cmd_new(s.client, 0);
		imap_cmd_add(ic, "CREATE ");
		imap_cmd_add_mailbox(ic, folder);
		if ((rc = run_cmd(&s, ic, &a)) != 0)
			goto out;
		if (a.status != IMAP_STATUS_OK)
			break;
		answer_free(&a);
	}
	name = str_sanitize(folder);
	fprintf(ctx->err, "crispin: %s: cannot save the draft to '%s': %s\n", cmd,
	    name, a.text);
	free(name);
	answer_free(&a);
	rc = EXIT_FAILURE_;
out:
	cli_session_close(&s);
	buf_free(&copy);
	free(folder);
	return rc;
}

int
postpone_drop(struct cli_context *ctx, const char *cmd, const char *folder,
    uint32_t uid)
{
	struct cli_session	 s;
	struct imap_cmd		*ic;
	struct answer		 a;
	char			*name = str_sanitize(folder);
	int			 rc;

	if ((rc = cli_session_open(&s, ctx)) != 0) {
		fprintf(ctx->err, "crispin: %s: the old draft (UID %u in '%s') is "
		    "still there\n", cmd, uid, name);
		free(name);
		return rc;
	}
	ic = imap_cmd_new(s.client, 0);
	imap_cmd_add(ic, "SELECT ");
	imap_cmd_add_mailbox(ic, folder);
	if ((rc = run_cmd(&s, ic, &a)) != 0)
		goto out;
	if (a.status != IMAP_STATUS_OK) {
		fprintf(ctx->err, "crispin: %s: cannot open '%s' to remove the old "
		    "draft: %s\n", cmd, name, a.text);
		rc = EXIT_FAILURE_;
		goto out;
	}
	answer_free(&a);
	ic = imap_cmd_new(s.client, 0);
	imap_cmd_add(ic, "UID STORE %u +FLAGS.SILENT (\\Deleted)", uid);
	if ((rc = run_cmd(&s, ic, &a)) != 0)
		goto out;
	if (a.status != IMAP_STATUS_OK) {
		fprintf(ctx->err, "crispin: %s: cannot remove the old draft (UID %u "
		    "in '%s'): %s\n", cmd, uid, name, a.text);
		rc = EXIT_FAILURE_;
		goto out;
	}
	answer_free(&a);
	if (!imap_client_has_cap(s.client, "UIDPLUS")) {
		/* A plain EXPUNGE would take every other \Deleted message too. */
		fprintf(ctx->err, "crispin: %s: the old draft (UID %u in '%s') is "
		    "marked \\Deleted; the server lacks UIDPLUS, so expunge the "
		    "folder to remove it\n", cmd, uid, name);
		goto out;
	}
	ic = imap_cmd_new(s.client, 0);
	imap_cmd_add(ic, "UID EXPUNGE %u", uid);
	if ((rc = run_cmd(&s, ic, &a)) != 0)
		goto out;
	if (a.status != IMAP_STATUS_OK) {
		fprintf(ctx->err, "crispin: %s: the old draft (UID %u in '%s') is "
		    "marked \\Deleted but not expunged: %s\n", cmd, uid, name, a.text);
		rc = EXIT_FAILURE_;
	}
out:
	answer_free(&a);
	cli_session_close(&s);
	free(name);
	return rc;
}
