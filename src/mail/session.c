/*
 * The account session supervisor: one imap_client at a time, replaced
 * after every failure. Three timers keep it honest: retry (the backoff
 * wait), keepalive (a NOOP probe of a quiet link, or the poll of a server
 * without IDLE) with probe (the probe's deadline), and tick (the clock
 * watch that notices a suspend).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* CLOCK_BOOTTIME */
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/log.h"
#include "crispin/mail_session.h"
#include "crispin/xalloc.h"

/* How often the clock watch looks, and what lateness counts as a jump. */
#define TICK_MS		5000
#define JUMP_SLACK_MS	3000
/* A link must stay up this long before the backoff starts again at 1 s,
 * so that a server that drops every login is not hammered. */
#define STABLE_MS	10000
/* After a wake-up the link is checked with a shorter deadline. */
#define WAKE_PROBE_MS	5000
#define LOGOUT_MS	5000

static const char *const state_names[] = {
	[MAIL_SESSION_OFFLINE] = "offline",
	[MAIL_SESSION_CONNECTING] = "connecting",
	[MAIL_SESSION_READY] = "ready",
	[MAIL_SESSION_WAITING] = "waiting",
};

struct mail_session {
	struct ev_loop		*loop;		/* borrowed */
	struct mail_session_params params;	/* strings borrowed */
	struct mail_session_events ev;
	void			*arg;

	enum mail_session_state	 state;
	struct imap_client	*client;	/* owned; NULL when none */
	char			*password;	/* owned secret, kept for reconnects */
	bool			 ever_ready;
	bool			 stopping;
	unsigned		 attempt;	/* failed attempts since stable */
	uint64_t		 ready_since;	/* monotonic ms */
	struct net_stats	 spent;		/* clients already gone */
	uint32_t		 rng;

	bool			 probing;	/* a NOOP probe is in flight */
	uint64_t		 probe_due;	/* its deadline, monotonic ms */
	struct ev_timer		*retry;		/* owned */
	struct ev_timer		*keepalive;	/* owned */
	struct ev_timer		*probe;		/* owned */
	struct ev_timer		*tick;		/* owned */
	struct mail_clockwatch	 clockwatch;
};

static char *client_secret(enum imap_secret_kind, void *, char **);
static void client_ready(struct imap_client *, void *);
static void client_closed(struct imap_client *, enum err_class, const char *, void *);
static void client_untagged(struct imap_client *, const struct imap_response *, void *);
static void client_alert(struct imap_client *, const char *, void *);
static void set_state(struct mail_session *, enum mail_session_state, enum err_class,
	    const char *, uint64_t);
static void connect_now(struct mail_session *);
static void retry_cb(void *);
static void keepalive_cb(void *);
static void probe_cb(void *);
static void tick_cb(void *);
static void probe_start(struct mail_session *, uint64_t deadline_ms);
static void probe_done(struct imap_client *, const struct imap_response *, void *);
static void arm_keepalive(struct mail_session *);
static uint64_t clock_mono(const struct mail_session *);
static uint64_t clock_boot(const struct mail_session *);
static void drop_client(struct mail_session *);

static const struct imap_client_callbacks client_cb = {
	.get_secret = client_secret,
	.ready = client_ready,
	.closed = client_closed,
	.untagged = client_untagged,
	.alert = client_alert,
};

uint64_t
mail_backoff_ms(unsigned attempt, uint64_t max_ms, uint32_t random)
{
	uint64_t	base = 1000, ms;

	while (attempt-- > 0 && base < max_ms)
		base *= 2;
	if (base > max_ms)
		base = max_ms;
	/* Jitter spreads the clients of one server that fell over together. */
	ms = base * (80 + random % 41) / 100;
	return ms > max_ms ? max_ms : ms;
}

uint64_t
mail_clockwatch_sample(struct mail_clockwatch *cw, uint64_t mono, uint64_t boot,
    uint64_t expected_ms, uint64_t slack_ms)
{
	uint64_t	dmono, dboot, away = 0;

	if (!cw->primed) {
		cw->primed = true;
		cw->mono = mono;
		cw->boot = boot;
		return 0;
	}
	dmono = mono >= cw->mono ? mono - cw->mono : 0;
	dboot = boot >= cw->boot ? boot - cw->boot : 0;
	cw->mono = mono;
	cw->boot = boot;
	/* Asleep: the monotonic clock stood still while boottime ran. */
	if (dboot > dmono + slack_ms)
		away = dboot - dmono;
	/* Frozen (stopped, swapped out, a VM paused): the timer came late. */
	if (dmono > expected_ms + slack_ms && dmono - expected_ms > away)
		away = dmono - expected_ms;
	return away;
}

static uint64_t
real_clock(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
clock_mono(const struct mail_session *s)
{
	if (s->params.clock != NULL)
		return s->params.clock->monotonic_ms(s->params.clock->arg);
	return real_clock(CLOCK_MONOTONIC);
}

static uint64_t
clock_boot(const struct mail_session *s)
{
	if (s->params.clock != NULL)
		return s->params.clock->boottime_ms(s->params.clock->arg);
#ifdef CLOCK_BOOTTIME
	return real_clock(CLOCK_BOOTTIME);
#else
	return real_clock(CLOCK_MONOTONIC);
#endif
}

const char *
mail_session_state_name(enum mail_session_state st)
{
	if ((unsigned)st >= sizeof state_names / sizeof state_names[0])
		return "?";
	return state_names[st];
}

struct mail_session *
mail_session_new(struct ev_loop *loop, const struct mail_session_params *params,
    const struct mail_session_events *ev, void *arg)
{
	struct mail_session	*s;

	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->params = *params;
	if (s->params.reconnect_max_ms == 0)
		s->params.reconnect_max_ms = 5 * 60 * 1000;
	if (s->params.poll_ms == 0)
		s->params.poll_ms = 60 * 1000;
	if (s->params.tick_ms == 0)
		s->params.tick_ms = TICK_MS;
	if (s->params.client.response_timeout_ms == 0)
		s->params.client.response_timeout_ms = 60 * 1000;
	s->ev = *ev;
	s->arg = arg;
	s->rng = (uint32_t)real_clock(CLOCK_MONOTONIC) ^ (uint32_t)(uintptr_t)s;
	s->retry = ev_timer_new(loop, retry_cb, s);
	s->keepalive = ev_timer_new(loop, keepalive_cb, s);
	s->probe = ev_timer_new(loop, probe_cb, s);
	s->tick = ev_timer_new(loop, tick_cb, s);
	return s;
}

void
mail_session_free(struct mail_session **sp)
{
	struct mail_session	*s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	imap_client_free(&s->client);
	ev_timer_free(&s->retry);
	ev_timer_free(&s->keepalive);
	ev_timer_free(&s->probe);
	ev_timer_free(&s->tick);
	x_free_secret(&s->password);
	free(s);
}

enum mail_session_state
mail_session_state(const struct mail_session *s)
{
	return s->state;
}

struct imap_client *
mail_session_client(const struct mail_session *s)
{
	return s->state == MAIL_SESSION_READY ? s->client : NULL;
}

void
mail_session_stats(const struct mail_session *s, struct net_stats *st)
{
	struct net_stats	cur;

	*st = s->spent;
	if (s->client != NULL) {
		imap_client_stats(s->client, &cur);
		st->bytes_in += cur.bytes_in;
		st->bytes_out += cur.bytes_out;
		st->commands += cur.commands;
		st->round_trips += cur.round_trips;
		st->wait_ms += cur.wait_ms;
	}
}

static void
set_state(struct mail_session *s, enum mail_session_state st, enum err_class cls,
    const char *reason, uint64_t retry_ms)
{
	log_debug("session %s: %s -> %s%s%s", s->params.client.host,
	    mail_session_state_name(s->state), mail_session_state_name(st),
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	s->state = st;
	if (s->ev.state != NULL)
		s->ev.state(s, st, cls, reason, retry_ms, s->arg);
}

void
mail_session_start(struct mail_session *s)
{
	if (s->client != NULL || s->stopping)
		return;
	s->clockwatch.primed = false;
	mail_clockwatch_sample(&s->clockwatch, clock_mono(s), clock_boot(s),
	    s->params.tick_ms, JUMP_SLACK_MS);
	ev_timer_start(s->tick, s->params.tick_ms);
	connect_now(s);
}

static void
connect_now(struct mail_session *s)
{
	ev_timer_stop(s->retry);
	set_state(s, MAIL_SESSION_CONNECTING, ERR_NONE, NULL, 0);
	s->client = imap_client_new(s->loop, &s->params.client, &client_cb, s);
	imap_client_connect(s->client);
}

/* Accounts for the client's cost and lets it go (safe from its callbacks). */
static void
drop_client(struct mail_session *s)
{
	struct net_stats	cur;

	if (s->client == NULL)
		return;
	imap_client_stats(s->client, &cur);
	s->spent.bytes_in += cur.bytes_in;
	s->spent.bytes_out += cur.bytes_out;
	s->spent.commands += cur.commands;
	s->spent.round_trips += cur.round_trips;
	s->spent.wait_ms += cur.wait_ms;
	imap_client_free(&s->client);
	s->probing = false;
	ev_timer_stop(s->keepalive);
	ev_timer_stop(s->probe);
}

void
mail_session_stop(struct mail_session *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	ev_timer_stop(s->retry);
	ev_timer_stop(s->keepalive);
	ev_timer_stop(s->tick);
	if (s->state == MAIL_SESSION_READY && s->client != NULL) {
		/* LOGOUT is a courtesy; the probe timer bounds it. */
		imap_client_logout(s->client);
		ev_timer_start(s->probe, LOGOUT_MS);
		return;
	}
	drop_client(s);
	set_state(s, MAIL_SESSION_OFFLINE, ERR_NONE, NULL, 0);
}

void
mail_session_check(struct mail_session *s)
{
	if (s->state == MAIL_SESSION_READY)
		probe_start(s, s->params.client.response_timeout_ms);
	else if (s->state == MAIL_SESSION_WAITING)
		connect_now(s);
}

static char *
client_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	struct mail_session	*s = arg;
	char			*secret;

	if (kind == IMAP_SECRET_PASSWORD && s->password != NULL)
		return xstrdup(s->password);
	if (s->ev.get_secret == NULL) {
		*error_r = xstrdup("no password configured");
		return NULL;
	}
	secret = s->ev.get_secret(kind, s->arg, error_r);
	/* Tokens expire, so only a password is worth keeping. */
	if (secret != NULL && kind == IMAP_SECRET_PASSWORD)
		s->password = xstrdup(secret);
	return secret;
}

static void
client_ready(struct imap_client *c, void *arg)
{
	struct mail_session	*s = arg;
	bool			 again = s->ever_ready;

	s->ever_ready = true;
	s->ready_since = clock_mono(s);
	set_state(s, MAIL_SESSION_READY, ERR_NONE, NULL, 0);
	if (s->params.idle)
		imap_client_set_idle(c, true, 0);
	arm_keepalive(s);
	if (s->ev.ready != NULL)
		s->ev.ready(s, c, again, s->arg);
}

static void
client_closed(struct imap_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct mail_session	*s = arg;
	bool			 was_ready = s->state == MAIL_SESSION_READY;
	bool			 fatal;
	uint64_t		 delay;

	if (was_ready && s->ev.lost != NULL)
		s->ev.lost(s, s->arg);
	drop_client(s);
	if (s->stopping) {
		set_state(s, MAIL_SESSION_OFFLINE, ERR_NONE, NULL, 0);
		return;
	}
	if (was_ready && clock_mono(s) - s->ready_since >= STABLE_MS)
		s->attempt = 0;
	/* Retrying cannot fix credentials or the configuration, nor a
	 * certificate that never passed; a network may come back. */
	fatal = cls == ERR_AUTH || cls == ERR_CONFIG || cls == ERR_USAGE ||
	    (!s->ever_ready && (cls == ERR_TLS || !s->params.retry_first));
	if (cls == ERR_NONE) {
		cls = ERR_NETWORK;
		msg = "the server ended the session";
	}
	if (fatal) {
		ev_timer_stop(s->tick);
		set_state(s, MAIL_SESSION_OFFLINE, cls, msg, 0);
		return;
	}
	s->rng = s->rng * 1103515245u + 12345u;
	delay = mail_backoff_ms(s->attempt, s->params.reconnect_max_ms, s->rng >> 8);
	if (s->attempt < 32)
		s->attempt++;
	ev_timer_start(s->retry, delay);
	set_state(s, MAIL_SESSION_WAITING, cls, msg, delay);
}

static void
client_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_session	*s = arg;

	if (s->ev.untagged != NULL)
		s->ev.untagged(s, r, s->arg);
}

static void
client_alert(struct imap_client *c, const char *text, void *arg)
{
	struct mail_session	*s = arg;

	if (s->ev.alert != NULL)
		s->ev.alert(s, text, s->arg);
}

static void
retry_cb(void *arg)
{
	struct mail_session	*s = arg;

	if (s->state == MAIL_SESSION_WAITING && !s->stopping)
		connect_now(s);
}

/* With IDLE the server speaks only when something happens, so silence
 * proves nothing: probe every keepalive interval. Without IDLE the poll
 * is the probe. */
static void
arm_keepalive(struct mail_session *s)
{
	uint64_t	every;

	if (s->client == NULL || s->state != MAIL_SESSION_READY)
		return;
	if (s->params.idle && imap_client_has_cap(s->client, "IDLE"))
		every = s->params.keepalive_ms;
	else {
		every = s->params.poll_ms;
		if (s->params.keepalive_ms != 0 && s->params.keepalive_ms < every)
			every = s->params.keepalive_ms;
	}
	if (every != 0)
		ev_timer_start(s->keepalive, every);
}

static void
keepalive_cb(void *arg)
{
	struct mail_session	*s = arg;

	probe_start(s, s->params.client.response_timeout_ms);
	arm_keepalive(s);
}

static void
probe_start(struct mail_session *s, uint64_t deadline_ms)
{
	struct imap_cmd	*cmd;

	if (s->client == NULL || s->state != MAIL_SESSION_READY || s->stopping)
		return;
	if (s->probing) {
		/* Only ever shorten the deadline of the probe already out (after
		 * a wake); later ticks must not keep postponing it. */
		if (ev_now(s->loop) + deadline_ms < s->probe_due) {
			s->probe_due = ev_now(s->loop) + deadline_ms;
			ev_timer_start(s->probe, deadline_ms);
		}
		return;
	}
	s->probing = true;
	s->probe_due = ev_now(s->loop) + deadline_ms;
	cmd = imap_cmd_new(s->client, 0);
	imap_cmd_add(cmd, "NOOP");
	ev_timer_start(s->probe, deadline_ms);
	imap_cmd_submit(cmd, probe_done, s);
}

static void
probe_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_session	*s = arg;

	if (c != s->client)
		return;
	s->probing = false;
	if (!s->stopping)
		ev_timer_stop(s->probe);
}

static void
probe_cb(void *arg)
{
	struct mail_session	*s = arg;
	char			*why;

	if (s->client == NULL)
		return;
	if (s->stopping) {
		/* LOGOUT went unanswered: close anyway. */
		imap_client_abort(s->client, ERR_NONE, "logged out");
		return;
	}
	why = xasprintf("%s did not answer a check for %llu seconds; the "
	    "connection seems dead", s->params.client.host,
	    (unsigned long long)((s->params.client.response_timeout_ms + 999) / 1000));
	imap_client_abort(s->client, ERR_NETWORK, why);
	free(why);
}

static void
tick_cb(void *arg)
{
	struct mail_session	*s = arg;
	uint64_t		 away;

	away = mail_clockwatch_sample(&s->clockwatch, clock_mono(s), clock_boot(s),
	    s->params.tick_ms, JUMP_SLACK_MS);
	ev_timer_start(s->tick, s->params.tick_ms);
	if (away == 0)
		return;
	log_info("session %s: the clock jumped %llu ms (suspend?); checking the link",
	    s->params.client.host, (unsigned long long)away);
	/* The network may have changed under us: check now, briefly. */
	if (s->state == MAIL_SESSION_READY) {
		uint64_t t = s->params.client.response_timeout_ms;

		probe_start(s, t < WAKE_PROBE_MS ? t : WAKE_PROBE_MS);
	} else if (s->state == MAIL_SESSION_WAITING) {
		s->attempt = 0;
		connect_now(s);
	}
}
