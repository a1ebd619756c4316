/*
 * format=flowed (RFC 3676): lines ending in a space continue in the next
 * line of the same quote depth. Paragraphs are rebuilt, then wrapped to
 * the reader's width, so quoted text stays readable at any terminal size.
 */
#include <string.h>

#include "crispin/mime_text.h"

static void	 emit_paragraph(struct buf *, const char *, size_t, unsigned,
		    unsigned);
static void	 emit_prefix(struct buf *, unsigned);

void
mime_flowed_reflow(struct buf *out, const char *text, size_t len, bool delsp,
    unsigned width)
{
	struct buf	 para = BUF_INIT;
	const char	*line, *nl;
	size_t		 pos = 0, llen;
	unsigned	 depth, para_depth = 0;
	bool		 open = false, flowed;

	while (pos < len) {
		line = text + pos;
		nl = memchr(line, '\n', len - pos);
		llen = nl != NULL ? (size_t)(nl - line) : len - pos;
		pos += llen + (nl != NULL);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;

		for (depth = 0; depth < llen && line[depth] == '>'; depth++)
			;
		line += depth;
		llen -= depth;
		if (llen > 0 && line[0] == ' ')
			line++, llen--;		/* space-stuffing */

		/* A change of depth ends a paragraph even if it was flowed. */
		if (open && depth != para_depth) {
			emit_paragraph(out, para.data, para.len, para_depth, width);
			buf_reset(&para);
			open = false;
		}
		flowed = llen > 0 && line[llen - 1] == ' ' &&
		    !(llen == 3 && memcmp(line, "-- ", 3) == 0);
		if (flowed && delsp)
			llen--;
		buf_add(&para, line, llen);
		open = true;
		para_depth = depth;
		if (!flowed) {
			emit_paragraph(out, para.data ? para.data : "", para.len,
			    depth, width);
			buf_reset(&para);
			open = false;
		}
	}
	if (open)
		emit_paragraph(out, para.data ? para.data : "", para.len,
		    para_depth, width);
	buf_free(&para);
}

static void
emit_prefix(struct buf *out, unsigned depth)
{
	unsigned	 i;

	for (i = 0; i < depth; i++)
		buf_adds(out, "> ");
}


/*
 * Greedy wrap, word by word in one pass, in display columns; a word longer
 * than the line stays whole, and the spacing between words on one line is
 * kept as written. CJK text breaks between characters (mime_wrap_unit).
 */
static void
emit_paragraph(struct buf *out, const char *p, size_t len, unsigned depth,
    unsigned width)
{
	size_t	 i = 0, gap, word, col = 0, wcols, avail;

	/* The signature separator keeps its trailing space. */
	if (len == 3 && memcmp(p, "-- ", 3) == 0) {
		emit_prefix(out, depth);
		buf_adds(out, "-- \n");
		return;
	}
	while (len > 0 && p[len - 1] == ' ')
		len--;
	avail = width > 2 * depth + 10 ? width - 2 * depth : 10;
	emit_prefix(out, depth);
	while (i < len) {
		for (gap = i; gap < len && p[gap] == ' '; gap++)
			;
		word = gap + mime_wrap_unit(p + gap, len - gap, &wcols);
		if (width > 0 && col > 0 && col + (gap - i) + wcols > avail) {
			buf_addc(out, '\n');
			emit_prefix(out, depth);
			col = 0;
		} else {
			buf_add(out, p + i, gap - i);
			col += gap - i;
		}
		buf_add(out, p + gap, word - gap);
		col += wcols;
		i = word;
	}
	buf_addc(out, '\n');
}
