/*
 * The attachments view: the MIME tree of the message shown in the pager,
 * one line per part, with a cursor. A part is viewed as text in a pager,
 * through mailcap (interactive viewers get the terminal, copiousoutput
 * comes back into a pager), saved to a file or piped to a command. The
 * bytes arrive through partial fetches while the loop runs on: progress
 * is on the status line and Ctrl-G stops the download, leaving no
 * partial file behind.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/fdio.h"
#include "crispin/mailcap.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* Longest file name made from a message's. */
#define NAME_MAX_BYTES	200

enum job_kind {
	JOB_NONE,
	JOB_SAVE,		/* to path, through a temporary file beside it */
	JOB_VIEW,		/* to a temporary file, then the mailcap viewer */
	JOB_COPIOUS,		/* to memory, then the mailcap filter into a pager */
	JOB_PIPE,		/* to a temporary file, then the user's command */
};

struct entry {
	const struct mime_part	*part;
	unsigned		 depth;
	bool			 collapsed;	/* the parts under it are hidden */
};

struct attach_view {
	struct view		 view;
	struct msghold		*hold;		/* a reference */
	struct entry		*entries;	/* owned */
	size_t			 n;
	size_t			 cursor, top;
	struct mailcap		 mailcap;
	bool			 mailcap_loaded;
	bool			 loading;	/* opened from the index: the
						 * structure is on its way */
	char			*error;		/* owned: why it did not load */

	/* The download running, if any. */
	enum job_kind		 job;
	const struct mime_part	*job_part;
	int			 fd;
	char			*tmp;		/* owned: the file being written */
	char			*path;		/* owned: where a save goes */
	char			*command;	/* owned: pipe command */
	const struct mailcap_entry *entry;	/* in mailcap */
	struct buf		 data;		/* JOB_COPIOUS */
	uint64_t		 got, expected;
	unsigned		 shown_percent;
	int			 write_errno;
};

static struct attach_view *attach_new(struct msghold *);
static void structure_loaded(void *, int, const char *);
static void add_entries(struct attach_view *, const struct mime_part *, unsigned);
static const struct mime_part *current(struct attach_view *);
static char *safe_name(const struct mime_part *, uint32_t);
static char *expand_home(const char *);
static char *temp_dir(struct ui *);
static void complete_path(struct ui *, struct buf *, size_t *, void *);
static void save_prompt_done(struct ui *, const char *, void *);
static void save_confirmed(struct ui *, bool, void *);
static void pipe_prompt_done(struct ui *, const char *, void *);
static bool job_busy(struct attach_view *);
static int job_start(struct attach_view *, enum job_kind, const struct mime_part *,
	    const char *);
static int job_write(const void *, size_t, void *);
static void job_done(void *, int, const char *);
static void job_clear(struct attach_view *, bool);
static void run_viewer(struct attach_view *);
static void run_pipe(struct attach_view *);
static int run_shell(const char *, const char *, bool, char **);
static void load_mailcap(struct attach_view *);
static void view_part(struct attach_view *, bool, bool);
static void attach_draw(struct view *, int, int, int);
static bool attach_function(struct view *, const char *);
static void attach_free(struct view *);
static void collapse_parts(struct attach_view *);

static const struct view_ops attach_ops = {
	.name = "attach",
	.map = KEYMAP_ATTACH,
	.draw = attach_draw,
	.function = attach_function,
	.free = attach_free,
};

/* Every node in order; a message/rfc822 part's multipart body shares its
 * number and is listed under it. */
static void
add_entries(struct attach_view *v, const struct mime_part *p, unsigned depth)
{
	const struct mime_part	*c;

	v->entries = xreallocarray(v->entries, v->n + 1, sizeof *v->entries);
	v->entries[v->n].part = p;
	v->entries[v->n].depth = depth;
	v->entries[v->n].collapsed = false;
	v->n++;
	for (c = p->children; c != NULL; c = c->next)
		add_entries(v, c, depth + 1);
}

static struct attach_view *
attach_new(struct msghold *hold)
{
	struct attach_view	*v = xcalloc(1, sizeof *v);

	v->view.ops = &attach_ops;
	v->hold = msghold_ref(hold);
	v->fd = -1;
	return v;
}

void
attach_open(struct ui *ui, struct msghold *hold)
{
	struct attach_view	*v = attach_new(hold);

	ui_push_view(ui, &v->view);
	structure_loaded(v, 0, NULL);
}

void
attach_open_uid(struct ui *ui, uint32_t uid)
{
	struct msghold		*hold = msghold_new(ui, uid);
	struct attach_view	*v = attach_new(hold);

	msghold_unref(&hold);
	v->loading = true;
	ui_push_view(ui, &v->view);
	msghold_load(v->hold, structure_loaded, v);
}

static void
structure_loaded(void *arg, int status, const char *error)
{
	struct attach_view	*v = arg;
	const struct mime_part	*root;

	v->loading = false;
	if (status < 0) {
		v->error = str_sanitize(error != NULL ? error :
		    "the message could not be read");
		ui_message(v->view.ui, "%s", v->error);
		return;
	}
	root = mail_message_root(msghold_message(v->hold));
	add_entries(v, root, 0);
	/* The text of a simple multipart is the second line: start on the
	 * first attachment, as the user most likely came for it. */
	for (v->cursor = 0; v->cursor < v->n; v->cursor++) {
		const struct mime_part *p = v->entries[v->cursor].part;

		if (p->children == NULL && (strcmp(p->type, "text") != 0 ||
		    (p->disposition != NULL && strcmp(p->disposition, "attachment") == 0)))
			break;
	}
	if (v->cursor == v->n)
		v->cursor = 0;
	ui_redraw(v->view.ui);
}

static void
attach_free(struct view *view)
{
	struct attach_view	*v = (struct attach_view *)view;

	if (v->job != JOB_NONE)
		ui_message(view->ui, "Download cancelled.");
	job_clear(v, false);
	msghold_forget(v->hold, v);
	msghold_unref(&v->hold);
	free(v->error);
	if (v->mailcap_loaded)
		mailcap_free(&v->mailcap);
	free(v->entries);
	free(v);
}

/* collapse-parts: the entries under the cursor's go (and come back,
 * rebuilt from the part tree). */
static void
collapse_parts(struct attach_view *v)
{
	struct attach_view	 sub;
	struct entry		*e;
	size_t			 end, k;

	if (v->n == 0)
		return;
	e = &v->entries[v->cursor];
	if (e->part->children == NULL) {
		ui_message(v->view.ui, "This part has no parts under it.");
		return;
	}
	if (e->collapsed) {
		memset(&sub, 0, sizeof sub);
		add_entries(&sub, e->part, e->depth);
		v->entries = xreallocarray(v->entries, v->n + sub.n - 1,
		    sizeof *v->entries);
		memmove(v->entries + v->cursor + sub.n, v->entries + v->cursor + 1,
		    (v->n - v->cursor - 1) * sizeof *v->entries);
		memcpy(v->entries + v->cursor + 1, sub.entries + 1,
		    (sub.n - 1) * sizeof *v->entries);
		v->n += sub.n - 1;
		v->entries[v->cursor].collapsed = false;
		free(sub.entries);
		return;
	}
	for (end = v->cursor + 1; end < v->n && v->entries[end].depth > e->depth; end++)
		;
	k = end - v->cursor - 1;
	memmove(v->entries + v->cursor + 1, v->entries + end,
	    (v->n - end) * sizeof *v->entries);
	v->n -= k;
	e->collapsed = true;
}

static const struct mime_part *
current(struct attach_view *v)
{
	return v->n > 0 ? v->entries[v->cursor].part : NULL;
}

static void
attach_draw(struct view *view, int first, int rows, int cols)
{
	struct attach_view	*v = (struct attach_view *)view;
	const struct mime_part	*p;
	struct buf		 line = BUF_INIT;
	unsigned		 normal, indicator;
	const char		*spec;
	uint64_t		 size;
	size_t			 i;
	int			 row;

	normal = ui_color(view->ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(view->ui, "indicator", SCREEN_REVERSE);
	if (v->n == 0) {
		for (row = 0; row < rows; row++)
			screen_line(first + row, "", 0, normal);
		if (v->loading)
			screen_line(first, "Loading the message structure...", 32, normal);
		return;
	}
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (rows > 0 && v->cursor >= v->top + (size_t)rows)
		v->top = v->cursor - (size_t)rows + 1;
	for (row = 0; row < rows; row++) {
		i = v->top + (size_t)row;
		if (i >= v->n) {
			screen_line(first + row, "", 0, normal);
			continue;
		}
		p = v->entries[i].part;
		buf_reset(&line);
		spec = *p->spec != '\0' ? p->spec : "-";
		buf_printf(&line, "%-7s ", spec);
		buf_printf(&line, "%*s[%s/%s", (int)v->entries[i].depth * 2, "",
		    p->type, p->subtype);
		if (p->children == NULL) {
			size = p->enc == MIME_ENC_BASE64 ? p->size / 4 * 3 : p->size;
			buf_printf(&line, ", %s, ", p->encoding != NULL ?
			    p->encoding : "7bit");
			mail_render_size(&line, size);
		}
		buf_adds(&line, "]");
		if (p->filename != NULL)
			buf_printf(&line, "  %s", p->filename);
		if (p->description != NULL)
			buf_printf(&line, "  (%s)", p->description);
		if (v->entries[i].collapsed)
			buf_adds(&line, "  (+ parts below, Space shows them)");
		/* screen_line makes the names from the message terminal-safe. */
		screen_line(first + row, line.data, line.len,
		    i == v->cursor ? indicator : normal);
	}
	(void)cols;
	buf_free(&line);
}

static bool
attach_function(struct view *view, const char *name)
{
	struct attach_view	*v = (struct attach_view *)view;
	struct ui		*ui = view->ui;
	const struct mime_part	*p = current(v);
	char			*dflt;
	int			 rows, cols;
	size_t			 page;

	screen_rows(&rows, &cols);
	page = rows > 2 ? (size_t)rows - 1 : 1;
	if (strcmp(name, "next-entry") == 0) {
		if (v->cursor + 1 < v->n)
			v->cursor++;
		else
			ui_message(ui, "You are on the last entry.");
	} else if (strcmp(name, "previous-entry") == 0) {
		if (v->cursor > 0)
			v->cursor--;
		else
			ui_message(ui, "You are on the first entry.");
	} else if (strcmp(name, "first-entry") == 0)
		v->cursor = 0;
	else if (strcmp(name, "last-entry") == 0)
		v->cursor = v->n > 0 ? v->n - 1 : 0;
	else if (strcmp(name, "next-page") == 0)
		v->cursor = v->cursor + page < v->n ? v->cursor + page :
		    (v->n > 0 ? v->n - 1 : 0);
	else if (strcmp(name, "previous-page") == 0)
		v->cursor = v->cursor > page ? v->cursor - page : 0;
	else if (strcmp(name, "view-attach") == 0 || strcmp(name, "select-entry") == 0)
		view_part(v, false, false);
	else if (strcmp(name, "view-mailcap") == 0)
		view_part(v, true, false);
	else if (strcmp(name, "view-text") == 0)
		view_part(v, false, true);
	else if (strcmp(name, "save-entry") == 0) {
		if (p == NULL || job_busy(v))
			return true;
		dflt = safe_name(p, mail_message_uid(msghold_message(v->hold)));
		ui_prompt(ui, "Save to file: ", dflt, PROMPT_FILE, complete_path,
		    save_prompt_done, v);
		free(dflt);
	} else if (strcmp(name, "pipe-entry") == 0) {
		if (p == NULL || job_busy(v))
			return true;
		ui_prompt(ui, "Pipe to command: ", NULL, PROMPT_OTHER, NULL,
		    pipe_prompt_done, v);
	} else if (strcmp(name, "print-entry") == 0) {
		/* print_command in the background (print.c). */
		if (p == NULL || job_busy(v))
			return true;
		print_part(ui, v->hold, p);
	} else if (strcmp(name, "exit") == 0)
		ui_pop_view(ui);
	else if (strcmp(name, "collapse-parts") == 0)
		collapse_parts(v);
	else
		return false;
	ui_redraw(ui);
	return true;
}

/*
 * A file name from the message is only a suggestion: no directories, no
 * hidden files or names that read as options, no control characters;
 * "part-UID-SPEC" when nothing is left.
 */
static char *
safe_name(const struct mime_part *p, uint32_t uid)
{
	struct buf	 b = BUF_INIT;
	const char	*s = p->filename;
	unsigned char	 c;

	for (; s != NULL && *s != '\0' && b.len < NAME_MAX_BYTES; s++) {
		c = (unsigned char)*s;
		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			buf_addc(&b, '_');
		else if ((c == '.' || c == '-') && b.len == 0)
			buf_addc(&b, '_');
		else
			buf_addc(&b, (char)c);
	}
	/* Cut at a character boundary, not inside a UTF-8 sequence. */
	while (b.len > 0 && s != NULL && *s != '\0' &&
	    ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80)
		buf_truncate(&b, b.len - 1);
	if (b.len > 0 && s != NULL && *s != '\0' &&
	    ((unsigned char)b.data[b.len - 1] & 0xc0) == 0xc0)
		buf_truncate(&b, b.len - 1);
	if (b.len == 0)
		buf_printf(&b, "part-%u-%s", uid, *p->spec != '\0' ? p->spec : "1");
	return buf_steal(&b);
}

static char *
expand_home(const char *path)
{
	const char	*home = getenv("HOME");

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static char *
temp_dir(struct ui *ui)
{
	const char	*dir = config_str(ui->ctx->cfg, "tmpdir");

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	return expand_home(dir != NULL && *dir != '\0' ? dir : "/tmp");
}

/* Tab in the file prompt: the whole line is one path (names may hold
 * spaces); completes to the longest common prefix, lists the choices. */
static void
complete_path(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	struct buf	 choices = BUF_INIT;
	char		*typed, *dir, *full, *slash, *first = NULL;
	const char	*base;
	struct dirent	*d;
	struct stat	 st;
	DIR		*dp;
	size_t		 blen, common = 0, matches = 0, k;

	typed = xstrndup(line->data != NULL ? line->data : "", *cursor);
	slash = strrchr(typed, '/');
	base = slash != NULL ? slash + 1 : typed;
	blen = strlen(base);
	if (slash != NULL)
		dir = xstrndup(typed, (size_t)(slash - typed) + 1);
	else
		dir = xstrdup("");
	full = expand_home(*dir != '\0' ? dir : ".");
	if ((dp = opendir(full)) == NULL) {
		ui_message(ui, "No completion.");
		goto out;
	}
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
		    (d->d_name[0] == '.' && base[0] != '.') ||
		    strncmp(d->d_name, base, blen) != 0)
			continue;
		if (matches++ == 0) {
			first = xstrdup(d->d_name);
			common = strlen(first);
		} else {
			for (k = 0; k < common && first[k] == d->d_name[k]; k++)
				;
			common = k;
		}
		if (choices.len < 200)
			buf_printf(&choices, "%s%s", choices.len ? "  " : "", d->d_name);
	}
	closedir(dp);
	if (matches == 0) {
		ui_message(ui, "No completion.");
		goto out;
	}
	if (common > blen) {
		buf_insert(line, *cursor, first + blen, common - blen);
		*cursor += common - blen;
	}
	if (matches == 1) {
		char *path = xasprintf("%s/%s", full, first);

		/* A directory: go on into it. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			buf_insert(line, *cursor, "/", 1);
			(*cursor)++;
		}
		free(path);
	} else
		ui_message(ui, "%s", choices.data);
out:
	free(first);
	free(full);
	free(dir);
	free(typed);
	buf_free(&choices);
}

static bool
job_busy(struct attach_view *v)
{
	if (v->job != JOB_NONE) {
		ui_message(v->view.ui, "A download is running (Ctrl-G cancels it).");
		return true;
	}
	if (msghold_busy(v->hold)) {
		ui_message(v->view.ui, "The message is still busy; try again in a moment.");
		return true;
	}
	return false;
}

static void
save_prompt_done(struct ui *ui, const char *text, void *arg)
{
	struct attach_view	*v = arg;
	struct stat		 st;

	if (text == NULL || *text == '\0' || ui_top_view(ui) != &v->view)
		return;
	free(v->path);
	v->path = expand_home(text);
	if (lstat(v->path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			ui_message(ui, "%s is a directory: give a file name.", text);
			x_free(&v->path);
			return;
		}
		ui_confirm(ui, "File exists, overwrite?", false, save_confirmed, v);
		return;
	}
	save_confirmed(ui, true, v);
}

static void
save_confirmed(struct ui *ui, bool yes, void *arg)
{
	struct attach_view	*v = arg;
	const struct mime_part	*p = current(v);
	char			*dir, *slash;

	if (ui_top_view(ui) != &v->view || p == NULL || v->path == NULL)
		return;
	if (!yes) {
		x_free(&v->path);
		ui_message(ui, "Not saved.");
		return;
	}
	/* The bytes go to a temporary file beside the target, renamed into
	 * place when complete: no half file ever has the name. */
	dir = xstrdup(v->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[1] = '\0';
	else
		strcpy(dir, "");
	if (job_start(v, JOB_SAVE, p, *dir != '\0' ? dir : ".") == 0) {
		free(dir);
		return;
	}
	free(dir);
	x_free(&v->path);
}

static void
pipe_prompt_done(struct ui *ui, const char *text, void *arg)
{
	struct attach_view	*v = arg;
	char			*dir;

	if (text == NULL || *text == '\0' || ui_top_view(ui) != &v->view ||
	    current(v) == NULL)
		return;
	free(v->command);
	v->command = xstrdup(text);
	dir = temp_dir(ui);
	(void)job_start(v, JOB_PIPE, current(v), dir);
	free(dir);
}

static void
load_mailcap(struct attach_view *v)
{
	char	*error = NULL;

	if (v->mailcap_loaded)
		return;
	v->mailcap_loaded = true;
	memset(&v->mailcap, 0, sizeof v->mailcap);
	if (mailcap_load(&v->mailcap, config_str(v->view.ui->ctx->cfg,
	    "mailcap_path"), &error) < 0) {
		ui_message(v->view.ui, "%s", error);
		free(error);
	}
}

/* Enter: text and messages in the pager, the rest through mailcap.
 * force_mailcap: view-mailcap; as_text: view-text. */
static void
view_part(struct attach_view *v, bool force_mailcap, bool as_text)
{
	struct ui		*ui = v->view.ui;
	const struct mime_part	*p = current(v);
	const struct mailcap_entry *e;
	char			*type, *dir;

	if (p == NULL || job_busy(v))
		return;
	if (strcmp(p->type, "multipart") == 0 && !mime_part_is(p, "message", "*")) {
		ui_message(ui, "This is a container: pick one of the parts under it.");
		return;
	}
	if (as_text || (!force_mailcap && (strcmp(p->type, "text") == 0 ||
	    mime_part_is(p, "message", "rfc822")))) {
		if (mime_part_is(p, "message", "rfc822") && p->children == NULL) {
			ui_message(ui, "The server gave no structure for this message.");
			return;
		}
		pager_open_part(ui, v->hold, p);
		return;
	}
	load_mailcap(v);
	type = xasprintf("%s/%s", p->type, p->subtype);
	if (mailcap_lookup(&v->mailcap, type, false, p->params, p->nparams, &e) < 0) {
		ui_message(ui, "No mailcap entry for %s (mailcap_path): s saves it, "
		    "| pipes it to a command.", type);
		free(type);
		return;
	}
	free(type);
	v->entry = e;
	if (e->copiousoutput) {
		(void)job_start(v, JOB_COPIOUS, p, NULL);
		return;
	}
	dir = temp_dir(ui);
	(void)job_start(v, JOB_VIEW, p, dir);
	free(dir);
}

/*
 * Starts streaming part p: into a new private file in dir (mkstemp
 * makes it 0600), or into memory. -1 (said on the status line) when the
 * file cannot be made.
 */
static int
job_start(struct attach_view *v, enum job_kind kind, const struct mime_part *p,
    const char *dir)
{
	struct ui	*ui = v->view.ui;
	char		*error = NULL;

	v->fd = -1;
	if (kind == JOB_VIEW) {
		if ((v->fd = mailcap_tempfile(v->entry, p->filename, &v->tmp,
		    &error)) < 0) {
			ui_message(ui, "%s", error);
			free(error);
			return -1;
		}
	} else if (dir != NULL) {
		v->tmp = xasprintf("%s%s.crispin-XXXXXX", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/");
		if ((v->fd = mkstemp(v->tmp)) < 0) {
			ui_message(ui, "Cannot create a file in %s: %s", dir,
			    strerror(errno));
			x_free(&v->tmp);
			return -1;
		}
	}
	v->job = kind;
	v->job_part = p;
	v->got = 0;
	v->expected = p->enc == MIME_ENC_BASE64 ? p->size / 4 * 3 : p->size;
	v->shown_percent = ~0u;
	v->write_errno = 0;
	buf_reset(&v->data);
	ui_message(ui, "Fetching part %s (Ctrl-G cancels)...",
	    *p->spec != '\0' ? p->spec : "1");
	msghold_stream(v->hold, p->spec, job_write, job_done, v);
	return 0;
}

static int
job_write(const void *data, size_t len, void *arg)
{
	struct attach_view	*v = arg;
	struct buf		 size = BUF_INIT, total = BUF_INIT;
	unsigned		 percent;

	if (v->job == JOB_COPIOUS)
		buf_add(&v->data, data, len);
	else {
		if (fd_write_all(v->fd, data, len) < 0) {
			v->write_errno = errno;
			return -1;
		}
	}
	v->got += len;
	/* A note per percent, not per packet. */
	percent = v->expected > 0 ? (unsigned)(v->got * 100 / v->expected) : 0;
	if (percent > 100)
		percent = 100;
	if (percent != v->shown_percent) {
		v->shown_percent = percent;
		mail_render_size(&size, v->got);
		mail_render_size(&total, v->expected);
		ui_message(v->view.ui, "%s part %s: %u%% (%s of %s), Ctrl-G cancels",
		    v->job == JOB_SAVE ? "Saving" : "Fetching",
		    *v->job_part->spec != '\0' ? v->job_part->spec : "1", percent,
		    buf_cstr(&size), buf_cstr(&total));
		buf_free(&size);
		buf_free(&total);
	}
	return 0;
}

/* Closes and removes the job's file (unless kept) and forgets the job. */
static void
job_clear(struct attach_view *v, bool keep)
{
	msghold_forget(v->hold, v);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	if (v->tmp != NULL && !keep)
		unlink(v->tmp);
	x_free(&v->tmp);
	x_free(&v->path);
	x_free(&v->command);
	buf_free(&v->data);
	v->job = JOB_NONE;
	v->job_part = NULL;
	v->entry = NULL;
}

bool
attach_cancel(struct ui *ui)
{
	struct view		*view;
	struct attach_view	*v;

	for (view = ui_top_view(ui); view != NULL; view = view->below) {
		if (view->ops != &attach_ops)
			continue;
		v = (struct attach_view *)view;
		if (v->job == JOB_NONE)
			continue;
		job_clear(v, false);
		ui_message(ui, "Download cancelled.");
		return true;
	}
	return false;
}

static void
job_done(void *arg, int status, const char *error)
{
	struct attach_view	*v = arg;
	struct ui		*ui = v->view.ui;
	struct buf		 size = BUF_INIT;
	char			*clean;
	int			 r;

	if (status == 0 && v->write_errno != 0)
		status = -1;
	if (status < 0) {
		if (v->write_errno != 0)
			ui_message(ui, "Writing the part failed: %s",
			    strerror(v->write_errno));
		else
			ui_message(ui, "%s", error != NULL ? error :
			    "the part could not be fetched");
		job_clear(v, false);
		return;
	}
	switch (v->job) {
	case JOB_SAVE:
		if (close(v->fd) < 0) {
			v->fd = -1;
			ui_message(ui, "Writing %s failed: %s", v->path, strerror(errno));
			break;
		}
		v->fd = -1;
		r = rename(v->tmp, v->path);
		clean = str_sanitize(v->path);
		if (r < 0) {
			ui_message(ui, "Cannot save to %s: %s", clean, strerror(errno));
		} else {
			x_free(&v->tmp);
			mail_render_size(&size, v->got);
			ui_message(ui, "Saved %s (%s).", clean, buf_cstr(&size));
		}
		free(clean);
		buf_free(&size);
		break;
	case JOB_VIEW:
		run_viewer(v);
		break;
	case JOB_PIPE:
		run_pipe(v);
		break;
	case JOB_COPIOUS: {
		struct buf	 out = BUF_INIT;
		char		*type = xasprintf("%s/%s", v->job_part->type,
		    v->job_part->subtype);
		char		*err = NULL;

		if (mailcap_filter(v->entry, type, v->job_part->params,
		    v->job_part->nparams, buf_cstr(&v->data), v->data.len,
		    v->job_part->filename, &out, &err) < 0) {
			ui_message(ui, "%s", err);
			free(err);
		} else {
			x_free(&ui->message);
			pager_open_text(ui, out.data != NULL ? out.data : "", out.len);
		}
		free(type);
		buf_free(&out);
		break;
	}
	case JOB_NONE:
		break;
	}
	job_clear(v, false);
	ui_redraw(ui);
}

/*
 * Runs a shell command line with the terminal given to it: stdin from
 * file when given, the screen suspended until it exits. With wait, a
 * key press before the screen comes back (its output stays readable).
 * 0, or -1 with *error_r.
 */
static int
run_shell(const char *command, const char *file, bool wait, char **error_r)
{
	struct fg_cmd	 cmd;
	int		 rc, fd = -1;

	if (file != NULL && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = xasprintf("cannot read the part back: %s", strerror(errno));
		return -1;
	}
	memset(&cmd, 0, sizeof cmd);
	cmd.script = command;
	cmd.stdin_fd = fd;
	cmd.note_fd = -1;
	screen_suspend();
	rc = ui_run_foreground(&cmd);
	if (fd >= 0)
		close(fd);
	if (wait)
		ui_wait_key();
	screen_resume();
	if (rc != 0) {
		ui_foreground_error(error_r, "the command", rc);
		return -1;
	}
	return 0;
}

/* The mailcap viewer on the temporary file (or on its stdin). */
static void
run_viewer(struct attach_view *v)
{
	const struct mime_part	*p = v->job_part;
	char			*type, *command, *error = NULL;
	bool			 file = mailcap_wants_file(v->entry);

	close(v->fd);
	v->fd = -1;
	type = xasprintf("%s/%s", p->type, p->subtype);
	command = mailcap_command(v->entry, v->tmp, type, p->params, p->nparams);
	x_free(&v->view.ui->message);
	if (run_shell(command, file ? NULL : v->tmp, false, &error) < 0) {
		ui_message(v->view.ui, "Viewer: %s", error);
		free(error);
	}
	free(command);
	free(type);
}

/* The user typed the command: it is theirs to run through the shell; the
 * part only arrives on its standard input. */
static void
run_pipe(struct attach_view *v)
{
	char	*error = NULL;

	close(v->fd);
	v->fd = -1;
	x_free(&v->view.ui->message);
	if (run_shell(v->command, v->tmp, true, &error) < 0) {
		ui_message(v->view.ui, "Pipe: %s", error);
		free(error);
	}
}
