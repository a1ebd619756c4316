/* JSON Lines output: escaping and field separators. */
#include "crispin/json.h"
#include "test.h"

int
main(void)
{
	struct buf	b = BUF_INIT;

	json_obj_begin(&b);
	json_field_string(&b, "name", "Entw\xc3\xbcrfe");
	json_field_string(&b, "special_use", "\\Sent");
	json_field_null(&b, "x");
	json_field_int(&b, "total", 3);
	json_field_bool(&b, "ok", 1);
	json_obj_end(&b);
	TEST_STREQ(buf_cstr(&b),
	    "{\"name\":\"Entw\xc3\xbcrfe\",\"special_use\":\"\\\\Sent\",\"x\":null,\"total\":3,\"ok\":true}",
	    "object with every field kind");
	buf_reset(&b);
	json_add_string(&b, "q\"\n\t\x01\x7f");
	TEST_STREQ(buf_cstr(&b), "\"q\\\"\\n\\t\\u0001\\u007f\"", "control characters escaped");
	buf_reset(&b);
	json_add_string(&b, "bad\xff\xc3(\xed\xa0\x80");
	TEST_STREQ(buf_cstr(&b), "\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\"", "invalid UTF-8 and surrogates replaced");
	buf_reset(&b);
	json_add_string(&b, NULL);
	TEST_STREQ(buf_cstr(&b), "null", "NULL is null");
	buf_reset(&b);
	json_add_string(&b, "\xf0\x9f\x93\xa7 mail");
	TEST_STREQ(buf_cstr(&b), "\"\xf0\x9f\x93\xa7 mail\"", "4-byte UTF-8 kept");
	buf_free(&b);
	return test_done();
}
