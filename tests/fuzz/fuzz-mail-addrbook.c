/*
 * query_command's output: a script's, and through contrib/crispin-ldap-query
 * a directory server's words. Parsed into entries and written back as
 * To: addresses, it must never crash, and what it writes must parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_addrbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_addr_list	 list;
	struct buf		 out = BUF_INIT;
	size_t			 i;

	memset(&list, 0, sizeof list);
	mail_addrbook_parse((const char *)data, size, &list);
	for (i = 0; i < list.n; i++) {
		buf_reset(&out);
		mail_addr_entry_format(&list.v[i], &out);
	}
	buf_free(&out);
	mail_addr_list_free(&list);
	return 0;
}
