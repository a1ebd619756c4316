/*
 * The pager: one message rendered as `crispin show` renders it (the part
 * tree and header first, then only the parts shown), split into lines and
 * scrolled. Everything is asynchronous: the pager draws "loading" until
 * the text is here, and reading marks the message \Seen.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

struct pager {
	struct view		 view;
	struct ui		*ui;		/* borrowed */
	struct mail_message	*msg;		/* owned */
	uint32_t		 uid;
	struct arena		*arena;		/* owned: the shown parts */
	struct mime_shown	*shown;		/* in arena */
	size_t			 nshown;
	struct buf		 text;		/* the rendered message */
	size_t			*lines;		/* owned: offset of each line */
	size_t			 nlines;
	size_t			 top;
	char			*error;		/* owned; NULL while fine */
};

static void loaded(struct mail_message *, int, const char *, void *);
static void fetched(struct mail_message *, int, const char *, void *);
static void failed(struct pager *, const char *);
static void split_lines(struct pager *);
static bool weeded(const char *, void *);
static size_t page(struct pager *);
static void fn_exit(struct pager *);
static void fn_quit(struct pager *);
static void fn_next_line(struct pager *);
static void fn_prev_line(struct pager *);
static void fn_next_page(struct pager *);
static void fn_prev_page(struct pager *);
static void fn_half_down(struct pager *);
static void fn_half_up(struct pager *);
static void fn_top(struct pager *);
static void fn_bottom(struct pager *);

static const struct {
	const char	*name;
	void		(*fn)(struct pager *);
} functions[] = {
	{ "exit", fn_exit },
	{ "quit", fn_quit },
	{ "next-line", fn_next_line },
	{ "previous-line", fn_prev_line },
	{ "next-page", fn_next_page },
	{ "previous-page", fn_prev_page },
	{ "half-down", fn_half_down },
	{ "half-up", fn_half_up },
	{ "top", fn_top },
	{ "bottom", fn_bottom },
};

static void pager_draw(struct view *, int, int, int);
static bool pager_function(struct view *, const char *);
static void pager_free(struct view *);

static const struct view_ops pager_ops = {
	.name = "pager",
	.map = KEYMAP_PAGER,
	.draw = pager_draw,
	.function = pager_function,
	.free = pager_free,
};

void
pager_open(struct ui *ui, uint32_t uid)
{
	struct mail_message_params	 p;
	struct pager			*pg = xcalloc(1, sizeof *pg);

	pg->view.ops = &pager_ops;
	pg->ui = ui;
	pg->uid = uid;
	pg->arena = arena_new(0);
	memset(&p, 0, sizeof p);
	p.folder = mail_folder_name(ui->folder);
	p.uidvalidity = mail_folder_uidvalidity(ui->folder);
	p.store = ui->store;
	/* As show does: a server choking on broken base64 costs nothing. */
	p.no_binary = true;
	pg->msg = mail_message_new(ui->s.client, &p, uid);
	ui_push_view(ui, &pg->view);
	mail_message_load(pg->msg, loaded, pg);
}

static void
pager_free(struct view *view)
{
	struct pager	*pg = (struct pager *)view;

	mail_message_free(&pg->msg);
	arena_free(&pg->arena);
	buf_free(&pg->text);
	free(pg->lines);
	free(pg->error);
	free(pg);
}

static void
failed(struct pager *pg, const char *error)
{
	free(pg->error);
	pg->error = str_sanitize(error != NULL ? error : "the message could not be read");
	ui_message(pg->ui, "%s", pg->error);
	ui_redraw(pg->ui);
}

static void
loaded(struct mail_message *m, int status, const char *error, void *arg)
{
	static const char *const dflt_order[] = { "text/plain", "text/html", NULL };
	struct pager	*pg = arg;

	if (status < 0) {
		failed(pg, error);
		return;
	}
	pg->nshown = mime_select_display(mail_message_root(m), dflt_order,
	    pg->arena, &pg->shown);
	mail_message_fetch_shown(m, pg->shown, pg->nshown, fetched, pg);
}

static bool
weeded(const char *field, void *arg)
{
	const struct config	*cfg = arg;

	return config_header_ignored(cfg, field);
}

static void
fetched(struct mail_message *m, int status, const char *error, void *arg)
{
	struct pager		*pg = arg;
	struct ui		*ui = pg->ui;
	struct mail_render_opts	 o;
	const struct mail_msg	*msg;
	struct imap_seqset	 uids;
	int			 rows, cols;

	if (status < 0) {
		failed(pg, error);
		return;
	}
	screen_rows(&rows, &cols);
	memset(&o, 0, sizeof o);
	o.width = cols > 20 ? (unsigned)cols - 2 : 78;
	o.folder = mail_folder_name(ui->folder);
	if (config_bool(ui->ctx->cfg, "weed")) {
		o.ignored = weeded;
		o.ignored_arg = ui->ctx->cfg;
	}
	mail_message_render(&pg->text, m, pg->shown, pg->nshown, &o);
	split_lines(pg);
	/* Read now: the fetches peeked, so say so as mutt does. */
	msg = mail_folder_by_uid(ui->folder, pg->uid);
	if (msg != NULL && !(msg->flags & IMAP_FLAG_SEEN) &&
	    !mail_folder_readonly(ui->folder)) {
		imap_seqset_init(&uids);
		imap_seqset_add(&uids, pg->uid, pg->uid);
		mail_folder_store_flags(ui->folder, &uids, true, IMAP_FLAG_SEEN,
		    NULL, NULL, NULL);
		imap_seqset_free(&uids);
	}
	ui_redraw(ui);
}

static void
split_lines(struct pager *pg)
{
	size_t	 i, cap = 0;

	pg->nlines = 0;
	for (i = 0; i < pg->text.len || (i == 0 && pg->text.len == 0); ) {
		if (pg->nlines == cap) {
			cap = cap ? cap * 2 : 64;
			pg->lines = xreallocarray(pg->lines, cap, sizeof *pg->lines);
		}
		pg->lines[pg->nlines++] = i;
		while (i < pg->text.len && pg->text.data[i] != '\n')
			i++;
		if (i < pg->text.len)
			i++;
		else
			break;
	}
}

static void
pager_draw(struct view *view, int first, int rows, int cols)
{
	struct pager	*pg = (struct pager *)view;
	size_t		 n, start, end;
	int		 row;

	if (pg->nlines == 0) {
		for (row = 0; row < rows; row++)
			screen_line(first + row, "", 0, SCREEN_NORMAL);
		if (pg->error == NULL)
			screen_line(first, "Loading the message...", 22, SCREEN_NORMAL);
		return;
	}
	for (row = 0; row < rows; row++) {
		n = pg->top + (size_t)row;
		if (n >= pg->nlines) {
			screen_line(first + row, "", 0, SCREEN_NORMAL);
			continue;
		}
		start = pg->lines[n];
		end = n + 1 < pg->nlines ? pg->lines[n + 1] : pg->text.len;
		if (end > start && pg->text.data[end - 1] == '\n')
			end--;
		screen_line(first + row, pg->text.data + start, end - start,
		    SCREEN_NORMAL);
	}
}

static bool
pager_function(struct view *view, const char *name)
{
	struct pager	*pg = (struct pager *)view;
	size_t		 i;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) == 0) {
			functions[i].fn(pg);
			return true;
		}
	}
	return false;
}

/* The pager has all rows but the status line. */
static size_t
page(struct pager *pg)
{
	int	 rows, cols;

	screen_rows(&rows, &cols);
	return rows > 2 ? (size_t)rows - 1 : 1;
}

static void
fn_exit(struct pager *pg)
{
	ui_pop_view(pg->ui);
}

static void
fn_quit(struct pager *pg)
{
	pg->ui->quit = true;
}

static void
fn_next_line(struct pager *pg)
{
	if (pg->top + 1 < pg->nlines)
		pg->top++;
	else
		ui_message(pg->ui, "Bottom of message is shown.");
}

static void
fn_prev_line(struct pager *pg)
{
	if (pg->top > 0)
		pg->top--;
	else
		ui_message(pg->ui, "Top of message is shown.");
}

static void
fn_next_page(struct pager *pg)
{
	size_t	 n = page(pg);

	if (pg->top + n < pg->nlines)
		pg->top += n;
	else
		ui_message(pg->ui, "Bottom of message is shown.");
}

static void
fn_prev_page(struct pager *pg)
{
	size_t	 n = page(pg);

	if (pg->top == 0)
		ui_message(pg->ui, "Top of message is shown.");
	pg->top = pg->top > n ? pg->top - n : 0;
}

static void
fn_half_down(struct pager *pg)
{
	size_t	 n = page(pg) / 2 + 1;

	if (pg->top + n < pg->nlines)
		pg->top += n;
}

static void
fn_half_up(struct pager *pg)
{
	size_t	 n = page(pg) / 2 + 1;

	pg->top = pg->top > n ? pg->top - n : 0;
}

static void
fn_top(struct pager *pg)
{
	pg->top = 0;
}

static void
fn_bottom(struct pager *pg)
{
	size_t	 n = page(pg);

	pg->top = pg->nlines > n ? pg->nlines - n : 0;
}
