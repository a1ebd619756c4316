/*
 * Flag changes: the model changes at once and the server is told with
 * UID STORE ±FLAGS.SILENT. Under CONDSTORE, UNCHANGEDSINCE makes the
 * server refuse messages another client changed meanwhile ([MODIFIED]);
 * those are fetched again and the change is sent once more on top of
 * their new state. A refusal puts the old flags back. Offline, or with
 * params.journal, the change is journaled first (mail_journal.h); offline
 * it is then done, as far as the model and the cache can tell.
 *
 * A change to a message whose last change is still unanswered waits for
 * that answer: sent at once, its UNCHANGEDSINCE would predate our own
 * STORE, and the server would refuse it as changed meanwhile. Changes to
 * other messages go at once.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "folder_p.h"

struct undo {
	uint32_t	 uid;
	uint16_t	 flags;
	const char	*keywords;	/* interned */
};

struct flag_op {
	struct mail_folder	*f;
	bool			 add;
	unsigned		 flags;
	char			**keywords;	/* owned, NULL-terminated */
	struct undo		*undo;		/* owned */
	size_t			 nundo, undo_cap;
	struct imap_seqset	 uids;		/* owned: what was sent */
	struct imap_seqset	 modified;	/* owned: [MODIFIED] */
	uint64_t		 since;		/* UNCHANGEDSINCE; 0: the folder's */
	struct imap_seqset	*conflicts;	/* borrowed, or NULL */
	int64_t			 journal_seq;	/* 0: not journaled */
	bool			 known;		/* the server answered */
	bool			 retried;
	bool			 waiting;	/* behind an earlier op on its UIDs */
	struct flag_op		*next;		/* in f->flag_ops */
	mail_folder_done_cb	*done;
	void			*arg;
};

static void target(struct flag_op *, const struct mail_msg *, uint16_t *,
	    const char **);
static void show(struct mail_folder *, struct mail_msg *, uint16_t, const char *);
static void apply(struct flag_op *, struct mail_msg *);
static void reapply(struct flag_op *);
static void op_start(struct flag_op *);
static bool op_blocked(const struct flag_op *);
static void op_release(struct mail_folder *);
static void op_send(struct flag_op *);
static void op_untagged(struct imap_client *, const struct imap_response *, void *);
static void op_store_done(struct imap_client *, const struct imap_response *, void *);
static void op_refetch_done(struct imap_client *, const struct imap_response *, void *);
static void op_finish(struct flag_op *, int);
static void op_free(struct flag_op *);
static void rollback(struct flag_op *, const struct imap_seqset *);
static void write_flag_list(struct buf *, unsigned, char *const *);

static void
write_flag_list(struct buf *b, unsigned flags, char *const *keywords)
{
	unsigned	bit;
	size_t		i;
	bool		first = true;

	buf_addc(b, '(');
	for (bit = IMAP_FLAG_SEEN; bit <= IMAP_FLAG_DRAFT; bit <<= 1) {
		if (!(flags & bit))
			continue;
		if (!first)
			buf_addc(b, ' ');
		buf_adds(b, mail_flag_name(bit));
		first = false;
	}
	for (i = 0; keywords != NULL && keywords[i] != NULL; i++) {
		if (!first)
			buf_addc(b, ' ');
		buf_adds(b, keywords[i]);
		first = false;
	}
	buf_addc(b, ')');
}

void
mail_folder_store_flags(struct mail_folder *f, const struct imap_seqset *uids, bool add,
    unsigned flags, const char *const *keywords, mail_folder_done_cb *done, void *arg)
{
	folder_store_flags(f, uids, add, flags, keywords, 0, NULL, true, done, arg);
}

void
mail_folder_store_flags_since(struct mail_folder *f, const struct imap_seqset *uids,
    bool add, unsigned flags, const char *const *keywords, uint64_t since,
    struct imap_seqset *conflicts, mail_folder_done_cb *done, void *arg)
{
	folder_store_flags(f, uids, add, flags, keywords, since, conflicts, false, done,
	    arg);
}

void
folder_store_flags(struct mail_folder *f, const struct imap_seqset *uids, bool add,
    unsigned flags, const char *const *keywords, uint64_t since,
    struct imap_seqset *conflicts, bool journal, mail_folder_done_cb *done, void *arg)
{
	struct flag_op	*op = xcalloc(1, sizeof *op);
	struct mail_msg	*m;
	struct imap_seqset want;
	uint32_t	 seq, n;
	size_t		 i, nkw = 0;

	op->f = f;
	op->add = add;
	op->flags = flags & (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED |
	    IMAP_FLAG_DELETED | IMAP_FLAG_DRAFT);
	while (keywords != NULL && keywords[nkw] != NULL)
		nkw++;
	op->keywords = xcalloc(nkw + 1, sizeof *op->keywords);
	for (i = 0; i < nkw; i++)
		op->keywords[i] = xstrdup(keywords[i]);
	op->done = done;
	op->arg = arg;
	op->since = since;
	op->conflicts = conflicts;
	imap_seqset_init(&op->uids);
	imap_seqset_init(&op->modified);
	imap_seqset_init(&want);
	for (i = 0; i < uids->count; i++)
		imap_seqset_add(&want, uids->ranges[i].lo, uids->ranges[i].hi);
	imap_seqset_normalize(&want);
	folder_ref(f);

	/* Optimistic: the model changes now; undo keeps the way back. */
	n = mail_folder_count(f);
	for (seq = 1; seq <= n && !f->dead; seq++) {
		m = mail_msgmap_get(f->map, seq);
		if (m->uid == 0 || !folder_set_has(&want, m->uid))
			continue;
		imap_seqset_add(&op->uids, m->uid, m->uid);
		apply(op, m);
	}
	imap_seqset_free(&want);
	imap_seqset_normalize(&op->uids);
	if (f->dead || op->uids.count == 0) {
		if (!f->dead && op->uids.count == 0)
			folder_emit_error(f, ERR_FAILURE, "no message with those UIDs in %s",
			    f->name);
		op_finish(op, op->uids.count == 0 ? -1 : 0);
		return;
	}
	/* Recorded before anything is sent, or it is not done at all. */
	if (journal && folder_journal(f, add ? STORE_JOURNAL_FLAGS_ADD :
	    STORE_JOURNAL_FLAGS_REMOVE, &op->uids, op->flags,
	    (const char *const *)op->keywords, NULL, &op->journal_seq) < 0) {
		rollback(op, NULL);
		folder_flush(f);
		op_finish(op, -1);
		return;
	}
	folder_flush(f);
	if (f->offline) {
		op_finish(op, 0);
		return;
	}
	op_start(op);
}

/* In line behind the folder's other changes; sent unless one of them
 * has UIDs in common with it. */
static void
op_start(struct flag_op *op)
{
	struct flag_op	**p;

	for (p = &op->f->flag_ops; *p != NULL; p = &(*p)->next)
		;
	*p = op;
	op->waiting = op_blocked(op);
	if (!op->waiting)
		op_send(op);
}

/* Whether an earlier change, sent or waiting, touches one of op's UIDs. */
static bool
op_blocked(const struct flag_op *op)
{
	const struct flag_op	*o;

	for (o = op->f->flag_ops; o != NULL && o != op; o = o->next) {
		if (imap_seqset_intersects(&o->uids, &op->uids))
			return true;
	}
	return false;
}

/* An answer came: the first waiting change it held up goes now, on top
 * of the MODSEQ that answer brought. One at a time, and again from the
 * start: sending or finishing one changes the list. */
static void
op_release(struct mail_folder *f)
{
	struct flag_op	*o;

again:
	for (o = f->flag_ops; o != NULL; o = o->next) {
		if (!o->waiting || op_blocked(o))
			continue;
		o->waiting = false;
		if (f->dead) {
			op_finish(o, -1);
		} else {
			reapply(o);
			folder_flush(f);
			op_send(o);
		}
		goto again;
	}
}

/* What op makes of m's flags and keywords (interned, so that equal
 * keyword lists are the same pointer). */
static void
target(struct flag_op *op, const struct mail_msg *m, uint16_t *flags_r,
    const char **keywords_r)
{
	struct buf	 kw = BUF_INIT;

	*flags_r = op->add ? (uint16_t)(m->flags | op->flags) :
	    (uint16_t)(m->flags & ~op->flags);
	*keywords_r = m->keywords;
	if (op->keywords[0] != NULL) {
		mail_keywords_edit(&kw, m->keywords,
		    op->add ? (const char *const *)op->keywords : NULL,
		    op->add ? NULL : (const char *const *)op->keywords);
		*keywords_r = kw.len > 0 ? mail_intern(op->f->strings,
		    buf_cstr(&kw)) : NULL;
		buf_free(&kw);
	}
}

static void
show(struct mail_folder *f, struct mail_msg *m, uint16_t flags,
    const char *keywords)
{
	m->flags = flags;
	m->keywords = keywords;
	folder_mark_dirty(f, m);
	if (m->state & MAIL_MSG_HEADERS)
		folder_emit_flags(f, m);
}

/* The change on m in the model, with the way back kept in undo. */
static void
apply(struct flag_op *op, struct mail_msg *m)
{
	uint16_t	 flags;
	const char	*keywords;

	if (op->nundo == op->undo_cap) {
		op->undo_cap = op->undo_cap ? op->undo_cap * 2 : 64;
		op->undo = xreallocarray(op->undo, op->undo_cap, sizeof *op->undo);
	}
	op->undo[op->nundo].uid = m->uid;
	op->undo[op->nundo].flags = m->flags;
	op->undo[op->nundo].keywords = m->keywords;
	op->nundo++;
	target(op, m, &flags, &keywords);
	show(op->f, m, flags, keywords);
}

/*
 * A waiting change, about to go: what came meanwhile (the earlier change
 * rolled back, or its messages fetched again after [MODIFIED]) may have
 * hidden it in the model, and its STORE is silent. Where it no longer
 * shows it is shown again, on top of what is there, and that is then
 * the way back.
 */
static void
reapply(struct flag_op *op)
{
	struct mail_folder	*f = op->f;
	struct mail_msg		*m;
	uint16_t		 flags;
	const char		*keywords;
	size_t			 i;

	for (i = 0; i < op->nundo && !f->dead; i++) {
		m = mail_msgmap_get(f->map, mail_msgmap_seq(f->map, op->undo[i].uid));
		if (m == NULL)
			continue;
		target(op, m, &flags, &keywords);
		if (flags == m->flags && keywords == m->keywords)
			continue;
		op->undo[i].flags = m->flags;
		op->undo[i].keywords = m->keywords;
		show(f, m, flags, keywords);
	}
}

static void
op_send(struct flag_op *op)
{
	struct mail_folder	*f = op->f;
	struct imap_cmd		*cmd = folder_cmd_new(f, op_untagged);
	struct buf		 b = BUF_INIT;

	imap_seqset_write(&b, &op->uids);
	imap_cmd_add(cmd, "UID STORE %s ", buf_cstr(&b));
	if (f->condstore && !f->nomodseq && (op->since > 0 || f->highestmodseq > 0))
		imap_cmd_add(cmd, "(UNCHANGEDSINCE %llu) ", (unsigned long long)
		    (op->since > 0 ? op->since : f->highestmodseq));
	buf_reset(&b);
	write_flag_list(&b, op->flags, op->keywords);
	imap_cmd_add(cmd, "%sFLAGS.SILENT %s", op->add ? "+" : "-", buf_cstr(&b));
	buf_free(&b);
	imap_cmd_submit(cmd, op_store_done, op);
}

static void
op_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct flag_op	*op = arg;

	mail_folder_untagged(op->f, r);
}

static void
rollback(struct flag_op *op, const struct imap_seqset *which)
{
	struct mail_folder	*f = op->f;
	struct mail_msg		*m;
	size_t			 i;

	for (i = 0; i < op->nundo && !f->dead; i++) {
		if (which != NULL && !folder_set_has(which, op->undo[i].uid))
			continue;
		m = mail_msgmap_get(f->map, mail_msgmap_seq(f->map, op->undo[i].uid));
		if (m != NULL)
			show(f, m, op->undo[i].flags, op->undo[i].keywords);
	}
}

static void
op_store_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct flag_op		*op = arg;
	struct mail_folder	*f = op->f;
	struct imap_cmd		*cmd;
	struct buf		 b = BUF_INIT;
	char			*why;

	if (!folder_cmd_finished(f)) {
		op_finish(op, -1);
		return;
	}
	folder_unref(f);
	op->known = folder_link_up(f);
	if (r->status != IMAP_STATUS_OK && !op->known && op->journal_seq != 0) {
		/* The link died under it: the journal sends it again on the
		 * next connection, so the change stays as shown (and cached). */
		op_finish(op, 0);
		return;
	}
	if (r->status != IMAP_STATUS_OK) {
		why = str_sanitize(r->text);
		rollback(op, NULL);
		folder_flush(f);
		folder_emit_error(f, ERR_FAILURE, "cannot change flags in %s: %s",
		    f->name, why);
		free(why);
		op_finish(op, -1);
		return;
	}
	if (r->code == NULL || strcmp(r->code, "MODIFIED") != 0 || r->code_argc < 1 ||
	    imap_seqset_parse(&op->modified, imap_arg_atom(&r->code_args[0]) ?
	    imap_arg_atom(&r->code_args[0]) : "") < 0) {
		op_finish(op, 0);
		return;
	}
	/* Another client got there first: learn the new state, then try
	 * once more on top of it. */
	imap_seqset_normalize(&op->modified);
	rollback(op, &op->modified);
	if (op->conflicts != NULL) {
		size_t i;

		for (i = 0; i < op->modified.count; i++)
			imap_seqset_add(op->conflicts, op->modified.ranges[i].lo,
			    op->modified.ranges[i].hi);
	}
	/* The retry goes on top of what the refetch shows. */
	op->since = 0;
	if (op->retried) {
		folder_emit_error(f, ERR_FAILURE, "flags of some messages in %s keep "
		    "changing on the server; not changed", f->name);
		op_finish(op, -1);
		return;
	}
	op->retried = true;
	cmd = folder_cmd_new(f, op_untagged);
	imap_seqset_write(&b, &op->modified);
	imap_cmd_add(cmd, "UID FETCH %s (UID FLAGS%s)", buf_cstr(&b),
	    f->condstore ? " MODSEQ" : "");
	buf_free(&b);
	imap_cmd_submit(cmd, op_refetch_done, op);
}

static void
op_refetch_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct flag_op		*op = arg;
	struct mail_folder	*f = op->f;
	struct mail_msg		*m;
	uint32_t		 uid;
	size_t			 i;

	if (!folder_cmd_finished(f)) {
		op_finish(op, -1);
		return;
	}
	folder_unref(f);
	/* Only the refused ones go again: the rest are done already. The
	 * model shows the change again, on top of the state just fetched
	 * (the STORE is silent: no answer would show it), and a refusal
	 * now goes back to that state. */
	op->known = false;
	imap_seqset_free(&op->uids);
	op->uids = op->modified;
	imap_seqset_init(&op->modified);
	op->nundo = 0;
	for (i = 0; i < op->uids.count && !f->dead; i++) {
		for (uid = op->uids.ranges[i].lo; !f->dead; uid++) {
			m = mail_msgmap_get(f->map, mail_msgmap_seq(f->map, uid));
			if (m != NULL)
				apply(op, m);
			if (uid == op->uids.ranges[i].hi)
				break;
		}
	}
	folder_flush(f);
	if (f->dead) {
		op_finish(op, -1);
		return;
	}
	op_send(op);
}

static void
op_finish(struct flag_op *op, int status)
{
	struct mail_folder	*f = op->f;
	struct flag_op		**p;

	for (p = &f->flag_ops; *p != NULL; p = &(*p)->next) {
		if (*p == op) {
			*p = op->next;
			break;
		}
	}
	folder_journal_settle(f, op->journal_seq, op->known);
	if (op->done != NULL && !f->dead)
		op->done(f, status, op->arg);
	/* Those waiting hold the folder too. */
	op_release(f);
	folder_unref(f);
	op_free(op);
}

static void
op_free(struct flag_op *op)
{
	size_t	i;

	for (i = 0; op->keywords[i] != NULL; i++)
		free(op->keywords[i]);
	free(op->keywords);
	free(op->undo);
	imap_seqset_free(&op->uids);
	imap_seqset_free(&op->modified);
	free(op);
}
