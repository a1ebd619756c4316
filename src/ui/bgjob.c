/*
 * Commands the interface runs in the background (print_command, crispin
 * bounce): a child without the terminal, its input fed from a pipe and
 * its output collected from another, all on the event loop. The child is
 * reaped by polling waitpid after its output ends, so the loop never
 * waits on it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* Output kept for the status line; the rest is dropped. */
#define JOB_OUTPUT_MAX	4096
/* How often an exited child's status is looked for. */
#define JOB_REAP_MS	20

struct job {
	struct ui	*ui;		/* borrowed */
	pid_t		 pid;
	int		 in_fd, out_fd;	/* -1 when closed */
	struct ev_fd	*in_w, *out_w;	/* owned */
	struct ev_timer	*reap;		/* owned */
	struct buf	 input;
	size_t		 sent;
	struct buf	 output;
	bgjob_done_cb	*done;
	void		*arg;
	struct job	*next;
};

static struct job *jobs;

static void on_writable(int, int, void *);
static void on_readable(int, int, void *);
static void on_reap(void *);
static void close_input(struct job *);
static void job_free(struct job *);

static int
nonblocking(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
bgjob_start(struct ui *ui, char *const argv[], const char *const *env,
    const void *input, size_t len, bgjob_done_cb *done, void *arg, char **error_r)
{
	struct job	*j;
	int		 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	size_t		 i;
	pid_t		 pid;

	if (pipe(in) < 0 || pipe(out) < 0) {
		*error_r = xasprintf("cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		*error_r = xasprintf("cannot start %s: %s", argv[0], strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* No terminal: the screen is the interface's. */
		setsid();
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		for (i = 0; env != NULL && env[i] != NULL; i += 2)
			setenv(env[i], env[i + 1], 1);
		/* This very program, even when not found on PATH. */
		if (strcmp(argv[0], "crispin") == 0)
			execv("/proc/self/exe", argv);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* Not inherited by later children (the editor, a viewer). */
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	j = xcalloc(1, sizeof *j);
	j->ui = ui;
	j->pid = pid;
	j->in_fd = in[1];
	j->out_fd = out[0];
	j->done = done;
	j->arg = arg;
	nonblocking(j->in_fd);
	nonblocking(j->out_fd);
	if (len > 0)
		buf_add(&j->input, input, len);
	j->in_w = ev_fd_add(ui->s.loop, j->in_fd, EV_WRITE, on_writable, j);
	j->out_w = ev_fd_add(ui->s.loop, j->out_fd, EV_READ, on_readable, j);
	j->reap = ev_timer_new(ui->s.loop, on_reap, j);
	j->next = jobs;
	jobs = j;
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}

static void
close_input(struct job *j)
{
	ev_fd_free(&j->in_w);
	if (j->in_fd >= 0)
		close(j->in_fd);
	j->in_fd = -1;
}

static void
on_writable(int fd, int events, void *arg)
{
	struct job	*j = arg;
	ssize_t		 n;

	while (j->sent < j->input.len) {
		n = write(fd, j->input.data + j->sent, j->input.len - j->sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;	/* EPIPE: the command did not want it all */
		j->sent += (size_t)n;
	}
	close_input(j);
}

static void
on_readable(int fd, int events, void *arg)
{
	struct job	*j = arg;
	char		 chunk[4096];
	ssize_t		 n;

	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		if (j->output.len < JOB_OUTPUT_MAX)
			buf_add(&j->output, chunk, (size_t)n);
	}
	/* The output ended: the child is exiting (or closed it early). */
	ev_fd_free(&j->out_w);
	close(j->out_fd);
	j->out_fd = -1;
	ev_timer_start(j->reap, 0);
}

static void
on_reap(void *arg)
{
	struct job	*j = arg, **pp;
	int		 status;
	pid_t		 r;

	while ((r = waitpid(j->pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		ev_timer_start(j->reap, JOB_REAP_MS);
		return;
	}
	if (r < 0)
		status = -1;
	for (pp = &jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	close_input(j);
	j->done(j->ui, status, buf_cstr(&j->output), j->arg);
	job_free(j);
}

static void
job_free(struct job *j)
{
	close_input(j);
	ev_fd_free(&j->out_w);
	if (j->out_fd >= 0)
		close(j->out_fd);
	ev_timer_free(&j->reap);
	buf_free(&j->input);
	buf_free(&j->output);
	free(j);
}

void
bgjob_free_all(struct ui *ui)
{
	struct job	*j, *next;

	for (j = jobs; j != NULL; j = next) {
		next = j->next;
		/* Left to finish on its own; init reaps it after we exit. */
		j->done(j->ui, -1, NULL, j->arg);
		job_free(j);
	}
	jobs = NULL;
}

void
bgjob_describe(struct buf *out, int status, const char *output)
{
	const char	*nl;
	size_t		 len;

	if (status < 0)
		buf_adds(out, "its status is unknown");
	else if (WIFEXITED(status))
		buf_printf(out, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_printf(out, "killed by signal %d", WTERMSIG(status));
	if (output == NULL || *output == '\0')
		return;
	/* The last line it wrote is usually the reason. */
	len = strlen(output);
	while (len > 0 && (output[len - 1] == '\n' || output[len - 1] == '\r'))
		len--;
	for (nl = output + len; nl > output && nl[-1] != '\n'; nl--)
		;
	buf_adds(out, ": ");
	buf_add(out, nl, len - (size_t)(nl - output));
}
