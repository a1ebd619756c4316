/*
 * SORT and THREAD answers (RFC 5256): "* SORT 5 3 4" and
 * "* THREAD (2)(3 6 (4 23)(44 7 96))". Both name messages by sequence
 * number or, after UID SORT / UID THREAD, by UID.
 */
#include <stdlib.h>

#include "crispin/imap_data.h"
#include "data_p.h"

/* Nested branches deeper than the parser allows never reach here; this
 * bounds the recursion on its own anyway. */
#define THREAD_MAX_NEST	256

struct thread_out {
	struct imap_thread_node	*v;	/* owned */
	size_t			 n, cap;
};

static int thread_list(const struct imap_arg *, uint32_t, unsigned,
	    struct thread_out *, char **);

int
imap_sort_parse(const struct imap_response *resp, uint32_t **nums_r, size_t *n_r,
    char **error_r)
{
	uint32_t	*nums;
	uint64_t	 v;
	size_t		 i, n = 0;

	*nums_r = NULL;
	*n_r = 0;
	if (!data_is_untagged(resp, "SORT"))
		return data_fail(error_r, "SORT: not an untagged SORT");
	nums = xreallocarray(NULL, resp->argc > 0 ? resp->argc : 1, sizeof *nums);
	for (i = 0; i < resp->argc; i++) {
		/* RFC 7162's "(MODSEQ n)" may end it. */
		if (i + 1 == resp->argc && resp->args[i].type == IMAP_ARG_LIST)
			break;
		if (!imap_arg_number(&resp->args[i], UINT32_MAX, &v) || v == 0) {
			free(nums);
			return data_fail(error_r,
			    "SORT: item %zu is not a message number", i + 1);
		}
		nums[n++] = (uint32_t)v;
	}
	*nums_r = nums;
	*n_r = n;
	return 0;
}

static void
thread_add(struct thread_out *out, uint32_t num, uint32_t depth)
{
	if (out->n == out->cap) {
		out->cap = out->cap > 0 ? out->cap * 2 : 64;
		out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
	}
	out->v[out->n].num = num;
	out->v[out->n].depth = depth;
	out->n++;
}

/* One thread list: numbers form a chain (each the child of the one
 * before); lists after them are its branches. A list with no number
 * first stands for a parent the server does not have. */
static int
thread_list(const struct imap_arg *list, uint32_t depth, unsigned nest,
    struct thread_out *out, char **error_r)
{
	const struct imap_arg	*a;
	uint64_t		 v;
	size_t			 i;

	if (nest > THREAD_MAX_NEST)
		return data_fail(error_r, "THREAD: nested too deeply");
	if (list->u.list.count == 0)
		return data_fail(error_r, "THREAD: an empty thread");
	/* Branches with no message before them: their parent is missing. */
	if (list->u.list.items[0].type == IMAP_ARG_LIST)
		thread_add(out, 0, depth++);
	for (i = 0; i < list->u.list.count; i++) {
		a = &list->u.list.items[i];
		if (a->type == IMAP_ARG_LIST) {
			if (thread_list(a, depth, nest + 1, out, error_r) == -1)
				return -1;
			continue;
		}
		if (!imap_arg_number(a, UINT32_MAX, &v) || v == 0)
			return data_fail(error_r, "THREAD: %s where a message number "
			    "was expected", data_kind(a));
		/* A number after the branches is not RFC 5256. */
		if (i > 0 && list->u.list.items[i - 1].type == IMAP_ARG_LIST)
			return data_fail(error_r, "THREAD: a message after its "
			    "thread's branches");
		thread_add(out, (uint32_t)v, depth++);
	}
	return 0;
}

int
imap_thread_parse(const struct imap_response *resp, struct imap_thread_node **nodes_r,
    size_t *n_r, char **error_r)
{
	struct thread_out	 out = { NULL, 0, 0 };
	size_t			 i;

	*nodes_r = NULL;
	*n_r = 0;
	if (!data_is_untagged(resp, "THREAD"))
		return data_fail(error_r, "THREAD: not an untagged THREAD");
	for (i = 0; i < resp->argc; i++) {
		if (resp->args[i].type != IMAP_ARG_LIST) {
			free(out.v);
			return data_fail(error_r, "THREAD: %s where a thread was "
			    "expected", data_kind(&resp->args[i]));
		}
		if (thread_list(&resp->args[i], 0, 0, &out, error_r) == -1) {
			free(out.v);
			return -1;
		}
	}
	*nodes_r = out.v;
	*n_r = out.n;
	return 0;
}
