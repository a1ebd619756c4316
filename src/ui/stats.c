/*
 * :stats, what the network has cost, in a text view: the whole session so far (every
 * connection, reconnections included) and the open of the folder shown,
 * from ui_open_folder to the opened event, in the units --stats prints.
 */
#include <stdio.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/mail_session.h"
#include "ui_p.h"

static void	 session_stats(struct ui *, struct net_stats *);
static void	 describe(struct buf *, const struct net_stats *, uint64_t elapsed_us);

static void
session_stats(struct ui *ui, struct net_stats *st)
{
	memset(st, 0, sizeof *st);
	if (ui->session != NULL)
		mail_session_stats(ui->session, st);
}

void
stats_open_begin(struct ui *ui)
{
	session_stats(ui, &ui->open_cost_from);
	ui->open_cost_started = cli_now_us();
	ui->open_cost_done = false;
}

void
stats_open_done(struct ui *ui)
{
	struct net_stats	 now;
	struct net_stats	*from = &ui->open_cost_from, *c = &ui->open_cost;

	if (ui->open_cost_done)
		return;
	session_stats(ui, &now);
	/* A reconnection during the open starts a new client; the session's
	 * totals keep counting, so the difference still holds. */
	c->bytes_in = now.bytes_in - from->bytes_in;
	c->bytes_out = now.bytes_out - from->bytes_out;
	c->commands = now.commands - from->commands;
	c->round_trips = now.round_trips - from->round_trips;
	c->wait_ms = now.wait_ms - from->wait_ms;
	ui->open_cost_us = cli_now_us() - ui->open_cost_started;
	ui->open_cost_done = true;
}

static void
describe(struct buf *b, const struct net_stats *st, uint64_t elapsed_us)
{
	char		 out[32], in[32];
	uint64_t	 wait_us = st->wait_ms * 1000;

	cli_format_bytes(out, sizeof out, st->bytes_out);
	cli_format_bytes(in, sizeof in, st->bytes_in);
	buf_printf(b, "%u round trip%s, %s sent, %s received", st->round_trips,
	    st->round_trips == 1 ? "" : "s", out, in);
	if (elapsed_us > 0)
		buf_printf(b, ", %.2f s (%.2f s local)", (double)elapsed_us / 1e6,
		    (double)(wait_us < elapsed_us ? elapsed_us - wait_us : 0) / 1e6);
}

void
stats_show(struct ui *ui)
{
	struct net_stats	 st;
	struct buf		 b = BUF_INIT;

	if (ui->session == NULL) {
		ui_message(ui, "Offline: nothing has crossed the network.");
		return;
	}
	session_stats(ui, &st);
	buf_adds(&b, "What the network has cost\n\nSession (every connection since "
	    "the start):\n  ");
	describe(&b, &st, 0);
	buf_printf(&b, ", %u command%s\n", st.commands, st.commands == 1 ? "" : "s");
	if (ui->folder_name != NULL) {
		buf_adds(&b, "\nOpening ");
		buf_adds(&b, ui->folder_name);
		buf_adds(&b, ":\n  ");
		if (ui->open_cost_done)
			describe(&b, &ui->open_cost, ui->open_cost_us);
		else
			buf_adds(&b, "still opening");
		buf_adds(&b, "\n");
	}
	pager_open_text(ui, b.data, b.len);
	buf_free(&b);
}
