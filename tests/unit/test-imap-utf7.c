/* Modified UTF-7 mailbox names: round trips and invalid input. */
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_utf7.h"
#include "test.h"

static void	test_round_trips(void);
static void	test_decode_invalid(void);
static void	test_encode_invalid(void);
static void	test_appends(void);
static size_t	put_utf8(char *, unsigned long);
static void	test_every_code_point(void);

static const struct {
	const char	*utf8;
	const char	*utf7;
} pairs[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "Gesendete Objekte", "Gesendete Objekte" },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "&ZeVnLIqe-" },
	{ "&", "&-" },
	{ "&&", "&-&-" },
	{ "a&b", "a&-b" },
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },		/* U+1F600, a pair */
	{ "a\xf0\x9f\x98\x80" "b\xf0\x9f\x8e\x89", "a&2D3eAA-b&2DzfiQ-" },
	{ "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 & Co",
	  "&ANw-n&AO8-c&APY-d&AOk- &- Co" },
	{ "\xd0\x9a\xd0\xbe\xd1\x80\xd0\xb7\xd0\xb8\xd0\xbd\xd0\xb0",
	  "&BBoEPgRABDcEOAQ9BDA-" },		/* Корзина: uses '+' */
	{ "\xc3\x87\xc3\xb6p Kutusu", "&AMcA9g-p Kutusu" },
	{ "\xc3\xbf", "&AP8-" },
	{ "\x1f", "&AB8-" },			/* controls in base64 */
	{ "~-&-", "~-&--" },
	{ "[Gmail]/Entw&APw-rfe", "[Gmail]/Entw&-APw-rfe" },
};

static void
test_round_trips(void)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		buf_reset(&b);
		TEST_INTEQ(imap_utf7_encode(&b, pairs[i].utf8,
		    strlen(pairs[i].utf8)), 0, "encode \"%s\"", pairs[i].utf7);
		TEST_STREQ(buf_cstr(&b), pairs[i].utf7, "encode case %zu", i);
		buf_reset(&b);
		TEST_INTEQ(imap_utf7_decode(&b, pairs[i].utf7,
		    strlen(pairs[i].utf7)), 0, "decode \"%s\"", pairs[i].utf7);
		TEST_STREQ(buf_cstr(&b), pairs[i].utf8, "decode \"%s\"",
		    pairs[i].utf7);
	}
	buf_free(&b);
}

static void
test_decode_invalid(void)
{
	static const struct {
		const char	*in;
		const char	*why;
	} bad[] = {
		{ "&AGE-", "an ASCII 'a' in base64" },
		{ "&ACA-", "a space in base64" },
		{ "&ACY-", "'&' in base64 instead of &-" },
		{ "&AH4-", "'~' in base64" },
		{ "&ZeVnLIqe", "unterminated" },
		{ "&", "a lone '&'" },
		{ "abc&", "'&' at the end" },
		{ "&APx-", "padding bits set" },
		{ "&APwA-", "a spare sextet" },
		{ "&AP-", "too short for one unit" },
		{ "&A-", "one sextet" },
		{ "&2D0-", "lone high surrogate" },
		{ "&3gA-", "lone low surrogate" },
		{ "&3gDYPQ-", "surrogates reversed" },
		{ "&2D3YPQ-", "two high surrogates" },
		{ "&2D0AQQ-", "high surrogate then a BMP char" },
		{ "&2D0-&3gA-", "a pair split over two runs" },
		{ "&U,BTFw-&ZeVnLIqe-", "two runs back to back" },
		{ "&AAA-", "NUL" },
		{ "&/w-", "'/' instead of ','" },
		{ "&Jjo!-", "a bad base64 char" },
		{ "&&-", "'&' inside a run" },
		{ "&=-", "'=' padding" },
		{ "Entw\xc3\xbcrfe", "raw 8-bit" },
		{ "a\tb", "raw control" },
		{ "a\x7f", "raw DEL" },
	};
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&b);
		TEST_INTEQ(imap_utf7_decode(&b, bad[i].in, strlen(bad[i].in)),
		    -1, "reject %s: \"%s\"", bad[i].why, bad[i].in);
		TEST_INTEQ(b.len, 0, "nothing left from \"%s\"", bad[i].in);
	}
	/* An embedded NUL is not a printable character. */
	TEST_INTEQ(imap_utf7_decode(&b, "a\0b", 3), -1, "reject raw NUL");
	/* len bounds the input: a run cut by len is unterminated. */
	TEST_INTEQ(imap_utf7_decode(&b, "&APw-", 4), -1, "cut before '-'");
	buf_reset(&b);
	TEST_INTEQ(imap_utf7_decode(&b, "ab&APw-", 2), 0, "len stops early");
	TEST_STREQ(buf_cstr(&b), "ab", "only len bytes decoded");
	buf_free(&b);
}

static void
test_encode_invalid(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*why;
	} bad[] = {
		{ "\xff", 1, "0xff" },
		{ "\xc3", 1, "cut short" },
		{ "a\xe6\x97", 3, "cut short in the middle" },
		{ "\xc0\xaf", 2, "overlong '/'" },
		{ "\xe0\x80\xaf", 3, "overlong 3 bytes" },
		{ "\xed\xa0\x80", 3, "UTF-16 surrogate" },
		{ "\xf4\x90\x80\x80", 4, "past U+10FFFF" },
		{ "\x80", 1, "lone continuation" },
		{ "\xc3\x28", 2, "bad continuation" },
		{ "a\0b", 3, "NUL" },
	};
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&b);
		TEST_INTEQ(imap_utf7_encode(&b, bad[i].in, bad[i].len), -1,
		    "reject %s", bad[i].why);
		TEST_INTEQ(b.len, 0, "nothing left after %s", bad[i].why);
	}
	/* The largest code point is fine. */
	buf_reset(&b);
	TEST_INTEQ(imap_utf7_encode(&b, "\xf4\x8f\xbf\xbf", 4), 0, "U+10FFFF");
	TEST_STREQ(buf_cstr(&b), "&2,,f,w-", "U+10FFFF encoded");
	buf_free(&b);
}

static void
test_appends(void)
{
	struct buf	b = BUF_INIT;

	buf_adds(&b, "prefix:");
	TEST_INTEQ(imap_utf7_decode(&b, "&APw-", 5), 0, "decode appends");
	TEST_STREQ(buf_cstr(&b), "prefix:\xc3\xbc", "kept the prefix");
	TEST_INTEQ(imap_utf7_decode(&b, "&AGE-", 5), -1, "bad input");
	TEST_STREQ(buf_cstr(&b), "prefix:\xc3\xbc", "failure leaves buf alone");
	TEST_INTEQ(imap_utf7_encode(&b, "x\xff", 2), -1, "bad UTF-8");
	TEST_STREQ(buf_cstr(&b), "prefix:\xc3\xbc", "failure leaves buf alone");
	buf_free(&b);
}

static size_t
put_utf8(char *s, unsigned long cp)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	s[0] = (char)(0xf0 | cp >> 18);
	s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	s[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every code point, alone and between two others (to move the bit
 * alignment), survives encode then decode; counted as one check. */
static void
test_every_code_point(void)
{
	struct buf	 e = BUF_INIT, d = BUF_INIT;
	char		 s[16];
	unsigned long	 cp, bad = 0;
	size_t		 n;

	for (cp = 1; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = put_utf8(s, 0xe9);
		n += put_utf8(s + n, cp);
		n += put_utf8(s + n, cp % 3 == 0 ? 'x' : 0x4e2d);
		buf_reset(&e);
		buf_reset(&d);
		if (imap_utf7_encode(&e, s, n) == -1 ||
		    imap_utf7_decode(&d, e.data, e.len) == -1 ||
		    d.len != n || memcmp(d.data, s, n) != 0) {
			if (bad++ < 5)
				printf("U+%04lX does not round trip\n", cp);
		}
	}
	TEST_INTEQ(bad, 0, "every code point round trips");
	buf_free(&e);
	buf_free(&d);
}

int
main(void)
{
	test_round_trips();
	test_decode_invalid();
	test_encode_invalid();
	test_appends();
	test_every_code_point();
	return test_done();
}
