/* What the files of the draft module share (draft.c, reply.c, draft_edit.c). */
#ifndef CRISPIN_DRAFT_P_H
#define CRISPIN_DRAFT_P_H

#include <stddef.h>

#include "crispin/buf.h"
#include "crispin/mail_draft.h"

/* Appends s as one terminal-safe line: CR, LF and TAB become spaces,
 * other controls visible escapes, invalid UTF-8 U+FFFD. */
void	 draft_clean_line(struct buf *out, const char *s, size_t len);
/* Appends "-- \n" and the signature file when it can be read; body is
 * expected to end in an empty line (or be empty). */
void	 draft_add_signature(struct buf *body, const struct mail_draft_opts *);
/* Whether name can be a header field name (printable ASCII, no colon). */
bool	 draft_field_name_ok(const char *name, size_t len);
/* Whether a field name is written by the MIME writer itself (Date,
 * Message-ID, MIME-Version, Content-*, User-Agent). */
bool	 draft_field_reserved(const char *name, size_t len);

#endif
