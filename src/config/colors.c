/*
 * The colour table: `color OBJECT [ATTR...] FG BG [PATTERN]`, `uncolor`.
 * Colours are names, colorN (0-255) or #rrggbb; mapping them onto what the
 * terminal can show is the UI's business.
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config_colors.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

#define P	COLOR_OBJ_PATTERN
#define NP	(COLOR_OBJ_PATTERN | COLOR_OBJ_NEEDS_PATTERN)

static const struct color_object objects[] = {
	{ "normal", 0, "everything without a colour of its own" },
	{ "indicator", 0, "the selected line" },
	{ "status", 0, "the status line" },
	{ "error", 0, "error messages" },
	{ "message", 0, "informational messages" },
	{ "prompt", 0, "questions on the bottom line" },
	{ "progress", 0, "progress bars" },
	{ "tree", 0, "the thread tree in the index" },
	{ "markers", 0, "the + at the start of wrapped lines" },
	{ "tilde", 0, "the ~ after the end of a message" },
	{ "search", 0, "search matches in the pager" },
	{ "index", P, "index lines (matching PATTERN)" },
	{ "index_author", P, "the author in index lines" },
	{ "index_subject", P, "the subject in index lines" },
	{ "index_flags", P, "the flags in index lines" },
	{ "index_date", P, "the date in index lines" },
	{ "index_size", P, "the size in index lines" },
	{ "index_number", P, "the message number in index lines" },
	{ "index_collapsed", P, "the count of hidden messages of a collapsed thread" },
	{ "index_tags", P, "the keywords in index lines" },
	{ "index_score", P, "the score in index lines" },
	{ "header", NP, "header fields matching PATTERN in the pager" },
	{ "hdrdefault", 0, "other header fields in the pager" },
	{ "body", NP, "text matching PATTERN in the pager" },
	{ "quoted", 0, "quoted text (level 0)" },
	{ "quoted1", 0, "quoted text, level 1" },
	{ "quoted2", 0, "quoted text, level 2" },
	{ "quoted3", 0, "quoted text, level 3" },
	{ "quoted4", 0, "quoted text, level 4" },
	{ "quoted5", 0, "quoted text, level 5" },
	{ "quoted6", 0, "quoted text, level 6" },
	{ "quoted7", 0, "quoted text, level 7" },
	{ "quoted8", 0, "quoted text, level 8" },
	{ "quoted9", 0, "quoted text, level 9" },
	{ "signature", 0, "the signature of a message" },
	{ "attachment", 0, "attachment markers in the pager" },
	{ "attach_headers", 0, "the headers of attachments in the pager" },
	{ "url", 0, "URLs in the pager" },
	{ "bold", 0, "bold text in the pager" },
	{ "underline", 0, "underlined text in the pager" },
	{ "sidebar_divider", 0, "the line between the sidebar and the rest" },
	{ "sidebar_highlight", 0, "the sidebar's highlighted folder" },
	{ "sidebar_indicator", 0, "the sidebar's open folder" },
	{ "sidebar_new", 0, "sidebar folders with new mail" },
	{ "sidebar_unread", 0, "sidebar folders with unread mail" },
	{ "sidebar_flagged", 0, "sidebar folders with flagged mail" },
	{ "sidebar_ordinary", 0, "other sidebar folders" },
};
#define NOBJECTS (sizeof objects / sizeof objects[0])

static const char *const color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char	*name;
	unsigned	 attr;
} attr_names[] = {
	{ "bold", COLOR_ATTR_BOLD },
	{ "underline", COLOR_ATTR_UNDERLINE },
	{ "reverse", COLOR_ATTR_REVERSE },
	{ "italic", COLOR_ATTR_ITALIC },
	{ "blink", COLOR_ATTR_BLINK },
	{ "dim", COLOR_ATTR_DIM },
};

/* What a fresh config shows before any `color` line: readable anywhere. */
static const char default_colors[] =
	"color indicator reverse default default\n"
	"color status reverse default default\n"
	"color error bold red default\n"
	"color tree magenta default\n"
	"color markers red default\n"
	"color tilde blue default\n"
	"color search reverse default default\n"
	"color quoted blue default\n"
	"color quoted1 green default\n"
	"color signature dim default default\n"
	"color sidebar_new bold default default\n"
	"color sidebar_divider blue default\n";

struct colors {
	struct color_entry	*e[NOBJECTS];	/* owned */
	size_t			 n[NOBJECTS];
};

static void entry_free(struct color_entry *);
static void format_color(const struct color *, struct buf *);
static bool entry_eq(const struct color_entry *, const struct color_entry *);
static bool colors_eq(const struct colors *, const struct colors *);
static char *unknown_object(const char *);

struct colors *
colors_new(void)
{
	struct colors	*c = xcalloc(1, sizeof *c);
	struct config	*tmp;
	struct buf	 errors = BUF_INIT;
	struct rc_ctx	 ctx;

	/* The defaults are rc lines, run through the same parser. */
	tmp = xcalloc(1, sizeof *tmp);
	tmp->colors = c;
	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = tmp;
	ctx.file = "(default colours)";
	ctx.errors = &errors;
	rc_run(&ctx, default_colors);
	assert(errors.len == 0 && "bad default colour line");
	free(tmp);
	buf_free(&errors);
	return c;
}

static void
entry_free(struct color_entry *e)
{
	x_free(&e->pattern);
}

void
colors_free(struct colors **cp)
{
	struct colors	*c = *cp;

	if (c == NULL)
		return;
	colors_clear(c, -1);
	free(c);
	*cp = NULL;
}

const struct color_object *
colors_objects(size_t *count)
{
	*count = NOBJECTS;
	return objects;
}

int
colors_object_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NOBJECTS; i++) {
		if (strcmp(objects[i].name, name) == 0)
			return (int)i;
	}
	/* mutt's older name for level 0. */
	if (strcmp(name, "quoted0") == 0)
		return colors_object_find("quoted");
	return -1;
}

int
colors_parse_color(const char *s, struct color *c, char **error_r)
{
	const char	*name = s;
	char		*end;
	unsigned long	 v;
	size_t		 i;
	bool		 bright = false;

	if (str_ieq(s, "default")) {
		c->kind = COLOR_DEFAULT;
		c->value = 0;
		return 0;
	}
	if (s[0] == '#') {
		if (strlen(s) == 7 && strspn(s + 1, "0123456789abcdefABCDEF") == 6) {
			c->kind = COLOR_RGB;
			c->value = (uint32_t)strtoul(s + 1, NULL, 16);
			return 0;
		}
		*error_r = xasprintf("bad colour '%s' (#rrggbb has six hex digits)", s);
		return -1;
	}
	if (str_has_iprefix(s, "color") && isdigit((unsigned char)s[5])) {
		v = strtoul(s + 5, &end, 10);
		if (*end == '\0' && v <= 255) {
			c->kind = COLOR_INDEX;
			c->value = (uint32_t)v;
			return 0;
		}
		*error_r = xasprintf("bad colour '%s' (colorN takes N from 0 to 255)", s);
		return -1;
	}
	if (str_has_iprefix(name, "bright")) {
		bright = true;
		name += 6;
	}
	for (i = 0; i < 8; i++) {
		if (str_ieq(name, color_names[i])) {
			c->kind = COLOR_INDEX;
			c->value = (uint32_t)(i + (bright ? 8 : 0));
			return 0;
		}
	}
	*error_r = xasprintf("unknown colour '%s' (a name such as red or brightred, "
	    "colorN, #rrggbb or default)", s);
	return -1;
}

int
colors_parse_attr(const char *s, unsigned *attrs)
{
	size_t	i;

	if (str_ieq(s, "none") || str_ieq(s, "normal")) {
		*attrs = 0;
		return 0;
	}
	for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (str_ieq(s, attr_names[i].name)) {
			*attrs |= attr_names[i].attr;
			return 0;
		}
	}
	return -1;
}

void
colors_set(struct colors *c, int obj, const struct color_entry *e)
{
	struct color_entry	*d = NULL;
	size_t			 i;

	for (i = 0; i < c->n[obj]; i++) {
		const char *p = c->e[obj][i].pattern;

		if ((p == NULL && e->pattern == NULL) ||
		    (p != NULL && e->pattern != NULL && strcmp(p, e->pattern) == 0)) {
			d = &c->e[obj][i];
			entry_free(d);
			break;
		}
	}
	if (d == NULL) {
		c->e[obj] = xreallocarray(c->e[obj], c->n[obj] + 1, sizeof *c->e[obj]);
		/* The plain entry goes first, patterns in the order given. */
		if (e->pattern == NULL) {
			memmove(&c->e[obj][1], &c->e[obj][0], c->n[obj] * sizeof *c->e[obj]);
			d = &c->e[obj][0];
		} else
			d = &c->e[obj][c->n[obj]];
		c->n[obj]++;
	}
	*d = *e;
	d->pattern = e->pattern != NULL ? xstrdup(e->pattern) : NULL;
}

bool
colors_unset(struct colors *c, int obj, const char *pattern)
{
	size_t	i;

	for (i = 0; i < c->n[obj]; i++) {
		const char *p = c->e[obj][i].pattern;

		if ((p == NULL && pattern == NULL) ||
		    (p != NULL && pattern != NULL && strcmp(p, pattern) == 0)) {
			entry_free(&c->e[obj][i]);
			memmove(&c->e[obj][i], &c->e[obj][i + 1],
			    (c->n[obj] - i - 1) * sizeof *c->e[obj]);
			c->n[obj]--;
			return true;
		}
	}
	return false;
}

void
colors_clear(struct colors *c, int obj)
{
	size_t	i, o;

	for (o = 0; o < NOBJECTS; o++) {
		if (obj >= 0 && (size_t)obj != o)
			continue;
		for (i = 0; i < c->n[o]; i++)
			entry_free(&c->e[o][i]);
		free(c->e[o]);
		c->e[o] = NULL;
		c->n[o] = 0;
	}
}

const struct color_entry *
colors_get(const struct colors *c, int obj, size_t *count)
{
	*count = c->n[obj];
	return c->e[obj];
}

static void
format_color(const struct color *c, struct buf *out)
{
	switch (c->kind) {
	case COLOR_DEFAULT:
		buf_adds(out, "default");
		break;
	case COLOR_RGB:
		buf_printf(out, "#%06x", (unsigned)c->value);
		break;
	case COLOR_INDEX:
		if (c->value < 8)
			buf_adds(out, color_names[c->value]);
		else if (c->value < 16)
			buf_printf(out, "bright%s", color_names[c->value - 8]);
		else
			buf_printf(out, "color%u", (unsigned)c->value);
		break;
	}
}

static bool
entry_eq(const struct color_entry *a, const struct color_entry *b)
{
	if (a->fg.kind != b->fg.kind || a->fg.value != b->fg.value ||
	    a->bg.kind != b->bg.kind || a->bg.value != b->bg.value ||
	    a->attrs != b->attrs)
		return false;
	if (a->pattern == NULL || b->pattern == NULL)
		return a->pattern == b->pattern;
	return strcmp(a->pattern, b->pattern) == 0;
}

static bool
colors_eq(const struct colors *a, const struct colors *b)
{
	size_t	o, i;

	for (o = 0; o < NOBJECTS; o++) {
		if (a->n[o] != b->n[o])
			return false;
		for (i = 0; i < a->n[o]; i++) {
			if (!entry_eq(&a->e[o][i], &b->e[o][i]))
				return false;
		}
	}
	return true;
}

void
colors_dump(const struct colors *c, bool all, struct buf *out)
{
	struct colors	*def;
	size_t		 o, i, j;
	bool		 same;

	if (!all) {
		def = colors_new();
		same = colors_eq(c, def);
		colors_free(&def);
		if (same)
			return;
	}
	buf_adds(out, "uncolor *\n");
	for (o = 0; o < NOBJECTS; o++) {
		for (i = 0; i < c->n[o]; i++) {
			const struct color_entry *e = &c->e[o][i];

			buf_printf(out, "color %s", objects[o].name);
			for (j = 0; j < sizeof attr_names / sizeof attr_names[0]; j++) {
				if (e->attrs & attr_names[j].attr)
					buf_printf(out, " %s", attr_names[j].name);
			}
			buf_addc(out, ' ');
			format_color(&e->fg, out);
			buf_addc(out, ' ');
			format_color(&e->bg, out);
			if (e->pattern != NULL) {
				buf_addc(out, ' ');
				config_quote(out, e->pattern);
			}
			buf_addc(out, '\n');
		}
	}
}

static char *
unknown_object(const char *name)
{
	const char	*names[NOBJECTS], *guess;
	size_t		 i;

	for (i = 0; i < NOBJECTS; i++)
		names[i] = objects[i].name;
	if ((guess = config_nearest(name, names, NOBJECTS)) != NULL)
		return xasprintf("unknown colour object '%s' (did you mean '%s'?)", name, guess);
	return xasprintf("unknown colour object '%s'", name);
}

/* color OBJECT [ATTR...] FG BG [PATTERN] */
int
rc_cmd_color(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct color_entry	 e;
	size_t			 i = 2;
	int			 obj;

	if (w->n < 4) {
		*error_r = xstrdup("color: usage: color OBJECT [ATTRIBUTE...] FOREGROUND "
		    "BACKGROUND [PATTERN]");
		return -1;
	}
	if ((obj = colors_object_find(w->w[1].text)) < 0) {
		*error_r = unknown_object(w->w[1].text);
		return -1;
	}
	memset(&e, 0, sizeof e);
	while (i < w->n && colors_parse_attr(w->w[i].text, &e.attrs) == 0)
		i++;
	if (w->n - i < 2) {
		*error_r = xasprintf("color %s: missing foreground and background colours",
		    w->w[1].text);
		return -1;
	}
	if (colors_parse_color(w->w[i].text, &e.fg, error_r) < 0 ||
	    colors_parse_color(w->w[i + 1].text, &e.bg, error_r) < 0)
		return -1;
	i += 2;
	if (i < w->n) {
		if (!(objects[obj].flags & COLOR_OBJ_PATTERN)) {
			*error_r = xasprintf("color %s takes no pattern", objects[obj].name);
			return -1;
		}
		if (i + 1 < w->n) {
			*error_r = xasprintf("color %s: too many words (quote the pattern)",
			    objects[obj].name);
			return -1;
		}
		e.pattern = w->w[i].text;
	} else if (objects[obj].flags & COLOR_OBJ_NEEDS_PATTERN) {
		*error_r = xasprintf("color %s needs a pattern", objects[obj].name);
		return -1;
	}
	colors_set(config_colors(ctx->cfg), obj, &e);
	return 0;
}

/* uncolor OBJECT [PATTERN...|*], uncolor * */
int
rc_cmd_uncolor(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct colors	*c = config_colors(ctx->cfg);
	size_t		 i;
	int		 obj;

	if (w->n < 2) {
		*error_r = xstrdup("uncolor: usage: uncolor OBJECT [PATTERN...|*]");
		return -1;
	}
	if (strcmp(w->w[1].text, "*") == 0 && w->n == 2) {
		colors_clear(c, -1);
		return 0;
	}
	if ((obj = colors_object_find(w->w[1].text)) < 0) {
		*error_r = unknown_object(w->w[1].text);
		return -1;
	}
	if (w->n == 2) {
		if (objects[obj].flags & COLOR_OBJ_NEEDS_PATTERN)
			colors_clear(c, obj);
		else
			colors_unset(c, obj, NULL);
		return 0;
	}
	for (i = 2; i < w->n; i++) {
		if (strcmp(w->w[i].text, "*") == 0)
			colors_clear(c, obj);
		else
			colors_unset(c, obj, w->w[i].text);
	}
	return 0;
}
