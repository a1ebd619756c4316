/*
 * What a protocol session costs (--stats): bytes each way, commands, round
 * trips and the time spent waiting for the network. A round trip is
 * counted each time the client sends after the server has spoken since the
 * client's previous send. Waiting time is the event loop's idle time while
 * an answer is owed and no server data is being handled; the rest of the
 * wall time is local work.
 * The IMAP and SMTP clients each keep one meter.
 */
#ifndef CRISPIN_NETMETER_H
#define CRISPIN_NETMETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_stats {
	uint64_t	 bytes_in, bytes_out;
	unsigned	 commands, round_trips;
	uint64_t	 wait_ms;
};

struct net_meter {
	struct net_stats st;		/* commands is the owner's to count */
	bool		 heard;		/* received since the last send */
	bool		 in_data;	/* handling server bytes: local time */
	uint64_t	 wait_us;
	bool		 waiting;	/* an answer owed, no data in hand */
	uint64_t	 wait_since_us;	/* ev_idle_us() when it began */
};

/* A wait on the network starts (connecting, a greeting owed). */
void	 net_meter_wait(struct net_meter *);
/* len bytes sent: counted, a new round trip after the server spoke, and
 * waiting starts unless this send answers data being handled. */
void	 net_meter_sent(struct net_meter *, size_t len);
/* len bytes arrived: the wait ends; handling them is local time. */
void	 net_meter_received(struct net_meter *, size_t len);
/* The bytes are handled; wait again if an answer is still owed. */
void	 net_meter_handled(struct net_meter *, bool still_owed);
/* The session is over: no answer is owed any more (one not waited for,
 * like LOGOUT's, stops counting as waiting). */
void	 net_meter_stop(struct net_meter *);
void	 net_meter_read(const struct net_meter *, struct net_stats *);

#endif
