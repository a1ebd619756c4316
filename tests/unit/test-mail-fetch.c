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
#include "peer.h"

struct fake {
	struct ev_loop		*loop;
	struct peer		 peer;
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

static void next_op(struct mail_message *, int, const char *, void *);

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
	f->arena = arena_new(0);
	f->loop = ev_loop_new();
	peer_start(&f->peer, f->loop, steps, f, port);

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.user = "alice";
	p.allow_plaintext = true;
	p.connect_timeout_ms = 5000;
	f->client = imap_client_new(f->loop, &p, &cb, f);
	imap_client_connect(f->client);
	while (!f->finished && f->peer.failure == NULL && turns++ < 2000)
		ev_loop_run_once(f->loop, 50);
	mail_message_free(&f->msg);
	imap_client_free(&f->client);
	peer_stop(&f->peer);
	ev_loop_free(&f->loop);
	arena_free(&f->arena);
}

#define STRUCTURE "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL " \
	"\"quoted-printable\" 6 1 NIL NIL NIL NIL)(\"application\" \"pdf\" " \
	"(\"name\" \"r.pdf\") NIL NIL \"base64\" 8 NIL (\"attachment\" " \
	"(\"filename\" \"r.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"

static const struct step script[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR BINARY] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1 BINARY] in\r\n" },
	{ .kind = EXPECT, .text = "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	/* A flag change of another message is no answer to ours. */
	{ .kind = SEND, .text = "* 2 FETCH (UID 9 FLAGS (\\Seen))\r\n"
	    "* 1 FETCH (UID 7 BODYSTRUCTURE " STRUCTURE " BODY[HEADER] {15}\r\n"
	    "Subject: hi\r\n\r\n)\r\nC2 OK done\r\n" },
	/* The text part, decoded by the server; BINARY.SIZE with it makes
	 * Dovecot refuse what it cannot decode instead of dropping the link. */
	{ .kind = EXPECT, .text = "C3 UID FETCH 7 (UID BINARY.SIZE[1] BINARY.PEEK[1])" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 7 BINARY.SIZE[1] 5 BINARY[1] ~{5}\r\nh\xc3\xa9y!)\r\n"
	    "C3 OK done\r\n" },
	/* BINARY refused: the attachment comes encoded, in pieces. */
	{ .kind = EXPECT, .text = "C4 UID FETCH 7 (UID BINARY.SIZE[2] BINARY.PEEK[2]<0.4>)" },
	{ .kind = SEND, .text = "C4 NO [UNKNOWN-CTE] cannot\r\n" },
	{ .kind = EXPECT, .text = "C5 UID FETCH 7 (UID BODY.PEEK[2]<0.4>)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 7 BODY[2]<0> {4}\r\naGVs)\r\nC5 OK done\r\n" },
	{ .kind = EXPECT, .text = "C6 UID FETCH 7 (UID BODY.PEEK[2]<4.4>)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 7 BODY[2]<4> {4}\r\nbG8h)\r\nC6 OK done\r\n" },
	{ .kind = EXPECT, .text = "C7 UID FETCH 7 (UID BODY.PEEK[2]<8.4>)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 7 BODY[2]<8> \"\")\r\nC7 OK done\r\n" },
	{ .kind = END },
};

/* Dovecot 2.3 may drop the link over BINARY: the operation fails with
 * binary_dropped set, for the caller to run it again elsewhere. */
static const struct step dropped[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR BINARY] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1 BINARY] in\r\n" },
	{ .kind = EXPECT, .text = "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 7 BODYSTRUCTURE " STRUCTURE " BODY[HEADER] {15}\r\n"
	    "Subject: hi\r\n\r\n)\r\nC2 OK done\r\n" },
	{ .kind = EXPECT, .text = "C3 UID FETCH 7 (UID BINARY.SIZE[1] BINARY.PEEK[1])" },
	{ .kind = CLOSE },
	{ .kind = END },
};

static const struct step missing[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1] in\r\n" },
	{ .kind = EXPECT, .text = "C2 UID FETCH 7 (UID BODYSTRUCTURE BODY.PEEK[HEADER])" },
	{ .kind = SEND, .text = "C2 OK nothing\r\n" },
	{ .kind = END },
};

int
main(void)
{
	struct fake	f;

	run_script(script, &f);
	TEST_CHECK(f.peer.failure == NULL, "script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.error == NULL, "operations: %s", f.error ? f.error : "");
	TEST_INTEQ(f.stage, 3, "load, shown parts and stream all finished");
	TEST_STREQ(f.saved.data, "hello!", "the attachment decoded from its pieces");
	TEST_CHECK(f.writes >= 2, "written piece by piece (%u writes)", f.writes);
	TEST_STREQ(f.header, "Subject: hi\r\n\r\n", "the header, from a literal");
	TEST_STREQ(f.text, "h\xc3\xa9y!", "the text part as BINARY sent it");
	TEST_CHECK(f.text_decoded, "marked as already decoded");
	free(f.peer.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);

	run_script(dropped, &f);
	TEST_CHECK(f.peer.failure == NULL, "dropped script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.error != NULL && f.dropped, "a link lost during BINARY is "
	    "reported as such: %s", f.error ? f.error : "(no error)");
	TEST_INTEQ(f.stage, 1, "only the load finished");
	free(f.peer.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);

	run_script(missing, &f);
	TEST_CHECK(f.peer.failure == NULL, "missing script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.error != NULL && strstr(f.error, "no message with UID 7") != NULL,
	    "a UID that is not there is named: %s", f.error ? f.error : "(none)");
	free(f.peer.failure);
	free(f.error);
	free(f.text);
	free(f.header);
	buf_free(&f.saved);
	return test_done();
}
