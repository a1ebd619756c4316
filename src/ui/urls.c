/*
 * URLs in the pager's text: finding them (http, https, ftp, mailto), a
 * menu that lists them, and opening one with url_command. The URL comes
 * from mail, so it reaches the command only as an argument ("$1"), never
 * as shell text.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static const char *const schemes[] = { "https://", "http://", "ftp://", "mailto:" };

struct urls_view {
	struct view	 view;
	char		**urls;		/* owned */
	size_t		 n;
	size_t		 cursor, top;
};

static size_t scheme_at(const char *, size_t, size_t);
static bool url_char(unsigned char);
static void urls_draw(struct view *, int, int, int);
static bool urls_function(struct view *, const char *);
static void urls_free(struct view *);

static const struct view_ops urls_ops = {
	.name = "urls",
	.map = KEYMAP_GENERIC,
	.draw = urls_draw,
	.function = urls_function,
	.free = urls_free,
};

/* The length of a scheme starting at i, or 0. */
static size_t
scheme_at(const char *text, size_t len, size_t i)
{
	size_t	 k, n;

	for (k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
		n = strlen(schemes[k]);
		if (len - i >= n && strncasecmp(text + i, schemes[k], n) == 0)
			return n;
	}
	return 0;
}

/* RFC 3986 characters, without the ones that end a URL in prose. */
static bool
url_char(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("-._~:/?#[]@!$&'*+,;=%()", c) != NULL);
}

size_t
urls_find(const char *text, size_t len, struct url_span **out)
{
	struct url_span	*spans = NULL;
	size_t		 n = 0, cap = 0, i = 0, s, end, open;

	while (i < len) {
		/* A scheme counts at the start of a word only ("xhttp://" not). */
		if ((i > 0 && isalnum((unsigned char)text[i - 1])) ||
		    (s = scheme_at(text, len, i)) == 0) {
			i++;
			continue;
		}
		end = i + s;
		open = 0;
		while (end < len && url_char((unsigned char)text[end])) {
			if (text[end] == '(')
				open++;
			else if (text[end] == ')') {
				/* "(see http://x/y)" keeps the parenthesis out. */
				if (open == 0)
					break;
				open--;
			}
			end++;
		}
		/* Sentence punctuation after a URL is not part of it. */
		while (end > i + s && strchr(".,;:!?'", text[end - 1]) != NULL)
			end--;
		if (end == i + s) {
			i = end;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			spans = xreallocarray(spans, cap, sizeof *spans);
		}
		spans[n].start = i;
		spans[n].len = end - i;
		n++;
		i = end;
	}
	*out = spans;
	return n;
}

void
urls_open(struct ui *ui, const char *text, const struct url_span *spans, size_t n)
{
	struct urls_view	*v;
	size_t			 i, j;

	if (n == 0) {
		ui_message(ui, "No URLs in this message.");
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->view.ops = &urls_ops;
	v->urls = xreallocarray(NULL, n, sizeof *v->urls);
	/* Each URL once, in the order of the text. */
	for (i = 0; i < n; i++) {
		char *u = xstrndup(text + spans[i].start, spans[i].len);

		for (j = 0; j < v->n && strcmp(v->urls[j], u) != 0; j++)
			;
		if (j < v->n)
			free(u);
		else
			v->urls[v->n++] = u;
	}
	ui_push_view(ui, &v->view);
}

static void
urls_free(struct view *view)
{
	struct urls_view	*v = (struct urls_view *)view;
	size_t			 i;

	for (i = 0; i < v->n; i++)
		free(v->urls[i]);
	free(v->urls);
	free(v);
}

static void
urls_draw(struct view *view, int first, int rows, int cols)
{
	static const char	 title[] = "URLs in the message (Enter opens one "
	    "with url_command, q goes back)";
	struct urls_view	*v = (struct urls_view *)view;
	struct buf		 line = BUF_INIT;
	unsigned		 normal, indicator;
	size_t			 i;
	int			 row;

	normal = ui_color(view->ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(view->ui, "indicator", SCREEN_REVERSE);
	if (rows < 2)
		return;
	screen_line(first, title, strlen(title), SCREEN_BOLD);
	rows--;
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (v->cursor >= v->top + (size_t)rows)
		v->top = v->cursor - (size_t)rows + 1;
	for (row = 0; row < rows; row++) {
		i = v->top + (size_t)row;
		if (i >= v->n) {
			screen_line(first + 1 + row, "", 0, normal);
			continue;
		}
		buf_reset(&line);
		buf_printf(&line, "%4zu  %s", i + 1, v->urls[i]);
		screen_line(first + 1 + row, line.data, line.len,
		    i == v->cursor ? indicator : normal);
	}
	buf_free(&line);
}

int
urls_run(struct ui *ui, const char *url, char **error_r)
{
	const char	*command = config_str(ui->ctx->cfg, "url_command");
	struct fg_cmd	 cmd;
	char		*script;
	int		 rc;

	if (command == NULL || *command == '\0') {
		*error_r = xstrdup("url_command is not set (e.g. set url_command=xdg-open)");
		return -1;
	}
	/* The user's command is shell text; the URL is only its argument.
	 * It may be a terminal program (w3m, lynx): it has the terminal
	 * until it exits. */
	script = xasprintf("%s \"$1\"", command);
	memset(&cmd, 0, sizeof cmd);
	cmd.script = script;
	cmd.arg = url;
	cmd.stdin_fd = -1;
	cmd.note_fd = -1;
	screen_suspend();
	rc = ui_run_foreground(&cmd);
	screen_resume();
	free(script);
	if (rc != 0) {
		ui_foreground_error(error_r, "url_command", rc);
		return -1;
	}
	return 0;
}

static bool
urls_function(struct view *view, const char *name)
{
	struct urls_view	*v = (struct urls_view *)view;
	struct ui		*ui = view->ui;
	char			*error = NULL;
	int			 rows, cols;

	screen_rows(&rows, &cols);
	if (strcmp(name, "next-entry") == 0 || strcmp(name, "next-line") == 0) {
		if (v->cursor + 1 < v->n)
			v->cursor++;
	} else if (strcmp(name, "previous-entry") == 0 ||
	    strcmp(name, "previous-line") == 0) {
		if (v->cursor > 0)
			v->cursor--;
	} else if (strcmp(name, "first-entry") == 0)
		v->cursor = 0;
	else if (strcmp(name, "last-entry") == 0)
		v->cursor = v->n - 1;
	else if (strcmp(name, "next-page") == 0)
		v->cursor = v->cursor + (size_t)rows < v->n ?
		    v->cursor + (size_t)rows : v->n - 1;
	else if (strcmp(name, "previous-page") == 0)
		v->cursor = v->cursor > (size_t)rows ? v->cursor - (size_t)rows : 0;
	else if (strcmp(name, "select-entry") == 0) {
		if (urls_run(ui, v->urls[v->cursor], &error) < 0) {
			ui_message(ui, "%s", error);
			free(error);
		} else
			ui_message(ui, "Opened %s", v->urls[v->cursor]);
	} else if (strcmp(name, "exit") == 0 || strcmp(name, "quit") == 0)
		ui_pop_view(ui);
	else
		return false;
	ui_redraw(ui);
	return true;
}
