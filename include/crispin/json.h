/* JSON output for scripting commands (JSON Lines). */
#ifndef CRISPIN_JSON_H
#define CRISPIN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "crispin/buf.h"

/* Appends s as a JSON string literal with quotes; NULL becomes null.
 * Invalid UTF-8 bytes become U+FFFD. */
void	json_add_string(struct buf *, const char *s);
void	json_add_stringn(struct buf *, const char *s, size_t len);
/* Object helpers: json_obj_begin adds '{'; each field adds a comma as needed. */
void	json_obj_begin(struct buf *);
void	json_obj_end(struct buf *);
void	json_field_string(struct buf *, const char *key, const char *val);
void	json_field_int(struct buf *, const char *key, int64_t val);
void	json_field_null(struct buf *, const char *key);
void	json_field_bool(struct buf *, const char *key, int val);

#endif
