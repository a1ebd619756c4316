/*
 * Session cost accounting shared by the protocol clients. Waiting is the
 * time the event loop spends idle in poll() while an answer is owed: work
 * done meanwhile (reading the cache while the login crosses the network)
 * is local time, not waiting.
 */
#include "crispin/event.h"
#include "crispin/netmeter.h"

void
net_meter_wait(struct net_meter *m)
{
	if (!m->waiting) {
		m->waiting = true;
		m->wait_since_us = ev_idle_us();
	}
}

/* The wait so far ends. */
static void
wait_end(struct net_meter *m)
{
	if (m->waiting) {
		m->wait_us += ev_idle_us() - m->wait_since_us;
		m->waiting = false;
	}
}

void
net_meter_sent(struct net_meter *m, size_t len)
{
	m->st.bytes_out += len;
	if (m->heard) {
		m->st.round_trips++;
		m->heard = false;
	}
	if (!m->in_data)
		net_meter_wait(m);
}

void
net_meter_received(struct net_meter *m, size_t len)
{
	wait_end(m);
	m->st.bytes_in += len;
	m->heard = true;
	m->in_data = true;
}

void
net_meter_handled(struct net_meter *m, bool still_owed)
{
	m->in_data = false;
	if (still_owed)
		net_meter_wait(m);
}

void
net_meter_stop(struct net_meter *m)
{
	wait_end(m);
	m->in_data = false;
}

void
net_meter_read(const struct net_meter *m, struct net_stats *st)
{
	uint64_t	wait_us = m->wait_us;

	*st = m->st;
	if (m->waiting)
		wait_us += ev_idle_us() - m->wait_since_us;
	st->wait_ms = wait_us / 1000;
}
