/* Debug log: off unless a file is set (--log or tests). Never gets credentials. */
#ifndef CRISPIN_LOG_H
#define CRISPIN_LOG_H

#include <stdio.h>
#include "crispin/xalloc.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Borrows fp; NULL turns logging off. */
void	log_set_file(FILE *fp, enum log_level min);
int	log_enabled(enum log_level);
void	log_msg(enum log_level, const char *fmt, ...) CRISPIN_PRINTF(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
