/*
 * Text parts of the MIME writer: the typed body made canonical (and
 * format=flowed when asked, RFC 3676), then the charset and transfer
 * encoding that carry it unchanged.
 */
#include <stdbool.h>
#include <string.h>

#include "crispin/mime_compose.h"
#include "compose_p.h"

/* RFC 5322 2.1.1: no line may pass 998 octets (CRLF excluded). */
#define LINE_MAX_OCTETS	998
/* format=flowed output lines are wrapped at this many octets. */
#define FLOWED_WIDTH	78

static void	 flowed_line(struct buf *, const char *, size_t);
static void	 flowed_put(struct buf *, const char *, size_t);
static void	 analyse(const char *, size_t, bool *, size_t *);
static void	 add_crlf(struct buf *, const char *, size_t);

/* Writes one output line, space-stuffed when a reader would otherwise
 * take its start for stuffing or an mbox "From " line. A line starting
 * with '>' is a quote (RFC 3676 4.5): replies rely on readers seeing its
 * depth, so it is never stuffed. */
static void
flowed_put(struct buf *out, const char *s, size_t len)
{
	if (len > 0 && (s[0] == ' ' ||
	    (len >= 5 && memcmp(s, "From ", 5) == 0)))
		buf_addc(out, ' ');
	buf_add(out, s, len);
	buf_addc(out, '\n');
}

/*
 * One typed line: its trailing blanks would mark a soft break, so they go
 * (but for the "-- " signature separator); a long line is cut after the
 * blanks between words, each piece but the last ending in a blank, which
 * makes readers join them again.
 */
static void
flowed_line(struct buf *out, const char *s, size_t len)
{
	size_t	 width, cut, i;
	bool	 stuffed;

	if (len == 3 && memcmp(s, "-- ", 3) == 0) {
		flowed_put(out, s, len);
		return;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	/* Lines that look quoted stay whole: they read as typed. */
	while (len > FLOWED_WIDTH && s[0] != '>') {
		stuffed = s[0] == ' ' || (len >= 5 && memcmp(s, "From ", 5) == 0);
		width = FLOWED_WIDTH - (stuffed ? 1 : 0);
		/* The last blank run that ends within the width. */
		cut = 0;
		for (i = 1; i < len && i <= width; i++) {
			if (s[i - 1] == ' ' && s[i] != ' ')
				cut = i;
		}
		if (cut == 0) {
			/* A word longer than the width: cut after it. */
			for (i = 1; i < len; i++) {
				if (s[i - 1] == ' ' && s[i] != ' ') {
					cut = i;
					break;
				}
			}
		}
		if (cut == 0)
			break;
		flowed_put(out, s, cut);
		s += cut;
		len -= cut;
	}
	flowed_put(out, s, len);
}

void
compose_text_canonical(struct buf *out, const char *text, size_t len,
    bool flowed)
{
	size_t	start = 0, i, end;

	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		end = i > start && i < len && text[i - 1] == '\r' ? i - 1 : i;
		if (flowed)
			flowed_line(out, text + start, end - start);
		else {
			buf_add(out, text + start, end - start);
			buf_addc(out, '\n');
		}
		start = i + 1;
	}
}

/* Whether text can go as it is, and whether it holds 8-bit bytes. */
static void
analyse(const char *text, size_t len, bool *safe, size_t *eight)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i, line = 0;

	*safe = true;
	*eight = 0;
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			line = 0;
			continue;
		}
		if (++line > LINE_MAX_OCTETS)
			*safe = false;
		if (p[i] >= 0x80)
			(*eight)++;
		else if (p[i] == '\0' || p[i] == '\r')
			*safe = false;
	}
}

/* Appends text with CRLF line ends. */
static void
add_crlf(struct buf *out, const char *text, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			buf_addc(out, '\r');
		buf_addc(out, text[i]);
	}
}

bool
compose_text_plain(struct buf *out, const char *text, size_t len,
    const char **encoding)
{
	size_t	eight;
	bool	safe;

	analyse(text, len, &safe, &eight);
	if (!safe)
		return false;
	*encoding = eight == 0 ? "7bit" : "8bit";
	add_crlf(out, text, len);
	return true;
}

void
compose_text_encode(struct buf *out, const char *text, size_t len,
    bool allow_8bit, const char **charset, const char **encoding)
{
	struct buf	crlf = BUF_INIT;
	size_t		eight;
	bool		safe;

	analyse(text, len, &safe, &eight);
	*charset = eight == 0 ? "us-ascii" : "utf-8";
	if (safe && (eight == 0 || allow_8bit)) {
		*encoding = eight == 0 ? "7bit" : "8bit";
		add_crlf(out, text, len);
	} else if (eight * 3 > len) {
		/* Mostly non-ASCII (CJK, say): base64 of the CRLF form is
		 * far shorter than quoted-printable. */
		*encoding = "base64";
		add_crlf(&crlf, text, len);
		mime_encode_base64_lines(out, crlf.data, crlf.len);
		buf_free(&crlf);
	} else {
		*encoding = "quoted-printable";
		mime_encode_qp(out, text, len, true);
	}
}
