/*
 * A whole message as stored (UID FETCH BODY.PEEK[]), for print and edit.
 * It goes around mail_message on purpose: that one owns the client's
 * literal sink while a pager shows a message, and a second one would
 * take it away. Here the literals stay with the parser (so they come in
 * partial fetches below its in-memory limit) and are copied from the
 * responses; FETCH data of other messages goes on to the folder.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/arena.h"
#include "crispin/config.h"
#include "crispin/mail_draft.h"
#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

/* Under the parser's default limit of literal bytes in memory. */
#define RAWFETCH_CHUNK	(512u * 1024)
/* A message bigger than this is refused. */
#define RAWFETCH_MAX	(64u * 1024 * 1024)

struct rawfetch {
	struct ui	*ui;		/* borrowed */
	uint32_t	 uid;
	bool		 got;
	size_t		 chunk_len;	/* bytes of the running partial fetch */
	struct buf	 raw;
	rawfetch_cb	*done;
	void		*arg;
};

static void on_fetch(struct imap_client *, const struct imap_response *, void *);
static void on_done(struct imap_client *, const struct imap_response *, void *);
static void send_chunk(struct rawfetch *);

void
rawfetch(struct ui *ui, uint32_t uid, rawfetch_cb *done, void *arg)
{
	struct rawfetch	*rf;

	if (ui->s.client == NULL || ui->folder == NULL ||
	    mail_folder_offline(ui->folder)) {
		done(ui, -1, "the server cannot be reached", NULL, arg);
		return;
	}
	rf = xcalloc(1, sizeof *rf);
	rf->ui = ui;
	rf->uid = uid;
	rf->done = done;
	rf->arg = arg;
	send_chunk(rf);
}

static void
send_chunk(struct rawfetch *rf)
{
	struct imap_cmd	*cmd;

	rf->chunk_len = 0;
	cmd = imap_cmd_new(rf->ui->s.client, 0);
	imap_cmd_add(cmd, "UID FETCH %u (UID BODY.PEEK[]<%zu.%u>)", rf->uid,
	    rf->raw.len, RAWFETCH_CHUNK);
	imap_cmd_on_untagged(cmd, "FETCH", on_fetch);
	imap_cmd_fetches(cmd, rf->uid, rf->uid);
	imap_cmd_submit(cmd, on_done, rf);
}

static void
on_fetch(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct rawfetch		*rf = arg;
	struct imap_fetch	 fe;
	struct arena		*a = arena_new(0);
	const struct imap_arg	*d;
	char			*error = NULL;
	size_t			 i;
	bool			 ours = false;

	if (imap_fetch_parse(r, a, &fe, &error) == 0 && fe.has_uid &&
	    fe.uid == rf->uid) {
		for (i = 0; i < fe.nsections; i++) {
			d = fe.sections[i].data;
			if (*fe.sections[i].section != '\0' || fe.sections[i].binary ||
			    d == NULL || (d->type != IMAP_ARG_LITERAL &&
			    d->type != IMAP_ARG_QUOTED))
				continue;
			if (fe.sections[i].has_origin &&
			    fe.sections[i].origin != rf->raw.len)
				continue;
			buf_add(&rf->raw, d->u.str.s, d->u.str.len);
			rf->chunk_len += d->u.str.len;
			rf->got = ours = true;
		}
	}
	free(error);
	arena_free(&a);
	/* Flags of this or other messages are the folder's business. */
	if (!ours && rf->ui->folder != NULL)
		mail_folder_untagged(rf->ui->folder, r);
}

static void
on_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct rawfetch	*rf = arg;
	char		*clean;

	if (r->status != IMAP_STATUS_OK) {
		clean = str_sanitize(r->text);
		rf->done(rf->ui, -1, clean, NULL, rf->arg);
		free(clean);
	} else if (!rf->got)
		rf->done(rf->ui, -1, "the server sent no such message (deleted "
		    "meanwhile?)", NULL, rf->arg);
	else if (rf->chunk_len == RAWFETCH_CHUNK && rf->raw.len < RAWFETCH_MAX &&
	    rf->ui->s.client == c) {
		/* A full piece: there may be more. */
		send_chunk(rf);
		return;
	} else if (rf->chunk_len == RAWFETCH_CHUNK)
		rf->done(rf->ui, -1, "the message is too big", NULL, rf->arg);
	else
		rf->done(rf->ui, 0, NULL, &rf->raw, rf->arg);
	buf_free(&rf->raw);
	free(rf);
}

static bool
weeded(const char *field, void *arg)
{
	return config_header_ignored(arg, field);
}

int
rawfetch_decoded(struct ui *ui, const struct buf *raw, struct buf *out,
    char **error_r)
{
	struct mail_render_opts	 o;
	struct buf		 body = BUF_INIT;
	size_t			 header_len = 0;

	if (mail_draft_raw_text(&body, raw->data, raw->len,
	    config_str(ui->ctx->cfg, "alternative_order"), &header_len,
	    error_r) < 0) {
		buf_free(&body);
		return -1;
	}
	memset(&o, 0, sizeof o);
	o.width = 78;
	o.folder = mail_folder_name(ui->folder);
	if (config_bool(ui->ctx->cfg, "weed")) {
		o.ignored = weeded;
		o.ignored_arg = ui->ctx->cfg;
	}
	mail_render_headers(out, raw->data, header_len, 0, &o);
	buf_addc(out, '\n');
	buf_add(out, body.data, body.len);
	buf_free(&body);
	return 0;
}
