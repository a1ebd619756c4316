/*
 * FETCH data: flags, capabilities, ENVELOPE, INTERNALDATE and the FETCH
 * response itself; also the helpers the other data_*.c files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/datetime.h"
#include "crispin/str.h"
#include "data_p.h"

struct fetch_ctx {
	struct arena		*arena;
	struct imap_fetch	*fetch;
	size_t			 npairs;	/* bounds the sections */
};

typedef int fetch_item_fn(struct fetch_ctx *, const char *,
    const struct imap_arg *, char **);

struct fetch_item {
	const char	*name;
	fetch_item_fn	*parse;
};

static int	 address_list(struct arena *, const struct imap_arg *,
		    struct imap_address_list *, const char *, char **);
static int	 date_number(const char **, size_t, int *);
static int	 fetch_number(const struct imap_arg *, uint64_t, uint64_t *);
static int	 one_item_list(const struct imap_arg *,
		    const struct imap_arg **);
static int	 objectid(struct arena *, const struct imap_arg *,
		    const char **);
static bool	 objectid_char(char);
static fetch_item_fn fetch_uid, fetch_flags, fetch_internaldate, fetch_size,
		    fetch_modseq, fetch_savedate, fetch_envelope, fetch_body,
		    fetch_emailid, fetch_threadid, fetch_section,
		    fetch_binary_size;

/* Items without a section, and the prefixes of those with one. */
static const struct fetch_item fetch_items[] = {
	{ "UID", fetch_uid },
	{ "FLAGS", fetch_flags },
	{ "INTERNALDATE", fetch_internaldate },
	{ "RFC822.SIZE", fetch_size },
	{ "MODSEQ", fetch_modseq },
	{ "SAVEDATE", fetch_savedate },
	{ "ENVELOPE", fetch_envelope },
	{ "BODYSTRUCTURE", fetch_body },
	{ "BODY", fetch_body },
	{ "EMAILID", fetch_emailid },
	{ "THREADID", fetch_threadid },
	{ "RFC822", fetch_section },
	{ "RFC822.HEADER", fetch_section },
	{ "RFC822.TEXT", fetch_section },
};
static const struct fetch_item fetch_section_items[] = {
	{ "BODY", fetch_section },
	{ "BODY.PEEK", fetch_section },	/* echoed by a few servers */
	{ "BINARY", fetch_section },
	{ "BINARY.SIZE", fetch_binary_size },
};

static const struct {
	const char	*name;
	unsigned	 bit;
} system_flags[] = {
	{ "\\Seen", IMAP_FLAG_SEEN },
	{ "\\Answered", IMAP_FLAG_ANSWERED },
	{ "\\Flagged", IMAP_FLAG_FLAGGED },
	{ "\\Deleted", IMAP_FLAG_DELETED },
	{ "\\Draft", IMAP_FLAG_DRAFT },
	{ "\\Recent", IMAP_FLAG_RECENT },
	{ "\\*", IMAP_FLAG_ANY },
};

unsigned
imap_flag_bit(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(system_flags); i++) {
		if (str_ieq(name, system_flags[i].name))
			return system_flags[i].bit;
	}
	return 0;
}

const char *
imap_flag_name(unsigned bit)
{
	size_t	i;

	for (i = 0; i < nitems(system_flags); i++) {
		if (system_flags[i].bit == bit)
			return system_flags[i].name;
	}
	return NULL;
}

static const char *const envelope_fields[] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id",
};

static const char months[][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Shared helpers. */

int
data_fail(char **error_r, const char *fmt, ...)
{
	va_list	ap;

	if (error_r != NULL) {
		va_start(ap, fmt);
		*error_r = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
data_wrap(char **error_r, const char *fmt, ...)
{
	va_list	 ap;
	char	*prefix, *old;

	if (error_r == NULL)
		return -1;
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	old = *error_r;
	*error_r = xasprintf("%s: %s", prefix, old != NULL ? old : "error");
	free(prefix);
	free(old);
	return -1;
}

const char *
data_kind(const struct imap_arg *arg)
{
	switch (arg->type) {
	case IMAP_ARG_NIL:
		return "NIL";
	case IMAP_ARG_ATOM:
		return "an atom";
	case IMAP_ARG_QUOTED:
		return "a quoted string";
	case IMAP_ARG_LITERAL:
		return "a literal";
	case IMAP_ARG_LITERAL_STREAMED:
		return "a streamed literal";
	case IMAP_ARG_LIST:
		return "a list";
	}
	return "an unknown argument";
}

const char *
data_excerpt(char out[DATA_EXCERPT], const char *s)
{
	size_t	i;

	for (i = 0; i < DATA_EXCERPT - 1 && s[i] != '\0'; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return out;
}

int
data_nstring(struct arena *arena, const struct imap_arg *arg, const char **out)
{
	switch (arg->type) {
	case IMAP_ARG_NIL:
		*out = NULL;
		return 0;
	case IMAP_ARG_ATOM:
	case IMAP_ARG_QUOTED:
	case IMAP_ARG_LITERAL:
		if (arg->u.str.s == NULL)
			return -1;
		*out = arena_strndup(arena, arg->u.str.s, arg->u.str.len);
		return 0;
	default:
		return -1;
	}
}

int
data_string(struct arena *arena, const struct imap_arg *arg, const char **out)
{
	if (arg->type == IMAP_ARG_NIL)
		return -1;
	return data_nstring(arena, arg, out);
}

char *
data_lower(struct arena *arena, const char *s)
{
	char	*p, *c;

	p = arena_strdup(arena, s);
	for (c = p; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return p;
}

int
data_mailbox(struct arena *arena, const struct imap_arg *arg, const char **out)
{
	if (data_string(arena, arg, out) == -1)
		return -1;
	/* INBOX is case-insensitive (RFC 3501 5.1): one spelling for all. */
	if (str_ieq(*out, "INBOX"))
		*out = "INBOX";
	return 0;
}

bool
data_is_untagged(const struct imap_response *resp, const char *keyword)
{
	return resp->kind == IMAP_RESP_UNTAGGED && resp->keyword != NULL &&
	    strcmp(resp->keyword, keyword) == 0;
}

/* Flags and capabilities. */

int
imap_flags_parse(const struct imap_arg *arg, struct arena *arena,
    struct imap_flags *flags, char **error_r)
{
	const struct imap_arg	*items;
	const char		*atom;
	size_t			 n, i, j;

	memset(flags, 0, sizeof *flags);
	if (!imap_arg_list(arg, &items, &n))
		return data_fail(error_r, "FLAGS: expected a list, got %s",
		    data_kind(arg));
	for (i = 0; i < n; i++) {
		if ((atom = imap_arg_atom(&items[i])) == NULL) {
			memset(flags, 0, sizeof *flags);
			return data_fail(error_r,
			    "FLAGS: flag %zu is %s, not an atom", i + 1,
			    data_kind(&items[i]));
		}
		for (j = 0; j < nitems(system_flags); j++) {
			if (str_ieq(atom, system_flags[j].name))
				break;
		}
		if (j < nitems(system_flags)) {
			flags->bits |= system_flags[j].bit;
			continue;
		}
		if (flags->keywords == NULL)
			flags->keywords = arena_array(arena, n,
			    sizeof *flags->keywords);
		flags->keywords[flags->nkeywords++] = arena_strdup(arena, atom);
	}
	return 0;
}

int
imap_caps_parse(const struct imap_arg *args, size_t argc, struct arena *arena,
    struct imap_caps *caps, char **error_r)
{
	const char	*atom;
	size_t		 i;

	memset(caps, 0, sizeof *caps);
	if (argc == 0)
		return 0;
	caps->names = arena_array(arena, argc, sizeof *caps->names);
	for (i = 0; i < argc; i++) {
		if ((atom = imap_arg_atom(&args[i])) == NULL) {
			memset(caps, 0, sizeof *caps);
			return data_fail(error_r,
			    "CAPABILITY: item %zu is %s, not an atom", i + 1,
			    data_kind(&args[i]));
		}
		caps->names[i] = str_upper(arena_strdup(arena, atom));
	}
	caps->count = argc;
	return 0;
}

bool
imap_caps_has(const struct imap_caps *caps, const char *upper)
{
	size_t	i;

	for (i = 0; i < caps->count; i++) {
		if (strcmp(caps->names[i], upper) == 0)
			return true;
	}
	return false;
}

/* ENVELOPE. */

static int
address_list(struct arena *arena, const struct imap_arg *arg,
    struct imap_address_list *list, const char *field, char **error_r)
{
	const struct imap_arg	*items, *a;
	struct imap_address	*addr;
	size_t			 n, na, i;

	list->addrs = NULL;
	list->count = 0;
	if (arg->type == IMAP_ARG_NIL)
		return 0;
	if (!imap_arg_list(arg, &items, &n))
		return data_fail(error_r,
		    "ENVELOPE: %s: expected an address list or NIL, got %s",
		    field, data_kind(arg));
	if (n == 0)
		return 0;
	list->addrs = arena_array(arena, n, sizeof *list->addrs);
	for (i = 0; i < n; i++) {
		addr = &list->addrs[i];
		if (!imap_arg_list(&items[i], &a, &na))
			return data_fail(error_r,
			    "ENVELOPE: %s: address %zu is %s, not a list",
			    field, i + 1, data_kind(&items[i]));
		if (na != 4)
			return data_fail(error_r, "ENVELOPE: %s: address %zu: "
			    "expected 4 fields, got %zu", field, i + 1, na);
		if (data_nstring(arena, &a[0], &addr->name) == -1 ||
		    data_nstring(arena, &a[1], &addr->adl) == -1 ||
		    data_nstring(arena, &a[2], &addr->mailbox) == -1 ||
		    data_nstring(arena, &a[3], &addr->host) == -1)
			return data_fail(error_r, "ENVELOPE: %s: address %zu: "
			    "fields must be strings or NIL", field, i + 1);
	}
	list->count = n;
	return 0;
}

int
imap_envelope_parse(const struct imap_arg *arg, struct arena *arena,
    struct imap_envelope *env, char **error_r)
{
	struct imap_address_list	*lists[6];
	const struct imap_arg		*items;
	const char			**strings[4];
	size_t				 n, i;
	static const size_t		 string_at[4] = { 0, 1, 8, 9 };

	memset(env, 0, sizeof *env);
	if (!imap_arg_list(arg, &items, &n))
		return data_fail(error_r, "ENVELOPE: expected a list, got %s",
		    data_kind(arg));
	if (n != 10)
		return data_fail(error_r,
		    "ENVELOPE: expected 10 fields, got %zu", n);
	strings[0] = &env->date;
	strings[1] = &env->subject;
	strings[2] = &env->in_reply_to;
	strings[3] = &env->message_id;
	for (i = 0; i < 4; i++) {
		if (data_nstring(arena, &items[string_at[i]],
		    strings[i]) == -1) {
			memset(env, 0, sizeof *env);
			return data_fail(error_r,
			    "ENVELOPE: %s: expected a string or NIL, got %s",
			    envelope_fields[string_at[i]],
			    data_kind(&items[string_at[i]]));
		}
	}
	lists[0] = &env->from;
	lists[1] = &env->sender;
	lists[2] = &env->reply_to;
	lists[3] = &env->to;
	lists[4] = &env->cc;
	lists[5] = &env->bcc;
	for (i = 0; i < 6; i++) {
		if (address_list(arena, &items[2 + i], lists[i],
		    envelope_fields[2 + i], error_r) == -1) {
			memset(env, 0, sizeof *env);
			return -1;
		}
	}
	return 0;
}

/* INTERNALDATE. */

/* Reads exactly len digits. */
static int
date_number(const char **sp, size_t len, int *out)
{
	const char	*s = *sp;
	size_t		 i;
	int		 v = 0;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	*sp = s + len;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date; eras of 400 years
 * make the leap-year rule a lookup of the year within its era. */
int
imap_date_time_parse(const char *s, time_t *utc, int *tz_minutes)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int		 day, mon, year, hour, min, sec, zh, zm, sign;
	bool		 leap;

	if (s == NULL)
		return -1;
	/* date-day-fixed is " 7" or "07"; a bare "7" is tolerated. */
	if (*s == ' ')
		s++;
	if (s[0] >= '0' && s[0] <= '9' && s[1] == '-') {
		if (date_number(&s, 1, &day) == -1)
			return -1;
	} else if (date_number(&s, 2, &day) == -1)
		return -1;
	if (*s++ != '-')
		return -1;
	for (mon = 0; mon < 12; mon++) {
		if (strncasecmp(s, months[mon], 3) == 0)
			break;
	}
	if (mon == 12)
		return -1;
	s += 3;
	if (*s++ != '-' || date_number(&s, 4, &year) == -1 || *s++ != ' ' ||
	    date_number(&s, 2, &hour) == -1 || *s++ != ':' ||
	    date_number(&s, 2, &min) == -1 || *s++ != ':' ||
	    date_number(&s, 2, &sec) == -1 || *s++ != ' ')
		return -1;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (date_number(&s, 2, &zh) == -1 || date_number(&s, 2, &zm) == -1 ||
	    *s != '\0')
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day < 1 || day > mdays[mon] || (mon == 1 && !leap && day > 28) ||
	    hour > 23 || min > 59 || sec > 60 || zh > 23 || zm > 59)
		return -1;
	if (utc != NULL)
		*utc = (time_t)(days_from_civil(year, mon + 1, day) * 86400 +
		    hour * 3600 + min * 60 + sec - sign * (zh * 60 + zm) * 60);
	if (tz_minutes != NULL)
		*tz_minutes = sign * (zh * 60 + zm);
	return 0;
}

/* FETCH. */

static int
fetch_number(const struct imap_arg *arg, uint64_t max, uint64_t *out)
{
	return imap_arg_number(arg, max, out) ? 0 : -1;
}

/* The single item of "(x)". */
static int
one_item_list(const struct imap_arg *arg, const struct imap_arg **item)
{
	const struct imap_arg	*items;
	size_t			 n;

	if (!imap_arg_list(arg, &items, &n) || n != 1)
		return -1;
	*item = &items[0];
	return 0;
}

/* RFC 8474 objectid: 1 to 255 of ALPHA, DIGIT, '_', '-'. */
static int
objectid(struct arena *arena, const struct imap_arg *arg, const char **out)
{
	const struct imap_arg	*item;
	const char		*s;
	size_t			 i;

	if (one_item_list(arg, &item) == -1 ||
	    data_string(arena, item, &s) == -1)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (!objectid_char(s[i]))
			return -1;
	}
	if (i == 0 || i > 255)
		return -1;
	*out = s;
	return 0;
}

static bool
objectid_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
fetch_uid(struct fetch_ctx *ctx, const char *name, const struct imap_arg *v,
    char **error_r)
{
	uint64_t	n;

	if (fetch_number(v, UINT32_MAX, &n) == -1 || n == 0)
		return data_fail(error_r,
		    "UID: expected a non-zero 32-bit number");
	ctx->fetch->uid = (uint32_t)n;
	ctx->fetch->has_uid = true;
	return 0;
}

static int
fetch_flags(struct fetch_ctx *ctx, const char *name, const struct imap_arg *v,
    char **error_r)
{
	if (imap_flags_parse(v, ctx->arena, &ctx->fetch->flags, error_r) == -1)
		return -1;
	ctx->fetch->has_flags = true;
	return 0;
}

static int
fetch_internaldate(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	struct imap_fetch	*f = ctx->fetch;
	const char		*s;
	char			 ex[DATA_EXCERPT];

	if ((s = imap_arg_str(v)) == NULL)
		return data_fail(error_r,
		    "INTERNALDATE: expected a string, got %s", data_kind(v));
	if (imap_date_time_parse(s, &f->internaldate,
	    &f->internaldate_tz) == -1)
		return data_fail(error_r, "INTERNALDATE: bad date-time \"%s\"",
		    data_excerpt(ex, s));
	f->has_internaldate = true;
	return 0;
}

static int
fetch_size(struct fetch_ctx *ctx, const char *name, const struct imap_arg *v,
    char **error_r)
{
	if (fetch_number(v, INT64_MAX, &ctx->fetch->size) == -1)
		return data_fail(error_r, "RFC822.SIZE: expected a number");
	ctx->fetch->has_size = true;
	return 0;
}

static int
fetch_modseq(struct fetch_ctx *ctx, const char *name, const struct imap_arg *v,
    char **error_r)
{
	const struct imap_arg	*item;

	if (one_item_list(v, &item) == -1 ||
	    fetch_number(item, DATA_MODSEQ_MAX, &ctx->fetch->modseq) == -1)
		return data_fail(error_r,
		    "MODSEQ: expected a list of one 63-bit number");
	ctx->fetch->has_modseq = true;
	return 0;
}

static int
fetch_savedate(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	const char	*s;
	char		 ex[DATA_EXCERPT];

	/* NIL: the server keeps no save date for this mailbox. */
	if (v->type == IMAP_ARG_NIL) {
		ctx->fetch->has_savedate = false;
		return 0;
	}
	if ((s = imap_arg_str(v)) == NULL)
		return data_fail(error_r,
		    "SAVEDATE: expected a string or NIL, got %s", data_kind(v));
	if (imap_date_time_parse(s, &ctx->fetch->savedate, NULL) == -1)
		return data_fail(error_r, "SAVEDATE: bad date-time \"%s\"",
		    data_excerpt(ex, s));
	ctx->fetch->has_savedate = true;
	return 0;
}

static int
fetch_envelope(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	struct imap_envelope	*env;

	env = arena_alloc(ctx->arena, sizeof *env);
	if (imap_envelope_parse(v, ctx->arena, env, error_r) == -1)
		return -1;
	ctx->fetch->envelope = env;
	return 0;
}

static int
fetch_body(struct fetch_ctx *ctx, const char *name, const struct imap_arg *v,
    char **error_r)
{
	return imap_body_parse(v, ctx->arena, 0, &ctx->fetch->body, error_r);
}

static int
fetch_emailid(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	if (objectid(ctx->arena, v, &ctx->fetch->emailid) == -1)
		return data_fail(error_r, "EMAILID: expected (objectid)");
	return 0;
}

static int
fetch_threadid(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	/* NIL: the server does not thread this message. */
	if (v->type == IMAP_ARG_NIL) {
		ctx->fetch->threadid = NULL;
		return 0;
	}
	if (objectid(ctx->arena, v, &ctx->fetch->threadid) == -1)
		return data_fail(error_r,
		    "THREADID: expected (objectid) or NIL");
	return 0;
}

/*
 * BODY[section]<origin>, BINARY[section]<origin> and RFC822{,.HEADER,.TEXT}.
 * The data argument is copied so that it lives as long as the arena.
 */
static int
fetch_section(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	struct imap_fetch	*f = ctx->fetch;
	struct imap_section	*sec;
	struct imap_arg		*data;
	const char		*open, *close, *p;
	uint64_t		 origin;
	size_t			 len;
	char			 ex[DATA_EXCERPT];

	if (v->type == IMAP_ARG_LIST)
		return data_fail(error_r,
		    "%s: expected a string or NIL, got a list",
		    data_excerpt(ex, name));
	if (f->sections == NULL)
		f->sections = arena_array(ctx->arena, ctx->npairs, sizeof *sec);
	sec = &f->sections[f->nsections];
	memset(sec, 0, sizeof *sec);
	if ((open = strchr(name, '[')) == NULL) {
		/* RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], ... */
		sec->spec = str_upper(arena_strdup(ctx->arena, name));
		sec->section = strchr(sec->spec, '.') == NULL ? "" :
		    strchr(sec->spec, '.') + 1;
	} else {
		/* The last ']': header field names may hold one. */
		close = strrchr(name, ']');
		p = close + 1;
		if (*p == '<') {
			p++;
			len = strcspn(p, ">");
			if (str_to_u64(p, len, UINT32_MAX, &origin) == -1 ||
			    p[len] != '>' || p[len + 1] != '\0')
				return data_fail(error_r, "%s: bad <origin>",
				    data_excerpt(ex, name));
			sec->has_origin = true;
			sec->origin = (uint32_t)origin;
		} else if (*p != '\0')
			return data_fail(error_r, "%s: junk after ']'",
			    data_excerpt(ex, name));
		sec->spec = arena_strndup(ctx->arena, name,
		    (size_t)(close + 1 - name));
		sec->section = arena_strndup(ctx->arena, open + 1,
		    (size_t)(close - open - 1));
		sec->binary = str_has_iprefix(name, "BINARY");
	}
	data = arena_alloc(ctx->arena, sizeof *data);
	*data = *v;
	if (v->type != IMAP_ARG_NIL && v->type != IMAP_ARG_LITERAL_STREAMED) {
		if (v->u.str.s == NULL)
			return data_fail(error_r, "%s: string without data",
			    data_excerpt(ex, name));
		data->u.str.s = arena_strndup(ctx->arena, v->u.str.s,
		    v->u.str.len);
	}
	sec->data = data;
	f->nsections++;
	return 0;
}

static int
fetch_binary_size(struct fetch_ctx *ctx, const char *name,
    const struct imap_arg *v, char **error_r)
{
	struct imap_fetch	*f = ctx->fetch;
	const char		*open, *close;
	uint64_t		 size;
	char			 ex[DATA_EXCERPT];

	open = strchr(name, '[');
	close = strrchr(name, ']');
	if (close[1] != '\0')
		return data_fail(error_r, "%s: junk after ']'",
		    data_excerpt(ex, name));
	if (fetch_number(v, INT64_MAX, &size) == -1)
		return data_fail(error_r, "%s: expected a number",
		    data_excerpt(ex, name));
	if (f->binary_sizes == NULL)
		f->binary_sizes = arena_array(ctx->arena, ctx->npairs,
		    sizeof *f->binary_sizes);
	f->binary_sizes[f->nbinary_sizes].section = arena_strndup(ctx->arena,
	    open + 1, (size_t)(close - open - 1));
	f->binary_sizes[f->nbinary_sizes].size = size;
	f->nbinary_sizes++;
	return 0;
}

int
imap_fetch_parse(const struct imap_response *resp, struct arena *arena,
    struct imap_fetch *fetch, char **error_r)
{
	const struct fetch_item	*table, *item;
	const struct imap_arg	*items;
	struct fetch_ctx	 ctx;
	const char		*name, *open, *close;
	char			 ex[DATA_EXCERPT];
	size_t			 n, i, j, ntable, len;

	memset(fetch, 0, sizeof *fetch);
	if (!data_is_untagged(resp, "FETCH") || !resp->has_number)
		return data_fail(error_r,
		    "FETCH: not an untagged FETCH response");
	fetch->seq = resp->number;
	if (resp->argc != 1 || !imap_arg_list(&resp->args[0], &items, &n))
		return data_fail(error_r,
		    "FETCH %u: expected one list of items", fetch->seq);
	if (n % 2 != 0)
		return data_fail(error_r, "FETCH %u: expected item and value "
		    "pairs, got %zu arguments", fetch->seq, n);
	ctx.arena = arena;
	ctx.fetch = fetch;
	ctx.npairs = n / 2;
	for (i = 0; i < n; i += 2) {
		if ((name = imap_arg_atom(&items[i])) == NULL) {
			memset(fetch, 0, sizeof *fetch);
			return data_fail(error_r,
			    "FETCH %u: item name %zu is %s, not an atom",
			    resp->number, i / 2 + 1, data_kind(&items[i]));
		}
		open = strchr(name, '[');
		close = strrchr(name, ']');
		if (open != NULL && (close == NULL || close < open)) {
			memset(fetch, 0, sizeof *fetch);
			return data_fail(error_r,
			    "FETCH %u: %s: no closing ']'", resp->number,
			    data_excerpt(ex, name));
		}
		if (open != NULL) {
			table = fetch_section_items;
			ntable = nitems(fetch_section_items);
			len = (size_t)(open - name);
		} else {
			table = fetch_items;
			ntable = nitems(fetch_items);
			len = strlen(name);
		}
		item = NULL;
		for (j = 0; j < ntable; j++) {
			if (strlen(table[j].name) == len &&
			    strncasecmp(table[j].name, name, len) == 0) {
				item = &table[j];
				break;
			}
		}
		/* Items we did not ask for (X-GM-LABELS, PREVIEW, ...). */
		if (item == NULL)
			continue;
		if (item->parse(&ctx, name, &items[i + 1], error_r) == -1) {
			data_wrap(error_r, "FETCH %u", resp->number);
			memset(fetch, 0, sizeof *fetch);
			return -1;
		}
	}
	return 0;
}
