/*
 * The interactive interface: the index of one folder and a pager over the
 * same event loop as the scripting commands. Kept live by IDLE.
 */
#ifndef CRISPIN_UI_H
#define CRISPIN_UI_H

#include "crispin/cli.h"

/* Runs the interface on folder (NULL: INBOX) until the user quits.
 * Returns an exit code (0 on a normal quit; a message is printed on
 * stderr when the session could not start). */
int	 ui_run(struct cli_context *, const char *folder);

#endif
