/*
 * libFuzzer target for the MIME writer: the input, cut at NUL bytes, gives
 * the From, To, Cc, Subject, an extra header, a file name, a body and an
 * attachment's bytes (with flags from the first byte). Whatever they hold,
 * the message must have CRLF line ends only, no line over 998 octets, a
 * header of exactly the fields written (nothing a value could inject), and
 * it must parse back with the attachment's bytes intact.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/mime_compose.h"
#include "crispin/mime_decode.h"
#include "crispin/mime_header.h"
#include "crispin/mime_part.h"
#include "crispin/xalloc.h"

#define NFIELDS	8

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check(bool);
static void	 check_lines(const char *, size_t);
static size_t	 count_fields(const char *, size_t);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static void
check_lines(const char *s, size_t len)
{
	size_t	i, start = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r')
			check(i + 1 < len && s[i + 1] == '\n');
		if (s[i] != '\n')
			continue;
		check(i > 0 && s[i - 1] == '\r');
		check(i - 1 - start <= 998);
		start = i + 1;
	}
}

/* Header lines that start a field, up to the empty line. */
static size_t
count_fields(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (i > 0 && s[i - 1] != '\n')
			continue;
		if (s[i] == '\r')
			break;
		if (s[i] != ' ' && s[i] != '\t')
			n++;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_compose	 c;
	struct mime_attachment	 att;
	struct arena		*a;
	struct mime_part	*root, *p;
	struct buf		 out = BUF_INIT, back = BUF_INIT;
	const char		*extra[2] = { NULL, NULL };
	char			*f[NFIELDS], *copy, *s, *error = NULL;
	size_t			 i, n, want;
	unsigned		 flags;

	if (size < 1 || size > 65536)
		return 0;
	flags = data[0];
	copy = xmalloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (i = 0, s = copy; i < NFIELDS; i++) {
		f[i] = s;
		s += strlen(s);
		if (s < copy + size - 1)
			s++;
	}
	memset(&c, 0, sizeof c);
	memset(&att, 0, sizeof att);
	c.from = "Fuzz <fuzz@example.org>";
	c.to = f[0];
	c.cc = f[1];
	c.subject = f[2];
	extra[0] = *f[3] != '\0' ? f[3] : NULL;
	c.extra_headers = extra;
	c.body = f[5];
	c.body_len = strlen(f[5]);
	c.flowed = flags & 1;
	c.allow_8bit = flags & 2;
	c.smtputf8 = flags & 4;
	c.date = 1700000000;
	c.message_id = "<fuzz@example.org>";
	att.data = f[6];
	att.len = (size_t)(copy + size - 1 - f[6]);
	att.filename = f[4];
	att.content_type = flags & 8 ? f[7] : NULL;
	c.attachments = &att;
	c.nattachments = flags & 16 ? 1 : 0;
	if (mime_compose_write(&c, &out, &error) < 0) {
		check(error != NULL && out.len == 0);
		free(error);
		free(copy);
		return 0;
	}
	check_lines(out.data, out.len);
	/* Date, From, Subject, Message-ID, MIME-Version, Content-Type, and
	 * Content-Transfer-Encoding without attachments; To, Cc and the
	 * extra header when given. Only the subject can never fail. */
	want = 5 + (c.nattachments == 0 ? 2 : 1);
	n = count_fields(out.data, out.len);
	check(n >= want && n <= want + 3);
	a = arena_new(0);
	check(mime_parse_message(out.data, out.len, a, NULL, &root, NULL) == 0);
	if (c.nattachments == 1) {
		for (p = root->children; p != NULL && p->next != NULL;
		    p = p->next)
			;
		check(p != NULL);
		mime_decode(p->enc, out.data + p->body_offset, p->body_len,
		    &back);
		/* Text attachments come back with CRLF line ends. */
		if (p->enc == MIME_ENC_BASE64 && !mime_part_is(p, "text", NULL) &&
		    !mime_part_is(p, "message", NULL))
			check(back.len == att.len &&
			    (att.len == 0 || memcmp(back.data, att.data,
			    att.len) == 0));
	}
	arena_free(&a);
	buf_free(&out);
	buf_free(&back);
	free(copy);
	return 0;
}
