/*
 * Addresses from `alias` entries and from query_command. The command is
 * the user's, but the query is typed (or pasted from mail): it reaches
 * the command only as one argv element, never as shell text. The child
 * runs in its own process group with no terminal, so that cancelling
 * stops a script and everything it started.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/event.h"
#include "crispin/mail_addrbook.h"
#include "crispin/mime_addr.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define OUTPUT_MAX	(1024 * 1024)	/* more is no address book answer */
#define STDERR_MAX	4096
#define REAP_POLL_MS	10

struct mail_addrbook_run {
	struct ev_loop		*loop;
	pid_t			 pid;
	int			 out_fd, err_fd;
	struct ev_fd		*out_ev, *err_ev;
	struct ev_timer		*timer;		/* the time limit, then reaping */
	struct buf		 out, err;
	bool			 timed_out;
	bool			 reaping;
	uint64_t		 deadline;	/* ev_now; 0: none */
	mail_addrbook_done_cb	*done;
	void			*arg;
};

static void entry_add(struct mail_addr_list *, const char *, size_t,
	    const char *, size_t, const char *, size_t);
static char *clean_field(const char *, size_t);
static bool split_words(const char *, char ***, size_t *);
static void on_output(int, int, void *);
static void on_timer(void *);
static void finish(struct mail_addrbook_run *, int);
static void run_free(struct mail_addrbook_run *);

void
mail_addr_list_free(struct mail_addr_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].address);
		free(l->v[i].name);
		free(l->v[i].other);
	}
	free(l->v);
	free(l->status);
	memset(l, 0, sizeof *l);
}

/* A field of the output or an alias: control characters (a newline in
 * a name would start a header of its own) become spaces, the ends
 * trimmed. NULL when nothing is left. */
static char *
clean_field(const char *s, size_t len)
{
	char	*c;
	size_t	 i, start = 0;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		len--;
	while (start < len && (s[start] == ' ' || s[start] == '\t'))
		start++;
	if (start == len)
		return NULL;
	c = xstrndup(s + start, len - start);
	for (i = 0; c[i] != '\0'; i++) {
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = ' ';
	}
	return c;
}

static void
entry_add(struct mail_addr_list *l, const char *address, size_t alen,
    const char *name, size_t nlen, const char *other, size_t olen)
{
	struct mail_addr_entry	*e;
	char			*a;
	size_t			 i;

	if ((a = clean_field(address, alen)) == NULL)
		return;
	/* An addr-spec: no blanks, brackets or commas that would turn one
	 * entry into several recipients. */
	for (i = 0; a[i] != '\0'; i++) {
		if (strchr(" <>,;\"", a[i]) != NULL) {
			free(a);
			return;
		}
	}
	if (strchr(a, '@') == NULL) {
		free(a);
		return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	e = &l->v[l->n++];
	e->address = a;
	e->name = name != NULL ? clean_field(name, nlen) : NULL;
	e->other = other != NULL ? clean_field(other, olen) : NULL;
}

/* Whether a word of name starts with prefix ("smi" finds "Anna Smith"). */
static bool
name_matches(const char *name, const char *prefix)
{
	const char	*p;

	if (name == NULL)
		return false;
	for (p = name; *p != '\0'; p++) {
		if ((p == name || strchr(" \t,.-\"(", p[-1]) != NULL) &&
		    str_has_iprefix(p, prefix))
			return true;
	}
	return false;
}

void
mail_addrbook_aliases(const struct config *cfg, const char *prefix,
    struct mail_addr_list *l)
{
	struct mime_addr	*addrs;
	struct arena		*a;
	const char		*key, *value;
	size_t			 i, j, n;
	bool			 key_matches;

	for (i = 0; (key = config_alias_at(cfg, i, &value)) != NULL; i++) {
		a = arena_new(0);
		if (mime_addr_parse(value, a, &addrs, &n) < 0)
			n = 0;
		/* An alias key matches with every address it stands for. */
		key_matches = str_has_iprefix(key, prefix);
		for (j = 0; j < n; j++) {
			const struct mime_addr *m = &addrs[j];

			if (m->mailbox == NULL)
				continue;
			if (!key_matches && !str_has_iprefix(m->mailbox, prefix) &&
			    !name_matches(m->name, prefix))
				continue;
			entry_add(l, m->mailbox, strlen(m->mailbox), m->name,
			    m->name != NULL ? strlen(m->name) : 0, key, strlen(key));
		}
		arena_free(&a);
	}
}

void
mail_addrbook_parse(const char *output, size_t len, struct mail_addr_list *l)
{
	const char	*p = output, *end = output + len, *eol, *tab1, *tab2;
	bool		 first = true;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (first) {
			/* mutt's protocol: the first line is a note for the
			 * user ("Searching... 2 entries"), never an entry. */
			first = false;
			free(l->status);
			l->status = clean_field(p, (size_t)(eol - p));
			p = eol + 1;
			continue;
		}
		tab1 = memchr(p, '\t', (size_t)(eol - p));
		tab2 = tab1 != NULL ? memchr(tab1 + 1, '\t',
		    (size_t)(eol - tab1 - 1)) : NULL;
		if (tab1 == NULL)
			entry_add(l, p, (size_t)(eol - p), NULL, 0, NULL, 0);
		else if (tab2 == NULL)
			entry_add(l, p, (size_t)(tab1 - p), tab1 + 1,
			    (size_t)(eol - tab1 - 1), NULL, 0);
		else
			entry_add(l, p, (size_t)(tab1 - p), tab1 + 1,
			    (size_t)(tab2 - tab1 - 1), tab2 + 1,
			    (size_t)(eol - tab2 - 1));
		p = eol + 1;
	}
}

/*
 * Splits a command into words as the rc file quotes: blanks separate,
 * 'single quotes' keep everything, "double quotes" and bare words take
 * backslash escapes. Nothing is expanded ($VAR and `command` were, if
 * at all, when the rc line was read). False for an unclosed quote.
 */
static bool
split_words(const char *s, char ***words_r, size_t *n_r)
{
	struct buf	 w = BUF_INIT;
	char		**v = NULL;
	size_t		 n = 0;
	bool		 in_word = false;
	char		 quote = 0;

	for (;; s++) {
		if (quote == 0 && (*s == '\0' || *s == ' ' || *s == '\t' ||
		    *s == '\n')) {
			if (in_word) {
				v = xreallocarray(v, n + 2, sizeof *v);
				v[n++] = buf_steal(&w);
				v[n] = NULL;
				in_word = false;
			}
			if (*s == '\0')
				break;
			continue;
		}
		if (*s == '\0') {
			buf_free(&w);
			mail_addrbook_argv_free(v);
			return false;
		}
		in_word = true;
		if (quote == '\'' && *s == '\'')
			quote = 0;
		else if (quote == '\'')
			buf_addc(&w, *s);
		else if (*s == '\\' && s[1] != '\0')
			buf_addc(&w, *++s);
		else if (quote == '"' && *s == '"')
			quote = 0;
		else if (quote == 0 && (*s == '"' || *s == '\''))
			quote = *s;
		else
			buf_addc(&w, *s);
	}
	buf_free(&w);
	*words_r = v;
	*n_r = n;
	return n > 0;
}

char **
mail_addrbook_argv(const struct config *cfg, const char *query)
{
	const char	*command = config_str(cfg, "query_command");
	const char	*home = getenv("HOME");
	struct buf	 w = BUF_INIT;
	char		**v, *rest;
	size_t		 n, i;
	bool		 substituted = false;

	if (command == NULL || !split_words(command, &v, &n))
		return NULL;
	/* ~/bin/script, as a shell would find it. */
	if (strncmp(v[0], "~/", 2) == 0 && home != NULL) {
		rest = xasprintf("%s%s", home, v[0] + 1);
		free(v[0]);
		v[0] = rest;
	}
	for (i = 1; i < n; i++) {
		if (strchr(v[i], '%') == NULL)
			continue;
		/* "--name=%s" stays one word: the query never splits it.
		 * "%%" is a '%' of the command's own. */
		buf_reset(&w);
		for (rest = v[i]; *rest != '\0'; rest++) {
			if (rest[0] == '%' && rest[1] == 's') {
				buf_adds(&w, query);
				substituted = true;
				rest++;
			} else if (rest[0] == '%' && rest[1] == '%') {
				buf_addc(&w, '%');
				rest++;
			} else
				buf_addc(&w, *rest);
		}
		free(v[i]);
		v[i] = buf_steal(&w);
	}
	buf_free(&w);
	if (!substituted) {
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(query);
		v[n] = NULL;
	}
	return v;
}

void
mail_addrbook_argv_free(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
set_nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

struct mail_addrbook_run *
mail_addrbook_start(struct ev_loop *loop, const struct config *cfg,
    const char *query, uint64_t timeout_ms, mail_addrbook_done_cb *done,
    void *arg, char **error_r)
{
	struct mail_addrbook_run	*r;
	char				**argv;
	int				 out[2], err[2], null, fd;
	long				 maxfd;
	pid_t				 pid;

	if ((argv = mail_addrbook_argv(cfg, query)) == NULL) {
		*error_r = xstrdup(config_str(cfg, "query_command") == NULL ?
		    "query_command is not set (see crispinrc(5); contrib has "
		    "crispin-ldap-query)" : "query_command has an unclosed quote");
		return NULL;
	}
	if (pipe(out) == -1) {
		*error_r = xasprintf("cannot run query_command: %s", strerror(errno));
		mail_addrbook_argv_free(argv);
		return NULL;
	}
	if (pipe(err) == -1) {
		*error_r = xasprintf("cannot run query_command: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		mail_addrbook_argv_free(argv);
		return NULL;
	}
	if ((pid = fork()) == -1) {
		*error_r = xasprintf("cannot run query_command: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		mail_addrbook_argv_free(argv);
		return NULL;
	}
	if (pid == 0) {
		/* Its own group (cancel kills it whole), no terminal input. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if ((null = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(null, STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1 ||
		    dup2(err[1], STDERR_FILENO) == -1)
			_exit(127);
		/* The sockets and the cache of the parent are none of its
		 * business. */
		maxfd = sysconf(_SC_OPEN_MAX);
		if (maxfd < 0 || maxfd > 4096)
			maxfd = 4096;
		for (fd = 3; fd < maxfd; fd++)
			close(fd);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	mail_addrbook_argv_free(argv);
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	set_nonblock(out[0]);
	set_nonblock(err[0]);
	r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->pid = pid;
	r->out_fd = out[0];
	r->err_fd = err[0];
	r->done = done;
	r->arg = arg;
	r->out_ev = ev_fd_add(loop, r->out_fd, EV_READ, on_output, r);
	r->err_ev = ev_fd_add(loop, r->err_fd, EV_READ, on_output, r);
	r->timer = ev_timer_new(loop, on_timer, r);
	if (timeout_ms > 0) {
		r->deadline = ev_now(loop) + timeout_ms;
		ev_timer_start(r->timer, timeout_ms);
	}
	return r;
}

static void
on_output(int fd, int events, void *arg)
{
	struct mail_addrbook_run	*r = arg;
	struct buf			*b = fd == r->out_fd ? &r->out : &r->err;
	struct ev_fd			**ev = fd == r->out_fd ? &r->out_ev :
					    &r->err_ev;
	size_t				 max = fd == r->out_fd ? OUTPUT_MAX :
					    STDERR_MAX;
	char				 chunk[8192];
	ssize_t				 got;

	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got > 0) {
			if (b->len < max)
				buf_add(b, chunk, (size_t)got < max - b->len ?
				    (size_t)got : max - b->len);
			continue;
		}
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	/* End of this stream (or an error, the same for us). */
	ev_fd_free(ev);
	if (r->out_ev == NULL && r->err_ev == NULL) {
		/* Both closed: the command is done, or about to be. */
		r->reaping = true;
		ev_timer_start(r->timer, 0);
	}
}

static void
on_timer(void *arg)
{
	struct mail_addrbook_run	*r = arg;
	int				 status;
	pid_t				 got;

	if (!r->reaping || (r->deadline != 0 && ev_now(r->loop) >= r->deadline)) {
		/* The time limit: the command and all it started go. */
		r->timed_out = true;
		kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) == -1 && errno == EINTR)
			;
		r->pid = -1;
		finish(r, -1);
		return;
	}
	got = waitpid(r->pid, &status, WNOHANG);
	if (got == 0) {
		/* Closed its output but lives on: look again shortly. */
		ev_timer_start(r->timer, REAP_POLL_MS);
		return;
	}
	r->pid = -1;
	finish(r, got == -1 ? -1 : status);
}

/* Reports and frees r. */
static void
finish(struct mail_addrbook_run *r, int status)
{
	struct mail_addr_list	 l;
	char			*error = NULL, *first, *note;

	memset(&l, 0, sizeof l);
	mail_addrbook_parse(r->out.data != NULL ? r->out.data : "", r->out.len, &l);
	/* The first line of stderr says why, usually. */
	first = xstrndup(buf_cstr(&r->err), strcspn(buf_cstr(&r->err), "\n"));
	note = str_sanitize(first);
	free(first);
	if (r->timed_out)
		error = xstrdup("query_command took too long and was stopped");
	else if (status == -1)
		error = xstrdup("query_command: its exit status is lost");
	else if (WIFSIGNALED(status))
		error = xasprintf("query_command was killed by signal %d",
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) == 127 && l.n == 0)
		error = xasprintf("cannot run query_command%s%s",
		    *note != '\0' ? ": " : "", note);
	else if (WEXITSTATUS(status) != 0 && l.n == 0 && l.status == NULL)
		/* A failure that said nothing on stdout (a status line alone
		 * is mutt's way to say "no match"). */
		error = xasprintf("query_command failed (exit status %d)%s%s",
		    WEXITSTATUS(status), *note != '\0' ? ": " : "", note);
	free(note);
	if (error != NULL)
		mail_addr_list_free(&l);
	r->done(&l, error, r->arg);
	mail_addr_list_free(&l);
	free(error);
	run_free(r);
}

static void
run_free(struct mail_addrbook_run *r)
{
	int	 status;

	ev_fd_free(&r->out_ev);
	ev_fd_free(&r->err_ev);
	ev_timer_free(&r->timer);
	close(r->out_fd);
	close(r->err_fd);
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	buf_free(&r->out);
	buf_free(&r->err);
	free(r);
}

void
mail_addrbook_cancel(struct mail_addrbook_run **rp)
{
	if (*rp == NULL)
		return;
	run_free(*rp);
	*rp = NULL;
}

struct wait_state {
	struct mail_addr_list	*l;
	char			*error;
	bool			 done;
};

static void
wait_done(struct mail_addr_list *got, const char *error, void *arg)
{
	struct wait_state	*ws = arg;
	size_t			 i;

	ws->done = true;
	if (error != NULL) {
		ws->error = xstrdup(error);
		return;
	}
	/* Moved over: the list stays the caller's to free. */
	for (i = 0; i < got->n; i++) {
		ws->l->v = xreallocarray(ws->l->v, ws->l->n + 1, sizeof *ws->l->v);
		ws->l->v[ws->l->n++] = got->v[i];
	}
	got->n = 0;
	if (got->status != NULL) {
		free(ws->l->status);
		ws->l->status = got->status;
		got->status = NULL;
	}
}

int
mail_addrbook_query(const struct config *cfg, const char *query,
    struct mail_addr_list *l, char **error_r)
{
	struct ev_loop			*loop = ev_loop_new();
	struct mail_addrbook_run	*r;
	struct wait_state		 ws;

	memset(&ws, 0, sizeof ws);
	ws.l = l;
	r = mail_addrbook_start(loop, cfg, query, MAIL_ADDRBOOK_TIMEOUT_MS,
	    wait_done, &ws, error_r);
	if (r == NULL) {
		ev_loop_free(&loop);
		return -1;
	}
	while (!ws.done) {
		if (ev_loop_run_once(loop, -1) < 0) {
			mail_addrbook_cancel(&r);
			ws.error = xstrdup("query_command: the wait failed");
			break;
		}
	}
	ev_loop_free(&loop);
	if (ws.error != NULL) {
		*error_r = ws.error;
		return -1;
	}
	return 0;
}

void
mail_addr_entry_format(const struct mail_addr_entry *e, struct buf *out)
{
	struct mime_addr	 a;

	memset(&a, 0, sizeof a);
	a.mailbox = e->address;
	a.name = e->name != NULL && *e->name != '\0' ? e->name : NULL;
	mime_addr_format(out, &a);
}
