/* loader_linux.c - the pure parts of the Linux boot protocol (see
 * loader_linux.h; boot.rst sections cited as "boot.rst §NAME"). */
#include <plinth/log.h>
#include <plinth/le_bytes.h>
#include <plinth/string.h>
#include "loader_linux.h"

#define SECTOR 512u
#define PAGE   4096u

int linux_parse(const uint8_t *img, size_t size, struct linux_image *li)
{
	size_t setup_end;

	memset(li, 0, sizeof(*li));
	/* The header must be there to be read at all. */
	if (size < LX_INIT_SIZE + 4) {
		pr_err("linux: image of %zu bytes is too small to hold a setup header", size);
		return -ENOEXEC;
	}
	if (le_get16(img, LX_BOOT_FLAG) != 0xAA55) {
		pr_err("linux: no boot flag 0xAA55 at offset 0x1FE (found 0x%04x): not a Linux "
		       "kernel image", le_get16(img, LX_BOOT_FLAG));
		return -ENOEXEC;
	}
	if (memcmp(img + LX_HEADER, "HdrS", 4) != 0) {
		pr_err("linux: no \"HdrS\" at offset 0x202: a pre-2.00 boot protocol image "
		       "(unsupported)");
		return -ENOEXEC;
	}
	li->version = le_get16(img, LX_VERSION);
	if (li->version < LX_MIN_VERSION) {
		pr_err("linux: boot protocol %u.%02u is too old (plinth needs 2.12 or later)",
		       li->version >> 8, li->version & 0xFF);
		return -ENOEXEC;
	}
	/* boot.rst §"Details of header fields", setup_sects: 0 means 4. */
	li->setup_sects = img[LX_SETUP_SECTS] ? img[LX_SETUP_SECTS] : 4;
	li->loadflags = img[LX_LOADFLAGS];
	if (!(li->loadflags & LX_LOADED_HIGH)) {
		pr_err("linux: a zImage (loadflags LOADED_HIGH clear) must load at 0x10000; only "
		       "bzImages are supported");
		return -ENOEXEC;
	}
	/* The byte after the jump at 0x200 says where the header ends. */
	li->header_end = LX_HEADER + img[LX_JUMP + 1];
	setup_end = (size_t)(li->setup_sects + 1) * SECTOR;
	if (li->header_end < LX_INIT_SIZE + 4 || li->header_end > setup_end) {
		pr_err("linux: setup header ends at 0x%zx, outside 0x%x..0x%zx (corrupt header)",
		       li->header_end, LX_INIT_SIZE + 4, setup_end);
		return -ENOEXEC;
	}
	if (setup_end >= size) {
		pr_err("linux: %u setup sectors reach past the end of the %zu-byte image "
		       "(truncated?)", li->setup_sects, size);
		return -ENOEXEC;
	}
	li->kernel_offset = setup_end;
	li->kernel_size = size - setup_end;
	li->xloadflags = le_get16(img, LX_XLOADFLAGS);
	li->initrd_addr_max = le_get32(img, LX_INITRD_ADDR_MAX);
	li->cmdline_size = le_get32(img, LX_CMDLINE_SIZE);
	li->kernel_alignment = le_get32(img, LX_KERNEL_ALIGN);
	li->relocatable = img[LX_RELOCATABLE];
	li->init_size = le_get32(img, LX_INIT_SIZE);
	if (li->init_size < li->kernel_size) {
		pr_err("linux: init_size 0x%x is smaller than the kernel's 0x%zx bytes (corrupt "
		       "header)", li->init_size, li->kernel_size);
		return -ENOEXEC;
	}
	return 0;
}

int linux_plan(const struct linux_image *li, uint64_t ram_size, size_t cmdline_len,
	       uint64_t initrd_size, struct linux_plan *plan)
{
	uint64_t top;

	memset(plan, 0, sizeof(*plan));
	if (cmdline_len > li->cmdline_size) {
		pr_err("linux: command line of %zu bytes is longer than the kernel takes (%u)",
		       cmdline_len, li->cmdline_size);
		return -E2BIG;
	}
	plan->cmdline_gpa = LX_CMDLINE_GPA;
	plan->kernel_gpa = LX_KERNEL_GPA;
	/* boot.rst §"Details of header fields", init_size: the kernel needs
	 * this much from its load address while it decompresses itself. */
	plan->kernel_end = LX_KERNEL_GPA + li->init_size;
	if (plan->kernel_end > ram_size) {
		pr_err("linux: the kernel needs RAM up to 0x%llx (init_size 0x%x); the VM has "
		       "0x%llx bytes", (unsigned long long)plan->kernel_end, li->init_size,
		       (unsigned long long)ram_size);
		return -ENOSPC;
	}
	if (!initrd_size)
		return 0;
	/* As high as possible: initrd_addr_max is the last byte it may use. */
	top = MIN(ram_size, (uint64_t)li->initrd_addr_max + 1);
	if (initrd_size > top || ((top - initrd_size) & ~(uint64_t)(PAGE - 1)) < plan->kernel_end) {
		pr_err("linux: an initrd of %llu bytes does not fit between the kernel (ends "
		       "0x%llx) and 0x%llx", (unsigned long long)initrd_size,
		       (unsigned long long)plan->kernel_end, (unsigned long long)top);
		return -ENOSPC;
	}
	plan->initrd_gpa = (top - initrd_size) & ~(uint64_t)(PAGE - 1);
	plan->initrd_size = initrd_size;
	return 0;
}

unsigned linux_e820(uint64_t ram_size, struct e820_entry *e, unsigned max)
{
	const struct e820_entry all[] = {
		{ 0, MIN(ram_size, (uint64_t)LX_LOW_RAM_END), E820_RAM },
		{ LX_LOW_RAM_END, 0xA0000 - LX_LOW_RAM_END, E820_RESERVED },
		{ LX_BIOS_AREA, 0x100000 - LX_BIOS_AREA, E820_RESERVED },
		{ 0x100000, ram_size > 0x100000 ? ram_size - 0x100000 : 0, E820_RAM },
		{ 0xFEC00000, 0x1000, E820_RESERVED },     /* I/O APIC */
		{ 0xFEE00000, 0x1000, E820_RESERVED },     /* local APIC */
	};
	unsigned n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(all) && n < max; i++)
		if (all[i].size)
			e[n++] = all[i];
	return n;
}

void linux_fill_zero_page(uint8_t *bp, const uint8_t *img, const struct linux_image *li,
			  const struct linux_plan *plan, uint64_t ram_size, uint64_t rsdp_gpa)
{
	struct e820_entry map[LX_E820_MAX];
	unsigned n;

	/* boot.rst §"32-bit boot protocol": a zeroed boot_params with the
	 * setup header copied from the kernel image. */
	memset(bp, 0, LX_BP_SIZE);
	memcpy(bp + LX_SETUP_SECTS, img + LX_SETUP_SECTS, li->header_end - LX_SETUP_SECTS);
	bp[LX_TYPE_OF_LOADER] = LX_LOADER_UNDEFINED;
	bp[LX_LOADFLAGS] = (uint8_t)(li->loadflags & ~LX_CAN_USE_HEAP);
	le_put32(bp, LX_CODE32_START, (uint32_t)plan->kernel_gpa);
	le_put32(bp, LX_CMD_LINE_PTR, (uint32_t)plan->cmdline_gpa);
	le_put32(bp, LX_BP_EXT_CMD_LINE_PTR, (uint32_t)(plan->cmdline_gpa >> 32));
	le_put32(bp, LX_RAMDISK_IMAGE, (uint32_t)plan->initrd_gpa);
	le_put32(bp, LX_RAMDISK_SIZE, (uint32_t)plan->initrd_size);
	le_put32(bp, LX_BP_EXT_RAMDISK_IMAGE, (uint32_t)(plan->initrd_gpa >> 32));
	le_put32(bp, LX_BP_EXT_RAMDISK_SIZE, (uint32_t)(plan->initrd_size >> 32));
	le_put64(bp, LX_BP_ACPI_RSDP, rsdp_gpa);
	n = linux_e820(ram_size, map, LX_E820_MAX);
	bp[LX_BP_E820_ENTRIES] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = bp + LX_BP_E820_TABLE + 20 * i;
		le_put64(e, 0, map[i].addr);
		le_put64(e, 8, map[i].size);
		le_put32(e, 16, map[i].type);
	}
}

bool linux_has_entry64(const struct linux_image *li)
{
	if (li->xloadflags & LX_XLF_KERNEL_64)
		return true;
	pr_err("linux: the kernel has no 64-bit entry point (xloadflags 0x%x lacks "
	       "XLF_KERNEL_64); use the 32-bit entry", li->xloadflags);
	return false;
}

/* Page-table entry bits (SDM vol. 3 §4.5.4, Tables 4-15..4-18). */
#define PTE_P   BIT(0)
#define PTE_RW  BIT(1)
#define PTE_PS  BIT(7)      /* in a PDE: a 2 MiB page */
#define PDS     4u          /* page directories: 4 x 1 GiB */

int linux_identity_tables(uint8_t *buf, size_t size, uint64_t gpa)
{
	const uint64_t pdpt = gpa + PAGE, pd = gpa + 2 * PAGE;   /* the PML4 is at gpa */

	if (gpa & (PAGE - 1) || gpa + LX_PT_SIZE > LX_PT_MAP_SIZE) {
		pr_err("linux: page tables at 0x%llx: not page aligned or not below 4 GiB",
		       (unsigned long long)gpa);
		return -EINVAL;
	}
	if (size < LX_PT_SIZE) {
		pr_err("linux: %zu bytes are too few for the identity map's tables (%u)", size,
		       (unsigned)LX_PT_SIZE);
		return -ENOSPC;
	}
	memset(buf, 0, LX_PT_SIZE);
	le_put64(buf, 0, pdpt | PTE_P | PTE_RW);
	for (unsigned i = 0; i < PDS; i++) {
		le_put64(buf + PAGE, 8 * i, (pd + (uint64_t)i * PAGE) | PTE_P | PTE_RW);
		for (unsigned j = 0; j < 512; j++) {
			uint64_t page = ((uint64_t)i << 30) | ((uint64_t)j << 21);
			le_put64(buf + (2 + i) * PAGE, 8 * j, page | PTE_P | PTE_RW | PTE_PS);
		}
	}
	return LX_PT_SIZE;
}

/* MTRR memory types and IA32_MTRR_DEF_TYPE / PHYSMASK bits (SDM vol. 3
 * §12.11.1, §12.11.2.1, §12.11.2.3). */
#define MTRR_UC            0x00ull
#define MTRR_WB            0x06ull
#define MTRR_DEF_FE        BIT(10)
#define MTRR_DEF_E         BIT(11)
#define MTRR_MASK_VALID    BIT(11)
#define MTRR_FIXED_ALL(t)  ((t) * 0x0101010101010101ull)   /* 8 ranges, one type */
#define MTRR_FIXED_VIDEO   2          /* MTRRfix16K_A0000: 0xA0000-0xBFFFF */
#define PCI_HOLE           0xC0000000ull
#define PCI_HOLE_SIZE      0x40000000ull

void linux_firmware_mtrrs(unsigned phys_bits, struct linux_mtrrs *m)
{
	uint64_t phys_mask;

	if (phys_bits < 36 || phys_bits > 52)
		phys_bits = 36;      /* the architectural minimum (SDM vol. 3 §4.1.4) */
	phys_mask = (1ull << phys_bits) - 1;
	memset(m, 0, sizeof(*m));
	m->def_type = MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB;
	for (unsigned i = 0; i < LX_MTRR_FIXED; i++)
		m->fixed[i] = i == MTRR_FIXED_VIDEO ? MTRR_FIXED_ALL(MTRR_UC) : MTRR_FIXED_ALL(MTRR_WB);
	m->var_base = PCI_HOLE | MTRR_UC;
	m->var_mask = (~(PCI_HOLE_SIZE - 1) & phys_mask) | MTRR_MASK_VALID;
}
