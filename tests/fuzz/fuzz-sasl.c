/*
 * SASL challenges come from the server: feed arbitrary server-first and
 * server-final messages to every mechanism. The first byte picks the
 * mechanism, the rest is split at NULs into successive challenges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/sasl.h"

static const char *const mechs[] = {
	"SCRAM-SHA-256", "SCRAM-SHA-1", "SCRAM-SHA-256-PLUS", "PLAIN", "LOGIN",
	"OAUTHBEARER", "XOAUTH2",
};

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_params	 p;
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	const char		*mech;
	char			*error = NULL;
	const uint8_t		*end, *chunk;
	size_t			 len;
	enum sasl_step		 step;

	if (size < 1)
		return 0;
	mech = mechs[data[0] % (sizeof mechs / sizeof mechs[0])];
	memset(&p, 0, sizeof p);
	p.user = "user";
	p.pass = "pencil";
	p.token = "token";
	p.host = "imap.example.org";
	p.port = 993;
	p.test_nonce = "fyko+d2lbbFgONRv9qkxdawL";
	p.cb_type = "tls-exporter";
	p.cb_data = "0123456789abcdef0123456789abcdef";
	p.cb_len = 32;
	if ((c = sasl_client_new(mech, &p, &error)) == NULL) {
		free(error);
		return 0;
	}
	if (sasl_mech_client_first(mech)) {
		step = sasl_client_start(c, &out, &error);
		if (step == SASL_ERROR)
			goto done;
	}
	data++;
	size--;
	while (size > 0) {
		chunk = data;
		end = memchr(data, '\0', size);
		len = end == NULL ? size : (size_t)(end - data);
		data += len + (end != NULL);
		size -= len + (end != NULL);
		step = sasl_client_step(c, chunk, len, &out, &error);
		if (step == SASL_ERROR)
			break;
	}
	(void)sasl_client_complete(c);
done:
	free(error);
	buf_free(&out);
	sasl_client_free(&c);
	return 0;
}
