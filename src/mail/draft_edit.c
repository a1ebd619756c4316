/*
 * The draft in $EDITOR: the file the user edits (headers on top with
 * edit_headers, as in mutt), reading it back, and running the editor on
 * it in a private directory so that nothing typed is ever lost.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/mail_draft.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "draft_p.h"

#define DRAFT_FILE_NAME	"crispin-draft.eml"
/* An edited draft bigger than this is a mistake, not a message. */
#define DRAFT_FILE_MAX	(64 * 1024 * 1024)

struct edited {
	char		*from, *to, *cc, *bcc, *reply_to, *subject;
	char		*in_reply_to, *references;
	bool		 have_irt, have_refs;
	struct mail_draft extras;	/* extra headers and attachments */
};

static void write_field(struct buf *, const char *, const char *);
static void write_attach(struct buf *, const struct mail_draft_attachment *);
static int parse_attach(struct mail_draft *, const char *, char **);
static int apply_field(struct edited *, const char *, size_t, const char *, char **);
static void edited_free(struct edited *);
static void keep_attachment_settings(struct mail_draft *, const struct mail_draft *);
static const char *field_value(struct buf *);
static int write_file(const char *, const struct buf *, char **);
static int read_file(const char *, struct buf *, char **);
static int run_editor(const char *, const char *, char **);

static void
write_field(struct buf *out, const char *name, const char *value)
{
	buf_adds(out, name);
	buf_adds(out, ": ");
	if (value != NULL)
		draft_clean_line(out, value, strlen(value));
	buf_addc(out, '\n');
}

/* "Attach: PATH [NAME]": blanks and backslashes in the path escaped. */
static void
write_attach(struct buf *out, const struct mail_draft_attachment *a)
{
	const char	*p;
	struct buf	 path = BUF_INIT;

	buf_adds(out, "Attach: ");
	draft_clean_line(&path, a->path, strlen(a->path));
	for (p = buf_cstr(&path); *p != '\0'; p++) {
		if (*p == ' ' || *p == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *p);
	}
	if (a->name != NULL) {
		buf_addc(out, ' ');
		draft_clean_line(out, a->name, strlen(a->name));
	}
	buf_addc(out, '\n');
	buf_free(&path);
}

void
mail_draft_file_write(const struct mail_draft *d, bool edit_headers, struct buf *out)
{
	size_t	 i;

	if (edit_headers) {
		write_field(out, "From", d->from);
		write_field(out, "To", d->to);
		write_field(out, "Cc", d->cc);
		write_field(out, "Bcc", d->bcc);
		write_field(out, "Subject", d->subject);
		write_field(out, "Reply-To", d->reply_to);
		for (i = 0; i < d->nextra; i++) {
			draft_clean_line(out, d->extra[i], strlen(d->extra[i]));
			buf_addc(out, '\n');
		}
		for (i = 0; i < d->nattachments; i++) {
			if (d->attachments[i].path != NULL)
				write_attach(out, &d->attachments[i]);
		}
		buf_addc(out, '\n');
	}
	buf_add(out, d->body.data != NULL ? d->body.data : "", d->body.len);
}

/* "PATH [NAME]": "~/" is the home directory, "\ " a blank in the path. */
static int
parse_attach(struct mail_draft *d, const char *value, char **error_r)
{
	struct buf	 path = BUF_INIT;
	const char	*p = value, *home = getenv("HOME");
	struct stat	 st;
	int		 rc = 0;

	if (p[0] == '~' && p[1] == '/' && home != NULL) {
		buf_adds(&path, home);
		p++;
	}
	for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		buf_addc(&path, *p);
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (path.len == 0) {
		*error_r = xstrdup("Attach: needs a file name");
		rc = -1;
	} else if (stat(buf_cstr(&path), &st) < 0 || access(buf_cstr(&path), R_OK) < 0) {
		*error_r = xasprintf("Attach: cannot read %s: %s", buf_cstr(&path),
		    strerror(errno));
		rc = -1;
	} else if (!S_ISREG(st.st_mode)) {
		*error_r = xasprintf("Attach: %s is not a file", buf_cstr(&path));
		rc = -1;
	} else
		mail_draft_attach_file(d, buf_cstr(&path), *p != '\0' ? p : NULL);
	buf_free(&path);
	return rc;
}

static int
apply_field(struct edited *e, const char *name, size_t len, const char *value,
    char **error_r)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} fields[] = {
		{ "From", offsetof(struct edited, from) },
		{ "To", offsetof(struct edited, to) },
		{ "Cc", offsetof(struct edited, cc) },
		{ "Bcc", offsetof(struct edited, bcc) },
		{ "Reply-To", offsetof(struct edited, reply_to) },
		{ "Subject", offsetof(struct edited, subject) },
	};
	char		**field, *field_name, *joined;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (strlen(fields[i].name) != len ||
		    strncasecmp(fields[i].name, name, len) != 0)
			continue;
		field = (char **)((char *)e + fields[i].offset);
		/* The same field twice: one list, as a user would mean it. */
		if (*field != NULL && *value != '\0' && fields[i].offset !=
		    offsetof(struct edited, subject)) {
			joined = xasprintf("%s, %s", *field, value);
			free(*field);
			*field = joined;
		} else if (*value != '\0')
			mail_draft_set(field, value);
		return 0;
	}
	if (len == 11 && strncasecmp(name, "In-Reply-To", len) == 0) {
		e->have_irt = true;
		mail_draft_set(&e->in_reply_to, value);
		return 0;
	}
	if (len == 10 && strncasecmp(name, "References", len) == 0) {
		e->have_refs = true;
		mail_draft_set(&e->references, value);
		return 0;
	}
	if (len == 6 && strncasecmp(name, "Attach", len) == 0)
		return *value != '\0' ? parse_attach(&e->extras, value, error_r) : 0;
	if (*value == '\0')
		return 0;	/* an emptied extra header is dropped */
	field_name = xstrndup(name, len);
	rc = mail_draft_add_header(&e->extras, field_name, value, error_r);
	free(field_name);
	return rc;
}

/* A header value without the blanks around it. */
static const char *
field_value(struct buf *value)
{
	while (value->len > 0 && (value->data[value->len - 1] == ' ' ||
	    value->data[value->len - 1] == '\t'))
		buf_truncate(value, value->len - 1);
	return buf_cstr(value) + strspn(buf_cstr(value), " \t");
}

static void
edited_free(struct edited *e)
{
	free(e->from);
	free(e->to);
	free(e->cc);
	free(e->bcc);
	free(e->reply_to);
	free(e->subject);
	free(e->in_reply_to);
	free(e->references);
	mail_draft_clear(&e->extras);
}

/* A file still attached keeps the type and description the compose
 * screen gave it: the Attach: line carries neither. */
static void
keep_attachment_settings(struct mail_draft *to, const struct mail_draft *from)
{
	struct mail_draft_attachment	*a;
	size_t				 i, j;

	for (i = 0; i < to->nattachments; i++) {
		a = &to->attachments[i];
		if (a->path == NULL)
			continue;
		for (j = 0; j < from->nattachments; j++) {
			if (from->attachments[j].path == NULL ||
			    strcmp(from->attachments[j].path, a->path) != 0)
				continue;
			if (a->content_type == NULL)
				a->content_type = xstrdup_null(
				    from->attachments[j].content_type);
			if (a->description == NULL)
				a->description = xstrdup_null(
				    from->attachments[j].description);
			break;
		}
	}
}

int
mail_draft_file_read(struct mail_draft *d, bool edit_headers, const char *text,
    size_t len, char **error_r)
{
	struct edited	 e;
	struct buf	 value = BUF_INIT, name = BUF_INIT;
	const char	*line, *nl, *end = text + len, *colon, *body = text;
	size_t		 llen, lineno = 0, i;
	char		*error = NULL;
	int		 rc = 0;

	memset(&e, 0, sizeof e);
	mail_draft_init(&e.extras);
	for (line = text; edit_headers && line < end && rc == 0; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		lineno++;
		/* A folded line continues the field above it. */
		if (llen > 0 && (line[0] == ' ' || line[0] == '\t') && name.len > 0) {
			for (i = 0; i < llen && (line[i] == ' ' || line[i] == '\t'); i++)
				;
			buf_addc(&value, ' ');
			buf_add(&value, line + i, llen - i);
			body = nl < end ? nl + 1 : end;
			continue;
		}
		if (name.len > 0) {
			rc = apply_field(&e, name.data, name.len,
			    field_value(&value), &error);
			buf_reset(&name);
			buf_reset(&value);
			if (rc < 0)
				break;
		}
		body = nl < end ? nl + 1 : end;
		if (llen == 0)
			break;
		colon = memchr(line, ':', llen);
		if (colon == NULL || !draft_field_name_ok(line, (size_t)(colon - line))) {
			error = xasprintf("line %zu is no header line (Name: value); an "
			    "empty line must come between the headers and the text",
			    lineno);
			rc = -1;
			break;
		}
		buf_add(&name, line, (size_t)(colon - line));
		buf_add(&value, colon + 1, llen - (size_t)(colon + 1 - line));
		if (nl == end)
			break;
	}
	if (rc == 0 && name.len > 0)
		rc = apply_field(&e, name.data, name.len, field_value(&value),
		    &error);
	if (rc < 0) {
		*error_r = error;
		goto out;
	}
	if (edit_headers) {
#define TAKE(f) do { free(d->f); d->f = e.f; e.f = NULL; } while (0)
		TAKE(from);
		TAKE(to);
		TAKE(cc);
		TAKE(bcc);
		TAKE(reply_to);
		TAKE(subject);
		if (e.have_irt)
			TAKE(in_reply_to);
		if (e.have_refs)
			TAKE(references);
#undef TAKE
		for (i = 0; i < d->nextra; i++)
			free(d->extra[i]);
		free(d->extra);
		d->extra = e.extras.extra;
		d->nextra = e.extras.nextra;
		e.extras.extra = NULL;
		e.extras.nextra = 0;
		/* Files follow the Attach: lines; bytes (a forwarded message)
		 * have no line and stay. */
		for (i = 0; i < d->nattachments; i++) {
			if (d->attachments[i].path == NULL) {
				mail_draft_attach_data(&e.extras, d->attachments[i].data,
				    d->attachments[i].len,
				    d->attachments[i].content_type,
				    d->attachments[i].name);
				e.extras.attachments[e.extras.nattachments - 1].
				    description = xstrdup_null(
				    d->attachments[i].description);
			}
		}
		keep_attachment_settings(&e.extras, d);
		for (i = 0; i < d->nattachments; i++) {
			free(d->attachments[i].path);
			free(d->attachments[i].name);
			free(d->attachments[i].content_type);
			free(d->attachments[i].data);
			free(d->attachments[i].description);
		}
		free(d->attachments);
		d->attachments = e.extras.attachments;
		d->nattachments = e.extras.nattachments;
		e.extras.attachments = NULL;
		e.extras.nattachments = 0;
	}
	buf_reset(&d->body);
	buf_add(&d->body, body, (size_t)(end - body));
out:
	edited_free(&e);
	buf_free(&name);
	buf_free(&value);
	return rc;
}

const char *
mail_draft_editor(const struct config *cfg)
{
	const char	*e;

	if ((e = config_str(cfg, "editor")) != NULL && *e != '\0')
		return e;
	if ((e = getenv("VISUAL")) != NULL && *e != '\0')
		return e;
	if ((e = getenv("EDITOR")) != NULL && *e != '\0')
		return e;
	return "vi";
}

static int
write_file(const char *path, const struct buf *b, char **error_r)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		*error_r = xasprintf("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (fd_write_all(fd, b->data, b->len) < 0) {
		*error_r = xasprintf("cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		*error_r = xasprintf("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
read_file(const char *path, struct buf *out, char **error_r)
{
	if (file_read_all(path, out, DRAFT_FILE_MAX) < 0) {
		*error_r = errno == EFBIG ? xasprintf("%s is too big for a "
		    "message", path) : xasprintf("cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * sh -c 'EDITOR "$1"' sh PATH: the user's command may have arguments and
 * quotes of its own, and the path never becomes shell text. Interrupts
 * go to the editor, not to us, while it runs (as system(3) does).
 */
static int
run_editor(const char *editor, const char *path, char **error_r)
{
	struct sigaction	 ign, old_int, old_quit;
	char			*cmd;
	pid_t			 pid, r;
	int			 status, fd;

	cmd = xasprintf("%s \"$1\"", editor);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) < 0) {
		*error_r = xasprintf("cannot start the editor: %s", strerror(errno));
		free(cmd);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return -1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		/* A message piped in is not what the editor should read. */
		if (!isatty(STDIN_FILENO) && (fd = open("/dev/tty", O_RDWR)) >= 0) {
			dup2(fd, STDIN_FILENO);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (r < 0) {
		*error_r = xasprintf("waiting for the editor: %s", strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		*error_r = xasprintf("Aborted: the editor (%s) was killed by signal %d",
		    editor, WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status) == 127) {
		*error_r = xasprintf("Aborted: the editor (%s) could not be run; set "
		    "editor in the rc file, or $VISUAL", editor);
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		*error_r = xasprintf("Aborted: the editor (%s) exited with status %d",
		    editor, WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

int
mail_draft_edit(struct mail_draft *d, bool edit_headers, const char *editor,
    const char *tmpdir, bool new_message, char **path_r, char **error_r)
{
	struct buf	 before = BUF_INIT, after = BUF_INIT;
	struct stat	 st0, st1;
	char		*dir, *path = NULL, *error = NULL;
	int		 rc = -1;

	*path_r = NULL;
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	dir = xasprintf("%s/crispin-XXXXXX", tmpdir);
	if (mkdtemp(dir) == NULL) {
		*error_r = xasprintf("cannot make a directory in %s for the message: %s",
		    tmpdir, strerror(errno));
		free(dir);
		return -1;
	}
	path = xasprintf("%s/%s", dir, DRAFT_FILE_NAME);
	free(dir);
	mail_draft_file_write(d, edit_headers, &before);
	if (write_file(path, &before, &error) < 0 || stat(path, &st0) < 0) {
		if (error == NULL)
			error = xasprintf("%s: %s", path, strerror(errno));
		*error_r = error;
		mail_draft_discard(path);
		free(path);
		buf_free(&before);
		return -1;
	}
	*path_r = path;
	if (run_editor(editor, path, &error) < 0)
		goto out;
	if (stat(path, &st1) < 0 || read_file(path, &after, &error) < 0) {
		if (error == NULL)
			error = xasprintf("the editor removed %s", path);
		goto out;
	}
	if (after.len == before.len && memcmp(buf_cstr(&after), buf_cstr(&before),
	    after.len) == 0 && (new_message ||
	    (st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
	    st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec))) {
		error = xstrdup("Aborted: message not changed");
		goto out;
	}
	if (mail_draft_file_read(d, edit_headers, buf_cstr(&after), after.len,
	    &error) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		*error_r = xasprintf("%s; the text is kept in %s", error, path);
		free(error);
	}
	buf_free(&before);
	buf_free(&after);
	return rc;
}

void
mail_draft_discard(const char *path)
{
	char	*dir, *slash;

	if (path == NULL)
		return;
	unlink(path);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
	free(dir);
}
