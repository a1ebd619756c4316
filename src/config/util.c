/* Small helpers of the config module: string lists, ~ expansion. */
#include <stdlib.h>
#include <string.h>

#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

bool
strlist_remove(struct strlist *l, const char *s, bool icase)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (icase ? str_ieq(l->v[i], s) : strcmp(l->v[i], s) == 0) {
			free(l->v[i]);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
			l->n--;
			return true;
		}
	}
	return false;
}

bool
strlist_has(const struct strlist *l, const char *s, bool icase)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (icase ? str_ieq(l->v[i], s) : strcmp(l->v[i], s) == 0)
			return true;
	}
	return false;
}

void
strlist_clear(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
strlist_eq(const struct strlist *a, const struct strlist *b)
{
	size_t	i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	}
	return true;
}

/* "~" and "~/..." become $HOME; other forms are left alone. */
char *
config_expand_home(const char *s)
{
	const char	*home;

	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0') &&
	    (home = getenv("HOME")) != NULL)
		return xasprintf("%s%s", home, s + 1);
	return xstrdup(s);
}
