/*
 * The folder browser: special-use folders first, then the tree indented,
 * each with its unread and total counts, kept current by the folder
 * list's rounds and, for the open folder, by the model. Enter opens the
 * folder under the cursor; T shows subscribed folders only. C, r and d
 * create, rename and delete folders, p goes to the parent and m shows
 * only the folders matching a mask; the server is asked in the
 * background and the list refreshed when it answers.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
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
	char		*mask;		/* owned: enter-mask's text, or NULL */
	regex_t		 mask_re;	/* compiled when mask is set */
	bool		 mask_not;	/* "!re": the folders not matching */
};

/* A folder operation waiting for an answer (prompt or server). */
struct folder_req {
	struct ui	*ui;
	char		*raw;		/* owned: the folder as the server spells it */
	char		*name;		/* owned: UTF-8 */
	char		 delimiter;
	bool		 has_count;
	uint32_t	 messages;	/* delete: what dies with it */
	unsigned	 children;	/* rename: the subfolders that follow */
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
static bool masked_out(struct browser *, const struct ui_folder *);
static struct browser *top_browser(struct ui *);
static void point_at(struct ui *, const char *);
static struct folder_req *req_new(struct ui *, const struct ui_folder *);
static void req_free(struct folder_req *);
static void asking(struct folder_req *);
static bool connected(struct ui *, const char *);
static void refused(struct ui *, const char *, const char *,
	    const struct imap_response *);
static void fn_create(struct browser *);
static void create_done(struct ui *, const char *, void *);
static void on_created(struct imap_client *, const struct imap_response *, void *);
static void fn_rename(struct browser *);
static void rename_done(struct ui *, const char *, void *);
static void on_renamed(struct imap_client *, const struct imap_response *, void *);
static void fn_delete(struct browser *);
static void on_delete_status(struct imap_client *, const struct imap_response *,
	    void *);
static void delete_counted(struct imap_client *, const struct imap_response *,
	    void *);
static void delete_confirmed(struct ui *, bool, void *);
static void on_deleted(struct imap_client *, const struct imap_response *, void *);
static void fn_parent(struct browser *);
static void fn_mask(struct browser *);
static void mask_done(struct ui *, const char *, void *);

/* The one question of the browser's that may be open (freed when the
 * interface ends first, or another replaces it). */
static struct folder_req *asked;

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
	{ "create-mailbox", fn_create },
	{ "rename-mailbox", fn_rename },
	{ "delete-mailbox", fn_delete },
	{ "goto-parent", fn_parent },
	{ "enter-mask", fn_mask },
};

/* The folders this browser lists, in order; fills out (up to max). */
static size_t
shown(struct browser *b, const struct ui_folder **out, size_t max)
{
	const struct ui_folder	*all;
	size_t			 n, i, k = 0;

	all = folderlist_get(b->view.ui, &n);
	for (i = 0; i < n; i++) {
		if (!folderlist_shown(b->view.ui, &all[i], b->subscribed_only, false) ||
		    masked_out(b, &all[i]))
			continue;
		if (out != NULL && k < max)
			out[k] = &all[i];
		k++;
	}
	return k;
}

/*
 * The cursor onto the remembered folder (b->at) among the n rows shown,
 * when it is one of them: the list may have changed, or a command moved
 * to a folder, since the last draw, and the next key must act on the
 * folder the cursor means, not on whatever took its row.
 */
static void
follow(struct browser *b, const struct ui_folder **rows, size_t n)
{
	size_t	i;

	for (i = 0; b->at != NULL && i < n; i++) {
		if (strcmp(rows[i]->name, b->at) == 0) {
			b->cursor = i;
			break;
		}
	}
	if (n > 0 && b->cursor >= n)
		b->cursor = n - 1;
}

/* The folder on the cursor's row; with follow_at, after following the
 * remembered folder first. */
static const struct ui_folder *
at_cursor(struct browser *b, bool follow_at)
{
	const struct ui_folder	**rows;
	const struct ui_folder	 *f = NULL;
	size_t			  n = shown(b, NULL, 0);

	if (n == 0)
		return NULL;
	rows = xreallocarray(NULL, n, sizeof *rows);
	shown(b, rows, n);
	if (follow_at)
		follow(b, rows, n);
	else if (b->cursor >= n)
		b->cursor = n - 1;
	f = rows[b->cursor];
	free(rows);
	return f;
}

/* What a command acts on. */
static const struct ui_folder *
current(struct browser *b)
{
	return at_cursor(b, true);
}

/* After a move: the folder now on the cursor is the one it follows when
 * a refresh reorders the list. */
static void
remember(struct browser *b)
{
	const struct ui_folder	*f = at_cursor(b, false);

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
	buf_printf(&line, "Folders%s", b->subscribed_only ? " (subscribed)" : "");
	if (b->mask != NULL)
		buf_printf(&line, " (mask %s)", b->mask);
	if (folderlist_busy(ui))
		buf_adds(&line, " (checking)");
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
	follow(b, list, n);
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
		/* The root of another namespace says whose folders these are. */
		if (f->ns != MAIL_NS_PERSONAL && f->depth == 0)
			buf_adds(&line, f->ns == MAIL_NS_OTHER ? "  [other users]" :
			    "  [shared]");
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
	if (b->mask != NULL)
		regfree(&b->mask_re);
	free(b->mask);
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
	(void)current(b);
	if (b->cursor + 1 < shown(b, NULL, 0))
		b->cursor++;
	else
		ui_message(b->view.ui, "You are on the last folder.");
	remember(b);
}

static void
fn_prev(struct browser *b)
{
	(void)current(b);
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

	(void)current(b);
	b->cursor = b->cursor + page() < n ? b->cursor + page() : (n > 0 ? n - 1 : 0);
	remember(b);
}

static void
fn_prev_page(struct browser *b)
{
	(void)current(b);
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
	const struct ui_folder	*next;

	if (!folderlist_loaded(ui))
		folderlist_refresh(ui);
	ui_prompt(ui, readonly ? "Open folder read-only: " : "Open folder: ", NULL,
	    PROMPT_FOLDER, folders_complete, change_folder_done,
	    readonly ? (void *)ui : NULL);
	/* mutt's default: the next folder with unread mail. */
	if ((next = folderlist_next_unread(ui)) != NULL)
		prompt_suggest(ui, next->name);
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

/* enter-mask: a folder shows when its name matches the mask (an
 * extended regular expression, case-insensitive; "!re" inverts it). */
static bool
masked_out(struct browser *b, const struct ui_folder *f)
{
	bool	 match;

	if (b->mask == NULL)
		return false;
	match = regexec(&b->mask_re, f->name, 0, NULL, 0) == 0;
	return match == b->mask_not;
}

static void
fn_mask(struct browser *b)
{
	ui_prompt(b->view.ui, "Show folders matching (empty: all): ", b->mask,
	    PROMPT_PATTERN, NULL, mask_done, NULL);
}

static void
mask_done(struct ui *ui, const char *text, void *arg)
{
	struct browser	*b = top_browser(ui);
	const char	*re;
	regex_t		 compiled;
	char		 why[128];
	int		 rc;

	if (b == NULL || text == NULL)
		return;
	if (*text == '\0') {
		if (b->mask != NULL)
			regfree(&b->mask_re);
		x_free(&b->mask);
		ui_message(ui, "Showing every folder.");
		return;
	}
	re = *text == '!' ? text + 1 : text;
	if ((rc = regcomp(&compiled, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		regerror(rc, &compiled, why, sizeof why);
		ui_message(ui, "Bad mask \"%s\": %s", text, why);
		return;
	}
	if (b->mask != NULL)
		regfree(&b->mask_re);
	free(b->mask);
	b->mask = xstrdup(text);
	b->mask_re = compiled;
	b->mask_not = *text == '!';
	b->cursor = 0;
	remember(b);
	ui_message(ui, "%zu folder%s match.", shown(b, NULL, 0),
	    shown(b, NULL, 0) == 1 ? "" : "s");
}

/* goto-parent: the cursor to the folder above this one in the tree. */
static void
fn_parent(struct browser *b)
{
	const struct ui_folder	*f = current(b);
	const char		*cut;
	char			*parent;

	if (f == NULL)
		return;
	if (f->delimiter == 0 || (cut = strrchr(f->name, f->delimiter)) == NULL) {
		ui_message(b->view.ui, "%s is at the top.", f->name);
		return;
	}
	parent = xstrndup(f->name, (size_t)(cut - f->name));
	if (folderlist_find(b->view.ui, parent) == NULL)
		ui_message(b->view.ui, "%s is not listed.", parent);
	else
		point_at(b->view.ui, parent);
	free(parent);
}

/* The browser on top, or NULL (it may have gone while a server answered). */
static struct browser *
top_browser(struct ui *ui)
{
	struct view	*v = ui_top_view(ui);

	return v != NULL && v->ops == &browser_ops ? (struct browser *)v : NULL;
}

/* The cursor goes to name, now if it is shown (follow), else once the
 * next list has it. */
static void
point_at(struct ui *ui, const char *name)
{
	struct browser	*b = top_browser(ui);

	if (b == NULL)
		return;
	free(b->at);
	b->at = xstrdup(name);
}

static struct folder_req *
req_new(struct ui *ui, const struct ui_folder *f)
{
	struct folder_req	*req = xcalloc(1, sizeof *req);

	req->ui = ui;
	if (f != NULL) {
		req->raw = xstrdup(f->raw);
		req->name = xstrdup(f->name);
		req->delimiter = f->delimiter;
	}
	return req;
}

static void
req_free(struct folder_req *req)
{
	if (req == NULL)
		return;
	if (asked == req)
		asked = NULL;
	free(req->raw);
	free(req->name);
	free(req);
}

/* req waits on a prompt: one that replaced an earlier question frees it. */
static void
asking(struct folder_req *req)
{
	if (asked != NULL && asked != req)
		req_free(asked);
	asked = req;
}

void
browser_cleanup(struct ui *ui)
{
	req_free(asked);
}

static bool
connected(struct ui *ui, const char *what)
{
	if (ui->s.client == NULL || ui->s.closed) {
		ui_message(ui, "Not connected: cannot %s now.", what);
		return false;
	}
	return true;
}

/* "Cannot delete X: server text". */
static void
refused(struct ui *ui, const char *what, const char *name,
    const struct imap_response *r)
{
	char	*text = str_sanitize(r->text != NULL ? r->text : "the server refused");

	ui_message(ui, "Cannot %s %s: %s", what, name, text);
	free(text);
}

static void
fn_create(struct browser *b)
{
	const struct ui_folder	*f = current(b);
	struct folder_req	*req;
	struct buf		 initial = BUF_INIT;
	const char		*cut;

	if (!connected(b->view.ui, "create a folder"))
		return;
	req = req_new(b->view.ui, NULL);
	/* Start in the folder under the cursor's level of the tree. */
	if (f != NULL && f->delimiter != 0 && !f->role &&
	    (cut = strrchr(f->name, f->delimiter)) != NULL)
		buf_add(&initial, f->name, (size_t)(cut - f->name) + 1);
	asking(req);
	ui_prompt(b->view.ui, "Create folder: ", initial.len > 0 ? buf_cstr(&initial) :
	    NULL, PROMPT_FOLDER, folders_complete, create_done, req);
	buf_free(&initial);
}

static void
create_done(struct ui *ui, const char *text, void *arg)
{
	struct folder_req	*req = arg;
	struct imap_cmd		*cmd;

	if (asked == req)
		asked = NULL;
	if (text == NULL || *text == '\0' || !connected(ui, "create a folder")) {
		req_free(req);
		return;
	}
	req->name = xstrdup(text);
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "CREATE ");
	imap_cmd_add_mailbox(cmd, req->name);
	imap_cmd_submit(cmd, on_created, req);
}

static void
on_created(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_req	*req = arg;
	char			*name = str_sanitize(req->name);

	if (r->status == IMAP_STATUS_OK) {
		ui_message(req->ui, "Created %s.", name);
		point_at(req->ui, req->name);
		folderlist_refresh(req->ui);
	} else
		refused(req->ui, "create", name, r);
	free(name);
	req_free(req);
}

static void
fn_rename(struct browser *b)
{
	const struct ui_folder	*all, *f = current(b);
	struct folder_req	*req;
	char			*question;
	size_t			 n, i, len;

	if (f == NULL || !connected(b->view.ui, "rename a folder"))
		return;
	if (str_ieq(f->name, "INBOX")) {
		ui_message(b->view.ui, "INBOX cannot be renamed here (crispin rename "
		    "moves its messages).");
		return;
	}
	if (folderlist_is_open(b->view.ui, f)) {
		ui_message(b->view.ui, "%s is open: open another folder first.", f->name);
		return;
	}
	req = req_new(b->view.ui, f);
	/* The server takes the children along; count them to say so. */
	all = folderlist_get(b->view.ui, &n);
	len = strlen(f->name);
	for (i = 0; f->delimiter != 0 && i < n; i++) {
		if (strncmp(all[i].name, f->name, len) == 0 &&
		    all[i].name[len] == f->delimiter)
			req->children++;
	}
	asking(req);
	question = xasprintf("Rename %s to: ", f->name);
	ui_prompt(b->view.ui, question, f->name, PROMPT_FOLDER, NULL, rename_done, req);
	free(question);
}

static void
rename_done(struct ui *ui, const char *text, void *arg)
{
	struct folder_req	*req = arg;
	struct imap_cmd		*cmd;
	char			*to;

	if (asked == req)
		asked = NULL;
	if (text == NULL || *text == '\0' || strcmp(text, req->name) == 0 ||
	    !connected(ui, "rename a folder")) {
		req_free(req);
		return;
	}
	to = xstrdup(text);
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "RENAME ");
	imap_cmd_add_string(cmd, req->raw);
	imap_cmd_add(cmd, " ");
	imap_cmd_add_mailbox(cmd, to);
	/* From here name is the new name, raw still the old. */
	free(req->name);
	req->name = to;
	imap_cmd_submit(cmd, on_renamed, req);
}

static void
on_renamed(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_req	*req = arg;
	char			*from = imap_client_mailbox_utf8(c, req->raw);
	char			*to = str_sanitize(req->name), *clean = str_sanitize(from);

	if (r->status == IMAP_STATUS_OK) {
		if (req->children > 0)
			ui_message(req->ui, "Renamed %s to %s with %u subfolder%s.", clean,
			    to, req->children, req->children == 1 ? "" : "s");
		else
			ui_message(req->ui, "Renamed %s to %s.", clean, to);
		point_at(req->ui, req->name);
		folderlist_refresh(req->ui);
	} else
		refused(req->ui, "rename", clean, r);
	free(from);
	free(clean);
	free(to);
	req_free(req);
}

/*
 * delete-mailbox: STATUS first, so the question names what dies; then
 * DELETE. A folder that only holds folders has no count to give.
 */
static void
fn_delete(struct browser *b)
{
	const struct ui_folder	*f = current(b);
	struct folder_req	*req;
	struct imap_cmd		*cmd;
	struct ui		*ui = b->view.ui;

	if (f == NULL || !connected(ui, "delete a folder"))
		return;
	if (str_ieq(f->name, "INBOX")) {
		ui_message(ui, "INBOX cannot be deleted.");
		return;
	}
	if (folderlist_is_open(ui, f)) {
		ui_message(ui, "%s is open: open another folder first.", f->name);
		return;
	}
	req = req_new(ui, f);
	if (f->attrs & IMAP_MBOX_NOSELECT) {
		delete_counted(NULL, NULL, req);
		return;
	}
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "STATUS ");
	imap_cmd_add_string(cmd, req->raw);
	imap_cmd_add(cmd, " (MESSAGES)");
	imap_cmd_on_untagged(cmd, "STATUS", on_delete_status);
	imap_cmd_submit(cmd, delete_counted, req);
	ui_message(ui, "Counting the messages of %s...", f->name);
}

static void
on_delete_status(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_req	*req = arg;
	struct arena		*a = arena_new(0);
	struct imap_status_data	 st;

	if (imap_status_parse(r, a, &st, NULL) == 0 && (st.have & IMAP_STATUS_MESSAGES)) {
		req->has_count = true;
		req->messages = st.messages;
	}
	arena_free(&a);
}

/* r is NULL for a folder that was not counted. */
static void
delete_counted(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_req	*req = arg;
	struct ui		*ui = req->ui;
	char			*name, *question;

	if (r != NULL && r->status != IMAP_STATUS_OK) {
		name = str_sanitize(req->name);
		refused(ui, "count the messages of", name, r);
		free(name);
		req_free(req);
		return;
	}
	if (prompt_active(ui) || top_browser(ui) == NULL) {
		/* The user went elsewhere meanwhile: do not take the keys. */
		req_free(req);
		return;
	}
	name = str_sanitize(req->name);
	if (req->has_count)
		question = xasprintf("Delete folder %s and its %u message%s?", name,
		    req->messages, req->messages == 1 ? "" : "s");
	else
		question = xasprintf("Delete folder %s?", name);
	asking(req);
	ui_confirm(ui, question, false, delete_confirmed, req);
	free(question);
	free(name);
}

static void
delete_confirmed(struct ui *ui, bool yes, void *arg)
{
	struct folder_req	*req = arg;
	struct imap_cmd		*cmd;

	if (asked == req)
		asked = NULL;
	if (!yes || !connected(ui, "delete a folder")) {
		if (!yes)
			ui_message(ui, "Nothing deleted.");
		req_free(req);
		return;
	}
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "DELETE ");
	imap_cmd_add_string(cmd, req->raw);
	imap_cmd_submit(cmd, on_deleted, req);
}

static void
on_deleted(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_req	*req = arg;
	char			*name = str_sanitize(req->name);

	if (r->status == IMAP_STATUS_OK) {
		if (req->has_count)
			ui_message(req->ui, "Deleted %s and its %u message%s.", name,
			    req->messages, req->messages == 1 ? "" : "s");
		else
			ui_message(req->ui, "Deleted %s.", name);
		folderlist_refresh(req->ui);
	} else
		refused(req->ui, "delete", name, r);
	free(name);
	req_free(req);
}
