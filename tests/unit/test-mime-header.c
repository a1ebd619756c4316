/* Unit tests for header blocks, encoded words and MIME parameters. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_header.h"
#include "test.h"

static void	test_headers(void);
static void	test_headers_trailing(void);
static void	test_headers_limits(void);
static void	test_words(void);
static void	test_ctype(void);
static void	test_disposition(void);

#define RFFD "\xef\xbf\xbd"
#define PRIVET "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
#define MIR "\xd0\xbc\xd0\xb8\xd1\x80"
#define NIHONGO "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"

static const char block[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org,\r\n"
    "\tcarol@example.org\r\n"
    "Subject: a folded\r\n"
    "  subject line\r\n"
    "X-Empty:\r\n"
    "Received: from a\r\n"
    "Received: from b\r\n"
    "Content-Type : text/plain\r\n"
    "this line has no colon\r\n"
    "X-8bit: caf\xc3\xa9\r\n"
    "X-Late-Start:\r\n"
    " value on the next line\r\n"
    "\r\n";

static void
check_block(const struct mime_headers *h, const char *what)
{
	TEST_INTEQ(h->count, 9, "%s: field count", what);
	TEST_INTEQ(h->broken, 1, "%s: broken lines", what);
	if (h->count < 9)
		return;
	TEST_STREQ(h->items[0].name, "From", "%s: name", what);
	TEST_STREQ(h->items[0].value, "Alice <alice@example.org>",
	    "%s: value", what);
	TEST_STREQ(h->items[1].value, "bob@example.org,\tcarol@example.org",
	    "%s: unfolded with its tab", what);
	TEST_STREQ(h->items[2].value, "a folded  subject line",
	    "%s: unfolded subject", what);
	TEST_STREQ(h->items[3].value, "", "%s: empty value", what);
	TEST_STREQ(mime_header_get(h, "received"), "from a",
	    "%s: first occurrence, any case", what);
	TEST_STREQ(mime_header_get(h, "CONTENT-TYPE"), "text/plain",
	    "%s: WSP before colon", what);
	TEST_STREQ(mime_header_get(h, "x-8bit"), "caf\xc3\xa9",
	    "%s: 8-bit kept", what);
	TEST_STREQ(mime_header_get(h, "x-late-start"),
	    "value on the next line", "%s: value after a fold", what);
	TEST_CHECK(mime_header_get(h, "Cc") == NULL, "%s: absent", what);
}

static void
test_headers(void)
{
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	struct buf		 lf = BUF_INIT;
	size_t			 consumed, i;

	TEST_INTEQ(mime_headers_parse(block, sizeof(block) - 1, a, &h,
	    &consumed), 0, "parse CRLF block");
	TEST_INTEQ(consumed, sizeof(block) - 1, "consumed the whole block");
	check_block(&h, "CRLF");

	/* The same with bare LF line ends. */
	for (i = 0; block[i] != '\0'; i++) {
		if (block[i] != '\r')
			buf_addc(&lf, block[i]);
	}
	TEST_INTEQ(mime_headers_parse(lf.data, lf.len, a, &h, &consumed), 0,
	    "parse LF block");
	TEST_INTEQ(consumed, lf.len, "LF: consumed");
	check_block(&h, "LF");
	buf_free(&lf);

	/* No empty line: the whole input is headers. */
	TEST_INTEQ(mime_headers_parse("A: 1\r\nB: 2", 11, a, &h, &consumed),
	    0, "no blank line");
	TEST_INTEQ(h.count, 2, "no blank line: two fields");
	TEST_STREQ(mime_header_get(&h, "b"), "2", "no blank line: last");
	TEST_INTEQ(consumed, 11, "no blank line: consumed all");

	/* An empty block: only the blank line. */
	TEST_INTEQ(mime_headers_parse("\r\nbody", 6, a, &h, &consumed), 0,
	    "empty block");
	TEST_INTEQ(h.count, 0, "empty block: no fields");
	TEST_INTEQ(consumed, 2, "empty block: body follows");

	TEST_INTEQ(mime_headers_parse("no header here", 14, a, &h, NULL), -1,
	    "not a message");
	TEST_INTEQ(mime_headers_parse("", 0, a, &h, NULL), -1, "empty input");

	/* An mbox From_ line and a leading continuation are skipped. */
	TEST_INTEQ(mime_headers_parse("From alice Mon Jan 1\n cont\nA: b\n\n",
	    33, a, &h, &consumed), 0, "From_ line");
	TEST_INTEQ(h.count, 1, "From_ line: one field");
	TEST_INTEQ(h.broken, 2, "From_ line: two broken");
	TEST_INTEQ(consumed, 33, "From_ line: consumed");

	/* Not NUL-terminated: len is the end. */
	TEST_INTEQ(mime_headers_parse("A: 12345", 5, a, &h, NULL), 0,
	    "length bound");
	TEST_STREQ(mime_header_get(&h, "a"), "12", "length bound value");
	arena_free(&a);
}

/*
 * The same block followed by any body gives the same fields and stops at
 * the same offset; cut anywhere inside, the fields seen so far come out.
 */
static void
test_headers_trailing(void)
{
	static const char *const tails[] = {
		"", "body\r\n", "\r\n\r\n", "X-Not: a header\r\n",
		" continuation?\r\n", "\0\0\0", "From: mallory\r\n\r\n",
	};
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	struct buf		 b = BUF_INIT;
	size_t			 i, consumed;
	bool			 ok = true;
	char			 what[64];

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		buf_reset(&b);
		buf_add(&b, block, sizeof(block) - 1);
		buf_add(&b, tails[i], i == 5 ? 3 : strlen(tails[i]));
		snprintf(what, sizeof(what), "tail %zu", i);
		mime_headers_parse(b.data, b.len, a, &h, &consumed);
		TEST_INTEQ(consumed, sizeof(block) - 1, "%s: consumed", what);
		check_block(&h, what);
	}
	/* Every prefix parses without reading past its end. */
	for (i = 0; i < sizeof(block); i++) {
		char *copy = xmalloc(i + 1);

		memcpy(copy, block, i);
		if (mime_headers_parse(copy, i, a, &h, &consumed) == 0 &&
		    consumed > i)
			ok = false;
		free(copy);
		arena_reset(a);
	}
	TEST_CHECK(ok, "every prefix parses within bounds");

	/* Cut after each line: the complete fields seen so far are the
	 * full parse's first fields (the last one may still be folding). */
	ok = true;
	{
		struct mime_headers full;
		struct arena *b2 = arena_new(0);

		mime_headers_parse(block, sizeof(block) - 1, b2, &full, NULL);
		for (i = 0; i < sizeof(block) - 1; i++) {
			size_t k;

			if (block[i] != '\n')
				continue;
			mime_headers_parse(block, i + 1, a, &h, NULL);
			if (h.count > full.count)
				ok = false;
			for (k = 0; k + 1 < h.count && k < full.count; k++) {
				if (strcmp(h.items[k].name,
				    full.items[k].name) != 0 ||
				    strcmp(h.items[k].value,
				    full.items[k].value) != 0)
					ok = false;
			}
			arena_reset(a);
		}
		arena_free(&b2);
	}
	TEST_CHECK(ok, "line-by-line prefixes agree with the whole block");
	buf_free(&b);
	arena_free(&a);
}

static void
test_headers_limits(void)
{
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	struct buf		 b = BUF_INIT;
	size_t			 i, consumed;

	for (i = 0; i < 1500; i++)
		buf_printf(&b, "X-%zu: v\r\n", i);
	buf_adds(&b, "\r\nbody");
	mime_headers_parse(b.data, b.len, a, &h, &consumed);
	TEST_INTEQ(h.count, MIME_HEADER_MAX_FIELDS, "field limit");
	TEST_INTEQ(consumed, b.len - 4, "field limit: still finds the body");

	buf_reset(&b);
	buf_adds(&b, "Subject: x");
	for (i = 0; i < 3000; i++)
		buf_adds(&b, "\r\n 0123456789012345678901234567890123456789");
	buf_adds(&b, "\r\nX-After: y\r\n\r\n");
	mime_headers_parse(b.data, b.len, a, &h, &consumed);
	TEST_CHECK(h.count >= 1 &&
	    strlen(h.items[0].value) <= MIME_HEADER_MAX_BYTES,
	    "byte limit bounds a huge folded field");
	TEST_CHECK(mime_header_get(&h, "x-after") == NULL,
	    "byte limit: fields past it are dropped");
	TEST_INTEQ(consumed, b.len, "byte limit: still finds the body");
	buf_free(&b);
	arena_free(&a);
}

static const struct {
	const char	*raw;
	const char	*assumed;
	const char	*want;
} word_cases[] = {
	{ "plain text", NULL, "plain text" },
	{ "", NULL, "" },
	{ "=?utf-8?q?caf=C3=A9?=", NULL, "caf\xc3\xa9" },
	{ "=?UTF-8?Q?hello_world?=", NULL, "hello world" },
	{ "=?utf-8?b?0J/RgNC40LLQtdGCINC80LjRgA==?=", NULL,
	    PRIVET " " MIR },
	/* Adjacent words: the whitespace between them is dropped. */
	{ "=?utf-8?q?a?= =?utf-8?q?b?=", NULL, "ab" },
	{ "=?utf-8?q?a?=\t \t=?utf-8?q?b?=", NULL, "ab" },
	{ "=?utf-8?q?a?=  b  =?utf-8?q?c?=", NULL, "a  b  c" },
	{ "x =?utf-8?q?a?= y", NULL, "x a y" },
	/* A character split across two words (B and Q). */
	{ "=?utf-8?b?0J/R?= =?utf-8?b?gNC40LLQtdGCINC80LjRgA==?=", NULL,
	    PRIVET " " MIR },
	{ "=?UTF-8?Q?caf=C3?= =?utf-8?Q?=A9?=", NULL, "caf\xc3\xa9" },
	/* Cyrillic in KOI8-R and windows-1251, mixed. */
	{ "=?koi8-r?B?8NLJ18XU?=", NULL, PRIVET },
	{ "=?KOI8-R?Q?=F0=D2=C9=D7=C5=D4?= =?windows-1251?B?7Ojw?=", NULL,
	    PRIVET MIR },
	{ "=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=", NULL, NIHONGO },
	{ "=?ISO-2022-JP?B?GyRCRnxLXDhsJE43b0w+GyhC?=", NULL,
	    NIHONGO "\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d" },
	{ "=?gb2312?B?1tDOxA==?=", NULL, "\xe4\xb8\xad\xe6\x96\x87" },
	{ "=?Shift_JIS?B?k/qWe4zq?=", NULL, NIHONGO },
	{ "Re: =?iso-8859-1?q?=93quoted=94?=", NULL,
	    "Re: \xe2\x80\x9cquoted\xe2\x80\x9d" },
	/* RFC 2231 language in the word. */
	{ "=?utf-8*en?Q?hi_there?=", NULL, "hi there" },
	{ "=?US-ASCII*EN?Q?Keith_Moore?=", NULL, "Keith Moore" },
	/* Unknown charset: ASCII kept, the rest U+FFFD. */
	{ "=?x-bogus?q?a=E9b?=", NULL, "a" RFFD "b" },
	{ "=?unknown-8bit?q?a=E9?=", NULL, "a\xc3\xa9" },
	{ "=?unknown-8bit?q?=C1?=", "koi8-r", "\xd0\xb0" },
	/* Malformed words stay as written. */
	{ "=?utf-8?x?abc?=", NULL, "=?utf-8?x?abc?=" },
	{ "=?utf-8?q?no end", NULL, "=?utf-8?q?no end" },
	{ "=??q?abc?=", NULL, "=??q?abc?=" },
	{ "=?utf-8?q?a b?=", NULL, "=?utf-8?q?a b?=" },
	{ "a=?b", NULL, "a=?b" },
	{ "=?utf-8?q?=ZZ?=", NULL, "=ZZ" },
	{ "=?utf-8?q?a=00b?=", NULL, "ab" },
	{ "=?utf-16be?b?AEEAQg==?=", NULL, "AB" },
	/* Words glued to text (not RFC, common). */
	{ "foo=?utf-8?q?bar?=baz", NULL, "foobarbaz" },
	{ "=?utf-8?q?a?==?utf-8?q?b?=", NULL, "ab" },
	/* Bad base64 and an invalid decoded byte. */
	{ "=?utf-8?b?w6k?=", NULL, "\xc3\xa9" },
	{ "=?utf-8?b?/w==?=", NULL, RFFD },
	/* Raw 8-bit text: UTF-8 kept, else the assumed charset. */
	{ "caf\xc3\xa9", NULL, "caf\xc3\xa9" },
	{ "caf\xe9", NULL, "caf\xc3\xa9" },
	{ "\x93smart\x94", NULL, "\xe2\x80\x9csmart\xe2\x80\x9d" },
	{ "\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", PRIVET },
	{ "\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251", PRIVET },
	{ "\xcf\xf0", "no-such-charset", "\xc3\x8f\xc3\xb0" },
	{ "\xf0\xd2 =?utf-8?q?x?=", "koi8-r", "\xd0\x9f\xd1\x80 x" },
};

static void
test_words(void)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]); i++) {
		buf_reset(&b);
		mime_decode_words(&b, word_cases[i].raw, word_cases[i].assumed);
		TEST_STREQ(buf_cstr(&b), word_cases[i].want,
		    "words case %zu: %s", i, word_cases[i].raw);
	}
	buf_reset(&b);
	mime_decode_words(&b, NULL, NULL);
	TEST_INTEQ(b.len, 0, "NULL text");
	buf_free(&b);
}

/* assumed_charset as a default for every caller, tried in order. */
static void
test_assumed_default(void)
{
	/* "Привет" in KOI8-R. */
	static const char koi8[] = "\xf0\xd2\xc9\xd7\xc5\xd4";
	struct buf	 b = BUF_INIT;

	mime_set_assumed_charset("koi8-r");
	mime_decode_words(&b, koi8, NULL);
	TEST_STREQ(buf_cstr(&b), "Привет", "raw KOI8-R header, default koi8-r");
	/* An encoded word that says unknown-8bit reads the same way. */
	buf_reset(&b);
	mime_decode_words(&b, "=?unknown-8bit?Q?=F0=D2=C9=D7=C5=D4?=", NULL);
	TEST_STREQ(buf_cstr(&b), "Привет", "unknown-8bit word, default koi8-r");
	/* The caller's own list still wins. */
	buf_reset(&b);
	mime_decode_words(&b, "caf\xe9", "iso-8859-1");
	TEST_STREQ(buf_cstr(&b), "café", "an explicit charset wins");
	/* The first of the list that reads it without a bad byte: UTF-8
	 * cannot, so iso-8859-2 does. */
	mime_set_assumed_charset("utf-8:iso-8859-2");
	buf_reset(&b);
	mime_decode_words(&b, "\xaf\xf3\xb3w", NULL);
	TEST_STREQ(buf_cstr(&b), "Żółw", "the second charset of the list");
	mime_set_assumed_charset(NULL);
	buf_reset(&b);
	mime_decode_words(&b, "caf\xe9", NULL);
	TEST_STREQ(buf_cstr(&b), "café", "without a default: windows-1252");
	buf_free(&b);
}

static const struct {
	const char	*value;
	int		 ret;
	const char	*type, *subtype;
	const char	*pname[3], *pvalue[3];
} ctype_cases[] = {
	{ "text/plain; charset=utf-8", 0, "text", "plain",
	    { "charset" }, { "utf-8" } },
	{ "TEXT/HTML; CHARSET=\"ISO-8859-1\"", 0, "text", "html",
	    { "charset" }, { "ISO-8859-1" } },
	{ "multipart/mixed;\r\n boundary=\"----=_Part_1_=?x?=\"", 0,
	    "multipart", "mixed", { "boundary" }, { "----=_Part_1_=?x?=" } },
	{ "text/plain; charset=us-ascii (Plain text)", 0, "text", "plain",
	    { "charset" }, { "us-ascii" } },
	{ "text/plain (comment) ; (c) charset = \"utf-8\" ; format=flowed",
	    0, "text", "plain", { "charset", "format" }, { "utf-8", "flowed" } },
	{ "text/plain charset=utf-8 format=flowed", 0, "text", "plain",
	    { "charset", "format" }, { "utf-8", "flowed" } },
	{ "application/pdf; name=my report.pdf", 0, "application", "pdf",
	    { "name" }, { "my report.pdf" } },
	{ "application/pdf; name=\"a \\\"q\\\" \\\\ b\"", 0, "application",
	    "pdf", { "name" }, { "a \"q\" \\ b" } },
	{ "application/octet-stream; name=\"=?UTF-8?B?0J/RgNC40LLQtdGC?=.txt\"",
	    0, "application", "octet-stream", { "name" }, { PRIVET ".txt" } },
	/* RFC 2231: charset, language, continuations out of order. */
	{ "application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
	    0, "application", "x-stuff", { "title" },
	    { "This is ***fun***" } },
	{ "message/external-body; access-type=URL;\r\n"
	  " URL*1=\"cs.utk.edu/pub/moore/\"; URL*0=\"ftp://\";\r\n"
	  " url*2=\"bulk-mailer/bulk-mailer.tar\"", 0, "message",
	    "external-body", { "access-type", "url" },
	    { "URL", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar" } },
	{ "application/pdf; name*0*=utf-8''%D0%9F%D1%80; name*1*=%D0%B8%D0%B2;"
	  " name*2=et.pdf", 0, "application", "pdf", { "name" },
	    { "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2" "et.pdf" } },
	{ "application/x-stuff;\r\n"
	  " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
	  " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
	  " title*2=\"isn't it!\"", 0, "application", "x-stuff", { "title" },
	    { "This is even more ***fun*** isn't it!" } },
	/* Only section 0 names a charset; a gap in the numbers is skipped. */
	{ "text/plain; name*0=a'b'c; name*2*=%41; name*1*=x'y'z", 0, "text",
	    "plain", { "name" }, { "a'b'cx'y'zA" } },
	/* A character split between two continuations. */
	{ "text/plain; name*0*=utf-8''caf%C3; name*1*=%A9", 0, "text",
	    "plain", { "name" }, { "caf\xc3\xa9" } },
	{ "text/plain; name*=koi8-r''%F0%D2%C9%D7%C5%D4", 0, "text", "plain",
	    { "name" }, { PRIVET } },
	{ "text/plain; name*=iso-8859-1'de'%93x%94", 0, "text", "plain",
	    { "name" }, { "\xe2\x80\x9cx\xe2\x80\x9d" } },
	/* The extended form wins over the plain one. */
	{ "text/plain; name=\"fallback.txt\"; name*=utf-8''real.txt", 0,
	    "text", "plain", { "name" }, { "real.txt" } },
	{ "text/plain; name=caf\xe9.txt", 0, "text", "plain", { "name" },
	    { "caf\xc3\xa9.txt" } },
	{ "image/png; name=photo(1).png", 0, "image", "png", { "name" },
	    { "photo(1).png" } },
	{ "text/plain;;; charset=utf-8;", 0, "text", "plain", { "charset" },
	    { "utf-8" } },
	{ "text/plain; garbage; charset=utf-8", 0, "text", "plain",
	    { "charset" }, { "utf-8" } },
	{ "text/plain; charset=\"unterminated", 0, "text", "plain",
	    { "charset" }, { "unterminated" } },
	/* Missing or broken types: text/plain; charset=us-ascii. */
	{ NULL, -1, "text", "plain", { "charset" }, { "us-ascii" } },
	{ "", -1, "text", "plain", { "charset" }, { "us-ascii" } },
	{ "text", -1, "text", "plain", { "charset" }, { "us-ascii" } },
	{ "/plain", -1, "text", "plain", { "charset" }, { "us-ascii" } },
	{ "text/", -1, "text", "plain", { "charset" }, { "us-ascii" } },
	{ "charset=utf-8", -1, "text", "plain", { "charset" }, { "utf-8" } },
};

static void
test_ctype(void)
{
	struct arena		*a = arena_new(0);
	struct mime_ctype	 ct;
	size_t			 i, k, np;

	for (i = 0; i < sizeof(ctype_cases) / sizeof(ctype_cases[0]); i++) {
		TEST_INTEQ(mime_ctype_parse(ctype_cases[i].value, a, &ct),
		    ctype_cases[i].ret, "ctype %zu: return", i);
		TEST_STREQ(ct.type, ctype_cases[i].type, "ctype %zu: type", i);
		TEST_STREQ(ct.subtype, ctype_cases[i].subtype,
		    "ctype %zu: subtype", i);
		for (np = 0; np < 3 && ctype_cases[i].pname[np] != NULL; np++)
			;
		TEST_INTEQ(ct.nparams, np, "ctype %zu: param count", i);
		for (k = 0; k < np; k++) {
			TEST_STREQ(mime_param_get(ct.params, ct.nparams,
			    ctype_cases[i].pname[k]), ctype_cases[i].pvalue[k],
			    "ctype %zu: param %s", i, ctype_cases[i].pname[k]);
		}
	}
	mime_ctype_parse("text/plain; a=1; b=2", a, &ct);
	TEST_STREQ(ct.params[0].name, "a", "params keep their order");
	TEST_STREQ(ct.params[1].name, "b", "params keep their order (2)");
	TEST_CHECK(mime_param_get(ct.params, ct.nparams, "c") == NULL,
	    "absent param");
	arena_free(&a);
}

static void
test_disposition(void)
{
	struct arena		*a = arena_new(0);
	const char		*d;
	struct mime_param	*p;
	size_t			 n;

	TEST_INTEQ(mime_disposition_parse("attachment; filename=\"a.pdf\"",
	    a, &d, &p, &n), 0, "disposition");
	TEST_STREQ(d, "attachment", "disposition type");
	TEST_STREQ(mime_param_get(p, n, "filename"), "a.pdf", "filename");

	mime_disposition_parse("INLINE", a, &d, &p, &n);
	TEST_STREQ(d, "inline", "lower-cased");
	TEST_INTEQ(n, 0, "no params");

	mime_disposition_parse("attachment;\r\n"
	    " filename*0*=UTF-8''%E6%97%A5%E6%9C%AC;\r\n"
	    " filename*1*=%E8%AA%9E.txt", a, &d, &p, &n);
	TEST_STREQ(mime_param_get(p, n, "filename"), NIHONGO ".txt",
	    "RFC 2231 continued filename");

	mime_disposition_parse("attachment; filename=\"=?UTF-8?B?"
	    "5pel5pys6Kqe?= =?UTF-8?B?44Gu5Lu25ZCN?=.doc\"", a, &d, &p, &n);
	TEST_STREQ(mime_param_get(p, n, "filename"),
	    NIHONGO "\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d.doc",
	    "encoded words in a quoted filename");

	mime_disposition_parse("attachment; filename=My Document.docx; size=42",
	    a, &d, &p, &n);
	TEST_STREQ(mime_param_get(p, n, "filename"), "My Document.docx",
	    "unquoted filename with a space");
	TEST_STREQ(mime_param_get(p, n, "size"), "42", "size after it");

	TEST_INTEQ(mime_disposition_parse("filename=x.txt", a, &d, &p, &n), -1,
	    "no disposition type");
	TEST_STREQ(d, "", "no disposition type: empty");
	TEST_STREQ(mime_param_get(p, n, "filename"), "x.txt",
	    "no disposition type: params still read");
	TEST_INTEQ(mime_disposition_parse(NULL, a, &d, &p, &n), -1, "NULL");
	TEST_INTEQ(n, 0, "NULL: no params");
	arena_free(&a);
}

int
main(void)
{
	test_headers();
	test_headers_trailing();
	test_headers_limits();
	test_words();
	test_assumed_default();
	test_ctype();
	test_disposition();
	return test_done();
}
