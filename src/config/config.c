/* The option table and typed option values. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static const struct config_option options[] = {
	{ .name = "allow_plaintext", .type = CONFIG_BOOL, .default_value = "no",
	  .help = "send credentials over a connection without TLS" },
	{ .name = "connect_timeout", .type = CONFIG_NUMBER, .default_value = "30",
	  .help = "seconds to wait for a connection and its TLS handshake" },
	{ .name = "imap_authenticators", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "colon-separated SASL mechanisms to try, in order (imap-login: the LOGIN command)" },
	{ .name = "imap_oauth_cmd", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "command printing an OAuth 2 access token (OAUTHBEARER, XOAUTH2)" },
	{ .name = "imap_pass", .type = CONFIG_SECRET, .default_value = NULL,
	  .help = "IMAP password (imap_pass_cmd is preferred)" },
	{ .name = "imap_pass_cmd", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "command whose first output line is the IMAP password" },
	{ .name = "imap_url", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "the IMAP server: imaps://user@host[:port]/ or imap://user@host[:port]/" },
	{ .name = "imap_user", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "IMAP user name, when imap_url has none" },
	{ .name = "tls", .type = CONFIG_BOOL, .default_value = "yes",
	  .help = "require STARTTLS for imap:// URLs" },
	{ .name = "tls_ca_file", .type = CONFIG_PATH, .default_value = NULL,
	  .help = "extra trusted CA certificates (PEM) besides the system store" },
	{ .name = "tls_fingerprint", .type = CONFIG_STRING, .default_value = NULL,
	  .help = "SHA-256 fingerprint the server certificate must have" },
};
#define NOPTIONS (sizeof options / sizeof options[0])

struct config {
	char	*values[NOPTIONS];	/* owned; NULL when unset */
};

static const struct config_option *option_find(const char *, size_t *);
static int parse_bool(const char *, bool *);
static char *expand_home(const char *);
static unsigned edit_distance(const char *, const char *);

const struct config_option *
config_options(size_t *count)
{
	*count = NOPTIONS;
	return options;
}

static const struct config_option *
option_find(const char *name, size_t *idx)
{
	size_t	i;

	for (i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].name, name) == 0) {
			*idx = i;
			return &options[i];
		}
	}
	return NULL;
}

struct config *
config_new(void)
{
	struct config	*cfg;
	size_t		 i;

	cfg = xcalloc(1, sizeof *cfg);
	for (i = 0; i < NOPTIONS; i++) {
		if (options[i].default_value != NULL)
			cfg->values[i] = xstrdup(options[i].default_value);
	}
	return cfg;
}

void
config_free(struct config **cfgp)
{
	struct config	*cfg = *cfgp;
	size_t		 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NOPTIONS; i++)
		x_free_secret(&cfg->values[i]);
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

static char *
expand_home(const char *s)
{
	const char	*home;

	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0') &&
	    (home = getenv("HOME")) != NULL)
		return xasprintf("%s%s", home, s + 1);
	return xstrdup(s);
}

/* Levenshtein distance, for "did you mean". Names are short. */
static unsigned
edit_distance(const char *a, const char *b)
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

char *
config_unknown_option(const char *name)
{
	unsigned	 d, best = UINT_MAX;
	const char	*guess = NULL;
	size_t		 i;

	for (i = 0; i < NOPTIONS; i++) {
		d = edit_distance(name, options[i].name);
		if (d < best) {
			best = d;
			guess = options[i].name;
		}
	}
	if (guess != NULL && best <= 3)
		return xasprintf("unknown option '%s' (did you mean '%s'?)", name, guess);
	return xasprintf("unknown option '%s'", name);
}

int
config_set(struct config *cfg, const char *name, const char *value, char **error_r)
{
	const struct config_option	*opt;
	size_t				 idx;
	bool				 b;
	uint64_t			 n;

	if ((opt = option_find(name, &idx)) == NULL) {
		*error_r = config_unknown_option(name);
		return -1;
	}
	switch (opt->type) {
	case CONFIG_BOOL:
		if (parse_bool(value, &b) < 0) {
			*error_r = xasprintf("%s: '%s' is not yes or no", name, value);
			return -1;
		}
		x_free(&cfg->values[idx]);
		cfg->values[idx] = xstrdup(b ? "yes" : "no");
		return 0;
	case CONFIG_NUMBER:
		if (str_to_u64(value, strlen(value), LONG_MAX, &n) < 0) {
			*error_r = xasprintf("%s: '%s' is not a number", name, value);
			return -1;
		}
		break;
	case CONFIG_PATH:
		x_free(&cfg->values[idx]);
		cfg->values[idx] = expand_home(value);
		return 0;
	case CONFIG_STRING:
	case CONFIG_SECRET:
		break;
	}
	x_free_secret(&cfg->values[idx]);
	cfg->values[idx] = xstrdup(value);
	return 0;
}

int
config_unset(struct config *cfg, const char *name, char **error_r)
{
	const struct config_option	*opt;
	size_t				 idx;

	if ((opt = option_find(name, &idx)) == NULL) {
		*error_r = config_unknown_option(name);
		return -1;
	}
	x_free_secret(&cfg->values[idx]);
	if (opt->type == CONFIG_BOOL)
		cfg->values[idx] = xstrdup("no");
	return 0;
}

bool
config_is_bool(const char *name)
{
	size_t	idx;
	const struct config_option *opt = option_find(name, &idx);

	return opt != NULL && opt->type == CONFIG_BOOL;
}

const char *
config_str(const struct config *cfg, const char *name)
{
	size_t	idx;

	if (option_find(name, &idx) == NULL)
		assert(!"config_str: option not in the table");
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
