/* Finding URLs in pager text: schemes, where a URL ends in prose
 * (punctuation, parentheses, angle brackets), and words that only look
 * like one. */
#include <stdlib.h>
#include <string.h>

#include "../../src/ui/ui_p.h"
#include "crispin/xalloc.h"
#include "test.h"

static const struct {
	const char	*text;
	const char	*want[4];	/* the URLs found, in order */
} cases[] = {
	{ "see https://example.org/a?b=c&d=e#f now",
	    { "https://example.org/a?b=c&d=e#f" } },
	{ "http://a.example/x.", { "http://a.example/x" } },
	{ "(see http://a.example/wiki/Foo_(bar)) and", { "http://a.example/wiki/Foo_(bar)" } },
	{ "(http://a.example/x)", { "http://a.example/x" } },
	{ "<https://a.example/y>, <mailto:bob@example.com>",
	    { "https://a.example/y", "mailto:bob@example.com" } },
	{ "ftp://ftp.example.org/pub/ and HTTP://UP.EXAMPLE/",
	    { "ftp://ftp.example.org/pub/", "HTTP://UP.EXAMPLE/" } },
	{ "xhttp://no.example/ http:// mailto: nothing", { NULL } },
	{ "\"https://q.example/p\"", { "https://q.example/p" } },
	{ "two:https://a.example/1,https://b.example/2",
	    { "https://a.example/1,https://b.example/2" } },
	{ "", { NULL } },
};

int
main(void)
{
	struct url_span	*spans;
	size_t		 i, n, k, want;
	char		*got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = urls_find(cases[i].text, strlen(cases[i].text), &spans);
		for (want = 0; want < 4 && cases[i].want[want] != NULL; want++)
			;
		TEST_INTEQ(n, want, "count in \"%s\"", cases[i].text);
		for (k = 0; k < n && k < want; k++) {
			got = xstrndup(cases[i].text + spans[k].start, spans[k].len);
			TEST_STREQ(got, cases[i].want[k], "URL %zu of \"%s\"", k,
			    cases[i].text);
			free(got);
		}
		free(spans);
	}
	/* Not NUL-terminated: the length is the end. */
	n = urls_find("http://a.example/abcdef", 20, &spans);
	TEST_INTEQ(n, 1, "a cut buffer");
	if (n == 1)
		TEST_INTEQ(spans[0].len, 20, "stops at the length");
	free(spans);
	return test_done();
}
