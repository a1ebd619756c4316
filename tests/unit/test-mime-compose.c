/*
 * The MIME writer against crispin's own readers: every header, address
 * list, parameter and body it writes is parsed back (mime_headers_parse,
 * mime_decode_words, mime_addr_parse, mime_ctype_parse, mime_parse_message,
 * mime_decode) and must give exactly what went in, with every line within
 * the RFC limits and no value able to start a header line of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_compose.h"
#include "crispin/mime_decode.h"
#include "crispin/mime_header.h"
#include "crispin/mime_part.h"
#include "crispin/xalloc.h"
#include "test.h"

static char	*unfolded_value(const char *, size_t, const char *);
static bool	 single_word(const char *, size_t);
static bool	 lines_ok(const char *, size_t, size_t, size_t);
static bool	 lines_ok_words(const char *, size_t, size_t, size_t);
static bool	 check_lines(const char *, size_t, size_t, size_t, bool);
static size_t	 header_lines(const char *, size_t);
static char	*decoded(const char *);
static char	*part_body(const char *, const struct mime_part *);
static char	*unflow(const char *);
static void	 subject_round_trip(const char *, const char *, bool);
static void	 address_round_trip(const char *, const char *const *, size_t,
		    bool);
static char	*compose(const struct mime_compose *, struct arena *,
		    struct mime_part **, size_t *);
static void	 body_case(const char *, bool, const char *, const char *,
		    const char *);
static void	 check_qp(void);
static void	 check_base64(void);
static void	 check_unstructured(void);
static void	 check_addresses(void);
static void	 check_params(void);
static void	 check_single_part(void);
static void	 check_encodings(void);
static void	 check_flowed(void);
static void	 check_multipart(void);
static void	 check_headers(void);
static void	 check_errors(void);
static void	 check_guess(void);
static void	 check_random(void);

/* The value of field name in the header block at msg, unfolded. */
static char *
unfolded_value(const char *msg, size_t len, const char *name)
{
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	const char		*v;
	char			*copy;

	mime_headers_parse(msg, len, a, &h, NULL);
	v = mime_header_get(&h, name);
	copy = v != NULL ? xstrdup(v) : NULL;
	arena_free(&a);
	return copy;
}

/* Whether a header line holds one word only (after "Name:" or the
 * folding blanks), which no folding could shorten. */
static bool
single_word(const char *s, size_t len)
{
	const char	*end = s + len, *colon;

	if (*s != ' ' && *s != '\t' &&
	    (colon = memchr(s, ':', len)) != NULL)
		s = colon + 1;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return memchr(s, ' ', (size_t)(end - s)) == NULL;
}

/* Every line ends in CRLF, none is longer than max octets, and the lines
 * of the header (up to the first empty line) no longer than hmax, unless
 * words may exceed it and the line holds a single word. */
static bool
check_lines(const char *s, size_t len, size_t hmax, size_t max, bool words)
{
	size_t	i, start = 0;
	bool	header = true;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
			return false;
		if (s[i] != '\n')
			continue;
		if (i == start || s[i - 1] != '\r')
			return false;
		if (i - 1 - start > (header ? hmax : max) &&
		    !(words && header && i - 1 - start <= 998 &&
		    single_word(s + start, i - 1 - start))) {
			printf("      line of %zu: %.60s...\n", i - 1 - start,
			    s + start);
			return false;
		}
		if (i - 1 == start)
			header = false;
		start = i + 1;
	}
	return true;
}

static bool
lines_ok(const char *s, size_t len, size_t hmax, size_t max)
{
	return check_lines(s, len, hmax, max, false);
}

/* The same, but a header line may hold one long word. */
static bool
lines_ok_words(const char *s, size_t len, size_t hmax, size_t max)
{
	return check_lines(s, len, hmax, max, true);
}

/* Lines of the header block that start a field (not continuations). */
static size_t
header_lines(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (i == 0 || s[i - 1] == '\n') {
			if (s[i] == '\r')
				break;
			if (s[i] != ' ' && s[i] != '\t')
				n++;
		}
	}
	return n;
}

static char *
decoded(const char *raw)
{
	struct buf	b = BUF_INIT;

	mime_decode_words(&b, raw, NULL);
	return buf_steal(&b);
}

/* A part's body, transfer-decoded. */
static char *
part_body(const char *msg, const struct mime_part *p)
{
	struct buf	b = BUF_INIT;

	mime_decode(p->enc, msg + p->body_offset, p->body_len, &b);
	return buf_steal(&b);
}

/* RFC 3676 reading (DelSp=no): unstuff, join soft breaks; CRLF to LF. */
static char *
unflow(const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*end;
	size_t		 n;

	while (*s != '\0') {
		end = strstr(s, "\r\n");
		n = end != NULL ? (size_t)(end - s) : strlen(s);
		if (*s == ' ') {
			s++;
			n--;
		}
		buf_add(&b, s, n);
		if (!(n > 0 && s[n - 1] == ' ' && !(n == 3 &&
		    memcmp(s, "-- ", 3) == 0)))
			buf_addc(&b, '\n');
		s += n + (end != NULL ? 2 : 0);
	}
	return buf_steal(&b);
}

static void
check_qp(void)
{
	static const char *const texts[] = {
		"plain line\n",
		"trailing space \nand tab\t\n",
		"From the start\n.\n.dot\n",
		"=equals= and caf\xc3\xa9\n",
		"a very long line that goes on and on and on, well past the "
		"seventy-six columns a quoted-printable line may hold, and then "
		"some more to need a second soft break for sure, yes indeed\n",
		"no final newline",
	};
	struct buf	 out = BUF_INIT, back = BUF_INIT, want = BUF_INIT;
	unsigned char	 all[512];
	size_t		 i, k;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		buf_reset(&out);
		buf_reset(&back);
		buf_reset(&want);
		mime_encode_qp(&out, texts[i], strlen(texts[i]), true);
		TEST_CHECK(lines_ok(out.data, out.len, 76, 76),
		    "qp %zu: lines of at most 76", i);
		mime_decode(MIME_ENC_QP, out.data, out.len, &back);
		for (k = 0; texts[i][k] != '\0'; k++) {
			if (texts[i][k] == '\n')
				buf_addc(&want, '\r');
			buf_addc(&want, texts[i][k]);
		}
		TEST_STREQ(buf_cstr(&back), buf_cstr(&want), "qp %zu decodes", i);
	}
	buf_reset(&out);
	mime_encode_qp(&out, "From here\n", 10, true);
	TEST_STREQ(buf_cstr(&out), "=46rom here\r\n", "qp: From at a line start");
	buf_reset(&out);
	mime_encode_qp(&out, "end \n", 5, true);
	TEST_STREQ(buf_cstr(&out), "end=20\r\n", "qp: trailing blank encoded");

	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)(i * 7 + 3);
	buf_reset(&out);
	buf_reset(&back);
	mime_encode_qp(&out, all, sizeof all, false);
	TEST_CHECK(lines_ok(out.data, out.len, 76, 76), "binary qp lines");
	mime_decode(MIME_ENC_QP, out.data, out.len, &back);
	TEST_CHECK(back.len == sizeof all &&
	    memcmp(back.data, all, sizeof all) == 0, "binary qp round trip");
	buf_free(&out);
	buf_free(&back);
	buf_free(&want);
}

static void
check_base64(void)
{
	struct buf	 out = BUF_INIT, back = BUF_INIT;
	unsigned char	 all[1000];
	size_t		 i;

	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	mime_encode_base64_lines(&out, all, sizeof all);
	TEST_CHECK(lines_ok(out.data, out.len, 76, 76), "base64 lines");
	TEST_CHECK(out.len > 78 && out.data[76] == '\r', "base64 76 columns");
	mime_decode(MIME_ENC_BASE64, out.data, out.len, &back);
	TEST_CHECK(back.len == sizeof all &&
	    memcmp(back.data, all, sizeof all) == 0, "base64 round trip");
	buf_reset(&out);
	mime_encode_base64_lines(&out, "", 0);
	TEST_INTEQ(out.len, 0, "base64 of nothing");
	buf_free(&out);
	buf_free(&back);
}

/* Writes s as Subject and checks what a reader gets back. */
static void
subject_round_trip(const char *s, const char *want, bool raw)
{
	struct buf	 out = BUF_INIT;
	char		*v, *d, *p, *q;
	bool		 ew_ok = true, utf8_ok = true;

	if (raw)
		mime_encode_unstructured_utf8(&out, "Subject", s);
	else
		mime_encode_unstructured(&out, "Subject", s);
	buf_adds(&out, "\r\n");
	TEST_CHECK(lines_ok_words(out.data, out.len, 78, 78),
	    "subject of %zu bytes folded within 78", strlen(s));
	TEST_INTEQ(header_lines(out.data, out.len), 1,
	    "subject of %zu bytes is one field", strlen(s));
	/* Every encoded word at most 75 long and whole UTF-8 by itself. */
	for (p = out.data; (p = strstr(p, "=?")) != NULL; p = q + 2) {
		char	*word;

		if ((q = strstr(p + 2, "?=")) == NULL)
			break;
		/* "?Q?" or "?B?" sits in the middle; find the real end. */
		q = strstr(p + 10, "?=");
		if (q == NULL)
			break;
		if (q + 2 - p > 75)
			ew_ok = false;
		word = xstrndup(p, (size_t)(q + 2 - p));
		d = decoded(word);
		if (strstr(d, "\xef\xbf\xbd") != NULL)
			utf8_ok = false;
		free(word);
		free(d);
	}
	TEST_CHECK(ew_ok, "encoded words of at most 75 (%zu bytes)", strlen(s));
	if (strchr(s, '\xff') == NULL)
		TEST_CHECK(utf8_ok, "no character split (%zu bytes)", strlen(s));
	v = unfolded_value(out.data, out.len, "Subject");
	d = decoded(v != NULL ? v : "");
	TEST_STREQ(d, want, "subject of %zu bytes reads back", strlen(s));
	if (!raw && strcmp(s, want) == 0) {
		for (p = out.data; *p != '\0'; p++) {
			if ((unsigned char)*p >= 0x80)
				break;
		}
		TEST_CHECK(*p == '\0', "subject header is ASCII");
	}
	free(v);
	free(d);
	buf_free(&out);
}

static void
check_unstructured(void)
{
	static const char *const pieces[] = {
		"\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80", "a",
		" ", "b ", "\xd0\x96",
	};
	struct buf	 s = BUF_INIT, out = BUF_INIT;
	size_t		 n, i;
	char		*v;

	subject_round_trip("Hello world", "Hello world", false);
	subject_round_trip("Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
	    "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln", false);
	subject_round_trip("a  two  spaces", "a  two  spaces", false);
	subject_round_trip("=?utf-8?Q?not_a_word?= stays", "=?utf-8?Q?not_a_word?= stays",
	    false);
	subject_round_trip("Evil\r\nBcc: x@example.org", "Evil  Bcc: x@example.org",
	    false);
	subject_round_trip("", "", false);
	/* Invalid UTF-8 goes out as it is; the reader shows U+FFFD. */
	subject_round_trip("invalid \xff\xfe bytes",
	    "invalid \xef\xbf\xbd\xef\xbf\xbd bytes", false);
	/* Every length around the limits, CJK, emoji and mixtures. */
	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		buf_reset(&s);
		for (n = 0; n < 120; n++) {
			buf_adds(&s, pieces[(i + n) % (sizeof pieces /
			    sizeof pieces[0])]);
			/* Blanks around a value are not kept. */
			if (s.data[0] != ' ' && s.data[s.len - 1] != ' ')
				subject_round_trip(s.data, s.data, false);
		}
	}
	/* A word too long for a line is encoded, so it can be split. */
	buf_reset(&s);
	for (n = 0; n < 1200; n++)
		buf_addc(&s, (char)('a' + n % 26));
	subject_round_trip(s.data, s.data, false);
	buf_reset(&s);
	for (n = 0; n < 300; n++)
		buf_adds(&s, "word ");
	buf_truncate(&s, s.len - 1);
	subject_round_trip(s.data, s.data, false);
	/* SMTPUTF8: raw UTF-8 stays raw. */
	mime_encode_unstructured_utf8(&out, "Subject", "Caf\xc3\xa9 ok");
	TEST_STREQ(buf_cstr(&out), "Subject: Caf\xc3\xa9 ok\r\n", "raw utf-8 subject");
	subject_round_trip("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", true);
	buf_reset(&out);
	mime_encode_unstructured(&out, "Subject", "Caf\xc3\xa9");
	v = out.data;
	TEST_STREQ(v, "Subject: =?utf-8?Q?Caf=C3=A9?=\r\n", "Q word");
	buf_free(&s);
	buf_free(&out);
}

/* Writes list and parses the header back: names and mailboxes as given
 * in want (name|mailbox pairs, "" name for none; group markers "G:",
 * ";"). */
static void
address_round_trip(const char *list, const char *const *want, size_t nwant,
    bool raw)
{
	struct buf		 out = BUF_INIT, got = BUF_INIT;
	struct arena		*a = arena_new(0);
	struct mime_addr	*addrs;
	size_t			 n, i;
	char			*err = NULL, *v;
	int			 rc;

	rc = mime_encode_addresses(&out, "To", list, raw, &err);
	TEST_INTEQ(rc, 0, "addresses \"%s\": %s", list, err ? err : "");
	free(err);
	if (rc < 0)
		goto done;
	TEST_CHECK(lines_ok(out.data, out.len, 78, 998), "address lines of \"%s\"",
	    list);
	TEST_INTEQ(header_lines(out.data, out.len), 1, "one field for \"%s\"",
	    list);
	v = unfolded_value(out.data, out.len, "To");
	mime_addr_parse(v, a, &addrs, &n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&got, '|');
		if (addrs[i].mailbox == NULL && addrs[i].group != NULL)
			buf_printf(&got, "%s:", addrs[i].group);
		else if (addrs[i].mailbox == NULL)
			buf_adds(&got, ";");
		else
			buf_printf(&got, "%s|%s", addrs[i].name ? addrs[i].name :
			    "", addrs[i].mailbox);
	}
	{
		struct buf	w = BUF_INIT;

		for (i = 0; i < nwant; i++) {
			if (i > 0)
				buf_addc(&w, '|');
			buf_adds(&w, want[i]);
		}
		TEST_STREQ(buf_cstr(&got), buf_cstr(&w), "addresses \"%s\" (%s)",
		    list, v);
		buf_free(&w);
	}
	free(v);
done:
	buf_free(&out);
	buf_free(&got);
	arena_free(&a);
}

static void
check_addresses(void)
{
	static const char *const w1[] = { "", "a@example.org" };
	static const char *const w2[] = { "Ann Example", "ann@example.org",
	    "Doe, John", "john@example.org" };
	static const char *const w3[] = { "J\xc3\xbcrgen M\xc3\xbcller",
	    "jm@example.de", "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",
	    "yamada@example.jp" };
	static const char *const w4[] = { "Say \"hi\" \\ there", "q@example.org" };
	static const char *const w5[] = { "undisclosed-recipients:", ";" };
	static const char *const w6[] = { "Team:", "", "a@x.org",
	    "B\xc3\xb6", "b@x.org", ";", "", "c@x.org" };
	static const char *const w7[] = { "M\xc3\xbcller, Hans", "h@x.org" };
	/* The reader decodes encoded words even in quotes: so does ours. */
	static const char *const w8[] = { "fake", "f@x.org" };
	static const char *const w9[] = { "Zo\xc3\xab \"Z\"", "z@x.org" };
	struct buf	 list = BUF_INIT, out = BUF_INIT;
	const char	*want[200];
	char		 names[100][40], mbox[100][40], *err = NULL;
	size_t		 i;

	address_round_trip("a@example.org", w1, 2, false);
	address_round_trip("Ann Example <ann@example.org>, \"Doe, John\" "
	    "<john@example.org>", w2, 4, false);
	address_round_trip("J\xc3\xbcrgen M\xc3\xbcller <jm@example.de>, "
	    "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e <yamada@example.jp>",
	    w3, 4, false);
	address_round_trip("\"Say \\\"hi\\\" \\\\ there\" <q@example.org>", w4, 2,
	    false);
	address_round_trip("undisclosed-recipients:;", w5, 2, false);
	address_round_trip("Team: a@x.org, B\xc3\xb6 <b@x.org>;, c@x.org", w6, 8,
	    false);
	address_round_trip("\"M\xc3\xbcller, Hans\" <h@x.org>", w7, 2, false);
	address_round_trip("\"M\xc3\xbcller, Hans\" <h@x.org>", w7, 2, true);
	address_round_trip("\"=?utf-8?Q?fake?=\" <f@x.org>", w8, 2, false);
	address_round_trip("\"Zo\xc3\xab \\\"Z\\\"\" <z@x.org>", w9, 2, false);
	address_round_trip("\"Zo\xc3\xab \\\"Z\\\"\" <z@x.org>", w9, 2, true);
	/* A long list folds between addresses. */
	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof names[i], "N\xc3\xa4me %zu", i);
		snprintf(mbox[i], sizeof mbox[i], "user%zu@example.org", i);
		buf_printf(&list, "%s%s <%s>", i > 0 ? ", " : "", names[i],
		    mbox[i]);
		want[2 * i] = names[i];
		want[2 * i + 1] = mbox[i];
	}
	address_round_trip(list.data, want, 200, false);

	TEST_INTEQ(mime_encode_addresses(&out, "To", "just some words", false,
	    &err), -1, "words are no address");
	TEST_CHECK(err != NULL && strstr(err, "just some words") != NULL,
	    "the error names the text: %s", err ? err : "");
	free(err);
	err = NULL;
	TEST_INTEQ(mime_encode_addresses(&out, "To", "bob", false, &err), -1,
	    "a local part alone is refused");
	free(err);
	err = NULL;
	TEST_INTEQ(mime_encode_addresses(&out, "To", "  ", false, &err), -1,
	    "an empty list is refused");
	free(err);
	err = NULL;
	TEST_INTEQ(mime_encode_addresses(&out, "To", "a@b.org, <>", false, &err),
	    -1, "<> is refused");
	free(err);
	TEST_INTEQ(out.len, 0, "nothing written on errors");
	buf_free(&list);
	buf_free(&out);
}

static void
check_params(void)
{
	static const char *const values[] = {
		"report.pdf", "with space.txt", "quote\"back\\slash.txt",
		"r\xc3\xa9sum\xc3\xa9.pdf",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x95"
		"\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab\xe5\x90\x8d\xe3\x81\xa7\xe3"
		"\x81\x99\xe3\x81\xa8\xe3\x81\xa6\xe3\x82\x82\xe9\x95\xb7\xe3\x81"
		"\x84\xe3\x81\xa7\xe3\x81\x99.txt",
		"a_rather_long_ascii_file_name_that_needs_more_than_one_line_"
		"to_be_written_properly_in_a_header.tar.gz",
		"new\r\nline.txt", "",
	};
	struct arena		*a;
	struct mime_ctype	 ct;
	struct buf		 out = BUF_INIT, v = BUF_INIT;
	const char		*got;
	size_t			 i, col, k;

	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		a = arena_new(0);
		buf_reset(&out);
		buf_adds(&out, "Content-Type: text/plain");
		col = out.len;
		mime_encode_param(&out, &col, "name", values[i]);
		buf_adds(&out, "\r\n");
		TEST_CHECK(lines_ok(out.data, out.len, 78, 78),
		    "param %zu lines", i);
		TEST_INTEQ(header_lines(out.data, out.len), 1, "param %zu one field",
		    i);
		buf_reset(&v);
		/* Unfold by hand: the value starts after "Content-Type:". */
		for (k = 13; k < out.len; k++) {
			if (out.data[k] != '\r' && out.data[k] != '\n')
				buf_addc(&v, out.data[k]);
		}
		mime_ctype_parse(buf_cstr(&v), a, &ct);
		got = mime_param_get(ct.params, ct.nparams, "name");
		TEST_STREQ(got, values[i], "param %zu reads back (%s)", i,
		    buf_cstr(&out));
		arena_free(&a);
	}
	buf_free(&out);
	buf_free(&v);
}

/* Composes c and parses the result; returns the message (or NULL). */
static char *
compose(const struct mime_compose *c, struct arena *a, struct mime_part **root,
    size_t *len)
{
	struct buf	 out = BUF_INIT;
	char		*err = NULL;

	if (mime_compose_write(c, &out, &err) < 0) {
		TEST_CHECK(0, "compose: %s", err);
		free(err);
		buf_free(&out);
		return NULL;
	}
	*len = out.len;
	TEST_CHECK(lines_ok(out.data, out.len, 998, 998), "message lines");
	TEST_CHECK(mime_parse_message(out.data, out.len, a, NULL, root,
	    NULL) == 0, "message parses");
	return buf_steal(&out);
}

static void
check_single_part(void)
{
	struct mime_compose	 c;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	const char		*body = "Hello,\n\nthis is the body.\n";
	char			*msg, *v, *b;
	size_t			 len;

	memset(&c, 0, sizeof c);
	c.from = "Ann <ann@example.org>";
	c.to = "bob@example.org";
	c.bcc = "secret@example.org";
	c.subject = "Hi";
	c.body = body;
	c.body_len = strlen(body);
	c.date = 1700000000;
	c.user_agent = "crispin 0.1";
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	TEST_CHECK(mime_part_is(root, "text", "plain"), "a single text part");
	TEST_STREQ(root->charset, "us-ascii", "ASCII text is us-ascii");
	TEST_STREQ(root->encoding, "7bit", "ASCII text is 7bit");
	TEST_INTEQ(root->nchildren, 0, "not wrapped in a multipart");
	b = part_body(msg, root);
	TEST_STREQ(b, "Hello,\r\n\r\nthis is the body.\r\n", "body as typed");
	free(b);
	v = unfolded_value(msg, len, "MIME-Version");
	TEST_STREQ(v, "1.0", "MIME-Version");
	free(v);
	v = unfolded_value(msg, len, "Message-ID");
	TEST_CHECK(v != NULL && v[0] == '<' && strstr(v, "@example.org>") != NULL,
	    "Message-ID with the From domain: %s", v ? v : "");
	free(v);
	v = unfolded_value(msg, len, "Date");
	TEST_STREQ(v, "Tue, 14 Nov 2023 22:13:20 +0000", "Date in TZ=UTC");
	free(v);
	v = unfolded_value(msg, len, "Bcc");
	TEST_CHECK(v == NULL, "no Bcc on the wire");
	free(v);
	v = unfolded_value(msg, len, "User-Agent");
	TEST_STREQ(v, "crispin 0.1", "User-Agent");
	free(v);
	free(msg);
	c.keep_bcc = true;
	setenv("TZ", "XST-5:30", 1);
	tzset();
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	v = unfolded_value(msg, len, "Bcc");
	TEST_STREQ(v, "secret@example.org", "Bcc kept for drafts");
	free(v);
	v = unfolded_value(msg, len, "Date");
	TEST_STREQ(v, "Wed, 15 Nov 2023 03:43:20 +0530", "Date with the zone offset");
	free(v);
	free(msg);
	setenv("TZ", "UTC", 1);
	tzset();
	/* Empty body. */
	c.body = "";
	c.body_len = 0;
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	b = part_body(msg, root);
	TEST_STREQ(b, "", "an empty body");
	TEST_CHECK(mime_part_is(root, "text", "plain"), "empty body is text/plain");
	free(b);
	free(msg);
out:
	arena_free(&a);
}

/* Body text through compose: what the parser decodes, and how it went. */
static void
body_case(const char *text, bool allow_8bit, const char *want_enc,
    const char *want_charset, const char *what)
{
	struct mime_compose	 c;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct buf		 want = BUF_INIT;
	char			*msg, *b;
	size_t			 len, i, n = strlen(text);

	memset(&c, 0, sizeof c);
	c.from = "a@example.org";
	c.to = "b@example.org";
	c.subject = what;
	c.body = text;
	c.body_len = n;
	c.allow_8bit = allow_8bit;
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	TEST_STREQ(root->encoding, want_enc, "%s: encoding", what);
	TEST_STREQ(root->charset, want_charset, "%s: charset", what);
	for (i = 0; i < n; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			buf_addc(&want, '\r');
		buf_addc(&want, text[i]);
	}
	if (n > 0 && text[n - 1] != '\n')
		buf_adds(&want, "\r\n");
	b = part_body(msg, root);
	TEST_CHECK(strlen(b) == want.len && memcmp(b, want.data, want.len) == 0,
	    "%s: body decodes to the text", what);
	free(b);
	free(msg);
out:
	buf_free(&want);
	arena_free(&a);
}

static void
check_encodings(void)
{
	struct buf	long_line = BUF_INIT, cjk = BUF_INIT;
	size_t		i;

	body_case("plain\n", false, "7bit", "us-ascii", "ascii");
	body_case("caf\xc3\xa9\n", false, "quoted-printable", "utf-8", "latin");
	body_case("caf\xc3\xa9\n", true, "8bit", "utf-8", "latin 8bit");
	body_case("bad \xff\xfe utf-8\n", false, "quoted-printable", "utf-8",
	    "invalid utf-8");
	body_case("no newline", false, "7bit", "us-ascii", "no final newline");
	body_case("crlf\r\nlines\r\n", false, "7bit", "us-ascii", "crlf");
	body_case("From me\n.\n..\n", false, "7bit", "us-ascii", "From and dots");
	for (i = 0; i < 1200; i++)
		buf_addc(&long_line, (char)('a' + i % 26));
	buf_addc(&long_line, '\n');
	body_case(long_line.data, true, "quoted-printable", "us-ascii",
	    "line over 998");
	for (i = 0; i < 100; i++)
		buf_adds(&cjk, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n");
	body_case(cjk.data, false, "base64", "utf-8", "mostly CJK");
	body_case(cjk.data, true, "8bit", "utf-8", "CJK 8bit");
	buf_free(&long_line);
	buf_free(&cjk);
}

static void
check_flowed(void)
{
	static const char *const cases[][2] = {
		{ "short line\n", "short line\n" },
		{ "trailing blanks   \nnext\n", "trailing blanks\nnext\n" },
		{ "From here\n>not a quote\n indented\n",
		  "From here\n>not a quote\n indented\n" },
		{ "-- \nsig\n", "-- \nsig\n" },
	};
	struct mime_compose	 c;
	struct arena		*a;
	struct mime_part	*root;
	struct buf		 longtext = BUF_INIT;
	char			*msg, *b, *u;
	const char		*v;
	size_t			 len, i;

	for (i = 0; i < 40; i++)
		buf_adds(&longtext, "lorem ipsum ");
	buf_adds(&longtext, "end\nFrom the next line\n");
	for (i = 0; i <= sizeof cases / sizeof cases[0]; i++) {
		a = arena_new(0);
		memset(&c, 0, sizeof c);
		c.from = "a@example.org";
		c.body = i < sizeof cases / sizeof cases[0] ? cases[i][0] :
		    longtext.data;
		c.body_len = strlen(c.body);
		c.flowed = true;
		if ((msg = compose(&c, a, &root, &len)) != NULL) {
			v = mime_param_get(root->params, root->nparams, "format");
			TEST_STREQ(v, "flowed", "flowed %zu: format=flowed", i);
			TEST_STREQ(root->encoding, "7bit", "flowed %zu: 7bit", i);
			TEST_CHECK(lines_ok(msg, len, 998, 78),
			    "flowed %zu: lines within 78", i);
			b = part_body(msg, root);
			TEST_CHECK(strstr(b, "\r\nFrom ") == NULL &&
			    strncmp(b, "From ", 5) != 0,
			    "flowed %zu: From stuffed", i);
			u = unflow(b);
			TEST_STREQ(u, i < sizeof cases / sizeof cases[0] ?
			    cases[i][1] : longtext.data, "flowed %zu reads back", i);
			free(u);
			free(b);
			free(msg);
		}
		arena_free(&a);
	}
	buf_free(&longtext);
}

static void
check_multipart(void)
{
	struct mime_compose	 c;
	struct mime_attachment	 att[4];
	struct arena		*a = arena_new(0);
	struct mime_part	*root, *p;
	unsigned char		 bytes[256 * 4];
	const char		*text = "see attached\n", *bnd;
	char			*msg, *b, *delim;
	char			 path[] = "/tmp/crispin-compose-XXXXXX";
	char			 path2[] = "/tmp/crispin-compose-XXXXXX";
	size_t			 len, i;
	FILE			*f;
	int			 fd;

	for (i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)i;
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		TEST_CHECK(0, "temporary file");
		goto out;
	}
	fputs("line one\nline two\n", f);
	fclose(f);
	memset(&c, 0, sizeof c);
	memset(att, 0, sizeof att);
	att[0].data = bytes;
	att[0].len = sizeof bytes;
	att[0].filename = "every byte.bin";
	att[1].path = path;
	att[1].content_type = "text/plain";
	att[1].filename = "r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt";
	att[1].description = "Lebenslauf f\xc3\xbcr dich";
	att[2].data = "\x89PNG\r\n\x1a\n....";
	att[2].len = 12;
	att[2].filename = "pic.png";
	att[2].is_inline = true;
	/* A forwarded message read from a file (the reading buffer must
	 * not be reused while it is encoded). */
	if ((fd = mkstemp(path2)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		TEST_CHECK(0, "temporary file");
		goto out;
	}
	fputs("From: x@y\nSubject: inner\n\nbody\n", f);
	fclose(f);
	att[3].path = path2;
	att[3].content_type = "message/rfc822";
	c.from = "a@example.org";
	c.to = "b@example.org";
	c.subject = "files";
	c.body = text;
	c.body_len = strlen(text);
	c.attachments = att;
	c.nattachments = 4;
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	TEST_CHECK(mime_part_is(root, "multipart", "mixed"), "multipart/mixed");
	TEST_INTEQ(root->nchildren, 5, "text and four attachments");
	bnd = mime_param_get(root->params, root->nparams, "boundary");
	TEST_CHECK(bnd != NULL && strlen(bnd) >= 30 && strlen(bnd) <= 70,
	    "a long boundary");
	delim = xasprintf("--%s", bnd ? bnd : "");
	{
		/* The delimiter occurs only as delimiter lines. */
		const char	*q = msg;
		size_t		 count = 0;

		while ((q = strstr(q, delim)) != NULL) {
			count++;
			q++;
		}
		TEST_INTEQ(count, 6, "boundary only between parts");
	}
	free(delim);
	p = root->children;
	TEST_CHECK(p != NULL && mime_part_is(p, "text", "plain"), "text first");
	if (p == NULL)
		goto done;
	b = part_body(msg, p);
	TEST_STREQ(b, "see attached\r\n", "text part");
	free(b);
	p = p->next;
	TEST_STREQ(p->encoding, "base64", "binary goes base64");
	TEST_STREQ(p->filename, "every byte.bin", "binary file name");
	TEST_STREQ(p->disposition, "attachment", "attachment disposition");
	b = part_body(msg, p);
	TEST_CHECK(memcmp(b, bytes, sizeof bytes) == 0, "every byte comes back");
	free(b);
	p = p->next;
	TEST_STREQ(p->filename, att[1].filename, "non-ASCII file name");
	TEST_STREQ(p->description, att[1].description, "description");
	TEST_STREQ(p->encoding, "7bit", "text attachment as text");
	TEST_STREQ(p->charset, "us-ascii", "text attachment charset");
	b = part_body(msg, p);
	TEST_STREQ(b, "line one\r\nline two\r\n", "text attachment");
	free(b);
	p = p->next;
	TEST_CHECK(mime_part_is(p, "image", "png"), "PNG guessed by content");
	TEST_STREQ(p->disposition, "inline", "inline disposition");
	p = p->next;
	TEST_CHECK(mime_part_is(p, "message", "rfc822"), "message/rfc822");
	TEST_STREQ(p->encoding, "7bit", "a message goes 7bit");
	TEST_CHECK(p->children != NULL, "the inner message is parsed");
	b = xstrndup(msg + p->body_offset, p->body_len);
	TEST_STREQ(b, "From: x@y\r\nSubject: inner\r\n\r\nbody\r\n",
	    "the inner message as it was, CRLF");
	free(b);
done:
	free(msg);
	/* Without a body the attachments stand alone. */
	c.body = NULL;
	c.body_len = 0;
	c.nattachments = 1;
	if ((msg = compose(&c, a, &root, &len)) != NULL) {
		TEST_INTEQ(root->nchildren, 1, "no empty text part");
		free(msg);
	}
out:
	unlink(path);
	unlink(path2);
	arena_free(&a);
}

static void
check_headers(void)
{
	static const char *const extra[] = {
		"X-Mailer-Note: caf\xc3\xa9 ok", "X-Empty:", "X-Evil: a\r\nBcc: x@y",
		NULL
	};
	struct mime_compose	 c;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct buf		 refs = BUF_INIT;
	char			*msg, *v, *d;
	size_t			 len, i;

	for (i = 0; i < 40; i++)
		buf_printf(&refs, "%s<id%zu.long.part@host.example.org>",
		    i > 0 ? " " : "", i);
	memset(&c, 0, sizeof c);
	c.from = "a@example.org";
	c.to = "b@example.org";
	c.subject = "Re: x\r\nX-Injected: yes";
	c.message_id = "<given@example.org>";
	c.in_reply_to = "<parent@example.org>";
	c.references = refs.data;
	c.extra_headers = extra;
	c.body = "x\n";
	c.body_len = 2;
	if ((msg = compose(&c, a, &root, &len)) == NULL)
		goto out;
	v = unfolded_value(msg, len, "Message-ID");
	TEST_STREQ(v, "<given@example.org>", "Message-ID as given");
	free(v);
	v = unfolded_value(msg, len, "References");
	TEST_STREQ(v, refs.data, "References unfold to what was given");
	free(v);
	v = unfolded_value(msg, len, "X-Mailer-Note");
	d = decoded(v ? v : "");
	TEST_STREQ(d, "caf\xc3\xa9 ok", "extra header encoded");
	free(v);
	free(d);
	v = unfolded_value(msg, len, "X-Empty");
	TEST_CHECK(v == NULL, "empty extra header dropped");
	free(v);
	v = unfolded_value(msg, len, "X-Injected");
	TEST_CHECK(v == NULL, "no header injected through the subject");
	free(v);
	v = unfolded_value(msg, len, "Bcc");
	TEST_CHECK(v == NULL, "no header injected through an extra header");
	free(v);
	TEST_CHECK(lines_ok(msg, len, 78, 998), "header lines within 78");
	free(msg);
out:
	buf_free(&refs);
	arena_free(&a);
}

static void
check_errors(void)
{
	static const char *const bad_extra[] = { "Content-Type: text/html", NULL };
	static const char *const bad_extra2[] = { "no colon here", NULL };
	struct mime_compose	 c;
	struct mime_attachment	 att;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	memset(&c, 0, sizeof c);
	memset(&att, 0, sizeof att);
	buf_adds(&out, "kept");
	c.to = "b@example.org";
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "no From");
	TEST_CHECK(err != NULL && strstr(err, "From") != NULL, "error: %s", err);
	free(err);
	err = NULL;
	c.from = "a@example.org";
	c.to = "Bob";
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "bad To");
	TEST_CHECK(err != NULL && strstr(err, "To") != NULL, "error: %s", err);
	free(err);
	err = NULL;
	c.to = "b@example.org";
	att.path = "/nonexistent/dir/file.pdf";
	c.attachments = &att;
	c.nattachments = 1;
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "missing file");
	TEST_CHECK(err != NULL && strstr(err, "/nonexistent/dir/file.pdf") != NULL,
	    "error names the file: %s", err);
	free(err);
	err = NULL;
	att.path = NULL;
	att.data = "x";
	att.len = 1;
	att.content_type = "not a type";
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "bad content type");
	free(err);
	err = NULL;
	c.nattachments = 0;
	c.extra_headers = bad_extra;
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "Content-Type extra");
	free(err);
	err = NULL;
	c.extra_headers = bad_extra2;
	TEST_INTEQ(mime_compose_write(&c, &out, &err), -1, "malformed extra");
	free(err);
	TEST_STREQ(buf_cstr(&out), "kept", "out unchanged on errors");
	buf_free(&out);
}

static void
check_guess(void)
{
	char	 dir[] = "/tmp/crispin-home-XXXXXX", *path, *t;
	FILE	*f;

	t = mime_guess_type("x.unknownext", "%PDF-1.4\n", 9);
	TEST_STREQ(t, "application/pdf", "PDF by magic");
	free(t);
	t = mime_guess_type(NULL, "\x89PNG\r\n\x1a\n", 8);
	TEST_STREQ(t, "image/png", "PNG by magic");
	free(t);
	t = mime_guess_type(NULL, "hello\nw\xc3\xb6rld\n", 13);
	TEST_STREQ(t, "text/plain", "UTF-8 text");
	free(t);
	t = mime_guess_type(NULL, "a\0b", 3);
	TEST_STREQ(t, "application/octet-stream", "binary");
	free(t);
	t = mime_guess_type(NULL, "\xff\xfe", 2);
	TEST_STREQ(t, "application/octet-stream", "invalid UTF-8 is binary");
	free(t);
	if (mkdtemp(dir) == NULL) {
		TEST_CHECK(0, "temporary directory");
		return;
	}
	path = xasprintf("%s/.mime.types", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("# comment\napplication/x-crispin-test\tcrtest  other\n", f);
		fclose(f);
	}
	setenv("HOME", dir, 1);
	t = mime_guess_type("/some/dir/file.CRTEST", "text", 4);
	TEST_STREQ(t, "application/x-crispin-test", "~/.mime.types by extension");
	free(t);
	t = mime_guess_type("file.other", "text", 4);
	TEST_STREQ(t, "application/x-crispin-test", "second extension of a line");
	free(t);
	unlink(path);
	rmdir(dir);
	free(path);
}

/*
 * Random subjects and display names from pieces that stress the writer
 * (blanks, controls, "=?", quotes, commas, CJK, emoji, invalid bytes,
 * long words): every one folds within the limits, stays one field and
 * reads back as given (controls as blanks, outer blanks trimmed).
 */
static void
check_random(void)
{
	static const char *const pieces[] = {
		"a", "word", " ", "  ", "\t", "\r\n", "\n", "=?", "?=", "\"", ",",
		"\\", "(", "<", "@", "_", "=", "\xc3\xa9", "\xe6\x97\xa5",
		"\xf0\x9f\x98\x80", "\xd0\x96", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		"\x01", "\x7f", ";", ":",
	};
	struct buf	 s = BUF_INIT, want = BUF_INIT, list = BUF_INIT;
	struct buf	 out = BUF_INIT;
	struct arena	*a;
	struct mime_addr *addrs;
	unsigned	 seed = 12345;
	size_t		 i, n, k, count, bad_fold = 0, bad_read = 0, bad_name = 0;
	size_t		 blanks;
	char		*v, *d, *err = NULL, c;
	const char	*p;

	for (i = 0; i < 3000; i++) {
		buf_reset(&s);
		count = (seed = seed * 1103515245 + 12345) >> 16 & 63;
		for (n = 0; n < count; n++) {
			seed = seed * 1103515245 + 12345;
			buf_adds(&s, pieces[(seed >> 16) % (sizeof pieces /
			    sizeof pieces[0])]);
		}
		/* The expected reading: controls blank, outer blanks gone,
		 * runs of blanks at most 16 long. */
		buf_reset(&want);
		for (k = 0, blanks = 0; k < s.len; k++) {
			c = (unsigned char)s.data[k] < 0x20 ||
			    s.data[k] == 0x7f ? ' ' : s.data[k];
			blanks = c == ' ' ? blanks + 1 : 0;
			if (blanks <= 16)
				buf_addc(&want, c);
		}
		for (p = buf_cstr(&want); *p == ' '; p++)
			;
		n = strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		v = xstrndup(p, n);
		buf_reset(&out);
		mime_encode_unstructured(&out, "Subject", buf_cstr(&s));
		buf_adds(&out, "\r\n");
		if (!lines_ok_words(out.data, out.len, 78, 78) ||
		    header_lines(out.data, out.len) != 1)
			bad_fold++;
		d = unfolded_value(out.data, out.len, "Subject");
		{
			char	*r = decoded(d != NULL ? d : "");

			if (strcmp(r, v) != 0) {
				if (bad_read++ == 0)
					printf("      \"%s\" read as \"%s\"\n", v, r);
			}
			free(r);
		}
		free(d);
		/* The same text as a quoted display name, no controls. */
		if (strpbrk(v, "\"\\") == NULL && *v != '\0' &&
		    strstr(v, "  ") == NULL && strstr(v, "=?") == NULL) {
			a = arena_new(0);
			buf_reset(&list);
			buf_printf(&list, "\"%s\" <x@example.org>", v);
			buf_reset(&out);
			if (mime_encode_addresses(&out, "To", list.data, false,
			    &err) < 0) {
				bad_name++;
				x_free(&err);
			} else {
				buf_adds(&out, "\r\n");
				d = unfolded_value(out.data, out.len, "To");
				mime_addr_parse(d, a, &addrs, &n);
				if (!lines_ok_words(out.data, out.len, 78, 78) ||
				    n != 1 || addrs[0].name == NULL ||
				    strcmp(addrs[0].name, v) != 0) {
					if (bad_name++ == 0)
						printf("      name \"%s\": %s\n",
						    v, out.data);
				}
				free(d);
			}
			arena_free(&a);
		}
		free(v);
	}
	TEST_INTEQ(bad_fold, 0, "random subjects fold within 78, one field");
	TEST_INTEQ(bad_read, 0, "random subjects read back");
	TEST_INTEQ(bad_name, 0, "random display names read back");
	buf_free(&s);
	buf_free(&want);
	buf_free(&list);
	buf_free(&out);
}

int
main(void)
{
	char	*id1, *id2, *b1, *b2;

	setenv("TZ", "UTC", 1);
	check_qp();
	check_base64();
	check_unstructured();
	check_addresses();
	check_params();
	check_single_part();
	check_encodings();
	check_flowed();
	check_multipart();
	check_headers();
	check_errors();
	check_guess();
	check_random();
	id1 = mime_make_message_id("example.org");
	id2 = mime_make_message_id("example.org");
	TEST_CHECK(strcmp(id1, id2) != 0, "message ids differ");
	TEST_CHECK(id1[0] == '<' && strstr(id1, "@example.org>") != NULL,
	    "message id form: %s", id1);
	b1 = mime_make_boundary();
	b2 = mime_make_boundary();
	TEST_CHECK(strcmp(b1, b2) != 0, "boundaries differ");
	free(id1);
	free(id2);
	free(b1);
	free(b2);
	return test_done();
}
