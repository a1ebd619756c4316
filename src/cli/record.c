/*
 * What is left once the server took a message: a copy APPENDed to the
 * Sent folder (record, else the folder with the \Sent role) with \Seen,
 * Bcc kept in that copy only; \Answered on the message replied to and
 * $Forwarded on the one forwarded (when the folder's PERMANENTFLAGS
 * allow keywords). One IMAP session does it for every message of a run.
 *
 * A copy that cannot be saved now (no connection, the server said NO)
 * stays in the outbox as "sent" and send --queued tries again; it is never
 * sent a second time. A flag that cannot be set is reported and dropped:
 * it is not worth keeping a message in the outbox for.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "submit_p.h"

struct after;

struct answer {
	struct after	*af;		/* borrowed: for SELECT's untagged data */
	bool		 done;
	enum imap_status status;
	char		*code;		/* owned */
	char		*text;		/* owned, sanitised */
	uint32_t	 uidvalidity, uid;	/* APPENDUID */
};

struct after {
	struct submit_run	*run;		/* borrowed */
	struct cli_session	 s;
	bool			 open;
	bool			 broken;	/* the session is gone */
	char			*sent;		/* owned: Sent folder, UTF-8 */
	bool			 no_sent;	/* there is none: drop the copies */
	char			*selected;	/* owned: the selected folder */
	unsigned		 permflags;	/* of selected */
	bool			 keywords_ok;	/* $Forwarded can be kept there */
};

static void on_answer(struct imap_client *, const struct imap_response *, void *);
static void on_select_ok(struct imap_client *, const struct imap_response *, void *);
static void answer_free(struct answer *);
static int run_cmd(struct after *, struct imap_cmd *, struct answer *);
static bool pending(const struct submit_run *);
static int open_session(struct after *);
static int find_sent(struct after *);
static void to_crlf(const char *, size_t, struct buf *);
static int record(struct after *, struct submit_msg *);
static int mark(struct after *, struct submit_msg *, const char *, uint32_t,
	    const char *);
static void done(struct after *, struct submit_msg *, unsigned);

static void
on_answer(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct answer	*a = arg;

	a->done = true;
	a->status = r->status;
	a->text = str_sanitize(r->text);
	if (r->code != NULL)
		a->code = xstrdup(r->code);
	(void)imap_code_appenduid_one(r, &a->uidvalidity, &a->uid);
}

/* "* OK [PERMANENTFLAGS (...)]" of the SELECT: what may be set for good.
 * A folder that says nothing allows everything (RFC 3501 7.1). */
static void
on_select_ok(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct after		*af = ((struct answer *)arg)->af;
	struct imap_flags	 fl;
	struct arena		*a;
	size_t			 i;

	if (r->code == NULL || strcmp(r->code, "PERMANENTFLAGS") != 0 ||
	    r->code_argc < 1)
		return;
	a = arena_new(0);
	if (imap_flags_parse(&r->code_args[0], a, &fl, NULL) == 0) {
		af->permflags = fl.bits;
		af->keywords_ok = (fl.bits & IMAP_FLAG_ANY) != 0;
		for (i = 0; i < fl.nkeywords; i++)
			if (str_ieq(fl.keywords[i], "$Forwarded"))
				af->keywords_ok = true;
	}
	arena_free(&a);
}

static void
answer_free(struct answer *a)
{
	x_free(&a->code);
	x_free(&a->text);
	memset(a, 0, sizeof *a);
}

/* Submits cmd and waits: 0 with the answer, or an exit code when the
 * session broke (said on stderr). */
static int
run_cmd(struct after *af, struct imap_cmd *cmd, struct answer *a)
{
	int	 rc;

	memset(a, 0, sizeof *a);
	imap_cmd_submit(cmd, on_answer, a);
	if ((rc = cli_session_wait(&af->s, &a->done)) != 0)
		af->broken = true;
	return rc;
}

static bool
pending(const struct submit_run *run)
{
	size_t	i;

	for (i = 0; i < run->nmsgs; i++)
		if (run->msgs[i]->state == STORE_OUTBOX_SENT && run->msgs[i]->tasks != 0)
			return true;
	return false;
}

static int
open_session(struct after *af)
{
	int	 rc;

	if (af->open)
		return 0;
	if (af->broken)
		return EXIT_NETWORK;
	if ((rc = cli_session_open(&af->s, af->run->ctx)) != 0) {
		af->broken = true;
		return rc;
	}
	af->open = true;
	return 0;
}

/* record, else the \Sent role; EXIT_FAILURE_ when there is no such folder
 * (the resolver said so), after which copies are dropped. */
static int
find_sent(struct after *af)
{
	const char	*name = config_str(af->run->ctx->cfg, "record");
	int		 rc;

	if (af->sent != NULL || af->no_sent)
		return af->no_sent ? EXIT_FAILURE_ : 0;
	if (name == NULL || name[0] == '\0')
		name = "\\Sent";
	rc = cli_resolve_folder(&af->s, af->run->cmd, name, &af->sent);
	if (rc == EXIT_FAILURE_ && !af->s.closed && af->s.err == ERR_NONE) {
		fprintf(af->run->ctx->err, "crispin: %s: set record to the folder "
		    "for sent mail; no copy is saved\n", af->run->cmd);
		af->no_sent = true;
	} else if (rc != 0)
		af->broken = true;
	return rc;
}

/* IMAP wants CRLF line ends. */
static void
to_crlf(const char *data, size_t len, struct buf *out)
{
	size_t	 i;
	char	 prev = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && prev != '\r')
			buf_addc(out, '\r');
		else if (prev == '\r' && data[i] != '\n')
			buf_addc(out, '\n');
		buf_addc(out, data[i]);
		prev = data[i];
	}
	if (prev == '\r')
		buf_addc(out, '\n');
	else if (prev != '\n')
		buf_adds(out, "\r\n");
}

static int
record(struct after *af, struct submit_msg *m)
{
	struct cli_context	*ctx = af->run->ctx;
	struct imap_cmd		*cmd;
	struct answer		 a;
	struct buf		 copy = BUF_INIT;
	char			*name;
	int			 rc;

	if ((rc = find_sent(af)) != 0) {
		if (af->no_sent)
			done(af, m, STORE_OUTBOX_RECORD);
		return rc;
	}
	if (memchr(m->data.data, '\0', m->data.len) != NULL) {
		fprintf(ctx->err, "crispin: %s: the message has a NUL byte, which "
		    "IMAP cannot store; no copy is saved\n", af->run->cmd);
		done(af, m, STORE_OUTBOX_RECORD);
		return 0;
	}
	to_crlf(m->data.data, m->data.len, &copy);
	cmd = imap_cmd_new(af->s.client, 0);
	imap_cmd_add(cmd, "APPEND ");
	imap_cmd_add_mailbox(cmd, af->sent);
	imap_cmd_add(cmd, " (\\Seen) ");
	/* CRLF inside makes it a literal (LITERAL+ when offered). */
	imap_cmd_add_string(cmd, buf_cstr(&copy));
	if ((rc = run_cmd(af, cmd, &a)) != 0) {
		buf_free(&copy);
		return rc;
	}
	if (a.status == IMAP_STATUS_OK) {
		/* Sent mail's cache gets it without a fetch. */
		cli_cache_appended(ctx, af->sent, a.uidvalidity, a.uid, copy.data,
		    copy.len, "\\Seen", time(NULL));
		done(af, m, STORE_OUTBOX_RECORD);
	}
	else {
		name = str_sanitize(af->sent);
		fprintf(ctx->err, "crispin: %s: the copy to '%s' is not saved: %s%s\n",
		    af->run->cmd, name, a.text, a.code != NULL &&
		    strcmp(a.code, "TRYCREATE") == 0 ? " (create the folder with "
		    "crispin mkdir)" : "");
		free(name);
		rc = EXIT_FAILURE_;
	}
	buf_free(&copy);
	answer_free(&a);
	return rc;
}

/* flag on uid in folder; a refusal is reported, not kept. */
static int
mark(struct after *af, struct submit_msg *m, const char *folder, uint32_t uid,
    const char *flag)
{
	struct cli_context	*ctx = af->run->ctx;
	struct imap_cmd		*cmd;
	struct answer		 a;
	char			*name;
	int			 rc;

	if (af->selected == NULL || strcmp(af->selected, folder) != 0) {
		x_free(&af->selected);
		af->permflags = 0;
		af->keywords_ok = true;
		cmd = imap_cmd_new(af->s.client, 0);
		imap_cmd_add(cmd, "SELECT ");
		imap_cmd_add_mailbox(cmd, folder);
		imap_cmd_on_untagged(cmd, "OK", on_select_ok);
		memset(&a, 0, sizeof a);
		a.af = af;
		imap_cmd_submit(cmd, on_answer, &a);
		if ((rc = cli_session_wait(&af->s, &a.done)) != 0) {
			af->broken = true;
			return rc;
		}
		if (a.status != IMAP_STATUS_OK) {
			name = str_sanitize(folder);
			fprintf(ctx->err, "crispin: %s: cannot mark the message in "
			    "'%s': %s\n", af->run->cmd, name, a.text);
			free(name);
			answer_free(&a);
			return EXIT_FAILURE_;
		}
		answer_free(&a);
		af->selected = xstrdup(folder);
	}
	if (flag[0] == '$' && !af->keywords_ok) {
		name = str_sanitize(folder);
		fprintf(ctx->err, "crispin: %s: '%s' does not keep keywords; %s "
		    "is not set\n", af->run->cmd, name, flag);
		free(name);
		return EXIT_FAILURE_;
	}
	cmd = imap_cmd_new(af->s.client, 0);
	imap_cmd_add(cmd, "UID STORE %u +FLAGS.SILENT (%s)", uid, flag);
	if ((rc = run_cmd(af, cmd, &a)) != 0)
		return rc;
	if (a.status != IMAP_STATUS_OK) {
		fprintf(ctx->err, "crispin: %s: cannot set %s: %s\n", af->run->cmd,
		    flag, a.text);
		rc = EXIT_FAILURE_;
	}
	answer_free(&a);
	return rc;
}

static void
done(struct after *af, struct submit_msg *m, unsigned task)
{
	char	*error = NULL;

	m->tasks &= ~task;
	if (m->id == 0 || af->run->st == NULL)
		return;
	if (store_outbox_tasks_done(af->run->st, m->id, task, &error) < 0) {
		/* At worst the task is done again later: a second copy. */
		fprintf(af->run->ctx->err, "crispin: %s: #%lld: %s\n", af->run->cmd,
		    (long long)m->id, error);
		free(error);
	}
}

int
submit_after(struct submit_run *run)
{
	struct after		 af;
	struct submit_msg	*m;
	size_t			 i;
	int			 rc = 0, r;

	if (!pending(run) || run->offline)
		return 0;
	memset(&af, 0, sizeof af);
	af.run = run;
	for (i = 0; i < run->nmsgs && !af.broken; i++) {
		m = run->msgs[i];
		if (m->state != STORE_OUTBOX_SENT || m->tasks == 0)
			continue;
		if ((r = open_session(&af)) != 0) {
			rc = r;
			break;
		}
		if ((m->tasks & STORE_OUTBOX_RECORD) && (r = record(&af, m)) != 0 &&
		    rc == 0)
			rc = r;
		if (!af.broken && (m->tasks & STORE_OUTBOX_REPLY)) {
			r = mark(&af, m, m->reply_folder, m->reply_uid, "\\Answered");
			if (!af.broken)
				done(&af, m, STORE_OUTBOX_REPLY);
			if (r != 0 && rc == 0)
				rc = r;
		}
		if (!af.broken && (m->tasks & STORE_OUTBOX_FORWARD)) {
			r = mark(&af, m, m->forward_folder, m->forward_uid, "$Forwarded");
			if (!af.broken)
				done(&af, m, STORE_OUTBOX_FORWARD);
			if (r != 0 && rc == 0)
				rc = r;
		}
	}
	if (pending(run)) {
		for (i = 0; i < run->nmsgs; i++) {
			m = run->msgs[i];
			if (m->state == STORE_OUTBOX_SENT && m->tasks != 0 && m->id != 0)
				fprintf(run->ctx->err, "crispin: %s: #%lld was sent; its "
				    "copy to Sent or flags wait in the outbox (crispin "
				    "send --queued tries again)\n", run->cmd,
				    (long long)m->id);
		}
	}
	if (af.open)
		cli_session_close(&af.s);
	x_free(&af.sent);
	x_free(&af.selected);
	return rc;
}
