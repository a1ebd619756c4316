/* A postponed message made a draft again (mail_draft_from_message): the
 * fields decoded, the text, the attachments byte for byte with their
 * names, types and descriptions, and a round trip through the writer. */
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_draft.h"
#include "crispin/mime_compose.h"
#include "crispin/xalloc.h"
#include "test.h"

static const char postponed[] =
    "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
    "From: =?utf-8?q?Al=C3=AFce?= <alice@example.org>\r\n"
    "To: Bob <bob@example.net>, carol@example.net\r\n"
    "Bcc: secret@example.net\r\n"
    "Subject: =?utf-8?b?0J/RgNC40LLQtdGC?= plans\r\n"
    "In-Reply-To: <m1@example.net>\r\n"
    "References: <m0@example.net> <m1@example.net>\r\n"
    "X-Crispin-Fcc: Archive\r\n"
    "Organization: Example\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=C3=A9 at noon?\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Description: some bytes\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECA/8NCg==\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
    "\r\n"
    "line one\r\n"
    "--b1--\r\n";

static void
test_fields(void)
{
	struct mail_draft	 d;
	char			*error = NULL;

	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_from_message(&d, postponed, strlen(postponed),
	    &error), 0, "a postponed message parses");
	TEST_CHECK(d.from != NULL && strstr(d.from, "Alïce") != NULL &&
	    strstr(d.from, "<alice@example.org>") != NULL, "From decoded: %s",
	    d.from ? d.from : "(null)");
	TEST_STREQ(d.to, "Bob <bob@example.net>, carol@example.net", "To");
	TEST_STREQ(d.bcc, "secret@example.net", "Bcc kept in a draft");
	TEST_STREQ(d.subject, "Привет plans", "Subject decoded");
	TEST_STREQ(d.in_reply_to, "<m1@example.net>", "In-Reply-To");
	TEST_STREQ(d.references, "<m0@example.net> <m1@example.net>", "References");
	TEST_STREQ(d.fcc, "Archive", "Fcc from X-Crispin-Fcc");
	TEST_INTEQ(d.nextra, 1, "one user field kept (MIME-Version, Date dropped)");
	if (d.nextra == 1)
		TEST_STREQ(d.extra[0], "Organization: Example", "the user's field");
	TEST_STREQ(d.body.data, "Café at noon?\n", "text decoded, LF line ends");
	TEST_INTEQ(d.nattachments, 2, "two attachments");
	if (d.nattachments == 2) {
		TEST_INTEQ(d.attachments[0].len, 7, "binary length");
		TEST_CHECK(d.attachments[0].data != NULL &&
		    memcmp(d.attachments[0].data, "\x00\x01\x02\x03\xff\r\n", 7) == 0,
		    "binary bytes");
		TEST_STREQ(d.attachments[0].name, "data.bin", "file name");
		TEST_STREQ(d.attachments[0].content_type, "application/octet-stream",
		    "type");
		TEST_STREQ(d.attachments[0].description, "some bytes", "description");
		TEST_STREQ(d.attachments[1].name, "notes.txt", "text attachment name");
		TEST_STREQ(d.attachments[1].content_type,
		    "text/plain; charset=us-ascii", "text attachment keeps its charset");
	}
	mail_draft_clear(&d);
}

/* Written again, recalled again: the same draft. */
static void
test_round_trip(void)
{
	struct mail_draft	 d, again;
	struct mail_draft_opts	 o;
	struct mime_compose	 c;
	struct mime_attachment	*att = NULL;
	struct buf		 msg = BUF_INIT;
	char			*error = NULL;
	static const char	 bytes[] = "\x89PNG\r\n\x1a\n\x00\x01binary";

	mail_draft_init(&d);
	mail_draft_init(&again);
	memset(&o, 0, sizeof o);
	mail_draft_set(&d.from, "Ann <ann@example.org>");
	mail_draft_set(&d.to, "bob@example.net");
	mail_draft_set(&d.bcc, "hidden@example.net");
	mail_draft_set(&d.subject, "Zürich report");
	buf_adds(&d.body, "First line\nSecond line\n");
	mail_draft_attach_data(&d, bytes, sizeof bytes - 1, "image/png", "pic.png");
	d.attachments[0].description = xstrdup("a picture");
	mail_draft_to_compose(&d, &o, &c, &att);
	c.keep_bcc = true;
	TEST_INTEQ(mime_compose_write(&c, &msg, &error), 0, "written");
	free(att);
	TEST_INTEQ(mail_draft_from_message(&again, msg.data, msg.len, &error), 0,
	    "read back");
	TEST_STREQ(again.subject, "Zürich report", "subject");
	TEST_STREQ(again.bcc, "hidden@example.net", "bcc");
	TEST_STREQ(again.body.data, "First line\nSecond line\n", "body");
	TEST_INTEQ(again.nattachments, 1, "attachment");
	if (again.nattachments == 1) {
		TEST_INTEQ(again.attachments[0].len, sizeof bytes - 1, "length");
		TEST_CHECK(memcmp(again.attachments[0].data, bytes, sizeof bytes - 1) == 0,
		    "byte-identical");
		TEST_STREQ(again.attachments[0].name, "pic.png", "name");
		TEST_STREQ(again.attachments[0].content_type, "image/png", "type");
		TEST_STREQ(again.attachments[0].description, "a picture", "description");
	}
	buf_free(&msg);
	mail_draft_clear(&d);
	mail_draft_clear(&again);
}

/* Another client's draft: text and HTML alternatives inside a mixed
 * part; the plain text is the body, the HTML goes. */
static void
test_alternative(void)
{
	static const char raw[] =
	    "From: a@example.org\r\nSubject: alt\r\n"
	    "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
	    "--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
	    "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
	    "--a\r\nContent-Type: text/html\r\n\r\n<p>html words</p>\r\n"
	    "--a--\r\n"
	    "--m\r\nContent-Type: image/gif\r\nContent-Disposition: attachment; "
	    "filename=x.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "R0lGODlh\r\n--m--\r\n";
	struct mail_draft	 d;
	char			*error = NULL;

	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_from_message(&d, raw, sizeof raw - 1, &error), 0,
	    "parsed");
	TEST_STREQ(d.body.data, "plain words\n", "the plain alternative is the text");
	TEST_INTEQ(d.nattachments, 1, "the HTML alternative is no attachment");
	if (d.nattachments == 1) {
		TEST_STREQ(d.attachments[0].name, "x.gif", "the attachment");
		TEST_INTEQ(d.attachments[0].len, 6, "GIF89a");
	}
	mail_draft_clear(&d);
}

static void
test_not_a_message(void)
{
	struct mail_draft	 d;
	char			*error = NULL;

	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_from_message(&d, "", 0, &error), -1, "empty input");
	TEST_CHECK(error != NULL, "with a reason");
	free(error);
	mail_draft_clear(&d);
}

int
main(void)
{
	test_fields();
	test_round_trip();
	test_alternative();
	test_not_a_message();
	return test_done();
}
