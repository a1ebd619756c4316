/*
 * Tests for conn: plain and TLS connections to a server in this process,
 * driven by the same event loop, on 127.0.0.1 only. Certificates are made
 * at start-up with GnuTLS's x509 API in a temporary directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* MSG_NOSIGNAL, mkdtemp */
#endif
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <linux/sockios.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "crispin/buf.h"
#include "crispin/conn.h"
#include "crispin/event.h"
#include "crispin/xalloc.h"
#include "test.h"

#define WAIT_MS		5000
#define BIG		(3 * 1024 * 1024 + 17)

enum srv_tls {
	SRV_PLAIN,
	SRV_HANDSHAKE,
	SRV_UP,
	SRV_FAILED,
};

/* A test server on 127.0.0.1, driven by the loop under test. */
struct srv {
	struct ev_loop		*loop;
	int			 lfd;
	char			 port[16];
	struct ev_fd		*lw;
	int			 fd;
	struct ev_fd		*w;

	const char		*cert;		/* PEM file, or NULL: plain only */
	const char		*key;
	const char		*priority;	/* or NULL for the default */
	bool			 implicit_tls;	/* handshake right after accept */
	bool			 inject_after_hello;
	const char		*greeting;
	bool			 close_at_once;	/* hang up right after accept */

	gnutls_certificate_credentials_t cred;
	gnutls_session_t	 session;
	enum srv_tls		 tls;
	struct buf		 cb_exporter;	/* the server's channel bindings */
	struct buf		 cb_unique;

	struct buf		 in;		/* received (decrypted) */
	size_t			 in_total;
	bool			 keep_in;	/* keep bytes, or only count them */
	struct buf		 out;
	bool			 eof;
	bool			 bye_sent;

	void			(*on_input)(struct srv *);
	void			(*on_tls)(struct srv *);
	void			*arg;
};

struct cli {
	struct conn		*c;
	bool			 connected;
	bool			 tls_ready;
	bool			 closed;
	enum err_class		 cls;
	char			*msg;
	struct buf		 in;		/* everything delivered */
	size_t			 in_total;
	bool			 keep_in;
	bool			 starttls_sent;
	size_t			 starttls_at;	/* in.len when STARTTLS began */
	bool			 free_in_data;
	bool			 free_in_connected;
	void			(*on_data)(struct cli *);
	void			(*on_tls)(struct cli *);
	struct srv		*srv;
};

static char	 tmpdir[256];
static char	 cert_a[300], key_a[300];	/* 127.0.0.1, self-signed */
static char	 cert_b[300], key_b[300];	/* other.example */
static char	 cert_old[300], key_old[300];	/* 127.0.0.1, expired */
static bool	 srv_got_cmd;
static bool	 starttls_inject_before;	/* or after the ClientHello */

static int	 make_cert(const char *, const char *, const char *,
		    const char *, time_t, time_t);
static void	 srv_init(struct srv *, struct ev_loop *);
static void	 srv_listen(struct srv *, bool);
static void	 srv_free(struct srv *);
static void	 srv_accept(int, int, void *);
static void	 srv_tls_begin(struct srv *);
static void	 srv_update(struct srv *);
static void	 srv_send(struct srv *, const char *, size_t);
static void	 srv_flush(struct srv *);
static void	 srv_handshake(struct srv *);
static void	 srv_io(int, int, void *);
static void	 cli_connected(void *);
static void	 cli_data(const char *, size_t, void *);
static void	 cli_tls_ready(void *);
static void	 cli_closed(enum err_class, const char *, void *);
static void	 cli_init(struct cli *, struct srv *);
static void	 cli_free(struct cli *);
static struct conn *cli_conn(struct cli *, struct ev_loop *, const char *,
		    enum conn_tls, const char *, const char *, unsigned);
static bool	 run_until(struct ev_loop *, const bool *, const bool *,
		    int);
static bool	 wait_len(struct ev_loop *, const size_t *, size_t,
		    const bool *);
static void	 run_turns(struct ev_loop *, int);
static void	 fill_pattern(char *, size_t, unsigned);
static bool	 check_pattern(const char *, size_t, unsigned);
static bool	 has(const char *, const char *);
static char	*fp_variant(const char *, bool, bool, const char *);
static int	 fill_backlog(const char *);
static void	 inject_and_wait(int);
static void	 tls_try(struct cli *, struct srv *, struct ev_loop *,
		    const char *, const char *, const char *, const char *);
static void	 plain_srv_input(struct srv *);
static void	 tls_srv_input(struct srv *);
static void	 st_srv_input(struct srv *);
static void	 st_srv_tls(struct srv *);
static void	 st_cli_data(struct cli *);
static void	 st_cli_tls(struct cli *);
static void	 setup_certs(void);
static void	 cleanup_certs(void);
static void	 test_plain(void);
static void	 test_refused(void);
static void	 test_timeouts(void);
static void	 test_addresses(void);
static void	 test_tls_verify(void);
static void	 test_tls_ok(void);
static void	 test_tls12_binding(void);
static void	 test_fingerprint(void);
static void	 test_starttls(void);
static void	 test_free_inside(void);
static void	 test_peer_gone(void);

static int
make_cert(const char *cert_path, const char *key_path, const char *dns,
    const char *ip, time_t from, time_t until)
{
	gnutls_x509_privkey_t	 key;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 d;
	unsigned char		 serial[8], addr[4];
	const char		*cn = dns != NULL ? dns : ip;
	FILE			*fp;
	int			 r = 0;

	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
	serial[0] &= 0x7f;
	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
		return -1;
	gnutls_x509_crt_init(&crt);
	r |= gnutls_x509_crt_set_version(crt, 3);
	r |= gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
	r |= gnutls_x509_crt_set_activation_time(crt, from);
	r |= gnutls_x509_crt_set_expiration_time(crt, until);
	r |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    cn, strlen(cn));
	r |= gnutls_x509_crt_set_key(crt, key);
	r |= gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
	r |= gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_CERT_SIGN);
	r |= gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (dns != NULL)
		r |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
		    dns, strlen(dns), GNUTLS_FSAN_APPEND);
	if (ip != NULL && inet_pton(AF_INET, ip, addr) == 1)
		r |= gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_IPADDRESS, addr, sizeof addr, GNUTLS_FSAN_APPEND);
	r |= gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (r != 0)
		goto out;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0) {
		r = -1;
		goto out;
	}
	if ((fp = fopen(cert_path, "w")) != NULL) {
		fwrite(d.data, 1, d.size, fp);
		fclose(fp);
	} else
		r = -1;
	gnutls_free(d.data);
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) < 0) {
		r = -1;
		goto out;
	}
	if ((fp = fopen(key_path, "w")) != NULL) {
		fwrite(d.data, 1, d.size, fp);
		fclose(fp);
	} else
		r = -1;
	gnutls_free(d.data);
out:
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return r == 0 ? 0 : -1;
}

static void
srv_init(struct srv *s, struct ev_loop *loop)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->lfd = s->fd = -1;
	s->keep_in = true;
	buf_init(&s->in);
	buf_init(&s->out);
	buf_init(&s->cb_exporter);
	buf_init(&s->cb_unique);
}

/* accept: false leaves connections in the kernel's queue. */
static void
srv_listen(struct srv *s, bool accept_them)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	if (s->cert != NULL) {
		gnutls_certificate_allocate_credentials(&s->cred);
		if (gnutls_certificate_set_x509_key_file(s->cred, s->cert, s->key,
		    GNUTLS_X509_FMT_PEM) < 0)
			abort();
	}
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->lfd == -1 || bind(s->lfd, (struct sockaddr *)&sin, sizeof sin) ||
	    listen(s->lfd, accept_them ? 8 : 0) ||
	    getsockname(s->lfd, (struct sockaddr *)&sin, &len))
		abort();
	snprintf(s->port, sizeof s->port, "%u", ntohs(sin.sin_port));
	if (accept_them)
		s->lw = ev_fd_add(s->loop, s->lfd, EV_READ, srv_accept, s);
}

static void
srv_free(struct srv *s)
{
	ev_fd_free(&s->lw);
	ev_fd_free(&s->w);
	if (s->session != NULL)
		gnutls_deinit(s->session);
	if (s->cred != NULL)
		gnutls_certificate_free_credentials(s->cred);
	if (s->fd != -1)
		close(s->fd);
	if (s->lfd != -1)
		close(s->lfd);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->cb_exporter);
	buf_free(&s->cb_unique);
}

static void
srv_accept(int fd, int events, void *arg)
{
	struct srv	*s = arg;
	int		 cfd, on = 1;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1)
		return;
	if (s->close_at_once || s->fd != -1) {
		close(cfd);
		return;
	}
	/* Small writes go out at once, so tests control what is on the
	 * wire when. */
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	s->fd = cfd;
	s->w = ev_fd_add(s->loop, cfd, EV_READ, srv_io, s);
	if (s->implicit_tls)
		srv_tls_begin(s);
	else if (s->greeting != NULL)
		srv_send(s, s->greeting, strlen(s->greeting));
}

static void
srv_tls_begin(struct srv *s)
{
	gnutls_init(&s->session, GNUTLS_SERVER | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL);
	if (s->priority != NULL)
		gnutls_priority_set_direct(s->session, s->priority, NULL);
	else
		gnutls_set_default_priority(s->session);
	gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, s->cred);
	gnutls_transport_set_int(s->session, s->fd);
	s->tls = SRV_HANDSHAKE;
	srv_update(s);
}

static void
srv_update(struct srv *s)
{
	int	 ev = EV_READ;

	if (s->w == NULL)
		return;
	if (s->tls == SRV_HANDSHAKE)
		ev = gnutls_record_get_direction(s->session) ? EV_WRITE : EV_READ;
	else if (s->tls == SRV_FAILED || s->eof)
		ev = s->out.len > 0 ? EV_WRITE : 0;
	else if (s->out.len > 0)
		ev |= EV_WRITE;
	ev_fd_set(s->w, ev);
}

static void
srv_send(struct srv *s, const char *data, size_t len)
{
	buf_add(&s->out, data, len);
	srv_flush(s);
}

static void
srv_flush(struct srv *s)
{
	ssize_t	 n;

	while (s->out.len > 0 && s->tls != SRV_HANDSHAKE && s->fd != -1) {
		if (s->tls == SRV_UP)
			n = gnutls_record_send(s->session, s->out.data,
			    s->out.len > 16384 ? 16384 : s->out.len);
		else
			n = send(s->fd, s->out.data, s->out.len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		buf_consume(&s->out, (size_t)n);
	}
	srv_update(s);
}

static void
srv_handshake(struct srv *s)
{
	gnutls_datum_t	 cb;
	int		 r;

	/* A man in the middle's plaintext, after the ClientHello. */
	if (s->inject_after_hello) {
		s->inject_after_hello = false;
		send(s->fd, "* INJECTED\r\n", 12, MSG_NOSIGNAL);
	}
	r = gnutls_handshake(s->session);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		srv_update(s);
		return;
	}
	if (r < 0) {
		s->tls = SRV_FAILED;
		srv_update(s);
		return;
	}
	s->tls = SRV_UP;
#if GNUTLS_VERSION_NUMBER >= 0x030702
	if (gnutls_session_channel_binding(s->session, GNUTLS_CB_TLS_EXPORTER,
	    &cb) == 0) {
		buf_add(&s->cb_exporter, cb.data, cb.size);
		gnutls_free(cb.data);
	}
#endif
	if (gnutls_session_channel_binding(s->session, GNUTLS_CB_TLS_UNIQUE,
	    &cb) == 0) {
		buf_add(&s->cb_unique, cb.data, cb.size);
		gnutls_free(cb.data);
	}
	if (s->greeting != NULL && s->implicit_tls)
		buf_adds(&s->out, s->greeting);
	if (s->on_tls != NULL)
		s->on_tls(s);
	srv_flush(s);
}

static void
srv_io(int fd, int events, void *arg)
{
	struct srv	*s = arg;
	char		 data[16384];
	ssize_t		 n;
	size_t		 before = s->in_total;

	if (s->tls == SRV_HANDSHAKE) {
		srv_handshake(s);
		return;
	}
	if (events & EV_READ) {
		for (;;) {
			if (s->tls == SRV_UP)
				n = gnutls_record_recv(s->session, data,
				    sizeof data);
			else if (s->tls == SRV_PLAIN)
				n = recv(fd, data, sizeof data, 0);
			else
				break;
			if (n == 0 || (n < 0 && s->tls == SRV_UP &&
			    n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED &&
			    gnutls_error_is_fatal((int)n))) {
				s->eof = true;
				break;
			}
			if (n < 0 && s->tls == SRV_PLAIN && errno != EAGAIN)
				s->eof = true;
			if (n < 0)
				break;
			s->in_total += (size_t)n;
			if (s->keep_in)
				buf_add(&s->in, data, (size_t)n);
		}
		if (s->in_total != before && s->on_input != NULL)
			s->on_input(s);
	}
	srv_flush(s);
}

static void
cli_connected(void *arg)
{
	struct cli	*cl = arg;

	cl->connected = true;
	if (cl->free_in_connected)
		conn_free(&cl->c);
}

static void
cli_data(const char *data, size_t len, void *arg)
{
	struct cli	*cl = arg;

	cl->in_total += len;
	if (cl->keep_in)
		buf_add(&cl->in, data, len);
	if (cl->free_in_data) {
		conn_free(&cl->c);
		return;
	}
	if (cl->on_data != NULL)
		cl->on_data(cl);
}

static void
cli_tls_ready(void *arg)
{
	struct cli	*cl = arg;

	cl->tls_ready = true;
	if (cl->on_tls != NULL)
		cl->on_tls(cl);
}

/* The usual owner: frees conn from inside closed. */
static void
cli_closed(enum err_class cls, const char *msg, void *arg)
{
	struct cli	*cl = arg;

	TEST_CHECK(!cl->closed, "closed is called once");
	cl->closed = true;
	cl->cls = cls;
	free(cl->msg);
	cl->msg = xstrdup(msg != NULL ? msg : "(null)");
	conn_free(&cl->c);
}

static const struct conn_callbacks cli_callbacks = {
	.connected = cli_connected,
	.data = cli_data,
	.tls_ready = cli_tls_ready,
	.closed = cli_closed,
};

static void
cli_init(struct cli *cl, struct srv *s)
{
	memset(cl, 0, sizeof *cl);
	cl->keep_in = true;
	cl->srv = s;
	buf_init(&cl->in);
}

static void
cli_free(struct cli *cl)
{
	conn_free(&cl->c);
	free(cl->msg);
	buf_free(&cl->in);
}

static struct conn *
cli_conn(struct cli *cl, struct ev_loop *loop, const char *port,
    enum conn_tls tls, const char *ca_file, const char *fp, unsigned tmo)
{
	struct conn_params	 p;

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.tls = tls;
	p.ca_file = ca_file;
	p.fingerprint = fp;
	p.connect_timeout_ms = tmo;
	cl->c = conn_new(loop, &p, &cli_callbacks, cl);
	return cl->c;
}

/* Runs the loop until *a (or *b) is true; false on timeout. */
static bool
run_until(struct ev_loop *loop, const bool *a, const bool *b, int ms)
{
	uint64_t	 start = ev_now(loop);

	while (!*a && (b == NULL || !*b)) {
		if (ev_now(loop) - start > (uint64_t)ms)
			return false;
		if (ev_loop_run_once(loop, 50) == -1)
			return false;
	}
	return true;
}

/* Runs the loop until *len reaches want, *stop is set, or time is up. */
static bool
wait_len(struct ev_loop *loop, const size_t *len, size_t want,
    const bool *stop)
{
	uint64_t	 start = ev_now(loop);

	while (*len < want && !*stop) {
		if (ev_now(loop) - start > WAIT_MS)
			return false;
		if (ev_loop_run_once(loop, 50) == -1)
			return false;
	}
	return *len >= want;
}

static void
run_turns(struct ev_loop *loop, int n)
{
	while (n-- > 0)
		ev_loop_run_once(loop, 10);
}

static void
fill_pattern(char *p, size_t len, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (char)('a' + (i * 7 + seed + i / 4093) % 26);
}

static bool
check_pattern(const char *p, size_t len, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p[i] != (char)('a' + (i * 7 + seed + i / 4093) % 26))
			return false;
	}
	return true;
}

static bool
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* Plain: greeting in, command out, big transfers both ways, clean EOF. */

static void
plain_srv_input(struct srv *s)
{
	if (has(buf_cstr(&s->in), "a1 NOOP\r\n"))
		srv_got_cmd = true;
}

static void
test_plain(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	struct buf	 cb = BUF_INIT;
	char		*big;

	srv_init(&s, loop);
	s.greeting = "* OK hello\r\n";
	s.on_input = plain_srv_input;
	srv_got_cmd = false;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	conn_write(cl.c, "a1 NOOP\r\n", 9);
	TEST_INTEQ(conn_pending_output(cl.c), 9, "writes are queued");

	TEST_CHECK(run_until(loop, &cl.connected, &cl.closed, WAIT_MS),
	    "plain connect");
	TEST_CHECK(cl.connected && !cl.closed, "connected, not closed: %s",
	    cl.msg ? cl.msg : "");
	TEST_CHECK(!conn_is_tls(cl.c), "no TLS");
	TEST_CHECK(conn_tls_description(cl.c) == NULL, "no TLS description");
	TEST_CHECK(conn_channel_binding_type(cl.c) == NULL, "no binding type");
	TEST_INTEQ(conn_channel_binding(cl.c, "tls-unique", &cb), -1,
	    "no channel binding without TLS");
	TEST_CHECK(run_until(loop, &srv_got_cmd, NULL, WAIT_MS),
	    "the server got the command");
	wait_len(loop, &cl.in.len, 12, &cl.closed);
	TEST_STREQ(buf_cstr(&cl.in), "* OK hello\r\n", "the client got the greeting");
	TEST_INTEQ(conn_pending_output(cl.c), 0, "output flushed");

	/* conn_push: on the wire at once, not when the loop turns next. */
	buf_reset(&s.in);
	s.in_total = 0;
	conn_write(cl.c, "a2 NOOP\r\n", 9);
	TEST_INTEQ(conn_pending_output(cl.c), 9, "queued until the loop turns");
	conn_push(cl.c);
	TEST_INTEQ(conn_pending_output(cl.c), 0, "conn_push wrote it out");
	wait_len(loop, &s.in_total, 9, &cl.closed);
	TEST_STREQ(buf_cstr(&s.in), "a2 NOOP\r\n", "the server got it");

	/* Bigger than any socket buffer: partial writes and EV_WRITE. */
	big = xmalloc(BIG);
	fill_pattern(big, BIG, 1);
	buf_reset(&s.in);
	s.in_total = 0;
	conn_write(cl.c, big, BIG);
	wait_len(loop, &s.in_total, BIG, &cl.closed);
	TEST_INTEQ(s.in_total, BIG, "the server got every byte");
	TEST_CHECK(s.in.len == BIG && check_pattern(s.in.data, BIG, 1),
	    "in order");
	TEST_INTEQ(conn_pending_output(cl.c), 0, "nothing left to send");

	fill_pattern(big, BIG, 2);
	buf_reset(&cl.in);
	srv_send(&s, big, BIG);
	wait_len(loop, &cl.in.len, BIG, &cl.closed);
	TEST_INTEQ(cl.in.len, BIG, "the client got every byte");
	TEST_CHECK(cl.in.len == BIG && check_pattern(cl.in.data, BIG, 2),
	    "in order");

	/* The server hangs up: a clean close. */
	shutdown(s.fd, SHUT_WR);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS), "EOF seen");
	TEST_INTEQ(cl.cls, ERR_NONE, "EOF is a clean close: %s", cl.msg);
	TEST_CHECK(cl.c == NULL, "freed from inside closed");

	free(big);
	buf_free(&cb);
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

static void
test_refused(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	char		 port[16], want[128];

	/* A port that was just free: nothing listens there now. */
	srv_init(&s, loop);
	srv_listen(&s, true);
	snprintf(port, sizeof port, "%s", s.port);
	srv_free(&s);

	cli_init(&cl, NULL);
	cli_conn(&cl, loop, port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	TEST_CHECK(!cl.closed, "failures never come from inside conn_start");
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS), "refused");
	TEST_INTEQ(cl.cls, ERR_NETWORK, "refused is a network error");
	snprintf(want, sizeof want,
	    "connection to 127.0.0.1:%s failed: Connection refused", port);
	TEST_STREQ(cl.msg, want, "refused message");
	TEST_CHECK(!cl.connected, "never connected");
	cli_free(&cl);

	/* An unknown service name fails before any packet is sent. */
	cli_init(&cl, NULL);
	cli_conn(&cl, loop, "no-such-service-crispin", CONN_TLS_NONE, NULL,
	    NULL, 0);
	conn_start(cl.c);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS), "bad port");
	TEST_INTEQ(cl.cls, ERR_NETWORK, "bad port is a network error");
	TEST_CHECK(has(cl.msg, "no-such-service-crispin"), "names the port: %s",
	    cl.msg);
	cli_free(&cl);

	/* Freed before the failure is reported: no callback, no leak. */
	cli_init(&cl, NULL);
	cli_conn(&cl, loop, port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	conn_free(&cl.c);
	run_turns(loop, 5);
	TEST_CHECK(!cl.closed, "no closed after conn_free");
	cli_free(&cl);
	ev_loop_free(&loop);
}

/* Starts a connection that stays in the listener's queue. */
static int
fill_backlog(const char *port)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	int			 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(port));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		abort();
	(void)connect(fd, (struct sockaddr *)&sin, sizeof sin);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	(void)poll(&pfd, 1, 100);
	return fd;
}

static void
test_timeouts(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	uint64_t	 start;
	char		 want[128];
	int		 filler[2], i;

	/* The kernel completes TCP, but no one ever answers the
	 * ClientHello. */
	srv_init(&s, loop);
	srv_listen(&s, false);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_IMPLICIT, NULL, NULL, 300);
	start = ev_now(loop);
	conn_start(cl.c);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS),
	    "handshake times out");
	TEST_CHECK(ev_now(loop) - start >= 290, "not before the deadline");
	TEST_INTEQ(cl.cls, ERR_NETWORK, "a timeout is a network error");
	snprintf(want, sizeof want,
	    "TLS handshake with 127.0.0.1:%s timed out after 300 ms", s.port);
	TEST_STREQ(cl.msg, want, "timeout message");
	cli_free(&cl);
	srv_free(&s);

	/* A listener whose queue is full drops our SYNs: the TCP connect
	 * itself never completes. */
	srv_init(&s, loop);
	srv_listen(&s, false);
	for (i = 0; i < 2; i++)
		filler[i] = fill_backlog(s.port);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, NULL, NULL, 300);
	start = ev_now(loop);
	conn_start(cl.c);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS),
	    "connect times out");
	TEST_CHECK(!cl.connected, "never connected");
	TEST_CHECK(ev_now(loop) - start >= 290, "not before the deadline");
	TEST_INTEQ(cl.cls, ERR_NETWORK, "a timeout is a network error");
	snprintf(want, sizeof want,
	    "connection to 127.0.0.1:%s timed out after 300 ms", s.port);
	TEST_STREQ(cl.msg, want, "connect timeout message");
	for (i = 0; i < 2; i++)
		close(filler[i]);
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

/* A list of 127.0.0.1 addresses on these ports, as getaddrinfo makes. */
static void
loopback_addrs(struct addrinfo *ai, struct sockaddr_in *sin, const char *const *ports,
    size_t n)
{
	size_t	 i;

	memset(ai, 0, n * sizeof *ai);
	memset(sin, 0, n * sizeof *sin);
	for (i = 0; i < n; i++) {
		sin[i].sin_family = AF_INET;
		sin[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin[i].sin_port = htons((uint16_t)atoi(ports[i]));
		ai[i].ai_family = AF_INET;
		ai[i].ai_socktype = SOCK_STREAM;
		ai[i].ai_protocol = IPPROTO_TCP;
		ai[i].ai_addrlen = sizeof sin[i];
		ai[i].ai_addr = (struct sockaddr *)&sin[i];
		ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
	}
}

/* Every address a name resolves to is tried in turn, each with its own
 * timeout: one that never answers, one that refuses, then the server. */
static void
test_addresses(void)
{
	struct ev_loop		*loop = ev_loop_new();
	struct srv		 dead, good, gone;
	struct cli		 cl;
	struct addrinfo		 ai[3];
	struct sockaddr_in	 sin[3];
	const char		*ports[3];
	char			 refused[16], want[128];
	uint64_t		 start;
	int			 filler[2], i;

	srv_init(&dead, loop);
	srv_listen(&dead, false);
	for (i = 0; i < 2; i++)
		filler[i] = fill_backlog(dead.port);
	srv_init(&gone, loop);
	srv_listen(&gone, true);
	snprintf(refused, sizeof refused, "%s", gone.port);
	srv_free(&gone);
	srv_init(&good, loop);
	good.greeting = "* OK second address\r\n";
	srv_listen(&good, true);

	ports[0] = dead.port;
	ports[1] = refused;
	ports[2] = good.port;
	loopback_addrs(ai, sin, ports, 3);
	cli_init(&cl, &good);
	cli_conn(&cl, loop, good.port, CONN_TLS_NONE, NULL, NULL, 400);
	start = ev_now(loop);
	conn_start_addrs(cl.c, ai);
	TEST_CHECK(run_until(loop, &cl.connected, &cl.closed, WAIT_MS),
	    "connects through the third address");
	TEST_CHECK(cl.connected && !cl.closed, "connected, not failed: %s",
	    cl.msg != NULL ? cl.msg : "");
	TEST_CHECK(ev_now(loop) - start >= 390, "the first address had its time");
	wait_len(loop, &cl.in.len, 22, &cl.closed);
	TEST_STREQ(buf_cstr(&cl.in), "* OK second address\r\n",
	    "the greeting of the server that answered");
	cli_free(&cl);

	/* Two silent addresses: each gets the whole timeout, then it fails. */
	ports[1] = dead.port;
	loopback_addrs(ai, sin, ports, 2);
	cli_init(&cl, NULL);
	cli_conn(&cl, loop, dead.port, CONN_TLS_NONE, NULL, NULL, 300);
	start = ev_now(loop);
	conn_start_addrs(cl.c, ai);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS), "both time out");
	TEST_CHECK(!cl.connected, "never connected");
	TEST_CHECK(ev_now(loop) - start >= 590, "a timeout for each address, "
	    "took %llu ms", (unsigned long long)(ev_now(loop) - start));
	snprintf(want, sizeof want,
	    "connection to 127.0.0.1:%s timed out after 300 ms", dead.port);
	TEST_STREQ(cl.msg, want, "timeout message");
	cli_free(&cl);

	for (i = 0; i < 2; i++)
		close(filler[i]);
	srv_free(&dead);
	srv_free(&good);
	ev_loop_free(&loop);
}

/* Implicit TLS with one certificate setup; returns the client. */
static void
tls_try(struct cli *cl, struct srv *s, struct ev_loop *loop, const char *cert,
    const char *key, const char *ca_file, const char *fp)
{
	srv_init(s, loop);
	s->cert = cert;
	s->key = key;
	s->implicit_tls = true;
	s->greeting = "* OK secure\r\n";
	srv_listen(s, true);
	cli_init(cl, s);
	cli_conn(cl, loop, s->port, CONN_TLS_IMPLICIT, ca_file, fp, 0);
	conn_start(cl->c);
	run_until(loop, &cl->connected, &cl->closed, WAIT_MS);
}

static void
test_tls_verify(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;

	tls_try(&cl, &s, loop, cert_a, key_a, NULL, NULL);
	TEST_CHECK(cl.closed && !cl.connected, "untrusted certificate refused");
	TEST_INTEQ(cl.cls, ERR_TLS, "as a TLS error");
	TEST_STREQ(cl.msg, "TLS certificate for 127.0.0.1 is not trusted: "
	    "the certificate issuer is unknown", "untrusted message");
	TEST_INTEQ(cl.in.len, 0, "nothing delivered");
	cli_free(&cl);
	srv_free(&s);

	tls_try(&cl, &s, loop, cert_b, key_b, cert_b, NULL);
	TEST_CHECK(cl.closed && !cl.connected, "host-name mismatch refused");
	TEST_INTEQ(cl.cls, ERR_TLS, "as a TLS error");
	TEST_STREQ(cl.msg, "TLS certificate for 127.0.0.1 is not trusted: "
	    "it was issued for other.example", "mismatch message");
	cli_free(&cl);
	srv_free(&s);

	tls_try(&cl, &s, loop, cert_old, key_old, cert_old, NULL);
	TEST_CHECK(cl.closed && !cl.connected, "expired certificate refused");
	TEST_INTEQ(cl.cls, ERR_TLS, "as a TLS error");
	TEST_CHECK(has(cl.msg, "TLS certificate for 127.0.0.1 is not trusted: "
	    "the certificate expired on 20"), "expiry message: %s", cl.msg);
	cli_free(&cl);
	srv_free(&s);

	tls_try(&cl, &s, loop, cert_a, key_a, "/nonexistent/ca.pem", NULL);
	TEST_INTEQ(cl.cls, ERR_CONFIG, "a missing CA file is a config error");
	TEST_STREQ(cl.msg, "cannot use CA file /nonexistent/ca.pem: No such "
	    "file or directory", "naming it and why");
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

static void
tls_srv_input(struct srv *s)
{
	if (has(buf_cstr(&s->in), "a1 NOOP\r\n"))
		srv_got_cmd = true;
}

static void
test_tls_ok(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	struct buf	 cb = BUF_INIT;
	const char	*desc;
	char		*big;

	srv_got_cmd = false;
	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.implicit_tls = true;
	s.greeting = "* OK secure\r\n";
	s.on_input = tls_srv_input;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_IMPLICIT, cert_a, NULL, 0);
	conn_start(cl.c);
	conn_write(cl.c, "a1 NOOP\r\n", 9);
	run_until(loop, &cl.connected, &cl.closed, WAIT_MS);
	TEST_CHECK(cl.connected && !cl.closed, "trusted through ca_file: %s",
	    cl.msg ? cl.msg : "");
	if (!cl.connected)
		goto out;
	TEST_CHECK(conn_is_tls(cl.c), "conn_is_tls");
	desc = conn_tls_description(cl.c);
	TEST_CHECK(desc != NULL && strncmp(desc, "TLS1.3 / ", 9) == 0,
	    "description \"%s\"", desc ? desc : "(null)");

	TEST_CHECK(run_until(loop, &srv_got_cmd, NULL, WAIT_MS),
	    "command queued before the handshake went out over TLS");
	wait_len(loop, &cl.in.len, 13, &cl.closed);
	TEST_STREQ(buf_cstr(&cl.in), "* OK secure\r\n", "greeting over TLS");

#if GNUTLS_VERSION_NUMBER >= 0x030702
	TEST_STREQ(conn_channel_binding_type(cl.c), "tls-exporter",
	    "TLS 1.3 binds with tls-exporter");
	TEST_INTEQ(conn_channel_binding(cl.c, "tls-exporter", &cb), 0,
	    "tls-exporter data");
	TEST_INTEQ(cb.len, 32, "32 bytes (RFC 9266)");
	TEST_CHECK(cb.len == s.cb_exporter.len &&
	    memcmp(cb.data, s.cb_exporter.data, cb.len) == 0,
	    "equal on both sides");
#endif
	buf_reset(&cb);
	TEST_INTEQ(conn_channel_binding(cl.c, "tls-unique", &cb), -1,
	    "no tls-unique under TLS 1.3");
	TEST_INTEQ(conn_channel_binding(cl.c, "no-such-binding", &cb), -1,
	    "unknown binding type");

	big = xmalloc(BIG);
	fill_pattern(big, BIG, 3);
	buf_reset(&s.in);
	s.in_total = 0;
	conn_write(cl.c, big, BIG);
	wait_len(loop, &s.in_total, BIG, &cl.closed);
	TEST_INTEQ(s.in_total, BIG, "the TLS server got every byte");
	TEST_CHECK(s.in.len == BIG && check_pattern(s.in.data, BIG, 3),
	    "in order");
	fill_pattern(big, BIG, 4);
	buf_reset(&cl.in);
	srv_send(&s, big, BIG);
	wait_len(loop, &cl.in.len, BIG, &cl.closed);
	TEST_INTEQ(cl.in.len, BIG, "the TLS client got every byte");
	TEST_CHECK(cl.in.len == BIG && check_pattern(cl.in.data, BIG, 4),
	    "in order");
	free(big);

	gnutls_bye(s.session, GNUTLS_SHUT_WR);
	TEST_CHECK(run_until(loop, &cl.closed, NULL, WAIT_MS), "close_notify");
	TEST_INTEQ(cl.cls, ERR_NONE, "close_notify is a clean close: %s",
	    cl.msg);
out:
	buf_free(&cb);
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

static void
test_tls12_binding(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	struct buf	 cb = BUF_INIT;
	const char	*desc;

	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.implicit_tls = true;
	s.priority = "NORMAL:-VERS-TLS1.3";
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_IMPLICIT, cert_a, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &cl.connected, &cl.closed, WAIT_MS);
	TEST_CHECK(cl.connected, "TLS 1.2 connect: %s", cl.msg ? cl.msg : "");
	if (cl.connected) {
		desc = conn_tls_description(cl.c);
		TEST_CHECK(desc != NULL && strncmp(desc, "TLS1.2 / ", 9) == 0,
		    "description \"%s\"", desc ? desc : "(null)");
		TEST_STREQ(conn_channel_binding_type(cl.c), "tls-unique",
		    "TLS 1.2 binds with tls-unique");
		TEST_INTEQ(conn_channel_binding(cl.c, "tls-unique", &cb), 0,
		    "tls-unique data");
		TEST_CHECK(cb.len > 0 && cb.len == s.cb_unique.len &&
		    memcmp(cb.data, s.cb_unique.data, cb.len) == 0,
		    "tls-unique equal on both sides");
	}
	buf_free(&cb);
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

static char *
fp_variant(const char *fp, bool lower, bool colons, const char *prefix)
{
	struct buf	 b = BUF_INIT;

	buf_adds(&b, prefix);
	for (; *fp != '\0'; fp++) {
		if (*fp == ':' && !colons)
			continue;
		buf_addc(&b, lower ? (char)tolower((unsigned char)*fp) : *fp);
	}
	return buf_steal(&b);
}

static void
test_fingerprint(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	char		*fp_a = NULL, *fp_b = NULL, *err = NULL, *v, *want;
	char		 cmd[400], line[300], *eq;
	FILE		*p;

	TEST_INTEQ(conn_cert_fingerprint(cert_a, &fp_a, &err), 0,
	    "conn_cert_fingerprint: %s", err ? err : "");
	TEST_INTEQ(conn_cert_fingerprint(cert_b, &fp_b, &err), 0,
	    "conn_cert_fingerprint b");
	if (fp_a == NULL || fp_b == NULL)
		goto out;
	TEST_INTEQ(strlen(fp_a), 32 * 3 - 1, "AB:CD:... form");
	TEST_CHECK(strcmp(fp_a, fp_b) != 0, "two certificates, two prints");

	/* An independent opinion, when openssl is at hand. */
	snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -noout -fingerprint "
	    "-sha256 2>/dev/null", cert_a);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, p) != NULL &&
		    (eq = strchr(line, '=')) != NULL) {
			eq[strcspn(eq, "\r\n")] = '\0';
			TEST_STREQ(fp_a, eq + 1, "same as openssl's");
		}
		pclose(p);
	}
	TEST_INTEQ(conn_cert_fingerprint("/nonexistent.pem", &v, &err), -1,
	    "missing file");
	TEST_CHECK(has(err, "/nonexistent.pem"), "error names the file");
	free(err);
	err = NULL;
	TEST_INTEQ(conn_cert_fingerprint(key_a, &v, &err), -1,
	    "a key is not a certificate");
	TEST_CHECK(has(err, "is not a PEM certificate"), "says so: %s", err);
	free(err);
	err = NULL;

	/* The right print, without any CA: accepted. */
	v = fp_variant(fp_a, true, false, "sha256:");
	tls_try(&cl, &s, loop, cert_a, key_a, NULL, v);
	TEST_CHECK(cl.connected && !cl.closed, "pinned print %s accepted: %s",
	    v, cl.msg ? cl.msg : "");
	TEST_CHECK(cl.c != NULL && conn_is_tls(cl.c), "TLS is up");
	free(v);
	cli_free(&cl);
	srv_free(&s);

	/* Pinning trumps the name too: cert b is for other.example. */
	tls_try(&cl, &s, loop, cert_b, key_b, NULL, fp_b);
	TEST_CHECK(cl.connected && !cl.closed, "pinned print ignores the name");
	cli_free(&cl);
	srv_free(&s);

	/* A wrong print is refused, and says what it saw. */
	v = fp_variant(fp_b, true, true, "SHA256:");
	tls_try(&cl, &s, loop, cert_a, key_a, NULL, v);
	TEST_CHECK(cl.closed && !cl.connected, "wrong print refused");
	TEST_INTEQ(cl.cls, ERR_TLS, "as a TLS error");
	want = xasprintf("certificate fingerprint mismatch for 127.0.0.1: "
	    "got %s, expected %s", fp_a, fp_b);
	TEST_STREQ(cl.msg, want, "mismatch message");
	free(want);
	free(v);
	cli_free(&cl);
	srv_free(&s);

	/* Even a CA-trusted certificate is refused if the print differs. */
	tls_try(&cl, &s, loop, cert_a, key_a, cert_a, fp_b);
	TEST_CHECK(cl.closed && cl.cls == ERR_TLS, "pin beats the CA");
	cli_free(&cl);
	srv_free(&s);

	tls_try(&cl, &s, loop, cert_a, key_a, NULL, "sha256:12:34");
	TEST_INTEQ(cl.cls, ERR_CONFIG, "a malformed print is a config error");
	cli_free(&cl);
	srv_free(&s);
out:
	free(fp_a);
	free(fp_b);
	ev_loop_free(&loop);
}

/*
 * STARTTLS: the server's plaintext "OK" is followed by bytes a man in the
 * middle injected before the handshake. They must never be delivered.
 */
static void
st_srv_input(struct srv *s)
{
	if (s->tls == SRV_PLAIN && has(buf_cstr(&s->in), "a STARTTLS\r\n")) {
		buf_reset(&s->in);
		srv_send(s, "a OK begin TLS\r\n", 16);
		srv_tls_begin(s);
		s->inject_after_hello = !starttls_inject_before;
	} else if (s->tls == SRV_UP && has(buf_cstr(&s->in), "b CAPA\r\n"))
		srv_send(s, "* CAPA done\r\n", 13);
}

static void
st_srv_tls(struct srv *s)
{
	buf_adds(&s->out, "* SECURE\r\n");
}

static void
st_cli_data(struct cli *cl)
{
	if (!cl->starttls_sent && has(buf_cstr(&cl->in), "* OK ready\r\n")) {
		cl->starttls_sent = true;
		conn_write(cl->c, "a STARTTLS\r\n", 12);
	} else if (cl->starttls_at == 0 && has(buf_cstr(&cl->in),
	    "a OK begin TLS\r\n")) {
		/* Injected while we are still plain: on the wire before our
		 * ClientHello, and still unread by the client. */
		if (starttls_inject_before)
			inject_and_wait(cl->srv->fd);
		cl->starttls_at = cl->in.len;
		conn_starttls(cl->c);
	}
}

/* Sends the injection and waits until the client's kernel has it (the
 * bytes are acknowledged), so that it is on hand before the handshake. */
static void
inject_and_wait(int fd)
{
	int	 unacked = 1, i;

	send(fd, "* INJECTED\r\n", 12, MSG_NOSIGNAL);
	for (i = 0; i < 1000 && unacked > 0; i++) {
		if (ioctl(fd, SIOCOUTQ, &unacked) == -1)
			break;
		if (unacked > 0)
			usleep(1000);
	}
}

static void
st_cli_tls(struct cli *cl)
{
	conn_write(cl->c, "b CAPA\r\n", 8);
}

static void
test_starttls(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	const char	*after;
	size_t		 want;

	starttls_inject_before = true;
	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.greeting = "* OK ready\r\n";
	s.on_input = st_srv_input;
	s.on_tls = st_srv_tls;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cl.on_data = st_cli_data;
	cl.on_tls = st_cli_tls;
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, cert_a, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &cl.tls_ready, &cl.closed, WAIT_MS);
	TEST_CHECK(cl.tls_ready && !cl.closed, "STARTTLS upgrade: %s",
	    cl.msg ? cl.msg : "");
	TEST_CHECK(cl.c != NULL && conn_is_tls(cl.c), "TLS after STARTTLS");
	want = cl.starttls_at + strlen("* SECURE\r\n* CAPA done\r\n");
	TEST_CHECK(wait_len(loop, &cl.in.len, want, &cl.closed),
	    "data flows over TLS after the upgrade");
	after = buf_cstr(&cl.in) + cl.starttls_at;
	TEST_STREQ(after, "* SECURE\r\n* CAPA done\r\n",
	    "only TLS bytes after STARTTLS");
	TEST_CHECK(!has(buf_cstr(&cl.in), "INJECTED"),
	    "injected plaintext never delivered");
	cli_free(&cl);
	srv_free(&s);

	/* Injected after the ClientHello: GnuTLS sees garbage, and the
	 * upgrade fails rather than deliver it. */
	starttls_inject_before = false;
	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.greeting = "* OK ready\r\n";
	s.on_input = st_srv_input;
	s.on_tls = st_srv_tls;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cl.on_data = st_cli_data;
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, cert_a, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &cl.tls_ready, &cl.closed, WAIT_MS);
	TEST_CHECK(cl.closed && !cl.tls_ready, "handshake over garbage fails");
	TEST_INTEQ(cl.cls, ERR_TLS, "as a TLS error: %s", cl.msg);
	TEST_CHECK(has(cl.msg, "127.0.0.1"), "naming the server: %s", cl.msg);
	TEST_CHECK(cl.starttls_at > 0 && cl.in.len == cl.starttls_at,
	    "nothing delivered after STARTTLS");
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

/* The owner frees conn inside data and connected: no use after free. */
static void
test_free_inside(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	bool		 never = false;
	char		*big;

	srv_init(&s, loop);
	s.greeting = "* OK hello\r\n";
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cl.free_in_data = true;
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &never, NULL, 300);
	TEST_CHECK(cl.connected && cl.c == NULL, "freed inside data");
	TEST_CHECK(!cl.closed, "and nothing called after");
	cli_free(&cl);
	srv_free(&s);

	/* Over TLS, with more records queued behind the first. */
	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.implicit_tls = true;
	s.greeting = "* OK one\r\n";
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cl.free_in_data = true;
	cli_conn(&cl, loop, s.port, CONN_TLS_IMPLICIT, cert_a, NULL, 0);
	conn_start(cl.c);
	big = xmalloc(100000);
	fill_pattern(big, 100000, 5);
	run_until(loop, &cl.connected, &cl.closed, WAIT_MS);
	if (s.tls == SRV_UP)
		srv_send(&s, big, 100000);
	run_until(loop, &never, NULL, 300);
	TEST_CHECK(cl.connected && cl.c == NULL, "freed inside TLS data");
	TEST_CHECK(cl.in_total > 0 && cl.in_total <= 16384,
	    "one chunk delivered, then no more");
	free(big);
	cli_free(&cl);
	srv_free(&s);

	srv_init(&s, loop);
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cl.free_in_connected = true;
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	conn_write(cl.c, "x", 1);
	run_until(loop, &never, NULL, 200);
	TEST_CHECK(cl.connected && cl.c == NULL && !cl.closed,
	    "freed inside connected");
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

/* Writing to a peer that hung up: an error, never SIGPIPE. */
static void
test_peer_gone(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct srv	 s;
	struct cli	 cl;
	char		*big;
	int		 i;

	srv_init(&s, loop);
	s.close_at_once = true;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_NONE, NULL, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &cl.connected, &cl.closed, WAIT_MS);
	big = xmalloc(BIG);
	fill_pattern(big, BIG, 6);
	for (i = 0; i < 4 && cl.c != NULL; i++)
		conn_write(cl.c, big, BIG);
	run_until(loop, &cl.closed, NULL, WAIT_MS);
	TEST_CHECK(cl.closed, "the hang-up is noticed, and we are alive");
	TEST_CHECK(cl.cls == ERR_NETWORK || cl.cls == ERR_NONE,
	    "as a network error or an EOF: %s", cl.msg);
	free(big);
	cli_free(&cl);
	srv_free(&s);

	/* The same over TLS. */
	srv_init(&s, loop);
	s.cert = cert_a;
	s.key = key_a;
	s.implicit_tls = true;
	srv_listen(&s, true);
	cli_init(&cl, &s);
	cli_conn(&cl, loop, s.port, CONN_TLS_IMPLICIT, cert_a, NULL, 0);
	conn_start(cl.c);
	run_until(loop, &cl.connected, &cl.closed, WAIT_MS);
	TEST_CHECK(cl.connected, "TLS up");
	ev_fd_free(&s.w);
	close(s.fd);
	s.fd = -1;
	big = xmalloc(BIG);
	fill_pattern(big, BIG, 7);
	if (cl.c != NULL)
		conn_write(cl.c, big, BIG);
	run_until(loop, &cl.closed, NULL, WAIT_MS);
	TEST_CHECK(cl.closed, "TLS: the hang-up is noticed");
	TEST_CHECK(cl.cls == ERR_NETWORK || cl.cls == ERR_NONE,
	    "TLS: as a network error or an EOF: %s", cl.msg);
	free(big);
	cli_free(&cl);
	srv_free(&s);
	ev_loop_free(&loop);
}

static void
setup_certs(void)
{
	const char	*base = getenv("TMPDIR");
	time_t		 now = time(NULL);

	snprintf(tmpdir, sizeof tmpdir, "%s/crispin-test-conn.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(cert_a, sizeof cert_a, "%s/a.pem", tmpdir);
	snprintf(key_a, sizeof key_a, "%s/a.key", tmpdir);
	snprintf(cert_b, sizeof cert_b, "%s/b.pem", tmpdir);
	snprintf(key_b, sizeof key_b, "%s/b.key", tmpdir);
	snprintf(cert_old, sizeof cert_old, "%s/old.pem", tmpdir);
	snprintf(key_old, sizeof key_old, "%s/old.key", tmpdir);
	if (make_cert(cert_a, key_a, NULL, "127.0.0.1", now - 3600,
	    now + 86400) == -1 ||
	    make_cert(cert_b, key_b, "other.example", NULL, now - 3600,
	    now + 86400) == -1 ||
	    make_cert(cert_old, key_old, NULL, "127.0.0.1", now - 4 * 86400,
	    now - 2 * 86400) == -1) {
		fprintf(stderr, "cannot make test certificates\n");
		exit(1);
	}
}

static void
cleanup_certs(void)
{
	unlink(cert_a);
	unlink(key_a);
	unlink(cert_b);
	unlink(key_b);
	unlink(cert_old);
	unlink(key_old);
	rmdir(tmpdir);
}

int
main(void)
{
	setup_certs();
	test_plain();
	test_refused();
	test_timeouts();
	test_addresses();
	test_tls_verify();
	test_tls_ok();
	test_tls12_binding();
	test_fingerprint();
	test_starttls();
	test_free_inside();
	test_peer_gone();
	cleanup_certs();
	return test_done();
}
