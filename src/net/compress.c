/*
 * COMPRESS=DEFLATE streams over zlib. A server may send a small input that
 * expands hugely (a "zip bomb"); inflating is done in bounded steps into
 * the caller's buffer, which the parser behind it bounds again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/xalloc.h"
#include "compress_p.h"

#ifdef HAVE_ZLIB
#include <zlib.h>

#define ZCHUNK	16384

struct zpair {
	z_stream		 in;
	z_stream		 out;
	unsigned long long	 wire_in, wire_out;
};

bool
zpair_available(void)
{
	return true;
}

struct zpair *
zpair_new(char **error_r)
{
	struct zpair	*z = xcalloc(1, sizeof *z);

	/* Negative window bits: raw DEFLATE, no zlib header (RFC 4978). */
	if (inflateInit2(&z->in, -15) != Z_OK) {
		free(z);
		*error_r = xstrdup("cannot start decompression");
		return NULL;
	}
	if (deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&z->in);
		free(z);
		*error_r = xstrdup("cannot start compression");
		return NULL;
	}
	return z;
}

void
zpair_free(struct zpair **zp)
{
	struct zpair	*z = *zp;

	if (z == NULL)
		return;
	inflateEnd(&z->in);
	deflateEnd(&z->out);
	free(z);
	*zp = NULL;
}

int
zpair_deflate(struct zpair *z, const void *data, size_t len, struct buf *out,
    char **error_r)
{
	size_t	 before = out->len;
	int	 rc;

	z->out.next_in = (Bytef *)(uintptr_t)data;
	z->out.avail_in = (uInt)len;
	do {
		buf_reserve(out, ZCHUNK);
		z->out.next_out = (Bytef *)out->data + out->len;
		z->out.avail_out = ZCHUNK;
		rc = deflate(&z->out, Z_SYNC_FLUSH);
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			*error_r = xasprintf("compression failed (%d)", rc);
			return -1;
		}
		out->len += ZCHUNK - z->out.avail_out;
	} while (z->out.avail_out == 0 || z->out.avail_in > 0);
	if (out->data != NULL)
		out->data[out->len] = '\0';
	z->wire_out += out->len - before;
	return 0;
}

int
zpair_inflate(struct zpair *z, const void *data, size_t len, struct buf *out,
    char **error_r)
{
	size_t	 made;
	int	 rc;

	z->wire_in += len;
	z->in.next_in = (Bytef *)(uintptr_t)data;
	z->in.avail_in = (uInt)len;
	for (;;) {
		buf_reserve(out, ZCHUNK);
		z->in.next_out = (Bytef *)out->data + out->len;
		z->in.avail_out = ZCHUNK;
		rc = inflate(&z->in, Z_SYNC_FLUSH);
		made = ZCHUNK - z->in.avail_out;
		out->len += made;
		out->data[out->len] = '\0';
		if (rc == Z_STREAM_END) {
			*error_r = xstrdup("the server ended the compressed stream");
			return -1;
		}
		/* No progress: fine when the input is used up. */
		if (rc == Z_BUF_ERROR && z->in.avail_in == 0)
			break;
		if (rc != Z_OK) {
			*error_r = xasprintf("corrupt compressed data (%s)",
			    z->in.msg != NULL ? z->in.msg : "no detail");
			return -1;
		}
		if (z->in.avail_in == 0 && z->in.avail_out != 0)
			break;
	}
	return 0;
}

void
zpair_counts(const struct zpair *z, unsigned long long *wire_in,
    unsigned long long *wire_out)
{
	*wire_in = z->wire_in;
	*wire_out = z->wire_out;
}

#else /* !HAVE_ZLIB */

bool
zpair_available(void)
{
	return false;
}

struct zpair *
zpair_new(char **error_r)
{
	*error_r = xstrdup("crispin was built without zlib");
	return NULL;
}

void
zpair_free(struct zpair **zp)
{
	*zp = NULL;
}

int
zpair_deflate(struct zpair *z, const void *data, size_t len, struct buf *out,
    char **error_r)
{
	*error_r = xstrdup("crispin was built without zlib");
	return -1;
}

int
zpair_inflate(struct zpair *z, const void *data, size_t len, struct buf *out,
    char **error_r)
{
	*error_r = xstrdup("crispin was built without zlib");
	return -1;
}

void
zpair_counts(const struct zpair *z, unsigned long long *wire_in,
    unsigned long long *wire_out)
{
	*wire_in = *wire_out = 0;
}

#endif
