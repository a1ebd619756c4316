/*
 * What flags a folder lets the user set: PERMANENTFLAGS names the system
 * flags that stick and the keywords that exist; "\*" there allows new
 * keywords. Asked before a change is sent, so a refusal is explained
 * before the server has to.
 */
#include <stdlib.h>
#include <string.h>

#include "crispin/buf.h"
#include "crispin/imap_data.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "folder_p.h"

void
folder_set_permkeywords(struct mail_folder *f, const char *const *kw, size_t n)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (!mail_keyword_valid(kw[i]))
			continue;
		if (b.len > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, kw[i]);
	}
	f->permkeywords = b.len > 0 ? mail_intern(f->strings, buf_cstr(&b)) : NULL;
	buf_free(&b);
}

const char *
mail_folder_permanent_keywords(const struct mail_folder *f)
{
	return f->permkeywords;
}

/* RFC 3501 atom characters, less the flag-specials. */
bool
mail_keyword_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("(){%*\"\\]", *s) != NULL)
			return false;
	}
	return true;
}

int
mail_folder_flag_allowed(const struct mail_folder *f, const char *name,
    char **error_r)
{
	unsigned	 bit;

	if (name[0] == '\\') {
		bit = mail_flag_bit(name);
		if (bit == 0 || bit == IMAP_FLAG_RECENT || bit == IMAP_FLAG_ANY) {
			*error_r = xasprintf("%s is no flag that can be set; use \\Seen, "
			    "\\Answered, \\Flagged, \\Deleted, \\Draft or a keyword", name);
			return -1;
		}
		if (!(f->permflags & bit)) {
			*error_r = xasprintf("%s does not keep %s (not in its "
			    "PERMANENTFLAGS)", f->name, mail_flag_name(bit));
			return -1;
		}
		return 0;
	}
	if (!mail_keyword_valid(name)) {
		*error_r = xasprintf("'%s' is not a valid keyword (no spaces, "
		    "parentheses, quotes or backslashes)", name);
		return -1;
	}
	if (!(f->permflags & IMAP_FLAG_ANY) &&
	    (f->permkeywords == NULL || !mail_keywords_has(f->permkeywords, name))) {
		*error_r = xasprintf("%s allows no new keywords and has no %s; it "
		    "keeps: %s", f->name, name, f->permkeywords != NULL ?
		    f->permkeywords : "none");
		return -1;
	}
	return 0;
}
