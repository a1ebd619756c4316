/*
 * Sorting the index: the keys of every message are computed once (text
 * keys decoded into one buffer), then a stable merge sort orders indices.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/mail_thread.h"
#include "crispin/mime_header.h"
#include "crispin/xalloc.h"

/* The key of one message. */
/* 16 bytes: a 100 000-message index sorts with 1.6 MB of keys. */
struct sort_key {
	int64_t		 num;
	uint32_t	 text;		/* offset of a text key in the pool */
	uint32_t	 uid;
};

struct sort_ctx {
	const struct mail_sort	*s;
	struct sort_key		*keys;	/* by message index */
	struct sort_key		*aux;	/* NULL when aux is the same key */
	const char		*pool;
};

static const char *const names[] = {
	[MAIL_SORT_DATE] = "date",
	[MAIL_SORT_DATE_SENT] = "date-sent",
	[MAIL_SORT_DATE_RECEIVED] = "date-received",
	[MAIL_SORT_FROM] = "from",
	[MAIL_SORT_SUBJECT] = "subject",
	[MAIL_SORT_SIZE] = "size",
	[MAIL_SORT_THREADS] = "threads",
	[MAIL_SORT_UNSORTED] = "unsorted",
	[MAIL_SORT_SCORE] = "score",
};

static void make_keys(const struct mail_msg *const *, size_t, enum mail_sort_key,
	    const int *, struct sort_key *, struct buf *);
static int cmp_key(enum mail_sort_key, const struct sort_key *,
	    const struct sort_key *, const char *);
static int compare(const struct sort_ctx *, uint32_t, uint32_t);
static void merge_sort(const struct sort_ctx *, uint32_t *, uint32_t *, size_t);

int
mail_sort_parse(const char *name, enum mail_sort_key *key, bool *reverse)
{
	size_t	 i;

	*reverse = false;
	if (strncmp(name, "reverse-", 8) == 0) {
		*reverse = true;
		name += 8;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(names[i], name) == 0) {
			*key = (enum mail_sort_key)i;
			return 0;
		}
	}
	return -1;
}

const char *
mail_sort_name(enum mail_sort_key key)
{
	if ((size_t)key >= sizeof names / sizeof names[0])
		return "unsorted";
	return names[key];
}

void
mail_sort_author(struct buf *out, const char *raw)
{
	struct buf	 dec = BUF_INIT;
	const char	*s, *lt, *gt;
	size_t		 len;

	if (raw == NULL)
		return;
	mime_decode_words(&dec, raw, NULL);
	s = buf_cstr(&dec);
	while (*s == ' ' || *s == '"')
		s++;
	lt = strrchr(s, '<');
	if (lt != NULL && lt > s) {
		len = (size_t)(lt - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
			len--;
		buf_add(out, s, len);
	} else if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		buf_add(out, lt + 1, (size_t)(gt - lt - 1));
	else {
		len = strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
			len--;
		buf_add(out, s, len);
	}
	buf_free(&dec);
}

void
mail_sort_subject(struct buf *out, const char *raw)
{
	static const char *const prefixes[] = { "re:", "fwd:", "fw:", "aw:", "sv:" };
	struct buf	 dec = BUF_INIT;
	const char	*s;
	size_t		 i;
	bool		 again = true;

	if (raw == NULL)
		return;
	mime_decode_words(&dec, raw, NULL);
	s = buf_cstr(&dec);
	while (again) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
			if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0) {
				s += strlen(prefixes[i]);
				again = true;
				break;
			}
		}
	}
	buf_adds(out, s);
	buf_free(&dec);
}

static void
make_keys(const struct mail_msg *const *msgs, size_t n, enum mail_sort_key key,
    const int *scores, struct sort_key *keys, struct buf *pool)
{
	const struct mail_msg	*m;
	size_t			 i;

	for (i = 0; i < n; i++) {
		m = msgs[i];
		keys[i].uid = m->uid;
		keys[i].num = 0;
		keys[i].text = 0;
		switch (key) {
		case MAIL_SORT_DATE:
		case MAIL_SORT_DATE_SENT:
		case MAIL_SORT_THREADS:
			keys[i].num = m->date != 0 ? m->date : m->internaldate;
			break;
		case MAIL_SORT_DATE_RECEIVED:
			keys[i].num = m->internaldate;
			break;
		case MAIL_SORT_SIZE:
			keys[i].num = (int64_t)m->size;
			break;
		case MAIL_SORT_FROM:
		case MAIL_SORT_SUBJECT:
			/* Offset 0 is the empty key (mail_sort): a text
			 * past 4 GiB of keys sorts as empty. */
			if (pool->len >= UINT32_MAX)
				break;
			keys[i].text = (uint32_t)pool->len;
			if (key == MAIL_SORT_FROM)
				mail_sort_author(pool, m->from);
			else
				mail_sort_subject(pool, m->subject);
			buf_addc(pool, '\0');
			break;
		case MAIL_SORT_SCORE:
			/* Highest first, as in mutt. */
			keys[i].num = scores != NULL ? -(int64_t)scores[i] : 0;
			break;
		case MAIL_SORT_UNSORTED:
			break;
		}
	}
}

static int
cmp_key(enum mail_sort_key key, const struct sort_key *a, const struct sort_key *b,
    const char *pool)
{
	int	 c;

	switch (key) {
	case MAIL_SORT_FROM:
	case MAIL_SORT_SUBJECT:
		c = strcasecmp(pool + a->text, pool + b->text);
		return c < 0 ? -1 : c > 0;
	case MAIL_SORT_UNSORTED:
		return 0;
	default:
		return a->num < b->num ? -1 : a->num > b->num;
	}
}

/* By the key, then aux, then UID (arrival); reverse turns all of it. */
static int
compare(const struct sort_ctx *c, uint32_t i, uint32_t j)
{
	enum mail_sort_key	 key = c->s->key;
	int			 r;

	if (key == MAIL_SORT_THREADS)
		key = c->s->aux;
	r = cmp_key(key, &c->keys[i], &c->keys[j], c->pool);
	if (r == 0 && c->aux != NULL) {
		r = cmp_key(c->s->aux, &c->aux[i], &c->aux[j], c->pool);
		if (c->s->aux_reverse)
			r = -r;
	}
	if (r == 0)
		r = c->keys[i].uid < c->keys[j].uid ? -1 :
		    c->keys[i].uid > c->keys[j].uid;
	return c->s->reverse ? -r : r;
}

/* Stable, O(n log n), and with the context qsort lacks. */
static void
merge_sort(const struct sort_ctx *c, uint32_t *a, uint32_t *tmp, size_t n)
{
	size_t	 width, lo, mid, hi, i, j, k;

	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			mid = lo + width < n ? lo + width : n;
			hi = lo + 2 * width < n ? lo + 2 * width : n;
			i = lo;
			j = mid;
			k = lo;
			while (i < mid && j < hi)
				tmp[k++] = compare(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		memcpy(a, tmp, n * sizeof *a);
	}
}

void
mail_sort(const struct mail_msg *const *msgs, uint32_t *order, size_t n,
    const struct mail_sort *s)
{
	struct sort_ctx		 c;
	struct buf		 pool = BUF_INIT;
	enum mail_sort_key	 key = s->key == MAIL_SORT_THREADS ? s->aux : s->key;
	uint32_t		*tmp;

	if (n < 2)
		return;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.keys = xreallocarray(NULL, n, sizeof *c.keys);
	buf_addc(&pool, '\0');
	make_keys(msgs, n, key, s->scores, c.keys, &pool);
	if (s->key != MAIL_SORT_THREADS && s->aux != key &&
	    s->aux != MAIL_SORT_UNSORTED && s->aux != MAIL_SORT_THREADS) {
		c.aux = xreallocarray(NULL, n, sizeof *c.aux);
		make_keys(msgs, n, s->aux, s->scores, c.aux, &pool);
	}
	c.pool = buf_cstr(&pool);
	tmp = xreallocarray(NULL, n, sizeof *tmp);
	merge_sort(&c, order, tmp, n);
	free(tmp);
	free(c.keys);
	free(c.aux);
	buf_free(&pool);
}

/* A message's place in the server's order. */
struct rank {
	uint32_t	 uid, pos, idx;
};

static int
cmp_rank_uid(const void *a, const void *b)
{
	uint32_t	x = ((const struct rank *)a)->uid;
	uint32_t	y = ((const struct rank *)b)->uid;

	return x < y ? -1 : x > y;
}

static int
cmp_rank_pos(const void *a, const void *b)
{
	const struct rank	*x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

void
mail_sort_by_order(const struct mail_msg *const *msgs, uint32_t *order, size_t n,
    const struct mail_folder_order *o)
{
	struct rank	*byuid, *keyed, key, *hit;
	size_t		 i;

	if (n < 2)
		return;
	byuid = xreallocarray(NULL, o->n > 0 ? o->n : 1, sizeof *byuid);
	for (i = 0; i < o->n; i++) {
		byuid[i].uid = o->uids[i];
		byuid[i].pos = (uint32_t)i;
		byuid[i].idx = 0;
	}
	qsort(byuid, o->n, sizeof *byuid, cmp_rank_uid);
	keyed = xreallocarray(NULL, n, sizeof *keyed);
	for (i = 0; i < n; i++) {
		key.uid = msgs[order[i]]->uid;
		hit = bsearch(&key, byuid, o->n, sizeof *byuid, cmp_rank_uid);
		keyed[i].uid = key.uid;
		keyed[i].pos = hit != NULL ? hit->pos : UINT32_MAX;
		keyed[i].idx = order[i];
	}
	qsort(keyed, n, sizeof *keyed, cmp_rank_pos);
	for (i = 0; i < n; i++)
		order[i] = keyed[i].idx;
	free(keyed);
	free(byuid);
}

/* RFC 5256 keys of the local ones the server can sort by. */
static const char *
server_key(enum mail_sort_key key)
{
	switch (key) {
	case MAIL_SORT_DATE:
	case MAIL_SORT_DATE_SENT:
		return "DATE";
	case MAIL_SORT_DATE_RECEIVED:
		return "ARRIVAL";
	case MAIL_SORT_FROM:
		return "FROM";
	case MAIL_SORT_SUBJECT:
		return "SUBJECT";
	case MAIL_SORT_SIZE:
		return "SIZE";
	default:
		return NULL;
	}
}

bool
mail_sort_server_order(const struct mail_sort *s, struct buf *out, bool *thread)
{
	const char	*aux;

	*thread = false;
	switch (s->key) {
	case MAIL_SORT_THREADS:
		*thread = true;
		return true;
	case MAIL_SORT_FROM:
	case MAIL_SORT_SUBJECT:
	case MAIL_SORT_SIZE:
		break;
	default:
		/* Dates: the newest UIDs first is that order already. */
		return false;
	}
	buf_printf(out, "%s%s", s->reverse ? "REVERSE " : "", server_key(s->key));
	/* Ties as the index breaks them. */
	if ((aux = server_key(s->aux)) != NULL && s->aux != s->key)
		buf_printf(out, " %s%s", s->reverse != s->aux_reverse ?
		    "REVERSE " : "", aux);
	return true;
}
