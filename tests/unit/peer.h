/*
 * An in-process scripted server for the unit tests of protocol clients:
 * it listens on loopback and follows a script, checking each line the
 * client sends against the next EXPECT and writing the canned answers, so
 * a test sees exactly what the client puts on the wire. It runs on the
 * test's event loop, beside the client.
 */
#ifndef CRISPIN_TEST_PEER_H
#define CRISPIN_TEST_PEER_H

#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/buf.h"
#include "crispin/event.h"
#include "crispin/xalloc.h"
#include "test.h"

enum step_kind {
	EXPECT,		/* the client's next line ('*' at the end: a prefix) */
	SEND,		/* text to write; "$T" becomes the last line's tag */
	ACTION,		/* action(arg): the test makes its client act */
	CLOSE,		/* the server hangs up */
	END,		/* the script is over */
};

struct step {
	enum step_kind	 kind;
	const char	*text;
	void		(*action)(void *arg);
};

struct peer {
	struct ev_loop		*loop;		/* borrowed */
	int			 lfd, fd;
	struct ev_fd		*lw, *w;
	struct buf		 in;
	const struct step	*steps;
	size_t			 i;		/* the next step */
	bool			 done;		/* END reached, or failed */
	bool			 glob;		/* EXPECT texts are fnmatch patterns */
	char			 tag[16];	/* of the last line received */
	char			*failure;	/* owned: what went wrong first */
	void			*arg;		/* for actions */
};

static inline void
peer_fail(struct peer *p, const char *want, const char *got)
{
	if (p->failure == NULL)
		p->failure = xasprintf("step %zu: want \"%s\" (got \"%s\")", p->i,
		    want, got);
	p->done = true;
}

static inline bool
peer_matches(const struct peer *p, const char *want, const char *line)
{
	size_t	n = strlen(want);

	if (p->glob)
		return fnmatch(want, line, FNM_NOESCAPE) == 0;
	if (n > 0 && want[n - 1] == '*')
		return strncmp(want, line, n - 1) == 0;
	return strcmp(want, line) == 0;
}

/* Runs the steps up to the next EXPECT. */
static inline void
peer_run(struct peer *p)
{
	const struct step	*s;
	struct buf		 out = BUF_INIT;
	const char		*at, *t;

	while (!p->done && (s = &p->steps[p->i])->kind != EXPECT) {
		p->i++;
		switch (s->kind) {
		case SEND:
			buf_reset(&out);
			for (at = s->text; (t = strstr(at, "$T")) != NULL; at = t + 2) {
				buf_add(&out, at, (size_t)(t - at));
				buf_adds(&out, p->tag);
			}
			buf_adds(&out, at);
			(void)!write(p->fd, out.data, out.len);
			break;
		case ACTION:
			s->action(p->arg);
			break;
		case CLOSE:
			ev_fd_free(&p->w);
			shutdown(p->fd, SHUT_RDWR);
			break;
		case END:
			p->done = true;
			break;
		case EXPECT:
			break;
		}
	}
	buf_free(&out);
}

static inline void
peer_read(int fd, int events, void *arg)
{
	struct peer	*p = arg;
	char		 chunk[4096], *eol, *line;
	ssize_t		 n;
	size_t		 len;

	if ((n = read(fd, chunk, sizeof chunk)) <= 0) {
		ev_fd_free(&p->w);
		return;
	}
	buf_add(&p->in, chunk, (size_t)n);
	while (!p->done && (eol = memchr(p->in.data, '\n', p->in.len)) != NULL) {
		len = (size_t)(eol - p->in.data);
		if (len > 0 && p->in.data[len - 1] == '\r')
			len--;
		line = xstrndup(p->in.data, len);
		buf_consume(&p->in, (size_t)(eol - p->in.data) + 1);
		if (p->steps[p->i].kind != EXPECT)
			peer_fail(p, "nothing", line);
		else if (!peer_matches(p, p->steps[p->i].text, line))
			peer_fail(p, p->steps[p->i].text, line);
		else {
			snprintf(p->tag, sizeof p->tag, "%.*s",
			    (int)strcspn(line, " "), line);
			p->i++;
			peer_run(p);
		}
		free(line);
	}
}

static inline void
peer_accept(int fd, int events, void *arg)
{
	struct peer	*p = arg;

	p->fd = accept(fd, NULL, NULL);
	ev_fd_free(&p->lw);
	p->w = ev_fd_add(p->loop, p->fd, EV_READ, peer_read, p);
	peer_run(p);
}

/* Listens on a free loopback port (in port) and plays steps to the first
 * client that connects; arg goes to the actions. */
static inline void
peer_start(struct peer *p, struct ev_loop *loop, const struct step *steps,
    void *arg, char port[16])
{
	memset(p, 0, sizeof *p);
	p->loop = loop;
	p->steps = steps;
	p->arg = arg;
	p->fd = -1;
	p->lfd = test_listen(port);
	p->lw = ev_fd_add(loop, p->lfd, EV_READ, peer_accept, p);
}

/* Closes everything but the failure, which the test reads and frees. */
static inline void
peer_stop(struct peer *p)
{
	ev_fd_free(&p->lw);
	ev_fd_free(&p->w);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->lfd >= 0)
		close(p->lfd);
	p->lfd = -1;
	buf_free(&p->in);
}

#endif
