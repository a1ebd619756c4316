/* index_format: %-codes, widths in cells (wide characters never split),
 * conditionals, fills, and text from the mail made terminal-safe. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "../../src/ui/ui_p.h"
#include "test.h"

static struct mail_msg	 msg;
static struct index_line line;

static const char *
fmt(const char *f, int cols)
{
	static struct buf	 out = BUF_INIT;

	buf_reset(&out);
	index_format(&out, f, "%Y-%m-%d", &line, cols);
	return buf_cstr(&out);
}

/* The object of the span that covers byte at of the last spans line. */
static struct index_spans	 spans;
static struct buf		 sout = BUF_INIT;

static const char *
object_at(size_t at)
{
	size_t	 i;

	for (i = 0; i < spans.n; i++) {
		if (spans.v[i].start <= at && at < spans.v[i].end)
			return spans.v[i].object;
	}
	return "none";
}

static void
fmt_spans(const char *f, int cols)
{
	buf_reset(&sout);
	spans.n = 0;
	index_format_spans(&sout, &spans, f, "%Y-%m-%d", &line, cols);
}

static void
test_spans(void)
{
	const char	*s;

	fmt_spans("%4C %Z %d %-10.10n %s", 80);
	s = buf_cstr(&sout);
	TEST_STREQ(object_at(3), "index_number", "%%C's digit");
	TEST_STREQ(object_at(0), "none", "padding before %%C has no object");
	TEST_STREQ(object_at(5), "index_flags", "%%Z");
	TEST_STREQ(object_at(9), "index_date", "%%d");
	TEST_STREQ(object_at((size_t)(strstr(s, "田") - s)), "index_author", "%%n");
	TEST_STREQ(object_at((size_t)(strstr(s, "notes") - s)), "index_subject", "%%s");
	TEST_STREQ(object_at((size_t)(strstr(s, " notes") - s) - 1),
	    "index_subject", "%%s's last byte before the space");
	/* The tree has its own colour, the subject after it the subject's. */
	line.tree = "└─>";
	fmt_spans("%c %s", 80);
	s = buf_cstr(&sout);
	TEST_STREQ(object_at(0), "index_size", "%%c");
	TEST_STREQ(object_at((size_t)(strstr(s, "└") - s)), "tree", "the tree");
	TEST_STREQ(object_at((size_t)(strstr(s, "Re:") - s)), "index_subject",
	    "the subject after the tree");
	line.tree = NULL;
	/* Right of a fill: offsets follow the padding. */
	fmt_spans("%C%>.%c", 10);
	TEST_STREQ(buf_cstr(&sout), "3.....2.0K", "fill");
	TEST_STREQ(object_at(6), "index_size", "%%c after the fill");
	TEST_STREQ(object_at(2), "none", "the fill's padding");
	/* Cut short: no span past the end. */
	fmt_spans("%C %s", 4);
	TEST_INTEQ(spans.v[spans.n - 1].end <= sout.len, 1, "spans end inside");
	/* %N is the score. */
	line.score = -25;
	TEST_STREQ(fmt("%N|%?N?scored&none?", 80), "-25|scored", "%%N");
	line.score = 0;
	TEST_STREQ(fmt("%?N?scored&none?", 80), "none", "%%N of 0 is false");
	free(spans.v);
	buf_free(&sout);
}

int
main(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	msg.uid = 7;
	msg.state = MAIL_MSG_HEADERS | MAIL_MSG_FLAGS;
	msg.flags = IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED;
	msg.from = "=?UTF-8?B?55Sw5LitIOWkqumDjg==?= <tanaka@example.jp>";
	msg.to = "Bob <bob@example.org>";
	msg.subject = "=?UTF-8?Q?Re:_=E4=BC=9A=E8=AD=B0?= notes";
	msg.size = 2048;
	msg.date = 1709547300;		/* 2024-03-04 10:15 UTC */
	msg.internaldate = msg.date;
	line.msg = &msg;
	line.number = 3;
	line.folder = "INBOX";

	TEST_STREQ(fmt("%4C|%Z|", 80), "   3| F |", "number and flags");
	TEST_STREQ(fmt("%-4C|%04C", 80), "3   |0003", "left and zero padding");
	TEST_STREQ(fmt("%n", 80), "田中 太郎", "decoded author name");
	TEST_STREQ(fmt("%-6.6n|", 80), "田中  |", "cut at 6 cells, padded");
	TEST_STREQ(fmt("%-4.4n|", 80), "田中|", "exactly 4 cells");
	TEST_STREQ(fmt("%-5.5n|", 80), "田中 |", "a wide character is never split");
	TEST_STREQ(fmt("%.3n|", 80), "田|", "nor cut in half by the precision");
	TEST_STREQ(fmt("%s", 80), "Re: 会議 notes", "decoded subject");
	TEST_STREQ(fmt("%a %u", 80), "tanaka@example.jp tanaka", "address and user");
	TEST_STREQ(fmt("%c %S", 80), "2.0K F", "size and status");
	TEST_STREQ(fmt("%?l?lines&size?", 80), "size", "false conditional");
	TEST_STREQ(fmt("%?c?(%c)?", 80), "(2.0K)", "true conditional without else");
	TEST_STREQ(fmt("[%?X?x&%?c?in&out??]", 80), "[in]", "nested conditionals");
	TEST_STREQ(fmt("%{%Y}", 80), "2024", "strftime in braces");
	TEST_STREQ(fmt("ab%>.cd", 8), "ab....cd", "%%> pads to the right edge");
	TEST_STREQ(fmt("ab%|-", 6), "ab----", "%%| fills the line");
	TEST_STREQ(fmt("abcdef%*.xy", 5), "abcxy", "%%* keeps what follows");
	TEST_STREQ(fmt("%s", 6), "Re: 会", "cut to the columns");
	test_spans();
	TEST_STREQ(fmt("100%% %q", 80), "100% %q", "%%%% and unknown codes");
	line.tagged = true;
	line.tree = "└─>";
	TEST_STREQ(fmt("%Z|%s", 80), " F*|└─>Re: 会議 notes", "tag marker and tree");
	msg.subject = "Evil \x1b[31mred";
	TEST_STREQ(fmt("%s", 80), "└─>Evil ^[[31mred", "escapes made visible");
	return test_done();
}
