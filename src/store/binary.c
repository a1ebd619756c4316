/*
 * Parts the server could not send as BINARY (RFC 3516): it refused them or
 * dropped the connection when asked. Remembered per account so that the
 * next command fetches them encoded and decodes them here at once, instead
 * of losing the connection again. A cache like the rest: losing it costs
 * one more try, never data.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "store_p.h"

static const char binary_schema[] =
	"CREATE TABLE IF NOT EXISTS binary_refused ("
	" folder TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" uid INTEGER NOT NULL,"
	" part TEXT NOT NULL,"
	" PRIMARY KEY (folder, uidvalidity, uid, part)) WITHOUT ROWID";

static int	 prepare(struct store *, const char *, sqlite3_stmt **, char **);

/* Used a few times per command at most: no statement cache. */
static int
prepare(struct store *st, const char *sql, sqlite3_stmt **sp, char **error_r)
{
	if (sqlite3_exec(st->db, binary_schema, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot create the BINARY notes");
	if (sqlite3_prepare_v2(st->db, sql, -1, sp, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot read the BINARY notes");
	return 0;
}

/* Runs sql on one part's key: the result of its step, or -1. */
static int
step_part(struct store *st, const char *sql, const char *folder,
    uint32_t uidvalidity, uint32_t uid, const char *part, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (prepare(st, sql, &s, error_r) < 0)
		return -1;
	sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	sqlite3_bind_text(s, 4, part, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc;
}

int
store_binary_refused(struct store *st, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *part, char **error_r)
{
	int	 rc;

	rc = step_part(st, "SELECT 1 FROM binary_refused WHERE folder = ?1 AND"
	    " uidvalidity = ?2 AND uid = ?3 AND part = ?4", folder, uidvalidity,
	    uid, part, error_r);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return rc < 0 ? -1 : store_fail(st, error_r, "cannot read the BINARY notes");
}

int
store_binary_refuse(struct store *st, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *part, char **error_r)
{
	int	 rc;

	rc = step_part(st, "INSERT OR IGNORE INTO binary_refused (folder,"
	    " uidvalidity, uid, part) VALUES (?1, ?2, ?3, ?4)", folder, uidvalidity,
	    uid, part, error_r);
	if (rc == SQLITE_DONE)
		return 0;
	return rc < 0 ? -1 : store_fail(st, error_r, "cannot write the BINARY notes");
}
