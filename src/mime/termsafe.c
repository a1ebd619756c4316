/*
 * The terminal safety filter. Text from a message must never reach the
 * terminal as a control sequence, nor reorder what is around it with bidi
 * controls, so those are shown as visible escapes instead.
 */
#include "crispin/mime_text.h"

static bool	is_bidi_control(unsigned long);

size_t
mime_utf8_next(const char *str, size_t n, unsigned long *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned long		 c, min;
	size_t			 len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool
is_bidi_control(unsigned long c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

void
mime_text_safe(struct buf *out, const char *s, size_t len, unsigned flags)
{
	unsigned long	 c;
	size_t		 i = 0, n;

	buf_reserve(out, len);
	while (i < len) {
		if ((n = mime_utf8_next(s + i, len - i, &c)) == 0) {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (c == '\r' && i + 1 < len && s[i + 1] == '\n' &&
		    !(flags & MIME_SAFE_ONELINE)) {
			i++;
			continue;
		}
		if ((c == '\n' || c == '\t') && !(flags & MIME_SAFE_ONELINE))
			buf_addc(out, (char)c);
		else if (c < 0x20) {
			buf_addc(out, '^');
			buf_addc(out, (char)(c + 0x40));
		} else if (c == 0x7f)
			buf_adds(out, "^?");
		else if ((c >= 0x80 && c <= 0x9f) || is_bidi_control(c))
			buf_printf(out, "<U+%04lX>", c);
		else
			buf_add(out, s + i, n);
		i += n;
	}
}
