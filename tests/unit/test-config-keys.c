/* Key notation, the keymap (bind, unbind, macro, lookup) and colours. */
#include <stdlib.h>
#include <string.h>

#include "crispin/config_colors.h"
#include "crispin/config.h"
#include "crispin/config_keymap.h"
#include "test.h"

static const char *
load(struct config *cfg, const char *text, int *bad)
{
	static struct buf	errors = BUF_INIT;

	buf_reset(&errors);
	*bad = config_load_string(cfg, "rc", text, &errors);
	return buf_cstr(&errors);
}

/* The function name bound to keys (given in notation) in map, or NULL. */
static const char *
bound(struct config *cfg, enum keymap_map map, const char *keys)
{
	const struct keymap_function	*fns;
	const struct keymap_binding	*b;
	struct key_seq			 seq;
	size_t				 n;
	char				*err = NULL;

	if (keymap_parse_keys(keys, &seq, &err) < 0) {
		free(err);
		return "(bad keys)";
	}
	if (keymap_lookup(config_keymap(cfg), map, seq.keys, seq.n, &b) != KEYMAP_MATCH)
		return NULL;
	if (b->function < 0)
		return b->macro;
	fns = keymap_functions(&n);
	return fns[b->function].name;
}

static void
test_parse(void)
{
	static const struct {
		const char	*text;
		size_t		 n;
		int		 keys[4];
		const char	*shown;
	} cases[] = {
		{ "x", 1, { 'x' }, "x" },
		{ "gg", 2, { 'g', 'g' }, "gg" },
		{ "<Esc>x", 2, { 27, 'x' }, "<Esc>x" },
		{ "<esc>X", 2, { 27, 'X' }, "<Esc>X" },
		{ "\033v", 2, { 27, 'v' }, "<Esc>v" },
		{ "^X", 1, { 24 }, "^X" },
		{ "^x", 1, { 24 }, "^X" },
		{ "\\Cx", 1, { 24 }, "^X" },
		{ "\\ex", 2, { 27, 'x' }, "<Esc>x" },
		{ "^?", 1, { 127 }, "^?" },
		{ "<F5>", 1, { KEYC_F0 + 5 }, "<F5>" },
		{ "<PageDown>", 1, { KEYC_PAGEDOWN }, "<PageDown>" },
		{ "<Up><Down>", 2, { KEYC_UP, KEYC_DOWN }, "<Up><Down>" },
		{ "<Enter>", 1, { '\n' }, "<Enter>" },
		{ "<Return>", 1, { '\n' }, "<Enter>" },
		{ "\r", 1, { '\n' }, "<Enter>" },
		{ "<Tab>", 1, { '\t' }, "<Tab>" },
		{ "<Space>", 1, { ' ' }, "<Space>" },
		{ "<BackTab>", 1, { KEYC_BACKTAB }, "<BackTab>" },
		{ "<177>", 1, { 127 }, "^?" },
		{ "<", 1, { '<' }, "<" },
		{ "<x>", 3, { '<', 'x', '>' }, "<74>x>" },
		{ "^", 1, { '^' }, "^" },
		{ "\\^a", 2, { '^', 'a' }, "\\^a" },
		{ "\\\\", 1, { '\\' }, "\\\\" },
		{ "é", 1, { 0xe9 }, "é" },
	};
	static const char *const bad[] = {
		"", "123456789", "\xff", "^@", "<PgDown>",
	};
	struct key_seq	 seq;
	struct buf	 b = BUF_INIT;
	char		*err = NULL;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (keymap_parse_keys(cases[i].text, &seq, &err) < 0) {
			TEST_CHECK(0, "parse '%s': %s", cases[i].text, err);
			free(err);
			continue;
		}
		TEST_CHECK(seq.n == cases[i].n &&
		    memcmp(seq.keys, cases[i].keys, seq.n * sizeof(int)) == 0,
		    "keys of '%s'", cases[i].text);
		buf_reset(&b);
		keymap_format_keys(&seq, &b);
		TEST_STREQ(buf_cstr(&b), cases[i].shown, "notation of '%s'", cases[i].text);
		/* What is shown reads back as the same keys. */
		{
			struct key_seq again;

			TEST_CHECK(keymap_parse_keys(buf_cstr(&b), &again, &err) == 0 &&
			    again.n == seq.n &&
			    memcmp(again.keys, seq.keys, seq.n * sizeof(int)) == 0,
			    "'%s' reads back", buf_cstr(&b));
		}
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		TEST_CHECK(keymap_parse_keys(bad[i], &seq, &err) < 0 && err != NULL,
		    "reject key %zu", i);
		free(err);
	}
	buf_free(&b);
}

static void
test_defaults(void)
{
	struct config			*cfg = config_new();
	const struct keymap_function	*fns;
	const struct keymap_binding	*bs;
	size_t				 n, i, j, m;
	bool				 help = true, clash = false;

	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "d"), "delete-message", "index d");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "j"), "next-entry", "index falls back to generic");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "q"), "quit", "index q overrides generic");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "<Return>"), "display-message", "Return is Enter");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "<Esc>v"), "collapse-thread", "Esc sequences");
	TEST_STREQ(bound(cfg, KEYMAP_PAGER, "j"), "next-undeleted", "pager j");
	TEST_CHECK(bound(cfg, KEYMAP_PAGER, "=") == NULL, "the pager does not fall back to generic");
	TEST_STREQ(bound(cfg, KEYMAP_BROWSER, "<Enter>"), "select-entry", "browser Enter");
	TEST_STREQ(bound(cfg, KEYMAP_EDITOR, "^A"), "bol", "editor ^A");
	{
		/* Issue 5's keys. */
		static const char *const keys[][2] = {
			{ "x", "exit" }, { "$", "sync-mailbox" }, { "s", "save-message" },
			{ "C", "copy-message" }, { "N", "toggle-new" }, { "F", "flag-message" },
			{ "t", "tag-entry" }, { ";", "tag-prefix" }, { "T", "tag-pattern" },
			{ "l", "limit" }, { "/", "search" }, { "o", "sort-mailbox" },
			{ "c", "change-folder" }, { "y", "browse-mailboxes" },
			{ "B", "sidebar-toggle-visible" }, { "v", "view-attachments" },
			{ "r", "reply" }, { "g", "group-reply" }, { "L", "list-reply" },
			{ "f", "forward-message" }, { "m", "mail" }, { ":", "enter-command" },
			{ "?", "help" }, { "u", "undelete-message" }, { "k", "previous-entry" },
		};

		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			TEST_STREQ(bound(cfg, KEYMAP_INDEX, keys[i][0]), keys[i][1],
			    "index %s", keys[i][0]);
	}
	fns = keymap_functions(&n);
	for (i = 0; i < n; i++) {
		if (fns[i].help == NULL || fns[i].help[0] == '\0' || fns[i].maps == 0)
			help = false;
	}
	TEST_CHECK(help, "every function has a help line and a map");
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		bs = keymap_bindings(config_keymap(cfg), (enum keymap_map)m, &n);
		for (i = 0; i < n; i++) {
			for (j = 0; j < n; j++) {
				if (i != j && bs[i].seq.n <= bs[j].seq.n &&
				    memcmp(bs[i].seq.keys, bs[j].seq.keys,
				    bs[i].seq.n * sizeof(int)) == 0)
					clash = true;
			}
		}
	}
	TEST_CHECK(!clash, "no default binding hides another");
	bs = keymap_bindings(config_keymap(cfg), KEYMAP_INDEX, &n);
	TEST_CHECK(n > 50, "index has its bindings (%zu)", n);
	config_free(&cfg);
}

static void
test_bind(void)
{
	struct config			*cfg = config_new();
	const struct keymap_binding	*b;
	struct key_seq			 seq;
	const char			*err;
	char				*e = NULL;
	int				 bad;

	err = load(cfg,
	    "bind index gg first-entry\n"
	    "bind index,pager J next-thread\n"
	    "bind generic \\Cf next-page\n"
	    "bind pager <F5> sync-mailbox\n"
	    "macro index ,i '<change-folder>=INBOX<enter>' 'go to the inbox'\n"
	    "macro pager \\; \"<exit><tag-prefix>\"\n"
	    "unbind index d\n"
	    "bind index <Esc>v noop\n", &bad);
	TEST_INTEQ(bad, 0, "bindings: %s", err);
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "gg"), "first-entry", "multi-key binding");
	TEST_CHECK(keymap_parse_keys("g", &seq, &e) == 0 &&
	    keymap_lookup(config_keymap(cfg), KEYMAP_INDEX, seq.keys, 1, &b) == KEYMAP_PREFIX,
	    "g is now a prefix");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "J"), "next-thread", "two maps at once");
	TEST_STREQ(bound(cfg, KEYMAP_PAGER, "J"), "next-thread", "two maps at once (pager)");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "^F"), "next-page", "generic binding seen in index");
	TEST_STREQ(bound(cfg, KEYMAP_PAGER, "<F5>"), "sync-mailbox", "function key");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, ",i"), "<change-folder>=INBOX<enter>", "macro");
	TEST_CHECK(keymap_parse_keys(",i", &seq, &e) == 0 &&
	    keymap_lookup(config_keymap(cfg), KEYMAP_INDEX, seq.keys, seq.n, &b) == KEYMAP_MATCH &&
	    b->function == -1 && strcmp(b->description, "go to the inbox") == 0,
	    "macro description");
	TEST_STREQ(bound(cfg, KEYMAP_PAGER, ";"), "<exit><tag-prefix>", "escaped ; as a key");
	TEST_CHECK(bound(cfg, KEYMAP_INDEX, "d") == NULL, "unbind");
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "<Esc>v"), "noop", "noop masks a key");
	TEST_CHECK(keymap_parse_keys("z", &seq, &e) == 0 &&
	    keymap_lookup(config_keymap(cfg), KEYMAP_INDEX, seq.keys, 1, &b) == KEYMAP_NONE,
	    "unbound key");

	err = load(cfg,
	    "bind index x nxt-entry\n"
	    "bind indx x next-entry\n"
	    "bind index <F99> next-entry\n"
	    "bind editor x display-message\n"
	    "bind index x\n"
	    "macro index x\n"
	    "unbind nomap\n"
	    "bind index,pager K first-entry\n", &bad);
	TEST_INTEQ(bad, 8, "bad bindings");
	TEST_CHECK(strstr(err, "rc:1: bind: unknown function 'nxt-entry' in map index "
	    "(did you mean 'next-entry'?)") != NULL, "function suggestion: %s", err);
	TEST_CHECK(strstr(err, "rc:2: unknown map 'indx' (did you mean 'index'?)") != NULL,
	    "map suggestion: %s", err);
	TEST_CHECK(strstr(err, "rc:3: bind: unknown key name '<F99>'") != NULL, "bad key name: %s", err);
	TEST_CHECK(strstr(err, "rc:4: bind: function 'display-message' does not exist in map editor") != NULL,
	    "function of another map: %s", err);
	TEST_CHECK(strstr(err, "rc:5: bind: usage") != NULL, "bind usage: %s", err);
	TEST_CHECK(strstr(err, "rc:8: bind: function 'first-entry' does not exist in map pager") != NULL,
	    "checked in every map: %s", err);
	TEST_STREQ(bound(cfg, KEYMAP_INDEX, "K"), NULL, "a bad line binds nothing");

	err = load(cfg, "unmacro index ,i\nunmacro pager J\nunbind * gg\n", &bad);
	TEST_INTEQ(bad, 0, "unmacro: %s", err);
	TEST_CHECK(bound(cfg, KEYMAP_INDEX, ",i") == NULL, "unmacro removes a macro");
	TEST_STREQ(bound(cfg, KEYMAP_PAGER, "J"), "next-thread", "unmacro keeps functions");
	TEST_CHECK(bound(cfg, KEYMAP_INDEX, "gg") == NULL, "unbind * KEY");
	err = load(cfg, "unbind index\n", &bad);
	TEST_CHECK(bound(cfg, KEYMAP_INDEX, "s") == NULL &&
	    strcmp(bound(cfg, KEYMAP_INDEX, "j"), "next-entry") == 0, "unbind MAP clears it");
	config_free(&cfg);
}

static void
test_colors(void)
{
	struct config			*cfg = config_new();
	const struct color_entry	*e;
	struct color			 c;
	const char			*err;
	char				*msg = NULL;
	size_t				 n;
	int				 bad, obj;

	TEST_CHECK(colors_parse_color("brightred", &c, &msg) == 0 &&
	    c.kind == COLOR_INDEX && c.value == 9, "brightred");
	TEST_CHECK(colors_parse_color("color208", &c, &msg) == 0 &&
	    c.kind == COLOR_INDEX && c.value == 208, "colorN");
	TEST_CHECK(colors_parse_color("#FF8000", &c, &msg) == 0 &&
	    c.kind == COLOR_RGB && c.value == 0xff8000, "#rrggbb");
	TEST_CHECK(colors_parse_color("default", &c, &msg) == 0 && c.kind == COLOR_DEFAULT, "default");

	err = load(cfg,
	    "color status bold underline white blue\n"
	    "color index_subject italic brightyellow default '~N'\n"
	    "color index_subject red default '~F'\n"
	    "color index_subject green default '~N'\n"
	    "color header #ff0000 color17 \"^(From|Subject):\"\n"
	    "color quoted3 cyan default\n"
	    "color sidebar_new none green default\n", &bad);
	TEST_INTEQ(bad, 0, "colours: %s", err);
	obj = colors_object_find("status");
	e = colors_get(config_colors(cfg), obj, &n);
	TEST_CHECK(n == 1 && e[0].attrs == (COLOR_ATTR_BOLD | COLOR_ATTR_UNDERLINE) &&
	    e[0].fg.value == 7 && e[0].bg.value == 4 && e[0].pattern == NULL,
	    "status replaced the default, with attributes");
	e = colors_get(config_colors(cfg), colors_object_find("index_subject"), &n);
	TEST_CHECK(n == 2 && strcmp(e[0].pattern, "~N") == 0 && e[0].fg.value == 2 &&
	    e[0].attrs == 0 && strcmp(e[1].pattern, "~F") == 0,
	    "the same pattern replaces its entry, in place");
	e = colors_get(config_colors(cfg), colors_object_find("header"), &n);
	TEST_CHECK(n == 1 && e[0].fg.kind == COLOR_RGB && e[0].bg.value == 17 &&
	    strcmp(e[0].pattern, "^(From|Subject):") == 0, "header with a regex");
	e = colors_get(config_colors(cfg), colors_object_find("sidebar_new"), &n);
	TEST_CHECK(n == 1 && e[0].attrs == 0 && e[0].fg.value == 2, "none clears attributes");

	err = load(cfg,
	    "color statu red default\n"
	    "color status red\n"
	    "color status reddish default\n"
	    "color status red default ~N\n"
	    "color header red default\n"
	    "color index color256 default\n"
	    "color index #12345 default\n"
	    "uncolor nothing\n", &bad);
	TEST_INTEQ(bad, 8, "bad colour lines");
	TEST_CHECK(strstr(err, "rc:1: unknown colour object 'statu' (did you mean 'status'?)") != NULL,
	    "object suggestion: %s", err);
	TEST_CHECK(strstr(err, "rc:3: unknown colour 'reddish'") != NULL, "bad colour: %s", err);
	TEST_CHECK(strstr(err, "rc:4: color status takes no pattern") != NULL, "no pattern: %s", err);
	TEST_CHECK(strstr(err, "rc:5: color header needs a pattern") != NULL, "needs pattern: %s", err);

	err = load(cfg, "uncolor index_subject '~F'\nuncolor status\n", &bad);
	TEST_INTEQ(bad, 0, "uncolor: %s", err);
	colors_get(config_colors(cfg), colors_object_find("index_subject"), &n);
	TEST_INTEQ(n, 1, "uncolor one pattern");
	colors_get(config_colors(cfg), obj, &n);
	TEST_INTEQ(n, 0, "uncolor an object");
	err = load(cfg, "uncolor *\n", &bad);
	colors_get(config_colors(cfg), colors_object_find("quoted3"), &n);
	TEST_INTEQ(n, 0, "uncolor * clears all");
	free(msg);
	config_free(&cfg);
}

static void
test_macro_keys(void)
{
	int	*keys = NULL;
	size_t	 n = 0;
	char	*err = NULL;
	int	 fn = keymap_function_find(KEYMAP_INDEX, "change-folder");

	TEST_CHECK(keymap_parse_macro("<change-folder>=IN<enter>^G<x>", &keys, &n, &err) == 0,
	    "macro parses");
	TEST_INTEQ(n, 9, "macro length");
	TEST_CHECK(n == 9 && keys[0] == KEYC_FUNCTION + fn && keys[1] == '=' &&
	    keys[2] == 'I' && keys[3] == 'N' && keys[4] == '\n' && keys[5] == 7 &&
	    keys[6] == '<' && keys[7] == 'x' && keys[8] == '>', "functions, keys and literals");
	free(keys);
	TEST_CHECK(keymap_parse_macro("\xff", &keys, &n, &err) == -1, "bad UTF-8 in a macro");
	free(err);
}

/* Hostile rc text never crashes the lexer or the commands (run under the
 * sanitizers). Backticks are left out: they would run programs. */
static void
test_random_input(void)
{
	static const char *const pieces[] = {
		"set ", "bind ", "macro ", "color ", "uncolor ", "unbind ", "account ",
		"end", "toggle ", "reset ", "alias ", "mailboxes ", "ignore ", "unset ",
		"folder-hook ", "index ", "pager,index ", "sort", "=", " ", "\"", "'",
		"\\", "\n", ";", "#", "$HOME", "${", "}", "<Esc>", "<F", ">", "^",
		"x", "gg", "red", "#ff0000", "default", "~N", "\\C", "no", "inv",
		"tls", "sidebar_width", "reverse-", "\xc3", "\xa9", "\t", "\\\n",
		"status", "next-entry", "all", "*", ",", "0", "999999999999999999999",
	};
	struct config	*cfg;
	struct buf	 text = BUF_INIT, errors = BUF_INIT, dump = BUF_INIT;
	unsigned	 seed = 12345, i, j;

	for (i = 0; i < 500; i++) {
		buf_reset(&text);
		for (j = 0; j < 40; j++) {
			seed = seed * 1103515245u + 12345u;
			buf_adds(&text, pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])]);
		}
		cfg = config_new();
		buf_reset(&errors);
		config_load_string(cfg, "fuzz", buf_cstr(&text), &errors);
		buf_reset(&dump);
		config_dump(cfg, false, &dump);
		config_free(&cfg);
	}
	TEST_CHECK(1, "500 random rc texts loaded and dumped");
	buf_free(&text);
	buf_free(&errors);
	buf_free(&dump);
}

int
main(void)
{
	test_parse();
	test_random_input();
	test_macro_keys();
	test_defaults();
	test_bind();
	test_colors();
	return test_done();
}
