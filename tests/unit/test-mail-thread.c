/* Sorting and JWZ threading: orders, broken and looping References,
 * missing parents, duplicate Message-IDs, and a big folder in time. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/mail_thread.h"
#include "crispin/xalloc.h"
#include "test.h"

struct spec {
	const char	*id;
	const char	*refs;
	const char	*irt;
	const char	*subject;
	const char	*from;
	int64_t		 date;
	uint64_t	 size;
};

/* The records' References and In-Reply-To live here. */
static struct mail_intern *strings;

static struct mail_msg *
make(const struct spec *s, size_t n)
{
	struct mail_msg	*m = xcalloc(n, sizeof *m);
	size_t		 i;

	for (i = 0; i < n; i++) {
		m[i].uid = (uint32_t)i + 1;
		m[i].state = MAIL_MSG_HEADERS | MAIL_MSG_FLAGS;
		m[i].message_id = s[i].id;
		mail_msg_set_ids(&m[i], strings, s[i].refs, s[i].irt);
		m[i].subject = s[i].subject;
		m[i].from = s[i].from;
		m[i].date = mail_msg_time(s[i].date);
		m[i].internaldate = mail_msg_time(s[i].date);
		m[i].size = mail_msg_size(s[i].size);
	}
	return m;
}

static const struct mail_msg **
ptrs(struct mail_msg *m, size_t n)
{
	const struct mail_msg	**p = xcalloc(n, sizeof *p);
	size_t			 i;

	for (i = 0; i < n; i++)
		p[i] = &m[i];
	return p;
}

/* The display as "uid:depth uid:depth ...". */
static void
shape(struct buf *out, const struct mail_msg *const *p, size_t n,
    const struct mail_sort *s)
{
	struct mail_thread_row	*rows;
	size_t			 i;

	mail_thread_build(p, n, s, &rows);
	buf_reset(out);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%u:%u", i > 0 ? " " : "", p[rows[i].msg]->uid,
		    rows[i].depth);
	free(rows);
}

static const struct mail_sort by_date = {
	.key = MAIL_SORT_THREADS, .aux = MAIL_SORT_DATE,
};

static void test_server_order(void);

static void
test_parse(void)
{
	enum mail_sort_key	 k;
	bool			 rev;

	TEST_CHECK(mail_sort_parse("reverse-date-received", &k, &rev) == 0 &&
	    k == MAIL_SORT_DATE_RECEIVED && rev, "reverse- prefix");
	TEST_CHECK(mail_sort_parse("threads", &k, &rev) == 0 &&
	    k == MAIL_SORT_THREADS && !rev, "threads");
	TEST_CHECK(mail_sort_parse("banana", &k, &rev) < 0, "unknown order");
	TEST_CHECK(mail_sort_parse("reverse-score", &k, &rev) == 0 &&
	    k == MAIL_SORT_SCORE && rev, "score");
	TEST_STREQ(mail_sort_name(MAIL_SORT_SUBJECT), "subject", "name");
}

static void
test_sort(void)
{
	static const struct spec s[] = {
		{ .subject = "Re: banana", .from = "\"Zed\" <z@x>", .date = 30, .size = 5 },
		{ .subject = "apple", .from = "=?UTF-8?Q?Ann?= <a@x>", .date = 10, .size = 50 },
		{ .subject = "Fwd: RE: cherry", .from = "bob@x", .date = 20, .size = 1 },
		{ .subject = "apple", .from = "Ann <a@x>", .date = 5, .size = 7 },
	};
	struct mail_msg		*m = make(s, 4);
	const struct mail_msg	**p = ptrs(m, 4);
	struct mail_sort	 o = { .aux = MAIL_SORT_UNSORTED };
	uint32_t		 order[4];
	char			 got[16];
	size_t			 i;

#define RUN(k, rev) do {						\
	o.key = (k);							\
	o.reverse = (rev);						\
	for (i = 0; i < 4; i++)						\
		order[i] = (uint32_t)i;					\
	mail_sort(p, order, 4, &o);					\
	for (i = 0; i < 4; i++)						\
		got[i] = (char)('1' + order[i]);			\
	got[4] = '\0';							\
} while (0)
	RUN(MAIL_SORT_DATE, false);
	TEST_STREQ(got, "4231", "by date");
	RUN(MAIL_SORT_DATE, true);
	TEST_STREQ(got, "1324", "reverse date");
	RUN(MAIL_SORT_SUBJECT, false);
	TEST_STREQ(got, "2413", "by subject without Re:/Fwd:, equal ones by UID");
	RUN(MAIL_SORT_FROM, false);
	TEST_STREQ(got, "2431", "by decoded author name");
	RUN(MAIL_SORT_SIZE, false);
	TEST_STREQ(got, "3142", "by size");
	RUN(MAIL_SORT_UNSORTED, false);
	TEST_STREQ(got, "1234", "unsorted is arrival");
	o.aux = MAIL_SORT_DATE;
	RUN(MAIL_SORT_SUBJECT, false);
	TEST_STREQ(got, "4213", "equal subjects by sort_aux");
	{
		static const int scores[] = { 5, -2, 30, 5 };

		o.scores = scores;
		o.aux = MAIL_SORT_UNSORTED;
		RUN(MAIL_SORT_SCORE, false);
		TEST_STREQ(got, "3142", "by score, highest first, ties by UID");
		RUN(MAIL_SORT_SCORE, true);
		TEST_STREQ(got, "2413", "reverse score");
		o.aux = MAIL_SORT_DATE;
		RUN(MAIL_SORT_SCORE, false);
		TEST_STREQ(got, "3412", "equal scores by sort_aux");
		o.scores = NULL;
		RUN(MAIL_SORT_SCORE, false);
		TEST_STREQ(got, "4231", "no scores: all equal, by sort_aux");
		o.aux = MAIL_SORT_UNSORTED;
	}
#undef RUN
	free(p);
	free(m);
}

static void
test_threads(void)
{
	/* 1 <- 2 <- 3, 4 replies to 1 by In-Reply-To only, 5 alone. */
	static const struct spec s[] = {
		{ "<a@x>", NULL, NULL, "a", NULL, 10, 0 },
		{ "<b@x>", "<a@x>", "<a@x>", "Re: a", NULL, 20, 0 },
		{ "<c@x>", "<a@x> <b@x>", "<b@x>", "Re: a", NULL, 40, 0 },
		{ "<d@x>", NULL, "<a@x>", "Re: a", NULL, 30, 0 },
		{ "<e@x>", NULL, NULL, "e", NULL, 15, 0 },
	};
	struct mail_msg		*m = make(s, 5);
	const struct mail_msg	**p = ptrs(m, 5);
	struct mail_sort	 o = by_date;
	struct mail_thread_row	*rows;
	struct buf		 b = BUF_INIT;

	shape(&b, p, 5, &o);
	TEST_STREQ(buf_cstr(&b), "1:0 2:1 3:2 4:1 5:0", "a thread by date, then a single");
	o.reverse = true;
	shape(&b, p, 5, &o);
	TEST_STREQ(buf_cstr(&b), "5:0 1:0 2:1 3:2 4:1", "reverse threads keep the inside order");
	mail_thread_build(p, 5, &by_date, &rows);
	TEST_INTEQ(rows[0].size, 4, "thread size on the root");
	TEST_INTEQ(rows[2].size, 4, "and on every row");
	TEST_INTEQ(rows[2].parent, 1, "parent row");
	TEST_INTEQ(rows[2].root, 0, "root row");
	TEST_CHECK(!rows[1].last && rows[3].last, "last child");
	TEST_INTEQ(rows[4].size, 1, "a single is a thread of one");
	free(rows);
	/* sort_aux = score: threads by their best message's score. */
	{
		static const int scores[] = { 0, 0, 9, 0, 4 };

		o = by_date;
		o.aux = MAIL_SORT_SCORE;
		o.scores = scores;
		shape(&b, p, 5, &o);
		/* 5's own 4 beats 1's 0, but 1's thread holds the 9. */
		TEST_STREQ(buf_cstr(&b), "1:0 2:1 3:2 4:1 5:0",
		    "the thread holding the best score first");
		o.reverse = true;
		shape(&b, p, 5, &o);
		TEST_STREQ(buf_cstr(&b), "5:0 1:0 2:1 3:2 4:1", "reversed");
	}
	buf_free(&b);
	free(p);
	free(m);
}

static void
test_broken(void)
{
	/*
	 * 1 and 2 both reply to a missing <root>: kept together under the
	 * earlier. 3 names a missing middle message: it hangs under 1
	 * anyway. 4 and 5 name each other (a loop). 6 has 1's Message-ID
	 * again. 7 references itself. 8 has no headers yet.
	 */
	static const struct spec s[] = {
		{ "<one@x>", "<root@x>", NULL, "s", NULL, 10, 0 },
		{ "<two@x>", "<root@x>", NULL, "s", NULL, 20, 0 },
		{ "<three@x>", "<one@x> <gone@x>", NULL, "s", NULL, 30, 0 },
		{ "<four@x>", "<five@x>", NULL, "l", NULL, 40, 0 },
		{ "<five@x>", "<four@x>", NULL, "l", NULL, 50, 0 },
		{ "<one@x>", NULL, NULL, "dup", NULL, 60, 0 },
		{ "<seven@x>", "<seven@x> <seven@x>", "<seven@x>", "self", NULL, 70, 0 },
		{ NULL, NULL, NULL, NULL, NULL, 80, 0 },
	};
	struct mail_msg		*m = make(s, 8);
	const struct mail_msg	**p = ptrs(m, 8);
	struct mail_thread_row	*rows;
	struct buf		 b = BUF_INIT;

	m[7].state = 0;
	shape(&b, p, 8, &by_date);
	TEST_STREQ(buf_cstr(&b), "1:0 2:1 3:1 5:0 4:1 6:0 7:0 8:0",
	    "missing root, missing middle, loop, duplicate, self, headerless");
	mail_thread_build(p, 8, &by_date, &rows);
	TEST_CHECK(rows[1].orphan && rows[2].orphan && !rows[4].orphan,
	    "orphans are marked");
	free(rows);
	buf_free(&b);
	free(p);
	free(m);
}

/* Long References chains, deep threads and many messages in O(n log n). */
static void
test_big(void)
{
	enum { N = 100000 };
	struct mail_msg		*m = xcalloc(N, sizeof *m);
	const struct mail_msg	**p = ptrs(m, N);
	struct mail_thread_row	*rows;
	char			**ids = xcalloc(N, sizeof *ids);
	char			**refs = xcalloc(N, sizeof *refs);
	struct mail_sort	 o = by_date;
	uint32_t		*order = xcalloc(N, sizeof *order);
	bool			*seen = xcalloc(N, sizeof *seen);
	clock_t			 t0 = clock();
	size_t			 i, ok = 1;

	for (i = 0; i < N; i++) {
		ids[i] = xasprintf("<m%zu@x>", i);
		/* Half the messages form one deep chain; the rest small threads. */
		if (i % 2 == 0 && i >= 2)
			refs[i] = xasprintf("<m%zu@x>", i - 2);
		else if (i % 10 == 3)
			refs[i] = xasprintf("<m%zu@x> <missing%zu@x>", i - 2, i);
		m[i].uid = (uint32_t)i + 1;
		m[i].state = MAIL_MSG_HEADERS;
		m[i].message_id = ids[i];
		m[i].references = refs[i];
		m[i].date = (int64_t)((i * 7919) % N);
		m[i].subject = "x";
		order[i] = (uint32_t)i;
	}
	mail_thread_build(p, N, &o, &rows);
	for (i = 0; i < N; i++) {
		if (seen[rows[i].msg])
			ok = 0;
		seen[rows[i].msg] = true;
		if (rows[i].parent != MAIL_THREAD_NONE &&
		    (rows[i].parent >= i || rows[i].depth != rows[rows[i].parent].depth + 1))
			ok = 0;
	}
	TEST_CHECK(ok, "every message once, parents before children");
	TEST_INTEQ(rows[0].depth, 0, "first row is a root");
	o.key = MAIL_SORT_SUBJECT;
	mail_sort(p, order, N, &o);
	TEST_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0,
	    "100 000 messages threaded and sorted quickly");
	free(rows);
	for (i = 0; i < N; i++) {
		free(ids[i]);
		free(refs[i]);
	}
	free(seen);
	free(order);
	free(refs);
	free(ids);
	free(p);
	free(m);
}

/* The server's SORT and THREAD answers over the records that arrived. */
static void
test_server_order(void)
{
	static const struct spec s[6] = { { .id = "<a>" } };
	/* UIDs 1..6; 2 and 5 not arrived yet (left out of msgs). */
	static uint32_t sort_uids[] = { 4, 2, 6, 1, 5, 3 };
	/* (3 (2 6)(0 (1)(4))) (5): a missing parent (0) over 1 and 4. */
	static uint32_t tree_uids[] = { 3, 2, 6, 0, 1, 4, 5 };
	static uint32_t tree_depth[] = { 0, 1, 2, 1, 2, 2, 0 };
	struct mail_folder_order o = { sort_uids, NULL, 6 };
	struct mail_msg		*m = make(s, 6);
	const struct mail_msg	*p[4];
	struct mail_thread_row	*rows;
	struct mail_sort	 ms;
	struct buf		 b = BUF_INIT;
	uint32_t		 order[4], i;
	bool			 thread;

	m[6 - 1].uid = 7;	/* new since the answer: last */
	p[0] = &m[0];
	p[1] = &m[2];
	p[2] = &m[3];
	p[3] = &m[5];
	for (i = 0; i < 4; i++)
		order[i] = i;
	mail_sort_by_order(p, order, 4, &o);
	for (i = 0; i < 4; i++)
		buf_printf(&b, "%s%u", i > 0 ? " " : "", p[order[i]]->uid);
	TEST_STREQ(buf_cstr(&b), "4 1 3 7", "the server's order, the rest last");

	o.uids = tree_uids;
	o.depth = tree_depth;
	o.n = 7;
	mail_thread_from_order(p, 4, &o, &rows);
	buf_reset(&b);
	for (i = 0; i < 4; i++)
		buf_printf(&b, "%s%u:%u%s%s", i > 0 ? " " : "", p[rows[i].msg]->uid,
		    rows[i].depth, rows[i].orphan ? "o" : "",
		    rows[i].last ? "l" : "");
	/* 3 roots its thread, 1 and 4 hang under it (their parent is
	 * missing); 7 is not in the tree. */
	TEST_STREQ(buf_cstr(&b), "3:0l 1:1o 4:1ol 7:0l", "the server's tree");
	TEST_INTEQ(rows[1].root, 0, "root row");
	TEST_INTEQ(rows[0].size, 3, "thread size");
	free(rows);

	memset(&ms, 0, sizeof ms);
	buf_reset(&b);
	ms.key = MAIL_SORT_SUBJECT;
	ms.aux = MAIL_SORT_DATE;
	TEST_CHECK(mail_sort_server_order(&ms, &b, &thread) && !thread, "subject");
	TEST_STREQ(buf_cstr(&b), "SUBJECT DATE", "subject criteria");
	buf_reset(&b);
	ms.key = MAIL_SORT_FROM;
	ms.reverse = true;
	ms.aux = MAIL_SORT_SIZE;
	ms.aux_reverse = true;
	TEST_CHECK(mail_sort_server_order(&ms, &b, &thread), "from");
	TEST_STREQ(buf_cstr(&b), "REVERSE FROM SIZE", "reverse twice is forward");
	ms.key = MAIL_SORT_THREADS;
	TEST_CHECK(mail_sort_server_order(&ms, &b, &thread) && thread, "threads");
	ms.key = MAIL_SORT_DATE;
	TEST_CHECK(!mail_sort_server_order(&ms, &b, &thread), "date: newest first");
	ms.key = MAIL_SORT_SCORE;
	TEST_CHECK(!mail_sort_server_order(&ms, &b, &thread), "score: local only");
	buf_free(&b);
	free(m);
}

int
main(void)
{
	strings = mail_intern_new();
	test_parse();
	test_sort();
	test_threads();
	test_broken();
	test_server_order();
	test_big();
	mail_intern_free(&strings);
	return test_done();
}
