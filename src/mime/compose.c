/*
 * The MIME writer: a whole message from what the user typed and attached.
 * Every part is encoded first, so the multipart boundary can be checked
 * against all of them; the message is appended only when nothing failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/fdio.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_compose.h"
#include "crispin/mime_header.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

/* Attachments are read whole; past this the user is told to link it. */
#define ATTACHMENT_MAX	((size_t)1 << 30)

/* Fields the caller's extra headers may not repeat (always refused),
 * because they would contradict the body or leak Bcc. */
static const char *const reserved_fields[] = {
	"Bcc", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"Content-Disposition", "Content-Description", "Content-ID", "Date",
	"Message-ID", NULL
};

static int	 read_file(const char *, struct buf *, char **);
static void	 add_date(struct buf *, int64_t);
static const char *addr_domain(const char *, struct arena *);
static bool	 plain_domain(const char *);
static char	*default_domain(void);
static int	 add_raw_words(struct buf *, const char *, const char *,
		    char **);
static bool	 field_written(const struct mime_compose *, const char *,
		    size_t);
static int	 add_extra(struct buf *, const struct mime_compose *,
		    const char *, char **);
static bool	 is_token(const char *);
static int	 attachment_part(struct buf *, const struct mime_compose *,
		    const struct mime_attachment *, char **);
static void	 text_part(struct buf *, const struct mime_compose *);
static bool	 occurs(const struct buf *, size_t, const char *);

static int
read_file(const char *path, struct buf *out, char **error_r)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*error_r = xasprintf("cannot attach %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*error_r = xasprintf("cannot attach %s: not a regular file",
		    path);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > ATTACHMENT_MAX) {
		*error_r = xasprintf("cannot attach %s: larger than 1 GiB",
		    path);
		close(fd);
		return -1;
	}
	if (fd_read_all(fd, out, ATTACHMENT_MAX) < 0) {
		*error_r = xasprintf("cannot read %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* RFC 5322 3.3 in the local zone, names in English whatever the locale. */
static void
add_date(struct buf *out, int64_t when)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	struct tm	tm;
	time_t		t = when != 0 ? (time_t)when : time(NULL);
	long		off;

	if (localtime_r(&t, &tm) == NULL)
		gmtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	buf_printf(out, "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* A domain fit for a Message-ID: ASCII letters, digits, '-' and '.'. */
static bool
plain_domain(const char *d)
{
	const char	*p;

	if (*d == '\0' || *d == '.' || strlen(d) > 253)
		return false;
	for (p = d; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	}
	return true;
}

/* The domain of the first address in list, or NULL. */
static const char *
addr_domain(const char *list, struct arena *arena)
{
	struct mime_addr	*a;
	const char		*at;
	size_t			 n, i;

	if (list == NULL)
		return NULL;
	mime_addr_parse(list, arena, &a, &n);
	for (i = 0; i < n; i++) {
		if (a[i].mailbox != NULL &&
		    (at = strrchr(a[i].mailbox, '@')) != NULL &&
		    plain_domain(at + 1))
			return at + 1;
	}
	return NULL;
}

/* The host name when it is a full one, else "localhost". Malloc'd. */
static char *
default_domain(void)
{
	char	host[256];

	if (gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		if (strchr(host, '.') != NULL && plain_domain(host))
			return xstrdup(host);
	}
	return xstrdup("localhost");
}

char *
mime_make_message_id(const char *domain)
{
	static const char	 alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char		 rnd[20];
	char			 id[sizeof rnd + 1], *host, *s;
	size_t			 i;

	compose_random(rnd, sizeof rnd);
	for (i = 0; i < sizeof rnd; i++)
		id[i] = alphabet[rnd[i] & 31];
	id[sizeof rnd] = '\0';
	host = domain != NULL && plain_domain(domain) ? xstrdup(domain) :
	    default_domain();
	s = xasprintf("<%s.%lld@%s>", id, (long long)time(NULL), host);
	free(host);
	return s;
}

char *
mime_make_boundary(void)
{
	static const char	 alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char		 rnd[32];
	struct buf		 b = BUF_INIT;
	size_t			 i;

	/* "=_" cannot occur in base64 or quoted-printable text. */
	compose_random(rnd, sizeof rnd);
	buf_adds(&b, "=_crispin_");
	for (i = 0; i < sizeof rnd; i++)
		buf_addc(&b, alphabet[rnd[i] % (sizeof alphabet - 1)]);
	return buf_steal(&b);
}

/* Message-ID, In-Reply-To, References: ids as given, folded between. */
static int
add_raw_words(struct buf *out, const char *name, const char *value,
    char **error_r)
{
	struct hdr_writer	 hw;
	struct buf		 tmp = BUF_INIT;
	char			*clean;
	const char		*p, *w;

	clean = compose_clean(value);
	if (*clean == '\0') {
		free(clean);
		return 0;
	}
	hdr_begin(&hw, &tmp, name);
	for (p = clean; *p != '\0';) {
		while (*p == ' ')
			p++;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		if (p == w)
			continue;
		if ((size_t)(p - w) > HDR_WORD_MAX) {
			*error_r = xasprintf("%s: an identifier longer than "
			    "%d characters", name, HDR_WORD_MAX);
			free(clean);
			buf_free(&tmp);
			return -1;
		}
		hdr_token(&hw, " ", 1, w, (size_t)(p - w));
	}
	hdr_end(&hw);
	buf_add(out, tmp.data, tmp.len);
	buf_free(&tmp);
	free(clean);
	return 0;
}

/* Whether the message gets a field of that name from its own members. */
static bool
field_written(const struct mime_compose *c, const char *name, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} fields[] = {
		{ "From", offsetof(struct mime_compose, from) },
		{ "To", offsetof(struct mime_compose, to) },
		{ "Cc", offsetof(struct mime_compose, cc) },
		{ "Reply-To", offsetof(struct mime_compose, reply_to) },
		{ "Subject", offsetof(struct mime_compose, subject) },
		{ "In-Reply-To", offsetof(struct mime_compose, in_reply_to) },
		{ "References", offsetof(struct mime_compose, references) },
		{ "User-Agent", offsetof(struct mime_compose, user_agent) },
	};
	const char	*v;
	size_t		 i;

	for (i = 0; reserved_fields[i] != NULL; i++) {
		if (strlen(reserved_fields[i]) == len &&
		    strncasecmp(reserved_fields[i], name, len) == 0)
			return true;
	}
	if (len > 8 && strncasecmp(name, "Content-", 8) == 0)
		return true;
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strlen(fields[i].name) != len ||
		    strncasecmp(fields[i].name, name, len) != 0)
			continue;
		memcpy(&v, (const char *)c + fields[i].offset, sizeof v);
		return v != NULL;
	}
	return false;
}

/* One "Name: value" of the caller's: a field name of printable ASCII,
 * the value written like an unstructured one; empty values are dropped. */
static int
add_extra(struct buf *out, const struct mime_compose *c, const char *line,
    char **error_r)
{
	const char	*colon, *p;
	char		*name, *shown;

	colon = strchr(line, ':');
	for (p = line; colon != NULL && p < colon; p++) {
		if (*p <= 32 || *p >= 127)
			break;
	}
	if (colon == NULL || colon == line || p != colon ||
	    colon - line > 76) {
		shown = str_sanitize(line);
		*error_r = xasprintf("cannot use the header line \"%s\": it "
		    "must be \"Name: value\"", shown);
		free(shown);
		return -1;
	}
	name = xstrndup(line, (size_t)(colon - line));
	if (field_written(c, name, strlen(name))) {
		*error_r = xasprintf("cannot add a header \"%s\": crispin "
		    "writes that field itself", name);
		free(name);
		return -1;
	}
	for (p = colon + 1; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '\0') {
		if (c->smtputf8)
			mime_encode_unstructured_utf8(out, name, p);
		else
			mime_encode_unstructured(out, name, p);
	}
	free(name);
	return 0;
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return false;
	}
	return true;
}

/* The text part: header fields and body. */
static void
text_part(struct buf *out, const struct mime_compose *c)
{
	struct buf	 canon = BUF_INIT, body = BUF_INIT;
	const char	*charset, *encoding;
	size_t		 col;

	compose_text_canonical(&canon, c->body != NULL ? c->body : "",
	    c->body != NULL ? c->body_len : 0, c->flowed);
	compose_text_encode(&body, canon.data != NULL ? canon.data : "",
	    canon.len, c->allow_8bit, &charset, &encoding);
	buf_adds(out, "Content-Type: text/plain");
	col = strlen("Content-Type: text/plain");
	mime_encode_param(out, &col, "charset", charset);
	if (c->flowed)
		mime_encode_param(out, &col, "format", "flowed");
	buf_printf(out, "\r\nContent-Transfer-Encoding: %s\r\n\r\n", encoding);
	buf_add(out, body.data, body.len);
	buf_free(&canon);
	buf_free(&body);
}

/* One attachment: header fields and encoded body. */
static int
attachment_part(struct buf *out, const struct mime_compose *c,
    const struct mime_attachment *att, char **error_r)
{
	struct buf		 data = BUF_INIT, body = BUF_INIT, canon = BUF_INIT;
	struct arena		*arena;
	struct mime_ctype	 ct;
	const char		*bytes, *filename, *charset, *encoding, *p;
	char			*type = NULL, *shown;
	size_t			 len, col, i;
	bool			 has_cr, has_charset;
	int			 rc = -1;

	arena = arena_new(0);
	if (att->path != NULL) {
		if (read_file(att->path, &data, error_r) < 0)
			goto out;
		bytes = data.data != NULL ? data.data : "";
		len = data.len;
	} else {
		bytes = att->data != NULL ? att->data : "";
		len = att->data != NULL ? att->len : 0;
	}
	filename = att->filename;
	if (filename == NULL && att->path != NULL)
		filename = (p = strrchr(att->path, '/')) != NULL ? p + 1 :
		    att->path;
	if (filename != NULL && *filename == '\0')
		filename = NULL;
	type = att->content_type != NULL ? xstrdup(att->content_type) :
	    mime_guess_type(filename, bytes, len);
	if (mime_ctype_parse(type, arena, &ct) < 0 || !is_token(ct.type) ||
	    !is_token(ct.subtype) || str_ieq(ct.type, "multipart")) {
		shown = str_sanitize(type);
		*error_r = xasprintf("cannot attach %s: \"%s\" is not a "
		    "content type (type/subtype)", filename != NULL ?
		    filename : "data", shown);
		free(shown);
		goto out;
	}
	has_cr = memchr(bytes, '\r', len) != NULL;
	has_charset = mime_param_get(ct.params, ct.nparams, "charset") !=
	    NULL;
	buf_printf(out, "Content-Type: %s/%s", ct.type, ct.subtype);
	col = strlen("Content-Type: ") + strlen(ct.type) + 1 +
	    strlen(ct.subtype);
	for (i = 0; i < ct.nparams; i++)
		mime_encode_param(out, &col, ct.params[i].name,
		    ct.params[i].value);
	if (filename != NULL &&
	    mime_param_get(ct.params, ct.nparams, "name") == NULL)
		mime_encode_param(out, &col, "name", filename);
	if (str_ieq(ct.type, "text") && !has_cr &&
	    memchr(bytes, '\0', len) == NULL &&
	    (has_charset || compose_utf8_valid(bytes, len))) {
		/* Text goes as text, readable in any mail reader; its line
		 * ends become CRLF, as MIME wants. */
		compose_text_encode(&body, bytes, len, c->allow_8bit,
		    &charset, &encoding);
		if (!has_charset)
			mime_encode_param(out, &col, "charset", charset);
	} else if (str_ieq(ct.type, "message")) {
		/* RFC 2046 5.2: a message is never base64 or QP, unless it
		 * cannot go otherwise (lines over 998 octets, NUL). */
		compose_text_canonical(&canon, bytes, len, false);
		if (!compose_text_plain(&body, canon.data != NULL ?
		    canon.data : "", canon.len, &encoding)) {
			encoding = "base64";
			mime_encode_base64_lines(&body, bytes, len);
		}
	} else {
		encoding = "base64";
		mime_encode_base64_lines(&body, bytes, len);
	}
	buf_adds(out, "\r\nContent-Disposition: ");
	buf_adds(out, att->is_inline ? "inline" : "attachment");
	col = strlen("Content-Disposition: ") +
	    strlen(att->is_inline ? "inline" : "attachment");
	if (filename != NULL)
		mime_encode_param(out, &col, "filename", filename);
	buf_adds(out, "\r\n");
	if (att->description != NULL) {
		if (c->smtputf8)
			mime_encode_unstructured_utf8(out,
			    "Content-Description", att->description);
		else
			mime_encode_unstructured(out, "Content-Description",
			    att->description);
	}
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n", encoding);
	buf_add(out, body.data, body.len);
	rc = 0;
out:
	free(type);
	buf_free(&data);
	buf_free(&body);
	buf_free(&canon);
	arena_free(&arena);
	return rc;
}

/* Whether "--boundary" occurs in any of the parts. */
static bool
occurs(const struct buf *parts, size_t n, const char *boundary)
{
	char	*delim;
	size_t	 i;
	bool	 found = false;

	delim = xasprintf("--%s", boundary);
	for (i = 0; i < n && !found; i++) {
		if (parts[i].len > 0 && memmem(parts[i].data, parts[i].len,
		    delim, strlen(delim)) != NULL)
			found = true;
	}
	free(delim);
	return found;
}

int
mime_compose_write(const struct mime_compose *c, struct buf *out,
    char **error_r)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} address_fields[] = {
		{ "From", offsetof(struct mime_compose, from) },
		{ "Reply-To", offsetof(struct mime_compose, reply_to) },
		{ "To", offsetof(struct mime_compose, to) },
		{ "Cc", offsetof(struct mime_compose, cc) },
		{ "Bcc", offsetof(struct mime_compose, bcc) },
	};
	struct buf	 msg = BUF_INIT, *parts = NULL;
	struct arena	*arena;
	const char	*list, *domain;
	char		*id = NULL, *boundary = NULL, *clean;
	size_t		 nparts = 0, i, col;
	int		 rc = -1;

	arena = arena_new(0);
	clean = compose_clean(c->from != NULL ? c->from : "");
	if (*clean == '\0') {
		*error_r = xstrdup("the message has no From address");
		free(clean);
		goto out;
	}
	free(clean);
	add_date(&msg, c->date);
	for (i = 0; i < sizeof address_fields / sizeof address_fields[0];
	    i++) {
		memcpy(&list, (const char *)c + address_fields[i].offset,
		    sizeof list);
		if (list == NULL || (strcmp(address_fields[i].name, "Bcc") == 0 &&
		    !c->keep_bcc))
			continue;
		clean = compose_clean(list);
		if (*clean != '\0' && mime_encode_addresses(&msg,
		    address_fields[i].name, clean, c->smtputf8, error_r) < 0) {
			free(clean);
			goto out;
		}
		free(clean);
	}
	if (c->subject != NULL) {
		if (c->smtputf8)
			mime_encode_unstructured_utf8(&msg, "Subject",
			    c->subject);
		else
			mime_encode_unstructured(&msg, "Subject", c->subject);
	}
	if (c->message_id != NULL) {
		if (add_raw_words(&msg, "Message-ID", c->message_id,
		    error_r) < 0)
			goto out;
	} else {
		domain = addr_domain(c->from, arena);
		id = mime_make_message_id(domain);
		buf_printf(&msg, "Message-ID: %s\r\n", id);
	}
	if ((c->in_reply_to != NULL && add_raw_words(&msg, "In-Reply-To",
	    c->in_reply_to, error_r) < 0) || (c->references != NULL &&
	    add_raw_words(&msg, "References", c->references, error_r) < 0))
		goto out;
	if (c->user_agent != NULL)
		mime_encode_unstructured(&msg, "User-Agent", c->user_agent);
	for (i = 0; c->extra_headers != NULL && c->extra_headers[i] != NULL;
	    i++) {
		if (add_extra(&msg, c, c->extra_headers[i], error_r) < 0)
			goto out;
	}
	buf_adds(&msg, "MIME-Version: 1.0\r\n");
	if (c->nattachments == 0) {
		text_part(&msg, c);
		goto done;
	}
	parts = xcalloc(c->nattachments + 1, sizeof *parts);
	if (c->body != NULL && c->body_len > 0)
		text_part(&parts[nparts++], c);
	for (i = 0; i < c->nattachments; i++) {
		if (attachment_part(&parts[nparts++], c, &c->attachments[i],
		    error_r) < 0)
			goto out;
	}
	do {
		free(boundary);
		boundary = mime_make_boundary();
	} while (occurs(parts, nparts, boundary));
	buf_adds(&msg, "Content-Type: multipart/mixed");
	col = strlen("Content-Type: multipart/mixed");
	mime_encode_param(&msg, &col, "boundary", boundary);
	buf_adds(&msg, "\r\n\r\n");
	for (i = 0; i < nparts; i++) {
		buf_printf(&msg, "--%s\r\n", boundary);
		buf_add(&msg, parts[i].data, parts[i].len);
		/* The CRLF before a delimiter belongs to the delimiter. */
		buf_adds(&msg, "\r\n");
	}
	buf_printf(&msg, "--%s--\r\n", boundary);
done:
	buf_add(out, msg.data, msg.len);
	rc = 0;
out:
	for (i = 0; parts != NULL && i <= c->nattachments; i++)
		buf_free(&parts[i]);
	free(parts);
	free(boundary);
	free(id);
	buf_free(&msg);
	arena_free(&arena);
	return rc;
}
