/*
 * The status line: the folder, its counts, the connection's state, the
 * progress of the open and the last note or error. Errors from the model
 * land here and nowhere else, so the view underneath keeps its place.
 */
#include "crispin/buf.h"
#include "ui_p.h"

static const char *connection(struct ui *);

static const char *
connection(struct ui *ui)
{
	if (ui->s.closed || ui->s.client == NULL)
		return "disconnected";
	if (imap_client_idling(ui->s.client))
		return "live";
	switch (imap_client_state(ui->s.client)) {
	case IMAP_STATE_AUTHENTICATED:
	case IMAP_STATE_SELECTED:
		return "connected";
	default:
		return imap_client_state_name(imap_client_state(ui->s.client));
	}
}

void
status_draw(struct ui *ui, int row, int cols)
{
	const struct mail_msg	*msg;
	struct buf		 line = BUF_INIT;
	uint32_t		 count = mail_folder_count(ui->folder), seq, unread = 0;

	/* A linear count: cheap next to drawing, until the model keeps one. */
	for (seq = 1; seq <= count; seq++) {
		msg = mail_folder_msg(ui->folder, seq);
		if ((msg->state & (MAIL_MSG_FLAGS | MAIL_MSG_HEADERS)) &&
		    !(msg->flags & IMAP_FLAG_SEEN))
			unread++;
	}
	buf_printf(&line, "-- crispin: %s [Msgs:%u New:%u] (%s)",
	    mail_folder_name(ui->folder), count, unread, connection(ui));
	if (!ui->opened && ui->total > 0)
		buf_printf(&line, " loading %zu/%zu", ui->done, ui->total);
	else if (!ui->opened)
		buf_adds(&line, " opening");
	if (ui->message != NULL)
		buf_printf(&line, " -- %s", ui->message);
	screen_line(row, line.data, line.len, ui_color(ui, "status", SCREEN_REVERSE));
	buf_free(&line);
}
