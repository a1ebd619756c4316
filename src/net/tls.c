/*
 * GnuTLS client sessions: credentials, verification (CA + host name, or a
 * pinned SHA-256 fingerprint), a non-blocking transport that never raises
 * SIGPIPE, and errors worded for users.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* MSG_NOSIGNAL */
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "crispin/conn.h"
#include "crispin/event.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "tls_p.h"

/* tls-exporter and tls-server-end-point came with GnuTLS 3.7.2. */
#if GNUTLS_VERSION_NUMBER >= 0x030702
#define TLS_HAVE_CB_EXPORTER 1
#else
#define TLS_HAVE_CB_EXPORTER 0
#endif

#define TLS_RECORD_MAX	16384

struct tls {
	gnutls_session_t		 session;
	gnutls_certificate_credentials_t cred;
	int				 fd;		/* borrowed */
	char				*host;		/* owned */
	char				*peer;		/* owned, "host:port" */
	bool				 pinned;
	bool				 trust_pending;	/* system CAs: read on the first pull */
	bool				 system_trust;	/* system CAs read */
	unsigned char			 pin[TLS_SHA256_LEN];
	char				*verify_error;	/* owned, from the verify functions */
	int				 io_errno;	/* last socket error */
	bool				 io_eof;	/* the peer closed the socket */
	size_t				 send_len;	/* offered in a send that said AGAIN */
	char				*session_file;	/* owned, or NULL */
	char				*session_key;	/* owned: tls_resume_key */
	int				 session_saved;	/* tls_resume_save's last */
	char				*desc;		/* owned, after the handshake */
};

static const struct {
	unsigned	 flag;
	const char	*text;
} tls_cert_problems[] = {
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "the certificate issuer is unknown" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "the certificate issuer is not a CA" },
	{ GNUTLS_CERT_UNEXPECTED_OWNER, NULL },		/* worded with the names */
	{ GNUTLS_CERT_EXPIRED, NULL },			/* worded with the date */
	{ GNUTLS_CERT_NOT_ACTIVATED, NULL },		/* worded with the date */
	{ GNUTLS_CERT_REVOKED, "the certificate has been revoked" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM,
	    "the certificate is signed with an insecure algorithm" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, "the certificate signature is invalid" },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE,
	    "the issuer is not allowed to sign for this name" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH,
	    "the certificate is not meant for a server" },
	{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS,
	    "the certificate has an unknown critical extension" },
	{ GNUTLS_CERT_MISSING_OCSP_STATUS, "the OCSP status is missing" },
	{ GNUTLS_CERT_INVALID_OCSP_STATUS, "the OCSP status is invalid" },
};

static const struct {
	const char		*name;
	gnutls_channel_binding_t type;
} tls_cb_types[] = {
	{ "tls-unique", GNUTLS_CB_TLS_UNIQUE },
#if TLS_HAVE_CB_EXPORTER
	{ "tls-server-end-point", GNUTLS_CB_TLS_SERVER_END_POINT },
	{ "tls-exporter", GNUTLS_CB_TLS_EXPORTER },
#endif
};

static ssize_t	 tls_push(gnutls_transport_ptr_t, const void *, size_t);
static ssize_t	 tls_pull(gnutls_transport_ptr_t, void *, size_t);
static int	 tls_pull_timeout(gnutls_transport_ptr_t, unsigned int);
static int	 tls_verify_pin(gnutls_session_t);
static int	 tls_verify_chain(gnutls_session_t);
static char	*tls_cert_error(struct tls *, unsigned);
static bool	 tls_is_ip(const char *);
static int	 tls_want(struct tls *);
static int	 tls_peer_cert(struct tls *, gnutls_x509_crt_t *);
static void	 tls_add_cert_names(gnutls_x509_crt_t, struct buf *);
static void	 tls_add_cert_date(struct tls *, unsigned, struct buf *);
static void	 tls_error(struct tls *, int, bool, enum err_class *, char **);
static int	 tls_read_file(const char *, struct buf *, char **);
static char	*tls_strerror(int);

static ssize_t
tls_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	struct tls	*t = ptr;
	ssize_t		 n;

	/* MSG_NOSIGNAL: a peer that hung up must not kill us with SIGPIPE. */
	n = send(t->fd, data, len, MSG_NOSIGNAL);
	if (n == -1) {
		t->io_errno = errno;
		gnutls_transport_set_errno(t->session, errno);
	}
	return n;
}

/*
 * The system's CAs take milliseconds to parse and are needed only for the
 * server's certificate: they are read when the first read of the
 * handshake comes, i.e. once the ClientHello is out and while its answer
 * crosses the network.
 */
static void
tls_load_trust(struct tls *t)
{
	int	r;

	t->trust_pending = false;
	if (t->cred == NULL || t->system_trust)
		return;
	t->system_trust = true;
	log_debug("TLS %s: reading the system's trusted CAs", t->peer);
	r = gnutls_certificate_set_x509_system_trust(t->cred);
	if (r < 0)
		log_warn("cannot load the system's trusted CAs: %s",
		    gnutls_strerror(r));
}

static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	struct tls	*t = ptr;
	ssize_t		 n;

	if (t->trust_pending)
		tls_load_trust(t);
	n = recv(t->fd, data, len, 0);
	if (n == -1) {
		t->io_errno = errno;
		gnutls_transport_set_errno(t->session, errno);
	} else if (n == 0)
		t->io_eof = true;
	return n;
}

static int
tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct tls	*t = ptr;
	struct pollfd	 pfd;

	pfd.fd = t->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

static bool
tls_is_ip(const char *host)
{
	unsigned char	 addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

struct tls *
tls_new(const struct tls_params *p, enum err_class *cls_r, char **error_r)
{
	struct tls	*t;
	char		*why;
	int		 r;

	t = xcalloc(1, sizeof *t);
	t->fd = p->fd;
	t->host = xstrdup(p->host);
	t->peer = xstrdup(p->peer);
	if (p->pin != NULL) {
		t->pinned = true;
		memcpy(t->pin, p->pin, sizeof t->pin);
	}

	if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0)
		goto fail;
	/* A pinned certificate needs no CA, so skip parsing the store; with
	 * a CA file, the store is parsed only if the file does not vouch
	 * for the server (tls_verify_chain): a megabytes-large list of
	 * parsed certificates for nothing otherwise. */
	t->trust_pending = !t->pinned && p->ca_file == NULL;
	if (p->ca_file != NULL) {
		r = gnutls_certificate_set_x509_trust_file(t->cred, p->ca_file,
		    GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			*cls_r = ERR_CONFIG;
			if (r == 0)
				why = xstrdup("no certificates in it");
			else if (access(p->ca_file, R_OK) == -1)
				why = xstrdup(strerror(errno));
			else
				why = tls_strerror(r);
			*error_r = xasprintf("cannot use CA file %s: %s",
			    p->ca_file, why);
			free(why);
			tls_free(&t);
			return NULL;
		}
	}

	if ((r = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
		goto fail;
	if ((r = gnutls_set_default_priority(t->session)) < 0)
		goto fail;
	r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (r < 0)
		goto fail;
	/* RFC 6066 forbids literal addresses in SNI. */
	if (!tls_is_ip(t->host)) {
		r = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, t->host,
		    strlen(t->host));
		if (r < 0)
			goto fail;
	}
	gnutls_session_set_ptr(t->session, t);
	if (p->session_file != NULL) {
		t->session_file = xstrdup(p->session_file);
		t->session_key = tls_resume_key(t->peer, p->ca_file,
		    t->pinned ? t->pin : NULL, sizeof t->pin);
		tls_resume_load(t->session, t->session_file, t->session_key);
	}
	gnutls_session_set_verify_function(t->session, t->pinned ?
	    tls_verify_pin : tls_verify_chain);
	/* conn.c owns the deadline; GnuTLS must never wait on its own. */
	gnutls_handshake_set_timeout(t->session, 0);
	gnutls_transport_set_ptr(t->session, t);
	gnutls_transport_set_push_function(t->session, tls_push);
	gnutls_transport_set_pull_function(t->session, tls_pull);
	gnutls_transport_set_pull_timeout_function(t->session, tls_pull_timeout);
	return t;

fail:
	*cls_r = ERR_TLS;
	why = tls_strerror(r);
	*error_r = xasprintf("cannot set up TLS for %s: %s", t->peer, why);
	free(why);
	tls_free(&t);
	return NULL;
}

void
tls_free(struct tls **tp)
{
	struct tls	*t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	if (t->session != NULL && t->session_file != NULL && t->session_saved != 1)
		(void)tls_resume_save(t->session, t->session_file, t->session_key);
	if (t->session != NULL)
		gnutls_deinit(t->session);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	free(t->host);
	free(t->peer);
	free(t->verify_error);
	free(t->desc);
	free(t->session_file);
	free(t->session_key);
	free(t);
}

/* GnuTLS words errors as sentences; ours continue after a colon. */
static char *
tls_strerror(int r)
{
	char	*s = xstrdup(gnutls_strerror(r));
	size_t	 len = strlen(s);

	if (len > 0 && s[len - 1] == '.')
		s[len - 1] = '\0';
	if (isupper((unsigned char)s[0]) && islower((unsigned char)s[1]))
		s[0] = (char)tolower((unsigned char)s[0]);
	return s;
}

static int
tls_want(struct tls *t)
{
	return gnutls_record_get_direction(t->session) == 1 ? EV_WRITE : EV_READ;
}

/* Called by GnuTLS once the server's certificate has arrived. */
static int
tls_verify_pin(gnutls_session_t session)
{
	struct tls		*t = gnutls_session_get_ptr(session);
	const gnutls_datum_t	*certs;
	unsigned		 n = 0;
	unsigned char		 got[TLS_SHA256_LEN];
	char			*got_s, *want_s;

	certs = gnutls_certificate_get_peers(session, &n);
	if (certs == NULL || n == 0) {
		t->verify_error = xasprintf("the server %s sent no certificate",
		    t->peer);
		return -1;
	}
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
	    got) < 0) {
		t->verify_error = xasprintf("cannot hash the certificate of %s",
		    t->host);
		return -1;
	}
	/* Pinning replaces CA and host-name checks: the user chose this
	 * exact certificate. */
	if (memcmp(got, t->pin, sizeof got) == 0)
		return 0;
	got_s = tls_format_fingerprint(got);
	want_s = tls_format_fingerprint(t->pin);
	t->verify_error = xasprintf("certificate fingerprint mismatch for %s: "
	    "got %s, expected %s", t->host, got_s, want_s);
	free(got_s);
	free(want_s);
	return -1;
}

/*
 * Called by GnuTLS once the server's certificate has arrived: the chain
 * against the CA file and, if that is not enough, the system's CAs too
 * (read now if they were not), and the host name.
 */
static int
tls_verify_chain(gnutls_session_t session)
{
	struct tls	*t = gnutls_session_get_ptr(session);
	unsigned	 status = 0;
	int		 r;

	r = gnutls_certificate_verify_peers3(session, t->host, &status);
	if (r == 0 && status == 0)
		return 0;
	if (!t->system_trust && !t->pinned) {
		tls_load_trust(t);
		status = 0;
		r = gnutls_certificate_verify_peers3(session, t->host, &status);
		if (r == 0 && status == 0)
			return 0;
	}
	if (r < 0) {
		t->verify_error = xasprintf("cannot verify the certificate of %s: %s",
		    t->host, gnutls_strerror(r));
		return -1;
	}
	t->verify_error = tls_cert_error(t, status);
	return -1;
}

static int
tls_peer_cert(struct tls *t, gnutls_x509_crt_t *crt_r)
{
	const gnutls_datum_t	*certs;
	unsigned		 n = 0;

	certs = gnutls_certificate_get_peers(t->session, &n);
	if (certs == NULL || n == 0)
		return -1;
	if (gnutls_x509_crt_init(crt_r) < 0)
		return -1;
	if (gnutls_x509_crt_import(*crt_r, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(*crt_r);
		return -1;
	}
	return 0;
}

/* "a.example, b.example": whom the certificate was issued for. */
static void
tls_add_cert_names(gnutls_x509_crt_t crt, struct buf *b)
{
	char		 name[256], ip[INET6_ADDRSTRLEN], *clean;
	size_t		 size, start = b->len;
	unsigned	 i, shown = 0;
	int		 type;

	for (i = 0; i < 64 && shown < 4; i++) {
		size = sizeof name - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &size,
		    NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			name[size] = '\0';
		} else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 ||
		    size == 16)) {
			if (inet_ntop(size == 4 ? AF_INET : AF_INET6, name, ip,
			    sizeof ip) == NULL)
				continue;
			snprintf(name, sizeof name, "%s", ip);
		} else
			continue;
		/* The server chose these bytes: no control characters. */
		clean = str_sanitize(name);
		buf_printf(b, "%s%s", shown++ ? ", " : "", clean);
		free(clean);
	}
	if (b->len == start) {
		size = sizeof name;
		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
		    0, 0, name, &size) == 0) {
			clean = str_sanitize(name);
			buf_adds(b, clean);
			free(clean);
		} else
			buf_adds(b, "another name");
	}
}

static void
tls_add_cert_date(struct tls *t, unsigned flag, struct buf *b)
{
	gnutls_x509_crt_t	 crt;
	time_t			 when;
	struct tm		 tm;
	char			 day[32];
	bool			 expired = flag == GNUTLS_CERT_EXPIRED;

	buf_adds(b, expired ? "the certificate expired" :
	    "the certificate is not valid yet");
	if (tls_peer_cert(t, &crt) == -1)
		return;
	when = expired ? gnutls_x509_crt_get_expiration_time(crt) :
	    gnutls_x509_crt_get_activation_time(crt);
	gnutls_x509_crt_deinit(crt);
	if (when == (time_t)-1 || gmtime_r(&when, &tm) == NULL)
		return;
	strftime(day, sizeof day, "%Y-%m-%d %H:%M UTC", &tm);
	buf_printf(b, expired ? " on %s" : " until %s", day);
}

static char *
tls_cert_error(struct tls *t, unsigned status)
{
	struct buf		 b = BUF_INIT;
	gnutls_datum_t		 out;
	gnutls_x509_crt_t	 crt;
	unsigned		 flag;
	size_t			 i, start;

	buf_printf(&b, "TLS certificate for %s is not trusted: ", t->host);
	start = b.len;
	for (i = 0; i < sizeof tls_cert_problems / sizeof tls_cert_problems[0];
	    i++) {
		flag = tls_cert_problems[i].flag;
		if ((status & flag) == 0)
			continue;
		if (b.len > start)
			buf_adds(&b, "; ");
		if (tls_cert_problems[i].text != NULL)
			buf_adds(&b, tls_cert_problems[i].text);
		else if (flag == GNUTLS_CERT_UNEXPECTED_OWNER) {
			buf_adds(&b, "it was issued for ");
			if (tls_peer_cert(t, &crt) == 0) {
				tls_add_cert_names(crt, &b);
				gnutls_x509_crt_deinit(crt);
			} else
				buf_adds(&b, "another name");
		} else
			tls_add_cert_date(t, flag, &b);
	}
	/* A problem this table does not know: let GnuTLS word it. */
	if (b.len == start) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0) == 0) {
			buf_adds(&b, (const char *)out.data);
			gnutls_free(out.data);
		} else
			buf_adds(&b, "verification failed");
	}
	return buf_steal(&b);
}

static void
tls_error(struct tls *t, int r, bool handshake, enum err_class *cls_r,
    char **error_r)
{
	const char	*what = handshake ? "TLS handshake with" :
			    "TLS error on the connection to";
	char		*why;

	*cls_r = ERR_TLS;
	if (t->verify_error != NULL) {
		*error_r = xstrdup(t->verify_error);
	} else if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		*error_r = tls_cert_error(t,
		    gnutls_session_get_verify_cert_status(t->session));
	} else if (r == GNUTLS_E_PUSH_ERROR || r == GNUTLS_E_PULL_ERROR) {
		*cls_r = ERR_NETWORK;
		*error_r = xasprintf("connection to %s %s: %s", t->peer,
		    handshake ? "failed" : "lost", strerror(t->io_errno));
	} else if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		*error_r = xasprintf("%s %s failed: the server sent the alert "
		    "\"%s\"", what, t->peer,
		    gnutls_alert_get_name(gnutls_alert_get(t->session)));
	} else if (t->io_eof) {
		*error_r = xasprintf("%s %s failed: the server closed the "
		    "connection", what, t->peer);
	} else {
		why = tls_strerror(r);
		*error_r = xasprintf("%s %s failed: %s", what, t->peer, why);
		free(why);
	}
}

int
tls_handshake(struct tls *t, int *want_r, enum err_class *cls_r,
    char **error_r)
{
	int	 r;

	for (;;) {
		r = gnutls_handshake(t->session);
		if (r == GNUTLS_E_SUCCESS)
			break;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			*want_r = tls_want(t);
			return 0;
		}
		if (gnutls_error_is_fatal(r)) {
			tls_error(t, r, true, cls_r, error_r);
			return -1;
		}
		/* A warning alert: the handshake goes on. */
		log_debug("TLS handshake with %s: %s", t->peer,
		    gnutls_strerror(r));
	}

	/* The credentials were for the handshake: the parsed system CAs
	 * are megabytes nothing needs any more (renegotiation is refused
	 * and post-handshake authentication is not offered). */
	gnutls_credentials_clear(t->session);
	gnutls_certificate_free_credentials(t->cred);
	t->cred = NULL;
	free(t->desc);
	t->desc = xasprintf("%s / %s%s",
	    gnutls_protocol_get_name(gnutls_protocol_get_version(t->session)),
	    gnutls_cipher_get_name(gnutls_cipher_get(t->session)),
	    gnutls_session_is_resumed(t->session) ? ", resumed" : "");
	return 1;
}

ssize_t
tls_recv(struct tls *t, void *data, size_t len, int *want_r,
    enum err_class *cls_r, char **error_r)
{
	ssize_t	 r;
	int	 tries;

	for (tries = 0; tries < 16; tries++) {
		r = gnutls_record_recv(t->session, data, len);
		/* The server's ticket comes with the first records after
		 * the handshake: kept once for the next connection. A
		 * failure (the cache directory not made yet) is tried again
		 * when the connection ends. */
		if (t->session_file != NULL && t->session_saved == 0)
			t->session_saved = tls_resume_save(t->session,
			    t->session_file, t->session_key);
		if (r >= 0)
			return r;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			*want_r = tls_want(t);
			return TLS_AGAIN;
		}
		/* IMAP and SMTP frame their own data, and many servers hang
		 * up without close_notify: that is an ordinary end. */
		if (r == GNUTLS_E_PREMATURE_TERMINATION) {
			log_debug("%s closed without close_notify", t->peer);
			return TLS_EOF;
		}
		if (gnutls_error_is_fatal(r)) {
			tls_error(t, (int)r, false, cls_r, error_r);
			return TLS_ERROR;
		}
		/* Warning alerts, a renegotiation request we ignore. */
		log_debug("TLS on %s: %s", t->peer, gnutls_strerror((int)r));
	}
	*want_r = EV_READ;
	return TLS_AGAIN;
}

ssize_t
tls_send(struct tls *t, const void *data, size_t len, int *want_r,
    enum err_class *cls_r, char **error_r)
{
	ssize_t	 r;

	/* GnuTLS has the record already: it wants the same call again. */
	if (t->send_len != 0)
		len = t->send_len;
	else if (len > TLS_RECORD_MAX)
		len = TLS_RECORD_MAX;
	r = gnutls_record_send(t->session, data, len);
	if (r >= 0) {
		t->send_len = 0;
		return r;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		t->send_len = len;
		*want_r = tls_want(t);
		return TLS_AGAIN;
	}
	tls_error(t, (int)r, false, cls_r, error_r);
	return TLS_ERROR;
}

size_t
tls_pending(struct tls *t)
{
	return gnutls_record_check_pending(t->session);
}

void
tls_bye(struct tls *t)
{
	if (t->send_len == 0)
		(void)gnutls_bye(t->session, GNUTLS_SHUT_WR);
}

const char *
tls_description(struct tls *t)
{
	return t->desc;
}

int
tls_channel_binding(struct tls *t, const char *type, struct buf *out)
{
	gnutls_protocol_t	 version;
	gnutls_datum_t		 cb;
	size_t			 i;

	if (t->desc == NULL)
		return -1;
	version = gnutls_protocol_get_version(t->session);
	for (i = 0; i < sizeof tls_cb_types / sizeof tls_cb_types[0]; i++) {
		if (strcmp(tls_cb_types[i].name, type) == 0)
			break;
	}
	if (i == sizeof tls_cb_types / sizeof tls_cb_types[0])
		return -1;
	/* tls-unique is undefined for TLS 1.3 (RFC 8446 section C.5), and
	 * tls-exporter under TLS 1.2 needs extended master secret (RFC 9266). */
	if (strcmp(type, "tls-unique") == 0 && version == GNUTLS_TLS1_3)
		return -1;
	if (strcmp(type, "tls-exporter") == 0 && version != GNUTLS_TLS1_3 &&
	    !gnutls_session_ext_master_secret_status(t->session))
		return -1;
	if (gnutls_session_channel_binding(t->session, tls_cb_types[i].type,
	    &cb) < 0)
		return -1;
	buf_add(out, cb.data, cb.size);
	gnutls_free(cb.data);
	return 0;
}

const char *
tls_channel_binding_type(struct tls *t)
{
	if (t->desc == NULL)
		return NULL;
	switch (gnutls_protocol_get_version(t->session)) {
	case GNUTLS_TLS1_3:
		return TLS_HAVE_CB_EXPORTER ? "tls-exporter" : NULL;
	case GNUTLS_TLS1_2:
	case GNUTLS_TLS1_1:
	case GNUTLS_TLS1_0:
		return "tls-unique";
	default:
		return NULL;
	}
}

int
tls_parse_fingerprint(const char *s, unsigned char out[TLS_SHA256_LEN])
{
	size_t	 n = 0;
	int	 hi = -1, v;

	if (str_has_iprefix(s, "sha256:"))
		s += strlen("sha256:");
	for (; *s != '\0'; s++) {
		if (*s == ':') {
			/* Colons only between whole bytes. */
			if (hi != -1 || n == 0)
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)*s) || n == TLS_SHA256_LEN)
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi == -1)
			hi = v;
		else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n == TLS_SHA256_LEN && hi == -1 ? 0 : -1;
}

char *
tls_format_fingerprint(const unsigned char fp[TLS_SHA256_LEN])
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < TLS_SHA256_LEN; i++)
		buf_printf(&b, "%s%02X", i ? ":" : "", fp[i]);
	return buf_steal(&b);
}

static int
tls_read_file(const char *path, struct buf *b, char **error_r)
{
	FILE	*fp;
	char	 chunk[4096];
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		*error_r = xasprintf("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(b, chunk, n);
	if (ferror(fp)) {
		*error_r = xasprintf("cannot read %s: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

int
conn_cert_fingerprint(const char *pem_file, char **fp_r, char **error_r)
{
	struct buf		 b = BUF_INIT;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 d;
	unsigned char		 fp[TLS_SHA256_LEN];
	size_t			 size = sizeof fp;
	char			*why;
	int			 r;

	if (tls_read_file(pem_file, &b, error_r) == -1) {
		buf_free(&b);
		return -1;
	}
	if ((r = gnutls_x509_crt_init(&crt)) < 0) {
		why = tls_strerror(r);
		*error_r = xasprintf("%s: %s", pem_file, why);
		free(why);
		buf_free(&b);
		return -1;
	}
	d.data = (unsigned char *)b.data;
	d.size = (unsigned)b.len;
	r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	if (r == 0)
		r = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
		    &size);
	gnutls_x509_crt_deinit(crt);
	buf_free(&b);
	if (r < 0 || size != sizeof fp) {
		why = r < 0 ? tls_strerror(r) : xstrdup("unexpected digest size");
		*error_r = xasprintf("%s is not a PEM certificate: %s", pem_file,
		    why);
		free(why);
		return -1;
	}
	*fp_r = tls_format_fingerprint(fp);
	return 0;
}
