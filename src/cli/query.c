/*
 * crispin query [--json] QUERY...: the addresses that `alias` entries and
 * query_command know for QUERY, aliases first, one per line as
 * "address<TAB>name<TAB>other" (so the output is itself a query_command
 * answer, minus the status line), or JSON Lines. Exit 1 when nothing
 * matches.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/cli.h"
#include "crispin/json.h"
#include "crispin/mail_addrbook.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define QUERY_USAGE "usage: crispin query [--json] QUERY...\n"

static void print_entry(struct cli_context *, const struct mail_addr_entry *,
	    const char *, bool);

/* A field for the text form: no tab or control character may shift the
 * columns. */
static void
add_field(struct buf *b, const char *s)
{
	char	*clean = str_sanitize(s != NULL ? s : "");

	buf_adds(b, clean);
	free(clean);
}

static void
print_entry(struct cli_context *ctx, const struct mail_addr_entry *e,
    const char *source, bool json)
{
	struct buf	 b = BUF_INIT;

	if (json) {
		json_obj_begin(&b);
		json_field_string(&b, "address", e->address);
		if (e->name != NULL)
			json_field_string(&b, "name", e->name);
		else
			json_field_null(&b, "name");
		if (e->other != NULL)
			json_field_string(&b, "other", e->other);
		else
			json_field_null(&b, "other");
		json_field_string(&b, "source", source);
		json_obj_end(&b);
	} else {
		add_field(&b, e->address);
		buf_addc(&b, '\t');
		add_field(&b, e->name);
		buf_addc(&b, '\t');
		add_field(&b, e->other);
	}
	fprintf(ctx->out, "%s\n", buf_cstr(&b));
	buf_free(&b);
}

int
cli_query(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct mail_addr_list	 aliases, found;
	struct buf		 query = BUF_INIT;
	char			*error = NULL, *clean;
	bool			 json = false;
	size_t			 i, j;
	int			 ch, rc = EXIT_OK;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		default:
			fprintf(ctx->err, "crispin: query: bad option '%s'\n"
			    QUERY_USAGE, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(ctx->err, "crispin: query: what to look for?\n" QUERY_USAGE);
		return EXIT_USAGE;
	}
	for (i = optind; i < (size_t)argc; i++)
		buf_printf(&query, "%s%s", i > (size_t)optind ? " " : "", argv[i]);
	memset(&aliases, 0, sizeof aliases);
	memset(&found, 0, sizeof found);
	mail_addrbook_aliases(ctx->cfg, buf_cstr(&query), &aliases);
	if (config_str(ctx->cfg, "query_command") != NULL &&
	    mail_addrbook_query(ctx->cfg, buf_cstr(&query), &found, &error) < 0) {
		clean = str_sanitize(error);
		fprintf(ctx->err, "crispin: query: %s\n", clean);
		free(clean);
		free(error);
		rc = EXIT_FAILURE_;
	}
	for (i = 0; i < aliases.n; i++)
		print_entry(ctx, &aliases.v[i], "alias", json);
	for (i = 0; i < found.n; i++) {
		/* An alias already gave this address. */
		for (j = 0; j < aliases.n; j++) {
			if (str_ieq(aliases.v[j].address, found.v[i].address))
				break;
		}
		if (j == aliases.n)
			print_entry(ctx, &found.v[i], "query", json);
	}
	if (rc == EXIT_OK && aliases.n == 0 && found.n == 0) {
		if (found.status != NULL) {
			clean = str_sanitize(found.status);
			fprintf(ctx->err, "crispin: query: %s\n", clean);
			free(clean);
		}
		rc = EXIT_FAILURE_;
	}
	mail_addr_list_free(&aliases);
	mail_addr_list_free(&found);
	buf_free(&query);
	return rc;
}
