/* The journal of offline changes: order, crash safety, survival of a rebuild. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/log.h"
#include "crispin/mail_journal.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "test.h"
#include "store-test.h"

#define ACCOUNT "bob@imap.example.org:993"

/* What each() saw, one line per entry. */
struct seen {
	struct buf	 text;
	int64_t		 seqs[32];
	size_t		 n;
};

static char	*tmpdir;

static int	 seen_cb(const struct store_journal_entry *, void *);
static char	*journal_text(struct store *, struct seen *);
static int64_t	 add(struct store *, enum store_journal_op, const char *,
		    const char *, const char *);
static void	 set_user_version(const char *, int);
static void	 test_order(void);
static void	 test_crash(void);
static void	 test_rebuild(void);
static void	 test_damage(void);
static void	 test_in_transaction(void);
static int	 ids_cb(const struct store_journal_entry *, void *);
static void	 test_ids(void);
static void	 test_old_table(void);


static int
seen_cb(const struct store_journal_entry *e, void *arg)
{
	struct seen	*s = arg;

	if (s->n < sizeof s->seqs / sizeof s->seqs[0])
		s->seqs[s->n++] = e->seq;
	buf_printf(&s->text, "%s %s/%u %s", store_journal_op_name(e->op),
	    e->folder, e->uidvalidity, e->uids);
	if (e->flags != 0)
		buf_printf(&s->text, " f=%u", e->flags);
	if (e->keywords != NULL)
		buf_printf(&s->text, " k=%s", e->keywords);
	if (e->dest != NULL)
		buf_printf(&s->text, " ->%s", e->dest);
	if (e->modseq != 0)
		buf_printf(&s->text, " m=%llu", (unsigned long long)e->modseq);
	buf_adds(&s->text, ";");
	return 0;
}

static char *
journal_text(struct store *st, struct seen *s)
{
	char	*error = NULL;

	memset(s, 0, sizeof *s);
	if (store_journal_each(st, seen_cb, s, &error) < 0) {
		printf("store_journal_each: %s\n", error);
		free(error);
	}
	return buf_steal(&s->text);
}

static int64_t
add(struct store *st, enum store_journal_op op, const char *folder,
    const char *uids, const char *dest)
{
	struct store_journal_entry	 e;
	int64_t				 seq = -1;
	char				*error = NULL;

	memset(&e, 0, sizeof e);
	e.op = op;
	e.folder = folder;
	e.uidvalidity = 7;
	e.uids = uids;
	e.dest = dest;
	if (op == STORE_JOURNAL_FLAGS_ADD || op == STORE_JOURNAL_FLAGS_REMOVE) {
		e.flags = IMAP_FLAG_FLAGGED;
		e.keywords = "$Work";
		e.modseq = 42;
	}
	if (store_journal_add(st, &e, &seq, &error) < 0) {
		printf("store_journal_add: %s\n", error);
		free(error);
	}
	return seq;
}

/* What a newer (or older) crispin would leave: another schema version. */
static void
set_user_version(const char *path, int v)
{
	sqlite3	*db;
	char	*sql = xasprintf("PRAGMA user_version = %d", v);

	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	free(sql);
}

static void
test_order(void)
{
	struct store	*st;
	struct seen	 s;
	char		*dir = xasprintf("%s/order", tmpdir), *text, *error = NULL;
	int64_t		 a, b, c;
	size_t		 n;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	text = journal_text(st, &s);
	TEST_STREQ(text, "", "a new cache has an empty journal");
	free(text);
	a = add(st, STORE_JOURNAL_FLAGS_ADD, "INBOX", "3:5", NULL);
	b = add(st, STORE_JOURNAL_MOVE, "INBOX", "4", "Archive");
	c = add(st, STORE_JOURNAL_DELETE, "Lists/ü", "9", NULL);
	TEST_CHECK(a > 0 && b > a && c > b, "sequence numbers ascend");
	text = journal_text(st, &s);
	TEST_STREQ(text, "flags+ INBOX/7 3:5 f=4 k=$Work m=42;move INBOX/7 4 ->Archive;"
	    "delete Lists/ü/7 9;", "entries come back in the order made, whole");
	free(text);
	TEST_CHECK(store_journal_remove(st, b, &error) == 0, "remove");
	TEST_CHECK(store_journal_remove(st, b, &error) == 0, "removing twice is no error");
	store_journal_count(st, &n, &error);
	TEST_INTEQ(n, 2, "two left");
	/* A removed middle entry never leaves its number to a new one. */
	TEST_CHECK(add(st, STORE_JOURNAL_COPY, "INBOX", "1", "Keep") > c,
	    "a new entry goes last");
	text = journal_text(st, &s);
	TEST_STREQ(text, "flags+ INBOX/7 3:5 f=4 k=$Work m=42;delete Lists/ü/7 9;"
	    "copy INBOX/7 1 ->Keep;", "order after a removal");
	free(text);
	TEST_STREQ(store_journal_op_name(STORE_JOURNAL_FLAGS_REMOVE), "flags-", "op name");
	TEST_INTEQ(store_journal_op_parse("move"), STORE_JOURNAL_MOVE, "op parse");
	TEST_INTEQ(store_journal_op_parse("explode"), -1, "unknown op");
	store_close(&st);
out:
	free(dir);
}

/* A process killed right after add returned: the entry is there. */
static void
test_crash(void)
{
	struct store	*st;
	struct seen	 s;
	char		*dir = xasprintf("%s/crash", tmpdir), *text;
	pid_t		 pid;
	int		 status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
			_exit(2);
		add(st, STORE_JOURNAL_FLAGS_REMOVE, "INBOX", "1", NULL);
		add(st, STORE_JOURNAL_MOVE, "INBOX", "2", "Trash");
		raise(SIGKILL);
		_exit(3);
	}
	waitpid(pid, &status, 0);
	TEST_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child killed without closing the cache");
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	text = journal_text(st, &s);
	TEST_STREQ(text, "flags- INBOX/7 1 f=4 k=$Work m=42;move INBOX/7 2 ->Trash;",
	    "both entries survive the kill");
	free(text);
	store_close(&st);
out:
	free(dir);
}

/* A cache of another schema is rebuilt, and the journal (and an outbox
 * another module made) comes along; the cached messages do not. */
static void
test_rebuild(void)
{
	struct store	*st;
	struct seen	 s;
	struct store_msg m;
	sqlite3		*db;
	char		*dir = xasprintf("%s/rebuild", tmpdir), *text, *error = NULL;
	char		*name = store_account_dirname(ACCOUNT);
	char		*path = xasprintf("%s/%s/cache.sqlite", dir, name);
	sqlite3_stmt	*q;
	size_t		 n = 99;
	bool		 rebuilt = false;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	memset(&m, 0, sizeof m);
	m.uid = 5;
	m.subject = "cached";
	store_msg_put(st, "INBOX", &m, &error);
	add(st, STORE_JOURNAL_FLAGS_ADD, "INBOX", "5", NULL);
	add(st, STORE_JOURNAL_MOVE, "INBOX", "6", "Archive");
	store_close(&st);
	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, "CREATE TABLE outbox (id INTEGER PRIMARY KEY,"
		    " message BLOB); INSERT INTO outbox (message) VALUES ('hi')",
		    NULL, NULL, NULL);
	sqlite3_close(db);
	set_user_version(path, 99);

	if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) == NULL)
		goto out;
	TEST_CHECK(rebuilt, "another schema version is rebuilt");
	store_msg_count(st, "INBOX", &n, &error);
	TEST_INTEQ(n, 0, "the cached messages went with the old schema");
	text = journal_text(st, &s);
	TEST_STREQ(text, "flags+ INBOX/7 5 f=4 k=$Work m=42;move INBOX/7 6 ->Archive;",
	    "the journal survives the rebuild, in order");
	free(text);
	TEST_CHECK(s.n == 2 && s.seqs[0] < s.seqs[1], "sequence numbers kept");
	TEST_CHECK(add(st, STORE_JOURNAL_COPY, "INBOX", "1", "X") > s.seqs[1],
	    "new entries go after the kept ones");
	store_close(&st);
	n = 0;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox WHERE message = 'hi'",
	    -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			n = (size_t)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	TEST_INTEQ(n, 1, "the outbox survives the rebuild too");
out:
	free(error);
	free(name);
	free(path);
	free(dir);
}

/* A damaged file moves aside whole: nothing is read from it. */
static void
test_damage(void)
{
	struct store	*st;
	struct seen	 s;
	FILE		*fp;
	char		*dir = xasprintf("%s/damage", tmpdir), *text;
	char		*name = store_account_dirname(ACCOUNT);
	char		*path = xasprintf("%s/%s/cache.sqlite", dir, name);
	bool		 rebuilt = false;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	add(st, STORE_JOURNAL_MOVE, "INBOX", "6", "Archive");
	store_close(&st);
	if ((fp = fopen(path, "r+")) != NULL) {
		fwrite("garbage garbage garbage", 1, 23, fp);
		fclose(fp);
	}
	if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) == NULL)
		goto out;
	TEST_CHECK(rebuilt, "a damaged cache is rebuilt");
	text = journal_text(st, &s);
	TEST_STREQ(text, "", "and its journal stays in the file moved aside");
	free(text);
	store_close(&st);
out:
	free(name);
	free(path);
	free(dir);
}

static void
test_in_transaction(void)
{
	struct store			*st;
	struct store_journal_entry	 e;
	char				*dir = xasprintf("%s/txn", tmpdir), *error = NULL;
	int64_t				 seq;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	memset(&e, 0, sizeof e);
	e.op = STORE_JOURNAL_MOVE;
	e.folder = "INBOX";
	e.uids = "1";
	store_begin(st, &error);
	TEST_CHECK(store_journal_add(st, &e, &seq, &error) == -1 && error != NULL,
	    "an entry that would not be committed at once is refused");
	store_rollback(st);
	free(error);
	store_close(&st);
out:
	free(dir);
}

static int
ids_cb(const struct store_journal_entry *e, void *arg)
{
	struct buf	*b = arg;

	buf_printf(b, "%s [%s];", store_journal_op_name(e->op),
	    e->ids != NULL ? e->ids : "-");
	return 0;
}

/* A move records the cached Message-IDs of its messages, so that a replay
 * finds them in the destination once the server moved them. */
static void
test_ids(void)
{
	struct store			*st;
	struct store_folder_state	 fs;
	struct store_msg		 m;
	struct imap_seqset		 uids;
	struct buf			 b = BUF_INIT;
	char				*dir = xasprintf("%s/ids", tmpdir), *error = NULL;
	int64_t				 seq;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	memset(&fs, 0, sizeof fs);
	fs.uidvalidity = 7;
	fs.uidnext = 10;
	store_folder_set(st, "INBOX", &fs, &error);
	memset(&m, 0, sizeof m);
	m.uid = 3;
	m.message_id = "<three@example.org>";
	store_msg_put(st, "INBOX", &m, &error);
	m.uid = 4;
	m.message_id = NULL;
	store_msg_put(st, "INBOX", &m, &error);
	m.uid = 5;
	m.message_id = "<five@example.org>";
	store_msg_put(st, "INBOX", &m, &error);
	m.uid = 8;
	m.message_id = "<eight@example.org>";
	store_msg_put(st, "INBOX", &m, &error);
	imap_seqset_init(&uids);
	imap_seqset_parse(&uids, "3:5");
	TEST_CHECK(mail_journal_record(st, STORE_JOURNAL_MOVE, "INBOX", 7, &uids, 0,
	    NULL, "Archive", 0, &seq, &error) == 0, "a move recorded");
	TEST_CHECK(mail_journal_record(st, STORE_JOURNAL_MOVE, "INBOX", 8, &uids, 0,
	    NULL, "Archive", 0, &seq, &error) == 0, "one of another UIDVALIDITY");
	TEST_CHECK(mail_journal_record(st, STORE_JOURNAL_EXPUNGE, "INBOX", 7, &uids,
	    0, NULL, NULL, 0, &seq, &error) == 0, "an expunge recorded");
	store_journal_each(st, ids_cb, &b, &error);
	TEST_STREQ(buf_cstr(&b), "move [3 <three@example.org>\n5 <five@example.org>\n];"
	    "move [-];expunge [-];", "the move's Message-IDs, of its UIDs only");
	TEST_INTEQ(store_journal_op_parse("expunge"), STORE_JOURNAL_EXPUNGE,
	    "expunge op parse");
	imap_seqset_free(&uids);
	store_close(&st);
out:
	buf_free(&b);
	free(error);
	free(dir);
}

/* A journal table made before the ids column gets it, entries kept. */
static void
test_old_table(void)
{
	struct store	*st;
	struct buf	 b = BUF_INIT;
	sqlite3		*db;
	char		*dir = xasprintf("%s/old", tmpdir), *error = NULL;
	char		*name = store_account_dirname(ACCOUNT);
	char		*path = xasprintf("%s/%s/cache.sqlite", dir, name);

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	store_close(&st);
	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, "DROP TABLE IF EXISTS journal; CREATE TABLE journal ("
		    " seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL,"
		    " folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL,"
		    " uids TEXT NOT NULL, flags INTEGER NOT NULL DEFAULT 0,"
		    " keywords TEXT, dest TEXT, modseq INTEGER NOT NULL DEFAULT 0,"
		    " created INTEGER NOT NULL); INSERT INTO journal (op, folder,"
		    " uidvalidity, uids, dest, created) VALUES ('move', 'INBOX', 7,"
		    " '2', 'Archive', 1)", NULL, NULL, NULL);
	sqlite3_close(db);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	add(st, STORE_JOURNAL_COPY, "INBOX", "1", "Keep");
	store_journal_each(st, ids_cb, &b, &error);
	TEST_STREQ(buf_cstr(&b), "move [-];copy [-];",
	    "an old journal is read and written to");
	store_close(&st);
out:
	buf_free(&b);
	free(error);
	free(name);
	free(path);
	free(dir);
}

int
main(void)
{
	if ((tmpdir = test_store_tmpdir("journal")) == NULL)
		return 1;
	test_order();
	test_crash();
	test_rebuild();
	test_damage();
	test_in_transaction();
	test_ids();
	test_old_table();
	test_rm_rf(tmpdir);
	free(tmpdir);
	return test_done();
}
