/*
 * The account session's pieces: the backoff schedule (1 s doubling to the
 * cap, jitter within 20%), the clock watch that notices a suspend or a
 * frozen process, and the supervisor itself against a port nobody listens
 * on: retried with backoff when asked to, given up otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crispin/mail_session.h"
#include "test.h"

static void
test_backoff(void)
{
	uint64_t	max = 300000, prev = 0, ms;
	unsigned	attempt;
	uint32_t	r;

	/* Without jitter (the middle of the range): 1, 2, 4, ... s, capped. */
	TEST_INTEQ(mail_backoff_ms(0, max, 20), 1000, "first retry after 1 s");
	TEST_INTEQ(mail_backoff_ms(1, max, 20), 2000, "then 2 s");
	TEST_INTEQ(mail_backoff_ms(2, max, 20), 4000, "then 4 s");
	TEST_INTEQ(mail_backoff_ms(8, max, 20), 256000, "then 256 s");
	TEST_INTEQ(mail_backoff_ms(9, max, 20), 300000, "capped at the maximum");
	TEST_INTEQ(mail_backoff_ms(40, max, 20), 300000, "no overflow far out");
	/* The jitter stays within 0.8 to 1.2 and never passes the cap. */
	for (r = 0; r < 200; r++) {
		ms = mail_backoff_ms(3, max, r * 7919u);
		TEST_CHECK(ms >= 6400 && ms <= 9600, "jitter of 8 s within 20%% (%llu)",
		    (unsigned long long)ms);
		ms = mail_backoff_ms(20, max, r * 7919u);
		TEST_CHECK(ms >= 240000 && ms <= max, "jitter at the cap stays below it");
	}
	TEST_CHECK(mail_backoff_ms(0, max, 0) != mail_backoff_ms(0, max, 40),
	    "jitter changes the delay");
	/* The schedule never shrinks (without jitter). */
	for (attempt = 0; attempt < 20; attempt++) {
		ms = mail_backoff_ms(attempt, max, 20);
		TEST_CHECK(ms >= prev, "attempt %u not shorter than the one before", attempt);
		prev = ms;
	}
	TEST_INTEQ(mail_backoff_ms(5, 1500, 20), 1500, "a small cap holds");
}

static void
test_clockwatch(void)
{
	struct mail_clockwatch	cw;

	memset(&cw, 0, sizeof cw);
	TEST_INTEQ(mail_clockwatch_sample(&cw, 1000, 5000, 5000, 3000), 0,
	    "the first sample only primes");
	TEST_INTEQ(mail_clockwatch_sample(&cw, 6000, 10000, 5000, 3000), 0,
	    "on time: nothing");
	TEST_INTEQ(mail_clockwatch_sample(&cw, 11500, 15500, 5000, 3000), 0,
	    "a little late, within the slack: nothing");
	/* Suspended for an hour: monotonic moved 5 s, boottime an hour more. */
	TEST_INTEQ(mail_clockwatch_sample(&cw, 16500, 15500 + 5000 + 3600000, 5000, 3000),
	    3600000, "a suspend shows as boottime running ahead");
	TEST_INTEQ(mail_clockwatch_sample(&cw, 21500, 15500 + 10000 + 3600000, 5000, 3000),
	    0, "after the jump, on time again: nothing");
	/* Frozen (SIGSTOP, a paused VM): the timer fired 60 s late on both clocks. */
	TEST_INTEQ(mail_clockwatch_sample(&cw, 86500, 15500 + 75000 + 3600000, 5000, 3000),
	    60000, "a timer 60 s late counts as away");
	/* Clocks that step back are not a jump. */
	TEST_INTEQ(mail_clockwatch_sample(&cw, 86000, 15500 + 74000 + 3600000, 5000, 3000),
	    0, "a clock going back is ignored");
}

/* The supervisor against a closed port. */
struct run {
	int		 waiting, connecting, offline, ready;
	uint64_t	 last_retry;
	enum err_class	 cls;
	char		 reason[200];
};

static void
on_state(struct mail_session *s, enum mail_session_state st, enum err_class cls,
    const char *reason, uint64_t retry_ms, void *arg)
{
	struct run	*r = arg;

	if (st == MAIL_SESSION_WAITING) {
		r->waiting++;
		r->last_retry = retry_ms;
	} else if (st == MAIL_SESSION_CONNECTING)
		r->connecting++;
	else if (st == MAIL_SESSION_OFFLINE)
		r->offline++;
	else if (st == MAIL_SESSION_READY)
		r->ready++;
	r->cls = cls;
	if (reason != NULL)
		snprintf(r->reason, sizeof r->reason, "%s", reason);
}

static const struct mail_session_events events = { .state = on_state };

/* A loopback port that refuses connections: bound, then closed. */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof sin);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_supervisor(bool retry)
{
	struct ev_loop			*loop = ev_loop_new();
	struct mail_session_params	 p;
	struct mail_session		*s;
	struct run			 r;
	char				 port[16];
	uint64_t			 deadline;

	memset(&r, 0, sizeof r);
	memset(&p, 0, sizeof p);
	snprintf(port, sizeof port, "%d", closed_port());
	p.client.host = "127.0.0.1";
	p.client.port = port;
	p.client.allow_plaintext = true;
	p.client.connect_timeout_ms = 2000;
	p.reconnect_max_ms = 50;	/* keep the test fast */
	p.retry_first = retry;
	s = mail_session_new(loop, &p, &events, &r);
	TEST_INTEQ(mail_session_state(s), MAIL_SESSION_OFFLINE, "offline before start");
	mail_session_start(s);
	deadline = ev_now(loop) + 5000;
	while (ev_now(loop) < deadline && r.waiting < 3 && r.offline == 0)
		ev_loop_run_once(loop, 100);
	if (retry) {
		TEST_INTEQ(r.waiting, 3, "a refused connect is retried, again and again");
		TEST_CHECK(r.connecting >= 3, "each retry connects anew");
		TEST_CHECK(r.last_retry > 0 && r.last_retry <= 50,
		    "the wait stays under the cap (%llu)", (unsigned long long)r.last_retry);
		TEST_INTEQ(r.cls, ERR_NETWORK, "the reason is a network error");
		TEST_CHECK(r.reason[0] != '\0', "with a reason");
		TEST_CHECK(mail_session_client(s) == NULL, "no client while not ready");
		mail_session_stop(s);
		TEST_INTEQ(mail_session_state(s), MAIL_SESSION_OFFLINE, "stop goes offline");
	} else {
		TEST_INTEQ(r.waiting, 0, "no retry of a first connect when not asked");
		TEST_INTEQ(r.offline, 1, "it gives up");
		TEST_INTEQ(r.cls, ERR_NETWORK, "saying why");
	}
	mail_session_free(&s);
	ev_loop_free(&loop);
}

/* A clock whose boottime can leap ahead, as after a suspend. */
static uint64_t fake_sleep_ms;

static uint64_t
fake_mono(void *arg)
{
	struct ev_loop	*loop = arg;

	return ev_now(loop);
}

static uint64_t
fake_boot(void *arg)
{
	struct ev_loop	*loop = arg;

	return ev_now(loop) + fake_sleep_ms;
}

/* Waiting out a long backoff, the session retries at once when the clock
 * says the machine slept: the network may well be back. */
static void
test_wake(void)
{
	struct ev_loop			*loop = ev_loop_new();
	struct mail_clock		 clock = { fake_mono, fake_boot, loop };
	struct mail_session_params	 p;
	struct mail_session		*s;
	struct run			 r;
	char				 port[16];
	uint64_t			 deadline;

	memset(&r, 0, sizeof r);
	memset(&p, 0, sizeof p);
	snprintf(port, sizeof port, "%d", closed_port());
	p.client.host = "127.0.0.1";
	p.client.port = port;
	p.client.allow_plaintext = true;
	p.client.connect_timeout_ms = 2000;
	p.retry_first = true;
	p.clock = &clock;
	p.tick_ms = 20;
	s = mail_session_new(loop, &p, &events, &r);
	mail_session_start(s);
	deadline = ev_now(loop) + 3000;
	while (ev_now(loop) < deadline && r.waiting < 1)
		ev_loop_run_once(loop, 50);
	TEST_INTEQ(r.waiting, 1, "the refused connect waits for a retry");
	TEST_CHECK(r.last_retry >= 800, "the first retry is about a second away (%llu)",
	    (unsigned long long)r.last_retry);
	/* Quiet for a few ticks: no early retry without a jump. */
	deadline = ev_now(loop) + 200;
	while (ev_now(loop) < deadline)
		ev_loop_run_once(loop, 50);
	TEST_INTEQ(r.connecting, 1, "no retry before the backoff without a jump");
	fake_sleep_ms = 3600 * 1000;
	deadline = ev_now(loop) + 300;
	while (ev_now(loop) < deadline && r.connecting < 2)
		ev_loop_run_once(loop, 20);
	TEST_INTEQ(r.connecting, 2, "a wake from suspend retries at once");
	mail_session_free(&s);
	ev_loop_free(&loop);
}

int
main(void)
{
	test_backoff();
	test_clockwatch();
	test_supervisor(true);
	test_supervisor(false);
	test_wake();
	return test_done();
}
