/*
 * The sequence map: an array of record pointers in sequence order. An
 * EXPUNGE moves the tail down by one (memmove of pointers, cheap even at
 * 100 000 messages); records come from slabs with a free list so that a
 * big folder costs few allocations. A bitmap of the slots whose UID is
 * known finds the nearest known neighbour 64 slots at a time: a cold open
 * learns UIDs one by one among thousands of unknown slots.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_folder.h"
#include "crispin/xalloc.h"

#define SLAB_MSGS	1024

struct slab {
	struct slab	*next;
	struct mail_msg	 msgs[SLAB_MSGS];
};

/* A freed record keeps the next free one in its first bytes. */
union free_msg {
	struct mail_msg	 msg;
	union free_msg	*next;
};

struct mail_msgmap {
	struct mail_msg	**slots;	/* owned array; records owned via slabs */
	uint64_t	 *known;	/* owned; bit i: slots[i]->uid != 0 */
	/* No known slot at or past it: UIDs learnt in ascending order
	 * (a cache attached, a cold open) find nothing known after them
	 * without scanning the rest of the bits. */
	uint32_t	  known_end;
	uint32_t	  count;
	uint32_t	  cap;		/* of slots; known has cap / 64 + 1 words */
	struct slab	 *slabs;
	size_t		  slab_used;	/* records handed out of the newest slab */
	union free_msg	 *free;
};

static struct mail_msg *msg_alloc(struct mail_msgmap *);
static void msg_release(struct mail_msgmap *, struct mail_msg *);
static uint32_t known_before(const struct mail_msgmap *, uint32_t);
static uint32_t known_after(const struct mail_msgmap *, uint32_t);
static int64_t next_known(const struct mail_msgmap *, uint32_t, uint32_t);
static int64_t prev_known(const struct mail_msgmap *, uint32_t);
static void bit_set(struct mail_msgmap *, uint32_t, bool);
static void bits_remove(struct mail_msgmap *, uint32_t);

struct mail_msgmap *
mail_msgmap_new(void)
{
	return xcalloc(1, sizeof(struct mail_msgmap));
}

void
mail_msgmap_free(struct mail_msgmap **mp)
{
	struct mail_msgmap	*m = *mp;
	struct slab		*s, *next;

	if (m == NULL)
		return;
	for (s = m->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(m->slots);
	free(m->known);
	free(m);
	*mp = NULL;
}

static struct mail_msg *
msg_alloc(struct mail_msgmap *m)
{
	struct mail_msg	*msg;
	struct slab	*s;

	if (m->free != NULL) {
		msg = &m->free->msg;
		m->free = m->free->next;
	} else {
		if (m->slabs == NULL || m->slab_used == SLAB_MSGS) {
			s = xmalloc(sizeof *s);
			s->next = m->slabs;
			m->slabs = s;
			m->slab_used = 0;
		}
		msg = &m->slabs->msgs[m->slab_used++];
	}
	memset(msg, 0, sizeof *msg);
	return msg;
}

static void
msg_release(struct mail_msgmap *m, struct mail_msg *msg)
{
	union free_msg	*f = (union free_msg *)msg;

	f->next = m->free;
	m->free = f;
}

uint32_t
mail_msgmap_count(const struct mail_msgmap *m)
{
	return m->count;
}

int
mail_msgmap_exists(struct mail_msgmap *m, uint32_t n)
{
	if (n < m->count)
		return -1;
	if (n > m->cap) {
		/* An open announces the whole folder at once: room for it and
		 * a little new mail, not the next power of two (a quarter of
		 * a megabyte more at 100 000 messages). */
		uint32_t cap = m->cap + m->cap / 2;

		if (cap < n)
			cap = n > UINT32_MAX - n / 16 - 64 ? n : n + n / 16 + 64;
		m->slots = xreallocarray(m->slots, cap, sizeof *m->slots);
		m->known = xreallocarray(m->known, cap / 64 + 1, sizeof *m->known);
		memset(&m->known[m->cap / 64 + (m->cap ? 1 : 0)], 0,
		    (cap / 64 + 1 - (m->cap / 64 + (m->cap ? 1 : 0))) * sizeof *m->known);
		m->cap = cap;
	}
	while (m->count < n)
		m->slots[m->count++] = msg_alloc(m);
	return 0;
}

int
mail_msgmap_expunge(struct mail_msgmap *m, uint32_t seq, uint32_t *uid_r)
{
	struct mail_msg	*msg;

	if (seq == 0 || seq > m->count)
		return -1;
	msg = m->slots[seq - 1];
	if (uid_r != NULL)
		*uid_r = msg->uid;
	memmove(&m->slots[seq - 1], &m->slots[seq],
	    (m->count - seq) * sizeof *m->slots);
	bits_remove(m, seq - 1);
	m->count--;
	msg_release(m, msg);
	return 0;
}

uint32_t
mail_msgmap_remove_uid(struct mail_msgmap *m, uint32_t uid)
{
	uint32_t	seq = mail_msgmap_seq(m, uid);

	if (seq != 0)
		mail_msgmap_expunge(m, seq, NULL);
	return seq;
}

static void
bit_set(struct mail_msgmap *m, uint32_t i, bool on)
{
	if (on) {
		m->known[i / 64] |= 1ULL << (i % 64);
		if (i >= m->known_end)
			m->known_end = i + 1;
	} else
		m->known[i / 64] &= ~(1ULL << (i % 64));
}

/* Drops bit i and moves the higher ones down by one (an EXPUNGE). */
static void
bits_remove(struct mail_msgmap *m, uint32_t i)
{
	uint32_t	w = i / 64, last = (m->count - 1) / 64;
	uint64_t	low, high;

	if (m->known_end > i)
		m->known_end--;
	low = m->known[w] & ((1ULL << (i % 64)) - 1);
	high = (i % 64 == 63) ? 0 : (m->known[w] >> (i % 64 + 1)) << (i % 64);
	m->known[w] = low | high;
	for (; w < last; w++) {
		m->known[w] |= (m->known[w + 1] & 1) << 63;
		m->known[w + 1] >>= 1;
	}
}

/* Index of the first known slot in [i, end), or -1. */
static int64_t
next_known(const struct mail_msgmap *m, uint32_t i, uint32_t end)
{
	uint64_t	word;
	uint32_t	w;

	if (end > m->known_end)
		end = m->known_end;
	if (i >= end)
		return -1;
	w = i / 64;
	word = m->known[w] & (~0ULL << (i % 64));
	for (;;) {
		if (word != 0) {
			uint32_t at = w * 64 + (uint32_t)__builtin_ctzll(word);

			return at < end ? (int64_t)at : -1;
		}
		if (++w > (end - 1) / 64)
			return -1;
		word = m->known[w];
	}
}

/* Index of the last known slot before i, or -1. */
static int64_t
prev_known(const struct mail_msgmap *m, uint32_t i)
{
	uint64_t	word;
	uint32_t	w;

	if (i == 0)
		return -1;
	i--;
	w = i / 64;
	word = m->known[w] & ((i % 64 == 63) ? ~0ULL : ((1ULL << (i % 64 + 1)) - 1));
	for (;;) {
		if (word != 0)
			return (int64_t)(w * 64 + 63 - (uint32_t)__builtin_clzll(word));
		if (w-- == 0)
			return -1;
		word = m->known[w];
	}
}

/* The UID of the nearest known slot before index i (0 if none). */
static uint32_t
known_before(const struct mail_msgmap *m, uint32_t i)
{
	int64_t	at = prev_known(m, i);

	return at < 0 ? 0 : m->slots[at]->uid;
}

/* The UID of the nearest known slot after index i (UINT32_MAX if none). */
static uint32_t
known_after(const struct mail_msgmap *m, uint32_t i)
{
	int64_t	at = next_known(m, i + 1, m->count);

	return at < 0 ? UINT32_MAX : m->slots[at]->uid;
}

int
mail_msgmap_set_uid(struct mail_msgmap *m, uint32_t seq, uint32_t uid)
{
	struct mail_msg	*msg;

	if (seq == 0 || seq > m->count || uid == 0)
		return -1;
	msg = m->slots[seq - 1];
	if (msg->uid == uid)
		return 0;
	if (msg->uid != 0)
		return -1;
	/* Known UIDs ascend; an unknown slot takes one strictly between. */
	if (uid <= known_before(m, seq - 1) || uid >= known_after(m, seq - 1))
		return -1;
	msg->uid = uid;
	bit_set(m, seq - 1, true);
	return 0;
}

void
mail_msgmap_reset(struct mail_msgmap *m, uint32_t seq)
{
	if (seq == 0 || seq > m->count)
		return;
	memset(m->slots[seq - 1], 0, sizeof *m->slots[seq - 1]);
	bit_set(m, seq - 1, false);
}

struct mail_msg *
mail_msgmap_get(const struct mail_msgmap *m, uint32_t seq)
{
	if (seq == 0 || seq > m->count)
		return NULL;
	return m->slots[seq - 1];
}

/*
 * Binary search over ascending UIDs; a probe that lands on an unknown slot
 * moves to the nearest known one inside the window.
 */
uint32_t
mail_msgmap_seq(const struct mail_msgmap *m, uint32_t uid)
{
	uint32_t	lo = 0, hi = m->count, mid, u;
	int64_t		probe;

	if (uid == 0)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((probe = next_known(m, mid, hi)) < 0) {
			/* Nothing known in [mid, hi): look left of mid. */
			hi = mid;
			continue;
		}
		u = m->slots[probe]->uid;
		if (u == uid)
			return (uint32_t)probe + 1;
		if (u < uid)
			lo = (uint32_t)probe + 1;
		else
			hi = mid;
	}
	return 0;
}

int
mail_msgmap_rebuild(struct mail_msgmap *m, const uint32_t *uids, uint32_t n)
{
	struct mail_msg	**slots;
	uint32_t	 *pos, i, cap;
	bool		 *kept;

	for (i = 1; i < n; i++) {
		if (uids[i] <= uids[i - 1])
			return -1;
	}
	if (n > 0 && uids[0] == 0)
		return -1;
	/* Look everything up in the old map before taking it apart. */
	pos = xreallocarray(NULL, n + 1, sizeof *pos);
	for (i = 0; i < n; i++)
		pos[i] = mail_msgmap_seq(m, uids[i]);
	kept = xcalloc(m->count + 1, sizeof *kept);
	cap = n > 64 ? n : 64;
	slots = xreallocarray(NULL, cap, sizeof *slots);
	for (i = 0; i < n; i++) {
		if (pos[i] != 0) {
			slots[i] = m->slots[pos[i] - 1];
			kept[pos[i] - 1] = true;
		} else {
			slots[i] = msg_alloc(m);
			slots[i]->uid = uids[i];
		}
	}
	for (i = 0; i < m->count; i++) {
		if (!kept[i])
			msg_release(m, m->slots[i]);
	}
	free(kept);
	free(pos);
	free(m->slots);
	m->slots = slots;
	m->count = n;
	m->cap = cap;
	free(m->known);
	m->known = xcalloc(cap / 64 + 1, sizeof *m->known);
	m->known_end = 0;
	for (i = 0; i < n; i++)
		bit_set(m, i, true);
	return 0;
}

void
mail_msgmap_forget_uids(struct mail_msgmap *m)
{
	uint32_t	i;

	for (i = 0; i < m->count; i++)
		m->slots[i]->uid = 0;
	if (m->cap > 0)
		memset(m->known, 0, (m->cap / 64 + 1) * sizeof *m->known);
	m->known_end = 0;
}

uint32_t
mail_msg_time(int64_t t)
{
	if (t <= 0)
		return 0;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

uint32_t
mail_msg_size(uint64_t size)
{
	return size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
}
