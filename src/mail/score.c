/*
 * Score rules: each a compiled query and a value, tried in order.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/mail_score.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct score_rule {
	struct mail_query *q;		/* owned */
	int		 value;
	bool		 set;		/* "=N": the score is N, stop */
};

struct mail_scores {
	struct score_rule *rules;	/* owned */
	size_t		 n;
};

int
mail_scores_new(const char *const *rules, size_t n, time_t now,
    struct mail_scores **scores_r, char **error_r)
{
	struct mail_scores	*s;
	struct score_rule	*r;
	const char		*v, *pattern;
	char			*error = NULL;
	size_t			 i;
	int			 status = 0;

	*scores_r = NULL;
	if (n == 0)
		return 0;
	s = xcalloc(1, sizeof *s);
	s->rules = xcalloc(n, sizeof *s->rules);
	for (i = 0; i < n; i++) {
		v = rules[i];
		if ((pattern = strchr(v, ' ')) == NULL)
			continue;
		r = &s->rules[s->n];
		r->set = *v == '=';
		r->value = atoi(v + (r->set ? 1 : 0));
		if (mail_query_parse(pattern + 1, now, &r->q, &error) < 0) {
			if (status == 0)
				*error_r = xasprintf("score \"%s\": %s", pattern + 1,
				    error);
			status = -1;
			x_free(&error);
			continue;
		}
		s->n++;
	}
	*scores_r = s;
	return status;
}

void
mail_scores_free(struct mail_scores **sp)
{
	struct mail_scores	*s = *sp;
	size_t			 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		mail_query_free(&s->rules[i].q);
	free(s->rules);
	x_free(sp);
}

int
mail_scores_eval(const struct mail_scores *s, const struct mail_query_msg *m)
{
	long	 score = 0;
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (!mail_query_match(s->rules[i].q, m))
			continue;
		if (s->rules[i].set)
			return s->rules[i].value < 0 ? 0 : s->rules[i].value;
		score += s->rules[i].value;
	}
	/* Never below 0, as in mutt; kept in range whatever rules add up to. */
	if (score > 1000000000)
		score = 1000000000;
	return score < 0 ? 0 : (int)score;
}
