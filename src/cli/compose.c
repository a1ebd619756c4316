/*
 * crispin compose, reply and forward: a draft built the mutt way, edited
 * in $EDITOR (or taken as built with --no-edit), written by the MIME
 * writer and handed to the outbox (cli_submit), which also marks the
 * original \Answered or $Forwarded once the message is out.
 *
 * The original is fetched before the editor starts and the IMAP session
 * closed: nobody holds a connection open while a person types.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/fdio.h"
#include "crispin/mail_draft.h"
#include "crispin/mail_message.h"
#include "crispin/mime_compose.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "compose_p.h"
#include "show_p.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

enum compose_kind { COMPOSE_NEW, COMPOSE_REPLY, COMPOSE_FORWARD };

struct compose_args {
	enum compose_kind	 kind;
	const char		*cmd;		/* "reply": names messages */
	const char		*usage;
	const char		*folder;	/* borrowed; NULL: INBOX */
	uint32_t		 uid;
	enum mail_reply_mode	 mode;
	bool			 attach_original;
	const char		*subject;	/* -s */
	const char		*text;		/* -m */
	struct buf		 to, cc, bcc;	/* address lists */
	char			**files;	/* -a, borrowed */
	size_t			 nfiles;
	bool			 no_edit;
	bool			 dry_run;
	bool			 no_record;
	bool			 queue_ok;
};

/* The original as fetched. */
struct fetched {
	struct buf		 header;
	struct buf		 text;
	struct buf		 raw;
	bool			 have_raw;
};

static int usage_error(struct cli_context *, const struct compose_args *,
	    const char *, ...) CRISPIN_PRINTF(3, 4);
static void add_list(struct buf *, const char *);
static int parse_args(struct cli_context *, struct compose_args *, int, char **);
static const char *message_body(const char *, size_t *, bool *, void *);
static int append_raw(const void *, size_t, void *);
static int fetch_original(struct cli_context *, const struct compose_args *,
	    struct fetched *);
static int run(struct cli_context *, struct compose_args *);
static int compose_main(struct cli_context *, struct compose_args *, int, char **);

static int
usage_error(struct cli_context *ctx, const struct compose_args *a, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(ctx->err, "crispin: %s: ", a->cmd);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fprintf(ctx->err, "\nusage: crispin %s\n", a->usage);
	return EXIT_USAGE;
}

static void
add_list(struct buf *b, const char *list)
{
	if (*list == '\0')
		return;
	if (b->len > 0)
		buf_adds(b, ", ");
	buf_adds(b, list);
}

static int
parse_args(struct cli_context *ctx, struct compose_args *a, int argc, char **argv)
{
	enum { OPT_GROUP = 256, OPT_LIST, OPT_ATTACH, OPT_NO_EDIT, OPT_DRY_RUN,
	    OPT_NO_RECORD, OPT_QUEUE_OK };
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "subject", required_argument, NULL, 's' },
		{ "cc", required_argument, NULL, 'c' },
		{ "bcc", required_argument, NULL, 'b' },
		{ "attach-file", required_argument, NULL, 'a' },
		{ "message", required_argument, NULL, 'm' },
		{ "group", no_argument, NULL, OPT_GROUP },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ "no-edit", no_argument, NULL, OPT_NO_EDIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "no-record", no_argument, NULL, OPT_NO_RECORD },
		{ "queue-ok", no_argument, NULL, OPT_QUEUE_OK },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t	 v;
	int		 ch, i;
	bool		 have_uid = false;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:s:c:b:a:m:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (a->kind == COMPOSE_NEW)
				return usage_error(ctx, a, "-f names the folder of "
				    "the message replied to or forwarded");
			a->folder = optarg;
			break;
		case 's':
			a->subject = optarg;
			break;
		case 'c':
			add_list(&a->cc, optarg);
			break;
		case 'b':
			add_list(&a->bcc, optarg);
			break;
		case 'a':
			if (access(optarg, R_OK) < 0)
				return usage_error(ctx, a, "cannot attach %s: %s", optarg,
				    strerror(errno));
			a->files = xreallocarray(a->files, a->nfiles + 1,
			    sizeof *a->files);
			a->files[a->nfiles++] = optarg;
			break;
		case 'm':
			a->text = optarg;
			break;
		case OPT_GROUP:
		case OPT_LIST:
			if (a->kind != COMPOSE_REPLY)
				return usage_error(ctx, a, "%s is for reply",
				    argv[optind - 1]);
			if (a->mode != MAIL_REPLY_SENDER)
				return usage_error(ctx, a, "--group and --list go "
				    "one at a time");
			a->mode = ch == OPT_GROUP ? MAIL_REPLY_GROUP : MAIL_REPLY_LIST;
			break;
		case OPT_ATTACH:
			if (a->kind != COMPOSE_FORWARD)
				return usage_error(ctx, a, "--attach is for forward "
				    "(-a FILE attaches a file)");
			a->attach_original = true;
			break;
		case OPT_NO_EDIT:
			a->no_edit = true;
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		case OPT_NO_RECORD:
			a->no_record = true;
			break;
		case OPT_QUEUE_OK:
			a->queue_ok = true;
			break;
		case ':':
			return usage_error(ctx, a, "%s needs a value", argv[optind - 1]);
		default:
			return usage_error(ctx, a, "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (i = optind; i < argc; i++) {
		if (a->kind != COMPOSE_NEW && !have_uid) {
			if (str_to_u64(argv[i], strlen(argv[i]), UINT32_MAX, &v) < 0 ||
			    v == 0)
				return usage_error(ctx, a, "'%s' is no UID (a number "
				    "like 42; crispin list shows them)", argv[i]);
			a->uid = (uint32_t)v;
			have_uid = true;
		} else if (a->kind == COMPOSE_REPLY)
			return usage_error(ctx, a, "unexpected argument '%s' (a "
			    "reply's recipients come from the message; -c adds more)",
			    argv[i]);
		else
			add_list(&a->to, argv[i]);
	}
	if (a->kind != COMPOSE_NEW && !have_uid)
		return usage_error(ctx, a, "which message? give its UID");
	return 0;
}

static const char *
message_body(const char *section, size_t *len, bool *decoded, void *arg)
{
	return mail_message_body(arg, section, len, decoded);
}

static int
append_raw(const void *data, size_t len, void *arg)
{
	buf_add(arg, data, len);
	return 0;
}

/* The header and display text of the original, and with --attach the
 * message as stored; only the parts shown are fetched otherwise. */
static int
fetch_original(struct cli_context *ctx, const struct compose_args *a,
    struct fetched *f)
{
	struct show_ctx		 sc;
	struct mime_shown	*shown;
	struct arena		*arena = arena_new(0);
	const char		*hdr;
	size_t			 len, n;
	int			 rc;

	memset(&sc, 0, sizeof sc);
	sc.ctx = ctx;
	sc.cmd = a->cmd;
	sc.folder = a->folder;
	sc.uid = a->uid;
	if ((rc = show_open(&sc)) != 0)
		goto out;
	hdr = mail_message_header(sc.msg, &len);
	buf_add(&f->header, hdr, len);
	n = mail_draft_select(mail_message_root(sc.msg),
	    config_str(ctx->cfg, "alternative_order"), arena, &shown);
	mail_message_fetch_shown(sc.msg, shown, n, show_step_done, &sc);
	if ((rc = show_wait(&sc)) != 0)
		goto out;
	mail_draft_display_text(&f->text, shown, n, message_body, sc.msg);
	if (a->attach_original) {
		mail_message_stream(sc.msg, "", false, append_raw, &f->raw,
		    show_step_done, &sc);
		if ((rc = show_wait(&sc)) != 0)
			goto out;
		f->have_raw = true;
	}
out:
	show_close(&sc);
	arena_free(&arena);
	return rc;
}


void
cli_expand_draft_aliases(struct cli_context *ctx, struct mail_draft *d)
{
	char	**fields[] = { &d->to, &d->cc, &d->bcc };
	char	 *expanded;
	size_t	  i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (*fields[i] == NULL)
			continue;
		expanded = config_expand_aliases(ctx->cfg, *fields[i]);
		free(*fields[i]);
		*fields[i] = expanded;
	}
}

int
cli_send_hooks(struct cli_context *ctx, const struct mail_draft *d,
    const char *cmd)
{
	const char	*fields[3];
	struct buf	 errors = BUF_INIT;
	size_t		 n = 0;
	char		*clean;
	int		 ran;

	if (d->to != NULL)
		fields[n++] = d->to;
	if (d->cc != NULL)
		fields[n++] = d->cc;
	if (d->bcc != NULL)
		fields[n++] = d->bcc;
	ran = config_run_send_hooks(ctx->cfg, fields, n, &errors);
	if (errors.len > 0) {
		clean = str_sanitize(buf_cstr(&errors));
		fprintf(ctx->err, "crispin: %s%s%s", cmd != NULL ? cmd : "",
		    cmd != NULL ? ": " : "", clean);
		free(clean);
	}
	buf_free(&errors);
	return ran;
}

static int
run(struct cli_context *ctx, struct compose_args *a)
{
	struct mail_draft_opts	 o;
	struct mail_draft	 d;
	struct mail_original	 orig;
	struct fetched		 f;
	struct compose_finish	 fin;
	struct buf		 text = BUF_INIT, cc = BUF_INIT;
	char			*error = NULL;
	size_t			 i;
	int			 rc, pass;

	mail_draft_init(&d);
	memset(&f, 0, sizeof f);
	mail_draft_opts_init(&o, ctx->cfg, "crispin/" PACKAGE_VERSION);
	if (o.from == NULL)
		o.from = getenv("EMAIL");	/* as -s and -H do */
	if (a->text != NULL)
		buf_adds(&text, a->text);
	else if (a->no_edit && fd_read_all(STDIN_FILENO, &text, 0) < 0) {
		fprintf(ctx->err, "crispin: %s: cannot read the text from standard "
		    "input: %s\n", a->cmd, strerror(errno));
		rc = EXIT_FAILURE_;
		goto out;
	}
	if (a->kind != COMPOSE_NEW) {
		if (a->folder == NULL)
			a->folder = "INBOX";
		if ((rc = fetch_original(ctx, a, &f)) != 0)
			goto out;
		memset(&orig, 0, sizeof orig);
		orig.header = buf_cstr(&f.header);
		orig.header_len = f.header.len;
		orig.text = buf_cstr(&f.text);
		orig.text_len = f.text.len;
		if (f.have_raw) {
			orig.raw = buf_cstr(&f.raw);
			orig.raw_len = f.raw.len;
		}
	}
	/* Built twice when send-hooks match its recipients: they may set
	 * from, signature, attribution... that the draft is made with. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			mail_draft_clear(&d);
			mail_draft_init(&d);
			mail_draft_opts_init(&o, ctx->cfg, "crispin/" PACKAGE_VERSION);
			if (o.from == NULL)
				o.from = getenv("EMAIL");
		}
		switch (a->kind) {
		case COMPOSE_NEW:
			mail_draft_new(&d, &o, buf_cstr(&a->to), a->subject, buf_cstr(&text));
			break;
		case COMPOSE_REPLY:
			if (mail_draft_reply(&d, &o, &orig, a->mode, buf_cstr(&text),
			    &error) < 0) {
				fprintf(ctx->err, "crispin: %s: %s\n", a->cmd, error);
				rc = EXIT_FAILURE_;
				goto out;
			}
			break;
		case COMPOSE_FORWARD:
			mail_draft_forward(&d, &o, &orig, a->attach_original, buf_cstr(&text));
			mail_draft_set(&d.to, buf_cstr(&a->to));
			break;
		}
		if (a->subject != NULL)
			mail_draft_set(&d.subject, a->subject);
		if (a->cc.len > 0) {
			/* After the Cc a group reply made. */
			buf_reset(&cc);
			add_list(&cc, d.cc != NULL ? d.cc : "");
			add_list(&cc, buf_cstr(&a->cc));
			mail_draft_set(&d.cc, buf_cstr(&cc));
		}
		if (a->bcc.len > 0)
			mail_draft_set(&d.bcc, buf_cstr(&a->bcc));
		cli_expand_draft_aliases(ctx, &d);
		if (pass == 1 || cli_send_hooks(ctx, &d, a->cmd) == 0)
			break;
	}
	buf_free(&cc);
	if (d.note != NULL)
		fprintf(ctx->err, "crispin: %s: %s\n", a->cmd, d.note);
	for (i = 0; i < a->nfiles; i++)
		mail_draft_attach_file(&d, a->files[i], NULL);

	memset(&fin, 0, sizeof fin);
	fin.cmd = a->cmd;
	fin.new_message = a->kind == COMPOSE_NEW;
	/* -m gives the text: a script, not a person at the screen. */
	fin.no_edit = a->no_edit;
	fin.screen = a->text == NULL;
	fin.dry_run = a->dry_run;
	fin.no_record = a->no_record;
	fin.queue_ok = a->queue_ok;
	if (a->kind == COMPOSE_REPLY) {
		fin.reply_folder = a->folder;
		fin.reply_uid = a->uid;
	} else if (a->kind == COMPOSE_FORWARD) {
		fin.forward_folder = a->folder;
		fin.forward_uid = a->uid;
	}
	rc = compose_finish(ctx, &d, &o, &fin);
out:
	free(error);
	buf_free(&text);
	buf_free(&cc);
	buf_free(&f.header);
	buf_free(&f.text);
	buf_free(&f.raw);
	mail_draft_clear(&d);
	return rc;
}

/* Parses, runs, and frees what the arguments gathered. */
static int
compose_main(struct cli_context *ctx, struct compose_args *a, int argc, char **argv)
{
	struct mail_draft_opts	 o;
	char			*error = NULL;
	int			 rc;

	mail_draft_opts_init(&o, ctx->cfg, NULL);
	if ((rc = parse_args(ctx, a, argc, argv)) != 0)
		goto out;
	/* A broken alternates is the rc file's fault, said before anything. */
	if (mail_draft_is_mine(&o, "", &error) < 0) {
		fprintf(ctx->err, "crispin: %s: %s\n", a->cmd, error);
		free(error);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = run(ctx, a);
out:
	buf_free(&a->to);
	buf_free(&a->cc);
	buf_free(&a->bcc);
	free(a->files);
	return rc;
}

int
cli_compose(struct cli_context *ctx, int argc, char **argv)
{
	struct compose_args	 a;

	memset(&a, 0, sizeof a);
	a.kind = COMPOSE_NEW;
	a.cmd = "compose";
	a.usage = "compose [-s SUBJECT] [-c ADDR] [-b ADDR] [-a FILE] [-m TEXT] "
	    "[--no-edit] [--dry-run] [ADDR...]";
	return compose_main(ctx, &a, argc, argv);
}

int
cli_reply(struct cli_context *ctx, int argc, char **argv)
{
	struct compose_args	 a;

	memset(&a, 0, sizeof a);
	a.kind = COMPOSE_REPLY;
	a.cmd = "reply";
	a.usage = "reply [-f FOLDER] UID [--group|--list] [-c ADDR] [-a FILE] "
	    "[-m TEXT] [--no-edit] [--dry-run]";
	return compose_main(ctx, &a, argc, argv);
}

int
cli_forward(struct cli_context *ctx, int argc, char **argv)
{
	struct compose_args	 a;

	memset(&a, 0, sizeof a);
	a.kind = COMPOSE_FORWARD;
	a.cmd = "forward";
	a.usage = "forward [-f FOLDER] UID [--attach] [-m TEXT] [--no-edit] "
	    "[--dry-run] [ADDR...]";
	return compose_main(ctx, &a, argc, argv);
}
