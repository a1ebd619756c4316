/* Tests for the event loop: timers, fd watchers, signals, and freeing
 * watchers and timers from inside their callbacks. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/event.h"
#include "crispin/netmeter.h"
#include "test.h"

struct order {
	char	 seen[16];
	size_t	 n;
};

struct mark {
	struct order	*order;
	char		 c;
};

struct pair {
	struct ev_fd	*a, *b;
	int		 calls;
};

struct tpair {
	struct ev_timer	*self;
	struct tpair	*other;
	int		 calls;
};

static void	 test_timer_order(void);
static void	 test_timer_zero(void);
static void	 test_timer_stop(void);
static void	 test_fd_ready(void);
static void	 test_free_inside(void);
static void	 test_timer_free_inside(void);
static void	 test_add_inside(void);
static void	 test_signal(void);
static void	 test_run_once_timeout(void);
static void	 test_run_break(void);

static void
mark_cb(void *arg)
{
	struct mark	*m = arg;

	if (m->order->n < sizeof m->order->seen - 1)
		m->order->seen[m->order->n++] = m->c;
}

static void
count_cb(void *arg)
{
	(*(int *)arg)++;
}

static void
test_timer_order(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct order	 order = { "", 0 };
	struct mark	 m[4] = {
		{ &order, 'c' }, { &order, 'a' }, { &order, 'b' }, { &order, 'd' }
	};
	uint64_t	 delays[4] = { 30, 10, 20, 30 };
	struct ev_timer	*t[4];
	uint64_t	 start;
	int		 i;

	for (i = 0; i < 4; i++) {
		t[i] = ev_timer_new(loop, mark_cb, &m[i]);
		TEST_CHECK(!ev_timer_active(t[i]), "new timer %d is stopped", i);
		ev_timer_start(t[i], delays[i]);
		TEST_CHECK(ev_timer_active(t[i]), "started timer %d is active", i);
	}
	start = ev_now(loop);
	while (order.n < 4 && ev_now(loop) - start < 2000)
		ev_loop_run_once(loop, -1);
	/* Equal deadlines keep the order in which they were started. */
	TEST_STREQ(order.seen, "abcd", "timers fire by deadline");
	TEST_CHECK(ev_now(loop) - start >= 30, "no timer fired early");
	for (i = 0; i < 4; i++) {
		TEST_CHECK(!ev_timer_active(t[i]), "fired timer %d is stopped", i);
		ev_timer_free(&t[i]);
		TEST_CHECK(t[i] == NULL, "ev_timer_free clears the pointer");
	}
	ev_loop_free(&loop);
	TEST_CHECK(loop == NULL, "ev_loop_free clears the pointer");
}

struct rearm {
	struct ev_timer	*t;
	int		 calls;
};

static void
rearm_cb(void *arg)
{
	struct rearm	*r = arg;

	r->calls++;
	ev_timer_start(r->t, 0);
}

static void
test_timer_zero(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct rearm	 r = { NULL, 0 };

	r.t = ev_timer_new(loop, rearm_cb, &r);
	ev_timer_start(r.t, 0);
	TEST_INTEQ(r.calls, 0, "a zero-delay timer does not run at once");
	/* The loop must not wait for max_wait_ms when a timer is due. */
	TEST_INTEQ(ev_loop_run_once(loop, 5000), 0, "run_once succeeds");
	TEST_INTEQ(r.calls, 1, "a zero-delay timer runs on the next turn");
	ev_loop_run_once(loop, 5000);
	TEST_INTEQ(r.calls, 2, "re-armed from its callback, it runs one turn later");
	ev_loop_run_once(loop, 5000);
	TEST_INTEQ(r.calls, 3, "and once per turn, never looping inside a turn");
	ev_timer_free(&r.t);
	ev_loop_free(&loop);
}

static void
test_timer_stop(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct ev_timer	*t;
	int		 calls = 0;
	uint64_t	 start;

	t = ev_timer_new(loop, count_cb, &calls);
	ev_timer_start(t, 10);
	ev_timer_stop(t);
	TEST_CHECK(!ev_timer_active(t), "stopped timer is inactive");
	ev_loop_run_once(loop, 40);
	TEST_INTEQ(calls, 0, "a stopped timer does not fire");

	ev_timer_start(t, 10);
	start = ev_now(loop);
	while (calls == 0 && ev_now(loop) - start < 2000)
		ev_loop_run_once(loop, -1);
	TEST_INTEQ(calls, 1, "a restarted timer fires");

	/* Restarting an active timer moves its deadline. */
	ev_timer_start(t, 10);
	ev_timer_start(t, 5000);
	ev_loop_run_once(loop, 50);
	TEST_INTEQ(calls, 1, "restart replaces the earlier deadline");
	TEST_CHECK(ev_timer_active(t), "still armed for the later deadline");
	ev_timer_free(&t);
	ev_loop_free(&loop);
}

struct fdseen {
	int	 calls;
	int	 events;
	int	 fd;
};

static void
fd_cb(int fd, int events, void *arg)
{
	struct fdseen	*s = arg;
	char		 c;

	s->calls++;
	s->events = events;
	s->fd = fd;
	if (events & EV_READ) {
		if (read(fd, &c, 1) != 1)
			s->events |= 0x100;
	}
}

static void
test_fd_ready(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct fdseen	 rs = { 0, 0, -1 }, ws = { 0, 0, -1 };
	struct ev_fd	*rw, *ww;
	int		 p[2];

	if (pipe(p) == -1)
		abort();
	rw = ev_fd_add(loop, p[0], EV_READ, fd_cb, &rs);
	ev_loop_run_once(loop, 20);
	TEST_INTEQ(rs.calls, 0, "an empty pipe is not readable");

	TEST_INTEQ(write(p[1], "x", 1), 1, "write to the pipe");
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(rs.calls, 1, "the read end becomes readable");
	TEST_INTEQ(rs.events, EV_READ, "with EV_READ");
	TEST_INTEQ(rs.fd, p[0], "for its own fd");

	ev_fd_set(rw, 0);
	TEST_INTEQ(write(p[1], "y", 1), 1, "write again");
	ev_loop_run_once(loop, 20);
	TEST_INTEQ(rs.calls, 1, "no callback without interest");
	ev_fd_set(rw, EV_READ);
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(rs.calls, 2, "interest restored");

	ww = ev_fd_add(loop, p[1], EV_WRITE, fd_cb, &ws);
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(ws.calls, 1, "the write end is writable");
	TEST_INTEQ(ws.events, EV_WRITE, "with EV_WRITE");
	ev_fd_free(&ww);
	TEST_CHECK(ww == NULL, "ev_fd_free clears the pointer");

	/* A hang-up shows as both events, within the watcher's interest. */
	close(p[1]);
	rs.calls = 0;
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(rs.calls, 1, "hang-up is reported");
	TEST_INTEQ(rs.events & EV_READ, EV_READ, "as readable");
	ev_fd_free(&rw);
	close(p[0]);
	ev_loop_free(&loop);
}

static void
pair_cb(int fd, int events, void *arg)
{
	struct pair	*p = arg;

	(void)fd;
	(void)events;
	p->calls++;
	/* Whichever runs first frees both, itself included. */
	ev_fd_free(&p->a);
	ev_fd_free(&p->b);
}

static void
test_free_inside(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct pair	 pr = { NULL, NULL, 0 };
	int		 p1[2], p2[2];

	if (pipe(p1) == -1 || pipe(p2) == -1)
		abort();
	TEST_INTEQ(write(p1[1], "x", 1), 1, "fill pipe 1");
	TEST_INTEQ(write(p2[1], "x", 1), 1, "fill pipe 2");
	pr.a = ev_fd_add(loop, p1[0], EV_READ, pair_cb, &pr);
	pr.b = ev_fd_add(loop, p2[0], EV_READ, pair_cb, &pr);
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(pr.calls, 1, "a watcher freed this turn is not called");
	TEST_CHECK(pr.a == NULL && pr.b == NULL, "both freed");
	ev_loop_run_once(loop, 10);
	TEST_INTEQ(pr.calls, 1, "and never again");
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	ev_loop_free(&loop);
}

static void
tpair_cb(void *arg)
{
	struct tpair	*tp = arg;

	tp->calls++;
	ev_timer_free(&tp->self);
	if (tp->other != NULL)
		ev_timer_free(&tp->other->self);
}

static void
stop_other_cb(void *arg)
{
	struct tpair	*tp = arg;

	tp->calls++;
	ev_timer_stop(tp->other->self);
	ev_timer_start(tp->self, 0);
}

static void
test_timer_free_inside(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct tpair	 a = { NULL, NULL, 0 }, b = { NULL, NULL, 0 };
	int		 i;

	/* a frees itself and b, which is due in the same turn. */
	a.self = ev_timer_new(loop, tpair_cb, &a);
	b.self = ev_timer_new(loop, tpair_cb, &b);
	a.other = &b;
	ev_timer_start(a.self, 0);
	ev_timer_start(b.self, 0);
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(a.calls, 1, "the first timer ran");
	TEST_INTEQ(b.calls, 0, "a timer freed by an earlier one is not called");
	TEST_CHECK(a.self == NULL && b.self == NULL,
	    "a timer can free itself and another in its callback");

	/* a stops b and re-arms itself; b must not run. */
	a.self = ev_timer_new(loop, stop_other_cb, &a);
	b.self = ev_timer_new(loop, count_cb, &b.calls);
	a.calls = 0;
	ev_timer_start(a.self, 0);
	ev_timer_start(b.self, 0);
	for (i = 0; i < 3; i++)
		ev_loop_run_once(loop, 1000);
	TEST_INTEQ(a.calls, 3, "a self-re-arming timer runs once per turn");
	TEST_INTEQ(b.calls, 0, "a timer stopped by an earlier one is not called");
	ev_timer_free(&a.self);
	ev_timer_free(&b.self);
	ev_loop_free(&loop);
}

struct adder {
	struct ev_loop	*loop;
	struct ev_fd	*w, *added;
	struct fdseen	 seen;
	int		 fd2;
};

static void
adder_cb(int fd, int events, void *arg)
{
	struct adder	*ad = arg;
	char		 c;

	(void)events;
	if (read(fd, &c, 1) != 1)
		abort();
	if (ad->added == NULL)
		ad->added = ev_fd_add(ad->loop, ad->fd2, EV_READ, fd_cb,
		    &ad->seen);
}

static void
test_add_inside(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct adder	 ad;
	int		 p1[2], p2[2];

	memset(&ad, 0, sizeof ad);
	if (pipe(p1) == -1 || pipe(p2) == -1)
		abort();
	ad.loop = loop;
	ad.fd2 = p2[0];
	ad.w = ev_fd_add(loop, p1[0], EV_READ, adder_cb, &ad);
	TEST_INTEQ(write(p1[1], "x", 1), 1, "fill pipe 1");
	TEST_INTEQ(write(p2[1], "x", 1), 1, "fill pipe 2");
	ev_loop_run_once(loop, 1000);
	TEST_CHECK(ad.added != NULL, "a watcher can be added from a callback");
	TEST_INTEQ(ad.seen.calls, 0, "it waits for the next poll");
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(ad.seen.calls, 1, "and is called then");
	ev_fd_free(&ad.w);
	ev_fd_free(&ad.added);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	ev_loop_free(&loop);
}

struct sigseen {
	int	 calls;
	int	 signo;
};

static void
sig_cb(int signo, void *arg)
{
	struct sigseen	*s = arg;

	s->calls++;
	s->signo = signo;
}

static void
test_signal(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct sigseen	 s = { 0, 0 };

	TEST_INTEQ(ev_signal(loop, SIGUSR1, sig_cb, &s), 0, "ev_signal");
	TEST_INTEQ(ev_signal(loop, 0, sig_cb, &s), -1, "signal 0 is refused");
	raise(SIGUSR1);
	TEST_INTEQ(s.calls, 0, "the callback does not run in the handler");
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(s.calls, 1, "the signal reaches the loop");
	TEST_INTEQ(s.signo, SIGUSR1, "with its number");

	raise(SIGUSR1);
	raise(SIGUSR1);
	ev_loop_run_once(loop, 1000);
	TEST_CHECK(s.calls >= 2, "a second signal is delivered too");
	ev_loop_run_once(loop, 10);

	/* Removing the callback restores the old disposition. */
	TEST_INTEQ(ev_signal(loop, SIGUSR1, NULL, NULL), 0, "remove handler");
	ev_loop_free(&loop);

	/* A new loop can take over signals once the old one is gone. */
	loop = ev_loop_new();
	s.calls = 0;
	TEST_INTEQ(ev_signal(loop, SIGUSR2, sig_cb, &s), 0, "ev_signal again");
	raise(SIGUSR2);
	ev_loop_run_once(loop, 1000);
	TEST_INTEQ(s.calls, 1, "signal delivered to the second loop");
	TEST_INTEQ(s.signo, SIGUSR2, "SIGUSR2");
	ev_loop_free(&loop);
}

static void
test_run_once_timeout(void)
{
	struct ev_loop	*loop = ev_loop_new();
	uint64_t	 start;
	int		 p[2];
	struct fdseen	 rs = { 0, 0, -1 };
	struct ev_fd	*rw;

	if (pipe(p) == -1)
		abort();
	rw = ev_fd_add(loop, p[0], EV_READ, fd_cb, &rs);
	start = ev_now(loop);
	TEST_INTEQ(ev_loop_run_once(loop, 50), 0, "run_once with nothing to do");
	TEST_CHECK(ev_now(loop) - start >= 45, "waits about max_wait_ms");
	TEST_CHECK(ev_now(loop) - start < 1000, "and returns");
	TEST_INTEQ(rs.calls, 0, "nothing was called");

	start = ev_now(loop);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0, "run_once(0)");
	TEST_CHECK(ev_now(loop) - start < 50, "does not wait");

	/* Work inside a turn: ev_now stands still, ev_now_update does not. */
	start = ev_now(loop);
	usleep(30 * 1000);
	TEST_CHECK(ev_now(loop) == start, "ev_now is the turn's time");
	TEST_CHECK(ev_now_update(loop) - start >= 29, "ev_now_update reads the clock");
	TEST_CHECK(ev_now(loop) - start >= 29, "and ev_now follows it");
	ev_fd_free(&rw);
	close(p[0]);
	close(p[1]);
	ev_loop_free(&loop);
}

struct breaker {
	struct ev_loop	*loop;
	struct ev_timer	*t;
	int		 calls;
};

static void
breaker_cb(void *arg)
{
	struct breaker	*b = arg;

	if (++b->calls == 3)
		ev_loop_break(b->loop);
	else
		ev_timer_start(b->t, 1);
}

static void
test_run_break(void)
{
	struct ev_loop	*loop = ev_loop_new();
	struct breaker	 b = { loop, NULL, 0 };

	b.t = ev_timer_new(loop, breaker_cb, &b);
	ev_timer_start(b.t, 1);
	ev_loop_run(loop);
	TEST_INTEQ(b.calls, 3, "ev_loop_run runs until ev_loop_break");
	ev_timer_free(&b.t);
	ev_loop_free(&loop);
}

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --stats' waiting is the loop's idle time while an answer is owed: work
 * done meanwhile (the cache read while the login crosses the network)
 * is local time. */
static void
test_meter_idle(void)
{
	struct ev_loop		*loop = ev_loop_new();
	struct net_meter	 m;
	struct net_stats	 st;
	uint64_t		 t0 = mono_ms(), before;
	volatile unsigned long	 spin = 0;

	memset(&m, 0, sizeof m);
	net_meter_sent(&m, 10);
	while (mono_ms() - t0 < 40)
		spin++;
	net_meter_read(&m, &st);
	TEST_CHECK(st.wait_ms < 10, "40 ms of work counted as %llu ms of waiting",
	    (unsigned long long)st.wait_ms);
	TEST_CHECK(ev_loop_run_once(loop, 40) == 0, "an idle turn");
	net_meter_received(&m, 5);
	net_meter_read(&m, &st);
	TEST_CHECK(st.wait_ms >= 30, "40 ms idle in the loop counted as %llu ms",
	    (unsigned long long)st.wait_ms);
	/* Nothing owed: idle time is nobody's waiting. */
	net_meter_handled(&m, false);
	before = st.wait_ms;
	TEST_CHECK(ev_loop_run_once(loop, 20) == 0, "another idle turn");
	net_meter_read(&m, &st);
	TEST_INTEQ((int)st.wait_ms, (int)before, "idle with nothing owed is "
	    "not waiting");
	ev_loop_free(&loop);
}

int
main(void)
{
	test_timer_order();
	test_timer_zero();
	test_timer_stop();
	test_fd_ready();
	test_free_inside();
	test_timer_free_inside();
	test_add_inside();
	test_signal();
	test_run_once_timeout();
	test_run_break();
	test_meter_idle();
	return test_done();
}
