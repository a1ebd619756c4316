/*
 * The search language: one query syntax for limit, search and the
 * scripting command. A query is parsed once into a tree, then either
 * translated into IMAP SEARCH keys for the server or evaluated locally
 * over cached headers and flags. The language is documented in the
 * SEARCH LANGUAGE section of crispin(1).
 *
 *	from:alice subject:"status report" since:7d -is:read
 *	(to:bob or cc:bob) date:2024-01..2024-03 larger:1M
 *
 * mutt's patterns are understood too, each as the equivalent term:
 *
 *	~f alice ~N | !~s "status report" ~d <7d ~z >1M
 */
#ifndef CRISPIN_MAIL_QUERY_H
#define CRISPIN_MAIL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crispin/buf.h"

struct mail_query;

/* Parses text. now anchors relative dates ("since:7d") and "today", in the
 * local time zone. Returns 0 with *q_r (free with mail_query_free), or -1
 * with *error_r (malloc'd) naming the problem and its column, counted in
 * characters from 1: "unbalanced parenthesis at column 14". */
int	 mail_query_parse(const char *text, time_t now, struct mail_query **q_r,
	    char **error_r);
void	 mail_query_free(struct mail_query **);

/* True when some term cannot be expressed in IMAP SEARCH (has:attachment):
 * the server's answer is then a superset to be finished locally. */
bool	 mail_query_needs_local(const struct mail_query *);

/*
 * The IMAP translation: search keys to put after "UID SEARCH [CHARSET
 * UTF-8] ". Text parts go into the command as they are; string parts are
 * arguments to send with imap_cmd_add_string (atom, quoted or literal as
 * the server allows):
 *
 *	mail_query_to_imap(q, &m);
 *	imap_cmd_add(cmd, "UID SEARCH %s", m.needs_utf8 ? "CHARSET UTF-8 " : "");
 *	for (i = 0; i < m.nparts; i++)
 *		if (m.parts[i].is_string)
 *			imap_cmd_add_string(cmd, m.parts[i].text);
 *		else
 *			imap_cmd_add(cmd, "%s", m.parts[i].text);
 */
struct mail_query_part {
	bool	 is_string;
	char	*text;		/* owned */
};
struct mail_query_imap {
	struct mail_query_part *parts;	/* owned */
	size_t		 nparts;
	bool		 needs_local;	/* terms sent as ALL: finish locally */
	bool		 needs_literal;	/* a string has CR, LF or 8-bit bytes */
	bool		 needs_utf8;	/* non-ASCII text: send CHARSET UTF-8 */
};
void	 mail_query_to_imap(const struct mail_query *, struct mail_query_imap *);
/* The keys as one string, literals written as LITERAL+ "{n+}\r\n...". */
void	 mail_query_imap_write(const struct mail_query_imap *, struct buf *);
void	 mail_query_imap_free(struct mail_query_imap *);

/*
 * A message as the cache knows it, for offline search. Header values are
 * decoded UTF-8 ("Alice <alice@example.org>"); NULL means the message has
 * no such header. body NULL means the body is not cached: body terms are
 * then unknown.
 */
struct mail_query_msg {
	uint32_t	 uid;
	unsigned	 flags;		/* IMAP_FLAG_* of imap_data.h */
	const char *const *keywords;
	size_t		 nkeywords;
	uint64_t	 size;		/* RFC822.SIZE */
	time_t		 internaldate;	/* UTC seconds */
	int		 internaldate_tz;	/* minutes east of UTC */
	const char	*from, *to, *cc, *bcc, *subject;
	const char	*body;		/* text of the body, or NULL */
	/* The value of any header by name, NULL when absent; the whole hook
	 * NULL when other headers are not cached (header: is then unknown). */
	const char	*(*header)(const struct mail_query_msg *, const char *name);
	int		 has_attachment;	/* 1, 0, or -1 when unknown */
	bool		 tagged;	/* tagged in the interface (is:tagged, ~T) */
	void		*arg;		/* for the header hook */
};

enum mail_query_truth {
	MAIL_QUERY_NO,
	MAIL_QUERY_YES,
	MAIL_QUERY_UNKNOWN,	/* depends on what the cache does not have */
};

/* Three-valued: an unknown term makes the result unknown unless the rest
 * decides it (unknown and no = no, unknown or yes = yes). */
enum mail_query_truth mail_query_eval(const struct mail_query *,
	    const struct mail_query_msg *);
/* True only when the message certainly matches. */
bool	 mail_query_match(const struct mail_query *, const struct mail_query_msg *);

#endif
