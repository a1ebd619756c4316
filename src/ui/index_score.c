/*
 * Scores in the index: the rc file's score rules applied to every message
 * at each rebuild (for %N and sort = score), and mutt's score_threshold_*
 * acting once on each message.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/config.h"
#include "crispin/imap_data.h"
#include "crispin/imap_seqset.h"
#include "crispin/xalloc.h"
#include "index_p.h"

int
index_score(struct index_state *st, uint32_t seq)
{
	return seq > 0 && seq - 1 < st->nscore ? st->score_of[seq - 1] : 0;
}

/* The score of each message (mscores, by index into msgs), and by
 * sequence number for %N. */
void
index_compute_scores(struct ui *ui, struct index_state *st, const struct mail_msg **msgs,
    const uint32_t *mseq, size_t n, int *mscores)
{
	struct buf		 b[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	struct mail_query_msg	 qm;
	const char *const	*rules;
	size_t			 nrules, i;
	uint32_t		 count = mail_folder_count(ui->folder);
	char			*error = NULL;

	if (!st->scores_ready) {
		st->scores_ready = true;
		rules = config_scores(ui->ctx->cfg, &nrules);
		if (mail_scores_new(rules, nrules, time(NULL), &st->scores, &error) < 0) {
			ui_message(ui, "%s", error);
			free(error);
		}
	}
	/* Without rules every score is 0: no array for it (a 100 000-
	 * message folder would keep 400 KB of zeros). */
	if (st->scores == NULL || mscores == NULL) {
		x_free(&st->score_of);
		st->nscore = 0;
		return;
	}
	st->nscore = count;
	st->score_of = xreallocarray(st->score_of, count > 0 ? count : 1,
	    sizeof *st->score_of);
	memset(st->score_of, 0, (count > 0 ? count : 1) * sizeof *st->score_of);
	for (i = 0; i < n; i++) {
		index_query_msg(msgs[i], b, &qm);
		mscores[i] = mail_scores_eval(st->scores, &qm);
		if (mseq[i] > 0 && mseq[i] <= count)
			st->score_of[mseq[i] - 1] = mscores[i];
	}
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
}

/* score_threshold_delete, _read and _flag, once per message, as mutt
 * does when it scores a message. */
void
index_apply_thresholds(struct ui *ui, struct index_state *st, const struct mail_msg **msgs,
    const int *mscores, size_t n)
{
	static const struct {
		const char	*option;
		unsigned	 flag;
		bool		 at_least;
	} rules[] = {
		{ "score_threshold_delete", IMAP_FLAG_DELETED, false },
		{ "score_threshold_read", IMAP_FLAG_SEEN, false },
		{ "score_threshold_flag", IMAP_FLAG_FLAGGED, true },
	};
	struct imap_seqset	 set;
	long			 limit;
	size_t			 i, k;

	if (st->scores == NULL || !ui->opened || mail_folder_readonly(ui->folder))
		return;
	for (k = 0; k < sizeof rules / sizeof rules[0]; k++) {
		limit = config_num(ui->ctx->cfg, rules[k].option);
		imap_seqset_init(&set);
		for (i = 0; i < n; i++) {
			if (index_uidset_has(&st->scored, msgs[i]->uid) ||
			    (msgs[i]->flags & rules[k].flag) ||
			    (rules[k].at_least ? mscores[i] < limit : mscores[i] > limit))
				continue;
			imap_seqset_add(&set, msgs[i]->uid, msgs[i]->uid);
		}
		imap_seqset_normalize(&set);
		if (set.count > 0)
			mail_folder_store_flags(ui->folder, &set, true, rules[k].flag,
			    NULL, NULL, NULL);
		imap_seqset_free(&set);
	}
	for (i = 0; i < n; i++)
		index_uidset_add(&st->scored, msgs[i]->uid);
}
