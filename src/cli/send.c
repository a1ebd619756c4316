/*
 * crispin send [--from ADDR] [--] [RCPT...] < message: submits a complete
 * RFC 5322 message over SMTP. Recipients come from the arguments, else
 * from To, Cc and Bcc; Bcc never goes out in the message itself. Refused
 * recipients are listed with the server's words, and the exit status says
 * whether everyone got it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/cli.h"
#include "crispin/mime_addr.h"
#include "crispin/smtp_client.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct send_run {
	struct cli_context	*ctx;		/* borrowed */
	struct smtp_url		 url;
	bool			 done;		/* the message's outcome is known */
	bool			 closed;
	int			 exit_code;
	enum err_class		 close_err;
	char			*close_msg;	/* owned */
};

struct addr_list {
	char		**v;		/* owned */
	size_t		 n;
};

static int read_all(int, struct buf *);
static bool valid_addr(const char *);
static int extract(struct send_run *, const char *, struct addr_list *);
static void add_unique(struct addr_list *, char *);
static void free_list(struct addr_list *);
static int collect_rcpts(struct send_run *, int, char **, const struct buf *,
	    struct addr_list *);
static char *envelope_from(struct send_run *, const char *, const struct buf *);
static char *get_secret(enum smtp_secret_kind, void *, char **);
static void on_done(struct smtp_client *, const struct smtp_result *, void *);
static void on_closed(struct smtp_client *, enum err_class, const char *, void *);
static void split_list(const char *, struct addr_list *);

static int
read_all(int fd, struct buf *out)
{
	char	chunk[65536];
	ssize_t	n;

	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf_add(out, chunk, (size_t)n);
	}
	return 0;
}

/* An addr-spec safe to put between < and >: an @, no controls, no angle
 * brackets, spaces only inside a quoted local part. */
static bool
valid_addr(const char *a)
{
	const unsigned char	*p = (const unsigned char *)a;
	bool			 quoted = false;

	if (strchr(a, '@') == NULL || a[0] == '@' || a[strlen(a) - 1] == '@')
		return false;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return false;
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ' ' && !quoted)
			return false;
	}
	return !quoted;
}

/* Appends the addresses of an address list ("Name <a@b>, c@d", groups);
 * -1 after telling the user when an entry is no address. */
static int
extract(struct send_run *run, const char *value, struct addr_list *out)
{
	struct arena		*a = arena_new(0);
	struct mime_addr	*v;
	const char		*bad = NULL;
	char			*clean;
	size_t			 n, i;

	mime_addr_parse(value, a, &v, &n);
	for (i = 0; i < n && bad == NULL; i++) {
		if (v[i].mailbox == NULL) {
			/* Group markers are fine; text that is no address is not. */
			if (v[i].group == NULL && v[i].name != NULL)
				bad = v[i].name;
			continue;
		}
		if (!valid_addr(v[i].mailbox)) {
			bad = v[i].mailbox;
			continue;
		}
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = xstrdup(v[i].mailbox);
	}
	if (bad != NULL) {
		clean = str_sanitize(bad);
		fprintf(run->ctx->err, "crispin: send: '%s' is not an email address\n",
		    clean);
		free(clean);
	}
	arena_free(&a);
	return bad != NULL ? -1 : 0;
}

/* Takes a; the same address twice is one recipient. */
static void
add_unique(struct addr_list *l, char *a)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (str_ieq(l->v[i], a)) {
			free(a);
			return;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = a;
}

static void
free_list(struct addr_list *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

static int
collect_rcpts(struct send_run *run, int argc, char **argv, const struct buf *msg,
    struct addr_list *rcpts)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	struct addr_list	 values = { NULL, 0 }, found = { NULL, 0 };
	size_t			 i, j;
	int			 k;

	int			 rc = 0;

	if (argc > 0) {
		for (k = 0; k < argc && rc == 0; k++)
			rc = extract(run, argv[k], &found);
	} else {
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			smtp_header_values(msg->data, msg->len, fields[i], &values.v, &values.n);
		for (i = 0; i < values.n && rc == 0; i++)
			rc = extract(run, values.v[i], &found);
		free_list(&values);
	}
	if (rc < 0) {
		free_list(&found);
		return -1;
	}
	for (j = 0; j < found.n; j++)
		add_unique(rcpts, found.v[j]);
	free(found.v);
	if (rcpts->n == 0) {
		fprintf(run->ctx->err, "crispin: send: no recipients: give them as "
		    "arguments or in the To, Cc or Bcc header\n");
		return -1;
	}
	return 0;
}

/* --from, else the from option, else the message's From. */
static char *
envelope_from(struct send_run *run, const char *opt, const struct buf *msg)
{
	struct addr_list	 values = { NULL, 0 }, found = { NULL, 0 };
	const char		*src = opt;
	char			*from = NULL;
	size_t			 i;

	if (src == NULL)
		src = config_str(run->ctx->cfg, "from");
	int			 rc = 0;

	if (src != NULL)
		rc = extract(run, src, &found);
	else {
		smtp_header_values(msg->data, msg->len, "From", &values.v, &values.n);
		for (i = 0; i < values.n && rc == 0; i++)
			rc = extract(run, values.v[i], &found);
		free_list(&values);
	}
	if (rc == 0 && found.n == 0)
		fprintf(run->ctx->err, "crispin: send: no sender: use --from, set from "
		    "in the rc file, or give the message a From header\n");
	else if (rc == 0) {
		from = found.v[0];
		found.v[0] = NULL;
	}
	free_list(&found);
	return from;
}

static char *
get_secret(enum smtp_secret_kind kind, void *arg, char **error_r)
{
	struct send_run		*run = arg;
	const struct config	*cfg = run->ctx->cfg;
	const char		*v;
	char			*prompt, *secret;

	if (kind == SMTP_SECRET_TOKEN) {
		if ((v = config_str(cfg, "smtp_oauth_cmd")) == NULL) {
			*error_r = xstrdup("no OAuth token: set smtp_oauth_cmd");
			return NULL;
		}
		return cli_secret_command("smtp_oauth_cmd", v, error_r);
	}
	if ((v = config_str(cfg, "smtp_pass_cmd")) != NULL)
		return cli_secret_command("smtp_pass_cmd", v, error_r);
	if ((v = config_str(cfg, "smtp_pass")) != NULL)
		return xstrdup(v);
	prompt = xasprintf("SMTP password for %s@%s: ", run->url.user, run->url.host);
	secret = cli_prompt_secret(prompt, "smtp", error_r);
	free(prompt);
	return secret;
}

static void
on_done(struct smtp_client *c, const struct smtp_result *res, void *arg)
{
	struct send_run	*run = arg;
	size_t		 i;

	run->done = true;
	for (i = 0; i < res->nrcpts; i++) {
		if (!res->rcpts[i].accepted && res->rcpts[i].reply != NULL)
			fprintf(run->ctx->err, "crispin: %s refused: %s\n",
			    res->rcpts[i].address, res->rcpts[i].reply);
	}
	if (res->err != ERR_NONE) {
		char *clean = str_sanitize(res->message);

		fprintf(run->ctx->err, "crispin: %s\n", clean);
		free(clean);
		run->exit_code = err_exit_code(res->err);
		return;
	}
	if (res->naccepted < res->nrcpts) {
		fprintf(run->ctx->err, "crispin: sent to %zu of %zu recipients\n",
		    res->naccepted, res->nrcpts);
		run->exit_code = EXIT_FAILURE_;
		return;
	}
	run->exit_code = EXIT_OK;
}

static void
on_closed(struct smtp_client *c, enum err_class cls, const char *msg, void *arg)
{
	struct send_run	*run = arg;

	run->closed = true;
	run->close_err = cls;
	free(run->close_msg);
	run->close_msg = xstrdup(msg);
}

static void
split_list(const char *list, struct addr_list *out)
{
	char	*copy = xstrdup(list), *p, *save = NULL;

	for (p = strtok_r(copy, ": ,", &save); p != NULL; p = strtok_r(NULL, ": ,", &save)) {
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = xstrdup(p);
	}
	free(copy);
}

int
cli_send(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct smtp_client_callbacks cb = {
		.get_secret = get_secret,
		.closed = on_closed,
	};
	struct send_run			 run;
	struct smtp_client_params	 p;
	struct smtp_message		 m;
	struct addr_list		 rcpts = { NULL, 0 }, auths = { NULL, 0 };
	struct buf			 raw = BUF_INIT, msg = BUF_INIT;
	struct ev_loop			*loop = NULL;
	struct smtp_client		*client = NULL;
	const char			*opt_from = NULL, *url, *list;
	char				*from = NULL, *error = NULL;
	uint64_t			 deadline, started;
	int				 ch, rc = EXIT_USAGE;

	memset(&run, 0, sizeof run);
	run.ctx = ctx;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			opt_from = optarg;
			break;
		default:
			fprintf(ctx->err, "crispin: send: bad option '%s'\n"
			    "usage: crispin send [--from ADDR] [--] [RCPT...] < message\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if ((url = config_str(ctx->cfg, "smtp_url")) == NULL) {
		fprintf(ctx->err, "crispin: no SMTP server configured: set smtp_url in the "
		    "rc file (e.g. set smtp_url = \"smtps://you@smtp.example.org/\")\n");
		return EXIT_CONFIG;
	}
	if (smtp_url_parse(url, &run.url, &error) < 0) {
		fprintf(ctx->err, "crispin: %s\n", error);
		free(error);
		return EXIT_CONFIG;
	}
	if (read_all(STDIN_FILENO, &raw) < 0 || raw.len == 0) {
		fprintf(ctx->err, "crispin: send: no message on standard input\n");
		goto out;
	}
	if (collect_rcpts(&run, argc - optind, argv + optind, &raw, &rcpts) < 0 ||
	    (from = envelope_from(&run, opt_from, &raw)) == NULL)
		goto out;
	smtp_strip_bcc(raw.data, raw.len, &msg);

	memset(&p, 0, sizeof p);
	p.host = run.url.host;
	p.port = run.url.port;
	p.user = run.url.user;
	p.implicit_tls = run.url.implicit_tls;
	p.starttls = !run.url.implicit_tls && config_bool(ctx->cfg, "tls");
	p.allow_plaintext = config_bool(ctx->cfg, "allow_plaintext");
	p.ca_file = config_str(ctx->cfg, "tls_ca_file");
	p.fingerprint = config_str(ctx->cfg, "tls_fingerprint");
	p.connect_timeout_ms = (unsigned)config_num(ctx->cfg, "connect_timeout") * 1000;
	p.response_timeout_ms = (unsigned)config_num(ctx->cfg, "timeout") * 1000;
	p.have_token_source = config_str(ctx->cfg, "smtp_oauth_cmd") != NULL;
	if ((list = config_str(ctx->cfg, "smtp_authenticators")) != NULL) {
		split_list(list, &auths);
		p.authenticators = (const char *const *)auths.v;
		p.nauthenticators = auths.n;
	}
	p.trace = ctx->trace;

	memset(&m, 0, sizeof m);
	m.from = from;
	m.rcpts = (const char *const *)rcpts.v;
	m.nrcpts = rcpts.n;
	m.data = msg.data;
	m.len = msg.len;

	loop = ev_loop_new();
	started = cli_now_us();
	client = smtp_client_new(loop, &p, &cb, &run);
	smtp_client_send(client, &m, on_done, &run);
	while (!run.done)
		ev_loop_run_once(loop, -1);
	rc = run.exit_code;
	/* QUIT is a courtesy: do not hang on a server that never answers. */
	smtp_client_quit(client);
	deadline = ev_now(loop) + 5000;
	while (!run.closed && ev_now(loop) < deadline)
		ev_loop_run_once(loop, 1000);
	if (ctx->stats) {
		struct net_stats st;

		smtp_client_stats(client, &st);
		cli_print_stats(ctx, "smtp", st.commands, st.round_trips, st.bytes_out,
		    st.bytes_in, cli_now_us() - started, st.wait_ms * 1000);
	}
out:
	smtp_client_free(&client);
	if (loop != NULL)
		ev_loop_free(&loop);
	free(from);
	free(run.close_msg);
	free_list(&rcpts);
	free_list(&auths);
	smtp_url_free(&run.url);
	buf_free(&raw);
	buf_free(&msg);
	return rc;
}
