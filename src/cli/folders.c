/*
 * crispin folders [--counts] [--json]: every folder with its special-use
 * role and, with --counts, total and unseen messages. One LIST with
 * RETURN (SPECIAL-USE STATUS ...) where the server has LIST-STATUS,
 * otherwise LIST then all STATUS commands pipelined. Other users' and
 * shared namespaces (RFC 2342) that "*" did not reach get a LIST of their
 * own prefix; each folder says which namespace it is in.
 *
 * Which namespaces those are is known once NAMESPACE and "*" have
 * answered, so LOGOUT would wait for them: one more round trip. The ones
 * "*" missed last time are remembered beside the account's cache; with
 * that memory their LISTs and LOGOUT go in the first flight, and should
 * the server name new ones since, a second session lists them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/cli.h"
#include "crispin/fdio.h"
#include "crispin/json.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_namespace.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct folder {
	char		*raw;		/* owned: the name as the server sent it */
	char		*name;		/* owned: UTF-8 */
	char		 delimiter;
	unsigned	 attrs;
	char		*special_use;	/* owned or NULL */
	enum mail_namespace ns;
	bool		 by_star;	/* LIST "*" returned it */
	bool		 has_counts;
	uint32_t	 total, unseen;
};

struct folders_run {
	struct cli_session	*s;
	struct folder		*list;		/* owned */
	size_t			 count;
	bool			 counts;
	bool			 special_use;	/* RETURN (SPECIAL-USE) */
	bool			 list_status;	/* RETURN (STATUS ...) counts */
	unsigned		 lists_pending;
	bool			 logged_out;	/* LOGOUT queued already */
	char			**listed;	/* owned: prefixes given a LIST */
	size_t			 nlisted;
	unsigned		 status_pending;
	bool			 done;
};

/* The prefixes LIST "*" did not reach, as remembered (a file in the
 * account's cache directory, one per line). */
struct unreached {
	bool		 known;		/* the file was there */
	char		**v;		/* owned */
	size_t		 n;
};

#define UNREACHED_FILE	"unreached-namespaces"
#define UNREACHED_MAX	65536

static void on_list(struct imap_client *, const struct imap_response *, void *);
static void on_star_list(struct imap_client *, const struct imap_response *, void *);
static void add_folder(struct folders_run *, struct imap_client *,
	    const struct imap_response *, bool);
static void on_status(struct imap_client *, const struct imap_response *, void *);
static void list_done(struct imap_client *, const struct imap_response *, void *);
static void star_done(struct imap_client *, const struct imap_response *, void *);
static void status_done(struct imap_client *, const struct imap_response *, void *);
static int folder_cmp(const void *, const void *);
static void send_list(struct folders_run *, struct imap_client *, const char *);
static void send_prefix(struct folders_run *, struct imap_client *, const char *);
static bool was_listed(const struct folders_run *, const char *);
static bool star_reached(const struct folders_run *, const struct imap_ns *);
static void list_namespaces(struct folders_run *, struct imap_client *, bool);
static char *unreached_path(struct cli_context *);
static void unreached_load(struct cli_context *, struct unreached *);
static void unreached_save(struct cli_context *, char *const *, size_t);
static void unreached_free(struct unreached *);
static int settle_namespaces(struct folders_run *, struct cli_session *,
	    const struct unreached *);
static bool needs_status(const struct folders_run *);
static void print_folders(struct folders_run *, bool);

static void
on_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	add_folder(arg, c, r, false);
}

static void
on_star_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	add_folder(arg, c, r, true);
}

static void
add_folder(struct folders_run *run, struct imap_client *c, const struct imap_response *r,
    bool by_star)
{
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
			run->list[i].by_star |= by_star;
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
	f->by_star = by_star;
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
	if (--run->lists_pending > 0)
		return;
	if (!needs_status(run)) {
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

/* NAMESPACE went before "*" and is answered: unless LOGOUT went already,
 * the namespaces "*" missed are listed now, together. */
static void
star_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folders_run	*run = arg;

	if (r->status == IMAP_STATUS_OK && !run->logged_out) {
		list_namespaces(run, c, true);
		if (!needs_status(run)) {
			imap_client_logout(c);
			run->logged_out = true;
		}
	}
	list_done(c, r, arg);
}

/* Counts that the LIST answers do not carry cost a STATUS round. */
static bool
needs_status(const struct folders_run *run)
{
	return run->counts && !run->list_status;
}

/* LIST "" "*", or the folders below one namespace's prefix, with the same
 * RETURN options either way. */
static void
send_list(struct folders_run *run, struct imap_client *c, const char *pattern)
{
	struct imap_cmd	*cmd;
	bool		 star = strcmp(pattern, "*") == 0;

	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LIST \"\" ");
	if (star)
		imap_cmd_add(cmd, "\"*\"");
	else
		imap_cmd_add_string(cmd, pattern);
	if (run->special_use || run->list_status)
		imap_cmd_add(cmd, " RETURN (%s%s%s)", run->special_use ? "SPECIAL-USE" : "",
		    run->special_use && run->list_status ? " " : "",
		    run->list_status ? "STATUS (MESSAGES UNSEEN)" : "");
	imap_cmd_on_untagged(cmd, "LIST", star ? on_star_list : on_list);
	imap_cmd_on_untagged(cmd, "STATUS", on_status);
	run->lists_pending++;
	imap_cmd_submit(cmd, star ? star_done : list_done, run);
}

/* LIST "" "prefix*", once per prefix. */
static void
send_prefix(struct folders_run *run, struct imap_client *c, const char *prefix)
{
	char	*pattern;

	if (was_listed(run, prefix))
		return;
	pattern = xasprintf("%s*", prefix);
	send_list(run, c, pattern);
	free(pattern);
	run->listed = xreallocarray(run->listed, run->nlisted + 1, sizeof *run->listed);
	run->listed[run->nlisted++] = xstrdup(prefix);
}

static bool
was_listed(const struct folders_run *run, const char *prefix)
{
	size_t	i;

	for (i = 0; i < run->nlisted; i++) {
		if (strcmp(run->listed[i], prefix) == 0)
			return true;
	}
	return false;
}

/* Whether LIST "*" returned a folder below the namespace's prefix. */
static bool
star_reached(const struct folders_run *run, const struct imap_ns *v)
{
	size_t	i;

	for (i = 0; i < run->count; i++) {
		if (run->list[i].by_star && mail_namespace_inside(v, run->list[i].raw))
			return true;
	}
	return false;
}

/* LIST "" "prefix*" for each other users' and shared namespace not
 * listed yet; with unreached, only for those "*" did not reach. */
static void
list_namespaces(struct folders_run *run, struct imap_client *c, bool unreached)
{
	const struct imap_namespaces	*ns = imap_client_namespaces(c);
	const struct imap_ns		*v;
	size_t				 i;

	for (i = 0; (v = mail_namespace_foreign(ns, i)) != NULL; i++) {
		if (!unreached || !star_reached(run, v))
			send_prefix(run, c, v->prefix);
	}
}

static char *
unreached_path(struct cli_context *ctx)
{
	struct imap_account	 acct;
	char			*dir, *path, *error = NULL;

	if (config_imap_account(ctx->cfg, &acct, &error) < 0) {
		free(error);
		return NULL;
	}
	dir = cli_account_cache_dir(ctx, &acct);
	imap_account_free(&acct);
	if (dir == NULL)
		return NULL;
	path = xasprintf("%s/%s", dir, UNREACHED_FILE);
	free(dir);
	return path;
}

static void
unreached_load(struct cli_context *ctx, struct unreached *u)
{
	struct buf	 b = BUF_INIT;
	char		*path = unreached_path(ctx), *line, *save = NULL;

	memset(u, 0, sizeof *u);
	if (path == NULL || file_read_all(path, &b, UNREACHED_MAX) < 0) {
		free(path);
		buf_free(&b);
		return;
	}
	u->known = true;
	for (line = b.len > 0 ? strtok_r(b.data, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		u->v = xreallocarray(u->v, u->n + 1, sizeof *u->v);
		u->v[u->n++] = xstrdup(line);
	}
	buf_free(&b);
	free(path);
}

/* Written whole (rename), 0600 like the cache; a failure costs only the
 * round trip next time. */
static void
unreached_save(struct cli_context *ctx, char *const *v, size_t n)
{
	struct store	*st;
	struct buf	 b = BUF_INIT;
	char		*path = unreached_path(ctx);
	size_t		 i;

	if (path == NULL)
		return;
	for (i = 0; i < n; i++) {
		/* A prefix is one line of the file. */
		if (strpbrk(v[i], "\r\n") != NULL)
			goto out;
		buf_printf(&b, "%s\n", v[i]);
	}
	if (file_replace_private(path, b.data, b.len) == -1 && errno == ENOENT &&
	    (st = cli_open_store(ctx)) != NULL) {
		/* Opening the cache makes the account's directory. */
		store_close(&st);
		(void)file_replace_private(path, b.data, b.len);
	}
out:
	buf_free(&b);
	free(path);
}

static void
unreached_free(struct unreached *u)
{
	size_t	i;

	for (i = 0; i < u->n; i++)
		free(u->v[i]);
	free(u->v);
	memset(u, 0, sizeof *u);
}

/*
 * Once the session has answered everything: remembers which namespaces
 * "*" did not reach, and when LOGOUT went before that was known and a
 * namespace was missed, lists it on a second session.
 */
static int
settle_namespaces(struct folders_run *run, struct cli_session *s,
    const struct unreached *mem)
{
	const struct imap_namespaces	*ns = imap_client_namespaces(s->client);
	const struct imap_ns		*v;
	struct cli_context		*ctx = s->ctx;
	char				**now = NULL, **missed = NULL;
	size_t				 nnow = 0, nmissed = 0, i, k;
	bool				 same;
	int				 rc = 0;

	if (ns == NULL)
		return 0;
	for (i = 0; (v = mail_namespace_foreign(ns, i)) != NULL; i++) {
		if (star_reached(run, v))
			continue;
		now = xreallocarray(now, nnow + 1, sizeof *now);
		now[nnow++] = xstrdup(v->prefix);
		if (!was_listed(run, v->prefix)) {
			missed = xreallocarray(missed, nmissed + 1, sizeof *missed);
			missed[nmissed++] = now[nnow - 1];
		}
	}
	same = mem->known && mem->n == nnow;
	for (i = 0; same && i < nnow; i++) {
		for (k = 0; k < mem->n && strcmp(mem->v[k], now[i]) != 0; k++)
			;
		same = k < mem->n;
	}
	if (!same)
		unreached_save(ctx, now, nnow);
	if (nmissed > 0) {
		/* The server names namespaces it did not name last time. */
		cli_session_close(s);
		if ((rc = cli_session_open(s, ctx)) == 0) {
			run->done = run->logged_out = false;
			/* Its folders are told apart by namespace too. */
			imap_client_ask_namespaces(s->client);
			for (i = 0; i < nmissed; i++)
				send_prefix(run, s->client, missed[i]);
			if (!needs_status(run)) {
				imap_client_logout(s->client);
				run->logged_out = true;
			}
			rc = cli_session_wait(s, &run->done);
		}
	}
	for (i = 0; i < nnow; i++)
		free(now[i]);
	free(now);
	free(missed);
	return rc;
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
	struct unreached	 mem;
	struct imap_client	*c;
	bool			 json = false;
	int			 ch, rc;
	size_t			 i;

	memset(&run, 0, sizeof run);
	memset(&mem, 0, sizeof mem);
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

	if (imap_client_has_cap(c, "LIST-EXTENDED") || imap_client_has_cap(c, "IMAP4REV2")) {
		run.special_use = imap_client_has_cap(c, "SPECIAL-USE") ||
		    imap_client_has_cap(c, "IMAP4REV2");
		run.list_status = run.counts && imap_client_has_cap(c, "LIST-STATUS");
	}
	/*
	 * NAMESPACE goes before "*". The namespaces "*" may miss are known
	 * from memory, and then their LISTs and LOGOUT go in this flight;
	 * else LOGOUT waits for the answers (star_done).
	 */
	imap_client_ask_namespaces(c);
	send_list(&run, c, "*");
	if (imap_client_namespaces(c) != NULL)
		list_namespaces(&run, c, false);
	else if (imap_client_has_cap(c, "NAMESPACE")) {
		unreached_load(ctx, &mem);
		for (i = 0; i < mem.n; i++)
			send_prefix(&run, c, mem.v[i]);
	}
	if (!needs_status(&run) && (mem.known || !imap_client_has_cap(c, "NAMESPACE") ||
	    imap_client_namespaces(c) != NULL)) {
		imap_client_logout(c);
		run.logged_out = true;
	}

	rc = cli_session_wait(&s, &run.done);
	if (rc == 0 && s.err == ERR_NONE) {
		/* Should a second session for a namespace new since fail, what
		 * the first one found is printed all the same. */
		rc = settle_namespaces(&run, &s, &mem);
		print_folders(&run, json);
	} else if (rc == 0)
		rc = cli_session_wait(&s, &run.done);
	cli_session_close(&s);
	for (i = 0; i < run.count; i++) {
		free(run.list[i].raw);
		free(run.list[i].name);
		free(run.list[i].special_use);
	}
	free(run.list);
	for (i = 0; i < run.nlisted; i++)
		free(run.listed[i]);
	free(run.listed);
	unreached_free(&mem);
	return rc;
}
