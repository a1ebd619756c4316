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
#include "crispin/mime_charset.h"
#include "crispin/ui.h"
#include "crispin/xalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define MAX_E_COMMANDS	64

/* Long options without a short form. */
enum {
	OPT_DUMP_CONFIG = 0x100,
	OPT_DEFAULTS,
	OPT_STATS,
	OPT_OFFLINE,
	OPT_QUEUE_OK,
	OPT_SETUP,
};

static void usage(FILE *);
static void print_prefixed(FILE *, const char *);
static FILE *open_private(const char *, const char *);

static void
usage(FILE *fp)
{
	const struct cli_command	*c;

	fprintf(fp,
	    "usage: crispin [-n] [-F rcfile] [-e command]... [-A account] [--trace file]\n"
	    "               [--log file] [--stats] [--offline] command [args]\n"
	    "       crispin [-n] [-F rcfile] [-e command]... [-A account] [-f folder] [-RzZ]\n"
	    "       crispin [-F rcfile] --setup\n"
	    "       crispin [-n] [-F rcfile] [-e command]... [-A account] --dump-config [--defaults]\n"
	    "       crispin [options] -s subject [-c addr] [-b addr] [-a file... --] [--queue-ok]\n"
	    "               addr... < body\n"
	    "       crispin [options] -H draft [-a file... --] [--queue-ok] [addr...]\n"
	    "       crispin --help | --version\n"
	    "\n"
	    "Options:\n"
	    "  -F FILE        read FILE instead of $XDG_CONFIG_HOME/crispin/crispinrc or ~/.crispinrc\n"
	    "  -n             do not read the system-wide rc file (" SYSCONFDIR "/crispinrc)\n"
	    "  -e COMMAND     run an rc command after the rc files (repeatable)\n"
	    "  -A ACCOUNT     use the rc file's account block ACCOUNT instead of the first\n"
	    "  -f FOLDER      open the interactive interface on FOLDER instead of INBOX\n"
	    "  -R             open the folder read-only (EXAMINE)\n"
	    "  -z             exit at once if the folder has no messages\n"
	    "  -Z             open the first folder with new mail (mailboxes, else the\n"
	    "                 subscribed ones); exit if there is none\n"
	    "  --setup        ask for name, address and server and write a starter rc file\n"
	    "  --dump-config  print the configuration in rc syntax (--defaults: every option)\n"
	    "  --trace FILE   write the IMAP or SMTP conversation to FILE (credentials as ***)\n"
	    "  --log FILE     write a debug log to FILE\n"
	    "  --stats        print round trips, bytes and time at exit (on stderr)\n"
	    "  --offline      work from the cache without connecting; changes are\n"
	    "                 journaled and replayed by the next command that connects\n"
	    "  -s SUBJECT     send the body on stdin to the addresses, as mutt -s does\n"
	    "  -c ADDR, -b ADDR  add a Cc or Bcc recipient (repeatable)\n"
	    "  -a FILE...     attach files; the file list ends with --\n"
	    "  -H DRAFT       send DRAFT: header lines, an empty line, the body\n"
	    "  --queue-ok     a message kept in the outbox (server down) counts as success\n"
	    "  -h, --help     show this help\n"
	    "  -v, --version  show the version\n"
	    "\n"
	    "Commands:\n");
	for (c = cli_commands(); c->name != NULL; c++) {
		/* A long synopsis gets a line of its own, the help below it. */
		if (strlen(c->usage) > 30)
			fprintf(fp, "  %s\n  %-30s %s\n", c->usage, "", c->help);
		else
			fprintf(fp, "  %-30s %s\n", c->usage, c->help);
	}
	fprintf(fp,
	    "\n"
	    "Without a command, crispin opens the interactive interface on INBOX\n"
	    "(or on FOLDER with -f); q quits it. See INTERACTIVE USE in crispin(1).\n"
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
	    "  130  interrupted by SIGINT (save)\n"
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
		{ "dump-config", no_argument, NULL, OPT_DUMP_CONFIG },
		{ "defaults", no_argument, NULL, OPT_DEFAULTS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "queue-ok", no_argument, NULL, OPT_QUEUE_OK },
		{ "setup", no_argument, NULL, OPT_SETUP },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command	*cmd = NULL;
	struct cli_context		 ctx;
	struct config			*cfg;
	struct buf			 errors = BUF_INIT;
	const char			*rcfile = NULL, *trace_path = NULL, *log_path = NULL;
	const char			*account = NULL, *commands[MAX_E_COMMANDS];
	const char			*folder = NULL;
	size_t				 ncommands = 0, i;
	bool				 no_system_rc = false, dump = false, dump_all = false;
	bool				 stats = false, offline = false;
	struct cli_mailx		 mx;
	/* -c, -b and -a can each be given at most once per argument. */
	const char			*mx_cc[argc], *mx_bcc[argc], *mx_attach[argc];
	bool				 mailx = false;
	struct ui_params		 ui_params;
	bool				 setup = false;
	int				 bad = 0;
	char				*error = NULL;
	char				*default_rc = NULL;
	FILE				*trace = NULL, *logfp = NULL;
	int				 ch, rc;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	umask(077);

	memset(&mx, 0, sizeof mx);
	memset(&ui_params, 0, sizeof ui_params);
	mx.cc = mx_cc;
	mx.bcc = mx_bcc;
	mx.attach = mx_attach;
	opterr = 0;
	for (;;) {
		ch = getopt_long(argc, argv, "+:A:a:b:c:e:f:F:hH:nRs:vzZ", longopts, NULL);
		/* mutt's -a FILE...: files until "--", then the recipients. */
		if (ch == -1 && mx.nattach > 0 && optind < argc &&
		    strcmp(argv[optind - 1], "--") != 0) {
			mx.attach[mx.nattach++] = argv[optind++];
			continue;
		}
		if (ch == -1)
			break;
		switch (ch) {
		case 's':
			mx.subject = optarg;
			mailx = true;
			break;
		case 'H':
			mx.draft = optarg;
			mailx = true;
			break;
		case 'c':
		case 'b':
		case 'a':
			if (ch == 'c')
				mx.cc[mx.ncc++] = optarg;
			else if (ch == 'b')
				mx.bcc[mx.nbcc++] = optarg;
			else
				mx.attach[mx.nattach++] = optarg;
			mailx = true;
			break;
		case OPT_QUEUE_OK:
			mx.queue_ok = true;
			mailx = true;
			break;
		case 'F':
			rcfile = optarg;
			break;
		case 'n':
			no_system_rc = true;
			break;
		case 'e':
			if (ncommands == MAX_E_COMMANDS) {
				fprintf(stderr, "crispin: more than %d -e commands\n",
				    MAX_E_COMMANDS);
				return EXIT_USAGE;
			}
			commands[ncommands++] = optarg;
			break;
		case 'A':
			account = optarg;
			break;
		case 'f':
			folder = optarg;
			break;
		case OPT_DUMP_CONFIG:
			dump = true;
			break;
		case OPT_DEFAULTS:
			dump_all = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_OFFLINE:
			offline = true;
			break;
		case 'R':
			ui_params.readonly = true;
			break;
		case 'z':
			ui_params.exit_if_empty = true;
			break;
		case 'Z':
			ui_params.first_new = true;
			break;
		case OPT_SETUP:
			setup = true;
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
	if (dump_all && !dump) {
		fprintf(stderr, "crispin: --defaults goes with --dump-config (see crispin --help)\n");
		return EXIT_USAGE;
	}
	if (dump && argc > 0) {
		fprintf(stderr, "crispin: --dump-config takes no command (see crispin --help)\n");
		return EXIT_USAGE;
	}
	if (folder != NULL && (dump || argc > 0)) {
		fprintf(stderr, "crispin: -f goes without a command; commands take "
		    "their own -f (see crispin --help)\n");
		return EXIT_USAGE;
	}
	if ((ui_params.readonly || ui_params.exit_if_empty || ui_params.first_new) &&
	    (dump || mailx || argc > 0)) {
		fprintf(stderr, "crispin: -R, -z and -Z are for the interactive interface "
		    "(see crispin --help)\n");
		return EXIT_USAGE;
	}
	if (mailx && (dump || folder != NULL)) {
		fprintf(stderr, "crispin: -s, -c, -b, -a, -H and --queue-ok send a "
		    "message; they go without -f and --dump-config (see crispin --help)\n");
		return EXIT_USAGE;
	}
	/* No command: the interactive interface. With -s and friends the
	 * arguments are recipients. */
	if (!dump && !mailx && argc > 0 && (cmd = cli_find(argv[0])) == NULL) {
		fprintf(stderr, "crispin: unknown command '%s' (see crispin --help)\n", argv[0]);
		return EXIT_USAGE;
	}

	/* --setup, or the interface with no rc file anywhere and a terminal
	 * to ask on: the questions of the first run (setup.c). */
	if (setup || (cmd == NULL && !mailx && !dump && rcfile == NULL &&
	    ncommands == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		char *existing = setup ? NULL : config_default_path();

		if (setup || existing == NULL) {
			rc = cli_setup(rcfile, setup, &default_rc);
			if (setup || rc != 0) {
				free(default_rc);
				return rc;
			}
			rcfile = default_rc;
		}
		free(existing);
	}

	/* The system rc, the user's, then -e commands; -A picks the account. */
	cfg = config_new();
	if (!no_system_rc && config_load_system(cfg, &errors) != 0)
		bad = 1;
	if (rcfile == NULL)
		rcfile = default_rc = config_default_path();
	if (rcfile != NULL && config_load_file(cfg, rcfile, &errors) != 0)
		bad = 1;
	for (i = 0; i < ncommands; i++) {
		if (config_load_string(cfg, "-e", commands[i], &errors) != 0)
			bad = 1;
	}
	if (account != NULL && config_select_account(cfg, account, &error) < 0) {
		buf_printf(&errors, "-A: %s\n", error);
		free(error);
		bad = 1;
	}
	/* Unlabelled 8-bit text anywhere is read as the user says. */
	mime_set_assumed_charset(config_str(cfg, "assumed_charset"));
	if (dump) {
		struct buf out = BUF_INIT;

		config_dump(cfg, dump_all, &out);
		fputs(buf_cstr(&out), stdout);
		buf_free(&out);
		print_prefixed(stderr, buf_cstr(&errors));
		buf_free(&errors);
		config_free(&cfg);
		free(default_rc);
		return bad ? EXIT_CONFIG : EXIT_OK;
	}
	if (bad && (cmd != NULL || mailx)) {
		/* Scripts need a predictable result: a bad rc file stops them. */
		print_prefixed(stderr, buf_cstr(&errors));
		buf_free(&errors);
		config_free(&cfg);
		free(default_rc);
		return EXIT_CONFIG;
	}
	/* The interface starts anyway, the errors on its status line too
	 * (the rest of the file applies). */
	if (bad)
		print_prefixed(stderr, buf_cstr(&errors));
	ui_params.folder = folder;
	ui_params.rc_errors = bad ? buf_cstr(&errors) : NULL;

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
	ctx.stats = stats;
	ctx.offline = offline || config_bool(cfg, "offline");
	ctx.rcfile = rcfile;
	ctx.no_system_rc = no_system_rc;
	ctx.commands = (const char *const *)commands;
	ctx.ncommands = ncommands;
	/* The compose screen after the editor, and recall's menu. */
	ctx.screens = ui_screens();
	if (mailx)
		rc = cli_mailx(&ctx, &mx, argc, argv);
	else
		rc = cmd != NULL ? cmd->fn(&ctx, argc, argv) : ui_run(&ctx, &ui_params);
	buf_free(&errors);

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
