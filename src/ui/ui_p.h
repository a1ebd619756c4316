/* What the views of the interface share. Only screen.c calls ncurses. */
#ifndef CRISPIN_UI_P_H
#define CRISPIN_UI_P_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/cli.h"
#include "crispin/config_keymap.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_message.h"

/* Screen attributes. */
#define SCREEN_NORMAL	0x0
#define SCREEN_REVERSE	0x1
#define SCREEN_BOLD	0x2

/* screen.c: the one funnel to the terminal. */
int	 screen_init(char **error_r);
void	 screen_end(void);
void	 screen_rows(int *rows, int *cols);
/* Draws utf8 (any text; it is made terminal-safe here) on row, cut to
 * the width without splitting a character, the rest cleared. */
void	 screen_line(int row, const char *utf8, size_t len, unsigned attr);
/* The same in the cols cells from col. */
void	 screen_put(int row, int col, int cols, const char *utf8, size_t len,
	    unsigned attr);
void	 screen_flush(void);
/* Re-reads the terminal size (SIGWINCH). */
void	 screen_resize(void);
/* The next key as a keymap key (code point or KEYC_*): 1, or 0 when no
 * more input is waiting. */
int	 screen_key(int *key);

struct ui;
struct pager;

/* The index view (index.c). */
struct index_view {
	uint32_t	 cursor;	/* 1-based sequence number; 0: empty */
	uint32_t	 top;		/* first row shown */
};
void	 index_draw(struct ui *, struct index_view *, int first, int rows, int cols);
/* Runs a keymap function; false when the index has no such function. */
bool	 index_function(struct ui *, struct index_view *, const char *name);

/* The pager (pager.c). */
struct pager *pager_open(struct ui *, uint32_t uid);
void	 pager_free(struct pager **);
void	 pager_draw(struct pager *, int first, int rows, int cols);
bool	 pager_function(struct pager *, const char *name);

/* The status line (status.c). */
void	 status_draw(struct ui *, int row, int cols);

/* ui.c: the session the views work on. */
struct ui {
	struct cli_context	*ctx;		/* borrowed */
	struct cli_session	 s;
	struct store		*store;		/* owned; NULL without cache */
	struct mail_folder	*folder;	/* owned */
	struct keymap		*keymap;	/* borrowed from the config */
	struct ev_fd		*input;
	struct ev_timer		*redraw;
	struct index_view	 index;
	struct pager		*pager;		/* owned; NULL in the index */
	struct key_seq		 keys;		/* typed so far (a prefix) */
	bool			 opened;
	bool			 quit;
	size_t			 done, total;	/* open progress */
	char			*message;	/* owned: the last error or note */
};
void	 ui_redraw(struct ui *);
/* Shows a note or an error on the status line until the next one. */
void	 ui_message(struct ui *, const char *fmt, ...) CRISPIN_PRINTF(2, 3);
void	 ui_close_pager(struct ui *);

#endif
