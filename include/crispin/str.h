/* Small string helpers that the C library lacks. */
#ifndef CRISPIN_STR_H
#define CRISPIN_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool	 str_ieq(const char *, const char *);
bool	 str_has_prefix(const char *, const char *);
bool	 str_has_iprefix(const char *, const char *);
/* Upper-cases ASCII letters in place; returns s. */
char	*str_upper(char *s);
/* Parses a whole decimal number that fits in max; -1 on anything else. */
int	 str_to_u64(const char *, size_t len, uint64_t max, uint64_t *out);
/* Copies s with every control character (C0, DEL, C1) replaced by '?',
 * so that text from the network never drives the terminal. */
char	*str_sanitize(const char *s);
/* The same, appended to b. */
struct buf;
void	 str_sanitize_into(struct buf *b, const char *s);
/* Length (1-4) of the valid UTF-8 sequence at p (left bytes there), or 0
 * when it is not one (overlong, surrogate, past U+10FFFF, cut short). */
size_t	 str_utf8_len(const unsigned char *p, size_t left);
/* Columns a code point takes on a terminal: 2 for East Asian Wide and
 * Fullwidth, 0 for combining marks, zero-width characters and controls,
 * else 1. Like wcwidth, but the same whatever the locale. */
int	 str_codepoint_width(uint32_t cp);
/* Columns UTF-8 text takes (str_codepoint_width of each character; a
 * byte that is not UTF-8 counts one, as its replacement character). */
size_t	 str_display_width(const char *s, size_t len);
/* A fast 32-bit hash of s[0..len) for tables (not for secrets): eight
 * bytes a step. */
uint32_t str_hash(const char *s, size_t len);
/* Constant-time comparison for secrets. */
bool	 str_ct_equal(const void *, const void *, size_t);

#endif
