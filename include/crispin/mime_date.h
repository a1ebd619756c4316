/* Date header values (RFC 5322 3.3 and the obsolete forms of 4.3). */
#ifndef CRISPIN_MIME_DATE_H
#define CRISPIN_MIME_DATE_H

#include <stddef.h>
#include <time.h>

/*
 * Parses a date-time: optional day name, 1- or 2-digit day, month name
 * (any case), 2-, 3- or 4-digit year, hh:mm[:ss], and a zone (+hhmm,
 * UT/GMT/Z, the US zones, common abbreviations such as CET; military
 * letters, missing or unknown zones: UTC as RFC 5322 4.3 says), with
 * comments and extra spaces anywhere; also the asctime() and dd-Mon-yyyy
 * forms broken mailers write. *utc gets the instant and *tz_minutes
 * (either may be NULL) the zone's offset east of UTC. Returns 0, or -1
 * when the text is no date.
 */
int	 mime_date_parse(const char *value, time_t *utc, int *tz_minutes);
/* strftime(fmt) of utc in the local time zone (TZ). Returns the length
 * written, 0 when it does not fit (buf then holds ""). */
size_t	 mime_date_format(char *buf, size_t size, const char *strftime_fmt,
	    time_t utc);
/* Writes utc as RFC 3339 in the given zone: "2026-11-27T19:20:00+01:00",
 * or "2026-11-27T18:20:00Z" for offset 0. */
void	 mime_date_rfc3339(char buf[32], time_t utc, int tz_minutes);

#endif
