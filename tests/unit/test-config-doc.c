/*
 * crispinrc(5) cannot drift from the tables: every option, rc command, key
 * function and colour object has a help line and an entry in the man page,
 * and the page documents no option the table lacks; the contrib/ rc files
 * load cleanly. Files are read from $srcdir (tests/run sets it), else ".".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config_colors.h"
#include "crispin/config.h"
#include "crispin/config_keymap.h"
#include "crispin/xalloc.h"
#include "../../src/config/config_p.h"
#include "test.h"

static char *read_page(void);
static char *read_src(const char *);
static void test_contrib(void);
static char *section(const char *, const char *);
static bool has_item(const char *, const char *, const char *);

static char *
read_page(void)
{
	return read_src("doc/crispinrc.5");
}

/* A file of the source tree, or NULL after a FAIL line. */
static char *
read_src(const char *rel)
{
	const char	*dir = getenv("srcdir");
	struct buf	 b = BUF_INIT;
	char		*path, chunk[4096];
	size_t		 n;
	FILE		*fp;

	if (dir == NULL || *dir == '\0')
		dir = getenv("CRISPIN_SRCDIR");
	if (dir == NULL || *dir == '\0')
		dir = ".";
	path = xasprintf("%s/%s", dir, rel);
	if ((fp = fopen(path, "r")) == NULL) {
		printf("FAIL - cannot read %s (set srcdir to the source tree)\n", path);
		free(path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	free(path);
	return buf_steal(&b);
}

/* The text from ".Sh NAME" to the next ".Sh" (malloc'd, "" if absent). */
static char *
section(const char *page, const char *name)
{
	char		*head = xasprintf("\n.Sh %s\n", name);
	const char	*s = strstr(page, head), *e;

	free(head);
	if (s == NULL)
		return xstrdup("");
	s++;
	e = strstr(s + 1, "\n.Sh ");
	return e == NULL ? xstrdup(s) : xstrndup(s, (size_t)(e - s + 1));
}

/* A line ".It MACRO NAME" followed by a blank or the end of the line. */
static bool
has_item(const char *text, const char *macro, const char *name)
{
	char		*needle = xasprintf("\n.It %s %s", macro, name);
	const char	*p = text;
	size_t		 len = strlen(needle);
	bool		 found = false;

	while ((p = strstr(p, needle)) != NULL) {
		if (p[len] == ' ' || p[len] == '\n') {
			found = true;
			break;
		}
		p += len;
	}
	free(needle);
	return found;
}

/* The sample rc, with its commented-out commands turned on, and the
 * colour schemes load without errors. */
static void
test_contrib(void)
{
	static const char *const files[] = {
		"contrib/crispinrc.sample", "contrib/colors-dark.rc", "contrib/colors-light.rc",
	};
	struct config	*cfg;
	struct buf	 text = BUF_INIT, errors = BUF_INIT;
	const char	*p, *eol;
	char		*src;
	size_t		 i, commands;
	int		 bad;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if ((src = read_src(files[i])) == NULL) {
			test_failed++;
			continue;
		}
		buf_reset(&text);
		commands = 0;
		for (p = src; *p != '\0'; p = *eol == '\n' ? eol + 1 : eol) {
			eol = p + strcspn(p, "\n");
			if (p[0] == '#' && p[1] >= 'a' && p[1] <= 'z')
				p++;
			/* Lines that run programs or read other files stay off. */
			if (memchr(p, '`', (size_t)(eol - p)) != NULL ||
			    strncmp(p, "source", 6) == 0)
				continue;
			if (*p != '#' && *p != '\n' && *p != '\0')
				commands++;
			buf_add(&text, p, (size_t)(eol - p));
			buf_addc(&text, '\n');
		}
		cfg = config_new();
		buf_reset(&errors);
		bad = config_load_string(cfg, files[i], buf_cstr(&text), &errors);
		TEST_INTEQ(bad, 0, "%s loads: %s", files[i], buf_cstr(&errors));
		TEST_CHECK(commands > 30, "%s has commands (%zu)", files[i], commands);
		config_free(&cfg);
		free(src);
	}
	buf_free(&text);
	buf_free(&errors);
}

int
main(void)
{
	const struct config_option	*opts;
	const struct rc_command		*cmds;
	const struct keymap_function	*fns;
	const struct color_object	*objs;
	char				*page, *sec, *p, *name;
	size_t				 n, i;

	if ((page = read_page()) == NULL) {
		test_failed++;
		return test_done();
	}

	sec = section(page, "OPTIONS");
	opts = config_options(&n);
	TEST_CHECK(n > 50, "the option table has the options of issues 5-9 (%zu)", n);
	for (i = 0; i < n; i++) {
		TEST_CHECK(opts[i].help != NULL && opts[i].help[0] != '\0',
		    "option %s has a help line", opts[i].name);
		TEST_CHECK(has_item(sec, "Ic", opts[i].name),
		    "option %s is documented in crispinrc(5) OPTIONS", opts[i].name);
		if (i > 0)
			TEST_CHECK(strcmp(opts[i - 1].name, opts[i].name) < 0,
			    "the table is sorted at %s", opts[i].name);
	}
	/* The other way: nothing documented that the table lacks. */
	for (p = sec; (p = strstr(p, "\n.It Ic ")) != NULL; p++) {
		name = xstrndup(p + 8, strcspn(p + 8, " \n"));
		TEST_CHECK(config_option_find(name) != NULL,
		    "crispinrc(5) documents %s, which is not in the option table", name);
		free(name);
	}
	free(sec);

	sec = section(page, "COMMANDS");
	cmds = rc_commands(&n);
	for (i = 0; i < n; i++) {
		TEST_CHECK(cmds[i].help != NULL && cmds[i].help[0] != '\0',
		    "command %s has a help line", cmds[i].name);
		TEST_CHECK(has_item(sec, "Ic", cmds[i].name),
		    "command %s is documented in crispinrc(5) COMMANDS", cmds[i].name);
	}
	free(sec);

	sec = section(page, "FUNCTIONS");
	fns = keymap_functions(&n);
	for (i = 0; i < n; i++)
		TEST_CHECK(has_item(sec, "Cm", fns[i].name),
		    "function %s is documented in crispinrc(5) FUNCTIONS", fns[i].name);
	free(sec);

	sec = section(page, "COLOURS");
	objs = colors_objects(&n);
	for (i = 0; i < n; i++)
		TEST_CHECK(has_item(sec, "Cm", objs[i].name),
		    "colour object %s is documented in crispinrc(5) COLOURS", objs[i].name);
	free(sec);

	free(page);
	test_contrib();
	return test_done();
}
