/*
 * The query evaluated locally over what the cache knows of a message, for
 * offline search and for finishing terms the server cannot answer. Logic
 * is three-valued: a body term without a cached body is unknown, and an
 * unknown result means the answer is partial.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "query_p.h"

typedef enum mail_query_truth truth;

static truth eval(const struct mail_query *, const struct mq_node *,
	    const struct mail_query_msg *);
static truth eval_string(const struct mq_node *, const struct mail_query_msg *);
static truth eval_date(const struct mail_query *, const struct mq_node *,
	    const struct mail_query_msg *);
static bool contains(const char *, const char *);
static uint32_t fold(uint32_t);
static uint32_t utf8_next(const unsigned char **);
static bool match_at(const unsigned char *, const unsigned char *);

/* Simple case folding for the scripts mail is mostly written in: a range
 * either shifts by delta, or pairs upper and lower case on even (or odd)
 * code points. Servers fold all of Unicode; this covers the common cases. */
static const struct fold_range {
	uint32_t	lo, hi;
	int32_t		delta;		/* 0: pairs */
	uint32_t	upper_parity;	/* pairs: parity of the upper-case one */
} folds[] = {
	{ 0x0041, 0x005a, 32, 0 },	/* Latin */
	{ 0x00c0, 0x00d6, 32, 0 },	/* Latin-1 */
	{ 0x00d8, 0x00de, 32, 0 },
	{ 0x0100, 0x0137, 0, 0 },	/* Latin Extended-A */
	{ 0x0139, 0x0148, 0, 1 },
	{ 0x014a, 0x0177, 0, 0 },
	{ 0x0179, 0x017e, 0, 1 },
	{ 0x0391, 0x03a1, 32, 0 },	/* Greek */
	{ 0x03a3, 0x03ab, 32, 0 },
	{ 0x0400, 0x040f, 80, 0 },	/* Cyrillic */
	{ 0x0410, 0x042f, 32, 0 },
};

static uint32_t
fold(uint32_t c)
{
	size_t	i;

	for (i = 0; i < sizeof folds / sizeof folds[0]; i++) {
		if (c < folds[i].lo || c > folds[i].hi)
			continue;
		if (folds[i].delta != 0)
			return c + (uint32_t)folds[i].delta;
		return (c & 1) == folds[i].upper_parity ? c + 1 : c;
	}
	return c;
}

/* One code point; a byte that starts no valid sequence stands for itself
 * (offset into U+DC00..) so that broken text still compares. */
static uint32_t
utf8_next(const unsigned char **pp)
{
	const unsigned char	*p = *pp;
	uint32_t		 c = *p;
	int			 extra, i;

	if (c < 0x80)
		extra = 0;
	else if ((c & 0xe0) == 0xc0)
		c &= 0x1f, extra = 1;
	else if ((c & 0xf0) == 0xe0)
		c &= 0x0f, extra = 2;
	else if ((c & 0xf8) == 0xf0)
		c &= 0x07, extra = 3;
	else {
		(*pp)++;
		return 0xdc00 + *p;
	}
	for (i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			(*pp)++;
			return 0xdc00 + *p;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*pp = p + 1 + extra;
	return c;
}

static bool
match_at(const unsigned char *h, const unsigned char *n)
{
	while (*n != '\0') {
		if (*h == '\0' || fold(utf8_next(&h)) != fold(utf8_next(&n)))
			return false;
	}
	return true;
}

/* IMAP SEARCH matches substrings without regard to case. */
static bool
contains(const char *hay, const char *needle)
{
	const unsigned char	*h = (const unsigned char *)hay;

	if (hay == NULL)
		return false;
	for (;;) {
		if (match_at(h, (const unsigned char *)needle))
			return true;
		if (*h == '\0')
			return false;
		utf8_next(&h);
	}
}

static truth
eval_string(const struct mq_node *n, const struct mail_query_msg *m)
{
	const char	*s = n->str;

	switch (n->field) {
	case MQ_F_FROM:
		return contains(m->from, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_TO:
		return contains(m->to, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_CC:
		return contains(m->cc, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_BCC:
		return contains(m->bcc, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_SUBJECT:
		return contains(m->subject, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_WORD:
		return contains(m->subject, s) || contains(m->from, s) ?
		    MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_F_TEXT:
		/* The headers we have may already answer it. */
		if (contains(m->from, s) || contains(m->to, s) || contains(m->cc, s) ||
		    contains(m->subject, s))
			return MAIL_QUERY_YES;
		/* FALLTHROUGH */
	case MQ_F_BODY:
		if (m->body == NULL)
			return MAIL_QUERY_UNKNOWN;
		return contains(m->body, s) ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	}
	return MAIL_QUERY_UNKNOWN;
}

/* The internal date's day in its own zone, as a server compares it. */
static truth
eval_date(const struct mail_query *q, const struct mq_node *n,
    const struct mail_query_msg *m)
{
	int64_t	 t = (int64_t)m->internaldate + (int64_t)m->internaldate_tz * 60;
	int64_t	 day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t	 lo = 0, hi = 0, l2;
	bool	 ok;

	if (n->has_from)
		mq_when_resolve(&n->from, q->now, &lo, &hi);
	switch (n->date_op) {
	case MQ_D_SINCE:
		ok = day >= lo;
		break;
	case MQ_D_BEFORE:
		ok = day < lo;
		break;
	default:
		if (n->has_to)
			mq_when_resolve(&n->to, q->now, &l2, &hi);
		ok = (!n->has_from || day >= lo) && (!n->has_to || day < hi);
		break;
	}
	return ok ? MAIL_QUERY_YES : MAIL_QUERY_NO;
}

static truth
eval(const struct mail_query *q, const struct mq_node *n, const struct mail_query_msg *m)
{
	truth	 r, acc;
	size_t	 i;

	switch (n->kind) {
	case MQ_AND:
	case MQ_OR:
		/* Kleene logic: a decisive NO (AND) or YES (OR) wins over unknown. */
		acc = n->kind == MQ_AND ? MAIL_QUERY_YES : MAIL_QUERY_NO;
		for (i = 0; i < n->nkids; i++) {
			r = eval(q, n->kids[i], m);
			if (r == MAIL_QUERY_UNKNOWN)
				acc = MAIL_QUERY_UNKNOWN;
			else if (r == (n->kind == MQ_AND ? MAIL_QUERY_NO : MAIL_QUERY_YES))
				return r;
		}
		return acc;
	case MQ_NOT:
		r = eval(q, n->kids[0], m);
		return r == MAIL_QUERY_UNKNOWN ? r :
		    r == MAIL_QUERY_YES ? MAIL_QUERY_NO : MAIL_QUERY_YES;
	case MQ_STRING:
		return eval_string(n, m);
	case MQ_HEADER:
		if (m->header == NULL)
			return MAIL_QUERY_UNKNOWN;
		return contains(m->header(m, n->name), n->str) ? MAIL_QUERY_YES :
		    MAIL_QUERY_NO;
	case MQ_DATE:
		return eval_date(q, n, m);
	case MQ_SIZE:
		return (n->larger ? m->size > n->size : m->size < n->size) ?
		    MAIL_QUERY_YES : MAIL_QUERY_NO;
	case MQ_FLAG:
		return (m->flags & n->flag->mask) == n->flag->want ? MAIL_QUERY_YES :
		    MAIL_QUERY_NO;
	case MQ_KEYWORD:
		for (i = 0; i < m->nkeywords; i++) {
			if (str_ieq(m->keywords[i], n->str))
				return MAIL_QUERY_YES;
		}
		return MAIL_QUERY_NO;
	case MQ_UID:
		return imap_seqset_contains(&n->uids, m->uid) ? MAIL_QUERY_YES :
		    MAIL_QUERY_NO;
	case MQ_ATTACHMENT:
		if (n->tagged)
			return m->tagged ? MAIL_QUERY_YES : MAIL_QUERY_NO;
		if (m->has_attachment < 0)
			return MAIL_QUERY_UNKNOWN;
		return m->has_attachment ? MAIL_QUERY_YES : MAIL_QUERY_NO;
	}
	return MAIL_QUERY_UNKNOWN;
}

enum mail_query_truth
mail_query_eval(const struct mail_query *q, const struct mail_query_msg *m)
{
	return eval(q, q->root, m);
}

bool
mail_query_match(const struct mail_query *q, const struct mail_query_msg *m)
{
	return eval(q, q->root, m) == MAIL_QUERY_YES;
}
