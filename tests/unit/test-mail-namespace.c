/* Namespaces (RFC 2342): the kind of a folder by the longest prefix, the
 * other users' and shared namespaces a folder list must reach by their
 * prefix, and which folders show that "*" reached one already. */
#include <stdlib.h>
#include <string.h>

#include "crispin/imap_data.h"
#include "crispin/mail_folder.h"
#include "crispin/mail_namespace.h"
#include "test.h"

static struct imap_ns personal[] = { { "", '/' }, { "#mh/", '/' } };
static struct imap_ns other[] = { { "Other Users/", '/' }, { "", '/' } };
static struct imap_ns shared[] = { { "Shared.", '.' }, { "#news.", '.' } };

int
main(void)
{
	struct imap_namespaces	 ns = {
		.personal = personal, .npersonal = 2,
		.other = other, .nother = 2,
		.shared = shared, .nshared = 2,
	};
	struct imap_namespaces	 none = { .personal = personal, .npersonal = 1 };
	const struct imap_ns	*v;
	char			*p;

	/* Which kind a folder is. */
	TEST_INTEQ(mail_namespace_of(&ns, "INBOX"), MAIL_NS_PERSONAL, "INBOX");
	TEST_INTEQ(mail_namespace_of(&ns, "#mh/box"), MAIL_NS_PERSONAL, "#mh");
	TEST_INTEQ(mail_namespace_of(&ns, "Other Users/bob/Team"), MAIL_NS_OTHER,
	    "another user's");
	TEST_INTEQ(mail_namespace_of(&ns, "Other Users"), MAIL_NS_OTHER,
	    "the root without its delimiter");
	TEST_INTEQ(mail_namespace_of(&ns, "Shared.Sales"), MAIL_NS_SHARED, "shared");
	TEST_INTEQ(mail_namespace_of(&ns, "Sharedstuff"), MAIL_NS_PERSONAL,
	    "a personal folder that starts like a prefix");
	TEST_INTEQ(mail_namespace_of(NULL, "Shared.Sales"), MAIL_NS_PERSONAL,
	    "no NAMESPACE answer");
	TEST_STREQ(mail_namespace_name(MAIL_NS_OTHER), "other", "name");

	/* The namespaces to list by prefix: other users' first, empty ones
	 * (which "*" lists) left out. */
	v = mail_namespace_foreign(&ns, 0);
	TEST_STREQ(v != NULL ? v->prefix : NULL, "Other Users/", "first");
	v = mail_namespace_foreign(&ns, 1);
	TEST_STREQ(v != NULL ? v->prefix : NULL, "Shared.", "second");
	v = mail_namespace_foreign(&ns, 2);
	TEST_STREQ(v != NULL ? v->prefix : NULL, "#news.", "third");
	TEST_CHECK(mail_namespace_foreign(&ns, 3) == NULL, "no fourth");
	TEST_CHECK(mail_namespace_foreign(&none, 0) == NULL, "personal only");
	TEST_CHECK(mail_namespace_foreign(NULL, 0) == NULL, "no answer");

	/* A folder below the prefix shows the namespace was reached. */
	TEST_CHECK(mail_namespace_inside(&other[0], "Other Users/bob/Team"), "below");
	TEST_CHECK(!mail_namespace_inside(&other[0], "Other Users/"), "the prefix");
	TEST_CHECK(!mail_namespace_inside(&other[0], "Other Users"), "the root");
	TEST_CHECK(!mail_namespace_inside(&other[0], "Other"), "shorter");
	TEST_CHECK(!mail_namespace_inside(&shared[0], "Shared/Sales"),
	    "another delimiter");
	TEST_CHECK(!mail_namespace_inside(&other[1], "anything"), "empty prefix");

	p = mail_namespace_pattern(&shared[0]);
	TEST_STREQ(p, "Shared.*", "LIST pattern");
	free(p);
	return test_done();
}
