/*
 * A command the link died under. What it read can simply be read again;
 * a change it sent was journaled first (a journaling folder), so the
 * change is settled by reconnecting and replaying the journal, whose
 * rules look at the server before doing anything twice (mail_journal.h).
 */
#include <sys/select.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/mail_session.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

/* Attempts before the command gives up: 1 + 2 + 4 + 8 s of backoff, which
 * outlasts a router restart but not a real outage (the journal keeps the
 * change for the next run then). */
#define RECONNECT_TRIES	4
/* The exit status after SIGINT, as shells report a command it killed. */
#define EXIT_INTERRUPTED	(128 + SIGINT)

/* Set by SIGINT during a wait between sessions. */
static volatile sig_atomic_t interrupted;

struct answer;

static void on_sigint(int);
static bool pause_ms(struct cli_context *, const char *, uint64_t);
static void say_kept(struct cli_context *, const char *);
static void on_search(struct imap_client *, const struct imap_response *, void *);
static void on_answer(struct imap_client *, const struct imap_response *, void *);
static int ask(struct cli_session *, struct imap_cmd *, struct answer *);
static void add_mailbox(struct imap_cmd *, const char *, const char *);
static char *message_id(const char *);

static void
on_sigint(int signo)
{
	interrupted = 1;
}

/*
 * The wait between two sessions blocks (no loop runs between them), so
 * SIGINT is caught for its length only (from before it is announced), to
 * end it at once: false when it came. Outside the wait SIGINT does what
 * it did before.
 */
static bool
pause_ms(struct cli_context *ctx, const char *cmd, uint64_t ms)
{
	struct sigaction	 sa, old;
	struct timespec		 ts;
	sigset_t		 block, orig, during;
	uint64_t		 until = cli_now_us() + ms * 1000, now;

	/* Blocked but for the sleep itself: a SIGINT between the check and
	 * the sleep is not slept through. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	during = orig;
	sigdelset(&during, SIGINT);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	if (sigaction(SIGINT, &sa, &old) == -1)
		old.sa_handler = SIG_DFL;
	fprintf(ctx->err, "crispin: %s: reconnecting in %.1f s\n", cmd,
	    (double)ms / 1000);
	fflush(ctx->err);
	while (!interrupted && (now = cli_now_us()) < until) {
		ts.tv_sec = (time_t)((until - now) / 1000000);
		ts.tv_nsec = (long)((until - now) % 1000000) * 1000;
		(void)pselect(0, NULL, NULL, NULL, &ts, &during);
	}
	/* A SIGINT that came meanwhile is taken here, by on_sigint. */
	sigprocmask(SIG_SETMASK, &orig, NULL);
	(void)sigaction(SIGINT, &old, NULL);
	return !interrupted;
}

/* What an interrupted wait leaves: the journal says what is pending. */
static void
say_kept(struct cli_context *ctx, const char *cmd)
{
	struct store	*st;
	size_t		 pending = 0;
	char		*error = NULL;

	if (!ctx->offline && (st = cli_open_store(ctx)) != NULL) {
		if (store_journal_count(st, &pending, &error) < 0)
			free(error);
		store_close(&st);
	}
	if (pending > 0)
		fprintf(ctx->err, "crispin: %s: interrupted while waiting to "
		    "reconnect; %zu change%s kept in the journal, replayed by the "
		    "next command that connects\n", cmd, pending,
		    pending == 1 ? "" : "s");
	else
		fprintf(ctx->err, "crispin: %s: interrupted while waiting to "
		    "reconnect\n", cmd);
}

int
cli_session_reconnect(struct cli_session *s, struct cli_context *ctx, const char *cmd)
{
	struct timespec	 now;
	uint64_t	 max_ms, wait_ms;
	uint32_t	 rng;
	unsigned	 attempt;
	int		 rc = EXIT_NETWORK;

	max_ms = (uint64_t)config_num(ctx->cfg, "reconnect_max_delay") * 1000;
	if (max_ms == 0)
		max_ms = 1000;
	clock_gettime(CLOCK_MONOTONIC, &now);
	rng = (uint32_t)now.tv_nsec ^ (uint32_t)now.tv_sec;
	for (attempt = 0; attempt < RECONNECT_TRIES; attempt++) {
		rng = rng * 1103515245u + 12345u;
		wait_ms = mail_backoff_ms(attempt, max_ms, rng >> 8);
		if (!pause_ms(ctx, cmd, wait_ms)) {
			say_kept(ctx, cmd);
			memset(s, 0, sizeof *s);
			s->ctx = ctx;
			s->closed = true;
			return EXIT_INTERRUPTED;
		}
		if ((rc = cli_session_open(s, ctx)) == 0)
			return 0;
		/* Only the network may come back by itself. */
		if (rc != EXIT_NETWORK)
			break;
	}
	return rc;
}

int
cli_settle_inflight(struct cli_context *ctx, const char *cmd, int rc)
{
	struct cli_session	 s;
	struct store		*st;
	size_t			 pending = 0;
	char			*error = NULL;

	if (rc != EXIT_NETWORK || ctx->offline)
		return rc;
	/* Without the cache nothing was journaled, so nothing can tell. */
	if ((st = cli_open_store(ctx)) == NULL)
		return rc;
	if (store_journal_count(st, &pending, &error) < 0)
		free(error);
	store_close(&st);
	if (pending == 0)
		return rc;
	fprintf(ctx->err, "crispin: %s: the link died before the server's answer; "
	    "its outcome is checked after reconnecting\n", cmd);
	if ((rc = cli_session_reconnect(&s, ctx, cmd)) != 0) {
		if (rc != EXIT_INTERRUPTED)
			fprintf(ctx->err, "crispin: %s: still no server; the change is "
			    "kept and settled at the next connection\n", cmd);
		return rc;
	}
	if (s.journal_stopped)
		rc = EXIT_NETWORK;
	else if (s.journal_refused > 0)
		rc = EXIT_FAILURE_;
	cli_session_close(&s);
	if (rc == EXIT_NETWORK)
		fprintf(ctx->err, "crispin: %s: the link died again; the change is kept "
		    "and settled at the next connection\n", cmd);
	return rc;
}

/* One command's answer, for the append check. */
struct answer {
	bool			 done;
	enum imap_status	 status;
	char			*text;		/* owned, sanitised */
	struct imap_seqset	 found;		/* SEARCH results */
	uint32_t		 uidvalidity, uid;	/* APPENDUID */
};

static void
on_search(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct answer	*a = arg;

	(void)imap_esearch_collect(r, &a->found);
}

static void
on_answer(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct answer		*a = arg;

	a->done = true;
	a->status = r->status;
	a->text = str_sanitize(r->text);
	(void)imap_code_appenduid_one(r, &a->uidvalidity, &a->uid);
}

/* Sends cmd and waits: 0 with a's status, or an exit code. */
static int
ask(struct cli_session *s, struct imap_cmd *cmd, struct answer *a)
{
	x_free(&a->text);
	a->done = false;
	imap_cmd_submit(cmd, on_answer, a);
	return cli_session_wait(s, &a->done);
}

static void
add_mailbox(struct imap_cmd *cmd, const char *utf8, const char *raw)
{
	if (raw != NULL)
		imap_cmd_add_string(cmd, raw);
	else
		imap_cmd_add_mailbox(cmd, utf8);
}

/* The Message-ID field's value (unfolded, trimmed), or NULL. */
static char *
message_id(const char *msg)
{
	const char	*p = msg, *eol, *v;
	struct buf	 b = BUF_INIT;
	char		*id;

	while (*p != '\0' && *p != '\r' && *p != '\n') {
		eol = p + strcspn(p, "\n");
		if (strncasecmp(p, "Message-ID:", 11) == 0) {
			for (v = p + 11; ; ) {
				buf_add(&b, v, (size_t)(eol - v));
				if (*eol == '\0' || (eol[1] != ' ' && eol[1] != '\t'))
					break;
				v = eol + 1;
				eol = v + strcspn(v, "\n");
			}
			v = buf_cstr(&b);
			v += strspn(v, " \t");
			id = xstrndup(v, strcspn(v, " \t\r"));
			buf_free(&b);
			if (*id == '\0') {
				free(id);
				return NULL;
			}
			return id;
		}
		p = *eol == '\0' ? eol : eol + 1;
	}
	return NULL;
}

int
cli_append_settle(struct cli_context *ctx, const char *utf8, const char *raw,
    const char *flags, const char *date, const char *msg, int rc,
    uint32_t *uidvalidity_r, uint32_t *uid_r)
{
	struct cli_session	 s;
	struct answer		 a;
	struct imap_cmd		*cmd;
	char			*id;

	if (rc != EXIT_NETWORK)
		return rc;
	/* Without a Message-ID a second copy could not be told from the first. */
	if ((id = message_id(msg)) == NULL) {
		fprintf(ctx->err, "crispin: append: the link died before the server's "
		    "answer, and the message has no Message-ID to look for; it was not "
		    "appended again: check the folder\n");
		return rc;
	}
	fprintf(ctx->err, "crispin: append: the link died before the server's answer; "
	    "looking for the message by its Message-ID after reconnecting\n");
	if ((rc = cli_session_reconnect(&s, ctx, "append")) != 0) {
		free(id);
		return rc;
	}
	memset(&a, 0, sizeof a);
	imap_seqset_init(&a.found);
	cmd = imap_cmd_new(s.client, 0);
	imap_cmd_add(cmd, "EXAMINE ");
	add_mailbox(cmd, utf8, raw);
	if ((rc = ask(&s, cmd, &a)) != 0)
		goto out;
	if (a.status == IMAP_STATUS_OK) {
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "UID SEARCH HEADER Message-ID ");
		imap_cmd_add_string(cmd, id);
		imap_cmd_on_untagged(cmd, "SEARCH", on_search);
		imap_cmd_on_untagged(cmd, "ESEARCH", on_search);
		if ((rc = ask(&s, cmd, &a)) != 0)
			goto out;
	}
	imap_seqset_normalize(&a.found);
	if (a.found.count > 0) {
		/* The first attempt went through. */
		*uid_r = a.found.ranges[0].lo;
		*uidvalidity_r = 0;
		goto out;
	}
	cmd = imap_cmd_new(s.client, 0);
	imap_cmd_add(cmd, "APPEND ");
	add_mailbox(cmd, utf8, raw);
	if (flags != NULL && *flags != '\0')
		imap_cmd_add(cmd, " %s", flags);
	if (date != NULL && *date != '\0')
		imap_cmd_add(cmd, " %s", date);
	imap_cmd_add(cmd, " ");
	imap_cmd_add_string(cmd, msg);
	if ((rc = ask(&s, cmd, &a)) != 0)
		goto out;
	if (a.status != IMAP_STATUS_OK) {
		fprintf(ctx->err, "crispin: append: the server refused it when tried "
		    "again: %s\n", a.text);
		rc = EXIT_FAILURE_;
		goto out;
	}
	*uid_r = a.uid;
	*uidvalidity_r = a.uidvalidity;
out:
	cli_session_close(&s);
	free(id);
	free(a.text);
	imap_seqset_free(&a.found);
	return rc;
}
