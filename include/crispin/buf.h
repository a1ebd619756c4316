/* One growable byte buffer for all strings and byte streams. */
#ifndef CRISPIN_BUF_H
#define CRISPIN_BUF_H

#include <stddef.h>
#include <stdarg.h>

#include "crispin/xalloc.h"

/* data is always NUL-terminated after any buf_add (the NUL is not in len). */
struct buf {
	char	*data;		/* owned */
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
/* Like buf_free, but overwrites the bytes first (credentials). */
void	 buf_free_secret(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t extra);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addc(struct buf *, char);
void	 buf_adds(struct buf *, const char *);
/* Appends code point cp (at most 0x10ffff) in UTF-8. */
void	 buf_add_utf8(struct buf *, unsigned long cp);
/* Inserts len bytes at offset at (<= len of the buffer). */
void	 buf_insert(struct buf *, size_t at, const void *, size_t len);
void	 buf_printf(struct buf *, const char *, ...) CRISPIN_PRINTF(2, 3);
void	 buf_vprintf(struct buf *, const char *, va_list) CRISPIN_PRINTF(2, 0);
/* Removes the first n bytes. */
void	 buf_consume(struct buf *, size_t n);
/* Shortens to n bytes (n <= len). */
void	 buf_truncate(struct buf *, size_t n);
/* Returns the contents as a C string ("" when empty); stays owned by buf. */
const char *buf_cstr(struct buf *);
/* Hands the contents to the caller (never NULL) and empties buf. */
char	*buf_steal(struct buf *);

#endif
