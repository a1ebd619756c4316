/*
 * Typed IMAP data: real response text goes through the parser, and the
 * decoders read the trees it hands to the callback. Results are decoded
 * into an arena of the test's own, so every check after the callback also
 * checks that nothing points into the parser's response arena.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/imap_seqset.h"
#include "crispin/xalloc.h"
#include "test.h"

typedef int decode_fn(const struct imap_response *, void *, char **);

struct run {
	decode_fn	*fn;
	void		*out;
	int		 rc;
	int		 calls;
	char		*error;		/* owned */
};

struct vanished {
	bool			 earlier;
	struct imap_seqset	 uids;
};

struct id {
	struct imap_param	*params;
	size_t			 count;
};

struct codes {
	int			 number_rc, append_rc, copy_rc;
	uint64_t		 number;
	uint32_t		 uidvalidity;
	struct imap_seqset	 a, b;
};

static struct arena	*A;	/* where decoded results live */
static bool		 streaming;	/* literals past 16 bytes to a sink */
static uint64_t		 sunk;		/* bytes the sink took */

static void	*sink_open(void *, uint32_t, const char *, uint64_t);
static int	 sink_write(void *, const void *, size_t);
static void	 sink_close(void *, bool);
static void	 on_response(const struct imap_response *, void *);
static int	 decode(const char *, decode_fn *, void *, char **, bool);
static int	 decode_len(const char *, size_t, decode_fn *, void *,
		    char **, bool);
static int	 dec_fetch(const struct imap_response *, void *, char **);
static int	 dec_list(const struct imap_response *, void *, char **);
static int	 dec_status(const struct imap_response *, void *, char **);
static int	 dec_esearch(const struct imap_response *, void *, char **);
static int	 dec_sort(const struct imap_response *, void *, char **);
static int	 dec_thread(const struct imap_response *, void *, char **);
static void	 test_sort_thread(void);
static int	 dec_namespace(const struct imap_response *, void *, char **);
static int	 dec_vanished(const struct imap_response *, void *, char **);
static int	 dec_id(const struct imap_response *, void *, char **);
static int	 dec_caps(const struct imap_response *, void *, char **);
static int	 dec_code_caps(const struct imap_response *, void *, char **);
static int	 dec_code_flags(const struct imap_response *, void *,
		    char **);
static int	 dec_flags(const struct imap_response *, void *, char **);
static int	 dec_codes(const struct imap_response *, void *, char **);
static void	 dump_body(struct buf *, const struct imap_body *);
static char	*body_tree(const struct imap_body *);
static char	*addresses(const struct imap_address_list *);
static char	*seqset_str(const struct imap_seqset *);
static bool	 error_has(const char *, const char *);
static void	 test_fetch_dovecot(void);
static void	 test_fetch_envelope_groups(void);
static void	 test_fetch_gmail(void);
static void	 test_fetch_sections(void);
static void	 test_fetch_bad(void);
static void	 test_fetch_streamed(void);
static void	 test_body_alternative(void);
static void	 test_body_mixed_nested(void);
static void	 test_body_basic(void);
static void	 test_body_quirks(void);
static void	 test_body_bad(void);
static void	 test_internaldate(void);
static void	 test_list(void);
static void	 test_list_bad(void);
static void	 test_status(void);
static void	 test_esearch(void);
static void	 test_namespace(void);
static void	 test_vanished(void);
static void	 test_id(void);
static void	 test_caps(void);
static void	 test_flags(void);
static void	 test_codes(void);
static void	 test_drip(void);

static const struct imap_literal_sink sink_ops = {
	sink_open, sink_write, sink_close,
};

static void *
sink_open(void *arg, uint32_t number, const char *key, uint64_t size)
{
	return size > 16 ? &sunk : NULL;
}

static int
sink_write(void *h, const void *data, size_t len)
{
	sunk += len;
	return 0;
}

static void
sink_close(void *h, bool complete)
{
}

static void
on_response(const struct imap_response *resp, void *arg)
{
	struct run	*r = arg;

	r->calls++;
	x_free(&r->error);
	if (resp->kind == IMAP_RESP_ERROR) {
		r->rc = -2;
		r->error = xasprintf("parser: %s", resp->text);
		return;
	}
	r->rc = r->fn(resp, r->out, &r->error);
}

/*
 * Parses one response (CRLF added here) and decodes it into out. Returns
 * the decoder's result, or -2 when the parser refused the text; *error_r
 * (if not NULL) gets the message. drip feeds one byte at a time.
 */
static int
decode(const char *text, decode_fn *fn, void *out, char **error_r, bool drip)
{
	return decode_len(text, strlen(text), fn, out, error_r, drip);
}

/* The same for text that holds NULs. */
static int
decode_len(const char *text, size_t len, decode_fn *fn, void *out,
    char **error_r, bool drip)
{
	struct imap_parser	*p;
	struct run		 r;
	struct buf		 b = BUF_INIT;
	char			*err = NULL;
	size_t			 i;

	memset(&r, 0, sizeof r);
	r.fn = fn;
	r.out = out;
	r.rc = -3;
	buf_add(&b, text, len);
	buf_adds(&b, "\r\n");
	p = imap_parser_new(NULL);
	if (streaming)
		imap_parser_set_sink(p, &sink_ops, NULL);
	if (drip) {
		for (i = 0; i < b.len; i++) {
			if (imap_parser_feed(p, b.data + i, 1, on_response, &r,
			    &err) == -1)
				break;
		}
	} else
		imap_parser_feed(p, b.data, b.len, on_response, &r, &err);
	imap_parser_free(&p);
	if (err != NULL) {
		r.rc = -2;
		x_free(&r.error);
		r.error = err;
	}
	TEST_INTEQ(r.calls, 1, "one response from \"%.40s\"", text);
	if (error_r != NULL)
		*error_r = r.error;
	else
		free(r.error);
	buf_free(&b);
	return r.rc;
}

static int
dec_fetch(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_fetch_parse(resp, A, out, error_r);
}

static int
dec_list(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_list_parse(resp, A, out, error_r);
}

static int
dec_status(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_status_parse(resp, A, out, error_r);
}

static int
dec_esearch(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_esearch_parse(resp, out, error_r);
}

static int
dec_namespace(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_namespace_parse(resp, A, out, error_r);
}

static int
dec_vanished(const struct imap_response *resp, void *out, char **error_r)
{
	struct vanished	*v = out;

	return imap_vanished_parse(resp, &v->earlier, &v->uids, error_r);
}

static int
dec_id(const struct imap_response *resp, void *out, char **error_r)
{
	struct id	*id = out;

	return imap_id_parse(resp, A, &id->params, &id->count, error_r);
}

static int
dec_caps(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_caps_parse(resp->args, resp->argc, A, out, error_r);
}

static int
dec_code_caps(const struct imap_response *resp, void *out, char **error_r)
{
	return imap_caps_parse(resp->code_args, resp->code_argc, A, out,
	    error_r);
}

static int
dec_code_flags(const struct imap_response *resp, void *out, char **error_r)
{
	if (resp->code_argc != 1)
		return -3;
	return imap_flags_parse(&resp->code_args[0], A, out, error_r);
}

static int
dec_flags(const struct imap_response *resp, void *out, char **error_r)
{
	if (resp->argc != 1)
		return -3;
	return imap_flags_parse(&resp->args[0], A, out, error_r);
}

static int
dec_codes(const struct imap_response *resp, void *out, char **error_r)
{
	struct codes	*c = out;

	c->number_rc = imap_code_number(resp, &c->number);
	c->append_rc = imap_code_appenduid(resp, &c->uidvalidity, &c->a);
	c->copy_rc = imap_code_copyuid(resp, &c->uidvalidity, &c->a, &c->b);
	return 0;
}

/* "part:type/subtype" for every node, depth first. */
static void
dump_body(struct buf *b, const struct imap_body *body)
{
	size_t	i;

	if (b->len > 0)
		buf_addc(b, ' ');
	buf_printf(b, "%s:%s/%s", body->part, body->type, body->subtype);
	for (i = 0; i < body->nchildren; i++) {
		TEST_CHECK(body->children[i].parent == body, "parent of %s",
		    body->children[i].part);
		dump_body(b, &body->children[i]);
	}
	if (body->message != NULL) {
		TEST_CHECK(body->message->parent == body, "parent of %s",
		    body->message->part);
		dump_body(b, body->message);
	}
}

static char *
body_tree(const struct imap_body *body)
{
	struct buf	b = BUF_INIT;

	if (body != NULL)
		dump_body(&b, body);
	return buf_steal(&b);
}

/* "Name <box@host>", "group:" and ";" for groups, joined by ", ". */
static char *
addresses(const struct imap_address_list *l)
{
	struct buf		 b = BUF_INIT;
	const struct imap_address *a;
	size_t			 i;

	for (i = 0; i < l->count; i++) {
		a = &l->addrs[i];
		if (i > 0)
			buf_adds(&b, ", ");
		if (a->host == NULL && a->mailbox != NULL)
			buf_printf(&b, "%s:", a->mailbox);
		else if (a->host == NULL)
			buf_adds(&b, ";");
		else if (a->name != NULL)
			buf_printf(&b, "%s <%s@%s>", a->name, a->mailbox,
			    a->host);
		else
			buf_printf(&b, "<%s@%s>", a->mailbox, a->host);
	}
	return buf_steal(&b);
}

static char *
seqset_str(const struct imap_seqset *set)
{
	struct buf	b = BUF_INIT;

	imap_seqset_write(&b, set);
	return buf_steal(&b);
}

static bool
error_has(const char *error, const char *want)
{
	bool	ok = error != NULL && strstr(error, want) != NULL;

	if (!ok)
		printf("      error \"%s\"\n      wanted \"%s\" in it\n",
		    error != NULL ? error : "(null)", want);
	return ok;
}

#define RFC_ENVELOPE							\
	"(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "			\
	"\"IMAP4rev1 WG mtg summary and minutes\" "			\
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "	\
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "	\
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "	\
	"((NIL NIL \"imap\" \"cac.washington.edu\")) "			\
	"((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"			\
	"(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "	\
	"\"<B27397-0100000@cac.washington.edu>\")"

static void
test_fetch_dovecot(void)
{
	struct imap_fetch	 f;
	char			*err, *s;

	TEST_INTEQ(decode("* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded "
	    "\\Answered work \\Recent) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
	    "RFC822.SIZE 4286 MODSEQ (12345) ENVELOPE " RFC_ENVELOPE
	    " BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL "
	    "NIL \"7BIT\" 3028 92 NIL NIL NIL NIL))", dec_fetch, &f, &err,
	    false), 0, "Dovecot FETCH");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_INTEQ(f.seq, 12, "sequence number");
	TEST_CHECK(f.has_uid && f.uid == 4827, "UID");
	TEST_CHECK(f.has_flags, "has flags");
	TEST_INTEQ(f.flags.bits, IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED |
	    IMAP_FLAG_RECENT, "system flags");
	TEST_INTEQ(f.flags.nkeywords, 2, "two keywords");
	if (f.flags.nkeywords == 2) {
		TEST_STREQ(f.flags.keywords[0], "$Forwarded", "keyword 1");
		TEST_STREQ(f.flags.keywords[1], "work", "keyword 2");
	}
	TEST_CHECK(f.has_internaldate, "has INTERNALDATE");
	TEST_INTEQ(f.internaldate, 837596665, "INTERNALDATE in UTC");
	TEST_INTEQ(f.internaldate_tz, -420, "INTERNALDATE zone");
	TEST_CHECK(f.has_size && f.size == 4286, "RFC822.SIZE");
	TEST_CHECK(f.has_modseq && f.modseq == 12345, "MODSEQ");
	TEST_CHECK(!f.has_savedate, "no SAVEDATE");
	TEST_CHECK(f.envelope != NULL, "envelope");
	if (f.envelope != NULL) {
		TEST_STREQ(f.envelope->date,
		    "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", "date");
		TEST_STREQ(f.envelope->subject,
		    "IMAP4rev1 WG mtg summary and minutes", "subject");
		s = addresses(&f.envelope->from);
		TEST_STREQ(s, "Terry Gray <gray@cac.washington.edu>", "from");
		free(s);
		s = addresses(&f.envelope->cc);
		TEST_STREQ(s, "<minutes@CNRI.Reston.VA.US>, "
		    "John Klensin <KLENSIN@MIT.EDU>", "cc");
		free(s);
		TEST_INTEQ(f.envelope->bcc.count, 0, "bcc NIL");
		TEST_STREQ(f.envelope->in_reply_to, NULL, "in-reply-to NIL");
		TEST_STREQ(f.envelope->message_id,
		    "<B27397-0100000@cac.washington.edu>", "message-id");
	}
	TEST_CHECK(f.body != NULL, "body");
	if (f.body != NULL) {
		TEST_STREQ(f.body->part, "1", "single part at the top is 1");
		TEST_STREQ(f.body->type, "text", "type lower-cased");
		TEST_STREQ(f.body->subtype, "plain", "subtype lower-cased");
		TEST_STREQ(imap_body_param(f.body, "charset"), "US-ASCII",
		    "charset, name lower-cased, value as sent");
		TEST_STREQ(imap_body_param(f.body, "CHARSET"), "US-ASCII",
		    "param lookup ignores case");
		TEST_STREQ(f.body->encoding, "7bit", "encoding");
		TEST_INTEQ(f.body->size, 3028, "size");
		TEST_INTEQ(f.body->lines, 92, "lines");
		TEST_CHECK(f.body->parent == NULL, "top has no parent");
	}
	TEST_INTEQ(f.nsections, 0, "no sections");
}

static void
test_fetch_envelope_groups(void)
{
	struct imap_fetch	 f;
	char			*err, *s;

	/* Groups, RFC 2047 names (left encoded), a subject as a literal with
	 * quotes in it, and an empty group. */
	TEST_INTEQ(decode("* 5 FETCH (ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" "
	    "{31}\r\nRe: \"quoted\" =?UTF-8?Q?=C3=A9?= "
	    "((\"=?iso-8859-1?q?J=F6rg_M=FCller?=\" NIL \"joerg\" \"example.de\")) "
	    "NIL NIL "
	    "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
	    "((NIL NIL \"team\" NIL)(\"Ann\" NIL \"ann\" \"example.com\")"
	    "(\"=?utf-8?b?0JHQvtCx?=\" \"@relay.example\" \"bob\" \"example.com\")"
	    "(NIL NIL NIL NIL)(\"Carol\" NIL \"carol\" \"example.org\")) "
	    "() \"<parent@example.org>\" \"<child@example.org>\") UID 77)",
	    dec_fetch, &f, &err, false), 0, "envelope with groups");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_CHECK(f.envelope != NULL && f.has_uid && f.uid == 77,
	    "envelope and UID");
	if (f.envelope == NULL)
		return;
	TEST_STREQ(f.envelope->subject, "Re: \"quoted\" =?UTF-8?Q?=C3=A9?=",
	    "literal subject, raw");
	s = addresses(&f.envelope->from);
	TEST_STREQ(s, "=?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.de>",
	    "encoded name kept raw");
	free(s);
	TEST_INTEQ(f.envelope->sender.count, 0, "sender NIL");
	s = addresses(&f.envelope->to);
	TEST_STREQ(s, "undisclosed-recipients:, ;", "empty group");
	free(s);
	s = addresses(&f.envelope->cc);
	TEST_STREQ(s, "team:, Ann <ann@example.com>, =?utf-8?b?0JHQvtCx?= "
	    "<bob@example.com>, ;, Carol <carol@example.org>",
	    "group then a plain address");
	free(s);
	TEST_STREQ(f.envelope->cc.addrs[2].adl, "@relay.example", "adl");
	TEST_INTEQ(f.envelope->bcc.count, 0, "bcc as () is empty");
	TEST_STREQ(f.envelope->in_reply_to, "<parent@example.org>",
	    "in-reply-to");
}

static void
test_fetch_gmail(void)
{
	struct imap_fetch	 f;
	char			*err;

	/* Gmail's own items are skipped; EMAILID/THREADID (RFC 8474). */
	TEST_INTEQ(decode("* 1 FETCH (X-GM-THRID 1278455344230334865 "
	    "X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent "
	    "Important \"Muy Importante\") UID 1 FLAGS (\\Seen \\Flagged "
	    "\\Deleted \\Draft) MODSEQ (9223372036854775807) "
	    "EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9de) "
	    "SAVEDATE \" 3-Jan-2024 10:00:00 +0000\")", dec_fetch, &f, &err,
	    false), 0, "Gmail FETCH");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_INTEQ(f.uid, 1, "UID after unknown items");
	TEST_INTEQ(f.flags.bits, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED |
	    IMAP_FLAG_DELETED | IMAP_FLAG_DRAFT, "flags");
	TEST_CHECK(f.modseq == 9223372036854775807ULL, "63-bit MODSEQ");
	TEST_STREQ(f.emailid, "M6d99ac3275bb4e", "EMAILID");
	TEST_STREQ(f.threadid, "T64b478a75b7ea9de", "THREADID");
	TEST_CHECK(f.has_savedate && f.savedate == 1704276000, "SAVEDATE");

	TEST_INTEQ(decode("* 2 FETCH (THREADID NIL SAVEDATE NIL "
	    "FLAGS ())", dec_fetch, &f, &err, false), 0, "NILs");
	free(err);
	TEST_STREQ(f.threadid, NULL, "THREADID NIL");
	TEST_CHECK(!f.has_savedate, "SAVEDATE NIL");
	TEST_CHECK(f.has_flags && f.flags.bits == 0 &&
	    f.flags.nkeywords == 0, "empty flags");
}

static void
test_fetch_sections(void)
{
	static const char text[] = "* 3 FETCH (UID 9 "
	    "BODY[HEADER.FIELDS (FROM TO)] "
	    "{30}\r\nFrom: a@b\r\nTo: c@d\r\nX-Y: z\r\n\r\n "
	    "BODY[1.2]<0> {10}\r\n0123456789 BINARY[1] ~{4}\r\na\0bc "
	    "BINARY.SIZE[1] 4 RFC822.HEADER \"Subject: x\" BODY[] NIL "
	    "rfc822.text {2}\r\nhi BODY[2.MIME]<4096> \"\")";
	struct imap_fetch	 f;
	const struct imap_section *sec;
	char			*err;

	TEST_INTEQ(decode_len(text, sizeof text - 1, dec_fetch, &f, &err,
	    false), 0, "sections");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_INTEQ(f.nsections, 7, "seven sections");
	if (f.nsections != 7)
		return;
	sec = &f.sections[0];
	TEST_STREQ(sec->spec, "BODY[HEADER.FIELDS (FROM TO)]", "spec 1");
	TEST_STREQ(sec->section, "HEADER.FIELDS (FROM TO)", "section 1");
	TEST_CHECK(!sec->binary && !sec->has_origin, "plain section");
	TEST_CHECK(sec->data->type == IMAP_ARG_LITERAL, "literal data");
	TEST_STREQ(sec->data->u.str.s, "From: a@b\r\nTo: c@d\r\nX-Y: z\r\n\r\n",
	    "literal text");
	sec = &f.sections[1];
	TEST_STREQ(sec->spec, "BODY[1.2]", "origin not in spec");
	TEST_STREQ(sec->section, "1.2", "section 2");
	TEST_CHECK(sec->has_origin && sec->origin == 0, "origin 0");
	TEST_INTEQ(sec->data->u.str.len, 10, "partial data");
	sec = &f.sections[2];
	TEST_CHECK(sec->binary, "BINARY");
	TEST_STREQ(sec->section, "1", "binary section");
	TEST_CHECK(sec->data->literal8 && sec->data->u.str.len == 4 &&
	    memcmp(sec->data->u.str.s, "a\0bc", 4) == 0, "literal8 with NUL");
	sec = &f.sections[3];
	TEST_STREQ(sec->spec, "RFC822.HEADER", "RFC822.HEADER");
	TEST_STREQ(sec->section, "HEADER", "as BODY[HEADER]");
	TEST_CHECK(sec->data->type == IMAP_ARG_QUOTED, "quoted data");
	sec = &f.sections[4];
	TEST_STREQ(sec->spec, "BODY[]", "BODY[]");
	TEST_STREQ(sec->section, "", "whole message");
	TEST_CHECK(sec->data->type == IMAP_ARG_NIL, "NIL data");
	sec = &f.sections[5];
	TEST_STREQ(sec->spec, "RFC822.TEXT", "RFC822.TEXT upper-cased");
	TEST_STREQ(sec->section, "TEXT", "as BODY[TEXT]");
	sec = &f.sections[6];
	TEST_STREQ(sec->spec, "BODY[2.MIME]", "MIME spec");
	TEST_CHECK(sec->has_origin && sec->origin == 4096, "origin 4096");
	TEST_CHECK(sec->data->type == IMAP_ARG_QUOTED &&
	    sec->data->u.str.len == 0, "empty string");
	TEST_INTEQ(f.nbinary_sizes, 1, "one BINARY.SIZE");
	if (f.nbinary_sizes == 1) {
		TEST_STREQ(f.binary_sizes[0].section, "1",
		    "BINARY.SIZE section");
		TEST_INTEQ(f.binary_sizes[0].size, 4, "BINARY.SIZE");
	}
}

static void
test_fetch_bad(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* 1 FETCH (ENVELOPE (\"d\" \"s\" NIL NIL NIL NIL NIL))",
		  "FETCH 1: ENVELOPE: expected 10 fields, got 7" },
		{ "* 1 FETCH (ENVELOPE (NIL NIL ((\"a\" NIL \"b\")) NIL NIL NIL "
		  "NIL NIL NIL NIL))",
		  "ENVELOPE: from: address 1: expected 4 fields, got 3" },
		{ "* 1 FETCH (ENVELOPE (NIL (\"x\") NIL NIL NIL NIL NIL NIL NIL "
		  "NIL))", "ENVELOPE: subject: expected a string or NIL" },
		{ "* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL \"to\" NIL NIL NIL "
		  "NIL))", "ENVELOPE: to: expected an address list or NIL" },
		{ "* 1 FETCH (ENVELOPE NIL)", "ENVELOPE: expected a list" },
		{ "* 1 FETCH (UID)", "expected item and value pairs" },
		{ "* 1 FETCH (UID 0)", "FETCH 1: UID: expected a non-zero" },
		{ "* 1 FETCH (UID 4294967296)", "UID: expected" },
		{ "* 1 FETCH (UID abc)", "UID: expected" },
		{ "* 1 FETCH (FLAGS \\Seen)", "FLAGS: expected a list" },
		{ "* 1 FETCH (FLAGS (\"\\Seen\"))", "FLAGS: flag 1 is a quoted" },
		{ "* 1 FETCH (FLAGS ((\\Seen)))", "FLAGS: flag 1 is a list" },
		{ "* 1 FETCH (INTERNALDATE \"32-Jul-1996 02:44:25 -0700\")",
		  "INTERNALDATE: bad date-time" },
		{ "* 1 FETCH (INTERNALDATE (x))", "INTERNALDATE: expected a string" },
		{ "* 1 FETCH (RFC822.SIZE -1)", "RFC822.SIZE" },
		{ "* 1 FETCH (MODSEQ 12345)", "MODSEQ: expected a list" },
		{ "* 1 FETCH (MODSEQ (1 2))", "MODSEQ" },
		{ "* 1 FETCH (MODSEQ (9223372036854775808))", "MODSEQ" },
		{ "* 1 FETCH (EMAILID M123)", "EMAILID" },
		{ "* 1 FETCH (EMAILID (M1 M2))", "EMAILID" },
		{ "* 1 FETCH (EMAILID (\"M.1\"))", "EMAILID" },
		{ "* 1 FETCH (THREADID ())", "THREADID" },
		{ "* 1 FETCH (SAVEDATE 12)", "SAVEDATE: bad date-time" },
		{ "* 1 FETCH (BODY[1]<x> \"a\")", "bad <origin>" },
		{ "* 1 FETCH (BODY[1]<1 \"a\")", "bad <origin>" },
		{ "* 1 FETCH (BODY[1]junk \"a\")", "junk after ']'" },
		{ "* 1 FETCH (BODY[1] (\"a\"))", "expected a string or NIL" },
		{ "* 1 FETCH (BINARY.SIZE[1] x)", "expected a number" },
		{ "* 1 FETCH (\"UID\" 1)", "item name 1 is a quoted string" },
		{ "* 1 FETCH UID 1", "expected one list of items" },
		{ "* 1 FETCH (UID 1) extra", "expected one list of items" },
		{ "* FETCH (UID 1)", "not an untagged FETCH" },
		{ "* 1 EXISTS", "not an untagged FETCH" },
		{ "A1 OK FETCH done", "not an untagged FETCH" },
	};
	struct imap_fetch	 f;
	char			*err;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_fetch, &f, &err, false), -1,
		    "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		TEST_CHECK(f.envelope == NULL && f.nsections == 0 &&
		    !f.has_uid, "nothing half-filled after \"%s\"",
		    bad[i].text);
		free(err);
	}
	/* error_r may be NULL. */
	TEST_INTEQ(decode("* 1 FETCH (UID 0)", dec_fetch, &f, NULL, false), -1,
	    "no error string wanted");
}

/* Big literals went to a sink: the section says how big, an ENVELOPE
 * field cannot be read from one. */
static void
test_fetch_streamed(void)
{
	struct imap_fetch	 f;
	char			*err;

	streaming = true;
	sunk = 0;
	TEST_INTEQ(decode("* 8 FETCH (UID 20 BODY[2]<0> {40}\r\n"
	    "0123456789012345678901234567890123456789 BODY[1] {3}\r\nabc)",
	    dec_fetch, &f, &err, false), 0, "streamed section");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_INTEQ(sunk, 40, "the sink took the literal");
	TEST_INTEQ(f.nsections, 2, "two sections");
	if (f.nsections == 2) {
		TEST_CHECK(f.sections[0].data->type ==
		    IMAP_ARG_LITERAL_STREAMED, "streamed data");
		TEST_INTEQ(f.sections[0].data->u.streamed_size, 40, "its size");
		TEST_CHECK(f.sections[1].data->type == IMAP_ARG_LITERAL &&
		    strcmp(f.sections[1].data->u.str.s, "abc") == 0,
		    "small literal kept");
	}
	TEST_INTEQ(decode("* 8 FETCH (ENVELOPE (NIL {20}\r\n01234567890123456789 "
	    "NIL NIL NIL NIL NIL NIL NIL NIL))", dec_fetch, &f, &err, false), -1,
	    "streamed subject");
	TEST_CHECK(error_has(err, "ENVELOPE: subject: expected a string or NIL, "
	    "got a streamed literal"), "streamed subject error");
	free(err);
	streaming = false;
}

static void
test_body_alternative(void)
{
	struct imap_fetch	 f;
	char			*err, *s;

	TEST_INTEQ(decode("* 7 FETCH (UID 80 BODYSTRUCTURE ((\"text\" \"plain\" "
	    "(\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 1234 40 NIL NIL "
	    "NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
	    "\"quoted-printable\" 5678 120 NIL NIL NIL NIL) \"alternative\" "
	    "(\"boundary\" \"b1_abc\") NIL NIL NIL))", dec_fetch, &f, &err,
	    false), 0, "multipart/alternative");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	s = body_tree(f.body);
	TEST_STREQ(s, ":multipart/alternative 1:text/plain 2:text/html",
	    "alternative tree");
	free(s);
	if (f.body == NULL || f.body->nchildren != 2)
		return;
	TEST_STREQ(imap_body_param(f.body, "boundary"), "b1_abc", "boundary");
	TEST_INTEQ(f.body->children[1].size, 5678, "html size");
	TEST_INTEQ(f.body->children[1].lines, 120, "html lines");
	TEST_STREQ(f.body->children[0].encoding, "quoted-printable",
	    "encoding");
	TEST_STREQ(f.body->disposition, NULL, "no disposition");
}

static void
test_body_mixed_nested(void)
{
	struct imap_fetch	 f;
	const struct imap_body	*b, *pdf, *msg;
	char			*err, *s;

	TEST_INTEQ(decode("* 9 FETCH (BODYSTRUCTURE ("
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 100 5 "
	    "NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 200 8 NIL NIL NIL NIL) \"alternative\" (\"boundary\" "
	    "\"inner\") NIL NIL NIL)"
	    "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL "
	    "\"Quarterly report\" \"base64\" 40000 "
	    "\"d41d8cd98f00b204e9800998ecf8427e\" (\"attachment\" (\"filename\" "
	    "\"report.pdf\" \"size\" \"29000\")) \"en\" "
	    "\"http://example.com/report.pdf\")"
	    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 3000 " RFC_ENVELOPE
	    " ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 50 2 "
	    "NIL NIL NIL NIL)(\"image\" \"png\" (\"name\" \"a.png\") \"<img1@x>\" "
	    "NIL \"base64\" 2000 NIL (\"inline\" (\"filename\" \"a.png\")) NIL "
	    "NIL) \"related\" (\"boundary\" \"r\") NIL (\"de\" \"en\") NIL) 60 "
	    "NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NIL)"
	    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 " RFC_ENVELOPE
	    " (\"text\" \"plain\" NIL NIL NIL \"7bit\" 20 1) 12)"
	    " \"mixed\" (\"boundary\" \"outer\") (\"inline\" NIL) NIL NIL "
	    "\"future\" (1 2)))", dec_fetch, &f, &err, false), 0,
	    "multipart/mixed with attachments and messages");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	s = body_tree(f.body);
	TEST_STREQ(s, ":multipart/mixed 1:multipart/alternative 1.1:text/plain "
	    "1.2:text/html 2:application/pdf 3:message/rfc822 "
	    "3:multipart/related 3.1:text/plain 3.2:image/png "
	    "4:message/rfc822 4.1:text/plain", "mixed tree and part numbers");
	free(s);
	if ((b = f.body) == NULL || b->nchildren != 4)
		return;
	TEST_STREQ(b->disposition, "inline", "multipart disposition");
	TEST_INTEQ(b->ndisp_params, 0, "NIL disposition params");
	pdf = &b->children[1];
	TEST_STREQ(pdf->description, "Quarterly report", "description");
	TEST_STREQ(pdf->md5, "d41d8cd98f00b204e9800998ecf8427e", "md5");
	TEST_STREQ(pdf->disposition, "attachment", "disposition");
	TEST_INTEQ(pdf->ndisp_params, 2, "disposition params");
	TEST_STREQ(pdf->disp_params[0].name, "filename", "filename param");
	TEST_STREQ(pdf->disp_params[0].value, "report.pdf", "filename value");
	TEST_INTEQ(pdf->nlanguages, 1, "one language as a string");
	TEST_STREQ(pdf->languages[0], "en", "language");
	TEST_STREQ(pdf->location, "http://example.com/report.pdf", "location");
	TEST_INTEQ(pdf->lines, 0, "no lines for application/*");
	msg = &b->children[2];
	TEST_CHECK(msg->envelope != NULL && msg->message != NULL,
	    "message/rfc822 envelope and body");
	if (msg->envelope != NULL)
		TEST_STREQ(msg->envelope->subject,
		    "IMAP4rev1 WG mtg summary and minutes", "inner subject");
	TEST_INTEQ(msg->lines, 60, "message lines");
	TEST_STREQ(msg->disposition, "attachment", "message disposition");
	if (msg->message != NULL) {
		TEST_INTEQ(msg->message->nlanguages, 2, "language list");
		TEST_STREQ(msg->message->children[1].id, "<img1@x>",
		    "content id");
		TEST_STREQ(msg->message->children[1].disposition, "inline",
		    "inline image");
	}
	TEST_INTEQ(b->children[3].lines, 12, "message without extension data");
	TEST_STREQ(b->children[3].message->part, "4.1",
	    "single part inside a message");
}

static void
test_body_basic(void)
{
	struct imap_fetch	 f;
	char			*err, *s;

	/* RFC 3501's BODY example: no extension data at all. */
	TEST_INTEQ(decode("* 4 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" "
	    "\"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" "
	    "(\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
	    "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
	    "\"BASE64\" 4554 73) \"MIXED\"))", dec_fetch, &f, &err, false), 0,
	    "BODY without extension data");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	s = body_tree(f.body);
	TEST_STREQ(s, ":multipart/mixed 1:text/plain 2:text/plain",
	    "BODY tree");
	free(s);
	if (f.body == NULL || f.body->nchildren != 2)
		return;
	TEST_STREQ(imap_body_param(&f.body->children[1], "name"), "cc.diff",
	    "second param");
	TEST_STREQ(f.body->children[1].encoding, "base64", "encoding");
	TEST_STREQ(imap_body_param(f.body, "boundary"), NULL, "no params");

	/* A single non-text part at the top, then an Exchange-style one. */
	TEST_INTEQ(decode("* 4 FETCH (BODYSTRUCTURE (\"image\" \"jpeg\" "
	    "(\"name\" \"p.jpg\") NIL NIL \"base64\" 1024))", dec_fetch, &f,
	    &err, false), 0, "single image");
	free(err);
	s = body_tree(f.body);
	TEST_STREQ(s, "1:image/jpeg", "single part is 1");
	free(s);
	TEST_INTEQ(decode("* 4 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" "
	    "(\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 12 1 NIL "
	    "NIL NIL)(\"application\" \"octet-stream\" (\"name\" \"x.zip\") NIL "
	    "NIL \"base64\" 1234 NIL (\"attachment\" (\"filename\" \"x.zip\" "
	    "\"size\" \"900\" \"creation-date\" \"Tue, 02 Jan 2024 10:00:00 GMT\")) "
	    "NIL NIL) \"mixed\" (\"boundary\" \"_002_\") NIL \"en-US\"))",
	    dec_fetch, &f, &err, false), 0, "Exchange-style");
	free(err);
	if (f.body != NULL && f.body->nchildren == 2) {
		TEST_INTEQ(f.body->children[1].ndisp_params, 3, "three params");
		TEST_STREQ(f.body->languages != NULL ? f.body->languages[0] :
		    NULL, "en-US", "multipart language");
	}
}

static void
test_body_quirks(void)
{
	struct imap_fetch	 f;
	char			*err;

	/* "()" params, NIL encoding, a disposition with no param list,
	 * message/rfc822 sent as a basic part. */
	TEST_INTEQ(decode("* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" () NIL "
	    "NIL NIL 0 0 NIL (\"inline\"))(\"message\" \"rfc822\" NIL NIL NIL "
	    "\"7bit\" 99 NIL) \"mixed\"))", dec_fetch, &f, &err, false), 0,
	    "tolerated quirks");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	if (f.body == NULL || f.body->nchildren != 2)
		return;
	TEST_INTEQ(f.body->children[0].nparams, 0, "() is no params");
	TEST_STREQ(f.body->children[0].encoding, NULL, "NIL encoding");
	TEST_STREQ(f.body->children[0].disposition, "inline",
	    "lone disposition");
	TEST_CHECK(f.body->children[1].message == NULL, "basic message/rfc822");
}

static void
test_body_bad(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\"))",
		  "BODYSTRUCTURE part 1: expected at least 7 fields, got 2" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL "
		  "\"7bit\" 10))", "text/plain: expected a line count" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL "
		  "\"7bit\" big 1))", "size: expected a number" },
		{ "* 1 FETCH (BODYSTRUCTURE (NIL \"plain\" NIL NIL NIL \"7bit\" 1 "
		  "1))", "type and subtype must be strings" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"a\") NIL NIL "
		  "\"7bit\" 1 1))", "bad parameter list" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (NIL \"b\") NIL NIL "
		  "\"7bit\" 1 1))", "bad parameter list" },
		{ "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1)(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1)))",
		  "BODYSTRUCTURE: multipart without a subtype" },
		{ "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1)(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1) \"mixed\"))",
		  "BODYSTRUCTURE part 2: text/plain: expected a line count" },
		{ "* 1 FETCH (BODYSTRUCTURE ((\"a\" \"b\" NIL NIL NIL \"7bit\" 1) "
		  "((\"a\" \"b\" NIL NIL NIL \"7bit\" 1)(\"a\" \"b\" NIL NIL NIL "
		  "\"7bit\" x) \"mixed\") \"mixed\"))",
		  "BODYSTRUCTURE part 2.2: size" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL "
		  "\"7bit\" 1 (NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL "
		  "NIL NIL \"7bit\" 1 1) 5))",
		  "BODYSTRUCTURE part 1: ENVELOPE: expected 10 fields, got 7" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL "
		  "\"7bit\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)))",
		  "message/rfc822: expected envelope, body and lines" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL "
		  "\"7bit\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
		  "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1) 5))",
		  "BODYSTRUCTURE part 1.1: text/plain: expected a line count" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1 (\"md5\")))", "MD5: expected a string or NIL" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1 NIL \"attachment\"))", "disposition: expected" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1 NIL NIL (\"en\" NIL)))", "language 2: got NIL" },
		{ "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		  "1 1 NIL NIL NIL (\"loc\")))", "location: expected" },
		{ "* 1 FETCH (BODYSTRUCTURE ())", "BODYSTRUCTURE part 1: empty list" },
		{ "* 1 FETCH (BODYSTRUCTURE NIL)",
		  "BODYSTRUCTURE part 1: expected a list, got NIL" },
		{ "* 1 FETCH (BODYSTRUCTURE (() \"mixed\"))", "empty list" },
	};
	struct imap_fetch	 f;
	struct buf		 deep = BUF_INIT;
	char			*err;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_fetch, &f, &err, false), -1,
		    "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		TEST_CHECK(f.body == NULL, "no body after an error");
		free(err);
	}

	/* 70 nested multiparts: past the default depth of 64. */
	buf_adds(&deep, "* 1 FETCH (BODYSTRUCTURE ");
	for (i = 0; i < 70; i++)
		buf_addc(&deep, '(');
	buf_adds(&deep, "\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)");
	for (i = 1; i < 70; i++)
		buf_adds(&deep, " \"mixed\")");
	buf_addc(&deep, ')');
	TEST_INTEQ(decode(buf_cstr(&deep), dec_fetch, &f, &err, false), -1,
	    "too deep");
	TEST_CHECK(error_has(err, "nested deeper than 64 levels"),
	    "depth error");
	free(err);
	buf_free(&deep);
}

static void
test_internaldate(void)
{
	static const struct {
		const char	*s;
		long long	 utc;
		int		 tz;
	} good[] = {
		{ "17-Jul-1996 02:44:25 -0700", 837596665, -420 },
		{ " 7-Jul-1996 02:44:25 -0700", 836732665, -420 },
		{ "07-jul-1996 02:44:25 -0700", 836732665, -420 },
		{ "7-JUL-1996 02:44:25 -0700", 836732665, -420 },
		{ "29-Feb-2024 23:59:60 +0530", 1709231400, 330 },
		{ "01-Jan-1970 00:00:00 +0000", 0, 0 },
		{ "31-Dec-1969 23:59:59 +0000", -1, 0 },
		{ "19-Jan-2038 03:14:08 +0000", 2147483648LL, 0 },
		{ "01-Mar-1900 00:00:00 +0000", -2203891200LL, 0 },
		{ "31-Dec-2100 12:00:00 -1400", 4133988000LL, -840 },
	};
	static const char *bad[] = {
		"", "17-Jul-1996", "17-Jul-1996 02:44:25", "17-Jul-1996 02:44:25 0700",
		"32-Jul-1996 02:44:25 -0700", "00-Jul-1996 02:44:25 -0700",
		"29-Feb-2023 02:44:25 -0700", "31-Apr-2023 02:44:25 -0700",
		"29-Feb-1900 00:00:00 +0000", "17-Jux-1996 02:44:25 -0700",
		"17-Jul-96 02:44:25 -0700", "17-Jul-1996 24:00:00 -0700",
		"17-Jul-1996 02:60:25 -0700", "17-Jul-1996 02:44:61 -0700",
		"17-Jul-1996 02:44:25 -0760", "17-Jul-1996 02:44:25 -07000",
		"17-Jul-1996 02:44:25 -0700 ", "17-Jul-1996  02:44:25 -0700",
		"117-Jul-1996 02:44:25 -0700", "17-Jul-1996 2:44:25 -0700",
		"  7-Jul-1996 02:44:25 -0700", "-7-Jul-1996 02:44:25 -0700",
	};
	time_t	t;
	int	tz;
	size_t	i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		t = 0;
		tz = 1;
		TEST_INTEQ(imap_date_time_parse(good[i].s, &t, &tz), 0,
		    "parse \"%s\"", good[i].s);
		TEST_INTEQ(t, good[i].utc, "UTC of \"%s\"", good[i].s);
		TEST_INTEQ(tz, good[i].tz, "zone of \"%s\"", good[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		TEST_INTEQ(imap_date_time_parse(bad[i], &t, &tz), -1,
		    "reject \"%s\"", bad[i]);
	TEST_INTEQ(imap_date_time_parse(NULL, &t, &tz), -1, "reject NULL");
}

static void
test_list(void)
{
	static const struct {
		const char	*text;
		const char	*name;
		char		 delim;
		unsigned	 attrs;
		const char	*special;
	} cases[] = {
		{ "* LIST (\\HasNoChildren) \"/\" INBOX", "INBOX", '/',
		  IMAP_MBOX_HASNOCHILDREN, NULL },
		{ "* LIST () NIL inbox", "INBOX", '\0', 0, NULL },
		{ "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"",
		  "Sent Items", '/', IMAP_MBOX_HASNOCHILDREN, "\\Sent" },
		{ "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"", "[Gmail]",
		  '/', IMAP_MBOX_HASCHILDREN | IMAP_MBOX_NOSELECT, NULL },
		{ "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"",
		  "[Gmail]/All Mail", '/', IMAP_MBOX_HASNOCHILDREN, "\\All" },
		{ "* LIST (\\HasNoChildren \\Drafts) \"/\" \"[Gmail]/Drafts\"",
		  "[Gmail]/Drafts", '/', IMAP_MBOX_HASNOCHILDREN, "\\Drafts" },
		{ "* LIST (\\HasNoChildren \\Important) \"/\" \"[Gmail]/Important\"",
		  "[Gmail]/Important", '/', IMAP_MBOX_HASNOCHILDREN, "\\Important" },
		{ "* LIST (\\Flagged \\HasNoChildren) \"/\" \"[Gmail]/Starred\"",
		  "[Gmail]/Starred", '/', IMAP_MBOX_HASNOCHILDREN, "\\Flagged" },
		{ "* LIST (\\HasNoChildren \\junk) \"/\" \"[Gmail]/Spam\"",
		  "[Gmail]/Spam", '/', IMAP_MBOX_HASNOCHILDREN, "\\Junk" },
		{ "* LIST (\\TRASH \\HasNoChildren) \".\" Trash", "Trash", '.',
		  IMAP_MBOX_HASNOCHILDREN, "\\Trash" },
		{ "* LIST (\\Archive \\Marked) \".\" Archive", "Archive", '.',
		  IMAP_MBOX_MARKED, "\\Archive" },
		{ "* LIST (\\Unmarked \\NoInferiors \\Remote) \"\\\\\" \"a\\\\b\"",
		  "a\\b", '\\', IMAP_MBOX_UNMARKED | IMAP_MBOX_NOINFERIORS |
		  IMAP_MBOX_REMOTE, NULL },
		{ "* LIST (\\HasNoChildren) \".\" {12}\r\nEntw&APw-rfe",
		  "Entw&APw-rfe", '.', IMAP_MBOX_HASNOCHILDREN, NULL },
		{ "* LIST (\\Subscribed \\NonExistent) \"/\" Foo (\"CHILDINFO\" "
		  "(\"SUBSCRIBED\"))", "Foo", '/', IMAP_MBOX_SUBSCRIBED |
		  IMAP_MBOX_NONEXISTENT | IMAP_MBOX_NOSELECT, NULL },
		{ "* LSUB () \".\" \"#news.comp.mail.misc\"",
		  "#news.comp.mail.misc", '.', 0, NULL },
		{ "* LIST (\\Sent \\Trash) \"/\" Both", "Both", '/', 0, "\\Sent" },
	};
	struct imap_list	 l;
	char			*err;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TEST_INTEQ(decode(cases[i].text, dec_list, &l, &err, false), 0,
		    "LIST \"%s\"", cases[i].text);
		TEST_STREQ(err, NULL, "no error for \"%s\"", cases[i].text);
		free(err);
		TEST_STREQ(l.name, cases[i].name, "name of \"%s\"",
		    cases[i].text);
		TEST_INTEQ(l.delimiter, cases[i].delim, "delimiter of \"%s\"",
		    cases[i].text);
		TEST_INTEQ(l.attrs, cases[i].attrs, "attributes of \"%s\"",
		    cases[i].text);
		TEST_STREQ(l.special_use, cases[i].special,
		    "special use of \"%s\"", cases[i].text);
	}

	TEST_INTEQ(decode("* LIST (\\Subscribed \\NonExistent) \"/\" Foo "
	    "(\"CHILDINFO\" (\"SUBSCRIBED\") \"X-FUTURE\" (1 (2)))", dec_list,
	    &l, &err, false), 0, "CHILDINFO");
	free(err);
	TEST_CHECK(l.childinfo_subscribed, "CHILDINFO SUBSCRIBED");
	TEST_INTEQ(decode("* LIST () \"/\" \"New Name\" (\"OLDNAME\" "
	    "(\"Old Name\"))", dec_list, &l, &err, false), 0, "OLDNAME");
	free(err);
	TEST_STREQ(l.oldname, "Old Name", "OLDNAME value");
	TEST_CHECK(!l.childinfo_subscribed, "no CHILDINFO");
	TEST_INTEQ(decode("* LIST (\\Sent \\Trash \\X-Custom $Junk) \"/\" Both",
	    dec_list, &l, &err, false), 0, "unknown attributes");
	free(err);
	TEST_INTEQ(l.nother_attrs, 3, "other attributes");
	if (l.nother_attrs == 3) {
		TEST_STREQ(l.other_attrs[0], "\\Trash", "second special use");
		TEST_STREQ(l.other_attrs[1], "\\X-Custom", "unknown, as sent");
		TEST_STREQ(l.other_attrs[2], "$Junk", "keyword-like");
	}
}

static void
test_list_bad(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* LIST \\Noselect \"/\" foo", "LIST: attributes: expected a list" },
		{ "* LIST (\"\\Sent\") \"/\" foo", "attribute 1 is a quoted string" },
		{ "* LIST () \"//\" foo", "delimiter: expected one character" },
		{ "* LIST () \"\" foo", "delimiter" },
		{ "* LIST () (\"/\") foo", "delimiter" },
		{ "* LIST () \"/\"", "expected attributes, delimiter and name" },
		{ "* LIST () \"/\" (foo)", "name: expected a string, got a list" },
		{ "* LIST () \"/\" NIL", "name: expected a string, got NIL" },
		{ "* LIST () \"/\" x (\"CHILDINFO\")", "extended data" },
		{ "* LIST () \"/\" x (\"CHILDINFO\" \"SUBSCRIBED\")",
		  "CHILDINFO: expected a list" },
		{ "* LIST () \"/\" x (\"OLDNAME\" (a b))", "OLDNAME" },
		{ "* LIST () \"/\" x ((a) b)", "tag 1 is a list" },
		{ "* LIST () \"/\" x () y", "got 5 arguments" },
		{ "* LSUB () \"/\"", "LSUB: expected" },
		{ "* STATUS x ()", "not an untagged LIST" },
	};
	struct imap_list	 l;
	char			*err;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_list, &l, &err, false), -1,
		    "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		TEST_CHECK(l.name == NULL && l.attrs == 0, "cleared");
		free(err);
	}
}

static void
test_status(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* STATUS INBOX (MESSAGES)", "item and number pairs" },
		{ "* STATUS INBOX (MESSAGES x)", "STATUS: MESSAGES: expected a number" },
		{ "* STATUS INBOX (MESSAGES 4294967296)", "MESSAGES: expected" },
		{ "* STATUS INBOX (HIGHESTMODSEQ 9223372036854775808)",
		  "HIGHESTMODSEQ" },
		{ "* STATUS INBOX", "expected a mailbox and a list" },
		{ "* STATUS (MESSAGES 1) INBOX", "mailbox is a list" },
		{ "* STATUS INBOX MESSAGES 1", "got 3 arguments" },
		{ "* STATUS INBOX ((MESSAGES) 1)", "item 1 is a list" },
	};
	struct imap_status_data	 st;
	char			*err;
	size_t			 i;

	TEST_INTEQ(decode("* STATUS inbox (MESSAGES 231 UIDNEXT 44292 "
	    "UIDVALIDITY 1 UNSEEN 3 RECENT 0 HIGHESTMODSEQ 7011231777 "
	    "SIZE 123456789012 DELETED 2 APPENDLIMIT 1000 MAILBOXID "
	    "(F2212ea87-6097-4256-9d51-71338625))", dec_status, &st, &err,
	    false), 0, "STATUS with everything");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_STREQ(st.mailbox, "INBOX", "INBOX normalized");
	TEST_INTEQ(st.have, IMAP_STATUS_MESSAGES | IMAP_STATUS_UIDNEXT |
	    IMAP_STATUS_UIDVALIDITY | IMAP_STATUS_UNSEEN | IMAP_STATUS_RECENT |
	    IMAP_STATUS_HIGHESTMODSEQ | IMAP_STATUS_SIZE | IMAP_STATUS_DELETED,
	    "every item present");
	TEST_INTEQ(st.messages, 231, "MESSAGES");
	TEST_INTEQ(st.uidnext, 44292, "UIDNEXT");
	TEST_INTEQ(st.uidvalidity, 1, "UIDVALIDITY");
	TEST_INTEQ(st.unseen, 3, "UNSEEN");
	TEST_INTEQ(st.recent, 0, "RECENT");
	TEST_INTEQ(st.highestmodseq, 7011231777LL, "HIGHESTMODSEQ");
	TEST_INTEQ(st.size, 123456789012LL, "SIZE");
	TEST_INTEQ(st.deleted, 2, "DELETED");

	TEST_INTEQ(decode("* STATUS \"Sent Items\" (messages 0)", dec_status,
	    &st, &err, false), 0, "quoted name");
	free(err);
	TEST_STREQ(st.mailbox, "Sent Items", "quoted name");
	TEST_INTEQ(st.have, IMAP_STATUS_MESSAGES, "only MESSAGES");
	TEST_INTEQ(decode("* STATUS {12}\r\nEntw&APw-rfe (UNSEEN 5)", dec_status,
	    &st, &err, false), 0, "literal name");
	free(err);
	TEST_STREQ(st.mailbox, "Entw&APw-rfe", "literal name");
	TEST_INTEQ(decode("* STATUS blurdybloop ()", dec_status, &st, &err,
	    false), 0, "no items");
	free(err);
	TEST_INTEQ(st.have, 0, "nothing present");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_status, &st, &err, false),
		    -1, "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		free(err);
	}
}

static void
test_esearch(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* ESEARCH MIN 0", "ESEARCH: MIN: expected a non-zero number" },
		{ "* ESEARCH ALL 1:x", "ALL: expected a sequence set" },
		{ "* ESEARCH COUNT", "COUNT without a value" },
		{ "* ESEARCH PARTIAL (1:-5 NIL)", "PARTIAL" },
		{ "* ESEARCH PARTIAL (0:5 NIL)", "PARTIAL" },
		{ "* ESEARCH PARTIAL (1:5)", "PARTIAL" },
		{ "* ESEARCH PARTIAL (1:5 x)", "PARTIAL" },
		{ "* ESEARCH (TAG) COUNT 1", "correlator" },
		{ "* ESEARCH (TAG (x)) COUNT 1", "TAG: expected a string" },
		{ "* ESEARCH \"COUNT\" 1", "return item is a quoted string" },
		{ "* ESEARCH MODSEQ x", "MODSEQ" },
		{ "* SEARCH 1 foo", "SEARCH: item 2 is not a message number" },
		{ "* SEARCH 0", "SEARCH: item 1" },
		{ "* SEARCH 1 (MODSEQ)", "SEARCH: expected (MODSEQ number)" },
		{ "* SEARCH (MODSEQ 1) 2", "SEARCH: item 1" },
		{ "* SORT 3 2 1", "not an untagged ESEARCH or SEARCH" },
	};
	struct imap_esearch	 es;
	char			*err, *s;
	size_t			 i;

	TEST_INTEQ(decode("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3", dec_esearch,
	    &es, &err, false), 0, "RFC 4731 example");
	free(err);
	TEST_STREQ(es.tag, "A282", "tag");
	TEST_CHECK(!es.uid, "not UID");
	TEST_CHECK(es.has_min && es.min == 2, "MIN");
	TEST_CHECK(es.has_count && es.count == 3, "COUNT");
	TEST_CHECK(!es.has_max && !es.has_modseq && !es.has_partial, "rest");
	imap_esearch_free(&es);
	TEST_CHECK(es.tag == NULL, "free clears");

	TEST_INTEQ(decode("* ESEARCH (TAG \"A283\") UID ALL 10:11,2,4:5 "
	    "MODSEQ 917162500 MAX 11", dec_esearch, &es, &err, false), 0,
	    "UID ALL MODSEQ");
	free(err);
	TEST_CHECK(es.uid, "UID");
	s = seqset_str(&es.all);
	TEST_STREQ(s, "2,4:5,10:11", "ALL normalized");
	free(s);
	TEST_CHECK(es.has_modseq && es.modseq == 917162500, "MODSEQ");
	TEST_CHECK(es.has_max && es.max == 11, "MAX");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* ESEARCH (TAG \"A284\") UID PARTIAL (-1:-100 "
	    "23,25:30) COUNT 200", dec_esearch, &es, &err, false), 0,
	    "PARTIAL from the end");
	free(err);
	TEST_CHECK(es.has_partial, "has PARTIAL");
	TEST_INTEQ(es.partial_lo, -1, "partial lo");
	TEST_INTEQ(es.partial_hi, -100, "partial hi");
	s = seqset_str(&es.partial);
	TEST_STREQ(s, "23,25:30", "partial set");
	free(s);
	TEST_INTEQ(es.all.count, 0, "no ALL");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* ESEARCH (TAG \"A285\") PARTIAL (100:1 NIL)",
	    dec_esearch, &es, &err, false), 0, "PARTIAL with no results");
	free(err);
	TEST_CHECK(es.has_partial && es.partial_lo == 1 &&
	    es.partial_hi == 100, "range in order");
	TEST_INTEQ(es.partial.count, 0, "NIL set");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* ESEARCH (TAG \"A1\" MAILBOX \"INBOX\" UIDVALIDITY "
	    "3) UID COUNT 0 RELEVANCY (4 99)", dec_esearch, &es, &err, false), 0,
	    "MULTISEARCH correlator, unknown return data");
	free(err);
	TEST_STREQ(es.tag, "A1", "tag among others");
	TEST_CHECK(es.has_count && es.count == 0, "COUNT 0");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* ESEARCH", dec_esearch, &es, &err, false), 0,
	    "nothing found");
	free(err);
	TEST_CHECK(es.tag == NULL && !es.has_count, "empty");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* SEARCH 2 3 5 (MODSEQ 917)", dec_esearch, &es, &err,
	    false), 0, "SEARCH with MODSEQ");
	free(err);
	s = seqset_str(&es.all);
	TEST_STREQ(s, "2:3,5", "SEARCH numbers");
	free(s);
	TEST_CHECK(es.has_modseq && es.modseq == 917, "SEARCH MODSEQ");
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* SEARCH 9 8 7 1", dec_esearch, &es, &err, false), 0,
	    "SEARCH unsorted");
	free(err);
	s = seqset_str(&es.all);
	TEST_STREQ(s, "1,7:9", "SEARCH sorted and merged");
	free(s);
	imap_esearch_free(&es);

	TEST_INTEQ(decode("* SEARCH", dec_esearch, &es, &err, false), 0,
	    "empty SEARCH");
	free(err);
	TEST_INTEQ(es.all.count, 0, "no numbers");
	imap_esearch_free(&es);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_esearch, &es, &err, false),
		    -1, "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		TEST_CHECK(es.tag == NULL && es.all.ranges == NULL &&
		    es.partial.ranges == NULL, "nothing left to free");
		free(err);
	}
}

static void
test_namespace(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "* NAMESPACE ((\"\" \"/\"))", "expected 3 namespace lists, got 1" },
		{ "* NAMESPACE ((NIL \"/\")) NIL NIL",
		  "personal 1: prefix is NIL" },
		{ "* NAMESPACE NIL NIL ((\"\" \"//\"))",
		  "shared 1: delimiter must be one character" },
		{ "* NAMESPACE (\"\" \"/\") NIL NIL", "personal 1: expected" },
		{ "* NAMESPACE NIL ((\"~\")) NIL", "other users' 1: expected" },
		{ "* NAMESPACE NIL \"x\" NIL", "other users': expected a list" },
		{ "* NAMESPACE ((\"\" \"/\" \"X\")) NIL NIL", "personal 1" },
	};
	struct imap_namespaces	 ns;
	char			*err;
	size_t			 i;

	TEST_INTEQ(decode("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) "
	    "((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" \"/\")"
	    "(\"#news.\" \".\"))", dec_namespace, &ns, &err, false), 0,
	    "RFC 2342 example");
	TEST_STREQ(err, NULL, "no error");
	free(err);
	TEST_INTEQ(ns.npersonal, 1, "one personal");
	TEST_STREQ(ns.personal[0].prefix, "", "personal prefix");
	TEST_INTEQ(ns.personal[0].delimiter, '/', "personal delimiter");
	TEST_INTEQ(ns.nother, 1, "one other users'");
	TEST_STREQ(ns.other[0].prefix, "~", "other prefix");
	TEST_INTEQ(ns.nshared, 4, "four shared");
	TEST_STREQ(ns.shared[3].prefix, "#news.", "shared prefix");
	TEST_INTEQ(ns.shared[3].delimiter, '.', "shared delimiter");

	TEST_INTEQ(decode("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL",
	    dec_namespace, &ns, &err, false), 0, "Courier style");
	free(err);
	TEST_STREQ(ns.personal[0].prefix, "INBOX.", "INBOX. prefix");
	TEST_CHECK(ns.nother == 0 && ns.other == NULL && ns.nshared == 0,
	    "NIL lists");
	TEST_INTEQ(decode("* NAMESPACE ((\"\" \"/\" \"X-PARAM\" (\"FLAG1\" "
	    "\"FLAG2\"))) ((\"Other Users/\" NIL)) NIL", dec_namespace, &ns, &err,
	    false), 0, "extensions and NIL delimiter");
	free(err);
	TEST_INTEQ(ns.npersonal, 1, "extension skipped");
	TEST_INTEQ(ns.other[0].delimiter, '\0', "NIL delimiter");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i].text, dec_namespace, &ns, &err,
		    false), -1, "reject \"%s\"", bad[i].text);
		TEST_CHECK(error_has(err, bad[i].error), "error for \"%s\"",
		    bad[i].text);
		TEST_CHECK(ns.personal == NULL && ns.npersonal == 0, "cleared");
		free(err);
	}
}

static void
test_vanished(void)
{
	static const char *bad[] = {
		"* VANISHED (LATER) 1", "* VANISHED 1:*", "* VANISHED",
		"* VANISHED (EARLIER)", "* VANISHED 0", "* VANISHED \"1\"",
		"* VANISHED (EARLIER) 1 2", "* VANISHED (EARLIER EARLIER) 1",
	};
	struct vanished	 v;
	char		*err, *s;
	size_t		 i;

	imap_seqset_init(&v.uids);
	TEST_INTEQ(decode("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540",
	    dec_vanished, &v, &err, false), 0, "VANISHED (EARLIER)");
	free(err);
	TEST_CHECK(v.earlier, "EARLIER");
	s = seqset_str(&v.uids);
	TEST_STREQ(s, "41,43:116,118,120:211,214:540", "UIDs");
	free(s);
	TEST_INTEQ(decode("* VANISHED 405,407,410", dec_vanished, &v, &err,
	    false), 0, "VANISHED");
	free(err);
	TEST_CHECK(!v.earlier, "not EARLIER");
	s = seqset_str(&v.uids);
	TEST_STREQ(s, "41,43:116,118,120:211,214:540,405,407,410", "appended");
	free(s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		TEST_INTEQ(decode(bad[i], dec_vanished, &v, &err, false), -1,
		    "reject \"%s\"", bad[i]);
		TEST_CHECK(error_has(err, "VANISHED"), "error names VANISHED");
		TEST_INTEQ(v.uids.count, 8, "set untouched by \"%s\"", bad[i]);
		free(err);
	}
	imap_seqset_free(&v.uids);
}

static void
test_id(void)
{
	struct id	 id;
	char		*err;

	TEST_INTEQ(decode("* ID (\"name\" \"Dovecot\" \"Version\" NIL "
	    "\"support-url\" {24}\r\nhttps://www.dovecot.org/)", dec_id, &id,
	    &err, false), 0, "ID");
	free(err);
	TEST_INTEQ(id.count, 3, "three fields");
	if (id.count == 3) {
		TEST_STREQ(id.params[0].name, "name", "name");
		TEST_STREQ(id.params[0].value, "Dovecot", "value");
		TEST_STREQ(id.params[1].name, "version", "lower-cased name");
		TEST_STREQ(id.params[1].value, NULL, "NIL value");
		TEST_STREQ(id.params[2].value, "https://www.dovecot.org/",
		    "literal value");
	}
	TEST_INTEQ(decode("* ID NIL", dec_id, &id, &err, false), 0, "ID NIL");
	free(err);
	TEST_CHECK(id.count == 0 && id.params == NULL, "nothing");
	TEST_INTEQ(decode("* ID (\"name\")", dec_id, &id, &err, false), -1,
	    "odd ID list");
	TEST_CHECK(error_has(err,
	    "ID: expected a list of name and value pairs"), "ID error");
	free(err);
	TEST_INTEQ(decode("* ID ((\"a\") \"b\")", dec_id, &id, &err, false), -1,
	    "list as a name");
	TEST_CHECK(error_has(err, "ID: field 1"), "ID field error");
	free(err);
}

static void
test_caps(void)
{
	struct imap_caps	 caps;
	char			*err;

	TEST_INTEQ(decode("* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID ENABLE "
	    "IDLE SORT SORT=DISPLAY THREAD=REFERENCES condstore QRESYNC "
	    "auth=PLAIN", dec_caps, &caps, &err, false), 0, "CAPABILITY");
	free(err);
	TEST_INTEQ(caps.count, 12, "twelve capabilities");
	TEST_CHECK(imap_caps_has(&caps, "IMAP4REV1"), "IMAP4REV1 upper-cased");
	TEST_CHECK(imap_caps_has(&caps, "CONDSTORE"), "condstore upper-cased");
	TEST_CHECK(imap_caps_has(&caps, "AUTH=PLAIN"), "AUTH=PLAIN");
	TEST_CHECK(imap_caps_has(&caps, "LITERAL+"), "LITERAL+");
	TEST_CHECK(!imap_caps_has(&caps, "MOVE"), "no MOVE");
	TEST_CHECK(!imap_caps_has(&caps, "SORT=DISPLA"), "whole names only");

	TEST_INTEQ(decode("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN "
	    "AUTH=SCRAM-SHA-256] Dovecot ready.", dec_code_caps, &caps, &err,
	    false), 0, "CAPABILITY code");
	free(err);
	TEST_CHECK(caps.count == 4 &&
	    imap_caps_has(&caps, "AUTH=SCRAM-SHA-256"), "code capabilities");
	TEST_INTEQ(decode("* ENABLED CONDSTORE QRESYNC", dec_caps, &caps, &err,
	    false), 0, "ENABLED");
	free(err);
	TEST_CHECK(caps.count == 2 && imap_caps_has(&caps, "QRESYNC"),
	    "enabled");
	TEST_INTEQ(decode("* CAPABILITY IMAP4rev1 \"X\"", dec_caps, &caps, &err,
	    false), -1, "quoted capability");
	TEST_CHECK(error_has(err, "CAPABILITY: item 2 is a quoted string"),
	    "CAPABILITY error");
	TEST_INTEQ(caps.count, 0, "cleared");
	free(err);
}

static void
test_flags(void)
{
	struct imap_flags	 fl;
	char			*err;

	TEST_INTEQ(decode("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	    "$Forwarded $MDNSent Junk NonJunk)", dec_flags, &fl, &err, false), 0,
	    "FLAGS");
	free(err);
	TEST_INTEQ(fl.bits, IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED |
	    IMAP_FLAG_DELETED | IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT, "FLAGS bits");
	TEST_INTEQ(fl.nkeywords, 4, "FLAGS keywords");
	TEST_INTEQ(decode("* OK [PERMANENTFLAGS (\\Deleted \\seen \\*)] Limited",
	    dec_code_flags, &fl, &err, false), 0, "PERMANENTFLAGS");
	free(err);
	TEST_INTEQ(fl.bits, IMAP_FLAG_DELETED | IMAP_FLAG_SEEN | IMAP_FLAG_ANY,
	    "\\* and any case");
	TEST_INTEQ(fl.nkeywords, 0, "no keywords");
	TEST_INTEQ(decode("* OK [PERMANENTFLAGS ()] No permanent flags",
	    dec_code_flags, &fl, &err, false), 0, "empty PERMANENTFLAGS");
	free(err);
	TEST_CHECK(fl.bits == 0 && fl.keywords == NULL, "nothing");
	TEST_INTEQ(decode("* 2 FETCH (BODY.PEEK[1] \"x\")", dec_fetch,
	    &(struct imap_fetch){ 0 }, &err, false), 0, "echoed BODY.PEEK");
	free(err);
}

static void
test_codes(void)
{
	static const char *bad_uid[] = {
		"A1 OK [APPENDUID 0 1] x", "A1 OK [APPENDUID 1 *] x",
		"A1 OK [APPENDUID 1] x", "A1 OK [APPENDUID x 1] x",
		"A1 OK [APPENDUID 1 2 3] x", "A1 OK [COPYUID 1 2] x",
		"A1 OK [COPYUID 38505 304,319:320 3956:3957] x",
		"A1 OK [COPYUID 38505 1:* 3956:3957] x",
		"A1 OK [COPYUID 4294967296 1 2] x", "A1 OK [UIDNEXT 1 2] x",
		"A1 OK copied",
	};
	struct codes	 c;
	char		*s;
	size_t		 i;

	memset(&c, 0, sizeof c);
	decode("A3 OK [APPENDUID 38505 3955] APPEND completed", dec_codes, &c,
	    NULL, false);
	TEST_INTEQ(c.append_rc, 0, "APPENDUID");
	TEST_INTEQ(c.copy_rc, -1, "not COPYUID");
	TEST_INTEQ(c.uidvalidity, 38505, "uidvalidity");
	s = seqset_str(&c.a);
	TEST_STREQ(s, "3955", "appended UID");
	free(s);
	imap_seqset_free(&c.a);

	decode("A4 OK [APPENDUID 38505 3955:3957,3960] MULTIAPPEND", dec_codes,
	    &c, NULL, false);
	s = seqset_str(&c.a);
	TEST_STREQ(s, "3955:3957,3960", "MULTIAPPEND UIDs");
	free(s);
	imap_seqset_free(&c.a);

	decode("A5 OK [COPYUID 38505 319:320,304 3956:3958] Done", dec_codes,
	    &c, NULL, false);
	TEST_INTEQ(c.copy_rc, 0, "COPYUID");
	TEST_INTEQ(c.append_rc, -1, "not APPENDUID");
	s = seqset_str(&c.a);
	TEST_STREQ(s, "319:320,304", "source kept in order");
	free(s);
	s = seqset_str(&c.b);
	TEST_STREQ(s, "3956:3958", "destination");
	free(s);
	imap_seqset_free(&c.a);
	imap_seqset_free(&c.b);

	decode("* OK [UIDVALIDITY 3857529045] UIDs valid", dec_codes, &c, NULL,
	    false);
	TEST_INTEQ(c.number_rc, 0, "UIDVALIDITY number");
	TEST_INTEQ(c.number, 3857529045LL, "UIDVALIDITY value");
	decode("* OK [HIGHESTMODSEQ 715194045007] Highest", dec_codes, &c, NULL,
	    false);
	TEST_INTEQ(c.number, 715194045007LL, "HIGHESTMODSEQ value");
	decode("* OK [UIDVALIDITY abc] x", dec_codes, &c, NULL, false);
	TEST_INTEQ(c.number_rc, -1, "not a number");
	decode("* OK [READ-WRITE] x", dec_codes, &c, NULL, false);
	TEST_INTEQ(c.number_rc, -1, "no argument");

	for (i = 0; i < sizeof bad_uid / sizeof bad_uid[0]; i++) {
		c.uidvalidity = 7;
		decode(bad_uid[i], dec_codes, &c, NULL, false);
		TEST_CHECK(c.append_rc == -1 && c.copy_rc == -1,
		    "reject \"%s\"", bad_uid[i]);
		TEST_CHECK(c.a.count == 0 && c.b.count == 0 &&
		    c.uidvalidity == 7, "outputs untouched by \"%s\"",
		    bad_uid[i]);
	}
	imap_seqset_free(&c.a);
	imap_seqset_free(&c.b);
}

/* Split anywhere, the same response decodes the same. */
static void
test_drip(void)
{
	static const char text[] = "* 9 FETCH (UID 3 BODYSTRUCTURE ((\"text\" "
	    "\"plain\" NIL NIL NIL \"7bit\" 1 1)(\"message\" \"rfc822\" NIL NIL "
	    "NIL \"7bit\" 5 " RFC_ENVELOPE " ((\"text\" \"plain\" NIL NIL NIL "
	    "\"7bit\" 1 1)(\"image\" \"gif\" NIL NIL NIL \"base64\" 9) \"mixed\") "
	    "3) \"mixed\") ENVELOPE " RFC_ENVELOPE " BODY[HEADER] {5}\r\nab\r\n\r)";
	struct imap_fetch	 whole, drip;
	struct imap_list	 l1, l2;
	char			*s1, *s2, *a1, *a2;

	TEST_INTEQ(decode(text, dec_fetch, &whole, NULL, false), 0, "whole");
	TEST_INTEQ(decode(text, dec_fetch, &drip, NULL, true), 0, "drip fed");
	s1 = body_tree(whole.body);
	s2 = body_tree(drip.body);
	TEST_STREQ(s2, s1, "same body tree");
	TEST_STREQ(s1, ":multipart/mixed 1:text/plain 2:message/rfc822 "
	    "2:multipart/mixed 2.1:text/plain 2.2:image/gif", "tree");
	free(s1);
	free(s2);
	if (whole.envelope != NULL && drip.envelope != NULL) {
		a1 = addresses(&whole.envelope->cc);
		a2 = addresses(&drip.envelope->cc);
		TEST_STREQ(a2, a1, "same cc");
		free(a1);
		free(a2);
	}
	TEST_CHECK(drip.nsections == 1 && drip.sections[0].data->u.str.len == 5,
	    "same literal");

	TEST_INTEQ(decode("* LIST (\\HasNoChildren \\Sent) \"/\" {10}\r\nSent Items",
	    dec_list, &l1, NULL, false), 0, "LIST whole");
	TEST_INTEQ(decode("* LIST (\\HasNoChildren \\Sent) \"/\" {10}\r\nSent Items",
	    dec_list, &l2, NULL, true), 0, "LIST drip fed");
	TEST_STREQ(l2.name, l1.name, "same name");
	TEST_STREQ(l2.special_use, l1.special_use, "same special use");
}

int
main(void)
{
	A = arena_new(0);
	test_fetch_dovecot();
	test_fetch_envelope_groups();
	test_fetch_gmail();
	test_fetch_sections();
	test_fetch_bad();
	test_fetch_streamed();
	test_body_alternative();
	test_body_mixed_nested();
	test_body_basic();
	test_body_quirks();
	test_body_bad();
	test_internaldate();
	test_list();
	test_list_bad();
	test_status();
	test_esearch();
	test_sort_thread();
	test_namespace();
	test_vanished();
	test_id();
	test_caps();
	test_flags();
	test_codes();
	test_drip();
	arena_free(&A);
	return test_done();
}

/* SORT and THREAD answers (data_sort.c), as "n n n" and "n:d n:d". */
struct order {
	char	 text[256];
};

static int
dec_sort(const struct imap_response *resp, void *out, char **error_r)
{
	struct order	*o = out;
	uint32_t	*nums;
	size_t		 n, i, len = 0;

	if (imap_sort_parse(resp, &nums, &n, error_r) == -1)
		return -1;
	o->text[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(o->text + len, sizeof o->text - len, "%s%u",
		    i > 0 ? " " : "", nums[i]);
	free(nums);
	return 0;
}

static int
dec_thread(const struct imap_response *resp, void *out, char **error_r)
{
	struct order		*o = out;
	struct imap_thread_node	*nodes;
	size_t			 n, i, len = 0;

	if (imap_thread_parse(resp, &nodes, &n, error_r) == -1)
		return -1;
	o->text[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(o->text + len, sizeof o->text - len,
		    "%s%u:%u", i > 0 ? " " : "", nodes[i].num, nodes[i].depth);
	free(nodes);
	return 0;
}

static void
test_sort_thread(void)
{
	static const struct {
		const char	*text;
		decode_fn	*fn;
		const char	*want;	/* NULL: an error containing error */
		const char	*error;
	} cases[] = {
		{ "* SORT 5 3 4 1 2", dec_sort, "5 3 4 1 2", NULL },
		{ "* SORT", dec_sort, "", NULL },
		{ "* SORT 2 1 (MODSEQ 77)", dec_sort, "2 1", NULL },
		{ "* SORT 2 x", dec_sort, NULL, "SORT: item 2" },
		{ "* SORT 0", dec_sort, NULL, "SORT: item 1" },
		{ "* SEARCH 1", dec_sort, NULL, "not an untagged SORT" },
		/* RFC 5256's example. */
		{ "* THREAD (2)(3 6 (4 23)(44 7 96))", dec_thread,
		  "2:0 3:0 6:1 4:2 23:3 44:2 7:3 96:4", NULL },
		/* A missing parent is a node of its own. */
		{ "* THREAD ((3)(5))(7)", dec_thread, "0:0 3:1 5:1 7:0", NULL },
		{ "* THREAD (1 ((2)(3 4)))", dec_thread, "1:0 0:1 2:2 3:2 4:3", NULL },
		{ "* THREAD", dec_thread, "", NULL },
		{ "* THREAD 1", dec_thread, NULL, "where a thread was expected" },
		{ "* THREAD ()", dec_thread, NULL, "an empty thread" },
		{ "* THREAD (1 x)", dec_thread, NULL, "message number" },
		{ "* THREAD (1 (2)(3) 4)", dec_thread, NULL, "after its thread's" },
	};
	struct order	 o;
	char		*err;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&o, 0, sizeof o);
		rc = decode(cases[i].text, cases[i].fn, &o, &err, false);
		if (cases[i].want != NULL) {
			TEST_INTEQ(rc, 0, "%s", cases[i].text);
			TEST_STREQ(o.text, cases[i].want, "%s", cases[i].text);
			/* A byte at a time: the same. */
			free(err);
			memset(&o, 0, sizeof o);
			TEST_INTEQ(decode(cases[i].text, cases[i].fn, &o, &err, true), 0,
			    "%s", cases[i].text);
			TEST_STREQ(o.text, cases[i].want, "%s", cases[i].text);
		} else {
			TEST_INTEQ(rc, -1, "%s", cases[i].text);
			TEST_CHECK(err != NULL && strstr(err, cases[i].error) != NULL,
			    "%s", cases[i].text);
		}
		free(err);
	}
}
