/*
 * The query tree as IMAP SEARCH keys (RFC 3501 6.4.4, RFC 9051 6.4.4).
 * Each subtree becomes a piece: keys, or the constants "everything" and
 * "nothing" so that terms IMAP cannot express fold away. A local-only term
 * becomes whatever keeps the server's answer a superset: everything where
 * it counts positively, nothing under a negation.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/datetime.h"
#include "crispin/imap_parser.h"
#include "crispin/xalloc.h"
#include "query_p.h"

enum piece_state {
	P_KEYS,
	P_ALL,
	P_NONE,
};

struct piece {
	enum piece_state	 state;
	unsigned		 nkeys;		/* top-level keys: > 1 needs parentheses */
	struct mail_query_part	*parts;		/* owned */
	size_t			 nparts;
};

struct xlate {
	const struct mail_query	*q;
	struct mail_query_imap	*out;
};

static void piece_text(struct piece *, const char *, ...) CRISPIN_PRINTF(2, 3);
static void piece_string(struct xlate *, struct piece *, const char *);
static void piece_move(struct piece *, struct piece *);
static void piece_group(struct piece *, struct piece *);
static void piece_free(struct piece *);
static void piece_date(struct piece *, const char *, int64_t);
static void xl_node(struct xlate *, const struct mq_node *, bool, struct piece *);
static void xl_and(struct xlate *, const struct mq_node *, bool, struct piece *);
static void xl_or(struct xlate *, const struct mq_node *, bool, struct piece *);
static void xl_or_join(struct piece *, size_t, struct piece *);
static void xl_date(struct xlate *, const struct mq_node *, struct piece *);

static const char *const field_keys[] = {
	[MQ_F_FROM] = "FROM",
	[MQ_F_TO] = "TO",
	[MQ_F_CC] = "CC",
	[MQ_F_BCC] = "BCC",
	[MQ_F_SUBJECT] = "SUBJECT",
	[MQ_F_BODY] = "BODY",
	[MQ_F_TEXT] = "TEXT",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static void
piece_text(struct piece *pc, const char *fmt, ...)
{
	struct mail_query_part	*last;
	struct buf		 b = BUF_INIT;
	va_list			 ap;
	char			*s;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	last = pc->nparts > 0 ? &pc->parts[pc->nparts - 1] : NULL;
	if (last != NULL && !last->is_string) {
		s = xasprintf("%s%s", last->text, buf_cstr(&b));
		free(last->text);
		last->text = s;
		buf_free(&b);
		return;
	}
	pc->parts = xreallocarray(pc->parts, pc->nparts + 1, sizeof *pc->parts);
	pc->parts[pc->nparts].is_string = false;
	pc->parts[pc->nparts++].text = buf_steal(&b);
}

static void
piece_string(struct xlate *x, struct piece *pc, const char *s)
{
	struct buf	 tmp = BUF_INIT;
	const char	*c;

	if (imap_quote(&tmp, s, strlen(s), false))
		x->out->needs_literal = true;
	buf_free(&tmp);
	for (c = s; *c != '\0'; c++) {
		if ((unsigned char)*c >= 0x80)
			x->out->needs_utf8 = true;
	}
	pc->parts = xreallocarray(pc->parts, pc->nparts + 1, sizeof *pc->parts);
	pc->parts[pc->nparts].is_string = true;
	pc->parts[pc->nparts++].text = xstrdup(s);
}

/* Appends src's parts to dst and empties src. */
static void
piece_move(struct piece *dst, struct piece *src)
{
	size_t	i = 0;

	if (src->nparts > 0 && !src->parts[0].is_string && dst->nparts > 0 &&
	    !dst->parts[dst->nparts - 1].is_string) {
		piece_text(dst, "%s", src->parts[0].text);
		free(src->parts[0].text);
		i = 1;
	}
	for (; i < src->nparts; i++) {
		dst->parts = xreallocarray(dst->parts, dst->nparts + 1, sizeof *dst->parts);
		dst->parts[dst->nparts++] = src->parts[i];
	}
	free(src->parts);
	src->parts = NULL;
	src->nparts = 0;
}

/* One search key: several keys are ANDed inside parentheses. */
static void
piece_group(struct piece *dst, struct piece *src)
{
	bool	paren = src->nkeys > 1;

	if (paren)
		piece_text(dst, "(");
	piece_move(dst, src);
	if (paren)
		piece_text(dst, ")");
}

static void
piece_free(struct piece *pc)
{
	size_t	i;

	for (i = 0; i < pc->nparts; i++)
		free(pc->parts[i].text);
	free(pc->parts);
	memset(pc, 0, sizeof *pc);
}

static void
piece_date(struct piece *pc, const char *key, int64_t day)
{
	int64_t	y;
	int	m, d;

	civil_from_days(day, &y, &m, &d);
	piece_text(pc, "%s%s %d-%s-%04lld", pc->nkeys > 0 ? " " : "", key, d,
	    months[m - 1], (long long)y);
	pc->nkeys++;
}

/* IMAP compares dates as days, ignoring time and zone: a span of days is
 * SINCE its first day and BEFORE the day after its last. */
static void
xl_date(struct xlate *x, const struct mq_node *n, struct piece *pc)
{
	int64_t	lo = 0, hi = 0, l2;

	if (n->has_from)
		mq_when_resolve(&n->from, x->q->now, &lo, &hi);
	switch (n->date_op) {
	case MQ_D_SINCE:
		piece_date(pc, "SINCE", lo);
		return;
	case MQ_D_BEFORE:
		piece_date(pc, "BEFORE", lo);
		return;
	case MQ_D_DURING:
		break;
	}
	if (n->has_to)
		mq_when_resolve(&n->to, x->q->now, &l2, &hi);
	if (n->has_from && n->has_to && hi <= lo) {
		pc->state = P_NONE;
		return;
	}
	if (n->has_from && n->has_to && hi - lo == 1) {
		piece_date(pc, "ON", lo);
		return;
	}
	if (n->has_from)
		piece_date(pc, "SINCE", lo);
	if (n->has_to)
		piece_date(pc, "BEFORE", hi);
}

static void
xl_and(struct xlate *x, const struct mq_node *n, bool positive, struct piece *pc)
{
	struct piece	kid;
	size_t		i;

	for (i = 0; i < n->nkids; i++) {
		memset(&kid, 0, sizeof kid);
		xl_node(x, n->kids[i], positive, &kid);
		if (kid.state == P_NONE) {
			piece_free(&kid);
			piece_free(pc);
			pc->state = P_NONE;
			return;
		}
		if (kid.state == P_ALL)
			continue;
		if (pc->nkeys > 0)
			piece_text(pc, " ");
		pc->nkeys += kid.nkeys;
		piece_move(pc, &kid);
	}
	if (pc->nkeys == 0)
		pc->state = P_ALL;
}

/* OR takes two keys: n of them nest as a balanced tree. */
static void
xl_or_join(struct piece *kids, size_t count, struct piece *pc)
{
	size_t	half = count / 2;

	if (count == 1) {
		piece_group(pc, &kids[0]);
		return;
	}
	piece_text(pc, "OR ");
	xl_or_join(kids, half, pc);
	piece_text(pc, " ");
	xl_or_join(kids + half, count - half, pc);
}

static void
xl_or(struct xlate *x, const struct mq_node *n, bool positive, struct piece *pc)
{
	struct piece	*kids;
	size_t		 i, count = 0;
	bool		 all = false;

	kids = xcalloc(n->nkids, sizeof *kids);
	for (i = 0; i < n->nkids && !all; i++) {
		xl_node(x, n->kids[i], positive, &kids[count]);
		if (kids[count].state == P_ALL)
			all = true;
		else if (kids[count].state == P_NONE)
			piece_free(&kids[count]);
		else
			count++;
	}
	if (all)
		pc->state = P_ALL;
	else if (count == 0)
		pc->state = P_NONE;
	else if (count == 1) {
		*pc = kids[0];
		memset(&kids[0], 0, sizeof kids[0]);
	} else {
		xl_or_join(kids, count, pc);
		pc->nkeys = 1;
	}
	for (i = 0; i <= count && i < n->nkids; i++)
		piece_free(&kids[i]);
	free(kids);
}

static void
xl_node(struct xlate *x, const struct mq_node *n, bool positive, struct piece *pc)
{
	struct piece	kid;

	memset(pc, 0, sizeof *pc);
	switch (n->kind) {
	case MQ_AND:
		xl_and(x, n, positive, pc);
		return;
	case MQ_OR:
		xl_or(x, n, positive, pc);
		return;
	case MQ_NOT:
		xl_node(x, n->kids[0], !positive, &kid);
		if (kid.state != P_KEYS) {
			pc->state = kid.state == P_ALL ? P_NONE : P_ALL;
			piece_free(&kid);
			return;
		}
		piece_text(pc, "NOT ");
		piece_group(pc, &kid);
		pc->nkeys = 1;
		return;
	case MQ_STRING:
		if (n->field == MQ_F_WORD) {
			piece_text(pc, "OR SUBJECT ");
			piece_string(x, pc, n->str);
			piece_text(pc, " FROM ");
		} else
			piece_text(pc, "%s ", field_keys[n->field]);
		piece_string(x, pc, n->str);
		break;
	case MQ_HEADER:
		piece_text(pc, "HEADER ");
		piece_string(x, pc, n->name);
		piece_text(pc, " ");
		piece_string(x, pc, n->str);
		break;
	case MQ_DATE:
		xl_date(x, n, pc);
		return;
	case MQ_SIZE:
		piece_text(pc, "%s %llu", n->larger ? "LARGER" : "SMALLER",
		    (unsigned long long)n->size);
		break;
	case MQ_FLAG:
		piece_text(pc, "%s", n->flag->imap);
		break;
	case MQ_KEYWORD:
		piece_text(pc, "KEYWORD %s", n->str);
		break;
	case MQ_UID:
		piece_text(pc, "UID %s", n->set);
		break;
	case MQ_ATTACHMENT:
		x->out->needs_local = true;
		pc->state = positive ? P_ALL : P_NONE;
		return;
	}
	pc->nkeys = 1;
}

void
mail_query_to_imap(const struct mail_query *q, struct mail_query_imap *out)
{
	struct xlate	x = { .q = q, .out = out };
	struct piece	top;

	memset(out, 0, sizeof *out);
	xl_node(&x, q->root, true, &top);
	if (top.state == P_ALL)
		piece_text(&top, "ALL");
	else if (top.state == P_NONE)
		piece_text(&top, "NOT ALL");
	out->parts = top.parts;
	out->nparts = top.nparts;
}

void
mail_query_imap_write(const struct mail_query_imap *m, struct buf *b)
{
	struct buf	q = BUF_INIT;
	const char	*s;
	size_t		 i;

	for (i = 0; i < m->nparts; i++) {
		s = m->parts[i].text;
		if (!m->parts[i].is_string) {
			buf_adds(b, s);
			continue;
		}
		buf_reset(&q);
		if (imap_quote(&q, s, strlen(s), false))
			buf_printf(b, "{%zu+}\r\n%s", strlen(s), s);
		else
			buf_add(b, q.data, q.len);
	}
	buf_free(&q);
}

void
mail_query_imap_free(struct mail_query_imap *m)
{
	size_t	i;

	for (i = 0; i < m->nparts; i++)
		free(m->parts[i].text);
	free(m->parts);
	memset(m, 0, sizeof *m);
}
