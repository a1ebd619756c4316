/*
 * Test helper (not a test itself): composes one message with
 * mime_compose_write and writes it to stdout, for scripts that parse it
 * with an independent parser (tests/integration/test_compose.py).
 *
 * The spec comes on stdin, one "key HEX" line per field, the value
 * hex-encoded so that any byte (CR, LF, NUL-free invalid UTF-8) can be
 * given: from to cc bcc reply_to subject in_reply_to references
 * message_id user_agent body header (repeatable) date (decimal); flags
 * "flowed", "allow_8bit", "smtputf8", "keep_bcc". "attach" starts an
 * attachment, then "path", "data", "filename", "type", "description"
 * (HEX) and "inline" describe it. A key without a value is a flag, or
 * "" for a field.
 *
 * usage: compose-tool < SPEC      the message; exit 1 with the error on
 *                                  stderr
 *        compose-tool --batch < SPECS   specs apart by "---" lines; for
 *                                  each "ok LEN\n" or "error LEN\n", then
 *                                  LEN bytes and "\n"
 *        compose-tool --guess NAME FILE   mime_guess_type's answer
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/mime_compose.h"
#include "crispin/xalloc.h"

#define MAX_HEADERS	64
#define MAX_ATTACH	64

static char	*unhex(const char *, size_t *);
static int	 read_all(FILE *, struct buf *);
static int	 guess(const char *, const char *);
static int	 compose_spec(char *, struct buf *, char **);

static char *
unhex(const char *s, size_t *len)
{
	char	*out;
	size_t	 n = strlen(s), i;
	unsigned v;

	out = xmalloc(n / 2 + 1);
	for (i = 0; i + 1 < n; i += 2) {
		if (sscanf(s + i, "%2x", &v) != 1) {
			fprintf(stderr, "compose-tool: bad hex \"%s\"\n", s);
			exit(2);
		}
		out[i / 2] = (char)v;
	}
	out[n / 2] = '\0';
	if (len != NULL)
		*len = n / 2;
	return out;
}

static int
read_all(FILE *f, struct buf *b)
{
	char	tmp[8192];
	size_t	n;

	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(b, tmp, n);
	return ferror(f) ? -1 : 0;
}

static int
guess(const char *name, const char *path)
{
	struct buf	 b = BUF_INIT;
	FILE		*f;
	char		*type;

	if ((f = fopen(path, "rb")) == NULL || read_all(f, &b) < 0) {
		perror(path);
		return 1;
	}
	fclose(f);
	type = mime_guess_type(*name != '\0' ? name : NULL, b.data, b.len);
	printf("%s\n", type);
	free(type);
	buf_free(&b);
	return 0;
}

/* Composes the message one spec describes into out; -1 with *error. */
static int
compose_spec(char *spec, struct buf *out, char **error)
{
	struct mime_compose	 c;
	struct mime_attachment	 atts[MAX_ATTACH], *att = NULL;
	const char		*headers[MAX_HEADERS + 1];
	char			*line, *next, *sp, *v;
	char			*owned[1024];
	size_t			 nowned = 0, nheaders = 0, len, i;
	int			 rc;

	memset(&c, 0, sizeof c);
	memset(atts, 0, sizeof atts);
	for (line = spec; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		if (nowned == sizeof owned / sizeof owned[0]) {
			fprintf(stderr, "compose-tool: spec too long\n");
			exit(2);
		}
		len = 0;
		if ((sp = strchr(line, ' ')) != NULL) {
			*sp = '\0';
			v = owned[nowned++] = unhex(sp + 1, &len);
		} else
			v = owned[nowned++] = xstrdup("");
		if (att != NULL) {
			if (strcmp(line, "path") == 0) {
				att->path = v;
				continue;
			}
			if (strcmp(line, "data") == 0) {
				att->data = v;
				att->len = len;
				continue;
			}
			if (strcmp(line, "filename") == 0) {
				att->filename = v;
				continue;
			}
			if (strcmp(line, "type") == 0) {
				att->content_type = v;
				continue;
			}
			if (strcmp(line, "description") == 0) {
				att->description = v;
				continue;
			}
			if (strcmp(line, "inline") == 0) {
				att->is_inline = true;
				continue;
			}
		}
#define FIELD(k, f) if (strcmp(line, k) == 0) { c.f = v; continue; }
		FIELD("from", from);
		FIELD("to", to);
		FIELD("cc", cc);
		FIELD("bcc", bcc);
		FIELD("reply_to", reply_to);
		FIELD("subject", subject);
		FIELD("in_reply_to", in_reply_to);
		FIELD("references", references);
		FIELD("message_id", message_id);
		FIELD("user_agent", user_agent);
#undef FIELD
		if (strcmp(line, "body") == 0) {
			c.body = v;
			c.body_len = len;
		} else if (strcmp(line, "date") == 0)
			c.date = strtoll(v, NULL, 10);
		else if (strcmp(line, "header") == 0 && nheaders < MAX_HEADERS)
			headers[nheaders++] = v;
		else if (strcmp(line, "flowed") == 0)
			c.flowed = true;
		else if (strcmp(line, "allow_8bit") == 0)
			c.allow_8bit = true;
		else if (strcmp(line, "smtputf8") == 0)
			c.smtputf8 = true;
		else if (strcmp(line, "keep_bcc") == 0)
			c.keep_bcc = true;
		else if (strcmp(line, "attach") == 0 &&
		    c.nattachments < MAX_ATTACH)
			att = &atts[c.nattachments++];
		else {
			fprintf(stderr, "compose-tool: unknown key %s\n", line);
			exit(2);
		}
	}
	headers[nheaders] = NULL;
	if (nheaders > 0)
		c.extra_headers = headers;
	c.attachments = atts;
	rc = mime_compose_write(&c, out, error);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	return rc;
}

int
main(int argc, char **argv)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	char		*spec, *end, *error = NULL;
	int		 rc = 0;

	if (argc == 4 && strcmp(argv[1], "--guess") == 0)
		return guess(argv[2], argv[3]);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--batch") != 0)) {
		fprintf(stderr, "usage: compose-tool [--batch] < SPEC\n");
		return 2;
	}
	if (read_all(stdin, &in) < 0)
		return 2;
	spec = in.data != NULL ? in.data : (char *)"";
	if (argc == 1) {
		if (compose_spec(spec, &out, &error) < 0) {
			fprintf(stderr, "error: %s\n", error);
			free(error);
			rc = 1;
		} else
			fwrite(out.data, 1, out.len, stdout);
		buf_free(&in);
		buf_free(&out);
		return rc;
	}
	/* Batch: specs apart by "---" lines; each answer is "ok LEN" or
	 * "error LEN", a newline, then LEN bytes and a newline. */
	while (*spec != '\0') {
		if ((end = strstr(spec, "\n---\n")) != NULL)
			*end = '\0';
		buf_reset(&out);
		if (compose_spec(spec, &out, &error) < 0) {
			printf("error %zu\n%s\n", strlen(error), error);
			x_free(&error);
		} else {
			printf("ok %zu\n", out.len);
			fwrite(out.data, 1, out.len, stdout);
			putchar('\n');
		}
		spec = end != NULL ? end + 5 : spec + strlen(spec);
	}
	buf_free(&in);
	buf_free(&out);
	return 0;
}
