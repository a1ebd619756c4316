/*
 * Sorting and threading of a folder's messages: pure functions over an
 * array of message records (mail_folder.h), nothing kept between calls.
 * Both cost O(n log n); the index calls them again whenever the folder
 * changed, so 100 000 messages must stay fast.
 *
 * Threads follow JWZ's algorithm (https://www.jwz.org/doc/threading.html)
 * over Message-ID, References and In-Reply-To: a message whose parent is
 * missing still hangs under the nearest ancestor that is present; loops in
 * References are broken; a duplicate Message-ID makes a message of its
 * own.
 */
#ifndef CRISPIN_MAIL_THREAD_H
#define CRISPIN_MAIL_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/mail_folder.h"

enum mail_sort_key {
	MAIL_SORT_DATE,			/* Date header, else arrival */
	MAIL_SORT_DATE_SENT,		/* the same */
	MAIL_SORT_DATE_RECEIVED,	/* arrival (INTERNALDATE) */
	MAIL_SORT_FROM,			/* the author's name, else address */
	MAIL_SORT_SUBJECT,		/* without Re:, Fwd: and the like */
	MAIL_SORT_SIZE,
	MAIL_SORT_THREADS,
	MAIL_SORT_UNSORTED,		/* arrival order (UID) */
	MAIL_SORT_SCORE,		/* the highest score first */
};

struct mail_sort {
	enum mail_sort_key key;
	bool		 reverse;
	enum mail_sort_key aux;		/* ties, and order inside threads */
	bool		 aux_reverse;
	/* Borrowed: the score of each message given (same index as msgs),
	 * for MAIL_SORT_SCORE; NULL: every score is 0. */
	const int	*scores;
};

/* "date", "reverse-subject", ... (the values of the sort option): 0, or
 * -1 when name is no sort order. */
int	 mail_sort_parse(const char *name, enum mail_sort_key *, bool *reverse);
/* "date", "threads", ... */
const char *mail_sort_name(enum mail_sort_key);

/*
 * Puts order (n indices into msgs) in the order s asks for; equal
 * messages keep UID order. MAIL_SORT_THREADS sorts by s->aux here (the
 * threads themselves come from mail_thread_build).
 */
void	 mail_sort(const struct mail_msg *const *msgs, uint32_t *order, size_t n,
	    const struct mail_sort *s);

/* One line of the threaded display, in display order. */
struct mail_thread_row {
	uint32_t	 msg;		/* index into the msgs given */
	uint32_t	 parent;	/* row of the parent; MAIL_THREAD_NONE */
	uint32_t	 root;		/* row of the thread's first message */
	uint32_t	 depth;		/* 0 for the root */
	uint32_t	 size;		/* messages in the thread (on every row) */
	bool		 last;		/* the last child of its parent */
	bool		 orphan;	/* its real parent is missing */
};
#define MAIL_THREAD_NONE	UINT32_MAX

/*
 * Threads the n messages (records without headers are threads of their
 * own) and returns the n rows in display order: threads ordered by
 * their root under s->aux (reversed by s->reverse, as mutt's
 * reverse-threads), children under s->aux. With aux = score, threads go
 * by the best score among their messages. *rows_r is malloc'd; every
 * message appears exactly once.
 */
void	 mail_thread_build(const struct mail_msg *const *msgs, size_t n,
	    const struct mail_sort *s, struct mail_thread_row **rows_r);

/*
 * The rows of a server's thread tree (o from mail_folder_order, with
 * depth) while the folder loads: the tree's order over the n messages
 * given, each under its nearest ancestor given (an orphan when its own
 * parent is not), then the messages the tree lacks as threads of their
 * own. *rows_r is malloc'd, n rows.
 */
void	 mail_thread_from_order(const struct mail_msg *const *msgs, size_t n,
	    const struct mail_folder_order *o, struct mail_thread_row **rows_r);
/* order (n indices into msgs) in the server's order o (a SORT answer);
 * messages it lacks go last, by UID. */
void	 mail_sort_by_order(const struct mail_msg *const *msgs, uint32_t *order,
	    size_t n, const struct mail_folder_order *o);
/*
 * What to ask the server for a cold open in the order s: true with the
 * RFC 5256 SORT criteria in out ("REVERSE SUBJECT DATE") or *thread set
 * (UID THREAD REFERENCES); false for the orders the newest-first load
 * already approximates (date, date-received, unsorted) or the server
 * cannot give (score).
 */
bool	 mail_sort_server_order(const struct mail_sort *s, struct buf *out,
	    bool *thread);

/* Helpers shared with the index's format. */
/* The display name of a From value, else its address; decoded UTF-8. */
void	 mail_sort_author(struct buf *, const char *raw);
/* The decoded subject without reply and forward prefixes ("Re: Fwd:"). */
void	 mail_sort_subject(struct buf *, const char *raw);

#endif
