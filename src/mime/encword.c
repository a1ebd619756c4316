/* RFC 2047 encoded words and raw 8-bit header text (RFC 6532) to UTF-8. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "crispin/buf.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_header.h"

/* Charset labels longer than this are not charsets: the word is kept. */
#define WORD_CHARSET_MAX	64
/* RFC 2047 allows 75 bytes a word; real mail exceeds that, but a bound
 * keeps the search for "?=" from going quadratic on hostile input. */
#define WORD_TEXT_MAX		1024

struct word {
	char		 charset[WORD_CHARSET_MAX];	/* without *lang */
	char		 encoding;			/* 'B' or 'Q' */
	const char	*text;
	size_t		 text_len;
	size_t		 len;				/* whole word */
};

struct run {
	struct buf	 bytes;		/* decoded, not yet converted */
	char		 charset[WORD_CHARSET_MAX];
	bool		 open;
};

static bool	 parse_word(const char *, struct word *);
static int	 hexval(int);
static void	 decode_b(struct buf *, const char *, size_t);
static void	 decode_q(struct buf *, const char *, size_t);
static bool	 is_wsp(char);
static bool	 is_8bit_fallback(const char *);
static void	 flush_run(struct run *, struct buf *, const char *);
static void	 add_raw(struct buf *, const char *, size_t, const char *);

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads "=?charset[*lang]?B|Q?text?=" at s; false if s is no such word. */
static bool
parse_word(const char *s, struct word *w)
{
	const char	*p, *cs, *end;
	size_t		 n;

	if (s[0] != '=' || s[1] != '?')
		return false;
	cs = s + 2;
	for (p = cs; *p != '\0' && *p != '?'; p++) {
		if (is_wsp(*p) || (unsigned char)*p < 0x21)
			return false;
	}
	if (*p != '?' || p == cs)
		return false;
	n = (size_t)(p - cs);
	if (memchr(cs, '*', n) != NULL)
		n = (size_t)((const char *)memchr(cs, '*', n) - cs);
	if (n == 0 || n >= sizeof(w->charset))
		return false;
	memcpy(w->charset, cs, n);
	w->charset[n] = '\0';
	p++;
	if (*p != 'B' && *p != 'b' && *p != 'Q' && *p != 'q')
		return false;
	w->encoding = (char)(*p == 'b' || *p == 'B' ? 'B' : 'Q');
	if (p[1] != '?')
		return false;
	w->text = p + 2;
	for (end = w->text; *end != '\0'; end++) {
		if (end[0] == '?' && end[1] == '=')
			break;
		if (is_wsp(*end) || end - w->text > WORD_TEXT_MAX)
			return false;
	}
	if (*end == '\0')
		return false;
	w->text_len = (size_t)(end - w->text);
	w->len = (size_t)(end + 2 - s);
	return true;
}

/* Lenient base64: skips bytes outside the alphabet, stops at '='. */
static void
decode_b(struct buf *out, const char *s, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int	 acc = 0;
	int		 bits = 0;
	size_t		 i;
	const char	*p;

	for (i = 0; i < len && s[i] != '='; i++) {
		if ((p = strchr(alphabet, s[i])) == NULL || s[i] == '\0')
			continue;
		acc = (acc << 6) | (unsigned int)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
}

/* Q: '_' is a space, =XX a byte; a stray '=' stays as it is. */
static void
decode_q(struct buf *out, const char *s, size_t len)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '_')
			buf_addc(out, ' ');
		else if (s[i] == '=' && i + 2 < len &&
		    (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			buf_addc(out, (char)(hi << 4 | lo));
			i += 2;
		} else
			buf_addc(out, s[i]);
	}
}

/* Labels that say nothing about 8-bit bytes: the caller's fallback reads
 * them. */
static bool
is_8bit_fallback(const char *cs)
{
	static const char *const labels[] = {
		"us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown",
		"default",
	};
	size_t	 i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (strcasecmp(cs, labels[i]) == 0)
			return true;
	}
	return false;
}

static void
flush_run(struct run *r, struct buf *out, const char *assumed)
{
	const char	*cs = r->charset;
	size_t		 start = out->len, i, j;

	if (!r->open)
		return;
	if (is_8bit_fallback(cs))
		mime_charset_guess_to_utf8(assumed, r->bytes.data, r->bytes.len,
		    out);
	else
		mime_charset_to_utf8(cs, r->bytes.data, r->bytes.len, out);
	/* "=00" would cut the text short for every C string user. */
	for (i = j = start; i < out->len; i++) {
		if (out->data[i] != '\0')
			out->data[j++] = out->data[i];
	}
	buf_truncate(out, j);
	buf_reset(&r->bytes);
	r->open = false;
}

/* Text outside encoded words: UTF-8 when valid, else the assumed charset. */
static void
add_raw(struct buf *out, const char *s, size_t len, const char *assumed)
{
	struct buf	 tmp = BUF_INIT;
	uint64_t	 w, high = 0;
	size_t		 i;

	/* ASCII as it is: eight bytes a step, most headers are. */
	for (i = 0; i + 8 <= len && high == 0; i += 8) {
		memcpy(&w, s + i, 8);
		high = w & 0x8080808080808080ULL;
	}
	for (; i < len && high == 0; i++)
		high = (unsigned char)s[i] & 0x80;
	if (high == 0) {
		buf_add(out, s, len);
		return;
	}
	mime_utf8_sanitize(&tmp, s, len);
	if (tmp.len == len)
		buf_add(out, tmp.data, tmp.len);
	else
		mime_charset_guess_to_utf8(assumed, s, len, out);
	buf_free(&tmp);
}

void
mime_decode_words(struct buf *out, const char *raw, const char *assumed)
{
	struct run	 run;
	struct word	 w, next;
	const char	*p, *text, *q;

	if (raw == NULL)
		return;
	memset(&run, 0, sizeof(run));
	buf_init(&run.bytes);
	p = text = raw;
	while (*p != '\0') {
		if (!parse_word(p, &w)) {
			/* Words begin with "=?": on to the next '='. */
			q = strchr(p + 1, '=');
			p = q != NULL ? q : p + 1 + strlen(p + 1);
			continue;
		}
		if (p > text) {
			flush_run(&run, out, assumed);
			add_raw(out, text, (size_t)(p - text), assumed);
		}
		/* Words of one charset are joined before conversion, so a
		 * character split between them comes out whole. */
		if (run.open && strcasecmp(run.charset, w.charset) != 0)
			flush_run(&run, out, assumed);
		if (!run.open) {
			strcpy(run.charset, w.charset);
			run.open = true;
		}
		if (w.encoding == 'B')
			decode_b(&run.bytes, w.text, w.text_len);
		else
			decode_q(&run.bytes, w.text, w.text_len);
		p += w.len;
		/* Whitespace between two encoded words is not text. */
		for (q = p; is_wsp(*q); q++)
			;
		if (q > p && parse_word(q, &next))
			p = q;
		text = p;
	}
	flush_run(&run, out, assumed);
	if (p > text)
		add_raw(out, text, (size_t)(p - text), assumed);
	buf_free(&run.bytes);
}
