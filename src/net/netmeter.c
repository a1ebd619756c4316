/* Session cost accounting shared by the protocol clients. */
#include <time.h>

#include "crispin/netmeter.h"

static uint64_t now_us(void);

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
net_meter_wait(struct net_meter *m)
{
	if (m->wait_since_us == 0)
		m->wait_since_us = now_us();
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
	if (m->wait_since_us != 0) {
		m->wait_us += now_us() - m->wait_since_us;
		m->wait_since_us = 0;
	}
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
net_meter_read(const struct net_meter *m, struct net_stats *st)
{
	uint64_t	wait_us = m->wait_us;

	*st = m->st;
	if (m->wait_since_us != 0)
		wait_us += now_us() - m->wait_since_us;
	st->wait_ms = wait_us / 1000;
}
