/*
 * The sidebar: the folder list down the left side (sidebar_visible,
 * sidebar_width), the open folder marked, folders with new mail in bold,
 * each with its unread count (and total). sidebar-next/prev move a
 * highlight and sidebar-open opens it; the views get the columns right
 * of it through screen_set_left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static size_t rows_of(struct ui *, const struct ui_folder **, size_t);
static bool visible(struct ui *);
static void fn_toggle(struct ui *);
static void fn_next(struct ui *);
static void fn_prev(struct ui *);
static void fn_open(struct ui *);

static const struct {
	const char	*name;
	void		(*fn)(struct ui *);
} functions[] = {
	{ "sidebar-toggle-visible", fn_toggle },
	{ "sidebar-next", fn_next },
	{ "sidebar-prev", fn_prev },
	{ "sidebar-open", fn_open },
};

/* The folders the sidebar lists: the `mailboxes`, else all (subscribed
 * ones with subscribe_only). */
static size_t
rows_of(struct ui *ui, const struct ui_folder **out, size_t max)
{
	const struct ui_folder	*all;
	bool			 sub = config_bool(ui->ctx->cfg, "subscribe_only");
	size_t			 n, i, k = 0;

	all = folderlist_get(ui, &n);
	for (i = 0; i < n; i++) {
		if (!folderlist_shown(ui, &all[i], sub, true))
			continue;
		if (out != NULL && k < max)
			out[k] = &all[i];
		k++;
	}
	return k;
}

int
sidebar_draw(struct ui *ui, int rows)
{
	const struct ui_folder	**list;
	struct buf		  line = BUF_INIT;
	long			  width;
	int			  screen_rows_n, cols, row, depth, name_cols;
	size_t			  n, i, top = 0;
	uint32_t		  total, unseen;
	unsigned		  normal, attr, highlight, open_attr, new_attr, divider;
	unsigned		  unread_attr;
	char			  num[32];

	if (!config_bool(ui->ctx->cfg, "sidebar_visible"))
		return 0;
	screen_rows(&screen_rows_n, &cols);
	width = config_num(ui->ctx->cfg, "sidebar_width");
	/* Leave the views something to show on a narrow terminal. */
	if (width > cols / 2)
		width = cols / 2;
	if (width < 5)
		return 0;
	if (!folderlist_loaded(ui) && !folderlist_busy(ui))
		folderlist_refresh(ui);
	normal = ui_color(ui, "sidebar_ordinary", ui_color(ui, "normal", SCREEN_NORMAL));
	unread_attr = ui_color(ui, "sidebar_unread", normal);
	highlight = ui_color(ui, "sidebar_highlight", SCREEN_REVERSE);
	open_attr = ui_color(ui, "sidebar_indicator", SCREEN_BOLD | SCREEN_UNDERLINE);
	new_attr = ui_color(ui, "sidebar_new", SCREEN_BOLD);
	divider = ui_color(ui, "sidebar_divider", SCREEN_NORMAL);
	name_cols = (int)width - 1;

	n = rows_of(ui, NULL, 0);
	list = n > 0 ? xreallocarray(NULL, n, sizeof *list) : NULL;
	rows_of(ui, list, n);
	if (ui->sidebar_at >= n)
		ui->sidebar_at = n > 0 ? n - 1 : 0;
	if (rows > 0 && ui->sidebar_at >= (size_t)rows)
		top = ui->sidebar_at - (size_t)rows + 1;
	for (row = 0; row < rows; row++) {
		const struct ui_folder *f;
		int numw;

		i = top + (size_t)row;
		screen_put(row, name_cols, 1, "|", 1, divider);
		if (i >= n) {
			screen_put(row, 0, name_cols, row == 0 && n == 0 ?
			    "(folders...)" : "", row == 0 && n == 0 ? 12 : 0, normal);
			continue;
		}
		f = list[i];
		attr = normal;
		if (f->has_counts && f->unseen > 0)
			attr = unread_attr;
		if (f->new_mail)
			attr = new_attr;
		if (folderlist_is_open(ui, f))
			attr = open_attr;
		/* The highlight's colours win; the marks' attributes stay. */
		if (i == ui->sidebar_at)
			attr = highlight | (attr & SCREEN_ATTR_MASK);
		buf_reset(&line);
		for (depth = 0; depth < f->depth && depth < 8; depth++)
			buf_adds(&line, " ");
		buf_adds(&line, f->label);
		num[0] = '\0';
		if (folderlist_counts(ui, f, &total, &unseen)) {
			if (unseen > 0)
				snprintf(num, sizeof num, " %u/%u", unseen, total);
			else
				snprintf(num, sizeof num, " %u", total);
		}
		numw = (int)strlen(num);
		if (numw >= name_cols)
			numw = 0;
		screen_put(row, 0, name_cols - numw, line.data, line.len, attr);
		screen_put(row, name_cols - numw, numw, num, (size_t)numw, attr);
	}
	free(list);
	buf_free(&line);
	return (int)width;
}

bool
sidebar_function(struct ui *ui, const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) == 0) {
			functions[i].fn(ui);
			ui_redraw(ui);
			return true;
		}
	}
	return false;
}

static void
fn_toggle(struct ui *ui)
{
	char	*error = NULL;

	/* mutt's way: the function flips the option, so :set sees it. */
	if (config_toggle(ui->ctx->cfg, "sidebar_visible", &error) < 0) {
		ui_message(ui, "%s", error);
		free(error);
	}
}

static bool
visible(struct ui *ui)
{
	if (config_bool(ui->ctx->cfg, "sidebar_visible"))
		return true;
	ui_message(ui, "The sidebar is hidden (B shows it).");
	return false;
}

static void
fn_next(struct ui *ui)
{
	if (!visible(ui))
		return;
	if (ui->sidebar_at + 1 < rows_of(ui, NULL, 0))
		ui->sidebar_at++;
}

static void
fn_prev(struct ui *ui)
{
	if (!visible(ui))
		return;
	if (ui->sidebar_at > 0)
		ui->sidebar_at--;
}

static void
fn_open(struct ui *ui)
{
	const struct ui_folder	**list;
	size_t			  n;
	char			 *name;

	if (!visible(ui) || (n = rows_of(ui, NULL, 0)) == 0)
		return;
	list = xreallocarray(NULL, n, sizeof *list);
	rows_of(ui, list, n);
	if (ui->sidebar_at >= n)
		ui->sidebar_at = n - 1;
	if (list[ui->sidebar_at]->attrs & IMAP_MBOX_NOSELECT) {
		ui_message(ui, "%s holds folders, not messages.",
		    list[ui->sidebar_at]->name);
		free(list);
		return;
	}
	name = xstrdup(list[ui->sidebar_at]->name);
	free(list);
	ui_open_folder(ui, name, false);
	free(name);
}
