/* test_efi_elf.c - plinth.efi's ELF64 checks, segment loading and boot entry
 * table search (boot/efi/elf_load.c), on ELF files built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../boot/efi/elf_load.h"
#include "host_support.h"

/* ELF-64 layouts, written independently of the loader's private copies. */
struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define VBASE 0xFFFFFFFF80000000ULL
#define FILE_SIZE (64 * 1024)
#define TABLE_OFF 0x40      /* boot_entry_table offset in the text segment */

/* A plinth-like image: text (RX) at 0x200000, 2 pages from file offset
 * 0x1000; rodata (R) at 0x202000, 1 page; data (RW) at 0x203000, 1 page of
 * file and 3 of memory (bss). The text holds a valid boot entry table. */
struct image {
	uint8_t file[FILE_SIZE];
	size_t size;
};

static struct image *img;
static struct elf_load_plan plan;

static struct ehdr *eh(void) { return (struct ehdr *)img->file; }
static struct phdr *ph(unsigned i) { return (struct phdr *)(img->file + 64 + i * 56); }

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t paddr,
		     uint64_t filesz, uint64_t memsz)
{
	*ph(i) = (struct phdr){
		.type = type, .flags = flags, .offset = offset, .vaddr = VBASE + paddr,
		.paddr = paddr, .filesz = filesz, .memsz = memsz, .align = 0x1000,
	};
}

static void put_table(size_t file_off, uint64_t entry, uint64_t start, uint64_t end)
{
	struct boot_entry_table t = {
		.magic = BOOT_ENTRY_TABLE_MAGIC, .efi_entry64_phys = entry,
		.image_start_phys = start, .image_end_phys = end,
	};
	memcpy(img->file + file_off, &t, sizeof(t));
}

static int setup(void **state)
{
	(void)state;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -1;
	img->size = 0x5000;
	struct ehdr *h = eh();
	memcpy(h->ident, "\x7f" "ELF", 4);
	h->ident[4] = 2;   /* ELFCLASS64 */
	h->ident[5] = 1;   /* little-endian */
	h->ident[6] = 1;   /* version */
	h->type = 2;       /* ET_EXEC */
	h->machine = 62;   /* EM_X86_64 */
	h->version = 1;
	h->entry = VBASE + 0x200080;
	h->phoff = 64;
	h->ehsize = 64;
	h->phentsize = 56;
	h->phnum = 3;
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x2000, 0x2000);
	set_phdr(1, PT_LOAD, PF_R, 0x3000, 0x202000, 0x1000, 0x1000);
	set_phdr(2, PT_LOAD, PF_R | PF_W, 0x4000, 0x203000, 0x1000, 0x3000);
	/* Recognisable contents: text 0x11, rodata 0x22, data 0x33. */
	memset(img->file + 0x1000, 0x11, 0x2000);
	memset(img->file + 0x3000, 0x22, 0x1000);
	memset(img->file + 0x4000, 0x33, 0x1000);
	put_table(0x1000 + TABLE_OFF, 0x200100, 0x200000, 0x206000);
	host_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img);
	return 0;
}

static int plan_it(void)
{
	return elf_load_plan(&plan, "plinth.elf", img->file, img->size);
}

/* Expect -ENOEXEC and an error message containing 'needle'. */
static void expect_reject(const char *needle)
{
	assert_int_equal(plan_it(), -ENOEXEC);
	assert_int_equal(host_log_count(LOG_ERR), 1);
	if (!host_log_contains(needle))
		fail_msg("expected a message containing '%s', got '%s'", needle,
			 host_last_problem());
}

/* ------------------------------------------------------------ good images */

static void test_plan_plinth_like(void **state)
{
	(void)state;
	assert_int_equal(plan_it(), 0);
	assert_int_equal(plan.count, 3);
	assert_int_equal(plan.phys_start, 0x200000);
	assert_int_equal(plan.phys_end, 0x206000);
	assert_int_equal(plan.seg[2].paddr, 0x203000);
	assert_int_equal(plan.seg[2].filesz, 0x1000);
	assert_int_equal(plan.seg[2].memsz, 0x3000);
	assert_int_equal(plan.seg[0].flags, PF_R | PF_X);
	assert_int_equal(host_log_count(LOG_ERR), 0);
}

static void test_copy_places_and_zeroes(void **state)
{
	(void)state;
	/* Leave a one-page gap between rodata and data, and make the text's
	 * memory size not a page multiple. */
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x1800, 0x1900);
	set_phdr(2, PT_LOAD, PF_R | PF_W, 0x4000, 0x204000, 0x800, 0x2100);
	put_table(0x1000 + TABLE_OFF, 0x200100, 0x200000, 0x206100);
	assert_int_equal(plan_it(), 0);
	assert_int_equal(plan.phys_end, 0x207000);

	size_t span = (size_t)(plan.phys_end - plan.phys_start);
	uint8_t *mem = malloc(span);
	assert_non_null(mem);
	memset(mem, 0xEE, span);   /* stale contents must not survive */
	elf_load_copy(&plan, img->file, mem);
	for (size_t off = 0; off < span; off++) {
		uint64_t pa = 0x200000 + off;
		uint8_t want = 0;
		if (pa < 0x201800)
			want = 0x11;
		else if (pa >= 0x202000 && pa < 0x203000)
			want = 0x22;
		else if (pa >= 0x204000 && pa < 0x204800)
			want = 0x33;
		if (pa >= 0x200000 + TABLE_OFF && pa < 0x200000 + TABLE_OFF + 32)
			continue;   /* the entry table inside the text */
		if (mem[off] != want)
			fail_msg("byte at 0x%llx is 0x%02x, expected 0x%02x",
				 (unsigned long long)pa, mem[off], want);
	}

	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), 0);
	assert_int_equal(t.efi_entry64_phys, 0x200100);
	assert_int_equal(t.image_end_phys, 0x206100);
	free(mem);
}

static void test_zero_size_and_other_segments_skipped(void **state)
{
	(void)state;
	eh()->phnum = 5;
	set_phdr(3, PT_LOAD, PF_R, 0, 0x100000, 0, 0);          /* no memory: ignored */
	set_phdr(4, 0x6474e551 /* PT_GNU_STACK */, PF_R | PF_W, 0, 0, 0, 0);
	assert_int_equal(plan_it(), 0);
	assert_int_equal(plan.count, 3);
	assert_int_equal(plan.phys_start, 0x200000);
}

static void test_unaligned_phdr_offset(void **state)
{
	(void)state;
	/* Program headers at an odd offset: read with memcpy, not in place. */
	memmove(img->file + 0x201, img->file + 64, 3 * 56);
	eh()->phoff = 0x201;
	assert_int_equal(plan_it(), 0);
	assert_int_equal(plan.count, 3);
}

static void test_segment_ending_at_4g(void **state)
{
	(void)state;
	eh()->phnum = 1;
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0xFFFFF000, 0x1000, 0x1000);
	assert_int_equal(plan_it(), 0);
	assert_int_equal(plan.phys_end, 0x100000000ULL);
}

/* ------------------------------------------------------------ bad headers */

static void test_too_short(void **state)
{
	(void)state;
	assert_int_equal(elf_load_plan(&plan, "plinth.elf", img->file, 63), -ENOEXEC);
	assert_true(host_log_contains("63 bytes is too short"));
	assert_int_equal(elf_load_plan(&plan, "plinth.elf", NULL, 100), -ENOEXEC);
}

static void test_bad_magic(void **state)
{
	(void)state;
	img->file[1] = 'e';
	expect_reject("not an ELF file");
}

static void test_class32(void **state)
{
	(void)state;
	img->file[4] = 1;
	expect_reject("ELF class 1, expected 2");
}

static void test_big_endian(void **state)
{
	(void)state;
	img->file[5] = 2;
	expect_reject("not a little-endian version 1");
}

static void test_bad_version(void **state)
{
	(void)state;
	eh()->version = 2;
	expect_reject("not a little-endian version 1");
}

static void test_wrong_machine(void **state)
{
	(void)state;
	eh()->machine = 3;   /* EM_386 */
	expect_reject("ELF machine 3, expected 62");
}

static void test_not_executable(void **state)
{
	(void)state;
	eh()->type = 3;      /* ET_DYN */
	expect_reject("ELF type 3, expected 2");
}

static void test_phentsize(void **state)
{
	(void)state;
	eh()->phentsize = 32;
	expect_reject("program header size 32, expected 56");
}

static void test_phnum_zero_and_huge(void **state)
{
	(void)state;
	eh()->phnum = 0;
	expect_reject("0 program headers");
	host_log_reset();
	eh()->phnum = ELF_LOAD_MAX_PHNUM + 1;
	expect_reject("65 program headers");
	host_log_reset();
	eh()->phnum = 0xFFFF;   /* PN_XNUM */
	expect_reject("65535 program headers");
}

static void test_phdrs_outside_file(void **state)
{
	(void)state;
	eh()->phoff = img->size - 100;   /* 3 headers need 168 bytes */
	expect_reject("run past the end of the file");
	host_log_reset();
	eh()->phoff = UINT64_MAX - 10;   /* phoff + table wraps */
	expect_reject("run past the end of the file");
}

/* ------------------------------------------------------------ bad segments */

static void test_filesz_above_memsz(void **state)
{
	(void)state;
	ph(1)->filesz = 0x1001;
	expect_reject("segment 1 has more file bytes (0x1001) than memory (0x1000)");
}

static void test_segment_past_file_end(void **state)
{
	(void)state;
	ph(2)->offset = img->size - 0x800;
	expect_reject("segment 2 (offset 0x4800, 0x1000 bytes) runs past the end");
	host_log_reset();
	ph(2)->offset = UINT64_MAX - 0x10;   /* offset + filesz wraps */
	expect_reject("runs past the end of the file");
}

static void test_segment_above_4g(void **state)
{
	(void)state;
	ph(2)->paddr = 0x100000000ULL;
	expect_reject("segment 2 at physical 0x100000000 + 0x3000 is not below 4 GiB");
	host_log_reset();
	ph(2)->paddr = 0xFFFFF000;          /* starts below, ends above */
	expect_reject("is not below 4 GiB");
	host_log_reset();
	ph(2)->paddr = 0x203000;
	ph(2)->memsz = UINT64_MAX - 0x100;  /* paddr + memsz wraps */
	ph(2)->filesz = 0;
	expect_reject("is not below 4 GiB");
}

static void test_overlap_and_order(void **state)
{
	(void)state;
	ph(1)->paddr = 0x201FFF;            /* one byte into the text */
	expect_reject("segment 1 at physical 0x201fff overlaps or precedes");
	host_log_reset();
	ph(1)->paddr = 0x100000;            /* below the first: descending */
	expect_reject("overlaps or precedes");
}

static void test_interp_and_dynamic(void **state)
{
	(void)state;
	eh()->phnum = 4;
	set_phdr(3, 3 /* PT_INTERP */, PF_R, 0x100, 0, 0x10, 0x10);
	expect_reject("segment 3 is PT_INTERP");
	host_log_reset();
	set_phdr(3, 2 /* PT_DYNAMIC */, PF_R, 0x100, 0, 0x10, 0x10);
	expect_reject("segment 3 is PT_DYNAMIC");
}

static void test_no_loadable(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3; i++)
		ph(i)->type = 4;   /* PT_NOTE */
	expect_reject("no loadable segments");
}

static void test_too_many_segments(void **state)
{
	(void)state;
	eh()->phnum = ELF_LOAD_MAX_SEGMENTS + 1;
	for (unsigned i = 0; i <= ELF_LOAD_MAX_SEGMENTS; i++)
		set_phdr(i, PT_LOAD, PF_R, 0x1000, 0x200000 + i * 0x1000ULL, 0x100, 0x100);
	expect_reject("more than 16 loadable segments");
}

/* ------------------------------------------------------------ entry table */

/* Plan and load the current image; returns the loaded memory. */
static uint8_t *load(void)
{
	assert_int_equal(plan_it(), 0);
	uint8_t *mem = malloc((size_t)(plan.phys_end - plan.phys_start));
	assert_non_null(mem);
	elf_load_copy(&plan, img->file, mem);
	host_log_reset();
	return mem;
}

static void test_table_missing(void **state)
{
	(void)state;
	memset(img->file + 0x1000 + TABLE_OFF, 0x11, 32);
	uint8_t *mem = load();
	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	assert_true(host_log_contains("no plinth boot entry table in the first 32 KiB"));
	free(mem);
}

static void test_table_unaligned_ignored(void **state)
{
	(void)state;
	memset(img->file + 0x1000 + TABLE_OFF, 0x11, 32);
	put_table(0x1000 + TABLE_OFF + 4, 0x200100, 0x200000, 0x206000);
	uint8_t *mem = load();
	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);
}

static void test_table_beyond_32k(void **state)
{
	(void)state;
	/* One 40 KiB text segment with the table just past 32 KiB. */
	img->size = 0x1000 + 0xA000;
	eh()->phnum = 1;
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0xA000, 0xA000);
	memset(img->file + 0x1000, 0x11, 0xA000);
	put_table(0x1000 + ELF_ENTRY_TABLE_SCAN, 0x200100, 0x200000, 0x20A000);
	uint8_t *mem = load();
	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);

	/* The last slot that fits within 32 KiB is found. */
	memset(img->file + 0x1000, 0x11, 0xA000);
	put_table(0x1000 + ELF_ENTRY_TABLE_SCAN - 32, 0x200100, 0x200000, 0x20A000);
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), 0);
	free(mem);
}

static void test_table_in_bss_region_not_read_past_end(void **state)
{
	(void)state;
	/* An image smaller than 32 KiB: the scan stops at its end (ASan
	 * catches a read past the loaded memory). */
	img->size = 0x2000;
	eh()->phnum = 1;
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x1000, 0x1000);
	memset(img->file + 0x1000, 0x11, 0x1000);
	uint8_t *mem = load();
	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);
}

static void test_entry_not_executable(void **state)
{
	(void)state;
	put_table(0x1000 + TABLE_OFF, 0x202010, 0x200000, 0x206000);   /* in rodata */
	uint8_t *mem = load();
	struct boot_entry_table t;
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	assert_true(host_log_contains("entry point 0x202010 is not in an executable segment"));
	free(mem);

	put_table(0x1000 + TABLE_OFF, 0x900000, 0x200000, 0x206000);   /* outside */
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);

	put_table(0x1000 + TABLE_OFF, UINT64_MAX, 0x200000, 0x206000);  /* wraps */
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);
}

static void test_image_extent_inconsistent(void **state)
{
	(void)state;
	struct boot_entry_table t;
	uint8_t *mem;

	put_table(0x1000 + TABLE_OFF, 0x200100, 0x200000, 0x207000);   /* past the segments */
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	assert_true(host_log_contains("entry table describes the image as 0x200000-0x207000"));
	free(mem);

	put_table(0x1000 + TABLE_OFF, 0x200100, 0x1FF000, 0x206000);   /* before them */
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);

	put_table(0x1000 + TABLE_OFF, 0x200100, 0x205000, 0x204000);   /* reversed */
	mem = load();
	assert_int_equal(elf_find_entry_table(&plan, mem, "plinth.elf", &t), -ENOEXEC);
	free(mem);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plan_plinth_like),
		T(test_copy_places_and_zeroes),
		T(test_zero_size_and_other_segments_skipped),
		T(test_unaligned_phdr_offset),
		T(test_segment_ending_at_4g),
		T(test_too_short),
		T(test_bad_magic),
		T(test_class32),
		T(test_big_endian),
		T(test_bad_version),
		T(test_wrong_machine),
		T(test_not_executable),
		T(test_phentsize),
		T(test_phnum_zero_and_huge),
		T(test_phdrs_outside_file),
		T(test_filesz_above_memsz),
		T(test_segment_past_file_end),
		T(test_segment_above_4g),
		T(test_overlap_and_order),
		T(test_interp_and_dynamic),
		T(test_no_loadable),
		T(test_too_many_segments),
		T(test_table_missing),
		T(test_table_unaligned_ignored),
		T(test_table_beyond_32k),
		T(test_table_in_bss_region_not_read_past_end),
		T(test_entry_not_executable),
		T(test_image_extent_inconsistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
