/*
 * Disconnected mode (RFC 4549): changes to messages made with no server
 * (or sent and not yet confirmed) are kept in the store's journal and
 * replayed, in the order made, on the next connection.
 *
 * Recording is done by the folder model (a folder opened offline, or one
 * with params.journal) through mail_journal_record. Replay takes each
 * entry in turn and settles it:
 *  - done: the server did it; the entry is removed.
 *  - conflict (flags only): another client changed the message's flags
 *    since the MODSEQ recorded with the change (UNCHANGEDSINCE refused
 *    it). The user's change wins for the flags it names, the other
 *    client's changes to other flags stay: the change is applied again on
 *    top of the server's state, and reported.
 *  - dropped: the folder is gone, its UIDVALIDITY changed, or none of the
 *    messages exist any more (for a move: already moved, nothing to do).
 *    Removed and reported, never retried.
 *  - refused: the server said NO; removed and reported.
 * Before doing anything twice, the replay looks at the server (the link
 * may have died after the server did it): a flag change the resynced
 * folder already shows is done without a STORE, and a copy's messages
 * found in the destination by Message-ID are not copied again. A move's
 * messages found there (the COPY of a server without MOVE went through)
 * are only marked and expunged in the source; a move whose messages left
 * the source and are in the destination is done. The Message-IDs are
 * recorded with a copy or move (from the cache) for that.
 * An expunge (sync-mailbox) is replayed as UID EXPUNGE of the UIDs still
 * there, never a plain EXPUNGE; without UIDPLUS it is refused.
 * An entry whose outcome is unknown (the link died) stays for next time.
 */
#ifndef CRISPIN_MAIL_JOURNAL_H
#define CRISPIN_MAIL_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/imap_client.h"
#include "crispin/imap_seqset.h"
#include "crispin/store.h"

/* Records one change and commits it; *seq_r gets its number. Returns 0,
 * or -1 with *error_r. */
int	 mail_journal_record(struct store *, enum store_journal_op, const char *folder,
	    uint32_t uidvalidity, const struct imap_seqset *uids, unsigned flags,
	    const char *const *keywords, const char *dest, uint64_t modseq,
	    int64_t *seq_r, char **error_r);
/* Removes a settled entry; a failure is logged (the entry is replayed
 * once more next time, which the replay rules make harmless). */
void	 mail_journal_forget(struct store *, int64_t seq);
/* "flag +\Flagged on UIDs 3:4 of INBOX", "move UID 7 of INBOX to Archive";
 * untrusted names are not sanitised here. */
void	 mail_journal_describe(struct buf *, const struct store_journal_entry *);

enum mail_journal_outcome {
	MAIL_JOURNAL_DONE,
	MAIL_JOURNAL_CONFLICT,
	MAIL_JOURNAL_DROPPED,
	MAIL_JOURNAL_REFUSED,
};

/* One line about one settled entry (text valid during the call). */
typedef void mail_journal_report_cb(enum mail_journal_outcome, const char *text,
	    void *arg);
/* The replay ended: 0 when every entry was settled, -1 when it stopped
 * (the link died, the journal cannot be read); what is left stays. */
typedef void mail_journal_done_cb(int status, void *arg);

struct mail_journal_replay;

/* Starts replaying on a logged-in client; done always follows (possibly
 * before this returns, when the journal is empty). client and store are
 * borrowed and must outlive the replay. */
struct mail_journal_replay *mail_journal_replay(struct imap_client *, struct store *,
	    mail_journal_report_cb *, mail_journal_done_cb *, void *arg);
/* Untagged data no command claimed, for the folder being replayed in. */
bool	 mail_journal_untagged(struct mail_journal_replay *,
	    const struct imap_response *);
void	 mail_journal_replay_free(struct mail_journal_replay **);

#endif
