/*
 * Display selection: which parts the pager fetches and shows, and which it
 * only lists. The rules follow RFC 2046 (alternative, related via RFC 2387,
 * signed via RFC 1847) and what other readers do with the rest.
 */
#include <string.h>

#include "crispin/mime_part.h"
#include "part_p.h"

struct select_ctx {
	const char *const	*order;
	struct mime_shown	*items;
	size_t			 n, cap;
	struct arena		*arena;
};

typedef void select_fn(struct select_ctx *, const struct mime_part *,
	    unsigned);

static void	 walk(struct select_ctx *, const struct mime_part *, unsigned);
static void	 add(struct select_ctx *, const struct mime_part *,
		    enum mime_show, unsigned);
static void	 sel_alternative(struct select_ctx *, const struct mime_part *,
		    unsigned);
static void	 sel_related(struct select_ctx *, const struct mime_part *,
		    unsigned);
static void	 sel_signed(struct select_ctx *, const struct mime_part *,
		    unsigned);
static void	 sel_encrypted(struct select_ctx *, const struct mime_part *,
		    unsigned);
static void	 sel_mixed(struct select_ctx *, const struct mime_part *,
		    unsigned);
static const struct mime_part *related_root(const struct mime_part *);
static bool	 matches(const struct mime_part *, const char *);

static const char *const default_order[] = { "text/plain", "text/html", NULL };

static const struct {
	const char	*subtype;
	select_fn	*fn;
} multiparts[] = {
	{ "alternative", sel_alternative },
	{ "related", sel_related },
	{ "signed", sel_signed },
	{ "encrypted", sel_encrypted },
};

size_t
mime_select_display(const struct mime_part *root, const char *const *order,
    struct arena *a, struct mime_shown **out)
{
	struct select_ctx	 ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.order = order != NULL ? order : default_order;
	ctx.arena = a;
	walk(&ctx, root, 0);
	*out = ctx.items;
	return ctx.n;
}

static void
add(struct select_ctx *ctx, const struct mime_part *p, enum mime_show how,
    unsigned depth)
{
	struct mime_shown	*grown;

	if (ctx->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 8;
		grown = arena_array(ctx->arena, ctx->cap, sizeof *grown);
		if (ctx->n > 0)
			memcpy(grown, ctx->items, ctx->n * sizeof *grown);
		ctx->items = grown;
	}
	ctx->items[ctx->n].part = p;
	ctx->items[ctx->n].how = how;
	ctx->items[ctx->n].depth = depth;
	ctx->n++;
}

static void
walk(struct select_ctx *ctx, const struct mime_part *p, unsigned depth)
{
	size_t	 i;

	if (strcmp(p->type, "multipart") == 0) {
		if (p->children == NULL) {
			add(ctx, p, MIME_SHOW_ATTACHMENT, depth);
			return;
		}
		for (i = 0; i < sizeof multiparts / sizeof multiparts[0]; i++) {
			if (strcmp(p->subtype, multiparts[i].subtype) == 0) {
				multiparts[i].fn(ctx, p, depth);
				return;
			}
		}
		sel_mixed(ctx, p, depth);	/* mixed, digest, unknown */
		return;
	}
	if (mime_part_is_message(p) && (p->disposition == NULL ||
	    strcmp(p->disposition, "attachment") != 0)) {
		add(ctx, p, MIME_SHOW_HEADERS, depth);
		walk(ctx, p->children, depth + 1);
		return;
	}
	if (strcmp(p->type, "text") == 0 && (p->disposition == NULL ||
	    strcmp(p->disposition, "attachment") != 0))
		add(ctx, p, MIME_SHOW_INLINE, depth);
	else
		add(ctx, p, MIME_SHOW_ATTACHMENT, depth);
}

static void
sel_mixed(struct select_ctx *ctx, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*c;

	for (c = p->children; c != NULL; c = c->next)
		walk(ctx, c, depth);
}

/* "text/plain", "text/ *" or "text"; a related part counts as its root. */
static bool
matches(const struct mime_part *p, const char *want)
{
	const char	*slash = strchr(want, '/');
	size_t		 tlen = slash ? (size_t)(slash - want) : strlen(want);

	if (mime_part_is(p, "multipart", "related") &&
	    (p = related_root(p)) == NULL)
		return false;
	if (strlen(p->type) != tlen || strncmp(p->type, want, tlen) != 0)
		return false;
	return slash == NULL || strcmp(slash + 1, "*") == 0 ||
	    strcmp(slash + 1, p->subtype) == 0;
}

static void
sel_alternative(struct select_ctx *ctx, const struct mime_part *p,
    unsigned depth)
{
	const struct mime_part	*c, *pick = NULL;
	size_t			 i;

	/* The last matching alternative is the sender's preferred one. */
	for (i = 0; ctx->order[i] != NULL && pick == NULL; i++) {
		for (c = p->children; c != NULL; c = c->next) {
			if (matches(c, ctx->order[i]))
				pick = c;
		}
	}
	walk(ctx, pick != NULL ? pick : p->children, depth);
}

static const struct mime_part *
related_root(const struct mime_part *p)
{
	const struct mime_part	*c;
	const char		*start;
	size_t			 slen;

	start = mime_param_get(p->params, p->nparams, "start");
	if (start != NULL) {
		if (*start == '<')
			start++;
		slen = strcspn(start, ">");
		for (c = p->children; c != NULL; c = c->next) {
			const char *id = c->id;
			if (id == NULL)
				continue;
			if (*id == '<')
				id++;
			if (strncmp(id, start, slen) == 0 &&
			    (id[slen] == '>' || id[slen] == '\0'))
				return c;
		}
	}
	return p->children;
}

static void
sel_related(struct select_ctx *ctx, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*root = related_root(p), *c;

	walk(ctx, root, depth);
	for (c = p->children; c != NULL; c = c->next) {
		if (c != root)
			add(ctx, c, MIME_SHOW_ATTACHMENT, depth);
	}
}

static void
sel_signed(struct select_ctx *ctx, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*c;

	walk(ctx, p->children, depth);
	for (c = p->children->next; c != NULL; c = c->next)
		add(ctx, c, MIME_SHOW_ATTACHMENT, depth);
}

/* Nothing in it is readable without decrypting: list both parts. */
static void
sel_encrypted(struct select_ctx *ctx, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*c;

	for (c = p->children; c != NULL; c = c->next)
		add(ctx, c, MIME_SHOW_ATTACHMENT, depth);
}
