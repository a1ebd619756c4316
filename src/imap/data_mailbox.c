/*
 * Mailbox-level data: LIST/LSUB, STATUS, SEARCH/ESEARCH, NAMESPACE,
 * VANISHED, ID, and the arguments of response codes.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/str.h"
#include "data_p.h"

static int	 list_attrs(struct arena *, const struct imap_arg *,
		    struct imap_list *, char **);
static int	 list_extended(struct arena *, const struct imap_arg *,
		    struct imap_list *, char **);
static int	 uid_set(const struct imap_arg *, struct imap_seqset *);
static uint64_t	 raw_count(const struct imap_seqset *);
static int	 esearch_data(const struct imap_arg *, size_t, size_t,
		    struct imap_esearch *, char **);
typedef int esearch_fn(const struct imap_arg *, struct imap_esearch *);
static esearch_fn esearch_min, esearch_max, esearch_count, esearch_all,
		    esearch_modseq, esearch_partial;
static int	 partial_bound(const char **, int64_t *);
static int	 search_plain(const struct imap_response *,
		    struct imap_esearch *, char **);
static int	 search_modseq(const struct imap_arg *, struct imap_esearch *,
		    char **);
static int	 esearch_correlator(const struct imap_arg *,
		    struct imap_esearch *, char **);
static int	 namespace_one(struct arena *, const struct imap_arg *,
		    struct imap_ns **, size_t *, const char *, char **);

/* RFC 3501, RFC 5258 and RFC 6154 mailbox attributes. */
static const struct {
	const char	*name;
	unsigned	 bits;
} mbox_attrs[] = {
	{ "\\Noselect", IMAP_MBOX_NOSELECT },
	{ "\\NoInferiors", IMAP_MBOX_NOINFERIORS },
	{ "\\Marked", IMAP_MBOX_MARKED },
	{ "\\Unmarked", IMAP_MBOX_UNMARKED },
	{ "\\HasChildren", IMAP_MBOX_HASCHILDREN },
	{ "\\HasNoChildren", IMAP_MBOX_HASNOCHILDREN },
	/* RFC 5258: \NonExistent implies \Noselect. */
	{ "\\NonExistent", IMAP_MBOX_NONEXISTENT | IMAP_MBOX_NOSELECT },
	{ "\\Subscribed", IMAP_MBOX_SUBSCRIBED },
	{ "\\Remote", IMAP_MBOX_REMOTE },
};

static const char *const special_uses[] = {
	"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent",
	"\\Trash", "\\Important",
};

/* ESEARCH return data (RFC 4731, RFC 9394) and what each wants. */
static const struct {
	const char	*name;
	esearch_fn	*parse;
	const char	*want;
} esearch_items[] = {
	{ "MIN", esearch_min, "a non-zero number" },
	{ "MAX", esearch_max, "a non-zero number" },
	{ "COUNT", esearch_count, "a number" },
	{ "ALL", esearch_all, "a sequence set" },
	{ "MODSEQ", esearch_modseq, "a number" },
	{ "PARTIAL", esearch_partial, "(range set-or-NIL)" },
};

/* STATUS items; each lands in a 32- or 64-bit field. */
static const struct {
	const char	*name;
	unsigned	 bit;
	size_t		 offset;
	uint64_t	 max;	/* UINT32_MAX: a uint32_t field */
} status_items[] = {
	{ "MESSAGES", IMAP_STATUS_MESSAGES,
	  offsetof(struct imap_status_data, messages), UINT32_MAX },
	{ "UNSEEN", IMAP_STATUS_UNSEEN,
	  offsetof(struct imap_status_data, unseen), UINT32_MAX },
	{ "RECENT", IMAP_STATUS_RECENT,
	  offsetof(struct imap_status_data, recent), UINT32_MAX },
	{ "UIDNEXT", IMAP_STATUS_UIDNEXT,
	  offsetof(struct imap_status_data, uidnext), UINT32_MAX },
	{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY,
	  offsetof(struct imap_status_data, uidvalidity), UINT32_MAX },
	{ "DELETED", IMAP_STATUS_DELETED,
	  offsetof(struct imap_status_data, deleted), UINT32_MAX },
	{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ,
	  offsetof(struct imap_status_data, highestmodseq), DATA_MODSEQ_MAX },
	{ "SIZE", IMAP_STATUS_SIZE,
	  offsetof(struct imap_status_data, size), INT64_MAX },
};

/* LIST. */

static int
list_attrs(struct arena *arena, const struct imap_arg *arg,
    struct imap_list *list, char **error_r)
{
	const struct imap_arg	*items;
	const char		*atom;
	size_t			 n, i, j;

	if (!imap_arg_list(arg, &items, &n))
		return data_fail(error_r, "attributes: expected a list, got %s",
		    data_kind(arg));
	for (i = 0; i < n; i++) {
		if ((atom = imap_arg_atom(&items[i])) == NULL)
			return data_fail(error_r,
			    "attribute %zu is %s, not an atom", i + 1,
			    data_kind(&items[i]));
		for (j = 0; j < nitems(mbox_attrs); j++) {
			if (str_ieq(atom, mbox_attrs[j].name))
				break;
		}
		if (j < nitems(mbox_attrs)) {
			list->attrs |= mbox_attrs[j].bits;
			continue;
		}
		/* The first special use wins; the table's spelling lets
		 * callers compare with strcmp. */
		for (j = 0; j < nitems(special_uses); j++) {
			if (str_ieq(atom, special_uses[j]))
				break;
		}
		if (j < nitems(special_uses) && list->special_use == NULL) {
			list->special_use = special_uses[j];
			continue;
		}
		if (list->other_attrs == NULL)
			list->other_attrs = arena_array(arena, n,
			    sizeof *list->other_attrs);
		list->other_attrs[list->nother_attrs++] =
		    arena_strdup(arena, atom);
	}
	return 0;
}

/* RFC 5258 mbox-list-extended: ("CHILDINFO" ("SUBSCRIBED") "OLDNAME" ("x")) */
static int
list_extended(struct arena *arena, const struct imap_arg *arg,
    struct imap_list *list, char **error_r)
{
	const struct imap_arg	*items, *vals;
	const char		*tag, *s;
	size_t			 n, nvals, i, j;

	if (!imap_arg_list(arg, &items, &n) || n % 2 != 0)
		return data_fail(error_r,
		    "extended data: expected a list of tag and value pairs");
	for (i = 0; i < n; i += 2) {
		if ((tag = imap_arg_str(&items[i])) == NULL)
			return data_fail(error_r,
			    "extended data: tag %zu is %s, not a string",
			    i / 2 + 1, data_kind(&items[i]));
		if (str_ieq(tag, "CHILDINFO")) {
			if (!imap_arg_list(&items[i + 1], &vals, &nvals))
				return data_fail(error_r,
				    "CHILDINFO: expected a list");
			for (j = 0; j < nvals; j++) {
				if ((s = imap_arg_str(&vals[j])) == NULL)
					return data_fail(error_r,
					    "CHILDINFO: item %zu is %s",
					    j + 1, data_kind(&vals[j]));
				if (str_ieq(s, "SUBSCRIBED"))
					list->childinfo_subscribed = true;
			}
		} else if (str_ieq(tag, "OLDNAME")) {
			if (!imap_arg_list(&items[i + 1], &vals, &nvals) ||
			    nvals != 1 ||
			    data_mailbox(arena, &vals[0], &list->oldname) == -1)
				return data_fail(error_r, "OLDNAME: "
				    "expected a list of one mailbox name");
		}
	}
	return 0;
}

int
imap_list_parse(const struct imap_response *resp, struct arena *arena,
    struct imap_list *list, char **error_r)
{
	const char	*what, *delim;

	memset(list, 0, sizeof *list);
	if (data_is_untagged(resp, "LIST"))
		what = "LIST";
	else if (data_is_untagged(resp, "LSUB"))
		what = "LSUB";
	else
		return data_fail(error_r, "LIST: not an untagged LIST or LSUB");
	if (resp->argc < 3 || resp->argc > 4)
		return data_fail(error_r, "%s: expected attributes, "
		    "delimiter and name, got %zu arguments", what, resp->argc);
	if (list_attrs(arena, &resp->args[0], list, error_r) == -1)
		goto fail;
	if (resp->args[1].type == IMAP_ARG_NIL)
		list->delimiter = '\0';
	else if ((delim = imap_arg_str(&resp->args[1])) != NULL &&
	    resp->args[1].u.str.len == 1 && *delim != '\0')
		list->delimiter = *delim;
	else {
		data_fail(error_r, "delimiter: expected one character or NIL");
		goto fail;
	}
	if (data_mailbox(arena, &resp->args[2], &list->name) == -1) {
		data_fail(error_r, "name: expected a string, got %s",
		    data_kind(&resp->args[2]));
		goto fail;
	}
	if (resp->argc == 4 &&
	    list_extended(arena, &resp->args[3], list, error_r) == -1)
		goto fail;
	return 0;
fail:
	memset(list, 0, sizeof *list);
	return data_wrap(error_r, "%s", what);
}

/* STATUS. */

int
imap_status_parse(const struct imap_response *resp, struct arena *arena,
    struct imap_status_data *st, char **error_r)
{
	const struct imap_arg	*items;
	const char		*name;
	uint64_t		 v;
	size_t			 n, i, j;
	char			 ex[DATA_EXCERPT];

	memset(st, 0, sizeof *st);
	if (!data_is_untagged(resp, "STATUS"))
		return data_fail(error_r, "STATUS: not an untagged STATUS");
	if (resp->argc != 2)
		return data_fail(error_r,
		    "STATUS: expected a mailbox and a list, got %zu arguments",
		    resp->argc);
	if (data_mailbox(arena, &resp->args[0], &st->mailbox) == -1)
		return data_fail(error_r, "STATUS: mailbox is %s, not a string",
		    data_kind(&resp->args[0]));
	if (!imap_arg_list(&resp->args[1], &items, &n) || n % 2 != 0) {
		memset(st, 0, sizeof *st);
		return data_fail(error_r,
		    "STATUS: expected a list of item and number pairs");
	}
	for (i = 0; i < n; i += 2) {
		if ((name = imap_arg_atom(&items[i])) == NULL) {
			memset(st, 0, sizeof *st);
			return data_fail(error_r,
			    "STATUS: item %zu is %s, not an atom", i / 2 + 1,
			    data_kind(&items[i]));
		}
		for (j = 0; j < nitems(status_items); j++) {
			if (str_ieq(name, status_items[j].name))
				break;
		}
		/* Items we did not ask for (APPENDLIMIT, MAILBOXID, ...). */
		if (j == nitems(status_items))
			continue;
		if (!imap_arg_number(&items[i + 1], status_items[j].max, &v)) {
			memset(st, 0, sizeof *st);
			return data_fail(error_r,
			    "STATUS: %s: expected a number",
			    data_excerpt(ex, name));
		}
		if (status_items[j].max == UINT32_MAX)
			*(uint32_t *)((char *)st + status_items[j].offset) =
			    (uint32_t)v;
		else
			*(uint64_t *)((char *)st + status_items[j].offset) = v;
		st->have |= status_items[j].bit;
	}
	return 0;
}

/* SEARCH and ESEARCH. */

/* "5", "-1": a bound of a PARTIAL range. */
static int
partial_bound(const char **sp, int64_t *out)
{
	const char	*s = *sp;
	uint64_t	 v;
	size_t		 len;
	bool		 neg;

	neg = *s == '-';
	if (neg)
		s++;
	len = strspn(s, "0123456789");
	if (len == 0 || *s == '0' || str_to_u64(s, len, UINT32_MAX, &v) == -1)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	*sp = s + len;
	return 0;
}

/* RFC 9394: PARTIAL (range set-or-NIL) */
static int
esearch_partial(const struct imap_arg *arg, struct imap_esearch *es)
{
	const struct imap_arg	*items;
	const char		*s, *set;
	int64_t			 lo, hi, t;
	size_t			 n;

	if (!imap_arg_list(arg, &items, &n) || n != 2 ||
	    (s = imap_arg_atom(&items[0])) == NULL)
		return -1;
	if (partial_bound(&s, &lo) == -1 || *s++ != ':' ||
	    partial_bound(&s, &hi) == -1 || *s != '\0' ||
	    (lo < 0) != (hi < 0))
		return -1;
	/* Either order is allowed; keep the one nearer its end first. */
	if ((lo > 0 && lo > hi) || (lo < 0 && lo < hi)) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (items[1].type != IMAP_ARG_NIL) {
		if ((set = imap_arg_atom(&items[1])) == NULL ||
		    imap_seqset_parse(&es->partial, set) == -1)
			return -1;
		imap_seqset_normalize(&es->partial);
	}
	es->has_partial = true;
	es->partial_lo = lo;
	es->partial_hi = hi;
	return 0;
}

static int
esearch_min(const struct imap_arg *arg, struct imap_esearch *es)
{
	uint64_t	v;

	if (!imap_arg_number(arg, UINT32_MAX, &v) || v == 0)
		return -1;
	es->has_min = true;
	es->min = (uint32_t)v;
	return 0;
}

static int
esearch_max(const struct imap_arg *arg, struct imap_esearch *es)
{
	uint64_t	v;

	if (!imap_arg_number(arg, UINT32_MAX, &v) || v == 0)
		return -1;
	es->has_max = true;
	es->max = (uint32_t)v;
	return 0;
}

static int
esearch_count(const struct imap_arg *arg, struct imap_esearch *es)
{
	uint64_t	v;

	if (!imap_arg_number(arg, UINT32_MAX, &v))
		return -1;
	es->has_count = true;
	es->count = (uint32_t)v;
	return 0;
}

static int
esearch_all(const struct imap_arg *arg, struct imap_esearch *es)
{
	const char	*set;

	if ((set = imap_arg_atom(arg)) == NULL ||
	    imap_seqset_parse(&es->all, set) == -1)
		return -1;
	imap_seqset_normalize(&es->all);
	return 0;
}

static int
esearch_modseq(const struct imap_arg *arg, struct imap_esearch *es)
{
	if (!imap_arg_number(arg, DATA_MODSEQ_MAX, &es->modseq))
		return -1;
	es->has_modseq = true;
	return 0;
}

/* search-return-data pairs from args[i]. */
static int
esearch_data(const struct imap_arg *args, size_t argc, size_t i,
    struct imap_esearch *es, char **error_r)
{
	const char	*name;
	size_t		 j;
	char		 ex[DATA_EXCERPT];

	for (; i < argc; i += 2) {
		if ((name = imap_arg_atom(&args[i])) == NULL)
			return data_fail(error_r,
			    "ESEARCH: return item is %s, not an atom",
			    data_kind(&args[i]));
		if (i + 1 == argc)
			return data_fail(error_r, "ESEARCH: %s without a value",
			    data_excerpt(ex, name));
		for (j = 0; j < nitems(esearch_items); j++) {
			if (str_ieq(name, esearch_items[j].name))
				break;
		}
		/* Other return data (RELEVANCY, ...) is skipped. */
		if (j == nitems(esearch_items))
			continue;
		if (esearch_items[j].parse(&args[i + 1], es) == -1)
			return data_fail(error_r, "ESEARCH: %s: expected %s",
			    esearch_items[j].name, esearch_items[j].want);
	}
	return 0;
}

/* "* SEARCH 2 3 5 (MODSEQ 917)" */
static int
search_plain(const struct imap_response *resp, struct imap_esearch *es,
    char **error_r)
{
	uint64_t	v;
	size_t		i;

	for (i = 0; i < resp->argc; i++) {
		if (i + 1 == resp->argc &&
		    resp->args[i].type == IMAP_ARG_LIST) {
			if (search_modseq(&resp->args[i], es, error_r) == -1)
				return -1;
			break;
		}
		if (!imap_arg_number(&resp->args[i], UINT32_MAX, &v) || v == 0)
			return data_fail(error_r,
			    "SEARCH: item %zu is not a message number", i + 1);
		imap_seqset_add(&es->all, (uint32_t)v, (uint32_t)v);
	}
	imap_seqset_normalize(&es->all);
	return 0;
}

/* RFC 7162 "(MODSEQ n)" after the numbers of a SEARCH. */
static int
search_modseq(const struct imap_arg *arg, struct imap_esearch *es,
    char **error_r)
{
	const struct imap_arg	*items;
	size_t			 n;

	if (!imap_arg_list(arg, &items, &n) || n != 2 ||
	    !imap_arg_atom_is(&items[0], "MODSEQ") ||
	    !imap_arg_number(&items[1], DATA_MODSEQ_MAX, &es->modseq))
		return data_fail(error_r,
		    "SEARCH: expected (MODSEQ number) at the end");
	es->has_modseq = true;
	return 0;
}

/* (TAG "A1"), with RFC 7377's MAILBOX and UIDVALIDITY beside it. */
static int
esearch_correlator(const struct imap_arg *arg, struct imap_esearch *es,
    char **error_r)
{
	const struct imap_arg	*items;
	const char		*tag;
	size_t			 n, i;

	if (!imap_arg_list(arg, &items, &n) || n % 2 != 0)
		return data_fail(error_r,
		    "ESEARCH: expected (TAG \"tag\") correlator");
	for (i = 0; i < n; i += 2) {
		if (!imap_arg_atom_is(&items[i], "TAG"))
			continue;
		if ((tag = imap_arg_str(&items[i + 1])) == NULL)
			return data_fail(error_r,
			    "ESEARCH: TAG: expected a string");
		free((char *)es->tag);
		es->tag = xstrdup(tag);
	}
	return 0;
}

int
imap_esearch_parse(const struct imap_response *resp, struct imap_esearch *es,
    char **error_r)
{
	size_t	i = 0;
	int	rc;

	memset(es, 0, sizeof *es);
	imap_seqset_init(&es->all);
	imap_seqset_init(&es->partial);
	if (data_is_untagged(resp, "SEARCH")) {
		rc = search_plain(resp, es, error_r);
		goto done;
	}
	if (!data_is_untagged(resp, "ESEARCH"))
		return data_fail(error_r,
		    "ESEARCH: not an untagged ESEARCH or SEARCH");
	if (resp->argc > 0 && resp->args[0].type == IMAP_ARG_LIST) {
		if ((rc = esearch_correlator(&resp->args[0], es,
		    error_r)) == -1)
			goto done;
		i++;
	}
	if (i < resp->argc && imap_arg_atom_is(&resp->args[i], "UID")) {
		es->uid = true;
		i++;
	}
	rc = esearch_data(resp->args, resp->argc, i, es, error_r);
done:
	if (rc == -1)
		imap_esearch_free(es);
	return rc;
}

void
imap_esearch_free(struct imap_esearch *es)
{
	free((char *)es->tag);
	imap_seqset_free(&es->all);
	imap_seqset_free(&es->partial);
	memset(es, 0, sizeof *es);
}

int
imap_esearch_collect(const struct imap_response *r, struct imap_seqset *set)
{
	struct imap_esearch	 es;
	char			*error = NULL;
	size_t			 i;

	if (imap_esearch_parse(r, &es, &error) < 0) {
		free(error);
		return -1;
	}
	for (i = 0; i < es.all.count; i++)
		imap_seqset_add(set, es.all.ranges[i].lo, es.all.ranges[i].hi);
	imap_esearch_free(&es);
	return 0;
}

/* NAMESPACE. */

static int
namespace_one(struct arena *arena, const struct imap_arg *arg,
    struct imap_ns **ns_r, size_t *count, const char *what, char **error_r)
{
	const struct imap_arg	*items, *desc;
	const char		*delim;
	struct imap_ns		*ns;
	size_t			 n, nd, i;

	*ns_r = NULL;
	*count = 0;
	if (arg->type == IMAP_ARG_NIL)
		return 0;
	if (!imap_arg_list(arg, &items, &n))
		return data_fail(error_r,
		    "NAMESPACE: %s: expected a list or NIL, got %s", what,
		    data_kind(arg));
	if (n == 0)
		return 0;
	ns = arena_array(arena, n, sizeof *ns);
	for (i = 0; i < n; i++) {
		/* ("prefix" "delim" *(extension-name (values))) */
		if (!imap_arg_list(&items[i], &desc, &nd) || nd < 2 ||
		    nd % 2 != 0)
			return data_fail(error_r,
			    "NAMESPACE: %s %zu: expected (prefix delimiter)",
			    what, i + 1);
		if (data_string(arena, &desc[0], &ns[i].prefix) == -1)
			return data_fail(error_r,
			    "NAMESPACE: %s %zu: prefix is %s, not a string",
			    what, i + 1, data_kind(&desc[0]));
		if (desc[1].type == IMAP_ARG_NIL)
			ns[i].delimiter = '\0';
		else if ((delim = imap_arg_str(&desc[1])) != NULL &&
		    desc[1].u.str.len == 1 && *delim != '\0')
			ns[i].delimiter = *delim;
		else
			return data_fail(error_r, "NAMESPACE: %s %zu: "
			    "delimiter must be one character or NIL", what,
			    i + 1);
	}
	*ns_r = ns;
	*count = n;
	return 0;
}

int
imap_namespace_parse(const struct imap_response *resp, struct arena *arena,
    struct imap_namespaces *ns, char **error_r)
{
	memset(ns, 0, sizeof *ns);
	if (!data_is_untagged(resp, "NAMESPACE"))
		return data_fail(error_r,
		    "NAMESPACE: not an untagged NAMESPACE");
	if (resp->argc != 3)
		return data_fail(error_r,
		    "NAMESPACE: expected 3 namespace lists, got %zu",
		    resp->argc);
	if (namespace_one(arena, &resp->args[0], &ns->personal, &ns->npersonal,
	    "personal", error_r) == -1 ||
	    namespace_one(arena, &resp->args[1], &ns->other, &ns->nother,
	    "other users'", error_r) == -1 ||
	    namespace_one(arena, &resp->args[2], &ns->shared, &ns->nshared,
	    "shared", error_r) == -1) {
		memset(ns, 0, sizeof *ns);
		return -1;
	}
	return 0;
}

/* VANISHED and UID codes. */

/* A set of UIDs, where '*' has no place; appended to set only if valid. */
static int
uid_set(const struct imap_arg *arg, struct imap_seqset *set)
{
	struct imap_seqset	 tmp;
	const char		*s;
	size_t			 i;

	if ((s = imap_arg_atom(arg)) == NULL)
		return -1;
	imap_seqset_init(&tmp);
	if (imap_seqset_parse(&tmp, s) == -1 ||
	    imap_seqset_contains(&tmp, UINT32_MAX)) {
		imap_seqset_free(&tmp);
		return -1;
	}
	for (i = 0; i < tmp.count; i++)
		imap_seqset_add(set, tmp.ranges[i].lo, tmp.ranges[i].hi);
	imap_seqset_free(&tmp);
	return 0;
}

/* Values in a set as written, repeats and all: COPYUID pairs them up. */
static uint64_t
raw_count(const struct imap_seqset *set)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < set->count; i++)
		n += (uint64_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return n;
}

int
imap_vanished_parse(const struct imap_response *resp, bool *earlier,
    struct imap_seqset *uids, char **error_r)
{
	const struct imap_arg	*items;
	size_t			 n, i = 0;

	*earlier = false;
	if (!data_is_untagged(resp, "VANISHED"))
		return data_fail(error_r, "VANISHED: not an untagged VANISHED");
	if (resp->argc == 2) {
		if (!imap_arg_list(&resp->args[0], &items, &n) || n != 1 ||
		    !imap_arg_atom_is(&items[0], "EARLIER"))
			return data_fail(error_r,
			    "VANISHED: expected (EARLIER)");
		*earlier = true;
		i = 1;
	} else if (resp->argc != 1)
		return data_fail(error_r, "VANISHED: expected [(EARLIER)] "
		    "and a UID set, got %zu arguments", resp->argc);
	if (uid_set(&resp->args[i], uids) == -1) {
		*earlier = false;
		return data_fail(error_r, "VANISHED: bad UID set");
	}
	return 0;
}

/* ID. */

int
imap_id_parse(const struct imap_response *resp, struct arena *arena,
    struct imap_param **params, size_t *count, char **error_r)
{
	const struct imap_arg	*items;
	const char		*name;
	struct imap_param	*p;
	size_t			 n, i;

	*params = NULL;
	*count = 0;
	if (!data_is_untagged(resp, "ID"))
		return data_fail(error_r, "ID: not an untagged ID");
	if (resp->argc != 1)
		return data_fail(error_r,
		    "ID: expected one list or NIL, got %zu arguments",
		    resp->argc);
	if (resp->args[0].type == IMAP_ARG_NIL)
		return 0;
	if (!imap_arg_list(&resp->args[0], &items, &n) || n % 2 != 0)
		return data_fail(error_r,
		    "ID: expected a list of name and value pairs");
	if (n == 0)
		return 0;
	p = arena_array(arena, n / 2, sizeof *p);
	for (i = 0; i < n; i += 2) {
		if (data_string(arena, &items[i], &name) == -1 ||
		    data_nstring(arena, &items[i + 1], &p[i / 2].value) == -1)
			return data_fail(error_r, "ID: field %zu: "
			    "expected a name and a string or NIL", i / 2 + 1);
		p[i / 2].name = data_lower(arena, name);
	}
	*params = p;
	*count = n / 2;
	return 0;
}

/* Response codes. */

int
imap_code_number(const struct imap_response *resp, uint64_t *out)
{
	if (resp->code == NULL || resp->code_argc != 1 ||
	    !imap_arg_number(&resp->code_args[0], UINT64_MAX, out))
		return -1;
	return 0;
}

int
imap_code_appenduid(const struct imap_response *resp, uint32_t *uidvalidity,
    struct imap_seqset *uids)
{
	uint64_t	v;

	if (resp->code == NULL || strcmp(resp->code, "APPENDUID") != 0 ||
	    resp->code_argc != 2 ||
	    !imap_arg_number(&resp->code_args[0], UINT32_MAX, &v) || v == 0 ||
	    uid_set(&resp->code_args[1], uids) == -1)
		return -1;
	*uidvalidity = (uint32_t)v;
	return 0;
}

int
imap_code_appenduid_one(const struct imap_response *resp, uint32_t *uidvalidity,
    uint32_t *uid)
{
	struct imap_seqset	uids;
	int			rc = -1;

	imap_seqset_init(&uids);
	if (resp->status == IMAP_STATUS_OK &&
	    imap_code_appenduid(resp, uidvalidity, &uids) == 0 && uids.count == 1 &&
	    uids.ranges[0].lo == uids.ranges[0].hi) {
		*uid = uids.ranges[0].lo;
		rc = 0;
	}
	imap_seqset_free(&uids);
	return rc;
}

int
imap_code_copyuid(const struct imap_response *resp, uint32_t *uidvalidity,
    struct imap_seqset *src, struct imap_seqset *dst)
{
	struct imap_seqset	 s, d;
	uint64_t		 v;
	size_t			 i;
	int			 rc = -1;

	imap_seqset_init(&s);
	imap_seqset_init(&d);
	if (resp->code == NULL || strcmp(resp->code, "COPYUID") != 0 ||
	    resp->code_argc != 3 ||
	    !imap_arg_number(&resp->code_args[0], UINT32_MAX, &v) || v == 0 ||
	    uid_set(&resp->code_args[1], &s) == -1 ||
	    uid_set(&resp->code_args[2], &d) == -1 ||
	    raw_count(&s) != raw_count(&d))
		goto done;
	/* Not normalized: the n-th source UID became the n-th destination. */
	for (i = 0; i < s.count; i++)
		imap_seqset_add(src, s.ranges[i].lo, s.ranges[i].hi);
	for (i = 0; i < d.count; i++)
		imap_seqset_add(dst, d.ranges[i].lo, d.ranges[i].hi);
	*uidvalidity = (uint32_t)v;
	rc = 0;
done:
	imap_seqset_free(&s);
	imap_seqset_free(&d);
	return rc;
}
