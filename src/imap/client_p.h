/* Internals shared by the session (client.c) and its login steps (client_auth.c). */
#ifndef CRISPIN_CLIENT_P_H
#define CRISPIN_CLIENT_P_H

#include <sys/queue.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/conn.h"
#include "crispin/imap_client.h"
#include "crispin/sasl.h"

#define CMD_MAX_UNTAGGED	4

/* A piece of command text; all but the last end with a synchronising
 * literal header "{n}\r\n" and must wait for "+" before the next. */
struct cmd_part {
	struct buf	 text;
	struct buf	 trace;		/* the same with secrets as *** */
};

struct imap_cmd {
	struct imap_client	*client;	/* borrowed */
	unsigned		 flags;
	char			 tag[16];
	struct cmd_part		*parts;		/* owned */
	size_t			 nparts;
	size_t			 next_part;	/* next part to send */
	struct {
		const char		*keyword;	/* static or owned by caller */
		imap_cmd_untagged_cb	*cb;
	}			 untagged[CMD_MAX_UNTAGGED];
	size_t			 nuntagged;
	/* imap_cmd_fetches: the UIDs whose FETCH data is this command's. */
	bool			 fetches;
	uint32_t		 fetch_lo, fetch_hi;
	imap_cmd_cont_cb	*cont_cb;
	imap_cmd_done_cb	*done;
	void			*arg;
	bool			 sent;
	TAILQ_ENTRY(imap_cmd)	 entry;
};
TAILQ_HEAD(imap_cmd_list, imap_cmd);

struct imap_client {
	struct ev_loop		*loop;		/* borrowed */
	struct imap_client_params params;	/* strings owned */
	char			**authenticators;	/* owned copies */
	struct imap_client_callbacks cb;
	void			*arg;

	enum imap_client_state	 state;
	struct conn		*conn;		/* owned */
	struct imap_parser	*parser;	/* owned */
	const char		*feed_data;	/* the bytes being parsed, while */
	size_t			 feed_len;	/* ... on_data runs */
	struct imap_literal_sink sink;		/* imap_client_set_literal_sink */
	void			*sink_arg;	/* borrowed */
	bool			 have_sink;
	bool			 tls_active;

	char			**caps;		/* owned, upper-cased */
	size_t			 ncaps;
	bool			 caps_known;
	bool			 caps_from_hint;	/* remembered, not said yet */
	/* What the server offered at the last login (client_hint.c), and
	 * what it offers before the login this time, all owned. */
	char			*hint_greeting;
	char			*hint_login;
	char			*greeting_line;
	bool			 greeting_due;	/* the login went out before it */
	bool			 auth_on_hint;	/* ... chosen on hint_greeting */
	bool			 auth_retried;	/* once, on the server's own */
	bool			 preauthed;	/* PREAUTH came meanwhile */
	bool			 speculating;	/* ready before the login's OK */
	bool			*caps_used;	/* owned: hint caps a choice rested on */
	char			*assumed;	/* owned: their names, once replaced */
	char			*hint_refusal;	/* owned: why that login failed */
	char			**enabled;	/* owned */
	size_t			 nenabled;
	char			*auth_mech;	/* owned */
	/* The login's steps answered one at a time: the quickest answer is
	 * the round trip (and a little of the server's time). */
	uint64_t		 auth_sent_ms;	/* 0: no step waiting */
	uint64_t		 rtt_ms;
	bool			 rtt_known;
	struct arena		*ns_arena;	/* owned */
	struct imap_namespaces	 namespaces;
	bool			 ns_asked;	/* NAMESPACE sent on this connection */

	unsigned		 next_tag;
	struct imap_cmd_list	 pending;	/* not yet (fully) sent */
	struct imap_cmd_list	 inflight;	/* sent, waiting for the tagged reply */
	struct imap_cmd		*waiting;	/* waits for '+'; nothing passes it */
	/* Released from waiting (client_release_auth) but owed one more '+',
	 * which we answered ahead: it goes to its callback, not an error. */
	struct imap_cmd		*cont_ahead;

	struct sasl_client	*sasl;		/* owned, during AUTHENTICATE */
	char			*bye_text;	/* owned: why the server said BYE */
	bool			 logout_sent;
	struct imap_cmd		*logout_cmd;	/* borrowed: queued LOGOUT */
	struct ev_timer		*logout_timer;	/* owned: ends it once LOGOUT is alone */

	/* IDLE: entered when nothing else is to be done (RFC 2177). */
	bool			 idle_wanted;
	uint64_t		 idle_renew_ms;
	struct imap_cmd		*idle_cmd;	/* borrowed: the IDLE in flight */
	bool			 idling;	/* the server said '+' */
	bool			 idle_done_sent;
	struct ev_timer		*idle_timer;	/* owned: start on the next turn, renew */

	struct ev_timer		*watchdog;	/* owned: a command's answer is overdue */

	/* Cost: see imap_client_stats. */
	struct net_meter	 meter;

	struct buf		 trace_line;	/* partial server line for the trace */
	int			 refs;		/* held while calling out */
	bool			 dead;		/* imap_client_free was called */
	bool			 closing;	/* closed callback already given */
};

/* client.c */
void	 client_set_state(struct imap_client *, enum imap_client_state);
void	 client_fail(struct imap_client *, enum err_class, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);
void	 client_set_caps(struct imap_client *, const struct imap_arg *, size_t);
bool	 greeting_awaited(const struct imap_client *);
void	 client_release_auth(struct imap_client *, bool answered_ahead);
void	 client_trace(struct imap_client *, const char *prefix, const char *data,
	    size_t len);
void	 client_ref(struct imap_client *);
/* Returns false when the client died meanwhile and must not be touched. */
bool	 client_unref(struct imap_client *);

/* client_hint.c: the capabilities of the last login. */
void	 hint_load(struct imap_client *);
void	 hint_save(struct imap_client *);
void	 hint_clear(struct imap_client *);
char	*hint_caps_line(const struct imap_client *);
void	 hint_apply(struct imap_client *, const char *line);
bool	 hint_same_login(const char *, const char *);

/* client_auth.c: the steps from greeting to ready. */
void	 auth_greeting(struct imap_client *, const struct imap_response *);
void	 auth_tls_ready(struct imap_client *);
void	 auth_early(struct imap_client *);
void	 auth_reset(struct imap_client *);

#endif
