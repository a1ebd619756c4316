/*
 * The index fields of a message from its HEADER.FIELDS block. We ask for
 * header fields rather than ENVELOPE because threading needs References,
 * which ENVELOPE lacks, and because raw text is what the cache keeps and
 * what RFC 2047 decoding wants.
 */
#include <string.h>

#include "crispin/arena.h"
#include "crispin/mime_date.h"
#include "crispin/mime_header.h"
#include "folder_p.h"

/* To and Cc together are a summary for the index, not the full list. */
#define RCPT_SUMMARY_MAX	200

void
header_apply(struct mail_intern *strings, struct mail_msg *m, const char *raw, size_t len)
{
	struct mime_headers	 h;
	struct arena		*a = arena_new(0);
	struct buf		 rcpt = BUF_INIT;
	const char		*v, *to, *cc;
	time_t			 t;

	memset(&h, 0, sizeof h);
	if (len > 0)
		(void)mime_headers_parse(raw, len, a, &h, NULL);
	m->from = mail_intern(strings, mime_header_get(&h, "From"));
	m->subject = mail_intern(strings, mime_header_get(&h, "Subject"));
	m->message_id = mail_intern_copy(strings, mime_header_get(&h, "Message-ID"));
	mail_msg_set_ids(m, strings, mime_header_get(&h, "References"),
	    mime_header_get(&h, "In-Reply-To"));
	m->date = 0;
	if ((v = mime_header_get(&h, "Date")) != NULL && mime_date_parse(v, &t, NULL) == 0)
		m->date = mail_msg_time((int64_t)t);
	to = mime_header_get(&h, "To");
	cc = mime_header_get(&h, "Cc");
	if (to != NULL)
		buf_adds(&rcpt, to);
	if (cc != NULL) {
		if (rcpt.len > 0)
			buf_adds(&rcpt, ", ");
		buf_adds(&rcpt, cc);
	}
	if (rcpt.len > RCPT_SUMMARY_MAX)
		buf_truncate(&rcpt, RCPT_SUMMARY_MAX);
	m->to = rcpt.len > 0 ? mail_intern(strings, buf_cstr(&rcpt)) : NULL;
	buf_free(&rcpt);
	arena_free(&a);
}
