/*
 * The compose process's small interface: a struct ui with no folder and
 * no server, its own event loop over the terminal, and the same keymap,
 * prompt and help as the big interface. The compose screen and recall's
 * menu run in it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/ui.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

struct menu_view {
	struct view		 view;
	const char		*title;		/* borrowed */
	const char *const	*lines;		/* borrowed */
	size_t			 n;
	size_t			 cursor, top;
	int			 picked;	/* -1: cancelled */
	bool			 done;
};

static void loop_draw(void *);
static void loop_winch(int, void *);
static void loop_input(int, int, void *);
static void loop_key(struct ui *, int);
static void loop_function(struct ui *, const char *);
static void menu_draw(struct view *, int, int, int);
static bool menu_function(struct view *, const char *);

static const struct view_ops menu_ops = {
	.name = "menu",
	.map = KEYMAP_GENERIC,
	.draw = menu_draw,
	.function = menu_function,
	.free = NULL,
};

static void
loop_draw(void *arg)
{
	struct ui	*ui = arg;
	struct view	*v = ui->top;
	const char	*hint;
	int		 rows, cols;

	screen_set_left(0);
	screen_rows(&rows, &cols);
	if (rows < 2)
		return;
	v->ops->draw(v, 0, rows - 1, cols);
	if (ui->prompt != NULL)
		prompt_draw(ui, rows - 1, cols);
	else {
		hint = ui->message != NULL ? ui->message : "";
		screen_line(rows - 1, hint, strlen(hint), SCREEN_NORMAL);
	}
	screen_flush();
}

static void
loop_winch(int signo, void *arg)
{
	screen_resize();
	loop_draw(arg);
}

static void
loop_input(int fd, int what, void *arg)
{
	struct ui	*ui = arg;
	int		 k;

	while (screen_key(&k) == 1)
		loop_key(ui, k);
	ui_redraw(ui);
}

/* Keys through the keymap of the view on top, as in ui.c; macros are
 * not typed here (they are the big interface's). */
static void
loop_key(struct ui *ui, int k)
{
	const struct keymap_binding	*b;
	const struct keymap_function	*fns;
	size_t				 n;

	fns = keymap_functions(&n);
	if (ui->prompt != NULL) {
		prompt_key(ui, k);
		return;
	}
	if ((b = ui_key_binding(ui, k)) == NULL)
		return;
	if (b->function < 0) {
		ui_message(ui, "Macros do not run on this screen.");
		return;
	}
	if ((size_t)b->function < n)
		loop_function(ui, fns[b->function].name);
}

static void
loop_function(struct ui *ui, const char *name)
{
	struct view	*v = ui->top;

	x_free(&ui->message);
	if (strcmp(name, "noop") == 0)
		return;
	if (strcmp(name, "refresh") == 0) {
		screen_resize();
		return;
	}
	if (v->ops->function(v, name))
		return;
	if (strcmp(name, "help") == 0) {
		help_open(ui, v->ops->map);
		return;
	}
	ui_message(ui, "%s does nothing here.", name);
}

int
compose_run(struct cli_context *ctx, struct view *view, const bool *done,
    char **error_r)
{
	struct ui	 ui;
	int		 rc = 0;

	memset(&ui, 0, sizeof ui);
	ui.ctx = ctx;
	ui.keymap = config_keymap(ctx->cfg);
	ui.colors = config_colors(ctx->cfg);
	if (screen_init(error_r) < 0)
		return -1;
	ui.s.loop = ev_loop_new();
	ui.redraw = ev_timer_new(ui.s.loop, loop_draw, &ui);
	ui.input = ev_fd_add(ui.s.loop, STDIN_FILENO, EV_READ, loop_input, &ui);
	ev_signal(ui.s.loop, SIGWINCH, loop_winch, &ui);
	view->ui = &ui;
	view->below = NULL;
	ui.top = view;
	ui_redraw(&ui);
	while (!*done) {
		if (ev_loop_run_once(ui.s.loop, -1) < 0) {
			*error_r = xstrdup("the terminal went away");
			rc = -1;
			break;
		}
	}
	while (ui.top != view)
		ui_pop_view(&ui);
	prompt_free(&ui);
	screen_end();
	ev_fd_free(&ui.input);
	ev_timer_free(&ui.redraw);
	ev_loop_free(&ui.s.loop);
	free(ui.message);
	return rc;
}

static void
menu_draw(struct view *view, int first, int rows, int cols)
{
	struct menu_view	*m = (struct menu_view *)view;
	struct ui		*ui = view->ui;
	size_t			 i;
	int			 row = first;
	char			*line;

	screen_line(row++, m->title, strlen(m->title),
	    ui_color(ui, "status", SCREEN_REVERSE));
	if (rows > 1) {
		if (m->cursor < m->top)
			m->top = m->cursor;
		else if (m->cursor >= m->top + (size_t)(rows - 1))
			m->top = m->cursor - (size_t)(rows - 2);
	}
	for (i = m->top; i < m->n && row < first + rows; i++) {
		line = xasprintf("%4zu  %s", i + 1, m->lines[i]);
		screen_line(row++, line, strlen(line), i == m->cursor ?
		    ui_color(ui, "indicator", SCREEN_REVERSE) :
		    ui_color(ui, "normal", SCREEN_NORMAL));
		free(line);
	}
	while (row < first + rows)
		screen_line(row++, "", 0, SCREEN_NORMAL);
}

static bool
menu_function(struct view *view, const char *name)
{
	struct menu_view	*m = (struct menu_view *)view;

	if (strcmp(name, "next-entry") == 0) {
		if (m->cursor + 1 < m->n)
			m->cursor++;
	} else if (strcmp(name, "previous-entry") == 0) {
		if (m->cursor > 0)
			m->cursor--;
	} else if (strcmp(name, "first-entry") == 0)
		m->cursor = 0;
	else if (strcmp(name, "last-entry") == 0)
		m->cursor = m->n - 1;
	else if (strcmp(name, "select-entry") == 0) {
		m->picked = (int)m->cursor;
		m->done = true;
	} else if (strcmp(name, "exit") == 0 || strcmp(name, "quit") == 0) {
		m->picked = -1;
		m->done = true;
	} else
		return false;
	ui_redraw(view->ui);
	return true;
}

int
compose_menu(struct cli_context *ctx, const char *title, const char *const *lines,
    size_t n, char **error_r)
{
	struct menu_view	 m;
	char			*full;

	if (n == 0) {
		*error_r = xstrdup("nothing to choose from");
		return -1;
	}
	memset(&m, 0, sizeof m);
	m.view.ops = &menu_ops;
	full = xasprintf("%s  (Enter picks, q cancels)", title);
	m.title = full;
	m.lines = lines;
	m.n = n;
	m.picked = -1;
	if (compose_run(ctx, &m.view, &m.done, error_r) < 0) {
		free(full);
		return -1;
	}
	free(full);
	if (m.picked < 0)
		*error_r = xstrdup("nothing recalled");
	return m.picked;
}
