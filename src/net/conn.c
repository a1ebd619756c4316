/*
 * Client connections: resolve, connect to each address in turn, optional
 * TLS (tls.c), buffered writes, and everything driven by the event loop.
 *
 * Two rules keep callers safe. Failures found anywhere are reported
 * through closed() from a zero-delay timer, never from inside a call the
 * owner made. And the owner may conn_free from inside any callback: a
 * reference is held while calling out, and after each call-out the code
 * returns at once if the owner freed the connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* MSG_NOSIGNAL */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/conn.h"
#include "crispin/log.h"
#include "crispin/xalloc.h"
#include "compress_p.h"
#include "tls_p.h"

#define CONN_TIMEOUT_DEFAULT	30000
#define CONN_READ_CHUNK		16384
#define CONN_READS_PER_TURN	8
#define CONN_COMPACT_MIN	65536

enum conn_state {
	CONN_INIT,
	CONN_CONNECTING,
	CONN_HANDSHAKE,		/* implicit TLS */
	CONN_OPEN,
	CONN_STARTTLS,		/* upgrading an open plain connection */
	CONN_CLOSED,		/* failed or freed; closed() may be pending */
};

static const char *const conn_state_names[] = {
	[CONN_INIT] = "init",
	[CONN_CONNECTING] = "connecting",
	[CONN_HANDSHAKE] = "handshake",
	[CONN_OPEN] = "open",
	[CONN_STARTTLS] = "starttls",
	[CONN_CLOSED] = "closed",
};

struct conn {
	struct ev_loop		*loop;		/* borrowed */
	char			*host;		/* owned */
	char			*port;		/* owned */
	char			*peer;		/* owned, "host:port" for messages */
	char			*ca_file;	/* owned, or NULL */
	char			*tls_session_file;	/* owned, or NULL */
	char			*fingerprint;	/* owned, or NULL */
	bool			 pinned;	/* fingerprint parsed into pin */
	unsigned char		 pin[TLS_SHA256_LEN];
	enum conn_tls		 tls_mode;
	unsigned		 timeout_ms;
	struct conn_callbacks	 cb;
	void			*arg;

	enum conn_state		 state;
	int			 fd;
	struct ev_fd		*w;
	struct ev_timer		*deadline;	/* connect + handshake */
	struct ev_timer		*report;	/* calls closed() */
	struct addrinfo		*ai;		/* owned, while connecting */
	struct addrinfo		*ai_next;
	bool			 ai_copied;	/* ai is conn_start_addrs' copy */
	int			 last_errno;

	struct tls		*tls;
	bool			 tls_up;	/* handshake done and verified */
	int			 hs_want;	/* EV_* the handshake waits for */
	bool			 hs_started;
	bool			 read_wants_write;
	struct buf		 out;
	size_t			 out_off;	/* bytes of out already sent */

	struct zpair		*z;		/* COMPRESS=DEFLATE, or NULL */
	struct buf		 zin;		/* inflated, not yet delivered */
	struct ev_timer		*zreplay;	/* delivers zin on the next turn */

	enum err_class		 err_class;
	char			*err_msg;	/* owned */

	int			 refs;
	bool			 freed;
};

static void	 conn_set_state(struct conn *, enum conn_state);
static void	 conn_hold(struct conn *);
static bool	 conn_release(struct conn *);
static void	 conn_teardown(struct conn *);
static void	 conn_fail(struct conn *, enum err_class, char *);
static void	 conn_report(void *);
static void	 conn_deadline(void *);
static void	 conn_try_next(struct conn *);
static void	 conn_free_addrs(struct conn *);
static bool	 conn_begin(struct conn *);
static void	 conn_connect_done(struct conn *);
static void	 conn_tcp_up(struct conn *);
static void	 conn_start_tls(struct conn *);
static void	 conn_handshake(struct conn *);
static void	 conn_drain(struct conn *);
static bool	 conn_read(struct conn *);
static bool	 conn_deliver(struct conn *, const char *, size_t);
static void	 conn_zreplay(void *);
static void	 conn_flush(struct conn *);
static void	 conn_update_events(struct conn *);
static void	 conn_io(int, int, void *);
static char	*conn_addr_str(const struct sockaddr *, socklen_t);

static void
conn_set_state(struct conn *c, enum conn_state state)
{
	if (c->state != state)
		log_debug("conn %s: %s -> %s", c->peer,
		    conn_state_names[c->state], conn_state_names[state]);
	c->state = state;
}

static void
conn_hold(struct conn *c)
{
	c->refs++;
}

/* Returns true when the owner freed conn meanwhile: touch nothing. */
static bool
conn_release(struct conn *c)
{
	assert(c->refs > 0);
	if (--c->refs == 0) {
		assert(c->freed);
		free(c->host);
		free(c->port);
		free(c->peer);
		free(c->ca_file);
		free(c->tls_session_file);
		free(c->fingerprint);
		free(c->err_msg);
		buf_free(&c->out);
		free(c);
		return true;
	}
	return c->freed;
}

struct conn *
conn_new(struct ev_loop *loop, const struct conn_params *p,
    const struct conn_callbacks *cb, void *arg)
{
	struct conn	*c;

	assert(p->host != NULL && p->port != NULL);
	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->host = xstrdup(p->host);
	c->port = xstrdup(p->port);
	c->peer = strchr(p->host, ':') != NULL ?
	    xasprintf("[%s]:%s", p->host, p->port) :
	    xasprintf("%s:%s", p->host, p->port);
	c->ca_file = p->ca_file != NULL ? xstrdup(p->ca_file) : NULL;
	c->tls_session_file = p->tls_session_file != NULL ?
	    xstrdup(p->tls_session_file) : NULL;
	c->fingerprint = p->fingerprint != NULL ? xstrdup(p->fingerprint) :
	    NULL;
	c->tls_mode = p->tls;
	c->timeout_ms = p->connect_timeout_ms != 0 ? p->connect_timeout_ms :
	    CONN_TIMEOUT_DEFAULT;
	c->cb = *cb;
	c->arg = arg;
	c->state = CONN_INIT;
	c->fd = -1;
	c->deadline = ev_timer_new(loop, conn_deadline, c);
	c->report = ev_timer_new(loop, conn_report, c);
	buf_init(&c->out);
	c->refs = 1;
	return c;
}

/* Releases the socket and everything tied to it; no callback. */
static void
conn_teardown(struct conn *c)
{
	ev_fd_free(&c->w);
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	tls_free(&c->tls);
	c->tls_up = false;
	zpair_free(&c->z);
	buf_free(&c->zin);
	if (c->zreplay != NULL)
		ev_timer_stop(c->zreplay);
	conn_free_addrs(c);
	if (c->deadline != NULL)
		ev_timer_stop(c->deadline);
}

/* Takes msg. The owner hears of it on the next loop turn. */
static void
conn_fail(struct conn *c, enum err_class cls, char *msg)
{
	if (c->state == CONN_CLOSED) {
		free(msg);
		return;
	}
	log_debug("conn %s: %s", c->peer, msg);
	conn_teardown(c);
	conn_set_state(c, CONN_CLOSED);
	c->err_class = cls;
	c->err_msg = msg;
	ev_timer_start(c->report, 0);
}

static void
conn_report(void *arg)
{
	struct conn	*c = arg;

	if (c->cb.closed == NULL)
		return;
	conn_hold(c);
	c->cb.closed(c->err_class, c->err_msg, c->arg);
	conn_release(c);
}

static void
conn_free_addrs(struct conn *c)
{
	struct addrinfo	*ai, *next;

	if (c->ai == NULL)
		return;
	if (!c->ai_copied)
		freeaddrinfo(c->ai);
	else {
		for (ai = c->ai; ai != NULL; ai = next) {
			next = ai->ai_next;
			free(ai);
		}
	}
	c->ai = c->ai_next = NULL;
	c->ai_copied = false;
}

static void
conn_deadline(void *arg)
{
	struct conn	*c = arg;
	unsigned	 t = c->timeout_ms;
	bool		 secs = t % 1000 == 0;

	/* The timeout is per address: a dead first address (an IPv6 route
	 * that black-holes, a stale DNS answer) must not use up the time
	 * of the next one. */
	if (c->state == CONN_CONNECTING && c->ai_next != NULL) {
		log_debug("conn %s: no answer within %u ms; next address",
		    c->peer, t);
		c->last_errno = ETIMEDOUT;
		ev_fd_free(&c->w);
		if (c->fd != -1) {
			close(c->fd);
			c->fd = -1;
		}
		conn_try_next(c);
		return;
	}
	if (c->state == CONN_CONNECTING)
		conn_fail(c, ERR_NETWORK, xasprintf("connection to %s timed out "
		    "after %u %s", c->peer, secs ? t / 1000 : t,
		    secs ? "s" : "ms"));
	else
		conn_fail(c, ERR_NETWORK, xasprintf("TLS handshake with %s "
		    "timed out after %u %s", c->peer, secs ? t / 1000 : t,
		    secs ? "s" : "ms"));
}

/* Checks the pin and enters CONNECTING; false when it failed. */
static bool
conn_begin(struct conn *c)
{
	assert(c->state == CONN_INIT);
	if (c->fingerprint != NULL) {
		if (tls_parse_fingerprint(c->fingerprint, c->pin) == -1) {
			conn_fail(c, ERR_CONFIG, xasprintf("invalid certificate "
			    "fingerprint for %s: \"%s\" is not a SHA-256 digest "
			    "in hex", c->host, c->fingerprint));
			return false;
		}
		c->pinned = true;
	}
	conn_set_state(c, CONN_CONNECTING);
	ev_timer_start(c->deadline, c->timeout_ms);
	return true;
}

void
conn_start_addrs(struct conn *c, const struct addrinfo *list)
{
	struct addrinfo	*n, **tail;
	const struct addrinfo *ai;

	if (!conn_begin(c))
		return;
	tail = &c->ai;
	for (ai = list; ai != NULL; ai = ai->ai_next) {
		/* One block per node, the address right behind it. */
		n = xcalloc(1, sizeof *n + ai->ai_addrlen);
		n->ai_family = ai->ai_family;
		n->ai_socktype = ai->ai_socktype;
		n->ai_protocol = ai->ai_protocol;
		n->ai_addrlen = ai->ai_addrlen;
		n->ai_addr = (struct sockaddr *)(void *)(n + 1);
		memcpy(n->ai_addr, ai->ai_addr, ai->ai_addrlen);
		*tail = n;
		tail = &n->ai_next;
	}
	c->ai_copied = true;
	c->ai_next = c->ai;
	conn_try_next(c);
}

void
conn_start(struct conn *c)
{
	struct addrinfo	 hints;
	int		 r;

	if (!conn_begin(c))
		return;
	/* No AI_ADDRCONFIG: it hides 127.0.0.1 on hosts whose only IPv4
	 * address is loopback. An unusable family just fails fast. */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	r = getaddrinfo(c->host, c->port, &hints, &c->ai);
	if (r == EAI_SERVICE) {
		c->ai = NULL;
		conn_fail(c, ERR_NETWORK, xasprintf("cannot connect to %s: "
		    "unknown port \"%s\"", c->host, c->port));
		return;
	}
	if (r != 0) {
		c->ai = NULL;
		conn_fail(c, ERR_NETWORK, xasprintf("cannot resolve %s: %s",
		    c->host, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r)));
		return;
	}
	c->ai_next = c->ai;
	conn_try_next(c);
}

static char *
conn_addr_str(const struct sockaddr *sa, socklen_t len)
{
	char	 host[NI_MAXHOST];

	if (getnameinfo(sa, len, host, sizeof host, NULL, 0,
	    NI_NUMERICHOST) != 0)
		return xstrdup("?");
	return xstrdup(host);
}

static void
conn_try_next(struct conn *c)
{
	struct addrinfo	*ai;
	char		*addr;
	int		 fd;

	while ((ai = c->ai_next) != NULL) {
		c->ai_next = ai->ai_next;
		if (log_enabled(LOG_DEBUG)) {
			addr = conn_addr_str(ai->ai_addr, ai->ai_addrlen);
			log_debug("conn %s: trying %s", c->peer, addr);
			free(addr);
		}
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			c->last_errno = errno;
			continue;
		}
		/* Even an instant success is reported from the loop. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			c->fd = fd;
			c->w = ev_fd_add(c->loop, fd, EV_WRITE, conn_io, c);
			ev_timer_start(c->deadline, c->timeout_ms);
			return;
		}
		c->last_errno = errno;
		close(fd);
	}
	conn_fail(c, ERR_NETWORK, xasprintf("connection to %s failed: %s",
	    c->peer, strerror(c->last_errno != 0 ? c->last_errno :
	    EADDRNOTAVAIL)));
}

static void
conn_connect_done(struct conn *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		conn_tcp_up(c);
		return;
	}
	if (err == EINPROGRESS)
		return;
	log_debug("conn %s: %s", c->peer, strerror(err));
	c->last_errno = err;
	ev_fd_free(&c->w);
	close(c->fd);
	c->fd = -1;
	conn_try_next(c);
}

static void
conn_tcp_up(struct conn *c)
{
	int	 on = 1;

	/* Commands are small and pipelined: do not let Nagle hold them. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	/* Notice a dead peer under a long IDLE. */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	conn_free_addrs(c);

	if (c->tls_mode == CONN_TLS_IMPLICIT) {
		conn_set_state(c, CONN_HANDSHAKE);
		conn_start_tls(c);
		return;
	}
	ev_timer_stop(c->deadline);
	conn_set_state(c, CONN_OPEN);
	conn_update_events(c);
	if (c->cb.connected != NULL) {
		conn_hold(c);
		c->cb.connected(c->arg);
		conn_release(c);
	}
}

static void
conn_start_tls(struct conn *c)
{
	struct tls_params	 tp;
	enum err_class		 cls;
	char			*msg;

	memset(&tp, 0, sizeof tp);
	tp.fd = c->fd;
	tp.host = c->host;
	tp.peer = c->peer;
	tp.ca_file = c->ca_file;
	tp.session_file = c->tls_session_file;
	tp.pin = c->pinned ? c->pin : NULL;
	if ((c->tls = tls_new(&tp, &cls, &msg)) == NULL) {
		conn_fail(c, cls, msg);
		return;
	}
	/* The client speaks first: start on the next writable turn. */
	c->hs_want = EV_WRITE;
	conn_update_events(c);
}

/* Drops plaintext that arrived before our ClientHello: it was sent
 * before TLS, so nobody vouches for it, and GnuTLS must not see it. */
static void
conn_drain(struct conn *c)
{
	char	 junk[4096];
	ssize_t	 n;
	size_t	 total = 0;

	/* Bounded: a peer that keeps talking fails the handshake instead. */
	while (total < 16 * sizeof junk &&
	    (n = recv(c->fd, junk, sizeof junk, 0)) > 0)
		total += (size_t)n;
	if (total > 0)
		log_warn("conn %s: discarded %zu bytes received before TLS",
		    c->peer, total);
}

static void
conn_handshake(struct conn *c)
{
	enum conn_state	 was = c->state;
	enum err_class	 cls;
	char		*msg;
	int		 r;

	if (was == CONN_STARTTLS && !c->hs_started)
		conn_drain(c);
	c->hs_started = true;
	r = tls_handshake(c->tls, &c->hs_want, &cls, &msg);
	if (r == -1) {
		conn_fail(c, cls, msg);
		return;
	}
	if (r == 0) {
		conn_update_events(c);
		return;
	}

	c->tls_up = true;
	ev_timer_stop(c->deadline);
	log_info("conn %s: %s", c->peer, tls_description(c->tls));
	conn_set_state(c, CONN_OPEN);
	conn_update_events(c);
	conn_hold(c);
	if (was == CONN_HANDSHAKE && c->cb.connected != NULL)
		c->cb.connected(c->arg);
	else if (was == CONN_STARTTLS && c->cb.tls_ready != NULL)
		c->cb.tls_ready(c->arg);
	if (conn_release(c) || c->state != CONN_OPEN)
		return;
	/* The server may already have sent its first records. */
	if (conn_read(c))
		return;
	conn_flush(c);
}

/* Delivers what the socket has; returns true when conn is gone. */
static bool
conn_read(struct conn *c)
{
	char		 data[CONN_READ_CHUNK];
	enum err_class	 cls;
	char		*msg;
	ssize_t		 n;
	int		 i, want;

	c->read_wants_write = false;
	for (i = 0; c->state == CONN_OPEN; i++) {
		/* Stop after a few chunks for fairness, unless GnuTLS holds
		 * decrypted bytes that poll() would never report. */
		if (i >= CONN_READS_PER_TURN &&
		    (c->tls == NULL || tls_pending(c->tls) == 0))
			break;
		if (c->tls != NULL) {
			n = tls_recv(c->tls, data, sizeof data, &want, &cls,
			    &msg);
			if (n == TLS_AGAIN) {
				c->read_wants_write = want == EV_WRITE;
				break;
			}
			if (n == TLS_ERROR) {
				conn_fail(c, cls, msg);
				break;
			}
		} else {
			n = recv(c->fd, data, sizeof data, 0);
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (n == -1) {
				conn_fail(c, ERR_NETWORK, xasprintf("connection "
				    "to %s lost: %s", c->peer, strerror(errno)));
				break;
			}
		}
		if (n == 0) {
			conn_fail(c, ERR_NONE, xasprintf("%s closed the "
			    "connection", c->peer));
			break;
		}
		if (conn_deliver(c, data, (size_t)n))
			return true;
	}
	return false;
}

/* Hands received bytes to the owner, inflated first once COMPRESS is on;
 * bytes inflated earlier and still waiting go first. Returns true when
 * conn is gone. */
static bool
conn_deliver(struct conn *c, const char *data, size_t len)
{
	struct buf	 plain = BUF_INIT;
	char		*msg = NULL;

	if (c->z != NULL) {
		if (zpair_inflate(c->z, data, len, &c->zin, &msg) < 0) {
			conn_fail(c, ERR_PROTOCOL, xasprintf("%s: %s", c->peer,
			    msg));
			free(msg);
			return false;
		}
		/* The owner may write (and so deflate) from the callback: take
		 * the bytes out of c first. */
		plain = c->zin;
		buf_init(&c->zin);
		data = plain.data;
		len = plain.len;
	}
	if (c->cb.data != NULL && len > 0) {
		conn_hold(c);
		c->cb.data(data, len, c->arg);
		if (conn_release(c)) {
			buf_free(&plain);
			return true;
		}
	}
	buf_free(&plain);
	return false;
}

static void
conn_zreplay(void *arg)
{
	struct conn	*c = arg;

	if (c->state == CONN_OPEN && c->zin.len > 0)
		conn_deliver(c, NULL, 0);
}

static void
conn_flush(struct conn *c)
{
	enum err_class	 cls;
	const char	*data;
	char		*msg;
	size_t		 len;
	ssize_t		 n;
	int		 want;

	while (c->state == CONN_OPEN && c->out.len > c->out_off) {
		data = c->out.data + c->out_off;
		len = c->out.len - c->out_off;
		if (c->tls != NULL) {
			n = tls_send(c->tls, data, len, &want, &cls, &msg);
			if (n == TLS_AGAIN)
				break;
			if (n == TLS_ERROR) {
				conn_fail(c, cls, msg);
				return;
			}
		} else {
			n = send(c->fd, data, len, MSG_NOSIGNAL);
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (n == -1) {
				conn_fail(c, ERR_NETWORK, xasprintf("connection "
				    "to %s lost: %s", c->peer, strerror(errno)));
				return;
			}
		}
		c->out_off += (size_t)n;
	}
	/* Moving the tail after every send would make big writes
	 * quadratic: move it only once the sent part dominates. */
	if (c->out_off == c->out.len) {
		/* Do not keep a big message's worth of memory for good. */
		if (c->out.cap > CONN_COMPACT_MIN * 16)
			buf_free(&c->out);
		else
			buf_reset(&c->out);
		c->out_off = 0;
	} else if (c->out_off >= CONN_COMPACT_MIN &&
	    c->out_off >= c->out.len / 2) {
		buf_consume(&c->out, c->out_off);
		c->out_off = 0;
	}
	conn_update_events(c);
}

static void
conn_update_events(struct conn *c)
{
	int	 ev = 0;

	if (c->w == NULL)
		return;
	switch (c->state) {
	case CONN_CONNECTING:
		ev = EV_WRITE;
		break;
	case CONN_HANDSHAKE:
	case CONN_STARTTLS:
		ev = c->hs_want;
		break;
	case CONN_OPEN:
		ev = EV_READ;
		if (c->out.len > c->out_off || c->read_wants_write)
			ev |= EV_WRITE;
		break;
	case CONN_INIT:
	case CONN_CLOSED:
		break;
	}
	ev_fd_set(c->w, ev);
}

static void
conn_io(int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	switch (c->state) {
	case CONN_CONNECTING:
		conn_connect_done(c);
		break;
	case CONN_HANDSHAKE:
	case CONN_STARTTLS:
		conn_handshake(c);
		break;
	case CONN_OPEN:
		/* Read first: a server that said BYE and hung up should be
		 * heard before a write fails with EPIPE. */
		if ((events & EV_READ) ||
		    (c->read_wants_write && (events & EV_WRITE))) {
			if (conn_read(c))
				return;
		}
		conn_flush(c);
		break;
	case CONN_INIT:
	case CONN_CLOSED:
		break;
	}
}

void
conn_write(struct conn *c, const void *data, size_t len)
{
	char	*msg = NULL;

	if (c->state == CONN_CLOSED) {
		log_debug("conn %s: dropping %zu bytes written after close",
		    c->peer, len);
		return;
	}
	if (c->z != NULL) {
		if (zpair_deflate(c->z, data, len, &c->out, &msg) < 0) {
			conn_fail(c, ERR_NETWORK, xasprintf("%s: %s", c->peer, msg));
			free(msg);
			return;
		}
	} else
		buf_add(&c->out, data, len);
	if (c->state == CONN_OPEN)
		conn_update_events(c);
}

void
conn_push(struct conn *c)
{
	if (c->state == CONN_OPEN && c->out.len > c->out_off)
		conn_flush(c);
}

void
conn_starttls(struct conn *c)
{
	if (c->state == CONN_CLOSED)
		return;
	assert(c->state == CONN_OPEN && c->tls == NULL);
	if (c->out.len > c->out_off)
		log_warn("conn %s: %zu bytes queued before STARTTLS will go "
		    "out over TLS", c->peer, c->out.len - c->out_off);
	conn_set_state(c, CONN_STARTTLS);
	ev_timer_start(c->deadline, c->timeout_ms);
	conn_start_tls(c);
}

bool
conn_compress_available(void)
{
	return zpair_available();
}

int
conn_compress(struct conn *c, const char *rest, size_t len, char **error_r)
{
	if (c->state != CONN_OPEN || c->z != NULL) {
		*error_r = xstrdup("the connection cannot start compressing now");
		return -1;
	}
	if ((c->z = zpair_new(error_r)) == NULL)
		return -1;
	if (c->zreplay == NULL)
		c->zreplay = ev_timer_new(c->loop, conn_zreplay, c);
	/* What came with the server's OK is already compressed: inflate it
	 * now, deliver it on the next turn (never from inside a conn call). */
	if (len > 0 && zpair_inflate(c->z, rest, len, &c->zin, error_r) < 0)
		return -1;
	if (c->zin.len > 0)
		ev_timer_start(c->zreplay, 0);
	return 0;
}

bool
conn_is_compressed(const struct conn *c)
{
	return c->z != NULL;
}

bool
conn_is_tls(const struct conn *c)
{
	return c->tls_up;
}

const char *
conn_tls_description(const struct conn *c)
{
	return c->tls_up ? tls_description(c->tls) : NULL;
}

int
conn_channel_binding(struct conn *c, const char *type, struct buf *out)
{
	if (!c->tls_up)
		return -1;
	return tls_channel_binding(c->tls, type, out);
}

const char *
conn_channel_binding_type(const struct conn *c)
{
	return c->tls_up ? tls_channel_binding_type(c->tls) : NULL;
}

size_t
conn_pending_output(const struct conn *c)
{
	return c->out.len - c->out_off;
}

/* Whatever is still queued gets one try as the connection closes (a
 * LOGOUT whose answer nobody waits for); failures are not reported, the
 * connection is going anyway. */
static void
conn_flush_last(struct conn *c)
{
	const char	*data = c->out.data + c->out_off;
	size_t		 len = c->out.len - c->out_off;
	enum err_class	 cls;
	char		*msg = NULL;
	ssize_t		 n;
	int		 want;

	while (len > 0) {
		if (c->tls != NULL)
			n = tls_send(c->tls, data, len, &want, &cls, &msg);
		else
			n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		data += n;
		len -= (size_t)n;
	}
	free(msg);
}

void
conn_free(struct conn **cp)
{
	struct conn	*c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	assert(!c->freed);
	if (c->state == CONN_OPEN && c->fd != -1)
		conn_flush_last(c);
	if (c->tls_up && c->state == CONN_OPEN)
		tls_bye(c->tls);
	conn_teardown(c);
	ev_timer_free(&c->deadline);
	ev_timer_free(&c->report);
	ev_timer_free(&c->zreplay);
	c->state = CONN_CLOSED;
	c->freed = true;
	conn_release(c);
}
