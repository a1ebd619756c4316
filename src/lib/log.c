/* Debug log to a file chosen by the front end; silent by default. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "crispin/log.h"

static FILE		*log_fp;
static enum log_level	 log_min = LOG_INFO;

void
log_set_file(FILE *fp, enum log_level min)
{
	log_fp = fp;
	log_min = min;
}

int
log_enabled(enum log_level level)
{
	return log_fp != NULL && level >= log_min;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	struct timespec	ts;
	va_list		ap;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(log_fp, "%lld.%03ld %s: ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	vfprintf(log_fp, fmt, ap);
	va_end(ap);
	fputc('\n', log_fp);
	fflush(log_fp);
}
