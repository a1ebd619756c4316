/*
 * The one funnel to the terminal: the only file that calls ncurses. Every
 * string is made terminal-safe here (mime_text_safe) and measured with
 * wcwidth, so no view can send an escape sequence from mail or split a
 * wide character at the right edge.
 */
#include <sys/ioctl.h>

#include <curses.h>
#include <poll.h>
#include <limits.h>
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
static attr_t curses_attr(unsigned);
static int terminal_color(const struct color *);

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
static int	 left;	/* columns taken by the sidebar */

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
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	return 0;
}

void
screen_suspend(void)
{
	if (!active)
		return;
	def_prog_mode();
	endwin();
}

void
screen_resume(void)
{
	if (!active)
		return;
	reset_prog_mode();
	clear();
	refresh();
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
	*cols = COLS - left;
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
 * anything unprintable as '?'; out may be NULL to measure only); *n_r
 * gets the count. Returns the width. */
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
				if (out != NULL)
					out[n] = L' ';
				n++;
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
		if (out != NULL)
			out[n] = (wchar_t)cp;
		n++;
		width += w;
	}
	*n_r = n;
	return width;
}

void
screen_set_left(int n)
{
	left = n > 0 && n < COLS ? n : 0;
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

	col += left;
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
	attr_on(curses_attr(attr), NULL);
	if ((attr >> SCREEN_PAIR_SHIFT) != 0)
		color_set((short)(attr >> SCREEN_PAIR_SHIFT), NULL);
	/* The last cell of the last row may report an error: harmless. */
	mvaddnwstr(row, col, wide, n);
	attrset(A_NORMAL);
	color_set(0, NULL);
	free(wide);
	buf_free(&safe);
}

int
screen_width(const char *utf8, size_t len)
{
	struct buf	 safe = BUF_INIT;
	int		 n, width;

	mime_text_safe(&safe, utf8, len, 0);
	width = to_wide(safe.data != NULL ? safe.data : "", safe.len, INT_MAX,
	    NULL, &n);
	buf_free(&safe);
	return width;
}

void
screen_cursor(int row, int col)
{
	if (row < 0) {
		curs_set(0);
		return;
	}
	move(row, col + left);
	curs_set(1);
}

void
screen_beep(void)
{
	beep();
}

static attr_t
curses_attr(unsigned attr)
{
	attr_t	 a = A_NORMAL;

	if (attr & SCREEN_REVERSE)
		a |= A_REVERSE;
	if (attr & SCREEN_BOLD)
		a |= A_BOLD;
	if (attr & SCREEN_UNDERLINE)
		a |= A_UNDERLINE;
	if (attr & SCREEN_DIM)
		a |= A_DIM;
	if (attr & SCREEN_BLINK)
		a |= A_BLINK;
#ifdef A_ITALIC
	if (attr & SCREEN_ITALIC)
		a |= A_ITALIC;
#endif
	return a;
}

/* The RGB value of entry idx (16-255) of the xterm 256-colour palette:
 * the 6x6x6 cube, then 24 greys. */
static uint32_t
palette_rgb(uint32_t idx)
{
	static const uint32_t	 level[6] = { 0, 95, 135, 175, 215, 255 };
	static const uint32_t	 ansi[16] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00,
		0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
		0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
		0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
	};
	uint32_t		 grey;

	if (idx < 16)
		return ansi[idx];
	if (idx >= 232) {
		grey = 8 + 10 * (idx - 232);
		return grey << 16 | grey << 8 | grey;
	}
	idx -= 16;
	return level[idx / 36] << 16 | level[(idx / 6) % 6] << 8 | level[idx % 6];
}

/* A colour as the terminal can show it: -1 for its default; RGB and
 * high indexes as they are on a direct-colour terminal, else brought
 * down to the 6x6x6 cube or the 8 basic colours. */
static int
terminal_color(const struct color *c)
{
	static const uint32_t basic[8] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00,
		0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	};
	uint32_t	 rgb;
	int		 r, g, b, i, best = 0;
	long		 d, bestd = -1;

	if (c->kind == COLOR_DEFAULT)
		return -1;
	/* Direct colour (xterm-direct and the like): a colour number is its
	 * RGB value, and those below 8 are the ANSI colours. */
	if (COLORS >= 0x1000000) {
		if (c->kind == COLOR_INDEX && c->value < 8)
			return (int)c->value;
		rgb = c->kind == COLOR_RGB ? c->value : palette_rgb(c->value);
		return rgb < 8 ? 8 : (int)rgb;
	}
	switch (c->kind) {
	case COLOR_DEFAULT:
		return -1;
	case COLOR_INDEX:
		if ((int)c->value < COLORS)
			return (int)c->value;
		if (c->value < 16)
			return (int)(c->value & 7);
		/* The 256-colour palette's colour, to the nearest basic one. */
		rgb = palette_rgb(c->value);
		break;
	case COLOR_RGB:
		rgb = c->value;
		break;
	default:
		return -1;
	}
	r = (int)(rgb >> 16) & 0xff;
	g = (int)(rgb >> 8) & 0xff;
	b = (int)rgb & 0xff;
	if (COLORS >= 256)
		return 16 + 36 * ((r * 5 + 127) / 255) +
		    6 * ((g * 5 + 127) / 255) + (b * 5 + 127) / 255;
	for (i = 0; i < 8; i++) {
		long dr = r - (long)(basic[i] >> 16),
		    dg = g - (long)((basic[i] >> 8) & 0xff),
		    db = b - (long)(basic[i] & 0xff);

		d = dr * dr + dg * dg + db * db;
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

unsigned
screen_color(const struct color_entry *e)
{
	unsigned	 attr = 0;
	int		 pair, fg, bg;

	if (e == NULL)
		return SCREEN_NORMAL;
	if (e->attrs & COLOR_ATTR_BOLD)
		attr |= SCREEN_BOLD;
	if (e->attrs & COLOR_ATTR_UNDERLINE)
		attr |= SCREEN_UNDERLINE;
	if (e->attrs & COLOR_ATTR_REVERSE)
		attr |= SCREEN_REVERSE;
	if (e->attrs & COLOR_ATTR_ITALIC)
		attr |= SCREEN_ITALIC;
	if (e->attrs & COLOR_ATTR_BLINK)
		attr |= SCREEN_BLINK;
	if (e->attrs & COLOR_ATTR_DIM)
		attr |= SCREEN_DIM;
	if (!active || !has_colors())
		return attr;
	fg = terminal_color(&e->fg);
	bg = terminal_color(&e->bg);
	if (fg == -1 && bg == -1)
		return attr;
	/* ncurses keeps the table of pairs; equal pairs are shared. */
	if ((pair = alloc_pair(fg, bg)) <= 0 || pair > 0xffffff)
		return attr;
	return attr | ((unsigned)pair << SCREEN_PAIR_SHIFT);
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

/* The terminal went away (its emulator or tmux closed): the next read of
 * the keyboard would see end of file forever. */
bool
screen_hung_up(void)
{
	struct pollfd	pfd;

	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 1)
		return false;
	return (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}
