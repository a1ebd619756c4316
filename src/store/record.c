/*
 * A cached message's fields that SQL never looks at, packed into one BLOB
 * (the column "record"): SQLite then decodes one column instead of ten.
 *
 * The format, in this order, with nothing after it:
 *   internaldate, date	varints of the zigzag form (small negatives short)
 *   size		varint
 *   from, to, cc, subject, message_id, in_reply_to, references
 *			each a varint: 0 for NULL, else its length + 1;
 *			then its bytes and a NUL
 * A varint is LEB128: 7 bits a byte, least significant first, the high bit
 * set on every byte but the last, at most 10 bytes for 64 bits. The NUL
 * lets a decoded string point into the blob itself, valid as long as the
 * blob is. An empty blob is a record with nothing known (the placeholders
 * of moved messages' parts). Decoding checks every length against the end
 * and every NUL, and refuses what is left over.
 */
#include <stdint.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/store.h"
#include "store_p.h"

#define VARINT_MAX	10

static uint64_t	 zigzag(int64_t);
static int64_t	 unzigzag(uint64_t);
static void	 put_varint(struct buf *, uint64_t);
static void	 put_string(struct buf *, const char *);
static inline int get_varint(const unsigned char **, const unsigned char *,
		    uint64_t *, const char **);
static int	 get_long_varint(const unsigned char **, const unsigned char *,
		    uint64_t *, const char **);
static int	 get_string(const unsigned char **, const unsigned char *,
		    const char **, const char **);

/* 0, -1, 1, -2... as 0, 1, 2, 3...: a date before 1970 stays short. */
static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static int64_t
unzigzag(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

static void
put_varint(struct buf *b, uint64_t v)
{
	unsigned char	 out[VARINT_MAX];
	size_t		 n = 0;

	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	buf_add(b, out, n);
}

static void
put_string(struct buf *b, const char *s)
{
	size_t	 len;

	if (s == NULL) {
		put_varint(b, 0);
		return;
	}
	len = strlen(s);
	put_varint(b, (uint64_t)len + 1);
	buf_add(b, s, len + 1);		/* with its NUL */
}

void
store_record_pack(struct buf *b, const struct store_msg *m)
{
	const char	*text[] = { m->from, m->to, m->cc, m->subject,
			    m->message_id, m->in_reply_to, m->references };
	size_t		 i;

	buf_reset(b);
	put_varint(b, zigzag(m->internaldate));
	put_varint(b, zigzag(m->date));
	put_varint(b, m->size);
	for (i = 0; i < sizeof text / sizeof text[0]; i++)
		put_string(b, text[i]);
}

/* Most numbers, string lengths above all, are one byte: that case inline. */
static inline int
get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *v_r,
    const char **why_r)
{
	if (*pp != end && **pp < 0x80) {
		*v_r = *(*pp)++;
		return 0;
	}
	return get_long_varint(pp, end, v_r, why_r);
}

static int
get_long_varint(const unsigned char **pp, const unsigned char *end,
    uint64_t *v_r, const char **why_r)
{
	const unsigned char	*p = *pp;
	uint64_t		 v = 0;
	unsigned		 shift;

	for (shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
		if (p == end) {
			*why_r = "it ends inside a number";
			return -1;
		}
		/* The tenth byte has room for the 64th bit only. */
		if (shift == 63 && *p > 1)
			break;
		v |= (uint64_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0) {
			*pp = p;
			*v_r = v;
			return 0;
		}
	}
	*why_r = "a number is too long";
	return -1;
}

static int
get_string(const unsigned char **pp, const unsigned char *end, const char **s_r,
    const char **why_r)
{
	uint64_t	 n;

	if (get_varint(pp, end, &n, why_r) == -1)
		return -1;
	if (n == 0) {
		*s_r = NULL;
		return 0;
	}
	/* n - 1 bytes and the NUL. */
	if (n > (uint64_t)(end - *pp)) {
		*why_r = "a string runs past its end";
		return -1;
	}
	if ((*pp)[n - 1] != '\0') {
		*why_r = "a string has no NUL";
		return -1;
	}
	*s_r = (const char *)*pp;
	*pp += n;
	return 0;
}

int
store_record_unpack(const void *data, size_t len, struct store_msg *m,
    const char **why_r)
{
	const char	**text[] = { &m->from, &m->to, &m->cc, &m->subject,
			    &m->message_id, &m->in_reply_to, &m->references };
	const unsigned char *p = data, *end;
	uint64_t	 idate, date;
	size_t		 i;

	/* SQLite gives NULL for an empty blob: no arithmetic on it. */
	if (len == 0) {
		m->internaldate = m->date = 0;
		m->size = 0;
		for (i = 0; i < sizeof text / sizeof text[0]; i++)
			*text[i] = NULL;
		return 0;
	}
	end = p + len;
	if (get_varint(&p, end, &idate, why_r) == -1 ||
	    get_varint(&p, end, &date, why_r) == -1 ||
	    get_varint(&p, end, &m->size, why_r) == -1)
		return -1;
	m->internaldate = unzigzag(idate);
	m->date = unzigzag(date);
	for (i = 0; i < sizeof text / sizeof text[0]; i++)
		if (get_string(&p, end, text[i], why_r) == -1)
			return -1;
	if (p != end) {
		*why_r = "it has bytes after its end";
		return -1;
	}
	return 0;
}
