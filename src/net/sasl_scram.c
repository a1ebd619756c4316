/*
 * SCRAM-SHA-1 and SCRAM-SHA-256 with their -PLUS forms (RFC 5802, RFC 7677),
 * client side. The crypto comes from GnuTLS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "crispin/base64.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "sasl_p.h"

#define SCRAM_HASH_MAX		64	/* room for any digest GnuTLS has */
#define SCRAM_NONCE_BYTES	18	/* 24 base64 characters, no padding */
/* Work a server may ask of us; the RFC vectors use 4096. */
#define SCRAM_ITER_MAX		10000000

/* gnutls_pbkdf2 appeared in GnuTLS 3.6.13; older ones get our own loop. */
#if GNUTLS_VERSION_NUMBER >= 0x03060d && !defined(SCRAM_OWN_PBKDF2)
#define SCRAM_HAVE_PBKDF2	1
#else
#define SCRAM_HAVE_PBKDF2	0
#endif

struct scram {
	gnutls_mac_algorithm_t	 mac;
	gnutls_digest_algorithm_t dig;
	size_t			 hlen;
	/* gs2-header followed, for -PLUS, by the channel-binding data: the
	 * input of c=. Its first gs2_len bytes are the gs2-header. */
	struct buf		 cbind;
	size_t			 gs2_len;
	char			*nonce;		/* owned: client nonce */
	struct buf		 first_bare;	/* client-first-message-bare */
	unsigned char		 server_sig[SCRAM_HASH_MAX]; /* expected v= */
};

static bool	scram_valid_cb_name(const char *);
static bool	scram_valid_nonce(const char *, size_t);
static int	scram_make_nonce(struct scram *, char **);
static bool	scram_attr(const char **, const char *, char, const char **,
		    size_t *);
static enum sasl_step scram_server_first(struct sasl_client *, const char *,
		    size_t, struct buf *, char **);
static enum sasl_step scram_server_final(struct sasl_client *, const char *,
		    size_t, char **);
static enum sasl_step scram_server_error(struct sasl_client *, const char *,
		    size_t, char **);
static enum sasl_step scram_malformed(struct sasl_client *, const char *,
		    char **);
static int	scram_hi(const struct scram *, const void *, size_t,
		    const struct buf *, unsigned, unsigned char *);
static int	scram_proof(struct scram *, const char *, const struct buf *,
		    unsigned, const struct buf *, unsigned char *);

/* RFC 5056 cb-name: 1*(ALPHA / DIGIT / "." / "-"). */
static bool
scram_valid_cb_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
			return false;
	}
	return true;
}

/* RFC 5802 printable: %x21-2B / %x2D-7E, that is no ',' and no space. */
static bool
scram_valid_nonce(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return false;
	}
	return true;
}

static int
scram_make_nonce(struct scram *s, char **error_r)
{
	unsigned char	raw[SCRAM_NONCE_BYTES];
	struct buf	b = BUF_INIT;
	int		rc;

	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof(raw))) < 0) {
		*error_r = xasprintf("Cannot make a random SCRAM nonce: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	/* Standard base64 never yields ',' and 18 bytes need no padding. */
	base64_encode(&b, raw, sizeof(raw));
	s->nonce = buf_steal(&b);
	return 0;
}

int
scram_init(struct sasl_client *c, const struct sasl_params *p,
    char **error_r)
{
	struct scram	*s;
	bool		 plus = (c->mech->flags & SASL_MF_PLUS) != 0;

	s = xcalloc(1, sizeof(*s));
	c->scram = s;
	switch (c->mech->hash) {
	case SASL_HASH_SHA1:
		s->mac = GNUTLS_MAC_SHA1;
		s->dig = GNUTLS_DIG_SHA1;
		break;
	case SASL_HASH_SHA256:
		s->mac = GNUTLS_MAC_SHA256;
		s->dig = GNUTLS_DIG_SHA256;
		break;
	default:
		abort();
	}
	s->hlen = gnutls_hmac_get_len(s->mac);
	if (s->hlen == 0 || s->hlen > SCRAM_HASH_MAX)
		abort();

	/*
	 * gs2-cbind-flag (RFC 5802 section 6): "p" when binding; "y" when we
	 * could bind but the server did not offer -PLUS, so that a server
	 * which does support binding sees the downgrade; else "n".
	 */
	if (plus) {
		if (!scram_valid_cb_name(p->cb_type)) {
			*error_r = xstrdup("Invalid channel-binding type.");
			return -1;
		}
		buf_printf(&s->cbind, "p=%s", p->cb_type);
	} else if (p->cb_type != NULL && !p->server_offers_plus)
		buf_addc(&s->cbind, 'y');
	else
		buf_addc(&s->cbind, 'n');
	buf_addc(&s->cbind, ',');
	if (c->authzid != NULL) {
		buf_adds(&s->cbind, "a=");
		sasl_add_saslname(&s->cbind, c->authzid);
	}
	buf_addc(&s->cbind, ',');
	s->gs2_len = s->cbind.len;
	if (plus)
		buf_add(&s->cbind, p->cb_data, p->cb_len);

	if (p->test_nonce != NULL) {
		if (!scram_valid_nonce(p->test_nonce, strlen(p->test_nonce))) {
			*error_r = xstrdup("Invalid SCRAM test nonce.");
			return -1;
		}
		s->nonce = xstrdup(p->test_nonce);
	} else if (scram_make_nonce(s, error_r) == -1)
		return -1;

	buf_adds(&s->first_bare, "n=");
	sasl_add_saslname(&s->first_bare, c->user);
	buf_adds(&s->first_bare, ",r=");
	buf_adds(&s->first_bare, s->nonce);
	return 0;
}

enum sasl_step
scram_start(struct sasl_client *c, struct buf *out, char **error_r)
{
	struct scram	*s = c->scram;

	(void)error_r;
	buf_add(out, s->cbind.data, s->gs2_len);
	buf_add(out, s->first_bare.data, s->first_bare.len);
	sasl_set_state(c, SASL_S_SENT_FIRST);
	return SASL_CONTINUE;
}

/*
 * server-final may come as a challenge (IMAP "+ ...") or as the success
 * data of the tagged OK; the protocol layer passes both here, and the
 * empty answer to the former is ours to give.
 */
enum sasl_step
scram_step(struct sasl_client *c, const char *msg, size_t len,
    struct buf *out, char **error_r)
{
	if (len > 0 && memchr(msg, '\0', len) != NULL)
		return scram_malformed(c, "a NUL byte", error_r);
	switch (c->state) {
	case SASL_S_SENT_FIRST:
		return scram_server_first(c, msg, len, out, error_r);
	case SASL_S_SENT_FINAL:
		return scram_server_final(c, msg, len, error_r);
	default:
		*error_r = xasprintf("The server sent an unexpected %s "
		    "challenge.", c->mech->name);
		return SASL_ERROR;
	}
}

void
scram_free(struct sasl_client *c)
{
	struct scram	*s = c->scram;

	if (s == NULL)
		return;
	buf_free_secret(&s->cbind);
	buf_free_secret(&s->first_bare);
	x_free_secret(&s->nonce);
	gnutls_memset(s->server_sig, 0, sizeof(s->server_sig));
	free(s);
	c->scram = NULL;
}

/*
 * Takes the attribute "key=value" at *pp: value runs to the next ',' or to
 * end, and *pp moves past that ','.
 */
static bool
scram_attr(const char **pp, const char *end, char key, const char **val,
    size_t *vlen)
{
	const char	*p = *pp;

	if (end - p < 2 || p[0] != key || p[1] != '=')
		return false;
	*val = p += 2;
	while (p < end && *p != ',')
		p++;
	*vlen = (size_t)(p - *val);
	*pp = p < end ? p + 1 : p;
	return true;
}

static enum sasl_step
scram_malformed(struct sasl_client *c, const char *what, char **error_r)
{
	*error_r = xasprintf("The server's %s message is malformed (%s).",
	    c->mech->name, what);
	return SASL_ERROR;
}

/* server-error (RFC 5802 section 7): "e=" and a reason such as
 * "invalid-proof". */
static enum sasl_step
scram_server_error(struct sasl_client *c, const char *val, size_t len,
    char **error_r)
{
	char	*raw, *safe;

	raw = xstrndup(val, len);
	safe = str_sanitize(raw);
	*error_r = xasprintf("%s authentication failed: the server says "
	    "\"%s\".", c->mech->name, safe);
	free(safe);
	free(raw);
	return SASL_ERROR;
}

/*
 * server-first-message = [reserved-mext ","] nonce "," salt ","
 *                        iteration-count ["," extensions]
 * Answered with client-final-message; after that we have nothing more to
 * say, so SASL_DONE.
 */
static enum sasl_step
scram_server_first(struct sasl_client *c, const char *msg, size_t len,
    struct buf *out, char **error_r)
{
	struct scram	*s = c->scram;
	const char	*p = msg, *end = msg + len, *r, *salt64, *iter;
	size_t		 rlen, slen, ilen, nlen = strlen(s->nonce);
	uint64_t	 iters;
	struct buf	 salt = BUF_INIT, auth = BUF_INIT;
	unsigned char	 proof[SCRAM_HASH_MAX];
	enum sasl_step	 ret = SASL_ERROR;

	if (scram_attr(&p, end, 'e', &r, &rlen))
		return scram_server_error(c, r, rlen, error_r);
	if (scram_attr(&p, end, 'm', &r, &rlen)) {
		*error_r = xasprintf("The server requires a %s extension "
		    "that crispin does not support.", c->mech->name);
		return SASL_ERROR;
	}
	if (!scram_attr(&p, end, 'r', &r, &rlen) ||
	    !scram_attr(&p, end, 's', &salt64, &slen) ||
	    !scram_attr(&p, end, 'i', &iter, &ilen))
		return scram_malformed(c, "expected r=, s= and i=", error_r);
	/* The server appends its part to ours; anything else is a replay or
	 * a man in the middle. */
	if (rlen <= nlen || memcmp(r, s->nonce, nlen) != 0 ||
	    !scram_valid_nonce(r, rlen))
		return scram_malformed(c, "the nonce does not extend ours",
		    error_r);
	if (base64_decode(&salt, salt64, slen) == -1 || salt.len == 0) {
		buf_free(&salt);
		return scram_malformed(c, "bad salt", error_r);
	}
	if (str_to_u64(iter, ilen, SCRAM_ITER_MAX, &iters) == -1 ||
	    iters == 0) {
		buf_free(&salt);
		*error_r = xasprintf("The server asks for an unreasonable "
		    "%s iteration count (%.*s).", c->mech->name,
		    (int)(ilen > 20 ? 20 : ilen), iter);
		return SASL_ERROR;
	}

	/* client-final-message-without-proof */
	buf_adds(out, "c=");
	base64_encode(out, s->cbind.data, s->cbind.len);
	buf_adds(out, ",r=");
	buf_add(out, r, rlen);

	/* AuthMessage = client-first-bare "," server-first "," that */
	buf_add(&auth, s->first_bare.data, s->first_bare.len);
	buf_addc(&auth, ',');
	buf_add(&auth, msg, len);
	buf_addc(&auth, ',');
	buf_add(&auth, out->data, out->len);

	if (scram_proof(s, c->pass, &salt, (unsigned)iters, &auth,
	    proof) == -1) {
		*error_r = xasprintf("%s: the cryptographic library failed.",
		    c->mech->name);
		buf_reset(out);
		goto done;
	}
	buf_adds(out, ",p=");
	base64_encode(out, proof, s->hlen);
	/* The password has done its work. */
	x_free_secret(&c->pass);
	sasl_set_state(c, SASL_S_SENT_FINAL);
	ret = SASL_DONE;
done:
	gnutls_memset(proof, 0, sizeof(proof));
	buf_free(&salt);
	buf_free(&auth);
	return ret;
}

/* server-final-message = (server-error / verifier) ["," extensions] */
static enum sasl_step
scram_server_final(struct sasl_client *c, const char *msg, size_t len,
    char **error_r)
{
	struct scram	*s = c->scram;
	const char	*p = msg, *end = msg + len, *v;
	size_t		 vlen;
	struct buf	 sig = BUF_INIT;
	bool		 good;

	if (scram_attr(&p, end, 'e', &v, &vlen))
		return scram_server_error(c, v, vlen, error_r);
	if (!scram_attr(&p, end, 'v', &v, &vlen))
		return scram_malformed(c, "expected v= or e=", error_r);
	good = base64_decode(&sig, v, vlen) == 0 && sig.len == s->hlen &&
	    str_ct_equal(sig.data, s->server_sig, s->hlen);
	buf_free(&sig);
	if (!good) {
		*error_r = xasprintf("The server's %s signature is wrong: it "
		    "does not know your password, so it may not be the "
		    "server you meant to reach.", c->mech->name);
		return SASL_ERROR;
	}
	sasl_set_state(c, SASL_S_VERIFIED);
	return SASL_CONTINUE;
}

/* Hi(str, salt, i) of RFC 5802 section 2.2 is PBKDF2 with dkLen = hLen. */
static int
scram_hi(const struct scram *s, const void *key, size_t klen,
    const struct buf *salt, unsigned iters, unsigned char *out)
{
#if SCRAM_HAVE_PBKDF2
	gnutls_datum_t	k, sl;

	k.data = (unsigned char *)(uintptr_t)key;
	k.size = (unsigned)klen;
	sl.data = (unsigned char *)salt->data;
	sl.size = (unsigned)salt->len;
	return gnutls_pbkdf2(s->mac, &k, &sl, iters, out, s->hlen) < 0 ?
	    -1 : 0;
#else
	unsigned char	 u[SCRAM_HASH_MAX];
	struct buf	 first = BUF_INIT;
	unsigned	 n;
	size_t		 j;
	int		 rc;

	/* U1 = HMAC(str, salt + INT(1)); Ui = HMAC(str, Ui-1); XOR them. */
	buf_add(&first, salt->data, salt->len);
	buf_add(&first, "\0\0\0\1", 4);
	rc = gnutls_hmac_fast(s->mac, key, klen, first.data, first.len, u);
	buf_free(&first);
	if (rc < 0)
		return -1;
	memcpy(out, u, s->hlen);
	for (n = 1; n < iters; n++) {
		if (gnutls_hmac_fast(s->mac, key, klen, u, s->hlen, u) < 0) {
			gnutls_memset(u, 0, sizeof(u));
			return -1;
		}
		for (j = 0; j < s->hlen; j++)
			out[j] ^= u[j];
	}
	gnutls_memset(u, 0, sizeof(u));
	return 0;
#endif
}

/*
 * RFC 5802 section 3: fills proof (hlen bytes) and keeps the expected
 * server signature. Every intermediate key is wiped.
 */
static int
scram_proof(struct scram *s, const char *pass, const struct buf *salt,
    unsigned iters, const struct buf *auth, unsigned char *proof)
{
	unsigned char	 salted[SCRAM_HASH_MAX], ckey[SCRAM_HASH_MAX];
	unsigned char	 stored[SCRAM_HASH_MAX], csig[SCRAM_HASH_MAX];
	unsigned char	 skey[SCRAM_HASH_MAX];
	gnutls_datum_t	 norm = { NULL, 0 };
	const void	*key = pass;
	size_t		 klen = strlen(pass), j;
	int		 ret = -1;

	/* SASLprep's successor (RFC 8265 OpaqueString); a password it
	 * refuses is used as typed, as most servers store it that way. */
	if (gnutls_utf8_password_normalize((const unsigned char *)pass,
	    (unsigned)klen, &norm, GNUTLS_UTF8_IGNORE_ERRS) == 0) {
		key = norm.data;
		klen = norm.size;
	}
	if (scram_hi(s, key, klen, salt, iters, salted) == -1)
		goto out;
	if (gnutls_hmac_fast(s->mac, salted, s->hlen, "Client Key", 10,
	    ckey) < 0 ||
	    gnutls_hash_fast(s->dig, ckey, s->hlen, stored) < 0 ||
	    gnutls_hmac_fast(s->mac, stored, s->hlen, auth->data, auth->len,
	    csig) < 0 ||
	    gnutls_hmac_fast(s->mac, salted, s->hlen, "Server Key", 10,
	    skey) < 0 ||
	    gnutls_hmac_fast(s->mac, skey, s->hlen, auth->data, auth->len,
	    s->server_sig) < 0)
		goto out;
	for (j = 0; j < s->hlen; j++)
		proof[j] = ckey[j] ^ csig[j];
	ret = 0;
out:
	gnutls_memset(salted, 0, sizeof(salted));
	gnutls_memset(ckey, 0, sizeof(ckey));
	gnutls_memset(stored, 0, sizeof(stored));
	gnutls_memset(csig, 0, sizeof(csig));
	gnutls_memset(skey, 0, sizeof(skey));
	if (norm.data != NULL) {
		gnutls_memset(norm.data, 0, norm.size);
		gnutls_free(norm.data);
	}
	return ret;
}
