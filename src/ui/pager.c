/*
 * The pager: one message (or one part of it, from the attachments view)
 * rendered to text, wrapped to the window and scrolled. Rows carry what
 * they are (header, text, quote level, signature, marker) so that
 * drawing can colour them; URLs, `body` patterns and search matches are
 * coloured inside a row. Everything is asynchronous: the pager draws
 * "loading" until the text is here, and reading marks the message \Seen.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* What a piece of the rendered text is. */
enum region_kind {
	REGION_HEADER,
	REGION_BODY,
	REGION_MARKER,		/* "[-- ... --]" lines */
};
struct region {
	size_t		 start;
	enum region_kind kind;
};

enum row_kind {
	ROW_HEADER,
	ROW_TEXT,
	ROW_QUOTED,
	ROW_SIGNATURE,
	ROW_MARKER,
};
/* One screen row: a piece of a text line that fits the width. */
struct row {
	size_t		 start, end;	/* bytes of the row in text */
	size_t		 line;		/* start of its text line */
	size_t		 line_end;
	enum row_kind	 kind;
	unsigned	 level;		/* quote level, 1 for "> " */
};

/* A colour pattern from the rc file, compiled. */
struct pattern {
	regex_t		 re;
	unsigned	 attr;
};

struct pager {
	struct view		 view;
	struct ui		*ui;		/* borrowed */
	struct msghold		*hold;		/* a reference */
	uint32_t		 uid;
	const struct mime_part	*part;		/* NULL: the whole message */
	struct arena		*arena;		/* owned: the shown parts */
	struct mime_shown	*shown;		/* in arena */
	size_t			 nshown;
	bool			 ready;		/* bodies fetched */
	bool			 fixed;		/* given text, not a message */
	/* The text kept across a reconnect (pager_restore), shown as is
	 * until the message has loaded again. */
	bool			 restored;
	bool			 weed;		/* hide ignored header fields */
	bool			 hide_quoted;	/* toggle-quoted */
	int			 width;		/* rows wrapped for these columns */
	struct buf		 text;		/* the rendered message */
	struct region		*regions;	/* owned */
	size_t			 nregions;
	struct row		*rows;		/* owned */
	size_t			 nrows, rowcap;
	size_t			 top;
	int			 shown_rows;	/* rows the last draw had */
	struct url_span		*urls;		/* owned */
	size_t			 nurls;
	struct pattern		*headers;	/* owned: `color header` */
	size_t			 nheaders;
	struct pattern		*bodies;	/* owned: `color body` */
	size_t			 nbodies;
	regex_t			 search;
	bool			 have_search;
	bool			 search_back;	/* the last search went up */
	char			*error;		/* owned; NULL while fine */
	/* d or u waiting for the server: then the next message is shown. */
	uint32_t		 resolve_uid;
	const char		*resolve_next;	/* static; what index_step seeks */
};

static void load(struct pager *, uint32_t);
static void unload(struct pager *);
static void loaded(void *, int, const char *);
static void fetched(void *, int, const char *);
static void failed(struct pager *, const char *);
static void mark_seen(struct pager *);
static const char *const *alternative_order(struct pager *, char **);
static void render(struct pager *, int);
static void render_message(struct pager *, int);
static void add_region(struct pager *, enum region_kind);
static void marker(struct pager *, const struct mime_part *);
static void wrap(struct pager *, int);
static void add_row(struct pager *, size_t, size_t, size_t, size_t,
	    enum row_kind, unsigned);
static unsigned quote_level(const char *, size_t);
static void compile_patterns(struct pager *);
static void free_patterns(struct pager *);
static int regcomp_smart(regex_t *, const char *, int);
static unsigned row_base_attr(struct pager *, const struct row *);
static unsigned quoted_attr(struct pager *, unsigned);
static void draw_row(struct pager *, const struct row *, int, int);
static void paint(unsigned *, size_t, size_t, size_t, unsigned);
static bool weeded(const char *, void *);
static size_t page(struct pager *);
static size_t row_of(struct pager *, size_t);
static void search_prompt(struct pager *, bool);
static void search_done(struct ui *, const char *, void *);
static void search_back_done(struct ui *, const char *, void *);
static void search_start(struct pager *, const char *, bool);
static void search_step(struct pager *, bool);
static bool line_matches(struct pager *, size_t, size_t);
static void step(struct pager *, int, const char *);

static void fn_exit(struct pager *);
static void fn_next_line(struct pager *);
static void fn_prev_line(struct pager *);
static void fn_next_page(struct pager *);
static void fn_prev_page(struct pager *);
static void fn_half_down(struct pager *);
static void fn_half_up(struct pager *);
static void fn_top(struct pager *);
static void fn_bottom(struct pager *);
static void fn_search(struct pager *);
static void fn_search_reverse(struct pager *);
static void fn_search_next(struct pager *);
static void fn_search_opposite(struct pager *);
static void fn_toggle_weed(struct pager *);
static void fn_list_urls(struct pager *);
static void fn_attachments(struct pager *);
static void fn_skip_quoted(struct pager *);
static void fn_toggle_quoted(struct pager *);
static void fn_next_entry(struct pager *);
static void fn_prev_entry(struct pager *);
static void fn_next_undeleted(struct pager *);
static void fn_prev_undeleted(struct pager *);
static void fn_next_unread(struct pager *);
static void fn_prev_unread(struct pager *);
static void fn_next_new(struct pager *);
static void fn_prev_new(struct pager *);
static void fn_next_new_then_unread(struct pager *);

static const struct {
	const char	*name;
	void		(*fn)(struct pager *);
	bool		 message;	/* moves to another message */
} functions[] = {
	{ "exit", fn_exit, false },
	{ "next-line", fn_next_line, false },
	{ "previous-line", fn_prev_line, false },
	{ "next-page", fn_next_page, false },
	{ "previous-page", fn_prev_page, false },
	{ "half-down", fn_half_down, false },
	{ "half-up", fn_half_up, false },
	{ "top", fn_top, false },
	{ "bottom", fn_bottom, false },
	{ "search", fn_search, false },
	{ "search-reverse", fn_search_reverse, false },
	{ "search-next", fn_search_next, false },
	{ "search-opposite", fn_search_opposite, false },
	{ "display-toggle-weed", fn_toggle_weed, false },
	{ "list-urls", fn_list_urls, false },
	{ "view-attachments", fn_attachments, false },
	{ "skip-quoted", fn_skip_quoted, false },
	{ "toggle-quoted", fn_toggle_quoted, false },
	{ "next-entry", fn_next_entry, true },
	{ "previous-entry", fn_prev_entry, true },
	{ "next-undeleted", fn_next_undeleted, true },
	{ "previous-undeleted", fn_prev_undeleted, true },
	{ "next-unread", fn_next_unread, true },
	{ "previous-unread", fn_prev_unread, true },
	{ "next-new", fn_next_new, true },
	{ "previous-new", fn_prev_new, true },
	{ "next-new-then-unread", fn_next_new_then_unread, true },
};

/*
 * mutt's resolve in the pager: d and u mark the message shown, and the
 * next one is shown once the server has answered (a fetch sent behind
 * the STORE would be answered among the STORE's responses).
 */
static const struct {
	const char	*name;
	bool		 add;
	const char	*next;
} resolving[] = {
	{ "delete-message", true, "undeleted" },
	{ "undelete-message", false, "any" },
};
static bool resolve(struct pager *, const char *);
static void resolved(struct mail_folder *, int, void *);

static void pager_draw(struct view *, int, int, int);
static bool pager_function(struct view *, const char *);
static void pager_free(struct view *);

static const struct view_ops pager_ops = {
	.name = "pager",
	.map = KEYMAP_PAGER,
	.draw = pager_draw,
	.function = pager_function,
	.free = pager_free,
};

static struct pager *
pager_new(struct ui *ui)
{
	struct pager	*pg = xcalloc(1, sizeof *pg);

	pg->view.ops = &pager_ops;
	pg->ui = ui;
	pg->weed = config_bool(ui->ctx->cfg, "weed");
	return pg;
}

void
pager_open(struct ui *ui, uint32_t uid)
{
	struct pager	*pg = pager_new(ui);

	ui_push_view(ui, &pg->view);
	load(pg, uid);
}

void
pager_open_part(struct ui *ui, struct msghold *hold, const struct mime_part *part)
{
	struct pager		*pg = pager_new(ui);
	struct mime_shown	*body = NULL;
	size_t			 n = 0;
	char			*words = NULL;
	const char *const	*order;
	bool			 decoded;

	pg->hold = msghold_ref(hold);
	pg->uid = mail_message_uid(msghold_message(hold));
	pg->part = part;
	pg->arena = arena_new(0);
	if (mime_part_is(part, "message", "rfc822") && part->children != NULL) {
		/* An attached message: its header, then its body as the
		 * pager shows any message. */
		order = alternative_order(pg, &words);
		n = mime_select_display(part->children, order, pg->arena, &body);
		free(words);
		free((void *)order);
		pg->shown = arena_array(pg->arena, n + 1, sizeof *pg->shown);
		pg->shown[0].part = part;
		pg->shown[0].how = MIME_SHOW_HEADERS;
		pg->shown[0].depth = 0;
		if (n > 0)
			memcpy(pg->shown + 1, body, n * sizeof *body);
		pg->nshown = n + 1;
	} else {
		pg->shown = arena_array(pg->arena, 1, sizeof *pg->shown);
		pg->shown[0].part = part;
		pg->shown[0].how = MIME_SHOW_INLINE;
		pg->shown[0].depth = 0;
		pg->nshown = 1;
	}
	ui_push_view(ui, &pg->view);
	/* Shown inline already (the pager below has it): nothing to fetch. */
	if (pg->nshown == 1 && mail_message_body(msghold_message(hold), part->spec,
	    &n, &decoded) != NULL) {
		fetched(pg, 0, NULL);
		return;
	}
	if (msghold_busy(hold)) {
		failed(pg, "the message is still busy with another download; "
		    "try again in a moment");
		return;
	}
	msghold_fetch_shown(hold, pg->shown, pg->nshown, fetched, pg);
}

void
pager_open_text(struct ui *ui, const char *text, size_t len)
{
	struct pager	*pg = pager_new(ui);

	pg->fixed = true;
	pg->ready = true;
	mime_text_safe(&pg->text, text, len, 0);
	ui_push_view(ui, &pg->view);
}

/*
 * Across a reconnect: the message shown by the pager nearest the index
 * (the one the user reads), its rendered text and its top line, so that
 * it comes back on screen as it was while views are rebuilt.
 */
struct pager_place {
	uint32_t	 uid;
	size_t		 off;		/* byte offset of the top row */
	bool		 weed, hide_quoted;
	struct buf	 text;
};

struct pager_place *
pager_save(struct ui *ui)
{
	struct view		*v, *found = NULL;
	struct pager		*pg;
	struct pager_place	*pl;

	for (v = ui->top; v != NULL && v != &ui->index.view; v = v->below) {
		if (v->ops == &pager_ops)
			found = v;
	}
	pg = (struct pager *)found;
	if (pg == NULL || pg->fixed || pg->part != NULL || !pg->ready ||
	    pg->uid == 0)
		return NULL;
	pl = xcalloc(1, sizeof *pl);
	pl->uid = pg->uid;
	pl->off = pg->top < pg->nrows ? pg->rows[pg->top].start : 0;
	pl->weed = pg->weed;
	pl->hide_quoted = pg->hide_quoted;
	buf_add(&pl->text, pg->text.data != NULL ? pg->text.data : "",
	    pg->text.len);
	return pl;
}

void
pager_place_free(struct pager_place **plp)
{
	if (*plp == NULL)
		return;
	buf_free(&(*plp)->text);
	x_free(plp);
}

void
pager_restore(struct ui *ui, struct pager_place **plp)
{
	struct pager_place	*pl = *plp;
	struct pager		*pg;

	if (pl == NULL)
		return;
	*plp = NULL;
	pg = pager_new(ui);
	pg->uid = pl->uid;
	pg->weed = pl->weed;
	pg->hide_quoted = pl->hide_quoted;
	pg->restored = true;
	pg->ready = true;
	buf_add(&pg->text, pl->text.data != NULL ? pl->text.data : "",
	    pl->text.len);
	/* Rows are made at the first draw; the top comes from the offset. */
	pg->rows = xreallocarray(NULL, 1, sizeof *pg->rows);
	pg->rowcap = 1;
	pg->rows[0].start = pl->off;
	pg->nrows = 1;
	pg->top = 0;
	pg->width = -1;
	buf_free(&pl->text);
	free(pl);
	ui_push_view(ui, &pg->view);
	pg->arena = arena_new(0);
	pg->hold = msghold_new(ui, pg->uid);
	msghold_load(pg->hold, loaded, pg);
}

/* Starts showing message uid in this pager (also when moving on). */
static void
load(struct pager *pg, uint32_t uid)
{
	unload(pg);
	pg->uid = uid;
	pg->arena = arena_new(0);
	pg->hold = msghold_new(pg->ui, uid);
	msghold_load(pg->hold, loaded, pg);
}

static void
unload(struct pager *pg)
{
	msghold_forget(pg->hold, pg);
	msghold_unref(&pg->hold);
	arena_free(&pg->arena);
	pg->shown = NULL;
	pg->nshown = 0;
	pg->ready = false;
	buf_reset(&pg->text);
	pg->nregions = pg->nrows = pg->nurls = 0;
	pg->top = 0;
	pg->width = 0;
	x_free(&pg->error);
}

static void
pager_free(struct view *view)
{
	struct pager	*pg = (struct pager *)view;

	unload(pg);
	free_patterns(pg);
	if (pg->have_search)
		regfree(&pg->search);
	buf_free(&pg->text);
	free(pg->regions);
	free(pg->rows);
	free(pg->urls);
	free(pg);
}

static void
failed(struct pager *pg, const char *error)
{
	free(pg->error);
	pg->error = str_sanitize(error != NULL ? error : "the message could not be read");
	ui_message(pg->ui, "%s", pg->error);
	ui_redraw(pg->ui);
}

/* alternative_order as a NULL-terminated list (both malloc'd). */
static const char *const *
alternative_order(struct pager *pg, char **words_r)
{
	const char	*value = config_str(pg->ui->ctx->cfg, "alternative_order");
	const char	**list;
	char		*w, *save = NULL;
	size_t		 n = 0;

	*words_r = xstrdup(value != NULL ? value : "text/plain text/html");
	list = xreallocarray(NULL, strlen(*words_r) / 2 + 2, sizeof *list);
	for (w = strtok_r(*words_r, " \t,:", &save); w != NULL;
	    w = strtok_r(NULL, " \t,:", &save))
		list[n++] = w;
	list[n] = NULL;
	return list;
}

static void
loaded(void *arg, int status, const char *error)
{
	struct pager		*pg = arg;
	const char *const	*order;
	char			*words;

	/* Kept text stays up when the message cannot be read again (the
	 * link is down and the cache lacks it). */
	if (status < 0 && pg->restored)
		return;
	if (status < 0) {
		failed(pg, error);
		return;
	}
	order = alternative_order(pg, &words);
	pg->nshown = mime_select_display(mail_message_root(msghold_message(pg->hold)),
	    order, pg->arena, &pg->shown);
	free(words);
	free((void *)order);
	msghold_fetch_shown(pg->hold, pg->shown, pg->nshown, fetched, pg);
}

static void
fetched(void *arg, int status, const char *error)
{
	struct pager	*pg = arg;

	if (status < 0 && pg->restored)
		return;
	if (status < 0) {
		failed(pg, error);
		return;
	}
	/* The real rendering replaces kept text at the same byte offset,
	 * so the top line stays (pager_draw). */
	pg->restored = false;
	pg->ready = true;
	pg->width = 0;		/* render at the next draw */
	if (pg->part == NULL)
		mark_seen(pg);
	ui_redraw(pg->ui);
}

/* Read now: the fetches peeked, so say so as mutt does. */
static void
mark_seen(struct pager *pg)
{
	struct ui		*ui = pg->ui;
	const struct mail_msg	*msg = mail_folder_by_uid(ui->folder, pg->uid);
	struct imap_seqset	 uids;

	if (msg != NULL && !(msg->flags & IMAP_FLAG_SEEN) &&
	    !mail_folder_readonly(ui->folder)) {
		imap_seqset_init(&uids);
		imap_seqset_add(&uids, pg->uid, pg->uid);
		mail_folder_store_flags(ui->folder, &uids, true, IMAP_FLAG_SEEN,
		    NULL, NULL, NULL);
		imap_seqset_free(&uids);
	}
}

static bool
weeded(const char *field, void *arg)
{
	const struct config	*cfg = arg;

	return config_header_ignored(cfg, field);
}

static void
add_region(struct pager *pg, enum region_kind kind)
{
	pg->regions = xreallocarray(pg->regions, pg->nregions + 1,
	    sizeof *pg->regions);
	pg->regions[pg->nregions].start = pg->text.len;
	pg->regions[pg->nregions].kind = kind;
	pg->nregions++;
}

static void
end_line(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_addc(b, '\n');
}

/* Where a part was left out, and the key that shows it. */
static void
marker(struct pager *pg, const struct mime_part *p)
{
	struct buf	*b = &pg->text;
	struct buf	 key = BUF_INIT;
	uint64_t	 size = p->size;
	const char	*spec = *p->spec != '\0' ? p->spec : "1";

	buf_adds(b, "[-- ");
	mime_text_safe(b, spec, strlen(spec), MIME_SAFE_ONELINE);
	buf_adds(b, ": ");
	if (p->filename != NULL) {
		mime_text_safe(b, p->filename, strlen(p->filename), MIME_SAFE_ONELINE);
		buf_adds(b, ", ");
	}
	mime_text_safe(b, p->type, strlen(p->type), MIME_SAFE_ONELINE);
	buf_addc(b, '/');
	mime_text_safe(b, p->subtype, strlen(p->subtype), MIME_SAFE_ONELINE);
	if (p->children == NULL) {
		/* What saving gives: base64 shrinks by a quarter. */
		if (p->enc == MIME_ENC_BASE64)
			size = size / 4 * 3;
		buf_adds(b, ", ");
		mail_render_size(b, size);
	}
	if (ui_function_key(pg->ui, KEYMAP_PAGER, "view-attachments", &key))
		buf_printf(b, ", not shown: press %s to view or save it --]\n",
		    buf_cstr(&key));
	else
		buf_adds(b, ", not shown: see view-attachments --]\n");
	buf_free(&key);
}

static void
render(struct pager *pg, int cols)
{
	if (pg->fixed || pg->restored) {
		pg->nregions = 0;
		add_region(pg, REGION_BODY);
		pg->regions[0].start = 0;
	} else
		render_message(pg, cols);
	free(pg->urls);
	pg->nurls = urls_find(pg->text.data != NULL ? pg->text.data : "",
	    pg->text.len, &pg->urls);
	compile_patterns(pg);
	wrap(pg, cols);
}

static void
render_message(struct pager *pg, int cols)
{
	struct mail_message	*m = msghold_message(pg->hold);
	struct mail_render_opts	 o;
	const struct mime_shown	*s;
	const char		*body, *hdr;
	char			*key;
	size_t			 i, len;
	bool			 decoded;

	buf_reset(&pg->text);
	pg->nregions = 0;
	memset(&o, 0, sizeof o);
	o.width = cols > 22 ? (unsigned)cols - 2 : 20;
	o.folder = mail_folder_name(pg->ui->folder);
	if (pg->weed) {
		o.ignored = weeded;
		o.ignored_arg = pg->ui->ctx->cfg;
	}
	if (pg->part == NULL) {
		add_region(pg, REGION_HEADER);
		hdr = mail_message_header(m, &len);
		mail_render_headers(&pg->text, hdr, len, 0, &o);
		add_region(pg, REGION_BODY);
		buf_addc(&pg->text, '\n');
	}
	for (i = 0; i < pg->nshown; i++) {
		s = &pg->shown[i];
		end_line(&pg->text);
		switch (s->how) {
		case MIME_SHOW_INLINE:
			add_region(pg, REGION_BODY);
			body = mail_message_body(m, s->part->spec, &len, &decoded);
			if (body != NULL)
				mail_render_part(&pg->text, s->part, body, len,
				    decoded, &o);
			break;
		case MIME_SHOW_HEADERS:
			if (pg->text.len > 0)
				buf_addc(&pg->text, '\n');
			add_region(pg, REGION_MARKER);
			buf_adds(&pg->text, "[-- message ");
			mime_text_safe(&pg->text, s->part->spec, strlen(s->part->spec),
			    MIME_SAFE_ONELINE);
			buf_adds(&pg->text, " --]\n");
			add_region(pg, REGION_HEADER);
			key = xasprintf("%s%sHEADER", s->part->spec,
			    *s->part->spec != '\0' ? "." : "");
			if ((body = mail_message_body(m, key, &len, &decoded)) != NULL)
				mail_render_headers(&pg->text, body, len, 0, &o);
			free(key);
			add_region(pg, REGION_BODY);
			buf_addc(&pg->text, '\n');
			break;
		case MIME_SHOW_ATTACHMENT:
			/* Set apart from the text above it. */
			if (pg->text.len > 1 && pg->text.data[pg->text.len - 2] != '\n' &&
			    (i == 0 || pg->shown[i - 1].how != MIME_SHOW_ATTACHMENT))
				buf_addc(&pg->text, '\n');
			add_region(pg, REGION_MARKER);
			marker(pg, s->part);
			add_region(pg, REGION_BODY);
			break;
		}
	}
}

/* "> > text" is level 2: the '>' at the start, spaces between them. */
static unsigned
quote_level(const char *s, size_t len)
{
	unsigned	 level = 0;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '>')
			level++;
		else if (s[i] != ' ' && s[i] != '\t')
			break;
	}
	return level;
}

static void
add_row(struct pager *pg, size_t start, size_t end, size_t line, size_t line_end,
    enum row_kind kind, unsigned level)
{
	struct row	*r;

	if (pg->nrows == pg->rowcap) {
		pg->rowcap = pg->rowcap ? pg->rowcap * 2 : 64;
		pg->rows = xreallocarray(pg->rows, pg->rowcap, sizeof *pg->rows);
	}
	r = &pg->rows[pg->nrows++];
	r->start = start;
	r->end = end;
	r->line = line;
	r->line_end = line_end;
	r->kind = kind;
	r->level = level;
}

/* Cuts every text line into rows of at most cols cells. */
static void
wrap(struct pager *pg, int cols)
{
	const char	*t = pg->text.data != NULL ? pg->text.data : "";
	size_t		 len = pg->text.len, i = 0, end, at, k, reg = 0;
	enum row_kind	 kind;
	unsigned	 level;
	unsigned long	 cp;
	bool		 signature = false;
	int		 w, width;

	pg->nrows = 0;
	pg->width = cols;
	if (cols < 1)
		cols = 1;
	while (i < len) {
		for (end = i; end < len && t[end] != '\n'; end++)
			;
		while (reg + 1 < pg->nregions && pg->regions[reg + 1].start <= i) {
			reg++;
			signature = false;
		}
		level = 0;
		switch (pg->nregions > 0 ? pg->regions[reg].kind : REGION_BODY) {
		case REGION_HEADER:
			kind = ROW_HEADER;
			break;
		case REGION_MARKER:
			kind = ROW_MARKER;
			break;
		default:
			if (end - i == 3 && memcmp(t + i, "-- ", 3) == 0)
				signature = true;
			level = quote_level(t + i, end - i);
			kind = signature ? ROW_SIGNATURE :
			    (level > 0 ? ROW_QUOTED : ROW_TEXT);
			break;
		}
		if (kind == ROW_QUOTED && pg->hide_quoted) {
			i = end < len ? end + 1 : end;
			continue;
		}
		/* Most lines fit: no need to measure them character by character. */
		if ((end - i <= (size_t)cols && memchr(t + i, '\t', end - i) == NULL) ||
		    screen_width(t + i, end - i) <= cols) {
			add_row(pg, i, end, i, end, kind, level);
		} else {
			at = i;
			while (at < end) {
				width = 0;
				k = at;
				while (k < end) {
					size_t n = mime_utf8_next(t + k, end - k, &cp);

					if (n == 0)
						n = 1;
					w = screen_width(t + k, n);
					if (width + w > cols && k > at)
						break;
					width += w;
					k += n;
				}
				add_row(pg, at, k, i, end, kind, level);
				at = k;
			}
		}
		i = end < len ? end + 1 : end;
	}
}

/* Colour patterns are case-insensitive when written in lower case, as
 * mutt's are. */
static int
regcomp_smart(regex_t *re, const char *pattern, int flags)
{
	const char	*s;

	for (s = pattern; *s != '\0' && !isupper((unsigned char)*s); s++)
		;
	return regcomp(re, pattern, REG_EXTENDED | flags | (*s == '\0' ? REG_ICASE : 0));
}

static void
free_patterns(struct pager *pg)
{
	size_t	 i;

	for (i = 0; i < pg->nheaders; i++)
		regfree(&pg->headers[i].re);
	for (i = 0; i < pg->nbodies; i++)
		regfree(&pg->bodies[i].re);
	x_free(&pg->headers);
	x_free(&pg->bodies);
	pg->nheaders = pg->nbodies = 0;
}

/* `color header` and `color body` patterns; bad ones are said once. */
static void
compile_patterns(struct pager *pg)
{
	static const char *const objects[] = { "header", "body" };
	const struct color_entry	*e;
	struct pattern			**list;
	size_t				*count, n, i, k;
	int				 obj;

	free_patterns(pg);
	if (pg->ui->colors == NULL)
		return;
	for (k = 0; k < 2; k++) {
		if ((obj = colors_object_find(objects[k])) < 0)
			continue;
		list = k == 0 ? &pg->headers : &pg->bodies;
		count = k == 0 ? &pg->nheaders : &pg->nbodies;
		e = colors_get(pg->ui->colors, obj, &n);
		*list = xreallocarray(NULL, n + 1, sizeof **list);
		for (i = 0; i < n; i++) {
			if (e[i].pattern == NULL)
				continue;
			if (regcomp_smart(&(*list)[*count].re, e[i].pattern,
			    k == 0 ? REG_NOSUB : 0) != 0) {
				ui_message(pg->ui, "color %s: bad pattern %s",
				    objects[k], e[i].pattern);
				continue;
			}
			(*list)[*count].attr = screen_color(&e[i]);
			(*count)++;
		}
	}
}

/* quoted, quoted1... for levels 1, 2...; past the last one set, the
 * colours repeat, as in mutt. */
static unsigned
quoted_attr(struct pager *pg, unsigned level)
{
	char		 name[16];
	unsigned	 defined = 0, i;
	const unsigned	 none = ~0u;

	for (i = 0; i < 10; i++) {
		if (i == 0)
			snprintf(name, sizeof name, "quoted");
		else
			snprintf(name, sizeof name, "quoted%u", i);
		if (ui_color(pg->ui, name, none) == none)
			break;
		defined++;
	}
	if (defined == 0)
		return ui_color(pg->ui, "normal", SCREEN_NORMAL);
	i = (level - 1) % defined;
	if (i == 0)
		snprintf(name, sizeof name, "quoted");
	else
		snprintf(name, sizeof name, "quoted%u", i);
	return ui_color(pg->ui, name, SCREEN_NORMAL);
}

static unsigned
row_base_attr(struct pager *pg, const struct row *r)
{
	unsigned	 attr, normal = ui_color(pg->ui, "normal", SCREEN_NORMAL);
	char		*line;
	size_t		 i;

	switch (r->kind) {
	case ROW_HEADER:
		attr = ui_color(pg->ui, "hdrdefault", normal);
		if (pg->nheaders == 0)
			return attr;
		line = xstrndup(pg->text.data + r->line, r->line_end - r->line);
		/* The last matching pattern wins, as later rc lines do. */
		for (i = 0; i < pg->nheaders; i++) {
			if (regexec(&pg->headers[i].re, line, 0, NULL, 0) == 0)
				attr = pg->headers[i].attr;
		}
		free(line);
		return attr;
	case ROW_QUOTED:
		return quoted_attr(pg, r->level);
	case ROW_SIGNATURE:
		return ui_color(pg->ui, "signature", SCREEN_DIM);
	case ROW_MARKER:
		return ui_color(pg->ui, "attachment", SCREEN_BOLD);
	default:
		return normal;
	}
}

static void
paint(unsigned *attrs, size_t len, size_t from, size_t to, unsigned attr)
{
	size_t	 i;

	for (i = from; i < to && i < len; i++)
		attrs[i] = attr;
}

/* One row: the line's colour, then body patterns, URLs and search matches
 * over it, drawn as runs of equal attributes. */
static void
draw_row(struct pager *pg, const struct row *r, int y, int cols)
{
	const char	*t = pg->text.data;
	size_t		 llen = r->line_end - r->line, i, j, k, off;
	unsigned	*attrs, base, url, match;
	regmatch_t	 rm;
	char		*line;
	int		 col = 0, w, flags;

	base = row_base_attr(pg, r);
	attrs = xreallocarray(NULL, llen + 1, sizeof *attrs);
	paint(attrs, llen, 0, llen, base);
	line = xstrndup(t + r->line, llen);
	if (r->kind != ROW_HEADER) {
		for (i = 0; i < pg->nbodies; i++) {
			for (off = 0, flags = 0; off < llen &&
			    regexec(&pg->bodies[i].re, line + off, 1, &rm, flags) == 0;
			    flags = REG_NOTBOL) {
				paint(attrs, llen, off + (size_t)rm.rm_so,
				    off + (size_t)rm.rm_eo, pg->bodies[i].attr);
				off += rm.rm_eo > rm.rm_so ? (size_t)rm.rm_eo :
				    (size_t)rm.rm_so + 1;
			}
		}
	}
	url = ui_color(pg->ui, "url", SCREEN_UNDERLINE);
	for (i = 0; i < pg->nurls; i++) {
		if (pg->urls[i].start + pg->urls[i].len <= r->line ||
		    pg->urls[i].start >= r->line_end)
			continue;
		paint(attrs, llen, pg->urls[i].start - r->line,
		    pg->urls[i].start - r->line + pg->urls[i].len, url);
	}
	if (pg->have_search) {
		match = ui_color(pg->ui, "search", SCREEN_REVERSE);
		for (off = 0, flags = 0; off < llen &&
		    regexec(&pg->search, line + off, 1, &rm, flags) == 0;
		    flags = REG_NOTBOL) {
			paint(attrs, llen, off + (size_t)rm.rm_so,
			    off + (size_t)rm.rm_eo, match);
			off += rm.rm_eo > rm.rm_so ? (size_t)rm.rm_eo :
			    (size_t)rm.rm_so + 1;
		}
	}
	/* The row's part of the line, in runs. */
	for (j = r->start - r->line; j < r->end - r->line && col < cols; j = k) {
		for (k = j + 1; k < r->end - r->line && attrs[k] == attrs[j]; k++)
			;
		w = screen_width(t + r->line + j, k - j);
		if (w > cols - col)
			w = cols - col;
		screen_put(y, col, w, t + r->line + j, k - j, attrs[j]);
		col += w;
	}
	if (col < cols)
		screen_put(y, col, cols - col, "", 0, ui_color(pg->ui, "normal",
		    SCREEN_NORMAL));
	free(line);
	free(attrs);
}

/* The row holding text offset off (to keep the place across a rewrap). */
static size_t
row_of(struct pager *pg, size_t off)
{
	size_t	 lo = 0, hi = pg->nrows;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (pg->rows[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void
pager_draw(struct view *view, int first, int rows, int cols)
{
	struct pager	*pg = (struct pager *)view;
	unsigned	 tilde;
	size_t		 n, off;
	int		 row;

	pg->shown_rows = rows;
	if (pg->ready && pg->width != cols) {
		/* New width (or new text): render again, keeping the place. */
		off = pg->top < pg->nrows ? pg->rows[pg->top].start : 0;
		render(pg, cols);
		pg->top = pg->nrows > 0 ? row_of(pg, off) : 0;
	}
	if (!pg->ready) {
		for (row = 0; row < rows; row++)
			screen_line(first + row, "", 0, SCREEN_NORMAL);
		if (pg->error == NULL)
			screen_line(first, "Loading the message...", 22, SCREEN_NORMAL);
		return;
	}
	tilde = ui_color(pg->ui, "tilde", SCREEN_NORMAL);
	for (row = 0; row < rows; row++) {
		n = pg->top + (size_t)row;
		if (n >= pg->nrows)
			screen_line(first + row, "~", 1, tilde);
		else
			draw_row(pg, &pg->rows[n], first + row, cols);
	}
}

static bool
pager_function(struct view *view, const char *name)
{
	struct pager	*pg = (struct pager *)view;
	size_t		 i;

	if (resolve(pg, name))
		return true;
	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) != 0)
			continue;
		/* A part shown from the attachments view is not in the index. */
		if (functions[i].message && (pg->part != NULL || pg->fixed)) {
			ui_message(pg->ui, "This is an attachment: q goes back to "
			    "the attachments.");
			return true;
		}
		functions[i].fn(pg);
		return true;
	}
	return false;
}

/* False leaves the function to the index: tagged messages after ';', a
 * part, a read-only folder (the index says so). */
static bool
resolve(struct pager *pg, const char *name)
{
	struct imap_seqset	 set;
	size_t			 i;

	for (i = 0; i < sizeof resolving / sizeof resolving[0]; i++) {
		if (strcmp(resolving[i].name, name) != 0)
			continue;
		if (pg->part != NULL || pg->fixed || pg->uid == 0 ||
		    pg->ui->folder == NULL || index_tag_prefix_pending(pg->ui) ||
		    mail_folder_readonly(pg->ui->folder))
			return false;
		pg->resolve_uid = pg->uid;
		pg->resolve_next = resolving[i].next;
		imap_seqset_init(&set);
		imap_seqset_add(&set, pg->uid, pg->uid);
		mail_folder_store_flags(pg->ui->folder, &set, resolving[i].add,
		    IMAP_FLAG_DELETED, NULL, resolved, pg->ui);
		imap_seqset_free(&set);
		return true;
	}
	return false;
}

/* The pager may be gone, or show another message, by now. */
static void
resolved(struct mail_folder *f, int status, void *arg)
{
	struct ui	*ui = arg;
	struct view	*v = ui_top_view(ui);
	struct pager	*pg;

	if (status < 0 || f != ui->folder || v == NULL || v->ops != &pager_ops)
		return;
	pg = (struct pager *)v;
	if (pg->resolve_uid == 0 || pg->resolve_uid != pg->uid)
		return;
	pg->resolve_uid = 0;
	step(pg, 1, pg->resolve_next);
}

/* The pager has all rows but the status line. */
static size_t
page(struct pager *pg)
{
	int	 rows, cols;

	screen_rows(&rows, &cols);
	return rows > 2 ? (size_t)rows - 1 : 1;
}

static void
fn_exit(struct pager *pg)
{
	ui_pop_view(pg->ui);
}

static void
fn_next_line(struct pager *pg)
{
	if (pg->top + 1 < pg->nrows)
		pg->top++;
	else
		ui_message(pg->ui, "Bottom of message is shown.");
}

static void
fn_prev_line(struct pager *pg)
{
	if (pg->top > 0)
		pg->top--;
	else
		ui_message(pg->ui, "Top of message is shown.");
}

static void
fn_next_page(struct pager *pg)
{
	size_t	 n = page(pg);

	if (pg->top + n < pg->nrows)
		pg->top += n;
	else
		ui_message(pg->ui, "Bottom of message is shown.");
}

static void
fn_prev_page(struct pager *pg)
{
	size_t	 n = page(pg);

	if (pg->top == 0)
		ui_message(pg->ui, "Top of message is shown.");
	pg->top = pg->top > n ? pg->top - n : 0;
}

static void
fn_half_down(struct pager *pg)
{
	size_t	 n = page(pg) / 2 + 1;

	if (pg->top + n < pg->nrows)
		pg->top += n;
}

static void
fn_half_up(struct pager *pg)
{
	size_t	 n = page(pg) / 2 + 1;

	pg->top = pg->top > n ? pg->top - n : 0;
}

static void
fn_top(struct pager *pg)
{
	pg->top = 0;
}

static void
fn_bottom(struct pager *pg)
{
	size_t	 n = page(pg);

	pg->top = pg->nrows > n ? pg->nrows - n : 0;
}

/* Past the quoted block at the top of the page, to the text after it. */
static void
fn_skip_quoted(struct pager *pg)
{
	size_t	 i = pg->top;

	while (i < pg->nrows && pg->rows[i].kind != ROW_QUOTED)
		i++;
	while (i < pg->nrows && pg->rows[i].kind == ROW_QUOTED)
		i++;
	if (i >= pg->nrows) {
		ui_message(pg->ui, "No more unquoted text after quoted text.");
		return;
	}
	pg->top = i;
}

static void
fn_toggle_quoted(struct pager *pg)
{
	pg->hide_quoted = !pg->hide_quoted;
	pg->width = 0;
	ui_message(pg->ui, pg->hide_quoted ? "Quoted text hidden." :
	    "Quoted text shown.");
	ui_redraw(pg->ui);
}

static void
fn_toggle_weed(struct pager *pg)
{
	pg->weed = !pg->weed;
	pg->width = 0;
	pg->top = 0;
	ui_redraw(pg->ui);
}

static void
fn_list_urls(struct pager *pg)
{
	urls_open(pg->ui, pg->text.data, pg->urls, pg->nurls);
}

static void
fn_attachments(struct pager *pg)
{
	if (pg->fixed) {
		ui_message(pg->ui, "This is an attachment: q goes back to the "
		    "attachments.");
		return;
	}
	if (pg->hold == NULL || mail_message_root(msghold_message(pg->hold)) == NULL) {
		ui_message(pg->ui, "The message is still loading.");
		return;
	}
	attach_open(pg->ui, pg->hold);
}

static void
search_prompt(struct pager *pg, bool back)
{
	ui_prompt(pg->ui, back ? "Reverse search for: " : "Search for: ", NULL,
	    PROMPT_PATTERN, NULL, back ? search_back_done : search_done, pg);
}

static void
search_done(struct ui *ui, const char *text, void *arg)
{
	if (text != NULL && ui_top_view(ui) == arg)
		search_start(arg, text, false);
}

static void
search_back_done(struct ui *ui, const char *text, void *arg)
{
	if (text != NULL && ui_top_view(ui) == arg)
		search_start(arg, text, true);
}

static void
search_start(struct pager *pg, const char *text, bool back)
{
	regex_t	 re;
	char	 error[128];
	int	 r;

	if (*text == '\0') {
		/* An empty search repeats the last one, as in mutt. */
		if (pg->have_search)
			search_step(pg, back);
		return;
	}
	if ((r = regcomp_smart(&re, text, 0)) != 0) {
		regerror(r, &re, error, sizeof error);
		ui_message(pg->ui, "Bad search pattern: %s", error);
		return;
	}
	if (pg->have_search)
		regfree(&pg->search);
	pg->search = re;
	pg->have_search = true;
	pg->search_back = back;
	search_step(pg, back);
}

static bool
line_matches(struct pager *pg, size_t start, size_t end)
{
	char	*line = xstrndup(pg->text.data + start, end - start);
	bool	 yes = regexec(&pg->search, line, 0, NULL, 0) == 0;

	free(line);
	return yes;
}

/* The next line after (or before) the top one that matches, wrapping. */
static void
search_step(struct pager *pg, bool back)
{
	size_t	 i, n = pg->nrows, tries;

	if (!pg->have_search) {
		ui_message(pg->ui, "No search pattern.");
		return;
	}
	if (n == 0)
		return;
	i = pg->top;
	for (tries = 0; tries < n; tries++) {
		i = back ? (i == 0 ? n - 1 : i - 1) : (i + 1 == n ? 0 : i + 1);
		/* Each text line once: at its first row. */
		if (pg->rows[i].start != pg->rows[i].line)
			continue;
		if (line_matches(pg, pg->rows[i].line, pg->rows[i].line_end)) {
			if (back ? i > pg->top : i < pg->top)
				ui_message(pg->ui, back ? "Search wrapped to bottom." :
				    "Search wrapped to top.");
			pg->top = i;
			ui_redraw(pg->ui);
			return;
		}
	}
	ui_message(pg->ui, "Not found.");
	ui_redraw(pg->ui);
}

static void
fn_search(struct pager *pg)
{
	search_prompt(pg, false);
}

static void
fn_search_reverse(struct pager *pg)
{
	search_prompt(pg, true);
}

static void
fn_search_next(struct pager *pg)
{
	search_step(pg, pg->search_back);
}

static void
fn_search_opposite(struct pager *pg)
{
	search_step(pg, !pg->search_back);
}

/* Moves the index's cursor (display order, limit and threads as the
 * index has them) and shows the message it lands on here. */
static void
step(struct pager *pg, int dir, const char *what)
{
	uint32_t	 uid;

	if (strcmp(what, "new-then-unread") == 0) {
		if ((uid = index_step(pg->ui, dir, "new")) == 0)
			uid = index_step(pg->ui, dir, "unread");
	} else
		uid = index_step(pg->ui, dir, what);
	if (uid == 0) {
		if (strcmp(what, "any") == 0 || strcmp(what, "undeleted") == 0)
			ui_message(pg->ui, dir > 0 ? "You are on the last message." :
			    "You are on the first message.");
		else
			ui_message(pg->ui, "No more %s messages.",
			    strcmp(what, "new-then-unread") == 0 ? "new or unread" : what);
		return;
	}
	load(pg, uid);
	ui_redraw(pg->ui);
}

static void
fn_next_entry(struct pager *pg)
{
	step(pg, 1, "any");
}

static void
fn_prev_entry(struct pager *pg)
{
	step(pg, -1, "any");
}

static void
fn_next_undeleted(struct pager *pg)
{
	step(pg, 1, "undeleted");
}

static void
fn_prev_undeleted(struct pager *pg)
{
	step(pg, -1, "undeleted");
}

static void
fn_next_unread(struct pager *pg)
{
	step(pg, 1, "unread");
}

static void
fn_prev_unread(struct pager *pg)
{
	step(pg, -1, "unread");
}

static void
fn_next_new(struct pager *pg)
{
	step(pg, 1, "new");
}

static void
fn_prev_new(struct pager *pg)
{
	step(pg, -1, "new");
}

static void
fn_next_new_then_unread(struct pager *pg)
{
	step(pg, 1, "new-then-unread");
}

int
pager_percent(struct ui *ui)
{
	struct view	*v = ui_top_view(ui);
	struct pager	*pg;
	size_t		 end;

	if (v == NULL || v->ops != &pager_ops)
		return -1;
	pg = (struct pager *)v;
	if (!pg->ready || pg->shown_rows <= 0)
		return -1;
	end = pg->top + (size_t)pg->shown_rows;
	if (pg->nrows == 0 || end >= pg->nrows)
		return 100;
	return (int)(end * 100 / pg->nrows);
}
