/*
 * SMTP submission (RFC 6409 over RFC 5321): a reply parser, a client
 * session on the event loop, and the message helpers a sender needs
 * (header values, Bcc removal, dot-stuffing, smtp_url).
 *
 * The session connects with implicit TLS or STARTTLS, says EHLO (HELO
 * when EHLO is refused), authenticates with SASL when a user is given,
 * then sends messages one at a time: MAIL, RCPT and DATA go out in one
 * write when the server offers PIPELINING. SIZE, 8BITMIME and SMTPUTF8
 * are checked before anything is sent, so a message the server cannot
 * take is refused with a clear reason instead of being mangled.
 */
#ifndef CRISPIN_SMTP_CLIENT_H
#define CRISPIN_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crispin/netmeter.h"
#include "crispin/buf.h"
#include "crispin/err.h"
#include "crispin/event.h"

/* Replies. */

struct smtp_reply {
	unsigned	 code;		/* 200..599 (and 1xx/3xx intermediates) */
	const char	*enhanced;	/* "5.1.1" (RFC 3463), or NULL */
	const char *const *lines;	/* the text of each line, raw bytes */
	size_t		 nlines;	/* at least 1; a line may be "" */
};

struct smtp_reply_limits {
	size_t		 max_line;	/* bytes of one line; 0: 4096 */
	size_t		 max_lines;	/* lines of one reply; 0: 512 */
};

struct smtp_reply_parser;

/* Called for each complete reply; the reply lives until it returns.
 * Return false to stop feeding at once: the rest of the input is
 * dropped (after STARTTLS, bytes sent before the handshake must not be
 * read). */
typedef bool smtp_reply_cb(const struct smtp_reply *, void *arg);

struct smtp_reply_parser *smtp_reply_parser_new(const struct smtp_reply_limits *);
/* With ENHANCEDSTATUSCODES on, a leading "x.y.z " whose class matches the
 * reply code is taken off each line and reported in enhanced. */
void	 smtp_reply_parser_set_enhanced(struct smtp_reply_parser *, bool);
/* Feeds bytes (any split). -1 with *error_r on a malformed reply, an
 * over-long line or too many lines; the parser must then be reset or
 * freed. Lines may end in CRLF or a bare LF. */
int	 smtp_reply_parser_feed(struct smtp_reply_parser *, const char *, size_t,
	    smtp_reply_cb *, void *arg, char **error_r);
/* Forgets any partial reply. */
void	 smtp_reply_parser_reset(struct smtp_reply_parser *);
void	 smtp_reply_parser_free(struct smtp_reply_parser **);
/* The lines of a reply joined with "; " and sanitised for a terminal,
 * prefixed with the code (and the enhanced code): "550 5.1.1 no such
 * user". Malloc'd. */
char	*smtp_reply_describe(const struct smtp_reply *);

/* Messages. */

/* A complete RFC 5322 message with any line endings. */
struct smtp_message {
	const char	*from;		/* envelope sender ("" for <>) */
	const char *const *rcpts;	/* envelope recipients, at least one */
	size_t		 nrcpts;
	const char	*data;		/* borrowed until done */
	size_t		 len;
};

/* What happened to one recipient. */
struct smtp_rcpt_result {
	const char	*address;	/* as given */
	bool		 accepted;
	char		*reply;		/* the server's words, sanitised; NULL
					 * when RCPT was never answered */
};

struct smtp_result {
	enum err_class	 err;		/* ERR_NONE: the server took the message */
	const char	*message;	/* why not, for the user; NULL when sent */
	struct smtp_rcpt_result *rcpts;	/* one per recipient, in order */
	size_t		 nrcpts;
	size_t		 naccepted;
};

/* Sessions. */

enum smtp_secret_kind {
	SMTP_SECRET_PASSWORD,
	SMTP_SECRET_TOKEN,		/* OAuth 2 access token */
};

struct smtp_client_params {
	const char	*host;
	const char	*port;
	const char	*user;		/* NULL: no AUTH (e.g. a trusted relay) */
	bool		 implicit_tls;	/* TLS from the first byte (465) */
	bool		 starttls;	/* require STARTTLS on a plain link (587) */
	bool		 allow_plaintext;	/* credentials without TLS */
	const char	*ca_file;
	const char	*fingerprint;
	unsigned	 connect_timeout_ms;
	/* No byte of an expected reply for this long: the link is dead
	 * (ERR_NETWORK). 0: 60 s. */
	unsigned	 response_timeout_ms;
	/* Ordered SASL mechanism names; NULL: sasl_choose's default order. */
	const char *const *authenticators;
	size_t		 nauthenticators;
	bool		 have_token_source;	/* an OAuth token can be asked for */
	const char	*helo_name;	/* NULL: "localhost" */
	FILE		*trace;		/* borrowed; C:/S: lines, secrets as *** */
};

struct smtp_client;

struct smtp_client_callbacks {
	/* Asked when authentication needs it; malloc'd, or NULL with
	 * *error_r. May block (prompt, command). */
	char	*(*get_secret)(enum smtp_secret_kind, void *arg, char **error_r);
	/* The session is over: after QUIT with ERR_NONE, else the reason.
	 * The client may be freed from here. */
	void	 (*closed)(struct smtp_client *, enum err_class, const char *message,
		    void *arg);
};

/* Called exactly once per smtp_client_send; result and its strings live
 * until it returns. The client may be freed from here. */
typedef void smtp_send_done_cb(struct smtp_client *, const struct smtp_result *,
	    void *arg);

struct smtp_client *smtp_client_new(struct ev_loop *, const struct smtp_client_params *,
	    const struct smtp_client_callbacks *, void *arg);
/* Sends one message, connecting and logging in first when needed. One
 * message at a time: call again from done (or later) for the next. The
 * message data is copied (normalised to CRLF and dot-stuffed). */
void	 smtp_client_send(struct smtp_client *, const struct smtp_message *,
	    smtp_send_done_cb *, void *arg);
/* QUIT once idle; closed(ERR_NONE) follows. */
void	 smtp_client_quit(struct smtp_client *);
void	 smtp_client_free(struct smtp_client **);
/* Does the server list this EHLO keyword (upper case)? */
bool	 smtp_client_has_ext(const struct smtp_client *, const char *);
/* The mechanism that logged us in, or NULL. */
const char *smtp_client_auth_mech(const struct smtp_client *);

/* What the session cost: bytes of the SMTP conversation inside TLS,
 * command lines sent, round trips (flights: a send after having heard
 * from the server since the previous one), and wait_ms, the time spent
 * with a reply owed and no server byte being handled. */
void	 smtp_client_stats(const struct smtp_client *, struct net_stats *);

/* Message helpers (message.c). */

/* The unfolded value of every header field named name (case-insensitive)
 * in the message's header section, each appended to *values (malloc'd). */
size_t	 smtp_header_values(const char *data, size_t len, const char *name,
	    char ***values, size_t *count);
/* Appends the message to out without its Bcc header fields. */
void	 smtp_strip_bcc(const char *data, size_t len, struct buf *out);
/* Appends the message as DATA content: CRLF line endings, lines starting
 * with '.' doubled, a final CRLF if missing, then ".\r\n". */
void	 smtp_dot_stuff(const char *data, size_t len, struct buf *out);
/* Does the message have any byte outside 7-bit ASCII? */
bool	 smtp_has_8bit(const void *, size_t);
/* Parses smtps://user@host[:port]/ (465) or smtp://user@host[:port]/
 * (587). Owned strings; user NULL if absent. */
struct smtp_url {
	char		*host;
	char		*port;
	char		*user;
	bool		 implicit_tls;
};
int	 smtp_url_parse(const char *url, struct smtp_url *, char **error_r);
void	 smtp_url_free(struct smtp_url *);

#endif
