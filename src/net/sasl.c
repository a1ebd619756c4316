/*
 * SASL client: the mechanism table, PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login), OAUTHBEARER (RFC 7628), XOAUTH2, and the
 * choice of mechanism. SCRAM lives in sasl_scram.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/log.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "sasl_p.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* Longest OAuth error status we keep for the user. */
#define OAUTH_STATUS_MAX	64

static const struct sasl_mech *sasl_find(const char *);
static int	sasl_check_params(const struct sasl_mech *,
		    const struct sasl_params *, char **);
static bool	sasl_usable(const struct sasl_mech *, const char *const *,
		    size_t, bool, bool);
static enum sasl_step sasl_step_unexpected(struct sasl_client *,
		    const char *, size_t, struct buf *, char **);
static enum sasl_step plain_start(struct sasl_client *, struct buf *, char **);
static enum sasl_step login_step(struct sasl_client *, const char *, size_t,
		    struct buf *, char **);
static enum sasl_step oauthbearer_start(struct sasl_client *, struct buf *,
		    char **);
static enum sasl_step oauthbearer_step(struct sasl_client *, const char *,
		    size_t, struct buf *, char **);
static enum sasl_step xoauth2_start(struct sasl_client *, struct buf *,
		    char **);
static enum sasl_step xoauth2_step(struct sasl_client *, const char *, size_t,
		    struct buf *, char **);
static enum sasl_step oauth_error(struct sasl_client *, const char *, size_t,
		    struct buf *, const char *, size_t, char **);
static char	*oauth_status(const char *, size_t);

static const char *const sasl_state_names[] = {
	[SASL_S_INIT] = "init",
	[SASL_S_SENT_USER] = "sent-user",
	[SASL_S_SENT_FIRST] = "sent-client-first",
	[SASL_S_SENT_FINAL] = "sent-client-final",
	[SASL_S_SENT_ALL] = "sent-all",
	[SASL_S_ERROR_ACK] = "error-acknowledged",
	[SASL_S_VERIFIED] = "verified",
	[SASL_S_FAILED] = "failed",
};

/* In our default order of preference, which sasl_choose walks. */
static const struct sasl_mech sasl_mechs[] = {
	{
		.name = "OAUTHBEARER",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_TOKEN,
		.start = oauthbearer_start,
		.step = oauthbearer_step,
	},
	{
		.name = "XOAUTH2",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_TOKEN |
		    SASL_MF_NO_AUTHZID | SASL_MF_NEED_USER,
		.start = xoauth2_start,
		.step = xoauth2_step,
	},
	{
		.name = "SCRAM-SHA-256-PLUS",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_PASSWORD |
		    SASL_MF_PLUS | SASL_MF_NEED_USER,
		.hash = SASL_HASH_SHA256,
		.init = scram_init,
		.start = scram_start,
		.step = scram_step,
		.free = scram_free,
	},
	{
		.name = "SCRAM-SHA-256",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_PASSWORD |
		    SASL_MF_NEED_USER,
		.hash = SASL_HASH_SHA256,
		.init = scram_init,
		.start = scram_start,
		.step = scram_step,
		.free = scram_free,
	},
	{
		.name = "SCRAM-SHA-1-PLUS",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_PASSWORD |
		    SASL_MF_PLUS | SASL_MF_NEED_USER,
		.hash = SASL_HASH_SHA1,
		.init = scram_init,
		.start = scram_start,
		.step = scram_step,
		.free = scram_free,
	},
	{
		.name = "SCRAM-SHA-1",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_PASSWORD |
		    SASL_MF_NEED_USER,
		.hash = SASL_HASH_SHA1,
		.init = scram_init,
		.start = scram_start,
		.step = scram_step,
		.free = scram_free,
	},
	{
		.name = "PLAIN",
		.flags = SASL_MF_CLIENT_FIRST | SASL_MF_PASSWORD |
		    SASL_MF_NEED_USER,
		.start = plain_start,
		.step = sasl_step_unexpected,
	},
	{
		.name = "LOGIN",
		.flags = SASL_MF_PASSWORD | SASL_MF_NO_AUTHZID |
		    SASL_MF_NEED_USER,
		.step = login_step,
	},
};

static const struct sasl_mech *
sasl_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(sasl_mechs); i++) {
		if (str_ieq(sasl_mechs[i].name, name))
			return &sasl_mechs[i];
	}
	return NULL;
}

bool
sasl_mech_supported(const char *mech)
{
	return sasl_find(mech) != NULL;
}

bool
sasl_mech_client_first(const char *mech)
{
	const struct sasl_mech	*m = sasl_find(mech);

	return m != NULL && (m->flags & SASL_MF_CLIENT_FIRST);
}

bool
sasl_mech_uses_token(const char *mech)
{
	const struct sasl_mech	*m = sasl_find(mech);

	return m != NULL && (m->flags & SASL_MF_TOKEN);
}

void
sasl_set_state(struct sasl_client *c, enum sasl_state state)
{
	log_debug("sasl %s: %s -> %s", c->mech->name,
	    sasl_state_names[c->state], sasl_state_names[state]);
	c->state = state;
}

bool
sasl_has_control(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

void
sasl_add_saslname(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '=')
			buf_adds(b, "=3D");
		else if (*s == ',')
			buf_adds(b, "=2C");
		else
			buf_addc(b, *s);
	}
}

/* Everything a mechanism needs must be there before the exchange starts. */
static int
sasl_check_params(const struct sasl_mech *m, const struct sasl_params *p,
    char **error_r)
{
	bool	has_authzid = p->authzid != NULL && *p->authzid != '\0';

	if ((m->flags & SASL_MF_NEED_USER) &&
	    (p->user == NULL || *p->user == '\0')) {
		*error_r = xasprintf("%s needs a user name, and none is set",
		    m->name);
		return -1;
	}
	if ((p->user != NULL && sasl_has_control(p->user)) ||
	    (has_authzid && sasl_has_control(p->authzid))) {
		*error_r = xstrdup("The user name contains a control "
		    "character.");
		return -1;
	}
	if ((m->flags & SASL_MF_NO_AUTHZID) && has_authzid &&
	    (p->user == NULL || strcmp(p->authzid, p->user) != 0)) {
		*error_r = xasprintf("%s cannot log in as another user "
		    "(authorization identity); choose another mechanism",
		    m->name);
		return -1;
	}
	if ((m->flags & SASL_MF_PASSWORD) &&
	    (p->pass == NULL || *p->pass == '\0')) {
		*error_r = xasprintf("%s needs a password, and none is set",
		    m->name);
		return -1;
	}
	if (m->flags & SASL_MF_TOKEN) {
		if (p->token == NULL || *p->token == '\0') {
			*error_r = xasprintf("%s needs an OAuth token, and "
			    "none is set", m->name);
			return -1;
		}
		/* \x01 separates the fields of both OAuth formats. */
		if (sasl_has_control(p->token)) {
			*error_r = xstrdup("The OAuth token contains a "
			    "control character.");
			return -1;
		}
	}
	if (p->host != NULL && sasl_has_control(p->host)) {
		*error_r = xstrdup("The host name contains a control "
		    "character.");
		return -1;
	}
	if ((m->flags & SASL_MF_PLUS) &&
	    (p->cb_type == NULL || p->cb_data == NULL || p->cb_len == 0)) {
		*error_r = xasprintf("%s needs TLS channel binding, which "
		    "this connection cannot provide", m->name);
		return -1;
	}
	return 0;
}

struct sasl_client *
sasl_client_new(const char *mech, const struct sasl_params *p,
    char **error_r)
{
	const struct sasl_mech	*m;
	struct sasl_client	*c;
	char			*safe;

	if ((m = sasl_find(mech)) == NULL) {
		safe = str_sanitize(mech);
		*error_r = xasprintf("The SASL mechanism %s is not supported.",
		    safe);
		free(safe);
		return NULL;
	}
	if (sasl_check_params(m, p, error_r) == -1)
		return NULL;

	c = xcalloc(1, sizeof(*c));
	c->mech = m;
	c->state = SASL_S_INIT;
	if (p->user != NULL)
		c->user = xstrdup(p->user);
	if (p->authzid != NULL && *p->authzid != '\0')
		c->authzid = xstrdup(p->authzid);
	if (m->flags & SASL_MF_PASSWORD)
		c->pass = xstrdup(p->pass);
	if (m->flags & SASL_MF_TOKEN)
		c->token = xstrdup(p->token);
	if (p->host != NULL)
		c->host = xstrdup(p->host);
	c->port = p->port;
	if (m->init != NULL && m->init(c, p, error_r) == -1) {
		sasl_client_free(&c);
		return NULL;
	}
	return c;
}

enum sasl_step
sasl_client_start(struct sasl_client *c, struct buf *out, char **error_r)
{
	enum sasl_step	r;

	assert(c->mech->flags & SASL_MF_CLIENT_FIRST);
	assert(c->state == SASL_S_INIT);
	buf_reset(out);
	r = c->mech->start(c, out, error_r);
	if (r == SASL_ERROR)
		sasl_set_state(c, SASL_S_FAILED);
	return r;
}

enum sasl_step
sasl_client_step(struct sasl_client *c, const void *challenge, size_t len,
    struct buf *out, char **error_r)
{
	enum sasl_step	r;

	buf_reset(out);
	if (c->state == SASL_S_FAILED) {
		*error_r = xasprintf("%s authentication has already failed",
		    c->mech->name);
		return SASL_ERROR;
	}
	if (c->state == SASL_S_INIT &&
	    (c->mech->flags & SASL_MF_CLIENT_FIRST)) {
		/* Without SASL-IR the server asks with an empty challenge. */
		if (len == 0)
			return sasl_client_start(c, out, error_r);
		r = sasl_step_unexpected(c, challenge, len, out, error_r);
	} else
		r = c->mech->step(c, challenge, len, out, error_r);
	if (r == SASL_ERROR)
		sasl_set_state(c, SASL_S_FAILED);
	return r;
}

bool
sasl_client_complete(const struct sasl_client *c)
{
	return c->state == SASL_S_SENT_ALL || c->state == SASL_S_VERIFIED;
}

bool
sasl_client_final_due(const struct sasl_client *c)
{
	return c->state == SASL_S_SENT_FINAL;
}

bool
sasl_client_verified(const struct sasl_client *c)
{
	return c->state == SASL_S_VERIFIED;
}

const char *
sasl_client_mech(const struct sasl_client *c)
{
	return c->mech->name;
}

const char *
sasl_client_server_error(const struct sasl_client *c)
{
	return c->server_error;
}

void
sasl_client_free(struct sasl_client **cp)
{
	struct sasl_client	*c = *cp;

	if (c == NULL)
		return;
	if (c->mech->free != NULL)
		c->mech->free(c);
	x_free(&c->user);
	x_free(&c->authzid);
	x_free_secret(&c->pass);
	x_free_secret(&c->token);
	x_free(&c->host);
	x_free(&c->server_error);
	free(c);
	*cp = NULL;
}

static enum sasl_step
sasl_step_unexpected(struct sasl_client *c, const char *challenge,
    size_t len, struct buf *out, char **error_r)
{
	(void)challenge;
	(void)len;
	(void)out;
	*error_r = xasprintf("The server sent an unexpected %s challenge.",
	    c->mech->name);
	return SASL_ERROR;
}

/* RFC 4616: [authzid] NUL authcid NUL passwd. */
static enum sasl_step
plain_start(struct sasl_client *c, struct buf *out, char **error_r)
{
	size_t	zlen = c->authzid != NULL ? strlen(c->authzid) : 0;

	(void)error_r;
	/* One allocation, so no stray copy of the password is left behind. */
	buf_reserve(out, zlen + strlen(c->user) + strlen(c->pass) + 2);
	if (c->authzid != NULL)
		buf_adds(out, c->authzid);
	buf_addc(out, '\0');
	buf_adds(out, c->user);
	buf_addc(out, '\0');
	buf_adds(out, c->pass);
	sasl_set_state(c, SASL_S_SENT_ALL);
	return SASL_DONE;
}

/*
 * The prompts vary ("Username:", "User Name", "Password:") and the draft
 * tells clients to ignore them: the first is the user, the second the
 * password.
 */
static enum sasl_step
login_step(struct sasl_client *c, const char *challenge, size_t len,
    struct buf *out, char **error_r)
{
	switch (c->state) {
	case SASL_S_INIT:
		buf_adds(out, c->user);
		sasl_set_state(c, SASL_S_SENT_USER);
		return SASL_CONTINUE;
	case SASL_S_SENT_USER:
		buf_reserve(out, strlen(c->pass));
		buf_adds(out, c->pass);
		sasl_set_state(c, SASL_S_SENT_ALL);
		return SASL_DONE;
	default:
		return sasl_step_unexpected(c, challenge, len, out, error_r);
	}
}

/* RFC 7628 section 3.1: gs2-header, then \x01-separated key=value pairs. */
static enum sasl_step
oauthbearer_start(struct sasl_client *c, struct buf *out, char **error_r)
{
	const char	*id = c->authzid != NULL ? c->authzid : c->user;

	(void)error_r;
	buf_reserve(out, 64 + strlen(c->token) +
	    (c->host != NULL ? strlen(c->host) : 0));
	buf_adds(out, "n,");
	if (id != NULL) {
		buf_adds(out, "a=");
		sasl_add_saslname(out, id);
	}
	buf_adds(out, ",\001");
	if (c->host != NULL)
		buf_printf(out, "host=%s\001", c->host);
	if (c->port != 0)
		buf_printf(out, "port=%u\001", c->port);
	buf_adds(out, "auth=Bearer ");
	buf_adds(out, c->token);
	buf_adds(out, "\001\001");
	sasl_set_state(c, SASL_S_SENT_ALL);
	return SASL_DONE;
}

/* RFC 7628 section 3.2.3: an error challenge is answered with one \x01. */
static enum sasl_step
oauthbearer_step(struct sasl_client *c, const char *challenge, size_t len,
    struct buf *out, char **error_r)
{
	return oauth_error(c, challenge, len, out, "\001", 1, error_r);
}

static enum sasl_step
xoauth2_start(struct sasl_client *c, struct buf *out, char **error_r)
{
	(void)error_r;
	buf_reserve(out, 32 + strlen(c->user) + strlen(c->token));
	buf_printf(out, "user=%s\001auth=Bearer %s\001\001", c->user,
	    c->token);
	sasl_set_state(c, SASL_S_SENT_ALL);
	return SASL_DONE;
}

/* Google's XOAUTH2 wants an empty response to its error challenge. */
static enum sasl_step
xoauth2_step(struct sasl_client *c, const char *challenge, size_t len,
    struct buf *out, char **error_r)
{
	return oauth_error(c, challenge, len, out, "", 0, error_r);
}

/*
 * The only challenge after the token is an error (JSON). We keep its status
 * for the user, answer so that the server can fail the exchange, and wait
 * for that failure.
 */
static enum sasl_step
oauth_error(struct sasl_client *c, const char *challenge, size_t len,
    struct buf *out, const char *ack, size_t acklen, char **error_r)
{
	if (c->state != SASL_S_SENT_ALL)
		return sasl_step_unexpected(c, challenge, len, out, error_r);
	x_free(&c->server_error);
	c->server_error = oauth_status(challenge, len);
	buf_add(out, ack, acklen);
	sasl_set_state(c, SASL_S_ERROR_ACK);
	return SASL_CONTINUE;
}

/*
 * Picks "status" out of the error JSON ({"status":"invalid_token",...})
 * without a full parser: it only feeds a message. Returns an owned,
 * sanitised string, or NULL if there is none.
 */
static char *
oauth_status(const char *s, size_t len)
{
	static const char	 key[] = "\"status\"";
	const size_t		 klen = sizeof(key) - 1;
	const char		*p, *end = s + len, *v;
	char			*raw, *safe;

	if (len == 0)
		return NULL;
	for (p = s; (size_t)(end - p) >= klen; p++) {
		if (memcmp(p, key, klen) == 0)
			break;
	}
	if ((size_t)(end - p) < klen)
		return NULL;
	p += klen;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	if (p == end || *p++ != ':')
		return NULL;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	if (p == end || *p++ != '"')
		return NULL;
	for (v = p; p < end && *p != '"' && *p != '\\' && *p != '\0'; p++)
		;
	if (p == end || *p != '"' || p == v || p - v > OAUTH_STATUS_MAX)
		return NULL;
	raw = xstrndup(v, (size_t)(p - v));
	safe = str_sanitize(raw);
	free(raw);
	return safe;
}

static bool
sasl_usable(const struct sasl_mech *m, const char *const *server,
    size_t nserver, bool have_token, bool can_bind)
{
	size_t	i;

	if ((m->flags & SASL_MF_TOKEN) && !have_token)
		return false;
	if ((m->flags & SASL_MF_PLUS) && !can_bind)
		return false;
	for (i = 0; i < nserver; i++) {
		if (str_ieq(server[i], m->name))
			return true;
	}
	return false;
}

const char *
sasl_choose(const char *const *server, size_t nserver,
    const char *const *allowed, size_t nallowed, bool have_token,
    bool can_bind)
{
	const struct sasl_mech	*m;
	size_t			 i;

	if (allowed == NULL) {
		for (i = 0; i < nitems(sasl_mechs); i++) {
			m = &sasl_mechs[i];
			if (sasl_usable(m, server, nserver, have_token,
			    can_bind))
				return m->name;
		}
		return NULL;
	}
	for (i = 0; i < nallowed; i++) {
		m = sasl_find(allowed[i]);
		if (m != NULL && sasl_usable(m, server, nserver, have_token,
		    can_bind))
			return m->name;
	}
	return NULL;
}

bool
sasl_server_offers_plus(const char *const *server, size_t nserver,
    const char *mech)
{
	size_t	i, mlen = strlen(mech);

	for (i = 0; i < nserver; i++) {
		if (strlen(server[i]) == mlen + 5 &&
		    strncasecmp(server[i], mech, mlen) == 0 &&
		    str_ieq(server[i] + mlen, "-PLUS"))
			return true;
	}
	return false;
}
