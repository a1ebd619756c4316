/*
 * libFuzzer target for header text: the input is parsed as a header
 * block, and every value then goes through encoded words, Content-Type
 * and Content-Disposition, address lists and dates, as if each header
 * were any of them. The first line also names a charset for the rest.
 * Every text handed out must be valid UTF-8.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_date.h"
#include "crispin/mime_header.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check(bool);
static void	 check_utf8(const char *);
static void	 check_params(const struct mime_param *, size_t);
static void	 one_value(const char *, struct arena *);

static const char *const assumed[] = {
	NULL, "koi8-r", "shift_jis", "utf-8", "bogus",
};

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static void
check_utf8(const char *s)
{
	struct buf	 b = BUF_INIT;
	size_t		 n;

	if (s == NULL)
		return;
	n = strlen(s);
	mime_utf8_sanitize(&b, s, n);
	check(b.len == n && memcmp(b.data != NULL ? b.data : "", s, n) == 0);
	buf_free(&b);
}

static void
check_params(const struct mime_param *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		check(p[i].name != NULL && p[i].value != NULL);
		if (strcmp(p[i].name, "boundary") != 0)
			check_utf8(p[i].value);
	}
}

static void
one_value(const char *v, struct arena *arena)
{
	struct buf		 b = BUF_INIT;
	struct mime_ctype	 ct;
	struct mime_param	*params;
	struct mime_addr	*addrs;
	const char		*disp;
	size_t			 n, i;
	time_t			 t;
	int			 tz;
	char			 stamp[32];

	mime_decode_words(&b, v, assumed[strlen(v) % 5]);
	check_utf8(buf_cstr(&b));

	mime_ctype_parse(v, arena, &ct);
	check(ct.type != NULL && ct.subtype != NULL);
	check_params(ct.params, ct.nparams);
	mime_disposition_parse(v, arena, &disp, &params, &n);
	check(disp != NULL);
	check_params(params, n);

	mime_addr_parse(v, arena, &addrs, &n);
	buf_reset(&b);
	for (i = 0; i < n; i++) {
		check_utf8(addrs[i].name);
		check_utf8(addrs[i].mailbox);
		check_utf8(addrs[i].group);
		mime_addr_format(&b, &addrs[i]);
	}
	check_utf8(buf_cstr(&b));

	if (mime_date_parse(v, &t, &tz) == 0) {
		check(tz >= -(99 * 60 + 59) && tz <= 99 * 60 + 59);
		mime_date_rfc3339(stamp, t, tz);
		check(strlen(stamp) < 32);
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*arena = arena_new(0);
	struct mime_headers	 h;
	struct buf		 b = BUF_INIT;
	const char		*raw = (const char *)data;
	const char		*nl;
	char			*label, *copy;
	size_t			 consumed, i;

	mime_headers_parse(raw, size, arena, &h, &consumed);
	check(consumed <= size);
	for (i = 0; i < h.count; i++) {
		check(h.items[i].name != NULL && h.items[i].value != NULL);
		check(mime_header_get(&h, h.items[i].name) != NULL);
		one_value(h.items[i].value, arena);
	}

	/* The whole input as one value, and as a charset conversion. */
	copy = strndup(raw, size);
	one_value(copy, arena);
	free(copy);
	nl = memchr(raw, '\n', size);
	if (nl != NULL) {
		label = strndup(raw, (size_t)(nl - raw));
		mime_charset_known(label);
		mime_charset_to_utf8(label, nl + 1,
		    size - (size_t)(nl + 1 - raw), &b);
		check_utf8(buf_cstr(&b));
		check(strlen(buf_cstr(&b)) == b.len || memchr(nl + 1, 0,
		    size - (size_t)(nl + 1 - raw)) != NULL);
		free(label);
	}
	buf_free(&b);
	arena_free(&arena);
	return 0;
}
