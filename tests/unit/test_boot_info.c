/* test_boot_info.c - boot/boot_info.c: the memory map (sorting, overlap
 * resolution, merging, limits), module lookup and the boot summary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/boot_info.h>
#include <plinth/string.h>
#include "host_support.h"

static struct boot_info *new_bi(void)
{
	struct boot_info *bi = malloc(sizeof(*bi));
	assert_non_null(bi);
	memset(bi, 0xa5, sizeof(*bi));   /* init must clear everything */
	boot_info_init(bi, BOOT_LOADER_MULTIBOOT2);
	host_log_reset();
	return bi;
}

static void expect_range(const struct boot_info *bi, uint32_t i, uint64_t base,
			 uint64_t length, uint32_t type)
{
	assert_true(i < bi->mem_count);
	assert_int_equal(bi->mem[i].base, base);
	assert_int_equal(bi->mem[i].length, length);
	assert_int_equal(bi->mem[i].type, type);
}

/* The array invariants: sorted, non-overlapping, non-empty ranges, and no
 * two touching ranges of the same type. */
static void check_invariants(const struct boot_info *bi)
{
	assert_true(bi->mem_count <= BOOT_MAX_MEM_RANGES);
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		assert_true(r->length > 0);
		assert_true(r->base + (r->length - 1) >= r->base);
		assert_true(r->type >= BOOT_MEM_USABLE && r->type <= BOOT_MEM_BAD);
		if (i == 0)
			continue;
		const struct boot_mem_range *p = &bi->mem[i - 1];
		uint64_t p_last = p->base + p->length - 1;
		assert_true(p_last < r->base);
		if (p_last + 1 == r->base)
			assert_int_not_equal(p->type, r->type);
	}
}

static void test_init(void **state)
{
	struct boot_info *bi = new_bi();
	assert_true(bi->magic == BOOT_INFO_MAGIC);
	assert_int_equal(bi->version, BOOT_INFO_VERSION);
	assert_int_equal(bi->loader, BOOT_LOADER_MULTIBOOT2);
	assert_int_equal(bi->mem_count, 0);
	assert_int_equal(bi->module_count, 0);
	assert_int_equal(bi->cmdline[0], 0);
	assert_int_equal(bi->kernel_end, 0);
	free(bi);
}

static void test_sorted_insert(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0x100000, 0x100000, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0, 0x9f000, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0xf0000, 0x10000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x9f000, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 4);
	expect_range(bi, 0, 0, 0x9f000, BOOT_MEM_USABLE);
	expect_range(bi, 1, 0x9f000, 0x1000, BOOT_MEM_RESERVED);
	expect_range(bi, 2, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	expect_range(bi, 3, 0x100000, 0x100000, BOOT_MEM_USABLE);
	check_invariants(bi);
	assert_int_equal(boot_info_usable_bytes(bi), 0x9f000 + 0x100000);
	free(bi);
}

static void test_zero_length_ignored(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0x1000, 0, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, UINT64_MAX, 0, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 0);
	assert_int_equal(host_log_count(LOG_ERR), 0);
	free(bi);
}

static void test_overflow_rejected(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0xfffffffffffff000ULL, 0x2000, BOOT_MEM_USABLE),
			 -EINVAL);
	assert_true(host_log_contains("wraps"));
	assert_int_equal(boot_info_add_mem(bi, 2, UINT64_MAX, BOOT_MEM_RESERVED), -EINVAL);
	assert_int_equal(bi->mem_count, 0);
	/* Up to the very last byte is fine. */
	assert_int_equal(boot_info_add_mem(bi, 0xfffffffffffff000ULL, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(boot_info_add_mem(bi, 0, UINT64_MAX, BOOT_MEM_USABLE), 0);
	expect_range(bi, 0, 0, 0xfffffffffffff000ULL, BOOT_MEM_USABLE);
	expect_range(bi, 1, 0xfffffffffffff000ULL, 0x1000, BOOT_MEM_RESERVED);
	check_invariants(bi);
	free(bi);
}

static void test_bad_type_rejected(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0, 0x1000, 0), -EINVAL);
	assert_int_equal(boot_info_add_mem(bi, 0, 0x1000, 6), -EINVAL);
	assert_true(host_log_contains("unknown type"));
	assert_int_equal(bi->mem_count, 0);
	free(bi);
}

static void test_merge_adjacent(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0x2000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x1000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x3000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, 1);
	expect_range(bi, 0, 0x1000, 0x3000, BOOT_MEM_USABLE);
	/* Different type: touching but separate. Gap: separate. */
	assert_int_equal(boot_info_add_mem(bi, 0x4000, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x6000, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 3);
	/* Filling the gap joins all three reserved pieces into one. */
	assert_int_equal(boot_info_add_mem(bi, 0x5000, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 2);
	expect_range(bi, 1, 0x4000, 0x3000, BOOT_MEM_RESERVED);
	check_invariants(bi);
	free(bi);
}

static void test_reserved_splits_usable(void **state)
{
	struct boot_info *bi = new_bi();
	assert_int_equal(boot_info_add_mem(bi, 0, 0x10000, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x4000, 0x2000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 3);
	expect_range(bi, 0, 0, 0x4000, BOOT_MEM_USABLE);
	expect_range(bi, 1, 0x4000, 0x2000, BOOT_MEM_RESERVED);
	expect_range(bi, 2, 0x6000, 0xa000, BOOT_MEM_USABLE);
	/* Usable over reserved changes nothing there. */
	assert_int_equal(boot_info_add_mem(bi, 0x3000, 0x4000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, 3);
	expect_range(bi, 1, 0x4000, 0x2000, BOOT_MEM_RESERVED);
	check_invariants(bi);
	assert_int_equal(boot_info_usable_bytes(bi), 0xe000);
	free(bi);
}

static void test_type_priority(void **state)
{
	struct boot_info *bi = new_bi();
	/* ACPI reclaim beats reserved in either order. */
	assert_int_equal(boot_info_add_mem(bi, 0, 0x2000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x1000, 0x2000, BOOT_MEM_ACPI_RECLAIM), 0);
	expect_range(bi, 0, 0, 0x1000, BOOT_MEM_RESERVED);
	expect_range(bi, 1, 0x1000, 0x2000, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(boot_info_add_mem(bi, 0x1000, 0x1000, BOOT_MEM_RESERVED), 0);
	expect_range(bi, 1, 0x1000, 0x2000, BOOT_MEM_ACPI_RECLAIM);
	/* NVS beats ACPI reclaim; bad beats NVS. */
	assert_int_equal(boot_info_add_mem(bi, 0x2000, 0x1000, BOOT_MEM_ACPI_NVS), 0);
	expect_range(bi, 2, 0x2000, 0x1000, BOOT_MEM_ACPI_NVS);
	assert_int_equal(boot_info_add_mem(bi, 0, 0x3000, BOOT_MEM_BAD), 0);
	assert_int_equal(bi->mem_count, 1);
	expect_range(bi, 0, 0, 0x3000, BOOT_MEM_BAD);
	check_invariants(bi);
	free(bi);
}

static void test_cover_many(void **state)
{
	struct boot_info *bi = new_bi();
	/* reserved islands, then one usable range across all of them and beyond */
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(boot_info_add_mem(bi, 0x10000 + i * 0x4000, 0x1000,
						   BOOT_MEM_RESERVED), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x8000, 0x20000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, 9);
	expect_range(bi, 0, 0x8000, 0x8000, BOOT_MEM_USABLE);
	expect_range(bi, 1, 0x10000, 0x1000, BOOT_MEM_RESERVED);
	expect_range(bi, 2, 0x11000, 0x3000, BOOT_MEM_USABLE);
	expect_range(bi, 7, 0x1c000, 0x1000, BOOT_MEM_RESERVED);
	expect_range(bi, 8, 0x1d000, 0xb000, BOOT_MEM_USABLE);
	check_invariants(bi);
	/* Now reserved across everything: one range. */
	assert_int_equal(boot_info_add_mem(bi, 0, 0x100000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 1);
	expect_range(bi, 0, 0, 0x100000, BOOT_MEM_RESERVED);
	free(bi);
}

/* BOOT_MAX_MEM_RANGES disjoint, non-touching ranges: index i at i*0x2000. */
static void fill_full(struct boot_info *bi)
{
	for (uint64_t i = 0; i < BOOT_MAX_MEM_RANGES; i++)
		assert_int_equal(boot_info_add_mem(bi, i * 0x2000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, BOOT_MAX_MEM_RANGES);
}

static void test_full(void **state)
{
	struct boot_info *bi = new_bi();
	struct boot_info *copy = malloc(sizeof(*copy));
	assert_non_null(copy);
	fill_full(bi);
	memcpy(copy, bi, sizeof(*bi));

	/* A new separate range does not fit; bi is left as it was. */
	assert_int_equal(boot_info_add_mem(bi, 0x10000000, 0x1000, BOOT_MEM_USABLE), -ENOSPC);
	assert_true(host_log_contains("memory map full"));
	assert_memory_equal(bi, copy, sizeof(*bi));
	/* Splitting a range needs room too. */
	assert_int_equal(boot_info_add_mem(bi, 0x400, 0x100, BOOT_MEM_RESERVED), -ENOSPC);
	assert_memory_equal(bi, copy, sizeof(*bi));

	/* Ranges that merge or only change types fit even when full. */
	assert_int_equal(boot_info_add_mem(bi, 0x1000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, BOOT_MAX_MEM_RANGES - 1);
	assert_int_equal(boot_info_add_mem(bi, 0x4000, 0x1000, BOOT_MEM_BAD), 0);
	assert_int_equal(bi->mem_count, BOOT_MAX_MEM_RANGES - 1);
	/* Usable across everything: gaps become usable, all merge into one
	 * except the bad page, which splits it in two. */
	assert_int_equal(boot_info_add_mem(bi, 0, BOOT_MAX_MEM_RANGES * 0x2000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, 3);
	expect_range(bi, 1, 0x4000, 0x1000, BOOT_MEM_BAD);
	check_invariants(bi);
	free(copy);
	free(bi);
}

/* Compare against a model: 'units' addresses of 0x1000 bytes each, every
 * unit holding the strongest type of every range added over it. */
#define MODEL_UNITS 200
static void test_random_against_model(void **state)
{
	uint32_t seed = 12345;
	for (int round = 0; round < 200; round++) {
		struct boot_info *bi = new_bi();
		uint32_t model[MODEL_UNITS] = { 0 };
		for (int op = 0; op < 40; op++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t start = (seed >> 8) % MODEL_UNITS;
			seed = seed * 1103515245u + 12345u;
			uint32_t len = (seed >> 8) % 30;
			if (start + len > MODEL_UNITS)
				len = MODEL_UNITS - start;
			seed = seed * 1103515245u + 12345u;
			uint32_t type = BOOT_MEM_USABLE + (seed >> 8) % 5;
			if ((seed >> 20) % 3 == 0)
				type = BOOT_MEM_USABLE;   /* more usable, more merging */
			assert_int_equal(boot_info_add_mem(bi, (uint64_t)start * 0x1000,
							   (uint64_t)len * 0x1000, type), 0);
			for (uint32_t u = start; u < start + len; u++)
				if (type > model[u])
					model[u] = type;
			check_invariants(bi);
		}
		/* Rebuild the model from bi and compare unit by unit. */
		uint32_t got[MODEL_UNITS] = { 0 };
		for (uint32_t i = 0; i < bi->mem_count; i++) {
			const struct boot_mem_range *r = &bi->mem[i];
			assert_int_equal(r->base % 0x1000, 0);
			assert_int_equal(r->length % 0x1000, 0);
			for (uint64_t u = r->base / 0x1000; u < (r->base + r->length) / 0x1000; u++) {
				assert_true(u < MODEL_UNITS);
				got[u] = r->type;
			}
		}
		assert_memory_equal(got, model, sizeof(model));
		free(bi);
	}
}

static void add_module(struct boot_info *bi, uint64_t start, uint64_t end, const char *s)
{
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->start = start;
	m->end = end;
	str_copy(m->string, s, sizeof(m->string));
}

static void test_find_module(void **state)
{
	struct boot_info *bi = new_bi();
	add_module(bi, 0x200000, 0x201000, "/boot/guest.elf console=ttyS0");
	add_module(bi, 0x300000, 0x380000, "initrd.img");
	add_module(bi, 0x400000, 0x400100, "/boot/sub/other.bin\targ");
	const struct boot_module *g = &bi->modules[0], *i = &bi->modules[1], *o = &bi->modules[2];

	assert_ptr_equal(boot_info_find_module(bi, "/boot/guest.elf"), g);
	assert_ptr_equal(boot_info_find_module(bi, "guest.elf"), g);
	assert_ptr_equal(boot_info_find_module(bi, "/elsewhere/guest.elf"), g);
	assert_ptr_equal(boot_info_find_module(bi, "initrd.img"), i);
	assert_ptr_equal(boot_info_find_module(bi, "/x/initrd.img"), i);
	assert_ptr_equal(boot_info_find_module(bi, "other.bin"), o);
	assert_ptr_equal(boot_info_find_module(bi, "sub/other.bin"), o);
	/* Only the first word names the module. */
	assert_null(boot_info_find_module(bi, "console=ttyS0"));
	assert_null(boot_info_find_module(bi, "arg"));
	assert_null(boot_info_find_module(bi, "guest"));
	assert_null(boot_info_find_module(bi, "guest.elf console=ttyS0"));
	assert_null(boot_info_find_module(bi, ""));
	assert_null(boot_info_find_module(bi, NULL));
	assert_null(boot_info_find_module(bi, "/boot/"));
	free(bi);
}

static void test_find_module_hostile(void **state)
{
	struct boot_info *bi = new_bi();
	/* An unterminated string (e.g. from a corrupt plinth.efi handoff) and
	 * an empty one are skipped; the count is clamped to the array. */
	bi->module_count = 3;
	memset(bi->modules[0].string, 'a', sizeof(bi->modules[0].string));
	bi->modules[1].string[0] = 0;
	str_copy(bi->modules[2].string, "/found.elf", BOOT_MODSTR_MAX);
	assert_ptr_equal(boot_info_find_module(bi, "found.elf"), &bi->modules[2]);
	assert_null(boot_info_find_module(bi, "aaaa"));
	bi->module_count = 1000;
	assert_null(boot_info_find_module(bi, "nothing"));
	free(bi);
}

static void test_print(void **state)
{
	struct boot_info *bi = new_bi();
	str_copy(bi->loader_name, "GRUB 2.06", sizeof(bi->loader_name));
	str_copy(bi->cmdline, "loglevel=3 smp=2", sizeof(bi->cmdline));
	assert_int_equal(boot_info_add_mem(bi, 0, 0x9fc00, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 0x100000, 127 * MiB, BOOT_MEM_USABLE), 0);
	assert_int_equal(boot_info_add_mem(bi, 128 * MiB, 2 * MiB, BOOT_MEM_ACPI_RECLAIM), 0);
	assert_int_equal(boot_info_add_mem(bi, 0xfffc0000, 0x40000, BOOT_MEM_RESERVED), 0);
	add_module(bi, 0x200000, 0x200400, "/boot/guest.elf x");
	bi->efi_booted = 1;
	bi->efi_system_table = 0x7f000000;
	bi->efi_mmap_entries = 12;
	host_log_reset();
	boot_info_print(bi);
	assert_true(host_log_contains("GRUB 2.06"));
	assert_true(host_log_contains("loglevel=3 smp=2"));
	assert_true(host_log_contains("  [mem 0x0000000000000000-0x000000000009fbff] usable"));
	assert_true(host_log_contains("  [mem 0x0000000008000000-0x00000000081fffff] ACPI data"));
	assert_true(host_log_contains("  [mem 0x00000000fffc0000-0x00000000ffffffff] reserved"));
	/* 639 KiB + 127 MiB usable = 127 MiB; total adds 2 MiB ACPI, not reserved. */
	assert_true(host_log_contains("memory: 127 MiB usable of 129 MiB total"));
	assert_true(host_log_contains("1024 bytes '/boot/guest.elf x'"));
	assert_true(host_log_contains("system table 0x7f000000"));
	assert_true(host_log_contains("converted from 12 EFI memory descriptors"));
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);

	/* Unterminated strings are printed bounded (ASan checks the bound). */
	memset(bi->cmdline, 'c', sizeof(bi->cmdline));
	memset(bi->loader_name, 'l', sizeof(bi->loader_name));
	bi->mem_count = 5000;
	bi->module_count = 5000;
	memset(bi->modules, 'm', sizeof(bi->modules));
	boot_info_print(bi);
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_sorted_insert),
		cmocka_unit_test(test_zero_length_ignored),
		cmocka_unit_test(test_overflow_rejected),
		cmocka_unit_test(test_bad_type_rejected),
		cmocka_unit_test(test_merge_adjacent),
		cmocka_unit_test(test_reserved_splits_usable),
		cmocka_unit_test(test_type_priority),
		cmocka_unit_test(test_cover_many),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_find_module),
		cmocka_unit_test(test_find_module_hostile),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
