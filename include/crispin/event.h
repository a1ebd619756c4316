/*
 * The one event loop: poll() over file descriptors, monotonic timers and
 * signals (through a self-pipe). Nothing registered here may block.
 * Watchers and timers may be added, changed or freed from inside callbacks,
 * including the one running.
 */
#ifndef CRISPIN_EVENT_H
#define CRISPIN_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#define EV_READ		0x1
#define EV_WRITE	0x2

struct ev_loop;
struct ev_fd;
struct ev_timer;

/* events: EV_READ/EV_WRITE that are ready; errors and hang-ups show as
 * both, so the owner's next read or write reports them. */
typedef void ev_fd_cb(int fd, int events, void *arg);
typedef void ev_timer_cb(void *arg);
typedef void ev_signal_cb(int signo, void *arg);

struct ev_loop *ev_loop_new(void);
/* All watchers and timers must already be freed. */
void	 ev_loop_free(struct ev_loop **);

/* Milliseconds on the monotonic clock, read once per loop turn. */
uint64_t ev_now(struct ev_loop *);
/* Reads the clock again in the middle of a turn, for ev_now and the
 * caller: a time that a turn's earlier work must not be counted in. */
uint64_t ev_now_update(struct ev_loop *);
/* Microseconds every loop has spent blocked in poll() so far (process-
 * wide): time waited, as opposed to time worked. */
uint64_t ev_idle_us(void);

/* Watches fd (not owned) for events. */
struct ev_fd *ev_fd_add(struct ev_loop *, int fd, int events, ev_fd_cb *, void *arg);
void	 ev_fd_set(struct ev_fd *, int events);
void	 ev_fd_free(struct ev_fd **);

/* Timers are created stopped; start re-arms. delay 0 runs on the next turn. */
struct ev_timer *ev_timer_new(struct ev_loop *, ev_timer_cb *, void *arg);
void	 ev_timer_start(struct ev_timer *, uint64_t delay_ms);
void	 ev_timer_stop(struct ev_timer *);
bool	 ev_timer_active(const struct ev_timer *);
void	 ev_timer_free(struct ev_timer **);

/* Calls cb from the loop (never from the signal handler) when signo arrives. */
int	 ev_signal(struct ev_loop *, int signo, ev_signal_cb *, void *arg);

/* One poll() and dispatch; waits at most max_wait_ms (-1: until something
 * happens). Returns -1 only when poll itself fails. */
int	 ev_loop_run_once(struct ev_loop *, int max_wait_ms);
/* Runs until ev_loop_break. */
void	 ev_loop_run(struct ev_loop *);
void	 ev_loop_break(struct ev_loop *);

#endif
