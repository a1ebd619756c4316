/*
 * Minimal unit-test support: each check prints "ok - ..." or "FAIL - ...",
 * and test_done() prints "N passed, N failed" and gives the exit status.
 * Each TEST_CHECK counts as one test case.
 */
#ifndef CRISPIN_TEST_H
#define CRISPIN_TEST_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed;

#define TEST_CHECK(cond, ...) do {					\
	if (cond) {							\
		test_passed++;						\
	} else {							\
		test_failed++;						\
		printf("FAIL - %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("  [%s]\n", #cond);				\
	}								\
} while (0)

/* Compares two C strings (NULL-safe) and shows both on failure. */
#define TEST_STREQ(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int same_ = (g_ == NULL || w_ == NULL) ? g_ == w_ : strcmp(g_, w_) == 0; \
	TEST_CHECK(same_, __VA_ARGS__);					\
	if (!same_)							\
		printf("      got  \"%s\"\n      want \"%s\"\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define TEST_INTEQ(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	TEST_CHECK(g_ == w_, __VA_ARGS__);				\
	if (g_ != w_)							\
		printf("      got  %lld\n      want %lld\n", g_, w_);	\
} while (0)

/* A listening socket on a free loopback port, for the in-process
 * scripted servers: its fd, and the port as text in port. */
static inline int
test_listen(char port[16])
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		abort();
	snprintf(port, 16, "%u", ntohs(sin.sin_port));
	return fd;
}

/* Removes path and everything under it (a test's own directory). */
static inline void
test_rm_rf(const char *path)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;
	char		*sub;
	size_t		 len;

	if (lstat(path, &sb) == -1)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			len = strlen(path) + strlen(de->d_name) + 2;
			if ((sub = malloc(len)) == NULL)
				abort();
			snprintf(sub, len, "%s/%s", path, de->d_name);
			test_rm_rf(sub);
			free(sub);
		}
		closedir(d);
	}
	remove(path);
}

static inline int
test_done(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed == 0 ? 0 : 1;
}

#endif
