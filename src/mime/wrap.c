/*
 * Where a line of text may break, for the wrapping of format=flowed and
 * HTML: at spaces, and between East Asian wide characters, which are
 * written without spaces; never before closing punctuation nor after
 * opening punctuation (a small part of UAX #14 that covers CJK text).
 * Widths are display columns, so CJK text wraps at the screen's width.
 */
#include <stdbool.h>
#include <stddef.h>

#include "crispin/mime_text.h"
#include "crispin/str.h"

static bool	 no_break_before(unsigned long);
static bool	 no_break_after(unsigned long);

/* Closing and separating punctuation: never at the start of a line. */
static bool
no_break_before(unsigned long cp)
{
	switch (cp) {
	case '.': case ',': case '!': case '?': case ':': case ';':
	case ')': case ']': case '}': case '\'': case '"':
	case 0x3001: case 0x3002: case 0x3005: case 0x3009: case 0x300b:
	case 0x300d: case 0x300f: case 0x3011: case 0x3015: case 0x30fc:
	case 0xff01: case 0xff09: case 0xff0c: case 0xff0e: case 0xff1a:
	case 0xff1b: case 0xff1f: case 0xff3d: case 0xff5d:
		return true;
	}
	return false;
}

/* Opening punctuation: never at the end of a line. */
static bool
no_break_after(unsigned long cp)
{
	switch (cp) {
	case '(': case '[': case '{':
	case 0x3008: case 0x300a: case 0x300c: case 0x300e: case 0x3010:
	case 0x3014: case 0xff08: case 0xff3b: case 0xff5b:
		return true;
	}
	return false;
}

size_t
mime_wrap_unit(const char *s, size_t n, size_t *cols_r)
{
	size_t		 i = 0, k, cols = 0;
	unsigned long	 cp;
	int		 w;
	bool		 after_wide = false, hold = false;

	while (i < n && s[i] != ' ' && s[i] != '\n') {
		if ((k = mime_utf8_next(s + i, n - i, &cp)) == 0) {
			/* Shown as one U+FFFD. */
			k = 1;
			cp = 0xfffd;
		}
		w = str_codepoint_width((uint32_t)cp);
		/* Marks stay with their base; wide characters stand alone. */
		if (i > 0 && w != 0 && (w == 2 || after_wide) && !hold &&
		    !no_break_before(cp))
			break;
		cols += (size_t)w;
		i += k;
		if (w != 0) {
			after_wide = w == 2;
			hold = no_break_after(cp);
		}
	}
	/* Never stuck, whatever the caller passes. */
	if (i == 0 && n > 0) {
		i = 1;
		cols = 1;
	}
	*cols_r = cols;
	return i;
}
