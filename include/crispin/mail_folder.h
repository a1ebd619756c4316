/*
 * The folder model: one selected IMAP folder bound to a client session and
 * (optionally) the on-disk cache. It keeps the sequence-number to UID map
 * exact under every EXISTS, EXPUNGE, VANISHED and FETCH, solicited or not,
 * holds one compact record per message (strings interned per folder), and
 * tells subscribers what changed. Opening is cold (headers fetched newest
 * first in pipelined batches) or warm (cache plus a QRESYNC, CONDSTORE or
 * plain resync that costs what changed).
 *
 * The owner of the client forwards the untagged responses nobody claimed
 * to mail_folder_untagged; the folder's own commands claim FETCH, EXISTS,
 * EXPUNGE and VANISHED themselves.
 */
#ifndef CRISPIN_MAIL_FOLDER_H
#define CRISPIN_MAIL_FOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/err.h"
#include "crispin/event.h"
#include "crispin/imap_client.h"
#include "crispin/imap_seqset.h"
#include "crispin/store.h"

/* One message. Strings are interned in the folder (raw header text, RFC
 * 2047 still encoded) or NULL; they live as long as the folder. A record
 * is 80 bytes (it was 96): the numbers are 32 bits wide, set through
 * mail_msg_time and mail_msg_size, which clamp to the range; In-Reply-To
 * lives with References (mail_msg_set_ids, mail_msg_in_reply_to). */
struct mail_msg {
	uint32_t	 uid;		/* 0: not known yet */
	uint16_t	 flags;		/* IMAP_FLAG_* */
	uint16_t	 state;		/* MAIL_MSG_* */
	uint32_t	 size;		/* RFC822.SIZE, at most UINT32_MAX */
	uint32_t	 internaldate;	/* UTC seconds since 1970 */
	uint32_t	 date;		/* Date: header, UTC seconds, 0 unknown */
	/* Where In-Reply-To starts in references, plus one; 0: none.
	 * Private to mail_msg_set_ids and mail_msg_in_reply_to. */
	uint32_t	 in_reply_to_at;
	uint64_t	 modseq;
	const char	*keywords;	/* space-separated, NULL when none */
	const char	*from;
	const char	*to;		/* To and Cc, shortened */
	const char	*subject;
	const char	*message_id;
	/* References, NULL or "" when none (a message with In-Reply-To
	 * only has an empty one, followed by that). */
	const char	*references;
};
#define MAIL_MSG_HEADERS	0x01	/* the index fields are here */
#define MAIL_MSG_FLAGS		0x02	/* flags are known */
#define MAIL_MSG_DIRTY		0x04	/* to be written to the cache */

struct mail_intern;

/* Sets m's References and In-Reply-To (either may be NULL), copied into
 * strings. When References ends with In-Reply-To, as a reply's usually
 * does, In-Reply-To is that end of it; otherwise it follows References'
 * NUL in the same copy. */
void	 mail_msg_set_ids(struct mail_msg *m, struct mail_intern *strings,
	    const char *references, const char *in_reply_to);
/* NULL when m has none. */
const char *mail_msg_in_reply_to(const struct mail_msg *m);
/* m->references, or NULL for an empty one (what the cache keeps). */
const char *mail_msg_references(const struct mail_msg *m);

/* A time for a record: seconds since 1970 up to 2106-02-07; an earlier
 * one (or a Date: header before 1970) becomes 0, a later one the last
 * second the record can hold. */
uint32_t mail_msg_time(int64_t);
/* A size for a record: a bigger one (IMAP4rev2 allows 63 bits) becomes
 * UINT32_MAX, 4 GiB, which the index shows as what it is: huge. */
uint32_t mail_msg_size(uint64_t);

/*
 * The sequence map: message records in sequence-number order. UIDs of
 * known slots ascend strictly. Records are owned by the map.
 */
struct mail_msgmap;

struct mail_msgmap *mail_msgmap_new(void);
void	 mail_msgmap_free(struct mail_msgmap **);
uint32_t mail_msgmap_count(const struct mail_msgmap *);
/* EXISTS n: new slots (UID unknown) up to n. -1 when n shrinks the map
 * (a protocol error: only EXPUNGE may). */
int	 mail_msgmap_exists(struct mail_msgmap *, uint32_t n);
/* EXPUNGE seq: removes that slot; later ones move down. -1 when out of
 * range. *uid_r (may be NULL) gets the UID it had (0 unknown). */
int	 mail_msgmap_expunge(struct mail_msgmap *, uint32_t seq, uint32_t *uid_r);
/* Removes the slot holding uid; returns its old sequence number, or 0
 * when no known slot has it. */
uint32_t mail_msgmap_remove_uid(struct mail_msgmap *, uint32_t uid);
/* Learns the UID of slot seq (FETCH). -1 when seq is out of range or uid
 * contradicts what is known (another UID there, or out of order). */
int	 mail_msgmap_set_uid(struct mail_msgmap *, uint32_t seq, uint32_t uid);
/* 1-based; NULL out of range. */
struct mail_msg *mail_msgmap_get(const struct mail_msgmap *, uint32_t seq);
/* Sequence number of uid, 0 when absent. */
uint32_t mail_msgmap_seq(const struct mail_msgmap *, uint32_t uid);
/* Forgets every UID (the map is rebuilt from UID SEARCH). */
void	 mail_msgmap_forget_uids(struct mail_msgmap *);
/* Empties the record of slot seq (UID unknown, nothing known). */
void	 mail_msgmap_reset(struct mail_msgmap *, uint32_t seq);
/* Makes the map exactly uids (n, strictly ascending: a UID SEARCH ALL
 * result). Records of UIDs it had are kept, the others dropped, new ones
 * empty. -1 (map untouched) when uids do not ascend. */
int	 mail_msgmap_rebuild(struct mail_msgmap *, const uint32_t *uids, uint32_t n);

/* Per-folder string interning: equal strings share one copy (except
 * strings of 16 KiB and more, copied each time). Strings are packed in
 * 64 KiB chunks without alignment. */
struct mail_intern;

struct mail_intern *mail_intern_new(void);
void	 mail_intern_free(struct mail_intern **);
/* NULL for NULL; the result lives as long as the intern table. */
const char *mail_intern(struct mail_intern *, const char *s);
const char *mail_intern_n(struct mail_intern *, const char *s, size_t len);
/* Room for n strings in all, made now rather than as they come. */
void	 mail_intern_reserve(struct mail_intern *, size_t n);
/* A copy living as long as the table, not shared: for strings that are
 * unique per message (Message-ID, References), which interning would
 * only make slower and bigger. */
const char *mail_intern_copy(struct mail_intern *, const char *s);
size_t	 mail_intern_count(const struct mail_intern *);

/* Keyword sets as space-separated strings. */
bool	 mail_keywords_has(const char *set, const char *kw);
/* Appends to out the set with add added and remove removed (each a NULL
 * terminated array, or NULL), without duplicates. */
void	 mail_keywords_edit(struct buf *out, const char *set,
	    const char *const *add, const char *const *remove);

/* The folder. */
struct mail_folder;

/* A folder announcing more messages than this fails to open. */
#define MAIL_FOLDER_MAX_MESSAGES	10000000u

struct mail_folder_events {
	/* The open (and its resync) finished: the index is complete. */
	void	(*opened)(struct mail_folder *, void *arg);
	/* A new record is complete (on open, and for new mail). */
	void	(*added)(struct mail_folder *, const struct mail_msg *, void *arg);
	void	(*expunged)(struct mail_folder *, uint32_t uid, void *arg);
	void	(*flags)(struct mail_folder *, const struct mail_msg *, void *arg);
	void	(*progress)(struct mail_folder *, size_t done, size_t total, void *arg);
	/* Something failed; ERR_FAILURE for one operation (a refused STORE),
	 * other classes when the folder is no longer usable. */
	void	(*error)(struct mail_folder *, enum err_class, const char *msg,
		    void *arg);
};

struct mail_folder_params {
	bool		 readonly;	/* EXAMINE instead of SELECT */
	bool		 use_cache;	/* false: store ignored */
	unsigned	 first_batch;	/* 0: 100 */
	unsigned	 batch;		/* 0: 1000 */
	/* 0: every message gets its index fields; N: only the newest N
	 * (crispin list --limit). The cache then holds part of the folder,
	 * and the next open fetches what it lacks. */
	uint32_t	 fill_limit;
	/* Non-NULL (borrowed): a cached folder attaches its newest
	 * first_batch records at once and the others a slice on each of the
	 * next turns of this loop, so that the first screen is drawn before
	 * them and nothing else waits for them all. */
	struct ev_loop	*loop;
	/* Record each change in the store's journal before sending it and
	 * forget it when the server answered, so a link that dies in
	 * between loses nothing (mail_journal.h replays it). */
	bool		 journal;
	/* A cold open in the index's order rather than the newest UIDs'
	 * (where the server offers it): sort_criteria (copied; RFC 5256
	 * keys such as "REVERSE SUBJECT DATE", FROM becoming DISPLAYFROM
	 * under SORT=DISPLAY) asks UID SORT, thread_order UID THREAD
	 * REFERENCES (order_reverse: the last thread first). The first
	 * first_batch (or fill_limit) messages of that order are fetched
	 * before the newest-first batches; mail_folder_order gives it. */
	const char	*sort_criteria;
	bool		 thread_order;
	bool		 order_reverse;
};

/* The server's order of a cold open, as of the open (UIDs; depth[i] the
 * level of uids[i] in its thread, or depth NULL for a SORT). */
struct mail_folder_order {
	uint32_t	*uids;
	uint32_t	*depth;
	size_t		 n;
};

/* name is the folder in UTF-8. store (borrowed) may be NULL. */
struct mail_folder *mail_folder_new(struct imap_client *, struct store *,
	    const char *name, const struct mail_folder_params *);
void	 mail_folder_free(struct mail_folder **);
/* Subscribers are called in the order they subscribed. */
void	 mail_folder_subscribe(struct mail_folder *, const struct mail_folder_events *,
	    void *arg);
/*
 * Starts the open; opened or error follows. A complete cache goes into
 * the index before this returns (added events; with params.loop the
 * newest first_batch now and the rest over the next turns), and the resync
 * then updates it in place. A partial cache (an open cut short, or
 * fill_limit) is completed: the server's UIDs are listed and only the
 * missing records fetched.
 */
void	 mail_folder_open(struct mail_folder *);
/*
 * Opens from the cache alone, with no server (client may be NULL):
 * opened, or an error naming what is missing, is emitted before it
 * returns. Changes then go to the journal and to the cached records at
 * once (the index shows them done), and are replayed on the next
 * connection (mail_journal.h).
 */
void	 mail_folder_open_offline(struct mail_folder *);
/*
 * A folder opened offline (finished or still attaching) goes online on
 * client (borrowed, as with mail_folder_new) without reading the cache
 * again: the warm open's SELECT (QRESYNC with the UIDs it holds, or the
 * CONDSTORE and plain resyncs) updates the records it has in place
 * (expunged, flags and added events; a changed UIDVALIDITY expunges them
 * all and fetches the folder anew), and opened follows. -1, the folder
 * untouched, when it cannot (not offline, failed, a partial cache, the
 * cache cleared or rewritten for another UIDVALIDITY meanwhile): open a
 * new folder instead.
 */
int	 mail_folder_go_online(struct mail_folder *, struct imap_client *client);
bool	 mail_folder_offline(const struct mail_folder *);
/* Stops an open that is fetching index fields: the batches asked for
 * still arrive, no more are asked (as with fill_limit; the cache keeps
 * what came and the next open fetches the rest). false when there is
 * nothing left to stop. */
bool	 mail_folder_stop_fill(struct mail_folder *);
/* Untagged data no command claimed: returns true when the folder used it. */
bool	 mail_folder_untagged(struct mail_folder *, const struct imap_response *);

bool	 mail_folder_is_open(const struct mail_folder *);
bool	 mail_folder_readonly(const struct mail_folder *);
const char *mail_folder_name(const struct mail_folder *);
uint32_t mail_folder_count(const struct mail_folder *);
/* 1-based sequence number; NULL out of range. */
const struct mail_msg *mail_folder_msg(const struct mail_folder *, uint32_t seq);
const struct mail_msg *mail_folder_by_uid(const struct mail_folder *, uint32_t uid);
uint32_t mail_folder_uidvalidity(const struct mail_folder *);
uint32_t mail_folder_uidnext(const struct mail_folder *);
uint64_t mail_folder_highestmodseq(const struct mail_folder *);
/* PERMANENTFLAGS as IMAP_FLAG_* (IMAP_FLAG_ANY: new keywords allowed). */
unsigned mail_folder_permanent_flags(const struct mail_folder *);
/* How the last open went, for tests and --stats: "cold", "qresync",
 * "condstore", "plain". */
const char *mail_folder_sync_mode(const struct mail_folder *);
/* The order UID SORT or UID THREAD gave a cold open (params), until
 * the open has every record; NULL when there is none. Borrowed. */
const struct mail_folder_order *mail_folder_order(const struct mail_folder *);

/*
 * Adds (add true) or removes flags and keywords on the messages whose UIDs
 * are in uids: UID STORE ±FLAGS.SILENT, with UNCHANGEDSINCE under
 * CONDSTORE. The model changes at once (flags events); if the server
 * refuses, the old flags come back (flags events) and an error event
 * follows. done (may be NULL) gets 0 or -1 when the server answered.
 */
typedef void mail_folder_done_cb(struct mail_folder *, int status, void *arg);
void	 mail_folder_store_flags(struct mail_folder *, const struct imap_seqset *uids,
	    bool add, unsigned flags, const char *const *keywords,
	    mail_folder_done_cb *done, void *arg);

/*
 * The replay of a journaled flag change: like store_flags, but guarded by
 * since (the MODSEQ known when the change was made; 0: none) and not
 * journaled again. UIDs another client changed meanwhile are added to
 * conflicts (may be NULL); the change is then made on top of theirs.
 */
void	 mail_folder_store_flags_since(struct mail_folder *, const struct imap_seqset *uids,
	    bool add, unsigned flags, const char *const *keywords, uint64_t since,
	    struct imap_seqset *conflicts, mail_folder_done_cb *done, void *arg);

/* PERMANENTFLAGS' keywords, space-separated; NULL when it named none. */
const char *mail_folder_permanent_keywords(const struct mail_folder *);
/* A keyword is an atom without flag-specials ("$Label1", "work"). */
bool	 mail_keyword_valid(const char *);
/* 0 when the folder keeps name (a system flag or keyword) once set;
 * else -1 with *error_r saying why (malloc'd). */
int	 mail_folder_flag_allowed(const struct mail_folder *, const char *name,
	    char **error_r);

/* The namespace (RFC 2342) of a folder, by its name as the server spells
 * it and the NAMESPACE answer (NULL: all personal). */
enum mail_namespace {
	MAIL_NS_PERSONAL,
	MAIL_NS_OTHER,		/* other users' folders */
	MAIL_NS_SHARED,		/* shared (public) folders */
};
enum mail_namespace mail_namespace_of(const struct imap_namespaces *, const char *raw);
/* "personal", "other", "shared". */
const char *mail_namespace_name(enum mail_namespace);

/* Flag names: "\Seen" <-> IMAP_FLAG_SEEN; 0 for keywords. */
unsigned mail_flag_bit(const char *name);
const char *mail_flag_name(unsigned bit);

/*
 * Copy, move and delete (ops.c), on the messages of uids the folder has.
 * dest is a folder name in UTF-8. Move uses MOVE (RFC 6851) when offered,
 * else UID COPY, UID STORE +FLAGS.SILENT (\Deleted) and, with UIDPLUS, UID
 * EXPUNGE of exactly those UIDs; without UIDPLUS nothing is expunged (other
 * \Deleted messages would go too) and marked_only says so. The model
 * follows the server's EXPUNGE and the flag changes at once; a COPYUID
 * answer is recorded and, where the destination's cache is of the same
 * UIDVALIDITY, the source records are written there under their new UIDs.
 * done gets 0 or -1 (an error event says why) and the result, valid
 * during the call.
 */
struct mail_op_result {
	struct imap_seqset uids;	/* what was acted on, normalized */
	uint32_t	 count;
	const char	*dest;		/* NULL when only marked */
	uint32_t	 dest_uidvalidity;	/* 0: no COPYUID */
	struct imap_seqset src, dst;	/* COPYUID pairs, in order */
	bool		 marked_only;	/* move left them \Deleted, unexpunged */
	bool		 expunged;	/* they are gone from the folder */
	bool		 queued;	/* offline: journaled, not yet done */
	bool		 trycreate;	/* refused: dest does not exist [TRYCREATE] */
};
typedef void mail_folder_op_cb(struct mail_folder *, int status,
	    const struct mail_op_result *, void *arg);
void	 mail_folder_copy(struct mail_folder *, const struct imap_seqset *uids,
	    const char *dest, mail_folder_op_cb *, void *arg);
void	 mail_folder_move(struct mail_folder *, const struct imap_seqset *uids,
	    const char *dest, mail_folder_op_cb *, void *arg);
/* delete_mode: trash non-NULL moves there (or marks, when the folder is
 * the trash itself); NULL marks \Deleted. */
void	 mail_folder_delete(struct mail_folder *, const struct imap_seqset *uids,
	    const char *trash, mail_folder_op_cb *, void *arg);
/* sync-mailbox on the messages of uids: UID EXPUNGE of exactly those
 * (UIDPLUS), so that messages another client marked \Deleted meanwhile
 * stay. Journaled like a move (offline, or params.journal); offline
 * they leave the folder at once and the server's expunge waits for the
 * replay. Without UIDPLUS online it fails (an error event says so). */
void	 mail_folder_expunge(struct mail_folder *, const struct imap_seqset *uids,
	    mail_folder_op_cb *, void *arg);

#endif
