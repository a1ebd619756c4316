/* The command table and the session every scripting command shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/cli.h"
#include "crispin/fdio.h"
#include "crispin/log.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

static const struct cli_command commands[] = {
	{ .name = "folders", .fn = cli_folders,
	  .usage = "folders [--counts] [--json]",
	  .help = "list folders of every namespace with their special-use roles (and message counts)" },
	{ .name = "mkdir", .fn = cli_mkdir,
	  .usage = "mkdir FOLDER",
	  .help = "create a folder" },
	{ .name = "rmdir", .fn = cli_rmdir,
	  .usage = "rmdir FOLDER",
	  .help = "delete a folder and its messages (never INBOX)" },
	{ .name = "rename", .fn = cli_rename,
	  .usage = "rename FOLDER NEW",
	  .help = "rename a folder; its subfolders move with it" },
	{ .name = "subscribe", .fn = cli_subscribe,
	  .usage = "subscribe FOLDER",
	  .help = "subscribe to a folder" },
	{ .name = "unsubscribe", .fn = cli_unsubscribe,
	  .usage = "unsubscribe FOLDER",
	  .help = "unsubscribe from a folder" },
	{ .name = "append", .fn = cli_append,
	  .usage = "append FOLDER [FILE] [--flags F] [--date D]",
	  .help = "store a message from FILE or stdin in a folder" },
	{ .name = "send", .fn = cli_send,
	  .usage = "send [--from ADDR] [--no-record] [--queue-ok] [RCPT...]",
	  .help = "send the complete message on standard input, through the outbox" },
	{ .name = "send", .fn = cli_send,
	  .usage = "send --queued | --list | --drop ID",
	  .help = "send what waits in the outbox; show it; remove one message" },
	{ .name = "compose", .fn = cli_compose,
	  .usage = "compose [-s SUBJECT] [-c ADDR] [-b ADDR] [-a FILE] [-m TEXT] "
	    "[--no-edit] [--dry-run] [ADDR...]",
	  .help = "write a new message in $EDITOR and send it" },
	{ .name = "reply", .fn = cli_reply,
	  .usage = "reply [-f FOLDER] UID [--group|--list] [-m TEXT] [--no-edit] [--dry-run]",
	  .help = "reply to a message (--group: all recipients, --list: the list) and mark it \\Answered" },
	{ .name = "forward", .fn = cli_forward,
	  .usage = "forward [-f FOLDER] UID [--attach] [-m TEXT] [--no-edit] [--dry-run] [ADDR...]",
	  .help = "forward a message inline (--attach: as message/rfc822) and mark it $Forwarded" },
	{ .name = "recall", .fn = cli_recall,
	  .usage = "recall [-f FOLDER] [UID] | recall --list [-f FOLDER]",
	  .help = "continue a postponed message; the old draft goes once it is sent or saved" },
	{ .name = "bounce", .fn = cli_bounce,
	  .usage = "bounce [-f FOLDER] UID ADDR...",
	  .help = "send a message on unchanged to other addresses (Resent- fields added)" },
	{ .name = "list", .fn = cli_list,
	  .usage = "list [-f FOLDER] [--limit N] [--json]",
	  .help = "list the messages of a folder, oldest first" },
	{ .name = "flag", .fn = cli_flag,
	  .usage = "flag [-f FOLDER] UID... +FLAG|-FLAG...",
	  .help = "add or remove flags and keywords on messages" },
	{ .name = "copy", .fn = cli_copy,
	  .usage = "copy [-f FOLDER] UID... DEST",
	  .help = "copy messages to another folder (DEST may be a role like :archive)" },
	{ .name = "move", .fn = cli_move,
	  .usage = "move [-f FOLDER] UID... DEST",
	  .help = "move messages to another folder (DEST may be a role like :archive)" },
	{ .name = "delete", .fn = cli_delete,
	  .usage = "delete [-f FOLDER] UID...",
	  .help = "delete messages: move them to Trash, or mark them (delete_mode)" },
	{ .name = "search", .fn = cli_search,
	  .usage = "search [-f FOLDER] [--json] QUERY...",
	  .help = "list the messages a query matches, as list prints them" },
	{ .name = "show", .fn = cli_show,
	  .usage = "show [-f FOLDER] UID [--part P] [--headers|--raw]",
	  .help = "print a message as the pager shows it, fetching only what is shown" },
	{ .name = "parts", .fn = cli_parts,
	  .usage = "parts [-f FOLDER] UID [--json]",
	  .help = "list the MIME parts of a message" },
	{ .name = "save", .fn = cli_save,
	  .usage = "save [-f FOLDER] UID PART [-o FILE] [--force]",
	  .help = "write one decoded part of a message to a file (-o - for stdout)" },
	{ .name = "sync", .fn = cli_sync,
	  .usage = "sync [-f FOLDER | --all] [--bodies]",
	  .help = "fill the cache for working offline: headers, and with --bodies the text" },
	{ .name = "query", .fn = cli_query,
	  .usage = "query [--json] QUERY...",
	  .help = "look up addresses in the aliases and with query_command" },
	{ .name = "watch", .fn = cli_watch,
	  .usage = "watch [-f FOLDER]... [--all] [--json]",
	  .help = "print new mail, expunges, flag changes and connection events as they happen" },
	{ .name = NULL },
};

static char *get_secret(enum imap_secret_kind, void *, char **);
static void session_ready(struct imap_client *, void *);
static void session_closed(struct imap_client *, enum err_class, const char *, void *);
static void session_alert(struct imap_client *, const char *, void *);
static void session_untagged(struct imap_client *, const struct imap_response *,
	    void *);
static void split_authenticators(const char *, char ***, size_t *);

const struct cli_command *
cli_commands(void)
{
	return commands;
}

const struct cli_command *
cli_find(const char *name)
{
	const struct cli_command	*c;

	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

void
cli_session_fail(struct cli_session *s, enum err_class cls, const char *fmt, ...)
{
	va_list	ap;

	if (s->err != ERR_NONE)
		return;
	s->err = cls;
	va_start(ap, fmt);
	s->errmsg = xvasprintf(fmt, ap);
	va_end(ap);
}

static char *
get_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	struct cli_session	*s = arg;

	return cli_imap_secret(s->ctx, kind, error_r);
}

char *
cli_imap_secret(struct cli_context *ctx, enum imap_secret_kind kind, char **error_r)
{
	const struct config	*cfg = ctx->cfg;
	const char		*v;
	char			*prompt, *secret;
	struct imap_account	 acct;

	if (kind == IMAP_SECRET_TOKEN) {
		if ((v = config_str(cfg, "imap_oauth_cmd")) == NULL) {
			*error_r = xstrdup("no OAuth token: set imap_oauth_cmd");
			return NULL;
		}
		return cli_secret_command("imap_oauth_cmd", v, error_r);
	}
	if ((v = config_str(cfg, "imap_pass_cmd")) != NULL)
		return cli_secret_command("imap_pass_cmd", v, error_r);
	if ((v = config_str(cfg, "imap_pass")) != NULL)
		return xstrdup(v);
	if (config_imap_account(cfg, &acct, error_r) < 0)
		return NULL;
	prompt = xasprintf("Password for %s@%s: ", acct.user != NULL ? acct.user : "", acct.host);
	imap_account_free(&acct);
	secret = cli_prompt_secret(prompt, "imap", error_r);
	free(prompt);
	return secret;
}

static void
session_ready(struct imap_client *c, void *arg)
{
	struct cli_session	*s = arg;

	s->ready = true;
}

static void
session_closed(struct imap_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct cli_session	*s = arg;

	s->closed = true;
	if (cls == ERR_NONE)
		return;
	/* A lost connection is the root cause of any command it failed. */
	if (s->err == ERR_FAILURE) {
		s->err = ERR_NONE;
		x_free(&s->errmsg);
	}
	cli_session_fail(s, cls, "%s", msg);
}

static void
session_alert(struct imap_client *c, const char *text, void *arg)
{
	struct cli_session	*s = arg;
	char			*clean;

	if (s->alert != NULL) {
		s->alert(text, s->alert_arg);
		return;
	}
	clean = str_sanitize(text);
	fprintf(s->ctx->err, "crispin: server alert: %s\n", clean);
	free(clean);
}

static void
session_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct cli_session	*s = arg;

	if (s->untagged != NULL)
		s->untagged(r, s->untagged_arg);
}

static void
split_authenticators(const char *list, char ***out, size_t *count)
{
	char	*copy = xstrdup(list), *p, *save = NULL;

	*out = NULL;
	*count = 0;
	for (p = strtok_r(copy, ": ,", &save); p != NULL; p = strtok_r(NULL, ": ,", &save)) {
		*out = xreallocarray(*out, *count + 1, sizeof **out);
		(*out)[(*count)++] = xstrdup(p);
	}
	free(copy);
}

int
cli_client_params(struct cli_context *ctx, struct cli_client_params *cp)
{
	struct imap_client_params	*p = &cp->p;
	char				*error = NULL, *dir;
	const char			*list;

	memset(cp, 0, sizeof *cp);
	if (config_imap_account(ctx->cfg, &cp->acct, &error) < 0) {
		fprintf(ctx->err, "crispin: %s\n", error);
		free(error);
		return EXIT_CONFIG;
	}
	p->host = cp->acct.host;
	p->port = cp->acct.port;
	p->user = cp->acct.user;
	p->implicit_tls = cp->acct.implicit_tls;
	p->starttls = cp->acct.starttls;
	p->allow_plaintext = config_bool(ctx->cfg, "allow_plaintext");
	p->ca_file = config_str(ctx->cfg, "tls_ca_file");
	p->fingerprint = config_str(ctx->cfg, "tls_fingerprint");
	/* The TLS session lives beside the cache, as private as it. */
	if ((dir = cli_account_cache_dir(ctx, &cp->acct)) != NULL) {
		/* The first run: the account's directory is made now (the
		 * cache in it later, off the login's path), so that what
		 * this login learns is kept. */
		if (dir_make_private(dir) == -1)
			log_info("cache %s: %s", dir, strerror(errno));
		cp->tls_session = xasprintf("%s/tls-session", dir);
		p->tls_session_file = cp->tls_session;
		cp->server_hint = xasprintf("%s/server-hint", dir);
		p->server_hint_file = cp->server_hint;
		free(dir);
	}
	p->connect_timeout_ms = (unsigned)config_num(ctx->cfg, "connect_timeout") * 1000;
	p->response_timeout_ms = (unsigned)config_num(ctx->cfg, "timeout") * 1000;
	p->have_token_source = config_str(ctx->cfg, "imap_oauth_cmd") != NULL;
	p->no_compress = !config_bool(ctx->cfg, "imap_compress");
	p->send_id = config_bool(ctx->cfg, "imap_send_id");
	if ((list = config_str(ctx->cfg, "imap_authenticators")) != NULL) {
		split_authenticators(list, &cp->auths, &cp->nauths);
		p->authenticators = (const char *const *)cp->auths;
		p->nauthenticators = cp->nauths;
	}
	p->trace = ctx->trace;
	return 0;
}

void
cli_client_params_free(struct cli_client_params *cp)
{
	size_t	i;

	imap_account_free(&cp->acct);
	free(cp->tls_session);
	free(cp->server_hint);
	for (i = 0; i < cp->nauths; i++)
		free(cp->auths[i]);
	free(cp->auths);
	memset(cp, 0, sizeof *cp);
}

int
cli_session_open(struct cli_session *s, struct cli_context *ctx)
{
	static const struct imap_client_callbacks cb = {
		.get_secret = get_secret,
		.ready = session_ready,
		.closed = session_closed,
		.alert = session_alert,
		.untagged = session_untagged,
	};
	struct cli_client_params	 cp;
	int				 rc;

	memset(s, 0, sizeof *s);
	s->ctx = ctx;
	s->started_us = cli_now_us();
	/* Offline means no connection, also for a command that needs one. */
	if (ctx->offline) {
		fprintf(ctx->err, "crispin: this needs the server, and crispin is "
		    "offline (--offline, or offline = yes); list, flag, copy, move, "
		    "delete, show, parts and search work from the cache\n");
		return EXIT_NETWORK;
	}
	if ((rc = cli_client_params(ctx, &cp)) != 0)
		return rc;
	s->loop = ev_loop_new();
	s->client = imap_client_new(s->loop, &cp.p, &cb, s);
	cli_client_params_free(&cp);
	imap_client_connect(s->client);
	if ((rc = cli_session_wait(s, &s->ready)) != 0) {
		if (rc == EXIT_NETWORK)
			fprintf(ctx->err, "crispin: without the server, crispin --offline "
			    "works from the cache (list, flag, copy, move, delete, show, "
			    "search)\n");
		cli_session_close(s);
	} else if ((rc = cli_replay_journal(s)) != 0)
		cli_session_close(s);	/* changes made offline go first */
	return rc;
}

int
cli_session_wait(struct cli_session *s, const bool *flag)
{
	while (!*flag && s->err == ERR_NONE && !s->closed)
		ev_loop_run_once(s->loop, -1);
	if (s->err != ERR_NONE) {
		char *clean = str_sanitize(s->errmsg);

		fprintf(s->ctx->err, "crispin: %s\n", clean);
		free(clean);
		return err_exit_code(s->err);
	}
	if (!*flag) {
		fprintf(s->ctx->err, "crispin: the connection closed before the command finished\n");
		return EXIT_NETWORK;
	}
	return 0;
}

void
cli_session_close(struct cli_session *s)
{
	if (s->client != NULL && !s->closed) {
		uint64_t deadline = ev_now(s->loop) + 5000;

		/* LOGOUT is a courtesy: do not hang on a server that never answers. */
		imap_client_logout(s->client);
		while (!s->closed && ev_now(s->loop) < deadline)
			ev_loop_run_once(s->loop, 1000);
	}
	if (s->client != NULL && s->ctx->stats) {
		struct net_stats st;

		imap_client_stats(s->client, &st);
		cli_print_stats(s->ctx, "imap", st.commands, st.round_trips, st.bytes_out,
		    st.bytes_in, cli_now_us() - s->started_us, st.wait_ms * 1000);
	}
	imap_client_free(&s->client);
	ev_loop_free(&s->loop);
	x_free(&s->errmsg);
}
