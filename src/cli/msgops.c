/*
 * crispin copy|move [-f FOLDER] UID... DEST and crispin delete [-f FOLDER]
 * UID...: one command on a compact UID set through the folder model, so
 * the cache follows. DEST (and the trash option) may name a special-use
 * role (":archive", "\Trash"). Each prints what it did; a move that could
 * only mark its messages, or UIDs that are not there, exit non-zero.
 * Offline (--offline) the change is journaled and shown done in the cache;
 * roles cannot be looked up then, so folders are named.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/mail_folder.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

enum msgop_kind {
	MSGOP_COPY,
	MSGOP_MOVE,
	MSGOP_DELETE,
};

struct msgop_def {
	const char	*name;
	enum msgop_kind	 kind;
	bool		 wants_dest;
};

static const struct msgop_def defs[] = {
	[MSGOP_COPY] = { "copy", MSGOP_COPY, true },
	[MSGOP_MOVE] = { "move", MSGOP_MOVE, true },
	[MSGOP_DELETE] = { "delete", MSGOP_DELETE, false },
};

struct msgop_run {
	const struct msgop_def	*def;
	struct cli_context	*ctx;
	const char		*folder;	/* as given */
	const struct imap_seqset *asked;	/* borrowed: the UIDs given */
	bool			 done;
	int			 rc;
};

static int usage(struct cli_context *, const struct msgop_def *, const char *,
	    const char *);
static int run_op(struct cli_context *, const struct msgop_def *, int, char **);
static void op_done(struct mail_folder *, int, const struct mail_op_result *, void *);
static void report(struct msgop_run *, const struct mail_op_result *);
static void report_missing(struct msgop_run *, const struct mail_op_result *);
static char *set_text(const struct imap_seqset *);
static int resolve_offline(struct cli_context *, const struct msgop_def *, const char *,
	    char **);

static int
usage(struct cli_context *ctx, const struct msgop_def *d, const char *what,
    const char *arg)
{
	const struct cli_command	*c = cli_find(d->name);

	fprintf(ctx->err, "crispin: %s: %s%s%s%s\nusage: crispin %s\n", d->name, what,
	    arg != NULL ? " '" : "", arg != NULL ? arg : "", arg != NULL ? "'" : "",
	    c != NULL ? c->usage : d->name);
	return EXIT_USAGE;
}

/* Normalized, so "3:7,8" reads "3:8". */
static char *
set_text(const struct imap_seqset *set)
{
	struct imap_seqset	 n;
	struct buf		 b = BUF_INIT;
	size_t			 i;
	char			*s;

	imap_seqset_init(&n);
	for (i = 0; i < set->count; i++)
		imap_seqset_add(&n, set->ranges[i].lo, set->ranges[i].hi);
	imap_seqset_normalize(&n);
	imap_seqset_write(&b, &n);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	imap_seqset_free(&n);
	return s;
}

/* A folder name as given; a role needs the server's LIST. */
static int
resolve_offline(struct cli_context *ctx, const struct msgop_def *d, const char *name,
    char **dest_r)
{
	const char	*set = cli_role_option(ctx, name);
	char		*clean;

	if (set != NULL)
		name = set;
	if (name[0] == ':' || name[0] == '\\') {
		clean = str_sanitize(name);
		fprintf(ctx->err, "crispin: %s: offline, '%s' cannot be looked up on the "
		    "server; name the folder%s\n", d->name, clean, d->kind == MSGOP_DELETE ?
		    " in the trash option" : "");
		free(clean);
		return EXIT_USAGE;
	}
	*dest_r = xstrdup(name);
	return 0;
}

static void
report(struct msgop_run *run, const struct mail_op_result *res)
{
	FILE	*out = run->ctx->out;
	char	*uids = set_text(&res->uids), *folder = str_sanitize(run->folder);
	char	*dest = res->dest != NULL ? str_sanitize(res->dest) : NULL, *nu;
	const char *s = res->count == 1 ? "" : "s";

	/* Offline: done in the cache, on the server at the next connection. */
	if (res->queued)
		fputs("queued: ", out);
	if (res->dest == NULL)
		fprintf(out, "marked %u message%s \\Deleted in %s (UIDs %s)\n", res->count,
		    s, folder, uids);
	else if (res->marked_only)
		fprintf(out, "copied %u message%s to %s (UIDs %s) and marked them "
		    "\\Deleted in %s\n", res->count, s, dest, uids, folder);
	else
		fprintf(out, "%s %u message%s to %s (UIDs %s",
		    run->def->kind == MSGOP_COPY ? "copied" : "moved", res->count, s, dest,
		    uids);
	if (res->dest != NULL && !res->marked_only) {
		if (res->dest_uidvalidity != 0) {
			nu = set_text(&res->dst);
			fprintf(out, ", now %s there", nu);
			free(nu);
		}
		fputs(")\n", out);
	}
	if (res->marked_only) {
		fprintf(run->ctx->err, "crispin: %s: the server cannot expunge only these "
		    "messages (it lacks UIDPLUS), so UIDs %s stay in %s marked \\Deleted; "
		    "expunging %s would also remove every other \\Deleted message there\n",
		    run->def->name, uids, folder, folder);
		run->rc = EXIT_FAILURE_;
	}
	free(uids);
	free(folder);
	free(dest);
}

/* Single UIDs given that the folder does not have; ranges may have gaps. */
static void
report_missing(struct msgop_run *run, const struct mail_op_result *res)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;
	uint32_t	 u;
	char		*folder;

	for (i = 0; i < run->asked->count; i++) {
		u = run->asked->ranges[i].lo;
		if (u != run->asked->ranges[i].hi || imap_seqset_contains(&res->uids, u))
			continue;
		buf_printf(&b, "%s%u", b.len > 0 ? "," : "", u);
	}
	if (b.len > 0) {
		folder = str_sanitize(run->folder);
		fprintf(run->ctx->err, "crispin: %s: no message with UID %s in %s\n",
		    run->def->name, buf_cstr(&b), folder);
		free(folder);
		run->rc = EXIT_FAILURE_;
	}
	buf_free(&b);
}

static void
op_done(struct mail_folder *f, int status, const struct mail_op_result *res, void *arg)
{
	struct msgop_run	*run = arg;

	run->done = true;
	if (status < 0)
		return;		/* the error event has the reason */
	report(run, res);
	report_missing(run, res);
}

static int
run_op(struct cli_context *ctx, const struct msgop_def *d, int argc, char **argv)
{
	struct imap_seqset	 uids;
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct msgop_run	 run;
	const char		*folder = "INBOX", *dest_arg = NULL, *a, *mode, *trash;
	char			*dest = NULL;
	int			 i, last = argc, rc = EXIT_USAGE;

	imap_seqset_init(&uids);
	memset(&run, 0, sizeof run);
	/* DEST is the last argument that is not an option's value. */
	if (d->wants_dest && argc > 1 && strcmp(argv[argc - 1], "-f") != 0) {
		if (argc < 3 || strcmp(argv[argc - 2], "-f") != 0) {
			dest_arg = argv[argc - 1];
			last = argc - 1;
		}
	}
	for (i = 1; i < last; i++) {
		a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--folder") == 0) {
			if (++i == last) {
				rc = usage(ctx, d, "-f needs a folder", NULL);
				goto out;
			}
			folder = argv[i];
		} else if (str_has_prefix(a, "--folder="))
			folder = a + strlen("--folder=");
		else if (a[0] == '-') {
			rc = usage(ctx, d, "unknown option", a);
			goto out;
		} else if (strchr(a, '*') != NULL || imap_seqset_parse(&uids, a) < 0) {
			rc = usage(ctx, d, "no UID or UID range (like 42 or 3:7):", a);
			goto out;
		}
	}
	if (d->wants_dest && (dest_arg == NULL || *dest_arg == '\0')) {
		rc = usage(ctx, d, "missing destination folder", NULL);
		goto out;
	}
	if (uids.count == 0) {
		rc = usage(ctx, d, "which messages? give their UIDs", NULL);
		goto out;
	}
	imap_seqset_normalize(&uids);
	rc = 0;
	if (!ctx->offline && (rc = cli_session_open(&s, ctx)) != 0)
		goto out;
	if (d->kind == MSGOP_DELETE) {
		mode = config_str(ctx->cfg, "delete_mode");
		trash = config_str(ctx->cfg, "trash");
		if ((mode == NULL || strcmp(mode, "trash") == 0) && ctx->offline)
			rc = resolve_offline(ctx, d, trash != NULL ? trash : "\\Trash", &dest);
		else if (mode == NULL || strcmp(mode, "trash") == 0)
			rc = cli_resolve_folder(&s, d->name, trash != NULL ? trash : "\\Trash",
			    &dest);
		if (rc != 0 && trash == NULL)
			fprintf(ctx->err, "crispin: delete: set trash to the folder deleted "
			    "messages go to, or delete_mode to mark\n");
	} else if (ctx->offline)
		rc = resolve_offline(ctx, d, dest_arg, &dest);
	else
		rc = cli_resolve_folder(&s, d->name, dest_arg, &dest);
	if (rc != 0) {
		if (!ctx->offline)
			cli_session_close(&s);
		goto out;
	}
	run.def = d;
	run.ctx = ctx;
	run.folder = folder;
	run.asked = &uids;
	if (ctx->offline)
		rc = cli_folder_start(&cf, &s, ctx, folder, false);
	else
		rc = cli_folder_open(&cf, &s, folder, false);
	if (rc == 0) {
		if (d->kind == MSGOP_COPY)
			mail_folder_copy(cf.folder, &uids, dest, op_done, &run);
		else if (d->kind == MSGOP_MOVE)
			mail_folder_move(cf.folder, &uids, dest, op_done, &run);
		else
			mail_folder_delete(cf.folder, &uids, dest, op_done, &run);
		rc = cli_session_wait(&s, &run.done);
		if (rc == 0)
			rc = run.rc;
		/* Sent, and the link died: settled after reconnecting. */
		cli_folder_stop(&cf, &s);
		rc = cli_settle_inflight(ctx, d->name, rc);
		goto out;
	}
	cli_folder_stop(&cf, &s);
out:
	free(dest);
	imap_seqset_free(&uids);
	return rc;
}

int
cli_copy(struct cli_context *ctx, int argc, char **argv)
{
	return run_op(ctx, &defs[MSGOP_COPY], argc, argv);
}

int
cli_move(struct cli_context *ctx, int argc, char **argv)
{
	return run_op(ctx, &defs[MSGOP_MOVE], argc, argv);
}

int
cli_delete(struct cli_context *ctx, int argc, char **argv)
{
	return run_op(ctx, &defs[MSGOP_DELETE], argc, argv);
}
