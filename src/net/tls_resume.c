/*
 * TLS session resumption across runs: the session a server gave us is
 * kept in a private file and offered by the next connection, so its
 * handshake carries no certificate and needs no verification (the
 * session was verified when it began). The file starts with a line that
 * names the server and the trust settings it was verified under; a
 * session saved under other settings is never offered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "crispin/buf.h"
#include "crispin/fdio.h"
#include "crispin/log.h"
#include "crispin/xalloc.h"
#include "tls_p.h"

#define RESUME_MAGIC	"crispin tls session 1\n"
#define RESUME_MAX	(64 * 1024)	/* GnuTLS's are a few KB */

char *
tls_resume_key(const char *peer, const char *ca_file, const unsigned char *pin,
    size_t pin_len)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	buf_printf(&b, "peer=%s ca=%s pin=", peer, ca_file != NULL ? ca_file : "-");
	if (pin == NULL)
		buf_adds(&b, "-");
	for (i = 0; pin != NULL && i < pin_len; i++)
		buf_printf(&b, "%02x", pin[i]);
	buf_adds(&b, "\n");
	return buf_steal(&b);
}

/* Offers the saved session, if there is one for this key. */
void
tls_resume_load(gnutls_session_t session, const char *path, const char *key)
{
	struct buf	 b = BUF_INIT;
	size_t		 head = strlen(RESUME_MAGIC) + strlen(key);
	int		 fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	r = fd_read_all(fd, &b, RESUME_MAX);
	close(fd);
	if (r == -1 || b.len <= head ||
	    memcmp(b.data, RESUME_MAGIC, strlen(RESUME_MAGIC)) != 0 ||
	    memcmp(b.data + strlen(RESUME_MAGIC), key, strlen(key)) != 0) {
		buf_free_secret(&b);
		return;
	}
	/* A session GnuTLS refuses (expired, damaged) costs only the
	 * resumption: the handshake is a full one. */
	r = gnutls_session_set_data(session, b.data + head, b.len - head);
	if (r < 0)
		log_debug("TLS session in %s not used: %s", path, gnutls_strerror(r));
	buf_free_secret(&b);
}

/*
 * Saves the session once the server has sent a ticket for it (TLS 1.3
 * sends them after the handshake). 1 when saved, 0 when there is nothing
 * to save yet, -1 on failure (said in the log; the connection goes on).
 */
int
tls_resume_save(gnutls_session_t session, const char *path, const char *key)
{
	gnutls_datum_t	 data = { NULL, 0 };
	struct buf	 b = BUF_INIT;
	int		 r = -1;

	if ((gnutls_session_get_flags(session) & GNUTLS_SFLAGS_SESSION_TICKET) == 0)
		return 0;
	if (gnutls_session_get_data2(session, &data) < 0 || data.size == 0) {
		gnutls_free(data.data);
		return 0;
	}
	buf_add(&b, RESUME_MAGIC, strlen(RESUME_MAGIC));
	buf_adds(&b, key);
	buf_add(&b, data.data, data.size);
	if (file_replace_private(path, b.data, b.len) == -1) {
		log_debug("cannot save the TLS session in %s: %s", path, strerror(errno));
		goto out;
	}
	r = 1;
out:
	buf_free_secret(&b);
	memset(data.data, 0, data.size);
	gnutls_free(data.data);
	return r;
}
