/* Shared by the two constructors of the part tree (parse.c, part.c). */
#ifndef CRISPIN_MIME_PART_P_H
#define CRISPIN_MIME_PART_P_H

#include "crispin/mime_part.h"

/* The header fields that shape a part, as raw values (NULL if absent). */
struct mime_part_fields {
	const char	*ctype;
	const char	*disposition;
	const char	*encoding;
	const char	*id;
	const char	*description;
};

/* Fills type, params, charset, encoding, disposition, filename, id and
 * description from raw field values; dflt_rfc822 for multipart/digest
 * children without a Content-Type. */
void	mime_part_fill(struct mime_part *, struct arena *,
	    const struct mime_part_fields *, bool dflt_rfc822);
/* Appends child as the last child of parent. */
void	mime_part_append(struct mime_part *parent, struct mime_part *child);
/* Gives every part its IMAP specifier. */
void	mime_part_number(struct mime_part *root, struct arena *);
/* Whether this is message/rfc822 (or message/global) with a parsed body. */
bool	mime_part_is_message(const struct mime_part *);

#endif
