/*
 * The index: one line per message of the folder in sequence order, with
 * a cursor. Keys arrive as keymap function names; the table below is the
 * index's whole vocabulary.
 */
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/mime_header.h"
#include "ui_p.h"

#define FLAGS_COLS	4
#define DATE_COLS	8
#define FROM_COLS	20

static void sender(struct buf *, const char *);
static void flag_marks(char *, const struct mail_msg *);
static uint32_t page_rows(void);
static void fn_next(struct ui *, struct index_view *);
static void fn_prev(struct ui *, struct index_view *);
static void fn_next_page(struct ui *, struct index_view *);
static void fn_prev_page(struct ui *, struct index_view *);
static void fn_first(struct ui *, struct index_view *);
static void fn_last(struct ui *, struct index_view *);
static void fn_display(struct ui *, struct index_view *);
static void fn_quit(struct ui *, struct index_view *);

static const struct {
	const char	*name;
	void		(*fn)(struct ui *, struct index_view *);
} functions[] = {
	{ "next-entry", fn_next },
	{ "previous-entry", fn_prev },
	{ "next-page", fn_next_page },
	{ "previous-page", fn_prev_page },
	{ "first-entry", fn_first },
	{ "last-entry", fn_last },
	{ "display-message", fn_display },
	{ "select-entry", fn_display },
	{ "quit", fn_quit },
	{ "exit", fn_quit },
};

/* The display name of a From header, else its address; decoded. */
static void
sender(struct buf *out, const char *raw)
{
	struct buf	 dec = BUF_INIT;
	const char	*s, *lt, *gt;
	size_t		 len;

	if (raw == NULL)
		return;
	mime_decode_words(&dec, raw, NULL);
	s = buf_cstr(&dec);
	while (*s == ' ' || *s == '"')
		s++;
	lt = strrchr(s, '<');
	if (lt != NULL && lt > s) {
		len = (size_t)(lt - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
			len--;
		buf_add(out, s, len);
	} else if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		buf_add(out, lt + 1, (size_t)(gt - lt - 1));
	else
		buf_adds(out, s);
	buf_free(&dec);
}

/* mutt's markers: D deleted, N unread, r answered; F flagged. */
static void
flag_marks(char *m, const struct mail_msg *msg)
{
	m[0] = ' ';
	if (msg->flags & IMAP_FLAG_DELETED)
		m[0] = 'D';
	else if (!(msg->flags & IMAP_FLAG_SEEN))
		m[0] = (msg->flags & IMAP_FLAG_RECENT) ? 'N' : 'O';
	else if (msg->flags & IMAP_FLAG_ANSWERED)
		m[0] = 'r';
	m[1] = (msg->flags & IMAP_FLAG_FLAGGED) ? 'F' : ' ';
	m[2] = '\0';
}

static void
index_draw(struct view *view, int first, int rows, int cols)
{
	struct index_view	*v = (struct index_view *)view;
	struct ui		*ui = view->ui;
	const struct mail_msg	*msg;
	struct buf		 line = BUF_INIT;
	uint32_t		 count = mail_folder_count(ui->folder), seq;
	unsigned		 attr, normal, indicator;
	char			 marks[3], date[16];
	time_t			 t;
	struct tm		 tm;
	int			 row, col;

	if (count > 0 && v->cursor == 0)
		v->cursor = 1;
	if (v->cursor > count)
		v->cursor = count;
	/* Keep the cursor on the screen. */
	if (v->top == 0 || v->cursor < v->top)
		v->top = v->cursor > 0 ? v->cursor : 1;
	if (rows > 0 && v->cursor >= v->top + (uint32_t)rows)
		v->top = v->cursor - (uint32_t)rows + 1;
	normal = ui_color(ui, "normal", SCREEN_NORMAL);
	indicator = ui_color(ui, "indicator", SCREEN_REVERSE);
	for (row = 0; row < rows; row++) {
		seq = v->top + (uint32_t)row;
		attr = seq == v->cursor ? indicator : normal;
		if ((msg = mail_folder_msg(ui->folder, seq)) == NULL) {
			screen_line(first + row, "", 0, SCREEN_NORMAL);
			continue;
		}
		if (!(msg->state & MAIL_MSG_HEADERS)) {
			screen_line(first + row, "   (loading)", 12, attr);
			continue;
		}
		flag_marks(marks, msg);
		col = 0;
		screen_put(first + row, col, FLAGS_COLS, marks, strlen(marks), attr);
		col += FLAGS_COLS;
		t = (time_t)(msg->date != 0 ? msg->date : msg->internaldate);
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof date, "%b %d", &tm) == 0)
			date[0] = '\0';
		screen_put(first + row, col, DATE_COLS, date, strlen(date), attr);
		col += DATE_COLS;
		buf_reset(&line);
		sender(&line, msg->from);
		screen_put(first + row, col, FROM_COLS, line.data, line.len, attr);
		col += FROM_COLS + 1;
		screen_put(first + row, col - 1, 1, " ", 1, attr);
		buf_reset(&line);
		if (msg->subject != NULL)
			mime_decode_words(&line, msg->subject, NULL);
		screen_put(first + row, col, cols - col, line.data, line.len, attr);
	}
	buf_free(&line);
}

static bool
index_function(struct view *view, const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		if (strcmp(functions[i].name, name) == 0) {
			functions[i].fn(view->ui, (struct index_view *)view);
			return true;
		}
	}
	return false;
}

static const struct view_ops index_ops = {
	.name = "index",
	.map = KEYMAP_INDEX,
	.draw = index_draw,
	.function = index_function,
};

void
index_init(struct ui *ui, struct index_view *v)
{
	memset(v, 0, sizeof *v);
	v->view.ops = &index_ops;
	v->view.ui = ui;
}

void
index_reset(struct index_view *v)
{
	v->cursor = 0;
	v->top = 0;
}

/* The index has all rows but the status line. */
static uint32_t
page_rows(void)
{
	int	 rows, cols;

	screen_rows(&rows, &cols);
	return rows > 2 ? (uint32_t)rows - 1 : 1;
}

static void
fn_next(struct ui *ui, struct index_view *v)
{
	if (v->cursor < mail_folder_count(ui->folder))
		v->cursor++;
	else
		ui_message(ui, "You are on the last message.");
}

static void
fn_prev(struct ui *ui, struct index_view *v)
{
	if (v->cursor > 1)
		v->cursor--;
	else
		ui_message(ui, "You are on the first message.");
}

static void
fn_next_page(struct ui *ui, struct index_view *v)
{
	uint32_t	 count = mail_folder_count(ui->folder), n = page_rows();

	v->cursor = v->cursor + n < count ? v->cursor + n : count;
	v->top = v->top + n <= v->cursor ? v->top + n : v->top;
}

static void
fn_prev_page(struct ui *ui, struct index_view *v)
{
	uint32_t	 n = page_rows();

	v->cursor = v->cursor > n ? v->cursor - n : (v->cursor > 0 ? 1 : 0);
	v->top = v->top > n ? v->top - n : 1;
}

static void
fn_first(struct ui *ui, struct index_view *v)
{
	if (mail_folder_count(ui->folder) > 0)
		v->cursor = 1;
}

static void
fn_last(struct ui *ui, struct index_view *v)
{
	v->cursor = mail_folder_count(ui->folder);
}

static void
fn_display(struct ui *ui, struct index_view *v)
{
	const struct mail_msg	*msg = mail_folder_msg(ui->folder, v->cursor);

	if (msg == NULL || msg->uid == 0) {
		ui_message(ui, "No message here yet.");
		return;
	}
	pager_open(ui, msg->uid);
}

static void
fn_quit(struct ui *ui, struct index_view *v)
{
	ui->quit = true;
}
