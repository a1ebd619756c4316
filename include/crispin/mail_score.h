/*
 * mutt's scores: rules (`score PATTERN VALUE` in the rc file) give each
 * message a number the index shows (%N), sorts by (sort = score) and acts
 * on (score_threshold_*). A message starts at 0; every matching rule adds
 * its value, and a rule written "=N" sets the score to N and ends there.
 * As in mutt, a score below 0 counts as 0.
 */
#ifndef CRISPIN_MAIL_SCORE_H
#define CRISPIN_MAIL_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "crispin/mail_query.h"

struct mail_scores;

/*
 * Compiles rules, each "VALUE PATTERN" (config_scores). now anchors
 * relative dates. A rule whose pattern does not parse is left out: the
 * return is then -1 with *error_r (malloc'd) naming the first one, and
 * *scores_r still holds the others. *scores_r is NULL when there are no
 * rules.
 */
int	 mail_scores_new(const char *const *rules, size_t n, time_t now,
	    struct mail_scores **scores_r, char **error_r);
void	 mail_scores_free(struct mail_scores **);
/* The score of a message (0 with no rules; a rule whose answer is
 * unknown does not match). */
int	 mail_scores_eval(const struct mail_scores *, const struct mail_query_msg *);

#endif
