/*
 * Mailcap (RFC 1524): which external program shows a MIME type, and the
 * shell command to run it with. Values taken from a message (file names,
 * types, parameters) never reach the shell as code: the command assigns
 * each one, single-quoted, to a shell variable, and the entry's command
 * refers to the variable in a form that is right for the quoting around
 * the %-escape ("$V" outside quotes, $V inside "...", '"$V"' inside '...').
 */
#ifndef CRISPIN_MAILCAP_H
#define CRISPIN_MAILCAP_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/mime_header.h"

struct mailcap_entry {
	const char	*type;		/* lower-case: "text/html", a wildcard
					 * subtype, or a bare "text" */
	const char	*command;	/* view command, mailcap escapes kept */
	const char	*test;		/* test= command or NULL */
	const char	*nametemplate;	/* e.g. "%s.html" or NULL */
	const char	*description;
	bool		 copiousoutput;
	bool		 needsterminal;
};

struct mailcap {
	struct mailcap_entry *entries;	/* owned, in file order */
	size_t		 count;
};

/*
 * Reads the mailcap files in path_list (colon-separated; NULL: $MAILCAPS,
 * else ~/.mailcap:/etc/mailcap), appending entries in order. Missing files
 * are skipped; malformed lines are ignored. Returns 0, or -1 with *error_r
 * when a file exists but cannot be read.
 */
int	mailcap_load(struct mailcap *, const char *path_list, char **error_r);
/* Appends the entries of mailcap text (one file's contents). */
void	mailcap_parse(struct mailcap *, const char *text, size_t len);
void	mailcap_free(struct mailcap *);

/*
 * Finds the first entry for type ("text/html", case-insensitive) whose
 * test= command (if any) succeeds; with want_copiousoutput only entries
 * marked copiousoutput (for showing in the pager) qualify. params feed
 * %{name} in the test command. Returns 0 with *entry set, -1 if none.
 */
int	mailcap_lookup(const struct mailcap *, const char *type,
	    bool want_copiousoutput, const struct mime_param *params,
	    size_t nparams, const struct mailcap_entry **entry);

/*
 * Builds the /bin/sh command line for an entry's command template: %s is
 * file (NULL: ""), %t type, %{name} the parameter's value ("" if absent),
 * %% a '%'. Returns a malloc'd string. If the template has no %s the
 * content is to be given on standard input (see mailcap_wants_file).
 */
char	*mailcap_command(const struct mailcap_entry *, const char *file,
	    const char *type, const struct mime_param *params, size_t nparams);
/* The same for any template (a test= or print= command). */
char	*mailcap_expand(const char *template, const char *file,
	    const char *type, const struct mime_param *params, size_t nparams);
bool	 mailcap_wants_file(const struct mailcap_entry *);

/*
 * Creates the temporary file for %s: mode 0600, under $TMPDIR (else
 * /tmp), named after the entry's nametemplate and the safe characters of
 * name_hint (the attachment's file name, may be NULL). Returns an open
 * descriptor and the malloc'd path in *path_r; the caller writes the
 * content, runs the command and unlinks the path. -1 with *error_r on
 * failure.
 */
int	mailcap_tempfile(const struct mailcap_entry *, const char *name_hint,
	    char **path_r, char **error_r);

/*
 * Runs a copiousoutput entry as a filter: content goes to a temporary file
 * (mailcap_tempfile) given as %s, or as standard input when the command
 * has no %s; the command's standard output is appended to out; the file
 * is removed afterwards. Blocks until the command exits. Returns 0, or -1
 * with *error_r if it could not run or exited non-zero.
 */
int	mailcap_filter(const struct mailcap_entry *, const char *type,
	    const struct mime_param *params, size_t nparams, const void *content,
	    size_t len, const char *name_hint, struct buf *out, char **error_r);

/* Runs a command with /bin/sh -c, stdin from /dev/null, output discarded;
 * returns its exit status, or -1 if it could not run. */
int	mailcap_run_quiet(const char *command);

#endif
