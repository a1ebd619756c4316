/*
 * SMTP replies (RFC 5321 4.2): "250-first" continuation lines, then
 * "250 last". Fed any split of the input; lines and line count are
 * bounded, and anything that is not a reply is an error, never a guess.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/smtp_client.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct smtp_reply_parser {
	struct smtp_reply_limits limits;
	bool		 enhanced_on;
	struct buf	 line;		/* the line being read, without CR LF */
	char		**lines;	/* owned: text of the reply's lines so far */
	size_t		 nlines;
	unsigned	 code;		/* of the first line; 0 before it */
	char		 enhanced[16];
};

static int parse_line(struct smtp_reply_parser *, unsigned *, bool *, char **);
static void take_enhanced(struct smtp_reply_parser *, const char **);
static void clear_reply(struct smtp_reply_parser *);

struct smtp_reply_parser *
smtp_reply_parser_new(const struct smtp_reply_limits *limits)
{
	struct smtp_reply_parser	*p;

	p = xcalloc(1, sizeof *p);
	if (limits != NULL)
		p->limits = *limits;
	if (p->limits.max_line == 0)
		p->limits.max_line = 4096;
	if (p->limits.max_lines == 0)
		p->limits.max_lines = 512;
	buf_init(&p->line);
	return p;
}

void
smtp_reply_parser_set_enhanced(struct smtp_reply_parser *p, bool on)
{
	p->enhanced_on = on;
}

static void
clear_reply(struct smtp_reply_parser *p)
{
	size_t	i;

	for (i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	p->code = 0;
	p->enhanced[0] = '\0';
}

void
smtp_reply_parser_reset(struct smtp_reply_parser *p)
{
	clear_reply(p);
	buf_reset(&p->line);
}

void
smtp_reply_parser_free(struct smtp_reply_parser **pp)
{
	struct smtp_reply_parser	*p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	clear_reply(p);
	buf_free(&p->line);
	free(p);
}

/* "x.y.z " where x is the reply's class (RFC 3463: 2, 4 or 5, subject and
 * detail 1-3 digits). Taken off the line; the first one is kept. */
static void
take_enhanced(struct smtp_reply_parser *p, const char **text)
{
	const char	*s = *text;
	size_t		 i = 0, n, part;

	if (s[0] != (char)('0' + p->code / 100) || s[1] != '.')
		return;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; s[i] >= '0' && s[i] <= '9'; i++)
			n++;
		if (n < 1 || n > 3)
			return;
		if (part == 0 && s[i++] != '.')
			return;
	}
	if (s[i] != ' ' && s[i] != '\0')
		return;
	if (p->enhanced[0] == '\0') {
		memcpy(p->enhanced, s, i);
		p->enhanced[i] = '\0';
	}
	*text = s[i] == ' ' ? s + i + 1 : s + i;
}

/* One complete line: its code, whether it is the last, and its text. */
static int
parse_line(struct smtp_reply_parser *p, unsigned *code, bool *last, char **error_r)
{
	const char	*s = buf_cstr(&p->line), *text;
	char		*head, *clean;

	if (p->line.len < 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || (p->line.len > 3 && s[3] != ' ' && s[3] != '-') ||
	    memchr(s, '\0', p->line.len) != NULL) {
		head = xstrndup(s, p->line.len > 80 ? 80 : p->line.len);
		clean = str_sanitize(head);
		*error_r = xasprintf("not an SMTP reply: \"%s\"", clean);
		free(clean);
		free(head);
		return -1;
	}
	*code = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
	    (unsigned)(s[2] - '0');
	*last = p->line.len == 3 || s[3] == ' ';
	if (p->code != 0 && *code != p->code) {
		*error_r = xasprintf("reply code changed from %u to %u within one reply",
		    p->code, *code);
		return -1;
	}
	if (p->nlines >= p->limits.max_lines) {
		*error_r = xasprintf("reply has more than %zu lines", p->limits.max_lines);
		return -1;
	}
	p->code = *code;
	text = p->line.len > 3 ? s + 4 : "";
	if (p->enhanced_on && (p->code / 100 == 2 || p->code / 100 == 4 || p->code / 100 == 5))
		take_enhanced(p, &text);
	p->lines = xreallocarray(p->lines, p->nlines + 1, sizeof *p->lines);
	p->lines[p->nlines++] = xstrdup(text);
	return 0;
}

int
smtp_reply_parser_feed(struct smtp_reply_parser *p, const char *data, size_t len,
    smtp_reply_cb *cb, void *arg, char **error_r)
{
	struct smtp_reply	 r;
	const char		*eol;
	size_t			 n;
	unsigned		 code;
	bool			 last, go_on;

	while (len > 0) {
		eol = memchr(data, '\n', len);
		n = eol != NULL ? (size_t)(eol - data) : len;
		if (p->line.len + n > p->limits.max_line + 1) {
			*error_r = xasprintf("reply line longer than %zu bytes",
			    p->limits.max_line);
			return -1;
		}
		buf_add(&p->line, data, n);
		if (eol == NULL)
			return 0;
		data += n + 1;
		len -= n + 1;
		if (p->line.len > 0 && p->line.data[p->line.len - 1] == '\r')
			buf_truncate(&p->line, p->line.len - 1);
		if (p->line.len > p->limits.max_line) {
			*error_r = xasprintf("reply line longer than %zu bytes",
			    p->limits.max_line);
			return -1;
		}
		if (parse_line(p, &code, &last, error_r) < 0)
			return -1;
		buf_reset(&p->line);
		if (!last)
			continue;
		memset(&r, 0, sizeof r);
		r.code = code;
		r.enhanced = p->enhanced[0] != '\0' ? p->enhanced : NULL;
		r.lines = (const char *const *)p->lines;
		r.nlines = p->nlines;
		go_on = cb(&r, arg);
		clear_reply(p);
		if (!go_on)
			return 0;
	}
	return 0;
}

char *
smtp_reply_describe(const struct smtp_reply *r)
{
	struct buf	 b = BUF_INIT;
	char		*clean;
	size_t		 i;

	buf_printf(&b, "%u", r->code);
	if (r->enhanced != NULL)
		buf_printf(&b, " %s", r->enhanced);
	for (i = 0; i < r->nlines; i++) {
		if (r->lines[i][0] == '\0')
			continue;
		buf_adds(&b, i == 0 ? " " : "; ");
		buf_adds(&b, r->lines[i]);
	}
	clean = str_sanitize(buf_cstr(&b));
	buf_free(&b);
	return clean;
}
