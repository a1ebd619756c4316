/*
 * Raw DEFLATE streams for IMAP COMPRESS=DEFLATE (RFC 4978), one each way,
 * when crispin is built with zlib. Every write is flushed (Z_SYNC_FLUSH)
 * so that a command never waits in the compressor.
 */
#ifndef CRISPIN_COMPRESS_P_H
#define CRISPIN_COMPRESS_P_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

struct zpair;

/* False when built without zlib. */
bool	 zpair_available(void);
/* NULL with *error_r when unavailable or out of memory. */
struct zpair *zpair_new(char **error_r);
void	 zpair_free(struct zpair **);
/* Appends the compressed, flushed form of data to out. -1 with *error_r. */
int	 zpair_deflate(struct zpair *, const void *data, size_t len,
	    struct buf *out, char **error_r);
/* Appends what data decompresses to. -1 with *error_r for a corrupt or
 * ended stream. */
int	 zpair_inflate(struct zpair *, const void *data, size_t len,
	    struct buf *out, char **error_r);
/* Bytes in and out so far, for --stats (wire bytes vs payload). */
void	 zpair_counts(const struct zpair *, unsigned long long *wire_in,
	    unsigned long long *wire_out);

#endif
