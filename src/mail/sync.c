/*
 * Opening a folder and keeping the cache in step. Cold: SELECT, then the
 * index fields of every message, newest first: a small first page, whose
 * answer comes alone so a screen can be drawn at once, then pipelined
 * batches; when the index sorts by something else and the server offers
 * SORT or THREAD, UID SORT or UID THREAD first, and the first screen of
 * that order before the rest.
 * Warm: the cached records plus a resync that costs what changed: QRESYNC
 * SELECT, or CONDSTORE CHANGEDSINCE plus UID SEARCH, or a flags refresh
 * plus UID SEARCH. Whatever the path, the map is checked against the
 * server, and a contradiction rebuilds it from UID SEARCH rather than
 * guess.
 *
 * A complete cache goes into the map before the SELECT is even sent, so
 * the index is drawn from it at once and the resync updates it in place.
 * While headers are being fetched the cache is marked partial (UIDNEXT 0
 * in its state): an open cut short keeps what arrived, and the next one
 * lists the server's UIDs and fetches only those the cache lacks (in the
 * server's order when it is asked for, as for a cold open: its answer
 * lists the UIDs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "folder_p.h"

#define INDEX_ITEMS "UID FLAGS INTERNALDATE RFC822.SIZE%s%s BODY.PEEK[HEADER.FIELDS " \
	"(DATE FROM TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES)]"
#define MAX_FILL_ROUNDS	5

/* Cached records going into the map. */
struct attach {
	struct mail_folder	*f;
	struct imap_seqset	 gone;	/* cached, not on the server */
	uint32_t		 last;	/* the slot of the last record */
	size_t			 budget;	/* records left; SIZE_MAX: all */
	uint32_t		 stopped_at;	/* the UID the budget ran out at */
};
/* Cached records attached in one turn of the loop (a few milliseconds):
 * a big folder's rest must not hold up keys, nor a login on its way. */
#define ATTACH_SLICE	4096
/* Header batches in flight at once during an open: enough to keep a
 * slow link busy, few enough that mail_folder_stop_fill stops soon. */
#define FILL_DEPTH	4
/* The early first page costs the server a sort of the whole folder
 * (Dovecot: about 0.4 ms per 1000 messages) to save one round trip:
 * worth it on a link slower than a LAN. */
#define EARLY_PAGE_MIN_RTT_MS	10

static int load_cache(struct mail_folder *);
static int attach_cb(const struct store_msg *, void *);
static void select_done(struct imap_client *, const struct imap_response *, void *);
static void assign_uids(struct mail_folder *, const uint32_t *, size_t);
static bool attach_cached(struct mail_folder *, uint32_t, size_t);
static void send_search(struct mail_folder *);
static void on_search(struct imap_client *, const struct imap_response *, void *);
static int uid_cmp(const void *, const void *);
static void search_done(struct imap_client *, const struct imap_response *, void *);
static void send_flags_refresh(struct mail_folder *, uint32_t);
static void sync_cmd_done(struct imap_client *, const struct imap_response *, void *);
static void sync_step_done(struct mail_folder *);
static void finish_open(struct mail_folder *);
static uint32_t cache_max_uid(const struct mail_folder *);
static void fail_open(struct mail_folder *, enum err_class, const char *);
static void finish_offline(struct mail_folder *);
static bool attach_soon(struct mail_folder *);
static void rest_due(void *);
static bool cache_partial(const struct store_folder_state *);
static void preload(struct mail_folder *);
static void send_select(struct mail_folder *, bool, const struct imap_seqset *);
static void add_ascending(struct imap_seqset *, uint32_t);
static void after_preload(struct mail_folder *);
static void unload(struct mail_folder *);
static uint64_t resume_modseq(const struct mail_folder *);
static void mark_partial(struct mail_folder *);
static bool fill_complete(const struct mail_folder *);
static void apply_uid_list(struct mail_folder *, uint32_t *, size_t);
static bool send_order(struct mail_folder *);
static void on_order(struct imap_client *, const struct imap_response *, void *);
static void set_order(struct mail_folder *, uint32_t *, uint32_t *, size_t);
static void order_done(struct imap_client *, const struct imap_response *, void *);
static unsigned send_first_screen(struct mail_folder *);
static bool can_send_early_page(struct mail_folder *);
static bool early_by_arrival(struct mail_folder *);
static void send_early_page(struct mail_folder *);
static void early_sort_done(struct imap_client *, const struct imap_response *, void *);
static void early_page_done(struct imap_client *, const struct imap_response *, void *);
static void order_criteria(struct mail_folder *, struct buf *);
static void first_done(struct imap_client *, const struct imap_response *, void *);
static void add_index_fetch(struct mail_folder *, struct imap_cmd *, const char *,
	    const char *);

/* Reads which UIDs the cache has (the records are read when they can be
 * attached, so they are never held twice); a cache without any state is
 * cleared (records written before the folder's UIDVALIDITY was known).
 * A partial cache is kept: its records are sound, only not all there. */
static int
load_cache(struct mail_folder *f)
{
	struct imap_seqset	 set;
	uint64_t		 total;
	uint32_t		 u;
	size_t			 i;
	char			*error = NULL;

	memset(&f->cached, 0, sizeof f->cached);
	if (f->store == NULL)
		return 0;
	imap_seqset_init(&set);
	if (store_folder_get(f->store, f->name, &f->cached, &error) < 0)
		goto fail;
	if (f->cached.uidvalidity == 0) {
		if (store_folder_clear(f->store, f->name, &error) < 0)
			goto fail;
		return 0;
	}
	if (store_msg_uids(f->store, f->name, &set, &error) < 0)
		goto fail;
	imap_seqset_normalize(&set);
	total = imap_seqset_count(&set, UINT32_MAX);
	if (total > MAIL_FOLDER_MAX_MESSAGES || (set.count > 0 &&
	    set.ranges[set.count - 1].hi == UINT32_MAX)) {
		error = xstrdup("the cache lists impossible UIDs");
		goto fail;
	}
	f->cache = xreallocarray(NULL, total + 1, sizeof *f->cache);
	f->cache_cap = total + 1;
	for (i = 0; i < set.count; i++) {
		for (u = set.ranges[i].lo; ; u++) {
			if (u != 0)
				f->cache[f->ncache++] = u;
			if (u == set.ranges[i].hi)
				break;
		}
	}
	imap_seqset_free(&set);
	/* Tests count these: a folder resynced in place is read once. */
	log_debug("folder %s: cache read, %zu UIDs", f->name, f->ncache);
	return 0;
fail:
	log_warn("folder %s: cache unusable, going without: %s", f->name, error);
	free(error);
	imap_seqset_free(&set);
	folder_cache_drop(f);
	memset(&f->cached, 0, sizeof f->cached);
	f->store = NULL;
	return -1;
}

static uint32_t
cache_max_uid(const struct mail_folder *f)
{
	return f->ncache > 0 ? f->cache[f->ncache - 1] : 0;
}

/* UIDNEXT 0 with a UIDVALIDITY: an open that did not finish. */
static bool
cache_partial(const struct store_folder_state *st)
{
	return st->uidvalidity != 0 && st->uidnext == 0;
}

/* The MODSEQ from which a resync of the cache as it is now is safe: the
 * older of the last complete sync and this SELECT. */
static uint64_t
resume_modseq(const struct mail_folder *f)
{
	uint64_t	base = f->select_modseq;

	if (f->nomodseq || !f->condstore)
		return 0;
	if (f->cached.uidvalidity == f->uidvalidity &&
	    f->cached.highestmodseq != 0 && f->cached.highestmodseq < base)
		base = f->cached.highestmodseq;
	return base;
}

/* Before the first header batch: from now on the cache is only part of
 * the folder until finish_open says otherwise. */
static void
mark_partial(struct mail_folder *f)
{
	struct store_folder_state	 st;
	char				*error = NULL;

	if (f->store == NULL || f->partial_marked || f->offline)
		return;
	f->partial_marked = true;
	st.uidvalidity = f->uidvalidity;
	st.uidnext = 0;
	st.highestmodseq = resume_modseq(f);
	if (store_folder_set(f->store, f->name, &st, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
	}
}

static bool
fill_complete(const struct mail_folder *f)
{
	uint32_t	seq, n = mail_msgmap_count(f->map);

	for (seq = 1; seq <= n; seq++) {
		if (!(mail_msgmap_get(f->map, seq)->state & MAIL_MSG_HEADERS))
			return false;
	}
	return true;
}

/*
 * The cached records, UIDs and all, become the map before the server is
 * asked anything: the cache mirrors the folder as of the last complete
 * open, which is what the index shows until the resync corrects it.
 */
static void
preload(struct mail_folder *f)
{
	if (mail_msgmap_exists(f->map, (uint32_t)f->ncache) < 0)
		return;
	assign_uids(f, f->cache, f->ncache);
	if (f->desync) {
		/* Cannot happen with ascending cached UIDs; start over cold. */
		f->desync = false;
		mail_msgmap_rebuild(f->map, NULL, 0);
		return;
	}
	f->preloaded = true;
	f->progress_total = f->ncache;
	/* The UID list stays: the resync compares against it. */
	if (!attach_soon(f))
		attach_cached(f, 0, SIZE_MAX);
}

/* Ascending UIDs go in as ranges at once: 100 000 of them one range
 * each would cost a megabyte before imap_seqset_normalize. */
static void
add_ascending(struct imap_seqset *set, uint32_t uid)
{
	if (set->count > 0 && set->ranges[set->count - 1].hi + 1 == uid)
		set->ranges[set->count - 1].hi = uid;
	else
		imap_seqset_add(set, uid, uid);
}

/*
 * SELECT or EXAMINE: with QRESYNC, the cached state (f->cached) and
 * known, the UIDs the cache has, when the cache is complete; else
 * CONDSTORE where offered. The caller holds a reference: a SELECT
 * refused at once may end everything.
 */
static void
send_select(struct mail_folder *f, bool partial, const struct imap_seqset *known)
{
	struct imap_cmd		*cmd;
	struct buf		 b = BUF_INIT;
	bool			 qresync, condstore;

	qresync = imap_client_enabled(f->client, "QRESYNC");
	condstore = qresync || imap_client_enabled(f->client, "CONDSTORE") ||
	    imap_client_has_cap(f->client, "CONDSTORE");
	f->state = FOLDER_SELECTING;
	f->mode = SYNC_COLD;

	cmd = folder_cmd_new(f, NULL);
	imap_cmd_add(cmd, "%s ", f->params.readonly ? "EXAMINE" : "SELECT");
	imap_cmd_add_mailbox(cmd, f->name);
	if (qresync && !partial && f->cached.uidvalidity != 0 &&
	    f->cached.highestmodseq != 0) {
		/* Only changes cross the wire: VANISHED (EARLIER) for cached
		 * messages that are gone, FETCH for those whose flags moved. */
		imap_seqset_write(&b, known);
		imap_cmd_add(cmd, " (QRESYNC (%u %llu%s%s))", f->cached.uidvalidity,
		    (unsigned long long)f->cached.highestmodseq, b.len > 0 ? " " : "",
		    buf_cstr(&b));
		buf_free(&b);
		f->mode = SYNC_QRESYNC;
	} else if (condstore)
		imap_cmd_add(cmd, " (CONDSTORE)");
	f->condstore = condstore;
	imap_cmd_submit(cmd, select_done, f);
}

void
mail_folder_open(struct mail_folder *f)
{
	struct imap_seqset	 known;
	bool			 partial;
	size_t			 i;

	if (f->state != FOLDER_NEW)
		return;
	load_cache(f);
	partial = cache_partial(&f->cached);
	imap_seqset_init(&known);
	for (i = 0; i < f->ncache; i++)
		add_ascending(&known, f->cache[i]);
	imap_seqset_normalize(&known);
	/* Sent first, so the screen drawn from the cache costs no time on
	 * the wire. */
	folder_ref(f);
	send_select(f, partial, &known);
	imap_seqset_free(&known);
	/* Never cached: the first page in the same flight as the SELECT. */
	if (f->cached.uidvalidity == 0 && f->state == FOLDER_SELECTING &&
	    !f->dead && can_send_early_page(f))
		send_early_page(f);
	/* Never cached, or partly (an open cut short): the order right
	 * behind the SELECT saves a round trip before the first screen. */
	if ((f->cached.uidvalidity == 0 || partial) &&
	    f->state == FOLDER_SELECTING && !f->dead)
		send_order(f);
	if (!partial && f->ncache > 0 && f->cached.uidvalidity != 0 &&
	    f->state == FOLDER_SELECTING && !f->dead) {
		/* On the wire before the records are read, not after:
		 * reading 100 000 takes longer than a round trip. */
		imap_client_push(f->client);
		preload(f);
	}
	folder_unref(f);
}

/*
 * Offline: the cached UIDs are the whole folder, as of the last open that
 * finished (load_cache clears a cache whose open never did). The cached
 * state stands in for what SELECT would say.
 */
void
mail_folder_open_offline(struct mail_folder *f)
{
	if (f->state != FOLDER_NEW)
		return;
	f->offline = true;
	f->mode = SYNC_COLD;
	if (f->store == NULL) {
		f->state = FOLDER_FAILED;
		folder_emit_error(f, ERR_CONFIG, "cannot open folder %s offline: the "
		    "cache is off (header_cache)", f->name);
		return;
	}
	load_cache(f);
	if (f->store == NULL || f->cached.uidvalidity == 0) {
		f->state = FOLDER_FAILED;
		folder_emit_error(f, ERR_FAILURE, "folder %s is not in the cache; "
		    "run crispin sync -f %s while connected to take it offline",
		    f->name, f->name);
		return;
	}
	f->uidvalidity = f->cached.uidvalidity;
	f->uidnext = f->cached.uidnext;
	f->highestmodseq = f->select_modseq = f->cached.highestmodseq;
	f->state = FOLDER_SYNCING;
	if (mail_msgmap_exists(f->map, (uint32_t)f->ncache) < 0) {
		f->state = FOLDER_FAILED;
		folder_emit_error(f, ERR_FAILURE, "the cache of folder %s cannot be "
		    "read", f->name);
		return;
	}
	f->progress_total = f->ncache;
	assign_uids(f, f->cache, f->ncache);
	folder_ref(f);
	folder_cache_drop(f);
	if (!attach_soon(f)) {
		attach_cached(f, 0, SIZE_MAX);
		finish_offline(f);
	}
	folder_unref(f);
}

static void
finish_offline(struct mail_folder *f)
{
	if (f->dead)
		return;
	f->state = FOLDER_OPEN;
	f->progress_done = f->progress_total = mail_msgmap_count(f->map);
	f->announced = true;
	folder_emit_opened(f);
}

/*
 * The folder drawn from the cache goes online as it stands: its map is
 * what preload() would have made of the cache (the map's UIDs stand in
 * for the cached ones, which are not read again, nor copied: the map is
 * all the resync compares against), so the SELECT and the resync after
 * it are those of a warm open and update it in place.
 */
int
mail_folder_go_online(struct mail_folder *f, struct imap_client *client)
{
	struct store_folder_state	 now;
	struct imap_seqset		 known;
	struct mail_msg			*m;
	uint32_t			 n, seq;
	char				*error = NULL;

	if (!f->offline || f->dead || f->store == NULL || client == NULL ||
	    (f->state != FOLDER_OPEN && f->state != FOLDER_SYNCING))
		return -1;
	/* Every cached record in the map, every offline change written. */
	folder_ref(f);
	sync_attach_rest(f);
	folder_flush(f);
	if (!folder_unref(f) || f->store == NULL)
		return -1;
	if (store_folder_get(f->store, f->name, &now, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
		return -1;
	}
	/* An open cut short is completed by mail_folder_open; a cache
	 * cleared or of another UIDVALIDITY is not the one shown. */
	if (cache_partial(&f->cached) || cache_partial(&now) ||
	    now.uidvalidity != f->cached.uidvalidity)
		return -1;
	n = mail_msgmap_count(f->map);
	imap_seqset_init(&known);
	for (seq = 1; seq <= n; seq++) {
		m = mail_msgmap_get(f->map, seq);
		if (m->uid == 0 || !(m->state & MAIL_MSG_HEADERS)) {
			imap_seqset_free(&known);
			return -1;
		}
		add_ascending(&known, m->uid);
	}
	imap_seqset_normalize(&known);
	folder_cache_drop(f);
	/* The map is the cache as it was read, so is its MODSEQ: a newer
	 * one (the journal replay's own open wrote the cache since) would
	 * hide changes the map lacks. A lower one is the cache saying it
	 * no longer mirrors the server (0: an offline expunge). */
	if (now.highestmodseq < f->cached.highestmodseq)
		f->cached.highestmodseq = now.highestmodseq;
	log_info("folder %s: online, resynced in place (%u messages)", f->name, n);
	f->client = client;
	f->offline = false;
	f->readonly = false;
	f->uidvalidity = f->uidnext = 0;
	f->highestmodseq = f->select_modseq = 0;
	f->nomodseq = false;
	f->announced = false;
	f->desync = false;
	f->have_exists = false;
	f->select_exists = 0;
	f->fill_rounds = 0;
	f->fill_from = 0;
	f->fill_again = false;
	f->partial_marked = false;
	f->progress_done = f->progress_total = n;
	folder_ref(f);
	send_select(f, false, &known);
	imap_seqset_free(&known);
	if (f->state == FOLDER_SELECTING && !f->dead)
		f->preloaded = true;
	folder_unref(f);
	return 0;
}

/*
 * With a loop to come back on: the newest records now, for the first
 * screen, and the others a slice a turn (rest_due), after it is drawn.
 * false when everything is to be attached at once.
 */
static bool
attach_soon(struct mail_folder *f)
{
	struct attach	 at;
	char		*error = NULL;

	if (f->params.loop == NULL || f->store == NULL ||
	    mail_msgmap_count(f->map) <= f->params.first_batch)
		return false;
	memset(&at, 0, sizeof at);
	at.f = f;
	at.budget = SIZE_MAX;
	imap_seqset_init(&at.gone);
	if (store_msg_newest(f->store, f->name, f->params.first_batch, attach_cb,
	    &at, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		free(error);
	}
	imap_seqset_free(&at.gone);
	if (f->dead)
		return true;
	if (f->rest_timer == NULL)
		f->rest_timer = ev_timer_new(f->params.loop, rest_due, f);
	f->rest_pending = true;
	f->rest_from = 0;
	ev_timer_start(f->rest_timer, 0);
	return true;
}

/* A slice of the rest; the loop turns between slices. */
static void
rest_due(void *arg)
{
	struct mail_folder	*f = arg;

	if (f->dead || !f->rest_pending)
		return;
	folder_ref(f);
	if (attach_cached(f, f->rest_from, ATTACH_SLICE))
		f->rest_pending = false;
	else if (!f->dead)
		ev_timer_start(f->rest_timer, 0);
	if (!f->dead && !f->rest_pending && f->offline &&
	    f->state == FOLDER_SYNCING)
		finish_offline(f);
	folder_unref(f);
}

void
sync_attach_rest(struct mail_folder *f)
{
	if (!f->rest_pending)
		return;
	f->rest_pending = false;
	ev_timer_stop(f->rest_timer);
	attach_cached(f, f->rest_from, SIZE_MAX);
}

static void
fail_open(struct mail_folder *f, enum err_class cls, const char *text)
{
	char	*why = str_sanitize(text);

	f->state = FOLDER_FAILED;
	folder_emit_error(f, cls, "cannot open folder %s: %s", f->name, why);
	free(why);
}

static void
select_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;
	char			*error = NULL;

	if (!folder_cmd_finished(f))
		return;
	/* The answer is about the whole cache. */
	sync_attach_rest(f);
	if (f->dead) {
		folder_unref(f);
		return;
	}
	folder_handle_code(f, r);
	if (r->status != IMAP_STATUS_OK) {
		fail_open(f, ERR_FAILURE, r->text);
		folder_unref(f);
		return;
	}
	if (f->uidvalidity == 0) {
		fail_open(f, ERR_PROTOCOL, "the server sent no UIDVALIDITY");
		folder_unref(f);
		return;
	}
	f->state = FOLDER_SYNCING;
	if (f->cached.uidvalidity != 0 && f->cached.uidvalidity != f->uidvalidity) {
		/* Every cached UID now names another message (or none). */
		log_info("folder %s: UIDVALIDITY %u -> %u, cache cleared", f->name,
		    f->cached.uidvalidity, f->uidvalidity);
		if (f->preloaded)
			unload(f);
		if (f->dead) {
			folder_unref(f);
			return;
		}
		folder_cache_drop(f);
		f->mode = SYNC_COLD;
		if (f->store != NULL && store_folder_clear(f->store, f->name, &error) < 0) {
			log_warn("folder %s: %s", f->name, error);
			free(error);
		}
	}
	sync_after_select(f);
	folder_unref(f);
}

/* The preloaded records name other messages now: they leave the index. */
static void
unload(struct mail_folder *f)
{
	uint32_t	*uids, n = mail_msgmap_count(f->map), seq, i = 0;

	f->preloaded = false;
	uids = xreallocarray(NULL, n + 1, sizeof *uids);
	for (seq = 1; seq <= n; seq++) {
		if (mail_msgmap_get(f->map, seq)->uid != 0)
			uids[i++] = mail_msgmap_get(f->map, seq)->uid;
	}
	mail_msgmap_rebuild(f->map, NULL, 0);
	if (f->have_exists)
		mail_msgmap_exists(f->map, f->select_exists);
	for (seq = 0; seq < i && !f->dead; seq++)
		folder_emit_expunged(f, uids[seq]);
	free(uids);
}

/*
 * The SELECT of a preloaded folder answered: VANISHED and FETCH were
 * applied by UID already; the messages past the cached ones are new. A
 * count that does not fit (the cache had messages the server lost
 * without saying) is settled by UID SEARCH.
 */
static void
after_preload(struct mail_folder *f)
{
	uint32_t	have = mail_msgmap_count(f->map);
	uint32_t	n = f->have_exists ? f->select_exists : have;
	/* The cached UIDs, in the map (a folder gone online in place has
	 * no other list of them), end with slot have. */
	uint32_t	max = have > 0 ? mail_msgmap_get(f->map, have)->uid : 0;

	f->preloaded = false;
	f->progress_done = have;
	f->progress_total = n;
	if (have > n)
		f->desync = true;
	else if (mail_msgmap_exists(f->map, n) < 0)
		f->desync = true;
	if (f->mode == SYNC_QRESYNC) {
		folder_cache_drop(f);
		if (f->desync) {
			f->desync = false;
			send_search(f);
			return;
		}
		sync_fill(f);
		return;
	}
	f->desync = false;
	f->mode = f->condstore && f->cached.highestmodseq != 0 && !f->nomodseq ?
	    SYNC_CONDSTORE : SYNC_PLAIN;
	send_search(f);
	send_flags_refresh(f, max);
	folder_cache_drop(f);
}

void
sync_after_select(struct mail_folder *f)
{
	uint32_t	n = mail_msgmap_count(f->map);

	if (f->preloaded) {
		after_preload(f);
		return;
	}
	f->progress_total = n;
	f->progress_done = 0;
	if (f->ncache == 0 && f->mode != SYNC_QRESYNC) {
		f->mode = SYNC_COLD;
		/* The early page's records are on their way to the cache. */
		if (f->first_wait)
			mark_partial(f);
		/* In the index's order: sync_fill follows the answer. */
		if (f->order_asked)
			return;
		if (mail_msgmap_count(f->map) == 0 || !send_order(f))
			sync_fill(f);
		return;
	}
	if (f->mode == SYNC_QRESYNC) {
		/* Cached records minus VANISHED are the first messages; the
		 * rest are new. A cache that does not fit is rebuilt. */
		if (f->ncache > n || f->desync) {
			f->desync = false;
			send_search(f);
			return;
		}
		assign_uids(f, f->cache, f->ncache);
		if (f->desync) {
			f->desync = false;
			send_search(f);
			return;
		}
		attach_cached(f, 0, SIZE_MAX);
		folder_cache_drop(f);
		if (!f->dead)
			sync_fill(f);
		return;
	}
	f->mode = f->condstore && f->cached.highestmodseq != 0 && !f->nomodseq ?
	    SYNC_CONDSTORE : SYNC_PLAIN;
	if (f->order_asked) {
		/* A partial cache in the server's order: the SORT or THREAD
		 * answer lists the UIDs, and the flags of the cached ones are
		 * asked for behind the first page. */
		f->flags_due = cache_max_uid(f);
		return;
	}
	send_search(f);
	send_flags_refresh(f, cache_max_uid(f));
}

/* Slots 1..n get uids[0..n-1]; a slot already known must agree. */
static void
assign_uids(struct mail_folder *f, const uint32_t *uids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (mail_msgmap_set_uid(f->map, (uint32_t)i + 1, uids[i]) < 0) {
			f->desync = true;
			return;
		}
	}
}

static int
attach_cb(const struct store_msg *sm, void *arg)
{
	struct attach		*at = arg;
	struct mail_folder	*f = at->f;
	struct mail_msg		*m;
	const char		*kw;
	uint32_t		 seq;

	if (at->budget == 0) {
		at->stopped_at = sm->uid;
		return 1;
	}
	if (at->budget != SIZE_MAX)
		at->budget--;
	/* Records come in ascending UIDs, like the slots: mostly the next. */
	m = mail_msgmap_get(f->map, at->last + 1);
	seq = m != NULL && m->uid == sm->uid ? at->last + 1 :
	    mail_msgmap_seq(f->map, sm->uid);
	if ((m = mail_msgmap_get(f->map, seq)) == NULL) {
		imap_seqset_add(&at->gone, sm->uid, sm->uid);
		return 0;
	}
	at->last = seq;
	if (m->state & MAIL_MSG_HEADERS)
		return 0;
	kw = mail_intern(f->strings, sm->keywords);
	if (!(m->state & MAIL_MSG_FLAGS)) {
		m->flags = (uint16_t)sm->flags;
		m->keywords = kw;
		m->modseq = sm->modseq;
	} else if (m->flags != sm->flags || m->keywords != kw)
		folder_mark_dirty(f, m);
	m->internaldate = mail_msg_time(sm->internaldate);
	m->date = mail_msg_time(sm->date);
	m->size = mail_msg_size(sm->size);
	m->from = mail_intern(f->strings, sm->from);
	m->to = mail_intern(f->strings, sm->to);
	m->subject = mail_intern(f->strings, sm->subject);
	m->message_id = mail_intern_copy(f->strings, sm->message_id);
	mail_msg_set_ids(m, f->strings, sm->references, sm->in_reply_to);
	m->state |= MAIL_MSG_HEADERS;
	f->progress_done++;
	folder_emit_added(f, m);
	return f->dead ? 1 : 0;
}

/* Cached records fill the slots whose UIDs they have, read straight from
 * the cache from the UID from on, budget of them (SIZE_MAX: all); cached
 * UIDs the server no longer has leave the cache. true when the records
 * ran out (or the cache failed), false when the budget did: then
 * f->rest_from says where to go on. The caller drops the UID list when it
 * is done with it. */
static bool
attach_cached(struct mail_folder *f, uint32_t from, size_t budget)
{
	struct attach	 at;
	char		*error = NULL;
	size_t		 n;

	if (f->store == NULL)
		return true;
	memset(&at, 0, sizeof at);
	at.f = f;
	at.budget = budget;
	imap_seqset_init(&at.gone);
	folder_ref(f);
	/* A record brings a sender, recipients and a subject, most of them
	 * seen before: a third more strings than messages is room enough
	 * (126 000 for 100 000 generated ones), and more grows as before. */
	n = mail_msgmap_count(f->map);
	mail_intern_reserve(f->strings, n + n / 3);
	if (store_msg_each(f->store, f->name, from, attach_cb, &at, &error) < 0) {
		/* What was not attached is fetched from the server. */
		log_warn("folder %s: cache: %s", f->name, error);
		x_free(&error);
	}
	f->rest_from = at.stopped_at;
	if (!f->dead && at.gone.count > 0) {
		imap_seqset_normalize(&at.gone);
		if (store_msg_delete(f->store, f->name, &at.gone, &error) < 0) {
			log_warn("folder %s: cache: %s", f->name, error);
			free(error);
		}
	}
	imap_seqset_free(&at.gone);
	folder_unref(f);
	return at.stopped_at == 0;
}

/* A search claims its results and the changes that may come with a UID
 * command (EXPUNGE, VANISHED); FETCH and EXISTS reach the folder through
 * the general handler (a command claims at most four keywords). */
static void
send_search(struct mail_folder *f)
{
	struct imap_cmd	*cmd = imap_cmd_new(f->client, 0);

	folder_ref(f);
	f->inflight++;
	imap_cmd_on_untagged(cmd, "EXPUNGE", folder_on_untagged);
	imap_cmd_on_untagged(cmd, "VANISHED", folder_on_untagged);
	imap_cmd_on_untagged(cmd, "ESEARCH", on_search);

	if (imap_client_has_cap(f->client, "ESEARCH") ||
	    imap_client_has_cap(f->client, "IMAP4REV2"))
		imap_cmd_add(cmd, "UID SEARCH RETURN (ALL) ALL");
	else
		imap_cmd_add(cmd, "UID SEARCH ALL");
	imap_cmd_on_untagged(cmd, "SEARCH", on_search);
	f->sync_pending++;
	imap_cmd_submit(cmd, search_done, f);
}

/*
 * The result is the truth at this point of the stream: the map becomes
 * exactly it. Records of UIDs we knew stay; known messages it lacks were
 * expunged without our hearing of it.
 */
static void
on_search(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;
	struct imap_esearch	 es;
	uint32_t		*uids, u;
	uint64_t		 total;
	size_t			 count = 0, i;
	char			*error = NULL;

	if (f->dead)
		return;
	if (imap_esearch_parse(r, &es, &error) < 0) {
		log_warn("folder %s: bad SEARCH: %s", f->name, error);
		free(error);
		f->desync = true;
		return;
	}
	imap_seqset_normalize(&es.all);
	total = imap_seqset_count(&es.all, UINT32_MAX);
	if (total > MAIL_FOLDER_MAX_MESSAGES || (es.all.count > 0 &&
	    es.all.ranges[es.all.count - 1].hi == UINT32_MAX)) {
		imap_esearch_free(&es);
		f->desync = true;
		return;
	}
	uids = xreallocarray(NULL, total + 1, sizeof *uids);
	for (i = 0; i < es.all.count; i++) {
		for (u = es.all.ranges[i].lo; ; u++) {
			uids[count++] = u;
			if (u == es.all.ranges[i].hi)
				break;
		}
	}
	imap_esearch_free(&es);
	apply_uid_list(f, uids, count);
	free(uids);
}

/* uids (count, strictly ascending) are every message of the folder at
 * this point of the stream: the map becomes exactly them. */
static void
apply_uid_list(struct mail_folder *f, uint32_t *uids, size_t count)
{
	struct imap_seqset	 gone;
	struct mail_msg		*m;
	uint32_t		 seq;
	size_t			 i;
	char			*error = NULL;

	imap_seqset_init(&gone);
	for (seq = 1; seq <= mail_msgmap_count(f->map); seq++) {
		m = mail_msgmap_get(f->map, seq);
		if (m->uid != 0 && (m->state & MAIL_MSG_HEADERS) &&
		    bsearch(&m->uid, uids, count, sizeof *uids, uid_cmp) == NULL)
			imap_seqset_add(&gone, m->uid, m->uid);
	}
	if (mail_msgmap_rebuild(f->map, uids, (uint32_t)count) < 0)
		f->desync = true;
	else
		f->desync = false;
	/* Records shown from the cache leave it with the message. */
	if (!f->desync && gone.count > 0 && f->store != NULL &&
	    store_msg_delete(f->store, f->name, &gone, &error) < 0) {
		log_warn("folder %s: cache: %s", f->name, error);
		x_free(&error);
	}
	for (i = 0; i < gone.count && !f->dead && !f->desync; i++)
		folder_emit_expunged(f, gone.ranges[i].lo);
	imap_seqset_free(&gone);
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A cold or partly cached open in the index's order: UID SORT or UID
 * THREAD lists every message in that order, so the first screen can be
 * fetched before the rest, and the map gets its UIDs on the way. false when the order was
 * not asked for or the server does not offer it (newest first then).
 */
static bool
send_order(struct mail_folder *f)
{
	struct imap_cmd	*cmd;
	struct buf	 crit = BUF_INIT;
	const char	*s = f->sort_criteria;

	if (f->order_asked)
		return false;
	if (f->params.thread_order) {
		if (!imap_client_has_cap(f->client, "THREAD=REFERENCES"))
			return false;
	} else if (s == NULL || *s == '\0' ||
	    s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ")] != '\0' ||
	    !imap_client_has_cap(f->client, "SORT"))
		return false;
	cmd = imap_cmd_new(f->client, 0);
	folder_ref(f);
	f->inflight++;
	imap_cmd_on_untagged(cmd, "EXPUNGE", folder_on_untagged);
	imap_cmd_on_untagged(cmd, "VANISHED", folder_on_untagged);
	if (f->params.thread_order) {
		imap_cmd_on_untagged(cmd, "THREAD", on_order);
		imap_cmd_add(cmd, "UID THREAD REFERENCES UTF-8 ALL");
	} else {
		order_criteria(f, &crit);
		imap_cmd_on_untagged(cmd, "SORT", on_order);
		imap_cmd_add(cmd, "UID SORT (%s) UTF-8 ALL", buf_cstr(&crit));
		buf_free(&crit);
	}
	f->order_asked = true;
	f->sync_pending++;
	imap_cmd_submit(cmd, order_done, f);
	return true;
}

/* The SORT criteria of the index's order, as the server names them. */
static void
order_criteria(struct mail_folder *f, struct buf *crit)
{
	const char	*w;
	size_t		 len;
	bool		 display;

	/* FROM sorts by the mailbox; the index by the name. */
	display = imap_client_has_cap(f->client, "SORT=DISPLAY");
	for (w = f->sort_criteria; *w != '\0'; w += len) {
		len = strcspn(w, " ");
		if (display && len == 4 && strncmp(w, "FROM", 4) == 0)
			buf_adds(crit, "DISPLAYFROM");
		else
			buf_add(crit, w, len);
		if (w[len] == ' ') {
			buf_addc(crit, ' ');
			len++;
		}
	}
}

/*
 * The first page without waiting for the SELECT's answer: an ESORT with
 * PARTIAL (RFC 5267) picks the first N of the order and SAVEs them as
 * "$" (SEARCHRES, RFC 5182), and a UID FETCH of "$" right behind it gets
 * their index fields, all in the SELECT's flight. That spares the round
 * trip between learning the message count and asking for the newest.
 * Where the server offers PARTIAL (RFC 9394) and the newest by arrival
 * are wanted, a UID FETCH of the last N of 1:* does it without a sort or
 * a saved result. Not for
 * threads (THREAD has no RETURN), nor for a cache that has some records
 * (their fields would cross the wire again).
 */
static bool
can_send_early_page(struct mail_folder *f)
{
	const char	*s = f->sort_criteria;
	uint64_t	 rtt;

	if (f->params.thread_order || f->ncache > 0)
		return false;
	/* It costs the server next to nothing: whatever the round trip. */
	if (early_by_arrival(f))
		return true;
	if (!imap_client_round_trip_ms(f->client, &rtt) ||
	    rtt < EARLY_PAGE_MIN_RTT_MS)
		return false;
	if (s != NULL && (*s == '\0' ||
	    s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ")] != '\0'))
		return false;
	return imap_client_has_cap(f->client, "SORT") &&
	    imap_client_has_cap(f->client, "ESORT") &&
	    imap_client_has_cap(f->client, "SEARCHRES") &&
	    (imap_client_has_cap(f->client, "CONTEXT=SORT") ||
	    imap_client_has_cap(f->client, "CONTEXT=SEARCH"));
}

/* The newest by arrival (a date order opens on them) where the server
 * can fetch the last N of a set itself (RFC 9394's FETCH modifier). */
static bool
early_by_arrival(struct mail_folder *f)
{
	return f->sort_criteria == NULL &&
	    imap_client_has_cap(f->client, "PARTIAL");
}

static void
send_early_page(struct mail_folder *f)
{
	struct imap_cmd	*cmd;
	struct buf	 crit = BUF_INIT;
	uint32_t	 want;

	want = f->params.fill_limit > 0 ? f->params.fill_limit : f->params.first_batch;
	if (!early_by_arrival(f)) {
		/* The index's order, or the newest by arrival for a date
		 * order (the screen those open on). */
		if (f->sort_criteria != NULL)
			order_criteria(f, &crit);
		else
			buf_adds(&crit, "REVERSE ARRIVAL");
		cmd = folder_cmd_new(f, NULL);
		imap_cmd_add(cmd, "UID SORT RETURN (SAVE PARTIAL 1:%u) (%s) "
		    "UTF-8 ALL", want, buf_cstr(&crit));
		buf_free(&crit);
		imap_cmd_submit(cmd, early_sort_done, f);
	}
	cmd = folder_cmd_new(f, NULL);
	if (early_by_arrival(f)) {
		/* The last N of all the UIDs, in one command. */
		add_index_fetch(f, cmd, "UID ", "1:*");
		imap_cmd_add(cmd, " (PARTIAL -1:-%u)", want);
	} else
		add_index_fetch(f, cmd, "UID ", "$");
	f->sync_pending++;
	f->first_wait = true;
	imap_cmd_submit(cmd, early_page_done, f);
}

/* Its ESEARCH says which UIDs were saved; their FETCH says it better. */
static void
early_sort_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	if (!folder_cmd_finished(f))
		return;
	if (r->status != IMAP_STATUS_OK)
		log_info("folder %s: no early first page: %s", f->name, r->text);
	folder_unref(f);
}

/*
 * The early page is in (or was refused: then the batches fetch it like
 * the rest). The batches go on from the top, skipping what came; in the
 * server's order its first page follows its answer (sync_fill).
 */
static void
early_page_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	f->first_wait = false;
	if (!f->dead && f->state == FOLDER_SYNCING && !f->order_asked &&
	    f->fill_from == 0)
		f->fill_from = mail_msgmap_count(f->map);
	sync_cmd_done(c, r, arg);
}

/* The answer: kept as the order of the first screen and of the index
 * until every record is here; its UIDs, sorted, are the map. */
static void
on_order(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;
	struct imap_thread_node	*nodes = NULL;
	uint32_t		*uids, *depth = NULL, *sorted;
	size_t			 n, total, i, k, start, end;
	char			*error = NULL;
	int			 rc;

	if (f->dead)
		return;
	if (strcmp(r->keyword, "THREAD") == 0) {
		rc = imap_thread_parse(r, &nodes, &n, &error);
		uids = NULL;
	} else
		rc = imap_sort_parse(r, &uids, &n, &error);
	if (rc == -1 || n > MAIL_FOLDER_MAX_MESSAGES) {
		log_warn("folder %s: bad %s answer, loading newest first: %s",
		    f->name, r->keyword, error != NULL ? error : "too many messages");
		free(error);
		free(nodes);
		if (rc == 0)
			free(uids);
		return;
	}
	if (nodes != NULL || uids == NULL) {
		uids = xreallocarray(NULL, n + 1, sizeof *uids);
		depth = xreallocarray(NULL, n + 1, sizeof *depth);
		/* Threads last to first under reverse, each kept whole. */
		k = 0;
		for (end = n; end > 0 && f->params.order_reverse; end = start) {
			for (start = end - 1; start > 0 && nodes[start].depth > 0; start--)
				;
			for (i = start; i < end; i++, k++) {
				uids[k] = nodes[i].num;
				depth[k] = nodes[i].depth;
			}
		}
		for (i = 0; i < n && !f->params.order_reverse; i++) {
			uids[i] = nodes[i].num;
			depth[i] = nodes[i].depth;
		}
		free(nodes);
	}
	total = n;
	sorted = xreallocarray(NULL, n + 1, sizeof *sorted);
	for (i = k = 0; i < n; i++) {
		if (uids[i] != 0)
			sorted[k++] = uids[i];
	}
	qsort(sorted, k, sizeof *sorted, uid_cmp);
	for (i = n = 0; i < k; i++) {
		if (n == 0 || sorted[n - 1] != sorted[i])
			sorted[n++] = sorted[i];
	}
	apply_uid_list(f, sorted, n);
	free(sorted);
	set_order(f, uids, depth, total);
}

static void
set_order(struct mail_folder *f, uint32_t *uids, uint32_t *depth, size_t n)
{
	free(f->order.uids);
	free(f->order.depth);
	f->order.uids = uids;
	f->order.depth = depth;
	f->order.n = n;
}

static void
order_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	/* Refused: the newest first, as without the capability. */
	if (!f->dead && r->status != IMAP_STATUS_OK) {
		char *why = str_sanitize(r->text);

		log_info("folder %s: no server order (%s); loading newest first",
		    f->name, why);
		free(why);
		set_order(f, NULL, NULL, 0);
	}
	/* A partial cache counted on the answer for the UIDs: without it,
	 * UID SEARCH lists them. */
	if (!f->dead && f->order.uids == NULL && f->ncache > 0)
		f->desync = true;
	sync_cmd_done(c, r, arg);
}

/* The UIDs of the first screen in the server's order (fill_limit of
 * them for --limit) that the map has no record of, fetched before
 * anything else and alone: 1 when sent, 0 when there is none. */
static unsigned
send_first_screen(struct mail_folder *f)
{
	struct imap_cmd		*cmd;
	struct imap_seqset	 asked;
	struct buf		 b = BUF_INIT;
	struct mail_msg		*m;
	uint32_t		 want, taken = 0;
	size_t			 i;

	want = f->params.fill_limit > 0 ? f->params.fill_limit : f->params.first_batch;
	f->first_sent = true;
	imap_seqset_init(&asked);
	for (i = 0; i < f->order.n && taken < want; i++) {
		if (f->order.uids[i] == 0 || (m = mail_msgmap_get(f->map,
		    mail_msgmap_seq(f->map, f->order.uids[i]))) == NULL)
			continue;
		taken++;
		if (!(m->state & MAIL_MSG_HEADERS))
			imap_seqset_add(&asked, m->uid, m->uid);
	}
	if (asked.count == 0) {
		imap_seqset_free(&asked);
		return 0;
	}
	imap_seqset_normalize(&asked);
	imap_seqset_write(&b, &asked);
	imap_seqset_free(&asked);
	mark_partial(f);
	cmd = folder_cmd_new(f, NULL);
	add_index_fetch(f, cmd, "UID ", buf_cstr(&b));
	buf_free(&b);
	f->sync_pending++;
	f->first_wait = true;
	imap_cmd_submit(cmd, first_done, f);
	return 1;
}

/* The first page is in: the rest may follow. What did not come is
 * fetched by the next round like any other. */
static void
first_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	f->first_wait = false;
	sync_cmd_done(c, r, arg);
}

/* FETCH of the index fields of set (UIDs after "UID "). */
static void
add_index_fetch(struct mail_folder *f, struct imap_cmd *cmd, const char *uid,
    const char *set)
{
	/* EMAILID lets a message moved here find its cached parts. */
	imap_cmd_add(cmd, "%sFETCH %s (" INDEX_ITEMS ")", uid, set,
	    f->condstore && !f->nomodseq ? " MODSEQ" : "",
	    f->store != NULL && imap_client_has_cap(f->client, "OBJECTID") ?
	    " EMAILID" : "");
}

static void
search_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	if (!f->dead && r->status != IMAP_STATUS_OK) {
		char *why = str_sanitize(r->text);

		folder_emit_error(f, ERR_FAILURE, "cannot list the messages of %s: %s",
		    f->name, why);
		free(why);
		f->desync = true;
	}
	sync_cmd_done(c, r, arg);
}

/* Flags of the cached messages (UIDs up to max): changes only under
 * CONDSTORE, all of them otherwise. New messages get theirs with their
 * index fields. */
static void
send_flags_refresh(struct mail_folder *f, uint32_t max)
{
	struct imap_cmd	*cmd;

	if (max == 0)
		return;
	cmd = folder_cmd_new(f, NULL);
	if (f->mode == SYNC_CONDSTORE)
		imap_cmd_add(cmd, "UID FETCH 1:%u (UID FLAGS) (CHANGEDSINCE %llu)", max,
		    (unsigned long long)f->cached.highestmodseq);
	else
		imap_cmd_add(cmd, "UID FETCH 1:%u (UID FLAGS)", max);
	f->sync_pending++;
	imap_cmd_submit(cmd, sync_cmd_done, f);
}

static void
sync_cmd_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_folder	*f = arg;

	if (!folder_cmd_finished(f))
		return;
	f->sync_pending--;
	if (r->status != IMAP_STATUS_OK && f->state == FOLDER_SYNCING &&
	    imap_client_state(c) != IMAP_STATE_SELECTED &&
	    imap_client_state(c) != IMAP_STATE_AUTHENTICATED) {
		fail_open(f, ERR_NETWORK, r->text);
		folder_unref(f);
		return;
	}
	if (f->sync_pending == 0 && f->state == FOLDER_SYNCING)
		sync_step_done(f);
	else if (f->state == FOLDER_SYNCING && f->fill_from != 0)
		sync_fill(f);	/* the next batch of this round */
	else if (f->sync_pending == 0 && f->state == FOLDER_OPEN && f->fill_again) {
		f->fill_again = false;
		sync_fill(f);
	}
	folder_unref(f);
}

/* Everything in flight answered: attach the cache if the map was waiting
 * for UIDs, fetch what is missing, or finish. */
static void
sync_step_done(struct mail_folder *f)
{
	if (f->desync) {
		if (++f->fill_rounds > MAX_FILL_ROUNDS) {
			fail_open(f, ERR_PROTOCOL, "the server's message list keeps "
			    "changing under us; try again");
			return;
		}
		f->desync = false;
		f->fill_from = 0;
		send_search(f);
		return;
	}
	if (f->ncache > 0) {
		attach_cached(f, 0, SIZE_MAX);
		folder_cache_drop(f);
	}
	if (f->dead)
		return;
	sync_fill(f);
}

void
sync_fill(struct mail_folder *f)
{
	struct imap_seqset	 set;
	struct imap_cmd		*cmd;
	struct buf		 b = BUF_INIT;
	struct mail_msg		*m;
	uint32_t		 seq, limit, taken, floor;
	bool			 by_uid, first, ramp;
	unsigned		 batches = 0;

	/* The first page's answer comes alone (first_done goes on). */
	if (f->first_wait)
		return;
	/* A round goes from the top down; during an open it is sent
	 * FILL_DEPTH batches at a time, fill_from saying where it is, and
	 * its first batch alone. */
	first = f->state == FOLDER_SYNCING && f->fill_from == 0;
	if (f->state == FOLDER_SYNCING && f->fill_from == 0 &&
	    ++f->fill_rounds > MAX_FILL_ROUNDS) {
		fail_open(f, ERR_PROTOCOL, "messages keep disappearing while "
		    "their headers are fetched; try again");
		return;
	}
	seq = mail_msgmap_count(f->map);
	/* --limit: the newest ones only; the rest stay unfetched. */
	floor = f->params.fill_limit > 0 && f->params.fill_limit < seq ?
	    seq - f->params.fill_limit : 0;
	limit = f->fill_from != 0 ? f->params.batch : f->params.first_batch;
	/* Going on from an empty pipeline (after the first page): batches
	 * growing to full size end one after another, and each is replaced
	 * while the others still stream. Sent all alike, they would end
	 * together (Dovecot answers pipelined FETCHes side by side) and the
	 * link would idle a round trip per FILL_DEPTH batches. */
	ramp = f->state == FOLDER_SYNCING && f->fill_from != 0 &&
	    f->sync_pending == 0;
	if (f->fill_from != 0 && f->fill_from < seq)
		seq = f->fill_from;
	f->fill_from = 0;
	/* The server's order: its first screen before the newest; under
	 * --limit nothing else. */
	if (f->order.uids != NULL && !f->first_sent && f->state == FOLDER_SYNCING) {
		if (f->params.fill_limit == 0)
			f->fill_from = seq;
		if (send_first_screen(f) > 0)
			return;
		f->fill_from = 0;
		limit = f->params.batch;
		first = false;
	}
	if (f->flags_due != 0) {
		send_flags_refresh(f, f->flags_due);
		f->flags_due = 0;
	}
	if (f->order.uids != NULL && f->params.fill_limit > 0)
		floor = seq;
	while (seq > floor) {
		if (f->state == FOLDER_SYNCING && f->sync_pending >= FILL_DEPTH) {
			f->fill_from = seq;
			break;
		}
		if (ramp && batches < FILL_DEPTH) {
			limit = f->params.batch * (batches + 1) / FILL_DEPTH;
			if (limit == 0)
				limit = 1;
		}
		imap_seqset_init(&set);
		by_uid = true;
		/* One batch: up to limit slots lacking fields, from the top. */
		for (taken = 0; seq > floor && taken < limit; seq--) {
			m = mail_msgmap_get(f->map, seq);
			if (m->state & MAIL_MSG_HEADERS)
				continue;
			imap_seqset_add(&set, seq, seq);
			taken++;
			if (m->uid == 0)
				by_uid = false;
		}
		if (set.count == 0) {
			imap_seqset_free(&set);
			break;
		}
		if (by_uid) {
			/* UIDs survive an EXPUNGE between pipelined commands. */
			size_t i;
			uint32_t s;
			struct imap_seqset uids;

			imap_seqset_init(&uids);
			for (i = 0; i < set.count; i++) {
				for (s = set.ranges[i].lo; s <= set.ranges[i].hi; s++) {
					uint32_t u = mail_msgmap_get(f->map, s)->uid;

					imap_seqset_add(&uids, u, u);
				}
			}
			imap_seqset_free(&set);
			set = uids;
		}
		imap_seqset_normalize(&set);
		buf_reset(&b);
		imap_seqset_write(&b, &set);
		imap_seqset_free(&set);
		if (f->state == FOLDER_SYNCING)
			mark_partial(f);
		cmd = folder_cmd_new(f, NULL);
		add_index_fetch(f, cmd, by_uid ? "UID " : "", buf_cstr(&b));
		f->sync_pending++;
		batches++;
		if (first && seq > floor) {
			/* Batches pipelined behind the first would share the
			 * link with its answer, and the first screen waits. */
			f->first_wait = true;
			f->fill_from = seq;
			imap_cmd_submit(cmd, first_done, f);
			break;
		}
		imap_cmd_submit(cmd, sync_cmd_done, f);
		limit = f->params.batch;
	}
	buf_free(&b);
	if (batches > 0 || f->fill_from != 0)
		return;
	if (f->state == FOLDER_SYNCING && f->sync_pending == 0)
		finish_open(f);
}

bool
mail_folder_stop_fill(struct mail_folder *f)
{
	uint32_t	 n = mail_msgmap_count(f->map);

	/* What was asked for still comes; below it nothing more is asked,
	 * as with fill_limit (the cache stays partial, new mail is still
	 * fetched, and the next open fetches the rest). */
	if (f->state != FOLDER_SYNCING || f->fill_from == 0 || f->fill_from > n)
		return false;
	/* Only the server's first page in flight: that page is the limit
	 * (fill_limit 0 would mean no limit). */
	f->params.fill_limit = f->fill_from < n ? n - f->fill_from :
	    f->params.first_batch;
	f->fill_from = 0;
	return true;
}

static void
finish_open(struct mail_folder *f)
{
	struct store_folder_state	 st;
	char				*error = NULL;

	folder_flush(f);
	f->fill_rounds = 0;
	if (f->store != NULL && f->params.fill_limit > 0 && !fill_complete(f)) {
		/* Only the newest were fetched: the cache stays partial. */
		f->partial_marked = false;
		mark_partial(f);
	} else if (f->store != NULL) {
		st.uidvalidity = f->uidvalidity;
		/* 0 would read as partial: UIDNEXT is past every UID. */
		st.uidnext = f->uidnext;
		if (st.uidnext == 0) {
			uint32_t n = mail_msgmap_count(f->map);

			st.uidnext = n > 0 && mail_msgmap_get(f->map, n)->uid != 0 ?
			    mail_msgmap_get(f->map, n)->uid + 1 : 1;
		}
		/* The value of the SELECT is safe: later changes we saw are
		 * fetched again next time, never missed. */
		st.highestmodseq = f->nomodseq ? 0 : f->select_modseq;
		if (store_folder_set(f->store, f->name, &st, &error) < 0) {
			log_warn("folder %s: cache: %s", f->name, error);
			free(error);
		}
		f->partial_marked = false;
	}
	f->state = FOLDER_OPEN;
	/* Every record is here: the local order takes over. */
	if (f->params.fill_limit == 0)
		set_order(f, NULL, NULL, 0);
	f->progress_done = f->progress_total = mail_msgmap_count(f->map);
	folder_emit_progress(f);
	if (!f->announced) {
		f->announced = true;
		folder_emit_opened(f);
	}
}

void
sync_repair(struct mail_folder *f)
{
	log_info("folder %s: message list out of step, rebuilding it", f->name);
	f->state = FOLDER_SYNCING;
	f->desync = false;
	f->fill_rounds = 0;
	send_search(f);
}

void
sync_new_mail(struct mail_folder *f)
{
	if (f->sync_pending > 0) {
		f->fill_again = true;
		return;
	}
	sync_fill(f);
}
