/* Unit tests of the address book: aliases by prefix, query_command's
 * argv, the mutt query protocol, and entries formatted for a header. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/fdio.h"
#include "crispin/mail_addrbook.h"
#include "test.h"

static struct config *
load(const char *text)
{
	struct config	*cfg = config_new();
	struct buf	 errors = BUF_INIT;
	int		 bad = config_load_string(cfg, "rc", text, &errors);

	TEST_INTEQ(bad, 0, "rc loads: %s", buf_cstr(&errors));
	buf_free(&errors);
	return cfg;
}

static void
test_aliases(void)
{
	struct config		*cfg = load(
	    "alias bob Bob Smith <bob@example.org>\n"
	    "alias team 'alice@example.org, \"Doe, John\" <john@example.org>'\n"
	    "alias jo Jo Bloggs <jb@example.net>\n");
	struct mail_addr_list	 l;

	memset(&l, 0, sizeof l);
	mail_addrbook_aliases(cfg, "bo", &l);
	TEST_INTEQ(l.n, 1, "bo: one alias");
	if (l.n == 1) {
		TEST_STREQ(l.v[0].address, "bob@example.org", "address");
		TEST_STREQ(l.v[0].name, "Bob Smith", "name");
		TEST_STREQ(l.v[0].other, "bob", "the key in other");
	}
	mail_addr_list_free(&l);

	/* A key gives every address it stands for. */
	mail_addrbook_aliases(cfg, "TE", &l);
	TEST_INTEQ(l.n, 2, "team: both members, case ignored");
	if (l.n == 2) {
		TEST_STREQ(l.v[0].address, "alice@example.org", "first member");
		TEST_STREQ(l.v[1].name, "Doe, John", "second member's name");
	}
	mail_addr_list_free(&l);

	/* Any word of the name. */
	mail_addrbook_aliases(cfg, "smi", &l);
	TEST_INTEQ(l.n, 1, "smi: Bob Smith");
	mail_addr_list_free(&l);
	/* By name and by address too. */
	mail_addrbook_aliases(cfg, "jo", &l);
	TEST_INTEQ(l.n, 2, "jo: the key jo and John by address");
	mail_addr_list_free(&l);
	mail_addrbook_aliases(cfg, "", &l);
	TEST_INTEQ(l.n, 4, "empty prefix: every address");
	mail_addr_list_free(&l);
	mail_addrbook_aliases(cfg, "zz", &l);
	TEST_INTEQ(l.n, 0, "no match");
	mail_addr_list_free(&l);
	config_free(&cfg);
}

static void
check_argv(const char *command, const char *query, const char *const *want,
    const char *what)
{
	struct config	*cfg = config_new();
	char		*error = NULL, **v;
	size_t		 i;

	TEST_INTEQ(config_set(cfg, "query_command", command, &error), 0,
	    "%s: set", what);
	free(error);
	v = mail_addrbook_argv(cfg, query);
	TEST_CHECK(v != NULL, "%s: an argv", what);
	for (i = 0; v != NULL && want[i] != NULL; i++)
		TEST_STREQ(v[i], want[i], "%s: word %zu", what, i);
	if (v != NULL)
		TEST_CHECK(v[i] == NULL, "%s: %zu words", what, i);
	mail_addrbook_argv_free(v);
	config_free(&cfg);
}

static void
test_argv(void)
{
	static const char *const plain[] = { "lbdbq", "smith", NULL };
	static const char *const quoted[] = { "abook", "--mutt-query",
	    "it's $(rm -rf ~) `x` \"y\"", NULL };
	static const char *const appended[] = { "my query", "-x", "a b", NULL };
	static const char *const inword[] = { "q", "--name=a b*", "--two=a b*a b*",
	    NULL };
	static const char *const dq[] = { "q", "a \"b\" \\c", "x", NULL };
	static const char *const pct[] = { "printf", "%s|100%", "y", NULL };
	struct config	*cfg = config_new();

	check_argv("lbdbq %s", "smith", plain, "plain");
	/* The query is one word whatever it holds. */
	check_argv("abook --mutt-query '%s'", "it's $(rm -rf ~) `x` \"y\"",
	    quoted, "quoted %s");
	check_argv("'my query' -x", "a b", appended, "no %s: appended");
	check_argv("q --name=%s --two=%s%s", "a b*", inword, "%s inside a word");
	check_argv("q \"a \\\"b\\\" \\\\c\" %s", "x", dq, "double quotes");
	check_argv("printf %%s|100%% %s", "y", pct, "%% is a percent sign");
	TEST_CHECK(mail_addrbook_argv(cfg, "x") == NULL, "unset: NULL");
	config_free(&cfg);
}

static void
test_parse(void)
{
	static const char out[] =
	    "Searching the directory... 4 entries\n"
	    "bob@example.org\tBob Smith\tEngineering\n"
	    "carol@example.org\tCarol\r\n"
	    "no-at-sign\tNobody\n"
	    "\n"
	    "dave@example.org\n"
	    "evil@example.org\tEvil\x1b[2J\nBcc: x@y\tz\n"
	    "two@a, three@b\tTwo\n"
	    "last@example.org\tLast";
	struct mail_addr_list	 l;

	memset(&l, 0, sizeof l);
	mail_addrbook_parse(out, sizeof out - 1, &l);
	TEST_STREQ(l.status, "Searching the directory... 4 entries", "status line");
	TEST_INTEQ(l.n, 5, "entries with an address");
	if (l.n == 5) {
		TEST_STREQ(l.v[0].address, "bob@example.org", "address");
		TEST_STREQ(l.v[0].name, "Bob Smith", "name");
		TEST_STREQ(l.v[0].other, "Engineering", "other");
		TEST_STREQ(l.v[1].name, "Carol", "CR stripped");
		TEST_CHECK(l.v[1].other == NULL, "no other");
		TEST_STREQ(l.v[2].address, "dave@example.org", "address alone");
		TEST_CHECK(l.v[2].name == NULL, "no name");
		TEST_STREQ(l.v[3].name, "Evil [2J", "control characters go");
		TEST_STREQ(l.v[4].address, "last@example.org", "no final newline");
	}
	mail_addr_list_free(&l);
	/* Only a status line: no match, mutt's way. */
	mail_addrbook_parse("No matches\n", 11, &l);
	TEST_INTEQ(l.n, 0, "status alone");
	TEST_STREQ(l.status, "No matches", "its status");
	mail_addr_list_free(&l);
}

static void
test_format(void)
{
	char			 john[] = "john@example.org", doe[] = "Doe, John";
	char			 j[] = "j@example.org";
	char			 jm[] = "J\xc3\xbcrgen M\xc3\xbcller", x[] = "x@example.org";
	struct mail_addr_entry	 e = { john, doe, NULL };
	struct mail_addr_entry	 u = { j, jm, NULL };
	struct mail_addr_entry	 bare = { x, NULL, NULL };
	struct buf		 b = BUF_INIT;

	mail_addr_entry_format(&e, &b);
	TEST_STREQ(buf_cstr(&b), "\"Doe, John\" <john@example.org>", "specials quoted");
	buf_reset(&b);
	mail_addr_entry_format(&u, &b);
	TEST_STREQ(buf_cstr(&b), "J\xc3\xbcrgen M\xc3\xbcller <j@example.org>",
	    "UTF-8 name as typed");
	buf_reset(&b);
	mail_addr_entry_format(&bare, &b);
	TEST_STREQ(buf_cstr(&b), "x@example.org", "bare address");
	buf_free(&b);
}

/* A real command: the query arrives as one argument, untouched. */
static void
test_query(void)
{
	char			 dir[] = "/tmp/crispin-addrbook-XXXXXX", *cmd, *error = NULL;
	struct config		*cfg = config_new();
	struct mail_addr_list	 l;
	struct buf		 got = BUF_INIT;
	const char		*q = "x'; touch pwned; echo '$(id)";

	memset(&l, 0, sizeof l);
	TEST_CHECK(mkdtemp(dir) != NULL, "temp dir");
	cmd = NULL;
	{
		struct buf c = BUF_INIT;

		buf_printf(&c, "sh -c 'printf \"%%b\\n\" \"$1\" > \"$2\"/arg; "
		    "echo Found 1; echo \"who@example.org\tWho Ever\"' sh %%s %s", dir);
		cmd = buf_steal(&c);
	}
	TEST_INTEQ(config_set(cfg, "query_command", cmd, &error), 0, "set");
	TEST_INTEQ(mail_addrbook_query(cfg, q, &l, &error), 0, "query runs: %s",
	    error != NULL ? error : "");
	TEST_INTEQ(l.n, 1, "one entry");
	if (l.n == 1)
		TEST_STREQ(l.v[0].name, "Who Ever", "its name");
	TEST_STREQ(l.status, "Found 1", "status");
	mail_addr_list_free(&l);
	{
		char *path = NULL;

		path = NULL;
		buf_printf(&got, "%s/arg", dir);
		path = buf_steal(&got);
		TEST_INTEQ(file_read_all(path, &got, 0), 0, "argument written");
		TEST_STREQ(buf_cstr(&got), "x'; touch pwned; echo '$(id)\n",
		    "the query arrived as one literal argument");
		unlink(path);
		free(path);
		path = NULL;
		buf_reset(&got);
		buf_printf(&got, "%s/pwned", dir);
		TEST_CHECK(access(got.data, F_OK) != 0, "nothing ran from the query");
		buf_reset(&got);
		buf_printf(&got, "pwned");
		TEST_CHECK(access(got.data, F_OK) != 0, "nothing ran here either");
	}
	rmdir(dir);
	free(cmd);

	/* A command that cannot run, and one that fails. */
	free(error);
	error = NULL;
	config_set(cfg, "query_command", "/nonexistent/query %s", &error);
	TEST_INTEQ(mail_addrbook_query(cfg, "a", &l, &error), -1, "missing command");
	TEST_CHECK(error != NULL && strstr(error, "cannot run") != NULL,
	    "says so: %s", error != NULL ? error : "");
	free(error);
	error = NULL;
	config_set(cfg, "query_command", "sh -c 'echo broken >&2; exit 3'", &error);
	TEST_INTEQ(mail_addrbook_query(cfg, "a", &l, &error), -1, "failing command");
	TEST_CHECK(error != NULL && strstr(error, "broken") != NULL &&
	    strstr(error, "3") != NULL, "its words: %s", error != NULL ? error : "");
	free(error);
	error = NULL;
	mail_addr_list_free(&l);
	buf_free(&got);
	config_free(&cfg);
}

int
main(void)
{
	test_aliases();
	test_argv();
	test_parse();
	test_format();
	test_query();
	return test_done();
}
