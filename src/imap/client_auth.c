/*
 * From greeting to ready: STARTTLS, capabilities, authentication (SASL or
 * the LOGIN command), then ENABLE (and ID if wanted) pipelined together.
 * Credentials go out only over TLS unless the user allowed otherwise.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "crispin/base64.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "client_p.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static void next_step(struct imap_client *);
static void capability_done(struct imap_client *, const struct imap_response *, void *);
static void starttls_done(struct imap_client *, const struct imap_response *, void *);
static void authenticate(struct imap_client *);
static int start_sasl(struct imap_client *, const char *);
static bool server_offers_plus(struct imap_client *, const char *);
static void start_login(struct imap_client *);
static void sasl_continue(struct imap_client *, const struct imap_response *, void *);
static void auth_done(struct imap_client *, const struct imap_response *, void *);
static void postlogin(struct imap_client *);
static void postlogin_caps_done(struct imap_client *, const struct imap_response *, void *);
static void compress_done(struct imap_client *, const struct imap_response *, void *);
static void send_postlogin(struct imap_client *);
static void ignore_done(struct imap_client *, const struct imap_response *, void *);
static void speculate(struct imap_client *, bool);
static void add_enabled(struct imap_client *, const char *);
static void rtt_start(struct imap_client *);
static void rtt_sample(struct imap_client *);

/* Per-session authentication state that must not outlive the exchange. */
struct auth_state {
	char	*error;		/* local SASL failure, reported at the tagged NO */
	bool	 started;	/* the initial response went out */
	bool	 answered_ahead;	/* server-final's empty answer went already */
};

void
auth_reset(struct imap_client *c)
{
	sasl_client_free(&c->sasl);
}

/* What the server offers before the login, once TLS protects it: kept
 * for the next connection (client_hint.c). */
static void
note_greeting_caps(struct imap_client *c)
{
	if (!c->tls_active || !c->caps_known || c->caps_from_hint)
		return;
	free(c->greeting_line);
	c->greeting_line = hint_caps_line(c);
}

/*
 * A server seen before: the login goes out with the end of the TLS
 * handshake (verified by now), on the capabilities it offered last time,
 * instead of a round trip later behind its greeting.
 */
void
auth_early(struct imap_client *c)
{
	if (!c->tls_active || c->hint_greeting == NULL)
		return;
	hint_apply(c, c->hint_greeting);
	c->greeting_due = true;
	c->auth_on_hint = true;
	authenticate(c);
}

void
auth_greeting(struct imap_client *c, const struct imap_response *r)
{
	bool	on_its_way = c->greeting_due && c->auth_on_hint;

	c->greeting_due = false;
	switch (r->status) {
	case IMAP_STATUS_OK:
		note_greeting_caps(c);
		if (!on_its_way)
			next_step(c);
		return;
	case IMAP_STATUS_PREAUTH:
		if (on_its_way) {
			/* The login's refusal will say so (auth_done). */
			c->preauthed = true;
			return;
		}
		if (!c->tls_active && c->params.starttls) {
			/* STARTTLS is impossible once authenticated: refuse
			 * rather than carry on in the clear. */
			client_fail(c, ERR_TLS, "%s pre-authenticated the connection before "
			    "TLS could start; refusing to continue unencrypted",
			    c->params.host);
			return;
		}
		c->auth_mech = xstrdup("PREAUTH");
		postlogin(c);
		return;
	case IMAP_STATUS_BYE: {
		char *why = str_sanitize(r->text);

		client_fail(c, ERR_FAILURE, "%s refused the connection: %s", c->params.host, why);
		free(why);
		return;
	}
	default:
		client_fail(c, ERR_PROTOCOL, "%s did not send an IMAP greeting", c->params.host);
		return;
	}
}

static void
next_step(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	if (!c->tls_active && c->params.starttls) {
		if (!c->caps_known)
			goto ask_caps;
		if (!imap_client_has_cap(c, "STARTTLS")) {
			client_fail(c, ERR_TLS, "%s does not offer STARTTLS; refusing to "
			    "continue without TLS (set tls = no and allow_plaintext = yes "
			    "to connect anyway)", c->params.host);
			return;
		}
		client_set_state(c, IMAP_STATE_STARTTLS);
		cmd = imap_cmd_new(c, IMAP_CMD_BARRIER);
		imap_cmd_add(cmd, "STARTTLS");
		imap_cmd_submit(cmd, starttls_done, NULL);
		return;
	}
	if (!c->caps_known && c->tls_active && c->hint_greeting != NULL &&
	    !c->auth_retried) {
		/* Behind STARTTLS: what the server offered last time saves
		 * asking it again. */
		hint_apply(c, c->hint_greeting);
		c->auth_on_hint = true;
	}
	if (!c->caps_known)
		goto ask_caps;
	authenticate(c);
	return;
ask_caps:
	client_set_state(c, IMAP_STATE_CAPABILITY);
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "CAPABILITY");
	imap_cmd_submit(cmd, capability_done, NULL);
}

static void
capability_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	if (c->closing)
		return;
	if (r->status != IMAP_STATUS_OK || !c->caps_known) {
		client_fail(c, ERR_PROTOCOL, "%s did not answer CAPABILITY", c->params.host);
		return;
	}
	note_greeting_caps(c);
	/* A login refused on remembered capabilities is tried again only
	 * where the server's own offer another way in. */
	if (c->hint_refusal != NULL && c->hint_greeting != NULL &&
	    c->greeting_line != NULL &&
	    hint_same_login(c->greeting_line, c->hint_greeting)) {
		client_fail(c, ERR_AUTH, "%s", c->hint_refusal);
		return;
	}
	next_step(c);
}

static void
starttls_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	char	*why;

	if (c->closing)
		return;
	if (r->status != IMAP_STATUS_OK) {
		why = str_sanitize(r->text);
		client_fail(c, ERR_TLS, "%s refused STARTTLS: %s", c->params.host, why);
		free(why);
		return;
	}
	/* Whatever came before the handshake cannot be trusted: forget it. */
	imap_parser_reset(c->parser);
	buf_reset(&c->trace_line);
	c->caps_known = false;
	conn_starttls(c->conn);
}

void
auth_tls_ready(struct imap_client *c)
{
	log_debug("imap %s: TLS started (%s)", c->params.host,
	    conn_tls_description(c->conn));
	next_step(c);
}

static void
authenticate(struct imap_client *c)
{
	const char	**server = NULL, **allowed = NULL, *mech;
	bool		  login_ok, can_bind;
	size_t		  nserver = 0, nallowed = 0, i;
	struct buf	  offered = BUF_INIT;

	client_set_state(c, IMAP_STATE_AUTHENTICATING);
	if (!c->tls_active && !c->params.allow_plaintext) {
		client_fail(c, ERR_AUTH, "refusing to send credentials to %s over an "
		    "unencrypted connection (set allow_plaintext = yes to allow it)",
		    c->params.host);
		return;
	}
	if (c->params.user == NULL) {
		client_fail(c, ERR_CONFIG, "no user name: put it in imap_url "
		    "(imaps://USER@host/) or set imap_user");
		return;
	}

	server = xcalloc(c->ncaps + 1, sizeof *server);
	for (i = 0; i < c->ncaps; i++) {
		if (str_has_prefix(c->caps[i], "AUTH=")) {
			server[nserver++] = c->caps[i] + 5;
			buf_printf(&offered, "%s%s", offered.len ? " " : "", c->caps[i]);
		}
	}
	if (c->params.authenticators != NULL) {
		allowed = xcalloc(c->params.nauthenticators + 1, sizeof *allowed);
		login_ok = false;
		for (i = 0; i < c->params.nauthenticators; i++) {
			if (str_ieq(c->params.authenticators[i], "imap-login"))
				login_ok = true;
			else
				allowed[nallowed++] = c->params.authenticators[i];
		}
	} else
		login_ok = true;
	if (imap_client_has_cap(c, "LOGINDISABLED")) {
		login_ok = false;
		buf_printf(&offered, "%sLOGINDISABLED", offered.len ? " " : "");
	}
	can_bind = conn_channel_binding_type(c->conn) != NULL;

	mech = NULL;
	if (allowed == NULL || nallowed > 0)
		mech = sasl_choose(server, nserver, allowed, allowed == NULL ? 0 : nallowed,
		    c->params.have_token_source, can_bind);
	if (mech != NULL) {
		if (start_sasl(c, mech) < 0)
			goto out;
	} else if (login_ok) {
		start_login(c);
	} else if (c->auth_on_hint) {
		/* The remembered offer has nothing for us: the server's own
		 * (greeting or CAPABILITY) decide. */
		c->auth_on_hint = false;
		c->auth_retried = true;
		c->caps_known = false;
		if (!c->greeting_due)
			next_step(c);
	} else {
		client_fail(c, ERR_AUTH, "no authentication method in common with %s "
		    "(server offers: %s)", c->params.host,
		    offered.len ? buf_cstr(&offered) : "nothing");
	}
out:
	free(server);
	free(allowed);
	buf_free(&offered);
}

static char *
get_secret(struct imap_client *c, enum imap_secret_kind kind)
{
	char	*secret, *error = NULL;

	if (c->cb.get_secret == NULL) {
		client_fail(c, ERR_CONFIG, "no %s configured",
		    kind == IMAP_SECRET_TOKEN ? "OAuth token command" : "password");
		return NULL;
	}
	secret = c->cb.get_secret(kind, c->arg, &error);
	if (secret == NULL) {
		client_fail(c, ERR_CONFIG, "%s", error != NULL ? error : "no password");
		free(error);
	}
	return secret;
}

static bool
server_offers_plus(struct imap_client *c, const char *mech)
{
	const char	**server;
	size_t		  n = 0, i;
	bool		  plus;

	server = xcalloc(c->ncaps + 1, sizeof *server);
	for (i = 0; i < c->ncaps; i++) {
		if (str_has_prefix(c->caps[i], "AUTH="))
			server[n++] = c->caps[i] + 5;
	}
	plus = sasl_server_offers_plus(server, n, mech);
	free(server);
	return plus;
}

static int
start_sasl(struct imap_client *c, const char *mech)
{
	struct buf		 ir = BUF_INIT, enc = BUF_INIT;
	struct imap_cmd		*cmd;
	struct auth_state	*st;
	char			*secret, *error = NULL;
	bool			 token = sasl_mech_uses_token(mech);

	if ((secret = get_secret(c, token ? IMAP_SECRET_TOKEN : IMAP_SECRET_PASSWORD)) == NULL)
		return -1;
	/* Downgrade protection: tell SCRAM whether a -PLUS form was on offer. */
	c->sasl = sasl_client_on(c->conn, mech, c->params.user, secret,
	    c->params.host, c->params.port, server_offers_plus(c, mech), &error);
	x_free_secret(&secret);
	if (c->sasl == NULL) {
		client_fail(c, ERR_AUTH, "%s: %s", mech, error);
		free(error);
		return -1;
	}
	st = xcalloc(1, sizeof *st);
	cmd = imap_cmd_new(c, IMAP_CMD_BARRIER);
	imap_cmd_add(cmd, "AUTHENTICATE %s", sasl_client_mech(c->sasl));
	if (sasl_mech_client_first(mech) && imap_client_has_cap(c, "SASL-IR")) {
		/* SASL-IR (RFC 4959) saves the round trip of an empty challenge. */
		if (sasl_client_start(c->sasl, &ir, &error) == SASL_ERROR) {
			client_fail(c, ERR_AUTH, "%s: %s", mech, error);
			free(error);
			free(st);
			buf_free_secret(&ir);
			return -1;
		}
		base64_encode(&enc, ir.data, ir.len);
		imap_cmd_add(cmd, " ");
		imap_cmd_add_secret(cmd, enc.len == 0 ? "=" : buf_cstr(&enc));
		st->started = true;
	}
	buf_free_secret(&ir);
	buf_free_secret(&enc);
	imap_cmd_on_continuation(cmd, sasl_continue);
	imap_cmd_submit(cmd, auth_done, st);
	rtt_start(c);
	return 0;
}

/* A login step went out; nothing else is in flight meanwhile. The clock
 * is read now: the turn may have begun well before (a TLS handshake's
 * end, a certificate checked), and a slow turn is no slow link. */
static void
rtt_start(struct imap_client *c)
{
	c->auth_sent_ms = ev_now_update(c->loop);
}

static void
rtt_sample(struct imap_client *c)
{
	uint64_t	d;

	if (c->auth_sent_ms == 0)
		return;
	d = ev_now(c->loop) - c->auth_sent_ms;
	if (!c->rtt_known || d < c->rtt_ms)
		c->rtt_ms = d;
	c->rtt_known = true;
	c->auth_sent_ms = 0;
}

bool
imap_client_round_trip_ms(const struct imap_client *c, uint64_t *ms)
{
	*ms = c->rtt_ms;
	return c->rtt_known;
}

/*
 * The login is as good as done: SCRAM's server signature is checked (the
 * server signs only after it has checked our proof), or, over TLS, our
 * proof went out with the empty answer to the server's signature, which
 * is checked when it comes, before anything the server says after it.
 * With the capabilities the server had after the last login, what follows
 * the login goes out now, a round trip or two earlier; the OK's own list
 * then confirms them (confirm).
 */
static void
speculate(struct imap_client *c, bool answered_ahead)
{
	if (c->hint_login == NULL || c->speculating || c->preauthed)
		return;
	c->speculating = true;
	client_release_auth(c, answered_ahead);
	hint_apply(c, c->hint_login);
	c->caps_used = xcalloc(c->ncaps + 1, sizeof *c->caps_used);
	postlogin(c);
}

/* The first capability a choice rested on that the server no longer
 * offers, or NULL. */
static char *
assumed_but_gone(struct imap_client *c)
{
	const char	*p, *end;
	char		*word;

	if (c->assumed == NULL)
		return NULL;
	for (p = c->assumed; *p != '\0'; p = *end == ' ' ? end + 1 : end) {
		end = p + strcspn(p, " ");
		word = xstrndup(p, (size_t)(end - p));
		if (!imap_client_has_cap(c, word))
			return word;
		free(word);
	}
	return NULL;
}

static void
confirm(struct imap_client *c)
{
	char	*gone;

	hint_save(c);
	/* Commands built on a capability the server no longer has went out
	 * already: this connection cannot be trusted, the next one uses the
	 * server's own list. */
	if ((gone = assumed_but_gone(c)) != NULL) {
		client_fail(c, ERR_NETWORK, "%s no longer offers %s, which this "
		    "connection took from the last login; the next one will not",
		    c->params.host, gone);
		free(gone);
	}
	x_free(&c->assumed);
}

static void
confirm_caps_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	if (c->closing)
		return;
	if (r->status != IMAP_STATUS_OK || c->caps_from_hint) {
		client_fail(c, ERR_PROTOCOL, "%s did not answer CAPABILITY", c->params.host);
		return;
	}
	confirm(c);
}

/* One challenge of the exchange: decode, step, answer. */
static void
sasl_continue(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct auth_state	*st = arg;
	struct buf		 challenge = BUF_INIT, out = BUF_INIT, enc = BUF_INIT;
	enum sasl_step		 step;
	char			*error = NULL, *msg;
	const char		*text = r->text;
	size_t			 len = strlen(text);

	while (len > 0 && text[len - 1] == ' ')
		len--;
	rtt_sample(c);
	if (c->sasl == NULL || st->error != NULL) {
		imap_client_continue(c, "*", false);
		return;
	}
	if (!st->started) {
		st->started = true;
		if (sasl_mech_client_first(sasl_client_mech(c->sasl))) {
			step = sasl_client_start(c->sasl, &out, &error);
			goto answer;
		}
	}
	if (base64_decode(&challenge, text, len) < 0) {
		st->error = xstrdup("the server sent a challenge that is not base64");
		goto refuse;
	}
	step = sasl_client_step(c->sasl, challenge.data == NULL ? "" : challenge.data,
	    challenge.len, &out, &error);
answer:
	if (step == SASL_ERROR) {
		st->error = error != NULL ? error : xstrdup("authentication exchange failed");
		error = NULL;
		goto refuse;
	}
	if (st->answered_ahead)
		goto done;	/* the signature checks out; answered already */
	base64_encode(&enc, out.data, out.len);
	imap_client_continue(c, buf_cstr(&enc), true);
	rtt_start(c);
	/*
	 * Only the server's signature is left, and its empty answer: over
	 * TLS that answer goes now, a round trip earlier, and with it what
	 * follows the login. Should the signature be wrong, the connection
	 * ends before anything after it is read.
	 */
	if (sasl_client_final_due(c->sasl) && conn_is_tls(c->conn)) {
		imap_client_continue(c, "", false);
		st->answered_ahead = true;
		speculate(c, true);
	} else if (sasl_client_verified(c->sasl))
		speculate(c, false);
	goto done;
refuse:
	if (st->answered_ahead) {
		/* Our answer and maybe commands went already: nothing this
		 * server says can be trusted. st goes with the command. */
		msg = xasprintf("authentication as %s on %s failed (%s): %s",
		    c->params.user, c->params.host, sasl_client_mech(c->sasl), st->error);
		client_fail(c, ERR_AUTH, "%s", msg);
		free(msg);
		goto done;
	}
	/* "*" cancels the exchange; the server answers BAD. */
	imap_client_continue(c, "*", false);
done:
	free(error);
	buf_free_secret(&challenge);
	buf_free_secret(&out);
	buf_free_secret(&enc);
}

static void
start_login(struct imap_client *c)
{
	struct imap_cmd	*cmd;
	struct buf	 q = BUF_INIT;
	char		*pass;

	if ((pass = get_secret(c, IMAP_SECRET_PASSWORD)) == NULL)
		return;
	cmd = imap_cmd_new(c, IMAP_CMD_BARRIER);
	imap_cmd_add(cmd, "LOGIN ");
	imap_cmd_add_string(cmd, c->params.user);
	imap_cmd_add(cmd, " ");
	if (imap_quote(&q, pass, strlen(pass), false))
		imap_cmd_add_string(cmd, pass);	/* a literal: traced as its size */
	else
		imap_cmd_add_secret(cmd, buf_cstr(&q));
	buf_free_secret(&q);
	x_free_secret(&pass);
	imap_cmd_submit(cmd, auth_done, xcalloc(1, sizeof(struct auth_state)));
	rtt_start(c);
}

/* A login refused on remembered capabilities (auth_early) is tried once
 * more on the server's own, unless they offer the same ways in. */
static bool
retry_on_own_caps(struct imap_client *c, const struct auth_state *st)
{
	char	*now;
	bool	 same;

	if (!c->auth_on_hint || c->auth_retried || st->error != NULL ||
	    c->speculating ||
	    c->hint_greeting == NULL)
		return false;
	c->auth_on_hint = false;
	c->auth_retried = true;
	if (c->caps_from_hint)
		return true;	/* not said yet: capability_done compares */
	now = hint_caps_line(c);
	same = hint_same_login(now, c->hint_greeting);
	free(now);
	return !same;
}

static void
logged_in(struct imap_client *c, const char *mech)
{
	free(c->auth_mech);
	c->auth_mech = xstrdup(mech);
	log_info("imap %s: logged in as %s with %s", c->params.host,
	    c->params.user, mech);
	sasl_client_free(&c->sasl);
}

static void
auth_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct auth_state	*st = arg;
	struct imap_cmd		*cmd;
	const char		*mech;
	char			*why, *msg;

	if (c->closing) {
		free(st->error);
		free(st);
		return;
	}
	rtt_sample(c);
	mech = c->sasl != NULL ? sasl_client_mech(c->sasl) : "LOGIN";
	if (r->status != IMAP_STATUS_OK && c->preauthed) {
		/* PREAUTH came while the login was on its way: refused, and
		 * not needed. */
		sasl_client_free(&c->sasl);
		free(c->auth_mech);
		c->auth_mech = xstrdup("PREAUTH");
		postlogin(c);
	} else if (r->status != IMAP_STATUS_OK) {
		why = str_sanitize(r->text);
		if (st->error != NULL)
			msg = xasprintf("authentication as %s on %s failed (%s): %s",
			    c->params.user, c->params.host, mech, st->error);
		else if (c->sasl != NULL && sasl_client_server_error(c->sasl) != NULL)
			msg = xasprintf("authentication as %s on %s failed (%s): %s (%s)",
			    c->params.user, c->params.host, mech, why,
			    sasl_client_server_error(c->sasl));
		else
			msg = xasprintf("authentication as %s on %s failed (%s): %s",
			    c->params.user, c->params.host, mech, why);
		free(why);
		if (retry_on_own_caps(c, st)) {
			log_info("imap %s: %s; trying again on the capabilities the "
			    "server offers now", c->params.host, msg);
			c->hint_refusal = msg;
			sasl_client_free(&c->sasl);
			if (c->caps_from_hint)
				c->caps_known = false;
			next_step(c);
		} else {
			client_fail(c, ERR_AUTH, "%s", msg);
			free(msg);
		}
	} else if (c->sasl != NULL && !sasl_client_complete(c->sasl)) {
		client_fail(c, ERR_AUTH, "%s accepted the login but did not prove it "
		    "knows the password (%s server signature missing)", c->params.host, mech);
	} else if (c->speculating) {
		/* Ready already (speculate): the OK confirms. */
		c->speculating = false;
		logged_in(c, mech);
		if (r->code != NULL && strcmp(r->code, "CAPABILITY") == 0)
			confirm(c);
		else {
			cmd = imap_cmd_new(c, 0);
			imap_cmd_add(cmd, "CAPABILITY");
			imap_cmd_submit(cmd, confirm_caps_done, NULL);
		}
	} else {
		logged_in(c, mech);
		/* Capabilities change at login; most servers send the new
		 * list in the OK, otherwise ask. */
		if (r->code == NULL || strcmp(r->code, "CAPABILITY") != 0)
			c->caps_known = false;
		postlogin(c);
	}
	free(st->error);
	free(st);
}

static void
postlogin(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	client_set_state(c, IMAP_STATE_POSTLOGIN);
	if (c->caps_known) {
		postlogin_caps_done(c, NULL, NULL);
		return;
	}
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "CAPABILITY");
	imap_cmd_submit(cmd, postlogin_caps_done, NULL);
}

static void
postlogin_caps_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct imap_cmd	*cmd;

	if (c->closing)
		return;
	/* COMPRESS first, alone: the server compresses right after its OK,
	 * so nothing may be in flight beside it (RFC 4978). TLS stays
	 * underneath; credentials went out before, never in a compressed
	 * stream an attacker could probe. */
	if (!c->params.no_compress && conn_compress_available() &&
	    imap_client_has_cap(c, "COMPRESS=DEFLATE") &&
	    !conn_is_compressed(c->conn)) {
		cmd = imap_cmd_new(c, IMAP_CMD_BARRIER);
		imap_cmd_add(cmd, "COMPRESS DEFLATE");
		imap_cmd_submit(cmd, compress_done, NULL);
		return;
	}
	send_postlogin(c);
}

static void
compress_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	size_t	 off;
	char	*error = NULL;

	if (c->closing || c->dead)
		return;
	if (r->status == IMAP_STATUS_OK && c->feed_data != NULL) {
		/* The rest of what arrived with the OK is compressed. */
		off = imap_parser_offset(c->parser);
		if (off > c->feed_len)
			off = c->feed_len;
		imap_parser_reset(c->parser);
		if (conn_compress(c->conn, c->feed_data + off, c->feed_len - off,
		    &error) < 0) {
			client_fail(c, ERR_PROTOCOL, "cannot compress the "
			    "connection to %s: %s", c->params.host, error);
			free(error);
			return;
		}
	}
	/* A refusal costs only the compression. */
	send_postlogin(c);
}

static void
add_enabled(struct imap_client *c, const char *name)
{
	if (imap_client_enabled(c, name))
		return;
	c->enabled = xreallocarray(c->enabled, c->nenabled + 1, sizeof *c->enabled);
	c->enabled[c->nenabled++] = xstrdup(name);
}

/* ENABLE (and ID when asked for) go out together, and so can the caller's
 * first commands: ready is called without waiting for their answers.
 * NAMESPACE waits for a listing that needs it (imap_client_ask_namespaces). */
static void
send_postlogin(struct imap_client *c)
{
	static const char *const wanted[] = { "IMAP4REV2", "CONDSTORE", "QRESYNC", "UTF8=ACCEPT" };
	struct imap_cmd	*cmd;
	struct buf	 en = BUF_INIT;
	size_t		 i;

	if (imap_client_has_cap(c, "ENABLE")) {
		for (i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
			if (!imap_client_has_cap(c, wanted[i]))
				continue;
			/* The server must enable what it advertises, and
			 * commands built from now on depend on it. */
			add_enabled(c, wanted[i]);
			/* Enabling QRESYNC enables CONDSTORE (RFC 7162 3.2.3). */
			if (strcmp(wanted[i], "CONDSTORE") == 0 &&
			    imap_client_has_cap(c, "QRESYNC"))
				continue;
			buf_printf(&en, " %s", wanted[i]);
		}
	}
	if (en.len > 0) {
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "ENABLE%s", buf_cstr(&en));
		imap_cmd_submit(cmd, ignore_done, NULL);
	}
	buf_free(&en);
	/* Only for servers that insist: the name and version are nobody
	 * else's business, and the answer costs bytes on every connection. */
	if (c->params.send_id && imap_client_has_cap(c, "ID")) {
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "ID (\"name\" \"crispin\" \"version\" \"%s\")", PACKAGE_VERSION);
		imap_cmd_submit(cmd, ignore_done, NULL);
	}
	client_set_state(c, IMAP_STATE_AUTHENTICATED);
	hint_save(c);
	if (c->cb.ready != NULL)
		c->cb.ready(c, c->arg);
}

static void
ignore_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	if (r->status != IMAP_STATUS_OK)
		log_info("imap %s: %s", c->params.host, r->text);
}
