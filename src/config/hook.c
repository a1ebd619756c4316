/*
 * Hooks: folder-hook and send-hook patterns are extended regular
 * expressions, mutt-style: a leading '!' inverts, and a pattern without
 * capitals ignores case.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"

int
config_hook_matches(const char *pattern, const char *subject, char **error_r)
{
	regex_t		 re;
	const char	*p;
	bool		 invert = false;
	int		 flags = REG_EXTENDED | REG_NOSUB, matched;

	if (*pattern == '!') {
		invert = true;
		pattern++;
	}
	for (p = pattern; *p != '\0' && !(*p >= 'A' && *p <= 'Z'); p++)
		;
	if (*p == '\0')
		flags |= REG_ICASE;
	if (regcomp(&re, pattern, flags) != 0) {
		*error_r = xasprintf("'%s' is not a regular expression", pattern);
		return -1;
	}
	matched = regexec(&re, subject != NULL ? subject : "", 0, NULL, 0) == 0;
	regfree(&re);
	return matched != invert;
}

int
config_run_send_hooks(struct config *cfg, const char *const *rcpts,
    size_t nrcpts, struct buf *errors)
{
	const struct config_hook	*hooks;
	size_t				 n, i, j, count;
	char				*pattern, *command, *error = NULL;
	int				 ran = 0, m;

	config_hooks(cfg, &count);
	for (i = 0; i < count; i++) {
		/* A hook's command may add hooks: look again each time. */
		hooks = config_hooks(cfg, &n);
		if (i >= n)
			break;
		if (hooks[i].type != CONFIG_HOOK_SEND)
			continue;
		pattern = xstrdup(hooks[i].pattern);
		command = xstrdup(hooks[i].command);
		m = 0;
		for (j = 0; j < nrcpts && m == 0; j++)
			m = config_hook_matches(pattern, rcpts[j], &error);
		/* No recipient yet: "." and "!..." patterns still apply. */
		if (nrcpts == 0)
			m = config_hook_matches(pattern, "", &error);
		if (m < 0) {
			buf_printf(errors, "send-hook: %s\n", error);
			x_free(&error);
		} else if (m > 0) {
			config_load_string(cfg, "send-hook", command, errors);
			ran++;
		}
		free(pattern);
		free(command);
	}
	return ran;
}

/* One address-list item: an alias key when it is a bare word. */
static void
expand_item(const struct config *cfg, const char *item, size_t len,
    struct buf *out, int depth)
{
	const char	*value;
	char		*key;
	size_t		 i;

	while (len > 0 && (*item == ' ' || *item == '\t'))
		item++, len--;
	while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	key = xstrndup(item, len);
	for (i = 0; i < len && strchr("@<>\" ", key[i]) == NULL; i++)
		;
	value = i == len && depth < 8 ? config_alias(cfg, key) : NULL;
	free(key);
	if (value != NULL) {
		/* An alias may name other aliases. */
		config_expand_aliases_into(cfg, value, out, depth + 1);
		return;
	}
	if (out->len > 0)
		buf_adds(out, ", ");
	buf_add(out, item, len);
}

void
config_expand_aliases_into(const struct config *cfg, const char *list,
    struct buf *out, int depth)
{
	const char	*p, *start;
	bool		 quoted = false;
	int		 angle = 0;

	for (p = start = list; ; p++) {
		if (*p == '"' && (p == list || p[-1] != '\\'))
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle++;
		else if (!quoted && *p == '>' && angle > 0)
			angle--;
		if (*p == '\0' || (*p == ',' && !quoted && angle == 0)) {
			expand_item(cfg, start, (size_t)(p - start), out, depth);
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

char *
config_expand_aliases(const struct config *cfg, const char *list)
{
	struct buf	 out = BUF_INIT;

	if (list == NULL)
		return NULL;
	config_expand_aliases_into(cfg, list, &out, 0);
	return buf_steal(&out);
}
