/* What the cache's tests share: a directory of their own, a cache in it. */
#ifndef CRISPIN_STORE_TEST_H
#define CRISPIN_STORE_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "crispin/log.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"

/* $TMPDIR/crispin-test-NAME.XXXXXX, made (malloc'd); NULL, said why, when
 * it cannot be. STORE_TEST_LOG in the environment logs to stderr. */
static inline char *
test_store_tmpdir(const char *name)
{
	const char	*t = getenv("TMPDIR");
	char		*dir;

	dir = xasprintf("%s/crispin-test-%s.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp", name);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		free(dir);
		return NULL;
	}
	if (getenv("STORE_TEST_LOG") != NULL)
		log_set_file(stderr, LOG_DEBUG);
	return dir;
}

/* The cache of account under dir, or NULL (printed why); *rebuilt (may be
 * NULL) says whether store_open rebuilt it. */
static inline struct store *
test_store_open(const char *account, const char *dir, bool *rebuilt)
{
	struct store	*st = NULL;
	char		*error = NULL;
	bool		 r = false;

	if (store_open(dir, account, &st, &r, &error) == -1) {
		printf("store_open: %s\n", error);
		free(error);
		return NULL;
	}
	if (rebuilt != NULL)
		*rebuilt = r;
	return st;
}

#endif
