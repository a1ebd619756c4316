/* Secrets for the scripting commands: a command's output or a prompt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/wait.h>

#include "crispin/cli.h"
#include "crispin/xalloc.h"

/* The first line a command prints is the secret; the command's stderr
 * goes to ours so the user sees why it failed. */
char *
cli_secret_command(const char *what, const char *command, char **error_r)
{
	struct buf	 out = BUF_INIT;
	char		 chunk[512];
	size_t		 n;
	FILE		*fp;
	int		 status;

	if ((fp = popen(command, "r")) == NULL) {
		*error_r = xasprintf("%s: cannot run: %s", what, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&out, chunk, n);
	explicit_bzero(chunk, sizeof chunk);
	status = pclose(fp);
	if (status != 0) {
		buf_free_secret(&out);
		*error_r = xasprintf("%s failed (exit status %d)", what,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return NULL;
	}
	buf_truncate(&out, strcspn(buf_cstr(&out), "\r\n"));
	if (out.len == 0) {
		buf_free_secret(&out);
		*error_r = xasprintf("%s printed nothing", what);
		return NULL;
	}
	return buf_steal(&out);
}

/* Reads a password from the terminal with echo off. */
char *
cli_prompt_secret(const char *prompt, const char *proto, char **error_r)
{
	struct termios	 old, quiet;
	struct buf	 line = BUF_INIT;
	char		 c;
	int		 fd;
	ssize_t		 n;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
		*error_r = xasprintf("no password: set %s_pass_cmd or %s_pass in the rc "
		    "file (there is no terminal to ask on)", proto, proto);
		return NULL;
	}
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		*error_r = xstrdup("no password: cannot prompt on this terminal");
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	(void)!write(fd, prompt, strlen(prompt));
	tcsetattr(fd, TCSAFLUSH, &quiet);
	while ((n = read(fd, &c, 1)) == 1 && c != '\n' && c != '\r')
		buf_addc(&line, c);
	tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	return buf_steal(&line);
}

