/*
 * The folder that list and flag work on: the account's cache (cache_dir,
 * header_cache) and the folder model, opened and synchronised before the
 * command looks at it. A cache that cannot be opened costs speed, not the
 * command: it says so and goes on without. Offline the folder comes
 * from the cache alone, and its changes go to the journal; online a
 * writable folder journals its changes until the server confirms them.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/config.h"
#include "crispin/log.h"
#include "crispin/mail_append.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_thread.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

static void on_opened(struct mail_folder *, void *);
static void on_error(struct mail_folder *, enum err_class, const char *, void *);
static void forward_untagged(const struct imap_response *, void *);
static void server_order(struct cli_context *, struct mail_folder_params *,
	    struct buf *);
static int folder_open(struct cli_folder *, struct cli_session *, const char *,
	    bool, uint32_t);

static const struct mail_folder_events events = {
	.opened = on_opened,
	.error = on_error,
};

static void
on_opened(struct mail_folder *f, void *arg)
{
	struct cli_folder	*cf = arg;

	cf->opened = true;
}

static void
on_error(struct mail_folder *f, enum err_class cls, const char *msg, void *arg)
{
	struct cli_folder	*cf = arg;
	char			*clean = str_sanitize(msg);

	cli_session_fail(cf->s, cls, "%s", clean);
	free(clean);
	cf->failed = true;
}

static void
forward_untagged(const struct imap_response *r, void *arg)
{
	struct cli_folder	*cf = arg;

	if (cf->folder != NULL)
		mail_folder_untagged(cf->folder, r);
}

/* The cache is per account: user@host:port names it. */
static char *
account_name(const struct imap_account *acct)
{
	return xasprintf("%s%s%s:%s", acct->user != NULL ? acct->user : "",
	    acct->user != NULL ? "@" : "", acct->host, acct->port);
}

static char *
cache_dir(struct cli_context *ctx)
{
	const char	*dir_opt = config_str(ctx->cfg, "cache_dir");

	return dir_opt != NULL ? xstrdup(dir_opt) : store_default_dir();
}

char *
cli_account_cache_dir(struct cli_context *ctx, const struct imap_account *acct)
{
	char	*dir, *account, *name, *path;

	if (!config_bool(ctx->cfg, "header_cache"))
		return NULL;
	dir = cache_dir(ctx);
	account = account_name(acct);
	name = store_account_dirname(account);
	path = xasprintf("%s/%s", dir, name);
	free(name);
	free(account);
	free(dir);
	return path;
}

struct store *
cli_open_store(struct cli_context *ctx)
{
	struct imap_account	 acct;
	struct store		*st = NULL;
	char			*dir, *account, *error = NULL, *clean;

	if (!config_bool(ctx->cfg, "header_cache"))
		return NULL;
	if (config_imap_account(ctx->cfg, &acct, &error) < 0) {
		free(error);
		return NULL;
	}
	account = account_name(&acct);
	imap_account_free(&acct);
	dir = cache_dir(ctx);
	if (store_open(dir, account, &st, NULL, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: cache not used: %s\n", clean);
		free(clean);
		free(error);
		st = NULL;
	} else
		store_set_part_limit(st,
		    (uint64_t)config_num(ctx->cfg, "body_cache_size") << 20);
	free(dir);
	free(account);
	return st;
}

/* APPENDUID: the folder's cache gets the appended message's record now,
 * so its next open does not fetch the header (an error costs only that). */
void
cli_cache_appended(struct cli_context *ctx, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *msg, size_t len, const char *flags, time_t when)
{
	struct store	*st;
	char		*error = NULL;

	if (uid == 0 || uidvalidity == 0 || (st = cli_open_store(ctx)) == NULL)
		return;
	if (mail_append_cache(st, folder, uidvalidity, uid, msg, len, flags, when,
	    &error) < 0) {
		log_warn("cache of %s not updated: %s", folder, error);
		free(error);
	}
	store_close(&st);
}

int
cli_folder_open(struct cli_folder *cf, struct cli_session *s, const char *name,
    bool readonly)
{
	return folder_open(cf, s, name, readonly, 0);
}

/* The sort option as a server order for a cold open (mail_thread.h). */
static void
server_order(struct cli_context *ctx, struct mail_folder_params *p, struct buf *crit)
{
	struct mail_sort	 s;
	const char		*key = config_str(ctx->cfg, "sort");
	const char		*aux = config_str(ctx->cfg, "sort_aux");
	bool			 thread;

	memset(&s, 0, sizeof s);
	if (key == NULL || mail_sort_parse(key, &s.key, &s.reverse) < 0)
		return;
	if (aux == NULL || mail_sort_parse(aux, &s.aux, &s.aux_reverse) < 0)
		s.aux = MAIL_SORT_DATE;
	if (!mail_sort_server_order(&s, crit, &thread))
		return;
	p->sort_criteria = thread ? NULL : buf_cstr(crit);
	p->thread_order = thread;
	p->order_reverse = s.reverse;
}

static int
folder_open(struct cli_folder *cf, struct cli_session *s, const char *name,
    bool readonly, uint32_t fill_limit)
{
	struct mail_folder_params	p;
	struct cli_context		*ctx = s->ctx;
	struct buf			 crit = BUF_INIT;
	int				 rc, again = 0;

	for (;;) {
		memset(cf, 0, sizeof *cf);
		cf->s = s;
		cf->store = cli_open_store(s->ctx);
		memset(&p, 0, sizeof p);
		p.readonly = readonly;
		p.use_cache = cf->store != NULL;
		p.journal = !readonly;
		p.fill_limit = fill_limit;
		/* --limit N: the first N in the sort order (the folder
		 * copies the criteria). */
		buf_reset(&crit);
		if (fill_limit > 0)
			server_order(ctx, &p, &crit);
		cf->folder = mail_folder_new(s->client, cf->store, name, &p);
		mail_folder_subscribe(cf->folder, &events, cf);
		s->untagged = forward_untagged;
		s->untagged_arg = cf;
		mail_folder_open(cf->folder);
		rc = cli_session_wait(s, &cf->opened);
		buf_free(&crit);
		/* Opening only reads: a link that died under it is reconnected
		 * (inflight.c) and the folder opened again, warm from what
		 * came. A link that keeps dying is given up on. */
		if (rc != EXIT_NETWORK || again++ == 3)
			return rc;
		cli_folder_close(cf);
		cli_session_close(s);
		if ((rc = cli_session_reconnect(s, ctx, "open")) != 0)
			return rc;
	}
}

int
cli_folder_start(struct cli_folder *cf, struct cli_session *s, struct cli_context *ctx,
    const char *name, bool readonly)
{
	return cli_folder_start_limit(cf, s, ctx, name, readonly, 0);
}

int
cli_folder_start_limit(struct cli_folder *cf, struct cli_session *s,
    struct cli_context *ctx, const char *name, bool readonly, uint32_t fill_limit)
{
	struct mail_folder_params	p;
	int				rc;

	if (!ctx->offline) {
		if ((rc = cli_session_open(s, ctx)) != 0) {
			memset(cf, 0, sizeof *cf);
			return rc;
		}
		return folder_open(cf, s, name, readonly, fill_limit);
	}
	/* No loop, no client: cli_session_close finds nothing to close. */
	memset(s, 0, sizeof *s);
	s->ctx = ctx;
	s->closed = true;
	memset(cf, 0, sizeof *cf);
	cf->s = s;
	if ((cf->store = cli_open_store(ctx)) == NULL) {
		fprintf(ctx->err, "crispin: --offline needs the cache, and it is off or "
		    "cannot be opened (header_cache, cache_dir)\n");
		return EXIT_CONFIG;
	}
	memset(&p, 0, sizeof p);
	p.readonly = readonly;
	p.use_cache = true;
	cf->folder = mail_folder_new(NULL, cf->store, name, &p);
	mail_folder_subscribe(cf->folder, &events, cf);
	mail_folder_open_offline(cf->folder);
	return cli_session_wait(s, &cf->opened);
}

void
cli_folder_stop(struct cli_folder *cf, struct cli_session *s)
{
	cli_folder_close(cf);
	if (s->client != NULL)
		cli_session_close(s);
	else
		x_free(&s->errmsg);	/* offline: all there is of the session */
}

void
cli_folder_close(struct cli_folder *cf)
{
	if (cf->s != NULL) {
		cf->s->untagged = NULL;
		cf->s->untagged_arg = NULL;
	}
	mail_folder_free(&cf->folder);
	store_close(&cf->store);
}
