/* Allocation wrappers: out of memory is fatal, so callers never check. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* vasprintf */
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/xalloc.h"

static void fatal_oom(size_t) CRISPIN_NORETURN;

static void
fatal_oom(size_t size)
{
	fprintf(stderr, "crispin: out of memory (allocating %zu bytes)\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	p = malloc(size == 0 ? 1 : size);
	if (p == NULL)
		fatal_oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
	if (p == NULL)
		fatal_oom(n * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void	*p;

	p = realloc(ptr, size == 0 ? 1 : size);
	if (p == NULL)
		fatal_oom(size);
	return p;
}

void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "crispin: allocation overflow (%zu * %zu)\n", n, size);
		abort();
	}
	return xrealloc(ptr, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrdup_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

char *
xstrndup(const char *s, size_t len)
{
	char	*p;

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) < 0)
		fatal_oom(strlen(fmt));
	return s;
}

void
x_free_(void **pp)
{
	free(*pp);
	*pp = NULL;
}

void
x_free_secret(char **pp)
{
	if (*pp != NULL) {
		explicit_bzero(*pp, strlen(*pp));
		free(*pp);
		*pp = NULL;
	}
}
