/* Unit tests for address lists, their display form, and ENVELOPE. */
#include <stdbool.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/mime_addr.h"
#include "test.h"

#define PRIVET "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"

static void	test_parse(void);
static void	test_format(void);
static void	test_from_imap(void);
static void	test_agree(void);

/* A list written as its entries formatted and joined with " | ". */
static const struct {
	const char	*value;
	const char	*want;
} cases[] = {
	{ "alice@example.org", "alice@example.org" },
	{ "Alice <alice@example.org>", "Alice <alice@example.org>" },
	{ "\"Doe, John\" <john@example.org>", "\"Doe, John\" <john@example.org>" },
	{ "a@x, b@y,c@z", "a@x | b@y | c@z" },
	{ "<bare@angle.org>", "bare@angle.org" },
	{ "Alice Smith <alice@example.org>, \"Bob\" <bob@example.org>",
	    "Alice Smith <alice@example.org> | Bob <bob@example.org>" },
	/* Comments: ignored, or the name when there is no other. */
	{ "alice@example.org (Alice Liddell)",
	    "Alice Liddell <alice@example.org>" },
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "Pete <pete@silly.test>" },
	{ "John (middle) Doe <jdoe@one.test>", "John Doe <jdoe@one.test>" },
	{ "(Alice) <alice@example.org>", "Alice <alice@example.org>" },
	/* Groups. */
	{ "undisclosed-recipients:;", "undisclosed-recipients: | ;" },
	{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    "A Group: | Ed Jones <c@a.test> | joe@where.test | "
	    "John <jdoe@one.test> | ;" },
	{ "team: a@x, b@y; c@z", "team: | a@x | b@y | ; | c@z" },
	{ "team: a@x", "team: | a@x | ;" },
	/* Encoded and 8-bit display names. */
	{ "=?koi8-r?B?8NLJ18XU?= <ivan@example.ru>", PRIVET " <ivan@example.ru>" },
	{ "\"=?utf-8?q?caf=C3=A9?=\" <c@x>", "caf\xc3\xa9 <c@x>" },
	{ "=?utf-8?q?Doe=2C_John?= <j@x>", "\"Doe, John\" <j@x>" },
	{ "=?utf-8?q?a?= =?utf-8?q?b?= <ab@x>", "ab <ab@x>" },
	{ "Ren\xc3\xa9 <rene@x>", "Ren\xc3\xa9 <rene@x>" },
	{ "Ren\xe9 <rene@x>", "Ren\xc3\xa9 <rene@x>" },
	{ "J. Q. Public <jqp@x>", "\"J. Q. Public\" <jqp@x>" },
	/* Obsolete routes and local parts. */
	{ "<@a.test,@b.test:user@host.test>", "user@host.test" },
	{ "Joe <@relay:joe@host>", "Joe <joe@host>" },
	{ "<@x,<@y, c@z", "@x | @y | c@z" },
	{ "john . doe @ example . org", "john.doe@example.org" },
	{ "\"john doe\"@example.org", "\"john doe\"@example.org" },
	{ "\"john\"@example.org", "john@example.org" },
	{ "user@[192.0.2.1]", "user@[192.0.2.1]" },
	/* Missing angle brackets, bare local parts, junk. */
	{ "John Doe john@example.org", "John Doe <john@example.org>" },
	{ "root", "root" },
	{ "root, postmaster", "root | postmaster" },
	{ "Just A Name", "Just A Name" },
	{ "Alice <alice@example.org", "Alice <alice@example.org>" },
	{ "Alice <alice@example.org>, ", "Alice <alice@example.org>" },
	{ ",,a@x,,", "a@x" },
	{ "<>", "" },
	{ "@@@", "@@@" },
	{ "", "" },
	{ "   ", "" },
	{ "(only a comment)", "" },
};

static void
format_all(struct buf *b, const struct mime_addr *a, size_t n)
{
	size_t	 i;

	buf_reset(b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(b, " | ");
		mime_addr_format(b, &a[i]);
	}
}

static void
test_parse(void)
{
	struct arena		*ar = arena_new(0);
	struct mime_addr	*a;
	struct buf		 b = BUF_INIT;
	size_t			 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_INTEQ(mime_addr_parse(cases[i].value, ar, &a, &n), 0,
		    "addr %zu: return", i);
		format_all(&b, a, n);
		TEST_STREQ(buf_cstr(&b), cases[i].want, "addr %zu: %s", i,
		    cases[i].value);
	}

	mime_addr_parse("Alice <alice@example.org>", ar, &a, &n);
	TEST_INTEQ(n, 1, "one entry");
	TEST_STREQ(a[0].name, "Alice", "name field");
	TEST_STREQ(a[0].mailbox, "alice@example.org", "mailbox field");
	TEST_CHECK(a[0].group == NULL, "no group");

	mime_addr_parse("undisclosed-recipients:;", ar, &a, &n);
	TEST_INTEQ(n, 2, "group: start and end");
	TEST_STREQ(a[0].group, "undisclosed-recipients", "group name");
	TEST_CHECK(a[0].mailbox == NULL && a[0].name == NULL, "group start");
	TEST_CHECK(a[1].mailbox == NULL && a[1].name == NULL &&
	    a[1].group == NULL, "group end");

	mime_addr_parse("@@@ garbage <<", ar, &a, &n);
	TEST_CHECK(n >= 1, "garbage gives an entry");

	mime_addr_parse("Just A Name", ar, &a, &n);
	TEST_CHECK(n == 1 && a[0].mailbox == NULL, "name-only entry");
	TEST_STREQ(a[0].name, "Just A Name", "name-only raw text");

	TEST_INTEQ(mime_addr_parse(NULL, ar, &a, &n), 0, "NULL value");
	TEST_INTEQ(n, 0, "NULL value: none");
	buf_free(&b);
	arena_free(&ar);
}

static void
test_format(void)
{
	struct buf		 b = BUF_INIT;
	struct mime_addr	 a = { "a \"b\" c", "x@y", NULL };

	mime_addr_format(&b, &a);
	TEST_STREQ(buf_cstr(&b), "\"a \\\"b\\\" c\" <x@y>", "quotes escaped");
	buf_free(&b);
}

static void
test_from_imap(void)
{
	struct imap_address	 in[] = {
		{ "=?utf-8?q?caf=C3=A9?=", NULL, "c", "x.test" },
		{ NULL, NULL, "team", NULL },
		{ NULL, "@relay", "joe", "host" },
		{ "", NULL, "nodomain", ".MISSING-HOST-NAME." },
		{ NULL, NULL, NULL, NULL },
	};
	struct imap_address_list list = { in, 5 };
	struct arena		*ar = arena_new(0);
	struct mime_addr	*a;
	struct buf		 b = BUF_INIT;
	size_t			 n;

	TEST_INTEQ(mime_addr_from_imap(&list, ar, &a, &n), 0, "from imap");
	TEST_INTEQ(n, 5, "from imap: count");
	format_all(&b, a, n);
	TEST_STREQ(buf_cstr(&b), "caf\xc3\xa9 <c@x.test> | team: | joe@host | "
	    "nodomain | ;", "from imap: entries");
	TEST_CHECK(a[3].name == NULL, "empty name is NULL");
	mime_addr_from_imap(NULL, ar, &a, &n);
	TEST_INTEQ(n, 0, "NULL list");
	buf_free(&b);
	arena_free(&ar);
}

/* The same header parsed locally and as an ENVELOPE looks the same. */
static void
test_agree(void)
{
	struct imap_address	 in[] = {
		{ "=?koi8-r?B?8NLJ18XU?=", NULL, "ivan", "example.ru" },
		{ "Doe, John", NULL, "john", "example.org" },
	};
	struct imap_address_list list = { in, 2 };
	struct arena		*ar = arena_new(0);
	struct mime_addr	*a, *e;
	struct buf		 b1 = BUF_INIT, b2 = BUF_INIT;
	size_t			 n, m;

	mime_addr_parse("=?koi8-r?B?8NLJ18XU?= <ivan@example.ru>, "
	    "\"Doe, John\" <john@example.org>", ar, &a, &n);
	mime_addr_from_imap(&list, ar, &e, &m);
	format_all(&b1, a, n);
	format_all(&b2, e, m);
	TEST_STREQ(buf_cstr(&b1), buf_cstr(&b2), "local and ENVELOPE agree");
	buf_free(&b1);
	buf_free(&b2);
	arena_free(&ar);
}

int
main(void)
{
	test_parse();
	test_format();
	test_from_imap();
	test_agree();
	return test_done();
}
