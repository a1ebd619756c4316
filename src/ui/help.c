/*
 * The help screen: every binding of a map (and of generic, for the maps
 * that fall back to it) read from the live keymap, so whatever `bind` and
 * `macro` did is what it shows; then the functions of the map that no
 * key reaches. It scrolls like the pager and absorbs every other
 * function, so that no key acts on the message underneath.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/xalloc.h"
#include "ui_p.h"

#define KEYS_COLS	12
#define NAME_COLS	26

struct help_view {
	struct view	 view;
	enum keymap_map	 map;
	struct buf	 text;		/* the lines */
	size_t		*lines;		/* owned: offset of each line */
	size_t		 nlines;
	size_t		 top;
};

static void add_line(struct help_view *, unsigned, const char *, ...)
	    CRISPIN_PRINTF(3, 4);
static bool hidden(const struct keymap *, enum keymap_map,
	    const struct keymap_binding *);
static void list_bindings(struct help_view *, enum keymap_map, enum keymap_map);
static bool falls_back(enum keymap_map);
static bool bound(const struct keymap *, enum keymap_map, int);
static void help_draw(struct view *, int, int, int);
static bool help_function(struct view *, const char *);
static void help_free(struct view *);

static const struct view_ops help_ops = {
	.name = "help",
	.map = KEYMAP_PAGER,
	.draw = help_draw,
	.function = help_function,
	.free = help_free,
};

/* Line attributes ride in the first byte: 'T' title, 'S' section, ' '. */
static void
add_line(struct help_view *h, unsigned kind, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	h->lines = xreallocarray(h->lines, h->nlines + 1, sizeof *h->lines);
	h->lines[h->nlines++] = h->text.len;
	buf_addc(&h->text, (char)kind);
	buf_adds(&h->text, s);
	buf_addc(&h->text, '\0');
	free(s);
}

/* The maps keymap_lookup also searches in generic. */
static bool
falls_back(enum keymap_map map)
{
	return map == KEYMAP_INDEX || map == KEYMAP_ATTACH ||
	    map == KEYMAP_BROWSER || map == KEYMAP_COMPOSE;
}

/* A generic binding that the map's own binding of the same keys hides. */
static bool
hidden(const struct keymap *km, enum keymap_map map, const struct keymap_binding *b)
{
	const struct keymap_binding	*own;
	size_t				 n, i;

	own = keymap_bindings(km, map, &n);
	for (i = 0; i < n; i++) {
		if (own[i].seq.n == b->seq.n &&
		    memcmp(own[i].seq.keys, b->seq.keys, b->seq.n * sizeof *b->seq.keys) == 0)
			return true;
	}
	return false;
}

static void
list_bindings(struct help_view *h, enum keymap_map map, enum keymap_map shown_for)
{
	const struct keymap		*km = h->view.ui->keymap;
	const struct keymap_binding	*b;
	const struct keymap_function	*fns;
	struct buf			 keys = BUF_INIT;
	size_t				 n, nfns, i;

	fns = keymap_functions(&nfns);
	b = keymap_bindings(km, map, &n);
	for (i = 0; i < n; i++) {
		if (map != shown_for && hidden(km, shown_for, &b[i]))
			continue;
		buf_reset(&keys);
		keymap_format_keys(&b[i].seq, &keys);
		if (b[i].function < 0)
			add_line(h, ' ', "%-*s %-*s %s", KEYS_COLS, buf_cstr(&keys),
			    NAME_COLS, "macro", b[i].description != NULL ?
			    b[i].description : (b[i].macro != NULL ? b[i].macro : ""));
		else if ((size_t)b[i].function < nfns)
			add_line(h, ' ', "%-*s %-*s %s", KEYS_COLS, buf_cstr(&keys),
			    NAME_COLS, fns[b[i].function].name,
			    fns[b[i].function].help);
	}
	buf_free(&keys);
}

static bool
bound(const struct keymap *km, enum keymap_map map, int function)
{
	const struct keymap_binding	*b;
	size_t				 n, i;

	b = keymap_bindings(km, map, &n);
	for (i = 0; i < n; i++) {
		if (b[i].function == function)
			return true;
	}
	return false;
}

bool
ui_function_key(struct ui *ui, enum keymap_map map, const char *function,
    struct buf *out)
{
	const struct keymap_binding	*b;
	int				 f = keymap_function_find(map, function);
	size_t				 n, i, k;

	if (f < 0 || ui->keymap == NULL)
		return false;
	for (k = 0; k < 2; k++) {
		b = keymap_bindings(ui->keymap, k == 0 ? map : KEYMAP_GENERIC, &n);
		for (i = 0; i < n; i++) {
			if (b[i].function == f) {
				keymap_format_keys(&b[i].seq, out);
				return true;
			}
		}
		if (!falls_back(map))
			break;
	}
	return false;
}

void
help_open(struct ui *ui, enum keymap_map map)
{
	const struct keymap_function	*fns;
	struct help_view		*h;
	size_t				 nfns, i, unbound = 0;
	unsigned			 bit = 1u << map;

	if (ui->keymap == NULL)
		return;
	h = xcalloc(1, sizeof *h);
	h->view.ops = &help_ops;
	h->view.ui = ui;
	h->map = map;
	add_line(h, 'T', "Help for the %s (q leaves)", keymap_map_name(map));
	add_line(h, ' ', "%s", "");
	add_line(h, 'S', "Bindings of %s", keymap_map_name(map));
	list_bindings(h, map, map);
	if (falls_back(map)) {
		add_line(h, ' ', "%s", "");
		add_line(h, 'S', "Bindings of generic (also work here)");
		list_bindings(h, KEYMAP_GENERIC, map);
	}
	add_line(h, ' ', "%s", "");
	add_line(h, 'S', "Functions without a key (bind one in the rc file)");
	fns = keymap_functions(&nfns);
	for (i = 0; i < nfns; i++) {
		if (!(fns[i].maps & bit) && !(falls_back(map) &&
		    (fns[i].maps & (1u << KEYMAP_GENERIC))))
			continue;
		if (strcmp(fns[i].name, "noop") == 0 ||
		    bound(ui->keymap, map, (int)i) ||
		    (falls_back(map) && bound(ui->keymap, KEYMAP_GENERIC, (int)i)))
			continue;
		add_line(h, ' ', "%-*s %-*s %s", KEYS_COLS, "", NAME_COLS,
		    fns[i].name, fns[i].help);
		unbound++;
	}
	if (unbound == 0)
		add_line(h, ' ', "%s", "(none)");
	ui_push_view(ui, &h->view);
}

static void
help_free(struct view *view)
{
	struct help_view	*h = (struct help_view *)view;

	buf_free(&h->text);
	free(h->lines);
	free(h);
}

static void
help_draw(struct view *view, int first, int rows, int cols)
{
	struct help_view	*h = (struct help_view *)view;
	const char		*line;
	unsigned		 attr, normal;
	size_t			 n;
	int			 row;

	normal = ui_color(view->ui, "normal", SCREEN_NORMAL);
	for (row = 0; row < rows; row++) {
		n = h->top + (size_t)row;
		if (n >= h->nlines) {
			screen_line(first + row, "~", 1,
			    ui_color(view->ui, "tilde", SCREEN_NORMAL));
			continue;
		}
		line = h->text.data + h->lines[n];
		attr = *line == 'T' ? SCREEN_BOLD | SCREEN_REVERSE :
		    (*line == 'S' ? SCREEN_BOLD : normal);
		screen_line(first + row, line + 1, strlen(line + 1), attr);
	}
}

static bool
help_function(struct view *view, const char *name)
{
	struct help_view	*h = (struct help_view *)view;
	struct ui		*ui = view->ui;
	int			 rows, cols;
	size_t			 page, last;

	screen_rows(&rows, &cols);
	page = rows > 2 ? (size_t)rows - 1 : 1;
	last = h->nlines > page ? h->nlines - page : 0;
	if (strcmp(name, "exit") == 0 || strcmp(name, "quit") == 0 ||
	    strcmp(name, "help") == 0) {
		ui_pop_view(ui);
		return true;
	} else if (strcmp(name, "next-line") == 0 || strcmp(name, "next-entry") == 0 ||
	    strcmp(name, "next-undeleted") == 0) {
		if (h->top < last)
			h->top++;
	} else if (strcmp(name, "previous-line") == 0 ||
	    strcmp(name, "previous-entry") == 0 ||
	    strcmp(name, "previous-undeleted") == 0) {
		if (h->top > 0)
			h->top--;
	} else if (strcmp(name, "next-page") == 0)
		h->top = h->top + page < last ? h->top + page : last;
	else if (strcmp(name, "previous-page") == 0)
		h->top = h->top > page ? h->top - page : 0;
	else if (strcmp(name, "half-down") == 0)
		h->top = h->top + page / 2 < last ? h->top + page / 2 : last;
	else if (strcmp(name, "half-up") == 0)
		h->top = h->top > page / 2 ? h->top - page / 2 : 0;
	else if (strcmp(name, "top") == 0)
		h->top = 0;
	else if (strcmp(name, "bottom") == 0)
		h->top = last;
	else
		ui_message(view->ui, "%s does nothing in help (q leaves).", name);
	ui_redraw(ui);
	return true;
}
