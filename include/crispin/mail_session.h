/*
 * An account session that stays connected: it owns one imap_client,
 * connects and logs in, keeps the link checked (IDLE when the owner asks,
 * NOOP every poll interval on servers without IDLE, a NOOP probe every
 * keepalive interval and after the machine wakes from suspend) and, when
 * the link dies (reset, TLS error, BYE, a probe or command unanswered
 * within the response timeout), reconnects with exponential backoff and
 * jitter. It reports every state change to its owner.
 *
 * The client is replaced on every reconnect. The owner builds whatever
 * borrows it (a mail_folder) in the ready event and drops it in the lost
 * event; after lost the old client is gone. A second ready (reconnected
 * true) is the cue to reopen the folder through the cache (QRESYNC) and
 * keep the user's place by UID.
 */
#ifndef CRISPIN_MAIL_SESSION_H
#define CRISPIN_MAIL_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/err.h"
#include "crispin/event.h"
#include "crispin/imap_client.h"

enum mail_session_state {
	MAIL_SESSION_OFFLINE,		/* not started, stopped, or given up */
	MAIL_SESSION_CONNECTING,	/* connecting and logging in */
	MAIL_SESSION_READY,		/* logged in: commands may be submitted */
	MAIL_SESSION_WAITING,		/* link lost; the next attempt is due */
};

/* Milliseconds on two clocks: CLOCK_MONOTONIC stops while the machine
 * sleeps, CLOCK_BOOTTIME does not. Tests inject their own. */
struct mail_clock {
	uint64_t	(*monotonic_ms)(void *arg);
	uint64_t	(*boottime_ms)(void *arg);
	void		*arg;
};

struct mail_session_params {
	/* Copied on every connect; strings borrowed for the session's life. */
	struct imap_client_params client;
	uint64_t	 reconnect_max_ms;	/* backoff cap; 0: 5 minutes */
	uint64_t	 keepalive_ms;		/* NOOP probe of a quiet link; 0: off */
	uint64_t	 poll_ms;		/* NOOP without IDLE; 0: 60 s */
	bool		 idle;			/* IDLE whenever nothing else runs */
	/* A network failure of the very first connect is retried too (a
	 * watcher started while offline); false: it ends the session. */
	bool		 retry_first;
	const struct mail_clock *clock;		/* borrowed; NULL: the real ones */
	uint64_t	 tick_ms;		/* clock watch period; 0: 5 s */
};

struct mail_session;

struct mail_session_events {
	/* Every state change. reason: why the link went (WAITING, OFFLINE),
	 * else NULL; retry_ms: when the next attempt is (WAITING). cls: the
	 * failure's class (OFFLINE after a failure), else ERR_NONE. */
	void	(*state)(struct mail_session *, enum mail_session_state,
		    enum err_class cls, const char *reason, uint64_t retry_ms,
		    void *arg);
	/* Logged in. reconnected: there was a ready before this one. */
	void	(*ready)(struct mail_session *, struct imap_client *,
		    bool reconnected, void *arg);
	/* The client died (its commands have failed): drop what borrows it. */
	void	(*lost)(struct mail_session *, void *arg);
	/* Untagged data no command claimed. */
	void	(*untagged)(struct mail_session *, const struct imap_response *,
		    void *arg);
	/* [ALERT] text (unsanitised). */
	void	(*alert)(struct mail_session *, const char *text, void *arg);
	/* Credentials, as imap_client_callbacks.get_secret. A password is
	 * asked once and kept for reconnects; a token is asked every time. */
	char	*(*get_secret)(enum imap_secret_kind, void *arg, char **error_r);
};

/* Nothing happens until mail_session_start. params are copied (the
 * strings in them are not). */
struct mail_session *mail_session_new(struct ev_loop *,
	    const struct mail_session_params *, const struct mail_session_events *,
	    void *arg);
void	 mail_session_start(struct mail_session *);
/* Logs out (waiting at most 5 s for the answer) then goes OFFLINE; the
 * state event says when. Safe from callbacks. */
void	 mail_session_stop(struct mail_session *);
/* Frees at once (no LOGOUT); no event follows. */
void	 mail_session_free(struct mail_session **);

enum mail_session_state mail_session_state(const struct mail_session *);
const char *mail_session_state_name(enum mail_session_state);
/* The client while READY, else NULL. Borrowed. */
struct imap_client *mail_session_client(const struct mail_session *);
/* Checks the link now with a NOOP answered within the response timeout
 * (after a network change, say); a silent link is reconnected. */
void	 mail_session_check(struct mail_session *);
/* The account's cost summed over every connection it made. */
void	 mail_session_stats(const struct mail_session *, struct net_stats *);

/*
 * The pieces, for tests.
 *
 * Backoff: the wait before attempt number attempt (0: the first retry),
 * 1 s doubling to max_ms, times a jitter factor between 0.8 and 1.2 taken
 * from random, never above max_ms.
 */
uint64_t mail_backoff_ms(unsigned attempt, uint64_t max_ms, uint32_t random);

/*
 * Clock-jump detector, sampled from a timer armed for expected_ms: it
 * returns how long the process was away beyond slack_ms (asleep: boottime
 * ran ahead of monotonic; frozen: the timer fired that late), or 0. The
 * first sample only primes it.
 */
struct mail_clockwatch {
	uint64_t	 mono;
	uint64_t	 boot;
	bool		 primed;
};
uint64_t mail_clockwatch_sample(struct mail_clockwatch *, uint64_t mono_ms,
	    uint64_t boot_ms, uint64_t expected_ms, uint64_t slack_ms);

#endif
