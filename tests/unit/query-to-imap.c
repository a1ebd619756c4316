/*
 * Test helper, not a unit test: prints the IMAP SEARCH keys of a query
 * (literals as LITERAL+) so integration tests can send them to a real
 * server. "needs-local" goes to stderr when the server part is a superset.
 *
 * With --match, it evaluates the query locally instead over messages read
 * from stdin and prints "UID yes|no|unknown" for each. A message is lines
 * "NAME VALUE" (uid, flags, keyword, size, date, tz, from, to, cc, bcc,
 * subject, body, attachment, header NAME:VALUE) ended by a line "."; in
 * values "\n" stands for a newline and "\\" for a backslash.
 *
 * usage: query-to-imap [--now EPOCH] [--match] QUERY
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/imap_data.h"
#include "crispin/mail_query.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define MAX_ITEMS	64

struct record {
	struct mail_query_msg	 m;
	char			*strings[MAX_ITEMS];	/* owned */
	size_t			 nstrings;
	const char		*keywords[MAX_ITEMS];
	const char		*headers[MAX_ITEMS];	/* "Name:value" */
	size_t			 nheaders;
};

static const char *header_of(const struct mail_query_msg *, const char *);
static char *unescape(const char *);
static int read_record(FILE *, struct record *);
static void record_free(struct record *);
static int match_all(const struct mail_query *);
static int translate(const struct mail_query *);

static const struct {
	const char	*name;
	unsigned	 bit;
} flag_bits[] = {
	{ "\\Seen", IMAP_FLAG_SEEN },
	{ "\\Answered", IMAP_FLAG_ANSWERED },
	{ "\\Flagged", IMAP_FLAG_FLAGGED },
	{ "\\Deleted", IMAP_FLAG_DELETED },
	{ "\\Draft", IMAP_FLAG_DRAFT },
	{ "\\Recent", IMAP_FLAG_RECENT },
};

static const char *
header_of(const struct mail_query_msg *m, const char *name)
{
	const struct record	*r = m->arg;
	size_t			 i, n = strlen(name);

	for (i = 0; i < r->nheaders; i++) {
		if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
			return r->headers[i] + n + 1;
	}
	return NULL;
}

static char *
unescape(const char *s)
{
	struct buf	b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			buf_addc(&b, '\n');
			s++;
		} else if (s[0] == '\\' && s[1] == '\\') {
			buf_addc(&b, '\\');
			s++;
		} else
			buf_addc(&b, *s);
	}
	return buf_steal(&b);
}

/* 1: a record, 0: end of input, -1: bad input. */
static int
read_record(FILE *fp, struct record *r)
{
	char	 line[65536], *sp, *v;
	size_t	 i;
	bool	 any = false;

	memset(r, 0, sizeof *r);
	r->m.has_attachment = -1;
	r->m.keywords = r->keywords;
	r->m.header = header_of;
	r->m.arg = r;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, ".") == 0)
			return 1;
		any = true;
		if ((sp = strchr(line, ' ')) == NULL || r->nstrings == MAX_ITEMS)
			return -1;
		*sp = '\0';
		v = r->strings[r->nstrings++] = unescape(sp + 1);
		if (strcmp(line, "uid") == 0)
			r->m.uid = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(line, "size") == 0)
			r->m.size = strtoull(v, NULL, 10);
		else if (strcmp(line, "date") == 0)
			r->m.internaldate = (time_t)strtoll(v, NULL, 10);
		else if (strcmp(line, "tz") == 0)
			r->m.internaldate_tz = atoi(v);
		else if (strcmp(line, "attachment") == 0)
			r->m.has_attachment = atoi(v);
		else if (strcmp(line, "from") == 0)
			r->m.from = v;
		else if (strcmp(line, "to") == 0)
			r->m.to = v;
		else if (strcmp(line, "cc") == 0)
			r->m.cc = v;
		else if (strcmp(line, "bcc") == 0)
			r->m.bcc = v;
		else if (strcmp(line, "subject") == 0)
			r->m.subject = v;
		else if (strcmp(line, "body") == 0)
			r->m.body = v;
		else if (strcmp(line, "header") == 0)
			r->headers[r->nheaders++] = v;
		else if (strcmp(line, "flag") == 0) {
			for (i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++) {
				if (str_ieq(v, flag_bits[i].name))
					r->m.flags |= flag_bits[i].bit;
			}
			if (v[0] != '\\')
				r->keywords[r->m.nkeywords++] = v;
		} else
			return -1;
	}
	return any ? -1 : 0;
}

static void
record_free(struct record *r)
{
	size_t	i;

	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
}

static int
match_all(const struct mail_query *q)
{
	static const char *const names[] = { "no", "yes", "unknown" };
	struct record	r;
	int		rc;

	while ((rc = read_record(stdin, &r)) == 1) {
		printf("%u %s\n", r.m.uid, names[mail_query_eval(q, &r.m)]);
		record_free(&r);
	}
	record_free(&r);
	if (rc < 0) {
		fprintf(stderr, "query-to-imap: bad message record\n");
		return 1;
	}
	return 0;
}

static int
translate(const struct mail_query *q)
{
	struct mail_query_imap	m;
	struct buf		b = BUF_INIT;

	mail_query_to_imap(q, &m);
	mail_query_imap_write(&m, &b);
	fwrite(b.data, 1, b.len, stdout);
	putchar('\n');
	if (m.needs_local)
		fprintf(stderr, "needs-local\n");
	buf_free(&b);
	mail_query_imap_free(&m);
	return 0;
}

int
main(int argc, char **argv)
{
	struct mail_query	*q;
	time_t			 now = time(NULL);
	uint64_t		 n;
	char			*error = NULL;
	bool			 match = false;
	int			 i, rc;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--match") == 0)
			match = true;
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc - 1 &&
		    str_to_u64(argv[i + 1], strlen(argv[i + 1]), INT32_MAX, &n) == 0)
			now = (time_t)n, i++;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: query-to-imap [--now EPOCH] [--match] QUERY\n");
		return 2;
	}
	if (mail_query_parse(argv[i], now, &q, &error) < 0) {
		fprintf(stderr, "query-to-imap: %s\n", error);
		free(error);
		return 1;
	}
	rc = match ? match_all(q) : translate(q);
	mail_query_free(&q);
	return rc;
}
