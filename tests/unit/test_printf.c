/* Host tests for lib/printf.c against the C library's snprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>

#include <plinth/printf.h>

/* These tests feed deliberately odd formats (flags C ignores, unknown
 * conversions, NULL strings) to check plinth behaves like the C library. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-overflow"
#endif

#define CHECK(...) do { \
	char a[256], b[256]; \
	int na = ksnprintf(a, sizeof(a), __VA_ARGS__); \
	int nb = snprintf(b, sizeof(b), __VA_ARGS__); \
	assert_string_equal(a, b); \
	assert_int_equal(na, nb); \
} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("%d %i %u", 0, -1, 4000000000u);
	CHECK("%d", -2147483647 - 1);
	CHECK("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	CHECK("%ld %lu %lx", -5L, 5UL, 0xdeadbeefUL);
	CHECK("%x %X %o", 0xabcdefu, 0xabcdefu, 0755u);
	CHECK("%#x %#X %#o %#x %#o", 0x1fu, 0x1fu, 8u, 0u, 0u);
	CHECK("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	CHECK("%zu %zx", (size_t)12345, (size_t)0xffff);
}

static void test_width_precision_flags(void **state)
{
	(void)state;
	CHECK("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	CHECK("[%05d] [%-05d] [%+05d]", -42, -42, 42);
	CHECK("[%.3d] [%8.3d] [%-8.3d] [%08.3d]", 7, 7, 7, 7);
	CHECK("[%.0d] [%.0x] [%5.0d]", 0, 0u, 0);
	CHECK("[%*d] [%-*d] [%.*d]", 6, 1, 6, 1, 4, 1);
	CHECK("[%*d]", -6, 1);
	CHECK("[%016llx] [%#018llx]", 0x1234ULL, 0x1234ULL);
	CHECK("[%5llu.%06llu]", 12ULL, 3456ULL);
}

static void test_strings_chars(void **state)
{
	(void)state;
	CHECK("[%s] [%10s] [%-10s] [%.2s] [%10.2s]", "abc", "abc", "abc", "abc", "abc");
	CHECK("[%c] [%3c] [%-3c]", 'x', 'y', 'z');
	CHECK("100%%");
	char buf[32];
	ksnprintf(buf, sizeof(buf), "%s", (char *)NULL);
	assert_string_equal(buf, "(null)");
}

static void test_pointer(void **state)
{
	(void)state;
	char a[64], b[64];
	void *p = (void *)0xffff800000001000ULL;
	ksnprintf(a, sizeof(a), "%p", p);
	snprintf(b, sizeof(b), "%p", p);
	assert_string_equal(a, b);
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = ksnprintf(buf, sizeof(buf), "hello %s", "world");
	assert_int_equal(n, 11);               /* the length it would have had */
	assert_string_equal(buf, "hello w");   /* NUL-terminated within size */
	n = ksnprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 0);
	/* size 0 writes nothing at all */
	buf[0] = 'Q';
	n = ksnprintf(buf, 0, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 'Q');
}

static void test_unknown_conversion(void **state)
{
	(void)state;
	char buf[32];
	ksnprintf(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	/* a lone '%' at the end is dropped, not read past */
	ksnprintf(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_precision_flags),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
