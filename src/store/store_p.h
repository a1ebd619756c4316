/* Private to src/store: the store handle, its statement cache and error helpers. */
#ifndef CRISPIN_STORE_P_H
#define CRISPIN_STORE_P_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"

/* Every statement the store runs, prepared once on first use. */
enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_DATA_VERSION,
	ST_FOLDER_FIND,
	ST_FOLDER_ADD,
	ST_FOLDER_GET,
	ST_FOLDER_SET,
	ST_FOLDER_ZERO,
	ST_FOLDER_RENAME,
	ST_FOLDER_DELETE,
	ST_MSG_PUT,
	ST_MSG_EMAILID,
	ST_MSG_GET_EMAILID,
	ST_ORPHAN_MSGS,
	ST_ORPHAN_PARTS,
	ST_ORPHAN_PRUNE,
	ST_MSG_FLAGS,
	ST_MSG_DELETE,
	ST_MSG_CLEAR,
	ST_MSG_EACH,
	ST_MSG_NEWEST,
	ST_MSG_UIDS,
	ST_MSG_COUNT,
	ST_PART_PUT,
	ST_PART_GET,
	ST_PART_TOUCH,
	ST_PART_BY_EMAILID,
	ST_PART_SIZE,
	ST_PART_BYTES,
	ST_PART_CLOCK,
	ST_PART_LRU,
	ST_PART_DELETE,
	ST_PART_DELETE_UIDS,
	ST_PART_CLEAR,
	ST__COUNT
};

struct store {
	sqlite3		*db;
	char		*path;		/* owned: <dir>/<account>/cache.sqlite */
	char		*dir;		/* owned: <dir>/<account> */
	char		*mark;		/* owned: marker of damage found in use */
	/* A -wal was beside the file before we opened it: a crash, or
	 * another process using it (check_db reads it whole then). */
	bool		 wal_found;
	sqlite3_stmt	*stmts[ST__COUNT];
	unsigned	 depth;		/* nesting of store_begin */

	/* One-entry cache of the last folder looked up by name, valid while
	 * no other process has changed the file (data_version). */
	char		*folder_name;	/* owned, or NULL */
	int64_t		 folder_id;
	int64_t		 data_version;

	uint64_t	 part_limit;
	uint64_t	 part_bytes;
	bool		 part_bytes_valid;
	int64_t		 part_clock;	/* last_used of the most recent use */
	bool		 part_clock_valid;

	struct buf	 record;	/* owned: store_msg_put's packed record */
};

/* Hands out the cached statement (or a fresh one when the cached one is
 * still running, as when a callback calls back into the store); release
 * resets it. */
int	 store_stmt_get(struct store *, enum store_stmt, sqlite3_stmt **,
	    char **error_r);
void	 store_stmt_put(struct store *, enum store_stmt, sqlite3_stmt *);

/* Fills *error_r with "cache PATH: WHAT: sqlite's message"; returns -1. */
int	 store_fail(struct store *, char **error_r, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);

/* The id of folder: 1 found, 0 not cached (create false), -1 error. */
int	 store_folder_id(struct store *, const char *folder, bool create,
	    int64_t *id_r, char **error_r);
/* Statement id ready for folder, whose id is bound to ?1: 1, or 0 when
 * there is no such folder and create is false, or -1 with *error_r. */
int	 store_folder_stmt(struct store *, const char *folder, bool create,
	    enum store_stmt, sqlite3_stmt **, char **error_r);

/* Forgets the cached part total after writes that may change it. */
void	 store_part_forget_bytes(struct store *);
/* Deletes parts of folder with UIDs in lo..hi. */
int	 store_part_delete_uids(struct store *, int64_t folder_id, uint32_t lo,
	    uint32_t hi, char **error_r);

/* --- records (record.c) --- */

/* Packs m's internaldate, date, size and header strings into b (its
 * contents replaced): the BLOB of the column "record". */
void	 store_record_pack(struct buf *b, const struct store_msg *m);
/* Fills those fields of m from len bytes at data (an empty record: zeros
 * and NULLs). The strings point into data, which must outlive their use.
 * Returns 0, or -1 with *why_r a static phrase when the bytes are no
 * record: damage. */
int	 store_record_unpack(const void *data, size_t len, struct store_msg *m,
	    const char **why_r);

#endif
