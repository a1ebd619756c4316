/* Scores: rules add up in order, "=N" sets and stops, bad patterns are
 * reported and left out, mutt's patterns work. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/buf.h"
#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/mail_score.h"
#include "crispin/xalloc.h"
#include "test.h"

/* Saturday 2024-06-15 12:00:00 UTC. */
#define NOW	((time_t)1718452800)

static int
score_of(const char *const *rules, size_t n, const struct mail_query_msg *m)
{
	struct mail_scores	*s;
	char			*error = NULL;
	int			 v;

	TEST_INTEQ(mail_scores_new(rules, n, NOW, &s, &error), 0, "rules compile");
	v = mail_scores_eval(s, m);
	mail_scores_free(&s);
	return v;
}

/* score and unscore in the rc file keep "VALUE PATTERN" rules in order. */
static void
test_rc(void)
{
	struct config		*cfg = config_new();
	struct buf		 errors = BUF_INIT;
	const char *const	*rules;
	size_t			 n;

	TEST_INTEQ(config_load_string(cfg, "rc",
	    "score '~f alice' 10\n"
	    "score '~s report' =5\n"
	    "score '~f alice' -3\n"
	    "score '~N' +2\n"
	    "score '~U' lots\n"
	    "score '~U'\n"
	    "unscore '~s report'\n", &errors), 2, "two bad lines");
	TEST_CHECK(strstr(buf_cstr(&errors), "rc:5: bad score value 'lots'") != NULL,
	    "a bad value is named: %s", buf_cstr(&errors));
	rules = config_scores(cfg, &n);
	TEST_INTEQ(n, 2, "two rules left");
	if (n == 2) {
		TEST_STREQ(rules[0], "-3 ~f alice", "the same pattern replaced its value");
		TEST_STREQ(rules[1], "+2 ~N", "in order");
	}
	TEST_INTEQ(config_load_string(cfg, "rc", "unscore *\n", &errors), 0, "unscore *");
	config_scores(cfg, &n);
	TEST_INTEQ(n, 0, "no rules");
	buf_free(&errors);
	config_free(&cfg);
}

int
main(void)
{
	static const char *const add[] = {
		"10 ~f alice", "+5 subject:report", "-3 ~N", "100 ~f bob",
	};
	static const char *const set[] = {
		"10 ~f alice", "=3 ~s report", "1000 ~A",
	};
	static const char *const bad[] = {
		"7 ~f alice", "5 (from:x", "1 ~s report",
	};
	struct mail_query_msg	 m;
	struct mail_scores	*s;
	char			*error = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&m, 0, sizeof m);
	m.uid = 1;
	m.flags = IMAP_FLAG_RECENT;
	m.from = "Alice <alice@example.org>";
	m.subject = "Quarterly report";
	m.has_attachment = -1;

	TEST_INTEQ(score_of(add, 4, &m), 12, "10 + 5 - 3, bob's rule does not match");
	m.flags = IMAP_FLAG_SEEN;
	TEST_INTEQ(score_of(add, 4, &m), 15, "read: ~N no longer subtracts");
	TEST_INTEQ(score_of(set, 3, &m), 3, "=N sets the score and stops");
	m.subject = "Lunch";
	TEST_INTEQ(score_of(set, 3, &m), 1010, "without the =N rule, all add up");
	TEST_INTEQ(score_of(NULL, 0, &m), 0, "no rules: 0");
	{
		static const char *const neg[] = { "-20 ~A", "5 ~f alice" };
		static const char *const negset[] = { "=-7 ~A" };

		TEST_INTEQ(score_of(neg, 2, &m), 0, "below 0 counts as 0");
		TEST_INTEQ(score_of(negset, 1, &m), 0, "=-7 too");
	}

	/* A bad pattern is named; the other rules still count. */
	m.subject = "Quarterly report";
	TEST_INTEQ(mail_scores_new(bad, 3, NOW, &s, &error), -1, "a bad rule fails");
	TEST_CHECK(error != NULL && strstr(error, "(from:x") != NULL &&
	    strstr(error, "unbalanced parenthesis") != NULL, "error names it: %s",
	    error != NULL ? error : "(none)");
	TEST_INTEQ(mail_scores_eval(s, &m), 8, "the good rules still score");
	mail_scores_free(&s);
	free(error);

	/* Unknown (body not cached) does not match. */
	{
		static const char *const body[] = { "9 ~b invoice" };

		TEST_INTEQ(score_of(body, 1, &m), 0, "unknown is no match");
		m.body = "the invoice";
		TEST_INTEQ(score_of(body, 1, &m), 9, "cached body matches");
	}
	test_rc();
	return test_done();
}
