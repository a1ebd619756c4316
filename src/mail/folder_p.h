/* Private state of the folder model, shared by folder.c, sync.c and flags.c. */
#ifndef CRISPIN_MAIL_FOLDER_P_H
#define CRISPIN_MAIL_FOLDER_P_H

#include "crispin/mail_folder.h"

enum folder_state {
	FOLDER_NEW,
	FOLDER_SELECTING,	/* SELECT/EXAMINE in flight */
	FOLDER_SYNCING,		/* resync and header fetches in flight */
	FOLDER_OPEN,
	FOLDER_CLOSED,		/* [CLOSED], or the session went away */
	FOLDER_FAILED,
};

enum sync_mode {
	SYNC_COLD,
	SYNC_QRESYNC,
	SYNC_CONDSTORE,
	SYNC_PLAIN,
};

struct flag_op;

struct subscriber {
	const struct mail_folder_events	*ev;	/* borrowed */
	void				*arg;
};

struct mail_folder {
	int			 refs;		/* commands in flight hold one */
	bool			 dead;		/* mail_folder_free was called */
	struct imap_client	*client;	/* borrowed */
	struct store		*store;		/* borrowed; NULL: no cache */
	char			*name;		/* owned, UTF-8 */
	struct mail_folder_params params;
	enum folder_state	 state;
	enum sync_mode		 mode;
	bool			 readonly;
	bool			 offline;	/* from the cache: changes are journaled */
	bool			 condstore;	/* MODSEQ may be asked for */
	bool			 nomodseq;
	/* Flag changes sent and not yet answered, then those waiting for
	 * one of them (flags.c), oldest first. */
	struct flag_op		*flag_ops;
	unsigned		 permflags;
	const char		*permkeywords;	/* interned: PERMANENTFLAGS' keywords */

	struct mail_msgmap	*map;		/* owned */
	struct mail_intern	*strings;	/* owned */
	struct subscriber	*subs;		/* owned array */
	size_t			 nsubs;

	uint32_t		 uidvalidity, uidnext;
	uint64_t		 highestmodseq;	/* the newest we know of */
	uint64_t		 select_modseq;	/* [HIGHESTMODSEQ] of the open:
						 * safe to resync from next time */
	struct store_folder_state cached;	/* as read before the open */
	/* UIDs the cache has, ascending; owned array. */
	uint32_t		*cache;
	size_t			 ncache, cache_cap;

	unsigned		 sync_pending;	/* sync commands in flight */
	unsigned		 fill_rounds;
	uint32_t		 fill_from;	/* where the round goes on; 0: done */
	bool			 desync;	/* the map contradicted the server */
	bool			 fill_again;	/* new mail during the open */
	bool			 announced;	/* opened was emitted */
	/* The cached records went into the map before SELECT answered (a
	 * complete cache): the index shows them at once, and while the
	 * SELECT runs its EXISTS is held back and FETCH goes by UID. */
	bool			 preloaded;
	bool			 have_exists;
	uint32_t		 select_exists;
	/* The cache was marked as holding part of the folder (a fill is
	 * under way): an open cut short resumes from what arrived. */
	bool			 partial_marked;
	/* Cached records past the first screen, attached a slice on each
	 * turn of params.loop (the rest at once before the SELECT's answer
	 * is used), from the UID rest_from on. */
	struct ev_timer		*rest_timer;	/* owned */
	bool			 rest_pending;
	uint32_t		 rest_from;
	size_t			 progress_done, progress_total;
	/* A cold or partly cached open in the server's order
	 * (params.sort_criteria or thread_order): its answer, and the
	 * UIDs of the first screen, asked for before the newest-first
	 * batches (which wait for its answer). */
	char			*sort_criteria;	/* owned copy of params' */
	struct mail_folder_order order;	/* owned arrays */
	bool			 order_asked;	/* SORT or THREAD was sent */
	bool			 first_sent;	/* the first screen was asked for */
	/* The first page's FETCH of an open is in flight: nothing else is
	 * fetched until it is answered, so its answer arrives alone. */
	bool			 first_wait;
	/* A partial cache opened in the server's order: the flags refresh
	 * of its UIDs 1:flags_due goes behind the first page. */
	uint32_t		 flags_due;

	/* EMAILIDs (OBJECTID) heard, written with the next flush; they
	 * are not kept in the records, which the index holds by the
	 * hundred thousand. Owned. */
	struct folder_emailid {
		uint32_t	 uid;
		char		*emailid;
	}			*emailids;
	size_t			 nemailids, emailids_cap;

	uint32_t		*dirty;		/* UIDs to write; owned */
	size_t			 ndirty, dirty_cap;
	unsigned		 inflight;	/* our commands; writes wait for them */
};

/* folder.c */
void	 folder_ref(struct mail_folder *);
/* Returns false when the folder is gone (freed after the last ref). */
bool	 folder_unref(struct mail_folder *);
void	 folder_emit_error(struct mail_folder *, enum err_class, const char *fmt, ...)
	    CRISPIN_PRINTF(3, 4);
void	 folder_emit_added(struct mail_folder *, const struct mail_msg *);
void	 folder_emit_flags(struct mail_folder *, const struct mail_msg *);
void	 folder_emit_expunged(struct mail_folder *, uint32_t uid);
void	 folder_emit_progress(struct mail_folder *);
void	 folder_emit_opened(struct mail_folder *);
/* The untagged handler the folder's commands claim FETCH, EXISTS,
 * EXPUNGE and VANISHED with. */
void	 folder_on_untagged(struct imap_client *, const struct imap_response *, void *);
/* Response codes of a tagged or untagged status response. */
void	 folder_handle_code(struct mail_folder *, const struct imap_response *);
void	 folder_mark_dirty(struct mail_folder *, struct mail_msg *);
/* Writes the dirty records in one transaction. */
void	 folder_flush(struct mail_folder *);
/* A command of the folder: claims FETCH, EXISTS, EXPUNGE, VANISHED (for
 * cb, or folder_on_untagged when NULL: the command's arg must then be the
 * folder) and holds a reference. Its done callback starts with folder_cmd_finished,
 * which writes pending records and returns false (ref dropped) when the
 * folder is gone. */
struct imap_cmd *folder_cmd_new(struct mail_folder *, imap_cmd_untagged_cb *);
bool	 folder_cmd_finished(struct mail_folder *);
void	 folder_cache_drop(struct mail_folder *);
/* Membership in a normalized set. */
bool	 folder_set_has(const struct imap_seqset *, uint32_t);
/* The session is up: a command that failed now was refused, not lost. */
bool	 folder_link_up(const struct mail_folder *);
/* Journals a change to uids when offline or params.journal: 0 (*seq_r
 * is 0 when nothing was recorded), or -1 after an error event. */
int	 folder_journal(struct mail_folder *, enum store_journal_op,
	    const struct imap_seqset *uids, unsigned flags, const char *const *keywords,
	    const char *dest, int64_t *seq_r);
/* The change journaled as seq is settled when its outcome is known. */
void	 folder_journal_settle(struct mail_folder *, int64_t seq, bool known);
/* Offline: the messages of uids leave the folder and its cache. */
void	 folder_remove_offline(struct mail_folder *, const struct imap_seqset *uids);

/* flags.c */
/* mail_folder_store_flags with its guard and journaling chosen: since 0
 * uses the folder's HIGHESTMODSEQ; conflicts (may be NULL) collects the
 * UIDs another client changed. */
void	 folder_store_flags(struct mail_folder *, const struct imap_seqset *uids,
	    bool add, unsigned flags, const char *const *keywords, uint64_t since,
	    struct imap_seqset *conflicts, bool journal, mail_folder_done_cb *done,
	    void *arg);

/* keywords.c: remembers PERMANENTFLAGS' keywords (n of them). */
void	 folder_set_permkeywords(struct mail_folder *, const char *const *kw, size_t n);

/* sync.c */
void	 sync_after_select(struct mail_folder *);
/* The cached records not attached yet, now. */
void	 sync_attach_rest(struct mail_folder *);
/* Fetches the index fields of slots that lack them, newest first. */
void	 sync_fill(struct mail_folder *);
/* New mail announced while open. */
void	 sync_new_mail(struct mail_folder *);
/* The map contradicted the server while open: rebuild it from UID SEARCH
 * and fetch what is missing. */
void	 sync_repair(struct mail_folder *);

/* header.c */
/* Fills the index fields of msg from a header block (HEADER.FIELDS). */
void	 header_apply(struct mail_intern *, struct mail_msg *, const char *raw,
	    size_t len);

#endif
