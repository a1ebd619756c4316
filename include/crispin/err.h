/*
 * Error classes: how far a failure reaches, and the exit code a script sees.
 * Functions return < 0 and fill char **error_r with a sentence a user can
 * act on; where the class matters (connection, login) it travels with it.
 */
#ifndef CRISPIN_ERR_H
#define CRISPIN_ERR_H

enum err_class {
	ERR_NONE = 0,
	ERR_FAILURE,		/* the server refused, or something else went wrong */
	ERR_USAGE,		/* bad command line */
	ERR_CONFIG,		/* the rc file or an option value is wrong */
	ERR_NETWORK,		/* resolve, connect, reset, timeout, closed */
	ERR_TLS,		/* handshake or certificate verification */
	ERR_AUTH,		/* credentials rejected or no usable mechanism */
	ERR_PROTOCOL,		/* the server broke the protocol */
};

/* Exit codes, documented in crispin --help and crispin(1). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_NETWORK = 4,
	EXIT_TLS = 5,
	EXIT_AUTH = 6,
	EXIT_PROTOCOL = 7,
};

int	 err_exit_code(enum err_class);
const char *err_class_name(enum err_class);

#endif
