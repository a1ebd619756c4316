/*
 * crispin search [-f FOLDER] [--json] QUERY...: the words of the query
 * joined by spaces, parsed by the search language and sent as one UID
 * SEARCH (RETURN (ALL) under ESEARCH: one compact set back). What IMAP
 * cannot say (has:attachment) comes back as a superset that is finished
 * here from each candidate's BODYSTRUCTURE and header. Matches print
 * exactly as list prints them.
 * Offline (--offline) the query is evaluated here over the cached index
 * fields of the messages whose headers are cached, and stderr says the
 * answer is partial; a query that needs more (body text, attachments,
 * other headers) is an error rather than a wrong answer.
 * Arguments are read by hand: "-is:read" is a query word, not an option.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_query.h"
#include "crispin/mime_header.h"
#include "crispin/mime_part.h"
#include "crispin/store.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define USAGE "usage: crispin search [-f FOLDER] [--json] QUERY...\n"
/* New sessions one search may make after dead links: it only reads, so
 * it is simply asked again. */
#define SEARCH_RELINKS	3

/* A candidate to finish locally: its structure and its whole header. */
struct candidate {
	uint32_t	 uid;
	bool		 attachment;
	char		*header;	/* owned, NUL-terminated; NULL if not sent */
	size_t		 len;
};

struct search_run {
	struct imap_seqset	 found;		/* UIDs the server answered */
	struct candidate	*cands;		/* owned; sorted by UID once fetched */
	size_t			 ncands;
	bool			 done;
	enum imap_status	 status;
	char			*text;		/* owned: sanitised answer text */
};

static void add_word(struct buf *, const char *);
static void on_search(struct imap_client *, const struct imap_response *, void *);
static void on_fetch(struct imap_client *, const struct imap_response *, void *);
static void on_done(struct imap_client *, const struct imap_response *, void *);
static int send_search(struct cli_session *, const struct mail_query *,
	    struct search_run *);
static int fetch_structure(struct cli_session *, struct search_run *);
static bool has_attachment(const struct imap_body *);
static int cand_cmp(const void *, const void *);
static const struct candidate *find_candidate(const struct search_run *, uint32_t);
static const char *header_hook(const struct mail_query_msg *, const char *);
static void add_decoded(struct buf *, const struct mime_headers *, const char *);
static bool finish_local(const struct mail_query *, const struct mail_msg *,
	    const struct candidate *);
static bool cache_cut_short(struct cli_folder *);
static int search_offline(struct cli_context *, const struct mail_query *,
	    const char *, bool);
static void run_reset(struct search_run *);
static int search_online(struct cli_session *, struct cli_folder *,
	    const struct mail_query *, const char *, struct search_run *);

/* Words are joined as they come: a query may be one argument or many. */
static void
add_word(struct buf *q, const char *w)
{
	if (q->len > 0)
		buf_addc(q, ' ');
	buf_adds(q, w);
}

static void
on_search(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct search_run	*run = arg;

	(void)imap_esearch_collect(r, &run->found);
}

static void
on_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct search_run	*run = arg;

	run->done = true;
	run->status = r->status;
	free(run->text);
	run->text = str_sanitize(r->text);
}

static int
send_search(struct cli_session *s, const struct mail_query *q, struct search_run *run)
{
	struct mail_query_imap	 m;
	struct imap_cmd		*cmd = imap_cmd_new(s->client, 0);
	size_t			 i;

	mail_query_to_imap(q, &m);
	imap_cmd_add(cmd, "UID SEARCH %s%s",
	    imap_client_has_cap(s->client, "ESEARCH") ? "RETURN (ALL) " : "",
	    m.needs_utf8 ? "CHARSET UTF-8 " : "");
	for (i = 0; i < m.nparts; i++) {
		if (m.parts[i].is_string)
			imap_cmd_add_string(cmd, m.parts[i].text);
		else
			imap_cmd_add(cmd, "%s", m.parts[i].text);
	}
	mail_query_imap_free(&m);
	imap_cmd_on_untagged(cmd, "SEARCH", on_search);
	imap_cmd_on_untagged(cmd, "ESEARCH", on_search);
	imap_cmd_submit(cmd, on_done, run);
	return cli_session_wait(s, &run->done);
}

/* What the pager would list as an attachment. */
static bool
has_attachment(const struct imap_body *body)
{
	struct arena		*a = arena_new(0);
	struct mime_part	*root;
	struct mime_shown	*shown;
	size_t			 n, i;
	bool			 yes = false;

	if (mime_part_from_imap(body, a, &root) == 0) {
		n = mime_select_display(root, NULL, a, &shown);
		for (i = 0; i < n && !yes; i++)
			yes = shown[i].how == MIME_SHOW_ATTACHMENT;
	}
	arena_free(&a);
	return yes;
}

static void
on_fetch(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct search_run	*run = arg;
	struct arena		*a = arena_new(0);
	struct imap_fetch	 fe;
	struct candidate	*cd;
	const struct imap_arg	*d;
	char			*error = NULL;
	size_t			 i;

	if (imap_fetch_parse(r, a, &fe, &error) < 0) {
		free(error);
		arena_free(&a);
		return;
	}
	if (fe.has_uid) {
		run->cands = xreallocarray(run->cands, run->ncands + 1, sizeof *run->cands);
		cd = &run->cands[run->ncands++];
		memset(cd, 0, sizeof *cd);
		cd->uid = fe.uid;
		cd->attachment = fe.body != NULL && has_attachment(fe.body);
		for (i = 0; i < fe.nsections; i++) {
			d = fe.sections[i].data;
			if (strcmp(fe.sections[i].section, "HEADER") != 0 || d == NULL ||
			    (d->type != IMAP_ARG_LITERAL && d->type != IMAP_ARG_QUOTED))
				continue;
			cd->header = xmalloc(d->u.str.len + 1);
			memcpy(cd->header, d->u.str.s, d->u.str.len);
			cd->header[d->u.str.len] = '\0';
			cd->len = d->u.str.len;
		}
	}
	arena_free(&a);
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct candidate	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* The candidates are sorted by UID once fetched. */
static const struct candidate *
find_candidate(const struct search_run *run, uint32_t uid)
{
	struct candidate	key;

	key.uid = uid;
	if (run->ncands == 0)
		return NULL;
	return bsearch(&key, run->cands, run->ncands, sizeof *run->cands, cand_cmp);
}

static int
fetch_structure(struct cli_session *s, struct search_run *run)
{
	struct imap_cmd	*cmd = imap_cmd_new(s->client, 0);
	struct buf	 b = BUF_INIT;

	imap_seqset_write(&b, &run->found);
	imap_cmd_add(cmd, "UID FETCH %s (UID BODYSTRUCTURE BODY.PEEK[HEADER])",
	    buf_cstr(&b));
	buf_free(&b);
	imap_cmd_on_untagged(cmd, "FETCH", on_fetch);
	run->done = false;
	imap_cmd_submit(cmd, on_done, run);
	return cli_session_wait(s, &run->done);
}

static const char *
header_hook(const struct mail_query_msg *qm, const char *name)
{
	return mime_header_get(qm->arg, name);
}

static void
add_decoded(struct buf *out, const struct mime_headers *h, const char *name)
{
	const char	*v = mime_header_get(h, name);

	if (v != NULL)
		mime_decode_words(out, v, NULL);
}

/*
 * The server checked what it could; the query is evaluated again here
 * with the candidate's structure, header and flags. Only body text stays
 * unknown, and unknown keeps the message: the server's answer stands.
 */
static bool
finish_local(const struct mail_query *q, const struct mail_msg *m,
    const struct candidate *cd)
{
	static const char *const fields[] = { "From", "To", "Cc", "Bcc", "Subject" };
	struct mail_query_msg	 qm;
	struct mime_headers	 h;
	struct arena		*a = arena_new(0);
	struct buf		 val[5];
	const char		*v[5];
	char			*kw = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	char			*p, *save = NULL;
	const char		**kws = NULL;
	size_t			 nkws = 0, i;
	enum mail_query_truth	 t;

	memset(&qm, 0, sizeof qm);
	memset(&h, 0, sizeof h);
	if (cd != NULL && cd->header != NULL)
		mime_headers_parse(cd->header, cd->len, a, &h, NULL);
	for (i = 0; i < 5; i++) {
		buf_init(&val[i]);
		add_decoded(&val[i], &h, fields[i]);
		v[i] = mime_header_get(&h, fields[i]) != NULL ? buf_cstr(&val[i]) : NULL;
	}
	qm.uid = m->uid;
	qm.flags = m->flags;
	qm.size = m->size;
	qm.internaldate = (time_t)m->internaldate;
	qm.from = v[0];
	qm.to = v[1];
	qm.cc = v[2];
	qm.bcc = v[3];
	qm.subject = v[4];
	if (cd != NULL && cd->header != NULL) {
		qm.header = header_hook;
		qm.arg = &h;
	}
	for (p = kw != NULL ? strtok_r(kw, " ", &save) : NULL; p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		kws = xreallocarray(kws, nkws + 1, sizeof *kws);
		kws[nkws++] = p;
	}
	qm.keywords = kws;
	qm.nkeywords = nkws;
	qm.has_attachment = cd != NULL ? cd->attachment : -1;
	t = mail_query_eval(q, &qm);
	free(kws);
	free(kw);
	for (i = 0; i < 5; i++)
		buf_free(&val[i]);
	arena_free(&a);
	return t != MAIL_QUERY_NO;
}

/* The index fields as the query language wants them: decoded text. */
static enum mail_query_truth
eval_cached(const struct mail_query *q, const struct mail_msg *m)
{
	struct mail_query_msg	 qm;
	struct buf		 from = BUF_INIT, to = BUF_INIT, subject = BUF_INIT;
	char			*kw = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	char			*p, *save = NULL;
	const char		**kws = NULL;
	size_t			 nkws = 0;
	enum mail_query_truth	 t;

	memset(&qm, 0, sizeof qm);
	if (m->from != NULL)
		mime_decode_words(&from, m->from, NULL);
	if (m->to != NULL)
		mime_decode_words(&to, m->to, NULL);
	if (m->subject != NULL)
		mime_decode_words(&subject, m->subject, NULL);
	qm.uid = m->uid;
	qm.flags = m->flags;
	qm.size = m->size;
	qm.internaldate = (time_t)m->internaldate;
	qm.from = m->from != NULL ? buf_cstr(&from) : NULL;
	/* The cache keeps To and Cc together. */
	qm.to = qm.cc = m->to != NULL ? buf_cstr(&to) : NULL;
	qm.subject = m->subject != NULL ? buf_cstr(&subject) : NULL;
	qm.has_attachment = -1;
	for (p = kw != NULL ? strtok_r(kw, " ", &save) : NULL; p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		kws = xreallocarray(kws, nkws + 1, sizeof *kws);
		kws[nkws++] = p;
	}
	qm.keywords = kws;
	qm.nkeywords = nkws;
	t = mail_query_eval(q, &qm);
	free(kws);
	free(kw);
	buf_free(&from);
	buf_free(&to);
	buf_free(&subject);
	return t;
}

/* True when the folder's last open did not cache all of it (cut short,
 * or list --limit): the store keeps no UIDNEXT for it then. */
static bool
cache_cut_short(struct cli_folder *cf)
{
	struct store_folder_state	 st;
	char				*error = NULL;

	if (cf->store == NULL || store_folder_get(cf->store,
	    mail_folder_name(cf->folder), &st, &error) < 0) {
		free(error);
		return false;
	}
	return st.uidvalidity != 0 && st.uidnext == 0;
}

static int
search_offline(struct cli_context *ctx, const struct mail_query *q, const char *folder,
    bool json)
{
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct imap_seqset	 found;
	struct cli_printer	 pr;
	const struct mail_msg	*m;
	uint32_t		 seq, n, unknown = 0, searched = 0;
	int			 rc;

	imap_seqset_init(&found);
	cli_printer_init(&pr, ctx->out, json);
	if ((rc = cli_folder_start(&cf, &s, ctx, folder, true)) == 0) {
		n = mail_folder_count(cf.folder);
		for (seq = 1; seq <= n; seq++) {
			m = mail_folder_msg(cf.folder, seq);
			if (m->uid == 0 || !(m->state & MAIL_MSG_HEADERS))
				continue;
			searched++;
			switch (eval_cached(q, m)) {
			case MAIL_QUERY_YES:
				imap_seqset_add(&found, m->uid, m->uid);
				break;
			case MAIL_QUERY_UNKNOWN:
				unknown++;
				break;
			case MAIL_QUERY_NO:
				break;
			}
		}
		if (unknown > 0) {
			fprintf(ctx->err, "crispin: search: offline, the cache cannot "
			    "answer this query: it needs message bodies, attachments or "
			    "headers the cache does not keep (offline: from:, to:, cc:, "
			    "subject:, dates, sizes, is:, keyword:, uid:)\n");
			rc = EXIT_FAILURE_;
		} else {
			imap_seqset_normalize(&found);
			for (seq = 1; seq <= n; seq++) {
				m = mail_folder_msg(cf.folder, seq);
				if (m->uid != 0 && imap_seqset_contains(&found, m->uid))
					cli_print_msg(&pr, m);
			}
			/* The server may have more, or other flags, by now. */
			fprintf(ctx->err, "crispin: search: offline: a partial answer "
			    "from the cache: %u of %u messages as last synced", searched, n);
			if (searched < n)
				fprintf(ctx->err, " (%u without cached headers were not "
				    "searched; crispin sync caches them)", n - searched);
			else if (cache_cut_short(&cf))
				fprintf(ctx->err, " (the cache holds only the newest part "
				    "of the folder; crispin sync caches the rest)");
			fputc('\n', ctx->err);
		}
	}
	cli_folder_stop(&cf, &s);
	imap_seqset_free(&found);
	cli_printer_free(&pr);
	return rc;
}

static void
run_reset(struct search_run *run)
{
	size_t	j;

	imap_seqset_free(&run->found);
	imap_seqset_init(&run->found);
	for (j = 0; j < run->ncands; j++)
		free(run->cands[j].header);
	x_free(&run->cands);
	run->ncands = 0;
	run->done = false;
	x_free(&run->text);
}

/*
 * Opens the folder and asks the server, again on a new session when the
 * link dies under the SEARCH or the FETCH (nothing is printed before all
 * came). 0 with s and cf open, or an exit code.
 */
static int
search_online(struct cli_session *s, struct cli_folder *cf, const struct mail_query *q,
    const char *folder, struct search_run *run)
{
	struct cli_context	*ctx = s->ctx;
	unsigned		 relinks = 0;
	int			 rc;

	for (;;) {
		if ((rc = cli_folder_open(cf, s, folder, true)) != 0)
			return rc;	/* opening reconnects by itself */
		if ((rc = send_search(s, q, run)) == 0 && run->status != IMAP_STATUS_OK) {
			fprintf(ctx->err, "crispin: search: the server refused the search "
			    "in %s: %s\n", folder, run->text);
			return EXIT_FAILURE_;
		}
		imap_seqset_normalize(&run->found);
		if (rc == 0 && mail_query_needs_local(q) && run->found.count > 0) {
			rc = fetch_structure(s, run);
			if (run->ncands > 0)
				qsort(run->cands, run->ncands, sizeof *run->cands, cand_cmp);
		}
		if (rc != EXIT_NETWORK || relinks++ == SEARCH_RELINKS)
			return rc;
		fprintf(ctx->err, "crispin: search: the link died; searching again "
		    "after reconnecting\n");
		cli_folder_close(cf);
		cli_session_close(s);
		run_reset(run);
		if ((rc = cli_session_reconnect(s, ctx, "search")) != 0)
			return rc;
	}
}

int
cli_search(struct cli_context *ctx, int argc, char **argv)
{
	struct search_run	 run;
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct mail_query	*q = NULL;
	struct buf		 text = BUF_INIT;
	struct cli_printer	 pr;
	const struct mail_msg	*m;
	const char		*folder = "INBOX", *a;
	char			*error = NULL;
	uint32_t		 seq, n;
	size_t			 j;
	bool			 json = false, words_only = false;
	int			 i, rc = EXIT_USAGE;

	memset(&run, 0, sizeof run);
	imap_seqset_init(&run.found);
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (words_only)
			add_word(&text, a);
		else if (strcmp(a, "--") == 0)
			words_only = true;
		else if (strcmp(a, "-f") == 0 || strcmp(a, "--folder") == 0) {
			if (++i == argc) {
				fprintf(ctx->err, "crispin: search: %s needs a folder\n" USAGE, a);
				goto out;
			}
			folder = argv[i];
		} else if (str_has_prefix(a, "--folder="))
			folder = a + strlen("--folder=");
		else if (strcmp(a, "--json") == 0)
			json = true;
		else
			add_word(&text, a);
	}
	if (text.len == 0) {
		fprintf(ctx->err, "crispin: search: what to look for? give a query "
		    "(see SEARCH LANGUAGE in crispin(1))\n" USAGE);
		goto out;
	}
	if (mail_query_parse(buf_cstr(&text), time(NULL), &q, &error) < 0) {
		fprintf(ctx->err, "crispin: search: %s in '%s'\n", error, buf_cstr(&text));
		free(error);
		goto out;
	}
	if (ctx->offline) {
		rc = search_offline(ctx, q, folder, json);
		goto out;
	}
	if ((rc = cli_session_open(&s, ctx)) != 0)
		goto out;
	memset(&cf, 0, sizeof cf);
	rc = search_online(&s, &cf, q, folder, &run);
	if (rc == 0) {
		imap_client_logout(s.client);
		cli_printer_init(&pr, ctx->out, json);
		n = mail_folder_count(cf.folder);
		for (seq = 1; seq <= n; seq++) {
			m = mail_folder_msg(cf.folder, seq);
			if (m->uid == 0 || !(m->state & MAIL_MSG_HEADERS) ||
			    !imap_seqset_contains(&run.found, m->uid))
				continue;
			if (mail_query_needs_local(q) && !finish_local(q, m,
			    find_candidate(&run, m->uid)))
				continue;
			cli_print_msg(&pr, m);
		}
		cli_printer_free(&pr);
	}
	cli_folder_close(&cf);
	cli_session_close(&s);
out:
	mail_query_free(&q);
	imap_seqset_free(&run.found);
	for (j = 0; j < run.ncands; j++)
		free(run.cands[j].header);
	free(run.cands);
	free(run.text);
	buf_free(&text);
	return rc;
}
