/*
 * Mailcap parsing and lookup, and the safety of built commands: hostile
 * file names and parameters are run through /bin/sh for real, and must
 * come out as data with nothing executed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/mailcap.h"
#include "test.h"

static const char sample[] =
    "# comment line\n"
    "text/html; lynx -dump -force_html %s; copiousoutput; nametemplate=%s.html\n"
    "text/html; firefox '%s'; test=test -n \"$DISPLAY\"; needsterminal\n"
    "image/*; display %s; test=false\n"
    "image/*; viewer %s; description=Any image\n"
    "application/pdf; pdftotext %s -; \\\n"
    "   copiousoutput\n"
    "text; less; needsterminal\n"
    "application/x-semi; echo a\\;b %s\n"
    "broken-line-without-command\n"
    "Audio/Basic; play %s; test=test %{rate} = 8000\n";

static const char *const hostile[] = {
	"$(touch pwned)", "`touch pwned`", "a'b", "; touch pwned", ";rm -rf pwned",
	"x\ntouch pwned", "\"; touch pwned; \"", "' ; touch pwned ; '",
	"$HOME", "\\", "'\"'\"", "%s", "-rf", "",
};

static char *
slurp(const char *path)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[4096];
	size_t		 n;
	FILE		*f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_steal(&b);
}

static void
check_parse_lookup(void)
{
	struct mailcap			 mc = { 0 };
	const struct mailcap_entry	*e = NULL;
	struct mime_param		 rate = { "rate", "8000" }, bad = { "rate", "1" };

	mailcap_parse(&mc, sample, sizeof sample - 1);
	TEST_INTEQ(mc.count, 8, "entries parsed (comment and broken line skipped)");
	TEST_STREQ(mc.entries[0].type, "text/html", "type");
	TEST_STREQ(mc.entries[0].command, "lynx -dump -force_html %s", "command");
	TEST_CHECK(mc.entries[0].copiousoutput, "copiousoutput");
	TEST_STREQ(mc.entries[0].nametemplate, "%s.html", "nametemplate");
	TEST_CHECK(mc.entries[1].needsterminal, "needsterminal");
	TEST_STREQ(mc.entries[1].test, "test -n \"$DISPLAY\"", "test=");
	TEST_CHECK(mc.entries[4].copiousoutput, "flag on a continuation line");
	TEST_STREQ(mc.entries[6].command, "echo a;b %s", "escaped semicolon");
	TEST_STREQ(mc.entries[7].type, "audio/basic", "type lower-cased");

	TEST_INTEQ(mailcap_lookup(&mc, "TEXT/HTML", true, NULL, 0, &e), 0,
	    "html for the pager");
	TEST_CHECK(e == &mc.entries[0], "the copiousoutput entry");
	TEST_INTEQ(mailcap_lookup(&mc, "image/png", false, NULL, 0, &e), 0,
	    "wildcard");
	TEST_CHECK(e == &mc.entries[3], "failing test= skipped");
	TEST_INTEQ(mailcap_lookup(&mc, "image/png", true, NULL, 0, &e), -1,
	    "no copiousoutput image viewer");
	TEST_INTEQ(mailcap_lookup(&mc, "text/x-diff", false, NULL, 0, &e), 0,
	    "bare type matches any subtype");
	TEST_CHECK(e == &mc.entries[5] && !mailcap_wants_file(e),
	    "\"less\" reads standard input");
	TEST_CHECK(mailcap_wants_file(&mc.entries[0]), "%%s means a file");
	TEST_INTEQ(mailcap_lookup(&mc, "audio/basic", false, &rate, 1, &e), 0,
	    "test= with a parameter");
	TEST_INTEQ(mailcap_lookup(&mc, "audio/basic", false, &bad, 1, &e), -1,
	    "test= with a parameter fails");
	TEST_INTEQ(mailcap_lookup(&mc, "video/mp4", false, NULL, 0, &e), -1,
	    "unknown type");
	mailcap_free(&mc);
}

static void
check_hostile(const char *dir)
{
	struct mailcap_entry	 e = { 0 };
	struct mime_param	 p;
	struct buf		 want = BUF_INIT;
	char			*cmd, *got, *pwned, *out;
	size_t			 i, k;
	int			 rc;

	e.type = "application/x-test";
	e.command = "printf '[%%s]' %s '%s' \"%s\" %{name} '%{name}' \"%{name}\" "
	    "%t > out.txt";
	pwned = xasprintf("%s/pwned", dir);
	out = xasprintf("%s/out.txt", dir);
	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		p.name = "name";
		p.value = hostile[i];
		cmd = mailcap_command(&e, hostile[i], "text/x-a'b", &p, 1);
		unlink(out);
		rc = mailcap_run_quiet(cmd);
		TEST_INTEQ(rc, 0, "command ran for %s", hostile[i]);
		buf_reset(&want);
		for (k = 0; k < 6; k++)
			buf_printf(&want, "[%s]", hostile[i]);
		buf_adds(&want, "[text/x-a'b]");
		got = slurp(out);
		TEST_STREQ(got, buf_cstr(&want), "value stays data: %s", hostile[i]);
		TEST_CHECK(access(pwned, F_OK) == -1, "nothing executed: %s",
		    hostile[i]);
		free(got);
		free(cmd);
	}
	unlink(out);
	free(pwned);
	free(out);
	buf_free(&want);
}

static void
check_tempfile(const char *dir)
{
	struct mailcap_entry	 e = { 0 };
	struct stat		 st;
	char			*path = NULL, *err = NULL;
	int			 fd;

	setenv("TMPDIR", dir, 1);
	e.nametemplate = "%s.html";
	fd = mailcap_tempfile(&e, "../../etc/$(touch pwned) x.pdf", &path, &err);
	TEST_CHECK(fd >= 0, "temp file created");
	if (fd < 0)
		return;
	TEST_CHECK(strncmp(path, dir, strlen(dir)) == 0 &&
	    strchr(path + strlen(dir) + 1, '/') == NULL, "inside $TMPDIR: %s", path);
	TEST_CHECK(strchr(path, '$') == NULL && strchr(path, ' ') == NULL &&
	    strchr(path, '(') == NULL, "hostile name characters dropped: %s", path);
	TEST_CHECK(strlen(path) > 5 && strcmp(path + strlen(path) - 5, ".html") == 0,
	    "nametemplate suffix kept: %s", path);
	TEST_CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	close(fd);
	unlink(path);
	free(path);
	fd = mailcap_tempfile(NULL, NULL, &path, &err);
	TEST_CHECK(fd >= 0, "temp file without a template or name");
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(path);
	setenv("TMPDIR", "/nonexistent/dir", 1);
	path = NULL;
	TEST_INTEQ(mailcap_tempfile(NULL, NULL, &path, &err), -1, "bad TMPDIR fails");
	TEST_CHECK(err != NULL && strstr(err, "TMPDIR") != NULL, "error names TMPDIR");
	free(err);
}

static int
count_files(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

static void
check_filter(const char *dir)
{
	struct mailcap_entry	 file = { 0 }, in = { 0 }, bad = { 0 };
	struct mime_param	 p = { "charset", "$(touch pwned)" };
	struct buf		 out = BUF_INIT;
	char			*err = NULL, *pwned = xasprintf("%s/pwned", dir);
	int			 before;

	setenv("TMPDIR", dir, 1);
	before = count_files(dir);
	file.command = "tr a-z A-Z < %s; printf ' %{charset}'";
	file.nametemplate = "%s.txt";
	TEST_INTEQ(mailcap_filter(&file, "text/x-a", &p, 1, "hello", 5,
	    "$(touch pwned).txt", &out, &err), 0, "filter through a file");
	TEST_STREQ(buf_cstr(&out), "HELLO $(touch pwned)", "filter output");
	TEST_INTEQ(count_files(dir), before, "temporary file removed");
	TEST_CHECK(access(pwned, F_OK) == -1, "nothing executed");
	buf_reset(&out);
	in.command = "tr a-z A-Z";
	TEST_INTEQ(mailcap_filter(&in, "text/x-a", NULL, 0, "stdin", 5, NULL,
	    &out, &err), 0, "filter through standard input");
	TEST_STREQ(buf_cstr(&out), "STDIN", "stdin filter output");
	TEST_INTEQ(count_files(dir), before, "temporary file removed (stdin)");
	bad.command = "exit 3";
	TEST_INTEQ(mailcap_filter(&bad, "text/x-a", NULL, 0, "x", 1, NULL, &out,
	    &err), -1, "failing filter");
	TEST_CHECK(err != NULL && strstr(err, "exit 3") != NULL,
	    "error names the entry: %s", err ? err : "");
	TEST_INTEQ(count_files(dir), before, "temporary file removed (failure)");
	free(err);
	free(pwned);
	buf_free(&out);
}

static void
check_load(const char *dir)
{
	struct mailcap	 mc = { 0 };
	char		*path = xasprintf("%s/mc", dir), *list, *err = NULL;
	FILE		*f = fopen(path, "w");

	if (f != NULL) {
		fputs("text/plain; cat %s; copiousoutput\n", f);
		fclose(f);
	}
	list = xasprintf("%s/missing:%s", dir, path);
	TEST_INTEQ(mailcap_load(&mc, list, &err), 0, "load skips missing files");
	TEST_INTEQ(mc.count, 1, "entries loaded");
	mailcap_free(&mc);
	setenv("MAILCAPS", path, 1);
	TEST_INTEQ(mailcap_load(&mc, NULL, &err), 0, "$MAILCAPS");
	TEST_INTEQ(mc.count, 1, "entries from $MAILCAPS");
	mailcap_free(&mc);
	unlink(path);
	free(path);
	free(list);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/test-mailcap.XXXXXX";
	char	*dir = mkdtemp(tmpl);
	char	 cwd[4096];

	TEST_CHECK(dir != NULL, "mkdtemp");
	if (dir == NULL)
		return test_done();
	if (getcwd(cwd, sizeof cwd) == NULL || chdir(dir) != 0)
		return 1;
	check_parse_lookup();
	check_hostile(dir);
	check_tempfile(dir);
	check_filter(dir);
	check_load(dir);
	if (chdir(cwd) != 0)
		return 1;
	rmdir(dir);
	return test_done();
}
