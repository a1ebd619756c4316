/*
 * edit (mutt's edit-message on IMAP): the message as stored goes to a
 * private file and into $EDITOR; when it comes back changed it is
 * APPENDed to the folder with the original's flags and INTERNALDATE, the
 * original is marked \Deleted and, with UIDPLUS, expunged by UID, and the
 * index (and the pager, when it showed the message) moves to the new one.
 * Only the editor holds the screen; the network parts run on the loop.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/fdio.h"
#include "crispin/mail_draft.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* How long the new message may take to show up in the index. */
#define EDIT_FOLLOW_MS		10000
#define EDIT_FOLLOW_STEP_MS	50
/* What is read back from the editor at most. */
#define EDIT_MAX_BYTES		(64u * 1024 * 1024)

struct edit {
	struct ui		*ui;		/* borrowed */
	uint32_t		 uid, new_uid;
	unsigned		 flags;
	char			*keywords;	/* owned or NULL */
	int64_t			 internaldate;
	bool			 in_pager;	/* a pager showed it */
	struct buf		 raw;
	struct ev_timer		*follow;	/* owned */
	uint64_t		 follow_until;
};

/* One edit at a time. */
static struct edit *current;

static void fetched(struct ui *, int, const char *, const struct buf *, void *);
static int run_editor(struct edit *, struct buf *, char **);
static void append(struct edit *, const struct buf *);
static void appended(struct imap_client *, const struct imap_response *, void *);
static void marked(struct mail_folder *, int, void *);
static void expunged(struct imap_client *, const struct imap_response *, void *);
static void follow(void *);
static void edit_free(struct edit *);

bool
edit_function(struct ui *ui, const char *name)
{
	const struct mail_msg	*m;
	struct edit		*e;
	uint32_t		 uid;

	if (strcmp(name, "edit") != 0)
		return false;
	if (ui->folder == NULL || (uid = index_current_uid(ui)) == 0 ||
	    (m = mail_folder_by_uid(ui->folder, uid)) == NULL) {
		ui_message(ui, "No message to edit.");
		return true;
	}
	if (current != NULL) {
		ui_message(ui, "Still storing the last edited message; try again "
		    "in a moment.");
		return true;
	}
	if (mail_folder_readonly(ui->folder)) {
		ui_message(ui, "Folder %s is read-only: the edited message could not "
		    "replace the original.", mail_folder_name(ui->folder));
		return true;
	}
	if (ui->s.client == NULL || mail_folder_offline(ui->folder)) {
		ui_message(ui, "Editing needs the server: the edited message is "
		    "stored there.");
		return true;
	}
	e = xcalloc(1, sizeof *e);
	e->ui = ui;
	e->uid = uid;
	e->flags = m->flags & (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED |
	    IMAP_FLAG_FLAGGED | IMAP_FLAG_DRAFT);
	e->keywords = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	e->internaldate = m->internaldate;
	e->in_pager = strcmp(ui->top->ops->name, "pager") == 0;
	current = e;
	ui_message(ui, "Fetching message %u for editing...", uid);
	rawfetch(ui, uid, fetched, e);
	return true;
}

static void
fetched(struct ui *ui, int status, const char *error, const struct buf *raw,
    void *arg)
{
	struct edit	*e = arg;
	struct buf	 edited = BUF_INIT;
	char		*why = NULL;

	if (e != current)
		return;		/* the interface is ending */
	if (status < 0) {
		ui_message(ui, "Cannot edit message %u: %s", e->uid, error);
		edit_free(e);
		return;
	}
	buf_add(&e->raw, raw->data, raw->len);
	if (run_editor(e, &edited, &why) < 0) {
		ui_message(ui, "Message not changed: %s", why);
		free(why);
		buf_free(&edited);
		edit_free(e);
		return;
	}
	if (edited.len == e->raw.len && memcmp(edited.data, e->raw.data,
	    edited.len) == 0) {
		ui_message(ui, "Message not changed.");
		buf_free(&edited);
		edit_free(e);
		return;
	}
	if (ui->s.client == NULL || ui->folder == NULL ||
	    strcmp(mail_folder_name(ui->folder), ui->folder_name) != 0) {
		ui_message(ui, "The link went down while editing: the message "
		    "was not stored.");
		buf_free(&edited);
		edit_free(e);
		return;
	}
	append(e, &edited);
	buf_free(&edited);
}

/* $EDITOR on a 0600 file in a private directory; the edited text, with
 * CRLF line ends as IMAP wants, in *out. */
static int
run_editor(struct edit *e, struct buf *out, char **error_r)
{
	const char	*tmpdir = config_str(e->ui->ctx->cfg, "tmpdir"), *editor;
	char		*dir, *path, *command;
	struct buf	 text = BUF_INIT;
	struct fg_cmd	 cmd;
	int		 fd, status, rc = -1;
	size_t		 i;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	dir = xasprintf("%s/crispin-edit-XXXXXX", tmpdir);
	if (mkdtemp(dir) == NULL) {
		*error_r = xasprintf("cannot make a directory in %s: %s", tmpdir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	path = xasprintf("%s/message.eml", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0 || fd_write_all(fd, e->raw.data, e->raw.len) < 0) {
		*error_r = xasprintf("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* The file name is an argument, never part of the command text. */
	editor = mail_draft_editor(e->ui->ctx->cfg);
	command = xasprintf("%s \"$1\"", editor);
	memset(&cmd, 0, sizeof cmd);
	cmd.script = command;
	cmd.arg = path;
	cmd.stdin_fd = -1;
	cmd.note_fd = -1;
	screen_suspend();
	status = ui_run_foreground(&cmd);
	free(command);
	screen_resume();
	ui_redraw(e->ui);
	if (status != 0) {
		*error_r = xasprintf("the editor %s failed", editor);
		goto out;
	}
	if (file_read_all(path, &text, EDIT_MAX_BYTES) < 0) {
		*error_r = xasprintf("cannot read %s back: %s", path, strerror(errno));
		goto out;
	}
	/* The editor may have written LF only; an unchanged file stays
	 * byte-identical. */
	for (i = 0; i < text.len; i++) {
		if (text.data[i] == '\n' && (i == 0 || text.data[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, text.data[i]);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_adds(out, "\r\n");
	rc = 0;
out:
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	buf_free(&text);
	return rc;
}

/* APPEND FOLDER (flags) "date" {literal}. */
static void
append(struct edit *e, const struct buf *msg)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const unsigned bits[] = { IMAP_FLAG_SEEN, IMAP_FLAG_ANSWERED,
	    IMAP_FLAG_FLAGGED, IMAP_FLAG_DRAFT };
	struct ui	*ui = e->ui;
	struct imap_cmd	*cmd;
	struct tm	 tm;
	time_t		 t = (time_t)e->internaldate;
	const char	*sep = "";
	size_t		 i;

	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "APPEND ");
	imap_cmd_add_mailbox(cmd, mail_folder_name(ui->folder));
	imap_cmd_add(cmd, " (");
	for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		if (e->flags & bits[i]) {
			imap_cmd_add(cmd, "%s%s", sep, mail_flag_name(bits[i]));
			sep = " ";
		}
	}
	if (e->keywords != NULL)
		imap_cmd_add(cmd, "%s%s", sep, e->keywords);
	imap_cmd_add(cmd, ")");
	if (e->internaldate > 0 && gmtime_r(&t, &tm) != NULL)
		imap_cmd_add(cmd, " \"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday,
		    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
	imap_cmd_add(cmd, " ");
	/* CRLF inside: always a literal. */
	imap_cmd_add_string(cmd, buf_cstr((struct buf *)msg));
	imap_cmd_submit(cmd, appended, e);
	ui_message(ui, "Storing the edited message...");
}

static void
appended(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct edit		*e = arg;
	struct ui		*ui = e->ui;
	struct imap_seqset	 uids;
	char			*clean;
	uint32_t		 validity;

	if (current != e)
		return;		/* the interface is ending */
	if (r->status != IMAP_STATUS_OK) {
		clean = str_sanitize(r->text);
		ui_message(ui, "The edited message was not stored (%s); the "
		    "original is unchanged.", clean);
		free(clean);
		edit_free(e);
		return;
	}
	/* [APPENDUID uidvalidity uid] (UIDPLUS): the new message's UID. */
	imap_seqset_init(&uids);
	if (r->code != NULL && strcmp(r->code, "APPENDUID") == 0 &&
	    imap_code_appenduid(r, &validity, &uids) == 0 && uids.count == 1 &&
	    uids.ranges[0].lo == uids.ranges[0].hi &&
	    ui->folder != NULL && validity == mail_folder_uidvalidity(ui->folder))
		e->new_uid = uids.ranges[0].lo;
	imap_seqset_free(&uids);
	if (ui->folder == NULL || mail_folder_by_uid(ui->folder, e->uid) == NULL) {
		edit_free(e);
		return;
	}
	imap_seqset_init(&uids);
	imap_seqset_add(&uids, e->uid, e->uid);
	mail_folder_store_flags(ui->folder, &uids, true, IMAP_FLAG_DELETED, NULL,
	    marked, e);
	imap_seqset_free(&uids);
}

static void
marked(struct mail_folder *f, int status, void *arg)
{
	struct edit	*e = arg;
	struct ui	*ui = e->ui;
	struct imap_cmd	*cmd;

	if (current != e)
		return;
	if (status < 0 || ui->s.client == NULL) {
		ui_message(ui, "The edited message was stored, but the original "
		    "could not be deleted.");
		edit_free(e);
		return;
	}
	if (!imap_client_has_cap(ui->s.client, "UIDPLUS")) {
		ui_message(ui, "The edited message was stored; the original is "
		    "marked deleted (the server cannot expunge it alone).");
		expunged(ui->s.client, NULL, e);
		return;
	}
	/* The server's EXPUNGE responses reach the model (nobody claims
	 * them here). */
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "UID EXPUNGE %u", e->uid);
	imap_cmd_submit(cmd, expunged, e);
}

static void
expunged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct edit	*e = arg;
	struct ui	*ui = e->ui;

	if (current != e)
		return;
	if (r != NULL)
		ui_message(ui, "Message %u replaced by the edited one.", e->uid);
	if (e->new_uid == 0) {
		edit_free(e);
		return;
	}
	/* The new message comes through EXISTS; once it is in the index the
	 * cursor (and the pager) go to it. */
	e->follow = ev_timer_new(ui->s.loop, follow, e);
	e->follow_until = ev_now(ui->s.loop) + EDIT_FOLLOW_MS;
	follow(e);
}

static void
follow(void *arg)
{
	struct edit	*e = arg;
	struct ui	*ui = e->ui;

	if (ui->folder == NULL || ev_now(ui->s.loop) > e->follow_until) {
		edit_free(e);
		return;
	}
	if (mail_folder_by_uid(ui->folder, e->new_uid) == NULL) {
		ev_timer_start(e->follow, EDIT_FOLLOW_STEP_MS);
		return;
	}
	index_follow_uid(ui, e->new_uid);
	if (e->in_pager) {
		while (ui->top != &ui->index.view)
			ui_pop_view(ui);
		pager_open(ui, e->new_uid);
	}
	ui_redraw(ui);
	edit_free(e);
}

static void
edit_free(struct edit *e)
{
	if (current == e)
		current = NULL;
	ev_timer_free(&e->follow);
	free(e->keywords);
	buf_free(&e->raw);
	free(e);
}

void
edit_cleanup(struct ui *ui)
{
	/* Commands in flight answer into nothing: current is gone. */
	if (current != NULL)
		edit_free(current);
}
