/*
 * libFuzzer target for the body side of src/mime: the local MIME parser
 * with small limits, display selection and rendering of every inline
 * part, BODYSTRUCTURE conversion (input starting "* "), the transfer decoders (whole versus drip-fed must agree),
 * format=flowed, the HTML renderer and the terminal filter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/mime_decode.h"
#include "crispin/mime_part.h"
#include "crispin/mime_text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Every output must be valid UTF-8 free of terminal controls. */
static void
check_safe(const struct buf *b)
{
	unsigned long	 cp;
	size_t		 i = 0, n;

	while (i < b->len) {
		n = mime_utf8_next(b->data + i, b->len - i, &cp);
		check(n > 0);
		check(cp >= 0x20 || cp == '\n' || cp == '\t');
		check(cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f));
		check(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069));
		i += n;
	}
}

/* A FETCH response: its BODYSTRUCTURE becomes a tree like a local one. */
static void
on_fetch(const struct imap_response *resp, void *arg)
{
	struct arena		*a = arg;
	struct imap_fetch	 fetch;
	struct mime_part	*root;
	struct mime_shown	*shown;
	struct buf		 out = BUF_INIT;
	char			*err = NULL;
	size_t			 n, i;

	if (imap_fetch_parse(resp, a, &fetch, &err) == 0 && fetch.body != NULL &&
	    mime_part_from_imap(fetch.body, a, &root) == 0) {
		n = mime_select_display(root, NULL, a, &shown);
		for (i = 0; i < n; i++)
			check(mime_part_find(root, shown[i].part->spec) != NULL);
		mime_part_format(&out, root);
	}
	free(err);
	buf_free(&out);
}

static void
check_decoders(const char *s, size_t len)
{
	static const enum mime_encoding encs[] = { MIME_ENC_BASE64, MIME_ENC_QP };
	struct buf		 whole = BUF_INIT, drip = BUF_INIT;
	struct mime_decoder	 d;
	size_t			 e, i, step;

	for (e = 0; e < sizeof encs / sizeof encs[0]; e++) {
		buf_reset(&whole);
		buf_reset(&drip);
		mime_decode(encs[e], s, len, &whole);
		mime_decoder_init(&d, encs[e]);
		step = len > 0 ? (unsigned char)s[0] % 7 + 1 : 1;
		for (i = 0; i < len; i += step)
			mime_decoder_feed(&d, s + i, len - i < step ? len - i : step,
			    &drip);
		mime_decoder_flush(&d, &drip);
		check(whole.len == drip.len && (whole.len == 0 ||
		    memcmp(whole.data, drip.data, whole.len) == 0));
		if (encs[e] == MIME_ENC_BASE64)
			check(whole.len <= len);
	}
	buf_free(&whole);
	buf_free(&drip);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*s = (const char *)data;
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct mime_shown	*shown;
	struct mime_limits	 lim = { 8, 64, 4096 };
	struct buf		 out = BUF_INIT, text = BUF_INIT;
	char			*err = NULL;
	size_t			 n, i;

	if (mime_parse_message(s, size, a, &lim, &root, &err) == 0) {
		n = mime_select_display(root, NULL, a, &shown);
		for (i = 0; i < n; i++) {
			const struct mime_part *p = shown[i].part;

			check(mime_part_find(root, p->spec) != NULL);
			check(p->body_offset + p->body_len <= size);
			if (shown[i].how != MIME_SHOW_INLINE)
				continue;
			buf_reset(&out);
			mime_part_render(&out, p, s + p->body_offset, p->body_len,
			    (unsigned)(size % 100));
			check_safe(&out);
		}
		buf_reset(&out);
		mime_part_format(&out, root);
	} else
		check(err != NULL);
	free(err);
	err = NULL;

	if (size > 2 && s[0] == '*' && s[1] == ' ') {
		struct imap_parser *ip = imap_parser_new(NULL);
		(void)imap_parser_feed(ip, s, size, on_fetch, a, &err);
		free(err);
		err = NULL;
		imap_parser_free(&ip);
	}
	check_decoders(s, size);
	buf_reset(&text);
	mime_flowed_reflow(&text, s, size, size % 2 == 0, (unsigned)(size % 80));
	buf_reset(&text);
	mime_html_to_text(&text, s, size, (unsigned)(size % 80));
	buf_reset(&out);
	mime_text_safe(&out, text.data ? text.data : "", text.len, size % 3 == 0 ?
	    MIME_SAFE_ONELINE : 0);
	check_safe(&out);

	buf_free(&out);
	buf_free(&text);
	arena_free(&a);
	return 0;
}
