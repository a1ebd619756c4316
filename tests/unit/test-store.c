/* The SQLite cache: round trips, transactions, crashes, damage, parts. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/log.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "test.h"
#include "store-test.h"

#define ACCOUNT "alice@example.org@imap.example.org"

/* A copy of a record, so it outlives the callback. */
struct copy {
	struct store_msg m;
	char		*s[10];
};

struct collect {
	struct copy	 c[64];
	size_t		 n;
	size_t		 stop_after;	/* 0: never */
	struct store	*st;		/* for calls from inside the callback */
	size_t		 inner;
};

static char	*tmpdir;

static char	*cache_path(const char *, const char *);
static void	 msg_init(struct store_msg *, uint32_t);
static int	 collect_cb(const struct store_msg *, void *);
static void	 collect_free(struct collect *);
static char	*uids_string(struct store *, const char *);
static void	 put_uids(struct store *, const char *, const char *);
static int	 count_broken(const char *);
static void	 spoil(const char *, const void *, size_t);
static void	 expect_rebuilt(const char *, const char *);
static void	 fill(const char *, uint32_t);
static int	 count_cb(const struct store_msg *, void *);
static void	 test_names(void);
static void	 test_roundtrip(void);
static void	 test_messages(void);
static void	 test_folders(void);
static void	 test_transactions(void);
static void	 test_shared(void);
static void	 test_crash(void);
static void	 test_damage(void);
static void	 test_modes(void);
static void	 test_parts(void);
static void	 test_moved_parts(void);
static void	 test_errors(void);
static void	 test_many(void);
static void	 test_uid_index(void);
static bool	 has_uid_index(const char *);

static char *
cache_path(const char *dir, const char *account)
{
	char	*name, *path;

	name = store_account_dirname(account);
	path = xasprintf("%s/%s/cache.sqlite", dir, name);
	free(name);
	return path;
}


static void
msg_init(struct store_msg *m, uint32_t uid)
{
	memset(m, 0, sizeof *m);
	m->uid = uid;
	m->flags = IMAP_FLAG_SEEN;
	m->internaldate = 1700000000 + uid;
	m->date = 1700000000 + uid;
	m->size = 1000 + uid;
	m->subject = "hello";
}

static int
collect_cb(const struct store_msg *m, void *arg)
{
	struct collect	*col = arg;
	struct copy	*c = &col->c[col->n];
	const char	*in[10] = { m->keywords, m->from, m->to, m->cc, m->subject,
			    m->message_id, m->in_reply_to, m->references,
			    m->emailid, m->threadid };
	const char	**out[10] = { &c->m.keywords, &c->m.from, &c->m.to,
			    &c->m.cc, &c->m.subject, &c->m.message_id,
			    &c->m.in_reply_to, &c->m.references, &c->m.emailid,
			    &c->m.threadid };
	size_t		 i, n;
	char		*error = NULL;

	if (col->n == sizeof col->c / sizeof col->c[0])
		return 1;
	c->m = *m;
	for (i = 0; i < 10; i++) {
		c->s[i] = in[i] != NULL ? xstrdup(in[i]) : NULL;
		*out[i] = c->s[i];
	}
	col->n++;
	if (col->st != NULL) {
		/* Calls back into the store while its statement runs. */
		if (store_msg_count(col->st, "INBOX", &n, &error) == 0)
			col->inner += n;
		free(error);
	}
	return col->stop_after != 0 && col->n >= col->stop_after;
}

static void
collect_free(struct collect *col)
{
	size_t	 i, j;

	for (i = 0; i < col->n; i++)
		for (j = 0; j < 10; j++)
			free(col->c[i].s[j]);
	memset(col, 0, sizeof *col);
}

static char *
uids_string(struct store *st, const char *folder)
{
	struct imap_seqset	 set;
	struct buf		 b = BUF_INIT;
	char			*error = NULL;

	imap_seqset_init(&set);
	if (store_msg_uids(st, folder, &set, &error) == -1) {
		printf("store_msg_uids: %s\n", error);
		free(error);
	}
	imap_seqset_write(&b, &set);
	imap_seqset_free(&set);
	return buf_steal(&b);
}

static void
put_uids(struct store *st, const char *folder, const char *uids)
{
	struct imap_seqset	 set;
	struct store_msg	 m;
	char			*error = NULL;
	size_t			 i;
	uint32_t		 u;

	imap_seqset_init(&set);
	imap_seqset_parse(&set, uids);
	for (i = 0; i < set.count; i++) {
		for (u = set.ranges[i].lo; u <= set.ranges[i].hi; u++) {
			msg_init(&m, u);
			if (store_msg_put(st, folder, &m, &error) == -1) {
				printf("store_msg_put: %s\n", error);
				x_free(&error);
			}
		}
	}
	imap_seqset_free(&set);
}

static void
test_names(void)
{
	char	*s;

	s = store_account_dirname(ACCOUNT);
	TEST_STREQ(s, ACCOUNT, "a plain account name is kept");
	free(s);
	s = store_account_dirname("../x/y%z");
	TEST_STREQ(s, "%2E.%2Fx%2Fy%25z", "leading dot, slashes and %% escaped");
	free(s);
	s = store_account_dirname("a.b\n");
	TEST_STREQ(s, "a.b%0A", "inner dots kept, control characters escaped");
	free(s);

	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	s = store_default_dir();
	TEST_STREQ(s, "/x/cache/crispin", "XDG_CACHE_HOME");
	free(s);
	setenv("XDG_CACHE_HOME", "relative", 1);
	setenv("HOME", "/home/al", 1);
	s = store_default_dir();
	TEST_STREQ(s, "/home/al/.cache/crispin", "a relative XDG_CACHE_HOME is ignored");
	free(s);
	unsetenv("XDG_CACHE_HOME");
	s = store_default_dir();
	TEST_STREQ(s, "/home/al/.cache/crispin", "~/.cache without XDG_CACHE_HOME");
	free(s);
}

static void
test_roundtrip(void)
{
	struct store			*st;
	struct store_msg		 m, e;
	struct store_folder_state	 fs, got;
	struct collect			 col = { .n = 0 };
	char				*error = NULL;
	char				*dir = xasprintf("%s/rt", tmpdir);
	bool				 rebuilt = true;

	st = test_store_open(ACCOUNT, dir, &rebuilt);
	TEST_CHECK(st != NULL, "a new cache opens");
	if (st == NULL)
		goto out;
	TEST_CHECK(!rebuilt, "a new cache is not a rebuild");

	TEST_INTEQ(store_folder_get(st, "INBOX", &got, &error), 0, "get unknown folder");
	TEST_CHECK(got.uidvalidity == 0 && got.uidnext == 0 &&
	    got.highestmodseq == 0, "an unknown folder reads as zero");
	fs.uidvalidity = UINT32_MAX;
	fs.uidnext = 4000000000U;
	fs.highestmodseq = UINT64_C(0x7fffffffffffff01);
	TEST_INTEQ(store_folder_set(st, "INBOX", &fs, &error), 0, "folder set");
	TEST_INTEQ(store_folder_get(st, "INBOX", &got, &error), 0, "folder get");
	TEST_CHECK(got.uidvalidity == fs.uidvalidity && got.uidnext == fs.uidnext &&
	    got.highestmodseq == fs.highestmodseq, "32- and 64-bit state round trip");
	fs.uidnext = 7;
	TEST_INTEQ(store_folder_set(st, "INBOX", &fs, &error), 0, "folder set again");
	store_folder_get(st, "INBOX", &got, &error);
	TEST_INTEQ(got.uidnext, 7, "folder set replaces the state");

	memset(&m, 0, sizeof m);
	m.uid = UINT32_MAX - 1;
	m.flags = IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED | IMAP_FLAG_DRAFT;
	m.keywords = "$Forwarded Junk";
	m.internaldate = -86400;
	m.date = INT64_C(253402300799);
	m.size = UINT64_C(5000000000);
	m.modseq = UINT64_MAX;
	m.from = "=?UTF-8?Q?J=C3=BCrgen?= <j@example.org>";
	m.to = "Zoë <zoe@example.org>, 日本 <n@example.jp>";
	m.cc = "";
	m.subject = "Grüße — 🐟";
	m.message_id = "<1@example.org>";
	m.in_reply_to = "<0@example.org>";
	m.references = "<a@x> <b@y> <0@example.org>";
	m.emailid = "M6d99ac3275bb4e";
	m.threadid = "T64b478a75b7ea9";
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), 0, "put a full record");
	memset(&e, 0, sizeof e);
	e.uid = 3;
	TEST_INTEQ(store_msg_put(st, "INBOX", &e, &error), 0, "put an empty record");

	TEST_INTEQ(store_msg_each(st, "INBOX", 0, collect_cb, &col, &error), 0, "each");
	TEST_INTEQ(col.n, 2, "two records");
	if (col.n == 2) {
		const struct store_msg *a = &col.c[0].m, *b = &col.c[1].m;

		TEST_INTEQ(a->uid, 3, "ascending UIDs");
		TEST_CHECK(a->keywords == NULL && a->from == NULL &&
		    a->subject == NULL && a->emailid == NULL &&
		    a->threadid == NULL && a->references == NULL,
		    "NULL strings stay NULL");
		TEST_CHECK(a->flags == 0 && a->size == 0 && a->modseq == 0 &&
		    a->date == 0, "zero numbers");
		TEST_INTEQ(b->uid, UINT32_MAX - 1, "large UID");
		TEST_INTEQ(b->flags, m.flags, "flags");
		TEST_STREQ(b->keywords, m.keywords, "keywords");
		TEST_INTEQ(b->internaldate, -86400, "negative internaldate");
		TEST_CHECK(b->date == m.date, "date");
		TEST_CHECK(b->size == m.size, "64-bit size");
		TEST_CHECK(b->modseq == UINT64_MAX, "full 64-bit modseq");
		TEST_STREQ(b->from, m.from, "from");
		TEST_STREQ(b->to, m.to, "UTF-8 to");
		TEST_STREQ(b->cc, "", "an empty string is not NULL");
		TEST_STREQ(b->subject, m.subject, "UTF-8 subject");
		TEST_STREQ(b->message_id, m.message_id, "message_id");
		TEST_STREQ(b->in_reply_to, m.in_reply_to, "in_reply_to");
		TEST_STREQ(b->references, m.references, "references");
		TEST_STREQ(b->emailid, m.emailid, "emailid");
		TEST_STREQ(b->threadid, m.threadid, "threadid");
	}
	collect_free(&col);

	/* put replaces the whole record. */
	m.subject = NULL;
	m.flags = 0;
	store_msg_put(st, "INBOX", &m, &error);
	store_msg_each(st, "INBOX", 4, collect_cb, &col, &error);
	TEST_INTEQ(col.n, 1, "min_uid skips lower UIDs");
	if (col.n == 1)
		TEST_CHECK(col.c[0].m.subject == NULL && col.c[0].m.flags == 0,
		    "put replaces the record");
	collect_free(&col);

	TEST_INTEQ(store_msg_set_flags(st, "INBOX", 3, IMAP_FLAG_ANSWERED,
	    "$Label1", 42, &error), 0, "set flags");
	TEST_INTEQ(store_msg_set_flags(st, "Nowhere", 3, 0, NULL, 0, &error), 0,
	    "set flags in an unknown folder is a no-op");
	store_msg_each(st, "INBOX", 0, collect_cb, &col, &error);
	if (col.n >= 1) {
		TEST_INTEQ(col.c[0].m.flags, IMAP_FLAG_ANSWERED, "flags updated");
		TEST_STREQ(col.c[0].m.keywords, "$Label1", "keywords updated");
		TEST_INTEQ(col.c[0].m.modseq, 42, "modseq updated");
	}
	collect_free(&col);
	store_close(&st);
	TEST_CHECK(st == NULL, "close clears the pointer");

	st = test_store_open(ACCOUNT, dir, &rebuilt);
	TEST_CHECK(st != NULL && !rebuilt, "reopened without a rebuild");
	if (st != NULL) {
		size_t n = 0;

		store_folder_get(st, "INBOX", &got, &error);
		TEST_CHECK(got.uidvalidity == UINT32_MAX &&
		    got.highestmodseq == fs.highestmodseq, "state persists");
		store_msg_count(st, "INBOX", &n, &error);
		TEST_INTEQ(n, 2, "messages persist");
		store_close(&st);
	}
out:
	free(error);
	free(dir);
}

static void
test_messages(void)
{
	struct store		*st;
	struct collect		 col = { .n = 0 };
	struct imap_seqset	 del;
	char			*error = NULL, *s;
	char			*dir = xasprintf("%s/msg", tmpdir);
	size_t			 n = 99;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_INTEQ(store_msg_count(st, "INBOX", &n, &error), 0, "count unknown folder");
	TEST_INTEQ(n, 0, "an unknown folder has no messages");
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "", "an unknown folder has no UIDs");
	free(s);

	put_uids(st, "INBOX", "1:5,7,9:12,100,200:201");
	put_uids(st, "Other", "6,8");
	store_msg_count(st, "INBOX", &n, &error);
	TEST_INTEQ(n, 13, "count");
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1:5,7,9:12,100,200:201", "UIDs as compact ranges");
	free(s);

	col.stop_after = 3;
	TEST_INTEQ(store_msg_each(st, "INBOX", 4, collect_cb, &col, &error), 0,
	    "stopping early is not an error");
	TEST_INTEQ(col.n, 3, "each stops when the callback says so");
	if (col.n == 3)
		TEST_CHECK(col.c[0].m.uid == 4 && col.c[1].m.uid == 5 &&
		    col.c[2].m.uid == 7, "each in ascending order from min_uid");
	collect_free(&col);

	TEST_INTEQ(store_msg_newest(st, "INBOX", 4, collect_cb, &col, &error), 0,
	    "newest");
	TEST_INTEQ(col.n, 4, "newest n");
	if (col.n == 4)
		TEST_CHECK(col.c[0].m.uid == 201 && col.c[1].m.uid == 200 &&
		    col.c[2].m.uid == 100 && col.c[3].m.uid == 12,
		    "newest first");
	collect_free(&col);
	col.stop_after = 2;
	store_msg_newest(st, "INBOX", 10, collect_cb, &col, &error);
	TEST_INTEQ(col.n, 2, "newest stops early too");
	collect_free(&col);

	/* The callback calls back into the store, even the same query. */
	col.st = st;
	store_msg_each(st, "INBOX", 0, collect_cb, &col, &error);
	TEST_INTEQ(col.n, 13, "each with store calls inside");
	TEST_INTEQ(col.inner, 13 * 13, "count inside each");
	collect_free(&col);

	imap_seqset_init(&del);
	imap_seqset_parse(&del, "2:4,100,150:199,201:*");
	TEST_INTEQ(store_msg_delete(st, "INBOX", &del, &error), 0, "delete");
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1,5,7,9:12,200", "delete by seqset, with gaps and '*'");
	free(s);
	s = uids_string(st, "Other");
	TEST_STREQ(s, "6,8", "other folders untouched");
	free(s);
	TEST_INTEQ(store_msg_delete(st, "Nowhere", &del, &error), 0,
	    "delete in an unknown folder");
	imap_seqset_free(&del);
	store_close(&st);
out:
	free(error);
	free(dir);
}

static void
test_folders(void)
{
	struct store			*st;
	struct store_folder_state	 fs = { 5, 10, 77 }, got;
	struct buf			 b = BUF_INIT;
	char				*error = NULL, *s;
	char				*dir = xasprintf("%s/fold", tmpdir);
	size_t				 n;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	store_folder_set(st, "A", &fs, &error);
	put_uids(st, "A", "1:3");
	store_part_put(st, "A", 5, 2, "1", "body", 4, &error);
	put_uids(st, "B", "4");
	TEST_INTEQ(store_part_bytes(st), 4, "part bytes");

	TEST_INTEQ(store_folder_clear(st, "A", &error), 0, "clear");
	store_msg_count(st, "A", &n, &error);
	TEST_INTEQ(n, 0, "clear forgets messages");
	TEST_INTEQ(store_part_get(st, "A", 5, 2, "1", &b, &error), 0,
	    "clear forgets parts");
	TEST_INTEQ(store_part_bytes(st), 0, "clear updates part bytes");
	store_folder_get(st, "A", &got, &error);
	TEST_CHECK(got.uidvalidity == 0 && got.highestmodseq == 0,
	    "clear forgets the state");
	store_msg_count(st, "B", &n, &error);
	TEST_INTEQ(n, 1, "clear leaves other folders");
	TEST_INTEQ(store_folder_clear(st, "Nowhere", &error), 0, "clear unknown");

	store_folder_set(st, "A", &fs, &error);
	put_uids(st, "A", "1:3");
	TEST_INTEQ(store_folder_rename(st, "A", "B", &error), 0, "rename onto B");
	s = uids_string(st, "B");
	TEST_STREQ(s, "1:3", "rename carries messages and replaces the old B");
	free(s);
	store_folder_get(st, "B", &got, &error);
	TEST_INTEQ(got.highestmodseq, 77, "rename carries the state");
	store_msg_count(st, "A", &n, &error);
	TEST_INTEQ(n, 0, "the old name is empty");
	store_folder_get(st, "A", &got, &error);
	TEST_INTEQ(got.uidvalidity, 0, "the old name has no state");

	TEST_INTEQ(store_folder_delete(st, "B", &error), 0, "delete folder");
	store_msg_count(st, "B", &n, &error);
	TEST_INTEQ(n, 0, "delete forgets messages");
	store_folder_get(st, "B", &got, &error);
	TEST_INTEQ(got.uidvalidity, 0, "delete forgets the state");
	put_uids(st, "B", "9");
	s = uids_string(st, "B");
	TEST_STREQ(s, "9", "a deleted folder can be used again");
	free(s);
	store_close(&st);
out:
	buf_free(&b);
	free(error);
	free(dir);
}

static void
test_transactions(void)
{
	struct store	*st;
	char		*error = NULL, *s;
	char		*dir = xasprintf("%s/tx", tmpdir);

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_INTEQ(store_begin(st, &error), 0, "begin");
	put_uids(st, "INBOX", "1");
	TEST_INTEQ(store_begin(st, &error), 0, "nested begin");
	put_uids(st, "INBOX", "2");
	store_rollback(st);
	put_uids(st, "INBOX", "3");
	TEST_INTEQ(store_commit(st, &error), 0, "commit");
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1,3", "an inner rollback undoes only the inner writes");
	free(s);

	store_begin(st, &error);
	put_uids(st, "New", "1:5");
	store_begin(st, &error);
	put_uids(st, "INBOX", "4");
	TEST_INTEQ(store_commit(st, &error), 0, "inner commit");
	store_rollback(st);
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1,3", "an outer rollback undoes committed inner writes");
	free(s);
	s = uids_string(st, "New");
	TEST_STREQ(s, "", "and the folder it created");
	free(s);
	/* The folder-id cache must not keep the rolled-back folder. */
	put_uids(st, "New", "7");
	s = uids_string(st, "New");
	TEST_STREQ(s, "7", "a folder rolled back can be created again");
	free(s);

	TEST_INTEQ(store_commit(st, &error), -1, "commit without begin");
	TEST_CHECK(error != NULL && strstr(error, "without a transaction") != NULL,
	    "says why: %s", error ? error : "");
	x_free(&error);

	/* Closing inside a transaction drops it. */
	store_begin(st, &error);
	put_uids(st, "INBOX", "50");
	store_close(&st);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) != NULL) {
		s = uids_string(st, "INBOX");
		TEST_STREQ(s, "1,3", "close inside a transaction keeps nothing");
		free(s);
		store_close(&st);
	}
out:
	free(error);
	free(dir);
}

/* Two handles on one cache, as the UI and a script command would have. */
static void
test_shared(void)
{
	struct store			*a, *b;
	struct store_folder_state	 fs = { 1, 2, 3 };
	char				*error = NULL, *s;
	char				*dir = xasprintf("%s/shared", tmpdir);
	pid_t				 pids[4];
	char				 big[300];
	int				 i, r, status;

	a = test_store_open(ACCOUNT, dir, NULL);
	b = test_store_open(ACCOUNT, dir, NULL);
	TEST_CHECK(a != NULL && b != NULL, "two handles open");
	if (a == NULL || b == NULL)
		goto out;
	put_uids(a, "INBOX", "1:2");
	s = uids_string(b, "INBOX");
	TEST_STREQ(s, "1:2", "one sees the other's writes");
	free(s);
	/* b renames INBOX away and makes a new one; a must not write into
	 * the renamed folder through a stale folder id. */
	store_folder_rename(b, "INBOX", "Old", &error);
	store_folder_set(b, "INBOX", &fs, &error);
	put_uids(a, "INBOX", "9");
	s = uids_string(b, "INBOX");
	TEST_STREQ(s, "9", "writes go to the folder of that name now");
	free(s);
	s = uids_string(a, "Old");
	TEST_STREQ(s, "1:2", "not to the renamed one");
	free(s);

	/* The part limit counts what the other process added too. */
	memset(big, 'y', sizeof big);
	store_set_part_limit(a, 500);
	store_set_part_limit(b, 500);
	store_part_put(b, "INBOX", 1, 9, "1", big, sizeof big, &error);
	TEST_INTEQ(store_part_bytes(a), 300, "one sees the other's parts");
	store_part_put(a, "INBOX", 1, 9, "2", big, sizeof big, &error);
	TEST_INTEQ(store_part_bytes(b), 300, "and evicts them to stay in the limit");
	store_close(&a);
	store_close(&b);

	/* Several processes creating the same new cache at once. */
	free(dir);
	dir = xasprintf("%s/race", tmpdir);
	fflush(stdout);
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			struct store_msg m;

			if ((a = test_store_open(ACCOUNT, dir, NULL)) == NULL)
				_exit(2);
			msg_init(&m, (uint32_t)i + 1);
			r = store_msg_put(a, "INBOX", &m, &error);
			if (r == -1)
				printf("store_msg_put: %s\n", error);
			fflush(stdout);
			store_close(&a);
			_exit(r == 0 ? 0 : 3);
		}
	}
	for (i = 0; i < 4; i++) {
		waitpid(pids[i], &status, 0);
		TEST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "racing creator %d", i);
	}
	if ((a = test_store_open(ACCOUNT, dir, NULL)) != NULL) {
		s = uids_string(a, "INBOX");
		TEST_STREQ(s, "1:4", "every racing creator wrote");
		free(s);
	}
out:
	store_close(&a);
	store_close(&b);
	free(error);
	free(dir);
}

static void
test_crash(void)
{
	struct store			*st;
	struct store_folder_state	 fs = { 1, 2, 3 }, got;
	char				*error = NULL, *s;
	char				*dir = xasprintf("%s/crash", tmpdir);
	pid_t				 pid;
	int				 status;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	put_uids(st, "INBOX", "1:3");
	store_folder_set(st, "INBOX", &fs, &error);
	store_close(&st);

	/* The child dies with a transaction open: nothing of it may stay. */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct store_folder_state bad = { 9, 9, 9 };

		if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
			_exit(2);
		store_begin(st, &error);
		put_uids(st, "INBOX", "4:500");
		store_folder_set(st, "INBOX", &bad, &error);
		store_folder_clear(st, "INBOX", &error);
		put_uids(st, "Child", "1");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	TEST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child ran");
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1:3", "an uncommitted transaction leaves no messages");
	free(s);
	store_folder_get(st, "INBOX", &got, &error);
	TEST_CHECK(got.uidvalidity == 1 && got.highestmodseq == 3,
	    "nor folder state");
	s = uids_string(st, "Child");
	TEST_STREQ(s, "", "nor folders");
	free(s);
	store_close(&st);

	/* A committed transaction survives the same death. */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
			_exit(2);
		store_begin(st, &error);
		put_uids(st, "INBOX", "4:6");
		_exit(store_commit(st, &error) == 0 ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	TEST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child committed");
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1:6", "a committed transaction survives a crash");
	free(s);
	store_close(&st);
out:
	free(error);
	free(dir);
}

/* Counts the moved-aside copies in the account directory. */
static int
count_broken(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*name, *path;
	int		 n = 0;

	name = store_account_dirname(ACCOUNT);
	path = xasprintf("%s/%s", dir, name);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "cache.sqlite.broken-", 20) == 0 &&
			    strstr(de->d_name, "-wal") == NULL)
				n++;
		closedir(d);
	}
	free(name);
	free(path);
	return n;
}

/* Replaces the file with bytes, or truncates it to len when bytes is NULL. */
static void
spoil(const char *path, const void *bytes, size_t len)
{
	int	 fd;

	if (bytes == NULL) {
		TEST_INTEQ(truncate(path, (off_t)len), 0, "truncate %s", path);
		return;
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	TEST_CHECK(fd != -1 && write(fd, bytes, len) == (ssize_t)len,
	    "spoil %s", path);
	if (fd != -1)
		close(fd);
}

/* Checks that the damaged cache was rebuilt empty and works. */
static void
expect_rebuilt(const char *dir, const char *what)
{
	struct store	*st;
	char		*s;
	bool		 rebuilt = false;
	size_t		 n = 99;
	char		*error = NULL;

	st = test_store_open(ACCOUNT, dir, &rebuilt);
	TEST_CHECK(st != NULL, "%s: opens", what);
	if (st == NULL)
		return;
	TEST_CHECK(rebuilt, "%s: rebuilt_r", what);
	store_msg_count(st, "INBOX", &n, &error);
	TEST_INTEQ(n, 0, "%s: the old data is gone", what);
	put_uids(st, "INBOX", "1:2");
	s = uids_string(st, "INBOX");
	TEST_STREQ(s, "1:2", "%s: the new cache works", what);
	free(s);
	free(error);
	store_close(&st);
	TEST_INTEQ(count_broken(dir), 1, "%s: one broken copy kept", what);
}

static void
fill(const char *dir, uint32_t n)
{
	struct store	*st;
	char		*error = NULL, *uids;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		return;
	uids = xasprintf("1:%lu", (unsigned long)n);
	store_begin(st, &error);
	put_uids(st, "INBOX", uids);
	store_commit(st, &error);
	free(uids);
	free(error);
	store_close(&st);
}

static int
count_cb(const struct store_msg *m, void *arg)
{
	struct collect	*col = arg;

	col->n++;
	return 0;
}

/* Overwrites two pages in the middle of the file with junk: records'
 * pages, which are most of it (the UID index's are few). */
static void
corrupt_page(const char *path, const unsigned char *junk)
{
	struct stat	sb;
	int		fd;

	if (stat(path, &sb) != 0 || (fd = open(path, O_WRONLY)) == -1) {
		TEST_CHECK(false, "open %s", path);
		return;
	}
	TEST_CHECK(pwrite(fd, junk, 8192, sb.st_size / 8192 * 4096) == 8192,
	    "overwrite two pages");
	close(fd);
}

static void
test_damage(void)
{
	struct store	*st;
	struct stat	 sb;
	sqlite3		*db;
	char		*dir = xasprintf("%s/damage", tmpdir);
	char		*path = cache_path(dir, ACCOUNT), *wal;
	int		 fd;
	unsigned char	 junk[8192];
	size_t		 i;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 7919 + 13);

	fill(dir, 2000);
	TEST_INTEQ(stat(path, &sb), 0, "cache file exists");
	spoil(path, NULL, (size_t)sb.st_size / 2);
	expect_rebuilt(dir, "truncated mid-way");

	fill(dir, 2000);
	spoil(path, NULL, 1000);
	expect_rebuilt(dir, "truncated inside the first page");

	fill(dir, 10);
	spoil(path, NULL, 0);
	expect_rebuilt(dir, "an empty file");

	fill(dir, 10);
	spoil(path, junk, sizeof junk);
	expect_rebuilt(dir, "random bytes");

	/* A valid SQLite file of someone else. */
	fill(dir, 10);
	unlink(path);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, "PRAGMA application_id = 1234;"
		    " CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL,
		    NULL);
		sqlite3_close(db);
	}
	expect_rebuilt(dir, "foreign application_id");

	/* Ours, but of another schema version. */
	fill(dir, 10);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	expect_rebuilt(dir, "another schema version");

	/* Ours, but a table is missing. */
	fill(dir, 10);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, "DROP TABLE parts", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	expect_rebuilt(dir, "a missing table");

	/* Corrupt pages inside an otherwise valid file, after a crash (a
	 * -wal left beside it): the whole file is checked at open. */
	fill(dir, 3000);
	corrupt_page(path, junk);
	wal = xasprintf("%s-wal", path);
	fd = open(wal, O_WRONLY | O_CREAT, 0600);
	TEST_CHECK(fd != -1, "a -wal left behind");
	if (fd != -1)
		close(fd);
	expect_rebuilt(dir, "a corrupt page after a crash");
	unlink(wal);
	free(wal);

	/* The same in a file closed cleanly and as long as its header says:
	 * not read whole at open (that costs every start), found when read,
	 * and rebuilt at the next open. */
	fill(dir, 3000);
	corrupt_page(path, junk);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) != NULL) {
		struct collect col = { .stop_after = 0 };
		char *error = NULL;

		TEST_INTEQ(store_msg_each(st, "INBOX", 0, count_cb, &col, &error),
		    -1, "a corrupt page: reading it fails");
		TEST_CHECK(error != NULL && strstr(error, "rebuilt") != NULL,
		    "and says it will be rebuilt: %s", error ? error : "");
		free(error);
		store_close(&st);
		expect_rebuilt(dir, "a corrupt page found in use");
	}

	/* Damage that shows only in use is remembered for the next open. */
	fill(dir, 30000);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) != NULL) {
		struct collect col = { .stop_after = 0 };
		char *error = NULL;
		int r;

		col.n = 0;
		if (stat(path, &sb) == 0)
			spoil(path, NULL, (size_t)sb.st_size / 4);
		r = store_msg_each(st, "INBOX", 0, count_cb, &col, &error);
		TEST_INTEQ(r, -1, "reading a damaged cache fails");
		TEST_CHECK(error != NULL && strstr(error, "rebuilt") != NULL,
		    "and says it will be rebuilt: %s", error ? error : "");
		free(error);
		store_close(&st);
		expect_rebuilt(dir, "damage found in use");
	}

	free(path);
	free(dir);
}

static void
test_modes(void)
{
	struct store	*st;
	struct stat	 sb;
	char		*dir = xasprintf("%s/modes/deeper", tmpdir);
	char		*path = cache_path(dir, ACCOUNT), *p;
	mode_t		 old;

	/* A careless umask must not make the cache readable by others. */
	old = umask(0);
	st = test_store_open(ACCOUNT, dir, NULL);
	umask(old);
	if (st == NULL)
		goto out;
	put_uids(st, "INBOX", "1");
	TEST_INTEQ(stat(dir, &sb), 0, "parent created");
	TEST_INTEQ(sb.st_mode & 0777, 0700, "created parents are 0700");
	p = xasprintf("%s/modes", tmpdir);
	TEST_INTEQ(stat(p, &sb) == 0 ? sb.st_mode & 0777 : 0, 0700,
	    "every created parent is 0700");
	free(p);
	p = strrchr(path, '/');
	*p = '\0';
	TEST_INTEQ(stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0, 0700,
	    "account directory 0700");
	*p = '/';
	TEST_INTEQ(stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0, 0600,
	    "cache file 0600");
	p = xasprintf("%s-wal", path);
	TEST_INTEQ(stat(p, &sb) == 0 ? sb.st_mode & 0777 : 0, 0600, "-wal 0600");
	free(p);
	p = xasprintf("%s-shm", path);
	TEST_INTEQ(stat(p, &sb) == 0 ? sb.st_mode & 0777 : 0, 0600, "-shm 0600");
	free(p);
	store_close(&st);

	/* A file left readable by others is tightened on open. */
	chmod(path, 0644);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) != NULL) {
		TEST_INTEQ(stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0, 0600,
		    "open tightens a loose file to 0600");
		store_close(&st);
	}
out:
	free(path);
	free(dir);
}

static void
test_parts(void)
{
	struct store		*st;
	struct store_msg	 m;
	struct imap_seqset	 del;
	struct buf		 b = BUF_INIT;
	char			 big[300];
	char			*error = NULL;
	char			*dir = xasprintf("%s/parts", tmpdir);

	memset(big, 'x', sizeof big);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_INTEQ(store_part_bytes(st), 0, "no parts yet");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 1, "1", &b, &error), 0,
	    "missing part");
	TEST_INTEQ(store_part_put(st, "INBOX", 7, 1, "1", "hello", 5, &error), 0,
	    "put");
	TEST_INTEQ(store_part_put(st, "INBOX", 7, 1, "2", "", 0, &error), 0,
	    "put an empty part");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 1, "1", &b, &error), 1, "get");
	TEST_STREQ(buf_cstr(&b), "hello", "data round trip");
	buf_reset(&b);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 1, "2", &b, &error), 1,
	    "get an empty part");
	TEST_INTEQ(b.len, 0, "empty part");
	TEST_INTEQ(store_part_get(st, "INBOX", 8, 1, "1", &b, &error), 0,
	    "another UIDVALIDITY misses");
	TEST_INTEQ(store_part_put(st, "INBOX", 7, 1, "1", "hello world", 11,
	    &error), 0, "replace");
	buf_reset(&b);
	store_part_get(st, "INBOX", 7, 1, "1", &b, &error);
	TEST_STREQ(buf_cstr(&b), "hello world", "replaced data");
	TEST_INTEQ(store_part_bytes(st), 11, "replace counts the new size only");

	/* Binary data with NULs. */
	TEST_INTEQ(store_part_put(st, "INBOX", 7, 2, "TEXT", "a\0b\0", 4, &error),
	    0, "binary put");
	buf_reset(&b);
	store_part_get(st, "INBOX", 7, 2, "TEXT", &b, &error);
	TEST_CHECK(b.len == 4 && memcmp(b.data, "a\0b\0", 4) == 0, "binary data");

	/* LRU: A, B, C in; A used; D in evicts B, the least recently used. */
	store_set_part_limit(st, 1000);
	TEST_INTEQ(store_part_bytes(st), 15, "a higher limit evicts nothing");
	store_part_put(st, "INBOX", 7, 10, "A", big, 300, &error);
	store_part_put(st, "INBOX", 7, 11, "B", big, 300, &error);
	store_part_put(st, "INBOX", 7, 12, "C", big, 300, &error);
	TEST_INTEQ(store_part_bytes(st), 915, "under the limit");
	buf_reset(&b);
	store_part_get(st, "INBOX", 7, 10, "A", &b, &error);
	store_part_get(st, "INBOX", 7, 1, "1", &b, &error);
	store_part_get(st, "INBOX", 7, 2, "TEXT", &b, &error);
	store_part_get(st, "INBOX", 7, 1, "2", &b, &error);
	TEST_INTEQ(store_part_put(st, "INBOX", 7, 13, "D", big, 300, &error), 0,
	    "put over the limit");
	TEST_CHECK(store_part_bytes(st) <= 1000, "evicted down to the limit: %llu",
	    (unsigned long long)store_part_bytes(st));
	TEST_INTEQ(store_part_bytes(st), 915, "exactly one part evicted");
	buf_reset(&b);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 11, "B", &b, &error), 0,
	    "the least recently used part is gone");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 10, "A", &b, &error), 1,
	    "a recently read part stays");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 12, "C", &b, &error), 1, "C stays");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 13, "D", &b, &error), 1, "D is in");

	TEST_INTEQ(store_part_put(st, "INBOX", 7, 14, "E", b.data, 1001, &error),
	    0, "a part over the whole limit is not an error");
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 14, "E", &b, &error), 0,
	    "but is not kept");
	TEST_INTEQ(store_part_bytes(st), 915, "and evicts nothing");

	store_set_part_limit(st, 400);
	TEST_CHECK(store_part_bytes(st) <= 400, "lowering the limit evicts");
	buf_reset(&b);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 13, "D", &b, &error), 1,
	    "keeping the most recently used");
	store_set_part_limit(st, 1 << 20);

	/* By EMAILID: the part stays reachable after a move to another folder. */
	msg_init(&m, 5);
	m.emailid = "Mabc";
	store_msg_put(st, "Archive", &m, &error);
	store_part_put(st, "Archive", 9, 5, "1.2", "moved", 5, &error);
	buf_reset(&b);
	TEST_INTEQ(store_part_get_by_emailid(st, "Mabc", "1.2", &b, &error), 1,
	    "found by EMAILID");
	TEST_STREQ(buf_cstr(&b), "moved", "the part by EMAILID");
	TEST_INTEQ(store_part_get_by_emailid(st, "Mabc", "1.3", &b, &error), 0,
	    "another part of it is not there");
	TEST_INTEQ(store_part_get_by_emailid(st, "Mnone", "1.2", &b, &error), 0,
	    "unknown EMAILID");

	/* Deleting messages takes their parts along. */
	put_uids(st, "INBOX", "10:13");
	imap_seqset_init(&del);
	imap_seqset_add(&del, 13, 13);
	store_msg_delete(st, "INBOX", &del, &error);
	imap_seqset_free(&del);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 13, "D", &b, &error), 0,
	    "msg_delete removes parts");
	TEST_INTEQ(store_part_bytes(st), 5, "and their bytes");
	store_close(&st);

	/* The LRU order survives a reopen. */
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_INTEQ(store_part_bytes(st), 5, "part bytes after reopen");
	store_set_part_limit(st, 600);
	store_part_put(st, "INBOX", 7, 20, "X", big, 300, &error);
	store_part_put(st, "INBOX", 7, 21, "Y", big, 300, &error);
	buf_reset(&b);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 21, "Y", &b, &error), 1,
	    "newest part after reopen kept");
	TEST_INTEQ(store_part_get_by_emailid(st, "Mabc", "1.2", &b, &error), 0,
	    "older parts evicted first after reopen");
	store_close(&st);
out:
	buf_free(&b);
	free(error);
	free(dir);
}

/*
 * OBJECTID: a message moved away takes its cached parts with it until
 * the same EMAILID shows up in the destination, whose part lookup finds
 * them; a record written again without an EMAILID keeps the one it had.
 */
static void
test_moved_parts(void)
{
	struct store		*st;
	struct store_msg	 m;
	struct imap_seqset	 del;
	struct buf		 b = BUF_INIT;
	char			*error = NULL;
	char			*dir = xasprintf("%s/moved", tmpdir);

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	msg_init(&m, 5);
	m.emailid = "M1";
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), 0, "put with EMAILID");
	msg_init(&m, 6);
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), 0, "put without");
	store_part_put(st, "INBOX", 7, 5, "1", "moved text", 10, &error);
	store_part_put(st, "INBOX", 7, 6, "1", "plain text", 10, &error);

	imap_seqset_init(&del);
	imap_seqset_add(&del, 5, 6);
	TEST_INTEQ(store_msg_delete(st, "INBOX", &del, &error), 0, "moved away");
	imap_seqset_free(&del);
	TEST_INTEQ(store_part_get(st, "INBOX", 7, 5, "1", &b, &error), 0,
	    "gone from the source");
	TEST_INTEQ(store_part_bytes(st), 10, "the part without EMAILID is gone");

	msg_init(&m, 40);
	TEST_INTEQ(store_msg_put(st, "Archive", &m, &error), 0, "destination record");
	TEST_INTEQ(store_part_get(st, "Archive", 3, 40, "1", &b, &error), 0,
	    "no EMAILID known yet: not found");
	TEST_INTEQ(store_msg_set_emailid(st, "Archive", 40, "M1", &error), 0,
	    "EMAILID recorded");
	m.subject = "written again";
	TEST_INTEQ(store_msg_put(st, "Archive", &m, &error), 0, "put again");
	TEST_INTEQ(store_part_get(st, "Archive", 3, 40, "1", &b, &error), 1,
	    "the moved message finds its part");
	TEST_STREQ(buf_cstr(&b), "moved text", "the part's data");
	TEST_INTEQ(store_part_get(st, "Archive", 3, 40, "2", &b, &error), 0,
	    "another part is not invented");
	buf_reset(&b);
	TEST_INTEQ(store_part_get_by_emailid(st, "M1", "1", &b, &error), 1,
	    "by EMAILID directly");
	store_close(&st);
out:
	buf_free(&b);
	free(error);
	free(dir);
}

static void
test_errors(void)
{
	struct store		*st = NULL;
	struct store_msg	 m;
	struct store_folder_state fs = { 7, 8, 9 }, got;
	sqlite3			*db;
	char			*error = NULL;
	char			*dir = xasprintf("%s/err", tmpdir);
	char			*path = cache_path(dir, ACCOUNT);
	char			*file = xasprintf("%s/plainfile", tmpdir);
	char			*want;
	int			 fd;

	fd = open(file, O_WRONLY | O_CREAT, 0600);
	if (fd != -1)
		close(fd);
	TEST_INTEQ(store_open(file, ACCOUNT, &st, NULL, &error), -1,
	    "a directory that cannot be made");
	TEST_CHECK(error != NULL && strstr(error, "cannot create cache directory") &&
	    strstr(error, "plainfile"), "says which: %s", error ? error : "");
	TEST_CHECK(st == NULL, "no store on error");
	x_free(&error);
	TEST_INTEQ(store_open(dir, "", &st, NULL, &error), -1, "empty account");
	x_free(&error);

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	put_uids(st, "INBOX", "1");
	/* Make writes fail from the outside, as a full disk would. */
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, "CREATE TRIGGER fail BEFORE INSERT ON messages"
		    " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END", NULL,
		    NULL, NULL);
		sqlite3_close(db);
	}
	msg_init(&m, 42);
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), -1, "a failed write");
	want = xasprintf("cache %s: cannot write message 42 of INBOX: disk I/O error",
	    path);
	TEST_STREQ(error, want, "the error names the cache, the operation and why");
	free(want);
	x_free(&error);

	/* A failed write inside a transaction leaves the rest usable. */
	store_begin(st, &error);
	store_folder_set(st, "INBOX", &fs, &error);
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), -1, "fails inside");
	x_free(&error);
	TEST_INTEQ(store_commit(st, &error), 0, "the transaction still commits");
	x_free(&error);
	store_folder_get(st, "INBOX", &got, &error);
	TEST_INTEQ(got.uidnext, 8, "with the writes that worked");
	store_close(&st);
out:
	free(error);
	free(file);
	free(path);
	free(dir);
}

static void
test_many(void)
{
	struct store	*st;
	struct store_msg m;
	char		*error = NULL, *s;
	char		*dir = xasprintf("%s/many", tmpdir);
	uint32_t	 uid;
	size_t		 n = 0;
	int		 bad = 0;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_INTEQ(store_begin(st, &error), 0, "begin for 10 000");
	for (uid = 1; uid <= 10000; uid++) {
		msg_init(&m, uid * 2);
		m.from = "Someone <someone@example.org>";
		m.message_id = "<x@example.org>";
		if (store_msg_put(st, "INBOX", &m, &error) == -1) {
			bad++;
			x_free(&error);
		}
	}
	TEST_INTEQ(store_commit(st, &error), 0, "commit 10 000");
	TEST_INTEQ(bad, 0, "every put worked");
	store_msg_count(st, "INBOX", &n, &error);
	TEST_INTEQ(n, 10000, "10 000 messages");
	s = uids_string(st, "INBOX");
	TEST_CHECK(strncmp(s, "2,4,6,", 6) == 0 && strstr(s, ",20000") != NULL,
	    "every second UID");
	free(s);
	store_close(&st);
out:
	free(error);
	free(dir);
}

/* Whether the cache file has the UID index (read with SQLite directly). */
static bool
has_uid_index(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	bool		 found = false;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'index' AND name = 'messages_uids'", -1, &q, NULL) == SQLITE_OK) {
		found = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return found;
}

/* The UIDs come from an index of their own; a cache made before it gets
 * it at its next open, the records kept. */
static void
test_uid_index(void)
{
	struct store	*st;
	sqlite3		*db;
	char		*dir = xasprintf("%s/uidindex", tmpdir);
	char		*path = cache_path(dir, ACCOUNT), *s;
	bool		 rebuilt = true;

	fill(dir, 300);
	TEST_CHECK(has_uid_index(path), "a new cache has the UID index");
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, "DROP INDEX messages_uids", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	TEST_CHECK(!has_uid_index(path), "an older cache, without it");
	if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) != NULL) {
		TEST_CHECK(!rebuilt, "is not rebuilt for it");
		TEST_CHECK(has_uid_index(path), "but gets it at open");
		s = uids_string(st, "INBOX");
		TEST_STREQ(s, "1:300", "its records all there");
		free(s);
		store_close(&st);
	}
	free(path);
	free(dir);
}

int
main(void)
{
	if ((tmpdir = test_store_tmpdir("store")) == NULL)
		return 1;
	test_names();
	test_roundtrip();
	test_messages();
	test_folders();
	test_transactions();
	test_shared();
	test_crash();
	test_damage();
	test_modes();
	test_parts();
	test_moved_parts();
	test_errors();
	test_many();
	test_uid_index();
	test_rm_rf(tmpdir);
	free(tmpdir);
	return test_done();
}
