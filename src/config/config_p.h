/* Shared between the files of src/config. */
#ifndef CRISPIN_CONFIG_P_H
#define CRISPIN_CONFIG_P_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"
#include "crispin/config.h"

struct strlist {
	char	**v;		/* owned strings */
	size_t	  n;
};

struct config_account {
	char	 *name;		/* owned */
	char	**values;	/* owned, one per option; meaningful when set */
	bool	 *set;		/* the account sets this option */
	struct strlist mailboxes;	/* used instead of the global list if any */
};

struct config_alias {
	char	*key;		/* owned */
	char	*value;		/* owned */
};

struct config {
	char			**values;	/* owned, one per option; NULL: unset */
	struct config_account	 *accounts;
	size_t			  naccounts;
	int			  selected;	/* -1: the first account, if any */
	struct strlist		  mailboxes;
	struct strlist		  ignore;
	struct strlist		  unignore;
	struct strlist		  scores;	/* "VALUE PATTERN" (score) */
	struct config_alias	 *aliases;
	size_t			  naliases;
	struct config_hook	 *hooks;
	size_t			  nhooks;
	struct keymap		 *keymap;
	struct colors		 *colors;
};

/* Where values go: the global table, or an account's overrides. */
struct config_scope {
	struct config		*cfg;
	struct config_account	*account;	/* NULL: global */
};

/* options.c */
size_t	 config_noptions(void);
/* The option's index, or -1; with error_r set to "unknown option" text. */
int	 config_option_index(const char *name, char **error_r);
/* "unknown option 'x' (did you mean 'y'?)", malloc'd. */
char	*config_unknown_option(const char *name);
/* Type-checks and normalizes value; the result is malloc'd. */
int	 config_normalize(const struct config_option *, const char *value,
	    char **out, char **error_r);
int	 scope_set(struct config_scope *, const char *name, const char *value,
	    char **error_r);
int	 scope_unset(struct config_scope *, const char *name, char **error_r);
int	 scope_toggle(struct config_scope *, const char *name, char **error_r);
int	 scope_reset(struct config_scope *, const char *name, char **error_r);
/* The value in effect for the scope (account falling back to global). */
const char *scope_get(const struct config_scope *, size_t idx);
/* The nearest of a list of names, or NULL when none is close. */
const char *config_nearest(const char *name, const char *const *names, size_t n);
unsigned config_edit_distance(const char *, const char *);

/* util.c */
void	 strlist_add(struct strlist *, const char *);
bool	 strlist_remove(struct strlist *, const char *, bool icase);
bool	 strlist_has(const struct strlist *, const char *, bool icase);
void	 strlist_clear(struct strlist *);
bool	 strlist_eq(const struct strlist *, const struct strlist *);
char	*config_expand_home(const char *);

/* lexer.c: one word of a command at a time. */
#define RC_LEX_EQUALS	0x01	/* an unquoted '=' is a word of its own */
struct rc_word {
	char	*text;		/* owned */
	bool	 op;		/* a bare '=' */
};
struct rc_words {
	struct rc_word	*w;	/* owned */
	size_t		 n;
	size_t		 cap;
};
/* Reads the next word at *sp: 1 with *word, 0 at the end of the command
 * (end of text, a comment, or ';', which is consumed), -1 with *error_r.
 * Quotes, escapes, $VAR, ${VAR} and `command` are processed. */
int	 rc_lex_word(const char **sp, unsigned flags, struct rc_word *, char **error_r);
void	 rc_words_free(struct rc_words *);

/* rc.c: the state of one file being read. */
struct rc_ctx {
	struct config		*cfg;
	const char		*file;		/* for messages and `source` */
	const char		*real;		/* realpath of file, or NULL */
	unsigned		 line;
	struct rc_ctx		*parent;	/* the file that sourced this one */
	struct config_account	*account;	/* inside an account block */
	unsigned		 account_line;
	struct buf		*errors;
	int			 bad;
};
typedef int rc_command_fn(struct rc_ctx *, struct rc_words *, char **error_r);
struct rc_command {
	const char	*name;
	rc_command_fn	*fn;
	unsigned	 lex;		/* RC_LEX_* for the words after the name */
	const char	*help;
};
/* commands.c */
const struct rc_command *rc_command_find(const char *name);
const struct rc_command *rc_commands(size_t *count);
/* rc.c */
int	 rc_source(struct rc_ctx *, const char *path, char **error_r);
int	 rc_run(struct rc_ctx *, const char *text);

/* keymap.c, colors.c: the command handlers. */
int	 rc_cmd_bind(struct rc_ctx *, struct rc_words *, char **);
int	 rc_cmd_unbind(struct rc_ctx *, struct rc_words *, char **);
int	 rc_cmd_macro(struct rc_ctx *, struct rc_words *, char **);
int	 rc_cmd_color(struct rc_ctx *, struct rc_words *, char **);
int	 rc_cmd_uncolor(struct rc_ctx *, struct rc_words *, char **);

/* account.c */
struct config_account *config_account_get(struct config *, const char *name);
void	 config_accounts_free(struct config *);

#endif
