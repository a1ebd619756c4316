/*
 * What a server offered at the last login, kept for the next one: its
 * capabilities before the login (greeting, or CAPABILITY after TLS) and
 * after it. Knowing them, the login goes out with the end of the TLS
 * handshake instead of a round trip later, after the greeting (or after
 * a CAPABILITY command behind STARTTLS). The file names the server, the
 * user and the TLS mode it was learnt under and is used for nothing
 * else; it is only a guess: the server's own answers replace it, and a
 * login refused on it is tried again on them (client_auth.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/fdio.h"
#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "client_p.h"

#define HINT_MAGIC	"crispin server hint 1\n"
#define HINT_MAX	(16 * 1024)

/* The line naming what the hint was learnt under; NULL when the values
 * cannot stand on one line. */
static char *
hint_key(const struct imap_client *c)
{
	const char	*user = c->params.user != NULL ? c->params.user : "";

	if (strpbrk(c->params.host, "\r\n") != NULL || strpbrk(user, "\r\n") != NULL)
		return NULL;
	return xasprintf("server=%s:%s tls=%s user=%s\n", c->params.host,
	    c->params.port, c->params.implicit_tls ? "implicit" : "starttls", user);
}

void
hint_clear(struct imap_client *c)
{
	x_free(&c->hint_greeting);
	x_free(&c->hint_login);
	x_free(&c->greeting_line);
}

/* Reads the hint for this server, if there is one, into c. */
void
hint_load(struct imap_client *c)
{
	struct buf	 b = BUF_INIT;
	char		*key, *p, *greeting, *login, *end;

	hint_clear(c);
	if (c->params.server_hint_file == NULL || (key = hint_key(c)) == NULL)
		return;
	if (file_read_all(c->params.server_hint_file, &b, HINT_MAX) == -1 ||
	    b.len == 0)
		goto out;
	(void)buf_cstr(&b);	/* terminated */
	p = b.data;
	if (!str_has_prefix(p, HINT_MAGIC) ||
	    !str_has_prefix(p + strlen(HINT_MAGIC), key))
		goto out;
	greeting = p + strlen(HINT_MAGIC) + strlen(key);
	if (!str_has_prefix(greeting, "greeting ") ||
	    (end = strchr(greeting, '\n')) == NULL)
		goto out;
	*end = '\0';
	login = end + 1;
	if (!str_has_prefix(login, "login ") || (end = strchr(login, '\n')) == NULL)
		goto out;
	*end = '\0';
	c->hint_greeting = xstrdup(greeting + strlen("greeting "));
	c->hint_login = xstrdup(login + strlen("login "));
out:
	free(key);
	buf_free(&b);
}

/* The capabilities as one line (they are atoms: no spaces in them). */
char *
hint_caps_line(const struct imap_client *c)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < c->ncaps; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", c->caps[i]);
	return buf_steal(&b);
}

/* Takes a remembered line as the capabilities until the server says its
 * own (client_set_caps). */
void
hint_apply(struct imap_client *c, const char *line)
{
	const char	*p, *end;
	size_t		 i;

	for (i = 0; i < c->ncaps; i++)
		free(c->caps[i]);
	free(c->caps);
	c->caps = xcalloc(strlen(line) / 2 + 2, sizeof *c->caps);
	c->ncaps = 0;
	for (p = line; *p != '\0'; p = *end == ' ' ? end + 1 : end) {
		end = p + strcspn(p, " ");
		if (end > p)
			c->caps[c->ncaps++] = xstrndup(p, (size_t)(end - p));
	}
	c->caps_known = true;
	c->caps_from_hint = true;
}

/* After a login: what the server offered, for the next connection. */
void
hint_save(struct imap_client *c)
{
	struct buf	 b = BUF_INIT;
	const char	*greeting;
	char		*key, *login;

	if (c->params.server_hint_file == NULL || !c->tls_active ||
	    !c->caps_known || c->caps_from_hint)
		return;
	greeting = c->greeting_line != NULL ? c->greeting_line : c->hint_greeting;
	if (greeting == NULL || (key = hint_key(c)) == NULL)
		return;
	login = hint_caps_line(c);
	if (c->hint_greeting == NULL || c->hint_login == NULL ||
	    strcmp(greeting, c->hint_greeting) != 0 ||
	    strcmp(login, c->hint_login) != 0) {
		buf_printf(&b, "%s%sgreeting %s\nlogin %s\n", HINT_MAGIC, key,
		    greeting, login);
		if (file_replace_private(c->params.server_hint_file, b.data, b.len) == -1)
			log_debug("imap %s: cannot save %s: %s", c->params.host,
			    c->params.server_hint_file, strerror(errno));
	}
	free(login);
	free(key);
	buf_free(&b);
}

/* Whether word (upper case) is in the space-separated line. */
static bool
line_has(const char *line, const char *word)
{
	size_t		 n = strlen(word);
	const char	*p = line;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* Whether the two lines offer the same ways to log in: then a login
 * refused on one would be refused on the other. */
bool
hint_same_login(const char *a, const char *b)
{
	static const char *const flags[] = { "SASL-IR", "LOGINDISABLED" };
	const char	*line, *other, *p, *end;
	char		*word;
	size_t		 i, pass;
	bool		 same = true;

	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		if (line_has(a, flags[i]) != line_has(b, flags[i]))
			return false;
	}
	for (pass = 0; pass < 2 && same; pass++) {
		line = pass == 0 ? a : b;
		other = pass == 0 ? b : a;
		for (p = line; *p != '\0' && same; p = *end == ' ' ? end + 1 : end) {
			end = p + strcspn(p, " ");
			if (!str_has_prefix(p, "AUTH="))
				continue;
			word = xstrndup(p, (size_t)(end - p));
			same = line_has(other, word);
			free(word);
		}
	}
	return same;
}
