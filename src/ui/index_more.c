/*
 * More of the index's functions: subthreads (next, previous, read,
 * delete), the sender's full address, piping the message to a command,
 * the read-only toggle and checking for mail now.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/mail_draft.h"
#include "crispin/mail_session.h"
#include "crispin/mime_header.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "index_p.h"

/* A pipe-message waiting for its messages (the tagged ones after ';':
 * one after the other into data, then one command). */
struct pipe_job {
	struct ui	*ui;
	uint32_t	*uids;		/* owned */
	size_t		 n, at;
	struct buf	 data;
	char		*command;	/* owned */
	unsigned	 gen;		/* another folder since: dropped */
};

static bool subthread_rows(struct ui *, struct index_state *, size_t *, size_t *);
static void subthread_flag(struct ui *, struct index_state *, unsigned);
static void subthread_step(struct ui *, struct index_state *, int);
static void pipe_job_free(struct pipe_job *);
static void pipe_fetched(struct ui *, int, const char *, const struct buf *, void *);
static void pipe_asked(struct ui *, const char *, void *);
static void search_step(struct ui *, struct index_state *, bool);
static void search_asked(struct ui *, const char *, void *);

/* The rows of the subthread under the cursor: its message and every
 * reply below it, [*first, *end) in row order. */
static bool
subthread_rows(struct ui *ui, struct index_state *st, size_t *first, size_t *end)
{
	size_t		 r;
	uint32_t	 depth;

	if (st->rows == NULL) {
		ui_message(ui, "Threading is not enabled (o t sorts by threads).");
		return false;
	}
	if (st->nvis == 0)
		return false;
	r = st->vis[st->cursor];
	depth = st->rows[r].depth;
	*first = r;
	for (r++; r < st->nrows && st->rows[r].depth > depth; r++)
		;
	*end = r;
	return true;
}

static void
subthread_flag(struct ui *ui, struct index_state *st, unsigned flag)
{
	struct imap_seqset	 set;
	const struct mail_msg	*m;
	size_t			 first, end, r;

	if (!subthread_rows(ui, st, &first, &end))
		return;
	if (mail_folder_readonly(ui->folder)) {
		ui_message(ui, "The folder is read-only.");
		return;
	}
	imap_seqset_init(&set);
	for (r = first; r < end; r++) {
		if ((m = mail_folder_msg(ui->folder, st->seqs[r])) != NULL && m->uid != 0)
			imap_seqset_add(&set, m->uid, m->uid);
	}
	imap_seqset_normalize(&set);
	if (set.count > 0)
		mail_folder_store_flags(ui->folder, &set, true, flag, NULL, NULL, NULL);
	imap_seqset_free(&set);
}

void
index_op_read_subthread(struct ui *ui, struct index_state *st)
{
	subthread_flag(ui, st, IMAP_FLAG_SEEN);
}

void
index_op_delete_subthread(struct ui *ui, struct index_state *st)
{
	subthread_flag(ui, st, IMAP_FLAG_DELETED);
}

/*
 * mutt's subthread moves: forward to the next message at the cursor's
 * depth or above (the next sibling, else an uncle, else the next
 * thread); back to the previous one (the previous sibling, else the
 * parent).
 */
static void
subthread_step(struct ui *ui, struct index_state *st, int dir)
{
	size_t		 vi = st->cursor;
	uint32_t	 depth;

	if (st->rows == NULL) {
		ui_message(ui, "Threading is not enabled (o t sorts by threads).");
		return;
	}
	if (st->nvis == 0)
		return;
	depth = st->rows[st->vis[vi]].depth;
	for (;;) {
		if (dir > 0 ? vi + 1 >= st->nvis : vi == 0) {
			ui_message(ui, dir > 0 ? "No more subthreads." :
			    "No previous subthread.");
			return;
		}
		vi = dir > 0 ? vi + 1 : vi - 1;
		if (st->rows[st->vis[vi]].depth <= depth)
			break;
	}
	index_set_cursor(ui, st, vi);
}

void
index_op_next_subthread(struct ui *ui, struct index_state *st)
{
	subthread_step(ui, st, 1);
}

void
index_op_prev_subthread(struct ui *ui, struct index_state *st)
{
	subthread_step(ui, st, -1);
}

/* The whole From, decoded (ui_message makes it terminal-safe). */
void
index_op_display_address(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*m = index_current(ui, st);
	struct buf		 from = BUF_INIT;

	if (m == NULL || m->uid == 0) {
		ui_message(ui, "No message here yet.");
		return;
	}
	if (m->from == NULL) {
		ui_message(ui, "This message has no From field.");
		return;
	}
	mime_decode_words(&from, m->from, NULL);
	ui_message(ui, "%s", buf_cstr(&from));
	buf_free(&from);
}

static void
pipe_job_free(struct pipe_job *job)
{
	buf_free(&job->data);
	free(job->uids);
	free(job->command);
	free(job);
}

/* A message came: raw, or as the pager shows it with pipe_decode; after
 * the last one the command runs on them all. */
static void
pipe_fetched(struct ui *ui, int status, const char *error, const struct buf *raw,
    void *arg)
{
	struct pipe_job		*job = arg;
	char			*why = NULL;

	if (ui->index.st == NULL || job->gen != ui->index.st->gen) {
		pipe_job_free(job);
		return;
	}
	if (status < 0) {
		ui_message(ui, "Not piped: %s", error);
		pipe_job_free(job);
		return;
	}
	/* mutt's pipe_sep between messages. */
	if (job->at > 0)
		buf_addc(&job->data, '\n');
	if (config_bool(ui->ctx->cfg, "pipe_decode")) {
		if (rawfetch_decoded(ui, raw, &job->data, &why) < 0) {
			ui_message(ui, "Not piped: %s", why);
			free(why);
			pipe_job_free(job);
			return;
		}
	} else
		buf_add(&job->data, raw->data, raw->len);
	if (++job->at < job->n) {
		rawfetch(ui, job->uids[job->at], pipe_fetched, job);
		return;
	}
	if (shell_run(ui, job->command, job->data.data != NULL ? job->data.data :
	    "", job->data.len, &why) < 0) {
		ui_message(ui, "%s", why);
		free(why);
	}
	pipe_job_free(job);
}

static void
pipe_asked(struct ui *ui, const char *text, void *arg)
{
	struct pipe_job		*job = arg;

	if (text == NULL || *text == '\0' || job->gen != ui->index.st->gen) {
		pipe_job_free(job);
		return;
	}
	job->command = xstrdup(text);
	if (job->n > 1)
		ui_message(ui, "Fetching %zu messages for \"%s\"...", job->n, text);
	else
		ui_message(ui, "Fetching the message for \"%s\"...", text);
	rawfetch(ui, job->uids[0], pipe_fetched, job);
}

/* The current message, or with ';' the tagged ones in UID order. */
void
index_op_pipe_message(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*m = index_current(ui, st);
	struct pipe_job		*job;

	if (!st->apply_tagged && (m == NULL || m->uid == 0)) {
		ui_message(ui, "No message here yet.");
		return;
	}
	if (st->apply_tagged && st->tagged.n == 0) {
		ui_message(ui, "No tagged messages.");
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->ui = ui;
	job->gen = st->gen;
	if (st->apply_tagged) {
		job->n = st->tagged.n;
		job->uids = xreallocarray(NULL, job->n, sizeof *job->uids);
		memcpy(job->uids, st->tagged.v, job->n * sizeof *job->uids);
	} else {
		job->n = 1;
		job->uids = xmalloc(sizeof *job->uids);
		job->uids[0] = m->uid;
	}
	ui_prompt(ui, config_bool(ui->ctx->cfg, "pipe_decode") ?
	    "Pipe the decoded message to: " : "Pipe the message to: ", NULL,
	    PROMPT_OTHER, NULL, pipe_asked, job);
}

/* mutt's %: the folder again, with EXAMINE (nothing can change it) or
 * SELECT; the cursor stays on its message. */
void
index_op_toggle_write(struct ui *ui, struct index_state *st)
{
	uint32_t	 uid = index_current_uid(ui);
	bool		 readonly = !ui->folder_readonly;
	char		*name;

	if (ui->folder_name == NULL) {
		ui_message(ui, "No folder is open.");
		return;
	}
	name = xstrdup(ui->folder_name);
	ui_open_folder(ui, name, readonly);
	if (uid != 0)
		index_follow_uid(ui, uid);
	ui_message(ui, readonly ? "%s is read-only now: changes are refused." :
	    "Changes to %s will be written.", name);
	free(name);
}

/* G: the server is asked now (NOOP) rather than at the next poll, and
 * the other folders' counts are refreshed. */
void
index_op_fetch_mail(struct ui *ui, struct index_state *st)
{
	if (ui->session == NULL || ui->s.client == NULL || ui->s.closed) {
		ui_message(ui, "Not connected: new mail is checked when the link "
		    "is back.");
		return;
	}
	mail_session_check(ui->session);
	folderlist_refresh(ui);
	ui_message(ui, "Checking for new mail...");
}

/*
 * Search (/, Esc /, n): the next message in display order the pattern
 * matches, wrapping around as mutt does. It is answered from what the
 * index holds; a term only the server can answer (body text) is for l.
 */
static void
search_step(struct ui *ui, struct index_state *st, bool back)
{
	struct buf		 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	const struct mail_msg	*m;
	enum mail_query_truth	 t;
	size_t			 i, vi = 0, n = st->nvis;
	bool			 found = false, unknown = false;

	for (i = 1; i <= n && !found; i++) {
		vi = back ? (st->cursor + n - i) % n : (st->cursor + i) % n;
		if ((m = index_row_msg(ui, st, vi)) == NULL || m->uid == 0)
			continue;
		t = index_evaluate(st->search, m, b);
		unknown |= t == MAIL_QUERY_UNKNOWN;
		found = t == MAIL_QUERY_YES;
	}
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	if (!found) {
		ui_message(ui, unknown ? "Not found in what is known here; l (limit) "
		    "asks the server for \"%s\"." : "Not found: %s", st->search_text);
		return;
	}
	if (vi == st->cursor)
		ui_message(ui, "This is the only message that matches.");
	else if (back ? vi > st->cursor : vi < st->cursor)
		ui_message(ui, back ? "Search wrapped to bottom." :
		    "Search wrapped to top.");
	index_set_cursor(ui, st, vi);
}

static void
search_asked(struct ui *ui, const char *text, void *arg)
{
	struct index_state	*st = index_state_of(ui);
	struct mail_query	*q;
	char			*error = NULL;

	if (text == NULL)
		return;
	if (*text == '\0') {
		/* As in mutt: Enter alone repeats the last search. */
		if (st->search == NULL)
			return;
	} else {
		if (mail_query_parse(text, time(NULL), &q, &error) < 0) {
			ui_message(ui, "%s in \"%s\"", error, text);
			free(error);
			return;
		}
		mail_query_free(&st->search);
		free(st->search_text);
		st->search = q;
		st->search_text = xstrdup(text);
	}
	st->search_back = arg != NULL;
	search_step(ui, st, st->search_back);
	ui_redraw(ui);
}

void
index_op_search(struct ui *ui, struct index_state *st)
{
	ui_prompt(ui, "Search for: ", NULL, PROMPT_PATTERN, NULL, search_asked,
	    NULL);
}

void
index_op_search_reverse(struct ui *ui, struct index_state *st)
{
	ui_prompt(ui, "Reverse search for: ", NULL, PROMPT_PATTERN, NULL,
	    search_asked, ui);
}

void
index_op_search_next(struct ui *ui, struct index_state *st)
{
	if (st->search == NULL) {
		ui_message(ui, "No search pattern.");
		return;
	}
	search_step(ui, st, st->search_back);
}

void
index_op_search_opposite(struct ui *ui, struct index_state *st)
{
	if (st->search == NULL) {
		ui_message(ui, "No search pattern.");
		return;
	}
	search_step(ui, st, !st->search_back);
}
