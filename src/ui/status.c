/*
 * The status line: the folder, its counts, the connection's state, the
 * progress of the open and the last note or error. Errors from the model
 * land here and nowhere else, so the view underneath keeps its place.
 * New mail is announced here too: a note, the bell with beep_new, and
 * new_mail_command with the folder and the count as $1 and $2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "ui_p.h"

/* New messages arriving together are announced once. */
#define ANNOUNCE_DELAY_MS	150

static const char *connection(struct ui *, struct buf *);
static void announce(void *);
static void run_new_mail_command(struct ui *, const char *, unsigned);

static const char *
connection(struct ui *ui, struct buf *scratch)
{
	const char	*link;

	/* Down or never up: what the session is doing about it. */
	if ((link = link_state_text(ui, scratch)) != NULL)
		return link;
	if (ui->folder != NULL && mail_folder_offline(ui->folder))
		return "offline";
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
status_init(struct ui *ui)
{
	struct imap_account	 acct;
	char			*error = NULL;

	/* imaps:// is TLS from the first byte; imap:// needs tls = yes for
	 * STARTTLS (the client refuses to go on without it then). */
	if (config_imap_account(ui->ctx->cfg, &acct, &error) == 0) {
		ui->insecure = !acct.implicit_tls && !acct.starttls;
		imap_account_free(&acct);
	}
	free(error);
}

void
status_free(struct ui *ui)
{
	ev_timer_free(&ui->announce);
}

/* A linear count: cheap next to drawing, until the model keeps one.
 * While a big folder loads the screen is redrawn after every few
 * responses, and counting every record each time was most of the
 * interface's work (tests/bench/latency.py): then the counts are
 * refreshed at most every COUNTS_LOADING_MS. */
#define COUNTS_LOADING_MS	200
void
status_counts(struct ui *ui, uint32_t *total, uint32_t *unseen,
    uint32_t *flagged, uint32_t *deleted)
{
	static struct {
		const struct mail_folder *folder;	/* borrowed, for comparing */
		uint64_t	 at;
		uint32_t	 u, f, d;
	}			 memo;
	const struct mail_msg	*msg;
	uint32_t		 count = mail_folder_count(ui->folder), seq;
	uint32_t		 u = 0, f = 0, d = 0;
	uint64_t		 now = ev_now(ui->s.loop);

	if (!ui->opened && memo.folder == ui->folder &&
	    now - memo.at < COUNTS_LOADING_MS) {
		u = memo.u;
		f = memo.f;
		d = memo.d;
		count = 0;	/* the loop below is skipped */
	}
	for (seq = 1; seq <= count; seq++) {
		msg = mail_folder_msg(ui->folder, seq);
		if (!(msg->state & (MAIL_MSG_FLAGS | MAIL_MSG_HEADERS)))
			continue;
		if (!(msg->flags & IMAP_FLAG_SEEN))
			u++;
		if (msg->flags & IMAP_FLAG_FLAGGED)
			f++;
		if (msg->flags & IMAP_FLAG_DELETED)
			d++;
	}
	if (count > 0) {
		memo.folder = ui->folder;
		memo.at = now;
		memo.u = u;
		memo.f = f;
		memo.d = d;
	}
	*total = mail_folder_count(ui->folder);
	*unseen = u;
	if (flagged != NULL)
		*flagged = f;
	if (deleted != NULL)
		*deleted = d;
}

void
status_draw(struct ui *ui, int row, int cols)
{
	struct buf	 line = BUF_INIT, scratch = BUF_INIT;
	uint32_t	 count, unread, flagged, deleted;
	const char	*account, *limit;
	int		 percent;

	status_counts(ui, &count, &unread, &flagged, &deleted);
	limit = index_limit_text(ui);
	buf_printf(&line, "-- crispin: %s [Msgs:", mail_folder_name(ui->folder));
	/* With a limit, shown/total as mutt's %M/%m. */
	if (limit != NULL)
		buf_printf(&line, "%zu/", index_shown_count(ui));
	buf_printf(&line, "%u New:%u", count, unread);
	if (flagged > 0)
		buf_printf(&line, " Flag:%u", flagged);
	if (deleted > 0)
		buf_printf(&line, " Del:%u", deleted);
	if (index_tagged_count(ui) > 0)
		buf_printf(&line, " Tag:%zu", index_tagged_count(ui));
	buf_addc(&line, ']');
	if (mail_folder_readonly(ui->folder))
		buf_adds(&line, " (read-only)");
	/* The index's order and limit (index.c keeps them). */
	buf_printf(&line, " (%s)", index_sort_text(ui));
	if (limit != NULL)
		buf_printf(&line, " (limit: %s)", limit);
	buf_printf(&line, " (%s%s)", connection(ui, &scratch),
	    ui->insecure ? ", no TLS" : "");
	if ((account = config_account_name(ui->ctx->cfg)) != NULL)
		buf_printf(&line, " %s", account);
	/* In the pager, which message of the index and how far down, as
	 * mutt's pager status says. */
	if ((percent = pager_percent(ui)) >= 0 && index_cursor_number(ui) > 0)
		buf_printf(&line, " -- %zu/%zu (%d%%)", index_cursor_number(ui),
		    index_shown_count(ui), percent);
	if (!ui->opened && ui->total > 0) {
		uint64_t ms = ev_now(ui->s.loop) - ui->open_started;

		buf_printf(&line, " loading %zu/%zu", ui->done, ui->total);
		if (ms >= 1000)
			buf_printf(&line, " (%zu/s)",
			    (size_t)(ui->done * 1000 / ms));
	} else if (!ui->opened)
		buf_adds(&line, " opening");
	if (ui->message != NULL)
		buf_printf(&line, " -- %s", ui->message);
	screen_line(row, line.data, line.len, ui_color(ui, "status", SCREEN_REVERSE));
	buf_free(&line);
	buf_free(&scratch);
}

/* A message the open folder gained after it opened: new mail, unless it
 * is already read (a copy the user made himself). */
void
status_added(struct ui *ui, const struct mail_msg *m)
{
	if (!ui->opened || (m->flags & IMAP_FLAG_SEEN))
		return;
	ui->new_mail++;
	if (ui->announce == NULL)
		ui->announce = ev_timer_new(ui->s.loop, announce, ui);
	if (!ev_timer_active(ui->announce))
		ev_timer_start(ui->announce, ANNOUNCE_DELAY_MS);
}

static void
announce(void *arg)
{
	struct ui	*ui = arg;
	unsigned	 n = ui->new_mail;

	ui->new_mail = 0;
	if (n > 0 && ui->folder != NULL)
		status_new_mail(ui, mail_folder_name(ui->folder), n);
}

void
status_new_mail(struct ui *ui, const char *folder, unsigned count)
{
	ui_message(ui, "New mail in %s (%u new message%s).", folder, count,
	    count == 1 ? "" : "s");
	if (config_bool(ui->ctx->cfg, "beep_new"))
		screen_beep();
	run_new_mail_command(ui, folder, count);
}

/*
 * sh -c "$new_mail_command" sh FOLDER COUNT: the values are arguments
 * (and CRISPIN_FOLDER, CRISPIN_COUNT), never part of the command text.
 * The command runs detached (a grandchild that init reaps), with no
 * terminal: the screen is ours.
 */
static void
run_new_mail_command(struct ui *ui, const char *folder, unsigned count)
{
	const char	*cmd = config_str(ui->ctx->cfg, "new_mail_command");
	char		 num[16];
	pid_t		 pid;
	int		 fd, status;

	if (cmd == NULL || *cmd == '\0')
		return;
	snprintf(num, sizeof num, "%u", count);
	if ((pid = fork()) == -1) {
		ui_message(ui, "new_mail_command: cannot start it: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		setsid();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		if (fork() != 0)
			_exit(0);
		setenv("CRISPIN_FOLDER", folder, 1);
		setenv("CRISPIN_COUNT", num, 1);
		execl("/bin/sh", "sh", "-c", cmd, "sh", folder, num, (char *)NULL);
		_exit(127);
	}
	/* The middle child exits at once. */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}
