/*
 * Replies and forwards: who gets the answer, the subject, the threading
 * headers and the quoted text, the way a mutt user expects them.
 */
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crispin/arena.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_date.h"
#include "crispin/mime_header.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "draft_p.h"

/* References kept in a reply: the first id (the thread's root) and the
 * most recent ones; enough for any threading, short enough for a header. */
#define REFERENCES_MAX	20

/* Subject prefixes of replies in the languages mail clients write them
 * in, matched case-insensitively before a colon. */
static const char *const reply_prefixes[] = {
	"re", "aw", "sv", "vs", "antw", "odp", "ref", "r", "atb", "vá",
};
static const char *const forward_prefixes[] = {
	"fwd", "fw", "wg", "tr", "vl", "enc", "rv", "i",
};

/* The original's header, parsed once. */
struct orig {
	struct arena		*arena;
	struct mime_headers	 h;
	struct mime_addr	*from;
	size_t			 nfrom;
	char			*subject;	/* decoded, one clean line */
};

/* A list of addresses being built, without duplicates. */
struct rcpts {
	struct buf		 text;
	struct arena		*seen;		/* holds v: the mailboxes added */
	const char		**v;
	size_t			 n;
};

static void orig_parse(struct orig *, const struct mail_original *);
static void orig_free(struct orig *);
static const char *strip_prefixes(const char *, const char *const *, size_t);
static void rcpts_init(struct rcpts *);
static void rcpts_free(struct rcpts *);
static bool rcpts_has(const struct rcpts *, const char *);
static void rcpts_add(struct rcpts *, const struct mime_addr *);
static int add_list(struct rcpts *, const struct mail_draft_opts *, const char *,
	    struct arena *, const struct rcpts *, bool, char **);
static char *list_post(const struct mime_headers *);
static size_t scan_msgids(const char *, const char **, size_t *, size_t);
static const char *raw_body(const char *, size_t *, bool *, void *);
static void set_threading(struct mail_draft *, const struct mime_headers *);
static void format_date(struct buf *, const struct mail_draft_opts *, const char *);
static void attribution(struct buf *, const struct mail_draft_opts *, struct orig *);
static void forward_block(struct buf *, const struct mail_original *, struct orig *);
static void unflow_prefixes(struct buf *, const char *, size_t);

static void
orig_parse(struct orig *o, const struct mail_original *m)
{
	struct buf	 subj = BUF_INIT, clean = BUF_INIT;
	const char	*v;

	memset(o, 0, sizeof *o);
	o->arena = arena_new(0);
	if (m->header == NULL ||
	    mime_headers_parse(m->header, m->header_len, o->arena, &o->h, NULL) < 0)
		memset(&o->h, 0, sizeof o->h);
	mime_addr_parse(mime_header_get(&o->h, "From"), o->arena, &o->from, &o->nfrom);
	if ((v = mime_header_get(&o->h, "Subject")) != NULL)
		mime_decode_words(&subj, v, NULL);
	draft_clean_line(&clean, buf_cstr(&subj), subj.len);
	o->subject = buf_steal(&clean);
	buf_free(&subj);
}

static void
orig_free(struct orig *o)
{
	free(o->subject);
	arena_free(&o->arena);
}

/* Skips "Re: ", "RE[2]: ", "Aw: Re: " and the like at the start. */
static const char *
strip_prefixes(const char *s, const char *const *prefixes, size_t n)
{
	const char	*p;
	size_t		 i, len;
	bool		 again = true;

	while (again) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; i < n && !again; i++) {
			len = strlen(prefixes[i]);
			if (strncasecmp(s, prefixes[i], len) != 0)
				continue;
			p = s + len;
			/* "Re[2]:" and "Re^2:" count replies. */
			if (*p == '[') {
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
				if (*p++ != ']')
					continue;
			} else if (*p == '^') {
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
			}
			if (*p == ' ')
				p++;	/* "Re :" from some French clients */
			if (*p != ':')
				continue;
			s = p + 1;
			again = true;
		}
	}
	return s;
}

char *
mail_draft_reply_subject(const char *subject)
{
	const char	*rest;

	rest = strip_prefixes(subject != NULL ? subject : "", reply_prefixes,
	    sizeof reply_prefixes / sizeof reply_prefixes[0]);
	return xasprintf("Re: %s", *rest != '\0' ? rest : "your mail");
}

char *
mail_draft_forward_subject(const char *subject)
{
	const char	*rest;

	rest = strip_prefixes(subject != NULL ? subject : "", forward_prefixes,
	    sizeof forward_prefixes / sizeof forward_prefixes[0]);
	return xasprintf("Fwd: %s", rest);
}

int
mail_draft_is_mine(const struct mail_draft_opts *o, const char *addr, char **error_r)
{
	struct arena		*a;
	struct mime_addr	*v;
	regex_t			 re;
	char			*list, *w, *save = NULL, msg[256];
	size_t			 n, i;
	int			 r, mine = 0;

	if (o->from != NULL) {
		a = arena_new(0);
		mime_addr_parse(o->from, a, &v, &n);
		for (i = 0; i < n && !mine; i++)
			mine = v[i].mailbox != NULL && str_ieq(v[i].mailbox, addr);
		arena_free(&a);
	}
	if (mine || o->alternates == NULL)
		return mine;
	list = xstrdup(o->alternates);
	for (w = strtok_r(list, " \t", &save); w != NULL && !mine;
	    w = strtok_r(NULL, " \t", &save)) {
		if ((r = regcomp(&re, w, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
			regerror(r, &re, msg, sizeof msg);
			*error_r = xasprintf("alternates: '%s' is no regular expression "
			    "(%s)", w, msg);
			free(list);
			return -1;
		}
		mine = regexec(&re, addr, 0, NULL, 0) == 0;
		regfree(&re);
	}
	free(list);
	return mine;
}

static void
rcpts_init(struct rcpts *r)
{
	memset(r, 0, sizeof *r);
	r->seen = arena_new(0);
}

static void
rcpts_free(struct rcpts *r)
{
	buf_free(&r->text);
	free(r->v);
	arena_free(&r->seen);
}

static bool
rcpts_has(const struct rcpts *r, const char *mailbox)
{
	size_t	 i;

	for (i = 0; i < r->n; i++) {
		if (str_ieq(r->v[i], mailbox))
			return true;
	}
	return false;
}

/* Adds one address, its display name made one safe line. */
static void
rcpts_add(struct rcpts *r, const struct mime_addr *a)
{
	struct mime_addr	 copy = *a;
	struct buf		 name = BUF_INIT, box = BUF_INIT;

	draft_clean_line(&box, a->mailbox, strlen(a->mailbox));
	copy.mailbox = buf_cstr(&box);
	if (a->name != NULL && *a->name != '\0') {
		draft_clean_line(&name, a->name, strlen(a->name));
		copy.name = buf_cstr(&name);
	} else
		copy.name = NULL;
	if (r->text.len > 0)
		buf_adds(&r->text, ", ");
	mime_addr_format(&r->text, &copy);
	r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n++] = arena_strdup(r->seen, copy.mailbox);
	buf_free(&name);
	buf_free(&box);
}

/*
 * Adds the addresses of a header value: group markers and text that is
 * no address skipped, duplicates (also those in other) dropped, and with
 * drop_mine the user's own.
 */
static int
add_list(struct rcpts *r, const struct mail_draft_opts *o, const char *value,
    struct arena *a, const struct rcpts *other, bool drop_mine, char **error_r)
{
	struct mime_addr	*v;
	size_t			 n, i;
	int			 mine;

	mime_addr_parse(value, a, &v, &n);
	for (i = 0; i < n; i++) {
		if (v[i].mailbox == NULL || *v[i].mailbox == '\0')
			continue;
		if (rcpts_has(r, v[i].mailbox) ||
		    (other != NULL && rcpts_has(other, v[i].mailbox)))
			continue;
		if (drop_mine) {
			if ((mine = mail_draft_is_mine(o, v[i].mailbox, error_r)) < 0)
				return -1;
			if (mine)
				continue;
		}
		rcpts_add(r, &v[i]);
	}
	return 0;
}

/* The address of a List-Post: <mailto:list@example.org?subject=x>; NULL
 * for "NO" (posting not allowed) or no mailto URL. */
static char *
list_post(const struct mime_headers *h)
{
	const char	*v, *p, *end;

	if ((v = mime_header_get(h, "List-Post")) == NULL)
		return NULL;
	for (p = v; (p = strchr(p, '<')) != NULL; p++) {
		if (strncasecmp(p + 1, "mailto:", 7) != 0)
			continue;
		p += 8;
		end = p + strcspn(p, "?>, \t\r\n");
		if (end > p && memchr(p, '@', (size_t)(end - p)) != NULL)
			return xstrndup(p, (size_t)(end - p));
	}
	return NULL;
}

/*
 * Collects the well-formed "<id>" tokens of s into ids (pointers into s,
 * lengths in lens) up to max; returns how many. Anything else between
 * them (comments, junk) is skipped.
 */
static size_t
scan_msgids(const char *s, const char **ids, size_t *lens, size_t max)
{
	const char	*p, *end;
	size_t		 n = 0, len, i;
	bool		 ok;

	for (p = s; p != NULL && *p != '\0' && n < max; p = end) {
		if ((p = strchr(p, '<')) == NULL)
			break;
		if ((end = strchr(p, '>')) == NULL)
			break;
		len = (size_t)(end - p) + 1;
		end++;
		ok = len > 2 && len < 250;
		for (i = 1; ok && i + 1 < len; i++)
			ok = p[i] > ' ' && p[i] < 0x7f && p[i] != '<';
		if (ok) {
			ids[n] = p;
			lens[n++] = len;
		}
	}
	return n;
}

/* In-Reply-To: the original's Message-ID; References: its References
 * (else its single In-Reply-To) and its Message-ID, the first kept and
 * the rest trimmed to the most recent. */
static void
set_threading(struct mail_draft *d, const struct mime_headers *h)
{
	enum { SCAN_MAX = 1000 };
	const char	*mid = mime_header_get(h, "Message-ID");
	const char	*refs = mime_header_get(h, "References");
	const char	*irt = mime_header_get(h, "In-Reply-To");
	const char	**ids = xcalloc(SCAN_MAX + 1, sizeof *ids);
	size_t		*lens = xcalloc(SCAN_MAX + 1, sizeof *lens);
	const char	*own = NULL;
	size_t		 n = 0, own_len = 0, i, first_kept;
	struct buf	 out = BUF_INIT;

	if (mid != NULL && scan_msgids(mid, &own, &own_len, 1) == 1)
		d->in_reply_to = xstrndup(own, own_len);
	if (refs != NULL)
		n = scan_msgids(refs, ids, lens, SCAN_MAX);
	if (n == 0 && irt != NULL && scan_msgids(irt, ids, lens, 2) == 1)
		n = 1;
	if (own != NULL) {
		ids[n] = own;
		lens[n++] = own_len;
	}
	first_kept = n > REFERENCES_MAX ? n - (REFERENCES_MAX - 1) : 1;
	for (i = 0; i < n; i++) {
		if (i > 0 && i < first_kept)
			continue;
		if (out.len > 0)
			buf_addc(&out, ' ');
		buf_add(&out, ids[i], lens[i]);
	}
	if (out.len > 0)
		d->references = buf_steal(&out);
	buf_free(&out);
	free(ids);
	free(lens);
}

/* The original's Date in date_format, local time; a leading "!" asks for
 * the C locale's day and month names. */
static void
format_date(struct buf *out, const struct mail_draft_opts *o, const char *value)
{
	const char	*fmt = o->date_format != NULL ? o->date_format :
			    "%a, %b %d, %Y at %I:%M:%S%p %Z";
	locale_t	 c = (locale_t)0, old = (locale_t)0;
	time_t		 t;
	char		 text[256];

	if (value == NULL || mime_date_parse(value, &t, NULL) < 0) {
		if (value != NULL)
			draft_clean_line(out, value, strlen(value));
		return;
	}
	if (*fmt == '!') {
		fmt++;
		if ((c = newlocale(LC_ALL_MASK, "C", (locale_t)0)) != (locale_t)0)
			old = uselocale(c);
	}
	if (mime_date_format(text, sizeof text, fmt, t) > 0)
		draft_clean_line(out, text, strlen(text));
	if (c != (locale_t)0) {
		uselocale(old);
		freelocale(c);
	}
}

/* The attribution line: %n name (else address), %a address, %d date,
 * %s subject, %% a percent sign; other codes are kept as written. */
static void
attribution(struct buf *out, const struct mail_draft_opts *o, struct orig *g)
{
	const char	*fmt = o->attribution != NULL ? o->attribution :
			    "On %d, %n wrote:";
	const char	*name = NULL, *addr = NULL, *p;

	if (g->nfrom > 0) {
		addr = g->from[0].mailbox;
		name = g->from[0].name != NULL && *g->from[0].name != '\0' ?
		    g->from[0].name : addr;
	}
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			buf_addc(out, *p);
			continue;
		}
		switch (*++p) {
		case 'n':
			if (name != NULL)
				draft_clean_line(out, name, strlen(name));
			break;
		case 'a':
			if (addr != NULL)
				draft_clean_line(out, addr, strlen(addr));
			break;
		case 'd':
			format_date(out, o, mime_header_get(&g->h, "Date"));
			break;
		case 's':
			buf_adds(out, g->subject);
			break;
		case '%':
			buf_addc(out, '%');
			break;
		default:
			buf_addc(out, '%');
			buf_addc(out, *p);
			break;
		}
	}
	buf_addc(out, '\n');
}

void
mail_draft_quote(struct buf *out, const char *text, size_t len, const char *indent)
{
	const char	*line, *nl, *sig = NULL, *end = text + len;
	size_t		 llen, ilen, tlen;

	if (indent == NULL)
		indent = "> ";
	ilen = strlen(indent);
	for (tlen = ilen; tlen > 0 && (indent[tlen - 1] == ' ' ||
	    indent[tlen - 1] == '\t'); tlen--)
		;
	if (tlen == 0)
		tlen = ilen;
	/* The signature: from the last "-- " line on. */
	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 3 && memcmp(line, "-- ", 3) == 0)
			sig = line;
	}
	if (sig != NULL)
		end = sig;
	/* Blank lines at the end say nothing. */
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0 || line[0] == '>')
			buf_add(out, indent, tlen);
		else
			buf_add(out, indent, ilen);
		buf_add(out, line, llen);
		buf_addc(out, '\n');
	}
}

int
mail_draft_reply(struct mail_draft *d, const struct mail_draft_opts *o,
    const struct mail_original *m, enum mail_reply_mode mode, const char *text,
    char **error_r)
{
	struct orig	 g;
	struct rcpts	 to, cc;
	const char	*primary;
	char		*list = NULL;
	int		 rc = -1;

	mail_draft_clear(d);
	orig_parse(&g, m);
	rcpts_init(&to);
	rcpts_init(&cc);
	if (mode == MAIL_REPLY_LIST) {
		if ((list = list_post(&g.h)) != NULL)
			rcpts_add(&to, &(struct mime_addr){ .mailbox = list });
		else {
			d->note = xstrdup("the message has no List-Post address (a "
			    "mailto: one): replying to the sender");
			mode = MAIL_REPLY_SENDER;
		}
	}
	if (mode != MAIL_REPLY_LIST) {
		if ((primary = mime_header_get(&g.h, "Reply-To")) == NULL)
			primary = mime_header_get(&g.h, "From");
		if (add_list(&to, o, primary, g.arena, NULL, true, error_r) < 0)
			goto out;
		/* Replying to one's own message goes to its recipients. */
		if (to.n == 0 && add_list(&to, o, mime_header_get(&g.h, "To"), g.arena,
		    NULL, false, error_r) < 0)
			goto out;
		if (to.n == 0 && add_list(&to, o, primary, g.arena, NULL, false,
		    error_r) < 0)
			goto out;
		if (to.n == 0) {
			*error_r = xstrdup("the message has no sender to reply to "
			    "(no From or Reply-To address)");
			goto out;
		}
	}
	if (mode == MAIL_REPLY_GROUP &&
	    (add_list(&cc, o, mime_header_get(&g.h, "To"), g.arena, &to, true,
	    error_r) < 0 ||
	    add_list(&cc, o, mime_header_get(&g.h, "Cc"), g.arena, &to, true,
	    error_r) < 0))
		goto out;

	d->from = mail_draft_from(o);
	d->to = buf_steal(&to.text);
	if (cc.n > 0)
		d->cc = buf_steal(&cc.text);
	d->subject = mail_draft_reply_subject(g.subject);
	set_threading(d, &g.h);

	attribution(&d->body, o, &g);
	mail_draft_quote(&d->body, m->text != NULL ? m->text : "", m->text_len,
	    o->indent_string);
	buf_addc(&d->body, '\n');
	if (text != NULL && *text != '\0') {
		buf_adds(&d->body, text);
		if (d->body.data[d->body.len - 1] != '\n')
			buf_addc(&d->body, '\n');
	}
	draft_add_signature(&d->body, o);
	rc = 0;
out:
	if (rc < 0)
		mail_draft_clear(d);
	free(list);
	rcpts_free(&to);
	rcpts_free(&cc);
	orig_free(&g);
	return rc;
}

/* "----- Forwarded message from Ann <a@x> -----", the chief fields, the
 * text, "----- End forwarded message -----". */
static void
forward_block(struct buf *out, const struct mail_original *m, struct orig *g)
{
	static const char *const fields[] = { "Date", "From", "To", "Cc", "Subject" };
	struct buf	 val = BUF_INIT;
	const char	*v;
	size_t		 i;

	buf_adds(out, "----- Forwarded message from ");
	if (g->nfrom > 0 && g->from[0].mailbox != NULL) {
		struct rcpts	 r;

		rcpts_init(&r);
		rcpts_add(&r, &g->from[0]);
		buf_add(out, r.text.data, r.text.len);
		rcpts_free(&r);
	} else
		buf_adds(out, "an unknown sender");
	buf_adds(out, " -----\n\n");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if ((v = mime_header_get(&g->h, fields[i])) == NULL)
			continue;
		buf_reset(&val);
		mime_decode_words(&val, v, NULL);
		buf_printf(out, "%s: ", fields[i]);
		draft_clean_line(out, buf_cstr(&val), val.len);
		buf_addc(out, '\n');
	}
	buf_addc(out, '\n');
	if (m->text != NULL && m->text_len > 0) {
		buf_add(out, m->text, m->text_len);
		if (m->text[m->text_len - 1] != '\n')
			buf_addc(out, '\n');
	}
	buf_adds(out, "\n----- End forwarded message -----\n");
	buf_free(&val);
}

void
mail_draft_forward(struct mail_draft *d, const struct mail_draft_opts *o,
    const struct mail_original *m, bool attach, const char *text)
{
	struct orig	 g;

	mail_draft_clear(d);
	orig_parse(&g, m);
	d->from = mail_draft_from(o);
	d->subject = mail_draft_forward_subject(g.subject);
	if (text != NULL && *text != '\0') {
		buf_adds(&d->body, text);
		if (d->body.data[d->body.len - 1] != '\n')
			buf_addc(&d->body, '\n');
	}
	if (attach && m->raw != NULL) {
		buf_addc(&d->body, '\n');
		mail_draft_attach_data(d, m->raw, m->raw_len, "message/rfc822", NULL);
	} else {
		buf_addc(&d->body, '\n');
		forward_block(&d->body, m, &g);
	}
	draft_add_signature(&d->body, o);
	orig_free(&g);
}

/*
 * The flowed decoder writes "> > " per quote level; a reply quotes that
 * again, so the levels are written ">> " style, which "> " then prefixes
 * into ">>> " rather than "> > > ".
 */
static void
unflow_prefixes(struct buf *out, const char *s, size_t len)
{
	const char	*line, *nl, *end = s + len, *p;
	unsigned	 depth;

	for (line = s; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		for (p = line, depth = 0; p < nl && *p == '>'; depth++) {
			p++;
			if (p < nl && *p == ' ')
				p++;
		}
		while (depth-- > 0)
			buf_addc(out, '>');
		if (p > line && p < nl)
			buf_addc(out, ' ');
		buf_add(out, p, (size_t)(nl - p));
		if (nl < end)
			buf_addc(out, '\n');
	}
}

void
mail_draft_display_text(struct buf *out, const struct mime_shown *shown, size_t n,
    mail_draft_body_fn *body_fn, void *arg)
{
	struct mime_part	 copy;
	const struct mime_part	*p;
	struct buf		 text = BUF_INIT;
	const char		*body, *format;
	size_t			 i, len;
	bool			 decoded;

	for (i = 0; i < n; i++) {
		if (shown[i].how != MIME_SHOW_INLINE)
			continue;
		p = shown[i].part;
		if ((body = body_fn(p->spec, &len, &decoded, arg)) == NULL)
			continue;
		if (decoded) {
			copy = *p;
			copy.enc = MIME_ENC_BINARY;
			p = &copy;
		}
		buf_reset(&text);
		/* Width 0: flowed paragraphs stay whole lines. */
		mime_part_render(&text, p, body, len, 0);
		if (out->len > 0)
			buf_addc(out, '\n');	/* parts apart by a blank line */
		format = mime_param_get(p->params, p->nparams, "format");
		if (format != NULL && strcasecmp(format, "flowed") == 0)
			unflow_prefixes(out, buf_cstr(&text), text.len);
		else
			buf_add(out, buf_cstr(&text), text.len);
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_addc(out, '\n');
	}
	buf_free(&text);
}

struct raw_bodies {
	const char		*raw;
	const struct mime_part	*root;
};

static const char *
raw_body(const char *section, size_t *len, bool *decoded, void *arg)
{
	struct raw_bodies	*rb = arg;
	const struct mime_part	*p;

	if ((p = mime_part_find(rb->root, section)) == NULL || !p->has_offsets)
		return NULL;
	*len = p->body_len;
	*decoded = false;
	return rb->raw + p->body_offset;
}

size_t
mail_draft_select(const struct mime_part *root, const char *alternative_order,
    struct arena *a, struct mime_shown **shown)
{
	static const char *const dflt_order[] = { "text/plain", "text/html", NULL };
	const char	**order = NULL;
	char		*copy = NULL, *w, *save = NULL;
	size_t		 n, norder = 0;

	if (alternative_order != NULL) {
		copy = xstrdup(alternative_order);
		for (w = strtok_r(copy, " \t,", &save); w != NULL;
		    w = strtok_r(NULL, " \t,", &save)) {
			order = xreallocarray(order, norder + 2, sizeof *order);
			order[norder++] = w;
			order[norder] = NULL;
		}
	}
	n = mime_select_display(root, order != NULL ? order : dflt_order, a, shown);
	free(order);
	free(copy);
	return n;
}

int
mail_draft_raw_text(struct buf *out, const char *raw, size_t len,
    const char *alternative_order, size_t *header_len_r, char **error_r)
{
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct mime_shown	*shown;
	struct raw_bodies	 rb;
	size_t			 n;

	if (mime_parse_message(raw, len, a, NULL, &root, error_r) < 0) {
		arena_free(&a);
		return -1;
	}
	n = mail_draft_select(root, alternative_order, a, &shown);
	rb.raw = raw;
	rb.root = root;
	mail_draft_display_text(out, shown, n, raw_body, &rb);
	if (header_len_r != NULL)
		*header_len_r = root->has_offsets ? root->body_offset : len;
	arena_free(&a);
	return 0;
}
