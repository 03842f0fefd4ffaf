/* test_vsmbios.c - a VM's SMBIOS tables (vmm/vsmbios.c), read back the
 * way a kernel's DMI scan does: the "_SM3_" entry point and its checksum,
 * the table address and size, every structure's header, formatted length
 * and string set, the strings the structures point at, unique handles,
 * the end marker last, the UUID's version and variant and its stability;
 * bad input (misaligned address, no name) and every too-small buffer,
 * which must fail without writing past its end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vsmbios.h"
#include "host_support.h"

static uint8_t buf[VSMBIOS_MAX_SIZE];

static uint32_t g32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t g64(const uint8_t *p) { return g32(p) | (uint64_t)g32(p + 4) << 32; }

/* String n (from 1) of the structure at s, or NULL. */
static const char *string_of(const uint8_t *s, unsigned n)
{
	const char *p = (const char *)s + s[1];

	if (n == 0)
		return NULL;
	while (--n && *p)
		p += strlen(p) + 1;
	return *p ? p : NULL;
}

/* Walk the table: returns the number of structures; types[] gets them. */
static unsigned walk(const uint8_t *t, size_t len, uint8_t *types, const uint8_t **at)
{
	size_t pos = 0;
	unsigned n = 0;
	uint16_t handles[16];

	while (pos < len) {
		const uint8_t *s = t + pos;
		const uint8_t *p;

		assert_true(pos + 4 <= len);
		assert_true(s[1] >= 4);
		assert_true(n < 16);
		handles[n] = (uint16_t)(s[2] | s[3] << 8);
		for (unsigned i = 0; i < n; i++)
			assert_int_not_equal(handles[i], handles[n]);
		types[n] = s[0];
		at[n++] = s;
		/* The string set ends with a double NUL, inside the table. */
		p = s + s[1];
		while (!(p[0] == 0 && p[1] == 0)) {
			p++;
			assert_true((size_t)(p - t) + 1 < len);
		}
		pos = (size_t)(p - t) + 2;
		if (s[0] == 127)
			break;
	}
	assert_int_equal(pos, len);       /* nothing after the end marker */
	return n;
}

static void test_tables(void **state)
{
	const struct vsmbios_config c = { .vm_name = "linux" };
	uint8_t types[16];
	const uint8_t *at[16];
	uint8_t sum = 0;
	int n = vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA, &c);
	unsigned count;
	const uint8_t *t;
	uint32_t len;

	assert_true(n > 0x20);
	/* The entry point: anchor, length, version, checksum over 0x18 bytes. */
	assert_memory_equal(buf, "_SM3_", 5);
	assert_int_equal(buf[6], 0x18);
	assert_int_equal(buf[7], 3);
	assert_int_equal(buf[10], 1);
	for (unsigned i = 0; i < 0x18; i++)
		sum = (uint8_t)(sum + buf[i]);
	assert_int_equal(sum, 0);
	len = g32(buf + 12);
	assert_int_equal(g64(buf + 16), VSMBIOS_GPA + 0x20);
	assert_int_equal(0x20 + len, (unsigned)n);
	t = buf + 0x20;
	count = walk(t, len, types, at);
	assert_int_equal(count, 5);
	assert_int_equal(types[0], 0);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[2], 3);
	assert_int_equal(types[3], 32);
	assert_int_equal(types[4], 127);
	/* BIOS: vendor, version, date; a virtual machine. */
	assert_int_equal(at[0][1], 0x1A);
	assert_string_equal(string_of(at[0], at[0][4]), "plinth");
	assert_string_equal(string_of(at[0], at[0][8]), "01/01/2026");
	assert_int_equal(at[0][0x13] & 0x10, 0x10);
	/* System: manufacturer, product, serial = the VM's name; UUID v4. */
	assert_int_equal(at[1][1], 0x1B);
	assert_string_equal(string_of(at[1], at[1][4]), "plinth");
	assert_string_equal(string_of(at[1], at[1][5]), "plinth VM");
	assert_string_equal(string_of(at[1], at[1][7]), "linux");
	assert_int_equal(at[1][8 + 7] >> 4, 4);
	assert_int_equal(at[1][8 + 8] >> 6, 2);
	assert_null(string_of(at[1], at[1][0x19]));      /* SKU: none */
	assert_int_equal(at[2][1], 0x15);
	assert_int_equal(at[3][1], 0x0B);
	assert_int_equal(at[4][1], 4);
}

static void test_uuid_stable(void **state)
{
	static uint8_t other[VSMBIOS_MAX_SIZE];
	struct vsmbios_config c = { .vm_name = "linux" };
	int n = vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA, &c);

	assert_int_equal(vsmbios_build(other, sizeof(other), VSMBIOS_GPA, &c), n);
	assert_memory_equal(buf, other, (size_t)n);
	/* Another name (same length): a different UUID too. */
	c.vm_name = "linuy";
	assert_int_equal(vsmbios_build(other, sizeof(other), VSMBIOS_GPA, &c), n);
	assert_memory_not_equal(buf + 0x20, other + 0x20, 0x60);
}

static void test_refused(void **state)
{
	const struct vsmbios_config c = { .vm_name = "linux" };
	const struct vsmbios_config unnamed = { .vm_name = "" };
	int full = vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA, &c);

	host_log_reset();
	assert_int_equal(vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA + 8, &c), -EINVAL);
	assert_int_equal(vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA, &unnamed), -EINVAL);
	assert_int_equal(vsmbios_build(buf, sizeof(buf), VSMBIOS_GPA, NULL), -EINVAL);
	assert_true(host_log_contains("16-byte aligned"));
	/* Every smaller buffer fails, and ASan sees no write past its end. */
	for (int size = 0; size < full; size++) {
		uint8_t *small = malloc((size_t)size);
		assert_non_null(small);
		assert_int_equal(vsmbios_build(small, (size_t)size, VSMBIOS_GPA, &c), -ENOSPC);
		free(small);
	}
	assert_true(host_log_contains("too few"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_uuid_stable),
		cmocka_unit_test(test_refused),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
