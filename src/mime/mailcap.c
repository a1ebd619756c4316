/*
 * Mailcap files and safe viewer commands. Each substituted value becomes
 * a shell variable assigned with single quotes (the only shell quoting
 * with no special characters inside but the quote itself), and the
 * template refers to it according to the quoting the template author put
 * around the %-escape, so no value can end a quote or start a command.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/fdio.h"
#include "crispin/mailcap.h"
#include "crispin/xalloc.h"

#define VAR_PREFIX	"CRISPIN_MC"

enum quoting { Q_NONE, Q_SINGLE, Q_DOUBLE };

static char	*trim_dup(const char *, size_t);
static void	 parse_entry(struct mailcap *, const char *, size_t);
static bool	 type_matches(const char *, const char *);
static void	 add_var(struct buf *, struct buf *, unsigned *, enum quoting,
		    const char *);
static void	 sh_single_quote(struct buf *, const char *);
static int	 read_whole(const char *, struct buf *, char **);

static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

void
mailcap_parse(struct mailcap *mc, const char *text, size_t len)
{
	struct buf	 line = BUF_INIT;
	size_t		 i = 0;

	while (i < len) {
		buf_reset(&line);
		/* A backslash before the newline continues the entry. */
		for (; i < len; i++) {
			if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n') {
				i++;
				continue;
			}
			if (text[i] == '\n') {
				i++;
				break;
			}
			buf_addc(&line, text[i]);
		}
		if (line.len > 0 && line.data[0] != '#')
			parse_entry(mc, line.data, line.len);
	}
	buf_free(&line);
}

/* type; view-command; flag; name=value ... with "\;" for a literal ';'. */
static void
parse_entry(struct mailcap *mc, const char *s, size_t n)
{
	struct mailcap_entry	 e;
	struct buf		 field = BUF_INIT;
	size_t			 i, nfield = 0;
	char			*v, *eq;

	memset(&e, 0, sizeof e);
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] == '\\' && i + 1 < n && s[i + 1] == ';') {
			buf_addc(&field, ';');
			i++;
			continue;
		}
		if (i < n && s[i] != ';') {
			buf_addc(&field, s[i]);
			continue;
		}
		v = trim_dup(buf_cstr(&field), field.len);
		buf_reset(&field);
		if (nfield == 0) {
			for (char *p = v; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			e.type = v;
		} else if (nfield == 1)
			e.command = v;
		else if (strcasecmp(v, "copiousoutput") == 0) {
			e.copiousoutput = true;
			free(v);
		} else if (strcasecmp(v, "needsterminal") == 0) {
			e.needsterminal = true;
			free(v);
		} else if ((eq = strchr(v, '=')) != NULL) {
			const char **slot = NULL;
			size_t klen = (size_t)(eq - v);

			while (klen > 0 && (v[klen - 1] == ' ' || v[klen - 1] == '\t'))
				klen--;
			if (klen == 4 && strncasecmp(v, "test", 4) == 0)
				slot = &e.test;
			else if (klen == 12 && strncasecmp(v, "nametemplate", 12) == 0)
				slot = &e.nametemplate;
			else if (klen == 11 && strncasecmp(v, "description", 11) == 0)
				slot = &e.description;
			if (slot != NULL && *slot == NULL)
				*slot = trim_dup(eq + 1, strlen(eq + 1));
			free(v);
		} else
			free(v);	/* unknown flag */
		nfield++;
	}
	buf_free(&field);
	if (e.type == NULL || *e.type == '\0' || e.command == NULL) {
		free((char *)e.type);
		free((char *)e.command);
		free((char *)e.test);
		free((char *)e.nametemplate);
		free((char *)e.description);
		return;
	}
	mc->entries = xreallocarray(mc->entries, mc->count + 1, sizeof e);
	mc->entries[mc->count++] = e;
}

void
mailcap_free(struct mailcap *mc)
{
	size_t	 i;

	for (i = 0; i < mc->count; i++) {
		free((char *)mc->entries[i].type);
		free((char *)mc->entries[i].command);
		free((char *)mc->entries[i].test);
		free((char *)mc->entries[i].nametemplate);
		free((char *)mc->entries[i].description);
	}
	free(mc->entries);
	mc->entries = NULL;
	mc->count = 0;
}

static int
read_whole(const char *path, struct buf *b, char **error_r)
{
	if (file_read_all(path, b, 0) == 0)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return 1;
	if (error_r != NULL)
		*error_r = xasprintf("Cannot read the mailcap file %s: %s.",
		    path, strerror(errno));
	return -1;
}

int
mailcap_load(struct mailcap *mc, const char *path_list, char **error_r)
{
	struct buf	 text = BUF_INIT;
	char		*list, *path, *next, *dflt = NULL;
	const char	*home;
	int		 rc = 0, r;

	if (path_list == NULL)
		path_list = getenv("MAILCAPS");
	if (path_list == NULL) {
		home = getenv("HOME");
		dflt = xasprintf("%s/.mailcap:/etc/mailcap", home ? home : "");
		path_list = dflt;
	}
	list = xstrdup(path_list);
	for (path = list; path != NULL; path = next) {
		if ((next = strchr(path, ':')) != NULL)
			*next++ = '\0';
		if (*path == '\0')
			continue;
		buf_reset(&text);
		if ((r = read_whole(path, &text, error_r)) < 0) {
			rc = -1;
			break;
		}
		if (r == 0)
			mailcap_parse(mc, buf_cstr(&text), text.len);
	}
	buf_free(&text);
	free(list);
	free(dflt);
	return rc;
}

/* "text/html" matches "text/html", "text/" "*" and "text". */
static bool
type_matches(const char *pattern, const char *type)
{
	const char	*slash = strchr(pattern, '/');
	size_t		 tlen = slash ? (size_t)(slash - pattern) : strlen(pattern);

	if (strncasecmp(pattern, type, tlen) != 0 || (type[tlen] != '/' &&
	    type[tlen] != '\0'))
		return false;
	if (slash == NULL || strcmp(slash + 1, "*") == 0)
		return true;
	return type[tlen] == '/' && strcasecmp(slash + 1, type + tlen + 1) == 0;
}

int
mailcap_lookup(const struct mailcap *mc, const char *type,
    bool want_copiousoutput, const struct mime_param *params, size_t nparams,
    const struct mailcap_entry **entry)
{
	size_t	 i;
	char	*cmd;
	int	 status;

	for (i = 0; i < mc->count; i++) {
		const struct mailcap_entry *e = &mc->entries[i];

		if (!type_matches(e->type, type))
			continue;
		if (want_copiousoutput && !e->copiousoutput)
			continue;
		if (e->test != NULL) {
			cmd = mailcap_expand(e->test, NULL, type, params, nparams);
			status = mailcap_run_quiet(cmd);
			free(cmd);
			if (status != 0)
				continue;
		}
		*entry = e;
		return 0;
	}
	return -1;
}

/* 'value' with each ' written as '\'' */
static void
sh_single_quote(struct buf *b, const char *v)
{
	buf_addc(b, '\'');
	for (; *v != '\0'; v++) {
		if (*v == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *v);
	}
	buf_addc(b, '\'');
}

/* Assigns value to the next variable and refers to it from the template. */
static void
add_var(struct buf *assign, struct buf *cmd, unsigned *nvars, enum quoting q,
    const char *value)
{
	unsigned	 n = ++*nvars;

	buf_printf(assign, "%s%u=", VAR_PREFIX, n);
	sh_single_quote(assign, value);
	buf_adds(assign, "; ");
	switch (q) {
	case Q_NONE:
		buf_printf(cmd, "\"${%s%u}\"", VAR_PREFIX, n);
		break;
	case Q_DOUBLE:
		buf_printf(cmd, "${%s%u}", VAR_PREFIX, n);
		break;
	case Q_SINGLE:
		buf_printf(cmd, "'\"${%s%u}\"'", VAR_PREFIX, n);
		break;
	}
}

char *
mailcap_expand(const char *t, const char *file, const char *type,
    const struct mime_param *params, size_t nparams)
{
	struct buf	 assign = BUF_INIT, cmd = BUF_INIT;
	enum quoting	 q = Q_NONE;
	unsigned	 nvars = 0;
	const char	*end, *v;
	char		*name;

	for (; *t != '\0'; t++) {
		if (*t == '\\' && (t[1] == '%' || t[1] == ';')) {
			buf_addc(&cmd, *++t);	/* mailcap escape */
			continue;
		}
		if (*t == '%' && t[1] == 's') {
			add_var(&assign, &cmd, &nvars, q, file ? file : "");
			t++;
			continue;
		}
		if (*t == '%' && t[1] == 't') {
			add_var(&assign, &cmd, &nvars, q, type ? type : "");
			t++;
			continue;
		}
		if (*t == '%' && t[1] == '{' && (end = strchr(t + 2, '}')) != NULL) {
			name = xstrndup(t + 2, (size_t)(end - t - 2));
			v = mime_param_get(params, nparams, name);
			add_var(&assign, &cmd, &nvars, q, v ? v : "");
			free(name);
			t = end;
			continue;
		}
		if (*t == '%' && t[1] == '%') {
			buf_addc(&cmd, '%');
			t++;
			continue;
		}
		/* Follow the template's own quoting. */
		buf_addc(&cmd, *t);
		if (q == Q_SINGLE) {
			if (*t == '\'')
				q = Q_NONE;
		} else if (*t == '\\' && t[1] != '\0')
			buf_addc(&cmd, *++t);
		else if (q == Q_DOUBLE && *t == '"')
			q = Q_NONE;
		else if (q == Q_NONE && *t == '"')
			q = Q_DOUBLE;
		else if (q == Q_NONE && *t == '\'')
			q = Q_SINGLE;
	}
	buf_add(&assign, buf_cstr(&cmd), cmd.len);
	buf_free(&cmd);
	return buf_steal(&assign);
}

char *
mailcap_command(const struct mailcap_entry *e, const char *file,
    const char *type, const struct mime_param *params, size_t nparams)
{
	return mailcap_expand(e->command, file, type, params, nparams);
}

bool
mailcap_wants_file(const struct mailcap_entry *e)
{
	const char	*p;

	for (p = e->command; (p = strchr(p, '%')) != NULL; p++) {
		if (p[1] == 's' && (p == e->command || p[-1] != '\\'))
			return true;
		if (p[1] == '%')
			p++;
	}
	return false;
}

int
mailcap_tempfile(const struct mailcap_entry *e, const char *name_hint,
    char **path_r, char **error_r)
{
	struct buf	 path = BUF_INIT, stem = BUF_INIT;
	const char	*tmpdir = getenv("TMPDIR"), *tmpl, *pct, *base;
	size_t		 suffix_len = 0;
	mode_t		 old;
	int		 fd;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	/* Only harmless characters of the attachment's name survive. */
	if (name_hint != NULL) {
		base = strrchr(name_hint, '/');
		base = base ? base + 1 : name_hint;
		for (; *base != '\0' && stem.len < 64; base++) {
			if ((*base >= 'a' && *base <= 'z') || (*base >= 'A' &&
			    *base <= 'Z') || (*base >= '0' && *base <= '9') ||
			    *base == '.' || *base == '-' || *base == '_')
				buf_addc(&stem, *base);
		}
	}
	while (stem.len > 0 && stem.data[0] == '.')
		buf_consume(&stem, 1);
	buf_printf(&path, "%s/crispin-XXXXXX", tmpdir);
	if (stem.len > 0)
		buf_printf(&path, "-%s", stem.data);
	tmpl = e != NULL ? e->nametemplate : NULL;
	if (tmpl != NULL && (pct = strstr(tmpl, "%s")) != NULL) {
		/* Keep the template's suffix (".html") if it is harmless. */
		const char *sfx = pct + 2;
		if (strspn(sfx, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-") == strlen(sfx) && strlen(sfx) < 32) {
			buf_adds(&path, sfx);
			suffix_len = strlen(sfx);
		}
	}
	suffix_len += stem.len > 0 ? stem.len + 1 : 0;
	old = umask(077);
	fd = mkstemps(path.data, (int)suffix_len);
	umask(old);
	buf_free(&stem);
	if (fd == -1) {
		if (error_r != NULL)
			*error_r = xasprintf("Cannot create a temporary file in "
			    "%s: %s. Set TMPDIR to a writable directory.", tmpdir,
			    strerror(errno));
		buf_free(&path);
		return -1;
	}
	fchmod(fd, 0600);
	*path_r = buf_steal(&path);
	return fd;
}

int
mailcap_run_quiet(const char *command)
{
	pid_t	 pid;
	int	 status, fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


int
mailcap_filter(const struct mailcap_entry *e, const char *type,
    const struct mime_param *params, size_t nparams, const void *content,
    size_t len, const char *name_hint, struct buf *out, char **error_r)
{
	char	*path = NULL, *cmd = NULL, tmp[8192];
	int	 fd, pfd[2], status, rc = -1;
	bool	 use_file = mailcap_wants_file(e);
	ssize_t	 n;
	pid_t	 pid;

	if ((fd = mailcap_tempfile(e, name_hint, &path, error_r)) == -1)
		return -1;
	if (fd_write_all(fd, content, len) < 0 || lseek(fd, 0, SEEK_SET) == -1) {
		if (error_r != NULL)
			*error_r = xasprintf("Cannot write the temporary file %s: "
			    "%s.", path, strerror(errno));
		goto done;
	}
	cmd = mailcap_command(e, use_file ? path : NULL, type, params, nparams);
	if (pipe(pfd) == -1 || (pid = fork()) == -1) {
		if (error_r != NULL)
			*error_r = xasprintf("Cannot run the viewer for %s: %s.",
			    type, strerror(errno));
		goto done;
	}
	if (pid == 0) {
		close(pfd[0]);
		dup2(use_file ? open("/dev/null", O_RDONLY) : fd, 0);
		dup2(pfd[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_add(out, tmp, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (error_r != NULL)
		*error_r = xasprintf("The viewer for %s failed (%s): check the "
		    "mailcap entry \"%s\".", type, WIFEXITED(status) ?
		    "non-zero exit status" : "killed by a signal", e->command);
done:
	close(fd);
	unlink(path);
	free(path);
	free(cmd);
	return rc;
}
