/*
 * BODYSTRUCTURE and BODY (RFC 3501 7.4.2, RFC 9051 7.5.2) into a tree of
 * struct imap_body, with the part specifier of each node worked out as in
 * RFC 3501 6.4.5 so that callers can fetch single parts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/str.h"
#include "data_p.h"

#define BODY_DEFAULT_DEPTH	64

struct body_ctx {
	struct arena	*arena;
	unsigned	 max_depth;
	char		**error_r;
};

static int	 body_fail(struct body_ctx *, const struct imap_body *,
		    const char *, ...) CRISPIN_PRINTF(3, 4);
static int	 body_node(struct body_ctx *, const struct imap_arg *,
		    struct imap_body *, struct imap_body *, const char *,
		    unsigned);
static int	 body_multipart(struct body_ctx *, const struct imap_arg *,
		    size_t, struct imap_body *, unsigned);
static int	 body_single(struct body_ctx *, const struct imap_arg *,
		    size_t, struct imap_body *, unsigned);
static int	 body_ext(struct body_ctx *, const struct imap_arg *, size_t,
		    size_t, struct imap_body *, bool);
static int	 body_params(struct body_ctx *, const struct imap_arg *,
		    struct imap_param **, size_t *);
static int	 body_disposition(struct body_ctx *, const struct imap_arg *,
		    struct imap_body *);
static int	 body_languages(struct body_ctx *, const struct imap_arg *,
		    struct imap_body *);
static bool	 is_multipart(const struct imap_arg *);
static char	*child_part(struct arena *, const char *, size_t);

/* Every error names the part it is about, if it has one. */
static int
body_fail(struct body_ctx *ctx, const struct imap_body *body,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (ctx->error_r == NULL)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (body->part != NULL && *body->part != '\0')
		*ctx->error_r = xasprintf("BODYSTRUCTURE part %s: %s",
		    body->part, msg);
	else
		*ctx->error_r = xasprintf("BODYSTRUCTURE: %s", msg);
	free(msg);
	return -1;
}

static bool
is_multipart(const struct imap_arg *arg)
{
	const struct imap_arg	*items;
	size_t			 n;

	return imap_arg_list(arg, &items, &n) && n > 0 &&
	    items[0].type == IMAP_ARG_LIST;
}

static char *
child_part(struct arena *arena, const char *parent, size_t n)
{
	char	num[24];
	char	*p;
	size_t	len;

	snprintf(num, sizeof num, "%zu", n);
	if (*parent == '\0')
		return arena_strdup(arena, num);
	len = strlen(parent);
	p = arena_alloc(arena, len + 1 + strlen(num) + 1);
	memcpy(p, parent, len);
	p[len] = '.';
	memcpy(p + len + 1, num, strlen(num) + 1);
	return p;
}

static int
body_params(struct body_ctx *ctx, const struct imap_arg *arg,
    struct imap_param **params, size_t *nparams)
{
	const struct imap_arg	*items;
	const char		*name, *value;
	size_t			 n, i;

	*params = NULL;
	*nparams = 0;
	if (arg->type == IMAP_ARG_NIL)
		return 0;
	/* "()" is not in the grammar but some servers send it for none. */
	if (!imap_arg_list(arg, &items, &n) || n % 2 != 0)
		return -1;
	if (n == 0)
		return 0;
	*params = arena_array(ctx->arena, n / 2, sizeof **params);
	for (i = 0; i < n; i += 2) {
		if (data_string(ctx->arena, &items[i], &name) == -1 ||
		    data_nstring(ctx->arena, &items[i + 1], &value) == -1)
			return -1;
		(*params)[i / 2].name = data_lower(ctx->arena, name);
		(*params)[i / 2].value = value != NULL ? value : "";
	}
	*nparams = n / 2;
	return 0;
}

static int
body_disposition(struct body_ctx *ctx, const struct imap_arg *arg,
    struct imap_body *body)
{
	const struct imap_arg	*items;
	const char		*type;
	size_t			 n;

	if (arg->type == IMAP_ARG_NIL)
		return 0;
	if (!imap_arg_list(arg, &items, &n) || n < 1 || n > 2)
		return body_fail(ctx, body,
		    "disposition: expected (type params) or NIL");
	if (data_string(ctx->arena, &items[0], &type) == -1)
		return body_fail(ctx, body, "disposition: type is %s",
		    data_kind(&items[0]));
	body->disposition = data_lower(ctx->arena, type);
	/* A missing parameter list is tolerated like an empty one. */
	if (n == 2 && body_params(ctx, &items[1], &body->disp_params,
	    &body->ndisp_params) == -1)
		return body_fail(ctx, body,
		    "disposition: bad parameter list");
	return 0;
}

static int
body_languages(struct body_ctx *ctx, const struct imap_arg *arg,
    struct imap_body *body)
{
	const struct imap_arg	*items;
	size_t			 n, i;

	if (arg->type == IMAP_ARG_NIL)
		return 0;
	if (arg->type != IMAP_ARG_LIST) {
		body->languages = arena_alloc(ctx->arena,
		    sizeof *body->languages);
		if (data_string(ctx->arena, arg, &body->languages[0]) == -1)
			return body_fail(ctx, body, "language: got %s",
			    data_kind(arg));
		body->nlanguages = 1;
		return 0;
	}
	imap_arg_list(arg, &items, &n);
	if (n == 0)
		return 0;
	body->languages = arena_array(ctx->arena, n, sizeof *body->languages);
	for (i = 0; i < n; i++) {
		if (data_string(ctx->arena, &items[i],
		    &body->languages[i]) == -1)
			return body_fail(ctx, body, "language %zu: got %s",
			    i + 1, data_kind(&items[i]));
	}
	body->nlanguages = n;
	return 0;
}

/*
 * Extension data from items[i]: md5 (single parts) or parameters
 * (multiparts), then disposition, language, location. Anything after
 * those is future extension data and skipped.
 */
static int
body_ext(struct body_ctx *ctx, const struct imap_arg *items, size_t n,
    size_t i, struct imap_body *body, bool multipart)
{
	if (i < n && !multipart) {
		if (data_nstring(ctx->arena, &items[i], &body->md5) == -1)
			return body_fail(ctx, body,
			    "MD5: expected a string or NIL, got %s",
			    data_kind(&items[i]));
		i++;
	} else if (i < n) {
		if (body_params(ctx, &items[i], &body->params,
		    &body->nparams) == -1)
			return body_fail(ctx, body, "bad parameter list");
		i++;
	}
	if (i < n && body_disposition(ctx, &items[i++], body) == -1)
		return -1;
	if (i < n && body_languages(ctx, &items[i++], body) == -1)
		return -1;
	if (i < n && data_nstring(ctx->arena, &items[i], &body->location) == -1)
		return body_fail(ctx, body,
		    "location: expected a string or NIL, got %s",
		    data_kind(&items[i]));
	return 0;
}

static int
body_multipart(struct body_ctx *ctx, const struct imap_arg *items, size_t n,
    struct imap_body *body, unsigned depth)
{
	const char	*subtype;
	size_t		 nchildren, i;

	for (nchildren = 0; nchildren < n; nchildren++) {
		if (items[nchildren].type != IMAP_ARG_LIST)
			break;
	}
	body->type = "multipart";
	if (nchildren == n)
		return body_fail(ctx, body, "multipart without a subtype");
	if (data_string(ctx->arena, &items[nchildren], &subtype) == -1)
		return body_fail(ctx, body, "multipart subtype is %s",
		    data_kind(&items[nchildren]));
	body->subtype = data_lower(ctx->arena, subtype);
	body->children = arena_array(ctx->arena, nchildren,
	    sizeof *body->children);
	body->nchildren = nchildren;
	for (i = 0; i < nchildren; i++) {
		if (body_node(ctx, &items[i], &body->children[i], body,
		    child_part(ctx->arena, body->part, i + 1), depth + 1) == -1)
			return -1;
	}
	return body_ext(ctx, items, n, nchildren + 1, body, true);
}

static int
body_single(struct body_ctx *ctx, const struct imap_arg *items, size_t n,
    struct imap_body *body, unsigned depth)
{
	const char	*type, *subtype, *enc;
	const char	*inner_part;
	uint64_t	 num;
	size_t		 i;
	bool		 msg;

	if (n < 7)
		return body_fail(ctx, body,
		    "expected at least 7 fields, got %zu", n);
	if (data_string(ctx->arena, &items[0], &type) == -1 ||
	    data_string(ctx->arena, &items[1], &subtype) == -1)
		return body_fail(ctx, body, "type and subtype must be strings");
	body->type = data_lower(ctx->arena, type);
	body->subtype = data_lower(ctx->arena, subtype);
	if (body_params(ctx, &items[2], &body->params, &body->nparams) == -1)
		return body_fail(ctx, body, "bad parameter list");
	if (data_nstring(ctx->arena, &items[3], &body->id) == -1)
		return body_fail(ctx, body,
		    "id: expected a string or NIL, got %s",
		    data_kind(&items[3]));
	if (data_nstring(ctx->arena, &items[4], &body->description) == -1)
		return body_fail(ctx, body,
		    "description: expected a string or NIL, got %s",
		    data_kind(&items[4]));
	/* The encoding is a string; some servers send NIL for none. */
	if (data_nstring(ctx->arena, &items[5], &enc) == -1)
		return body_fail(ctx, body,
		    "encoding: expected a string, got %s",
		    data_kind(&items[5]));
	body->encoding = enc != NULL ? data_lower(ctx->arena, enc) : NULL;
	if (!imap_arg_number(&items[6], INT64_MAX, &num))
		return body_fail(ctx, body, "size: expected a number, got %s",
		    data_kind(&items[6]));
	body->size = num;
	i = 7;

	/* message/rfc822 (and RFC 9051 message/global) carry an envelope,
	 * a body and a line count, unless a server sent them as basic. */
	msg = strcmp(body->type, "message") == 0 &&
	    (strcmp(body->subtype, "rfc822") == 0 ||
	    strcmp(body->subtype, "global") == 0) &&
	    n > 7 && items[7].type == IMAP_ARG_LIST;
	if (msg) {
		if (n < 10)
			return body_fail(ctx, body,
			    "message/%s: expected envelope, body and lines",
			    body->subtype);
		body->envelope = arena_alloc(ctx->arena,
		    sizeof *body->envelope);
		if (imap_envelope_parse(&items[7], ctx->arena, body->envelope,
		    ctx->error_r) == -1) {
			body->envelope = NULL;
			if (ctx->error_r != NULL)
				data_wrap(ctx->error_r, "BODYSTRUCTURE part %s",
				    body->part);
			return -1;
		}
		/* The encapsulated message's own parts are numbered under this
		 * one; a single part inside it is "part.1". */
		inner_part = is_multipart(&items[8]) ? body->part :
		    child_part(ctx->arena, body->part, 1);
		body->message = arena_alloc(ctx->arena, sizeof *body->message);
		if (body_node(ctx, &items[8], body->message, body, inner_part,
		    depth + 1) == -1)
			return -1;
		i = 9;
	}
	if (msg || strcmp(body->type, "text") == 0) {
		if (i >= n || !imap_arg_number(&items[i], UINT32_MAX, &num))
			return body_fail(ctx, body,
			    "%s/%s: expected a line count", body->type,
			    body->subtype);
		body->lines = (uint32_t)num;
		i++;
	}
	return body_ext(ctx, items, n, i, body, false);
}

static int
body_node(struct body_ctx *ctx, const struct imap_arg *arg,
    struct imap_body *body, struct imap_body *parent, const char *part,
    unsigned depth)
{
	const struct imap_arg	*items;
	size_t			 n;

	memset(body, 0, sizeof *body);
	body->part = part;
	body->parent = parent;
	if (depth > ctx->max_depth)
		return body_fail(ctx, body, "nested deeper than %u levels",
		    ctx->max_depth);
	if (!imap_arg_list(arg, &items, &n))
		return body_fail(ctx, body, "expected a list, got %s",
		    data_kind(arg));
	if (n == 0)
		return body_fail(ctx, body, "empty list");
	if (items[0].type == IMAP_ARG_LIST)
		return body_multipart(ctx, items, n, body, depth);
	return body_single(ctx, items, n, body, depth);
}

int
imap_body_parse(const struct imap_arg *arg, struct arena *arena,
    unsigned max_depth, struct imap_body **body_r, char **error_r)
{
	struct body_ctx		 ctx;
	struct imap_body	*body;

	ctx.arena = arena;
	ctx.max_depth = max_depth == 0 ? BODY_DEFAULT_DEPTH : max_depth;
	ctx.error_r = error_r;
	*body_r = NULL;
	body = arena_alloc(arena, sizeof *body);
	/* A multipart message is the whole body; anything else is part 1. */
	if (body_node(&ctx, arg, body, NULL, is_multipart(arg) ? "" : "1",
	    1) == -1)
		return -1;
	*body_r = body;
	return 0;
}

const char *
imap_body_param(const struct imap_body *body, const char *name)
{
	size_t	i;

	for (i = 0; i < body->nparams; i++) {
		if (strcasecmp(body->params[i].name, name) == 0)
			return body->params[i].value;
	}
	return NULL;
}
