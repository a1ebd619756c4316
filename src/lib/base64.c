/* Base64 (RFC 4648): strict decoding, as SASL requires. */
#include <stdint.h>

#include "crispin/base64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


int
base64_char_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

void
base64_encode(struct buf *out, const void *in, size_t len)
{
	const unsigned char	*p = in;
	char			 q[4];
	uint32_t		 v;
	size_t			 i;

	buf_reserve(out, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		q[0] = b64_alphabet[v >> 18];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = b64_alphabet[(v >> 6) & 63];
		q[3] = b64_alphabet[v & 63];
		buf_add(out, q, 4);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64_alphabet[v >> 18];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(out, q, 4);
	}
}

int
base64_decode(struct buf *out, const char *in, size_t len)
{
	unsigned char	 bytes[3];
	size_t		 i, start = out->len;
	int		 v[4], k, pad;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = base64_char_value((unsigned char)in[i + k])) < 0)
				goto bad;
		}
		bytes[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		bytes[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		bytes[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		/* Non-zero bits under the padding mean a non-canonical encoding. */
		if ((pad == 2 && (v[1] & 15) != 0) || (pad == 1 && (v[2] & 3) != 0))
			goto bad;
		buf_add(out, bytes, 3 - pad);
	}
	return 0;
bad:
	buf_truncate(out, start);
	return -1;
}
