/*
 * Incremental IMAP response parser. Every byte outside literals goes
 * through one state machine exactly once, so a response split anywhere
 * parses the same as a whole one, and nothing is rescanned. Non-literal
 * bytes of the current response are kept in a line buffer (bounded by
 * max_line) that tokens point into until they are copied to the arena.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_parser.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define DEFAULT_MAX_LINE	(1024 * 1024)
#define DEFAULT_MAX_DEPTH	100
#define DEFAULT_MAX_LITERAL	(1024 * 1024)
/* A literal announced bigger than this cannot be skipped sensibly. */
#define LITERAL_SIZE_MAX	((uint64_t)1 << 62)
/* Buffers bigger than these are released between responses. */
#define KEEP_LINE_BYTES		(64 * 1024)
#define KEEP_ITEMS		4096

enum pstate {
	PS_START,		/* blanks before the tag */
	PS_HEAD_SPACE,		/* between tag, number, keyword, status */
	PS_HEAD_TOKEN,		/* inside one of those */
	PS_TEXT,		/* resp-text or continuation, up to LF */
	PS_ARGS,		/* between tokens of untagged data */
	PS_ATOM,
	PS_QUOTED,
	PS_QUOTED_ESC,
	PS_TILDE,		/* '~': literal8 or an atom */
	PS_LIT_SIZE,		/* "{" digits */
	PS_LIT_PLUS,		/* "{n+" */
	PS_LIT_END,		/* "{n}" */
	PS_LIT_CR,		/* "{n}\r" */
	PS_LIT_DATA,
	PS_SKIP_LINE,		/* broken response: up to LF */
	PS_SKIP_LITERAL,	/* broken response: a literal it announced */
	PS_FATAL,
};

enum head {
	HEAD_TAG,
	HEAD_UNTAGGED,		/* after '*': number or keyword */
	HEAD_KEYWORD,		/* after "* N" */
	HEAD_STATUS,		/* after the tag */
};

enum step {
	STEP_NEXT,		/* byte consumed */
	STEP_AGAIN,		/* state changed: look at the byte again */
	STEP_STOP,		/* the callback reset or freed the parser */
	STEP_CODE_FAIL,		/* response code arguments did not tokenise */
};

/* Finds "{n}" or "{n+}" right before a line end, whatever the syntax
 * around it, so a broken response can still be skipped whole. */
enum det_state {
	DET_IDLE,
	DET_OPEN,
	DET_DIGITS,
	DET_PLUS,
	DET_CLOSE,
	DET_CLOSE_CR,
};

struct imap_parser {
	struct imap_parser_limits limits;
	size_t		 feed_off;	/* bytes of this feed's data taken so far */
	struct imap_literal_sink sink;
	bool		 has_sink;
	void		*sink_arg;

	struct arena	*arena;		/* owned; the response tree */
	struct buf	 line;		/* non-literal bytes of this response */

	enum pstate	 state;
	enum head	 head;
	size_t		 tok_start;	/* offset in line */
	size_t		 bracket;	/* "[" depth inside an atom */
	size_t		 text_start;
	bool		 code_mode;	/* tokenising response code arguments */

	/* Literal being announced or read. */
	bool		 lit8;
	bool		 lit_digits;
	bool		 lit_big;
	uint64_t	 lit_size;
	uint64_t	 lit_left;
	char		*lit_mem;	/* in the arena, or NULL */
	uint64_t	 lit_pos;
	void		*lit_handle;	/* sink handle, or NULL */
	uint64_t	 mem_total;	/* literal bytes in memory */

	/* Arguments: lists under construction sit on one stack. */
	struct imap_arg	*items;		/* owned */
	size_t		 nitems;
	size_t		 items_cap;
	size_t		*frames;	/* owned; where each open list starts */
	unsigned	 depth;
	unsigned	 frames_cap;

	struct imap_response resp;

	enum det_state	 det;
	uint64_t	 det_n;
	bool		 det_big;
	bool		 det_lit;	/* the last LF ended "{n}" */
	uint64_t	 skip_left;

	char		*fatal;		/* owned; why the stream was given up */

	imap_response_cb *cb;
	void		*cb_arg;
	unsigned	 generation;	/* bumped by reset */
	bool		 in_feed;
	bool		 reset_pending;	/* reset from inside a callback */
	bool		 dying;		/* freed from inside a callback */
};

static const struct {
	const char		*name;
	enum imap_status	 status;
} statuses[] = {
	{ "OK", IMAP_STATUS_OK },
	{ "NO", IMAP_STATUS_NO },
	{ "BAD", IMAP_STATUS_BAD },
	{ "PREAUTH", IMAP_STATUS_PREAUTH },
	{ "BYE", IMAP_STATUS_BYE },
};

static void	 reset_now(struct imap_parser *);
static void	 response_clear(struct imap_parser *);
static void	 detect(struct imap_parser *, unsigned char);
static enum step parse_byte(struct imap_parser *, unsigned char);
static enum step dispatch(struct imap_parser *, unsigned char, size_t);
static enum step step_head_token(struct imap_parser *, unsigned char, size_t);
static enum step head_done(struct imap_parser *, size_t);
static enum step keyword_done(struct imap_parser *, size_t);
static enum step step_args(struct imap_parser *, unsigned char, size_t);
static enum step step_atom(struct imap_parser *, unsigned char, size_t);
static enum step step_literal_header(struct imap_parser *, unsigned char);
static enum step literal_start(struct imap_parser *);
static void	 literal_data(struct imap_parser *, const char *, size_t);
static enum step fail(struct imap_parser *, const char *, ...)
		    CRISPIN_PRINTF(2, 3);
static void	 set_fatal(struct imap_parser *, const char *);
static enum step emit(struct imap_parser *);
static enum step finish_text(struct imap_parser *, size_t);
static void	 parse_code(struct imap_parser *, size_t, size_t);
static struct imap_arg *push_arg(struct imap_parser *);
static enum imap_status status_lookup(const char *, size_t);
static bool	 is_ctl(unsigned char);
static bool	 is_space(unsigned char);
static void	 write_string(struct buf *, const char *, size_t);

struct imap_parser *
imap_parser_new(const struct imap_parser_limits *limits)
{
	struct imap_parser	*p;

	p = xcalloc(1, sizeof *p);
	if (limits != NULL)
		p->limits = *limits;
	if (p->limits.max_line == 0)
		p->limits.max_line = DEFAULT_MAX_LINE;
	if (p->limits.max_depth == 0)
		p->limits.max_depth = DEFAULT_MAX_DEPTH;
	if (p->limits.max_literal_mem == 0)
		p->limits.max_literal_mem = DEFAULT_MAX_LITERAL;
	p->arena = arena_new(0);
	buf_init(&p->line);
	p->state = PS_START;
	return p;
}

void
imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser	*p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	if (p->in_feed) {
		/* Freed by its own callback: imap_parser_feed finishes. */
		p->dying = true;
		p->generation++;
		return;
	}
	reset_now(p);
	arena_free(&p->arena);
	buf_free(&p->line);
	free(p->items);
	free(p->frames);
	free(p->fatal);
	free(p);
}

void
imap_parser_set_sink(struct imap_parser *p,
    const struct imap_literal_sink *sink, void *arg)
{
	/* A literal on its way to the old sink is dropped, not misdirected. */
	if (p->lit_handle != NULL) {
		p->sink.close(p->lit_handle, false);
		p->lit_handle = NULL;
	}
	if (sink == NULL) {
		p->has_sink = false;
		memset(&p->sink, 0, sizeof p->sink);
	} else {
		p->has_sink = true;
		p->sink = *sink;
	}
	p->sink_arg = arg;
}

void
imap_parser_reset(struct imap_parser *p)
{
	p->generation++;
	if (p->in_feed) {
		/* From a callback: the response it is looking at stays valid
		 * until it returns; imap_parser_feed finishes the job. */
		p->reset_pending = true;
		return;
	}
	reset_now(p);
}

static void
reset_now(struct imap_parser *p)
{
	if (p->lit_handle != NULL) {
		p->sink.close(p->lit_handle, false);
		p->lit_handle = NULL;
	}
	response_clear(p);
	p->state = PS_START;
	p->det = DET_IDLE;
	p->det_lit = false;
	p->skip_left = 0;
	p->reset_pending = false;
	x_free(&p->fatal);
}

/* Forgets the response being built; the state is the caller's business. */
static void
response_clear(struct imap_parser *p)
{
	arena_reset(p->arena);
	/* One huge response should not pin its memory for the session. */
	if (p->line.cap > KEEP_LINE_BYTES)
		buf_free(&p->line);
	else
		buf_reset(&p->line);
	if (p->items_cap > KEEP_ITEMS) {
		x_free(&p->items);
		p->items_cap = 0;
	}
	memset(&p->resp, 0, sizeof p->resp);
	p->nitems = 0;
	p->depth = 0;
	p->code_mode = false;
	p->lit_mem = NULL;
	p->mem_total = 0;
}

size_t
imap_parser_offset(const struct imap_parser *p)
{
	return p->feed_off;
}

int
imap_parser_feed(struct imap_parser *p, const char *data, size_t len,
    imap_response_cb *cb, void *arg, char **error_r)
{
	unsigned	 generation = p->generation;
	size_t		 i = 0, n;
	enum step	 step = STEP_NEXT;
	int		 ret = 0;

	if (p->state == PS_FATAL) {
		*error_r = xstrdup(p->fatal);
		return -1;
	}
	p->cb = cb;
	p->cb_arg = arg;
	p->in_feed = true;
	while (i < len && p->generation == generation) {
		if (p->state == PS_LIT_DATA) {
			n = len - i;
			if (n > p->lit_left)
				n = (size_t)p->lit_left;
			literal_data(p, data + i, n);
			i += n;
			continue;
		}
		if (p->state == PS_SKIP_LITERAL) {
			n = len - i;
			if (n > p->skip_left)
				n = (size_t)p->skip_left;
			p->skip_left -= n;
			i += n;
			if (p->skip_left == 0)
				p->state = PS_SKIP_LINE;
			continue;
		}
		p->feed_off = ++i;
		step = parse_byte(p, (unsigned char)data[i - 1]);
		if (step == STEP_STOP || p->state == PS_FATAL)
			break;
	}
	p->in_feed = false;
	p->cb = NULL;
	p->cb_arg = NULL;
	if (p->dying) {
		p->dying = false;
		imap_parser_free(&p);
		return 0;
	}
	if (p->reset_pending)
		reset_now(p);
	if (p->state == PS_FATAL) {
		*error_r = xstrdup(p->fatal);
		ret = -1;
	}
	return ret;
}

/* One byte outside literal data. */
static enum step
parse_byte(struct imap_parser *p, unsigned char c)
{
	enum step	 step;

	detect(p, c);
	if (p->state != PS_SKIP_LINE) {
		if (p->line.len >= p->limits.max_line) {
			step = fail(p, "response line longer than %zu bytes",
			    p->limits.max_line);
		} else {
			buf_addc(&p->line, (char)c);
			if (c == '\0')
				step = fail(p, "NUL byte in response");
			else {
				do {
					step = dispatch(p, c, p->line.len - 1);
				} while (step == STEP_AGAIN &&
				    p->state != PS_SKIP_LINE);
			}
		}
		if (step == STEP_STOP || p->state != PS_SKIP_LINE)
			return step;
	}

	/* Skipping a broken response: follow the literals it announced. */
	if (c == '\n') {
		if (!p->det_lit)
			p->state = PS_START;
		else if (p->det_big) {
			set_fatal(p, "literal size too large to follow");
			return STEP_NEXT;
		} else if (p->det_n > 0) {
			p->skip_left = p->det_n;
			p->state = PS_SKIP_LITERAL;
		}
	}
	return STEP_NEXT;
}

static void
detect(struct imap_parser *p, unsigned char c)
{
	p->det_lit = false;
	if (c >= '0' && c <= '9' &&
	    (p->det == DET_OPEN || p->det == DET_DIGITS)) {
		if (p->det_n > (LITERAL_SIZE_MAX - (c - '0')) / 10)
			p->det_big = true;
		else
			p->det_n = p->det_n * 10 + (c - '0');
		p->det = DET_DIGITS;
	} else if (c == '{') {
		p->det = DET_OPEN;
		p->det_n = 0;
		p->det_big = false;
	} else if (c == '+' && p->det == DET_DIGITS)
		p->det = DET_PLUS;
	else if (c == '}' && (p->det == DET_DIGITS || p->det == DET_PLUS))
		p->det = DET_CLOSE;
	else if (c == '\r' && p->det == DET_CLOSE)
		p->det = DET_CLOSE_CR;
	else {
		if (c == '\n')
			p->det_lit = p->det == DET_CLOSE ||
			    p->det == DET_CLOSE_CR;
		p->det = DET_IDLE;
	}
}

static enum step
dispatch(struct imap_parser *p, unsigned char c, size_t off)
{
	switch (p->state) {
	case PS_START:
		if (is_space(c) || c == '\r')
			return STEP_NEXT;
		if (c == '\n') {
			/* Blank lines carry nothing; let them pass. */
			buf_reset(&p->line);
			return STEP_NEXT;
		}
		if (c == '+') {
			p->resp.kind = IMAP_RESP_CONTINUATION;
			p->text_start = off + 1;
			p->state = PS_TEXT;
			return STEP_NEXT;
		}
		if (c == '*') {
			p->resp.kind = IMAP_RESP_UNTAGGED;
			p->head = HEAD_UNTAGGED;
			p->state = PS_HEAD_SPACE;
			return STEP_NEXT;
		}
		p->resp.kind = IMAP_RESP_TAGGED;
		p->head = HEAD_TAG;
		p->tok_start = off;
		p->state = PS_HEAD_TOKEN;
		return STEP_AGAIN;
	case PS_HEAD_SPACE:
		if (is_space(c) || c == '\r')
			return STEP_NEXT;
		if (c == '\n') {
			if (p->head == HEAD_STATUS)
				return fail(p, "missing status after the tag");
			return fail(p, "missing keyword in untagged response");
		}
		p->tok_start = off;
		p->state = PS_HEAD_TOKEN;
		return STEP_AGAIN;
	case PS_HEAD_TOKEN:
		return step_head_token(p, c, off);
	case PS_TEXT:
		if (c == '\n')
			return finish_text(p, off);
		return STEP_NEXT;
	case PS_ARGS:
		return step_args(p, c, off);
	case PS_ATOM:
		return step_atom(p, c, off);
	case PS_QUOTED:
	case PS_QUOTED_ESC:
		if (c == '\r' || c == '\n')
			return fail(p, "unterminated quoted string");
		if (p->state == PS_QUOTED_ESC)
			p->state = PS_QUOTED;
		else if (c == '\\')
			p->state = PS_QUOTED_ESC;
		else if (c == '"') {
			const char	*s = p->line.data + p->tok_start;
			size_t		 len = off - p->tok_start, i, j;
			struct imap_arg	*a = push_arg(p);
			char		*out;

			/* Only \\ and \" are escapes; keep any other
			 * backslash as sent. */
			out = arena_alloc(p->arena, len + 1);
			for (i = j = 0; i < len; i++) {
				if (s[i] == '\\' && i + 1 < len &&
				    (s[i + 1] == '\\' || s[i + 1] == '"'))
					i++;
				out[j++] = s[i];
			}
			out[j] = '\0';
			a->type = IMAP_ARG_QUOTED;
			a->u.str.s = out;
			a->u.str.len = j;
			p->state = PS_ARGS;
		}
		return STEP_NEXT;
	case PS_TILDE:
		if (c == '{') {
			p->lit8 = true;
			p->lit_size = 0;
			p->lit_digits = p->lit_big = false;
			p->state = PS_LIT_SIZE;
			return STEP_NEXT;
		}
		p->bracket = 0;
		p->state = PS_ATOM;
		return STEP_AGAIN;
	case PS_LIT_SIZE:
	case PS_LIT_PLUS:
	case PS_LIT_END:
	case PS_LIT_CR:
		return step_literal_header(p, c);
	case PS_LIT_DATA:
	case PS_SKIP_LINE:
	case PS_SKIP_LITERAL:
	case PS_FATAL:
		break;
	}
	/* Not reached: those states never see bytes here. */
	abort();
}

static enum step
step_head_token(struct imap_parser *p, unsigned char c, size_t off)
{
	if (is_space(c) || c == '\r' || c == '\n' || c == '(' || c == '[') {
		if (off == p->tok_start)
			return fail(p,
			    "unexpected '%c' at the start of a response", c);
		return head_done(p, off);
	}
	/* A tag or keyword is an atom; a brace here would be a literal,
	 * which no response puts in these places. */
	if (is_ctl(c) || c >= 0x80 || c == '{' || c == '"' || c == ')' ||
	    c == '\\')
		return fail(p,
		    "invalid byte 0x%02x at the start of a response", c);
	return STEP_NEXT;
}

/* A head token ended at off; the terminator is looked at again. */
static enum step
head_done(struct imap_parser *p, size_t off)
{
	const char	*s = p->line.data + p->tok_start;
	size_t		 len = off - p->tok_start, i;
	uint64_t	 n;

	switch (p->head) {
	case HEAD_TAG:
		p->resp.tag = arena_strndup(p->arena, s, len);
		p->head = HEAD_STATUS;
		p->state = PS_HEAD_SPACE;
		return STEP_AGAIN;
	case HEAD_STATUS:
		p->resp.status = status_lookup(s, len);
		if (p->resp.status == IMAP_STATUS_NONE)
			return fail(p,
			    "unknown status \"%.*s\" in tagged response",
			    len > 32 ? 32 : (int)len, s);
		p->resp.keyword = str_upper(arena_strndup(p->arena, s, len));
		p->text_start = off;
		p->state = PS_TEXT;
		return STEP_AGAIN;
	case HEAD_UNTAGGED:
		for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i < len)
			return keyword_done(p, off);
		if (str_to_u64(s, len, UINT32_MAX, &n) == -1)
			return fail(p, "message number %.*s out of range",
			    len > 32 ? 32 : (int)len, s);
		p->resp.has_number = true;
		p->resp.number = (uint32_t)n;
		p->head = HEAD_KEYWORD;
		p->state = PS_HEAD_SPACE;
		return STEP_AGAIN;
	case HEAD_KEYWORD:
		return keyword_done(p, off);
	}
	abort();
}

static enum step
keyword_done(struct imap_parser *p, size_t off)
{
	const char	*s = p->line.data + p->tok_start;
	size_t		 len = off - p->tok_start;

	p->resp.keyword = str_upper(arena_strndup(p->arena, s, len));
	p->resp.status = status_lookup(s, len);
	if (p->resp.status != IMAP_STATUS_NONE) {
		p->text_start = off;
		p->state = PS_TEXT;
	} else
		p->state = PS_ARGS;
	return STEP_AGAIN;
}

static enum step
step_args(struct imap_parser *p, unsigned char c, size_t off)
{
	struct imap_arg	*a, *items;
	size_t		 start, count;

	switch (c) {
	case ' ':
	case '\t':
	case '\r':
		return STEP_NEXT;
	case '\n':
		if (p->depth > 0)
			return fail(p, "unexpected end of line inside a list");
		return emit(p);
	case '(':
		if (p->depth >= p->limits.max_depth)
			return fail(p, "lists nested deeper than %u levels",
			    p->limits.max_depth);
		if (p->depth == p->frames_cap) {
			p->frames_cap = p->frames_cap == 0 ? 8 :
			    p->frames_cap * 2;
			p->frames = xreallocarray(p->frames, p->frames_cap,
			    sizeof *p->frames);
		}
		p->frames[p->depth++] = p->nitems;
		return STEP_NEXT;
	case ')':
		if (p->depth == 0)
			return fail(p, "unexpected ')'");
		start = p->frames[--p->depth];
		count = p->nitems - start;
		items = NULL;
		if (count > 0) {
			items = arena_array(p->arena, count, sizeof *items);
			memcpy(items, p->items + start, count * sizeof *items);
		}
		p->nitems = start;
		a = push_arg(p);
		a->type = IMAP_ARG_LIST;
		a->u.list.items = items;
		a->u.list.count = count;
		return STEP_NEXT;
	case '"':
		p->tok_start = off + 1;
		p->state = PS_QUOTED;
		return STEP_NEXT;
	case '{':
		if (p->code_mode)
			return fail(p, "literal inside a response code");
		p->lit8 = false;
		p->lit_size = 0;
		p->lit_digits = p->lit_big = false;
		p->state = PS_LIT_SIZE;
		return STEP_NEXT;
	case '~':
		if (p->code_mode)
			break;
		p->tok_start = off;
		p->state = PS_TILDE;
		return STEP_NEXT;
	default:
		break;
	}
	p->tok_start = off;
	p->bracket = 0;
	p->state = PS_ATOM;
	return STEP_AGAIN;
}

/* Atoms run to a space or parenthesis, except inside "[...]", so that
 * BODY[HEADER.FIELDS (FROM TO)]<0> stays one atom. */
static enum step
step_atom(struct imap_parser *p, unsigned char c, size_t off)
{
	struct imap_arg	*a;
	const char	*s;
	size_t		 len;

	if (c == '\r' || c == '\n' || (p->bracket == 0 &&
	    (is_space(c) || c == '(' || c == ')'))) {
		s = p->line.data + p->tok_start;
		len = off - p->tok_start;
		a = push_arg(p);
		if (len == 3 && strncasecmp(s, "NIL", 3) == 0)
			a->type = IMAP_ARG_NIL;
		else {
			a->type = IMAP_ARG_ATOM;
			a->u.str.s = arena_strndup(p->arena, s, len);
			a->u.str.len = len;
		}
		p->state = PS_ARGS;
		return STEP_AGAIN;
	}
	if (c == '[')
		p->bracket++;
	else if (c == ']' && p->bracket > 0)
		p->bracket--;
	else if (is_ctl(c) && c != '\t')
		return fail(p, "invalid byte 0x%02x in an atom", c);
	return STEP_NEXT;
}

static enum step
step_literal_header(struct imap_parser *p, unsigned char c)
{
	switch (p->state) {
	case PS_LIT_SIZE:
		if (c >= '0' && c <= '9') {
			if (p->lit_size > (LITERAL_SIZE_MAX - (c - '0')) / 10)
				p->lit_big = true;
			else
				p->lit_size = p->lit_size * 10 + (c - '0');
			p->lit_digits = true;
			return STEP_NEXT;
		}
		if (p->lit_digits && c == '+') {
			p->state = PS_LIT_PLUS;
			return STEP_NEXT;
		}
		if (p->lit_digits && c == '}') {
			p->state = PS_LIT_END;
			return STEP_NEXT;
		}
		return fail(p, "invalid literal size");
	case PS_LIT_PLUS:
		if (c == '}') {
			p->state = PS_LIT_END;
			return STEP_NEXT;
		}
		return fail(p, "invalid literal size");
	case PS_LIT_END:
		if (c == '\r') {
			p->state = PS_LIT_CR;
			return STEP_NEXT;
		}
		if (c == '\n')
			return literal_start(p);
		return fail(p, "no line end after a literal size");
	case PS_LIT_CR:
		if (c == '\n')
			return literal_start(p);
		return fail(p, "no line end after a literal size");
	default:
		abort();
	}
}

/* The literal header is complete: decide where the bytes go. */
static enum step
literal_start(struct imap_parser *p)
{
	struct imap_arg	*a, *prev;
	const char	*key = NULL;
	size_t		 start;
	void		*h = NULL;

	if (p->lit_big) {
		set_fatal(p, "literal size too large to follow");
		return STEP_NEXT;
	}
	start = p->depth > 0 ? p->frames[p->depth - 1] : 0;
	if (p->nitems > start) {
		prev = &p->items[p->nitems - 1];
		if (prev->type == IMAP_ARG_ATOM)
			key = prev->u.str.s;
	}
	if (p->has_sink && p->sink.open != NULL)
		h = p->sink.open(p->sink_arg, p->resp.number, key, p->lit_size);
	if (h == NULL && p->lit_size >
	    p->limits.max_literal_mem - p->mem_total) {
		if (p->mem_total > 0)
			return fail(p, "literal of %llu bytes is over the "
			    "%zu bytes of literals allowed in memory",
			    (unsigned long long)p->lit_size,
			    p->limits.max_literal_mem);
		return fail(p, "literal of %llu bytes is bigger than the %zu "
		    "bytes allowed in memory", (unsigned long long)p->lit_size,
		    p->limits.max_literal_mem);
	}
	a = push_arg(p);
	a->literal8 = p->lit8;
	if (h != NULL) {
		a->type = IMAP_ARG_LITERAL_STREAMED;
		a->u.streamed_size = p->lit_size;
		p->lit_handle = h;
		p->lit_mem = NULL;
	} else {
		a->type = IMAP_ARG_LITERAL;
		p->lit_mem = arena_alloc(p->arena, (size_t)p->lit_size + 1);
		a->u.str.s = p->lit_mem;
		a->u.str.len = (size_t)p->lit_size;
		p->mem_total += p->lit_size;
	}
	p->lit_pos = 0;
	p->lit_left = p->lit_size;
	p->state = PS_LIT_DATA;
	if (p->lit_left == 0)
		literal_data(p, NULL, 0);
	return STEP_NEXT;
}

static void
literal_data(struct imap_parser *p, const char *data, size_t len)
{
	if (p->lit_handle != NULL) {
		if (len > 0 && p->sink.write(p->lit_handle, data, len) == -1) {
			/* The sink gave up: the rest is dropped, the
			 * argument keeps its size. */
			p->sink.close(p->lit_handle, false);
			p->lit_handle = NULL;
		}
	} else if (p->lit_mem != NULL && len > 0) {
		memcpy(p->lit_mem + p->lit_pos, data, len);
		p->lit_pos += len;
	}
	p->lit_left -= len;
	if (p->lit_left > 0)
		return;
	if (p->lit_handle != NULL) {
		p->sink.close(p->lit_handle, true);
		p->lit_handle = NULL;
	}
	p->lit_mem = NULL;
	p->state = PS_ARGS;
}

/*
 * Reports a malformed response and skips the rest of it. Inside a response
 * code the failure is soft: the code keeps its raw text only.
 */
static enum step
fail(struct imap_parser *p, const char *fmt, ...)
{
	struct imap_response	 r;
	unsigned		 generation = p->generation;
	va_list			 ap;
	char			*msg;

	if (p->code_mode)
		return STEP_CODE_FAIL;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	memset(&r, 0, sizeof r);
	r.kind = IMAP_RESP_ERROR;
	r.tag = p->resp.tag;
	r.has_number = p->resp.has_number;
	r.number = p->resp.number;
	r.keyword = p->resp.keyword;
	r.text = msg;
	p->state = PS_SKIP_LINE;
	p->cb(&r, p->cb_arg);
	free(msg);
	if (p->generation != generation)
		return STEP_STOP;
	response_clear(p);
	return STEP_AGAIN;
}

static void
set_fatal(struct imap_parser *p, const char *msg)
{
	free(p->fatal);
	p->fatal = xstrdup(msg);
	p->state = PS_FATAL;
}

static enum step
emit(struct imap_parser *p)
{
	unsigned	 generation = p->generation;
	struct imap_arg	*args = NULL;

	if (p->nitems > 0) {
		args = arena_array(p->arena, p->nitems, sizeof *args);
		memcpy(args, p->items, p->nitems * sizeof *args);
	}
	p->resp.args = args;
	p->resp.argc = p->nitems;
	if (p->resp.text == NULL)
		p->resp.text = "";
	p->state = PS_START;
	p->cb(&p->resp, p->cb_arg);
	if (p->generation != generation)
		return STEP_STOP;
	response_clear(p);
	return STEP_NEXT;
}

/* The line of a status response or continuation ended at off (its LF). */
static enum step
finish_text(struct imap_parser *p, size_t off)
{
	const char	*s = p->line.data;
	size_t		 i = p->text_start, end = off, j, depth;
	bool		 quoted = false, esc = false, found = false;

	while (i < end && (is_space(s[i]) || s[i] == '\r'))
		i++;
	if (p->resp.kind != IMAP_RESP_CONTINUATION && i < end && s[i] == '[') {
		/* The code ends at the first "]" outside quotes and nested
		 * brackets; if quotes do not pair up, at the first "]". */
		for (j = i + 1, depth = 0; j < end; j++) {
			if (esc)
				esc = false;
			else if (quoted && s[j] == '\\')
				esc = true;
			else if (s[j] == '"')
				quoted = !quoted;
			else if (quoted)
				continue;
			else if (s[j] == '[')
				depth++;
			else if (s[j] == ']') {
				if (depth == 0) {
					found = true;
					break;
				}
				depth--;
			}
		}
		if (!found) {
			for (j = i + 1; j < end && s[j] != ']'; j++)
				;
			found = j < end;
		}
		if (found) {
			parse_code(p, i + 1, j);
			if (p->resp.code != NULL) {
				i = j + 1;
				while (i < end && is_space(s[i]))
					i++;
			}
		}
	}
	while (end > i && (is_space(s[end - 1]) || s[end - 1] == '\r'))
		end--;
	p->resp.text = arena_strndup(p->arena, s + i, end - i);
	return emit(p);
}

/* "[CODE args]" spans start..end of the line (brackets excluded). */
static void
parse_code(struct imap_parser *p, size_t start, size_t end)
{
	const char	*s = p->line.data;
	size_t		 i, j, k;
	enum step	 step = STEP_NEXT;

	for (i = start; i < end && is_space(s[i]); i++)
		;
	for (j = i; j < end && !is_space(s[j]); j++)
		;
	if (j == i)
		return;
	p->resp.code = str_upper(arena_strndup(p->arena, s + i, j - i));
	while (j < end && is_space(s[j]))
		j++;
	p->resp.code_raw = arena_strndup(p->arena, s + j, end - j);

	/* Tokenise the arguments with the same machine as untagged data,
	 * ending with a space to close a last atom. */
	p->code_mode = true;
	p->state = PS_ARGS;
	for (k = j; k <= end && step != STEP_CODE_FAIL; k++) {
		unsigned char	 c = k < end ? (unsigned char)s[k] : ' ';

		do {
			step = dispatch(p, c, k);
		} while (step == STEP_AGAIN);
	}
	if (step != STEP_CODE_FAIL && p->state == PS_ARGS && p->depth == 0 &&
	    p->nitems > 0) {
		p->resp.code_args = arena_array(p->arena, p->nitems,
		    sizeof *p->resp.code_args);
		memcpy(p->resp.code_args, p->items,
		    p->nitems * sizeof *p->resp.code_args);
		p->resp.code_argc = p->nitems;
	}
	p->nitems = 0;
	p->depth = 0;
	p->code_mode = false;
	p->state = PS_TEXT;
}

static struct imap_arg *
push_arg(struct imap_parser *p)
{
	struct imap_arg	*a;

	if (p->nitems == p->items_cap) {
		p->items_cap = p->items_cap == 0 ? 32 : p->items_cap * 2;
		p->items = xreallocarray(p->items, p->items_cap,
		    sizeof *p->items);
	}
	a = &p->items[p->nitems++];
	memset(a, 0, sizeof *a);
	return a;
}

static enum imap_status
status_lookup(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		if (strlen(statuses[i].name) == len &&
		    strncasecmp(statuses[i].name, s, len) == 0)
			return statuses[i].status;
	}
	return IMAP_STATUS_NONE;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t';
}

const char *
imap_arg_str(const struct imap_arg *a)
{
	if (a == NULL)
		return NULL;
	switch (a->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_QUOTED:
	case IMAP_ARG_LITERAL:
		return a->u.str.s;
	default:
		return NULL;
	}
}

const char *
imap_arg_atom(const struct imap_arg *a)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return NULL;
	return a->u.str.s;
}

bool
imap_arg_atom_is(const struct imap_arg *a, const char *upper)
{
	const char	*s = imap_arg_atom(a);

	return s != NULL && str_ieq(s, upper);
}

bool
imap_arg_is_nil(const struct imap_arg *a)
{
	return a != NULL && a->type == IMAP_ARG_NIL;
}

bool
imap_arg_list(const struct imap_arg *a, const struct imap_arg **items,
    size_t *count)
{
	if (a == NULL || a->type != IMAP_ARG_LIST)
		return false;
	*items = a->u.list.items;
	*count = a->u.list.count;
	return true;
}

bool
imap_arg_number(const struct imap_arg *a, uint64_t max, uint64_t *out)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return false;
	return str_to_u64(a->u.str.s, a->u.str.len, max, out) == 0;
}

void
imap_arg_write(struct buf *b, const struct imap_arg *a)
{
	size_t	 i;

	switch (a->type) {
	case IMAP_ARG_NIL:
		buf_adds(b, "NIL");
		break;
	case IMAP_ARG_ATOM:
		buf_add(b, a->u.str.s, a->u.str.len);
		break;
	case IMAP_ARG_QUOTED:
		write_string(b, a->u.str.s, a->u.str.len);
		break;
	case IMAP_ARG_LITERAL:
		buf_printf(b, "%s{%zu}\r\n", a->literal8 ? "~" : "",
		    a->u.str.len);
		buf_add(b, a->u.str.s, a->u.str.len);
		break;
	case IMAP_ARG_LITERAL_STREAMED:
		/* Not IMAP: the bytes are elsewhere. */
		buf_printf(b, "%s{%llu}<streamed>", a->literal8 ? "~" : "",
		    (unsigned long long)a->u.streamed_size);
		break;
	case IMAP_ARG_LIST:
		buf_addc(b, '(');
		for (i = 0; i < a->u.list.count; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			imap_arg_write(b, &a->u.list.items[i]);
		}
		buf_addc(b, ')');
		break;
	}
}

bool
imap_quote(struct buf *b, const char *s, size_t len, bool utf8_ok)
{
	static const char	 specials[] = "(){ %*\"\\]";
	unsigned char		 c;
	bool			 atom = len > 0, quotable = true;
	size_t			 i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n' ||
		    (c >= 0x80 && !utf8_ok))
			quotable = false;
		if (is_ctl(c) || c >= 0x80 || strchr(specials, c) != NULL)
			atom = false;
	}
	if (len == 3 && strncasecmp(s, "NIL", 3) == 0)
		atom = false;
	if (atom) {
		buf_add(b, s, len);
		return false;
	}
	if (quotable) {
		write_string(b, s, len);
		return false;
	}
	buf_printf(b, "{%zu}\r\n", len);
	buf_add(b, s, len);
	return true;
}

/* A quoted string, or a literal when quoting cannot carry the bytes. */
static void
write_string(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
			break;
	}
	if (i < len) {
		buf_printf(b, "{%zu}\r\n", len);
		buf_add(b, s, len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}
