/*
 * libFuzzer target for the typed IMAP data decoders. The input goes
 * through the response parser; every decoder then runs on every response
 * whatever its keyword, and the tree decoders (flags, envelope, body) on
 * every argument and every nested list, so that each decoder meets every
 * shape of tree. Results are checked for consistency, and mailbox names
 * and atoms exercise the UTF-7 and sequence-set codecs with round trips.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/imap_seqset.h"
#include "crispin/imap_utf7.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	*sink_open(void *, uint32_t, const char *, uint64_t);
static int	 sink_write(void *, const void *, size_t);
static void	 sink_close(void *, bool);
static void	 check(bool);
static void	 check_body(const struct imap_body *,
		    const struct imap_body *);
static void	 check_same(const struct buf *, const char *, size_t);
static void	 check_utf7(const char *, size_t);
static void	 check_seqset(const char *);
static void	 walk(struct arena *, const struct imap_arg *);
static void	 on_response(const struct imap_response *, void *);

static const struct imap_literal_sink sink_ops = {
	sink_open, sink_write, sink_close,
};
static int	sink_token;

static void *
sink_open(void *arg, uint32_t number, const char *key, uint64_t size)
{
	return &sink_token;
}

static int
sink_write(void *h, const void *data, size_t len)
{
	return 0;
}

static void
sink_close(void *h, bool complete)
{
}

static void
check(bool ok)
{
	if (!ok)
		abort();
}

/* Every node has a part and type, and points back at its parent. */
static void
check_body(const struct imap_body *b, const struct imap_body *parent)
{
	size_t	i;

	check(b->part != NULL && b->type != NULL && b->subtype != NULL);
	check(b->parent == parent);
	for (i = 0; i < b->nparams; i++)
		check(b->params[i].name != NULL && b->params[i].value != NULL);
	for (i = 0; i < b->nlanguages; i++)
		check(b->languages[i] != NULL);
	(void)imap_body_param(b, "charset");
	for (i = 0; i < b->nchildren; i++)
		check_body(&b->children[i], b);
	if (b->message != NULL) {
		check(b->envelope != NULL);
		check_body(b->message, b);
	}
}

static void
check_same(const struct buf *b, const char *s, size_t len)
{
	check(b->len == len && (len == 0 || memcmp(b->data, s, len) == 0));
}

/* Decoding then encoding gives back the input (one canonical form), and
 * the other way round. */
static void
check_utf7(const char *s, size_t len)
{
	struct buf	a = BUF_INIT, b = BUF_INIT;

	if (imap_utf7_decode(&a, s, len) == 0) {
		check(imap_utf7_encode(&b, buf_cstr(&a), a.len) == 0);
		check_same(&b, s, len);
	}
	buf_reset(&a);
	buf_reset(&b);
	if (imap_utf7_encode(&a, s, len) == 0) {
		check(imap_utf7_decode(&b, buf_cstr(&a), a.len) == 0);
		check_same(&b, s, len);
	}
	buf_free(&a);
	buf_free(&b);
}

/* A parsed set writes out to one that parses back the same, and
 * normalizing keeps its members (counted with '*' as the largest value,
 * which is what normalizing assumes). */
static void
check_seqset(const char *s)
{
	struct imap_seqset	 set, again;
	struct buf		 out = BUF_INIT;
	uint64_t		 n;
	size_t			 i;

	imap_seqset_init(&set);
	imap_seqset_init(&again);
	if (imap_seqset_parse(&set, s) == 0) {
		imap_seqset_write(&out, &set);
		check(imap_seqset_parse(&again, buf_cstr(&out)) == 0);
		check(again.count == set.count);
		for (i = 0; i < set.count; i++)
			check(again.ranges[i].lo == set.ranges[i].lo &&
			    again.ranges[i].hi == set.ranges[i].hi);
		n = imap_seqset_count(&set, UINT32_MAX);
		imap_seqset_normalize(&set);
		check(imap_seqset_count(&set, UINT32_MAX) == n);
		(void)imap_seqset_count(&set, 1000);
		for (i = 1; i < set.count; i++)
			check(set.ranges[i].lo > set.ranges[i - 1].hi + 1ULL);
		for (i = 0; i < set.count; i++)
			check(imap_seqset_contains(&set, set.ranges[i].lo) &&
			    imap_seqset_contains(&set, set.ranges[i].hi));
	} else
		check(set.count == 0);
	buf_free(&out);
	imap_seqset_free(&set);
	imap_seqset_free(&again);
}

/* The tree decoders on this argument and on everything below it. */
static void
walk(struct arena *arena, const struct imap_arg *arg)
{
	struct imap_flags	 flags;
	struct imap_envelope	 env;
	struct imap_body	*body;
	const struct imap_arg	*items;
	const char		*s;
	char			*err = NULL;
	size_t			 n, i;

	if (imap_flags_parse(arg, arena, &flags, &err) == 0)
		check(err == NULL &&
		    (flags.nkeywords == 0 || flags.keywords != NULL));
	else
		check(err != NULL);
	free(err);
	err = NULL;
	if (imap_envelope_parse(arg, arena, &env, &err) == 0)
		check(err == NULL);
	else
		check(err != NULL && env.subject == NULL &&
		    env.from.count == 0);
	free(err);
	err = NULL;
	if (imap_body_parse(arg, arena, 0, &body, &err) == 0)
		check_body(body, NULL);
	else
		check(err != NULL && body == NULL);
	free(err);
	err = NULL;
	/* A small depth limit takes the other branch of the same trees. */
	(void)imap_body_parse(arg, arena, 2, &body, NULL);

	if ((s = imap_arg_atom(arg)) != NULL) {
		check_seqset(s);
		(void)imap_date_time_parse(s, NULL, NULL);
	}
	if ((s = imap_arg_str(arg)) != NULL)
		check_utf7(s, arg->u.str.len);
	if (imap_arg_list(arg, &items, &n)) {
		for (i = 0; i < n; i++)
			walk(arena, &items[i]);
	}
}

static void
on_response(const struct imap_response *resp, void *arg)
{
	struct arena		*arena = arg;
	struct imap_fetch	 fetch;
	struct imap_caps	 caps;
	struct imap_list	 list;
	struct imap_status_data	 st;
	struct imap_esearch	 es;
	struct imap_namespaces	 ns;
	struct imap_seqset	 a, b;
	struct imap_param	*params;
	struct imap_thread_node	*nodes;
	char			*err = NULL;
	uint64_t		 num;
	uint32_t		 uidvalidity, *nums, depth;
	size_t			 i, count;
	bool			 earlier;

	arena_reset(arena);
	if (imap_fetch_parse(resp, arena, &fetch, &err) == 0) {
		for (i = 0; i < fetch.nsections; i++)
			check(fetch.sections[i].spec != NULL &&
			    fetch.sections[i].section != NULL &&
			    fetch.sections[i].data != NULL);
		if (fetch.body != NULL)
			check_body(fetch.body, NULL);
	} else
		check(err != NULL && fetch.nsections == 0 &&
		    fetch.body == NULL);
	free(err);
	err = NULL;

	if (imap_caps_parse(resp->args, resp->argc, arena, &caps, &err) == 0)
		(void)imap_caps_has(&caps, "IMAP4REV1");
	free(err);
	err = NULL;
	(void)imap_caps_parse(resp->code_args, resp->code_argc, arena, &caps,
	    NULL);

	if (imap_list_parse(resp, arena, &list, &err) == 0) {
		check(list.name != NULL);
		check_utf7(list.name, strlen(list.name));
	} else
		check(err != NULL && list.name == NULL);
	free(err);
	err = NULL;

	if (imap_status_parse(resp, arena, &st, &err) == 0)
		check(st.mailbox != NULL);
	free(err);
	err = NULL;

	if (imap_esearch_parse(resp, &es, &err) == 0) {
		check(err == NULL);
		imap_esearch_free(&es);
	} else
		check(err != NULL && es.all.ranges == NULL && es.tag == NULL);
	free(err);
	err = NULL;

	if (imap_sort_parse(resp, &nums, &count, &err) == 0) {
		for (i = 0; i < count; i++)
			check(nums[i] != 0);
		free(nums);
	} else
		check(err != NULL && nums == NULL && count == 0);
	free(err);
	err = NULL;
	if (imap_thread_parse(resp, &nodes, &count, &err) == 0) {
		/* A node is at most one level below the one before it. */
		for (i = 0, depth = 0; i < count; i++) {
			check(nodes[i].depth <= depth + 1);
			depth = nodes[i].depth;
		}
		check(count == 0 || nodes[0].depth == 0);
		free(nodes);
	} else
		check(err != NULL && nodes == NULL && count == 0);
	free(err);
	err = NULL;

	(void)imap_namespace_parse(resp, arena, &ns, NULL);

	imap_seqset_init(&a);
	imap_seqset_init(&b);
	if (imap_vanished_parse(resp, &earlier, &a, &err) == -1)
		check(a.count == 0);
	free(err);
	err = NULL;
	(void)imap_id_parse(resp, arena, &params, &count, NULL);
	(void)imap_code_number(resp, &num);
	(void)imap_code_appenduid(resp, &uidvalidity, &a);
	if (imap_code_copyuid(resp, &uidvalidity, &a, &b) == -1)
		check(b.count == 0);
	imap_seqset_free(&a);
	imap_seqset_free(&b);

	for (i = 0; i < resp->argc; i++)
		walk(arena, &resp->args[i]);
	for (i = 0; i < resp->code_argc; i++)
		walk(arena, &resp->code_args[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_parser_limits	 limits;
	struct imap_parser		*p;
	struct arena			*arena;
	char				*err = NULL;

	/* The first byte picks a small literal limit (so that some literals
	 * are streamed) and nesting limit. */
	memset(&limits, 0, sizeof limits);
	if (size > 0) {
		limits.max_literal_mem = (data[0] & 0x0f) * 4;
		limits.max_depth = data[0] >> 4 == 0 ? 0 : (data[0] >> 4) * 8;
		data++;
		size--;
	}
	arena = arena_new(0);
	p = imap_parser_new(&limits);
	imap_parser_set_sink(p, &sink_ops, NULL);
	(void)imap_parser_feed(p, (const char *)data, size, on_response, arena,
	    &err);
	free(err);
	imap_parser_free(&p);
	arena_free(&arena);
	return 0;
}
