/*
 * The index's parts (index.c: order, drawing, moving; index_ops.c: tags,
 * patterns and limit, the message operations).
 */
#ifndef CRISPIN_UI_INDEX_P_H
#define CRISPIN_UI_INDEX_P_H

#include "crispin/mail_query.h"
#include "crispin/mail_score.h"
#include "crispin/mail_thread.h"
#include "ui_p.h"

struct uidset {
	uint32_t	*v;		/* owned, ascending */
	size_t		 n, cap;
};

/* A compiled `color index` (or index_author...) line; q NULL: the
 * object's plain colour. */
struct pattern {
	const char	*object;	/* static: "index", "index_author", ... */
	struct mail_query *q;		/* owned */
	unsigned	 attr;
};

/* What a pattern from a prompt is for. */
enum pattern_use {
	USE_LIMIT,
	USE_TAG,
	USE_UNTAG,
	USE_DELETE,
	USE_UNDELETE,
};

/* A server search in flight (a pattern with body terms). */
struct search {
	struct ui	*ui;
	unsigned	 gen;		/* stale when the index's differs */
	enum pattern_use use;
	struct mail_query *q;		/* owned */
	char		*text;		/* owned */
	struct imap_seqset found;
};

struct index_state {
	struct mail_folder *folder;	/* borrowed: whose rows these are */
	bool		 dirty;
	uint64_t	 built_at;	/* ev_now of the last rebuild */
	uint32_t	*seqs;		/* owned: sequence number per row */
	struct mail_thread_row *rows;	/* owned: threaded only, else NULL */
	size_t		 nrows;
	size_t		 nready;	/* records that are here (limit or not) */
	/* The order a cold open asked the server for (index_folder_params). */
	bool		 order_asked;
	struct mail_sort order_sort;
	char		 order_criteria[64];
	uint32_t	*vis;		/* owned: the rows shown (collapse) */
	size_t		 nvis;
	size_t		 cursor;	/* index into vis */
	size_t		 top;
	uint32_t	 cursor_uid;
	uint32_t	 follow_uid;	/* put the cursor here once it shows */
	uint32_t	 seen_seq;	/* index_view.cursor as we last set it */
	struct mail_sort sort;
	char		 sort_text[48];
	char		*limit_text;	/* owned; NULL: no limit */
	struct mail_query *limit;	/* owned */
	bool		 limit_by_server;	/* limit_uids is the answer */
	struct uidset	 limit_uids;
	unsigned	 gen;		/* bumps when answers in flight go stale */
	unsigned	 searching;	/* server searches of this gen in flight */
	bool		 limit_pending;	/* the limit waits for the server */
	struct uidset	 tagged;
	struct uidset	 collapsed;	/* UIDs of collapsed threads' roots */
	bool		 moved;		/* the user moved: follow the message */
	bool		 tag_prefix;	/* ';' typed: the next one is for tags */
	bool		 apply_tagged;	/* the function running is */
	struct pattern	*pats;		/* owned */
	size_t		 npats;
	bool		 pats_ready;
	/* Scores (score rules): per sequence number - 1, from the last
	 * rebuild; the UIDs the thresholds were applied to. */
	struct mail_scores *scores;	/* owned; NULL: no rules */
	bool		 scores_ready;
	int		*score_of;	/* owned */
	size_t		 nscore;
	struct uidset	 scored;
	struct index_spans spans;	/* owned: the line being drawn */
	/* The last search (index_more.c). */
	struct mail_query *search;	/* owned; NULL: none yet */
	char		*search_text;	/* owned */
	bool		 search_back;
	/* What a prompt's answer will act on (owned until it answers;
	 * freed here if the interface ends first). */
	struct transfer	*asking_transfer;
	struct purge	*asking_purge;
	struct flag_ask	*asking_flag;	/* set-flag, clear-flag */
	struct transfer	*asking_create;	/* [TRYCREATE]: create dest? */
};

/* Moves and copies: the UIDs wait in the prompt's argument. */
struct transfer {
	struct imap_seqset uids;
	bool		 move;
	unsigned	 gen;
	struct ui	*ui;		/* a CREATE in flight needs it */
	char		*dest;		/* owned: [TRYCREATE]'s folder, or NULL */
};

/* sync-mailbox: the messages marked deleted, leaving. */
struct purge {
	struct ui	*ui;
	struct imap_seqset uids;
	char		*trash;		/* owned; NULL: expunge */
	uint32_t	 count;
	unsigned	 gen;		/* another folder since: nothing to do */
	bool		 then_quit;	/* quit once done (the delete question) */
};

typedef void index_fn(struct ui *, struct index_state *);

/* UID sets (index.c). */
bool	 index_uidset_has(const struct uidset *, uint32_t);
void	 index_uidset_add(struct uidset *, uint32_t);
void	 index_uidset_del(struct uidset *, uint32_t);
void	 index_uidset_clear(struct uidset *);
/* The state, brought up to date (rebuilt when dirty). */
struct index_state *index_state_of(struct ui *);
/* The message of display row vi, or NULL; the one under the cursor. */
const struct mail_msg *index_row_msg(struct ui *, struct index_state *, size_t vi);
const struct mail_msg *index_current(struct ui *, struct index_state *);
void	 index_set_cursor(struct ui *, struct index_state *, size_t vi);
/* mutt's ~f ~s ~F... said in crispin's search language (malloc'd). */
char	*index_translate_pattern(const char *);
/* The query over a record (b: three buffers for decoded headers). */
enum mail_query_truth index_evaluate(const struct mail_query *,
	    const struct mail_msg *, struct buf b[3]);

/* The functions of index_ops.c. */
index_fn index_op_tag, index_op_tag_prefix, index_op_tag_pattern;
index_fn index_op_untag_pattern, index_op_tag_thread, index_op_delete;
index_fn index_op_undelete, index_op_delete_thread, index_op_undelete_thread;
index_fn index_op_delete_pattern, index_op_undelete_pattern;
index_fn index_op_toggle_new, index_op_flag, index_op_read_thread;
index_fn index_op_save, index_op_copy, index_op_archive, index_op_sync;
/* quit: with messages marked deleted, the `delete` question (mutt's),
 * then the purge, then the end; else the end at once. */
index_fn index_op_quit;
index_fn index_op_limit, index_op_show_limit;
index_fn index_op_set_flag, index_op_clear_flag;
/* Frees what a prompt still held. */
void	 index_ops_free(struct index_state *);

/* The functions of index_more.c: subthreads, the sender's address, pipe,
 * read-only, check for mail. */
index_fn index_op_next_subthread, index_op_prev_subthread;
index_fn index_op_read_subthread, index_op_delete_subthread;
index_fn index_op_display_address, index_op_pipe_message;
index_fn index_op_toggle_write, index_op_fetch_mail;
index_fn index_op_search, index_op_search_reverse, index_op_search_next;
index_fn index_op_search_opposite;
/* index_score.c: the score of a message shown (0 without rules); the
 * scores of msgs (their sequence numbers in mseq) into mscores, kept for
 * index_score; the thresholds applied to the ones not seen before. */
int	 index_score(struct index_state *, uint32_t seq);
void	 index_compute_scores(struct ui *, struct index_state *,
	    const struct mail_msg **msgs, const uint32_t *mseq, size_t n,
	    int *mscores);
void	 index_apply_thresholds(struct ui *, struct index_state *,
	    const struct mail_msg **msgs, const int *mscores, size_t n);
/* index.c: a record as the query evaluator sees it (b: three buffers
 * for the decoded headers). */
void	 index_query_msg(const struct mail_msg *, struct buf b[3],
	    struct mail_query_msg *);

#endif
