/*
 * The `:` command line: any rc command, run at once on the live
 * configuration (the views read options, bindings and colours live, so
 * they show the change on the next draw), with history and Tab
 * completion of commands, options, values, maps, functions and colour
 * objects. Also the folder-hooks, and the functions of every screen that
 * no view owns.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/mime_charset.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* Words on the line before the one being completed, at most. */
#define MAX_WORDS	4

static void fn_enter_command(struct ui *);
static void fn_change_folder(struct ui *);
static void fn_change_folder_readonly(struct ui *);
static void fn_browse(struct ui *);
static void fn_next_unread_mailbox(struct ui *);
static void command_done(struct ui *, const char *, void *);
static void command_complete(struct ui *, struct buf *, size_t *, void *);
static size_t split_words(const char *, size_t, char **, size_t);
static bool run_exec(struct ui *, const char *);
static void show_queries(struct ui *, const char *);
static bool hook_matches(struct ui *, const char *, const char *);
static void add_word(const char ***, size_t *, const char *);

static const struct {
	const char	*name;
	void		(*fn)(struct ui *);
} functions[] = {
	{ "enter-command", fn_enter_command },
	{ "change-folder", fn_change_folder },
	{ "change-folder-readonly", fn_change_folder_readonly },
	{ "browse-mailboxes", fn_browse },
	{ "next-unread-mailbox", fn_next_unread_mailbox },
};

/* Commands of the command line only: they act on the interface. */
static const char *const ui_commands[] = { "exec", "stats" };

bool
command_function(struct ui *ui, const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) == 0) {
			functions[i].fn(ui);
			return true;
		}
	}
	return sidebar_function(ui, name);
}

static void
fn_enter_command(struct ui *ui)
{
	command_open(ui);
}

static void
fn_change_folder(struct ui *ui)
{
	browser_change_folder(ui, false);
}

static void
fn_change_folder_readonly(struct ui *ui)
{
	browser_change_folder(ui, true);
}

static void
fn_browse(struct ui *ui)
{
	browser_open(ui);
}

/* The next folder after the open one (in list order, wrapping) that has
 * unread mail. */
static void
fn_next_unread_mailbox(struct ui *ui)
{
	const struct ui_folder	*next;
	char			*name;

	if (!folderlist_loaded(ui)) {
		folderlist_refresh(ui);
		ui_message(ui, "Checking the folders; try again in a moment.");
		return;
	}
	if ((next = folderlist_next_unread(ui)) == NULL) {
		ui_message(ui, "No other folder has unread mail.");
		return;
	}
	name = xstrdup(next->name);
	ui_open_folder(ui, name, false);
	free(name);
}

void
command_open(struct ui *ui)
{
	ui_prompt(ui, ":", NULL, PROMPT_COMMAND, command_complete, command_done, NULL);
}

static void
command_done(struct ui *ui, const char *text, void *arg)
{
	if (text == NULL)
		return;
	text += strspn(text, " \t");
	if (*text == '\0')
		return;
	command_run(ui, ":", text);
}

int
command_run(struct ui *ui, const char *origin, const char *text)
{
	struct buf	 errors = BUF_INIT;
	const char	*first, *eol;
	int		 bad;

	if (run_exec(ui, text))
		return 0;
	if (strcmp(text, "stats") == 0 || strncmp(text, "stats ", 6) == 0) {
		stats_show(ui);
		return 0;
	}
	bad = config_load_string(ui->ctx->cfg, origin, text, &errors);
	if (bad > 0 && errors.len > 0) {
		/* "::1: message" says nothing on the command line. */
		first = buf_cstr(&errors);
		if (strcmp(origin, ":") == 0 && strncmp(first, "::1: ", 5) == 0)
			first += 5;
		eol = strchr(first, '\n');
		ui_message(ui, "%.*s", (int)(eol != NULL ? eol - first :
		    (ptrdiff_t)strlen(first)), first);
	} else
		show_queries(ui, text);
	buf_free(&errors);
	/* Bindings and colours are read live; the index's order and
	 * patterns are worked out again. */
	mime_set_assumed_charset(config_str(ui->ctx->cfg, "assumed_charset"));
	index_config_changed(ui);
	ui_redraw(ui);
	return bad;
}

/* exec FUNCTION...: mutt's way to call functions from the command line
 * (and from hooks). */
static bool
run_exec(struct ui *ui, const char *text)
{
	char	*copy, *w, *save = NULL;

	text += strspn(text, " \t");
	if (strncmp(text, "exec", 4) != 0 || (text[4] != ' ' && text[4] != '\t'))
		return false;
	copy = xstrdup(text + 4);
	for (w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (keymap_function_find(KEYMAP_GENERIC, w) < 0 &&
		    keymap_function_find(ui->top->ops->map, w) < 0 &&
		    keymap_function_find(KEYMAP_INDEX, w) < 0) {
			ui_message(ui, "exec: '%s' is not a function (see the help screen)", w);
			break;
		}
		ui_function(ui, w);
	}
	free(copy);
	return true;
}

/* `set name?` asks: the answer goes on the status line. */
static void
show_queries(struct ui *ui, const char *text)
{
	struct buf	 out = BUF_INIT;
	char		*copy, *w, *save = NULL, *error = NULL;
	size_t		 len;

	text += strspn(text, " \t");
	if (strncmp(text, "set", 3) != 0 || (text[3] != ' ' && text[3] != '\t'))
		return;
	copy = xstrdup(text + 3);
	for (w = strtok_r(copy, " \t;", &save); w != NULL; w = strtok_r(NULL, " \t;", &save)) {
		len = strlen(w);
		if (len > 1 && w[len - 1] == '?')
			w[len - 1] = '\0';
		else if (len > 1 && w[0] == '?')
			w++;
		else
			continue;
		if (out.len > 0)
			buf_adds(&out, "  ");
		if (config_query(ui->ctx->cfg, w, &out, &error) < 0) {
			buf_adds(&out, error);
			x_free(&error);
		}
	}
	if (out.len > 0)
		ui_message(ui, "%s", buf_cstr(&out));
	buf_free(&out);
	free(copy);
}

/* Up to max words of line[0..len) (malloc'd); the count. */
static size_t
split_words(const char *line, size_t len, char **words, size_t max)
{
	size_t	 n = 0, i = 0, start;

	while (i < len && n < max) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '='))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '=')
			i++;
		words[n++] = xstrndup(line + start, i - start);
	}
	return n;
}

static void
add_word(const char ***v, size_t *n, const char *w)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = w;
}

/*
 * What the word at the cursor can be: the command name first; then,
 * by command, option names (set, unset, toggle, reset; after '=' the
 * values of an enum), map names and function names (bind, macro,
 * unbind, exec), colour objects (color, uncolor).
 */
static void
command_complete(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	const struct config_option	*opts, *opt;
	const struct keymap_function	*fns;
	const struct color_object	*objs;
	const char			**cands = NULL, *name, *help;
	char				*words[MAX_WORDS + 1];
	size_t				 nwords, nc = 0, n, i, start = *cursor;
	bool				 after_eq = false;
	int				 map;
	char				**owned = NULL;
	size_t				 nowned = 0;

	/* The words before the one being completed. */
	while (start > 0 && line->data[start - 1] != ' ' && line->data[start - 1] != '=')
		start--;
	if (start > 0 && line->data[start - 1] == '=')
		after_eq = true;
	nwords = split_words(line->data != NULL ? line->data : "", start, words,
	    MAX_WORDS + 1);
	if (nwords == 0) {
		for (i = 0; (name = config_command_at(i, &help)) != NULL; i++)
			add_word(&cands, &nc, name);
		for (i = 0; i < sizeof ui_commands / sizeof ui_commands[0]; i++)
			add_word(&cands, &nc, ui_commands[i]);
	} else if (strcmp(words[0], "set") == 0 && after_eq && nwords >= 2) {
		/* The value of an option: an enum's values, a yes/no. */
		if ((opt = config_option_find(words[nwords - 1])) != NULL) {
			if (opt->type == CONFIG_ENUM) {
				for (i = 0; opt->values[i] != NULL; i++) {
					add_word(&cands, &nc, opt->values[i]);
					if (opt->flags & CONFIG_F_REVERSE) {
						char *r = xasprintf("reverse-%s", opt->values[i]);

						owned = xreallocarray(owned, nowned + 1, sizeof *owned);
						owned[nowned++] = r;
						add_word(&cands, &nc, r);
					}
				}
			} else if (opt->type == CONFIG_BOOL) {
				add_word(&cands, &nc, "yes");
				add_word(&cands, &nc, "no");
			} else if (opt->type == CONFIG_QUAD) {
				add_word(&cands, &nc, "yes");
				add_word(&cands, &nc, "no");
				add_word(&cands, &nc, "ask-yes");
				add_word(&cands, &nc, "ask-no");
			}
		}
	} else if (strcmp(words[0], "set") == 0 || strcmp(words[0], "unset") == 0 ||
	    strcmp(words[0], "toggle") == 0 || strcmp(words[0], "reset") == 0) {
		opts = config_options(&n);
		for (i = 0; i < n; i++)
			add_word(&cands, &nc, opts[i].name);
		if (strcmp(words[0], "reset") == 0)
			add_word(&cands, &nc, "all");
	} else if ((strcmp(words[0], "bind") == 0 || strcmp(words[0], "macro") == 0 ||
	    strcmp(words[0], "unbind") == 0 || strcmp(words[0], "unmacro") == 0) &&
	    nwords == 1) {
		for (i = 0; i < KEYMAP_NMAPS; i++)
			add_word(&cands, &nc, keymap_map_name(i));
	} else if (strcmp(words[0], "bind") == 0 && nwords == 3) {
		/* bind MAP KEY <function>: those the (first) map offers. */
		char *comma = strchr(words[1], ',');

		if (comma != NULL)
			*comma = '\0';
		map = keymap_map_find(words[1]);
		fns = keymap_functions(&n);
		for (i = 0; i < n; i++) {
			if (map < 0 || keymap_function_find(map, fns[i].name) >= 0)
				add_word(&cands, &nc, fns[i].name);
		}
	} else if (strcmp(words[0], "exec") == 0) {
		fns = keymap_functions(&n);
		for (i = 0; i < n; i++)
			add_word(&cands, &nc, fns[i].name);
	} else if ((strcmp(words[0], "color") == 0 || strcmp(words[0], "uncolor") == 0) &&
	    nwords == 1) {
		objs = colors_objects(&n);
		for (i = 0; i < n; i++)
			add_word(&cands, &nc, objs[i].name);
	}
	if (nc > 0)
		prompt_complete_words(ui, line, cursor, cands, nc);
	else
		ui_message(ui, "Nothing to complete here.");
	for (i = 0; i < nwords; i++)
		free(words[i]);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(cands);
}

/*
 * mutt's folder-hook: every hook whose regular expression matches the
 * folder name runs, in the order given ("!" before the pattern inverts
 * it; a pattern without capitals ignores case). A hook may add hooks,
 * so the list is read again at each step.
 */
void
command_folder_hooks(struct ui *ui, const char *name)
{
	const struct config_hook	*hooks;
	size_t				 n, i, count;
	char				*pattern, *command;

	hooks = config_hooks(ui->ctx->cfg, &count);
	for (i = 0; i < count; i++) {
		hooks = config_hooks(ui->ctx->cfg, &n);
		if (i >= n)
			break;
		if (hooks[i].type != CONFIG_HOOK_FOLDER)
			continue;
		pattern = xstrdup(hooks[i].pattern);
		command = xstrdup(hooks[i].command);
		if (hook_matches(ui, pattern, name))
			command_run(ui, "folder-hook", command);
		free(pattern);
		free(command);
	}
}

static bool
hook_matches(struct ui *ui, const char *pattern, const char *name)
{
	char	*error = NULL;
	int	 m;

	if ((m = config_hook_matches(pattern, name, &error)) < 0) {
		ui_message(ui, "folder-hook: %s", error);
		free(error);
		return false;
	}
	return m == 1;
}
