/*
 * The rc lexer: splits one command into words. Double quotes and bare words
 * take backslash escapes, $VAR, ${VAR} and `command`; single quotes take
 * everything literally. '#' at the start of a word begins a comment (except
 * a #rrggbb colour) and ';' ends a command.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "crispin/buf.h"
#include "crispin/xalloc.h"
#include "config_p.h"

static bool is_blank(char);
static bool is_hex_color(const char *);
static int lex_escape(const char **, struct buf *, char **);
static int lex_variable(const char **, struct buf *, char **);
static int lex_backtick(const char **, struct buf *, char **);
static int lex_quoted(const char **, struct buf *, char **);

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "#rrggbb" followed by the end of the word. */
static bool
is_hex_color(const char *s)
{
	size_t	n;

	if (*s != '#')
		return false;
	n = strspn(s + 1, "0123456789abcdefABCDEF");
	return n == 6 && (s[7] == '\0' || is_blank(s[7]) || s[7] == ';');
}

/* *sp is at a backslash. The escapes are mutt's: \n \r \t \f \e, \Cx for
 * a control character, \NNN in octal; any other character stands for itself. */
static int
lex_escape(const char **sp, struct buf *w, char **error_r)
{
	const char	*s = *sp + 1;
	unsigned	 v;
	int		 i;

	switch (*s) {
	case '\0':
		buf_addc(w, '\\');
		*sp = s;
		return 0;
	case 'n': buf_addc(w, '\n'); break;
	case 'r': buf_addc(w, '\r'); break;
	case 't': buf_addc(w, '\t'); break;
	case 'f': buf_addc(w, '\f'); break;
	case 'e':
	case 'E': buf_addc(w, 27); break;
	case 'c':
	case 'C':
		if (s[1] == '\0') {
			*error_r = xstrdup("'\\C' needs a character after it (\\Cx is Ctrl-x)");
			return -1;
		}
		s++;
		buf_addc(w, *s == '?' ? 127 : (char)(toupper((unsigned char)*s) & 0x1f));
		break;
	default:
		if (*s >= '0' && *s <= '7') {
			for (v = 0, i = 0; i < 3 && *s >= '0' && *s <= '7'; i++, s++)
				v = v * 8 + (unsigned)(*s - '0');
			if (v == 0 || v > 255) {
				*error_r = xstrdup("octal escape out of range (\\001 to \\377)");
				return -1;
			}
			buf_addc(w, (char)v);
			*sp = s;
			return 0;
		}
		buf_addc(w, *s);
		break;
	}
	*sp = s + 1;
	return 0;
}

/* *sp is at '$': $NAME or ${NAME}; an unset variable expands to nothing. */
static int
lex_variable(const char **sp, struct buf *w, char **error_r)
{
	const char	*s = *sp + 1, *end;
	char		*name, *v;
	size_t		 n;

	if (*s == '{') {
		if ((end = strchr(s, '}')) == NULL) {
			*error_r = xstrdup("missing '}' after '${'");
			return -1;
		}
		name = xstrndup(s + 1, (size_t)(end - s - 1));
		*sp = end + 1;
	} else {
		n = 0;
		if (isalpha((unsigned char)s[0]) || s[0] == '_')
			n = 1 + strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		if (n == 0) {
			/* A lone '$' (as in a regex) stands for itself. */
			buf_addc(w, '$');
			*sp = s;
			return 0;
		}
		name = xstrndup(s, n);
		*sp = s + n;
	}
	if ((v = getenv(name)) != NULL)
		buf_adds(w, v);
	free(name);
	return 0;
}

/* *sp is at '`': runs the command with sh and inserts its output, without
 * the trailing newline. A command that fails is an error, so that a broken
 * password command is not taken for an empty password. */
static int
lex_backtick(const char **sp, struct buf *w, char **error_r)
{
	const char	*s = *sp + 1, *end;
	struct buf	 out = BUF_INIT;
	char		*cmd, chunk[1024];
	size_t		 n;
	FILE		*fp;
	int		 status;

	if ((end = strchr(s, '`')) == NULL) {
		*error_r = xstrdup("missing closing `");
		return -1;
	}
	cmd = xstrndup(s, (size_t)(end - s));
	*sp = end + 1;
	fflush(stdout);
	if ((fp = popen(cmd, "r")) == NULL) {
		*error_r = xasprintf("cannot run `%s`: %s", cmd, strerror(errno));
		free(cmd);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&out, chunk, n);
	status = pclose(fp);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (status != -1 && WIFEXITED(status))
			*error_r = xasprintf("command `%s` failed (exit status %d)",
			    cmd, WEXITSTATUS(status));
		else
			*error_r = xasprintf("command `%s` failed", cmd);
		goto fail;
	}
	if (memchr(buf_cstr(&out), '\0', out.len) != NULL) {
		*error_r = xasprintf("command `%s` printed a NUL byte", cmd);
		goto fail;
	}
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
		buf_truncate(&out, out.len - 1);
	buf_add(w, buf_cstr(&out), out.len);
	buf_free_secret(&out);
	free(cmd);
	return 0;
fail:
	buf_free_secret(&out);
	free(cmd);
	return -1;
}

/* *sp is at a quote. */
static int
lex_quoted(const char **sp, struct buf *w, char **error_r)
{
	const char	*s = *sp;
	char		 quote = *s++;

	while (*s != quote) {
		if (*s == '\0') {
			*error_r = xasprintf("missing closing %c", quote);
			return -1;
		}
		if (quote == '\'') {
			buf_addc(w, *s++);
			continue;
		}
		if (*s == '\\') {
			if (lex_escape(&s, w, error_r) < 0)
				return -1;
		} else if (*s == '$') {
			if (lex_variable(&s, w, error_r) < 0)
				return -1;
		} else if (*s == '`') {
			if (lex_backtick(&s, w, error_r) < 0)
				return -1;
		} else
			buf_addc(w, *s++);
	}
	*sp = s + 1;
	return 0;
}

int
rc_lex_word(const char **sp, unsigned flags, struct rc_word *word, char **error_r)
{
	const char	*s = *sp;
	struct buf	 w = BUF_INIT;
	int		 r = 0;

	word->text = NULL;
	word->op = false;
	while (is_blank(*s))
		s++;
	if (*s == '\0' || (*s == '#' && !is_hex_color(s))) {
		*sp = s + strlen(s);
		return 0;
	}
	if (*s == ';') {
		*sp = s + 1;
		return 0;
	}
	if ((flags & RC_LEX_EQUALS) && *s == '=') {
		word->text = xstrdup("=");
		word->op = true;
		*sp = s + 1;
		return 1;
	}
	while (*s != '\0' && !is_blank(*s) && *s != ';' &&
	    !((flags & RC_LEX_EQUALS) && *s == '=')) {
		if (*s == '"' || *s == '\'')
			r = lex_quoted(&s, &w, error_r);
		else if (*s == '\\')
			r = lex_escape(&s, &w, error_r);
		else if (*s == '$')
			r = lex_variable(&s, &w, error_r);
		else if (*s == '`')
			r = lex_backtick(&s, &w, error_r);
		else
			buf_addc(&w, *s++);
		if (r < 0) {
			buf_free_secret(&w);
			return -1;
		}
	}
	*sp = s;
	word->text = buf_steal(&w);
	return 1;
}

void
rc_words_free(struct rc_words *words)
{
	size_t	i;

	for (i = 0; i < words->n; i++)
		x_free_secret(&words->w[i].text);
	free(words->w);
	words->w = NULL;
	words->n = words->cap = 0;
}
