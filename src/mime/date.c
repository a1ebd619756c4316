/* Date header values: RFC 5322 3.3 with the obsolete forms of 4.3. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crispin/datetime.h"
#include "crispin/mime_date.h"
#include "crispin/xalloc.h"

struct zone {
	const char	*name;
	int		 minutes;	/* east of UTC */
};

struct date {
	int	 day, month, year, hour, min, sec, tz;
	bool	 have_time, have_zone, have_offset;
};

static void	 strip_comments(char *);
static bool	 all_digits(const char *, size_t);
static int	 number(const char *, size_t);
static int	 lookup_month(const char *, size_t);
static bool	 is_day_name(const char *, size_t);
static bool	 lookup_zone(const char *, size_t, int *);
static bool	 parse_time(const char *, size_t, struct date *);
static bool	 parse_offset(const char *, size_t, int *);
static void	 classify(const char *, size_t, struct date *);
static void	 split(const char *, size_t, struct date *);

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const day_names[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

/*
 * RFC 5322 4.3 zones, and the abbreviations broken mailers write instead
 * of an offset. Military letters are listed apart: RFC 822 got their sign
 * wrong, so RFC 5322 says to read them all as -0000.
 */
static const struct zone zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -5 * 60 }, { "edt", -4 * 60 },
	{ "cst", -6 * 60 }, { "cdt", -5 * 60 },
	{ "mst", -7 * 60 }, { "mdt", -6 * 60 },
	{ "pst", -8 * 60 }, { "pdt", -7 * 60 },
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 },
	{ "cet", 60 }, { "cest", 120 }, { "met", 60 }, { "mest", 120 },
	{ "eet", 120 }, { "eest", 180 }, { "msk", 180 },
	{ "jst", 9 * 60 }, { "kst", 9 * 60 }, { "hkt", 8 * 60 },
	{ "aest", 10 * 60 }, { "aedt", 11 * 60 },
	{ "nzst", 12 * 60 }, { "nzdt", 13 * 60 },
};

/* Comments may nest and hide anything, "(CET)" included: blank them. */
static void
strip_comments(char *s)
{
	int	 depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && depth > 0 && s[1] != '\0') {
			*s++ = ' ';
			*s = ' ';
		} else if (*s == '(') {
			depth++;
			*s = ' ';
		} else if (*s == ')' && depth > 0) {
			depth--;
			*s = ' ';
		} else if (depth > 0)
			*s = ' ';
	}
}

static bool
all_digits(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/* n <= 4 digits, checked by the caller. */
static int
number(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "Nov", "nov.", "November", "Sept": 1-12, or 0. */
static int
lookup_month(const char *s, size_t n)
{
	size_t	 i;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++) {
		if (n <= strlen(months[i]) && strncasecmp(s, months[i], n) == 0)
			return (int)i + 1;
	}
	return 0;
}

static bool
is_day_name(const char *s, size_t n)
{
	size_t	 i;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n < 3)
		return false;
	for (i = 0; i < 7; i++) {
		if (n <= strlen(day_names[i]) &&
		    strncasecmp(s, day_names[i], n) == 0)
			return true;
	}
	return false;
}

static bool
lookup_zone(const char *s, size_t n, int *minutes)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (strlen(zones[i].name) == n &&
		    strncasecmp(s, zones[i].name, n) == 0) {
			*minutes = zones[i].minutes;
			return true;
		}
	}
	c = s[0];
	if (n == 1 && ((c >= 'a' && c <= 'z' && c != 'j') ||
	    (c >= 'A' && c <= 'Z' && c != 'J'))) {
		*minutes = 0;
		return true;
	}
	return false;
}

/* hh:mm or hh:mm:ss, one or two digits each. */
static bool
parse_time(const char *s, size_t n, struct date *d)
{
	int	 part[3] = { 0, 0, 0 }, k = 0;
	size_t	 i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ':')
			continue;
		if (k == 3 || i - start == 0 || i - start > 2 ||
		    !all_digits(s + start, i - start))
			return false;
		part[k++] = number(s + start, i - start);
		start = i + 1;
	}
	if (k < 2 || part[0] > 23 || part[1] > 59 || part[2] > 60)
		return false;
	d->hour = part[0];
	d->min = part[1];
	d->sec = part[2] == 60 ? 59 : part[2];
	d->have_time = true;
	return true;
}

/* +hhmm, -hhmm, +hh:mm, +hh. */
static bool
parse_offset(const char *s, size_t n, int *minutes)
{
	int	 h, m = 0, sign = s[0] == '-' ? -1 : 1;

	s++;
	n--;
	if (n == 4 && all_digits(s, 4)) {
		h = number(s, 2);
		m = number(s + 2, 2);
	} else if (n == 5 && s[2] == ':' && all_digits(s, 2) &&
	    all_digits(s + 3, 2)) {
		h = number(s, 2);
		m = number(s + 3, 2);
	} else if ((n == 1 || n == 2) && all_digits(s, n))
		h = number(s, n);
	else
		return false;
	if (m > 59)
		return false;
	*minutes = sign * (h * 60 + m);
	return true;
}

static void
classify(const char *s, size_t n, struct date *d)
{
	int	 v;

	if (n == 0)
		return;
	if (memchr(s, ':', n) != NULL && s[0] != '+' && s[0] != '-') {
		if (!d->have_time)
			parse_time(s, n, d);
		return;
	}
	if ((s[0] == '+' || s[0] == '-') && n > 1) {
		/* A number beats a name: "GMT+0100" is +0100. */
		if (!d->have_offset && parse_offset(s, n, &d->tz))
			d->have_zone = d->have_offset = true;
		return;
	}
	if (all_digits(s, n)) {
		if (n > 4)
			return;
		v = number(s, n);
		if (d->day == 0 && n <= 2 && v >= 1 && v <= 31)
			d->day = v;
		else if (d->year < 0 && n >= 2) {
			if (n == 2)
				v += v < 50 ? 2000 : 1900;
			else if (n == 3)
				v += 1900;
			d->year = v;
		}
		return;
	}
	if (d->month == 0 && (v = lookup_month(s, n)) != 0) {
		d->month = v;
		return;
	}
	if (is_day_name(s, n))
		return;
	if (!d->have_zone && lookup_zone(s, n, &d->tz))
		d->have_zone = true;
}

/*
 * Splits one word: "27-Nov-2026" into its parts, "18:20:00+0100" and
 * "GMT+0100" before the sign, which stays with the offset.
 */
static void
split(const char *s, size_t n, struct date *d)
{
	size_t	 i, start = 0;
	int	 tz;

	for (i = 1; i < n; i++) {
		if (s[i] != '+' && s[i] != '-')
			continue;
		if (memchr(s + start, ':', i - start) != NULL ||
		    lookup_zone(s + start, i - start, &tz)) {
			classify(s + start, i - start, d);
			start = i;
		} else {
			classify(s + start, i - start, d);
			start = i + 1;
		}
	}
	classify(s + start, n - start, d);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int
mime_date_parse(const char *value, time_t *utc, int *tz_minutes)
{
	struct date	 d;
	char		*copy, *p, *w;
	long long	 t;

	if (value == NULL)
		return -1;
	memset(&d, 0, sizeof(d));
	d.year = -1;
	copy = xstrdup(value);
	strip_comments(copy);
	for (p = copy; *p != '\0'; ) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' ||
		    *p == '\n')
			p++;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t' &&
		    *p != ',' && *p != '\r' && *p != '\n'; p++)
			;
		if (p > w)
			split(w, (size_t)(p - w), &d);
	}
	free(copy);
	if (d.day == 0 || d.month == 0 || d.year < 1900)
		return -1;
	t = days_from_civil(d.year, d.month, d.day) * 86400LL +
	    d.hour * 3600 + d.min * 60 + d.sec - d.tz * 60LL;
	if (utc != NULL)
		*utc = (time_t)t;
	if (tz_minutes != NULL)
		*tz_minutes = d.tz;
	return 0;
}

size_t
mime_date_format(char *buf, size_t size, const char *fmt, time_t utc)
{
	struct tm	 tm;
	size_t		 n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (localtime_r(&utc, &tm) == NULL)
		return 0;
	/* The format is the user's setting, not data from a message. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, size, fmt, &tm);
#pragma GCC diagnostic pop
	if (n == 0)
		buf[0] = '\0';
	return n;
}

void
mime_date_rfc3339(char buf[32], time_t utc, int tz_minutes)
{
	struct tm	 tm;
	time_t		 local;
	char		 tmp[96];
	size_t		 n;
	int		 off;

	/* Offsets past +-99:59 are no zone: show them as UTC. */
	if (tz_minutes > 99 * 60 + 59 || tz_minutes < -(99 * 60 + 59))
		tz_minutes = 0;
	off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	local = utc + (time_t)tz_minutes * 60;
	if (gmtime_r(&local, &tm) == NULL || tm.tm_year > 9999 - 1900 ||
	    tm.tm_year < -1900) {
		strcpy(buf, "0000-00-00T00:00:00Z");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (tz_minutes == 0)
		strcat(tmp, "Z");
	else
		snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp),
		    "%c%02d:%02d", tz_minutes < 0 ? '-' : '+', off / 60,
		    off % 60);
	n = strlen(tmp);
	if (n > 31)
		n = 31;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}
