/* The search language: queries to IMAP SEARCH keys, errors with their
 * columns, and the local evaluator. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/imap_data.h"
#include "crispin/mail_query.h"
#include "crispin/xalloc.h"
#include "test.h"

/* Saturday 2024-06-15 12:00:00 UTC. */
#define NOW	((time_t)1718452800)

struct xlate_case {
	const char	*query;
	const char	*imap;
	bool		 local;		/* needs_local */
};

static const struct xlate_case xlate_cases[] = {
	{ "from:alice", "FROM alice", false },
	{ "from:alice@example.org", "FROM alice@example.org", false },
	{ "FROM:alice", "FROM alice", false },
	{ "subject:\"status report\"", "SUBJECT \"status report\"", false },
	{ "subject:\"say \\\"hi\\\"\"", "SUBJECT \"say \\\"hi\\\"\"", false },
	{ "to:bob cc:carol", "TO bob CC carol", false },
	{ "bcc:dave", "BCC dave", false },
	{ "body:invoice", "BODY invoice", false },
	{ "text:hello", "TEXT hello", false },
	{ "from:nil", "FROM \"nil\"", false },
	{ "hello", "OR SUBJECT hello FROM hello", false },
	{ "\"hello world\"", "OR SUBJECT \"hello world\" FROM \"hello world\"", false },
	{ "re-design", "OR SUBJECT re-design FROM re-design", false },
	{ "\"or\"", "OR SUBJECT or FROM or", false },
	{ "header:X-Mailer:mutt", "HEADER X-Mailer mutt", false },
	{ "header:List-Id:", "HEADER List-Id \"\"", false },
	{ "header:X-Note:\"a:b c\"", "HEADER X-Note \"a:b c\"", false },
	{ "from:a or from:b", "OR FROM a FROM b", false },
	{ "from:a OR from:b", "OR FROM a FROM b", false },
	{ "from:a or from:b or from:c", "OR FROM a OR FROM b FROM c", false },
	{ "from:a or from:b or from:c or from:d", "OR OR FROM a FROM b OR FROM c FROM d", false },
	{ "not from:a", "NOT FROM a", false },
	{ "-from:a", "NOT FROM a", false },
	{ "-(from:a to:b)", "NOT (FROM a TO b)", false },
	{ "not not from:a", "FROM a", false },
	{ "(from:a or from:b) subject:x", "OR FROM a FROM b SUBJECT x", false },
	{ "from:a to:b or cc:c", "OR (FROM a TO b) CC c", false },
	{ "from:a and to:b", "FROM a TO b", false },
	{ "from:a (to:b or (cc:c -is:read))", "FROM a OR TO b (CC c NOT SEEN)", false },
	{ "date:2024-03-05", "ON 5-Mar-2024", false },
	{ "date:2024-03", "SINCE 1-Mar-2024 BEFORE 1-Apr-2024", false },
	{ "date:2024", "SINCE 1-Jan-2024 BEFORE 1-Jan-2025", false },
	{ "date:2024-01..2024-03", "SINCE 1-Jan-2024 BEFORE 1-Apr-2024", false },
	{ "date:2024-01-15..2024-02-10", "SINCE 15-Jan-2024 BEFORE 11-Feb-2024", false },
	{ "date:2024-01..", "SINCE 1-Jan-2024", false },
	{ "date:..2024-02", "BEFORE 1-Mar-2024", false },
	{ "date:2023-12-31..2024-01-01", "SINCE 31-Dec-2023 BEFORE 2-Jan-2024", false },
	{ "since:2024-02-29", "SINCE 29-Feb-2024", false },
	{ "before:2024-03", "BEFORE 1-Mar-2024", false },
	{ "on:2024-12-31", "ON 31-Dec-2024", false },
	{ "since:7d", "SINCE 8-Jun-2024", false },
	{ "since:2w", "SINCE 1-Jun-2024", false },
	{ "since:3m", "SINCE 15-Mar-2024", false },
	{ "since:1y", "SINCE 15-Jun-2023", false },
	{ "before:today", "BEFORE 15-Jun-2024", false },
	{ "on:yesterday", "ON 14-Jun-2024", false },
	{ "date:7d", "SINCE 8-Jun-2024", false },
	{ "date:30d..7d", "SINCE 16-May-2024 BEFORE 9-Jun-2024", false },
	{ "-date:2024-03", "NOT (SINCE 1-Mar-2024 BEFORE 1-Apr-2024)", false },
	{ "since:7d is:unread or is:flagged", "OR (SINCE 8-Jun-2024 UNSEEN) FLAGGED", false },
	{ "larger:10K", "LARGER 10240", false },
	{ "smaller:1m", "SMALLER 1048576", false },
	{ "larger:2G", "LARGER 2147483648", false },
	{ "larger:500", "LARGER 500", false },
	{ "is:unread", "UNSEEN", false },
	{ "is:read", "SEEN", false },
	{ "is:flagged is:replied", "FLAGGED ANSWERED", false },
	{ "is:unflagged", "UNFLAGGED", false },
	{ "is:deleted", "DELETED", false },
	{ "is:draft", "DRAFT", false },
	{ "is:new", "NEW", false },
	{ "is:old", "OLD", false },
	{ "keyword:$Forwarded", "KEYWORD $Forwarded", false },
	{ "uid:1:5,9", "UID 1:5,9", false },
	{ "uid:100:*", "UID 100:*", false },
	{ "has:attachment", "ALL", true },
	{ "has:attachment from:a", "FROM a", true },
	{ "-has:attachment", "ALL", true },
	{ "date:7d..30d", "NOT ALL", false },
	{ "from:a or has:attachment", "ALL", true },
	{ "not (from:a or has:attachment)", "NOT FROM a", true },
	{ "subject:café", "SUBJECT {5+}\r\ncafé", false },
	/* mutt's patterns, as the equivalent terms. */
	{ "~f alice ~N", "FROM alice NEW", false },
	{ "~falice", "FROM alice", false },
	{ "!~s foo", "NOT SUBJECT foo", false },
	{ "~s \"status report\"", "SUBJECT \"status report\"", false },
	{ "~s 'a b'", "SUBJECT \"a b\"", false },
	{ "~f a | ~f b", "OR FROM a FROM b", false },
	{ "~f a|b", "FROM a|b", false },
	{ "~A", "NOT SMALLER 0", false },
	{ "~U ~F ~D", "UNSEEN FLAGGED DELETED", false },
	{ "~R | ~Q", "OR SEEN ANSWERED", false },
	{ "~O", "UNSEEN OLD", false },
	{ "~b invoice", "BODY invoice", false },
	{ "~B invoice", "TEXT invoice", false },
	{ "~t bob ~c carol", "TO bob CC carol", false },
	{ "~C bob", "OR TO bob CC bob", false },
	{ "~L bob", "OR OR FROM bob TO bob OR CC bob BCC bob", false },
	{ "~e list", "HEADER Sender list", false },
	{ "~i <abc@x>", "HEADER Message-ID <abc@x>", false },
	{ "~x abc@x", "OR HEADER References abc@x HEADER In-Reply-To abc@x", false },
	{ "~h \"X-Spam: yes\"", "HEADER X-Spam yes", false },
	{ "~y work", "KEYWORD work", false },
	{ "~d <7d", "SINCE 8-Jun-2024", false },
	{ "~d >1m", "BEFORE 15-May-2024", false },
	{ "~d =1w", "ON 8-Jun-2024", false },
	{ "~d 05/03/2024", "ON 5-Mar-2024", false },
	{ "~d 01/01/2024-15/02/2024", "SINCE 1-Jan-2024 BEFORE 16-Feb-2024", false },
	{ "~d 01/06-", "SINCE 1-Jun-2024", false },
	{ "~d -01/06/24", "BEFORE 2-Jun-2024", false },
	{ "~r <2w", "SINCE 1-Jun-2024", false },
	{ "~z <1K", "SMALLER 1024", false },
	{ "~z >1M", "LARGER 1048576", false },
	{ "~z 10K-20K", "LARGER 10239 SMALLER 20481", false },
	{ "~z -500", "SMALLER 501", false },
	{ "(~f a ~s b) | !(~T)", "ALL", true },
	{ "~f a !~T", "FROM a", true },
	{ "~T", "ALL", true },
	{ "is:tagged from:a", "FROM a", true },
	{ "~f a and not ~N", "FROM a NOT NEW", false },
};

struct error_case {
	const char	*query;
	const char	*error;
};

static const struct error_case error_cases[] = {
	{ "", "empty query (try from:NAME, subject:TEXT, since:7d, is:unread; see crispin(1))" },
	{ "   ", "empty query (try from:NAME, subject:TEXT, since:7d, is:unread; see crispin(1))" },
	{ "subject:x or (from:a", "unbalanced parenthesis at column 14" },
	{ "from:a to:b) cc:c", "unbalanced parenthesis at column 12" },
	{ ")", "unbalanced parenthesis at column 1" },
	{ "from:ä (", "unbalanced parenthesis at column 8" },
	{ "frm:alice", "unknown term 'frm:' at column 1 (did you mean 'from:'?)" },
	{ "to:a subjct:x", "unknown term 'subjct:' at column 6 (did you mean 'subject:'?)" },
	{ "http://example.org", "unknown term 'http:' at column 1 (quote it to search for the text)" },
	{ "date:2024-13-01", "bad date '2024-13-01' at column 6" },
	{ "date:2023-02-29", "bad date '2023-02-29' at column 6" },
	{ "since:last-week", "bad date 'last-week' at column 7 "
	    "(use YYYY-MM-DD, YYYY-MM, YYYY, or 7d, 2w, 3m, 1y)" },
	{ "date:2024-03..2024-01", "date range '2024-03..2024-01' ends before it starts at column 6" },
	{ "since:2024-01..2024-02", "bad date '2024-01..2024-02' at column 7 "
	    "(ranges like 2024-01..2024-03 go with date:)" },
	{ "date:..", "bad date '..' at column 6 (ranges like 2024-01..2024-03 go with date:)" },
	{ "larger:10X", "bad size '10X' at column 8 (use a number of bytes with K, M or G)" },
	{ "larger:K", "bad size 'K' at column 8 (use a number of bytes with K, M or G)" },
	{ "larger:5G", "size '5G' is too big at column 8 (IMAP sizes stop at 4294967295 bytes)" },
	{ "is:unred", "unknown state 'unred' for is: at column 4 (did you mean 'is:unread'?)" },
	{ "is:banana", "unknown state 'banana' for is: at column 4 (one of unread, read, "
	    "flagged, unflagged, replied, deleted, draft, new, old, tagged)" },
	{ "keyword:\"a b\"", "bad keyword 'a b' at column 9 (a keyword is one word without "
	    "spaces, quotes or any of ( ) { % * \\ ])" },
	{ "keyword:\\Seen", "bad keyword '\\Seen' at column 9 (system flags go with is:, "
	    "like is:flagged)" },
	{ "uid:1:x", "bad UID set '1:x' at column 5 (use numbers and ranges like 1:5,9)" },
	{ "uid:0", "bad UID set '0' at column 5 (use numbers and ranges like 1:5,9)" },
	{ "has:pdf", "unknown has: value 'pdf' at column 5 (the only one is has:attachment)" },
	{ "from:", "missing value after 'from:' at column 1" },
	{ "from:a or", "'or' needs a term on each side at column 8" },
	{ "or from:a", "'or' needs a term on each side at column 1" },
	{ "from:a or or to:b", "'or' needs a term on each side at column 8" },
	{ "from:a and", "'and' needs a term on each side at column 8" },
	{ "not", "'not' needs a term after it at column 1" },
	{ "from:a -", "'-' needs a term after it at column 8" },
	{ "()", "empty parentheses at column 1" },
	{ "subject:\"abc", "unterminated quote at column 9" },
	{ "header:X-Foo", "bad header term 'X-Foo' at column 8 (use header:NAME:TEXT)" },
	{ "\"\"", "empty quoted text at column 1" },
	{ "~f", "'~f' needs a pattern after it at column 1" },
	{ "(~s)", "'~s' needs a pattern after it at column 2" },
	{ "~m 1-5", "mutt pattern '~m' is not supported at column 1 "
	    "(see SEARCH LANGUAGE in crispin(1) for the ones there are)" },
	{ "~d 31/02/2024", "bad date '31/02/2024' at column 1 (use ~d <7d, ~d >1m, "
	    "~d 01/02/2024 or ~d 01/02/2024-15/02/2024)" },
	{ "~d 10/02/2024-01/02/2024", "date range '10/02/2024-01/02/2024' ends "
	    "before it starts at column 1" },
	{ "~z big", "bad size '~z big' at column 1 (use ~z <1K, ~z >1M or ~z 10K-20K)" },
	{ "~h X-Spam", "'~h' needs a header name and a colon at column 1 "
	    "(write it as ~h \"Name: text\")" },
	{ "!", "'!' needs a term after it at column 1" },
	{ "~f a |", "'|' needs a term on each side at column 6" },
	{ "~s \"abc", "unterminated quote at column 4" },
};

static void
test_translate(void)
{
	struct mail_query	*q;
	struct mail_query_imap	 m;
	struct buf		 b = BUF_INIT;
	char			*error = NULL;
	size_t			 i;

	for (i = 0; i < sizeof xlate_cases / sizeof xlate_cases[0]; i++) {
		const struct xlate_case *c = &xlate_cases[i];

		if (mail_query_parse(c->query, NOW, &q, &error) < 0) {
			TEST_CHECK(0, "parse '%s': %s", c->query, error);
			x_free(&error);
			continue;
		}
		mail_query_to_imap(q, &m);
		buf_reset(&b);
		mail_query_imap_write(&m, &b);
		TEST_STREQ(buf_cstr(&b), c->imap, "translate '%s'", c->query);
		TEST_CHECK(m.needs_local == c->local && mail_query_needs_local(q) == c->local,
		    "needs_local of '%s'", c->query);
		mail_query_imap_free(&m);
		mail_query_free(&q);
	}
	buf_free(&b);
}

static void
test_string_parts(void)
{
	struct mail_query	*q;
	struct mail_query_imap	 m;
	char			*error = NULL;

	TEST_CHECK(mail_query_parse("from:\"Jürgen\" subject:x", NOW, &q, &error) == 0,
	    "parse with non-ASCII");
	mail_query_to_imap(q, &m);
	TEST_INTEQ(m.nparts, 4, "text, string, text, string");
	TEST_CHECK(!m.parts[0].is_string && m.parts[1].is_string, "part kinds");
	TEST_STREQ(m.parts[0].text, "FROM ", "first text part");
	TEST_STREQ(m.parts[1].text, "Jürgen", "string part is raw UTF-8");
	TEST_STREQ(m.parts[2].text, " SUBJECT ", "merged text part");
	TEST_CHECK(m.needs_literal && m.needs_utf8, "8-bit needs a literal and CHARSET");
	mail_query_imap_free(&m);
	mail_query_free(&q);

	TEST_CHECK(mail_query_parse("from:a", NOW, &q, &error) == 0, "parse ASCII");
	mail_query_to_imap(q, &m);
	TEST_CHECK(!m.needs_literal && !m.needs_utf8, "ASCII needs neither");
	mail_query_imap_free(&m);
	mail_query_free(&q);
}

static void
test_errors(void)
{
	struct mail_query	*q;
	char			*error = NULL;
	size_t			 i;
	struct buf		 deep = BUF_INIT;

	for (i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
		const struct error_case *c = &error_cases[i];

		q = NULL;
		TEST_INTEQ(mail_query_parse(c->query, NOW, &q, &error), -1, "'%s' fails", c->query);
		TEST_CHECK(q == NULL, "no query on error");
		TEST_STREQ(error, c->error, "error of '%s'", c->query);
		x_free(&error);
	}
	/* Nesting is bounded so that no query can exhaust the stack. */
	for (i = 0; i < 65; i++)
		buf_addc(&deep, '(');
	buf_adds(&deep, "a");
	for (i = 0; i < 65; i++)
		buf_addc(&deep, ')');
	TEST_INTEQ(mail_query_parse(buf_cstr(&deep), NOW, &q, &error), -1, "deep nesting fails");
	TEST_STREQ(error, "query nested too deeply at column 65", "nesting error");
	x_free(&error);
	buf_reset(&deep);
	for (i = 0; i < 64; i++)
		buf_addc(&deep, '(');
	buf_adds(&deep, "a");
	for (i = 0; i < 64; i++)
		buf_addc(&deep, ')');
	TEST_INTEQ(mail_query_parse(buf_cstr(&deep), NOW, &q, &error), 0, "64 levels parse");
	mail_query_free(&q);
	buf_free(&deep);
}

static void
test_month_clamp(void)
{
	struct mail_query	*q;
	struct mail_query_imap	 m;
	struct buf		 b = BUF_INIT;
	char			*error = NULL;

	/* 2024-05-31 12:00 UTC: three months back is 29 February. */
	TEST_CHECK(mail_query_parse("since:3m", (time_t)1717156800, &q, &error) == 0, "parse");
	mail_query_to_imap(q, &m);
	mail_query_imap_write(&m, &b);
	TEST_STREQ(buf_cstr(&b), "SINCE 29-Feb-2024", "month arithmetic clamps the day");
	mail_query_imap_free(&m);
	mail_query_free(&q);
	buf_free(&b);
}

static const char *
msg_header(const struct mail_query_msg *m, const char *name)
{
	return strcasecmp(name, "X-Mailer") == 0 ? "mutt/2.2" : NULL;
}

struct eval_case {
	const char		*query;
	enum mail_query_truth	 want;
};

static const struct eval_case eval_cases[] = {
	{ "from:alice", MAIL_QUERY_YES },
	{ "from:ALICE", MAIL_QUERY_YES },
	{ "from:bob", MAIL_QUERY_NO },
	{ "to:bob cc:carol", MAIL_QUERY_YES },
	{ "bcc:x", MAIL_QUERY_NO },
	{ "subject:report", MAIL_QUERY_YES },
	{ "Quarterly", MAIL_QUERY_YES },
	{ "example.org", MAIL_QUERY_YES },
	{ "body:invoice", MAIL_QUERY_UNKNOWN },
	{ "body:invoice from:bob", MAIL_QUERY_NO },
	{ "body:invoice or from:alice", MAIL_QUERY_YES },
	{ "-body:invoice", MAIL_QUERY_UNKNOWN },
	{ "text:quarterly", MAIL_QUERY_YES },
	{ "text:zebra", MAIL_QUERY_UNKNOWN },
	{ "header:x-mailer:mutt", MAIL_QUERY_YES },
	{ "header:X-Spam:", MAIL_QUERY_NO },
	{ "is:unread", MAIL_QUERY_YES },
	{ "is:read", MAIL_QUERY_NO },
	{ "is:flagged -is:replied", MAIL_QUERY_YES },
	{ "is:new", MAIL_QUERY_YES },
	{ "is:old", MAIL_QUERY_NO },
	{ "keyword:$forwarded", MAIL_QUERY_YES },
	{ "keyword:work", MAIL_QUERY_NO },
	{ "larger:10K", MAIL_QUERY_YES },
	{ "larger:20K", MAIL_QUERY_NO },
	{ "smaller:20K", MAIL_QUERY_YES },
	{ "uid:1:5,42", MAIL_QUERY_YES },
	{ "uid:1:41", MAIL_QUERY_NO },
	{ "on:2024-06-10", MAIL_QUERY_YES },
	{ "date:2024-06", MAIL_QUERY_YES },
	{ "date:2024-01..2024-05", MAIL_QUERY_NO },
	{ "since:7d", MAIL_QUERY_YES },
	{ "since:2d", MAIL_QUERY_NO },
	{ "before:2024-06-10", MAIL_QUERY_NO },
	{ "before:2024-06-11", MAIL_QUERY_YES },
	{ "has:attachment", MAIL_QUERY_UNKNOWN },
	{ "has:attachment is:read", MAIL_QUERY_NO },
	{ "(from:bob or subject:report) -is:deleted", MAIL_QUERY_YES },
	{ "subject:QUARTERLY", MAIL_QUERY_YES },
	{ "cc:CAROL", MAIL_QUERY_YES },
	{ "~f alice ~N", MAIL_QUERY_YES },
	{ "!~s quarterly", MAIL_QUERY_NO },
	{ "~s zebra | ~F", MAIL_QUERY_YES },
	{ "~A", MAIL_QUERY_YES },
	{ "!~A", MAIL_QUERY_NO },
	{ "~O", MAIL_QUERY_NO },
	{ "~d <7d", MAIL_QUERY_YES },
	{ "~d >7d", MAIL_QUERY_NO },
	{ "~d 10/06/2024", MAIL_QUERY_YES },
	{ "~d 01/06/2024-09/06/2024", MAIL_QUERY_NO },
	{ "~z 10K-20K", MAIL_QUERY_YES },
	{ "~z <10K", MAIL_QUERY_NO },
	{ "~h \"X-Mailer: mutt\"", MAIL_QUERY_YES },
	{ "~T", MAIL_QUERY_NO },
	{ "!~T ~U", MAIL_QUERY_YES },
	{ "~C carol", MAIL_QUERY_YES },
};

static void
test_eval(void)
{
	static const char *const kw[] = { "$Forwarded" };
	struct mail_query_msg	 m;
	struct mail_query	*q;
	char			*error = NULL;
	size_t			 i;

	memset(&m, 0, sizeof m);
	m.uid = 42;
	m.flags = IMAP_FLAG_FLAGGED | IMAP_FLAG_RECENT;
	m.keywords = kw;
	m.nkeywords = 1;
	m.size = 15000;
	/* 2024-06-10 23:30 -0200 is 2024-06-11 01:30 UTC: the day is the 10th. */
	m.internaldate = (time_t)1718069400;
	m.internaldate_tz = -120;
	m.from = "Alice Example <alice@example.org>";
	m.to = "bob@example.org";
	m.cc = "Carol <carol@example.org>";
	m.subject = "Quarterly report";
	m.header = msg_header;
	m.has_attachment = -1;
	for (i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
		const struct eval_case *c = &eval_cases[i];

		if (mail_query_parse(c->query, NOW, &q, &error) < 0) {
			TEST_CHECK(0, "parse '%s': %s", c->query, error);
			x_free(&error);
			continue;
		}
		TEST_INTEQ(mail_query_eval(q, &m), c->want, "eval '%s'", c->query);
		TEST_CHECK(mail_query_match(q, &m) == (c->want == MAIL_QUERY_YES),
		    "match '%s'", c->query);
		mail_query_free(&q);
	}
	/* With the body cached, body terms are decided. */
	m.body = "Please find the invoice attached.";
	m.has_attachment = 1;
	TEST_CHECK(mail_query_parse("body:INVOICE has:attachment", NOW, &q, &error) == 0, "parse");
	TEST_INTEQ(mail_query_eval(q, &m), MAIL_QUERY_YES, "cached body decides");
	mail_query_free(&q);
	/* Tags come from the interface. */
	m.tagged = true;
	TEST_CHECK(mail_query_parse("~T ~f alice", NOW, &q, &error) == 0, "parse ~T");
	TEST_INTEQ(mail_query_eval(q, &m), MAIL_QUERY_YES, "~T of a tagged message");
	mail_query_free(&q);
	TEST_CHECK(mail_query_parse("is:tagged", NOW, &q, &error) == 0, "parse is:tagged");
	TEST_INTEQ(mail_query_eval(q, &m), MAIL_QUERY_YES, "is:tagged");
	mail_query_free(&q);
}

/* Local matching folds case beyond ASCII, as servers do. */
static void
test_fold(void)
{
	static const struct {
		const char	*query;
		bool		 match;
	} cases[] = {
		{ "from:\"JÜRGEN KÖHLER\"", true },
		{ "subject:привет", true },
		{ "subject:ΕΛΛΗΝΙΚΑ", true },
		{ "subject:łÓdŹ", true },
		{ "subject:lodz", false },
		{ "subject:\"ÿ\"", false },
		{ "from:ü", true },
	};
	struct mail_query_msg	 m;
	struct mail_query	*q;
	char			*error = NULL;
	size_t			 i;

	memset(&m, 0, sizeof m);
	m.from = "Jürgen Köhler <jk@example.de>";
	m.subject = "ελληνικα ПРИВЕТ ŁóDź \xff broken";
	m.has_attachment = -1;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (mail_query_parse(cases[i].query, NOW, &q, &error) < 0) {
			TEST_CHECK(0, "parse '%s': %s", cases[i].query, error);
			x_free(&error);
			continue;
		}
		TEST_CHECK(mail_query_match(q, &m) == cases[i].match, "fold '%s'",
		    cases[i].query);
		mail_query_free(&q);
	}
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_translate();
	test_string_parts();
	test_errors();
	test_month_clamp();
	test_eval();
	test_fold();
	return test_done();
}
