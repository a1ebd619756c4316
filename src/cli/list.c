/*
 * crispin list [-f FOLDER] [--limit N] [--json]: the messages of a folder,
 * one per line, oldest first. The folder is opened read-only (EXAMINE)
 * through the model and its cache, so listing a cached folder costs one
 * small resync. Offline it is the cache alone, with the changes made
 * offline shown done. --limit N on a cold cache with a sort the server
 * can do (sort = subject...) prints the first N of the server's order.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/arena.h"
#include "crispin/cli.h"
#include "crispin/datetime.h"
#include "crispin/imap_data.h"
#include "crispin/json.h"
#include "crispin/mail_folder.h"
#include "crispin/mime_addr.h"
#include "crispin/mime_header.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

static void decode_from(struct buf *, const char *);
static void decode_text(struct buf *, const char *);
static void add_flags_plain(struct buf *, const struct mail_msg *);
static void add_flags_json(struct buf *, const struct mail_msg *);
static void print_in_order(struct cli_printer *, struct mail_folder *,
	    const struct mail_folder_order *, uint64_t);

/* "Name <addr>" with the name decoded; the raw text when it is no address. */
static void
decode_from(struct buf *out, const char *raw)
{
	struct arena		*a;
	struct mime_addr	*addrs;
	size_t			 n, i;

	if (raw == NULL)
		return;
	a = arena_new(0);
	if (mime_addr_parse(raw, a, &addrs, &n) == 0 && n > 0) {
		for (i = 0; i < n; i++) {
			if (addrs[i].mailbox == NULL && addrs[i].name == NULL)
				continue;
			if (i > 0)
				buf_adds(out, ", ");
			mime_addr_format(out, &addrs[i]);
		}
	} else
		decode_text(out, raw);
	arena_free(&a);
}

static void
decode_text(struct buf *out, const char *raw)
{
	if (raw != NULL)
		mime_decode_words(out, raw, NULL);
}

static void
add_flags_plain(struct buf *b, const struct mail_msg *m)
{
	size_t		start = b->len;
	unsigned	bit;

	for (bit = IMAP_FLAG_SEEN; bit <= IMAP_FLAG_DRAFT; bit <<= 1) {
		if (m->flags & bit) {
			if (b->len > start)
				buf_addc(b, ' ');
			buf_adds(b, mail_flag_name(bit));
		}
	}
	if (m->keywords != NULL) {
		if (b->len > start)
			buf_addc(b, ' ');
		buf_adds(b, m->keywords);
	}
	if (b->len == start)
		buf_addc(b, '-');
}

static void
add_flags_json(struct buf *b, const struct mail_msg *m)
{
	const char	*k, *sp;
	unsigned	 bit;
	bool		 first = true;

	buf_adds(b, ",\"flags\":[");
	for (bit = IMAP_FLAG_SEEN; bit <= IMAP_FLAG_DRAFT; bit <<= 1) {
		if (m->flags & bit) {
			if (!first)
				buf_addc(b, ',');
			json_add_string(b, mail_flag_name(bit));
			first = false;
		}
	}
	for (k = m->keywords; k != NULL && *k != '\0'; k = sp + strspn(sp, " ")) {
		sp = k + strcspn(k, " ");
		if (!first)
			buf_addc(b, ',');
		json_add_stringn(b, k, (size_t)(sp - k));
		first = false;
	}
	buf_addc(b, ']');
}

void
cli_printer_init(struct cli_printer *pr, FILE *out, bool json)
{
	memset(pr, 0, sizeof *pr);
	pr->out = out;
	pr->json = json;
}

void
cli_printer_free(struct cli_printer *pr)
{
	size_t	i;

	for (i = 0; i < CLI_PRINT_MEMO; i++) {
		free(pr->memo[i].raw);
		free(pr->memo[i].shown);
	}
	buf_free(&pr->line);
	buf_free(&pr->text);
}

/* The From header as printed: decoded; for lines also made safe for a
 * terminal and cut at a tab, which would shift the columns scripts cut on.
 * Remembered by its text (its hash picks the slot). */
static const char *
shown_from(struct cli_printer *pr, const char *raw)
{
	size_t	 slot;
	char	*shown;

	slot = str_hash(raw, strlen(raw)) % CLI_PRINT_MEMO;

	if (pr->memo[slot].raw != NULL && strcmp(pr->memo[slot].raw, raw) == 0)
		return pr->memo[slot].shown;
	buf_reset(&pr->text);
	decode_from(&pr->text, raw);
	if (pr->json)
		shown = xstrdup(buf_cstr(&pr->text));
	else {
		shown = str_sanitize(buf_cstr(&pr->text));
		shown[strcspn(shown, "\t")] = '\0';
	}
	free(pr->memo[slot].raw);
	free(pr->memo[slot].shown);
	pr->memo[slot].raw = xstrdup(raw);
	pr->memo[slot].shown = shown;
	return shown;
}

/* Floor division, for times before 1970 too. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/*
 * localtime_r(t) as far as the date and time of day go. Within a UTC
 * day whose offset is the same at its first and last second (every day
 * but those a zone changes on, taken as changing once at most), local
 * time is UTC shifted by it: one look per day instead of one per line.
 */
static void
local_tm(struct cli_printer *pr, time_t t, struct tm *tm)
{
	int64_t		 day = floor_div((int64_t)t, 86400), local, y;
	time_t		 first, last;
	struct tm	 a, b;
	int		 mon, mday;

	if (!pr->day_known || pr->day != day) {
		pr->day = day;
		pr->day_known = true;
		first = (time_t)(day * 86400);
		last = first + 86399;
		pr->day_steady = localtime_r(&first, &a) != NULL &&
		    localtime_r(&last, &b) != NULL && a.tm_gmtoff == b.tm_gmtoff;
		pr->day_gmtoff = a.tm_gmtoff;
	}
	if (!pr->day_steady) {
		localtime_r(&t, tm);
		return;
	}
	local = (int64_t)t + pr->day_gmtoff;
	civil_from_days(floor_div(local, 86400), &y, &mon, &mday);
	local -= floor_div(local, 86400) * 86400;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = mon - 1;
	tm->tm_mday = mday;
	tm->tm_hour = (int)(local / 3600);
	tm->tm_min = (int)(local / 60 % 60);
	tm->tm_sec = (int)(local % 60);
	tm->tm_gmtoff = pr->day_gmtoff;
}

/* "2026-11-28 09:15", or with iso "2026-11-28T09:15:00Z": by hand, since
 * strftime and printf cost more than the rest of a line together. */
static void
format_date(char *out, size_t size, const struct tm *tm, bool iso)
{
	int		 f[5] = { tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
			    tm->tm_min, tm->tm_sec };
	int		 y = tm->tm_year + 1900, i, n = iso ? 5 : 4;
	const char	*sep = iso ? "--T::" : "-- :";
	char		*p = out;

	if (y < 0 || y > 9999 || size < 21) {
		strftime(out, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M",
		    tm);
		return;
	}
	*p++ = (char)('0' + y / 1000);
	*p++ = (char)('0' + y / 100 % 10);
	*p++ = (char)('0' + y / 10 % 10);
	*p++ = (char)('0' + y % 10);
	for (i = 0; i < n; i++) {
		*p++ = sep[i];
		*p++ = (char)('0' + f[i] / 10 % 10);
		*p++ = (char)('0' + f[i] % 10);
	}
	if (iso)
		*p++ = 'Z';
	*p = '\0';
}

static void
add_uint(struct buf *b, uint32_t v)
{
	char	d[10];
	size_t	n = 0;

	do
		d[sizeof d - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	buf_add(b, d + sizeof d - n, n);
}

/* Shared with search and recall, so all print the same lines. */
void
cli_print_msg(struct cli_printer *pr, const struct mail_msg *m)
{
	struct buf	*line = &pr->line, *text = &pr->text;
	char		 date[40];
	time_t		 t = (time_t)(m->date != 0 ? m->date : m->internaldate);
	struct tm	 tm;

	buf_reset(line);
	if (pr->json) {
		gmtime_r(&t, &tm);
		format_date(date, sizeof date, &tm, true);
		json_obj_begin(line);
		json_field_int(line, "uid", m->uid);
		json_field_string(line, "date", date);
		json_field_string(line, "from", m->from != NULL ?
		    shown_from(pr, m->from) : NULL);
		buf_reset(text);
		decode_text(text, m->subject);
		json_field_string(line, "subject", m->subject != NULL ? buf_cstr(text) : NULL);
		add_flags_json(line, m);
		json_field_int(line, "size", (int64_t)m->size);
		json_obj_end(line);
	} else {
		local_tm(pr, t, &tm);
		format_date(date, sizeof date, &tm, false);
		add_uint(line, m->uid);
		buf_addc(line, '\t');
		buf_adds(line, date);
		buf_addc(line, '\t');
		if (m->from != NULL)
			buf_adds(line, shown_from(pr, m->from));
		buf_addc(line, '\t');
		buf_reset(text);
		decode_text(text, m->subject);
		str_sanitize_into(line, buf_cstr(text));
		buf_addc(line, '\t');
		add_flags_plain(line, m);
	}
	buf_addc(line, '\n');
	fwrite(line->data, 1, line->len, pr->out);
}

/* The first limit messages of the order that have their fields. */
static void
print_in_order(struct cli_printer *pr, struct mail_folder *f,
    const struct mail_folder_order *order, uint64_t limit)
{
	const struct mail_msg	*m;
	uint64_t		 printed = 0;
	size_t			 i;

	for (i = 0; i < order->n && printed < limit; i++) {
		m = mail_folder_by_uid(f, order->uids[i]);
		if (m != NULL && (m->state & MAIL_MSG_HEADERS)) {
			cli_print_msg(pr, m);
			printed++;
		}
	}
}

int
cli_list(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_session	 s;
	struct cli_folder	 cf;
	struct cli_printer	 pr;
	const char		*folder = "INBOX";
	const struct mail_msg	*m;
	uint64_t		 limit = 0;
	const struct mail_folder_order *order;
	uint32_t		 n, seq;
	bool			 json = false;
	int			 ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			folder = optarg;
			break;
		case 'l':
			if (str_to_u64(optarg, strlen(optarg), UINT32_MAX, &limit) < 0) {
				fprintf(ctx->err, "crispin: list: --limit wants a number, "
				    "not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		default:
			fprintf(ctx->err, "crispin: list: unknown option or missing value "
			    "'%s'\nusage: crispin list [-f FOLDER] [--limit N] [--json]\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(ctx->err, "crispin: list: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	/* Only what is printed crosses the wire. */
	cli_printer_init(&pr, ctx->out, json);
	rc = cli_folder_start_limit(&cf, &s, ctx, folder, true, (uint32_t)limit);
	if (rc == 0) {
		/* Nothing more to ask: log out in the same flight. */
		if (s.client != NULL)
			imap_client_logout(s.client);
		n = mail_folder_count(cf.folder);
		seq = limit > 0 && limit < n ? n - (uint32_t)limit + 1 : 1;
		/* A cold --limit in the server's sort order: its first N. */
		if (limit > 0 && (order = mail_folder_order(cf.folder)) != NULL) {
			print_in_order(&pr, cf.folder, order, limit);
			seq = n + 1;
		}
		for (; seq <= n; seq++) {
			m = mail_folder_msg(cf.folder, seq);
			if (m->uid != 0 && (m->state & MAIL_MSG_HEADERS))
				cli_print_msg(&pr, m);
		}
	}
	cli_printer_free(&pr);
	cli_folder_stop(&cf, &s);
	return rc;
}
