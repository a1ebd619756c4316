/* Option values: type checking, set/unset/toggle/reset, typed getters. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config_colors.h"
#include "crispin/config.h"
#include "crispin/config_keymap.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static int parse_bool(const char *, bool *);
static int normalize_number(const struct config_option *, const char *, char **, char **);
static int normalize_enum(const struct config_option *, const char *, char **, char **);
static int normalize_quad(const struct config_option *, const char *, char **, char **);
static const struct config_account *selected_account(const struct config *);
static char *default_value(const struct config_option *);
static void store(struct config_scope *, size_t, char *);

static const char *const quad_names[] = {
	[CONFIG_QUAD_NO] = "no",
	[CONFIG_QUAD_YES] = "yes",
	[CONFIG_QUAD_ASK_NO] = "ask-no",
	[CONFIG_QUAD_ASK_YES] = "ask-yes",
};

size_t
config_noptions(void)
{
	size_t	n;

	config_options(&n);
	return n;
}

const struct config_option *
config_option_find(const char *name)
{
	const struct config_option	*opts;
	size_t				 n, i;

	opts = config_options(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	}
	return NULL;
}

int
config_option_index(const char *name, char **error_r)
{
	const struct config_option	*opts, *opt;
	size_t				 n;

	opts = config_options(&n);
	if ((opt = config_option_find(name)) == NULL) {
		if (error_r != NULL)
			*error_r = config_unknown_option(name);
		return -1;
	}
	return (int)(opt - opts);
}

/* The default in normalized form (paths expanded), malloc'd or NULL. */
static char *
default_value(const struct config_option *opt)
{
	if (opt->default_value == NULL)
		return NULL;
	if (opt->type == CONFIG_PATH)
		return config_expand_home(opt->default_value);
	return xstrdup(opt->default_value);
}

struct config *
config_new(void)
{
	const struct config_option	*opts;
	struct config			*cfg;
	size_t				 n, i;

	opts = config_options(&n);
	cfg = xcalloc(1, sizeof *cfg);
	cfg->values = xcalloc(n, sizeof *cfg->values);
	for (i = 0; i < n; i++)
		cfg->values[i] = default_value(&opts[i]);
	cfg->selected = -1;
	cfg->keymap = keymap_new();
	cfg->colors = colors_new();
	/* mutt's sample rc: show the fields people read, hide the rest. */
	strlist_add(&cfg->ignore, "*");
	strlist_add(&cfg->unignore, "from");
	strlist_add(&cfg->unignore, "to");
	strlist_add(&cfg->unignore, "cc");
	strlist_add(&cfg->unignore, "date");
	strlist_add(&cfg->unignore, "subject");
	return cfg;
}

void
config_free(struct config **cfgp)
{
	struct config	*cfg = *cfgp;
	size_t		 i, n = config_noptions();

	if (cfg == NULL)
		return;
	for (i = 0; i < n; i++)
		x_free_secret(&cfg->values[i]);
	free(cfg->values);
	config_accounts_free(cfg);
	strlist_clear(&cfg->mailboxes);
	strlist_clear(&cfg->ignore);
	strlist_clear(&cfg->unignore);
	strlist_clear(&cfg->scores);
	for (i = 0; i < cfg->naliases; i++) {
		free(cfg->aliases[i].key);
		free(cfg->aliases[i].value);
	}
	free(cfg->aliases);
	for (i = 0; i < cfg->nhooks; i++) {
		free(cfg->hooks[i].pattern);
		free(cfg->hooks[i].command);
	}
	free(cfg->hooks);
	keymap_free(&cfg->keymap);
	colors_free(&cfg->colors);
	free(cfg);
	*cfgp = NULL;
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	size_t			 i;

	for (i = 0; i < 4; i++) {
		if (str_ieq(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (str_ieq(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Levenshtein distance, for "did you mean". Names are short. */
unsigned
config_edit_distance(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i, j;
	unsigned	 row[64], prev, tmp, best;

	if (la >= 64 || lb >= 64)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
config_nearest(const char *name, const char *const *names, size_t n)
{
	unsigned	 d, best = UINT_MAX;
	const char	*guess = NULL;
	size_t		 i;

	for (i = 0; i < n; i++) {
		d = config_edit_distance(name, names[i]);
		if (d < best) {
			best = d;
			guess = names[i];
		}
	}
	/* Far-off guesses only confuse; allow more slack for long names. */
	if (guess != NULL && best <= 3 && best < strlen(name))
		return guess;
	return NULL;
}

char *
config_unknown_option(const char *name)
{
	const struct config_option	*opts;
	const char			**names, *guess;
	size_t				 n, i;
	char				*msg;

	opts = config_options(&n);
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = opts[i].name;
	guess = config_nearest(name, names, n);
	if (guess != NULL)
		msg = xasprintf("unknown option '%s' (did you mean '%s'?)", name, guess);
	else
		msg = xasprintf("unknown option '%s'", name);
	free(names);
	return msg;
}

static int
normalize_number(const struct config_option *opt, const char *value, char **out,
    char **error_r)
{
	long	 min = opt->min, max = opt->max, v;
	char	*end;

	if (min == 0 && max == 0)
		max = LONG_MAX;
	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno != 0 ||
	    !(value[0] == '-' || (value[0] >= '0' && value[0] <= '9'))) {
		*error_r = xasprintf("%s: '%s' is not a number", opt->name, value);
		return -1;
	}
	if (v < min || v > max) {
		*error_r = xasprintf("%s: %ld is out of range (%ld to %ld)",
		    opt->name, v, min, max);
		return -1;
	}
	*out = xasprintf("%ld", v);
	return 0;
}

static int
normalize_enum(const struct config_option *opt, const char *value, char **out,
    char **error_r)
{
	const char	*v = value, *guess;
	struct buf	 list = BUF_INIT;
	size_t		 i;

	if ((opt->flags & CONFIG_F_REVERSE) && str_has_prefix(v, "reverse-"))
		v += strlen("reverse-");
	for (i = 0; opt->values[i] != NULL; i++) {
		if (strcmp(opt->values[i], v) == 0) {
			*out = xstrdup(value);
			buf_free(&list);
			return 0;
		}
		buf_printf(&list, "%s%s", i > 0 ? ", " : "", opt->values[i]);
	}
	guess = config_nearest(v, opt->values, i);
	if (guess != NULL)
		*error_r = xasprintf("%s: '%s' is not one of %s (did you mean '%s%s'?)",
		    opt->name, value, buf_cstr(&list), v != value ? "reverse-" : "", guess);
	else
		*error_r = xasprintf("%s: '%s' is not one of %s%s", opt->name, value,
		    buf_cstr(&list),
		    (opt->flags & CONFIG_F_REVERSE) ? " (optionally with reverse-)" : "");
	buf_free(&list);
	return -1;
}

static int
normalize_quad(const struct config_option *opt, const char *value, char **out,
    char **error_r)
{
	bool	 b;
	size_t	 i;

	for (i = 0; i < sizeof quad_names / sizeof quad_names[0]; i++) {
		if (str_ieq(value, quad_names[i])) {
			*out = xstrdup(quad_names[i]);
			return 0;
		}
	}
	if (parse_bool(value, &b) == 0) {
		*out = xstrdup(b ? "yes" : "no");
		return 0;
	}
	*error_r = xasprintf("%s: '%s' is not yes, no, ask-yes or ask-no", opt->name, value);
	return -1;
}

int
config_normalize(const struct config_option *opt, const char *value, char **out,
    char **error_r)
{
	bool	b;

	switch (opt->type) {
	case CONFIG_BOOL:
		if (parse_bool(value, &b) < 0) {
			*error_r = xasprintf("%s: '%s' is not yes or no", opt->name, value);
			return -1;
		}
		*out = xstrdup(b ? "yes" : "no");
		return 0;
	case CONFIG_NUMBER:
		return normalize_number(opt, value, out, error_r);
	case CONFIG_ENUM:
		return normalize_enum(opt, value, out, error_r);
	case CONFIG_QUAD:
		return normalize_quad(opt, value, out, error_r);
	case CONFIG_PATH:
		*out = config_expand_home(value);
		return 0;
	case CONFIG_STRING:
	case CONFIG_SECRET:
	case CONFIG_FORMAT:
		break;
	}
	*out = xstrdup(value);
	return 0;
}

/* Takes ownership of v. */
static void
store(struct config_scope *sc, size_t idx, char *v)
{
	if (sc->account != NULL) {
		x_free_secret(&sc->account->values[idx]);
		sc->account->values[idx] = v;
		sc->account->set[idx] = true;
	} else {
		x_free_secret(&sc->cfg->values[idx]);
		sc->cfg->values[idx] = v;
	}
}

const char *
scope_get(const struct config_scope *sc, size_t idx)
{
	if (sc->account != NULL && sc->account->set[idx])
		return sc->account->values[idx];
	return sc->cfg->values[idx];
}

int
scope_set(struct config_scope *sc, const char *name, const char *value, char **error_r)
{
	const struct config_option	*opts;
	size_t				 n;
	char				*v;
	int				 idx;

	opts = config_options(&n);
	if ((idx = config_option_index(name, error_r)) < 0)
		return -1;
	if (config_normalize(&opts[idx], value, &v, error_r) < 0)
		return -1;
	store(sc, (size_t)idx, v);
	return 0;
}

int
scope_unset(struct config_scope *sc, const char *name, char **error_r)
{
	const struct config_option	*opts;
	size_t				 n;
	int				 idx;

	opts = config_options(&n);
	if ((idx = config_option_index(name, error_r)) < 0)
		return -1;
	switch (opts[idx].type) {
	case CONFIG_BOOL:
	case CONFIG_QUAD:
		store(sc, (size_t)idx, xstrdup("no"));
		return 0;
	case CONFIG_NUMBER:
	case CONFIG_ENUM:
		*error_r = xasprintf("%s cannot be unset (reset %s goes back to the default)",
		    name, name);
		return -1;
	default:
		store(sc, (size_t)idx, NULL);
		return 0;
	}
}

int
scope_toggle(struct config_scope *sc, const char *name, char **error_r)
{
	static const char *const flip[][2] = {
		{ "yes", "no" }, { "no", "yes" },
		{ "ask-yes", "ask-no" }, { "ask-no", "ask-yes" },
	};
	const struct config_option	*opts;
	const char			*cur;
	size_t				 n, i;
	int				 idx;

	opts = config_options(&n);
	if ((idx = config_option_index(name, error_r)) < 0)
		return -1;
	if (opts[idx].type != CONFIG_BOOL && opts[idx].type != CONFIG_QUAD) {
		*error_r = xasprintf("%s is not a yes/no option; only those can be toggled", name);
		return -1;
	}
	cur = scope_get(sc, (size_t)idx);
	for (i = 0; i < sizeof flip / sizeof flip[0]; i++) {
		if (cur != NULL && strcmp(cur, flip[i][0]) == 0) {
			store(sc, (size_t)idx, xstrdup(flip[i][1]));
			return 0;
		}
	}
	store(sc, (size_t)idx, xstrdup("yes"));
	return 0;
}

int
scope_reset(struct config_scope *sc, const char *name, char **error_r)
{
	const struct config_option	*opts;
	size_t				 n, i;
	int				 idx;

	opts = config_options(&n);
	if (strcmp(name, "all") == 0) {
		for (i = 0; i < n; i++)
			scope_reset(sc, opts[i].name, error_r);
		return 0;
	}
	if ((idx = config_option_index(name, error_r)) < 0)
		return -1;
	if (sc->account != NULL) {
		/* In an account, reset drops the override: the global value shows. */
		x_free_secret(&sc->account->values[idx]);
		sc->account->set[idx] = false;
		return 0;
	}
	store(sc, (size_t)idx, default_value(&opts[idx]));
	return 0;
}

int
config_set(struct config *cfg, const char *name, const char *value, char **error_r)
{
	struct config_scope	sc = { cfg, NULL };

	return scope_set(&sc, name, value, error_r);
}

int
config_unset(struct config *cfg, const char *name, char **error_r)
{
	struct config_scope	sc = { cfg, NULL };

	return scope_unset(&sc, name, error_r);
}

int
config_toggle(struct config *cfg, const char *name, char **error_r)
{
	struct config_scope	sc = { cfg, NULL };

	return scope_toggle(&sc, name, error_r);
}

int
config_reset(struct config *cfg, const char *name, char **error_r)
{
	struct config_scope	sc = { cfg, NULL };

	return scope_reset(&sc, name, error_r);
}

static const struct config_account *
selected_account(const struct config *cfg)
{
	if (cfg->selected >= 0)
		return &cfg->accounts[cfg->selected];
	return cfg->naccounts > 0 ? &cfg->accounts[0] : NULL;
}

const char *
config_str(const struct config *cfg, const char *name)
{
	const struct config_account	*a;
	int				 idx;

	idx = config_option_index(name, NULL);
	assert(idx >= 0 && "config_str: option not in the table");
	if ((a = selected_account(cfg)) != NULL && a->set[idx])
		return a->values[idx];
	return cfg->values[idx];
}

bool
config_bool(const struct config *cfg, const char *name)
{
	const char	*v = config_str(cfg, name);
	bool		 b = false;

	if (v != NULL)
		parse_bool(v, &b);
	return b;
}

long
config_num(const struct config *cfg, const char *name)
{
	const char	*v = config_str(cfg, name);

	return v == NULL ? 0 : strtol(v, NULL, 10);
}

enum config_quad
config_quad(const struct config *cfg, const char *name)
{
	const char	*v = config_str(cfg, name);
	size_t		 i;

	for (i = 0; v != NULL && i < sizeof quad_names / sizeof quad_names[0]; i++) {
		if (strcmp(v, quad_names[i]) == 0)
			return (enum config_quad)i;
	}
	return CONFIG_QUAD_NO;
}

const char *
config_account_name(const struct config *cfg)
{
	const struct config_account	*a = selected_account(cfg);

	return a == NULL ? NULL : a->name;
}

struct keymap *
config_keymap(const struct config *cfg)
{
	return cfg->keymap;
}

struct colors *
config_colors(const struct config *cfg)
{
	return cfg->colors;
}
