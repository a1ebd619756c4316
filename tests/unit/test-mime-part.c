/*
 * The MIME part tree against the corpus in tests/data/mime: each NAME.eml
 * is parsed, its tree, display selection, subject and rendered inline
 * parts printed, and the result compared with NAME.expected
 * (MIME_UPDATE=1 rewrites the expected files). Plus limits, CRLF/LF
 * equivalence, lookups and display preferences.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/mime_charset.h"
#include "crispin/mime_part.h"
#include "crispin/mime_text.h"
#include "test.h"

static const char *const show_names[] = { "inline", "headers", "attachment" };

static int	 read_file(const char *, struct buf *);
static void	 describe(struct buf *, const char *, size_t, const char *const *);
static int	 cmp_names(const void *, const void *);
static void	 check_corpus(const char *);
static void	 check_crlf(const char *, const struct buf *);
static void	 check_limits(void);
static void	 check_imap(const char *, const char *, const struct buf *);
static void	 on_fetch(const struct imap_response *, void *);
static void	 check_find_and_prefs(const char *);

static int
read_file(const char *path, struct buf *b)
{
	FILE	*f;
	char	 tmp[8192];
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

/* The text form of everything the reader sees of one message. */
static void
describe(struct buf *out, const char *raw, size_t len,
    const char *const *order)
{
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct mime_shown	*shown;
	struct buf		 subj = BUF_INIT;
	const char		*s;
	char			*err = NULL;
	size_t			 n, i;

	if (mime_parse_message(raw, len, a, NULL, &root, &err) < 0) {
		buf_printf(out, "error: %s\n", err);
		free(err);
		arena_free(&a);
		return;
	}
	buf_adds(out, "== tree\n");
	mime_part_format(out, root);
	buf_adds(out, "== subject\n");
	if ((s = mime_header_get(root->headers, "Subject")) != NULL) {
		mime_decode_words(&subj, s, NULL);
		mime_text_safe(out, buf_cstr(&subj), subj.len, MIME_SAFE_ONELINE);
	}
	buf_addc(out, '\n');
	n = mime_select_display(root, order, a, &shown);
	buf_adds(out, "== display\n");
	for (i = 0; i < n; i++) {
		buf_printf(out, "%s %s %s/%s", show_names[shown[i].how],
		    *shown[i].part->spec ? shown[i].part->spec : "-",
		    shown[i].part->type, shown[i].part->subtype);
		if (shown[i].part->filename != NULL) {
			buf_adds(out, " ");
			mime_text_safe(out, shown[i].part->filename,
			    strlen(shown[i].part->filename), MIME_SAFE_ONELINE);
		}
		buf_addc(out, '\n');
	}
	for (i = 0; i < n; i++) {
		const struct mime_part *p = shown[i].part;

		if (shown[i].how != MIME_SHOW_INLINE)
			continue;
		buf_printf(out, "== part %s\n", p->spec);
		mime_part_render(out, p, raw + p->body_offset, p->body_len, 60);
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_addc(out, '\n');
	}
	buf_free(&subj);
	arena_free(&a);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same message with CRLF line ends gives the same tree and text. */
static void
check_crlf(const char *name, const struct buf *raw)
{
	struct buf	 crlf = BUF_INIT, d1 = BUF_INIT, d2 = BUF_INIT;
	size_t		 i;

	for (i = 0; i < raw->len; i++) {
		if (raw->data[i] == '\n' && (i == 0 || raw->data[i - 1] != '\r'))
			buf_addc(&crlf, '\r');
		buf_addc(&crlf, raw->data[i]);
	}
	describe(&d1, raw->data, raw->len, NULL);
	describe(&d2, crlf.data, crlf.len, NULL);
	TEST_STREQ(buf_cstr(&d2), buf_cstr(&d1), "%s: CRLF and LF agree", name);
	buf_free(&crlf);
	buf_free(&d1);
	buf_free(&d2);
}

struct fetch_result {
	struct arena	*arena;
	struct buf	 tree;
};

static void
on_fetch(const struct imap_response *resp, void *arg)
{
	struct fetch_result	*r = arg;
	struct imap_fetch	 fetch;
	struct mime_part	*root;
	char			*err = NULL;

	if (imap_fetch_parse(resp, r->arena, &fetch, &err) == 0 &&
	    fetch.body != NULL && mime_part_from_imap(fetch.body, r->arena,
	    &root) == 0)
		mime_part_format(&r->tree, root);
	free(err);
}

/*
 * NAME.fetch is Dovecot's FETCH BODYSTRUCTURE response for NAME.eml (saved
 * from tests/integration/test_mime_bodystructure.py): both trees agree.
 */
static void
check_imap(const char *name, const char *path, const struct buf *raw)
{
	struct fetch_result	 r = { arena_new(0), BUF_INIT };
	struct buf		 resp = BUF_INIT, local = BUF_INIT;
	struct imap_parser	*p;
	struct mime_part	*root;
	char			*err = NULL;

	if (read_file(path, &resp) < 0)
		return;
	p = imap_parser_new(NULL);
	TEST_INTEQ(imap_parser_feed(p, resp.data, resp.len, on_fetch, &r, &err), 0,
	    "%s: parse the FETCH response", name);
	imap_parser_free(&p);
	free(err);
	mime_parse_message(raw->data, raw->len, r.arena, NULL, &root, NULL);
	mime_part_format(&local, root);
	TEST_STREQ(buf_cstr(&r.tree), buf_cstr(&local),
	    "%s: BODYSTRUCTURE tree equals the local tree", name);
	buf_free(&resp);
	buf_free(&local);
	buf_free(&r.tree);
	arena_free(&r.arena);
}

static void
check_corpus(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		**names = NULL, *path;
	size_t		 n = 0, i, len;
	bool		 update = getenv("MIME_UPDATE") != NULL;

	if ((d = opendir(dir)) == NULL) {
		TEST_CHECK(0, "cannot open %s", dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrndup(e->d_name, len - 4);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	TEST_CHECK(n >= 10, "corpus has %zu messages", n);
	for (i = 0; i < n; i++) {
		struct buf raw = BUF_INIT, want = BUF_INIT, got = BUF_INIT;

		path = xasprintf("%s/%s.eml", dir, names[i]);
		TEST_CHECK(read_file(path, &raw) == 0, "read %s", path);
		free(path);
		describe(&got, buf_cstr(&raw), raw.len, NULL);
		path = xasprintf("%s/%s.expected", dir, names[i]);
		if (update) {
			FILE *f = fopen(path, "wb");
			if (f != NULL) {
				fwrite(got.data, 1, got.len, f);
				fclose(f);
			}
		}
		TEST_CHECK(read_file(path, &want) == 0, "read %s", path);
		TEST_STREQ(buf_cstr(&got), buf_cstr(&want), "%s", names[i]);
		free(path);
		check_crlf(names[i], &raw);
		path = xasprintf("%s/%s.fetch", dir, names[i]);
		check_imap(names[i], path, &raw);
		free(path);
		buf_free(&raw);
		buf_free(&want);
		buf_free(&got);
		free(names[i]);
	}
	free(names);
}

static unsigned
tree_depth(const struct mime_part *p)
{
	const struct mime_part	*c;
	unsigned		 d, max = 0;

	for (c = p->children; c != NULL; c = c->next) {
		if ((d = tree_depth(c)) > max)
			max = d;
	}
	return max + 1;
}

static size_t
tree_count(const struct mime_part *p)
{
	const struct mime_part	*c;
	size_t			 n = 1;

	for (c = p->children; c != NULL; c = c->next)
		n += tree_count(c);
	return n;
}

static void
check_limits(void)
{
	struct buf		 m = BUF_INIT;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct mime_limits	 lim = { 0 };
	char			*err = NULL;
	int			 i;

	/* 100 nested multiparts. */
	for (i = 0; i < 100; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n",
		    i, i);
	buf_adds(&m, "\nbottom\n");
	TEST_INTEQ(mime_parse_message(m.data, m.len, a, NULL, &root, &err), 0,
	    "deep nesting parses");
	TEST_INTEQ(tree_depth(root), 21, "default depth limit 20");
	lim.max_depth = 5;
	TEST_INTEQ(mime_parse_message(m.data, m.len, a, &lim, &root, &err), 0,
	    "deep nesting, limit 5");
	TEST_INTEQ(tree_depth(root), 6, "depth limit 5");
	TEST_STREQ(mime_part_find(root, "1.1.1.1.1")->type, "multipart",
	    "the part at the limit stays a leaf");

	/* 3000 parts. */
	buf_reset(&m);
	buf_adds(&m, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (i = 0; i < 3000; i++)
		buf_printf(&m, "--x\n\npart %d\n", i);
	buf_adds(&m, "--x--\n");
	TEST_INTEQ(mime_parse_message(m.data, m.len, a, NULL, &root, &err), 0,
	    "many parts parse");
	TEST_INTEQ(tree_count(root), 1000, "default part limit 1000");
	TEST_STREQ(mime_part_find(root, "999")->spec, "999", "last part kept");
	TEST_CHECK(mime_part_find(root, "1000") == NULL, "part past the limit dropped");
	lim.max_parts = 10;
	mime_parse_message(m.data, m.len, a, &lim, &root, &err);
	TEST_INTEQ(tree_count(root), 10, "part limit 10");

	TEST_INTEQ(mime_parse_message("", 0, a, NULL, &root, &err), -1,
	    "empty input is not a message");
	TEST_CHECK(err != NULL && strstr(err, "empty") != NULL, "error says why");
	free(err);
	err = NULL;

	/* No header at all: all body, text/plain. */
	TEST_INTEQ(mime_parse_message("\nhello\n", 7, a, NULL, &root, &err), 0,
	    "headerless message");
	TEST_STREQ(root->type, "text", "headerless is text");
	TEST_INTEQ(root->body_offset, 1, "body after the empty line");
	TEST_INTEQ(root->size, 7, "size counts LF as CRLF");
	TEST_INTEQ(root->lines, 1, "one line");
	buf_free(&m);
	arena_free(&a);
}

static void
check_find_and_prefs(const char *dir)
{
	struct buf		 raw = BUF_INIT, got = BUF_INIT;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	const struct mime_part	*p;
	struct mime_shown	*shown;
	static const char *const html_first[] = { "text/html", "text/plain", NULL };
	static const char *const image_only[] = { "image", NULL };
	char			*path, *err = NULL;
	size_t			 n;

	path = xasprintf("%s/rfc822-nested.eml", dir);
	read_file(path, &raw);
	free(path);
	TEST_INTEQ(mime_parse_message(raw.data, raw.len, a, NULL, &root, &err), 0,
	    "parse rfc822-nested");
	p = mime_part_find(root, "2");
	TEST_CHECK(p != NULL && mime_part_is(p, "message", "rfc822"),
	    "2 is the message/rfc822, not its multipart body");
	p = mime_part_find(root, "2.2.1");
	TEST_CHECK(p != NULL && mime_part_is(p, "text", "plain"),
	    "2.2.1 is the innermost single body");
	TEST_STREQ(p != NULL ? mime_header_get(p->headers, "Subject") : NULL,
	    "Innermost", "embedded message header kept");
	TEST_CHECK(p != NULL && strncmp(raw.data + p->body_offset,
	    "The innermost message", 21) == 0, "body offset points at the body");
	TEST_STREQ(mime_header_get(mime_part_message_headers(mime_part_find(root,
	    "2.2")), "Subject"), "Innermost", "message/rfc822 part's message header");
	TEST_STREQ(mime_header_get(mime_part_message_headers(root), "Subject"),
	    "Fwd: Fwd: Innermost", "top message header");
	TEST_CHECK(mime_part_message_headers(mime_part_find(root, "1")) == NULL,
	    "a text part has no message header");
	TEST_CHECK(mime_part_find(root, "") == root, "\"\" is the top");
	TEST_CHECK(mime_part_find(root, "3") == NULL, "no part 3");
	TEST_CHECK(mime_part_find(root, "2.2.1.1") == NULL, "no part 2.2.1.1");
	buf_reset(&raw);

	path = xasprintf("%s/nested.eml", dir);
	read_file(path, &raw);
	free(path);
	mime_parse_message(raw.data, raw.len, a, NULL, &root, &err);
	describe(&got, raw.data, raw.len, html_first);
	TEST_CHECK(strstr(got.data, "inline 1.2.1 text/html\n") != NULL &&
	    strstr(got.data, "inline 1.1 ") == NULL,
	    "text/html preferred: the root of the related part");
	TEST_CHECK(strstr(got.data, "attachment 1.2.2 image/png logo.png\n") != NULL,
	    "the related image is listed");
	n = mime_select_display(root, image_only, a, &shown);
	TEST_CHECK(n > 0 && strcmp(shown[0].part->spec, "1.1") == 0,
	    "no preferred type present: the first alternative");
	buf_free(&raw);
	buf_free(&got);
	arena_free(&a);
}

/* Dovecot's answer for a base64-encoded message/rfc822 part: a stand-in
 * envelope and body, which the conversion drops. */
static void
check_encoded_rfc822(void)
{
	static const char resp[] = "* 19 FETCH (UID 19 BODYSTRUCTURE (("
	    "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 "
	    "NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 104 "
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" "
	    "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 2 "
	    "NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"q\") NIL NIL NIL))\r\n";
	struct fetch_result	 r = { arena_new(0), BUF_INIT };
	struct imap_parser	*p = imap_parser_new(NULL);
	char			*err = NULL;

	imap_parser_feed(p, resp, sizeof resp - 1, on_fetch, &r, &err);
	imap_parser_free(&p);
	free(err);
	TEST_STREQ(buf_cstr(&r.tree), "- multipart/mixed\n"
	    "  1 text/plain charset=us-ascii enc=7bit size=13 lines=0\n"
	    "  2 message/rfc822 enc=base64 size=104\n",
	    "encoded message/rfc822 stays a leaf");
	buf_free(&r.tree);
	arena_free(&r.arena);
}

/* A text part without a charset: its 8-bit bytes are read in
 * assumed_charset, and without one as windows-1252. */
static void
check_unlabelled_body(void)
{
	static const char raw[] = "Subject: x\nContent-Type: text/plain\n\n"
	    "\xf0\xd2\xc9\xd7\xc5\xd4\n";
	struct arena		*a = arena_new(0);
	struct mime_part	*root = NULL;
	struct buf		 out = BUF_INIT;
	char			*error = NULL;

	if (mime_parse_message(raw, sizeof raw - 1, a, NULL, &root,
	    &error) < 0 || root == NULL) {
		TEST_CHECK(0, "unlabelled: parse: %s", error);
		free(error);
		arena_free(&a);
		return;
	}
	mime_set_assumed_charset("koi8-r");
	mime_part_render(&out, root, raw + root->body_offset, root->body_len, 60);
	TEST_CHECK(strstr(buf_cstr(&out), "Привет") != NULL,
	    "unlabelled body in koi8-r: %s", buf_cstr(&out));
	mime_set_assumed_charset(NULL);
	buf_reset(&out);
	mime_part_render(&out, root, raw + root->body_offset, root->body_len, 60);
	TEST_CHECK(strstr(buf_cstr(&out), "ðÒÉ×ÅÔ") != NULL,
	    "unlabelled body without a default: %s", buf_cstr(&out));
	buf_free(&out);
	arena_free(&a);
}

int
main(void)
{
	const char	*srcdir = getenv("srcdir");
	char		*dir;

	dir = xasprintf("%s/tests/data/mime", srcdir ? srcdir : ".");
	check_corpus(dir);
	check_limits();
	check_find_and_prefs(dir);
	check_encoded_rfc822();
	check_unlabelled_body();
	free(dir);
	return test_done();
}
