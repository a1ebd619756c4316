/* The IMAP session: connection, command queue, pipelining, dispatch, trace. */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crispin/imap_utf7.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "client_p.h"

static const char *const state_names[] = {
	[IMAP_STATE_DISCONNECTED] = "disconnected",
	[IMAP_STATE_CONNECTING] = "connecting",
	[IMAP_STATE_GREETING] = "greeting",
	[IMAP_STATE_STARTTLS] = "starttls",
	[IMAP_STATE_CAPABILITY] = "capability",
	[IMAP_STATE_AUTHENTICATING] = "authenticating",
	[IMAP_STATE_POSTLOGIN] = "postlogin",
	[IMAP_STATE_AUTHENTICATED] = "authenticated",
	[IMAP_STATE_SELECTED] = "selected",
	[IMAP_STATE_LOGOUT] = "logout",
};

static void conn_connected(void *);
static void conn_data(const char *, size_t, void *);
static void conn_tls_ready(void *);
static void conn_closed(enum err_class, const char *, void *);
static void on_response(const struct imap_response *, void *);
static void handle_untagged(struct imap_client *, const struct imap_response *);
static void handle_tagged(struct imap_client *, const struct imap_response *);
static void handle_continuation(struct imap_client *, const struct imap_response *);
static void handle_codes(struct imap_client *, const struct imap_response *);
static void queue_flush(struct imap_client *);
static void cmd_send_part(struct imap_client *, struct imap_cmd *);
static void cmd_free(struct imap_cmd *);
static void cmd_complete(struct imap_client *, struct imap_cmd *,
	    const struct imap_response *);
static void fail_all_commands(struct imap_client *, const char *);
static struct cmd_part *cmd_part(struct imap_cmd *);
static void client_destroy(struct imap_client *);
static void idle_maybe(struct imap_client *);
static void watchdog_update(struct imap_client *);
static void watchdog_cb(void *);
static void idle_timer_cb(void *);
static void logout_check(struct imap_client *);
static void logout_timer_cb(void *);
static void idle_leave(struct imap_client *);
static void idle_cont(struct imap_client *, const struct imap_response *, void *);
static void idle_done(struct imap_client *, const struct imap_response *, void *);
static void client_write(struct imap_client *, const void *, size_t);

static const struct conn_callbacks client_conn_cb = {
	.connected = conn_connected,
	.data = conn_data,
	.tls_ready = conn_tls_ready,
	.closed = conn_closed,
};

const char *
imap_client_state_name(enum imap_client_state s)
{
	if ((unsigned)s >= sizeof state_names / sizeof state_names[0])
		return "?";
	return state_names[s];
}

struct imap_client *
imap_client_new(struct ev_loop *loop, const struct imap_client_params *params,
    const struct imap_client_callbacks *cb, void *arg)
{
	struct imap_client	*c;
	size_t			 i;

	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->params = *params;
	c->params.host = xstrdup(params->host);
	c->params.port = xstrdup(params->port);
	c->params.user = xstrdup_null(params->user);
	c->params.ca_file = xstrdup_null(params->ca_file);
	c->params.fingerprint = xstrdup_null(params->fingerprint);
	c->params.tls_session_file = xstrdup_null(params->tls_session_file);
	c->params.server_hint_file = xstrdup_null(params->server_hint_file);
	if (params->nauthenticators > 0) {
		c->authenticators = xcalloc(params->nauthenticators, sizeof *c->authenticators);
		for (i = 0; i < params->nauthenticators; i++)
			c->authenticators[i] = xstrdup(params->authenticators[i]);
		c->params.authenticators = (const char *const *)c->authenticators;
	}
	c->cb = *cb;
	c->arg = arg;
	c->next_tag = 1;
	TAILQ_INIT(&c->pending);
	TAILQ_INIT(&c->inflight);
	buf_init(&c->trace_line);
	c->idle_timer = ev_timer_new(loop, idle_timer_cb, c);
	c->logout_timer = ev_timer_new(loop, logout_timer_cb, c);
	c->watchdog = ev_timer_new(loop, watchdog_cb, c);
	if (c->params.response_timeout_ms == 0)
		c->params.response_timeout_ms = 60 * 1000;
	return c;
}

void
imap_client_connect(struct imap_client *c)
{
	struct conn_params	cp;

	assert(c->state == IMAP_STATE_DISCONNECTED && c->conn == NULL);
	memset(&cp, 0, sizeof cp);
	cp.host = c->params.host;
	cp.port = c->params.port;
	cp.tls = c->params.implicit_tls ? CONN_TLS_IMPLICIT : CONN_TLS_NONE;
	cp.connect_timeout_ms = c->params.connect_timeout_ms;
	cp.ca_file = c->params.ca_file;
	cp.fingerprint = c->params.fingerprint;
	cp.tls_session_file = c->params.tls_session_file;
	c->parser = imap_parser_new(NULL);
	hint_load(c);
	if (c->have_sink)
		imap_parser_set_sink(c->parser, &c->sink, c->sink_arg);
	c->conn = conn_new(c->loop, &cp, &client_conn_cb, c);
	client_set_state(c, IMAP_STATE_CONNECTING);
	/* Connecting and the greeting are waits on the network too. */
	net_meter_wait(&c->meter);
	conn_start(c->conn);
}

void
client_ref(struct imap_client *c)
{
	c->refs++;
}

bool
client_unref(struct imap_client *c)
{
	assert(c->refs > 0);
	if (--c->refs == 0 && c->dead) {
		client_destroy(c);
		return false;
	}
	return !c->dead;
}

static void
cmd_free(struct imap_cmd *cmd)
{
	size_t	i;

	for (i = 0; i < cmd->nparts; i++) {
		buf_free_secret(&cmd->parts[i].text);
		buf_free(&cmd->parts[i].trace);
	}
	free(cmd->parts);
	free(cmd);
}

static void
client_destroy(struct imap_client *c)
{
	struct imap_cmd	*cmd;
	size_t		 i;

	while ((cmd = TAILQ_FIRST(&c->pending)) != NULL) {
		TAILQ_REMOVE(&c->pending, cmd, entry);
		cmd_free(cmd);
	}
	while ((cmd = TAILQ_FIRST(&c->inflight)) != NULL) {
		TAILQ_REMOVE(&c->inflight, cmd, entry);
		cmd_free(cmd);
	}
	conn_free(&c->conn);
	ev_timer_free(&c->idle_timer);
	ev_timer_free(&c->logout_timer);
	ev_timer_free(&c->watchdog);
	imap_parser_free(&c->parser);
	sasl_client_free(&c->sasl);
	for (i = 0; i < c->ncaps; i++)
		free(c->caps[i]);
	free(c->caps);
	for (i = 0; i < c->nenabled; i++)
		free(c->enabled[i]);
	free(c->enabled);
	for (i = 0; i < c->params.nauthenticators; i++)
		free(c->authenticators[i]);
	free(c->authenticators);
	free((char *)c->params.host);
	free((char *)c->params.port);
	free((char *)c->params.user);
	free((char *)c->params.ca_file);
	free((char *)c->params.fingerprint);
	free((char *)c->params.tls_session_file);
	free((char *)c->params.server_hint_file);
	hint_clear(c);
	free(c->hint_refusal);
	free(c->caps_used);
	free(c->assumed);
	free(c->auth_mech);
	free(c->bye_text);
	arena_free(&c->ns_arena);
	buf_free(&c->trace_line);
	free(c);
}

void
imap_client_free(struct imap_client **cp)
{
	struct imap_client	*c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	/* The connection goes now so that no callback reaches us again. */
	conn_free(&c->conn);
	c->dead = true;
	if (c->refs == 0)
		client_destroy(c);
}

enum imap_client_state
imap_client_state(const struct imap_client *c)
{
	return c->state;
}

void
client_set_state(struct imap_client *c, enum imap_client_state s)
{
	if (c->state != s)
		log_debug("imap %s: %s -> %s", c->params.host,
		    imap_client_state_name(c->state), imap_client_state_name(s));
	c->state = s;
}

bool
imap_client_has_cap(const struct imap_client *c, const char *upper)
{
	size_t	i;

	for (i = 0; i < c->ncaps; i++) {
		if (strcmp(c->caps[i], upper) == 0) {
			/* Speculating: the answer must hold (auth confirm). */
			if (c->caps_used != NULL)
				c->caps_used[i] = true;
			return true;
		}
	}
	return false;
}

bool
imap_client_enabled(const struct imap_client *c, const char *upper)
{
	size_t	i;

	for (i = 0; i < c->nenabled; i++) {
		if (strcmp(c->enabled[i], upper) == 0)
			return true;
	}
	return false;
}

const char *
imap_client_auth_mech(const struct imap_client *c)
{
	return c->auth_mech;
}

const struct imap_namespaces *
imap_client_namespaces(const struct imap_client *c)
{
	return c->ns_arena == NULL ? NULL : &c->namespaces;
}

static void
namespace_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	(void)arg;
	if (r->status != IMAP_STATUS_OK)
		log_info("imap %s: NAMESPACE: %s", c->params.host, r->text);
}

bool
imap_client_ask_namespaces(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	if (!imap_client_has_cap(c, "NAMESPACE"))
		return false;
	if (!c->ns_asked) {
		c->ns_asked = true;
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "NAMESPACE");
		imap_cmd_submit(cmd, namespace_done, NULL);
	}
	return true;
}

void
client_set_caps(struct imap_client *c, const struct imap_arg *args, size_t argc)
{
	const char	*s;
	struct buf	 used = BUF_INIT;
	size_t		 i;

	for (i = 0; i < c->ncaps; i++) {
		if (c->caps_used != NULL && c->caps_used[i])
			buf_printf(&used, "%s%s", used.len > 0 ? " " : "", c->caps[i]);
		free(c->caps[i]);
	}
	free(c->caps);
	if (c->caps_used != NULL) {
		free(c->assumed);
		c->assumed = buf_steal(&used);
		x_free(&c->caps_used);
	}
	buf_free(&used);
	c->caps = xcalloc(argc == 0 ? 1 : argc, sizeof *c->caps);
	c->ncaps = 0;
	for (i = 0; i < argc; i++) {
		if ((s = imap_arg_atom(&args[i])) != NULL)
			c->caps[c->ncaps++] = str_upper(xstrdup(s));
	}
	c->caps_known = true;
	c->caps_from_hint = false;
}

/* The first response of the connection is the greeting, even when the
 * login went out before it (auth_early). */
bool
greeting_awaited(const struct imap_client *c)
{
	return c->state == IMAP_STATE_GREETING || c->greeting_due;
}

/* Fails the session: every command completes with NO, closed is called once. */
void
client_fail(struct imap_client *c, enum err_class cls, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (c->closing || c->dead)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	log_info("imap %s: %s", c->params.host, msg);
	c->closing = true;
	net_meter_stop(&c->meter);
	conn_free(&c->conn);
	ev_timer_stop(c->idle_timer);
	ev_timer_stop(c->watchdog);
	c->idle_cmd = NULL;
	client_ref(c);
	client_set_state(c, IMAP_STATE_DISCONNECTED);
	fail_all_commands(c, msg);
	if (!c->dead && c->cb.closed != NULL)
		c->cb.closed(c, cls, msg, c->arg);
	free(msg);
	client_unref(c);
}

static void
fail_all_commands(struct imap_client *c, const char *why)
{
	struct imap_response	 no;
	struct imap_cmd		*cmd;

	memset(&no, 0, sizeof no);
	no.kind = IMAP_RESP_TAGGED;
	no.status = IMAP_STATUS_NO;
	no.text = why;
	c->waiting = NULL;
	while (!c->dead && ((cmd = TAILQ_FIRST(&c->inflight)) != NULL ||
	    (cmd = TAILQ_FIRST(&c->pending)) != NULL)) {
		no.tag = cmd->tag;
		cmd_complete(c, cmd, &no);
	}
}

/* Trace: every line with its direction; the caller has already redacted. */
void
client_trace(struct imap_client *c, const char *prefix, const char *data, size_t len)
{
	FILE	*fp = c->params.trace;
	size_t	 i, start = 0;

	if (fp == NULL)
		return;
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		fputs(prefix, fp);
		fwrite(data + start, 1, i + 1 - start, fp);
		start = i + 1;
	}
	if (start < len) {
		fputs(prefix, fp);
		fwrite(data + start, 1, len - start, fp);
		fputs("\n", fp);
	}
	fflush(fp);
}

static void
conn_connected(void *arg)
{
	struct imap_client	*c = arg;

	c->tls_active = conn_is_tls(c->conn);
	client_set_state(c, IMAP_STATE_GREETING);
	/* The greeting is overdue like any answer. */
	ev_timer_start(c->watchdog, c->params.response_timeout_ms);
	auth_early(c);
}

static void
conn_tls_ready(void *arg)
{
	struct imap_client	*c = arg;

	c->tls_active = true;
	auth_tls_ready(c);
}

static void
conn_closed(enum err_class cls, const char *message, void *arg)
{
	struct imap_client	*c = arg;

	/* Closing is expected only when LOGOUT is all that is left. */
	if (c->logout_cmd != NULL && TAILQ_EMPTY(&c->pending) &&
	    TAILQ_FIRST(&c->inflight) == c->logout_cmd) {
		client_fail(c, ERR_NONE, "logged out");
		return;
	}
	if (cls == ERR_NONE) {
		if (c->bye_text != NULL)
			client_fail(c, ERR_NETWORK, "%s closed the connection: %s",
			    c->params.host, c->bye_text);
		else
			client_fail(c, ERR_NETWORK, "%s closed the connection unexpectedly",
			    c->params.host);
		return;
	}
	client_fail(c, cls, "%s", message);
}

/* Server bytes: traced as whole lines, then fed to the parser. */
static void
conn_data(const char *data, size_t len, void *arg)
{
	struct imap_client	*c = arg;
	char			*error = NULL;
	size_t			 i, start = 0;

	net_meter_received(&c->meter, len);
	if (c->params.trace != NULL) {
		for (i = 0; i < len; i++) {
			if (data[i] == '\n') {
				buf_add(&c->trace_line, data + start, i + 1 - start);
				client_trace(c, "S: ", c->trace_line.data, c->trace_line.len);
				buf_reset(&c->trace_line);
				start = i + 1;
			}
		}
		buf_add(&c->trace_line, data + start, len - start);
	}
	if (ev_timer_active(c->watchdog))
		ev_timer_start(c->watchdog, c->params.response_timeout_ms);
	client_ref(c);
	c->feed_data = data;
	c->feed_len = len;
	if (imap_parser_feed(c->parser, data, len, on_response, c, &error) < 0 &&
	    !c->dead && !c->closing)
		client_fail(c, ERR_PROTOCOL, "protocol error from %s: %s", c->params.host, error);
	c->feed_data = NULL;
	c->feed_len = 0;
	free(error);
	/* Still owed an answer: the time until the next bytes is the network's. */
	net_meter_handled(&c->meter, !c->dead && !c->closing &&
	    (!TAILQ_EMPTY(&c->inflight) || greeting_awaited(c) ||
	    c->state == IMAP_STATE_STARTTLS));
	client_unref(c);
}

static void
on_response(const struct imap_response *r, void *arg)
{
	struct imap_client	*c = arg;

	if (c->dead || c->closing)
		return;
	switch (r->kind) {
	case IMAP_RESP_UNTAGGED:
		handle_codes(c, r);
		handle_untagged(c, r);
		break;
	case IMAP_RESP_TAGGED:
		if (greeting_awaited(c)) {
			client_fail(c, ERR_PROTOCOL, "%s does not speak IMAP: it answered "
			    "before greeting", c->params.host);
			return;
		}
		handle_codes(c, r);
		handle_tagged(c, r);
		break;
	case IMAP_RESP_CONTINUATION:
		if (greeting_awaited(c)) {
			client_fail(c, ERR_PROTOCOL, "%s does not speak IMAP: it sent a "
			    "continuation as its greeting", c->params.host);
			return;
		}
		handle_continuation(c, r);
		break;
	case IMAP_RESP_ERROR:
		if (greeting_awaited(c)) {
			client_fail(c, ERR_PROTOCOL, "%s does not speak IMAP: its greeting "
			    "is malformed (%s)", c->params.host, r->text);
			return;
		}
		log_warn("imap %s: malformed response skipped: %s", c->params.host, r->text);
		if (r->tag != NULL) {
			struct imap_response bad = *r;

			bad.kind = IMAP_RESP_TAGGED;
			bad.status = IMAP_STATUS_BAD;
			handle_tagged(c, &bad);
		}
		break;
	}
}

/* Response codes that matter whatever command they came with. */
static void
handle_codes(struct imap_client *c, const struct imap_response *r)
{
	if (r->code == NULL)
		return;
	if (strcmp(r->code, "CAPABILITY") == 0)
		client_set_caps(c, r->code_args, r->code_argc);
	else if (strcmp(r->code, "ALERT") == 0 && c->cb.alert != NULL) {
		client_ref(c);
		c->cb.alert(c, r->text, c->arg);
		client_unref(c);
	}
}

/* A FETCH response's UID (0 when it has none) and whether it carries
 * message data, as opposed to flags and counters alone. */
static void
fetch_data_of(const struct imap_response *r, uint32_t *uid_r, bool *data_r)
{
	static const char *const bare[] = {
		"UID", "FLAGS", "MODSEQ", "RFC822.SIZE", "INTERNALDATE",
	};
	const struct imap_arg	*items;
	const char		*name;
	uint64_t		 n;
	size_t			 count, i, k;

	if (r->argc != 1 || !imap_arg_list(&r->args[0], &items, &count))
		return;
	for (i = 0; i + 1 < count; i += 2) {
		if ((name = imap_arg_atom(&items[i])) == NULL)
			continue;
		if (strcasecmp(name, "UID") == 0) {
			if (imap_arg_number(&items[i + 1], UINT32_MAX, &n))
				*uid_r = (uint32_t)n;
			continue;
		}
		for (k = 0; k < sizeof bare / sizeof bare[0]; k++) {
			if (strcasecmp(name, bare[k]) == 0)
				break;
		}
		if (k == sizeof bare / sizeof bare[0])
			*data_r = true;
	}
}

/* Hands r to cmd when it asked for r's keyword: true when it did. */
static bool
deliver(struct imap_client *c, struct imap_cmd *cmd, const struct imap_response *r)
{
	size_t	 i;

	for (i = 0; i < cmd->nuntagged; i++) {
		if (strcmp(cmd->untagged[i].keyword, r->keyword) == 0) {
			client_ref(c);
			cmd->untagged[i].cb(c, r, cmd->arg);
			client_unref(c);
			return true;
		}
	}
	return false;
}

static void
handle_untagged(struct imap_client *c, const struct imap_response *r)
{
	struct imap_cmd	*cmd;
	const char	*s;
	size_t		 i;
	uint32_t	 uid = 0;
	bool		 data = false;

	if (greeting_awaited(c)) {
		/* A login sent before the greeting is still owed its answer. */
		if (!c->greeting_due)
			ev_timer_stop(c->watchdog);
		auth_greeting(c, r);
		return;
	}
	if (r->status == IMAP_STATUS_BYE) {
		free(c->bye_text);
		c->bye_text = str_sanitize(r->text);
		return;
	}
	if (r->keyword != NULL && strcmp(r->keyword, "CAPABILITY") == 0)
		client_set_caps(c, r->args, r->argc);
	if (r->keyword != NULL && strcmp(r->keyword, "ENABLED") == 0) {
		for (i = 0; i < r->argc; i++) {
			if ((s = imap_arg_atom(&r->args[i])) == NULL)
				continue;
			c->enabled = xreallocarray(c->enabled, c->nenabled + 1, sizeof *c->enabled);
			c->enabled[c->nenabled++] = str_upper(xstrdup(s));
		}
	}
	if (r->keyword != NULL && strcmp(r->keyword, "NAMESPACE") == 0) {
		char *error = NULL;

		if (c->ns_arena == NULL)
			c->ns_arena = arena_new(0);
		else
			arena_reset(c->ns_arena);
		if (imap_namespace_parse(r, c->ns_arena, &c->namespaces, &error) < 0) {
			log_warn("imap %s: %s", c->params.host, error);
			free(error);
			arena_free(&c->ns_arena);
		}
	}

	/* The oldest command in flight that asked for this keyword gets it;
	 * FETCH data goes to the command that fetches that message. */
	if (r->keyword != NULL) {
		if (strcmp(r->keyword, "FETCH") == 0)
			fetch_data_of(r, &uid, &data);
		TAILQ_FOREACH(cmd, &c->inflight, entry) {
			if (cmd->fetches && uid != 0 && data && uid >= cmd->fetch_lo &&
			    uid <= cmd->fetch_hi && deliver(c, cmd, r))
				return;
		}
		TAILQ_FOREACH(cmd, &c->inflight, entry) {
			if (cmd->fetches && strcmp(r->keyword, "FETCH") == 0 &&
			    (uid == 0 || uid < cmd->fetch_lo || uid > cmd->fetch_hi))
				continue;
			if (deliver(c, cmd, r))
				return;
		}
	}
	if (c->cb.untagged != NULL) {
		client_ref(c);
		c->cb.untagged(c, r, c->arg);
		client_unref(c);
	}
}

static void
handle_tagged(struct imap_client *c, const struct imap_response *r)
{
	struct imap_cmd	*cmd;

	TAILQ_FOREACH(cmd, &c->inflight, entry) {
		if (strcmp(cmd->tag, r->tag) == 0)
			break;
	}
	if (cmd == NULL) {
		log_warn("imap %s: reply for unknown tag %s ignored", c->params.host, r->tag);
		return;
	}
	client_ref(c);
	cmd_complete(c, cmd, r);
	if (client_unref(c) && !c->closing) {
		queue_flush(c);
		idle_maybe(c);
		watchdog_update(c);
		logout_check(c);
	}
}

static void
handle_continuation(struct imap_client *c, const struct imap_response *r)
{
	struct imap_cmd	*cmd = c->waiting;

	/* The server answers in order: the '+' owed to the login comes
	 * before one for a literal of a command sent after it. */
	if (c->cont_ahead != NULL) {
		cmd = c->cont_ahead;
		c->cont_ahead = NULL;
	}
	if (cmd == NULL) {
		client_fail(c, ERR_PROTOCOL, "%s sent a continuation nobody asked for",
		    c->params.host);
		return;
	}
	if (cmd->next_part < cmd->nparts) {
		/* The server accepts our synchronising literal. */
		c->waiting = NULL;
		cmd_send_part(c, cmd);
		if (c->waiting == NULL)
			queue_flush(c);
		return;
	}
	if (cmd->cont_cb == NULL) {
		client_fail(c, ERR_PROTOCOL, "%s sent an unexpected continuation",
		    c->params.host);
		return;
	}
	client_ref(c);
	cmd->cont_cb(c, r, cmd->arg);
	client_unref(c);
}

static void
cmd_complete(struct imap_client *c, struct imap_cmd *cmd, const struct imap_response *r)
{
	if (cmd->sent)
		TAILQ_REMOVE(&c->inflight, cmd, entry);
	else
		TAILQ_REMOVE(&c->pending, cmd, entry);
	if (c->waiting == cmd)
		c->waiting = NULL;
	if (c->cont_ahead == cmd)
		c->cont_ahead = NULL;
	if (c->logout_cmd == cmd)
		c->logout_cmd = NULL;
	if (cmd->done != NULL)
		cmd->done(c, r, cmd->arg);
	cmd_free(cmd);
}

/* Commands. */

struct imap_cmd *
imap_cmd_new(struct imap_client *c, unsigned flags)
{
	struct imap_cmd	*cmd;

	cmd = xcalloc(1, sizeof *cmd);
	cmd->client = c;
	cmd->flags = flags;
	snprintf(cmd->tag, sizeof cmd->tag, "C%u", c->next_tag++);
	cmd->parts = xcalloc(1, sizeof *cmd->parts);
	cmd->nparts = 1;
	return cmd;
}

static struct cmd_part *
cmd_part(struct imap_cmd *cmd)
{
	return &cmd->parts[cmd->nparts - 1];
}

void
imap_cmd_add(struct imap_cmd *cmd, const char *fmt, ...)
{
	struct cmd_part	*p = cmd_part(cmd);
	va_list		 ap;
	size_t		 before = p->text.len;

	va_start(ap, fmt);
	buf_vprintf(&p->text, fmt, ap);
	va_end(ap);
	buf_add(&p->trace, p->text.data + before, p->text.len - before);
}

void
imap_cmd_add_secret(struct imap_cmd *cmd, const char *s)
{
	struct cmd_part	*p = cmd_part(cmd);

	buf_adds(&p->text, s);
	buf_adds(&p->trace, "***");
}

void
imap_cmd_add_string(struct imap_cmd *cmd, const char *s)
{
	struct imap_client	*c = cmd->client;
	struct cmd_part		*p;
	struct buf		 q = BUF_INIT;
	size_t			 len = strlen(s);
	bool			 utf8 = imap_client_enabled(c, "UTF8=ACCEPT");

	if (!imap_quote(&q, s, len, utf8)) {
		p = cmd_part(cmd);
		buf_add(&p->text, q.data, q.len);
		buf_add(&p->trace, q.data, q.len);
		buf_free(&q);
		return;
	}
	buf_free(&q);
	p = cmd_part(cmd);
	if (imap_client_has_cap(c, "LITERAL+") ||
	    (imap_client_has_cap(c, "LITERAL-") && len <= 4096)) {
		imap_cmd_add(cmd, "{%zu+}\r\n", len);
		buf_add(&p->text, s, len);
		buf_printf(&p->trace, "<%zu bytes>", len);
		return;
	}
	/* A synchronising literal ends this part; the data starts the next. */
	imap_cmd_add(cmd, "{%zu}\r\n", len);
	cmd->parts = xreallocarray(cmd->parts, cmd->nparts + 1, sizeof *cmd->parts);
	memset(&cmd->parts[cmd->nparts], 0, sizeof *cmd->parts);
	cmd->nparts++;
	p = cmd_part(cmd);
	buf_add(&p->text, s, len);
	buf_printf(&p->trace, "<%zu bytes>", len);
}

void
imap_cmd_add_mailbox(struct imap_cmd *cmd, const char *utf8)
{
	struct buf	enc = BUF_INIT;

	if (str_ieq(utf8, "INBOX") || imap_client_enabled(cmd->client, "UTF8=ACCEPT") ||
	    imap_utf7_encode(&enc, utf8, strlen(utf8)) < 0) {
		imap_cmd_add_string(cmd, utf8);
	} else
		imap_cmd_add_string(cmd, buf_cstr(&enc));
	buf_free(&enc);
}

void
imap_cmd_on_untagged(struct imap_cmd *cmd, const char *keyword, imap_cmd_untagged_cb *cb)
{
	assert(cmd->nuntagged < CMD_MAX_UNTAGGED);
	cmd->untagged[cmd->nuntagged].keyword = keyword;
	cmd->untagged[cmd->nuntagged].cb = cb;
	cmd->nuntagged++;
}

void
imap_cmd_fetches(struct imap_cmd *cmd, uint32_t lo, uint32_t hi)
{
	cmd->fetches = true;
	cmd->fetch_lo = lo;
	cmd->fetch_hi = hi;
}

void
imap_cmd_on_continuation(struct imap_cmd *cmd, imap_cmd_cont_cb *cb)
{
	cmd->cont_cb = cb;
}

void
imap_cmd_submit(struct imap_cmd *cmd, imap_cmd_done_cb *done, void *arg)
{
	struct imap_client	*c = cmd->client;

	cmd->done = done;
	cmd->arg = arg;
	TAILQ_INSERT_TAIL(&c->pending, cmd, entry);
	if (c->conn == NULL || c->closing) {
		/* Nothing can be sent: answer at once. */
		fail_all_commands(c, "not connected");
		return;
	}
	queue_flush(c);
}

/* Sends the next part of cmd: the tag first, then each literal's data. */
static void
cmd_send_part(struct imap_client *c, struct imap_cmd *cmd)
{
	struct cmd_part	*p = &cmd->parts[cmd->next_part];
	struct buf	 line = BUF_INIT;

	if (cmd->next_part == 0) {
		client_write(c, cmd->tag, strlen(cmd->tag));
		client_write(c, " ", 1);
		buf_printf(&line, "%s ", cmd->tag);
		c->meter.st.commands++;
	}
	client_write(c, p->text.data, p->text.len);
	buf_add(&line, p->trace.data, p->trace.len);
	cmd->next_part++;
	if (cmd->next_part == cmd->nparts)
		client_write(c, "\r\n", 2);
	if (c->params.trace != NULL)
		client_trace(c, "C: ", line.data, line.len);
	buf_free(&line);
	/* Wait for '+' before the literal data, or for an AUTHENTICATE exchange. */
	if (cmd->next_part < cmd->nparts || cmd->cont_cb != NULL)
		c->waiting = cmd;
}

/* The login needs no more continuation from us: what follows it may go
 * out in the same flight (client_auth.c speculate). A '+' after this is
 * the server's error, except the one answered ahead. */
void
client_release_auth(struct imap_client *c, bool answered_ahead)
{
	struct imap_cmd	*cmd = c->waiting;

	if (cmd == NULL)
		return;
	cmd->flags &= ~IMAP_CMD_BARRIER;
	if (answered_ahead)
		c->cont_ahead = cmd;
	else
		cmd->cont_cb = NULL;
	c->waiting = NULL;
}

void
imap_client_push(struct imap_client *c)
{
	if (c->conn != NULL && !c->closing)
		conn_push(c->conn);
}

/* Sends what the pipelining rules allow. */
static void
queue_flush(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	/* A command to send ends IDLE; it follows DONE without waiting. */
	if (c->idle_cmd != NULL && c->idling && !c->idle_done_sent &&
	    !TAILQ_EMPTY(&c->pending))
		idle_leave(c);
	while (c->conn != NULL && !c->closing && c->waiting == NULL &&
	    (cmd = TAILQ_FIRST(&c->pending)) != NULL) {
		if (!TAILQ_EMPTY(&c->inflight)) {
			struct imap_cmd *last = TAILQ_LAST(&c->inflight, imap_cmd_list);

			if ((cmd->flags & IMAP_CMD_BARRIER) || (last->flags & IMAP_CMD_BARRIER))
				return;
		}
		TAILQ_REMOVE(&c->pending, cmd, entry);
		TAILQ_INSERT_TAIL(&c->inflight, cmd, entry);
		cmd->sent = true;
		cmd_send_part(c, cmd);
	}
	watchdog_update(c);
}

/* Runs while a command other than IDLE waits for its answer. */
static void
watchdog_update(struct imap_client *c)
{
	struct imap_cmd	*cmd;
	bool		 waiting = false;

	if (c->closing)
		return;
	TAILQ_FOREACH(cmd, &c->inflight, entry) {
		if (cmd != c->idle_cmd) {
			waiting = true;
			break;
		}
	}
	if (!waiting)
		ev_timer_stop(c->watchdog);
	else if (!ev_timer_active(c->watchdog))
		ev_timer_start(c->watchdog, c->params.response_timeout_ms);
}

static void
watchdog_cb(void *arg)
{
	struct imap_client	*c = arg;

	client_fail(c, ERR_NETWORK, "%s did not answer for %u seconds; the "
	    "connection seems dead", c->params.host,
	    (c->params.response_timeout_ms + 999) / 1000);
}

void
imap_client_set_idle(struct imap_client *c, bool on, uint64_t renew_ms)
{
	c->idle_wanted = on;
	c->idle_renew_ms = renew_ms != 0 ? renew_ms : 28 * 60 * 1000;
	if (on)
		idle_maybe(c);
	else if (c->idle_cmd != NULL && c->idling && !c->idle_done_sent)
		idle_leave(c);
}

bool
imap_client_idling(const struct imap_client *c)
{
	return c->idling && !c->idle_done_sent;
}

/* Schedules IDLE for the next loop turn if nothing else is to be done, so
 * that commands submitted from callbacks in this turn go first. */
static void
idle_maybe(struct imap_client *c)
{
	if (!c->idle_wanted || c->idle_cmd != NULL || c->closing || c->conn == NULL ||
	    c->logout_sent || !imap_client_has_cap(c, "IDLE") ||
	    (c->state != IMAP_STATE_AUTHENTICATED && c->state != IMAP_STATE_SELECTED) ||
	    !TAILQ_EMPTY(&c->pending) || !TAILQ_EMPTY(&c->inflight))
		return;
	ev_timer_start(c->idle_timer, 0);
}

static void
idle_timer_cb(void *arg)
{
	struct imap_client	*c = arg;
	struct imap_cmd		*cmd;

	if (c->idle_cmd != NULL) {
		/* Renew before the server's inactivity timer runs out. */
		if (c->idling && !c->idle_done_sent)
			idle_leave(c);
		return;
	}
	if (!c->idle_wanted || c->closing || c->conn == NULL || c->logout_sent ||
	    !TAILQ_EMPTY(&c->pending) || !TAILQ_EMPTY(&c->inflight))
		return;
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "IDLE");
	imap_cmd_on_continuation(cmd, idle_cont);
	c->idle_cmd = cmd;
	c->idling = false;
	c->idle_done_sent = false;
	imap_cmd_submit(cmd, idle_done, NULL);
	ev_timer_start(c->idle_timer, c->idle_renew_ms);
}

static void
idle_cont(struct imap_client *c, const struct imap_response *r, void *arg)
{
	c->idling = true;
	/* A command may have been submitted before the server said '+'. */
	if (!TAILQ_EMPTY(&c->pending))
		queue_flush(c);
}

static void
idle_leave(struct imap_client *c)
{
	client_write(c, "DONE\r\n", 6);
	client_trace(c, "C: ", "DONE", 4);
	c->idle_done_sent = true;
	if (c->waiting == c->idle_cmd)
		c->waiting = NULL;
}

static void
idle_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	c->idle_cmd = NULL;
	c->idling = false;
	c->idle_done_sent = false;
	if (!c->closing)
		ev_timer_stop(c->idle_timer);
	if (r->status != IMAP_STATUS_OK && !c->closing) {
		/* Do not loop on a server that refuses IDLE. */
		log_warn("imap %s: IDLE refused: %s", c->params.host, r->text);
		c->idle_wanted = false;
	}
}

void
imap_client_continue(struct imap_client *c, const char *line, bool secret)
{
	if (c->conn == NULL)
		return;
	client_write(c, line, strlen(line));
	client_write(c, "\r\n", 2);
	client_trace(c, "C: ", secret ? "***" : line, secret ? 3 : strlen(line));
}

static void
logout_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	/* Nothing more can come: close now rather than wait for the server. */
	if (!c->closing)
		client_fail(c, ERR_NONE, "logged out");
}

void
imap_client_logout(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	if (c->conn == NULL || c->closing || c->logout_sent)
		return;
	/* Not a barrier: it can follow the last commands in the same flight. */
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LOGOUT");
	client_set_state(c, IMAP_STATE_LOGOUT);
	c->logout_sent = true;
	c->logout_cmd = cmd;
	imap_cmd_submit(cmd, logout_done, NULL);
	logout_check(c);
}

/* Whether LOGOUT went out and every command before it is answered. */
static bool
logout_alone(struct imap_client *c)
{
	return c->logout_cmd != NULL && c->logout_cmd->sent && !c->closing &&
	    TAILQ_FIRST(&c->inflight) == c->logout_cmd &&
	    TAILQ_NEXT(c->logout_cmd, entry) == NULL && TAILQ_EMPTY(&c->pending);
}

/* Then its answer tells nothing: the session ends without waiting a round
 * trip for it (the bytes go out as the connection closes, conn_free). On
 * the next turn, not inside the caller's call. */
static void
logout_check(struct imap_client *c)
{
	if (logout_alone(c) && !ev_timer_active(c->logout_timer))
		ev_timer_start(c->logout_timer, 0);
}

static void
logout_timer_cb(void *arg)
{
	struct imap_client	*c = arg;

	if (logout_alone(c))
		client_fail(c, ERR_NONE, "logged out");
}

/* For owners that check the link themselves (mail_session's probe): the
 * same ending as a dead connection, so there is one path to recovery. */
void
imap_client_abort(struct imap_client *c, enum err_class cls, const char *message)
{
	client_fail(c, cls, "%s", message);
}

void
imap_client_set_literal_sink(struct imap_client *c,
    const struct imap_literal_sink *sink, void *arg)
{
	c->have_sink = sink != NULL;
	if (sink != NULL)
		c->sink = *sink;
	c->sink_arg = arg;
	if (c->parser != NULL)
		imap_parser_set_sink(c->parser, sink, arg);
}

char *
imap_client_mailbox_utf8(const struct imap_client *c, const char *raw)
{
	struct buf	out = BUF_INIT;

	if (imap_client_enabled(c, "UTF8=ACCEPT") ||
	    imap_utf7_decode(&out, raw, strlen(raw)) < 0) {
		buf_free(&out);
		return xstrdup(raw);
	}
	return buf_steal(&out);
}

/* Every client byte goes through here: counted, and a new flight when the
 * server has spoken since our previous send. */
static void
client_write(struct imap_client *c, const void *data, size_t len)
{
	conn_write(c->conn, data, len);
	net_meter_sent(&c->meter, len);
}

void
imap_client_stats(const struct imap_client *c, struct net_stats *st)
{
	net_meter_read(&c->meter, st);
}
