/*
 * The index's operations: tags and ';', patterns for limit, tag and
 * delete (answered locally, or by a server search when they need the
 * body), flags and keywords (set-flag, clear-flag), moves and copies
 * (creating a missing destination on [TRYCREATE] when the user says so),
 * and sync-mailbox.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/mail_journal.h"
#include "crispin/mail_query.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "index_p.h"

static bool targets(struct ui *, struct index_state *, struct imap_seqset *);
static bool thread_targets(struct ui *, struct index_state *, struct imap_seqset *);
static void resolve(struct ui *, struct index_state *, bool);
static void store(struct ui *, const struct imap_seqset *, bool, unsigned);
static void set_flag(struct ui *, struct index_state *, bool, unsigned);
static void thread_flag(struct ui *, struct index_state *, bool, unsigned);
static void toggle_flag(struct ui *, struct index_state *, unsigned, bool);
static void use_result(struct ui *, struct index_state *, enum pattern_use,
	    const struct imap_seqset *, uint32_t);
static uint32_t all_uids(struct ui *, struct imap_seqset *);
static uint32_t match_local(struct ui *, const struct mail_query *,
	    struct imap_seqset *, bool *);
static void search_untagged(struct imap_client *, const struct imap_response *,
	    void *);
static void search_done(struct imap_client *, const struct imap_response *, void *);
static void search_server(struct ui *, struct index_state *, struct mail_query *,
	    const char *, enum pattern_use);
static void pattern_done(struct ui *, const char *, void *);
static void ask_pattern(struct ui *, const char *, enum pattern_use);
static void flag_complete(struct ui *, struct buf *, size_t *, void *);
static void flag_done(struct ui *, const char *, void *);
static void ask_flag(struct ui *, struct index_state *, bool);
static void transfer_report(struct ui *, int, const struct mail_op_result *, bool);
static void transfer_moved(struct mail_folder *, int, const struct mail_op_result *,
	    void *);
static void transfer_copied(struct mail_folder *, int, const struct mail_op_result *,
	    void *);
static void transfer_free(struct transfer *);
static void ask_create(struct ui *, const struct mail_op_result *, bool);
static void create_confirmed(struct ui *, bool, void *);
static void created(struct imap_client *, const struct imap_response *, void *);
static void transfer_done(struct ui *, const char *, void *);
static void ask_folder(struct ui *, struct index_state *, bool);
static const char *role_folder(struct ui *, const char *, const char *,
	    const char *);
static void purge_free(struct purge *);
static void purge_moved(struct mail_folder *, int, const struct mail_op_result *,
	    void *);
static void purge_unmarked(struct mail_folder *, int, void *);
static void expunged(struct imap_client *, const struct imap_response *, void *);
static void purge(struct ui *, bool, void *);

/* The UIDs a function acts on: the tagged ones after ';', else the
 * current message. False (said) when there is none. */
static bool
targets(struct ui *ui, struct index_state *st, struct imap_seqset *set)
{
	const struct mail_msg	*m;
	size_t			 i;

	imap_seqset_init(set);
	if (st->apply_tagged) {
		for (i = 0; i < st->tagged.n; i++)
			imap_seqset_add(set, st->tagged.v[i], st->tagged.v[i]);
	} else if ((m = index_current(ui, st)) != NULL && m->uid != 0)
		imap_seqset_add(set, m->uid, m->uid);
	if (set->count == 0) {
		ui_message(ui, st->apply_tagged ? "No tagged messages." :
		    "No message here yet.");
		imap_seqset_free(set);
		return false;
	}
	imap_seqset_normalize(set);
	return true;
}

/* The UIDs of the current message's thread (or the message alone). */
static bool
thread_targets(struct ui *ui, struct index_state *st, struct imap_seqset *set)
{
	const struct mail_msg	*m;
	size_t			 r, root;

	if (st->rows == NULL || st->nvis == 0)
		return targets(ui, st, set);
	imap_seqset_init(set);
	root = st->rows[st->vis[st->cursor]].root;
	for (r = root; r < st->nrows && st->rows[r].root == root; r++) {
		if ((m = mail_folder_msg(ui->folder, st->seqs[r])) != NULL && m->uid != 0)
			imap_seqset_add(set, m->uid, m->uid);
	}
	imap_seqset_normalize(set);
	return set->count > 0;
}

/* mutt's resolve: after acting on one message, go to the next (the next
 * undeleted one after a delete or a flag change, as mutt does; none:
 * the cursor stays). */
static void
resolve(struct ui *ui, struct index_state *st, bool undeleted)
{
	if (st->apply_tagged || ui_top_view(ui) != &ui->index.view)
		return;
	if (undeleted)
		index_step(ui, 1, "undeleted");
	else if (st->cursor + 1 < st->nvis)
		index_set_cursor(ui, st, st->cursor + 1);
}

static void
store(struct ui *ui, const struct imap_seqset *set, bool add, unsigned flag)
{
	if (mail_folder_readonly(ui->folder)) {
		ui_message(ui, "The folder is read-only.");
		return;
	}
	mail_folder_store_flags(ui->folder, set, add, flag, NULL, NULL, NULL);
}

static void
set_flag(struct ui *ui, struct index_state *st, bool add, unsigned flag)
{
	struct imap_seqset	 set;

	if (!targets(ui, st, &set))
		return;
	store(ui, &set, add, flag);
	imap_seqset_free(&set);
	resolve(ui, st, add);
}

void
index_op_delete(struct ui *ui, struct index_state *st)
{
	set_flag(ui, st, true, IMAP_FLAG_DELETED);
}

void
index_op_undelete(struct ui *ui, struct index_state *st)
{
	set_flag(ui, st, false, IMAP_FLAG_DELETED);
}

static void
thread_flag(struct ui *ui, struct index_state *st, bool add, unsigned flag)
{
	struct imap_seqset	 set;

	if (!thread_targets(ui, st, &set))
		return;
	store(ui, &set, add, flag);
	imap_seqset_free(&set);
}

void
index_op_delete_thread(struct ui *ui, struct index_state *st)
{
	thread_flag(ui, st, true, IMAP_FLAG_DELETED);
}

void
index_op_undelete_thread(struct ui *ui, struct index_state *st)
{
	thread_flag(ui, st, false, IMAP_FLAG_DELETED);
}

void
index_op_read_thread(struct ui *ui, struct index_state *st)
{
	thread_flag(ui, st, true, IMAP_FLAG_SEEN);
}

/* Toggles flag: when_set names the state the toggle looks for; when all
 * are in it they leave it, else all enter it. */
static void
toggle_flag(struct ui *ui, struct index_state *st, unsigned flag, bool when_set)
{
	struct imap_seqset	 set;
	const struct mail_msg	*m;
	size_t			 i;
	uint32_t		 uid;
	bool			 all = true;

	if (!targets(ui, st, &set))
		return;
	for (i = 0; i < set.count && all; i++) {
		for (uid = set.ranges[i].lo; uid <= set.ranges[i].hi && all; uid++) {
			m = mail_folder_by_uid(ui->folder, uid);
			if (m != NULL && ((m->flags & flag) != 0) != when_set)
				all = false;
			if (uid == UINT32_MAX)
				break;
		}
	}
	store(ui, &set, when_set ? !all : all, flag);
	imap_seqset_free(&set);
	resolve(ui, st, true);
}

void
index_op_toggle_new(struct ui *ui, struct index_state *st)
{
	/* New means not \Seen: the toggle clears \Seen when all have it. */
	toggle_flag(ui, st, IMAP_FLAG_SEEN, false);
}

void
index_op_flag(struct ui *ui, struct index_state *st)
{
	toggle_flag(ui, st, IMAP_FLAG_FLAGGED, true);
}

/*
 * set-flag and clear-flag: the flags or keywords named (several may be
 * given, space-separated), on the current message or the tagged ones,
 * as one UID STORE. What the folder cannot keep is refused up front.
 */
struct flag_ask {
	struct imap_seqset uids;
	bool		 add;
	unsigned	 gen;
};

static const char *const system_flags[] = {
	"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft",
};

/* Tab: the system flags, PERMANENTFLAGS' keywords and those in use. */
static void
flag_complete(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	struct buf		 all = BUF_INIT;
	const struct mail_msg	*m;
	const char		*kw, **words = NULL;
	char			*copy, *w, *save = NULL;
	uint32_t		 seq, count = mail_folder_count(ui->folder);
	size_t			 i, n = 0, len;

	for (i = 0; i < sizeof system_flags / sizeof system_flags[0]; i++)
		buf_printf(&all, "%s%s", all.len ? " " : "", system_flags[i]);
	if ((kw = mail_folder_permanent_keywords(ui->folder)) != NULL)
		buf_printf(&all, " %s", kw);
	for (seq = 1; seq <= count && all.len < 4096; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		for (kw = m->keywords; kw != NULL && *kw != '\0'; kw += len) {
			kw += strspn(kw, " ");
			len = strcspn(kw, " ");
			if (len == 0)
				break;
			copy = xstrndup(kw, len);
			if (!mail_keywords_has(buf_cstr(&all), copy))
				buf_printf(&all, " %s", copy);
			free(copy);
		}
	}
	copy = xstrdup(buf_cstr(&all));
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		words = xreallocarray(words, n + 1, sizeof *words);
		words[n++] = w;
	}
	prompt_complete_words(ui, line, cursor, words, n);
	free(words);
	free(copy);
	buf_free(&all);
}

static void
flag_done(struct ui *ui, const char *text, void *arg)
{
	struct flag_ask		*fa = arg;
	struct index_state	*st = ui->index.st;
	const char		**keywords = NULL;
	char			*copy = NULL, *w, *save = NULL, *error = NULL;
	unsigned		 flags = 0, bit;
	size_t			 nkw = 0;
	uint64_t		 n;

	if (st != NULL && st->asking_flag == fa)
		st->asking_flag = NULL;
	if (text == NULL || st == NULL || fa->gen != st->gen || ui->folder == NULL)
		goto out;
	copy = xstrdup(text);
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		/* Clearing what the folder cannot keep is harmless. */
		if (fa->add && mail_folder_flag_allowed(ui->folder, w, &error) < 0) {
			ui_message(ui, "%s", error);
			free(error);
			goto out;
		}
		if (w[0] == '\\') {
			bit = mail_flag_bit(w);
			if (bit == 0 || bit == IMAP_FLAG_RECENT || bit == IMAP_FLAG_ANY) {
				ui_message(ui, "%s is no flag that can be set or cleared.", w);
				goto out;
			}
			flags |= bit;
		} else if (!mail_keyword_valid(w)) {
			ui_message(ui, "'%s' is not a valid keyword.", w);
			goto out;
		} else {
			keywords = xreallocarray(keywords, nkw + 2, sizeof *keywords);
			keywords[nkw++] = w;
			keywords[nkw] = NULL;
		}
	}
	if (flags == 0 && nkw == 0)
		goto out;
	if (mail_folder_readonly(ui->folder)) {
		ui_message(ui, "The folder is read-only.");
		goto out;
	}
	mail_folder_store_flags(ui->folder, &fa->uids, fa->add, flags, keywords,
	    NULL, NULL);
	n = imap_seqset_count(&fa->uids, UINT32_MAX);
	ui_message(ui, "%s %s %llu message%s.", text, fa->add ? "set on" :
	    "cleared from", (unsigned long long)n, n == 1 ? "" : "s");
out:
	free(keywords);
	free(copy);
	imap_seqset_free(&fa->uids);
	free(fa);
}

static void
ask_flag(struct ui *ui, struct index_state *st, bool add)
{
	struct flag_ask	*fa = xcalloc(1, sizeof *fa);

	if (!targets(ui, st, &fa->uids)) {
		free(fa);
		return;
	}
	fa->add = add;
	fa->gen = st->gen;
	if (st->asking_flag != NULL) {
		imap_seqset_free(&st->asking_flag->uids);
		free(st->asking_flag);
	}
	st->asking_flag = fa;
	ui_prompt(ui, add ? "Set flag: " : "Clear flag: ", NULL, PROMPT_OTHER,
	    flag_complete, flag_done, fa);
}

void
index_op_set_flag(struct ui *ui, struct index_state *st)
{
	ask_flag(ui, st, true);
}

void
index_op_clear_flag(struct ui *ui, struct index_state *st)
{
	ask_flag(ui, st, false);
}

void
index_op_tag(struct ui *ui, struct index_state *st)
{
	const struct mail_msg	*m = index_current(ui, st);

	if (m == NULL || m->uid == 0) {
		ui_message(ui, "No message here yet.");
		return;
	}
	if (index_uidset_has(&st->tagged, m->uid))
		index_uidset_del(&st->tagged, m->uid);
	else
		index_uidset_add(&st->tagged, m->uid);
	resolve(ui, st, false);
}

void
index_op_tag_thread(struct ui *ui, struct index_state *st)
{
	struct imap_seqset	 set;
	const struct mail_msg	*m = index_current(ui, st);
	size_t			 i;
	uint32_t		 uid;
	bool			 tag;

	if (m == NULL || !thread_targets(ui, st, &set))
		return;
	tag = !index_uidset_has(&st->tagged, m->uid);
	for (i = 0; i < set.count; i++) {
		for (uid = set.ranges[i].lo; uid <= set.ranges[i].hi; uid++) {
			if (tag)
				index_uidset_add(&st->tagged, uid);
			else
				index_uidset_del(&st->tagged, uid);
			if (uid == UINT32_MAX)
				break;
		}
	}
	imap_seqset_free(&set);
}

void
index_op_tag_prefix(struct ui *ui, struct index_state *st)
{
	if (st->tagged.n == 0) {
		ui_message(ui, "No tagged messages.");
		return;
	}
	st->tag_prefix = true;
	ui_message(ui, "tag-");
}

size_t
index_tagged_count(struct ui *ui)
{
	return ui->index.st != NULL ? ui->index.st->tagged.n : 0;
}

bool
index_tag_prefix_pending(struct ui *ui)
{
	return ui->index.st != NULL && ui->index.st->tag_prefix;
}

/* A pattern's result (UIDs that match) put to use. */
static void
use_result(struct ui *ui, struct index_state *st, enum pattern_use use,
    const struct imap_seqset *uids, uint32_t n)
{
	uint32_t	 uid;
	size_t		 i;

	switch (use) {
	case USE_LIMIT:
		break;
	case USE_TAG:
	case USE_UNTAG:
		for (i = 0; i < uids->count; i++) {
			for (uid = uids->ranges[i].lo; uid <= uids->ranges[i].hi; uid++) {
				if (use == USE_TAG)
					index_uidset_add(&st->tagged, uid);
				else
					index_uidset_del(&st->tagged, uid);
				if (uid == UINT32_MAX)
					break;
			}
		}
		ui_message(ui, "%u message%s %s.", n, n == 1 ? "" : "s",
		    use == USE_TAG ? "tagged" : "untagged");
		break;
	case USE_DELETE:
	case USE_UNDELETE:
		if (n == 0) {
			ui_message(ui, "No messages matched.");
			break;
		}
		store(ui, uids, use == USE_DELETE, IMAP_FLAG_DELETED);
		break;
	}
}

/* Every message of the folder whose UID is known. */
static uint32_t
all_uids(struct ui *ui, struct imap_seqset *set)
{
	const struct mail_msg	*m;
	uint32_t		 count = mail_folder_count(ui->folder), seq, n = 0;

	imap_seqset_init(set);
	for (seq = 1; seq <= count; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		if (m->uid != 0) {
			imap_seqset_add(set, m->uid, m->uid);
			n++;
		}
	}
	imap_seqset_normalize(set);
	return n;
}

/* The local answer: the UIDs where the pattern is certainly true.
 * *unknown says whether some message needs the server to decide. */
static uint32_t
match_local(struct ui *ui, const struct mail_query *q, struct imap_seqset *set,
    bool *unknown)
{
	const struct mail_msg	*m;
	struct buf		 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	uint32_t		 count = mail_folder_count(ui->folder), seq, n = 0;
	size_t			 i;

	*unknown = false;
	imap_seqset_init(set);
	for (seq = 1; seq <= count; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		if (!(m->state & MAIL_MSG_HEADERS) || m->uid == 0)
			continue;
		switch (index_evaluate(q, m, b)) {
		case MAIL_QUERY_YES:
			imap_seqset_add(set, m->uid, m->uid);
			n++;
			break;
		case MAIL_QUERY_UNKNOWN:
			*unknown = true;
			break;
		case MAIL_QUERY_NO:
			break;
		}
	}
	imap_seqset_normalize(set);
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	return n;
}

static void
search_untagged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct search		*se = arg;

	(void)imap_esearch_collect(r, &se->found);
}

static void
search_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct search		*se = arg;
	struct ui		*ui = se->ui;
	struct index_state	*st = ui->index.st;
	struct imap_seqset	 keep;
	const struct mail_msg	*m;
	struct buf		 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	uint32_t		 uid, n = 0;
	size_t			 i;

	if (st == NULL || se->gen != st->gen)
		goto out;
	if (st->searching > 0)
		st->searching--;
	if (r->status != IMAP_STATUS_OK) {
		char *text = str_sanitize(r->text != NULL ? r->text : "");

		ui_message(ui, "The server could not search: %s", text);
		free(text);
		goto out;
	}
	imap_seqset_normalize(&se->found);
	if (se->use == USE_LIMIT) {
		index_uidset_clear(&st->limit_uids);
		for (i = 0; i < se->found.count; i++) {
			for (uid = se->found.ranges[i].lo; uid <= se->found.ranges[i].hi;
			    uid++) {
				index_uidset_add(&st->limit_uids, uid);
				if (uid == UINT32_MAX)
					break;
			}
		}
		st->limit_by_server = true;
		st->limit_pending = false;
		st->dirty = true;
		st->built_at = 0;
		index_state_of(ui);
		ui_message(ui, "%zu message%s match%s.", st->nvis,
		    st->nvis == 1 ? "" : "s", st->nvis == 1 ? "es" : "");
		goto out;
	}
	/* The server's answer, less what the local part rules out. */
	imap_seqset_init(&keep);
	for (i = 0; i < se->found.count; i++) {
		for (uid = se->found.ranges[i].lo; uid <= se->found.ranges[i].hi; uid++) {
			if ((m = mail_folder_by_uid(ui->folder, uid)) != NULL &&
			    index_evaluate(se->q, m, b) != MAIL_QUERY_NO) {
				imap_seqset_add(&keep, uid, uid);
				n++;
			}
			if (uid == UINT32_MAX)
				break;
		}
	}
	imap_seqset_normalize(&keep);
	use_result(ui, st, se->use, &keep, n);
	imap_seqset_free(&keep);
out:
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	if (ui->index.st != NULL)
		ui_redraw(ui);
	imap_seqset_free(&se->found);
	mail_query_free(&se->q);
	free(se->text);
	free(se);
}

/* Asks the server (body text and the like); the answer comes later. */
static void
search_server(struct ui *ui, struct index_state *st, struct mail_query *q,
    const char *text, enum pattern_use use)
{
	struct search		*se;
	struct mail_query_imap	 mq;
	struct imap_cmd		*cmd;
	size_t			 i;

	if (ui->s.client == NULL || ui->s.closed || mail_folder_offline(ui->folder)) {
		ui_message(ui, "\"%s\" needs the server, which is not connected.", text);
		mail_query_free(&q);
		return;
	}
	se = xcalloc(1, sizeof *se);
	se->ui = ui;
	se->gen = st->gen;
	se->use = use;
	se->q = q;
	se->text = xstrdup(text);
	imap_seqset_init(&se->found);
	mail_query_to_imap(q, &mq);
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "UID SEARCH %s%s",
	    imap_client_has_cap(ui->s.client, "ESEARCH") ? "RETURN (ALL) " : "",
	    mq.needs_utf8 ? "CHARSET UTF-8 " : "");
	for (i = 0; i < mq.nparts; i++) {
		if (mq.parts[i].is_string)
			imap_cmd_add_string(cmd, mq.parts[i].text);
		else
			imap_cmd_add(cmd, "%s", mq.parts[i].text);
	}
	mail_query_imap_free(&mq);
	imap_cmd_on_untagged(cmd, "SEARCH", search_untagged);
	imap_cmd_on_untagged(cmd, "ESEARCH", search_untagged);
	imap_cmd_submit(cmd, search_done, se);
	st->searching++;
	ui_message(ui, "Searching the server for %s... (Ctrl-G stops)", text);
}

static void
pattern_done(struct ui *ui, const char *text, void *arg)
{
	struct index_state	*st = index_state_of(ui);
	enum pattern_use	 use = (enum pattern_use)(intptr_t)arg;
	struct mail_query	*q;
	struct imap_seqset	 set;
	char			*ours, *error = NULL;
	uint32_t		 n;
	bool			 unknown;

	if (text == NULL)
		return;
	while (*text == ' ')
		text++;
	if (use == USE_LIMIT && (*text == '\0' || strcmp(text, "all") == 0 ||
	    strcmp(text, "~A") == 0 || strcmp(text, ".") == 0)) {
		x_free(&st->limit_text);
		mail_query_free(&st->limit);
		index_uidset_clear(&st->limit_uids);
		st->limit_by_server = false;
		st->limit_pending = false;
		st->dirty = true;
		st->built_at = 0;
		st->gen++;
		st->searching = 0;
		ui_message(ui, "Limit cleared.");
		return;
	}
	if (*text == '\0')
		return;
	if (strcmp(text, "all") == 0 || strcmp(text, "~A") == 0 ||
	    strcmp(text, ".") == 0) {
		/* Every message (T~A then ;w \Seen: the folder read). */
		n = all_uids(ui, &set);
		use_result(ui, st, use, &set, n);
		imap_seqset_free(&set);
		return;
	}
	ours = index_translate_pattern(text);
	if (mail_query_parse(ours, time(NULL), &q, &error) < 0) {
		ui_message(ui, "%s in \"%s\"", error, text);
		free(error);
		free(ours);
		return;
	}
	free(ours);
	if (use == USE_LIMIT) {
		mail_query_free(&st->limit);
		free(st->limit_text);
		st->limit_text = xstrdup(text);
		st->limit = q;
		st->limit_by_server = false;
		index_uidset_clear(&st->limit_uids);
		st->gen++;
		st->searching = 0;
		st->limit_pending = false;
		match_local(ui, q, &set, &unknown);
		imap_seqset_free(&set);
		if (unknown) {
			/* Shows nothing until the server answers. */
			st->limit_by_server = true;
			st->limit_pending = true;
			if (mail_query_parse(text, time(NULL), &q, &error) < 0) {
				free(error);
				return;
			}
			search_server(ui, st, q, text, use);
		}
		st->dirty = true;
		st->built_at = 0;
		index_state_of(ui);
		/* Offline the cache answers as of the last sync: what came
		 * since is not in it, so the answer may be partial. */
		if (!unknown && ui->folder != NULL && mail_folder_offline(ui->folder))
			ui_message(ui, "Partial, offline: %zu match%s in the cache",
			    st->nvis, st->nvis == 1 ? "" : "es");
		else if (!unknown && st->nvis == 0)
			ui_message(ui, "No messages match \"%s\".", text);
		return;
	}
	n = match_local(ui, q, &set, &unknown);
	if (unknown) {
		imap_seqset_free(&set);
		search_server(ui, st, q, text, use);
		return;
	}
	use_result(ui, st, use, &set, n);
	imap_seqset_free(&set);
	mail_query_free(&q);
}

static void
ask_pattern(struct ui *ui, const char *question, enum pattern_use use)
{
	/* Empty, as in mutt: history (Up) brings the last one back. */
	ui_prompt(ui, question, NULL, PROMPT_PATTERN, NULL, pattern_done,
	    (void *)(intptr_t)use);
}

void
index_op_limit(struct ui *ui, struct index_state *st)
{
	ask_pattern(ui, "Limit to messages matching: ", USE_LIMIT);
}

void
index_op_show_limit(struct ui *ui, struct index_state *st)
{
	if (st->limit_text == NULL)
		ui_message(ui, "No limit pattern is in effect.");
	else
		ui_message(ui, "Limit: %s", st->limit_text);
}

void
index_op_tag_pattern(struct ui *ui, struct index_state *st)
{
	ask_pattern(ui, "Tag messages matching: ", USE_TAG);
}

void
index_op_untag_pattern(struct ui *ui, struct index_state *st)
{
	ask_pattern(ui, "Untag messages matching: ", USE_UNTAG);
}

void
index_op_delete_pattern(struct ui *ui, struct index_state *st)
{
	ask_pattern(ui, "Delete messages matching: ", USE_DELETE);
}

void
index_op_undelete_pattern(struct ui *ui, struct index_state *st)
{
	ask_pattern(ui, "Undelete messages matching: ", USE_UNDELETE);
}


static void
transfer_report(struct ui *ui, int status, const struct mail_op_result *res, bool move)
{
	if (status < 0) {
		/* The error event said why; a missing folder may be made. */
		if (res->trycreate && res->dest != NULL)
			ask_create(ui, res, move);
		return;
	}
	if (res->queued)
		ui_message(ui, "%u message%s will go to %s when connected.", res->count,
		    res->count == 1 ? "" : "s", res->dest != NULL ? res->dest : "?");
	else if (res->marked_only)
		ui_message(ui, "%u message%s copied to %s and marked deleted "
		    "(the server cannot expunge them alone; $ does).", res->count,
		    res->count == 1 ? "" : "s", res->dest != NULL ? res->dest : "?");
	else if (res->dest != NULL)
		ui_message(ui, "%u message%s %s to %s.", res->count,
		    res->count == 1 ? "" : "s", res->expunged ? "moved" : "copied",
		    res->dest);
}

static void
transfer_moved(struct mail_folder *f, int status, const struct mail_op_result *res,
    void *arg)
{
	transfer_report(arg, status, res, true);
}

static void
transfer_copied(struct mail_folder *f, int status, const struct mail_op_result *res,
    void *arg)
{
	transfer_report(arg, status, res, false);
}

static void
transfer_free(struct transfer *t)
{
	imap_seqset_free(&t->uids);
	free(t->dest);
	free(t);
}

/* [TRYCREATE]: the server says the destination does not exist yet; ask
 * before making it, then do the same move or copy again. */
static void
ask_create(struct ui *ui, const struct mail_op_result *res, bool move)
{
	struct index_state	*st = ui->index.st;
	struct transfer		*t;
	char			*name, *question;
	size_t			 i;

	if (st == NULL || prompt_active(ui) || ui->s.client == NULL || ui->s.closed)
		return;
	/* No prompt is open: an earlier question was replaced unanswered. */
	if (st->asking_create != NULL)
		transfer_free(st->asking_create);
	t = xcalloc(1, sizeof *t);
	imap_seqset_init(&t->uids);
	for (i = 0; i < res->uids.count; i++)
		imap_seqset_add(&t->uids, res->uids.ranges[i].lo, res->uids.ranges[i].hi);
	t->move = move;
	t->gen = st->gen;
	t->ui = ui;
	t->dest = xstrdup(res->dest);
	st->asking_create = t;
	name = str_sanitize(t->dest);
	question = xasprintf("Create folder %s?", name);
	ui_confirm(ui, question, true, create_confirmed, t);
	free(question);
	free(name);
}

static void
create_confirmed(struct ui *ui, bool yes, void *arg)
{
	struct transfer		*t = arg;
	struct index_state	*st = ui->index.st;
	struct imap_cmd		*cmd;

	if (st != NULL && st->asking_create == t)
		st->asking_create = NULL;
	if (!yes || st == NULL || t->gen != st->gen || ui->s.client == NULL ||
	    ui->s.closed) {
		transfer_free(t);
		return;
	}
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "CREATE ");
	imap_cmd_add_mailbox(cmd, t->dest);
	imap_cmd_submit(cmd, created, t);
	ui_message(ui, "Creating %s...", t->dest);
}

static void
created(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct transfer		*t = arg;
	struct ui		*ui = t->ui;
	struct index_state	*st = ui->index.st;
	char			*text;

	if (r->status != IMAP_STATUS_OK) {
		text = str_sanitize(r->text != NULL ? r->text : "");
		ui_message(ui, "Cannot create %s: %s", t->dest, text);
		free(text);
	} else if (st != NULL && t->gen == st->gen && ui->folder != NULL) {
		folderlist_refresh(ui);
		if (t->move)
			mail_folder_move(ui->folder, &t->uids, t->dest, transfer_moved, ui);
		else
			mail_folder_copy(ui->folder, &t->uids, t->dest, transfer_copied, ui);
	}
	transfer_free(t);
}

static void
transfer_done(struct ui *ui, const char *text, void *arg)
{
	struct transfer		*t = arg;
	struct index_state	*st = ui->index.st;

	if (st != NULL && st->asking_transfer == t)
		st->asking_transfer = NULL;

	if (text != NULL && *text != '\0' && st != NULL && t->gen == st->gen) {
		if (t->move)
			mail_folder_move(ui->folder, &t->uids, text, transfer_moved, ui);
		else
			mail_folder_copy(ui->folder, &t->uids, text, transfer_copied, ui);
		if (t->move)
			index_uidset_clear(&st->tagged);
	}
	imap_seqset_free(&t->uids);
	free(t);
}

static void
ask_folder(struct ui *ui, struct index_state *st, bool move)
{
	struct transfer	*t = xcalloc(1, sizeof *t);
	char		 question[64];
	uint64_t	 n;

	if (!targets(ui, st, &t->uids)) {
		free(t);
		return;
	}
	t->move = move;
	t->gen = st->gen;
	n = imap_seqset_count(&t->uids, UINT32_MAX);
	snprintf(question, sizeof question, "%s%s to folder: ",
	    move ? "Move" : "Copy", n > 1 ? " tagged" : "");
	st->asking_transfer = t;
	ui_prompt(ui, question, NULL, PROMPT_FOLDER, folders_complete, transfer_done, t);
}

void
index_op_save(struct ui *ui, struct index_state *st)
{
	ask_folder(ui, st, true);
}

void
index_op_copy(struct ui *ui, struct index_state *st)
{
	ask_folder(ui, st, false);
}

/* A special-use folder from the folder list, else the option, else a
 * plain name. */
static const char *
role_folder(struct ui *ui, const char *option, const char *use, const char *dflt)
{
	const struct ui_folder	*f;
	const char		*v = config_str(ui->ctx->cfg, option);
	size_t			 n, i;

	if (v != NULL && *v != '\0')
		return v;
	f = folderlist_get(ui, &n);
	for (i = 0; f != NULL && i < n; i++) {
		if (f[i].special_use != NULL && strstr(f[i].special_use, use) != NULL)
			return f[i].name;
	}
	return dflt;
}

void
index_op_archive(struct ui *ui, struct index_state *st)
{
	struct imap_seqset	 set;
	const char		*dest = role_folder(ui, "archive", "\\Archive", "Archive");

	if (strcmp(dest, mail_folder_name(ui->folder)) == 0) {
		ui_message(ui, "This is the archive folder.");
		return;
	}
	if (!targets(ui, st, &set))
		return;
	mail_folder_move(ui->folder, &set, dest, transfer_moved, ui);
	if (st->apply_tagged)
		index_uidset_clear(&st->tagged);
	imap_seqset_free(&set);
}

/*
 * sync-mailbox: the messages marked deleted leave the folder. With
 * delete_mode = trash they move to the trash (unmarked first, so they
 * arrive there as they were), else they are expunged.
 */

static void
purge_free(struct purge *p)
{
	imap_seqset_free(&p->uids);
	free(p->trash);
	free(p);
}

static void
purge_moved(struct mail_folder *f, int status, const struct mail_op_result *res,
    void *arg)
{
	struct ui	*ui = arg;

	if (ui->quit_after_purge)
		ui->quit = true;
	if (status < 0)
		return;		/* the error event said why */
	if (res->marked_only)
		ui_message(ui, "%u deleted message%s copied to %s; the server cannot "
		    "expunge them alone.", res->count, res->count == 1 ? "" : "s",
		    res->dest);
	else if (res->dest != NULL)
		ui_message(ui, "%u deleted message%s moved to %s.", res->count,
		    res->count == 1 ? "" : "s", res->dest);
	else
		ui_message(ui, "%u deleted message%s purged.", res->count,
		    res->count == 1 ? "" : "s");
}

static void
purge_unmarked(struct mail_folder *f, int status, void *arg)
{
	struct purge	*p = arg;

	if (status == 0)
		mail_folder_delete(f, &p->uids, p->trash, purge_moved, p->ui);
	else if (p->then_quit)
		p->ui->quit = true;
	purge_free(p);
}

/* The UID EXPUNGE of the folder model: journaled, so offline (or when
 * the link dies under it) it reaches the server on reconnect. */
static void
purge_expunged(struct mail_folder *f, int status, const struct mail_op_result *res,
    void *arg)
{
	struct ui	*ui = arg;

	if (ui->quit_after_purge)
		ui->quit = true;
	if (status < 0 || ui->index.st == NULL)
		return;		/* the error event said why */
	if (res->queued)
		ui_message(ui, "%u deleted message%s purged here; the server follows "
		    "when the link is back.", res->count, res->count == 1 ? "" : "s");
	else
		ui_message(ui, "%u deleted message%s purged.", res->count,
		    res->count == 1 ? "" : "s");
}

static void
expunged(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct purge	*p = arg;
	char		*text;

	if (p->ui->index.st != NULL) {
		if (r->status == IMAP_STATUS_OK)
			ui_message(p->ui, "%u deleted message%s purged.", p->count,
			    p->count == 1 ? "" : "s");
		else {
			text = str_sanitize(r->text != NULL ? r->text : "");
			ui_message(p->ui, "The server did not expunge: %s", text);
			free(text);
		}
	}
	if (p->then_quit)
		p->ui->quit = true;
	purge_free(p);
}

static void
purge(struct ui *ui, bool yes, void *arg)
{
	struct purge	*p = arg;
	struct imap_cmd	*cmd;

	if (ui->index.st != NULL && ui->index.st->asking_purge == p)
		ui->index.st->asking_purge = NULL;
	if (!yes || ui->folder == NULL || ui->index.st == NULL ||
	    p->gen != ui->index.st->gen) {
		if (p->then_quit)
			ui->quit = true;
		purge_free(p);
		return;
	}
	/* The steps below end in one of the callbacks above, which quit. */
	ui->quit_after_purge = p->then_quit;
	if (p->trash != NULL) {
		mail_folder_store_flags(ui->folder, &p->uids, false, IMAP_FLAG_DELETED,
		    NULL, purge_unmarked, p);
		return;
	}
	/* Exactly the UIDs marked now (UID EXPUNGE leaves others' \Deleted
	 * alone), journaled: offline, or when the link dies under it, the
	 * replay sends it on reconnect. */
	if (mail_folder_offline(ui->folder) || (ui->s.client != NULL &&
	    !ui->s.closed && imap_client_has_cap(ui->s.client, "UIDPLUS"))) {
		mail_folder_expunge(ui->folder, &p->uids, purge_expunged, ui);
		purge_free(p);
		return;
	}
	if (ui->s.client == NULL || ui->s.closed) {
		ui_message(ui, "Not connected: the deleted messages stay until the next $.");
		if (p->then_quit)
			ui->quit = true;
		purge_free(p);
		return;
	}
	/* Without UIDPLUS only a plain EXPUNGE, online and never replayed.
	 * The server's EXPUNGE responses reach the model (nobody claims
	 * them here). */
	cmd = imap_cmd_new(ui->s.client, 0);
	imap_cmd_add(cmd, "EXPUNGE");
	imap_cmd_submit(cmd, expunged, p);
}

/* The messages marked deleted now, where they go; NULL when none. */
static struct purge *
deleted_now(struct ui *ui, struct index_state *st)
{
	struct purge		*p;
	const struct mail_msg	*m;
	const char		*mode = config_str(ui->ctx->cfg, "delete_mode");
	const char		*trash;
	uint32_t		 count = mail_folder_count(ui->folder), seq;

	p = xcalloc(1, sizeof *p);
	p->ui = ui;
	p->gen = st->gen;
	imap_seqset_init(&p->uids);
	for (seq = 1; seq <= count; seq++) {
		m = mail_folder_msg(ui->folder, seq);
		if (m->uid != 0 && (m->flags & IMAP_FLAG_DELETED)) {
			imap_seqset_add(&p->uids, m->uid, m->uid);
			p->count++;
		}
	}
	if (p->count == 0) {
		purge_free(p);
		return NULL;
	}
	imap_seqset_normalize(&p->uids);
	if (mode == NULL || strcmp(mode, "trash") == 0) {
		trash = role_folder(ui, "trash", "\\Trash", "Trash");
		if (strcmp(trash, mail_folder_name(ui->folder)) != 0)
			p->trash = xstrdup(trash);
	}
	return p;
}

static void
purge_question(struct purge *p, char *question, size_t size)
{
	if (p->trash != NULL)
		snprintf(question, size, "Move %u deleted message%s to %s?",
		    p->count, p->count == 1 ? "" : "s", p->trash);
	else
		snprintf(question, size, "Purge %u deleted message%s?",
		    p->count, p->count == 1 ? "" : "s");
}

void
index_op_sync(struct ui *ui, struct index_state *st)
{
	struct purge	*p;
	char		 question[80];

	if (mail_folder_readonly(ui->folder)) {
		ui_message(ui, "The folder is read-only.");
		return;
	}
	if ((p = deleted_now(ui, st)) == NULL) {
		ui_message(ui, "No messages are marked deleted.");
		return;
	}
	switch (config_quad(ui->ctx->cfg, "confirm_expunge")) {
	case CONFIG_QUAD_YES:
		purge(ui, true, p);
		return;
	case CONFIG_QUAD_NO:
		purge_free(p);
		ui_message(ui, "Deleted messages stay (confirm_expunge is no).");
		return;
	case CONFIG_QUAD_ASK_YES:
	case CONFIG_QUAD_ASK_NO:
		break;
	}
	purge_question(p, question, sizeof question);
	st->asking_purge = p;
	ui_confirm(ui, question, config_quad(ui->ctx->cfg, "confirm_expunge") ==
	    CONFIG_QUAD_ASK_YES, purge, p);
}

/* After the quit question: the delete question, as mutt asks on leaving
 * a folder with messages marked deleted. */
static void
quit_confirmed(struct ui *ui, bool yes, void *arg)
{
	struct index_state	*st = ui->index.st;
	struct purge		*p;
	enum config_quad	 q = config_quad(ui->ctx->cfg, "delete");
	char			 question[80];

	if (!yes)
		return;
	if (st == NULL || ui->folder == NULL || q == CONFIG_QUAD_NO ||
	    mail_folder_readonly(ui->folder) || (p = deleted_now(ui, st)) == NULL) {
		ui->quit = true;
		return;
	}
	p->then_quit = true;
	if (q == CONFIG_QUAD_YES) {
		purge(ui, true, p);
		return;
	}
	purge_question(p, question, sizeof question);
	st->asking_purge = p;
	ui_confirm(ui, question, q == CONFIG_QUAD_ASK_YES, purge, p);
}

void
index_op_quit(struct ui *ui, struct index_state *st)
{
	switch (config_quad(ui->ctx->cfg, "quit")) {
	case CONFIG_QUAD_NO:
		ui_message(ui, "quit is set to no: x leaves without purging.");
		return;
	case CONFIG_QUAD_YES:
		quit_confirmed(ui, true, NULL);
		return;
	case CONFIG_QUAD_ASK_YES:
	case CONFIG_QUAD_ASK_NO:
		break;
	}
	ui_confirm(ui, "Quit crispin?", config_quad(ui->ctx->cfg, "quit") ==
	    CONFIG_QUAD_ASK_YES, quit_confirmed, NULL);
}

void
index_ops_free(struct index_state *st)
{
	if (st->asking_transfer != NULL) {
		imap_seqset_free(&st->asking_transfer->uids);
		free(st->asking_transfer);
		st->asking_transfer = NULL;
	}
	if (st->asking_purge != NULL) {
		purge_free(st->asking_purge);
		st->asking_purge = NULL;
	}
	if (st->asking_flag != NULL) {
		imap_seqset_free(&st->asking_flag->uids);
		free(st->asking_flag);
		st->asking_flag = NULL;
	}
	if (st->asking_create != NULL) {
		transfer_free(st->asking_create);
		st->asking_create = NULL;
	}
}
