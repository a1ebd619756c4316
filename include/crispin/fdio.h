/* Whole reads and writes on file descriptors, retrying after EINTR. */
#ifndef CRISPIN_FDIO_H
#define CRISPIN_FDIO_H

#include <stddef.h>

#include "crispin/buf.h"

/* Writes all len bytes. 0, or -1 with errno. */
int	 fd_write_all(int fd, const void *data, size_t len);
/* Reads until end of file, appending to out. max 0: no limit; else more
 * than max bytes in out is -1 with errno EFBIG. 0, or -1 with errno. */
int	 fd_read_all(int fd, struct buf *out, size_t max);
/* Opens path and reads it whole (max as for fd_read_all). 0, or -1 with
 * errno. */
int	 file_read_all(const char *path, struct buf *out, size_t max);
/* Replaces path whole with data, as a private file (0600): written
 * beside it, then renamed over it. 0, or -1 with errno. */
int	 file_replace_private(const char *path, const void *data, size_t len);
/* Creates the directory path and its missing parents, 0700; existing
 * ones are left as they are. 0, or -1 with errno. */
int	 dir_make_private(const char *path);

#endif
