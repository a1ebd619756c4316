/*
 * crispin sync [-f FOLDER | --all] [--bodies]: fills the cache for a trip
 * offline. Each folder is opened through the model, which caches its
 * index; with --bodies, each message's structure, header and the text
 * parts the pager would show go through the part cache as show fetches
 * them. A progress line goes to stderr when it is a terminal; a summary
 * line per folder to stdout.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_message.h"
#include "crispin/mime_part.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define USAGE "usage: crispin sync [-f FOLDER | --all] [--bodies]\n"
/* The link died on a BINARY fetch: the folder again on a new connection. */
#define SYNC_RETRY	(-1)
/* Each retry notes the part that cost it; more than this is a loop. */
#define MAX_RETRIES	3

struct name_list {
	struct cli_session	*s;
	char			**names;	/* owned, UTF-8 */
	size_t			 count;
	bool			 done;
	bool			 refused;
};

struct body_step {
	bool		 done;
	int		 status;
	char		*error;		/* owned */
};

/* Cells of the progress bar. */
#define SYNC_BAR_WIDTH	20

static void on_list(struct imap_client *, const struct imap_response *, void *);
static void list_done(struct imap_client *, const struct imap_response *, void *);
static int list_folders(struct cli_session *, struct name_list *);
static void step_done(struct mail_message *, int, const char *, void *);
static int wait_step(struct cli_session *, struct body_step *);
static int wait_body(struct cli_session *, struct body_step *,
	    struct mail_message *);
static int cache_bodies(struct cli_context *, struct cli_session *, struct cli_folder *,
	    const char *, uint32_t *);
static int sync_folder(struct cli_context *, struct cli_session *, const char *, bool);
static void progress(struct cli_context *, const char *, const char *, uint32_t,
	    uint32_t);

static void
on_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct name_list	*nl = arg;
	struct imap_list	 l;
	struct arena		*a = arena_new(0);
	char			*error = NULL;

	if (imap_list_parse(r, a, &l, &error) < 0) {
		free(error);
	} else if (!(l.attrs & (IMAP_MBOX_NOSELECT | IMAP_MBOX_NONEXISTENT))) {
		nl->names = xreallocarray(nl->names, nl->count + 1, sizeof *nl->names);
		nl->names[nl->count++] = imap_client_mailbox_utf8(c, l.name);
	}
	arena_free(&a);
}

static void
list_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct name_list	*nl = arg;

	nl->done = true;
	nl->refused = r->status != IMAP_STATUS_OK;
}

static int
list_folders(struct cli_session *s, struct name_list *nl)
{
	struct imap_cmd	*cmd = imap_cmd_new(s->client, 0);
	int		 rc;

	imap_cmd_add(cmd, "LIST \"\" \"*\"");
	imap_cmd_on_untagged(cmd, "LIST", on_list);
	imap_cmd_submit(cmd, list_done, nl);
	if ((rc = cli_session_wait(s, &nl->done)) != 0)
		return rc;
	if (nl->refused) {
		fprintf(s->ctx->err, "crispin: sync: the server refused to list the "
		    "folders\n");
		return EXIT_FAILURE_;
	}
	return 0;
}

static void
step_done(struct mail_message *m, int status, const char *error, void *arg)
{
	struct body_step	*st = arg;

	st->done = true;
	st->status = status;
	free(st->error);
	st->error = status < 0 && error != NULL ? str_sanitize(error) : NULL;
}

static int
wait_step(struct cli_session *s, struct body_step *st)
{
	int	rc = cli_session_wait(s, &st->done);

	st->done = false;
	return rc;
}

/* As wait_step, or SYNC_RETRY when the server dropped the connection
 * over BINARY (the part is noted in the store, so the next connection
 * fetches it encoded). */
static int
wait_body(struct cli_session *s, struct body_step *st, struct mail_message *msg)
{
	while (!st->done && s->err == ERR_NONE && !s->closed)
		ev_loop_run_once(s->loop, -1);
	if (mail_message_binary_dropped(msg)) {
		st->done = false;
		return SYNC_RETRY;
	}
	return wait_step(s, st);
}

/* "\rsync INBOX: bodies [######              ] 12/40" while stderr is a
 * terminal. */
static void
progress(struct cli_context *ctx, const char *folder, const char *what, uint32_t done,
    uint32_t total)
{
	char		 bar[SYNC_BAR_WIDTH + 1];
	uint32_t	 filled = total > 0 ? (uint32_t)((uint64_t)done *
			    SYNC_BAR_WIDTH / total) : SYNC_BAR_WIDTH;

	if (!isatty(fileno(ctx->err)))
		return;
	memset(bar, ' ', SYNC_BAR_WIDTH);
	memset(bar, '#', filled > SYNC_BAR_WIDTH ? SYNC_BAR_WIDTH : filled);
	bar[SYNC_BAR_WIDTH] = '\0';
	fprintf(ctx->err, "\rsync %s: %s [%s] %u/%u", folder, what, bar, done, total);
	if (done == total)
		fputs("\r\033[K", ctx->err);
	fflush(ctx->err);
}

/* Structure, header and shown text of every message, one at a time (one
 * message holds the client's literal sink). */
static int
cache_bodies(struct cli_context *ctx, struct cli_session *s, struct cli_folder *cf,
    const char *clean, uint32_t *cached_r)
{
	static const char *const dflt_order[] = { "text/plain", "text/html", NULL };
	struct mail_message_params	 p;
	struct mail_message		*msg;
	struct body_step		 st;
	struct mime_shown		*shown;
	struct arena			*a;
	const struct mail_msg		*m;
	const char			*order_opt, **order = NULL;
	char				*copy = NULL, *w, *save = NULL;
	size_t				 n, norder = 0;
	uint32_t			 seq, count = mail_folder_count(cf->folder);
	int				 rc = 0;

	memset(&st, 0, sizeof st);
	if ((order_opt = config_str(ctx->cfg, "alternative_order")) != NULL) {
		copy = xstrdup(order_opt);
		for (w = strtok_r(copy, " \t,", &save); w != NULL;
		    w = strtok_r(NULL, " \t,", &save)) {
			order = xreallocarray(order, norder + 2, sizeof *order);
			order[norder++] = w;
			order[norder] = NULL;
		}
	}
	memset(&p, 0, sizeof p);
	p.folder = mail_folder_name(cf->folder);
	p.uidvalidity = mail_folder_uidvalidity(cf->folder);
	p.store = cf->store;
	/* BINARY where offered, as show asks; a part the server refuses is
	 * noted and fetched encoded. */
	p.notes = cf->store;
	for (seq = 1; seq <= count && rc == 0; seq++) {
		progress(ctx, clean, "bodies", seq - 1, count);
		if ((m = mail_folder_msg(cf->folder, seq)) == NULL || m->uid == 0)
			continue;
		msg = mail_message_new(s->client, &p, m->uid);
		mail_message_load(msg, step_done, &st);
		if ((rc = wait_step(s, &st)) == 0 && st.status == 0) {
			a = arena_new(0);
			n = mime_select_display(mail_message_root(msg), order != NULL ?
			    order : dflt_order, a, &shown);
			mail_message_fetch_shown(msg, shown, n, step_done, &st);
			if ((rc = wait_body(s, &st, msg)) == 0 && st.status == 0)
				(*cached_r)++;
			arena_free(&a);
		}
		if (rc == 0 && st.status < 0)
			fprintf(ctx->err, "%scrispin: sync: %s\n", isatty(fileno(ctx->err)) ?
			    "\r\033[K" : "", st.error != NULL ? st.error : "fetch failed");
		mail_message_free(&msg);
	}
	progress(ctx, clean, "bodies", count, count);
	free(st.error);
	free(order);
	free(copy);
	return rc;
}

static int
sync_folder(struct cli_context *ctx, struct cli_session *s, const char *name, bool bodies)
{
	struct cli_folder	 cf;
	char			*clean = str_sanitize(name);
	uint32_t		 cached = 0;
	int			 rc;

	if (isatty(fileno(ctx->err))) {
		fprintf(ctx->err, "\rsync %s: headers", clean);
		fflush(ctx->err);
	}
	if ((rc = cli_folder_open(&cf, s, name, true)) == 0 && cf.store == NULL) {
		fprintf(ctx->err, "\ncrispin: sync: the cache is off (header_cache), so "
		    "there is nothing to fill\n");
		rc = EXIT_CONFIG;
	}
	if (rc == 0 && bodies) {
		if (config_num(ctx->cfg, "body_cache_size") == 0)
			fprintf(ctx->err, "crispin: sync: body_cache_size is 0, so no "
			    "bodies are kept\n");
		else
			rc = cache_bodies(ctx, s, &cf, clean, &cached);
	}
	if (rc == 0) {
		fprintf(ctx->out, "synced %s: %u messages", clean,
		    mail_folder_count(cf.folder));
		if (bodies)
			fprintf(ctx->out, ", text of %u cached", cached);
		fputc('\n', ctx->out);
	}
	cli_folder_close(&cf);
	free(clean);
	return rc;
}

int
cli_sync(struct cli_context *ctx, int argc, char **argv)
{
	struct cli_session	 s;
	struct name_list	 nl;
	const char		*folder = NULL, *a;
	bool			 all = false, bodies = false;
	size_t			 i;
	int			 rc = 0, r, failed = 0, retries = 0;

	for (i = 1; i < (size_t)argc; i++) {
		a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--folder") == 0) {
			if (++i == (size_t)argc) {
				fprintf(ctx->err, "crispin: sync: %s needs a folder\n" USAGE, a);
				return EXIT_USAGE;
			}
			folder = argv[i];
		} else if (str_has_prefix(a, "--folder="))
			folder = a + strlen("--folder=");
		else if (strcmp(a, "--all") == 0)
			all = true;
		else if (strcmp(a, "--bodies") == 0)
			bodies = true;
		else {
			fprintf(ctx->err, "crispin: sync: unexpected argument '%s'\n" USAGE, a);
			return EXIT_USAGE;
		}
	}
	if (all && folder != NULL) {
		fprintf(ctx->err, "crispin: sync: -f and --all go one at a time\n" USAGE);
		return EXIT_USAGE;
	}
	if (ctx->offline) {
		fprintf(ctx->err, "crispin: sync: fills the cache from the server, so it "
		    "cannot run offline\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	memset(&nl, 0, sizeof nl);
	nl.s = &s;
	if (all)
		rc = list_folders(&s, &nl);
	else {
		nl.names = xcalloc(1, sizeof *nl.names);
		nl.names[nl.count++] = xstrdup(folder != NULL ? folder : "INBOX");
	}
	/* A folder that fails does not stop the others; the exit says so. */
	for (i = 0; rc == 0 && i < nl.count; i++) {
		while ((r = sync_folder(ctx, &s, nl.names[i], bodies)) == SYNC_RETRY &&
		    retries++ < MAX_RETRIES) {
			fprintf(ctx->err, "crispin: sync: the server closed the connection "
			    "when asked for a decoded (BINARY) part; going on without "
			    "it on a new connection\n");
			cli_session_close(&s);
			if ((rc = cli_session_open(&s, ctx)) != 0)
				break;
		}
		if (rc != 0)
			break;
		if (r == 0)
			continue;
		if (r == SYNC_RETRY)
			r = EXIT_NETWORK;
		if (s.closed || s.err == ERR_NETWORK || s.err == ERR_PROTOCOL) {
			rc = r;
			break;
		}
		/* The failure was printed; the session goes on. */
		s.err = ERR_NONE;
		x_free(&s.errmsg);
		failed = r;
	}
	if (rc == 0)
		rc = failed;
	for (i = 0; i < nl.count; i++)
		free(nl.names[i]);
	free(nl.names);
	cli_session_close(&s);
	return rc;
}
