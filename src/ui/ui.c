/*
 * The interface's session: connect, open the folder, then run the one
 * event loop with the terminal as one more file descriptor. Model events
 * only schedule a redraw (a zero-delay timer), so a burst of new records
 * costs one screen update; IDLE keeps other clients' changes coming.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/mail_session.h"
#include "crispin/str.h"
#include "crispin/ui.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static void on_opened(struct mail_folder *, void *);
static void on_added(struct mail_folder *, const struct mail_msg *, void *);
static void on_expunged(struct mail_folder *, uint32_t, void *);
static void on_flags(struct mail_folder *, const struct mail_msg *, void *);
static void on_progress(struct mail_folder *, size_t, size_t, void *);
static void on_error(struct mail_folder *, enum err_class, const char *, void *);
static void on_input(int, int, void *);
static void on_winch(int, void *);
static void draw(void *);
static void key(struct ui *, int);
static void run_pending(struct ui *);
static void type_macro(struct ui *, const char *);

/* The most keys one terminal key may type through macros. */
#define MACRO_MAX_KEYS	1000

static const struct mail_folder_events events = {
	.opened = on_opened,
	.added = on_added,
	.expunged = on_expunged,
	.flags = on_flags,
	.progress = on_progress,
	.error = on_error,
};

static void
on_opened(struct mail_folder *f, void *arg)
{
	struct ui	*ui = arg;

	ui->opened = true;
	stats_open_done(ui);
	/* The session idles whenever nothing else runs: from now on the
	 * server tells us what other clients do. */
	ui_redraw(ui);
}

static void
on_added(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	status_added(arg, m);
	ui_redraw(arg);
}

static void
on_expunged(struct mail_folder *f, uint32_t uid, void *arg)
{
	ui_redraw(arg);
}

static void
on_flags(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	ui_redraw(arg);
}

static void
on_progress(struct mail_folder *f, size_t done, size_t total, void *arg)
{
	struct ui	*ui = arg;

	ui->done = done;
	ui->total = total;
	ui_redraw(ui);
}

static void
on_error(struct mail_folder *f, enum err_class cls, const char *msg, void *arg)
{
	ui_message(arg, "%s", msg);
}



void
ui_message(struct ui *ui, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	free(ui->message);
	ui->message = str_sanitize(text);
	free(text);
	ui_redraw(ui);
}

void
ui_redraw(struct ui *ui)
{
	if (ui->redraw != NULL && !ev_timer_active(ui->redraw))
		ev_timer_start(ui->redraw, 0);
}

unsigned
ui_color(struct ui *ui, const char *object, unsigned dflt)
{
	const struct color_entry	*e;
	size_t				 n, i;
	int				 obj;

	if (ui->colors == NULL || (obj = colors_object_find(object)) < 0)
		return dflt;
	e = colors_get(ui->colors, obj, &n);
	for (i = 0; i < n; i++) {
		if (e[i].pattern == NULL)
			return screen_color(&e[i]);
	}
	return dflt;
}

void
ui_push_view(struct ui *ui, struct view *v)
{
	v->ui = ui;
	v->below = ui->top;
	ui->top = v;
	ui->keys.n = 0;
	ui_redraw(ui);
}

void
ui_pop_view(struct ui *ui)
{
	struct view	*v = ui->top;

	if (v == NULL || v == &ui->index.view)
		return;
	ui->top = v->below;
	ui->keys.n = 0;
	if (v->ops->free != NULL)
		v->ops->free(v);
	ui_redraw(ui);
}

struct view *
ui_top_view(struct ui *ui)
{
	return ui->top;
}

static void
draw(void *arg)
{
	struct ui	*ui = arg;
	struct view	*v = ui->top;
	int		 rows, cols, left;

	screen_set_left(0);
	screen_rows(&rows, &cols);
	if (rows < 2)
		return;
	/* The sidebar first: the views get the columns right of it. */
	left = sidebar_draw(ui, rows - 1);
	screen_set_left(left);
	screen_rows(&rows, &cols);
	v->ops->draw(v, 0, rows - 1, cols);
	/* The last row spans the whole width. */
	screen_set_left(0);
	screen_rows(&rows, &cols);
	if (ui->prompt != NULL) {
		/* The prompt covers the status line: a note it made (the
		 * completions of Tab) goes on the row above. */
		if (ui->message != NULL && rows >= 3)
			screen_line(rows - 2, ui->message, strlen(ui->message),
			    ui_color(ui, "message", SCREEN_NORMAL));
		prompt_draw(ui, rows - 1, cols);
	} else
		status_draw(ui, rows - 1, cols);
	screen_set_left(left);
	screen_flush();
}

static void
on_winch(int signo, void *arg)
{
	screen_resize();
	draw(arg);
}

static void
on_input(int fd, int what, void *arg)
{
	struct ui	*ui = arg;
	int		 k, keys = 0;

	while (!ui->quit && screen_key(&k) == 1) {
		key(ui, k);
		run_pending(ui);
		keys++;
	}
	/* Readable without a key: end of file, the terminal is gone. Leave
	 * as after q (without questions nobody could answer) rather than
	 * wake up for it forever. */
	if (keys == 0 && !ui->quit && screen_hung_up()) {
		ui->quit = true;
		return;
	}
	ui_redraw(ui);
}

/* Keys typed by macros run before the next key from the terminal. A
 * macro typing its own key would never end: the count stops it. */
static void
run_pending(struct ui *ui)
{
	size_t	 steps = 0;
	int	 k;

	while (!ui->quit && ui->pending_at < ui->npending) {
		if (++steps > MACRO_MAX_KEYS) {
			ui_message(ui, "Macro stopped: it typed more than %d keys.",
			    MACRO_MAX_KEYS);
			break;
		}
		k = ui->pending[ui->pending_at++];
		key(ui, k);
	}
	x_free(&ui->pending);
	ui->npending = ui->pending_at = 0;
}

/* Queues the keys of a macro in front of what is still pending. */
static void
type_macro(struct ui *ui, const char *text)
{
	int	*keys, *all;
	size_t	 n, rest = ui->npending - ui->pending_at;
	char	*error = NULL;

	if (keymap_parse_macro(text, &keys, &n, &error) < 0) {
		ui_message(ui, "Bad macro: %s", error);
		free(error);
		return;
	}
	all = xreallocarray(NULL, n + rest + 1, sizeof *all);
	memcpy(all, keys, n * sizeof *all);
	if (rest > 0)
		memcpy(all + n, ui->pending + ui->pending_at, rest * sizeof *all);
	free(ui->pending);
	free(keys);
	ui->pending = all;
	ui->npending = n + rest;
	ui->pending_at = 0;
}

const struct keymap_binding *
ui_key_binding(struct ui *ui, int k)
{
	const struct keymap_binding	*b;

	if (ui->keys.n == KEYMAP_MAX_KEYS)
		ui->keys.n = 0;
	ui->keys.keys[ui->keys.n++] = k;
	switch (keymap_lookup(ui->keymap, ui->top->ops->map, ui->keys.keys,
	    ui->keys.n, &b)) {
	case KEYMAP_PREFIX:
		return NULL;
	case KEYMAP_NONE:
		ui->keys.n = 0;
		ui_message(ui, "Key is not bound.  Press '?' for help.");
		return NULL;
	case KEYMAP_MATCH:
		break;
	}
	ui->keys.n = 0;
	return b;
}

/* Keys go through the keymap of the view on top; only function names
 * reach the views. A prompt takes keys before anything else. */
static void
key(struct ui *ui, int k)
{
	const struct keymap_binding	*b;
	const struct keymap_function	*fns;
	size_t				 n;

	fns = keymap_functions(&n);
	if (k >= KEYC_FUNCTION) {
		/* <function-name> in a macro. */
		if ((size_t)(k - KEYC_FUNCTION) < n)
			ui_function(ui, fns[k - KEYC_FUNCTION].name);
		return;
	}
	if (ui->prompt != NULL) {
		prompt_key(ui, k);
		return;
	}
	/* what-key: the key is named, not run (shell.c). */
	if (shell_what_key(ui, k))
		return;
	/* Ctrl-G stops a download of the attachments view (attach.c), or
	 * the index's search on the server (index.c), or the loading of a
	 * folder (link.c). */
	if (k == 0x07 && ui->keys.n == 0 && (attach_cancel(ui) || index_cancel(ui) ||
	    query_cancel(ui) || link_stop_open(ui)))
		return;
	if ((b = ui_key_binding(ui, k)) == NULL)
		return;
	if (b->function < 0) {
		type_macro(ui, b->macro != NULL ? b->macro : "");
		return;
	}
	if ((size_t)b->function < n)
		ui_function(ui, fns[b->function].name);
}

void
ui_function(struct ui *ui, const char *name)
{
	struct view	*v = ui->top;

	if (ui->message != NULL)
		x_free(&ui->message);
	if (strcmp(name, "noop") == 0)
		return;
	if (strcmp(name, "refresh") == 0) {
		screen_resize();
		return;
	}
	if (v->ops->function(v, name))
		return;
	/* A message function the pager leaves alone (delete, flag, reply...)
	 * acts on the index's current message, which is the one shown. Only
	 * functions of the top view's map go down. */
	if (keymap_function_find(v->ops->map, name) >= 0) {
		for (v = v->below; v != NULL; v = v->below) {
			if (v->ops->function(v, name))
				return;
		}
		v = ui->top;
	}
	if (strcmp(name, "next-account") == 0) {
		link_next_account(ui);
		return;
	}
	/* The query menu: addresses from aliases and query_command (query.c). */
	if (strcmp(name, "query") == 0) {
		query_open(ui);
		return;
	}
	/* Replies and the like: the editor, then the outbox (compose.c). */
	if (compose_function(ui, name))
		return;
	/* print, bounce and edit the current message (print.c, bounce.c,
	 * edit.c). */
	if (print_function(ui, name) || bounce_function(ui, name) ||
	    edit_function(ui, name))
		return;
	/* enter-command, the folder and sidebar functions (command.c). */
	if (command_function(ui, name))
		return;
	/* shell-escape, what-key (shell.c). */
	if (shell_function(ui, name))
		return;
	if (strcmp(name, "exit") == 0 && v != &ui->index.view) {
		ui_pop_view(ui);
		return;
	}
	/* Help for whatever view is on top, from the live keymap (help.c). */
	if (strcmp(name, "help") == 0) {
		help_open(ui, v->ops->map);
		return;
	}
	/* From the index: the current message's parts (attach.c). */
	if (strcmp(name, "view-attachments") == 0 && v == &ui->index.view &&
	    index_current_uid(ui) != 0) {
		attach_open_uid(ui, index_current_uid(ui));
		return;
	}
	ui_message(ui, "%s is not available here yet.", name);
}

/* The index rows of a full screen, or 0 (the folder's default) before
 * the screen is known. */
static unsigned
first_screen_rows(void)
{
	int	rows = 0, cols = 0;

	screen_rows(&rows, &cols);
	return rows > 2 ? (unsigned)rows : 0;
}

void
ui_open_folder(struct ui *ui, const char *name, bool readonly)
{
	struct mail_folder_params	 p;
	char				*copy = xstrdup(name);

	/* Kept for reopening after a reconnect (name may be the old copy). */
	free(ui->folder_name);
	ui->folder_name = copy;
	ui->folder_readonly = readonly;
	name = copy;
	while (ui->top != &ui->index.view)
		ui_pop_view(ui);
	mail_folder_free(&ui->folder);
	index_reset(&ui->index);
	/* mutt runs folder-hooks before the folder is read, so that they
	 * can set its sort and colours (command.c). */
	command_folder_hooks(ui, name);
	folderlist_seen(ui, name);
	ui->open_started = ev_now(ui->s.loop);
	stats_open_begin(ui);
	ui->new_mail = 0;
	memset(&p, 0, sizeof p);
	p.use_cache = ui->store != NULL;
	p.readonly = readonly;
	/* A change is journaled before it is sent: a link that dies in
	 * between loses nothing (the next connection replays it). */
	p.journal = ui->store != NULL;
	/* The first screen of a cached folder before the rest of it. */
	p.loop = ui->s.loop;
	/* A cold open fetches one screen's worth first: fewer bytes before
	 * the first rows are drawn (the rest follow in batches). */
	p.first_batch = first_screen_rows();
	index_folder_params(ui, &p);
	ui->folder = mail_folder_new(ui->s.client, ui->store, name, &p);
	mail_folder_subscribe(ui->folder, &events, ui);
	ui->opened = false;
	ui->done = ui->total = 0;
	/* With the link down the cache shows the folder meanwhile. */
	if (ui->s.client == NULL)
		mail_folder_open_offline(ui->folder);
	else
		mail_folder_open(ui->folder);
	ui_redraw(ui);
}

int
ui_run(struct cli_context *ctx, const struct ui_params *params)
{
	struct ui			 ui;
	FILE				*real_err = ctx->err, *notes = NULL;
	char				*collected = NULL, *error = NULL, *folder = NULL;
	size_t				 ncollected = 0;
	int				 rc;

	memset(&ui, 0, sizeof ui);
	ui.ctx = ctx;
	ui.keymap = config_keymap(ctx->cfg);
	ui.colors = config_colors(ctx->cfg);
	index_init(&ui, &ui.index);
	ui.top = &ui.index.view;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(real_err, "crispin: the interactive interface needs a "
		    "terminal (see crispin --help for the commands)\n");
		return EXIT_USAGE;
	}
	/* Known this early, a cached start folder is drawn before the
	 * login is done (link.c). */
	if (!params->first_new && !params->exit_if_empty)
		ui.folder_name = xstrdup(params->folder != NULL ?
		    params->folder : "INBOX");
	if ((rc = link_start(&ui, real_err)) != 0)
		goto out;
	/* Notes written while curses owns the screen wait until it is gone. */
	if ((notes = open_memstream(&collected, &ncollected)) != NULL)
		ctx->err = notes;
	status_init(&ui);
	/* -z and -Z decide before the screen is taken (startup.c). */
	if ((rc = startup_folder(&ui, params, real_err, &folder)) != 0)
		goto out;
	if (screen_init(&error) < 0) {
		fprintf(real_err, "crispin: %s\n", error);
		free(error);
		rc = EXIT_USAGE;
		goto out;
	}
	ui.redraw = ev_timer_new(ui.s.loop, draw, &ui);
	ui.input = ev_fd_add(ui.s.loop, STDIN_FILENO, EV_READ, on_input, &ui);
	ev_signal(ui.s.loop, SIGWINCH, on_winch, &ui);
	ui_open_folder(&ui, folder, params->readonly);
	startup_rc_errors(&ui, params->rc_errors);
	while (!ui.quit) {
		bool was_idling = ui.s.client != NULL &&
		    imap_client_idling(ui.s.client);

		if (ev_loop_run_once(ui.s.loop, -1) < 0)
			break;
		/* The client says nothing when it starts or stops idling, and
		 * the status line shows it. */
		if ((ui.s.client != NULL && imap_client_idling(ui.s.client)) !=
		    was_idling)
			ui_redraw(&ui);
		/* "reconnecting in N s" counts down. */
		if (ui.link_state == MAIL_SESSION_WAITING && ui.redraw != NULL &&
		    !ev_timer_active(ui.redraw))
			ev_timer_start(ui.redraw, 1000);
	}
	screen_end();
	ev_fd_free(&ui.input);
	ev_timer_free(&ui.redraw);
out:
	while (ui.top != &ui.index.view)
		ui_pop_view(&ui);
	prompt_free(&ui);
	browser_cleanup(&ui);
	print_cleanup(&ui);
	edit_cleanup(&ui);
	bgjob_free_all(&ui);
	free(ui.pending);
	mail_folder_free(&ui.folder);
	folderlist_stop(&ui);
	status_free(&ui);
	link_stop(&ui);
	/* After the session: its last answers may still reach it. */
	folderlist_free(&ui);
	free(folder);
	/* After the session: a search in flight answers into the index. */
	index_free(&ui.index);
	link_free(&ui);
	store_close(&ui.store);
	free(ui.folder_name);
	free(ui.message);
	ctx->err = real_err;
	if (notes != NULL) {
		fclose(notes);
		if (ncollected > 0)
			fwrite(collected, 1, ncollected, real_err);
		free(collected);
	}
	return rc;
}
