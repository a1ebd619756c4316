/*
 * Per-folder string interning (an open-addressing hash over a string
 * pool) and the small helpers for flags and keyword sets. A folder of
 * 100 000 messages from a few hundred senders keeps each sender once.
 *
 * Memory is what this file is about: the strings of a big folder are
 * most of its index. They are packed end to end in 64 KiB chunks (an
 * arena would align each to 16 bytes: megabytes of padding), and the
 * hash table names them by 32-bit references into the chunks rather than
 * by pointers (6 bytes a slot with its hash tag), and grows by half
 * rather than doubling. A record's In-Reply-To shares the copy of its
 * References (mail_msg_set_ids).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

/* A reference is chunk << CHUNK_BITS | offset, plus one (0: empty slot). */
#define CHUNK_BITS	16
#define CHUNK_SIZE	((size_t)1 << CHUNK_BITS)
#define MAX_CHUNKS	((1u << (32 - CHUNK_BITS)) - 1)
/* Longer strings get an allocation of their own, outside the table. */
#define BIG_STRING	(CHUNK_SIZE / 4)

/* Strings packed end to end in chunks of CHUNK_SIZE bytes. */
struct pool {
	char		**chunks;	/* owned, each owned */
	uint32_t	 *ends;		/* owned: bytes used in each chunk */
	uint32_t	  n;
	uint32_t	  cap;
};

/* A string that got an allocation of its own. */
struct big_string {
	struct big_string	*next;
	char			 data[];
};

struct mail_intern {
	/* Interned strings, each once: the table's references point here,
	 * and growing the table walks this pool instead of the old table,
	 * so that the old and the new table never exist together. */
	struct pool	  shared;
	struct pool	  copies;	/* mail_intern_copy's, not shared */
	struct big_string *big;		/* owned list */

	uint32_t	 *refs;		/* owned; 0 empty */
	/* 16 bits of each slot's hash: most probes end on a mismatch here,
	 * without touching the string. Growing hashes the strings again,
	 * which costs less than keeping whole hashes costs memory. Owned. */
	uint16_t	 *tags;
	size_t		  cap;
	size_t		  count;
};

static size_t slot_of(uint32_t, size_t);
static void grow(struct mail_intern *, size_t);
static void pool_free(struct pool *);
static char *pool_alloc(struct mail_intern *, struct pool *, size_t, uint32_t *);
static char *pool_add(struct mail_intern *, struct pool *, const char *, size_t,
	    uint32_t *);
static const char *ref_string(const struct mail_intern *, uint32_t);
static const char *intern_exact(struct mail_intern *, const char *, size_t);

struct mail_intern *
mail_intern_new(void)
{
	struct mail_intern	*t = xcalloc(1, sizeof *t);

	t->cap = 256;
	t->refs = xcalloc(t->cap, sizeof *t->refs);
	t->tags = xcalloc(t->cap, sizeof *t->tags);
	return t;
}

static void
pool_free(struct pool *p)
{
	uint32_t	i;

	for (i = 0; i < p->n; i++)
		free(p->chunks[i]);
	free(p->chunks);
	free(p->ends);
}

void
mail_intern_free(struct mail_intern **tp)
{
	struct mail_intern	*t = *tp;
	struct big_string	*b, *next;

	if (t == NULL)
		return;
	pool_free(&t->shared);
	pool_free(&t->copies);
	for (b = t->big; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(t->refs);
	free(t->tags);
	free(t);
	*tp = NULL;
}

/*
 * size bytes in pool p. *ref_r (may be NULL) gets their reference, or 0
 * when they have none: a big string, or one past 4 GiB of shared
 * strings, gets an allocation of its own, outside the pool.
 */
static char *
pool_alloc(struct mail_intern *t, struct pool *p, size_t size, uint32_t *ref_r)
{
	struct big_string	*b;
	char			*d;
	bool			 full;

	if (ref_r != NULL)
		*ref_r = 0;
	full = p->n == 0 || CHUNK_SIZE - p->ends[p->n - 1] < size;
	if (size > BIG_STRING || (full && p == &t->shared && p->n == MAX_CHUNKS)) {
		b = xmalloc(sizeof *b + size);
		b->next = t->big;
		t->big = b;
		return b->data;
	}
	if (full) {
		if (p->n == p->cap) {
			p->cap = p->cap == 0 ? 16 : p->cap * 2;
			p->chunks = xreallocarray(p->chunks, p->cap, sizeof *p->chunks);
			p->ends = xreallocarray(p->ends, p->cap, sizeof *p->ends);
		}
		p->chunks[p->n] = xmalloc(CHUNK_SIZE);
		p->ends[p->n++] = 0;
	}
	d = p->chunks[p->n - 1] + p->ends[p->n - 1];
	if (ref_r != NULL)
		*ref_r = ((p->n - 1) << CHUNK_BITS | p->ends[p->n - 1]) + 1;
	p->ends[p->n - 1] += (uint32_t)size;
	return d;
}

/* A NUL-terminated copy of s[0..len) in pool p (ref_r as pool_alloc). */
static char *
pool_add(struct mail_intern *t, struct pool *p, const char *s, size_t len,
    uint32_t *ref_r)
{
	char	*d = pool_alloc(t, p, len + 1, ref_r);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static const char *
ref_string(const struct mail_intern *t, uint32_t ref)
{
	ref--;
	return t->shared.chunks[ref >> CHUNK_BITS] + (ref & (CHUNK_SIZE - 1));
}

/* Eight bytes a step, each mixed by a multiply, the high half folded in:
 * short keys, no adversary who gains anything by collisions beyond a
 * slower index. In memory only, so byte order does not matter. */
/* The home slot of a hash in a table of any size (not only powers of
 * two, so that it can grow by half). */
static size_t
slot_of(uint32_t h, size_t cap)
{
	return (size_t)(((uint64_t)h * cap) >> 32);
}

/* To cap slots; every string is hashed again from the pool. */
static void
grow(struct mail_intern *t, size_t cap)
{
	const char	*s;
	uint32_t	 c, pos, h;
	size_t		 len, j;

	free(t->refs);
	free(t->tags);
	t->cap = cap;
	t->refs = xcalloc(t->cap, sizeof *t->refs);
	t->tags = xcalloc(t->cap, sizeof *t->tags);
	for (c = 0; c < t->shared.n; c++) {
		for (pos = 0; pos < t->shared.ends[c]; pos += (uint32_t)len + 1) {
			s = t->shared.chunks[c] + pos;
			len = strlen(s);
			h = str_hash(s, len);
			j = slot_of(h, t->cap);
			while (t->refs[j] != 0)
				j = j + 1 == t->cap ? 0 : j + 1;
			t->refs[j] = (c << CHUNK_BITS | pos) + 1;
			t->tags[j] = (uint16_t)h;
		}
	}
}

/* Growing hashes every string again: a table grown by half from 256 to
 * 100 000 strings hashes each about three times over. Sized once, it
 * hashes each once. */
void
mail_intern_reserve(struct mail_intern *t, size_t n)
{
	if (n <= SIZE_MAX / 4 && n * 4 > t->cap * 3)
		grow(t, n * 4 / 3 + 1);
}

const char *
mail_intern_n(struct mail_intern *t, const char *s, size_t len)
{
	if (s == NULL)
		return NULL;
	/* What the pool holds is one C string each: grow reads it so. */
	return intern_exact(t, s, strnlen(s, len));
}

/* s[0..len) holds no NUL. */
static const char *
intern_exact(struct mail_intern *t, const char *s, size_t len)
{
	const char	*p;
	uint32_t	 h, ref;
	size_t		 j;

	if ((t->count + 1) * 4 > t->cap * 3)
		grow(t, t->cap + t->cap / 2);
	h = str_hash(s, len);
	j = slot_of(h, t->cap);
	while (t->refs[j] != 0) {
		if (t->tags[j] == (uint16_t)h) {
			p = ref_string(t, t->refs[j]);
			if (strncmp(p, s, len) == 0 && p[len] == '\0')
				return p;
		}
		j = j + 1 == t->cap ? 0 : j + 1;
	}
	p = pool_add(t, &t->shared, s, len, &ref);
	if (ref == 0)
		return p;
	t->tags[j] = (uint16_t)h;
	t->refs[j] = ref;
	t->count++;
	return p;
}

const char *
mail_intern(struct mail_intern *t, const char *s)
{
	return s == NULL ? NULL : intern_exact(t, s, strlen(s));
}

/* Message-IDs and References differ from message to message: a hash
 * slot each would only cost memory and time. */
const char *
mail_intern_copy(struct mail_intern *t, const char *s)
{
	return s == NULL ? NULL : pool_add(t, &t->copies, s, strlen(s), NULL);
}

/* A reply's In-Reply-To is usually the last id of its References: then
 * it is that end of the References copy. Otherwise both share one copy,
 * In-Reply-To after References' NUL, so that a record needs no pointer
 * of its own for it (8 bytes of 80). */
void
mail_msg_set_ids(struct mail_msg *m, struct mail_intern *t,
    const char *references, const char *in_reply_to)
{
	size_t	 rlen = references != NULL ? strlen(references) : 0;
	size_t	 ilen = in_reply_to != NULL ? strlen(in_reply_to) : 0;
	char	*d;

	m->in_reply_to_at = 0;
	m->references = NULL;
	if (ilen == 0 || rlen + ilen > UINT32_MAX - 2) {
		m->references = mail_intern_copy(t, references);
		return;
	}
	if (rlen >= ilen && memcmp(references + rlen - ilen, in_reply_to, ilen) == 0) {
		m->references = pool_add(t, &t->copies, references, rlen, NULL);
		m->in_reply_to_at = (uint32_t)(rlen - ilen) + 1;
		return;
	}
	d = pool_alloc(t, &t->copies, rlen + 1 + ilen + 1, NULL);
	if (rlen > 0)
		memcpy(d, references, rlen);
	d[rlen] = '\0';
	memcpy(d + rlen + 1, in_reply_to, ilen);
	d[rlen + 1 + ilen] = '\0';
	m->references = d;
	m->in_reply_to_at = (uint32_t)rlen + 2;
}

const char *
mail_msg_in_reply_to(const struct mail_msg *m)
{
	if (m->in_reply_to_at == 0 || m->references == NULL)
		return NULL;
	return m->references + m->in_reply_to_at - 1;
}

const char *
mail_msg_references(const struct mail_msg *m)
{
	return m->references != NULL && *m->references != '\0' ?
	    m->references : NULL;
}

size_t
mail_intern_count(const struct mail_intern *t)
{
	return t->count;
}

unsigned
mail_flag_bit(const char *name)
{
	return imap_flag_bit(name);
}

const char *
mail_flag_name(unsigned bit)
{
	return imap_flag_name(bit);
}

/* Keywords compare case-insensitively (RFC 3501 2.3.2). */
bool
mail_keywords_has(const char *set, const char *kw)
{
	size_t	len = strlen(kw), n;

	while (set != NULL && *set != '\0') {
		n = strcspn(set, " ");
		if (n == len && strncasecmp(set, kw, len) == 0)
			return true;
		set += n;
		set += strspn(set, " ");
	}
	return false;
}

void
mail_keywords_edit(struct buf *out, const char *set, const char *const *add,
    const char *const *remove)
{
	size_t		 start = out->len, n, i;
	bool		 drop;
	char		*word;

	while (set != NULL && *set != '\0') {
		n = strcspn(set, " ");
		word = xstrndup(set, n);
		drop = false;
		for (i = 0; remove != NULL && remove[i] != NULL; i++)
			drop = drop || str_ieq(word, remove[i]);
		if (!drop && !mail_keywords_has(buf_cstr(out) + start, word)) {
			if (out->len > start)
				buf_addc(out, ' ');
			buf_adds(out, word);
		}
		free(word);
		set += n;
		set += strspn(set, " ");
	}
	for (i = 0; add != NULL && add[i] != NULL; i++) {
		if (mail_keywords_has(buf_cstr(out) + start, add[i]))
			continue;
		if (out->len > start)
			buf_addc(out, ' ');
		buf_adds(out, add[i]);
	}
	buf_cstr(out);
}
