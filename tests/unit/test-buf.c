/* Buffers, arenas and string helpers. */
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/str.h"
#include "test.h"

static void
test_buf(void)
{
	struct buf	b = BUF_INIT;
	char		*s;
	int		 i;

	TEST_STREQ(buf_cstr(&b), "", "empty buffer is an empty string");
	buf_adds(&b, "hello");
	buf_addc(&b, ' ');
	buf_printf(&b, "%s %d", "world", 42);
	TEST_STREQ(buf_cstr(&b), "hello world 42", "add and printf");
	buf_consume(&b, 6);
	TEST_STREQ(buf_cstr(&b), "world 42", "consume from the front");
	buf_truncate(&b, 5);
	TEST_STREQ(buf_cstr(&b), "world", "truncate");
	for (i = 0; i < 10000; i++)
		buf_addc(&b, 'x');
	TEST_INTEQ(b.len, 10005, "grows past many doublings");
	TEST_CHECK(b.data[b.len] == '\0', "stays NUL-terminated");
	s = buf_steal(&b);
	TEST_CHECK(b.data == NULL && b.len == 0, "steal empties");
	TEST_INTEQ(strlen(s), 10005, "stolen string is whole");
	free(s);
	buf_add(&b, "a\0b", 3);
	TEST_INTEQ(b.len, 3, "binary data keeps NULs");
	buf_free_secret(&b);
	TEST_CHECK(b.data == NULL, "free resets");
}

static void
test_arena(void)
{
	struct arena	*a = arena_new(64);
	char		*p, *big;
	int		 i, aligned = 1;

	p = arena_strdup(a, "short");
	big = arena_alloc(a, 1000);
	memset(big, 'x', 1000);
	TEST_STREQ(p, "short", "small strings survive a big allocation");
	for (i = 0; i < 100; i++) {
		void *q = arena_alloc(a, (size_t)i + 1);
		if (((uintptr_t)q & (sizeof(long double) - 1)) != 0 && sizeof(long double) <= 16)
			aligned = 0;
	}
	TEST_CHECK(aligned, "allocations are aligned");
	TEST_CHECK(arena_used(a) >= 1000 + 6, "usage counted");
	arena_reset(a);
	TEST_INTEQ(arena_used(a), 0, "reset empties");
	p = arena_strndup(a, "abcdef", 3);
	TEST_STREQ(p, "abc", "strndup after reset");
	arena_free(&a);
	TEST_CHECK(a == NULL, "free clears the pointer");
}

static void
test_str(void)
{
	uint64_t	 v = 0;
	char		 up[] = "Capability";
	char		*s;

	TEST_CHECK(str_ieq("INBOX", "inbox"), "case-insensitive equality");
	TEST_CHECK(str_has_iprefix("AUTH=PLAIN", "auth="), "prefix");
	TEST_STREQ(str_upper(up), "CAPABILITY", "upper");
	TEST_CHECK(str_to_u64("4294967295", 10, UINT32_MAX, &v) == 0 && v == UINT32_MAX, "max u32");
	TEST_CHECK(str_to_u64("4294967296", 10, UINT32_MAX, &v) == -1, "overflow refused");
	TEST_CHECK(str_to_u64("12a", 3, UINT32_MAX, &v) == -1, "junk refused");
	TEST_CHECK(str_to_u64("", 0, UINT32_MAX, &v) == -1, "empty refused");
	s = str_sanitize("a\x1b[31mb\xc2\x9b" "c\x7f");
	TEST_STREQ(s, "a?[31mb?c?", "escape sequences and C1 controls neutralised");
	free(s);
	s = str_sanitize("Entw\xc3\xbcrfe");
	TEST_STREQ(s, "Entw\xc3\xbcrfe", "UTF-8 text kept");
	free(s);
	TEST_CHECK(str_ct_equal("abc", "abc", 3) && !str_ct_equal("abc", "abd", 3), "ct_equal");
}

int
main(void)
{
	test_buf();
	test_arena();
	test_str();
	return test_done();
}
