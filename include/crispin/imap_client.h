/*
 * An IMAP client session: connection, greeting, STARTTLS, authentication,
 * capabilities, ENABLE, and an explicit command queue with pipelining.
 * Everything is asynchronous on the event loop; results come back through
 * callbacks. Higher layers (the mailbox model, the CLI) build commands and
 * consume untagged data; this layer knows nothing of folders or the UI.
 *
 * Pipelining rules: commands go out as soon as they are submitted, except
 * that nothing is sent behind a command that waits for a continuation
 * ("+", synchronising literal or AUTHENTICATE), and a command flagged
 * IMAP_CMD_BARRIER waits for everything before it and holds back
 * everything after it.
 */
#ifndef CRISPIN_IMAP_CLIENT_H
#define CRISPIN_IMAP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "crispin/err.h"
#include "crispin/event.h"
#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/netmeter.h"

enum imap_client_state {
	IMAP_STATE_DISCONNECTED,
	IMAP_STATE_CONNECTING,		/* TCP and, for implicit TLS, the handshake */
	IMAP_STATE_GREETING,		/* waiting for the server's greeting */
	IMAP_STATE_STARTTLS,		/* STARTTLS sent, or handshake running */
	IMAP_STATE_CAPABILITY,		/* asking for capabilities before login */
	IMAP_STATE_AUTHENTICATING,
	IMAP_STATE_POSTLOGIN,		/* ENABLE, capability refresh */
	IMAP_STATE_AUTHENTICATED,	/* ready for commands */
	IMAP_STATE_SELECTED,
	IMAP_STATE_LOGOUT,
};

enum imap_secret_kind {
	IMAP_SECRET_PASSWORD,
	IMAP_SECRET_TOKEN,		/* OAuth 2 access token */
};

struct imap_client_params {
	const char	*host;
	const char	*port;
	const char	*user;
	bool		 implicit_tls;	/* TLS from the first byte */
	bool		 starttls;	/* require STARTTLS on a plain connection */
	bool		 allow_plaintext;	/* credentials without TLS */
	const char	*ca_file;
	const char	*fingerprint;
	/* Where the TLS session is kept for resuming the next connection's
	 * handshake (conn.h), or NULL. */
	const char	*tls_session_file;
	/* Where the server's capabilities at the last login are kept, so
	 * that the next login need not wait for its greeting, or NULL. */
	const char	*server_hint_file;
	unsigned	 connect_timeout_ms;
	/* A command that gets no byte of answer for this long means the link
	 * is dead (ERR_NETWORK). 0: 60 s. IDLE is exempt. */
	unsigned	 response_timeout_ms;
	/* Ordered mechanism names; "imap-login" means the LOGIN command.
	 * NULL: the default order, LOGIN only as a last resort. */
	const char *const *authenticators;
	size_t		 nauthenticators;
	bool		 have_token_source;	/* an OAuth token can be asked for */
	bool		 no_compress;	/* never COMPRESS=DEFLATE (imap_compress = no) */
	bool		 send_id;	/* say who we are (ID, RFC 2971; imap_send_id) */
	FILE		*trace;		/* borrowed; protocol trace, secrets as *** */
};

struct imap_client;

struct imap_client_callbacks {
	/* Asked once, when authentication needs it. Returns a malloc'd secret,
	 * or NULL with *error_r. May block (prompt, command). */
	char	*(*get_secret)(enum imap_secret_kind, void *arg, char **error_r);
	/* Logged in, capabilities known, ENABLE done: submit commands. */
	void	 (*ready)(struct imap_client *, void *arg);
	/* The session is over (after LOGOUT: ERR_NONE). The client may be
	 * freed from here. */
	void	 (*closed)(struct imap_client *, enum err_class, const char *message,
		    void *arg);
	/* Untagged data no command claimed (EXISTS, FETCH from other clients…). */
	void	 (*untagged)(struct imap_client *, const struct imap_response *, void *arg);
	/* [ALERT] text the user must see. */
	void	 (*alert)(struct imap_client *, const char *text, void *arg);
};

struct imap_client *imap_client_new(struct ev_loop *, const struct imap_client_params *,
	    const struct imap_client_callbacks *, void *arg);
void	 imap_client_connect(struct imap_client *);
/* Queues LOGOUT behind the commands already submitted (pipelined with
 * them); closed(ERR_NONE) follows once they are answered, without
 * waiting for LOGOUT's own reply. Later commands fail. */
void	 imap_client_logout(struct imap_client *);
/* Ends the session now as a failure of class cls (a link check went
 * unanswered): every command fails, closed(cls, message) follows. */
void	 imap_client_abort(struct imap_client *, enum err_class cls, const char *message);
void	 imap_client_free(struct imap_client **);

enum imap_client_state imap_client_state(const struct imap_client *);
const char *imap_client_state_name(enum imap_client_state);
bool	 imap_client_has_cap(const struct imap_client *, const char *upper);
/* Extensions turned on by ENABLE ("QRESYNC", "UTF8=ACCEPT", ...). */
bool	 imap_client_enabled(const struct imap_client *, const char *upper);
/* The mechanism that logged us in ("SCRAM-SHA-256", "LOGIN" for the
 * LOGIN command, "PREAUTH"). */
const char *imap_client_auth_mech(const struct imap_client *);
/* The answer to NAMESPACE, NULL until it came. Nobody asks at login:
 * only listings need it, so they call imap_client_ask_namespaces before
 * their LIST, which then is answered after it. True when the server
 * knows NAMESPACE (asked once a connection). */
const struct imap_namespaces *imap_client_namespaces(const struct imap_client *);
bool	 imap_client_ask_namespaces(struct imap_client *);

/* Commands. */
#define IMAP_CMD_BARRIER	0x01	/* nothing in flight beside it */

struct imap_cmd;
/* tagged: the completion (status, code, text). On a lost connection the
 * callback gets a synthetic NO with text explaining. */
typedef void imap_cmd_done_cb(struct imap_client *, const struct imap_response *tagged,
	    void *arg);
typedef void imap_cmd_untagged_cb(struct imap_client *, const struct imap_response *,
	    void *arg);
/* Continuation for a command that asked for it: answer with
 * imap_client_continue. */
typedef void imap_cmd_cont_cb(struct imap_client *, const struct imap_response *,
	    void *arg);

/* A command under construction: "TAG " is added when it is sent. */
struct imap_cmd *imap_cmd_new(struct imap_client *, unsigned flags);
void	 imap_cmd_add(struct imap_cmd *, const char *fmt, ...) CRISPIN_PRINTF(2, 3);
/* An astring argument: atom, quoted, or literal (LITERAL+ when offered). */
void	 imap_cmd_add_string(struct imap_cmd *, const char *s);
/* A mailbox name given in UTF-8: modified UTF-7 unless UTF8=ACCEPT is on. */
void	 imap_cmd_add_mailbox(struct imap_cmd *, const char *utf8);
/* Text that must not appear in the trace (shown as ***). */
void	 imap_cmd_add_secret(struct imap_cmd *, const char *s);
/* Untagged responses with this keyword ("LIST", "STATUS", ...) go to cb
 * while this command is in flight (the oldest such command first). */
void	 imap_cmd_on_untagged(struct imap_cmd *, const char *keyword,
	    imap_cmd_untagged_cb *);
/* This command fetches the messages with UIDs lo..hi: an untagged FETCH
 * of one of them carrying data (body sections, structure, headers) goes
 * to it (registered with imap_cmd_on_untagged) before any older command;
 * one with flags alone goes to the oldest command that asked for FETCH
 * as usual; a FETCH of other messages never goes to it. Without this, a
 * STORE in flight would take the body a fetch sent after it asked for,
 * and a fetch the flags a STORE asked for. */
void	 imap_cmd_fetches(struct imap_cmd *, uint32_t lo, uint32_t hi);
void	 imap_cmd_on_continuation(struct imap_cmd *, imap_cmd_cont_cb *);
/* Queues the command; done is called exactly once. */
void	 imap_cmd_submit(struct imap_cmd *, imap_cmd_done_cb *done, void *arg);

/* Answers a continuation: line (no CRLF added by the caller). */
void	 imap_client_continue(struct imap_client *, const char *line, bool secret);

/*
 * IDLE (RFC 2177) whenever nothing else is to be done: entered on the loop
 * turn after the queue empties, left with DONE the moment a command is
 * submitted (the command follows DONE in the same write), renewed every
 * renew_ms (0: 28 minutes, inside the 29 the RFC allows). Untagged data
 * that arrives while idling goes to the untagged callback. Without the
 * IDLE capability this does nothing; the caller polls instead.
 */
void	 imap_client_set_idle(struct imap_client *, bool on, uint64_t renew_ms);
bool	 imap_client_idling(const struct imap_client *);
/* What was submitted goes on the wire now (conn_push), before a while of
 * local work; commands held back by pipelining rules stay queued. */
void	 imap_client_push(struct imap_client *);
/* The round trip as the login measured it (its quickest step, in ms):
 * false before a login step was answered (PREAUTH, not logged in). */
bool	 imap_client_round_trip_ms(const struct imap_client *, uint64_t *);

/*
 * What the session cost so far. Bytes are the IMAP conversation itself,
 * inside TLS (the sum of the trace's lines with their CRLFs); the TCP and
 * TLS handshakes are not counted. A round trip is a flight of client data:
 * the client sends after having received something since its previous
 * send, so a pipeline of commands costs one. wait_ms is the time spent
 * with a connect, greeting or command outstanding and no server byte
 * being processed: the network's share of the wall-clock time.
 */
void	 imap_client_stats(const struct imap_client *, struct net_stats *);

/*
 * Installs the parser's literal sink (see imap_parser.h) for this session,
 * now and after any reconnect; NULL removes it. There is one sink per
 * client: its open is offered every literal of every response and must
 * decline (return NULL) the ones its owner did not ask for. The sink is
 * copied; arg is borrowed and must outlive the installation.
 */
void	 imap_client_set_literal_sink(struct imap_client *,
	    const struct imap_literal_sink *, void *arg);

/* Decodes a mailbox name as sent by the server into UTF-8 for display. */
char	*imap_client_mailbox_utf8(const struct imap_client *, const char *raw);

#endif
