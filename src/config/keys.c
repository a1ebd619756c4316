/*
 * Key notation, as in mutt: characters stand for themselves, <Name> for a
 * named key (<Esc>, <F5>, <PageDown>, <177> in octal), ^X and \Cx for
 * control keys. The rc lexer has already turned \Cx, \e and \n into
 * characters outside single quotes; they are read here too for the rest.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config_keymap.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

static int utf8_decode(const char **);
static int named_key(const char *, size_t);
static int parse_one(const char *, const char **, bool, int *, char **);

/* Looked up in order: the first name of a key is the one shown. */
static const struct {
	const char	*name;
	int		 key;
} key_names[] = {
	{ "Esc", 27 },
	{ "Enter", '\n' },
	{ "Return", '\n' },
	{ "KeypadEnter", '\n' },
	{ "Tab", '\t' },
	{ "BackTab", KEYC_BACKTAB },
	{ "Space", ' ' },
	{ "Backspace", KEYC_BACKSPACE },
	{ "Delete", KEYC_DELETE },
	{ "Insert", KEYC_INSERT },
	{ "Home", KEYC_HOME },
	{ "End", KEYC_END },
	{ "PageUp", KEYC_PAGEUP },
	{ "PageDown", KEYC_PAGEDOWN },
	{ "Up", KEYC_UP },
	{ "Down", KEYC_DOWN },
	{ "Left", KEYC_LEFT },
	{ "Right", KEYC_RIGHT },
};

/* One code point from UTF-8; -1 when malformed. */
static int
utf8_decode(const char **sp)
{
	const unsigned char	*s = (const unsigned char *)*sp;
	int			 cp, need, i;

	if (s[0] < 0x80) {
		*sp += 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		need = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		need = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		need = 3;
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < (need == 1 ? 0x80 :
	    need == 2 ? 0x800 : 0x10000))
		return -1;
	*sp += need + 1;
	return cp;
}


/* The key named by the text between < and >, or -1. */
static int
named_key(const char *s, size_t n)
{
	char	*name = xstrndup(s, n), *end;
	long	 v;
	size_t	 i;
	int	 key = -1;

	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if (str_ieq(name, key_names[i].name)) {
			key = key_names[i].key;
			goto out;
		}
	}
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		v = strtol(name + 1, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 63)
			key = KEYC_F0 + (int)v;
	} else if (n > 0 && strspn(name, "01234567") == n && n <= 3) {
		v = strtol(name, NULL, 8);
		if (v > 0)
			key = (int)v;
	}
out:
	free(name);
	return key;
}

/* One key (or, in a macro, one function call) from *sp. */
static int
parse_one(const char *text, const char **sp, bool macro, int *key_r, char **error_r)
{
	const struct keymap_function	*fns;
	const char			*s = *sp, *gt = NULL;
	size_t				 n, i, len;
	int				 key = -1;

	if (*s == '<' && (gt = strchr(s + 1, '>')) != NULL) {
		len = (size_t)(gt - s - 1);
		if ((key = named_key(s + 1, len)) >= 0) {
			*sp = gt + 1;
			goto done;
		}
		if (macro) {
			fns = keymap_functions(&n);
			for (i = 0; i < n; i++) {
				if (strlen(fns[i].name) == len && strncmp(fns[i].name, s + 1, len) == 0) {
					*key_r = KEYC_FUNCTION + (int)i;
					*sp = gt + 1;
					return 0;
				}
			}
		} else if (len > 1 && strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_-") == len) {
			/* A typo in a key name should not bind a sequence of letters. */
			*error_r = xasprintf("unknown key name '%.*s' (see KEYS in crispinrc(5))",
			    (int)(len + 2), s);
			return -1;
		}
	}
	if (*s == '^' && s[1] != '\0') {
		key = s[1] == '?' ? 127 : toupper((unsigned char)s[1]) & 0x1f;
		s += 2;
	} else if (*s == '\\' && s[1] != '\0') {
		s++;
		if ((*s == 'C' || *s == 'c') && s[1] != '\0') {
			key = s[1] == '?' ? 127 : toupper((unsigned char)s[1]) & 0x1f;
			s += 2;
		} else if (*s == 'e' || *s == 'E') {
			key = 27;
			s++;
		} else if (*s == 'n' || *s == 'r') {
			key = '\n';
			s++;
		} else if (*s == 't') {
			key = '\t';
			s++;
		} else
			key = utf8_decode(&s);
	} else
		key = utf8_decode(&s);
	if (key < 0) {
		*error_r = xasprintf("key '%s' is not valid UTF-8", text);
		return -1;
	}
	*sp = s;
done:
	if (key == '\r')
		key = '\n';
	if (key == 0) {
		*error_r = xasprintf("key '%s': NUL is not a key", text);
		return -1;
	}
	*key_r = key;
	return 0;
}

int
keymap_parse_keys(const char *text, struct key_seq *seq, char **error_r)
{
	const char	*s = text;
	int		 key;

	seq->n = 0;
	while (*s != '\0') {
		if (parse_one(text, &s, false, &key, error_r) < 0)
			return -1;
		if (seq->n == KEYMAP_MAX_KEYS) {
			*error_r = xasprintf("key '%s' is longer than %d keys", text,
			    KEYMAP_MAX_KEYS);
			return -1;
		}
		seq->keys[seq->n++] = key;
	}
	if (seq->n == 0) {
		*error_r = xstrdup("empty key");
		return -1;
	}
	return 0;
}

int
keymap_parse_macro(const char *text, int **keys_r, size_t *n_r, char **error_r)
{
	const char	*s = text;
	int		*keys = NULL;
	size_t		 n = 0;
	int		 key;

	while (*s != '\0') {
		if (parse_one(text, &s, true, &key, error_r) < 0) {
			free(keys);
			return -1;
		}
		keys = xreallocarray(keys, n + 1, sizeof *keys);
		keys[n++] = key;
	}
	*keys_r = keys;
	*n_r = n;
	return 0;
}

void
keymap_format_keys(const struct key_seq *seq, struct buf *out)
{
	size_t	i, j;
	int	k;

	for (i = 0; i < seq->n; i++) {
		k = seq->keys[i];
		for (j = 0; j < sizeof key_names / sizeof key_names[0]; j++) {
			if (key_names[j].key == k)
				break;
		}
		if (j < sizeof key_names / sizeof key_names[0])
			buf_printf(out, "<%s>", key_names[j].name);
		else if (k >= KEYC_F0 && k <= KEYC_LAST)
			buf_printf(out, "<F%d>", k - KEYC_F0);
		else if (k == 127)
			buf_adds(out, "^?");
		else if (k < 32)
			buf_printf(out, "^%c", k + '@');
		else if ((k == '^' && i + 1 < seq->n) || k == '\\')
			/* "^x" would read back as Ctrl-x; a last ^ is just ^. */
			buf_printf(out, "\\%c", k);
		else if (k == '<' && i + 1 < seq->n)
			buf_adds(out, "<74>");
		else if (k >= KEYC_BASE)
			buf_printf(out, "<%o>", (unsigned)k);
		else
			buf_add_utf8(out, (unsigned long)k);
	}
}
