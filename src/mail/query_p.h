/* The query tree, shared by the parser, the IMAP translator and the
 * local evaluator. */
#ifndef CRISPIN_MAIL_QUERY_P_H
#define CRISPIN_MAIL_QUERY_P_H

#include "crispin/arena.h"
#include "crispin/imap_seqset.h"
#include "crispin/mail_query.h"

enum mq_kind {
	MQ_AND,
	MQ_OR,
	MQ_NOT,
	MQ_STRING,	/* from:, subject:, body:, bare words ... */
	MQ_HEADER,
	MQ_DATE,
	MQ_SIZE,
	MQ_FLAG,
	MQ_KEYWORD,
	MQ_UID,
	MQ_ATTACHMENT,	/* IMAP cannot say it: finished locally (also is:tagged) */
};

/* Which header a string term searches. */
enum mq_field {
	MQ_F_FROM,
	MQ_F_TO,
	MQ_F_CC,
	MQ_F_BCC,
	MQ_F_SUBJECT,
	MQ_F_BODY,
	MQ_F_TEXT,
	MQ_F_WORD,	/* bare word: subject or from */
};

/* A day, absolute or counted back from the query's "now". */
struct mq_when {
	bool		 relative;
	int64_t		 lo, hi;	/* absolute: days since 1970-01-01, [lo, hi) */
	unsigned	 n;		/* relative: n units back */
	char		 unit;		/* 'd', 'w', 'm', 'y' */
};

enum mq_date_op {
	MQ_D_SINCE,	/* on or after from.lo */
	MQ_D_BEFORE,	/* before from.lo */
	MQ_D_DURING,	/* from.lo <= day < to.hi; either end may be open */
};

/* A system-flag test: (flags & mask) == want. */
struct mq_flag {
	const char	*name;		/* after is: */
	const char	*imap;		/* search key */
	unsigned	 mask, want;
};

struct mq_node {
	enum mq_kind	 kind;
	size_t		 off;		/* byte offset of the term in the query */
	struct mq_node	**kids;		/* AND, OR: n; NOT: 1 */
	size_t		 nkids, capkids;
	enum mq_field	 field;		/* STRING */
	const char	*str;		/* STRING, HEADER value, KEYWORD */
	const char	*name;		/* HEADER field name */
	enum mq_date_op	 date_op;
	bool		 has_from, has_to;
	struct mq_when	 from, to;
	bool		 larger;	/* SIZE: larger than size, else smaller */
	uint64_t	 size;
	const struct mq_flag *flag;
	const char	*set;		/* UID: the set as given, validated */
	struct imap_seqset uids;	/* UID: ranges in the arena */
	bool		 tagged;	/* ATTACHMENT: the interface's tags instead */
};

struct mail_query {
	struct arena	*arena;		/* owned: every node and string */
	struct mq_node	*root;
	time_t		 now;
	bool		 needs_local;
};

/* Resolves a day to [lo, hi) in days since the epoch, given now. */
void	 mq_when_resolve(const struct mq_when *, time_t now, int64_t *lo, int64_t *hi);

#endif
