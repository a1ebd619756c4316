/*
 * crispin recall [-f FOLDER] [UID], recall --list: a postponed message
 * back in the editor and on the compose screen. The draft is rebuilt from
 * the stored message (its attachments byte for byte), and the old copy
 * leaves the Drafts folder only once the new version is sent or saved:
 * nothing is lost when the editor or the link dies in between.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/mail_draft.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_message.h"
#include "crispin/mime_header.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"
#include "show_p.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define RECALL_USAGE	"usage: crispin recall [-f FOLDER] [UID] | " \
	"crispin recall --list [-f FOLDER]\n"

/* The postponed messages, newest last. */
struct drafts {
	uint32_t	*uids;
	char		**lines;	/* owned: "To  Subject" for the menu */
	size_t		 n;
};

static int usage_error(struct cli_context *, const char *, const char *);
static int find_folder(struct cli_context *, char **);
static void drafts_free(struct drafts *);
static int list_drafts(struct cli_context *, const char *, bool, struct drafts *);
static int pick(struct cli_context *, const char *, const struct drafts *, uint32_t *);
static int append_raw(const void *, size_t, void *);
static int fetch(struct cli_context *, const char *, uint32_t, struct buf *);
static char *original(const struct buf *, const char *, uint32_t *);

static int
usage_error(struct cli_context *ctx, const char *what, const char *arg)
{
	fprintf(ctx->err, "crispin: recall: %s%s%s%s\n" RECALL_USAGE, what,
	    arg != NULL ? " '" : "", arg != NULL ? arg : "", arg != NULL ? "'" : "");
	return EXIT_USAGE;
}

/* postponed, else \Drafts, else "Drafts": asked on a short session. */
static int
find_folder(struct cli_context *ctx, char **folder_r)
{
	struct cli_session	 s;
	int			 rc;

	*folder_r = NULL;
	if (ctx->offline) {
		/* Roles cannot be looked up without the server. */
		const char *name = config_str(ctx->cfg, "postponed");

		*folder_r = xstrdup(name != NULL && *name != '\0' ? name : "Drafts");
		return 0;
	}
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	rc = postpone_folder(&s, "recall", folder_r);
	cli_session_close(&s);
	return rc;
}

static void
drafts_free(struct drafts *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	free(d->uids);
	memset(d, 0, sizeof *d);
}

/* The folder's messages not marked \Deleted; printed as list does with
 * print. */
static int
list_drafts(struct cli_context *ctx, const char *folder, bool print,
    struct drafts *d)
{
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct buf		 to = BUF_INIT, subject = BUF_INIT;
	struct cli_printer	 pr;
	const struct mail_msg	*m;
	uint32_t		 n, seq;
	int			 rc;

	if ((rc = cli_folder_start(&cf, &s, ctx, folder, true)) != 0)
		return rc;
	if (s.client != NULL)
		imap_client_logout(s.client);
	cli_printer_init(&pr, ctx->out, false);
	n = mail_folder_count(cf.folder);
	for (seq = 1; seq <= n; seq++) {
		m = mail_folder_msg(cf.folder, seq);
		if (m->uid == 0 || !(m->state & MAIL_MSG_HEADERS) ||
		    (m->flags & IMAP_FLAG_DELETED))
			continue;
		if (print)
			cli_print_msg(&pr, m);
		buf_reset(&to);
		buf_reset(&subject);
		if (m->to != NULL)
			mime_decode_words(&to, m->to, NULL);
		if (m->subject != NULL)
			mime_decode_words(&subject, m->subject, NULL);
		d->uids = xreallocarray(d->uids, d->n + 1, sizeof *d->uids);
		d->lines = xreallocarray(d->lines, d->n + 1, sizeof *d->lines);
		d->uids[d->n] = m->uid;
		d->lines[d->n] = xasprintf("%-28.28s  %s", to.len > 0 ?
		    buf_cstr(&to) : "(no recipient)", subject.len > 0 ?
		    buf_cstr(&subject) : "(no subject)");
		d->n++;
	}
	cli_folder_stop(&cf, &s);
	cli_printer_free(&pr);
	buf_free(&to);
	buf_free(&subject);
	return 0;
}

/* One draft: the only one, or the one picked on the screen. */
static int
pick(struct cli_context *ctx, const char *folder, const struct drafts *d,
    uint32_t *uid_r)
{
	char	*name = str_sanitize(folder), *error = NULL, *title;
	int	 i, rc = 0;

	if (d->n == 0) {
		fprintf(ctx->err, "crispin: recall: no postponed messages in '%s'\n",
		    name);
		rc = EXIT_FAILURE_;
	} else if (d->n == 1)
		*uid_r = d->uids[0];
	else if (ctx->screens == NULL || ctx->screens->menu == NULL) {
		fprintf(ctx->err, "crispin: recall: %zu postponed messages in '%s': "
		    "give the UID of one (crispin recall --list shows them)\n", d->n,
		    name);
		rc = EXIT_USAGE;
	} else {
		title = xasprintf("Postponed messages in %s", name);
		i = ctx->screens->menu(ctx, title, (const char *const *)d->lines,
		    d->n, &error);
		free(title);
		if (i < 0) {
			fprintf(ctx->err, "crispin: recall: %s\n", error != NULL ?
			    error : "nothing recalled");
			free(error);
			rc = EXIT_FAILURE_;
		} else
			*uid_r = d->uids[i];
	}
	free(name);
	return rc;
}

static int
append_raw(const void *data, size_t len, void *arg)
{
	buf_add(arg, data, len);
	return 0;
}

/* The message as stored. */
static int
fetch(struct cli_context *ctx, const char *folder, uint32_t uid, struct buf *raw)
{
	struct show_ctx	 sc;
	int		 rc;

	memset(&sc, 0, sizeof sc);
	sc.ctx = ctx;
	sc.cmd = "recall";
	sc.folder = folder;
	sc.uid = uid;
	if ((rc = show_open(&sc)) == 0) {
		mail_message_stream(sc.msg, "", false, append_raw, raw,
		    show_step_done, &sc);
		rc = show_wait(&sc);
	}
	show_close(&sc);
	return rc;
}

/* "UID FOLDER" from header of the stored draft: the folder (malloc'd)
 * and *uid_r, or NULL. */
static char *
original(const struct buf *raw, const char *header, uint32_t *uid_r)
{
	struct arena		*a = arena_new(0);
	struct mime_headers	 h;
	struct buf		 value = BUF_INIT;
	const char		*v, *space;
	char			*folder = NULL;
	uint64_t		 uid;

	if (raw->len > 0 && mime_headers_parse(raw->data, raw->len, a, &h, NULL) == 0 &&
	    (v = mime_header_get(&h, header)) != NULL) {
		mime_decode_words(&value, v, NULL);
		v = buf_cstr(&value);
		if ((space = strchr(v, ' ')) != NULL && space[1] != '\0' &&
		    str_to_u64(v, (size_t)(space - v), UINT32_MAX, &uid) == 0 &&
		    uid != 0) {
			*uid_r = (uint32_t)uid;
			folder = xstrdup(space + 1);
		}
	}
	buf_free(&value);
	arena_free(&a);
	return folder;
}

int
cli_recall(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_LIST = 256 };
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ NULL, 0, NULL, 0 },
	};
	struct mail_draft_opts	 o;
	struct mail_draft	 d;
	struct compose_finish	 fin;
	struct drafts		 drafts;
	struct buf		 raw = BUF_INIT;
	const char		*given = NULL;
	char			*folder = NULL, *error = NULL;
	char			*replied = NULL, *forwarded = NULL;
	uint64_t		 v;
	uint32_t		 uid = 0;
	bool			 list = false;
	int			 ch, rc;

	memset(&drafts, 0, sizeof drafts);
	mail_draft_init(&d);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			given = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case ':':
			return usage_error(ctx, "option needs a value:", argv[optind - 1]);
		default:
			return usage_error(ctx, "unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (list || optind + 1 < argc)
			return usage_error(ctx, "unexpected argument", argv[argc - 1]);
		if (str_to_u64(argv[optind], strlen(argv[optind]), UINT32_MAX, &v) < 0 ||
		    v == 0)
			return usage_error(ctx, "no UID (a number like 42; crispin "
			    "recall --list shows them):", argv[optind]);
		uid = (uint32_t)v;
	}
	if (given != NULL)
		folder = xstrdup(given);
	else if ((rc = find_folder(ctx, &folder)) != 0)
		goto out;
	if (list || uid == 0) {
		if ((rc = list_drafts(ctx, folder, list, &drafts)) != 0 || list)
			goto out;
		if ((rc = pick(ctx, folder, &drafts, &uid)) != 0)
			goto out;
	}
	if ((rc = fetch(ctx, folder, uid, &raw)) != 0)
		goto out;
	if (mail_draft_from_message(&d, raw.data != NULL ? raw.data : "", raw.len,
	    &error) < 0) {
		fprintf(ctx->err, "crispin: recall: UID %u: %s\n", uid, error);
		free(error);
		rc = EXIT_FAILURE_;
		goto out;
	}
	mail_draft_opts_init(&o, ctx->cfg, "crispin/" PACKAGE_VERSION);
	if (d.from == NULL) {
		if (o.from == NULL)
			o.from = getenv("EMAIL");
		d.from = mail_draft_from(&o);
	}
	memset(&fin, 0, sizeof fin);
	fin.cmd = "recall";
	fin.screen = true;
	fin.recalled_folder = folder;
	fin.recalled_uid = uid;
	/* A postponed reply still marks its original once sent. */
	fin.reply_folder = replied = original(&raw, MAIL_DRAFT_REPLY_HEADER,
	    &fin.reply_uid);
	fin.forward_folder = forwarded = original(&raw, MAIL_DRAFT_FORWARD_HEADER,
	    &fin.forward_uid);
	rc = compose_finish(ctx, &d, &o, &fin);
out:
	drafts_free(&drafts);
	mail_draft_clear(&d);
	buf_free(&raw);
	free(folder);
	free(replied);
	free(forwarded);
	return rc;
}
