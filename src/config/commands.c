/*
 * The rc commands: one table row and one small function each. Options go
 * to the account being defined when inside `account ... end`.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static int cmd_set(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unset(struct rc_ctx *, struct rc_words *, char **);
static int cmd_toggle(struct rc_ctx *, struct rc_words *, char **);
static int cmd_reset(struct rc_ctx *, struct rc_words *, char **);
static int cmd_source(struct rc_ctx *, struct rc_words *, char **);
static int cmd_account(struct rc_ctx *, struct rc_words *, char **);
static int cmd_end(struct rc_ctx *, struct rc_words *, char **);
static int cmd_hook(struct rc_ctx *, struct rc_words *, char **);
static int cmd_mailboxes(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unmailboxes(struct rc_ctx *, struct rc_words *, char **);
static int cmd_subscribe_only(struct rc_ctx *, struct rc_words *, char **);
static int cmd_alias(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unalias(struct rc_ctx *, struct rc_words *, char **);
static int cmd_ignore(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unignore(struct rc_ctx *, struct rc_words *, char **);
static int cmd_alternative_order(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unalternative_order(struct rc_ctx *, struct rc_words *, char **);
static int cmd_score(struct rc_ctx *, struct rc_words *, char **);
static int cmd_unscore(struct rc_ctx *, struct rc_words *, char **);
static int need_args(struct rc_words *, size_t, size_t, const char *, char **);
static bool is_switch(const char *);
static char *header_name(const char *);

static const struct rc_command commands[] = {
	{ "account", cmd_account, 0, "account NAME: the options up to 'end' are this account's" },
	{ "alias", cmd_alias, 0, "alias KEY ADDRESS...: a short name for addresses" },
	{ "alternative_order", cmd_alternative_order, 0,
	  "alternative_order TYPE...: MIME types preferred in multipart/alternative" },
	{ "bind", rc_cmd_bind, 0, "bind MAP[,MAP...] KEY FUNCTION" },
	{ "color", rc_cmd_color, 0, "color OBJECT [ATTR...] FG BG [PATTERN]" },
	{ "end", cmd_end, 0, "end: closes an account block" },
	{ "folder-hook", cmd_hook, 0, "folder-hook PATTERN COMMAND: run COMMAND on entering a folder" },
	{ "ignore", cmd_ignore, 0, "ignore FIELD...: header fields the pager hides" },
	{ "macro", rc_cmd_macro, 0, "macro MAP[,MAP...] KEY SEQUENCE [DESCRIPTION]" },
	{ "mailboxes", cmd_mailboxes, 0, "mailboxes FOLDER...: folders to list and watch" },
	{ "reset", cmd_reset, 0, "reset NAME...|all: back to the default" },
	{ "score", cmd_score, 0, "score PATTERN VALUE: add VALUE (or =VALUE: set it) to matching messages' score" },
	{ "send-hook", cmd_hook, 0, "send-hook PATTERN COMMAND: run COMMAND when composing to PATTERN" },
	{ "set", cmd_set, RC_LEX_EQUALS, "set NAME = VALUE, set NAME, set noNAME, set invNAME" },
	{ "source", cmd_source, 0, "source FILE: read another rc file" },
	{ "subscribe-only", cmd_subscribe_only, 0, "subscribe-only: list subscribed folders only" },
	{ "toggle", cmd_toggle, 0, "toggle NAME...: flip yes/no options" },
	{ "unalias", cmd_unalias, 0, "unalias KEY...|*" },
	{ "unalternative_order", cmd_unalternative_order, 0, "unalternative_order TYPE...|*" },
	{ "unbind", rc_cmd_unbind, 0, "unbind MAP[,MAP...]|* [KEY]" },
	{ "uncolor", rc_cmd_uncolor, 0, "uncolor OBJECT [PATTERN...|*], uncolor *" },
	{ "unignore", cmd_unignore, 0, "unignore FIELD...|*: show header fields again" },
	{ "unmacro", rc_cmd_unbind, 0, "unmacro MAP[,MAP...]|* [KEY]" },
	{ "unmailboxes", cmd_unmailboxes, 0, "unmailboxes FOLDER...|*" },
	{ "unscore", cmd_unscore, 0, "unscore PATTERN...|*: forget score rules" },
	{ "unset", cmd_unset, 0, "unset NAME...: unset a string, no for yes/no options" },
};

const struct rc_command *
rc_commands(size_t *count)
{
	*count = sizeof commands / sizeof commands[0];
	return commands;
}

const char *
config_command_at(size_t i, const char **help_r)
{
	if (i >= sizeof commands / sizeof commands[0])
		return NULL;
	if (help_r != NULL)
		*help_r = commands[i].help;
	return commands[i].name;
}

const struct rc_command *
rc_command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

/* Between min and max words after the command name (max 0: no limit). */
static int
need_args(struct rc_words *w, size_t min, size_t max, const char *usage, char **error_r)
{
	if (w->n - 1 < min || (max > 0 && w->n - 1 > max)) {
		*error_r = xasprintf("%s: usage: %s", w->w[0].text, usage);
		return -1;
	}
	return 0;
}

static bool
is_switch(const char *name)
{
	const struct config_option	*opt = config_option_find(name);

	return opt != NULL && (opt->type == CONFIG_BOOL || opt->type == CONFIG_QUAD);
}

/* set NAME = VALUE [NAME = VALUE ...], set NAME, set noNAME, set invNAME */
static int
cmd_set(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	 sc = { ctx->cfg, ctx->account };
	const char		*name;
	size_t			 i = 1, len;

	if (w->n < 2) {
		*error_r = xstrdup("set: missing option name");
		return -1;
	}
	while (i < w->n) {
		name = w->w[i].text;
		if (w->w[i].op) {
			*error_r = xstrdup("set: '=' without an option name");
			return -1;
		}
		if (i + 1 < w->n && w->w[i + 1].op) {
			if (i + 2 >= w->n || w->w[i + 2].op) {
				*error_r = xasprintf("set: %s: missing value after '='", name);
				return -1;
			}
			if (scope_set(&sc, name, w->w[i + 2].text, error_r) < 0)
				return -1;
			i += 3;
			continue;
		}
		len = strlen(name);
		if ((len > 1 && name[len - 1] == '?') || (len > 1 && name[0] == '?')) {
			/* A query; the interactive command line shows the answer. */
			i++;
			continue;
		}
		if (is_switch(name)) {
			if (scope_set(&sc, name, "yes", error_r) < 0)
				return -1;
		} else if (str_has_prefix(name, "no") && is_switch(name + 2)) {
			if (scope_set(&sc, name + 2, "no", error_r) < 0)
				return -1;
		} else if (str_has_prefix(name, "inv") && is_switch(name + 3)) {
			if (scope_toggle(&sc, name + 3, error_r) < 0)
				return -1;
		} else if (config_option_find(name) != NULL) {
			*error_r = xasprintf("set: %s needs a value (set %s = ...)", name, name);
			return -1;
		} else {
			*error_r = config_unknown_option(name);
			return -1;
		}
		i++;
	}
	return 0;
}

static int
cmd_unset(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	sc = { ctx->cfg, ctx->account };
	size_t			i;

	if (need_args(w, 1, 0, "unset NAME...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (scope_unset(&sc, w->w[i].text, error_r) < 0)
			return -1;
	}
	return 0;
}

static int
cmd_toggle(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	sc = { ctx->cfg, ctx->account };
	size_t			i;

	if (need_args(w, 1, 0, "toggle NAME...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (scope_toggle(&sc, w->w[i].text, error_r) < 0)
			return -1;
	}
	return 0;
}

static int
cmd_reset(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	sc = { ctx->cfg, ctx->account };
	size_t			i;

	if (need_args(w, 1, 0, "reset NAME...|all", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (scope_reset(&sc, w->w[i].text, error_r) < 0)
			return -1;
	}
	return 0;
}

static int
cmd_source(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	size_t	i;

	if (need_args(w, 1, 0, "source FILE...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (rc_source(ctx, w->w[i].text, error_r) < 0)
			return -1;
	}
	return 0;
}

static int
cmd_account(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	const char	*name;

	if (need_args(w, 1, 1, "account NAME", error_r) < 0)
		return -1;
	name = w->w[1].text;
	if (ctx->account != NULL) {
		*error_r = xasprintf("account '%s' inside account '%s' (missing 'end'?)",
		    name, ctx->account->name);
		return -1;
	}
	if (*name == '\0' || strcspn(name, " \t\"'`$#;\\") != strlen(name)) {
		*error_r = xasprintf("account name '%s' must be a single plain word", name);
		return -1;
	}
	ctx->account = config_account_get(ctx->cfg, name);
	ctx->account_line = ctx->line;
	return 0;
}

static int
cmd_end(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	if (need_args(w, 0, 0, "end", error_r) < 0)
		return -1;
	if (w->n > 1) {
		*error_r = xstrdup("end: usage: end");
		return -1;
	}
	if (ctx->account == NULL) {
		*error_r = xstrdup("'end' without 'account'");
		return -1;
	}
	if (ctx->parent != NULL && ctx->parent->account == ctx->account) {
		*error_r = xasprintf("'end' of account '%s', which another file opened",
		    ctx->account->name);
		return -1;
	}
	ctx->account = NULL;
	return 0;
}

static int
cmd_hook(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config		*cfg = ctx->cfg;
	struct config_hook	*h;
	const char		*cmd;
	char			*first;
	size_t			 n;

	if (need_args(w, 2, 2, "HOOK PATTERN COMMAND (quote the command)", error_r) < 0)
		return -1;
	cmd = w->w[2].text;
	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t;");
	first = xstrndup(cmd, n);
	if (rc_command_find(first) == NULL) {
		*error_r = xasprintf("%s: '%s' is not an rc command", w->w[0].text, first);
		free(first);
		return -1;
	}
	free(first);
	cfg->hooks = xreallocarray(cfg->hooks, cfg->nhooks + 1, sizeof *cfg->hooks);
	h = &cfg->hooks[cfg->nhooks++];
	h->type = strcmp(w->w[0].text, "send-hook") == 0 ?
	    CONFIG_HOOK_SEND : CONFIG_HOOK_FOLDER;
	h->pattern = xstrdup(w->w[1].text);
	h->command = xstrdup(w->w[2].text);
	return 0;
}

/* Inside an account block the account gets a list of its own. */
static int
cmd_mailboxes(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct strlist	*l = ctx->account != NULL ?
	    &ctx->account->mailboxes : &ctx->cfg->mailboxes;
	size_t		 i;

	if (need_args(w, 1, 0, "mailboxes FOLDER...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (!strlist_has(l, w->w[i].text, false))
			strlist_add(l, w->w[i].text);
	}
	return 0;
}

static int
cmd_unmailboxes(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct strlist	*l = ctx->account != NULL ?
	    &ctx->account->mailboxes : &ctx->cfg->mailboxes;
	size_t		 i;

	if (need_args(w, 1, 0, "unmailboxes FOLDER...|*", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (strcmp(w->w[i].text, "*") == 0)
			strlist_clear(l);
		else
			strlist_remove(l, w->w[i].text, false);
	}
	return 0;
}

static int
cmd_subscribe_only(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	sc = { ctx->cfg, ctx->account };

	if (need_args(w, 0, 0, "subscribe-only", error_r) < 0)
		return -1;
	if (w->n > 1) {
		*error_r = xstrdup("subscribe-only: usage: subscribe-only");
		return -1;
	}
	return scope_set(&sc, "subscribe_only", "yes", error_r);
}

static int
cmd_alias(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config	*cfg = ctx->cfg;
	struct buf	 addr = BUF_INIT;
	size_t		 i;

	if (need_args(w, 2, 0, "alias KEY ADDRESS...", error_r) < 0)
		return -1;
	for (i = 2; i < w->n; i++)
		buf_printf(&addr, "%s%s", i > 2 ? " " : "", w->w[i].text);
	for (i = 0; i < cfg->naliases; i++) {
		if (strcmp(cfg->aliases[i].key, w->w[1].text) == 0) {
			free(cfg->aliases[i].value);
			cfg->aliases[i].value = buf_steal(&addr);
			return 0;
		}
	}
	cfg->aliases = xreallocarray(cfg->aliases, cfg->naliases + 1, sizeof *cfg->aliases);
	cfg->aliases[cfg->naliases].key = xstrdup(w->w[1].text);
	cfg->aliases[cfg->naliases].value = buf_steal(&addr);
	cfg->naliases++;
	return 0;
}

static int
cmd_unalias(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config	*cfg = ctx->cfg;
	size_t		 i, j;
	bool		 all;

	if (need_args(w, 1, 0, "unalias KEY...|*", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		all = strcmp(w->w[i].text, "*") == 0;
		for (j = 0; j < cfg->naliases;) {
			if (all || strcmp(cfg->aliases[j].key, w->w[i].text) == 0) {
				free(cfg->aliases[j].key);
				free(cfg->aliases[j].value);
				memmove(&cfg->aliases[j], &cfg->aliases[j + 1],
				    (cfg->naliases - j - 1) * sizeof *cfg->aliases);
				cfg->naliases--;
			} else
				j++;
		}
	}
	return 0;
}

/* "Subject:" and "subject" name the same field. */
static char *
header_name(const char *s)
{
	size_t	n = strlen(s), i;
	char	*h;

	if (n > 1 && s[n - 1] == ':')
		n--;
	h = xstrndup(s, n);
	for (i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	return h;
}

static int
cmd_ignore(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	size_t	 i;
	char	*h;

	if (need_args(w, 1, 0, "ignore FIELD...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		h = header_name(w->w[i].text);
		strlist_remove(&ctx->cfg->unignore, h, true);
		if (!strlist_has(&ctx->cfg->ignore, h, true))
			strlist_add(&ctx->cfg->ignore, h);
		free(h);
	}
	return 0;
}

static int
cmd_unignore(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	size_t	 i;
	char	*h;

	if (need_args(w, 1, 0, "unignore FIELD...|*", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++) {
		if (strcmp(w->w[i].text, "*") == 0) {
			strlist_clear(&ctx->cfg->ignore);
			strlist_clear(&ctx->cfg->unignore);
			continue;
		}
		h = header_name(w->w[i].text);
		strlist_remove(&ctx->cfg->ignore, h, true);
		if (!strlist_has(&ctx->cfg->unignore, h, true))
			strlist_add(&ctx->cfg->unignore, h);
		free(h);
	}
	return 0;
}

/* Replaces the alternative_order option, as one mutt line would. */
static int
cmd_alternative_order(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	 sc = { ctx->cfg, ctx->account };
	struct buf		 list = BUF_INIT;
	size_t			 i;
	int			 r;

	if (need_args(w, 1, 0, "alternative_order TYPE...", error_r) < 0)
		return -1;
	for (i = 1; i < w->n; i++)
		buf_printf(&list, "%s%s", i > 1 ? " " : "", w->w[i].text);
	r = scope_set(&sc, "alternative_order", buf_cstr(&list), error_r);
	buf_free(&list);
	return r;
}

static int
cmd_unalternative_order(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct config_scope	 sc = { ctx->cfg, ctx->account };
	struct buf		 list = BUF_INIT;
	const char		*cur, *p;
	size_t			 i, n;
	bool			 drop;
	int			 idx, r;

	if (need_args(w, 1, 0, "unalternative_order TYPE...|*", error_r) < 0)
		return -1;
	idx = config_option_index("alternative_order", NULL);
	cur = scope_get(&sc, (size_t)idx);
	for (p = cur == NULL ? "" : cur; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		for (drop = false, i = 1; i < w->n; i++) {
			if (strcmp(w->w[i].text, "*") == 0 ||
			    (strlen(w->w[i].text) == n && strncasecmp(p, w->w[i].text, n) == 0))
				drop = true;
		}
		if (!drop)
			buf_printf(&list, "%s%.*s", list.len > 0 ? " " : "", (int)n, p);
	}
	if (list.len == 0)
		r = scope_unset(&sc, "alternative_order", error_r);
	else
		r = scope_set(&sc, "alternative_order", buf_cstr(&list), error_r);
	buf_free(&list);
	return r;
}

const char *const *
config_mailboxes(const struct config *cfg, size_t *count)
{
	const char	*name = config_account_name(cfg);
	size_t		 i;

	for (i = 0; name != NULL && i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0 &&
		    cfg->accounts[i].mailboxes.n > 0) {
			*count = cfg->accounts[i].mailboxes.n;
			return (const char *const *)cfg->accounts[i].mailboxes.v;
		}
	}
	*count = cfg->mailboxes.n;
	return (const char *const *)cfg->mailboxes.v;
}

const char *
config_alias(const struct config *cfg, const char *key)
{
	size_t	i;

	for (i = 0; i < cfg->naliases; i++) {
		if (strcmp(cfg->aliases[i].key, key) == 0)
			return cfg->aliases[i].value;
	}
	return NULL;
}

const char *
config_alias_at(const struct config *cfg, size_t i, const char **value_r)
{
	if (i >= cfg->naliases)
		return NULL;
	*value_r = cfg->aliases[i].value;
	return cfg->aliases[i].key;
}

bool
config_header_ignored(const struct config *cfg, const char *field)
{
	size_t	i;
	bool	ignored = false;

	for (i = 0; i < cfg->ignore.n && !ignored; i++) {
		if (strcmp(cfg->ignore.v[i], "*") == 0 ||
		    str_has_iprefix(field, cfg->ignore.v[i]))
			ignored = true;
	}
	for (i = 0; i < cfg->unignore.n && ignored; i++) {
		if (strcmp(cfg->unignore.v[i], "*") == 0 ||
		    str_has_iprefix(field, cfg->unignore.v[i]))
			ignored = false;
	}
	return ignored;
}

const struct config_hook *
config_hooks(const struct config *cfg, size_t *count)
{
	*count = cfg->nhooks;
	return cfg->hooks;
}

/* mutt's scores: the rules are kept as "VALUE PATTERN", in order. */
static int
cmd_score(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	const char	*v;
	char		*rule;
	size_t		 i;

	if (need_args(w, 2, 2, "score PATTERN VALUE", error_r) < 0)
		return -1;
	v = w->w[2].text;
	i = *v == '=' ? 1 : 0;
	if (v[i] == '+' || v[i] == '-')
		i++;
	if (v[i] == '\0' || strspn(v + i, "0123456789") != strlen(v + i) ||
	    strlen(v + i) > 6) {
		*error_r = xasprintf("bad score value '%s' (a number: 10, -5, or "
		    "=100 to set the score and stop)", v);
		return -1;
	}
	if (*w->w[1].text == '\0') {
		*error_r = xstrdup("score needs a pattern");
		return -1;
	}
	rule = xasprintf("%s %s", v, w->w[1].text);
	/* The same pattern again replaces its value, as in mutt. */
	for (i = 0; i < ctx->cfg->scores.n; i++) {
		if (strcmp(strchr(ctx->cfg->scores.v[i], ' ') + 1, w->w[1].text) == 0) {
			free(ctx->cfg->scores.v[i]);
			ctx->cfg->scores.v[i] = rule;
			return 0;
		}
	}
	strlist_add(&ctx->cfg->scores, rule);
	free(rule);
	return 0;
}

static int
cmd_unscore(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct strlist	*l = &ctx->cfg->scores;
	size_t		 i, k, j;

	if (need_args(w, 1, 0, "unscore PATTERN...|*", error_r) < 0)
		return -1;
	for (j = 1; j < w->n; j++) {
		if (strcmp(w->w[j].text, "*") == 0) {
			strlist_clear(l);
			continue;
		}
		for (i = k = 0; i < l->n; i++) {
			if (strcmp(strchr(l->v[i], ' ') + 1, w->w[j].text) == 0)
				free(l->v[i]);
			else
				l->v[k++] = l->v[i];
		}
		l->n = k;
	}
	return 0;
}

const char *const *
config_scores(const struct config *cfg, size_t *count)
{
	*count = cfg->scores.n;
	return (const char *const *)cfg->scores.v;
}
