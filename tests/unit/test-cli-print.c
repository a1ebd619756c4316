/* The lines of crispin list and search (cli_print_msg): fields decoded
 * and made safe, the senders it remembers never printed for another
 * message's, whatever the addresses of the strings, and the local time
 * it works out a day at a time the same as localtime_r's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/xalloc.h"
#include "test.h"

/* What one message prints as, without the date column (local time). */
static char *
print_one(struct cli_printer *pr, const struct mail_msg *m)
{
	char	*out = NULL, *tab;
	size_t	 len = 0;
	FILE	*f = open_memstream(&out, &len);

	pr->out = f;
	cli_print_msg(pr, m);
	fclose(f);
	if (!pr->json && (tab = strchr(out, '\t')) != NULL &&
	    (tab = strchr(tab + 1, '\t')) != NULL)
		memmove(strchr(out, '\t') + 1, tab + 1, strlen(tab + 1) + 1);
	return out;
}

/* The date column alone (local time). */
static char *
date_column(struct cli_printer *pr, const struct mail_msg *m)
{
	char	*out = NULL, *start, *end, *col;
	size_t	 len = 0;
	FILE	*f = open_memstream(&out, &len);

	pr->out = f;
	cli_print_msg(pr, m);
	fclose(f);
	start = strchr(out, '\t') + 1;
	end = strchr(start, '\t');
	col = xstrndup(start, (size_t)(end - start));
	free(out);
	return col;
}

static void
msg(struct mail_msg *m, uint32_t uid, const char *from, const char *subject)
{
	memset(m, 0, sizeof *m);
	m->uid = uid;
	m->date = 1700000000;
	m->size = 1234;
	m->from = from;
	m->subject = subject;
	m->flags = IMAP_FLAG_SEEN;
	m->state = MAIL_MSG_HEADERS | MAIL_MSG_FLAGS;
}

/*
 * The date column against strftime of localtime_r, every 16 minutes and
 * 53 seconds for a year and a half in zones with summer time (a 30-minute
 * one on Lord Howe Island), half-hour offsets, and times before 1970.
 */
static void
test_local_dates(void)
{
	static const char *const zones[] = { "Europe/Berlin", "America/New_York",
	    "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "UTC" };
	static const int64_t spans[][2] = {
		{ 1698000000, 1698000000 + 550 * 86400 },	/* 2023-10 on */
		{ 0, 40 * 86400 },
	};
	struct cli_printer	 pr;
	struct mail_msg		 m;
	struct tm		 tm;
	char			*got, want[64];
	int64_t			 t;
	size_t			 z, k, wrong, checked;

	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		cli_printer_init(&pr, stdout, false);
		wrong = checked = 0;
		for (k = 0; k < sizeof spans / sizeof spans[0]; k++) {
			for (t = spans[k][0]; t < spans[k][1]; t += 1013) {
				msg(&m, 1, "a", "s");
				m.date = (uint32_t)t;
				got = date_column(&pr, &m);
				localtime_r(&(time_t){ (time_t)t }, &tm);
				strftime(want, sizeof want, "%Y-%m-%d %H:%M", &tm);
				if (strcmp(got, want) != 0 && wrong++ == 0)
					TEST_STREQ(got, want, "%s at %lld", zones[z],
					    (long long)t);
				checked++;
				free(got);
			}
		}
		TEST_INTEQ(wrong, 0, "%s: %zu times as localtime_r has them",
		    zones[z], checked);
		cli_printer_free(&pr);
	}
	setenv("TZ", "UTC", 1);
	tzset();
}

int
main(void)
{
	struct cli_printer	 pr;
	struct mail_msg		 m;
	char			*got, *from, *want, name[64];
	char			*froms[3000];
	size_t			 i, wrong = 0;

	setenv("TZ", "UTC", 1);
	cli_printer_init(&pr, stdout, false);
	msg(&m, 7, "=?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>",
	    "a = b, =?ISO-8859-1?Q?caf=E9?= and x=?y");
	got = print_one(&pr, &m);
	TEST_STREQ(got, "7\tRenée <renee@example.org>\ta = b, café and x=?y\t\\Seen\n",
	    "words decoded, '=' elsewhere kept");
	free(got);
	got = print_one(&pr, &m);
	TEST_STREQ(got, "7\tRenée <renee@example.org>\ta = b, café and x=?y\t\\Seen\n",
	    "the same sender again, from memory");
	free(got);

	/* A sender with a tab and an escape: cut at the tab, '?' for it. */
	msg(&m, 8, "\"Eve\x1b[2J\" <eve@example.org>\tjunk", "s");
	got = print_one(&pr, &m);
	TEST_STREQ(got, "8\t\"Eve?[2J\" <eve@example.org>\ts\t\\Seen\n",
	    "made safe and cut at a tab");
	free(got);

	/* A string freed and another made at the same address: the memory
	 * goes by the text, not by the address. */
	from = xstrdup("Alice <alice@example.org>");
	msg(&m, 9, from, "one");
	got = print_one(&pr, &m);
	TEST_STREQ(got, "9\tAlice <alice@example.org>\tone\t\\Seen\n", "Alice");
	free(got);
	strcpy(from, "Bob <bob@example.org>");
	msg(&m, 10, from, "two");
	got = print_one(&pr, &m);
	TEST_STREQ(got, "10\tBob <bob@example.org>\ttwo\t\\Seen\n",
	    "Bob at Alice's address");
	free(got);
	free(from);

	/* More senders than the memory has room for, in turn, twice. */
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "S%zu <s%zu@example.org>", i, i);
		froms[i] = xstrdup(name);
	}
	for (i = 0; i < 6000; i++) {
		msg(&m, (uint32_t)i + 1, froms[i % 3000], "x");
		got = print_one(&pr, &m);
		want = xasprintf("%zu\tS%zu <s%zu@example.org>\tx\t\\Seen\n", i + 1,
		    i % 3000, i % 3000);
		if (strcmp(got, want) != 0 && wrong++ == 0)
			TEST_STREQ(got, want, "sender %zu", i);
		free(want);
		free(got);
	}
	TEST_INTEQ(wrong, 0, "each of 6000 lines names its own sender");
	for (i = 0; i < 3000; i++)
		free(froms[i]);
	cli_printer_free(&pr);

	/* JSON: decoded, escaped, not cut. */
	cli_printer_init(&pr, stdout, true);
	msg(&m, 11, "=?UTF-8?B?w4Fuw6k=?= <a@example.org>", "tab\there");
	got = print_one(&pr, &m);
	TEST_STREQ(got, "{\"uid\":11,\"date\":\"2023-11-14T22:13:20Z\","
	    "\"from\":\"Áné <a@example.org>\",\"subject\":\"tab\\there\","
	    "\"flags\":[\"\\\\Seen\"],\"size\":1234}\n", "a JSON line");
	free(got);
	got = print_one(&pr, &m);
	TEST_CHECK(strstr(got, "\"from\":\"Áné <a@example.org>\"") != NULL,
	    "again from memory: %s", got);
	free(got);
	cli_printer_free(&pr);
	test_local_dates();
	return test_done();
}
