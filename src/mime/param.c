/*
 * Content-Type and Content-Disposition values (RFC 2045 5.1, RFC 2183)
 * with RFC 2231 parameter continuations and charsets, and the broken
 * forms mailers produce: encoded words in quoted values, unquoted values
 * with spaces, missing semicolons.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/buf.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_header.h"
#include "crispin/xalloc.h"

/* Bounds against hostile headers; real mail stays far below. */
#define PARAM_MAX	128
#define SECTION_MAX	999

/* One name=value as written, before continuations are joined. */
struct raw_param {
	char		*name;		/* lower-cased, without *N and '*' */
	int		 section;	/* -1: not a continuation */
	bool		 extended;	/* name ended in '*': charset'lang'%XX */
	char		*value;		/* unquoted, unescaped */
	bool		 used;
};

struct param_list {
	struct raw_param items[PARAM_MAX];
	size_t		 count;
};

static bool	 is_wsp(char);
static void	 skip_cfws(const char **);
static size_t	 token_len(const char *, const char *);
static char	*lower_dup(struct arena *, const char *, size_t);
static bool	 at_next_param(const char *);
static char	*read_value(const char **, struct arena *);
static void	 add_raw(struct param_list *, struct arena *, const char *,
		    size_t, char *);
static void	 parse_params(const char *, struct arena *, struct param_list *);
static int	 hexval(int);
static void	 percent_decode(struct buf *, const char *);
static char	*to_utf8(struct arena *, const char *, struct buf *);
static char	*join(struct param_list *, size_t, struct arena *);
static void	 assemble(struct param_list *, struct arena *,
		    struct mime_param **, size_t *);

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips whitespace and (nested (comments)). */
static void
skip_cfws(const char **pp)
{
	const char	*p = *pp;
	int		 depth;

	for (;;) {
		while (is_wsp(*p))
			p++;
		if (*p != '(')
			break;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
	*pp = p;
}

static size_t
token_len(const char *p, const char *stops)
{
	size_t	 n;

	for (n = 0; p[n] != '\0' && !is_wsp(p[n]) && strchr(stops, p[n]) == NULL;
	    n++)
		;
	return n;
}

static char *
lower_dup(struct arena *arena, const char *s, size_t n)
{
	char	*d = arena_strndup(arena, s, n);
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	}
	return d;
}

/* Whether p starts "token =" (a parameter after a missing semicolon). */
static bool
at_next_param(const char *p)
{
	size_t	 n = token_len(p, ";=()\"<>@,:\\/[]?");

	if (n == 0)
		return false;
	p += n;
	while (is_wsp(*p))
		p++;
	return *p == '=';
}

/* Reads a quoted string or a token, or a run of words up to ';'. */
static char *
read_value(const char **pp, struct arena *arena)
{
	const char	*p = *pp, *start, *q;
	struct buf	 b = BUF_INIT;
	char		*v;
	size_t		 n;

	skip_cfws(&p);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '\r' || *p == '\n')
				continue;
			buf_addc(&b, *p);
		}
		if (*p == '"')
			p++;
		*pp = p;
		v = arena_strndup(arena, b.data != NULL ? b.data : "", b.len);
		buf_free(&b);
		return v;
	}
	start = p;
	while (*p != '\0' && *p != ';') {
		if (!is_wsp(*p)) {
			p++;
			continue;
		}
		for (q = p; is_wsp(*q); q++)
			;
		if (*q == '\0' || *q == ';' || *q == '(' || at_next_param(q))
			break;
		p = q;
	}
	n = (size_t)(p - start);
	*pp = p;
	return arena_strndup(arena, start, n);
}

static void
add_raw(struct param_list *l, struct arena *arena, const char *name,
    size_t n, char *value)
{
	struct raw_param	*r;
	const char		*star;
	size_t			 i;
	int			 section = -1;
	bool			 ext = false;

	if (l->count == PARAM_MAX)
		return;
	if (n > 0 && name[n - 1] == '*') {
		ext = true;
		n--;
	}
	star = memchr(name, '*', n);
	if (star != NULL && star + 1 < name + n) {
		section = 0;
		for (i = (size_t)(star + 1 - name); i < n; i++) {
			if (name[i] < '0' || name[i] > '9' ||
			    section > SECTION_MAX) {
				section = -2;
				break;
			}
			section = section * 10 + (name[i] - '0');
		}
		if (section > SECTION_MAX)
			section = -2;
		if (section == -2)
			return;
		n = (size_t)(star - name);
	} else if (star != NULL)
		n = (size_t)(star - name);
	if (n == 0)
		return;
	r = &l->items[l->count++];
	r->name = lower_dup(arena, name, n);
	r->section = section;
	r->extended = ext;
	r->value = value;
	r->used = false;
}

static void
parse_params(const char *p, struct arena *arena, struct param_list *l)
{
	const char	*name;
	size_t		 n;
	char		*value;

	for (;;) {
		skip_cfws(&p);
		while (*p == ';' || is_wsp(*p)) {
			p++;
			skip_cfws(&p);
		}
		if (*p == '\0')
			return;
		name = p;
		n = token_len(p, ";=()\"");
		p += n;
		skip_cfws(&p);
		if (n == 0 || *p != '=') {
			/* No "name=": skip to the next parameter. */
			if (n == 0 && *p != '\0' && *p != ';')
				p++;
			while (*p != '\0' && *p != ';') {
				if (!is_wsp(*p)) {
					p++;
					continue;
				}
				while (is_wsp(*p))
					p++;
				if (at_next_param(p))
					break;
			}
			continue;
		}
		p++;
		value = read_value(&p, arena);
		add_raw(l, arena, name, n, value);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
percent_decode(struct buf *out, const char *s)
{
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = hexval(s[1])) >= 0 &&
		    (lo = hexval(s[2])) >= 0) {
			buf_addc(out, (char)(hi << 4 | lo));
			s += 2;
		} else
			buf_addc(out, *s);
	}
}

/* Converts bytes in charset (NULL or unknown: as raw header text). */
static char *
to_utf8(struct arena *arena, const char *charset, struct buf *bytes)
{
	struct buf	 out = BUF_INIT;
	char		*v;

	if (charset != NULL && mime_charset_known(charset))
		mime_charset_to_utf8(charset, bytes->data, bytes->len, &out);
	else
		mime_decode_words(&out, buf_cstr(bytes), NULL);
	v = arena_strndup(arena, out.data != NULL ? out.data : "", out.len);
	buf_free(&out);
	return v;
}

/* Joins the continuations of the parameter at index first (RFC 2231 3-4). */
static char *
join(struct param_list *l, size_t first, struct arena *arena)
{
	struct buf	 bytes = BUF_INIT;
	const char	*name = l->items[first].name, *v, *q1, *q2;
	char		*charset = NULL, *result;
	size_t		 i;
	int		 want, best;
	bool		 any = false;

	for (want = 0; ; want = best + 1) {
		/* The next section in number order; gaps are tolerated. */
		size_t pick = 0;

		best = -1;
		for (i = 0; i < l->count; i++) {
			struct raw_param *r = &l->items[i];

			if (r->used || r->section < want ||
			    strcmp(r->name, name) != 0)
				continue;
			if (best < 0 || r->section < best) {
				best = r->section;
				pick = i;
			}
		}
		if (best < 0)
			break;
		for (i = 0; i < l->count; i++) {
			if (strcmp(l->items[i].name, name) == 0 &&
			    l->items[i].section == best)
				l->items[i].used = true;
		}
		v = l->items[pick].value;
		if (!l->items[pick].extended) {
			buf_adds(&bytes, v);
			any = true;
			continue;
		}
		/* Only the first section may name the charset. */
		if (!any && (q1 = strchr(v, '\'')) != NULL &&
		    (q2 = strchr(q1 + 1, '\'')) != NULL) {
			charset = arena_strndup(arena, v, (size_t)(q1 - v));
			v = q2 + 1;
		}
		any = true;
		percent_decode(&bytes, v);
	}
	result = to_utf8(arena, charset, &bytes);
	buf_free(&bytes);
	return result;
}

static void
assemble(struct param_list *l, struct arena *arena,
    struct mime_param **params, size_t *nparams)
{
	struct mime_param	*out;
	struct raw_param	*r, *ext, *plain, *sect;
	struct buf		 b = BUF_INIT;
	size_t			 i, j, n = 0;
	const char		*q1, *q2, *v;
	char			*cs;

	out = arena_array(arena, l->count + 1, sizeof(*out));
	for (i = 0; i < l->count; i++) {
		r = &l->items[i];
		if (r->used)
			continue;
		ext = plain = sect = NULL;
		for (j = i; j < l->count; j++) {
			struct raw_param *o = &l->items[j];

			if (o->used || strcmp(o->name, r->name) != 0)
				continue;
			if (o->section >= 0 && sect == NULL)
				sect = o;
			else if (o->section < 0 && o->extended && ext == NULL)
				ext = o;
			else if (o->section < 0 && !o->extended &&
			    plain == NULL)
				plain = o;
		}
		out[n].name = r->name;
		if (sect != NULL) {
			out[n].value = join(l, (size_t)(sect - l->items),
			    arena);
		} else if (ext != NULL) {
			v = ext->value;
			cs = NULL;
			if ((q1 = strchr(v, '\'')) != NULL &&
			    (q2 = strchr(q1 + 1, '\'')) != NULL) {
				cs = arena_strndup(arena, v, (size_t)(q1 - v));
				v = q2 + 1;
			}
			buf_reset(&b);
			percent_decode(&b, v);
			out[n].value = to_utf8(arena, cs, &b);
		} else if (strcmp(plain->name, "boundary") == 0) {
			/* Boundaries are compared byte for byte. */
			out[n].value = plain->value;
		} else {
			buf_reset(&b);
			buf_adds(&b, plain->value);
			out[n].value = to_utf8(arena, NULL, &b);
		}
		n++;
		for (j = i; j < l->count; j++) {
			if (strcmp(l->items[j].name, r->name) == 0)
				l->items[j].used = true;
		}
	}
	buf_free(&b);
	*params = out;
	*nparams = n;
}

const char *
mime_param_get(const struct mime_param *params, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(params[i].name, name) == 0)
			return params[i].value;
	}
	return NULL;
}

int
mime_ctype_parse(const char *value, struct arena *arena,
    struct mime_ctype *ct)
{
	struct param_list	*l;
	const char		*p = value, *type, *sub = NULL, *rest;
	size_t			 tn, sn = 0;
	bool			 ok = false;
	struct mime_param	*params;

	memset(ct, 0, sizeof(*ct));
	if (p == NULL)
		p = "";
	skip_cfws(&p);
	type = p;
	tn = token_len(p, "/;=()\"");
	p += tn;
	rest = p;
	skip_cfws(&p);
	if (tn > 0 && *p == '/') {
		p++;
		skip_cfws(&p);
		sub = p;
		sn = token_len(p, ";=()\"");
		p += sn;
		ok = sn > 0;
		rest = p;
	} else if (tn > 0 && *p == '=')
		rest = type;	/* "charset=utf-8" alone: no type at all */
	l = xcalloc(1, sizeof(*l));
	parse_params(rest, arena, l);
	assemble(l, arena, &ct->params, &ct->nparams);
	free(l);
	if (ok) {
		ct->type = lower_dup(arena, type, tn);
		ct->subtype = lower_dup(arena, sub, sn);
		return 0;
	}
	ct->type = "text";
	ct->subtype = "plain";
	if (mime_param_get(ct->params, ct->nparams, "charset") == NULL) {
		/* assemble() left room for one more entry. */
		params = ct->params;
		params[ct->nparams].name = "charset";
		params[ct->nparams].value = "us-ascii";
		ct->nparams++;
	}
	return -1;
}

int
mime_disposition_parse(const char *value, struct arena *arena,
    const char **disposition, struct mime_param **params, size_t *nparams)
{
	struct param_list	*l;
	const char		*p = value, *tok, *rest;
	size_t			 n;
	int			 ret = 0;

	if (p == NULL)
		p = "";
	skip_cfws(&p);
	tok = p;
	n = token_len(p, ";=()\"");
	p += n;
	rest = p;
	skip_cfws(&p);
	if (n == 0 || *p == '=') {
		/* "filename=x" without a disposition type. */
		*disposition = "";
		rest = tok;
		ret = -1;
	} else
		*disposition = lower_dup(arena, tok, n);
	l = xcalloc(1, sizeof(*l));
	parse_params(rest, arena, l);
	assemble(l, arena, params, nparams);
	free(l);
	return ret;
}
