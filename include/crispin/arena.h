/* Arenas: memory for things that die together (one response, one folder). */
#ifndef CRISPIN_ARENA_H
#define CRISPIN_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(size_t chunk_size);	/* 0: a default size */
void	 arena_free(struct arena **);
/* Drops everything allocated, keeps the first chunk for reuse. */
void	 arena_reset(struct arena *);
/* Memory aligned for any type, zeroed. */
void	*arena_alloc(struct arena *, size_t);
void	*arena_array(struct arena *, size_t n, size_t size);
char	*arena_strdup(struct arena *, const char *);
/* Copies len bytes and adds a NUL. */
char	*arena_strndup(struct arena *, const char *, size_t len);
/* Bytes handed out since the last reset (for limits and tests). */
size_t	 arena_used(const struct arena *);

#endif
