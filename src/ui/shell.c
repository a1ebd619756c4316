/*
 * Commands that get the terminal: shell-escape (!), and the runner
 * pipe-message uses. The command is the user's own, run with sh -c as
 * mutt does; what comes from mail only ever goes to its standard input.
 * Afterwards "Press any key to continue..." leaves the output readable
 * until a key. And what-key: the next key is named with its function
 * instead of run.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static void shell_done(struct ui *, const char *, void *);

int
shell_run(struct ui *ui, const char *command, const void *input, size_t len,
    char **error_r)
{
	struct fg_cmd	 cmd;
	int		 rc;

	(void)ui;
	memset(&cmd, 0, sizeof cmd);
	cmd.script = command;
	cmd.stdin_fd = -1;
	cmd.input = input;
	cmd.input_len = len;
	cmd.note_fd = -1;
	screen_suspend();
	rc = ui_run_foreground(&cmd);
	ui_wait_key();
	screen_resume();
	if (rc != 0) {
		ui_foreground_error(error_r, command, rc);
		return -1;
	}
	return 0;
}

static void
shell_done(struct ui *ui, const char *text, void *arg)
{
	char	*error = NULL;

	if (text == NULL || *text == '\0')
		return;
	if (shell_run(ui, text, NULL, 0, &error) < 0) {
		ui_message(ui, "%s", error);
		free(error);
	}
}

bool
shell_what_key(struct ui *ui, int k)
{
	const struct keymap_binding	*b;
	const struct keymap_function	*fns;
	struct buf			 name = BUF_INIT;
	enum keymap_map			 map = ui_top_view(ui)->ops->map;
	size_t				 n;

	if (!ui->what_key)
		return false;
	if (ui->keys.n == KEYMAP_MAX_KEYS)
		ui->keys.n = 0;
	ui->keys.keys[ui->keys.n++] = k;
	fns = keymap_functions(&n);
	switch (keymap_lookup(ui->keymap, map, ui->keys.keys, ui->keys.n, &b)) {
	case KEYMAP_PREFIX:
		return true;
	case KEYMAP_NONE:
		keymap_format_keys(&ui->keys, &name);
		ui_message(ui, "%s is not bound in the %s map.", buf_cstr(&name),
		    keymap_map_name(map));
		break;
	case KEYMAP_MATCH:
		keymap_format_keys(&ui->keys, &name);
		if (b->function < 0)
			ui_message(ui, "%s is a macro in the %s map: %s", buf_cstr(&name),
			    keymap_map_name(map), b->macro != NULL ? b->macro : "");
		else
			ui_message(ui, "%s is bound to %s in the %s map.",
			    buf_cstr(&name), (size_t)b->function < n ?
			    fns[b->function].name : "?", keymap_map_name(map));
		break;
	}
	buf_free(&name);
	ui->keys.n = 0;
	ui->what_key = false;
	return true;
}

bool
shell_function(struct ui *ui, const char *name)
{
	if (strcmp(name, "shell-escape") == 0) {
		ui_prompt(ui, "Shell command: ", NULL, PROMPT_OTHER, NULL, shell_done,
		    NULL);
		return true;
	}
	if (strcmp(name, "what-key") == 0) {
		ui->what_key = true;
		ui->keys.n = 0;
		ui_message(ui, "Press a key to see what it does.");
		return true;
	}
	return false;
}
