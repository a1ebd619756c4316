/*
 * Options and the rc file. Every option is a row in one table (name, type,
 * default, one-line help) so that crispinrc(5) and the ":set" completion can
 * be built from it. This first form of the rc language knows `set`,
 * `unset`, comments and quoting; the rest of the mutt-family language
 * (bind, macro, color, account blocks, hooks) grows from the same table.
 */
#ifndef CRISPIN_CONFIG_H
#define CRISPIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

enum config_type {
	CONFIG_BOOL,
	CONFIG_NUMBER,
	CONFIG_STRING,
	CONFIG_PATH,		/* a string with ~ expanded */
	CONFIG_SECRET,		/* a string never shown or logged */
};

struct config_option {
	const char	*name;
	enum config_type type;
	const char	*default_value;	/* NULL: unset */
	const char	*help;
};

struct config;

struct config *config_new(void);
void	 config_free(struct config **);

/* The option table, for documentation and completion. */
const struct config_option *config_options(size_t *count);

/* Sets an option from its text form, type-checked. -1 with *error_r (a
 * sentence naming the option, with "did you mean" for near misses). */
int	 config_set(struct config *, const char *name, const char *value,
	    char **error_r);
int	 config_unset(struct config *, const char *name, char **error_r);

/* Reads an rc file. Each bad line adds "FILE:LINE: message\n" to errors
 * and the rest of the file still applies. Returns the number of bad lines,
 * or -1 if the file cannot be read at all (message in errors). */
int	 config_load_file(struct config *, const char *path, struct buf *errors);
/* Same for text already in memory; name is used in messages. */
int	 config_load_string(struct config *, const char *name, const char *text,
	    struct buf *errors);

/* The rc file to read when -F is not given: $XDG_CONFIG_HOME/crispin/crispinrc
 * (XDG_CONFIG_HOME defaults to ~/.config), else ~/.crispinrc. Returns a
 * malloc'd path of an existing file, or NULL. */
char	*config_default_path(void);

/* Typed getters; the name must be in the table (asserted). Strings are
 * NULL when unset; they stay owned by the config. */
const char *config_str(const struct config *, const char *name);
bool	 config_bool(const struct config *, const char *name);
long	 config_num(const struct config *, const char *name);

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
