/* Drafts: reply recipients, subjects, threading, quoting, forwards, the
 * editor file round trip and the editor itself (a shell script). */
#include <sys/stat.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/mail_draft.h"
#include "crispin/mime_part.h"
#include "crispin/xalloc.h"
#include "test.h"

static const char original[] =
    "From: =?utf-8?q?Ann_B=C3=A9?= <ann@example.org>\r\n"
    "To: Me <me@example.com>, Bob <bob@example.net>, other.me@work.example\r\n"
    "Cc: carol@example.net, ME@example.com, bob@example.net\r\n"
    "Subject: RE: Aw: re: Lunch\r\n"
    "Date: Tue, 03 Nov 2026 14:05:00 +0000\r\n"
    "Message-ID: <m3@example.org>\r\n"
    "References: <m1@example.org> <m2@example.org>\r\n"
    "List-Post: <mailto:lunch@lists.example.org?subject=hi>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Shall we?\r\n"
    "> Earlier words\r\n"
    ">> Older words\r\n"
    "\r\n"
    "-- \r\n"
    "Ann's signature\r\n";

static struct mail_draft_opts
opts(void)
{
	struct mail_draft_opts	 o;

	memset(&o, 0, sizeof o);
	o.from = "me@example.com";
	o.realname = "My Self";
	o.alternates = "^other\\.me@work\\.example$ ^nobody@";
	o.attribution = "On %d, %n <%a> wrote:";
	o.date_format = "!%Y-%m-%d %H:%M";
	return o;
}

/* Parses raw into orig, with its text as crispin shows it. */
static void
load(const char *raw, struct mail_original *m, struct buf *text)
{
	size_t	 hlen = 0;
	char	*error = NULL;

	buf_reset(text);
	TEST_INTEQ(mail_draft_raw_text(text, raw, strlen(raw), NULL, &hlen, &error), 0,
	    "the original parses");
	free(error);
	memset(m, 0, sizeof *m);
	m->header = raw;
	m->header_len = hlen;
	m->text = buf_cstr(text);
	m->text_len = text->len;
	m->raw = raw;
	m->raw_len = strlen(raw);
}

static void
test_subjects(void)
{
	static const struct {
		const char	*in, *re, *fwd;
	} cases[] = {
		{ "Lunch", "Re: Lunch", "Fwd: Lunch" },
		{ "Re: Lunch", "Re: Lunch", "Fwd: Re: Lunch" },
		{ "RE: re: Aw: Lunch", "Re: Lunch", "Fwd: RE: re: Aw: Lunch" },
		{ "Re[2]: Lunch", "Re: Lunch", "Fwd: Re[2]: Lunch" },
		{ "Fwd: Lunch", "Re: Fwd: Lunch", "Fwd: Lunch" },
		{ "FW: Fwd: Lunch", "Re: FW: Fwd: Lunch", "Fwd: Lunch" },
		{ "Rebus", "Re: Rebus", "Fwd: Rebus" },
		{ "", "Re: your mail", "Fwd: " },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = mail_draft_reply_subject(cases[i].in);
		TEST_STREQ(s, cases[i].re, "reply subject of '%s'", cases[i].in);
		free(s);
		s = mail_draft_forward_subject(cases[i].in);
		TEST_STREQ(s, cases[i].fwd, "forward subject of '%s'", cases[i].in);
		free(s);
	}
}

static void
test_quote(void)
{
	struct buf	 b = BUF_INIT;
	const char	*text = "Hi\n\n> old\n>> older\n-- \nsig\n";

	mail_draft_quote(&b, text, strlen(text), NULL);
	TEST_STREQ(buf_cstr(&b), "> Hi\n>\n>> old\n>>> older\n",
	    "quotes nest without spaces, signature and blank end dropped");
	buf_reset(&b);
	mail_draft_quote(&b, "a\n-- \nb\n-- \nc\n", 14, "| ");
	TEST_STREQ(buf_cstr(&b), "| a\n| -- \n| b\n",
	    "only the last signature goes; indent_string is used");
	buf_free(&b);
}

static void
test_reply(void)
{
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 text = BUF_INIT;
	char			*error = NULL;

	setenv("TZ", "UTC", 1);
	load(original, &m, &text);
	TEST_STREQ(buf_cstr(&text), "Shall we?\n> Earlier words\n>> Older words\n\n"
	    "-- \nAnn's signature\n", "the display text of the original");
	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply");
	TEST_STREQ(d.from, "My Self <me@example.com>", "From with realname");
	TEST_STREQ(d.to, "Ann Bé <ann@example.org>", "reply goes to From");
	TEST_STREQ(d.cc, NULL, "reply has no Cc");
	TEST_STREQ(d.subject, "Re: Lunch", "one Re:");
	TEST_STREQ(d.in_reply_to, "<m3@example.org>", "In-Reply-To");
	TEST_STREQ(d.references, "<m1@example.org> <m2@example.org> <m3@example.org>",
	    "References");
	TEST_STREQ(buf_cstr(&d.body),
	    "On 2026-11-03 14:05, Ann Bé <ann@example.org> wrote:\n"
	    "> Shall we?\n"
	    ">> Earlier words\n"
	    ">>> Older words\n"
	    "\n", "attribution, quote without the signature, a line to type on");

	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_GROUP, "Yes!", &error), 0,
	    "group reply");
	TEST_STREQ(d.to, "Ann Bé <ann@example.org>", "group reply To");
	TEST_STREQ(d.cc, "Bob <bob@example.net>, carol@example.net",
	    "group reply Cc: without me, my alternates, or duplicates");
	TEST_CHECK(strstr(buf_cstr(&d.body), ">>> Older words\n\nYes!\n") != NULL,
	    "the new text goes below the quote");

	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_LIST, NULL, &error), 0,
	    "list reply");
	TEST_STREQ(d.to, "lunch@lists.example.org", "list reply goes to List-Post");
	TEST_STREQ(d.note, NULL, "no note with a List-Post");

	o.alternates = "([";
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_GROUP, NULL, &error), -1,
	    "a broken alternates expression is an error");
	TEST_CHECK(error != NULL && strstr(error, "alternates") != NULL,
	    "the error names the option: %s", error ? error : "");
	x_free(&error);
	mail_draft_clear(&d);
	buf_free(&text);
}

static void
test_reply_edges(void)
{
	static const char no_list[] =
	    "From: Ann <ann@example.org>\n"
	    "Reply-To: team@example.org\n"
	    "To: me@example.com\n"
	    "Subject: =?utf-8?q?evil=0D=0ABcc=3A_spy@example.net?=\n"
	    "In-Reply-To: <only@x>\n"
	    "Message-ID: <this@x>\n"
	    "\n"
	    "body\n";
	static const char evil_name[] =
	    "From: =?utf-8?q?Eve=0D=0ABcc=3A_spy=40example=2Enet=1B=5B2J?= "
	    "<eve@example.org>\n"
	    "To: me@example.com, \"Mal\\\"\r\n X-Evil: 1\" <mal@example.org>\n"
	    "Subject: hi\n"
	    "\n"
	    "text\n";
	static const char own[] =
	    "From: Me <me@example.com>\n"
	    "To: Zed <zed@example.org>\n"
	    "Subject: mine\n"
	    "\n"
	    "sent by me\n";
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 text = BUF_INIT, file = BUF_INIT;
	char			*error = NULL;

	load(no_list, &m, &text);
	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_LIST, NULL, &error), 0,
	    "list reply without List-Post");
	TEST_STREQ(d.to, "team@example.org", "falls back to Reply-To");
	TEST_CHECK(d.note != NULL && strstr(d.note, "List-Post") != NULL,
	    "and says why");
	TEST_STREQ(d.references, "<only@x> <this@x>",
	    "a lone In-Reply-To stands for References");
	TEST_CHECK(strchr(d.subject, '\n') == NULL && strchr(d.subject, '\r') == NULL,
	    "no line break from an encoded subject: %s", d.subject);
	mail_draft_file_write(&d, true, &file);
	TEST_INTEQ(mail_draft_file_read(&d, true, file.data, file.len, &error), 0,
	    "the file reads back");
	TEST_STREQ(d.bcc, NULL, "an encoded CR LF in the subject makes no Bcc");
	TEST_INTEQ(d.nextra, 0, "nor any other header");

	load(evil_name, &m, &text);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_GROUP, NULL, &error), 0,
	    "reply to a display name with a line break");
	TEST_CHECK(strchr(d.to, '\n') == NULL && strchr(d.cc, '\n') == NULL,
	    "no line break in To or Cc: %s / %s", d.to, d.cc);
	buf_reset(&file);
	mail_draft_file_write(&d, true, &file);
	TEST_INTEQ(mail_draft_file_read(&d, true, file.data, file.len, &error), 0,
	    "the file reads back");
	TEST_STREQ(d.bcc, NULL, "a name cannot add a Bcc line to the editor file");
	TEST_INTEQ(d.nextra, 0, "nor any other header");
	TEST_CHECK(strstr(buf_cstr(&file), "\x1b") == NULL,
	    "no escape character reaches the editor file");

	load(own, &m, &text);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply to my own message");
	TEST_STREQ(d.to, "Zed <zed@example.org>", "goes to its recipients");
	TEST_STREQ(d.in_reply_to, NULL, "no Message-ID, no In-Reply-To");
	TEST_STREQ(d.subject, "Re: mine", "subject");
	mail_draft_clear(&d);
	buf_free(&text);
	buf_free(&file);
}

static void
test_references_trimmed(void)
{
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 raw = BUF_INIT, text = BUF_INIT;
	char			*error = NULL, *want;
	int			 i;

	buf_adds(&raw, "From: a@x\nMessage-ID: <id30@x>\nReferences:");
	for (i = 0; i < 30; i++)
		buf_printf(&raw, " <id%d@x>", i);
	buf_adds(&raw, " junk <bad id@x> <>\n\ntext\n");
	load(buf_cstr(&raw), &m, &text);
	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply to a long thread");
	TEST_CHECK(strncmp(d.references, "<id0@x> <id12@x> ", 17) == 0,
	    "the root and the most recent ids kept: %s", d.references);
	want = strstr(d.references, "<id30@x>");
	TEST_CHECK(want != NULL && want[8] == '\0', "the original's id last");
	TEST_CHECK(strstr(d.references, "<id11@x>") == NULL, "the middle trimmed");
	TEST_CHECK(strstr(d.references, "bad") == NULL, "malformed ids dropped");
	mail_draft_clear(&d);
	buf_free(&raw);
	buf_free(&text);
}

static void
test_flowed(void)
{
	static const char flowed[] =
	    "From: Fay <fay@example.org>\n"
	    "Subject: flow\n"
	    "Content-Type: text/plain; format=flowed; delsp=no\n"
	    "\n"
	    "This is a long line that was \n"
	    "broken by the sender.\n"
	    "> and a quoted \n"
	    "> paragraph\n"
	    ">> deeper \n"
	    ">> still\n";
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 text = BUF_INIT;
	char			*error = NULL;

	o.attribution = "%n wrote:";
	load(flowed, &m, &text);
	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply to flowed text");
	TEST_STREQ(buf_cstr(&d.body), "Fay wrote:\n"
	    "> This is a long line that was broken by the sender.\n"
	    ">> and a quoted paragraph\n"
	    ">>> deeper still\n\n", "flowed paragraphs joined before quoting");
	mail_draft_clear(&d);
	buf_free(&text);
}

static void
test_alternative_html(void)
{
	static const char alt[] =
	    "From: Hal <hal@example.org>\n"
	    "Subject: two forms\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=b\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>The <b>HTML</b> form\x1b[2J</p>\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "The plain form, caf=E9.\n"
	    "--b--\n";
	static const char html_only[] =
	    "From: Hal <hal@example.org>\n"
	    "Subject: html\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>Only <i>HTML</i> here\x1b[2J</p>\n";
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 text = BUF_INIT;
	char			*error = NULL;

	o.attribution = "%n:";
	load(alt, &m, &text);
	mail_draft_init(&d);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply to multipart/alternative");
	TEST_STREQ(buf_cstr(&d.body), "Hal:\n> The plain form, café.\n\n",
	    "the plain alternative, decoded and converted to UTF-8");
	load(html_only, &m, &text);
	TEST_INTEQ(mail_draft_reply(&d, &o, &m, MAIL_REPLY_SENDER, NULL, &error), 0,
	    "reply to HTML");
	TEST_CHECK(strstr(buf_cstr(&d.body), "> Only HTML here") != NULL,
	    "HTML quoted as text: %s", buf_cstr(&d.body));
	TEST_CHECK(strchr(buf_cstr(&d.body), '\x1b') == NULL,
	    "no escape character from the message in the quote");
	mail_draft_clear(&d);
	buf_free(&text);
}

static void
test_forward(void)
{
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 text = BUF_INIT;

	load(original, &m, &text);
	mail_draft_init(&d);
	mail_draft_forward(&d, &o, &m, false, "FYI");
	TEST_STREQ(d.subject, "Fwd: RE: Aw: re: Lunch", "forward subject");
	TEST_STREQ(d.to, NULL, "no recipient yet");
	TEST_STREQ(d.in_reply_to, NULL, "a forward is no reply");
	TEST_CHECK(strncmp(buf_cstr(&d.body), "FYI\n\n----- Forwarded message from "
	    "Ann Bé <ann@example.org> -----\n\nDate: ", 66) == 0,
	    "inline forward: %s", buf_cstr(&d.body));
	TEST_CHECK(strstr(buf_cstr(&d.body), "\nSubject: RE: Aw: re: Lunch\n\n"
	    "Shall we?\n") != NULL, "chief headers then the text");
	TEST_CHECK(strstr(buf_cstr(&d.body), "Ann's signature\n\n"
	    "----- End forwarded message -----\n") != NULL, "the block ends");
	TEST_INTEQ(d.nattachments, 0, "nothing attached");

	mail_draft_forward(&d, &o, &m, true, NULL);
	TEST_INTEQ(d.nattachments, 1, "forward as attachment");
	TEST_STREQ(d.attachments[0].content_type, "message/rfc822", "its type");
	TEST_CHECK(d.attachments[0].len == strlen(original) &&
	    memcmp(d.attachments[0].data, original, strlen(original)) == 0,
	    "the original bytes, unchanged");
	TEST_CHECK(strstr(buf_cstr(&d.body), "Forwarded") == NULL, "no inline copy");
	mail_draft_clear(&d);
	buf_free(&text);
}

static char *
write_temp(const char *dir, const char *name, const char *content)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*fp = fopen(path, "w");

	fputs(content, fp);
	fclose(fp);
	return path;
}

static void
test_signature_and_new(const char *dir)
{
	struct mail_draft_opts	 o = opts();
	struct mail_draft	 d;
	char			*sig = write_temp(dir, "sig", "Me\nexample.com");

	o.signature = sig;
	mail_draft_init(&d);
	mail_draft_new(&d, &o, "x@example.org", "Hi", NULL);
	TEST_STREQ(buf_cstr(&d.body), "\n-- \nMe\nexample.com\n",
	    "a new message: a line to type on, then the signature");
	TEST_STREQ(d.to, "x@example.org", "To");
	mail_draft_new(&d, &o, NULL, NULL, "Text");
	TEST_STREQ(buf_cstr(&d.body), "Text\n\n-- \nMe\nexample.com\n",
	    "text then the signature");
	o.signature = "/nonexistent/sig";
	mail_draft_new(&d, &o, NULL, NULL, NULL);
	TEST_STREQ(buf_cstr(&d.body), "\n", "a missing signature file is no error");
	mail_draft_clear(&d);
	free(sig);
}

static void
test_file_round_trip(const char *dir)
{
	struct mail_draft	 d;
	struct buf		 file = BUF_INIT;
	char			*att = write_temp(dir, "my file.txt", "data\n");
	char			*error = NULL, *edited;

	mail_draft_init(&d);
	mail_draft_set(&d.from, "Me <me@example.com>");
	mail_draft_set(&d.to, "ann@example.org");
	mail_draft_set(&d.subject, "Re: x");
	mail_draft_set(&d.in_reply_to, "<a@x>");
	mail_draft_set(&d.references, "<a@x>");
	TEST_INTEQ(mail_draft_add_header(&d, "X-Label", "one\ntwo", &error), 0,
	    "extra header");
	TEST_STREQ(d.extra[0], "X-Label: one two", "no line break in an extra header");
	TEST_INTEQ(mail_draft_add_header(&d, "Bad Name", "v", &error), -1,
	    "field names are checked");
	x_free(&error);
	TEST_INTEQ(mail_draft_add_header(&d, "Date", "v", &error), -1,
	    "fields the writer makes are refused");
	x_free(&error);
	mail_draft_attach_file(&d, att, "report.txt");
	mail_draft_attach_data(&d, "X", 1, "message/rfc822", NULL);
	buf_adds(&d.body, "Body\n");
	mail_draft_file_write(&d, true, &file);
	edited = xasprintf("From: Me <me@example.com>\nTo: ann@example.org\nCc: \n"
	    "Bcc: \nSubject: Re: x\nReply-To: \nX-Label: one two\n"
	    "Attach: %s/my\\ file.txt report.txt\n\nBody\n", dir);
	TEST_STREQ(buf_cstr(&file), edited, "the editor file with headers");
	free(edited);

	edited = xasprintf("From: Me <me@example.com>\n"
	    "To: ann@example.org,\n  bob@example.org\n"
	    "Cc: carol@example.org\n"
	    "Bcc: secret@example.org   \n"
	    "Subject: Changed\n"
	    "X-Mood: happy\n"
	    "Attach: %s/sig\n"
	    "\n"
	    "New body\n\nSubject: not a header\n", dir);
	TEST_INTEQ(mail_draft_file_read(&d, true, edited, strlen(edited), &error), 0,
	    "reads back: %s", error ? error : "");
	TEST_STREQ(d.to, "ann@example.org, bob@example.org", "folded To");
	TEST_STREQ(d.cc, "carol@example.org", "Cc");
	TEST_STREQ(d.bcc, "secret@example.org", "Bcc without trailing blanks");
	TEST_STREQ(d.subject, "Changed", "Subject");
	TEST_STREQ(d.reply_to, NULL, "empty Reply-To unset");
	TEST_STREQ(d.in_reply_to, "<a@x>", "In-Reply-To kept when not shown");
	TEST_INTEQ(d.nextra, 1, "X-Label removed, X-Mood added");
	TEST_STREQ(d.extra[0], "X-Mood: happy", "extra header");
	TEST_INTEQ(d.nattachments, 2, "the data attachment stays, one file");
	TEST_CHECK(d.attachments[0].path != NULL &&
	    strstr(d.attachments[0].path, "/sig") != NULL, "Attach: file");
	TEST_CHECK(d.attachments[1].path == NULL && d.attachments[1].len == 1,
	    "forwarded message kept");
	TEST_STREQ(buf_cstr(&d.body), "New body\n\nSubject: not a header\n",
	    "body as typed");
	free(edited);

	TEST_INTEQ(mail_draft_file_read(&d, true, "To: x@y\nnonsense\n\nb", 20,
	    &error), -1, "a line that is no header");
	TEST_CHECK(error != NULL && strstr(error, "line 2") != NULL, "names the line");
	x_free(&error);
	TEST_INTEQ(mail_draft_file_read(&d, true, "Attach: /nonexistent\n\nb", 23,
	    &error), -1, "an attachment that is not there");
	TEST_CHECK(error != NULL && strstr(error, "/nonexistent") != NULL,
	    "names the file");
	x_free(&error);
	TEST_STREQ(d.subject, "Changed", "a failed read changes nothing");
	TEST_INTEQ(mail_draft_file_read(&d, false, "To: x@y\n\nb", 10, &error), 0,
	    "without edit_headers");
	TEST_STREQ(buf_cstr(&d.body), "To: x@y\n\nb", "everything is body");
	TEST_STREQ(d.to, "ann@example.org, bob@example.org", "fields unchanged");
	mail_draft_clear(&d);
	buf_free(&file);
	free(att);
}

static void
test_editor(const char *dir)
{
	struct mail_draft	 d;
	struct stat		 st;
	char			*ed_ok, *ed_fail, *ed_none, *path = NULL, *error = NULL;
	char			*cmd, *tmp = xasprintf("%s/tmp", dir);

	mkdir(tmp, 0700);
	/* "$1" must arrive whole: the editor is given a name with a blank. */
	ed_ok = write_temp(dir, "ed ok", "#!/bin/sh\n"
	    "[ -f \"$1\" ] || exit 3\n"
	    "sed -i 's/^Subject: .*/Subject: edited/; s/^Body$/Typed/' \"$1\"\n");
	ed_fail = write_temp(dir, "ed-fail", "#!/bin/sh\necho junk >> \"$1\"\nexit 1\n");
	ed_none = write_temp(dir, "ed-none", "#!/bin/sh\nexit 0\n");
	chmod(ed_ok, 0700);
	chmod(ed_fail, 0700);
	chmod(ed_none, 0700);

	mail_draft_init(&d);
	mail_draft_set(&d.subject, "orig");
	buf_adds(&d.body, "Body\n");
	cmd = xasprintf("'%s'", ed_ok);
	TEST_INTEQ(mail_draft_edit(&d, true, cmd, tmp, true, &path, &error), 0,
	    "the editor ran: %s", error ? error : "");
	TEST_STREQ(d.subject, "edited", "header edited");
	TEST_STREQ(buf_cstr(&d.body), "Typed\n", "body edited");
	TEST_CHECK(path != NULL && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the file is private");
	mail_draft_discard(path);
	TEST_CHECK(stat(path, &st) < 0, "discarded");
	x_free(&path);
	free(cmd);

	cmd = xasprintf("%s", ed_fail);
	TEST_INTEQ(mail_draft_edit(&d, false, cmd, tmp, false, &path, &error), -1,
	    "an editor that fails aborts");
	TEST_CHECK(error != NULL && strstr(error, "status 1") != NULL &&
	    path != NULL && strstr(error, path) != NULL,
	    "says so and where the text is: %s", error ? error : "");
	TEST_CHECK(path != NULL && stat(path, &st) == 0, "the file is kept");
	TEST_STREQ(buf_cstr(&d.body), "Typed\n", "the draft is unchanged");
	mail_draft_discard(path);
	x_free(&path);
	x_free(&error);
	free(cmd);

	TEST_INTEQ(mail_draft_edit(&d, false, ed_none, tmp, true, &path, &error), -1,
	    "an unchanged new message aborts");
	TEST_CHECK(error != NULL && strstr(error, "Aborted: message not changed") != NULL,
	    "mutt's words: %s", error ? error : "");
	mail_draft_discard(path);
	x_free(&path);
	x_free(&error);
	mail_draft_clear(&d);
	rmdir(tmp);
	unlink(ed_ok);
	unlink(ed_fail);
	unlink(ed_none);
	free(ed_ok);
	free(ed_fail);
	free(ed_none);
	free(tmp);
}

static void
test_to_compose(void)
{
	struct mail_draft_opts	 o = opts();
	struct mail_draft	 d;
	struct mime_compose	 c;
	struct mime_attachment	*att = NULL;
	struct buf		 out = BUF_INIT;
	char			*error = NULL;

	o.user_agent = "crispin/test";
	mail_draft_init(&d);
	mail_draft_new(&d, &o, "Ann <ann@example.org>", "Hello", "Hi Ann");
	mail_draft_set(&d.bcc, "hidden@example.org");
	mail_draft_set(&d.in_reply_to, "<a@x>");
	mail_draft_add_header(&d, "X-Test", "yes", &error);
	mail_draft_attach_data(&d, "From: a@b\r\n\r\nx\r\n", 16, "message/rfc822", NULL);
	mail_draft_to_compose(&d, &o, &c, &att);
	TEST_STREQ(c.from, "My Self <me@example.com>", "from");
	TEST_STREQ(c.user_agent, "crispin/test", "user agent");
	TEST_INTEQ(c.nattachments, 1, "attachment");
	c.keep_bcc = true;
	TEST_INTEQ(mime_compose_write(&c, &out, &error), 0, "writes: %s",
	    error ? error : "");
	TEST_CHECK(strstr(buf_cstr(&out), "\r\nIn-Reply-To: <a@x>\r\n") != NULL,
	    "In-Reply-To written");
	TEST_CHECK(strstr(buf_cstr(&out), "\r\nX-Test: yes\r\n") != NULL, "extra header");
	TEST_CHECK(strstr(buf_cstr(&out), "message/rfc822") != NULL, "the forward");
	free(error);
	free(att);
	buf_free(&out);
	mail_draft_clear(&d);
}

static bool
one_line(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n\x1b") == NULL;
}

/* Every message of the MIME corpus (broken ones included) gives drafts
 * whose header fields are single safe lines that survive the editor file. */
static void
test_corpus(void)
{
	const char		*srcdir = getenv("srcdir");
	struct mail_draft_opts	 o = opts();
	struct mail_original	 m;
	struct mail_draft	 d;
	struct buf		 raw = BUF_INIT, text = BUF_INIT, file = BUF_INIT;
	struct dirent		*e;
	char			*dir, *path, *error = NULL, *to;
	FILE			*fp;
	size_t			 n, seen = 0, ok = 0;
	char			 chunk[4096];
	DIR			*dp;

	dir = xasprintf("%s/tests/data/mime", srcdir ? srcdir : ".");
	if ((dp = opendir(dir)) == NULL) {
		TEST_CHECK(dp != NULL, "cannot open %s", dir);
		free(dir);
		return;
	}
	mail_draft_init(&d);
	while ((e = readdir(dp)) != NULL) {
		n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".eml") != 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		buf_reset(&raw);
		if ((fp = fopen(path, "rb")) != NULL) {
			while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
				buf_add(&raw, chunk, n);
			fclose(fp);
		}
		free(path);
		seen++;
		load(buf_cstr(&raw), &m, &text);
		if (mail_draft_reply(&d, &o, &m, MAIL_REPLY_GROUP, NULL, &error) < 0) {
			x_free(&error);	/* no sender: fine, as long as it says so */
			continue;
		}
		to = xstrdup_null(d.to);
		buf_reset(&file);
		mail_draft_file_write(&d, true, &file);
		if (one_line(d.from) && one_line(d.to) && one_line(d.cc) &&
		    one_line(d.subject) && one_line(d.references) &&
		    one_line(d.in_reply_to) &&
		    mail_draft_file_read(&d, true, file.data, file.len, &error) == 0 &&
		    d.bcc == NULL && d.nextra == 0 &&
		    (to == NULL ? d.to == NULL : d.to != NULL && strcmp(to, d.to) == 0))
			ok++;
		else
			TEST_CHECK(0, "%s: unsafe or unstable draft fields", e->d_name);
		x_free(&error);
		free(to);
		mail_draft_forward(&d, &o, &m, false, NULL);
		TEST_CHECK(one_line(d.subject), "%s: forward subject", e->d_name);
	}
	closedir(dp);
	TEST_CHECK(seen > 5 && ok > 0, "the corpus was read (%zu files, %zu drafts)",
	    seen, ok);
	mail_draft_clear(&d);
	buf_free(&raw);
	buf_free(&text);
	buf_free(&file);
	free(dir);
}

static void
cleanup(const char *dir, const char *name)
{
	char	*p = xasprintf("%s/%s", dir, name);

	unlink(p);
	free(p);
}

int
main(void)
{
	char	 dir[] = "/tmp/test-mail-draft-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("TZ", "UTC", 1);
	test_subjects();
	test_quote();
	test_reply();
	test_reply_edges();
	test_references_trimmed();
	test_flowed();
	test_alternative_html();
	test_forward();
	test_signature_and_new(dir);
	test_file_round_trip(dir);
	test_editor(dir);
	test_to_compose();
	test_corpus();
	cleanup(dir, "sig");
	cleanup(dir, "my file.txt");
	rmdir(dir);
	return test_done();
}
