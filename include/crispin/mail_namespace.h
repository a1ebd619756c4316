/*
 * Namespaces (RFC 2342) beyond the user's own: a LIST "" "*" need not
 * reach other users' or shared folders, so folder lists (the browser,
 * crispin folders) list each such namespace by its prefix as well, and
 * only where "*" did not reach it already. The kind of a single folder
 * is mail_namespace_of() in mail_folder.h.
 */
#ifndef CRISPIN_MAIL_NAMESPACE_H
#define CRISPIN_MAIL_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/imap_data.h"

/* The i-th other users' or shared namespace with a prefix to list (the
 * other users' ones first), borrowed from ns; NULL past the last one or
 * when ns is NULL. An empty prefix is skipped: "*" covers it. */
const struct imap_ns *mail_namespace_foreign(const struct imap_namespaces *ns,
	    size_t i);

/* True when raw, a folder name as the server spells it, lies below the
 * namespace's prefix: a LIST that returned it reached the namespace. The
 * namespace's root alone ("#shared" for "#shared/") does not count. */
bool	 mail_namespace_inside(const struct imap_ns *, const char *raw);

/* The LIST pattern for a namespace: its prefix followed by "*" (malloc'd). */
char	*mail_namespace_pattern(const struct imap_ns *);

#endif
