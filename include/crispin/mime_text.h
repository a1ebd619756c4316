/*
 * Turning decoded UTF-8 body text into what a terminal shows: format=flowed
 * (RFC 3676), a built-in HTML to text converter, and the terminal safety
 * filter every header, file name and body goes through last.
 * All append to out and never fail; malformed input is shown, not refused.
 */
#ifndef CRISPIN_MIME_TEXT_H
#define CRISPIN_MIME_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

/*
 * Decodes format=flowed text (LF or CRLF line ends): soft-broken lines
 * joined (delsp: the trailing space removed too), space-stuffing removed,
 * quote depth kept per paragraph, "-- " kept as it is; then wraps each
 * paragraph at width columns (0: no wrapping) with "> " per quote level.
 * Output lines end in LF.
 */
void	mime_flowed_reflow(struct buf *out, const char *text, size_t len,
	    bool delsp, unsigned width);

/*
 * Renders HTML as plain text wrapped at width columns (0: 78): blocks,
 * line breaks, headings, lists ("* ", "1. "), blockquotes ("> "), pre,
 * tables a row per line with " | " between cells; script, style and head
 * dropped; entities decoded (bad ones U+FFFD); links numbered "[1]" and
 * listed at the end. Runs in linear time whatever the input; nesting past
 * 32 levels is flattened.
 */
void	mime_html_to_text(struct buf *out, const char *html, size_t len,
	    unsigned width);

/* mime_text_safe flags */
#define MIME_SAFE_ONELINE	0x01	/* also escape LF and TAB (headers,
					 * file names) */

/*
 * Appends utf8 with everything that could drive a terminal made visible:
 * C0 controls and DEL in caret form ("^[", "^?"), C1 controls and the bidi
 * embedding, override and isolate characters (U+202A-U+202E,
 * U+2066-U+2069) as "<U+202E>"; invalid UTF-8 bytes become U+FFFD. LF and
 * TAB are kept unless MIME_SAFE_ONELINE; CR before LF is dropped.
 */
void	mime_text_safe(struct buf *out, const char *utf8, size_t len,
	    unsigned flags);

/* Decodes one UTF-8 sequence at s (n > 0 bytes available): returns its
 * length and sets *cp, or returns 0 for an invalid byte (overlong,
 * surrogate, past U+10FFFF, truncated). */
size_t	mime_utf8_next(const char *s, size_t n, unsigned long *cp);

/*
 * The next piece of text that a wrapped line must keep together, at s
 * (which does not start with a space): up to a space or LF, and cut
 * where a line may break without a space (around East Asian wide
 * characters, but not before closing punctuation nor after opening).
 * Returns its length in bytes (at least 1 when n > 0) and its display
 * width in *cols (wide characters 2, combining marks 0).
 */
size_t	mime_wrap_unit(const char *s, size_t n, size_t *cols);

#endif
