/* The sequence/UID map under EXISTS, EXPUNGE, VANISHED and FETCH, checked
 * case by case and against a plain array under random operations; also
 * string interning and keyword sets. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/mail_folder.h"
#include "test.h"

static void test_exists_expunge(void);
static void test_set_uid(void);
static void test_known_far_apart(void);
static void test_remove_uid(void);
static void test_lookup_with_unknown(void);
static void test_random(void);
static void test_rebuild(void);
static void test_intern(void);
static void test_intern_memory(void);
static void test_record_numbers(void);
static void test_keywords(void);
static void test_flag_names(void);

/* Fills slots 1..n with the given UIDs after an EXISTS n. */
static struct mail_msgmap *
map_with(const uint32_t *uids, uint32_t n)
{
	struct mail_msgmap	*m = mail_msgmap_new();
	uint32_t		 i;

	mail_msgmap_exists(m, n);
	for (i = 0; i < n; i++) {
		if (uids[i] != 0)
			mail_msgmap_set_uid(m, i + 1, uids[i]);
	}
	return m;
}

static void
test_exists_expunge(void)
{
	static const uint32_t	 uids[] = { 3, 5, 9, 10, 20 };
	struct mail_msgmap	*m = map_with(uids, 5);
	uint32_t		 uid;

	TEST_INTEQ(mail_msgmap_count(m), 5, "EXISTS 5 gives 5 slots");
	TEST_INTEQ(mail_msgmap_seq(m, 9), 3, "UID 9 is message 3");
	/* Expunge of the middle: later messages move down. */
	TEST_INTEQ(mail_msgmap_expunge(m, 3, &uid), 0, "EXPUNGE 3 accepted");
	TEST_INTEQ(uid, 9, "EXPUNGE 3 removed UID 9");
	TEST_INTEQ(mail_msgmap_count(m), 4, "4 left");
	TEST_INTEQ(mail_msgmap_seq(m, 10), 3, "UID 10 moved to 3");
	TEST_INTEQ(mail_msgmap_seq(m, 20), 4, "UID 20 moved to 4");
	TEST_INTEQ(mail_msgmap_seq(m, 9), 0, "UID 9 gone");
	/* "* 2 EXPUNGE" twice removes the second and third of what was. */
	mail_msgmap_expunge(m, 2, &uid);
	TEST_INTEQ(uid, 5, "first EXPUNGE 2 is UID 5");
	mail_msgmap_expunge(m, 2, &uid);
	TEST_INTEQ(uid, 10, "second EXPUNGE 2 is UID 10");
	TEST_INTEQ(mail_msgmap_get(m, 2)->uid, 20, "message 2 is UID 20");
	TEST_CHECK(mail_msgmap_expunge(m, 3, NULL) < 0, "EXPUNGE past the end refused");
	TEST_CHECK(mail_msgmap_expunge(m, 0, NULL) < 0, "EXPUNGE 0 refused");
	TEST_CHECK(mail_msgmap_exists(m, 1) < 0, "EXISTS may not shrink");
	TEST_INTEQ(mail_msgmap_exists(m, 4), 0, "EXISTS grows");
	TEST_INTEQ(mail_msgmap_get(m, 4)->uid, 0, "new slots have no UID yet");
	TEST_CHECK(mail_msgmap_get(m, 5) == NULL, "no slot 5");
	mail_msgmap_free(&m);
	TEST_CHECK(m == NULL, "free clears the pointer");
}

static void
test_set_uid(void)
{
	struct mail_msgmap	*m = mail_msgmap_new();

	mail_msgmap_exists(m, 4);
	/* Out-of-order FETCH: 4 before 2. */
	TEST_INTEQ(mail_msgmap_set_uid(m, 4, 40), 0, "UID of slot 4 first");
	TEST_INTEQ(mail_msgmap_set_uid(m, 2, 20), 0, "then slot 2");
	TEST_CHECK(mail_msgmap_set_uid(m, 3, 41) < 0, "slot 3 above slot 4 refused");
	TEST_CHECK(mail_msgmap_set_uid(m, 3, 20) < 0, "slot 3 equal to slot 2 refused");
	TEST_CHECK(mail_msgmap_set_uid(m, 1, 25) < 0, "slot 1 above slot 2 refused");
	TEST_INTEQ(mail_msgmap_set_uid(m, 3, 30), 0, "slot 3 between is fine");
	TEST_INTEQ(mail_msgmap_set_uid(m, 3, 30), 0, "the same UID again is fine");
	TEST_CHECK(mail_msgmap_set_uid(m, 3, 31) < 0, "another UID for slot 3 refused");
	TEST_CHECK(mail_msgmap_set_uid(m, 5, 50) < 0, "FETCH beyond EXISTS refused");
	TEST_CHECK(mail_msgmap_set_uid(m, 1, 0) < 0, "UID 0 refused");
	TEST_INTEQ(mail_msgmap_seq(m, 30), 3, "UID 30 found");
	TEST_INTEQ(mail_msgmap_seq(m, 40), 4, "UID 40 found with slot 1 unknown");
	mail_msgmap_reset(m, 3);
	TEST_INTEQ(mail_msgmap_get(m, 3)->uid, 0, "reset forgets the UID");
	TEST_INTEQ(mail_msgmap_seq(m, 30), 0, "reset slot not found");
	TEST_INTEQ(mail_msgmap_seq(m, 40), 4, "others still found");
	TEST_INTEQ(mail_msgmap_set_uid(m, 3, 35), 0, "reset slot takes a new UID");
	mail_msgmap_forget_uids(m);
	TEST_INTEQ(mail_msgmap_seq(m, 30), 0, "forgotten");
	TEST_INTEQ(mail_msgmap_set_uid(m, 1, 100), 0, "after forgetting any UID fits");
	mail_msgmap_free(&m);
}

static void
test_remove_uid(void)
{
	static const uint32_t	 uids[] = { 1, 2, 3, 7, 8, 9 };
	struct mail_msgmap	*m = map_with(uids, 6);

	/* VANISHED 2:3,8 */
	TEST_INTEQ(mail_msgmap_remove_uid(m, 8), 5, "UID 8 was message 5");
	TEST_INTEQ(mail_msgmap_remove_uid(m, 3), 3, "UID 3 was message 3");
	TEST_INTEQ(mail_msgmap_remove_uid(m, 2), 2, "UID 2 was message 2");
	TEST_INTEQ(mail_msgmap_remove_uid(m, 4), 0, "UID 4 was never there");
	TEST_INTEQ(mail_msgmap_count(m), 3, "3 left");
	TEST_INTEQ(mail_msgmap_get(m, 1)->uid, 1, "1 stays");
	TEST_INTEQ(mail_msgmap_get(m, 2)->uid, 7, "7 is message 2");
	TEST_INTEQ(mail_msgmap_get(m, 3)->uid, 9, "9 is message 3");
	mail_msgmap_free(&m);
}

static void
test_lookup_with_unknown(void)
{
	static const uint32_t	 uids[] = { 0, 4, 0, 0, 9, 0, 12, 0 };
	struct mail_msgmap	*m = map_with(uids, 8);

	TEST_INTEQ(mail_msgmap_seq(m, 4), 2, "4 among unknowns");
	TEST_INTEQ(mail_msgmap_seq(m, 9), 5, "9 among unknowns");
	TEST_INTEQ(mail_msgmap_seq(m, 12), 7, "12 among unknowns");
	TEST_INTEQ(mail_msgmap_seq(m, 5), 0, "5 absent");
	TEST_INTEQ(mail_msgmap_seq(m, 13), 0, "13 absent");
	TEST_INTEQ(mail_msgmap_seq(m, 1), 0, "1 absent");
	TEST_CHECK(mail_msgmap_set_uid(m, 1, 4) < 0, "slot 1 must be below 4");
	TEST_INTEQ(mail_msgmap_set_uid(m, 8, 13), 0, "slot 8 above 12");
	mail_msgmap_free(&m);
}

/* A reference model: the same operations on a plain array. */
static void
test_random(void)
{
	struct mail_msgmap	*m = mail_msgmap_new();
	uint32_t		 ref[600], nref = 0, next_uid = 1, i, seq, uid;
	int			 round, bad = 0, op;

	srand(12345);
	for (round = 0; round < 20000 && bad == 0; round++) {
		op = rand() % 10;
		if (op < 3 && nref < 590) {
			/* EXISTS: 1-3 new messages, UIDs learnt later. */
			uint32_t add = 1 + (uint32_t)(rand() % 3);

			for (i = 0; i < add; i++)
				ref[nref++] = 0;
			if (mail_msgmap_exists(m, nref) < 0)
				bad++;
		} else if (op < 6) {
			/* FETCH (UID) of the unknown tail, one random slot of
			 * it first (out of order), then the rest. */
			for (seq = nref; seq > 0 && ref[seq - 1] == 0; seq--)
				;
			if (seq < nref) {
				uint32_t s = seq + 1 + (uint32_t)(rand() % (nref - seq));

				for (i = seq; i < nref; i++)
					ref[i] = next_uid + (i - seq) * 2;
				if (mail_msgmap_set_uid(m, s, ref[s - 1]) < 0)
					bad++;
				for (i = seq; i < nref; i++) {
					if (mail_msgmap_set_uid(m, i + 1, ref[i]) < 0)
						bad++;
				}
				next_uid = ref[nref - 1] + 1 + (uint32_t)(rand() % 3);
			}
		} else if (op < 8 && nref > 0) {
			/* EXPUNGE of any message. */
			seq = 1 + (uint32_t)(rand() % nref);
			if (mail_msgmap_expunge(m, seq, &uid) < 0 || uid != ref[seq - 1])
				bad++;
			memmove(&ref[seq - 1], &ref[seq], (nref - seq) * sizeof ref[0]);
			nref--;
		} else if (nref > 0) {
			/* VANISHED of a known UID. */
			seq = 1 + (uint32_t)(rand() % nref);
			if (ref[seq - 1] == 0)
				continue;
			if (mail_msgmap_remove_uid(m, ref[seq - 1]) != seq)
				bad++;
			memmove(&ref[seq - 1], &ref[seq], (nref - seq) * sizeof ref[0]);
			nref--;
		}
		if (mail_msgmap_count(m) != nref)
			bad++;
		for (i = 0; i < nref; i++) {
			if (mail_msgmap_get(m, i + 1)->uid != ref[i])
				bad++;
			if (ref[i] != 0 && mail_msgmap_seq(m, ref[i]) != i + 1)
				bad++;
		}
	}
	TEST_INTEQ(bad, 0, "20000 random operations agree with the reference (round %d)",
	    round);
	mail_msgmap_free(&m);
}

/* UID SEARCH says the truth: known records are kept by UID, unknown slots
 * and vanished UIDs go, new UIDs come empty. */
static void
test_rebuild(void)
{
	static const uint32_t	 uids[] = { 2, 0, 0, 9, 12, 0 };
	static const uint32_t	 truth[] = { 2, 5, 12, 13 };
	static const uint32_t	 bad[] = { 5, 3 };
	struct mail_msgmap	*m = map_with(uids, 6);

	mail_msgmap_get(m, 5)->size = 1234;
	TEST_CHECK(mail_msgmap_rebuild(m, bad, 2) < 0, "descending UIDs refused");
	TEST_INTEQ(mail_msgmap_count(m), 6, "a refused rebuild changes nothing");
	TEST_INTEQ(mail_msgmap_rebuild(m, truth, 4), 0, "rebuild");
	TEST_INTEQ(mail_msgmap_count(m), 4, "count is the search's");
	TEST_INTEQ(mail_msgmap_seq(m, 12), 3, "UID 12 is message 3");
	TEST_INTEQ(mail_msgmap_get(m, 3)->size, 1234, "its record was kept");
	TEST_INTEQ(mail_msgmap_get(m, 2)->size, 0, "UID 5 is new and empty");
	TEST_INTEQ(mail_msgmap_seq(m, 9), 0, "UID 9 gone");
	TEST_INTEQ(mail_msgmap_seq(m, 13), 4, "UID 13 found");
	TEST_INTEQ(mail_msgmap_exists(m, 70), 0, "grows after a rebuild");
	TEST_INTEQ(mail_msgmap_set_uid(m, 70, 100), 0, "and learns UIDs");
	TEST_INTEQ(mail_msgmap_seq(m, 100), 70, "across bitmap words");
	TEST_INTEQ(mail_msgmap_rebuild(m, NULL, 0), 0, "rebuild to empty");
	TEST_INTEQ(mail_msgmap_count(m), 0, "empty");
	mail_msgmap_free(&m);
}

static void
test_intern(void)
{
	struct mail_intern	*t = mail_intern_new();
	const char		*a, *b, *c;
	char			 name[32];
	int			 i;

	a = mail_intern(t, "Alice <alice@example.org>");
	b = mail_intern_n(t, "Alice <alice@example.org> trailing", 25);
	TEST_CHECK(a == b, "equal strings share one copy");
	TEST_STREQ(b, "Alice <alice@example.org>", "prefix interned exactly");
	c = mail_intern(t, "Bob");
	TEST_CHECK(c != a, "different strings differ");
	TEST_CHECK(mail_intern(t, NULL) == NULL, "NULL stays NULL");
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "sender%d", i % 1000);
		mail_intern(t, name);
	}
	TEST_INTEQ(mail_intern_count(t), 1002, "5000 inserts of 1000 names keep 1000");
	TEST_CHECK(mail_intern(t, "Alice <alice@example.org>") == a,
	    "still the same copy after growth");
	/* Room made for more: what is in stays found, what comes is kept
	 * once, and room already there is not made again. */
	mail_intern_reserve(t, 50000);
	TEST_CHECK(mail_intern(t, "Alice <alice@example.org>") == a &&
	    mail_intern(t, "Bob") == c, "found after the room was made");
	for (i = 0; i < 40000; i++) {
		snprintf(name, sizeof name, "subject %d", i % 20000);
		mail_intern(t, name);
	}
	TEST_INTEQ(mail_intern_count(t), 21002, "20 000 more, each once");
	mail_intern_reserve(t, 10);
	TEST_CHECK(mail_intern(t, "subject 19999") == mail_intern(t, "subject 19999") &&
	    mail_intern(t, "Alice <alice@example.org>") == a,
	    "a smaller reservation changes nothing");
	mail_intern_free(&t);
}

/* The folder's strings are most of a big index: they are packed, and a
 * reply's In-Reply-To shares its References. */
static void
test_intern_memory(void)
{
	struct mail_intern	*t = mail_intern_new();
	struct mail_msg		 m;
	const char		*a, *b, *first[3];
	char			 name[32], *big;
	bool			 same = true;
	size_t			 base;
	int			 i;

	a = mail_intern_copy(t, "<1@x>");
	b = mail_intern_copy(t, "<22@x>");
	TEST_CHECK(b == a + strlen(a) + 1, "copies packed end to end, unaligned");
	TEST_STREQ(a, "<1@x>", "first copy intact");
	TEST_CHECK(mail_intern_n(t, "ab\0cd", 5) == mail_intern(t, "ab"),
	    "a NUL ends what is interned");

	memset(&m, 0, sizeof m);
	mail_msg_set_ids(&m, t, "<p@x> <q@x>", "<q@x>");
	TEST_STREQ(m.references, "<p@x> <q@x>", "References copied");
	TEST_STREQ(mail_msg_in_reply_to(&m), "<q@x>", "In-Reply-To as it was");
	TEST_CHECK(mail_msg_in_reply_to(&m) == m.references + 6,
	    "In-Reply-To is the end of References");
	mail_msg_set_ids(&m, t, "<p@x> <q@x>", "<p@x>");
	TEST_STREQ(m.references, "<p@x> <q@x>", "References, another parent");
	TEST_STREQ(mail_msg_in_reply_to(&m), "<p@x>", "that parent");
	TEST_CHECK(mail_msg_in_reply_to(&m) == m.references + 12,
	    "right after References' NUL, no pointer of its own");
	mail_msg_set_ids(&m, t, NULL, "<q@x>");
	TEST_CHECK(mail_msg_references(&m) == NULL, "no References");
	TEST_STREQ(mail_msg_in_reply_to(&m), "<q@x>", "In-Reply-To alone");
	mail_msg_set_ids(&m, t, "<p@x>", NULL);
	TEST_STREQ(mail_msg_references(&m), "<p@x>", "References alone");
	TEST_CHECK(mail_msg_in_reply_to(&m) == NULL, "no In-Reply-To");
	mail_msg_set_ids(&m, t, NULL, NULL);
	TEST_CHECK(mail_msg_references(&m) == NULL &&
	    mail_msg_in_reply_to(&m) == NULL, "neither");

	/* A string bigger than a quarter chunk lives on its own. */
	big = malloc(40000);
	memset(big, 'x', 39999);
	big[39999] = '\0';
	a = mail_intern(t, big);
	b = mail_intern(t, big);
	TEST_CHECK(a != NULL && b != NULL && strcmp(a, big) == 0 &&
	    strcmp(b, big) == 0, "big strings interned whole");
	free(big);

	/* Enough strings for dozens of chunks and many growths by half. */
	base = mail_intern_count(t);
	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof name, "subject %d", i);
		a = mail_intern(t, name);
		if (i < 3)
			first[i] = a;
	}
	TEST_INTEQ(mail_intern_count(t) - base, 200000, "200 000 distinct strings");
	for (i = 0; i < 200000; i += 997) {
		snprintf(name, sizeof name, "subject %d", i);
		a = mail_intern(t, name);
		same = same && strcmp(a, name) == 0;
	}
	TEST_CHECK(same, "every one found again");
	TEST_CHECK(mail_intern(t, "subject 1") == first[1] &&
	    mail_intern(t, "subject 2") == first[2], "the same copies after growth");
	TEST_INTEQ(mail_intern_count(t) - base, 200000, "lookups added nothing");
	mail_intern_free(&t);
}

/* Records keep 32-bit numbers: out of range values are clamped, never
 * wrapped. */
static void
test_record_numbers(void)
{
	if (sizeof(void *) == 8)
		TEST_CHECK(sizeof(struct mail_msg) <= 80, "a record is 80 bytes");
	TEST_INTEQ(mail_msg_time(1700000000), 1700000000, "a time in range");
	TEST_INTEQ(mail_msg_time(-86400), 0, "before 1970: 0");
	TEST_INTEQ(mail_msg_time(INT64_C(253402300799)), UINT32_MAX,
	    "year 9999: the last second");
	TEST_INTEQ(mail_msg_size(1234), 1234, "a size in range");
	TEST_INTEQ(mail_msg_size(UINT64_C(5000000000)), UINT32_MAX,
	    "5 GB: UINT32_MAX, not 705 032 704");
}

static void
test_keywords(void)
{
	static const char *const add[] = { "work", "$Forwarded", NULL };
	static const char *const rm[] = { "Old", NULL };
	struct buf	b = BUF_INIT;

	TEST_CHECK(mail_keywords_has("a $Forwarded b", "$forwarded"),
	    "keywords compare without case");
	TEST_CHECK(!mail_keywords_has("ab", "a"), "no prefix match");
	TEST_CHECK(!mail_keywords_has(NULL, "a"), "empty set");
	mail_keywords_edit(&b, "old keep work", add, rm);
	TEST_STREQ(buf_cstr(&b), "keep work $Forwarded", "add and remove");
	buf_reset(&b);
	mail_keywords_edit(&b, NULL, NULL, rm);
	TEST_STREQ(buf_cstr(&b), "", "empty stays empty");
	buf_free(&b);
}

static void
test_flag_names(void)
{
	TEST_INTEQ(mail_flag_bit("\\seen"), 0x01, "\\seen in any case");
	TEST_INTEQ(mail_flag_bit("work"), 0, "keyword is no system flag");
	TEST_STREQ(mail_flag_name(0x04), "\\Flagged", "name of the bit");
}

/* UIDs learnt far apart, in and out of order, with expunges between:
 * the order check still sees the known neighbours on either side. */
static void
test_known_far_apart(void)
{
	struct mail_msgmap	*m = mail_msgmap_new();
	uint32_t		 i;

	mail_msgmap_exists(m, 300);
	TEST_INTEQ(mail_msgmap_set_uid(m, 200, 2000), 0, "slot 200 learnt first");
	TEST_INTEQ(mail_msgmap_expunge(m, 200, NULL), 0, "and expunged");
	TEST_INTEQ(mail_msgmap_set_uid(m, 250, 2500), 0, "slot 250 learnt");
	TEST_CHECK(mail_msgmap_set_uid(m, 240, 2600) < 0,
	    "a UID above a known later one refused 10 slots before it");
	TEST_CHECK(mail_msgmap_set_uid(m, 1, 3000) < 0,
	    "and 249 slots before it");
	TEST_CHECK(mail_msgmap_set_uid(m, 260, 2400) < 0,
	    "a UID below a known earlier one refused after it");
	TEST_INTEQ(mail_msgmap_set_uid(m, 1, 100), 0, "slot 1 below it");
	TEST_INTEQ(mail_msgmap_seq(m, 2500), 250, "UID 2500 found");
	TEST_INTEQ(mail_msgmap_expunge(m, 1, NULL), 0, "slot 1 expunged");
	TEST_INTEQ(mail_msgmap_seq(m, 2500), 249, "UID 2500 moved down");
	TEST_CHECK(mail_msgmap_set_uid(m, 248, 2501) < 0,
	    "the known one still bounds the slot before it");
	mail_msgmap_forget_uids(m);
	TEST_INTEQ(mail_msgmap_seq(m, 2500), 0, "forgotten");
	for (i = 1; i <= mail_msgmap_count(m); i++) {
		if (mail_msgmap_set_uid(m, i, 10 * i) != 0)
			break;
	}
	TEST_INTEQ(i, mail_msgmap_count(m) + 1, "learnt again in ascending order");
	TEST_INTEQ(mail_msgmap_seq(m, 10 * mail_msgmap_count(m)),
	    mail_msgmap_count(m), "the last found");
	mail_msgmap_free(&m);
}

int
main(void)
{
	test_exists_expunge();
	test_set_uid();
	test_known_far_apart();
	test_remove_uid();
	test_lookup_with_unknown();
	test_random();
	test_rebuild();
	test_intern();
	test_intern_memory();
	test_record_numbers();
	test_keywords();
	test_flag_names();
	return test_done();
}
