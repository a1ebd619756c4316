/*
 * bounce-message: asks for the addresses, confirms, and runs `crispin
 * bounce -f FOLDER UID ADDR` in the background (no terminal: it sends
 * through the outbox), its outcome on the status line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"


struct bounce {
	uint32_t	 uid;
	char		*folder;	/* owned */
	char		*to;		/* owned */
};

static void addresses_done(struct ui *, const char *, void *);
static void confirmed(struct ui *, bool, void *);
static void bounced(struct ui *, int, const char *, void *);
static void bounce_free(struct bounce *);

bool
bounce_function(struct ui *ui, const char *name)
{
	struct bounce	*b;
	uint32_t	 uid;
	char		*question;

	if (strcmp(name, "bounce-message") != 0)
		return false;
	if (ui->folder == NULL || (uid = index_current_uid(ui)) == 0) {
		ui_message(ui, "No message to bounce.");
		return true;
	}
	b = xcalloc(1, sizeof *b);
	b->uid = uid;
	b->folder = xstrdup(ui->folder_name);
	question = xasprintf("Bounce message %u to: ", uid);
	/* Tab completes from the aliases and query_command (query.c). */
	ui_prompt(ui, question, NULL, PROMPT_ADDRESS, ui_complete_address,
	    addresses_done, b);
	free(question);
	return true;
}

static void
addresses_done(struct ui *ui, const char *text, void *arg)
{
	struct bounce	*b = arg;
	char		*question, *shown;

	if (text == NULL || *text == '\0') {
		if (text != NULL)
			ui_message(ui, "Not bounced: no address given.");
		bounce_free(b);
		return;
	}
	b->to = xstrdup(text);
	shown = str_sanitize(text);
	question = xasprintf("Bounce message %u to %s?", b->uid, shown);
	ui_confirm(ui, question, true, confirmed, b);
	free(question);
	free(shown);
}

/* crispin [-F rc] [-n] [-e CMD]... [-A account] [--offline] bounce -f
 * FOLDER UID ADDRS: the addresses are one argument, never shell text. */
static void
confirmed(struct ui *ui, bool yes, void *arg)
{
	struct bounce		*b = arg;
	const char		*words[6];
	char			**argv, uid[16], *error = NULL;
	size_t			 n = 0;
	int			 rc;

	if (!yes) {
		ui_message(ui, "Not bounced.");
		bounce_free(b);
		return;
	}
	snprintf(uid, sizeof uid, "%u", b->uid);
	words[n++] = "bounce";
	words[n++] = "-f";
	words[n++] = b->folder;
	words[n++] = uid;
	words[n++] = "--";
	words[n++] = b->to;
	argv = ui_child_argv(ui, words, n);
	rc = bgjob_start(ui, argv, NULL, NULL, 0, bounced, b, &error);
	free(argv);
	if (rc < 0) {
		ui_message(ui, "Not bounced: %s", error);
		free(error);
		bounce_free(b);
		return;
	}
	ui_message(ui, "Bouncing message %u...", b->uid);
}

static void
bounced(struct ui *ui, int status, const char *output, void *arg)
{
	struct bounce	*b = arg;
	struct buf	 why = BUF_INIT;
	char		*to;

	if (output != NULL) {
		to = str_sanitize(b->to);
		if (status == 0)
			ui_message(ui, "Message %u bounced to %s.", b->uid, to);
		else {
			bgjob_describe(&why, status, output);
			ui_message(ui, "Bounce of message %u failed (%s).", b->uid,
			    buf_cstr(&why));
		}
		free(to);
	}
	buf_free(&why);
	bounce_free(b);
}

static void
bounce_free(struct bounce *b)
{
	free(b->folder);
	free(b->to);
	free(b);
}
