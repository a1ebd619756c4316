/*
 * A cached folder read into the model a slice at a time: the newest
 * records at once (the first screen), the others over the next turns of
 * the loop, so that neither keys nor a login on its way wait for 100 000
 * records, and opened only when every record is in.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* mkdtemp */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/event.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/store.h"
#include "crispin/xalloc.h"
#include "test.h"

#define CACHED	10000

static size_t	 added, bad_order;
static uint32_t	 last_uid;
static bool	 opened;

static void
on_added(struct mail_folder *f, const struct mail_msg *m, void *arg)
{
	/* After the newest, the others ascend. */
	if (added > 50 && m->uid <= last_uid && m->uid < CACHED - 50)
		bad_order++;
	last_uid = m->uid;
	added++;
}

static void
on_opened(struct mail_folder *f, void *arg)
{
	opened = true;
}

static struct store *
cached_folder(const char *dir)
{
	struct store_folder_state	 fs = { 7, CACHED + 1, 42 };
	struct store_msg		 m;
	struct store			*st = NULL;
	char				*error = NULL, subject[32];
	uint32_t			 uid;

	if (store_open(dir, "user@host:993", &st, NULL, &error) == -1) {
		TEST_CHECK(false, "store_open: %s", error);
		free(error);
		return NULL;
	}
	store_begin(st, &error);
	store_folder_set(st, "INBOX", &fs, &error);
	for (uid = 1; uid <= CACHED; uid++) {
		memset(&m, 0, sizeof m);
		m.uid = uid;
		m.flags = IMAP_FLAG_SEEN;
		m.internaldate = m.date = 1700000000 + uid;
		m.size = 1000;
		m.from = "A <a@example.org>";
		snprintf(subject, sizeof subject, "message %u", uid);
		m.subject = subject;
		store_msg_put(st, "INBOX", &m, &error);
	}
	TEST_INTEQ(store_commit(st, &error), 0, "%d records cached", CACHED);
	free(error);
	return st;
}

int
main(void)
{
	static const struct mail_folder_events ev = {
		.opened = on_opened,
		.added = on_added,
	};
	struct mail_folder_params	 p;
	struct mail_folder		*f;
	struct ev_loop			*loop = ev_loop_new();
	struct store			*st;
	const struct mail_msg		*m;
	const char			*t = getenv("TMPDIR");
	char				*dir;
	size_t				 turns = 0, after_one;
	uint32_t			 seq, missing = 0;

	dir = xasprintf("%s/crispin-test-attach.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	if ((st = cached_folder(dir)) == NULL)
		return test_done();
	memset(&p, 0, sizeof p);
	p.readonly = true;
	p.use_cache = true;
	p.first_batch = 50;
	p.loop = loop;
	f = mail_folder_new(NULL, st, "INBOX", &p);
	mail_folder_subscribe(f, &ev, NULL);
	mail_folder_open_offline(f);
	TEST_INTEQ(mail_folder_count(f), CACHED, "every cached UID is in the map");
	TEST_INTEQ(added, 50, "the first screen's records at once");
	TEST_CHECK(!opened, "not opened before the rest");

	ev_loop_run_once(loop, 0);
	after_one = added;
	TEST_CHECK(after_one > 50 && after_one < CACHED,
	    "one turn attaches a slice, not all: %zu", after_one);
	while (!opened && turns++ < 1000)
		ev_loop_run_once(loop, 1000);
	TEST_CHECK(opened, "opened once every record is in");
	TEST_INTEQ(added, CACHED, "each record added once");
	TEST_CHECK(turns > 1, "over several turns: %zu", turns);
	TEST_INTEQ(bad_order, 0, "the rest in ascending UIDs");
	for (seq = 1; seq <= mail_folder_count(f); seq++) {
		m = mail_folder_msg(f, seq);
		if (m->uid != seq || !(m->state & MAIL_MSG_HEADERS) ||
		    m->subject == NULL || atoi(m->subject + 8) != (int)seq)
			missing++;
	}
	TEST_INTEQ(missing, 0, "every slot has its own record");

	mail_folder_free(&f);
	store_close(&st);
	ev_loop_free(&loop);
	test_rm_rf(dir);
	free(dir);
	return test_done();
}
