/*
 * crispin show [-f FOLDER] UID [--part P] [--headers|--raw]: a message as
 * the pager shows it, fetching only the header and the parts displayed.
 * The folder is EXAMINEd (read-only, so nothing is marked \Seen) without
 * building its index: one message needs none. Offline (--offline) the
 * structure, header and shown parts come from the cache alone.
 */
#include <sys/ioctl.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/mail_message.h"
#include "crispin/mailcap.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "show_p.h"

#define USAGE "usage: crispin show [-f FOLDER] UID [--part P] [--headers|--raw]\n"

static void examine_ok(struct imap_client *, const struct imap_response *, void *);
static void examine_done(struct imap_client *, const struct imap_response *, void *);
static int write_out(const void *, size_t, void *);
static bool weeded(const char *, void *);
static unsigned out_width(FILE *);
static void load_mailcap(struct show_ctx *, struct mailcap *);
static int show_parts(struct show_ctx *, const char *);
static int open_offline(struct show_ctx *);
static int examine_load(struct show_ctx *);

/* New sessions one command may make after dead links. */
#define SHOW_RELINKS	3

int
show_folder_arg(struct show_ctx *sc, int argc, char **argv, int *i)
{
	const char	*a = argv[*i];

	if (str_has_prefix(a, "--folder=")) {
		sc->folder = a + strlen("--folder=");
		return 1;
	}
	if (strcmp(a, "-f") != 0 && strcmp(a, "--folder") != 0)
		return 0;
	if (*i + 1 == argc) {
		fprintf(sc->ctx->err, "crispin: %s: %s needs a folder\n", sc->cmd, a);
		return -1;
	}
	sc->folder = argv[++*i];
	return 1;
}

int
show_uid_arg(struct show_ctx *sc, const char *a, const char *usage)
{
	uint64_t	 v;

	if (str_to_u64(a, strlen(a), UINT32_MAX, &v) < 0 || v == 0) {
		fprintf(sc->ctx->err, "crispin: %s: '%s' is no UID (a number like 42; "
		    "crispin list shows them)\n%s", sc->cmd, a, usage);
		return -1;
	}
	sc->uid = (uint32_t)v;
	return 0;
}

static void
examine_ok(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct show_ctx	*sc = arg;
	uint64_t	 v;

	if (r->code != NULL && strcmp(r->code, "UIDVALIDITY") == 0 &&
	    imap_code_number(r, &v) == 0 && v <= UINT32_MAX)
		sc->uidvalidity = (uint32_t)v;
}

static void
examine_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct show_ctx	*sc = arg;
	char		*clean;

	sc->done = true;
	if (r->status == IMAP_STATUS_OK)
		return;
	clean = str_sanitize(r->text);
	sc->status = -1;
	sc->error = xasprintf("cannot open folder %s: %s", sc->folder, clean);
	free(clean);
}

void
show_step_done(struct mail_message *m, int status, const char *error, void *arg)
{
	struct show_ctx	*sc = arg;

	sc->done = true;
	sc->status = status;
	if (status < 0) {
		free(sc->error);
		sc->error = str_sanitize(error);
	}
}

int
show_wait(struct show_ctx *sc)
{
	int	 rc;

	while (!sc->done && sc->s.err == ERR_NONE && !sc->s.closed)
		ev_loop_run_once(sc->s.loop, -1);
	if (sc->retry_binary && sc->msg != NULL &&
	    mail_message_binary_dropped(sc->msg) && !sc->no_binary) {
		sc->done = false;
		sc->status = 0;
		x_free(&sc->error);
		return SHOW_RETRY;
	}
	if ((rc = cli_session_wait(&sc->s, &sc->done)) != 0)
		return rc;
	sc->done = false;
	if (sc->status < 0) {
		fprintf(sc->ctx->err, "crispin: %s: %s\n", sc->cmd, sc->error);
		x_free(&sc->error);
		sc->status = 0;
		return EXIT_FAILURE_;
	}
	return 0;
}

/* The part cache, keyed by the UIDVALIDITY the folder had when cached. */
static int
open_offline(struct show_ctx *sc)
{
	struct mail_message_params	 p;
	struct store_folder_state	 fs;
	char				*error = NULL, *clean;

	/* Never run: show_wait finds its steps done already. */
	sc->s.ctx = sc->ctx;
	sc->s.closed = true;
	if ((sc->store = cli_open_store(sc->ctx)) == NULL) {
		fprintf(sc->ctx->err, "crispin: %s: --offline needs the cache, and it "
		    "is off or cannot be opened (header_cache, cache_dir)\n", sc->cmd);
		return EXIT_CONFIG;
	}
	if (store_folder_get(sc->store, sc->folder, &fs, &error) < 0 ||
	    fs.uidvalidity == 0) {
		clean = str_sanitize(sc->folder);
		fprintf(sc->ctx->err, "crispin: %s: folder %s is not in the cache%s%s "
		    "(crispin sync --bodies -f %s caches it while connected)\n", sc->cmd,
		    clean, error != NULL ? ": " : "", error != NULL ? error : "", clean);
		free(clean);
		free(error);
		return EXIT_FAILURE_;
	}
	sc->uidvalidity = fs.uidvalidity;
	memset(&p, 0, sizeof p);
	p.folder = sc->folder;
	p.uidvalidity = sc->uidvalidity;
	p.store = sc->store;
	p.no_binary = true;
	sc->msg = mail_message_new(NULL, &p, sc->uid);
	mail_message_load(sc->msg, show_step_done, sc);
	return show_wait(sc);
}

int
show_open(struct show_ctx *sc)
{
	int	 rc;

	if (sc->folder == NULL)
		sc->folder = "INBOX";
	if (sc->ctx->offline)
		return open_offline(sc);
	if ((rc = cli_session_open(&sc->s, sc->ctx)) != 0)
		return rc;
	sc->session_open = true;
	if ((rc = examine_load(sc)) == EXIT_NETWORK)
		rc = show_relink(sc);
	return rc;
}

int
show_relink(struct show_ctx *sc)
{
	int	 rc = EXIT_NETWORK;

	while (rc == EXIT_NETWORK && !sc->ctx->offline &&
	    sc->relinks < SHOW_RELINKS) {
		sc->relinks++;
		fprintf(sc->ctx->err, "crispin: %s: the link died; reading the "
		    "message again after reconnecting\n", sc->cmd);
		mail_message_free(&sc->msg);
		if (sc->session_open)
			cli_session_close(&sc->s);
		sc->session_open = false;
		store_close(&sc->store);
		x_free(&sc->error);
		sc->done = false;
		sc->status = 0;
		sc->seen = 0;
		if ((rc = cli_session_reconnect(&sc->s, sc->ctx, sc->cmd)) != 0)
			return rc;
		sc->session_open = true;
		rc = examine_load(sc);
	}
	return rc;
}

/* The folder examined and the message's structure and header loaded, on
 * a ready session. */
static int
examine_load(struct show_ctx *sc)
{
	struct mail_message_params	 p;
	struct imap_cmd			*cmd;
	int				 rc;

	cmd = imap_cmd_new(sc->s.client, 0);
	imap_cmd_add(cmd, "EXAMINE ");
	imap_cmd_add_mailbox(cmd, sc->folder);
	imap_cmd_on_untagged(cmd, "OK", examine_ok);
	imap_cmd_submit(cmd, examine_done, sc);
	if ((rc = show_wait(sc)) != 0)
		return rc;
	/* Bodies are cached only with a part budget; the store also keeps
	 * the parts this server cannot send as BINARY. */
	sc->store = cli_open_store(sc->ctx);
	memset(&p, 0, sizeof p);
	p.folder = sc->folder;
	p.uidvalidity = sc->uidvalidity;
	if (config_num(sc->ctx->cfg, "body_cache_size") > 0)
		p.store = sc->store;
	p.notes = sc->store;
	p.no_binary = sc->no_binary;
	sc->msg = mail_message_new(sc->s.client, &p, sc->uid);
	mail_message_load(sc->msg, show_step_done, sc);
	return show_wait(sc);
}

int
show_reopen(struct show_ctx *sc)
{
	fprintf(sc->ctx->err, "crispin: %s: the server closed the connection when "
	    "asked for a decoded (BINARY) part; fetching it encoded on a new "
	    "connection\n", sc->cmd);
	show_close(sc);
	sc->no_binary = true;
	sc->seen = 0;
	return show_open(sc);
}

void
show_close(struct show_ctx *sc)
{
	mail_message_free(&sc->msg);
	if (sc->session_open)
		cli_session_close(&sc->s);
	sc->session_open = false;
	store_close(&sc->store);
	x_free(&sc->error);
}

/* After a dead link the stream starts over: what is out already is not
 * written again. */
static int
write_out(const void *data, size_t len, void *arg)
{
	struct show_ctx	*sc = arg;
	uint64_t	 before = sc->seen, skip;

	sc->seen += len;
	if (sc->seen <= sc->written)
		return 0;
	skip = sc->written > before ? sc->written - before : 0;
	len -= (size_t)skip;
	if (fwrite((const char *)data + skip, 1, len, sc->ctx->out) != len)
		return -1;
	sc->written += len;
	return 0;
}

static bool
weeded(const char *field, void *arg)
{
	const struct config	*cfg = arg;

	return config_header_ignored(cfg, field);
}

static unsigned
out_width(FILE *fp)
{
	struct winsize	 ws;

	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 20)
		return ws.ws_col - 2;
	return 78;
}

/* mailcap_path with each "~/" made $HOME/. */
static void
load_mailcap(struct show_ctx *sc, struct mailcap *mc)
{
	const char	*path = config_str(sc->ctx->cfg, "mailcap_path");
	const char	*home = getenv("HOME"), *p, *end;
	struct buf	 list = BUF_INIT;
	char		*error = NULL;

	memset(mc, 0, sizeof *mc);
	if (path == NULL)
		return;
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, ":");
		if (list.len > 0)
			buf_addc(&list, ':');
		if (p[0] == '~' && (p[1] == '/' || p + 1 == end)) {
			buf_adds(&list, home != NULL ? home : "");
			p++;
		}
		buf_add(&list, p, (size_t)(end - p));
	}
	if (mailcap_load(mc, buf_cstr(&list), &error) < 0)
		free(error);	/* an unreadable file: the built-in converter */
	buf_free(&list);
}

/* The shown parts of the tree under part (NULL: the whole message), with
 * the top header unless a single part was asked for. */
static int
show_parts(struct show_ctx *sc, const char *part)
{
	static const char *const dflt_order[] = { "text/plain", "text/html", NULL };
	struct mail_render_opts	 o;
	struct mime_shown	*shown;
	struct mailcap		 mc;
	struct arena		*a = arena_new(0);
	struct buf		 out = BUF_INIT;
	const struct mime_part	*top = mail_message_root(sc->msg);
	const char		*order_opt, **order = NULL;
	char			*copy = NULL, *w, *save = NULL, *clean;
	size_t			 n, norder = 0;
	int			 rc;

	if (part != NULL && (top = mime_part_find(top, part)) == NULL) {
		clean = str_sanitize(part);
		fprintf(sc->ctx->err, "crispin: show: message %u has no part %s "
		    "(crispin parts %u lists them)\n", sc->uid, clean, sc->uid);
		free(clean);
		arena_free(&a);
		return EXIT_FAILURE_;
	}
	if ((order_opt = config_str(sc->ctx->cfg, "alternative_order")) != NULL) {
		copy = xstrdup(order_opt);
		for (w = strtok_r(copy, " \t,", &save); w != NULL;
		    w = strtok_r(NULL, " \t,", &save)) {
			order = xreallocarray(order, norder + 2, sizeof *order);
			order[norder++] = w;
			order[norder] = NULL;
		}
	}
	n = mime_select_display(top, order != NULL ? order : dflt_order, a, &shown);
	mail_message_fetch_shown(sc->msg, shown, n, show_step_done, sc);
	if ((rc = show_wait(sc)) != 0)
		goto out;
	load_mailcap(sc, &mc);
	memset(&o, 0, sizeof o);
	o.width = out_width(sc->ctx->out);
	o.mailcap = &mc;
	o.folder = sc->folder;
	if (config_bool(sc->ctx->cfg, "weed")) {
		o.ignored = weeded;
		o.ignored_arg = sc->ctx->cfg;
	}
	/* One part asked for: what it shows, without the message header. */
	o.no_header = top != mail_message_root(sc->msg);
	mail_message_render(&out, sc->msg, shown, n, &o);
	mailcap_free(&mc);
	if (fwrite(out.data, 1, out.len, sc->ctx->out) != out.len ||
	    fflush(sc->ctx->out) != 0) {
		fprintf(sc->ctx->err, "crispin: %s: writing the output failed\n", sc->cmd);
		rc = EXIT_FAILURE_;
	}
out:
	buf_free(&out);
	free(order);
	free(copy);
	arena_free(&a);
	return rc;
}

int
cli_show(struct cli_context *ctx, int argc, char **argv)
{
	struct show_ctx		 sc;
	const char		*part = NULL, *a;
	struct buf		 out = BUF_INIT;
	size_t			 len;
	const char		*hdr;
	bool			 headers = false, raw = false, have_uid = false;
	int			 i, r, rc;

	memset(&sc, 0, sizeof sc);
	sc.ctx = ctx;
	sc.cmd = "show";
	sc.retry_binary = true;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if ((r = show_folder_arg(&sc, argc, argv, &i)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(a, "--headers") == 0)
			headers = true;
		else if (strcmp(a, "--raw") == 0)
			raw = true;
		else if (strcmp(a, "--part") == 0 || strcmp(a, "-p") == 0) {
			if (++i == argc) {
				fprintf(ctx->err, "crispin: show: %s needs a part number "
				    "(crispin parts UID lists them)\n" USAGE, a);
				return EXIT_USAGE;
			}
			part = argv[i];
		} else if (str_has_prefix(a, "--part="))
			part = a + strlen("--part=");
		else if (a[0] == '-' || have_uid) {
			fprintf(ctx->err, "crispin: show: unexpected argument '%s'\n" USAGE, a);
			return EXIT_USAGE;
		} else {
			if (show_uid_arg(&sc, a, USAGE) < 0)
				return EXIT_USAGE;
			have_uid = true;
		}
	}
	if (!have_uid || (headers && raw) || (part != NULL && (headers || raw))) {
		fprintf(ctx->err, "crispin: show: %s\n" USAGE, !have_uid ?
		    "which message? give its UID" :
		    "--part, --headers and --raw go one at a time");
		return EXIT_USAGE;
	}
	if ((rc = show_open(&sc)) != 0)
		goto out;
	if (raw) {
		/* The message exactly as stored, never whole in memory. */
		for (;;) {
			mail_message_stream(sc.msg, "", false, write_out, &sc,
			    show_step_done, &sc);
			if ((rc = show_wait(&sc)) != EXIT_NETWORK ||
			    (rc = show_relink(&sc)) != 0)
				break;
		}
		if (rc == 0 && fflush(ctx->out) != 0)
			rc = EXIT_FAILURE_;
	} else if (headers) {
		hdr = mail_message_header(sc.msg, &len);
		mail_render_headers(&out, hdr, len, 0, &(struct mail_render_opts){ 0 });
		fwrite(out.data, 1, out.len, ctx->out);
	} else {
		/* Once more on a new connection if BINARY cost the first, or
		 * the link died: nothing is printed before the parts came. */
		while ((rc = show_parts(&sc, part)) == SHOW_RETRY ||
		    rc == EXIT_NETWORK) {
			if ((rc = rc == SHOW_RETRY ? show_reopen(&sc) :
			    show_relink(&sc)) != 0)
				break;
		}
	}
out:
	buf_free(&out);
	show_close(&sc);
	return rc;
}
