/*
 * libFuzzer target for the cache's packed records (src/store/record.c):
 * bytes from a damaged or hostile cache file. Unpacking must refuse them
 * with a reason or give strings that lie inside the bytes and end there;
 * what it accepts, packed again, must read back the same and be no longer
 * than the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/store.h"
#include "../../src/store/store_p.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 strings(const struct store_msg *, const char **);
static void	 check_inside(const char *, const uint8_t *, size_t);

static void
strings(const struct store_msg *m, const char **out)
{
	out[0] = m->from;
	out[1] = m->to;
	out[2] = m->cc;
	out[3] = m->subject;
	out[4] = m->message_id;
	out[5] = m->in_reply_to;
	out[6] = m->references;
}

/* A decoded string must start inside the bytes and find its NUL there. */
static void
check_inside(const char *s, const uint8_t *data, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;

	if (s == NULL)
		return;
	if (p < data || p >= data + len ||
	    memchr(p, '\0', (size_t)(data + len - p)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct store_msg	 m, again;
	struct buf		 b = BUF_INIT;
	const char		*why = NULL, *s[7], *t[7];
	size_t			 i;

	memset(&m, 0, sizeof m);
	if (store_record_unpack(data, len, &m, &why) == -1) {
		if (why == NULL || why[0] == '\0')
			abort();
		return 0;
	}
	strings(&m, s);
	for (i = 0; i < 7; i++)
		check_inside(s[i], data, len);

	/* Packed again (minimal numbers, strings to their first NUL). */
	store_record_pack(&b, &m);
	if (b.len > len && len > 0)
		abort();
	memset(&again, 0, sizeof again);
	if (store_record_unpack(b.data, b.len, &again, &why) == -1)
		abort();
	strings(&again, t);
	if (again.internaldate != m.internaldate || again.date != m.date ||
	    again.size != m.size)
		abort();
	for (i = 0; i < 7; i++) {
		if ((s[i] == NULL) != (t[i] == NULL) ||
		    (s[i] != NULL && strcmp(s[i], t[i]) != 0))
			abort();
	}
	buf_free(&b);
	return 0;
}
