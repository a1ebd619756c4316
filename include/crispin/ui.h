/*
 * The interactive interface: the index of one folder and a pager over the
 * same event loop as the scripting commands. Kept live by IDLE.
 */
#ifndef CRISPIN_UI_H
#define CRISPIN_UI_H

#include <stdbool.h>

#include "crispin/cli.h"

/* How the interface starts (the command line's -f, -R, -z, -Z). */
struct ui_params {
	const char	*folder;	/* NULL: INBOX */
	bool		 readonly;	/* -R: EXAMINE instead of SELECT */
	bool		 exit_if_empty;	/* -z: not at all on an empty folder */
	bool		 first_new;	/* -Z: the first folder with new mail */
	/* The rc files' errors ("FILE:LINE: message" lines), already
	 * printed on stderr: the status line shows them too. NULL: none. */
	const char	*rc_errors;
};

/* Runs the interface until the user quits. Returns an exit code (0 on a
 * normal quit; a message is printed on stderr when the session could not
 * start, or -z/-Z found nothing to open: EXIT_FAILURE). */
int	 ui_run(struct cli_context *, const struct ui_params *);

/* The compose screen and the menu for the scripting commands (compose,
 * reply, forward, recall): NULL when stdin or stdout is no terminal. */
const struct cli_screens *ui_screens(void);

#endif
