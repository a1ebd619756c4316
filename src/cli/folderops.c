/*
 * Folder commands: mkdir, rmdir, rename, subscribe, unsubscribe, append.
 * Each pipelines what it needs with LOGOUT behind the last command and
 * prints one line saying what it did. A folder may be named by its
 * special-use role (":sent" or "\Sent"), found with LIST.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crispin/cli.h"
#include "crispin/log.h"
#include "crispin/mime_date.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

struct folderop;

/* One command's tagged answer and what came with it. */
struct reply {
	struct folderop	*op;		/* borrowed */
	bool		 done;
	enum imap_status status;
	char		*code;		/* owned: upper-cased response code, or NULL */
	char		*text;		/* owned: sanitised */
	bool		 has_appenduid;
	uint32_t	 uidvalidity, uid;
};

/* A folder as the user named it, and as the server spells it when a role
 * lookup found it (raw is then sent as is). */
struct target {
	char		*utf8;		/* owned */
	char		*raw;		/* owned or NULL */
};

struct folderop {
	struct cli_session *s;
	const char	*cmd;		/* "mkdir", for messages */
	const char	*role;		/* role being looked up */
	char		*found;		/* owned: raw name with that role */
	const char	*parent;	/* rename: count this folder's children */
	bool		 exists;
	unsigned	 children;
	bool		 has_messages;
	uint32_t	 messages;
};

/* Plain commands on one folder: the IMAP verb and what to print. */
struct simple_op {
	const char	*cmd;
	const char	*imap;
	const char	*did;		/* "created" 'X' */
	const char	*failed;	/* "cannot create" 'X' */
	bool		 by_role;	/* ":sent" names a folder here */
};

static const struct simple_op simple_ops[] = {
	{ "mkdir", "CREATE", "created", "cannot create", false },
	{ "subscribe", "SUBSCRIBE", "subscribed to", "cannot subscribe to", true },
	{ "unsubscribe", "UNSUBSCRIBE", "unsubscribed from", "cannot unsubscribe from", true },
};

/* Response codes (RFC 5530) as advice. */
static const struct {
	const char	*code;
	const char	*hint;
} code_hints[] = {
	{ "ALREADYEXISTS", "a folder of that name already exists" },
	{ "NONEXISTENT", "no folder of that name exists; see crispin folders" },
	{ "NOPERM", "the server does not allow you to do that there" },
	{ "INUSE", "the folder is in use; try again later" },
	{ "OVERQUOTA", "the account is over its quota" },
	{ "LIMIT", "a server limit was reached" },
	{ "CANNOT", "the server cannot do this with that name" },
	{ "SERVERBUG", "the server failed; try again later" },
};

static const char *const roles[] = {
	"\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive", "\\All", "\\Flagged",
	"\\Important",
};

/* The rc options that name a role's folder instead (crispinrc(5)). */
static const struct {
	const char	*role;
	const char	*option;
} role_options[] = {
	{ "\\Sent", "record" },
	{ "\\Drafts", "postponed" },
	{ "\\Trash", "trash" },
	{ "\\Archive", "archive" },
};

static const char *const system_flags[] = {
	"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int usage_error(struct cli_context *, const char *, const char *, ...)
	    CRISPIN_PRINTF(3, 4);
static int plain_args(struct cli_context *, const char *, int, char **, int, int);
static void on_reply(struct imap_client *, const struct imap_response *, void *);
static void reply_free(struct reply *);
static void send_cmd(struct folderop *, struct imap_cmd *, struct reply *);
static int wait_reply(struct folderop *, struct reply *);
static int refused(struct folderop *, const struct reply *, const char *,
	    const struct target *);
static void add_folder(struct imap_cmd *, const struct target *);
static const char *role_of(const char *);
static int resolve(struct folderop *, struct target *, const char *);
static void on_role_list(struct imap_client *, const struct imap_response *, void *);
static void on_child_list(struct imap_client *, const struct imap_response *, void *);
static void on_status(struct imap_client *, const struct imap_response *, void *);
static void target_free(struct target *);
static int simple(struct cli_context *, const struct simple_op *, int, char **);
static int read_message(struct cli_context *, const char *, struct buf *);
static int build_flags(struct cli_context *, const char *, struct buf *);
static int build_date(struct cli_context *, const char *, struct buf *, time_t *);
static char *clean(const char *);

static char *
clean(const char *s)
{
	return str_sanitize(s);
}

static int
usage_error(struct cli_context *ctx, const char *cmd, const char *fmt, ...)
{
	const struct cli_command	*c = cli_find(cmd);
	va_list				 ap;

	fprintf(ctx->err, "crispin: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fprintf(ctx->err, "\nusage: crispin %s\n", c != NULL ? c->usage : cmd);
	return EXIT_USAGE;
}

/* Commands without options take min..max folder names. */
static int
plain_args(struct cli_context *ctx, const char *cmd, int argc, char **argv, int min, int max)
{
	int	i, n = argc - 1;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error(ctx, cmd, "unknown option '%s'", argv[i]);
	}
	if (n < min)
		return usage_error(ctx, cmd, "missing folder name");
	if (n > max)
		return usage_error(ctx, cmd, "unexpected argument '%s'", argv[max + 1]);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '\0')
			return usage_error(ctx, cmd, "empty folder name");
	}
	return 0;
}

static void
on_reply(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct reply		*rep = arg;

	rep->done = true;
	rep->status = r->status;
	rep->text = clean(r->text);
	if (r->code != NULL)
		rep->code = xstrdup(r->code);
	if (imap_code_appenduid_one(r, &rep->uidvalidity, &rep->uid) == 0)
		rep->has_appenduid = true;
}

static void
reply_free(struct reply *rep)
{
	x_free(&rep->code);
	x_free(&rep->text);
}

static void
send_cmd(struct folderop *op, struct imap_cmd *cmd, struct reply *rep)
{
	rep->op = op;
	imap_cmd_submit(cmd, on_reply, rep);
}

static int
wait_reply(struct folderop *op, struct reply *rep)
{
	return cli_session_wait(op->s, &rep->done);
}

/* "crispin: mkdir: cannot create 'X': server text (advice)". */
static int
refused(struct folderop *op, const struct reply *rep, const char *what,
    const struct target *t)
{
	FILE		*err = op->s->ctx->err;
	char		*name = clean(t->utf8);
	size_t		 i;

	fprintf(err, "crispin: %s: %s '%s': %s", op->cmd, what, name, rep->text);
	for (i = 0; rep->code != NULL && i < sizeof code_hints / sizeof code_hints[0]; i++) {
		if (strcmp(rep->code, code_hints[i].code) == 0)
			fprintf(err, " (%s)", code_hints[i].hint);
	}
	fputc('\n', err);
	free(name);
	return EXIT_FAILURE_;
}

static void
add_folder(struct imap_cmd *cmd, const struct target *t)
{
	if (t->raw != NULL)
		imap_cmd_add_string(cmd, t->raw);
	else
		imap_cmd_add_mailbox(cmd, t->utf8);
}

/* ":sent" and "\Sent" name the role; NULL for an ordinary name. */
static const char *
role_of(const char *name)
{
	size_t	i;

	if (name[0] != ':' && name[0] != '\\')
		return NULL;
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		if (str_ieq(name + 1, roles[i] + 1))
			return roles[i];
	}
	return NULL;
}

static void
on_role_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct reply	*rep = arg;
	struct folderop	*op = rep->op;
	struct arena	*a = arena_new(0);
	struct imap_list l;
	size_t		 i;
	bool		 has = false;

	if (imap_list_parse(r, a, &l, NULL) == 0 && op->found == NULL) {
		has = l.special_use != NULL && strcmp(l.special_use, op->role) == 0;
		for (i = 0; !has && i < l.nother_attrs; i++)
			has = str_ieq(l.other_attrs[i], op->role);
		if (has && !(l.attrs & IMAP_MBOX_NOSELECT))
			op->found = xstrdup(l.name);
	}
	arena_free(&a);
}

const char *
cli_role_option(struct cli_context *ctx, const char *name)
{
	const char	*role = role_of(name), *value;
	size_t		 i;

	for (i = 0; role != NULL && i < sizeof role_options / sizeof role_options[0]; i++) {
		if (strcmp(role, role_options[i].role) != 0)
			continue;
		/* May itself be a role ("set trash = :archive"), looked up then. */
		value = config_str(ctx->cfg, role_options[i].option);
		if (value != NULL && value[0] != '\0')
			return value;
	}
	return NULL;
}

static int
resolve(struct folderop *op, struct target *t, const char *name)
{
	struct imap_client	*c = op->s->client;
	struct imap_cmd		*cmd;
	struct reply		 rep;
	const char		*set;
	int			 rc;

	memset(t, 0, sizeof *t);
	memset(&rep, 0, sizeof rep);
	if ((set = cli_role_option(op->s->ctx, name)) != NULL)
		name = set;
	if ((op->role = role_of(name)) == NULL) {
		t->utf8 = xstrdup(name);
		return 0;
	}
	cmd = imap_cmd_new(c, 0);
	imap_cmd_add(cmd, "LIST \"\" \"*\"");
	if (imap_client_has_cap(c, "SPECIAL-USE") && (imap_client_has_cap(c, "LIST-EXTENDED") ||
	    imap_client_has_cap(c, "IMAP4REV2")))
		imap_cmd_add(cmd, " RETURN (SPECIAL-USE)");
	imap_cmd_on_untagged(cmd, "LIST", on_role_list);
	send_cmd(op, cmd, &rep);
	if ((rc = wait_reply(op, &rep)) != 0) {
		reply_free(&rep);
		return rc;
	}
	if (op->found == NULL) {
		fprintf(op->s->ctx->err, "crispin: %s: no folder has the %s role on this "
		    "server (see crispin folders)\n", op->cmd, op->role);
		reply_free(&rep);
		return EXIT_FAILURE_;
	}
	t->raw = op->found;
	op->found = NULL;
	t->utf8 = imap_client_mailbox_utf8(c, t->raw);
	reply_free(&rep);
	return 0;
}

static void
target_free(struct target *t)
{
	x_free(&t->utf8);
	x_free(&t->raw);
}

int
cli_resolve_folder(struct cli_session *s, const char *cmd, const char *name,
    char **utf8_r)
{
	struct folderop	op;
	struct target	t;
	int		rc;

	memset(&op, 0, sizeof op);
	op.s = s;
	op.cmd = cmd;
	*utf8_r = NULL;
	if ((rc = resolve(&op, &t, name)) != 0) {
		free(op.found);
		return rc;
	}
	/* The UTF-8 name encodes back to the raw one the server sent. */
	*utf8_r = t.utf8;
	t.utf8 = NULL;
	target_free(&t);
	return 0;
}

static int
simple(struct cli_context *ctx, const struct simple_op *so, int argc, char **argv)
{
	struct cli_session	 s;
	struct folderop		 op;
	struct target		 t;
	struct reply		 rep;
	struct imap_cmd		*cmd;
	char			*name;
	int			 rc;

	if ((rc = plain_args(ctx, so->cmd, argc, argv, 1, 1)) != 0)
		return rc;
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	memset(&op, 0, sizeof op);
	memset(&rep, 0, sizeof rep);
	op.s = &s;
	op.cmd = so->cmd;
	if (so->by_role)
		rc = resolve(&op, &t, argv[1]);
	else {
		memset(&t, 0, sizeof t);
		t.utf8 = xstrdup(argv[1]);
	}
	if (rc == 0) {
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "%s ", so->imap);
		add_folder(cmd, &t);
		send_cmd(&op, cmd, &rep);
		imap_client_logout(s.client);
		if ((rc = wait_reply(&op, &rep)) == 0) {
			if (rep.status == IMAP_STATUS_OK) {
				name = clean(t.utf8);
				fprintf(ctx->out, "%s '%s'\n", so->did, name);
				free(name);
			} else
				rc = refused(&op, &rep, so->failed, &t);
		}
	}
	cli_session_close(&s);
	reply_free(&rep);
	target_free(&t);
	free(op.found);
	return rc;
}

int
cli_mkdir(struct cli_context *ctx, int argc, char **argv)
{
	return simple(ctx, &simple_ops[0], argc, argv);
}

int
cli_subscribe(struct cli_context *ctx, int argc, char **argv)
{
	return simple(ctx, &simple_ops[1], argc, argv);
}

int
cli_unsubscribe(struct cli_context *ctx, int argc, char **argv)
{
	return simple(ctx, &simple_ops[2], argc, argv);
}

static void
on_status(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct reply		*rep = arg;
	struct arena		*a = arena_new(0);
	struct imap_status_data	 st;

	if (imap_status_parse(r, a, &st, NULL) == 0 && (st.have & IMAP_STATUS_MESSAGES)) {
		rep->op->has_messages = true;
		rep->op->messages = st.messages;
	}
	arena_free(&a);
}

/* STATUS, DELETE and LOGOUT go out together: the count of what dies comes
 * back before the folder goes. */
int
cli_rmdir(struct cli_context *ctx, int argc, char **argv)
{
	struct cli_session	 s;
	struct folderop		 op;
	struct target		 t;
	struct reply		 st, del;
	struct imap_cmd		*cmd;
	char			*name;
	int			 rc;

	if ((rc = plain_args(ctx, "rmdir", argc, argv, 1, 1)) != 0)
		return rc;
	if (str_ieq(argv[1], "INBOX"))
		return usage_error(ctx, "rmdir", "INBOX cannot be deleted");
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	memset(&op, 0, sizeof op);
	memset(&st, 0, sizeof st);
	memset(&del, 0, sizeof del);
	op.s = &s;
	op.cmd = "rmdir";
	if ((rc = resolve(&op, &t, argv[1])) == 0 && str_ieq(t.utf8, "INBOX")) {
		/* A role can lead to INBOX too (":all" on some servers). */
		fprintf(ctx->err, "crispin: rmdir: %s is INBOX, which cannot be deleted\n",
		    argv[1]);
		rc = EXIT_USAGE;
	} else if (rc == 0) {
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "STATUS ");
		add_folder(cmd, &t);
		imap_cmd_add(cmd, " (MESSAGES)");
		imap_cmd_on_untagged(cmd, "STATUS", on_status);
		send_cmd(&op, cmd, &st);
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "DELETE ");
		add_folder(cmd, &t);
		send_cmd(&op, cmd, &del);
		imap_client_logout(s.client);
		if ((rc = wait_reply(&op, &del)) == 0) {
			name = clean(t.utf8);
			if (del.status != IMAP_STATUS_OK)
				rc = refused(&op, &del, "cannot delete", &t);
			else if (op.has_messages)
				fprintf(ctx->out, "deleted '%s' and its %u message%s\n", name,
				    op.messages, op.messages == 1 ? "" : "s");
			else
				fprintf(ctx->out, "deleted '%s'\n", name);
			free(name);
		}
	}
	cli_session_close(&s);
	reply_free(&st);
	reply_free(&del);
	target_free(&t);
	return rc;
}

/* Counts LIST answers below op->parent: "A/b", "A/b/c" for "A". */
static void
on_child_list(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct reply	*rep = arg;
	struct folderop	*op = rep->op;
	struct arena	*a = arena_new(0);
	struct imap_list l;
	size_t		 plen = strlen(op->parent);
	char		*name;

	if (imap_list_parse(r, a, &l, NULL) == 0) {
		name = imap_client_mailbox_utf8(c, l.name);
		if (strcmp(name, op->parent) == 0 ||
		    (str_ieq(name, "INBOX") && str_ieq(op->parent, "INBOX")))
			op->exists = true;
		else if (l.delimiter != '\0' && strncmp(name, op->parent, plen) == 0 &&
		    name[plen] == l.delimiter)
			op->children++;
		free(name);
	}
	arena_free(&a);
}

int
cli_rename(struct cli_context *ctx, int argc, char **argv)
{
	struct cli_session	 s;
	struct folderop		 op;
	struct target		 from, to;
	struct reply		 list, ren;
	struct imap_cmd		*cmd;
	char			*pattern, *n1, *n2;
	int			 rc;

	if ((rc = plain_args(ctx, "rename", argc, argv, 2, 2)) != 0)
		return rc;
	if ((rc = cli_session_open(&s, ctx)) != 0)
		return rc;
	memset(&op, 0, sizeof op);
	memset(&list, 0, sizeof list);
	memset(&ren, 0, sizeof ren);
	memset(&to, 0, sizeof to);
	op.s = &s;
	op.cmd = "rename";
	if ((rc = resolve(&op, &from, argv[1])) == 0) {
		to.utf8 = xstrdup(argv[2]);
		/* The server moves the children; LIST first to say how many. */
		op.parent = from.utf8;
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "LIST \"\" ");
		if (from.raw != NULL) {
			pattern = xasprintf("%s*", from.raw);
			imap_cmd_add_string(cmd, pattern);
		} else {
			pattern = xasprintf("%s*", from.utf8);
			imap_cmd_add_mailbox(cmd, pattern);
		}
		free(pattern);
		imap_cmd_on_untagged(cmd, "LIST", on_child_list);
		send_cmd(&op, cmd, &list);
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "RENAME ");
		add_folder(cmd, &from);
		imap_cmd_add(cmd, " ");
		add_folder(cmd, &to);
		send_cmd(&op, cmd, &ren);
		imap_client_logout(s.client);
		if ((rc = wait_reply(&op, &ren)) == 0) {
			if (ren.status != IMAP_STATUS_OK)
				rc = refused(&op, &ren, "cannot rename", &from);
			else {
				n1 = clean(from.utf8);
				n2 = clean(to.utf8);
				/* RFC 3501 6.3.5: renaming INBOX moves its messages
				 * and leaves an empty INBOX behind. */
				if (str_ieq(from.utf8, "INBOX"))
					fprintf(ctx->out, "moved the messages of INBOX to '%s' "
					    "(INBOX stays, empty)", n2);
				else
					fprintf(ctx->out, "renamed '%s' to '%s'", n1, n2);
				if (op.children > 0 && !str_ieq(from.utf8, "INBOX"))
					fprintf(ctx->out, " with %u subfolder%s", op.children,
					    op.children == 1 ? "" : "s");
				fputc('\n', ctx->out);
				free(n1);
				free(n2);
			}
		}
	} else
		memset(&from, 0, sizeof from);
	cli_session_close(&s);
	reply_free(&list);
	reply_free(&ren);
	target_free(&from);
	target_free(&to);
	return rc;
}

/* The whole message, with every line ending made CRLF as IMAP wants. */
static int
read_message(struct cli_context *ctx, const char *path, struct buf *msg)
{
	FILE	*fp = path == NULL || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	 chunk[8192];
	size_t	 n, i;
	int	 c, prev = 0;

	if (fp == NULL) {
		fprintf(ctx->err, "crispin: append: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE_;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		for (i = 0; i < n; i++) {
			c = (unsigned char)chunk[i];
			if (c == '\0') {
				fprintf(ctx->err, "crispin: append: the message has a NUL byte, "
				    "which IMAP cannot carry in a message\n");
				if (fp != stdin)
					fclose(fp);
				return EXIT_FAILURE_;
			}
			if (c == '\n' && prev != '\r')
				buf_addc(msg, '\r');
			else if (prev == '\r' && c != '\n')
				buf_addc(msg, '\n');
			buf_addc(msg, (char)c);
			prev = c;
		}
	}
	if (prev == '\r')
		buf_addc(msg, '\n');
	if (ferror(fp)) {
		fprintf(ctx->err, "crispin: append: cannot read %s: %s\n",
		    fp == stdin ? "standard input" : path, strerror(errno));
		if (fp != stdin)
			fclose(fp);
		return EXIT_FAILURE_;
	}
	if (fp != stdin)
		fclose(fp);
	if (msg->len == 0) {
		fprintf(ctx->err, "crispin: append: the message is empty\n");
		return EXIT_FAILURE_;
	}
	/* A message is lines: the last one ends too, and APPEND then always
	 * carries it as a literal. */
	if (msg->len < 2 || memcmp(msg->data + msg->len - 2, "\r\n", 2) != 0)
		buf_adds(msg, "\r\n");
	return 0;
}

/* "\Seen $Forwarded" to "(\Seen $Forwarded)", each flag checked. */
static int
build_flags(struct cli_context *ctx, const char *spec, struct buf *out)
{
	char		*copy = xstrdup(spec), *tok, *save = NULL;
	const char	*flag;
	size_t		 i;
	bool		 first = true, ok;

	buf_addc(out, '(');
	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		ok = false;
		flag = tok;
		if (tok[0] == '\\') {
			/* Spelt as the RFC does, whatever case was typed. */
			for (i = 0; i < sizeof system_flags / sizeof system_flags[0]; i++) {
				if (str_ieq(tok, system_flags[i])) {
					flag = system_flags[i];
					ok = true;
				}
			}
		} else
			ok = strcspn(tok, "(){%*\"\\]") == strlen(tok);
		for (i = 0; ok && tok[i] != '\0'; i++)
			ok = (unsigned char)tok[i] > ' ' && (unsigned char)tok[i] < 0x7f;
		if (!ok) {
			usage_error(ctx, "append", "bad flag '%s' (system flags are \\Seen, "
			    "\\Answered, \\Flagged, \\Deleted, \\Draft; keywords are single "
			    "words like $Forwarded)", tok);
			free(copy);
			return EXIT_USAGE;
		}
		buf_printf(out, "%s%s", first ? "" : " ", flag);
		first = false;
	}
	buf_addc(out, ')');
	free(copy);
	return 0;
}

/* An RFC 5322 date as IMAP date-time: "27-Nov-2026 18:20:00 +0100". */
static int
build_date(struct cli_context *ctx, const char *spec, struct buf *out, time_t *when_r)
{
	struct tm	tm;
	time_t		t;
	int		tz, atz;

	if (mime_date_parse(spec, &t, &tz) < 0)
		return usage_error(ctx, "append", "bad --date '%s' (use an RFC 5322 date "
		    "like 'Fri, 27 Nov 2026 18:20:00 +0100')", spec);
	*when_r = t;
	t += (time_t)tz * 60;
	gmtime_r(&t, &tm);
	atz = tz < 0 ? -tz : tz;
	buf_printf(out, "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    tz < 0 ? '-' : '+', atz / 60, atz % 60);
	return 0;
}

int
cli_append(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flags", required_argument, NULL, 'f' },
		{ "date", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_session	 s;
	struct folderop		 op;
	struct target		 t;
	struct reply		 rep;
	struct imap_cmd		*cmd;
	struct buf		 msg = BUF_INIT, flags = BUF_INIT, date = BUF_INIT;
	const char		*file = NULL;
	char			*name, *list = NULL;
	time_t			 when = 0;
	int			 ch, rc;

	/* 0, not 1: GNU getopt starts afresh and permutes, so options may
	 * follow FOLDER and FILE. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			buf_reset(&flags);
			if ((rc = build_flags(ctx, optarg, &flags)) != 0)
				goto out;
			break;
		case 'd':
			buf_reset(&date);
			if ((rc = build_date(ctx, optarg, &date, &when)) != 0)
				goto out;
			break;
		case ':':
			rc = usage_error(ctx, "append", "option '%s' needs an argument",
			    argv[optind - 1]);
			goto out;
		default:
			rc = usage_error(ctx, "append", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind >= argc) {
		rc = usage_error(ctx, "append", "missing folder name");
		goto out;
	}
	if (argc - optind > 2) {
		rc = usage_error(ctx, "append", "unexpected argument '%s'", argv[optind + 2]);
		goto out;
	}
	if (argc - optind == 2)
		file = argv[optind + 1];
	if ((rc = read_message(ctx, file, &msg)) != 0)
		goto out;
	if ((rc = cli_session_open(&s, ctx)) != 0)
		goto out;
	/* Without --date the server stamps its own time: close enough. */
	if (when == 0)
		when = time(NULL);
	memset(&op, 0, sizeof op);
	memset(&rep, 0, sizeof rep);
	op.s = &s;
	op.cmd = "append";
	if ((rc = resolve(&op, &t, argv[optind])) == 0) {
		cmd = imap_cmd_new(s.client, 0);
		imap_cmd_add(cmd, "APPEND ");
		add_folder(cmd, &t);
		if (flags.len > 0)
			imap_cmd_add(cmd, " %s", buf_cstr(&flags));
		if (date.len > 0)
			imap_cmd_add(cmd, " %s", buf_cstr(&date));
		imap_cmd_add(cmd, " ");
		/* CRLF inside makes it a literal: LITERAL+ when offered,
		 * otherwise the client waits for the server's "+". */
		imap_cmd_add_string(cmd, buf_cstr(&msg));
		send_cmd(&op, cmd, &rep);
		imap_client_logout(s.client);
		rc = wait_reply(&op, &rep);
		/* The link died before the answer: looked for, then maybe again. */
		if (rc == EXIT_NETWORK && (rc = cli_append_settle(ctx, t.utf8, t.raw,
		    buf_cstr(&flags), buf_cstr(&date), buf_cstr(&msg), rc,
		    &rep.uidvalidity, &rep.uid)) == 0) {
			rep.status = IMAP_STATUS_OK;
			rep.has_appenduid = rep.uid != 0 && rep.uidvalidity != 0;
		}
		if (rc == 0) {
			name = clean(t.utf8);
			if (rep.status == IMAP_STATUS_OK && rep.has_appenduid) {
				fprintf(ctx->out, "appended to '%s' as UID %u (uidvalidity %u)\n",
				    name, rep.uid, rep.uidvalidity);
				/* "(\Seen foo)" without its parentheses. */
				list = flags.len >= 2 ? xstrndup(flags.data + 1,
				    flags.len - 2) : NULL;
				cli_cache_appended(ctx, t.utf8, rep.uidvalidity,
				    rep.uid, msg.data, msg.len, list, when);
				x_free(&list);
			} else if (rep.status == IMAP_STATUS_OK)
				fprintf(ctx->out, "appended to '%s'\n", name);
			else if (rep.code != NULL && strcmp(rep.code, "TRYCREATE") == 0) {
				fprintf(ctx->err, "crispin: append: '%s' does not exist: %s "
				    "(create it first with: crispin mkdir '%s')\n", name, rep.text,
				    name);
				rc = EXIT_FAILURE_;
			} else
				rc = refused(&op, &rep, "cannot append to", &t);
			free(name);
		}
		target_free(&t);
	}
	cli_session_close(&s);
	reply_free(&rep);
out:
	buf_free(&msg);
	buf_free(&flags);
	buf_free(&date);
	return rc;
}
