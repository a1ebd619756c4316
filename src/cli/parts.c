/*
 * crispin parts [-f FOLDER] UID [--json]: the part tree of a message, from
 * BODYSTRUCTURE alone. crispin save [-f FOLDER] UID PART [-o FILE]
 * [--force]: one part, transfer-decoded, streamed to a file in partial
 * fetches so that a big attachment never sits whole in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crispin/fdio.h"
#include "crispin/json.h"
#include "crispin/mail_message.h"
#include "crispin/mime_text.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "show_p.h"

#define PARTS_USAGE "usage: crispin parts [-f FOLDER] UID [--json]\n"
#define SAVE_USAGE "usage: crispin save [-f FOLDER] UID PART [-o FILE] [--force]\n"
/* Longest file name made from a message's. */
#define NAME_MAX_BYTES	200

/* The exit status after SIGINT, as shells report a command it killed. */
#define EXIT_INTERRUPTED	(128 + SIGINT)
/* Progress lines no more often than this. */
#define PROGRESS_MS	200

struct save_out {
	int		 fd;
	int		 error;		/* errno of a failed write */
	uint64_t	 written;
	uint64_t	 seen;		/* streamed by this attempt */
	struct show_ctx	*sc;		/* borrowed */
	const char	*spec;		/* borrowed: the part saved */
	bool		 progress;	/* stderr is a terminal */
	bool		 shown;		/* a progress line is on it */
	uint64_t	 started_us;
	uint64_t	 last_us;
	bool		 interrupted;	/* SIGINT */
};

static void part_line(struct buf *, const struct mime_part *, bool);
static void walk(struct buf *, const struct mime_part *, bool);
static char *safe_name(const struct mime_part *, uint32_t);
static int write_fd(const void *, size_t, void *);
static void progress(struct save_out *, bool);
static void on_interrupt(int, void *);
static void save_step_done(struct mail_message *, int, const char *, void *);
static int restart(struct save_out *, const char *);

static void
part_line(struct buf *b, const struct mime_part *p, bool json)
{
	char	*type = xasprintf("%s/%s", p->type, p->subtype);

	if (json) {
		json_obj_begin(b);
		json_field_string(b, "part", p->spec);
		json_field_string(b, "type", type);
		json_field_string(b, "charset", p->charset);
		json_field_string(b, "encoding", p->children == NULL ? p->encoding : NULL);
		json_field_int(b, "size", (int64_t)p->size);
		json_field_string(b, "filename", p->filename);
		json_field_string(b, "disposition", p->disposition);
		json_field_string(b, "description", p->description);
		json_obj_end(b);
		buf_addc(b, '\n');
	} else {
		/* PART TYPE SIZE [FILENAME], tab-separated; "-" for the top. */
		mime_text_safe(b, *p->spec != '\0' ? p->spec : "-", strlen(*p->spec != '\0' ?
		    p->spec : "-"), MIME_SAFE_ONELINE);
		buf_printf(b, "\t%s\t%llu", type, (unsigned long long)p->size);
		if (p->filename != NULL) {
			buf_addc(b, '\t');
			mime_text_safe(b, p->filename, strlen(p->filename), MIME_SAFE_ONELINE);
		}
		buf_addc(b, '\n');
	}
	free(type);
}

/* Every node in order; a message/rfc822 part's multipart body shares its
 * number and is listed after it. */
static void
walk(struct buf *b, const struct mime_part *p, bool json)
{
	const struct mime_part	*c;

	part_line(b, p, json);
	for (c = p->children; c != NULL; c = c->next)
		walk(b, c, json);
}

int
cli_parts(struct cli_context *ctx, int argc, char **argv)
{
	struct show_ctx	 sc;
	struct buf	 out = BUF_INIT;
	bool		 json = false, have_uid = false;
	int		 i, r, rc;

	memset(&sc, 0, sizeof sc);
	sc.ctx = ctx;
	sc.cmd = "parts";
	for (i = 1; i < argc; i++) {
		if ((r = show_folder_arg(&sc, argc, argv, &i)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' || have_uid) {
			fprintf(ctx->err, "crispin: parts: unexpected argument '%s'\n"
			    PARTS_USAGE, argv[i]);
			return EXIT_USAGE;
		} else {
			if (show_uid_arg(&sc, argv[i], PARTS_USAGE) < 0)
				return EXIT_USAGE;
			have_uid = true;
		}
	}
	if (!have_uid) {
		fprintf(ctx->err, "crispin: parts: which message? give its UID\n"
		    PARTS_USAGE);
		return EXIT_USAGE;
	}
	if ((rc = show_open(&sc)) == 0) {
		walk(&out, mail_message_root(sc.msg), json);
		if (fwrite(out.data, 1, out.len, ctx->out) != out.len)
			rc = EXIT_FAILURE_;
	}
	buf_free(&out);
	show_close(&sc);
	return rc;
}

/*
 * A file name from the message is only a suggestion: no directories, no
 * hidden files, no control characters; "part-UID-SPEC" when nothing is left.
 */
static char *
safe_name(const struct mime_part *p, uint32_t uid)
{
	struct buf	 b = BUF_INIT;
	const char	*s = p->filename;
	unsigned char	 c;

	for (; s != NULL && *s != '\0' && b.len < NAME_MAX_BYTES; s++) {
		c = (unsigned char)*s;
		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			buf_addc(&b, '_');
		else if (c == '.' && b.len == 0)
			buf_addc(&b, '_');
		else
			buf_addc(&b, (char)c);
	}
	/* Cut at a character boundary, not inside a UTF-8 sequence. */
	while (b.len > 0 && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80 &&
	    s != NULL && *s != '\0')
		buf_truncate(&b, b.len - 1);
	if (b.len > 0 && s != NULL && *s != '\0' &&
	    ((unsigned char)b.data[b.len - 1] & 0xc0) == 0xc0)
		buf_truncate(&b, b.len - 1);
	if (b.len == 0)
		buf_printf(&b, "part-%u-%s", uid, p->spec);
	return buf_steal(&b);
}

static int
write_fd(const void *data, size_t len, void *arg)
{
	struct save_out	*so = arg;

	uint64_t	 before = so->seen, skip;

	if (so->interrupted)
		return -1;
	/* Streamed again after a dead link: what is written stays. */
	so->seen += len;
	if (so->seen <= so->written)
		return 0;
	skip = so->written > before ? so->written - before : 0;
	data = (const char *)data + skip;
	len -= (size_t)skip;
	if (fd_write_all(so->fd, data, len) < 0) {
		so->error = errno;
		return -1;
	}
	so->written += len;
	progress(so, false);
	return 0;
}

/* "\rcrispin: save: part 2: 45% (9.0 MB of 20 MB, 2.1 MB/s)" on a
 * terminal; the line is wiped at the end. */
static void
progress(struct save_out *so, bool end)
{
	struct mail_message	*m = so->sc->msg;
	struct buf		 b = BUF_INIT;
	uint64_t		 now = cli_now_us(), got, total, rate;

	if (!so->progress)
		return;
	if (end) {
		if (so->shown)
			fputs("\r\033[K", so->sc->ctx->err);
		fflush(so->sc->ctx->err);
		so->shown = false;
		return;
	}
	if (now - so->last_us < PROGRESS_MS * 1000)
		return;
	so->last_us = now;
	got = mail_message_streamed(m);
	total = mail_message_stream_total(m);
	buf_printf(&b, "\rcrispin: save: part %s: ", so->spec);
	if (total > 0 && got <= total)
		buf_printf(&b, "%u%% (", (unsigned)(got * 100 / total));
	mail_render_size(&b, got);
	if (total > 0 && got <= total) {
		buf_adds(&b, " of ");
		mail_render_size(&b, total);
	}
	rate = now > so->started_us ? got * 1000000 / (now - so->started_us) : 0;
	buf_adds(&b, total > 0 && got <= total ? ", " : " (");
	mail_render_size(&b, rate);
	buf_adds(&b, "/s)\033[K");
	fwrite(b.data, 1, b.len, so->sc->ctx->err);
	fflush(so->sc->ctx->err);
	so->shown = true;
	buf_free(&b);
}

/* The progress line goes before anything else is said on stderr. */
static void
save_step_done(struct mail_message *m, int status, const char *error, void *arg)
{
	struct save_out	*so = arg;

	progress(so, true);
	show_step_done(m, status, error, so->sc);
}

/* SIGINT: the stream stops at its next piece; the file is removed. */
static void
on_interrupt(int signo, void *arg)
{
	struct save_out	*so = arg;

	progress(so, true);
	so->interrupted = true;
	so->sc->done = true;
	so->sc->status = -1;
	free(so->sc->error);
	so->sc->error = xstrdup("interrupted; the incomplete file was removed");
}

/* Before the stream runs again: an empty file, or nothing written yet to
 * standard output. */
static int
restart(struct save_out *so, const char *file)
{
	so->seen = 0;
	if (so->written == 0)
		return 0;
	if (ftruncate(so->fd, 0) == 0 && lseek(so->fd, 0, SEEK_SET) == 0) {
		so->written = 0;
		return 0;
	}
	fprintf(so->sc->ctx->err, "crispin: save: the connection was lost after "
	    "%llu bytes were written to %s, which cannot be rewound; save to a "
	    "file instead\n", (unsigned long long)so->written,
	    file != NULL ? file : "standard output");
	return EXIT_FAILURE_;
}

int
cli_save(struct cli_context *ctx, int argc, char **argv)
{
	struct show_ctx		 sc;
	struct save_out		 so;
	const struct mime_part	*p;
	const char		*part = NULL, *file = NULL, *a;
	char			*name = NULL, *clean, *spec = NULL;
	bool			 force = false, have_uid = false, created = false;
	int			 i, r, rc, flags;

	memset(&sc, 0, sizeof sc);
	memset(&so, 0, sizeof so);
	so.fd = -1;
	so.sc = &sc;
	sc.ctx = ctx;
	sc.cmd = "save";
	sc.retry_binary = true;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if ((r = show_folder_arg(&sc, argc, argv, &i)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (++i == argc) {
				fprintf(ctx->err, "crispin: save: %s needs a file name "
				    "(- for standard output)\n" SAVE_USAGE, a);
				return EXIT_USAGE;
			}
			file = argv[i];
		} else if (strcmp(a, "--force") == 0)
			force = true;
		else if (strcmp(a, "-") != 0 && a[0] == '-') {
			fprintf(ctx->err, "crispin: save: unexpected argument '%s'\n"
			    SAVE_USAGE, a);
			return EXIT_USAGE;
		} else if (!have_uid) {
			if (show_uid_arg(&sc, a, SAVE_USAGE) < 0)
				return EXIT_USAGE;
			have_uid = true;
		} else if (part == NULL)
			part = a;
		else {
			fprintf(ctx->err, "crispin: save: unexpected argument '%s'\n"
			    SAVE_USAGE, a);
			return EXIT_USAGE;
		}
	}
	if (!have_uid || part == NULL) {
		fprintf(ctx->err, "crispin: save: %s\n" SAVE_USAGE, !have_uid ?
		    "which message? give its UID" :
		    "which part? give its number (crispin parts UID lists them)");
		return EXIT_USAGE;
	}
	if ((rc = show_open(&sc)) != 0)
		goto out;
	if ((p = mime_part_find(mail_message_root(sc.msg), part)) == NULL) {
		clean = str_sanitize(part);
		fprintf(ctx->err, "crispin: save: message %u has no part %s (crispin "
		    "parts %u lists them)\n", sc.uid, clean, sc.uid);
		free(clean);
		rc = EXIT_FAILURE_;
		goto out;
	}
	so.spec = spec = xstrdup(p->spec);
	/* Offline there is no loop, and nothing to stream. */
	if (sc.s.loop != NULL && ev_signal(sc.s.loop, SIGINT, on_interrupt, &so) < 0) {
		fprintf(ctx->err, "crispin: save: cannot catch SIGINT: %s\n",
		    strerror(errno));
		rc = EXIT_FAILURE_;
		goto out;
	}
	if (file != NULL && strcmp(file, "-") == 0) {
		fflush(ctx->out);
		so.fd = fileno(ctx->out);
	} else {
		if (file == NULL)
			file = name = safe_name(p, sc.uid);
		/* Never through a symlink; never over a file unless asked. */
		flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    (force ? O_TRUNC : O_EXCL);
		if ((so.fd = open(file, flags, 0600)) < 0) {
			clean = str_sanitize(file);
			if (errno == EEXIST)
				fprintf(ctx->err, "crispin: save: %s already exists; give "
				    "-o FILE, or --force to overwrite it\n", clean);
			else
				fprintf(ctx->err, "crispin: save: cannot create %s: %s\n",
				    clean, strerror(errno));
			free(clean);
			rc = EXIT_FAILURE_;
			goto out;
		}
		/* Ours now: a partial one is removed, also over --force. */
		created = true;
	}
	/* Not over the part itself when both go to the terminal. */
	so.progress = isatty(fileno(ctx->err)) && !(so.fd == fileno(ctx->out) &&
	    isatty(so.fd));
	so.started_us = cli_now_us();
	for (;;) {
		mail_message_stream(sc.msg, spec, true, write_fd, &so, save_step_done,
		    &so);
		rc = show_wait(&sc);
		if (rc != SHOW_RETRY && (rc != EXIT_NETWORK || so.interrupted))
			break;
		progress(&so, true);
		/* A dead link: the same bytes again, those written skipped. */
		if (rc == EXIT_NETWORK) {
			so.seen = 0;
			rc = show_relink(&sc);
		} else if ((rc = restart(&so, file)) == 0)
			rc = show_reopen(&sc);
		if (rc != 0)
			break;
		/* The part tree and the loop are new: so is the signal's
		 * watcher. */
		if (mime_part_find(mail_message_root(sc.msg), spec) == NULL) {
			fprintf(ctx->err, "crispin: save: message %u changed while "
			    "reconnecting: no part %s any more\n", sc.uid, spec);
			rc = EXIT_FAILURE_;
			break;
		}
		if (ev_signal(sc.s.loop, SIGINT, on_interrupt, &so) < 0) {
			rc = EXIT_FAILURE_;
			break;
		}
	}
	progress(&so, true);
	if (so.interrupted) {
		rc = EXIT_INTERRUPTED;
		/* A FETCH is still streaming and LOGOUT would wait behind it:
		 * drop the link (the message first, so nothing is noted). */
		mail_message_free(&sc.msg);
		if (sc.s.client != NULL && !sc.s.closed)
			imap_client_abort(sc.s.client, ERR_NONE, "interrupted");
	}
	if (rc == 0 && so.error != 0) {
		fprintf(ctx->err, "crispin: save: writing %s failed: %s\n",
		    file != NULL ? file : "standard output", strerror(so.error));
		rc = EXIT_FAILURE_;
	}
	if (so.fd >= 0 && so.fd != fileno(ctx->out)) {
		if (close(so.fd) < 0 && rc == 0) {
			fprintf(ctx->err, "crispin: save: writing %s failed: %s\n", file,
			    strerror(errno));
			rc = EXIT_FAILURE_;
		}
		/* A half-written file would pass for the attachment. */
		if (rc != 0 && created)
			unlink(file);
		else if (rc == 0 && name != NULL) {
			clean = str_sanitize(name);
			fprintf(ctx->out, "%s\n", clean);
			free(clean);
		}
	}
out:
	free(name);
	free(spec);
	show_close(&sc);
	return rc;
}
