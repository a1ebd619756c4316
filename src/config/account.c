/*
 * Accounts: the blocks of per-account options and which one is selected,
 * and the account's server from imap_url: imaps://user@host:port/ or imap://.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static int percent_decode(const char *, size_t, char **);

struct config_account *
config_account_get(struct config *cfg, const char *name)
{
	struct config_account	*a;
	size_t			 i, n = config_noptions();

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	}
	cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1,
	    sizeof *cfg->accounts);
	a = &cfg->accounts[cfg->naccounts++];
	a->name = xstrdup(name);
	a->values = xcalloc(n, sizeof *a->values);
	a->set = xcalloc(n, sizeof *a->set);
	memset(&a->mailboxes, 0, sizeof a->mailboxes);
	return a;
}

void
config_accounts_free(struct config *cfg)
{
	size_t	i, j, n = config_noptions();

	for (i = 0; i < cfg->naccounts; i++) {
		for (j = 0; j < n; j++)
			x_free_secret(&cfg->accounts[i].values[j]);
		free(cfg->accounts[i].values);
		free(cfg->accounts[i].set);
		free(cfg->accounts[i].name);
		strlist_clear(&cfg->accounts[i].mailboxes);
	}
	free(cfg->accounts);
	cfg->accounts = NULL;
	cfg->naccounts = 0;
}

int
config_select_account(struct config *cfg, const char *name, char **error_r)
{
	struct buf	 names = BUF_INIT;
	size_t		 i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0) {
			cfg->selected = (int)i;
			buf_free(&names);
			return 0;
		}
		buf_printf(&names, "%s%s", i > 0 ? ", " : "", cfg->accounts[i].name);
	}
	if (cfg->naccounts == 0)
		*error_r = xasprintf("no account '%s': the rc file has no account blocks", name);
	else
		*error_r = xasprintf("no account '%s' in the rc file (accounts: %s)",
		    name, buf_cstr(&names));
	buf_free(&names);
	return -1;
}

size_t
config_account_count(const struct config *cfg)
{
	return cfg->naccounts;
}

const char *
config_account_at(const struct config *cfg, size_t i)
{
	return i < cfg->naccounts ? cfg->accounts[i].name : NULL;
}

static int
percent_decode(const char *s, size_t len, char **out)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;
	unsigned	 v;
	char		 hex[3] = { 0, 0, 0 };

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			buf_addc(&b, s[i]);
			continue;
		}
		if (i + 2 >= len) {
			buf_free(&b);
			return -1;
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		if (strspn(hex, "0123456789abcdefABCDEF") != 2) {
			buf_free(&b);
			return -1;
		}
		v = (unsigned)strtoul(hex, NULL, 16);
		if (v == 0) {
			buf_free(&b);
			return -1;
		}
		buf_addc(&b, (char)v);
		i += 2;
	}
	*out = buf_steal(&b);
	return 0;
}

int
imap_url_parse(const char *url, struct imap_account *acct, char **error_r)
{
	const char	*p, *at, *hostend, *end;
	size_t		 n;
	uint64_t	 port;

	memset(acct, 0, sizeof *acct);
	if (str_has_iprefix(url, "imaps://")) {
		acct->implicit_tls = true;
		p = url + 8;
	} else if (str_has_iprefix(url, "imap://")) {
		p = url + 7;
	} else {
		*error_r = xasprintf("imap_url '%s' must start with imaps:// or imap://", url);
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		*error_r = xasprintf("imap_url '%s': folder paths and queries are not supported here", url);
		return -1;
	}
	/* The last '@' separates the user, which may itself hold a '@'. */
	at = NULL;
	for (n = 0; p + n < end; n++) {
		if (p[n] == '@')
			at = p + n;
	}
	if (at != NULL) {
		const char *semi = memchr(p, ';', (size_t)(at - p));
		size_t ulen = (size_t)((semi != NULL ? semi : at) - p);

		if (ulen == 0 || percent_decode(p, ulen, &acct->user) < 0) {
			*error_r = xasprintf("imap_url '%s': bad user name", url);
			goto fail;
		}
		p = at + 1;
	}
	if (*p == '[') {
		hostend = memchr(p, ']', (size_t)(end - p));
		if (hostend == NULL) {
			*error_r = xasprintf("imap_url '%s': missing ']' after an IPv6 address", url);
			goto fail;
		}
		acct->host = xstrndup(p + 1, (size_t)(hostend - p - 1));
		p = hostend + 1;
	} else {
		hostend = p + strcspn(p, ":/");
		if (hostend > end)
			hostend = end;
		acct->host = xstrndup(p, (size_t)(hostend - p));
		p = hostend;
	}
	if (acct->host[0] == '\0') {
		*error_r = xasprintf("imap_url '%s': missing host name", url);
		goto fail;
	}
	if (p < end && *p == ':') {
		p++;
		if (str_to_u64(p, (size_t)(end - p), 65535, &port) < 0 || port == 0) {
			*error_r = xasprintf("imap_url '%s': bad port", url);
			goto fail;
		}
		acct->port = xstrndup(p, (size_t)(end - p));
	} else if (p < end) {
		*error_r = xasprintf("imap_url '%s': unexpected '%c' after the host", url, *p);
		goto fail;
	} else
		acct->port = xstrdup(acct->implicit_tls ? "993" : "143");
	acct->starttls = !acct->implicit_tls;
	return 0;
fail:
	imap_account_free(acct);
	return -1;
}

int
config_imap_account(const struct config *cfg, struct imap_account *acct, char **error_r)
{
	const char	*url = config_str(cfg, "imap_url"), *user;

	if (url == NULL) {
		*error_r = xstrdup("no IMAP server configured: set imap_url in the rc file "
		    "(e.g. set imap_url = \"imaps://you@imap.example.org/\")");
		return -1;
	}
	if (imap_url_parse(url, acct, error_r) < 0)
		return -1;
	if (!acct->implicit_tls && !config_bool(cfg, "tls"))
		acct->starttls = false;
	if (acct->user == NULL && (user = config_str(cfg, "imap_user")) != NULL)
		acct->user = xstrdup(user);
	return 0;
}

void
imap_account_free(struct imap_account *acct)
{
	x_free(&acct->host);
	x_free(&acct->port);
	x_free(&acct->user);
}
