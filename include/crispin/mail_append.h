/*
 * A message appended with an APPENDUID answer (UIDPLUS): its record goes
 * straight into the destination folder's cache, so the next open of that
 * folder has it without fetching its header again (as COPYUID does for
 * copies, ops.c).
 */
#ifndef CRISPIN_MAIL_APPEND_H
#define CRISPIN_MAIL_APPEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crispin/store.h"

/*
 * Writes the record of message (len bytes, CRLF lines as sent) appended to
 * folder as uid under uidvalidity, with flags (system flags and keywords
 * separated by spaces, or NULL) and internaldate. Nothing is written when
 * the cache holds that folder under another UIDVALIDITY or not at all.
 * Returns 0 (also then), or -1 with *error_r (malloc'd).
 */
int	 mail_append_cache(struct store *, const char *folder, uint32_t uidvalidity,
	    uint32_t uid, const char *message, size_t len, const char *flags,
	    time_t internaldate, char **error_r);

#endif
