/*
 * What the views of the interface share. Only screen.c calls ncurses.
 *
 * The screen is a stack of views (index at the bottom, then pager,
 * attachments, help, browser... on top); the top one draws above the
 * status line and gets the keys, through the keymap of its map. A prompt,
 * when one is open, takes the keys before any view and draws on the last
 * row.
 */
#ifndef CRISPIN_UI_P_H
#define CRISPIN_UI_P_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/cli.h"
#include "crispin/config_colors.h"
#include "crispin/config_keymap.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_message.h"

/* Screen attributes: these bits, or'd with a colour from screen_color. */
#define SCREEN_NORMAL		0x00
#define SCREEN_REVERSE		0x01
#define SCREEN_BOLD		0x02
#define SCREEN_UNDERLINE	0x04
#define SCREEN_DIM		0x08
#define SCREEN_ITALIC		0x10
#define SCREEN_BLINK		0x20
#define SCREEN_ATTR_MASK	0xff
#define SCREEN_PAIR_SHIFT	8	/* colour pair number above the bits */

/* screen.c: the one funnel to the terminal. */
int	 screen_init(char **error_r);
void	 screen_end(void);
/* Gives the terminal back (to run an editor or a viewer) and takes it
 * again, redrawing everything. */
void	 screen_suspend(void);
void	 screen_resume(void);
void	 screen_rows(int *rows, int *cols);
/* Draws utf8 (any text; it is made terminal-safe here) on row, cut to
 * the width without splitting a character, the rest cleared. */
void	 screen_line(int row, const char *utf8, size_t len, unsigned attr);
/* The same in the cols cells from col. */
void	 screen_put(int row, int col, int cols, const char *utf8, size_t len,
	    unsigned attr);
/* Views draw right of column left (the sidebar's width): every column
 * given to screen_put and screen_line counts from there. */
void	 screen_set_left(int left);
/* Cells the text takes on screen (wide characters count two). */
int	 screen_width(const char *utf8, size_t len);
/* Shows the cursor at row, col; a negative row hides it. */
void	 screen_cursor(int row, int col);
void	 screen_flush(void);
void	 screen_beep(void);
/* Re-reads the terminal size (SIGWINCH). */
void	 screen_resize(void);
/* The next key as a keymap key (code point or KEYC_*): 1, or 0 when no
 * more input is waiting. */
int	 screen_key(int *key);
/* The attribute for a colour entry: its attributes, and its colours as a
 * pair when the terminal has colours (RGB and 256-colour values are
 * brought down to what the terminal has). */
unsigned screen_color(const struct color_entry *);

struct ui;

/* One screen on the view stack. Views embed this first. */
struct view;
struct view_ops {
	const char	*name;		/* "index", "pager", ... for the status line */
	enum keymap_map	 map;		/* whose bindings apply */
	void		(*draw)(struct view *, int first, int rows, int cols);
	/* Runs a keymap function; false when this view has no such one. */
	bool		(*function)(struct view *, const char *name);
	/* Frees the view (NULL for a view that is not allocated). */
	void		(*free)(struct view *);
};
struct view {
	const struct view_ops	*ops;
	struct ui		*ui;
	struct view		*below;
};
/* Puts v on top (v->ops must be set; ui and below are set here). */
void	 ui_push_view(struct ui *, struct view *v);
/* Removes and frees the top view (never the index). */
void	 ui_pop_view(struct ui *);
/* The view on top. */
struct view *ui_top_view(struct ui *);

/* The index view (index.c), always at the bottom of the stack. */
struct index_view {
	struct view	 view;
	uint32_t	 cursor;	/* 1-based sequence number; 0: empty */
	uint32_t	 top;		/* first row shown */
};
void	 index_init(struct ui *, struct index_view *);
/* The folder changed: forget the position (and anything kept per folder). */
void	 index_reset(struct index_view *);

/* The pager (pager.c): pushes a view that shows the message. */
void	 pager_open(struct ui *, uint32_t uid);

/* The status line (status.c). */
void	 status_draw(struct ui *, int row, int cols);

/*
 * The prompt (prompt.c): a line editor on the last row, with history per
 * kind and Tab completion. done gets the text, or NULL when cancelled
 * (Esc, Ctrl-G); it may open another prompt.
 */
enum prompt_kind {
	PROMPT_COMMAND,		/* ':' rc commands */
	PROMPT_PATTERN,		/* search, limit, tag patterns */
	PROMPT_FOLDER,
	PROMPT_FILE,
	PROMPT_ADDRESS,
	PROMPT_OTHER,
	PROMPT_NKINDS,
};
typedef void prompt_done_cb(struct ui *, const char *text, void *arg);
/* Tab: completes the word before the cursor in line (edited in place;
 * *cursor is a byte offset into line). May call ui_message to list the
 * choices when ambiguous. */
typedef void prompt_complete_cb(struct ui *, struct buf *line, size_t *cursor,
	    void *arg);
void	 ui_prompt(struct ui *, const char *question, const char *initial,
	    enum prompt_kind, prompt_complete_cb *, prompt_done_cb *, void *arg);
/* A yes/no question answered with one key (y, n; Enter takes dflt;
 * Esc/Ctrl-G is no). */
typedef void confirm_cb(struct ui *, bool yes, void *arg);
void	 ui_confirm(struct ui *, const char *question, bool dflt, confirm_cb *,
	    void *arg);
bool	 prompt_active(struct ui *);
/* Feeds one key to the open prompt. */
void	 prompt_key(struct ui *, int key);
void	 prompt_draw(struct ui *, int row, int cols);
void	 prompt_free(struct ui *);
/* Completion helper: completes the word that ends at *cursor in line
 * against words (n of them): to the longest common prefix, listing the
 * choices on the status line when several remain. */
void	 prompt_complete_words(struct ui *, struct buf *line, size_t *cursor,
	    const char *const *words, size_t n);

struct prompt;

/* ui.c: the session the views work on. */
struct ui {
	struct cli_context	*ctx;		/* borrowed */
	struct cli_session	 s;
	struct store		*store;		/* owned; NULL without cache */
	struct mail_folder	*folder;	/* owned */
	struct keymap		*keymap;	/* borrowed from the config */
	struct colors		*colors;	/* borrowed from the config */
	struct ev_fd		*input;
	struct ev_timer		*redraw;
	struct index_view	 index;		/* the bottom of the stack */
	struct view		*top;		/* the view on top */
	struct prompt		*prompt;	/* owned; NULL when none is open */
	struct key_seq		 keys;		/* typed so far (a prefix) */
	int			*pending;	/* owned: keys a macro typed */
	size_t			 npending, pending_at;
	bool			 opened;
	bool			 quit;
	size_t			 done, total;	/* open progress */
	char			*message;	/* owned: the last error or note */
};
void	 ui_redraw(struct ui *);
/* Shows a note or an error on the status line until the next one. */
void	 ui_message(struct ui *, const char *fmt, ...) CRISPIN_PRINTF(2, 3);
/* The attribute of a colour object ("status", "indicator", ...; see
 * config_colors) as the rc file set it: its plain entry, or dflt when it
 * has none. */
unsigned ui_color(struct ui *, const char *object, unsigned dflt);
/* Runs a keymap function by name on the view on top; a function of the
 * top view's map that it does not handle goes to the views below (the
 * index acts on its current message), then to ui.c's own. */
void	 ui_function(struct ui *, const char *name);
/* Closes every view but the index and opens folder name (UTF-8) there. */
void	 ui_open_folder(struct ui *, const char *name, bool readonly);

#endif
