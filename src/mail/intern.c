/*
 * Per-folder string interning (an open-addressing hash over an arena) and
 * the small helpers for flags and keyword sets. A folder of 100 000
 * messages from a few hundred senders keeps each sender once.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/arena.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct mail_intern {
	struct arena	 *arena;
	const char	**slots;	/* owned array; strings in the arena */
	/* Each slot's hash: most probes end on a mismatch here, without
	 * touching the string, and growing rehashes nothing. Owned. */
	uint32_t	 *hashes;
	size_t		  cap;		/* a power of two */
	size_t		  count;
};


static uint64_t hash(const char *, size_t);
static void grow(struct mail_intern *);

struct mail_intern *
mail_intern_new(void)
{
	struct mail_intern	*t = xcalloc(1, sizeof *t);

	t->arena = arena_new(0);
	t->cap = 256;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	t->hashes = xcalloc(t->cap, sizeof *t->hashes);
	return t;
}

void
mail_intern_free(struct mail_intern **tp)
{
	struct mail_intern	*t = *tp;

	if (t == NULL)
		return;
	arena_free(&t->arena);
	free(t->slots);
	free(t->hashes);
	free(t);
	*tp = NULL;
}

/* FNV-1a: short keys, no adversary who gains anything by collisions
 * beyond a slower index. */
static uint64_t
hash(const char *s, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
grow(struct mail_intern *t)
{
	const char	**old = t->slots;
	uint32_t	 *oldh = t->hashes;
	size_t		  oldcap = t->cap, i, j;

	t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	t->hashes = xcalloc(t->cap, sizeof *t->hashes);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		j = oldh[i] & (t->cap - 1);
		while (t->slots[j] != NULL)
			j = (j + 1) & (t->cap - 1);
		t->slots[j] = old[i];
		t->hashes[j] = oldh[i];
	}
	free(old);
	free(oldh);
}

const char *
mail_intern_n(struct mail_intern *t, const char *s, size_t len)
{
	uint32_t	h;
	size_t		j;

	if (s == NULL)
		return NULL;
	if ((t->count + 1) * 4 > t->cap * 3)
		grow(t);
	h = (uint32_t)hash(s, len);
	j = h & (t->cap - 1);
	while (t->slots[j] != NULL) {
		if (t->hashes[j] == h && strncmp(t->slots[j], s, len) == 0 &&
		    t->slots[j][len] == '\0')
			return t->slots[j];
		j = (j + 1) & (t->cap - 1);
	}
	t->hashes[j] = h;
	t->slots[j] = arena_strndup(t->arena, s, len);
	t->count++;
	return t->slots[j];
}

const char *
mail_intern(struct mail_intern *t, const char *s)
{
	return s == NULL ? NULL : mail_intern_n(t, s, strlen(s));
}

/* Message-IDs and References differ from message to message: a hash
 * slot each would only cost memory and time. */
const char *
mail_intern_copy(struct mail_intern *t, const char *s)
{
	return s == NULL ? NULL : arena_strdup(t->arena, s);
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
