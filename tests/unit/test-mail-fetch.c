/*
 * On-demand fetching against an in-process scripted server: the exact
 * commands sent for the structure, the shown parts (BINARY when offered)
 * and a part streamed in partial fetches, with the fall-back to BODY and
 * local decoding when the server refuses BINARY; literals of our FETCH go
 * through the sink, piece by piece.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/imap_client.h"
#include "crispin/mail_message.h"
#include "test.h"

/* CLOSE: the server drops the connection. */
enum step_kind { EXPECT, SEND, CLOSE, END };

struct step {
	enum step_kind	 kind;
	const char	*text;
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
	struct imap_client	*client;
	struct mail_message	*msg;
	struct arena		*arena;
	int			 stage;		/* operations completed */
	char			*error;
	struct buf		 saved;
	unsigned		 writes;
	bool			 finished;
	char			*text;		/* body of part 1 as kept */
	bool			 text_decoded;
	char			*header;
	bool			 dropped;	/* mail_message_binary_dropped */
};

static void run_steps(struct fake *);
static void next_op(struct mail_message *, int, const char *, void *);

static void
fake_fail(struct fake *f, const char *what, const char *got)
{
	if (f->failure == NULL)
		f->failure = xasprintf("step %zu: want \"%s\" (got \"%s\")", f->i, what, got);
	f->done = true;
}

static void
fake_read(int fd, int events, void *arg)
{
	struct fake	*f = arg;
	char		 chunk[4096], *eol, *line;
	ssize_t		 n;
	size_t		 len;

	if ((n = read(fd, chunk, sizeof chunk)) <= 0) {
		ev_fd_free(&f->w);
		return;
	}
	buf_add(&f->in, chunk, (size_t)n);
	while ((eol = memchr(f->in.data, '\n', f->in.len)) != NULL && !f->done) {
		len = (size_t)(eol - f->in.data);
		if (len > 0 && f->in.data[len - 1] == '\r')
			len--;
		line = xstrndup(f->in.data, len);
		buf_consume(&f->in, (size_t)(eol - f->in.data) + 1);
		if (f->steps[f->i].kind != EXPECT)
			fake_fail(f, "nothing", line);
		else if (strcmp(f->steps[f->i].text, line) != 0)
			fake_fail(f, f->steps[f->i].text, line);
		else {
			f->i++;
			run_steps(f);
		}
		free(line);
	}
}

static void
run_steps(struct fake *f)
{
	const struct step	*s;

	while (!f->done && (s = &f->steps[f->i])->kind != EXPECT) {
		f->i++;
		if (s->kind == SEND)
			(void)!write(f->fd, s->text, strlen(s->text));
		else if (s->kind == CLOSE) {
			ev_fd_free(&f->w);
			shutdown(f->fd, SHUT_RDWR);
		} else
			f->done = true;
	}
}

static void
fake_accept(int fd, int events, void *arg)
{
	struct fake	*f = arg;

	f->fd = accept(fd, NULL, NULL);
	ev_fd_free(&f->lw);
	f->w = ev_fd_add(f->loop, f->fd, EV_READ, fake_read, f);
	run_steps(f);
}

static char *
get_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	return xstrdup("pw");
}

static int
save_write(const void *data, size_t len, void *arg)
{
	struct fake	*f = arg;

	buf_add(&f->saved, data, len);
	f->writes++;
	return 0;
}

/* Each operation starts the next when it is done. */
static void
next_op(struct mail_message *m, int status, const char *error, void *arg)
{
	struct fake		*f = arg;
	struct mime_shown	*shown;
	const char		*body;
	size_t			 n;

	if (status < 0) {
		f->dropped = mail_message_binary_dropped(m);
		f->error = xstrdup(error);
		f->finished = true;
		return;
	}
	switch (f->stage++) {
	case 0:
		n = mime_select_display(mail_message_root(m), NULL, f->arena, &shown);
		mail_message_fetch_shown(m, shown, n, next_op, f);
		break;
	case 1:
		if ((body = mail_message_body(m, "1", &n, &f->text_decoded)) != NULL)
			f->text = xstrndup(body, n);
		body = mail_message_header(m, &n);
		f->header = xstrndup(body, n);
		mail_message_stream(m, "2", true, save_write, f, next_op, f);
		break;
	default:
		f->finished = true;
		break;
	}
}

static void
on_ready(struct imap_client *c, void *arg)
{
	struct fake			*f = arg;
	struct mail_message_params	 p;

	memset(&p, 0, sizeof p);
	p.folder = "INBOX";
	p.chunk = 4;
	f->msg = mail_message_new(c, &p, 7);
	mail_message_load(f->msg, next_op, f);
}

static void
run_script(const struct step *steps, struct fake *f)
{
	static const struct imap_client_callbacks cb = {
		.get_secret = get_secret,
		.ready = on_ready,
	};
	struct imap_client_params	 p;
	char				 port[16];
	int				 turns = 0;

	memset(f, 0, sizeof *f);
	f->steps = steps;
	f->fd = -1;
	f->arena = arena_new(0);
	f->loop = ev_loop_new();
	f->lfd = test_listen(port);
	f->lw = ev_fd_add(f->loop, f->lfd, EV_READ, fake_accept, f);

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.user = "alice";
	p.allow_plaintext = true;
	p.connect_timeout_ms = 5000;
	f->client = imap_client_new(f->loop, &p, &cb, f);
	imap_client_connect(f->client);
	while (!f->finished && f->failure == NULL && turns++ < 2000)
		ev_loop_run_once(f->loop, 50);
	mail_message_free(&f->msg);
	imap_client_free(&f->client);
	ev_fd_free(&f->lw);
	ev_fd_free(&f->w);
	if (f->fd >= 0)
		close(f->fd);
	close(f->lfd);
	ev_loop_free(&f->loop);
	arena_free(&f->arena);
	buf_free(&f->in);
}

#define STRUCTURE "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL " \
	"\"quoted-printable\" 6 1 NIL NIL NIL NIL)(\"application\" \"pdf\" " \
	"(\"name\" \"r.pdf\") NIL NIL \"base64\" 8 NIL (\"attachment\" " \
	"(\"filename\" \"r.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"

static const struct step script[] = {
	{ SEND, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR BINARY] hi\r\n" },
	{ EXPECT, "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ SEND, "C1 OK [CAPABILITY IMAP4rev1 BINARY] in\r\n" },
	{ EXPECT, "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	/* A flag change of another message is no answer to ours. */
	{ SEND, "* 2 FETCH (UID 9 FLAGS (\\Seen))\r\n"
	    "* 1 FETCH (UID 7 BODYSTRUCTURE " STRUCTURE " BODY[HEADER] {15}\r\n"
	    "Subject: hi\r\n\r\n)\r\nC2 OK done\r\n" },
	/* The text part, decoded by the server; BINARY.SIZE with it makes
	 * Dovecot refuse what it cannot decode instead of dropping the link. */
	{ EXPECT, "C3 UID FETCH 7 (UID BINARY.SIZE[1] BINARY.PEEK[1])" },
	{ SEND, "* 1 FETCH (UID 7 BINARY.SIZE[1] 5 BINARY[1] ~{5}\r\nh\xc3\xa9y!)\r\n"
	    "C3 OK done\r\n" },
	/* BINARY refused: the attachment comes encoded, in pieces. */
	{ EXPECT, "C4 UID FETCH 7 (UID BINARY.SIZE[2] BINARY.PEEK[2]<0.4>)" },
	{ SEND, "C4 NO [UNKNOWN-CTE] cannot\r\n" },
	{ EXPECT, "C5 UID FETCH 7 (UID BODY.PEEK[2]<0.4>)" },
	{ SEND, "* 1 FETCH (UID 7 BODY[2]<0> {4}\r\naGVs)\r\nC5 OK done\r\n" },
	{ EXPECT, "C6 UID FETCH 7 (UID BODY.PEEK[2]<4.4>)" },
	{ SEND, "* 1 FETCH (UID 7 BODY[2]<4> {4}\r\nbG8h)\r\nC6 OK done\r\n" },
	{ EXPECT, "C7 UID FETCH 7 (UID BODY.PEEK[2]<8.4>)" },
	{ SEND, "* 1 FETCH (UID 7 BODY[2]<8> \"\")\r\nC7 OK done\r\n" },
	{ END, NULL },
};

/* Dovecot 2.3 may drop the link over BINARY: the operation fails with
 * binary_dropped set, for the caller to run it again elsewhere. */
static const struct step dropped[] = {
	{ SEND, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR BINARY] hi\r\n" },
	{ EXPECT, "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ SEND, "C1 OK [CAPABILITY IMAP4rev1 BINARY] in\r\n" },
	{ EXPECT, "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	{ SEND, "* 1 FETCH (UID 7 BODYSTRUCTURE " STRUCTURE " BODY[HEADER] {15}\r\n"
	    "Subject: hi\r\n\r\n)\r\nC2 OK done\r\n" },
	{ EXPECT, "C3 UID FETCH 7 (UID BINARY.SIZE[1] BINARY.PEEK[1])" },
	{ CLOSE, NULL },
	{ END, NULL },
};

static const struct step missing[] = {
	{ SEND, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n" },
	{ EXPECT, "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ SEND, "C1 OK [CAPABILITY IMAP4rev1] in\r\n" },
	{ EXPECT, "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	{ SEND, "C2 OK nothing\r\n" },
	{ END, NULL },
};

int
main(void)
{
	struct fake	f;

	run_script(script, &f);
	TEST_CHECK(f.failure == NULL, "script: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.error == NULL, "operations: %s", f.error ? f.error : "");
	TEST_INTEQ(f.stage, 3, "load, shown parts and stream all finished");
	TEST_STREQ(f.saved.data, "hello!", "the attachment decoded from its pieces");
	TEST_CHECK(f.writes >= 2, "written piece by piece (%u writes)", f.writes);
	TEST_STREQ(f.header, "Subject: hi\r\n\r\n", "the header, from a literal");
	TEST_STREQ(f.text, "h\xc3\xa9y!", "the text part as BINARY sent it");
	TEST_CHECK(f.text_decoded, "marked as already decoded");
	free(f.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);

	run_script(dropped, &f);
	TEST_CHECK(f.failure == NULL, "dropped script: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.error != NULL && f.dropped, "a link lost during BINARY is "
	    "reported as such: %s", f.error ? f.error : "(no error)");
	TEST_INTEQ(f.stage, 1, "only the load finished");
	free(f.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);

	run_script(missing, &f);
	TEST_CHECK(f.failure == NULL, "missing script: %s", f.failure ? f.failure : "");
	TEST_CHECK(f.error != NULL && strstr(f.error, "no message with UID 7") != NULL,
	    "a UID that is not there is named: %s", f.error ? f.error : "(none)");
	free(f.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);
	return test_done();
}
