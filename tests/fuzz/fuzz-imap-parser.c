/*
 * libFuzzer target for the IMAP response parser. The first bytes choose
 * the limits, the sink's behaviour and how the rest is cut into chunks;
 * the same stream is also fed whole and both runs must agree exactly,
 * which checks that the parser resumes at any byte boundary.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_parser.h"

struct fuzz_sink {
	uint64_t	 min_size;
	bool		 fail_writes;
	int		 open;
	struct buf	*log;
};

struct fuzz_run {
	struct buf	 log;
	struct fuzz_sink sink;
};

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	*sink_open(void *, uint32_t, const char *, uint64_t);
static int	 sink_write(void *, const void *, size_t);
static void	 sink_close(void *, bool);
static void	 walk(struct buf *, const struct imap_arg *, unsigned);
static void	 on_response(const struct imap_response *, void *);
static void	 feed_all(const struct imap_parser_limits *, const struct fuzz_sink *,
		    const uint8_t *, size_t, uint32_t, struct fuzz_run *);

static const struct imap_literal_sink sink_ops = {
	sink_open, sink_write, sink_close,
};

static void *
sink_open(void *arg, uint32_t number, const char *key, uint64_t size)
{
	struct fuzz_sink	*s = arg;

	if (size < s->min_size)
		return NULL;
	buf_printf(s->log, "open %u %s %llu\n", number, key != NULL ? key : "-",
	    (unsigned long long)size);
	s->open++;
	return s;
}

static int
sink_write(void *h, const void *data, size_t len)
{
	struct fuzz_sink	*s = h;

	if (len == 0)
		abort();	/* the parser never writes nothing */
	if (s->fail_writes)
		return -1;
	buf_add(s->log, data, len);
	return 0;
}

static void
sink_close(void *h, bool complete)
{
	struct fuzz_sink	*s = h;

	buf_printf(s->log, "close %d\n", complete);
	if (--s->open < 0)
		abort();
}

/* Calls every helper on every argument and writes what they say. */
static void
walk(struct buf *b, const struct imap_arg *a, unsigned depth)
{
	const struct imap_arg	*items;
	const char		*s, *atom;
	size_t			 count, i;
	uint64_t		 n;

	if (depth > 1000)
		abort();
	s = imap_arg_str(a);
	atom = imap_arg_atom(a);
	if (atom != NULL && s != atom)
		abort();
	if (s != NULL && s[a->u.str.len] != '\0')
		abort();
	if (imap_arg_atom_is(a, "NIL") || (atom != NULL && atom[0] == '\0'))
		abort();	/* NIL is its own type; atoms are never empty */
	if (imap_arg_number(a, UINT32_MAX, &n))
		buf_printf(b, "#%llu", (unsigned long long)n);
	if (imap_arg_is_nil(a))
		buf_adds(b, "~nil");
	if (s != NULL) {
		/* Quoting what we parsed must give something parseable. */
		imap_quote(b, s, a->u.str.len, false);
		imap_quote(b, s, a->u.str.len, true);
	}
	if (imap_arg_list(a, &items, &count)) {
		for (i = 0; i < count; i++)
			walk(b, &items[i], depth + 1);
	}
	imap_arg_write(b, a);
}

static void
on_response(const struct imap_response *r, void *arg)
{
	struct fuzz_run	*run = arg;
	struct buf	*b = &run->log;
	size_t		 i;

	if (r->text == NULL)
		abort();
	if (r->code != NULL && r->code_raw == NULL)
		abort();
	if ((r->code_argc > 0) != (r->code_args != NULL) ||
	    (r->argc > 0) != (r->args != NULL))
		abort();
	buf_printf(b, "kind %d status %d tag %s num %d %u kw %s code %s raw %s "
	    "text %s\n", r->kind, r->status, r->tag ? r->tag : "-",
	    r->has_number, r->number, r->keyword ? r->keyword : "-",
	    r->code ? r->code : "-", r->code_raw ? r->code_raw : "-", r->text);
	for (i = 0; i < r->code_argc; i++)
		walk(b, &r->code_args[i], 0);
	for (i = 0; i < r->argc; i++)
		walk(b, &r->args[i], 0);
	buf_addc(b, '\n');
}

static void
feed_all(const struct imap_parser_limits *limits, const struct fuzz_sink *sink,
    const uint8_t *data, size_t len, uint32_t seed, struct fuzz_run *run)
{
	struct imap_parser	*p;
	size_t			 off = 0, n;
	char			*err;

	memset(run, 0, sizeof *run);
	run->sink = *sink;
	run->sink.log = &run->log;
	p = imap_parser_new(limits);
	imap_parser_set_sink(p, &sink_ops, &run->sink);
	while (off < len) {
		if (seed == 0)
			n = len - off;
		else {
			/* xorshift: chunks of 1 to 64 bytes, sometimes 1. */
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			n = (seed & 3) == 0 ? 1 : 1 + (seed >> 8) % 64;
			if (n > len - off)
				n = len - off;
		}
		err = NULL;
		if (imap_parser_feed(p, (const char *)data + off, n, on_response,
		    run, &err) == -1) {
			if (err == NULL)
				abort();
			buf_printf(&run->log, "fatal %s\n", err);
			free(err);
			break;
		}
		off += n;
	}
	imap_parser_free(&p);
	if (run->sink.open != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const size_t	 lines[] = { 48, 200, 4096, 0 };
	static const unsigned	 depths[] = { 2, 5, 30, 0 };
	static const size_t	 mems[] = { 1, 4, 64, 0 };
	struct imap_parser_limits limits;
	struct fuzz_sink	 sink;
	struct fuzz_run		 whole, chunked;
	uint32_t		 seed;

	if (len < 3)
		return 0;
	memset(&limits, 0, sizeof limits);
	limits.max_line = lines[data[0] & 3];
	limits.max_depth = depths[(data[0] >> 2) & 3];
	limits.max_literal_mem = mems[(data[0] >> 4) & 3];
	memset(&sink, 0, sizeof sink);
	sink.min_size = (data[0] & 0x40) ? 0 : 16;
	if (data[0] & 0x80)
		sink.min_size = UINT64_MAX;	/* a sink that declines all */
	sink.fail_writes = (data[1] & 1) != 0;
	seed = (uint32_t)data[1] << 8 | data[2] | 1;
	data += 3;
	len -= 3;

	feed_all(&limits, &sink, data, len, 0, &whole);
	feed_all(&limits, &sink, data, len, seed, &chunked);
	if (whole.log.len != chunked.log.len || (whole.log.len > 0 &&
	    memcmp(whole.log.data, chunked.log.data, whole.log.len) != 0))
		abort();
	buf_free(&whole.log);
	buf_free(&chunked.log);
	return 0;
}
