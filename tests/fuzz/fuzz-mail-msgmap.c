/*
 * libFuzzer target for the folder model's handling of server data: the
 * input is parsed as IMAP responses and applied to a sequence map the way
 * the folder does (EXISTS, EXPUNGE, VANISHED, FETCH with UID and header
 * fields), then the map's invariants are checked after every response:
 * known UIDs ascend strictly and every known UID is found where it is.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/imap_data.h"
#include "crispin/imap_parser.h"
#include "crispin/mail_folder.h"
#include "../../src/mail/folder_p.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 on_response(const struct imap_response *, void *);
static void	 apply_fetch(struct mail_msg *, const struct imap_fetch *);
static void	 check_map(void);

static struct mail_msgmap	*map;
static struct mail_intern	*strings;

/* The folder never lets a server grow it past this; neither do we. */
#define MAX_EXISTS	5000

static void
check_map(void)
{
	uint32_t	 n = mail_msgmap_count(map), seq, last = 0;
	struct mail_msg	*m;

	for (seq = 1; seq <= n; seq++) {
		m = mail_msgmap_get(map, seq);
		if (m == NULL)
			abort();
		if (m->uid == 0)
			continue;
		if (m->uid <= last || mail_msgmap_seq(map, m->uid) != seq)
			abort();
		last = m->uid;
	}
	if (mail_msgmap_get(map, n + 1) != NULL)
		abort();
}

static void
apply_fetch(struct mail_msg *m, const struct imap_fetch *fe)
{
	size_t	i;

	if (fe->has_flags)
		m->flags = (uint16_t)fe->flags.bits;
	for (i = 0; i < fe->nsections; i++) {
		const struct imap_arg *d = fe->sections[i].data;

		if (d != NULL && (d->type == IMAP_ARG_LITERAL || d->type == IMAP_ARG_QUOTED))
			header_apply(strings, m, d->u.str.s, d->u.str.len);
	}
}

static void
on_response(const struct imap_response *r, void *arg)
{
	struct imap_seqset	 set;
	struct imap_fetch	 fe;
	struct arena		*a;
	struct mail_msg		*m;
	bool			 earlier;
	uint32_t		 uid, seq;
	size_t			 i;

	if (r->kind != IMAP_RESP_UNTAGGED || r->keyword == NULL)
		return;
	if (strcmp(r->keyword, "EXISTS") == 0 && r->has_number) {
		if (r->number <= MAX_EXISTS)
			(void)mail_msgmap_exists(map, r->number);
	} else if (strcmp(r->keyword, "EXPUNGE") == 0 && r->has_number) {
		(void)mail_msgmap_expunge(map, r->number, &uid);
	} else if (strcmp(r->keyword, "VANISHED") == 0) {
		imap_seqset_init(&set);
		if (imap_vanished_parse(r, &earlier, &set, NULL) == 0) {
			imap_seqset_normalize(&set);
			/* As the folder does: walk the map, not the set. */
			for (seq = mail_msgmap_count(map); seq > 0; seq--) {
				m = mail_msgmap_get(map, seq);
				if (m->uid != 0 && imap_seqset_contains(&set, m->uid))
					mail_msgmap_expunge(map, seq, NULL);
			}
			for (i = 0; i < set.count && i < 4; i++)
				(void)mail_msgmap_remove_uid(map, set.ranges[i].lo);
		}
		imap_seqset_free(&set);
	} else if (strcmp(r->keyword, "FETCH") == 0) {
		a = arena_new(0);
		if (imap_fetch_parse(r, a, &fe, NULL) == 0 &&
		    (m = mail_msgmap_get(map, fe.seq)) != NULL &&
		    (!fe.has_uid || mail_msgmap_set_uid(map, fe.seq, fe.uid) == 0))
			apply_fetch(m, &fe);
		arena_free(&a);
	} else if (strcmp(r->keyword, "SEARCH") == 0) {
		/* UID SEARCH ALL: the map becomes exactly the result. */
		uint32_t uids[64];
		uint64_t v;
		size_t n = 0;

		for (i = 0; i < r->argc && n < 64; i++) {
			if (imap_arg_number(&r->args[i], UINT32_MAX, &v))
				uids[n++] = (uint32_t)v;
		}
		(void)mail_msgmap_rebuild(map, uids, (uint32_t)n);
	} else if (strcmp(r->keyword, "FLAGS") == 0) {
		mail_msgmap_forget_uids(map);
	}
	check_map();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_parser	*p;
	char			*error = NULL;

	map = mail_msgmap_new();
	strings = mail_intern_new();
	p = imap_parser_new(NULL);
	(void)imap_parser_feed(p, (const char *)data, size, on_response, NULL, &error);
	free(error);
	imap_parser_free(&p);
	mail_msgmap_free(&map);
	mail_intern_free(&strings);
	return 0;
}
