/*
 * SASL client mechanisms as pure state machines: no I/O, no base64 (the
 * protocol layer encodes), so every mechanism is testable against RFC test
 * vectors. Supported: PLAIN, LOGIN, SCRAM-SHA-1, SCRAM-SHA-256 (and their
 * -PLUS channel-binding forms), OAUTHBEARER, XOAUTH2.
 */
#ifndef CRISPIN_SASL_H
#define CRISPIN_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

struct sasl_params {
	const char	*user;		/* authentication identity */
	const char	*authzid;	/* NULL: same as user */
	const char	*pass;		/* PLAIN, LOGIN, SCRAM */
	const char	*token;		/* OAUTHBEARER, XOAUTH2 */
	const char	*host;		/* OAUTHBEARER host= */
	unsigned	 port;		/* OAUTHBEARER port= */
	/* Channel binding for *-PLUS: type ("tls-exporter"/"tls-unique")
	 * and data. cb_type NULL means the client cannot bind. */
	const char	*cb_type;
	const void	*cb_data;
	size_t		 cb_len;
	/* Did the server list the -PLUS form of the chosen SCRAM mechanism
	 * (see sasl_server_offers_plus)? Matters only for a non-PLUS SCRAM
	 * with cb_type set: then false sends "y" (RFC 5802 section 6: "I can
	 * bind but think you cannot", downgrade protection) and true sends
	 * "n". Without cb_type SCRAM always sends "n". */
	bool		 server_offers_plus;
	/* Tests only: fixed client nonce for SCRAM. */
	const char	*test_nonce;
};

struct sasl_client;

enum sasl_step {
	SASL_CONTINUE,		/* send out, then wait for the next challenge */
	SASL_DONE,		/* nothing more to send; server must report success */
	SASL_ERROR,		/* *error_r says why; abort the exchange */
};

/* Is mech (case-insensitive) one we implement? */
bool	 sasl_mech_supported(const char *mech);
/* Does the mechanism send data before any challenge (SASL-IR)? */
bool	 sasl_mech_client_first(const char *mech);
/* Needs a password (true) or a token (false)? */
bool	 sasl_mech_uses_token(const char *mech);

/* Strings in params are copied. NULL with *error_r if mech is unknown or a
 * needed parameter is missing. */
struct sasl_client *sasl_client_new(const char *mech, const struct sasl_params *,
	    char **error_r);
/* The initial response for client-first mechanisms (only those; call it
 * once, before any step). out is emptied first, in every call below. */
enum sasl_step sasl_client_start(struct sasl_client *, struct buf *out, char **error_r);
/* Answers one decoded server challenge. For SCRAM the server-final message
 * is verified here (a wrong server signature is SASL_ERROR: the server does
 * not know the password). A client-first mechanism that has not started
 * answers an empty challenge with its initial response (no SASL-IR).
 * SCRAM returns SASL_DONE with client-final, then takes server-final
 * either as a challenge or from the success data and answers
 * SASL_CONTINUE with an empty out. The OAuth mechanisms answer an error
 * challenge with SASL_CONTINUE ("\x01" or empty); the server then fails
 * the command, and sasl_client_server_error says why. Once SASL_ERROR is
 * returned, every later step is SASL_ERROR too. */
enum sasl_step sasl_client_step(struct sasl_client *, const void *challenge,
	    size_t len, struct buf *out, char **error_r);
/* After the server reported success: true if the mechanism is satisfied
 * (SCRAM: the server signature was seen and verified). */
bool	 sasl_client_complete(const struct sasl_client *);
/* SCRAM: client-final went out; what is left is the server's signature
 * and our empty answer to it. */
bool	 sasl_client_final_due(const struct sasl_client *);
/* The server proved it knows the secret (SCRAM's signature checked): it
 * checked ours first, so the login is accepted. */
bool	 sasl_client_verified(const struct sasl_client *);
/* Canonical upper-case name, e.g. "SCRAM-SHA-256". */
const char *sasl_client_mech(const struct sasl_client *);
/* The status of an OAuth error challenge ("invalid_token", "401"),
 * sanitised; NULL if none came. Owned by the client. */
const char *sasl_client_server_error(const struct sasl_client *);
/* Wipes secrets. */
void	 sasl_client_free(struct sasl_client **);

struct conn;
/* sasl_client_new for a login on conn (src/net/sasl_conn.c): secret is
 * the password, or the token of the OAuth mechanisms; the connection's
 * channel binding goes to the -PLUS mechanisms and SCRAM's downgrade
 * check; server_offers_plus as in sasl_params. */
struct sasl_client *sasl_client_on(struct conn *, const char *mech, const char *user,
	    const char *secret, const char *host, const char *port,
	    bool server_offers_plus, char **error_r);

/*
 * Chooses a mechanism. server: the server's AUTH= list. allowed: the user's
 * ordered list (imap_authenticators), or NULL for our default order
 * (SCRAM-SHA-256-PLUS, SCRAM-SHA-256, SCRAM-SHA-1-PLUS, SCRAM-SHA-1,
 * PLAIN, LOGIN; the OAuth mechanisms first when have_token). Returns NULL if
 * nothing fits. -PLUS forms only when can_bind; OAUTHBEARER and XOAUTH2
 * only when have_token; names we do not implement are skipped. The result
 * is our canonical (static, upper-case) name.
 */
const char *sasl_choose(const char *const *server, size_t nserver,
	    const char *const *allowed, size_t nallowed, bool have_token,
	    bool can_bind);
/* Does server (the AUTH= list) contain mech + "-PLUS", case-insensitively?
 * Feeds sasl_params.server_offers_plus. */
bool	 sasl_server_offers_plus(const char *const *server, size_t nserver,
	    const char *mech);

#endif
