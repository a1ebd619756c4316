/*
 * What a sender needs from the message itself: header values, the
 * message without Bcc, DATA encoding, and smtp_url.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/smtp_client.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

static size_t header_end(const char *, size_t);
static size_t field_end(const char *, size_t, size_t);
static bool field_is(const char *, size_t, size_t, const char *);
static int percent_decode(const char *, size_t, char **);

/* Offset just past the blank line that ends the header (or len). */
static size_t
header_end(const char *data, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		if (data[i] == '\n')
			return i + 1;
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			return i + 2;
		while (i < len && data[i] != '\n')
			i++;
		if (i < len)
			i++;
	}
	return len;
}

/* End of the field starting at off: its last line plus continuations. */
static size_t
field_end(const char *data, size_t len, size_t off)
{
	size_t	i = off;

	for (;;) {
		while (i < len && data[i] != '\n')
			i++;
		if (i < len)
			i++;
		if (i >= len || (data[i] != ' ' && data[i] != '\t'))
			return i;
	}
}

static bool
field_is(const char *data, size_t off, size_t end, const char *name)
{
	size_t	n = strlen(name);

	return end - off > n && data[off + n] == ':' &&
	    strncasecmp(data + off, name, n) == 0;
}

size_t
smtp_header_values(const char *data, size_t len, const char *name,
    char ***values, size_t *count)
{
	struct buf	v = BUF_INIT;
	size_t		hend = header_end(data, len), off = 0, end, i, added = 0;

	while (off < hend) {
		end = field_end(data, hend, off);
		if (field_is(data, off, end, name)) {
			/* Unfolding: CR and LF go, the whitespace after stays. */
			for (i = off + strlen(name) + 1; i < end; i++) {
				if (data[i] != '\r' && data[i] != '\n')
					buf_addc(&v, data[i]);
			}
			*values = xreallocarray(*values, *count + 1, sizeof **values);
			(*values)[(*count)++] = buf_steal(&v);
			added++;
		}
		off = end;
	}
	buf_free(&v);
	return added;
}

void
smtp_strip_bcc(const char *data, size_t len, struct buf *out)
{
	size_t	hend = header_end(data, len), off = 0, end;

	while (off < hend) {
		end = field_end(data, hend, off);
		if (!field_is(data, off, end, "Bcc"))
			buf_add(out, data + off, end - off);
		off = end;
	}
	buf_add(out, data + hend, len - hend);
}

void
smtp_dot_stuff(const char *data, size_t len, struct buf *out)
{
	size_t	i = 0, e;

	buf_reserve(out, len + len / 32 + 8);
	while (i < len) {
		if (data[i] == '.')
			buf_addc(out, '.');
		for (e = i; e < len && data[e] != '\r' && data[e] != '\n'; e++)
			;
		buf_add(out, data + i, e - i);
		buf_add(out, "\r\n", 2);
		/* CRLF, a bare LF, or a bare CR all end a line. */
		if (e < len && data[e] == '\r' && e + 1 < len && data[e + 1] == '\n')
			e++;
		i = e + 1;
	}
	buf_add(out, ".\r\n", 3);
}

bool
smtp_has_8bit(const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return true;
	}
	return false;
}

static int
percent_decode(const char *s, size_t len, char **out)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;
	unsigned long	 v;
	char		 hex[3] = { 0, 0, 0 };

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			buf_addc(&b, s[i]);
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		if (strspn(hex, "0123456789abcdefABCDEF") != 2 ||
		    (v = strtoul(hex, NULL, 16)) == 0)
			goto bad;
		buf_addc(&b, (char)v);
		i += 2;
	}
	*out = buf_steal(&b);
	return 0;
bad:
	buf_free(&b);
	return -1;
}

int
smtp_url_parse(const char *url, struct smtp_url *u, char **error_r)
{
	const char	*p, *at = NULL, *hostend, *end;
	uint64_t	 port;
	size_t		 i;

	memset(u, 0, sizeof *u);
	if (str_has_iprefix(url, "smtps://")) {
		u->implicit_tls = true;
		p = url + 8;
	} else if (str_has_iprefix(url, "smtp://"))
		p = url + 7;
	else {
		*error_r = xasprintf("smtp_url '%s' must start with smtps:// or smtp://", url);
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		*error_r = xasprintf("smtp_url '%s': nothing may follow the host and port",
		    url);
		return -1;
	}
	/* The last '@' ends the user name, which may hold one itself. */
	for (i = 0; p + i < end; i++) {
		if (p[i] == '@')
			at = p + i;
	}
	if (at != NULL) {
		if (at == p || percent_decode(p, (size_t)(at - p), &u->user) < 0) {
			*error_r = xasprintf("smtp_url '%s': bad user name", url);
			goto fail;
		}
		p = at + 1;
	}
	if (*p == '[') {
		if ((hostend = memchr(p, ']', (size_t)(end - p))) == NULL) {
			*error_r = xasprintf("smtp_url '%s': missing ']' after an IPv6 "
			    "address", url);
			goto fail;
		}
		u->host = xstrndup(p + 1, (size_t)(hostend - p - 1));
		p = hostend + 1;
	} else {
		hostend = p + strcspn(p, ":/");
		if (hostend > end)
			hostend = end;
		u->host = xstrndup(p, (size_t)(hostend - p));
		p = hostend;
	}
	if (u->host[0] == '\0') {
		*error_r = xasprintf("smtp_url '%s': missing host name", url);
		goto fail;
	}
	if (p < end && *p == ':') {
		p++;
		if (str_to_u64(p, (size_t)(end - p), 65535, &port) < 0 || port == 0) {
			*error_r = xasprintf("smtp_url '%s': bad port", url);
			goto fail;
		}
		u->port = xstrndup(p, (size_t)(end - p));
	} else if (p < end) {
		*error_r = xasprintf("smtp_url '%s': unexpected '%c' after the host", url, *p);
		goto fail;
	} else
		u->port = xstrdup(u->implicit_tls ? "465" : "587");
	return 0;
fail:
	smtp_url_free(u);
	return -1;
}

void
smtp_url_free(struct smtp_url *u)
{
	x_free(&u->host);
	x_free(&u->port);
	x_free(&u->user);
}
