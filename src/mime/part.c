/*
 * The part tree's common half: filling a part from its header fields,
 * numbering, lookup, the text form, and the conversion from BODYSTRUCTURE.
 * Both constructors go through mime_part_fill and mime_part_number, which
 * is what makes their trees identical.
 */
#include <stdio.h>
#include <string.h>

#include "crispin/mime_part.h"
#include "part_p.h"

static const char *child_spec(struct arena *, const char *, size_t);
static void	 number(struct mime_part *, const char *, struct arena *);
static char	*imap_params_value(struct arena *, const char *head,
		    const struct imap_param *, size_t);
static bool	 is_placeholder(const struct imap_body *);
static struct mime_part *from_imap(const struct imap_body *, struct arena *,
		    unsigned depth);
static void	 format_part(struct buf *, const struct mime_part *, unsigned);
static void	 format_value(struct buf *, const char *, const char *);

void
mime_part_fill(struct mime_part *p, struct arena *a,
    const struct mime_part_fields *f, bool dflt_rfc822)
{
	struct mime_ctype	 ct;
	struct buf		 b = BUF_INIT;
	const char		*disp;
	const char		*enc = f->encoding;
	size_t			 n;

	if (f->ctype == NULL && dflt_rfc822) {
		p->type = "message";
		p->subtype = "rfc822";
	} else {
		mime_ctype_parse(f->ctype, a, &ct);
		p->type = ct.type;
		p->subtype = ct.subtype;
		p->params = ct.params;
		p->nparams = ct.nparams;
	}
	p->charset = mime_param_get(p->params, p->nparams, "charset");

	/* Transfer encoding: lower-case, blanks trimmed, 7bit by default. */
	if (enc != NULL) {
		while (*enc == ' ' || *enc == '\t')
			enc++;
		n = strcspn(enc, " \t;(");
	} else
		n = 0;
	if (n == 0)
		p->encoding = "7bit";
	else {
		char *s = arena_strndup(a, enc, n);
		for (size_t i = 0; i < n; i++)
			if (s[i] >= 'A' && s[i] <= 'Z')
				s[i] = (char)(s[i] - 'A' + 'a');
		p->encoding = s;
	}
	p->enc = mime_encoding_from_name(p->encoding);

	if (f->disposition != NULL && mime_disposition_parse(f->disposition, a,
	    &disp, &p->disp_params, &p->ndisp_params) == 0 && *disp != '\0')
		p->disposition = disp;
	p->filename = mime_param_get(p->disp_params, p->ndisp_params, "filename");
	if (p->filename == NULL)
		p->filename = mime_param_get(p->params, p->nparams, "name");

	if (f->id != NULL) {
		const char *id = f->id;
		while (*id == ' ' || *id == '\t')
			id++;
		p->id = arena_strdup(a, id);
	}
	if (f->description != NULL) {
		mime_decode_words(&b, f->description, NULL);
		p->description = arena_strndup(a, b.data ? b.data : "", b.len);
		buf_free(&b);
	}
}

void
mime_part_append(struct mime_part *parent, struct mime_part *child)
{
	struct mime_part	**pp = &parent->children;

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = child;
	child->parent = parent;
	parent->nchildren++;
}

bool
mime_part_is_message(const struct mime_part *p)
{
	return strcmp(p->type, "message") == 0 && p->children != NULL &&
	    (strcmp(p->subtype, "rfc822") == 0 || strcmp(p->subtype, "global") == 0);
}

const struct mime_headers *
mime_part_message_headers(const struct mime_part *p)
{
	if (mime_part_is_message(p))
		return p->children->headers;
	return p->parent == NULL ? p->headers : NULL;
}

bool
mime_part_is(const struct mime_part *p, const char *type, const char *subtype)
{
	if (strcmp(p->type, type) != 0)
		return false;
	return subtype == NULL || strcmp(subtype, "*") == 0 ||
	    strcmp(p->subtype, subtype) == 0;
}

void
mime_part_number(struct mime_part *root, struct arena *a)
{
	number(root, mime_part_is(root, "multipart", NULL) ? "" :
	    root->unsplit ? "TEXT" : "1", a);
}

static const char *
child_spec(struct arena *a, const char *spec, size_t i)
{
	char	 tmp[32];
	char	*s;

	snprintf(tmp, sizeof tmp, "%zu", i);
	if (*spec == '\0')
		return arena_strdup(a, tmp);
	s = arena_alloc(a, strlen(spec) + strlen(tmp) + 2);
	sprintf(s, "%s.%s", spec, tmp);
	return s;
}

static void
number(struct mime_part *p, const char *spec, struct arena *a)
{
	struct mime_part	*c;
	size_t			 i = 0;

	p->spec = spec;
	if (mime_part_is_message(p)) {
		c = p->children;
		if (c->unsplit) {
			char *t = arena_alloc(a, strlen(spec) + 6);
			sprintf(t, "%s.TEXT", spec);
			number(c, t, a);
		} else
			number(c, mime_part_is(c, "multipart", NULL) ? spec :
			    child_spec(a, spec, 1), a);
		return;
	}
	for (c = p->children; c != NULL; c = c->next)
		number(c, child_spec(a, spec, ++i), a);
}

int
mime_part_from_imap(const struct imap_body *body, struct arena *a,
    struct mime_part **root)
{
	if (body == NULL)
		return -1;
	*root = from_imap(body, a, 0);
	mime_part_number(*root, a);
	return 0;
}

/*
 * BODYSTRUCTURE parameters are raw (RFC 2231 names with '*', encoded words
 * in values), so they are written back as a header value and read by the
 * same parser as a local header.
 */
static char *
imap_params_value(struct arena *a, const char *head,
    const struct imap_param *params, size_t n)
{
	struct buf	 b = BUF_INIT;
	const char	*v;
	char		*s;
	size_t		 i, nlen;

	buf_adds(&b, head);
	for (i = 0; i < n; i++) {
		/* A name that is not a token would change how the rest reads. */
		if (params[i].name == NULL || params[i].value == NULL ||
		    *params[i].name == '\0' ||
		    params[i].name[strcspn(params[i].name,
		    " \t\r\n\"\\;()<>@,:/[]?=")] != '\0')
			continue;
		nlen = strlen(params[i].name);
		buf_printf(&b, "; %s=", params[i].name);
		v = params[i].value;
		if (nlen > 0 && params[i].name[nlen - 1] == '*' &&
		    v[strcspn(v, " \t\"\\;()<>@,:/[]?=")] == '\0') {
			buf_adds(&b, v);	/* charset'lang'%XX stays a token */
			continue;
		}
		buf_addc(&b, '"');
		for (; *v != '\0'; v++) {
			if (*v == '"' || *v == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *v);
		}
		buf_addc(&b, '"');
	}
	s = arena_strndup(a, buf_cstr(&b), b.len);
	buf_free(&b);
	return s;
}

/* What servers send for a multipart without parts: one empty text/plain. */
static bool
is_placeholder(const struct imap_body *b)
{
	const struct imap_body	*c = b->children;

	return b->nchildren == 1 && b->type != NULL &&
	    strcmp(b->type, "multipart") == 0 && c->type != NULL &&
	    strcmp(c->type, "text") == 0 && c->subtype != NULL &&
	    strcmp(c->subtype, "plain") == 0 && c->size == 0 && c->lines == 0 &&
	    c->id == NULL && c->description == NULL && c->disposition == NULL &&
	    c->nchildren == 0 && c->message == NULL;
}

static struct mime_part *
from_imap(const struct imap_body *body, struct arena *a, unsigned depth)
{
	struct mime_part	*p = arena_alloc(a, sizeof *p);
	struct mime_part_fields	 f = { 0 };
	char			*head;
	size_t			 i;

	head = arena_alloc(a, strlen(body->type ? body->type : "") +
	    strlen(body->subtype ? body->subtype : "") + 2);
	sprintf(head, "%s/%s", body->type ? body->type : "",
	    body->subtype ? body->subtype : "");
	f.ctype = imap_params_value(a, head, body->params, body->nparams);
	if (body->disposition != NULL)
		f.disposition = imap_params_value(a, body->disposition,
		    body->disp_params, body->ndisp_params);
	f.encoding = body->encoding;
	f.id = body->id;
	f.description = body->description;
	mime_part_fill(p, a, &f, false);
	p->size = body->size;
	p->lines = body->lines;
	p->envelope = body->envelope;
	if (is_placeholder(body)) {
		p->type = "text";
		p->subtype = "plain";
		p->charset = NULL;
		p->unsplit = true;
		return p;
	}
	/* The imap decoder bounds nesting already; this guards the stack. */
	if (depth >= 256)
		return p;
	for (i = 0; i < body->nchildren; i++)
		mime_part_append(p, from_imap(&body->children[i], a, depth + 1));
	/* An encoded message/rfc822 cannot be parsed; servers send an empty
	 * stand-in body for it, which is dropped as a local parse has none. */
	if (body->message != NULL && strcmp(p->type, "message") == 0 &&
	    (p->enc == MIME_ENC_7BIT || p->enc == MIME_ENC_8BIT ||
	    p->enc == MIME_ENC_BINARY))
		mime_part_append(p, from_imap(body->message, a, depth + 1));
	return p;
}

const struct mime_part *
mime_part_find(const struct mime_part *p, const char *spec)
{
	const struct mime_part	*c, *found;

	if (strcmp(p->spec, spec) == 0)
		return p;
	for (c = p->children; c != NULL; c = c->next) {
		/* Only descend where the specifier can be. */
		if (*c->spec != '\0' && !(strncmp(spec, c->spec, strlen(c->spec)) == 0 &&
		    (spec[strlen(c->spec)] == '\0' || spec[strlen(c->spec)] == '.')))
			continue;
		if ((found = mime_part_find(c, spec)) != NULL)
			return found;
	}
	return NULL;
}

void
mime_part_format(struct buf *out, const struct mime_part *root)
{
	format_part(out, root, 0);
}

static void
format_value(struct buf *out, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_printf(out, " %s=\"", key);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_addc(out, '\\');
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			buf_printf(out, "\\x%02x", (unsigned char)*v);
		else
			buf_addc(out, *v);
	}
	buf_addc(out, '"');
}

static void
format_part(struct buf *out, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*c;
	bool			 multi = strcmp(p->type, "multipart") == 0;
	unsigned		 i;

	for (i = 0; i < depth; i++)
		buf_adds(out, "  ");
	buf_printf(out, "%s %s/%s", *p->spec ? p->spec : "-", p->type, p->subtype);
	if (strcmp(p->type, "text") == 0)
		buf_printf(out, " charset=%s", p->charset ? p->charset : "us-ascii");
	if (p->unsplit)
		buf_adds(out, " unsplit");	/* size unknown from IMAP */
	else if (!multi)
		buf_printf(out, " enc=%s size=%llu", p->encoding,
		    (unsigned long long)p->size);
	if (!p->unsplit && (strcmp(p->type, "text") == 0 ||
	    mime_part_is_message(p)))
		buf_printf(out, " lines=%u", p->lines);
	if (p->disposition != NULL)
		buf_printf(out, " disp=%s", p->disposition);
	format_value(out, "filename", p->filename);
	format_value(out, "id", p->id);
	format_value(out, "desc", p->description);
	buf_addc(out, '\n');
	for (c = p->children; c != NULL; c = c->next)
		format_part(out, c, depth + 1);
}
