/*
 * The outbox: messages on their way out, kept until the server took them
 * and their Sent copy and flags are done. The table is created on first
 * use; its statements are few and rare, so each is prepared when run.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "store_p.h"

#define OUTBOX_COLUMNS \
	"id, state, created, attempted, attempts, owner_pid, last_error," \
	" env_from, rcpts, tasks, reply_folder, reply_uid, forward_folder," \
	" forward_uid"

static const char outbox_schema[] =
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" state INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" attempted INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" owner_pid INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" env_from TEXT NOT NULL,"
	" rcpts TEXT NOT NULL,"
	" tasks INTEGER NOT NULL,"
	" reply_folder TEXT, reply_uid INTEGER NOT NULL DEFAULT 0,"
	" forward_folder TEXT, forward_uid INTEGER NOT NULL DEFAULT 0,"
	" message BLOB NOT NULL)";

static const char *const state_names[] = {
	[STORE_OUTBOX_QUEUED] = "queued",
	[STORE_OUTBOX_SENDING] = "sending",
	[STORE_OUTBOX_SENT] = "sent",
};

static int	 ensure_table(struct store *, char **);
static int	 prepare(struct store *, const char *, sqlite3_stmt **, char **);
static int	 finish(struct store *, sqlite3_stmt *, const char *, char **);
static int	 durable(struct store *, bool, char **);
static int	 iterate(struct store *, sqlite3_stmt *, bool, store_outbox_cb *,
		    void *, char **);
static void	 bind_text_or_null(sqlite3_stmt *, int, const char *);

const char *
store_outbox_state_name(enum store_outbox_state state)
{
	if ((size_t)state >= sizeof state_names / sizeof state_names[0])
		return "unknown";
	return state_names[state];
}

/* AUTOINCREMENT: an id is never handed out twice, so a report naming an
 * entry that was sent and removed can never point at a newer message. */
static int
ensure_table(struct store *st, char **error_r)
{
	if (sqlite3_exec(st->db, outbox_schema, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot create the outbox");
	return 0;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **sp, char **error_r)
{
	if (ensure_table(st, error_r) == -1)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, sp, NULL) != SQLITE_OK) {
		*sp = NULL;
		return store_fail(st, error_r, "cannot read the outbox");
	}
	return 0;
}

/* Steps a statement that returns no rows and finalizes it. */
static int
finish(struct store *st, sqlite3_stmt *s, const char *what, char **error_r)
{
	int	 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot %s", what);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* The cache syncs lazily (a crash loses nothing, a power cut may lose the
 * last changes); a message the user was told is queued must survive both. */
static int
durable(struct store *st, bool on, char **error_r)
{
	const char	*sql = on ? "PRAGMA synchronous = FULL" :
			    "PRAGMA synchronous = NORMAL";

	/* Inside a transaction the outermost commit decides. */
	if (st->depth > 0)
		return 0;
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, error_r, "cannot set up a safe write");
	return 0;
}

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int
store_outbox_add(struct store *st, const struct store_outbox_entry *e,
    int64_t *id_r, char **error_r)
{
	sqlite3_stmt	*s;
	char		*ignored = NULL;
	int		 r;

	if (st->depth > 0) {
		*error_r = xasprintf("cache %s: the outbox is written outside "
		    "other transactions", st->path);
		return -1;
	}
	if (prepare(st, "INSERT INTO outbox (state, created, env_from, rcpts,"
	    " tasks, reply_folder, reply_uid, forward_folder, forward_uid,"
	    " message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &s,
	    error_r) == -1)
		return -1;
	sqlite3_bind_int(s, 1, STORE_OUTBOX_QUEUED);
	sqlite3_bind_int64(s, 2, e->created);
	sqlite3_bind_text(s, 3, e->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, e->rcpts, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, (int)e->tasks);
	bind_text_or_null(s, 6, e->reply_folder);
	sqlite3_bind_int64(s, 7, e->reply_uid);
	bind_text_or_null(s, 8, e->forward_folder);
	sqlite3_bind_int64(s, 9, e->forward_uid);
	sqlite3_bind_blob64(s, 10, e->data != NULL ? e->data : "", e->len,
	    SQLITE_STATIC);
	if (durable(st, true, error_r) == -1) {
		sqlite3_finalize(s);
		return -1;
	}
	/* Outside a transaction the insert commits on its own. */
	r = finish(st, s, "add the message to the outbox", error_r);
	if (r == 0 && id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(st->db);
	(void)durable(st, false, &ignored);
	free(ignored);
	return r;
}

static int
iterate(struct store *st, sqlite3_stmt *s, bool with_data, store_outbox_cb *cb,
    void *arg, char **error_r)
{
	struct store_outbox_entry	 e;
	int				 rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof e);
		e.id = sqlite3_column_int64(s, 0);
		e.state = (enum store_outbox_state)sqlite3_column_int(s, 1);
		e.created = sqlite3_column_int64(s, 2);
		e.attempted = sqlite3_column_int64(s, 3);
		e.attempts = (unsigned)sqlite3_column_int(s, 4);
		e.owner_pid = sqlite3_column_int64(s, 5);
		e.last_error = (const char *)sqlite3_column_text(s, 6);
		e.from = (const char *)sqlite3_column_text(s, 7);
		e.rcpts = (const char *)sqlite3_column_text(s, 8);
		e.tasks = (unsigned)sqlite3_column_int(s, 9);
		e.reply_folder = (const char *)sqlite3_column_text(s, 10);
		e.reply_uid = (uint32_t)sqlite3_column_int64(s, 11);
		e.forward_folder = (const char *)sqlite3_column_text(s, 12);
		e.forward_uid = (uint32_t)sqlite3_column_int64(s, 13);
		if (with_data) {
			e.data = sqlite3_column_blob(s, 14);
			e.len = (size_t)sqlite3_column_bytes(s, 14);
			if (e.data == NULL)
				e.data = "";
		}
		if (e.from == NULL)
			e.from = "";
		if (e.rcpts == NULL)
			e.rcpts = "";
		n++;
		if (cb(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read the outbox");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return n;
}

int
store_outbox_each(struct store *st, bool with_data, store_outbox_cb *cb,
    void *arg, char **error_r)
{
	sqlite3_stmt	*s;

	/* The blob is the last column: without it, it is never read. */
	if (prepare(st, with_data ?
	    "SELECT " OUTBOX_COLUMNS ", message FROM outbox ORDER BY id" :
	    "SELECT " OUTBOX_COLUMNS " FROM outbox ORDER BY id", &s, error_r) == -1)
		return -1;
	return iterate(st, s, with_data, cb, arg, error_r) < 0 ? -1 : 0;
}

int
store_outbox_get(struct store *st, int64_t id, store_outbox_cb *cb, void *arg,
    char **error_r)
{
	sqlite3_stmt	*s;

	if (prepare(st, "SELECT " OUTBOX_COLUMNS ", message FROM outbox"
	    " WHERE id = ?1", &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return iterate(st, s, true, cb, arg, error_r);
}

int
store_outbox_claim(struct store *st, int64_t id,
    enum store_outbox_state from_state, int64_t from_owner, int64_t owner_pid,
    int64_t now, char **error_r)
{
	sqlite3_stmt	*s;

	if (prepare(st, "UPDATE outbox SET state = ?5, owner_pid = ?4,"
	    " attempted = ?6, attempts = attempts + 1"
	    " WHERE id = ?1 AND state = ?2 AND owner_pid = ?3", &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, from_state);
	sqlite3_bind_int64(s, 3, from_owner);
	sqlite3_bind_int64(s, 4, owner_pid);
	sqlite3_bind_int(s, 5, STORE_OUTBOX_SENDING);
	sqlite3_bind_int64(s, 6, now);
	if (finish(st, s, "claim a message of the outbox", error_r) == -1)
		return -1;
	return sqlite3_changes(st->db) == 1 ? 1 : 0;
}

int
store_outbox_set_state(struct store *st, int64_t id, enum store_outbox_state state,
    const char *last_error, char **error_r)
{
	sqlite3_stmt	*s;
	char		*ignored = NULL;
	int		 r;

	if (prepare(st, "UPDATE outbox SET state = ?2, owner_pid = 0,"
	    " last_error = ?3 WHERE id = ?1", &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, state);
	bind_text_or_null(s, 3, last_error);
	/* "The server took it" must not be forgotten: that would send twice. */
	if (durable(st, true, error_r) == -1) {
		sqlite3_finalize(s);
		return -1;
	}
	r = finish(st, s, "update the outbox", error_r);
	(void)durable(st, false, &ignored);
	free(ignored);
	return r;
}

int
store_outbox_tasks_done(struct store *st, int64_t id, unsigned done,
    char **error_r)
{
	sqlite3_stmt	*s;

	if (prepare(st, "UPDATE outbox SET tasks = tasks & ~?2 WHERE id = ?1", &s,
	    error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)done);
	return finish(st, s, "update the outbox", error_r);
}

int
store_outbox_delete(struct store *st, int64_t id, char **error_r)
{
	sqlite3_stmt	*s;

	if (prepare(st, "DELETE FROM outbox WHERE id = ?1", &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return finish(st, s, "remove a message from the outbox", error_r);
}

int
store_outbox_count(struct store *st, size_t *count, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	*count = 0;
	if (prepare(st, "SELECT count(*) FROM outbox", &s, error_r) == -1)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		store_fail(st, error_r, "cannot count the outbox");
		sqlite3_finalize(s);
		return -1;
	}
	*count = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}
