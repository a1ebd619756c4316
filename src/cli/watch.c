/*
 * crispin watch [-f FOLDER... | --all] [--json]: one line per event until
 * SIGINT or SIGTERM. The selected folder (the first -f, default INBOX)
 * has a connection kept up by a mail_session and sitting in IDLE with the
 * folder model on it. The other folders watched (more -f, watch_folders)
 * are followed over that same connection with NOTIFY (RFC 5465) where the
 * server offers it: a STATUS the server pushes for one of them makes the
 * connection visit it (a warm reopen through the cache, the snapshot diff
 * reported) and come back. Without NOTIFY each has a connection of its
 * own in IDLE. With --all the other folders' unread counts are checked
 * every status_interval over the selected folder's connection.
 *
 * Each folder keeps a snapshot (UID, flags) of what was last reported, so
 * that a reopen after a reconnect reports exactly what changed meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/json.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_session.h"
#include "crispin/mime_header.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct snap {
	uint32_t	 uid;
	uint16_t	 flags;
	char		*keywords;	/* owned, NULL when none */
};

struct watch;

/* One connection: a session and the folder it sits in. */
struct wconn {
	struct watch		*w;		/* borrowed */
	char			*name;		/* owned, UTF-8 */
	bool			 primary;	/* the -f folder; also polls status */
	struct mail_session	*session;	/* owned */
	struct mail_folder	*folder;	/* owned; NULL while down */
	bool			 open;		/* the current open finished */
	bool			 known;		/* snap holds a past open */
	bool			 lost;		/* the link went since ready */
	uint32_t		 uidvalidity;
	struct snap		*snap;		/* owned, ascending UIDs */
	size_t			 nsnap;
	unsigned		 fresh;		/* new messages not yet told */
	bool			 served;	/* followed through the primary's NOTIFY */
	bool			 due;		/* served: a visit is wanted */
};

/* A folder checked with STATUS. */
struct polled {
	char		*raw;		/* owned, as the server names it */
	char		*name;		/* owned, UTF-8 */
	uint32_t	 unseen, uidnext;
	bool		 known;
	bool		 seen;		/* listed in the current round */
};

struct watch {
	struct cli_context	*ctx;		/* borrowed */
	struct ev_loop		*loop;		/* owned */
	struct store		*store;		/* owned; NULL without cache */
	struct cli_client_params cp;
	struct mail_session_params sp;
	bool			 json;
	bool			 all;
	struct wconn		**conns;	/* owned */
	size_t			 nconns;
	struct polled		*polled;	/* owned */
	size_t			 npolled;
	bool			 polling;	/* a LIST/STATUS round runs */
	bool			 notify;	/* NOTIFY SET accepted on this link */
	bool			 decided;	/* NOTIFY or connections: chosen */
	bool			 notify_watch;	/* watched folders served by NOTIFY */
	struct wconn		*visiting;	/* served folder open on the primary */
	struct ev_timer		*visit_timer;	/* owned */
	unsigned		 status_pending;
	struct ev_timer		*status_timer;	/* owned */
	struct ev_timer		*mailcmd_timer;	/* owned: new_mail_command */
	pid_t			*children;	/* owned */
	size_t			 nchildren;
	bool			 ready_told;
	bool			 done;
	int			 exit_code;
	struct buf		 line;
};

static void on_state(struct mail_session *, enum mail_session_state, enum err_class,
	    const char *, uint64_t, void *);
static void on_ready(struct mail_session *, struct imap_client *, bool, void *);
static void on_lost(struct mail_session *, void *);
static void on_untagged(struct mail_session *, const struct imap_response *, void *);
static void on_alert(struct mail_session *, const char *, void *);
static char *on_secret(enum imap_secret_kind, void *, char **);
static void folder_opened(struct mail_folder *, void *);
static void folder_added(struct mail_folder *, const struct mail_msg *, void *);
static void folder_expunged(struct mail_folder *, uint32_t, void *);
static void folder_flags(struct mail_folder *, const struct mail_msg *, void *);
static void folder_error(struct mail_folder *, enum err_class, const char *, void *);
static void emit(struct watch *);
static void say_ready(struct watch *);
static void status_round(void *);
static void mailcmd_cb(void *);
static void run_new_mail(struct watch *, const char *, unsigned);
static void on_signal(int, void *);
static void notify_set(struct watch *, struct imap_client *);
static void notify_status(struct watch *, struct imap_client *,
	    const struct imap_response *);
static void on_child(int, void *);
static void open_here(struct wconn *, struct imap_client *);
static void visit_cb(void *);
static struct wconn *served_find(struct watch *, struct imap_client *,
	    const struct imap_response *);

static const struct mail_session_events session_events = {
	.state = on_state,
	.ready = on_ready,
	.lost = on_lost,
	.untagged = on_untagged,
	.alert = on_alert,
	.get_secret = on_secret,
};

static const struct mail_folder_events folder_events = {
	.opened = folder_opened,
	.added = folder_added,
	.expunged = folder_expunged,
	.flags = folder_flags,
	.error = folder_error,
};

/* Output: each line goes out whole and at once, for pipes. */

static void
emit(struct watch *w)
{
	fprintf(w->ctx->out, "%s\n", buf_cstr(&w->line));
	/* Nobody reads any more (watch | head -1): the job is over. */
	if (fflush(w->ctx->out) == EOF || ferror(w->ctx->out))
		w->done = true;
	buf_reset(&w->line);
}

/* Starts a line: "EVENT\tFOLDER" or {"event":..,"folder":..}. */
static void
line_begin(struct watch *w, const char *event, const char *folder)
{
	char	*clean;

	buf_reset(&w->line);
	if (w->json) {
		json_obj_begin(&w->line);
		json_field_string(&w->line, "event", event);
		if (folder != NULL)
			json_field_string(&w->line, "folder", folder);
		return;
	}
	buf_adds(&w->line, event);
	if (folder != NULL) {
		clean = str_sanitize(folder);
		buf_printf(&w->line, "\t%s", clean);
		free(clean);
	}
}

static void
line_text(struct watch *w, const char *key, const char *value)
{
	char	*clean;

	if (w->json) {
		json_field_string(&w->line, key, value);
		return;
	}
	clean = str_sanitize(value != NULL ? value : "");
	buf_printf(&w->line, "\t%s", clean);
	free(clean);
}

static void
line_num(struct watch *w, const char *key, uint64_t n)
{
	if (w->json)
		json_field_int(&w->line, key, (int64_t)n);
	else
		buf_printf(&w->line, "\t%llu", (unsigned long long)n);
}

static void
line_end(struct watch *w)
{
	if (w->json)
		json_obj_end(&w->line);
	emit(w);
}

static void
add_flags(struct watch *w, unsigned flags, const char *keywords)
{
	const char	*k, *sp;
	unsigned	 bit;
	bool		 first = true;

	buf_adds(&w->line, w->json ? ",\"flags\":[" : "\t");
	for (bit = IMAP_FLAG_SEEN; bit <= IMAP_FLAG_DRAFT; bit <<= 1) {
		if (!(flags & bit))
			continue;
		if (!first)
			buf_addc(&w->line, w->json ? ',' : ' ');
		if (w->json)
			json_add_string(&w->line, mail_flag_name(bit));
		else
			buf_adds(&w->line, mail_flag_name(bit));
		first = false;
	}
	for (k = keywords; k != NULL && *k != '\0'; k = sp + strspn(sp, " ")) {
		sp = k + strcspn(k, " ");
		if (!first)
			buf_addc(&w->line, w->json ? ',' : ' ');
		if (w->json)
			json_add_stringn(&w->line, k, (size_t)(sp - k));
		else {
			char *kw = xstrndup(k, (size_t)(sp - k)), *clean = str_sanitize(kw);

			buf_adds(&w->line, clean);
			free(clean);
			free(kw);
		}
		first = false;
	}
	if (w->json)
		buf_addc(&w->line, ']');
	else if (first)
		buf_addc(&w->line, '-');
}

static void
tell_new(struct wconn *wc, const struct mail_msg *m)
{
	struct watch	*w = wc->w;
	struct buf	 text = BUF_INIT;

	line_begin(w, "new", wc->name);
	line_num(w, "uid", m->uid);
	if (w->json) {
		mime_decode_words(&text, m->from != NULL ? m->from : "", NULL);
		line_text(w, "from", buf_cstr(&text));
		buf_reset(&text);
		mime_decode_words(&text, m->subject != NULL ? m->subject : "", NULL);
		line_text(w, "subject", buf_cstr(&text));
	}
	buf_free(&text);
	line_end(w);
	wc->fresh++;
	ev_timer_start(w->mailcmd_timer, 0);
}

static void
tell_expunge(struct wconn *wc, uint32_t uid)
{
	line_begin(wc->w, "expunge", wc->name);
	line_num(wc->w, "uid", uid);
	line_end(wc->w);
}

static void
tell_flags(struct wconn *wc, uint32_t uid, unsigned flags, const char *keywords)
{
	line_begin(wc->w, "flags", wc->name);
	line_num(wc->w, "uid", uid);
	add_flags(wc->w, flags, keywords);
	line_end(wc->w);
}

/* The snapshot. */

static struct snap *
snap_find(struct wconn *wc, uint32_t uid, size_t *pos_r)
{
	size_t	lo = 0, hi = wc->nsnap, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (wc->snap[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos_r != NULL)
		*pos_r = lo;
	return lo < wc->nsnap && wc->snap[lo].uid == uid ? &wc->snap[lo] : NULL;
}

static void
snap_clear(struct wconn *wc)
{
	size_t	i;

	for (i = 0; i < wc->nsnap; i++)
		free(wc->snap[i].keywords);
	free(wc->snap);
	wc->snap = NULL;
	wc->nsnap = 0;
}

static bool
snap_same(const struct snap *sn, const struct mail_msg *m)
{
	const char	*a = sn->keywords != NULL ? sn->keywords : "";
	const char	*b = m->keywords != NULL ? m->keywords : "";

	return (sn->flags & ~IMAP_FLAG_RECENT) == (m->flags & ~IMAP_FLAG_RECENT) &&
	    strcmp(a, b) == 0;
}

static void
snap_set(struct snap *sn, const struct mail_msg *m)
{
	sn->uid = m->uid;
	sn->flags = m->flags;
	free(sn->keywords);
	sn->keywords = xstrdup_null(m->keywords);
}

/* Records m (a new UID or a change), keeping UIDs ascending. */
static void
snap_put(struct wconn *wc, const struct mail_msg *m)
{
	struct snap	*sn;
	size_t		 pos;

	if ((sn = snap_find(wc, m->uid, &pos)) == NULL) {
		wc->snap = xreallocarray(wc->snap, wc->nsnap + 1, sizeof *wc->snap);
		memmove(&wc->snap[pos + 1], &wc->snap[pos],
		    (wc->nsnap - pos) * sizeof *wc->snap);
		wc->nsnap++;
		sn = &wc->snap[pos];
		sn->keywords = NULL;
	}
	snap_set(sn, m);
}

static void
snap_remove(struct wconn *wc, uint32_t uid)
{
	size_t	pos;

	if (snap_find(wc, uid, &pos) == NULL)
		return;
	free(wc->snap[pos].keywords);
	memmove(&wc->snap[pos], &wc->snap[pos + 1],
	    (wc->nsnap - pos - 1) * sizeof *wc->snap);
	wc->nsnap--;
}

/* After an open: report what differs from the snapshot, then adopt the
 * folder's state. The first open only records. */
static void
snap_sync(struct wconn *wc)
{
	struct snap		*old = wc->snap, *sn;
	size_t			 nold = wc->nsnap, i = 0, k;
	uint32_t		 n = mail_folder_count(wc->folder), seq;
	const struct mail_msg	*m;
	bool			 tell = wc->known &&
	    wc->uidvalidity == mail_folder_uidvalidity(wc->folder);

	wc->snap = xcalloc(n == 0 ? 1 : n, sizeof *wc->snap);
	wc->nsnap = 0;
	for (seq = 1; seq <= n; seq++) {
		m = mail_folder_msg(wc->folder, seq);
		if (m == NULL || m->uid == 0)
			continue;
		/* Old UIDs below this one are gone. */
		for (; i < nold && old[i].uid < m->uid; i++) {
			if (tell)
				tell_expunge(wc, old[i].uid);
		}
		if (i < nold && old[i].uid == m->uid) {
			if (tell && !snap_same(&old[i], m))
				tell_flags(wc, m->uid, m->flags, m->keywords);
			i++;
		} else if (tell)
			tell_new(wc, m);
		sn = &wc->snap[wc->nsnap++];
		sn->keywords = NULL;
		snap_set(sn, m);
	}
	for (; i < nold; i++) {
		if (tell)
			tell_expunge(wc, old[i].uid);
	}
	for (k = 0; k < nold; k++)
		free(old[k].keywords);
	free(old);
	wc->uidvalidity = mail_folder_uidvalidity(wc->folder);
	wc->known = true;
}

/* Folder events. */

static void
folder_opened(struct mail_folder *f, void *arg)
{
	struct wconn	*wc = arg;

	snap_sync(wc);
	wc->open = true;
	if (wc->lost) {
		wc->lost = false;
		line_begin(wc->w, "reconnected", wc->name);
		line_end(wc->w);
	}
	say_ready(wc->w);
	/* Back home after a visit, or on to the next one. */
	if (wc->w->notify_watch)
		ev_timer_start(wc->w->visit_timer, 0);
}

static void
folder_added(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	struct wconn	*wc = arg;

	/* During an open the snapshot diff reports instead. */
	if (!wc->open || m->uid == 0 || snap_find(wc, m->uid, NULL) != NULL)
		return;
	snap_put(wc, m);
	tell_new(wc, m);
}

static void
folder_expunged(struct mail_folder *f, uint32_t uid, void *arg)
{
	struct wconn	*wc = arg;

	if (!wc->open || uid == 0 || snap_find(wc, uid, NULL) == NULL)
		return;
	snap_remove(wc, uid);
	tell_expunge(wc, uid);
}

static void
folder_flags(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	struct wconn	*wc = arg;
	struct snap	*sn;

	if (!wc->open || m->uid == 0)
		return;
	if ((sn = snap_find(wc, m->uid, NULL)) != NULL && snap_same(sn, m))
		return;
	snap_put(wc, m);
	tell_flags(wc, m->uid, m->flags, m->keywords);
}

static void
folder_error(struct mail_folder *f, enum err_class cls, const char *msg, void *arg)
{
	struct wconn	*wc = arg;
	struct watch	*w = wc->w;
	struct imap_client *c = mail_session_client(wc->served ?
	    w->conns[0]->session : wc->session);
	char		*clean;

	if (cls == ERR_FAILURE && wc->open)
		return;
	/* The link died under the open: the session reconnects and reopens. */
	if (c == NULL || imap_client_state(c) == IMAP_STATE_DISCONNECTED)
		return;
	/* A folder that cannot be opened will not open by retrying. */
	clean = str_sanitize(msg);
	fprintf(w->ctx->err, "crispin: watch: %s\n", clean);
	free(clean);
	if (w->exit_code == 0)
		w->exit_code = err_exit_code(cls == ERR_NONE ? ERR_FAILURE : cls);
	w->done = true;
}

/* Session events. */

static void
on_state(struct mail_session *s, enum mail_session_state st, enum err_class cls,
    const char *reason, uint64_t retry_ms, void *arg)
{
	struct wconn	*wc = arg;
	struct watch	*w = wc->w;

	if (st == MAIL_SESSION_WAITING) {
		size_t i;

		for (i = 0; i < w->nconns; i++) {
			if (w->conns[i] != wc && (!wc->primary || !w->conns[i]->served))
				continue;
			w->conns[i]->lost = true;
			line_begin(w, "reconnect", w->conns[i]->name);
			line_num(w, "delay", (retry_ms + 999) / 1000);
			line_text(w, "reason", reason);
			line_end(w);
		}
	} else if (st == MAIL_SESSION_OFFLINE && cls != ERR_NONE) {
		char *clean = str_sanitize(reason != NULL ? reason : "");

		line_begin(w, "offline", wc->name);
		line_text(w, "reason", reason);
		line_end(w);
		fprintf(w->ctx->err, "crispin: %s\n", clean);
		free(clean);
		if (w->exit_code == 0)
			w->exit_code = err_exit_code(cls);
		w->done = true;
	}
}

static void
on_ready(struct mail_session *s, struct imap_client *c, bool reconnected, void *arg)
{
	struct wconn			*wc = arg;
	struct watch			*w = wc->w;
	size_t				 i;

	/* The primary's first login tells whether the other folders need
	 * connections of their own. */
	if (wc->primary && !w->decided) {
		w->decided = true;
		w->notify_watch = w->nconns > 1 && imap_client_has_cap(c, "NOTIFY");
		for (i = 1; i < w->nconns; i++) {
			if (w->notify_watch)
				w->conns[i]->served = true;
			else
				mail_session_start(w->conns[i]->session);
		}
	}
	open_here(wc, c);
	if (wc->primary && w->notify_watch) {
		for (i = 1; i < w->nconns; i++)
			w->conns[i]->due = true;
	}
	if (wc->primary && w->all)
		ev_timer_start(w->status_timer, 0);
	if (wc->primary && (w->all || w->notify_watch) &&
	    imap_client_has_cap(c, "NOTIFY"))
		notify_set(w, c);
}

/* Opens wc's folder on c (its own connection, or the primary's for a
 * visit). */
static void
open_here(struct wconn *wc, struct imap_client *c)
{
	struct mail_folder_params	 p;

	memset(&p, 0, sizeof p);
	p.readonly = true;
	p.use_cache = wc->w->store != NULL;
	wc->open = false;
	wc->folder = mail_folder_new(c, wc->w->store, wc->name, &p);
	mail_folder_subscribe(wc->folder, &folder_events, wc);
	mail_folder_open(wc->folder);
}

/*
 * One step of the visits NOTIFY asks for, run from a zero-delay timer
 * whenever a folder finished opening or a STATUS came: a visit that is
 * done ends; the next folder due is opened in place of the primary one;
 * with none due, the primary folder is opened again. Each open is warm
 * (QRESYNC through the cache), and the snapshot diff tells what changed.
 */
static void
visit_cb(void *arg)
{
	struct watch		*w = arg;
	struct wconn		*home = w->conns[0], *next = NULL;
	struct imap_client	*c = mail_session_client(home->session);
	size_t			 i;

	if (c == NULL)
		return;
	if (w->visiting != NULL) {
		if (!w->visiting->open)
			return;		/* still opening */
		mail_folder_free(&w->visiting->folder);
		w->visiting = NULL;
	}
	for (i = 1; i < w->nconns && next == NULL; i++) {
		if (w->conns[i]->served && w->conns[i]->due)
			next = w->conns[i];
	}
	if (next == NULL) {
		if (home->folder == NULL)
			open_here(home, c);
		return;
	}
	if (home->folder != NULL && !home->open)
		return;			/* let the primary open finish first */
	mail_folder_free(&home->folder);
	home->open = false;
	next->due = false;
	w->visiting = next;
	open_here(next, c);
}

/* The served folder a NOTIFY STATUS names, or NULL. */
static struct wconn *
served_find(struct watch *w, struct imap_client *c, const struct imap_response *r)
{
	struct arena		*a;
	struct imap_status_data	 st;
	struct wconn		*found = NULL;
	char			*error = NULL, *name;
	size_t			 i;

	if (!w->notify_watch || r->keyword == NULL || strcmp(r->keyword, "STATUS") != 0)
		return NULL;
	a = arena_new(0);
	if (imap_status_parse(r, a, &st, &error) < 0) {
		free(error);
		arena_free(&a);
		return NULL;
	}
	name = imap_client_mailbox_utf8(c, st.mailbox);
	for (i = 1; i < w->nconns && found == NULL; i++) {
		if (w->conns[i]->served && (strcmp(w->conns[i]->name, name) == 0 ||
		    (str_ieq(name, "INBOX") && str_ieq(w->conns[i]->name, "INBOX"))))
			found = w->conns[i];
	}
	free(name);
	arena_free(&a);
	return found;
}

static void
on_lost(struct mail_session *s, void *arg)
{
	struct wconn	*wc = arg;

	wc->open = false;
	mail_folder_free(&wc->folder);
	if (wc->primary) {
		wc->w->polling = false;
		wc->w->status_pending = 0;
		wc->w->notify = false;
		if (wc->w->visiting != NULL) {
			mail_folder_free(&wc->w->visiting->folder);
			wc->w->visiting = NULL;
		}
		ev_timer_stop(wc->w->visit_timer);
	}
}

static void
on_untagged(struct mail_session *s, const struct imap_response *r, void *arg)
{
	struct wconn	*wc = arg;
	struct imap_client *c = mail_session_client(s);
	struct wconn	*served;

	if (wc->primary && c != NULL && (served = served_find(wc->w, c, r)) != NULL) {
		served->due = true;
		ev_timer_start(wc->w->visit_timer, 0);
		return;
	}
	if (wc->primary && wc->w->notify && wc->w->all && c != NULL &&
	    r->keyword != NULL && strcmp(r->keyword, "STATUS") == 0) {
		notify_status(wc->w, c, r);
		return;
	}
	if (wc->primary && wc->w->visiting != NULL) {
		if (wc->w->visiting->folder != NULL)
			mail_folder_untagged(wc->w->visiting->folder, r);
		return;
	}
	if (wc->folder != NULL)
		mail_folder_untagged(wc->folder, r);
}

static void
on_alert(struct mail_session *s, const char *text, void *arg)
{
	struct wconn	*wc = arg;
	char		*clean = str_sanitize(text);

	fprintf(wc->w->ctx->err, "crispin: server alert: %s\n", clean);
	free(clean);
}

static char *
on_secret(enum imap_secret_kind kind, void *arg, char **error_r)
{
	struct wconn	*wc = arg;

	return cli_imap_secret(wc->w->ctx, kind, error_r);
}

/* "ready" once every connection has its folder open: a script may start
 * changing things from here on and see every change. */
static void
say_ready(struct watch *w)
{
	size_t	i;

	if (w->ready_told)
		return;
	for (i = 0; i < w->nconns; i++) {
		if (!w->conns[i]->open)
			return;
	}
	w->ready_told = true;
	line_begin(w, "ready", NULL);
	line_end(w);
}

/* Unread counts of the other folders (--all). */

static bool
watched(struct watch *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++) {
		if (strcmp(w->conns[i]->name, name) == 0 ||
		    (str_ieq(name, "INBOX") && str_ieq(w->conns[i]->name, "INBOX")))
			return true;
	}
	return false;
}

static struct polled *
polled_find(struct watch *w, const char *raw)
{
	size_t	i;

	for (i = 0; i < w->npolled; i++) {
		if (strcmp(w->polled[i].raw, raw) == 0)
			return &w->polled[i];
	}
	return NULL;
}

static void
status_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct watch	*w = arg;
	struct arena	*a = arena_new(0);
	struct imap_list l;
	struct polled	*p;
	char		*error = NULL, *name;

	if (imap_list_parse(r, a, &l, &error) < 0 ||
	    (l.attrs & (IMAP_MBOX_NOSELECT | IMAP_MBOX_NONEXISTENT))) {
		free(error);
		arena_free(&a);
		return;
	}
	name = imap_client_mailbox_utf8(c, l.name);
	if (watched(w, name)) {
		free(name);
		arena_free(&a);
		return;
	}
	if ((p = polled_find(w, l.name)) == NULL) {
		w->polled = xreallocarray(w->polled, w->npolled + 1, sizeof *w->polled);
		p = &w->polled[w->npolled++];
		memset(p, 0, sizeof *p);
		p->raw = xstrdup(l.name);
		p->name = name;
	} else
		free(name);
	p->seen = true;
	arena_free(&a);
}

static void
status_data(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct watch		*w = arg;
	struct arena		*a = arena_new(0);
	struct imap_status_data	 st;
	struct polled		*p;
	char			*error = NULL;
	unsigned		 fresh = 0;

	if (imap_status_parse(r, a, &st, &error) < 0 ||
	    (p = polled_find(w, st.mailbox)) == NULL ||
	    !(st.have & IMAP_STATUS_UNSEEN)) {
		free(error);
		arena_free(&a);
		return;
	}
	if (p->known && (st.have & IMAP_STATUS_UIDNEXT) && st.uidnext > p->uidnext)
		fresh = st.uidnext - p->uidnext;
	if (!p->known || st.unseen != p->unseen) {
		line_begin(w, "unseen", p->name);
		line_num(w, "count", st.unseen);
		line_end(w);
	}
	p->known = true;
	p->unseen = st.unseen;
	if (st.have & IMAP_STATUS_UIDNEXT)
		p->uidnext = st.uidnext;
	if (fresh > 0)
		run_new_mail(w, p->name, fresh);
	arena_free(&a);
}

static void
status_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct watch	*w = arg;

	if (!w->polling)
		return;
	if (w->status_pending > 0 && --w->status_pending > 0)
		return;
	w->polling = false;
	ev_timer_start(w->status_timer,
	    (uint64_t)config_num(w->ctx->cfg, "status_interval") * 1000);
}

static void
status_list_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct watch	*w = arg;
	struct imap_cmd	*cmd;
	size_t		 i, keep = 0;

	if (!w->polling)
		return;
	/* Folders gone since the last round are forgotten. */
	for (i = 0; i < w->npolled; i++) {
		if (!w->polled[i].seen && r->status == IMAP_STATUS_OK) {
			free(w->polled[i].raw);
			free(w->polled[i].name);
			continue;
		}
		w->polled[keep++] = w->polled[i];
	}
	w->npolled = keep;
	w->status_pending = 0;
	for (i = 0; i < w->npolled; i++) {
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "STATUS ");
		imap_cmd_add_string(cmd, w->polled[i].raw);
		imap_cmd_add(cmd, " (UNSEEN UIDNEXT)");
		imap_cmd_on_untagged(cmd, "STATUS", status_data);
		w->status_pending++;
		imap_cmd_submit(cmd, status_done, w);
		if (!w->polling)
			return;		/* the link died under us */
	}
	if (w->status_pending == 0)
		status_done(c, r, w);
}

static void
status_round(void *arg)
{
	struct watch		*w = arg;
	struct imap_client	*c;
	struct imap_cmd		*cmd;
	size_t			 i;

	if (w->polling || w->nconns == 0 ||
	    (c = mail_session_client(w->conns[0]->session)) == NULL)
		return;
	w->polling = true;
	for (i = 0; i < w->npolled; i++)
		w->polled[i].seen = false;
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LIST \"\" \"*\"");
	imap_cmd_on_untagged(cmd, "LIST", status_list);
	imap_cmd_submit(cmd, status_list_done, w);
}

/*
 * NOTIFY (RFC 5465) on the selected folder's connection: the server tells
 * of new, expunged and changed messages in every personal folder as they
 * happen, as a STATUS response naming the folder, so the unread count is
 * asked at once rather than at the next status_interval. The selected
 * folder keeps its usual untagged responses.
 */
static void
notify_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct watch	*w = arg;
	size_t		 i;

	w->notify = r->status == IMAP_STATUS_OK;
	if (w->notify || !w->notify_watch || c != mail_session_client(w->conns[0]->session))
		return;
	/* Refused after all: the watched folders get connections. */
	w->notify_watch = false;
	if (w->visiting != NULL) {
		mail_folder_free(&w->visiting->folder);
		w->visiting = NULL;
	}
	if (w->conns[0]->folder == NULL)
		open_here(w->conns[0], c);
	for (i = 1; i < w->nconns; i++) {
		w->conns[i]->served = false;
		w->conns[i]->due = false;
		mail_session_start(w->conns[i]->session);
	}
}

static void
notify_set(struct watch *w, struct imap_client *c)
{
	struct imap_cmd	*cmd;
	size_t		 i;

	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "NOTIFY SET (selected (MessageNew MessageExpunge FlagChange))");
	if (w->all)
		imap_cmd_add(cmd, " (personal (MessageNew MessageExpunge FlagChange))");
	else {
		/* Only the folders watched (filter-mailboxes). */
		imap_cmd_add(cmd, " (mailboxes (");
		for (i = 1; i < w->nconns; i++) {
			if (i > 1)
				imap_cmd_add(cmd, " ");
			imap_cmd_add_mailbox(cmd, w->conns[i]->name);
		}
		imap_cmd_add(cmd, ") (MessageNew MessageExpunge FlagChange))");
	}
	imap_cmd_submit(cmd, notify_done, w);
}

/* A refused STATUS leaves the count as it was; the next round asks again. */
static void
notify_status_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
}

static void
notify_status(struct watch *w, struct imap_client *c, const struct imap_response *r)
{
	struct arena		*a = arena_new(0);
	struct imap_status_data	 st;
	struct polled		*p;
	struct imap_cmd		*cmd;
	char			*error = NULL;

	if (imap_status_parse(r, a, &st, &error) < 0) {
		free(error);
		arena_free(&a);
		return;
	}
	if ((p = polled_find(w, st.mailbox)) == NULL) {
		/* A folder not seen before (or a watched one): a new round
		 * finds out which. */
		char *name = imap_client_mailbox_utf8(c, st.mailbox);

		if (!watched(w, name) && !w->polling)
			ev_timer_start(w->status_timer, 0);
		free(name);
		arena_free(&a);
		return;
	}
	if (st.have & IMAP_STATUS_UNSEEN)
		status_data(c, r, w);
	else {
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "STATUS ");
		imap_cmd_add_string(cmd, p->raw);
		imap_cmd_add(cmd, " (UNSEEN UIDNEXT)");
		imap_cmd_on_untagged(cmd, "STATUS", status_data);
		imap_cmd_submit(cmd, notify_status_done, w);
	}
	arena_free(&a);
}

/* new_mail_command: the folder and the count go in as $1 and $2 (and the
 * environment), never into the command text. */

static void
run_new_mail(struct watch *w, const char *folder, unsigned count)
{
	const char	*cmd = config_str(w->ctx->cfg, "new_mail_command");
	char		 num[16];
	pid_t		 pid;
	int		 fd;

	if (cmd == NULL || *cmd == '\0')
		return;
	snprintf(num, sizeof num, "%u", count);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(w->ctx->err, "crispin: new_mail_command: cannot fork: %s\n",
		    strerror(errno));
		return;
	}
	if (pid == 0) {
		/* Its output must not mix with the event lines. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		setenv("CRISPIN_FOLDER", folder, 1);
		setenv("CRISPIN_COUNT", num, 1);
		execl("/bin/sh", "sh", "-c", cmd, "sh", folder, num, (char *)NULL);
		_exit(127);
	}
	w->children = xreallocarray(w->children, w->nchildren + 1, sizeof *w->children);
	w->children[w->nchildren++] = pid;
}

static void
mailcmd_cb(void *arg)
{
	struct watch	*w = arg;
	size_t		 i;

	for (i = 0; i < w->nconns; i++) {
		if (w->conns[i]->fresh > 0)
			run_new_mail(w, w->conns[i]->name, w->conns[i]->fresh);
		w->conns[i]->fresh = 0;
	}
}

/* Reaps only our own children: other code may wait for its own. */
static void
on_child(int signo, void *arg)
{
	struct watch	*w = arg;
	size_t		 i = 0;

	while (i < w->nchildren) {
		if (waitpid(w->children[i], NULL, WNOHANG) != 0) {
			w->children[i] = w->children[--w->nchildren];
			continue;
		}
		i++;
	}
}

static void
on_signal(int signo, void *arg)
{
	struct watch	*w = arg;

	w->done = true;
}

static struct wconn *
wconn_new(struct watch *w, const char *name, bool primary)
{
	struct wconn	*wc = xcalloc(1, sizeof *wc);

	wc->w = w;
	wc->name = xstrdup(name);
	wc->primary = primary;
	wc->session = mail_session_new(w->loop, &w->sp, &session_events, wc);
	w->conns = xreallocarray(w->conns, w->nconns + 1, sizeof *w->conns);
	w->conns[w->nconns++] = wc;
	return wc;
}

static void
wconn_free(struct wconn *wc)
{
	mail_folder_free(&wc->folder);
	mail_session_free(&wc->session);
	snap_clear(wc);
	free(wc->name);
	free(wc);
}

/* The -f folder, then watch_folders (without repeats) while there are
 * connections left. */
static void
plan_one(struct watch *w, const char *name, long max)
{
	if (watched(w, name))
		return;
	if ((long)w->nconns >= max) {
		fprintf(w->ctx->err, "crispin: watch: max_connections (%ld) reached; "
		    "%s is %s\n", max, name, w->all ? "checked every status_interval" :
		    "not watched");
		return;
	}
	wconn_new(w, name, false);
}

/* The first -f folder, the other -f folders, then watch_folders (without
 * repeats) while there are connections left. */
static void
plan_connections(struct watch *w, char **folders, size_t nfolders)
{
	const char	*list = config_str(w->ctx->cfg, "watch_folders");
	long		 max = config_num(w->ctx->cfg, "max_connections");
	char		*copy, *p, *save = NULL;
	size_t		 i;

	wconn_new(w, nfolders > 0 ? folders[0] : "INBOX", true);
	for (i = 1; i < nfolders; i++)
		plan_one(w, folders[i], max);
	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (p = strtok_r(copy, " \t,", &save); p != NULL; p = strtok_r(NULL, " \t,", &save))
		plan_one(w, p, max);
	free(copy);
}

static void
shutdown_sessions(struct watch *w)
{
	uint64_t	deadline;
	size_t		i;
	bool		busy = true;

	for (i = 0; i < w->nconns; i++)
		mail_session_stop(w->conns[i]->session);
	deadline = ev_now(w->loop) + 6000;
	while (busy && ev_now(w->loop) < deadline) {
		busy = false;
		for (i = 0; i < w->nconns; i++) {
			if (mail_session_state(w->conns[i]->session) != MAIL_SESSION_OFFLINE)
				busy = true;
		}
		if (busy)
			ev_loop_run_once(w->loop, 500);
	}
}

int
cli_watch(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch	 w;
	char		**folders = NULL;
	size_t		 nfolders = 0, i;
	int		 ch, rc;

	memset(&w, 0, sizeof w);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			folders = xreallocarray(folders, nfolders + 1, sizeof *folders);
			folders[nfolders++] = optarg;
			break;
		case 'a':
			w.all = true;
			break;
		case 'j':
			w.json = true;
			break;
		default:
			fprintf(ctx->err, "crispin: watch: unknown option or missing value "
			    "'%s'\nusage: crispin watch [-f FOLDER]... [--all] [--json]\n",
			    argv[optind - 1]);
			free(folders);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(ctx->err, "crispin: watch: unexpected argument '%s'\n", argv[optind]);
		free(folders);
		return EXIT_USAGE;
	}
	if (ctx->offline) {
		fprintf(ctx->err, "crispin: watch needs the server, and crispin is "
		    "offline (--offline, or offline = yes)\n");
		free(folders);
		return EXIT_NETWORK;
	}
	w.ctx = ctx;
	if ((rc = cli_client_params(ctx, &w.cp)) != 0) {
		free(folders);
		return rc;
	}
	w.sp.client = w.cp.p;
	w.sp.reconnect_max_ms = (uint64_t)config_num(ctx->cfg, "reconnect_max_delay") * 1000;
	w.sp.keepalive_ms = (uint64_t)config_num(ctx->cfg, "keepalive") * 1000;
	w.sp.poll_ms = (uint64_t)config_num(ctx->cfg, "poll_interval") * 1000;
	w.sp.idle = true;
	w.sp.retry_first = true;
	w.loop = ev_loop_new();
	w.store = cli_open_store(ctx);
	w.status_timer = ev_timer_new(w.loop, status_round, &w);
	w.visit_timer = ev_timer_new(w.loop, visit_cb, &w);
	w.mailcmd_timer = ev_timer_new(w.loop, mailcmd_cb, &w);
	ev_signal(w.loop, SIGINT, on_signal, &w);
	ev_signal(w.loop, SIGTERM, on_signal, &w);
	ev_signal(w.loop, SIGCHLD, on_child, &w);
	plan_connections(&w, folders, nfolders);
	free(folders);
	/* The others start once the primary's login shows whether NOTIFY
	 * spares them their connections. */
	mail_session_start(w.conns[0]->session);
	while (!w.done)
		ev_loop_run_once(w.loop, -1);
	shutdown_sessions(&w);
	if (ctx->stats) {
		struct net_stats st, sum;

		memset(&sum, 0, sizeof sum);
		for (i = 0; i < w.nconns; i++) {
			mail_session_stats(w.conns[i]->session, &st);
			sum.commands += st.commands;
			sum.round_trips += st.round_trips;
			sum.bytes_out += st.bytes_out;
			sum.bytes_in += st.bytes_in;
			sum.wait_ms += st.wait_ms;
		}
		cli_print_stats(ctx, "imap", sum.commands, sum.round_trips, sum.bytes_out,
		    sum.bytes_in, 0, sum.wait_ms * 1000);
	}
	for (i = 0; i < w.nconns; i++)
		wconn_free(w.conns[i]);
	free(w.conns);
	for (i = 0; i < w.npolled; i++) {
		free(w.polled[i].raw);
		free(w.polled[i].name);
	}
	free(w.polled);
	free(w.children);
	ev_timer_free(&w.status_timer);
	ev_timer_free(&w.visit_timer);
	ev_timer_free(&w.mailcmd_timer);
	store_close(&w.store);
	buf_free(&w.line);
	ev_loop_free(&w.loop);
	cli_client_params_free(&w.cp);
	return w.exit_code;
}
