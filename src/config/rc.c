/* The rc file reader: lines of commands, quoting, comments, continuations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

#define RC_MAX_WORDS	64

struct rc_line {
	char	*words[RC_MAX_WORDS];	/* owned */
	size_t	 nwords;
};

typedef int rc_command_fn(struct config *, struct rc_line *, char **);

static int rc_split(const char *, struct rc_line *, char **);
static void rc_line_free(struct rc_line *);
static int rc_cmd_set(struct config *, struct rc_line *, char **);
static int rc_cmd_unset(struct config *, struct rc_line *, char **);

static const struct {
	const char	*name;
	rc_command_fn	*fn;
	const char	*help;
} rc_commands[] = {
	{ "set", rc_cmd_set, "set NAME = VALUE, set NAME (yes), set noNAME (no)" },
	{ "unset", rc_cmd_unset, "unset NAME" },
};

/*
 * Splits one logical line into words: double quotes with backslash escapes,
 * single quotes taken literally, '=' as a word of its own, '#' starting a
 * comment outside quotes.
 */
static int
rc_split(const char *s, struct rc_line *line, char **error_r)
{
	struct buf	 w = BUF_INIT;
	char		 quote;
	bool		 inword = false;

	line->nwords = 0;
	for (;;) {
		if (*s == '\0' || *s == '#' || *s == ' ' || *s == '\t' || *s == '=') {
			if (inword) {
				if (line->nwords == RC_MAX_WORDS) {
					*error_r = xstrdup("too many words on one line");
					goto fail;
				}
				line->words[line->nwords++] = buf_steal(&w);
				inword = false;
			}
			if (*s == '\0' || *s == '#')
				break;
			if (*s == '=') {
				if (line->nwords == RC_MAX_WORDS) {
					*error_r = xstrdup("too many words on one line");
					goto fail;
				}
				line->words[line->nwords++] = xstrdup("=");
			}
			s++;
			continue;
		}
		inword = true;
		if (*s == '"' || *s == '\'') {
			quote = *s++;
			while (*s != quote) {
				if (*s == '\0') {
					*error_r = xasprintf("missing closing %c", quote);
					goto fail;
				}
				if (quote == '"' && *s == '\\' && s[1] != '\0') {
					s++;
					switch (*s) {
					case 'n': buf_addc(&w, '\n'); break;
					case 't': buf_addc(&w, '\t'); break;
					default: buf_addc(&w, *s); break;
					}
					s++;
					continue;
				}
				buf_addc(&w, *s++);
			}
			s++;
			continue;
		}
		if (*s == '\\' && s[1] != '\0')
			s++;
		buf_addc(&w, *s++);
	}
	buf_free(&w);
	return 0;
fail:
	buf_free(&w);
	rc_line_free(line);
	return -1;
}

static void
rc_line_free(struct rc_line *line)
{
	size_t	i;

	for (i = 0; i < line->nwords; i++)
		x_free_secret(&line->words[i]);
	line->nwords = 0;
}

/* set NAME = VALUE [NAME = VALUE ...], set NAME, set noNAME */
static int
rc_cmd_set(struct config *cfg, struct rc_line *line, char **error_r)
{
	const char	*name;
	size_t		 i = 1;

	if (line->nwords < 2) {
		*error_r = xstrdup("set: missing option name");
		return -1;
	}
	while (i < line->nwords) {
		name = line->words[i];
		if (strcmp(name, "=") == 0) {
			*error_r = xstrdup("set: '=' without an option name");
			return -1;
		}
		if (i + 1 < line->nwords && strcmp(line->words[i + 1], "=") == 0) {
			if (i + 2 >= line->nwords) {
				*error_r = xasprintf("set: %s: missing value after '='", name);
				return -1;
			}
			if (config_set(cfg, name, line->words[i + 2], error_r) < 0)
				return -1;
			i += 3;
			continue;
		}
		if (config_is_bool(name)) {
			if (config_set(cfg, name, "yes", error_r) < 0)
				return -1;
		} else if (str_has_prefix(name, "no") && config_is_bool(name + 2)) {
			if (config_set(cfg, name + 2, "no", error_r) < 0)
				return -1;
		} else {
			if (config_unset(cfg, name, error_r) < 0)
				return -1;
			*error_r = xasprintf("set: %s needs a value (set %s = ...)", name, name);
			return -1;
		}
		i++;
	}
	return 0;
}

static int
rc_cmd_unset(struct config *cfg, struct rc_line *line, char **error_r)
{
	size_t	i;

	if (line->nwords < 2) {
		*error_r = xstrdup("unset: missing option name");
		return -1;
	}
	for (i = 1; i < line->nwords; i++) {
		if (config_unset(cfg, line->words[i], error_r) < 0)
			return -1;
	}
	return 0;
}

int
config_load_string(struct config *cfg, const char *name, const char *text,
    struct buf *errors)
{
	struct buf	 logical = BUF_INIT;
	struct rc_line	 line;
	const char	*p = text, *eol;
	char		*error = NULL;
	unsigned	 lineno = 0, start_line = 0;
	size_t		 i, len;
	int		 bad = 0;

	while (*p != '\0') {
		eol = strchr(p, '\n');
		len = eol == NULL ? strlen(p) : (size_t)(eol - p);
		lineno++;
		if (logical.len == 0)
			start_line = lineno;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		/* A backslash at the end joins the next line. */
		if (len > 0 && p[len - 1] == '\\') {
			buf_add(&logical, p, len - 1);
			p = eol == NULL ? p + strlen(p) : eol + 1;
			if (*p != '\0')
				continue;
		} else
			buf_add(&logical, p, len);
		p = eol == NULL ? p + strlen(p) : eol + 1;

		if (rc_split(buf_cstr(&logical), &line, &error) == 0 && line.nwords > 0) {
			for (i = 0; i < sizeof rc_commands / sizeof rc_commands[0]; i++) {
				if (strcmp(line.words[0], rc_commands[i].name) == 0)
					break;
			}
			if (i == sizeof rc_commands / sizeof rc_commands[0])
				error = xasprintf("unknown command '%s'", line.words[0]);
			else
				rc_commands[i].fn(cfg, &line, &error);
		}
		rc_line_free(&line);
		if (error != NULL) {
			buf_printf(errors, "%s:%u: %s\n", name, start_line, error);
			x_free(&error);
			bad++;
		}
		buf_free_secret(&logical);
	}
	buf_free_secret(&logical);
	return bad;
}

int
config_load_file(struct config *cfg, const char *path, struct buf *errors)
{
	struct buf	 text = BUF_INIT;
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp;
	int		 bad;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(errors, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&text, chunk, n);
	if (ferror(fp)) {
		buf_printf(errors, "%s: %s\n", path, strerror(errno));
		fclose(fp);
		buf_free_secret(&text);
		return -1;
	}
	fclose(fp);
	if (memchr(buf_cstr(&text), '\0', text.len) != NULL) {
		buf_printf(errors, "%s: binary data (NUL byte) in an rc file\n", path);
		buf_free_secret(&text);
		return -1;
	}
	bad = config_load_string(cfg, path, buf_cstr(&text), errors);
	buf_free_secret(&text);
	return bad;
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
