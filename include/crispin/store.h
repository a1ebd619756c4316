/*
 * The on-disk cache of one account: SQLite under
 * $XDG_CACHE_HOME/crispin/<account>/ (directory 0700, files 0600). Per
 * folder it keeps UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and one compact
 * record per message; fetched body parts are kept too, within a size
 * limit, least recently used out first. Writes happen in transactions so a
 * crash never leaves half a change; a cache that is corrupt or of another
 * schema version is moved aside and rebuilt, never trusted. The user data
 * in it (the journal, the outbox) is carried over from a sound cache of
 * another schema; a corrupt one keeps it in the file moved aside.
 *
 * All calls are synchronous but short (an indexed statement, or a batch in
 * one transaction); the event loop tolerates them.
 */
#ifndef CRISPIN_STORE_H
#define CRISPIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/imap_seqset.h"

struct store;

struct store_folder_state {
	uint32_t	 uidvalidity;	/* 0: nothing cached */
	/* 0 with a uidvalidity: an open that did not finish (or fetched
	 * only the newest, --limit); the records are sound, but not all of
	 * the folder is there. */
	uint32_t	 uidnext;
	uint64_t	 highestmodseq;	/* 0: server has no CONDSTORE */
};

/* One cached message, as the index needs it. Strings are raw header text
 * (RFC 2047 still encoded) or NULL; they are owned by the store call that
 * produced the record and valid until the callback returns. */
struct store_msg {
	uint32_t	 uid;
	unsigned	 flags;		/* IMAP_FLAG_* bits from imap_data.h */
	const char	*keywords;	/* space-separated, or NULL */
	int64_t		 internaldate;	/* UTC seconds */
	int64_t		 date;		/* Date: header, UTC seconds, 0 if unknown */
	uint64_t	 size;
	uint64_t	 modseq;
	const char	*from;
	const char	*to;
	const char	*cc;
	const char	*subject;
	const char	*message_id;
	const char	*in_reply_to;
	const char	*references;
	const char	*emailid;	/* OBJECTID (RFC 8474), or NULL */
	const char	*threadid;
};

/*
 * Opens (creating as needed) the cache of account under dir (normally
 * $XDG_CACHE_HOME/crispin, see store_default_dir). A damaged or foreign
 * cache is moved aside and rebuilt; *rebuilt_r says so (may be NULL).
 */
int	 store_open(const char *dir, const char *account, struct store **,
	    bool *rebuilt_r, char **error_r);
void	 store_close(struct store **);
/* $XDG_CACHE_HOME/crispin, or ~/.cache/crispin; malloc'd. */
char	*store_default_dir(void);
/* The directory name of account under dir: '/', '%', control characters
 * and a leading '.' become %XX, so every name is safe and distinct; malloc'd. */
char	*store_account_dirname(const char *account);

/* Transactions group many writes into one fsync; they may nest (only the
 * outermost one commits). */
int	 store_begin(struct store *, char **error_r);
int	 store_commit(struct store *, char **error_r);
void	 store_rollback(struct store *);

/* Folder state; a folder never seen reads as all zero. */
int	 store_folder_get(struct store *, const char *folder,
	    struct store_folder_state *, char **error_r);
int	 store_folder_set(struct store *, const char *folder,
	    const struct store_folder_state *, char **error_r);
/* Forgets every message and part of folder (UIDVALIDITY changed), and its
 * state, which then reads as never seen. */
int	 store_folder_clear(struct store *, const char *folder, char **error_r);
/* Renames or deletes a folder's cache. */
int	 store_folder_rename(struct store *, const char *from, const char *to,
	    char **error_r);
int	 store_folder_delete(struct store *, const char *folder, char **error_r);

/* Messages. put inserts or replaces the whole record. */
int	 store_msg_put(struct store *, const char *folder, const struct store_msg *,
	    char **error_r);
int	 store_msg_set_flags(struct store *, const char *folder, uint32_t uid,
	    unsigned flags, const char *keywords, uint64_t modseq, char **error_r);
/* Records a message's EMAILID (OBJECTID); put keeps it when its record
 * has none. Deleting the message keeps its cached parts for a while, so
 * that the same EMAILID in another folder (a move) finds them. */
int	 store_msg_set_emailid(struct store *, const char *folder, uint32_t uid,
	    const char *emailid, char **error_r);
/* Removes the messages whose UIDs are in set (and their parts). */
int	 store_msg_delete(struct store *, const char *folder,
	    const struct imap_seqset *uids, char **error_r);
/* Calls cb for each cached message with uid >= min_uid, in ascending UID
 * order; cb returning non-zero stops early (not an error). */
typedef int store_msg_cb(const struct store_msg *, void *arg);
int	 store_msg_each(struct store *, const char *folder, uint32_t min_uid,
	    store_msg_cb *, void *arg, char **error_r);
/* The newest n records, newest first (the first screen of the index). */
int	 store_msg_newest(struct store *, const char *folder, size_t n,
	    store_msg_cb *, void *arg, char **error_r);
/* Every cached UID, as a compact set (for QRESYNC known-uids); replaces
 * what set held. */
int	 store_msg_uids(struct store *, const char *folder, struct imap_seqset *,
	    char **error_r);
int	 store_msg_count(struct store *, const char *folder, size_t *, char **error_r);

/* Body parts fetched for display, keyed by folder, UIDVALIDITY, UID and
 * part specifier ("1.2", "HEADER", "TEXT"). get returns 1 when found
 * (appended to out, and marked recently used), 0 when not. put replaces,
 * then evicts; a part bigger than the whole limit is not kept (not an
 * error). */
int	 store_part_put(struct store *, const char *folder, uint32_t uidvalidity,
	    uint32_t uid, const char *part, const void *data, size_t len,
	    char **error_r);
int	 store_part_get(struct store *, const char *folder, uint32_t uidvalidity,
	    uint32_t uid, const char *part, struct buf *out, char **error_r);
/* Parts of a message known by its EMAILID in any folder (moved messages).
 * store_part_get falls back on it by itself when the message asked for
 * has an EMAILID. */
int	 store_part_get_by_emailid(struct store *, const char *emailid,
	    const char *part, struct buf *out, char **error_r);
/* Cap on cached part bytes (body_cache_size); evicts least recently used. */
void	 store_set_part_limit(struct store *, uint64_t bytes);
uint64_t store_part_bytes(struct store *);

/*
 * journal: changes to messages made while offline (or sent and not yet
 * confirmed), replayed in order on the next connection (RFC 4549). The
 * table is user data: a cache rebuilt for a new schema keeps it. Each
 * add is committed on its own before it returns, so an entry reported
 * as recorded survives a crash (the WAL makes a commit durable against
 * a killed process).
 */
enum store_journal_op {
	STORE_JOURNAL_FLAGS_ADD,
	STORE_JOURNAL_FLAGS_REMOVE,
	STORE_JOURNAL_COPY,
	STORE_JOURNAL_MOVE,
	STORE_JOURNAL_DELETE,		/* per delete_mode: dest is the trash,
					 * or NULL to mark \Deleted */
	STORE_JOURNAL_EXPUNGE,		/* UID EXPUNGE of exactly these */
};

/* One entry. Strings are borrowed (add) or valid during the callback
 * (each). */
struct store_journal_entry {
	int64_t		 seq;		/* order; given by add */
	enum store_journal_op op;
	const char	*folder;	/* UTF-8 */
	uint32_t	 uidvalidity;
	const char	*uids;		/* compact UID set, "3:7,9" */
	unsigned	 flags;		/* IMAP_FLAG_* of a flag change */
	const char	*keywords;	/* space-separated, or NULL */
	const char	*dest;		/* copy, move, delete: folder, or NULL */
	uint64_t	 modseq;	/* newest MODSEQ known when recorded; 0 none */
	int64_t		 created;	/* UTC seconds */
	/* Copy, move: "UID Message-ID" lines of the messages, from the
	 * cache when recorded, to find them in dest; NULL when unknown. */
	const char	*ids;
};

/* Appends e (its seq ignored) and commits; *seq_r (may be NULL) gets its
 * sequence number. Outside any transaction of the caller. */
int	 store_journal_add(struct store *, const struct store_journal_entry *,
	    int64_t *seq_r, char **error_r);
/* Calls cb for each entry in order; cb returning non-zero stops early. */
typedef int store_journal_cb(const struct store_journal_entry *, void *arg);
int	 store_journal_each(struct store *, store_journal_cb *, void *arg,
	    char **error_r);
/* Removes one entry (its outcome is known); an absent one is no error. */
int	 store_journal_remove(struct store *, int64_t seq, char **error_r);
int	 store_journal_count(struct store *, size_t *, char **error_r);
/* "flags+", "move": the op's name in the table and in reports; -1 for a
 * name that is none. */
const char *store_journal_op_name(enum store_journal_op);
int	 store_journal_op_parse(const char *);

/*
 * --- outbox (src/store/outbox.c) ---
 *
 * Messages on their way out, in the table "outbox" (user data, like the
 * journal): the exact bytes (Bcc still in them, for the Sent copy), the
 * envelope, and what is left to do once the server took the message. An
 * entry is committed to disk (synchronous, surviving a power loss too)
 * before anything touches the network, and goes through these states:
 *
 *   QUEUED   waiting; nothing was handed to a server, or a try failed
 *   SENDING  a process (owner_pid) is handing it to a server now; found
 *            with a dead owner it is an interrupted try, whose outcome
 *            only the server knows
 *   SENT     the server took it; only the tasks (Sent copy, flags) are left
 *
 * Claiming is a compare-and-swap, so two processes never send the same
 * entry at once.
 */
enum store_outbox_state {
	STORE_OUTBOX_QUEUED = 0,
	STORE_OUTBOX_SENDING = 1,
	STORE_OUTBOX_SENT = 2,
};

/* What is left to do once the server took the message. */
#define STORE_OUTBOX_RECORD	0x01	/* APPEND a copy to Sent */
#define STORE_OUTBOX_REPLY	0x02	/* \Answered on reply_folder/reply_uid */
#define STORE_OUTBOX_FORWARD	0x04	/* $Forwarded on forward_folder/forward_uid */

/* One entry. Strings and data are borrowed (add) or valid during the
 * callback (each, get). */
struct store_outbox_entry {
	int64_t		 id;		/* given by add */
	enum store_outbox_state state;
	int64_t		 created;	/* UTC seconds */
	int64_t		 attempted;	/* last try, UTC seconds; 0: never */
	unsigned	 attempts;
	int64_t		 owner_pid;	/* SENDING: whose try; else 0 */
	const char	*last_error;	/* why the last try failed, or NULL */
	const char	*from;		/* envelope sender */
	const char	*rcpts;		/* envelope recipients, one per line */
	unsigned	 tasks;		/* STORE_OUTBOX_* still to do */
	const char	*reply_folder;	/* UTF-8, or NULL */
	uint32_t	 reply_uid;
	const char	*forward_folder;
	uint32_t	 forward_uid;
	const void	*data;		/* the message; NULL unless asked for */
	size_t		 len;
};

/* Adds e as QUEUED (id, state, attempts, owner and error ignored) and
 * commits to disk before returning; *id_r (may be NULL) gets its id.
 * Outside any transaction of the caller. */
int	 store_outbox_add(struct store *, const struct store_outbox_entry *,
	    int64_t *id_r, char **error_r);
/* Calls cb for each entry, oldest first, with the message bytes when
 * with_data; cb returning non-zero stops early (not an error). */
typedef int store_outbox_cb(const struct store_outbox_entry *, void *arg);
int	 store_outbox_each(struct store *, bool with_data, store_outbox_cb *,
	    void *arg, char **error_r);
/* One entry with its data: 1 found (cb called), 0 not there. */
int	 store_outbox_get(struct store *, int64_t id, store_outbox_cb *, void *arg,
	    char **error_r);
/* Makes the entry SENDING by owner_pid at time now (attempts + 1) if it is
 * still in from_state with owner from_owner: 1 claimed, 0 it changed
 * meanwhile (another process has it, or it is gone). */
int	 store_outbox_claim(struct store *, int64_t id,
	    enum store_outbox_state from_state, int64_t from_owner,
	    int64_t owner_pid, int64_t now, char **error_r);
/* Sets the state, clears the owner, and records last_error (NULL clears
 * it). Committed to disk before returning. */
int	 store_outbox_set_state(struct store *, int64_t id, enum store_outbox_state,
	    const char *last_error, char **error_r);
/* Clears the tasks in done. */
int	 store_outbox_tasks_done(struct store *, int64_t id, unsigned done,
	    char **error_r);
/* Removes one entry; an absent one is no error. */
int	 store_outbox_delete(struct store *, int64_t id, char **error_r);
int	 store_outbox_count(struct store *, size_t *, char **error_r);
/* "queued", "sending", "sent". */
const char *store_outbox_state_name(enum store_outbox_state);

/*
 * --- BINARY notes (src/store/binary.c) ---
 *
 * Parts the server refused, or dropped the connection over, when asked
 * for them as BINARY (RFC 3516): the next fetch asks for them encoded.
 * refused returns 1 when noted, 0 when not, -1 on error.
 */
int	 store_binary_refused(struct store *, const char *folder, uint32_t uidvalidity,
	    uint32_t uid, const char *part, char **error_r);
int	 store_binary_refuse(struct store *, const char *folder, uint32_t uidvalidity,
	    uint32_t uid, const char *part, char **error_r);

#endif
