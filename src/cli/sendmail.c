/*
 * The sendmail transport: the message on the standard input of the
 * user's command, run by /bin/sh -c as written in the rc file. Nothing
 * from the message is put into the command line. When the command has
 * no -t word, the recipients follow it as separate arguments ("$@" of
 * the shell, never interpolated) and Bcc is taken out of the message;
 * with -t the command reads the recipients from To, Cc and Bcc itself
 * and removes Bcc, as sendmail -t does. Lines end in LF, as local
 * mailers expect. Exit status 0 means the command took the message.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/smtp_client.h"
#include "crispin/xalloc.h"
#include "submit_p.h"

static bool has_t_flag(const char *);
static void to_lf(const char *, size_t, struct buf *);

/* A word "-t" on its own: the command finds the recipients itself. */
static bool
has_t_flag(const char *command)
{
	const char	*p = command;
	size_t		 n;

	while (*p != '\0') {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 2 && p[0] == '-' && p[1] == 't')
			return true;
		p += n;
	}
	return false;
}

static void
to_lf(const char *data, size_t len, struct buf *out)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		buf_addc(out, data[i]);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_addc(out, '\n');
}


int
submit_sendmail(struct cli_context *ctx, const char *command,
    const struct submit_msg *m, char **error_r)
{
	struct buf	 msg = BUF_INIT, stripped = BUF_INIT, script = BUF_INIT;
	char		 sh[] = "/bin/sh", dash_c[] = "-c", name[] = "sendmail";
	char		**argv;
	bool		 t_flag = has_t_flag(command);
	size_t		 i, argc = 0;
	pid_t		 pid;
	int		 fds[2], status, werr = 0, rc = -1;

	/* An address the command would read as an option. */
	for (i = 0; !t_flag && i < m->nrcpts; i++) {
		if (m->rcpts[i][0] == '-') {
			*error_r = xasprintf("'%s' starts with '-' and cannot be "
			    "given to the sendmail command", m->rcpts[i]);
			return -1;
		}
	}
	if (t_flag)
		to_lf(m->data.data, m->data.len, &msg);
	else {
		smtp_strip_bcc(m->data.data, m->data.len, &stripped);
		to_lf(stripped.data, stripped.len, &msg);
	}
	buf_adds(&script, command);
	if (!t_flag)
		buf_adds(&script, " \"$@\"");
	argv = xcalloc(m->nrcpts + 5, sizeof *argv);
	argv[argc++] = sh;
	argv[argc++] = dash_c;
	buf_cstr(&script);
	argv[argc++] = script.data;
	argv[argc++] = name;
	for (i = 0; !t_flag && i < m->nrcpts; i++)
		argv[argc++] = m->rcpts[i];
	argv[argc] = NULL;

	fflush(ctx->out);
	fflush(ctx->err);
	/* Close-on-exec: the command must see EOF once we close our end. */
	if (pipe(fds) == -1 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1) {
		*error_r = xasprintf("cannot run sendmail: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		*error_r = xasprintf("cannot run sendmail: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	if (pid == 0) {
		/* Its output is no part of ours: scripts read our stdout. */
		if (dup2(fds[0], STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(fds[0]);
	if (fd_write_all(fds[1], msg.data, msg.len) == -1)
		werr = errno;
	close(fds[1]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			*error_r = xasprintf("sendmail: %s", strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
		rc = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		*error_r = xasprintf("the sendmail command failed (exit status %d)",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		*error_r = xasprintf("the sendmail command was killed by signal %d",
		    WTERMSIG(status));
	else
		*error_r = xasprintf("the sendmail command did not read the whole "
		    "message: %s", strerror(werr));
out:
	free(argv);
	buf_free(&msg);
	buf_free(&stripped);
	buf_free(&script);
	return rc;
}
