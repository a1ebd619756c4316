/*
 * The folder list the browser, the sidebar and folder-name completion
 * share: one LIST (with SUBSCRIBED, SPECIAL-USE and, where the server
 * has LIST-STATUS, the counts), else LIST, LSUB and the STATUS commands
 * pipelined behind it. Rounds run on the event loop when the list is
 * first needed, on demand, and every status_interval; a round replaces
 * the list only when it is complete, so what is shown never half-empties.
 * The open folder's counts come from the model, live. Other users' and
 * shared namespaces (RFC 2342) are listed by their own prefixes too.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* The order of special-use folders at the top of every list. */
static const char *const roles[] = {
	"INBOX", "\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive",
};
#define NROLES		(sizeof roles / sizeof roles[0])

struct folder_list {
	struct ui		*ui;		/* borrowed */
	struct ui_folder	*v;		/* owned: the shown list, sorted */
	size_t			 n;
	struct ui_folder	*next;		/* owned: the round being built */
	size_t			 nnext;
	char			**subscribed;	/* owned: LSUB names of the round */
	size_t			 nsubscribed;
	unsigned		 pending;	/* commands of the round in flight */
	unsigned		 lists;		/* LIST commands of the round in flight */
	bool			 ns_later;	/* list the namespaces once known */
	bool			 busy;		/* a round runs */
	bool			 failed;	/* the round failed: keep the old list */
	bool			 loaded;	/* one round completed */
	struct ev_timer		*timer;		/* owned: status_interval */
};

static void folder_free(struct ui_folder *);
static void start_timer(struct folder_list *);
static void on_timer(void *);
static void send_list(struct folder_list *, struct imap_client *, const char *,
	    bool, bool, bool);
static void list_namespaces(struct folder_list *, struct imap_client *);
static void on_list(struct imap_client *, const struct imap_response *, void *);
static void on_lsub(struct imap_client *, const struct imap_response *, void *);
static void on_status(struct imap_client *, const struct imap_response *, void *);
static void list_done(struct imap_client *, const struct imap_response *, void *);
static void cmd_done(struct imap_client *, const struct imap_response *, void *);
static void round_step(struct folder_list *);
static void round_finish(struct folder_list *);
static int role_of(const struct ui_folder *);
static int folder_cmp(const void *, const void *);
static void arrange(struct ui_folder *, size_t);
static bool is_open(struct ui *, const struct ui_folder *);

static void
folder_free(struct ui_folder *f)
{
	free(f->raw);
	free(f->name);
	free(f->special_use);
}

static struct folder_list *
get(struct ui *ui)
{
	struct folder_list	*fl = ui->folders;

	if (fl == NULL) {
		fl = xcalloc(1, sizeof *fl);
		fl->ui = ui;
		ui->folders = fl;
	}
	return fl;
}

/* The timer belongs to the loop, which goes before the list may. */
void
folderlist_stop(struct ui *ui)
{
	if (ui->folders != NULL)
		ev_timer_free(&ui->folders->timer);
}

void
folderlist_free(struct ui *ui)
{
	struct folder_list	*fl = ui->folders;
	size_t			 i;

	if (fl == NULL)
		return;
	for (i = 0; i < fl->n; i++)
		folder_free(&fl->v[i]);
	for (i = 0; i < fl->nnext; i++)
		folder_free(&fl->next[i]);
	for (i = 0; i < fl->nsubscribed; i++)
		free(fl->subscribed[i]);
	free(fl->subscribed);
	free(fl->v);
	free(fl->next);
	ev_timer_free(&fl->timer);
	free(fl);
	ui->folders = NULL;
}

static void
start_timer(struct folder_list *fl)
{
	long	 secs = config_num(fl->ui->ctx->cfg, "status_interval");

	if (fl->timer == NULL)
		fl->timer = ev_timer_new(fl->ui->s.loop, on_timer, fl);
	ev_timer_start(fl->timer, (uint64_t)(secs > 0 ? secs : 60) * 1000);
}

static void
on_timer(void *arg)
{
	struct folder_list	*fl = arg;

	folderlist_refresh(fl->ui);
	if (fl->timer != NULL)
		start_timer(fl);
}

bool
folderlist_loaded(struct ui *ui)
{
	return ui->folders != NULL && ui->folders->loaded;
}

bool
folderlist_busy(struct ui *ui)
{
	return ui->folders != NULL && ui->folders->busy;
}

void
folderlist_refresh(struct ui *ui)
{
	struct folder_list	*fl = get(ui);
	struct imap_client	*c = ui->s.client;
	struct imap_cmd		*cmd;
	bool			 ext, su, ls;

	if (fl->timer == NULL && !ui->quit)
		start_timer(fl);
	if (fl->busy || c == NULL || ui->s.closed)
		return;
	switch (imap_client_state(c)) {
	case IMAP_STATE_AUTHENTICATED:
	case IMAP_STATE_SELECTED:
		break;
	default:
		return;
	}
	fl->busy = true;
	fl->failed = false;
	ext = imap_client_has_cap(c, "LIST-EXTENDED") || imap_client_has_cap(c, "IMAP4REV2");
	su = ext && (imap_client_has_cap(c, "SPECIAL-USE") || imap_client_has_cap(c, "IMAP4REV2"));
	ls = ext && imap_client_has_cap(c, "LIST-STATUS");

	/* NAMESPACE goes first, so it is answered before "*" is. */
	fl->ns_later = imap_client_namespaces(c) == NULL &&
	    imap_client_ask_namespaces(c);
	send_list(fl, c, "*", ext, su, ls);
	if (imap_client_namespaces(c) != NULL)
		list_namespaces(fl, c);
	if (!ext) {
		/* Old servers say what is subscribed only through LSUB. */
		cmd = imap_cmd_new(c, 0);
		imap_cmd_add(cmd, "LSUB \"\" \"*\"");
		imap_cmd_on_untagged(cmd, "LSUB", on_lsub);
		fl->pending++;
		imap_cmd_submit(cmd, cmd_done, fl);
	}
}

/* A LIST of each other users' and shared namespace's prefix. */
static void
list_namespaces(struct folder_list *fl, struct imap_client *c)
{
	const struct imap_namespaces	*ns = imap_client_namespaces(c);
	bool				 ext, su, ls;
	size_t				 i;

	fl->ns_later = false;
	if (ns == NULL)
		return;
	ext = imap_client_has_cap(c, "LIST-EXTENDED") || imap_client_has_cap(c, "IMAP4REV2");
	su = ext && (imap_client_has_cap(c, "SPECIAL-USE") || imap_client_has_cap(c, "IMAP4REV2"));
	ls = ext && imap_client_has_cap(c, "LIST-STATUS");
	for (i = 0; i < ns->nother; i++)
		send_list(fl, c, ns->other[i].prefix, ext, su, ls);
	for (i = 0; i < ns->nshared; i++)
		send_list(fl, c, ns->shared[i].prefix, ext, su, ls);
}

/* LIST "" "prefix*" (prefix "*": everything "*" reaches). An empty
 * prefix is the personal namespace, which "*" lists. */
static void
send_list(struct folder_list *fl, struct imap_client *c, const char *prefix,
    bool ext, bool su, bool ls)
{
	struct imap_cmd	*cmd;
	char		*pattern;

	if (*prefix == '\0')
		return;
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LIST \"\" ");
	if (strcmp(prefix, "*") == 0)
		imap_cmd_add(cmd, "\"*\"");
	else {
		pattern = xasprintf("%s*", prefix);
		imap_cmd_add_string(cmd, pattern);
		free(pattern);
	}
	if (ext)
		imap_cmd_add(cmd, " RETURN (SUBSCRIBED%s%s)", su ? " SPECIAL-USE" : "",
		    ls ? " STATUS (MESSAGES UNSEEN)" : "");
	imap_cmd_on_untagged(cmd, "LIST", on_list);
	imap_cmd_on_untagged(cmd, "STATUS", on_status);
	fl->pending++;
	fl->lists++;
	imap_cmd_submit(cmd, list_done, fl);
}

static void
on_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_list	*fl = arg;
	struct imap_list	 l;
	struct arena		*a = arena_new(0);
	struct ui_folder	*f;
	char			*error = NULL;
	size_t			 i;

	if (imap_list_parse(r, a, &l, &error) < 0) {
		/* One bad entry costs that entry, not the list. */
		free(error);
		arena_free(&a);
		return;
	}
	if (l.attrs & IMAP_MBOX_NONEXISTENT) {
		arena_free(&a);
		return;
	}
	/* A namespace's own LIST may repeat what "*" found. */
	for (i = 0; i < fl->nnext; i++) {
		if (strcmp(fl->next[i].raw, l.name) == 0) {
			arena_free(&a);
			return;
		}
	}
	fl->next = xreallocarray(fl->next, fl->nnext + 1, sizeof *fl->next);
	f = &fl->next[fl->nnext++];
	memset(f, 0, sizeof *f);
	f->raw = xstrdup(l.name);
	f->name = imap_client_mailbox_utf8(c, l.name);
	f->delimiter = l.delimiter;
	f->attrs = l.attrs;
	f->subscribed = (l.attrs & IMAP_MBOX_SUBSCRIBED) != 0;
	f->special_use = l.special_use != NULL ? xstrdup(l.special_use) : NULL;
	f->ns = mail_namespace_of(imap_client_namespaces(c), l.name);
	arena_free(&a);
}

static void
on_lsub(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_list	*fl = arg;
	struct imap_list	 l;
	struct arena		*a = arena_new(0);
	char			*error = NULL;

	if (imap_list_parse(r, a, &l, &error) == 0) {
		fl->subscribed = xreallocarray(fl->subscribed, fl->nsubscribed + 1,
		    sizeof *fl->subscribed);
		fl->subscribed[fl->nsubscribed++] = xstrdup(l.name);
	}
	free(error);
	arena_free(&a);
}

static void
on_status(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_list	*fl = arg;
	struct imap_status_data	 st;
	struct arena		*a = arena_new(0);
	char			*error = NULL;
	size_t			 i;

	if (imap_status_parse(r, a, &st, &error) < 0) {
		free(error);
		arena_free(&a);
		return;
	}
	for (i = 0; i < fl->nnext; i++) {
		struct ui_folder *f = &fl->next[i];

		if (strcmp(f->raw, st.mailbox) == 0 ||
		    (str_ieq(st.mailbox, "INBOX") && str_ieq(f->raw, "INBOX"))) {
			if ((st.have & IMAP_STATUS_MESSAGES) && (st.have & IMAP_STATUS_UNSEEN)) {
				f->has_counts = true;
				f->total = st.messages;
				f->unseen = st.unseen;
			}
			break;
		}
	}
	arena_free(&a);
}

static void
list_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct folder_list	*fl = arg;
	struct ui		*ui = fl->ui;
	struct imap_cmd		*cmd;
	size_t			 i;

	if (r->status != IMAP_STATUS_OK) {
		ui_message(ui, "Cannot list the folders: %s", r->text != NULL ?
		    r->text : "the server refused");
		fl->failed = true;
		fl->lists--;
		round_step(fl);
		return;
	}
	/* NAMESPACE, sent before this LIST, has been answered. */
	if (fl->ns_later)
		list_namespaces(fl, c);
	/* The counts are asked for once every LIST has answered. */
	if (--fl->lists > 0) {
		round_step(fl);
		return;
	}
	if (!imap_client_has_cap(c, "LIST-STATUS") || !(imap_client_has_cap(c,
	    "LIST-EXTENDED") || imap_client_has_cap(c, "IMAP4REV2"))) {
		/* No counts with the list: ask every folder at once. The open
		 * one is counted by the model (STATUS on it is discouraged). */
		for (i = 0; i < fl->nnext; i++) {
			if (fl->next[i].attrs & IMAP_MBOX_NOSELECT)
				continue;
			if (is_open(ui, &fl->next[i]))
				continue;
			cmd = imap_cmd_new(c, 0);
			imap_cmd_add(cmd, "STATUS ");
			imap_cmd_add_string(cmd, fl->next[i].raw);
			imap_cmd_add(cmd, " (MESSAGES UNSEEN)");
			imap_cmd_on_untagged(cmd, "STATUS", on_status);
			fl->pending++;
			imap_cmd_submit(cmd, cmd_done, fl);
		}
	}
	round_step(fl);
}

static void
cmd_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	/* A folder that cannot be counted is shown without counts. */
	round_step(arg);
}

static void
round_step(struct folder_list *fl)
{
	size_t	 i;

	if (--fl->pending > 0)
		return;
	if (!fl->failed)
		round_finish(fl);
	for (i = 0; i < fl->nnext; i++)
		folder_free(&fl->next[i]);
	x_free(&fl->next);
	fl->nnext = 0;
	for (i = 0; i < fl->nsubscribed; i++)
		free(fl->subscribed[i]);
	x_free(&fl->subscribed);
	fl->nsubscribed = 0;
	fl->busy = false;
	ui_redraw(fl->ui);
}

/* The new list replaces the old; a folder whose unread count went up
 * since the last round has new mail (the first round only learns). */
static void
round_finish(struct folder_list *fl)
{
	struct ui_folder	*old;
	size_t			 i, j;

	for (i = 0; i < fl->nnext; i++) {
		struct ui_folder *f = &fl->next[i];

		for (j = 0; j < fl->nsubscribed; j++) {
			if (strcmp(fl->subscribed[j], f->raw) == 0)
				f->subscribed = true;
		}
		if (str_ieq(f->raw, "INBOX"))
			f->subscribed = true;
		if ((old = folderlist_find(fl->ui, f->name)) == NULL)
			continue;
		f->new_mail = old->new_mail;
		if (fl->loaded && f->has_counts && old->has_counts &&
		    f->unseen > old->unseen && !is_open(fl->ui, f) && !fl->ui->quit) {
			f->new_mail = true;
			status_new_mail(fl->ui, f->name, f->unseen - old->unseen);
		}
		if (f->unseen == 0 && f->has_counts)
			f->new_mail = false;
	}
	arrange(fl->next, fl->nnext);
	for (i = 0; i < fl->n; i++)
		folder_free(&fl->v[i]);
	free(fl->v);
	fl->v = fl->next;
	fl->n = fl->nnext;
	fl->next = NULL;
	fl->nnext = 0;
	fl->loaded = true;
}

static int
role_of(const struct ui_folder *f)
{
	size_t	 i;

	if (str_ieq(f->raw, "INBOX"))
		return 0;
	if (f->special_use == NULL)
		return (int)NROLES;
	for (i = 1; i < NROLES; i++) {
		if (strcmp(f->special_use, roles[i]) == 0)
			return (int)i;
	}
	return (int)NROLES;
}

/* Special-use folders first, then the tree: a parent before its
 * children, the hierarchy delimiter sorting before any character. */
static int
folder_cmp(const void *a, const void *b)
{
	const struct ui_folder	*fa = a, *fb = b;
	const unsigned char	*p, *q;
	int			 ra = role_of(fa), rb = role_of(fb), ca, cb;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	for (p = (const unsigned char *)fa->name, q = (const unsigned char *)fb->name;
	    *p != '\0' && *q != '\0'; p++, q++) {
		ca = fa->delimiter != 0 && *p == (unsigned char)fa->delimiter ? 1 : *p;
		cb = fb->delimiter != 0 && *q == (unsigned char)fb->delimiter ? 1 : *q;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return *p != '\0' ? 1 : (*q != '\0' ? -1 : 0);
}

/* Sorts and works out each folder's depth and the name to show: the last
 * part under a listed parent, else the whole name. */
static void
arrange(struct ui_folder *v, size_t n)
{
	const char	*cut;
	size_t		 i, j, plen;

	qsort(v, n, sizeof *v, folder_cmp);
	for (i = 0; i < n; i++) {
		v[i].role = role_of(&v[i]) < (int)NROLES;
		v[i].depth = 0;
		v[i].label = v[i].name;
		if (v[i].delimiter == 0)
			continue;
		cut = strrchr(v[i].name, v[i].delimiter);
		if (v[i].role) {
			/* "INBOX.Sent" is Sent at the top. */
			if (cut != NULL && cut[1] != '\0')
				v[i].label = cut + 1;
			continue;
		}
		if (cut == NULL)
			continue;
		plen = (size_t)(cut - v[i].name);
		for (j = i; j-- > 0;) {
			if (!v[j].role && strlen(v[j].name) == plen &&
			    strncmp(v[j].name, v[i].name, plen) == 0) {
				v[i].depth = v[j].depth + 1;
				v[i].label = cut + 1;
				break;
			}
		}
	}
}

static bool
is_open(struct ui *ui, const struct ui_folder *f)
{
	const char	*open;

	if (ui->folder == NULL)
		return false;
	open = mail_folder_name(ui->folder);
	return strcmp(open, f->name) == 0 ||
	    (str_ieq(open, "INBOX") && str_ieq(f->name, "INBOX"));
}

const struct ui_folder *
folderlist_get(struct ui *ui, size_t *n)
{
	struct folder_list	*fl = ui->folders;

	*n = fl != NULL ? fl->n : 0;
	return fl != NULL ? fl->v : NULL;
}

struct ui_folder *
folderlist_find(struct ui *ui, const char *name)
{
	struct folder_list	*fl = ui->folders;
	size_t			 i;

	if (fl == NULL)
		return NULL;
	for (i = 0; i < fl->n; i++) {
		if (strcmp(fl->v[i].name, name) == 0 ||
		    (str_ieq(name, "INBOX") && str_ieq(fl->v[i].name, "INBOX")))
			return &fl->v[i];
	}
	return NULL;
}

bool
folderlist_is_open(struct ui *ui, const struct ui_folder *f)
{
	return is_open(ui, f);
}

bool
folderlist_counts(struct ui *ui, const struct ui_folder *f, uint32_t *total,
    uint32_t *unseen)
{
	if (is_open(ui, f) && ui->opened) {
		status_counts(ui, total, unseen, NULL, NULL);
		return true;
	}
	*total = f->total;
	*unseen = f->unseen;
	return f->has_counts;
}

void
folderlist_seen(struct ui *ui, const char *name)
{
	struct ui_folder	*f = folderlist_find(ui, name);

	if (f != NULL)
		f->new_mail = false;
}

bool
folderlist_shown(struct ui *ui, const struct ui_folder *f, bool subscribed_only,
    bool mailboxes)
{
	const char *const	*mb;
	size_t			 n, i;

	if (str_ieq(f->name, "INBOX") || is_open(ui, f))
		return true;
	mb = config_mailboxes(ui->ctx->cfg, &n);
	if (mailboxes && n > 0) {
		/* `mailboxes` names the folders to show. */
		for (i = 0; i < n; i++) {
			const char *m = mb[i];

			if (*m == '=' || *m == '+')
				m++;
			if (strcmp(m, f->name) == 0)
				return true;
		}
		return false;
	}
	return !subscribed_only || f->subscribed;
}

/*
 * Completes a folder name: the whole line is the name (names may hold
 * spaces). Unique: the full name; several: their common prefix, and the
 * choices on the status line. The list is loaded on first use.
 */
void
folders_complete(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	struct folder_list	*fl = ui->folders;
	struct buf		 choices = BUF_INIT;
	const char		*typed, *first = NULL;
	size_t			 len, i, common = 0, matches = 0, skip = 0;

	if (fl == NULL || !fl->loaded) {
		folderlist_refresh(ui);
		ui_message(ui, "Loading the folder list; press Tab again.");
		return;
	}
	typed = line->data != NULL ? buf_cstr(line) : "";
	/* mutt's =name and +name: the same folder here. */
	if (*typed == '=' || *typed == '+')
		skip = 1;
	typed += skip;
	len = *cursor > skip ? *cursor - skip : 0;
	for (i = 0; i < fl->n; i++) {
		const char *name = fl->v[i].name;

		if (fl->v[i].attrs & IMAP_MBOX_NOSELECT)
			continue;
		if (strncmp(name, typed, len) != 0 &&
		    !(str_has_iprefix("INBOX", typed) && len <= 5 &&
		    str_ieq(name, "INBOX")))
			continue;
		if (matches++ == 0) {
			first = name;
			common = strlen(first);
		} else {
			size_t k = 0;

			while (k < common && first[k] == name[k])
				k++;
			common = k;
		}
		if (choices.len < 300)
			buf_printf(&choices, "%s%s", choices.len ? "  " : "", name);
	}
	if (matches == 0) {
		ui_message(ui, "No folder starts with that.");
		buf_free(&choices);
		return;
	}
	if (common >= len || matches == 1) {
		/* Replace what was typed: INBOX may have been typed "inb". */
		buf_truncate(line, skip);
		buf_add(line, first, common);
		*cursor = line->len;
	}
	if (matches > 1)
		ui_message(ui, "%s", choices.data);
	buf_free(&choices);
}

const struct ui_folder *
folderlist_next_unread(struct ui *ui)
{
	const struct ui_folder	*all;
	size_t			 n, i, at = 0, k;
	uint32_t		 total, unseen;

	all = folderlist_get(ui, &n);
	if (!folderlist_loaded(ui))
		return NULL;
	for (i = 0; i < n; i++) {
		if (folderlist_is_open(ui, &all[i]))
			at = i;
	}
	for (k = 1; k <= n; k++) {
		i = (at + k) % n;
		if (folderlist_is_open(ui, &all[i]) ||
		    (all[i].attrs & IMAP_MBOX_NOSELECT) ||
		    !folderlist_counts(ui, &all[i], &total, &unseen) || unseen == 0)
			continue;
		return &all[i];
	}
	return NULL;
}
