/*
 * The SMTP session: connection, replies matched to commands in order,
 * the mail transaction (pipelined when the server allows), trace and
 * watchdog. The steps from greeting to login live in auth.c.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "smtp_p.h"

static const char *const state_names[] = {
	[SMTP_STATE_DISCONNECTED] = "disconnected",
	[SMTP_STATE_CONNECTING] = "connecting",
	[SMTP_STATE_GREETING] = "greeting",
	[SMTP_STATE_EHLO] = "ehlo",
	[SMTP_STATE_STARTTLS] = "starttls",
	[SMTP_STATE_AUTH] = "auth",
	[SMTP_STATE_READY] = "ready",
	[SMTP_STATE_SENDING] = "sending",
	[SMTP_STATE_QUIT] = "quit",
};

static void conn_connected(void *);
static void conn_data(const char *, size_t, void *);
static void conn_tls_ready(void *);
static void conn_closed(enum err_class, const char *, void *);
static bool on_reply(const struct smtp_reply *, void *);
static void trace(struct smtp_client *, const char *, const char *, size_t);
static void client_ref(struct smtp_client *);
static bool client_unref(struct smtp_client *);
static void client_destroy(struct smtp_client *);
static void kick_cb(void *);
static void watchdog_cb(void *);
static void watchdog_update(struct smtp_client *);
static void txn_start(struct smtp_client *);
static void txn_fail(struct smtp_client *, enum err_class, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);
static void txn_finish(struct smtp_client *);
static void txn_free(struct smtp_txn *);
static void send_rcpt(struct smtp_client *, size_t);
static void send_data_or_give_up(struct smtp_client *);
static void client_write(struct smtp_client *, const void *, size_t);
static smtp_reply_handler on_rset, on_mail, on_rcpt, on_data, on_body, on_quit;

static const struct conn_callbacks client_conn_cb = {
	.connected = conn_connected,
	.data = conn_data,
	.tls_ready = conn_tls_ready,
	.closed = conn_closed,
};

/* Who handles the reply to each kind of command. */
static smtp_reply_handler *const handlers[SMTP_EXP_COUNT] = {
	[SMTP_EXP_GREETING] = smtp_on_greeting,
	[SMTP_EXP_EHLO] = smtp_on_ehlo,
	[SMTP_EXP_HELO] = smtp_on_helo,
	[SMTP_EXP_STARTTLS] = smtp_on_starttls,
	[SMTP_EXP_AUTH] = smtp_on_auth,
	[SMTP_EXP_RSET] = on_rset,
	[SMTP_EXP_MAIL] = on_mail,
	[SMTP_EXP_RCPT] = on_rcpt,
	[SMTP_EXP_DATA] = on_data,
	[SMTP_EXP_BODY] = on_body,
	[SMTP_EXP_QUIT] = on_quit,
};

struct smtp_client *
smtp_client_new(struct ev_loop *loop, const struct smtp_client_params *params,
    const struct smtp_client_callbacks *cb, void *arg)
{
	struct smtp_client	*c;
	size_t			 i;

	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->params = *params;
	c->params.host = xstrdup(params->host);
	c->params.port = xstrdup(params->port);
	c->params.user = xstrdup_null(params->user);
	c->params.ca_file = xstrdup_null(params->ca_file);
	c->params.fingerprint = xstrdup_null(params->fingerprint);
	c->params.helo_name = xstrdup(params->helo_name != NULL ? params->helo_name :
	    "localhost");
	if (params->nauthenticators > 0) {
		c->authenticators = xcalloc(params->nauthenticators,
		    sizeof *c->authenticators);
		for (i = 0; i < params->nauthenticators; i++)
			c->authenticators[i] = xstrdup(params->authenticators[i]);
		c->params.authenticators = (const char *const *)c->authenticators;
	}
	if (c->params.response_timeout_ms == 0)
		c->params.response_timeout_ms = 60 * 1000;
	c->cb = *cb;
	c->arg = arg;
	c->kick = ev_timer_new(loop, kick_cb, c);
	c->watchdog = ev_timer_new(loop, watchdog_cb, c);
	buf_init(&c->trace_line);
	return c;
}

static void
client_destroy(struct smtp_client *c)
{
	size_t	i;

	conn_free(&c->conn);
	smtp_reply_parser_free(&c->parser);
	ev_timer_free(&c->kick);
	ev_timer_free(&c->watchdog);
	sasl_client_free(&c->sasl);
	free(c->sasl_error);
	free(c->auth_mech);
	txn_free(c->txn);
	for (i = 0; i < c->next; i++)
		free(c->ext[i]);
	free(c->ext);
	free(c->expect);
	for (i = 0; i < c->params.nauthenticators; i++)
		free(c->authenticators[i]);
	free(c->authenticators);
	free((char *)c->params.host);
	free((char *)c->params.port);
	free((char *)c->params.user);
	free((char *)c->params.ca_file);
	free((char *)c->params.fingerprint);
	free((char *)c->params.helo_name);
	buf_free(&c->trace_line);
	free(c);
}

void
smtp_client_free(struct smtp_client **cp)
{
	struct smtp_client	*c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	conn_free(&c->conn);
	c->dead = true;
	if (c->refs == 0)
		client_destroy(c);
}

static void
client_ref(struct smtp_client *c)
{
	c->refs++;
}

/* False when the client died meanwhile and must not be touched. */
static bool
client_unref(struct smtp_client *c)
{
	assert(c->refs > 0);
	if (--c->refs == 0 && c->dead) {
		client_destroy(c);
		return false;
	}
	return !c->dead;
}

void
smtp_set_state(struct smtp_client *c, enum smtp_state s)
{
	if (c->state != s)
		log_debug("smtp %s: %s -> %s", c->params.host, state_names[c->state],
		    state_names[s]);
	c->state = s;
}

bool
smtp_client_has_ext(const struct smtp_client *c, const char *keyword)
{
	return smtp_ext_param(c, keyword) != NULL;
}

/* The parameters after an EHLO keyword ("" when none), or NULL. */
const char *
smtp_ext_param(const struct smtp_client *c, const char *keyword)
{
	size_t	i, n = strlen(keyword);

	for (i = 0; i < c->next; i++) {
		if (strncmp(c->ext[i], keyword, n) == 0 &&
		    (c->ext[i][n] == '\0' || c->ext[i][n] == ' '))
			return c->ext[i][n] == ' ' ? c->ext[i] + n + 1 : "";
	}
	return NULL;
}

const char *
smtp_client_auth_mech(const struct smtp_client *c)
{
	return c->auth_mech;
}

/* Fails the session: the message in progress fails, closed is called once. */
void
smtp_fail(struct smtp_client *c, enum err_class cls, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (c->closing || c->dead)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cls != ERR_NONE)
		log_info("smtp %s: %s", c->params.host, msg);
	c->closing = true;
	net_meter_stop(&c->meter);
	conn_free(&c->conn);
	ev_timer_stop(c->watchdog);
	ev_timer_stop(c->kick);
	smtp_set_state(c, SMTP_STATE_DISCONNECTED);
	client_ref(c);
	if (c->txn != NULL) {
		if (c->txn->why == NULL) {
			c->txn->err = cls == ERR_NONE ? ERR_NETWORK : cls;
			c->txn->why = xstrdup(msg);
		}
		txn_finish(c);
	}
	if (!c->dead && c->cb.closed != NULL)
		c->cb.closed(c, cls, msg, c->arg);
	free(msg);
	client_unref(c);
}

/* Trace: each line with its direction; secrets were replaced already. */
static void
trace(struct smtp_client *c, const char *prefix, const char *data, size_t len)
{
	FILE	*fp = c->params.trace;

	if (fp == NULL)
		return;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	fputs(prefix, fp);
	fwrite(data, 1, len, fp);
	fputc('\n', fp);
	fflush(fp);
}

void
smtp_send_line(struct smtp_client *c, enum smtp_expect exp, const char *line,
    const char *trace_as)
{
	if (c->conn == NULL)
		return;
	client_write(c, line, strlen(line));
	client_write(c, "\r\n", 2);
	c->meter.st.commands++;
	trace(c, "C: ", trace_as != NULL ? trace_as : line,
	    strlen(trace_as != NULL ? trace_as : line));
	c->expect = xreallocarray(c->expect, c->nexpect + 1, sizeof *c->expect);
	c->expect[c->nexpect++] = exp;
	watchdog_update(c);
}

void
smtp_client_send(struct smtp_client *c, const struct smtp_message *m,
    smtp_send_done_cb *done, void *arg)
{
	struct smtp_txn	*t;
	size_t		 i;

	assert(c->txn == NULL && m->nrcpts > 0);
	t = xcalloc(1, sizeof *t);
	t->from = xstrdup(m->from);
	t->utf8_addrs = smtp_has_8bit(m->from, strlen(m->from));
	t->rcpts = xcalloc(m->nrcpts, sizeof *t->rcpts);
	t->res = xcalloc(m->nrcpts, sizeof *t->res);
	for (i = 0; i < m->nrcpts; i++) {
		t->rcpts[i] = xstrdup(m->rcpts[i]);
		t->res[i].address = t->rcpts[i];
		if (smtp_has_8bit(m->rcpts[i], strlen(m->rcpts[i])))
			t->utf8_addrs = true;
	}
	t->nrcpts = m->nrcpts;
	t->eight_bit = smtp_has_8bit(m->data, m->len);
	buf_init(&t->data);
	smtp_dot_stuff(m->data, m->len, &t->data);
	/* SIZE counts the message with CRLF (RFC 1870); stuffed dots make
	 * it a slight overestimate, which the RFC allows. */
	t->size = t->data.len - 3;
	t->done = done;
	t->arg = arg;
	c->txn = t;
	if (c->state == SMTP_STATE_DISCONNECTED && c->conn == NULL && !c->closing) {
		struct conn_params cp;

		memset(&cp, 0, sizeof cp);
		cp.host = c->params.host;
		cp.port = c->params.port;
		cp.tls = c->params.implicit_tls ? CONN_TLS_IMPLICIT : CONN_TLS_NONE;
		cp.connect_timeout_ms = c->params.connect_timeout_ms;
		cp.ca_file = c->params.ca_file;
		cp.fingerprint = c->params.fingerprint;
		c->parser = smtp_reply_parser_new(NULL);
		c->conn = conn_new(c->loop, &cp, &client_conn_cb, c);
		smtp_set_state(c, SMTP_STATE_CONNECTING);
		/* Connecting and the greeting are waits on the network. */
		net_meter_wait(&c->meter);
		conn_start(c->conn);
		return;
	}
	/* Never call back from inside this call. */
	ev_timer_start(c->kick, 0);
}

void
smtp_client_quit(struct smtp_client *c)
{
	c->quit_wanted = true;
	ev_timer_start(c->kick, 0);
}

/* Work that waits for the next loop turn: a transaction to start, or QUIT. */
static void
kick_cb(void *arg)
{
	struct smtp_client	*c = arg;

	if (c->closing) {
		if (c->txn != NULL) {
			txn_fail(c, ERR_NETWORK, "the connection to %s is closed",
			    c->params.host);
			txn_finish(c);
		}
		return;
	}
	if (c->state != SMTP_STATE_READY) {
		if (c->conn == NULL && c->quit_wanted)
			smtp_fail(c, ERR_NONE, "not connected");
		return;
	}
	if (c->txn != NULL && !c->txn->started)
		txn_start(c);
	else if (c->txn == NULL && c->quit_wanted) {
		smtp_set_state(c, SMTP_STATE_QUIT);
		smtp_send_line(c, SMTP_EXP_QUIT, "QUIT", NULL);
	}
}

/* Logged in: whatever waited for it goes now. */
void
smtp_ready(struct smtp_client *c)
{
	smtp_set_state(c, SMTP_STATE_READY);
	kick_cb(c);
}

static void
conn_connected(void *arg)
{
	struct smtp_client	*c = arg;

	c->tls_active = conn_is_tls(c->conn);
	smtp_set_state(c, SMTP_STATE_GREETING);
	c->expect = xreallocarray(c->expect, c->nexpect + 1, sizeof *c->expect);
	c->expect[c->nexpect++] = SMTP_EXP_GREETING;
	watchdog_update(c);
}

static void
conn_tls_ready(void *arg)
{
	struct smtp_client	*c = arg;

	c->tls_active = true;
	log_debug("smtp %s: TLS started (%s)", c->params.host,
	    conn_tls_description(c->conn));
	smtp_tls_ready(c);
}

static void
conn_closed(enum err_class cls, const char *message, void *arg)
{
	struct smtp_client	*c = arg;

	if (c->state == SMTP_STATE_QUIT)
		smtp_fail(c, ERR_NONE, "session ended");
	else if (cls == ERR_NONE)
		smtp_fail(c, ERR_NETWORK, "%s closed the connection unexpectedly",
		    c->params.host);
	else
		smtp_fail(c, cls, "%s", message);
}

static void
conn_data(const char *data, size_t len, void *arg)
{
	struct smtp_client	*c = arg;
	char			*error = NULL;
	size_t			 i, start = 0;

	net_meter_received(&c->meter, len);
	if (c->params.trace != NULL) {
		for (i = 0; i < len; i++) {
			if (data[i] != '\n')
				continue;
			buf_add(&c->trace_line, data + start, i + 1 - start);
			trace(c, "S: ", c->trace_line.data, c->trace_line.len);
			buf_reset(&c->trace_line);
			start = i + 1;
		}
		buf_add(&c->trace_line, data + start, len - start);
	}
	if (ev_timer_active(c->watchdog))
		ev_timer_start(c->watchdog, c->params.response_timeout_ms);
	client_ref(c);
	c->stop_feeding = false;
	if (smtp_reply_parser_feed(c->parser, data, len, on_reply, c, &error) < 0 &&
	    !c->dead && !c->closing)
		smtp_fail(c, ERR_PROTOCOL, "protocol error from %s: %s", c->params.host,
		    error);
	free(error);
	/* Still owed a reply: the time until the next bytes is the network's. */
	net_meter_handled(&c->meter, !c->dead && !c->closing && c->nexpect > 0);
	client_unref(c);
}

static bool
on_reply(const struct smtp_reply *r, void *arg)
{
	struct smtp_client	*c = arg;
	enum smtp_expect	 exp;
	char			*why;

	if (c->dead || c->closing)
		return false;
	if (c->nexpect == 0 || (r->code == 421 && c->expect[0] != SMTP_EXP_QUIT)) {
		why = smtp_reply_describe(r);
		if (r->code == 421)
			smtp_fail(c, ERR_NETWORK, "%s is closing the connection: %s",
			    c->params.host, why);
		else
			smtp_fail(c, ERR_PROTOCOL, "%s sent a reply nobody asked for: %s",
			    c->params.host, why);
		free(why);
		return false;
	}
	exp = c->expect[0];
	memmove(c->expect, c->expect + 1, --c->nexpect * sizeof *c->expect);
	watchdog_update(c);
	handlers[exp](c, r);
	return !c->dead && !c->closing && !c->stop_feeding;
}

/* Runs while a reply is awaited. */
static void
watchdog_update(struct smtp_client *c)
{
	if (c->closing)
		return;
	if (c->nexpect == 0)
		ev_timer_stop(c->watchdog);
	else if (!ev_timer_active(c->watchdog))
		ev_timer_start(c->watchdog, c->params.response_timeout_ms);
}

static void
watchdog_cb(void *arg)
{
	struct smtp_client	*c = arg;

	/* A big message on a slow link: the clock runs from the last byte. */
	if (c->conn != NULL && conn_pending_output(c->conn) > 0) {
		ev_timer_start(c->watchdog, c->params.response_timeout_ms);
		return;
	}
	smtp_fail(c, ERR_NETWORK, "%s did not answer for %u seconds; the connection "
	    "seems dead", c->params.host, (c->params.response_timeout_ms + 999) / 1000);
}

/* The transaction. */

static void
txn_free(struct smtp_txn *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrcpts; i++) {
		free(t->rcpts[i]);
		free(t->res[i].reply);
	}
	free(t->rcpts);
	free(t->res);
	free(t->from);
	free(t->why);
	buf_free(&t->data);
	free(t);
}

/* Records the first failure of the transaction. */
static void
txn_fail(struct smtp_client *c, enum err_class cls, const char *fmt, ...)
{
	va_list	ap;

	if (c->txn->why != NULL)
		return;
	c->txn->err = cls;
	va_start(ap, fmt);
	c->txn->why = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Reports the outcome and forgets the transaction. */
static void
txn_finish(struct smtp_client *c)
{
	struct smtp_txn		*t = c->txn;
	struct smtp_result	 res;

	c->txn = NULL;
	if (!c->closing)
		smtp_set_state(c, SMTP_STATE_READY);
	memset(&res, 0, sizeof res);
	res.err = t->why != NULL ? t->err : ERR_NONE;
	res.message = t->why;
	res.rcpts = t->res;
	res.nrcpts = t->nrcpts;
	res.naccepted = t->naccepted;
	client_ref(c);
	if (t->done != NULL)
		t->done(c, &res, t->arg);
	txn_free(t);
	if (client_unref(c) && !c->closing && c->quit_wanted)
		ev_timer_start(c->kick, 0);
}

/* Checks what the server can take, then MAIL, RCPT and DATA. */
static void
txn_start(struct smtp_client *c)
{
	struct smtp_txn	*t = c->txn;
	struct buf	 mail = BUF_INIT;
	const char	*size;
	uint64_t	 max = 0;
	size_t		 i;

	t->started = true;
	size = smtp_ext_param(c, "SIZE");
	if (size != NULL && str_to_u64(size, strcspn(size, " "), UINT64_MAX, &max) == 0 &&
	    max > 0 && t->size > max) {
		txn_fail(c, ERR_FAILURE, "the message is %zu bytes; %s accepts at most "
		    "%llu", t->size, c->params.host, (unsigned long long)max);
		txn_finish(c);
		return;
	}
	if (t->eight_bit && !smtp_client_has_ext(c, "8BITMIME")) {
		txn_fail(c, ERR_FAILURE, "the message has 8-bit data but %s does not "
		    "offer 8BITMIME; it must be encoded (quoted-printable or base64) "
		    "first", c->params.host);
		txn_finish(c);
		return;
	}
	if (t->utf8_addrs && !smtp_client_has_ext(c, "SMTPUTF8")) {
		txn_fail(c, ERR_FAILURE, "an address is not plain ASCII and %s does "
		    "not offer SMTPUTF8", c->params.host);
		txn_finish(c);
		return;
	}
	smtp_set_state(c, SMTP_STATE_SENDING);
	/* A later transaction starts clean whatever the last one left. */
	if (c->ntxn++ > 0)
		smtp_send_line(c, SMTP_EXP_RSET, "RSET", NULL);
	buf_printf(&mail, "MAIL FROM:<%s>", t->from);
	if (size != NULL)
		buf_printf(&mail, " SIZE=%zu", t->size);
	if (t->eight_bit)
		buf_adds(&mail, " BODY=8BITMIME");
	if (t->utf8_addrs)
		buf_adds(&mail, " SMTPUTF8");
	smtp_send_line(c, SMTP_EXP_MAIL, buf_cstr(&mail), NULL);
	buf_free(&mail);
	if (!smtp_client_has_ext(c, "PIPELINING"))
		return;
	/* RFC 2920: the whole envelope and DATA in one write. */
	for (i = 0; i < t->nrcpts; i++)
		send_rcpt(c, i);
	t->next_rcpt = t->nrcpts;
	smtp_send_line(c, SMTP_EXP_DATA, "DATA", NULL);
}

static void
send_rcpt(struct smtp_client *c, size_t i)
{
	char	*line;

	line = xasprintf("RCPT TO:<%s>", c->txn->rcpts[i]);
	smtp_send_line(c, SMTP_EXP_RCPT, line, NULL);
	free(line);
}

static void
on_rset(struct smtp_client *c, const struct smtp_reply *r)
{
	if (r->code / 100 != 2)
		log_info("smtp %s: RSET refused (%u)", c->params.host, r->code);
}

static void
on_mail(struct smtp_client *c, const struct smtp_reply *r)
{
	struct smtp_txn	*t = c->txn;
	char		*why;

	if (r->code / 100 == 2) {
		t->mail_ok = true;
		if (t->next_rcpt == 0)
			send_rcpt(c, t->next_rcpt++);
		return;
	}
	why = smtp_reply_describe(r);
	txn_fail(c, ERR_FAILURE, "%s refused the sender <%s>: %s", c->params.host,
	    t->from, why);
	free(why);
	/* Pipelined RCPT and DATA replies are still to come. */
	if (!smtp_client_has_ext(c, "PIPELINING"))
		txn_finish(c);
}

static void
on_rcpt(struct smtp_client *c, const struct smtp_reply *r)
{
	struct smtp_txn			*t = c->txn;
	struct smtp_rcpt_result		*res = &t->res[t->rcpt_replies++];

	res->reply = smtp_reply_describe(r);
	res->accepted = r->code / 100 == 2 && t->mail_ok;
	if (res->accepted)
		t->naccepted++;
	if (t->next_rcpt < t->nrcpts)
		send_rcpt(c, t->next_rcpt++);
	else if (t->rcpt_replies == t->nrcpts && !smtp_client_has_ext(c, "PIPELINING"))
		send_data_or_give_up(c);
}

/* Without pipelining DATA is only worth sending to someone. */
static void
send_data_or_give_up(struct smtp_client *c)
{
	if (c->txn->naccepted == 0) {
		txn_fail(c, ERR_FAILURE, "%s refused every recipient", c->params.host);
		txn_finish(c);
		return;
	}
	smtp_send_line(c, SMTP_EXP_DATA, "DATA", NULL);
}

static void
on_data(struct smtp_client *c, const struct smtp_reply *r)
{
	struct smtp_txn	*t = c->txn;
	char		*why, *note;

	if (r->code == 354) {
		if (t->naccepted == 0 || !t->mail_ok) {
			/* RFC 2920 3.1: DATA was accepted for nobody; end it. */
			txn_fail(c, ERR_FAILURE, "%s refused every recipient",
			    c->params.host);
			t->aborting = true;
			client_write(c, ".\r\n", 3);
			trace(c, "C: ", ".", 1);
		} else {
			client_write(c, t->data.data, t->data.len);
			if (c->params.trace != NULL) {
				note = xasprintf("<%zu bytes of message>", t->data.len - 3);
				trace(c, "C: ", note, strlen(note));
				trace(c, "C: ", ".", 1);
				free(note);
			}
		}
		c->expect = xreallocarray(c->expect, c->nexpect + 1, sizeof *c->expect);
		c->expect[c->nexpect++] = SMTP_EXP_BODY;
		watchdog_update(c);
		return;
	}
	if (t->mail_ok && t->naccepted == 0)
		txn_fail(c, ERR_FAILURE, "%s refused every recipient", c->params.host);
	why = smtp_reply_describe(r);
	txn_fail(c, ERR_FAILURE, "%s refused DATA: %s", c->params.host, why);
	free(why);
	txn_finish(c);
}

static void
on_body(struct smtp_client *c, const struct smtp_reply *r)
{
	char	*why;

	if (r->code / 100 != 2 && !c->txn->aborting) {
		why = smtp_reply_describe(r);
		txn_fail(c, ERR_FAILURE, "%s refused the message: %s", c->params.host, why);
		free(why);
	}
	txn_finish(c);
}

static void
on_quit(struct smtp_client *c, const struct smtp_reply *r)
{
	/* Nothing more can come: close now rather than wait for the server. */
	smtp_fail(c, ERR_NONE, "session ended");
}

/* Every client byte goes through here: counted, and a new flight when the
 * server has spoken since our previous send. */
static void
client_write(struct smtp_client *c, const void *data, size_t len)
{
	conn_write(c->conn, data, len);
	net_meter_sent(&c->meter, len);
}

void
smtp_client_stats(const struct smtp_client *c, struct net_stats *st)
{
	net_meter_read(&c->meter, st);
}
