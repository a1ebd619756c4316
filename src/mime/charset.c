/* Charset conversion to UTF-8 through iconv, with the labels real mail uses. */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/mime_charset.h"
#include "crispin/xalloc.h"

/* Longest label we look up; longer ones are no charset anyone uses. */
#define LABEL_MAX	64
/* Open descriptors kept: a mailbox rarely mixes more than a few. */
#define CACHE_SIZE	8

struct alias {
	const char	*label;		/* lower-case, as normalised */
	const char	*iconv_name;	/* NULL: no conversion possible */
};

struct cache_slot {
	char		 label[LABEL_MAX];
	iconv_t		 cd;		/* (iconv_t)-1: iconv refused it */
	unsigned long	 used;
};

static bool	 normalise(const char *, char *, size_t);
static const char *iconv_name(const char *);
static bool	 is_utf8(const char *);
static bool	 is_ascii_label(const char *);
static size_t	 utf8_seq(const unsigned char *, size_t);
static void	 add_replacement(struct buf *);
static void	 best_effort(struct buf *, const unsigned char *, size_t);
static iconv_t	 cache_get(const char *);
static bool	 valid_from(const struct buf *, size_t);
static void	 convert(iconv_t, const char *, size_t, struct buf *);

/*
 * Labels mapped to the superset iconv should read instead: mislabelled
 * mail uses the Windows code pages under the ISO and legacy names.
 */
static const struct alias aliases[] = {
	{ "latin1",		"WINDOWS-1252" },
	{ "latin-1",		"WINDOWS-1252" },
	{ "l1",			"WINDOWS-1252" },
	{ "iso-8859-1",		"WINDOWS-1252" },
	{ "iso_8859-1",		"WINDOWS-1252" },
	{ "iso8859-1",		"WINDOWS-1252" },
	{ "iso_8859-1:1987",	"WINDOWS-1252" },
	{ "cp819",		"WINDOWS-1252" },
	{ "ibm819",		"WINDOWS-1252" },
	{ "us-ascii",		"WINDOWS-1252" },
	{ "ascii",		"WINDOWS-1252" },
	{ "us",			"WINDOWS-1252" },
	{ "ansi_x3.4-1968",	"WINDOWS-1252" },
	{ "iso646-us",		"WINDOWS-1252" },
	{ "646",		"WINDOWS-1252" },
	{ "iso-8859-9",		"WINDOWS-1254" },
	{ "latin5",		"WINDOWS-1254" },
	{ "iso-8859-11",	"CP874" },
	{ "tis-620",		"CP874" },
	{ "windows-874",	"CP874" },
	{ "iso-8859-8-i",	"ISO-8859-8" },
	{ "iso-8859-6-i",	"ISO-8859-6" },
	{ "gb2312",		"GB18030" },
	{ "gbk",		"GB18030" },
	{ "x-gbk",		"GB18030" },
	{ "cp936",		"GB18030" },
	{ "euc-cn",		"GB18030" },
	{ "csgb2312",		"GB18030" },
	{ "big5",		"BIG5-HKSCS" },
	{ "x-x-big5",		"BIG5-HKSCS" },
	{ "ks_c_5601-1987",	"CP949" },
	{ "ks_c_5601",		"CP949" },
	{ "ksc5601",		"CP949" },
	{ "euc-kr",		"CP949" },
	{ "x-sjis",		"CP932" },
	{ "sjis",		"CP932" },
	{ "shift-jis",		"CP932" },
	{ "shift_jis",		"CP932" },
	{ "ms_kanji",		"CP932" },
	{ "windows-31j",	"CP932" },
	{ "csshiftjis",		"CP932" },
	{ "iso-2022-jp",	"ISO-2022-JP-2" },
	{ "csiso2022jp",	"ISO-2022-JP-2" },
	{ "unicode-1-1-utf-7",	"UTF-7" },
	{ "utf7",		"UTF-7" },
	{ "x-mac-roman",	"MACINTOSH" },
	{ "macintosh",		"MACINTOSH" },
	{ "unknown-8bit",	NULL },
	{ "unknown",		NULL },
	{ "x-unknown",		NULL },
	{ "x-user-defined",	NULL },
	{ "default",		NULL },
	{ "8bit",		NULL },
	{ "binary",		NULL },
};

static struct cache_slot cache[CACHE_SIZE];
static unsigned long cache_clock;

/* Lower-cases charset into out, without quotes and surrounding spaces. */
static bool
normalise(const char *charset, char *out, size_t size)
{
	size_t	 len, i;

	if (charset == NULL)
		return false;
	while (*charset == ' ' || *charset == '\t' || *charset == '"' ||
	    *charset == '\'')
		charset++;
	len = strlen(charset);
	while (len > 0 && (charset[len - 1] == ' ' ||
	    charset[len - 1] == '\t' || charset[len - 1] == '"' ||
	    charset[len - 1] == '\''))
		len--;
	if (len == 0 || len >= size)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)charset[i];

		/* iconv would read "//" as options such as //IGNORE. */
		if (c < 0x21 || c >= 0x7f || c == '/')
			return false;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[len] = '\0';
	return true;
}

/* The name to give iconv for a normalised label; NULL for none. */
static const char *
iconv_name(const char *label)
{
	size_t	 i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(aliases[i].label, label) == 0)
			return aliases[i].iconv_name;
	}
	return label;
}

static bool
is_utf8(const char *label)
{
	return strcmp(label, "utf-8") == 0 || strcmp(label, "utf8") == 0 ||
	    strcmp(label, "x-utf-8") == 0 || strcmp(label, "x-utf8") == 0;
}

static bool
is_ascii_label(const char *label)
{
	const char *name = iconv_name(label);

	return name != NULL && strcmp(name, "WINDOWS-1252") == 0;
}

/*
 * Length of the valid UTF-8 sequence at s (n bytes available), or 0 when
 * it is invalid: bad lead or continuation, overlong, surrogate, > U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	 c = s[0];
	size_t		 need, i;
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return need;
}

static void
add_replacement(struct buf *out)
{
	buf_add(out, "\xef\xbf\xbd", 3);
}

void
mime_utf8_sanitize(struct buf *out, const void *in, size_t len)
{
	const unsigned char	*s = in;
	size_t			 i = 0, start = 0, n;

	if (len == 0)
		return;
	buf_reserve(out, len);
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seq(s + i, len - i)) != 0) {
			i += n;
			continue;
		}
		buf_add(out, s + start, i - start);
		add_replacement(out);
		start = ++i;
	}
	buf_add(out, s + start, len - start);
}

static void
best_effort(struct buf *out, const unsigned char *s, size_t len)
{
	size_t	 i, start = 0;

	if (len == 0)
		return;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		buf_add(out, s + start, i - start);
		add_replacement(out);
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
}

/* A descriptor from label to UTF-8, opened once and kept (LRU). */
static iconv_t
cache_get(const char *label)
{
	struct cache_slot	*slot, *victim = &cache[0];
	const char		*name;
	size_t			 i;

	for (i = 0; i < CACHE_SIZE; i++) {
		slot = &cache[i];
		if (slot->label[0] != '\0' && strcmp(slot->label, label) == 0) {
			slot->used = ++cache_clock;
			return slot->cd;
		}
		if (slot->used < victim->used)
			victim = slot;
	}
	if (victim->label[0] != '\0' && victim->cd != (iconv_t)-1)
		iconv_close(victim->cd);
	name = iconv_name(label);
	victim->cd = name == NULL ? (iconv_t)-1 : iconv_open("UTF-8", name);
	strcpy(victim->label, label);
	victim->used = ++cache_clock;
	return victim->cd;
}

bool
mime_charset_known(const char *charset)
{
	char	 label[LABEL_MAX];

	if (!normalise(charset, label, sizeof(label)))
		return false;
	if (is_utf8(label))
		return true;
	return cache_get(label) != (iconv_t)-1;
}

/* Whether out[start..] is valid UTF-8. */
static bool
valid_from(const struct buf *out, size_t start)
{
	size_t	 i, n;

	for (i = start; i < out->len; i += n) {
		if ((n = utf8_seq((const unsigned char *)out->data + i,
		    out->len - i)) == 0)
			return false;
	}
	return true;
}

/* Runs iconv over all of in; each byte it rejects becomes U+FFFD. */
static void
convert(iconv_t cd, const char *in, size_t len, struct buf *out)
{
	char		*inp = (char *)in, *outp;
	size_t		 inleft = len, outleft, start = out->len, r;
	size_t		 want = 16;
	struct buf	 tmp = BUF_INIT;

	iconv(cd, NULL, NULL, NULL, NULL);
	for (;;) {
		buf_reserve(out, inleft * 4 + want);
		outp = out->data + out->len;
		outleft = out->cap - out->len - 1;
		if (inleft > 0)
			r = iconv(cd, &inp, &inleft, &outp, &outleft);
		else
			r = iconv(cd, NULL, NULL, &outp, &outleft);
		out->len = (size_t)(outp - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1) {
			if (inleft == 0)
				break;
			continue;
		}
		if (errno == E2BIG) {
			want *= 2;
			continue;
		}
		/* EILSEQ, or EINVAL for a character cut by the end: skip a
		 * byte and go on, so no error stops the text. */
		add_replacement(out);
		if (inleft == 0)
			break;
		inp++;
		inleft--;
	}
	/* iconv's own decoders (UTF-7, UTF-16) can emit bad UTF-8 such as
	 * lone surrogates; what we hand out is always valid. */
	if (!valid_from(out, start)) {
		mime_utf8_sanitize(&tmp, out->data + start, out->len - start);
		buf_truncate(out, start);
		buf_add(out, tmp.data, tmp.len);
		buf_free(&tmp);
	}
}

int
mime_charset_to_utf8(const char *charset, const void *in, size_t len,
    struct buf *out)
{
	char			 label[LABEL_MAX];
	const unsigned char	*s = in;
	iconv_t			 cd;
	size_t			 i;

	if (!normalise(charset, label, sizeof(label))) {
		best_effort(out, s, len);
		return -1;
	}
	if (is_utf8(label)) {
		mime_utf8_sanitize(out, in, len);
		return 0;
	}
	/* Plain ASCII reads the same in every ASCII-based charset. */
	if (len == 0)
		return mime_charset_known(label) ? 0 : -1;
	if (is_ascii_label(label)) {
		for (i = 0; i < len && s[i] < 0x80 && s[i] != 0; i++)
			;
		if (i == len) {
			buf_add(out, in, len);
			return 0;
		}
	}
	if ((cd = cache_get(label)) == (iconv_t)-1) {
		best_effort(out, s, len);
		return -1;
	}
	convert(cd, in, len, out);
	return 0;
}

/* The user's assumed_charset, for text that does not say its charset. */
static char	*assumed_list;

void
mime_set_assumed_charset(const char *list)
{
	free(assumed_list);
	assumed_list = list != NULL && *list != '\0' ? xstrdup(list) : NULL;
}

const char *
mime_assumed_charset(void)
{
	return assumed_list;
}

/* U+FFFD in out from start on: a byte the charset could not read. */
static bool
has_replacement(const struct buf *out, size_t start)
{
	size_t	 i;

	for (i = start; i + 2 < out->len; i++) {
		if ((unsigned char)out->data[i] == 0xef &&
		    (unsigned char)out->data[i + 1] == 0xbf &&
		    (unsigned char)out->data[i + 2] == 0xbd)
			return true;
	}
	return false;
}

void
mime_charset_guess_to_utf8(const char *list, const void *in, size_t len,
    struct buf *out)
{
	char		 cs[LABEL_MAX];
	const char	*p, *end, *last = NULL;
	size_t		 start = out->len, n;
	bool		 had_fffd;

	if (list == NULL)
		list = assumed_list;
	if (list == NULL) {
		mime_charset_to_utf8("windows-1252", in, len, out);
		return;
	}
	/* Text that holds U+FFFD itself proves nothing by it. */
	buf_add(out, in, len);
	had_fffd = has_replacement(out, start);
	buf_truncate(out, start);
	for (p = list; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0 || n >= sizeof cs)
			continue;
		memcpy(cs, p, n);
		cs[n] = '\0';
		if (!mime_charset_known(cs))
			continue;
		last = p;
		if (mime_charset_to_utf8(cs, in, len, out) == 0 &&
		    (had_fffd || !has_replacement(out, start)))
			return;
		buf_truncate(out, start);
	}
	/* None reads it cleanly: the last known one, else windows-1252. */
	if (last != NULL) {
		end = strchr(last, ':');
		n = end != NULL ? (size_t)(end - last) : strlen(last);
		memcpy(cs, last, n);
		cs[n] = '\0';
		mime_charset_to_utf8(cs, in, len, out);
	} else
		mime_charset_to_utf8("windows-1252", in, len, out);
}
