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

#define COMPOSE_MAX_ARGS	(16 + 2 * 64)

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
	{ "mail", "compose", NULL, false },
	{ "recall-message", "recall", NULL, false },
};

static int	 run_child(char **, int);
static void	 wait_key(void);
static void	 read_note(int, struct buf *);

/* note_fd: the child's end of the pipe it says the outcome on. */
static int
run_child(char **argv, int note_fd)
{
	struct sigaction	 ign, old_int, old_quit;
	pid_t			 pid;
	int			 status;

	/* Ctrl-C belongs to the editor while it runs, as with system(3). */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) == -1) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return -1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (note_fd >= 0) {
			char fd[16];

			snprintf(fd, sizeof fd, "%d", note_fd);
			setenv("CRISPIN_NOTE_FD", fd, 1);
		}
		execv("/proc/self/exe", argv);
		execvp(argv[0], argv);
		fprintf(stderr, "crispin: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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

/* The child's messages stay until the user has read them. */
static void
wait_key(void)
{
	FILE	*tty;
	int	 c;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return;
	fputs("Press Enter to return to crispin. ", tty);
	fflush(tty);
	while ((c = fgetc(tty)) != EOF && c != '\n')
		;
	fclose(tty);
}

bool
compose_function(struct ui *ui, const char *name)
{
	struct cli_context	*ctx = ui->ctx;
	const char		*account = config_account_name(ctx->cfg);
	char			*argv[COMPOSE_MAX_ARGS], uid[16];
	struct buf		 note = BUF_INIT;
	int			 notes[2];
	size_t			 i, n = 0, k;
	uint32_t		 msg_uid;
	int			 rc;

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
	argv[n++] = (char *)"crispin";
	if (ctx->rcfile != NULL) {
		argv[n++] = (char *)"-F";
		argv[n++] = (char *)ctx->rcfile;
	}
	if (ctx->no_system_rc)
		argv[n++] = (char *)"-n";
	for (k = 0; k < ctx->ncommands && k < 64; k++) {
		argv[n++] = (char *)"-e";
		argv[n++] = (char *)ctx->commands[k];
	}
	if (account != NULL) {
		argv[n++] = (char *)"-A";
		argv[n++] = (char *)account;
	}
	if (ui->link_offline)
		argv[n++] = (char *)"--offline";
	argv[n++] = (char *)verbs[i].verb;
	if (verbs[i].needs_message) {
		snprintf(uid, sizeof uid, "%u", msg_uid);
		argv[n++] = (char *)"-f";
		argv[n++] = ui->folder_name;
		argv[n++] = uid;
	}
	if (verbs[i].flag != NULL)
		argv[n++] = (char *)verbs[i].flag;
	argv[n] = NULL;
	screen_suspend();
	fflush(NULL);
	if (pipe(notes) < 0)
		notes[0] = notes[1] = -1;
	else {
		fcntl(notes[0], F_SETFD, FD_CLOEXEC);
		fcntl(notes[0], F_SETFL, O_NONBLOCK);
	}
	rc = run_child(argv, notes[1]);
	if (notes[1] >= 0)
		close(notes[1]);
	if (notes[0] >= 0) {
		read_note(notes[0], &note);
		close(notes[0]);
	}
	/* A note says it all (an abort on the compose screen); else the
	 * reason is on the terminal. */
	if (rc != 0 && note.len == 0)
		wait_key();
	screen_resume();
	if (note.len > 0)
		ui_message(ui, "%s", buf_cstr(&note));
	else if (rc == 0)
		ui_message(ui, "Sent.");
	else if (rc > 0)
		ui_message(ui, "Not sent (exit %d): the text is kept, see the "
		    "message above it.", rc);
	else
		ui_message(ui, "Could not run crispin %s.", verbs[i].verb);
	buf_free(&note);
	ui_redraw(ui);
	return true;
}
