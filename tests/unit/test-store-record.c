/* The cache's packed records: round trips, damage refused, in the cache. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "../../src/store/store_p.h"
#include "test.h"
#include "store-test.h"

#define ACCOUNT "bob@example.org"

/* A record with every string, as the index would cache it. */
static const struct store_msg full = {
	.uid = 7, .internaldate = 1700000000, .date = -86400 * 365,
	.size = 123456789012ULL, .from = "Al <al@example.org>",
	.to = "B\xc3\xa9 <be@example.org>", .cc = "c@example.org",
	.subject = "=?UTF-8?Q?h=C3=A9llo?=", .message_id = "<1@example.org>",
	.in_reply_to = "<0@example.org>",
	.references = "<a@example.org> <0@example.org>",
};

/* Bytes that are no record, and what the decoder says of them. */
static const struct damage {
	const char	*name;
	const char	*bytes;		/* SQL blob literal for the cache */
	const char	*why;
} damages[] = {
	{ "truncated", "substr(record, 1, length(record) - 3)", "past its end" },
	{ "cut inside a number", "X'0102'", "ends inside a number" },
	{ "a number without its last byte", "X'808080'", "ends inside a number" },
	{ "an over-long number", "X'8080808080808080808001'", "too long" },
	{ "a tenth byte past 64 bits", "X'FFFFFFFFFFFFFFFFFF02'", "too long" },
	{ "a length past the end", "X'0000000961626300'", "past its end" },
	{ "a string without its NUL", "X'00000004616263640000000000'"
	    "|| X'00'", "no NUL" },
	{ "bytes after the end", "X'00000000000000000000FF'", "after its end" },
	{ "text where a blob belongs", "'hello'", "" },
};

static char	*tmpdir;

static void	 cases(struct store_msg *, size_t *);
static void	 check_same(const struct store_msg *, const struct store_msg *,
		    const char *);
static void	 test_roundtrip(void);
static void	 test_prefixes(void);
static void	 test_bytes(void);
static int	 keep_cb(const struct store_msg *, void *);
static void	 put_records(struct store *, uint32_t);
static void	 sql(const char *, const char *);
static void	 test_cache_damage(void);
static int	 copy_cb(const struct store_msg *, void *);
static void	 got_free(struct store_msg *);
static void	 test_upsert(void);
static void	 test_orphans(void);
static void	 test_old_version(void);

static void
check_same(const struct store_msg *got, const struct store_msg *want,
    const char *what)
{
	TEST_CHECK(got->internaldate == want->internaldate, "%s: internaldate",
	    what);
	TEST_CHECK(got->date == want->date, "%s: date", what);
	TEST_CHECK(got->size == want->size, "%s: size", what);
	TEST_STREQ(got->from, want->from, "%s: from", what);
	TEST_STREQ(got->to, want->to, "%s: to", what);
	TEST_STREQ(got->cc, want->cc, "%s: cc", what);
	TEST_STREQ(got->subject, want->subject, "%s: subject", what);
	TEST_STREQ(got->message_id, want->message_id, "%s: message_id", what);
	TEST_STREQ(got->in_reply_to, want->in_reply_to, "%s: in_reply_to",
	    what);
	TEST_STREQ(got->references, want->references, "%s: references", what);
}

/* The records every packing test goes through. */
static void
cases(struct store_msg *c, size_t *n)
{
	size_t	 i = 0;

	c[i++] = full;
	memset(&c[i++], 0, sizeof *c);			/* all NULL, zero */
	c[i] = full;					/* all empty */
	c[i].from = c[i].to = c[i].cc = c[i].subject = c[i].message_id =
	    c[i].in_reply_to = c[i].references = "";
	i++;
	c[i] = full;
	c[i].internaldate = INT64_MIN;
	c[i].date = INT64_MAX;
	c[i].size = UINT64_MAX;
	c[i].cc = NULL;
	c[i++].subject = "";
	c[i] = full;
	c[i].internaldate = -1;
	c[i].date = 1;
	c[i].size = 127;
	c[i++].references = NULL;
	c[i] = full;
	c[i].internaldate = INT64_MAX;
	c[i].date = INT64_MIN;
	c[i].size = 128;
	c[i++].from = NULL;
	*n = i;
}

static void
test_roundtrip(void)
{
	struct store_msg	 c[8], got;
	struct buf		 b = BUF_INIT;
	const char		*why = NULL;
	char			*big;
	size_t			 i, n;

	cases(c, &n);
	for (i = 0; i < n; i++) {
		store_record_pack(&b, &c[i]);
		memset(&got, 0x5a, sizeof got);
		TEST_INTEQ(store_record_unpack(b.data, b.len, &got, &why), 0,
		    "case %zu decodes", i);
		check_same(&got, &c[i], "round trip");
		TEST_CHECK(got.subject == NULL || (got.subject >= b.data &&
		    got.subject < b.data + b.len),
		    "case %zu: strings point into the record", i);
	}
	store_record_pack(&b, &c[1]);
	TEST_INTEQ(b.len, 10, "a record of NULLs is one byte a field");

	/* A string longer than one byte's varint, and than two. */
	big = xmalloc(70000);
	memset(big, 'r', 69999);
	big[69999] = '\0';
	c[0].references = big;
	store_record_pack(&b, &c[0]);
	TEST_INTEQ(store_record_unpack(b.data, b.len, &got, &why), 0,
	    "a long References decodes");
	TEST_STREQ(got.references, big, "a long References");
	free(big);

	memset(&got, 0x5a, sizeof got);
	TEST_INTEQ(store_record_unpack(NULL, 0, &got, &why), 0,
	    "an empty record decodes");
	check_same(&got, &c[1], "an empty record is all zero and NULL");
	buf_free(&b);
}

/* Every cut short record, and one with a byte more, is refused. */
static void
test_prefixes(void)
{
	struct store_msg	 c[8], got;
	struct buf		 b = BUF_INIT;
	const char		*why;
	size_t			 i, n, len;
	int			 bad = 0;

	cases(c, &n);
	for (i = 0; i < n; i++) {
		store_record_pack(&b, &c[i]);
		for (len = 1; len < b.len; len++) {
			why = NULL;
			if (store_record_unpack(b.data, len, &got, &why) != -1 ||
			    why == NULL)
				bad++;
		}
		buf_addc(&b, '\0');
		why = NULL;
		TEST_CHECK(store_record_unpack(b.data, b.len, &got, &why) == -1 &&
		    why != NULL && strstr(why, "after its end") != NULL,
		    "case %zu with a byte more is refused", i);
	}
	TEST_INTEQ(bad, 0, "every record cut short is refused");
	buf_free(&b);
}

/* Hand-made bytes: the limits of a number, and strings that lie. */
static void
test_bytes(void)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		int		 ok;
		const char	*why;
	} t[] = {
		/* size UINT64_MAX: ten bytes, the last 1. */
		{ "\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
		    "\0\0\0\0\0\0\0", 19, 0, NULL },
		{ "\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"
		    "\0\0\0\0\0\0\0", 19, -1, "too long" },
		{ "\0\0\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"
		    "\0\0\0\0\0\0\0", 20, -1, "too long" },
		/* from "ab" claims 3 bytes and has them, with its NUL */
		{ "\0\0\0\x03" "ab\0" "\0\0\0\0\0\0", 13, 0, NULL },
		{ "\0\0\0\x04" "abcd" "\0\0\0\0\0\0", 14, -1, "no NUL" },
		{ "\0\0\0\x03" "abc" "\0\0\0\0\0\0", 13, -1, "no NUL" },
		{ "\0\0\0\x7f" "ab\0", 7, -1, "past its end" },
		/* a length of 2^64 - 1 */
		{ "\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" "ab\0",
		    16, -1, "past its end" },
		{ "\0\0\0\0\0\0\0\0\0", 9, -1, "ends inside" },
	};
	struct store_msg	 got;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		why = NULL;
		TEST_INTEQ(store_record_unpack(t[i].bytes, t[i].len, &got, &why),
		    t[i].ok, "bytes %zu", i);
		if (t[i].ok == 0)
			continue;
		TEST_CHECK(why != NULL && strstr(why, t[i].why) != NULL,
		    "bytes %zu: says %s (%s)", i, t[i].why, why ? why : "-");
	}
	TEST_INTEQ(store_record_unpack(t[0].bytes, t[0].len, &got, &why), 0,
	    "the largest size");
	TEST_CHECK(got.size == UINT64_MAX, "is UINT64_MAX");
}


/* Keeps the UID of the last record seen. */
static int
keep_cb(const struct store_msg *m, void *arg)
{
	struct store_msg	*last = arg;

	last->uid = m->uid;
	return 0;
}

static void
put_records(struct store *st, uint32_t n)
{
	struct store_msg	 m = full;
	struct store_journal_entry e = { .op = STORE_JOURNAL_FLAGS_ADD,
				    .folder = "INBOX", .uidvalidity = 1,
				    .uids = "1", .flags = IMAP_FLAG_SEEN };
	char			*error = NULL;
	uint32_t		 uid;

	store_begin(st, &error);
	for (uid = 1; uid <= n; uid++) {
		m.uid = uid;
		TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), 0, "put %u",
		    (unsigned)uid);
	}
	store_commit(st, &error);
	TEST_INTEQ(store_journal_add(st, &e, NULL, &error), 0, "a journal entry");
	free(error);
}

/* Runs statements on the cache file of dir, as another program would. */
static void
sql(const char *dir, const char *text)
{
	sqlite3	*db;
	char	*name, *path;

	name = store_account_dirname(ACCOUNT);
	path = xasprintf("%s/%s/cache.sqlite", dir, name);
	TEST_CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_exec(db, text, NULL, NULL, NULL) == SQLITE_OK,
	    "%s: %s", text, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(name);
	free(path);
}

/* A record damaged in the file: the read fails and says which, and the
 * next open rebuilds the cache, keeping the journal. */
static void
test_cache_damage(void)
{
	struct store		*st;
	struct store_msg	 last;
	char			*dir, *q, *error = NULL;
	size_t			 i, n;
	bool			 rebuilt;

	for (i = 0; i < sizeof damages / sizeof damages[0]; i++) {
		dir = xasprintf("%s/damage%zu", tmpdir, i);
		if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
			goto next;
		put_records(st, 5);
		store_close(&st);
		q = xasprintf("UPDATE messages SET record = %s WHERE uid = 3",
		    damages[i].bytes);
		sql(dir, q);
		free(q);

		if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) == NULL)
			goto next;
		TEST_CHECK(!rebuilt, "%s: the file itself is sound",
		    damages[i].name);
		memset(&last, 0, sizeof last);
		TEST_INTEQ(store_msg_each(st, "INBOX", 0, keep_cb, &last, &error),
		    -1, "%s: reading the folder fails", damages[i].name);
		TEST_CHECK(error != NULL && strstr(error, "cannot read the "
		    "messages of INBOX: damaged record for UID 3 (") != NULL &&
		    strstr(error, damages[i].why) != NULL &&
		    strstr(error, "rebuilt") != NULL,
		    "%s: says so: %s", damages[i].name, error ? error : "-");
		TEST_INTEQ(last.uid, 2, "%s: after the records before it",
		    damages[i].name);
		x_free(&error);
		TEST_INTEQ(store_msg_newest(st, "INBOX", 10, keep_cb, &last,
		    &error), -1, "%s: the newest too", damages[i].name);
		x_free(&error);
		store_close(&st);

		if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) == NULL)
			goto next;
		TEST_CHECK(rebuilt, "%s: rebuilt at the next open",
		    damages[i].name);
		n = 99;
		store_msg_count(st, "INBOX", &n, &error);
		TEST_INTEQ(n, 0, "%s: without the records", damages[i].name);
		n = 0;
		store_journal_count(st, &n, &error);
		TEST_INTEQ(n, 1, "%s: with the journal", damages[i].name);
		store_close(&st);
		if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) != NULL)
			TEST_CHECK(!rebuilt, "%s: once", damages[i].name);
		store_close(&st);
next:
		free(error);
		error = NULL;
		free(dir);
	}
}

static int
copy_cb(const struct store_msg *m, void *arg)
{
	struct store_msg	*out = arg;

	out->uid = m->uid;
	out->flags = m->flags;
	out->modseq = m->modseq;
	out->internaldate = m->internaldate;
	out->size = m->size;
	out->subject = m->subject != NULL ? xstrdup(m->subject) : NULL;
	out->keywords = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	out->emailid = m->emailid != NULL ? xstrdup(m->emailid) : NULL;
	out->threadid = m->threadid != NULL ? xstrdup(m->threadid) : NULL;
	return 1;
}

static void
got_free(struct store_msg *m)
{
	free((char *)m->subject);
	free((char *)m->keywords);
	free((char *)m->emailid);
	free((char *)m->threadid);
	memset(m, 0, sizeof *m);
}

/* A record written again replaces the packed fields, and keeps the
 * OBJECTIDs it had when the new one has none. */
static void
test_upsert(void)
{
	struct store		*st;
	struct store_msg	 m = full, got;
	char			*dir = xasprintf("%s/upsert", tmpdir);
	char			*error = NULL;

	memset(&got, 0, sizeof got);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	m.emailid = "M1";
	m.threadid = "T1";
	store_msg_put(st, "INBOX", &m, &error);
	m.emailid = m.threadid = NULL;
	m.subject = "again";
	m.size = 9;
	m.modseq = 77;
	m.keywords = "$Junk";
	TEST_INTEQ(store_msg_put(st, "INBOX", &m, &error), 0, "put again");
	store_msg_each(st, "INBOX", 0, copy_cb, &got, &error);
	TEST_STREQ(got.subject, "again", "the new record");
	TEST_CHECK(got.size == 9 && got.modseq == 77 &&
	    got.internaldate == full.internaldate, "its numbers");
	TEST_STREQ(got.keywords, "$Junk", "its keywords");
	TEST_STREQ(got.emailid, "M1", "the EMAILID kept");
	TEST_STREQ(got.threadid, "T1", "the THREADID kept");
	got_free(&got);

	m.emailid = "M2";
	m.threadid = "T2";
	store_msg_put(st, "INBOX", &m, &error);
	store_msg_set_flags(st, "INBOX", m.uid, IMAP_FLAG_FLAGGED, NULL, 78,
	    &error);
	store_msg_each(st, "INBOX", 0, copy_cb, &got, &error);
	TEST_STREQ(got.emailid, "M2", "a new EMAILID replaces it");
	TEST_STREQ(got.threadid, "T2", "a new THREADID too");
	TEST_CHECK(got.flags == IMAP_FLAG_FLAGGED && got.modseq == 78 &&
	    got.keywords == NULL, "flags written alone");
	TEST_STREQ(got.subject, "again", "leave the record");
	got_free(&got);

	store_msg_set_emailid(st, "INBOX", m.uid, "M3", &error);
	store_msg_each(st, "INBOX", 0, copy_cb, &got, &error);
	TEST_STREQ(got.emailid, "M3", "an EMAILID written alone");
	TEST_CHECK(got.size == 9, "leaves the record");
	got_free(&got);
	store_close(&st);
out:
	free(error);
	free(dir);
}

/* The records kept for moved messages' parts are empty and read as
 * zeros; the part is found by its EMAILID. */
static void
test_orphans(void)
{
	struct store		*st;
	struct store_msg	 m = full, got;
	struct imap_seqset	 set;
	struct buf		 b = BUF_INIT;
	char			*dir = xasprintf("%s/orphans", tmpdir);
	char			*error = NULL;

	memset(&got, 0, sizeof got);
	imap_seqset_init(&set);
	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	m.emailid = "E7";
	store_msg_put(st, "INBOX", &m, &error);
	store_part_put(st, "INBOX", 1, m.uid, "1", "body", 4, &error);
	imap_seqset_add(&set, m.uid, m.uid);
	TEST_INTEQ(store_msg_delete(st, "INBOX", &set, &error), 0, "delete");
	TEST_INTEQ(store_msg_each(st, "", 0, copy_cb, &got, &error), 0,
	    "the placeholder reads");
	TEST_STREQ(got.emailid, "E7", "with its EMAILID");
	TEST_CHECK(got.subject == NULL && got.size == 0 &&
	    got.internaldate == 0 && got.uid != 0, "and nothing else");
	got_free(&got);
	TEST_INTEQ(store_part_get_by_emailid(st, "E7", "1", &b, &error), 1,
	    "its part is found");
	store_close(&st);
out:
	imap_seqset_free(&set);
	buf_free(&b);
	free(error);
	free(dir);
}

/* A cache of schema 1 (a column per field) is rebuilt, its journal kept. */
static void
test_old_version(void)
{
	struct store	*st;
	char		*dir = xasprintf("%s/v1", tmpdir), *error = NULL;
	struct store_msg last;
	size_t		 n;
	bool		 rebuilt = false;

	if ((st = test_store_open(ACCOUNT, dir, NULL)) == NULL)
		goto out;
	put_records(st, 3);
	store_close(&st);
	sql(dir, "DROP TABLE messages; CREATE TABLE messages ("
	    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
	    " uid INTEGER NOT NULL, flags INTEGER NOT NULL, keywords TEXT,"
	    " internaldate INTEGER NOT NULL, date INTEGER NOT NULL,"
	    " size INTEGER NOT NULL, modseq INTEGER NOT NULL,"
	    " \"from\" TEXT, \"to\" TEXT, cc TEXT, subject TEXT,"
	    " message_id TEXT, in_reply_to TEXT, \"references\" TEXT,"
	    " emailid TEXT, threadid TEXT,"
	    " PRIMARY KEY (folder_id, uid)) WITHOUT ROWID;"
	    "INSERT INTO messages (folder_id, uid, flags, internaldate, date,"
	    " size, modseq, subject) SELECT id, 1, 0, 1, 2, 3, 0, 'old'"
	    " FROM folders WHERE name = 'INBOX';"
	    "PRAGMA user_version = 1");
	if ((st = test_store_open(ACCOUNT, dir, &rebuilt)) == NULL)
		goto out;
	TEST_CHECK(rebuilt, "a cache of schema 1 is rebuilt");
	n = 99;
	store_msg_count(st, "INBOX", &n, &error);
	TEST_INTEQ(n, 0, "without its records");
	n = 0;
	store_journal_count(st, &n, &error);
	TEST_INTEQ(n, 1, "with its journal");
	put_records(st, 2);
	memset(&last, 0, sizeof last);
	TEST_INTEQ(store_msg_each(st, "INBOX", 0, keep_cb, &last, &error), 0,
	    "the new cache reads");
	TEST_INTEQ(last.uid, 2, "what was written to it");
	store_close(&st);
out:
	free(error);
	free(dir);
}

int
main(void)
{
	if ((tmpdir = test_store_tmpdir("store-record")) == NULL)
		return 1;
	test_roundtrip();
	test_prefixes();
	test_bytes();
	test_cache_damage();
	test_upsert();
	test_orphans();
	test_old_version();
	test_rm_rf(tmpdir);
	free(tmpdir);
	return test_done();
}
