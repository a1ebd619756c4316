/*
 * JWZ threading over the folder's records, in O(n log n) for the sort and
 * near O(n) for the rest.
 *
 * Every Message-ID seen (a message's own, or one named by References or
 * In-Reply-To) gets a container; References link containers parent to
 * child. A link is made only when the child has no parent yet and would
 * not close a loop: the child is then the root of its tree, so the link
 * closes a loop exactly when the parent is in that same tree, which a
 * union-find answers at once (links are never undone, so the sets are
 * the trees). Containers without a message are then skipped: a message
 * hangs under its nearest ancestor that has one, and the messages under
 * one missing root are kept together under the earliest of them.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_thread.h"
#include "crispin/xalloc.h"

#define NONE	MAIL_THREAD_NONE

struct container {
	const char	*id;		/* borrowed from a record; NULL: none */
	size_t		 idlen;
	uint32_t	 msg;		/* index of the message, or NONE */
	uint32_t	 parent;
	uint32_t	 set;		/* union-find parent */
};

struct threader {
	struct container *c;
	size_t		 nc, capc;
	uint32_t	*table;		/* open addressing: container + 1, 0 free */
	size_t		 tcap;		/* a power of two */
	size_t		 nused;
};

static uint64_t hash(const char *, size_t);
static void grow_table(struct threader *);
static uint32_t new_container(struct threader *, const char *, size_t);
static uint32_t lookup(struct threader *, const char *, size_t);
static const char *next_id(const char *, const char **, size_t *);
static uint32_t find_set(struct threader *, uint32_t);
static void link_under(struct threader *, uint32_t parent, uint32_t child);
static void thread_message(struct threader *, const struct mail_msg *, uint32_t);
static void resolve(struct threader *, uint32_t *, uint32_t *);
static void order_by_best(const struct mail_sort *, const uint32_t *,
	    uint32_t *, size_t, size_t);
static int cmp_best(const void *, const void *);
/* Message by UID: (uid, index) pairs sorted by UID. */
struct uid_index {
	uint32_t	 uid, msg;
};
static struct uid_index *uid_index_new(const struct mail_msg *const *, size_t);
static uint32_t uid_index_find(const struct uid_index *, size_t, uint32_t);
static int cmp_uid_index(const void *, const void *);

struct best {
	int		 score;		/* the thread's best */
	uint32_t	 pos;		/* its place before: ties keep it */
	uint32_t	 root;
};

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t	 h = 14695981039346656037ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
grow_table(struct threader *t)
{
	uint32_t	*old = t->table;
	size_t		 oldcap = t->tcap, i, j;
	struct container *c;

	t->tcap = oldcap == 0 ? 1024 : oldcap * 2;
	t->table = xcalloc(t->tcap, sizeof *t->table);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		c = &t->c[old[i] - 1];
		j = hash(c->id, c->idlen) & (t->tcap - 1);
		while (t->table[j] != 0)
			j = (j + 1) & (t->tcap - 1);
		t->table[j] = old[i];
	}
	free(old);
}

static uint32_t
new_container(struct threader *t, const char *id, size_t len)
{
	struct container	*c;

	if (t->nc == t->capc) {
		t->capc = t->capc == 0 ? 256 : t->capc * 2;
		t->c = xreallocarray(t->c, t->capc, sizeof *t->c);
	}
	c = &t->c[t->nc];
	c->id = id;
	c->idlen = len;
	c->msg = NONE;
	c->parent = NONE;
	c->set = (uint32_t)t->nc;
	return (uint32_t)t->nc++;
}

/* The container of id, made when new. */
static uint32_t
lookup(struct threader *t, const char *id, size_t len)
{
	struct container	*c;
	size_t			 j;
	uint32_t		 n;

	if ((t->nused + 1) * 2 > t->tcap)
		grow_table(t);
	j = hash(id, len) & (t->tcap - 1);
	while (t->table[j] != 0) {
		c = &t->c[t->table[j] - 1];
		if (c->idlen == len && memcmp(c->id, id, len) == 0)
			return t->table[j] - 1;
		j = (j + 1) & (t->tcap - 1);
	}
	n = new_container(t, id, len);
	t->table[j] = n + 1;
	t->nused++;
	return n;
}

/* The next "<...>" in s: returns where to go on, NULL when none is left. */
static const char *
next_id(const char *s, const char **id, size_t *len)
{
	const char	*lt, *gt;

	if (s == NULL || (lt = strchr(s, '<')) == NULL ||
	    (gt = strchr(lt, '>')) == NULL)
		return NULL;
	*id = lt;
	*len = (size_t)(gt - lt + 1);
	return gt + 1;
}

static uint32_t
find_set(struct threader *t, uint32_t x)
{
	uint32_t	 root = x, next;

	while (t->c[root].set != root)
		root = t->c[root].set;
	while (t->c[x].set != root) {
		next = t->c[x].set;
		t->c[x].set = root;
		x = next;
	}
	return root;
}

/* child goes under parent unless it has a parent or that closes a loop. */
static void
link_under(struct threader *t, uint32_t parent, uint32_t child)
{
	uint32_t	 a, b;

	if (t->c[child].parent != NONE)
		return;
	if ((a = find_set(t, parent)) == (b = find_set(t, child)))
		return;
	t->c[child].parent = parent;
	t->c[b].set = a;
}

static void
thread_message(struct threader *t, const struct mail_msg *m, uint32_t i)
{
	const char	*p, *id = NULL, *irt = NULL;
	size_t		 len = 0, irtlen = 0;
	uint32_t	 self, prev = NONE, r;

	if (!(m->state & MAIL_MSG_HEADERS) ||
	    next_id(m->message_id, &id, &len) == NULL) {
		t->c[new_container(t, NULL, 0)].msg = i;
		return;
	}
	self = lookup(t, id, len);
	/* A second message with the same ID gets a container of its own. */
	if (t->c[self].msg != NONE)
		self = new_container(t, NULL, 0);
	t->c[self].msg = i;
	for (p = m->references; (p = next_id(p, &id, &len)) != NULL; ) {
		r = lookup(t, id, len);
		if (prev != NONE && r != prev)
			link_under(t, prev, r);
		prev = r;
	}
	/* In-Reply-To counts when References do not end with it. */
	if (next_id(mail_msg_in_reply_to(m), &irt, &irtlen) != NULL) {
		r = lookup(t, irt, irtlen);
		if (prev != NONE && r != prev)
			link_under(t, prev, r);
		prev = r;
	}
	if (prev != NONE && prev != self)
		link_under(t, prev, self);
}

/*
 * For every container: the nearest strict ancestor with a message
 * (near) and the topmost ancestor (top). Each path is walked once.
 */
static void
resolve(struct threader *t, uint32_t *near, uint32_t *top)
{
	uint32_t	*path = xreallocarray(NULL, t->nc > 0 ? t->nc : 1, sizeof *path);
	size_t		 i, n;
	uint32_t	 x, p;

	for (i = 0; i < t->nc; i++)
		top[i] = NONE;
	for (i = 0; i < t->nc; i++) {
		n = 0;
		for (x = (uint32_t)i; x != NONE && top[x] == NONE; x = t->c[x].parent)
			path[n++] = x;
		while (n > 0) {
			x = path[--n];
			p = t->c[x].parent;
			if (p == NONE) {
				near[x] = NONE;
				top[x] = x;
			} else {
				near[x] = t->c[p].msg != NONE ? p : near[p];
				top[x] = top[p];
			}
		}
	}
	free(path);
}

static int
cmp_best(const void *a, const void *b)
{
	const struct best	*x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Threads by the best score among their messages (mutt's sort_aux=score
 * under threads); ties keep the order they had. pm: each message's
 * parent message or NONE. */
static void
order_by_best(const struct mail_sort *s, const uint32_t *pm, uint32_t *roots,
    size_t nroots, size_t n)
{
	struct best	*b;
	uint32_t	*rootof, *slot, m, x, y;
	size_t		 k;

	rootof = xreallocarray(NULL, n, sizeof *rootof);
	slot = xreallocarray(NULL, n, sizeof *slot);
	for (k = 0; k < n; k++)
		rootof[k] = NONE;
	b = xreallocarray(NULL, nroots, sizeof *b);
	for (k = 0; k < nroots; k++) {
		b[k].score = s->scores[roots[k]];
		b[k].pos = (uint32_t)k;
		b[k].root = roots[k];
		rootof[roots[k]] = roots[k];
		slot[roots[k]] = (uint32_t)k;
	}
	for (m = 0; m < n; m++) {
		/* Up to a message whose root is known, then the path learns it. */
		for (x = m; rootof[x] == NONE && pm[x] != NONE; x = pm[x])
			;
		for (y = m; rootof[y] == NONE; y = pm[y])
			rootof[y] = rootof[x];
		if (rootof[m] != NONE && s->scores[m] > b[slot[rootof[m]]].score)
			b[slot[rootof[m]]].score = s->scores[m];
	}
	qsort(b, nroots, sizeof *b, cmp_best);
	for (k = 0; k < nroots; k++)
		roots[k] = b[k].root;
	free(b);
	free(slot);
	free(rootof);
}

void
mail_thread_build(const struct mail_msg *const *msgs, size_t n,
    const struct mail_sort *s, struct mail_thread_row **rows_r)
{
	struct threader	 t;
	struct mail_sort	 aux;
	struct mail_thread_row	*rows;
	uint32_t		*cont, *near, *top, *order, *pm, *first, *lastc;
	uint32_t		*next, *group, *rowof, *roots;
	bool			*orphan;
	size_t			 i, nroots = 0, nrows = 0, k, start;
	uint32_t		 c, m, x, root;

	memset(&t, 0, sizeof t);
	*rows_r = rows = xreallocarray(NULL, n > 0 ? n : 1, sizeof *rows);
	if (n == 0)
		return;
	cont = xreallocarray(NULL, n, sizeof *cont);
	for (i = 0; i < n; i++) {
		thread_message(&t, msgs[i], (uint32_t)i);
		cont[i] = NONE;
	}
	for (i = 0; i < t.nc; i++) {
		if (t.c[i].msg != NONE)
			cont[t.c[i].msg] = (uint32_t)i;
	}
	near = xreallocarray(NULL, t.nc, sizeof *near);
	top = xreallocarray(NULL, t.nc, sizeof *top);
	resolve(&t, near, top);

	/* Messages in the aux order: children are appended in it. */
	order = xreallocarray(NULL, n, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	memset(&aux, 0, sizeof aux);
	aux.key = s->aux == MAIL_SORT_THREADS ? MAIL_SORT_DATE : s->aux;
	aux.aux = MAIL_SORT_UNSORTED;
	aux.reverse = s->aux_reverse;
	aux.scores = s->scores;
	mail_sort(msgs, order, n, &aux);

	pm = xreallocarray(NULL, n, sizeof *pm);
	first = xreallocarray(NULL, n, sizeof *first);
	lastc = xreallocarray(NULL, n, sizeof *lastc);
	next = xreallocarray(NULL, n, sizeof *next);
	orphan = xcalloc(n, sizeof *orphan);
	roots = xreallocarray(NULL, n, sizeof *roots);
	group = xreallocarray(NULL, t.nc, sizeof *group);
	for (i = 0; i < t.nc; i++)
		group[i] = NONE;
	for (i = 0; i < n; i++)
		first[i] = lastc[i] = next[i] = NONE;
	for (k = 0; k < n; k++) {
		m = order[k];
		c = cont[m];
		x = t.c[c].parent;
		pm[m] = near[c] != NONE ? t.c[near[c]].msg : NONE;
		orphan[m] = x != NONE && t.c[x].msg == NONE;
		if (pm[m] == NONE && t.c[top[c]].msg == NONE) {
			/* Under a missing root: the first one there leads. */
			if (group[top[c]] == NONE)
				group[top[c]] = m;
			else
				pm[m] = group[top[c]];
		}
		if (pm[m] == NONE) {
			roots[nroots++] = m;
			continue;
		}
		if (first[pm[m]] == NONE)
			first[pm[m]] = m;
		else
			next[lastc[pm[m]]] = m;
		lastc[pm[m]] = m;
	}

	if (s->aux == MAIL_SORT_SCORE && s->scores != NULL)
		order_by_best(s, pm, roots, nroots, n);

	/* Depth-first, without recursion: a thread may be very deep. */
	rowof = xreallocarray(NULL, n, sizeof *rowof);
	for (k = 0; k < nroots; k++) {
		root = roots[s->reverse ? nroots - 1 - k : k];
		start = nrows;
		x = root;
		for (;;) {
			struct mail_thread_row *r = &rows[nrows];

			rowof[x] = (uint32_t)nrows;
			r->msg = x;
			r->root = (uint32_t)start;
			r->orphan = orphan[x];
			if (x == root) {
				r->parent = NONE;
				r->depth = 0;
				r->last = true;
			} else {
				r->parent = rowof[pm[x]];
				r->depth = rows[r->parent].depth + 1;
				r->last = next[x] == NONE;
			}
			nrows++;
			if (first[x] != NONE) {
				x = first[x];
				continue;
			}
			while (x != root && next[x] == NONE)
				x = pm[x];
			if (x == root)
				break;
			x = next[x];
		}
		for (i = start; i < nrows; i++)
			rows[i].size = (uint32_t)(nrows - start);
	}

	free(rowof);
	free(group);
	free(roots);
	free(orphan);
	free(next);
	free(lastc);
	free(first);
	free(pm);
	free(order);
	free(top);
	free(near);
	free(cont);
	free(t.table);
	free(t.c);
}

/*
 * A server's tree while the folder loads: its order, over the messages
 * given only. A message hangs under its nearest ancestor given and is an
 * orphan when its own parent is not; messages the tree lacks (new since)
 * follow as threads of their own.
 */
void
mail_thread_from_order(const struct mail_msg *const *msgs, size_t n,
    const struct mail_folder_order *o, struct mail_thread_row **rows_r)
{
	struct mail_thread_row	*rows, *r;
	struct uid_index	*byuid;
	uint32_t		*anc, *best, *count, maxd = 0, d, row = 0, parent;
	uint32_t		 leader = NONE;
	bool			*used;
	size_t			 i;
	uint32_t		 m;

	*rows_r = rows = xreallocarray(NULL, n > 0 ? n : 1, sizeof *rows);
	if (n == 0)
		return;
	for (i = 0; i < o->n; i++)
		maxd = o->depth[i] > maxd ? o->depth[i] : maxd;
	anc = xreallocarray(NULL, (size_t)maxd + 1, sizeof *anc);
	best = xreallocarray(NULL, (size_t)maxd + 1, sizeof *best);
	used = xcalloc(n, sizeof *used);
	byuid = uid_index_new(msgs, n);
	for (i = 0; i < o->n; i++) {
		d = o->depth[i];
		m = uid_index_find(byuid, n, o->uids[i]);
		if (m != NONE && used[m])
			m = NONE;
		if (d == 0)
			leader = NONE;
		parent = d > 0 ? best[d - 1] : NONE;
		/* anc: the node at each depth, if given; best: the nearest
		 * one given at or above it. */
		anc[d] = NONE;
		best[d] = parent;
		if (m == NONE)
			continue;
		/* Under a missing root the first one there leads, as in
		 * mail_thread_build. */
		if (parent == NONE && leader != NONE)
			parent = leader;
		used[m] = true;
		r = &rows[row];
		r->msg = (uint32_t)m;
		r->parent = parent;
		r->root = parent == NONE ? row : rows[parent].root;
		r->depth = parent == NONE ? 0 : rows[parent].depth + 1;
		r->orphan = d > 0 && anc[d - 1] == NONE;
		if (leader == NONE)
			leader = row;
		anc[d] = best[d] = row++;
	}
	for (m = 0; m < n; m++) {
		if (used[m])
			continue;
		r = &rows[row];
		r->msg = (uint32_t)m;
		r->parent = MAIL_THREAD_NONE;
		r->root = row++;
		r->depth = 0;
		r->orphan = false;
	}
	/* The last child of each parent, and each thread's size. */
	count = xcalloc(n, sizeof *count);
	for (i = n; i > 0; i--) {
		r = &rows[i - 1];
		r->last = r->parent == MAIL_THREAD_NONE || count[r->parent] == 0;
		if (r->parent != MAIL_THREAD_NONE)
			count[r->parent]++;
	}
	memset(count, 0, n * sizeof *count);
	for (i = 0; i < n; i++)
		count[rows[i].root]++;
	for (i = 0; i < n; i++)
		rows[i].size = count[rows[i].root];
	free(count);
	free(byuid);
	free(used);
	free(best);
	free(anc);
}

static struct uid_index *
uid_index_new(const struct mail_msg *const *msgs, size_t n)
{
	struct uid_index	*x = xreallocarray(NULL, n > 0 ? n : 1, sizeof *x);
	size_t			 i;

	for (i = 0; i < n; i++) {
		x[i].uid = msgs[i]->uid;
		x[i].msg = (uint32_t)i;
	}
	qsort(x, n, sizeof *x, cmp_uid_index);
	return x;
}

/* NONE when no message has uid (0 never matches). */
static uint32_t
uid_index_find(const struct uid_index *x, size_t n, uint32_t uid)
{
	struct uid_index	 key = { uid, 0 }, *hit;

	if (uid == 0)
		return NONE;
	hit = bsearch(&key, x, n, sizeof *x, cmp_uid_index);
	return hit != NULL ? hit->msg : NONE;
}

static int
cmp_uid_index(const void *a, const void *b)
{
	uint32_t	x = ((const struct uid_index *)a)->uid;
	uint32_t	y = ((const struct uid_index *)b)->uid;

	return x < y ? -1 : x > y;
}
