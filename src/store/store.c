/* The on-disk cache: opening (and rebuilding), transactions, folders, messages. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/fdio.h"
#include "crispin/log.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "store_p.h"

/* 'CRSP': marks the file as ours, so a foreign SQLite file is never trusted. */
#define STORE_APP_ID		0x43525350
/* Bump when the schema changes; an older cache is rebuilt, not migrated
 * (but its user data, user_tables, is carried over). */
#define STORE_SCHEMA_VERSION	2
#define STORE_FILE		"cache.sqlite"
#define STORE_BROKEN		STORE_FILE ".broken-"
#define STORE_DAMAGED		STORE_FILE ".damaged"
/* What the marker says when the file itself is sound (its user data kept). */
#define STORE_MARK_SOUND	"records\n"
#define STORE_PART_LIMIT	(64ULL * 1024 * 1024)
#define STORE_BUSY_MS		5000

/* Tables of what the user did rather than what the server has: a rebuild
 * for a new schema copies them into the new cache (columns both have).
 * The outbox is made by outbox.c, the journal by journal.c. */
static const char *const user_tables[] = { "journal", "outbox" };

/* A folder's UIDs without its records: an open reads them before its
 * SELECT goes out, and the table itself, clustered by UID, is the whole
 * cache (22 ms against 8 at 100 000 messages). Partial, so that only a
 * query that says "uid > 0" uses it: the planner would otherwise take it
 * for range reads of whole records, and look each one up in the table.
 * Caches made before it get it at their next open. */
#define STORE_UID_INDEX \
	"CREATE INDEX IF NOT EXISTS messages_uids ON messages(folder_id, uid)" \
	" WHERE uid > 0"

/* Columns of struct store_msg, in the order msg_from_row reads them:
 * those SQL reads or writes alone, then the rest packed (record.c). */
#define MSG_COLUMNS \
	"uid, flags, keywords, modseq, emailid, threadid, record"

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS folders ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" uidvalidity INTEGER NOT NULL DEFAULT 0,"
	" uidnext INTEGER NOT NULL DEFAULT 0,"
	" highestmodseq INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS messages ("
	" folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" keywords TEXT,"
	" modseq INTEGER NOT NULL,"
	" emailid TEXT, threadid TEXT,"
	/* internaldate, date, size and the header strings (record.c) */
	" record BLOB,"
	" PRIMARY KEY (folder_id, uid)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS messages_emailid ON messages(emailid)"
	" WHERE emailid IS NOT NULL;"
	STORE_UID_INDEX ";"
	/* size before data: totals and eviction never read the blobs. */
	"CREATE TABLE IF NOT EXISTS parts ("
	" id INTEGER PRIMARY KEY,"
	" folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" part TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" UNIQUE (folder_id, uid, uidvalidity, part));"
	"CREATE INDEX IF NOT EXISTS parts_lru ON parts(last_used, size);";

static const char *const store_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT nested",
	[ST_RELEASE] = "RELEASE nested",
	[ST_ROLLBACK_TO] = "ROLLBACK TO nested",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_FOLDER_FIND] = "SELECT id FROM folders WHERE name = ?1",
	[ST_FOLDER_ADD] = "INSERT OR IGNORE INTO folders (name) VALUES (?1)",
	[ST_FOLDER_GET] = "SELECT uidvalidity, uidnext, highestmodseq"
	    " FROM folders WHERE name = ?1",
	[ST_FOLDER_SET] = "INSERT INTO folders"
	    " (name, uidvalidity, uidnext, highestmodseq) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (name) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
	    " uidnext = excluded.uidnext, highestmodseq = excluded.highestmodseq",
	[ST_FOLDER_ZERO] = "UPDATE folders SET uidvalidity = 0, uidnext = 0,"
	    " highestmodseq = 0 WHERE id = ?1",
	[ST_FOLDER_RENAME] = "UPDATE folders SET name = ?2 WHERE name = ?1",
	[ST_FOLDER_DELETE] = "DELETE FROM folders WHERE name = ?1",
	/* A record written without OBJECTIDs keeps those it had. */
	[ST_MSG_PUT] = "INSERT INTO messages (folder_id, " MSG_COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (folder_id, uid) DO UPDATE SET"
	    " flags = excluded.flags, keywords = excluded.keywords,"
	    " modseq = excluded.modseq, record = excluded.record,"
	    " emailid = coalesce(excluded.emailid, emailid),"
	    " threadid = coalesce(excluded.threadid, threadid)",
	[ST_MSG_EMAILID] = "UPDATE messages SET emailid = ?3"
	    " WHERE folder_id = ?1 AND uid = ?2",
	[ST_MSG_GET_EMAILID] = "SELECT emailid FROM messages"
	    " WHERE folder_id = ?1 AND uid = ?2",
	/* Parts of deleted messages with an EMAILID move to the folder ""
	 * (no mailbox has that name) under a UID unique to their origin, so
	 * that the message, moved, finds them in its new folder. Their
	 * records are empty: nothing but the EMAILID is needed. */
	[ST_ORPHAN_MSGS] = "INSERT OR IGNORE INTO messages (folder_id, uid,"
	    " flags, modseq, emailid)"
	    " SELECT ?4, (folder_id << 32) | uid, 0, 0, emailid"
	    " FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3"
	    " AND emailid IS NOT NULL AND EXISTS (SELECT 1 FROM parts p"
	    " WHERE p.folder_id = messages.folder_id AND p.uid = messages.uid)",
	[ST_ORPHAN_PARTS] = "UPDATE OR REPLACE parts SET folder_id = ?4,"
	    " uid = (folder_id << 32) | uid"
	    " WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3 AND EXISTS"
	    " (SELECT 1 FROM messages m WHERE m.folder_id = parts.folder_id"
	    " AND m.uid = parts.uid AND m.emailid IS NOT NULL)",
	[ST_ORPHAN_PRUNE] = "DELETE FROM messages WHERE folder_id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM parts p WHERE p.folder_id = ?1"
	    " AND p.uid = messages.uid)",
	[ST_MSG_FLAGS] = "UPDATE messages SET flags = ?3, keywords = ?4,"
	    " modseq = ?5 WHERE folder_id = ?1 AND uid = ?2",
	[ST_MSG_DELETE] = "DELETE FROM messages"
	    " WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3",
	[ST_MSG_CLEAR] = "DELETE FROM messages WHERE folder_id = ?1",
	[ST_MSG_EACH] = "SELECT " MSG_COLUMNS " FROM messages"
	    " WHERE folder_id = ?1 AND uid >= ?2 ORDER BY uid",
	[ST_MSG_NEWEST] = "SELECT " MSG_COLUMNS " FROM messages"
	    " WHERE folder_id = ?1 ORDER BY uid DESC LIMIT ?2",
	[ST_MSG_UIDS] = "SELECT uid FROM messages WHERE folder_id = ?1"
	    " AND uid > 0 ORDER BY uid",	/* messages_uids */
	[ST_MSG_COUNT] = "SELECT count(*) FROM messages WHERE folder_id = ?1",
	[ST_PART_PUT] = "INSERT OR REPLACE INTO parts"
	    " (folder_id, uid, uidvalidity, part, size, last_used, data)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_PART_GET] = "SELECT id, data FROM parts WHERE folder_id = ?1"
	    " AND uid = ?2 AND uidvalidity = ?3 AND part = ?4",
	[ST_PART_TOUCH] = "UPDATE parts SET last_used = ?2 WHERE id = ?1",
	[ST_PART_BY_EMAILID] = "SELECT p.id, p.data FROM messages m"
	    " JOIN folders f ON f.id = m.folder_id"
	    " JOIN parts p ON p.folder_id = m.folder_id AND p.uid = m.uid"
	    " WHERE m.emailid = ?1 AND p.part = ?2"
	    " AND (f.uidvalidity = 0 OR p.uidvalidity = f.uidvalidity)"
	    " ORDER BY p.last_used DESC LIMIT 1",
	[ST_PART_SIZE] = "SELECT size FROM parts WHERE folder_id = ?1"
	    " AND uid = ?2 AND uidvalidity = ?3 AND part = ?4",
	[ST_PART_BYTES] = "SELECT total(size) FROM parts",
	[ST_PART_CLOCK] = "SELECT max(last_used) FROM parts",
	[ST_PART_LRU] = "SELECT id, size FROM parts ORDER BY last_used",
	[ST_PART_DELETE] = "DELETE FROM parts WHERE id = ?1",
	[ST_PART_DELETE_UIDS] = "DELETE FROM parts"
	    " WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3",
	[ST_PART_CLEAR] = "DELETE FROM parts WHERE folder_id = ?1",
};

/* What run() says it could not do, for the statements it runs. */
static const char *const store_run_what[ST__COUNT] = {
	[ST_BEGIN] = "start a transaction",
	[ST_COMMIT] = "save the changes",
	[ST_ROLLBACK] = "undo the changes",
	[ST_SAVEPOINT] = "start a nested transaction",
	[ST_RELEASE] = "end a nested transaction",
	[ST_ROLLBACK_TO] = "undo a nested transaction",
};

static int	 open_file(const char *, char **);
static bool	 mark_says_sound(struct store *);
static int	 create_db(struct store *, char **);
static int	 open_db(struct store *, bool *, char **, char **);
static int	 check_db(struct store *, bool *, char **, char **);
static int	 needs_check(struct store *, bool *, char **, char **);
static int	 pragma_int(struct store *, const char *, int64_t *, char **, char **);
static int	 damaged(struct store *, int, const char *, char **, char **);
static int	 prepare_all(struct store *, bool *, char **, char **);
static int	 move_aside(struct store *, char **, char **);
static void	 keep_user_tables(struct store *, const char *);
static int	 copy_user_table(struct store *, const char *, char **);
static void	 close_db(struct store *);
static int	 run(struct store *, enum store_stmt, char **);
static void	 forget_folder(struct store *);
static int64_t	 data_version(struct store *);
static int	 msg_from_row(sqlite3_stmt *, struct store_msg *, const char **);
static int	 record_damaged(struct store *, const char *, const char *,
		    uint32_t, const char *, char **);
static int	 msg_iterate(struct store *, enum store_stmt, sqlite3_stmt *,
		    const char *, const char *, store_msg_cb *, void *, char **);

char *
store_account_dirname(const char *account)
{
	struct buf	 b = BUF_INIT;
	const unsigned char *p;

	/* Reversible and collision-free: '%' itself is escaped too. */
	for (p = (const unsigned char *)account; *p != '\0'; p++) {
		if (*p == '/' || *p == '%' || *p < 0x20 || *p == 0x7f ||
		    (*p == '.' && p == (const unsigned char *)account))
			buf_printf(&b, "%%%02X", *p);
		else
			buf_addc(&b, (char)*p);
	}
	return buf_steal(&b);
}

char *
store_default_dir(void)
{
	const char	*xdg, *home;
	struct passwd	*pw;

	xdg = getenv("XDG_CACHE_HOME");
	/* The XDG spec says relative paths are invalid and to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/crispin", xdg);
	home = getenv("HOME");
	if ((home == NULL || home[0] == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || home[0] == '\0')
		home = "/tmp";
	return xasprintf("%s/.cache/crispin", home);
}

/* Tightens an existing cache to 0600; 0 ready, 1 missing, 2 empty, -1 error. */
static int
open_file(const char *path, char **error_r)
{
	struct stat	 sb;
	int		 fd;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1 || fstat(fd, &sb) == -1) {
		*error_r = xasprintf("cannot open cache %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if ((sb.st_mode & 077) != 0)
		(void)fchmod(fd, sb.st_mode & 0700);
	close(fd);
	return sb.st_size == 0 ? 2 : 0;
}

/*
 * Builds a new cache under a temporary name and links it into place, so
 * that a process opening it at the same time never finds it half made (an
 * empty file, or tables without their application_id) and throws it away.
 * We create the file 0600 ourselves; SQLite gives -wal and -shm its mode.
 */
static int
create_db(struct store *st, char **error_r)
{
	sqlite3	*db = NULL;
	char	*tmp, *sql, *side;
	int	 fd, rc, r = -1;

	tmp = xasprintf("%s.new-%ld", st->path, (long)getpid());
	(void)unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		*error_r = xasprintf("cannot create cache %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	close(fd);
	sql = xasprintf("PRAGMA journal_mode = WAL; BEGIN; %s"
	    " PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT",
	    store_schema, STORE_APP_ID, STORE_SCHEMA_VERSION);
	rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		*error_r = xasprintf("cannot create cache %s: %s", st->path,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto out;
	}
	/* Closing the last connection folds the WAL into the file. */
	rc = sqlite3_close(db);
	db = NULL;
	if (rc != SQLITE_OK) {
		*error_r = xasprintf("cannot create cache %s: %s", st->path,
		    sqlite3_errstr(rc));
		goto out;
	}
	/* link fails if another process got there first: theirs is as good. */
	if (link(tmp, st->path) == -1 && errno != EEXIST &&
	    rename(tmp, st->path) == -1) {
		*error_r = xasprintf("cannot create cache %s: %s", st->path,
		    strerror(errno));
		goto out;
	}
	log_info("cache %s: created", st->path);
	r = 0;
out:
	if (db != NULL)
		sqlite3_close(db);
	(void)unlink(tmp);
	side = xasprintf("%s-wal", tmp);
	(void)unlink(side);
	free(side);
	side = xasprintf("%s-shm", tmp);
	(void)unlink(side);
	free(side);
	free(tmp);
	return r;
}

int
store_open(const char *dir, const char *account, struct store **stp,
    bool *rebuilt_r, char **error_r)
{
	struct store	*st;
	char		*name, *reason = NULL, *aside = NULL;
	bool		 keep = false;
	int		 r;

	*stp = NULL;
	if (rebuilt_r != NULL)
		*rebuilt_r = false;
	if (account[0] == '\0') {
		*error_r = xstrdup("cannot open the cache: the account has "
		    "no name");
		return -1;
	}
	st = xcalloc(1, sizeof *st);
	name = store_account_dirname(account);
	st->dir = xasprintf("%s/%s", dir, name);
	free(name);
	st->path = xasprintf("%s/%s", st->dir, STORE_FILE);
	st->mark = xasprintf("%s/%s", st->dir, STORE_DAMAGED);
	st->part_limit = STORE_PART_LIMIT;
	if (dir_make_private(st->dir) == -1) {
		*error_r = xasprintf("cannot create cache directory %s: %s",
		    st->dir, strerror(errno));
		goto fail;
	}
	(void)chmod(st->dir, 0700);

	if (access(st->mark, F_OK) == 0) {
		reason = xstrdup("it was found damaged while in use");
		keep = mark_says_sound(st);
		r = 1;
	} else
		r = open_db(st, &keep, &reason, error_r);
	if (r == 1) {
		log_warn("cache %s: %s; moving it aside and starting afresh",
		    st->path, reason);
		x_free(&reason);
		if (move_aside(st, &aside, error_r) == -1)
			goto fail;
		if (rebuilt_r != NULL)
			*rebuilt_r = true;
		r = open_db(st, NULL, &reason, error_r);
		/* Only a readable cache of ours gives its user data back; a
		 * damaged or foreign one stays aside untouched. */
		if (r == 0 && keep)
			keep_user_tables(st, aside);
		x_free(&aside);
		if (r == 1) {
			*error_r = xasprintf("cache %s: a fresh cache is "
			    "unusable too: %s", st->path, reason);
			x_free(&reason);
			r = -1;
		}
	}
	if (r == -1)
		goto fail;
	*stp = st;
	return 0;
fail:
	store_close(&st);
	return -1;
}

/* Whether the damage marker says the file is sound SQLite whose records
 * are not (record_damaged): then its user tables are worth keeping. */
static bool
mark_says_sound(struct store *st)
{
	char	 text[16];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(st->mark, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, text, sizeof text);
	close(fd);
	return n == (ssize_t)strlen(STORE_MARK_SOUND) &&
	    memcmp(text, STORE_MARK_SOUND, (size_t)n) == 0;
}

/* 0: open and valid; 1: damaged or foreign (*reason_r says why); -1: error.
 * *keep_r (may be NULL) is set when the file is ours and sound but of
 * another schema, so its user tables are worth keeping. */
static int
open_db(struct store *st, bool *keep_r, char **reason_r, char **error_r)
{
	mode_t	 old;
	char	*wal;
	int	 r;

	if (keep_r != NULL)
		*keep_r = false;
	/* Belt and braces for -wal and -shm, created on first use. */
	old = umask(077);
	r = open_file(st->path, error_r);
	if (r == 1)
		r = create_db(st, error_r);
	if (r == 2) {
		*reason_r = xstrdup("it is empty");
		r = 1;
	}
	if (r != 0)
		goto out;
	wal = xasprintf("%s-wal", st->path);
	st->wal_found = access(wal, F_OK) == 0;
	free(wal);
	/* One thread uses a store: no mutex around every call (reading
	 * 100 000 records makes two million of them). */
	r = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK) {
		r = damaged(st, r, "cannot open it", reason_r, error_r);
		goto out;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	r = check_db(st, keep_r, reason_r, error_r);
out:
	umask(old);
	if (r != 0)
		close_db(st);
	return r;
}

/* Sorts a failed statement: damage means rebuild, anything else (a full
 * disk, a permission, a lock) is an error to report. */
static int
damaged(struct store *st, int rc, const char *what, char **reason_r,
    char **error_r)
{
	const char	*msg;

	msg = st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
		*reason_r = xasprintf("%s (%s)", "it is damaged", msg);
		return 1;
	}
	*error_r = xasprintf("cache %s: %s: %s", st->path, what, msg);
	return -1;
}

static int
pragma_int(struct store *st, const char *sql, int64_t *out, char **reason_r,
    char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	*out = 0;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		rc = damaged(st, rc, "cannot read it", reason_r, error_r);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	return 0;
}

static int
check_db(struct store *st, bool *keep_r, char **reason_r, char **error_r)
{
	sqlite3_stmt	*s;
	int64_t		 app, version;
	const char	*res;
	char		*p;
	int		 rc;
	bool		 check;

	rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return damaged(st, rc, "cannot read it", reason_r, error_r);
	if ((rc = pragma_int(st, "PRAGMA application_id", &app, reason_r,
	    error_r)) != 0 ||
	    (rc = pragma_int(st, "PRAGMA user_version", &version, reason_r,
	    error_r)) != 0)
		return rc;
	if (app != STORE_APP_ID) {
		*reason_r = xasprintf("it belongs to another program "
		    "(application_id %#llx)", (unsigned long long)app);
		return 1;
	}
	if (version != STORE_SCHEMA_VERSION) {
		*reason_r = xasprintf("it has schema version %lld, this crispin "
		    "uses %d", (long long)version, STORE_SCHEMA_VERSION);
		if (keep_r != NULL)
			*keep_r = true;
		return 1;
	}

	if ((rc = needs_check(st, &check, reason_r, error_r)) != 0)
		return rc;
	if (!check)
		goto checked;
	/* quick_check: O(file size) but skips the index cross-checks. */
	rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		res = (const char *)sqlite3_column_text(s, 0);
		if (res == NULL || strcmp(res, "ok") != 0) {
			*reason_r = xasprintf("it is corrupt (%s)",
			    res != NULL ? res : "no result");
			/* One line for the log. */
			for (p = *reason_r; *p != '\0'; p++)
				if (*p == '\n')
					*p = ' ';
			sqlite3_finalize(s);
			return 1;
		}
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		rc = damaged(st, rc, "cannot check it", reason_r, error_r);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
checked:
	/* Reads are one scan or indexed lookups, and writes append in UID
	 * order: 128 KiB of page cache (32 pages, a B-tree path many times
	 * over) costs them nothing and keeps 1.9 MB out of a 100 000-message
	 * index. */
	rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL;"
	    " PRAGMA foreign_keys = ON; PRAGMA cache_size = -128", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK)
		return damaged(st, rc, "cannot set it up", reason_r, error_r);
	/* Only speed depends on it: without it the table is read instead. */
	if ((rc = sqlite3_exec(st->db, STORE_UID_INDEX, NULL, NULL, NULL)) != SQLITE_OK)
		log_warn("cache %s: no UID index: %s", st->path, sqlite3_errmsg(st->db));
	return prepare_all(st, keep_r, reason_r, error_r);
}

/*
 * Whether the file must be read whole (quick_check, 30-50 ms at 100 000
 * messages, on every start). Not when it was closed cleanly, i.e. no -wal
 * was beside it (the last connection checkpoints and removes it), and it
 * is as long as its header says: a truncated file is caught here, other
 * damage when it is read (store_fail marks it for a rebuild). After a
 * crash, or beside another process using it, it is checked whole.
 */
static int
needs_check(struct store *st, bool *check_r, char **reason_r, char **error_r)
{
	struct stat	sb;
	int64_t		pages, page_size;
	int		rc;

	*check_r = true;
	if (st->wal_found)
		return 0;
	if ((rc = pragma_int(st, "PRAGMA page_count", &pages, reason_r,
	    error_r)) != 0 ||
	    (rc = pragma_int(st, "PRAGMA page_size", &page_size, reason_r,
	    error_r)) != 0)
		return rc;
	if (stat(st->path, &sb) == 0 && pages > 0 &&
	    (int64_t)sb.st_size == pages * page_size)
		*check_r = false;
	return 0;
}

/* Preparing every statement up front also proves that the tables and
 * columns are the ones this code expects. */
static int
prepare_all(struct store *st, bool *keep_r, char **reason_r, char **error_r)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmts[i], NULL);
		if (rc == SQLITE_ERROR) {
			*reason_r = xasprintf("its tables are not what this "
			    "crispin expects (%s)", sqlite3_errmsg(st->db));
			if (keep_r != NULL)
				*keep_r = true;
			return 1;
		}
		if (rc != SQLITE_OK)
			return damaged(st, rc, "cannot prepare a statement",
			    reason_r, error_r);
	}
	return 0;
}

/* Keeps the latest damaged file for a post-mortem, and only that one;
 * *aside_r gets its new name (malloc'd). */
static int
move_aside(struct store *st, char **aside_r, char **error_r)
{
	DIR		*d;
	struct dirent	*de;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 stamp[32], *to, *wal, *path;

	if ((d = opendir(st->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, STORE_BROKEN,
			    strlen(STORE_BROKEN)) != 0)
				continue;
			path = xasprintf("%s/%s", st->dir, de->d_name);
			(void)unlink(path);
			free(path);
		}
		closedir(d);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	to = xasprintf("%s.broken-%s", st->path, stamp);
	if (rename(st->path, to) == -1 && errno != ENOENT) {
		*error_r = xasprintf("cache %s is damaged and cannot be moved "
		    "aside: %s", st->path, strerror(errno));
		free(to);
		return -1;
	}
	/* An old WAL replayed into the new file would damage it. */
	path = xasprintf("%s-wal", st->path);
	wal = xasprintf("%s-wal", to);
	(void)rename(path, wal);
	free(path);
	free(wal);
	path = xasprintf("%s-shm", st->path);
	(void)unlink(path);
	free(path);
	*aside_r = to;
	(void)unlink(st->mark);
	return 0;
}

/*
 * Carries the user tables of the cache moved aside at path into the new
 * one, in one transaction. A failure loses nothing more than a rebuild
 * without it would, and the old file stays aside: it is logged, not
 * fatal.
 */
static void
keep_user_tables(struct store *st, const char *path)
{
	char		*sql, *error = NULL;
	size_t		 i;
	int		 rc;

	sql = sqlite3_mprintf("ATTACH DATABASE %Q AS old", path);
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		log_warn("cache %s: cannot read the old cache %s to keep its "
		    "journal and outbox: %s", st->path, path,
		    sqlite3_errmsg(st->db));
		return;
	}
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_sql;
	for (i = 0; i < sizeof user_tables / sizeof user_tables[0]; i++) {
		if (copy_user_table(st, user_tables[i], &error) < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			log_warn("%s", error);
			free(error);
			goto detach;
		}
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_sql;
	log_info("cache %s: journal and outbox kept from %s", st->path, path);
	goto detach;
fail_sql:
	log_warn("cache %s: cannot keep the journal and outbox of %s: %s",
	    st->path, path, sqlite3_errmsg(st->db));
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
detach:
	sqlite3_exec(st->db, "DETACH DATABASE old", NULL, NULL, NULL);
}

/* One user table: made in the new cache as the old one was when the new
 * schema lacks it, then the rows, through the columns both have. */
static int
copy_user_table(struct store *st, const char *table, char **error_r)
{
	sqlite3_stmt	*s = NULL;
	struct buf	 cols = BUF_INIT;
	char		*sql = NULL, *create = NULL;
	const char	*p;
	int		 rc, r = -1;

	rc = sqlite3_prepare_v2(st->db, "SELECT sql FROM old.sqlite_master"
	    " WHERE type = 'table' AND name = ?1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		r = 0;		/* the old cache did not have it */
		goto out;
	}
	if (rc != SQLITE_ROW || sqlite3_column_text(s, 0) == NULL)
		goto fail;
	create = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	s = NULL;
	/* "CREATE TABLE name (...)" as made; IF NOT EXISTS keeps the form
	 * the new schema may already have. */
	if ((p = strchr(create, '(')) != NULL) {
		sql = xasprintf("CREATE TABLE IF NOT EXISTS main.\"%s\" %s",
		    table, p);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		x_free(&sql);
	}
	sql = sqlite3_mprintf("SELECT group_concat('\"' ||"
	    " replace(o.name, '\"', '\"\"') || '\"', ',')"
	    " FROM pragma_table_info(%Q, 'old') o"
	    " JOIN pragma_table_info(%Q, 'main') n ON n.name = o.name",
	    table, table);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	sqlite3_free(sql);
	sql = NULL;
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		goto fail;
	if (sqlite3_column_text(s, 0) == NULL) {
		r = 0;		/* nothing in common */
		goto out;
	}
	buf_adds(&cols, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	s = NULL;
	sql = xasprintf("INSERT OR IGNORE INTO main.\"%s\" (%s)"
	    " SELECT %s FROM old.\"%s\"", table, buf_cstr(&cols),
	    buf_cstr(&cols), table);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	r = 0;
	goto out;
fail:
	*error_r = xasprintf("cache %s: cannot keep table %s of the old cache: "
	    "%s", st->path, table, sqlite3_errmsg(st->db));
out:
	sqlite3_finalize(s);
	free(sql);
	free(create);
	buf_free(&cols);
	return r;
}

static void
close_db(struct store *st)
{
	size_t	 i;

	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(st->stmts[i]);
		st->stmts[i] = NULL;
	}
	/* sqlite3_close_v2 cannot fail for want of finalized statements. */
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	st->db = NULL;
	st->depth = 0;
	forget_folder(st);
}

void
store_close(struct store **stp)
{
	struct store	*st = *stp;

	if (st == NULL)
		return;
	if (st->depth > 0) {
		log_warn("cache %s: closed inside a transaction; its changes "
		    "are dropped", st->path);
		st->depth = 1;
		store_rollback(st);
	}
	close_db(st);
	buf_free(&st->record);
	free(st->path);
	free(st->mark);
	free(st->dir);
	free(st);
	*stp = NULL;
}

int
store_fail(struct store *st, char **error_r, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;
	int	 rc, fd;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	rc = sqlite3_errcode(st->db) & 0xff;
	/* Damage found in use (quick_check misses some) is fixed on next
	 * open; the marker is left empty: nothing of the file is to be read
	 * again (see record_damaged). */
	if ((rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) &&
	    (fd = open(st->mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) != -1) {
		close(fd);
		log_warn("cache %s: damaged (%s); it will be rebuilt when next "
		    "opened", st->path, sqlite3_errmsg(st->db));
		*error_r = xasprintf("cache %s: %s: %s; it will be rebuilt "
		    "when crispin next starts", st->path, what,
		    sqlite3_errmsg(st->db));
	} else
		*error_r = xasprintf("cache %s: %s: %s", st->path, what,
		    sqlite3_errmsg(st->db));
	free(what);
	return -1;
}

int
store_stmt_get(struct store *st, enum store_stmt id, sqlite3_stmt **sp,
    char **error_r)
{
	sqlite3_stmt	*s = st->stmts[id];
	int		 rc;

	if (s != NULL && !sqlite3_stmt_busy(s)) {
		*sp = s;
		return 0;
	}
	rc = sqlite3_prepare_v3(st->db, store_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, error_r, "cannot prepare a statement");
	if (st->stmts[id] == NULL)
		st->stmts[id] = s;
	*sp = s;
	return 0;
}

void
store_stmt_put(struct store *st, enum store_stmt id, sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	if (s != st->stmts[id]) {
		sqlite3_finalize(s);
		return;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Steps a statement that takes no parameters and returns no rows. */
static int
run(struct store *st, enum store_stmt id, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (store_stmt_get(st, id, &s, error_r) == -1)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot %s", store_run_what[id]);
		store_stmt_put(st, id, s);
		return -1;
	}
	store_stmt_put(st, id, s);
	return 0;
}

static void
forget_folder(struct store *st)
{
	x_free(&st->folder_name);
	st->folder_id = 0;
}

int
store_begin(struct store *st, char **error_r)
{
	/* A SAVEPOINT outside a transaction would silently start a new one. */
	if (st->depth > 0 && sqlite3_get_autocommit(st->db)) {
		*error_r = xasprintf("cache %s: the transaction was rolled back "
		    "after an earlier error", st->path);
		return -1;
	}
	if (run(st, st->depth == 0 ? ST_BEGIN : ST_SAVEPOINT, error_r) == -1)
		return -1;
	st->depth++;
	return 0;
}

int
store_commit(struct store *st, char **error_r)
{
	int	 r;

	if (st->depth == 0) {
		*error_r = xasprintf("cache %s: commit without a transaction",
		    st->path);
		return -1;
	}
	/* SQLite rolls back by itself on some errors (full disk, I/O). */
	if (sqlite3_get_autocommit(st->db)) {
		st->depth--;
		forget_folder(st);
		store_part_forget_bytes(st);
		*error_r = xasprintf("cache %s: the transaction was rolled back "
		    "after an earlier error; nothing was saved", st->path);
		return -1;
	}
	r = run(st, st->depth == 1 ? ST_COMMIT : ST_RELEASE, error_r);
	if (r == -1) {
		/* Leave no half-open transaction behind a failed commit. */
		store_rollback(st);
		return -1;
	}
	st->depth--;
	return 0;
}

void
store_rollback(struct store *st)
{
	char	*error = NULL;

	if (st->depth == 0)
		return;
	st->depth--;
	forget_folder(st);
	store_part_forget_bytes(st);
	if (sqlite3_get_autocommit(st->db))
		return;
	if (st->depth == 0) {
		if (run(st, ST_ROLLBACK, &error) == -1)
			goto fail;
	} else if (run(st, ST_ROLLBACK_TO, &error) == -1 ||
	    run(st, ST_RELEASE, &error) == -1)
		goto fail;
	return;
fail:
	log_error("%s", error);
	free(error);
}

int
store_folder_stmt(struct store *st, const char *folder, bool create,
    enum store_stmt id, sqlite3_stmt **s_r, char **error_r)
{
	int64_t	fid;
	int	r;

	if ((r = store_folder_id(st, folder, create, &fid, error_r)) <= 0)
		return r;
	if (store_stmt_get(st, id, s_r, error_r) == -1)
		return -1;
	sqlite3_bind_int64(*s_r, 1, fid);
	return 1;
}

int
store_folder_id(struct store *st, const char *folder, bool create,
    int64_t *id_r, char **error_r)
{
	sqlite3_stmt	*s;
	int64_t		 v;
	int		 rc;

	/* Inside our write transaction no other process can change it. */
	if (st->folder_name != NULL && st->depth == 0 &&
	    ((v = data_version(st)) == -1 || v != st->data_version))
		forget_folder(st);
	if (st->folder_name != NULL && strcmp(st->folder_name, folder) == 0) {
		*id_r = st->folder_id;
		return 1;
	}
	if (store_stmt_get(st, ST_FOLDER_FIND, &s, error_r) == -1)
		return -1;
	sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id_r = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot look up folder %s", folder);
		store_stmt_put(st, ST_FOLDER_FIND, s);
		return -1;
	}
	store_stmt_put(st, ST_FOLDER_FIND, s);
	if (rc == SQLITE_DONE) {
		if (!create)
			return 0;
		/* Another process may add it first: then take its row. */
		if (store_stmt_get(st, ST_FOLDER_ADD, &s, error_r) == -1)
			return -1;
		sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_fail(st, error_r, "cannot add folder %s", folder);
			store_stmt_put(st, ST_FOLDER_ADD, s);
			return -1;
		}
		store_stmt_put(st, ST_FOLDER_ADD, s);
		if (store_stmt_get(st, ST_FOLDER_FIND, &s, error_r) == -1)
			return -1;
		sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW) {
			store_fail(st, error_r, "cannot add folder %s", folder);
			store_stmt_put(st, ST_FOLDER_FIND, s);
			return -1;
		}
		*id_r = sqlite3_column_int64(s, 0);
		store_stmt_put(st, ST_FOLDER_FIND, s);
	}
	free(st->folder_name);
	st->folder_name = xstrdup(folder);
	st->folder_id = *id_r;
	st->data_version = data_version(st);
	return 1;
}

/* Changes when another connection commits; -1 if unknown, which only
 * costs a lookup. */
static int64_t
data_version(struct store *st)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;
	char		*error = NULL;

	if (store_stmt_get(st, ST_DATA_VERSION, &s, &error) == -1) {
		free(error);
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	store_stmt_put(st, ST_DATA_VERSION, s);
	return v;
}

int
store_folder_get(struct store *st, const char *folder,
    struct store_folder_state *fs, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(fs, 0, sizeof *fs);
	if (store_stmt_get(st, ST_FOLDER_GET, &s, error_r) == -1)
		return -1;
	sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		fs->uidvalidity = (uint32_t)sqlite3_column_int64(s, 0);
		fs->uidnext = (uint32_t)sqlite3_column_int64(s, 1);
		fs->highestmodseq = (uint64_t)sqlite3_column_int64(s, 2);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read the state of folder %s",
		    folder);
		store_stmt_put(st, ST_FOLDER_GET, s);
		return -1;
	}
	store_stmt_put(st, ST_FOLDER_GET, s);
	return 0;
}

int
store_folder_set(struct store *st, const char *folder,
    const struct store_folder_state *fs, char **error_r)
{
	sqlite3_stmt	*s;

	if (store_stmt_get(st, ST_FOLDER_SET, &s, error_r) == -1)
		return -1;
	sqlite3_bind_text(s, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, fs->uidvalidity);
	sqlite3_bind_int64(s, 3, fs->uidnext);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)fs->highestmodseq);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot save the state of folder %s",
		    folder);
		store_stmt_put(st, ST_FOLDER_SET, s);
		return -1;
	}
	store_stmt_put(st, ST_FOLDER_SET, s);
	return 0;
}

/* Runs a statement whose only parameter is a folder id. */
static int
run_id(struct store *st, enum store_stmt id, int64_t folder_id,
    const char *what, const char *folder, char **error_r)
{
	sqlite3_stmt	*s;

	if (store_stmt_get(st, id, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, folder_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot %s of %s", what, folder);
		store_stmt_put(st, id, s);
		return -1;
	}
	store_stmt_put(st, id, s);
	return 0;
}

int
store_folder_clear(struct store *st, const char *folder, char **error_r)
{
	int64_t	 id;
	int	 r;

	if ((r = store_folder_id(st, folder, false, &id, error_r)) <= 0)
		return r;
	if (store_begin(st, error_r) == -1)
		return -1;
	/* The state goes too: a kept HIGHESTMODSEQ would skip the refetch. */
	if (run_id(st, ST_MSG_CLEAR, id, "forget the messages", folder,
	    error_r) == -1 ||
	    run_id(st, ST_PART_CLEAR, id, "forget the body parts", folder,
	    error_r) == -1 ||
	    run_id(st, ST_FOLDER_ZERO, id, "forget the state", folder,
	    error_r) == -1) {
		store_rollback(st);
		return -1;
	}
	store_part_forget_bytes(st);
	return store_commit(st, error_r);
}

/* Runs a statement with one or two folder names as parameters. */
static int
run_names(struct store *st, enum store_stmt id, const char *a, const char *b,
    const char *what, char **error_r)
{
	sqlite3_stmt	*s;

	if (store_stmt_get(st, id, &s, error_r) == -1)
		return -1;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot %s %s", what, a);
		store_stmt_put(st, id, s);
		return -1;
	}
	store_stmt_put(st, id, s);
	return 0;
}

int
store_folder_rename(struct store *st, const char *from, const char *to,
    char **error_r)
{
	if (strcmp(from, to) == 0)
		return 0;
	forget_folder(st);
	store_part_forget_bytes(st);
	if (store_begin(st, error_r) == -1)
		return -1;
	/* What was cached under the new name is stale now. */
	if (run_names(st, ST_FOLDER_DELETE, to, NULL, "forget folder",
	    error_r) == -1 ||
	    run_names(st, ST_FOLDER_RENAME, from, to, "rename folder",
	    error_r) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, error_r);
}

int
store_folder_delete(struct store *st, const char *folder, char **error_r)
{
	forget_folder(st);
	store_part_forget_bytes(st);
	/* Messages and parts go with it (ON DELETE CASCADE). */
	return run_names(st, ST_FOLDER_DELETE, folder, NULL, "forget folder",
	    error_r);
}

int
store_msg_put(struct store *st, const char *folder, const struct store_msg *m,
    char **error_r)
{
	sqlite3_stmt	*s;

	if (store_folder_stmt(st, folder, true, ST_MSG_PUT, &s, error_r) == -1)
		return -1;
	store_record_pack(&st->record, m);
	sqlite3_bind_int64(s, 2, m->uid);
	sqlite3_bind_int64(s, 3, m->flags);
	sqlite3_bind_text(s, 4, m->keywords, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)m->modseq);
	sqlite3_bind_text(s, 6, m->emailid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, m->threadid, -1, SQLITE_STATIC);
	if (sqlite3_bind_blob64(s, 8, st->record.data, st->record.len,
	    SQLITE_STATIC) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot write message %lu of %s",
		    (unsigned long)m->uid, folder);
		store_stmt_put(st, ST_MSG_PUT, s);
		return -1;
	}
	store_stmt_put(st, ST_MSG_PUT, s);
	return 0;
}

int
store_msg_set_flags(struct store *st, const char *folder, uint32_t uid,
    unsigned flags, const char *keywords, uint64_t modseq, char **error_r)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_folder_stmt(st, folder, false, ST_MSG_FLAGS, &s, error_r)) <= 0)
		return r;
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int64(s, 3, flags);
	sqlite3_bind_text(s, 4, keywords, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)modseq);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot write the flags of message %lu "
		    "of %s", (unsigned long)uid, folder);
		store_stmt_put(st, ST_MSG_FLAGS, s);
		return -1;
	}
	store_stmt_put(st, ST_MSG_FLAGS, s);
	return 0;
}

/* Runs statement which with ?1 folder, ?2..?3 a UID range, ?4 other. */
static int
run_range(struct store *st, enum store_stmt which, int64_t folder_id,
    uint32_t lo, uint32_t hi, int64_t other, char **error_r)
{
	sqlite3_stmt	*s;

	if (store_stmt_get(st, which, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	sqlite3_bind_int64(s, 4, other);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot keep the parts of moved messages");
		store_stmt_put(st, which, s);
		return -1;
	}
	store_stmt_put(st, which, s);
	return 0;
}

int
store_msg_delete(struct store *st, const char *folder,
    const struct imap_seqset *uids, char **error_r)
{
	sqlite3_stmt	*s;
	int64_t		 id, orphans;
	size_t		 i;
	int		 r;

	if (uids->count == 0 ||
	    (r = store_folder_id(st, folder, false, &id, error_r)) == 0)
		return 0;
	if (r == -1 || store_begin(st, error_r) == -1)
		return -1;
	/* "" is no mailbox: the parts of messages known by EMAILID wait
	 * there for the message to show up elsewhere (a move). */
	if (store_folder_id(st, "", true, &orphans, error_r) == -1 ||
	    store_folder_id(st, folder, false, &id, error_r) != 1)
		goto fail;
	for (i = 0; i < uids->count; i++) {
		if (id != orphans &&
		    (run_range(st, ST_ORPHAN_MSGS, id, uids->ranges[i].lo,
		    uids->ranges[i].hi, orphans, error_r) == -1 ||
		    run_range(st, ST_ORPHAN_PARTS, id, uids->ranges[i].lo,
		    uids->ranges[i].hi, orphans, error_r) == -1))
			goto fail;
		if (store_stmt_get(st, ST_MSG_DELETE, &s, error_r) == -1)
			goto fail;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, uids->ranges[i].lo);
		sqlite3_bind_int64(s, 3, uids->ranges[i].hi);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_fail(st, error_r, "cannot delete messages %lu:%lu "
			    "of %s", (unsigned long)uids->ranges[i].lo,
			    (unsigned long)uids->ranges[i].hi, folder);
			store_stmt_put(st, ST_MSG_DELETE, s);
			goto fail;
		}
		store_stmt_put(st, ST_MSG_DELETE, s);
		if (store_part_delete_uids(st, id, uids->ranges[i].lo,
		    uids->ranges[i].hi, error_r) == -1)
			goto fail;
	}
	/* Waiting records whose parts were evicted meanwhile go. */
	if (run_range(st, ST_ORPHAN_PRUNE, orphans, 0, 0, 0, error_r) == -1)
		goto fail;
	return store_commit(st, error_r);
fail:
	store_rollback(st);
	return -1;
}

int
store_msg_set_emailid(struct store *st, const char *folder, uint32_t uid,
    const char *emailid, char **error_r)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_folder_stmt(st, folder, false, ST_MSG_EMAILID, &s, error_r)) <= 0)
		return r;
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_text(s, 3, emailid, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : store_fail(st, error_r,
	    "cannot record the EMAILID of message %lu of %s",
	    (unsigned long)uid, folder);
	store_stmt_put(st, ST_MSG_EMAILID, s);
	return r;
}

/* 0, or -1 with *why_r when the packed record does not decode. The
 * blob's pointer comes before its size, as SQLite asks. */
static int
msg_from_row(sqlite3_stmt *s, struct store_msg *m, const char **why_r)
{
	const void	*record;

	m->uid = (uint32_t)sqlite3_column_int64(s, 0);
	m->flags = (unsigned)sqlite3_column_int64(s, 1);
	m->keywords = (const char *)sqlite3_column_text(s, 2);
	m->modseq = (uint64_t)sqlite3_column_int64(s, 3);
	m->emailid = (const char *)sqlite3_column_text(s, 4);
	m->threadid = (const char *)sqlite3_column_text(s, 5);
	/* Anything but a BLOB reads as its bytes, as untrusted as any. */
	record = sqlite3_column_blob(s, 6);
	return store_record_unpack(record,
	    (size_t)sqlite3_column_bytes(s, 6), m, why_r);
}

/*
 * A record that does not decode is damage SQLite cannot see: the cache
 * is marked to be rebuilt at the next open, like a corrupt page, but its
 * file is sound, so the rebuild keeps the journal and outbox. The marker
 * of a corrupt file (empty) is never replaced by this one.
 */
static int
record_damaged(struct store *st, const char *what, const char *folder,
    uint32_t uid, const char *why, char **error_r)
{
	int	 fd;

	fd = open(st->mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1) {
		(void)fd_write_all(fd, STORE_MARK_SOUND, strlen(STORE_MARK_SOUND));
		close(fd);
	}
	log_warn("cache %s: damaged record for UID %lu of %s (%s); it will be "
	    "rebuilt when next opened", st->path, (unsigned long)uid, folder,
	    why);
	*error_r = xasprintf("cache %s: cannot read %s of %s: damaged record "
	    "for UID %lu (%s); it will be rebuilt when crispin next starts",
	    st->path, what, folder, (unsigned long)uid, why);
	return -1;
}

/* Steps a bound SELECT of MSG_COLUMNS through cb, then releases it. */
static int
msg_iterate(struct store *st, enum store_stmt id, sqlite3_stmt *s,
    const char *what, const char *folder, store_msg_cb *cb, void *arg,
    char **error_r)
{
	struct store_msg	 m;
	const char		*why;
	int			 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (msg_from_row(s, &m, &why) == -1) {
			record_damaged(st, what, folder, m.uid, why, error_r);
			store_stmt_put(st, id, s);
			return -1;
		}
		if (cb(&m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read %s of %s", what, folder);
		store_stmt_put(st, id, s);
		return -1;
	}
	store_stmt_put(st, id, s);
	return 0;
}

int
store_msg_each(struct store *st, const char *folder, uint32_t min_uid,
    store_msg_cb *cb, void *arg, char **error_r)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_folder_stmt(st, folder, false, ST_MSG_EACH, &s, error_r)) <= 0)
		return r;
	sqlite3_bind_int64(s, 2, min_uid);
	return msg_iterate(st, ST_MSG_EACH, s, "the messages", folder, cb, arg, error_r);
}

int
store_msg_newest(struct store *st, const char *folder, size_t n,
    store_msg_cb *cb, void *arg, char **error_r)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_folder_stmt(st, folder, false, ST_MSG_NEWEST, &s, error_r)) <= 0)
		return r;
	sqlite3_bind_int64(s, 2, n > INT64_MAX ? INT64_MAX : (int64_t)n);
	return msg_iterate(st, ST_MSG_NEWEST, s, "the newest messages",
	    folder, cb, arg, error_r);
}

int
store_msg_uids(struct store *st, const char *folder, struct imap_seqset *set,
    char **error_r)
{
	sqlite3_stmt	*s;
	uint32_t	 uid, lo = 0, hi = 0;
	bool		 open_run = false;
	int		 r, rc;

	set->count = 0;
	if ((r = store_folder_stmt(st, folder, false, ST_MSG_UIDS, &s, error_r)) <= 0)
		return r;
	/* Rows come in UID order: a run ends where a UID is skipped. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(s, 0);
		if (open_run && uid == hi + 1) {
			hi = uid;
			continue;
		}
		if (open_run)
			imap_seqset_add(set, lo, hi);
		lo = hi = uid;
		open_run = true;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read the UIDs of %s", folder);
		store_stmt_put(st, ST_MSG_UIDS, s);
		set->count = 0;
		return -1;
	}
	store_stmt_put(st, ST_MSG_UIDS, s);
	if (open_run)
		imap_seqset_add(set, lo, hi);
	return 0;
}

int
store_msg_count(struct store *st, const char *folder, size_t *count,
    char **error_r)
{
	sqlite3_stmt	*s;
	int		 r;

	*count = 0;
	if ((r = store_folder_stmt(st, folder, false, ST_MSG_COUNT, &s, error_r)) <= 0)
		return r;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, error_r, "cannot count the messages of %s",
		    folder);
		store_stmt_put(st, ST_MSG_COUNT, s);
		return -1;
	}
	*count = (size_t)sqlite3_column_int64(s, 0);
	store_stmt_put(st, ST_MSG_COUNT, s);
	return 0;
}
