/* Base64 against the RFC 4648 vectors, and strict rejection. */
#include "crispin/base64.h"
#include "test.h"

static const struct {
	const char *plain, *enc;
} vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

int
main(void)
{
	struct buf	b = BUF_INIT;
	size_t		i;
	static const char *const bad[] = {
		"Zg=", "Z===", "Zm9v!", "Zh==", "Zm9=", "Zg==Zg==", "Zm 9v", "=Zm9",
	};
	unsigned char	 all[256];

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		buf_reset(&b);
		base64_encode(&b, vectors[i].plain, strlen(vectors[i].plain));
		TEST_STREQ(buf_cstr(&b), vectors[i].enc, "encode \"%s\"", vectors[i].plain);
		buf_reset(&b);
		TEST_CHECK(base64_decode(&b, vectors[i].enc, strlen(vectors[i].enc)) == 0,
		    "decode %s", vectors[i].enc);
		TEST_STREQ(buf_cstr(&b), vectors[i].plain, "decode %s", vectors[i].enc);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&b);
		buf_adds(&b, "keep");
		TEST_CHECK(base64_decode(&b, bad[i], strlen(bad[i])) == -1, "reject %s", bad[i]);
		TEST_STREQ(buf_cstr(&b), "keep", "failed decode leaves output alone (%s)", bad[i]);
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buf_reset(&b);
	base64_encode(&b, all, sizeof all);
	{
		struct buf d = BUF_INIT;
		TEST_CHECK(base64_decode(&d, b.data, b.len) == 0 && d.len == 256 &&
		    memcmp(d.data, all, 256) == 0, "all byte values round-trip");
		buf_free(&d);
	}
	buf_free(&b);
	return test_done();
}
