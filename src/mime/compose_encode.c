/*
 * Body encoders of the MIME writer (quoted-printable, base64 in lines)
 * and the small byte helpers the other compose files share.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/base64.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

/* Quoted-printable lines hold at most this many characters (RFC 2045). */
#define QP_LINE_MAX	76

struct qp_state {
	struct buf	*out;
	size_t		 col;
};

static void	 qp_put(struct qp_state *, const char *, size_t, bool);
static void	 qp_line(struct qp_state *, const unsigned char *, size_t);
static bool	 qp_literal(unsigned char);

static const char hexdigits[] = "0123456789ABCDEF";

size_t
compose_utf8_len(const unsigned char *p, size_t left)
{
	size_t	 n = str_utf8_len(p, left);

	/* A stray byte counts alone, so that it is never split either. */
	return n != 0 ? n : 1;
}

bool
compose_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (i < len) {
		n = compose_utf8_len(p + i, len - i);
		if (n == 1 && p[i] >= 0x80)
			return false;
		i += n;
	}
	return true;
}

char *
compose_clean(const char *s)
{
	char	*copy, *p, *q;
	size_t	 blanks = 0;

	copy = xstrdup(s);
	for (p = q = copy; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
		if (*p == ' ' && (q == copy || ++blanks > HDR_BLANKS_MAX))
			continue;
		if (*p != ' ')
			blanks = 0;
		*q++ = *p;
	}
	while (q > copy && q[-1] == ' ')
		q--;
	*q = '\0';
	return copy;
}

void
compose_random(void *buf, size_t n)
{
	unsigned char	*p = buf;
	size_t		 chunk, i;
	uint64_t	 x;

	while (n > 0) {
		chunk = n > 256 ? 256 : n;
		if (getentropy(p, chunk) != 0) {
			/* No kernel entropy (very old system): still unique
			 * enough for boundaries, which must only not collide. */
			x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			    (uint64_t)(uintptr_t)p ^ (uint64_t)clock();
			for (i = 0; i < chunk; i++) {
				x = x * 6364136223846793005ULL +
				    1442695040888963407ULL;
				p[i] = (unsigned char)(x >> 56);
			}
		}
		p += chunk;
		n -= chunk;
	}
}

/* Printable ASCII other than '=' is written as it is. */
static bool
qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/*
 * Appends one output unit (a literal byte or "=XX"); a soft break comes
 * first when the line is full. last: the unit ends an input line, so it
 * may take the last column that a soft break would otherwise need.
 */
static void
qp_put(struct qp_state *qp, const char *unit, size_t len, bool last)
{
	size_t	limit = last ? QP_LINE_MAX : QP_LINE_MAX - 1;

	if (qp->col + len > limit) {
		buf_add(qp->out, "=\r\n", 3);
		qp->col = 0;
	}
	buf_add(qp->out, unit, len);
	qp->col += len;
}

/* Encodes one line of text without its line end. */
static void
qp_line(struct qp_state *qp, const unsigned char *p, size_t len)
{
	char	 unit[3];
	size_t	 i;
	bool	 last, literal, at_start;

	for (i = 0; i < len; i++) {
		last = i + 1 == len;
		/* A blank before a soft break is fine; at the end of the line
		 * it would be trailing, which transports may strip. */
		literal = qp_literal(p[i]) ||
		    ((p[i] == ' ' || p[i] == '\t') && !last);
		/* The unit may land at the start of an output line, where
		 * "From " and "." are at risk from mbox and SMTP. */
		at_start = qp->col == 0 ||
		    qp->col + 1 > (last ? QP_LINE_MAX : QP_LINE_MAX - 1);
		if (literal && at_start && (p[i] == '.' || (p[i] == 'F' &&
		    len - i >= 5 && memcmp(p + i, "From ", 5) == 0)))
			literal = false;
		if (literal) {
			unit[0] = (char)p[i];
			qp_put(qp, unit, 1, last);
		} else {
			unit[0] = '=';
			unit[1] = hexdigits[p[i] >> 4];
			unit[2] = hexdigits[p[i] & 0x0f];
			qp_put(qp, unit, 3, last);
		}
	}
}

void
mime_encode_qp(struct buf *out, const void *data, size_t len, bool text)
{
	const unsigned char	*p = data;
	struct qp_state		 qp = { out, 0 };
	size_t			 start = 0, i, end;

	if (!text) {
		qp_line(&qp, p, len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		end = i > start && p[i - 1] == '\r' ? i - 1 : i;
		qp_line(&qp, p + start, end - start);
		buf_add(out, "\r\n", 2);
		qp.col = 0;
		start = i + 1;
	}
	if (start < len)
		qp_line(&qp, p + start, len - start);
}

void
mime_encode_base64_lines(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 n;

	/* 57 bytes make exactly 76 characters. */
	while (len > 0) {
		n = len > 57 ? 57 : len;
		base64_encode(out, p, n);
		buf_add(out, "\r\n", 2);
		p += n;
		len -= n;
	}
}
