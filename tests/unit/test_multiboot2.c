/* test_multiboot2.c - boot/multiboot2.c (Multiboot2 2.0 §3.6). Tag lists are
 * built in a fake physical memory arena; every map() returns a fresh heap
 * copy of exactly the bytes asked for, so ASan reports any read beyond what
 * the parser mapped. Then headers and tags are corrupted: errors must be
 * reported, never crash. */
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

static void free_copies(void)
{
	arena_free_copies(A);
}

static uint8_t *ptr(uint32_t pa)
{
	return arena_ptr(A, pa);
}

/* ------------------------------------------------------------ tag builder */

struct builder {
	uint8_t buf[0x8000];
	uint32_t len;
};
static struct builder *B;

static int setup(void **state)
{
	A = calloc(1, sizeof(*A));
	B = calloc(1, sizeof(*B));
	assert_non_null(A);
	assert_non_null(B);
	memset(A->mem, 0xcc, sizeof(A->mem));
	B->len = 8;
	host_log_reset();
	return 0;
}

static int teardown(void **state)
{
	free_copies();
	free(A->copies);
	free(A);
	free(B);
	return 0;
}

/* Append a tag with 'size' in its header (normally 8 + len) and len bytes
 * of payload; pad to 8. Returns the tag's offset in the info. */
static uint32_t tag_raw(uint32_t type, uint32_t size, const void *payload, uint32_t len)
{
	uint32_t off = B->len;
	assert_true(off + 8 + len + 8 <= sizeof(B->buf));
	memcpy(B->buf + off, &type, 4);
	memcpy(B->buf + off + 4, &size, 4);
	if (len)
		memcpy(B->buf + off + 8, payload, len);
	B->len = off + 8 + len;
	while (B->len % 8)
		B->buf[B->len++] = 0xee;
	return off;
}

static uint32_t tag(uint32_t type, const void *payload, uint32_t len)
{
	return tag_raw(type, 8 + len, payload, len);
}

static uint32_t tag_string(uint32_t type, const char *s)
{
	return tag(type, s, (uint32_t)strlen(s) + 1);
}

static uint32_t tag_module(uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[512];
	size_t n = strlen(s) + 1;
	assert_true(n + 8 <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, n);
	return tag(MB2_TAG_MODULE, p, (uint32_t)(8 + n));
}

static uint32_t tag_meminfo(uint32_t lower, uint32_t upper)
{
	uint32_t p[2] = { lower, upper };
	return tag(MB2_TAG_BASIC_MEMINFO, p, sizeof(p));
}

static uint32_t tag_mmap(const struct mmap_spec *e, uint32_t n, uint32_t entry_size,
			 uint32_t version)
{
	uint8_t p[0x2000];
	assert_true(8 + n * entry_size <= sizeof(p));
	memcpy(p, &entry_size, 4);
	memcpy(p + 4, &version, 4);
	memset(p + 8, 0, n * entry_size);
	for (uint32_t i = 0; i < n; i++) {
		struct multiboot2_mmap_entry me = { e[i].base, e[i].length, e[i].type, 0 };
		memcpy(p + 8 + i * entry_size, &me, entry_size < sizeof(me) ? entry_size : sizeof(me));
	}
	return tag(MB2_TAG_MMAP, p, 8 + n * entry_size);
}

struct efi_desc { uint32_t type, pad; uint64_t phys, virt, pages, attr; };

static uint32_t tag_efi_mmap(const struct efi_desc *d, uint32_t n, uint32_t desc_size)
{
	uint8_t p[0x2000];
	uint32_t version = 1;
	assert_true(8 + n * desc_size <= sizeof(p));
	memcpy(p, &desc_size, 4);
	memcpy(p + 4, &version, 4);
	memset(p + 8, 0, n * desc_size);
	for (uint32_t i = 0; i < n; i++)
		memcpy(p + 8 + i * desc_size, &d[i], desc_size < sizeof(d[i]) ? desc_size : sizeof(d[i]));
	return tag(MB2_TAG_EFI_MMAP, p, 8 + n * desc_size);
}

static uint32_t tag_rsdp(uint32_t type, uint8_t fill, uint32_t len)
{
	uint8_t p[64];
	assert_true(len <= sizeof(p));
	memset(p, fill, len);
	memcpy(p, "RSD PTR ", 8);
	return tag(type, p, len);
}

/* End tag, total_size, copy into the arena at an 8-aligned address. */
static uint32_t finish_at(uint32_t pa)
{
	tag(MB2_TAG_END, NULL, 0);
	uint32_t total = B->len, reserved = 0;
	memcpy(B->buf, &total, 4);
	memcpy(B->buf + 4, &reserved, 4);
	assert_true(pa + B->len <= ARENA_BASE + ARENA_SIZE);
	memcpy(ptr(pa), B->buf, B->len);
	return pa;
}

#define INFO_PA (ARENA_BASE + 0x1000)
static uint32_t finish(void)
{
	return finish_at(INFO_PA);
}

static void set_u32(uint32_t pa, uint32_t value)
{
	memcpy(ptr(pa), &value, 4);
}

static int parse(struct boot_info *bi, uint32_t pa)
{
	return multiboot2_parse(bi, pa, arena_map, A);
}

static void expect_error(uint32_t pa, const char *msg)
{
	mb_expect_error(parse, pa, msg);
}

/* Parse, expect success with a warning containing msg. */
static struct boot_info *expect_warning(uint32_t pa, const char *msg)
{
	struct boot_info *bi = new_bi();
	host_log_reset();
	assert_int_equal(parse(bi, pa), 0);
	if (!host_log_contains(msg))
		fail_msg("expected a warning containing '%s', last problem '%s'", msg,
			 host_last_problem());
	assert_int_equal(host_log_count(LOG_ERR), 0);
	return bi;
}

/* A GRUB-on-BIOS-like handoff. Offsets of some tags are returned. */
struct valid_offsets { uint32_t cmdline, module1, mmap, rsdp_new; };
static struct valid_offsets build_valid(void)
{
	struct valid_offsets o;
	o.cmdline = tag_string(MB2_TAG_CMDLINE, "loglevel=3 smp=2");   /* 17+8: padded */
	tag_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	tag_module(0x200000, 0x201234, "/boot/guest.elf a b");
	o.module1 = tag_module(0x300000, 0x380000, "initrd");
	tag_meminfo(639, 130000);
	uint8_t bootdev[12] = { 0 };
	tag(MB2_TAG_BOOTDEV, bootdev, sizeof(bootdev));
	o.mmap = tag_mmap(pc_map, 6, 24, 0);
	o.rsdp_new = tag_rsdp(MB2_TAG_ACPI_NEW, 0x22, MB2_RSDP_V2_LEN);
	tag_rsdp(MB2_TAG_ACPI_OLD, 0x11, MB2_RSDP_V1_LEN);   /* after 15: ignored */
	uint8_t fb[22];
	memset(fb, 0x77, sizeof(fb));
	tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	uint32_t load_base = 0x200000;
	tag(MB2_TAG_LOAD_BASE_ADDR, &load_base, 4);
	tag(0x1234, "future", 6);   /* unknown: skipped */
	return o;
}

/* ------------------------------------------------------------ valid input */

static void test_valid(void **state)
{
	build_valid();
	uint32_t pa = finish();
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, pa), 0);
	mb_assert_valid_handoff(bi, BOOT_LOADER_MULTIBOOT2);
	assert_string_equal(bi->loader_name, "GRUB 2.06");
	/* ACPI 2.0 copy preferred though the 1.0 one came later. */
	assert_int_equal(bi->rsdp_copy_len, MB2_RSDP_V2_LEN);
	assert_memory_equal(bi->rsdp_copy, "RSD PTR ", 8);
	assert_int_equal(bi->rsdp_copy[20], 0x22);
	assert_int_equal(bi->efi_booted, 0);
	assert_int_equal(bi->efi_mmap_entries, 0);
	free(bi);
}

static void test_rsdp_old_then_new(void **state)
{
	tag_rsdp(MB2_TAG_ACPI_OLD, 0x11, MB2_RSDP_V1_LEN);
	tag_mmap(pc_map, 6, 24, 0);
	tag_rsdp(MB2_TAG_ACPI_NEW, 0x22, MB2_RSDP_V2_LEN);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->rsdp_copy_len, MB2_RSDP_V2_LEN);
	assert_int_equal(bi->rsdp_copy[19], 0x22);
	free(bi);
}

static void test_rsdp_old_only(void **state)
{
	tag_rsdp(MB2_TAG_ACPI_OLD, 0x11, MB2_RSDP_V1_LEN);
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->rsdp_copy_len, MB2_RSDP_V1_LEN);
	assert_int_equal(bi->rsdp_copy[19], 0x11);
	assert_int_equal(bi->rsdp_copy[20], 0);   /* nothing beyond the v1 part */
	free(bi);
}

static const struct efi_desc efi_map[] = {
	{ .type = 7,  .phys = 0x0,       .pages = 0xa0 },
	{ .type = 0,  .phys = 0xa0000,   .pages = 0x60 },
	{ .type = 4,  .phys = 0x100000,  .pages = 0x700 },
	{ .type = 7,  .phys = 0x800000,  .pages = 0x7000 },
	{ .type = 9,  .phys = 0x7800000, .pages = 0x10 },
	{ .type = 6,  .phys = 0x7810000, .pages = 0x10, .attr = 1ULL << 63 },
};

static void test_efi_only(void **state)
{
	/* GRUB on UEFI without a tag 6 (or with an empty one). */
	uint64_t st = 0x7fe1e018;
	tag(MB2_TAG_EFI64, &st, 8);
	tag_efi_mmap(efi_map, 6, 48);
	tag_mmap(NULL, 0, 24, 0);
	tag(MB2_TAG_EFI_BS, NULL, 0);
	tag_meminfo(639, 1000);   /* ignored: a map exists */
	struct boot_info *bi = expect_warning(finish(), "did not exit EFI boot services");
	assert_true(host_log_contains("memory map tag has no entries"));
	assert_int_equal(bi->efi_booted, 1);
	assert_int_equal(bi->efi_system_table, st);
	assert_int_equal(bi->efi_mmap_entries, 6);
	assert_int_equal(bi->mem_count, 5);   /* 0x100000 boot services + conventional merge */
	assert_int_equal(bi->mem[2].base, 0x100000);
	assert_int_equal(bi->mem[2].length, 0x7700000);
	assert_int_equal(bi->mem[2].type, BOOT_MEM_USABLE);
	assert_int_equal(bi->mem[4].type, BOOT_MEM_RESERVED);
	free(bi);
}

static void test_mmap_preferred_over_efi(void **state)
{
	uint32_t st32 = 0x7fe00000;
	uint64_t st64 = 0x7fe1e018;
	tag(MB2_TAG_EFI64, &st64, 8);
	tag(MB2_TAG_EFI32, &st32, 4);   /* after 64: ignored */
	tag_efi_mmap(efi_map, 6, 48);
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->mem_count, 6);
	assert_int_equal(bi->mem[5].base, 0xfffc0000);
	assert_int_equal(bi->efi_mmap_entries, 0);
	assert_int_equal(bi->efi_booted, 1);
	assert_int_equal(bi->efi_system_table, st64);
	free(bi);
}

static void test_efi32_then_64(void **state)
{
	uint32_t st32 = 0x7fe00000;
	uint64_t st64 = 0x17fe1e018ULL;
	tag(MB2_TAG_EFI32, &st32, 4);
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->efi_system_table, st32);
	free(bi);
	B->len -= 8;   /* drop the end tag and add the 64-bit one */
	tag(MB2_TAG_EFI64, &st64, 8);
	bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->efi_system_table, st64);
	free(bi);
}

static void test_basic_meminfo_only(void **state)
{
	tag_string(MB2_TAG_CMDLINE, "");
	tag_meminfo(639, 65536);
	struct boot_info *bi = expect_warning(finish(), "no memory map");
	assert_int_equal(bi->mem_count, 2);
	assert_int_equal(bi->mem[1].base, 0x100000);
	assert_int_equal(bi->mem[1].length, 64 * MiB);
	assert_string_equal(bi->cmdline, "");
	free(bi);
}

static void test_no_memory_info(void **state)
{
	tag_string(MB2_TAG_CMDLINE, "x");
	expect_error(finish(), "no memory information");
}

static void test_minimal(void **state)
{
	/* Header and end tag only: valid structure, but no memory. */
	uint32_t pa = finish();
	assert_int_equal(*(uint32_t *)ptr(pa), 16);
	expect_error(pa, "no memory information");
}

static void test_end_tag_size(void **state)
{
	tag_mmap(pc_map, 6, 24, 0);
	/* an end tag claiming 16 bytes, then total_size covering it */
	tag_raw(MB2_TAG_END, 16, "\0\0\0\0\0\0\0\0", 8);
	uint32_t total = B->len;
	memcpy(B->buf, &total, 4);
	memset(B->buf + 4, 0, 4);
	memcpy(ptr(INFO_PA), B->buf, B->len);
	struct boot_info *bi = expect_warning(INFO_PA, "end tag has size 16");
	assert_int_equal(bi->mem_count, 6);
	free(bi);
}

/* ------------------------------------------------------------ header errors */

static void test_header_errors(void **state)
{
	build_valid();
	uint32_t pa = finish();
	uint32_t total;
	memcpy(&total, ptr(pa), 4);

	expect_error(pa + 4, "not 8-byte aligned");
	expect_error(0x1000, "not readable");
	expect_error(ARENA_BASE + ARENA_SIZE - 4, "not 8-byte aligned");
	expect_error(ARENA_BASE + ARENA_SIZE, "not readable");
	expect_error(0xfffffff8u, "not readable");

	static const uint32_t bad_totals[] = { 0, 8, 15, 0x7fffffff, 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(bad_totals); i++) {
		set_u32(pa, bad_totals[i]);
		expect_error(pa, "total_size");
	}
	/* Larger than what is readable. */
	uint32_t end_pa = ARENA_BASE + ARENA_SIZE - 64;
	memcpy(ptr(end_pa), ptr(pa), 64);
	set_u32(end_pa, 128);
	expect_error(end_pa, "is not readable");

	/* Reserved must be zero, but is to be ignored: a warning. */
	set_u32(pa, total);
	set_u32(pa + 4, 0x12345678);
	struct boot_info *bi = expect_warning(pa, "reserved header field");
	assert_int_equal(bi->mem_count, 6);
	free(bi);
}

static void test_total_size_cuts(void **state)
{
	struct valid_offsets o = build_valid();
	uint32_t pa = finish();
	uint32_t total;
	memcpy(&total, ptr(pa), 4);

	/* Cut before the end tag: missing end tag. */
	set_u32(pa, total - 8);
	expect_error(pa, "no end tag");
	/* Cut in the middle of the end tag header. */
	set_u32(pa, total - 4);
	expect_error(pa, "no end tag");
	/* Cut in the middle of the mmap tag. */
	set_u32(pa, INFO_PA - pa + o.mmap + 40);
	expect_error(pa, "runs past total_size");
	/* Cut right after the mmap tag's header. */
	set_u32(pa, o.mmap + 8);
	expect_error(pa, "runs past total_size");
}

/* ------------------------------------------------------------ tag errors */

static void test_tag_size_errors(void **state)
{
	struct valid_offsets o = build_valid();
	uint32_t pa = finish();
	uint32_t size_at = pa + o.module1 + 4;
	uint32_t good;
	memcpy(&good, ptr(size_at), 4);

	static const uint32_t tiny[] = { 0, 4, 7 };
	for (size_t i = 0; i < ARRAY_SIZE(tiny); i++) {
		set_u32(size_at, tiny[i]);
		expect_error(pa, "at least 8");
	}
	set_u32(size_at, 12);   /* a module tag needs 16 */
	expect_error(pa, "module tag (type 3)");
	set_u32(size_at, 0x7fffffff);
	expect_error(pa, "runs past total_size");
	set_u32(size_at, 0xffffffff);
	expect_error(pa, "runs past total_size");
	/* A size that skips into the middle of the next tag: the walk lands on
	 * garbage, which must be caught as some error, not followed blindly. */
	set_u32(size_at, good + 8);
	struct boot_info *bi = new_bi();
	host_log_reset();
	int err = parse(bi, pa);
	assert_true(err == 0 || err == -EINVAL);
	free(bi);
}

static void expect_tag_too_short(uint32_t type, uint32_t len, const char *msg)
{
	setup(NULL);
	uint8_t payload[64];
	memset(payload, 0, sizeof(payload));
	tag_mmap(pc_map, 6, 24, 0);
	tag(type, payload, len);
	expect_error(finish(), msg);
	teardown(NULL);
}

static void test_tags_too_short(void **state)
{
	expect_tag_too_short(MB2_TAG_ACPI_OLD, 10, "ACPI 1.0 RSDP tag (type 14)");
	expect_tag_too_short(MB2_TAG_ACPI_OLD, 0, "size 8 (at least 28)");
	expect_tag_too_short(MB2_TAG_ACPI_NEW, 20, "ACPI 2.0 RSDP tag (type 15)");
	expect_tag_too_short(MB2_TAG_ACPI_NEW, 35, "size 43 (at least 44)");
	expect_tag_too_short(MB2_TAG_MODULE, 7, "module tag");
	expect_tag_too_short(MB2_TAG_BASIC_MEMINFO, 4, "basic memory info tag");
	expect_tag_too_short(MB2_TAG_MMAP, 4, "memory map tag");
	expect_tag_too_short(MB2_TAG_EFI64, 4, "EFI 64-bit system table tag");
	expect_tag_too_short(MB2_TAG_EFI32, 2, "EFI 32-bit system table tag");
	expect_tag_too_short(MB2_TAG_EFI_MMAP, 7, "EFI memory map tag");
}

static void test_mmap_tag_errors(void **state)
{
	static const uint32_t bad_entry_sizes[] = { 0, 8, 16, 20, 28, 30 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_entry_sizes); i++) {
		setup(NULL);
		uint32_t es = bad_entry_sizes[i] ? bad_entry_sizes[i] : 24;
		uint32_t off = tag_mmap(pc_map, 2, es, 0);
		memcpy(B->buf + off + 8, &bad_entry_sizes[i], 4);
		expect_error(finish(), "entry_size");
		teardown(NULL);
	}
	/* Entries not filling the tag exactly. */
	setup(NULL);
	uint32_t off = tag_mmap(pc_map, 3, 24, 0);
	uint32_t size = 16 + 3 * 24 - 4;
	memcpy(B->buf + off + 4, &size, 4);
	expect_error(finish(), "not a whole number");
	teardown(NULL);
	/* A range that wraps. */
	setup(NULL);
	struct mmap_spec wrap = { 0xfffffffffffff000ULL, 0x10000, 2 };
	tag_mmap(&wrap, 1, 24, 0);
	expect_error(finish(), "wraps");
	teardown(NULL);
}

static void test_mmap_tag_variants(void **state)
{
	/* A larger entry size (future versions) is followed; a new version warns. */
	tag_mmap(pc_map, 6, 32, 1);
	struct boot_info *bi = expect_warning(finish(), "entry_version 1");
	assert_int_equal(bi->mem_count, 6);
	assert_int_equal(bi->mem[3].length, 0x7ee0000);
	free(bi);
}

static void test_efi_mmap_tag_errors(void **state)
{
	/* Used (no tag 6): a bad descriptor size is an error. */
	uint32_t off = tag_efi_mmap(efi_map, 4, 40);
	uint32_t bad = 32;
	memcpy(B->buf + off + 8, &bad, 4);
	expect_error(finish(), "EFI memory map tag rejected");
	assert_true(host_log_contains("descriptor size 32"));
	teardown(NULL);
	/* Unused (tag 6 present): ignored. */
	setup(NULL);
	off = tag_efi_mmap(efi_map, 4, 40);
	memcpy(B->buf + off + 8, &bad, 4);
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	assert_int_equal(bi->mem_count, 6);
	free(bi);
	teardown(NULL);
	/* Descriptor size 0 and unused: no division by zero. */
	setup(NULL);
	off = tag_efi_mmap(efi_map, 1, 40);
	bad = 0;
	memcpy(B->buf + off + 8, &bad, 4);
	tag_mmap(pc_map, 6, 24, 0);
	bi = new_bi();
	assert_int_equal(parse(bi, finish()), 0);
	free(bi);
	/* Wrong descriptor version: a warning. */
	teardown(NULL);
	setup(NULL);
	off = tag_efi_mmap(efi_map, 6, 48);
	uint32_t version = 2;
	memcpy(B->buf + off + 12, &version, 4);
	bi = expect_warning(finish(), "descriptor version 2");
	assert_int_equal(bi->efi_mmap_entries, 6);
	free(bi);
}

static void test_strings(void **state)
{
	/* Unterminated inside its tag: kept up to the tag's end, with a warning. */
	tag(MB2_TAG_CMDLINE, "smp=2 x2apic=off", 16);
	tag(MB2_TAG_LOADER_NAME, NULL, 0);   /* empty payload: no NUL at all */
	uint8_t mod[8 + 5];
	uint32_t s = 0x200000, e = 0x200100;
	memcpy(mod, &s, 4);
	memcpy(mod + 4, &e, 4);
	memcpy(mod + 8, "a.elf", 5);
	tag(MB2_TAG_MODULE, mod, sizeof(mod));
	uint32_t bare[2] = { 0x300000, 0x300100 };   /* no string bytes at all */
	tag(MB2_TAG_MODULE, bare, 8);
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = expect_warning(finish(), "command line is not NUL-terminated");
	assert_string_equal(bi->cmdline, "smp=2 x2apic=off");
	assert_true(host_log_contains("boot loader name is not NUL-terminated"));
	assert_string_equal(bi->loader_name, "");
	assert_true(host_log_contains("module string is not NUL-terminated"));
	assert_string_equal(bi->modules[0].string, "a.elf");
	assert_string_equal(bi->modules[1].string, "");
	assert_int_equal(bi->module_count, 2);
	free(bi);
}

static void test_long_strings(void **state)
{
	char big[2000];
	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	tag_string(MB2_TAG_CMDLINE, big);
	tag_module(0x200000, 0x200100, big + 1700);   /* 299 chars */
	tag_string(MB2_TAG_LOADER_NAME, big + 1900);  /* 99 chars */
	tag_mmap(pc_map, 6, 24, 0);
	struct boot_info *bi = expect_warning(finish(), "command line is 1999 bytes");
	assert_int_equal(strlen(bi->cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi->modules[0].string), BOOT_MODSTR_MAX - 1);
	assert_int_equal(strlen(bi->loader_name), BOOT_LOADER_NAME_MAX - 1);
	assert_true(host_log_contains("module string is 299 bytes"));
	free(bi);
}

static void test_duplicates(void **state)
{
	tag_string(MB2_TAG_CMDLINE, "first");
	tag_string(MB2_TAG_CMDLINE, "second");
	tag_mmap(pc_map, 6, 24, 0);
	struct mmap_spec other = { 0x100000000ULL, 0x100000, 1 };
	tag_mmap(&other, 1, 24, 0);
	struct boot_info *bi = expect_warning(finish(), "duplicate command line tag");
	assert_string_equal(bi->cmdline, "first");
	assert_true(host_log_contains("duplicate memory map tag"));
	assert_int_equal(bi->mem_count, 6);
	free(bi);
}

static void test_module_errors(void **state)
{
	tag_mmap(pc_map, 6, 24, 0);
	tag_module(0x300000, 0x2fffff, "backwards");
	expect_error(finish(), "module ends (0x2fffff) before it starts (0x300000)");
}

static void test_many_modules(void **state)
{
	tag_mmap(pc_map, 6, 24, 0);
	for (uint32_t i = 0; i < BOOT_MAX_MODULES + 10; i++)
		tag_module(0x400000 + i * 0x1000, 0x400000 + i * 0x1000, "m");
	struct boot_info *bi = expect_warning(finish(), "more than 32 modules");
	assert_int_equal(bi->module_count, BOOT_MAX_MODULES);
	assert_true(host_log_contains("module 0 at 0x400000 is empty"));
	free(bi);
}

/* Flip random bytes of a valid handoff: no out-of-bounds read, an error
 * logged whenever the parse fails. */
static void test_random_corruption(void **state)
{
	build_valid();
	uint32_t st = 0x7f000000;
	tag(MB2_TAG_EFI32, &st, 4);
	tag_efi_mmap(efi_map, 6, 48);
	uint32_t pa = finish();
	uint32_t total = B->len;
	uint8_t *pristine = malloc(total);
	assert_non_null(pristine);
	memcpy(pristine, ptr(pa), total);
	struct boot_info *bi = new_bi();
	uint32_t seed = 7;
	int ok = 0, failed = 0;
	for (int iter = 0; iter < 5000; iter++) {
		memcpy(ptr(pa), pristine, total);
		int flips = 1 + iter % 3;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1664525u + 1013904223u;
			uint32_t at = (seed >> 8) % total;
			seed = seed * 1664525u + 1013904223u;
			/* Bias towards the tag headers' low bytes, the interesting part. */
			if ((seed >> 28) < 8)
				at &= ~7u;
			ptr(pa + at)[0] = (uint8_t)(seed >> 16);
		}
		host_log_reset();
		int err = parse(bi, pa);
		mb_check_corrupted_parse(err, bi, &ok, &failed);
		if (err == 0)
			assert_true(bi->rsdp_copy_len == 0 || bi->rsdp_copy_len == MB2_RSDP_V1_LEN ||
				    bi->rsdp_copy_len == MB2_RSDP_V2_LEN);
		free_copies();
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
		T(test_rsdp_old_then_new),
		T(test_rsdp_old_only),
		T(test_efi_only),
		T(test_mmap_preferred_over_efi),
		T(test_efi32_then_64),
		T(test_basic_meminfo_only),
		T(test_no_memory_info),
		T(test_minimal),
		T(test_end_tag_size),
		T(test_header_errors),
		T(test_total_size_cuts),
		T(test_tag_size_errors),
		cmocka_unit_test(test_tags_too_short),
		cmocka_unit_test(test_mmap_tag_errors),
		T(test_mmap_tag_variants),
		T(test_efi_mmap_tag_errors),
		T(test_strings),
		T(test_long_strings),
		T(test_duplicates),
		T(test_module_errors),
		T(test_many_modules),
		T(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
