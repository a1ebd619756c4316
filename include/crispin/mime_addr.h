/* Address lists (RFC 5322 3.4, with the obsolete forms of 4.4). */
#ifndef CRISPIN_MIME_ADDR_H
#define CRISPIN_MIME_ADDR_H

#include <stddef.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_data.h"

/*
 * One entry of a list. A group is an entry with group set and mailbox NULL
 * (its start), its members, then an entry with all three NULL (its end).
 */
struct mime_addr {
	const char	*name;		/* decoded UTF-8 display name, or NULL */
	const char	*mailbox;	/* "local@domain" or a bare local part;
					 * NULL for a group start or end */
	const char	*group;		/* decoded group name at a group start */
};

/*
 * Parses an address list header value into an arena array. Comments,
 * quoted and encoded display names, groups ("undisclosed-recipients:;"),
 * obsolete routes (<@a,@b:user@host>, dropped), addresses without angle
 * brackets and bare local parts are accepted. Never fails on bad input:
 * text that is no address becomes an entry with the raw text as name and
 * mailbox NULL; "<>" gives mailbox "". Returns 0 (an empty or NULL value
 * gives count 0).
 */
int	 mime_addr_parse(const char *value, struct arena *,
	    struct mime_addr **addrs, size_t *count);
/* Appends a display form: "Name <local@domain>", "local@domain", or
 * "group:" / ";" for group markers. Names needing it are quoted. */
void	 mime_addr_format(struct buf *, const struct mime_addr *);
/* Converts IMAP ENVELOPE addresses to the same form (names decoded as in
 * mime_decode_words, routes dropped) so ENVELOPE and local parsing agree.
 * Returns 0. */
int	 mime_addr_from_imap(const struct imap_address_list *, struct arena *,
	    struct mime_addr **addrs, size_t *count);

#endif
