/* Charset conversion to UTF-8 for headers and bodies (iconv underneath). */
#ifndef CRISPIN_MIME_CHARSET_H
#define CRISPIN_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

/*
 * Appends in (len bytes labelled with charset) to out as valid UTF-8.
 * Labels are matched case-insensitively with quotes and spaces trimmed,
 * through an alias table for the labels real mail uses (latin1 and
 * iso-8859-1 are read as windows-1252, gb2312/gbk as gb18030, ks_c_5601-1987
 * as cp949, shift_jis as cp932, ...). us-ascii text with 8-bit bytes is read
 * as windows-1252. Bytes that cannot be converted become U+FFFD and the
 * conversion goes on. NULL, "", "unknown-8bit" or a label iconv does not
 * know: returns -1 after appending a best-effort copy (ASCII kept, every
 * other byte U+FFFD); callers with a fallback charset ask
 * mime_charset_known() first and convert with the fallback instead.
 * Returns 0 otherwise. Descriptors are cached, so repeated calls are cheap.
 */
int	 mime_charset_to_utf8(const char *charset, const void *in, size_t len,
	    struct buf *out);
/* Text in no declared charset (raw 8-bit headers, unlabelled bodies):
 * read with the first charset of the colon-separated list that takes it
 * without an invalid byte (else the last one known); list NULL: the
 * one set by mime_set_assumed_charset (the assumed_charset option), and
 * without one windows-1252. */
void	 mime_charset_guess_to_utf8(const char *list, const void *in, size_t len,
	    struct buf *out);
/* Sets the default list for the guesses (NULL or "": none). */
void	 mime_set_assumed_charset(const char *list);
const char *mime_assumed_charset(void);
/* Whether mime_charset_to_utf8 would convert text in this charset. */
bool	 mime_charset_known(const char *charset);
/* Appends a valid UTF-8 copy of in: each byte of an invalid, overlong or
 * surrogate sequence becomes U+FFFD. */
void	 mime_utf8_sanitize(struct buf *out, const void *in, size_t len);

#endif
