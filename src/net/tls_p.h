/*
 * GnuTLS client sessions for conn.c: one struct tls per connection, over a
 * non-blocking socket that the caller owns and polls. Errors come back as a
 * class and a message the caller owns.
 */
#ifndef CRISPIN_TLS_P_H
#define CRISPIN_TLS_P_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>

#include "crispin/buf.h"
#include "crispin/err.h"

#define TLS_SHA256_LEN	32

/* tls_recv and tls_send results besides a byte count. */
#define TLS_EOF		0
#define TLS_AGAIN	(-1)	/* *want_r says EV_READ or EV_WRITE */
#define TLS_ERROR	(-2)	/* *cls_r and *error_r are set */

struct tls;

struct tls_params {
	int		 fd;		/* borrowed, non-blocking */
	const char	*host;		/* name to verify and send as SNI */
	const char	*peer;		/* "host:port", for messages */
	const char	*ca_file;	/* extra trusted CAs, or NULL */
	/* SHA-256 of the only acceptable certificate, or NULL for CA and
	 * host-name verification. */
	const unsigned char *pin;
	const char	*session_file;	/* conn.h: tls_session_file */
};

/* NULL on failure, with *cls_r and *error_r (owned by the caller) set. */
struct tls *tls_new(const struct tls_params *, enum err_class *cls_r,
	    char **error_r);
void	 tls_free(struct tls **);

/* 1 when the handshake is done and the certificate accepted, 0 to be
 * called again once *want_r is ready, -1 on failure. */
int	 tls_handshake(struct tls *, int *want_r, enum err_class *cls_r,
	    char **error_r);

/* Decrypted bytes (> 0), TLS_EOF, TLS_AGAIN or TLS_ERROR. */
ssize_t	 tls_recv(struct tls *, void *, size_t, int *want_r,
	    enum err_class *cls_r, char **error_r);
/* Bytes taken from data (> 0), TLS_AGAIN or TLS_ERROR. After TLS_AGAIN
 * the same bytes must be offered again (more may follow them). */
ssize_t	 tls_send(struct tls *, const void *, size_t, int *want_r,
	    enum err_class *cls_r, char **error_r);
/* Decrypted bytes buffered inside GnuTLS, which poll() cannot see. */
size_t	 tls_pending(struct tls *);
/* Sends close_notify if the socket takes it at once; never waits. */
void	 tls_bye(struct tls *);

/* Valid once the handshake is done. */
const char *tls_description(struct tls *);
int	 tls_channel_binding(struct tls *, const char *type, struct buf *);
const char *tls_channel_binding_type(struct tls *);

/* Parses "sha256:AB:CD..." / "abcd..." into out; -1 if malformed. */
int	 tls_parse_fingerprint(const char *, unsigned char out[TLS_SHA256_LEN]);
/* "AB:CD:..." for a SHA-256 digest; the caller frees it. */
char	*tls_format_fingerprint(const unsigned char[TLS_SHA256_LEN]);

/* tls_resume.c: the TLS session kept for the next connection. The key
 * names the server and the trust it was verified under (owned). */
char	*tls_resume_key(const char *peer, const char *ca_file,
	    const unsigned char *pin, size_t pin_len);
void	 tls_resume_load(gnutls_session_t, const char *path, const char *key);
int	 tls_resume_save(gnutls_session_t, const char *path, const char *key);

#endif
