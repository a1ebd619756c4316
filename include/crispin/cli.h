/*
 * Scripting commands: each one runs the event loop until its request is
 * done and prints stable text or JSON Lines. The table of commands drives
 * dispatch and --help.
 */
#ifndef CRISPIN_CLI_H
#define CRISPIN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/err.h"
#include "crispin/event.h"
#include "crispin/imap_client.h"

/* What every command gets from main. */
struct cli_context {
	struct config	*cfg;		/* borrowed, already loaded */
	FILE		*trace;		/* borrowed: --trace, or NULL */
	FILE		*out;		/* stdout */
	FILE		*err;		/* stderr */
	bool		 stats;		/* --stats: print the session's cost at exit */
	/* How this crispin was configured, to start another one the same way
	 * (the interface runs `crispin reply` and the like). */
	const char	*rcfile;	/* -F, or NULL */
	bool		 no_system_rc;	/* -n */
	const char *const *commands;	/* -e, ncommands of them */
	size_t		 ncommands;
	bool		 offline;	/* --offline or offline = yes: the cache alone */
	/* The interface's compose screen and menu (main sets them; NULL
	 * without a terminal): see cli_compose_screen_fn, cli_menu_fn. */
	const struct cli_screens *screens;
};

/* What the user chose on the compose screen. */
enum cli_compose_choice {
	CLI_COMPOSE_SEND,
	CLI_COMPOSE_POSTPONE,
	CLI_COMPOSE_ABORT,
};
struct mail_draft;
/* Shows the draft after the editor for changes (fields, attachments,
 * the editor again: *path, the editor file, is then replaced) until the
 * user sends, postpones or aborts. Returns 0 with *choice_r, or -1 with
 * *error_r when there is no screen. */
typedef int cli_compose_screen_fn(struct cli_context *, struct mail_draft *,
	    char **path, enum cli_compose_choice *choice_r, char **error_r);
/* A menu of n lines under title: the index picked, or -1 (cancelled, or
 * no screen: *error_r then says why). */
typedef int cli_menu_fn(struct cli_context *, const char *title,
	    const char *const *lines, size_t n, char **error_r);
struct cli_screens {
	cli_compose_screen_fn	*compose;
	cli_menu_fn		*menu;
};

typedef int cli_command_fn(struct cli_context *, int argc, char **argv);

struct cli_command {
	const char	*name;
	cli_command_fn	*fn;
	const char	*usage;		/* "folders [--counts] [--json]" */
	const char	*help;		/* one line */
};

/* The command table, NULL-terminated by a zero row. */
const struct cli_command *cli_commands(void);
const struct cli_command *cli_find(const char *name);

/* A connected session for one command. */
struct cli_session {
	struct cli_context	*ctx;		/* borrowed */
	struct ev_loop		*loop;		/* owned */
	struct imap_client	*client;	/* owned */
	enum err_class		 err;		/* first failure */
	char			*errmsg;	/* owned */
	bool			 ready;
	bool			 closed;
	uint64_t		 started_us;	/* monotonic, for --stats */
	/* Untagged data no command claimed goes here when set (the folder
	 * model of list and flag). */
	void			(*untagged)(const struct imap_response *, void *arg);
	void			*untagged_arg;
	/* [ALERT] text goes here when set (the interface's status line),
	 * else to ctx->err. The text is raw: sanitize before showing. */
	void			(*alert)(const char *text, void *arg);
	void			*alert_arg;
	/* What the journal replay at login left (replay.c). */
	unsigned		 journal_refused;	/* entries the server refused */
	bool			 journal_stopped;	/* the replay did not finish */
};

/* The account's IMAP client parameters (imap_url, TLS, timeouts,
 * authenticators), for cli_session_open and watch's mail_session. The
 * strings live in cp and the config until cli_client_params_free.
 * Returns 0, or EXIT_CONFIG with the message printed. */
struct cli_client_params {
	struct imap_client_params p;
	struct imap_account	 acct;		/* owned */
	char			**auths;	/* owned */
	size_t			 nauths;
	char			*tls_session;	/* owned: p.tls_session_file */
	char			*server_hint;	/* owned: p.server_hint_file */
};
int	 cli_client_params(struct cli_context *, struct cli_client_params *);
/* After an APPEND answered with APPENDUID: the record of msg (len bytes,
 * CRLF) goes into folder's cache, with flags ("\\Seen foo" or NULL) and
 * the INTERNALDATE when (mail_append.h). */
void	 cli_cache_appended(struct cli_context *, const char *folder,
	    uint32_t uidvalidity, uint32_t uid, const char *msg, size_t len,
	    const char *flags, time_t when);
/* The account's directory in the cache (store.h), or NULL when
 * header_cache is off. Owned by the caller. */
char	*cli_account_cache_dir(struct cli_context *, const struct imap_account *);
void	 cli_client_params_free(struct cli_client_params *);
/* The IMAP password (imap_pass_cmd, imap_pass, else a prompt) or OAuth
 * token (imap_oauth_cmd): malloc'd, or NULL with *error_r. */
char	*cli_imap_secret(struct cli_context *, enum imap_secret_kind, char **error_r);

/* Connects and logs in; on failure prints "crispin: message" and returns
 * the exit code (the session is then already cleaned up). 0 when ready. */
int	 cli_session_open(struct cli_session *, struct cli_context *);
/* Runs the loop until *flag is true or the session fails. Returns 0, or
 * the exit code of the failure (message printed). */
int	 cli_session_wait(struct cli_session *, const bool *flag);
/* Logs out (when still connected) and frees everything. */
void	 cli_session_close(struct cli_session *);
/* "crispin: stats: 6 round trips, 1.2 KB sent, ..." on ctx->err. */
void	 cli_print_stats(struct cli_context *, const char *proto, unsigned ncommands,
	    unsigned round_trips, uint64_t bytes_out, uint64_t bytes_in,
	    uint64_t elapsed_us, uint64_t wait_us);
/* "812 B", "3.1 KB", "25.4 MB": decimal units, one decimal. */
void	 cli_format_bytes(char *, size_t, uint64_t);
/* Microseconds on the monotonic clock. */
uint64_t cli_now_us(void);
/* Records a failure (first one wins) for the exit code. */
void	 cli_session_fail(struct cli_session *, enum err_class, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);

/* The first output line of a shell command (imap_pass_cmd and friends);
 * what names the option in errors. malloc'd, or NULL with *error_r. */
char	*cli_secret_command(const char *what, const char *command, char **error_r);
/* Asks on /dev/tty with echo off; proto ("imap", "smtp") names the
 * options to set in the error when there is no terminal. */
char	*cli_prompt_secret(const char *prompt, const char *proto, char **error_r);

/* First-run setup (setup.c): asks on the terminal, checks the login and
 * writes a starter rc (mode 0600) to rcfile, or the default place;
 * again (--setup) skips the welcome. An existing file is replaced only
 * when the user agrees, and kept as FILE.bak. Returns 0 with the path
 * written in *written_r (malloc'd), or an exit code. */
int	 cli_setup(const char *rcfile, bool again, char **written_r);

/* Commands. */
int	 cli_folders(struct cli_context *, int argc, char **argv);
/* Folder operations (folderops.c). */
int	 cli_mkdir(struct cli_context *, int argc, char **argv);
int	 cli_rmdir(struct cli_context *, int argc, char **argv);
int	 cli_rename(struct cli_context *, int argc, char **argv);
int	 cli_subscribe(struct cli_context *, int argc, char **argv);
int	 cli_unsubscribe(struct cli_context *, int argc, char **argv);
int	 cli_append(struct cli_context *, int argc, char **argv);
int	 cli_send(struct cli_context *, int argc, char **argv);
/* Composing: a new message, a reply, a forward, through $EDITOR (compose.c). */
int	 cli_compose(struct cli_context *, int argc, char **argv);
int	 cli_reply(struct cli_context *, int argc, char **argv);
int	 cli_forward(struct cli_context *, int argc, char **argv);
/* Resending a message unchanged to other addresses (bounce.c). */
int	 cli_bounce(struct cli_context *, int argc, char **argv);
/* crispin recall: a postponed message back to the editor (recall.c). */
int	 cli_recall(struct cli_context *, int argc, char **argv);

/* Sending a composed message (submit.c): through the outbox, then Sent
 * and the originals' flags. */
struct cli_submit {
	const char	*reply_folder;	/* mark \Answered there after sending; NULL: none */
	uint32_t	 reply_uid;
	const char	*forward_folder;	/* mark $Forwarded */
	uint32_t	 forward_uid;
	bool		 no_record;	/* do not APPEND to Sent */
	bool		 queue_ok;	/* queued counts as success (exit 0) */
};
/* Queues msg (a complete message with Bcc still in it), sends it, saves it to Sent and marks the originals. Returns an exit code (0: accepted by the server, or queued with queue_ok); messages printed on ctx->err. */
/* send-hook: runs the hooks whose pattern matches the draft's To, Cc or
 * Bcc field (errors on ctx->err, after "cmd: "); how many ran. The
 * caller builds the draft again when any did (compose.c). */
struct mail_draft;
int	 cli_send_hooks(struct cli_context *, const struct mail_draft *,
	    const char *cmd);
/* alias: the draft's To, Cc and Bcc with alias keys replaced by their
 * addresses (compose.c). */
void	 cli_expand_draft_aliases(struct cli_context *, struct mail_draft *);
int	 cli_submit(struct cli_context *, const char *msg, size_t len, const struct cli_submit *);
/* How many messages wait in the outbox; 0 when it cannot be read. */
size_t	 cli_outbox_count(struct cli_context *);

/* Sending without a UI, as mutt does (mailx.c): crispin -s SUBJECT
 * [-c ADDR] [-b ADDR] [-a FILE...] [--] ADDR... < body, or -H DRAFT. */
struct cli_mailx {
	const char	 *subject;	/* -s; NULL: none, or the draft's */
	const char	 *draft;	/* -H: headers, empty line, body ("-": stdin) */
	const char	**cc;		/* -c, each an address list; borrowed */
	size_t		  ncc;
	const char	**bcc;		/* -b */
	size_t		  nbcc;
	const char	**attach;	/* -a */
	size_t		  nattach;
	bool		  queue_ok;	/* --queue-ok */
};
/* argv: the recipients (address lists). Returns an exit code. */
int	 cli_mailx(struct cli_context *, const struct cli_mailx *, int argc, char **argv);

int	 cli_list(struct cli_context *, int argc, char **argv);
int	 cli_flag(struct cli_context *, int argc, char **argv);
/* Message display (show.c, parts.c). */
int	 cli_show(struct cli_context *, int argc, char **argv);
int	 cli_parts(struct cli_context *, int argc, char **argv);
int	 cli_save(struct cli_context *, int argc, char **argv);
/* Message operations and search (msgops.c, search.c). */
int	 cli_copy(struct cli_context *, int argc, char **argv);
int	 cli_move(struct cli_context *, int argc, char **argv);
int	 cli_delete(struct cli_context *, int argc, char **argv);
int	 cli_search(struct cli_context *, int argc, char **argv);
/* Disconnected mode (sync.c, replay.c): fill the cache for a trip
 * offline; replay the journal on a new session (cli_session_open does,
 * after login: 0, or the exit code of a session that failed meanwhile). */
int	 cli_sync(struct cli_context *, int argc, char **argv);
int	 cli_replay_journal(struct cli_session *);
/*
 * A command whose link died under it (inflight.c). cli_session_reconnect
 * opens a new session (the journal replayed) after the account's backoff,
 * a few attempts: 0 when ready, else the exit code (s closed; 130 when
 * SIGINT ended a wait, said on stderr with what the journal keeps).
 * cli_settle_inflight, given the exit code of a command whose change was
 * sent through a journaling folder: when the link died (EXIT_NETWORK) it
 * reconnects and lets the replay settle that change (a move whose
 * messages left the folder is done, one whose messages are still there is
 * made again; a flag change is made again; a copy already in the
 * destination is not copied twice); 0 when settled, 1 refused, 4 still
 * unknown (kept for the next run). Other codes are returned unchanged.
 */
int	 cli_session_reconnect(struct cli_session *, struct cli_context *,
	    const char *cmd);
int	 cli_settle_inflight(struct cli_context *, const char *cmd, int rc);
/* An APPEND to utf8 (raw: the server's spelling, or NULL) the link died
 * under (rc EXIT_NETWORK; other codes are returned unchanged): after
 * reconnecting, the folder is searched for msg's Message-ID; found, it is
 * not appended again, else it is. 0 with *uid_r (0: unknown) and
 * *uidvalidity_r (0: from the search), or an exit code. */
int	 cli_append_settle(struct cli_context *, const char *utf8, const char *raw,
	    const char *flags, const char *date, const char *msg, int rc,
	    uint32_t *uidvalidity_r, uint32_t *uid_r);
/* crispin watch (watch.c): events until SIGINT or SIGTERM. */
int	 cli_watch(struct cli_context *, int argc, char **argv);
/* crispin query (query.c): addresses from aliases and query_command. */
int	 cli_query(struct cli_context *, int argc, char **argv);

/* The folder of list and flag, with the cache (openfolder.c). */
struct mail_folder;
struct store;
struct cli_folder {
	struct cli_session	*s;		/* borrowed */
	struct store		*store;		/* owned; NULL without cache */
	struct mail_folder	*folder;	/* owned */
	bool			 opened;
	bool			 failed;
};
/* The account's cache (cache_dir, header_cache, body_cache_size), or NULL
 * when it is off or cannot be opened (said on stderr: it costs speed, not
 * the command). */
struct store *cli_open_store(struct cli_context *);
/* Opens the cache and the folder on a ready session and waits until the
 * index is complete. Returns 0 or an exit code (message printed). */
int	 cli_folder_open(struct cli_folder *, struct cli_session *, const char *name,
	    bool readonly);
/* With ctx->offline: the folder from the cache alone (s is left closed
 * and needs no cli_session_close); else cli_session_open, then
 * cli_folder_open. 0 or an exit code (message printed; s closed). */
int	 cli_folder_start(struct cli_folder *, struct cli_session *, struct cli_context *,
	    const char *name, bool readonly);
/* The same, fetching the index fields of the newest fill_limit messages
 * only (0: all); the others are in the folder without them. */
int	 cli_folder_start_limit(struct cli_folder *, struct cli_session *,
	    struct cli_context *, const char *name, bool readonly,
	    uint32_t fill_limit);
/* cli_folder_close, then cli_session_close unless offline. */
void	 cli_folder_stop(struct cli_folder *, struct cli_session *);
void	 cli_folder_close(struct cli_folder *);

/* Messages as list prints them: tab-separated lines, or JSON objects
 * (list.c). The senders decoded last are remembered, since a folder's
 * From lines repeat: 100 000 lines need not parse 100 000 addresses. */
#define CLI_PRINT_MEMO	1024
struct cli_printer {
	FILE		*out;
	bool		 json;
	struct buf	 line;		/* scratch */
	struct buf	 text;		/* scratch */
	struct {
		char	*raw;		/* owned: the header as cached */
		char	*shown;		/* owned: as printed */
	} memo[CLI_PRINT_MEMO];
	/* The local offset of the UTC day printed last, when it holds the
	 * whole day: localtime_r is the dearest part of a line. */
	int64_t		 day;
	long		 day_gmtoff;
	bool		 day_known;	/* day was looked at */
	bool		 day_steady;	/* ... and one offset covers it */
};
struct mail_msg;
void	 cli_printer_init(struct cli_printer *, FILE *, bool json);
void	 cli_print_msg(struct cli_printer *, const struct mail_msg *);
void	 cli_printer_free(struct cli_printer *);
/* A folder named by role (":trash", "\Trash", found with LIST) or by
 * name, as UTF-8 in *utf8_r (malloc'd); cmd names the command in
 * messages. Returns 0 or an exit code (message printed) (folderops.c). */
int	 cli_resolve_folder(struct cli_session *, const char *cmd, const char *name,
	    char **utf8_r);
/* For a role (":archive", "\Trash") the folder its rc option names
 * (archive, trash, record, postponed), borrowed; NULL when unset or for
 * an ordinary name (folderops.c). */
const char *cli_role_option(struct cli_context *, const char *name);

#endif
