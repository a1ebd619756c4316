/*
 * Typed views of IMAP response data, decoded from the parser's argument
 * trees: FETCH items (ENVELOPE, BODYSTRUCTURE, sections), LIST, STATUS,
 * ESEARCH, NAMESPACE, VANISHED, response codes. Results live in the arena
 * passed in (normally the response arena, or one the caller keeps).
 * Decoders return 0, or -1 with *error_r (malloc'd) naming what was wrong;
 * a bad item never crashes. error_r may be NULL. Every string is copied
 * into the arena, so results outlive the response when the arena does.
 */
#ifndef CRISPIN_IMAP_DATA_H
#define CRISPIN_IMAP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crispin/arena.h"
#include "crispin/imap_parser.h"
#include "crispin/imap_seqset.h"

/* System flags as bits; anything else is a keyword string. */
#define IMAP_FLAG_SEEN		0x01
#define IMAP_FLAG_ANSWERED	0x02
#define IMAP_FLAG_FLAGGED	0x04
#define IMAP_FLAG_DELETED	0x08
#define IMAP_FLAG_DRAFT		0x10
#define IMAP_FLAG_RECENT	0x20
#define IMAP_FLAG_ANY		0x40	/* "\*" in PERMANENTFLAGS */

struct imap_flags {
	unsigned	  bits;
	const char	**keywords;	/* as sent, e.g. "$Forwarded", "work" */
	size_t		  nkeywords;
};

/* The bit of a system flag ("\Seen", any case), 0 for keywords; and the
 * canonical spelling of one bit, NULL if none. */
unsigned imap_flag_bit(const char *name);
const char *imap_flag_name(unsigned bit);

/* A list of flags "(\Seen \Draft foo)". */
int	imap_flags_parse(const struct imap_arg *, struct arena *, struct imap_flags *,
	    char **error_r);

/* CAPABILITY data or [CAPABILITY ...] code: upper-cased atoms. */
struct imap_caps {
	const char	**names;
	size_t		  count;
};
int	 imap_caps_parse(const struct imap_arg *args, size_t argc, struct arena *,
	    struct imap_caps *, char **error_r);
bool	 imap_caps_has(const struct imap_caps *, const char *upper);

/* ENVELOPE (RFC 3501 7.4.2). Strings are raw (RFC 2047 undecoded), NULL for NIL. */
struct imap_address {
	const char	*name;
	const char	*adl;
	const char	*mailbox;	/* group start: group name, host NULL */
	const char	*host;		/* NULL with mailbox NULL: group end */
};
struct imap_address_list {
	struct imap_address *addrs;
	size_t		 count;
};
struct imap_envelope {
	const char	*date;
	const char	*subject;
	struct imap_address_list from, sender, reply_to, to, cc, bcc;
	const char	*in_reply_to;
	const char	*message_id;
};
int	imap_envelope_parse(const struct imap_arg *, struct arena *,
	    struct imap_envelope *, char **error_r);

/* BODYSTRUCTURE / BODY. */
struct imap_param {
	const char	*name;		/* lower-cased */
	const char	*value;
};
struct imap_body {
	const char	*type;		/* lower-cased: "text", "multipart", ... */
	const char	*subtype;	/* lower-cased */
	struct imap_param *params;
	size_t		 nparams;
	/* Single parts. */
	const char	*id;
	const char	*description;
	const char	*encoding;	/* lower-cased */
	uint64_t	 size;
	uint32_t	 lines;		/* text parts and message/rfc822 */
	struct imap_envelope *envelope;	/* message/rfc822 */
	struct imap_body *message;	/* message/rfc822: the inner body */
	/* Multiparts. */
	struct imap_body *children;
	size_t		 nchildren;
	/* Extension data (NULL/0 when the server sent none). */
	const char	*md5;
	const char	*disposition;	/* lower-cased: "attachment", "inline" */
	struct imap_param *disp_params;
	size_t		 ndisp_params;
	const char	**languages;
	size_t		 nlanguages;
	const char	*location;
	/*
	 * Part specifier for BODY[...] (RFC 3501 6.4.5): "1.2". A multipart
	 * at the top is "" (its children are "1", "2", ...); a single part at
	 * the top is "1". The body inside a message/rfc822 part "2" is "2.1"
	 * when it is a single part, or "2" when it is a multipart (its
	 * children are then "2.1", "2.2", ...).
	 */
	const char	*part;
	struct imap_body *parent;	/* NULL at the top */
};
/* Limits nesting to max_depth (0: 64). Tolerated deviations: "()" for no
 * parameters, NIL encoding, a disposition without its parameter list. */
int	imap_body_parse(const struct imap_arg *, struct arena *, unsigned max_depth,
	    struct imap_body **, char **error_r);
const char *imap_body_param(const struct imap_body *, const char *name);

/* One FETCH response. has_* tell which items were present. */
struct imap_section {
	const char	*spec;		/* "BODY[1.2]" / "BINARY[1]" / "RFC822.HEADER"
					 * as sent, without the <origin> */
	const char	*section;	/* "1.2", "HEADER.FIELDS (FROM)", "";
					 * RFC822.HEADER gives "HEADER",
					 * RFC822.TEXT "TEXT", RFC822 "" */
	bool		 binary;	/* BINARY[...] */
	bool		 has_origin;
	uint32_t	 origin;	/* <origin> of a partial fetch */
	const struct imap_arg *data;	/* string, NIL or LITERAL_STREAMED;
					 * a copy in the arena */
};
struct imap_fetch {
	uint32_t	 seq;
	bool		 has_uid, has_flags, has_internaldate, has_size, has_modseq;
	bool		 has_savedate;
	uint32_t	 uid;
	struct imap_flags flags;
	time_t		 internaldate;	/* UTC seconds */
	int		 internaldate_tz;	/* minutes east of UTC */
	uint64_t	 size;		/* RFC822.SIZE */
	uint64_t	 modseq;
	time_t		 savedate;	/* SAVEDATE; has_savedate false for NIL */
	struct imap_envelope *envelope;
	struct imap_body *body;		/* BODYSTRUCTURE or BODY */
	const char	*emailid;	/* OBJECTID */
	const char	*threadid;	/* NULL for NIL */
	struct imap_section *sections;	/* BODY[...]/BINARY[...]/RFC822* */
	size_t		 nsections;
	struct {			/* BINARY.SIZE[section] */
		const char	*section;
		uint64_t	 size;
	}		*binary_sizes;
	size_t		 nbinary_sizes;
};
/* resp must be an untagged FETCH. Unknown items are skipped. */
int	imap_fetch_parse(const struct imap_response *, struct arena *,
	    struct imap_fetch *, char **error_r);

/* INTERNALDATE "17-Jul-1996 02:44:25 -0700". */
int	imap_date_time_parse(const char *, time_t *utc, int *tz_minutes);

/* LIST / LSUB (with RFC 5258 extended data, RFC 6154 special use). */
#define IMAP_MBOX_NOSELECT	0x0001
#define IMAP_MBOX_NOINFERIORS	0x0002
#define IMAP_MBOX_MARKED	0x0004
#define IMAP_MBOX_UNMARKED	0x0008
#define IMAP_MBOX_HASCHILDREN	0x0010
#define IMAP_MBOX_HASNOCHILDREN	0x0020
#define IMAP_MBOX_NONEXISTENT	0x0040
#define IMAP_MBOX_SUBSCRIBED	0x0080
#define IMAP_MBOX_REMOTE	0x0100
struct imap_list {
	const char	*name;		/* as sent (modified UTF-7 unless UTF8=ACCEPT);
					 * "INBOX" in any case is "INBOX" */
	char		 delimiter;	/* 0 for NIL */
	unsigned	 attrs;		/* IMAP_MBOX_* */
	/* RFC 6154: "\Sent", "\Drafts", "\Trash", "\Junk", "\Archive",
	 * "\All", "\Flagged", "\Important" spelt as here whatever the case
	 * sent (compare with strcmp); NULL if none. A second one, if any,
	 * goes to other_attrs. \NonExistent also sets IMAP_MBOX_NOSELECT. */
	const char	*special_use;
	const char	*oldname;	/* OLDNAME extended data */
	bool		 childinfo_subscribed;
	const char	**other_attrs;	/* unknown attributes, as sent */
	size_t		 nother_attrs;
};
int	imap_list_parse(const struct imap_response *, struct arena *, struct imap_list *,
	    char **error_r);

/* STATUS. */
#define IMAP_STATUS_MESSAGES	0x01
#define IMAP_STATUS_UNSEEN	0x02
#define IMAP_STATUS_RECENT	0x04
#define IMAP_STATUS_UIDNEXT	0x08
#define IMAP_STATUS_UIDVALIDITY	0x10
#define IMAP_STATUS_HIGHESTMODSEQ 0x20
#define IMAP_STATUS_SIZE	0x40
#define IMAP_STATUS_DELETED	0x80
struct imap_status_data {
	const char	*mailbox;
	unsigned	 have;		/* IMAP_STATUS_* present */
	uint32_t	 messages, unseen, recent, uidnext, uidvalidity, deleted;
	uint64_t	 highestmodseq, size;
};
int	imap_status_parse(const struct imap_response *, struct arena *,
	    struct imap_status_data *, char **error_r);

/* ESEARCH (RFC 4731, RFC 9051) with PARTIAL (RFC 9394); also plain SEARCH
 * results are returned in all (with "(MODSEQ n)" in modseq). all and
 * partial are normalized. es is filled from scratch; on error it is left
 * empty and needs no imap_esearch_free. */
struct imap_esearch {
	const char	*tag;		/* (TAG "A1") or NULL; owned (malloc'd) */
	bool		 uid;
	bool		 has_min, has_max, has_count, has_modseq;
	uint32_t	 min, max, count;
	uint64_t	 modseq;
	struct imap_seqset all;		/* ALL, or SEARCH numbers; owned: free with imap_seqset_free */
	bool		 has_partial;
	int64_t		 partial_lo, partial_hi;	/* negative: from the end;
					 * |lo| <= |hi|: "-1:-100" */
	struct imap_seqset partial;
};
int	 imap_esearch_parse(const struct imap_response *, struct imap_esearch *,
	    char **error_r);
void	 imap_esearch_free(struct imap_esearch *);
/* Adds the numbers of a SEARCH or ESEARCH ALL answer to set; -1 when r
 * is neither (or malformed). */
int	 imap_esearch_collect(const struct imap_response *, struct imap_seqset *);

/* SORT and THREAD (RFC 5256, data_sort.c). The numbers are UIDs after UID
 * SORT / UID THREAD. On success the array is malloc'd (the caller frees
 * it, even when empty); on error nothing is allocated. */
/* "* SORT 5 3 4": the numbers in the server's order. */
int	 imap_sort_parse(const struct imap_response *, uint32_t **nums_r,
	    size_t *n_r, char **error_r);
/* "* THREAD (2)(3 6 (4 23)(44 7 96))": the messages in display order
 * (each thread's root, then its branches depth first) with their depth
 * in their thread; a parent the server lacks ("((3)(5))") is a node of
 * num 0. */
struct imap_thread_node {
	uint32_t	 num;		/* 0: a missing parent */
	uint32_t	 depth;		/* 0: a thread's root */
};
int	 imap_thread_parse(const struct imap_response *,
	    struct imap_thread_node **nodes_r, size_t *n_r, char **error_r);

/* NAMESPACE (RFC 2342). */
struct imap_ns {
	const char	*prefix;
	char		 delimiter;
};
struct imap_namespaces {
	struct imap_ns	*personal, *other, *shared;
	size_t		 npersonal, nother, nshared;
};
int	imap_namespace_parse(const struct imap_response *, struct arena *,
	    struct imap_namespaces *, char **error_r);

/* VANISHED [(EARLIER)] uid-set (RFC 7162). uids is appended to, and left
 * alone on error. */
int	imap_vanished_parse(const struct imap_response *, bool *earlier,
	    struct imap_seqset *uids, char **error_r);

/* ID list (RFC 2971): names lower-cased, values NULL for NIL; "ID NIL"
 * gives none. (ENABLED data is read with imap_caps_parse.) */
int	imap_id_parse(const struct imap_response *, struct arena *,
	    struct imap_param **, size_t *count, char **error_r);

/* Response codes: 0, or -1 if the code is not that one or malformed; the
 * outputs are only touched on success. UID sets with '*' are malformed. */
/* A number argument of UIDVALIDITY, UIDNEXT, UNSEEN, HIGHESTMODSEQ, ... */
int	imap_code_number(const struct imap_response *, uint64_t *out);
/* [APPENDUID uidvalidity uid-set] */
int	imap_code_appenduid(const struct imap_response *, uint32_t *uidvalidity,
	    struct imap_seqset *uids);
/* The OK of an APPEND of one message: its [APPENDUID v uid]. 0, or -1
 * (another answer, or a set of UIDs). */
int	imap_code_appenduid_one(const struct imap_response *, uint32_t *uidvalidity,
	    uint32_t *uid);
/* [COPYUID uidvalidity src-set dst-set]; the sets are appended as sent,
 * not normalized, so that the n-th source UID maps to the n-th one. */
int	imap_code_copyuid(const struct imap_response *, uint32_t *uidvalidity,
	    struct imap_seqset *src, struct imap_seqset *dst);

#endif
