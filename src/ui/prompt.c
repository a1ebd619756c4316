/*
 * The prompt: a one-line editor on the bottom row for questions (a
 * pattern, a folder, a file name, an rc command) with the usual editing
 * keys, a history per kind of question and Tab completion, and one-key
 * yes/no questions. While it is open it takes every key, so the views
 * underneath never see half an answer.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

#define HISTORY_MAX	100
#define CTRL(c)		((c) & 0x1f)

struct prompt {
	char			*question;
	struct buf		 line;
	size_t			 cursor;	/* byte offset in line */
	enum prompt_kind	 kind;
	bool			 yesno;
	bool			 dflt;
	prompt_complete_cb	*complete;
	prompt_done_cb		*done;
	confirm_cb		*confirmed;
	void			*arg;
	size_t			 hist_at;	/* history entry shown; n: the line */
	char			*typed;		/* the line before browsing history */
};

/* Answers given, oldest first, per kind of question. */
static struct {
	char	*v[HISTORY_MAX];
	size_t	 n;
} history[PROMPT_NKINDS];

static struct prompt *prompt_new(struct ui *, const char *, void *);
static void finish(struct ui *, bool);
static void history_add(enum prompt_kind, const char *);
static void history_show(struct prompt *, size_t);
static size_t prev_char(const struct buf *, size_t);
static size_t next_char(const struct buf *, size_t);
static void delete_range(struct prompt *, size_t, size_t);

static struct prompt *
prompt_new(struct ui *ui, const char *question, void *arg)
{
	struct prompt	*p;

	prompt_free(ui);
	p = xcalloc(1, sizeof *p);
	p->question = xstrdup(question);
	p->arg = arg;
	ui->prompt = p;
	ui_redraw(ui);
	return p;
}

void
ui_prompt(struct ui *ui, const char *question, const char *initial,
    enum prompt_kind kind, prompt_complete_cb *complete, prompt_done_cb *done,
    void *arg)
{
	struct prompt	*p = prompt_new(ui, question, arg);

	p->kind = kind;
	p->complete = complete;
	p->done = done;
	if (initial != NULL)
		buf_adds(&p->line, initial);
	p->cursor = p->line.len;
	p->hist_at = history[kind].n;
}

void
ui_confirm(struct ui *ui, const char *question, bool dflt, confirm_cb *cb,
    void *arg)
{
	struct prompt	*p = prompt_new(ui, question, arg);

	p->yesno = true;
	p->dflt = dflt;
	p->confirmed = cb;
}

bool
prompt_active(struct ui *ui)
{
	return ui->prompt != NULL;
}

void
prompt_free(struct ui *ui)
{
	struct prompt	*p = ui->prompt;

	if (p == NULL)
		return;
	free(p->question);
	free(p->typed);
	buf_free(&p->line);
	free(p);
	ui->prompt = NULL;
	screen_cursor(-1, 0);
}

/* Closes the prompt first, so that the callback may open the next one. */
static void
finish(struct ui *ui, bool ok)
{
	struct prompt	*p = ui->prompt;
	char		*text = NULL;
	void		*arg = p->arg;

	ui->prompt = NULL;
	screen_cursor(-1, 0);
	if (p->yesno) {
		confirm_cb *cb = p->confirmed;
		bool yes = ok;

		ui->prompt = p;
		prompt_free(ui);
		cb(ui, yes, arg);
	} else {
		prompt_done_cb *cb = p->done;

		if (ok) {
			text = xstrdup(buf_cstr(&p->line));
			history_add(p->kind, text);
		}
		ui->prompt = p;
		prompt_free(ui);
		cb(ui, text, arg);
		free(text);
	}
	ui_redraw(ui);
}

static void
history_add(enum prompt_kind kind, const char *text)
{
	size_t	 n = history[kind].n;

	if (*text == '\0' || (n > 0 && strcmp(history[kind].v[n - 1], text) == 0))
		return;
	if (n == HISTORY_MAX) {
		free(history[kind].v[0]);
		memmove(history[kind].v, history[kind].v + 1,
		    (n - 1) * sizeof history[kind].v[0]);
		n--;
	}
	history[kind].v[n++] = xstrdup(text);
	history[kind].n = n;
}

/* Shows history entry i (n: what was typed before browsing). */
static void
history_show(struct prompt *p, size_t i)
{
	size_t	 n = history[p->kind].n;

	if (i > n)
		return;
	if (p->hist_at == n) {
		free(p->typed);
		p->typed = xstrdup(buf_cstr(&p->line));
	}
	buf_reset(&p->line);
	buf_adds(&p->line, i == n ? (p->typed != NULL ? p->typed : "") :
	    history[p->kind].v[i]);
	p->cursor = p->line.len;
	p->hist_at = i;
}

static size_t
prev_char(const struct buf *b, size_t at)
{
	while (at > 0) {
		at--;
		if (((unsigned char)b->data[at] & 0xc0) != 0x80)
			break;
	}
	return at;
}

static size_t
next_char(const struct buf *b, size_t at)
{
	if (at < b->len)
		at++;
	while (at < b->len && ((unsigned char)b->data[at] & 0xc0) == 0x80)
		at++;
	return at;
}

static void
delete_range(struct prompt *p, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(p->line.data + from, p->line.data + to, p->line.len - to);
	p->line.len -= to - from;
	p->line.data[p->line.len] = '\0';
	p->cursor = from;
}

void
prompt_key(struct ui *ui, int key)
{
	struct prompt	*p = ui->prompt;
	struct buf	 enc = BUF_INIT;
	size_t		 at;

	if (p == NULL)
		return;
	ui_redraw(ui);
	if (key == 27 || key == CTRL('g')) {
		finish(ui, false);
		return;
	}
	if (p->yesno) {
		if (key == 'y' || key == 'Y')
			finish(ui, true);
		else if (key == 'n' || key == 'N')
			finish(ui, false);
		else if (key == '\n')
			finish(ui, p->dflt);
		return;
	}
	switch (key) {
	case '\n':
		finish(ui, true);
		return;
	case '\t':
		if (p->complete != NULL)
			p->complete(ui, &p->line, &p->cursor, p->arg);
		if (p->cursor > p->line.len)
			p->cursor = p->line.len;
		return;
	case KEYC_BACKSPACE:
	case CTRL('h'):
		if (p->cursor == 0 && p->line.len == 0) {
			/* mutt: backspace on an empty line cancels. */
			finish(ui, false);
			return;
		}
		delete_range(p, prev_char(&p->line, p->cursor), p->cursor);
		return;
	case KEYC_DELETE:
	case CTRL('d'):
		delete_range(p, p->cursor, next_char(&p->line, p->cursor));
		return;
	case KEYC_LEFT:
	case CTRL('b'):
		p->cursor = prev_char(&p->line, p->cursor);
		return;
	case KEYC_RIGHT:
	case CTRL('f'):
		p->cursor = next_char(&p->line, p->cursor);
		return;
	case KEYC_HOME:
	case CTRL('a'):
		p->cursor = 0;
		return;
	case KEYC_END:
	case CTRL('e'):
		p->cursor = p->line.len;
		return;
	case CTRL('u'):
		delete_range(p, 0, p->cursor);
		return;
	case CTRL('k'):
		delete_range(p, p->cursor, p->line.len);
		return;
	case CTRL('w'):
		at = p->cursor;
		while (at > 0 && p->line.data[at - 1] == ' ')
			at--;
		while (at > 0 && p->line.data[at - 1] != ' ')
			at--;
		delete_range(p, at, p->cursor);
		return;
	case KEYC_UP:
	case CTRL('p'):
		if (p->hist_at > 0)
			history_show(p, p->hist_at - 1);
		return;
	case KEYC_DOWN:
	case CTRL('n'):
		history_show(p, p->hist_at + 1);
		return;
	}
	if (key < 0x20 || (key >= 0x7f && key < 0xa0) || key >= KEYC_BASE)
		return;
	buf_reset(&enc);
	buf_add_utf8(&enc, (unsigned long)key);
	buf_insert(&p->line, p->cursor, enc.data, enc.len);
	p->cursor += enc.len;
	buf_free(&enc);
}

void
prompt_draw(struct ui *ui, int row, int cols)
{
	struct prompt	*p = ui->prompt;
	struct buf	 text = BUF_INIT;
	unsigned	 attr = ui_color(ui, "prompt", SCREEN_NORMAL);
	int		 qwidth, before, shift = 0, col;

	buf_adds(&text, p->question);
	if (p->yesno)
		buf_adds(&text, p->dflt ? " ([yes]/no): " : " (yes/[no]): ");
	qwidth = screen_width(text.data, text.len);
	if (qwidth > cols / 2)
		qwidth = cols / 2;
	screen_put(row, 0, qwidth, text.data, text.len, attr);
	if (p->yesno) {
		screen_put(row, qwidth, cols - qwidth, "", 0, SCREEN_NORMAL);
		screen_cursor(row, qwidth);
		buf_free(&text);
		return;
	}
	/* Scroll the line so that the cursor stays in sight. */
	before = screen_width(p->line.data != NULL ? p->line.data : "", p->cursor);
	col = qwidth;
	while (before - shift >= cols - col - 1 && shift < before)
		shift += (cols - col) / 2 > 0 ? (cols - col) / 2 : 1;
	{
		size_t	 skip = 0;
		int	 w = 0;

		while (skip < p->cursor && w < shift) {
			size_t next = next_char(&p->line, skip);

			w += screen_width(p->line.data + skip, next - skip);
			skip = next;
		}
		screen_put(row, col, cols - col, p->line.data != NULL ?
		    p->line.data + skip : "", p->line.len - skip, SCREEN_NORMAL);
		screen_cursor(row, col + screen_width(p->line.data + skip,
		    p->cursor - skip));
	}
	buf_free(&text);
}

void
prompt_complete_words(struct ui *ui, struct buf *line, size_t *cursor,
    const char *const *words, size_t n)
{
	struct buf	 choices = BUF_INIT;
	const char	*word, *first = NULL;
	size_t		 start = *cursor, len, i, common = 0, matches = 0;

	while (start > 0 && line->data[start - 1] != ' ' &&
	    line->data[start - 1] != '=')
		start--;
	word = line->data != NULL ? line->data + start : "";
	len = *cursor - start;
	for (i = 0; i < n; i++) {
		if (strncmp(words[i], word, len) != 0)
			continue;
		if (matches++ == 0) {
			first = words[i];
			common = strlen(first);
		} else {
			size_t k = 0;

			while (k < common && first[k] == words[i][k])
				k++;
			common = k;
		}
		if (choices.len < 200)
			buf_printf(&choices, "%s%s", choices.len ? " " : "", words[i]);
	}
	if (matches == 0) {
		ui_message(ui, "No completion.");
		buf_free(&choices);
		return;
	}
	if (common > len) {
		buf_insert(line, *cursor, first + len, common - len);
		*cursor += common - len;
	}
	if (matches == 1 && (*cursor == line->len || line->data[*cursor] != ' ')) {
		buf_insert(line, *cursor, " ", 1);
		(*cursor)++;
	} else if (matches > 1)
		ui_message(ui, "%s", choices.data);
	buf_free(&choices);
}
