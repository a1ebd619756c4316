/*
 * The local MIME parser: splits a raw message into the part tree, with the
 * byte range of every header and body. It reads what mailers really send:
 * missing final boundaries, boundaries with trailing blanks, preambles and
 * epilogues, bare LF, parts without a header; a multipart whose boundary
 * never occurs is read as text/plain (doc/violations.md).
 */
#include <string.h>

#include "crispin/mime_part.h"
#include "crispin/xalloc.h"
#include "part_p.h"

#define DEFAULT_MAX_DEPTH	20
#define DEFAULT_MAX_PARTS	1000

struct parse_ctx {
	const char		*raw;
	struct arena		*arena;
	struct mime_limits	 lim;
	unsigned		 nparts;
};

static struct mime_part *parse_entity(struct parse_ctx *, size_t, size_t,
		    unsigned, bool);
static void	 parse_multipart(struct parse_ctx *, struct mime_part *,
		    unsigned);
static bool	 is_delimiter(const char *, size_t, const char *, size_t,
		    bool *);
static void	 measure(struct mime_part *, const char *);

int
mime_parse_message(const char *raw, size_t len, struct arena *a,
    const struct mime_limits *lim, struct mime_part **root, char **error_r)
{
	struct parse_ctx	 ctx;

	if (len == 0) {
		if (error_r != NULL)
			*error_r = xstrdup("The message is empty: it has "
			    "neither a header nor a body.");
		return -1;
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.raw = raw;
	ctx.arena = a;
	if (lim != NULL)
		ctx.lim = *lim;
	if (ctx.lim.max_depth == 0)
		ctx.lim.max_depth = DEFAULT_MAX_DEPTH;
	if (ctx.lim.max_parts == 0)
		ctx.lim.max_parts = DEFAULT_MAX_PARTS;
	if (ctx.lim.max_header_bytes == 0)
		ctx.lim.max_header_bytes = MIME_HEADER_MAX_BYTES;
	*root = parse_entity(&ctx, 0, len, 0, false);
	mime_part_number(*root, a);
	return 0;
}

/* One entity in raw[start, end): its header, then its body. */
static struct mime_part *
parse_entity(struct parse_ctx *ctx, size_t start, size_t end, unsigned depth,
    bool dflt_rfc822)
{
	struct mime_part	*p = arena_alloc(ctx->arena, sizeof *p);
	struct mime_headers	*h = arena_alloc(ctx->arena, sizeof *h);
	struct mime_part_fields	 f;
	size_t			 consumed = 0, hlen;

	ctx->nparts++;
	if (mime_headers_parse(ctx->raw + start, end - start, ctx->arena, h,
	    &consumed) < 0)
		consumed = 0;	/* no header: it is all body */
	if (consumed > end - start)
		consumed = end - start;
	if (consumed > ctx->lim.max_header_bytes) {
		/* Only the fields within the limit count. */
		hlen = ctx->lim.max_header_bytes;
		memset(h, 0, sizeof *h);
		mime_headers_parse(ctx->raw + start, hlen, ctx->arena, h, NULL);
	}
	f.ctype = mime_header_get(h, "Content-Type");
	f.disposition = mime_header_get(h, "Content-Disposition");
	f.encoding = mime_header_get(h, "Content-Transfer-Encoding");
	f.id = mime_header_get(h, "Content-ID");
	f.description = mime_header_get(h, "Content-Description");
	mime_part_fill(p, ctx->arena, &f, dflt_rfc822);
	p->headers = h;
	p->has_offsets = true;
	p->header_offset = start;
	p->body_offset = start + consumed;
	p->body_len = end - p->body_offset;
	measure(p, ctx->raw);

	if (depth >= ctx->lim.max_depth)
		return p;
	if (strcmp(p->type, "multipart") == 0)
		parse_multipart(ctx, p, depth);
	else if (strcmp(p->type, "message") == 0 &&
	    (strcmp(p->subtype, "rfc822") == 0 ||
	    strcmp(p->subtype, "global") == 0) &&
	    (p->enc == MIME_ENC_7BIT || p->enc == MIME_ENC_8BIT ||
	    p->enc == MIME_ENC_BINARY) && ctx->nparts < ctx->lim.max_parts)
		mime_part_append(p, parse_entity(ctx, p->body_offset,
		    p->body_offset + p->body_len, depth + 1, false));
	return p;
}

/*
 * Finds the delimiter lines of p's body and parses what lies between. The
 * line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
 */
static void
parse_multipart(struct parse_ctx *ctx, struct mime_part *p, unsigned depth)
{
	const char	*raw = ctx->raw, *boundary;
	size_t		 blen, pos, end, eol, next, part_start = 0, part_end;
	bool		 in_part = false, close, found = false;
	bool		 digest = strcmp(p->subtype, "digest") == 0;

	boundary = mime_param_get(p->params, p->nparams, "boundary");
	blen = boundary != NULL ? strlen(boundary) : 0;
	pos = p->body_offset;
	end = p->body_offset + p->body_len;
	while (blen > 0 && pos < end) {
		const char *nl = memchr(raw + pos, '\n', end - pos);

		eol = nl != NULL ? (size_t)(nl - raw) : end;
		next = nl != NULL ? eol + 1 : end;
		if (!is_delimiter(raw + pos, eol - pos, boundary, blen, &close)) {
			pos = next;
			continue;
		}
		found = true;
		if (in_part) {
			part_end = pos;
			if (part_end > part_start && raw[part_end - 1] == '\n')
				part_end--;
			if (part_end > part_start && raw[part_end - 1] == '\r')
				part_end--;
			if (ctx->nparts >= ctx->lim.max_parts)
				return;
			mime_part_append(p, parse_entity(ctx, part_start,
			    part_end, depth + 1, digest));
		}
		if (close)
			return;
		in_part = true;
		part_start = next;
		pos = next;
	}
	if (in_part) {
		/* No close delimiter: the last part runs to the end. */
		if (ctx->nparts < ctx->lim.max_parts)
			mime_part_append(p, parse_entity(ctx, part_start, end,
			    depth + 1, digest));
		return;
	}
	if (!found) {
		p->type = "text";
		p->subtype = "plain";
		p->charset = NULL;
		p->unsplit = true;
	}
}

/* "--boundary" or "--boundary--", then only blanks (and the CR). */
static bool
is_delimiter(const char *line, size_t len, const char *boundary, size_t blen,
    bool *close)
{
	size_t	 i;

	if (len < blen + 2 || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, boundary, blen) != 0)
		return false;
	i = blen + 2;
	*close = len >= i + 2 && line[i] == '-' && line[i + 1] == '-';
	if (*close)
		i += 2;
	for (; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	}
	return true;
}

/* Size and lines as IMAP servers count them: bare LF as CRLF, and line
 * breaks (a last line without one does not count). */
static void
measure(struct mime_part *p, const char *raw)
{
	const char	*b = raw + p->body_offset;
	size_t		 i, bare = 0, lines = 0;

	for (i = 0; i < p->body_len; i++) {
		if (b[i] != '\n')
			continue;
		lines++;
		if (i == 0 || b[i - 1] != '\r')
			bare++;
	}
	p->size = p->body_len + bare;
	p->lines = lines > UINT32_MAX ? UINT32_MAX : (uint32_t)lines;
}
