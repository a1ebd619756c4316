/*
 * The SMTP session against an in-process scripted server on loopback:
 * the exact lines it sends (pipelining, AUTH LOGIN challenges, HELO
 * fallback, dot-stuffing), early refusals, and broken servers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/smtp_client.h"
#include "peer.h"

struct fake {
	struct ev_loop		*loop;
	struct peer		 peer;
	struct smtp_client	*client;
	/* What the client reported. */
	bool			 sent;
	enum err_class		 send_err;
	char			*send_msg;
	size_t			 naccepted;
	char			*refused;	/* reply to the first refused RCPT */
	bool			 closed;
	enum err_class		 closed_class;
	char			*closed_msg;
};

struct script_params {
	const char	*user;
	bool		 starttls;
	bool		 allow_plaintext;
	unsigned	 response_timeout_ms;
	const char	*message;
	const char	*rcpts[3];
};

static char *
get_secret(enum smtp_secret_kind kind, void *arg, char **error_r)
{
	return xstrdup("pw");
}

static void
on_closed(struct smtp_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct fake	*f = arg;

	f->closed = true;
	f->closed_class = cls;
	f->closed_msg = xstrdup(msg);
}

static void
on_done(struct smtp_client *c, const struct smtp_result *r, void *arg)
{
	struct fake	*f = arg;
	size_t		 i;

	f->sent = true;
	f->send_err = r->err;
	f->send_msg = r->message != NULL ? xstrdup(r->message) : NULL;
	f->naccepted = r->naccepted;
	for (i = 0; i < r->nrcpts; i++) {
		if (!r->rcpts[i].accepted && r->rcpts[i].reply != NULL && f->refused == NULL)
			f->refused = xstrdup(r->rcpts[i].reply);
	}
	smtp_client_quit(c);
}

static void
run_script(const struct step *steps, const struct script_params *sp, struct fake *f)
{
	static const struct smtp_client_callbacks cb = {
		.get_secret = get_secret,
		.closed = on_closed,
	};
	struct smtp_client_params	 p;
	struct smtp_message		 m;
	char				 port[16];
	int				 turns = 0;
	size_t				 n = 0;

	memset(f, 0, sizeof *f);
	f->loop = ev_loop_new();
	peer_start(&f->peer, f->loop, steps, f, port);

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.user = sp->user;
	p.starttls = sp->starttls;
	p.allow_plaintext = sp->allow_plaintext;
	p.connect_timeout_ms = 5000;
	p.response_timeout_ms = sp->response_timeout_ms;
	while (n < 3 && sp->rcpts[n] != NULL)
		n++;
	memset(&m, 0, sizeof m);
	m.from = "me@x.org";
	m.rcpts = sp->rcpts;
	m.nrcpts = n;
	m.data = sp->message;
	m.len = strlen(sp->message);
	f->client = smtp_client_new(f->loop, &p, &cb, f);
	smtp_client_send(f->client, &m, on_done, f);
	while (!f->peer.done && !f->closed && turns++ < 2000)
		ev_loop_run_once(f->loop, 50);
	for (turns = 0; turns < 20 && !f->closed; turns++)
		ev_loop_run_once(f->loop, 10);
	smtp_client_free(&f->client);
	peer_stop(&f->peer);
	ev_loop_free(&f->loop);
}

static void
fake_free(struct fake *f)
{
	free(f->peer.failure);
	free(f->send_msg);
	free(f->refused);
	free(f->closed_msg);
}

/* PIPELINING: the envelope and DATA in one flight; AUTH LOGIN answers
 * two challenges; one recipient refused; dot-stuffed body. */
static const struct step pipelined_script[] = {
	{ .kind = SEND, .text = "220 fake ESMTP\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "250-fake\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250 AUTH LOGIN\r\n" },
	{ .kind = EXPECT, .text = "AUTH LOGIN" },
	{ .kind = SEND, .text = "334 VXNlcm5hbWU6\r\n" },
	{ .kind = EXPECT, .text = "YWxpY2U=" },
	{ .kind = SEND, .text = "334 UGFzc3dvcmQ6\r\n" },
	{ .kind = EXPECT, .text = "cHc=" },
	{ .kind = SEND, .text = "235 2.7.0 ok\r\n" },
	{ .kind = EXPECT, .text = "MAIL FROM:<me@x.org> SIZE=26" },
	{ .kind = EXPECT, .text = "RCPT TO:<a@x.org>" },
	{ .kind = EXPECT, .text = "RCPT TO:<nobody@x.org>" },
	{ .kind = EXPECT, .text = "DATA" },
	{ .kind = SEND, .text = "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such\x1b user\r\n354 go\r\n" },
	{ .kind = EXPECT, .text = "Subject: x" },
	{ .kind = EXPECT, .text = "" },
	{ .kind = EXPECT, .text = "..dot" },
	{ .kind = EXPECT, .text = "end" },
	{ .kind = EXPECT, .text = "." },
	{ .kind = SEND, .text = "250 2.0.0 queued\r\n" },
	{ .kind = EXPECT, .text = "QUIT" },
	{ .kind = SEND, .text = "221 bye\r\n" },
	{ .kind = END },
};

static const struct step helo_script[] = {
	{ .kind = SEND, .text = "220 old server\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "502 what is EHLO\r\n" },
	{ .kind = EXPECT, .text = "HELO localhost" },
	{ .kind = SEND, .text = "250 hello\r\n" },
	/* No extensions: no SIZE, no pipelining. */
	{ .kind = EXPECT, .text = "MAIL FROM:<me@x.org>" },
	{ .kind = SEND, .text = "250 ok\r\n" },
	{ .kind = EXPECT, .text = "RCPT TO:<a@x.org>" },
	{ .kind = SEND, .text = "250 ok\r\n" },
	{ .kind = EXPECT, .text = "DATA" },
	{ .kind = SEND, .text = "354 go\r\n" },
	{ .kind = EXPECT, .text = "hi" },
	{ .kind = EXPECT, .text = "." },
	{ .kind = SEND, .text = "250 ok\r\n" },
	{ .kind = EXPECT, .text = "QUIT" },
	{ .kind = SEND, .text = "221 bye\r\n" },
	{ .kind = END },
};

static const struct step size_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "250-fake\r\n250 SIZE 10\r\n" },
	/* Refused before MAIL: the next line is QUIT. */
	{ .kind = EXPECT, .text = "QUIT" },
	{ .kind = SEND, .text = "221 bye\r\n" },
	{ .kind = END },
};

static const struct step nobody_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "250-fake\r\n250 PIPELINING\r\n" },
	{ .kind = EXPECT, .text = "MAIL FROM:<me@x.org>" },
	{ .kind = EXPECT, .text = "RCPT TO:<nobody@x.org>" },
	{ .kind = EXPECT, .text = "DATA" },
	/* A server that accepts DATA for nobody gets an empty message. */
	{ .kind = SEND, .text = "250 ok\r\n550 no\r\n354 go\r\n" },
	{ .kind = EXPECT, .text = "." },
	{ .kind = SEND, .text = "554 no valid recipients\r\n" },
	{ .kind = EXPECT, .text = "QUIT" },
	{ .kind = SEND, .text = "221 bye\r\n" },
	{ .kind = END },
};

static const struct step garbage_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "hello there\r\n" },
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

static const struct step closing_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "421 4.3.2 shutting down\r\n" },
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

static const struct step silent_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

static const struct step no_starttls_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "250-fake\r\n250 AUTH PLAIN\r\n" },
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

static const struct step scram_script[] = {
	{ .kind = SEND, .text = "220 fake\r\n" },
	{ .kind = EXPECT, .text = "EHLO localhost" },
	{ .kind = SEND, .text = "250-fake\r\n250 AUTH SCRAM-SHA-256\r\n" },
	{ .kind = EXPECT, .text = "AUTH SCRAM-SHA-256 *" },
	/* Success without the server signature proves nothing. */
	{ .kind = SEND, .text = "235 ok\r\n" },
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

int
main(void)
{
	struct script_params	 sp;
	struct fake		 f;

	memset(&sp, 0, sizeof sp);
	sp.user = "alice";
	sp.allow_plaintext = true;
	sp.message = "Subject: x\n\n.dot\nend\n";
	sp.rcpts[0] = "a@x.org";
	sp.rcpts[1] = "nobody@x.org";
	run_script(pipelined_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL, "pipelined: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_NONE, "pipelined: sent (%s)",
	    f.send_msg ? f.send_msg : "");
	TEST_INTEQ(f.naccepted, 1, "pipelined: one recipient accepted");
	TEST_STREQ(f.refused, "550 5.1.1 no such? user", "refusal kept, enhanced code parsed, sanitised");
	TEST_CHECK(f.closed && f.closed_class == ERR_NONE, "pipelined: clean QUIT");
	fake_free(&f);

	memset(&sp, 0, sizeof sp);
	sp.message = "hi";
	sp.rcpts[0] = "a@x.org";
	run_script(helo_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL, "HELO: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_NONE, "HELO: sent");
	fake_free(&f);

	sp.message = "Subject: too big for ten bytes\r\n\r\nbody\r\n";
	run_script(size_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL, "SIZE: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_FAILURE && f.send_msg != NULL &&
	    strstr(f.send_msg, "at most 10") != NULL, "SIZE: refused early (%s)",
	    f.send_msg ? f.send_msg : "");
	fake_free(&f);

	sp.message = "hi\r\n";
	sp.rcpts[0] = "nobody@x.org";
	run_script(nobody_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL, "nobody: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_FAILURE && f.naccepted == 0 &&
	    f.send_msg != NULL && strstr(f.send_msg, "every recipient") != NULL,
	    "nobody: failed (%s)", f.send_msg ? f.send_msg : "");
	fake_free(&f);

	sp.rcpts[0] = "a@x.org";
	run_script(garbage_script, &sp, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_PROTOCOL, "garbage: protocol error");
	TEST_CHECK(f.sent && f.send_err == ERR_PROTOCOL, "garbage: the send fails with it");
	fake_free(&f);

	run_script(closing_script, &sp, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_NETWORK && f.closed_msg != NULL &&
	    strstr(f.closed_msg, "shutting down") != NULL, "421: network error with the "
	    "server's words (%s)", f.closed_msg ? f.closed_msg : "");
	fake_free(&f);

	sp.response_timeout_ms = 300;
	run_script(silent_script, &sp, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_NETWORK, "silent server: watchdog");
	fake_free(&f);
	sp.response_timeout_ms = 0;

	sp.user = "alice";
	sp.starttls = true;
	sp.allow_plaintext = true;
	run_script(no_starttls_script, &sp, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_TLS, "no STARTTLS: TLS error");
	fake_free(&f);

	sp.starttls = false;
	sp.allow_plaintext = false;
	run_script(no_starttls_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL && f.closed && f.closed_class == ERR_AUTH,
	    "no credentials over plain text: auth error, no AUTH line");
	fake_free(&f);

	sp.allow_plaintext = true;
	run_script(scram_script, &sp, &f);
	TEST_CHECK(f.peer.failure == NULL, "SCRAM: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.closed && f.closed_class == ERR_AUTH && f.closed_msg != NULL &&
	    strstr(f.closed_msg, "prove") != NULL, "SCRAM: missing server signature is "
	    "an auth failure (%s)", f.closed_msg ? f.closed_msg : "");
	fake_free(&f);
	return test_done();
}
