/*
 * Copy, move and delete (src/mail/ops.c) against an in-process scripted
 * server, checking the exact commands sent: MOVE where offered; COPY,
 * STORE \Deleted and UID EXPUNGE of exactly those UIDs with UIDPLUS;
 * without UIDPLUS no expunge at all (the result says they stay marked);
 * compact UID sets; COPYUID taken into the result; [TRYCREATE] reported;
 * PERMANENTFLAGS deciding which keywords may be set; and a flag change
 * refused with [MODIFIED], fetched again and retried; a second change to
 * a message waiting for the answer to the first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/imap_client.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "peer.h"

/* In SEND text "$T" is the tag last received (peer.h). */
struct fake;
typedef void scenario_fn(struct fake *, int stage);

struct fake {
	struct ev_loop		*loop;
	struct peer		 peer;		/* EXPECT texts are globs */
	struct imap_client	*client;
	struct mail_folder	*folder;
	scenario_fn		*scenario;
	int			 stage;
	bool			 finished;
	/* The last operation's outcome. */
	int			 status;
	struct mail_op_result	 res;		/* sets copied */
	char			*error;		/* the last error event */
};

static char *
get_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	return xstrdup("pw");
}

static void
on_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct fake	*f = arg;

	if (f->folder != NULL)
		(void)mail_folder_untagged(f->folder, r);
}

static void
next(struct fake *f)
{
	f->scenario(f, f->stage++);
}

static void
on_opened(struct mail_folder *mf, void *arg)
{
	next(arg);
}

static void
on_error(struct mail_folder *mf, enum err_class cls, const char *msg, void *arg)
{
	struct fake	*f = arg;

	free(f->error);
	f->error = xstrdup(msg);
}

static void
copy_set(struct imap_seqset *to, const struct imap_seqset *from)
{
	size_t	 i;

	imap_seqset_free(to);
	imap_seqset_init(to);
	for (i = 0; i < from->count; i++)
		imap_seqset_add(to, from->ranges[i].lo, from->ranges[i].hi);
}

static void
op_done(struct mail_folder *mf, int status, const struct mail_op_result *res, void *arg)
{
	struct fake	*f = arg;

	f->status = status;
	copy_set(&f->res.uids, &res->uids);
	copy_set(&f->res.src, &res->src);
	copy_set(&f->res.dst, &res->dst);
	f->res.count = res->count;
	f->res.dest_uidvalidity = res->dest_uidvalidity;
	f->res.marked_only = res->marked_only;
	f->res.expunged = res->expunged;
	f->res.trycreate = res->trycreate;
	next(f);
}

static const struct mail_folder_events events = {
	.opened = on_opened,
	.error = on_error,
};

static void
on_ready(struct imap_client *c, void *arg)
{
	struct fake			*f = arg;
	struct mail_folder_params	 p;

	memset(&p, 0, sizeof p);
	f->folder = mail_folder_new(c, NULL, "INBOX", &p);
	mail_folder_subscribe(f->folder, &events, f);
	mail_folder_open(f->folder);
}

static char *
set_text(const struct imap_seqset *s)
{
	struct buf	 b = BUF_INIT;
	char		*out;

	imap_seqset_write(&b, s);
	out = xstrdup(b.data != NULL ? buf_cstr(&b) : "");
	buf_free(&b);
	return out;
}

static void
run_script(const struct step *steps, scenario_fn *scenario, struct fake *f)
{
	static const struct imap_client_callbacks cb = {
		.get_secret = get_secret,
		.ready = on_ready,
		.untagged = on_untagged,
	};
	struct imap_client_params	 p;
	char				 port[16];
	int				 turns = 0;

	memset(f, 0, sizeof *f);
	f->scenario = scenario;
	imap_seqset_init(&f->res.uids);
	imap_seqset_init(&f->res.src);
	imap_seqset_init(&f->res.dst);
	f->loop = ev_loop_new();
	peer_start(&f->peer, f->loop, steps, f, port);
	f->peer.glob = true;

	memset(&p, 0, sizeof p);
	p.host = "127.0.0.1";
	p.port = port;
	p.user = "alice";
	p.allow_plaintext = true;
	p.connect_timeout_ms = 5000;
	f->client = imap_client_new(f->loop, &p, &cb, f);
	imap_client_connect(f->client);
	while (!(f->finished && f->peer.done) && f->peer.failure == NULL && turns++ < 400)
		ev_loop_run_once(f->loop, 50);
}

static void
fake_free(struct fake *f)
{
	mail_folder_free(&f->folder);
	imap_client_free(&f->client);
	peer_stop(&f->peer);
	ev_loop_free(&f->loop);
	imap_seqset_free(&f->res.uids);
	imap_seqset_free(&f->res.src);
	imap_seqset_free(&f->res.dst);
	free(f->peer.failure);
	free(f->error);
}


/* Five messages, UIDs 3 4 5 9 10; any FETCH of the index fields gets
 * them all. OPEN5X adds to the SELECT's answer. */
#define OPEN5(caps) OPEN5X(caps, "")
#define OPEN5X(caps, select_more) \
	{ .kind = SEND, .text = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR " caps "] hi\r\n" }, \
	{ .kind = EXPECT, .text = "C1 AUTHENTICATE PLAIN *" }, \
	{ .kind = SEND, .text = "$T OK [CAPABILITY IMAP4rev1 " caps "] in\r\n" }, \
	{ .kind = EXPECT, .text = "* SELECT INBOX*" }, \
	{ .kind = SEND, .text = "* 5 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [UIDNEXT 11] n\r\n" \
	    "* OK [PERMANENTFLAGS (\\Seen \\Deleted $Label1)] p\r\n" select_more \
	    "$T OK [READ-WRITE] in\r\n" }, \
	{ .kind = EXPECT, .text = "* FETCH *" }, \
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 FLAGS () RFC822.SIZE 1 " \
	    "INTERNALDATE \"04-Mar-2024 10:00:00 +0000\")\r\n" \
	    "* 2 FETCH (UID 4 FLAGS () RFC822.SIZE 1 " \
	    "INTERNALDATE \"04-Mar-2024 10:00:00 +0000\")\r\n" \
	    "* 3 FETCH (UID 5 FLAGS () RFC822.SIZE 1 " \
	    "INTERNALDATE \"04-Mar-2024 10:00:00 +0000\")\r\n" \
	    "* 4 FETCH (UID 9 FLAGS (\\Deleted) RFC822.SIZE 1 " \
	    "INTERNALDATE \"04-Mar-2024 10:00:00 +0000\")\r\n" \
	    "* 5 FETCH (UID 10 FLAGS () RFC822.SIZE 1 " \
	    "INTERNALDATE \"04-Mar-2024 10:00:00 +0000\")\r\n" \
	    "$T OK done\r\n" }, \
	{ .kind = EXPECT, .text = "* UID FETCH 3:5,9:10 (UID FLAGS *" }, \
	{ .kind = SEND, .text = HEADERS(1, 3) HEADERS(2, 4) HEADERS(3, 5) HEADERS(4, 9) \
	    HEADERS(5, 10) "$T OK done\r\n" }

/* Every script ends with the logout. */
#define LOGOUT_END \
	{ .kind = EXPECT, .text = "* LOGOUT" }, \
	{ .kind = SEND, .text = "* BYE bye\r\n$T OK bye\r\n" }, \
	{ .kind = END }

/* The index fields of one message. */
#define HEADERS(seq, uid) "* " #seq " FETCH (UID " #uid " RFC822.SIZE 1 " \
	"INTERNALDATE \"04-Mar-2024 10:00:00 +0000\" BODY[HEADER.FIELDS (DATE " \
	"FROM TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES)] {14}\r\n" \
	"Subject: a\r\n\r\n)\r\n"

static void
uids(struct imap_seqset *s, const char *text)
{
	imap_seqset_init(s);
	if (imap_seqset_parse(s, text) < 0)
		abort();
}

/* MOVE: one UID MOVE with a compact set; COPYUID and EXPUNGE followed. */
static const struct step with_move[] = {
	OPEN5("MOVE UIDPLUS"),
	{ .kind = EXPECT, .text = "* UID MOVE 3:5,10 Archive" },
	{ .kind = SEND, .text = "* OK [COPYUID 7 3:5,10 20:23] moved\r\n* 1 EXPUNGE\r\n"
	    "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 2 EXPUNGE\r\n$T OK done\r\n" },
	{ .kind = EXPECT, .text = "* UID COPY 9 Nope" },
	{ .kind = SEND, .text = "$T NO [TRYCREATE] no such folder\r\n" },
	LOGOUT_END,
};

static void
scenario_move(struct fake *f, int stage)
{
	struct imap_seqset	 s;

	switch (stage) {
	case 0:
		TEST_INTEQ(mail_folder_count(f->folder), 5, "five messages open");
		uids(&s, "3,4,5,10,77");
		mail_folder_move(f->folder, &s, "Archive", op_done, f);
		imap_seqset_free(&s);
		break;
	case 1: {
		char *src = set_text(&f->res.src), *dst = set_text(&f->res.dst);

		TEST_INTEQ(f->status, 0, "the move succeeded");
		TEST_INTEQ(f->res.count, 4, "four messages moved (77 is not there)");
		TEST_CHECK(f->res.expunged && !f->res.marked_only, "gone, not marked");
		TEST_INTEQ(f->res.dest_uidvalidity, 7, "COPYUID's UIDVALIDITY");
		TEST_STREQ(src, "3:5,10", "COPYUID source set");
		TEST_STREQ(dst, "20:23", "COPYUID destination set");
		TEST_INTEQ(mail_folder_count(f->folder), 1, "the model followed EXPUNGE");
		TEST_CHECK(mail_folder_by_uid(f->folder, 9) != NULL, "UID 9 stays");
		free(src);
		free(dst);
		uids(&s, "9");
		mail_folder_copy(f->folder, &s, "Nope", op_done, f);
		imap_seqset_free(&s);
		break;
	}
	case 2:
		TEST_INTEQ(f->status, -1, "the copy failed");
		TEST_CHECK(f->res.trycreate, "[TRYCREATE] is in the result");
		TEST_CHECK(f->error != NULL && strstr(f->error, "Nope") != NULL,
		    "the error names the folder: %s", f->error ? f->error : "");
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

/* UIDPLUS without MOVE: COPY, STORE, UID EXPUNGE of exactly those. */
static const struct step with_uidplus[] = {
	OPEN5("UIDPLUS"),
	{ .kind = EXPECT, .text = "* UID COPY 3:4 Trash" },
	{ .kind = SEND, .text = "$T OK [COPYUID 5 3:4 8:9] copied\r\n" },
	{ .kind = EXPECT, .text = "* UID STORE 3:4 +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "$T OK stored\r\n" },
	{ .kind = EXPECT, .text = "* UID EXPUNGE 3:4" },
	{ .kind = SEND, .text = "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n$T OK gone\r\n" },
	LOGOUT_END,
};

static void
scenario_uidplus(struct fake *f, int stage)
{
	struct imap_seqset	 s;

	switch (stage) {
	case 0:
		uids(&s, "4,3");
		mail_folder_move(f->folder, &s, "Trash", op_done, f);
		imap_seqset_free(&s);
		break;
	case 1:
		TEST_INTEQ(f->status, 0, "the move succeeded");
		TEST_CHECK(f->res.expunged && !f->res.marked_only, "expunged");
		TEST_INTEQ(f->res.dest_uidvalidity, 5, "COPYUID of the COPY");
		TEST_INTEQ(mail_folder_count(f->folder), 3, "two left the folder");
		TEST_CHECK(mail_folder_by_uid(f->folder, 9) != NULL &&
		    (mail_folder_by_uid(f->folder, 9)->flags & IMAP_FLAG_DELETED),
		    "the other \\Deleted message is still there");
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

/* Neither: COPY and STORE, then nothing (no EXPUNGE would spare 9). */
static const struct step plain[] = {
	OPEN5(""),
	{ .kind = EXPECT, .text = "* UID COPY 5 Trash" },
	{ .kind = SEND, .text = "$T OK copied\r\n" },
	{ .kind = EXPECT, .text = "* UID STORE 5 +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "$T OK stored\r\n" },
	LOGOUT_END,
};

static void
scenario_plain(struct fake *f, int stage)
{
	struct imap_seqset	 s;
	char			*error = NULL;

	switch (stage) {
	case 0:
		/* PERMANENTFLAGS (\Seen \Deleted $Label1): no \*. */
		TEST_INTEQ(mail_folder_flag_allowed(f->folder, "$Label1", &error), 0,
		    "a listed keyword may be set");
		TEST_INTEQ(mail_folder_flag_allowed(f->folder, "\\Seen", &error), 0,
		    "\\Seen may be set");
		TEST_INTEQ(mail_folder_flag_allowed(f->folder, "work", &error), -1,
		    "an unlisted keyword is refused");
		TEST_CHECK(error != NULL && strstr(error, "no new keywords") != NULL,
		    "and says why: %s", error ? error : "");
		free(error);
		error = NULL;
		TEST_INTEQ(mail_folder_flag_allowed(f->folder, "\\Flagged", &error), -1,
		    "\\Flagged is not kept here");
		free(error);
		error = NULL;
		TEST_INTEQ(mail_folder_flag_allowed(f->folder, "a(b", &error), -1,
		    "not an atom");
		free(error);
		TEST_STREQ(mail_folder_permanent_keywords(f->folder), "$Label1",
		    "PERMANENTFLAGS' keywords kept");
		uids(&s, "5");
		mail_folder_move(f->folder, &s, "Trash", op_done, f);
		imap_seqset_free(&s);
		break;
	case 1:
		TEST_INTEQ(f->status, 0, "the move reports success");
		TEST_CHECK(f->res.marked_only && !f->res.expunged,
		    "left marked \\Deleted, not expunged");
		TEST_INTEQ(mail_folder_count(f->folder), 5, "nothing left the folder");
		TEST_CHECK(mail_folder_by_uid(f->folder, 5)->flags & IMAP_FLAG_DELETED,
		    "UID 5 is marked \\Deleted");
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

/*
 * A flag change the server refuses under UNCHANGEDSINCE ([MODIFIED]: it
 * changed meanwhile, maybe by our own STORE just before): the message is
 * fetched again and the change sent once more, and since that STORE is
 * silent, the model must show the change on top of the fetched state.
 */
static const struct step with_modified[] = {
	OPEN5X("CONDSTORE", "* OK [HIGHESTMODSEQ 20] m\r\n"),
	{ .kind = EXPECT, .text = "* UID STORE 3 (UNCHANGEDSINCE 20) +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "$T OK [MODIFIED 3] changed meanwhile\r\n" },
	{ .kind = EXPECT, .text = "* UID FETCH 3 (UID FLAGS MODSEQ)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (21))\r\n$T OK done\r\n" },
	{ .kind = EXPECT, .text = "* UID STORE 3 (UNCHANGEDSINCE 2?) +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "$T OK stored\r\n" },
	LOGOUT_END,
};

static void
flags_done(struct mail_folder *mf, int status, void *arg)
{
	struct fake	*f = arg;

	f->status = status;
	next(f);
}

/* One flag added to or removed from the messages of set. */
static void
store(struct fake *f, const char *set, bool add, unsigned flag)
{
	struct imap_seqset	 s;

	uids(&s, set);
	mail_folder_store_flags(f->folder, &s, add, flag, NULL, flags_done, f);
	imap_seqset_free(&s);
}

static void
scenario_modified(struct fake *f, int stage)
{
	const struct mail_msg	*m;

	switch (stage) {
	case 0:
		store(f, "3", true, IMAP_FLAG_DELETED);
		break;
	case 1:
		TEST_INTEQ(f->status, 0, "the change is done on the second try");
		m = mail_folder_by_uid(f->folder, 3);
		TEST_CHECK(m != NULL && (m->flags & IMAP_FLAG_DELETED) &&
		    (m->flags & IMAP_FLAG_SEEN), "UID 3 shows \\Deleted on top of the "
		    "\\Seen fetched meanwhile (flags %#x)", m != NULL ? m->flags : 0);
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

/*
 * Changes made quicker than the server answers (d then u): the second
 * change to UID 3 waits for the first one's answer, whose MODSEQ it then
 * goes on top of (21, what UID 3 had when C5 was answered); sent at once,
 * its UNCHANGEDSINCE 20 would predate our own STORE and be refused as
 * [MODIFIED]. A change to UID 4 in between does not wait.
 */
static const struct step chained[] = {
	OPEN5X("CONDSTORE", "* OK [HIGHESTMODSEQ 20] m\r\n"),
	{ .kind = EXPECT, .text = "C5 UID STORE 3 (UNCHANGEDSINCE 20) +FLAGS.SILENT (\\Deleted)" },
	{ .kind = EXPECT, .text = "C6 UID STORE 4 (UNCHANGEDSINCE 20) +FLAGS.SILENT (\\Seen)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 MODSEQ (21))\r\nC5 OK stored\r\n"
	    "* 2 FETCH (UID 4 MODSEQ (22))\r\nC6 OK stored\r\n" },
	{ .kind = EXPECT, .text = "C7 UID STORE 3 (UNCHANGEDSINCE 21) -FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 MODSEQ (23))\r\n$T OK stored\r\n" },
	LOGOUT_END,
};

static void
scenario_chained(struct fake *f, int stage)
{
	const struct mail_msg	*m3, *m4;

	if (stage > 0)
		TEST_INTEQ(f->status, 0, "change %d done", stage);
	switch (stage) {
	case 0:
		store(f, "3", true, IMAP_FLAG_DELETED);
		store(f, "4", true, IMAP_FLAG_SEEN);
		store(f, "3", false, IMAP_FLAG_DELETED);
		m3 = mail_folder_by_uid(f->folder, 3);
		TEST_CHECK(m3 != NULL && !(m3->flags & IMAP_FLAG_DELETED),
		    "both changes to UID 3 show at once");
		break;
	case 3:
		m3 = mail_folder_by_uid(f->folder, 3);
		m4 = mail_folder_by_uid(f->folder, 4);
		TEST_CHECK(m3 != NULL && !(m3->flags & IMAP_FLAG_DELETED),
		    "UID 3 ends undeleted");
		TEST_CHECK(m4 != NULL && (m4->flags & IMAP_FLAG_SEEN), "UID 4 seen");
		TEST_CHECK(f->error == NULL, "no error: %s", f->error ? f->error : "");
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

/*
 * The same two changes, the first refused as [MODIFIED] by another
 * client's change: the refetch shows the server's flags, hiding the
 * second change that waits (its STORE is silent), so it is shown again
 * before it goes. Without that UID 3 would stay \\Deleted on screen.
 */
static const struct step chained_modified[] = {
	OPEN5X("CONDSTORE", "* OK [HIGHESTMODSEQ 20] m\r\n"),
	{ .kind = EXPECT, .text = "C5 UID STORE 3 (UNCHANGEDSINCE 20) +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "C5 OK [MODIFIED 3] changed meanwhile\r\n" },
	{ .kind = EXPECT, .text = "C6 UID FETCH 3 (UID FLAGS MODSEQ)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (21))\r\nC6 OK done\r\n" },
	{ .kind = EXPECT, .text = "C7 UID STORE 3 (UNCHANGEDSINCE 21) +FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 MODSEQ (22))\r\nC7 OK stored\r\n" },
	{ .kind = EXPECT, .text = "C8 UID STORE 3 (UNCHANGEDSINCE 22) -FLAGS.SILENT (\\Deleted)" },
	{ .kind = SEND, .text = "* 1 FETCH (UID 3 MODSEQ (23))\r\nC8 OK stored\r\n" },
	LOGOUT_END,
};

static void
scenario_chained_modified(struct fake *f, int stage)
{
	const struct mail_msg	*m;

	if (stage > 0)
		TEST_INTEQ(f->status, 0, "change %d done", stage);
	switch (stage) {
	case 0:
		store(f, "3", true, IMAP_FLAG_DELETED);
		store(f, "3", false, IMAP_FLAG_DELETED);
		break;
	case 2:
		m = mail_folder_by_uid(f->folder, 3);
		TEST_CHECK(m != NULL && (m->flags & IMAP_FLAG_SEEN) &&
		    !(m->flags & IMAP_FLAG_DELETED), "UID 3 shows the other "
		    "client's \\Seen and not \\Deleted, as the server has it "
		    "(flags %#x)", m != NULL ? m->flags : 0);
		imap_client_logout(f->client);
		f->finished = true;
		break;
	}
}

static void
check(const char *name, const struct step *steps, scenario_fn *scenario)
{
	struct fake	 f;

	run_script(steps, scenario, &f);
	TEST_CHECK(f.peer.failure == NULL, "%s script: %s", name, f.peer.failure ? f.peer.failure : "");
	TEST_CHECK(f.finished && f.peer.done, "%s: every step ran (stage %d, step %zu)",
	    name, f.stage, f.peer.i);
	fake_free(&f);
}

int
main(void)
{
	check("MOVE", with_move, scenario_move);
	check("UIDPLUS", with_uidplus, scenario_uidplus);
	check("plain", plain, scenario_plain);
	check("MODIFIED", with_modified, scenario_modified);
	check("chained", chained, scenario_chained);
	check("chained after MODIFIED", chained_modified, scenario_chained_modified);
	return test_done();
}
