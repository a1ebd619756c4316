/*
 * The compose screen, mutt's: after the editor the message's fields and
 * attachments are shown and changed with the compose keymap (t To, s
 * Subject, a attach a file, D detach, y send, P postpone, q abort...)
 * until the user sends, postpones or aborts. It runs in the compose
 * process (crispin compose, reply, forward, recall) on a screen of its
 * own: a small interface with no folder, the same prompt, help and
 * keymap as the big one, and its own loop (compose_run).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/mail_addrbook.h"
#include "crispin/mail_draft.h"
#include "crispin/mailcap.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/ui.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* Bytes read to guess an attachment's type by its content. */
#define SNIFF_BYTES	4096
/* Completion candidates listed on the status line. */
#define COMPLETE_SHOWN	6

struct compose_view {
	struct view		 view;
	struct cli_context	*ctx;		/* borrowed */
	struct mail_draft	*d;		/* borrowed */
	char			**path;		/* borrowed: the editor file */
	size_t			 cursor;	/* attachment under the cursor */
	bool			 done;
	enum cli_compose_choice	 choice;
};

/* Which field a prompt edits. */
enum field {
	FIELD_FROM, FIELD_TO, FIELD_CC, FIELD_BCC, FIELD_SUBJECT, FIELD_REPLY_TO,
	FIELD_FCC, FIELD_NAME, FIELD_TYPE, FIELD_DESCRIPTION,
};

static const struct {
	const char	*function;
	enum field	 field;
	const char	*label;
	bool		 address;
} fields[] = {
	{ "edit-from", FIELD_FROM, "From", true },
	{ "edit-to", FIELD_TO, "To", true },
	{ "edit-cc", FIELD_CC, "Cc", true },
	{ "edit-bcc", FIELD_BCC, "Bcc", true },
	{ "edit-subject", FIELD_SUBJECT, "Subject", false },
	{ "edit-reply-to", FIELD_REPLY_TO, "Reply-To", true },
	{ "edit-fcc", FIELD_FCC, "Fcc", false },
};
#define NFIELDS	(sizeof fields / sizeof fields[0])

struct field_edit {
	struct compose_view	*cv;
	enum field		 field;
};

static char **field_ptr(struct compose_view *, enum field);
static void compose_draw(struct view *, int, int, int);
static bool screen_function(struct view *, const char *);
static void edit_field(struct compose_view *, enum field, const char *);
static void field_done(struct ui *, const char *, void *);
static void address_complete(struct ui *, struct buf *, size_t *, void *);
static void file_complete(struct ui *, struct buf *, size_t *, void *);
static void attach_done(struct ui *, const char *, void *);
static void abort_done(struct ui *, bool, void *);
static void run_editor(struct compose_view *, bool);
static void run_ispell(struct compose_view *);
static void view_attachment(struct compose_view *);
static bool ready_to_send(struct compose_view *);
static void format_size(struct buf *, uint64_t);
static uint64_t attachment_size(const struct mail_draft_attachment *);
static int run_shell(const char *, const char *);
static char *private_copy(struct compose_view *, const char *, size_t);
static int ui_compose_screen(struct cli_context *, struct mail_draft *, char **,
	    enum cli_compose_choice *, char **);

static const struct view_ops compose_ops = {
	.name = "compose",
	.map = KEYMAP_COMPOSE,
	.draw = compose_draw,
	.function = screen_function,
	.free = NULL,
};

static const struct cli_screens screens = {
	.compose = ui_compose_screen,
	.menu = compose_menu,
};

const struct cli_screens *
ui_screens(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return NULL;
	return &screens;
}

static char **
field_ptr(struct compose_view *cv, enum field f)
{
	struct mail_draft_attachment	*a;

	switch (f) {
	case FIELD_FROM:
		return &cv->d->from;
	case FIELD_TO:
		return &cv->d->to;
	case FIELD_CC:
		return &cv->d->cc;
	case FIELD_BCC:
		return &cv->d->bcc;
	case FIELD_SUBJECT:
		return &cv->d->subject;
	case FIELD_REPLY_TO:
		return &cv->d->reply_to;
	case FIELD_FCC:
		return &cv->d->fcc;
	default:
		break;
	}
	if (cv->cursor >= cv->d->nattachments)
		return NULL;
	a = &cv->d->attachments[cv->cursor];
	if (f == FIELD_NAME)
		return &a->name;
	if (f == FIELD_TYPE)
		return &a->content_type;
	return &a->description;
}

static void
format_size(struct buf *out, uint64_t n)
{
	if (n < 1024)
		buf_printf(out, "%lluB", (unsigned long long)n);
	else if (n < 1024 * 1024)
		buf_printf(out, "%.1fK", (double)n / 1024);
	else
		buf_printf(out, "%.1fM", (double)n / (1024 * 1024));
}

static uint64_t
attachment_size(const struct mail_draft_attachment *a)
{
	struct stat	 st;

	if (a->path == NULL)
		return a->len;
	return stat(a->path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void
compose_draw(struct view *view, int first, int rows, int cols)
{
	struct compose_view		*cv = (struct compose_view *)view;
	struct ui			*ui = view->ui;
	const struct mail_draft		*d = cv->d;
	const struct mail_draft_attachment *a;
	struct buf			 line = BUF_INIT, key = BUF_INIT;
	const char			*value, *record, *base;
	unsigned			 normal, hdr, ind;
	size_t				 i;
	int				 row = first, end = first + rows;
	static const struct {
		const char	*function;
		const char	*label;
	} hints[] = {
		{ "send-message", "Send" }, { "exit", "Abort" },
		{ "edit-to", "To" }, { "edit-subject", "Subj" },
		{ "attach-file", "Attach file" }, { "postpone-message", "Postpone" },
		{ "help", "Help" },
	};

	normal = ui_color(ui, "normal", SCREEN_NORMAL);
	hdr = ui_color(ui, "hdrdefault", SCREEN_BOLD);
	ind = ui_color(ui, "indicator", SCREEN_REVERSE);
	/* The keys that matter most, from the live keymap. */
	for (i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		buf_reset(&key);
		if (!ui_function_key(ui, KEYMAP_COMPOSE, hints[i].function, &key))
			continue;
		buf_printf(&line, "%s%s:%s", line.len > 0 ? "  " : "",
		    buf_cstr(&key), hints[i].label);
	}
	if (row < end)
		screen_line(row++, buf_cstr(&line), line.len,
		    ui_color(ui, "status", SCREEN_REVERSE));
	for (i = 0; i < NFIELDS && row < end; i++) {
		value = *field_ptr(cv, fields[i].field);
		buf_reset(&line);
		buf_printf(&line, "%10s: ", fields[i].label);
		if (fields[i].field == FIELD_FCC && value == NULL) {
			record = config_str(cv->ctx->cfg, "record");
			buf_printf(&line, "%s", record != NULL && *record != '\0' ?
			    record : "(the Sent folder)");
		} else if (value != NULL)
			buf_adds(&line, value);
		screen_put(row, 0, 12, buf_cstr(&line), 12, hdr);
		screen_put(row, 12, cols - 12, buf_cstr(&line) + 12, line.len - 12,
		    normal);
		row++;
	}
	if (row < end)
		screen_line(row++, "", 0, normal);
	buf_reset(&line);
	buf_adds(&line, "-- Attachments");
	if (row < end)
		screen_line(row++, buf_cstr(&line), line.len, hdr);
	buf_reset(&line);
	buf_adds(&line, "      text/plain   ");
	format_size(&line, d->body.len);
	buf_adds(&line, "  (the message text)");
	if (row < end)
		screen_line(row++, buf_cstr(&line), line.len, normal);
	for (i = 0; i < d->nattachments && row < end; i++) {
		a = &d->attachments[i];
		buf_reset(&line);
		base = a->name != NULL ? a->name : (a->path != NULL ?
		    (strrchr(a->path, '/') != NULL ? strrchr(a->path, '/') + 1 :
		    a->path) : "(no name)");
		buf_printf(&line, "%s%3zu  %-24s ", i == cv->cursor ? "->" : "  ",
		    i + 1, a->content_type != NULL ? a->content_type :
		    "(guessed)");
		format_size(&line, attachment_size(a));
		buf_printf(&line, "  %s", base);
		if (a->description != NULL)
			buf_printf(&line, "  \"%s\"", a->description);
		screen_line(row++, buf_cstr(&line), line.len,
		    i == cv->cursor ? ind : normal);
	}
	if (d->nattachments == 0 && row < end) {
		buf_reset(&line);
		buf_adds(&line, "      (no attachments)");
		screen_line(row++, buf_cstr(&line), line.len, normal);
	}
	while (row < end - 1)
		screen_line(row++, "", 0, normal);
	/* mutt's summary: what the message weighs before it goes. */
	if (row < end) {
		uint64_t total = d->body.len;

		for (i = 0; i < d->nattachments; i++)
			total += attachment_size(&d->attachments[i]);
		buf_reset(&line);
		buf_adds(&line, "-- crispin: Compose  [Approx. size: ");
		format_size(&line, total);
		buf_printf(&line, "   Attachments: %zu]", d->nattachments);
		screen_line(row++, buf_cstr(&line), line.len,
		    ui_color(ui, "status", SCREEN_REVERSE));
	}
	buf_free(&line);
	buf_free(&key);
}

static void
field_done(struct ui *ui, const char *text, void *arg)
{
	struct field_edit	*fe = arg;
	struct compose_view	*cv = fe->cv;
	char			**field, *expanded;
	size_t			 i;
	bool			 address = false;

	if (text == NULL) {
		free(fe);
		return;
	}
	if ((field = field_ptr(cv, fe->field)) == NULL) {
		free(fe);
		return;
	}
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].field == fe->field)
			address = fields[i].address;
	if (fe->field == FIELD_TYPE && *text != '\0' &&
	    (strchr(text, '/') == NULL || strchr(text, ' ') == text)) {
		ui_message(ui, "'%s' is no content type (type/subtype, as in "
		    "text/plain).", text);
		free(fe);
		return;
	}
	if (address && fe->field != FIELD_FROM) {
		expanded = config_expand_aliases(cv->ctx->cfg, text);
		mail_draft_set(field, expanded);
		free(expanded);
	} else
		mail_draft_set(field, text);
	free(fe);
	ui_redraw(ui);
}

static void
edit_field(struct compose_view *cv, enum field f, const char *question)
{
	struct field_edit	*fe;
	char			**field = field_ptr(cv, f);
	size_t			 i;
	bool			 address = false;

	if (field == NULL) {
		ui_message(cv->view.ui, "There are no attachments.");
		return;
	}
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].field == f)
			address = fields[i].address;
	fe = xcalloc(1, sizeof *fe);
	fe->cv = cv;
	fe->field = f;
	ui_prompt(cv->view.ui, question, *field, address ? PROMPT_ADDRESS :
	    (f == FIELD_FCC ? PROMPT_FOLDER : PROMPT_OTHER),
	    address ? address_complete : NULL, field_done, fe);
}

/* Tab on an address field: the entry being typed (after the last comma)
 * against the aliases and query_command's answers. One match replaces
 * it; several are listed. */
static void
address_complete(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	struct field_edit	*fe = arg;
	struct mail_addr_list	 list;
	struct buf		 one = BUF_INIT, shown = BUF_INIT;
	char			*prefix, *rest, *error = NULL;
	size_t			 start = *cursor, i;

	while (start > 0 && line->data[start - 1] != ',')
		start--;
	while (start < *cursor && line->data[start] == ' ')
		start++;
	prefix = xstrndup(line->data != NULL ? line->data + start : "",
	    *cursor - start);
	memset(&list, 0, sizeof list);
	mail_addrbook_aliases(fe->cv->ctx->cfg, prefix, &list);
	if (*prefix != '\0' && config_str(fe->cv->ctx->cfg, "query_command") != NULL &&
	    mail_addrbook_query(fe->cv->ctx->cfg, prefix, &list, &error) < 0) {
		ui_message(ui, "query_command: %s", error);
		free(error);
	}
	if (list.n == 0) {
		if (error == NULL)
			ui_message(ui, "No address matches '%s'.", prefix);
	} else if (list.n == 1) {
		mail_addr_entry_format(&list.v[0], &one);
		rest = xstrdup(buf_cstr(line) + *cursor);
		buf_truncate(line, start);
		buf_add(line, one.data, one.len);
		*cursor = line->len;
		buf_adds(line, rest);
		free(rest);
	} else {
		for (i = 0; i < list.n && i < COMPLETE_SHOWN; i++) {
			buf_reset(&one);
			mail_addr_entry_format(&list.v[i], &one);
			buf_printf(&shown, "%s%s", i > 0 ? ", " : "", buf_cstr(&one));
		}
		ui_message(ui, "%zu matches: %s%s", list.n, buf_cstr(&shown),
		    list.n > COMPLETE_SHOWN ? ", ..." : "");
	}
	mail_addr_list_free(&list);
	buf_free(&one);
	buf_free(&shown);
	free(prefix);
}

/* Tab on a file name: the entries of its directory ("~/" is home). */
static void
file_complete(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	struct buf	 dir = BUF_INIT, full = BUF_INIT;
	const char	*typed, *slash, *base, *home = getenv("HOME");
	char		**words = NULL;
	struct dirent	*e;
	struct stat	 st;
	DIR		*dp;
	size_t		 n = 0, i, dirlen;

	typed = line->data != NULL ? line->data : "";
	if ((slash = strrchr(typed, '/')) != NULL) {
		dirlen = (size_t)(slash - typed) + 1;
		if (typed[0] == '~' && typed[1] == '/' && home != NULL) {
			buf_adds(&dir, home);
			buf_add(&dir, typed + 1, dirlen - 1);
		} else
			buf_add(&dir, typed, dirlen);
	} else {
		dirlen = 0;
		buf_adds(&dir, "./");
	}
	base = typed + dirlen;
	if ((dp = opendir(buf_cstr(&dir))) == NULL) {
		ui_message(ui, "Cannot read %s: %s", buf_cstr(&dir), strerror(errno));
		buf_free(&dir);
		return;
	}
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (e->d_name[0] == '.' && base[0] != '.'))
			continue;
		if (strncmp(e->d_name, base, strlen(base)) != 0)
			continue;
		buf_reset(&full);
		buf_printf(&full, "%s%s", buf_cstr(&dir), e->d_name);
		words = xreallocarray(words, n + 1, sizeof *words);
		/* Directories end in '/', so Tab goes on into them. */
		words[n++] = xasprintf("%.*s%s%s", (int)dirlen, typed, e->d_name,
		    stat(buf_cstr(&full), &st) == 0 && S_ISDIR(st.st_mode) ? "/" : "");
	}
	closedir(dp);
	*cursor = line->len;
	prompt_complete_words(ui, line, cursor, (const char *const *)words, n);
	/* A directory or a file: no blank after it. */
	if (line->len > 0 && line->data[line->len - 1] == ' ') {
		buf_truncate(line, line->len - 1);
		*cursor = line->len;
	}
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
	buf_free(&dir);
	buf_free(&full);
}

static void
attach_done(struct ui *ui, const char *text, void *arg)
{
	struct compose_view	*cv = arg;
	struct mail_draft_attachment *a;
	struct buf		 path = BUF_INIT, head = BUF_INIT;
	const char		*home = getenv("HOME"), *base;
	struct stat		 st;
	int			 fd;

	if (text == NULL || *text == '\0')
		return;
	if (text[0] == '~' && text[1] == '/' && home != NULL) {
		buf_adds(&path, home);
		buf_adds(&path, text + 1);
	} else
		buf_adds(&path, text);
	if (stat(buf_cstr(&path), &st) < 0 || access(buf_cstr(&path), R_OK) < 0) {
		ui_message(ui, "Cannot attach %s: %s", buf_cstr(&path), strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ui_message(ui, "%s is not a file.", buf_cstr(&path));
		goto out;
	}
	mail_draft_attach_file(cv->d, buf_cstr(&path), NULL);
	a = &cv->d->attachments[cv->d->nattachments - 1];
	/* The type is guessed now, so that the screen shows it and ^T can
	 * change it. */
	if ((fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC)) >= 0) {
		(void)fd_read_all(fd, &head, SNIFF_BYTES);
		close(fd);
	}
	base = strrchr(buf_cstr(&path), '/');
	a->content_type = mime_guess_type(base != NULL ? base + 1 : buf_cstr(&path),
	    head.data != NULL ? head.data : "", head.len);
	cv->cursor = cv->d->nattachments - 1;
	ui_redraw(ui);
out:
	buf_free(&path);
	buf_free(&head);
}

static void
abort_done(struct ui *ui, bool yes, void *arg)
{
	struct compose_view	*cv = arg;

	if (!yes)
		return;
	cv->choice = CLI_COMPOSE_ABORT;
	cv->done = true;
}

/* $EDITOR again, on the text alone or with the headers (E). */
static void
run_editor(struct compose_view *cv, bool headers)
{
	struct ui	*ui = cv->view.ui;
	char		*path = NULL, *error = NULL;
	int		 rc;

	screen_suspend();
	rc = mail_draft_edit(cv->d, headers, mail_draft_editor(cv->ctx->cfg),
	    config_str(cv->ctx->cfg, "tmpdir"), false, &path, &error);
	screen_resume();
	if (rc < 0) {
		ui_message(ui, "%s", error);
		/* The text is unchanged and still in the first file. */
		mail_draft_discard(path);
		free(path);
		free(error);
	} else {
		mail_draft_discard(*cv->path);
		free(*cv->path);
		*cv->path = path;
		if (cv->cursor >= cv->d->nattachments && cv->cursor > 0)
			cv->cursor = cv->d->nattachments > 0 ?
			    cv->d->nattachments - 1 : 0;
	}
	ui_redraw(ui);
}

/* Runs script through /bin/sh with arg as its "$1" (never put in the
 * script's text); the terminal is the command's meanwhile. */
static int
run_shell(const char *script, const char *arg)
{
	struct fg_cmd	 cmd;
	int		 rc;

	memset(&cmd, 0, sizeof cmd);
	cmd.script = script;
	cmd.arg = arg;
	cmd.stdin_fd = -1;
	cmd.note_fd = -1;
	screen_suspend();
	rc = ui_run_foreground(&cmd);
	screen_resume();
	return rc;
}

/* A private file for a copy of bytes: its path, or NULL. */
static char *
private_copy(struct compose_view *cv, const char *data, size_t len)
{
	const char	*tmpdir = config_str(cv->ctx->cfg, "tmpdir");
	char		*path;
	int		 fd;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	path = xasprintf("%s/crispin-compose-XXXXXX", tmpdir);
	if ((fd = mkstemp(path)) < 0) {
		ui_message(cv->view.ui, "Cannot create a file in %s: %s", tmpdir,
		    strerror(errno));
		free(path);
		return NULL;
	}
	if (fd_write_all(fd, data, len) < 0) {
		ui_message(cv->view.ui, "Cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* ispell: the option's command on a private copy of the text, read
 * back when it succeeds. */
static void
run_ispell(struct compose_view *cv)
{
	struct ui	*ui = cv->view.ui;
	const char	*cmd = config_str(cv->ctx->cfg, "ispell");
	struct buf	 text = BUF_INIT;
	char		*path, *script;
	int		 rc;

	if (cmd == NULL || *cmd == '\0') {
		ui_message(ui, "Set ispell to a spelling checker (as in set "
		    "ispell=\"aspell check\") to use it.");
		return;
	}
	if ((path = private_copy(cv, cv->d->body.data != NULL ? cv->d->body.data :
	    "", cv->d->body.len)) == NULL)
		return;
	script = xasprintf("%s \"$1\"", cmd);
	rc = run_shell(script, path);
	free(script);
	if (rc != 0)
		ui_message(ui, "ispell exited with %d: the text is unchanged.", rc);
	else if (file_read_all(path, &text, 64 * 1024 * 1024) == 0) {
		buf_reset(&cv->d->body);
		buf_add(&cv->d->body, text.data != NULL ? text.data : "", text.len);
		ui_message(ui, "Spelling checked.");
	}
	unlink(path);
	free(path);
	buf_free(&text);
	ui_redraw(ui);
}

/* The attachment under the cursor through its mailcap viewer, or the
 * pager for text. */
static void
view_attachment(struct compose_view *cv)
{
	struct ui			*ui = cv->view.ui;
	const struct mail_draft_attachment *a;
	const struct mailcap_entry	*e = NULL;
	struct mailcap			 mc;
	struct buf			 data = BUF_INIT;
	char				*type, *semi, *path = NULL, *cmd = NULL;
	char				*script = NULL, *error = NULL;
	const char			*pager = getenv("PAGER");

	if (cv->cursor >= cv->d->nattachments) {
		ui_message(ui, "There are no attachments.");
		return;
	}
	a = &cv->d->attachments[cv->cursor];
	if (a->path != NULL && file_read_all(a->path, &data, 64 * 1024 * 1024) < 0) {
		ui_message(ui, "Cannot read %s: %s", a->path, strerror(errno));
		buf_free(&data);
		return;
	}
	if (a->path == NULL)
		buf_add(&data, a->data != NULL ? a->data : "", a->len);
	type = a->content_type != NULL ? xstrdup(a->content_type) :
	    mime_guess_type(a->name != NULL ? a->name : a->path,
	    data.data != NULL ? data.data : "", data.len);
	if ((semi = strchr(type, ';')) != NULL)
		*semi = '\0';
	memset(&mc, 0, sizeof mc);
	if (mailcap_load(&mc, config_str(cv->ctx->cfg, "mailcap_path"), &error) < 0)
		x_free(&error);
	if (mailcap_lookup(&mc, type, false, NULL, 0, &e) < 0) {
		e = NULL;
		if (strncmp(type, "text/", 5) != 0) {
			ui_message(ui, "No mailcap entry shows %s.", type);
			goto out;
		}
	}
	if ((path = private_copy(cv, data.data != NULL ? data.data : "",
	    data.len)) == NULL)
		goto out;
	if (e != NULL) {
		cmd = mailcap_command(e, path, type, NULL, 0);
		script = mailcap_wants_file(e) ? xstrdup(cmd) :
		    xasprintf("%s < \"$1\"", cmd);
	} else
		script = xasprintf("%s \"$1\"", pager != NULL && *pager != '\0' ?
		    pager : "less");
	(void)run_shell(script, path);
out:
	if (path != NULL)
		unlink(path);
	mailcap_free(&mc);
	free(path);
	free(cmd);
	free(script);
	free(type);
	buf_free(&data);
	ui_redraw(ui);
}

/* Whether the message can go: recipients, a sender, and a writer that
 * takes every field (an address it cannot parse is said here, where it
 * can still be fixed). */
static bool
ready_to_send(struct compose_view *cv)
{
	struct ui		*ui = cv->view.ui;
	struct mail_draft_opts	 o;
	struct mime_compose	 c;
	struct mime_attachment	*att = NULL;
	struct buf		 msg = BUF_INIT;
	char			*error = NULL;
	bool			 ok = true;

	if (cv->d->to == NULL && cv->d->cc == NULL && cv->d->bcc == NULL) {
		ui_message(ui, "No recipients: t edits To.");
		return false;
	}
	if (cv->d->from == NULL) {
		ui_message(ui, "No sender: Esc f edits From (or set from in the rc "
		    "file).");
		return false;
	}
	mail_draft_opts_init(&o, cv->ctx->cfg, NULL);
	mail_draft_to_compose(cv->d, &o, &c, &att);
	c.keep_bcc = true;
	if (mime_compose_write(&c, &msg, &error) < 0) {
		ui_message(ui, "%s", error);
		free(error);
		ok = false;
	}
	free(att);
	buf_free(&msg);
	return ok;
}

static bool
screen_function(struct view *view, const char *name)
{
	struct compose_view		*cv = (struct compose_view *)view;
	struct ui			*ui = view->ui;
	struct mail_draft		*d = cv->d;
	struct mail_draft_attachment	*a;
	size_t				 i;

	for (i = 0; i < NFIELDS; i++) {
		if (strcmp(name, fields[i].function) == 0) {
			char *q = xasprintf("%s: ", fields[i].label);

			edit_field(cv, fields[i].field, q);
			free(q);
			return true;
		}
	}
	if (strcmp(name, "send-message") == 0) {
		if (ready_to_send(cv)) {
			cv->choice = CLI_COMPOSE_SEND;
			cv->done = true;
		}
	} else if (strcmp(name, "postpone-message") == 0) {
		if (d->from == NULL) {
			ui_message(ui, "No sender: Esc f edits From (or set from in "
			    "the rc file).");
			return true;
		}
		cv->choice = CLI_COMPOSE_POSTPONE;
		cv->done = true;
	} else if (strcmp(name, "exit") == 0 || strcmp(name, "quit") == 0)
		ui_confirm(ui, "Abort this message (the text stays on disk)?", false,
		    abort_done, cv);
	else if (strcmp(name, "edit-message") == 0)
		run_editor(cv, false);
	else if (strcmp(name, "edit-headers") == 0)
		run_editor(cv, true);
	else if (strcmp(name, "attach-file") == 0)
		ui_prompt(ui, "Attach file: ", NULL, PROMPT_FILE, file_complete,
		    attach_done, cv);
	else if (strcmp(name, "attach-message") == 0)
		ui_message(ui, "attach-message is not here yet: forward --attach "
		    "sends a message as an attachment.");
	else if (strcmp(name, "detach-file") == 0) {
		if (cv->cursor >= d->nattachments) {
			ui_message(ui, "There are no attachments.");
			return true;
		}
		a = &d->attachments[cv->cursor];
		free(a->path);
		free(a->name);
		free(a->content_type);
		free(a->data);
		free(a->description);
		memmove(a, a + 1, (d->nattachments - cv->cursor - 1) * sizeof *a);
		d->nattachments--;
		if (cv->cursor > 0 && cv->cursor >= d->nattachments)
			cv->cursor--;
	} else if (strcmp(name, "rename-attachment") == 0)
		edit_field(cv, FIELD_NAME, "Send attachment with name: ");
	else if (strcmp(name, "edit-type") == 0)
		edit_field(cv, FIELD_TYPE, "Content-Type: ");
	else if (strcmp(name, "edit-description") == 0)
		edit_field(cv, FIELD_DESCRIPTION, "Description: ");
	else if (strcmp(name, "view-attach") == 0 || strcmp(name, "select-entry") == 0)
		view_attachment(cv);
	else if (strcmp(name, "ispell") == 0)
		run_ispell(cv);
	else if (strcmp(name, "next-entry") == 0) {
		if (cv->cursor + 1 < d->nattachments)
			cv->cursor++;
		else
			ui_message(ui, "You are on the last attachment.");
	} else if (strcmp(name, "previous-entry") == 0) {
		if (cv->cursor > 0)
			cv->cursor--;
		else
			ui_message(ui, "You are on the first attachment.");
	} else if (strcmp(name, "first-entry") == 0)
		cv->cursor = 0;
	else if (strcmp(name, "last-entry") == 0)
		cv->cursor = d->nattachments > 0 ? d->nattachments - 1 : 0;
	else
		return false;
	ui_redraw(ui);
	return true;
}

static int
ui_compose_screen(struct cli_context *ctx, struct mail_draft *d, char **path,
    enum cli_compose_choice *choice_r, char **error_r)
{
	struct compose_view	 cv;
	int			 rc;

	memset(&cv, 0, sizeof cv);
	cv.view.ops = &compose_ops;
	cv.ctx = ctx;
	cv.d = d;
	cv.path = path;
	rc = compose_run(ctx, &cv.view, &cv.done, error_r);
	*choice_r = cv.choice;
	return rc;
}
