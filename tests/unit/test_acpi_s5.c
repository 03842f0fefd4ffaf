/* test_acpi_s5.c - the \_S5 finder (drivers/acpi/acpi_aml_s5.c): AML
 * encodings of Name(_S5, Package(){...}) seen in firmware (byte constants,
 * ZeroOp/OneOp, root and parent prefixes, 1- to 4-byte PkgLength, the
 * one-integer legacy form), decoys that merely contain "_S5_", and
 * malformed or truncated packages, plus random bytes under the sanitizers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/acpi.h>
#include "host_support.h"

static uint8_t typa, typb;

/* Run the finder over a heap copy of exactly 'len' bytes, so ASan catches
 * any read past the end. */
static int find(const uint8_t *aml, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, aml, len);
	typa = typb = 0xEE;
	int rc = acpi_aml_find_s5(copy, len, len, &typa, &typb);
	free(copy);
	return rc;
}

#define FIND(arr) find((arr), sizeof(arr))

static void test_byte_constants(void **state)
{
	(void)state;
	/* Name(_S5, Package(4){0x05, 0x07, 0, 0}) as iasl emits it. */
	static const uint8_t aml[] = {
		0xA3, 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0A, 0x05, 0x0A, 0x07, 0x00, 0x00,
	};
	host_log_reset();
	assert_int_equal(FIND(aml), 0);
	assert_int_equal(typa, 5);
	assert_int_equal(typb, 7);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

static void test_zero_one_and_prefixes(void **state)
{
	(void)state;
	/* QEMU's form: Name(_S5, Package(4){Zero, Zero, Zero, Zero}). */
	static const uint8_t qemu[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	assert_int_equal(FIND(qemu), 0);
	assert_int_equal(typa, 0);
	assert_int_equal(typb, 0);

	/* Name(\_S5, Package(2){One, Zero}). */
	static const uint8_t rooted[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x00,
	};
	assert_int_equal(FIND(rooted), 0);
	assert_int_equal(typa, 1);
	assert_int_equal(typb, 0);

	/* Name(^^_S5, ...) inside a nested scope. */
	static const uint8_t parent[] = {
		0x08, '^', '^', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x03, 0x01,
	};
	assert_int_equal(FIND(parent), 0);
	assert_int_equal(typa, 3);
	assert_int_equal(typb, 1);
}

static void test_wider_constants(void **state)
{
	(void)state;
	/* WordConst 6, DWordConst 2. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x02,
		0x0B, 0x06, 0x00, 0x0C, 0x02, 0x00, 0x00, 0x00,
	};
	assert_int_equal(FIND(aml), 0);
	assert_int_equal(typa, 6);
	assert_int_equal(typb, 2);

	/* QWordConst 4, QWordConst 4. */
	static const uint8_t q[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x14, 0x02,
		0x0E, 4, 0, 0, 0, 0, 0, 0, 0, 0x0E, 4, 0, 0, 0, 0, 0, 0, 0,
	};
	assert_int_equal(FIND(q), 0);
	assert_int_equal(typa, 4);
	assert_int_equal(typb, 4);
}

static void test_multibyte_pkglength(void **state)
{
	(void)state;
	/* A package of 2 + 40 elements (Zero), PkgLength in 2 bytes:
	 * 2 (PkgLength) + 1 (NumElements) + 4 + 40 = 47 = 0x2F -> 0x4F 0x02. */
	uint8_t aml[64];
	size_t n = 0;
	memcpy(aml, "\x08_S5_\x12", 6);
	n = 6;
	aml[n++] = 0x40 | 0x0F;                  /* one following byte, low nibble 0xF */
	aml[n++] = 0x02;                         /* 0x2F = 47 */
	aml[n++] = 42;
	aml[n++] = 0x0A; aml[n++] = 2;
	aml[n++] = 0x0A; aml[n++] = 3;
	memset(aml + n, 0, 40);
	n += 40;
	assert_int_equal(find(aml, n), 0);
	assert_int_equal(typa, 2);
	assert_int_equal(typb, 3);

	/* 3- and 4-byte PkgLength encodings (of 8 and 9). */
	static const uint8_t three[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x88, 0x00, 0x00, 0x02, 0x0A, 0x01, 0x0A, 0x01,
	};
	assert_int_equal(FIND(three), 0);
	assert_int_equal(typa, 1);
	static const uint8_t four[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0xC9, 0x00, 0x00, 0x00, 0x02, 0x0A, 0x07, 0x0A, 0x07,
	};
	assert_int_equal(FIND(four), 0);
	assert_int_equal(typa, 7);
	assert_int_equal(typb, 7);
}

static void test_legacy_single_integer(void **state)
{
	(void)state;
	/* Package(1){0x0705}: SLP_TYPa 5, SLP_TYPb 7. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0B, 0x05, 0x07,
	};
	assert_int_equal(FIND(aml), 0);
	assert_int_equal(typa, 5);
	assert_int_equal(typb, 7);
}

static void test_decoys_and_absence(void **state)
{
	(void)state;
	/* Method(_S5_) with PkgLength 8: "08 _S5_" without a PackageOp; a
	 * string containing "_S5_"; a reference \_S5_ as an operand; then
	 * the real declaration, which must be the one found. */
	static const uint8_t aml[] = {
		0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xA4, 0x00, 0x00,
		0x0D, 'x', '_', 'S', '5', '_', 0x00,
		0x70, '\\', '_', 'S', '5', '_', 0x60,
		0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x0A, 0x04,
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x02, 0x01,
	};
	host_log_reset();
	assert_int_equal(FIND(aml), 0);
	assert_int_equal(typa, 2);
	assert_int_equal(typb, 1);
	assert_int_equal(host_log_count(LOG_WARN), 0);

	/* Only the decoys: not found, nothing written. */
	assert_int_equal(find(aml, 24), -ENOENT);
	assert_int_equal(typa, 0xEE);
	assert_int_equal(find(aml, 0), -ENOENT);
	/* Name(_S5_) that is an integer, not a package: not an \_S5 package. */
	static const uint8_t integer[] = { 0x08, '_', 'S', '5', '_', 0x0A, 0x05 };
	assert_int_equal(FIND(integer), -ENOENT);
}

static void test_scan_len_limits_start(void **state)
{
	(void)state;
	static const uint8_t aml[] = {
		0xA3, 0xA3, 0xA3, 0xA3,
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x05, 0x00,
	};
	/* NameOp at 4: a scan that stops before it does not see it ... */
	assert_int_equal(acpi_aml_find_s5(aml, sizeof(aml), 4, &typa, &typb), -ENOENT);
	/* ... one that includes its first byte decodes it whole, using the
	 * look-ahead past scan_len. */
	assert_int_equal(acpi_aml_find_s5(aml, sizeof(aml), 5, &typa, &typb), 0);
	assert_int_equal(typa, 5);
	/* scan_len beyond len is clamped. */
	assert_int_equal(acpi_aml_find_s5(aml, sizeof(aml), 1000, &typa, &typb), 0);
}

/* Each malformed input must give -EINVAL and a warning naming \_S5. */
static void expect_invalid(const uint8_t *aml, size_t len, const char *why)
{
	host_log_reset();
	assert_int_equal(find(aml, len), -EINVAL);
	assert_true(host_log_count(LOG_WARN) >= 1);
	assert_true(host_log_contains("_S5"));
	if (why)
		assert_true(host_log_contains(why));
	assert_int_equal(typa, 0xEE);           /* outputs untouched */
	assert_int_equal(typb, 0xEE);
}

static void test_malformed(void **state)
{
	(void)state;
	static const uint8_t good[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00,
	};
	/* Truncated at every point from just after the name to inside the
	 * second element. */
	expect_invalid(good, 5, "ends right after");
	expect_invalid(good, 6, "length");
	expect_invalid(good, 7, "element count");
	for (size_t len = 8; len < 12; len++)
		expect_invalid(good, len, "truncated");
	/* Cut after the two elements wanted: still fine. */
	assert_int_equal(find(good, 12), 0);

	/* PkgLength reserved bits 5:4 set in a multi-byte lead. */
	static const uint8_t reserved[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x70, 0x00, 0x02, 0x0A, 0x05, 0x0A, 0x05,
	};
	expect_invalid(reserved, sizeof(reserved), "length");
	/* PkgLength too short for NumElements, and for its elements. */
	static const uint8_t tiny[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02, 0x00, 0x00 };
	expect_invalid(tiny, sizeof(tiny), "no room");
	static const uint8_t short_pkg[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0A, 0x05, 0x0A, 0x05,
	};
	expect_invalid(short_pkg, sizeof(short_pkg), "truncated");
	/* Multi-byte PkgLength cut off. */
	static const uint8_t cut_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xC0, 0x00 };
	expect_invalid(cut_len, sizeof(cut_len), "length");
	/* Empty package. */
	static const uint8_t empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };
	expect_invalid(empty, sizeof(empty), "empty");
	/* A string element. */
	static const uint8_t str[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0D, 'a', 0x00, 0x00, 0x00,
	};
	expect_invalid(str, sizeof(str), "other than integer");
	/* A nested package as the second element. */
	static const uint8_t nested[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x00, 0x12, 0x02, 0x00,
	};
	expect_invalid(nested, sizeof(nested), "other than integer");
	/* Values that do not fit SLP_TYP's 3 bits. */
	static const uint8_t big[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0A, 0x08, 0x0A, 0x00,
	};
	expect_invalid(big, sizeof(big), "3-bit");
	static const uint8_t ones[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0xFF,
	};
	expect_invalid(ones, sizeof(ones), "3-bit");
	static const uint8_t word[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0B, 0x05, 0x01, 0x00,
	};
	expect_invalid(word, sizeof(word), "3-bit");
	/* A truncated QWordConst. */
	static const uint8_t qcut[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x0C, 0x02, 0x0E, 1, 0, 0, 0, 0,
	};
	expect_invalid(qcut, sizeof(qcut), "truncated");
}

/* Random bytes, with "_S5_" declarations spliced in at random places: the
 * result is always one of the three codes, and valid results fit 3 bits. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint64_t seed = 12345;
	unsigned found = 0, invalid = 0;
	uint8_t buf[96];

	for (unsigned iter = 0; iter < 20000; iter++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint8_t b = (uint8_t)(seed >> 56);
			/* Bias towards the bytes that matter. */
			static const uint8_t hot[] = { 0x08, 0x12, 0x0A, 0x0B, 0x0E, 0x00, 0x01, 0xFF, '\\', '^' };
			buf[i] = (seed >> 20) & 1 ? hot[b % sizeof(hot)] : b;
		}
		/* NameOp, name, PackageOp, a small PkgLength and NumElements. */
		size_t at = (size_t)((seed >> 8) % 80);
		const uint8_t decl[8] = { 0x08, '_', 'S', '5', '_', 0x12,
					  (uint8_t)((seed >> 40) % 12), (uint8_t)((seed >> 44) % 4) };
		memcpy(buf + at, decl, MIN(sizeof(decl), sizeof(buf) - at));
		size_t len = (size_t)((seed >> 30) % (sizeof(buf) + 1));
		int rc = find(buf, len);
		assert_true(rc == 0 || rc == -ENOENT || rc == -EINVAL);
		if (rc == 0) {
			assert_true(typa <= 7 && typb <= 7);
			found++;
		}
		invalid += rc == -EINVAL;
	}
	assert_true(found > 100);
	assert_true(invalid > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_constants),
		cmocka_unit_test(test_zero_one_and_prefixes),
		cmocka_unit_test(test_wider_constants),
		cmocka_unit_test(test_multibyte_pkglength),
		cmocka_unit_test(test_legacy_single_integer),
		cmocka_unit_test(test_decoys_and_absence),
		cmocka_unit_test(test_scan_len_limits_start),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random_bytes),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
