/*
 * First-run setup (and crispin --setup): a few questions on the terminal
 * before any screen is taken (name, address, IMAP server and user, with
 * imap.<domain> and port 993 suggested), a real login to check them,
 * then a commented starter rc file written with mode 0600. An existing
 * file is replaced only when the user says so, and kept as FILE.bak.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crispin/buf.h"
#include "crispin/cli.h"
#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct answers {
	char	*name;
	char	*address;
	char	*host;
	char	*port;
	char	*user;
	char	*password;	/* owned; wiped */
	char	*ca_file;	/* NULL: the system's trust store */
	bool	 implicit_tls;	/* imaps://, else STARTTLS */
	bool	 store_password;
};

static char *ask(const char *, const char *);
static bool ask_yes(const char *, bool);
static char *target_path(const char *);
static int make_parent(const char *);
static char *imap_url(const struct answers *);
static int try_login(const struct answers *);
static void write_rc(struct buf *, const struct answers *);
static int save(const char *, const struct buf *);
static void answers_free(struct answers *);

/* A line from the terminal, without its newline; dflt when empty.
 * NULL at end of input. */
static char *
ask(const char *question, const char *dflt)
{
	char	 line[1024];
	size_t	 len;

	if (dflt != NULL && *dflt != '\0')
		printf("%s [%s]: ", question, dflt);
	else
		printf("%s: ", question);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		return NULL;
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	if (len == 0)
		return xstrdup(dflt != NULL ? dflt : "");
	return xstrdup(line + strspn(line, " \t"));
}

static bool
ask_yes(const char *question, bool dflt)
{
	char	*a;
	bool	 yes;

	for (;;) {
		char *q = xasprintf("%s (y/n)", question);

		a = ask(q, dflt ? "y" : "n");
		free(q);
		if (a == NULL)
			return false;
		if (*a == 'y' || *a == 'Y' || *a == 'n' || *a == 'N') {
			yes = *a == 'y' || *a == 'Y';
			free(a);
			return yes;
		}
		free(a);
	}
}

/* -F's file, else the file crispin reads now, else the XDG place. */
static char *
target_path(const char *rcfile)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char		*path;

	if (rcfile != NULL)
		return xstrdup(rcfile);
	if ((path = config_default_path()) != NULL)
		return path;
	if (xdg != NULL && *xdg != '\0')
		return xasprintf("%s/crispin/crispinrc", xdg);
	if (home != NULL && *home != '\0')
		return xasprintf("%s/.config/crispin/crispinrc", home);
	return NULL;
}

/* The directories above path, private when they are new. */
static int
make_parent(const char *path)
{
	char	*dir = xstrdup(path), *p;
	int	 rc = 0;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "crispin: setup: cannot create %s: %s\n", dir,
			    strerror(errno));
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* imaps://, or imap:// with STARTTLS (tls = yes). The user part is
 * percent-encoded: addresses hold '@'. */
static char *
imap_url(const struct answers *a)
{
	struct buf	 url = BUF_INIT;
	const char	*p;

	buf_adds(&url, a->implicit_tls ? "imaps://" : "imap://");
	for (p = a->user; *p != '\0'; p++) {
		if (strchr("@:/%?#[] ", *p) != NULL || (unsigned char)*p < 0x20)
			buf_printf(&url, "%%%02X", (unsigned char)*p);
		else
			buf_addc(&url, *p);
	}
	buf_printf(&url, "@%s:%s/", a->host, a->port);
	return buf_steal(&url);
}

/* A real login with the answers. Returns 0 or the exit code (the
 * reason printed by the session). */
static int
try_login(const struct answers *a)
{
	struct cli_context	 ctx;
	struct cli_session	 s;
	struct config		*cfg = config_new();
	char			*url = imap_url(a), *error = NULL;
	int			 rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.out = stdout;
	ctx.err = stderr;
	if (config_set(cfg, "imap_url", url, &error) < 0 ||
	    config_set(cfg, "imap_pass", a->password, &error) < 0 ||
	    config_set(cfg, "connect_timeout", "15", &error) < 0 ||
	    (a->ca_file != NULL && config_set(cfg, "tls_ca_file", a->ca_file, &error) < 0)) {
		fprintf(stderr, "crispin: setup: %s\n", error);
		free(error);
		free(url);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	printf("Logging in to %s as %s...\n", a->host, a->user);
	fflush(stdout);
	if ((rc = cli_session_open(&s, &ctx)) == 0) {
		printf("Logged in.\n");
		cli_session_close(&s);
	}
	free(url);
	config_free(&cfg);
	return rc;
}

static void
write_rc(struct buf *out, const struct answers *a)
{
	char	 date[64];
	time_t	 now = time(NULL);
	char	*url = imap_url(a);

	if (strftime(date, sizeof date, "%Y-%m-%d", localtime(&now)) == 0)
		date[0] = '\0';
	buf_printf(out,
	    "# crispin's configuration, written by crispin --setup on %s.\n"
	    "# Every option is in crispinrc(5); crispin --dump-config --defaults\n"
	    "# prints them all with their defaults. Lines starting with # are\n"
	    "# comments: remove the # to use one.\n"
	    "\n"
	    "# Who you are.\n", date);
	buf_adds(out, "set realname = ");
	config_quote(out, a->name);
	buf_adds(out, "\nset from = ");
	config_quote(out, a->address);
	buf_adds(out,
	    "\n\n# The IMAP server: imaps:// is TLS from the first byte (port 993),\n"
	    "# imap:// upgrades with STARTTLS (port 143).\n"
	    "set imap_url = ");
	config_quote(out, url);
	buf_adds(out, "\n");
	if (a->ca_file != NULL) {
		buf_adds(out, "# The server's certificate is signed by this CA.\nset tls_ca_file = ");
		config_quote(out, a->ca_file);
		buf_adds(out, "\n");
	}
	buf_adds(out,
	    "\n# The password. A command that prints it keeps it out of this file:\n"
	    "# set imap_pass_cmd = \"pass show mail\"\n");
	if (a->store_password) {
		buf_adds(out, "set imap_pass = ");
		config_quote(out, a->password);
		buf_adds(out, "\n");
	} else
		buf_adds(out, "# Without either, crispin asks when it connects.\n");
	buf_adds(out,
	    "\n# Sending: your provider's submission server.\n"
	    "# set smtp_url = \"smtps://user@smtp.example.org:465/\"\n"
	    "\n# The interface.\n"
	    "# set sort = threads\n"
	    "# set sidebar_visible = yes\n"
	    "# set beep_new = yes\n"
	    "# Run on new mail with the folder as $1 and the count as $2:\n"
	    "# set new_mail_command = 'notify-send \"New mail in $1\" \"$2 new\"'\n"
	    "# mailboxes INBOX Lists/crispin\n"
	    "# bind index G imap-fetch-mail\n"
	    "# color status white blue\n");
	free(url);
}

/* Written to a temporary file beside it, then renamed: a crash leaves
 * the old file or the new one, never half of one. */
static int
save(const char *path, const struct buf *text)
{
	char	*tmp = xasprintf("%s.new", path), *bak;
	int	 fd;
	bool	 ok;

	if (make_parent(path) < 0) {
		free(tmp);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "crispin: setup: cannot write %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fchmod(fd, 0600) == 0 && write(fd, text->data, text->len) == (ssize_t)text->len;
	ok = close(fd) == 0 && ok;
	if (ok && access(path, F_OK) == 0) {
		bak = xasprintf("%s.bak", path);
		if (rename(path, bak) < 0)
			ok = false;
		else
			printf("The old file is now %s.\n", bak);
		free(bak);
	}
	if (!ok || rename(tmp, path) < 0) {
		fprintf(stderr, "crispin: setup: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static void
answers_free(struct answers *a)
{
	free(a->name);
	free(a->address);
	free(a->host);
	free(a->port);
	free(a->user);
	if (a->password != NULL) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
	}
	free(a->ca_file);
	memset(a, 0, sizeof *a);
}

int
cli_setup(const char *rcfile, bool again, char **written_r)
{
	struct answers	 a;
	struct buf	 text = BUF_INIT;
	char		*path, *suggest, *error = NULL;
	const char	*at;
	int		 rc = EXIT_USAGE;

	*written_r = NULL;
	memset(&a, 0, sizeof a);
	if ((path = target_path(rcfile)) == NULL) {
		fprintf(stderr, "crispin: setup: no place for the rc file: set HOME or use -F\n");
		return EXIT_USAGE;
	}
	if (!again)
		printf("Welcome to crispin. There is no configuration file yet, so a few\n"
		    "questions set one up (Ctrl-C stops; crispin --setup asks again).\n");
	printf("The answers go to %s.\n\n", path);
	if (access(path, F_OK) == 0) {
		char *q = xasprintf("%s exists. Replace it (the old one is kept as .bak)?", path);
		bool yes = ask_yes(q, false);

		free(q);
		if (!yes) {
			printf("Nothing written.\n");
			free(path);
			return EXIT_FAILURE;
		}
	}
	if ((a.name = ask("Your name", NULL)) == NULL)
		goto eof;
	for (;;) {
		if ((a.address = ask("Your e-mail address", NULL)) == NULL)
			goto eof;
		if ((at = strchr(a.address, '@')) != NULL && at[1] != '\0')
			break;
		printf("That is not an address (user@example.org).\n");
		x_free(&a.address);
	}
	for (;;) {
		suggest = xasprintf("imap.%s", strchr(a.address, '@') + 1);
		free(a.host);
		a.host = ask("IMAP server", suggest);
		free(suggest);
		if (a.host == NULL)
			goto eof;
		free(a.port);
		if ((a.port = ask("Port (993: TLS; 143: STARTTLS)", "993")) == NULL)
			goto eof;
		if (strcmp(a.port, "993") == 0)
			a.implicit_tls = true;
		else if (strcmp(a.port, "143") == 0)
			a.implicit_tls = false;
		else
			a.implicit_tls = ask_yes("TLS from the first byte on this port "
			    "(no: STARTTLS)?", true);
		free(a.user);
		if ((a.user = ask("User name", a.address)) == NULL)
			goto eof;
		if (a.password != NULL) {
			explicit_bzero(a.password, strlen(a.password));
			x_free(&a.password);
		}
		if ((a.password = cli_prompt_secret("Password (to check the login): ",
		    "imap", &error)) == NULL) {
			fprintf(stderr, "crispin: setup: %s\n", error);
			free(error);
			goto out;
		}
		rc = try_login(&a);
		if (rc == EXIT_TLS && a.ca_file == NULL) {
			/* A private server: its CA can be named. */
			char *ca = ask("The certificate is not trusted. A CA certificate "
			    "file to trust for it (empty: none)", NULL);

			if (ca == NULL)
				goto eof;
			if (*ca != '\0') {
				a.ca_file = ca;
				if ((rc = try_login(&a)) == 0)
					break;
			} else
				free(ca);
		}
		if (rc == 0)
			break;
		if (!ask_yes("The login failed. Change the answers?", true)) {
			if (!ask_yes("Write the file anyway?", false))
				goto out;
			break;
		}
	}
	a.store_password = ask_yes("Keep the password in the file (readable by you only)?",
	    false);
	write_rc(&text, &a);
	if (save(path, &text) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	printf("Wrote %s.\n", path);
	rc = 0;
	*written_r = path;
	path = NULL;
	goto out;
eof:
	printf("\nNothing written.\n");
	rc = EXIT_USAGE;
out:
	buf_free_secret(&text);
	answers_free(&a);
	free(path);
	return rc;
}
