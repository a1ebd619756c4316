/* Unit tests for charset conversion and UTF-8 sanitising. */
#include <stdbool.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/mime_charset.h"
#include "test.h"

struct conv_case {
	const char	*charset;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
	int		 ret;
};

static void	test_conversions(void);
static void	test_sanitize(void);
static void	test_known(void);
static void	test_cache(void);

#define RFFD "\xef\xbf\xbd"

static const struct conv_case conv_cases[] = {
	{ "utf-8", "plain", 0, "plain", 0 },
	{ "UTF-8", "caf\xc3\xa9", 0, "caf\xc3\xa9", 0 },
	{ "utf8", "caf\xc3\xa9", 0, "caf\xc3\xa9", 0 },
	{ "utf-8", "bad \xff byte", 0, "bad " RFFD " byte", 0 },
	{ "utf-8", "cut \xc3", 0, "cut " RFFD, 0 },
	{ "utf-8", "overlong \xc0\xaf", 0, "overlong " RFFD RFFD, 0 },
	{ "utf-8", "surrogate \xed\xa0\x80", 0,
	    "surrogate " RFFD RFFD RFFD, 0 },
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 0,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	{ "KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", 0,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	{ "windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", 0,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	{ "cp1251", "\xcf\xf0\xe8\xe2\xe5\xf2", 0,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	/* Mislabelled Windows text: curly quotes and dashes survive. */
	{ "iso-8859-1", "\x84Gr\xfc\xdf" "e\x93 \x96 ok", 0,
	    "\xe2\x80\x9eGr\xc3\xbc\xc3\x9f" "e\xe2\x80\x9c \xe2\x80\x93 ok", 0 },
	{ "latin1", "\x93hi\x94", 0, "\xe2\x80\x9chi\xe2\x80\x9d", 0 },
	{ "ISO_8859-1", "\xe9", 0, "\xc3\xa9", 0 },
	{ " \"iso-8859-1\" ", "\xe9", 0, "\xc3\xa9", 0 },
	{ "us-ascii", "plain text", 0, "plain text", 0 },
	{ "us-ascii", "caf\xe9 \x92", 0, "caf\xc3\xa9 \xe2\x80\x99", 0 },
	{ "iso-8859-15", "\xa4", 0, "\xe2\x82\xac", 0 },
	{ "iso-8859-2", "\xb1", 0, "\xc4\x85", 0 },
	{ "iso-2022-jp", "\x1b\x24\x42\x46\x7c\x4b\x5c\x38\x6c\x1b\x28\x42", 0,
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0 },
	{ "gb2312", "\xd6\xd0\xce\xc4", 0, "\xe4\xb8\xad\xe6\x96\x87", 0 },
	{ "GBK", "\xd6\xd0\xce\xc4", 0, "\xe4\xb8\xad\xe6\x96\x87", 0 },
	/* gb2312 labels GB18030-only characters in the wild. */
	{ "gb2312", "\xa2\xe3", 0, "\xe2\x82\xac", 0 },
	{ "shift_jis", "\x93\xfa\x96\x7b\x8c\xea", 0,
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0 },
	{ "x-sjis", "\x93\xfa\x96\x7b\x8c\xea", 0,
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0 },
	/* A CP932 extension (circled digit) under the Shift_JIS label. */
	{ "shift-jis", "\x87\x40", 0, "\xe2\x91\xa0", 0 },
	{ "ks_c_5601-1987", "\xc7\xd1\xb1\xb9\xbe\xee", 0,
	    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 0 },
	{ "euc-kr", "\xc7\xd1", 0, "\xed\x95\x9c", 0 },
	{ "big5", "\xa4\xa4\xa4\xe5", 0, "\xe4\xb8\xad\xe6\x96\x87", 0 },
	{ "unicode-1-1-utf-7", "Hi Mom -+Jjo--!", 0,
	    "Hi Mom -\xe2\x98\xba-!", 0 },
	{ "utf-7", "+Jjo-", 0, "\xe2\x98\xba", 0 },
	/* Invalid bytes in the middle: U+FFFD, then the rest. */
	{ "shift_jis", "a\xa0z", 0, "a" RFFD "z", 0 },
	{ "shift_jis", "a\x93", 0, "a" RFFD, 0 },
	{ "koi8-r", "", 0, "", 0 },
	/* Unknown labels: ASCII kept, the rest U+FFFD, -1. */
	{ "x-no-such-charset", "ab\xe9\xff", 0, "ab" RFFD RFFD, -1 },
	{ "unknown-8bit", "ab\xe9", 0, "ab" RFFD, -1 },
	{ NULL, "ab\xe9", 0, "ab" RFFD, -1 },
	{ "", "ab", 0, "ab", -1 },
	{ "utf-8//IGNORE", "ab", 0, "ab", -1 },
	/* NUL bytes pass through conversion. */
	{ "iso-8859-1", "a\0b", 3, "a\0b", 0 },
};

static void
test_conversions(void)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, len, wlen;
	int		 r;

	for (i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
		const struct conv_case *c = &conv_cases[i];

		buf_reset(&b);
		buf_adds(&b, "<");
		len = c->len != 0 ? c->len : strlen(c->in);
		r = mime_charset_to_utf8(c->charset, c->in, len, &b);
		TEST_INTEQ(r, c->ret, "return for case %zu (%s)", i,
		    c->charset ? c->charset : "NULL");
		wlen = c->len != 0 ? c->len : strlen(c->want);
		TEST_CHECK(b.len == wlen + 1 &&
		    memcmp(b.data + 1, c->want, wlen) == 0,
		    "text for case %zu (%s): got \"%s\"", i,
		    c->charset ? c->charset : "NULL", b.data + 1);
		TEST_CHECK(b.data[0] == '<', "appends, case %zu", i);
	}
	buf_free(&b);
}

static void
test_sanitize(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "ascii", "ascii" },
		{ "\xe2\x82\xac ok", "\xe2\x82\xac ok" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xf4\x90\x80\x80", RFFD RFFD RFFD RFFD },
		{ "\xe2\x82", RFFD RFFD },
		{ "\x80x", RFFD "x" },
		{ "a\xfe\xff" "b", "a" RFFD RFFD "b" },
		{ "\xc2\xa0\xc2", "\xc2\xa0" RFFD },
	};
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		mime_utf8_sanitize(&b, cases[i].in, strlen(cases[i].in));
		TEST_STREQ(buf_cstr(&b), cases[i].want, "sanitize case %zu", i);
	}
	buf_free(&b);
}

static void
test_known(void)
{
	TEST_CHECK(mime_charset_known("utf-8"), "utf-8 known");
	TEST_CHECK(mime_charset_known("Windows-1252"), "cp1252 known");
	TEST_CHECK(mime_charset_known("ks_c_5601-1987"), "ks_c known");
	TEST_CHECK(mime_charset_known("'koi8-u'"), "quoted koi8-u known");
	TEST_CHECK(!mime_charset_known("unknown-8bit"), "unknown-8bit");
	TEST_CHECK(!mime_charset_known("x-bogus-42"), "bogus unknown");
	TEST_CHECK(!mime_charset_known(NULL), "NULL unknown");
	TEST_CHECK(!mime_charset_known("utf-8//TRANSLIT"), "no iconv options");
}

/* More labels than cache slots, twice over: results must not change. */
static void
test_cache(void)
{
	static const char *const labels[] = {
		"iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5",
		"iso-8859-6", "iso-8859-7", "iso-8859-9", "iso-8859-10",
		"iso-8859-13", "iso-8859-14", "iso-8859-15", "koi8-u",
	};
	struct buf	 b = BUF_INIT;
	size_t		 i, round;
	bool		 ok = true;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
			buf_reset(&b);
			if (mime_charset_to_utf8(labels[i], "abc", 3, &b) != 0 ||
			    strcmp(buf_cstr(&b), "abc") != 0)
				ok = false;
		}
		buf_reset(&b);
		mime_charset_to_utf8("iso-8859-5", "\xbf", 1, &b);
		if (strcmp(buf_cstr(&b), "\xd0\x9f") != 0)
			ok = false;
	}
	TEST_CHECK(ok, "conversions stay right through cache eviction");
	buf_free(&b);
}

int
main(void)
{
	test_conversions();
	test_sanitize();
	test_known();
	test_cache();
	return test_done();
}
