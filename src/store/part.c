/* The body-part cache: parts fetched for display, within a size limit. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/log.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "store_p.h"

struct victim {
	int64_t		 id;
	uint64_t	 size;
};

static int	 load_bytes(struct store *, char **);
static int	 load_clock(struct store *, char **);
static int	 evict(struct store *, char **);
static int	 old_size(struct store *, int64_t, uint32_t, uint32_t,
		    const char *, uint64_t *, char **);
static int	 fetch(struct store *, enum store_stmt, sqlite3_stmt *,
		    const char *, struct buf *, char **);
static int	 from_emailid(struct store *, int64_t, const char *, uint32_t,
		    uint32_t, const char *, struct buf *, char **);

void
store_part_forget_bytes(struct store *st)
{
	st->part_bytes_valid = false;
}

/* The total is kept in memory and reloaded (from the covering index on
 * last_used, size) after anything that may have changed it wholesale. */
static int
load_bytes(struct store *st, char **error_r)
{
	sqlite3_stmt	*s;

	if (st->part_bytes_valid)
		return 0;
	if (store_stmt_get(st, ST_PART_BYTES, &s, error_r) == -1)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, error_r, "cannot add up the cached body parts");
		store_stmt_put(st, ST_PART_BYTES, s);
		return -1;
	}
	st->part_bytes = (uint64_t)sqlite3_column_double(s, 0);
	st->part_bytes_valid = true;
	store_stmt_put(st, ST_PART_BYTES, s);
	return 0;
}

/* last_used is a counter, not a time: it never goes back with the clock. */
static int
load_clock(struct store *st, char **error_r)
{
	sqlite3_stmt	*s;

	if (st->part_clock_valid)
		return 0;
	if (store_stmt_get(st, ST_PART_CLOCK, &s, error_r) == -1)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, error_r, "cannot read the cached body parts");
		store_stmt_put(st, ST_PART_CLOCK, s);
		return -1;
	}
	st->part_clock = sqlite3_column_int64(s, 0);
	st->part_clock_valid = true;
	store_stmt_put(st, ST_PART_CLOCK, s);
	return 0;
}

static int
old_size(struct store *st, int64_t folder_id, uint32_t uidvalidity,
    uint32_t uid, const char *part, uint64_t *size_r, char **error_r)
{
	sqlite3_stmt	*s;
	int		 rc;

	*size_r = 0;
	if (store_stmt_get(st, ST_PART_SIZE, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int64(s, 3, uidvalidity);
	sqlite3_bind_text(s, 4, part, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*size_r = (uint64_t)sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot read the cached body parts");
		store_stmt_put(st, ST_PART_SIZE, s);
		return -1;
	}
	store_stmt_put(st, ST_PART_SIZE, s);
	return 0;
}

/* Drops least recently used parts until the total fits the limit. The
 * victims are collected first so no row is deleted under a running scan. */
static int
evict(struct store *st, char **error_r)
{
	sqlite3_stmt	*s;
	struct victim	*v = NULL;
	size_t		 n = 0, cap = 0, i;
	uint64_t	 need, freed = 0;
	int		 rc = SQLITE_DONE;

	if (load_bytes(st, error_r) == -1)
		return -1;
	if (st->part_bytes <= st->part_limit)
		return 0;
	need = st->part_bytes - st->part_limit;
	if (store_stmt_get(st, ST_PART_LRU, &s, error_r) == -1)
		return -1;
	while (freed < need && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].size = (uint64_t)sqlite3_column_int64(s, 1);
		freed += v[n].size;
		n++;
	}
	if (freed < need && rc != SQLITE_DONE) {
		store_fail(st, error_r, "cannot find body parts to evict");
		store_stmt_put(st, ST_PART_LRU, s);
		free(v);
		return -1;
	}
	store_stmt_put(st, ST_PART_LRU, s);
	for (i = 0; i < n; i++) {
		if (store_stmt_get(st, ST_PART_DELETE, &s, error_r) == -1)
			goto fail;
		sqlite3_bind_int64(s, 1, v[i].id);
		if (sqlite3_step(s) != SQLITE_DONE) {
			store_fail(st, error_r, "cannot evict a body part");
			store_stmt_put(st, ST_PART_DELETE, s);
			goto fail;
		}
		store_stmt_put(st, ST_PART_DELETE, s);
		st->part_bytes -= v[i].size;
	}
	free(v);
	return 0;
fail:
	free(v);
	store_part_forget_bytes(st);
	return -1;
}

int
store_part_put(struct store *st, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *part, const void *data, size_t len,
    char **error_r)
{
	sqlite3_stmt	*s;
	int64_t		 id;
	uint64_t	 old;

	/* A part bigger than the whole cache would only evict everything. */
	if (len > st->part_limit)
		return 0;
	if (store_begin(st, error_r) == -1)
		return -1;
	/* Another process may have added parts since: count afresh. */
	st->part_bytes_valid = st->part_clock_valid = false;
	if (store_folder_id(st, folder, true, &id, error_r) == -1 ||
	    load_bytes(st, error_r) == -1 || load_clock(st, error_r) == -1 ||
	    old_size(st, id, uidvalidity, uid, part, &old, error_r) == -1 ||
	    store_stmt_get(st, ST_PART_PUT, &s, error_r) == -1)
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int64(s, 3, uidvalidity);
	sqlite3_bind_text(s, 4, part, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)len);
	sqlite3_bind_int64(s, 6, st->part_clock + 1);
	/* A zero-length blob must still be a blob: data NOT NULL. */
	sqlite3_bind_blob64(s, 7, len > 0 ? data : "", len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot write part %s of message %lu "
		    "of %s", part, (unsigned long)uid, folder);
		store_stmt_put(st, ST_PART_PUT, s);
		goto fail;
	}
	store_stmt_put(st, ST_PART_PUT, s);
	st->part_clock++;
	st->part_bytes = st->part_bytes - old + len;
	if (evict(st, error_r) == -1)
		goto fail;
	return store_commit(st, error_r);
fail:
	store_rollback(st);
	return -1;
}

/* Appends the blob of the bound statement's first row to out and marks
 * it used; 1 found, 0 not. */
static int
fetch(struct store *st, enum store_stmt sid, sqlite3_stmt *s,
    const char *what, struct buf *out, char **error_r)
{
	sqlite3_stmt	*t;
	char		*error = NULL;
	int64_t		 id;
	int		 rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		store_stmt_put(st, sid, s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		store_fail(st, error_r, "cannot read %s", what);
		store_stmt_put(st, sid, s);
		return -1;
	}
	id = sqlite3_column_int64(s, 0);
	buf_add(out, sqlite3_column_blob(s, 1),
	    (size_t)sqlite3_column_bytes(s, 1));
	store_stmt_put(st, sid, s);

	/* Losing the recency of one part is no reason to withhold it. */
	if (load_clock(st, &error) == -1 ||
	    store_stmt_get(st, ST_PART_TOUCH, &t, &error) == -1)
		goto warn;
	sqlite3_bind_int64(t, 1, id);
	sqlite3_bind_int64(t, 2, st->part_clock + 1);
	if (sqlite3_step(t) != SQLITE_DONE) {
		store_fail(st, &error, "cannot mark %s as used", what);
		store_stmt_put(st, ST_PART_TOUCH, t);
		goto warn;
	}
	store_stmt_put(st, ST_PART_TOUCH, t);
	st->part_clock++;
	return 1;
warn:
	log_warn("%s", error);
	free(error);
	return 1;
}

int
store_part_get(struct store *st, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *part, struct buf *out, char **error_r)
{
	sqlite3_stmt	*s;
	char		*what;
	int64_t		 id;
	int		 r;

	if ((r = store_folder_id(st, folder, false, &id, error_r)) <= 0)
		return r;
	if (store_stmt_get(st, ST_PART_GET, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int64(s, 3, uidvalidity);
	sqlite3_bind_text(s, 4, part, -1, SQLITE_STATIC);
	what = xasprintf("part %s of message %lu of %s", part,
	    (unsigned long)uid, folder);
	r = fetch(st, ST_PART_GET, s, what, out, error_r);
	free(what);
	if (r == 0)
		r = from_emailid(st, id, folder, uidvalidity, uid, part, out,
		    error_r);
	return r;
}

/*
 * A part not cached under this folder and UID may be under the same
 * EMAILID elsewhere (the message was moved, or is in two folders): found
 * there, it is copied here too, so the next look is direct.
 */
static int
from_emailid(struct store *st, int64_t folder_id, const char *folder,
    uint32_t uidvalidity, uint32_t uid, const char *part, struct buf *out,
    char **error_r)
{
	sqlite3_stmt	*s;
	char		*emailid = NULL, *error = NULL;
	size_t		 start = out->len;
	int		 r;

	if (store_stmt_get(st, ST_MSG_GET_EMAILID, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		emailid = xstrdup((const char *)sqlite3_column_text(s, 0));
	store_stmt_put(st, ST_MSG_GET_EMAILID, s);
	if (emailid == NULL)
		return 0;
	r = store_part_get_by_emailid(st, emailid, part, out, error_r);
	free(emailid);
	if (r == 1 && store_part_put(st, folder, uidvalidity, uid, part,
	    out->data + start, out->len - start, &error) == -1) {
		/* The copy only saves the next lookup. */
		free(error);
	}
	return r;
}

int
store_part_get_by_emailid(struct store *st, const char *emailid,
    const char *part, struct buf *out, char **error_r)
{
	sqlite3_stmt	*s;
	char		*what;
	int		 r;

	if (store_stmt_get(st, ST_PART_BY_EMAILID, &s, error_r) == -1)
		return -1;
	sqlite3_bind_text(s, 1, emailid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, part, -1, SQLITE_STATIC);
	what = xasprintf("part %s of message %s", part, emailid);
	r = fetch(st, ST_PART_BY_EMAILID, s, what, out, error_r);
	free(what);
	return r;
}

int
store_part_delete_uids(struct store *st, int64_t folder_id, uint32_t lo,
    uint32_t hi, char **error_r)
{
	sqlite3_stmt	*s;

	if (store_stmt_get(st, ST_PART_DELETE_UIDS, &s, error_r) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, error_r, "cannot delete the body parts of "
		    "messages %lu:%lu", (unsigned long)lo, (unsigned long)hi);
		store_stmt_put(st, ST_PART_DELETE_UIDS, s);
		return -1;
	}
	if (sqlite3_changes(st->db) > 0)
		store_part_forget_bytes(st);
	store_stmt_put(st, ST_PART_DELETE_UIDS, s);
	return 0;
}

void
store_set_part_limit(struct store *st, uint64_t bytes)
{
	char	*error = NULL;

	st->part_limit = bytes;
	if (store_begin(st, &error) == -1)
		goto fail;
	st->part_bytes_valid = false;
	if (evict(st, &error) == -1) {
		store_rollback(st);
		goto fail;
	}
	if (store_commit(st, &error) == -1)
		goto fail;
	return;
fail:
	log_warn("%s", error);
	free(error);
}

uint64_t
store_part_bytes(struct store *st)
{
	char	*error = NULL;

	st->part_bytes_valid = false;
	if (load_bytes(st, &error) == -1) {
		log_warn("%s", error);
		free(error);
	}
	return st->part_bytes;
}
