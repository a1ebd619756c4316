/* Options, the rc reader and imap_url parsing. */
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "test.h"

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

int
main(void)
{
	test_rc();
	test_url();
	return test_done();
}
