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

	/* printf into the room there is, or past it: the whole text each
	 * time, whether it fits, fills the room exactly or overflows it. */
	buf_printf(&b, "%d", 7);
	TEST_STREQ(buf_cstr(&b), "7", "printf into an empty buffer");
	buf_reset(&b);
	for (i = 0; i < 3; i++) {
		size_t room = b.cap - b.len - 1 + (size_t)i;	/* -1: the NUL */
		size_t before = b.len;

		s = malloc(room + 1);
		memset(s, 'a' + i, room);
		s[room] = '\0';
		buf_printf(&b, "%s", s);
		TEST_INTEQ(b.len, before + room, "printf of %zu into %zu of room",
		    room, b.cap - before - 1);
		TEST_CHECK(strcmp(b.data + before, s) == 0 && b.data[b.len] == '\0',
		    "the text whole and NUL-terminated (%d)", i);
		free(s);
	}
	buf_printf(&b, "%s%5d", "", 1);
	TEST_CHECK(b.len >= 5 && strcmp(b.data + b.len - 5, "    1") == 0,
	    "and after growing");
	buf_free(&b);
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
	s = str_sanitize("\x01x\xc2");
	TEST_STREQ(s, "?x\xc2", "a control first, a lone 0xc2 last");
	free(s);
	{
		struct buf b = BUF_INIT;

		buf_adds(&b, "[");
		str_sanitize_into(&b, "a\tb\xc2\x85" "c");
		buf_adds(&b, "]");
		TEST_STREQ(buf_cstr(&b), "[a?b?c]", "str_sanitize_into appends");
		buf_free(&b);
	}
	TEST_CHECK(str_ct_equal("abc", "abc", 3) && !str_ct_equal("abc", "abd", 3), "ct_equal");
}

/* The byte-at-a-time rule str_sanitize_into follows eight bytes a step. */
static void
sanitize_slowly(struct buf *b, const unsigned char *p)
{
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			buf_addc(b, '?');
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf_addc(b, '?');
			p++;
		} else
			buf_addc(b, (char)*p);
	}
}

/* Every byte that matters at every place around the 8-byte steps, in
 * printable text, and every byte value after printable text. */
static void
test_sanitize_steps(void)
{
	static const unsigned char special[][3] = {
		{ 0x01 }, { 0x1f }, { 0x20 }, { 0x7e }, { 0x7f }, { 0x80 },
		{ 0xc2, 0x9b }, { 0xc2, 0x80 }, { 0xc2, 0x9f }, { 0xc2, 0xa0 },
		{ 0xc2 }, { 0xc3, 0xbc }, { 0xff }, { 0x09 },
	};
	struct buf	 got = BUF_INIT, want = BUF_INIT;
	unsigned char	 text[64];
	size_t		 i, at, len, k, wrong = 0, n = 0;
	int		 v;

	for (i = 0; i < sizeof special / sizeof special[0]; i++) {
		for (len = 1; len <= 40; len++) {
			for (at = 0; at < len; at++) {
				k = strnlen((const char *)special[i], 3);
				memset(text, 'a' + (int)(len % 26), sizeof text);
				memcpy(text + at, special[i], k);
				text[len > at + k ? len : at + k] = '\0';
				buf_reset(&got);
				buf_reset(&want);
				str_sanitize_into(&got, (const char *)text);
				sanitize_slowly(&want, text);
				n++;
				if (strcmp(buf_cstr(&got), buf_cstr(&want)) != 0 &&
				    wrong++ == 0)
					TEST_STREQ(buf_cstr(&got), buf_cstr(&want),
					    "special %zu at %zu of %zu", i, at, len);
			}
		}
	}
	for (v = 1; v < 256; v++) {
		for (at = 0; at < 16; at++) {
			memset(text, 'x', 24);
			text[at] = (unsigned char)v;
			text[24] = '\0';
			buf_reset(&got);
			buf_reset(&want);
			str_sanitize_into(&got, (const char *)text);
			sanitize_slowly(&want, text);
			n++;
			if (strcmp(buf_cstr(&got), buf_cstr(&want)) != 0 && wrong++ == 0)
				TEST_STREQ(buf_cstr(&got), buf_cstr(&want),
				    "byte %#x at %zu", v, at);
		}
	}
	TEST_INTEQ(wrong, 0, "%zu strings made safe as byte by byte", n);
	buf_free(&got);
	buf_free(&want);
}

/* Equal strings hash equal whatever their alignment; a byte changed
 * anywhere, or the length, changes the hash (for these, not in general). */
static void
test_str_hash(void)
{
	char		 a[80], b[96];
	size_t		 len, i, same = 0;
	uint32_t	 h;

	for (len = 0; len < 70; len++) {
		for (i = 0; i < len; i++)
			a[i] = (char)('A' + (i * 7 + len) % 50);
		memcpy(b + 3, a, len);
		h = str_hash(a, len);
		TEST_CHECK(str_hash(b + 3, len) == h, "unaligned copy of %zu", len);
		for (i = 0; i < len; i++) {
			a[i] ^= 1;
			same += str_hash(a, len) == h;
			a[i] ^= 1;
		}
		same += len > 0 && str_hash(a, len - 1) == h;
	}
	TEST_INTEQ(same, 0, "no change left a hash the same");
}

int
main(void)
{
	test_buf();
	test_arena();
	test_str();
	test_sanitize_steps();
	test_str_hash();
	return test_done();
}
