/*
 * One message of the selected folder, fetched on demand: its part tree
 * (BODYSTRUCTURE) and header first, then only the parts that are shown,
 * and attachments streamed in partial fetches so that a big one is never
 * held whole in memory. Fetched text goes through the cache of body parts
 * when there is one, so showing a message twice costs no body fetch.
 *
 * The message installs the client's literal sink for its lifetime (one
 * message per client at a time) and takes the BODY[...] and BINARY[...]
 * literals of its own FETCH commands; everything else is left alone.
 */
#ifndef CRISPIN_MAIL_MESSAGE_H
#define CRISPIN_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"
#include "crispin/imap_client.h"
#include "crispin/mailcap.h"
#include "crispin/mime_part.h"
#include "crispin/store.h"

struct mail_message;

struct mail_message_params {
	const char	*folder;	/* UTF-8 name (the cache key); borrowed */
	uint32_t	 uidvalidity;	/* of the selected folder; 0: no cache */
	struct store	*store;		/* borrowed; NULL: no cache */
	/* Where parts the server cannot send as BINARY are noted (the same
	 * account's store, also without a part cache); borrowed, or NULL. */
	struct store	*notes;
	bool		 no_binary;	/* never use BINARY even when offered */
	size_t		 chunk;		/* partial fetch size; 0: 1 MiB */
};

/* status 0, or -1 with error (a sentence; valid during the call). */
typedef void mail_message_cb(struct mail_message *, int status, const char *error,
	    void *arg);
/* Gets each piece of a streamed part in order; returns -1 to stop (the
 * stream then fails with the error set by the writer, or a generic one). */
typedef int mail_message_write_cb(const void *data, size_t len, void *arg);

/* The client must have selected the folder; the message's UID is uid.
 * A NULL client works offline: only what the cache has (anything else
 * fails, naming what is missing), and no streaming. */
struct mail_message *mail_message_new(struct imap_client *,
	    const struct mail_message_params *, uint32_t uid);
/* Removes the literal sink; commands still in flight complete unheard. */
void	 mail_message_free(struct mail_message **);

/* Fetches BODYSTRUCTURE and the header (or takes them from the cache,
 * then only checks that the UID still exists). */
void	 mail_message_load(struct mail_message *, mail_message_cb *, void *arg);
/* After a successful load. The tree lives as long as the message. */
const struct mime_part *mail_message_root(const struct mail_message *);
const char *mail_message_header(const struct mail_message *, size_t *len);
uint32_t mail_message_uid(const struct mail_message *);

/*
 * Fetches into memory the bodies of the shown parts that need one
 * (MIME_SHOW_INLINE: the part, MIME_SHOW_HEADERS: its SPEC.HEADER), in one
 * command, from the cache where it has them. Then mail_message_body gives
 * each one.
 */
void	 mail_message_fetch_shown(struct mail_message *, const struct mime_shown *,
	    size_t n, mail_message_cb *, void *arg);
/* The bytes fetched for section ("1.2", "2.HEADER"); *decoded is true when
 * they came transfer-decoded (BINARY). NULL when not fetched. */
const char *mail_message_body(const struct mail_message *, const char *section,
	    size_t *len, bool *decoded);

/*
 * Streams a section to write in partial fetches of chunk bytes: "" is
 * the whole message, as stored. With decode, a leaf part's transfer
 * encoding is undone (BINARY when the server offers it, else the
 * streaming decoders). done follows the last write.
 *
 * BINARY (here and for shown parts) is asked together with BINARY.SIZE,
 * which makes Dovecot refuse a part it cannot decode with NO instead of
 * dropping the connection; a refusal is noted (params.notes) and the part
 * fetched encoded. A connection lost during a BINARY fetch fails the
 * operation with mail_message_binary_dropped true: the caller runs it
 * again on a new connection, where the note keeps BINARY off.
 */
void	 mail_message_stream(struct mail_message *, const char *section, bool decode,
	    mail_message_write_cb *write, void *write_arg, mail_message_cb *done,
	    void *arg);
/* Bytes received by the current or last stream (progress). */
uint64_t mail_message_streamed(const struct mail_message *);
/* Bytes the current stream will receive in all (BINARY.SIZE, or the
 * part's size as sent); 0 while unknown. */
uint64_t mail_message_stream_total(const struct mail_message *);
/* The last operation failed because the connection was lost while a
 * BINARY fetch was running. */
bool	 mail_message_binary_dropped(const struct mail_message *);

/*
 * Display text of the message as the pager shows it: the header fields
 * (those config would not weed; all when ignored is NULL), then each shown
 * part: inline text rendered (HTML through mailcap's copiousoutput entry
 * when mc has one, else the built-in converter), embedded messages' headers,
 * and one line per part not shown naming how to save it. Everything that
 * came from the message is made terminal-safe.
 */
struct mail_render_opts {
	unsigned	 width;		/* 0: 78 */
	const struct mailcap *mailcap;	/* NULL: built-in HTML converter */
	/* Header fields to hide; NULL shows all. */
	bool		(*ignored)(const char *field, void *arg);
	void		*ignored_arg;
	bool		 no_header;	/* one part shown: no message header */
	const char	*folder;	/* for the save hint; NULL: INBOX */
};
void	 mail_message_render(struct buf *out, const struct mail_message *,
	    const struct mime_shown *, size_t n, const struct mail_render_opts *);
/* One header block, decoded and terminal-safe, indented by indent. */
void	 mail_render_headers(struct buf *out, const char *raw, size_t len,
	    unsigned indent, const struct mail_render_opts *);
/* One part's body as text (the pager's form). */
void	 mail_render_part(struct buf *out, const struct mime_part *, const char *body,
	    size_t len, bool decoded, const struct mail_render_opts *);
/* "[-- attachment 2: report.pdf, application/pdf, 20 MB: crispin save 7 2 --]";
 * folder (NULL or INBOX: none) adds "-f FOLDER" to the command shown. */
void	 mail_render_attachment(struct buf *out, const struct mime_part *, uint32_t uid,
	    const char *folder);
/* A size for people: "532 B", "12 KB", "20 MB". */
void	 mail_render_size(struct buf *out, uint64_t bytes);

#endif
