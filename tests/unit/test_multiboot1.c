/* test_multiboot1.c - boot/multiboot1.c (Multiboot 0.6.96 §3.3). Synthetic
 * boot information is built in a fake physical memory arena; every map()
 * returns a fresh heap copy of exactly the bytes asked for, so ASan reports
 * any read the parser makes beyond what it mapped. Then the structures are
 * corrupted in every way we can think of: errors must be reported, never
 * crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/multiboot.h>
#include <plinth/string.h>
#include "host_support.h"
#include "fake_phys.h"
#include "mb_fixture.h"

/* ------------------------------------------------------------ fake memory */

static struct arena *A;

static uint8_t *ptr(uint32_t pa)
{
	return arena_ptr(A, pa);
}

static uint32_t alloc(uint32_t size, uint32_t align)
{
	uint32_t pa = (A->next + align - 1) & ~(align - 1);
	assert_true(pa + size <= ARENA_BASE + ARENA_SIZE);
	A->next = pa + size;
	return pa;
}

static uint32_t put(const void *data, uint32_t size, uint32_t align)
{
	uint32_t pa = alloc(size, align);
	memcpy(ptr(pa), data, size);
	return pa;
}

static uint32_t put_string(const char *s)
{
	return put(s, (uint32_t)strlen(s) + 1, 1);
}

static int setup(void **state)
{
	A = calloc(1, sizeof(*A));
	assert_non_null(A);
	memset(A->mem, 0xcc, sizeof(A->mem));
	A->next = ARENA_BASE + 0x100;
	host_log_reset();
	return 0;
}

static int teardown(void **state)
{
	arena_free_copies(A);
	free(A->copies);
	free(A);
	return 0;
}

/* ------------------------------------------------------------ builders */

/* A memory map of n entries, each 'size' (>= 20) after its size field. */
static uint32_t put_mmap(const struct mmap_spec *e, uint32_t n, uint32_t size, uint32_t *length)
{
	uint32_t stride = size + 4;
	uint32_t pa = alloc(n * stride, 4);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = ptr(pa + i * stride);
		memset(p, 0, stride);
		struct multiboot1_mmap_entry me = { size, e[i].base, e[i].length, e[i].type };
		memcpy(p, &me, sizeof(me) < stride ? sizeof(me) : stride);
	}
	*length = n * stride;
	return pa;
}

/* A typical GRUB multiboot 1 handoff; returns the info's address. */
static uint32_t build_valid(struct multiboot1_info *out)
{
	struct multiboot1_info info;
	memset(&info, 0, sizeof(info));
	info.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MEM_MAP |
		     MB1_INFO_LOADER_NAME | MB1_INFO_BOOTDEV;
	info.mem_lower = 639;
	info.mem_upper = 130000;
	info.cmdline = put_string("loglevel=3 smp=2");
	info.boot_loader_name = put_string("GRUB 2.06-13+deb12u1");
	struct multiboot1_module mods[2] = {
		{ 0x200000, 0x201234, put_string("/boot/guest.elf a b"), 0 },
		{ 0x300000, 0x380000, put_string("initrd"), 0 },
	};
	info.mods_count = 2;
	info.mods_addr = put(mods, sizeof(mods), 4);
	/* entry size 20 (the minimum) and 24 (ACPI 3.0 extended attributes) */
	uint32_t len1, len2;
	uint32_t m1 = put_mmap(pc_map, 3, 20, &len1);
	uint32_t m2 = put_mmap(pc_map + 3, 3, 24, &len2);
	assert_int_equal(m1 + len1, m2);
	info.mmap_addr = m1;
	info.mmap_length = len1 + len2;
	if (out)
		*out = info;
	return put(&info, sizeof(info), 4);
}

static struct multiboot1_info *info_at(uint32_t pa)
{
	return (struct multiboot1_info *)ptr(pa);
}

/* Give the info at pa the map e[0..n) instead (entries of size 20). */
static void replace_mmap(uint32_t pa, const struct mmap_spec *e, uint32_t n)
{
	uint32_t len;
	info_at(pa)->mmap_addr = put_mmap(e, n, 20, &len);
	info_at(pa)->mmap_length = len;
}

static int parse(struct boot_info *bi, uint32_t pa)
{
	return multiboot1_parse(bi, pa, arena_map, A);
}

/* Parse, expect -EINVAL and a logged error containing msg. */
static void expect_error(uint32_t pa, const char *msg)
{
	mb_expect_error(parse, pa, msg);
}

/* ------------------------------------------------------------ tests */

static void test_valid(void **state)
{
	uint32_t pa = build_valid(NULL);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	/* The map, not mem_lower/upper. */
	mb_assert_valid_handoff(bi, BOOT_LOADER_MULTIBOOT1);
	assert_string_equal(bi->loader_name, "GRUB 2.06-13+deb12u1");
	assert_int_equal(boot_info_usable_bytes(bi), 0x9fc00 + 0x7ee0000);
	free(bi);
}

static void test_merges_adjacent_entries(void **state)
{
	/* e820 maps often split one RAM area into touching entries. */
	static const struct mmap_spec e[] = {
		{ 0x100000, 0x100000, 1 }, { 0x200000, 0x100000, 1 }, { 0x300000, 0x1000, 2 },
		{ 0x301000, 0x1000, 0x99 },
	};
	uint32_t pa = build_valid(NULL);
	replace_mmap(pa, e, 4);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(bi->mem_count, 2);
	assert_int_equal(bi->mem[0].length, 0x200000);
	assert_int_equal(bi->mem[1].length, 0x2000);
	free(bi);
}

static void test_info_at_end_of_memory(void **state)
{
	/* Only the parsed part of the structure need be readable. */
	struct multiboot1_info info;
	build_valid(&info);
	uint32_t pa = ARENA_BASE + ARENA_SIZE - (uint32_t)MB1_INFO_PARSED_LEN;
	memcpy(ptr(pa), &info, MB1_INFO_PARSED_LEN);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(bi->module_count, 2);
	free(bi);
	/* One byte less is not enough. */
	expect_error(pa + 1, "not readable");
}

static void test_info_unreadable(void **state)
{
	expect_error(0x1000, "boot information at 0x1000 is not readable");
	expect_error(0xfffffff0u, "not readable");
}

static void test_basic_meminfo(void **state)
{
	uint32_t pa = build_valid(NULL);
	info_at(pa)->flags &= ~MB1_INFO_MEM_MAP;
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_true(host_log_contains("no memory map"));
	assert_int_equal(bi->mem_count, 2);
	assert_int_equal(bi->mem[0].base, 0);
	assert_int_equal(bi->mem[0].length, 639 * 1024);
	assert_int_equal(bi->mem[1].base, 0x100000);
	assert_int_equal(bi->mem[1].length, 130000ULL * 1024);
	free(bi);
}

static void test_basic_meminfo_clamped(void **state)
{
	uint32_t pa = build_valid(NULL);
	info_at(pa)->flags &= ~MB1_INFO_MEM_MAP;
	info_at(pa)->mem_lower = 100000;
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_true(host_log_contains("clamped"));
	assert_int_equal(bi->mem[0].length, 640 * 1024);
	free(bi);
}

static void test_empty_mmap_falls_back(void **state)
{
	uint32_t pa = build_valid(NULL);
	info_at(pa)->mmap_length = 0;
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_true(host_log_contains("map is empty"));
	assert_int_equal(bi->mem_count, 2);
	free(bi);
}

static void test_no_memory_info(void **state)
{
	uint32_t pa = build_valid(NULL);
	info_at(pa)->flags &= ~(MB1_INFO_MEM_MAP | MB1_INFO_MEMORY);
	expect_error(pa, "no memory information");
	/* An empty map and no mem_* either. */
	info_at(pa)->flags |= MB1_INFO_MEM_MAP;
	info_at(pa)->mmap_length = 0;
	expect_error(pa, "no memory information");
	/* A map whose entries are all empty. */
	struct mmap_spec empty[2] = { { 0x1000, 0, 1 }, { 0x5000, 0, 2 } };
	replace_mmap(pa, empty, 2);
	expect_error(pa, "no memory information");
}

static void test_mmap_corrupt(void **state)
{
	struct multiboot1_info good;
	uint32_t pa = build_valid(&good);
	struct multiboot1_info *info = info_at(pa);
	uint8_t *map = ptr(good.mmap_addr);

	/* Not a whole number of entries: the last one runs past the end. */
	info->mmap_length = good.mmap_length - 4;
	expect_error(pa, "runs past mmap_length");
	/* Two bytes left over: not even a size field. */
	info->mmap_length = 3 * 24 + 2;
	expect_error(pa, "truncated");
	/* One byte of map. */
	info->mmap_length = 1;
	expect_error(pa, "truncated");
	info->mmap_length = good.mmap_length;

	/* Entry size 0, 16, 19 and huge. */
	uint32_t saved;
	memcpy(&saved, map + 24, 4);
	static const uint32_t bad_sizes[] = { 0, 16, 19 };
	for (size_t i = 0; i < 3; i++) {
		memcpy(map + 24, &bad_sizes[i], 4);
		expect_error(pa, "has size");
	}
	uint32_t huge = 0xfffffff0u;
	memcpy(map + 24, &huge, 4);
	expect_error(pa, "runs past mmap_length");
	huge = 0xffffffffu;   /* size + 4 would wrap a 32-bit offset */
	memcpy(map + 24, &huge, 4);
	expect_error(pa, "runs past mmap_length");
	memcpy(map + 24, &saved, 4);

	/* A range wrapping past 2^64. */
	uint64_t base = 0xfffffffffffff000ULL, length = 0x2000;
	memcpy(map + 24 + 4, &base, 8);
	memcpy(map + 24 + 12, &length, 8);
	expect_error(pa, "wraps");
	assert_true(host_log_contains("entry at offset 24 rejected"));
}

static void test_mmap_bounds(void **state)
{
	struct multiboot1_info good;
	uint32_t pa = build_valid(&good);
	struct multiboot1_info *info = info_at(pa);

	info->mmap_length = 0x100000;
	expect_error(pa, "implausible memory map length");
	info->mmap_length = good.mmap_length;
	info->mmap_addr = 0xffffffe0u;
	expect_error(pa, "runs past 4 GiB");
	info->mmap_addr = 0x1000;
	expect_error(pa, "memory map at 0x1000");
	/* The map's last bytes lie past readable memory. */
	info->mmap_addr = ARENA_BASE + ARENA_SIZE - good.mmap_length + 8;
	expect_error(pa, "not readable");
}

static void test_mmap_types(void **state)
{
	static const struct mmap_spec e[] = {
		{ 0x00000, 0x1000, 1 }, { 0x02000, 0x1000, 3 }, { 0x04000, 0x1000, 4 },
		{ 0x06000, 0x1000, 5 }, { 0x08000, 0x1000, 0 }, { 0x0a000, 0x1000, 7 },
		{ 0x0c000, 0x1000, 0xffffffffu },
	};
	static const uint32_t expect[] = {
		BOOT_MEM_USABLE, BOOT_MEM_ACPI_RECLAIM, BOOT_MEM_ACPI_NVS, BOOT_MEM_BAD,
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,
	};
	uint32_t pa = build_valid(NULL);
	replace_mmap(pa, e, 7);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(bi->mem_count, 7);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(bi->mem[i].type, expect[i]);
	free(bi);
}

static void test_modules_corrupt(void **state)
{
	struct multiboot1_info good;
	uint32_t pa = build_valid(&good);
	struct multiboot1_info *info = info_at(pa);
	struct multiboot1_module *mods = (struct multiboot1_module *)ptr(good.mods_addr);

	mods[1].mod_end = mods[1].mod_start - 1;
	expect_error(pa, "module 1 ends (0x2fffff) before it starts (0x300000)");
	mods[1].mod_end = 0x380000;

	info->mods_count = 0xffffffffu;
	expect_error(pa, "implausible module count");
	/* A plausible count, but the list runs past readable memory. */
	info->mods_count = 1000;
	info->mods_addr = ARENA_BASE + ARENA_SIZE - 2 * sizeof(*mods);
	memcpy(ptr(info->mods_addr), mods, 2 * sizeof(*mods));
	expect_error(pa, "module list");
	info->mods_count = 2;
	info->mods_addr = 0xfffffff8u;
	expect_error(pa, "runs past 4 GiB");
	info->mods_addr = 0x2000;
	expect_error(pa, "not readable");
}

static void test_too_many_modules(void **state)
{
	uint32_t pa = build_valid(NULL);
	uint32_t n = BOOT_MAX_MODULES + 8;
	struct multiboot1_module *mods = calloc(n, sizeof(*mods));
	assert_non_null(mods);
	uint32_t s = put_string("m");
	for (uint32_t i = 0; i < n; i++)
		mods[i] = (struct multiboot1_module){ 0x400000 + i * 0x1000, 0x400800 + i * 0x1000, s, 0 };
	info_at(pa)->mods_addr = put(mods, n * sizeof(*mods), 4);
	info_at(pa)->mods_count = n;
	free(mods);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_true(host_log_contains("only the first 32"));
	assert_int_equal(bi->module_count, BOOT_MAX_MODULES);
	assert_int_equal(bi->modules[31].start, 0x400000 + 31 * 0x1000);
	free(bi);
}

static void test_module_strings(void **state)
{
	uint32_t pa = build_valid(NULL);
	char long_str[400];
	memset(long_str, 'x', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = 0;
	struct multiboot1_module mods[4] = {
		{ 0x200000, 0x201000, 0x1000, 0 },                   /* unreadable */
		{ 0x300000, 0x300000, 0, 0 },                        /* empty, no string */
		{ 0x400000, 0x401000, put_string(long_str), 0 },     /* too long */
		{ 0x500000, 0x501000, put_string("ok.elf"), 0 },
	};
	info_at(pa)->mods_addr = put(mods, sizeof(mods), 4);
	info_at(pa)->mods_count = 4;
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(bi->module_count, 4);
	assert_string_equal(bi->modules[0].string, "");
	assert_true(host_log_contains("module string at 0x1000 is not readable"));
	assert_string_equal(bi->modules[1].string, "");
	assert_true(host_log_contains("module 1 at 0x300000 is empty"));
	assert_int_equal(strlen(bi->modules[2].string), BOOT_MODSTR_MAX - 1);
	assert_true(host_log_contains("truncated"));
	assert_string_equal(bi->modules[3].string, "ok.elf");
	free(bi);
}

static void test_cmdline_strings(void **state)
{
	uint32_t pa = build_valid(NULL);
	struct multiboot1_info *info = info_at(pa);
	struct boot_info *bi = new_bi();

	/* Longer than BOOT_CMDLINE_MAX: truncated with a warning. */
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	info->cmdline = put_string(big);
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(strlen(bi->cmdline), BOOT_CMDLINE_MAX - 1);
	assert_true(host_log_contains("command line at"));

	/* Unterminated up to the end of readable memory: unreadable, dropped. */
	uint32_t end = ARENA_BASE + ARENA_SIZE;
	memset(ptr(end - 100), 'z', 100);
	info->cmdline = end - 100;
	host_log_reset();
	assert_int_equal(parse(bi, pa), 0);
	assert_string_equal(bi->cmdline, "");
	assert_true(host_log_contains("is not readable"));

	/* Terminated right at the end of readable memory: fine. */
	ptr(end - 1)[0] = 0;
	host_log_reset();
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(strlen(bi->cmdline), 99);
	assert_int_equal(host_log_count(LOG_WARN), 0);

	/* Across a page boundary. */
	uint32_t page = (A->next + 0x1000) & ~0xfffu;
	strcpy((char *)ptr(page - 5), "smp=4 loglevel=1");
	info->cmdline = page - 5;
	assert_int_equal(parse(bi, pa), 0);
	assert_string_equal(bi->cmdline, "smp=4 loglevel=1");

	/* Pointer 0 and loader name too long. */
	info->cmdline = 0;
	char name[100];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	info->boot_loader_name = put_string(name);
	host_log_reset();
	assert_int_equal(parse(bi, pa), 0);
	assert_string_equal(bi->cmdline, "");
	assert_true(host_log_contains("command line pointer is 0"));
	assert_int_equal(strlen(bi->loader_name), BOOT_LOADER_NAME_MAX - 1);
	assert_true(host_log_contains("boot loader name at"));
	free(bi);
}

/* Parse with the given loader name (NULL: flag clear) and command line. */
static const char *cmdline_with_loader(const char *loader, const char *cmdline,
				       struct boot_info *bi)
{
	uint32_t pa = build_valid(NULL);
	struct multiboot1_info *info = info_at(pa);
	if (loader)
		info->boot_loader_name = put_string(loader);
	else
		info->flags &= ~MB1_INFO_LOADER_NAME;
	info->cmdline = put_string(cmdline);
	assert_int_equal(parse(bi, pa), 0);
	return bi->cmdline;
}

static void test_image_name_stripped(void **state)
{
	struct boot_info *bi = new_bi();
	/* GRUB 2 passes only the arguments. */
	assert_string_equal(cmdline_with_loader("GRUB 2.06", "/x.elf smp=2", bi), "/x.elf smp=2");
	assert_string_equal(cmdline_with_loader("GRUB 1.99", "a b", bi), "a b");
	/* QEMU -kernel, GRUB legacy and unnamed loaders put the image name first. */
	assert_string_equal(cmdline_with_loader("qemu", "build/plinth.elf test_exit smp=2", bi),
			    "test_exit smp=2");
	assert_string_equal(cmdline_with_loader("GNU GRUB 0.97", "  /boot/p.elf\t x", bi), "x");
	assert_string_equal(cmdline_with_loader(NULL, "/boot/p.elf", bi), "");
	assert_string_equal(cmdline_with_loader("qemu", "", bi), "");
	/* ... unless the first word is an option. */
	assert_string_equal(cmdline_with_loader("qemu", "smp=2 x", bi), "smp=2 x");
	assert_string_equal(cmdline_with_loader("GRUB ", "p.elf x", bi), "x");
	free(bi);
}

static void test_flags_ignored_fields(void **state)
{
	/* Fields whose flag is clear are not read, however bad they are. */
	uint32_t pa = build_valid(NULL);
	struct multiboot1_info *info = info_at(pa);
	info->flags = MB1_INFO_MEM_MAP;
	info->cmdline = 0xdeadbeef;
	info->mods_count = 0xffffffff;
	info->boot_loader_name = 0xdeadbeef;
	struct boot_info *bi = new_bi();
	unsigned maps_before = A->maps;
	assert_int_equal(parse(bi, pa), 0);
	assert_int_equal(A->maps - maps_before, 2);   /* the info and the map */
	assert_int_equal(bi->module_count, 0);
	assert_string_equal(bi->cmdline, "");
	assert_int_equal(host_log_count(LOG_WARN), 0);
	/* a.out and ELF symbols both claimed: a warning only. */
	info->flags |= MB1_INFO_AOUT_SYMS | MB1_INFO_ELF_SHDR;
	assert_int_equal(parse(bi, pa), 0);
	assert_true(host_log_contains("both a.out and ELF"));
	free(bi);
}

/* Flip random bytes of a valid handoff; whatever the parser returns, it must
 * not read out of bounds (ASan) and must log an error when it fails. */
static void test_random_corruption(void **state)
{
	struct multiboot1_info good;
	uint32_t pa = build_valid(&good);
	uint32_t lo = ARENA_BASE + 0x100, hi = A->next;
	uint8_t *pristine = malloc(ARENA_SIZE);
	assert_non_null(pristine);
	memcpy(pristine, A->mem, ARENA_SIZE);
	struct boot_info *bi = new_bi();
	uint32_t seed = 99;
	int ok = 0, failed = 0;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(A->mem, pristine, ARENA_SIZE);
		int flips = 1 + iter % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1664525u + 1013904223u;
			uint32_t at = lo + (seed >> 8) % (hi - lo);
			seed = seed * 1664525u + 1013904223u;
			ptr(at)[0] = (uint8_t)(seed >> 24);
		}
		host_log_reset();
		mb_check_corrupted_parse(parse(bi, pa), bi, &ok, &failed);
		/* Don't let the copies pile up. */
		arena_free_copies(A);
	}
	assert_true(ok > 0 && failed > 0);
	free(pristine);
	free(bi);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_valid),
		T(test_merges_adjacent_entries),
		T(test_info_at_end_of_memory),
		T(test_info_unreadable),
		T(test_basic_meminfo),
		T(test_basic_meminfo_clamped),
		T(test_empty_mmap_falls_back),
		T(test_no_memory_info),
		T(test_mmap_corrupt),
		T(test_mmap_bounds),
		T(test_mmap_types),
		T(test_modules_corrupt),
		T(test_too_many_modules),
		T(test_module_strings),
		T(test_cmdline_strings),
		T(test_image_name_stripped),
		T(test_flags_ignored_fields),
		T(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
