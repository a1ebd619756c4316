/* Transfer decoders: broken base64 and quoted-printable as found in real
 * mail, and the drip-feed rule (one byte at a time gives the same). */
#include "crispin/mime_decode.h"
#include "test.h"

static const struct {
	enum mime_encoding	 enc;
	const char		*in;
	const char		*out;
	const char		*what;
} cases[] = {
	{ MIME_ENC_BASE64, "Zm9vYmFy", "foobar", "plain" },
	{ MIME_ENC_BASE64, "Zm9v\r\nYmFy\r\n", "foobar", "CRLF line breaks" },
	{ MIME_ENC_BASE64, "Zm9vYmE=", "fooba", "padding" },
	{ MIME_ENC_BASE64, "Zm9vYmE", "fooba", "missing padding" },
	{ MIME_ENC_BASE64, "Zm9vYg", "foob", "missing two pads" },
	{ MIME_ENC_BASE64, "Z m9\tv!Ym*Fy", "foobar", "junk and blanks inside" },
	{ MIME_ENC_BASE64, "Zm9vYmFyYmF6cXV4\nZm9v\nYmFy", "foobarbazquxfoobar",
	    "odd line lengths" },
	{ MIME_ENC_BASE64, "Zm8=Zm8=", "fofo", "data after padding" },
	{ MIME_ENC_BASE64, "Z", "", "lone sextet dropped" },
	{ MIME_ENC_BASE64, "", "", "empty" },
	{ MIME_ENC_QP, "caf=C3=A9", "caf\xc3\xa9", "hex escapes" },
	{ MIME_ENC_QP, "caf=c3=a9", "caf\xc3\xa9", "lower-case hex" },
	{ MIME_ENC_QP, "long line=\r\ncontinued\r\n", "long linecontinued\r\n",
	    "soft break CRLF" },
	{ MIME_ENC_QP, "long line=\ncontinued\n", "long linecontinued\n",
	    "soft break LF" },
	{ MIME_ENC_QP, "soft= \t\r\nbreak", "softbreak", "soft break with blanks" },
	{ MIME_ENC_QP, "a = b", "a = b", "bare '='" },
	{ MIME_ENC_QP, "1+1=2 =G0 =4", "1+1=2 =G0 =4", "'=' before non-hex" },
	{ MIME_ENC_QP, "x=4g", "x=4g", "one hex digit" },
	{ MIME_ENC_QP, "end=", "end", "'=' at the very end is a soft break" },
	{ MIME_ENC_QP, "end=4", "end=4", "half an escape at the end" },
	{ MIME_ENC_QP, "trailing  \t\r\nnext \n", "trailing\r\nnext\n",
	    "trailing blanks stripped" },
	{ MIME_ENC_QP, "last line   ", "last line", "blanks at the end stripped" },
	{ MIME_ENC_QP, "in  side\tok", "in  side\tok", "inner blanks kept" },
	{ MIME_ENC_QP, "==3D", "==", "'=' then an escape" },
	{ MIME_ENC_QP, "a= b", "a= b", "'=' + blank inside a line is literal" },
	{ MIME_ENC_7BIT, "as =3D is\r\n", "as =3D is\r\n", "7bit passes through" },
	{ MIME_ENC_8BIT, "caf\xc3\xa9", "caf\xc3\xa9", "8bit passes through" },
	{ MIME_ENC_UNKNOWN, "begin 644 x\n", "begin 644 x\n", "unknown passes through" },
};

static const struct {
	const char		*name;
	enum mime_encoding	 enc;
} names[] = {
	{ NULL, MIME_ENC_7BIT }, { "", MIME_ENC_7BIT }, { "BASE64", MIME_ENC_BASE64 },
	{ " Quoted-Printable ", MIME_ENC_QP }, { "8Bit", MIME_ENC_8BIT },
	{ "binary", MIME_ENC_BINARY }, { "x-uuencode", MIME_ENC_UNKNOWN },
};

int
main(void)
{
	struct buf		 whole = BUF_INIT, drip = BUF_INIT;
	struct mime_decoder	 d;
	size_t			 i, j, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = strlen(cases[i].in);
		buf_reset(&whole);
		mime_decode(cases[i].enc, cases[i].in, len, &whole);
		TEST_STREQ(buf_cstr(&whole), cases[i].out, "%s", cases[i].what);
		buf_reset(&drip);
		mime_decoder_init(&d, cases[i].enc);
		for (j = 0; j < len; j++)
			mime_decoder_feed(&d, cases[i].in + j, 1, &drip);
		mime_decoder_flush(&d, &drip);
		TEST_CHECK(drip.len == whole.len &&
		    memcmp(buf_cstr(&drip), buf_cstr(&whole), whole.len) == 0,
		    "drip-feed: %s", cases[i].what);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		TEST_INTEQ(mime_encoding_from_name(names[i].name), names[i].enc,
		    "encoding name %s", names[i].name ? names[i].name : "NULL");
	TEST_STREQ(mime_encoding_name(MIME_ENC_QP), "quoted-printable", "name");

	/* Binary round trip through every byte value. */
	{
		static const char enc[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
		buf_reset(&whole);
		mime_decode(MIME_ENC_BASE64, enc, sizeof enc - 1, &whole);
		TEST_INTEQ(whole.len, 32, "binary length");
		for (j = 0; j < whole.len && (unsigned char)whole.data[j] == j; j++)
			;
		TEST_INTEQ(j, 32, "binary bytes");
	}
	buf_free(&whole);
	buf_free(&drip);
	return test_done();
}
