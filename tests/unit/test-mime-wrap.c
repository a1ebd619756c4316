/* Display widths (src/lib/str.c) and wrapping of CJK and combining text in
 * format=flowed and the HTML converter (src/mime/wrap.c). */
#include <stdlib.h>
#include <string.h>

#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "test.h"

static const struct {
	uint32_t	 cp;
	int		 width;
} widths[] = {
	{ 'a', 1 }, { 0xe9, 1 }, { 0x0301, 0 }, { 0x200b, 0 }, { 0x1b, 0 },
	{ 0x65e5, 2 }, { 0x3002, 2 }, { 0xff21, 2 }, { 0xac00, 2 },
	{ 0x1f600, 2 }, { 0x20000, 2 }, { 0x0410, 1 }, { 0x303f, 1 },
};

static const struct {
	const char	*in;
	size_t		 len;		/* bytes of the first unit */
	size_t		 cols;
	const char	*what;
} units[] = {
	{ "日本語", 3, 2, "a wide character stands alone" },
	{ "abc日本", 3, 3, "a break before a wide character" },
	{ "日。x", 6, 4, "no break before closing punctuation" },
	{ "日abc", 3, 2, "a break after a wide character" },
	{ "「日」です", 9, 6, "no break after opening punctuation" },
	{ "e\xcc\x81t x", 4, 2, "combining marks take no column" },
	{ "word, next", 5, 5, "ASCII words end at spaces" },
	{ "\xff\xfe", 2, 2, "invalid bytes count one each" },
};

static const struct {
	const char	*in;
	unsigned	 width;
	const char	*out;
	const char	*what;
} flowed[] = {
	{ "日本語のテキストを折り返す\n", 10,
	    "日本語のテ\nキストを折\nり返す\n", "CJK wraps at the width in columns" },
	{ "日本語です。これは\n", 10, "日本語で\nす。これは\n",
	    "a full stop never starts a line" },
	{ "abc 日本語日本語日本語\n", 10, "abc 日本語\n日本語日本\n語\n",
	    "Latin then CJK" },
	{ "e\xcc\x81" "e\xcc\x81" "e\xcc\x81 aaa\n", 7,
	    "e\xcc\x81" "e\xcc\x81" "e\xcc\x81 aaa\n", "combining marks take no column" },
	{ "> 中文中文中文中文中文中文\n", 14, "> 中文中文中文\n> 中文中文中文\n",
	    "quoted CJK, prefix counted" },
};

static const struct {
	const char	*in;
	unsigned	 width;
	const char	*out;
	const char	*what;
} html[] = {
	{ "<p>日本語のテキストを折り返す</p>", 10, "日本語のテ\nキストを折\nり返す\n",
	    "CJK wraps at the width in columns" },
	{ "<p>e\xcc\x81" "e\xcc\x81" "e\xcc\x81 aaa</p>", 7,
	    "e\xcc\x81" "e\xcc\x81" "e\xcc\x81 aaa\n", "combining marks take no column" },
	{ "<p>漢字&amp;かな。</p>", 6, "漢字&\nかな。\n", "entities and CJK" },
	{ "<pre>日本語日本語</pre>", 4, "日本語日本語\n", "pre is never wrapped" },
};

int
main(void)
{
	struct buf	 out = BUF_INIT;
	size_t		 i, n, cols;

	for (i = 0; i < sizeof widths / sizeof widths[0]; i++)
		TEST_INTEQ(str_codepoint_width(widths[i].cp), widths[i].width,
		    "width of U+%04X", (unsigned)widths[i].cp);
	TEST_INTEQ(str_display_width("日本語", strlen("日本語")), 6, "CJK width");
	TEST_INTEQ(str_display_width("e\xcc\x81", 3), 1, "combining width");
	TEST_INTEQ(str_display_width("a\xff", 2), 2, "invalid byte width");
	TEST_INTEQ(str_display_width("\xe6\x97", 2), 2, "cut sequence width");
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		n = mime_wrap_unit(units[i].in, strlen(units[i].in), &cols);
		TEST_INTEQ(n, units[i].len, "unit: %s", units[i].what);
		TEST_INTEQ(cols, units[i].cols, "unit columns: %s", units[i].what);
	}
	n = mime_wrap_unit(" x", 2, &cols);
	TEST_INTEQ(n, 1, "a unit never has length 0");
	for (i = 0; i < sizeof flowed / sizeof flowed[0]; i++) {
		buf_reset(&out);
		mime_flowed_reflow(&out, flowed[i].in, strlen(flowed[i].in), false,
		    flowed[i].width);
		TEST_STREQ(buf_cstr(&out), flowed[i].out, "flowed: %s", flowed[i].what);
	}
	for (i = 0; i < sizeof html / sizeof html[0]; i++) {
		buf_reset(&out);
		mime_html_to_text(&out, html[i].in, strlen(html[i].in), html[i].width);
		TEST_STREQ(buf_cstr(&out), html[i].out, "html: %s", html[i].what);
	}
	buf_free(&out);
	return test_done();
}
