/*
 * The one funnel to the terminal: the only file that calls ncurses. Every
 * string is made terminal-safe here (mime_text_safe) and measured with
 * wcwidth, so no view can send an escape sequence from mail or split a
 * wide character at the right edge.
 */
#include <sys/ioctl.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "crispin/buf.h"
#include "crispin/mime_text.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

#define TABSTOP	8

static int to_wide(const char *, size_t, int, wchar_t *, int *);

/* ncurses key codes and what the keymap calls them. */
static const struct {
	int	 curses;
	int	 key;
} keys[] = {
	{ KEY_UP, KEYC_UP },
	{ KEY_DOWN, KEYC_DOWN },
	{ KEY_LEFT, KEYC_LEFT },
	{ KEY_RIGHT, KEYC_RIGHT },
	{ KEY_PPAGE, KEYC_PAGEUP },
	{ KEY_NPAGE, KEYC_PAGEDOWN },
	{ KEY_HOME, KEYC_HOME },
	{ KEY_END, KEYC_END },
	{ KEY_IC, KEYC_INSERT },
	{ KEY_DC, KEYC_DELETE },
	{ KEY_BACKSPACE, KEYC_BACKSPACE },
	{ KEY_BTAB, KEYC_BACKTAB },
	{ KEY_ENTER, '\n' },
};

static bool	 active;

int
screen_init(char **error_r)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*error_r = xstrdup("the interactive interface needs a terminal "
		    "(the commands in crispin --help work without one)");
		return -1;
	}
	if (initscr() == NULL) {
		*error_r = xstrdup("cannot start the terminal (is TERM set?)");
		return -1;
	}
	active = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	/* Input is read when the loop says stdin is ready: never wait. */
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	return 0;
}

void
screen_end(void)
{
	if (!active)
		return;
	endwin();
	active = false;
}

void
screen_rows(int *rows, int *cols)
{
	*rows = LINES;
	*cols = COLS;
}

void
screen_resize(void)
{
	struct winsize	 ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clear();
}

/* Safe text into at most cols cells of wide characters (tabs expanded,
 * anything unprintable as '?'); *n_r gets the count. Returns the width. */
static int
to_wide(const char *s, size_t len, int cols, wchar_t *out, int *n_r)
{
	unsigned long	 cp;
	size_t		 k;
	int		 width = 0, w, n = 0;

	while (len > 0) {
		if ((k = mime_utf8_next(s, len, &cp)) == 0) {
			cp = '?';
			k = 1;
		}
		s += k;
		len -= k;
		if (cp == '\t') {
			do {
				if (width == cols)
					break;
				out[n++] = L' ';
				width++;
			} while (width % TABSTOP != 0);
			continue;
		}
		if ((w = wcwidth((wchar_t)cp)) < 0) {
			cp = '?';
			w = 1;
		}
		if (width + w > cols)
			break;
		out[n++] = (wchar_t)cp;
		width += w;
	}
	*n_r = n;
	return width;
}

void
screen_line(int row, const char *utf8, size_t len, unsigned attr)
{
	screen_put(row, 0, COLS, utf8, len, attr);
}

void
screen_put(int row, int col, int cols, const char *utf8, size_t len,
    unsigned attr)
{
	struct buf	 safe = BUF_INIT;
	wchar_t		*wide;
	int		 n, width;

	if (row < 0 || row >= LINES || col < 0 || col >= COLS)
		return;
	if (cols > COLS - col)
		cols = COLS - col;
	if (cols <= 0)
		return;
	mime_text_safe(&safe, utf8, len, 0);
	/* Each cell holds one character at most (zero-width ones too). */
	wide = xreallocarray(NULL, safe.len + (size_t)cols + 1, sizeof *wide);
	width = to_wide(safe.data != NULL ? safe.data : "", safe.len, cols,
	    wide, &n);
	/* Pad so that the attribute covers the whole field. */
	while (width++ < cols)
		wide[n++] = L' ';
	wide[n] = L'\0';
	if (attr & SCREEN_REVERSE)
		attron(A_REVERSE);
	if (attr & SCREEN_BOLD)
		attron(A_BOLD);
	/* The last cell of the last row may report an error: harmless. */
	mvaddnwstr(row, col, wide, n);
	attrset(A_NORMAL);
	free(wide);
	buf_free(&safe);
}

void
screen_flush(void)
{
	refresh();
}

int
screen_key(int *key)
{
	wint_t	 wch;
	size_t	 i;
	int	 r;

	for (;;) {
		if ((r = get_wch(&wch)) == ERR)
			return 0;
		if (r == OK) {
			*key = wch == '\r' ? '\n' : (wch == 127 ?
			    KEYC_BACKSPACE : (int)wch);
			return 1;
		}
		if (wch == KEY_RESIZE)
			continue;
		if (wch >= KEY_F0 && wch <= KEY_F(63)) {
			*key = KEYC_F0 + (int)(wch - KEY_F0);
			return 1;
		}
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (keys[i].curses == (int)wch) {
				*key = keys[i].key;
				return 1;
			}
		}
	}
}
