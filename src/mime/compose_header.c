/*
 * Header fields of the MIME writer: folding, RFC 2047 encoded words for
 * unstructured text and display names, address lists, and RFC 2231
 * parameters.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/base64.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

/* "=?utf-8?Q?" and "?=" around the encoded text. */
#define EW_OVERHEAD	12
/* A parameter value piece (RFC 2231 continuation) at most this long. */
#define PARAM_PIECE	60

static size_t	 q_cost(unsigned char, bool);
static void	 q_add(struct buf *, unsigned char, bool);
static bool	 word_needs_encoding(const char *, size_t, bool);
static void	 unstructured(struct buf *, const char *, const char *, bool);
static bool	 is_atext(unsigned char, bool);
static bool	 phrase_word_plain(const char *, size_t, bool);
static void	 write_phrase(struct hdr_writer *, const char *, bool);
static void	 write_split(struct hdr_writer *, const char *, size_t);
static int	 check_mailbox(const char *, const char *, char **);
static bool	 is_tspecial(unsigned char);
static bool	 is_attr_char(unsigned char);
static void	 param_add(struct buf *, size_t *, const char *, size_t);

void
hdr_begin(struct hdr_writer *hw, struct buf *out, const char *name)
{
	hw->out = out;
	buf_adds(out, name);
	buf_addc(out, ':');
	hw->col = strlen(name) + 1;
	hw->fresh = true;
	hw->reserve = 0;
}

bool
hdr_fits(const struct hdr_writer *hw, size_t wslen, size_t len)
{
	return hw->col + wslen + len + hw->reserve <= HDR_FOLD_COLS;
}

void
hdr_token(struct hdr_writer *hw, const char *ws, size_t wslen,
    const char *tok, size_t toklen)
{
	size_t	keep;

	if (wslen > 0 && !hw->fresh && !hdr_fits(hw, wslen, toklen)) {
		/* Blanks that fit stay on this line, so that a long run of
		 * them does not fill the next one; one at least goes on. */
		keep = hw->col < HDR_FOLD_COLS ? HDR_FOLD_COLS - hw->col : 0;
		if (keep > wslen - 1)
			keep = wslen - 1;
		buf_add(hw->out, ws, keep);
		buf_add(hw->out, "\r\n", 2);
		hw->col = 0;
		ws += keep;
		wslen -= keep;
	}
	buf_add(hw->out, ws, wslen);
	buf_add(hw->out, tok, toklen);
	hw->col += wslen + toklen;
	hw->fresh = false;
}

void
hdr_end(struct hdr_writer *hw)
{
	buf_add(hw->out, "\r\n", 2);
	hw->col = 0;
}

/* Characters a Q word writes as they are: RFC 2047 5(3) in phrases, any
 * printable but "=?_" elsewhere; space is "_". */
static size_t
q_cost(unsigned char c, bool phrase)
{
	if (c == ' ')
		return 1;
	if (c >= 0x80 || c < 0x21 || c == 0x7f || c == '=' || c == '?' ||
	    c == '_')
		return 3;
	if (phrase && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
	    !(c >= '0' && c <= '9') && strchr("!*+-/", c) == NULL)
		return 3;
	return 1;
}

static void
q_add(struct buf *b, unsigned char c, bool phrase)
{
	static const char	hex[] = "0123456789ABCDEF";

	if (c == ' ')
		buf_addc(b, '_');
	else if (q_cost(c, phrase) == 1)
		buf_addc(b, (char)c);
	else {
		buf_addc(b, '=');
		buf_addc(b, hex[c >> 4]);
		buf_addc(b, hex[c & 0x0f]);
	}
}

void
hdr_encoded_words(struct hdr_writer *hw, const char *ws, size_t wslen,
    const char *s, size_t len, bool phrase)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 ew = BUF_INIT;
	size_t			 qtotal = 0, i, pos = 0, end, clen, cost, room;
	size_t			 cap, used, k;
	bool			 use_q;

	for (i = 0; i < len; i++)
		qtotal += q_cost(p[i], phrase);
	/* Q keeps mostly-ASCII text readable; B when it is much shorter. */
	use_q = qtotal <= (len + 2) / 3 * 4 * 3 / 2;
	while (pos < len) {
		/* Size the word to the room left on this line, unless that
		 * is too little and the word goes to a new line anyway. */
		room = hw->col + wslen + hw->reserve < HDR_FOLD_COLS ?
		    HDR_FOLD_COLS - hw->col - wslen - hw->reserve : 0;
		cap = HDR_EW_MAX;
		if (room >= 2 * EW_OVERHEAD || hw->fresh) {
			if (room >= 2 * EW_OVERHEAD && room < cap)
				cap = room;
		} else if (HDR_FOLD_COLS - wslen - hw->reserve < cap) {
			/* On a new line after the blanks. */
			cap = HDR_FOLD_COLS - wslen - hw->reserve;
			if (cap < 2 * EW_OVERHEAD)
				cap = 2 * EW_OVERHEAD;
		}
		used = 0;
		end = pos;
		while (end < len) {
			clen = compose_utf8_len(p + end, len - end);
			if (use_q) {
				for (cost = 0, k = 0; k < clen; k++)
					cost += q_cost(p[end + k], phrase);
				cost += used;
			} else
				cost = (end + clen - pos + 2) / 3 * 4;
			if (end > pos && cost + EW_OVERHEAD > cap)
				break;
			used = cost;
			end += clen;
		}
		buf_reset(&ew);
		buf_adds(&ew, use_q ? "=?utf-8?Q?" : "=?utf-8?B?");
		if (use_q) {
			for (k = pos; k < end; k++)
				q_add(&ew, p[k], phrase);
		} else
			base64_encode(&ew, p + pos, end - pos);
		buf_adds(&ew, "?=");
		hdr_token(hw, ws, wslen, ew.data, ew.len);
		/* Decoders drop the blank between adjacent encoded words. */
		ws = " ";
		wslen = 1;
		pos = end;
	}
	buf_free(&ew);
}

/* Whether a word of a header must become an encoded word: 8-bit text
 * (unless raw UTF-8 is allowed and it is valid), text a decoder would
 * take for an encoded word, or a word too long to keep on one line. */
static bool
word_needs_encoding(const char *w, size_t len, bool raw_utf8)
{
	size_t	i;
	bool	eight = false;

	if (len > HDR_WORD_MAX)
		return true;
	for (i = 0; i < len; i++) {
		if ((unsigned char)w[i] >= 0x80)
			eight = true;
		if (w[i] == '=' && i + 1 < len && w[i + 1] == '?')
			return true;
	}
	if (eight)
		return !raw_utf8 || !compose_utf8_valid(w, len);
	return false;
}

static void
unstructured(struct buf *out, const char *name, const char *utf8,
    bool raw_utf8)
{
	struct hdr_writer	 hw;
	char			*text;
	const char		*ws, *w, *run_ws = NULL, *run = NULL, *run_end = NULL;
	size_t			 wslen, wlen, run_wslen = 0;
	size_t			 i;

	text = compose_clean(utf8 != NULL ? utf8 : "");
	hdr_begin(&hw, out, name);
	if (*text == '\0')
		hdr_token(&hw, " ", 1, "", 0);
	i = 0;
	while (text[i] != '\0') {
		ws = text + i;
		while (text[i] == ' ')
			i++;
		wslen = (size_t)(text + i - ws);
		if (ws == text) {
			ws = " ";
			wslen = 1;
		}
		w = text + i;
		while (text[i] != '\0' && text[i] != ' ')
			i++;
		wlen = (size_t)(text + i - w);
		if (word_needs_encoding(w, wlen, raw_utf8)) {
			/* Neighbouring words to encode share encoded words,
			 * the blanks between them encoded too. */
			if (run == NULL) {
				run = w;
				run_ws = ws;
				run_wslen = wslen;
			}
			run_end = w + wlen;
			continue;
		}
		if (run != NULL) {
			hdr_encoded_words(&hw, run_ws, run_wslen, run,
			    (size_t)(run_end - run), false);
			run = NULL;
		}
		hdr_token(&hw, ws, wslen, w, wlen);
	}
	if (run != NULL)
		hdr_encoded_words(&hw, run_ws, run_wslen, run,
		    (size_t)(run_end - run), false);
	hdr_end(&hw);
	free(text);
}

void
mime_encode_unstructured(struct buf *out, const char *name, const char *utf8)
{
	unstructured(out, name, utf8, false);
}

void
mime_encode_unstructured_utf8(struct buf *out, const char *name,
    const char *utf8)
{
	unstructured(out, name, utf8, true);
}

/* atext of RFC 5322 3.2.3, and UTF-8 bytes with RFC 6532. */
static bool
is_atext(unsigned char c, bool raw_utf8)
{
	if (c >= 0x80)
		return raw_utf8;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Splits text at its blanks into tokens the writer may fold between. */
static void
write_split(struct hdr_writer *hw, const char *s, size_t len)
{
	size_t	i = 0, ws, w;

	while (i < len) {
		ws = i;
		while (i < len && s[i] == ' ')
			i++;
		w = i;
		while (i < len && s[i] != ' ')
			i++;
		if (ws == 0)
			hdr_token(hw, " ", 1, s + w, i - w);
		else
			hdr_token(hw, s + ws, w - ws, s + w, i - w);
	}
}

/* Whether a word of a display name can be written as it is (an atom). */
static bool
phrase_word_plain(const char *w, size_t len, bool raw_utf8)
{
	size_t	i;

	if (len > HDR_WORD_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_atext((unsigned char)w[i], raw_utf8) ||
		    (w[i] == '=' && i + 1 < len && w[i + 1] == '?'))
			return false;
	}
	return !raw_utf8 || compose_utf8_valid(w, len);
}

/*
 * A display name: atoms, or a quoted string when it holds specials, or,
 * when it needs encoding, its atoms as they are and the other words as
 * encoded words. Keeping ASCII words plain keeps most names to one
 * encoded word per run, which matters because some readers (Python's
 * email) keep the blank between adjacent encoded words in a phrase.
 */
static void
write_phrase(struct hdr_writer *hw, const char *name, bool raw_utf8)
{
	struct buf	 q = BUF_INIT;
	const char	*p, *ws, *w, *run = NULL, *run_end = NULL, *run_ws = NULL;
	size_t		 len = strlen(name), i, wslen, wlen, run_wslen = 0;
	bool		 atoms = true, quotable = true;

	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] >= 0x80 && !raw_utf8)
			quotable = false;
		if (name[i] == '=' && name[i + 1] == '?')
			quotable = false;
		if (name[i] == ' ') {
			/* Atoms apart from each other by one space. */
			if (i == 0 || name[i + 1] == ' ' || name[i + 1] == '\0')
				atoms = false;
		} else if (!is_atext((unsigned char)name[i], raw_utf8))
			atoms = false;
	}
	if (raw_utf8 && !compose_utf8_valid(name, len))
		quotable = false;
	for (i = 0, wlen = 0; i < len && quotable; i++) {
		wlen = name[i] == ' ' ? 0 : wlen + 1;
		if (wlen > HDR_WORD_MAX)
			quotable = false;
	}
	if (quotable && atoms) {
		write_split(hw, name, len);
		return;
	}
	if (quotable) {
		buf_addc(&q, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&q, '\\');
			buf_addc(&q, *p);
		}
		buf_addc(&q, '"');
		write_split(hw, q.data, q.len);
		buf_free(&q);
		return;
	}
	for (i = 0; i < len;) {
		ws = name + i;
		while (i < len && name[i] == ' ')
			i++;
		wslen = (size_t)(name + i - ws);
		if (ws == name) {
			ws = " ";
			wslen = 1;
		}
		w = name + i;
		while (i < len && name[i] != ' ')
			i++;
		wlen = (size_t)(name + i - w);
		if (wlen == 0)
			break;
		if (!phrase_word_plain(w, wlen, false)) {
			if (run == NULL) {
				run = w;
				run_ws = ws;
				run_wslen = wslen;
			}
			run_end = w + wlen;
			continue;
		}
		if (run != NULL) {
			hdr_encoded_words(hw, run_ws, run_wslen, run,
			    (size_t)(run_end - run), true);
			run = NULL;
		}
		hdr_token(hw, " ", 1, w, wlen);
	}
	if (run != NULL)
		hdr_encoded_words(hw, run_ws, run_wslen, run,
		    (size_t)(run_end - run), true);
}

/* A mailbox that can go out as it is: local@domain, no controls, blanks
 * only inside quotes, short enough for one line. */
static int
check_mailbox(const char *field, const char *m, char **error_r)
{
	const char	*p, *at = NULL;
	char		*shown;
	bool		 quoted = false;

	for (p = m; *p != '\0'; p++) {
		if (*p == '"' && (p == m || p[-1] != '\\'))
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			at = p;
		else if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    (*p == ' ' && !quoted))
			break;
	}
	if (*p == '\0' && at != NULL && at != m && at[1] != '\0' &&
	    p - m <= HDR_WORD_MAX)
		return 0;
	shown = str_sanitize(m);
	if (at == NULL || at == m || at[1] == '\0')
		*error_r = xasprintf("%s: \"%s\" is not a complete address "
		    "(local@domain)", field, shown);
	else
		*error_r = xasprintf("%s: cannot use the address \"%s\"",
		    field, shown);
	free(shown);
	return -1;
}

int
mime_encode_addresses(struct buf *out, const char *name,
    const char *utf8_list, bool raw_utf8, char **error_r)
{
	struct arena		*arena;
	struct mime_addr	*a;
	struct hdr_writer	 hw;
	struct buf		 tmp = BUF_INIT, angle = BUF_INIT;
	char			*clean, *shown;
	size_t			 n, i;
	bool			 in_group = false, any = false;
	bool			 need_comma = false;
	int			 rc = -1;

	clean = compose_clean(utf8_list != NULL ? utf8_list : "");
	arena = arena_new(0);
	mime_addr_parse(clean, arena, &a, &n);
	for (i = 0; i < n; i++) {
		if (a[i].mailbox == NULL && a[i].group == NULL &&
		    a[i].name != NULL) {
			shown = str_sanitize(a[i].name);
			*error_r = xasprintf("%s: \"%s\" is not an address",
			    name, shown);
			free(shown);
			goto out;
		}
		if (a[i].mailbox != NULL &&
		    check_mailbox(name, a[i].mailbox, error_r) < 0)
			goto out;
		if (a[i].mailbox != NULL || a[i].group != NULL)
			any = true;
	}
	if (!any) {
		*error_r = xasprintf("%s: no address given", name);
		goto out;
	}
	hdr_begin(&hw, &tmp, name);
	for (i = 0; i < n; i++) {
		/* A ',' or ';' follows every entry but the last. */
		hw.reserve = i + 1 < n || in_group ? 1 : 0;
		if (a[i].mailbox == NULL && a[i].group == NULL) {
			/* The end of a group. */
			hdr_token(&hw, "", 0, ";", 1);
			in_group = false;
			need_comma = true;
			continue;
		}
		if (need_comma)
			hdr_token(&hw, "", 0, ",", 1);
		need_comma = true;
		if (a[i].mailbox == NULL) {
			if (*a[i].group != '\0') {
				write_phrase(&hw, a[i].group, raw_utf8);
				hdr_token(&hw, "", 0, ":", 1);
			} else
				hdr_token(&hw, " ", 1, ":", 1);
			in_group = true;
			need_comma = false;
			continue;
		}
		buf_reset(&angle);
		if (a[i].name != NULL) {
			write_phrase(&hw, a[i].name, raw_utf8);
			buf_printf(&angle, "<%s>", a[i].mailbox);
		} else
			buf_adds(&angle, a[i].mailbox);
		hdr_token(&hw, " ", 1, angle.data, angle.len);
	}
	hw.reserve = 0;
	if (in_group)
		hdr_token(&hw, "", 0, ";", 1);
	hdr_end(&hw);
	buf_add(out, tmp.data, tmp.len);
	rc = 0;
out:
	buf_free(&tmp);
	buf_free(&angle);
	arena_free(&arena);
	free(clean);
	return rc;
}

/* tspecials of RFC 2045 5.1. */
static bool
is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* attribute-char of RFC 2231 7: written as is in an extended value. */
static bool
is_attr_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !is_tspecial(c) && c != '*' &&
	    c != '\'' && c != '%';
}

/* Appends "; piece", folding first when the line would get too long. */
static void
param_add(struct buf *out, size_t *col, const char *piece, size_t len)
{
	if (*col + 2 + len > HDR_FOLD_COLS) {
		buf_adds(out, ";\r\n ");
		*col = 1;
	} else {
		buf_adds(out, "; ");
		*col += 2;
	}
	buf_add(out, piece, len);
	*col += len;
}

void
mime_encode_param(struct buf *out, size_t *col, const char *attr,
    const char *utf8_value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*v = (const unsigned char *)utf8_value;
	struct buf		 piece = BUF_INIT, value = BUF_INIT;
	size_t			*ends = NULL, nends = 0, len, i, clen, k, from;
	bool			 extended = false, token = true;

	if (utf8_value == NULL)
		return;
	len = strlen(utf8_value);
	for (i = 0; i < len; i++) {
		if (v[i] >= 0x80 || v[i] < 0x20 || v[i] == 0x7f)
			extended = true;
		if (v[i] <= 0x20 || v[i] >= 0x7f || is_tspecial(v[i]))
			token = false;
	}
	if (len == 0)
		token = false;
	if (!extended && len <= PARAM_PIECE) {
		buf_printf(&piece, "%s=", attr);
		if (!token)
			buf_addc(&piece, '"');
		for (i = 0; i < len; i++) {
			if (v[i] == '"' || v[i] == '\\')
				buf_addc(&piece, '\\');
			buf_addc(&piece, (char)v[i]);
		}
		if (!token)
			buf_addc(&piece, '"');
		param_add(out, col, piece.data, piece.len);
		buf_free(&piece);
		return;
	}
	/*
	 * RFC 2231: attr*=utf-8''%XX..., or numbered pieces attr*0*=...,
	 * attr*1*=... when long. Pieces end on character boundaries, so
	 * decoders that convert each piece on its own still read them.
	 */
	from = 0;
	for (i = 0; i < len; i += clen) {
		clen = compose_utf8_len(v + i, len - i);
		if (value.len - from + clen * 3 > PARAM_PIECE &&
		    value.len > from) {
			ends = xreallocarray(ends, nends + 1, sizeof *ends);
			ends[nends++] = from = value.len;
		}
		for (k = 0; k < clen; k++) {
			if (is_attr_char(v[i + k]))
				buf_addc(&value, (char)v[i + k]);
			else
				buf_printf(&value, "%%%c%c", hex[v[i + k] >> 4],
				    hex[v[i + k] & 0x0f]);
		}
	}
	ends = xreallocarray(ends, nends + 1, sizeof *ends);
	ends[nends++] = value.len;
	for (i = 0, from = 0; i < nends; from = ends[i++]) {
		buf_reset(&piece);
		if (nends == 1)
			buf_printf(&piece, "%s*=", attr);
		else
			buf_printf(&piece, "%s*%zu*=", attr, i);
		if (i == 0)
			buf_adds(&piece, "utf-8''");
		buf_add(&piece, value.data + from, ends[i] - from);
		param_add(out, col, piece.data, piece.len);
	}
	free(ends);
	buf_free(&value);
	buf_free(&piece);
}
