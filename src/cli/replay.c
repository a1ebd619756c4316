/*
 * Every command that connects first replays the journal of changes made
 * offline (or cut off mid-flight), all folders, in order, and says on
 * stderr what became of each one. The command's own work follows on the
 * same session.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/mail_journal.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct replay_run {
	struct cli_context		*ctx;
	struct mail_journal_replay	*rp;
	bool				 done;
	int				 status;
	unsigned			 counts[MAIL_JOURNAL_REFUSED + 1];
};

/* What each outcome is called on stderr. */
static const char *const outcome_names[] = {
	[MAIL_JOURNAL_DONE] = "replayed",
	[MAIL_JOURNAL_CONFLICT] = "replayed with a conflict",
	[MAIL_JOURNAL_DROPPED] = "dropped",
	[MAIL_JOURNAL_REFUSED] = "refused",
};

static void on_report(enum mail_journal_outcome, const char *, void *);
static void on_done(int, void *);
static void forward_untagged(const struct imap_response *, void *);

static void
on_report(enum mail_journal_outcome o, const char *text, void *arg)
{
	struct replay_run	*run = arg;
	char			*clean = str_sanitize(text);

	run->counts[o]++;
	fprintf(run->ctx->err, "crispin: journal: %s: %s\n", outcome_names[o], clean);
	free(clean);
}

static void
on_done(int status, void *arg)
{
	struct replay_run	*run = arg;

	run->status = status;
	run->done = true;
}

static void
forward_untagged(const struct imap_response *r, void *arg)
{
	struct replay_run	*run = arg;

	if (run->rp != NULL)
		mail_journal_untagged(run->rp, r);
}

int
cli_replay_journal(struct cli_session *s)
{
	struct replay_run	 run;
	struct store		*st;
	size_t			 pending = 0;
	char			*error = NULL;
	int			 rc;

	/* No cache, no journal: nothing can have been done offline. */
	if ((st = cli_open_store(s->ctx)) == NULL)
		return 0;
	if (store_journal_count(st, &pending, &error) < 0) {
		fprintf(s->ctx->err, "crispin: journal not replayed: %s\n", error);
		free(error);
		store_close(&st);
		return 0;
	}
	if (pending == 0) {
		store_close(&st);
		return 0;
	}
	memset(&run, 0, sizeof run);
	run.ctx = s->ctx;
	s->untagged = forward_untagged;
	s->untagged_arg = &run;
	run.rp = mail_journal_replay(s->client, st, on_report, on_done, &run);
	rc = cli_session_wait(s, &run.done);
	s->untagged = NULL;
	s->untagged_arg = NULL;
	mail_journal_replay_free(&run.rp);
	store_close(&st);
	s->journal_refused = run.counts[MAIL_JOURNAL_REFUSED];
	s->journal_stopped = rc != 0 || run.status < 0;
	if (rc == 0 && run.status < 0)
		fprintf(s->ctx->err, "crispin: journal: replay stopped; the changes "
		    "left are kept for next time\n");
	else if (rc == 0)
		fprintf(s->ctx->err, "crispin: journal: %u replayed, %u with conflicts, "
		    "%u dropped, %u refused\n", run.counts[MAIL_JOURNAL_DONE],
		    run.counts[MAIL_JOURNAL_CONFLICT], run.counts[MAIL_JOURNAL_DROPPED],
		    run.counts[MAIL_JOURNAL_REFUSED]);
	return rc;
}
