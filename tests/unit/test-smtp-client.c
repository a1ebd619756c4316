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
#include "test.h"

enum step_kind { EXPECT, SEND, QUIT_NOW, END };

struct step {
	enum step_kind	 kind;
	const char	*text;		/* EXPECT: the line ('*' at the end: prefix) */
};

struct fake {
	struct ev_loop		*loop;
	int			 lfd, fd;
	struct ev_fd		*lw, *w;
	struct buf		 in;
	const struct step	*steps;
	size_t			 i;
	bool			 done;
	char			*failure;
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

static void fake_run_steps(struct fake *);

static void
fake_fail(struct fake *f, const char *what, const char *got)
{
	if (f->failure == NULL)
		f->failure = xasprintf("step %zu: want \"%s\" (got \"%s\")", f->i, what, got);
	f->done = true;
}

static bool
line_matches(const char *want, const char *line)
{
	size_t	n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(want, line, n - 1) == 0;
	return strcmp(want, line) == 0;
}

static void
fake_read(int fd, int events, void *arg)
{
	struct fake	*f = arg;
	char		 chunk[4096], *eol, *line;
	ssize_t		 n;
	size_t		 len;

	n = read(fd, chunk, sizeof chunk);
	if (n <= 0) {
		ev_fd_free(&f->w);
		close(f->fd);
		f->fd = -1;
		return;
	}
	buf_add(&f->in, chunk, (size_t)n);
	while (!f->done && (eol = memchr(f->in.data, '\n', f->in.len)) != NULL) {
		len = (size_t)(eol - f->in.data);
		if (len > 0 && f->in.data[len - 1] == '\r')
			len--;
		line = xstrndup(f->in.data, len);
		buf_consume(&f->in, (size_t)(eol - f->in.data) + 1);
		if (f->steps[f->i].kind != EXPECT)
			fake_fail(f, "nothing", line);
		else if (!line_matches(f->steps[f->i].text, line))
			fake_fail(f, f->steps[f->i].text, line);
		else {
			f->i++;
			fake_run_steps(f);
		}
		free(line);
	}
}

static void
fake_run_steps(struct fake *f)
{
	const struct step	*s;

	while (!f->done && (s = &f->steps[f->i])->kind != EXPECT) {
		f->i++;
		switch (s->kind) {
		case SEND:
			(void)!write(f->fd, s->text, strlen(s->text));
			break;
		case QUIT_NOW:
			smtp_client_quit(f->client);
			break;
		case END:
			f->done = true;
			return;
		case EXPECT:
			break;
		}
	}
}

static void
fake_accept(int fd, int events, void *arg)
{
	struct fake	*f = arg;

	f->fd = accept(fd, NULL, NULL);
	ev_fd_free(&f->lw);
	f->w = ev_fd_add(f->loop, f->fd, EV_READ, fake_read, f);
	fake_run_steps(f);
}

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
	f->steps = steps;
	f->fd = -1;
	f->loop = ev_loop_new();
	f->lfd = test_listen(port);
	f->lw = ev_fd_add(f->loop, f->lfd, EV_READ, fake_accept, f);

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
	while (!f->done && !f->closed && turns++ < 2000)
		ev_loop_run_once(f->loop, 50);
	for (turns = 0; turns < 20 && !f->closed; turns++)
		ev_loop_run_once(f->loop, 10);
	smtp_client_free(&f->client);
	ev_fd_free(&f->lw);
	ev_fd_free(&f->w);
	if (f->fd >= 0)
		close(f->fd);
	close(f->lfd);
	ev_loop_free(&f->loop);
	buf_free(&f->in);
}

static void
fake_free(struct fake *f)
{
	free(f->failure);
	free(f->send_msg);
	free(f->refused);
	free(f->closed_msg);
}

/* PIPELINING: the envelope and DATA in one flight; AUTH LOGIN answers
 * two challenges; one recipient refused; dot-stuffed body. */
static const struct step pipelined_script[] = {
	{ SEND, "220 fake ESMTP\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "250-fake\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250 AUTH LOGIN\r\n" },
	{ EXPECT, "AUTH LOGIN" },
	{ SEND, "334 VXNlcm5hbWU6\r\n" },
	{ EXPECT, "YWxpY2U=" },
	{ SEND, "334 UGFzc3dvcmQ6\r\n" },
	{ EXPECT, "cHc=" },
	{ SEND, "235 2.7.0 ok\r\n" },
	{ EXPECT, "MAIL FROM:<me@x.org> SIZE=26" },
	{ EXPECT, "RCPT TO:<a@x.org>" },
	{ EXPECT, "RCPT TO:<nobody@x.org>" },
	{ EXPECT, "DATA" },
	{ SEND, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such\x1b user\r\n354 go\r\n" },
	{ EXPECT, "Subject: x" },
	{ EXPECT, "" },
	{ EXPECT, "..dot" },
	{ EXPECT, "end" },
	{ EXPECT, "." },
	{ SEND, "250 2.0.0 queued\r\n" },
	{ EXPECT, "QUIT" },
	{ SEND, "221 bye\r\n" },
	{ END, NULL },
};

static const struct step helo_script[] = {
	{ SEND, "220 old server\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "502 what is EHLO\r\n" },
	{ EXPECT, "HELO localhost" },
	{ SEND, "250 hello\r\n" },
	/* No extensions: no SIZE, no pipelining. */
	{ EXPECT, "MAIL FROM:<me@x.org>" },
	{ SEND, "250 ok\r\n" },
	{ EXPECT, "RCPT TO:<a@x.org>" },
	{ SEND, "250 ok\r\n" },
	{ EXPECT, "DATA" },
	{ SEND, "354 go\r\n" },
	{ EXPECT, "hi" },
	{ EXPECT, "." },
	{ SEND, "250 ok\r\n" },
	{ EXPECT, "QUIT" },
	{ SEND, "221 bye\r\n" },
	{ END, NULL },
};

static const struct step size_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "250-fake\r\n250 SIZE 10\r\n" },
	/* Refused before MAIL: the next line is QUIT. */
	{ EXPECT, "QUIT" },
	{ SEND, "221 bye\r\n" },
	{ END, NULL },
};

static const struct step nobody_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "250-fake\r\n250 PIPELINING\r\n" },
	{ EXPECT, "MAIL FROM:<me@x.org>" },
	{ EXPECT, "RCPT TO:<nobody@x.org>" },
	{ EXPECT, "DATA" },
	/* A server that accepts DATA for nobody gets an empty message. */
	{ SEND, "250 ok\r\n550 no\r\n354 go\r\n" },
	{ EXPECT, "." },
	{ SEND, "554 no valid recipients\r\n" },
	{ EXPECT, "QUIT" },
	{ SEND, "221 bye\r\n" },
	{ END, NULL },
};

static const struct step garbage_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "hello there\r\n" },
	{ EXPECT, "never" },
	{ END, NULL },
};

static const struct step closing_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "421 4.3.2 shutting down\r\n" },
	{ EXPECT, "never" },
	{ END, NULL },
};

static const struct step silent_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ EXPECT, "never" },
	{ END, NULL },
};

static const struct step no_starttls_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "250-fake\r\n250 AUTH PLAIN\r\n" },
	{ EXPECT, "never" },
	{ END, NULL },
};

static const struct step scram_script[] = {
	{ SEND, "220 fake\r\n" },
	{ EXPECT, "EHLO localhost" },
	{ SEND, "250-fake\r\n250 AUTH SCRAM-SHA-256\r\n" },
	{ EXPECT, "AUTH SCRAM-SHA-256 *" },
	/* Success without the server signature proves nothing. */
	{ SEND, "235 ok\r\n" },
	{ EXPECT, "never" },
	{ END, NULL },
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
	TEST_CHECK(f.failure == NULL, "pipelined: %s", f.failure ? f.failure : "");
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
	TEST_CHECK(f.failure == NULL, "HELO: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_NONE, "HELO: sent");
	fake_free(&f);

	sp.message = "Subject: too big for ten bytes\r\n\r\nbody\r\n";
	run_script(size_script, &sp, &f);
	TEST_CHECK(f.failure == NULL, "SIZE: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.sent && f.send_err == ERR_FAILURE && f.send_msg != NULL &&
	    strstr(f.send_msg, "at most 10") != NULL, "SIZE: refused early (%s)",
	    f.send_msg ? f.send_msg : "");
	fake_free(&f);

	sp.message = "hi\r\n";
	sp.rcpts[0] = "nobody@x.org";
	run_script(nobody_script, &sp, &f);
	TEST_CHECK(f.failure == NULL, "nobody: %s", f.failure ? f.failure : "");
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
	TEST_CHECK(f.failure == NULL && f.closed && f.closed_class == ERR_AUTH,
	    "no credentials over plain text: auth error, no AUTH line");
	fake_free(&f);

	sp.allow_plaintext = true;
	run_script(scram_script, &sp, &f);
	TEST_CHECK(f.failure == NULL, "SCRAM: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.closed && f.closed_class == ERR_AUTH && f.closed_msg != NULL &&
	    strstr(f.closed_msg, "prove") != NULL, "SCRAM: missing server signature is "
	    "an auth failure (%s)", f.closed_msg ? f.closed_msg : "");
	fake_free(&f);
	return test_done();
}
