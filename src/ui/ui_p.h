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
bool	 screen_hung_up(void);
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
struct index_state;
struct index_view {
	struct view	 view;
	struct index_state *st;		/* owned: order, cursor, limit, tags */
	/* The cursor's sequence number, kept for older callers: setting
	 * it moves the cursor there. index_step is the way. */
	uint32_t	 cursor;
};
void	 index_init(struct ui *, struct index_view *);
/* The folder changed: forget the position (and anything kept per folder). */
void	 index_reset(struct index_view *);
void	 index_free(struct index_view *);
/* The UID of the message under the cursor, 0 when none. */
uint32_t index_current_uid(struct ui *);
/* After index_reset: put the cursor back on uid when it shows up (a
 * folder reopened after a reconnect). */
void	 index_follow_uid(struct ui *, uint32_t uid);
/* Moves the cursor to the next (dir > 0) or previous message in display
 * order that is "any", "unread", "new", "undeleted" (or
 * "new-then-unread"); returns its UID, or 0 (cursor unchanged, nothing
 * said) when there is none. unread and new wrap around, as in mutt. */
uint32_t index_step(struct ui *, int dir, const char *what);
/* The limit pattern in effect, NULL when none. */
const char *index_limit_text(struct ui *);
/* The messages the limit lets through (all, without a limit). */
size_t	 index_shown_count(struct ui *);
/* The cursor's place in that order, from 1 (0: no message). */
size_t	 index_cursor_number(struct ui *);
/* The order shown: "date", "reverse-threads", ... */
const char *index_sort_text(struct ui *);
/* Options changed (:set): re-reads sort, sort_aux, the colours. */
void	 index_config_changed(struct ui *);
/* index.c: a cold open asks the server for the index's order (sort). */
void	 index_folder_params(struct ui *, struct mail_folder_params *);
/* Ctrl-G: drops a server search in flight (a limit waiting for it is
 * cleared); false when none runs. */
bool	 index_cancel(struct ui *);
/* index_format.c: one index line from index_format's %-codes. */
struct index_line {
	const struct mail_msg	*msg;
	uint32_t		 number;	/* %C: position in the index */
	const char		*folder;	/* %b */
	const char		*tree;		/* thread tree before %s, or NULL */
	uint32_t		 thread_pos;	/* %e */
	uint32_t		 thread_size;	/* %E */
	uint32_t		 hidden;	/* %M: hidden by a collapsed thread */
	bool			 tagged;
	int			 score;		/* %N: from the score rules */
};
/* Appends the line, cut to cols cells. */
void	 index_format(struct buf *out, const char *fmt, const char *date_format,
	    const struct index_line *, int cols);
/* The same, also appending to spans where each %-code's text went in out
 * (byte offsets) with its colour object ("index_author", "tree", ...). */
struct index_span {
	size_t		 start, end;
	const char	*object;	/* static */
};
struct index_spans {
	struct index_span *v;		/* owned */
	size_t		 n, cap;
};
void	 index_format_spans(struct buf *out, struct index_spans *,
	    const char *fmt, const char *date_format, const struct index_line *,
	    int cols);
/* index_ops.c: how many messages are tagged (the status line's Tag:),
 * and whether ';' waits for the next function. */
size_t	 index_tagged_count(struct ui *);
bool	 index_tag_prefix_pending(struct ui *);

/* The pager (pager.c): pushes a view that shows the message. */
void	 pager_open(struct ui *, uint32_t uid);
/* How far down the message the pager on top shows (the last row drawn,
 * in percent of its rows); -1 when the pager is not on top. */
int	 pager_percent(struct ui *);
/* pager.c: across a reconnect, the message being read, its text and its
 * top line (NULL when no pager shows a message); restore pushes a pager
 * showing that text at that line until the message is loaded again
 * (*place consumed; NULL does nothing). */
struct pager_place;
struct pager_place *pager_save(struct ui *);
void	 pager_restore(struct ui *, struct pager_place **);
void	 pager_place_free(struct pager_place **);

/* msghold.c: a message shared by the pager, its attachments view and a
 * part opened from there (reference-counted; one operation at a time).
 * Completions reach the waiter given unless it called msghold_forget. */
struct msghold;
typedef void msghold_done_cb(void *waiter, int status, const char *error);
struct msghold *msghold_new(struct ui *, uint32_t uid);
struct msghold *msghold_ref(struct msghold *);
void	 msghold_unref(struct msghold **);
struct mail_message *msghold_message(const struct msghold *);
bool	 msghold_busy(const struct msghold *);
/* The waiter leaves: no more calls to it; a stream stops at its next bytes. */
void	 msghold_forget(struct msghold *, void *waiter);
void	 msghold_load(struct msghold *, msghold_done_cb *, void *waiter);
void	 msghold_fetch_shown(struct msghold *, const struct mime_shown *, size_t n,
	    msghold_done_cb *, void *waiter);
/* Streams a part transfer-decoded; write gets the waiter as its arg. */
void	 msghold_stream(struct msghold *, const char *section,
	    mail_message_write_cb *write, msghold_done_cb *, void *waiter);

/* pager.c: one part of a message (a message/rfc822 part as a message),
 * or given text (a mailcap filter's output), in a pager. */
void	 pager_open_part(struct ui *, struct msghold *, const struct mime_part *);
void	 pager_open_text(struct ui *, const char *text, size_t len);

/* The attachments view (attach.c). */
void	 attach_open(struct ui *, struct msghold *);
/* The same for a message of the folder not in a pager (from the index). */
void	 attach_open_uid(struct ui *, uint32_t uid);
/* Ctrl-G: stops a running download (its file removed); false if none. */
bool	 attach_cancel(struct ui *);

/* The help screen (help.c): the bindings of map, from the live keymap. */
void	 help_open(struct ui *, enum keymap_map);
/* The first key bound to function in map (or generic, where map falls
 * back to it), appended in key notation; false when none. */
bool	 ui_function_key(struct ui *, enum keymap_map, const char *function,
	    struct buf *out);

/* urls.c: URLs (http, https, ftp, mailto) in text, and a menu of them. */
struct url_span {
	size_t	 start, len;
};
/* The URLs in order; *out malloc'd (NULL when none). */
size_t	 urls_find(const char *text, size_t len, struct url_span **out);
void	 urls_open(struct ui *, const char *text, const struct url_span *, size_t n);
/* Runs url_command with the URL as its argument ("$1"), the screen
 * suspended until it exits. 0, or -1 with *error_r. */
int	 urls_run(struct ui *, const char *url, char **error_r);

/* The status line (status.c). */
void	 status_draw(struct ui *, int row, int cols);
/* Works out what the status line shows once per session (TLS or not). */
void	 status_init(struct ui *);
void	 status_free(struct ui *);
/* The open folder's counts (flagged, deleted may be NULL). */
void	 status_counts(struct ui *, uint32_t *total, uint32_t *unseen,
	    uint32_t *flagged, uint32_t *deleted);
/* A record the open folder gained (ui.c's added event): new mail once
 * the folder is open, announced shortly after, in one note per burst. */
void	 status_added(struct ui *, const struct mail_msg *);
/* Announces count new messages in folder: a note, the bell with
 * beep_new, new_mail_command FOLDER COUNT. */
void	 status_new_mail(struct ui *, const char *folder, unsigned count);

/* The folder list (folderlist.c) the browser, the sidebar and folder
 * completion share; refreshed in the background (status_interval). */
struct ui_folder {
	char		*raw;		/* owned: the name as the server sent it */
	char		*name;		/* owned: UTF-8 */
	const char	*label;		/* in name: what a tree shows */
	char		 delimiter;
	unsigned	 attrs;		/* IMAP_MBOX_* */
	char		*special_use;	/* owned or NULL */
	enum mail_namespace ns;		/* other users' or shared (RFC 2342) */
	bool		 role;		/* INBOX or special-use: listed first */
	int		 depth;		/* levels under a listed parent */
	bool		 subscribed;
	bool		 has_counts;
	uint32_t	 total, unseen;
	bool		 new_mail;	/* unread went up since it was opened */
};
/* Starts a LIST round unless one runs (and the status_interval timer). */
void	 folderlist_refresh(struct ui *);
bool	 folderlist_loaded(struct ui *);
bool	 folderlist_busy(struct ui *);
/* Stops the background rounds (before the loop goes); then free (after
 * the session: its last answers may still come). */
void	 folderlist_stop(struct ui *);
void	 folderlist_free(struct ui *);
/* The folders in display order (special-use first, then the tree). */
const struct ui_folder *folderlist_get(struct ui *, size_t *n);
struct ui_folder *folderlist_find(struct ui *, const char *name);
bool	 folderlist_is_open(struct ui *, const struct ui_folder *);
/* The next folder after the open one (in list order, wrapping) with
 * unread mail, or NULL (none, or the list is not loaded). */
const struct ui_folder *folderlist_next_unread(struct ui *);
/* Total and unread, live from the model for the open folder; false
 * when not known. */
bool	 folderlist_counts(struct ui *, const struct ui_folder *, uint32_t *total,
	    uint32_t *unseen);
/* Whether a list shows f: with mailboxes, the `mailboxes` when the rc
 * has some; else subscribed ones only when asked (INBOX and the open
 * folder always). */
bool	 folderlist_shown(struct ui *, const struct ui_folder *, bool subscribed_only,
	    bool mailboxes);
/* The folder was opened: its new mail is seen. */
void	 folderlist_seen(struct ui *, const char *name);
/* Tab completion of folder names for any prompt (PROMPT_FOLDER). */
void	 folders_complete(struct ui *, struct buf *line, size_t *cursor, void *arg);

/* The folder browser (browser.c). */
void	 browser_open(struct ui *);
/* change-folder and change-folder-readonly: the prompt with completion. */
void	 browser_change_folder(struct ui *, bool readonly);
/* Frees a question of the browser's still open when the interface ends. */
void	 browser_cleanup(struct ui *);

/* The sidebar (sidebar.c): draws on the left of rows rows when
 * sidebar_visible and returns the columns it took (0 when hidden). */
int	 sidebar_draw(struct ui *, int rows);
/* sidebar-toggle-visible, sidebar-next, sidebar-prev, sidebar-open. */
bool	 sidebar_function(struct ui *, const char *name);

/* The command line and hooks (command.c). */
/* Functions of every screen that no view handles: enter-command, the
 * folder functions, the sidebar's. */
bool	 command_function(struct ui *, const char *name);
void	 command_open(struct ui *);
/* Runs an rc command on the live configuration; errors go to the
 * status line. Returns the number of bad lines. */
int	 command_run(struct ui *, const char *origin, const char *text);
/* The folder-hooks matching name, in order (before the index draws). */
void	 command_folder_hooks(struct ui *, const char *name);

/* Before the screen is taken (startup.c). */
struct ui_params;
/* The folder to open: -f's, or -Z's first folder with new mail; an exit
 * code with the reason on err when there is none or -z finds the folder
 * empty. *folder_r is malloc'd. Waits on the loop (nothing drawn yet). */
int	 startup_folder(struct ui *, const struct ui_params *, FILE *err,
	    char **folder_r);
/* The rc files' errors on the status line: the first, and how many more. */
void	 startup_rc_errors(struct ui *, const char *errors);

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
/* A question one key of choices answers (done gets it as a one-letter
 * text; Esc and Ctrl-G give NULL); other keys beep. */
void	 ui_choose(struct ui *, const char *question, const char *choices,
	    prompt_done_cb *, void *arg);
/* A yes/no question answered with one key (y, n; Enter takes dflt;
 * Esc/Ctrl-G is no). */
typedef void confirm_cb(struct ui *, bool yes, void *arg);
void	 ui_confirm(struct ui *, const char *question, bool dflt, confirm_cb *,
	    void *arg);
bool	 prompt_active(struct ui *);
/* Feeds one key to the open prompt. */
void	 prompt_key(struct ui *, int key);
/* Puts text on the open prompt's empty line as a suggestion (mutt's
 * default answer): Enter takes it, editing keys keep it, and the first
 * character typed replaces it. */
void	 prompt_suggest(struct ui *, const char *text);
void	 prompt_draw(struct ui *, int row, int cols);
void	 prompt_free(struct ui *);
/* Completion helper: completes the word that ends at *cursor in line
 * against words (n of them): to the longest common prefix, listing the
 * choices on the status line when several remain. */
void	 prompt_complete_words(struct ui *, struct buf *line, size_t *cursor,
	    const char *const *words, size_t n);
/* complete-query (^T) on the open prompt calls cb (address prompts have
 * ui_complete_query already). */
void	 prompt_set_query(struct ui *, prompt_complete_cb *);

/* query.c: the query menu (`Q`), and address completion for prompts:
 * Tab (ui_complete_address) completes the entry before the cursor (after
 * the last comma) from the aliases, else query_command; ^T
 * (ui_complete_query) asks query_command. One match replaces the entry,
 * several are tried in turn by pressing the key again. query_command
 * runs for at most 10 s here. */
void	 query_open(struct ui *);
/* Ctrl-G: stops the menu's query_command; false when none runs. */
bool	 query_cancel(struct ui *);
void	 ui_complete_address(struct ui *, struct buf *line, size_t *cursor,
	    void *arg);
void	 ui_complete_query(struct ui *, struct buf *line, size_t *cursor,
	    void *arg);
/* Starts `crispin compose ADDRESSES...` with the terminal, as compose.c
 * runs its verbs. */
void	 ui_compose_to(struct ui *, const char *const *addresses, size_t n);

/* outbox.c: when the link is (back) up and the outbox holds messages,
 * `crispin send --queued` in the background; the outcome on the status
 * line. */
void	 outbox_flush(struct ui *);

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
	bool			 quit_after_purge;	/* index_ops.c: the delete question */
	size_t			 done, total;	/* open progress */
	char			*message;	/* owned: the last error or note */
	/* Folders, sidebar and status (folderlist.c, sidebar.c, status.c). */
	struct folder_list	*folders;	/* owned */
	size_t			 sidebar_at;	/* highlighted sidebar entry */
	bool			 insecure;	/* no TLS on the connection */
	uint64_t		 open_started;	/* ev_now when the open began */
	/* What the open of the folder shown cost (stats.c, :stats). */
	struct net_stats	 open_cost_from, open_cost;
	uint64_t		 open_cost_started, open_cost_us;
	bool			 open_cost_done;
	unsigned		 new_mail;	/* arrived, not yet announced */
	struct ev_timer		*announce;	/* owned */
	/* The link to the server (link.c). s.client is the session's client
	 * while it is up, else NULL with s.closed set. */
	struct mail_session	*session;	/* owned; NULL when offline */
	struct cli_client_params cp;		/* owned when have_cp */
	bool			 have_cp;
	int			 link_state;	/* enum mail_session_state */
	enum err_class		 link_err;	/* why the session ended */
	char			*link_reason;	/* owned, sanitized */
	uint64_t		 link_retry_at;	/* ev_now of the next attempt */
	bool			 link_ready_once;
	bool			 link_offline;	/* --offline / offline = yes */
	bool			 link_stopping;	/* quitting: events change nothing */
	struct ev_timer		*link_kick;	/* owned: reopen after a replay,
						 * and the outbox (outbox_due) */
	bool			 outbox_due;
	struct mail_journal_replay *replay;	/* owned while replaying */
	bool			 replay_finished;
	int			 replay_status;
	unsigned		 replay_counts;
	char			*folder_name;	/* owned: the folder open */
	bool			 folder_readonly;
	bool			 what_key;	/* shell.c: name the next key */
	/* msghold.c: BINARY lost the link: the message to open again once
	 * reconnected (0: none; link.c), a save to be started again (said
	 * then), how often, and whether BINARY is off for the session (no
	 * store to note parts in, or twice). */
	uint32_t		 binary_retry_uid;
	bool			 binary_retry_save;
	unsigned		 binary_drops;
	bool			 binary_off;
};
void	 ui_redraw(struct ui *);
/* Shows a note or an error on the status line until the next one. */
/* stats.c: :stats in a text view; the open's cost is taken between
 * begin (ui_open_folder) and done (the folder's opened event). */
void	 stats_open_begin(struct ui *);
void	 stats_open_done(struct ui *);
void	 stats_show(struct ui *);
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

/* link.c: the session with the server, reconnected by itself. */
/* Before the screen is taken: connects and waits for the first login (a
 * password prompt needs the terminal). A server that cannot be reached
 * is retried while the cache shows the folder; without a cache, or on a
 * refused login, it is the end: the message is printed on err and the
 * exit code returned. 0 when the interface can start. */
int	 link_start(struct ui *, FILE *err);
/* "reconnecting in 4 s: reason", "offline", ... in out; NULL when up. */
const char *link_state_text(struct ui *, struct buf *out);
/* Logs out, waiting a moment for the answer. */
void	 link_stop(struct ui *);
void	 link_free(struct ui *);
/* next-account: the next account block's session, cache and INBOX. */
void	 link_next_account(struct ui *);
/* Ctrl-G: stops the header fetch of a folder still loading (the index
 * keeps what arrived); false when none runs. */
bool	 link_stop_open(struct ui *);

/* ui.c: adds k to the keys typed so far and looks them up in the top
 * view's map: the binding once they make one; NULL while they are a
 * prefix, or when nothing is bound (said on the status line). */
const struct keymap_binding *ui_key_binding(struct ui *, int k);

/* foreground.c: a program run with the terminal (the caller suspends
 * and resumes the screen around it). */
struct fg_cmd {
	char *const	*argv;		/* the program and its arguments, or */
	const char	*script;	/* sh -c text, with arg as its "$1" */
	const char	*arg;
	bool		 self;		/* argv is a crispin: /proc/self/exe */
	int		 stdin_fd;	/* its stdin; -1: the terminal */
	const void	*input;		/* or these bytes on a pipe; NULL: none */
	size_t		 input_len;
	int		 note_fd;	/* told as CRISPIN_NOTE_FD; -1: none */
};
/* Runs it and waits: its exit status, 128 + the signal that killed it,
 * or -1 (errno set) when it could not start. */
int	 ui_run_foreground(const struct fg_cmd *);
/* "cannot run WHAT: ..." or "WHAT failed (...)" for a failed rc. */
void	 ui_foreground_error(char **error_r, const char *what, int rc);
/* "Press any key to return to crispin..." on the terminal, and the key. */
void	 ui_wait_key(void);
/* argv (NULL-terminated, free the array alone) that starts crispin as
 * this one was started (-F, -n, -e, -A, --offline), then words. */
char	**ui_child_argv(struct ui *, const char *const *words, size_t nwords);

/* shell.c: shell-escape and what-key; false for other functions. */
bool	 shell_function(struct ui *, const char *name);
/* After what-key: takes the keys of one binding and says what it does
 * instead of running it; false when what-key is not waiting. */
bool	 shell_what_key(struct ui *, int key);
/* Runs the user's command with sh -c and the terminal, input (when not
 * NULL) on its standard input, then waits for a key. 0, or -1 with
 * *error_r (the command failed or could not start). */
int	 shell_run(struct ui *, const char *command, const void *input, size_t len,
	    char **error_r);

/* compose.c: reply, group-reply, list-reply, forward-message, mail and
 * recall-message, run as `crispin reply|forward|compose|recall` with the
 * terminal; false for
 * other functions. */
bool	 compose_function(struct ui *, const char *name);

/* compose_loop.c: the compose process's small interface (no folder, no
 * server): runs view on a screen of its own until *done. 0, or -1 with
 * *error_r when the terminal cannot be used. */
int	 compose_run(struct cli_context *, struct view *view, const bool *done,
	    char **error_r);
/* recall's menu (a cli_menu_fn). */
int	 compose_menu(struct cli_context *, const char *title,
	    const char *const *lines, size_t n, char **error_r);

/* bgjob.c: a command run in the background without the terminal: input
 * on its stdin, its stdout and stderr collected (the first 4 KB). done
 * gets the wait status and the output, or output NULL when the interface
 * ends first. env: name, value pairs, NULL-terminated (may be NULL). 0,
 * or -1 with *error_r. */
typedef void bgjob_done_cb(struct ui *, int status, const char *output, void *arg);
int	 bgjob_start(struct ui *, char *const argv[], const char *const *env,
	    const void *input, size_t len, bgjob_done_cb *, void *arg, char **error_r);
void	 bgjob_free_all(struct ui *);
/* "exit status 1: the last line of output" for the status line. */
void	 bgjob_describe(struct buf *out, int status, const char *output);

/* rawfetch.c: message uid of the open folder as stored, from the server
 * (never through mail_message, which owns the literal sink). done gets
 * 0 and the bytes (valid during the call), or -1 and why. */
typedef void rawfetch_cb(struct ui *, int status, const char *error,
	    const struct buf *raw, void *arg);
void	 rawfetch(struct ui *, uint32_t uid, rawfetch_cb *, void *arg);
/* The message as the pager shows it, for print and pipe_decode: the
 * header fields not weeded, a blank line, the text of the parts shown;
 * appended to out. 0, or -1 with *error_r. */
int	 rawfetch_decoded(struct ui *, const struct buf *raw, struct buf *out,
	    char **error_r);

/* print.c: print-message (the message as the pager shows it) and
 * print-entry (a part's decoded bytes) through print_command. */
bool	 print_function(struct ui *, const char *name);
void	 print_part(struct ui *, struct msghold *, const struct mime_part *);
void	 print_cleanup(struct ui *);

/* bounce.c: bounce-message: `crispin bounce` in the background. */
bool	 bounce_function(struct ui *, const char *name);

/* edit.c: edit (mutt's edit-message): the raw message in $EDITOR,
 * stored back in its place when changed. */
bool	 edit_function(struct ui *, const char *name);
void	 edit_cleanup(struct ui *);

#endif
