/*
 * A postponed message back into a draft: its fields decoded the way the
 * user typed them, its text as UTF-8, and every other part as bytes with
 * the name, type and description it had, so that recalling and sending
 * gives the same attachments byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/arena.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_decode.h"
#include "crispin/mime_header.h"
#include "crispin/mime_part.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "draft_p.h"

/* Fields of a stored message that are the store's or the writer's, not
 * the user's. */
static const char *const dropped_fields[] = {
	"Return-Path", "Received", "Delivered-To", "Status", "X-Status",
	"X-Keywords", "X-UID", "Lines", "Content-Length",
	MAIL_DRAFT_FCC_HEADER, MAIL_DRAFT_REPLY_HEADER, MAIL_DRAFT_FORWARD_HEADER,
};

static bool dropped(const char *);
static void set_addresses(char **, const struct mime_headers *, const char *);
static void set_text(char **, const struct mime_headers *, const char *);
static void part_bytes(const char *, const struct mime_part *, struct buf *);
static bool is_body(const struct mime_part *);
static void add_body(struct mail_draft *, const char *, const struct mime_part *);
static void add_attachment(struct mail_draft *, const char *, const struct mime_part *);
static void add_parts(struct mail_draft *, const char *, const struct mime_part *,
	    bool *);

static bool
dropped(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof dropped_fields / sizeof dropped_fields[0]; i++) {
		if (strcasecmp(dropped_fields[i], name) == 0)
			return true;
	}
	return false;
}

/* "Name <addr>, ..." with the names decoded; the text itself when it is
 * no address list. */
static void
set_addresses(char **field, const struct mime_headers *h, const char *name)
{
	const char		*raw = mime_header_get(h, name);
	struct arena		*a;
	struct mime_addr	*v;
	struct buf		 out = BUF_INIT, clean = BUF_INIT;
	size_t			 n, i;

	if (raw == NULL)
		return;
	a = arena_new(0);
	if (mime_addr_parse(raw, a, &v, &n) == 0 && n > 0) {
		for (i = 0; i < n; i++) {
			if (v[i].mailbox == NULL && v[i].name == NULL)
				continue;
			if (out.len > 0)
				buf_adds(&out, ", ");
			mime_addr_format(&out, &v[i]);
		}
	} else
		mime_decode_words(&out, raw, NULL);
	draft_clean_line(&clean, buf_cstr(&out), out.len);
	mail_draft_set(field, buf_cstr(&clean));
	arena_free(&a);
	buf_free(&out);
	buf_free(&clean);
}

static void
set_text(char **field, const struct mime_headers *h, const char *name)
{
	const char	*raw = mime_header_get(h, name);
	struct buf	 out = BUF_INIT, clean = BUF_INIT;

	if (raw == NULL)
		return;
	mime_decode_words(&out, raw, NULL);
	draft_clean_line(&clean, buf_cstr(&out), out.len);
	mail_draft_set(field, buf_cstr(&clean));
	buf_free(&out);
	buf_free(&clean);
}

/* The part's body, transfer-decoded. */
static void
part_bytes(const char *raw, const struct mime_part *p, struct buf *out)
{
	if (!p->has_offsets)
		return;
	mime_decode(p->enc, raw + p->body_offset, p->body_len, out);
}

/* The text the user typed: text/plain that is not an attachment. */
static bool
is_body(const struct mime_part *p)
{
	/* A multipart without its boundary is read as text, as shown. */
	return (mime_part_is(p, "text", "plain") || p->unsplit) &&
	    p->filename == NULL &&
	    (p->disposition == NULL || strcmp(p->disposition, "attachment") != 0);
}

static void
add_body(struct mail_draft *d, const char *raw, const struct mime_part *p)
{
	struct buf	 bytes = BUF_INIT, utf8 = BUF_INIT;
	size_t		 i;

	part_bytes(raw, p, &bytes);
	if (p->charset == NULL || mime_charset_to_utf8(p->charset, bytes.data,
	    bytes.len, &utf8) < 0) {
		buf_reset(&utf8);
		mime_utf8_sanitize(&utf8, bytes.data, bytes.len);
	}
	/* The editor file has LF line ends. */
	buf_reset(&d->body);
	for (i = 0; i < utf8.len; i++) {
		if (utf8.data[i] == '\r' && i + 1 < utf8.len && utf8.data[i + 1] == '\n')
			continue;
		buf_addc(&d->body, utf8.data[i]);
	}
	/* The line break before a boundary is the boundary's. */
	if (d->body.len > 0 && d->body.data[d->body.len - 1] != '\n')
		buf_addc(&d->body, '\n');
	buf_free(&bytes);
	buf_free(&utf8);
}

static void
add_attachment(struct mail_draft *d, const char *raw, const struct mime_part *p)
{
	struct mail_draft_attachment	*a;
	struct buf			 bytes = BUF_INIT, type = BUF_INIT;

	part_bytes(raw, p, &bytes);
	buf_printf(&type, "%s/%s", p->type, p->subtype);
	/* The charset says how to read a text attachment's bytes. */
	if (p->charset != NULL && strcmp(p->type, "text") == 0)
		buf_printf(&type, "; charset=%s", p->charset);
	mail_draft_attach_data(d, bytes.data != NULL ? bytes.data : "", bytes.len,
	    buf_cstr(&type), p->filename);
	a = &d->attachments[d->nattachments - 1];
	a->description = xstrdup_null(p->description);
	buf_free(&bytes);
	buf_free(&type);
}

/* The first body-like part is the text; the other leaves are the
 * attachments. Of an alternative (a draft another client wrote) only the
 * plain text is kept: the writer makes no alternatives. */
static void
add_parts(struct mail_draft *d, const char *raw, const struct mime_part *p,
    bool *have_body)
{
	const struct mime_part	*c;

	if (strcmp(p->type, "multipart") == 0 && !p->unsplit &&
	    strcmp(p->subtype, "alternative") == 0) {
		for (c = p->children; c != NULL; c = c->next) {
			if (!*have_body && is_body(c)) {
				add_body(d, raw, c);
				*have_body = true;
			}
		}
		return;
	}
	if (strcmp(p->type, "multipart") == 0 && !p->unsplit) {
		for (c = p->children; c != NULL; c = c->next)
			add_parts(d, raw, c, have_body);
		return;
	}
	if (!*have_body && is_body(p)) {
		add_body(d, raw, p);
		*have_body = true;
		return;
	}
	add_attachment(d, raw, p);
}

int
mail_draft_from_message(struct mail_draft *d, const char *raw, size_t len,
    char **error_r)
{
	struct arena			*a = arena_new(0);
	struct mime_part		*root;
	const struct mime_headers	*h;
	const char			*name, *value;
	char				*error = NULL;
	size_t				 i;
	bool				 have_body = false;

	if (mime_parse_message(raw, len, a, NULL, &root, error_r) < 0) {
		arena_free(&a);
		return -1;
	}
	mail_draft_clear(d);
	h = mime_part_message_headers(root);
	if (h != NULL) {
		set_addresses(&d->from, h, "From");
		set_addresses(&d->to, h, "To");
		set_addresses(&d->cc, h, "Cc");
		set_addresses(&d->bcc, h, "Bcc");
		set_addresses(&d->reply_to, h, "Reply-To");
		set_text(&d->subject, h, "Subject");
		set_text(&d->in_reply_to, h, "In-Reply-To");
		set_text(&d->references, h, "References");
		set_text(&d->fcc, h, MAIL_DRAFT_FCC_HEADER);
		/* The user's own fields (X-Face, Organization...); the ones the
		 * draft or the writer owns are refused by add_header. */
		for (i = 0; i < h->count; i++) {
			name = h->items[i].name;
			value = h->items[i].value;
			if (dropped(name))
				continue;
			if (mail_draft_add_header(d, name, value, &error) < 0)
				x_free(&error);
		}
	}
	add_parts(d, raw, root, &have_body);
	if (!have_body)
		buf_addc(&d->body, '\n');
	arena_free(&a);
	return 0;
}
