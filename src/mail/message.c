/*
 * One message fetched on demand: structure and header, the shown parts,
 * and attachments streamed in partial fetches through the parser's literal
 * sink, so that memory never holds more than one chunk of a big part.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/arena.h"
#include "crispin/imap_data.h"
#include "crispin/mail_message.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"

#define DEFAULT_CHUNK	(1024 * 1024)
/* Cache keys besides part specifiers; "~" marks a BINARY (decoded) body. */
#define KEY_STRUCTURE	"BODYSTRUCTURE"
#define KEY_HEADER	"HEADER"

enum op {
	OP_NONE,
	OP_LOAD,	/* BODYSTRUCTURE and HEADER */
	OP_CHECK,	/* both came from the cache: does the UID still exist? */
	OP_SHOWN,	/* the shown parts, into memory */
	OP_STREAM,	/* one section in partial fetches */
};

/* A fetched body of a shown part. */
struct body {
	char		*section;	/* owned: "1.2", "2.HEADER" */
	bool		 binary;	/* asked as BINARY */
	bool		 got;
	bool		 cached;
	struct buf	 data;
};

/* Commands hold this, not the message, so they may outlive it. */
struct msg_ref {
	struct mail_message	*m;	/* NULL once the message is freed */
	unsigned		 refs;
};

struct mail_message {
	struct imap_client	*client;	/* borrowed */
	char			*folder;	/* owned */
	uint32_t		 uidvalidity;
	struct store		*store;		/* borrowed */
	struct store		*notes;		/* borrowed: BINARY notes */
	bool			 no_binary;
	bool			 binary_dropped;	/* the link died on a BINARY fetch */
	size_t			 chunk;
	uint32_t		 uid;
	struct msg_ref		*ref;		/* owned share */

	struct arena		*arena;		/* owned: the tree */
	struct mime_part	*root;
	struct buf		 header;
	struct buf		 structure;	/* BODYSTRUCTURE as sent, for the cache */

	struct body		*bodies;	/* owned */
	size_t			 nbodies;

	enum op			 op;
	mail_message_cb		*done;
	void			*arg;
	bool			 found;		/* a FETCH of our UID came */
	char			*error;		/* owned: first failure of the op */

	/* The literal being received. */
	struct buf		*target;	/* borrowed: where its bytes go */
	bool			 to_stream;

	/* Streaming. */
	char			*sec;		/* owned: section streamed */
	bool			 decode;
	bool			 binary;
	struct mime_decoder	 dec;
	bool			 dec_active;
	mail_message_write_cb	*write;
	void			*write_arg;
	uint64_t		 offset;
	uint64_t		 chunk_got;
	uint64_t		 streamed;
	uint64_t		 total;		/* expected bytes; 0: unknown */
	bool			 write_failed;
	struct buf		 tmp;
};

static void *sink_open(void *, uint32_t, const char *, uint64_t);
static int sink_write(void *, const void *, size_t);
static void sink_close(void *, bool);
static bool key_section(const char *, const char **, size_t *, bool *);
static struct body *find_body(struct mail_message *, const char *, size_t, bool);
static struct imap_cmd *new_fetch(struct mail_message *);
static void on_fetch(struct imap_client *, const struct imap_response *, void *);
static void load_done(struct imap_client *, const struct imap_response *, void *);
static void shown_done(struct imap_client *, const struct imap_response *, void *);
static void stream_done(struct imap_client *, const struct imap_response *, void *);
static void finish(struct mail_message *, int);
static void fail(struct mail_message *, const char *, ...) CRISPIN_PRINTF(2, 3);
static int structure_from_text(struct mail_message *, const char *, size_t);
static void keep_structure(struct mail_message *, const struct imap_response *);
static void submit_shown(struct mail_message *);
static bool missing_offline(struct mail_message *);
static void stream_next(struct mail_message *);
static void submit(struct mail_message *, struct imap_cmd *, imap_cmd_done_cb *);
static struct mail_message *ref_msg(void *, bool);
static void ref_drop(struct msg_ref *);
static void add_body(struct mail_message *, const char *, bool);
static void reparse_cb(const struct imap_response *, void *);
static int stream_out(struct mail_message *, const void *, size_t);
static bool use_binary(const struct mail_message *, const struct mime_part *);
static void note_refused(struct mail_message *, const char *);
static bool binary_failed(struct mail_message *, struct imap_client *);
static void cache_put(struct mail_message *, const char *, const void *, size_t);
static int cache_get(struct mail_message *, const char *, struct buf *);

static const struct imap_literal_sink sink = {
	.open = sink_open,
	.write = sink_write,
	.close = sink_close,
};

struct mail_message *
mail_message_new(struct imap_client *c, const struct mail_message_params *p,
    uint32_t uid)
{
	struct mail_message	*m = xcalloc(1, sizeof *m);

	m->client = c;
	m->folder = xstrdup(p->folder != NULL ? p->folder : "");
	m->uidvalidity = p->uidvalidity;
	m->store = p->uidvalidity != 0 ? p->store : NULL;
	m->notes = p->uidvalidity != 0 ? p->notes : NULL;
	m->no_binary = p->no_binary;
	m->chunk = p->chunk != 0 ? p->chunk : DEFAULT_CHUNK;
	m->uid = uid;
	m->ref = xcalloc(1, sizeof *m->ref);
	m->ref->m = m;
	m->ref->refs = 1;
	m->arena = arena_new(0);
	/* No client: offline, from the cache alone. */
	if (c != NULL)
		imap_client_set_literal_sink(c, &sink, m);
	return m;
}

static void
ref_drop(struct msg_ref *r)
{
	if (--r->refs == 0)
		free(r);
}

void
mail_message_free(struct mail_message **mp)
{
	struct mail_message	*m = *mp;
	size_t			 i;

	if (m == NULL)
		return;
	*mp = NULL;
	if (m->client != NULL)
		imap_client_set_literal_sink(m->client, NULL, NULL);
	m->ref->m = NULL;
	ref_drop(m->ref);
	if (m->dec_active)
		mime_decoder_flush(&m->dec, &m->tmp);
	for (i = 0; i < m->nbodies; i++) {
		free(m->bodies[i].section);
		buf_free(&m->bodies[i].data);
	}
	free(m->bodies);
	arena_free(&m->arena);
	buf_free(&m->header);
	buf_free(&m->structure);
	buf_free(&m->tmp);
	free(m->folder);
	free(m->error);
	free(m->sec);
	free(m);
}

const struct mime_part *
mail_message_root(const struct mail_message *m)
{
	return m->root;
}

const char *
mail_message_header(const struct mail_message *m, size_t *len)
{
	*len = m->header.len;
	return m->header.data != NULL ? m->header.data : "";
}

uint32_t
mail_message_uid(const struct mail_message *m)
{
	return m->uid;
}

uint64_t
mail_message_streamed(const struct mail_message *m)
{
	return m->streamed;
}

uint64_t
mail_message_stream_total(const struct mail_message *m)
{
	return m->total;
}

bool
mail_message_binary_dropped(const struct mail_message *m)
{
	return m->binary_dropped;
}

const char *
mail_message_body(const struct mail_message *m, const char *section, size_t *len,
    bool *decoded)
{
	size_t	 i;

	for (i = 0; i < m->nbodies; i++) {
		if (strcmp(m->bodies[i].section, section) == 0 && m->bodies[i].got) {
			*len = m->bodies[i].data.len;
			*decoded = m->bodies[i].binary;
			return buf_cstr(&m->bodies[i].data);
		}
	}
	return NULL;
}

static void
fail(struct mail_message *m, const char *fmt, ...)
{
	va_list	ap;

	if (m->error != NULL)
		return;
	va_start(ap, fmt);
	m->error = xvasprintf(fmt, ap);
	va_end(ap);
}

static void
finish(struct mail_message *m, int status)
{
	mail_message_cb	*done = m->done;
	void		*arg = m->arg;
	char		*error = m->error;

	m->op = OP_NONE;
	m->done = NULL;
	m->error = NULL;
	if (status < 0 && error == NULL)
		error = xstrdup("the message could not be fetched");
	done(m, status, status < 0 ? error : NULL, arg);
	free(error);
}

/* "BODY[1.2]<0>" -> "1.2"; false for anything that is not a body section. */
static bool
key_section(const char *key, const char **sec, size_t *len, bool *binary)
{
	const char	*end;

	if (key == NULL)
		return false;
	if (str_has_iprefix(key, "BODY["))
		*binary = false;
	else if (str_has_iprefix(key, "BINARY["))
		*binary = true;
	else
		return false;
	*sec = strchr(key, '[') + 1;
	if ((end = strrchr(*sec, ']')) == NULL)
		return false;
	*len = (size_t)(end - *sec);
	return true;
}

static struct body *
find_body(struct mail_message *m, const char *sec, size_t len, bool binary)
{
	size_t	 i;

	for (i = 0; i < m->nbodies; i++) {
		if (strlen(m->bodies[i].section) == len && m->bodies[i].binary == binary &&
		    strncasecmp(m->bodies[i].section, sec, len) == 0)
			return &m->bodies[i];
	}
	return NULL;
}

/* Literals of our own FETCH come here; all others stay with the parser. */
static void *
sink_open(void *arg, uint32_t number, const char *key, uint64_t size)
{
	struct mail_message	*m = arg;
	struct body		*b;
	const char		*sec;
	size_t			 len;
	bool			 binary;

	if (m->op == OP_NONE || !key_section(key, &sec, &len, &binary))
		return NULL;
	m->target = NULL;
	m->to_stream = false;
	switch (m->op) {
	case OP_LOAD:
		if (len == strlen(KEY_HEADER) && strncasecmp(sec, KEY_HEADER, len) == 0)
			m->target = &m->header;
		break;
	case OP_SHOWN:
		if ((b = find_body(m, sec, len, binary)) != NULL) {
			m->target = &b->data;
			b->got = true;
		}
		break;
	case OP_STREAM:
		if (strlen(m->sec) == len && strncasecmp(m->sec, sec, len) == 0)
			m->to_stream = true;
		break;
	default:
		break;
	}
	if (m->target == NULL && !m->to_stream)
		return NULL;
	return m;
}

static int
sink_write(void *handle, const void *data, size_t len)
{
	struct mail_message	*m = handle;

	if (m->to_stream)
		return stream_out(m, data, len);
	buf_add(m->target, data, len);
	return 0;
}

static void
sink_close(void *handle, bool complete)
{
	struct mail_message	*m = handle;

	if (!complete)
		fail(m, "the connection ended in the middle of the message");
	m->target = NULL;
	m->to_stream = false;
}

static struct imap_cmd *
new_fetch(struct mail_message *m)
{
	struct imap_cmd	*cmd = imap_cmd_new(m->client, 0);

	imap_cmd_on_untagged(cmd, "FETCH", on_fetch);
	imap_cmd_fetches(cmd, m->uid, m->uid);
	imap_cmd_add(cmd, "UID FETCH %u ", m->uid);
	return cmd;
}

static void
submit(struct mail_message *m, struct imap_cmd *cmd, imap_cmd_done_cb *done)
{
	m->ref->refs++;
	imap_cmd_submit(cmd, done, m->ref);
}

/* The message behind a command's arg; NULL when it was freed. */
static struct mail_message *
ref_msg(void *arg, bool release)
{
	struct msg_ref		*r = arg;
	struct mail_message	*m = r->m;

	if (release)
		ref_drop(r);
	return m;
}

static void
on_fetch(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_message	*m = ref_msg(arg, false);
	struct arena		*a;
	struct imap_fetch	 f;
	struct body		*b;
	const char		*s;
	size_t			 i;
	char			*error = NULL;

	if (m == NULL)
		return;
	a = m->op == OP_LOAD ? m->arena : arena_new(0);
	if (imap_fetch_parse(r, a, &f, &error) < 0) {
		fail(m, "the server sent a FETCH crispin cannot read: %s", error);
		free(error);
		goto out;
	}
	if (!f.has_uid || f.uid != m->uid)
		goto out;
	m->found = true;
	if (m->op == OP_LOAD && f.body != NULL && m->root == NULL) {
		mime_part_from_imap(f.body, m->arena, &m->root);
		keep_structure(m, r);
	}
	/* BINARY.SIZE: how much a decoded stream will bring (progress). */
	for (i = 0; i < f.nbinary_sizes && m->op == OP_STREAM; i++) {
		if (m->binary && strcasecmp(f.binary_sizes[i].section, m->sec) == 0)
			m->total = f.binary_sizes[i].size;
	}
	/* Bodies sent as quoted strings (or NIL) never went through the sink. */
	for (i = 0; i < f.nsections; i++) {
		if ((s = imap_arg_str(f.sections[i].data)) == NULL)
			continue;
		if (m->op == OP_LOAD && strcmp(f.sections[i].section, KEY_HEADER) == 0)
			buf_add(&m->header, s, f.sections[i].data->u.str.len);
		else if (m->op == OP_SHOWN && (b = find_body(m, f.sections[i].section,
		    strlen(f.sections[i].section), f.sections[i].binary)) != NULL) {
			buf_add(&b->data, s, f.sections[i].data->u.str.len);
			b->got = true;
		} else if (m->op == OP_STREAM && strcasecmp(f.sections[i].section, m->sec) == 0)
			stream_out(m, s, f.sections[i].data->u.str.len);
	}
out:
	if (a != m->arena)
		arena_free(&a);
}

/* The BODYSTRUCTURE item as sent, for the cache. */
static void
keep_structure(struct mail_message *m, const struct imap_response *r)
{
	const struct imap_arg	*items;
	size_t			 n, i;

	if (m->store == NULL || r->argc < 1 || !imap_arg_list(&r->args[0], &items, &n))
		return;
	for (i = 0; i + 1 < n; i += 2) {
		if (imap_arg_atom_is(&items[i], "BODYSTRUCTURE")) {
			buf_reset(&m->structure);
			imap_arg_write(&m->structure, &items[i + 1]);
			return;
		}
	}
}

struct reparse {
	struct mail_message	*m;
	int			 status;
};

static void
reparse_cb(const struct imap_response *r, void *arg)
{
	struct reparse	*rp = arg;
	struct imap_fetch f;

	if (r->kind != IMAP_RESP_UNTAGGED || imap_fetch_parse(r, rp->m->arena, &f,
	    NULL) < 0 || f.body == NULL)
		return;
	if (mime_part_from_imap(f.body, rp->m->arena, &rp->m->root) == 0)
		rp->status = 0;
}

/* A cached BODYSTRUCTURE read back by the same parser as a response. */
static int
structure_from_text(struct mail_message *m, const char *text, size_t len)
{
	struct imap_parser	*p = imap_parser_new(NULL);
	struct buf		 b = BUF_INIT;
	struct reparse		 rp = { m, -1 };
	char			*error = NULL;

	buf_adds(&b, "* 1 FETCH (BODYSTRUCTURE ");
	buf_add(&b, text, len);
	buf_adds(&b, ")\r\n");
	if (imap_parser_feed(p, b.data, b.len, reparse_cb, &rp, &error) < 0)
		rp.status = -1;
	free(error);
	imap_parser_free(&p);
	buf_free(&b);
	return rp.status;
}

static void
cache_put(struct mail_message *m, const char *key, const void *data, size_t len)
{
	char	*error = NULL;

	if (m->store == NULL)
		return;
	/* A cache that fails costs speed next time, not this command. */
	if (store_part_put(m->store, m->folder, m->uidvalidity, m->uid, key, data, len,
	    &error) < 0)
		free(error);
}

static int
cache_get(struct mail_message *m, const char *key, struct buf *out)
{
	char	*error = NULL;
	int	 r;

	if (m->store == NULL)
		return 0;
	if ((r = store_part_get(m->store, m->folder, m->uidvalidity, m->uid, key, out,
	    &error)) < 0) {
		free(error);
		return 0;
	}
	return r;
}

void
mail_message_load(struct mail_message *m, mail_message_cb *done, void *arg)
{
	struct buf	 st = BUF_INIT;
	struct imap_cmd	*cmd;

	m->done = done;
	m->arg = arg;
	m->found = false;
	buf_reset(&m->header);
	if (cache_get(m, KEY_STRUCTURE, &st) == 1 && cache_get(m, KEY_HEADER,
	    &m->header) == 1 && structure_from_text(m, st.data, st.len) == 0) {
		buf_free(&st);
		if (m->client == NULL) {
			finish(m, 0);
			return;
		}
		m->op = OP_CHECK;
		cmd = new_fetch(m);
		imap_cmd_add(cmd, "(UID)");
		submit(m, cmd, load_done);
		return;
	}
	buf_free(&st);
	buf_reset(&m->header);
	m->root = NULL;
	if (m->client == NULL) {
		fail(m, "message %u of %s is not in the cache (crispin sync --bodies "
		    "caches it while connected)", m->uid, m->folder);
		finish(m, -1);
		return;
	}
	m->op = OP_LOAD;
	cmd = new_fetch(m);
	imap_cmd_add(cmd, "(UID BODYSTRUCTURE BODY.PEEK[HEADER])");
	submit(m, cmd, load_done);
}

static void
load_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_message	*m = ref_msg(arg, true);

	if (m == NULL)
		return;
	if (r->status != IMAP_STATUS_OK) {
		char *clean = str_sanitize(r->text);

		fail(m, "the server refused to fetch message %u: %s", m->uid, clean);
		free(clean);
		finish(m, -1);
		return;
	}
	if (!m->found || m->root == NULL) {
		fail(m, "there is no message with UID %u in %s", m->uid, m->folder);
		finish(m, -1);
		return;
	}
	if (m->op == OP_LOAD && m->error == NULL) {
		if (m->structure.len > 0)
			cache_put(m, KEY_STRUCTURE, m->structure.data, m->structure.len);
		cache_put(m, KEY_HEADER, buf_cstr(&m->header), m->header.len);
	}
	finish(m, m->error != NULL ? -1 : 0);
}

static bool
use_binary(const struct mail_message *m, const struct mime_part *p)
{
	char	*error = NULL;
	int	 r = 0;

	if (m->no_binary || m->client == NULL ||
	    !imap_client_has_cap(m->client, "BINARY") || p->unsplit ||
	    p->children != NULL || (p->enc != MIME_ENC_BASE64 && p->enc != MIME_ENC_QP))
		return false;
	/* A part the server failed on before is fetched encoded at once. */
	if (m->notes != NULL && (r = store_binary_refused(m->notes, m->folder,
	    m->uidvalidity, m->uid, p->spec, &error)) < 0)
		free(error);
	return r != 1;
}

/* Remembered per account, so the next command does not try again. */
static void
note_refused(struct mail_message *m, const char *section)
{
	char	*error = NULL;

	if (m->notes != NULL && store_binary_refuse(m->notes, m->folder,
	    m->uidvalidity, m->uid, section, &error) < 0)
		free(error);
}

/*
 * A BINARY fetch failed. A refusal ([UNKNOWN-CTE], [PARSE], BAD) is retried
 * encoded on the same connection: false. A lost connection (Dovecot 2.3
 * drops it on some broken base64) fails the operation with
 * binary_dropped set, so that the caller can run it again on a new
 * connection, without BINARY: true.
 */
static bool
binary_failed(struct mail_message *m, struct imap_client *c)
{
	if (imap_client_state(c) != IMAP_STATE_DISCONNECTED)
		return false;
	m->binary_dropped = true;
	m->no_binary = true;
	fail(m, "the server closed the connection when asked for message %u "
	    "as BINARY", m->uid);
	finish(m, -1);
	return true;
}

static void
add_body(struct mail_message *m, const char *section, bool binary)
{
	struct body	*b;

	m->bodies = xreallocarray(m->bodies, m->nbodies + 1, sizeof *m->bodies);
	b = &m->bodies[m->nbodies++];
	memset(b, 0, sizeof *b);
	b->section = xstrdup(section);
	b->binary = binary;
}

void
mail_message_fetch_shown(struct mail_message *m, const struct mime_shown *shown,
    size_t n, mail_message_cb *done, void *arg)
{
	struct body	*b;
	char		*key;
	size_t		 i;

	m->done = done;
	m->arg = arg;
	for (i = 0; i < n; i++) {
		if (shown[i].how == MIME_SHOW_INLINE)
			add_body(m, shown[i].part->spec, use_binary(m, shown[i].part));
		else if (shown[i].how == MIME_SHOW_HEADERS) {
			key = xasprintf("%s%sHEADER", shown[i].part->spec,
			    *shown[i].part->spec != '\0' ? "." : "");
			add_body(m, key, false);
			free(key);
		}
	}
	/* The cache keeps what was fetched, in the form it was fetched:
	 * either form will do (sync --bodies may have used BINARY, and an
	 * offline run cannot). */
	for (i = 0; i < m->nbodies; i++) {
		b = &m->bodies[i];
		/* Held already: reading the cache again would append a copy. */
		if (b->got)
			continue;
		key = xasprintf("~%s", b->section);
		if (cache_get(m, b->binary ? key : b->section, &b->data) == 1)
			b->got = b->cached = true;
		else if (cache_get(m, b->binary ? b->section : key, &b->data) == 1)
			b->got = b->cached = true, b->binary = !b->binary;
		free(key);
	}
	if (!missing_offline(m))
		submit_shown(m);
}

static void
submit_shown(struct mail_message *m)
{
	struct imap_cmd	*cmd = NULL;
	size_t		 i;

	m->op = OP_SHOWN;
	m->found = false;
	for (i = 0; i < m->nbodies; i++) {
		if (m->bodies[i].got)
			continue;
		if (cmd == NULL) {
			cmd = new_fetch(m);
			imap_cmd_add(cmd, "(UID");
		}
		/* BINARY.SIZE first: Dovecot then refuses a part it cannot
		 * decode with NO instead of dropping the connection. */
		if (m->bodies[i].binary)
			imap_cmd_add(cmd, " BINARY.SIZE[%s] BINARY.PEEK[%s]",
			    m->bodies[i].section, m->bodies[i].section);
		else
			imap_cmd_add(cmd, " BODY.PEEK[%s]", m->bodies[i].section);
	}
	if (cmd == NULL) {
		finish(m, 0);
		return;
	}
	imap_cmd_add(cmd, ")");
	submit(m, cmd, shown_done);
}

/* Offline: what the cache lacks cannot be fetched; say which parts. */
static bool
missing_offline(struct mail_message *m)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	if (m->client != NULL)
		return false;
	for (i = 0; i < m->nbodies; i++) {
		if (!m->bodies[i].got)
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", m->bodies[i].section);
	}
	if (b.len == 0)
		return false;
	fail(m, "part%s %s of message %u in %s %s not in the cache (crispin sync "
	    "--bodies caches the text while connected)", strchr(buf_cstr(&b), ',') ?
	    "s" : "", buf_cstr(&b), m->uid, m->folder, strchr(buf_cstr(&b), ',') ?
	    "are" : "is");
	buf_free(&b);
	finish(m, -1);
	return true;
}

static void
shown_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_message	*m = ref_msg(arg, true);
	struct body		*b;
	char			*key;
	size_t			 i;
	bool			 binary = false;

	if (m == NULL)
		return;
	for (i = 0; i < m->nbodies; i++)
		binary |= !m->bodies[i].got && m->bodies[i].binary;
	if (r->status != IMAP_STATUS_OK && binary) {
		for (i = 0; i < m->nbodies; i++) {
			if (!m->bodies[i].got && m->bodies[i].binary)
				note_refused(m, m->bodies[i].section);
		}
		if (binary_failed(m, c))
			return;
	}
	if (r->status != IMAP_STATUS_OK && binary && m->error == NULL) {
		/* [UNKNOWN-CTE] and friends: ask again the plain way. */
		for (i = 0; i < m->nbodies; i++) {
			if (!m->bodies[i].cached) {
				m->bodies[i].binary = false;
				m->bodies[i].got = false;
				buf_reset(&m->bodies[i].data);
			}
		}
		m->no_binary = true;
		submit_shown(m);
		return;
	}
	if (r->status != IMAP_STATUS_OK) {
		char *clean = str_sanitize(r->text);

		fail(m, "the server refused to fetch parts of message %u: %s", m->uid,
		    clean);
		free(clean);
		finish(m, -1);
		return;
	}
	for (i = 0; i < m->nbodies; i++) {
		b = &m->bodies[i];
		if (!b->got || b->cached)
			continue;
		key = xasprintf("%s%s", b->binary ? "~" : "", b->section);
		cache_put(m, key, buf_cstr(&b->data), b->data.len);
		free(key);
	}
	finish(m, m->error != NULL ? -1 : 0);
}

void
mail_message_stream(struct mail_message *m, const char *section, bool decode,
    mail_message_write_cb *write, void *write_arg, mail_message_cb *done, void *arg)
{
	const struct mime_part	*p = NULL;

	m->done = done;
	m->arg = arg;
	m->write = write;
	m->write_arg = write_arg;
	free(m->sec);
	m->sec = xstrdup(section);
	m->offset = 0;
	m->streamed = 0;
	m->total = 0;
	m->write_failed = false;
	m->decode = false;
	m->binary = false;
	if (m->client == NULL) {
		m->op = OP_STREAM;
		fail(m, "offline, message %u cannot be streamed: only the cached text "
		    "parts can be shown", m->uid);
		finish(m, -1);
		return;
	}
	if (*section != '\0' && m->root != NULL &&
	    (p = mime_part_find(m->root, section)) == NULL) {
		m->op = OP_STREAM;
		fail(m, "message %u has no part %s (crispin parts %u lists them)",
		    m->uid, section, m->uid);
		finish(m, -1);
		return;
	}
	if (decode && p != NULL && p->children == NULL && !p->unsplit &&
	    (p->enc == MIME_ENC_BASE64 || p->enc == MIME_ENC_QP)) {
		m->binary = use_binary(m, p);
		if (!m->binary) {
			m->total = p->size;
			m->decode = true;
			mime_decoder_init(&m->dec, p->enc);
			m->dec_active = true;
		}
	} else if (p != NULL)
		m->total = p->size;
	stream_next(m);
}

static void
stream_next(struct mail_message *m)
{
	struct imap_cmd	*cmd;

	m->op = OP_STREAM;
	m->found = false;
	m->chunk_got = 0;
	cmd = new_fetch(m);
	imap_cmd_add(cmd, "(UID ");
	/* The decoded size for progress, and a NO rather than a dropped
	 * connection from Dovecot when the part cannot be decoded. */
	if (m->binary && m->offset == 0)
		imap_cmd_add(cmd, "BINARY.SIZE[%s] ", m->sec);
	imap_cmd_add(cmd, "%s.PEEK[%s]<%llu.%zu>)", m->binary ? "BINARY" : "BODY",
	    m->sec, (unsigned long long)m->offset, m->chunk);
	submit(m, cmd, stream_done);
}

/* Bytes of the section, in order: decoded as needed and handed on. */
static int
stream_out(struct mail_message *m, const void *data, size_t len)
{
	const void	*out = data;
	size_t		 n = len;

	m->chunk_got += len;
	m->streamed += len;
	if (m->write_failed)
		return -1;
	if (m->decode) {
		buf_reset(&m->tmp);
		mime_decoder_feed(&m->dec, data, len, &m->tmp);
		out = m->tmp.data;
		n = m->tmp.len;
	}
	if (n > 0 && m->write(out, n, m->write_arg) < 0) {
		m->write_failed = true;
		return -1;
	}
	return 0;
}

static void
stream_done(struct imap_client *c, const struct imap_response *r, void *arg)
{
	struct mail_message	*m = ref_msg(arg, true);
	const struct mime_part	*p;

	if (m == NULL)
		return;
	if (r->status != IMAP_STATUS_OK && m->binary && !m->write_failed) {
		note_refused(m, m->sec);
		if (binary_failed(m, c))
			return;
	}
	if (r->status != IMAP_STATUS_OK && m->binary && m->offset == 0 &&
	    m->chunk_got == 0 && !m->write_failed) {
		/* No BINARY for this part: fetch it encoded and decode here. */
		p = mime_part_find(m->root, m->sec);
		m->binary = false;
		m->total = p->size;
		m->decode = true;
		mime_decoder_init(&m->dec, p->enc);
		m->dec_active = true;
		stream_next(m);
		return;
	}
	if (r->status != IMAP_STATUS_OK) {
		char *clean = str_sanitize(r->text);

		fail(m, "the server refused to fetch message %u: %s", m->uid, clean);
		free(clean);
		finish(m, -1);
		return;
	}
	if (m->write_failed) {
		fail(m, "writing the part failed");
		finish(m, -1);
		return;
	}
	if (!m->found) {
		fail(m, "there is no message with UID %u in %s", m->uid, m->folder);
		finish(m, -1);
		return;
	}
	if (m->error != NULL) {
		finish(m, -1);
		return;
	}
	if (m->chunk_got >= m->chunk) {
		m->offset += m->chunk_got;
		stream_next(m);
		return;
	}
	if (m->dec_active) {
		buf_reset(&m->tmp);
		mime_decoder_flush(&m->dec, &m->tmp);
		m->dec_active = false;
		if (m->tmp.len > 0 && m->write(m->tmp.data, m->tmp.len, m->write_arg) < 0) {
			fail(m, "writing the part failed");
			finish(m, -1);
			return;
		}
	}
	finish(m, 0);
}
