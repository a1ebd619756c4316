/*
 * Incremental IMAP response parser (RFC 3501, RFC 9051 and the extensions
 * crispin uses). Bytes are fed as they arrive, split anywhere; each complete
 * response is handed to a callback as a tree of arguments that lives in a
 * per-response arena until the callback returns.
 *
 * Limits are part of the API: bytes of non-literal data per response,
 * list nesting depth, and literal bytes kept in memory. Literals bigger than
 * the memory limit go to a sink (a file for a body part) and are never held
 * whole. A malformed response is reported as IMAP_RESP_ERROR and skipped to
 * its end; parsing goes on with the next response.
 */
#ifndef CRISPIN_IMAP_PARSER_H
#define CRISPIN_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_NIL,
	IMAP_ARG_ATOM,		/* includes numbers, flags (\Seen), and fetch
				 * items with sections: BODY[1.2]<0> is one atom */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,	/* {n} or ~{n} (literal8), held in memory */
	IMAP_ARG_LITERAL_STREAMED,	/* went to the sink; only its size is here */
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	bool		 literal8;	/* ~{n} */
	union {
		struct {		/* ATOM, QUOTED, LITERAL: NUL-terminated */
			const char	*s;	/* quoted: escapes removed */
			size_t		 len;	/* literals may hold NULs */
		} str;
		struct {
			struct imap_arg	*items;
			size_t		 count;
		} list;
		uint64_t	 streamed_size;	/* LITERAL_STREAMED */
	} u;
};

/*
 * An ERROR is delivered as soon as the problem is seen; the rest of that
 * response (up to its line end, following any literal the broken line
 * announced) is then skipped silently. tag, has_number/number and keyword
 * are set when they were parsed before the problem: a tagged ERROR still
 * completes its command.
 */
enum imap_resp_kind {
	IMAP_RESP_TAGGED,
	IMAP_RESP_UNTAGGED,
	IMAP_RESP_CONTINUATION,
	IMAP_RESP_ERROR,	/* malformed; text says why, tag set if known */
};

enum imap_status {
	IMAP_STATUS_NONE,	/* untagged data, continuation */
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_PREAUTH,
	IMAP_STATUS_BYE,
};

/* Everything points into the response arena; valid during the callback. */
struct imap_response {
	enum imap_resp_kind kind;
	const char	*tag;		/* TAGGED (and ERROR when known) */
	enum imap_status status;	/* tagged, and untagged OK/NO/BAD/PREAUTH/BYE */

	/* Status responses: "[CODE args] text". code is upper-cased, NULL if
	 * absent. code_args are the tokens after it (numbers, sequence sets,
	 * lists); code_raw is everything between the code and ']' verbatim,
	 * for codes whose arguments are free text ("" when there is none).
	 * When the arguments do not tokenise (free text with a stray '(' or
	 * '"'), code_args is NULL and only code_raw has them. A '[' with no
	 * ']' on the line is plain text. */
	const char	*code;
	struct imap_arg	*code_args;
	size_t		 code_argc;
	const char	*code_raw;
	/* Human-readable text of a status response, the text or base64 of a
	 * continuation, or the error message of IMAP_RESP_ERROR. Never NULL. */
	const char	*text;

	/* Untagged data: "* 12 EXISTS", "* 3 FETCH (...)": number first. */
	bool		 has_number;
	uint32_t	 number;
	/* Untagged data keyword, upper-cased: CAPABILITY, LIST, FETCH, ...;
	 * for status responses (tagged too) the status word: "OK". */
	const char	*keyword;
	/* The rest of the line, tokenised. An unquoted NIL (any case) is
	 * always IMAP_ARG_NIL, never an atom. */
	struct imap_arg	*args;
	size_t		 argc;
};

struct imap_parser_limits {
	size_t		 max_line;	/* non-literal bytes per response; 0: 1 MiB */
	unsigned	 max_depth;	/* list nesting; 0: 100 */
	size_t		 max_literal_mem; /* bigger literals go to the sink; 0: 1 MiB.
					  * Counts all literals of one response
					  * that are kept in memory. */
};

/*
 * Where big literals go. open is offered every literal when its header is
 * parsed, whatever its size (open may return NULL to decline: the literal
 * is then kept in memory, and is an error if it exceeds max_literal_mem).
 * key is the atom right before the literal in its list (e.g. "BODY[2]<0>")
 * or NULL; number is the response's number (message sequence number of a
 * FETCH), 0 if none.
 */
struct imap_literal_sink {
	void	*(*open)(void *arg, uint32_t number, const char *key, uint64_t size);
	/* Returns -1 to abort the literal (the bytes are then skipped, close
	 * is called with complete false, the response is still delivered
	 * with the LITERAL_STREAMED argument). Never called with len 0. */
	int	 (*write)(void *handle, const void *data, size_t len);
	/* complete: all bytes arrived (false when the parser was freed midway).
	 * Called before the callback sees the response holding the literal. */
	void	 (*close)(void *handle, bool complete);
};

typedef void imap_response_cb(const struct imap_response *, void *arg);

struct imap_parser;

/* limits NULL: defaults. */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *);
void	 imap_parser_free(struct imap_parser **);
/* The sink is copied; NULL removes it. */
void	 imap_parser_set_sink(struct imap_parser *, const struct imap_literal_sink *,
	    void *arg);
/* Feeds bytes; calls cb for each complete response (including ERROR ones).
 * Returns 0, or -1 when the stream cannot be followed any more (say, a
 * literal size past 2^62): *error_r (malloc'd) says why and the connection
 * must go; later feeds fail the same way until imap_parser_reset.
 * cb may call imap_parser_reset (the rest of data is then dropped, as
 * STARTTLS needs) or imap_parser_free (feed returns 0 at once). */
int	 imap_parser_feed(struct imap_parser *, const char *data, size_t len,
	    imap_response_cb *, void *arg, char **error_r);
/* Discards any partial response (after STARTTLS, or a reconnect). */
void	 imap_parser_reset(struct imap_parser *);
/* Inside the callback: how many bytes of the data being fed the response
 * took, up to its last byte. The rest may be in another encoding (after
 * COMPRESS) and is handed on rather than parsed. */
size_t	 imap_parser_offset(const struct imap_parser *);

/* Helpers for consumers of argument trees. The queries take a NULL arg
 * (an optional item) and answer NULL/false. */
/* Atom, quoted or literal as a string; NULL for NIL, lists, streamed. */
const char *imap_arg_str(const struct imap_arg *);
/* Atom only. */
const char *imap_arg_atom(const struct imap_arg *);
bool	 imap_arg_atom_is(const struct imap_arg *, const char *upper);	/* case-insensitive */
bool	 imap_arg_is_nil(const struct imap_arg *);
/* A list's items and count, or false when not a list. */
bool	 imap_arg_list(const struct imap_arg *, const struct imap_arg **items, size_t *count);
/* A number (atom of digits) that fits in max; false otherwise. */
bool	 imap_arg_number(const struct imap_arg *, uint64_t max, uint64_t *out);
/* Writes the tree in IMAP syntax (tests, debug). */
struct buf;
void	 imap_arg_write(struct buf *, const struct imap_arg *);

/* Quoting for commands we send: an atom when safe, else a quoted string,
 * else (CR, LF, NUL or 8-bit without UTF8=ACCEPT) a literal "{n}\r\n..."
 * which the caller must send with continuation or LITERAL+. Returns true
 * when it had to use a literal. */
bool	 imap_quote(struct buf *, const char *s, size_t len, bool utf8_ok);

#endif
