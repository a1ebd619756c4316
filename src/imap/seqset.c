/* IMAP sequence sets: "1:4,7,9:*" parsed into ranges, and written back. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_seqset.h"
#include "crispin/xalloc.h"

static int	 seq_number(const char **, uint32_t *);
static int	 range_cmp(const void *, const void *);
static uint32_t	 star_as(uint32_t, uint32_t);

void
imap_seqset_init(struct imap_seqset *set)
{
	set->ranges = NULL;
	set->count = 0;
	set->cap = 0;
}

void
imap_seqset_free(struct imap_seqset *set)
{
	x_free(&set->ranges);
	set->count = 0;
	set->cap = 0;
}

/* One seq-number: an nz-number that fits in 32 bits, or '*'. */
static int
seq_number(const char **sp, uint32_t *out)
{
	const char	*s = *sp;
	uint64_t	 v = 0;

	if (*s == '*') {
		*out = UINT32_MAX;
		*sp = s + 1;
		return 0;
	}
	if (*s < '1' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
		s++;
	}
	*out = (uint32_t)v;
	*sp = s;
	return 0;
}

int
imap_seqset_parse(struct imap_seqset *set, const char *s)
{
	size_t		 old = set->count;
	uint32_t	 lo, hi;

	/* On bad syntax the set is left as it was. */
	for (;;) {
		if (seq_number(&s, &lo) == -1)
			goto bad;
		hi = lo;
		if (*s == ':') {
			s++;
			if (seq_number(&s, &hi) == -1)
				goto bad;
		}
		imap_seqset_add(set, lo, hi);
		if (*s == '\0')
			return 0;
		if (*s != ',')
			goto bad;
		s++;
	}
bad:
	set->count = old;
	return -1;
}

void
imap_seqset_add(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	uint32_t	 t;

	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (set->count == set->cap) {
		set->cap = set->cap == 0 ? 8 : set->cap * 2;
		set->ranges = xreallocarray(set->ranges, set->cap,
		    sizeof *set->ranges);
	}
	set->ranges[set->count].lo = lo;
	set->ranges[set->count].hi = hi;
	set->count++;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range	*ra = a, *rb = b;

	if (ra->lo != rb->lo)
		return ra->lo < rb->lo ? -1 : 1;
	if (ra->hi != rb->hi)
		return ra->hi < rb->hi ? -1 : 1;
	return 0;
}

void
imap_seqset_normalize(struct imap_seqset *set)
{
	struct imap_range	*r = set->ranges;
	size_t			 i, n;

	if (set->count < 2)
		return;
	qsort(r, set->count, sizeof *r, range_cmp);
	n = 0;
	for (i = 1; i < set->count; i++) {
		/* hi + 1 would wrap at '*'; nothing lies beyond it anyway. */
		if (r[n].hi == UINT32_MAX || r[i].lo <= r[n].hi + 1) {
			if (r[i].hi > r[n].hi)
				r[n].hi = r[i].hi;
		} else
			r[++n] = r[i];
	}
	set->count = n + 1;
}

void
imap_seqset_write(struct buf *out, const struct imap_seqset *set)
{
	const struct imap_range	*r;
	size_t			 i;

	for (i = 0; i < set->count; i++) {
		r = &set->ranges[i];
		if (i > 0)
			buf_addc(out, ',');
		if (r->lo == UINT32_MAX)
			buf_addc(out, '*');
		else
			buf_printf(out, "%lu", (unsigned long)r->lo);
		if (r->hi == r->lo)
			continue;
		if (r->hi == UINT32_MAX)
			buf_adds(out, ":*");
		else
			buf_printf(out, ":%lu", (unsigned long)r->hi);
	}
}

bool
imap_seqset_contains(const struct imap_seqset *set, uint32_t v)
{
	size_t	i;

	for (i = 0; i < set->count; i++) {
		if (v >= set->ranges[i].lo && v <= set->ranges[i].hi)
			return true;
	}
	return false;
}

bool
imap_seqset_intersects(const struct imap_seqset *a, const struct imap_seqset *b)
{
	size_t	i = 0, j = 0;

	/* Both sorted: walk them together, the range ending first moves. */
	while (i < a->count && j < b->count) {
		if (a->ranges[i].lo <= b->ranges[j].hi &&
		    b->ranges[j].lo <= a->ranges[i].hi)
			return true;
		if (a->ranges[i].hi < b->ranges[j].hi)
			i++;
		else
			j++;
	}
	return false;
}

static uint32_t
star_as(uint32_t v, uint32_t max)
{
	return v == UINT32_MAX ? max : v;
}

uint64_t
imap_seqset_count(const struct imap_seqset *set, uint32_t max)
{
	struct imap_seqset	 tmp;
	uint64_t		 n = 0;
	uint32_t		 lo, hi, t;
	size_t			 i;

	/*
	 * '*' stands for max, so "5:*" with max 3 is 3:5 (RFC 3501 9); a
	 * copy is normalized so that overlapping ranges count once.
	 */
	imap_seqset_init(&tmp);
	for (i = 0; i < set->count; i++) {
		lo = star_as(set->ranges[i].lo, max);
		hi = star_as(set->ranges[i].hi, max);
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		/* With max 0 (no messages) '*' names nothing. */
		if (lo == 0)
			lo = 1;
		if (lo <= hi)
			imap_seqset_add(&tmp, lo, hi);
	}
	imap_seqset_normalize(&tmp);
	for (i = 0; i < tmp.count; i++)
		n += (uint64_t)tmp.ranges[i].hi - tmp.ranges[i].lo + 1;
	imap_seqset_free(&tmp);
	return n;
}
