/* Mailbox names: IMAP modified UTF-7 (RFC 3501 5.1.3) <-> UTF-8. */
#ifndef CRISPIN_IMAP_UTF7_H
#define CRISPIN_IMAP_UTF7_H

#include <stddef.h>
#include "crispin/buf.h"

/* Appends the UTF-8 form. -1 if the input is not valid modified UTF-7
 * (callers then show the raw name). */
int	imap_utf7_decode(struct buf *out, const char *in, size_t len);
/* Appends the modified UTF-7 form. -1 if in is not valid UTF-8. */
int	imap_utf7_encode(struct buf *out, const char *in, size_t len);

#endif
