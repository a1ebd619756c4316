/*
 * Test helper (not a test itself): prints the MIME part tree of a raw
 * message, or of the BODYSTRUCTURE in an untagged FETCH response, in the
 * mime_part_format text form, so that scripts can compare the two.
 *
 * usage: mime-tree FILE            tree of the raw message in FILE
 *        mime-tree --imap FILE     tree of "* n FETCH (BODYSTRUCTURE ...)"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/mime_part.h"

static int	 read_file(const char *, struct buf *);
static void	 on_response(const struct imap_response *, void *);

static int status = 1;

static int
read_file(const char *path, struct buf *b)
{
	FILE	*f;
	char	 tmp[8192];
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

static void
on_response(const struct imap_response *resp, void *arg)
{
	struct arena		*a = arg;
	struct imap_fetch	 fetch;
	struct mime_part	*root;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	if (imap_fetch_parse(resp, a, &fetch, &err) < 0 || fetch.body == NULL) {
		fprintf(stderr, "mime-tree: %s\n", err ? err : "no BODYSTRUCTURE");
		free(err);
		return;
	}
	if (mime_part_from_imap(fetch.body, a, &root) == 0) {
		mime_part_format(&out, root);
		fputs(buf_cstr(&out), stdout);
		status = 0;
	}
	buf_free(&out);
}

int
main(int argc, char **argv)
{
	struct buf		 in = BUF_INIT, out = BUF_INIT;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct imap_parser	*p;
	char			*err = NULL;

	if (argc == 3 && strcmp(argv[1], "--imap") == 0) {
		if (read_file(argv[2], &in) < 0)
			return 1;
		p = imap_parser_new(NULL);
		if (imap_parser_feed(p, in.data, in.len, on_response, a, &err) < 0)
			fprintf(stderr, "mime-tree: %s\n", err);
		imap_parser_free(&p);
	} else if (argc == 2) {
		if (read_file(argv[1], &in) < 0)
			return 1;
		if (mime_parse_message(in.data, in.len, a, NULL, &root, &err) < 0)
			fprintf(stderr, "mime-tree: %s\n", err);
		else {
			mime_part_format(&out, root);
			fputs(buf_cstr(&out), stdout);
			status = 0;
		}
	} else {
		fprintf(stderr, "usage: mime-tree [--imap] FILE\n");
		return 2;
	}
	free(err);
	buf_free(&in);
	buf_free(&out);
	arena_free(&a);
	return status;
}
