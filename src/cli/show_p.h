/* What show, parts and save share: one message of one folder, examined. */
#ifndef CRISPIN_SHOW_P_H
#define CRISPIN_SHOW_P_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/cli.h"
#include "crispin/mail_message.h"
#include "crispin/store.h"

struct show_ctx {
	struct cli_context	*ctx;		/* borrowed */
	const char		*cmd;		/* "show": names errors */
	const char		*folder;	/* borrowed */
	uint32_t		 uid;
	struct cli_session	 s;
	bool			 session_open;
	struct store		*store;		/* owned; NULL without cache */
	bool			 no_binary;	/* the server dropped us on BINARY */
	bool			 retry_binary;	/* the caller handles SHOW_RETRY */
	uint32_t		 uidvalidity;
	struct mail_message	*msg;		/* owned */
	bool			 done;		/* the running step finished */
	int			 status;
	char			*error;		/* owned: why it failed */
	unsigned		 relinks;	/* new sessions after a dead link */
	/* --raw streamed again after a dead link: what this attempt sent,
	 * and what is on the output already (not written twice). */
	uint64_t		 seen, written;
};

/* Reads "-f FOLDER" / "--folder[=]FOLDER" at argv[*i]: 1 when it was one
 * (*i moved past it), 0 when not, -1 (message printed) when incomplete. */
int	 show_folder_arg(struct show_ctx *, int argc, char **argv, int *i);
/* A UID: 0, or -1 with the message printed. */
int	 show_uid_arg(struct show_ctx *, const char *, const char *usage);
/* Connects, examines the folder, opens the cache and loads the message's
 * structure and header. Returns 0 or an exit code (message printed). */
int	 show_open(struct show_ctx *);
/* The step should run again: the connection was lost during a BINARY
 * fetch (see mail_message_binary_dropped). */
#define SHOW_RETRY	(-1)
/* Runs the loop until the running step is done; 0, SHOW_RETRY (with
 * retry_binary, once per command, nothing printed) or an exit code
 * (message printed). */
int	 show_wait(struct show_ctx *);
/* After SHOW_RETRY: a new connection and message, BINARY off. The part
 * tree is new: look parts up again. 0 or an exit code (message printed). */
int	 show_reopen(struct show_ctx *);
/* After a step failed with EXIT_NETWORK (the link died; reading is
 * harmless to repeat): a new session after the reconnect backoff, the
 * folder examined and the message loaded again. 0, or an exit code
 * (EXIT_NETWORK again once the link died too often). The part tree is
 * new: look parts up again. */
int	 show_relink(struct show_ctx *);
/* The step callback for mail_message operations (arg: the show_ctx). */
void	 show_step_done(struct mail_message *, int, const char *, void *);
void	 show_close(struct show_ctx *);

#endif
