/*
 * A SASL client for a connection: the parameters the IMAP and SMTP logins
 * share, with the connection's channel binding for the -PLUS mechanisms.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/conn.h"
#include "crispin/sasl.h"

struct sasl_client *
sasl_client_on(struct conn *conn, const char *mech, const char *user,
    const char *secret, const char *host, const char *port,
    bool server_offers_plus, char **error_r)
{
	struct sasl_params	 sp;
	struct sasl_client	*c;
	struct buf		 cb = BUF_INIT;

	memset(&sp, 0, sizeof sp);
	sp.user = user;
	if (sasl_mech_uses_token(mech))
		sp.token = secret;
	else
		sp.pass = secret;
	sp.host = host;
	sp.port = (unsigned)strtoul(port, NULL, 10);
	sp.cb_type = conn_channel_binding_type(conn);
	if (sp.cb_type != NULL && conn_channel_binding(conn, sp.cb_type, &cb) == 0) {
		sp.cb_data = cb.data;
		sp.cb_len = cb.len;
	} else
		sp.cb_type = NULL;
	sp.server_offers_plus = server_offers_plus;
	c = sasl_client_new(mech, &sp, error_r);
	buf_free_secret(&cb);
	return c;
}
