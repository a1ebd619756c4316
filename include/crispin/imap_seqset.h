/* IMAP sequence sets ("1:4,7,9:*"): parsing, building compact ones. */
#ifndef CRISPIN_IMAP_SEQSET_H
#define CRISPIN_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"

/* '*' is stored as UINT32_MAX. lo <= hi after parsing. */
struct imap_range {
	uint32_t	lo;
	uint32_t	hi;
};

struct imap_seqset {
	struct imap_range *ranges;	/* owned */
	size_t		 count;
	size_t		 cap;
};

void	 imap_seqset_init(struct imap_seqset *);
void	 imap_seqset_free(struct imap_seqset *);
/* Parses "1:3,5,*"; -1 on bad syntax or 0. Appends to set. */
int	 imap_seqset_parse(struct imap_seqset *, const char *s);
void	 imap_seqset_add(struct imap_seqset *, uint32_t lo, uint32_t hi);
/* Sorts and merges overlapping or adjacent ranges. */
void	 imap_seqset_normalize(struct imap_seqset *);
/* Writes the set ("1:100,205,300:420"); normalize first for a compact one. */
void	 imap_seqset_write(struct buf *, const struct imap_seqset *);
bool	 imap_seqset_contains(const struct imap_seqset *, uint32_t);
/* Whether two normalized sets have a value in common. */
bool	 imap_seqset_intersects(const struct imap_seqset *, const struct imap_seqset *);
/* Number of distinct values, with '*' meaning max: "x:*" with x > max is
 * max:x (RFC 3501 9, seq-range), and "*" with max 0 is nothing. */
uint64_t imap_seqset_count(const struct imap_seqset *, uint32_t max);

#endif
