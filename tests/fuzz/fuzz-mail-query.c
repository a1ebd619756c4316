/*
 * Queries come from users, not the network, but typing must never crash
 * the client: parse anything, then translate and evaluate what parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/mail_query.h"
#include "crispin/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kw[] = { "$Forwarded", "work" };
	struct mail_query	*q;
	struct mail_query_imap	 m;
	struct mail_query_msg	 msg;
	struct buf		 b = BUF_INIT;
	char			*text, *error = NULL;

	text = xstrndup((const char *)data, size);
	if (mail_query_parse(text, (time_t)1718452800, &q, &error) < 0) {
		free(error);
		free(text);
		return 0;
	}
	mail_query_to_imap(q, &m);
	mail_query_imap_write(&m, &b);
	memset(&msg, 0, sizeof msg);
	msg.uid = 7;
	msg.flags = IMAP_FLAG_SEEN;
	msg.keywords = kw;
	msg.nkeywords = 2;
	msg.size = 12345;
	msg.internaldate = (time_t)1718000000;
	msg.from = "Alice <alice@example.org>";
	msg.subject = "Quarterly report";
	msg.has_attachment = -1;
	(void)mail_query_eval(q, &msg);
	buf_free(&b);
	mail_query_imap_free(&m);
	mail_query_free(&q);
	free(text);
	return 0;
}
