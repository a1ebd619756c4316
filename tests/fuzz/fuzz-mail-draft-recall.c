/*
 * A postponed draft comes back from the server, where anyone with access
 * to the Drafts folder (or a broken client) may have put anything: it is
 * rebuilt into a draft, written again as a message, and must never crash
 * or loop on the way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_draft.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_draft	 d;
	char			*error = NULL;

	mail_draft_init(&d);
	if (mail_draft_from_message(&d, (const char *)data, size, &error) < 0)
		free(error);
	mail_draft_clear(&d);
	return 0;
}
