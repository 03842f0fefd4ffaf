/* test_efi_mmap.c - boot/efi_mmap.c: UEFI memory descriptors (UEFI 2.10
 * §7.2.3) into boot_info ranges. Maps are built in exactly-sized heap
 * buffers so ASan catches any read past map_size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/boot_info.h>
#include <plinth/string.h>
#include "host_support.h"

struct efi_desc {            /* EFI_MEMORY_DESCRIPTOR */
	uint32_t type, pad;
	uint64_t phys, virt, pages, attr;
};

#define ATTR_WB      0x8ULL
#define ATTR_SP      (1ULL << 18)
#define ATTR_RUNTIME (1ULL << 63)

/* A map of n descriptors desc_size apart (desc_size >= 40; extra bytes 0xee). */
static uint8_t *build_map(const struct efi_desc *d, size_t n, size_t desc_size)
{
	uint8_t *map = malloc(n * desc_size + (n == 0));
	assert_non_null(map);
	memset(map, 0xee, n * desc_size);
	for (size_t i = 0; i < n; i++)
		memcpy(map + i * desc_size, &d[i], sizeof(d[i]));
	return map;
}

static struct boot_info *new_bi(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	assert_non_null(bi);
	boot_info_init(bi, BOOT_LOADER_EFI);
	host_log_reset();
	return bi;
}

static void test_types(void **state)
{
	/* One page each, at distinct addresses 2 pages apart, one per type 0..16. */
	struct efi_desc d[17];
	memset(d, 0, sizeof(d));
	for (uint32_t t = 0; t < 17; t++) {
		d[t].type = t;
		d[t].phys = 0x100000 + t * 0x2000;
		d[t].pages = 1;
		d[t].attr = ATTR_WB;
	}
	d[16].type = 0x80000001;   /* OS-defined */
	static const uint32_t expect[17] = {
		BOOT_MEM_RESERVED,                                   /* 0 reserved */
		BOOT_MEM_USABLE, BOOT_MEM_USABLE,                    /* 1,2 loader */
		BOOT_MEM_USABLE, BOOT_MEM_USABLE,                    /* 3,4 boot services */
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,                /* 5,6 runtime */
		BOOT_MEM_USABLE,                                     /* 7 conventional */
		BOOT_MEM_RESERVED,                                   /* 8 unusable */
		BOOT_MEM_ACPI_RECLAIM, BOOT_MEM_ACPI_NVS,            /* 9,10 */
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,                /* 11,12 MMIO */
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,                /* 13 PAL, 14 persistent */
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,                /* 15 unaccepted, OS */
	};
	struct boot_info *bi = new_bi();
	uint8_t *map = build_map(d, 17, 48);
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 17 * 48, 48), 0);
	assert_int_equal(bi->mem_count, 17);
	assert_int_equal(bi->efi_mmap_entries, 17);
	for (uint32_t t = 0; t < 17; t++) {
		assert_int_equal(bi->mem[t].base, d[t].phys);
		assert_int_equal(bi->mem[t].length, 0x1000);
		assert_int_equal(bi->mem[t].type, expect[t]);
	}
	free(map);
	free(bi);
}

static void test_attributes(void **state)
{
	struct efi_desc d[] = {
		{ .type = 7, .phys = 0x0,      .pages = 16, .attr = ATTR_WB },
		{ .type = 7, .phys = 0x10000,  .pages = 16, .attr = ATTR_WB | ATTR_RUNTIME },
		{ .type = 3, .phys = 0x20000,  .pages = 16, .attr = ATTR_WB | ATTR_RUNTIME },
		{ .type = 7, .phys = 0x30000,  .pages = 16, .attr = ATTR_WB | ATTR_SP },
		{ .type = 9, .phys = 0x40000,  .pages = 16, .attr = ATTR_RUNTIME },
		{ .type = 7, .phys = 0x50000,  .pages = 16, .attr = 0 },   /* no WB: still RAM */
	};
	struct boot_info *bi = new_bi();
	uint8_t *map = build_map(d, 6, 40);
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 6 * 40, 40), 0);
	/* usable, reserved x3 (merged), ACPI, usable */
	assert_int_equal(bi->mem_count, 4);
	assert_int_equal(bi->mem[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi->mem[1].base, 0x10000);
	assert_int_equal(bi->mem[1].length, 0x30000);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mem[2].type, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(bi->mem[3].type, BOOT_MEM_USABLE);
	free(map);
	free(bi);
}

static void test_merge_and_overlap(void **state)
{
	/* Firmware maps list adjacent conventional/boot-services runs: one
	 * usable range. An overlapping runtime descriptor wins. Unsorted. */
	struct efi_desc d[] = {
		{ .type = 4, .phys = 0x200000, .pages = 0x100 },
		{ .type = 7, .phys = 0x100000, .pages = 0x100 },
		{ .type = 7, .phys = 0x300000, .pages = 0x100 },
		{ .type = 6, .phys = 0x280000, .pages = 0x10, .attr = ATTR_RUNTIME },
		{ .type = 7, .phys = 0x500000, .pages = 0 },   /* empty: ignored */
	};
	struct boot_info *bi = new_bi();
	uint8_t *map = build_map(d, 5, 40);
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 5 * 40, 40), 0);
	assert_int_equal(bi->mem_count, 3);
	assert_int_equal(bi->mem[0].base, 0x100000);
	assert_int_equal(bi->mem[0].length, 0x180000);
	assert_int_equal(bi->mem[1].base, 0x280000);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mem[2].base, 0x290000);
	assert_int_equal(bi->mem[2].length, 0x170000);
	assert_int_equal(boot_info_usable_bytes(bi), 0x300000 - 0x10000);
	free(map);
	free(bi);
}

static void test_bad_geometry(void **state)
{
	struct efi_desc d[2] = {
		{ .type = 7, .phys = 0x1000, .pages = 1 },
		{ .type = 7, .phys = 0x3000, .pages = 1 },
	};
	uint8_t *map = build_map(d, 2, 48);
	struct boot_info *bi = new_bi();

	assert_int_equal(boot_info_add_efi_mmap(bi, map, 2 * 48, 39), -EINVAL);
	assert_true(host_log_contains("descriptor size 39"));
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 2 * 48, 0), -EINVAL);
	host_log_reset();
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 2 * 48 - 8, 48), -EINVAL);
	assert_true(host_log_contains("not a multiple"));
	assert_int_equal(boot_info_add_efi_mmap(bi, NULL, 48, 48), -EINVAL);
	assert_int_equal(bi->mem_count, 0);
	assert_int_equal(bi->efi_mmap_entries, 0);
	/* An empty map is no error, and adds nothing. */
	assert_int_equal(boot_info_add_efi_mmap(bi, NULL, 0, 48), 0);
	assert_int_equal(bi->mem_count, 0);
	free(map);
	free(bi);
}

/* A bad descriptor anywhere rejects the whole map before anything is added. */
static void expect_bad_descriptor(struct efi_desc bad, const char *msg)
{
	struct efi_desc d[3] = {
		{ .type = 7, .phys = 0x1000, .pages = 1 },
		{ .type = 7, .phys = 0x3000, .pages = 1 },
		bad,
	};
	uint8_t *map = build_map(d, 3, 40);
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 3 * 40, 40), -EINVAL);
	assert_true(host_log_contains(msg));
	assert_true(host_log_contains("descriptor 2"));
	assert_int_equal(bi->mem_count, 0);
	assert_int_equal(bi->efi_mmap_entries, 0);
	free(map);
	free(bi);
}

static void test_bad_descriptors(void **state)
{
	expect_bad_descriptor((struct efi_desc){ .type = 7, .phys = 0x5800, .pages = 1 },
			      "not 4 KiB aligned");
	expect_bad_descriptor((struct efi_desc){ .type = 7, .phys = 0, .pages = 1ULL << 52 },
			      "overflows");
	expect_bad_descriptor((struct efi_desc){ .type = 7, .phys = 0xfffffffffff00000ULL,
						 .pages = 0x101 }, "wraps");
}

static void test_to_top_of_address_space(void **state)
{
	/* pages * 4096 just fits and ends at the last byte. */
	struct efi_desc d = { .type = 11, .phys = 0xfffffffffff00000ULL, .pages = 0x100 };
	uint8_t *map = build_map(&d, 1, 40);
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_efi_mmap(bi, map, 40, 40), 0);
	assert_int_equal(bi->mem_count, 1);
	assert_int_equal(bi->mem[0].length, 0x100000);
	free(map);
	free(bi);
}

static void test_too_many(void **state)
{
	/* More separate ranges than boot_info holds: -ENOSPC, not an overrun. */
	size_t n = BOOT_MAX_MEM_RANGES + 10;
	struct efi_desc *d = calloc(n, sizeof(*d));
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		d[i].type = (i & 1) ? 7 : 0;   /* alternating types never merge */
		d[i].phys = i * 0x1000;
		d[i].pages = 1;
	}
	uint8_t *map = build_map(d, n, 40);
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_efi_mmap(bi, map, n * 40, 40), -ENOSPC);
	assert_int_equal(bi->mem_count, BOOT_MAX_MEM_RANGES);
	assert_true(host_log_contains("memory map full"));
	free(map);
	free(d);
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_merge_and_overlap),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_bad_descriptors),
		cmocka_unit_test(test_to_top_of_address_space),
		cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
