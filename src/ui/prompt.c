/*
 * The prompt: a one-line editor on the bottom row for questions (a
 * pattern, a folder, a file name, an address, an rc command) whose keys
 * go through the editor map (mutt's functions, rebindable with `bind
 * editor`), a history per kind of question, Tab completion and ^T
 * address queries, and one-key yes/no questions. While it is open it
 * takes every key, so the views underneath never see half an answer.
 */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "crispin/event.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

#define HISTORY_MAX	100
#define CTRL(c)		((c) & 0x1f)
/* Cells a line prompt keeps for the answer however long its question. */
#define PROMPT_MIN_INPUT	8

struct prompt {
	char			*question;
	struct buf		 line;
	size_t			 cursor;	/* byte offset in line */
	enum prompt_kind	 kind;
	bool			 yesno;
	const char		*choices;	/* ui_choose: the keys that answer */
	bool			 suggested;	/* the line is a suggestion: the
						 * first typed character replaces it */
	bool			 dflt;
	prompt_complete_cb	*complete;
	prompt_done_cb		*done;
	confirm_cb		*confirmed;
	void			*arg;
	size_t			 hist_at;	/* history entry shown; n: the line */
	char			*typed;		/* the line before browsing history */
	prompt_complete_cb	*complete_query;	/* ^T, or NULL */
	struct key_seq		 keys;		/* a binding's keys so far */
	struct ev_timer		*esc_timer;	/* owned: a bare Esc cancels */
	bool			 quote_next;	/* quote-char: the next key as is */
	char			*search;	/* history-search's text */
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
	/* Addresses complete from the aliases and query_command (query.c)
	 * unless the caller knows better. */
	if (kind == PROMPT_ADDRESS) {
		if (complete == NULL)
			p->complete = ui_complete_address;
		p->complete_query = ui_complete_query;
	}
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

void
ui_choose(struct ui *ui, const char *question, const char *choices,
    prompt_done_cb *done, void *arg)
{
	struct prompt	*p = prompt_new(ui, question, arg);

	p->kind = PROMPT_OTHER;
	p->choices = choices;
	p->done = done;
	p->hist_at = history[p->kind].n;
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
	free(p->search);
	ev_timer_free(&p->esc_timer);
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

/* A bare Esc cancels; Esc and a key within this time is a binding
 * (<Esc>b: backward-word), as the terminal sends Alt-b. */
#define ESC_WAIT_MS	50

static bool
is_space_at(const struct buf *b, size_t at)
{
	return b->data[at] == ' ' || b->data[at] == '\t';
}

/* The start of the word before at (blanks before it skipped). */
static size_t
word_back(const struct buf *b, size_t at)
{
	while (at > 0 && is_space_at(b, prev_char(b, at)))
		at = prev_char(b, at);
	while (at > 0 && !is_space_at(b, prev_char(b, at)))
		at = prev_char(b, at);
	return at;
}

/* The end of the word at or after at. */
static size_t
word_forward(const struct buf *b, size_t at)
{
	while (at < b->len && is_space_at(b, at))
		at = next_char(b, at);
	while (at < b->len && !is_space_at(b, at))
		at = next_char(b, at);
	return at;
}

enum recase { RECASE_UP, RECASE_DOWN, RECASE_CAPITAL };

/* upcase-word and friends: the word at or after the cursor, the cursor
 * moved past it (mutt, emacs). Any script towupper knows. */
static void
recase_word(struct prompt *p, enum recase how)
{
	struct buf	 out = BUF_INIT;
	size_t		 at = p->cursor, start, end, len;
	unsigned long	 cp;
	bool		 first = true;

	while (at < p->line.len && is_space_at(&p->line, at))
		at = next_char(&p->line, at);
	start = at;
	end = word_forward(&p->line, at);
	while (at < end) {
		len = mime_utf8_next(p->line.data + at, end - at, &cp);
		if (len == 0) {
			buf_addc(&out, p->line.data[at++]);
			continue;
		}
		if (how == RECASE_UP || (how == RECASE_CAPITAL && first))
			cp = (unsigned long)towupper((wint_t)cp);
		else
			cp = (unsigned long)towlower((wint_t)cp);
		buf_add_utf8(&out, cp);
		first = false;
		at += len;
	}
	delete_range(p, start, end);
	buf_insert(&p->line, start, out.data != NULL ? out.data : "", out.len);
	p->cursor = start + out.len;
	buf_free(&out);
}

/* Emacs's C-t: the characters before and at the cursor change places
 * (the last two at the end of the line), the cursor moves on. */
static void
transpose(struct ui *ui, struct prompt *p)
{
	size_t	 a, b, c;
	char	*first;

	if (p->line.len == 0 || next_char(&p->line, 0) == p->line.len) {
		screen_beep();
		return;
	}
	if (p->cursor == 0)
		p->cursor = next_char(&p->line, 0);
	if (p->cursor < p->line.len)
		p->cursor = next_char(&p->line, p->cursor);
	c = p->cursor;
	b = prev_char(&p->line, c);
	a = prev_char(&p->line, b);
	first = xstrndup(p->line.data + a, b - a);
	memmove(p->line.data + a, p->line.data + b, c - b);
	memcpy(p->line.data + a + (c - b), first, b - a);
	free(first);
}

/* ^R: the newest entry before the one shown that contains what was
 * typed; again for older ones. */
static void
history_search(struct ui *ui, struct prompt *p)
{
	size_t	 i = p->hist_at;

	/* A new search starts from the newest entry. */
	if (p->search == NULL) {
		p->search = xstrdup(buf_cstr(&p->line));
		i = history[p->kind].n;
	}
	while (i-- > 0) {
		if (strstr(history[p->kind].v[i], p->search) != NULL) {
			history_show(p, i);
			return;
		}
	}
	screen_beep();
}

static void
insert_key(struct prompt *p, int key)
{
	struct buf	 enc = BUF_INIT;

	buf_add_utf8(&enc, (unsigned long)key);
	buf_insert(&p->line, p->cursor, enc.data, enc.len);
	p->cursor += enc.len;
	buf_free(&enc);
}

/* Runs one function of the editor map; false when the prompt is gone. */
static bool
run_function(struct ui *ui, struct prompt *p, const char *name)
{
	if (strcmp(name, "history-search") != 0)
		x_free(&p->search);
	if (strcmp(name, "bol") == 0)
		p->cursor = 0;
	else if (strcmp(name, "eol") == 0)
		p->cursor = p->line.len;
	else if (strcmp(name, "backward-char") == 0)
		p->cursor = prev_char(&p->line, p->cursor);
	else if (strcmp(name, "forward-char") == 0)
		p->cursor = next_char(&p->line, p->cursor);
	else if (strcmp(name, "backward-word") == 0)
		p->cursor = word_back(&p->line, p->cursor);
	else if (strcmp(name, "forward-word") == 0)
		p->cursor = word_forward(&p->line, p->cursor);
	else if (strcmp(name, "backspace") == 0) {
		if (p->line.len == 0) {
			/* mutt: backspace on an empty line cancels. */
			finish(ui, false);
			return false;
		}
		delete_range(p, prev_char(&p->line, p->cursor), p->cursor);
	} else if (strcmp(name, "delete-char") == 0)
		delete_range(p, p->cursor, next_char(&p->line, p->cursor));
	else if (strcmp(name, "kill-eol") == 0)
		delete_range(p, p->cursor, p->line.len);
	else if (strcmp(name, "kill-eow") == 0)
		delete_range(p, p->cursor, word_forward(&p->line, p->cursor));
	else if (strcmp(name, "kill-line") == 0)
		delete_range(p, 0, p->line.len);
	else if (strcmp(name, "kill-word") == 0)
		delete_range(p, word_back(&p->line, p->cursor), p->cursor);
	else if (strcmp(name, "capitalize-word") == 0)
		recase_word(p, RECASE_CAPITAL);
	else if (strcmp(name, "upcase-word") == 0)
		recase_word(p, RECASE_UP);
	else if (strcmp(name, "downcase-word") == 0)
		recase_word(p, RECASE_DOWN);
	else if (strcmp(name, "transpose-chars") == 0)
		transpose(ui, p);
	else if (strcmp(name, "complete") == 0 || strcmp(name, "complete-query") == 0) {
		prompt_complete_cb *cb = strcmp(name, "complete") == 0 ?
		    p->complete : p->complete_query;

		if (cb == NULL) {
			screen_beep();
			return true;
		}
		cb(ui, &p->line, &p->cursor, p->arg);
		/* The callback may have closed the prompt (a menu). */
		if (ui->prompt != p)
			return false;
		if (p->cursor > p->line.len)
			p->cursor = p->line.len;
	} else if (strcmp(name, "quote-char") == 0)
		p->quote_next = true;
	else if (strcmp(name, "history-up") == 0) {
		if (p->hist_at > 0)
			history_show(p, p->hist_at - 1);
	} else if (strcmp(name, "history-down") == 0)
		history_show(p, p->hist_at + 1);
	else if (strcmp(name, "history-search") == 0)
		history_search(ui, p);
	else if (strcmp(name, "noop") != 0)
		ui_message(ui, "%s does nothing in the line editor.", name);
	return true;
}

/* The wait after Esc ended with nothing more: a bare Esc cancels. */
static void
esc_expired(void *arg)
{
	struct ui	*ui = arg;
	struct prompt	*p = ui->prompt;

	if (p == NULL || p->keys.n == 0)
		return;
	if (p->keys.n == 1 && p->keys.keys[0] == 27) {
		finish(ui, false);
		return;
	}
	p->keys.n = 0;
}

/* Keys through the editor map (`bind editor` in the rc), so only
 * function names reach the editing code; Enter and plain characters
 * are what no binding takes. */
void
prompt_key(struct ui *ui, int key)
{
	struct prompt			*p = ui->prompt;
	const struct keymap_binding	*b;
	const struct keymap_function	*fns;
	size_t				 nfns;

	if (p == NULL)
		return;
	ui_redraw(ui);
	if (p->yesno) {
		if (key == 27 || key == CTRL('g'))
			finish(ui, false);
		else if (key == 'y' || key == 'Y')
			finish(ui, true);
		else if (key == 'n' || key == 'N')
			finish(ui, false);
		else if (key == '\n')
			finish(ui, p->dflt);
		return;
	}
	if (p->choices != NULL) {
		/* One key answers, as mutt's single-letter questions do. */
		if (key == 27 || key == CTRL('g'))
			finish(ui, false);
		else if (key > 0 && key < 128 && strchr(p->choices, key) != NULL) {
			buf_addc(&p->line, (char)key);
			finish(ui, true);
		} else
			screen_beep();
		return;
	}
	/* A note shown above the line (completions) is for the last key. */
	if (ui->message != NULL)
		x_free(&ui->message);
	if (p->quote_next) {
		p->quote_next = false;
		if (key > 0 && key < KEYC_BASE)
			insert_key(p, key);
		return;
	}
	/* Ctrl-G always cancels, even in the middle of a key sequence. */
	if (key == CTRL('g')) {
		finish(ui, false);
		return;
	}
	if (p->esc_timer != NULL)
		ev_timer_stop(p->esc_timer);
	if (p->keys.n == KEYMAP_MAX_KEYS)
		p->keys.n = 0;
	p->keys.keys[p->keys.n++] = key;
	switch (keymap_lookup(ui->keymap, KEYMAP_EDITOR, p->keys.keys, p->keys.n,
	    &b)) {
	case KEYMAP_PREFIX:
		if (p->keys.keys[0] == 27 && ui->s.loop != NULL) {
			if (p->esc_timer == NULL)
				p->esc_timer = ev_timer_new(ui->s.loop, esc_expired, ui);
			ev_timer_start(p->esc_timer, ESC_WAIT_MS);
		}
		return;
	case KEYMAP_MATCH:
		p->keys.n = 0;
		fns = keymap_functions(&nfns);
		if (b->function < 0) {
			ui_message(ui, "Macros do not run in the line editor.");
			return;
		}
		/* Editing the suggestion (or completing it) keeps it. */
		p->suggested = false;
		if ((size_t)b->function < nfns)
			run_function(ui, p, fns[b->function].name);
		return;
	case KEYMAP_NONE:
		break;
	}
	if (p->keys.n > 1) {
		/* Esc and a key no binding wants: Esc's meaning, cancel. */
		p->keys.n = 0;
		if (p->keys.keys[0] == 27)
			finish(ui, false);
		else
			screen_beep();
		return;
	}
	p->keys.n = 0;
	x_free(&p->search);
	if (key == '\n') {
		finish(ui, true);
		return;
	}
	if (key == 27) {
		finish(ui, false);
		return;
	}
	if (key < 0x20 || (key >= 0x7f && key < 0xa0) || key >= KEYC_BASE)
		return;
	if (p->suggested) {
		buf_reset(&p->line);
		p->cursor = 0;
	}
	p->suggested = false;
	insert_key(p, key);
}

void
prompt_suggest(struct ui *ui, const char *text)
{
	struct prompt	*p = ui->prompt;

	if (p == NULL || text == NULL || p->line.len > 0)
		return;
	buf_adds(&p->line, text);
	p->cursor = p->line.len;
	p->suggested = true;
}

void
prompt_set_query(struct ui *ui, prompt_complete_cb *cb)
{
	if (ui->prompt != NULL)
		ui->prompt->complete_query = cb;
}

void
prompt_draw(struct ui *ui, int row, int cols)
{
	struct prompt	*p = ui->prompt;
	struct buf	 text = BUF_INIT;
	unsigned	 attr = ui_color(ui, "prompt", SCREEN_NORMAL);
	int		 qwidth, limit, before, shift = 0, col;

	buf_adds(&text, p->question);
	if (p->yesno)
		buf_adds(&text, p->dflt ? " ([yes]/no): " : " (yes/[no]): ");
	/* The question is shown whole when it fits: a yes/no takes no
	 * input, and a line keeps a few cells (it scrolls in them). */
	qwidth = screen_width(text.data, text.len);
	limit = p->yesno ? cols - 1 : cols - PROMPT_MIN_INPUT;
	if (limit < cols / 2)
		limit = cols / 2;
	if (qwidth > limit)
		qwidth = limit;
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
