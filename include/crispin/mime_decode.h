/*
 * Content-Transfer-Encoding decoders (RFC 2045 6), streaming: feed chunks
 * of any size, then flush once at the end. Output is appended to a buf.
 * Broken input is decoded as well as it can be, never rejected: the
 * tolerated forms are listed in doc/violations.md. Feeding one byte at a
 * time gives the same output as feeding everything at once.
 */
#ifndef CRISPIN_MIME_DECODE_H
#define CRISPIN_MIME_DECODE_H

#include <stddef.h>

#include "crispin/buf.h"

enum mime_encoding {
	MIME_ENC_7BIT = 0,
	MIME_ENC_8BIT,
	MIME_ENC_BINARY,
	MIME_ENC_QP,
	MIME_ENC_BASE64,
	MIME_ENC_UNKNOWN,	/* x-uuencode, garbage: passed through */
};

/* Case-insensitive, surrounding blanks ignored; NULL or "" is 7bit. */
enum mime_encoding mime_encoding_from_name(const char *);
/* Lower-case name: "7bit", "quoted-printable", ... ("unknown"). */
const char *mime_encoding_name(enum mime_encoding);

/* Caller-allocated; no field is for the caller to touch. */
struct mime_decoder {
	enum mime_encoding enc;
	int		 state;
	unsigned	 bits;		/* base64: sextets gathered */
	unsigned	 nbits;		/* base64: how many */
	unsigned char	 hex;		/* QP: first hex digit seen after '=' */
	struct buf	 pend;		/* QP: blanks that may be trailing */
};

void	mime_decoder_init(struct mime_decoder *, enum mime_encoding);
void	mime_decoder_feed(struct mime_decoder *, const void *, size_t, struct buf *out);
/* Ends the stream: emits what was held back and releases the decoder
 * (init again to reuse it). Must be called once per init. */
void	mime_decoder_flush(struct mime_decoder *, struct buf *out);

/* One-shot: decodes a whole body. */
void	mime_decode(enum mime_encoding, const void *, size_t, struct buf *out);

#endif
