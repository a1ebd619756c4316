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
