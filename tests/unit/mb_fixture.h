/* mb_fixture.h - what the Multiboot 1 and Multiboot 2 parser tests
 * (test_multiboot1.c, test_multiboot2.c) share: the PC memory map their
 * GRUB-like handoffs carry, a boot_info full of junk for the parser to
 * fill, the expectation of a rejected handoff, and the checks of a valid
 * and of a randomly corrupted one. Include after <cmocka.h>,
 * "host_support.h" and <plinth/multiboot.h>. */
#ifndef TESTS_MB_FIXTURE_H
#define TESTS_MB_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One memory map entry to build (both specs' entries carry these). */
struct mmap_spec { uint64_t base, length; uint32_t type; };

/* A PC's e820 map as GRUB passes it: RAM below 640 KiB, the EBDA and BIOS
 * reserved, 126 MiB of RAM from 1 MiB, ACPI data, the flash. */
static const struct mmap_spec pc_map[6] = {
	{ 0x0,        0x9fc00,    1 },
	{ 0x9fc00,    0x400,      2 },
	{ 0xf0000,    0x10000,    2 },
	{ 0x100000,   0x7ee0000,  1 },
	{ 0x7fe0000,  0x20000,    3 },
	{ 0xfffc0000, 0x40000,    2 },
};

/* The test's parser on the info at physical pa. */
typedef int (*mb_parse_fn)(struct boot_info *bi, uint32_t pa);

/* A boot_info filled with junk: every field the parser leaves unwritten
 * shows. free() it. */
static inline struct boot_info *new_bi(void)
{
	struct boot_info *bi = malloc(sizeof(*bi));
	assert_non_null(bi);
	memset(bi, 0x5a, sizeof(*bi));
	return bi;
}

/* Parse the info at pa, expect -EINVAL and a logged error containing msg. */
static inline void mb_expect_error(mb_parse_fn parse, uint32_t pa, const char *msg)
{
	struct boot_info *bi = new_bi();
	host_log_reset();
	assert_int_equal(parse(bi, pa), -EINVAL);
	if (!host_log_contains(msg))
		fail_msg("expected an error containing '%s', last problem '%s'", msg,
			 host_last_problem());
	assert_true(host_log_count(LOG_ERR) >= 1);
	free(bi);
}

/* What both tests' valid handoff (build_valid) says, parsed by loader
 * kind: no problem logged, command line "loglevel=3 smp=2", the modules
 * "/boot/guest.elf a b" at [0x200000, 0x201234) and "initrd", and the
 * memory map pc_map (types 1..3 map 1:1; not the basic meminfo). */
static inline void mb_assert_valid_handoff(const struct boot_info *bi, uint32_t loader)
{
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);
	assert_true(bi->magic == BOOT_INFO_MAGIC);
	assert_int_equal(bi->loader, loader);
	assert_string_equal(bi->cmdline, "loglevel=3 smp=2");
	assert_int_equal(bi->module_count, 2);
	assert_int_equal(bi->modules[0].start, 0x200000);
	assert_int_equal(bi->modules[0].end, 0x201234);
	assert_string_equal(bi->modules[0].string, "/boot/guest.elf a b");
	assert_string_equal(bi->modules[1].string, "initrd");
	assert_int_equal(bi->mem_count, 6);
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(bi->mem[i].base, pc_map[i].base);
		assert_int_equal(bi->mem[i].length, pc_map[i].length);
		assert_int_equal(bi->mem[i].type, pc_map[i].type);
	}
}

/* The verdict on one parse (result err) of a randomly corrupted handoff:
 * a success must still give a well-formed boot_info, a failure must be
 * -EINVAL or -ENOSPC with an error logged. Counted in *ok or *failed. */
static inline void mb_check_corrupted_parse(int err, const struct boot_info *bi, int *ok,
					    int *failed)
{
	if (err == 0) {
		(*ok)++;
		assert_true(bi->mem_count > 0 && bi->mem_count <= BOOT_MAX_MEM_RANGES);
		assert_true(bi->module_count <= BOOT_MAX_MODULES);
		assert_true(strlen(bi->cmdline) < BOOT_CMDLINE_MAX);
	} else {
		(*failed)++;
		assert_true(err == -EINVAL || err == -ENOSPC);
		assert_true(host_log_count(LOG_ERR) > 0);
	}
}

#endif
