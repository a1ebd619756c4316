/*
 * The SMTP reply parser, table-driven and fed whole and one byte at a
 * time; and the message helpers: header values, Bcc removal,
 * dot-stuffing, smtp_url.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/smtp_client.h"
#include "test.h"

struct reply_case {
	const char	*input;
	bool		 enhanced;
	const char	*want;		/* replies as "code|enh|line|line\n", or NULL: error */
	size_t		 max_lines;
};

static const struct reply_case cases[] = {
	{ "220 mail.example.org ESMTP ready\r\n", false,
	  "220|-|mail.example.org ESMTP ready\n", 0 },
	{ "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n",
	  false, "250|-|mail.example.org|PIPELINING|SIZE 1000|8BITMIME\n", 0 },
	{ "250 ok\n354 go\n", false, "250|-|ok\n354|-|go\n", 0 },
	{ "250\r\n", false, "250|-|\n", 0 },
	{ "550 5.1.1 <bob@example.org>: no such user\r\n", true,
	  "550|5.1.1|<bob@example.org>: no such user\n", 0 },
	{ "550 5.1.1 <bob@example.org>: no such user\r\n", false,
	  "550|-|5.1.1 <bob@example.org>: no such user\n", 0 },
	{ "250-2.0.0 first\r\n250 2.0.0 second\r\n", true, "250|2.0.0|first|second\n", 0 },
	/* A class that does not match the code is text, not a status. */
	{ "250 5.1.1 odd\r\n", true, "250|-|5.1.1 odd\n", 0 },
	{ "334 \r\n", true, "334|-|\n", 0 },
	{ "334 PDEyMzQ1Pg==\r\n", true, "334|-|PDEyMzQ1Pg==\n", 0 },
	{ "250-a\r\n251 b\r\n", false, NULL, 0 },
	{ "hello there\r\n", false, NULL, 0 },
	{ "25 short\r\n", false, NULL, 0 },
	{ "250x bad separator\r\n", false, NULL, 0 },
	{ "650 out of range\r\n", false, NULL, 0 },
	{ "250-1\r\n250-2\r\n250-3\r\n250 4\r\n", false, NULL, 3 },
	{ "250-1\r\n250-2\r\n250 3\r\n", false, "250|-|1|2|3\n", 3 },
};

struct collect {
	struct buf	out;
};

static bool
collect_cb(const struct smtp_reply *r, void *arg)
{
	struct collect	*c = arg;
	size_t		 i;

	buf_printf(&c->out, "%u|%s", r->code, r->enhanced != NULL ? r->enhanced : "-");
	for (i = 0; i < r->nlines; i++)
		buf_printf(&c->out, "|%s", r->lines[i]);
	buf_addc(&c->out, '\n');
	return true;
}

/* Feeds input in chunks of step bytes (0: whole); NULL on error. */
static char *
run(const struct reply_case *tc, size_t step)
{
	struct smtp_reply_limits	 lim = { 0, tc->max_lines };
	struct smtp_reply_parser	*p = smtp_reply_parser_new(&lim);
	struct collect			 c = { BUF_INIT };
	const char			*in = tc->input;
	size_t				 len = strlen(in), off = 0, n;
	char				*error = NULL;

	smtp_reply_parser_set_enhanced(p, tc->enhanced);
	while (off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		if (smtp_reply_parser_feed(p, in + off, n, collect_cb, &c, &error) < 0) {
			TEST_CHECK(error != NULL && error[0] != '\0', "error has a message");
			free(error);
			smtp_reply_parser_free(&p);
			buf_free(&c.out);
			return NULL;
		}
		off += n;
	}
	smtp_reply_parser_free(&p);
	return buf_steal(&c.out);
}

static bool
stop_cb(const struct smtp_reply *r, void *arg)
{
	int	*count = arg;

	(*count)++;
	return false;
}

static void
test_replies(void)
{
	size_t	i, step;
	char	*got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (step = 0; step <= 1; step++) {
			got = run(&cases[i], step);
			TEST_STREQ(got, cases[i].want, "case %zu (step %zu): %s", i, step,
			    cases[i].input);
			free(got);
		}
	}
}

static void
test_limits_and_stop(void)
{
	struct smtp_reply_limits	 lim = { 16, 0 };
	struct smtp_reply_parser	*p = smtp_reply_parser_new(&lim);
	struct collect			 c = { BUF_INIT };
	char				*error = NULL;
	int				 count = 0;

	TEST_INTEQ(smtp_reply_parser_feed(p, "250 0123456789abcdef\r\n", 22, collect_cb,
	    &c, &error), -1, "line over the limit is an error");
	free(error);
	error = NULL;
	smtp_reply_parser_reset(p);
	TEST_INTEQ(smtp_reply_parser_feed(p, "250 0123456789ab\r\n", 18, collect_cb,
	    &c, &error), 0, "line at the limit is fine");
	/* A long line without a newline fails before it is complete. */
	TEST_INTEQ(smtp_reply_parser_feed(p, "250 0123456789abcdefgh", 22, collect_cb,
	    &c, &error), -1, "unterminated long line fails early");
	free(error);
	smtp_reply_parser_free(&p);
	buf_free(&c.out);

	p = smtp_reply_parser_new(NULL);
	TEST_INTEQ(smtp_reply_parser_feed(p, "220 a\r\n250 b\r\n", 14, stop_cb, &count,
	    &error), 0, "stop is not an error");
	TEST_INTEQ(count, 1, "nothing is parsed after the callback says stop");
	smtp_reply_parser_free(&p);
}

static void
test_describe(void)
{
	const char		*lines[] = { "no such\x1b[31m user", "second" };
	struct smtp_reply	 r = { 550, "5.1.1", lines, 2 };
	char			*d = smtp_reply_describe(&r);

	TEST_STREQ(d, "550 5.1.1 no such?[31m user; second", "describe sanitises");
	free(d);
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static void
test_headers(void)
{
	const char	*msg = "From: a@x.org\r\nTo: b@x.org,\r\n c@x.org\r\n"
	    "BCC: secret@x.org,\r\n\tother@x.org\r\nSubject: hi\r\n"
	    "\r\nBcc: in the body stays\r\n";
	struct buf	 out = BUF_INIT;
	char		**v = NULL;
	size_t		 n = 0;

	smtp_header_values(msg, strlen(msg), "to", &v, &n);
	smtp_header_values(msg, strlen(msg), "bcc", &v, &n);
	TEST_INTEQ(n, 2, "two header values");
	if (n == 2) {
		TEST_STREQ(v[0], " b@x.org, c@x.org", "To unfolded");
		TEST_STREQ(v[1], " secret@x.org,\tother@x.org", "Bcc unfolded");
	}
	free_list(v, n);
	smtp_strip_bcc(msg, strlen(msg), &out);
	TEST_STREQ(buf_cstr(&out), "From: a@x.org\r\nTo: b@x.org,\r\n c@x.org\r\n"
	    "Subject: hi\r\n\r\nBcc: in the body stays\r\n", "Bcc removed from the header only");
	buf_free(&out);
}

static void
test_dot_stuff(void)
{
	static const struct {
		const char	*in, *want;
	} tc[] = {
		{ "", ".\r\n" },
		{ "a\nb", "a\r\nb\r\n.\r\n" },
		{ ".\n..x\r\n", "..\r\n...x\r\n.\r\n" },
		{ "a\rb\r\n\r\n.end", "a\r\nb\r\n\r\n..end\r\n.\r\n" },
		{ "x.\n .y\n", "x.\r\n .y\r\n.\r\n" },
	};
	struct buf	out = BUF_INIT;
	size_t		i;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		buf_reset(&out);
		smtp_dot_stuff(tc[i].in, strlen(tc[i].in), &out);
		TEST_STREQ(buf_cstr(&out), tc[i].want, "dot-stuffing case %zu", i);
	}
	buf_free(&out);
	TEST_CHECK(smtp_has_8bit("h\xc3\xa9", 3), "8-bit found");
	TEST_CHECK(!smtp_has_8bit("plain\r\n", 7), "7-bit");
}

static void
test_url(void)
{
	struct smtp_url	 u;
	char		*error = NULL;

	TEST_INTEQ(smtp_url_parse("smtps://me%40x.org@mail.x.org/", &u, &error), 0, "smtps");
	TEST_STREQ(u.user, "me@x.org", "user decoded");
	TEST_STREQ(u.host, "mail.x.org", "host");
	TEST_STREQ(u.port, "465", "default 465");
	TEST_CHECK(u.implicit_tls, "implicit TLS");
	smtp_url_free(&u);
	TEST_INTEQ(smtp_url_parse("smtp://[::1]:2525", &u, &error), 0, "smtp with port");
	TEST_STREQ(u.host, "::1", "IPv6 host");
	TEST_STREQ(u.port, "2525", "port");
	TEST_CHECK(u.user == NULL && !u.implicit_tls, "no user, STARTTLS");
	smtp_url_free(&u);
	TEST_INTEQ(smtp_url_parse("smtp://h/", &u, &error), 0, "smtp default port");
	TEST_STREQ(u.port, "587", "default 587");
	smtp_url_free(&u);
	TEST_INTEQ(smtp_url_parse("imaps://h/", &u, &error), -1, "wrong scheme");
	TEST_CHECK(error != NULL && strstr(error, "smtps://") != NULL, "says what is expected");
	free(error);
	error = NULL;
	TEST_INTEQ(smtp_url_parse("smtp://h:99999/", &u, &error), -1, "bad port");
	free(error);
}

int
main(void)
{
	test_replies();
	test_limits_and_stop();
	test_describe();
	test_headers();
	test_dot_stuff();
	test_url();
	return test_done();
}
