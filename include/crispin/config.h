/*
 * Options and the rc file. Every option is a row in one table (name, type,
 * default, one-line help) so that crispinrc(5), --dump-config and the ":set"
 * completion are built from it. The rc language is of the mutt family: set,
 * unset, toggle, reset, bind, macro, color, source, account blocks, hooks,
 * mailboxes, alias, ignore; see crispinrc(5).
 */
#ifndef CRISPIN_CONFIG_H
#define CRISPIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

struct keymap;
struct colors;

enum config_type {
	CONFIG_BOOL,
	CONFIG_NUMBER,		/* a decimal in [min, max] */
	CONFIG_STRING,
	CONFIG_PATH,		/* a string with ~ expanded */
	CONFIG_SECRET,		/* a string never shown or logged */
	CONFIG_ENUM,		/* one of values[] */
	CONFIG_QUAD,		/* yes, no, ask-yes, ask-no */
	CONFIG_FORMAT,		/* a string of %-codes, shown as-is */
};

/* Flags of an option row. */
#define CONFIG_F_REVERSE	0x01	/* enum also takes a "reverse-" prefix */

struct config_option {
	const char	*name;
	enum config_type type;
	const char	*default_value;	/* NULL: unset */
	const char	*help;
	long		 min, max;	/* numbers; both 0: 0..LONG_MAX */
	const char *const *values;	/* enums: NULL-terminated */
	unsigned	 flags;
};

enum config_quad {
	CONFIG_QUAD_NO,
	CONFIG_QUAD_YES,
	CONFIG_QUAD_ASK_NO,
	CONFIG_QUAD_ASK_YES,
};

struct config;

struct config *config_new(void);
void	 config_free(struct config **);

/* The option table, for documentation and completion. */
const struct config_option *config_options(size_t *count);
/* The row of an option, or NULL. */
const struct config_option *config_option_find(const char *name);

/* Sets a global option from its text form, type-checked. -1 with *error_r
 * (a sentence naming the option, with "did you mean" for near misses). */
int	 config_set(struct config *, const char *name, const char *value,
	    char **error_r);
/* A string becomes unset, a boolean no, a number 0, a quad no. */
int	 config_unset(struct config *, const char *name, char **error_r);
/* Booleans flip; quads flip yes/no and ask-yes/ask-no. */
int	 config_toggle(struct config *, const char *name, char **error_r);
/* Back to the table default; name "all" resets every option. */
int	 config_reset(struct config *, const char *name, char **error_r);

/* The value of an option in rc form, "name=value" (secrets as ***), for
 * `set name?` in the UI. -1 with *error_r for an unknown option. */
int	 config_query(const struct config *, const char *name, struct buf *out,
	    char **error_r);
/* The rc commands, for completion and help: the i-th name (NULL past the
 * end) and its one-line usage. */
const char *config_command_at(size_t i, const char **help_r);

/* Runs rc commands from text (one or more lines, ';' separates commands).
 * Each bad command adds "NAME:LINE: message\n" to errors and the rest still
 * applies. Returns the number of bad lines. */
int	 config_load_string(struct config *, const char *name, const char *text,
	    struct buf *errors);
/* Reads an rc file the same way. Returns the number of bad lines, or -1 if
 * the file cannot be read at all (message in errors). */
int	 config_load_file(struct config *, const char *path, struct buf *errors);
/* The system-wide rc: $CRISPIN_SYSTEM_RC if set, else SYSCONFDIR/crispinrc.
 * A missing file is not an error (returns 0). */
int	 config_load_system(struct config *, struct buf *errors);

/* The rc file to read when -F is not given: $XDG_CONFIG_HOME/crispin/crispinrc
 * (XDG_CONFIG_HOME defaults to ~/.config), else ~/.crispinrc. Returns a
 * malloc'd path of an existing file, or NULL. */
char	*config_default_path(void);

/* Typed getters; the name must be in the table (asserted). They read the
 * selected account's value when it sets the option, else the global one.
 * Strings are NULL when unset; they stay owned by the config. */
const char *config_str(const struct config *, const char *name);
bool	 config_bool(const struct config *, const char *name);
long	 config_num(const struct config *, const char *name);
enum config_quad config_quad(const struct config *, const char *name);

/* Accounts from `account NAME ... end` blocks. The first is selected unless
 * config_select_account names another; -1 with *error_r if there is no such
 * account. config_account_name is NULL when the rc has no accounts. */
int	 config_select_account(struct config *, const char *name, char **error_r);
const char *config_account_name(const struct config *);
size_t	 config_account_count(const struct config *);
const char *config_account_at(const struct config *, size_t);

/* Lists kept by rc commands, in the order given; borrowed. */
const char *const *config_mailboxes(const struct config *, size_t *count);
/* The score rules in order, each "VALUE PATTERN" (VALUE: N, +N, -N or =N;
 * the pattern is a search query, not checked here). */
const char *const *config_scores(const struct config *, size_t *count);
/* The addresses of an alias key, or NULL. */
const char *config_alias(const struct config *, const char *key);
/* The i-th alias in the order defined: its key (NULL past the end), and
 * its addresses in *value_r. */
const char *config_alias_at(const struct config *, size_t i,
	    const char **value_r);
/* An address list with every bare word that is an alias key replaced by
 * its addresses (aliases of aliases too, 8 deep at most), items joined
 * by ", ". malloc'd; NULL for NULL. */
char	*config_expand_aliases(const struct config *, const char *list);
void	 config_expand_aliases_into(const struct config *, const char *list,
	    struct buf *out, int depth);
/* True when a header field is hidden by `ignore` and not shown again by
 * `unignore` (case-insensitive prefixes, "*" for all). */
bool	 config_header_ignored(const struct config *, const char *field);

enum config_hook_type {
	CONFIG_HOOK_FOLDER,
	CONFIG_HOOK_SEND,
};
struct config_hook {
	enum config_hook_type type;
	char		*pattern;	/* owned */
	char		*command;	/* owned; an rc command line */
};
const struct config_hook *config_hooks(const struct config *, size_t *count);
/* Whether a hook's pattern (an extended regex; '!' inverts; no capitals:
 * case ignored) matches subject: 1 or 0, or -1 with *error_r. */
int	 config_hook_matches(const char *pattern, const char *subject,
	    char **error_r);
/* Runs the send-hooks whose pattern matches one of the recipients'
 * addresses (mutt's ~t), in order, on the live config. Errors are
 * appended to errors. Returns how many ran. */
int	 config_run_send_hooks(struct config *, const char *const *rcpts,
	    size_t nrcpts, struct buf *errors);

/* The key bindings and colours; owned by the config. */
struct keymap *config_keymap(const struct config *);
struct colors *config_colors(const struct config *);

/* Appends the effective configuration in rc syntax, loadable back: options
 * that differ from their defaults (every option with all), then the other
 * commands; secrets are shown as "***". */
void	 config_dump(const struct config *, bool all, struct buf *out);
/* Appends s as one rc word: bare when safe, else double-quoted. */
void	 config_quote(struct buf *, const char *s);

/* The account's IMAP server, from imap_url and friends. */
struct imap_account {
	char		*host;		/* owned; no brackets for IPv6 */
	char		*port;		/* owned */
	char		*user;		/* owned, percent-decoded; NULL if absent */
	bool		 implicit_tls;	/* imaps:// */
	bool		 starttls;	/* imap:// with tls = yes */
};
/* -1 with *error_r when imap_url is missing or malformed. */
int	 config_imap_account(const struct config *, struct imap_account *, char **error_r);
void	 imap_account_free(struct imap_account *);
/* Parses "imaps://user@host:port/" (or imap://). */
int	 imap_url_parse(const char *url, struct imap_account *, char **error_r);

#endif
