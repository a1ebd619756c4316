/*
 * Transfer decoders. Base64 skips every byte outside the alphabet and
 * treats '=' as the end of one quantum, so concatenated encodings decode
 * too. Quoted-printable keeps a bad escape literally and strips the
 * blanks a transport may have added at line ends.
 */
#include <string.h>
#include <strings.h>

#include "crispin/base64.h"
#include "crispin/mime_decode.h"

/* QP states. */
enum {
	QP_TEXT,		/* pend holds blanks/CR that may be trailing */
	QP_EQ,			/* after '=' */
	QP_EQ_HEX,		/* after '=' and one hex digit (in hex) */
	QP_EQ_BLANK,		/* after '=' and blanks (in pend): soft break? */
};

static const struct {
	const char		*name;
	enum mime_encoding	 enc;
} encodings[] = {
	{ "7bit", MIME_ENC_7BIT },
	{ "8bit", MIME_ENC_8BIT },
	{ "binary", MIME_ENC_BINARY },
	{ "quoted-printable", MIME_ENC_QP },
	{ "base64", MIME_ENC_BASE64 },
	{ "unknown", MIME_ENC_UNKNOWN },
};

static int	hex_value(unsigned char);
static void	b64_feed(struct mime_decoder *, const unsigned char *, size_t,
		    struct buf *);
static void	b64_end_quantum(struct mime_decoder *, struct buf *);
static void	qp_feed(struct mime_decoder *, const unsigned char *, size_t,
		    struct buf *);

enum mime_encoding
mime_encoding_from_name(const char *name)
{
	size_t	 i, len;

	if (name == NULL)
		return MIME_ENC_7BIT;
	while (*name == ' ' || *name == '\t')
		name++;
	len = strlen(name);
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if (len == 0)
		return MIME_ENC_7BIT;
	for (i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
		if (strlen(encodings[i].name) == len &&
		    strncasecmp(encodings[i].name, name, len) == 0)
			return encodings[i].enc;
	}
	return MIME_ENC_UNKNOWN;
}

const char *
mime_encoding_name(enum mime_encoding enc)
{
	size_t	 i;

	for (i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
		if (encodings[i].enc == enc)
			return encodings[i].name;
	}
	return "unknown";
}

void
mime_decoder_init(struct mime_decoder *d, enum mime_encoding enc)
{
	memset(d, 0, sizeof *d);
	d->enc = enc;
	d->state = QP_TEXT;
	buf_init(&d->pend);
}

void
mime_decoder_feed(struct mime_decoder *d, const void *in, size_t len,
    struct buf *out)
{
	switch (d->enc) {
	case MIME_ENC_BASE64:
		b64_feed(d, in, len, out);
		break;
	case MIME_ENC_QP:
		qp_feed(d, in, len, out);
		break;
	default:
		buf_add(out, in, len);
		break;
	}
}

void
mime_decoder_flush(struct mime_decoder *d, struct buf *out)
{
	if (d->enc == MIME_ENC_BASE64)
		b64_end_quantum(d, out);
	else if (d->enc == MIME_ENC_QP) {
		switch (d->state) {
		case QP_EQ_HEX:
			buf_addc(out, '=');
			buf_addc(out, (char)d->hex);
			break;
		default:
			/* Trailing blanks at the end, or "=" (+ blanks) ending
			 * the last line: a soft break; both dropped. */
			break;
		}
	}
	buf_free(&d->pend);
	d->state = QP_TEXT;
	d->nbits = d->bits = 0;
}

void
mime_decode(enum mime_encoding enc, const void *in, size_t len, struct buf *out)
{
	struct mime_decoder	 d;

	mime_decoder_init(&d, enc);
	mime_decoder_feed(&d, in, len, out);
	mime_decoder_flush(&d, out);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void
b64_feed(struct mime_decoder *d, const unsigned char *p, size_t len,
    struct buf *out)
{
	unsigned char	 q[3];
	size_t		 i;
	int		 v;

	for (i = 0; i < len; i++) {
		if (p[i] == '=') {
			b64_end_quantum(d, out);
			continue;
		}
		if ((v = base64_char_value(p[i])) < 0)
			continue;
		d->bits = d->bits << 6 | (unsigned)v;
		if (++d->nbits == 4) {
			q[0] = (unsigned char)(d->bits >> 16);
			q[1] = (unsigned char)(d->bits >> 8);
			q[2] = (unsigned char)d->bits;
			buf_add(out, q, 3);
			d->bits = d->nbits = 0;
		}
	}
}

/* Padding or the end: whole bytes in a short quantum are kept, a lone
 * sextet (never valid) is dropped. */
static void
b64_end_quantum(struct mime_decoder *d, struct buf *out)
{
	if (d->nbits == 2)
		buf_addc(out, (char)(d->bits >> 4));
	else if (d->nbits == 3) {
		buf_addc(out, (char)(d->bits >> 10));
		buf_addc(out, (char)(d->bits >> 2));
	}
	d->bits = d->nbits = 0;
}

static void
qp_feed(struct mime_decoder *d, const unsigned char *p, size_t len,
    struct buf *out)
{
	size_t	 i;
	int	 v;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		switch (d->state) {
		case QP_EQ:
			if ((v = hex_value(c)) >= 0) {
				d->hex = c;
				d->state = QP_EQ_HEX;
			} else if (c == '\n')
				d->state = QP_TEXT;	/* soft line break */
			else if (c == ' ' || c == '\t' || c == '\r') {
				buf_addc(&d->pend, (char)c);
				d->state = QP_EQ_BLANK;
			} else {
				buf_addc(out, '=');	/* bare '=' kept */
				d->state = QP_TEXT;
				i--;
			}
			continue;
		case QP_EQ_HEX:
			if ((v = hex_value(c)) >= 0)
				buf_addc(out, (char)(hex_value(d->hex) << 4 | v));
			else {
				buf_addc(out, '=');
				buf_addc(out, (char)d->hex);
				i--;
			}
			d->state = QP_TEXT;
			continue;
		case QP_EQ_BLANK:
			if (c == ' ' || c == '\t' || c == '\r') {
				buf_addc(&d->pend, (char)c);
				continue;
			}
			if (c != '\n') {
				/* Not a soft break after all. */
				buf_addc(out, '=');
				buf_add(out, d->pend.data, d->pend.len);
				i--;
			}
			buf_reset(&d->pend);
			d->state = QP_TEXT;
			continue;
		default:
			break;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			buf_addc(&d->pend, (char)c);
			continue;
		}
		if (c == '\n') {
			if (d->pend.len > 0 && d->pend.data[d->pend.len - 1] == '\r')
				buf_addc(out, '\r');
			buf_reset(&d->pend);
			buf_addc(out, '\n');
			continue;
		}
		if (d->pend.len > 0) {
			buf_add(out, d->pend.data, d->pend.len);
			buf_reset(&d->pend);
		}
		if (c == '=')
			d->state = QP_EQ;
		else
			buf_addc(out, (char)c);
	}
}
