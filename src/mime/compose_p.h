/* Shared by the MIME writer's files: header folding and small helpers. */
#ifndef CRISPIN_MIME_COMPOSE_P_H
#define CRISPIN_MIME_COMPOSE_P_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

/* Lines are folded before they pass this many columns (RFC 5322 2.1.1). */
#define HDR_FOLD_COLS		78
/* Longest encoded word (RFC 2047 2). */
#define HDR_EW_MAX		75
/* Raw words longer than this are encoded so they can be split, keeping
 * every line well under the 998-octet limit. */
#define HDR_WORD_MAX		900
/* Longer runs of blanks in a value are cut to this many. */
#define HDR_BLANKS_MAX		16

/*
 * Writes one header field token by token, folding at whitespace given
 * before a token when the line would pass HDR_FOLD_COLS (never straight
 * after "Name:").
 */
struct hdr_writer {
	struct buf	*out;
	size_t		 col;		/* columns on the current line */
	bool		 fresh;		/* nothing yet after "Name:" */
	size_t		 reserve;	/* columns the caller will glue after
					 * the next tokens (a ',' or ';') */
};

void	 hdr_begin(struct hdr_writer *, struct buf *, const char *name);
/* ws (wslen bytes of blanks; 0: glued to what came before, no fold) then
 * the token. */
void	 hdr_token(struct hdr_writer *, const char *ws, size_t wslen,
	    const char *tok, size_t toklen);
/* Whether a token of len columns after wslen blanks fits on this line. */
bool	 hdr_fits(const struct hdr_writer *, size_t wslen, size_t len);
void	 hdr_end(struct hdr_writer *);

/* RFC 2047 encoded words for s (len bytes, UTF-8), chunked to fit the
 * line, the first after ws and the rest after single spaces (which
 * decoders drop). phrase: only the characters RFC 2047 5(3) allows. */
void	 hdr_encoded_words(struct hdr_writer *, const char *ws, size_t wslen,
	    const char *s, size_t len, bool phrase);

/* Appends text (len bytes, \n or \r\n line ends) with \n line ends and
 * a final \n; flowed: as RFC 3676 format=flowed lines (trailing blanks
 * of typed lines dropped, long lines wrapped with soft breaks, stuffing). */
void	 compose_text_canonical(struct buf *out, const char *text, size_t len,
	    bool flowed);
/* Appends canonical text (\n line ends) in the transfer encoding it
 * needs: 7bit, 8bit (allow_8bit), quoted-printable or base64 (mostly
 * 8-bit text); sets *charset ("us-ascii", "utf-8") and *encoding. */
void	 compose_text_encode(struct buf *out, const char *text, size_t len,
	    bool allow_8bit, const char **charset, const char **encoding);

/* Appends canonical text with CRLF line ends and sets *encoding to
 * "7bit" or "8bit"; false (nothing appended) when it cannot go as it is:
 * a line over 998 octets, NUL or a bare CR. */
bool	 compose_text_plain(struct buf *out, const char *text, size_t len,
	    const char **encoding);

/* Length of the UTF-8 character at p (1 for an invalid byte). */
size_t	 compose_utf8_len(const unsigned char *p, size_t left);
/* Whether s holds only valid UTF-8. */
bool	 compose_utf8_valid(const char *s, size_t len);
/* A copy of s with every C0 control and DEL turned into a space, leading
 * and trailing blanks trimmed, runs of blanks cut to HDR_BLANKS_MAX (so
 * that no run can push a line past the limits). Malloc'd. */
char	*compose_clean(const char *s);
/* Fills buf with n random bytes (getentropy). */
void	 compose_random(void *buf, size_t n);

#endif
