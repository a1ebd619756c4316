/*
 * The display text of a fetched message: decoded header fields, the shown
 * parts rendered, and a line for each part left out. Every byte from the
 * message passes mime_text_safe before it is appended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/mail_message.h"
#include "crispin/mime_text.h"

static void safe_line(struct buf *, const char *, unsigned);
static int render_mailcap(struct buf *, const struct mime_part *, const char *,
	    size_t, bool, const struct mail_render_opts *);
static void end_line(struct buf *);
static void shell_word(struct buf *, const char *);

static void
safe_line(struct buf *out, const char *s, unsigned flags)
{
	mime_text_safe(out, s, strlen(s), flags);
}

static void
end_line(struct buf *out)
{
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_addc(out, '\n');
}

void
mail_render_size(struct buf *out, uint64_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	size_t		 u = 0;
	uint64_t	 whole = n, tenths = 0;

	while (whole >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		tenths = (whole % 1024) * 10 / 1024;
		whole /= 1024;
		u++;
	}
	/* One decimal only where it tells something: "1.5 MB", "20 MB". */
	if (u > 0 && whole < 10 && tenths > 0)
		buf_printf(out, "%llu.%llu %s", (unsigned long long)whole,
		    (unsigned long long)tenths, units[u]);
	else
		buf_printf(out, "%llu %s", (unsigned long long)whole, units[u]);
}

void
mail_render_headers(struct buf *out, const char *raw, size_t len, unsigned indent,
    const struct mail_render_opts *o)
{
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	struct buf		 val = BUF_INIT;
	size_t			 i;

	if (mime_headers_parse(raw, len, a, &h, NULL) == 0) {
		for (i = 0; i < h.count; i++) {
			if (o->ignored != NULL && o->ignored(h.items[i].name, o->ignored_arg))
				continue;
			buf_reset(&val);
			mime_decode_words(&val, h.items[i].value, NULL);
			buf_printf(out, "%*s", (int)indent, "");
			safe_line(out, h.items[i].name, MIME_SAFE_ONELINE);
			buf_adds(out, ": ");
			mime_text_safe(out, buf_cstr(&val), val.len, MIME_SAFE_ONELINE);
			buf_addc(out, '\n');
		}
	}
	buf_free(&val);
	arena_free(&a);
}

/* HTML through the user's copiousoutput viewer; -1 when there is none or
 * it failed (the built-in converter is then used). */
static int
render_mailcap(struct buf *out, const struct mime_part *p, const char *body,
    size_t len, bool decoded, const struct mail_render_opts *o)
{
	const struct mailcap_entry	*e;
	struct buf			 raw = BUF_INIT, text = BUF_INIT;
	char				*error = NULL;
	int				 r = -1;

	if (o->mailcap == NULL || !mime_part_is(p, "text", "html") ||
	    mailcap_lookup(o->mailcap, "text/html", true, p->params, p->nparams, &e) < 0)
		return -1;
	if (decoded)
		buf_add(&raw, body, len);
	else
		mime_decode(p->enc, body, len, &raw);
	if (mailcap_filter(e, "text/html", p->params, p->nparams, buf_cstr(&raw), raw.len,
	    p->filename, &text, &error) == 0) {
		mime_text_safe(out, buf_cstr(&text), text.len, 0);
		r = 0;
	}
	free(error);
	buf_free(&raw);
	buf_free(&text);
	return r;
}

void
mail_render_part(struct buf *out, const struct mime_part *p, const char *body,
    size_t len, bool decoded, const struct mail_render_opts *o)
{
	struct mime_part	 copy;
	unsigned		 width = o->width != 0 ? o->width : 78;

	if (render_mailcap(out, p, body, len, decoded, o) == 0) {
		end_line(out);
		return;
	}
	if (decoded) {
		/* BINARY already undid the transfer encoding. */
		copy = *p;
		copy.enc = MIME_ENC_BINARY;
		p = &copy;
	}
	mime_part_render(out, p, body, len, width);
	end_line(out);
}

/* A folder name as one shell word, for the save hint. */
static void
shell_word(struct buf *out, const char *s)
{
	const char	*c;

	if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._/-+@")] == '\0' && *s != '\0') {
		mime_text_safe(out, s, strlen(s), MIME_SAFE_ONELINE);
		return;
	}
	buf_addc(out, '\'');
	for (c = s; *c != '\0'; c++) {
		if (*c == '\'')
			buf_adds(out, "'\\''");
		else
			mime_text_safe(out, c, 1, MIME_SAFE_ONELINE);
	}
	buf_addc(out, '\'');
}

void
mail_render_attachment(struct buf *out, const struct mime_part *p, uint32_t uid,
    const char *folder)
{
	uint64_t	 size = p->size;

	buf_adds(out, "[-- attachment ");
	safe_line(out, *p->spec != '\0' ? p->spec : "TEXT", MIME_SAFE_ONELINE);
	buf_adds(out, ": ");
	if (p->filename != NULL) {
		safe_line(out, p->filename, MIME_SAFE_ONELINE);
		buf_adds(out, ", ");
	}
	safe_line(out, p->type, MIME_SAFE_ONELINE);
	buf_addc(out, '/');
	safe_line(out, p->subtype, MIME_SAFE_ONELINE);
	/* What the user gets when saving: base64 shrinks by a quarter. */
	if (p->enc == MIME_ENC_BASE64)
		size = size / 4 * 3;
	if (p->children == NULL) {
		buf_adds(out, ", ");
		mail_render_size(out, size);
	}
	buf_adds(out, ": crispin save ");
	if (folder != NULL && strcmp(folder, "INBOX") != 0) {
		buf_adds(out, "-f ");
		shell_word(out, folder);
		buf_addc(out, ' ');
	}
	buf_printf(out, "%u ", uid);
	safe_line(out, *p->spec != '\0' ? p->spec : "TEXT", MIME_SAFE_ONELINE);
	buf_adds(out, " --]\n");
}

void
mail_message_render(struct buf *out, const struct mail_message *m,
    const struct mime_shown *shown, size_t n, const struct mail_render_opts *o)
{
	const struct mime_shown	*s;
	const char		*body, *hdr;
	char			*key;
	size_t			 i, len;
	bool			 decoded;

	if (!o->no_header) {
		hdr = mail_message_header(m, &len);
		mail_render_headers(out, hdr, len, 0, o);
		buf_addc(out, '\n');
	}
	for (i = 0; i < n; i++) {
		s = &shown[i];
		switch (s->how) {
		case MIME_SHOW_INLINE:
			body = mail_message_body(m, s->part->spec, &len, &decoded);
			end_line(out);
			if (body != NULL)
				mail_render_part(out, s->part, body, len, decoded, o);
			break;
		case MIME_SHOW_HEADERS:
			end_line(out);
			buf_adds(out, "\n[-- message ");
			safe_line(out, s->part->spec, MIME_SAFE_ONELINE);
			buf_adds(out, " --]\n");
			key = xasprintf("%s%sHEADER", s->part->spec,
			    *s->part->spec != '\0' ? "." : "");
			if ((body = mail_message_body(m, key, &len, &decoded)) != NULL)
				mail_render_headers(out, body, len, 0, o);
			free(key);
			buf_addc(out, '\n');
			break;
		case MIME_SHOW_ATTACHMENT:
			end_line(out);
			/* Set apart from the text above it. */
			if (out->len > 1 && out->data[out->len - 2] != '\n' &&
			    (i == 0 || shown[i - 1].how != MIME_SHOW_ATTACHMENT))
				buf_addc(out, '\n');
			mail_render_attachment(out, s->part, mail_message_uid(m),
			    o->folder);
			break;
		}
	}
}
