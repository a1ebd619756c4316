/*
 * The MIME part tree of one message, built either by parsing the raw
 * message locally or from an IMAP BODYSTRUCTURE; both give the same tree
 * for the same message, numbered like IMAP sections (RFC 3501 6.4.5), so a
 * part picked here can be fetched with BODY[spec]. Everything lives in the
 * arena passed in.
 */
#ifndef CRISPIN_MIME_PART_H
#define CRISPIN_MIME_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/mime_decode.h"
#include "crispin/mime_header.h"

/* Zero fields take the defaults. */
struct mime_limits {
	unsigned	 max_depth;	/* nesting of multiparts/messages: 20 */
	unsigned	 max_parts;	/* parts in the whole tree: 1000 */
	size_t		 max_header_bytes; /* per header block: MIME_HEADER_MAX_BYTES */
};

struct mime_part {
	const char	*type;		/* lower-case: "text", "multipart", ... */
	const char	*subtype;	/* lower-case */
	struct mime_param *params;	/* Content-Type parameters, decoded */
	size_t		 nparams;
	const char	*charset;	/* the charset parameter; NULL if none */
	const char	*encoding;	/* lower-case transfer encoding: "7bit" */
	enum mime_encoding enc;
	const char	*disposition;	/* lower-case; NULL without one */
	struct mime_param *disp_params;
	size_t		 ndisp_params;
	const char	*filename;	/* decoded; Content-Disposition filename,
					 * else Content-Type name; NULL if none */
	const char	*description;	/* decoded (RFC 2047); NULL if none */
	const char	*id;		/* Content-ID as written; NULL if none */
	uint64_t	 size;		/* encoded body octets, line ends counted
					 * as CRLF (as IMAP reports them) */
	uint32_t	 lines;		/* text and message/rfc822 parts */
	/*
	 * IMAP part specifier. A multipart at the top is "" and its children
	 * "1", "2"; a single part at the top is "1". Inside a message/rfc822
	 * part "2", a single body is "2.1" and a multipart body is "2" (its
	 * children "2.1", "2.2", ...).
	 */
	const char	*spec;
	/*
	 * A multipart whose parts could not be found (its boundary never
	 * occurs): shown as text/plain. Servers present it as a multipart
	 * holding one empty text/plain part; mime_part_from_imap turns that
	 * into the same unsplit part, with size and lines unknown (0). Its
	 * specifier is "TEXT" at the top ("2.TEXT" as the body of a
	 * message/rfc822 part "2"), so that BODY[spec] fetches its text.
	 */
	bool		 unsplit;
	struct mime_part *parent;	/* NULL at the top */
	struct mime_part *children;	/* first child; message/rfc822: its body */
	struct mime_part *next;		/* next sibling */
	size_t		 nchildren;
	/* Local parse: the part's own header block (for the top part and
	 * the body of a message/rfc822 part, the message header). From IMAP:
	 * NULL, and message/rfc822 parts carry the envelope instead. */
	struct mime_headers *headers;
	const struct imap_envelope *envelope;
	/* Local parse only (has_offsets): where this part's header and body
	 * are in the raw message. */
	bool		 has_offsets;
	size_t		 header_offset;
	size_t		 body_offset;
	size_t		 body_len;
};

/*
 * Parses a raw RFC 5322 message (CRLF or bare LF). Broken structure is
 * read as well as it can be (see doc/violations.md); past a limit the rest
 * of a body is left unparsed (the part stays a leaf). Returns 0 with *root
 * set, or -1 with *error_r (malloc'd; error_r may be NULL) when raw is not
 * a message at all (no header and no body).
 */
int	mime_parse_message(const char *raw, size_t len, struct arena *,
	    const struct mime_limits *, struct mime_part **root, char **error_r);

/* Converts a parsed BODYSTRUCTURE. Returns 0, or -1 if body is NULL. */
int	mime_part_from_imap(const struct imap_body *, struct arena *,
	    struct mime_part **root);

/* The part with that specifier ("" is the top), or NULL. Where a
 * message/rfc822 part and its multipart body share a specifier, the
 * message/rfc822 part is returned. */
const struct mime_part *mime_part_find(const struct mime_part *root,
	    const char *spec);

/* The header of the message a message/rfc822 part holds, or of the
 * message itself for the top part; NULL if unknown (trees from IMAP carry
 * the envelope instead). */
const struct mime_headers *mime_part_message_headers(const struct mime_part *);

/* Whether the part is type/subtype; subtype "*" or NULL matches any. */
bool	mime_part_is(const struct mime_part *, const char *type,
	    const char *subtype);

/* Appends one line per part, indented by depth: the text form tests and
 * tools compare ("1.2 text/plain charset=utf-8 enc=base64 size=12 ..."). */
void	mime_part_format(struct buf *out, const struct mime_part *root);

/* What the pager shows, in order. */
enum mime_show {
	MIME_SHOW_INLINE,	/* fetch, decode and show the body */
	MIME_SHOW_HEADERS,	/* an embedded message: show its header */
	MIME_SHOW_ATTACHMENT,	/* list it (type, name, size); do not fetch */
};
struct mime_shown {
	const struct mime_part	*part;
	enum mime_show		 how;
	unsigned		 depth;	/* message/rfc822 nesting, for indent */
};

/*
 * Picks what to display. alternative_order: NULL-terminated "type/subtype"
 * or "type" or "type/ *" names preferred in multipart/alternative (NULL:
 * text/plain, then text/html); if none is present the first alternative is
 * used. multipart/related shows its root (start parameter, else the first
 * part), the rest listed as attachments; multipart/signed shows its first
 * part and lists the signature; message/rfc822 shows its header then its
 * body; text/ * parts that are not Content-Disposition: attachment are
 * inline; everything else is an attachment. Returns the count; *out is
 * an array in the arena.
 */
size_t	mime_select_display(const struct mime_part *root,
	    const char *const *alternative_order, struct arena *,
	    struct mime_shown **out);

/*
 * Renders one inline part for the pager: body is its transfer-encoded
 * bytes (BODY[spec], or the body range of a local parse). Transfer
 * decoding, charset conversion to UTF-8 (8-bit text labelled us-ascii or
 * with a single-byte charset that is valid UTF-8 is read as UTF-8; an
 * unknown charset falls back to windows-1252), HTML to text and
 * format=flowed reflow at width, and the terminal safety filter last.
 */
void	mime_part_render(struct buf *out, const struct mime_part *,
	    const char *body, size_t len, unsigned width);

#endif
