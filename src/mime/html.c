/*
 * The built-in HTML renderer, for mail with no text/plain alternative and
 * no html filter configured. It is a single pass over the input with no
 * tree: tags only switch states (block breaks, quote depth, lists, pre,
 * skipped content), so time is linear and nesting cannot exhaust memory.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crispin/mime_text.h"
#include "crispin/str.h"

#define MAX_LISTS	32
#define MAX_QUOTE	16
#define DEFAULT_WIDTH	78

struct html_ctx {
	struct buf	*out;
	size_t		 width;
	struct buf	 word;		/* text not yet placed */
	size_t		 col;		/* columns used on the current line */
	bool		 space;		/* a blank is due before the next word */
	bool		 written;	/* anything output yet */
	unsigned	 nl_have;	/* line breaks at the end of out */
	unsigned	 nl_want;	/* line breaks due before the next text */
	unsigned	 quote;
	unsigned	 line_quote;	/* quote depth of the last line */
	unsigned	 pre;
	bool		 in_head;
	struct {
		bool	 ordered;
		unsigned n;
	}		 lists[MAX_LISTS];
	unsigned	 nlists;	/* may exceed MAX_LISTS: then flattened */
	char		 bullet[16];	/* due before the next word of an item */
	unsigned	 cells;		/* cells so far in this table row */
	struct buf	 href;		/* the open link's target */
	bool		 in_link;
	struct buf	 links;		/* "[n] url\n" lines */
	unsigned	 nlinks;
};

struct html_attr {
	const char	*name, *value;
	size_t		 nlen, vlen;
};

typedef void tag_fn(struct html_ctx *, bool close, const char *attrs,
	    size_t alen);

struct html_tag {
	const char	*name;
	unsigned	 breaks;	/* line breaks around it: 1 line, 2 blank */
	tag_fn		*fn;
};

static void	 tag_br(struct html_ctx *, bool, const char *, size_t);
static void	 tag_hr(struct html_ctx *, bool, const char *, size_t);
static void	 tag_quote(struct html_ctx *, bool, const char *, size_t);
static void	 tag_pre(struct html_ctx *, bool, const char *, size_t);
static void	 tag_list(struct html_ctx *, bool, const char *, size_t);
static void	 tag_ol(struct html_ctx *, bool, const char *, size_t);
static void	 tag_li(struct html_ctx *, bool, const char *, size_t);
static void	 tag_tr(struct html_ctx *, bool, const char *, size_t);
static void	 tag_td(struct html_ctx *, bool, const char *, size_t);
static void	 tag_a(struct html_ctx *, bool, const char *, size_t);
static void	 tag_img(struct html_ctx *, bool, const char *, size_t);
static void	 tag_head(struct html_ctx *, bool, const char *, size_t);
static void	 tag_body(struct html_ctx *, bool, const char *, size_t);

static const struct html_tag tags[] = {
	{ "p", 2, NULL }, { "h1", 2, NULL }, { "h2", 2, NULL },
	{ "h3", 2, NULL }, { "h4", 2, NULL }, { "h5", 2, NULL },
	{ "h6", 2, NULL }, { "div", 1, NULL }, { "section", 1, NULL },
	{ "article", 1, NULL }, { "header", 1, NULL }, { "footer", 1, NULL },
	{ "nav", 1, NULL }, { "main", 1, NULL }, { "aside", 1, NULL },
	{ "address", 1, NULL }, { "center", 1, NULL }, { "form", 1, NULL },
	{ "dl", 1, NULL }, { "dt", 1, NULL }, { "dd", 1, NULL },
	{ "table", 1, NULL }, { "caption", 1, NULL }, { "fieldset", 1, NULL },
	{ "figure", 1, NULL }, { "br", 0, tag_br }, { "hr", 1, tag_hr },
	{ "blockquote", 2, tag_quote }, { "pre", 2, tag_pre },
	{ "ul", 1, tag_list }, { "ol", 1, tag_ol }, { "li", 1, tag_li },
	{ "tr", 1, tag_tr }, { "td", 0, tag_td }, { "th", 0, tag_td },
	{ "a", 0, tag_a }, { "img", 0, tag_img }, { "head", 1, tag_head },
	{ "body", 1, tag_body },
};

/* Elements whose content is never shown. */
static const char *const raw_skip[] = {
	"script", "style", "title", "template", "noscript", "xml",
};

static const struct {
	const char	*name;
	unsigned long	 cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae },
	{ "trade", 0x2122 }, { "hellip", 0x2026 }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "sbquo", 0x201a }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "bdquo", 0x201e }, { "bull", 0x2022 }, { "middot", 0xb7 },
	{ "euro", 0x20ac }, { "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 },
	{ "sect", 0xa7 }, { "para", 0xb6 }, { "deg", 0xb0 }, { "plusmn", 0xb1 },
	{ "times", 0xd7 }, { "divide", 0xf7 }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "iexcl", 0xa1 }, { "iquest", 0xbf }, { "shy", 0xad }, { "zwnj", 0x200c },
	{ "zwj", 0x200d }, { "thinsp", 0x2009 }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "larr", 0x2190 }, { "rarr", 0x2192 },
	{ "uarr", 0x2191 }, { "darr", 0x2193 }, { "frac12", 0xbd },
	{ "frac14", 0xbc }, { "frac34", 0xbe }, { "micro", 0xb5 },
	{ "szlig", 0xdf }, { "auml", 0xe4 }, { "ouml", 0xf6 }, { "uuml", 0xfc },
	{ "Auml", 0xc4 }, { "Ouml", 0xd6 }, { "Uuml", 0xdc }, { "eacute", 0xe9 },
	{ "egrave", 0xe8 }, { "ecirc", 0xea }, { "aacute", 0xe1 },
	{ "agrave", 0xe0 }, { "acirc", 0xe2 }, { "ccedil", 0xe7 },
	{ "iacute", 0xed }, { "oacute", 0xf3 }, { "uacute", 0xfa },
	{ "ntilde", 0xf1 }, { "Eacute", 0xc9 }, { "aring", 0xe5 },
	{ "oslash", 0xf8 }, { "aelig", 0xe6 },
};

static void	 add_cp(struct buf *, unsigned long);
static size_t	 entity(const char *, size_t, struct buf *);
static void	 flush_word(struct html_ctx *);
static void	 put_text(struct html_ctx *, const char *, size_t, size_t, bool);
static void	 start_line(struct html_ctx *);
static void	 newline(struct html_ctx *);
static void	 block(struct html_ctx *, unsigned);
static void	 text(struct html_ctx *, const char *, size_t);
static size_t	 tag(struct html_ctx *, const char *, size_t);
static size_t	 skip_raw(const char *, size_t, const char *);
static bool	 attr_get(const char *, size_t, const char *, struct buf *);

void
mime_html_to_text(struct buf *out, const char *html, size_t len,
    unsigned width)
{
	struct html_ctx	 ctx;
	size_t		 i = 0, j;

	memset(&ctx, 0, sizeof ctx);
	ctx.out = out;
	ctx.width = width ? width : DEFAULT_WIDTH;
	while (i < len) {
		if (html[i] == '<') {
			i += tag(&ctx, html + i, len - i);
			continue;
		}
		j = i;
		while (j < len && html[j] != '<')
			j++;
		if (!ctx.in_head)
			text(&ctx, html + i, j - i);
		i = j;
	}
	flush_word(&ctx);
	if (ctx.col > 0)
		buf_addc(out, '\n');
	if (ctx.nlinks > 0) {
		if (ctx.written)
			buf_addc(out, '\n');
		buf_add(out, ctx.links.data, ctx.links.len);
	}
	buf_free(&ctx.word);
	buf_free(&ctx.href);
	buf_free(&ctx.links);
}

static void
add_cp(struct buf *b, unsigned long c)
{
	char	 u[4];

	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		buf_addc(b, (char)c);
		return;
	}
	if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 4);
	}
}

/*
 * An entity at s ('&' first): appends its character and returns the bytes
 * it took, or 0 if it is not one (the '&' is then literal).
 */
static size_t
entity(const char *s, size_t n, struct buf *b)
{
	unsigned long	 c = 0;
	size_t		 i = 1, k, digits = 0;
	bool		 hex;

	if (n > 1 && s[1] == '#') {
		i = 2;
		hex = n > 2 && (s[2] == 'x' || s[2] == 'X');
		if (hex)
			i++;
		for (; i < n; i++, digits++) {
			int v;

			if (s[i] >= '0' && s[i] <= '9')
				v = s[i] - '0';
			else if (hex && s[i] >= 'a' && s[i] <= 'f')
				v = s[i] - 'a' + 10;
			else if (hex && s[i] >= 'A' && s[i] <= 'F')
				v = s[i] - 'A' + 10;
			else
				break;
			if (c <= 0x10ffff)
				c = c * (hex ? 16 : 10) + (unsigned long)v;
		}
		if (digits == 0)
			return 0;
		add_cp(b, c);
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	while (i < n && i < 12 && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
		i++;
	for (k = 0; k < sizeof entities / sizeof entities[0]; k++) {
		if (strlen(entities[k].name) == i - 1 &&
		    memcmp(entities[k].name, s + 1, i - 1) == 0) {
			add_cp(b, entities[k].cp);
			return i < n && s[i] == ';' ? i + 1 : i;
		}
	}
	if (i > 1 && i < n && s[i] == ';') {
		add_cp(b, 0xfffd);	/* a well-formed but unknown name */
		return i + 1;
	}
	return 0;
}

/* Before the first text of a line: due breaks, quote marks, indent. */
static void
start_line(struct html_ctx *c)
{
	unsigned	 i, indent;
	unsigned	 q = c->quote < c->line_quote ? c->quote : c->line_quote;

	if (c->written) {
		while (c->nl_have < c->nl_want) {
			/* A blank line inside a quote keeps its marks. */
			if (c->nl_have > 0)
				for (i = 0; i < q && i < MAX_QUOTE; i++)
					buf_adds(c->out, i + 1 < q &&
					    i + 1 < MAX_QUOTE ? "> " : ">");
			buf_addc(c->out, '\n');
			c->nl_have++;
		}
	}
	c->nl_want = 0;
	c->line_quote = c->quote;
	for (i = 0; i < c->quote && i < MAX_QUOTE; i++)
		buf_adds(c->out, "> ");
	c->col = 2 * (c->quote < MAX_QUOTE ? c->quote : MAX_QUOTE);
	indent = c->nlists < MAX_LISTS ? c->nlists : MAX_LISTS;
	indent = indent > 0 ? 2 * indent : 0;
	if (c->bullet[0] != '\0')
		indent = indent >= 2 ? indent - 2 : 0;
	for (i = 0; i < indent; i++)
		buf_addc(c->out, ' ');
	c->col += indent;
	if (c->bullet[0] != '\0') {
		buf_adds(c->out, c->bullet);
		c->col += strlen(c->bullet);
		c->bullet[0] = '\0';
	}
	c->space = false;
	c->written = true;
	c->nl_have = 0;
}

static void
newline(struct html_ctx *c)
{
	buf_addc(c->out, '\n');
	c->col = 0;
	c->nl_have++;
	c->space = false;
}

/* Places text that must stay together (a piece of a word, or pre text)
 * of w display columns; joined: it follows the previous piece with no
 * space between, where CJK text may still break. */
static void
put_text(struct html_ctx *c, const char *s, size_t n, size_t w, bool joined)
{
	if (c->col == 0)
		start_line(c);
	else if (c->space) {
		if (c->pre == 0 && c->col + 1 + w > c->width) {
			newline(c);
			c->nl_want = 0;
			start_line(c);
		} else {
			buf_addc(c->out, ' ');
			c->col++;
		}
	} else if (joined && c->pre == 0 && c->col + w > c->width) {
		newline(c);
		c->nl_want = 0;
		start_line(c);
	}
	c->space = false;
	buf_add(c->out, s, n);
	c->col += w;
}

static void
flush_word(struct html_ctx *c)
{
	size_t	 off = 0, n, w;

	if (c->word.len == 0)
		return;
	if (c->pre > 0) {
		put_text(c, c->word.data, c->word.len, str_display_width(c->word.data,
		    c->word.len), false);
		buf_reset(&c->word);
		return;
	}
	while (off < c->word.len) {
		n = mime_wrap_unit(c->word.data + off, c->word.len - off, &w);
		put_text(c, c->word.data + off, n, w, off > 0);
		off += n;
	}
	buf_reset(&c->word);
}

/* A block boundary: want line breaks (1 ends the line, 2 leaves a blank). */
static void
block(struct html_ctx *c, unsigned want)
{
	flush_word(c);
	if (want == 0)
		return;
	if (c->col > 0)
		newline(c);
	if (want > c->nl_want)
		c->nl_want = want;
	c->space = false;
}

static void
text(struct html_ctx *c, const char *s, size_t n)
{
	size_t	 i = 0, k;

	while (i < n) {
		if (s[i] == '&' && (k = entity(s + i, n - i, &c->word)) > 0) {
			i += k;
			continue;
		}
		if (c->pre > 0) {
			if (s[i] == '\n') {
				flush_word(c);
				if (c->col == 0)
					start_line(c);
				newline(c);
			} else if (s[i] != '\r')
				buf_addc(&c->word, s[i]);
			i++;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\f') {
			flush_word(c);
			if (c->col > 0)
				c->space = true;
		} else
			buf_addc(&c->word, s[i]);
		i++;
	}
	if (c->pre > 0)
		flush_word(c);
}

/* Bytes up to and including the end tag "</name", or all of s. */
static size_t
skip_raw(const char *s, size_t n, const char *name)
{
	size_t	 i, len = strlen(name);
	const char *gt;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != '<' || s[i + 1] != '/' || n - i - 2 < len ||
		    strncasecmp(s + i + 2, name, len) != 0)
			continue;
		gt = memchr(s + i, '>', n - i);
		return gt != NULL ? (size_t)(gt - s) + 1 : n;
	}
	return n;
}

/* Finds attribute name in a tag's attribute text; value entity-decoded. */
static bool
attr_get(const char *s, size_t n, const char *name, struct buf *val)
{
	size_t	 i = 0, ns, ne, vs, ve, k;
	char	 q;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == '/'))
			i++;
		ns = i;
		while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r' && s[i] != '/')
			i++;
		ne = i;
		if (ne == ns) {
			i++;
			continue;
		}
		vs = ve = i;
		if (i < n && s[i] == '=') {
			i++;
			if (i < n && (s[i] == '"' || s[i] == '\'')) {
				q = s[i++];
				vs = i;
				while (i < n && s[i] != q)
					i++;
				ve = i;
				if (i < n)
					i++;
			} else {
				vs = i;
				while (i < n && s[i] != ' ' && s[i] != '\t' &&
				    s[i] != '\n' && s[i] != '\r')
					i++;
				ve = i;
			}
		}
		if (ne - ns == strlen(name) && strncasecmp(s + ns, name, ne - ns) == 0) {
			for (k = vs; k < ve; ) {
				size_t e = s[k] == '&' ? entity(s + k, ve - k, val) : 0;
				if (e > 0)
					k += e;
				else
					buf_addc(val, s[k++]);
			}
			return true;
		}
	}
	return false;
}

/* A tag, comment or declaration at s ('<' first); returns bytes used. */
static size_t
tag(struct html_ctx *c, const char *s, size_t n)
{
	const char	*gt, *end;
	char		 name[16];
	size_t		 i = 1, k, nlen;
	bool		 close = false;

	if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
		for (k = 4; k + 2 < n; k++) {
			if (memcmp(s + k, "-->", 3) == 0)
				return k + 3;
		}
		return n;
	}
	if (n > 1 && s[1] == '/') {
		close = true;
		i = 2;
	}
	if (n <= i || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
	    s[i] <= 'Z') || (!close && (s[i] == '!' || s[i] == '?')))) {
		if (!c->in_head)
			text(c, "<", 1);	/* "a < b": literal */
		return 1;
	}
	/* Quoted attribute values may hold '>'. */
	for (k = i; k < n && s[k] != '>'; k++) {
		if (s[k] == '"' || s[k] == '\'') {
			end = memchr(s + k + 1, s[k], n - k - 1);
			if (end == NULL)
				break;
			k = (size_t)(end - s);
		}
	}
	gt = k < n && s[k] == '>' ? s + k : NULL;
	if (gt == NULL)
		gt = memchr(s + i, '>', n - i);
	if (gt == NULL)
		return n;		/* an unterminated tag ends the text */
	for (nlen = 0; i + nlen < (size_t)(gt - s) && nlen < sizeof name - 1 &&
	    ((s[i + nlen] >= 'a' && s[i + nlen] <= 'z') ||
	    (s[i + nlen] >= 'A' && s[i + nlen] <= 'Z') ||
	    (s[i + nlen] >= '0' && s[i + nlen] <= '9')); nlen++)
		name[nlen] = (char)(s[i + nlen] | 0x20);
	name[nlen] = '\0';
	k = (size_t)(gt - s) + 1;
	if (!close) {
		for (size_t r = 0; r < sizeof raw_skip / sizeof raw_skip[0]; r++) {
			if (strcmp(name, raw_skip[r]) == 0)
				return k + skip_raw(s + k, n - k, name);
		}
	}
	for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
		if (strcmp(name, tags[t].name) != 0)
			continue;
		if (c->in_head && tags[t].fn != tag_body && tags[t].fn != tag_head)
			break;
		block(c, tags[t].breaks);
		if (tags[t].fn != NULL)
			tags[t].fn(c, close, s + i + nlen,
			    (size_t)(gt - s) - i - nlen);
		break;
	}
	return k;
}

static void
tag_br(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	flush_word(c);
	if (c->col == 0 && c->written) {
		/* An empty line: breaks due first, then this one. */
		while (c->nl_have < c->nl_want) {
			buf_addc(c->out, '\n');
			c->nl_have++;
		}
		c->nl_want = 0;
	}
	if (c->written || c->col > 0)
		newline(c);
}

static void
tag_hr(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	if (close)
		return;
	put_text(c, "----------", 10, 10, false);
	block(c, 1);
}

static void
tag_quote(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	if (!close)
		c->quote++;
	else if (c->quote > 0)
		c->quote--;
}

static void
tag_pre(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	if (!close)
		c->pre++;
	else if (c->pre > 0)
		c->pre--;
}

static void
tag_list(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	if (close) {
		if (c->nlists > 0)
			c->nlists--;
		return;
	}
	if (c->nlists < MAX_LISTS) {
		c->lists[c->nlists].ordered = false;
		c->lists[c->nlists].n = 0;
	}
	c->nlists++;
}

static void
tag_ol(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	tag_list(c, close, a, alen);
	if (!close && c->nlists <= MAX_LISTS)
		c->lists[c->nlists - 1].ordered = true;
}

static void
tag_li(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	unsigned	 d;

	if (close)
		return;
	if (c->nlists == 0)
		c->nlists = 1;		/* <li> outside a list */
	d = (c->nlists <= MAX_LISTS ? c->nlists : MAX_LISTS) - 1;
	if (c->lists[d].ordered)
		snprintf(c->bullet, sizeof c->bullet, "%u. ", ++c->lists[d].n);
	else
		snprintf(c->bullet, sizeof c->bullet, "* ");
}

static void
tag_tr(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	c->cells = 0;
}

static void
tag_td(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	if (close)
		return;
	if (c->cells++ > 0 && c->col > 0) {
		buf_adds(c->out, " |");
		c->col += 2;
		c->space = true;
	}
}

static void
tag_a(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	char	 num[16];

	if (close || c->in_link) {
		if (!c->in_link)
			return;
		c->in_link = false;
		c->nlinks++;
		snprintf(num, sizeof num, "[%u]", c->nlinks);
		put_text(c, num, strlen(num), strlen(num), false);
		buf_printf(&c->links, "%s %s\n", num, buf_cstr(&c->href));
		if (close)
			return;
	}
	buf_reset(&c->href);
	if (!attr_get(a, alen, "href", &c->href) || c->href.len == 0 ||
	    c->href.data[0] == '#' ||
	    strncasecmp(c->href.data, "javascript:", 11) == 0)
		return;
	c->in_link = true;
}

static void
tag_img(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	struct buf	 alt = BUF_INIT;

	if (!close && attr_get(a, alen, "alt", &alt) && alt.len > 0) {
		buf_addc(&c->word, '[');
		buf_add(&c->word, alt.data, alt.len);
		buf_addc(&c->word, ']');
		flush_word(c);
	}
	buf_free(&alt);
}

static void
tag_head(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	c->in_head = !close;
}

static void
tag_body(struct html_ctx *c, bool close, const char *a, size_t alen)
{
	c->in_head = false;
}
