/* Base64 (RFC 4648) for SASL and later MIME. */
#ifndef CRISPIN_BASE64_H
#define CRISPIN_BASE64_H

#include <stddef.h>
#include "crispin/buf.h"

/* Appends the encoding of in to out (no line breaks). */
void	base64_encode(struct buf *out, const void *in, size_t len);
/* The 6-bit value of a character of the standard alphabet, or -1. */
int	base64_char_value(unsigned char);
/* Strict decode (SASL): any byte outside the alphabet or bad padding is -1. */
int	base64_decode(struct buf *out, const char *in, size_t len);

#endif
