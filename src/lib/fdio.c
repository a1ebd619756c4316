#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/xalloc.h"

int
fd_write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fd_read_all(int fd, struct buf *out, size_t max)
{
	char	 chunk[65536];
	size_t	 start = out->len;
	ssize_t	 n;

	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (max != 0 && out->len - start + (size_t)n > max) {
			errno = EFBIG;
			return -1;
		}
		buf_add(out, chunk, (size_t)n);
	}
	return 0;
}

int
file_read_all(const char *path, struct buf *out, size_t max)
{
	int	 fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = fd_read_all(fd, out, max);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
file_replace_private(const char *path, const void *data, size_t len)
{
	char	*tmp = xasprintf("%s.XXXXXX", path);
	int	 fd, rc, saved;

	/* mkstemp makes it 0600; the rename swaps the whole file at once. */
	if ((fd = mkstemp(tmp)) == -1) {
		saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	rc = fd_write_all(fd, data, len);
	saved = errno;
	if (close(fd) == -1 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) == -1) {
		rc = -1;
		saved = errno;
	}
	if (rc == -1)
		(void)unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

int
dir_make_private(const char *path)
{
	char	*copy, *p;
	int	 r = 0, saved;

	copy = xstrdup(path);
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, 0700) == -1 && errno != EEXIST)
				r = -1;
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	saved = errno;
	free(copy);
	errno = saved;
	return r;
}
