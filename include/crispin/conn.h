/*
 * A client connection: name resolution (IPv4/IPv6), non-blocking connect
 * with a timeout, optional TLS (implicit, or an upgrade after STARTTLS)
 * with certificate and host-name verification, buffered writes. Every
 * operation returns at once; results arrive through callbacks from the
 * event loop.
 *
 * Host names are resolved with getaddrinfo(), which can block for as long
 * as the resolver takes; the connect itself never blocks.
 *
 * No callback ever runs from inside a conn_* call: failures noticed there
 * arrive through closed on the next loop turn. The owner may conn_free
 * from inside any callback. Once conn_starttls is called no plaintext is
 * delivered, and bytes still queued go out over TLS, never in the clear.
 */
#ifndef CRISPIN_CONN_H
#define CRISPIN_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"
#include "crispin/err.h"
#include "crispin/event.h"

enum conn_tls {
	CONN_TLS_NONE,		/* plain TCP; conn_starttls may upgrade later */
	CONN_TLS_IMPLICIT,	/* TLS from the first byte (993, 465) */
};

struct conn_params {
	const char	*host;		/* borrowed; also the name verified */
	const char	*port;		/* service name or number */
	enum conn_tls	 tls;
	/* 0: 30 s. Each address gets its own: a silent one is left for the
	 * next when it runs out; the last one's covers the handshake too. */
	unsigned	 connect_timeout_ms;
	const char	*ca_file;	/* extra trusted CAs (PEM), or NULL */
	/* SHA-256 of the server certificate (DER), hex with or without colons,
	 * optionally prefixed "sha256:". When set, a matching certificate is
	 * accepted even if no CA vouches for it, and any other is refused. */
	const char	*fingerprint;
	/*
	 * A private file (0600, in a private directory) that keeps the TLS
	 * session, or NULL: the next connection resumes it, which spares the
	 * certificate and its verification (the session was verified when
	 * it began). Kept per server and per ca_file and fingerprint, so a
	 * change of trust starts afresh.
	 */
	const char	*tls_session_file;
};

struct conn_callbacks {
	/* TCP is up, and for CONN_TLS_IMPLICIT the handshake is verified. */
	void	(*connected)(void *arg);
	/* Bytes arrived (decrypted). The callee consumes all of them. */
	void	(*data)(const char *data, size_t len, void *arg);
	/* conn_starttls finished and the certificate is verified. */
	void	(*tls_ready)(void *arg);
	/* The connection is finished: ERR_NONE for a clean close by the peer,
	 * otherwise the reason. No callback follows; the owner frees conn. */
	void	(*closed)(enum err_class, const char *message, void *arg);
};

struct conn;

/* Copies params. Nothing happens until conn_start. */
struct conn *conn_new(struct ev_loop *, const struct conn_params *,
	    const struct conn_callbacks *, void *arg);
/* Starts resolving and connecting; failures come through closed. The
 * name is resolved on every start (never cached: after a suspend or a
 * network change the answer may differ), and each address is tried in
 * turn. */
void	 conn_start(struct conn *);
/* conn_start with these addresses (copied) instead of resolving the host
 * name, which stays the name TLS verifies: for tests of the iteration. */
struct addrinfo;
void	 conn_start_addrs(struct conn *, const struct addrinfo *);
/* Queues bytes; they go out as the socket accepts them. */
void	 conn_write(struct conn *, const void *, size_t);
/* Sends what is queued now, as far as the socket takes it, rather than on
 * the next loop turn: for an owner about to spend a while on local work
 * that the answer need not wait for. A failure comes through closed later. */
void	 conn_push(struct conn *);
/* Starts a TLS handshake on a plain connection. Anything already received
 * and not yet delivered is discarded (it was sent before TLS and cannot be
 * trusted). Result through tls_ready or closed. */
void	 conn_starttls(struct conn *);
bool	 conn_is_tls(const struct conn *);
/* Whether this build can compress (zlib). */
bool	 conn_compress_available(void);
/* From now on DEFLATE both ways (IMAP COMPRESS, RFC 4978). rest: bytes
 * already received after the server's go-ahead, which are compressed
 * (their inflated form is delivered on the next loop turn, before
 * anything newer). -1 with *error_r. */
int	 conn_compress(struct conn *, const char *rest, size_t len, char **error_r);
bool	 conn_is_compressed(const struct conn *);
/* "TLS1.3 / AES-256-GCM" or similar, for status lines; NULL without TLS. */
const char *conn_tls_description(const struct conn *);
/* Channel-binding data for SCRAM-*-PLUS: "tls-exporter" (TLS 1.3, RFC 9266)
 * or "tls-unique" (TLS 1.2). Appends to out; -1 if unavailable. */
int	 conn_channel_binding(struct conn *, const char *type, struct buf *out);
/* "tls-exporter" or "tls-unique" matching the negotiated version, or NULL. */
const char *conn_channel_binding_type(const struct conn *);
/* Bytes queued and not yet written. */
size_t	 conn_pending_output(const struct conn *);
/* Closes at once; no callback. */
void	 conn_free(struct conn **);

/* SHA-256 fingerprint of a PEM certificate file as "AB:CD:..." (tests, and
 * for users who want to pin their server's certificate). */
int	 conn_cert_fingerprint(const char *pem_file, char **fp_r, char **error_r);

#endif
