/*
 * IMAP response parser: every response form, fed whole, one byte at a
 * time and split in two at every boundary; hostile input; literal sinks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/imap_parser.h"
#include "test.h"

#define LEN(s)	(sizeof(s) - 1)

struct tcase {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;		/* responses as dump() writes them */
};

/* What a recording sink saw. */
struct sink_log {
	uint64_t	 min_size;	/* accept literals at least this big */
	bool		 fail_writes;	/* write returns -1 */
	struct buf	 events;	/* "open N KEY SIZE", "close 0/1" */
	struct buf	 data;		/* every byte written, in order */
	int		 open_handles;
};

struct run_opts {
	struct imap_parser_limits limits;
	bool		 use_sink;
	uint64_t	 sink_min;
	bool		 sink_fail;
};

static const char *const status_names[] = {
	"NONE", "OK", "NO", "BAD", "PREAUTH", "BYE",
};

static void	 dump(struct buf *, const struct imap_response *);
static void	 collect(const struct imap_response *, void *);
static void	*sink_open(void *, uint32_t, const char *, uint64_t);
static int	 sink_write(void *, const void *, size_t);
static void	 sink_close(void *, bool);
static char	*run(const struct run_opts *, const char *, size_t,
		    const size_t *, size_t, char **, int *);
static void	 check_cases(const struct tcase *, size_t, const struct run_opts *);
static void	 test_good(void);
static void	 test_tolerant(void);
static void	 test_hostile(void);
static void	 test_limits(void);
static void	 test_sink(void);
static void	 test_sink_abort(void);
static void	 test_fatal(void);
static void	 test_reset_in_callback(void);
static void	 test_free_in_callback(void);
static void	 test_reset_mid_literal(void);
static void	 test_fields(void);
static void	 test_helpers(void);
static void	 test_quote(void);
static void	 test_long_line(void);

/* One line per response; NUL bytes shown as \0 so strings compare. */
static void
dump(struct buf *out, const struct imap_response *r)
{
	struct buf	 b = BUF_INIT, a = BUF_INIT;
	size_t		 i;

	switch (r->kind) {
	case IMAP_RESP_TAGGED:
		buf_printf(&b, "T %s %s", r->tag, status_names[r->status]);
		break;
	case IMAP_RESP_UNTAGGED:
		buf_addc(&b, '*');
		if (r->has_number)
			buf_printf(&b, " %u", r->number);
		buf_printf(&b, " %s", r->keyword);
		break;
	case IMAP_RESP_CONTINUATION:
		buf_addc(&b, '+');
		break;
	case IMAP_RESP_ERROR:
		buf_printf(&b, "E %s", r->tag != NULL ? r->tag : "-");
		if (r->has_number)
			buf_printf(&b, " %u", r->number);
		if (r->keyword != NULL)
			buf_printf(&b, " %s", r->keyword);
		break;
	}
	if (r->code != NULL) {
		buf_printf(&b, " [%s", r->code);
		for (i = 0; i < r->code_argc; i++) {
			if (i > 0)
				buf_addc(&a, ' ');
			imap_arg_write(&a, &r->code_args[i]);
		}
		if (a.len > 0)
			buf_printf(&b, " %s", buf_cstr(&a));
		/* Raw text shown only when it says more than the args. */
		if (strcmp(buf_cstr(&a), r->code_raw) != 0)
			buf_printf(&b, "|%s", r->code_raw);
		buf_addc(&b, ']');
	}
	if (r->kind != IMAP_RESP_UNTAGGED || r->status != IMAP_STATUS_NONE)
		buf_printf(&b, " \"%s\"", r->text);
	for (i = 0; i < r->argc; i++) {
		buf_addc(&b, ' ');
		imap_arg_write(&b, &r->args[i]);
	}
	for (i = 0; i < b.len; i++) {
		if (b.data[i] == '\0')
			buf_adds(out, "\\0");
		else
			buf_addc(out, b.data[i]);
	}
	buf_addc(out, '\n');
	buf_free(&a);
	buf_free(&b);
}

static void
collect(const struct imap_response *r, void *arg)
{
	struct buf	*out = arg;
	const char	*p;

	/* Contract checks that hold for every response. */
	if (r->text == NULL) {
		buf_adds(out, "NULL TEXT\n");
		return;
	}
	for (p = r->keyword; p != NULL && *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			buf_adds(out, "LOWERCASE KEYWORD\n");
	}
	for (p = r->code; p != NULL && *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			buf_adds(out, "LOWERCASE CODE\n");
	}
	if (r->code != NULL && r->code_raw == NULL)
		buf_adds(out, "CODE WITHOUT RAW\n");
	dump(out, r);
}

static void *
sink_open(void *arg, uint32_t number, const char *key, uint64_t size)
{
	struct sink_log	*s = arg;

	if (size < s->min_size)
		return NULL;
	buf_printf(&s->events, "open %u %s %llu\n", number,
	    key != NULL ? key : "-", (unsigned long long)size);
	s->open_handles++;
	return s;
}

static int
sink_write(void *h, const void *data, size_t len)
{
	struct sink_log	*s = h;

	if (len == 0)
		buf_adds(&s->events, "EMPTY WRITE\n");
	if (s->fail_writes)
		return -1;
	buf_add(&s->data, data, len);
	return 0;
}

static void
sink_close(void *h, bool complete)
{
	struct sink_log	*s = h;

	buf_printf(&s->events, "close %d\n", complete);
	s->open_handles--;
}

static const struct imap_literal_sink test_sink_ops = {
	sink_open, sink_write, sink_close,
};

/*
 * Feeds in at the given cut points (nothing: all at once) and returns
 * the dump; the sink's events and data follow it. Feed failures are
 * counted in *fails and the last message kept in *err.
 */
static char *
run(const struct run_opts *o, const char *in, size_t len, const size_t *cuts,
    size_t ncuts, char **err, int *fails)
{
	struct imap_parser	*p;
	struct sink_log		 sink;
	struct buf		 out = BUF_INIT;
	size_t			 i, from = 0, to;
	char			*e = NULL;

	memset(&sink, 0, sizeof sink);
	sink.min_size = o->sink_min;
	sink.fail_writes = o->sink_fail;
	p = imap_parser_new(&o->limits);
	if (o->use_sink)
		imap_parser_set_sink(p, &test_sink_ops, &sink);
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		if (imap_parser_feed(p, in + from, to - from, collect, &out,
		    &e) == -1) {
			(*fails)++;
			if (err != NULL) {
				free(*err);
				*err = e;
			} else
				free(e);
			e = NULL;
		}
		from = to;
	}
	imap_parser_free(&p);
	if (o->use_sink) {
		buf_adds(&out, "--\n");
		buf_add(&out, sink.events.data, sink.events.len);
		buf_adds(&out, "--\n");
		buf_add(&out, sink.data.data, sink.data.len);
		if (sink.open_handles != 0)
			buf_adds(&out, "LEAKED HANDLE\n");
	}
	buf_free(&sink.events);
	buf_free(&sink.data);
	return buf_steal(&out);
}

/* Whole, byte by byte, and split in two at every point: same result. */
static void
check_cases(const struct tcase *cases, size_t n, const struct run_opts *o)
{
	size_t	 i, j, len, *cuts;
	char	*whole, *got;
	int	 fails = 0, bad;

	for (i = 0; i < n; i++) {
		len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
		whole = run(o, cases[i].in, len, NULL, 0, NULL, &fails);
		TEST_STREQ(whole, cases[i].want, "%s", cases[i].name);

		cuts = calloc(len + 1, sizeof *cuts);
		for (j = 0; j < len; j++)
			cuts[j] = j + 1;
		got = run(o, cases[i].in, len, cuts, len > 0 ? len - 1 : 0,
		    NULL, &fails);
		TEST_STREQ(got, whole, "%s: one byte at a time", cases[i].name);
		free(got);

		bad = 0;
		for (j = 1; j < len; j++) {
			got = run(o, cases[i].in, len, &j, 1, NULL, &fails);
			if (strcmp(got, whole) != 0 && bad++ == 0)
				TEST_STREQ(got, whole, "%s: split at %zu",
				    cases[i].name, j);
			free(got);
		}
		TEST_INTEQ(bad, 0, "%s: every two-chunk split", cases[i].name);
		free(cuts);
		free(whole);
	}
	TEST_INTEQ(fails, 0, "no feed failed");
}

static void
test_good(void)
{
	static const struct tcase cases[] = {
	{ "greeting with capabilities",
	  "* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ "
	  "AUTH=PLAIN] Dovecot ready.\r\n", 0,
	  "* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ "
	  "AUTH=PLAIN] \"Dovecot ready.\"\n" },
	{ "preauth",
	  "* PREAUTH [CAPABILITY IMAP4rev2] Logged in as bob\r\n", 0,
	  "* PREAUTH [CAPABILITY IMAP4rev2] \"Logged in as bob\"\n" },
	{ "bye",
	  "* BYE Autologout; idle for too long\r\n", 0,
	  "* BYE \"Autologout; idle for too long\"\n" },
	{ "tagged ok read-write",
	  "a1 OK [READ-WRITE] SELECT completed\r\n", 0,
	  "T a1 OK [READ-WRITE] \"SELECT completed\"\n" },
	{ "tagged ok read-only",
	  "a1 OK [READ-ONLY] EXAMINE completed\r\n", 0,
	  "T a1 OK [READ-ONLY] \"EXAMINE completed\"\n" },
	{ "tagged no trycreate",
	  "A0002 NO [TRYCREATE] No such mailbox\r\n", 0,
	  "T A0002 NO [TRYCREATE] \"No such mailbox\"\n" },
	{ "tagged bad",
	  "a3 BAD Command unknown\r\n", 0,
	  "T a3 BAD \"Command unknown\"\n" },
	{ "tagged bye",
	  "a3 BYE bye\r\n", 0,
	  "T a3 BYE \"bye\"\n" },
	{ "tagged ok without text",
	  "a4 OK\r\n", 0,
	  "T a4 OK \"\"\n" },
	{ "uidvalidity",
	  "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", 0,
	  "* OK [UIDVALIDITY 3857529045] \"UIDs valid\"\n" },
	{ "uidnext",
	  "* OK [UIDNEXT 4392] Predicted next UID\r\n", 0,
	  "* OK [UIDNEXT 4392] \"Predicted next UID\"\n" },
	{ "highestmodseq",
	  "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n", 0,
	  "* OK [HIGHESTMODSEQ 715194045007] \"Highest\"\n" },
	{ "permanentflags",
	  "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", 0,
	  "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] \"Limited\"\n" },
	{ "appenduid",
	  "a6 OK [APPENDUID 38505 3955] APPEND completed\r\n", 0,
	  "T a6 OK [APPENDUID 38505 3955] \"APPEND completed\"\n" },
	{ "copyuid",
	  "a7 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", 0,
	  "T a7 OK [COPYUID 38505 304,319:320 3956:3958] \"Done\"\n" },
	{ "alert",
	  "* NO [ALERT] System shutdown in 10 minutes\r\n", 0,
	  "* NO [ALERT] \"System shutdown in 10 minutes\"\n" },
	{ "alert without text",
	  "* OK [ALERT]\r\n", 0,
	  "* OK [ALERT] \"\"\n" },
	{ "closed",
	  "* OK [CLOSED] Previous mailbox is now closed\r\n", 0,
	  "* OK [CLOSED] \"Previous mailbox is now closed\"\n" },
	{ "nomodseq",
	  "* OK [NOMODSEQ] No modseqs here\r\n", 0,
	  "* OK [NOMODSEQ] \"No modseqs here\"\n" },
	{ "badcharset",
	  "a8 NO [BADCHARSET (UTF-8 \"ISO-8859-1\")] charset\r\n", 0,
	  "T a8 NO [BADCHARSET (UTF-8 \"ISO-8859-1\")] \"charset\"\n" },
	{ "badcharset with a bracket in a quoted charset",
	  "a8 NO [BADCHARSET (\"x]y\")] charset\r\n", 0,
	  "T a8 NO [BADCHARSET (\"x]y\")] \"charset\"\n" },
	{ "unknown code with free text",
	  "a9 NO [XWEIRD some (odd] text]\r\n", 0,
	  "T a9 NO [XWEIRD|some (odd] \"text]\"\n" },
	{ "unknown code with words",
	  "* OK [XFOO a b c] hi\r\n", 0,
	  "* OK [XFOO a b c] \"hi\"\n" },
	{ "referral with nested brackets",
	  "* OK [REFERRAL imap://u@[::1]/INBOX] try there\r\n", 0,
	  "* OK [REFERRAL imap://u@[::1]/INBOX] \"try there\"\n" },
	{ "code with an odd quote",
	  "a12 NO [XFOO don\"t] x\r\n", 0,
	  "T a12 NO [XFOO don\"t] \"x\"\n" },
	{ "unterminated code is text",
	  "a11 OK [ALERT oops\r\n", 0,
	  "T a11 OK \"[ALERT oops\"\n" },
	{ "empty code is text",
	  "a11 OK [] x\r\n", 0,
	  "T a11 OK \"[] x\"\n" },
	{ "exists",
	  "* 23 EXISTS\r\n", 0,
	  "* 23 EXISTS\n" },
	{ "recent and expunge",
	  "* 5 RECENT\r\n* 44 EXPUNGE\r\n", 0,
	  "* 5 RECENT\n* 44 EXPUNGE\n" },
	{ "capability data",
	  "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI\r\n", 0,
	  "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI\n" },
	{ "flags",
	  "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Fwd)\r\n", 0,
	  "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Fwd)\n" },
	{ "fetch simple items",
	  "* 12 FETCH (FLAGS (\\Seen) UID 4827313 INTERNALDATE "
	  "\"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827 "
	  "MODSEQ (12121231000))\r\n", 0,
	  "* 12 FETCH (FLAGS (\\Seen) UID 4827313 INTERNALDATE "
	  "\"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827 "
	  "MODSEQ (12121231000))\n" },
	{ "fetch envelope",
	  "* 12 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
	  "\"IMAP4rev1 WG mtg summary and minutes\" "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((NIL NIL \"imap\" \"cac.washington.edu\")) "
	  "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
	  "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
	  "\"<B27397-0100000@cac.washington.edu>\"))\r\n", 0,
	  "* 12 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
	  "\"IMAP4rev1 WG mtg summary and minutes\" "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	  "((NIL NIL \"imap\" \"cac.washington.edu\")) "
	  "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") "
	  "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
	  "\"<B27397-0100000@cac.washington.edu>\"))\n" },
	{ "bodystructure multipart with extension data",
	  "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" "
	  "\"us-ascii\") NIL NIL \"7bit\" 25 1 NIL NIL NIL NIL)"
	  "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" "
	  "1234 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) "
	  "\"mixed\" (\"boundary\" \"xyz\") NIL NIL NIL))\r\n", 0,
	  "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" "
	  "\"us-ascii\") NIL NIL \"7bit\" 25 1 NIL NIL NIL NIL) "
	  "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" "
	  "1234 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) "
	  "\"mixed\" (\"boundary\" \"xyz\") NIL NIL NIL))\n" },
	{ "bodystructure message/rfc822",
	  "* 2 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL "
	  "\"7bit\" 500 (\"date\" \"subj\" NIL NIL NIL NIL NIL NIL NIL NIL) "
	  "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 100 4 "
	  "NIL NIL NIL NIL) 20 NIL NIL NIL NIL))\r\n", 0,
	  "* 2 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL "
	  "\"7bit\" 500 (\"date\" \"subj\" NIL NIL NIL NIL NIL NIL NIL NIL) "
	  "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 100 4 "
	  "NIL NIL NIL NIL) 20 NIL NIL NIL NIL))\n" },
	{ "body section with origin and literal",
	  "* 3 FETCH (UID 7 BODY[1.2]<0> {11}\r\nhello world)\r\n", 0,
	  "* 3 FETCH (UID 7 BODY[1.2]<0> {11}\r\nhello world)\n" },
	{ "header fields section",
	  "* 4 FETCH (BODY[HEADER.FIELDS (FROM TO)] {22}\r\n"
	  "From: a@b\r\nTo: c@d\r\n\r\n UID 9)\r\n", 0,
	  "* 4 FETCH (BODY[HEADER.FIELDS (FROM TO)] {22}\r\n"
	  "From: a@b\r\nTo: c@d\r\n\r\n UID 9)\n" },
	{ "section with a quoted field name and NIL",
	  "* 4 FETCH (BODY[HEADER.FIELDS.NOT (\"X-A\" TO)]<10> NIL)\r\n", 0,
	  "* 4 FETCH (BODY[HEADER.FIELDS.NOT (\"X-A\" TO)]<10> NIL)\n" },
	{ "binary literal8 with NUL, binary.size",
	  "* 5 FETCH (BINARY[1] ~{5}\r\nab\0cd BINARY.SIZE[1] 5)\r\n",
	  LEN("* 5 FETCH (BINARY[1] ~{5}\r\nab\0cd BINARY.SIZE[1] 5)\r\n"),
	  "* 5 FETCH (BINARY[1] ~{5}\r\nab\\0cd BINARY.SIZE[1] 5)\n" },
	{ "objectid and savedate",
	  "* 6 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) "
	  "SAVEDATE \"01-Jan-2024 10:00:00 +0000\")\r\n", 0,
	  "* 6 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) "
	  "SAVEDATE \"01-Jan-2024 10:00:00 +0000\")\n" },
	{ "threadid nil, savedate nil",
	  "* 6 FETCH (THREADID NIL SAVEDATE NIL)\r\n", 0,
	  "* 6 FETCH (THREADID NIL SAVEDATE NIL)\n" },
	{ "gmail items",
	  "* 7 FETCH (X-GM-MSGID 1278455344230334865 X-GM-THRID "
	  "1266894439832287888 X-GM-LABELS (\"\\\\Important\" Work))\r\n", 0,
	  "* 7 FETCH (X-GM-MSGID 1278455344230334865 X-GM-THRID "
	  "1266894439832287888 X-GM-LABELS (\"\\\\Important\" Work))\n" },
	{ "list with extended data",
	  "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\" "
	  "(\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n", 0,
	  "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\" "
	  "(\"CHILDINFO\" (\"SUBSCRIBED\"))\n" },
	{ "list with a literal name",
	  "* LIST () \"/\" {7}\r\nfoo\"bar\r\n", 0,
	  "* LIST () \"/\" {7}\r\nfoo\"bar\n" },
	{ "list with a non-sync literal",
	  "* LIST () \"/\" {3+}\r\nfoo\r\n", 0,
	  "* LIST () \"/\" {3}\r\nfoo\n" },
	{ "list with escapes",
	  "* LIST (\\Noselect) \"\\\\\" \"a\\\"b\\\\c\"\r\n", 0,
	  "* LIST (\\Noselect) \"\\\\\" \"a\\\"b\\\\c\"\n" },
	{ "list with gmail brackets",
	  "* LIST (\\HasNoChildren) \"/\" [Gmail]/Sent\r\n", 0,
	  "* LIST (\\HasNoChildren) \"/\" [Gmail]/Sent\n" },
	{ "status with size",
	  "* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 3 SIZE 123456)\r\n", 0,
	  "* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 3 SIZE 123456)\n" },
	{ "esearch",
	  "* ESEARCH (TAG \"A1\") UID ALL 1:3,5 PARTIAL (-1:-100 5,7:9)\r\n", 0,
	  "* ESEARCH (TAG \"A1\") UID ALL 1:3,5 PARTIAL (-1:-100 5,7:9)\n" },
	{ "namespace",
	  "* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL\r\n", 0,
	  "* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL\n" },
	{ "vanished earlier",
	  "* VANISHED (EARLIER) 300:310,405,411\r\n", 0,
	  "* VANISHED (EARLIER) 300:310,405,411\n" },
	{ "enabled",
	  "* ENABLED CONDSTORE QRESYNC\r\n", 0,
	  "* ENABLED CONDSTORE QRESYNC\n" },
	{ "id",
	  "* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n", 0,
	  "* ID (\"name\" \"Dovecot\" \"version\" NIL)\n" },
	{ "id nil",
	  "* ID NIL\r\n", 0,
	  "* ID NIL\n" },
	{ "search, empty and with numbers",
	  "* SEARCH\r\n* SEARCH 2 84 882\r\n", 0,
	  "* SEARCH\n* SEARCH 2 84 882\n" },
	{ "thread lists side by side",
	  "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n", 0,
	  "* THREAD (2) (3 6 (4 23) (44 7 96))\n" },
	{ "continuation with text",
	  "+ Ready for literal data\r\n", 0,
	  "+ \"Ready for literal data\"\n" },
	{ "continuation with base64",
	  "+ dXNlcm5hbWU6\r\n", 0,
	  "+ \"dXNlcm5hbWU6\"\n" },
	{ "continuation, space only",
	  "+ \r\n", 0,
	  "+ \"\"\n" },
	{ "continuation, bare",
	  "+\r\n", 0,
	  "+ \"\"\n" },
	{ "continuation keeps brackets",
	  "+ [x] y\r\n", 0,
	  "+ \"[x] y\"\n" },
	{ "empty literal",
	  "* 4 FETCH (BODY[] {0}\r\n)\r\n", 0,
	  "* 4 FETCH (BODY[] {0}\r\n)\n" },
	{ "a session",
	  "* OK IMAP4rev1 ready\r\na1 OK [CAPABILITY IMAP4rev1] Logged in\r\n"
	  "* 2 EXISTS\r\n* 1 FETCH (BODY[TEXT] {3}\r\nabc)\r\n"
	  "+ go\r\na2 OK done\r\n", 0,
	  "* OK \"IMAP4rev1 ready\"\n"
	  "T a1 OK [CAPABILITY IMAP4rev1] \"Logged in\"\n"
	  "* 2 EXISTS\n* 1 FETCH (BODY[TEXT] {3}\r\nabc)\n"
	  "+ \"go\"\nT a2 OK \"done\"\n" },
	};

	check_cases(cases, sizeof cases / sizeof cases[0],
	    &(struct run_opts){ { 0, 0, 0 }, false, 0, false });
}

static void
test_tolerant(void)
{
	static const struct tcase cases[] = {
	{ "bare LF",
	  "* 1 EXISTS\na1 OK x\n", 0,
	  "* 1 EXISTS\nT a1 OK \"x\"\n" },
	{ "extra spaces",
	  "*  2   FETCH  ( UID  5 )  \r\n", 0,
	  "* 2 FETCH (UID 5)\n" },
	{ "tabs",
	  "*\t2\tFETCH\t(UID\t5)\r\n", 0,
	  "* 2 FETCH (UID 5)\n" },
	{ "lowercase keywords",
	  "* 3 fetch (uid 5 body[] nil)\r\n* ok [uidnext 4] x\r\na1 ok y\r\n", 0,
	  "* 3 FETCH (uid 5 body[] NIL)\n* OK [UIDNEXT 4] \"x\"\n"
	  "T a1 OK \"y\"\n" },
	{ "trailing spaces",
	  "* SEARCH 2 84 \r\na1 OK done \r\n", 0,
	  "* SEARCH 2 84\nT a1 OK \"done\"\n" },
	{ "keyword glued to a list",
	  "* 3 FETCH(UID 5)\r\n", 0,
	  "* 3 FETCH (UID 5)\n" },
	{ "status glued to a code",
	  "* OK[ALERT] x\r\n", 0,
	  "* OK [ALERT] \"x\"\n" },
	{ "8-bit in quoted strings and text",
	  "* LIST () \"/\" \"Entw\xc3\xbcrfe\"\r\n* OK caf\xc3\xa9\r\n", 0,
	  "* LIST () \"/\" \"Entw\xc3\xbcrfe\"\n* OK \"caf\xc3\xa9\"\n" },
	{ "8-bit in atoms",
	  "* LIST () \"/\" Entw\xc3\xbcrfe\r\n", 0,
	  "* LIST () \"/\" Entw\xc3\xbcrfe\n" },
	{ "blank lines are ignored",
	  "\r\n\n  \r\n* 1 EXISTS\r\n", 0,
	  "* 1 EXISTS\n" },
	{ "untagged without space",
	  "*OK hi\r\n", 0,
	  "* OK \"hi\"\n" },
	{ "unknown escape kept",
	  "* X \"a\\b\"\r\n", 0,
	  "* X \"a\\\\b\"\n" },
	{ "tilde atom",
	  "* X ~ ~a\r\n", 0,
	  "* X ~ ~a\n" },
	{ "CR inside text",
	  "* OK a\rb\r\n", 0,
	  "* OK \"a\rb\"\n" },
	{ "unbalanced bracket ends at the line",
	  "* X BODY[1\r\n", 0,
	  "* X BODY[1\n" },
	{ "stray close bracket in an atom",
	  "* X a]b\r\n", 0,
	  "* X a]b\n" },
	};

	check_cases(cases, sizeof cases / sizeof cases[0],
	    &(struct run_opts){ { 0, 0, 0 }, false, 0, false });
}

/* Each broken response is followed by a good one, which must survive. */
static void
test_hostile(void)
{
	static const struct tcase cases[] = {
	{ "unterminated quote",
	  "* LIST () \"/\" \"abc\r\na1 OK done\r\n", 0,
	  "E - LIST \"unterminated quoted string\"\nT a1 OK \"done\"\n" },
	{ "unterminated quote announcing a literal",
	  "* 1 FETCH (BODY[] \"abc {5}\r\nhe\r\no)\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"unterminated quoted string\"\nT a1 OK \"done\"\n" },
	{ "bad literal size",
	  "* 1 FETCH (BODY[] {12x}\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"invalid literal size\"\nT a1 OK \"done\"\n" },
	{ "empty literal size",
	  "* 1 FETCH (BODY[] {}\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"invalid literal size\"\nT a1 OK \"done\"\n" },
	{ "no line end after a literal size",
	  "* X {5} \r\na1 OK done\r\n", 0,
	  "E - X \"no line end after a literal size\"\nT a1 OK \"done\"\n" },
	{ "garbage bytes",
	  "\x01\x02\xff\xfe\r\n\xff\xfe garbage\r\na1 OK done\r\n", 0,
	  "E - \"invalid byte 0x01 at the start of a response\"\n"
	  "E - \"invalid byte 0xff at the start of a response\"\n"
	  "T a1 OK \"done\"\n" },
	{ "NUL in text",
	  "* OK hel\0lo\r\na1 OK done\r\n",
	  LEN("* OK hel\0lo\r\na1 OK done\r\n"),
	  "E - OK \"NUL byte in response\"\nT a1 OK \"done\"\n" },
	{ "NUL in a quoted string",
	  "* LIST () \"/\" \"a\0b\"\r\na1 OK done\r\n",
	  LEN("* LIST () \"/\" \"a\0b\"\r\na1 OK done\r\n"),
	  "E - LIST \"NUL byte in response\"\nT a1 OK \"done\"\n" },
	{ "control byte in an atom",
	  "* X a\x01 b\r\na1 OK done\r\n", 0,
	  "E - X \"invalid byte 0x01 in an atom\"\nT a1 OK \"done\"\n" },
	{ "unexpected close paren",
	  "* X a)\r\na1 OK done\r\n", 0,
	  "E - X \"unexpected ')'\"\nT a1 OK \"done\"\n" },
	{ "unclosed list",
	  "* X (a\r\na1 OK done\r\n", 0,
	  "E - X \"unexpected end of line inside a list\"\nT a1 OK \"done\"\n" },
	{ "unclosed list after a literal",
	  "* 2 FETCH (BODY[] {3}\r\nabc\r\na1 OK done\r\n", 0,
	  "E - 2 FETCH \"unexpected end of line inside a list\"\n"
	  "T a1 OK \"done\"\n" },
	{ "unknown tagged status",
	  "a1 FETCH x\r\na1 OK done\r\n", 0,
	  "E a1 \"unknown status \"FETCH\" in tagged response\"\n"
	  "T a1 OK \"done\"\n" },
	{ "tag only",
	  "a1\r\na1 OK done\r\n", 0,
	  "E a1 \"missing status after the tag\"\nT a1 OK \"done\"\n" },
	{ "star only",
	  "*\r\n* 5\r\na1 OK done\r\n", 0,
	  "E - \"missing keyword in untagged response\"\n"
	  "E - 5 \"missing keyword in untagged response\"\n"
	  "T a1 OK \"done\"\n" },
	{ "number out of range",
	  "* 4294967296 EXISTS\r\n* 4294967295 EXISTS\r\n", 0,
	  "E - \"message number 4294967296 out of range\"\n"
	  "* 4294967295 EXISTS\n" },
	{ "literal in place of a keyword is skipped",
	  "* {7}\r\n* 1 BAD\r\na1 OK done\r\n", 0,
	  "E - \"invalid byte 0x7b at the start of a response\"\n"
	  "T a1 OK \"done\"\n" },
	{ "paren in place of a keyword",
	  "* (a)\r\na1 OK done\r\n", 0,
	  "E - \"unexpected '(' at the start of a response\"\n"
	  "T a1 OK \"done\"\n" },
	{ "brace in a tag",
	  "a{1 OK\r\na1 OK done\r\n", 0,
	  "E - \"invalid byte 0x7b at the start of a response\"\n"
	  "T a1 OK \"done\"\n" },
	};

	check_cases(cases, sizeof cases / sizeof cases[0],
	    &(struct run_opts){ { 0, 0, 0 }, false, 0, false });
}

static void
test_limits(void)
{
	static const struct tcase depth_cases[] = {
	{ "nesting at the limit",
	  "* X (((a)))\r\n", 0,
	  "* X (((a)))\n" },
	{ "nesting beyond the limit",
	  "* X ((((a))))\r\na1 OK done\r\n", 0,
	  "E - X \"lists nested deeper than 3 levels\"\nT a1 OK \"done\"\n" },
	{ "deep nesting in a code drops its arguments",
	  "a1 NO [XFOO ((((a))))] no\r\n", 0,
	  "T a1 NO [XFOO|((((a))))] \"no\"\n" },
	};
	static const struct tcase line_cases[] = {
	{ "line at the limit",
	  "* X 0123456789012345678901234567890123456789012345678901234567\r\n",
	  0,
	  "* X 0123456789012345678901234567890123456789012345678901234567\n" },
	{ "line over the limit",
	  "* X 01234567890123456789012345678901234567890123456789012345678\r\n"
	  "a1 OK done\r\n", 0,
	  "E - X \"response line longer than 64 bytes\"\nT a1 OK \"done\"\n" },
	{ "long line announcing a literal",
	  "* X 0123456789012345678901234567890123456789012345678901234567890"
	  "123456789 {12}\r\n* 1 EXISTS\r\n rest\r\na1 OK done\r\n", 0,
	  "E - X \"response line longer than 64 bytes\"\nT a1 OK \"done\"\n" },
	{ "long line with a brace in the way",
	  "* X 012345678901234567890123456789012345678901234567890123{4567890"
	  "123456789 {2}\r\nab rest\r\na1 OK done\r\n", 0,
	  "E - X \"response line longer than 64 bytes\"\nT a1 OK \"done\"\n" },
	{ "limit reached inside a literal size",
	  "* X 01234567890123456789012345678901234567890123456789012 "
	  "{000012}\r\n* 1 EXISTS\r\n)\r\na1 OK done\r\n", 0,
	  "E - X \"response line longer than 64 bytes\"\nT a1 OK \"done\"\n" },
	{ "limit counts lines of one response together",
	  "* X {3}\r\nabc 012345678901234567890123456789012345678901234567890123"
	  "\r\na1 OK done\r\n", 0,
	  "E - X \"response line longer than 64 bytes\"\nT a1 OK \"done\"\n" },
	};
	static const struct tcase mem_cases[] = {
	{ "literal at the memory limit",
	  "* 1 FETCH (BODY[] {8}\r\n01234567)\r\n", 0,
	  "* 1 FETCH (BODY[] {8}\r\n01234567)\n" },
	{ "literal over the memory limit, no sink",
	  "* 1 FETCH (BODY[] {14}\r\n\r\n* 2 EXISTS\r\n)\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"literal of 14 bytes is bigger than the 8 bytes "
	  "allowed in memory\"\nT a1 OK \"done\"\n" },
	{ "literals adding up over the memory limit",
	  "* 1 FETCH (BODY[1] {5}\r\nabcde BODY[2] {5}\r\nfghij)\r\n"
	  "a1 OK done\r\n", 0,
	  "E - 1 FETCH \"literal of 5 bytes is over the 8 bytes of literals "
	  "allowed in memory\"\nT a1 OK \"done\"\n" },
	};

	check_cases(depth_cases, sizeof depth_cases / sizeof depth_cases[0],
	    &(struct run_opts){ { 0, 3, 0 }, false, 0, false });
	check_cases(line_cases, sizeof line_cases / sizeof line_cases[0],
	    &(struct run_opts){ { 64, 0, 0 }, false, 0, false });
	check_cases(mem_cases, sizeof mem_cases / sizeof mem_cases[0],
	    &(struct run_opts){ { 0, 0, 8 }, false, 0, false });
}

static void
test_sink(void)
{
	/* The sink takes literals of 9 bytes and more; it is offered all. */
	static const struct tcase cases[] = {
	{ "big literal goes to the sink",
	  "* 1 FETCH (UID 3 BODY[2]<0> {14}\r\n\r\n* 2 EXISTS\r\n)\r\n"
	  "a1 OK done\r\n", 0,
	  "* 1 FETCH (UID 3 BODY[2]<0> {14}<streamed>)\nT a1 OK \"done\"\n"
	  "--\nopen 1 BODY[2]<0> 14\nclose 1\n--\n\r\n* 2 EXISTS\r\n" },
	{ "small literal stays in memory",
	  "* 1 FETCH (BODY[] {3}\r\nabc)\r\n", 0,
	  "* 1 FETCH (BODY[] {3}\r\nabc)\n--\n--\n" },
	{ "two big literals, literal8, no key",
	  "* 9 FETCH (BINARY[1] ~{10}\r\n0123456789 X ({9}\r\nabcdefghi))"
	  "\r\n", 0,
	  "* 9 FETCH (BINARY[1] ~{10}<streamed> X ({9}<streamed>))\n"
	  "--\nopen 9 BINARY[1] 10\nclose 1\nopen 9 - 9\nclose 1\n"
	  "--\n0123456789abcdefghi" },
	{ "literal name in LIST has number 0 and no key",
	  "* LIST () \"/\" {10}\r\nabcdefghij\r\n", 0,
	  "* LIST () \"/\" {10}<streamed>\n--\nopen 0 - 10\nclose 1\n"
	  "--\nabcdefghij" },
	{ "broken response after a streamed literal",
	  "* 1 FETCH (BODY[] {10}\r\nabcdefghij\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"unexpected end of line inside a list\"\n"
	  "T a1 OK \"done\"\n--\nopen 1 BODY[] 10\nclose 1\n--\nabcdefghij" },
	};
	static const struct tcase all_cases[] = {
	{ "sink offered every literal, even empty ones",
	  "* 1 FETCH (BODY[] {0}\r\n BODY[1] {2}\r\nab)\r\n", 0,
	  "* 1 FETCH (BODY[] {0}<streamed> BODY[1] {2}<streamed>)\n"
	  "--\nopen 1 BODY[] 0\nclose 1\nopen 1 BODY[1] 2\nclose 1\n--\nab" },
	};
	static const struct tcase decline_cases[] = {
	{ "sink declines a too big literal",
	  "* 1 FETCH (BODY[] {10}\r\n0123456789)\r\na1 OK done\r\n", 0,
	  "E - 1 FETCH \"literal of 10 bytes is bigger than the 8 bytes "
	  "allowed in memory\"\nT a1 OK \"done\"\n--\n--\n" },
	};

	check_cases(cases, sizeof cases / sizeof cases[0],
	    &(struct run_opts){ { 0, 0, 8 }, true, 9, false });
	check_cases(all_cases, sizeof all_cases / sizeof all_cases[0],
	    &(struct run_opts){ { 0, 0, 8 }, true, 0, false });
	check_cases(decline_cases, sizeof decline_cases / sizeof decline_cases[0],
	    &(struct run_opts){ { 0, 0, 8 }, true, 1000, false });
}

static void
test_sink_abort(void)
{
	static const struct tcase cases[] = {
	{ "sink write fails: bytes skipped, response kept",
	  "* 1 FETCH (BODY[] {10}\r\n0123456789 UID 4)\r\na1 OK done\r\n", 0,
	  "* 1 FETCH (BODY[] {10}<streamed> UID 4)\nT a1 OK \"done\"\n"
	  "--\nopen 1 BODY[] 10\nclose 0\n--\n" },
	};

	check_cases(cases, sizeof cases / sizeof cases[0],
	    &(struct run_opts){ { 0, 0, 8 }, true, 9, true });
}

static void
test_fatal(void)
{
	static const char in1[] =
	    "* 1 FETCH (BODY[] {99999999999999999999}\r\nabc";
	static const char in2[] = "* X \"{9999999999999999999999}\r\n";
	struct run_opts	 o = { { 0, 0, 0 }, false, 0, false };
	struct imap_parser *p;
	struct buf	 out = BUF_INIT;
	char		*err = NULL, *got;
	int		 fails = 0;
	size_t		 cut = 10;

	got = run(&o, in1, LEN(in1), NULL, 0, &err, &fails);
	TEST_INTEQ(fails, 1, "absurd literal size fails the stream");
	TEST_STREQ(err, "literal size too large to follow", "fatal message");
	TEST_STREQ(got, "", "no response for it");
	free(got);
	fails = 0;
	got = run(&o, in1, LEN(in1), &cut, 1, NULL, &fails);
	TEST_INTEQ(fails, 1, "only the feed that saw it fails");
	free(got);

	fails = 0;
	got = run(&o, in2, LEN(in2), NULL, 0, &err, &fails);
	TEST_INTEQ(fails, 1, "absurd literal in a broken line fails too");
	TEST_STREQ(got, "E - X \"unterminated quoted string\"\n",
	    "the error came first");
	free(got);
	free(err);
	err = NULL;

	p = imap_parser_new(NULL);
	TEST_INTEQ(imap_parser_feed(p, in1, LEN(in1), collect, &out, &err), -1,
	    "fatal");
	free(err);
	err = NULL;
	TEST_INTEQ(imap_parser_feed(p, "a1 OK x\r\n", 9, collect, &out, &err),
	    -1, "stays fatal");
	free(err);
	err = NULL;
	imap_parser_reset(p);
	TEST_INTEQ(imap_parser_feed(p, "a1 OK x\r\n", 9, collect, &out, &err),
	    0, "reset recovers");
	TEST_STREQ(buf_cstr(&out), "T a1 OK \"x\"\n", "parses after reset");
	imap_parser_free(&p);
	TEST_CHECK(p == NULL, "free clears the pointer");
	buf_free(&out);
}

struct cb_ctl {
	struct imap_parser *p;
	struct buf	 out;
	bool		 reset_on_ok;
	bool		 free_on_bye;
};

static void
ctl_cb(const struct imap_response *r, void *arg)
{
	struct cb_ctl	*c = arg;

	dump(&c->out, r);
	if (c->reset_on_ok && r->kind == IMAP_RESP_TAGGED) {
		imap_parser_reset(c->p);
		/* The response stays whole until the callback returns. */
		dump(&c->out, r);
	}
	if (c->free_on_bye && r->status == IMAP_STATUS_BYE)
		imap_parser_free(&c->p);
}

static void
test_reset_in_callback(void)
{
	static const char in[] =
	    "a1 OK Begin TLS now\r\n* 1 EXISTS\r\n* 2 EXISTS\r\n";
	struct cb_ctl	 c;
	char		*err = NULL;

	memset(&c, 0, sizeof c);
	c.p = imap_parser_new(NULL);
	c.reset_on_ok = true;
	TEST_INTEQ(imap_parser_feed(c.p, in, LEN(in), ctl_cb, &c, &err), 0,
	    "reset in callback");
	TEST_STREQ(buf_cstr(&c.out),
	    "T a1 OK \"Begin TLS now\"\nT a1 OK \"Begin TLS now\"\n",
	    "bytes after a reset in the callback are dropped (STARTTLS)");
	c.reset_on_ok = false;
	TEST_INTEQ(imap_parser_feed(c.p, "* 3 EXISTS\r\n", 12, ctl_cb, &c, &err),
	    0, "feeds after");
	TEST_STREQ(buf_cstr(&c.out),
	    "T a1 OK \"Begin TLS now\"\nT a1 OK \"Begin TLS now\"\n"
	    "* 3 EXISTS\n", "parses after");
	imap_parser_free(&c.p);
	buf_free(&c.out);

	/* Same for a reset from an error response. */
	memset(&c, 0, sizeof c);
	c.p = imap_parser_new(NULL);
	c.reset_on_ok = false;
	c.free_on_bye = false;
	TEST_INTEQ(imap_parser_feed(c.p, "a1 FOO\r\n* 1 EXISTS\r\n", 20, ctl_cb,
	    &c, &err), 0, "error then data");
	TEST_STREQ(buf_cstr(&c.out),
	    "E a1 \"unknown status \"FOO\" in tagged response\"\n"
	    "* 1 EXISTS\n", "error then data parsed");
	imap_parser_free(&c.p);
	buf_free(&c.out);
}

static void
test_free_in_callback(void)
{
	static const char in[] = "* BYE shutting down\r\n* 1 EXISTS\r\n";
	struct cb_ctl	 c;
	char		*err = NULL;

	memset(&c, 0, sizeof c);
	c.p = imap_parser_new(NULL);
	c.free_on_bye = true;
	TEST_INTEQ(imap_parser_feed(c.p, in, LEN(in), ctl_cb, &c, &err), 0,
	    "free in callback");
	TEST_CHECK(c.p == NULL, "pointer cleared");
	TEST_STREQ(buf_cstr(&c.out), "* BYE \"shutting down\"\n",
	    "nothing after the free");
	buf_free(&c.out);
}

static void
test_reset_mid_literal(void)
{
	static const char in[] = "* 1 FETCH (BODY[] {20}\r\n0123456789";
	struct sink_log	 sink;
	struct imap_parser *p;
	struct buf	 out = BUF_INIT;
	char		*err = NULL;

	memset(&sink, 0, sizeof sink);
	p = imap_parser_new(NULL);
	imap_parser_set_sink(p, &test_sink_ops, &sink);
	TEST_INTEQ(imap_parser_feed(p, in, LEN(in), collect, &out, &err), 0,
	    "partial literal");
	imap_parser_reset(p);
	TEST_STREQ(buf_cstr(&sink.events), "open 1 BODY[] 20\nclose 0\n",
	    "reset closes the sink incomplete");
	TEST_INTEQ(imap_parser_feed(p, "* 1 EXISTS\r\n", 12, collect, &out,
	    &err), 0, "after reset");
	TEST_STREQ(buf_cstr(&out), "* 1 EXISTS\n", "clean after reset");
	TEST_INTEQ(imap_parser_feed(p, in, LEN(in), collect, &out, &err), 0,
	    "partial literal again");
	imap_parser_free(&p);
	TEST_STREQ(buf_cstr(&sink.events),
	    "open 1 BODY[] 20\nclose 0\nopen 1 BODY[] 20\nclose 0\n",
	    "free closes the sink incomplete");
	TEST_STREQ(buf_cstr(&sink.data), "01234567890123456789",
	    "bytes that arrived were written");
	buf_free(&sink.events);
	buf_free(&sink.data);
	buf_free(&out);
}

struct field_check {
	int		 n;
	bool		 ok;
};

static void
field_cb(const struct imap_response *r, void *arg)
{
	struct field_check	*f = arg;
	const struct imap_arg	*items, *sub;
	size_t			 count, nsub;
	uint64_t		 v;

	f->n++;
	switch (f->n) {
	case 1:		/* * 7 FETCH (BODY[HEADER] {5}\r\na\0b\r\n UID 42) */
		TEST_INTEQ(r->kind, IMAP_RESP_UNTAGGED, "kind");
		TEST_CHECK(r->has_number && r->number == 7, "number");
		TEST_STREQ(r->keyword, "FETCH", "keyword");
		TEST_STREQ(r->text, "", "data text is empty");
		TEST_CHECK(r->tag == NULL && r->code == NULL, "no tag, no code");
		TEST_INTEQ(r->argc, 1, "one list");
		TEST_CHECK(imap_arg_list(&r->args[0], &items, &count), "list");
		TEST_INTEQ(count, 4, "four items");
		TEST_STREQ(imap_arg_atom(&items[0]), "BODY[HEADER]", "section atom");
		TEST_INTEQ(items[1].type, IMAP_ARG_LITERAL, "literal");
		TEST_INTEQ(items[1].u.str.len, 5, "literal length");
		TEST_CHECK(memcmp(items[1].u.str.s, "a\0b\r\n", 6) == 0,
		    "literal bytes, NUL-terminated");
		TEST_CHECK(imap_arg_str(&items[1]) == items[1].u.str.s, "str");
		TEST_CHECK(imap_arg_atom(&items[1]) == NULL, "literal not atom");
		TEST_CHECK(imap_arg_atom_is(&items[2], "UID"), "atom_is");
		TEST_CHECK(imap_arg_number(&items[3], UINT32_MAX, &v) && v == 42,
		    "number");
		break;
	case 2:		/* * OK [PERMANENTFLAGS (\Seen \*)] Limited */
		TEST_INTEQ(r->status, IMAP_STATUS_OK, "status");
		TEST_STREQ(r->keyword, "OK", "status keyword");
		TEST_STREQ(r->code, "PERMANENTFLAGS", "code");
		TEST_STREQ(r->code_raw, "(\\Seen \\*)", "code_raw");
		TEST_INTEQ(r->code_argc, 1, "code args");
		TEST_CHECK(imap_arg_list(&r->code_args[0], &items, &count) &&
		    count == 2, "flag list");
		TEST_STREQ(imap_arg_atom(&items[1]), "\\*", "\\* flag");
		TEST_STREQ(r->text, "Limited", "text");
		break;
	case 3:		/* a1 OK [READ-WRITE] done */
		TEST_INTEQ(r->kind, IMAP_RESP_TAGGED, "tagged");
		TEST_STREQ(r->tag, "a1", "tag");
		TEST_STREQ(r->code, "READ-WRITE", "code");
		TEST_STREQ(r->code_raw, "", "empty raw");
		TEST_INTEQ(r->code_argc, 0, "no args");
		TEST_CHECK(r->code_args == NULL, "no args array");
		break;
	case 4:		/* * LIST (\Noselect) "\\" "a\"b" */
		TEST_INTEQ(r->argc, 3, "three args");
		TEST_INTEQ(r->args[1].type, IMAP_ARG_QUOTED, "quoted");
		TEST_STREQ(imap_arg_str(&r->args[1]), "\\", "unescaped backslash");
		TEST_STREQ(imap_arg_str(&r->args[2]), "a\"b", "unescaped quote");
		TEST_INTEQ(r->args[2].u.str.len, 3, "unescaped length");
		TEST_CHECK(imap_arg_list(&r->args[0], &items, &count) &&
		    count == 1, "attributes");
		break;
	case 5:		/* * X NIL () ((a)) */
		TEST_CHECK(imap_arg_is_nil(&r->args[0]), "NIL");
		TEST_CHECK(imap_arg_str(&r->args[0]) == NULL, "NIL has no str");
		TEST_CHECK(imap_arg_list(&r->args[1], &items, &count) &&
		    count == 0 && items == NULL, "empty list");
		TEST_CHECK(imap_arg_list(&r->args[2], &items, &count) &&
		    count == 1 && imap_arg_list(&items[0], &sub, &nsub) &&
		    nsub == 1 && imap_arg_atom_is(&sub[0], "A"), "nested list");
		TEST_CHECK(!imap_arg_list(&r->args[0], &items, &count),
		    "NIL is not a list");
		break;
	case 6:		/* + dGVzdA== */
		TEST_INTEQ(r->kind, IMAP_RESP_CONTINUATION, "continuation");
		TEST_STREQ(r->text, "dGVzdA==", "base64");
		TEST_CHECK(r->keyword == NULL && r->tag == NULL, "bare");
		break;
	default:
		TEST_CHECK(0, "unexpected response");
		break;
	}
}

static void
test_fields(void)
{
	static const char in[] =
	    "* 7 FETCH (BODY[HEADER] {5}\r\na\0b\r\n UID 42)\r\n"
	    "* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n"
	    "a1 OK [READ-WRITE] done\r\n"
	    "* LIST (\\Noselect) \"\\\\\" \"a\\\"b\"\r\n"
	    "* X NIL () ((a))\r\n"
	    "+ dGVzdA==\r\n";
	struct field_check	 f = { 0, true };
	struct imap_parser	*p;
	char			*err = NULL;

	p = imap_parser_new(NULL);
	TEST_INTEQ(imap_parser_feed(p, in, LEN(in), field_cb, &f, &err), 0,
	    "fields feed");
	TEST_INTEQ(f.n, 6, "six responses");
	imap_parser_free(&p);
}

static void
test_helpers(void)
{
	struct imap_arg	 a;
	uint64_t	 v;

	memset(&a, 0, sizeof a);
	a.type = IMAP_ARG_ATOM;
	a.u.str.s = "18446744073709551615";
	a.u.str.len = strlen(a.u.str.s);
	TEST_CHECK(imap_arg_number(&a, UINT64_MAX, &v) && v == UINT64_MAX,
	    "64-bit number");
	TEST_CHECK(!imap_arg_number(&a, UINT32_MAX, &v), "over max");
	a.u.str.s = "12a";
	a.u.str.len = 3;
	TEST_CHECK(!imap_arg_number(&a, UINT32_MAX, &v), "not digits");
	a.u.str.s = "";
	a.u.str.len = 0;
	TEST_CHECK(!imap_arg_number(&a, UINT32_MAX, &v), "empty");
	a.type = IMAP_ARG_QUOTED;
	a.u.str.s = "12";
	a.u.str.len = 2;
	TEST_CHECK(!imap_arg_number(&a, UINT32_MAX, &v), "quoted is no number");
	TEST_CHECK(imap_arg_atom(&a) == NULL, "quoted is no atom");
	TEST_CHECK(!imap_arg_atom_is(&a, "12"), "quoted is no atom_is");
	TEST_STREQ(imap_arg_str(&a), "12", "quoted str");
	a.type = IMAP_ARG_LITERAL_STREAMED;
	a.u.streamed_size = 5;
	TEST_CHECK(imap_arg_str(&a) == NULL, "streamed has no str");
	TEST_CHECK(imap_arg_str(NULL) == NULL && !imap_arg_is_nil(NULL) &&
	    imap_arg_atom(NULL) == NULL, "NULL args");
}

static void
test_quote(void)
{
	/* want: the whole output, or the "{n}\r\n" head of a literal. */
	static const struct {
		const char	*in;
		size_t		 len;
		bool		 utf8;
		const char	*want;
		bool		 literal;
	} cases[] = {
		{ "INBOX", 5, false, "INBOX", false },
		{ "", 0, false, "\"\"", false },
		{ "a b", 3, false, "\"a b\"", false },
		{ "a\"b\\c", 5, false, "\"a\\\"b\\\\c\"", false },
		{ "NIL", 3, false, "\"NIL\"", false },
		{ "nil", 3, false, "\"nil\"", false },
		{ "50%", 3, false, "\"50%\"", false },
		{ "a*", 2, false, "\"a*\"", false },
		{ "x]", 2, false, "\"x]\"", false },
		{ "(a)", 3, false, "\"(a)\"", false },
		{ "{5}", 3, false, "\"{5}\"", false },
		{ "a\tb", 3, false, "\"a\tb\"", false },
		{ "caf\xc3\xa9", 5, true, "\"caf\xc3\xa9\"", false },
		{ "a\r\nb", 4, false, "{4}\r\n", true },
		{ "a\0b", 3, false, "{3}\r\n", true },
		{ "caf\xc3\xa9", 5, false, "{5}\r\n", true },
		{ "a\0b", 3, true, "{3}\r\n", true },
	};
	struct buf	 b = BUF_INIT;
	size_t		 i, hlen;
	bool		 lit;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&b);
		lit = imap_quote(&b, cases[i].in, cases[i].len, cases[i].utf8);
		TEST_INTEQ(lit, cases[i].literal, "quote %zu: literal", i);
		if (!cases[i].literal) {
			TEST_STREQ(buf_cstr(&b), cases[i].want, "quote %zu", i);
			continue;
		}
		hlen = strlen(cases[i].want);
		TEST_CHECK(b.len == hlen + cases[i].len &&
		    memcmp(b.data, cases[i].want, hlen) == 0 &&
		    memcmp(b.data + hlen, cases[i].in, cases[i].len) == 0,
		    "quote %zu: literal bytes", i);
	}
	buf_free(&b);
}

/* A long line fed a byte at a time stays linear. */
static void
test_long_line(void)
{
	struct imap_parser	*p;
	struct buf		 in = BUF_INIT, out = BUF_INIT;
	size_t			 i, n = 400000;
	char			*err = NULL;
	clock_t			 t0;
	int			 rc = 0;

	buf_adds(&in, "* X \"");
	for (i = 0; i < n; i++)
		buf_addc(&in, 'a' + i % 26);
	buf_adds(&in, "\" (");
	for (i = 0; i < n / 4; i++)
		buf_adds(&in, "ab ");
	buf_adds(&in, ")\r\n");
	p = imap_parser_new(NULL);
	t0 = clock();
	for (i = 0; i < in.len; i++)
		rc |= imap_parser_feed(p, in.data + i, 1, collect, &out, &err);
	TEST_INTEQ(rc, 0, "long line feeds");
	TEST_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0,
	    "long line a byte at a time in linear time");
	TEST_INTEQ(out.len > n, 1, "long line parsed");
	imap_parser_free(&p);
	buf_free(&in);
	buf_free(&out);
}

int
main(void)
{
	test_good();
	test_tolerant();
	test_hostile();
	test_limits();
	test_sink();
	test_sink_abort();
	test_fatal();
	test_reset_in_callback();
	test_free_in_callback();
	test_reset_mid_literal();
	test_fields();
	test_helpers();
	test_quote();
	test_long_line();
	return test_done();
}
