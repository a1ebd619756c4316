/*
 * The on-disk cache of one account: SQLite under
 * $XDG_CACHE_HOME/crispin/<account>/ (directory 0700, files 0600). Per
 * folder it keeps UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and one compact
 * record per message; fetched body parts are kept too, within a size
 * limit, least recently used out first. Writes happen in transactions so a
 * crash never leaves half a change; a cache that is corrupt or of another
 * schema version is thrown away and rebuilt, never trusted.
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
/* Parts of a message known by its EMAILID in any folder (moved messages). */
int	 store_part_get_by_emailid(struct store *, const char *emailid,
	    const char *part, struct buf *out, char **error_r);
/* Cap on cached part bytes (body_cache_size); evicts least recently used. */
void	 store_set_part_limit(struct store *, uint64_t bytes);
uint64_t store_part_bytes(struct store *);

#endif
