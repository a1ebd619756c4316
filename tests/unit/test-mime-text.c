/* format=flowed, the HTML renderer and the terminal safety filter. */
#include <stdlib.h>

#include "crispin/mime_text.h"
#include "test.h"

static const struct {
	const char	*in;
	bool		 delsp;
	unsigned	 width;
	const char	*out;
	const char	*what;
} flowed[] = {
	{ "one \ntwo \nthree\n", false, 0, "one two three\n", "soft breaks joined" },
	{ "one \r\ntwo\r\n", false, 0, "one two\n", "CRLF" },
	{ "hyph \nen \nated\n", true, 0, "hyphenated\n", "DelSp removes the space" },
	{ "a  \nb\n", true, 0, "a b\n", "DelSp with a word space" },
	{ "> quoted \n> more\nplain\n", false, 0, "> quoted more\nplain\n",
	    "quote depth kept" },
	{ ">> deep \n> shallow\n", false, 0, "> > deep\n> shallow\n",
	    "depth change ends a paragraph" },
	{ " From me\n >not a quote\n", false, 0, "From me\n>not a quote\n",
	    "space-stuffing removed" },
	{ "-- \nsig\n", false, 0, "-- \nsig\n", "signature separator kept" },
	{ "> -- \n", false, 0, "> -- \n", "quoted signature separator" },
	{ "aaa bbb ccc ddd eee\n", false, 12, "aaa bbb ccc\nddd eee\n", "wrap" },
	{ "> aaa bbb ccc ddd eee fff ggg hhh\n", false, 14,
	    "> aaa bbb ccc\n> ddd eee fff\n> ggg hhh\n", "wrap with a prefix" },
	{ "x averyveryverylongword y\n", false, 12,
	    "x\naveryveryverylongword\ny\n", "long words stay whole" },
	{ "\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
	    false, 10,
	    "\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
	    "columns are characters" },
	{ "para \n\nnext\n", false, 0, "para\nnext\n",
	    "an empty fixed line ends the paragraph" },
	{ "para\n\nnext\n", false, 0, "para\n\nnext\n", "empty lines kept" },
	{ "no newline at end ", false, 0, "no newline at end\n", "unterminated" },
};

static const struct {
	const char	*in;
	const char	*out;
	const char	*what;
} html[] = {
	{ "<p>one</p><p>two</p>", "one\n\ntwo\n", "paragraphs" },
	{ "a<br>b<br><br>c", "a\nb\n\nc\n", "line breaks" },
	{ "  lots   of\n\twhite  space ", "lots of white space\n", "collapsed" },
	{ "<h1>Title</h1>text", "Title\n\ntext\n", "heading" },
	{ "<ul><li>a</li><li>b<ol><li>c</li><li>d</li></ol></li></ul>",
	    "* a\n* b\n  1. c\n  2. d\n", "lists" },
	{ "<blockquote>q<blockquote>qq</blockquote></blockquote>",
	    "> q\n>\n> > qq\n", "blockquote" },
	{ "<blockquote><p>a</p><p>b</p></blockquote><p>c</p>",
	    "> a\n>\n> b\n\nc\n", "blank lines inside a quote are marked" },
	{ "<pre>a  b\n  c</pre>", "a  b\n  c\n", "pre kept" },
	{ "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>",
	    "1 | 2\n3\n", "table rows" },
	{ "<head><title>t</title><style>x</style></head><body>b</body>", "b\n",
	    "head dropped" },
	{ "x<script>if (a<b) document.write('<p>')</script>y", "xy\n",
	    "script dropped" },
	{ "&lt;&gt;&amp;&quot;&#65;&#x42;&#0;&#xD800;&#99999999;&nosuch;&amp",
	    "<>&\"AB\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd&\n", "entities" },
	{ "a &notentity b & c", "a &notentity b & c\n", "bare ampersands" },
	{ "<a href=\"https://x.org/?a=1&amp;b=2\">x</a> and <a href='mailto:m@x'>m</a>",
	    "x[1] and m[2]\n\n[1] https://x.org/?a=1&b=2\n[2] mailto:m@x\n", "links" },
	{ "<a href=\"#top\">top</a>", "top\n", "anchors are not links" },
	{ "<img src=x alt=\"logo\">", "[logo]\n", "image alt" },
	{ "<!-- <p>hidden</p> -->shown", "shown\n", "comment" },
	{ "a < b > c", "a < b > c\n", "a bare '<'" },
	{ "<p>unclosed <b>bold <i>and", "unclosed bold and\n", "unclosed tags" },
	{ "<div", "", "unterminated tag" },
	{ "aaa bbb ccc ddd", "aaa bbb\nccc ddd\n", "wrap at the width" },
};

static const struct {
	const char	*in;
	unsigned	 flags;
	const char	*out;
	const char	*what;
} safe[] = {
	{ "plain text\n\tok", 0, "plain text\n\tok", "text kept" },
	{ "\x1b[2Jx", 0, "^[[2Jx", "ESC" },
	{ "\x07\x08\x7f", 0, "^G^H^?", "C0 and DEL" },
	{ "a\r\nb\rc", 0, "a\nb^Mc", "CR before LF dropped, lone CR shown" },
	{ "\xc2\x9b" "31m", 0, "<U+009B>31m", "C1 CSI" },
	{ "\xe2\x80\xae" "abc\xe2\x80\xac", 0, "<U+202E>abc<U+202C>", "bidi override" },
	{ "\xe2\x81\xa6x\xe2\x81\xa9", 0, "<U+2066>x<U+2069>", "bidi isolate" },
	{ "\xff\xc3(", 0, "\xef\xbf\xbd\xef\xbf\xbd(", "invalid UTF-8" },
	{ "\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd", "overlong" },
	{ "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", 0, "\xe6\x97\xa5\xe6\x9c\xac", "CJK kept" },
	{ "a\nb\tc", MIME_SAFE_ONELINE, "a^Jb^Ic", "one line" },
};

int
main(void)
{
	struct buf	 out = BUF_INIT;
	size_t		 i;

	for (i = 0; i < sizeof flowed / sizeof flowed[0]; i++) {
		buf_reset(&out);
		mime_flowed_reflow(&out, flowed[i].in, strlen(flowed[i].in),
		    flowed[i].delsp, flowed[i].width);
		TEST_STREQ(buf_cstr(&out), flowed[i].out, "flowed: %s", flowed[i].what);
	}
	for (i = 0; i < sizeof html / sizeof html[0]; i++) {
		buf_reset(&out);
		mime_html_to_text(&out, html[i].in, strlen(html[i].in),
		    strstr(html[i].what, "wrap") != NULL ? 10 : 78);
		TEST_STREQ(buf_cstr(&out), html[i].out, "html: %s", html[i].what);
	}
	for (i = 0; i < sizeof safe / sizeof safe[0]; i++) {
		buf_reset(&out);
		mime_text_safe(&out, safe[i].in, strlen(safe[i].in), safe[i].flags);
		TEST_STREQ(buf_cstr(&out), safe[i].out, "safe: %s", safe[i].what);
	}

	/* Deep nesting and many tags stay linear and bounded. */
	{
		struct buf in = BUF_INIT;
		for (i = 0; i < 20000; i++)
			buf_adds(&in, "<blockquote><ul><li><pre>");
		buf_adds(&in, "x");
		buf_reset(&out);
		mime_html_to_text(&out, in.data, in.len, 78);
		TEST_CHECK(out.len < 200, "deep nesting is flattened (%zu bytes)", out.len);
		buf_reset(&in);
		for (i = 0; i < 100000; i++)
			buf_adds(&in, "<");
		buf_reset(&out);
		mime_html_to_text(&out, in.data, in.len, 78);
		TEST_INTEQ(out.len, 100001, "a run of '<' is text");
		buf_free(&in);
	}
	buf_free(&out);
	return test_done();
}
