/*
 * Programs that get the terminal for a while: the editor, a mailcap
 * viewer, url_command, the user's shell command, and child crispins
 * (reply, compose, recall). One runner for all of them, so that each
 * gets the same care: SIGINT and SIGQUIT belong to the program while it
 * runs (as with system(3)), anything from mail reaches it only as an
 * argument or on its standard input, and a failed start is said.
 *
 * The caller suspends and resumes the screen around it, since some want
 * a key press in between (ui_wait_key) and some do not.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static void	 child(const struct fg_cmd *, int in_fd, const struct sigaction *,
		    const struct sigaction *);
static void	 feed(int fd, const void *input, size_t len);

/* In the child: stdin, signals, the note pipe, then exec. */
static void
child(const struct fg_cmd *c, int in_fd, const struct sigaction *old_int,
    const struct sigaction *old_quit)
{
	char	 fd[16];

	sigaction(SIGINT, old_int, NULL);
	sigaction(SIGQUIT, old_quit, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	if (c->note_fd >= 0) {
		snprintf(fd, sizeof fd, "%d", c->note_fd);
		setenv("CRISPIN_NOTE_FD", fd, 1);
	}
	if (c->script != NULL) {
		execl("/bin/sh", "sh", "-c", c->script, "sh", c->arg, (char *)NULL);
		_exit(127);
	}
	if (c->self)
		execv("/proc/self/exe", c->argv);
	execvp(c->argv[0], c->argv);
	fprintf(stderr, "crispin: cannot run %s: %s\n", c->argv[0], strerror(errno));
	_exit(127);
}

/* Writes input to the program; one that stops reading ends the writing. */
static void
feed(int fd, const void *input, size_t len)
{
	const char	*p = input;
	void		(*old)(int);
	ssize_t		 w;

	old = signal(SIGPIPE, SIG_IGN);
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	signal(SIGPIPE, old);
}

int
ui_run_foreground(const struct fg_cmd *c)
{
	struct sigaction	 ign, old_int, old_quit;
	int			 fds[2] = { -1, -1 }, in_fd = c->stdin_fd, status;
	pid_t			 pid;

	if (c->input != NULL) {
		if (pipe(fds) < 0)
			return -1;
		in_fd = fds[0];
	}
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		if (fds[1] >= 0)
			close(fds[1]);
		child(c, in_fd, &old_int, &old_quit);
	}
	if (fds[0] >= 0)
		close(fds[0]);
	if (pid > 0 && fds[1] >= 0)
		feed(fds[1], c->input, c->input_len);
	else if (fds[1] >= 0)
		close(fds[1]);
	status = -1;
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0 || status == -1)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
ui_foreground_error(char **error_r, const char *what, int rc)
{
	if (rc < 0)
		*error_r = xasprintf("cannot run %s: %s", what, strerror(errno));
	else if (rc > 128)
		*error_r = xasprintf("%s failed (signal %d)", what, rc - 128);
	else
		*error_r = xasprintf("%s failed (exit status %d)", what, rc);
}

/* One key from the terminal, in raw mode for the moment, so that the
 * program's last words stay readable until then. */
void
ui_wait_key(void)
{
	struct termios	 saved, raw;
	char		 c;
	int		 fd;
	bool		 have;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return;
	have = tcgetattr(fd, &saved) == 0;
	(void)!write(fd, "Press any key to return to crispin...", 37);
	if (have) {
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(fd, TCSANOW, &raw);
	}
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	if (have)
		tcsetattr(fd, TCSANOW, &saved);
	(void)!write(fd, "\r\n", 2);
	close(fd);
}

char **
ui_child_argv(struct ui *ui, const char *const *words, size_t nwords)
{
	struct cli_context	*ctx = ui->ctx;
	const char		*account = config_account_name(ctx->cfg);
	char			**argv;
	size_t			 i, n = 0;

	argv = xcalloc(8 + 2 * ctx->ncommands + nwords + 1, sizeof *argv);
	argv[n++] = (char *)"crispin";
	if (ctx->rcfile != NULL) {
		argv[n++] = (char *)"-F";
		argv[n++] = (char *)ctx->rcfile;
	}
	if (ctx->no_system_rc)
		argv[n++] = (char *)"-n";
	for (i = 0; i < ctx->ncommands; i++) {
		argv[n++] = (char *)"-e";
		argv[n++] = (char *)ctx->commands[i];
	}
	if (account != NULL) {
		argv[n++] = (char *)"-A";
		argv[n++] = (char *)account;
	}
	if (ui->link_offline)
		argv[n++] = (char *)"--offline";
	for (i = 0; i < nwords; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	return argv;
}
