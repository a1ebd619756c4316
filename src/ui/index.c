/*
 * The index: one line per message from index_format, in the order of
 * sort (threads by JWZ), narrowed by limit, with tags and the message
 * operations. The display order is an array of sequence numbers rebuilt
 * on the next draw after messages come or go (the model's events only
 * mark it dirty); the cursor follows its message by UID across rebuilds,
 * live updates and re-sorts. Keys arrive as keymap function names; the
 * table below is the index's whole vocabulary.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/mail_query.h"
#include "crispin/mail_thread.h"
#include "crispin/mime_header.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "index_p.h"

/* While a folder loads, the order is rebuilt at most this often. */
#define REBUILD_LOADING_MS	250
/* Thread tree levels drawn; deeper ones share the last column. */
#define TREE_MAX_DEPTH		32
#define NOT_FOUND		((size_t)-1)


static size_t uidset_find(const struct uidset *, uint32_t, bool *);
static void read_sort(struct ui *, struct index_state *);
static void free_patterns(struct index_state *);
static void compile_patterns(struct ui *, struct index_state *);
static void on_added(struct mail_folder *, const struct mail_msg *, void *);
static void on_opened(struct mail_folder *, void *);
static void on_expunged(struct mail_folder *, uint32_t, void *);
static bool in_limit(struct index_state *, const struct mail_msg *,
	    struct buf [3]);
static void make_visible(struct ui *, struct index_state *);
static void find_cursor(struct ui *, struct index_state *);
static void rebuild(struct ui *, struct index_state *);
static void tree_text(struct index_state *, size_t, struct buf *);
static unsigned line_attr(struct ui *, struct index_state *,
	    const struct mail_msg *, unsigned);
static bool field_attr(struct index_state *, const struct mail_msg *,
	    const char *, unsigned *);
static void draw_line(struct ui *, struct index_state *, int, const struct buf *,
	    const struct mail_msg *, unsigned, bool);
static void index_draw(struct view *, int, int, int);
static bool index_function(struct view *, const char *);
static bool matches(const struct mail_msg *, const char *);
static size_t find_row(struct ui *, struct index_state *, int, const char *);
static size_t page_rows(void);
static void jump_done(struct ui *, const char *, void *);
static void step_to(struct ui *, struct index_state *, int, const char *);
static bool threaded(struct ui *, struct index_state *);
static void thread_step(struct ui *, struct index_state *, int);
static size_t vis_of(struct index_state *, size_t);
static void apply_sort(struct ui *, struct index_state *,
	    enum mail_sort_key, bool);
static void sort_done(struct ui *, const char *, void *);
static const struct mail_folder_order *server_order(struct ui *,
	    struct index_state *);
static index_fn fn_next, fn_prev, fn_next_page, fn_prev_page, fn_half_down;
static index_fn fn_half_up, fn_first, fn_last, fn_top_page, fn_middle_page;
static index_fn fn_bottom_page, fn_jump, fn_display, fn_quit;
static index_fn fn_next_undeleted, fn_prev_undeleted, fn_next_unread;
static index_fn fn_prev_unread, fn_next_new, fn_prev_new, fn_next_new_unread;
static index_fn fn_next_thread, fn_prev_thread, fn_parent, fn_collapse_thread;
static index_fn fn_collapse_all, fn_sort, fn_sort_reverse;

#define TAGGABLE	0x01	/* ';' applies it to the tagged messages */

static const struct {
	const char	*name;
	index_fn	*fn;
	unsigned	 flags;
} functions[] = {
	{ "next-entry", fn_next, 0 },
	{ "previous-entry", fn_prev, 0 },
	{ "next-page", fn_next_page, 0 },
	{ "previous-page", fn_prev_page, 0 },
	{ "half-down", fn_half_down, 0 },
	{ "half-up", fn_half_up, 0 },
	{ "first-entry", fn_first, 0 },
	{ "last-entry", fn_last, 0 },
	{ "top-page", fn_top_page, 0 },
	{ "middle-page", fn_middle_page, 0 },
	{ "bottom-page", fn_bottom_page, 0 },
	{ "jump", fn_jump, 0 },
	{ "display-message", fn_display, 0 },
	{ "select-entry", fn_display, 0 },
	{ "quit", index_op_quit, 0 },
	{ "exit", fn_quit, 0 },
	{ "next-undeleted", fn_next_undeleted, 0 },
	{ "previous-undeleted", fn_prev_undeleted, 0 },
	{ "next-unread", fn_next_unread, 0 },
	{ "previous-unread", fn_prev_unread, 0 },
	{ "next-new", fn_next_new, 0 },
	{ "previous-new", fn_prev_new, 0 },
	{ "next-new-then-unread", fn_next_new_unread, 0 },
	{ "next-thread", fn_next_thread, 0 },
	{ "previous-thread", fn_prev_thread, 0 },
	{ "parent-message", fn_parent, 0 },
	{ "next-subthread", index_op_next_subthread, 0 },
	{ "previous-subthread", index_op_prev_subthread, 0 },
	{ "read-subthread", index_op_read_subthread, 0 },
	{ "delete-subthread", index_op_delete_subthread, 0 },
	{ "display-address", index_op_display_address, 0 },
	{ "pipe-message", index_op_pipe_message, TAGGABLE },
	{ "toggle-write", index_op_toggle_write, 0 },
	{ "imap-fetch-mail", index_op_fetch_mail, 0 },
	{ "search", index_op_search, 0 },
	{ "search-reverse", index_op_search_reverse, 0 },
	{ "search-next", index_op_search_next, 0 },
	{ "search-opposite", index_op_search_opposite, 0 },
	{ "collapse-thread", fn_collapse_thread, 0 },
	{ "collapse-all", fn_collapse_all, 0 },
	{ "sort-mailbox", fn_sort, 0 },
	{ "sort-reverse", fn_sort_reverse, 0 },
	{ "limit", index_op_limit, 0 },
	{ "show-limit", index_op_show_limit, 0 },
	{ "tag-entry", index_op_tag, 0 },
	{ "tag-prefix", index_op_tag_prefix, 0 },
	{ "tag-pattern", index_op_tag_pattern, 0 },
	{ "untag-pattern", index_op_untag_pattern, 0 },
	{ "tag-thread", index_op_tag_thread, 0 },
	{ "delete-message", index_op_delete, TAGGABLE },
	{ "undelete-message", index_op_undelete, TAGGABLE },
	{ "delete-thread", index_op_delete_thread, 0 },
	{ "undelete-thread", index_op_undelete_thread, 0 },
	{ "delete-pattern", index_op_delete_pattern, 0 },
	{ "undelete-pattern", index_op_undelete_pattern, 0 },
	{ "toggle-new", index_op_toggle_new, TAGGABLE },
	{ "flag-message", index_op_flag, TAGGABLE },
	{ "read-thread", index_op_read_thread, 0 },
	{ "set-flag", index_op_set_flag, TAGGABLE },
	{ "clear-flag", index_op_clear_flag, TAGGABLE },
	{ "save-message", index_op_save, TAGGABLE },
	{ "copy-message", index_op_copy, TAGGABLE },
	{ "archive-message", index_op_archive, TAGGABLE },
	{ "sync-mailbox", index_op_sync, 0 },
};

/* mutt's one-letter sort answers. */
static const struct {
	char		 letter;
	enum mail_sort_key key;
} sort_letters[] = {
	{ 'd', MAIL_SORT_DATE },
	{ 'f', MAIL_SORT_FROM },
	{ 'r', MAIL_SORT_DATE_RECEIVED },
	{ 's', MAIL_SORT_SUBJECT },
	{ 'z', MAIL_SORT_SIZE },
	{ 't', MAIL_SORT_THREADS },
	{ 'u', MAIL_SORT_UNSORTED },
	{ 'c', MAIL_SORT_SCORE },
};

/* The colour objects of index fields, drawn over the line's colour. */
static const char *const field_objects[] = {
	"index_author", "index_subject", "index_date", "index_flags",
	"index_size", "index_number", "index_collapsed", "index_tags",
	"index_score", "tree",
};

/* The tags ~T and is:tagged see (one index per interface). */
static const struct uidset *eval_tags;

static const struct mail_folder_events index_events;

/* UID sets: sorted arrays, binary search. */
static size_t
uidset_find(const struct uidset *s, uint32_t uid, bool *found)
{
	size_t	 lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && s->v[lo] == uid;
	return lo;
}

bool
index_uidset_has(const struct uidset *s, uint32_t uid)
{
	bool	 found;

	uidset_find(s, uid, &found);
	return found;
}

void
index_uidset_add(struct uidset *s, uint32_t uid)
{
	bool	 found;
	size_t	 at = uidset_find(s, uid, &found);

	if (found)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 16 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof *s->v);
	s->v[at] = uid;
	s->n++;
}

void
index_uidset_del(struct uidset *s, uint32_t uid)
{
	bool	 found;
	size_t	 at = uidset_find(s, uid, &found);

	if (!found)
		return;
	memmove(s->v + at, s->v + at + 1, (s->n - at - 1) * sizeof *s->v);
	s->n--;
}

void
index_uidset_clear(struct uidset *s)
{
	x_free(&s->v);
	s->n = s->cap = 0;
}

/* The message of display row vi (an index into vis), or NULL. */
const struct mail_msg *
index_row_msg(struct ui *ui, struct index_state *st, size_t vi)
{
	if (vi >= st->nvis)
		return NULL;
	return mail_folder_msg(ui->folder, st->seqs[st->vis[vi]]);
}

const struct mail_msg *
index_current(struct ui *ui, struct index_state *st)
{
	return index_row_msg(ui, st, st->cursor);
}

void
index_set_cursor(struct ui *ui, struct index_state *st, size_t vi)
{
	const struct mail_msg	*m;

	if (st->nvis == 0) {
		st->cursor = 0;
		st->cursor_uid = 0;
		st->seen_seq = ui->index.cursor = 0;
		return;
	}
	if (vi >= st->nvis)
		vi = st->nvis - 1;
	st->cursor = vi;
	m = index_current(ui, st);
	st->cursor_uid = m != NULL ? m->uid : 0;
	st->seen_seq = ui->index.cursor = st->seqs[st->vis[vi]];
}

/* The search language reads mutt's patterns (~f alice, !~s x, |) itself:
 * the text goes as it is. */
char *
index_translate_pattern(const char *text)
{
	return xstrdup(text);
}

/* The record as the query evaluator sees it (headers decoded into b). */
void
index_query_msg(const struct mail_msg *m, struct buf b[3], struct mail_query_msg *qm)
{
	memset(qm, 0, sizeof *qm);
	buf_reset(&b[0]);
	buf_reset(&b[1]);
	buf_reset(&b[2]);
	if (m->from != NULL)
		mime_decode_words(&b[0], m->from, NULL);
	if (m->to != NULL)
		mime_decode_words(&b[1], m->to, NULL);
	if (m->subject != NULL)
		mime_decode_words(&b[2], m->subject, NULL);
	qm->uid = m->uid;
	qm->flags = m->flags;
	qm->size = m->size;
	qm->internaldate = (time_t)m->internaldate;
	qm->from = m->from != NULL ? buf_cstr(&b[0]) : NULL;
	qm->to = m->to != NULL ? buf_cstr(&b[1]) : NULL;
	qm->subject = m->subject != NULL ? buf_cstr(&b[2]) : NULL;
	qm->has_attachment = -1;
	qm->tagged = eval_tags != NULL && index_uidset_has(eval_tags, m->uid);
}

enum mail_query_truth
index_evaluate(const struct mail_query *q, const struct mail_msg *m, struct buf b[3])
{
	struct mail_query_msg	 qm;
	char			*kw = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	const char		**kws = NULL;
	char			*p, *save = NULL;
	size_t			 n = 0;
	enum mail_query_truth	 t;

	index_query_msg(m, b, &qm);
	for (p = kw != NULL ? strtok_r(kw, " ", &save) : NULL; p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		kws = xreallocarray(kws, n + 1, sizeof *kws);
		kws[n++] = p;
	}
	qm.keywords = kws;
	qm.nkeywords = n;
	t = mail_query_eval(q, &qm);
	free(kws);
	free(kw);
	return t;
}

/* Reads sort and sort_aux. */
static void
read_sort(struct ui *ui, struct index_state *st)
{
	const char	*s = config_str(ui->ctx->cfg, "sort");
	const char	*a = config_str(ui->ctx->cfg, "sort_aux");

	if (s == NULL || mail_sort_parse(s, &st->sort.key, &st->sort.reverse) < 0) {
		st->sort.key = MAIL_SORT_DATE;
		st->sort.reverse = false;
	}
	if (a == NULL || mail_sort_parse(a, &st->sort.aux, &st->sort.aux_reverse) < 0) {
		st->sort.aux = MAIL_SORT_DATE;
		st->sort.aux_reverse = false;
	}
	snprintf(st->sort_text, sizeof st->sort_text, "%s%s",
	    st->sort.reverse ? "reverse-" : "", mail_sort_name(st->sort.key));
}

static void
free_patterns(struct index_state *st)
{
	size_t	 i;

	for (i = 0; i < st->npats; i++)
		mail_query_free(&st->pats[i].q);
	x_free(&st->pats);
	st->npats = 0;
	st->pats_ready = false;
	mail_scores_free(&st->scores);
	st->scores_ready = false;
}

/* `color index FG BG PATTERN` lines and the field colours (plain or
 * with a pattern), compiled once. */
static void
compile_patterns(struct ui *ui, struct index_state *st)
{
	const struct color_entry	*e;
	struct mail_query		*q;
	const char			*object;
	size_t				 n, i, k;
	char				*error = NULL;
	int				 obj;

	st->pats_ready = true;
	for (k = 0; k <= sizeof field_objects / sizeof field_objects[0]; k++) {
		object = k == 0 ? "index" : field_objects[k - 1];
		if (ui->colors == NULL || (obj = colors_object_find(object)) < 0)
			continue;
		e = colors_get(ui->colors, obj, &n);
		for (i = 0; i < n; i++) {
			q = NULL;
			if (e[i].pattern == NULL && k == 0)
				continue;
			if (e[i].pattern != NULL && mail_query_parse(e[i].pattern,
			    time(NULL), &q, &error) < 0) {
				ui_message(ui, "color %s \"%s\": %s", object,
				    e[i].pattern, error);
				x_free(&error);
				continue;
			}
			st->pats = xreallocarray(st->pats, st->npats + 1,
			    sizeof *st->pats);
			st->pats[st->npats].object = object;
			st->pats[st->npats].q = q;
			st->pats[st->npats].attr = screen_color(&e[i]);
			st->npats++;
		}
	}
}

static void
on_added(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	struct ui	*ui = arg;

	if (ui->index.st != NULL)
		ui->index.st->dirty = true;
}

static void
on_expunged(struct mail_folder *f, uint32_t uid, void *arg)
{
	struct ui		*ui = arg;
	struct index_state	*st = ui->index.st;

	if (st == NULL)
		return;
	st->dirty = true;
	/* Forced: the sequence numbers of the rows moved. */
	st->built_at = 0;
	index_uidset_del(&st->tagged, uid);
}

/* Opened: rebuilt once more, now that score thresholds may act. */
static void
on_opened(struct mail_folder *f, void *arg)
{
	struct ui	*ui = arg;

	if (ui->index.st != NULL) {
		ui->index.st->dirty = true;
		ui->index.st->built_at = 0;
	}
}

static const struct mail_folder_events index_events = {
	.opened = on_opened,
	.added = on_added,
	.expunged = on_expunged,
};

/* Whether message m belongs in the index under the limit. */
static bool
in_limit(struct index_state *st, const struct mail_msg *m, struct buf b[3])
{
	if (st->limit == NULL)
		return true;
	if (st->limit_by_server)
		return index_uidset_has(&st->limit_uids, m->uid) &&
		    index_evaluate(st->limit, m, b) != MAIL_QUERY_NO;
	return index_evaluate(st->limit, m, b) == MAIL_QUERY_YES;
}

/* The rows shown: all of them, less what collapsed threads hide. */
static void
make_visible(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*root;
	size_t			 i;

	st->vis = xreallocarray(st->vis, st->nrows > 0 ? st->nrows : 1,
	    sizeof *st->vis);
	st->nvis = 0;
	for (i = 0; i < st->nrows; i++) {
		if (st->rows != NULL && i < st->nrows && st->rows[i].depth > 0 &&
		    st->collapsed.n > 0) {
			root = mail_folder_msg(ui->folder, st->seqs[st->rows[i].root]);
			if (root != NULL && index_uidset_has(&st->collapsed, root->uid))
				continue;
		}
		st->vis[st->nvis++] = (uint32_t)i;
	}
}

/* Puts the cursor back on its message, else where it was. */
static void
find_cursor(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*m;
	size_t			 i, was = st->cursor;

	/* A reopened folder: back on the message it was on, once that is
	 * loaded (until then the usual rules hold). */
	if (st->follow_uid != 0) {
		for (i = 0; i < st->nvis; i++) {
			m = index_row_msg(ui, st, i);
			if (m != NULL && m->uid == st->follow_uid) {
				st->follow_uid = 0;
				st->moved = true;
				index_set_cursor(ui, st, i);
				return;
			}
		}
		if (ui->opened)
			st->follow_uid = 0;
	}
	/* Until the user moves, the first line stays the current one while
	 * older messages stream in above it. */
	if (!st->moved) {
		index_set_cursor(ui, st, 0);
		return;
	}
	if (st->cursor_uid != 0) {
		for (i = 0; i < st->nvis; i++) {
			m = index_row_msg(ui, st, i);
			if (m != NULL && m->uid == st->cursor_uid) {
				index_set_cursor(ui, st, i);
				return;
			}
		}
	}
	index_set_cursor(ui, st, was);
}

/*
 * The display order: the limit's messages sorted or threaded, then the
 * records still loading in sequence order.
 */
static void
rebuild(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	**msgs, *m;
	const struct mail_folder_order *so;
	uint32_t		 count = mail_folder_count(ui->folder), seq, *order;
	uint32_t		*mseq;
	int			*mscores;
	size_t			 n = 0, nload = 0, i;
	struct buf		 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };

	msgs = xreallocarray(NULL, count > 0 ? count : 1, sizeof *msgs);
	mseq = xreallocarray(NULL, count > 0 ? count : 1, sizeof *mseq);
	st->seqs = xreallocarray(st->seqs, count > 0 ? count : 1, sizeof *st->seqs);
	st->nready = 0;
	for (seq = 1; seq <= count; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		if (!(m->state & MAIL_MSG_HEADERS) || m->uid == 0)
			continue;
		st->nready++;
		if (!in_limit(st, m, b))
			continue;
		mseq[n] = seq;
		msgs[n++] = m;
	}
	/* Scores only where score rules exist (read once, index_score.c). */
	index_compute_scores(ui, st, msgs, mseq, n, NULL);
	mscores = st->scores != NULL ? xcalloc(n > 0 ? n : 1, sizeof *mscores) : NULL;
	if (mscores != NULL)
		index_compute_scores(ui, st, msgs, mseq, n, mscores);
	st->sort.scores = mscores;
	free(st->rows);
	st->rows = NULL;
	/* A cold open in the server's order until every record is here. */
	so = server_order(ui, st);
	if (st->sort.key == MAIL_SORT_THREADS) {
		if (so != NULL && so->depth != NULL)
			mail_thread_from_order(msgs, n, so, &st->rows);
		else
			mail_thread_build(msgs, n, &st->sort, &st->rows);
		for (i = 0; i < n; i++)
			st->seqs[i] = mseq[st->rows[i].msg];
	} else {
		/* The order is sorted in seqs itself, then mapped in place:
		 * one array of every message fewer at the peak. */
		order = st->seqs;
		for (i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		if (so != NULL && so->depth == NULL)
			mail_sort_by_order(msgs, order, n, so);
		else
			mail_sort(msgs, order, n, &st->sort);
		for (i = 0; i < n; i++)
			st->seqs[i] = mseq[order[i]];
	}
	st->sort.scores = NULL;
	index_apply_thresholds(ui, st, msgs, mscores, n);
	free(mscores);
	/* Records still loading go last (not under a limit). */
	for (seq = 1; seq <= count && st->limit == NULL; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		if (!(m->state & MAIL_MSG_HEADERS) || m->uid == 0) {
			st->seqs[n + nload] = seq;
			nload++;
		}
	}
	if (st->rows != NULL && nload > 0) {
		st->rows = xreallocarray(st->rows, n + nload, sizeof *st->rows);
		for (i = n; i < n + nload; i++) {
			memset(&st->rows[i], 0, sizeof st->rows[i]);
			st->rows[i].parent = MAIL_THREAD_NONE;
			st->rows[i].root = (uint32_t)i;
			st->rows[i].size = 1;
			st->rows[i].last = true;
		}
	}
	st->nrows = n + nload;
	make_visible(ui, st);
	find_cursor(ui, st);
	st->dirty = false;
	st->built_at = ev_now(ui->s.loop);
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	free(mseq);
	free(msgs);
}

/* The folder's server order, while it loads and if it was asked for the
 * order the index has now (the user may have changed it since). */
static const struct mail_folder_order *
server_order(struct ui *ui, struct index_state *st)
{
	const struct mail_sort	*o = &st->order_sort;

	if (ui->opened || !st->order_asked || o->key != st->sort.key ||
	    o->reverse != st->sort.reverse || (o->key != MAIL_SORT_THREADS &&
	    (o->aux != st->sort.aux || o->aux_reverse != st->sort.aux_reverse)))
		return NULL;
	return mail_folder_order(ui->folder);
}

void
index_folder_params(struct ui *ui, struct mail_folder_params *p)
{
	struct index_state	*st = ui->index.st;
	struct buf		 crit = BUF_INIT;
	bool			 thread;

	/* Folder hooks may have changed the order. */
	read_sort(ui, st);
	st->order_asked = false;
	if (!mail_sort_server_order(&st->sort, &crit, &thread)) {
		buf_free(&crit);
		return;
	}
	st->order_asked = true;
	st->order_sort = st->sort;
	snprintf(st->order_criteria, sizeof st->order_criteria, "%s",
	    buf_cstr(&crit));
	buf_free(&crit);
	p->sort_criteria = thread ? NULL : st->order_criteria;
	p->thread_order = thread;
	p->order_reverse = st->sort.reverse;
}

/* Everything is current before a function or a draw uses it. */
struct index_state *
index_state_of(struct ui *ui)
{
	struct index_state	*st = ui->index.st;
	const struct mail_msg	*m;
	size_t			 i;

	if (ui->folder != st->folder) {
		/* A new folder: subscribe (the old one is gone with its
		 * subscriptions). */
		st->folder = ui->folder;
		if (st->folder != NULL)
			mail_folder_subscribe(st->folder, &index_events, ui);
		st->dirty = true;
		st->built_at = 0;
	}
	if (!st->pats_ready)
		compile_patterns(ui, st);
	if (st->folder == NULL)
		return st;
	/* An index with no message yet shows the first ones at once. */
	if (st->dirty && (ui->opened || st->built_at == 0 || st->nready == 0 ||
	    ev_now(ui->s.loop) - st->built_at >= REBUILD_LOADING_MS))
		rebuild(ui, st);
	else if (st->dirty && ui->redraw != NULL && !ev_timer_active(ui->redraw)) {
		/* Held back: draw again when it is due, whether or not more
		 * records come (the last batch may be this one). */
		ev_timer_start(ui->redraw, REBUILD_LOADING_MS -
		    (ev_now(ui->s.loop) - st->built_at));
	}
	/* Someone set the old cursor field: follow it. */
	if (ui->index.cursor != st->seen_seq) {
		m = mail_folder_msg(ui->folder, ui->index.cursor);
		for (i = 0; m != NULL && i < st->nvis; i++) {
			if (st->seqs[st->vis[i]] == ui->index.cursor) {
				st->moved = true;
				index_set_cursor(ui, st, i);
				break;
			}
		}
		st->seen_seq = ui->index.cursor;
	}
	return st;
}

/* The tree before the subject: "│ ├─>" (a '?' for a missing parent). */
static void
tree_text(struct index_state *st, size_t r, struct buf *out)
{
	bool		 more[TREE_MAX_DEPTH];
	uint32_t	 d = st->rows[r].depth, k, p;

	if (d == 0)
		return;
	/* more[k]: the ancestor at depth k+1 has later siblings. */
	for (k = 0; k < TREE_MAX_DEPTH; k++)
		more[k] = false;
	for (p = st->rows[r].parent; p != MAIL_THREAD_NONE && st->rows[p].depth > 0;
	    p = st->rows[p].parent) {
		if (st->rows[p].depth - 1 < TREE_MAX_DEPTH)
			more[st->rows[p].depth - 1] = !st->rows[p].last;
	}
	for (k = 1; k < d && k - 1 < TREE_MAX_DEPTH; k++)
		buf_adds(out, more[k - 1] ? "│ " : "  ");
	buf_adds(out, st->rows[r].last ? "└─" : "├─");
	buf_adds(out, st->rows[r].orphan ? "?" : ">");
}

static unsigned
line_attr(struct ui *ui, struct index_state *st, const struct mail_msg *m,
    unsigned normal)
{
	struct buf	 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	unsigned	 attr = normal;
	size_t		 i;

	/* The last matching line wins, as in mutt. */
	for (i = st->npats; i > 0; i--) {
		if (st->pats[i - 1].q == NULL ||
		    strcmp(st->pats[i - 1].object, "index") != 0)
			continue;
		if (index_evaluate(st->pats[i - 1].q, m, b) == MAIL_QUERY_YES) {
			attr = st->pats[i - 1].attr;
			break;
		}
	}
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	return attr;
}

/* A field's colour for m: the last of its lines that matches (a plain
 * one always does); false when it has none. */
static bool
field_attr(struct index_state *st, const struct mail_msg *m, const char *object,
    unsigned *attr)
{
	struct buf	 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	size_t		 i;
	bool		 found = false;

	for (i = st->npats; i > 0 && !found; i--) {
		if (strcmp(st->pats[i - 1].object, object) != 0)
			continue;
		if (st->pats[i - 1].q == NULL ||
		    index_evaluate(st->pats[i - 1].q, m, b) == MAIL_QUERY_YES) {
			*attr = st->pats[i - 1].attr;
			found = true;
		}
	}
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	return found;
}

/* The line in the line's colour, then each field with a colour of its
 * own over it. */
static void
draw_line(struct ui *ui, struct index_state *st, int row, const struct buf *line,
    const struct mail_msg *m, unsigned attr, bool fields)
{
	const struct index_span	*sp;
	const char		*text = line->data != NULL ? line->data : "";
	unsigned		 fattr;
	size_t			 i;

	screen_line(row, text, line->len, attr);
	for (i = 0; fields && i < st->spans.n; i++) {
		sp = &st->spans.v[i];
		if (sp->end > line->len || !field_attr(st, m, sp->object, &fattr))
			continue;
		screen_put(row, screen_width(text, sp->start), screen_width(text +
		    sp->start, sp->end - sp->start), text + sp->start,
		    sp->end - sp->start, fattr);
	}
}

static void
index_draw(struct view *view, int first, int rows, int cols)
{
	struct ui		*ui = view->ui;
	struct index_state	*st = index_state_of(ui);
	const struct mail_msg	*msg;
	struct index_line	 il;
	struct buf		 line = BUF_INIT, tree = BUF_INIT;
	const char		*fmt = config_str(ui->ctx->cfg, "index_format");
	const char		*datefmt = config_str(ui->ctx->cfg, "date_format");
	unsigned		 attr, normal, indicator;
	size_t			 vi, r;
	int			 row;

	if (st->nvis > 0 && st->cursor >= st->nvis)
		index_set_cursor(ui, st, st->nvis - 1);
	/* Keep the cursor on the screen. */
	if (st->cursor < st->top)
		st->top = st->cursor;
	if (rows > 0 && st->cursor >= st->top + (size_t)rows)
		st->top = st->cursor - (size_t)rows + 1;
	normal = ui_color(ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(ui, "indicator", SCREEN_REVERSE);
	for (row = 0; row < rows; row++) {
		vi = st->top + (size_t)row;
		if ((msg = index_row_msg(ui, st, vi)) == NULL) {
			screen_line(first + row, "", 0, SCREEN_NORMAL);
			continue;
		}
		if (!(msg->state & MAIL_MSG_HEADERS)) {
			screen_line(first + row, "   (loading)", 12,
			    vi == st->cursor ? indicator : normal);
			continue;
		}
		r = st->vis[vi];
		memset(&il, 0, sizeof il);
		il.msg = msg;
		il.number = (uint32_t)vi + 1;
		il.folder = mail_folder_name(ui->folder);
		il.tagged = index_uidset_has(&st->tagged, msg->uid);
		il.thread_pos = 1;
		il.thread_size = 1;
		buf_reset(&tree);
		if (st->rows != NULL) {
			tree_text(st, r, &tree);
			il.thread_pos = (uint32_t)(r - st->rows[r].root) + 1;
			il.thread_size = st->rows[r].size;
			if (st->rows[r].depth == 0 && st->rows[r].size > 1 &&
			    index_uidset_has(&st->collapsed, msg->uid)) {
				il.hidden = st->rows[r].size - 1;
				/* Said even when index_format has no %M. */
				if (fmt == NULL || strchr(fmt, 'M') == NULL)
					buf_printf(&tree, "(+%u) ", il.hidden);
			}
			il.tree = tree.len > 0 ? buf_cstr(&tree) : NULL;
		}
		buf_reset(&line);
		st->spans.n = 0;
		il.score = index_score(st, st->seqs[r]);
		index_format_spans(&line, &st->spans, fmt, datefmt, &il, cols);
		/* The cursor's indicator covers the fields' colours. */
		attr = vi == st->cursor ? indicator : line_attr(ui, st, msg, normal);
		draw_line(ui, st, first + row, &line, msg, attr, vi != st->cursor);
	}
	buf_free(&tree);
	buf_free(&line);
}

static bool
index_function(struct view *view, const char *name)
{
	struct ui		*ui = view->ui;
	struct index_state	*st;
	size_t			 i;
	bool			 prefix;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) != 0)
			continue;
		st = index_state_of(ui);
		prefix = st->tag_prefix;
		st->tag_prefix = false;
		if (prefix && !(functions[i].flags & TAGGABLE) &&
		    strcmp(name, "tag-prefix") != 0) {
			ui_message(ui, "%s does not apply to tagged messages.", name);
			return true;
		}
		st->apply_tagged = prefix;
		st->moved = true;
		functions[i].fn(ui, st);
		if (ui->index.st != NULL)
			ui->index.st->apply_tagged = false;
		ui_redraw(ui);
		return true;
	}
	return false;
}

static const struct view_ops index_ops = {
	.name = "index",
	.map = KEYMAP_INDEX,
	.draw = index_draw,
	.function = index_function,
};

void
index_init(struct ui *ui, struct index_view *v)
{
	memset(v, 0, sizeof *v);
	v->view.ops = &index_ops;
	v->view.ui = ui;
	v->st = xcalloc(1, sizeof *v->st);
	eval_tags = &v->st->tagged;
	read_sort(ui, v->st);
}

void
index_reset(struct index_view *v)
{
	struct index_state	*st = v->st;

	st->folder = NULL;
	st->gen++;
	st->searching = 0;
	st->limit_pending = false;
	st->dirty = true;
	st->nrows = st->nvis = st->nready = 0;
	st->cursor = st->top = 0;
	st->cursor_uid = st->follow_uid = 0;
	st->seen_seq = v->cursor = 0;
	st->moved = false;
	st->tag_prefix = false;
	x_free(&st->limit_text);
	mail_query_free(&st->limit);
	st->limit_by_server = false;
	index_uidset_clear(&st->limit_uids);
	index_uidset_clear(&st->tagged);
	index_uidset_clear(&st->collapsed);
	index_uidset_clear(&st->scored);
}

void
index_follow_uid(struct ui *ui, uint32_t uid)
{
	struct index_state	*st = index_state_of(ui);

	st->follow_uid = uid;
	st->dirty = true;
}

void
index_free(struct index_view *v)
{
	if (v->st == NULL)
		return;
	index_reset(v);
	index_ops_free(v->st);
	free_patterns(v->st);
	free(v->st->seqs);
	free(v->st->rows);
	free(v->st->vis);
	free(v->st->score_of);
	free(v->st->spans.v);
	mail_query_free(&v->st->search);
	free(v->st->search_text);
	eval_tags = NULL;
	x_free(&v->st);
}

uint32_t
index_current_uid(struct ui *ui)
{
	struct index_state	*st;
	const struct mail_msg	*m;

	if (ui->folder == NULL)
		return 0;
	st = index_state_of(ui);
	m = index_current(ui, st);
	return m != NULL ? m->uid : 0;
}

static bool
matches(const struct mail_msg *m, const char *what)
{
	if (m == NULL || m->uid == 0)
		return false;
	if (strcmp(what, "undeleted") == 0)
		return !(m->flags & IMAP_FLAG_DELETED);
	if (strcmp(what, "unread") == 0)
		return !(m->flags & IMAP_FLAG_SEEN);
	if (strcmp(what, "new") == 0)
		return !(m->flags & IMAP_FLAG_SEEN) && (m->flags & IMAP_FLAG_RECENT);
	return true;
}

/* The next row from the cursor in direction dir that is what; unread
 * and new searches wrap around as in mutt. */
static size_t
find_row(struct ui *ui, struct index_state *st, int dir, const char *what)
{
	bool	 wrap = strcmp(what, "unread") == 0 || strcmp(what, "new") == 0;
	size_t	 i, n = st->nvis, vi;

	for (i = 1; i < n || (i == n && wrap && n > 0); i++) {
		if (dir > 0) {
			if (!wrap && st->cursor + i >= n)
				break;
			vi = (st->cursor + i) % n;
		} else {
			if (!wrap && i > st->cursor)
				break;
			vi = (st->cursor + n - i % n) % n;
		}
		if (matches(index_row_msg(ui, st, vi), what))
			return vi;
	}
	return NOT_FOUND;
}

uint32_t
index_step(struct ui *ui, int dir, const char *what)
{
	struct index_state	*st = index_state_of(ui);
	size_t			 vi = NOT_FOUND;

	if (strcmp(what, "new-then-unread") == 0) {
		if ((vi = find_row(ui, st, dir, "new")) == NOT_FOUND)
			vi = find_row(ui, st, dir, "unread");
	} else
		vi = find_row(ui, st, dir, strcmp(what, "entry") == 0 ? "any" : what);
	if (vi == NOT_FOUND)
		return 0;
	st->moved = true;
	index_set_cursor(ui, st, vi);
	ui_redraw(ui);
	return st->cursor_uid;
}

const char *
index_limit_text(struct ui *ui)
{
	return ui->index.st != NULL ? ui->index.st->limit_text : NULL;
}

size_t
index_shown_count(struct ui *ui)
{
	return ui->index.st != NULL ? ui->index.st->nvis : 0;
}

size_t
index_cursor_number(struct ui *ui)
{
	struct index_state	*st = ui->index.st;

	return st != NULL && st->nvis > 0 ? st->cursor + 1 : 0;
}

const char *
index_sort_text(struct ui *ui)
{
	return ui->index.st != NULL ? ui->index.st->sort_text : "date";
}

void
index_config_changed(struct ui *ui)
{
	struct index_state	*st = ui->index.st;

	if (st == NULL)
		return;
	read_sort(ui, st);
	free_patterns(st);
	st->dirty = true;
	st->built_at = 0;
	ui_redraw(ui);
}

bool
index_cancel(struct ui *ui)
{
	struct index_state	*st = ui->index.st;

	if (st == NULL || st->searching == 0)
		return false;
	/* The answer, when it comes, is for an older generation: dropped. */
	st->gen++;
	st->searching = 0;
	if (st->limit_pending) {
		x_free(&st->limit_text);
		mail_query_free(&st->limit);
		st->limit_by_server = st->limit_pending = false;
		st->dirty = true;
		st->built_at = 0;
	}
	ui_message(ui, "Search stopped.");
	return true;
}

/* The index has all rows but the status line. */
static size_t
page_rows(void)
{
	int	 rows, cols;

	screen_rows(&rows, &cols);
	return rows > 2 ? (size_t)rows - 1 : 1;
}

static void
fn_next(struct ui *ui, struct index_state *st)
{
	if (st->cursor + 1 < st->nvis)
		index_set_cursor(ui, st, st->cursor + 1);
	else
		ui_message(ui, "You are on the last message.");
}

static void
fn_prev(struct ui *ui, struct index_state *st)
{
	if (st->cursor > 0)
		index_set_cursor(ui, st, st->cursor - 1);
	else
		ui_message(ui, "You are on the first message.");
}

static void
fn_next_page(struct ui *ui, struct index_state *st)
{
	size_t	 n = page_rows();

	if (st->top + n >= st->nvis) {
		index_set_cursor(ui, st, st->nvis > 0 ? st->nvis - 1 : 0);
		ui_message(ui, "You are on the last page.");
		return;
	}
	st->top += n;
	index_set_cursor(ui, st, st->cursor + n);
}

static void
fn_prev_page(struct ui *ui, struct index_state *st)
{
	size_t	 n = page_rows();

	if (st->top == 0) {
		index_set_cursor(ui, st, 0);
		ui_message(ui, "You are on the first page.");
		return;
	}
	st->top = st->top > n ? st->top - n : 0;
	index_set_cursor(ui, st, st->cursor > n ? st->cursor - n : 0);
}

static void
fn_half_down(struct ui *ui, struct index_state *st)
{
	size_t	 n = page_rows() / 2 + 1;

	st->top += st->top + n < st->nvis ? n : 0;
	index_set_cursor(ui, st, st->cursor + n);
}

static void
fn_half_up(struct ui *ui, struct index_state *st)
{
	size_t	 n = page_rows() / 2 + 1;

	st->top = st->top > n ? st->top - n : 0;
	index_set_cursor(ui, st, st->cursor > n ? st->cursor - n : 0);
}

static void
fn_first(struct ui *ui, struct index_state *st)
{
	index_set_cursor(ui, st, 0);
}

static void
fn_last(struct ui *ui, struct index_state *st)
{
	index_set_cursor(ui, st, st->nvis > 0 ? st->nvis - 1 : 0);
}

static void
fn_top_page(struct ui *ui, struct index_state *st)
{
	index_set_cursor(ui, st, st->top);
}

static void
fn_middle_page(struct ui *ui, struct index_state *st)
{
	size_t	 n = page_rows(), last = st->top + n - 1;

	if (last >= st->nvis)
		last = st->nvis > 0 ? st->nvis - 1 : 0;
	index_set_cursor(ui, st, st->top + (last - st->top) / 2);
}

static void
fn_bottom_page(struct ui *ui, struct index_state *st)
{
	index_set_cursor(ui, st, st->top + page_rows() - 1);
}

static void
jump_done(struct ui *ui, const char *text, void *arg)
{
	struct index_state	*st = index_state_of(ui);
	unsigned long		 n;
	char			*end;

	if (text == NULL || *text == '\0')
		return;
	n = strtoul(text, &end, 10);
	if (*end != '\0' || n == 0 || n > st->nvis) {
		ui_message(ui, "Invalid message number: %s (1 to %zu).", text, st->nvis);
		return;
	}
	index_set_cursor(ui, st, n - 1);
}

static void
fn_jump(struct ui *ui, struct index_state *st)
{
	ui_prompt(ui, "Jump to message: ", NULL, PROMPT_OTHER, NULL, jump_done, NULL);
}

static void
fn_display(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*msg = index_current(ui, st);

	if (msg == NULL || msg->uid == 0) {
		ui_message(ui, "No message here yet.");
		return;
	}
	pager_open(ui, msg->uid);
}

static void
fn_quit(struct ui *ui, struct index_state *st)
{
	ui->quit = true;
}

static void
step_to(struct ui *ui, struct index_state *st, int dir, const char *what)
{
	if (index_step(ui, dir, what) != 0)
		return;
	if (strcmp(what, "undeleted") == 0)
		ui_message(ui, dir > 0 ? "You are on the last message." :
		    "You are on the first message.");
	else
		ui_message(ui, "No %s messages.",
		    strcmp(what, "new-then-unread") == 0 ? "new or unread" : what);
}

static void
fn_next_undeleted(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, 1, "undeleted");
}

static void
fn_prev_undeleted(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, -1, "undeleted");
}

static void
fn_next_unread(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, 1, "unread");
}

static void
fn_prev_unread(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, -1, "unread");
}

static void
fn_next_new(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, 1, "new");
}

static void
fn_prev_new(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, -1, "new");
}

static void
fn_next_new_unread(struct ui *ui, struct index_state *st)
{
	step_to(ui, st, 1, "new-then-unread");
}

static bool
threaded(struct ui *ui, struct index_state *st)
{
	if (st->rows == NULL) {
		ui_message(ui, "Threading is not enabled (o t sorts by threads).");
		return false;
	}
	return true;
}

static void
thread_step(struct ui *ui, struct index_state *st, int dir)
{
	size_t	 vi = st->cursor;

	if (!threaded(ui, st))
		return;
	for (;;) {
		if (dir > 0 ? vi + 1 >= st->nvis : vi == 0) {
			ui_message(ui, dir > 0 ? "No more threads." :
			    "You are on the first thread.");
			return;
		}
		vi = dir > 0 ? vi + 1 : vi - 1;
		if (st->rows[st->vis[vi]].depth == 0)
			break;
	}
	index_set_cursor(ui, st, vi);
}

static void
fn_next_thread(struct ui *ui, struct index_state *st)
{
	thread_step(ui, st, 1);
}

static void
fn_prev_thread(struct ui *ui, struct index_state *st)
{
	/* From inside a thread, first to its own root. */
	if (st->rows != NULL && st->nvis > 0 && st->rows[st->vis[st->cursor]].depth > 0) {
		while (st->cursor > 0 && st->rows[st->vis[st->cursor]].depth > 0)
			st->cursor--;
		index_set_cursor(ui, st, st->cursor);
		return;
	}
	thread_step(ui, st, -1);
}

/* The visible row of row r, or NOT_FOUND. */
static size_t
vis_of(struct index_state *st, size_t r)
{
	size_t	 i;

	for (i = 0; i < st->nvis; i++) {
		if (st->vis[i] == r)
			return i;
	}
	return NOT_FOUND;
}

static void
fn_parent(struct ui *ui, struct index_state *st)
{
	uint32_t	 p;
	size_t		 vi;

	if (!threaded(ui, st) || st->nvis == 0)
		return;
	p = st->rows[st->vis[st->cursor]].parent;
	if (p == MAIL_THREAD_NONE || (vi = vis_of(st, p)) == NOT_FOUND) {
		ui_message(ui, "Parent message is not available.");
		return;
	}
	if (st->rows[st->vis[st->cursor]].orphan)
		ui_message(ui, "The real parent is not in this folder.");
	index_set_cursor(ui, st, vi);
}

static void
fn_collapse_thread(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*root;
	size_t			 r;

	if (!threaded(ui, st) || st->nvis == 0)
		return;
	r = st->rows[st->vis[st->cursor]].root;
	root = mail_folder_msg(ui->folder, st->seqs[r]);
	if (root == NULL)
		return;
	if (index_uidset_has(&st->collapsed, root->uid))
		index_uidset_del(&st->collapsed, root->uid);
	else if (st->rows[r].size > 1)
		index_uidset_add(&st->collapsed, root->uid);
	else {
		ui_message(ui, "This thread has one message.");
		return;
	}
	/* The cursor goes to the root, which stays visible. */
	st->cursor_uid = root->uid;
	make_visible(ui, st);
	find_cursor(ui, st);
}

static void
fn_collapse_all(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*m;
	size_t			 r;

	if (!threaded(ui, st))
		return;
	if (st->collapsed.n > 0)
		index_uidset_clear(&st->collapsed);
	else {
		for (r = 0; r < st->nrows; r++) {
			if (st->rows[r].depth == 0 && st->rows[r].size > 1 &&
			    (m = mail_folder_msg(ui->folder, st->seqs[r])) != NULL)
				index_uidset_add(&st->collapsed, m->uid);
		}
	}
	if (st->nvis > 0 && (m = mail_folder_msg(ui->folder,
	    st->seqs[st->rows[st->vis[st->cursor]].root])) != NULL)
		st->cursor_uid = m->uid;
	make_visible(ui, st);
	find_cursor(ui, st);
}

/* Sets sort (as :set would) and re-sorts. */
static void
apply_sort(struct ui *ui, struct index_state *st, enum mail_sort_key key,
    bool reverse)
{
	char	 value[48], *error = NULL;

	snprintf(value, sizeof value, "%s%s", reverse ? "reverse-" : "",
	    mail_sort_name(key));
	if (config_set(ui->ctx->cfg, "sort", value, &error) < 0) {
		ui_message(ui, "%s", error);
		free(error);
		return;
	}
	read_sort(ui, st);
	st->dirty = true;
	st->built_at = 0;
	index_state_of(ui);
	ui_message(ui, "Sorted by %s.", st->sort_text);
}

static void
sort_done(struct ui *ui, const char *text, void *arg)
{
	struct index_state	*st = index_state_of(ui);
	enum mail_sort_key	 key;
	bool			 reverse = arg != NULL, rev;
	size_t			 i;

	if (text == NULL || *text == '\0')
		return;
	if (strlen(text) == 1) {
		for (i = 0; i < sizeof sort_letters / sizeof sort_letters[0]; i++) {
			if (sort_letters[i].letter == text[0]) {
				apply_sort(ui, st, sort_letters[i].key, reverse);
				return;
			}
		}
	} else if (mail_sort_parse(text, &key, &rev) == 0) {
		apply_sort(ui, st, key, reverse != rev);
		return;
	}
	ui_message(ui, "Unknown sort order \"%s\": answer d, f, r, s, z, t, u or c.",
	    text);
}

static void
fn_sort(struct ui *ui, struct index_state *st)
{
	ui_choose(ui, "Sort (d)ate/(f)rm/(r)ecv/(s)ubj/(z)size/(t)hread/(u)nsorted/s(c)ore?: ",
	    "dfrsztuc", sort_done, NULL);
}

static void
fn_sort_reverse(struct ui *ui, struct index_state *st)
{
	ui_choose(ui, "Rev-Sort (d)ate/(f)rm/(r)ecv/(s)ubj/(z)size/(t)hread/(u)nsorted/s(c)ore?: ",
	    "dfrsztuc", sort_done, ui);
}

