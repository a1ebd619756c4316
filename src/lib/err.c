/* Error classes and the exit codes scripts see. */
#include "crispin/err.h"

static const struct {
	int		 exit_code;
	const char	*name;
} err_table[] = {
	[ERR_NONE] =	 { EXIT_OK, "ok" },
	[ERR_FAILURE] =	 { EXIT_FAILURE_, "failure" },
	[ERR_USAGE] =	 { EXIT_USAGE, "usage" },
	[ERR_CONFIG] =	 { EXIT_CONFIG, "config" },
	[ERR_NETWORK] =	 { EXIT_NETWORK, "network" },
	[ERR_TLS] =	 { EXIT_TLS, "tls" },
	[ERR_AUTH] =	 { EXIT_AUTH, "auth" },
	[ERR_PROTOCOL] = { EXIT_PROTOCOL, "protocol" },
};

int
err_exit_code(enum err_class c)
{
	if ((unsigned)c >= sizeof err_table / sizeof err_table[0])
		return EXIT_FAILURE_;
	return err_table[c].exit_code;
}

const char *
err_class_name(enum err_class c)
{
	if ((unsigned)c >= sizeof err_table / sizeof err_table[0])
		return "failure";
	return err_table[c].name;
}
