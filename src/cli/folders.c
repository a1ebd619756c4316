/*
 * crispin folders [--counts] [--json]: every folder with its special-use
 * role and, with --counts, total and unseen messages. One LIST with
 * RETURN (SPECIAL-USE STATUS ...) where the server has LIST-STATUS,
 * otherwise LIST then all STATUS commands pipelined. Other users' and
 * shared namespaces (RFC 2342) get a LIST of their own prefix, since
 * "*" need not reach them; each folder says which namespace it is in.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/json.h"
#include "crispin/mail_folder.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct folder {
	char		*raw;		/* owned: the name as the server sent it */
	char		*name;		/* owned: UTF-8 */
	char		 delimiter;
	unsigned	 attrs;
	char		*special_use;	/* owned or NULL */
	enum mail_namespace ns;
	bool		 has_counts;
	uint32_t	 total, unseen;
};

struct folders_run {
	struct cli_session	*s;
	struct folder		*list;		/* owned */
	size_t			 count;
	bool			 counts;
	unsigned		 lists_pending;
	bool			 logged_out;	/* LOGOUT queued already */
	bool			 ns_later;	/* NAMESPACE not answered yet */
	unsigned		 status_pending;
	bool			 done;
};

static void on_list(struct imap_client *, const struct imap_response *, void *);
static void on_status(struct imap_client *, const struct imap_response *, void *);
static void list_done(struct imap_client *, const struct imap_response *, void *);
static void status_done(struct imap_client *, const struct imap_response *, void *);
static int folder_cmp(const void *, const void *);
static void list_namespaces(struct folders_run *, struct imap_client *);
static void print_folders(struct folders_run *, bool);

static void
on_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folders_run	*run = arg;
	struct imap_list	 l;
	struct arena		*a = arena_new(0);
	struct folder		*f;
	char			*error = NULL;

	if (imap_list_parse(r, a, &l, &error) < 0) {
		cli_session_fail(run->s, ERR_PROTOCOL, "bad LIST response: %s", error);
		free(error);
		arena_free(&a);
		return;
	}
	/* A namespace's own LIST may repeat what "*" found. */
	for (size_t i = 0; i < run->count; i++) {
		if (strcmp(run->list[i].raw, l.name) == 0) {
			arena_free(&a);
			return;
		}
	}
	run->list = xreallocarray(run->list, run->count + 1, sizeof *run->list);
	f = &run->list[run->count++];
	memset(f, 0, sizeof *f);
	f->raw = xstrdup(l.name);
	f->name = imap_client_mailbox_utf8(c, l.name);
	f->delimiter = l.delimiter;
	f->attrs = l.attrs;
	f->special_use = l.special_use != NULL ? xstrdup(l.special_use) : NULL;
	f->ns = mail_namespace_of(imap_client_namespaces(c), l.name);
	arena_free(&a);
}

static void
on_status(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folders_run	*run = arg;
	struct imap_status_data	 st;
	struct arena		*a = arena_new(0);
	char			*error = NULL;
	size_t			 i;

	if (imap_status_parse(r, a, &st, &error) < 0) {
		cli_session_fail(run->s, ERR_PROTOCOL, "bad STATUS response: %s", error);
		free(error);
		arena_free(&a);
		return;
	}
	for (i = 0; i < run->count; i++) {
		if (strcmp(run->list[i].raw, st.mailbox) == 0 ||
		    (str_ieq(st.mailbox, "INBOX") && str_ieq(run->list[i].raw, "INBOX"))) {
			run->list[i].has_counts = (st.have & (IMAP_STATUS_MESSAGES |
			    IMAP_STATUS_UNSEEN)) == (IMAP_STATUS_MESSAGES | IMAP_STATUS_UNSEEN);
			run->list[i].total = st.messages;
			run->list[i].unseen = st.unseen;
			break;
		}
	}
	arena_free(&a);
}

static void
status_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folders_run	*run = arg;

	if (r->status != IMAP_STATUS_OK) {
		char *why = str_sanitize(r->text);

		cli_session_fail(run->s, ERR_FAILURE, "STATUS failed: %s", why);
		free(why);
	}
	if (--run->status_pending == 0)
		run->done = true;
}

static void
list_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folders_run	*run = arg;
	struct imap_cmd		*cmd;
	size_t			 i;

	if (r->status != IMAP_STATUS_OK) {
		char *why = str_sanitize(r->text);

		cli_session_fail(run->s, ERR_FAILURE, "LIST failed: %s", why);
		free(why);
		run->done = true;
		return;
	}
	/* NAMESPACE was answered before this LIST (it went first). */
	if (run->ns_later) {
		run->ns_later = false;
		list_namespaces(run, c);
	}
	if (--run->lists_pending > 0)
		return;
	if (!run->counts || run->logged_out) {
		run->done = true;
		if (!run->logged_out)
			imap_client_logout(c);
		run->logged_out = true;
		return;
	}
	/* Ask every selectable folder LIST-STATUS did not count, at once. */
	for (i = 0; i < run->count; i++) {
		if (run->list[i].attrs & (IMAP_MBOX_NOSELECT | IMAP_MBOX_NONEXISTENT) ||
		    run->list[i].has_counts)
			continue;
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "STATUS ");
		imap_cmd_add_string(cmd, run->list[i].raw);
		imap_cmd_add(cmd, " (MESSAGES UNSEEN)");
		imap_cmd_on_untagged(cmd, "STATUS", on_status);
		run->status_pending++;
		imap_cmd_submit(cmd, status_done, run);
	}
	if (run->status_pending == 0)
		run->done = true;
	imap_client_logout(c);
	run->logged_out = true;
}

/* LIST "" "prefix*" for each other users' and shared namespace, in the
 * same flight as the first LIST (counts come by STATUS for them). */
static void
list_namespaces(struct folders_run *run, struct imap_client *c)
{
	const struct imap_namespaces	*ns = imap_client_namespaces(c);
	const struct imap_ns		*v;
	struct imap_cmd			*cmd;
	size_t				 i, n;
	int				 kind;
	char				*pattern;

	if (ns == NULL)
		return;
	for (kind = 0; kind < 2; kind++) {
		v = kind == 0 ? ns->other : ns->shared;
		n = kind == 0 ? ns->nother : ns->nshared;
		for (i = 0; i < n; i++) {
			if (v[i].prefix[0] == '\0')
				continue;
			cmd = imap_cmd_new(c, 0);
			imap_cmd_add(cmd, "LIST \"\" ");
			pattern = xasprintf("%s*", v[i].prefix);
			imap_cmd_add_string(cmd, pattern);
			free(pattern);
			imap_cmd_on_untagged(cmd, "LIST", on_list);
			run->lists_pending++;
			imap_cmd_submit(cmd, list_done, run);
		}
	}
}

/* INBOX first, then by name. */
static int
folder_cmp(const void *a, const void *b)
{
	const struct folder	*fa = a, *fb = b;
	bool			 ia = str_ieq(fa->raw, "INBOX"), ib = str_ieq(fb->raw, "INBOX");

	if (ia != ib)
		return ia ? -1 : 1;
	return strcmp(fa->name, fb->name);
}

static void
print_folders(struct folders_run *run, bool json)
{
	FILE		*out = run->s->ctx->out;
	struct buf	 line = BUF_INIT;
	struct folder	*f;
	char		 delim[2], *clean;
	size_t		 i;

	qsort(run->list, run->count, sizeof *run->list, folder_cmp);
	for (i = 0; i < run->count; i++) {
		f = &run->list[i];
		buf_reset(&line);
		if (json) {
			json_obj_begin(&line);
			json_field_string(&line, "name", f->name);
			delim[0] = f->delimiter;
			delim[1] = '\0';
			json_field_string(&line, "delimiter", f->delimiter ? delim : NULL);
			json_field_string(&line, "special_use", f->special_use);
			json_field_string(&line, "namespace", mail_namespace_name(f->ns));
			if (run->counts && f->has_counts) {
				json_field_int(&line, "total", f->total);
				json_field_int(&line, "unseen", f->unseen);
			} else if (run->counts) {
				json_field_null(&line, "total");
				json_field_null(&line, "unseen");
			}
			json_obj_end(&line);
		} else {
			clean = str_sanitize(f->name);
			buf_printf(&line, "%s\t%s", clean, f->special_use ? f->special_use : "-");
			free(clean);
			if (run->counts && f->has_counts)
				buf_printf(&line, "\t%u\t%u", f->total, f->unseen);
			else if (run->counts)
				buf_adds(&line, "\t-\t-");
		}
		fprintf(out, "%s\n", buf_cstr(&line));
	}
	buf_free(&line);
}

int
cli_folders(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "counts", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_session	 s;
	struct folders_run	 run;
	struct imap_cmd		*cmd;
	struct imap_client	*c;
	bool			 json = false;
	int			 ch, rc;
	size_t			 i;

	memset(&run, 0, sizeof run);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			run.counts = true;
			break;
		case 'j':
			json = true;
			break;
		default:
			fprintf(ctx->err, "crispin: folders: unknown option '%s'\n"
			    "usage: crispin folders [--counts] [--json]\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(ctx->err, "crispin: folders: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	run.s = &s;
	c = s.client;

	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LIST \"\" \"*\"");
	if (imap_client_has_cap(c, "LIST-EXTENDED") || imap_client_has_cap(c, "IMAP4REV2")) {
		bool su = imap_client_has_cap(c, "SPECIAL-USE") || imap_client_has_cap(c, "IMAP4REV2");
		bool ls = run.counts && imap_client_has_cap(c, "LIST-STATUS");

		if (su || ls)
			imap_cmd_add(cmd, " RETURN (%s%s%s)", su ? "SPECIAL-USE" : "",
			    su && ls ? " " : "", ls ? "STATUS (MESSAGES UNSEEN)" : "");
	}
	imap_cmd_on_untagged(cmd, "LIST", on_list);
	imap_cmd_on_untagged(cmd, "STATUS", on_status);
	run.lists_pending++;
	imap_cmd_submit(cmd, list_done, &run);
	/*
	 * Other namespaces' prefixes are known once NAMESPACE, sent at login,
	 * is answered. Where STATUS needs a round trip anyway, they are listed
	 * then; else LIST "*" (which reaches them on common servers) and
	 * LOGOUT go in one flight.
	 */
	if (imap_client_namespaces(c) != NULL)
		list_namespaces(&run, c);
	else if (run.counts && !imap_client_has_cap(c, "LIST-STATUS") &&
	    imap_client_has_cap(c, "NAMESPACE"))
		run.ns_later = true;
	/* With LIST-STATUS (or no counts) this is the last command: log out
	 * in the same flight instead of one more round trip. */
	if (!run.ns_later && (!run.counts || (imap_client_has_cap(c, "LIST-STATUS") &&
	    run.lists_pending == 1))) {
		imap_client_logout(c);
		run.logged_out = true;
	}

	rc = cli_session_wait(&s, &run.done);
	if (rc == 0 && s.err == ERR_NONE)
		print_folders(&run, json);
	else if (rc == 0)
		rc = cli_session_wait(&s, &run.done);
	cli_session_close(&s);
	for (i = 0; i < run.count; i++) {
		free(run.list[i].raw);
		free(run.list[i].name);
		free(run.list[i].special_use);
	}
	free(run.list);
	return rc;
}
