/*
 * crispin flag [-f FOLDER] UID... +FLAG|-FLAG...: adds and removes flags
 * and keywords through the folder model, so that the cache follows and
 * CONDSTORE's UNCHANGEDSINCE guards against other clients; offline the
 * change is journaled and replayed later. Arguments are
 * read by hand: "-\Flagged" is a flag to remove, not an option.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define USAGE "usage: crispin flag [-f FOLDER] UID... +FLAG|-FLAG...\n"

struct flag_change {
	unsigned	  flags;
	const char	**keywords;	/* owned array, borrowed strings; NULL-terminated */
	size_t		  nkeywords;
};

struct flag_run {
	struct cli_session	*s;
	unsigned		 pending;
	bool			 failed;
	bool			 done;
};

static int parse_flag(struct cli_context *, const char *, struct flag_change *);
static int check_allowed(struct cli_context *, struct mail_folder *,
	    const struct flag_change *);
static void store_done(struct mail_folder *, int, void *);
static void submit(struct cli_folder *, struct flag_run *, const struct imap_seqset *,
	    bool, const struct flag_change *);

static int
parse_flag(struct cli_context *ctx, const char *name, struct flag_change *ch)
{
	unsigned	bit;

	if (name[0] == '\\') {
		bit = mail_flag_bit(name);
		if (bit == 0 || bit == IMAP_FLAG_RECENT || bit == IMAP_FLAG_ANY) {
			fprintf(ctx->err, "crispin: flag: '%s' is no flag that can be set; "
			    "use \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft or a "
			    "keyword\n", name);
			return -1;
		}
		ch->flags |= bit;
		return 0;
	}
	if (!mail_keyword_valid(name)) {
		fprintf(ctx->err, "crispin: flag: '%s' is not a valid keyword (no spaces, "
		    "parentheses, quotes or backslashes)\n", name);
		return -1;
	}
	ch->keywords = xreallocarray(ch->keywords, ch->nkeywords + 2, sizeof *ch->keywords);
	ch->keywords[ch->nkeywords++] = name;
	ch->keywords[ch->nkeywords] = NULL;
	return 0;
}

/* What is added must stick: a keyword the folder cannot keep is refused
 * here with the reason, before anything is sent. */
static int
check_allowed(struct cli_context *ctx, struct mail_folder *f,
    const struct flag_change *ch)
{
	char	*error = NULL;
	size_t	 i;

	for (i = 0; i < ch->nkeywords; i++) {
		if (mail_folder_flag_allowed(f, ch->keywords[i], &error) < 0) {
			fprintf(ctx->err, "crispin: flag: %s\n", error);
			free(error);
			return -1;
		}
	}
	return 0;
}

static void
store_done(struct mail_folder *f, int status, void *arg)
{
	struct flag_run	*run = arg;

	if (status < 0)
		run->failed = true;
	if (--run->pending == 0)
		run->done = true;
}

static void
submit(struct cli_folder *cf, struct flag_run *run, const struct imap_seqset *uids,
    bool add, const struct flag_change *ch)
{
	if (ch->flags == 0 && ch->nkeywords == 0)
		return;
	run->pending++;
	mail_folder_store_flags(cf->folder, uids, add, ch->flags, ch->keywords,
	    store_done, run);
}

int
cli_flag(struct cli_context *ctx, int argc, char **argv)
{
	struct flag_change	 add, del;
	struct imap_seqset	 uids;
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct flag_run		 run;
	const char		*folder = "INBOX", *a;
	int			 i, rc = EXIT_USAGE;

	memset(&add, 0, sizeof add);
	memset(&del, 0, sizeof del);
	memset(&run, 0, sizeof run);
	imap_seqset_init(&uids);
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-f") == 0 || strcmp(a, "--folder") == 0) {
			if (++i == argc) {
				fprintf(ctx->err, "crispin: flag: %s needs a folder\n" USAGE, a);
				goto out;
			}
			folder = argv[i];
		} else if (str_has_prefix(a, "--folder="))
			folder = a + strlen("--folder=");
		else if (a[0] == '+' || a[0] == '-') {
			if (parse_flag(ctx, a + 1, a[0] == '+' ? &add : &del) < 0)
				goto out;
		} else if (strchr(a, '*') != NULL || imap_seqset_parse(&uids, a) < 0) {
			fprintf(ctx->err, "crispin: flag: '%s' is no UID or UID range "
			    "(like 42 or 3:7)\n" USAGE, a);
			goto out;
		}
	}
	if (uids.count == 0 || (add.flags == 0 && add.nkeywords == 0 &&
	    del.flags == 0 && del.nkeywords == 0)) {
		fprintf(ctx->err, "crispin: flag: %s\n" USAGE, uids.count == 0 ?
		    "which messages? give their UIDs" : "which flags? give +FLAG or -FLAG");
		goto out;
	}
	imap_seqset_normalize(&uids);
	run.s = &s;
	if ((rc = cli_folder_start(&cf, &s, ctx, folder, false)) != 0) {
		cli_folder_stop(&cf, &s);
		goto out;
	}
	if (mail_folder_readonly(cf.folder)) {
		fprintf(ctx->err, "crispin: flag: folder %s is read-only on the server\n",
		    folder);
		rc = EXIT_FAILURE_;
	} else if (check_allowed(ctx, cf.folder, &add) < 0) {
		rc = EXIT_FAILURE_;
	} else if (rc == 0) {
		submit(&cf, &run, &uids, true, &add);
		submit(&cf, &run, &uids, false, &del);
		/* Also when already done: it prints a failure recorded. */
		run.done = run.done || run.pending == 0;
		rc = cli_session_wait(&s, &run.done);
		if (rc == 0 && run.failed)
			rc = s.err != ERR_NONE ? err_exit_code(s.err) : EXIT_FAILURE_;
		if (rc == 0 && mail_folder_offline(cf.folder))
			fprintf(ctx->out, "queued: the flags change on the server at the "
			    "next connection\n");
		/* Sent, and the link died: settled after reconnecting. */
		cli_folder_stop(&cf, &s);
		rc = cli_settle_inflight(ctx, "flag", rc);
		goto out;
	}
	cli_folder_stop(&cf, &s);
out:
	imap_seqset_free(&uids);
	free(add.keywords);
	free(del.keywords);
	return rc;
}
