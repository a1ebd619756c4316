/*
 * Copy, move and delete. Each operation names the messages by one compact
 * UID set; the model follows the server's own EXPUNGE/VANISHED answers and
 * the optimistic flag change of flags.c, so subscribers see the result as
 * it happens. A move never expunges what it did not mark itself: without
 * MOVE or UIDPLUS its messages stay \Deleted and the result says so.
 * Offline (or with params.journal) each operation is journaled first, as
 * one entry; offline it is then done as far as the model can: moved and
 * deleted messages leave the folder and its cache at once. An expunge
 * (sync-mailbox) is one UID EXPUNGE of the UIDs given, journaled too.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/log.h"
#include "crispin/mail_append.h"
#include "crispin/mail_journal.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "folder_p.h"

enum op_kind {
	OP_COPY,
	OP_MOVE,
	OP_MARK,
	OP_EXPUNGE,
};

struct msg_op {
	struct mail_folder	*f;		/* one reference held */
	enum op_kind		 kind;
	char			*dest;		/* owned; NULL for OP_MARK */
	struct mail_op_result	 res;		/* sets owned */
	struct mail_msg		*snap;		/* owned: records before the op */
	size_t			 nsnap, snap_cap;
	mail_folder_op_cb	*done;
	void			*arg;
	int64_t			 journal_seq;	/* 0: not journaled */
	bool			 known;		/* the outcome is known */
};

/* Verbs for error messages, by kind. */
static const char *const op_verbs[] = {
	[OP_COPY] = "copy",
	[OP_MOVE] = "move",
	[OP_MARK] = "mark",
	[OP_EXPUNGE] = "expunge",
};

static void start(struct mail_folder *, const struct imap_seqset *, enum op_kind,
	    const char *, enum store_journal_op, mail_folder_op_cb *, void *);
static struct imap_cmd *op_cmd_new(struct msg_op *);
static void op_untagged(struct imap_client *, const struct imap_response *, void *);
static void take_copyuid(struct msg_op *, const struct imap_response *);
static void send_copy(struct msg_op *, bool);
static void copy_done(struct imap_client *, const struct imap_response *, void *);
static void mark_done(struct mail_folder *, int, void *);
static void expunge_done(struct imap_client *, const struct imap_response *, void *);
static void refused(struct msg_op *, const char *, const struct imap_response *);
static void record_dest(struct msg_op *);
static const struct mail_msg *snap_find(const struct msg_op *, uint32_t);
static void op_finish(struct msg_op *, int);
static void do_offline(struct msg_op *);
static void send_expunge(struct msg_op *);

void
mail_folder_copy(struct mail_folder *f, const struct imap_seqset *uids, const char *dest,
    mail_folder_op_cb *done, void *arg)
{
	start(f, uids, OP_COPY, dest, STORE_JOURNAL_COPY, done, arg);
}

void
mail_folder_move(struct mail_folder *f, const struct imap_seqset *uids, const char *dest,
    mail_folder_op_cb *done, void *arg)
{
	start(f, uids, OP_MOVE, dest, STORE_JOURNAL_MOVE, done, arg);
}

void
mail_folder_expunge(struct mail_folder *f, const struct imap_seqset *uids,
    mail_folder_op_cb *done, void *arg)
{
	start(f, uids, OP_EXPUNGE, NULL, STORE_JOURNAL_EXPUNGE, done, arg);
}

void
mail_folder_delete(struct mail_folder *f, const struct imap_seqset *uids,
    const char *trash, mail_folder_op_cb *done, void *arg)
{
	/* Deleting in the trash itself can only mark. */
	if (trash != NULL && strcmp(trash, f->name) != 0 &&
	    !(str_ieq(trash, "INBOX") && str_ieq(f->name, "INBOX")))
		start(f, uids, OP_MOVE, trash, STORE_JOURNAL_DELETE, done, arg);
	else
		start(f, uids, OP_MARK, NULL, STORE_JOURNAL_DELETE, done, arg);
}

static void
start(struct mail_folder *f, const struct imap_seqset *uids, enum op_kind kind,
    const char *dest, enum store_journal_op jop, mail_folder_op_cb *done, void *arg)
{
	struct msg_op		*op = xcalloc(1, sizeof *op);
	struct imap_seqset	 want;
	struct mail_msg		*m;
	uint32_t		 seq, n;
	size_t			 i;

	op->f = f;
	op->kind = kind;
	op->dest = dest != NULL ? xstrdup(dest) : NULL;
	op->res.dest = op->dest;
	op->done = done;
	op->arg = arg;
	imap_seqset_init(&op->res.uids);
	imap_seqset_init(&op->res.src);
	imap_seqset_init(&op->res.dst);
	folder_ref(f);

	imap_seqset_init(&want);
	for (i = 0; i < uids->count; i++)
		imap_seqset_add(&want, uids->ranges[i].lo, uids->ranges[i].hi);
	imap_seqset_normalize(&want);
	n = mail_folder_count(f);
	for (seq = 1; seq <= n; seq++) {
		m = mail_msgmap_get(f->map, seq);
		if (m->uid == 0 || !folder_set_has(&want, m->uid))
			continue;
		imap_seqset_add(&op->res.uids, m->uid, m->uid);
		if (op->nsnap == op->snap_cap) {
			op->snap_cap = op->snap_cap ? op->snap_cap * 2 : 64;
			op->snap = xreallocarray(op->snap, op->snap_cap, sizeof *op->snap);
		}
		op->snap[op->nsnap++] = *m;
	}
	imap_seqset_free(&want);
	imap_seqset_normalize(&op->res.uids);
	op->res.count = (uint32_t)op->nsnap;

	if (f->state != FOLDER_OPEN) {
		folder_emit_error(f, ERR_FAILURE, "cannot %s messages: folder %s is not open",
		    op_verbs[kind], f->name);
		op_finish(op, -1);
	} else if (op->nsnap == 0) {
		folder_emit_error(f, ERR_FAILURE, "no message with those UIDs in %s", f->name);
		op_finish(op, -1);
	} else if (kind != OP_COPY && f->readonly) {
		folder_emit_error(f, ERR_FAILURE, "cannot %s messages: folder %s is "
		    "read-only", op_verbs[kind], f->name);
		op_finish(op, -1);
	} else if (kind == OP_EXPUNGE && !f->offline && (f->client == NULL ||
	    !imap_client_has_cap(f->client, "UIDPLUS"))) {
		folder_emit_error(f, ERR_FAILURE, "cannot expunge only these messages "
		    "in %s: the server lacks UIDPLUS (a plain EXPUNGE would also "
		    "remove every other \\Deleted message there)", f->name);
		op_finish(op, -1);
	} else if (folder_journal(f, jop, &op->res.uids, 0, NULL, op->dest,
	    &op->journal_seq) < 0) {
		op_finish(op, -1);
	} else if (f->offline) {
		do_offline(op);
	} else if (kind == OP_MARK) {
		folder_store_flags(f, &op->res.uids, true, IMAP_FLAG_DELETED, NULL, 0,
		    NULL, false, mark_done, op);
	} else if (kind == OP_EXPUNGE)
		send_expunge(op);
	else
		send_copy(op, kind == OP_MOVE && imap_client_has_cap(f->client, "MOVE"));
}

/* Journaled: what the server will do on replay, the model does now. A
 * copy changes nothing here (its UIDs in dest are not known yet). */
static void
do_offline(struct msg_op *op)
{
	struct mail_folder	*f = op->f;

	op->res.queued = true;
	if (op->kind == OP_MARK) {
		folder_store_flags(f, &op->res.uids, true, IMAP_FLAG_DELETED, NULL, 0,
		    NULL, false, mark_done, op);
		return;
	}
	if (op->kind == OP_MOVE || op->kind == OP_EXPUNGE) {
		folder_remove_offline(f, &op->res.uids);
		op->res.expunged = true;
	}
	op_finish(op, 0);
}

/* Like folder_cmd_new, but claiming untagged OK for [COPYUID] (a MOVE
 * sends it before its EXPUNGEs); EXISTS reaches the folder through the
 * owner of the client as any unclaimed data does. */
static struct imap_cmd *
op_cmd_new(struct msg_op *op)
{
	struct imap_cmd	*cmd = imap_cmd_new(op->f->client, 0);

	imap_cmd_on_untagged(cmd, "FETCH", op_untagged);
	imap_cmd_on_untagged(cmd, "EXPUNGE", op_untagged);
	imap_cmd_on_untagged(cmd, "VANISHED", op_untagged);
	imap_cmd_on_untagged(cmd, "OK", op_untagged);
	folder_ref(op->f);
	op->f->inflight++;
	return cmd;
}

static void
op_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct msg_op	*op = arg;

	if (r->code != NULL && strcmp(r->code, "COPYUID") == 0)
		take_copyuid(op, r);
	else
		mail_folder_untagged(op->f, r);
}

static void
take_copyuid(struct msg_op *op, const struct imap_response *r)
{
	imap_seqset_free(&op->res.src);
	imap_seqset_free(&op->res.dst);
	imap_seqset_init(&op->res.src);
	imap_seqset_init(&op->res.dst);
	if (imap_code_copyuid(r, &op->res.dest_uidvalidity, &op->res.src,
	    &op->res.dst) < 0) {
		log_warn("folder %s: bad COPYUID ignored", op->f->name);
		op->res.dest_uidvalidity = 0;
	}
}

static void
send_copy(struct msg_op *op, bool use_move)
{
	struct imap_cmd	*cmd = op_cmd_new(op);
	struct buf	 b = BUF_INIT;

	imap_seqset_write(&b, &op->res.uids);
	imap_cmd_add(cmd, "UID %s %s ", use_move ? "MOVE" : "COPY", buf_cstr(&b));
	imap_cmd_add_mailbox(cmd, op->dest);
	buf_free(&b);
	if (use_move)
		op->res.expunged = true;
	imap_cmd_submit(cmd, copy_done, op);
}

/* "cannot move messages to 'X': text (advice)". */
static void
refused(struct msg_op *op, const char *what, const struct imap_response *r)
{
	char	*why = str_sanitize(r->text);
	bool	 trycreate = r->code != NULL && strcmp(r->code, "TRYCREATE") == 0;

	folder_emit_error(op->f, ERR_FAILURE, "%s: %s%s", what, why,
	    trycreate ? " (the folder does not exist; create it with crispin mkdir)" : "");
	free(why);
}

static void
copy_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct msg_op		*op = arg;
	struct mail_folder	*f = op->f;
	char			*what;

	if (!folder_cmd_finished(f)) {
		op_finish(op, -1);
		return;
	}
	folder_unref(f);
	op->known = folder_link_up(f);
	if (r->status != IMAP_STATUS_OK) {
		op->res.expunged = false;
		op->res.trycreate = r->code != NULL && strcmp(r->code, "TRYCREATE") == 0;
		what = xasprintf("cannot %s messages from %s to %s", op_verbs[op->kind],
		    f->name, op->dest);
		refused(op, what, r);
		free(what);
		op_finish(op, -1);
		return;
	}
	if (r->code != NULL && strcmp(r->code, "COPYUID") == 0)
		take_copyuid(op, r);
	record_dest(op);
	if (op->kind == OP_COPY || op->res.expunged) {
		op_finish(op, 0);
		return;
	}
	/* COPY done: now mark, then expunge exactly these with UIDPLUS. The
	 * entry stays till the end: a replay from here finds the copies in
	 * the destination by Message-ID and only marks and expunges. */
	op->known = false;
	folder_store_flags(f, &op->res.uids, true, IMAP_FLAG_DELETED, NULL, 0, NULL,
	    false, mark_done, op);
}

static void
mark_done(struct mail_folder *f, int status, void *arg)
{
	struct msg_op	*op = arg;

	op->known = folder_link_up(f);
	if (status < 0) {
		op_finish(op, -1);
		return;
	}
	if (op->kind == OP_MARK || f->offline) {
		op_finish(op, 0);
		return;
	}
	if (!imap_client_has_cap(f->client, "UIDPLUS")) {
		op->res.marked_only = true;
		op_finish(op, 0);
		return;
	}
	send_expunge(op);
}

/* UID EXPUNGE of exactly these (UIDPLUS): others' \Deleted stay. */
static void
send_expunge(struct msg_op *op)
{
	struct imap_cmd	*cmd;
	struct buf	 b = BUF_INIT;

	op->known = false;
	cmd = op_cmd_new(op);
	imap_seqset_write(&b, &op->res.uids);
	imap_cmd_add(cmd, "UID EXPUNGE %s", buf_cstr(&b));
	buf_free(&b);
	imap_cmd_submit(cmd, expunge_done, op);
}

static void
expunge_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct msg_op		*op = arg;
	struct mail_folder	*f = op->f;
	char			*what;

	if (!folder_cmd_finished(f)) {
		op_finish(op, -1);
		return;
	}
	folder_unref(f);
	op->known = folder_link_up(f);
	if (r->status != IMAP_STATUS_OK && op->kind == OP_EXPUNGE) {
		what = xasprintf("cannot expunge messages in %s", f->name);
		refused(op, what, r);
		free(what);
		op_finish(op, -1);
		return;
	}
	if (r->status != IMAP_STATUS_OK) {
		op->res.marked_only = true;
		what = xasprintf("copied to %s but cannot expunge the originals in %s "
		    "(left marked \\Deleted)", op->dest, f->name);
		refused(op, what, r);
		free(what);
		op_finish(op, -1);
		return;
	}
	op->res.expunged = true;
	op_finish(op, 0);
}

static const struct mail_msg *
snap_find(const struct msg_op *op, uint32_t uid)
{
	size_t	lo = 0, hi = op->nsnap, mid;

	/* Snapshots were taken in sequence order: UIDs ascend. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (uid < op->snap[mid].uid)
			hi = mid;
		else if (uid > op->snap[mid].uid)
			lo = mid + 1;
		else
			return &op->snap[mid];
	}
	return NULL;
}

/*
 * The copies are the source records under new UIDs: write them to the
 * destination's cache, but only when that cache is of the UIDVALIDITY the
 * server named (otherwise its next open throws it away anyway).
 */
static void
record_dest(struct msg_op *op)
{
	struct mail_folder		*f = op->f;
	struct store_folder_state	 st;
	struct store_msg		 sm;
	const struct mail_msg		*m;
	const struct imap_seqset	*s = &op->res.src, *d = &op->res.dst;
	size_t				 si = 0, di = 0;
	uint32_t			 su, du;
	char				*error = NULL;

	if (op->res.dest_uidvalidity == 0 || f->store == NULL)
		return;
	if (imap_seqset_count(s, UINT32_MAX) > op->nsnap)
		return;
	if (store_folder_get(f->store, op->dest, &st, &error) < 0 ||
	    st.uidvalidity != op->res.dest_uidvalidity) {
		free(error);
		return;
	}
	if (store_begin(f->store, &error) < 0)
		goto fail;
	su = s->count > 0 ? s->ranges[0].lo : 0;
	du = d->count > 0 ? d->ranges[0].lo : 0;
	while (si < s->count && di < d->count) {
		if ((m = snap_find(op, su)) != NULL && (m->state & MAIL_MSG_HEADERS)) {
			memset(&sm, 0, sizeof sm);
			sm.uid = du;
			sm.flags = m->flags & ~(unsigned)IMAP_FLAG_RECENT;
			sm.keywords = m->keywords;
			sm.internaldate = m->internaldate;
			sm.date = m->date;
			sm.size = m->size;
			sm.from = m->from;
			sm.to = m->to;
			sm.subject = m->subject;
			sm.message_id = m->message_id;
			sm.in_reply_to = mail_msg_in_reply_to(m);
			sm.references = mail_msg_references(m);
			if (store_msg_put(f->store, op->dest, &sm, &error) < 0) {
				store_rollback(f->store);
				goto fail;
			}
		}
		if (su++ == s->ranges[si].hi && ++si < s->count)
			su = s->ranges[si].lo;
		if (du++ == d->ranges[di].hi && ++di < d->count)
			du = d->ranges[di].lo;
	}
	if (store_commit(f->store, &error) < 0)
		goto fail;
	return;
fail:
	/* The cache is an optimisation: the next open fetches them. */
	log_warn("folder %s: cache of %s not updated: %s", f->name, op->dest, error);
	free(error);
}

static void
op_finish(struct msg_op *op, int status)
{
	struct mail_folder	*f = op->f;

	folder_journal_settle(f, op->journal_seq, op->known);
	if (op->done != NULL && !f->dead)
		op->done(f, status, &op->res, op->arg);
	folder_unref(f);
	imap_seqset_free(&op->res.uids);
	imap_seqset_free(&op->res.src);
	imap_seqset_free(&op->res.dst);
	free(op->snap);
	free(op->dest);
	free(op);
}

int
mail_append_cache(struct store *st, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *message, size_t len, const char *flags,
    time_t internaldate, char **error_r)
{
	struct store_folder_state	 fs;
	struct store_msg		 sm;
	struct mail_intern		*strings;
	struct mail_msg			 m;
	struct buf			 keywords = BUF_INIT;
	char				*copy, *tok, *save = NULL;
	unsigned			 bit;
	int				 rc;

	if (store_folder_get(st, folder, &fs, error_r) < 0)
		return -1;
	if (fs.uidvalidity == 0 || fs.uidvalidity != uidvalidity || uid == 0)
		return 0;
	/* The index fields as a header fetch gives them (the parse stops at
	 * the end of the header). */
	strings = mail_intern_new();
	memset(&m, 0, sizeof m);
	header_apply(strings, &m, message, len);
	memset(&sm, 0, sizeof sm);
	copy = xstrdup(flags != NULL ? flags : "");
	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if ((bit = mail_flag_bit(tok)) != 0)
			sm.flags |= bit;
		else if (tok[0] != '\\') {
			if (keywords.len > 0)
				buf_addc(&keywords, ' ');
			buf_adds(&keywords, tok);
		}
	}
	free(copy);
	sm.flags &= ~(unsigned)IMAP_FLAG_RECENT;
	sm.uid = uid;
	sm.keywords = keywords.len > 0 ? buf_cstr(&keywords) : NULL;
	sm.internaldate = mail_msg_time((int64_t)internaldate);
	sm.date = m.date;
	sm.size = len;
	sm.from = m.from;
	sm.to = m.to;
	sm.subject = m.subject;
	sm.message_id = m.message_id;
	sm.in_reply_to = mail_msg_in_reply_to(&m);
	sm.references = mail_msg_references(&m);
	rc = store_msg_put(st, folder, &sm, error_r);
	buf_free(&keywords);
	mail_intern_free(&strings);
	return rc;
}
