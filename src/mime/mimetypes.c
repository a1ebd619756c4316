/*
 * The content type of a file to attach: by its extension in the
 * mime.types files users and systems keep, else by its first bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crispin/buf.h"
#include "crispin/mime_compose.h"
#include "crispin/xalloc.h"
#include "compose_p.h"

/* Magic numbers of the formats people attach most. */
static const struct {
	const char	*magic;
	size_t		 len;
	size_t		 offset;
	const char	*type;
} magics[] = {
	{ "%PDF-", 5, 0, "application/pdf" },
	{ "\x89PNG\r\n\x1a\n", 8, 0, "image/png" },
	{ "\xff\xd8\xff", 3, 0, "image/jpeg" },
	{ "GIF87a", 6, 0, "image/gif" },
	{ "GIF89a", 6, 0, "image/gif" },
	{ "WEBP", 4, 8, "image/webp" },
	{ "PK\x03\x04", 4, 0, "application/zip" },
	{ "\x1f\x8b", 2, 0, "application/gzip" },
	{ "%!PS", 4, 0, "application/postscript" },
	{ "BZh", 3, 0, "application/x-bzip2" },
	{ "\xfd" "7zXZ", 5, 0, "application/x-xz" },
	{ "7z\xbc\xaf\x27\x1c", 6, 0, "application/x-7z-compressed" },
	{ "-----BEGIN PGP", 14, 0, "application/pgp-keys" },
};

static char	*lookup_file(const char *, const char *);
static bool	 valid_type(const char *, size_t);
static bool	 looks_like_text(const unsigned char *, size_t);

/* A "type/subtype" of token characters. */
static bool
valid_type(const char *s, size_t len)
{
	size_t	i, slash = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '/') {
			if (slash != 0 || i == 0)
				return false;
			slash = i;
		} else if ((unsigned char)s[i] <= 32 ||
		    (unsigned char)s[i] >= 127 ||
		    strchr("()<>@,;:\\\"[]?=", s[i]) != NULL)
			return false;
	}
	return slash != 0 && slash + 1 < len;
}

/* The type listed for ext in one mime.types file, or NULL. */
static char *
lookup_file(const char *path, const char *ext)
{
	FILE		*f;
	char		*line = NULL, *type = NULL, *p, *word, *save = NULL;
	size_t		 cap = 0;
	const char	*sep = " \t\r\n";

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while (type == NULL && getline(&line, &cap, f) != -1) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		if ((word = strtok_r(line, sep, &save)) == NULL ||
		    !valid_type(word, strlen(word)))
			continue;
		for (p = strtok_r(NULL, sep, &save); p != NULL;
		    p = strtok_r(NULL, sep, &save)) {
			if (strcasecmp(p, ext) == 0) {
				type = xstrdup(word);
				break;
			}
		}
	}
	free(line);
	fclose(f);
	return type;
}

/* Valid UTF-8 with no NUL and no control characters but the ones text
 * files carry (tab, line ends, form feed, escape). */
static bool
looks_like_text(const unsigned char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if ((p[i] < 0x20 && strchr("\t\n\r\f\x1b", p[i]) == NULL) ||
		    p[i] == 0x7f || p[i] == '\0')
			return false;
	}
	return compose_utf8_valid((const char *)p, len);
}

char *
mime_guess_type(const char *filename, const void *data, size_t len)
{
	const char	*base, *ext, *home;
	char		*path, *type;
	size_t		 i;

	if (filename != NULL) {
		base = strrchr(filename, '/');
		base = base != NULL ? base + 1 : filename;
		ext = strrchr(base, '.');
		if (ext != NULL && ext != base && ext[1] != '\0') {
			ext++;
			if ((home = getenv("HOME")) != NULL && *home != '\0') {
				path = xasprintf("%s/.mime.types", home);
				type = lookup_file(path, ext);
				free(path);
				if (type != NULL)
					return type;
			}
			if ((type = lookup_file("/etc/mime.types", ext)) != NULL)
				return type;
		}
	}
	for (i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		if (len >= magics[i].offset + magics[i].len &&
		    memcmp((const char *)data + magics[i].offset,
		    magics[i].magic, magics[i].len) == 0)
			return xstrdup(magics[i].type);
	}
	if (looks_like_text(data, len))
		return xstrdup("text/plain");
	return xstrdup("application/octet-stream");
}
