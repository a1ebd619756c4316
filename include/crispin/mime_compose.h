/*
 * The MIME writer: what a user typed and attached, turned into an RFC 5322
 * message (RFC 2045-2049 bodies, RFC 2047 header words, RFC 2231
 * parameters, RFC 3676 format=flowed, RFC 6532 UTF-8 headers when the
 * transport allows). All strings given are UTF-8; invalid UTF-8 is sent as
 * it is, never rejected. Output always has CRLF line ends, header lines
 * folded near 78 columns and never over 998 octets, and no given value can
 * start a header line of its own (CR and LF in values become spaces).
 */
#ifndef CRISPIN_MIME_COMPOSE_H
#define CRISPIN_MIME_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"

struct mime_attachment {
	const char	*path;		/* file to read; or NULL and data/len */
	const void	*data;		/* borrowed */
	size_t		 len;
	const char	*filename;	/* name shown; NULL: basename of path
					 * (none when path is NULL too) */
	const char	*content_type;	/* "type/subtype[; params]"; NULL:
					 * mime_guess_type */
	const char	*description;	/* Content-Description; NULL: none */
	bool		 is_inline;	/* Content-Disposition inline, else
					 * attachment */
};

/* Every pointer is borrowed; NULL (or 0, false) means absent or default. */
struct mime_compose {
	/* Address lists as typed ("Ann <a@x>, \"B, C\" <b@y>"); display
	 * names may be non-ASCII. */
	const char	*from;
	const char	*to;
	const char	*cc;
	const char	*bcc;
	const char	*reply_to;
	const char	*subject;
	const char	*in_reply_to;	/* msg-ids as they are */
	const char	*references;
	const char	*message_id;	/* "<id@domain>"; NULL: generated with
					 * the From domain */
	int64_t		 date;		/* UTC seconds; 0: now. Written in the
					 * local zone (TZ) with its offset */
	const char	*user_agent;	/* NULL: no User-Agent */
	const char *const *extra_headers; /* "Name: value", NULL-terminated */
	const char	*body;		/* as typed, \n (or \r\n) line ends; a
					 * missing final newline is added */
	size_t		 body_len;
	bool		 flowed;	/* text/plain; format=flowed (RFC 3676):
					 * trailing blanks of typed lines are
					 * dropped (but "-- "), lines over 78
					 * octets wrapped with soft breaks
					 * (but lines starting with '>', which
					 * are quotes), and lines starting with
					 * "From " or ' ' space-stuffed: readers
					 * show the text as typed, quotes with
					 * their depth */
	const struct mime_attachment *attachments;
	size_t		 nattachments;
	bool		 allow_8bit;	/* the transport has 8BITMIME: UTF-8
					 * text with lines <= 998 goes 8bit */
	bool		 smtputf8;	/* raw UTF-8 in headers (RFC 6532) */
	bool		 keep_bcc;	/* write Bcc: drafts and the outbox
					 * copy, never for the wire */
};

/*
 * Appends the whole message to out: Date, From, Reply-To, To, Cc, (Bcc),
 * Subject, Message-ID, In-Reply-To, References, User-Agent, the extra
 * headers, MIME-Version: 1.0 and the body. Empty or blank address fields
 * are left out; From is required.
 *
 * A single text body is one text/plain part, never a multipart: charset
 * us-ascii or utf-8; 7bit when ASCII, 8bit with allow_8bit, else
 * quoted-printable (base64 when more than a third of it is 8-bit, as in
 * CJK text); lines over 998 octets, NUL and bare CR always force
 * quoted-printable or base64. Invalid UTF-8 goes as it is.
 *
 * With attachments the message is multipart/mixed: the text first
 * (left out when the body is empty), then each attachment under a fresh
 * random boundary that occurs nowhere in the content. text/ attachments
 * without CR or NUL (valid UTF-8, or with a charset given) go as text
 * like the body, their line ends made CRLF; message/ ones 7bit or 8bit
 * as RFC 2046 wants (base64 only when they cannot); all else base64.
 * Extra headers may not be Bcc, Content-*, MIME-Version, Date,
 * Message-ID, or a field a member of the struct already writes; ones
 * with an empty value are dropped.
 *
 * Returns 0, or -1 with *error_r (malloc'd, for the user) and out
 * unchanged: no From, an address list that cannot be parsed, a file that
 * cannot be read, a malformed content type or extra header.
 */
int	 mime_compose_write(const struct mime_compose *, struct buf *out,
	    char **error_r);

/*
 * Appends "Name: value\r\n" for an unstructured value (Subject, ...):
 * ASCII words as they are, runs of non-ASCII words as RFC 2047 "B" or "Q"
 * encoded words of at most 75 characters that never split a UTF-8
 * character, folded near 78 columns. CR, LF and other control characters
 * become spaces, blanks around the value go, runs of more than 16 blanks
 * are cut to 16. name is the field name without the colon.
 */
void	 mime_encode_unstructured(struct buf *out, const char *name,
	    const char *utf8);
/* The same, with raw UTF-8 left as it is (SMTPUTF8, RFC 6532); only
 * folding and control characters are handled. */
void	 mime_encode_unstructured_utf8(struct buf *out, const char *name,
	    const char *utf8);

/*
 * Appends "Name: list\r\n" for an address list as typed: display names
 * written as atoms, quoted strings or encoded words (RFC 2047 5.3) as
 * needed, addresses as they are, groups kept, folded between addresses.
 * With raw_utf8 (SMTPUTF8) non-ASCII names stay UTF-8 in quotes. Returns
 * 0, or -1 with *error_r and nothing appended when an entry is no address
 * (no "@" in it, or stray text) or the list is empty.
 */
int	 mime_encode_addresses(struct buf *out, const char *name,
	    const char *utf8_list, bool raw_utf8, char **error_r);

/*
 * Appends "; attr=value" for a Content-Type or Content-Disposition
 * parameter, with a folding break before it when the line is long: a
 * token or quoted string when value is ASCII, else RFC 2231
 * attr*=utf-8''%XX, split into attr*0*, attr*1*, ... continuations when
 * long. col is the column the line is at; it is updated.
 */
void	 mime_encode_param(struct buf *out, size_t *col, const char *attr,
	    const char *utf8_value);

/* Quoted-printable (RFC 2045 6.7), lines of at most 76 characters, CRLF.
 * text: the input's LF or CRLF are line breaks (written as CRLF); else
 * every byte is encoded, CR and LF as =0D =0A. */
void	 mime_encode_qp(struct buf *out, const void *, size_t, bool text);
/* Base64 in lines of 76 characters, each ended by CRLF. */
void	 mime_encode_base64_lines(struct buf *out, const void *, size_t);

/* A new unique Message-ID, "<random.time@domain>"; domain NULL or empty
 * uses the host name. Malloc'd. */
char	*mime_make_message_id(const char *domain);
/* A new random multipart boundary of 40 characters or so. Malloc'd. */
char	*mime_make_boundary(void);

/*
 * The content type of an attachment, malloc'd: by the extension of
 * filename (may be NULL) in $HOME/.mime.types then /etc/mime.types, else
 * by content: magic numbers (PDF, PNG, JPEG, GIF, ZIP, gzip, ...), then
 * "text/plain" for valid UTF-8 without NUL or most controls, else
 * "application/octet-stream".
 */
char	*mime_guess_type(const char *filename, const void *data, size_t len);

#endif
