/* The display text of a message: sizes, attachment lines, header blocks
 * and parts, all terminal-safe. (Fetching is tested against Dovecot in
 * tests/integration/test_show.py.) */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/arena.h"
#include "crispin/mail_message.h"
#include "test.h"

static const struct {
	uint64_t	 n;
	const char	*out;
} sizes[] = {
	{ 0, "0 B" },
	{ 532, "532 B" },
	{ 1024, "1 KB" },
	{ 1536, "1.5 KB" },
	{ 12 * 1024 + 100, "12 KB" },
	{ 20 * 1024 * 1024, "20 MB" },
	{ 3ULL * 1024 * 1024 * 1024 / 2, "1.5 GB" },
};

static const char msg[] =
    "From: =?utf-8?q?Evil=1B=5B31mRed?= <evil@example.net>\r\n"
    "Subject: =?utf-8?b?SW52b2ljZSAbXTA7cHduZWQHIOKArmZkcC5leGU=?=\r\n"
    "X-Junk: hidden\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Hello <b>there</b>=1B[2J</p>\r\n"
    "--b\r\n"
    "Content-Type: application/pdf; name=\"a\x1b[1mb.pdf\"\r\n"
    "Content-Disposition: attachment\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAAAAAAA\r\n"
    "--b--\r\n";

static bool
hide_junk(const char *field, void *arg)
{
	return strcasecmp(field, "X-Junk") == 0;
}

int
main(void)
{
	struct mail_render_opts	 o;
	struct mime_part	*root;
	const struct mime_part	*html, *pdf;
	struct arena		*a = arena_new(0);
	struct buf		 b = BUF_INIT;
	size_t			 i, hdr_len;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		buf_reset(&b);
		mail_render_size(&b, sizes[i].n);
		TEST_STREQ(buf_cstr(&b), sizes[i].out, "size %llu",
		    (unsigned long long)sizes[i].n);
	}

	memset(&o, 0, sizeof o);
	o.ignored = hide_junk;
	TEST_CHECK(mime_parse_message(msg, sizeof msg - 1, a, NULL, &root, NULL) == 0,
	    "parse");
	hdr_len = strstr(msg, "\r\n\r\n") - msg + 4;
	buf_reset(&b);
	mail_render_headers(&b, msg, hdr_len, 2, &o);
	TEST_STREQ(buf_cstr(&b),
	    "  From: Evil^[[31mRed <evil@example.net>\n"
	    "  Subject: Invoice ^[]0;pwned^G <U+202E>fdp.exe\n"
	    "  MIME-Version: 1.0\n"
	    "  Content-Type: multipart/mixed; boundary=b\n",
	    "header block decoded, weeded, escaped, indented");

	html = mime_part_find(root, "1");
	pdf = mime_part_find(root, "2");
	TEST_CHECK(html != NULL && pdf != NULL, "parts found");
	if (html != NULL) {
		buf_reset(&b);
		mail_render_part(&b, html, msg + html->body_offset, html->body_len, false, &o);
		TEST_STREQ(buf_cstr(&b), "Hello there^[[2J\n",
		    "HTML built in, QP decoded, ESC escaped, line ended");
		buf_reset(&b);
		mail_render_part(&b, html, "<i>x</i>=41", 11, true, &o);
		TEST_STREQ(buf_cstr(&b), "x=41\n", "a BINARY body is not decoded again");
	}
	if (pdf != NULL) {
		buf_reset(&b);
		mail_render_attachment(&b, pdf, 7, NULL);
		TEST_STREQ(buf_cstr(&b), "[-- attachment 2: a^[[1mb.pdf, application/pdf, "
		    "6 B: crispin save 7 2 --]\n", "attachment line");
		buf_reset(&b);
		mail_render_attachment(&b, pdf, 7, "Bob's mail");
		TEST_STREQ(buf_cstr(&b), "[-- attachment 2: a^[[1mb.pdf, application/pdf, "
		    "6 B: crispin save -f 'Bob'\\''s mail' 7 2 --]\n",
		    "folder quoted for the shell");
		buf_reset(&b);
		mail_render_attachment(&b, pdf, 7, "INBOX");
		TEST_CHECK(strstr(buf_cstr(&b), "save 7 2") != NULL, "INBOX needs no -f");
	}
	buf_free(&b);
	arena_free(&a);
	return test_done();
}
