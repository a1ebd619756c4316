/*
 * From greeting to ready: EHLO (HELO when refused), STARTTLS and EHLO
 * again, then AUTH (RFC 4954) with the best SASL mechanism both sides
 * know. Credentials go out only over TLS unless the user allowed
 * otherwise, and a SCRAM server must prove it knows the password.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/base64.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "smtp_p.h"

/* RFC 4954 4: an AUTH line longer than this may be refused. */
#define AUTH_LINE_MAX	512

static void send_ehlo(struct smtp_client *);
static void next_step(struct smtp_client *);
static void authenticate(struct smtp_client *);
static size_t server_mechs(struct smtp_client *, char ***);
static void free_mechs(char **, size_t);
static char *get_secret(struct smtp_client *, enum smtp_secret_kind);
static void answer(struct smtp_client *, struct buf *, enum sasl_step, char *);
static void cancel(struct smtp_client *, char *);

static void
send_ehlo(struct smtp_client *c)
{
	char	*line;

	smtp_set_state(c, SMTP_STATE_EHLO);
	line = xasprintf("EHLO %s", c->params.helo_name);
	smtp_send_line(c, SMTP_EXP_EHLO, line, NULL);
	free(line);
}

void
smtp_on_greeting(struct smtp_client *c, const struct smtp_reply *r)
{
	char	*why;

	if (r->code == 220) {
		send_ehlo(c);
		return;
	}
	why = smtp_reply_describe(r);
	if (r->code / 100 == 5 || r->code / 100 == 4)
		smtp_fail(c, ERR_FAILURE, "%s refused the connection: %s",
		    c->params.host, why);
	else
		smtp_fail(c, ERR_PROTOCOL, "%s did not send an SMTP greeting: %s",
		    c->params.host, why);
	free(why);
}

void
smtp_on_ehlo(struct smtp_client *c, const struct smtp_reply *r)
{
	char	*why, *e;
	size_t	 i, j, n;

	if (r->code / 100 == 5) {
		/* An old server: HELO, and no extensions. */
		char *line = xasprintf("HELO %s", c->params.helo_name);

		smtp_send_line(c, SMTP_EXP_HELO, line, NULL);
		free(line);
		return;
	}
	if (r->code != 250) {
		why = smtp_reply_describe(r);
		smtp_fail(c, ERR_FAILURE, "%s refused EHLO: %s", c->params.host, why);
		free(why);
		return;
	}
	for (i = 0; i < c->next; i++)
		free(c->ext[i]);
	free(c->ext);
	c->ext = xcalloc(r->nlines, sizeof *c->ext);
	c->next = 0;
	/* The first line greets; each other names an extension. */
	for (i = 1; i < r->nlines; i++) {
		e = c->ext[c->next++] = xstrdup(r->lines[i]);
		/* Old servers say "AUTH=PLAIN LOGIN". */
		if (strncasecmp(e, "AUTH=", 5) == 0)
			e[4] = ' ';
		/* Keywords are case-insensitive; parameters keep their case. */
		n = strcspn(e, " ");
		for (j = 0; j < n; j++) {
			if (e[j] >= 'a' && e[j] <= 'z')
				e[j] -= 'a' - 'A';
		}
	}
	c->ehlo_done = true;
	smtp_reply_parser_set_enhanced(c->parser, smtp_client_has_ext(c,
	    "ENHANCEDSTATUSCODES"));
	next_step(c);
}

void
smtp_on_helo(struct smtp_client *c, const struct smtp_reply *r)
{
	char	*why;

	if (r->code != 250) {
		why = smtp_reply_describe(r);
		smtp_fail(c, ERR_FAILURE, "%s refused both EHLO and HELO: %s",
		    c->params.host, why);
		free(why);
		return;
	}
	c->ehlo_done = true;
	next_step(c);
}

static void
next_step(struct smtp_client *c)
{
	if (!c->tls_active && c->params.starttls) {
		if (!smtp_client_has_ext(c, "STARTTLS")) {
			smtp_fail(c, ERR_TLS, "%s does not offer STARTTLS; refusing to "
			    "continue without TLS (use smtps:// for TLS from the first "
			    "byte, or set tls = no to connect anyway)", c->params.host);
			return;
		}
		smtp_set_state(c, SMTP_STATE_STARTTLS);
		smtp_send_line(c, SMTP_EXP_STARTTLS, "STARTTLS", NULL);
		return;
	}
	if (c->params.user != NULL && !c->authed) {
		authenticate(c);
		return;
	}
	smtp_ready(c);
}

void
smtp_on_starttls(struct smtp_client *c, const struct smtp_reply *r)
{
	char	*why;

	if (r->code != 220) {
		why = smtp_reply_describe(r);
		smtp_fail(c, ERR_TLS, "%s refused STARTTLS: %s", c->params.host, why);
		free(why);
		return;
	}
	/* Whatever came with or after the 220 was sent before TLS and
	 * cannot be trusted: drop it, and everything EHLO told us. */
	c->stop_feeding = true;
	smtp_reply_parser_reset(c->parser);
	smtp_reply_parser_set_enhanced(c->parser, false);
	buf_reset(&c->trace_line);
	while (c->next > 0)
		free(c->ext[--c->next]);
	c->ehlo_done = false;
	conn_starttls(c->conn);
}

void
smtp_tls_ready(struct smtp_client *c)
{
	send_ehlo(c);
}

/* The mechanisms after the AUTH keyword; strings owned by the array. */
static size_t
server_mechs(struct smtp_client *c, char ***out)
{
	const char	*p = smtp_ext_param(c, "AUTH");
	char		*copy, *tok, *save = NULL;
	size_t		 n = 0;

	*out = NULL;
	if (p == NULL)
		return 0;
	copy = xstrdup(p);
	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = xstrdup(tok);
	}
	free(copy);
	return n;
}

static void
free_mechs(char **m, size_t n)
{
	while (n > 0)
		free(m[--n]);
	free(m);
}

static char *
get_secret(struct smtp_client *c, enum smtp_secret_kind kind)
{
	char	*secret, *error = NULL;

	if (c->cb.get_secret == NULL) {
		smtp_fail(c, ERR_CONFIG, "no %s configured for %s",
		    kind == SMTP_SECRET_TOKEN ? "OAuth token command" : "password",
		    c->params.host);
		return NULL;
	}
	secret = c->cb.get_secret(kind, c->arg, &error);
	if (secret == NULL) {
		smtp_fail(c, ERR_CONFIG, "%s", error != NULL ? error : "no password");
		free(error);
	}
	return secret;
}

static void
authenticate(struct smtp_client *c)
{
	struct buf		 ir = BUF_INIT, line = BUF_INIT;
	char			**mechs, *secret, *error = NULL, *trace_as;
	const char		*mech;
	size_t			 n;
	bool			 token;

	smtp_set_state(c, SMTP_STATE_AUTH);
	if (!c->tls_active && !c->params.allow_plaintext) {
		smtp_fail(c, ERR_AUTH, "refusing to send credentials to %s over an "
		    "unencrypted connection (set allow_plaintext = yes to allow it)",
		    c->params.host);
		return;
	}
	n = server_mechs(c, &mechs);
	if (n == 0) {
		smtp_fail(c, ERR_AUTH, "%s does not offer authentication (no AUTH in "
		    "its EHLO reply); remove the user name from smtp_url to send "
		    "without logging in", c->params.host);
		free_mechs(mechs, n);
		return;
	}
	mech = sasl_choose((const char *const *)mechs, n, c->params.authenticators,
	    c->params.nauthenticators, c->params.have_token_source,
	    conn_channel_binding_type(c->conn) != NULL);
	if (mech == NULL) {
		const char *offered = smtp_ext_param(c, "AUTH");

		smtp_fail(c, ERR_AUTH, "no authentication method in common with %s "
		    "(server offers: %s)", c->params.host, offered);
		free_mechs(mechs, n);
		return;
	}
	token = sasl_mech_uses_token(mech);
	if ((secret = get_secret(c, token ? SMTP_SECRET_TOKEN : SMTP_SECRET_PASSWORD)) == NULL) {
		free_mechs(mechs, n);
		return;
	}
	/* Downgrade protection: tell SCRAM whether a -PLUS form was on offer. */
	c->sasl = sasl_client_on(c->conn, mech, c->params.user, secret,
	    c->params.host, c->params.port,
	    sasl_server_offers_plus((const char *const *)mechs, n, mech), &error);
	free_mechs(mechs, n);
	x_free_secret(&secret);
	if (c->sasl == NULL) {
		smtp_fail(c, ERR_AUTH, "%s: %s", mech, error);
		free(error);
		return;
	}
	c->sasl_started = false;
	buf_printf(&line, "AUTH %s", sasl_client_mech(c->sasl));
	trace_as = xstrdup(buf_cstr(&line));
	if (sasl_mech_client_first(mech)) {
		if (sasl_client_start(c->sasl, &ir, &error) == SASL_ERROR) {
			smtp_fail(c, ERR_AUTH, "%s: %s", mech, error);
			free(error);
			goto out;
		}
		/* The initial response rides on the AUTH line when it fits;
		 * otherwise it answers the server's empty challenge. */
		if (line.len + 1 + (ir.len + 2) / 3 * 4 + 2 <= AUTH_LINE_MAX) {
			buf_addc(&line, ' ');
			if (ir.len == 0)
				buf_addc(&line, '=');
			else
				base64_encode(&line, ir.data, ir.len);
			free(trace_as);
			trace_as = xasprintf("AUTH %s ***", sasl_client_mech(c->sasl));
			c->sasl_started = true;
		}
	}
	smtp_send_line(c, SMTP_EXP_AUTH, buf_cstr(&line), trace_as);
out:
	free(trace_as);
	buf_free_secret(&ir);
	buf_free_secret(&line);
}

/* Sends a SASL answer, or "*" to cancel. */
static void
answer(struct smtp_client *c, struct buf *out, enum sasl_step step, char *error)
{
	struct buf	enc = BUF_INIT;

	if (step == SASL_ERROR) {
		cancel(c, error != NULL ? error : xstrdup("authentication exchange failed"));
		return;
	}
	base64_encode(&enc, out->data, out->len);
	smtp_send_line(c, SMTP_EXP_AUTH, buf_cstr(&enc), "***");
	buf_free_secret(&enc);
}

/* Cancels the exchange (RFC 4954: the server answers 501); why is told
 * then. Takes why. */
static void
cancel(struct smtp_client *c, char *why)
{
	if (c->sasl_error == NULL)
		c->sasl_error = why;
	else
		free(why);
	smtp_send_line(c, SMTP_EXP_AUTH, "*", NULL);
}

void
smtp_on_auth(struct smtp_client *c, const struct smtp_reply *r)
{
	struct buf	 challenge = BUF_INIT, out = BUF_INIT;
	enum sasl_step	 step;
	const char	*text = r->lines[0], *mech;
	char		*error = NULL, *why;
	size_t		 len = strlen(text);

	mech = c->sasl != NULL ? sasl_client_mech(c->sasl) : "?";
	if (r->code == 334) {
		if (c->sasl == NULL || c->sasl_error != NULL) {
			cancel(c, xstrdup("the server went on after a failure"));
			return;
		}
		while (len > 0 && text[len - 1] == ' ')
			len--;
		if (!c->sasl_started) {
			c->sasl_started = true;
			if (sasl_mech_client_first(mech)) {
				step = sasl_client_start(c->sasl, &out, &error);
				answer(c, &out, step, error);
				buf_free_secret(&out);
				return;
			}
		}
		if (base64_decode(&challenge, text, len) < 0) {
			cancel(c, xstrdup("the server sent a challenge that is not base64"));
			buf_free_secret(&challenge);
			return;
		}
		step = sasl_client_step(c->sasl, challenge.data == NULL ? "" : challenge.data,
		    challenge.len, &out, &error);
		answer(c, &out, step, error);
		buf_free_secret(&challenge);
		buf_free_secret(&out);
		return;
	}
	if (r->code == 235) {
		if (c->sasl != NULL && !sasl_client_complete(c->sasl)) {
			smtp_fail(c, ERR_AUTH, "%s accepted the login but did not prove it "
			    "knows the password (%s server signature missing)",
			    c->params.host, mech);
			return;
		}
		c->authed = true;
		free(c->auth_mech);
		c->auth_mech = xstrdup(mech);
		log_info("smtp %s: logged in as %s with %s", c->params.host,
		    c->params.user, mech);
		sasl_client_free(&c->sasl);
		smtp_ready(c);
		return;
	}
	why = smtp_reply_describe(r);
	if (c->sasl_error != NULL)
		smtp_fail(c, ERR_AUTH, "authentication as %s on %s failed (%s): %s",
		    c->params.user, c->params.host, mech, c->sasl_error);
	else if (c->sasl != NULL && sasl_client_server_error(c->sasl) != NULL)
		smtp_fail(c, ERR_AUTH, "authentication as %s on %s failed (%s): %s (%s)",
		    c->params.user, c->params.host, mech, why,
		    sasl_client_server_error(c->sasl));
	else
		smtp_fail(c, ERR_AUTH, "authentication as %s on %s failed (%s): %s",
		    c->params.user, c->params.host, mech, why);
	free(why);
}
