/*
 * --dump-config: the effective configuration as rc lines that load back to
 * the same state. Secrets are written as "***", never their value.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/config_colors.h"
#include "crispin/config.h"
#include "crispin/config_keymap.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static void dump_option(struct buf *, const char *, const struct config_option *,
    const char *);
static void dump_list(struct buf *, const char *, const char *, const struct strlist *);
static bool lists_default(const struct config *);

void
config_quote(struct buf *out, const char *s)
{
	const unsigned char	*p;
	static const char	 safe[] = "_-./:@+,%*!?[]{}()<>^&|~";

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p >= 0x80 || strchr(safe, *p) != NULL))
			break;
	}
	if (*s != '\0' && *p == '\0') {
		buf_adds(out, s);
		return;
	}
	buf_addc(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '$': buf_adds(out, "\\$"); break;
		case '`': buf_adds(out, "\\`"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case 27: buf_adds(out, "\\e"); break;
		default:
			if (*p < 32 || *p == 127)
				buf_printf(out, "\\%03o", *p);
			else
				buf_addc(out, (char)*p);
			break;
		}
	}
	buf_addc(out, '"');
}

static void
dump_option(struct buf *out, const char *indent, const struct config_option *opt,
    const char *v)
{
	if (v == NULL) {
		buf_printf(out, "%sunset %s\n", indent, opt->name);
		return;
	}
	buf_printf(out, "%sset %s = ", indent, opt->name);
	if (opt->type == CONFIG_SECRET)
		buf_adds(out, "\"***\"");
	else
		config_quote(out, v);
	buf_addc(out, '\n');
}

int
config_query(const struct config *cfg, const char *name, struct buf *out,
    char **error_r)
{
	const struct config_option	*opt;
	const char			*v;

	if ((opt = config_option_find(name)) == NULL) {
		*error_r = config_unknown_option(name);
		return -1;
	}
	v = config_str(cfg, name);
	buf_printf(out, "%s=", name);
	if (v == NULL)
		buf_adds(out, "(unset)");
	else if (opt->type == CONFIG_SECRET)
		buf_adds(out, "***");
	else
		config_quote(out, v);
	return 0;
}

static void
dump_list(struct buf *out, const char *indent, const char *cmd, const struct strlist *l)
{
	size_t	i;

	if (l->n == 0)
		return;
	buf_printf(out, "%s%s", indent, cmd);
	for (i = 0; i < l->n; i++) {
		buf_addc(out, ' ');
		config_quote(out, l->v[i]);
	}
	buf_addc(out, '\n');
}

static bool
lists_default(const struct config *cfg)
{
	struct config	*def = config_new();
	bool		 same;

	same = strlist_eq(&cfg->ignore, &def->ignore) &&
	    strlist_eq(&cfg->unignore, &def->unignore);
	config_free(&def);
	return same;
}

void
config_dump(const struct config *cfg, bool all, struct buf *out)
{
	const struct config_option	*opts;
	struct config			*def;
	const char			*v, *d;
	size_t				 n, i, j;

	opts = config_options(&n);
	def = config_new();
	buf_adds(out, all ? "# crispin --dump-config --defaults\n" :
	    "# crispin --dump-config: options changed from their defaults\n");
	for (i = 0; i < n; i++) {
		v = cfg->values[i];
		d = def->values[i];
		if (!all && ((v == NULL && d == NULL) ||
		    (v != NULL && d != NULL && strcmp(v, d) == 0)))
			continue;
		dump_option(out, "", &opts[i], v);
	}
	config_free(&def);

	if (all || !lists_default(cfg)) {
		buf_adds(out, "unignore *\n");
		dump_list(out, "", "ignore", &cfg->ignore);
		dump_list(out, "", "unignore", &cfg->unignore);
	}
	dump_list(out, "", "mailboxes", &cfg->mailboxes);
	for (i = 0; i < cfg->naliases; i++) {
		buf_adds(out, "alias ");
		config_quote(out, cfg->aliases[i].key);
		buf_addc(out, ' ');
		config_quote(out, cfg->aliases[i].value);
		buf_addc(out, '\n');
	}
	for (i = 0; i < cfg->nhooks; i++) {
		buf_adds(out, cfg->hooks[i].type == CONFIG_HOOK_SEND ?
		    "send-hook " : "folder-hook ");
		config_quote(out, cfg->hooks[i].pattern);
		buf_addc(out, ' ');
		config_quote(out, cfg->hooks[i].command);
		buf_addc(out, '\n');
	}
	keymap_dump(cfg->keymap, all, out);
	colors_dump(cfg->colors, all, out);
	for (i = 0; i < cfg->naccounts; i++) {
		buf_printf(out, "account %s\n", cfg->accounts[i].name);
		for (j = 0; j < n; j++) {
			if (cfg->accounts[i].set[j])
				dump_option(out, "\t", &opts[j], cfg->accounts[i].values[j]);
		}
		dump_list(out, "\t", "mailboxes", &cfg->accounts[i].mailboxes);
		buf_adds(out, "end\n");
	}
}
