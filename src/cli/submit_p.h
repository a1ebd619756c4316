/*
 * Private to the sending commands (send.c, mailx.c, submit.c, record.c,
 * sendmail.c): the envelope, the outbox run, and its two halves, handing
 * messages to the transport and the work left after (Sent copy, flags).
 */
#ifndef CRISPIN_CLI_SUBMIT_P_H
#define CRISPIN_CLI_SUBMIT_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/cli.h"
#include "crispin/store.h"

/* Who sends to whom. */
struct submit_envelope {
	char		 *from;		/* owned */
	char		**rcpts;	/* owned */
	size_t		  nrcpts;
};

/*
 * The envelope of a message: the sender is from_opt, else the from option,
 * else the message's From; the recipients are args (address lists), else
 * the message's To, Cc and Bcc. cmd names the command in messages. Returns
 * 0, or EXIT_USAGE after saying why.
 */
int	 submit_envelope(struct cli_context *, const char *cmd, const char *msg,
	    size_t len, const char *from_opt, char *const *args, int nargs,
	    struct submit_envelope *);
void	 submit_envelope_free(struct submit_envelope *);

/* One message of a run, read from the outbox or about to enter it. */
struct submit_msg {
	int64_t		  id;		/* outbox id; 0: not in the outbox */
	enum store_outbox_state state;
	int64_t		  owner_pid;	/* as read, for the claim */
	int64_t		  attempted;
	char		 *from;		/* owned */
	char		**rcpts;	/* owned */
	size_t		  nrcpts;
	unsigned	  tasks;	/* STORE_OUTBOX_* left */
	char		 *reply_folder;	/* owned, or NULL */
	uint32_t	  reply_uid;
	char		 *forward_folder;
	uint32_t	  forward_uid;
	struct buf	  data;		/* the message, Bcc and all */

	/* The outcome of this run. */
	bool		  accepted;	/* the server took it */
	enum err_class	  err;		/* why not, ERR_NONE when taken */
	bool		  partial;	/* some recipients were refused */
};

/* A run: the outbox (or none) and the messages it works on. */
struct submit_run {
	struct cli_context *ctx;	/* borrowed */
	const char	  *cmd;		/* "send", for messages */
	struct store	  *st;		/* owned; NULL: no outbox */
	struct submit_msg **msgs;	/* owned */
	size_t		   nmsgs;
	bool		   offline;
	bool		   verbose;	/* say "sent #N" for each (--queued) */
};

/* Opens the outbox of the account: see submit.c for where it lives. NULL
 * after saying why on stderr. */
struct store *submit_open_outbox(struct cli_context *);
void	 submit_msg_free(struct submit_msg **);

/* Hands msg to the sendmail command; 0 when it exited 0, else -1 with
 * *error_r (sendmail.c). */
int	 submit_sendmail(struct cli_context *, const char *command,
	    const struct submit_msg *, char **error_r);

/* Does the Sent copy and the flags of every accepted message in the run,
 * clearing what got done in the outbox (record.c). Returns 0, or an exit
 * code when something is left for later (said on stderr). */
int	 submit_after(struct submit_run *);

/* Sends the queued messages of the outbox (send --queued), lists them
 * (send --list) or removes one (send --drop). Exit codes. */
int	 submit_queued(struct cli_context *, bool offline);
int	 submit_list(struct cli_context *);
int	 submit_drop(struct cli_context *, int64_t id);
/* Queues one message and sends it (send, -s, cli_submit). */
int	 submit_one(struct cli_context *, const char *cmd, const char *msg,
	    size_t len, const struct submit_envelope *, const struct cli_submit *,
	    bool offline);

#endif
