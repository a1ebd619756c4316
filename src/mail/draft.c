/*
 * The draft: its fields, a new message, the options that shape every
 * draft, and the hand-over to the MIME writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/fdio.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "draft_p.h"

/* A signature is a few lines; past this it is not read at all. */
#define SIGNATURE_MAX	(64 * 1024)

/* Fields the writer makes itself: an extra header of these would give the
 * message two of them. */
static const char *const reserved_fields[] = {
	"Date", "Message-ID", "MIME-Version", "User-Agent",
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"Content-ID", "Content-Description",
};
/* Fields the draft has a member for. */
static const char *const draft_fields[] = {
	"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "In-Reply-To",
	"References", "Attach",
};

static bool in_list(const char *const *, size_t, const char *, size_t);

void
mail_draft_init(struct mail_draft *d)
{
	memset(d, 0, sizeof *d);
	buf_init(&d->body);
}

void
mail_draft_clear(struct mail_draft *d)
{
	size_t	 i;

	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->reply_to);
	free(d->subject);
	free(d->in_reply_to);
	free(d->references);
	free(d->fcc);
	for (i = 0; i < d->nextra; i++)
		free(d->extra[i]);
	free(d->extra);
	buf_free(&d->body);
	for (i = 0; i < d->nattachments; i++) {
		free(d->attachments[i].path);
		free(d->attachments[i].name);
		free(d->attachments[i].content_type);
		free(d->attachments[i].data);
		free(d->attachments[i].description);
	}
	free(d->attachments);
	free(d->note);
	mail_draft_init(d);
}

void
mail_draft_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL && *value != '\0' ? xstrdup(value) : NULL;
}

static bool
in_list(const char *const *list, size_t n, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
			return true;
	}
	return false;
}

bool
draft_field_name_ok(const char *name, size_t len)
{
	size_t	 i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == ':')
			return false;
	}
	return true;
}

bool
draft_field_reserved(const char *name, size_t len)
{
	return in_list(reserved_fields,
	    sizeof reserved_fields / sizeof reserved_fields[0], name, len) ||
	    (len > 8 && strncasecmp(name, "Content-", 8) == 0);
}

int
mail_draft_add_header(struct mail_draft *d, const char *name, const char *value,
    char **error_r)
{
	struct buf	 line = BUF_INIT;
	size_t		 len = strlen(name);

	if (!draft_field_name_ok(name, len)) {
		line.len = 0;
		draft_clean_line(&line, name, len);
		*error_r = xasprintf("'%s' is no header field name (letters, digits "
		    "and dashes, as in X-Mailer)", buf_cstr(&line));
		buf_free(&line);
		return -1;
	}
	if (in_list(draft_fields, sizeof draft_fields / sizeof draft_fields[0],
	    name, len)) {
		*error_r = xasprintf("%s is a field of its own, not an extra header",
		    name);
		return -1;
	}
	if (draft_field_reserved(name, len)) {
		*error_r = xasprintf("%s is written by crispin itself; remove it", name);
		return -1;
	}
	buf_adds(&line, name);
	buf_adds(&line, ": ");
	draft_clean_line(&line, value, strlen(value));
	d->extra = xreallocarray(d->extra, d->nextra + 2, sizeof *d->extra);
	d->extra[d->nextra++] = buf_steal(&line);
	d->extra[d->nextra] = NULL;
	return 0;
}

void
mail_draft_attach_file(struct mail_draft *d, const char *path, const char *name)
{
	struct mail_draft_attachment	*a;

	d->attachments = xreallocarray(d->attachments, d->nattachments + 1,
	    sizeof *d->attachments);
	a = &d->attachments[d->nattachments++];
	memset(a, 0, sizeof *a);
	a->path = xstrdup(path);
	a->name = name != NULL && *name != '\0' ? xstrdup(name) : NULL;
}

void
mail_draft_attach_data(struct mail_draft *d, const void *data, size_t len,
    const char *content_type, const char *name)
{
	struct mail_draft_attachment	*a;

	d->attachments = xreallocarray(d->attachments, d->nattachments + 1,
	    sizeof *d->attachments);
	a = &d->attachments[d->nattachments++];
	memset(a, 0, sizeof *a);
	a->data = xmalloc(len + 1);
	memcpy(a->data, data, len);
	a->data[len] = '\0';
	a->len = len;
	a->content_type = xstrdup_null(content_type);
	a->name = xstrdup_null(name);
}

void
draft_clean_line(struct buf *out, const char *s, size_t len)
{
	struct buf	 tmp = BUF_INIT;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\t')
			buf_addc(&tmp, ' ');
		else
			buf_addc(&tmp, s[i]);
	}
	mime_text_safe(out, buf_cstr(&tmp), tmp.len, MIME_SAFE_ONELINE);
	buf_free(&tmp);
}

void
mail_draft_opts_init(struct mail_draft_opts *o, const struct config *cfg,
    const char *user_agent)
{
	memset(o, 0, sizeof *o);
	o->from = config_str(cfg, "from");
	o->realname = config_str(cfg, "realname");
	o->alternates = config_str(cfg, "alternates");
	o->attribution = config_str(cfg, "attribution");
	o->indent_string = config_str(cfg, "indent_string");
	o->date_format = config_str(cfg, "date_format");
	o->signature = config_str(cfg, "signature");
	o->alternative_order = config_str(cfg, "alternative_order");
	o->user_agent = config_bool(cfg, "user_agent") ? user_agent : NULL;
	o->edit_headers = config_bool(cfg, "edit_headers");
}

char *
mail_draft_from(const struct mail_draft_opts *o)
{
	struct arena		*a;
	struct mime_addr	*v, one;
	struct buf		 out = BUF_INIT;
	size_t			 n;

	if (o->from == NULL || *o->from == '\0')
		return NULL;
	if (o->realname == NULL || *o->realname == '\0')
		return xstrdup(o->from);
	a = arena_new(0);
	mime_addr_parse(o->from, a, &v, &n);
	/* A name in from wins over realname, as in mutt. */
	if (n != 1 || v[0].mailbox == NULL || v[0].name != NULL)
		buf_adds(&out, o->from);
	else {
		one = v[0];
		one.name = o->realname;
		mime_addr_format(&out, &one);
	}
	arena_free(&a);
	return buf_steal(&out);
}

void
draft_add_signature(struct buf *body, const struct mail_draft_opts *o)
{
	struct buf	 sig = BUF_INIT;
	const char	*s;
	size_t		 len;

	if (o->signature == NULL || *o->signature == '\0' ||
	    file_read_all(o->signature, &sig, SIGNATURE_MAX) < 0 || sig.len == 0) {
		buf_free(&sig);
		return;
	}
	s = sig.data;
	len = sig.len;
	/* A file that carries its own separator does not get a second. */
	if (len >= 4 && memcmp(s, "-- \n", 4) == 0)
		s += 4, len -= 4;
	if (body->len > 0 && body->data[body->len - 1] != '\n')
		buf_addc(body, '\n');
	if (body->len > 1 && body->data[body->len - 2] != '\n')
		buf_addc(body, '\n');
	buf_adds(body, "-- \n");
	buf_add(body, s, len);
	if (len > 0 && s[len - 1] != '\n')
		buf_addc(body, '\n');
	buf_free(&sig);
}

void
mail_draft_new(struct mail_draft *d, const struct mail_draft_opts *o,
    const char *to, const char *subject, const char *text)
{
	mail_draft_clear(d);
	d->from = mail_draft_from(o);
	mail_draft_set(&d->to, to);
	mail_draft_set(&d->subject, subject);
	if (text != NULL && *text != '\0') {
		buf_adds(&d->body, text);
		if (d->body.data[d->body.len - 1] != '\n')
			buf_addc(&d->body, '\n');
	} else
		buf_addc(&d->body, '\n');	/* a line to type on */
	draft_add_signature(&d->body, o);
}

void
mail_draft_to_compose(const struct mail_draft *d, const struct mail_draft_opts *o,
    struct mime_compose *c, struct mime_attachment **att_r)
{
	struct mime_attachment	*att = NULL;
	size_t			 i;

	memset(c, 0, sizeof *c);
	c->from = d->from;
	c->to = d->to;
	c->cc = d->cc;
	c->bcc = d->bcc;
	c->reply_to = d->reply_to;
	c->subject = d->subject;
	c->in_reply_to = d->in_reply_to;
	c->references = d->references;
	c->user_agent = o->user_agent;
	c->extra_headers = (const char *const *)d->extra;
	c->body = d->body.data != NULL ? d->body.data : "";
	c->body_len = d->body.len;
	if (d->nattachments > 0) {
		att = xcalloc(d->nattachments, sizeof *att);
		for (i = 0; i < d->nattachments; i++) {
			att[i].path = d->attachments[i].path;
			att[i].data = d->attachments[i].data;
			att[i].len = d->attachments[i].len;
			att[i].filename = d->attachments[i].name;
			att[i].content_type = d->attachments[i].content_type;
			att[i].description = d->attachments[i].description;
		}
	}
	c->attachments = att;
	c->nattachments = d->nattachments;
	*att_r = att;
}
