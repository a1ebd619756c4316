/*
 * Address lists (RFC 5322 3.4 and 4.4): a tolerant lexer, then a parser
 * that always produces something to show, whatever the header holds.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_header.h"
#include "crispin/xalloc.h"

enum tok_type {
	T_ATOM,
	T_QUOTED,
	T_COMMENT,
	T_DOMLIT,
	T_SPECIAL,
};

struct tok {
	enum tok_type	 type;
	const char	*text;		/* arena; unescaped content */
	char		 c;		/* T_SPECIAL: the character */
	bool		 space;		/* whitespace or comment before */
	size_t		 start, end;	/* raw offsets */
};

struct lexed {
	struct tok	*toks;
	size_t		 count, cap;
};

struct out {
	struct mime_addr *items;
	size_t		 count, cap;
};

/* RFC 5322 specials: a switch, not strchr, since every character of
 * every address printed goes through it. */
static bool
is_special_char(char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '[': case ']':
	case ':': case ';': case '@': case '\\': case ',': case '.': case '"':
		return true;
	default:
		return false;
	}
}

static bool	 is_wsp(char);
static struct tok *new_tok(struct lexed *, enum tok_type, size_t, bool);
static size_t	 lex_delimited(const char *, size_t, char, struct buf *);
static void	 lex(const char *, struct arena *, struct lexed *);
static bool	 is_special(const struct tok *, char);
static bool	 is_word(const struct tok *);
static struct mime_addr *emit(struct out *);
static const char *decode(struct arena *, const char *);
static const char *phrase(struct arena *, const struct tok *, size_t, size_t);
static bool	 plain_local(const char *);
static const char *addr_spec(struct arena *, const struct tok *, size_t,
		    size_t);
static const char *raw_text(struct arena *, const char *, const struct tok *,
		    size_t, size_t);

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct tok *
new_tok(struct lexed *l, enum tok_type type, size_t start, bool space)
{
	struct tok	*t;

	if (l->count == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->toks = xreallocarray(l->toks, l->cap, sizeof(*l->toks));
	}
	t = &l->toks[l->count++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->start = start;
	t->space = space;
	return t;
}

/*
 * Reads a quoted string or a comment starting at s[i] (the opening char)
 * into b without the delimiters and escapes; comments nest. Returns the
 * offset after the closing char (or the end of the text).
 */
static size_t
lex_delimited(const char *s, size_t i, char close, struct buf *b)
{
	int	 depth = 1;
	char	 open = s[i];

	buf_reset(b);
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0') {
			buf_addc(b, s[++i]);
			continue;
		}
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (open == '(' && s[i] == '(')
			depth++;
		else if (s[i] == close && --depth == 0)
			return i + 1;
		buf_addc(b, s[i]);
	}
	return i;
}

static void
lex(const char *s, struct arena *arena, struct lexed *l)
{
	struct buf	 b = BUF_INIT;
	struct tok	*t;
	size_t		 i = 0, j;
	bool		 space = false;

	while (s[i] != '\0') {
		if (is_wsp(s[i])) {
			space = true;
			i++;
			continue;
		}
		if (s[i] == '(' || s[i] == '"') {
			t = new_tok(l, s[i] == '(' ? T_COMMENT : T_QUOTED, i,
			    space);
			i = lex_delimited(s, i, s[i] == '(' ? ')' : '"', &b);
			t->text = arena_strndup(arena, buf_cstr(&b), b.len);
		} else if (s[i] == '[') {
			t = new_tok(l, T_DOMLIT, i, space);
			for (j = i + 1; s[j] != '\0' && s[j] != ']'; j++)
				;
			if (s[j] == ']')
				j++;
			t->text = arena_strndup(arena, s + i, j - i);
			i = j;
		} else if (is_special_char(s[i])) {
			t = new_tok(l, T_SPECIAL, i, space);
			t->c = s[i];
			t->text = arena_strndup(arena, s + i, 1);
			i++;
		} else {
			t = new_tok(l, T_ATOM, i, space);
			for (j = i; s[j] != '\0' && !is_wsp(s[j]) &&
			    !is_special_char(s[j]); j++)
				;
			t->text = arena_strndup(arena, s + i, j - i);
			i = j;
		}
		t->end = i;
		/* A comment separates words just as a space does. */
		space = t->type == T_COMMENT;
	}
	buf_free(&b);
}

static bool
is_special(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->c == c;
}

static bool
is_word(const struct tok *t)
{
	return t->type == T_ATOM || t->type == T_QUOTED;
}

static struct mime_addr *
emit(struct out *o)
{
	struct mime_addr	*a;

	if (o->count == o->cap) {
		o->cap = o->cap == 0 ? 8 : o->cap * 2;
		o->items = xreallocarray(o->items, o->cap, sizeof(*o->items));
	}
	a = &o->items[o->count++];
	memset(a, 0, sizeof(*a));
	return a;
}

/* Display text of a phrase or comment; NULL when empty. */
static const char *
decode(struct arena *arena, const char *raw)
{
	struct buf	 b = BUF_INIT;
	const char	*s;
	size_t		 n;

	mime_decode_words(&b, raw, NULL);
	s = buf_cstr(&b);
	while (is_wsp(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_wsp(s[n - 1]))
		n--;
	s = n == 0 ? NULL : arena_strndup(arena, s, n);
	buf_free(&b);
	return s;
}

/* Joins tokens [from, to) as words with single spaces, then decodes. */
static const char *
phrase(struct arena *arena, const struct tok *t, size_t from, size_t to)
{
	struct buf	 b = BUF_INIT;
	const char	*s;
	size_t		 i;

	for (i = from; i < to; i++) {
		if (t[i].type == T_COMMENT)
			continue;
		if (t[i].space && b.len > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, t[i].text);
	}
	s = decode(arena, buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* Whether a quoted local part can be written without its quotes. */
static bool
plain_local(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '.')
		return false;
	for (p = s; *p != '\0'; p++) {
		if (is_wsp(*p) || (unsigned char)*p < 0x20 ||
		    is_special_char(*p)) {
			if (*p != '.' || p[1] == '.' || p[1] == '\0')
				return false;
		}
	}
	return true;
}

/* local@domain from tokens [from, to), comments and spaces dropped. */
static const char *
addr_spec(struct arena *arena, const struct tok *t, size_t from, size_t to)
{
	struct buf	 b = BUF_INIT, u = BUF_INIT;
	const char	*s, *p;
	size_t		 i;

	for (i = from; i < to; i++) {
		if (t[i].type == T_COMMENT)
			continue;
		if (t[i].type != T_QUOTED || plain_local(t[i].text)) {
			buf_adds(&b, t[i].text);
			continue;
		}
		buf_addc(&b, '"');
		for (p = t[i].text; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '"');
	}
	mime_utf8_sanitize(&u, b.data != NULL ? b.data : "", b.len);
	s = arena_strndup(arena, buf_cstr(&u), u.len);
	buf_free(&b);
	buf_free(&u);
	return s;
}

static const char *
raw_text(struct arena *arena, const char *value, const struct tok *t,
    size_t from, size_t to)
{
	char		*copy;
	const char	*s;

	copy = xstrndup(value + t[from].start, t[to - 1].end - t[from].start);
	s = decode(arena, copy);
	free(copy);
	return s;
}

int
mime_addr_parse(const char *value, struct arena *arena,
    struct mime_addr **addrs, size_t *count)
{
	struct lexed		 l = { NULL, 0, 0 };
	struct out		 o = { NULL, 0, 0 };
	struct mime_addr	*a;
	const struct tok	*t;
	const char		*comment;
	size_t			 i = 0, n, start, end, words, content, k;
	bool			 in_group = false, bare;

	*addrs = NULL;
	*count = 0;
	if (value == NULL)
		return 0;
	lex(value, arena, &l);
	t = l.toks;
	n = l.count;
	while (i < n) {
		start = i;
		comment = NULL;
		words = content = 0;
		bare = true;
		for (; i < n; i++) {
			if (t[i].type == T_SPECIAL && strchr("<@:,;", t[i].c))
				break;
			if (t[i].type == T_COMMENT) {
				if (comment == NULL)
					comment = t[i].text;
				continue;
			}
			content++;
			/* Words apart from each other, not joined by dots. */
			if (is_word(&t[i]) && (words == 0 || (t[i].space &&
			    is_word(&t[i - 1]))))
				words++;
			if (t[i].type != T_ATOM && !is_special(&t[i], '.'))
				bare = false;
		}
		if (i < n && is_special(&t[i], ':')) {
			a = emit(&o);
			a->group = phrase(arena, t, start, i);
			if (a->group == NULL)
				a->group = "";
			in_group = true;
			i++;
			continue;
		}
		if (i < n && is_special(&t[i], '<')) {
			a = emit(&o);
			a->name = phrase(arena, t, start, i);
			if (a->name == NULL && comment != NULL)
				a->name = decode(arena, comment);
			i++;
			/* Obsolete route "@a,@b:" before the address. */
			if (i < n && is_special(&t[i], '@')) {
				for (k = i; k < n && (is_special(&t[k], '@') ||
				    is_special(&t[k], ',') ||
				    is_special(&t[k], '.') ||
				    t[k].type == T_ATOM ||
				    t[k].type == T_DOMLIT ||
				    t[k].type == T_COMMENT); k++)
					;
				if (k < n && is_special(&t[k], ':'))
					i = k + 1;
			}
			for (end = i; end < n && !is_special(&t[end], '>') &&
			    !is_special(&t[end], ',') &&
			    !is_special(&t[end], ';'); end++)
				;
			a->mailbox = addr_spec(arena, t, i, end);
			i = end < n && is_special(&t[end], '>') ? end + 1 : end;
			for (; i < n && !is_special(&t[i], ',') &&
			    !is_special(&t[i], ';'); i++) {
				if (t[i].type == T_COMMENT && a->name == NULL)
					a->name = decode(arena, t[i].text);
			}
		} else if (i < n && is_special(&t[i], '@')) {
			/* "John Doe john@example.org": the last word is the
			 * local part, the words before it a name. */
			k = start;
			if (words > 1) {
				for (k = i; k > start; k--) {
					if (is_word(&t[k - 1]) &&
					    t[k - 1].space && k - 1 > start &&
					    is_word(&t[k - 2])) {
						k--;
						break;
					}
				}
			}
			for (end = i + 1; end < n && !is_special(&t[end], ',') &&
			    !is_special(&t[end], ';') &&
			    !is_special(&t[end], '<'); end++) {
				if (t[end].type == T_COMMENT &&
				    comment == NULL)
					comment = t[end].text;
			}
			a = emit(&o);
			a->mailbox = addr_spec(arena, t, k, end);
			if (k > start)
				a->name = phrase(arena, t, start, k);
			else if (comment != NULL)
				a->name = decode(arena, comment);
			i = end;
		} else if (content > 0) {
			a = emit(&o);
			/* A lone word ("root", "john.doe") is a local part. */
			if (words == 1 && bare)
				a->mailbox = addr_spec(arena, t, start, i);
			else
				a->name = raw_text(arena, value, t, start, i);
			if (a->mailbox != NULL && comment != NULL)
				a->name = decode(arena, comment);
		}
		/* Whatever follows up to the next separator is junk. */
		for (; i < n && !is_special(&t[i], ',') &&
		    !is_special(&t[i], ';'); i++)
			;
		if (i < n && is_special(&t[i], ';')) {
			if (in_group) {
				emit(&o);
				in_group = false;
			}
		}
		if (i < n)
			i++;
	}
	if (in_group)
		emit(&o);
	free(l.toks);
	if (o.count > 0) {
		*addrs = arena_array(arena, o.count, sizeof(**addrs));
		memcpy(*addrs, o.items, o.count * sizeof(**addrs));
		*count = o.count;
	}
	free(o.items);
	return 0;
}

void
mime_addr_format(struct buf *out, const struct mime_addr *a)
{
	const char	*p;
	bool		 quote = false;

	if (a->mailbox == NULL && a->group != NULL) {
		buf_adds(out, a->group);
		buf_addc(out, ':');
		return;
	}
	if (a->mailbox == NULL && a->name == NULL) {
		buf_addc(out, ';');
		return;
	}
	if (a->name != NULL && a->mailbox == NULL) {
		buf_adds(out, a->name);
		return;
	}
	if (a->name == NULL) {
		buf_adds(out, a->mailbox);
		return;
	}
	for (p = a->name; *p != '\0'; p++) {
		if (is_special_char(*p))
			quote = true;
	}
	if (quote) {
		buf_addc(out, '"');
		for (p = a->name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
	} else
		buf_adds(out, a->name);
	buf_adds(out, " <");
	buf_adds(out, a->mailbox);
	buf_addc(out, '>');
}

int
mime_addr_from_imap(const struct imap_address_list *list,
    struct arena *arena, struct mime_addr **addrs, size_t *count)
{
	const struct imap_address	*in;
	struct mime_addr		*a;
	struct buf			 b = BUF_INIT, u = BUF_INIT;
	size_t				 i;

	*addrs = NULL;
	*count = 0;
	if (list == NULL || list->count == 0)
		return 0;
	*addrs = arena_array(arena, list->count, sizeof(**addrs));
	for (i = 0; i < list->count; i++) {
		in = &list->addrs[i];
		a = &(*addrs)[i];
		if (in->host == NULL) {
			/* RFC 3501 7.4.2: a group start names the group in
			 * the mailbox field; its end has both NULL. */
			if (in->mailbox != NULL) {
				a->group = decode(arena, in->mailbox);
				if (a->group == NULL)
					a->group = "";
			}
			continue;
		}
		a->name = in->name != NULL ? decode(arena, in->name) : NULL;
		buf_reset(&b);
		buf_reset(&u);
		buf_adds(&b, in->mailbox != NULL ? in->mailbox : "");
		/* Servers mark a missing domain this way (RFC 3501 7.4.2). */
		if (in->host[0] != '\0' &&
		    strcmp(in->host, ".MISSING-HOST-NAME.") != 0) {
			buf_addc(&b, '@');
			buf_adds(&b, in->host);
		}
		mime_utf8_sanitize(&u, buf_cstr(&b), b.len);
		a->mailbox = arena_strndup(arena, buf_cstr(&u), u.len);
	}
	buf_free(&b);
	buf_free(&u);
	*count = list->count;
	return 0;
}
