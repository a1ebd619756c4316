/*
 * The client session against an in-process scripted server on loopback:
 * the exact lines it sends, pipelining behind DONE, IDLE renewal, and
 * commands completed when the link drops.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/imap_client.h"
#include "peer.h"

struct fake {
	struct ev_loop		*loop;
	struct peer		 peer;
	struct imap_client	*client;
	int			 untagged_exists;
	int			 noop_done;
	bool			 closed;
	enum err_class		 closed_class;
	char			*last_status;
	struct buf		 store_got, fetch_got;	/* routed FETCH responses */
};

static void
on_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct fake	*f = arg;

	if (r->keyword != NULL && strcmp(r->keyword, "EXISTS") == 0)
		f->untagged_exists = (int)r->number;
}

static void
on_closed(struct imap_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct fake	*f = arg;

	f->closed = true;
	f->closed_class = cls;
}

static char *
get_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	return xstrdup("pw");
}

static void
on_ready(struct imap_client *c, void *arg)
{
	imap_client_set_idle(c, true, 300);
}

static void
noop_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct fake	*f = arg;

	f->noop_done++;
	free(f->last_status);
	f->last_status = xstrdup(r->status == IMAP_STATUS_OK ? "OK" : r->text);
}

static void
submit_noop(void *arg)
{
	struct fake	*f = arg;

	struct imap_cmd	*cmd = imap_cmd_new(f->client, 0);

	imap_cmd_add(cmd, "NOOP");
	imap_cmd_submit(cmd, noop_done, f);
}

/* Which FETCH responses reach which command: "UID:what " per response. */
static void
note_fetch(struct buf *b, const struct imap_response *r)
{
	const struct imap_arg	*items;
	size_t			 n, i;

	if (r->argc != 1 || !imap_arg_list(&r->args[0], &items, &n))
		return;
	for (i = 0; i + 1 < n; i += 2) {
		if (imap_arg_atom_is(&items[i], "UID"))
			buf_printf(b, "%s:", imap_arg_atom(&items[i + 1]));
	}
	for (i = 0; i + 1 < n; i += 2) {
		if (!imap_arg_atom_is(&items[i], "UID"))
			buf_printf(b, "%s ", imap_arg_atom(&items[i]));
	}
}

static void
store_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	note_fetch(&((struct fake *)arg)->store_got, r);
}

static void
fetch_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	note_fetch(&((struct fake *)arg)->fetch_got, r);
}

/* A STORE and, behind it, a body fetch of another message: each gets
 * its own FETCH responses, whatever order the server sends them in. */
static void
submit_store_and_fetch(void *arg)
{
	struct fake	*f = arg;
	struct imap_cmd	*cmd;

	cmd = imap_cmd_new(f->client, 0);
	imap_cmd_on_untagged(cmd, "FETCH", store_untagged);
	imap_cmd_add(cmd, "UID STORE 10 +FLAGS (\\Deleted)");
	imap_cmd_submit(cmd, noop_done, f);
	cmd = imap_cmd_new(f->client, 0);
	imap_cmd_on_untagged(cmd, "FETCH", fetch_untagged);
	imap_cmd_fetches(cmd, 11, 11);
	imap_cmd_add(cmd, "UID FETCH 11 (BODY.PEEK[1])");
	imap_cmd_submit(cmd, noop_done, f);
}

static unsigned response_timeout_ms;

static void
run_script(const struct step *steps, struct fake *f)
{
	static const struct imap_client_callbacks cb = {
		.get_secret = get_secret,
		.ready = on_ready,
		.closed = on_closed,
		.untagged = on_untagged,
	};
	struct imap_client_params	 p;
	char				 port[16];
	int				 turns = 0;

	memset(f, 0, sizeof *f);
	f->loop = ev_loop_new();
	peer_start(&f->peer, f->loop, steps, f, port);

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.user = "alice";
	p.allow_plaintext = true;
	p.connect_timeout_ms = 5000;
	p.response_timeout_ms = response_timeout_ms;
	f->client = imap_client_new(f->loop, &p, &cb, f);
	imap_client_connect(f->client);
	while (!f->peer.done && !f->closed && turns++ < 2000)
		ev_loop_run_once(f->loop, 50);
	/* Let the client see what the last steps caused. */
	for (turns = 0; turns < 20 && !f->closed; turns++)
		ev_loop_run_once(f->loop, 10);
	imap_client_free(&f->client);
	peer_stop(&f->peer);
	ev_loop_free(&f->loop);
}

static const struct step idle_script[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN AGFsaWNlAHB3" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n" },
	/* Nothing to do: the client idles. */
	{ .kind = EXPECT, .text = "C2 IDLE" },
	{ .kind = SEND, .text = "+ idling\r\n* 7 EXISTS\r\n" },
	{ .kind = ACTION, .action = submit_noop },
	/* DONE, and the command right behind it without waiting. */
	{ .kind = EXPECT, .text = "DONE" },
	{ .kind = EXPECT, .text = "C3 NOOP" },
	{ .kind = SEND, .text = "C2 OK idle over\r\nC3 OK noop\r\n" },
	/* Idle again once the queue is empty. */
	{ .kind = EXPECT, .text = "C4 IDLE" },
	{ .kind = SEND, .text = "+ idling\r\n" },
	/* Renewed after 300 ms. */
	{ .kind = EXPECT, .text = "DONE" },
	{ .kind = SEND, .text = "C4 OK idle over\r\n" },
	{ .kind = EXPECT, .text = "C5 IDLE" },
	/* A command submitted before '+' waits for it, then DONE. */
	{ .kind = ACTION, .action = submit_noop },
	{ .kind = SEND, .text = "+ idling\r\n" },
	{ .kind = EXPECT, .text = "DONE" },
	{ .kind = EXPECT, .text = "C6 NOOP" },
	{ .kind = SEND, .text = "C5 OK idle over\r\nC6 OK noop\r\n" },
	{ .kind = EXPECT, .text = "C7 IDLE" },
	{ .kind = END },
};

static const struct step drop_script[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN *" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1] in\r\n" },
	{ .kind = ACTION, .action = submit_noop },
	{ .kind = EXPECT, .text = "C2 NOOP" },
	{ .kind = CLOSE },
	{ .kind = END },
};

static const struct step silent_script[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN *" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1] in\r\n" },
	{ .kind = ACTION, .action = submit_noop },
	{ .kind = EXPECT, .text = "C2 NOOP" },
	/* ...and the server never answers. */
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

static const struct step route_script[] = {
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n" },
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN *" },
	{ .kind = SEND, .text = "C1 OK [CAPABILITY IMAP4rev1] in\r\n" },
	{ .kind = ACTION, .action = submit_store_and_fetch },
	{ .kind = EXPECT, .text = "C2 UID STORE 10 +FLAGS (\\Deleted)" },
	{ .kind = EXPECT, .text = "C3 UID FETCH 11 (BODY.PEEK[1])" },
	{ .kind = SEND, .text = "* 6 FETCH (UID 11 BODY[1] {5}\r\nhello)\r\n"
	    "* 5 FETCH (UID 10 FLAGS (\\Deleted))\r\n"
	    "* 6 FETCH (FLAGS (\\Seen) UID 11)\r\n"
	    "C2 OK stored\r\nC3 OK fetched\r\n" },
	{ .kind = END },
};

static const struct step mute_script[] = {
	/* No greeting at all. */
	{ .kind = EXPECT, .text = "never" },
	{ .kind = END },
};

int
main(void)
{
	struct fake	f;

	run_script(idle_script, &f);
	TEST_CHECK(f.peer.failure == NULL, "IDLE script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_INTEQ(f.peer.i, sizeof idle_script / sizeof idle_script[0], "IDLE script ran to its end");
	TEST_INTEQ(f.untagged_exists, 7, "EXISTS during IDLE reached the untagged callback");
	TEST_CHECK(!f.closed, "the session stayed up");
	TEST_INTEQ(f.noop_done, 2, "both commands submitted during IDLE completed");
	TEST_STREQ(f.last_status, "OK", "and they succeeded");
	free(f.peer.failure);
	free(f.last_status);

	run_script(drop_script, &f);
	TEST_CHECK(f.peer.failure == NULL, "drop script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_INTEQ(f.noop_done, 1, "a command in flight completes when the link drops");
	TEST_CHECK(f.last_status != NULL && strcmp(f.last_status, "OK") != 0,
	    "with a failure, not OK");
	TEST_CHECK(f.closed && f.closed_class == ERR_NETWORK, "closed as a network failure");
	free(f.peer.failure);
	free(f.last_status);

	response_timeout_ms = 300;
	run_script(silent_script, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_NETWORK,
	    "a server that stops answering is a dead link");
	TEST_INTEQ(f.noop_done, 1, "the unanswered command completes");
	TEST_CHECK(f.last_status != NULL && strstr(f.last_status, "did not answer") != NULL,
	    "with the reason: %s", f.last_status ? f.last_status : "");
	free(f.peer.failure);
	free(f.last_status);

	run_script(route_script, &f);
	TEST_CHECK(f.peer.failure == NULL, "route script: %s", f.peer.failure ? f.peer.failure : "");
	TEST_INTEQ(f.noop_done, 2, "the STORE and the FETCH completed");
	TEST_STREQ(buf_cstr(&f.fetch_got), "11:BODY[1] ",
	    "the body went to the fetch, though the STORE is older");
	TEST_STREQ(buf_cstr(&f.store_got), "10:FLAGS 11:FLAGS ",
	    "flags alone went to the STORE, also for the fetched message");
	buf_free(&f.store_got);
	buf_free(&f.fetch_got);
	free(f.peer.failure);
	free(f.last_status);

	run_script(mute_script, &f);
	TEST_CHECK(f.closed && f.closed_class == ERR_NETWORK, "no greeting is a dead link");
	free(f.peer.failure);
	free(f.last_status);
	return test_done();
}
