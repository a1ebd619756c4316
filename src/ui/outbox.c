/*
 * The outbox goes out when the link comes (back): messages queued while
 * offline or while the SMTP server was down are handed to `crispin send
 * --queued` in the background (no terminal; its output read through the
 * loop, bgjob.c), and its outcome lands on the status line. The outbox's
 * claim on each entry keeps two senders from sending one message twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* One run at a time; a link that returns during it asks for one more. */
static bool	 running, again;

static void	 sent(struct ui *, int, const char *, void *);

void
outbox_flush(struct ui *ui)
{
	const char		*words[] = { "send", "--queued" };
	char			**argv, *error = NULL;
	size_t			 waiting;
	int			 rc;

	if (ui->link_offline || ui->link_stopping)
		return;
	if (running) {
		again = true;
		return;
	}
	if ((waiting = cli_outbox_count(ui->ctx)) == 0)
		return;
	argv = ui_child_argv(ui, words, 2);
	rc = bgjob_start(ui, argv, NULL, NULL, 0, sent, NULL, &error);
	free(argv);
	if (rc < 0) {
		ui_message(ui, "The outbox (%zu waiting) was not sent: %s", waiting,
		    error);
		free(error);
		return;
	}
	running = true;
	again = false;
	ui_message(ui, "Sending %zu queued message%s...", waiting,
	    waiting == 1 ? "" : "s");
}

static void
sent(struct ui *ui, int status, const char *output, void *arg)
{
	struct buf	 why = BUF_INIT;
	const char	*line;
	size_t		 nsent = 0, left = 0;
	bool		 counted = false;

	running = false;
	if (output == NULL)
		return;		/* the interface is ending; it finishes alone */
	if ((line = strstr(output, "outbox: ")) != NULL &&
	    sscanf(line, "outbox: %zu sent, %zu left", &nsent, &left) == 2)
		counted = true;
	if (counted && left == 0 && nsent > 0)
		ui_message(ui, "%zu queued message%s sent.", nsent,
		    nsent == 1 ? "" : "s");
	else if (!counted || left > 0) {
		bgjob_describe(&why, status, output);
		if (counted)
			ui_message(ui, "Outbox: %zu sent, %zu still waiting (%s).",
			    nsent, left, buf_cstr(&why));
		else
			ui_message(ui, "The outbox was not sent (%s).",
			    buf_cstr(&why));
		buf_free(&why);
	}
	if (again && ui->s.client != NULL)
		outbox_flush(ui);
}
