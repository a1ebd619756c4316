/* Internals shared by the session (client.c) and its login steps (auth.c). */
#ifndef CRISPIN_SMTP_P_H
#define CRISPIN_SMTP_P_H

#include "crispin/buf.h"
#include "crispin/conn.h"
#include "crispin/sasl.h"
#include "crispin/smtp_client.h"

enum smtp_state {
	SMTP_STATE_DISCONNECTED,
	SMTP_STATE_CONNECTING,	/* TCP and, for implicit TLS, the handshake */
	SMTP_STATE_GREETING,
	SMTP_STATE_EHLO,	/* EHLO or HELO sent */
	SMTP_STATE_STARTTLS,	/* STARTTLS sent, or handshake running */
	SMTP_STATE_AUTH,
	SMTP_STATE_READY,	/* logged in, no transaction */
	SMTP_STATE_SENDING,	/* MAIL .. final reply to the message */
	SMTP_STATE_QUIT,
};

/* What the next reply answers; replies come in the order of commands. */
enum smtp_expect {
	SMTP_EXP_GREETING,
	SMTP_EXP_EHLO,
	SMTP_EXP_HELO,
	SMTP_EXP_STARTTLS,
	SMTP_EXP_AUTH,
	SMTP_EXP_RSET,
	SMTP_EXP_MAIL,
	SMTP_EXP_RCPT,
	SMTP_EXP_DATA,
	SMTP_EXP_BODY,
	SMTP_EXP_QUIT,
	SMTP_EXP_COUNT,
};

/* One message on its way. */
struct smtp_txn {
	char			*from;		/* owned */
	char			**rcpts;	/* owned */
	size_t			 nrcpts;
	struct buf		 data;		/* dot-stuffed, ends ".\r\n" */
	size_t			 size;		/* on the wire, without the final dot */
	bool			 eight_bit;
	bool			 utf8_addrs;
	struct smtp_rcpt_result	*res;		/* owned, one per recipient */
	size_t			 naccepted;
	size_t			 next_rcpt;	/* next RCPT to send (no pipelining) */
	size_t			 rcpt_replies;	/* RCPT replies seen */
	bool			 started;
	bool			 mail_ok;
	bool			 aborting;	/* sent "." alone after a 354 */
	enum err_class		 err;
	char			*why;		/* owned: the failure, for the user */
	smtp_send_done_cb	*done;
	void			*arg;
};

struct smtp_client {
	struct ev_loop		*loop;		/* borrowed */
	struct smtp_client_params params;	/* strings owned */
	char			**authenticators;	/* owned copies */
	struct smtp_client_callbacks cb;
	void			*arg;

	enum smtp_state		 state;
	struct conn		*conn;		/* owned */
	struct smtp_reply_parser *parser;	/* owned */
	bool			 tls_active;
	bool			 stop_feeding;	/* drop the rest of this input */

	char			**ext;		/* owned: EHLO lines, keyword upper-cased */
	size_t			 next;
	bool			 ehlo_done;

	enum smtp_expect	*expect;	/* owned FIFO */
	size_t			 nexpect;

	struct sasl_client	*sasl;		/* owned, during AUTH */
	bool			 sasl_started;
	char			*sasl_error;	/* owned: local failure, told at 535 */
	char			*auth_mech;	/* owned */
	bool			 authed;

	struct smtp_txn		*txn;		/* owned */
	unsigned		 ntxn;		/* transactions started */
	bool			 quit_wanted;
	struct ev_timer		*kick;		/* owned: work for the next loop turn */
	struct ev_timer		*watchdog;	/* owned: a reply is overdue */

	/* Cost: see smtp_client_stats. */
	struct net_meter	 meter;

	struct buf		 trace_line;	/* partial server line for the trace */
	int			 refs;		/* held while calling out */
	bool			 dead;		/* smtp_client_free was called */
	bool			 closing;	/* closed already given */
};

typedef void smtp_reply_handler(struct smtp_client *, const struct smtp_reply *);

/* client.c */
void	 smtp_set_state(struct smtp_client *, enum smtp_state);
void	 smtp_fail(struct smtp_client *, enum err_class, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);
/* Writes a command line (CRLF added); trace shows it, or trace_as. */
void	 smtp_send_line(struct smtp_client *, enum smtp_expect, const char *line,
	    const char *trace_as);
void	 smtp_ready(struct smtp_client *);
const char *smtp_ext_param(const struct smtp_client *, const char *keyword);

/* auth.c: greeting to ready. */
smtp_reply_handler smtp_on_greeting, smtp_on_ehlo, smtp_on_helo, smtp_on_starttls,
	    smtp_on_auth;
void	 smtp_tls_ready(struct smtp_client *);

#endif
