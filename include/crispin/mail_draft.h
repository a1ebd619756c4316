/*
 * A message being composed: its header fields as the user sees and types
 * them, the body text and the attachments, before the MIME writer
 * (mime_compose.h) turns it into bytes. The constructors build new
 * messages, replies (to the sender, the group, the list) and forwards
 * (inline or as message/rfc822) the way mutt users expect; the editor
 * file round trip lets the user change all of it in $EDITOR.
 *
 * Every string is UTF-8 and owned by the draft. Header values never hold
 * CR or LF: whatever comes from a message is made one line and terminal-
 * safe before it is put in a draft.
 */
#ifndef CRISPIN_MAIL_DRAFT_H
#define CRISPIN_MAIL_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/mime_compose.h"
#include "crispin/mime_part.h"

struct mail_draft_attachment {
	char		*path;		/* owned; NULL when data holds the bytes */
	char		*name;		/* owned; NULL: the base name of path */
	char		*content_type;	/* owned; NULL: guessed when written */
	char		*data;		/* owned, len bytes; when path is NULL */
	size_t		 len;
	char		*description;	/* owned; Content-Description, or NULL */
};

struct mail_draft {
	/* Address lists as typed ("Ann <a@x>, b@y"); NULL: none. */
	char		*from;
	char		*to;
	char		*cc;
	char		*bcc;
	char		*reply_to;
	char		*subject;
	char		*in_reply_to;	/* "<id>" */
	char		*references;	/* "<id1> <id2> ..." */
	char		*fcc;		/* folder for the sent copy; NULL: record */
	char		**extra;	/* "Name: value", NULL-terminated; NULL: none */
	size_t		 nextra;
	struct buf	 body;		/* LF line ends */
	struct mail_draft_attachment *attachments;
	size_t		 nattachments;
	/* What the user should be told about how the draft was built
	 * ("no List-Post header: replying to the sender"); NULL: nothing. */
	char		*note;
};

/* Settings of the constructors; pointers borrowed. mail_draft_opts_init
 * fills them from the configuration. */
struct mail_draft_opts {
	const char	*from;		/* "Name <a@b>" or "a@b"; NULL: none */
	const char	*realname;	/* display name when from has none */
	const char	*alternates;	/* space-separated extended regular
					 * expressions: the user's other addresses */
	const char	*attribution;	/* %n name, %a address, %d date, %s subject */
	const char	*indent_string;	/* NULL: "> " */
	const char	*date_format;	/* strftime(3); a leading "!": C locale */
	const char	*signature;	/* path; NULL or missing file: none */
	const char	*alternative_order; /* NULL: text/plain, then text/html */
	const char	*user_agent;	/* User-Agent value; NULL: none */
	bool		 edit_headers;	/* the editor file has the headers on top */
};

enum mail_reply_mode {
	MAIL_REPLY_SENDER,	/* Reply-To, else From */
	MAIL_REPLY_GROUP,	/* also every To and Cc but the user's own */
	MAIL_REPLY_LIST,	/* the List-Post address, else the sender */
};

/* The message replied to or forwarded; pointers borrowed. */
struct mail_original {
	const char	*header;	/* its raw header block */
	size_t		 header_len;
	const char	*text;		/* its display text (mail_draft_display_text) */
	size_t		 text_len;
	const char	*raw;		/* the whole message as stored: needed
					 * only to forward it as an attachment */
	size_t		 raw_len;
};

void	 mail_draft_init(struct mail_draft *);
/* Frees everything the draft owns and leaves it empty (init state). */
void	 mail_draft_clear(struct mail_draft *);
/* Replaces *field with a copy of value (NULL or "" unsets it). */
void	 mail_draft_set(char **field, const char *value);
/* Adds "name: value" to the extra headers; -1 with *error_r when name is
 * no field name or is one the draft has a field for. */
int	 mail_draft_add_header(struct mail_draft *, const char *name,
	    const char *value, char **error_r);
/* Adds a file (name NULL: its base name) or bytes (copied). */
void	 mail_draft_attach_file(struct mail_draft *, const char *path,
	    const char *name);
void	 mail_draft_attach_data(struct mail_draft *, const void *data, size_t len,
	    const char *content_type, const char *name);

/* The options from the configuration; the strings stay owned by cfg.
 * user_agent is the given default string when the user_agent option is
 * on, else NULL. */
void	 mail_draft_opts_init(struct mail_draft_opts *, const struct config *,
	    const char *user_agent);
/* The From field the options give ("Real Name <a@b>"), malloc'd; NULL
 * when from is unset. */
char	*mail_draft_from(const struct mail_draft_opts *);

/*
 * The constructors replace what the draft held. text (NULL: none) is the
 * user's new text where the editor's cursor would go: at the top of a new
 * message or a forward, below the quote of a reply; the signature always
 * comes last.
 */
/* A new message: From from the options, To and Subject as given (may be
 * NULL). */
void	 mail_draft_new(struct mail_draft *, const struct mail_draft_opts *,
	    const char *to, const char *subject, const char *text);
/*
 * A reply to orig: recipients by mode (the user's own addresses, from and
 * alternates, removed from a group reply; duplicates dropped), "Re: "
 * once before the subject, In-Reply-To and References, the attribution
 * line and the quoted text without its signature, then the signature.
 * Returns 0, or -1 with *error_r (malloc'd): the original has no sender,
 * or alternates is no valid regular expression.
 */
int	 mail_draft_reply(struct mail_draft *, const struct mail_draft_opts *,
	    const struct mail_original *, enum mail_reply_mode, const char *text,
	    char **error_r);
/*
 * A forward of orig: "Fwd: " before the subject; the body a "-----
 * Forwarded message from ... -----" block with the chief header fields
 * and the text, or with attach the raw message as a message/rfc822
 * attachment (orig->raw must be set). The signature follows.
 */
void	 mail_draft_forward(struct mail_draft *, const struct mail_draft_opts *,
	    const struct mail_original *, bool attach, const char *text);

/* "Re: subject" for a decoded subject: leading Re:, RE:, Aw:, Sv:, ...
 * prefixes dropped, one "Re: " added. "Fwd: " likewise with forward. */
char	*mail_draft_reply_subject(const char *subject);
char	*mail_draft_forward_subject(const char *subject);
/* True when addr (a bare address) is the user's: from or alternates.
 * -1 with *error_r when alternates is no valid expression. */
int	 mail_draft_is_mine(const struct mail_draft_opts *, const char *addr,
	    char **error_r);
/* Appends text quoted for a reply: the signature dropped (from the last
 * "-- " line on), each line prefixed with indent (default "> "), already
 * quoted lines with the indent's trailing blanks dropped (">> " not
 * "> > "), empty lines with the bare indent. */
void	 mail_draft_quote(struct buf *out, const char *text, size_t len,
	    const char *indent);

/*
 * The display text of a message for quoting: each shown inline part
 * decoded, converted to UTF-8, HTML made text, format=flowed joined into
 * paragraphs (quote levels written ">> " style), made terminal-safe.
 * body gives a part's fetched bytes by section ("1.2"); NULL when
 * missing (the part is then left out).
 */
typedef const char *mail_draft_body_fn(const char *section, size_t *len,
	    bool *decoded, void *arg);
void	 mail_draft_display_text(struct buf *out, const struct mime_shown *,
	    size_t n, mail_draft_body_fn *body, void *arg);
/* mime_select_display with alternative_order as the option gives it
 * (space-separated types; NULL: text/plain, then text/html). */
size_t	 mail_draft_select(const struct mime_part *root,
	    const char *alternative_order, struct arena *, struct mime_shown **);
/* The same for a message held whole in memory; header_len_r gets the
 * length of its header block. Returns 0, or -1 with *error_r when raw is
 * no message. */
int	 mail_draft_raw_text(struct buf *out, const char *raw, size_t len,
	    const char *alternative_order, size_t *header_len_r, char **error_r);

/*
 * A draft rebuilt from a postponed message (raw, as stored): From, To,
 * Cc, Bcc, Reply-To, Subject (decoded), In-Reply-To, References and the
 * other fields a user may write; the first text/plain part (unless it is
 * an attachment) decoded to UTF-8 as the body; every other part as a data
 * attachment with its bytes, file name, type and description, so that it
 * goes out again byte-identical. X-Crispin-Fcc gives fcc (the reply and
 * forward headers below are left to the caller). Replaces what
 * the draft held. Returns 0, or -1 with *error_r (malloc'd) when raw is
 * no message.
 */
int	 mail_draft_from_message(struct mail_draft *, const char *raw, size_t len,
	    char **error_r);
/* The header that carries a postponed draft's fcc. */
#define MAIL_DRAFT_FCC_HEADER	"X-Crispin-Fcc"
/* Headers of a postponed reply or forward: "UID FOLDER" of the original,
 * to mark it \Answered or $Forwarded once the draft is sent. They are
 * not part of the rebuilt draft. */
#define MAIL_DRAFT_REPLY_HEADER		"X-Crispin-Reply"
#define MAIL_DRAFT_FORWARD_HEADER	"X-Crispin-Forward"

/*
 * The editor file: with edit_headers the header fields (From, To, Cc,
 * Bcc, Subject, Reply-To, the extra headers, an "Attach: PATH [NAME]"
 * line per attached file) then an empty line, then the body; else the
 * body only.
 */
void	 mail_draft_file_write(const struct mail_draft *, bool edit_headers,
	    struct buf *out);
/*
 * Reads an edited file back. With edit_headers the header lines replace
 * the fields (a field left out or empty is unset; In-Reply-To and
 * References are kept unless given), unknown fields become extra headers,
 * Attach: lines name the files attached (data attachments are kept). The
 * body is taken as typed. Returns 0, or -1 with *error_r (malloc'd) and
 * the draft unchanged: a malformed header line or an Attach: file that
 * cannot be read.
 */
int	 mail_draft_file_read(struct mail_draft *, bool edit_headers,
	    const char *text, size_t len, char **error_r);

/* The editor command: the editor option, else $VISUAL, else $EDITOR,
 * else "vi". */
const char *mail_draft_editor(const struct config *);
/*
 * Writes the draft to a new 0600 file in a private 0700 directory under
 * tmpdir (NULL: $TMPDIR, else /tmp), runs editor on it through /bin/sh
 * (the file name passed as "$1", never put in the command text) and
 * waits, then reads the file back. *path_r (malloc'd) is the file's path
 * whenever it was created, also on failure, so that nothing typed is
 * lost; mail_draft_discard removes it. A file the editor never saved
 * aborts, and for a new message (new_message) also one saved unchanged.
 * Blocks while the editor runs: a screen must give up the
 * terminal around the call. Returns 0, or -1 with *error_r: the file
 * could not be written, the editor failed or exited non-zero, or the
 * message was not changed ("Aborted: message not changed").
 */
int	 mail_draft_edit(struct mail_draft *, bool edit_headers, const char *editor,
	    const char *tmpdir, bool new_message, char **path_r, char **error_r);
/* Removes the editor file and its directory. */
void	 mail_draft_discard(const char *path);

/*
 * Fills c to write the draft: pointers into d (valid while d is not
 * changed) and opts (user_agent); *att_r is a malloc'd array for the
 * attachments (NULL when none) that the caller frees. Date and
 * Message-ID are left for the writer to make.
 */
void	 mail_draft_to_compose(const struct mail_draft *,
	    const struct mail_draft_opts *, struct mime_compose *c,
	    struct mime_attachment **att_r);

#endif
