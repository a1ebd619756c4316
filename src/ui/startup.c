/*
 * What the interface settles before it takes the screen: the folder -z
 * and -Z ask for (from one round of the folder list: nothing is drawn
 * yet, so waiting on the loop here freezes nothing), and the rc files'
 * errors shown on the status line once it exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config.h"
#include "crispin/str.h"
#include "crispin/ui.h"
#include "crispin/xalloc.h"
#include "ui_p.h"

static int load_list(struct ui *, FILE *);
static const struct ui_folder *first_with_new(struct ui *);

/* One round of the folder list, waited for. */
static int
load_list(struct ui *ui, FILE *err)
{
	folderlist_refresh(ui);
	while (folderlist_busy(ui) && !ui->s.closed)
		ev_loop_run_once(ui->s.loop, -1);
	if (!folderlist_loaded(ui)) {
		fprintf(err, "crispin: cannot list the folders%s%s\n",
		    ui->message != NULL ? ": " : "",
		    ui->message != NULL ? ui->message : "");
		return EXIT_FAILURE;
	}
	return 0;
}

/* mutt's -Z: the `mailboxes` in their order, else the subscribed
 * folders in list order (INBOX first). */
static const struct ui_folder *
first_with_new(struct ui *ui)
{
	const struct ui_folder	*all, *f;
	const char *const	*mb;
	const char		*m;
	size_t			 n, nmb, i;

	mb = config_mailboxes(ui->ctx->cfg, &nmb);
	for (i = 0; i < nmb; i++) {
		m = mb[i];
		if (*m == '=' || *m == '+')
			m++;
		if ((f = folderlist_find(ui, m)) != NULL && f->has_counts && f->unseen > 0)
			return f;
	}
	if (nmb > 0)
		return NULL;
	all = folderlist_get(ui, &n);
	for (i = 0; i < n; i++) {
		if (all[i].subscribed && all[i].has_counts && all[i].unseen > 0 &&
		    !(all[i].attrs & IMAP_MBOX_NOSELECT))
			return &all[i];
	}
	return NULL;
}

int
startup_folder(struct ui *ui, const struct ui_params *p, FILE *err, char **folder_r)
{
	const struct ui_folder	*f;
	const char		*name = p->folder != NULL ? p->folder : "INBOX";
	int			 rc;

	*folder_r = NULL;
	if (!p->first_new && !p->exit_if_empty) {
		*folder_r = xstrdup(name);
		return 0;
	}
	if ((rc = load_list(ui, err)) != 0)
		return rc;
	if (p->first_new) {
		if ((f = first_with_new(ui)) == NULL) {
			fprintf(err, "crispin: no folder has new mail\n");
			return EXIT_FAILURE;
		}
		name = f->name;
	}
	if (p->exit_if_empty) {
		f = folderlist_find(ui, name);
		if (f != NULL && f->has_counts && f->total == 0) {
			char *clean = str_sanitize(name);

			fprintf(err, "crispin: %s has no messages\n", clean);
			free(clean);
			return EXIT_FAILURE;
		}
	}
	*folder_r = xstrdup(name);
	return 0;
}

/* The first error, and how many more there are: all of them were on
 * stderr, which the screen now hides. */
void
startup_rc_errors(struct ui *ui, const char *errors)
{
	const char	*eol, *p;
	size_t		 more = 0;

	if (errors == NULL || *errors == '\0')
		return;
	/* "/home/me/.config/crispin/crispinrc:3: ..." as "crispinrc:3: ...":
	 * the status line is short, and stderr had the whole path. */
	eol = strchr(errors, '\n');
	for (p = errors; *p != '\0' && p != eol; p++) {
		if (p[0] == ':' && p[1] >= '0' && p[1] <= '9')
			break;
	}
	if (*p == ':') {
		const char *slash = NULL, *q;

		for (q = errors; q < p; q++) {
			if (*q == '/')
				slash = q;
		}
		if (slash != NULL)
			errors = slash + 1;
	}
	eol = strchr(errors, '\n');
	for (p = eol; p != NULL && p[1] != '\0'; p = strchr(p + 1, '\n'))
		more++;
	if (more > 0)
		ui_message(ui, "%.*s (and %zu more error%s)", (int)(eol - errors),
		    errors, more, more == 1 ? "" : "s");
	else
		ui_message(ui, "%.*s", (int)(eol != NULL ? eol - errors :
		    (long)strlen(errors)), errors);
}
