/*
 * The journal of message changes: recording (for the folder model) and
 * replay on a connected session, one entry at a time in the order made,
 * through the same folder model the change would have gone through
 * online. The rules of settling an entry are in mail_journal.h.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/log.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_journal.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

/* An entry copied out of the store, its strings owned. */
struct entry {
	struct store_journal_entry e;
	char			*folder, *uids, *keywords, *dest;
	/* A copy or move is looked for in its destination first (the link
	 * may have died after the server did it): the source messages'
	 * Message-IDs (recorded with the entry, or from the folder), and the
	 * source UIDs found there already. */
	bool			 looked;
	char			**ids;		/* owned, nids of them */
	uint32_t		*id_uids;	/* the source UID of each */
	size_t			 nids;
	struct imap_seqset	 there;
	/* A move whose COPY went through: those in the destination are
	 * only marked and expunged, then rest is moved. */
	struct imap_seqset	 rest;
	const char		*note;		/* static: said when done */
};

struct mail_journal_replay {
	struct imap_client	*client;	/* borrowed */
	struct store		*store;		/* borrowed */
	mail_journal_report_cb	*report;
	mail_journal_done_cb	*done;
	void			*arg;

	struct entry		*entries;	/* owned */
	size_t			 nentries, next;

	struct mail_folder	*folder;	/* owned: where entries[next] runs */
	bool			 opening;
	bool			 open_failed;
	char			*error;		/* owned: the folder's last error */
	enum err_class		 error_class;
	struct imap_seqset	 present;	/* of the running entry */
	struct imap_seqset	 missing;	/* its UIDs that are gone */
	struct imap_seqset	 conflicts;	/* [MODIFIED] of the running entry */
	struct imap_seqset	 touched;	/* changed by this replay in folder */
	bool			 running;	/* an operation is in flight */
	bool			 looking;	/* the folder is a copy's destination */
	bool			 in_advance;
	bool			 finished;
	bool			*freed;		/* set when freed during a callback */
};

struct id_walk;

static int	 note_id(const struct store_msg *, void *);
static void	 note_ids(struct store *, const char *, uint32_t,
		    const struct imap_seqset *, struct buf *);
static int	 collect(const struct store_journal_entry *, void *);
static void	 advance(struct mail_journal_replay *);
static bool	 start_entry(struct mail_journal_replay *, struct entry *);
static void	 open_folder(struct mail_journal_replay *, const char *);
static void	 on_opened(struct mail_folder *, void *);
static void	 on_error(struct mail_folder *, enum err_class, const char *, void *);
static void	 flags_done(struct mail_folder *, int, void *);
static void	 op_done(struct mail_folder *, int, const struct mail_op_result *,
		    void *);
static void	 settle(struct mail_journal_replay *, struct entry *, int);
static void	 report(struct mail_journal_replay *, enum mail_journal_outcome,
		    const struct entry *, const char *, ...) CRISPIN_PRINTF(4, 5);
static void	 finish(struct mail_journal_replay *, int);
static void	 set_text(struct buf *, const struct imap_seqset *);
static bool	 link_up(const struct mail_journal_replay *);
static bool	 look_start(struct mail_journal_replay *, struct entry *);
static void	 look_finish(struct mail_journal_replay *, struct entry *);
static void	 entry_free(struct entry *);
static bool	 flags_pending(struct mail_journal_replay *, const struct entry *);
static void	 parse_ids(struct entry *, const char *);
static bool	 is_move(const struct entry *);
static bool	 split_there(struct mail_journal_replay *, struct entry *);
static void	 finish_marked(struct mail_folder *, int, void *);
static void	 finish_expunged(struct mail_folder *, int,
		    const struct mail_op_result *, void *);
static void	 start_op(struct mail_journal_replay *, struct entry *);

static const struct mail_folder_events events = {
	.opened = on_opened,
	.error = on_error,
};

/* The cached Message-IDs of the UIDs being collected by note_id. */
struct id_walk {
	const struct imap_seqset *uids;
	uint32_t		 max;
	struct buf		*out;
};

static int
note_id(const struct store_msg *m, void *arg)
{
	struct id_walk	*w = arg;

	if (m->uid > w->max)
		return 1;
	/* One per line: a Message-ID with a line break in it is no use. */
	if (m->message_id != NULL && *m->message_id != '\0' &&
	    strpbrk(m->message_id, "\r\n") == NULL &&
	    imap_seqset_contains(w->uids, m->uid))
		buf_printf(w->out, "%u %s\n", m->uid, m->message_id);
	return 0;
}

/*
 * "UID Message-ID" lines of the messages a copy or move takes, from the
 * cache: once the server has moved them (and the link died before it
 * said so) they are gone from the source, and only these tell the replay
 * to look for them in the destination. Empty when the cache lacks them.
 */
static void
note_ids(struct store *st, const char *folder, uint32_t uidvalidity,
    const struct imap_seqset *uids, struct buf *out)
{
	struct store_folder_state	 fs;
	struct imap_seqset		 set;
	struct id_walk			 w;
	char				*error = NULL;
	size_t				 i;

	if (uids->count == 0 || store_folder_get(st, folder, &fs, &error) < 0 ||
	    fs.uidvalidity != uidvalidity) {
		free(error);
		return;
	}
	imap_seqset_init(&set);
	for (i = 0; i < uids->count; i++)
		imap_seqset_add(&set, uids->ranges[i].lo, uids->ranges[i].hi);
	imap_seqset_normalize(&set);
	w.uids = &set;
	w.max = set.ranges[set.count - 1].hi;
	w.out = out;
	if (store_msg_each(st, folder, set.ranges[0].lo, note_id, &w, &error) < 0) {
		log_warn("journal: Message-IDs not noted: %s", error);
		free(error);
		buf_reset(out);
	}
	imap_seqset_free(&set);
}

int
mail_journal_record(struct store *st, enum store_journal_op op, const char *folder,
    uint32_t uidvalidity, const struct imap_seqset *uids, unsigned flags,
    const char *const *keywords, const char *dest, uint64_t modseq, int64_t *seq_r,
    char **error_r)
{
	struct store_journal_entry	 e;
	struct buf			 set = BUF_INIT, kw = BUF_INIT, ids = BUF_INIT;
	size_t				 i;
	int				 r;

	imap_seqset_write(&set, uids);
	for (i = 0; keywords != NULL && keywords[i] != NULL; i++) {
		if (kw.len > 0)
			buf_addc(&kw, ' ');
		buf_adds(&kw, keywords[i]);
	}
	memset(&e, 0, sizeof e);
	e.op = op;
	e.folder = folder;
	e.uidvalidity = uidvalidity;
	e.uids = buf_cstr(&set);
	e.flags = flags;
	e.keywords = kw.len > 0 ? buf_cstr(&kw) : NULL;
	e.dest = dest;
	e.modseq = modseq;
	if (dest != NULL && (op == STORE_JOURNAL_COPY || op == STORE_JOURNAL_MOVE ||
	    op == STORE_JOURNAL_DELETE))
		note_ids(st, folder, uidvalidity, uids, &ids);
	e.ids = ids.len > 0 ? buf_cstr(&ids) : NULL;
	r = store_journal_add(st, &e, seq_r, error_r);
	buf_free(&set);
	buf_free(&kw);
	buf_free(&ids);
	/* For the tests of crash safety: die between the journal and the
	 * server, as a kill -9 or a power cut could. */
	if (r == 0 && getenv("CRISPIN_TEST_KILL_AFTER_JOURNAL") != NULL)
		raise(SIGKILL);
	return r;
}

void
mail_journal_forget(struct store *st, int64_t seq)
{
	char	*error = NULL;

	if (store_journal_remove(st, seq, &error) < 0) {
		log_warn("journal: %s", error);
		free(error);
	}
}

void
mail_journal_describe(struct buf *b, const struct store_journal_entry *e)
{
	const char	*what = strpbrk(e->uids, ",:") != NULL ? "UIDs" : "UID";
	unsigned	 bit;
	char		 sign;

	switch (e->op) {
	case STORE_JOURNAL_FLAGS_ADD:
	case STORE_JOURNAL_FLAGS_REMOVE:
		sign = e->op == STORE_JOURNAL_FLAGS_ADD ? '+' : '-';
		buf_adds(b, "flag");
		for (bit = IMAP_FLAG_SEEN; bit <= IMAP_FLAG_DRAFT; bit <<= 1) {
			if (e->flags & bit)
				buf_printf(b, " %c%s", sign, mail_flag_name(bit));
		}
		if (e->keywords != NULL) {
			const char *k, *sp;

			for (k = e->keywords; *k != '\0'; k = sp + strspn(sp, " ")) {
				sp = k + strcspn(k, " ");
				buf_printf(b, " %c%.*s", sign, (int)(sp - k), k);
			}
		}
		buf_printf(b, " on %s %s of %s", what, e->uids, e->folder);
		break;
	case STORE_JOURNAL_COPY:
	case STORE_JOURNAL_MOVE:
		buf_printf(b, "%s %s %s of %s to %s", e->op == STORE_JOURNAL_COPY ?
		    "copy" : "move", what, e->uids, e->folder,
		    e->dest != NULL ? e->dest : "?");
		break;
	case STORE_JOURNAL_DELETE:
		buf_printf(b, "delete %s %s of %s", what, e->uids, e->folder);
		if (e->dest != NULL)
			buf_printf(b, " (to %s)", e->dest);
		break;
	case STORE_JOURNAL_EXPUNGE:
		buf_printf(b, "expunge %s %s of %s", what, e->uids, e->folder);
		break;
	}
}

static int
collect(const struct store_journal_entry *e, void *arg)
{
	struct mail_journal_replay	*rp = arg;
	struct entry			*n;

	rp->entries = xreallocarray(rp->entries, rp->nentries + 1, sizeof *rp->entries);
	n = &rp->entries[rp->nentries++];
	n->e = *e;
	n->folder = xstrdup(e->folder);
	n->uids = xstrdup(e->uids);
	n->keywords = e->keywords != NULL ? xstrdup(e->keywords) : NULL;
	n->dest = e->dest != NULL ? xstrdup(e->dest) : NULL;
	n->e.folder = n->folder;
	n->e.uids = n->uids;
	n->e.keywords = n->keywords;
	n->e.dest = n->dest;
	n->looked = false;
	n->ids = NULL;
	n->id_uids = NULL;
	n->nids = 0;
	n->note = NULL;
	imap_seqset_init(&n->there);
	imap_seqset_init(&n->rest);
	if (e->ids != NULL)
		parse_ids(n, e->ids);
	n->e.ids = NULL;
	return 0;
}

/* The "UID Message-ID" lines recorded with the entry. */
static void
parse_ids(struct entry *en, const char *text)
{
	const char	*p, *eol, *sp;
	uint64_t	 uid;

	for (p = text; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		sp = memchr(p, ' ', (size_t)(eol - p));
		if (sp == NULL || sp + 1 == eol ||
		    str_to_u64(p, (size_t)(sp - p), UINT32_MAX, &uid) < 0 || uid == 0)
			continue;
		en->ids = xreallocarray(en->ids, en->nids + 1, sizeof *en->ids);
		en->id_uids = xreallocarray(en->id_uids, en->nids + 1,
		    sizeof *en->id_uids);
		en->ids[en->nids] = xstrndup(sp + 1, (size_t)(eol - sp - 1));
		en->id_uids[en->nids++] = (uint32_t)uid;
	}
}

/* A move, or a delete that moves to the trash. */
static bool
is_move(const struct entry *en)
{
	return en->e.dest != NULL && (en->e.op == STORE_JOURNAL_MOVE ||
	    en->e.op == STORE_JOURNAL_DELETE);
}

static void
entry_free(struct entry *en)
{
	size_t	i;

	free(en->folder);
	free(en->uids);
	free(en->keywords);
	free(en->dest);
	for (i = 0; i < en->nids; i++)
		free(en->ids[i]);
	free(en->ids);
	free(en->id_uids);
	imap_seqset_free(&en->there);
	imap_seqset_free(&en->rest);
}

struct mail_journal_replay *
mail_journal_replay(struct imap_client *c, struct store *st,
    mail_journal_report_cb *rep, mail_journal_done_cb *done, void *arg)
{
	struct mail_journal_replay	*rp = xcalloc(1, sizeof *rp);
	char				*error = NULL;

	rp->client = c;
	rp->store = st;
	rp->report = rep;
	rp->done = done;
	rp->arg = arg;
	imap_seqset_init(&rp->present);
	imap_seqset_init(&rp->missing);
	imap_seqset_init(&rp->conflicts);
	imap_seqset_init(&rp->touched);
	/* A snapshot: entries added meanwhile (by this very session) are
	 * not this replay's business. */
	if (store_journal_each(st, collect, rp, &error) < 0) {
		log_warn("journal: %s", error);
		free(error);
		finish(rp, -1);
		return rp;
	}
	if (rp->nentries > 0)
		log_info("journal: replaying %zu changes", rp->nentries);
	advance(rp);
	return rp;
}

bool
mail_journal_untagged(struct mail_journal_replay *rp, const struct imap_response *r)
{
	return rp->folder != NULL && mail_folder_untagged(rp->folder, r);
}

void
mail_journal_replay_free(struct mail_journal_replay **rpp)
{
	struct mail_journal_replay	*rp = *rpp;
	size_t				 i;

	if (rp == NULL)
		return;
	*rpp = NULL;
	if (rp->freed != NULL)
		*rp->freed = true;
	mail_folder_free(&rp->folder);
	for (i = 0; i < rp->nentries; i++)
		entry_free(&rp->entries[i]);
	free(rp->entries);
	free(rp->error);
	imap_seqset_free(&rp->present);
	imap_seqset_free(&rp->missing);
	imap_seqset_free(&rp->conflicts);
	imap_seqset_free(&rp->touched);
	free(rp);
}

static void
finish(struct mail_journal_replay *rp, int status)
{
	if (rp->finished)
		return;
	rp->finished = true;
	if (rp->done != NULL)
		rp->done(status, rp->arg);
}

/* Runs entries until one waits for the server; a loop, not recursion,
 * since entries that need nothing (dropped) settle at once. */
static void
advance(struct mail_journal_replay *rp)
{
	struct entry	*en;
	bool		 freed = false;

	if (rp->in_advance)
		return;
	rp->in_advance = true;
	rp->freed = &freed;
	while (!rp->finished && !rp->running && !rp->opening) {
		if (rp->next == rp->nentries) {
			finish(rp, 0);
			if (freed)
				return;
			break;
		}
		en = &rp->entries[rp->next];
		if (rp->looking) {
			look_finish(rp, en);
			continue;
		}
		if (rp->folder == NULL || rp->open_failed ||
		    strcmp(mail_folder_name(rp->folder), en->e.folder) != 0) {
			open_folder(rp, en->e.folder);
			if (freed)
				return;
			continue;
		}
		rp->error_class = ERR_FAILURE;
		if (!start_entry(rp, en))
			rp->next++;
		if (freed)
			return;
	}
	rp->freed = NULL;
	rp->in_advance = false;
}

static void
open_folder(struct mail_journal_replay *rp, const char *name)
{
	struct mail_folder_params	p;
	struct entry			*en;

	if (rp->folder != NULL && rp->open_failed &&
	    strcmp(mail_folder_name(rp->folder), name) == 0) {
		/* The folder could not be opened: its entries go. */
		en = &rp->entries[rp->next];
		report(rp, MAIL_JOURNAL_DROPPED, en, "%s", rp->error != NULL ?
		    rp->error : "the folder cannot be opened");
		mail_journal_forget(rp->store, en->e.seq);
		rp->next++;
		return;
	}
	mail_folder_free(&rp->folder);
	imap_seqset_free(&rp->touched);
	imap_seqset_init(&rp->touched);
	x_free(&rp->error);
	rp->open_failed = false;
	memset(&p, 0, sizeof p);
	p.use_cache = true;
	rp->folder = mail_folder_new(rp->client, rp->store, name, &p);
	mail_folder_subscribe(rp->folder, &events, rp);
	rp->opening = true;
	mail_folder_open(rp->folder);
}

static void
on_opened(struct mail_folder *f, void *arg)
{
	struct mail_journal_replay	*rp = arg;

	if (!rp->opening)
		return;
	rp->opening = false;
	advance(rp);
}

static void
on_error(struct mail_folder *f, enum err_class cls, const char *msg, void *arg)
{
	struct mail_journal_replay	*rp = arg;

	free(rp->error);
	rp->error = xstrdup(msg);
	rp->error_class = cls;
	if (!rp->opening)
		return;		/* an operation's: its done callback follows */
	rp->opening = false;
	if (cls == ERR_FAILURE && link_up(rp)) {
		/* The server refused the folder (deleted, renamed): settled. */
		rp->open_failed = true;
		advance(rp);
		return;
	}
	finish(rp, -1);
}

/* Starts the operation of en; false when en settled at once. */
static bool
start_entry(struct mail_journal_replay *rp, struct entry *en)
{
	struct mail_folder	*f = rp->folder;
	struct imap_seqset	 asked;
	size_t			 i;
	uint32_t		 u;

	imap_seqset_init(&asked);
	imap_seqset_free(&rp->present);
	imap_seqset_init(&rp->present);
	imap_seqset_free(&rp->missing);
	imap_seqset_init(&rp->missing);
	imap_seqset_free(&rp->conflicts);
	imap_seqset_init(&rp->conflicts);
	if (mail_folder_uidvalidity(f) != en->e.uidvalidity) {
		report(rp, MAIL_JOURNAL_DROPPED, en, "folder %s was recreated on the "
		    "server (UIDVALIDITY changed), so these UIDs name other messages",
		    en->e.folder);
		mail_journal_forget(rp->store, en->e.seq);
		return false;
	}
	if (imap_seqset_parse(&asked, en->e.uids) < 0) {
		report(rp, MAIL_JOURNAL_DROPPED, en, "the entry is unreadable");
		mail_journal_forget(rp->store, en->e.seq);
		imap_seqset_free(&asked);
		return false;
	}
	imap_seqset_normalize(&asked);
	for (i = 0; i < asked.count; i++) {
		for (u = asked.ranges[i].lo; ; u++) {
			if (mail_folder_by_uid(f, u) != NULL)
				imap_seqset_add(&rp->present, u, u);
			else
				imap_seqset_add(&rp->missing, u, u);
			if (u == asked.ranges[i].hi)
				break;
		}
	}
	imap_seqset_free(&asked);
	imap_seqset_normalize(&rp->present);
	imap_seqset_normalize(&rp->missing);
	if ((en->e.op == STORE_JOURNAL_COPY || is_move(en)) && en->e.dest != NULL &&
	    !en->looked && (rp->present.count > 0 || en->nids > 0) &&
	    look_start(rp, en))
		return true;
	if ((en->e.op == STORE_JOURNAL_FLAGS_ADD || en->e.op == STORE_JOURNAL_FLAGS_REMOVE) &&
	    !flags_pending(rp, en)) {
		/* The server has them so already: the STORE went through
		 * before the link died (or another client did the same). */
		report(rp, MAIL_JOURNAL_DONE, en, "already so on the server");
		mail_journal_forget(rp->store, en->e.seq);
		return false;
	}
	if (en->there.count > 0 && is_move(en))
		return split_there(rp, en);
	if (en->there.count > 0) {
		/* Copied already, before the link died: not again. */
		imap_seqset_init(&asked);
		for (i = 0; i < rp->present.count; i++) {
			for (u = rp->present.ranges[i].lo; ; u++) {
				if (!imap_seqset_contains(&en->there, u))
					imap_seqset_add(&asked, u, u);
				if (u == rp->present.ranges[i].hi)
					break;
			}
		}
		imap_seqset_normalize(&asked);
		imap_seqset_free(&rp->present);
		rp->present = asked;
		if (rp->present.count == 0) {
			report(rp, MAIL_JOURNAL_DONE, en, "already in %s: not copied "
			    "again", en->e.dest);
			mail_journal_forget(rp->store, en->e.seq);
			return false;
		}
	}
	if (rp->present.count == 0 && en->e.op == STORE_JOURNAL_EXPUNGE) {
		report(rp, MAIL_JOURNAL_DONE, en, "expunged already");
		mail_journal_forget(rp->store, en->e.seq);
		return false;
	}
	if (rp->present.count == 0) {
		report(rp, MAIL_JOURNAL_DROPPED, en, "%s no longer in %s%s",
		    strpbrk(en->e.uids, ",:") != NULL ? "the messages are" :
		    "the message is", en->e.folder,
		    en->e.op == STORE_JOURNAL_MOVE || en->e.op == STORE_JOURNAL_DELETE ?
		    " (expunged, or moved already): nothing to do" :
		    " (expunged by another client)");
		mail_journal_forget(rp->store, en->e.seq);
		return false;
	}
	start_op(rp, en);
	return true;
}

/* The entry's own operation on present. */
static void
start_op(struct mail_journal_replay *rp, struct entry *en)
{
	struct mail_folder	*f = rp->folder;
	const char		*kw[64];
	char			*kwcopy = NULL, *w, *save = NULL;
	size_t			 nkw = 0;

	rp->running = true;
	switch (en->e.op) {
	case STORE_JOURNAL_FLAGS_ADD:
	case STORE_JOURNAL_FLAGS_REMOVE:
		if (en->e.keywords != NULL) {
			kwcopy = xstrdup(en->e.keywords);
			for (w = strtok_r(kwcopy, " ", &save); w != NULL && nkw < 63;
			    w = strtok_r(NULL, " ", &save))
				kw[nkw++] = w;
		}
		kw[nkw] = NULL;
		mail_folder_store_flags_since(f, &rp->present,
		    en->e.op == STORE_JOURNAL_FLAGS_ADD, en->e.flags, kw,
		    en->e.modseq, &rp->conflicts, flags_done, rp);
		free(kwcopy);
		break;
	case STORE_JOURNAL_COPY:
		mail_folder_copy(f, &rp->present, en->e.dest, op_done, rp);
		break;
	case STORE_JOURNAL_MOVE:
		mail_folder_move(f, &rp->present, en->e.dest, op_done, rp);
		break;
	case STORE_JOURNAL_DELETE:
		mail_folder_delete(f, &rp->present, en->e.dest, op_done, rp);
		break;
	case STORE_JOURNAL_EXPUNGE:
		/* Never a plain EXPUNGE: others' \Deleted messages stay. */
		mail_folder_expunge(f, &rp->present, op_done, rp);
		break;
	}
}

/*
 * A move some of whose messages are in the destination already: the
 * server did the COPY (or all of it) before the link died. Those still in
 * the source are only marked and expunged, the others moved; a move whose
 * messages are all gone from the source and found in the destination is
 * done. False when the entry settled at once.
 */
static bool
split_there(struct mail_journal_replay *rp, struct entry *en)
{
	struct imap_seqset	 there;
	size_t			 i;
	uint32_t		 u;

	imap_seqset_init(&there);
	imap_seqset_free(&en->rest);
	imap_seqset_init(&en->rest);
	for (i = 0; i < rp->present.count; i++) {
		for (u = rp->present.ranges[i].lo; ; u++) {
			imap_seqset_add(imap_seqset_contains(&en->there, u) ? &there :
			    &en->rest, u, u);
			if (u == rp->present.ranges[i].hi)
				break;
		}
	}
	imap_seqset_normalize(&there);
	imap_seqset_normalize(&en->rest);
	if (there.count == 0 && en->rest.count == 0) {
		imap_seqset_free(&there);
		report(rp, MAIL_JOURNAL_DONE, en, "already in %s: the server moved "
		    "%s before the link died", en->e.dest,
		    strpbrk(en->e.uids, ",:") != NULL ? "them" : "it");
		mail_journal_forget(rp->store, en->e.seq);
		return false;
	}
	imap_seqset_free(&rp->present);
	if (there.count == 0) {
		/* Only the ones not copied yet: moved as made. */
		rp->present = en->rest;
		imap_seqset_init(&en->rest);
		imap_seqset_free(&there);
		start_op(rp, en);
		return true;
	}
	rp->present = there;
	en->note = "copied already before the link died: not copied again";
	rp->running = true;
	mail_folder_store_flags(rp->folder, &rp->present, true, IMAP_FLAG_DELETED,
	    NULL, finish_marked, rp);
	return true;
}

static void
finish_marked(struct mail_folder *f, int status, void *arg)
{
	struct mail_journal_replay	*rp = arg;

	if (status < 0) {
		settle(rp, &rp->entries[rp->next], status);
		return;
	}
	/* Without UIDPLUS nothing can be expunged alone: left marked, as a
	 * move there leaves them. */
	if (!imap_client_has_cap(rp->client, "UIDPLUS")) {
		rp->entries[rp->next].note = "copied already before the link died; "
		    "left marked \\Deleted in the source (the server cannot expunge "
		    "only these)";
		finish_expunged(f, 0, NULL, rp);
		return;
	}
	mail_folder_expunge(f, &rp->present, finish_expunged, rp);
}

static void
finish_expunged(struct mail_folder *f, int status, const struct mail_op_result *res,
    void *arg)
{
	struct mail_journal_replay	*rp = arg;
	struct entry			*en = &rp->entries[rp->next];

	if (status < 0 || en->rest.count == 0) {
		settle(rp, en, status);
		return;
	}
	imap_seqset_free(&rp->present);
	rp->present = en->rest;
	imap_seqset_init(&en->rest);
	start_op(rp, en);
}

static void
flags_done(struct mail_folder *f, int status, void *arg)
{
	struct mail_journal_replay	*rp = arg;

	settle(rp, &rp->entries[rp->next], status);
}

static void
op_done(struct mail_folder *f, int status, const struct mail_op_result *res, void *arg)
{
	struct mail_journal_replay	*rp = arg;

	settle(rp, &rp->entries[rp->next], status);
}

/* The operation of en answered (or the link died under it). */
static void
settle(struct mail_journal_replay *rp, struct entry *en, int status)
{
	struct imap_seqset	 theirs;
	struct buf		 b = BUF_INIT;
	char			*missing = NULL;
	size_t			 i;
	uint32_t		 u;

	rp->running = false;
	if (status < 0 && (rp->error_class != ERR_FAILURE || !link_up(rp))) {
		/* Outcome unknown: kept for the next session. */
		finish(rp, -1);
		return;
	}
	mail_journal_forget(rp->store, en->e.seq);
	rp->next++;
	if (status < 0) {
		report(rp, MAIL_JOURNAL_REFUSED, en, "%s", rp->error != NULL ?
		    rp->error : "the server refused it");
	} else {
		/* Our own earlier entries bump MODSEQs too: not a conflict. */
		imap_seqset_init(&theirs);
		imap_seqset_normalize(&rp->conflicts);
		for (i = 0; i < rp->conflicts.count; i++) {
			for (u = rp->conflicts.ranges[i].lo; ; u++) {
				if (!imap_seqset_contains(&rp->touched, u))
					imap_seqset_add(&theirs, u, u);
				if (u == rp->conflicts.ranges[i].hi)
					break;
			}
		}
		imap_seqset_normalize(&theirs);
		if (rp->missing.count > 0) {
			set_text(&b, &rp->missing);
			buf_adds(&b, " gone meanwhile");
			missing = xstrdup(buf_cstr(&b));
		}
		if (theirs.count > 0) {
			set_text(&b, &theirs);
			report(rp, MAIL_JOURNAL_CONFLICT, en, "another client changed the "
			    "flags of UID %s meanwhile; kept its changes and applied this "
			    "one on top%s%s", buf_cstr(&b), missing != NULL ? "; UID " : "",
			    missing != NULL ? missing : "");
		} else if (missing != NULL)
			report(rp, MAIL_JOURNAL_DONE, en, "UID %s%s%s", missing,
			    en->note != NULL ? "; " : "", en->note != NULL ? en->note : "");
		else if (en->note != NULL)
			report(rp, MAIL_JOURNAL_DONE, en, "%s", en->note);
		else
			report(rp, MAIL_JOURNAL_DONE, en, NULL);
		free(missing);
		imap_seqset_free(&theirs);
		for (i = 0; i < rp->present.count; i++)
			imap_seqset_add(&rp->touched, rp->present.ranges[i].lo,
			    rp->present.ranges[i].hi);
		imap_seqset_normalize(&rp->touched);
	}
	buf_free(&b);
	x_free(&rp->error);
	advance(rp);
}

/* Leaves in present the messages whose flags (as the resync found them)
 * do not show the change yet; false when none is left. */
static bool
flags_pending(struct mail_journal_replay *rp, const struct entry *en)
{
	const struct mail_msg	*m;
	struct imap_seqset	 left;
	bool			 add = en->e.op == STORE_JOURNAL_FLAGS_ADD, done;
	const char		*k, *sp;
	char			*kw;
	size_t			 i;
	uint32_t		 u;

	imap_seqset_init(&left);
	for (i = 0; i < rp->present.count; i++) {
		for (u = rp->present.ranges[i].lo; ; u++) {
			m = mail_folder_by_uid(rp->folder, u);
			done = m != NULL && (m->state & MAIL_MSG_FLAGS) &&
			    (add ? (m->flags & en->e.flags) == en->e.flags :
			    (m->flags & en->e.flags) == 0);
			for (k = en->e.keywords; done && k != NULL && *k != '\0';
			    k = sp + strspn(sp, " ")) {
				sp = k + strcspn(k, " ");
				kw = xstrndup(k, (size_t)(sp - k));
				if (mail_keywords_has(m->keywords, kw) != add)
					done = false;
				free(kw);
			}
			/* Done means changed by us (before the link died): a
			 * later entry's MODSEQ conflict there is ours too. */
			if (!done)
				imap_seqset_add(&left, u, u);
			else
				imap_seqset_add(&rp->touched, u, u);
			if (u == rp->present.ranges[i].hi)
				break;
		}
	}
	imap_seqset_normalize(&left);
	imap_seqset_normalize(&rp->touched);
	imap_seqset_free(&rp->present);
	rp->present = left;
	return rp->present.count > 0;
}

/* Notes the Message-IDs of the copy's messages and opens its
 * destination to look for them there (advance calls look_finish); false
 * when there is nothing to look for. */
static bool
look_start(struct mail_journal_replay *rp, struct entry *en)
{
	const struct mail_msg	*m;
	size_t			 i;
	uint32_t		 u;

	en->looked = true;
	/* Recorded with the entry: also those the server moved already. */
	for (i = 0; en->nids == 0 && i < rp->present.count; i++) {
		for (u = rp->present.ranges[i].lo; ; u++) {
			m = mail_folder_by_uid(rp->folder, u);
			if (m != NULL && m->message_id != NULL) {
				en->ids = xreallocarray(en->ids, en->nids + 1,
				    sizeof *en->ids);
				en->id_uids = xreallocarray(en->id_uids, en->nids + 1,
				    sizeof *en->id_uids);
				en->ids[en->nids] = xstrdup(m->message_id);
				en->id_uids[en->nids++] = u;
			}
			if (u == rp->present.ranges[i].hi)
				break;
		}
	}
	if (en->nids == 0)
		return false;
	rp->looking = true;
	open_folder(rp, en->e.dest);
	return true;
}

/* The destination is open (or could not be): which are there already. */
static void
look_finish(struct mail_journal_replay *rp, struct entry *en)
{
	const struct mail_msg	*m;
	uint32_t		 seq, n;
	size_t			 i;

	rp->looking = false;
	if (rp->open_failed) {
		/* The copy itself will say what is wrong with it. */
		rp->open_failed = false;
		return;
	}
	n = mail_folder_count(rp->folder);
	for (seq = 1; seq <= n; seq++) {
		m = mail_folder_msg(rp->folder, seq);
		if (m == NULL || m->message_id == NULL)
			continue;
		for (i = 0; i < en->nids; i++) {
			if (strcmp(m->message_id, en->ids[i]) == 0)
				imap_seqset_add(&en->there, en->id_uids[i], en->id_uids[i]);
		}
	}
	imap_seqset_normalize(&en->there);
}

/* A failure now is the server's answer, not a lost link. */
static bool
link_up(const struct mail_journal_replay *rp)
{
	enum imap_client_state	st = imap_client_state(rp->client);

	return st == IMAP_STATE_AUTHENTICATED || st == IMAP_STATE_SELECTED;
}

static void
set_text(struct buf *b, const struct imap_seqset *set)
{
	buf_reset(b);
	imap_seqset_write(b, set);
}

static void
report(struct mail_journal_replay *rp, enum mail_journal_outcome o,
    const struct entry *en, const char *fmt, ...)
{
	struct buf	 b = BUF_INIT;
	va_list		 ap;
	char		*why = NULL;

	if (fmt != NULL) {
		va_start(ap, fmt);
		why = xvasprintf(fmt, ap);
		va_end(ap);
	}
	mail_journal_describe(&b, &en->e);
	if (why != NULL)
		buf_printf(&b, ": %s", why);
	log_info("journal: %s", buf_cstr(&b));
	if (rp->report != NULL)
		rp->report(o, buf_cstr(&b), rp->arg);
	buf_free(&b);
	free(why);
}
