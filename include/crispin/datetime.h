/* Calendar arithmetic shared by every date parser (IMAP, RFC 5322). */
#ifndef CRISPIN_DATETIME_H
#define CRISPIN_DATETIME_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12);
 * independent of the time zone, unlike mktime. */
int64_t	 days_from_civil(int64_t year, int month, int day);
/* The inverse: the date of a day number, for any day. */
void	 civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
