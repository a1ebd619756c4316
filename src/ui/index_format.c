/*
 * One index line from index_format, with mutt's %-codes: %[-][0][width]
 * [.precision]X, %?X?then&else?, %{strftime}, %> %| %* fills. Widths
 * count terminal cells; text is cut between characters, never inside a
 * wide one. Every value is made terminal-safe before it is measured, so
 * what is measured is what screen_put draws.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "crispin/buf.h"
#include "crispin/mail_thread.h"
#include "crispin/mime_header.h"
#include "crispin/mime_text.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* How deep conditionals may nest. */
#define FORMAT_MAX_DEPTH	8

struct fmt_ctx {
	const struct index_line	*l;
	const char		*date_format;
	struct index_spans	*spans;		/* NULL: not wanted */
};

/* The colour object of each %-code's text. */
static const struct {
	char		 code;
	const char	*object;
} code_objects[] = {
	{ 'a', "index_author" }, { 'f', "index_author" }, { 'F', "index_author" },
	{ 'L', "index_author" }, { 'n', "index_author" }, { 'u', "index_author" },
	{ 'v', "index_author" },
	{ 's', "index_subject" },
	{ 'd', "index_date" }, { 'D', "index_date" }, { '{', "index_date" },
	{ '[', "index_date" }, { '(', "index_date" }, { '<', "index_date" },
	{ 'S', "index_flags" }, { 'Z', "index_flags" },
	{ 'c', "index_size" }, { 'l', "index_size" },
	{ 'C', "index_number" },
	{ 'M', "index_collapsed" },
	{ 'g', "index_tags" },
	{ 'N', "index_score" },
};

static int cp_cells(unsigned long);
static int cells(const char *, size_t);
static int fit(struct buf *, const char *, size_t, int);
static void pad(struct buf *, char, int);
static void add_safe(struct buf *, const char *);
static void add_date(struct buf *, const char *, size_t, int64_t, bool);
static void add_size(struct buf *, uint64_t);
static void status_char(struct buf *, const struct index_line *);
static bool expand(const struct fmt_ctx *, char, struct buf *, bool *);
static const char *skip_cond(const char *, const char *, char);
static void format(const struct fmt_ctx *, const char *, const char *,
	    struct buf *, int, int);
static void span_add(const struct fmt_ctx *, size_t, size_t, const char *);
static void spans_shift(const struct fmt_ctx *, size_t, size_t);
static void spans_clamp(const struct fmt_ctx *, size_t, size_t, size_t);
static const char *code_object(char);

static const char *
code_object(char c)
{
	size_t	 i;

	for (i = 0; i < sizeof code_objects / sizeof code_objects[0]; i++) {
		if (code_objects[i].code == c)
			return code_objects[i].object;
	}
	return NULL;
}

static void
span_add(const struct fmt_ctx *ctx, size_t start, size_t end, const char *object)
{
	struct index_spans	*s = ctx->spans;

	if (s == NULL || object == NULL || end <= start)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->v[s->n].object = object;
	s->n++;
}

/* Spans from index from on moved by delta bytes (text put after padding). */
static void
spans_shift(const struct fmt_ctx *ctx, size_t from, size_t delta)
{
	size_t	 i;

	if (ctx->spans == NULL)
		return;
	for (i = from; i < ctx->spans->n; i++) {
		ctx->spans->v[i].start += delta;
		ctx->spans->v[i].end += delta;
	}
}

/* Spans [from, to) cut to the first len bytes (text cut short); the
 * ones after them stay. */
static void
spans_clamp(const struct fmt_ctx *ctx, size_t from, size_t to, size_t len)
{
	struct index_spans	*s = ctx->spans;
	size_t			 i, k = from;

	if (s == NULL)
		return;
	if (to > s->n)
		to = s->n;
	for (i = from; i < s->n; i++) {
		if (i < to && s->v[i].start >= len)
			continue;
		if (i < to && s->v[i].end > len)
			s->v[i].end = len;
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

static int
cp_cells(unsigned long cp)
{
	int	 w;

	if (cp == '\t')
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

static int
cells(const char *s, size_t len)
{
	unsigned long	 cp;
	size_t		 k;
	int		 w = 0;

	while (len > 0) {
		if ((k = mime_utf8_next(s, len, &cp)) == 0)
			k = 1;
		w += k == 1 && (unsigned char)*s >= 0x80 ? 1 : cp_cells(cp);
		s += k;
		len -= k;
	}
	return w;
}

/* Appends s cut to max cells (negative: no limit); returns the cells. */
static int
fit(struct buf *out, const char *s, size_t len, int max)
{
	unsigned long	 cp;
	size_t		 k;
	int		 w = 0, cw;

	while (len > 0) {
		if ((k = mime_utf8_next(s, len, &cp)) == 0) {
			k = 1;
			cp = '?';
		}
		cw = cp_cells(cp);
		if (max >= 0 && w + cw > max)
			break;
		buf_add(out, s, k);
		w += cw;
		s += k;
		len -= k;
	}
	return w;
}

static void
pad(struct buf *out, char c, int n)
{
	while (n-- > 0)
		buf_addc(out, c);
}

/* Text from the mail as the screen will show it, on one line. */
static void
add_safe(struct buf *out, const char *s)
{
	if (s != NULL)
		mime_text_safe(out, s, strlen(s), MIME_SAFE_ONELINE);
}

/* A date by strftime; a leading '!' (mutt: C locale) is dropped. */
static void
add_date(struct buf *out, const char *fmt, size_t len, int64_t when, bool utc)
{
	char		 spec[256], text[512];
	time_t		 t = (time_t)when;
	struct tm	 tm;

	if (len > 0 && fmt[0] == '!') {
		fmt++;
		len--;
	}
	if (len == 0 || len >= sizeof spec || when == 0)
		return;
	memcpy(spec, fmt, len);
	spec[len] = '\0';
	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL)
		return;
	/* The format is the user's setting, not data from a message. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(text, sizeof text, spec, &tm) > 0)
		add_safe(out, text);
#pragma GCC diagnostic pop
}

/* mutt's short sizes: 512, 1.2K, 34K, 5.6M. */
static void
add_size(struct buf *out, uint64_t n)
{
	if (n < 1024)
		buf_printf(out, "%llu", (unsigned long long)n);
	else if (n < 10 * 1024)
		buf_printf(out, "%.1fK", (double)n / 1024);
	else if (n < 1024 * 1024)
		buf_printf(out, "%lluK", (unsigned long long)((n + 512) / 1024));
	else if (n < 10 * 1024 * 1024)
		buf_printf(out, "%.1fM", (double)n / (1024 * 1024));
	else
		buf_printf(out, "%lluM",
		    (unsigned long long)((n + 512 * 1024) / (1024 * 1024)));
}

/* D deleted, * tagged, F flagged, N new, O old unread, r replied. */
static void
status_char(struct buf *out, const struct index_line *l)
{
	unsigned	 f = l->msg->flags;

	if (f & IMAP_FLAG_DELETED)
		buf_addc(out, 'D');
	else if (l->tagged)
		buf_addc(out, '*');
	else if (f & IMAP_FLAG_FLAGGED)
		buf_addc(out, 'F');
	else if (!(f & IMAP_FLAG_SEEN))
		buf_addc(out, (f & IMAP_FLAG_RECENT) ? 'N' : 'O');
	else if (f & IMAP_FLAG_ANSWERED)
		buf_addc(out, 'r');
	else
		buf_addc(out, ' ');
}

/*
 * The value of %c into v; *numeric says whether '0' pads it. False for
 * an unknown code. An empty value or "0" makes %?c? false.
 */
static bool
expand(const struct fmt_ctx *ctx, char c, struct buf *v, bool *numeric)
{
	const struct index_line	*l = ctx->l;
	const struct mail_msg	*m = l->msg;
	struct buf		 tmp = BUF_INIT;
	const char		*s, *at;
	unsigned		 f = m->flags;

	*numeric = false;
	switch (c) {
	case 'a':	/* the author's address */
		buf_reset(&tmp);
		if (m->from != NULL)
			mime_decode_words(&tmp, m->from, NULL);
		s = buf_cstr(&tmp);
		if ((at = strrchr(s, '<')) != NULL && strchr(at, '>') != NULL)
			mime_text_safe(v, at + 1, (size_t)(strchr(at, '>') - at - 1),
			    MIME_SAFE_ONELINE);
		else
			add_safe(v, s);
		break;
	case 'b':	/* the folder */
		add_safe(v, l->folder);
		break;
	case 'c':
		add_size(v, m->size);
		break;
	case 'C':
		*numeric = true;
		buf_printf(v, "%u", l->number);
		break;
	case 'd':
	case 'D':
		add_date(v, ctx->date_format, strlen(ctx->date_format),
		    m->date != 0 ? m->date : m->internaldate, false);
		break;
	case 'e':
		*numeric = true;
		buf_printf(v, "%u", l->thread_pos);
		break;
	case 'E':
		*numeric = true;
		buf_printf(v, "%u", l->thread_size);
		break;
	case 'f':	/* the whole From */
		if (m->from != NULL)
			mime_decode_words(&tmp, m->from, NULL);
		add_safe(v, buf_cstr(&tmp));
		break;
	case 'F':
	case 'L':
	case 'n':	/* the author's name, else address */
		mail_sort_author(&tmp, m->from);
		add_safe(v, buf_cstr(&tmp));
		break;
	case 'g':	/* keywords */
		add_safe(v, m->keywords);
		break;
	case 'i':
		add_safe(v, m->message_id);
		break;
	case 'l':	/* lines: IMAP does not say */
		*numeric = true;
		buf_addc(v, '0');
		break;
	case 'N':	/* the score */
		*numeric = true;
		buf_printf(v, "%d", l->score);
		break;
	case 'M':	/* hidden by a collapsed thread */
		*numeric = true;
		if (l->hidden > 0)
			buf_printf(v, "%u", l->hidden);
		break;
	case 's':
		if (l->tree != NULL)
			buf_adds(v, l->tree);
		if (m->subject != NULL)
			mime_decode_words(&tmp, m->subject, NULL);
		add_safe(v, buf_cstr(&tmp));
		break;
	case 'S':
		status_char(v, l);
		break;
	case 't':	/* To and Cc */
		if (m->to != NULL)
			mime_decode_words(&tmp, m->to, NULL);
		add_safe(v, buf_cstr(&tmp));
		break;
	case 'u':	/* the author's user name */
		expand(ctx, 'a', &tmp, numeric);
		s = buf_cstr(&tmp);
		at = strchr(s, '@');
		buf_add(v, s, at != NULL ? (size_t)(at - s) : strlen(s));
		*numeric = false;
		break;
	case 'v':	/* the author's first name */
		mail_sort_author(&tmp, m->from);
		s = buf_cstr(&tmp);
		if ((at = strchr(s, ' ')) != NULL)
			buf_truncate(&tmp, (size_t)(at - s));
		add_safe(v, buf_cstr(&tmp));
		break;
	case 'X':	/* attachments: not known from the index record */
		*numeric = true;
		break;
	case 'Z':	/* status, flagged, tagged */
		if (f & IMAP_FLAG_DELETED)
			buf_addc(v, 'D');
		else if (!(f & IMAP_FLAG_SEEN))
			buf_addc(v, (f & IMAP_FLAG_RECENT) ? 'N' : 'O');
		else if (f & IMAP_FLAG_ANSWERED)
			buf_addc(v, 'r');
		else
			buf_addc(v, ' ');
		buf_addc(v, (f & IMAP_FLAG_FLAGGED) ? 'F' : ' ');
		buf_addc(v, l->tagged ? '*' : ' ');
		break;
	default:
		buf_free(&tmp);
		return false;
	}
	buf_free(&tmp);
	return true;
}

/* Past the branch that starts at p and ends at the first stop at this
 * nesting level (conditionals inside are skipped whole). */
static const char *
skip_cond(const char *p, const char *end, char stop)
{
	int	 depth = 0;

	while (p < end) {
		if (*p == '%' && p + 1 < end) {
			if (p[1] == '?') {
				/* Past "%?X?": its own '?' ends it. */
				depth++;
				p = end - p > 3 ? p + 3 : end;
				if (p < end && *p == '?')
					p++;
				continue;
			}
			p += 2;
			continue;
		}
		if (depth == 0 && *p == stop)
			return p;
		/* A nested conditional ends after its else branch ('?'
		 * closes it). */
		if (depth > 0 && *p == '?')
			depth--;
		p++;
	}
	return end;
}

/*
 * Formats [p, end) into out (at most cols cells). A fill (%> %| %*)
 * formats the rest on its own and pads between.
 */
static void
format(const struct fmt_ctx *ctx, const char *p, const char *end,
    struct buf *out, int cols, int depth)
{
	struct buf	 v = BUF_INIT, right = BUF_INIT, left = BUF_INIT;
	const char	*q, *then_end, *else_end;
	bool		 left_align, zero, numeric, truth;
	int		 width, prec, w, wl, wr;
	size_t		 start, tree, nspans, nright;
	size_t		 nentry = ctx->spans != NULL ? ctx->spans->n : 0;
	char		 c, close;

	while (p < end) {
		if (*p != '%' || p + 1 >= end) {
			q = p;
			while (q < end && *q != '%')
				q++;
			if (q == p)
				q++;
			fit(out, p, (size_t)(q - p), -1);
			p = q;
			continue;
		}
		p++;
		if (*p == '%') {
			buf_addc(out, '%');
			p++;
			continue;
		}
		/* Conditional: %?X?then&else? */
		if (*p == '?' && p + 2 < end) {
			c = p[1];
			p += 2;
			if (*p == '?')
				p++;
			then_end = skip_cond(p, end, '&');
			else_end = skip_cond(p, end, '?');
			if (else_end < then_end)
				then_end = else_end;
			else
				else_end = skip_cond(then_end + 1, end, '?');
			buf_reset(&v);
			truth = expand(ctx, c, &v, &numeric) && v.len > 0 &&
			    !(numeric && strcmp(buf_cstr(&v), "0") == 0) &&
			    !(v.len == strspn(buf_cstr(&v), " "));
			if (depth < FORMAT_MAX_DEPTH) {
				if (truth)
					format(ctx, p, then_end, out, -1, depth + 1);
				else if (then_end < else_end)
					format(ctx, then_end + 1, else_end, out, -1,
					    depth + 1);
			}
			p = else_end < end ? else_end + 1 : end;
			continue;
		}
		/* Fills: the rest of the line goes right of the padding. */
		if ((*p == '>' || *p == '|' || *p == '*') && p + 1 < end) {
			c = *p;
			close = p[1];
			p += 2;
			buf_reset(&right);
			nspans = ctx->spans != NULL ? ctx->spans->n : 0;
			if (c != '|')
				format(ctx, p, end, &right, -1, depth);
			wl = cells(out->data != NULL ? out->data : "", out->len);
			wr = cells(right.data != NULL ? right.data : "", right.len);
			if (cols >= 0 && c == '*' && wl + wr > cols) {
				buf_reset(&left);
				fit(&left, out->data, out->len, cols - wr > 0 ? cols - wr : 0);
				buf_reset(out);
				buf_add(out, left.data, left.len);
				wl = cells(out->data != NULL ? out->data : "", out->len);
				/* The left part's spans, then the right's, in order. */
				nright = ctx->spans != NULL ? ctx->spans->n - nspans : 0;
				spans_clamp(ctx, nentry, nspans, out->len);
				if (ctx->spans != NULL)
					nspans = ctx->spans->n - nright;
			}
			if (cols >= 0)
				pad(out, close, cols - wl - wr);
			spans_shift(ctx, nspans, out->len);
			buf_add(out, right.data, right.len);
			p = end;
			break;
		}
		/* Date in braces: %{...} sent, %[...] local, %(...) received,
		 * %<...> now. */
		if (*p == '{' || *p == '[' || *p == '(' || *p == '<') {
			close = *p == '{' ? '}' : *p == '[' ? ']' : *p == '(' ? ')' : '>';
			c = *p;
			q = memchr(p, close, (size_t)(end - p));
			if (q == NULL)
				q = end;
			start = out->len;
			add_date(out, p + 1, (size_t)(q - p - 1),
			    c == '(' ? ctx->l->msg->internaldate :
			    c == '<' ? (int64_t)time(NULL) :
			    (ctx->l->msg->date != 0 ? ctx->l->msg->date :
			    ctx->l->msg->internaldate), false);
			span_add(ctx, start, out->len, code_object(c));
			p = q < end ? q + 1 : end;
			continue;
		}
		left_align = zero = false;
		width = 0;
		prec = -1;
		if (p < end && *p == '-') {
			left_align = true;
			p++;
		}
		if (p < end && *p == '0') {
			zero = true;
			p++;
		}
		while (p < end && *p >= '0' && *p <= '9' && width < 1000)
			width = width * 10 + (*p++ - '0');
		if (p < end && *p == '.') {
			p++;
			prec = 0;
			while (p < end && *p >= '0' && *p <= '9' && prec < 1000)
				prec = prec * 10 + (*p++ - '0');
		}
		if (p >= end)
			break;
		c = *p++;
		buf_reset(&v);
		if (!expand(ctx, c, &v, &numeric)) {
			buf_addc(out, '%');
			buf_addc(out, c);
			continue;
		}
		buf_reset(&left);
		w = fit(&left, v.data != NULL ? v.data : "", v.len, prec);
		if (!left_align)
			pad(out, zero && numeric ? '0' : ' ', width - w);
		start = out->len;
		buf_add(out, left.data, left.len);
		/* The thread tree leads %s: a colour of its own. */
		if (c == 's' && ctx->l->tree != NULL) {
			tree = strlen(ctx->l->tree);
			if (tree > left.len)
				tree = left.len;
			span_add(ctx, start, start + tree, "tree");
			start += tree;
		}
		span_add(ctx, start, out->len, code_object(c));
		if (left_align)
			pad(out, ' ', width - w);
	}
	buf_free(&left);
	buf_free(&right);
	buf_free(&v);
}

void
index_format(struct buf *out, const char *fmt, const char *date_format,
    const struct index_line *l, int cols)
{
	index_format_spans(out, NULL, fmt, date_format, l, cols);
}

void
index_format_spans(struct buf *out, struct index_spans *spans, const char *fmt,
    const char *date_format, const struct index_line *l, int cols)
{
	struct fmt_ctx	 ctx;
	struct buf	 line = BUF_INIT;
	size_t		 at = out->len, n0 = spans != NULL ? spans->n : 0;

	ctx.l = l;
	ctx.date_format = date_format != NULL ? date_format : "%b %d";
	ctx.spans = spans;
	if (fmt == NULL)
		fmt = "%4C %Z %{%b %d} %-15.15L (%?l?%4l&%4c?) %s";
	format(&ctx, fmt, fmt + strlen(fmt), &line, cols, 0);
	fit(out, line.data != NULL ? line.data : "", line.len, cols);
	/* Offsets into out, for what survived the cut. */
	spans_clamp(&ctx, n0, SIZE_MAX, out->len - at);
	spans_shift(&ctx, n0, at);
	buf_free(&line);
}
