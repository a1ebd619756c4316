/*
 * Message headers (RFC 5322, RFC 6532), encoded words (RFC 2047) and
 * Content-Type / Content-Disposition parameters (RFC 2045, RFC 2231).
 * Everything tolerates the broken forms real mail carries.
 */
#ifndef CRISPIN_MIME_HEADER_H
#define CRISPIN_MIME_HEADER_H

#include <stddef.h>

#include "crispin/arena.h"
#include "crispin/buf.h"

/* Limits of one header block; past them the rest is ignored. */
#define MIME_HEADER_MAX_BYTES	100000
#define MIME_HEADER_MAX_FIELDS	1000

struct mime_header {
	const char	*name;		/* as written, without the colon */
	const char	*value;		/* unfolded (CRLF/LF before WSP removed),
					 * leading WSP trimmed, otherwise raw */
};
struct mime_headers {
	struct mime_header *items;	/* in order of appearance */
	size_t		 count;
	size_t		 broken;	/* lines skipped: no colon, bad name */
};

/*
 * Parses the header block at raw (len bytes, need not be NUL-terminated)
 * up to and including the empty line that ends it (CRLF or bare LF). All
 * strings live in the arena. *consumed (if not NULL) gets the offset of the
 * body: just after the empty line, or len when there is none. Past the
 * limits above the remaining fields are skipped, though *consumed still
 * points past the block. Returns 0; -1 only when raw has no header at all
 * and no empty line (not a message), with *h empty.
 */
int	 mime_headers_parse(const char *raw, size_t len, struct arena *,
	    struct mime_headers *h, size_t *consumed);
/* The first field named name (case-insensitive), or NULL. */
const char *mime_header_get(const struct mime_headers *, const char *name);

/*
 * Appends the display text of an unstructured header value (Subject,
 * display names) as UTF-8: RFC 2047 encoded words decoded (B and Q,
 * "=?cs*lang?..."), whitespace between adjacent encoded words dropped,
 * characters split across words of one charset reassembled, malformed
 * words kept as they are. Raw 8-bit text is kept when it is valid UTF-8,
 * else read as assumed_charset (NULL: windows-1252); labels that say
 * nothing ("us-ascii" with 8-bit bytes, "unknown-8bit") read the same way.
 * NUL bytes are dropped; other control characters are kept for the
 * terminal layer to make safe.
 */
void	 mime_decode_words(struct buf *out, const char *raw,
	    const char *assumed_charset);

struct mime_param {
	const char	*name;		/* lower-cased, without RFC 2231 '*' */
	const char	*value;		/* decoded UTF-8 */
};
struct mime_ctype {
	const char	*type;		/* lower-cased, e.g. "text" */
	const char	*subtype;	/* lower-cased, e.g. "plain" */
	struct mime_param *params;
	size_t		 nparams;
};

/*
 * Parses a Content-Type value (NULL allowed) into the arena. Parameters
 * may be tokens or quoted strings, with comments, RFC 2231 continuations
 * and charset'lang'%XX values, encoded words in quoted values, missing
 * semicolons and unquoted values with spaces. A missing or unparsable
 * type gives text/plain with charset=us-ascii and returns -1 (params that
 * could be read are kept); 0 otherwise.
 */
int	 mime_ctype_parse(const char *value, struct arena *,
	    struct mime_ctype *);
/* The same for Content-Disposition: *disposition lower-cased ("inline",
 * "attachment", ...); a missing one gives "" and -1. */
int	 mime_disposition_parse(const char *value, struct arena *,
	    const char **disposition, struct mime_param **params,
	    size_t *nparams);
/* The value of the first parameter named name (case-insensitive) or NULL. */
const char *mime_param_get(const struct mime_param *, size_t n,
	    const char *name);

#endif
