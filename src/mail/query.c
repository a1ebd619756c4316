/*
 * The search language: a tokenizer and a recursive-descent parser.
 *
 *	query	:= or EOF
 *	or	:= and ("or" and)*
 *	and	:= unary (["and"] unary)*
 *	unary	:= ("not" | "-" | "!") unary | "(" or ")" | term | mutt
 *	term	:= NAME ":" value | word
 *	mutt	:= "~" LETTER [word]
 *
 * "|" is "or" as in mutt. Terms are rows of a table; each row's function
 * checks its value and fills a node; mutt's ~X patterns are rows of a
 * second table, each building the node of the equivalent term. Errors
 * name the column in characters, counted from 1.
 */
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/datetime.h"
#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "query_p.h"

#define MQ_MAX_DEPTH	64		/* parentheses and nots */
#define MQ_MAX_TEXT	65536

enum tok_kind {
	T_END,
	T_LPAREN,
	T_RPAREN,
	T_MINUS,
	T_WORD,
	T_AND,
	T_OR,
	T_NOT,
	T_MUTT,		/* ~X: the letter in value */
};

struct token {
	enum tok_kind	 kind;
	size_t		 off;		/* byte offset where it starts */
	char		*field;		/* T_WORD: lower-cased name before ':', or NULL */
	char		*value;		/* T_WORD: unquoted text after the ':' */
	size_t		 value_off;
};

struct parser {
	const char	*text;
	size_t		 len, pos;
	struct mail_query *q;
	struct token	 tok;		/* the lookahead */
	unsigned	 depth;
	char		*error;		/* the first one */
};

struct term_def {
	const char	*name;
	int		(*parse)(struct parser *, const struct term_def *, struct mq_node *);
	int		 arg;
};

static unsigned column(const struct parser *, size_t);
static void fail(struct parser *, size_t, const char *, const char *, ...)
	    CRISPIN_PRINTF(4, 5);
static int next(struct parser *);
static int scan_word(struct parser *);
static bool starts_term(enum tok_kind);
static struct mq_node *node_new(struct parser *, enum mq_kind, size_t);
static void node_add(struct parser *, struct mq_node *, struct mq_node *);
static struct mq_node *parse_or(struct parser *);
static struct mq_node *parse_and(struct parser *);
static struct mq_node *parse_unary(struct parser *);
static struct mq_node *parse_term(struct parser *);
static const char *suggest(const char *, const char *const *, size_t);
static unsigned edit_distance(const char *, const char *);
static int parse_string(struct parser *, const struct term_def *, struct mq_node *);
static int parse_header(struct parser *, const struct term_def *, struct mq_node *);
static int parse_date(struct parser *, const struct term_def *, struct mq_node *);
static int parse_size(struct parser *, const struct term_def *, struct mq_node *);
static int parse_is(struct parser *, const struct term_def *, struct mq_node *);
static int parse_keyword(struct parser *, const struct term_def *, struct mq_node *);
static int parse_uid(struct parser *, const struct term_def *, struct mq_node *);
static int parse_has(struct parser *, const struct term_def *, struct mq_node *);
static int parse_when(const char *, size_t, struct mq_when *);
static char *lower(char *);
static int days_in_month(int64_t, int);
static struct mq_node *parse_mutt(struct parser *);
static int mutt_argument(struct parser *, char, char **, size_t *);
static struct mq_node *mutt_size(struct parser *, const char *, size_t);
static struct mq_node *mutt_date(struct parser *, const char *, size_t);
static int mutt_day(struct parser *, const char *, size_t, struct mq_when *);
static struct mq_node *mutt_flag(struct parser *, const char *, size_t);
static struct mq_node *node_string(struct parser *, enum mq_field, const char *,
	    size_t);
static struct mq_node *node_header(struct parser *, const char *, const char *,
	    size_t);

/* mutt's patterns: what each letter becomes. */
enum mutt_build {
	MB_ALL,		/* every message */
	MB_STRING,	/* a string term of field */
	MB_TO_CC,	/* to: or cc: */
	MB_ADDRESS,	/* from:, to:, cc: or bcc: */
	MB_HEADER,	/* header:NAME:TEXT with the name given */
	MB_ANY_HEADER,	/* "Name: text" */
	MB_REFERENCES,	/* References or In-Reply-To */
	MB_FLAG,	/* is:NAME */
	MB_OLD,		/* unread, not new */
	MB_TAGGED,
	MB_DATE,
	MB_SIZE,
	MB_KEYWORD,
};
static const struct mutt_term {
	char		 letter;
	enum mutt_build	 build;
	bool		 arg;
	int		 field;		/* MB_STRING */
	const char	*name;		/* MB_HEADER, MB_FLAG */
} mutt_terms[] = {
	{ 'A', MB_ALL, false, 0, NULL },
	{ 'b', MB_STRING, true, MQ_F_BODY, NULL },
	{ 'B', MB_STRING, true, MQ_F_TEXT, NULL },
	{ 'c', MB_STRING, true, MQ_F_CC, NULL },
	{ 'C', MB_TO_CC, true, 0, NULL },
	{ 'd', MB_DATE, true, 0, NULL },
	{ 'D', MB_FLAG, false, 0, "deleted" },
	{ 'e', MB_HEADER, true, 0, "Sender" },
	{ 'f', MB_STRING, true, MQ_F_FROM, NULL },
	{ 'F', MB_FLAG, false, 0, "flagged" },
	{ 'h', MB_ANY_HEADER, true, 0, NULL },
	{ 'i', MB_HEADER, true, 0, "Message-ID" },
	{ 'L', MB_ADDRESS, true, 0, NULL },
	{ 'N', MB_FLAG, false, 0, "new" },
	{ 'O', MB_OLD, false, 0, NULL },
	{ 'Q', MB_FLAG, false, 0, "replied" },
	{ 'r', MB_DATE, true, 0, NULL },
	{ 'R', MB_FLAG, false, 0, "read" },
	{ 's', MB_STRING, true, MQ_F_SUBJECT, NULL },
	{ 't', MB_STRING, true, MQ_F_TO, NULL },
	{ 'T', MB_TAGGED, false, 0, NULL },
	{ 'U', MB_FLAG, false, 0, "unread" },
	{ 'x', MB_REFERENCES, true, 0, NULL },
	{ 'y', MB_KEYWORD, true, 0, NULL },
	{ 'Y', MB_KEYWORD, true, 0, NULL },
	{ 'z', MB_SIZE, true, 0, NULL },
};
#define NMUTT (sizeof mutt_terms / sizeof mutt_terms[0])

static const struct term_def terms[] = {
	{ .name = "from", .parse = parse_string, .arg = MQ_F_FROM },
	{ .name = "to", .parse = parse_string, .arg = MQ_F_TO },
	{ .name = "cc", .parse = parse_string, .arg = MQ_F_CC },
	{ .name = "bcc", .parse = parse_string, .arg = MQ_F_BCC },
	{ .name = "subject", .parse = parse_string, .arg = MQ_F_SUBJECT },
	{ .name = "body", .parse = parse_string, .arg = MQ_F_BODY },
	{ .name = "text", .parse = parse_string, .arg = MQ_F_TEXT },
	{ .name = "header", .parse = parse_header },
	{ .name = "date", .parse = parse_date, .arg = MQ_D_DURING },
	{ .name = "on", .parse = parse_date, .arg = -1 },
	{ .name = "since", .parse = parse_date, .arg = MQ_D_SINCE },
	{ .name = "before", .parse = parse_date, .arg = MQ_D_BEFORE },
	{ .name = "larger", .parse = parse_size, .arg = 1 },
	{ .name = "smaller", .parse = parse_size, .arg = 0 },
	{ .name = "is", .parse = parse_is },
	{ .name = "keyword", .parse = parse_keyword },
	{ .name = "uid", .parse = parse_uid },
	{ .name = "has", .parse = parse_has },
};
#define NTERMS (sizeof terms / sizeof terms[0])

static const struct mq_flag flags[] = {
	{ "unread", "UNSEEN", IMAP_FLAG_SEEN, 0 },
	{ "read", "SEEN", IMAP_FLAG_SEEN, IMAP_FLAG_SEEN },
	{ "unseen", "UNSEEN", IMAP_FLAG_SEEN, 0 },
	{ "seen", "SEEN", IMAP_FLAG_SEEN, IMAP_FLAG_SEEN },
	{ "flagged", "FLAGGED", IMAP_FLAG_FLAGGED, IMAP_FLAG_FLAGGED },
	{ "unflagged", "UNFLAGGED", IMAP_FLAG_FLAGGED, 0 },
	{ "replied", "ANSWERED", IMAP_FLAG_ANSWERED, IMAP_FLAG_ANSWERED },
	{ "answered", "ANSWERED", IMAP_FLAG_ANSWERED, IMAP_FLAG_ANSWERED },
	{ "unreplied", "UNANSWERED", IMAP_FLAG_ANSWERED, 0 },
	{ "deleted", "DELETED", IMAP_FLAG_DELETED, IMAP_FLAG_DELETED },
	{ "undeleted", "UNDELETED", IMAP_FLAG_DELETED, 0 },
	{ "draft", "DRAFT", IMAP_FLAG_DRAFT, IMAP_FLAG_DRAFT },
	{ "new", "NEW", IMAP_FLAG_RECENT | IMAP_FLAG_SEEN, IMAP_FLAG_RECENT },
	{ "old", "OLD", IMAP_FLAG_RECENT, 0 },
	{ "recent", "RECENT", IMAP_FLAG_RECENT, IMAP_FLAG_RECENT },
};
#define NFLAGS (sizeof flags / sizeof flags[0])

static char *
lower(char *s)
{
	char	*c;

	for (c = s; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return s;
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static unsigned
column(const struct parser *p, size_t off)
{
	unsigned	col = 1;
	size_t		i;

	for (i = 0; i < off && i < p->len; i++) {
		if (((unsigned char)p->text[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

static void
fail(struct parser *p, size_t off, const char *hint, const char *fmt, ...)
{
	struct buf	b = BUF_INIT;
	va_list		ap;

	if (p->error != NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_printf(&b, " at column %u", column(p, off));
	if (hint != NULL)
		buf_printf(&b, " (%s)", hint);
	p->error = buf_steal(&b);
}

static bool
starts_term(enum tok_kind k)
{
	return k == T_WORD || k == T_LPAREN || k == T_MINUS || k == T_NOT ||
	    k == T_MUTT;
}

/* One word: quotes group spaces and parentheses, backslash escapes inside
 * them; "name:" before any quote makes it a term. */
static int
scan_word(struct parser *p)
{
	struct buf	 v = BUF_INIT;
	size_t		 quote_off = 0;
	bool		 inq = false, quoted = false, letters = true;
	char		 c;

	p->tok.kind = T_WORD;
	p->tok.value_off = p->pos;
	while (p->pos < p->len) {
		c = p->text[p->pos];
		if (inq) {
			if (c == '\\' && p->pos + 1 < p->len) {
				buf_addc(&v, p->text[p->pos + 1]);
				p->pos += 2;
				continue;
			}
			if (c == '"')
				inq = false;
			else
				buf_addc(&v, c);
			p->pos++;
			continue;
		}
		if (isspace((unsigned char)c) || c == '(' || c == ')')
			break;
		if (c == '"') {
			inq = quoted = true;
			quote_off = p->pos++;
			continue;
		}
		if (c == ':' && p->tok.field == NULL && !quoted && letters && v.len > 0) {
			p->tok.field = arena_strdup(p->q->arena, lower(v.data));
			buf_reset(&v);
			p->tok.value_off = ++p->pos;
			continue;
		}
		if (!isalpha((unsigned char)c))
			letters = false;
		buf_addc(&v, c);
		p->pos++;
	}
	p->tok.value = arena_strndup(p->q->arena, v.data != NULL ? v.data : "", v.len);
	buf_free(&v);
	if (inq) {
		fail(p, quote_off, NULL, "unterminated quote");
		return -1;
	}
	if (p->tok.field == NULL && !quoted) {
		if (str_ieq(p->tok.value, "and"))
			p->tok.kind = T_AND;
		else if (str_ieq(p->tok.value, "or"))
			p->tok.kind = T_OR;
		else if (str_ieq(p->tok.value, "not"))
			p->tok.kind = T_NOT;
	}
	return 0;
}

static int
next(struct parser *p)
{
	char	c;

	memset(&p->tok, 0, sizeof p->tok);
	while (p->pos < p->len && isspace((unsigned char)p->text[p->pos]))
		p->pos++;
	p->tok.off = p->pos;
	if (p->pos >= p->len) {
		p->tok.kind = T_END;
		return 0;
	}
	c = p->text[p->pos];
	if (c == '(' || c == ')' || c == '-') {
		p->tok.kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : T_MINUS;
		p->pos++;
		return 0;
	}
	/* mutt's not and or, where a word starts. */
	if (c == '!' || c == '|') {
		p->tok.kind = c == '!' ? T_NOT : T_OR;
		p->pos++;
		return 0;
	}
	if (c == '~' && p->pos + 1 < p->len &&
	    isalpha((unsigned char)p->text[p->pos + 1])) {
		p->tok.kind = T_MUTT;
		p->tok.value = arena_strndup(p->q->arena, p->text + p->pos + 1, 1);
		p->pos += 2;
		return 0;
	}
	return scan_word(p);
}

static struct mq_node *
node_new(struct parser *p, enum mq_kind kind, size_t off)
{
	struct mq_node	*n = arena_alloc(p->q->arena, sizeof *n);

	n->kind = kind;
	n->off = off;
	return n;
}

static void
node_add(struct parser *p, struct mq_node *parent, struct mq_node *kid)
{
	struct mq_node	**kids;

	/* Doubling keeps long chains of terms linear. */
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids == 0 ? 4 : parent->capkids * 2;
		kids = arena_array(p->q->arena, parent->capkids, sizeof *kids);
		if (parent->nkids > 0)
			memcpy(kids, parent->kids, parent->nkids * sizeof *kids);
		parent->kids = kids;
	}
	parent->kids[parent->nkids++] = kid;
}

static struct mq_node *
parse_or(struct parser *p)
{
	struct mq_node	*left, *n, *k;
	size_t		 off;

	if ((left = parse_and(p)) == NULL)
		return NULL;
	if (p->tok.kind != T_OR)
		return left;
	n = node_new(p, MQ_OR, p->tok.off);
	node_add(p, n, left);
	while (p->tok.kind == T_OR) {
		off = p->tok.off;
		if (next(p) < 0)
			return NULL;
		if (!starts_term(p->tok.kind)) {
			fail(p, off, NULL, "'%s' needs a term on each side",
			    p->text[off] == '|' ? "|" : "or");
			return NULL;
		}
		if ((k = parse_and(p)) == NULL)
			return NULL;
		node_add(p, n, k);
	}
	return n;
}

static struct mq_node *
parse_and(struct parser *p)
{
	struct mq_node	*first, *n = NULL, *k;
	size_t		 off;

	if (p->tok.kind == T_AND || p->tok.kind == T_OR) {
		fail(p, p->tok.off, NULL, "'%s' needs a term on each side",
		    p->tok.kind == T_AND ? "and" :
		    p->text[p->tok.off] == '|' ? "|" : "or");
		return NULL;
	}
	if ((first = parse_unary(p)) == NULL)
		return NULL;
	for (;;) {
		if (p->tok.kind == T_AND) {
			off = p->tok.off;
			if (next(p) < 0)
				return NULL;
			if (!starts_term(p->tok.kind)) {
				fail(p, off, NULL, "'and' needs a term on each side");
				return NULL;
			}
		} else if (!starts_term(p->tok.kind))
			break;
		if ((k = parse_unary(p)) == NULL)
			return NULL;
		if (n == NULL) {
			n = node_new(p, MQ_AND, 0);
			n->off = first->off;
			node_add(p, n, first);
		}
		node_add(p, n, k);
	}
	return n != NULL ? n : first;
}

static struct mq_node *
parse_unary(struct parser *p)
{
	struct mq_node	*n, *k;
	size_t		 off = p->tok.off;
	enum tok_kind	 kind = p->tok.kind;

	if (kind == T_NOT || kind == T_MINUS || kind == T_LPAREN) {
		if (++p->depth > MQ_MAX_DEPTH) {
			fail(p, off, NULL, "query nested too deeply");
			return NULL;
		}
	}
	if (kind == T_NOT || kind == T_MINUS) {
		if (next(p) < 0)
			return NULL;
		if (!starts_term(p->tok.kind)) {
			fail(p, off, NULL, "'%s' needs a term after it",
			    kind == T_MINUS ? "-" : p->text[off] == '!' ? "!" : "not");
			return NULL;
		}
		if ((k = parse_unary(p)) == NULL)
			return NULL;
		p->depth--;
		/* Two negations cancel: the server gets the plain key. */
		if (k->kind == MQ_NOT)
			return k->kids[0];
		n = node_new(p, MQ_NOT, off);
		node_add(p, n, k);
		return n;
	}
	if (kind == T_LPAREN) {
		if (next(p) < 0)
			return NULL;
		if (p->tok.kind == T_RPAREN) {
			fail(p, off, NULL, "empty parentheses");
			return NULL;
		}
		if (p->tok.kind == T_END) {
			fail(p, off, NULL, "unbalanced parenthesis");
			return NULL;
		}
		if ((n = parse_or(p)) == NULL)
			return NULL;
		if (p->tok.kind != T_RPAREN) {
			fail(p, off, NULL, "unbalanced parenthesis");
			return NULL;
		}
		if (next(p) < 0)
			return NULL;
		p->depth--;
		return n;
	}
	if (kind == T_RPAREN) {
		fail(p, off, NULL, "unbalanced parenthesis");
		return NULL;
	}
	if (kind == T_MUTT)
		return parse_mutt(p);
	return parse_term(p);
}

static struct mq_node *
parse_term(struct parser *p)
{
	const char	*names[NTERMS], *close;
	struct mq_node	*n;
	char		*hint;
	size_t		 i;

	n = node_new(p, MQ_STRING, p->tok.off);
	if (p->tok.field == NULL) {
		if (p->tok.value[0] == '\0') {
			fail(p, p->tok.off, NULL, "empty quoted text");
			return NULL;
		}
		n->field = MQ_F_WORD;
		n->str = p->tok.value;
		return next(p) < 0 ? NULL : n;
	}
	for (i = 0; i < NTERMS; i++) {
		names[i] = terms[i].name;
		if (strcmp(terms[i].name, p->tok.field) == 0)
			break;
	}
	if (i == NTERMS) {
		if ((close = suggest(p->tok.field, names, NTERMS)) != NULL)
			hint = xasprintf("did you mean '%s:'?", close);
		else
			hint = xstrdup("quote it to search for the text");
		fail(p, p->tok.off, hint, "unknown term '%s:'", p->tok.field);
		free(hint);
		return NULL;
	}
	if (p->tok.value[0] == '\0') {
		fail(p, p->tok.off, NULL, "missing value after '%s:'", p->tok.field);
		return NULL;
	}
	if (terms[i].parse(p, &terms[i], n) < 0)
		return NULL;
	return next(p) < 0 ? NULL : n;
}

/* The closest name within two edits, for "did you mean". */
static const char *
suggest(const char *word, const char *const *names, size_t count)
{
	const char	*best = NULL;
	unsigned	 d, bestd = 3;
	size_t		 i;

	for (i = 0; i < count; i++) {
		if ((d = edit_distance(word, names[i])) < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned	row[33], prev, tmp, cost;
	size_t		la = strlen(a), lb = strlen(b), i, j;

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = prev + cost;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
parse_string(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	n->field = (enum mq_field)t->arg;
	n->str = p->tok.value;
	return 0;
}

/* header:NAME:TEXT; an empty TEXT asks for messages that have the header. */
static int
parse_header(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	const char	*v = p->tok.value, *colon = strchr(v, ':'), *s;

	if (colon != NULL && colon > v) {
		for (s = v; s < colon; s++) {
			if (*s < 33 || *s > 126)
				break;
		}
		if (s == colon) {
			n->kind = MQ_HEADER;
			n->name = arena_strndup(p->q->arena, v, (size_t)(colon - v));
			n->str = colon + 1;
			return 0;
		}
	}
	fail(p, p->tok.value_off, "use header:NAME:TEXT", "bad header term '%s'", v);
	return -1;
}

static int
days_in_month(int64_t y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool			leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

void
mq_when_resolve(const struct mq_when *w, time_t now, int64_t *lo, int64_t *hi)
{
	struct tm	tm;
	int64_t		y, months, day;
	int		m, d;

	if (!w->relative) {
		*lo = w->lo;
		*hi = w->hi;
		return;
	}
	localtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	d = tm.tm_mday;
	switch (w->unit) {
	case 'w':
		day = days_from_civil(y, m, d) - 7 * (int64_t)w->n;
		break;
	case 'm':
	case 'y':
		/* Calendar months back; the 31st becomes the month's last day. */
		months = y * 12 + (m - 1) - (int64_t)w->n * (w->unit == 'y' ? 12 : 1);
		y = months / 12;
		m = (int)(months % 12) + 1;
		if (d > days_in_month(y, m))
			d = days_in_month(y, m);
		day = days_from_civil(y, m, d);
		break;
	default:
		day = days_from_civil(y, m, d) - (int64_t)w->n;
		break;
	}
	*lo = day;
	*hi = day + 1;
}

/* YYYY, YYYY-MM, YYYY-MM-DD, Nd/Nw/Nm/Ny, today, yesterday. -1: not a
 * date at all, -2: a date that does not exist. */
static int
parse_when(const char *s, size_t len, struct mq_when *w)
{
	static const unsigned	 max[] = { ['d'] = 100000, ['w'] = 15000, ['m'] = 3000,
				    ['y'] = 250 };
	uint64_t		 n, y, mo = 0, d = 0;
	char			 unit;

	memset(w, 0, sizeof *w);
	if ((len == 5 && strncasecmp(s, "today", 5) == 0) ||
	    (len == 9 && strncasecmp(s, "yesterday", 9) == 0)) {
		w->relative = true;
		w->unit = 'd';
		w->n = len == 9;
		return 0;
	}
	if (len >= 2 && strchr("dwmy", unit = (char)tolower((unsigned char)s[len - 1])) &&
	    str_to_u64(s, len - 1, UINT32_MAX, &n) == 0) {
		if (n > max[(unsigned char)unit])
			return -2;
		w->relative = true;
		w->unit = unit;
		w->n = (unsigned)n;
		return 0;
	}
	if (len != 4 && len != 7 && len != 10)
		return -1;
	if (str_to_u64(s, 4, 9999, &y) < 0)
		return -1;
	if (len >= 7 && (s[4] != '-' || str_to_u64(s + 5, 2, 99, &mo) < 0))
		return -1;
	if (len == 10 && (s[7] != '-' || str_to_u64(s + 8, 2, 99, &d) < 0))
		return -1;
	if (y < 1000 || (len >= 7 && (mo < 1 || mo > 12)) ||
	    (len == 10 && (d < 1 || d > (uint64_t)days_in_month((int64_t)y, (int)mo))))
		return -2;
	if (len == 4) {
		w->lo = days_from_civil((int64_t)y, 1, 1);
		w->hi = days_from_civil((int64_t)y + 1, 1, 1);
	} else if (len == 7) {
		w->lo = days_from_civil((int64_t)y, (int)mo, 1);
		w->hi = w->lo + days_in_month((int64_t)y, (int)mo);
	} else {
		w->lo = days_from_civil((int64_t)y, (int)mo, (int)d);
		w->hi = w->lo + 1;
	}
	return 0;
}

static int
parse_date(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	static const char	 hint[] = "use YYYY-MM-DD, YYYY-MM, YYYY, or 7d, 2w, 3m, 1y";
	const char		*v = p->tok.value, *dots = strstr(v, "..");
	size_t			 len = strlen(v), alen;
	int			 r1 = 0, r2 = 0;

	n->kind = MQ_DATE;
	if (dots != NULL) {
		if (t->arg != MQ_D_DURING || strstr(dots + 2, "..") != NULL ||
		    (dots == v && dots[2] == '\0')) {
			fail(p, p->tok.value_off, "ranges like 2024-01..2024-03 go with date:",
			    "bad date '%s'", v);
			return -1;
		}
		alen = (size_t)(dots - v);
		n->date_op = MQ_D_DURING;
		if (alen > 0 && (r1 = parse_when(v, alen, &n->from)) == 0)
			n->has_from = true;
		if (dots[2] != '\0' && (r2 = parse_when(dots + 2, len - alen - 2, &n->to)) == 0)
			n->has_to = true;
		if (r1 < 0 || r2 < 0) {
			fail(p, p->tok.value_off, r1 == -1 || r2 == -1 ? hint : NULL,
			    "bad date '%s'", v);
			return -1;
		}
		if (n->has_from && n->has_to && !n->from.relative && !n->to.relative &&
		    n->to.hi <= n->from.lo) {
			fail(p, p->tok.value_off, NULL,
			    "date range '%s' ends before it starts", v);
			return -1;
		}
		return 0;
	}
	if ((r1 = parse_when(v, len, &n->from)) < 0) {
		fail(p, p->tok.value_off, r1 == -1 ? hint : NULL, "bad date '%s'", v);
		return -1;
	}
	n->has_from = true;
	if (t->arg == -1 || (t->arg == MQ_D_DURING && !n->from.relative)) {
		/* One day, month or year. */
		n->date_op = MQ_D_DURING;
		n->to = n->from;
		n->has_to = true;
	} else if (t->arg == MQ_D_DURING)
		n->date_op = MQ_D_SINCE;	/* date:7d is "in the last 7 days" */
	else
		n->date_op = (enum mq_date_op)t->arg;
	return 0;
}

static int
parse_size(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	const char	*v = p->tok.value;
	size_t		 len = strlen(v);
	uint64_t	 num, mult = 1;
	char		 u = (char)toupper((unsigned char)v[len - 1]);

	if (u == 'K' || u == 'M' || u == 'G') {
		mult = u == 'K' ? 1024 : u == 'M' ? 1024 * 1024 : 1024 * 1024 * 1024;
		len--;
	}
	if (len == 0 || str_to_u64(v, len, UINT64_MAX / mult, &num) < 0) {
		fail(p, p->tok.value_off, "use a number of bytes with K, M or G",
		    "bad size '%s'", v);
		return -1;
	}
	if (num * mult > UINT32_MAX) {
		fail(p, p->tok.value_off, "IMAP sizes stop at 4294967295 bytes",
		    "size '%s' is too big", v);
		return -1;
	}
	n->kind = MQ_SIZE;
	n->larger = t->arg != 0;
	n->size = num * mult;
	return 0;
}

static int
parse_is(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	const char	*names[NFLAGS], *close;
	char		*hint;
	size_t		 i;

	/* Tags live in the interface: answered locally. */
	if (str_ieq(p->tok.value, "tagged")) {
		n->kind = MQ_ATTACHMENT;
		n->tagged = true;
		p->q->needs_local = true;
		return 0;
	}
	for (i = 0; i < NFLAGS; i++) {
		names[i] = flags[i].name;
		if (str_ieq(flags[i].name, p->tok.value)) {
			n->kind = MQ_FLAG;
			n->flag = &flags[i];
			return 0;
		}
	}
	if ((close = suggest(lower(p->tok.value), names, NFLAGS)) != NULL)
		hint = xasprintf("did you mean 'is:%s'?", close);
	else
		hint = xstrdup("one of unread, read, flagged, unflagged, replied, "
		    "deleted, draft, new, old, tagged");
	fail(p, p->tok.value_off, hint, "unknown state '%s' for is:", p->tok.value);
	free(hint);
	return -1;
}

/* A keyword is an IMAP atom (RFC 3501 flag-keyword); system flags have is:. */
static int
parse_keyword(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	const char	*v = p->tok.value, *s;

	for (s = v; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("(){%*\"\\]", *s) != NULL)
			break;
	}
	if (*s != '\0') {
		fail(p, p->tok.value_off, v[0] == '\\' ? "system flags go with is:, "
		    "like is:flagged" : "a keyword is one word without spaces, "
		    "quotes or any of ( ) { % * \\ ]", "bad keyword '%s'", v);
		return -1;
	}
	n->kind = MQ_KEYWORD;
	n->str = v;
	return 0;
}

static int
parse_uid(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	struct imap_seqset	 set;
	const char		*v = p->tok.value;

	imap_seqset_init(&set);
	if (strspn(v, "0123456789:,*") != strlen(v) || imap_seqset_parse(&set, v) < 0) {
		imap_seqset_free(&set);
		fail(p, p->tok.value_off, "use numbers and ranges like 1:5,9",
		    "bad UID set '%s'", v);
		return -1;
	}
	n->kind = MQ_UID;
	n->set = v;
	n->uids.count = n->uids.cap = set.count;
	n->uids.ranges = arena_array(p->q->arena, set.count, sizeof *set.ranges);
	memcpy(n->uids.ranges, set.ranges, set.count * sizeof *set.ranges);
	imap_seqset_free(&set);
	return 0;
}

static int
parse_has(struct parser *p, const struct term_def *t, struct mq_node *n)
{
	if (!str_ieq(p->tok.value, "attachment") && !str_ieq(p->tok.value, "attachments")) {
		fail(p, p->tok.value_off, "the only one is has:attachment",
		    "unknown has: value '%s'", p->tok.value);
		return -1;
	}
	n->kind = MQ_ATTACHMENT;
	p->q->needs_local = true;
	return 0;
}

/*
 * mutt's patterns. Their arguments are regular expressions in mutt; here
 * they are text found anywhere in the field, without regard to case,
 * which is what most of them are used for.
 */
static struct mq_node *
parse_mutt(struct parser *p)
{
	const struct mutt_term	*t = NULL;
	struct mq_node		*n = NULL, *k;
	char			*arg = NULL;
	size_t			 off = p->tok.off, len = 0, i;
	char			 letter = p->tok.value[0];

	for (i = 0; i < NMUTT; i++) {
		if (mutt_terms[i].letter == letter) {
			t = &mutt_terms[i];
			break;
		}
	}
	if (t == NULL) {
		fail(p, off, "see SEARCH LANGUAGE in crispin(1) for the ones there are",
		    "mutt pattern '~%c' is not supported", letter);
		return NULL;
	}
	if (t->arg && mutt_argument(p, letter, &arg, &len) < 0)
		return NULL;
	switch (t->build) {
	case MB_ALL:
		/* No message is smaller than 0 bytes. */
		n = node_new(p, MQ_NOT, off);
		k = node_new(p, MQ_SIZE, off);
		node_add(p, n, k);
		break;
	case MB_STRING:
		n = node_string(p, (enum mq_field)t->field, arg, off);
		break;
	case MB_TO_CC:
	case MB_ADDRESS:
		n = node_new(p, MQ_OR, off);
		if (t->build == MB_ADDRESS)
			node_add(p, n, node_string(p, MQ_F_FROM, arg, off));
		node_add(p, n, node_string(p, MQ_F_TO, arg, off));
		node_add(p, n, node_string(p, MQ_F_CC, arg, off));
		if (t->build == MB_ADDRESS)
			node_add(p, n, node_string(p, MQ_F_BCC, arg, off));
		break;
	case MB_HEADER:
		n = node_header(p, t->name, arg, off);
		break;
	case MB_ANY_HEADER:
		for (i = 0; i < len && arg[i] != ':'; i++) {
			if ((unsigned char)arg[i] <= ' ' || (unsigned char)arg[i] >= 0x7f)
				break;
		}
		if (i == 0 || i == len || arg[i] != ':') {
			fail(p, off, "write it as ~h \"Name: text\"",
			    "'~h' needs a header name and a colon");
			return NULL;
		}
		n = node_header(p, arena_strndup(p->q->arena, arg, i),
		    arg + i + 1 + strspn(arg + i + 1, " "), off);
		break;
	case MB_REFERENCES:
		n = node_new(p, MQ_OR, off);
		node_add(p, n, node_header(p, "References", arg, off));
		node_add(p, n, node_header(p, "In-Reply-To", arg, off));
		break;
	case MB_FLAG:
		n = mutt_flag(p, t->name, off);
		break;
	case MB_OLD:
		n = node_new(p, MQ_AND, off);
		node_add(p, n, mutt_flag(p, "unread", off));
		node_add(p, n, mutt_flag(p, "old", off));
		break;
	case MB_TAGGED:
		n = node_new(p, MQ_ATTACHMENT, off);
		n->tagged = true;
		p->q->needs_local = true;
		break;
	case MB_DATE:
		n = mutt_date(p, arg, len);
		break;
	case MB_SIZE:
		n = mutt_size(p, arg, len);
		break;
	case MB_KEYWORD:
		n = node_new(p, MQ_KEYWORD, off);
		p->tok.value = arg;
		p->tok.value_off = p->pos - len;
		if (parse_keyword(p, NULL, n) < 0)
			return NULL;
		break;
	}
	if (n == NULL)
		return NULL;
	return next(p) < 0 ? NULL : n;
}

/* The word after ~X: quoted ("..." or '...', backslash escapes) or up to
 * a space or parenthesis; *arg_r is a copy in the arena. */
static int
mutt_argument(struct parser *p, char letter, char **arg_r, size_t *len_r)
{
	struct buf	 v = BUF_INIT;
	size_t		 start;
	char		 q, c;

	while (p->pos < p->len && isspace((unsigned char)p->text[p->pos]))
		p->pos++;
	start = p->pos;
	if (p->pos >= p->len || p->text[p->pos] == ')') {
		fail(p, p->tok.off, NULL, "'~%c' needs a pattern after it", letter);
		return -1;
	}
	q = p->text[p->pos];
	if (q == '"' || q == '\'') {
		p->pos++;
		for (;;) {
			if (p->pos >= p->len) {
				buf_free(&v);
				fail(p, start, NULL, "unterminated quote");
				return -1;
			}
			c = p->text[p->pos++];
			if (c == q)
				break;
			if (c == '\\' && p->pos < p->len)
				c = p->text[p->pos++];
			buf_addc(&v, c);
		}
		if (v.len == 0) {
			buf_free(&v);
			fail(p, start, NULL, "empty quoted text");
			return -1;
		}
		*len_r = v.len;
		*arg_r = arena_strndup(p->q->arena, v.data, v.len);
		buf_free(&v);
		return 0;
	}
	while (p->pos < p->len && !isspace((unsigned char)p->text[p->pos]) &&
	    p->text[p->pos] != '(' && p->text[p->pos] != ')')
		p->pos++;
	*len_r = p->pos - start;
	*arg_r = arena_strndup(p->q->arena, p->text + start, *len_r);
	return 0;
}

/* s and name live in the arena. */
static struct mq_node *
node_string(struct parser *p, enum mq_field field, const char *s, size_t off)
{
	struct mq_node	*n = node_new(p, MQ_STRING, off);

	n->field = field;
	n->str = s;
	return n;
}

static struct mq_node *
node_header(struct parser *p, const char *name, const char *s, size_t off)
{
	struct mq_node	*n = node_new(p, MQ_HEADER, off);

	n->name = name;
	n->str = s;
	return n;
}

static struct mq_node *
mutt_flag(struct parser *p, const char *name, size_t off)
{
	struct mq_node	*n = node_new(p, MQ_FLAG, off);
	size_t		 i;

	for (i = 0; i < NFLAGS; i++) {
		if (strcmp(flags[i].name, name) == 0)
			n->flag = &flags[i];
	}
	assert(n->flag != NULL);
	return n;
}

/* ~z: [<>]N[KM], N-M (inclusive), -M, N-. */
static struct mq_node *
mutt_size(struct parser *p, const char *s, size_t len)
{
	static const char	 hint[] = "use ~z <1K, ~z >1M or ~z 10K-20K";
	struct mq_node		*n, *k;
	const char		*dash = memchr(s, '-', len);
	uint64_t		 lo = 0, hi = UINT64_MAX, num, mult;
	size_t			 i, part, at;
	char			 op = '\0', u;

	if (len > 0 && (s[0] == '<' || s[0] == '>')) {
		op = s[0];
		s++;
		len--;
		dash = NULL;
	}
	for (i = 0; i < 2; i++) {
		at = i == 0 ? 0 : dash != NULL ? (size_t)(dash - s) + 1 : len;
		part = i == 0 ? (dash != NULL ? (size_t)(dash - s) : len) : len - at;
		if (i == 1 && dash == NULL)
			break;
		if (part == 0) {
			if (dash == NULL)
				goto bad;
			continue;
		}
		mult = 1;
		u = (char)toupper((unsigned char)s[at + part - 1]);
		if (u == 'K' || u == 'M') {
			mult = u == 'K' ? 1024 : 1024 * 1024;
			part--;
		}
		if (part == 0 || str_to_u64(s + at, part, UINT32_MAX / mult, &num) < 0)
			goto bad;
		if (i == 0)
			lo = num * mult;
		else
			hi = num * mult;
	}
	if (dash == NULL && op == '\0')
		hi = lo;
	if (op == '<' || op == '>') {
		n = node_new(p, MQ_SIZE, p->tok.off);
		n->larger = op == '>';
		n->size = lo;
		return n;
	}
	/* An inclusive range: larger than lo - 1, smaller than hi + 1. */
	n = node_new(p, MQ_AND, p->tok.off);
	if (lo > 0) {
		k = node_new(p, MQ_SIZE, p->tok.off);
		k->larger = true;
		k->size = lo - 1;
		node_add(p, n, k);
	}
	if (hi != UINT64_MAX) {
		k = node_new(p, MQ_SIZE, p->tok.off);
		k->size = hi + 1;
		node_add(p, n, k);
	}
	if (n->nkids == 0)
		goto bad;
	return n->nkids == 1 ? n->kids[0] : n;
bad:
	fail(p, p->tok.off, hint, "bad size '~z %.*s'", (int)len, s);
	return NULL;
}

/*
 * ~d and ~r: <7d (less than 7 days ago), >1m (more than a month ago), =1w,
 * or dates DD/MM/YYYY (DD/MM this year, DD this month) alone or in
 * ranges: D1-D2, D1- (on or after), -D2 (on or before).
 */
static struct mq_node *
mutt_date(struct parser *p, const char *s, size_t len)
{
	static const char	 hint[] = "use ~d <7d, ~d >1m, ~d 01/02/2024 or "
				    "~d 01/02/2024-15/02/2024";
	struct mq_node		*n = node_new(p, MQ_DATE, p->tok.off);
	const char		*dash;
	uint64_t		 num;
	char			 unit;

	if (len >= 3 && strchr("<>=", s[0]) != NULL) {
		unit = (char)tolower((unsigned char)s[len - 1]);
		if (strchr("dwmy", unit) == NULL ||
		    str_to_u64(s + 1, len - 2, 100000, &num) < 0)
			goto bad;
		n->has_from = true;
		n->from.relative = true;
		n->from.unit = unit;
		n->from.n = (unsigned)num;
		if (s[0] == '<')
			n->date_op = MQ_D_SINCE;
		else if (s[0] == '>')
			n->date_op = MQ_D_BEFORE;
		else {
			n->date_op = MQ_D_DURING;
			n->to = n->from;
			n->has_to = true;
		}
		return n;
	}
	n->date_op = MQ_D_DURING;
	if ((dash = memchr(s, '-', len)) == NULL) {
		if (mutt_day(p, s, len, &n->from) < 0)
			goto bad;
		n->to = n->from;
		n->has_from = n->has_to = true;
		return n;
	}
	if (dash > s) {
		if (mutt_day(p, s, (size_t)(dash - s), &n->from) < 0)
			goto bad;
		n->has_from = true;
	}
	if (dash + 1 < s + len) {
		if (mutt_day(p, dash + 1, len - (size_t)(dash - s) - 1, &n->to) < 0)
			goto bad;
		n->has_to = true;
	}
	if (!n->has_from && !n->has_to)
		goto bad;
	if (n->has_from && n->has_to && n->to.hi <= n->from.lo) {
		fail(p, p->tok.off, NULL, "date range '%.*s' ends before it starts",
		    (int)len, s);
		return NULL;
	}
	return n;
bad:
	if (p->error == NULL)
		fail(p, p->tok.off, hint, "bad date '%.*s'", (int)len, s);
	return NULL;
}

/* DD[/MM[/[YY]YY]]: what is left out is the query's now's. */
static int
mutt_day(struct parser *p, const char *s, size_t len, struct mq_when *w)
{
	struct tm	 tm;
	time_t		 now = p->q->now;
	uint64_t	 v[3];
	size_t		 i, n = 0, start = 0;

	localtime_r(&now, &tm);
	v[0] = (uint64_t)tm.tm_mday;
	v[1] = (uint64_t)tm.tm_mon + 1;
	v[2] = (uint64_t)tm.tm_year + 1900;
	for (i = 0; i <= len && n < 3; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (str_to_u64(s + start, i - start, 9999, &v[n]) < 0)
			return -1;
		if (n == 2 && i - start <= 2)
			v[2] += v[2] < 70 ? 2000 : 1900;
		n++;
		start = i + 1;
	}
	if (i <= len || v[1] < 1 || v[1] > 12 || v[2] < 1000 || v[0] < 1 ||
	    v[0] > (uint64_t)days_in_month((int64_t)v[2], (int)v[1]))
		return -1;
	memset(w, 0, sizeof *w);
	w->lo = days_from_civil((int64_t)v[2], (int)v[1], (int)v[0]);
	w->hi = w->lo + 1;
	return 0;
}

int
mail_query_parse(const char *text, time_t now, struct mail_query **q_r, char **error_r)
{
	struct parser		 p;
	struct mail_query	*q;

	*q_r = NULL;
	memset(&p, 0, sizeof p);
	p.text = text;
	p.len = strlen(text);
	if (p.len > MQ_MAX_TEXT) {
		*error_r = xasprintf("the query is too long (%zu bytes, at most %d)",
		    p.len, MQ_MAX_TEXT);
		return -1;
	}
	q = xcalloc(1, sizeof *q);
	q->arena = arena_new(0);
	q->now = now;
	p.q = q;
	if (next(&p) == 0) {
		if (p.tok.kind == T_END)
			p.error = xstrdup("empty query (try from:NAME, subject:TEXT, "
			    "since:7d, is:unread; see crispin(1))");
		else if ((q->root = parse_or(&p)) != NULL && p.tok.kind != T_END)
			fail(&p, p.tok.off, NULL, "unbalanced parenthesis");
	}
	if (p.error != NULL) {
		*error_r = p.error;
		mail_query_free(&q);
		return -1;
	}
	*q_r = q;
	return 0;
}

void
mail_query_free(struct mail_query **qp)
{
	struct mail_query	*q = *qp;

	if (q == NULL)
		return;
	arena_free(&q->arena);
	free(q);
	*qp = NULL;
}

bool
mail_query_needs_local(const struct mail_query *q)
{
	return q->needs_local;
}
