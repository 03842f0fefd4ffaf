/* test_loader_linux.c - the Linux boot protocol loader's pure parts
 * (vmm/loader_linux.c): setup header checks on a synthetic bzImage and on
 * corrupted ones (boot flag, "HdrS", old protocols, zImages, setup_sects 0,
 * truncation, a header running past the setup, init_size), the placement of
 * kernel, command line and initrd (initrd_addr_max, RAM, too long a command
 * line), the e820 map, the zero page, and the 64-bit entry: XLF_KERNEL_64
 * and the identity-mapping page tables (walked here as a CPU would); the
 * firmware's MTRRs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/loader_linux.h"
#include "host_support.h"

#define SETUP_SECTS 5
#define KERNEL_BYTES 3000

static uint8_t img[(SETUP_SECTS + 1) * 512 + KERNEL_BYTES];

static void p16(size_t off, uint16_t v) { img[off] = (uint8_t)v; img[off + 1] = (uint8_t)(v >> 8); }
static void p32(size_t off, uint32_t v) { p16(off, (uint16_t)v); p16(off + 2, (uint16_t)(v >> 16)); }
static uint32_t g32(const uint8_t *p, size_t off)
{
	return p[off] | (p[off + 1] << 8) | (p[off + 2] << 16) | ((uint32_t)p[off + 3] << 24);
}
static uint64_t g64(const uint8_t *p, size_t off)
{
	return g32(p, off) | ((uint64_t)g32(p, off + 4) << 32);
}

/* A bzImage header as Linux 6.1 has it (protocol 2.15). */
static void make_image(void)
{
	memset(img, 0x90, sizeof(img));
	img[LX_SETUP_SECTS] = SETUP_SECTS;
	p16(LX_BOOT_FLAG, 0xAA55);
	img[LX_JUMP] = 0xEB;
	img[LX_JUMP + 1] = 0x6A;                 /* header ends at 0x26C */
	memcpy(img + LX_HEADER, "HdrS", 4);
	p16(LX_VERSION, 0x020F);
	img[LX_TYPE_OF_LOADER] = 0;
	img[LX_LOADFLAGS] = LX_LOADED_HIGH;
	p32(LX_CODE32_START, 0x100000);
	p32(LX_RAMDISK_IMAGE, 0);
	p32(LX_RAMDISK_SIZE, 0);
	p32(LX_INITRD_ADDR_MAX, 0x7FFFFFFF);
	p32(LX_KERNEL_ALIGN, 0x200000);
	img[LX_RELOCATABLE] = 1;
	p16(LX_XLOADFLAGS, 0x7F);
	p32(LX_CMDLINE_SIZE, 2047);
	p32(LX_INIT_SIZE, 0x2000000);            /* 32 MiB */
}

static void expect_refused(const char *why)
{
	struct linux_image li;

	host_log_reset();
	assert_int_equal(linux_parse(img, sizeof(img), &li), -ENOEXEC);
	assert_true(host_log_contains(why));
	make_image();
}

static void test_parse_good(void **state)
{
	struct linux_image li;

	make_image();
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_int_equal(li.version, 0x020F);
	assert_int_equal(li.setup_sects, SETUP_SECTS);
	assert_int_equal(li.kernel_offset, (SETUP_SECTS + 1) * 512);
	assert_int_equal(li.kernel_size, KERNEL_BYTES);
	assert_int_equal(li.header_end, 0x26C);
	assert_int_equal(li.init_size, 0x2000000);
	assert_int_equal(li.initrd_addr_max, 0x7FFFFFFF);
	assert_int_equal(li.cmdline_size, 2047);
	assert_true(li.relocatable);
	/* setup_sects 0 means 4. */
	img[LX_SETUP_SECTS] = 0;
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_int_equal(li.setup_sects, 4);
	assert_int_equal(li.kernel_offset, 5 * 512);
}

static void test_parse_refused(void **state)
{
	struct linux_image li;

	make_image();
	p16(LX_BOOT_FLAG, 0x55AA);
	expect_refused("no boot flag 0xAA55");
	memcpy(img + LX_HEADER, "HdrT", 4);
	expect_refused("pre-2.00");
	p16(LX_VERSION, 0x020B);
	expect_refused("2.11 is too old");
	img[LX_LOADFLAGS] = 0;
	expect_refused("zImage");
	img[LX_SETUP_SECTS] = 200;
	expect_refused("past the end");
	img[LX_JUMP + 1] = 0x10;                 /* header ends before init_size */
	expect_refused("corrupt header");
	p32(LX_INIT_SIZE, 100);
	expect_refused("init_size");
	/* Truncated before the header. */
	host_log_reset();
	assert_int_equal(linux_parse(img, 0x200, &li), -ENOEXEC);
	assert_true(host_log_contains("too small"));
	/* Exactly the setup and nothing else: no kernel. */
	assert_int_equal(linux_parse(img, (SETUP_SECTS + 1) * 512, &li), -ENOEXEC);
}

static void test_plan(void **state)
{
	struct linux_image li;
	struct linux_plan plan;

	make_image();
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_int_equal(linux_plan(&li, 256 * MiB, 100, 2000000, &plan), 0);
	assert_int_equal(plan.kernel_gpa, LX_KERNEL_GPA);
	assert_int_equal(plan.kernel_end, LX_KERNEL_GPA + 0x2000000);
	assert_int_equal(plan.cmdline_gpa, LX_CMDLINE_GPA);
	/* At the top of RAM, page aligned. */
	assert_int_equal(plan.initrd_gpa, (256 * MiB - 2000000) & ~4095ull);
	assert_int_equal(plan.initrd_size, 2000000);
	/* initrd_addr_max lower than RAM: the initrd ends at or below it. */
	p32(LX_INITRD_ADDR_MAX, 0x5FFFFFF);
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_int_equal(linux_plan(&li, 256 * MiB, 0, 4096, &plan), 0);
	assert_int_equal(plan.initrd_gpa, 0x6000000 - 4096);
	/* No initrd. */
	assert_int_equal(linux_plan(&li, 256 * MiB, 0, 0, &plan), 0);
	assert_int_equal(plan.initrd_gpa, 0);
	assert_int_equal(plan.initrd_size, 0);
	/* Command line too long. */
	host_log_reset();
	assert_int_equal(linux_plan(&li, 256 * MiB, 2048, 0, &plan), -E2BIG);
	assert_true(host_log_contains("longer than the kernel takes"));
	/* The kernel's init_size does not fit. */
	host_log_reset();
	assert_int_equal(linux_plan(&li, 32 * MiB, 0, 0, &plan), -ENOSPC);
	assert_true(host_log_contains("init_size"));
	/* The initrd does not fit above the kernel. */
	host_log_reset();
	assert_int_equal(linux_plan(&li, 64 * MiB, 0, 80 * MiB, &plan), -ENOSPC);
	assert_int_equal(linux_plan(&li, 256 * MiB, 0, 64 * MiB, &plan), -ENOSPC);
	assert_true(host_log_contains("does not fit"));
}

static void test_e820(void **state)
{
	struct e820_entry e[LX_E820_MAX];
	unsigned n = linux_e820(256 * MiB, e, LX_E820_MAX);

	assert_int_equal(n, 6);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, LX_LOW_RAM_END);
	assert_int_equal(e[0].type, E820_RAM);
	assert_int_equal(e[2].addr, LX_BIOS_AREA);
	assert_int_equal(e[2].type, E820_RESERVED);
	assert_int_equal(e[3].addr, 1 * MiB);
	assert_int_equal(e[3].size, 255 * MiB);
	assert_int_equal(e[3].type, E820_RAM);
	assert_int_equal(e[4].addr, 0xFEC00000);
	assert_int_equal(e[5].addr, 0xFEE00000);
	/* Entries never overlap and stay sorted. */
	for (unsigned i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	/* A table too small takes what fits. */
	assert_int_equal(linux_e820(256 * MiB, e, 2), 2);
}

static void test_zero_page(void **state)
{
	struct linux_image li;
	struct linux_plan plan;
	static uint8_t bp[LX_BP_SIZE];

	make_image();
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_int_equal(linux_plan(&li, 256 * MiB, 10, 5000, &plan), 0);
	memset(bp, 0xEE, sizeof(bp));
	linux_fill_zero_page(bp, img, &li, &plan, 256 * MiB, 0xE0000);
	/* Zeroed outside the header and the fields set. */
	assert_int_equal(bp[0], 0);
	assert_int_equal(bp[0x1F0], 0);
	assert_int_equal(bp[0x26C], 0);
	assert_int_equal(bp[LX_BP_SIZE - 1], 0);
	/* The header copied. */
	assert_memory_equal(bp + LX_HEADER, "HdrS", 4);
	assert_int_equal(bp[LX_SETUP_SECTS], SETUP_SECTS);
	assert_int_equal(g32(bp, LX_INIT_SIZE), 0x2000000);
	/* The loader's fields. */
	assert_int_equal(bp[LX_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(bp[LX_LOADFLAGS] & LX_LOADED_HIGH, LX_LOADED_HIGH);
	assert_int_equal(bp[LX_LOADFLAGS] & LX_CAN_USE_HEAP, 0);
	assert_int_equal(g32(bp, LX_CMD_LINE_PTR), LX_CMDLINE_GPA);
	assert_int_equal(g32(bp, LX_RAMDISK_IMAGE), plan.initrd_gpa);
	assert_int_equal(g32(bp, LX_RAMDISK_SIZE), 5000);
	assert_int_equal(g32(bp, LX_CODE32_START), LX_KERNEL_GPA);
	assert_int_equal(g64(bp, LX_BP_ACPI_RSDP), 0xE0000);
	assert_int_equal(bp[LX_BP_E820_ENTRIES], 6);
	assert_int_equal(g64(bp, LX_BP_E820_TABLE + 3 * 20), 1 * MiB);
	assert_int_equal(g64(bp, LX_BP_E820_TABLE + 3 * 20 + 8), 255 * MiB);
	assert_int_equal(g32(bp, LX_BP_E820_TABLE + 3 * 20 + 16), E820_RAM);
}

static void test_entry64(void **state)
{
	struct linux_image li;

	make_image();
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	assert_true(linux_has_entry64(&li));
	p16(LX_XLOADFLAGS, 0x7E);                /* no XLF_KERNEL_64 */
	assert_int_equal(linux_parse(img, sizeof(img), &li), 0);
	host_log_reset();
	assert_false(linux_has_entry64(&li));
	assert_true(host_log_contains("XLF_KERNEL_64"));
}

/* Translate addr through the tables in t (loaded at gpa) as 4-level
 * paging does; 0 if a level is not present. */
static uint64_t walk(const uint8_t *t, uint64_t gpa, uint64_t addr)
{
	uint64_t e = g64(t, 8 * ((addr >> 39) & 0x1FF));

	if (!(e & 1) || (e & 0x80))
		return 0;
	e = g64(t, (e & ~0xFFFull) - gpa + 8 * ((addr >> 30) & 0x1FF));
	if (!(e & 1) || (e & 0x80))
		return 0;
	e = g64(t, (e & ~0xFFFull) - gpa + 8 * ((addr >> 21) & 0x1FF));
	if (!(e & 1) || !(e & 0x80) || !(e & 2))
		return 0;
	return (e & ~0x1FFFFFull & 0x000FFFFFFFFFFFFFull) | (addr & 0x1FFFFF);
}

static void test_identity_tables(void **state)
{
	static uint8_t t[LX_PT_SIZE + 64];
	const uint64_t gpa = LX_PT_GPA;

	memset(t, 0xEE, sizeof(t));
	assert_int_equal(linux_identity_tables(t, sizeof(t), gpa), LX_PT_SIZE);
	assert_int_equal(t[LX_PT_SIZE], 0xEE);   /* nothing written past the tables */
	/* Every 2 MiB page of the low 4 GiB maps to itself. */
	for (uint64_t a = 0x1234; a < 4ull << 30; a += 2 * MiB + 0x1000)
		assert_int_equal(walk(t, gpa, a), a);
	assert_int_equal(walk(t, gpa, (4ull << 30) - 1), (4ull << 30) - 1);
	assert_int_equal(walk(t, gpa, LX_KERNEL_GPA + 0x200), LX_KERNEL_GPA + 0x200);
	/* Nothing above 4 GiB or in the upper half. */
	assert_int_equal(walk(t, gpa, 4ull << 30), 0);
	assert_int_equal(walk(t, gpa, 0xFFFFFFFF80000000ull), 0);
	/* Refused: misaligned, crossing 4 GiB, too small a buffer. */
	host_log_reset();
	assert_int_equal(linux_identity_tables(t, sizeof(t), gpa + 8), -EINVAL);
	assert_int_equal(linux_identity_tables(t, sizeof(t), (4ull << 30) - 4096), -EINVAL);
	assert_int_equal(linux_identity_tables(t, LX_PT_SIZE - 1, gpa), -ENOSPC);
	assert_true(host_log_contains("too few"));
}

static void test_firmware_mtrrs(void **state)
{
	struct linux_mtrrs m;

	linux_firmware_mtrrs(40, &m);
	assert_int_equal(m.def_type, 0xC06);                      /* E, FE, WB */
	assert_int_equal(m.fixed[0], 0x0606060606060606ull);      /* 0-0x7FFFF WB */
	assert_int_equal(m.fixed[1], 0x0606060606060606ull);
	assert_int_equal(m.fixed[2], 0);                          /* 0xA0000-0xBFFFF UC */
	for (unsigned i = 3; i < LX_MTRR_FIXED; i++)
		assert_int_equal(m.fixed[i], 0x0606060606060606ull);
	assert_int_equal(m.var_base, 0xC0000000ull);              /* UC */
	assert_int_equal(m.var_mask, 0xFFC0000000ull | 0x800);    /* 1 GiB, valid */
	/* An implausible MAXPHYADDR falls back to 36 bits. */
	linux_firmware_mtrrs(99, &m);
	assert_int_equal(m.var_mask, 0xFC0000000ull | 0x800);
	linux_firmware_mtrrs(52, &m);
	assert_int_equal(m.var_mask, 0xFFFFFC0000000ull | 0x800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_e820),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_entry64),
		cmocka_unit_test(test_identity_tables),
		cmocka_unit_test(test_firmware_mtrrs),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
