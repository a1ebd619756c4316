/* JSON output: strings escaped, invalid UTF-8 replaced, never raw controls. */
#include <inttypes.h>
#include <string.h>

#include "crispin/json.h"
#include "crispin/str.h"

static void json_comma(struct buf *);

void
json_add_string(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_adds(b, "null");
	else
		json_add_stringn(b, s, strlen(s));
}

void
json_add_stringn(struct buf *b, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	buf_addc(b, '"');
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)p[i++]);
		} else if (p[i] == '\n') {
			buf_adds(b, "\\n"), i++;
		} else if (p[i] == '\t') {
			buf_adds(b, "\\t"), i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			buf_printf(b, "\\u%04x", p[i++]);
		} else if ((n = str_utf8_len(p + i, len - i)) == 0) {
			buf_adds(b, "\\ufffd");
			i++;
		} else {
			buf_add(b, p + i, n);
			i += n;
		}
	}
	buf_addc(b, '"');
}

/* Objects: a comma goes before every field but the first. */
static void
json_comma(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] != '{')
		buf_addc(b, ',');
}

void
json_obj_begin(struct buf *b)
{
	buf_addc(b, '{');
}

void
json_obj_end(struct buf *b)
{
	buf_addc(b, '}');
}

void
json_field_string(struct buf *b, const char *key, const char *val)
{
	json_comma(b);
	json_add_string(b, key);
	buf_addc(b, ':');
	json_add_string(b, val);
}

void
json_field_int(struct buf *b, const char *key, int64_t val)
{
	json_comma(b);
	json_add_string(b, key);
	buf_printf(b, ":%" PRId64, val);
}

void
json_field_null(struct buf *b, const char *key)
{
	json_comma(b);
	json_add_string(b, key);
	buf_adds(b, ":null");
}

void
json_field_bool(struct buf *b, const char *key, int val)
{
	json_comma(b);
	json_add_string(b, key);
	buf_adds(b, val ? ":true" : ":false");
}
