/*
 * Replies, forwards, new mail and recalled drafts from the interface:
 * the terminal is given to `crispin reply|forward|compose|recall`, run as a child with this
 * session's rc file, account and folder, which opens $EDITOR, sends
 * through the outbox and marks the original; the change comes back here
 * through IDLE like any other. The child's last words stay on screen
 * until a key is pressed; what became of the message (sent, postponed)
 * comes back on a pipe for the status line.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static const struct {
	const char	*function;
	const char	*verb;
	const char	*flag;		/* or NULL */
	bool		 needs_message;
} verbs[] = {
	{ "reply", "reply", NULL, true },
	{ "group-reply", "reply", "--group", true },
	{ "list-reply", "reply", "--list", true },
	{ "forward-message", "forward", NULL, true },
	{ "recall-message", "recall", NULL, false },
};

static void	 read_note(int, struct buf *);
static void	 run_verb(struct ui *, const char *const *, size_t);

/* What the child said became of the message ("Postponed to 'Drafts'."),
 * read once it has exited: a line or two, never more than a pipe holds. */
static void
read_note(int fd, struct buf *out)
{
	char	 chunk[512];
	ssize_t	 n;

	while ((n = read(fd, chunk, sizeof chunk)) > 0 && out->len < 4096)
		buf_add(out, chunk, (size_t)n);
}

/* mail: To and Subject first, as mutt asks them. */
static void
mail_subject_done(struct ui *ui, const char *text, void *arg)
{
	char		*to = arg;
	const char	*words[5];
	size_t		 n = 0;

	if (text != NULL) {
		words[n++] = "compose";
		if (*text != '\0') {
			words[n++] = "-s";
			words[n++] = text;
		}
		/* An address is never an option, whatever it starts with. */
		words[n++] = "--";
		words[n++] = to;
		run_verb(ui, words, n);
	}
	free(to);
}

static void
mail_to_done(struct ui *ui, const char *text, void *arg)
{
	if (text == NULL)
		return;
	if (text[strspn(text, " \t,")] == '\0') {
		ui_message(ui, "No recipients: nothing to send.");
		return;
	}
	ui_prompt(ui, "Subject: ", NULL, PROMPT_OTHER, NULL, mail_subject_done,
	    xstrdup(text));
}

bool
compose_function(struct ui *ui, const char *name)
{
	const char		*words[6];
	char			 uid[16];
	size_t			 i, n = 0;
	uint32_t		 msg_uid;

	if (strcmp(name, "mail") == 0) {
		ui_prompt(ui, "To: ", NULL, PROMPT_ADDRESS, NULL, mail_to_done, NULL);
		return true;
	}
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(verbs[i].function, name) == 0)
			break;
	}
	if (i == sizeof verbs / sizeof verbs[0])
		return false;
	msg_uid = index_current_uid(ui);
	if (verbs[i].needs_message && msg_uid == 0) {
		ui_message(ui, "No message to %s.", verbs[i].verb);
		return true;
	}
	words[n++] = verbs[i].verb;
	if (verbs[i].needs_message) {
		snprintf(uid, sizeof uid, "%u", msg_uid);
		words[n++] = "-f";
		words[n++] = ui->folder_name;
		words[n++] = uid;
	}
	if (verbs[i].flag != NULL)
		words[n++] = verbs[i].flag;
	run_verb(ui, words, n);
	return true;
}

/* `crispin WORDS...` with the terminal; what became of the message on
 * the status line. */
static void
run_verb(struct ui *ui, const char *const *words, size_t n)
{
	char			**argv;
	struct buf		 note = BUF_INIT;
	struct fg_cmd		 cmd;
	int			 notes[2];
	int			 rc;

	argv = ui_child_argv(ui, words, n);
	screen_suspend();
	fflush(NULL);
	if (pipe(notes) < 0)
		notes[0] = notes[1] = -1;
	else {
		fcntl(notes[0], F_SETFD, FD_CLOEXEC);
		fcntl(notes[0], F_SETFL, O_NONBLOCK);
	}
	memset(&cmd, 0, sizeof cmd);
	cmd.argv = argv;
	cmd.self = true;
	cmd.stdin_fd = -1;
	cmd.note_fd = notes[1];
	rc = ui_run_foreground(&cmd);
	free(argv);
	if (notes[1] >= 0)
		close(notes[1]);
	if (notes[0] >= 0) {
		read_note(notes[0], &note);
		close(notes[0]);
	}
	/* A note says it all (an abort on the compose screen); else the
	 * reason is on the terminal. */
	if (rc != 0 && note.len == 0)
		ui_wait_key();
	screen_resume();
	if (note.len > 0)
		ui_message(ui, "%s", buf_cstr(&note));
	else if (rc == 0)
		ui_message(ui, "Sent.");
	else if (rc > 0)
		ui_message(ui, "Not sent (exit %d): the text is kept, see the "
		    "message above it.", rc);
	else
		ui_message(ui, "Could not run crispin %s.", words[0]);
	buf_free(&note);
	ui_redraw(ui);
}
