/*
 * The index's parts (index.c: order, drawing, moving; index_ops.c: tags,
 * patterns and limit, the message operations).
 */
#ifndef CRISPIN_UI_INDEX_P_H
#define CRISPIN_UI_INDEX_P_H

#include "crispin/mail_query.h"
#include "crispin/mail_thread.h"
#include "ui_p.h"

struct uidset {
	uint32_t	*v;		/* owned, ascending */
	size_t		 n, cap;
};

/* A compiled `color index` pattern. */
struct pattern {
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
	size_t		*vis;		/* owned: the rows shown (collapse) */
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
	/* What a prompt's answer will act on (owned until it answers;
	 * freed here if the interface ends first). */
	struct transfer	*asking_transfer;
	struct purge	*asking_purge;
};

/* Moves and copies: the UIDs wait in the prompt's argument. */
struct transfer {
	struct imap_seqset uids;
	bool		 move;
	unsigned	 gen;
};

/* sync-mailbox: the messages marked deleted, leaving. */
struct purge {
	struct ui	*ui;
	struct imap_seqset uids;
	char		*trash;		/* owned; NULL: expunge */
	uint32_t	 count;
	unsigned	 gen;		/* another folder since: nothing to do */
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
index_fn index_op_limit, index_op_show_limit;
/* Frees what a prompt still held. */
void	 index_ops_free(struct index_state *);

#endif
