/* Arena allocator: chunks freed together, first chunk kept across resets. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/xalloc.h"

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk	*head;		/* newest first; owned */
	size_t		 chunk_size;
	size_t		 used;
};

static struct chunk *chunk_new(size_t);

static struct chunk *
chunk_new(size_t size)
{
	struct chunk	*c;

	c = xmalloc(sizeof *c + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(size_t chunk_size)
{
	struct arena	*a;

	a = xcalloc(1, sizeof *a);
	a->chunk_size = chunk_size == 0 ? 8192 : chunk_size;
	return a;
}

void
arena_free(struct arena **ap)
{
	struct arena	*a = *ap;
	struct chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
	*ap = NULL;
}

void
arena_reset(struct arena *a)
{
	struct chunk	*c, *next;

	if (a->head == NULL)
		return;
	/* Keep the oldest chunk: it is the one of the usual size. */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	c->used = 0;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	const size_t	 align = alignof(max_align_t);
	struct chunk	*c = a->head;
	size_t		 off;
	void		*p;

	if (size > SIZE_MAX / 2)
		abort();
	off = c == NULL ? 0 : (c->used + align - 1) & ~(align - 1);
	if (c == NULL || off + size > c->size) {
		c = chunk_new(size > a->chunk_size ? size : a->chunk_size);
		if (size > a->chunk_size && a->head != NULL) {
			/* A big allocation gets its own chunk behind the current one. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		off = 0;
	}
	p = c->data + off;
	c->used = off + size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

void *
arena_array(struct arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / 2 / size)
		abort();
	return arena_alloc(a, n * size);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}
