/*
 * print-message and print-entry: the message as the pager shows it (or
 * one attachment's decoded bytes) on the standard input of print_command,
 * run in the background; the `print` quad option asks first. How it went
 * is said on the status line.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/mail_draft.h"
#include "crispin/mime_part.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* One print in preparation: the message being fetched, or a part being
 * streamed. */
struct print {
	struct ui		*ui;		/* borrowed */
	uint32_t		 uid;		/* print-message */
	struct msghold		*hold;		/* print-entry: a reference */
	const struct mime_part	*part;		/* in hold's message */
	struct buf		 data;		/* what goes to the command */
	char			*what;		/* owned: "message 42", "part 2" */
};

/* One print waits for its message at a time. */
static struct print *pending;

static void ask(struct ui *, struct print *);
static void confirmed(struct ui *, bool, void *);
static void fetched(struct ui *, int, const char *, const struct buf *, void *);
static int part_write(const void *, size_t, void *);
static void part_done(void *, int, const char *);
static void run(struct print *);
static void printed(struct ui *, int, const char *, void *);
static void print_free(struct print *);

static bool
busy(struct ui *ui)
{
	if (pending == NULL)
		return false;
	ui_message(ui, "Still preparing the last print; try again in a moment.");
	return true;
}

bool
print_function(struct ui *ui, const char *name)
{
	struct print	*p;
	uint32_t	 uid;

	if (strcmp(name, "print-message") != 0)
		return false;
	if (ui->folder == NULL || (uid = index_current_uid(ui)) == 0) {
		ui_message(ui, "No message to print.");
		return true;
	}
	if (busy(ui))
		return true;
	p = xcalloc(1, sizeof *p);
	p->ui = ui;
	p->uid = uid;
	p->what = xasprintf("Message %u", uid);
	ask(ui, p);
	return true;
}

void
print_part(struct ui *ui, struct msghold *hold, const struct mime_part *part)
{
	struct print	*p;

	if (part == NULL || busy(ui))
		return;
	if (part->children != NULL) {
		ui_message(ui, "Part %s is a container; print one of its parts.",
		    *part->spec != '\0' ? part->spec : "1");
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->ui = ui;
	p->hold = msghold_ref(hold);
	p->part = part;
	p->what = xasprintf("Part %s", *part->spec != '\0' ? part->spec : "1");
	ask(ui, p);
}

/* The print quad: yes prints, no never does, ask-* asks. */
static void
ask(struct ui *ui, struct print *p)
{
	char	*question;

	switch (config_quad(ui->ctx->cfg, "print")) {
	case CONFIG_QUAD_YES:
		confirmed(ui, true, p);
		return;
	case CONFIG_QUAD_NO:
		ui_message(ui, "Not printed (print is no).");
		print_free(p);
		return;
	case CONFIG_QUAD_ASK_YES:
	case CONFIG_QUAD_ASK_NO:
		break;
	}
	pending = p;
	question = xasprintf("Print %s%s?", p->part != NULL ? "part " : "the message",
	    p->part != NULL ? p->what + strlen("Part ") : "");
	ui_confirm(ui, question, config_quad(ui->ctx->cfg, "print") ==
	    CONFIG_QUAD_ASK_YES, confirmed, p);
	free(question);
}

static void
confirmed(struct ui *ui, bool yes, void *arg)
{
	struct print	*p = arg;

	pending = p;
	if (!yes) {
		ui_message(ui, "Not printed.");
		print_free(p);
		return;
	}
	if (p->part != NULL && msghold_busy(p->hold)) {
		ui_message(ui, "The message is busy with a download; print it "
		    "when that is done.");
		print_free(p);
		return;
	}
	ui_message(ui, "Preparing %s for printing...", p->part != NULL ?
	    "the part" : "the message");
	if (p->part != NULL)
		msghold_stream(p->hold, p->part->spec, part_write, part_done, p);
	else
		rawfetch(ui, p->uid, fetched, p);
}

/* The message as the pager shows it: the header fields not weeded, then
 * the text of the parts shown, from the bytes as stored. */
static void
fetched(struct ui *ui, int status, const char *error, const struct buf *raw,
    void *arg)
{
	struct print	*p = arg;
	char		*why = NULL;

	if (p != pending)
		return;		/* the interface is ending */
	if (status < 0 || rawfetch_decoded(ui, raw, &p->data, &why) < 0) {
		ui_message(ui, "Not printed: %s", status < 0 ? error : why);
		free(why);
		print_free(p);
		return;
	}
	run(p);
}

static int
part_write(const void *data, size_t len, void *arg)
{
	struct print	*p = arg;

	buf_add(&p->data, data, len);
	return 0;
}

static void
part_done(void *arg, int status, const char *error)
{
	struct print	*p = arg;

	if (p != pending)
		return;
	if (status < 0) {
		ui_message(p->ui, "Not printed: %s", error != NULL ? error :
		    "the part could not be read");
		print_free(p);
		return;
	}
	run(p);
}

/* sh -c "$print_command": the command is the user's; the text only
 * arrives on its standard input. */
static void
run(struct print *p)
{
	struct ui	*ui = p->ui;
	const char	*cmd = config_str(ui->ctx->cfg, "print_command");
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };
	char		*error = NULL, *what;

	if (cmd == NULL || *cmd == '\0') {
		ui_message(ui, "Not printed: print_command is not set.");
		print_free(p);
		return;
	}
	argv[2] = (char *)cmd;
	what = p->what;
	p->what = NULL;
	if (bgjob_start(ui, argv, NULL, p->data.data, p->data.len, printed, what,
	    &error) < 0) {
		ui_message(ui, "Not printed: %s", error);
		free(error);
		free(what);
	} else
		ui_message(ui, "Printing...");
	print_free(p);
}

static void
printed(struct ui *ui, int status, const char *output, void *arg)
{
	struct buf	 why = BUF_INIT;
	char		*what = arg;

	if (output != NULL) {
		if (status == 0)
			ui_message(ui, "%s printed.", what);
		else {
			bgjob_describe(&why, status, output);
			ui_message(ui, "print_command failed (%s).", buf_cstr(&why));
		}
	}
	buf_free(&why);
	free(what);
}

static void
print_free(struct print *p)
{
	if (pending == p)
		pending = NULL;
	if (p->hold != NULL)
		msghold_forget(p->hold, p);
	msghold_unref(&p->hold);
	buf_free(&p->data);
	free(p->what);
	free(p);
}

void
print_cleanup(struct ui *ui)
{
	if (pending != NULL)
		print_free(pending);
}
