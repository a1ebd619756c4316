/*
 * The event loop: one poll() per turn over the fd watchers, then the timers
 * that are due. Signals arrive through a self-pipe so that their callbacks
 * run from the loop like everything else.
 *
 * Freeing from inside callbacks: a freed fd watcher is only marked dead
 * while the loop dispatches (the poll result still points at it) and is
 * released at the end of the turn. A timer is unlinked before its callback
 * runs and the loop keeps no pointer to it, so it is freed at once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2 */
#endif
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/event.h"
#include "crispin/log.h"
#include "crispin/xalloc.h"

struct ev_fd {
	struct ev_loop	*loop;		/* borrowed */
	struct ev_fd	*prev, *next;
	int		 fd;		/* borrowed */
	int		 events;
	ev_fd_cb	*cb;
	void		*arg;
	bool		 dead;		/* freed during dispatch; released after */
};

struct ev_timer {
	struct ev_loop	*loop;		/* borrowed */
	struct ev_timer	*prev, *next;	/* in loop->timers while active */
	uint64_t	 when;		/* deadline, monotonic ms */
	uint64_t	 seq;		/* start order, to skip timers armed this turn */
	bool		 active;
	ev_timer_cb	*cb;
	void		*arg;
};

struct ev_sig {
	ev_signal_cb	*cb;
	void		*arg;
	bool		 installed;
	struct sigaction old;
};

struct ev_loop {
	uint64_t	 now;

	struct ev_fd	*fds, *fds_tail;
	size_t		 nfds;		/* live watchers added by users */
	bool		 dirty;		/* dead watchers wait to be released */

	/* This turn's poll set; pw[i] is the watcher behind pfd[i]. */
	struct pollfd	*pfd;
	struct ev_fd	**pw;
	size_t		 pcap;
	bool		 dispatching;

	struct ev_timer	*timers;	/* active, sorted by when then seq */
	size_t		 ntimers;	/* allocated */
	uint64_t	 timer_seq;

	int		 sigpipe[2];
	struct ev_fd	*sigw;
	struct ev_sig	 sigs[NSIG];

	bool		 brk;
};

static uint64_t	 ev_clock(void);
static void	 ev_fd_unlink(struct ev_fd *);
static void	 ev_sweep(struct ev_loop *);
static void	 ev_timer_unlink(struct ev_timer *);
static int	 ev_poll_timeout(struct ev_loop *, int);
static size_t	 ev_build_pollset(struct ev_loop *);
static void	 ev_dispatch_fds(struct ev_loop *, size_t);
static void	 ev_dispatch_timers(struct ev_loop *);
static void	 ev_sig_handler(int);
static void	 ev_sig_read(int, int, void *);
static int	 ev_sig_setup(struct ev_loop *);

/* The handler has no context: these tell it where to write. */
/* Every loop's time blocked in poll(), for the cost meters (netmeter.c). */
static uint64_t ev_idle_total_us;

static volatile sig_atomic_t ev_sig_pending[NSIG];
static int ev_sig_wfd = -1;
static struct ev_loop *ev_sig_loop;

static uint64_t
ev_clock(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
ev_clock_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
ev_idle_us(void)
{
	return ev_idle_total_us;
}

struct ev_loop *
ev_loop_new(void)
{
	struct ev_loop	*loop;

	loop = xcalloc(1, sizeof *loop);
	loop->now = ev_clock();
	loop->sigpipe[0] = loop->sigpipe[1] = -1;
	return loop;
}

void
ev_loop_free(struct ev_loop **loopp)
{
	struct ev_loop	*loop = *loopp;
	int		 signo;

	if (loop == NULL)
		return;
	*loopp = NULL;
	assert(!loop->dispatching);

	for (signo = 1; signo < NSIG; signo++) {
		if (loop->sigs[signo].installed)
			sigaction(signo, &loop->sigs[signo].old, NULL);
	}
	if (loop->sigw != NULL) {
		ev_fd_unlink(loop->sigw);
		free(loop->sigw);
	}
	if (loop->sigpipe[0] != -1) {
		close(loop->sigpipe[0]);
		close(loop->sigpipe[1]);
	}
	if (ev_sig_loop == loop) {
		ev_sig_wfd = -1;
		ev_sig_loop = NULL;
	}

	ev_sweep(loop);
	assert(loop->nfds == 0 && loop->fds == NULL);
	assert(loop->ntimers == 0);
	free(loop->pfd);
	free(loop->pw);
	free(loop);
}

uint64_t
ev_now(struct ev_loop *loop)
{
	return loop->now;
}

uint64_t
ev_now_update(struct ev_loop *loop)
{
	loop->now = ev_clock();
	return loop->now;
}

struct ev_fd *
ev_fd_add(struct ev_loop *loop, int fd, int events, ev_fd_cb *cb, void *arg)
{
	struct ev_fd	*w;

	assert(fd >= 0 && cb != NULL);
	w = xcalloc(1, sizeof *w);
	w->loop = loop;
	w->fd = fd;
	w->events = events & (EV_READ | EV_WRITE);
	w->cb = cb;
	w->arg = arg;

	/* Append, so that dispatch order follows creation order. */
	w->prev = loop->fds_tail;
	if (loop->fds_tail != NULL)
		loop->fds_tail->next = w;
	else
		loop->fds = w;
	loop->fds_tail = w;
	loop->nfds++;
	return w;
}

void
ev_fd_set(struct ev_fd *w, int events)
{
	assert(!w->dead);
	w->events = events & (EV_READ | EV_WRITE);
}

static void
ev_fd_unlink(struct ev_fd *w)
{
	struct ev_loop	*loop = w->loop;

	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		loop->fds = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		loop->fds_tail = w->prev;
	w->prev = w->next = NULL;
}

void
ev_fd_free(struct ev_fd **wp)
{
	struct ev_fd	*w = *wp;
	struct ev_loop	*loop;

	if (w == NULL)
		return;
	*wp = NULL;
	assert(!w->dead);
	loop = w->loop;
	if (w != loop->sigw)
		loop->nfds--;
	if (loop->dispatching) {
		w->dead = true;
		w->events = 0;
		loop->dirty = true;
		return;
	}
	ev_fd_unlink(w);
	free(w);
}

static void
ev_sweep(struct ev_loop *loop)
{
	struct ev_fd	*w, *next;

	if (!loop->dirty)
		return;
	loop->dirty = false;
	for (w = loop->fds; w != NULL; w = next) {
		next = w->next;
		if (w->dead) {
			ev_fd_unlink(w);
			free(w);
		}
	}
}

struct ev_timer *
ev_timer_new(struct ev_loop *loop, ev_timer_cb *cb, void *arg)
{
	struct ev_timer	*t;

	assert(cb != NULL);
	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	loop->ntimers++;
	return t;
}

static void
ev_timer_unlink(struct ev_timer *t)
{
	if (!t->active)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		t->loop->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->active = false;
}

void
ev_timer_start(struct ev_timer *t, uint64_t delay_ms)
{
	struct ev_loop	*loop = t->loop;
	struct ev_timer	*p, *last;

	ev_timer_unlink(t);
	/* A fresh clock reading, not loop->now: work done since the last poll
	 * must not make the timer fire early. */
	t->when = ev_clock() + delay_ms;
	t->seq = ++loop->timer_seq;
	t->active = true;

	/* Behind every timer due at the same time or earlier. */
	last = NULL;
	for (p = loop->timers; p != NULL && p->when <= t->when; p = p->next)
		last = p;
	t->prev = last;
	if (last != NULL) {
		t->next = last->next;
		last->next = t;
	} else {
		t->next = loop->timers;
		loop->timers = t;
	}
	if (t->next != NULL)
		t->next->prev = t;
}

void
ev_timer_stop(struct ev_timer *t)
{
	ev_timer_unlink(t);
}

bool
ev_timer_active(const struct ev_timer *t)
{
	return t->active;
}

void
ev_timer_free(struct ev_timer **tp)
{
	struct ev_timer	*t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	ev_timer_unlink(t);
	t->loop->ntimers--;
	free(t);
}

static void
ev_sig_handler(int signo)
{
	int		 saved = errno;
	unsigned char	 b = (unsigned char)signo;
	ssize_t		 n;

	if (signo > 0 && signo < NSIG)
		ev_sig_pending[signo] = 1;
	/* A full pipe is fine: a wake-up is already waiting. */
	if (ev_sig_wfd != -1) {
		n = write(ev_sig_wfd, &b, 1);
		(void)n;
	}
	errno = saved;
}

static void
ev_sig_read(int fd, int events, void *arg)
{
	struct ev_loop	*loop = arg;
	unsigned char	 drain[64];
	struct ev_sig	*s;
	int		 signo;

	(void)events;
	while (read(fd, drain, sizeof drain) > 0)
		continue;
	for (signo = 1; signo < NSIG; signo++) {
		if (!ev_sig_pending[signo])
			continue;
		ev_sig_pending[signo] = 0;
		s = &loop->sigs[signo];
		if (s->cb != NULL)
			s->cb(signo, s->arg);
	}
}

static int
ev_sig_setup(struct ev_loop *loop)
{
	if (ev_sig_loop == loop)
		return 0;
	if (ev_sig_loop != NULL) {
		log_error("signals are already handled by another event loop");
		errno = EBUSY;
		return -1;
	}
	if (pipe2(loop->sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	loop->sigw = ev_fd_add(loop, loop->sigpipe[0], EV_READ, ev_sig_read,
	    loop);
	loop->nfds--;		/* internal: not the owner's to free */
	ev_sig_wfd = loop->sigpipe[1];
	ev_sig_loop = loop;
	return 0;
}

int
ev_signal(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg)
{
	struct ev_sig		*s;
	struct sigaction	 sa;

	if (signo <= 0 || signo >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (ev_sig_setup(loop) == -1)
		return -1;
	s = &loop->sigs[signo];
	if (cb == NULL) {
		if (s->installed && sigaction(signo, &s->old, NULL) == -1)
			return -1;
		s->installed = false;
		s->cb = NULL;
		return 0;
	}
	if (!s->installed) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = ev_sig_handler;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		if (sigaction(signo, &sa, &s->old) == -1)
			return -1;
		s->installed = true;
	}
	s->cb = cb;
	s->arg = arg;
	return 0;
}

static int
ev_poll_timeout(struct ev_loop *loop, int max_wait_ms)
{
	uint64_t	 now, wait;

	if (loop->timers == NULL)
		return max_wait_ms;
	now = ev_clock();
	wait = loop->timers->when > now ? loop->timers->when - now : 0;
	if (max_wait_ms >= 0 && wait > (uint64_t)max_wait_ms)
		wait = (uint64_t)max_wait_ms;
	if (wait > INT_MAX)
		wait = INT_MAX;
	return (int)wait;
}

static size_t
ev_build_pollset(struct ev_loop *loop)
{
	struct ev_fd	*w;
	size_t		 n = 0;
	short		 pev;

	for (w = loop->fds; w != NULL; w = w->next) {
		/* A watcher with no interest would still see POLLHUP. */
		if (w->events == 0)
			continue;
		if (n == loop->pcap) {
			loop->pcap = loop->pcap == 0 ? 16 : loop->pcap * 2;
			loop->pfd = xreallocarray(loop->pfd, loop->pcap,
			    sizeof *loop->pfd);
			loop->pw = xreallocarray(loop->pw, loop->pcap,
			    sizeof *loop->pw);
		}
		pev = 0;
		if (w->events & EV_READ)
			pev |= POLLIN;
		if (w->events & EV_WRITE)
			pev |= POLLOUT;
		loop->pfd[n].fd = w->fd;
		loop->pfd[n].events = pev;
		loop->pfd[n].revents = 0;
		loop->pw[n] = w;
		n++;
	}
	return n;
}

static void
ev_dispatch_fds(struct ev_loop *loop, size_t n)
{
	struct ev_fd	*w;
	size_t		 i;
	int		 ev;
	short		 rev;

	for (i = 0; i < n; i++) {
		rev = loop->pfd[i].revents;
		w = loop->pw[i];
		if (rev == 0 || w->dead)
			continue;
		ev = 0;
		if (rev & POLLIN)
			ev |= EV_READ;
		if (rev & POLLOUT)
			ev |= EV_WRITE;
		if (rev & (POLLERR | POLLHUP | POLLNVAL))
			ev |= EV_READ | EV_WRITE;
		/* An earlier callback this turn may have narrowed the interest. */
		ev &= w->events;
		if (ev != 0)
			w->cb(w->fd, ev, w->arg);
	}
}

static void
ev_dispatch_timers(struct ev_loop *loop)
{
	struct ev_timer	*t;
	uint64_t	 limit = loop->timer_seq;

	/* Timers armed by this turn's callbacks wait for the next turn, so
	 * that a zero-delay timer re-arming itself cannot starve the poll. */
	while ((t = loop->timers) != NULL && t->when <= loop->now &&
	    t->seq <= limit) {
		ev_timer_unlink(t);
		t->cb(t->arg);
	}
}

int
ev_loop_run_once(struct ev_loop *loop, int max_wait_ms)
{
	uint64_t before;
	size_t	 n;
	int	 timeout, r;

	assert(!loop->dispatching);	/* no nested loops */
	timeout = ev_poll_timeout(loop, max_wait_ms);
	n = ev_build_pollset(loop);
	before = ev_clock_us();
	r = poll(loop->pfd, n, timeout);
	if (r == -1 && errno == EINTR) {
		/* A signal interrupted the wait: pick up its pipe byte now. */
		r = poll(loop->pfd, n, 0);
		if (r == -1 && errno == EINTR)
			r = 0;
	}
	ev_idle_total_us += ev_clock_us() - before;
	if (r == -1) {
		log_error("poll: %s", strerror(errno));
		return -1;
	}
	loop->now = ev_clock();

	loop->dispatching = true;
	if (r > 0)
		ev_dispatch_fds(loop, n);
	ev_dispatch_timers(loop);
	loop->dispatching = false;
	ev_sweep(loop);
	return 0;
}

void
ev_loop_run(struct ev_loop *loop)
{
	loop->brk = false;
	while (!loop->brk) {
		if (ev_loop_run_once(loop, -1) == -1)
			break;
	}
	loop->brk = false;
}

void
ev_loop_break(struct ev_loop *loop)
{
	loop->brk = true;
}
