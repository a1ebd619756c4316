/*
 * The journal of message changes (disconnected mode, RFC 4549): one row
 * per change, in the order made, until its outcome on the server is
 * known. It is user data, not cache: store.c carries it over when the
 * cache is rebuilt for another schema. The table is made on first use, so
 * caches made before it existed get it without a rebuild.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "store_p.h"

static const char journal_schema[] =
	"CREATE TABLE IF NOT EXISTS journal ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" op TEXT NOT NULL,"
	" folder TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" uids TEXT NOT NULL,"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" keywords TEXT,"
	" dest TEXT,"
	" modseq INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" ids TEXT)";

static const char *const op_names[] = {
	[STORE_JOURNAL_FLAGS_ADD] = "flags+",
	[STORE_JOURNAL_FLAGS_REMOVE] = "flags-",
	[STORE_JOURNAL_COPY] = "copy",
	[STORE_JOURNAL_MOVE] = "move",
	[STORE_JOURNAL_DELETE] = "delete",
	[STORE_JOURNAL_EXPUNGE] = "expunge",
};

static int	 setup(struct store *, char **);
static int	 prepare(struct store *, const char *, sqlite3_stmt **, char **);

const char *
store_journal_op_name(enum store_journal_op op)
{
	return (size_t)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

int
store_journal_op_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof op_names / sizeof op_names[0]; i++) {
		if (strcmp(op_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static int
setup(struct store *st, char **error_r)
{
	sqlite3_stmt	*s;

	if (sqlite3_exec(st->db, journal_schema, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot create the journal");
	/* A journal made before the ids column gets it: its entries are
	 * kept, without Message-IDs (the replay then looks as it did). */
	if (sqlite3_prepare_v2(st->db, "SELECT ids FROM journal LIMIT 0", -1, &s,
	    NULL) == SQLITE_OK) {
		sqlite3_finalize(s);
		return 0;
	}
	if (sqlite3_exec(st->db, "ALTER TABLE journal ADD COLUMN ids TEXT", NULL,
	    NULL, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot update the journal");
	return 0;
}

/* The journal is used a few times per command: no statement cache. */
static int
prepare(struct store *st, const char *sql, sqlite3_stmt **sp, char **error_r)
{
	if (setup(st, error_r) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, sp, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot read the journal");
	return 0;
}

int
store_journal_add(struct store *st, const struct store_journal_entry *e,
    int64_t *seq_r, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	/* Inside a caller's transaction the entry would not be committed
	 * when we return, and the caller would report it as recorded. */
	if (st->depth > 0) {
		*error_r = xasprintf("cache %s: the journal is written outside "
		    "transactions", st->path);
		return -1;
	}
	if (prepare(st, "INSERT INTO journal (op, folder, uidvalidity, uids,"
	    " flags, keywords, dest, modseq, created, ids)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &s, error_r) < 0)
		return -1;
	sqlite3_bind_text(s, 1, store_journal_op_name(e->op), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, e->folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, e->uidvalidity);
	sqlite3_bind_text(s, 4, e->uids, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, e->flags);
	sqlite3_bind_text(s, 6, e->keywords, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, e->dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)e->modseq);
	sqlite3_bind_int64(s, 9, e->created != 0 ? e->created : (int64_t)time(NULL));
	sqlite3_bind_text(s, 10, e->ids, -1, SQLITE_STATIC);
	/* The cache syncs lazily (a crash loses nothing, a power cut may
	 * lose the last commits); a change the user was told is done must
	 * survive both. Autocommit: it is on disk when the step returns. */
	if (sqlite3_exec(st->db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		store_fail(st, error_r, "cannot set up a safe write");
		sqlite3_finalize(s);
		return -1;
	}
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		store_fail(st, error_r, "cannot record the change in the journal");
	sqlite3_finalize(s);
	(void)sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_DONE)
		return -1;
	if (seq_r != NULL)
		*seq_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_journal_each(struct store *st, store_journal_cb *cb, void *arg,
    char **error_r)
{
	struct store_journal_entry	 e;
	sqlite3_stmt			*s;
	int				 rc, op;

	if (prepare(st, "SELECT seq, op, folder, uidvalidity, uids, flags,"
	    " keywords, dest, modseq, created, ids FROM journal ORDER BY seq",
	    &s, error_r) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof e);
		e.seq = sqlite3_column_int64(s, 0);
		/* An op this crispin does not know (a newer one wrote it) is
		 * left for that one. */
		if ((op = store_journal_op_parse((const char *)
		    sqlite3_column_text(s, 1))) < 0)
			continue;
		e.op = (enum store_journal_op)op;
		e.folder = (const char *)sqlite3_column_text(s, 2);
		e.uidvalidity = (uint32_t)sqlite3_column_int64(s, 3);
		e.uids = (const char *)sqlite3_column_text(s, 4);
		e.flags = (unsigned)sqlite3_column_int64(s, 5);
		e.keywords = (const char *)sqlite3_column_text(s, 6);
		e.dest = (const char *)sqlite3_column_text(s, 7);
		e.modseq = (uint64_t)sqlite3_column_int64(s, 8);
		e.created = sqlite3_column_int64(s, 9);
		e.ids = (const char *)sqlite3_column_text(s, 10);
		if (e.folder == NULL || e.uids == NULL)
			continue;
		if (cb(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read the journal");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

int
store_journal_remove(struct store *st, int64_t seq, char **error_r)
{
	sqlite3_stmt	*s;

	if (prepare(st, "DELETE FROM journal WHERE seq = ?1", &s, error_r) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot remove a change from the journal");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

int
store_journal_count(struct store *st, size_t *count, char **error_r)
{
	sqlite3_stmt	*s;

	*count = 0;
	if (prepare(st, "SELECT count(*) FROM journal", &s, error_r) < 0)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, error_r, "cannot read the journal");
		sqlite3_finalize(s);
		return -1;
	}
	*count = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}
