/* Header blocks (RFC 5322 2.2): fields, folding, and the empty line. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/buf.h"
#include "crispin/mime_header.h"
#include "crispin/xalloc.h"

struct line {
	const char	*text;		/* without CR LF */
	size_t		 len;
	size_t		 next;		/* offset after the line end */
};

static bool	 next_line(const char *, size_t, size_t, struct line *);
static bool	 valid_name(const char *, size_t);
static void	 add_field(struct arena *, struct mime_header **, size_t *,
		    size_t *, struct buf *, size_t);

/* Finds the line starting at pos; false at the end of the data. */
static bool
next_line(const char *raw, size_t len, size_t pos, struct line *l)
{
	const char	*nl;
	size_t		 n;

	if (pos >= len)
		return false;
	l->text = raw + pos;
	nl = memchr(raw + pos, '\n', len - pos);
	if (nl == NULL) {
		n = len - pos;
		l->next = len;
	} else {
		n = (size_t)(nl - (raw + pos));
		l->next = pos + n + 1;
	}
	if (n > 0 && l->text[n - 1] == '\r')
		n--;
	l->len = n;
	return true;
}

/* Field names are printable ASCII without colon (RFC 5322 3.6.8). */
static bool
valid_name(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
			return false;
	}
	return true;
}

/* field holds "name\0value": splits it into one arena item. */
static void
add_field(struct arena *arena, struct mime_header **items, size_t *count,
    size_t *cap, struct buf *field, size_t name_len)
{
	struct mime_header	*h;
	size_t			 v = name_len + 1;

	/* A value that starts on a continuation line: drop its WSP too. */
	while (v < field->len && (field->data[v] == ' ' ||
	    field->data[v] == '\t'))
		v++;
	if (*count == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		*items = xreallocarray(*items, *cap, sizeof(**items));
	}
	h = &(*items)[(*count)++];
	h->name = arena_strndup(arena, field->data, name_len);
	h->value = arena_strndup(arena, field->data + v, field->len - v);
}

int
mime_headers_parse(const char *raw, size_t len, struct arena *arena,
    struct mime_headers *h, size_t *consumed)
{
	struct mime_header	*items = NULL;
	struct buf		 field = BUF_INIT;
	struct line		 l;
	size_t			 count = 0, cap = 0, pos = 0, bytes = 0;
	size_t			 name_len = 0, n, i;
	const char		*colon;
	bool			 open = false, ended = false, full = false;

	memset(h, 0, sizeof(*h));
	while (next_line(raw, len, pos, &l)) {
		pos = l.next;
		if (l.len == 0) {
			ended = true;
			break;
		}
		bytes += l.len + 2;
		if (bytes > MIME_HEADER_MAX_BYTES ||
		    count + (open ? 1 : 0) >= MIME_HEADER_MAX_FIELDS)
			full = true;
		if (l.text[0] == ' ' || l.text[0] == '\t') {
			/* Unfolding removes the line break, keeps the WSP. */
			if (open && !full)
				buf_add(&field, l.text, l.len);
			else if (!open)
				h->broken++;
			continue;
		}
		if (open && count < MIME_HEADER_MAX_FIELDS)
			add_field(arena, &items, &count, &cap, &field,
			    name_len);
		open = false;
		if (full)
			continue;
		colon = memchr(l.text, ':', l.len);
		n = colon == NULL ? 0 : (size_t)(colon - l.text);
		/* obs-optional allows WSP before the colon. */
		while (n > 0 && (l.text[n - 1] == ' ' || l.text[n - 1] == '\t'))
			n--;
		if (colon == NULL || !valid_name(l.text, n)) {
			h->broken++;
			continue;
		}
		buf_reset(&field);
		buf_add(&field, l.text, n);
		buf_addc(&field, '\0');
		name_len = n;
		i = (size_t)(colon - l.text) + 1;
		while (i < l.len && (l.text[i] == ' ' || l.text[i] == '\t'))
			i++;
		buf_add(&field, l.text + i, l.len - i);
		open = true;
	}
	if (open && count < MIME_HEADER_MAX_FIELDS)
		add_field(arena, &items, &count, &cap, &field, name_len);
	buf_free(&field);
	if (count > 0) {
		h->items = arena_array(arena, count, sizeof(*items));
		memcpy(h->items, items, count * sizeof(*items));
		h->count = count;
	}
	free(items);
	if (consumed != NULL)
		*consumed = ended ? pos : len;
	return count == 0 && !ended ? -1 : 0;
}

const char *
mime_header_get(const struct mime_headers *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->count; i++) {
		if (strcasecmp(h->items[i].name, name) == 0)
			return h->items[i].value;
	}
	return NULL;
}
