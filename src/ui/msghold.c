/*
 * One message shared by the views that show it: the pager, its
 * attachments view, and a part opened from there. The message runs one
 * operation at a time, and a view waiting for one may be closed before
 * it ends, so completions go through the holder, which drops a waiter
 * that left instead of calling into freed memory. The last reference
 * frees the message; commands still in flight then complete unheard.
 *
 * Parts are asked as BINARY when the server offers it; a part it refuses
 * is noted in the store and fetched encoded. Dovecot 2.3 may instead drop
 * the connection: the text being fetched then is fetched again, without
 * BINARY, once the link is back (link.c reopens the message).
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/xalloc.h"
#include "ui_p.h"

struct msghold {
	struct ui		*ui;		/* borrowed */
	struct mail_message	*msg;		/* owned */
	unsigned		 refs;
	bool			 busy;
	bool			 streaming;	/* the operation is a stream */
	void			*waiter;	/* borrowed; NULL once it left */
	msghold_done_cb		*done;
	mail_message_write_cb	*write;
};

static void on_done(struct mail_message *, int, const char *, void *);
static int on_write(const void *, size_t, void *);
static void begin(struct msghold *, msghold_done_cb *, void *);
static bool binary_retry(struct msghold *, msghold_done_cb *, void *);

struct msghold *
msghold_new(struct ui *ui, uint32_t uid)
{
	struct mail_message_params	 p;
	struct store_folder_state	 fs;
	struct msghold			*h = xcalloc(1, sizeof *h);
	char				*error = NULL;

	memset(&p, 0, sizeof p);
	p.folder = mail_folder_name(ui->folder);
	p.uidvalidity = mail_folder_uidvalidity(ui->folder);
	p.store = ui->store;
	p.notes = ui->store;
	/* Reopening after a reconnect, before SELECT answered: the notes of
	 * the cached UIDVALIDITY still keep BINARY off where it failed (a
	 * stale one costs BINARY, never data), but no part cache. */
	if (p.uidvalidity == 0 && ui->store != NULL) {
		if (store_folder_get(ui->store, p.folder, &fs, &error) == 0)
			p.uidvalidity = fs.uidvalidity;
		free(error);
		p.store = NULL;
	}
	/* Without a store to note parts in, a lost link turns it off. */
	p.no_binary = ui->binary_off;
	/* Small pieces: progress moves and Ctrl-G stops soon. */
	p.chunk = 256 * 1024;
	h->ui = ui;
	h->msg = mail_message_new(ui->s.client, &p, uid);
	h->refs = 1;
	return h;
}

struct msghold *
msghold_ref(struct msghold *h)
{
	h->refs++;
	return h;
}

void
msghold_unref(struct msghold **hp)
{
	struct msghold	*h = *hp;

	if (h == NULL)
		return;
	*hp = NULL;
	if (--h->refs > 0)
		return;
	mail_message_free(&h->msg);
	free(h);
}

struct mail_message *
msghold_message(const struct msghold *h)
{
	return h->msg;
}

bool
msghold_busy(const struct msghold *h)
{
	return h->busy;
}

void
msghold_forget(struct msghold *h, void *waiter)
{
	if (h != NULL && h->waiter == waiter) {
		h->waiter = NULL;
		h->done = NULL;
		h->write = NULL;
	}
}

static void
begin(struct msghold *h, msghold_done_cb *done, void *waiter)
{
	h->busy = true;
	h->streaming = false;
	h->waiter = waiter;
	h->done = done;
	h->write = NULL;
}

static void
on_done(struct mail_message *m, int status, const char *error, void *arg)
{
	struct msghold	*h = arg;
	msghold_done_cb	*done = h->done;
	void		*waiter = h->waiter;

	h->busy = false;
	h->waiter = NULL;
	h->done = NULL;
	h->write = NULL;
	if (status < 0 && mail_message_binary_dropped(m) && binary_retry(h, done,
	    waiter))
		return;
	if (done != NULL && waiter != NULL)
		done(waiter, status, error);
}

/*
 * The link died on a BINARY fetch of the text being shown: no error for
 * the waiter (the pager goes with the link in a moment); the message is
 * opened again once reconnected, its parts noted as not for BINARY. A
 * second drop, or no store to note them in, turns BINARY off for the
 * session. A stream (a save) fails with a sentence saying what to do,
 * said again once reconnected (the view that ran it went with the link).
 */
static bool
binary_retry(struct msghold *h, msghold_done_cb *done, void *waiter)
{
	struct ui	*ui = h->ui;
	uint32_t	 uid = mail_message_uid(h->msg);

	if (ui->store == NULL || ++ui->binary_drops > 1)
		ui->binary_off = true;
	if (h->streaming) {
		if (waiter != NULL)
			ui->binary_retry_save = true;
		if (done != NULL && waiter != NULL)
			done(waiter, -1, "the server closed the connection when asked "
			    "for this part as BINARY; try again once reconnected "
			    "(it is then fetched encoded)");
		return true;
	}
	if (waiter != NULL)
		ui->binary_retry_uid = uid;
	ui_message(ui, "The server closed the connection when asked for message "
	    "%u as BINARY; it is fetched again encoded once reconnected.", uid);
	return true;
}

/* A waiter that left stops the stream at its next bytes. */
static int
on_write(const void *data, size_t len, void *arg)
{
	struct msghold	*h = arg;

	if (h->write == NULL || h->waiter == NULL)
		return -1;
	return h->write(data, len, h->waiter);
}

void
msghold_load(struct msghold *h, msghold_done_cb *done, void *waiter)
{
	begin(h, done, waiter);
	mail_message_load(h->msg, on_done, h);
}

void
msghold_fetch_shown(struct msghold *h, const struct mime_shown *shown, size_t n,
    msghold_done_cb *done, void *waiter)
{
	begin(h, done, waiter);
	mail_message_fetch_shown(h->msg, shown, n, on_done, h);
}

void
msghold_stream(struct msghold *h, const char *section,
    mail_message_write_cb *write, msghold_done_cb *done, void *waiter)
{
	begin(h, done, waiter);
	h->streaming = true;
	h->write = write;
	mail_message_stream(h->msg, section, true, on_write, h, on_done, h);
}
