/*
 * Sending through the outbox. A message is first committed to the outbox
 * (the store of the account), then handed to the SMTP server or the
 * sendmail command; it leaves the outbox only once the server took it
 * and its Sent copy and flags are done (record.c). A message some of
 * whose recipients were refused counts as sent: the refusals are listed
 * and the exit status is 1, but sending it again would reach the others
 * twice.
 *
 * Where the outbox lives: the store of the IMAP account when there is
 * one (the same cache.sqlite as the header cache), else one named
 * "smtp:user@host:port" after smtp_url, else "local". The store is
 * opened whatever header_cache says: the outbox is no cache.
 *
 * A try that was interrupted (crispin killed or the machine down while
 * the entry was "sending") cannot know whether the server took the
 * message. It is sent again on the next send --queued, with a warning:
 * the recipients may get it twice, never not at all.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_header.h"
#include "crispin/smtp_client.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "submit_p.h"

/* A try older than this is over, whoever has the pid now. */
#define SUBMIT_STALE_SECONDS	(24 * 60 * 60)

/* The SMTP side of a run. */
struct smtp_side {
	struct submit_run	*run;		/* borrowed */
	struct smtp_url		 url;
	struct ev_loop		*loop;		/* owned */
	struct smtp_client	*client;	/* owned */
	char			**auths;	/* owned */
	size_t			 nauths;
	uint64_t		 started;
	bool			 done;
	bool			 closed;
	struct submit_msg	*cur;		/* borrowed: being sent */
	char			*why;		/* owned: the last failure */
};

struct addr_list {
	char		**v;		/* owned */
	size_t		  n;
};

static bool valid_addr(const char *);
static int extract(struct cli_context *, const char *, const char *,
	    struct addr_list *);
static void add_unique(struct addr_list *, char *);
static void free_list(struct addr_list *);
static char *outbox_account(const struct config *);
static bool owner_alive(int64_t);
static int load_cb(const struct store_outbox_entry *, void *);
static void add_field(struct buf *, const char *, bool);
static int list_cb(const struct store_outbox_entry *, void *);
static int found_cb(const struct store_outbox_entry *, void *);
static void run_free(struct submit_run *);
static char *get_secret(enum smtp_secret_kind, void *, char **);
static void on_done(struct smtp_client *, const struct smtp_result *, void *);
static void on_closed(struct smtp_client *, enum err_class, const char *, void *);
static int smtp_open(struct smtp_side *, char **);
static void smtp_close(struct smtp_side *);
static void split_list(const char *, char ***, size_t *);
static int claim(struct submit_run *, struct submit_msg *);
static void settle(struct submit_run *, struct submit_msg *, const char *);
static int send_all(struct submit_run *);
static void forget_done(struct submit_run *);
static void say_waiting(struct submit_run *, const struct submit_msg *);
static int older_cb(const struct store_outbox_entry *, void *);
static void say_older(struct submit_run *, int64_t);

/* An addr-spec safe to put between < and >: an @, no controls, no angle
 * brackets, spaces only inside a quoted local part. */
static bool
valid_addr(const char *a)
{
	const unsigned char	*p = (const unsigned char *)a;
	bool			 quoted = false;

	if (strchr(a, '@') == NULL || a[0] == '@' || a[strlen(a) - 1] == '@')
		return false;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return false;
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ' ' && !quoted)
			return false;
	}
	return !quoted;
}

/* Appends the addresses of an address list ("Name <a@b>, c@d", groups);
 * -1 after telling the user when an entry is no address. */
static int
extract(struct cli_context *ctx, const char *cmd, const char *value,
    struct addr_list *out)
{
	struct arena		*a = arena_new(0);
	struct mime_addr	*v;
	const char		*bad = NULL;
	char			*clean;
	size_t			 n, i;

	mime_addr_parse(value, a, &v, &n);
	for (i = 0; i < n && bad == NULL; i++) {
		if (v[i].mailbox == NULL) {
			/* Group markers are fine; text that is no address is not. */
			if (v[i].group == NULL && v[i].name != NULL)
				bad = v[i].name;
			continue;
		}
		if (!valid_addr(v[i].mailbox)) {
			bad = v[i].mailbox;
			continue;
		}
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = xstrdup(v[i].mailbox);
	}
	if (bad != NULL) {
		clean = str_sanitize(bad);
		fprintf(ctx->err, "crispin: %s: '%s' is not an email address\n", cmd,
		    clean);
		free(clean);
	}
	arena_free(&a);
	return bad != NULL ? -1 : 0;
}

/* Takes a; the same address twice is one recipient. */
static void
add_unique(struct addr_list *l, char *a)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (str_ieq(l->v[i], a)) {
			free(a);
			return;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = a;
}

static void
free_list(struct addr_list *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

int
submit_envelope(struct cli_context *ctx, const char *cmd, const char *msg,
    size_t len, const char *from_opt, char *const *args, int nargs,
    struct submit_envelope *env)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	struct addr_list	 values = { NULL, 0 }, found = { NULL, 0 };
	struct addr_list	 rcpts = { NULL, 0 };
	const char		*src;
	size_t			 i;
	int			 k, rc = 0;

	memset(env, 0, sizeof *env);
	if (nargs > 0) {
		for (k = 0; k < nargs && rc == 0; k++)
			rc = extract(ctx, cmd, args[k], &found);
	} else {
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			smtp_header_values(msg, len, fields[i], &values.v, &values.n);
		for (i = 0; i < values.n && rc == 0; i++)
			rc = extract(ctx, cmd, values.v[i], &found);
		free_list(&values);
	}
	for (i = 0; i < found.n; i++)
		add_unique(&rcpts, found.v[i]);
	free(found.v);
	found.v = NULL;
	found.n = 0;
	if (rc == 0 && rcpts.n == 0) {
		fprintf(ctx->err, "crispin: %s: no recipients: give them as "
		    "arguments or in the To, Cc or Bcc header\n", cmd);
		rc = -1;
	}

	/* The sender: --from, else the from option, else the message's From. */
	if (rc == 0) {
		if ((src = from_opt) == NULL)
			src = config_str(ctx->cfg, "from");
		if (src != NULL)
			rc = extract(ctx, cmd, src, &found);
		else {
			smtp_header_values(msg, len, "From", &values.v, &values.n);
			for (i = 0; i < values.n && rc == 0; i++)
				rc = extract(ctx, cmd, values.v[i], &found);
			free_list(&values);
		}
		if (rc == 0 && found.n == 0) {
			fprintf(ctx->err, "crispin: %s: no sender: use --from, set "
			    "from in the rc file, or give the message a From "
			    "header\n", cmd);
			rc = -1;
		} else if (rc == 0) {
			env->from = found.v[0];
			found.v[0] = NULL;
		}
		free_list(&found);
	}
	if (rc != 0) {
		free_list(&rcpts);
		free(env->from);
		env->from = NULL;
		return EXIT_USAGE;
	}
	env->rcpts = rcpts.v;
	env->nrcpts = rcpts.n;
	return 0;
}

void
submit_envelope_free(struct submit_envelope *env)
{
	struct addr_list	l = { env->rcpts, env->nrcpts };

	free_list(&l);
	x_free(&env->from);
	env->rcpts = NULL;
	env->nrcpts = 0;
}

/* The name of the store the outbox is in; see the top of this file. */
static char *
outbox_account(const struct config *cfg)
{
	struct imap_account	 acct;
	struct smtp_url		 url;
	const char		*v;
	char			*error = NULL, *name;

	if (config_imap_account(cfg, &acct, &error) == 0) {
		name = xasprintf("%s%s%s:%s", acct.user != NULL ? acct.user : "",
		    acct.user != NULL ? "@" : "", acct.host, acct.port);
		imap_account_free(&acct);
		return name;
	}
	x_free(&error);
	if ((v = config_str(cfg, "smtp_url")) != NULL &&
	    smtp_url_parse(v, &url, &error) == 0) {
		name = xasprintf("smtp:%s%s%s:%s", url.user != NULL ? url.user : "",
		    url.user != NULL ? "@" : "", url.host, url.port);
		smtp_url_free(&url);
		return name;
	}
	free(error);
	return xstrdup("local");
}

/* How many messages wait in the outbox (for the interface, which sends
 * them when the link comes back); 0 when it cannot be read. Quiet. */
size_t
cli_outbox_count(struct cli_context *ctx)
{
	struct store	*st = NULL;
	const char	*dir_opt = config_str(ctx->cfg, "cache_dir");
	char		*dir, *account, *error = NULL;
	size_t		 n = 0;

	account = outbox_account(ctx->cfg);
	dir = dir_opt != NULL ? xstrdup(dir_opt) : store_default_dir();
	if (store_open(dir, account, &st, NULL, &error) == 0 &&
	    store_outbox_count(st, &n, &error) < 0)
		n = 0;
	store_close(&st);
	free(error);
	free(dir);
	free(account);
	return n;
}

struct store *
submit_open_outbox(struct cli_context *ctx)
{
	struct store	*st = NULL;
	const char	*dir_opt;
	char		*dir, *account, *error = NULL, *clean;

	account = outbox_account(ctx->cfg);
	dir_opt = config_str(ctx->cfg, "cache_dir");
	dir = dir_opt != NULL ? xstrdup(dir_opt) : store_default_dir();
	if (store_open(dir, account, &st, NULL, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: the outbox cannot be opened: %s\n", clean);
		free(clean);
		free(error);
		st = NULL;
	}
	free(dir);
	free(account);
	return st;
}

void
submit_msg_free(struct submit_msg **mp)
{
	struct submit_msg	*m = *mp;
	struct addr_list	 l;

	if (m == NULL)
		return;
	l.v = m->rcpts;
	l.n = m->nrcpts;
	free_list(&l);
	free(m->from);
	free(m->reply_folder);
	free(m->forward_folder);
	buf_free(&m->data);
	free(m);
	*mp = NULL;
}

static void
run_free(struct submit_run *run)
{
	size_t	i;

	for (i = 0; i < run->nmsgs; i++)
		submit_msg_free(&run->msgs[i]);
	free(run->msgs);
	run->msgs = NULL;
	run->nmsgs = 0;
	store_close(&run->st);
}

/* Is the process of a try still there? EPERM: someone's, so alive. */
static bool
owner_alive(int64_t pid)
{
	if (pid <= 0 || pid != (int64_t)(pid_t)pid)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int
load_cb(const struct store_outbox_entry *e, void *arg)
{
	struct submit_run	*run = arg;
	struct submit_msg	*m;
	const char		*p, *eol;

	m = xcalloc(1, sizeof *m);
	m->id = e->id;
	m->state = e->state;
	m->owner_pid = e->owner_pid;
	m->attempted = e->attempted;
	m->from = xstrdup(e->from);
	for (p = e->rcpts; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if (eol == p)
			continue;
		m->rcpts = xreallocarray(m->rcpts, m->nrcpts + 1, sizeof *m->rcpts);
		m->rcpts[m->nrcpts++] = xstrndup(p, (size_t)(eol - p));
	}
	m->tasks = e->tasks;
	m->reply_folder = xstrdup_null(e->reply_folder);
	m->reply_uid = e->reply_uid;
	m->forward_folder = xstrdup_null(e->forward_folder);
	m->forward_uid = e->forward_uid;
	buf_init(&m->data);
	buf_add(&m->data, e->data, e->len);
	run->msgs = xreallocarray(run->msgs, run->nmsgs + 1, sizeof *run->msgs);
	run->msgs[run->nmsgs++] = m;
	return 0;
}

/* SMTP. */

static char *
get_secret(enum smtp_secret_kind kind, void *arg, char **error_r)
{
	struct smtp_side	*sm = arg;
	const struct config	*cfg = sm->run->ctx->cfg;
	const char		*v;
	char			*prompt, *secret;

	if (kind == SMTP_SECRET_TOKEN) {
		if ((v = config_str(cfg, "smtp_oauth_cmd")) == NULL) {
			*error_r = xstrdup("no OAuth token: set smtp_oauth_cmd");
			return NULL;
		}
		return cli_secret_command("smtp_oauth_cmd", v, error_r);
	}
	if ((v = config_str(cfg, "smtp_pass_cmd")) != NULL)
		return cli_secret_command("smtp_pass_cmd", v, error_r);
	if ((v = config_str(cfg, "smtp_pass")) != NULL)
		return xstrdup(v);
	prompt = xasprintf("SMTP password for %s@%s: ", sm->url.user, sm->url.host);
	secret = cli_prompt_secret(prompt, "smtp", error_r);
	free(prompt);
	return secret;
}

static void
on_done(struct smtp_client *c, const struct smtp_result *res, void *arg)
{
	struct smtp_side	*sm = arg;
	struct submit_msg	*m = sm->cur;
	FILE			*err = sm->run->ctx->err;
	char			*clean;
	size_t			 i;

	sm->done = true;
	for (i = 0; i < res->nrcpts; i++) {
		if (!res->rcpts[i].accepted && res->rcpts[i].reply != NULL)
			fprintf(err, "crispin: %s refused: %s\n",
			    res->rcpts[i].address, res->rcpts[i].reply);
	}
	if (res->err != ERR_NONE) {
		clean = str_sanitize(res->message);
		fprintf(err, "crispin: %s\n", clean);
		free(sm->why);
		sm->why = clean;
		m->err = res->err;
		return;
	}
	m->accepted = res->naccepted > 0;
	if (res->naccepted < res->nrcpts) {
		fprintf(err, "crispin: sent to %zu of %zu recipients\n",
		    res->naccepted, res->nrcpts);
		m->partial = true;
	}
	m->err = m->accepted ? ERR_NONE : ERR_FAILURE;
}

static void
on_closed(struct smtp_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct smtp_side	*sm = arg;

	sm->closed = true;
}

static void
split_list(const char *list, char ***out, size_t *n)
{
	char	*copy = xstrdup(list), *p, *save = NULL;

	for (p = strtok_r(copy, ": ,", &save); p != NULL; p = strtok_r(NULL, ": ,", &save)) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrdup(p);
	}
	free(copy);
}

/* The client, not yet connected (smtp_client_send connects). */
static int
smtp_open(struct smtp_side *sm, char **error_r)
{
	static const struct smtp_client_callbacks cb = {
		.get_secret = get_secret,
		.closed = on_closed,
	};
	const struct config		*cfg = sm->run->ctx->cfg;
	struct smtp_client_params	 p;
	const char			*url, *list;

	if ((url = config_str(cfg, "smtp_url")) == NULL) {
		*error_r = xstrdup("no SMTP server configured: set smtp_url in the "
		    "rc file (e.g. set smtp_url = \"smtps://you@smtp.example.org/\"), "
		    "or sendmail");
		return -1;
	}
	if (smtp_url_parse(url, &sm->url, error_r) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.host = sm->url.host;
	p.port = sm->url.port;
	p.user = sm->url.user;
	p.implicit_tls = sm->url.implicit_tls;
	p.starttls = !sm->url.implicit_tls && config_bool(cfg, "tls");
	p.allow_plaintext = config_bool(cfg, "allow_plaintext");
	p.ca_file = config_str(cfg, "tls_ca_file");
	p.fingerprint = config_str(cfg, "tls_fingerprint");
	p.connect_timeout_ms = (unsigned)config_num(cfg, "connect_timeout") * 1000;
	p.response_timeout_ms = (unsigned)config_num(cfg, "timeout") * 1000;
	p.have_token_source = config_str(cfg, "smtp_oauth_cmd") != NULL;
	if ((list = config_str(cfg, "smtp_authenticators")) != NULL) {
		split_list(list, &sm->auths, &sm->nauths);
		p.authenticators = (const char *const *)sm->auths;
		p.nauthenticators = sm->nauths;
	}
	p.trace = sm->run->ctx->trace;
	sm->loop = ev_loop_new();
	sm->started = cli_now_us();
	sm->client = smtp_client_new(sm->loop, &p, &cb, sm);
	return 0;
}

static void
smtp_close(struct smtp_side *sm)
{
	struct cli_context	*ctx = sm->run->ctx;
	struct net_stats	 st;
	uint64_t		 deadline;
	size_t			 i;

	if (sm->client != NULL) {
		/* QUIT is a courtesy: do not hang on a server that never answers. */
		smtp_client_quit(sm->client);
		deadline = ev_now(sm->loop) + 5000;
		while (!sm->closed && ev_now(sm->loop) < deadline)
			ev_loop_run_once(sm->loop, 1000);
		if (ctx->stats) {
			smtp_client_stats(sm->client, &st);
			cli_print_stats(ctx, "smtp", st.commands, st.round_trips,
			    st.bytes_out, st.bytes_in, cli_now_us() - sm->started,
			    st.wait_ms * 1000);
		}
	}
	smtp_client_free(&sm->client);
	if (sm->loop != NULL)
		ev_loop_free(&sm->loop);
	for (i = 0; i < sm->nauths; i++)
		free(sm->auths[i]);
	free(sm->auths);
	smtp_url_free(&sm->url);
	x_free(&sm->why);
}

/* The run. */

/* Marks the try in the outbox before anything goes out: 1 go, 0 skip. */
static int
claim(struct submit_run *run, struct submit_msg *m)
{
	char	*error = NULL, *clean;
	int	 r;

	if (m->id == 0 || run->st == NULL)
		return 1;
	r = store_outbox_claim(run->st, m->id, m->state, m->owner_pid, getpid(),
	    time(NULL), &error);
	if (r < 0) {
		clean = str_sanitize(error);
		fprintf(run->ctx->err, "crispin: %s: #%lld not sent: %s\n", run->cmd,
		    (long long)m->id, clean);
		free(clean);
		free(error);
		m->err = ERR_FAILURE;
		return 0;
	}
	if (r == 0)
		fprintf(run->ctx->err, "crispin: %s: #%lld is being sent by another "
		    "crispin\n", run->cmd, (long long)m->id);
	return r;
}

/* Writes the outcome of a try to the outbox. */
static void
settle(struct submit_run *run, struct submit_msg *m, const char *why)
{
	char	*error = NULL, *clean;

	if (m->id == 0 || run->st == NULL)
		return;
	if (store_outbox_set_state(run->st, m->id, m->accepted ? STORE_OUTBOX_SENT :
	    STORE_OUTBOX_QUEUED, why, &error) < 0) {
		clean = str_sanitize(error);
		/* The worst case: a later send --queued finds it "sending"
		 * and, its owner gone, sends it again with a warning. */
		fprintf(run->ctx->err, "crispin: %s: #%lld: the outbox cannot record "
		    "the outcome: %s\n", run->cmd, (long long)m->id, clean);
		free(clean);
		free(error);
		return;
	}
	m->state = m->accepted ? STORE_OUTBOX_SENT : STORE_OUTBOX_QUEUED;
	m->owner_pid = 0;
}

static void
say_waiting(struct submit_run *run, const struct submit_msg *m)
{
	if (m->id != 0 && run->st != NULL)
		fprintf(run->ctx->err, "crispin: %s: not sent; it waits in the outbox "
		    "as #%lld (crispin send --queued sends it)\n", run->cmd,
		    (long long)m->id);
	else
		fprintf(run->ctx->err, "crispin: %s: not sent\n", run->cmd);
}

/*
 * Hands every waiting message of the run to the transport, one at a time
 * over one SMTP session. A failure of the connection (network, TLS,
 * login) stops the run: the rest stay queued untouched. Returns 0 when
 * everything went to everyone, else the exit code of the first failure.
 */
static int
send_all(struct submit_run *run)
{
	struct cli_context	*ctx = run->ctx;
	struct smtp_side	 sm;
	struct smtp_message	 sm_msg;
	struct buf		 wire = BUF_INIT;
	const char		*sendmail = config_str(ctx->cfg, "sendmail");
	struct submit_msg	*m;
	char			*error = NULL, *clean;
	size_t			 i;
	int			 rc = 0, code;
	bool			 stop = false, opened = false;

	memset(&sm, 0, sizeof sm);
	sm.run = run;
	for (i = 0; i < run->nmsgs && !stop; i++) {
		m = run->msgs[i];
		if (m->state == STORE_OUTBOX_SENT)
			continue;
		if (sendmail == NULL && !opened) {
			if (smtp_open(&sm, &error) < 0) {
				clean = str_sanitize(error);
				fprintf(ctx->err, "crispin: %s\n", clean);
				free(clean);
				x_free(&error);
				m->err = ERR_CONFIG;
				rc = EXIT_CONFIG;
				say_waiting(run, m);
				break;
			}
			opened = true;
		}
		m->accepted = m->partial = false;
		m->err = ERR_NONE;
		/* Another crispin sending it is no failure of ours. */
		if (claim(run, m) != 1) {
			if (m->err != ERR_NONE && rc == 0)
				rc = EXIT_FAILURE_;
			continue;
		}
		if (sendmail != NULL) {
			if (submit_sendmail(ctx, sendmail, m, &error) == 0)
				m->accepted = true;
			else {
				clean = str_sanitize(error);
				fprintf(ctx->err, "crispin: %s\n", clean);
				free(clean);
				m->err = ERR_FAILURE;
			}
		} else {
			buf_reset(&wire);
			smtp_strip_bcc(m->data.data, m->data.len, &wire);
			memset(&sm_msg, 0, sizeof sm_msg);
			sm_msg.from = m->from;
			sm_msg.rcpts = (const char *const *)m->rcpts;
			sm_msg.nrcpts = m->nrcpts;
			sm_msg.data = wire.data;
			sm_msg.len = wire.len;
			sm.cur = m;
			sm.done = false;
			smtp_client_send(sm.client, &sm_msg, on_done, &sm);
			while (!sm.done)
				ev_loop_run_once(sm.loop, -1);
			sm.cur = NULL;
			error = sm.why;
			sm.why = NULL;
		}
		settle(run, m, m->accepted ? NULL : error != NULL ? error :
		    err_class_name(m->err));
		x_free(&error);
		if (m->accepted && run->verbose)
			fprintf(ctx->out, "sent #%lld to %zu recipient%s\n",
			    (long long)m->id, m->nrcpts, m->nrcpts == 1 ? "" : "s");
		code = m->accepted ? (m->partial ? EXIT_FAILURE_ : EXIT_OK) :
		    err_exit_code(m->err);
		if (!m->accepted)
			say_waiting(run, m);
		if (rc == 0)
			rc = code;
		/* A refusal is about one message; anything else about all. */
		stop = !m->accepted && m->err != ERR_FAILURE;
	}
	if (opened)
		smtp_close(&sm);
	buf_free(&wire);
	return rc;
}

/* Entries sent with nothing left to do leave the outbox. */
static void
forget_done(struct submit_run *run)
{
	struct submit_msg	*m;
	char			*error = NULL, *clean;
	size_t			 i;

	for (i = 0; i < run->nmsgs; i++) {
		m = run->msgs[i];
		if (m->state != STORE_OUTBOX_SENT || m->tasks != 0 || m->id == 0 ||
		    run->st == NULL)
			continue;
		if (store_outbox_delete(run->st, m->id, &error) < 0) {
			clean = str_sanitize(error);
			fprintf(run->ctx->err, "crispin: %s: #%lld was sent but stays in "
			    "the outbox: %s\n", run->cmd, (long long)m->id, clean);
			free(clean);
			x_free(&error);
		}
	}
}

struct older {
	int64_t		 self;
	size_t		 n;
};

static int
older_cb(const struct store_outbox_entry *e, void *arg)
{
	struct older	*o = arg;

	if (e->id != o->self && e->state != STORE_OUTBOX_SENT)
		o->n++;
	return 0;
}

/* After a send works, older messages still waiting are worth a word. */
static void
say_older(struct submit_run *run, int64_t self)
{
	struct older	 o = { self, 0 };
	char		*error = NULL;

	if (run->st == NULL ||
	    store_outbox_each(run->st, false, older_cb, &o, &error) < 0) {
		free(error);
		return;
	}
	if (o.n > 0)
		fprintf(run->ctx->err, "crispin: %s: %zu older message%s wait%s in "
		    "the outbox (crispin send --queued sends them)\n", run->cmd, o.n,
		    o.n == 1 ? "" : "s", o.n == 1 ? "s" : "");
}

int
submit_one(struct cli_context *ctx, const char *cmd, const char *msg, size_t len,
    const struct submit_envelope *env, const struct cli_submit *sub, bool offline)
{
	struct submit_run		 run;
	struct submit_msg		*m;
	struct store_outbox_entry	 e;
	struct imap_account		 acct;
	struct buf			 rcpts = BUF_INIT;
	enum config_quad		 copy;
	char				*error = NULL, *clean;
	size_t				 i;
	int				 rc;

	memset(&run, 0, sizeof run);
	run.ctx = ctx;
	run.cmd = cmd;
	run.offline = offline;
	m = xcalloc(1, sizeof *m);
	m->from = xstrdup(env->from);
	m->rcpts = xcalloc(env->nrcpts, sizeof *m->rcpts);
	for (i = 0; i < env->nrcpts; i++) {
		m->rcpts[i] = xstrdup(env->rcpts[i]);
		buf_printf(&rcpts, "%s%s", i > 0 ? "\n" : "", env->rcpts[i]);
	}
	m->nrcpts = env->nrcpts;
	buf_init(&m->data);
	buf_add(&m->data, msg, len);
	/* Without an IMAP account there is no Sent folder to copy to; with
	 * no one to ask, an ask-quad takes its default answer. */
	copy = config_quad(ctx->cfg, "copy");
	if (!sub->no_record && (copy == CONFIG_QUAD_YES ||
	    copy == CONFIG_QUAD_ASK_YES) &&
	    config_imap_account(ctx->cfg, &acct, &error) == 0) {
		m->tasks |= STORE_OUTBOX_RECORD;
		imap_account_free(&acct);
	}
	x_free(&error);
	if (sub->reply_folder != NULL && sub->reply_uid != 0) {
		m->tasks |= STORE_OUTBOX_REPLY;
		m->reply_folder = xstrdup(sub->reply_folder);
		m->reply_uid = sub->reply_uid;
	}
	if (sub->forward_folder != NULL && sub->forward_uid != 0) {
		m->tasks |= STORE_OUTBOX_FORWARD;
		m->forward_folder = xstrdup(sub->forward_folder);
		m->forward_uid = sub->forward_uid;
	}
	run.msgs = xcalloc(1, sizeof *run.msgs);
	run.msgs[0] = m;
	run.nmsgs = 1;

	/* Into the outbox before any byte goes out. */
	if ((run.st = submit_open_outbox(ctx)) != NULL) {
		memset(&e, 0, sizeof e);
		e.created = time(NULL);
		e.from = m->from;
		e.rcpts = buf_cstr(&rcpts);
		e.tasks = m->tasks;
		e.reply_folder = m->reply_folder;
		e.reply_uid = m->reply_uid;
		e.forward_folder = m->forward_folder;
		e.forward_uid = m->forward_uid;
		e.data = m->data.data;
		e.len = m->data.len;
		if (store_outbox_add(run.st, &e, &m->id, &error) < 0) {
			clean = str_sanitize(error);
			fprintf(ctx->err, "crispin: %s: the message is not in the "
			    "outbox: %s\n", cmd, clean);
			free(clean);
			x_free(&error);
			store_close(&run.st);
		}
	}
	if (run.st == NULL)
		fprintf(ctx->err, "crispin: %s: sending without a copy in the "
		    "outbox\n", cmd);

	if (offline) {
		if (m->id != 0) {
			fprintf(ctx->err, "crispin: %s: offline: the message waits in "
			    "the outbox as #%lld (crispin send --queued sends it)\n",
			    cmd, (long long)m->id);
			rc = sub->queue_ok ? EXIT_OK : EXIT_NETWORK;
		} else {
			fprintf(ctx->err, "crispin: %s: offline, and no outbox to keep "
			    "the message in: not sent\n", cmd);
			rc = EXIT_NETWORK;
		}
		goto out;
	}
	rc = send_all(&run);
	if (m->accepted) {
		/* The message is out: what is left is reported, not failed. */
		(void)submit_after(&run);
		forget_done(&run);
		say_older(&run, m->id);
	} else if (m->id != 0 && run.st != NULL && sub->queue_ok)
		rc = EXIT_OK;
out:
	buf_free(&rcpts);
	run_free(&run);
	return rc;
}

int
submit_queued(struct cli_context *ctx, bool offline)
{
	struct submit_run	 run;
	struct submit_msg	*m;
	char			*error = NULL, *clean;
	size_t			 i, j, sent = 0, left = 0;
	int			 rc, after;
	int64_t			 now = time(NULL);

	memset(&run, 0, sizeof run);
	run.ctx = ctx;
	run.cmd = "send";
	run.offline = offline;
	run.verbose = true;
	if ((run.st = submit_open_outbox(ctx)) == NULL)
		return EXIT_FAILURE_;
	if (store_outbox_each(run.st, true, load_cb, &run, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: send: %s\n", clean);
		free(clean);
		free(error);
		run_free(&run);
		return EXIT_FAILURE_;
	}
	/* Tries that are still running belong to their process; the others
	 * were interrupted and go again, said out loud. */
	for (i = j = 0; i < run.nmsgs; i++) {
		m = run.msgs[i];
		if (m->state == STORE_OUTBOX_SENDING && owner_alive(m->owner_pid) &&
		    now - m->attempted < SUBMIT_STALE_SECONDS) {
			fprintf(ctx->err, "crispin: send: #%lld is being sent by process "
			    "%lld; left to it\n", (long long)m->id,
			    (long long)m->owner_pid);
			submit_msg_free(&run.msgs[i]);
			left++;
			continue;
		}
		if (m->state == STORE_OUTBOX_SENDING)
			fprintf(ctx->err, "crispin: send: #%lld: an earlier try was "
			    "interrupted before the server answered; sending it again "
			    "(its recipients may get it twice)\n", (long long)m->id);
		run.msgs[j++] = m;
	}
	run.nmsgs = j;
	if (offline) {
		fprintf(ctx->err, "crispin: send: offline: %zu message%s wait in the "
		    "outbox\n", run.nmsgs, run.nmsgs == 1 ? "" : "s");
		rc = run.nmsgs == 0 && left == 0 ? EXIT_OK : EXIT_NETWORK;
		run_free(&run);
		return rc;
	}
	rc = send_all(&run);
	after = submit_after(&run);
	if (rc == 0)
		rc = after;
	forget_done(&run);
	for (i = 0; i < run.nmsgs; i++) {
		m = run.msgs[i];
		if (m->accepted)
			sent++;
		if (m->state != STORE_OUTBOX_SENT || m->tasks != 0)
			left++;
	}
	fprintf(ctx->out, "outbox: %zu sent, %zu left\n", sent, left);
	run_free(&run);
	return rc;
}

struct list_state {
	struct cli_context	*ctx;
	struct buf		 line;
};

/* A field of a list line, made safe for the terminal (a tab becomes '?'
 * and so cannot shift the columns); a newline in rcpts becomes ','. */
static void
add_field(struct buf *line, const char *s, bool last)
{
	char	*clean = str_sanitize(s);

	buf_adds(line, clean);
	free(clean);
	if (!last)
		buf_addc(line, '\t');
}

static int
list_cb(const struct store_outbox_entry *e, void *arg)
{
	struct list_state	*ls = arg;
	char			**subj = NULL, *rcpts, *p, stamp[32];
	size_t			 nsubj = 0, i;
	struct buf		 dec = BUF_INIT;
	struct tm		 tm;
	time_t			 t = (time_t)e->created;

	smtp_header_values(e->data, e->len, "Subject", &subj, &nsubj);
	if (nsubj > 0)
		mime_decode_words(&dec, subj[0] + strspn(subj[0], " \t"), NULL);
	for (i = 0; i < nsubj; i++)
		free(subj[i]);
	free(subj);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_reset(&ls->line);
	buf_printf(&ls->line, "%lld\t%s\t%u\t%s\t", (long long)e->id,
	    store_outbox_state_name(e->state), e->attempts, stamp);
	add_field(&ls->line, e->from, false);
	rcpts = xstrdup(e->rcpts);
	for (p = rcpts; *p != '\0'; p++)
		if (*p == '\n')
			*p = ',';
	add_field(&ls->line, rcpts, false);
	free(rcpts);
	add_field(&ls->line, buf_cstr(&dec), false);
	add_field(&ls->line, e->last_error != NULL ? e->last_error : "", true);
	fprintf(ls->ctx->out, "%s\n", buf_cstr(&ls->line));
	buf_free(&dec);
	return 0;
}

int
submit_list(struct cli_context *ctx)
{
	struct store		*st;
	struct list_state	 ls = { ctx, BUF_INIT };
	char			*error = NULL, *clean;
	int			 rc = EXIT_OK;

	if ((st = submit_open_outbox(ctx)) == NULL)
		return EXIT_FAILURE_;
	if (store_outbox_each(st, true, list_cb, &ls, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: send: %s\n", clean);
		free(clean);
		free(error);
		rc = EXIT_FAILURE_;
	}
	buf_free(&ls.line);
	store_close(&st);
	return rc;
}

static int
found_cb(const struct store_outbox_entry *e, void *arg)
{
	return 0;
}

int
submit_drop(struct cli_context *ctx, int64_t id)
{
	struct store	*st;
	char		*error = NULL, *clean;
	int		 r, rc = EXIT_OK;

	if ((st = submit_open_outbox(ctx)) == NULL)
		return EXIT_FAILURE_;
	if ((r = store_outbox_get(st, id, found_cb, NULL, &error)) == 0) {
		fprintf(ctx->err, "crispin: send: no message #%lld in the outbox "
		    "(see crispin send --list)\n", (long long)id);
		rc = EXIT_FAILURE_;
	} else if (r < 0 || store_outbox_delete(st, id, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: send: %s\n", clean);
		free(clean);
		free(error);
		rc = EXIT_FAILURE_;
	} else
		fprintf(ctx->out, "removed #%lld from the outbox\n", (long long)id);
	store_close(&st);
	return rc;
}

int
cli_submit(struct cli_context *ctx, const char *msg, size_t len,
    const struct cli_submit *sub)
{
	struct submit_envelope	 env;
	int			 rc;

	if ((rc = submit_envelope(ctx, "send", msg, len, NULL, NULL, 0, &env)) != 0)
		return rc;
	rc = submit_one(ctx, "send", msg, len, &env, sub,
	    ctx->offline || config_bool(ctx->cfg, "offline"));
	submit_envelope_free(&env);
	return rc;
}
