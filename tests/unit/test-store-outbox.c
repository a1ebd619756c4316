/* The outbox table: round trips, claiming, states and tasks, crashes. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "test.h"
#include "store-test.h"

#define ACCOUNT "smtp:alice@smtp.example.org:587"

/* A copy of an entry, so it outlives the callback. */
struct copy {
	struct store_outbox_entry e;
	char		*from, *rcpts, *error, *reply, *forward;
	void		*data;
	bool		 has_data;
};

struct collect {
	struct copy	 c[8];
	size_t		 n;
};

static char	*tmpdir;

static int	 collect_cb(const struct store_outbox_entry *, void *);
static void	 collect_free(struct collect *);
static void	 entry_init(struct store_outbox_entry *, const char *, size_t);
static void	 test_roundtrip(void);
static void	 test_claim(void);
static void	 test_tasks(void);
static void	 test_crash(void);
static void	 test_misuse(void);


static int
collect_cb(const struct store_outbox_entry *e, void *arg)
{
	struct collect	*col = arg;
	struct copy	*c;

	if (col->n == sizeof col->c / sizeof col->c[0])
		return 1;
	c = &col->c[col->n++];
	c->e = *e;
	c->from = xstrdup(e->from);
	c->rcpts = xstrdup(e->rcpts);
	c->error = xstrdup_null(e->last_error);
	c->reply = xstrdup_null(e->reply_folder);
	c->forward = xstrdup_null(e->forward_folder);
	c->has_data = e->data != NULL;
	if (e->data != NULL) {
		c->data = xmalloc(e->len + 1);
		memcpy(c->data, e->data, e->len);
	}
	return 0;
}

static void
collect_free(struct collect *col)
{
	size_t	 i;

	for (i = 0; i < col->n; i++) {
		free(col->c[i].from);
		free(col->c[i].rcpts);
		free(col->c[i].error);
		free(col->c[i].reply);
		free(col->c[i].forward);
		free(col->c[i].data);
	}
	memset(col, 0, sizeof *col);
}

static void
entry_init(struct store_outbox_entry *e, const char *data, size_t len)
{
	memset(e, 0, sizeof *e);
	e->created = 1800000000;
	e->from = "alice@example.org";
	e->rcpts = "bob@example.org\ncarol@example.org";
	e->tasks = STORE_OUTBOX_RECORD;
	e->data = data;
	e->len = len;
}

static void
test_roundtrip(void)
{
	static const char	 msg[] = "From: a@b\r\nBcc: x@y\r\n\r\n\0bin\xff\r\n";
	struct store		*st;
	struct store_outbox_entry e;
	struct collect		 col;
	char			*dir = xasprintf("%s/roundtrip", tmpdir), *error = NULL;
	int64_t			 id1 = 0, id2 = 0;
	size_t			 n = 99;

	memset(&col, 0, sizeof col);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_CHECK(store_outbox_count(st, &n, &error) == 0 && n == 0,
	    "a new store has an empty outbox");
	entry_init(&e, msg, sizeof msg - 1);
	TEST_CHECK(store_outbox_add(st, &e, &id1, &error) == 0, "add: %s", error);
	entry_init(&e, "x", 1);
	e.tasks = STORE_OUTBOX_REPLY | STORE_OUTBOX_FORWARD;
	e.reply_folder = "INBOX";
	e.reply_uid = 42;
	e.forward_folder = "Lists/ö";
	e.forward_uid = 4000000000u;
	TEST_CHECK(store_outbox_add(st, &e, &id2, &error) == 0, "add: %s", error);
	TEST_CHECK(id1 > 0 && id2 > id1, "ids grow: %lld %lld", (long long)id1,
	    (long long)id2);
	store_close(&st);

	/* Reopened: everything came back, oldest first. */
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_CHECK(store_outbox_each(st, false, collect_cb, &col, &error) == 0,
	    "each: %s", error);
	TEST_INTEQ(col.n, 2, "two entries");
	if (col.n == 2) {
		TEST_INTEQ(col.c[0].e.id, id1, "oldest first");
		TEST_INTEQ(col.c[0].e.state, STORE_OUTBOX_QUEUED, "queued");
		TEST_INTEQ(col.c[0].e.created, 1800000000, "created");
		TEST_INTEQ(col.c[0].e.attempts, 0, "no attempts");
		TEST_STREQ(col.c[0].from, "alice@example.org", "from");
		TEST_STREQ(col.c[0].rcpts, "bob@example.org\ncarol@example.org",
		    "recipients");
		TEST_CHECK(!col.c[0].has_data, "no data unless asked for");
		TEST_INTEQ(col.c[0].e.tasks, STORE_OUTBOX_RECORD, "tasks");
		TEST_STREQ(col.c[0].reply, NULL, "no reply folder");
		TEST_STREQ(col.c[1].reply, "INBOX", "reply folder");
		TEST_INTEQ(col.c[1].e.reply_uid, 42, "reply uid");
		TEST_STREQ(col.c[1].forward, "Lists/ö", "forward folder");
		TEST_INTEQ(col.c[1].e.forward_uid, 4000000000u, "forward uid");
	}
	collect_free(&col);

	TEST_INTEQ(store_outbox_get(st, id1, collect_cb, &col, &error), 1, "get");
	TEST_CHECK(col.n == 1 && col.c[0].has_data && col.c[0].e.len == sizeof msg - 1 &&
	    memcmp(col.c[0].data, msg, sizeof msg - 1) == 0,
	    "the bytes come back exactly, NUL and 8-bit included");
	collect_free(&col);
	TEST_INTEQ(store_outbox_get(st, 9999, collect_cb, &col, &error), 0,
	    "get of an absent id");
	TEST_INTEQ(col.n, 0, "no callback for an absent id");

	TEST_CHECK(store_outbox_delete(st, id1, &error) == 0, "delete");
	TEST_CHECK(store_outbox_delete(st, id1, &error) == 0,
	    "deleting an absent entry is no error");
	TEST_CHECK(store_outbox_count(st, &n, &error) == 0 && n == 1, "one left");
	entry_init(&e, "y", 1);
	TEST_CHECK(store_outbox_add(st, &e, &id1, &error) == 0, "add again");
	TEST_CHECK(id1 > id2, "an id is never reused");
	store_close(&st);
out:
	collect_free(&col);
	free(error);
	free(dir);
}

static void
test_claim(void)
{
	struct store		*st;
	struct store_outbox_entry e;
	struct collect		 col;
	char			*dir = xasprintf("%s/claim", tmpdir), *error = NULL;
	int64_t			 id = 0;

	memset(&col, 0, sizeof col);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	entry_init(&e, "m", 1);
	store_outbox_add(st, &e, &id, &error);
	TEST_INTEQ(store_outbox_claim(st, id, STORE_OUTBOX_QUEUED, 0, 100, 1800000100,
	    &error), 1, "a queued entry can be claimed");
	TEST_INTEQ(store_outbox_claim(st, id, STORE_OUTBOX_QUEUED, 0, 200, 1800000101,
	    &error), 0, "but only once");
	store_outbox_get(st, id, collect_cb, &col, &error);
	TEST_CHECK(col.n == 1 && col.c[0].e.state == STORE_OUTBOX_SENDING &&
	    col.c[0].e.owner_pid == 100 && col.c[0].e.attempts == 1 &&
	    col.c[0].e.attempted == 1800000100, "sending by its owner, one attempt");
	collect_free(&col);

	/* An interrupted try is taken over by naming the dead owner. */
	TEST_INTEQ(store_outbox_claim(st, id, STORE_OUTBOX_SENDING, 101, 200, 1,
	    &error), 0, "not with the wrong owner");
	TEST_INTEQ(store_outbox_claim(st, id, STORE_OUTBOX_SENDING, 100, 200,
	    1800000200, &error), 1, "taken over from the dead owner");
	store_outbox_get(st, id, collect_cb, &col, &error);
	TEST_CHECK(col.n == 1 && col.c[0].e.owner_pid == 200 &&
	    col.c[0].e.attempts == 2, "second attempt by the new owner");
	collect_free(&col);

	TEST_CHECK(store_outbox_set_state(st, id, STORE_OUTBOX_QUEUED,
	    "421 try later", &error) == 0, "back to queued");
	store_outbox_get(st, id, collect_cb, &col, &error);
	TEST_CHECK(col.n == 1 && col.c[0].e.state == STORE_OUTBOX_QUEUED &&
	    col.c[0].e.owner_pid == 0, "queued, no owner");
	TEST_STREQ(col.n == 1 ? col.c[0].error : NULL, "421 try later", "last error");
	collect_free(&col);
	TEST_INTEQ(store_outbox_claim(st, 12345, STORE_OUTBOX_QUEUED, 0, 1, 1, &error),
	    0, "an absent entry cannot be claimed");
	store_close(&st);
out:
	collect_free(&col);
	free(error);
	free(dir);
}

static void
test_tasks(void)
{
	struct store		*st;
	struct store_outbox_entry e;
	struct collect		 col;
	char			*dir = xasprintf("%s/tasks", tmpdir), *error = NULL;
	int64_t			 id = 0;

	memset(&col, 0, sizeof col);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	entry_init(&e, "m", 1);
	e.tasks = STORE_OUTBOX_RECORD | STORE_OUTBOX_REPLY | STORE_OUTBOX_FORWARD;
	store_outbox_add(st, &e, &id, &error);
	store_outbox_claim(st, id, STORE_OUTBOX_QUEUED, 0, 7, 1, &error);
	TEST_CHECK(store_outbox_set_state(st, id, STORE_OUTBOX_SENT, NULL, &error) == 0,
	    "sent");
	TEST_CHECK(store_outbox_tasks_done(st, id, STORE_OUTBOX_REPLY, &error) == 0,
	    "one task done");
	store_outbox_get(st, id, collect_cb, &col, &error);
	TEST_CHECK(col.n == 1 && col.c[0].e.state == STORE_OUTBOX_SENT &&
	    col.c[0].e.tasks == (STORE_OUTBOX_RECORD | STORE_OUTBOX_FORWARD) &&
	    col.c[0].error == NULL, "the others are left");
	collect_free(&col);
	TEST_STREQ(store_outbox_state_name(STORE_OUTBOX_QUEUED), "queued", "name");
	TEST_STREQ(store_outbox_state_name(STORE_OUTBOX_SENDING), "sending", "name");
	TEST_STREQ(store_outbox_state_name(STORE_OUTBOX_SENT), "sent", "name");
	TEST_STREQ(store_outbox_state_name((enum store_outbox_state)9), "unknown",
	    "no name");
	store_close(&st);
out:
	collect_free(&col);
	free(error);
	free(dir);
}

/* A process killed right after add returned: the entry is there. */
static void
test_crash(void)
{
	struct store		*st;
	struct store_outbox_entry e;
	char			*dir = xasprintf("%s/crash", tmpdir), *error = NULL;
	size_t			 n = 0;
	pid_t			 pid;
	int			 status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
			_exit(2);
		entry_init(&e, "m", 1);
		_exit(store_outbox_add(st, &e, NULL, &error) == 0 ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	TEST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child added");
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	TEST_CHECK(store_outbox_count(st, &n, &error) == 0 && n == 1,
	    "an added message survives the death of its process");
	store_close(&st);
out:
	free(error);
	free(dir);
}

static void
test_misuse(void)
{
	struct store		*st;
	struct store_outbox_entry e;
	char			*dir = xasprintf("%s/misuse", tmpdir), *error = NULL;
	size_t			 n = 9;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	entry_init(&e, "m", 1);
	store_begin(st, &error);
	TEST_CHECK(store_outbox_add(st, &e, NULL, &error) == -1 && error != NULL,
	    "add refuses to hide in the caller's transaction");
	x_free(&error);
	store_rollback(st);
	TEST_CHECK(store_outbox_count(st, &n, &error) == 0 && n == 0, "nothing added");
	store_close(&st);
out:
	free(error);
	free(dir);
}

int
main(void)
{
	if ((tmpdir = test_store_tmpdir("outbox")) == NULL)
		return 1;
	test_roundtrip();
	test_claim();
	test_tasks();
	test_crash();
	test_misuse();
	test_rm_rf(tmpdir);
	free(tmpdir);
	return test_done();
}
