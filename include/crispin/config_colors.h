/*
 * The colour table set by `color` and `uncolor`: for each UI object, a
 * colour pair with attributes, and for the objects that take one, a list of
 * pattern-specific entries. Patterns are kept as text; the UI compiles
 * them. Nothing here knows about curses.
 */
#ifndef CRISPIN_CONFIG_COLORS_H
#define CRISPIN_CONFIG_COLORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crispin/buf.h"

enum color_kind {
	COLOR_DEFAULT,		/* the terminal's own colour */
	COLOR_INDEX,		/* value 0-255: 0-7 named, 8-15 bright */
	COLOR_RGB,		/* value 0xrrggbb */
};

struct color {
	enum color_kind	 kind;
	uint32_t	 value;
};

#define COLOR_ATTR_BOLD		0x01
#define COLOR_ATTR_UNDERLINE	0x02
#define COLOR_ATTR_REVERSE	0x04
#define COLOR_ATTR_ITALIC	0x08
#define COLOR_ATTR_BLINK	0x10
#define COLOR_ATTR_DIM		0x20

struct color_entry {
	struct color	 fg, bg;
	unsigned	 attrs;		/* COLOR_ATTR_* */
	char		*pattern;	/* owned; NULL: the object as a whole */
};

struct color_object {
	const char	*name;		/* e.g. "index_subject" */
	unsigned	 flags;		/* COLOR_OBJ_* */
	const char	*help;
};
#define COLOR_OBJ_PATTERN	0x01	/* takes a pattern */
#define COLOR_OBJ_NEEDS_PATTERN	0x02	/* must have one (header, body) */

struct colors;

/* The default colours. */
struct colors *colors_new(void);
void	 colors_free(struct colors **);

const struct color_object *colors_objects(size_t *count);
/* -1 for an unknown name. */
int	 colors_object_find(const char *name);

/* Parses "red", "brightred", "color123", "#rrggbb", "default". */
int	 colors_parse_color(const char *, struct color *, char **error_r);
/* Parses one attribute name into *attrs ("none" clears); -1 if unknown. */
int	 colors_parse_attr(const char *, unsigned *attrs);

/* Sets an entry: replaces the one with the same pattern (or none). */
void	 colors_set(struct colors *, int object, const struct color_entry *);
/* Removes the entry with that pattern (NULL: the plain one); false if none. */
bool	 colors_unset(struct colors *, int object, const char *pattern);
/* Removes every entry of an object, or of all objects with object -1. */
void	 colors_clear(struct colors *, int object);

/* The entries of an object: the plain one (pattern NULL) if set, then the
 * pattern entries in the order given. */
const struct color_entry *colors_get(const struct colors *, int object,
	    size_t *count);

/* Appends color lines that rebuild this table (after "uncolor *"); with
 * all false nothing when it equals the default table. */
void	 colors_dump(const struct colors *, bool all, struct buf *);

#endif
