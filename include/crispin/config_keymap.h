/*
 * Key bindings: maps (generic, index, pager, ...), the functions each map
 * offers, key sequences in the mutt notation, and the bindings made by the
 * default table and by `bind`, `unbind` and `macro`. The UI feeds keys one
 * at a time and asks keymap_lookup whether the keys so far are a binding,
 * the start of one, or nothing; the help screen iterates the bindings.
 */
#ifndef CRISPIN_CONFIG_KEYMAP_H
#define CRISPIN_CONFIG_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "crispin/buf.h"

/* A key is a Unicode code point, or one of these for keys with no
 * character. Enter and Return are both '\n'; Esc is 27. */
#define KEYC_BASE	0x110000
enum {
	KEYC_UP = KEYC_BASE,
	KEYC_DOWN,
	KEYC_LEFT,
	KEYC_RIGHT,
	KEYC_PAGEUP,
	KEYC_PAGEDOWN,
	KEYC_HOME,
	KEYC_END,
	KEYC_INSERT,
	KEYC_DELETE,
	KEYC_BACKSPACE,
	KEYC_BACKTAB,
	KEYC_F0,		/* KEYC_F0 + n is Fn, n <= 63 */
	KEYC_LAST = KEYC_F0 + 63,
	KEYC_FUNCTION,		/* + n: call function n (in macros) */
};

#define KEYMAP_MAX_KEYS	8	/* the longest key sequence */

struct key_seq {
	int	 keys[KEYMAP_MAX_KEYS];
	size_t	 n;
};

enum keymap_map {
	KEYMAP_GENERIC,
	KEYMAP_INDEX,
	KEYMAP_PAGER,
	KEYMAP_ATTACH,
	KEYMAP_BROWSER,
	KEYMAP_COMPOSE,
	KEYMAP_EDITOR,
	KEYMAP_NMAPS,
};

struct keymap_function {
	const char	*name;		/* e.g. "next-entry" */
	unsigned	 maps;		/* bit (1 << KEYMAP_x) per map */
	const char	*help;
};

struct keymap_binding {
	struct key_seq	 seq;
	int		 function;	/* index in keymap_functions(); -1: macro */
	char		*macro;		/* owned; the key sequence a macro types */
	char		*description;	/* owned; macros only, may be NULL */
};

struct keymap;

/* A keymap holding the default bindings. */
struct keymap *keymap_new(void);
void	 keymap_free(struct keymap **);

const char *keymap_map_name(enum keymap_map);
/* -1 for an unknown name. */
int	 keymap_map_find(const char *name);

const struct keymap_function *keymap_functions(size_t *count);
/* The index of a function available in map (or in generic, for the maps
 * that fall back to it), or -1. */
int	 keymap_function_find(enum keymap_map, const char *name);

/* Parses key notation ("<Esc>x", "^X", "\Cx" after the rc lexer, "<F5>",
 * "<PageDown>", "gg") into keys. -1 with *error_r. */
int	 keymap_parse_keys(const char *text, struct key_seq *, char **error_r);
/* Appends the notation of a key sequence, the form keymap_parse_keys reads. */
void	 keymap_format_keys(const struct key_seq *, struct buf *);

/* Turns a macro's text into what it types: keys in the notation above,
 * with <function-name> as KEYC_FUNCTION + the function's index. *keys_r
 * is malloc'd. -1 with *error_r for bad notation. */
int	 keymap_parse_macro(const char *text, int **keys_r, size_t *n_r,
	    char **error_r);

/* Binds keys to a function (by index) or, with function -1, to a macro
 * (macro and description copied). Bindings of the same map that the new
 * one would hide or be hidden by (one a prefix of the other) are removed. */
void	 keymap_bind(struct keymap *, enum keymap_map, const struct key_seq *,
	    int function, const char *macro, const char *description);
/* Removes a binding; false if there was none. */
bool	 keymap_unbind(struct keymap *, enum keymap_map, const struct key_seq *);
/* Removes every binding of a map. */
void	 keymap_clear(struct keymap *, enum keymap_map);

enum keymap_result {
	KEYMAP_NONE,		/* no binding starts with these keys */
	KEYMAP_PREFIX,		/* keys start a longer binding: read another */
	KEYMAP_MATCH,		/* *binding_r is set */
};
/* Looks keys up in map, then in generic for the maps that fall back to it
 * (index, attach, browser, compose). '\r' is taken as '\n'. */
enum keymap_result keymap_lookup(const struct keymap *, enum keymap_map,
	    const int *keys, size_t n, const struct keymap_binding **binding_r);

/* The bindings of one map (without generic's), in the order made. */
const struct keymap_binding *keymap_bindings(const struct keymap *,
	    enum keymap_map, size_t *count);

/* Appends bind/unbind/macro lines that turn the default keymap into this
 * one (every binding when all). */
void	 keymap_dump(const struct keymap *, bool all, struct buf *);

#endif
