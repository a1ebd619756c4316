/* Options, the rc language, accounts, dumps and imap_url parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crispin/config.h"
#include "crispin/xalloc.h"
#include "test.h"

static char tmpdir[] = "/tmp/crispin-test-config-XXXXXX";

/* Loads text into cfg; returns the error text (static buffer). */
static const char *
load(struct config *cfg, const char *text, int *bad)
{
	static struct buf	errors = BUF_INIT;

	buf_reset(&errors);
	*bad = config_load_string(cfg, "rc", text, &errors);
	return buf_cstr(&errors);
}

static char *
write_file(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	FILE	*fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_rc(void)
{
	struct config	*cfg = config_new();
	struct buf	 errors = BUF_INIT;
	int		 bad;

	TEST_CHECK(!config_bool(cfg, "allow_plaintext"), "allow_plaintext defaults to no");
	TEST_CHECK(config_bool(cfg, "tls"), "tls defaults to yes");
	TEST_INTEQ(config_num(cfg, "connect_timeout"), 30, "connect_timeout default");
	bad = config_load_string(cfg, "rc",
	    "# a comment\n"
	    "set imap_url = \"imaps://me@example.org/\"  # trailing comment\n"
	    "set imap_pass='p#ss \"word\"'\n"
	    "set imap_pass_cmd = \"echo \\\"x\\\"\"\n"
	    "set allow_plaintext\n"
	    "set notls connect_timeout=5\n"
	    "set tls_ca_file = \\\n"
	    "    ~/ca.pem\n"
	    "\n", &errors);
	TEST_INTEQ(bad, 0, "a good file has no errors: %s", buf_cstr(&errors));
	TEST_STREQ(config_str(cfg, "imap_url"), "imaps://me@example.org/", "double quotes");
	TEST_STREQ(config_str(cfg, "imap_pass"), "p#ss \"word\"", "single quotes keep # and \"");
	TEST_STREQ(config_str(cfg, "imap_pass_cmd"), "echo \"x\"", "escapes in double quotes");
	TEST_CHECK(config_bool(cfg, "allow_plaintext"), "bare set turns a boolean on");
	TEST_CHECK(!config_bool(cfg, "tls"), "set noNAME turns it off");
	TEST_INTEQ(config_num(cfg, "connect_timeout"), 5, "several assignments on one line");
	TEST_CHECK(config_str(cfg, "tls_ca_file") != NULL &&
	    strstr(config_str(cfg, "tls_ca_file"), "/ca.pem") != NULL &&
	    config_str(cfg, "tls_ca_file")[0] != '~', "continuation line and ~ expansion");

	buf_reset(&errors);
	bad = config_load_string(cfg, "my.rc",
	    "set imap_ulr = x\n"
	    "set connect_timeout = soon\n"
	    "bogus command\n"
	    "set imap_url = \"unterminated\n"
	    "set allow_plaintext = maybe\n"
	    "set imap_user = alice\n", &errors);
	TEST_INTEQ(bad, 5, "each bad line counted");
	TEST_CHECK(strstr(buf_cstr(&errors), "my.rc:1: unknown option 'imap_ulr' (did you mean 'imap_url'?)") != NULL,
	    "unknown option with a suggestion: %s", buf_cstr(&errors));
	TEST_CHECK(strstr(buf_cstr(&errors), "my.rc:2: connect_timeout: 'soon' is not a number") != NULL, "type check");
	TEST_CHECK(strstr(buf_cstr(&errors), "my.rc:3: unknown command 'bogus'") != NULL, "unknown command");
	TEST_CHECK(strstr(buf_cstr(&errors), "my.rc:4: missing closing \"") != NULL, "unterminated quote");
	TEST_CHECK(strstr(buf_cstr(&errors), "my.rc:5:") != NULL, "bad boolean");
	TEST_STREQ(config_str(cfg, "imap_user"), "alice", "the rest of the file still applies");
	TEST_INTEQ(config_num(cfg, "connect_timeout"), 5, "a bad value leaves the old one");
	buf_free(&errors);
	config_free(&cfg);

	cfg = config_new();
	TEST_INTEQ(config_load_file(cfg, "/nonexistent/rc", &errors), -1, "missing file");
	TEST_CHECK(strstr(buf_cstr(&errors), "/nonexistent/rc: No such file") != NULL, "names the file");
	buf_free(&errors);
	config_free(&cfg);
}

static void
test_url(void)
{
	struct imap_account	 a;
	char			*err = NULL;
	static const char *const bad[] = {
		"http://x/", "imaps://", "imaps://host:0/", "imaps://host:99999/",
		"imaps://host:12x/", "imaps://[::1/", "imaps://u%zz@host/", "imaps://host/INBOX",
	};
	size_t			 i;

	TEST_CHECK(imap_url_parse("imaps://alice@example.org/", &a, &err) == 0, "imaps");
	TEST_STREQ(a.host, "example.org", "host");
	TEST_STREQ(a.port, "993", "default implicit TLS port");
	TEST_STREQ(a.user, "alice", "user");
	TEST_CHECK(a.implicit_tls && !a.starttls, "implicit TLS");
	imap_account_free(&a);

	TEST_CHECK(imap_url_parse("imap://bob%40corp@[::1]:1143", &a, &err) == 0, "imap with IPv6");
	TEST_STREQ(a.host, "::1", "IPv6 host without brackets");
	TEST_STREQ(a.port, "1143", "explicit port");
	TEST_STREQ(a.user, "bob@corp", "percent-decoded user");
	TEST_CHECK(!a.implicit_tls && a.starttls, "imap:// means STARTTLS");
	imap_account_free(&a);

	TEST_CHECK(imap_url_parse("imap://a@b@host/", &a, &err) == 0, "user with a raw @");
	TEST_STREQ(a.user, "a@b", "last @ separates the host");
	imap_account_free(&a);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		TEST_CHECK(imap_url_parse(bad[i], &a, &err) == -1 && err != NULL, "reject %s", bad[i]);
		free(err);
	}
}

static void
test_lexer(void)
{
	struct config	*cfg = config_new();
	const char	*err;
	int		 bad;

	setenv("CRISPIN_T_USER", "alice", 1);
	unsetenv("CRISPIN_T_UNSET");
	err = load(cfg,
	    "set imap_user = $CRISPIN_T_USER realname = \"${CRISPIN_T_USER} X\"\n"
	    "set from = '$CRISPIN_T_USER'\n"
	    "set imap_pass_cmd = a$CRISPIN_T_UNSET.b\n", &bad);
	TEST_INTEQ(bad, 0, "variables: %s", err);
	TEST_STREQ(config_str(cfg, "imap_user"), "alice", "$VAR bare");
	TEST_STREQ(config_str(cfg, "realname"), "alice X", "${VAR} in double quotes");
	TEST_STREQ(config_str(cfg, "from"), "$CRISPIN_T_USER", "no expansion in single quotes");
	TEST_STREQ(config_str(cfg, "imap_pass_cmd"), "a.b", "unset variable is empty");

	err = load(cfg,
	    "set imap_pass = `printf 'se cret\\n'`\n"
	    "set realname = \"x `echo y` z\"\n"
	    "set from = '`echo no`'\n", &bad);
	TEST_INTEQ(bad, 0, "backticks: %s", err);
	TEST_STREQ(config_str(cfg, "imap_pass"), "se cret", "backtick output, newline removed");
	TEST_STREQ(config_str(cfg, "realname"), "x y z", "backticks in double quotes");
	TEST_STREQ(config_str(cfg, "from"), "`echo no`", "no command in single quotes");

	err = load(cfg,
	    "#deface comment that looks like a colour\n"
	    "\n"
	    "set imap_user = `exit 3`\n"
	    "set realname = `echo unterminated\n", &bad);
	TEST_INTEQ(bad, 2, "failing backticks are errors");
	TEST_CHECK(strstr(err, "rc:3: command `exit 3` failed (exit status 3)") != NULL,
	    "backtick failure with FILE:LINE: %s", err);
	TEST_CHECK(strstr(err, "rc:4: missing closing `") != NULL, "unclosed backtick: %s", err);
	TEST_STREQ(config_str(cfg, "imap_user"), "alice", "a failed command changes nothing");

	err = load(cfg,
	    "set realname = \"a\\tb\\\\c\\\"d\" ; set from = p#q  # comment\n"
	    "set \\\n"
	    "  imap_user \\\n"
	    "  = bob\n"
	    "set imap_pass_cmd = x\\\\\n"
	    "set tls_fingerprint = \\Cx\\e\\101\n", &bad);
	TEST_INTEQ(bad, 0, "escapes and continuations: %s", err);
	TEST_STREQ(config_str(cfg, "realname"), "a\tb\\c\"d", "escapes in double quotes");
	TEST_STREQ(config_str(cfg, "from"), "p#q", "';' separates commands, '#' inside a word");
	TEST_STREQ(config_str(cfg, "imap_user"), "bob", "several continuation lines");
	TEST_STREQ(config_str(cfg, "imap_pass_cmd"), "x\\", "an escaped backslash does not continue");
	TEST_STREQ(config_str(cfg, "tls_fingerprint"), "\030\033A", "\\Cx, \\e and octal");

	err = load(cfg,
	    "set realname = ok\n"
	    "set \\\n"
	    "   bogus = 1\n"
	    "set from = ${CRISPIN_T_USER\n"
	    "sett from = x\n", &bad);
	TEST_INTEQ(bad, 3, "errors counted");
	TEST_CHECK(strstr(err, "rc:2: unknown option 'bogus'") != NULL,
	    "a continued line is reported at its first line: %s", err);
	TEST_CHECK(strstr(err, "rc:4: missing '}'") != NULL, "unclosed ${: %s", err);
	TEST_CHECK(strstr(err, "rc:5: unknown command 'sett' (did you mean 'set'?)") != NULL,
	    "command suggestion: %s", err);
	config_free(&cfg);
}

static void
test_types(void)
{
	struct config	*cfg = config_new();
	const char	*err;
	char		*e = NULL;
	int		 bad;

	TEST_STREQ(config_str(cfg, "sort"), "date", "sort default");
	TEST_INTEQ(config_quad(cfg, "confirm_expunge"), CONFIG_QUAD_ASK_YES, "quad default");
	err = load(cfg, "set sort = reverse-threads sort_aux=subject\n"
	    "set confirm_expunge = ask-no quit = no\n"
	    "set sidebar_width = 42 index_format = '%4C %s'\n", &bad);
	TEST_INTEQ(bad, 0, "good values: %s", err);
	TEST_STREQ(config_str(cfg, "sort"), "reverse-threads", "enum with reverse-");
	TEST_STREQ(config_str(cfg, "sort_aux"), "subject", "enum");
	TEST_INTEQ(config_quad(cfg, "confirm_expunge"), CONFIG_QUAD_ASK_NO, "quad ask-no");
	TEST_INTEQ(config_quad(cfg, "quit"), CONFIG_QUAD_NO, "quad no");
	TEST_INTEQ(config_num(cfg, "sidebar_width"), 42, "number");
	TEST_STREQ(config_str(cfg, "index_format"), "%4C %s", "format string");

	err = load(cfg, "set sort = thread\n"
	    "set confirm_expunge = maybe\n"
	    "set sidebar_width = 1000\n"
	    "set sort = reverse-sise\n"
	    "unset sort\n"
	    "set index_format\n"
	    "toggle sort\n", &bad);
	TEST_INTEQ(bad, 7, "bad values");
	TEST_CHECK(strstr(err, "rc:1: sort: 'thread' is not one of date, date-sent, date-received, "
	    "from, subject, size, threads, unsorted, score (did you mean 'threads'?)") != NULL,
	    "enum error lists the values: %s", err);
	TEST_CHECK(strstr(err, "rc:2: confirm_expunge: 'maybe' is not yes, no, ask-yes or ask-no") != NULL,
	    "quad error: %s", err);
	TEST_CHECK(strstr(err, "rc:3: sidebar_width: 1000 is out of range (5 to 200)") != NULL,
	    "range error: %s", err);
	TEST_CHECK(strstr(err, "rc:4: sort: 'reverse-sise' is not one of") != NULL &&
	    strstr(err, "did you mean 'reverse-size'?") != NULL, "reverse- suggestion: %s", err);
	TEST_CHECK(strstr(err, "rc:5: sort cannot be unset") != NULL, "unset enum: %s", err);
	TEST_CHECK(strstr(err, "rc:6: set: index_format needs a value") != NULL, "bare string: %s", err);
	TEST_CHECK(strstr(err, "rc:7: sort is not a yes/no option") != NULL, "toggle enum: %s", err);
	TEST_STREQ(config_str(cfg, "sort"), "reverse-threads", "bad values leave the old one");

	err = load(cfg, "toggle beep_new confirm_expunge\n"
	    "set invweed noedit_headers quit\n"
	    "reset sort sidebar_width\n", &bad);
	TEST_INTEQ(bad, 0, "toggle/reset: %s", err);
	TEST_CHECK(config_bool(cfg, "beep_new"), "toggle a boolean");
	TEST_INTEQ(config_quad(cfg, "confirm_expunge"), CONFIG_QUAD_ASK_YES, "toggle a quad");
	TEST_CHECK(!config_bool(cfg, "weed"), "set invNAME");
	TEST_INTEQ(config_quad(cfg, "quit"), CONFIG_QUAD_YES, "set QUAD");
	TEST_STREQ(config_str(cfg, "sort"), "date", "reset");
	TEST_INTEQ(config_num(cfg, "sidebar_width"), 30, "reset a number");
	err = load(cfg, "reset all\n", &bad);
	TEST_CHECK(!config_bool(cfg, "beep_new") && config_bool(cfg, "weed") &&
	    strcmp(config_str(cfg, "sort_aux"), "date") == 0, "reset all");
	TEST_CHECK(config_str(cfg, "signature") != NULL && config_str(cfg, "signature")[0] != '~',
	    "a path default is expanded");

	TEST_INTEQ(config_toggle(cfg, "tls", &e), 0, "config_toggle");
	TEST_CHECK(!config_bool(cfg, "tls"), "config_toggle flips");
	TEST_INTEQ(config_reset(cfg, "tls", &e), 0, "config_reset");
	TEST_CHECK(config_bool(cfg, "tls"), "config_reset restores");
	TEST_INTEQ(config_set(cfg, "sort_aux", "bogus", &e), -1, "config_set checks enums");
	free(e);
	{
		struct buf	 q = BUF_INIT;
		const char	*help = NULL;

		config_set(cfg, "imap_pass", "pw", &e);
		config_set(cfg, "realname", "A B", &e);
		config_query(cfg, "realname", &q, &e);
		buf_adds(&q, ";");
		config_query(cfg, "imap_pass", &q, &e);
		buf_adds(&q, ";");
		config_query(cfg, "from", &q, &e);
		TEST_STREQ(buf_cstr(&q), "realname=\"A B\";imap_pass=***;from=(unset)", "config_query");
		TEST_INTEQ(config_query(cfg, "nope", &q, &e), -1, "query of an unknown option");
		free(e);
		TEST_STREQ(config_command_at(0, &help), "account", "commands for completion");
		TEST_CHECK(help != NULL && config_command_at(1000, NULL) == NULL, "command list ends");
		buf_free(&q);
	}
	config_free(&cfg);
}

static void
test_source(void)
{
	struct config	*cfg = config_new();
	struct buf	 errors = BUF_INIT;
	char		*a, *b, *c, *loop1, *rel, *rel2;
	int		 bad;

	a = xasprintf("%s/sub", tmpdir);
	TEST_CHECK(mkdir(a, 0700) == 0, "subdir");
	free(a);
	c = write_file("sub/c.rc", "set realname = from-c\nset bogus = 1\n");
	b = write_file("sub/b.rc", "set from = from-b\nsource c.rc\n");
	a = write_file("a.rc", "source sub/b.rc\nset imap_user = from-a\n");
	bad = config_load_file(cfg, a, &errors);
	TEST_INTEQ(bad, 1, "errors of sourced files count: %s", buf_cstr(&errors));
	TEST_STREQ(config_str(cfg, "from"), "from-b", "relative source");
	TEST_STREQ(config_str(cfg, "realname"), "from-c", "nested relative source");
	TEST_STREQ(config_str(cfg, "imap_user"), "from-a", "the file goes on after source");
	rel = xasprintf("%s:2: unknown option 'bogus'", c);
	TEST_CHECK(strstr(buf_cstr(&errors), rel) != NULL,
	    "errors name the sourced file: %s", buf_cstr(&errors));

	buf_reset(&errors);
	loop1 = write_file("loop1.rc", "source loop2.rc\nset realname = after\n");
	free(write_file("loop2.rc", "source loop1.rc\n"));
	bad = config_load_file(cfg, loop1, &errors);
	TEST_INTEQ(bad, 1, "a loop is one error");
	TEST_CHECK(strstr(buf_cstr(&errors), "loop2.rc:1: source loop: ") != NULL &&
	    strstr(buf_cstr(&errors), "loop1.rc -> ") != NULL &&
	    strstr(buf_cstr(&errors), "loop2.rc -> ") != NULL,
	    "loop error names the chain: %s", buf_cstr(&errors));
	TEST_STREQ(config_str(cfg, "realname"), "after", "loading goes on after a loop");

	buf_reset(&errors);
	bad = config_load_string(cfg, "rc", "source /nonexistent/x.rc\n", &errors);
	TEST_CHECK(bad == 1 && strstr(buf_cstr(&errors),
	    "rc:1: source: /nonexistent/x.rc: No such file") != NULL,
	    "missing sourced file: %s", buf_cstr(&errors));

	buf_reset(&errors);
	rel2 = write_file("system.rc", "set realname = system\n");
	setenv("CRISPIN_SYSTEM_RC", rel2, 1);
	free(rel2);
	TEST_INTEQ(config_load_system(cfg, &errors), 0, "system rc");
	TEST_STREQ(config_str(cfg, "realname"), "system", "CRISPIN_SYSTEM_RC is read");
	setenv("CRISPIN_SYSTEM_RC", "/nonexistent/system.rc", 1);
	TEST_INTEQ(config_load_system(cfg, &errors), 0, "a missing system rc is fine");
	unsetenv("CRISPIN_SYSTEM_RC");
	free(a);
	free(b);
	free(c);
	free(rel);
	free(loop1);
	buf_free(&errors);
	config_free(&cfg);
}

static void
test_accounts(void)
{
	struct config		*cfg = config_new();
	struct imap_account	 acct;
	const char		*err;
	char			*e = NULL;
	size_t			 n;
	int			 bad;

	TEST_CHECK(config_account_name(cfg) == NULL, "no accounts");
	err = load(cfg,
	    "set imap_user = global sort = size\n"
	    "account work\n"
	    "  set imap_url = imaps://w@work.example/ imap_pass = wpw\n"
	    "  set sort = threads\n"
	    "end\n"
	    "account home\n"
	    "  set imap_url = imap://h@home.example:1143/\n"
	    "  set notls\n"
	    "  mailboxes INBOX Home\n"
	    "end\n"
	    "mailboxes INBOX Lists\n"
	    "set from = me@example.org\n", &bad);
	TEST_INTEQ(bad, 0, "accounts: %s", err);
	TEST_INTEQ(config_account_count(cfg), 2, "two accounts");
	TEST_STREQ(config_account_at(cfg, 1), "home", "accounts in order");
	TEST_STREQ(config_account_name(cfg), "work", "the first account is the default");
	TEST_STREQ(config_str(cfg, "sort"), "threads", "account value");
	TEST_STREQ(config_str(cfg, "imap_user"), "global", "global fallback");
	TEST_STREQ(config_str(cfg, "from"), "me@example.org", "set after the block is global");
	TEST_CHECK(config_imap_account(cfg, &acct, &e) == 0 &&
	    strcmp(acct.host, "work.example") == 0, "imap account of work");
	imap_account_free(&acct);

	TEST_CHECK(config_mailboxes(cfg, &n) != NULL && n == 2 &&
	    strcmp(config_mailboxes(cfg, &n)[1], "Lists") == 0, "global mailboxes for work");
	TEST_INTEQ(config_select_account(cfg, "home", &e), 0, "select home");
	TEST_CHECK(config_mailboxes(cfg, &n) != NULL && n == 2 &&
	    strcmp(config_mailboxes(cfg, &n)[1], "Home") == 0, "home's own mailboxes");
	TEST_STREQ(config_str(cfg, "sort"), "size", "home has the global sort");
	TEST_CHECK(!config_bool(cfg, "tls"), "home's notls");
	TEST_CHECK(config_imap_account(cfg, &acct, &e) == 0 &&
	    strcmp(acct.host, "home.example") == 0 && strcmp(acct.port, "1143") == 0 &&
	    !acct.starttls, "imap account of home");
	imap_account_free(&acct);
	TEST_INTEQ(config_select_account(cfg, "play", &e), -1, "unknown account");
	TEST_STREQ(e, "no account 'play' in the rc file (accounts: work, home)", "lists accounts");
	free(e);

	err = load(cfg,
	    "account a\n"
	    "account b\n"
	    "end\n"
	    "end\n"
	    "account c\n"
	    "set realname = c\n", &bad);
	TEST_INTEQ(bad, 3, "block errors");
	TEST_CHECK(strstr(err, "rc:2: account 'b' inside account 'a' (missing 'end'?)") != NULL,
	    "nested: %s", err);
	TEST_CHECK(strstr(err, "rc:4: 'end' without 'account'") != NULL, "stray end: %s", err);
	TEST_CHECK(strstr(err, "rc:5: account 'c' has no 'end'") != NULL, "unclosed: %s", err);
	config_free(&cfg);
}

static void
test_lists(void)
{
	struct config			*cfg = config_new();
	const struct config_hook	*h;
	const char *const		*mb;
	const char			*err;
	size_t				 n;
	int				 bad;

	TEST_CHECK(config_header_ignored(cfg, "X-Mailer"), "default: other fields hidden");
	TEST_CHECK(!config_header_ignored(cfg, "Subject"), "default: Subject shown");
	err = load(cfg,
	    "mailboxes INBOX \"Sent Items\" Lists/dev INBOX\n"
	    "alias bob Bob <bob@example.org>, carol@example.org\n"
	    "unignore x-mailer: ; ignore Date\n"
	    "folder-hook Lists/ 'set sort=threads'\n"
	    "send-hook '~t @work' \"set from=me@work\"\n"
	    "alternative_order text/html text/plain\n"
	    "subscribe-only\n"
	    "folder-hook x 'bogus command'\n", &bad);
	TEST_INTEQ(bad, 1, "lists: %s", err);
	TEST_CHECK(strstr(err, "rc:8: folder-hook: 'bogus' is not an rc command") != NULL,
	    "hook command checked: %s", err);
	mb = config_mailboxes(cfg, &n);
	TEST_INTEQ(n, 3, "mailboxes without duplicates");
	TEST_STREQ(mb[1], "Sent Items", "mailbox names keep spaces");
	TEST_STREQ(config_alias(cfg, "bob"), "Bob <bob@example.org>, carol@example.org", "alias");
	TEST_CHECK(!config_header_ignored(cfg, "X-Mailer"), "unignore");
	TEST_CHECK(config_header_ignored(cfg, "Date"), "ignore");
	h = config_hooks(cfg, &n);
	TEST_INTEQ(n, 2, "two hooks");
	TEST_CHECK(h[0].type == CONFIG_HOOK_FOLDER && strcmp(h[0].pattern, "Lists/") == 0 &&
	    strcmp(h[0].command, "set sort=threads") == 0, "folder-hook stored");
	TEST_CHECK(h[1].type == CONFIG_HOOK_SEND && strcmp(h[1].command, "set from=me@work") == 0,
	    "send-hook stored");
	TEST_STREQ(config_str(cfg, "alternative_order"), "text/html text/plain", "alternative_order");
	TEST_CHECK(config_bool(cfg, "subscribe_only"), "subscribe-only");
	err = load(cfg, "unalternative_order text/html\nunmailboxes *\nunalias *\nunignore *\n", &bad);
	TEST_STREQ(config_str(cfg, "alternative_order"), "text/plain", "unalternative_order");
	TEST_CHECK(config_mailboxes(cfg, &n) != NULL || n == 0, "unmailboxes");
	TEST_INTEQ(n, 0, "unmailboxes *");
	TEST_CHECK(config_alias(cfg, "bob") == NULL, "unalias *");
	TEST_CHECK(!config_header_ignored(cfg, "X-Mailer"), "unignore * shows everything");
	config_free(&cfg);
}

static void
test_dump(void)
{
	struct config	*cfg = config_new(), *again;
	struct buf	 d1 = BUF_INIT, d2 = BUF_INIT, d3 = BUF_INIT, d4 = BUF_INIT;
	const char	*err;
	int		 bad;

	config_dump(cfg, false, &d1);
	TEST_CHECK(strstr(buf_cstr(&d1), "set ") == NULL && strstr(buf_cstr(&d1), "bind") == NULL,
	    "a default config dumps no settings: %s", buf_cstr(&d1));
	buf_reset(&d1);
	err = load(cfg,
	    "set imap_pass = 'hunter2' realname = \"A \\\"Q\\\" \\$ \\`x\\` \\\\ \\t\"\n"
	    "set sort = reverse-date nobeep_new invweed connect_timeout = 7\n"
	    "unset signature\n"
	    "set index_format = '%-20.20F # %s'\n"
	    "bind index,browser gg first-entry\n"
	    "bind pager \\Cx\\e noop\n"
	    "unbind index d\n"
	    "macro index <F5> '<change-folder>=INBOX<enter>' 'go to \"inbox\"'\n"
	    "macro pager ^ \"<top>\"\n"
	    "color index_subject bold brightred default '~N'\n"
	    "color header color33 #00ff00 ^Subject:\n"
	    "uncolor tree\n"
	    "mailboxes INBOX 'a b'\n"
	    "alias x 'X <x@y>'\n"
	    "unignore received\n"
	    "folder-hook . 'set sort=date'\n"
	    "account w\n"
	    "  set imap_url = imaps://w@w/ smtp_pass = s3cret\n"
	    "  unset from\n"
	    "  mailboxes INBOX Work\n"
	    "end\n", &bad);
	TEST_INTEQ(bad, 0, "dump input: %s", err);
	config_dump(cfg, false, &d1);
	TEST_CHECK(strstr(buf_cstr(&d1), "hunter2") == NULL && strstr(buf_cstr(&d1), "s3cret") == NULL,
	    "secrets masked: %s", buf_cstr(&d1));
	TEST_CHECK(strstr(buf_cstr(&d1), "set imap_pass = \"***\"\n") != NULL, "*** shown");
	TEST_CHECK(strstr(buf_cstr(&d1), "set sort = reverse-date\n") != NULL, "changed option");
	TEST_CHECK(strstr(buf_cstr(&d1), "set tls =") == NULL, "unchanged option left out");
	TEST_CHECK(strstr(buf_cstr(&d1), "unset signature\n") != NULL, "unset option");
	TEST_CHECK(strstr(buf_cstr(&d1), "unbind index d\n") != NULL, "unbind of a default");
	TEST_CHECK(strstr(buf_cstr(&d1), "bind index gg first-entry\n") != NULL, "bind");
	TEST_CHECK(strstr(buf_cstr(&d1), "account w\n\tunset from\n\tset imap_url = imaps://w@w/\n") != NULL,
	    "account block: %s", buf_cstr(&d1));

	again = config_new();
	buf_reset(&d4);
	bad = config_load_string(again, "dump", buf_cstr(&d1), &d4);
	TEST_INTEQ(bad, 0, "the dump loads back: %s", buf_cstr(&d4));
	config_dump(again, false, &d2);
	TEST_STREQ(buf_cstr(&d2), buf_cstr(&d1), "dump, load, dump is identical");
	TEST_STREQ(config_str(again, "realname"), "A \"Q\" $ `x` \\ \t", "quoting round trip");
	config_free(&again);

	config_dump(cfg, true, &d3);
	TEST_CHECK(strstr(buf_cstr(&d3), "set tls = yes\n") != NULL, "--defaults has every option");
	again = config_new();
	buf_reset(&d4);
	bad = config_load_string(again, "dump", buf_cstr(&d3), &d4);
	TEST_INTEQ(bad, 0, "the full dump loads back: %s", buf_cstr(&d4));
	buf_reset(&d2);
	config_dump(again, true, &d2);
	TEST_STREQ(buf_cstr(&d2), buf_cstr(&d3), "full dump round trip");
	config_free(&again);

	buf_free(&d1);
	buf_free(&d2);
	buf_free(&d3);
	buf_free(&d4);
	config_free(&cfg);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_rc();
	test_url();
	test_lexer();
	test_types();
	test_source();
	test_accounts();
	test_lists();
	test_dump();
	if (test_failed == 0) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
		free(cmd);
	}
	return test_done();
}
