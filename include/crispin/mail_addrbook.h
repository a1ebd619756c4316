/*
 * Addresses for the compose screen and the query menu: `alias` entries
 * from the rc file and the answers of `query_command` (the mutt
 * protocol: the command prints one status line, then one
 * "address<TAB>name[<TAB>other]" line per match).
 */
#ifndef CRISPIN_MAIL_ADDRBOOK_H
#define CRISPIN_MAIL_ADDRBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"

struct config;

struct mail_addr_entry {
	char	*address;	/* addr-spec, never NULL */
	char	*name;		/* display name, or NULL */
	char	*other;		/* third column, or the alias key; or NULL */
};

struct mail_addr_list {
	struct mail_addr_entry	*v;
	size_t			 n;
	char			*status;	/* query_command's first line, or NULL */
};

void	 mail_addr_list_free(struct mail_addr_list *);

/* The alias entries whose key or address, or a word of whose name,
 * starts with prefix (case-insensitive; every alias for an empty
 * prefix), appended; other is the alias key. */
void	 mail_addrbook_aliases(const struct config *, const char *prefix,
	    struct mail_addr_list *);

/* The argv that runs query_command for query: the command split into
 * words by the rc rules ('single', "double" quotes, backslash; nothing
 * expanded but a leading ~/), "%s" in a word replaced by the query
 * within that one argument ("%%" gives '%'), the query appended as an
 * argument when there is no "%s"; never through a shell with the query
 * interpolated. NULL when query_command is unset.
 * Free with mail_addrbook_argv_free. */
char	**mail_addrbook_argv(const struct config *, const char *query);
void	 mail_addrbook_argv_free(char **);

/* Parses the command's output (status line, then entries; lines
 * without an '@' in the address column are skipped), appended. */
void	 mail_addrbook_parse(const char *output, size_t len,
	    struct mail_addr_list *);

/* Runs query_command and waits for it (for commands and the compose
 * process), at most MAIL_ADDRBOOK_TIMEOUT_MS. -1 with *error_r when the
 * command cannot run, fails without an answer, or takes too long. */
#define MAIL_ADDRBOOK_TIMEOUT_MS	10000
int	 mail_addrbook_query(const struct config *, const char *query,
	    struct mail_addr_list *, char **error_r);

/*
 * The same on an event loop, for the interface: the command runs as a
 * child in its own process group (stdin /dev/null, stdout and stderr
 * read through the loop) and done is called once, from the loop, with
 * the entries (list is the callee's to keep: move what it wants out) or
 * with error set (list then empty). timeout_ms 0: no limit. Cancelling
 * kills the command's process group; done is not called then. NULL with
 * *error_r when query_command is unset or the command cannot start.
 */
struct ev_loop;
struct mail_addrbook_run;
typedef void mail_addrbook_done_cb(struct mail_addr_list *list,
	    const char *error, void *arg);
struct mail_addrbook_run *mail_addrbook_start(struct ev_loop *,
	    const struct config *, const char *query, uint64_t timeout_ms,
	    mail_addrbook_done_cb *, void *arg, char **error_r);
void	 mail_addrbook_cancel(struct mail_addrbook_run **);

/* "Name <address>" (the name quoted as RFC 5322 wants when it has
 * specials; non-ASCII stays UTF-8, the message writer encodes it), or
 * the bare address, appended to out. */
void	 mail_addr_entry_format(const struct mail_addr_entry *, struct buf *out);

#endif
