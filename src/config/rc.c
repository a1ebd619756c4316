/*
 * The rc reader: lines, continuations, commands dispatched through the
 * table in commands.c, `source` with loop detection, and the files read at
 * startup. A bad command is reported as FILE:LINE and the rest still runs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define RC_MAX_DEPTH	16	/* nested source */

static int read_file(const char *, struct buf *, char **);
static void rc_exec(struct rc_ctx *, const char *, unsigned);
static int rc_exec_one(struct rc_ctx *, const char **, char **);
static char *unknown_command(const char *);

static char *
unknown_command(const char *name)
{
	const struct rc_command	*cmds;
	const char		**names, *guess;
	size_t			 n, i;
	char			*msg;

	cmds = rc_commands(&n);
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = cmds[i].name;
	guess = config_nearest(name, names, n);
	if (guess != NULL)
		msg = xasprintf("unknown command '%s' (did you mean '%s'?)", name, guess);
	else
		msg = xasprintf("unknown command '%s'", name);
	free(names);
	return msg;
}

/* One command from *sp: 0 when done (or empty), -1 with *error_r. */
static int
rc_exec_one(struct rc_ctx *ctx, const char **sp, char **error_r)
{
	const struct rc_command	*cmd;
	struct rc_words		 words = { NULL, 0, 0 };
	struct rc_word		 w;
	int			 r;

	/* A comment line, even one that looks like a #rrggbb colour. */
	*sp += strspn(*sp, " \t");
	if (**sp == '#') {
		*sp += strlen(*sp);
		return 0;
	}
	if ((r = rc_lex_word(sp, 0, &w, error_r)) <= 0)
		return r;
	if ((cmd = rc_command_find(w.text)) == NULL) {
		*error_r = unknown_command(w.text);
		free(w.text);
		return -1;
	}
	do {
		if (words.n == words.cap) {
			words.cap = words.cap == 0 ? 8 : words.cap * 2;
			words.w = xreallocarray(words.w, words.cap, sizeof *words.w);
		}
		words.w[words.n++] = w;
	} while ((r = rc_lex_word(sp, cmd->lex, &w, error_r)) > 0);
	if (r == 0)
		r = cmd->fn(ctx, &words, error_r);
	rc_words_free(&words);
	return r;
}

/* One logical line; an error abandons the rest of it. */
static void
rc_exec(struct rc_ctx *ctx, const char *line, unsigned lineno)
{
	const char	*p = line;
	char		*error = NULL;

	ctx->line = lineno;
	while (*p != '\0') {
		if (rc_exec_one(ctx, &p, &error) < 0) {
			buf_printf(ctx->errors, "%s:%u: %s\n", ctx->file, lineno,
			    error != NULL ? error : "error");
			x_free(&error);
			ctx->bad++;
			return;
		}
	}
}

int
rc_run(struct rc_ctx *ctx, const char *text)
{
	struct buf	 logical = BUF_INIT;
	const char	*p = text, *eol;
	unsigned	 lineno = 0, start_line = 0;
	size_t		 len, nbs;
	struct config_account *outer = ctx->account;

	while (*p != '\0') {
		eol = strchr(p, '\n');
		len = eol == NULL ? strlen(p) : (size_t)(eol - p);
		lineno++;
		if (logical.len == 0)
			start_line = lineno;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		for (nbs = 0; nbs < len && p[len - 1 - nbs] == '\\'; nbs++)
			;
		/* An odd number of backslashes at the end joins the next line. */
		if (nbs % 2 == 1) {
			buf_add(&logical, p, len - 1);
			p = eol == NULL ? p + strlen(p) : eol + 1;
			if (*p != '\0')
				continue;
		} else
			buf_add(&logical, p, len);
		p = eol == NULL ? p + strlen(p) : eol + 1;
		rc_exec(ctx, buf_cstr(&logical), start_line);
		buf_free_secret(&logical);
	}
	buf_free_secret(&logical);
	if (ctx->account != outer) {
		buf_printf(ctx->errors, "%s:%u: account '%s' has no 'end'\n",
		    ctx->file, ctx->account_line, ctx->account->name);
		ctx->bad++;
		ctx->account = outer;
	}
	return ctx->bad;
}

int
config_load_string(struct config *cfg, const char *name, const char *text,
    struct buf *errors)
{
	struct rc_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.file = name;
	ctx.errors = errors;
	return rc_run(&ctx, text);
}

static int
read_file(const char *path, struct buf *text, char **error_r)
{
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(text, chunk, n);
	if (ferror(fp)) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	if (memchr(buf_cstr(text), '\0', text->len) != NULL) {
		*error_r = xasprintf("%s: binary data (NUL byte) in an rc file", path);
		return -1;
	}
	return 0;
}

int
config_load_file(struct config *cfg, const char *path, struct buf *errors)
{
	struct buf	 text = BUF_INIT;
	struct rc_ctx	 ctx;
	char		*error = NULL, *real;
	int		 bad;

	if (read_file(path, &text, &error) < 0) {
		buf_printf(errors, "%s\n", error);
		free(error);
		buf_free_secret(&text);
		return -1;
	}
	real = realpath(path, NULL);
	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.file = path;
	ctx.real = real;
	ctx.errors = errors;
	bad = rc_run(&ctx, buf_cstr(&text));
	buf_free_secret(&text);
	free(real);
	return bad;
}

int
config_load_system(struct config *cfg, struct buf *errors)
{
	const char	*path = getenv("CRISPIN_SYSTEM_RC");

	if (path == NULL || *path == '\0')
		path = SYSCONFDIR "/crispinrc";
	if (access(path, F_OK) != 0)
		return 0;
	return config_load_file(cfg, path, errors);
}

/* source FILE: relative names are taken from the sourcing file's folder. */
int
rc_source(struct rc_ctx *ctx, const char *name, char **error_r)
{
	struct buf	 text = BUF_INIT, chain = BUF_INIT;
	struct rc_ctx	 child, *c;
	const char	*slash;
	char		*path, *real;
	unsigned	 depth = 0;

	path = config_expand_home(name);
	if (path[0] != '/' && (slash = strrchr(ctx->file, '/')) != NULL) {
		char *rel = path;

		path = xasprintf("%.*s/%s", (int)(slash - ctx->file), ctx->file, rel);
		free(rel);
	}
	if ((real = realpath(path, NULL)) == NULL) {
		*error_r = xasprintf("source: %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	for (c = ctx; c != NULL; c = c->parent, depth++) {
		if (c->real != NULL && strcmp(c->real, real) == 0) {
			struct rc_ctx *d;

			/* Name the chain from the outermost file, as it was read. */
			buf_printf(&chain, "%s", path);
			for (d = ctx; d != NULL; d = d->parent) {
				char *tmp = xasprintf("%s -> %s", d->file, buf_cstr(&chain));

				buf_reset(&chain);
				buf_adds(&chain, tmp);
				free(tmp);
				if (d == c)
					break;
			}
			*error_r = xasprintf("source loop: %s", buf_cstr(&chain));
			goto fail;
		}
	}
	if (depth >= RC_MAX_DEPTH) {
		*error_r = xasprintf("source: %s: files nested more than %d deep",
		    path, RC_MAX_DEPTH);
		goto fail;
	}
	if (read_file(path, &text, error_r) < 0) {
		char *tmp = *error_r;

		*error_r = xasprintf("source: %s", tmp);
		free(tmp);
		goto fail;
	}
	memset(&child, 0, sizeof child);
	child.cfg = ctx->cfg;
	child.file = path;
	child.real = real;
	child.parent = ctx;
	child.account = ctx->account;
	child.account_line = ctx->account_line;
	child.errors = ctx->errors;
	rc_run(&child, buf_cstr(&text));
	ctx->bad += child.bad;
	buf_free_secret(&text);
	buf_free(&chain);
	free(real);
	free(path);
	return 0;
fail:
	buf_free_secret(&text);
	buf_free(&chain);
	free(real);
	free(path);
	return -1;
}

char *
config_default_path(void)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char		*path;

	if (xdg != NULL && *xdg != '\0')
		path = xasprintf("%s/crispin/crispinrc", xdg);
	else if (home != NULL)
		path = xasprintf("%s/.config/crispin/crispinrc", home);
	else
		return NULL;
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	if (home == NULL)
		return NULL;
	path = xasprintf("%s/.crispinrc", home);
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	return NULL;
}
