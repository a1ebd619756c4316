/*
 * The folder model: lifetime, subscribers, and the handling of untagged
 * data and response codes, whatever command they arrive with. The open
 * and resync live in sync.c, flag changes in flags.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/log.h"
#include "crispin/mail_journal.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "folder_p.h"

typedef void code_fn(struct mail_folder *, const struct imap_response *);
typedef void untagged_fn(struct mail_folder *, const struct imap_response *);

static void code_uidvalidity(struct mail_folder *, const struct imap_response *);
static void code_uidnext(struct mail_folder *, const struct imap_response *);
static void code_highestmodseq(struct mail_folder *, const struct imap_response *);
static void code_nomodseq(struct mail_folder *, const struct imap_response *);
static void code_permanentflags(struct mail_folder *, const struct imap_response *);
static void code_readonly(struct mail_folder *, const struct imap_response *);
static void code_readwrite(struct mail_folder *, const struct imap_response *);
static void code_closed(struct mail_folder *, const struct imap_response *);
static void on_exists(struct mail_folder *, const struct imap_response *);
static void on_expunge(struct mail_folder *, const struct imap_response *);
static void on_vanished(struct mail_folder *, const struct imap_response *);
static void on_fetch(struct mail_folder *, const struct imap_response *);
static void on_status(struct mail_folder *, const struct imap_response *);
static void on_ignored(struct mail_folder *, const struct imap_response *);
static void apply_fetch(struct mail_folder *, struct mail_msg *, const struct imap_fetch *);
static void folder_destroy(struct mail_folder *);
static void to_store_msg(const struct mail_msg *, struct store_msg *);
static void remember_emailid(struct mail_folder *, uint32_t, const char *);
static void flush_emailids(struct mail_folder *);

static const struct {
	const char	*code;
	code_fn		*fn;
} codes[] = {
	{ "UIDVALIDITY", code_uidvalidity },
	{ "UIDNEXT", code_uidnext },
	{ "HIGHESTMODSEQ", code_highestmodseq },
	{ "NOMODSEQ", code_nomodseq },
	{ "PERMANENTFLAGS", code_permanentflags },
	{ "READ-ONLY", code_readonly },
	{ "READ-WRITE", code_readwrite },
	{ "CLOSED", code_closed },
};

static const struct {
	const char	*keyword;
	untagged_fn	*fn;
} untagged[] = {
	{ "EXISTS", on_exists },
	{ "EXPUNGE", on_expunge },
	{ "VANISHED", on_vanished },
	{ "FETCH", on_fetch },
	{ "OK", on_status },
	{ "NO", on_status },
	{ "RECENT", on_ignored },	/* \Recent comes per message in FLAGS */
	{ "FLAGS", on_ignored },	/* PERMANENTFLAGS is what we may set */
};

struct mail_folder *
mail_folder_new(struct imap_client *client, struct store *store, const char *name,
    const struct mail_folder_params *params)
{
	struct mail_folder	*f = xcalloc(1, sizeof *f);

	f->refs = 1;
	f->client = client;
	f->name = xstrdup(name);
	if (params != NULL)
		f->params = *params;
	if (f->params.first_batch == 0)
		f->params.first_batch = 100;
	if (f->params.batch == 0)
		f->params.batch = 1000;
	f->store = f->params.use_cache ? store : NULL;
	if (f->params.sort_criteria != NULL)
		f->params.sort_criteria = f->sort_criteria =
		    xstrdup(f->params.sort_criteria);
	f->map = mail_msgmap_new();
	f->strings = mail_intern_new();
	f->permflags = IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED |
	    IMAP_FLAG_DELETED | IMAP_FLAG_DRAFT | IMAP_FLAG_ANY;
	return f;
}

static void
folder_destroy(struct mail_folder *f)
{
	free(f->name);
	free(f->subs);
	free(f->sort_criteria);
	free(f->order.uids);
	free(f->order.depth);
	free(f->cache);
	free(f->dirty);
	ev_timer_free(&f->rest_timer);
	/* The store may be gone by now: what was not flushed is dropped. */
	while (f->nemailids > 0)
		free(f->emailids[--f->nemailids].emailid);
	free(f->emailids);
	mail_msgmap_free(&f->map);
	mail_intern_free(&f->strings);
	free(f);
}

void
folder_ref(struct mail_folder *f)
{
	f->refs++;
}

bool
folder_unref(struct mail_folder *f)
{
	if (--f->refs > 0)
		return !f->dead;
	folder_destroy(f);
	return false;
}

void
mail_folder_free(struct mail_folder **fp)
{
	struct mail_folder	*f = *fp;

	if (f == NULL)
		return;
	*fp = NULL;
	/* Commands still in flight keep it until their replies. */
	folder_flush(f);
	f->dead = true;
	if (f->rest_timer != NULL)
		ev_timer_stop(f->rest_timer);
	f->nsubs = 0;
	folder_unref(f);
}

void
mail_folder_subscribe(struct mail_folder *f, const struct mail_folder_events *ev,
    void *arg)
{
	f->subs = xreallocarray(f->subs, f->nsubs + 1, sizeof *f->subs);
	f->subs[f->nsubs].ev = ev;
	f->subs[f->nsubs].arg = arg;
	f->nsubs++;
}

/* Events: each loop tolerates a subscriber freeing the folder. */
#define EMIT(f, field, ...) do {					\
	size_t i_;							\
	folder_ref(f);							\
	for (i_ = 0; i_ < (f)->nsubs && !(f)->dead; i_++) {		\
		if ((f)->subs[i_].ev->field != NULL)			\
			(f)->subs[i_].ev->field((f), __VA_ARGS__,	\
			    (f)->subs[i_].arg);				\
	}								\
	folder_unref(f);						\
} while (0)

void
folder_emit_error(struct mail_folder *f, enum err_class cls, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	log_warn("folder %s: %s", f->name, msg);
	EMIT(f, error, cls, msg);
	free(msg);
}

void
folder_emit_added(struct mail_folder *f, const struct mail_msg *m)
{
	EMIT(f, added, m);
}

void
folder_emit_flags(struct mail_folder *f, const struct mail_msg *m)
{
	EMIT(f, flags, m);
}

void
folder_emit_expunged(struct mail_folder *f, uint32_t uid)
{
	EMIT(f, expunged, uid);
}

void
folder_emit_progress(struct mail_folder *f)
{
	EMIT(f, progress, f->progress_done, f->progress_total);
}

void
folder_emit_opened(struct mail_folder *f)
{
	size_t	i;

	folder_ref(f);
	for (i = 0; i < f->nsubs && !f->dead; i++) {
		if (f->subs[i].ev->opened != NULL)
			f->subs[i].ev->opened(f, f->subs[i].arg);
	}
	folder_unref(f);
}

bool
mail_folder_is_open(const struct mail_folder *f)
{
	return f->state == FOLDER_OPEN;
}

bool
mail_folder_offline(const struct mail_folder *f)
{
	return f->offline;
}

bool
mail_folder_readonly(const struct mail_folder *f)
{
	return f->readonly;
}

const char *
mail_folder_name(const struct mail_folder *f)
{
	return f->name;
}

uint32_t
mail_folder_count(const struct mail_folder *f)
{
	return mail_msgmap_count(f->map);
}

const struct mail_msg *
mail_folder_msg(const struct mail_folder *f, uint32_t seq)
{
	return mail_msgmap_get(f->map, seq);
}

const struct mail_msg *
mail_folder_by_uid(const struct mail_folder *f, uint32_t uid)
{
	return mail_msgmap_get(f->map, mail_msgmap_seq(f->map, uid));
}

uint32_t
mail_folder_uidvalidity(const struct mail_folder *f)
{
	return f->uidvalidity;
}

uint32_t
mail_folder_uidnext(const struct mail_folder *f)
{
	return f->uidnext;
}

uint64_t
mail_folder_highestmodseq(const struct mail_folder *f)
{
	return f->highestmodseq;
}

unsigned
mail_folder_permanent_flags(const struct mail_folder *f)
{
	return f->permflags;
}

const struct mail_folder_order *
mail_folder_order(const struct mail_folder *f)
{
	return f->order.uids != NULL ? &f->order : NULL;
}

const char *
mail_folder_sync_mode(const struct mail_folder *f)
{
	static const char *const names[] = {
		[SYNC_COLD] = "cold",
		[SYNC_QRESYNC] = "qresync",
		[SYNC_CONDSTORE] = "condstore",
		[SYNC_PLAIN] = "plain",
	};

	return names[f->mode];
}

struct imap_cmd *
folder_cmd_new(struct mail_folder *f, imap_cmd_untagged_cb *cb)
{
	struct imap_cmd	*cmd = imap_cmd_new(f->client, 0);

	if (cb == NULL)
		cb = folder_on_untagged;
	imap_cmd_on_untagged(cmd, "FETCH", cb);
	imap_cmd_on_untagged(cmd, "EXISTS", cb);
	imap_cmd_on_untagged(cmd, "EXPUNGE", cb);
	imap_cmd_on_untagged(cmd, "VANISHED", cb);
	folder_ref(f);
	f->inflight++;
	return cmd;
}

bool
folder_cmd_finished(struct mail_folder *f)
{
	f->inflight--;
	if (f->dead) {
		folder_unref(f);
		return false;
	}
	folder_flush(f);
	return true;
}

void
folder_on_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	mail_folder_untagged(arg, r);
}

bool
mail_folder_untagged(struct mail_folder *f, const struct imap_response *r)
{
	size_t	i;

	/* Offline, the link's data is about some other open (the journal's
	 * replay): it would only spoil the map mail_folder_go_online uses. */
	if (f->dead || f->offline || r->keyword == NULL || f->state == FOLDER_NEW ||
	    f->state == FOLDER_CLOSED || f->state == FOLDER_FAILED)
		return false;
	for (i = 0; i < sizeof untagged / sizeof untagged[0]; i++) {
		if (strcmp(untagged[i].keyword, r->keyword) == 0) {
			folder_ref(f);
			untagged[i].fn(f, r);
			if (folder_unref(f) && f->inflight == 0) {
				folder_flush(f);
				/* Outside any sync of ours: repair at once. */
				if (f->desync && f->state == FOLDER_OPEN)
					sync_repair(f);
			}
			return true;
		}
	}
	return false;
}

void
folder_handle_code(struct mail_folder *f, const struct imap_response *r)
{
	size_t	i;

	if (r->code == NULL)
		return;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strcmp(codes[i].code, r->code) == 0) {
			codes[i].fn(f, r);
			return;
		}
	}
}

static void
on_status(struct mail_folder *f, const struct imap_response *r)
{
	folder_handle_code(f, r);
}

static void
on_ignored(struct mail_folder *f, const struct imap_response *r)
{
}

static void
code_uidvalidity(struct mail_folder *f, const struct imap_response *r)
{
	uint64_t	n;

	if (imap_code_number(r, &n) == 0 && n <= UINT32_MAX)
		f->uidvalidity = (uint32_t)n;
}

static void
code_uidnext(struct mail_folder *f, const struct imap_response *r)
{
	uint64_t	n;

	if (imap_code_number(r, &n) == 0 && n <= UINT32_MAX)
		f->uidnext = (uint32_t)n;
}

static void
code_highestmodseq(struct mail_folder *f, const struct imap_response *r)
{
	uint64_t	n;

	if (imap_code_number(r, &n) < 0)
		return;
	if (f->state == FOLDER_SELECTING)
		f->select_modseq = n;
	if (n > f->highestmodseq)
		f->highestmodseq = n;
	f->condstore = true;
}

static void
code_nomodseq(struct mail_folder *f, const struct imap_response *r)
{
	f->nomodseq = true;
	f->condstore = false;
}

static void
code_permanentflags(struct mail_folder *f, const struct imap_response *r)
{
	struct imap_flags	 fl;
	struct arena		*a;

	if (r->code_argc < 1)
		return;
	a = arena_new(0);
	if (imap_flags_parse(&r->code_args[0], a, &fl, NULL) == 0) {
		f->permflags = fl.bits;
		folder_set_permkeywords(f, fl.keywords, fl.nkeywords);
	}
	arena_free(&a);
}

static void
code_readonly(struct mail_folder *f, const struct imap_response *r)
{
	f->readonly = true;
}

static void
code_readwrite(struct mail_folder *f, const struct imap_response *r)
{
	f->readonly = false;
}

/* The previous mailbox is closed: data before this was about it. Only
 * ours matters when it is us that is closed. */
static void
code_closed(struct mail_folder *f, const struct imap_response *r)
{
	if (f->state == FOLDER_OPEN || f->state == FOLDER_SYNCING)
		f->state = FOLDER_CLOSED;
}

static void
on_exists(struct mail_folder *f, const struct imap_response *r)
{
	uint32_t	old = mail_msgmap_count(f->map);

	if (!r->has_number)
		return;
	if (r->number > MAIL_FOLDER_MAX_MESSAGES) {
		/* One record per message: refuse what would exhaust memory. */
		f->state = FOLDER_FAILED;
		folder_emit_error(f, ERR_PROTOCOL, "folder %s claims %u messages, more "
		    "than crispin handles (%u)", f->name, r->number,
		    MAIL_FOLDER_MAX_MESSAGES);
		return;
	}
	if (f->preloaded && f->state == FOLDER_SELECTING) {
		/* The map holds the cache, not the server's positions yet:
		 * sync.c applies the count once VANISHED has been. */
		f->select_exists = r->number;
		f->have_exists = true;
		return;
	}
	if (mail_msgmap_exists(f->map, r->number) < 0) {
		/* EXISTS may not shrink the folder; trust it and rebuild. */
		log_warn("folder %s: EXISTS %u below %u", f->name, r->number, old);
		f->desync = true;
		return;
	}
	if (r->number > old && f->state == FOLDER_OPEN)
		sync_new_mail(f);
	else if (r->number > old && f->state == FOLDER_SYNCING)
		f->fill_again = true;
}

static void
on_expunge(struct mail_folder *f, const struct imap_response *r)
{
	struct imap_seqset	set;
	uint32_t		uid;

	if (f->preloaded && f->state == FOLDER_SELECTING) {
		/* A position in a map that has none yet: settle by UID SEARCH. */
		f->desync = true;
		return;
	}
	if (!r->has_number || mail_msgmap_expunge(f->map, r->number, &uid) < 0) {
		log_warn("folder %s: EXPUNGE of a message we do not have", f->name);
		f->desync = true;
		return;
	}
	if (uid == 0)
		return;
	if (f->store != NULL) {
		char *error = NULL;

		imap_seqset_init(&set);
		imap_seqset_add(&set, uid, uid);
		if (store_msg_delete(f->store, f->name, &set, &error) < 0) {
			log_warn("folder %s: cache: %s", f->name, error);
			free(error);
		}
		imap_seqset_free(&set);
	}
	folder_emit_expunged(f, uid);
}

/* Drops vanished UIDs from the cache view too (VANISHED (EARLIER) during a
 * QRESYNC SELECT refers to the cached records). */
static void
on_vanished(struct mail_folder *f, const struct imap_response *r)
{
	struct imap_seqset	 set;
	struct mail_msg		*m;
	uint32_t		 seq, uid, unknown, removed = 0;
	size_t			 i, j;
	bool			 earlier;
	char			*error = NULL;

	imap_seqset_init(&set);
	if (imap_vanished_parse(r, &earlier, &set, &error) < 0) {
		log_warn("folder %s: %s", f->name, error);
		free(error);
		imap_seqset_free(&set);
		return;
	}
	imap_seqset_normalize(&set);
	for (i = j = 0; i < f->ncache; i++) {
		if (!folder_set_has(&set, f->cache[i]))
			f->cache[j++] = f->cache[i];
	}
	f->ncache = j;
	unknown = 0;
	for (seq = mail_msgmap_count(f->map); seq > 0; seq--) {
		m = mail_msgmap_get(f->map, seq);
		if (m->uid == 0)
			unknown++;
		if (m->uid == 0 || !folder_set_has(&set, m->uid))
			continue;
		uid = m->uid;
		mail_msgmap_expunge(f->map, seq, NULL);
		removed++;
		folder_emit_expunged(f, uid);
		if (f->dead)
			break;
	}
	/* Some UIDs may be of messages whose UIDs we have not learnt yet:
	 * their positions are unknown, so the map must be rebuilt. */
	if (!earlier && unknown > 0 && removed < imap_seqset_count(&set, UINT32_MAX))
		f->desync = true;
	if (f->store != NULL && store_msg_delete(f->store, f->name, &set, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
	}
	imap_seqset_free(&set);
}

static void
on_fetch(struct mail_folder *f, const struct imap_response *r)
{
	struct imap_fetch	 fe;
	struct mail_msg		*m;
	struct arena		*a = arena_new(0);
	char			*error = NULL;

	if (imap_fetch_parse(r, a, &fe, &error) < 0) {
		log_warn("folder %s: bad FETCH: %s", f->name, error);
		free(error);
		arena_free(&a);
		return;
	}
	if (f->preloaded && f->state == FOLDER_SELECTING) {
		/* QRESYNC's changes by UID; new messages come with their
		 * index fields later. */
		if (fe.has_uid && (m = mail_msgmap_get(f->map,
		    mail_msgmap_seq(f->map, fe.uid))) != NULL)
			apply_fetch(f, m, &fe);
	} else if (f->desync && !fe.has_uid) {
		/* Positions are in doubt until the map is rebuilt. */
	} else if ((m = mail_msgmap_get(f->map, fe.seq)) == NULL) {
		log_warn("folder %s: FETCH for message %u of %u", f->name, fe.seq,
		    mail_msgmap_count(f->map));
		f->desync = true;
	} else if (fe.has_uid && mail_msgmap_set_uid(f->map, fe.seq, fe.uid) < 0) {
		log_warn("folder %s: FETCH says message %u is UID %u, we thought %u",
		    f->name, fe.seq, fe.uid, m->uid);
		f->desync = true;
	} else
		apply_fetch(f, m, &fe);
	arena_free(&a);
}

static void
apply_fetch(struct mail_folder *f, struct mail_msg *m, const struct imap_fetch *fe)
{
	struct buf	 kw = BUF_INIT;
	bool		 had_headers = m->state & MAIL_MSG_HEADERS, changed = false;
	size_t		 i;
	const char	*k;

	if (fe->has_flags) {
		for (i = 0; i < fe->flags.nkeywords; i++) {
			if (kw.len > 0)
				buf_addc(&kw, ' ');
			buf_adds(&kw, fe->flags.keywords[i]);
		}
		k = kw.len > 0 ? mail_intern(f->strings, buf_cstr(&kw)) : NULL;
		if (!(m->state & MAIL_MSG_FLAGS) || m->flags != fe->flags.bits ||
		    m->keywords != k)
			changed = true;
		m->flags = (uint16_t)fe->flags.bits;
		m->keywords = k;
		m->state |= MAIL_MSG_FLAGS;
		buf_free(&kw);
	}
	if (fe->has_modseq) {
		if (fe->modseq != m->modseq)
			changed = true;
		m->modseq = fe->modseq;
		if (fe->modseq > f->highestmodseq && f->state != FOLDER_SELECTING)
			f->highestmodseq = fe->modseq;
	}
	if (fe->emailid != NULL && m->uid != 0 && f->store != NULL)
		remember_emailid(f, m->uid, fe->emailid);
	if (fe->has_internaldate)
		m->internaldate = mail_msg_time(fe->internaldate);
	if (fe->has_size)
		m->size = mail_msg_size(fe->size);
	for (i = 0; i < fe->nsections; i++) {
		const struct imap_arg *d = fe->sections[i].data;

		if (!str_has_iprefix(fe->sections[i].section, "HEADER"))
			continue;
		/* A header that went to someone's sink is not here to read:
		 * the fields the index has stay as they are. */
		if (d == NULL || d->type == IMAP_ARG_LITERAL_STREAMED)
			continue;
		if (d->type == IMAP_ARG_LITERAL || d->type == IMAP_ARG_QUOTED ||
		    d->type == IMAP_ARG_ATOM)
			header_apply(f->strings, m, d->u.str.s, d->u.str.len);
		else
			header_apply(f->strings, m, "", 0);
		m->state |= MAIL_MSG_HEADERS;
	}
	if (!(m->state & MAIL_MSG_HEADERS) || m->uid == 0)
		return;
	if (!had_headers) {
		folder_mark_dirty(f, m);
		f->progress_done++;
		if (f->state == FOLDER_SYNCING && (f->progress_done % 500) == 0)
			folder_emit_progress(f);
		folder_emit_added(f, m);
	} else if (changed) {
		folder_mark_dirty(f, m);
		folder_emit_flags(f, m);
	}
}

void
folder_mark_dirty(struct mail_folder *f, struct mail_msg *m)
{
	if (f->store == NULL || (m->state & MAIL_MSG_DIRTY) || m->uid == 0)
		return;
	if (f->ndirty == f->dirty_cap) {
		f->dirty_cap = f->dirty_cap ? f->dirty_cap * 2 : 256;
		f->dirty = xreallocarray(f->dirty, f->dirty_cap, sizeof *f->dirty);
	}
	f->dirty[f->ndirty++] = m->uid;
	m->state |= MAIL_MSG_DIRTY;
}

static void
to_store_msg(const struct mail_msg *m, struct store_msg *sm)
{
	memset(sm, 0, sizeof *sm);
	sm->uid = m->uid;
	sm->flags = m->flags & ~IMAP_FLAG_RECENT;
	sm->keywords = m->keywords;
	sm->internaldate = m->internaldate;
	sm->date = m->date;
	sm->size = m->size;
	sm->modseq = m->modseq;
	sm->from = m->from;
	sm->to = m->to;
	sm->subject = m->subject;
	sm->message_id = m->message_id;
	sm->in_reply_to = mail_msg_in_reply_to(m);
	sm->references = mail_msg_references(m);
}

static void
remember_emailid(struct mail_folder *f, uint32_t uid, const char *emailid)
{
	if (f->nemailids == f->emailids_cap) {
		f->emailids_cap = f->emailids_cap ? f->emailids_cap * 2 : 64;
		f->emailids = xreallocarray(f->emailids, f->emailids_cap,
		    sizeof *f->emailids);
	}
	f->emailids[f->nemailids].uid = uid;
	f->emailids[f->nemailids].emailid = xstrdup(emailid);
	f->nemailids++;
}

/* After the records they belong to; a failure costs a refetch of parts
 * after a move, nothing else. */
static void
flush_emailids(struct mail_folder *f)
{
	char	*error = NULL;
	size_t	 i;

	for (i = 0; i < f->nemailids; i++) {
		if (f->store != NULL && error == NULL &&
		    store_msg_set_emailid(f->store, f->name, f->emailids[i].uid,
		    f->emailids[i].emailid, &error) < 0)
			log_warn("folder %s: cache: %s", f->name, error);
		free(f->emailids[i].emailid);
	}
	free(error);
	f->nemailids = 0;
}

void
folder_flush(struct mail_folder *f)
{
	struct store_msg	 sm;
	struct mail_msg		*m;
	char			*error = NULL;
	size_t			 i;

	if (f->store == NULL || f->ndirty == 0)
		return;
	if (store_begin(f->store, &error) < 0)
		goto fail;
	for (i = 0; i < f->ndirty; i++) {
		if ((m = mail_msgmap_get(f->map, mail_msgmap_seq(f->map, f->dirty[i]))) == NULL)
			continue;
		m->state &= ~MAIL_MSG_DIRTY;
		if (!(m->state & MAIL_MSG_HEADERS))
			continue;
		to_store_msg(m, &sm);
		if (store_msg_put(f->store, f->name, &sm, &error) < 0) {
			store_rollback(f->store);
			goto fail;
		}
	}
	flush_emailids(f);
	if (store_commit(f->store, &error) < 0)
		goto fail;
	f->ndirty = 0;
	return;
fail:
	/* The cache is an optimisation: say so and carry on without it. */
	for (i = 0; i < f->ndirty; i++) {
		if ((m = mail_msgmap_get(f->map, mail_msgmap_seq(f->map, f->dirty[i]))) != NULL)
			m->state &= ~MAIL_MSG_DIRTY;
	}
	f->ndirty = 0;
	log_warn("folder %s: cache write failed, cache off: %s", f->name, error);
	free(error);
	f->store = NULL;
}

/* Binary search: VANISHED sets can hold thousands of ranges. */
bool
folder_set_has(const struct imap_seqset *set, uint32_t v)
{
	size_t	lo = 0, hi = set->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v < set->ranges[mid].lo)
			hi = mid;
		else if (v > set->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void
folder_cache_drop(struct mail_folder *f)
{
	x_free(&f->cache);
	f->ncache = f->cache_cap = 0;
}

bool
folder_link_up(const struct mail_folder *f)
{
	enum imap_client_state	st;

	if (f->client == NULL)
		return false;
	st = imap_client_state(f->client);
	return st == IMAP_STATE_AUTHENTICATED || st == IMAP_STATE_SELECTED;
}

int
folder_journal(struct mail_folder *f, enum store_journal_op op,
    const struct imap_seqset *uids, unsigned flags, const char *const *keywords,
    const char *dest, int64_t *seq_r)
{
	const struct mail_msg	*m;
	uint64_t		 modseq = f->highestmodseq;
	uint32_t		 u;
	size_t			 i;
	char			*error = NULL;

	*seq_r = 0;
	if (!f->offline && !f->params.journal)
		return 0;
	if (f->store == NULL) {
		if (!f->offline)
			return 0;
		folder_emit_error(f, ERR_FAILURE, "cannot change %s offline: it "
		    "needs the cache (header_cache)", f->name);
		return -1;
	}
	/* The newest state we know of: a MODSEQ above it on the server is
	 * another client's change (a conflict on replay). */
	for (i = 0; i < uids->count; i++) {
		for (u = uids->ranges[i].lo; ; u++) {
			if ((m = mail_folder_by_uid(f, u)) != NULL && m->modseq > modseq)
				modseq = m->modseq;
			if (u == uids->ranges[i].hi)
				break;
		}
	}
	if (mail_journal_record(f->store, op, f->name, f->uidvalidity, uids, flags,
	    keywords, dest, modseq, seq_r, &error) < 0) {
		folder_emit_error(f, ERR_FAILURE, "cannot record the change: %s", error);
		free(error);
		return -1;
	}
	return 0;
}

void
folder_journal_settle(struct mail_folder *f, int64_t seq, bool known)
{
	/* Unknown (the link died): the next session replays it. */
	if (seq > 0 && known && f->store != NULL)
		mail_journal_forget(f->store, seq);
}

/*
 * The records leave the cache too, and the cached HIGHESTMODSEQ is
 * forgotten: the next open then rebuilds the UID list from the server
 * (which still has these messages until the replay) instead of trusting
 * the cache to mirror it, as a QRESYNC open would.
 */
void
folder_remove_offline(struct mail_folder *f, const struct imap_seqset *uids)
{
	struct store_folder_state	 st;
	uint32_t			 u;
	size_t				 i;
	char				*error = NULL;

	for (i = 0; i < uids->count && !f->dead; i++) {
		for (u = uids->ranges[i].lo; ; u++) {
			if (mail_msgmap_remove_uid(f->map, u) > 0)
				folder_emit_expunged(f, u);
			if (u == uids->ranges[i].hi || f->dead)
				break;
		}
	}
	if (f->store == NULL)
		return;
	if (store_msg_delete(f->store, f->name, uids, &error) < 0 ||
	    store_folder_get(f->store, f->name, &st, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
		return;
	}
	st.highestmodseq = 0;
	if (store_folder_set(f->store, f->name, &st, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
	}
}
