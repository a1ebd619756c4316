/* crispin: argument parsing, the rc file, then a front end. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crispin/cli.h"
#include "crispin/config.h"
#include "crispin/err.h"
#include "crispin/log.h"
#include "crispin/xalloc.h"

static void usage(FILE *);
static void print_prefixed(FILE *, const char *);
static FILE *open_private(const char *, const char *);

static void
usage(FILE *fp)
{
	const struct cli_command	*c;

	fprintf(fp,
	    "usage: crispin [-F rcfile] [--trace file] [--log file] command [args]\n"
	    "       crispin --help | --version\n"
	    "\n"
	    "Options:\n"
	    "  -F FILE        read FILE instead of $XDG_CONFIG_HOME/crispin/crispinrc or ~/.crispinrc\n"
	    "  --trace FILE   write the IMAP conversation to FILE (credentials shown as ***)\n"
	    "  --log FILE     write a debug log to FILE\n"
	    "  -h, --help     show this help\n"
	    "  -v, --version  show the version\n"
	    "\n"
	    "Commands:\n");
	for (c = cli_commands(); c->name != NULL; c++)
		fprintf(fp, "  %-30s %s\n", c->usage, c->help);
	fprintf(fp,
	    "\n"
	    "The interactive interface is not built yet; the commands above work now.\n"
	    "\n"
	    "Exit status:\n"
	    "  0  success\n"
	    "  1  other failure (the server refused a command)\n"
	    "  2  usage error (bad command line)\n"
	    "  3  configuration error (rc file or option value)\n"
	    "  4  network failure (resolve, connect, timeout, connection lost)\n"
	    "  5  TLS failure (handshake, untrusted or mismatched certificate, no STARTTLS)\n"
	    "  6  authentication failure (rejected credentials, no usable mechanism,\n"
	    "     credentials refused over an unencrypted connection)\n"
	    "  7  protocol error (the server broke the IMAP protocol)\n"
	    "\n"
	    "See crispin(1) and crispinrc(5).\n");
}

/* Each line as "crispin: line". */
static void
print_prefixed(FILE *fp, const char *text)
{
	const char	*eol;

	while (*text != '\0') {
		eol = strchr(text, '\n');
		if (eol == NULL)
			eol = text + strlen(text);
		fprintf(fp, "crispin: %.*s\n", (int)(eol - text), text);
		text = *eol == '\n' ? eol + 1 : eol;
	}
}

/* Trace and log files can hold private mail: readable by the owner only. */
static FILE *
open_private(const char *path, const char *what)
{
	FILE	*fp;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "crispin: %s %s: %s\n", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return fp;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "trace", required_argument, NULL, 'T' },
		{ "log", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command	*cmd;
	struct cli_context		 ctx;
	struct config			*cfg;
	struct buf			 errors = BUF_INIT;
	const char			*rcfile = NULL, *trace_path = NULL, *log_path = NULL;
	char				*default_rc = NULL;
	FILE				*trace = NULL, *logfp = NULL;
	int				 ch, rc;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	umask(077);

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:F:hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			rcfile = optarg;
			break;
		case 'T':
			trace_path = optarg;
			break;
		case 'L':
			log_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'v':
			printf("crispin %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "crispin: option '%s' needs an argument "
			    "(see crispin --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "crispin: unknown option '%s' (see crispin --help)\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fprintf(stderr, "crispin: the interactive interface is not built yet; "
		    "try 'crispin folders --counts' (see crispin --help)\n");
		return EXIT_USAGE;
	}
	if ((cmd = cli_find(argv[0])) == NULL) {
		fprintf(stderr, "crispin: unknown command '%s' (see crispin --help)\n", argv[0]);
		return EXIT_USAGE;
	}

	cfg = config_new();
	if (rcfile == NULL)
		rcfile = default_rc = config_default_path();
	if (rcfile != NULL && config_load_file(cfg, rcfile, &errors) != 0) {
		/* Scripts need a predictable result: a bad rc file stops them. */
		print_prefixed(stderr, buf_cstr(&errors));
		buf_free(&errors);
		config_free(&cfg);
		free(default_rc);
		return EXIT_CONFIG;
	}
	buf_free(&errors);

	if (log_path != NULL) {
		if ((logfp = open_private(log_path, "log file")) == NULL)
			return EXIT_USAGE;
		log_set_file(logfp, LOG_DEBUG);
	}
	if (trace_path != NULL && (trace = open_private(trace_path, "trace file")) == NULL)
		return EXIT_USAGE;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.trace = trace;
	ctx.out = stdout;
	ctx.err = stderr;
	rc = cmd->fn(&ctx, argc, argv);

	if (trace != NULL)
		fclose(trace);
	if (logfp != NULL) {
		log_set_file(NULL, LOG_ERROR);
		fclose(logfp);
	}
	config_free(&cfg);
	free(default_rc);
	return rc;
}
