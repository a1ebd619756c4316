/*
 * The interface's link to the server: a mail_session that reconnects by
 * itself. While the link is down the index shows the folder from the
 * cache (changes go to the journal, shown as done); when it is back the
 * journal is replayed and that folder resynced in place (the cache is not
 * read again), with the cursor on the same message. Without a cache the
 * index waits empty.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/mail_journal.h"
#include "crispin/mail_session.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static void on_state(struct mail_session *, enum mail_session_state,
	    enum err_class, const char *, uint64_t, void *);
static void on_ready(struct mail_session *, struct imap_client *, bool, void *);
static void on_lost(struct mail_session *, void *);
static void on_untagged(struct mail_session *, const struct imap_response *, void *);
static void on_alert(struct mail_session *, const char *, void *);
static char *on_secret(enum imap_secret_kind, void *, char **);
static void replay_report(enum mail_journal_outcome, const char *, void *);
static void replay_done(int, void *);
static void reopen(struct ui *);
static bool resync_in_place(struct ui *);
static int link_connect(struct ui *);
static bool link_early(struct ui *);
static void notify_set(struct imap_client *);
static void notify_done(struct imap_client *, const struct imap_response *, void *);

static const struct mail_session_events link_events = {
	.state = on_state,
	.ready = on_ready,
	.lost = on_lost,
	.untagged = on_untagged,
	.alert = on_alert,
	.get_secret = on_secret,
};

static void
on_state(struct mail_session *ms, enum mail_session_state st,
    enum err_class cls, const char *reason, uint64_t retry_ms, void *arg)
{
	struct ui	*ui = arg;

	ui->link_state = st;
	free(ui->link_reason);
	ui->link_reason = reason != NULL ? str_sanitize(reason) : NULL;
	ui->link_retry_at = st == MAIL_SESSION_WAITING ?
	    ev_now(ui->s.loop) + retry_ms : 0;
	if (st == MAIL_SESSION_OFFLINE && cls != ERR_NONE) {
		ui->link_err = cls;
		/* Also a first login that failed behind a folder drawn from
		 * the cache. */
		if (ui->link_ready_once || ui->redraw != NULL)
			ui_message(ui, "Disconnected: %s", ui->link_reason != NULL ?
			    ui->link_reason : "the session ended");
	}
	ui_redraw(ui);
}

static void
on_ready(struct mail_session *ms, struct imap_client *c, bool reconnected,
    void *arg)
{
	struct ui	*ui = arg;
	size_t		 pending = 0;
	char		*error = NULL;

	ui->s.client = c;
	ui->s.closed = false;
	ui->link_ready_once = true;
	if (ui->link_stopping)
		return;
	if (reconnected)
		ui_message(ui, "Reconnected.");
	/* Mail queued while the link was down goes out (outbox.c) on the
	 * next turn: looking at the outbox opens its cache, which should
	 * not hold back the folder's SELECT written on this one. */
	ui->outbox_due = true;
	if (ui->link_kick != NULL)
		ev_timer_start(ui->link_kick, 0);
	if (imap_client_has_cap(c, "NOTIFY"))
		notify_set(c);
	/* What was done while the link was down goes first, in order. */
	if (ui->store != NULL && store_journal_count(ui->store, &pending,
	    &error) == 0 && pending > 0) {
		ui->replay_counts = 0;
		ui->replay = mail_journal_replay(c, ui->store, replay_report,
		    replay_done, ui);
		return;
	}
	free(error);
	reopen(ui);
}

static void
replay_report(enum mail_journal_outcome o, const char *text, void *arg)
{
	struct ui	*ui = arg;

	ui->replay_counts++;
	/* The ones the user must hear of: a change that did not happen as
	 * made. */
	if (o != MAIL_JOURNAL_DONE)
		ui_message(ui, "Offline change %s: %s", o == MAIL_JOURNAL_CONFLICT ?
		    "merged with another client's" : o == MAIL_JOURNAL_DROPPED ?
		    "dropped" : "refused", text);
}

/* Called from inside the replay: the reopen waits for the next turn. */
static void
replay_done(int status, void *arg)
{
	struct ui	*ui = arg;

	ui->replay_finished = true;
	ui->replay_status = status;
	if (ui->link_kick != NULL)
		ev_timer_start(ui->link_kick, 0);
}

static void
link_kick(void *arg)
{
	struct ui	*ui = arg;

	if (ui->outbox_due && !ui->link_stopping) {
		ui->outbox_due = false;
		outbox_flush(ui);
	}
	if (!ui->replay_finished || ui->link_stopping)
		return;
	ui->replay_finished = false;
	mail_journal_replay_free(&ui->replay);
	if (ui->replay_status < 0)
		ui_message(ui, "Offline changes not all replayed; the rest are "
		    "kept for the next connection.");
	else if (ui->message == NULL && ui->replay_counts > 0)
		ui_message(ui, "%u offline change%s replayed.", ui->replay_counts,
		    ui->replay_counts == 1 ? "" : "s");
	if (ui->s.client != NULL)
		reopen(ui);
}

/* The folder again, online (a warm open: what changed, not everything),
 * the cursor on the message it was on. */
static void
reopen(struct ui *ui)
{
	struct pager_place	*place;
	uint32_t		 uid, retry = ui->binary_retry_uid;

	/* The first login comes before the screen and the folder, unless
	 * the folder was drawn from the cache first (link_early). */
	if (ui->folder_name == NULL)
		return;
	ui->binary_retry_uid = 0;
	uid = index_current_uid(ui);
	place = pager_save(ui);
	if (!resync_in_place(ui))
		ui_open_folder(ui, ui->folder_name, ui->folder_readonly);
	index_follow_uid(ui, uid);
	/* The message being read stays on screen at its line; one whose
	 * text the link lost to BINARY is fetched again (msghold.c). */
	if (place == NULL && retry != 0)
		pager_open(ui, retry);
	pager_restore(ui, &place);
	if (ui->binary_retry_save)
		ui_message(ui, "Reconnected; save the part again (BINARY cost "
		    "the link, it is fetched encoded now).");
	ui->binary_retry_save = false;
}

/*
 * The folder the cache drew while the link was down goes online as it
 * stands: the cache is not read again nor its folder-hooks run again,
 * and the index keeps its rows while the resync changes them. false
 * when it is another folder or cannot (ui_open_folder opens it anew).
 */
static bool
resync_in_place(struct ui *ui)
{
	struct mail_folder	*f = ui->folder;

	if (f == NULL || ui->s.client == NULL || !mail_folder_offline(f) ||
	    strcmp(mail_folder_name(f), ui->folder_name) != 0)
		return false;
	/* The views borrowed the offline folder's messages. */
	while (ui->top != &ui->index.view)
		ui_pop_view(ui);
	ui->opened = false;
	ui->done = ui->total = 0;
	ui->open_started = ev_now(ui->s.loop);
	stats_open_begin(ui);
	if (mail_folder_go_online(f, ui->s.client) < 0)
		return false;
	ui_redraw(ui);
	return true;
}

static void
on_lost(struct mail_session *ms, void *arg)
{
	struct ui		*ui = arg;
	struct pager_place	*place;
	uint32_t		 uid;

	/* Everything that borrows the client goes with it. */
	mail_journal_replay_free(&ui->replay);
	ui->replay_finished = false;
	ui->s.client = NULL;
	ui->s.closed = true;
	if (ui->link_stopping)
		return;
	uid = index_current_uid(ui);
	/* The pager's text outlives its message, which borrowed the client. */
	place = pager_save(ui);
	while (ui->top != &ui->index.view)
		ui_pop_view(ui);
	mail_folder_free(&ui->folder);
	/* The cache keeps the index on screen meanwhile, and the message
	 * being read at its line. */
	if (ui->folder_name != NULL && ui->store != NULL) {
		ui_open_folder(ui, ui->folder_name, ui->folder_readonly);
		index_follow_uid(ui, uid);
		pager_restore(ui, &place);
	}
	pager_place_free(&place);
	ui_redraw(ui);
}

static void
on_untagged(struct mail_session *ms, const struct imap_response *r, void *arg)
{
	struct ui	*ui = arg;

	if (ui->replay != NULL && mail_journal_untagged(ui->replay, r))
		return;
	/* Unasked STATUS comes from NOTIFY: another folder changed, so the
	 * sidebar and browser counts are asked again now. */
	if (r->keyword != NULL && strcmp(r->keyword, "STATUS") == 0) {
		folderlist_refresh(ui);
		return;
	}
	if (ui->folder != NULL)
		mail_folder_untagged(ui->folder, r);
}

/*
 * NOTIFY (RFC 5465): the selected folder as usual, and a STATUS for any
 * other personal folder that changes, so that the counts follow at once
 * rather than at the next status_interval.
 */
static void
notify_set(struct imap_client *c)
{
	struct imap_cmd	*cmd;

	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) "
	    "(personal (MessageNew MessageExpunge FlagChange))");
	imap_cmd_submit(cmd, notify_done, NULL);
}

/* Refused: the status_interval rounds are all there is, as without it. */
static void
notify_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
}

/* [ALERT]s must be seen (RFC 3501 7.1): the status line, sanitized. */
static void
on_alert(struct mail_session *ms, const char *text, void *arg)
{
	ui_message(arg, "Server alert: %s", text);
}

static char *
on_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	struct ui	*ui = arg;
	char		*secret;

	/* After the start (another account's first login): a prompt needs
	 * the terminal back for a moment. */
	if (ui->redraw == NULL)
		return cli_imap_secret(ui->ctx, kind, error_r);
	screen_suspend();
	secret = cli_imap_secret(ui->ctx, kind, error_r);
	screen_resume();
	ui_redraw(ui);
	return secret;
}

/* Makes the session of the selected account and starts it; the login
 * goes on in the loop. 0, or an exit code (bad configuration). */
static int
link_connect(struct ui *ui)
{
	struct mail_session_params	 sp;
	struct config			*cfg = ui->ctx->cfg;
	int				 rc;

	if ((rc = cli_client_params(ui->ctx, &ui->cp)) != 0)
		return rc;
	ui->have_cp = true;
	memset(&sp, 0, sizeof sp);
	sp.client = ui->cp.p;
	sp.client.trace = ui->ctx->trace;
	sp.reconnect_max_ms = (uint64_t)config_num(cfg, "reconnect_max_delay") * 1000;
	sp.keepalive_ms = (uint64_t)config_num(cfg, "keepalive") * 1000;
	sp.poll_ms = (uint64_t)config_num(cfg, "poll_interval") * 1000;
	sp.idle = true;
	/* A server that is down at start is retried while the cache shows
	 * the folder (decided below, once the first attempt failed). */
	sp.retry_first = true;
	ui->session = mail_session_new(ui->s.loop, &sp, &link_events, ui);
	mail_session_start(ui->session);
	return 0;
}

/*
 * Whether the screen may come before the first login: the start folder
 * (ui->folder_name, set by ui_run when it is known that early) is in the
 * cache, so it is drawn at once, and no password prompt needs the
 * terminal first.
 */
static bool
link_early(struct ui *ui)
{
	struct store_folder_state	 st;
	struct config			*cfg = ui->ctx->cfg;
	char				*error = NULL;

	if (ui->folder_name == NULL || ui->store == NULL)
		return false;
	if (config_str(cfg, "imap_pass") == NULL &&
	    config_str(cfg, "imap_pass_cmd") == NULL &&
	    config_str(cfg, "imap_oauth_cmd") == NULL)
		return false;
	if (store_folder_get(ui->store, ui->folder_name, &st, &error) < 0) {
		free(error);
		return false;
	}
	return st.uidvalidity != 0;
}

int
link_start(struct ui *ui, FILE *err)
{
	struct config	*cfg = ui->ctx->cfg;
	int		 rc;

	ui->s.ctx = ui->ctx;
	if (ui->s.loop == NULL) {
		ui->s.loop = ev_loop_new();
		ui->link_kick = ev_timer_new(ui->s.loop, link_kick, ui);
	}
	ui->s.closed = true;
	ui->s.client = NULL;
	ui->link_state = MAIL_SESSION_OFFLINE;
	ui->link_err = ERR_NONE;
	ui->link_ready_once = false;
	ui->link_stopping = false;
	if (ui->ctx->offline || config_bool(cfg, "offline")) {
		ui->link_offline = true;
		ui->store = cli_open_store(ui->ctx);
		return 0;
	}
	if ((rc = link_connect(ui)) != 0)
		return rc;
	/* The cache, which the index shows while the server cannot be
	 * reached, opens while the connection is on its way. */
	ui->store = cli_open_store(ui->ctx);
	/* The cache draws the folder while the login goes on (reopen()
	 * then resyncs it in place). */
	if (link_early(ui))
		return 0;
	/* Not open yet: reopen() must not open it before the screen. */
	x_free(&ui->folder_name);
	/* The first login before the screen is taken: a password prompt
	 * needs the terminal, and a wrong one should end here. */
	while (ui->link_state != MAIL_SESSION_READY &&
	    ui->link_state != MAIL_SESSION_WAITING &&
	    !(ui->link_state == MAIL_SESSION_OFFLINE && ui->link_err != ERR_NONE)) {
		if (ev_loop_run_once(ui->s.loop, -1) < 0)
			break;
	}
	if (ui->link_state == MAIL_SESSION_READY)
		return 0;
	if (ui->link_state == MAIL_SESSION_WAITING && ui->store != NULL)
		return 0;	/* offline from the cache, retrying */
	fprintf(err, "crispin: %s\n", ui->link_reason != NULL ? ui->link_reason :
	    "cannot connect");
	if (ui->link_state == MAIL_SESSION_WAITING)
		fprintf(err, "crispin: (with a cache, crispin opens offline and "
		    "keeps trying; see header_cache)\n");
	return ui->link_err != ERR_NONE ? err_exit_code(ui->link_err) :
	    EXIT_NETWORK;
}

/* Ctrl-G while a folder loads: no more headers are asked for; the index
 * keeps what arrived (and the cache, for the next open). */
bool
link_stop_open(struct ui *ui)
{
	if (ui->folder == NULL || ui->opened || !mail_folder_stop_fill(ui->folder))
		return false;
	ui_message(ui, "Stopped loading %s: the index shows what arrived; the "
	    "rest is fetched when the folder is opened again.",
	    mail_folder_name(ui->folder));
	return true;
}

/* "reconnecting in 4 s (connection reset)" and the like; NULL when the
 * link is up. */
const char *
link_state_text(struct ui *ui, struct buf *out)
{
	uint64_t	 now, secs;

	if (ui->link_offline)
		return "offline";
	switch (ui->link_state) {
	case MAIL_SESSION_READY:
		return NULL;
	case MAIL_SESSION_CONNECTING:
		return "connecting";
	case MAIL_SESSION_WAITING:
		now = ev_now(ui->s.loop);
		secs = ui->link_retry_at > now ?
		    (ui->link_retry_at - now + 999) / 1000 : 0;
		buf_printf(out, "reconnecting in %llu s", (unsigned long long)secs);
		if (ui->link_reason != NULL)
			buf_printf(out, ": %s", ui->link_reason);
		return buf_cstr(out);
	case MAIL_SESSION_OFFLINE:
		break;
	}
	return "disconnected";
}

void
link_stop(struct ui *ui)
{
	uint64_t	 deadline;

	/* The views are gone: the session's last events change nothing. */
	ui->link_stopping = true;
	mail_journal_replay_free(&ui->replay);
	if (ui->session == NULL)
		return;
	/* LOGOUT, waited for a moment (mail_session_stop bounds it). */
	mail_session_stop(ui->session);
	deadline = ev_now(ui->s.loop) + 6000;
	while (ui->link_state != MAIL_SESSION_OFFLINE &&
	    ev_now(ui->s.loop) < deadline) {
		if (ev_loop_run_once(ui->s.loop, 1000) < 0)
			break;
	}
}

/* The session and what it was made from; the loop stays. */
static void
link_session_free(struct ui *ui)
{
	mail_session_free(&ui->session);
	if (ui->have_cp)
		cli_client_params_free(&ui->cp);
	ui->have_cp = false;
	ui->s.client = NULL;
	ui->s.closed = true;
}

void
link_free(struct ui *ui)
{
	link_session_free(ui);
	ev_timer_free(&ui->link_kick);
	free(ui->link_reason);
	ev_loop_free(&ui->s.loop);
}

/*
 * next-account: the session, the cache and the folder list of the next
 * account block, and its INBOX (from the cache until the login is done).
 */
void
link_next_account(struct ui *ui)
{
	struct config	*cfg = ui->ctx->cfg;
	const char	*cur = config_account_name(cfg);
	size_t		 n = config_account_count(cfg), i;
	char		*error = NULL, *name;

	if (n < 2) {
		ui_message(ui, "There is no other account (see account blocks "
		    "in crispinrc(5)).");
		return;
	}
	for (i = 0; i < n && cur != NULL; i++) {
		if (strcmp(config_account_at(cfg, i), cur) == 0)
			break;
	}
	name = xstrdup(config_account_at(cfg,
	    cur != NULL && i < n ? (i + 1) % n : 0));
	/* Everything of the old account goes, its session without waiting
	 * for LOGOUT (the loop cannot wait inside a key). */
	while (ui->top != &ui->index.view)
		ui_pop_view(ui);
	index_cancel(ui);
	folderlist_stop(ui);
	mail_folder_free(&ui->folder);
	mail_journal_replay_free(&ui->replay);
	ui->replay_finished = false;
	link_session_free(ui);
	folderlist_free(ui);
	store_close(&ui->store);
	if (config_select_account(cfg, name, &error) < 0) {
		ui_message(ui, "%s", error);
		free(error);
	}
	ui->store = cli_open_store(ui->ctx);
	status_init(ui);
	ui->link_state = MAIL_SESSION_CONNECTING;
	ui->link_err = ERR_NONE;
	ui->link_ready_once = false;
	if (!ui->link_offline && link_connect(ui) != 0)
		ui_message(ui, "Account %s: its settings are incomplete.", name);
	/* The cache shows it until the login is done; then reopen(). */
	ui_open_folder(ui, "INBOX", false);
	if (ui->message == NULL)
		ui_message(ui, "Account %s.", name);
	free(name);
}
