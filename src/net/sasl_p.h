/*
 * SASL internals shared by sasl.c (table, simple mechanisms, selection) and
 * sasl_scram.c (SCRAM). Nothing outside src/net includes this.
 */
#ifndef CRISPIN_SASL_P_H
#define CRISPIN_SASL_P_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"
#include "crispin/sasl.h"

/* Every state any mechanism can be in; names are in sasl.c for the log. */
enum sasl_state {
	SASL_S_INIT,		/* nothing sent yet */
	SASL_S_SENT_USER,	/* LOGIN: user name sent, password next */
	SASL_S_SENT_FIRST,	/* SCRAM: client-first sent */
	SASL_S_SENT_FINAL,	/* SCRAM: client-final sent, server-final due */
	SASL_S_SENT_ALL,	/* everything sent; the server decides */
	SASL_S_ERROR_ACK,	/* OAuth: error challenge answered */
	SASL_S_VERIFIED,	/* SCRAM: server signature checked */
	SASL_S_FAILED,		/* SASL_ERROR was returned; no more steps */
};

#define SASL_MF_CLIENT_FIRST	0x01	/* has an initial response */
#define SASL_MF_PASSWORD	0x02	/* needs params.pass */
#define SASL_MF_TOKEN		0x04	/* needs params.token */
#define SASL_MF_PLUS		0x08	/* SCRAM with channel binding */
#define SASL_MF_NO_AUTHZID	0x10	/* cannot carry an authzid */
#define SASL_MF_NEED_USER	0x20	/* params.user is mandatory */

enum sasl_hash {
	SASL_HASH_NONE,
	SASL_HASH_SHA1,
	SASL_HASH_SHA256,
};

struct scram;

struct sasl_mech {
	const char	*name;		/* canonical upper-case name */
	int		 flags;		/* SASL_MF_* */
	enum sasl_hash	 hash;		/* SCRAM only */
	/* Optional: extra set-up after the common parameters are copied. */
	int		(*init)(struct sasl_client *,
			    const struct sasl_params *, char **error_r);
	/* Only for SASL_MF_CLIENT_FIRST; called in SASL_S_INIT. */
	enum sasl_step	(*start)(struct sasl_client *, struct buf *out,
			    char **error_r);
	/* Called in any state but SASL_S_FAILED; out is already empty. */
	enum sasl_step	(*step)(struct sasl_client *, const char *challenge,
			    size_t len, struct buf *out, char **error_r);
	/* Optional: releases and wipes mechanism state. */
	void		(*free)(struct sasl_client *);
};

struct sasl_client {
	const struct sasl_mech	*mech;		/* borrowed: static table */
	enum sasl_state		 state;		/* change with sasl_set_state */
	char			*user;		/* owned; NULL if not given */
	char			*authzid;	/* owned; NULL: none */
	char			*pass;		/* owned secret, or NULL */
	char			*token;		/* owned secret, or NULL */
	char			*host;		/* owned; NULL if not given */
	unsigned		 port;
	char			*server_error;	/* owned: OAuth error status */
	struct scram		*scram;		/* owned: SCRAM state */
};

/* Moves to a new state and logs the transition (never any credential). */
void	sasl_set_state(struct sasl_client *, enum sasl_state);
/* Does s contain a C0, DEL or UTF-8 encoded C1 control character? */
bool	sasl_has_control(const char *s);
/* Appends s as a SCRAM/GS2 saslname: "=" becomes "=3D", "," "=2C". */
void	sasl_add_saslname(struct buf *, const char *s);

int	scram_init(struct sasl_client *, const struct sasl_params *,
	    char **error_r);
enum sasl_step scram_start(struct sasl_client *, struct buf *, char **error_r);
enum sasl_step scram_step(struct sasl_client *, const char *, size_t,
	    struct buf *, char **error_r);
void	scram_free(struct sasl_client *);

#endif
