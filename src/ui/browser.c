/*
 * The folder browser: special-use folders first, then the tree indented,
 * each with its unread and total counts, kept current by the folder
 * list's rounds and, for the open folder, by the model. Enter opens the
 * folder under the cursor; T shows subscribed folders only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

#define COUNT_COLS	8

struct browser {
	struct view	 view;
	size_t		 cursor;	/* row in the shown list */
	size_t		 top;
	char		*at;		/* owned: the folder under the cursor */
	bool		 subscribed_only;
};

static size_t shown(struct browser *, const struct ui_folder **, size_t);
static const struct ui_folder *current(struct browser *);
static void remember(struct browser *);
static size_t page(void);
static void fn_next(struct browser *);
static void fn_prev(struct browser *);
static void fn_first(struct browser *);
static void fn_last(struct browser *);
static void fn_next_page(struct browser *);
static void fn_prev_page(struct browser *);
static void fn_select(struct browser *);
static void fn_exit(struct browser *);
static void fn_toggle_subscribed(struct browser *);
static void fn_check_new(struct browser *);
static void fn_subscribe(struct browser *);
static void fn_unsubscribe(struct browser *);
static void subscribe(struct browser *, bool);
static void subscribed(struct imap_client *, const struct imap_response *, void *);
static void change_folder_done(struct ui *, const char *, void *);

static const struct {
	const char	*name;
	void		(*fn)(struct browser *);
} functions[] = {
	{ "next-entry", fn_next },
	{ "previous-entry", fn_prev },
	{ "first-entry", fn_first },
	{ "last-entry", fn_last },
	{ "next-page", fn_next_page },
	{ "previous-page", fn_prev_page },
	{ "select-entry", fn_select },
	{ "exit", fn_exit },
	{ "toggle-subscribed", fn_toggle_subscribed },
	{ "check-new", fn_check_new },
	{ "subscribe", fn_subscribe },
	{ "unsubscribe", fn_unsubscribe },
};

/* The folders this browser lists, in order; fills out (up to max). */
static size_t
shown(struct browser *b, const struct ui_folder **out, size_t max)
{
	const struct ui_folder	*all;
	size_t			 n, i, k = 0;

	all = folderlist_get(b->view.ui, &n);
	for (i = 0; i < n; i++) {
		if (!folderlist_shown(b->view.ui, &all[i], b->subscribed_only, false))
			continue;
		if (out != NULL && k < max)
			out[k] = &all[i];
		k++;
	}
	return k;
}

static const struct ui_folder *
current(struct browser *b)
{
	const struct ui_folder	**rows;
	const struct ui_folder	 *f = NULL;
	size_t			  n = shown(b, NULL, 0);

	if (n == 0)
		return NULL;
	rows = xreallocarray(NULL, n, sizeof *rows);
	shown(b, rows, n);
	if (b->cursor >= n)
		b->cursor = n - 1;
	f = rows[b->cursor];
	free(rows);
	return f;
}

/* The cursor follows its folder when a refresh reorders the list. */
static void
remember(struct browser *b)
{
	const struct ui_folder	*f = current(b);

	free(b->at);
	b->at = f != NULL ? xstrdup(f->name) : NULL;
}

static void
browser_draw(struct view *view, int first, int rows, int cols)
{
	struct browser		 *b = (struct browser *)view;
	struct ui		 *ui = view->ui;
	const struct ui_folder	**list;
	struct buf		  line = BUF_INIT;
	size_t			  n, i;
	uint32_t		  total, unseen;
	unsigned		  attr, normal, indicator, header;
	int			  row, name_cols, depth;
	char			  num[32];

	normal = ui_color(ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(ui, "indicator", SCREEN_REVERSE);
	header = ui_color(ui, "status", SCREEN_REVERSE);
	name_cols = cols - 2 * COUNT_COLS;
	if (name_cols < 8)
		name_cols = 8;
	buf_printf(&line, "Folders%s%s", b->subscribed_only ? " (subscribed)" : "",
	    folderlist_busy(ui) ? " (checking)" : "");
	screen_put(first, 0, name_cols, line.data, line.len, header);
	screen_put(first, name_cols, COUNT_COLS, "  Unread", 8, header);
	screen_put(first, name_cols + COUNT_COLS, COUNT_COLS, "   Total", 8, header);
	first++;
	rows--;
	n = shown(b, NULL, 0);
	if (n == 0) {
		for (row = 0; row < rows; row++)
			screen_line(first + row, "", 0, normal);
		if (rows > 0)
			screen_line(first, folderlist_loaded(ui) ? "  (no folders)" :
			    "  Loading the folder list...", folderlist_loaded(ui) ? 14 : 28,
			    normal);
		buf_free(&line);
		return;
	}
	list = xreallocarray(NULL, n, sizeof *list);
	shown(b, list, n);
	/* Find the remembered folder again. */
	for (i = 0; b->at != NULL && i < n; i++) {
		if (strcmp(list[i]->name, b->at) == 0) {
			b->cursor = i;
			break;
		}
	}
	if (b->cursor >= n)
		b->cursor = n - 1;
	if (b->cursor < b->top)
		b->top = b->cursor;
	if (rows > 0 && b->cursor >= b->top + (size_t)rows)
		b->top = b->cursor - (size_t)rows + 1;
	for (row = 0; row < rows; row++) {
		const struct ui_folder *f;

		i = b->top + (size_t)row;
		if (i >= n) {
			screen_line(first + row, "", 0, normal);
			continue;
		}
		f = list[i];
		attr = i == b->cursor ? indicator : normal;
		if (f->new_mail && i != b->cursor)
			attr |= SCREEN_BOLD;
		buf_reset(&line);
		buf_adds(&line, folderlist_is_open(ui, f) ? "* " :
		    (f->new_mail ? "N " : "  "));
		for (depth = 0; depth < f->depth && depth < 16; depth++)
			buf_adds(&line, "  ");
		buf_adds(&line, f->label);
		if (f->attrs & IMAP_MBOX_NOSELECT)
			buf_printf(&line, "%c", f->delimiter != 0 ? f->delimiter : '/');
		screen_put(first + row, 0, name_cols, line.data, line.len, attr);
		if (folderlist_counts(ui, f, &total, &unseen)) {
			snprintf(num, sizeof num, "%*u", COUNT_COLS, unseen);
			screen_put(first + row, name_cols, COUNT_COLS, num, strlen(num), attr);
			snprintf(num, sizeof num, "%*u", COUNT_COLS, total);
			screen_put(first + row, name_cols + COUNT_COLS, COUNT_COLS, num,
			    strlen(num), attr);
		} else
			screen_put(first + row, name_cols, 2 * COUNT_COLS, "", 0, attr);
	}
	free(list);
	buf_free(&line);
}

static bool
browser_function(struct view *view, const char *name)
{
	struct browser	*b = (struct browser *)view;
	size_t		 i;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) == 0) {
			functions[i].fn(b);
			return true;
		}
	}
	return false;
}

static void
browser_free(struct view *view)
{
	struct browser	*b = (struct browser *)view;

	free(b->at);
	free(b);
}

static const struct view_ops browser_ops = {
	.name = "browser",
	.map = KEYMAP_BROWSER,
	.draw = browser_draw,
	.function = browser_function,
	.free = browser_free,
};

void
browser_open(struct ui *ui)
{
	struct browser	*b = xcalloc(1, sizeof *b);

	b->view.ops = &browser_ops;
	b->subscribed_only = config_bool(ui->ctx->cfg, "subscribe_only");
	/* Start on the open folder. */
	if (ui->folder != NULL)
		b->at = xstrdup(mail_folder_name(ui->folder));
	ui_push_view(ui, &b->view);
	folderlist_refresh(ui);
}

static void
fn_next(struct browser *b)
{
	if (b->cursor + 1 < shown(b, NULL, 0))
		b->cursor++;
	else
		ui_message(b->view.ui, "You are on the last folder.");
	remember(b);
}

static void
fn_prev(struct browser *b)
{
	if (b->cursor > 0)
		b->cursor--;
	else
		ui_message(b->view.ui, "You are on the first folder.");
	remember(b);
}

static void
fn_first(struct browser *b)
{
	b->cursor = 0;
	remember(b);
}

static void
fn_last(struct browser *b)
{
	size_t	 n = shown(b, NULL, 0);

	b->cursor = n > 0 ? n - 1 : 0;
	remember(b);
}

static size_t
page(void)
{
	int	 rows, cols;

	screen_rows(&rows, &cols);
	return rows > 3 ? (size_t)rows - 2 : 1;
}

static void
fn_next_page(struct browser *b)
{
	size_t	 n = shown(b, NULL, 0);

	b->cursor = b->cursor + page() < n ? b->cursor + page() : (n > 0 ? n - 1 : 0);
	remember(b);
}

static void
fn_prev_page(struct browser *b)
{
	b->cursor = b->cursor > page() ? b->cursor - page() : 0;
	remember(b);
}

static void
fn_select(struct browser *b)
{
	const struct ui_folder	*f = current(b);
	char			*name;

	if (f == NULL)
		return;
	if (f->attrs & IMAP_MBOX_NOSELECT) {
		ui_message(b->view.ui, "%s holds folders, not messages.", f->name);
		return;
	}
	/* Opening pops this view: keep the name. */
	name = xstrdup(f->name);
	ui_open_folder(b->view.ui, name, false);
	free(name);
}

static void
fn_exit(struct browser *b)
{
	ui_pop_view(b->view.ui);
}

static void
fn_toggle_subscribed(struct browser *b)
{
	b->subscribed_only = !b->subscribed_only;
	ui_message(b->view.ui, "%s", b->subscribed_only ?
	    "Showing subscribed folders only." : "Showing all folders.");
}

static void
fn_check_new(struct browser *b)
{
	folderlist_refresh(b->view.ui);
	ui_message(b->view.ui, "Checking the folders for new mail...");
}

static void
fn_subscribe(struct browser *b)
{
	subscribe(b, true);
}

static void
fn_unsubscribe(struct browser *b)
{
	subscribe(b, false);
}

struct sub_req {
	struct ui	*ui;
	char		*name;
	bool		 on;
};

static void
subscribe(struct browser *b, bool on)
{
	const struct ui_folder	*f = current(b);
	struct ui		*ui = b->view.ui;
	struct imap_cmd		*cmd;
	struct sub_req		*req;

	if (f == NULL)
		return;
	if (ui->s.closed) {
		ui_message(ui, "Not connected: cannot %s now.", on ? "subscribe" :
		    "unsubscribe");
		return;
	}
	req = xcalloc(1, sizeof *req);
	req->ui = ui;
	req->name = xstrdup(f->name);
	req->on = on;
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, on ? "SUBSCRIBE " : "UNSUBSCRIBE ");
	imap_cmd_add_string(cmd, f->raw);
	imap_cmd_submit(cmd, subscribed, req);
}

static void
subscribed(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct sub_req	*req = arg;

	if (r->status == IMAP_STATUS_OK) {
		ui_message(req->ui, "%s %s.", req->on ? "Subscribed to" :
		    "Unsubscribed from", req->name);
		folderlist_refresh(req->ui);
	} else
		ui_message(req->ui, "Cannot %s %s: %s", req->on ? "subscribe to" :
		    "unsubscribe from", req->name, r->text != NULL ? r->text :
		    "the server refused");
	free(req->name);
	free(req);
}

/* change-folder: a prompt completing folder names (the list is loaded
 * now if it is not yet, so that Tab has something to offer). */
void
browser_change_folder(struct ui *ui, bool readonly)
{
	if (!folderlist_loaded(ui))
		folderlist_refresh(ui);
	ui_prompt(ui, readonly ? "Open folder read-only: " : "Open folder: ", NULL,
	    PROMPT_FOLDER, folders_complete, change_folder_done,
	    readonly ? (void *)ui : NULL);
}

static void
change_folder_done(struct ui *ui, const char *text, void *arg)
{
	bool	 readonly = arg != NULL;

	if (text == NULL || *text == '\0')
		return;
	/* mutt's =name and +name are names here; ! is the inbox. */
	if (*text == '=' || *text == '+')
		text++;
	if (strcmp(text, "!") == 0)
		text = "INBOX";
	if (*text == '\0')
		return;
	ui_open_folder(ui, text, readonly);
}
