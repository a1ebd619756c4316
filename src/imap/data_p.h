/* Internals shared by the IMAP data decoders (data_fetch.c, data_body.c,
 * data_mailbox.c). */
#ifndef CRISPIN_IMAP_DATA_P_H
#define CRISPIN_IMAP_DATA_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/arena.h"
#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/xalloc.h"

/* RFC 7162 mod-sequences are 63-bit; keeping them signed-safe lets the
 * cache store them as SQLite integers. */
#define DATA_MODSEQ_MAX	((uint64_t)INT64_MAX)

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/* Room for a short, printable excerpt of network text in an error. */
#define DATA_EXCERPT	48

/* Sets *error_r (when error_r is not NULL) and returns -1. */
int	 data_fail(char **error_r, const char *, ...) CRISPIN_PRINTF(2, 3);
/* Puts "prefix: " in front of the error already in *error_r; returns -1. */
int	 data_wrap(char **error_r, const char *, ...) CRISPIN_PRINTF(2, 3);
/* "a list", "NIL", "an atom", ... for error messages. */
const char *data_kind(const struct imap_arg *);
/* Copies at most DATA_EXCERPT-1 bytes of s with controls as '?'. */
const char *data_excerpt(char [DATA_EXCERPT], const char *);

/*
 * A string argument (atom, quoted or literal) copied into the arena.
 * data_nstring gives NULL for NIL; both return -1 for lists, streamed
 * literals, and (data_string) NIL.
 */
int	 data_nstring(struct arena *, const struct imap_arg *,
	    const char **);
int	 data_string(struct arena *, const struct imap_arg *, const char **);
/* An arena copy of s with ASCII letters lower-cased. */
char	*data_lower(struct arena *, const char *);
/* A mailbox name: any string form; "INBOX" in any case becomes "INBOX". */
int	 data_mailbox(struct arena *, const struct imap_arg *,
	    const char **);
/* An untagged response with this keyword (upper case)? */
bool	 data_is_untagged(const struct imap_response *, const char *);

#endif
