/* Sequence sets: parsing, normalizing, writing, membership, counting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_seqset.h"
#include "test.h"

static char	*written(const struct imap_seqset *);
static void	 test_parse(void);
static void	 test_parse_bad(void);
static void	 test_normalize(void);
static void	 test_contains_count(void);
static void	 test_intersects(void);
static void	 test_big(void);

static char *
written(const struct imap_seqset *set)
{
	struct buf	b = BUF_INIT;

	imap_seqset_write(&b, set);
	return buf_steal(&b);
}

static void
test_parse(void)
{
	static const struct {
		const char	*in;
		const char	*out;	/* written back as is */
		size_t		 count;
	} cases[] = {
		{ "1", "1", 1 },
		{ "1:3,5,7:*", "1:3,5,7:*", 3 },
		{ "*", "*", 1 },
		{ "*:4", "4:*", 1 },
		{ "5:3", "3:5", 1 },
		{ "4294967295", "*", 1 },	/* the largest number is '*' */
		{ "4294967294:4294967295", "4294967294:*", 1 },
		{ "2,2,2", "2,2,2", 3 },
		{ "10:10", "10", 1 },
	};
	struct imap_seqset	 set;
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		imap_seqset_init(&set);
		TEST_INTEQ(imap_seqset_parse(&set, cases[i].in), 0,
		    "parse \"%s\"", cases[i].in);
		TEST_INTEQ(set.count, cases[i].count, "ranges in \"%s\"",
		    cases[i].in);
		s = written(&set);
		TEST_STREQ(s, cases[i].out, "write back \"%s\"", cases[i].in);
		free(s);
		imap_seqset_free(&set);
	}

	imap_seqset_init(&set);
	imap_seqset_parse(&set, "1:3,5,7:*");
	TEST_INTEQ(set.ranges[0].lo, 1, "first lo");
	TEST_INTEQ(set.ranges[0].hi, 3, "first hi");
	TEST_INTEQ(set.ranges[2].hi, UINT32_MAX, "'*' is UINT32_MAX");
	TEST_INTEQ(imap_seqset_parse(&set, "9"), 0, "parse appends");
	TEST_INTEQ(set.count, 4, "parse appended one range");
	imap_seqset_free(&set);
	TEST_CHECK(set.ranges == NULL && set.count == 0, "free resets");
}

static void
test_parse_bad(void)
{
	static const char *bad[] = {
		"", "0", "1:0", "01", "1,", ",1", "1::2", "1:", ":1", "a",
		"1 2", "1,,2", "4294967296", "99999999999999999999", "-1",
		"1:*:3", "**", "1:3,5x", " 1",
	};
	struct imap_seqset	 set;
	size_t			 i;

	imap_seqset_init(&set);
	imap_seqset_parse(&set, "7");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(imap_seqset_parse(&set, bad[i]), -1,
		    "reject \"%s\"", bad[i]);
		TEST_INTEQ(set.count, 1, "\"%s\" leaves the set alone", bad[i]);
	}
	imap_seqset_free(&set);
}

static void
test_normalize(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "1:100,205,300:420", "1:100,205,300:420" },
		{ "300:420,205,1:100", "1:100,205,300:420" },
		{ "5,4,3,2,1", "1:5" },
		{ "1:3,4:6", "1:6" },			/* adjacent */
		{ "1:5,3:8", "1:8" },			/* overlapping */
		{ "1:10,2:3", "1:10" },			/* contained */
		{ "7,7,7", "7" },
		{ "1,3,5", "1,3,5" },
		{ "10:*,3,*", "3,10:*" },
		{ "4294967294,*", "4294967294:*" },	/* adjacent to '*' */
		{ "*,1:*,5", "1:*" },
	};
	struct imap_seqset	 set;
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		imap_seqset_init(&set);
		TEST_INTEQ(imap_seqset_parse(&set, cases[i].in), 0,
		    "parse \"%s\"", cases[i].in);
		imap_seqset_normalize(&set);
		s = written(&set);
		TEST_STREQ(s, cases[i].out, "normalize \"%s\"", cases[i].in);
		free(s);
		imap_seqset_free(&set);
	}

	/* Empty and built by hand. */
	imap_seqset_init(&set);
	imap_seqset_normalize(&set);
	s = written(&set);
	TEST_STREQ(s, "", "empty set writes nothing");
	free(s);
	imap_seqset_add(&set, 9, 8);
	imap_seqset_add(&set, 1, 1);
	imap_seqset_add(&set, 2, 2);
	imap_seqset_add(&set, 10, UINT32_MAX);
	imap_seqset_normalize(&set);
	s = written(&set);
	TEST_STREQ(s, "1:2,8:*", "add swaps and merges");
	free(s);
	imap_seqset_free(&set);
}

/* Each case: two sets, normalized, and whether they share a value. */
static void
test_intersects(void)
{
	static const struct {
		const char	*a, *b;
		bool		 meet;
	} cases[] = {
		{ "1:3", "4:6", false },
		{ "1:3", "3:6", true },
		{ "5", "1:4,6:9", false },
		{ "5", "1:4,5,9", true },
		{ "1,3,5,7", "2,4,6,8", false },
		{ "1,3,5,7", "2,4,7:8", true },
		{ "10:20", "1:2,30:*", false },
		{ "10:*", "1:2,30:40", true },
		{ "100", "1:50,60:70,80:90,99:101", true },
	};
	struct imap_seqset	a, b;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		imap_seqset_init(&a);
		imap_seqset_init(&b);
		imap_seqset_parse(&a, cases[i].a);
		imap_seqset_parse(&b, cases[i].b);
		imap_seqset_normalize(&a);
		imap_seqset_normalize(&b);
		TEST_CHECK(imap_seqset_intersects(&a, &b) == cases[i].meet &&
		    imap_seqset_intersects(&b, &a) == cases[i].meet,
		    "%s and %s %s", cases[i].a, cases[i].b,
		    cases[i].meet ? "meet" : "do not meet");
		imap_seqset_free(&a);
		imap_seqset_free(&b);
	}
	imap_seqset_init(&a);
	imap_seqset_init(&b);
	imap_seqset_parse(&b, "1:*");
	TEST_CHECK(!imap_seqset_intersects(&a, &b), "the empty set meets nothing");
	imap_seqset_free(&b);
}

static void
test_contains_count(void)
{
	struct imap_seqset	set;

	imap_seqset_init(&set);
	TEST_CHECK(!imap_seqset_contains(&set, 1), "empty contains nothing");
	TEST_INTEQ(imap_seqset_count(&set, 100), 0, "empty counts 0");
	imap_seqset_parse(&set, "1:3,5,7:*");
	TEST_CHECK(imap_seqset_contains(&set, 1), "contains 1");
	TEST_CHECK(imap_seqset_contains(&set, 3), "contains 3");
	TEST_CHECK(!imap_seqset_contains(&set, 4), "not 4");
	TEST_CHECK(imap_seqset_contains(&set, 5), "contains 5");
	TEST_CHECK(!imap_seqset_contains(&set, 6), "not 6");
	TEST_CHECK(imap_seqset_contains(&set, 7000), "7:* holds 7000");
	TEST_CHECK(imap_seqset_contains(&set, UINT32_MAX), "holds '*'");
	TEST_CHECK(!imap_seqset_contains(&set, 0), "never 0");
	TEST_INTEQ(imap_seqset_count(&set, 10), 3 + 1 + 4, "count with max 10");
	TEST_INTEQ(imap_seqset_count(&set, 5), 6,
	    "7:* with max 5 is 5:7, and 5 counts once");
	imap_seqset_free(&set);

	imap_seqset_parse(&set, "1:10,5:15,15");
	TEST_INTEQ(imap_seqset_count(&set, 0), 15, "overlaps count once");
	imap_seqset_free(&set);

	imap_seqset_parse(&set, "*");
	TEST_INTEQ(imap_seqset_count(&set, 0), 0, "'*' in an empty mailbox");
	TEST_INTEQ(imap_seqset_count(&set, 42), 1, "'*' is one message");
	imap_seqset_free(&set);

	imap_seqset_parse(&set, "1:*");
	TEST_INTEQ(imap_seqset_count(&set, UINT32_MAX), UINT32_MAX,
	    "the whole range");
	imap_seqset_free(&set);
}

static void
test_big(void)
{
	struct imap_seqset	 set;
	struct buf		 b = BUF_INIT;
	uint32_t		 i;
	char			*s;

	/* Every other UID of 10000, then fill the gaps: one range. */
	imap_seqset_init(&set);
	for (i = 10000; i >= 1; i -= 2)
		imap_seqset_add(&set, i, i);
	imap_seqset_normalize(&set);
	TEST_INTEQ(set.count, 5000, "5000 single values");
	TEST_INTEQ(imap_seqset_count(&set, 0), 5000, "count 5000");
	for (i = 1; i <= 10000; i += 2)
		imap_seqset_add(&set, i, i);
	imap_seqset_normalize(&set);
	s = written(&set);
	TEST_STREQ(s, "1:10000", "gaps filled");
	free(s);
	imap_seqset_free(&set);

	/* A long written set parses back to itself. */
	for (i = 1; i < 3000; i += 3)
		buf_printf(&b, "%s%u:%u", i > 1 ? "," : "", i, i + 1);
	TEST_INTEQ(imap_seqset_parse(&set, buf_cstr(&b)), 0, "parse long set");
	s = written(&set);
	TEST_STREQ(s, buf_cstr(&b), "long set round trip");
	free(s);
	buf_free(&b);
	imap_seqset_free(&set);
}

int
main(void)
{
	test_parse();
	test_parse_bad();
	test_normalize();
	test_contains_count();
	test_intersects();
	test_big();
	return test_done();
}
