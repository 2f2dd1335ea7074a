/* SPDX-License-Identifier: MIT */
/*
 * test_escape.c - src/core/escape.c: UTF-8 validation, JSON strings (surrogateescape), C-style
 * text escaping with limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "escape.h"

/* Renders bytes with ew_json_str into a fresh buffer and compares. */
static void check_json(const char *in, size_t len, const char *want)
{
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_json_str(&b, in, len), 0);
	assert_string_equal(ew_buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	ew_buf_free(&b);
}

#define JSON(lit, want) check_json((lit), sizeof(lit) - 1, (want))

static void check_cesc(const char *in, size_t len, size_t limit, const char *want, bool want_cut)
{
	struct ew_buf b = EW_BUF_INIT;
	bool cut = !want_cut;
	assert_int_equal(ew_cescape(&b, in, len, limit, &cut), 0);
	assert_string_equal(ew_buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	assert_int_equal(cut, want_cut);
	ew_buf_free(&b);
}

#define CESC(lit, limit, want, cut) check_cesc((lit), sizeof(lit) - 1, (limit), (want), (cut))

/* ---- ew_utf8_seq ---------------------------------------------------------------------------- */

static size_t seq(const char *lit, size_t len)
{
	return ew_utf8_seq((const unsigned char *)lit, len);
}

#define SEQ(lit) seq((lit), sizeof(lit) - 1)

static void test_utf8_boundaries(void **state)
{
	(void)state;
	assert_int_equal(SEQ("\x00"), 1);
	assert_int_equal(SEQ("\x7f"), 1);
	assert_int_equal(SEQ("\x80"), 0);            /* lone continuation */
	assert_int_equal(SEQ("\xbf"), 0);
	assert_int_equal(SEQ("\xc0\x80"), 0);        /* overlong NUL */
	assert_int_equal(SEQ("\xc1\xbf"), 0);        /* overlong U+007F */
	assert_int_equal(SEQ("\xc2\x80"), 2);        /* U+0080 */
	assert_int_equal(SEQ("\xdf\xbf"), 2);        /* U+07FF */
	assert_int_equal(SEQ("\xc2"), 0);            /* truncated */
	assert_int_equal(SEQ("\xc2\x41"), 0);        /* bad continuation */
	assert_int_equal(SEQ("\xc2\xc0"), 0);
	assert_int_equal(SEQ("\xe0\x9f\xbf"), 0);    /* overlong U+07FF */
	assert_int_equal(SEQ("\xe0\xa0\x80"), 3);    /* U+0800 */
	assert_int_equal(SEQ("\xed\x9f\xbf"), 3);    /* U+D7FF */
	assert_int_equal(SEQ("\xed\xa0\x80"), 0);    /* U+D800 surrogate */
	assert_int_equal(SEQ("\xed\xbf\xbf"), 0);    /* U+DFFF surrogate */
	assert_int_equal(SEQ("\xee\x80\x80"), 3);    /* U+E000 */
	assert_int_equal(SEQ("\xef\xbf\xbf"), 3);    /* U+FFFF */
	assert_int_equal(SEQ("\xe2\x82"), 0);        /* truncated */
	assert_int_equal(SEQ("\xe2\x82\x41"), 0);
	assert_int_equal(SEQ("\xf0\x8f\xbf\xbf"), 0); /* overlong U+FFFF */
	assert_int_equal(SEQ("\xf0\x90\x80\x80"), 4); /* U+10000 */
	assert_int_equal(SEQ("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
	assert_int_equal(SEQ("\xf4\x90\x80\x80"), 0); /* U+110000 */
	assert_int_equal(SEQ("\xf0\x9f\x98"), 0);     /* truncated */
	assert_int_equal(SEQ("\xf5\x80\x80\x80"), 0);
	assert_int_equal(SEQ("\xf8\x88\x80\x80"), 0);
	assert_int_equal(SEQ("\xfe"), 0);
	assert_int_equal(SEQ("\xff"), 0);
	/* Only the available bytes count, even when more follow in memory. */
	assert_int_equal(seq("\xe2\x82\xac", 2), 0);
	assert_int_equal(seq("\xe2\x82\xac", 3), 3);
}

/* Independent reference: the canonical UTF-8 encoding of a scalar value. */
static size_t encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every scalar value is accepted with its length; every surrogate encoding is refused. */
static void test_utf8_all_code_points(void **state)
{
	(void)state;
	unsigned char s[4];
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		size_t n = encode(cp, s);
		size_t got = ew_utf8_seq(s, n);
		if (cp >= 0xd800 && cp <= 0xdfff)
			assert_int_equal(got, 0);
		else if (got != n)
			fail_msg("U+%04X: got %zu, want %zu", (unsigned)cp, got, n);
	}
}

/*
 * All byte sequences of up to 3 bytes: a sequence is accepted iff it is the encoding of exactly
 * one scalar value, so counting accepted ones must give the number of scalar values per length.
 */
static void test_utf8_all_short_sequences(void **state)
{
	(void)state;
	unsigned long count[5] = {0};
	unsigned char s[3];
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			for (unsigned c = 0; c < 256; c++) {
				s[0] = (unsigned char)a, s[1] = (unsigned char)b;
				s[2] = (unsigned char)c;
				size_t n = ew_utf8_seq(s, 3);
				assert_true(n <= 3);
				count[n]++;
				if (n == 3)
					assert_true(a >= 0xe0 && a <= 0xef);
			}
		}
	}
	assert_int_equal(count[1], 128ul * 65536);             /* ASCII, any tail */
	assert_int_equal(count[2], (0x800ul - 0x80) * 256);    /* U+0080..U+07FF, any tail */
	assert_int_equal(count[3], 0x10000ul - 0x800 - 0x800); /* minus 2048 surrogates */
	/* 4-byte leads, continuation bytes around the 0x80..0xbf window. */
	unsigned long four = 0;
	unsigned char q[4];
	for (unsigned a = 0xf0; a <= 0xf7; a++)
		for (unsigned b = 0x70; b < 0xd0; b++)
			for (unsigned c = 0x70; c < 0xd0; c++)
				for (unsigned d = 0x70; d < 0xd0; d++) {
					q[0] = (unsigned char)a, q[1] = (unsigned char)b;
					q[2] = (unsigned char)c, q[3] = (unsigned char)d;
					size_t n = ew_utf8_seq(q, 4);
					assert_true(n == 0 || n == 4);
					four += n == 4;
				}
	assert_int_equal(four, 0x110000ul - 0x10000);
}

/* ---- ew_json_str ---------------------------------------------------------------------------- */

static void test_json_ascii(void **state)
{
	(void)state;
	JSON("", "\"\"");
	JSON("abc XYZ 019 ~!@#$%^&*()_+{}[]|:;'<>?,./`",
	     "\"abc XYZ 019 ~!@#$%^&*()_+{}[]|:;'<>?,./`\"");
	JSON("a\"b", "\"a\\\"b\"");
	JSON("a\\b", "\"a\\\\b\"");
	JSON("/", "\"/\"");
}

static void test_json_controls(void **state)
{
	(void)state;
	JSON("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	JSON("\x01\x1f", "\"\\u0001\\u001f\"");
	JSON("a\0b", "\"a\\u0000b\"");   /* embedded NUL: length counts, not C strings */
	JSON("\x7f", "\"\\u007f\"");     /* DEL */
	JSON("\x1b[31m", "\"\\u001b[31m\"");
	JSON("\a\v", "\"\\u0007\\u000b\"");
}

static void test_json_utf8_copied(void **state)
{
	(void)state;
	JSON("\xc3\xa9", "\"\xc3\xa9\"");                   /* é */
	JSON("\xe2\x82\xac", "\"\xe2\x82\xac\"");           /* € */
	JSON("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");   /* 😀 */
	JSON("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");           /* U+FFFF */
	JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");   /* U+10FFFF */
	JSON("\xe2\x80\xa8", "\"\xe2\x80\xa8\"");           /* U+2028: valid in JSON */
}

static void test_json_invalid_bytes(void **state)
{
	(void)state;
	JSON("\xff", "\"\\udcff\"");
	JSON("\x80", "\"\\udc80\"");
	JSON("a\xfe" "b", "\"a\\udcfeb\"");
	JSON("\xc0\xaf", "\"\\udcc0\\udcaf\"");                     /* overlong '/' */
	JSON("\xe0\x80\xaf", "\"\\udce0\\udc80\\udcaf\"");          /* overlong '/' */
	JSON("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"");          /* surrogate U+D800 */
	JSON("\xed\xb2\x80", "\"\\udced\\udcb2\\udc80\"");          /* surrogate U+DC80 */
	JSON("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\""); /* > U+10FFFF */
	JSON("\xe2\x82", "\"\\udce2\\udc82\"");                     /* truncated at the end */
	JSON("\xe2\x82" "A", "\"\\udce2\\udc82A\"");                /* truncated before ASCII */
	JSON("\xe2\xe2\x82\xac", "\"\\udce2\xe2\x82\xac\"");        /* resync on the next lead */
	JSON("\xf8\x88\x80\x80\x80", "\"\\udcf8\\udc88\\udc80\\udc80\\udc80\"");
}

/* Every single byte maps to exactly the documented form. */
static void test_json_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char in = (char)c, want[16];
		if (c == '"')
			snprintf(want, sizeof(want), "\"\\\"\"");
		else if (c == '\\')
			snprintf(want, sizeof(want), "\"\\\\\"");
		else if (c == '\n')
			snprintf(want, sizeof(want), "\"\\n\"");
		else if (c == '\t')
			snprintf(want, sizeof(want), "\"\\t\"");
		else if (c == '\r')
			snprintf(want, sizeof(want), "\"\\r\"");
		else if (c == '\b')
			snprintf(want, sizeof(want), "\"\\b\"");
		else if (c == '\f')
			snprintf(want, sizeof(want), "\"\\f\"");
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		else if (c >= 0x80)
			snprintf(want, sizeof(want), "\"\\udc%02x\"", c);
		else
			snprintf(want, sizeof(want), "\"%c\"", c);
		check_json(&in, 1, want);
	}
}

static void test_json_appends(void **state)
{
	(void)state;
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_buf_puts(&b, "{\"k\":"), 0);
	assert_int_equal(ew_json_str(&b, "v", 1), 0);
	assert_int_equal(ew_buf_putc(&b, '}'), 0);
	assert_string_equal(b.ptr, "{\"k\":\"v\"}");
	ew_buf_free(&b);
}

static void test_json_estr_strv(void **state)
{
	(void)state;
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_json_estr(&b, (struct ew_str){NULL, 0}), 0);
	assert_string_equal(b.ptr, "null");
	ew_buf_clear(&b);
	assert_int_equal(ew_json_estr(&b, (struct ew_str){"", 0}), 0);
	assert_string_equal(b.ptr, "\"\"");
	ew_buf_clear(&b);
	assert_int_equal(ew_json_estr(&b, (struct ew_str){"x\xffy", 3}), 0);
	assert_string_equal(b.ptr, "\"x\\udcffy\"");
	ew_buf_clear(&b);

	struct ew_strv empty = {NULL, 0, 0, 0};
	assert_int_equal(ew_json_strv(&b, &empty), 0);
	assert_string_equal(b.ptr, "[]");
	ew_buf_clear(&b);

	const struct ew_str items[] = {{"ls", 2}, {"", 0}, {"a\"b", 3}, {"\x01\xc3", 2}};
	struct ew_strv v = {items, 4, 0, 7};
	assert_int_equal(ew_json_strv(&b, &v), 0);
	assert_string_equal(b.ptr, "[\"ls\",\"\",\"a\\\"b\",\"\\u0001\\udcc3\"]");
	ew_buf_free(&b);
}

/* ---- ew_cescape ----------------------------------------------------------------------------- */

static void test_cescape_basic(void **state)
{
	(void)state;
	CESC("", 0, "", false);
	CESC("hello world", 0, "hello world", false);
	CESC("a\"b\\c", 0, "a\\\"b\\\\c", false);
	CESC("\n\t\r\a\b\f\v\x1b", 0, "\\n\\t\\r\\a\\b\\f\\v\\e", false);
	CESC("\x01\x1f\x7f", 0, "\\x01\\x1f\\x7f", false);
	CESC("a\0b", 0, "a\\x00b", false);
	CESC("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	     false);
	CESC("\xff\xc0\xaf\xed\xa0\x80", 0, "\\xff\\xc0\\xaf\\xed\\xa0\\x80", false);
	CESC("\xe2\x82", 0, "\\xe2\\x82", false);
}

static void test_cescape_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char in = (char)c, want[8];
		const char *named = NULL;
		switch (c) {
		case '\n': named = "\\n"; break;
		case '\t': named = "\\t"; break;
		case '\r': named = "\\r"; break;
		case '\a': named = "\\a"; break;
		case '\b': named = "\\b"; break;
		case '\f': named = "\\f"; break;
		case '\v': named = "\\v"; break;
		case 0x1b: named = "\\e"; break;
		case '"': named = "\\\""; break;
		case '\\': named = "\\\\"; break;
		default: break;
		}
		if (named)
			snprintf(want, sizeof(want), "%s", named);
		else if (c < 0x20 || c >= 0x7f)
			snprintf(want, sizeof(want), "\\x%02x", c);
		else
			snprintf(want, sizeof(want), "%c", c);
		check_cesc(&in, 1, 0, want, false);
	}
}

static void test_cescape_limit(void **state)
{
	(void)state;
	CESC("abcdef", 3, "abc", true);
	CESC("abcdef", 5, "abcde", true);
	CESC("abcdef", 6, "abcdef", false);
	CESC("abcdef", 7, "abcdef", false);
	CESC("abcdef", 0, "abcdef", false);
	/* The limit counts input bytes, not output bytes. */
	CESC("\n\n\n\n", 2, "\\n\\n", true);
	/* A limit inside a UTF-8 sequence shows the partial bytes escaped. */
	CESC("a\xc3\xa9", 2, "a\\xc3", true);
	CESC("\xe2\x82\xac!", 3, "\xe2\x82\xac", true);
	/* cut may be NULL. */
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_cescape(&b, "abcdef", 6, 2, NULL), 0);
	assert_string_equal(b.ptr, "ab");
	/* It appends. */
	assert_int_equal(ew_cescape(&b, "\"", 1, 0, NULL), 0);
	assert_string_equal(b.ptr, "ab\\\"");
	ew_buf_free(&b);
}

/* A large input: nothing is lost or reordered (catches reserve/size arithmetic mistakes). */
static void test_large_inputs(void **state)
{
	(void)state;
	enum { N = 100000 };
	static char in[N];
	for (size_t i = 0; i < N; i++)
		in[i] = (char)(i % 3 == 0 ? 0xff : i % 3 == 1 ? '\n' : 'x');
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_json_str(&b, in, N), 0);
	/* 0xff -> 6 bytes, \n -> 2, x -> 1, plus quotes. */
	size_t thirds = (N + 2) / 3, seconds = (N + 1) / 3, rest = N / 3;
	assert_int_equal(b.len, 2 + thirds * 6 + seconds * 2 + rest);
	assert_memory_equal(b.ptr, "\"\\udcff\\nx\\udcff", 16);
	assert_int_equal(b.ptr[b.len - 1], '"');
	ew_buf_clear(&b);
	assert_int_equal(ew_cescape(&b, in, N, 0, NULL), 0);
	assert_int_equal(b.len, thirds * 4 + seconds * 2 + rest);
	ew_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_boundaries),
		cmocka_unit_test(test_utf8_all_code_points),
		cmocka_unit_test(test_utf8_all_short_sequences),
		cmocka_unit_test(test_json_ascii),
		cmocka_unit_test(test_json_controls),
		cmocka_unit_test(test_json_utf8_copied),
		cmocka_unit_test(test_json_invalid_bytes),
		cmocka_unit_test(test_json_every_byte),
		cmocka_unit_test(test_json_appends),
		cmocka_unit_test(test_json_estr_strv),
		cmocka_unit_test(test_cescape_basic),
		cmocka_unit_test(test_cescape_every_byte),
		cmocka_unit_test(test_cescape_limit),
		cmocka_unit_test(test_large_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
