/* test_strutil.c - lib/strutil.c: str_copy, str_parse_u64, str_basename. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <plinth/string.h>
#include "host_support.h"

/* Parse a whole C string. */
static int parse(const char *s, bool suffix, uint64_t *out)
{
	return str_parse_u64(s, strlen(s), suffix, out);
}

static void test_copy_fits(void **state)
{
	char buf[8];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(str_copy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(str_copy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Exactly size-1 characters fit. */
	assert_int_equal(str_copy(buf, "1234567", sizeof(buf)), 7);
	assert_string_equal(buf, "1234567");
}

static void test_copy_truncates(void **state)
{
	char buf[4];
	assert_int_equal(str_copy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	/* size 1: only the terminator. */
	assert_int_equal(str_copy(buf, "abcdef", 1), 6);
	assert_string_equal(buf, "");
	/* size 0: nothing written. */
	buf[0] = 'q';
	assert_int_equal(str_copy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'q');
}

static void test_parse_decimal(void **state)
{
	uint64_t v = 1;
	assert_int_equal(parse("0", false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse("12345", false, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(parse("007", false, &v), 0);   /* leading zeros: still decimal */
	assert_int_equal(v, 7);
	assert_int_equal(parse("18446744073709551615", false, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_parse_hex(void **state)
{
	uint64_t v = 0;
	assert_int_equal(parse("0x3F8", false, &v), 0);
	assert_int_equal(v, 0x3f8);
	assert_int_equal(parse("0XdeadBEEF", false, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(parse("0xffffffffffffffff", false, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse("0x0000000000000000001", false, &v), 0);
	assert_int_equal(v, 1);
}

static void test_parse_suffix(void **state)
{
	uint64_t v = 0;
	assert_int_equal(parse("4K", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse("16m", true, &v), 0);
	assert_int_equal(v, 16ULL << 20);
	assert_int_equal(parse("2G", true, &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse("0x10k", true, &v), 0);
	assert_int_equal(v, 16 * 1024);
	/* Suffixes only when allowed. */
	assert_int_equal(parse("4K", false, &v), -EINVAL);
	/* A hex digit is not a suffix: 0x1B is 27 either way. */
	assert_int_equal(parse("0x1B", true, &v), 0);
	assert_int_equal(v, 0x1b);
}

static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"", "K", "0x", "0xK", "-1", "+1", " 1", "1 ", "12a", "0x1h", "1KK",
		"1.5", "0b101", "x10", "1T", "0x-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;
		assert_int_equal(parse(bad[i], true, &v), -EINVAL);
		assert_int_equal(v, 42);   /* untouched on error */
	}
	uint64_t v = 42;
	assert_int_equal(str_parse_u64(NULL, 3, false, &v), -EINVAL);
	/* An embedded NUL inside len is garbage, not an early end. */
	assert_int_equal(str_parse_u64("12\0003", 4, false, &v), -EINVAL);
	assert_int_equal(v, 42);
}

static void test_parse_consumes_exactly_len(void **state)
{
	uint64_t v = 0;
	/* Only the first len bytes count: "123" of "12345". */
	assert_int_equal(str_parse_u64("12345", 3, false, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(str_parse_u64("0x10,9600", 4, false, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(str_parse_u64("8Kx", 2, true, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(str_parse_u64("5", 0, false, &v), -EINVAL);
}

static void test_parse_overflow(void **state)
{
	uint64_t v = 42;
	assert_int_equal(parse("18446744073709551616", false, &v), -ERANGE);
	assert_int_equal(parse("99999999999999999999999", false, &v), -ERANGE);
	assert_int_equal(parse("0x10000000000000000", false, &v), -ERANGE);
	assert_int_equal(v, 42);
	/* The suffix pushes it over. */
	assert_int_equal(parse("17179869184G", true, &v), -ERANGE);   /* 2^34 G = 2^64 */
	assert_int_equal(parse("17179869183G", true, &v), 0);
	assert_true(v == (17179869183ULL << 30));
	assert_int_equal(parse("0xfffffffffffffK", true, &v), 0);
	assert_int_equal(parse("0x40000000000000K", true, &v), -ERANGE);
	/* Overflow followed by garbage is garbage. */
	assert_int_equal(parse("99999999999999999999999z", false, &v), -EINVAL);
}

static void test_basename(void **state)
{
	assert_string_equal(str_basename("/boot/guest.elf"), "guest.elf");
	assert_string_equal(str_basename("guest.elf"), "guest.elf");
	assert_string_equal(str_basename("/guest.elf"), "guest.elf");
	assert_string_equal(str_basename("a/b/c"), "c");
	assert_string_equal(str_basename("/boot/"), "");
	assert_string_equal(str_basename(""), "");
	assert_string_equal(str_basename(NULL), "");
	const char *p = "/x/y";
	assert_ptr_equal(str_basename(p), p + 3);   /* points into the path */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_fits),
		cmocka_unit_test(test_copy_truncates),
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_parse_suffix),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_consumes_exactly_len),
		cmocka_unit_test(test_parse_overflow),
		cmocka_unit_test(test_basename),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
