/* Allocation that never returns NULL: running out of memory aborts. */
#ifndef CRISPIN_XALLOC_H
#define CRISPIN_XALLOC_H

#include <stddef.h>
#include <stdarg.h>

#define CRISPIN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CRISPIN_NORETURN __attribute__((noreturn))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* xstrdup, with NULL for NULL. */
char	*xstrdup_null(const char *);
/* Returns a newly allocated formatted string. */
char	*xasprintf(const char *, ...) CRISPIN_PRINTF(1, 2);
char	*xvasprintf(const char *, va_list) CRISPIN_PRINTF(1, 0);
/* Frees *pp and sets it to NULL: x_free(&p). */
void	 x_free_(void **);
#define x_free(pp) x_free_((void **)(pp))
/* Overwrites then frees a secret (password, token) string. */
void	 x_free_secret(char **);

#endif
