/*
 * Which namespace (RFC 2342) a folder lives in, by the longest prefix the
 * server's NAMESPACE answer names: the user's own, other users' or shared
 * folders. The namespace's root itself ("shared" for "shared/") counts.
 */
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_namespace.h"
#include "crispin/xalloc.h"

static size_t match(const struct imap_ns *, size_t, const char *);

/* The length of the longest prefix in ns that raw is in; 0 when none
 * (an empty prefix matches everything with length 0 too). */
static size_t
match(const struct imap_ns *ns, size_t n, const char *raw)
{
	size_t	 i, len, best = 0;

	for (i = 0; i < n; i++) {
		len = strlen(ns[i].prefix);
		if (len == 0 || len <= best)
			continue;
		if (strncmp(raw, ns[i].prefix, len) == 0 ||
		    (ns[i].delimiter != '\0' && ns[i].prefix[len - 1] == ns[i].delimiter &&
		    strlen(raw) == len - 1 && strncmp(raw, ns[i].prefix, len - 1) == 0))
			best = len;
	}
	return best;
}

enum mail_namespace
mail_namespace_of(const struct imap_namespaces *ns, const char *raw)
{
	size_t	 p, o, s;

	if (ns == NULL)
		return MAIL_NS_PERSONAL;
	p = match(ns->personal, ns->npersonal, raw);
	o = match(ns->other, ns->nother, raw);
	s = match(ns->shared, ns->nshared, raw);
	if (o > p && o >= s)
		return MAIL_NS_OTHER;
	if (s > p && s > o)
		return MAIL_NS_SHARED;
	return MAIL_NS_PERSONAL;
}

const char *
mail_namespace_name(enum mail_namespace kind)
{
	static const char *const names[] = {
		[MAIL_NS_PERSONAL] = "personal",
		[MAIL_NS_OTHER] = "other",
		[MAIL_NS_SHARED] = "shared",
	};

	return names[kind];
}

const struct imap_ns *
mail_namespace_foreign(const struct imap_namespaces *ns, size_t i)
{
	size_t	 k;

	if (ns == NULL)
		return NULL;
	for (k = 0; k < ns->nother; k++) {
		if (ns->other[k].prefix[0] != '\0' && i-- == 0)
			return &ns->other[k];
	}
	for (k = 0; k < ns->nshared; k++) {
		if (ns->shared[k].prefix[0] != '\0' && i-- == 0)
			return &ns->shared[k];
	}
	return NULL;
}

bool
mail_namespace_inside(const struct imap_ns *ns, const char *raw)
{
	size_t	 len = strlen(ns->prefix);

	return len > 0 && strlen(raw) > len && strncmp(raw, ns->prefix, len) == 0;
}

char *
mail_namespace_pattern(const struct imap_ns *ns)
{
	return xasprintf("%s*", ns->prefix);
}
