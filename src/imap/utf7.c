/*
 * IMAP modified UTF-7 (RFC 3501 5.1.3). Printable ASCII stands for itself,
 * "&-" is "&", and anything else is UTF-16 in base64 (with ',' for '/')
 * between '&' and '-'. The decoder accepts only the one canonical encoding
 * of each name, so that a name has a single spelling on both sides.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "crispin/base64.h"
#include "crispin/buf.h"
#include "crispin/imap_utf7.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int	 b64_value(unsigned char);
static int	 utf8_get(const unsigned char *, size_t, uint32_t *);
static int	 decode_shift(struct buf *, const char *, size_t, size_t *);
static void	 put_unit(struct buf *, uint32_t *, unsigned *, uint32_t);
static void	 end_shift(struct buf *, uint32_t, unsigned);

/* Modified base64 (RFC 3501 5.1.3): ',' instead of '/'. */
static int
b64_value(unsigned char c)
{
	if (c == ',')
		return 63;
	return c == '/' ? -1 : base64_char_value(c);
}


/*
 * Reads one UTF-8 character; returns its length, or -1 for anything that
 * is not well-formed (overlong forms, surrogates, past U+10FFFF, cut short).
 */
static int
utf8_get(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c, min;
	size_t		n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return -1;
	if (len < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return (int)n;
}

/*
 * Decodes the base64 run that starts at *ip (just past '&') up to and
 * including its '-', and moves *ip past it.
 */
static int
decode_shift(struct buf *out, const char *in, size_t len, size_t *ip)
{
	size_t		 i = *ip;
	uint32_t	 acc = 0, unit, high = 0;
	unsigned	 nbits = 0;
	int		 v;

	for (; i < len && in[i] != '-'; i++) {
		if ((v = b64_value((unsigned char)in[i])) == -1)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = acc >> nbits & 0xffff;
		acc &= (1U << nbits) - 1;
		if (unit >= 0xd800 && unit <= 0xdbff) {
			if (high != 0)
				return -1;
			high = unit;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			if (high == 0)
				return -1;
			buf_add_utf8(out, 0x10000 + ((high - 0xd800) << 10) +
			    (unit - 0xdc00));
			high = 0;
		} else {
			/* Printable ASCII must stand for itself; NUL never. */
			if (high != 0 || unit == 0 ||
			    (unit >= 0x20 && unit <= 0x7e))
				return -1;
			buf_add_utf8(out, unit);
		}
	}
	/* Unterminated; a lone high surrogate; a whole spare sextet; or
	 * padding bits that are not zero. */
	if (i == len || high != 0 || nbits >= 6 || acc != 0)
		return -1;
	*ip = i + 1;
	return 0;
}

int
imap_utf7_decode(struct buf *out, const char *in, size_t len)
{
	size_t		 start = out->len, i = 0;
	unsigned char	 c;
	bool		 after_shift = false;

	while (i < len) {
		c = (unsigned char)in[i];
		if (c == '&' && i + 1 < len && in[i + 1] == '-') {
			buf_addc(out, '&');
			i += 2;
			after_shift = false;
		} else if (c == '&') {
			/* Two runs back to back should have been one. */
			if (after_shift)
				goto bad;
			i++;
			if (decode_shift(out, in, len, &i) == -1)
				goto bad;
			after_shift = true;
		} else if (c >= 0x20 && c <= 0x7e) {
			buf_addc(out, (char)c);
			i++;
			after_shift = false;
		} else
			goto bad;
	}
	return 0;
bad:
	buf_truncate(out, start);
	return -1;
}

/* Adds a UTF-16 unit to the bit accumulator and writes whole sextets. */
static void
put_unit(struct buf *out, uint32_t *acc, unsigned *nbits, uint32_t unit)
{
	*acc = *acc << 16 | unit;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_addc(out, b64[*acc >> *nbits & 0x3f]);
	}
	*acc &= (1U << *nbits) - 1;
}

/* Writes the last bits, padded with zeros, and the '-'. */
static void
end_shift(struct buf *out, uint32_t acc, unsigned nbits)
{
	if (nbits > 0)
		buf_addc(out, b64[acc << (6 - nbits) & 0x3f]);
	buf_addc(out, '-');
}

int
imap_utf7_encode(struct buf *out, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 start = out->len, i = 0;
	uint32_t		 cp, acc = 0;
	unsigned		 nbits = 0;
	bool			 shifted = false;
	int			 n;

	while (i < len) {
		if ((n = utf8_get(s + i, len - i, &cp)) == -1 || cp == 0)
			goto bad;
		i += (size_t)n;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted) {
				end_shift(out, acc, nbits);
				shifted = false;
			}
			if (cp == '&')
				buf_add(out, "&-", 2);
			else
				buf_addc(out, (char)cp);
			continue;
		}
		if (!shifted) {
			buf_addc(out, '&');
			shifted = true;
			acc = 0;
			nbits = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_unit(out, &acc, &nbits, 0xd800 + (cp >> 10));
			put_unit(out, &acc, &nbits, 0xdc00 + (cp & 0x3ff));
		} else
			put_unit(out, &acc, &nbits, cp);
	}
	if (shifted)
		end_shift(out, acc, nbits);
	return 0;
bad:
	buf_truncate(out, start);
	return -1;
}
