/*
 * Addresses in the interface: the query menu (`Q`: the aliases and
 * query_command's answers for a query, tagged or picked to write to),
 * and completion of address fields (Tab: aliases, else query_command;
 * ^T: query_command). The menu runs the command as a child read through
 * the event loop, so the screen lives on while a directory is slow, and
 * Ctrl-G stops it. Completion waits for the command, 10 s at most.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/config.h"
#include "crispin/mail_addrbook.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

#define QUERY_MAX_TO		256	/* addresses one compose gets */

struct query_view {
	struct view		 view;
	char			*query;		/* owned */
	struct mail_addr_list	 list;		/* aliases, then the command's */
	bool			*tagged;	/* owned, list.n of them */
	size_t			 cursor, top;
	struct mail_addrbook_run *run;		/* owned while the command runs */
	char			*note;		/* owned: the command's status line */
};

static void query_draw(struct view *, int, int, int);
static bool query_function(struct view *, const char *);
static void query_free(struct view *);
static void query_start(struct query_view *, const char *);
static void query_done(struct mail_addr_list *, const char *, void *);
static void query_asked(struct ui *, const char *, void *);
static void mail_to(struct query_view *);
static void list_move(struct mail_addr_list *, struct mail_addr_list *);

static const struct view_ops query_ops = {
	.name = "query",
	/* The index's keys: m mails, Q asks again, as in mutt's query menu. */
	.map = KEYMAP_INDEX,
	.draw = query_draw,
	.function = query_function,
	.free = query_free,
};

/* Moves the entries of from to the end of to, leaving out addresses
 * that are there already (an alias and the directory may agree). */
static void
list_move(struct mail_addr_list *from, struct mail_addr_list *to)
{
	size_t	 i, j;

	for (i = 0; i < from->n; i++) {
		for (j = 0; j < to->n; j++) {
			if (str_ieq(to->v[j].address, from->v[i].address))
				break;
		}
		if (j < to->n) {
			free(from->v[i].address);
			free(from->v[i].name);
			free(from->v[i].other);
			continue;
		}
		to->v = xreallocarray(to->v, to->n + 1, sizeof *to->v);
		to->v[to->n++] = from->v[i];
	}
	from->n = 0;
}

void
query_open(struct ui *ui)
{
	ui_prompt(ui, "Query: ", NULL, PROMPT_OTHER, NULL, query_asked, NULL);
}

static void
query_asked(struct ui *ui, const char *text, void *arg)
{
	struct query_view	*v;
	struct view		*top = ui_top_view(ui);

	if (text == NULL || *text == '\0')
		return;
	if (top->ops == &query_ops)
		v = (struct query_view *)top;
	else {
		v = xcalloc(1, sizeof *v);
		v->view.ops = &query_ops;
		ui_push_view(ui, &v->view);
	}
	query_start(v, text);
}

/* A new query in the menu: the aliases at once, the command's answers
 * when they come. */
static void
query_start(struct query_view *v, const char *text)
{
	struct ui		*ui = v->view.ui;
	struct cli_context	*ctx = ui->ctx;
	char			*error = NULL;

	mail_addrbook_cancel(&v->run);
	mail_addr_list_free(&v->list);
	x_free(&v->tagged);
	x_free(&v->note);
	free(v->query);
	v->query = xstrdup(text);
	v->cursor = v->top = 0;
	mail_addrbook_aliases(ctx->cfg, text, &v->list);
	v->tagged = xcalloc(v->list.n + 1, sizeof *v->tagged);
	if (config_str(ctx->cfg, "query_command") == NULL) {
		if (v->list.n == 0)
			ui_message(ui, "No alias matches, and query_command is not "
			    "set (see crispinrc(5)).");
		ui_redraw(ui);
		return;
	}
	v->run = mail_addrbook_start(ui->s.loop, ctx->cfg, text, 0, query_done, v,
	    &error);
	if (v->run == NULL) {
		ui_message(ui, "%s", error);
		free(error);
	}
	ui_redraw(ui);
}

static void
query_done(struct mail_addr_list *got, const char *error, void *arg)
{
	struct query_view	*v = arg;
	struct ui		*ui = v->view.ui;
	size_t			 before = v->list.n;

	v->run = NULL;
	if (error != NULL) {
		ui_message(ui, "%s", error);
		return;
	}
	if (got->status != NULL)
		v->note = xstrdup(got->status);
	list_move(got, &v->list);
	v->tagged = xreallocarray(v->tagged, v->list.n + 1, sizeof *v->tagged);
	memset(v->tagged + before, 0, (v->list.n + 1 - before) * sizeof *v->tagged);
	if (v->list.n == 0)
		ui_message(ui, "No matches%s%s", v->note != NULL ? ": " : ".",
		    v->note != NULL ? v->note : "");
	else
		ui_message(ui, "%zu match%s.", v->list.n, v->list.n == 1 ? "" : "es");
}

bool
query_cancel(struct ui *ui)
{
	struct view		*top = ui_top_view(ui);
	struct query_view	*v;

	if (top->ops != &query_ops || ((struct query_view *)top)->run == NULL)
		return false;
	v = (struct query_view *)top;
	mail_addrbook_cancel(&v->run);
	ui_message(ui, "Query stopped.");
	return true;
}

static void
query_free(struct view *view)
{
	struct query_view	*v = (struct query_view *)view;

	mail_addrbook_cancel(&v->run);
	mail_addr_list_free(&v->list);
	free(v->tagged);
	free(v->note);
	free(v->query);
	free(v);
}

static void
query_draw(struct view *view, int first, int rows, int cols)
{
	struct query_view	*v = (struct query_view *)view;
	struct buf		 line = BUF_INIT;
	unsigned		 normal, indicator, attr;
	const struct mail_addr_entry *e;
	size_t			 i;
	int			 row, wname, waddr, col;

	normal = ui_color(view->ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(view->ui, "indicator", SCREEN_REVERSE);
	if (rows < 2)
		return;
	buf_printf(&line, "Query '%s': ", v->query);
	if (v->run != NULL)
		buf_adds(&line, "looking up... (Ctrl-G stops)");
	else
		buf_printf(&line, "%zu match%s  (m or Enter: write to it or the "
		    "tagged, t: tag, Q: new query, q: back)", v->list.n,
		    v->list.n == 1 ? "" : "es");
	screen_line(first, line.data, line.len, SCREEN_BOLD);
	rows--;
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (v->cursor >= v->top + (size_t)rows)
		v->top = v->cursor - (size_t)rows + 1;
	wname = (cols - 8) * 2 / 5;
	waddr = (cols - 8) * 2 / 5;
	for (row = 0; row < rows; row++) {
		i = v->top + (size_t)row;
		if (i >= v->list.n) {
			screen_line(first + 1 + row, "", 0, normal);
			continue;
		}
		e = &v->list.v[i];
		attr = i == v->cursor ? indicator : normal;
		buf_reset(&line);
		buf_printf(&line, "%c%4zu  ", v->tagged[i] ? '*' : ' ', i + 1);
		col = 0;
		screen_put(first + 1 + row, col, 7, line.data, line.len, attr);
		col += 7;
		screen_put(first + 1 + row, col, wname, e->name != NULL ? e->name : "",
		    e->name != NULL ? strlen(e->name) : 0, attr);
		col += wname;
		screen_put(first + 1 + row, col, 1, " ", 1, attr);
		col++;
		screen_put(first + 1 + row, col, waddr, e->address,
		    strlen(e->address), attr);
		col += waddr;
		screen_put(first + 1 + row, col, 1, " ", 1, attr);
		col++;
		if (col < cols)
			screen_put(first + 1 + row, col, cols - col,
			    e->other != NULL ? e->other : "",
			    e->other != NULL ? strlen(e->other) : 0, attr);
	}
	buf_free(&line);
}

static bool
query_function(struct view *view, const char *name)
{
	struct query_view	*v = (struct query_view *)view;
	struct ui		*ui = view->ui;
	int			 rows, cols;
	size_t			 page;

	screen_rows(&rows, &cols);
	page = rows > 3 ? (size_t)rows - 3 : 1;
	if (strcmp(name, "next-entry") == 0 || strcmp(name, "next-undeleted") == 0) {
		if (v->cursor + 1 < v->list.n)
			v->cursor++;
	} else if (strcmp(name, "previous-entry") == 0 ||
	    strcmp(name, "previous-undeleted") == 0) {
		if (v->cursor > 0)
			v->cursor--;
	} else if (strcmp(name, "first-entry") == 0)
		v->cursor = 0;
	else if (strcmp(name, "last-entry") == 0)
		v->cursor = v->list.n > 0 ? v->list.n - 1 : 0;
	else if (strcmp(name, "next-page") == 0)
		v->cursor = v->cursor + page < v->list.n ? v->cursor + page :
		    (v->list.n > 0 ? v->list.n - 1 : 0);
	else if (strcmp(name, "previous-page") == 0)
		v->cursor = v->cursor > page ? v->cursor - page : 0;
	else if (strcmp(name, "tag-entry") == 0) {
		if (v->list.n > 0) {
			v->tagged[v->cursor] = !v->tagged[v->cursor];
			if (v->cursor + 1 < v->list.n)
				v->cursor++;
		}
	} else if (strcmp(name, "mail") == 0 || strcmp(name, "select-entry") == 0 ||
	    strcmp(name, "display-message") == 0)
		mail_to(v);
	else if (strcmp(name, "query") == 0)
		ui_prompt(ui, "Query: ", v->query, PROMPT_OTHER, NULL, query_asked,
		    NULL);
	else if (strcmp(name, "exit") == 0 || strcmp(name, "quit") == 0)
		ui_pop_view(ui);
	else if (strcmp(name, "help") == 0 || strcmp(name, "enter-command") == 0 ||
	    strcmp(name, "shell-escape") == 0)
		return false;
	else
		/* The index's message functions must not reach the index
		 * underneath from here. */
		ui_message(ui, "%s is not available in the query menu.", name);
	ui_redraw(ui);
	return true;
}

/* m and Enter: a new message to the tagged entries, or the one under
 * the cursor. */
static void
mail_to(struct query_view *v)
{
	const char	*to[QUERY_MAX_TO];
	struct buf	*one;
	size_t		 i, n = 0, ntagged = 0;

	if (v->list.n == 0) {
		ui_message(v->view.ui, "No address to write to.");
		return;
	}
	for (i = 0; i < v->list.n; i++)
		ntagged += v->tagged[i];
	one = xcalloc(v->list.n, sizeof *one);
	for (i = 0; i < v->list.n && n < QUERY_MAX_TO; i++) {
		if (ntagged > 0 ? !v->tagged[i] : i != v->cursor)
			continue;
		mail_addr_entry_format(&v->list.v[i], &one[i]);
		to[n++] = buf_cstr(&one[i]);
	}
	ui_compose_to(v->view.ui, to, n);
	for (i = 0; i < v->list.n; i++) {
		buf_free(&one[i]);
		v->tagged[i] = false;
	}
	free(one);
}

void
ui_compose_to(struct ui *ui, const char *const *addresses, size_t n)
{
	const char	**words;
	char		**argv;
	struct fg_cmd	 cmd;
	size_t		 i, k = 0;
	int		 rc;

	words = xcalloc(n + 2, sizeof *words);
	words[k++] = "compose";
	/* An address is never an option, whatever it starts with. */
	words[k++] = "--";
	for (i = 0; i < n; i++)
		words[k++] = addresses[i];
	argv = ui_child_argv(ui, words, k);
	memset(&cmd, 0, sizeof cmd);
	cmd.argv = argv;
	cmd.self = true;
	cmd.stdin_fd = -1;
	cmd.note_fd = -1;
	screen_suspend();
	rc = ui_run_foreground(&cmd);
	if (rc != 0)
		ui_wait_key();
	screen_resume();
	free(argv);
	free(words);
	if (rc == 0)
		ui_message(ui, "Sent.");
	else if (rc > 0)
		ui_message(ui, "Not sent (exit %d): the text is kept, see the "
		    "message above it.", rc);
	else
		ui_message(ui, "Could not run crispin compose.");
	ui_redraw(ui);
}

/*
 * Completion of address fields. Several matches are offered one at a
 * time: the same key again (with the line as completion left it) puts
 * the next in place of the last.
 */
static struct {
	char	*line;		/* the line as completion left it */
	size_t	 cursor;
	size_t	 start;		/* where the entry begins */
	char	**cands;
	size_t	 n, at;
	bool	 query;		/* ^T's round, not Tab's */
} cycle;

static void
cycle_reset(void)
{
	size_t	 i;

	for (i = 0; i < cycle.n; i++)
		free(cycle.cands[i]);
	free(cycle.cands);
	free(cycle.line);
	memset(&cycle, 0, sizeof cycle);
}

static void
put_candidate(struct ui *ui, struct buf *line, size_t *cursor, size_t start,
    const char *text)
{
	memmove(line->data + start, line->data + *cursor, line->len - *cursor);
	line->len -= *cursor - start;
	line->data[line->len] = '\0';
	buf_insert(line, start, text, strlen(text));
	*cursor = start + strlen(text);
}

/* The candidates for word: alias keys (each as all its addresses), or
 * query_command's answers. */
static void
candidates(struct ui *ui, const char *word, bool aliases, bool query,
    struct buf *names)
{
	struct mail_addr_list	 l;
	struct buf		 one = BUF_INIT;
	const char		*key = NULL;
	char			*error = NULL;
	size_t			 i;

	memset(&l, 0, sizeof l);
	if (aliases)
		mail_addrbook_aliases(ui->ctx->cfg, word, &l);
	for (i = 0; i < l.n; i++) {
		/* The members of one alias go in together. */
		if (key != NULL && l.v[i].other != NULL &&
		    strcmp(key, l.v[i].other) == 0)
			buf_adds(&one, ", ");
		else if (one.len > 0) {
			cycle.cands = xreallocarray(cycle.cands, cycle.n + 1,
			    sizeof *cycle.cands);
			cycle.cands[cycle.n++] = buf_steal(&one);
		}
		key = l.v[i].other;
		mail_addr_entry_format(&l.v[i], &one);
	}
	if (one.len > 0) {
		cycle.cands = xreallocarray(cycle.cands, cycle.n + 1,
		    sizeof *cycle.cands);
		cycle.cands[cycle.n++] = buf_steal(&one);
	}
	mail_addr_list_free(&l);
	if (cycle.n > 0 || !query)
		goto out;
	if (config_str(ui->ctx->cfg, "query_command") == NULL) {
		buf_adds(names, aliases ? "No alias matches, and query_command "
		    "is not set." : "query_command is not set (see crispinrc(5)).");
		goto out;
	}
	if (mail_addrbook_query(ui->ctx->cfg, word, &l, &error) < 0) {
		buf_adds(names, error);
		free(error);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		mail_addr_entry_format(&l.v[i], &one);
		cycle.cands = xreallocarray(cycle.cands, cycle.n + 1,
		    sizeof *cycle.cands);
		cycle.cands[cycle.n++] = buf_steal(&one);
	}
	if (l.n == 0)
		buf_printf(names, "No matches%s%s", l.status != NULL ? ": " : ".",
		    l.status != NULL ? l.status : "");
	mail_addr_list_free(&l);
out:
	buf_free(&one);
}

static void
complete(struct ui *ui, struct buf *line, size_t *cursor, bool aliases,
    bool query)
{
	struct buf	 note = BUF_INIT;
	char		*word;
	size_t		 start = *cursor, i;

	if (cycle.n > 1 && cycle.query == query && cycle.line != NULL &&
	    strcmp(cycle.line, buf_cstr(line)) == 0 && cycle.cursor == *cursor) {
		/* Again: the next candidate in place of the last one. */
		cycle.at = (cycle.at + 1) % cycle.n;
		put_candidate(ui, line, cursor, cycle.start, cycle.cands[cycle.at]);
		free(cycle.line);
		cycle.line = xstrdup(buf_cstr(line));
		cycle.cursor = *cursor;
		ui_message(ui, "%zu of %zu: %s", cycle.at + 1, cycle.n,
		    cycle.cands[cycle.at]);
		return;
	}
	cycle_reset();
	while (start > 0 && line->data[start - 1] != ',')
		start--;
	while (start < *cursor && (line->data[start] == ' ' ||
	    line->data[start] == '\t'))
		start++;
	word = xstrndup(line->data != NULL ? line->data + start : "",
	    *cursor - start);
	if (*word == '\0' && aliases && !query) {
		free(word);
		ui_message(ui, "Type the start of an alias, a name or an address.");
		return;
	}
	candidates(ui, word, aliases, query, &note);
	free(word);
	if (cycle.n == 0) {
		ui_message(ui, "%s", note.len > 0 ? buf_cstr(&note) : "No match.");
		buf_free(&note);
		return;
	}
	buf_free(&note);
	put_candidate(ui, line, cursor, start, cycle.cands[0]);
	if (cycle.n == 1) {
		cycle_reset();
		return;
	}
	cycle.start = start;
	cycle.line = xstrdup(buf_cstr(line));
	cycle.cursor = *cursor;
	cycle.query = query;
	for (i = 1; i < cycle.n && note.len < 160; i++)
		buf_printf(&note, ", %s", cycle.cands[i]);
	ui_message(ui, "1 of %zu (again for the next): %s%s", cycle.n,
	    cycle.cands[0], buf_cstr(&note));
	buf_free(&note);
}

void
ui_complete_address(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	complete(ui, line, cursor, true, true);
}

void
ui_complete_query(struct ui *ui, struct buf *line, size_t *cursor, void *arg)
{
	complete(ui, line, cursor, false, true);
}
