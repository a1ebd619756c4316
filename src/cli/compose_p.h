/* What compose, recall and postpone share. */
#ifndef CRISPIN_COMPOSE_P_H
#define CRISPIN_COMPOSE_P_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/cli.h"
#include "crispin/mail_draft.h"

/* How a built draft is finished; pointers borrowed. */
struct compose_finish {
	const char	*cmd;		/* "reply": names messages */
	bool		 new_message;	/* an editor file saved unchanged aborts */
	bool		 no_edit;	/* no editor, no screen: send as built */
	bool		 screen;	/* the compose screen may be shown */
	bool		 dry_run;	/* print instead of sending */
	bool		 no_record;
	bool		 queue_ok;
	const char	*reply_folder;	/* cli_submit's */
	uint32_t	 reply_uid;
	const char	*forward_folder;
	uint32_t	 forward_uid;
	/* recall: the old draft, deleted once sent or postponed again. */
	const char	*recalled_folder;
	uint32_t	 recalled_uid;
};

/*
 * The editor (unless no_edit), the compose screen when there is a
 * terminal (ctx->screens), then sending, or postponing to Drafts. The
 * editor's file stays on disk whenever the message is neither sent nor
 * saved, and the user is told where. Returns an exit code.
 */
int	 compose_finish(struct cli_context *, struct mail_draft *,
	    const struct mail_draft_opts *, const struct compose_finish *);

/* postpone.c: the Drafts folder (postponed, else \Drafts, else
 * "Drafts"), resolved on s; *utf8_r malloc'd. 0 or an exit code. */
int	 postpone_folder(struct cli_session *s, const char *cmd, char **utf8_r);
/* APPENDs msg (a complete message) there with \Draft and \Seen;
 * *where_r (malloc'd) names the folder. 0, or an exit code with the
 * reason printed. */
int	 postpone_save(struct cli_context *, const char *cmd, const char *msg,
	    size_t len, char **where_r);
/* Deletes uid from folder for good: \Deleted, then UID EXPUNGE when the
 * server has UIDPLUS (else it stays marked, and the user is told). 0 or
 * an exit code (message printed). */
int	 postpone_drop(struct cli_context *, const char *cmd, const char *folder,
	    uint32_t uid);

#endif
