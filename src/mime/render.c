/*
 * From a part's encoded body to safe terminal text: the decoders stacked
 * in the order the pager needs them.
 */
#include <string.h>
#include <strings.h>

#include "crispin/mime_charset.h"
#include "crispin/mime_part.h"
#include "crispin/mime_text.h"

static bool	 is_utf8_with_8bit(const char *, size_t);
static bool	 mislabel_candidate(const char *);
static bool	 has_8bit(const char *, size_t);

/* Labels that real mail puts on UTF-8 text by mistake. */
static const char *const single_byte_prefixes[] = {
	"us-ascii", "ascii", "iso-8859-", "iso8859-", "latin", "windows-125",
	"cp125",
};

static bool
is_utf8_with_8bit(const char *s, size_t n)
{
	unsigned long	 cp;
	size_t		 i = 0, k;
	bool		 high = false;

	while (i < n) {
		if ((k = mime_utf8_next(s + i, n - i, &cp)) == 0)
			return false;
		high |= k > 1;
		i += k;
	}
	return high;
}

static bool
has_8bit(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return true;
	}
	return false;
}

static bool
mislabel_candidate(const char *charset)
{
	size_t	 i;

	if (charset == NULL)
		return true;
	for (i = 0; i < sizeof single_byte_prefixes / sizeof single_byte_prefixes[0]; i++) {
		if (strncasecmp(charset, single_byte_prefixes[i],
		    strlen(single_byte_prefixes[i])) == 0)
			return true;
	}
	return false;
}

void
mime_part_render(struct buf *out, const struct mime_part *p, const char *body,
    size_t len, unsigned width)
{
	struct buf	 raw = BUF_INIT, utf8 = BUF_INIT, text = BUF_INIT;
	const char	*charset = p->charset, *format, *delsp;

	mime_decode(p->enc, body, len, &raw);
	if (mislabel_candidate(charset) && is_utf8_with_8bit(buf_cstr(&raw), raw.len))
		buf_add(&utf8, buf_cstr(&raw), raw.len);
	else if ((charset == NULL || strcasecmp(charset, "us-ascii") == 0) &&
	    has_8bit(buf_cstr(&raw), raw.len))
		/* No label, 8-bit bytes: assumed_charset says what they are.
		 * us-ascii is no label either: servers (Dovecot) put it in the
		 * BODYSTRUCTURE of a part that has none. */
		mime_charset_guess_to_utf8(NULL, buf_cstr(&raw), raw.len, &utf8);
	else if (mime_charset_to_utf8(charset ? charset : "us-ascii", buf_cstr(&raw),
	    raw.len, &utf8) < 0) {
		/* A charset iconv does not know: as good as none. */
		buf_reset(&utf8);
		mime_charset_guess_to_utf8(NULL, buf_cstr(&raw), raw.len, &utf8);
	}
	format = mime_param_get(p->params, p->nparams, "format");
	delsp = mime_param_get(p->params, p->nparams, "delsp");
	if (mime_part_is(p, "text", "html"))
		mime_html_to_text(&text, buf_cstr(&utf8), utf8.len, width);
	else if (mime_part_is(p, "text", "plain") && format != NULL &&
	    strcasecmp(format, "flowed") == 0)
		mime_flowed_reflow(&text, buf_cstr(&utf8), utf8.len,
		    delsp != NULL && strcasecmp(delsp, "yes") == 0, width);
	else
		buf_add(&text, buf_cstr(&utf8), utf8.len);
	mime_text_safe(out, buf_cstr(&text), text.len, 0);
	buf_free(&raw);
	buf_free(&utf8);
	buf_free(&text);
}
