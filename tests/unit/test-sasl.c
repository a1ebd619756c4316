/*
 * SASL mechanisms against the RFC examples, plus the failure paths. The
 * -PLUS, "y" and escaped-name SCRAM vectors were computed with an
 * independent implementation (Python hashlib) that reproduces RFC 5802 and
 * RFC 7677.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/sasl.h"
#include "test.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
/* Compares with a string literal, NULs included. */
#define BYTES_EQ(b, lit) bytes_eq((b), (lit), sizeof(lit) - 1)

#define SHA1_NONCE	"fyko+d2lbbFgONRv9qkxdawL"
#define SHA1_FIRST	"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j," \
			"s=QSXCR+Q6sek8bf92,i=4096"
#define SHA1_FINAL	"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j," \
			"p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define SHA1_SIG	"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="

#define SHA256_NONCE	"rOprNGfwEbeRWgbNEkqO"
#define SHA256_SNONCE	"rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define SHA256_FIRST	"r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SHA256_FINAL	"c=biws,r=" SHA256_SNONCE \
			",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SHA256_SIG	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

struct scram_case {
	const char	*label;
	const char	*mech;
	struct sasl_params params;
	const char	*client_first;
	const char	*server_first;
	const char	*client_final;
	const char	*server_final;
};

struct choose_case {
	const char	*label;
	const char	*server[8];
	const char	*allowed[8];	/* allowed[0] NULL: default order */
	bool		 have_token;
	bool		 can_bind;
	const char	*want;
};

static bool	bytes_eq(const struct buf *, const void *, size_t);
static void	check_new_fails(const char *, const char *,
		    const struct sasl_params *, const char *);
static void	test_scram_vectors(void);
static void	scram_fail(const char *, const char *, const char *,
		    const char *);
static void	test_scram_failures(void);
static void	test_scram_misc(void);
static void	test_plain(void);
static void	test_login(void);
static void	test_oauthbearer(void);
static void	test_xoauth2(void);
static void	test_params(void);
static void	test_choose(void);
static void	test_names(void);

static const unsigned char cb32[32] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static const struct scram_case scram_cases[] = {
	{
		.label = "RFC 5802 SCRAM-SHA-1",
		.mech = "SCRAM-SHA-1",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA1_NONCE },
		.client_first = "n,,n=user,r=" SHA1_NONCE,
		.server_first = SHA1_FIRST,
		.client_final = SHA1_FINAL,
		.server_final = SHA1_SIG,
	},
	{
		.label = "RFC 7677 SCRAM-SHA-256",
		.mech = "SCRAM-SHA-256",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA256_NONCE },
		.client_first = "n,,n=user,r=" SHA256_NONCE,
		.server_first = SHA256_FIRST,
		.client_final = SHA256_FINAL,
		.server_final = SHA256_SIG,
	},
	{
		.label = "lower-case mechanism name",
		.mech = "scram-sha-256",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA256_NONCE },
		.client_first = "n,,n=user,r=" SHA256_NONCE,
		.server_first = SHA256_FIRST,
		.client_final = SHA256_FINAL,
		.server_final = SHA256_SIG,
	},
	{
		.label = "SCRAM-SHA-256-PLUS tls-exporter",
		.mech = "SCRAM-SHA-256-PLUS",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA256_NONCE, .cb_type = "tls-exporter",
		    .cb_data = cb32, .cb_len = sizeof(cb32),
		    .server_offers_plus = true },
		.client_first = "p=tls-exporter,,n=user,r=" SHA256_NONCE,
		.server_first = SHA256_FIRST,
		.client_final = "c=cD10bHMtZXhwb3J0ZXIsLAABAgMEBQYHCAkKCwwNDg8Q"
		    "ERITFBUWFxgZGhscHR4f,r=" SHA256_SNONCE
		    ",p=QC6CS20quADQRb3mT99YUH+n3VJxUvzuK0K0E1Vrs2M=",
		.server_final =
		    "v=2GiAgapEppLVlUXbxUDksL3VgYHzuqiK5tR4mhJGgvs=",
	},
	{
		.label = "SCRAM-SHA-1-PLUS tls-unique",
		.mech = "SCRAM-SHA-1-PLUS",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA1_NONCE, .cb_type = "tls-unique",
		    .cb_data = "\0\377abc", .cb_len = 5 },
		.client_first = "p=tls-unique,,n=user,r=" SHA1_NONCE,
		.server_first = SHA1_FIRST,
		.client_final = "c=cD10bHMtdW5pcXVlLCwA/2FiYw==,"
		    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		    "p=Liz0p7w35b8D1XcejNMlCKJudfk=",
		.server_final = "v=N5+8DPuVQnKc5D37zX7MRQjDaAk=",
	},
	{
		/* Can bind, server offers no -PLUS: "y"; names escaped. */
		.label = "y flag, authzid and escaped names",
		.mech = "SCRAM-SHA-256",
		.params = { .user = "us=er,x", .authzid = "ad,min",
		    .pass = "pencil", .test_nonce = SHA256_NONCE,
		    .cb_type = "tls-exporter", .cb_data = cb32,
		    .cb_len = sizeof(cb32) },
		.client_first = "y,a=ad=2Cmin,n=us=3Der=2Cx,r=" SHA256_NONCE,
		.server_first = SHA256_FIRST,
		.client_final = "c=eSxhPWFkPTJDbWluLA==,r=" SHA256_SNONCE
		    ",p=7Ssa1rcQCzvGwynlQljFzSmJouylzF4FHnIsjk+tvzM=",
		.server_final =
		    "v=LMy2cd/jpQwqMEB0zHkCoRpL5kU8D5Y9qAF9n5x77/I=",
	},
	{
		/* Can bind, server offers -PLUS but we chose not to: "n". */
		.label = "n flag when the server offers -PLUS",
		.mech = "SCRAM-SHA-1",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA1_NONCE, .cb_type = "tls-exporter",
		    .cb_data = cb32, .cb_len = sizeof(cb32),
		    .server_offers_plus = true },
		.client_first = "n,,n=user,r=" SHA1_NONCE,
		.server_first = SHA1_FIRST,
		.client_final = SHA1_FINAL,
		.server_final = SHA1_SIG,
	},
	{
		/* Extensions after the attributes we know are ignored. */
		.label = "server extensions",
		.mech = "SCRAM-SHA-1",
		.params = { .user = "user", .pass = "pencil",
		    .test_nonce = SHA1_NONCE },
		.client_first = "n,,n=user,r=" SHA1_NONCE,
		.server_first = SHA1_FIRST,
		.client_final = SHA1_FINAL,
		.server_final = SHA1_SIG ",x=whatever",
	},
};

static const struct choose_case choose_cases[] = {
	{ "default prefers SCRAM-SHA-256",
	    { "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "LOGIN" }, { NULL },
	    false, false, "SCRAM-SHA-256" },
	{ "-PLUS skipped without binding",
	    { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" }, { NULL },
	    false, false, "SCRAM-SHA-256" },
	{ "-PLUS taken with binding",
	    { "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS" }, { NULL },
	    false, true, "SCRAM-SHA-256-PLUS" },
	{ "only -PLUS offered, cannot bind",
	    { "SCRAM-SHA-1-PLUS" }, { NULL }, false, false, NULL },
	{ "SHA-1 -PLUS beats plain SHA-1",
	    { "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "PLAIN" }, { NULL },
	    false, true, "SCRAM-SHA-1-PLUS" },
	{ "PLAIN before LOGIN", { "LOGIN", "PLAIN" }, { NULL },
	    false, false, "PLAIN" },
	{ "LOGIN last resort", { "LOGIN", "CRAM-MD5" }, { NULL },
	    false, false, "LOGIN" },
	{ "token mechanisms need a token",
	    { "XOAUTH2", "OAUTHBEARER", "PLAIN" }, { NULL },
	    false, false, "PLAIN" },
	{ "OAUTHBEARER first with a token",
	    { "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256" }, { NULL },
	    true, true, "OAUTHBEARER" },
	{ "XOAUTH2 with a token", { "SCRAM-SHA-256", "XOAUTH2" }, { NULL },
	    true, false, "XOAUTH2" },
	{ "nothing fits", { "CRAM-MD5", "GSSAPI", "NTLM" }, { NULL },
	    true, true, NULL },
	{ "empty server list", { NULL }, { NULL }, true, true, NULL },
	{ "case-insensitive server list", { "plain", "scram-sha-1" },
	    { NULL }, false, false, "SCRAM-SHA-1" },
	{ "user order respected",
	    { "SCRAM-SHA-256", "PLAIN", "LOGIN" }, { "LOGIN", "PLAIN" },
	    false, false, "LOGIN" },
	{ "user order skips what the server lacks",
	    { "SCRAM-SHA-256", "PLAIN" }, { "LOGIN", "plain" },
	    false, false, "PLAIN" },
	{ "user order, case-insensitive",
	    { "Scram-Sha-1" }, { "scram-SHA-1" }, false, false,
	    "SCRAM-SHA-1" },
	{ "user names an unknown mechanism",
	    { "CRAM-MD5", "PLAIN" }, { "CRAM-MD5", "PLAIN" },
	    false, false, "PLAIN" },
	{ "user -PLUS without binding",
	    { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" },
	    { "SCRAM-SHA-256-PLUS" }, false, false, NULL },
	{ "user -PLUS with binding",
	    { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" },
	    { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" }, false, true,
	    "SCRAM-SHA-256-PLUS" },
	{ "user token mechanism without token",
	    { "XOAUTH2", "PLAIN" }, { "XOAUTH2" }, false, false, NULL },
	{ "user token mechanism with token",
	    { "XOAUTH2", "PLAIN" }, { "PLAIN", "XOAUTH2" }, true, false,
	    "PLAIN" },
};

static bool
bytes_eq(const struct buf *b, const void *want, size_t len)
{
	return b->len == len && (len == 0 || memcmp(b->data, want, len) == 0);
}

static void
check_new_fails(const char *label, const char *mech,
    const struct sasl_params *p, const char *want_in_error)
{
	struct sasl_client	*c;
	char			*err = NULL;

	c = sasl_client_new(mech, p, &err);
	TEST_CHECK(c == NULL, "%s: refused", label);
	TEST_CHECK(err != NULL && strstr(err, want_in_error) != NULL,
	    "%s: error mentions \"%s\" (got \"%s\")", label, want_in_error,
	    err != NULL ? err : "(null)");
	sasl_client_free(&c);
	free(err);
}

static void
test_scram_vectors(void)
{
	const struct scram_case	*t;
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;
	size_t			 i;

	for (i = 0; i < nitems(scram_cases); i++) {
		t = &scram_cases[i];
		c = sasl_client_new(t->mech, &t->params, &err);
		TEST_CHECK(c != NULL, "%s: new (%s)", t->label,
		    err != NULL ? err : "");
		if (c == NULL) {
			x_free(&err);
			continue;
		}
		TEST_CHECK(!sasl_client_complete(c), "%s: not complete yet",
		    t->label);
		TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_CONTINUE,
		    "%s: start", t->label);
		TEST_STREQ(buf_cstr(&out), t->client_first,
		    "%s: client-first", t->label);
		TEST_INTEQ(sasl_client_step(c, t->server_first,
		    strlen(t->server_first), &out, &err), SASL_DONE,
		    "%s: server-first", t->label);
		TEST_STREQ(buf_cstr(&out), t->client_final,
		    "%s: client-final", t->label);
		TEST_CHECK(!sasl_client_complete(c),
		    "%s: not complete before server-final", t->label);
		TEST_INTEQ(sasl_client_step(c, t->server_final,
		    strlen(t->server_final), &out, &err), SASL_CONTINUE,
		    "%s: server-final (%s)", t->label,
		    err != NULL ? err : "");
		TEST_INTEQ(out.len, 0, "%s: empty answer", t->label);
		TEST_CHECK(sasl_client_complete(c), "%s: complete", t->label);
		/* Nothing may follow server-final. */
		TEST_INTEQ(sasl_client_step(c, "", 0, &out, &err), SASL_ERROR,
		    "%s: step after server-final", t->label);
		TEST_CHECK(!sasl_client_complete(c),
		    "%s: a failed exchange is not complete", t->label);
		x_free(&err);
		sasl_client_free(&c);
		TEST_CHECK(c == NULL, "%s: free clears", t->label);
	}
	buf_free(&out);
}

/* Runs the RFC 7677 exchange with a different server-first or
 * server-final, expecting SASL_ERROR with want in the message. */
static void
scram_fail(const char *label, const char *server_first,
    const char *server_final, const char *want)
{
	struct sasl_params	 p = { .user = "user", .pass = "pencil",
	    .test_nonce = SHA256_NONCE };
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;
	enum sasl_step		 r;

	c = sasl_client_new("SCRAM-SHA-256", &p, &err);
	TEST_CHECK(c != NULL, "%s: new", label);
	if (c == NULL)
		return;
	sasl_client_start(c, &out, &err);
	r = sasl_client_step(c, server_first, strlen(server_first), &out,
	    &err);
	if (server_final != NULL) {
		TEST_INTEQ(r, SASL_DONE, "%s: server-first accepted", label);
		r = sasl_client_step(c, server_final, strlen(server_final),
		    &out, &err);
	}
	TEST_INTEQ(r, SASL_ERROR, "%s: fails", label);
	TEST_CHECK(err != NULL && strstr(err, want) != NULL,
	    "%s: error mentions \"%s\" (got \"%s\")", label, want,
	    err != NULL ? err : "(null)");
	TEST_CHECK(!sasl_client_complete(c), "%s: not complete", label);
	x_free(&err);
	/* Once failed, always failed. */
	TEST_INTEQ(sasl_client_step(c, SHA256_SIG, strlen(SHA256_SIG), &out,
	    &err), SASL_ERROR, "%s: stays failed", label);
	x_free(&err);
	sasl_client_free(&c);
	buf_free(&out);
}

static void
test_scram_failures(void)
{
	scram_fail("wrong server signature", SHA256_FIRST,
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", "signature");
	scram_fail("short server signature", SHA256_FIRST,
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n", "signature");
	scram_fail("server signature not base64", SHA256_FIRST,
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", "signature");
	scram_fail("server error", SHA256_FIRST, "e=invalid-proof",
	    "\"invalid-proof\"");
	scram_fail("server error is sanitised", SHA256_FIRST,
	    "e=bad\033[2Jthing", "\"bad?[2Jthing\"");
	scram_fail("server-final garbage", SHA256_FIRST, "x=1", "malformed");
	scram_fail("empty server-final", SHA256_FIRST, "", "malformed");
	scram_fail("foreign nonce",
	    "r=AAAAAAAAAAAAAAAAAAAA%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL, "nonce");
	scram_fail("nonce without a server part",
	    "r=" SHA256_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL,
	    "nonce");
	scram_fail("nonce shorter than ours",
	    "r=rOprNG,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL, "nonce");
	scram_fail("nonce with a space",
	    "r=" SHA256_NONCE "ab cd,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL,
	    "nonce");
	scram_fail("iteration count 0",
	    "r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", NULL,
	    "iteration");
	scram_fail("absurd iteration count",
	    "r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001", NULL,
	    "iteration");
	scram_fail("huge iteration count",
	    "r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=99999999999999999999999", NULL, "iteration");
	scram_fail("negative iteration count",
	    "r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1", NULL,
	    "iteration");
	scram_fail("bad salt",
	    "r=" SHA256_SNONCE ",s=W22ZaJ0S!Y7soEsUEjb6gQ==,i=4096", NULL,
	    "salt");
	scram_fail("empty salt", "r=" SHA256_SNONCE ",s=,i=4096", NULL,
	    "salt");
	scram_fail("missing salt", "r=" SHA256_SNONCE ",i=4096", NULL,
	    "malformed");
	scram_fail("attributes out of order",
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" SHA256_SNONCE ",i=4096", NULL,
	    "malformed");
	scram_fail("mandatory extension",
	    "m=foo,r=" SHA256_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    NULL, "extension");
	scram_fail("error instead of server-first", "e=other-error", NULL,
	    "\"other-error\"");
	scram_fail("empty server-first", "", NULL, "malformed");
}

static void
test_scram_misc(void)
{
	struct sasl_params	 p = { .user = "user", .pass = "pencil" };
	struct sasl_client	*c, *d;
	struct buf		 out = BUF_INIT, out2 = BUF_INIT;
	char			*err = NULL;
	const char		*nonce;
	size_t			 i;
	bool			 ok;

	/* A real nonce: 24 printable characters without ','. */
	c = sasl_client_new("SCRAM-SHA-256", &p, &err);
	d = sasl_client_new("SCRAM-SHA-256", &p, &err);
	TEST_CHECK(c != NULL && d != NULL, "random nonce: new");
	TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_CONTINUE,
	    "random nonce: start");
	sasl_client_start(d, &out2, &err);
	TEST_CHECK(strncmp(buf_cstr(&out), "n,,n=user,r=", 12) == 0,
	    "random nonce: prefix");
	nonce = buf_cstr(&out) + 12;
	TEST_INTEQ(strlen(nonce), 24, "random nonce: length");
	for (ok = true, i = 0; nonce[i] != '\0'; i++) {
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
			ok = false;
	}
	TEST_CHECK(ok, "random nonce: printable, no comma (%s)", nonce);
	TEST_CHECK(strcmp(buf_cstr(&out), buf_cstr(&out2)) != 0,
	    "random nonce: differs between clients");
	sasl_client_free(&c);
	sasl_client_free(&d);

	/* Without SASL-IR the server's empty challenge gets client-first. */
	p.test_nonce = SHA1_NONCE;
	c = sasl_client_new("SCRAM-SHA-1", &p, &err);
	TEST_INTEQ(sasl_client_step(c, "", 0, &out, &err), SASL_CONTINUE,
	    "no SASL-IR: empty challenge");
	TEST_STREQ(buf_cstr(&out), "n,,n=user,r=" SHA1_NONCE,
	    "no SASL-IR: client-first");
	TEST_INTEQ(sasl_client_step(c, SHA1_FIRST, strlen(SHA1_FIRST), &out,
	    &err), SASL_DONE, "no SASL-IR: server-first");
	TEST_STREQ(buf_cstr(&out), SHA1_FINAL, "no SASL-IR: client-final");
	/* server-final from the tagged OK's data: the same call. */
	TEST_INTEQ(sasl_client_step(c, SHA1_SIG, strlen(SHA1_SIG), &out,
	    &err), SASL_CONTINUE, "no SASL-IR: server-final");
	TEST_CHECK(sasl_client_complete(c), "no SASL-IR: complete");
	TEST_STREQ(sasl_client_mech(c), "SCRAM-SHA-1", "mechanism name");
	sasl_client_free(&c);

	/* A non-empty challenge before client-first is a protocol error. */
	c = sasl_client_new("SCRAM-SHA-1", &p, &err);
	TEST_INTEQ(sasl_client_step(c, "r=x", 3, &out, &err), SASL_ERROR,
	    "challenge before client-first");
	x_free(&err);
	sasl_client_free(&c);

	/* A NUL inside server-first. */
	c = sasl_client_new("SCRAM-SHA-1", &p, &err);
	sasl_client_start(c, &out, &err);
	TEST_INTEQ(sasl_client_step(c, SHA1_FIRST "\0x",
	    sizeof(SHA1_FIRST "\0x") - 1, &out, &err), SASL_ERROR,
	    "NUL in server-first");
	x_free(&err);
	sasl_client_free(&c);

	/* The out buffer is emptied first: a caller may reuse it. */
	buf_adds(&out, "stale");
	c = sasl_client_new("SCRAM-SHA-1", &p, &err);
	sasl_client_start(c, &out, &err);
	TEST_STREQ(buf_cstr(&out), "n,,n=user,r=" SHA1_NONCE,
	    "out is reset");
	sasl_client_free(&c);

	/* No channel binding at all: "n". */
	p.cb_type = NULL;
	c = sasl_client_new("SCRAM-SHA-1", &p, &err);
	sasl_client_start(c, &out, &err);
	TEST_STREQ(buf_cstr(&out), "n,,n=user,r=" SHA1_NONCE, "n flag");
	sasl_client_free(&c);

	/* Bad test nonce and bad channel-binding type. */
	p.test_nonce = "a,b";
	check_new_fails("comma in test nonce", "SCRAM-SHA-1", &p, "nonce");
	p.test_nonce = SHA1_NONCE;
	p.cb_type = "tls exporter";
	p.cb_data = cb32;
	p.cb_len = sizeof(cb32);
	check_new_fails("bad cb type", "SCRAM-SHA-1-PLUS", &p,
	    "channel-binding");

	sasl_client_free(&c);	/* NULL: a no-op */
	buf_free(&out);
	buf_free(&out2);
}

static void
test_plain(void)
{
	struct sasl_params	 p = { .user = "tim",
	    .pass = "tanstaaftanstaaf" };
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	TEST_CHECK(sasl_mech_client_first("PLAIN"), "PLAIN is client-first");
	c = sasl_client_new("PLAIN", &p, &err);
	TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_DONE,
	    "PLAIN: start");
	TEST_CHECK(BYTES_EQ(&out, "\0tim\0tanstaaftanstaaf"),
	    "PLAIN: exact bytes without authzid");
	TEST_CHECK(sasl_client_complete(c), "PLAIN: complete");
	TEST_INTEQ(sasl_client_step(c, "", 0, &out, &err), SASL_ERROR,
	    "PLAIN: no challenge expected");
	TEST_CHECK(err != NULL && strstr(err, "unexpected") != NULL,
	    "PLAIN: unexpected challenge message");
	x_free(&err);
	sasl_client_free(&c);

	p.authzid = "Ursel";
	p.user = "Kurt";
	p.pass = "xipj3plmq";
	c = sasl_client_new("plain", &p, &err);
	TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_DONE,
	    "PLAIN authzid: start");
	TEST_CHECK(BYTES_EQ(&out, "Ursel\0Kurt\0xipj3plmq"),
	    "PLAIN: exact bytes with authzid");
	TEST_STREQ(sasl_client_mech(c), "PLAIN", "PLAIN: canonical name");
	sasl_client_free(&c);

	/* An empty authzid is no authzid. */
	p.authzid = "";
	c = sasl_client_new("PLAIN", &p, &err);
	sasl_client_step(c, "", 0, &out, &err);
	TEST_CHECK(BYTES_EQ(&out, "\0Kurt\0xipj3plmq"),
	    "PLAIN: empty challenge, empty authzid");
	sasl_client_free(&c);
	buf_free(&out);
}

static void
test_login(void)
{
	struct sasl_params	 p = { .user = "user@example.com",
	    .pass = "s3cret" };
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	TEST_CHECK(!sasl_mech_client_first("LOGIN"), "LOGIN waits");
	c = sasl_client_new("LOGIN", &p, &err);
	TEST_INTEQ(sasl_client_step(c, "Username:", 9, &out, &err),
	    SASL_CONTINUE, "LOGIN: user name");
	TEST_STREQ(buf_cstr(&out), "user@example.com", "LOGIN: user bytes");
	TEST_CHECK(!sasl_client_complete(c), "LOGIN: not complete yet");
	TEST_INTEQ(sasl_client_step(c, "Password:", 9, &out, &err), SASL_DONE,
	    "LOGIN: password");
	TEST_STREQ(buf_cstr(&out), "s3cret", "LOGIN: password bytes");
	TEST_CHECK(sasl_client_complete(c), "LOGIN: complete");
	TEST_INTEQ(sasl_client_step(c, "What?", 5, &out, &err), SASL_ERROR,
	    "LOGIN: third challenge");
	TEST_INTEQ(out.len, 0, "LOGIN: nothing sent on error");
	x_free(&err);
	sasl_client_free(&c);

	p.authzid = "other";
	check_new_fails("LOGIN with authzid", "LOGIN", &p,
	    "authorization identity");
	p.authzid = p.user;
	c = sasl_client_new("LOGIN", &p, &err);
	TEST_CHECK(c != NULL, "LOGIN: authzid equal to user is fine");
	sasl_client_free(&c);
	buf_free(&out);
}

static void
test_oauthbearer(void)
{
	static const char	 want[] = "n,a=user@example.com,\001"
	    "host=server.example.com\001port=143\001"
	    "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001";
	static const char	 json[] = "{\"status\":\"invalid_token\","
	    "\"scope\":\"example_scope\",\"openid-configuration\":"
	    "\"https://example.com/.well-known/openid-configuration\"}";
	struct sasl_params	 p = { .user = "user@example.com",
	    .token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	    .host = "server.example.com", .port = 143 };
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	c = sasl_client_new("OAUTHBEARER", &p, &err);
	TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_DONE,
	    "OAUTHBEARER: start");
	TEST_CHECK(BYTES_EQ(&out, want),
	    "OAUTHBEARER: RFC 7628 bytes (got \"%s\")", buf_cstr(&out));
	TEST_CHECK(sasl_client_complete(c), "OAUTHBEARER: complete");
	TEST_STREQ(sasl_client_server_error(c), NULL,
	    "OAUTHBEARER: no error yet");
	TEST_INTEQ(sasl_client_step(c, json, sizeof(json) - 1, &out, &err),
	    SASL_CONTINUE, "OAUTHBEARER: error challenge");
	TEST_CHECK(BYTES_EQ(&out, "\001"), "OAUTHBEARER: answers \\x01");
	TEST_STREQ(sasl_client_server_error(c), "invalid_token",
	    "OAUTHBEARER: status kept");
	TEST_CHECK(!sasl_client_complete(c),
	    "OAUTHBEARER: not complete after an error");
	TEST_INTEQ(sasl_client_step(c, json, sizeof(json) - 1, &out, &err),
	    SASL_ERROR, "OAUTHBEARER: second error challenge");
	x_free(&err);
	sasl_client_free(&c);

	/* No host or port; escaped a=; authzid wins; odd JSON. */
	p.user = "a,b=c";
	p.host = NULL;
	p.port = 0;
	p.token = "T";
	c = sasl_client_new("oauthbearer", &p, &err);
	sasl_client_start(c, &out, &err);
	TEST_CHECK(BYTES_EQ(&out, "n,a=a=2Cb=3Dc,\001auth=Bearer T\001\001"),
	    "OAUTHBEARER: minimal, escaped (got \"%s\")", buf_cstr(&out));
	TEST_INTEQ(sasl_client_step(c, "{ \"status\" : \"\033]0;x\" }", 22,
	    &out, &err), SASL_CONTINUE, "OAUTHBEARER: spaced JSON");
	TEST_STREQ(sasl_client_server_error(c), "?]0;x",
	    "OAUTHBEARER: status sanitised");
	sasl_client_free(&c);

	p.authzid = "boss";
	c = sasl_client_new("OAUTHBEARER", &p, &err);
	sasl_client_start(c, &out, &err);
	TEST_CHECK(BYTES_EQ(&out, "n,a=boss,\001auth=Bearer T\001\001"),
	    "OAUTHBEARER: authzid in a=");
	TEST_INTEQ(sasl_client_step(c, "not json", 8, &out, &err),
	    SASL_CONTINUE, "OAUTHBEARER: junk challenge still answered");
	TEST_STREQ(sasl_client_server_error(c), NULL,
	    "OAUTHBEARER: no status in junk");
	sasl_client_free(&c);

	/* No user at all: the gs2 header has no a=. */
	p.user = NULL;
	p.authzid = NULL;
	c = sasl_client_new("OAUTHBEARER", &p, &err);
	TEST_CHECK(c != NULL, "OAUTHBEARER: user is optional");
	sasl_client_start(c, &out, &err);
	TEST_CHECK(BYTES_EQ(&out, "n,,\001auth=Bearer T\001\001"),
	    "OAUTHBEARER: no a=");
	sasl_client_free(&c);

	/* Without SASL-IR. */
	p.user = "u";
	c = sasl_client_new("OAUTHBEARER", &p, &err);
	TEST_INTEQ(sasl_client_step(c, NULL, 0, &out, &err), SASL_DONE,
	    "OAUTHBEARER: empty challenge starts");
	TEST_CHECK(BYTES_EQ(&out, "n,a=u,\001auth=Bearer T\001\001"),
	    "OAUTHBEARER: no SASL-IR bytes");
	sasl_client_free(&c);
	buf_free(&out);
}

static void
test_xoauth2(void)
{
	static const char	 want[] = "user=someuser@example.com\001"
	    "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg\001\001";
	static const char	 json[] = "{\"status\":\"400\",\"schemes\":"
	    "\"Bearer\",\"scope\":\"https://mail.google.com/\"}";
	struct sasl_params	 p = { .user = "someuser@example.com",
	    .token = "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg",
	    .pass = "ignored" };
	struct sasl_client	*c;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;

	c = sasl_client_new("XOAUTH2", &p, &err);
	TEST_INTEQ(sasl_client_start(c, &out, &err), SASL_DONE,
	    "XOAUTH2: start");
	TEST_CHECK(BYTES_EQ(&out, want),
	    "XOAUTH2: exact bytes");
	TEST_INTEQ(sasl_client_step(c, json, sizeof(json) - 1, &out, &err),
	    SASL_CONTINUE, "XOAUTH2: error challenge");
	TEST_INTEQ(out.len, 0, "XOAUTH2: empty answer");
	TEST_STREQ(sasl_client_server_error(c), "400", "XOAUTH2: status");
	TEST_CHECK(!sasl_client_complete(c), "XOAUTH2: not complete");
	TEST_INTEQ(sasl_client_step(c, "", 0, &out, &err), SASL_ERROR,
	    "XOAUTH2: nothing after the error");
	x_free(&err);
	sasl_client_free(&c);

	p.user = NULL;
	check_new_fails("XOAUTH2 without user", "XOAUTH2", &p, "user name");
	p.user = "me";
	p.authzid = "you";
	check_new_fails("XOAUTH2 with authzid", "XOAUTH2", &p,
	    "authorization identity");
	buf_free(&out);
}

static void
test_params(void)
{
	struct sasl_params	p = { .user = "user" };

	check_new_fails("unknown mechanism", "CRAM-MD5", &p, "CRAM-MD5");
	check_new_fails("unknown, sanitised", "X\033[1m", &p, "X?[1m");
	check_new_fails("PLAIN without password", "PLAIN", &p, "password");
	check_new_fails("LOGIN without password", "LOGIN", &p, "password");
	check_new_fails("SCRAM without password", "SCRAM-SHA-256", &p,
	    "password");
	p.pass = "";
	check_new_fails("empty password", "SCRAM-SHA-1", &p, "password");
	p.pass = "pencil";
	check_new_fails("OAUTHBEARER without token", "OAUTHBEARER", &p,
	    "token");
	check_new_fails("XOAUTH2 without token", "XOAUTH2", &p, "token");
	p.token = "a\001b";
	check_new_fails("token with \\x01", "XOAUTH2", &p, "control");
	p.token = NULL;
	check_new_fails("-PLUS without binding", "SCRAM-SHA-256-PLUS", &p,
	    "channel binding");
	p.cb_type = "tls-exporter";
	check_new_fails("-PLUS without binding data", "SCRAM-SHA-1-PLUS", &p,
	    "channel binding");
	p.cb_type = NULL;
	p.user = NULL;
	check_new_fails("PLAIN without user", "PLAIN", &p, "user name");
	p.user = "";
	check_new_fails("SCRAM with empty user", "SCRAM-SHA-1", &p,
	    "user name");
	p.user = "bad\nuser";
	check_new_fails("control in user", "SCRAM-SHA-1", &p, "control");
	p.user = "bad\302\233user";
	check_new_fails("C1 control in user", "PLAIN", &p, "control");
	p.user = "del\177";
	check_new_fails("DEL in user", "LOGIN", &p, "control");
	p.user = "user";
	p.authzid = "x\ty";
	check_new_fails("control in authzid", "PLAIN", &p, "control");
	p.authzid = NULL;
	p.host = "h\r\nost";
	p.token = "t";
	check_new_fails("control in host", "OAUTHBEARER", &p, "control");
}

static void
test_choose(void)
{
	const struct choose_case	*t;
	size_t				 i, ns, na;
	const char			*got;

	for (i = 0; i < nitems(choose_cases); i++) {
		t = &choose_cases[i];
		for (ns = 0; ns < nitems(t->server) && t->server[ns]; ns++)
			;
		for (na = 0; na < nitems(t->allowed) && t->allowed[na]; na++)
			;
		got = sasl_choose(t->server, ns, na > 0 ? t->allowed : NULL,
		    na, t->have_token, t->can_bind);
		TEST_STREQ(got, t->want, "choose: %s", t->label);
	}
	/* An empty user list allows nothing (unlike NULL). */
	{
		const char	*server[] = { "PLAIN" };
		const char	*allowed[] = { "PLAIN" };

		TEST_STREQ(sasl_choose(server, 1, allowed, 0, false, false),
		    NULL, "choose: empty user list");
	}
}

static void
test_names(void)
{
	const char	*server[] = { "plain", "SCRAM-SHA-256-plus",
	    "SCRAM-SHA-1" };

	TEST_CHECK(sasl_mech_supported("scram-sha-1-plus"),
	    "supported: case-insensitive");
	TEST_CHECK(sasl_mech_supported("XOAUTH2"), "supported: XOAUTH2");
	TEST_CHECK(!sasl_mech_supported("CRAM-MD5"), "not supported: CRAM");
	TEST_CHECK(!sasl_mech_supported("SCRAM-SHA-256-"), "no prefix match");
	TEST_CHECK(sasl_mech_uses_token("oauthbearer"), "token: OAUTHBEARER");
	TEST_CHECK(sasl_mech_uses_token("XOAUTH2"), "token: XOAUTH2");
	TEST_CHECK(!sasl_mech_uses_token("PLAIN"), "password: PLAIN");
	TEST_CHECK(!sasl_mech_uses_token("NOPE"), "unknown: no token");
	TEST_CHECK(sasl_mech_client_first("SCRAM-SHA-256"),
	    "client-first: SCRAM");
	TEST_CHECK(sasl_mech_client_first("XOAUTH2"), "client-first: XOAUTH2");
	TEST_CHECK(!sasl_mech_client_first("NOPE"), "client-first: unknown");
	TEST_CHECK(sasl_server_offers_plus(server, 3, "SCRAM-SHA-256"),
	    "offers plus: SHA-256");
	TEST_CHECK(!sasl_server_offers_plus(server, 3, "SCRAM-SHA-1"),
	    "offers plus: not SHA-1");
	TEST_CHECK(!sasl_server_offers_plus(server, 3, "PLAIN"),
	    "offers plus: not PLAIN");
}

int
main(void)
{
	test_scram_vectors();
	test_scram_failures();
	test_scram_misc();
	test_plain();
	test_login();
	test_oauthbearer();
	test_xoauth2();
	test_params();
	test_choose();
	test_names();
	return test_done();
}
