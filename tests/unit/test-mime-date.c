/* Unit tests for Date header parsing and formatting. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/mime_date.h"
#include "test.h"

static void	test_parse(void);
static void	test_garbage(void);
static void	test_format(void);

/* 2026-11-27 18:20:05 UTC */
#define T0	1795803605LL

static const struct {
	const char	*value;
	long long	 utc;
	int		 tz;
} cases[] = {
	{ "Fri, 27 Nov 2026 18:20:05 +0000", T0, 0 },
	{ "Fri, 27 Nov 2026 19:20:05 +0100", T0, 60 },
	{ "Fri, 27 Nov 2026 13:20:05 -0500", T0, -300 },
	{ "Sat, 28 Nov 2026 03:50:05 +0930", T0, 570 },
	{ "27 Nov 2026 18:20:05 +0000", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20 +0000", T0 - 5, 0 },
	{ "Fri,27 Nov 2026 18:20:05 GMT", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 UT", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 UTC", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 Z", T0, 0 },
	{ "Fri, 27 Nov 2026 13:20:05 EST", T0, -300 },
	{ "Fri, 27 Nov 2026 14:20:05 EDT", T0, -240 },
	{ "Fri, 27 Nov 2026 12:20:05 CST", T0, -360 },
	{ "Fri, 27 Nov 2026 13:20:05 CDT", T0, -300 },
	{ "Fri, 27 Nov 2026 11:20:05 MST", T0, -420 },
	{ "Fri, 27 Nov 2026 12:20:05 MDT", T0, -360 },
	{ "Fri, 27 Nov 2026 10:20:05 PST", T0, -480 },
	{ "Fri, 27 Nov 2026 11:20:05 PDT", T0, -420 },
	{ "Fri, 27 Nov 2026 10:20:05 pst", T0, -480 },
	/* Military zones are read as -0000 (RFC 5322 4.3). */
	{ "Fri, 27 Nov 2026 18:20:05 A", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 M", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 N", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 Y", T0, 0 },
	{ "Fri, 27 Nov 2026 18:20:05 -0000", T0, 0 },
	/* Comments and odd spacing. */
	{ "Fri, 27 Nov 2026 19:20:05 +0100 (CET)", T0, 60 },
	{ "Fri, 27 Nov 2026 19:20:05 +0100 (Central (European) Time)", T0, 60 },
	{ "(comment) Fri , 27  Nov\t2026   19:20:05   +0100", T0, 60 },
	{ "Fri, 27 Nov 2026 18:20:05", T0, 0 },
	{ "Fri, 27 Nov 2026 19:20:05 CET", T0, 60 },
	{ "  Friday, 27 November 2026 19:20:05 +0100  ", T0, 60 },
	{ "Fri, 27 nov 2026 18:20:05 +0000", T0, 0 },
	{ "Fri, 27 NOV 2026 18:20:05 +0000", T0, 0 },
	{ "fri, 27 nov 2026 18:20:05 gmt", T0, 0 },
	/* Two- and three-digit years (RFC 5322 4.3). */
	{ "Fri, 27 Nov 26 18:20:05 +0000", T0, 0 },
	{ "Fri, 27 Nov 126 18:20:05 +0000", T0, 0 },
	{ "Thu, 27 Nov 97 18:20:05 +0000", 880654805LL, 0 },
	{ "Thu, 01 Jan 1970 00:00:00 +0000", 0, 0 },
	{ "1 Jan 70 00:00 GMT", 0, 0 },
	{ "Thu, 1 Jan 1970 00:00:00 +0100", -3600, 60 },
	/* Leap day and leap second. */
	{ "Thu, 29 Feb 2024 12:00:00 +0000", 1709208000LL, 0 },
	{ "Sat, 31 Dec 2016 23:59:60 +0000", 1483228799LL, 0 },
	/* Forms broken mailers write. */
	{ "Fri Nov 27 18:20:05 2026", T0, 0 },
	{ "Fri Nov 27 18:20:05 UTC 2026", T0, 0 },
	{ "27-Nov-2026 19:20:05 +0100", T0, 60 },
	{ "Fri, 27 Nov 2026 19:20:05+0100", T0, 60 },
	{ "Fri, 27 Nov 2026 19:20:05 GMT+0100", T0, 60 },
	{ "Fri, 27 Nov 2026 19:20:05 +01:00", T0, 60 },
	{ "Fri, 27 Nov 2026 9:5:5 +0000", 1795770305LL, 0 },
	{ "27 Nov 2026", 1795737600LL, 0 },
};

static void
test_parse(void)
{
	time_t	 t;
	int	 tz;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = 0;
		tz = 12345;
		TEST_INTEQ(mime_date_parse(cases[i].value, &t, &tz), 0,
		    "date %zu: %s", i, cases[i].value);
		TEST_INTEQ(t, cases[i].utc, "date %zu: instant", i);
		TEST_INTEQ(tz, cases[i].tz, "date %zu: zone", i);
	}
	TEST_INTEQ(mime_date_parse("Fri, 27 Nov 2026 18:20:05 +0000", NULL,
	    NULL), 0, "NULL outputs");
}

static void
test_garbage(void)
{
	static const char *const bad[] = {
		"", "   ", "garbage", "Fri", "27 2026", "Nov 2026",
		"Fri, 32 Nov 2026 18:20:05 +0000", "00 Nov 2026",
		"27 Nov", "27 Nov 1", "(27 Nov 2026)", "27 Nov 1800 10:00",
		"12345 Nov 2026", "Xyz, 27 Foo 2026",
	};
	time_t	 t;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TEST_INTEQ(mime_date_parse(bad[i], &t, NULL), -1,
		    "garbage %zu: \"%s\"", i, bad[i]);
	TEST_INTEQ(mime_date_parse(NULL, &t, NULL), -1, "NULL");
}

static void
test_format(void)
{
	char	 buf[64];

	mime_date_rfc3339(buf, (time_t)T0, 60);
	TEST_STREQ(buf, "2026-11-27T19:20:05+01:00", "rfc3339 +01:00");
	mime_date_rfc3339(buf, (time_t)T0, -570);
	TEST_STREQ(buf, "2026-11-27T08:50:05-09:30", "rfc3339 -09:30");
	mime_date_rfc3339(buf, (time_t)T0, 0);
	TEST_STREQ(buf, "2026-11-27T18:20:05Z", "rfc3339 UTC");

	setenv("TZ", "UTC0", 1);
	tzset();
	TEST_INTEQ(mime_date_format(buf, sizeof(buf), "%Y-%m-%d %H:%M",
	    (time_t)T0), 16, "format length");
	TEST_STREQ(buf, "2026-11-27 18:20", "format in UTC");
	setenv("TZ", "JST-9", 1);
	tzset();
	mime_date_format(buf, sizeof(buf), "%H:%M", (time_t)T0);
	TEST_STREQ(buf, "03:20", "format follows TZ");
	TEST_INTEQ(mime_date_format(buf, 4, "%Y-%m-%d", (time_t)T0), 0,
	    "too small");
	TEST_STREQ(buf, "", "too small: empty");
}

int
main(void)
{
	test_parse();
	test_garbage();
	test_format();
	return test_done();
}
