/* Shared between the option table and the rc reader. */
#ifndef CRISPIN_CONFIG_P_H
#define CRISPIN_CONFIG_P_H

#include <stdbool.h>

/* "unknown option 'x' (did you mean 'y'?)", malloc'd. */
char	*config_unknown_option(const char *name);
bool	 config_is_bool(const char *name);

#endif
