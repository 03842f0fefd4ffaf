/* loader_linux.h - the Linux x86 boot protocol (Documentation/arch/x86/
 * boot.rst, "THE LINUX/x86 BOOT PROTOCOL"; zero page layout in
 * Documentation/arch/x86/zero-page.rst), as a boot loader plays it for a
 * bzImage: check the setup header, place the protected-mode kernel at
 * 1 MiB with init_size bytes free, the command line and the initrd, and
 * fill the zero page (struct boot_params) with the header, the loader
 * type, the e820 memory map and the RSDP address.
 *   loader_linux.c   the pure parts (host-tested, tests/unit/test_loader_linux.c)
 *   linux_boot.c     a VM from a vms.cfg kernel=/initrd=/cmdline= entry:
 *                    guest RAM, ACPI and SMBIOS tables, MTRRs, and the
 *                    32-bit or (vcpu_longmode.c) 64-bit entry state */
#ifndef VMM_LOADER_LINUX_H
#define VMM_LOADER_LINUX_H

#include <plinth/compiler.h>

/* Setup header fields: their offsets in the file and in boot_params. */
#define LX_SETUP_SECTS     0x1F1
#define LX_BOOT_FLAG       0x1FE   /* 0xAA55 */
#define LX_JUMP            0x200   /* 0x201: length of the header after 0x202 */
#define LX_HEADER          0x202   /* "HdrS" */
#define LX_VERSION         0x206
#define LX_TYPE_OF_LOADER  0x210
#define LX_LOADFLAGS       0x211
#define LX_CODE32_START    0x214
#define LX_RAMDISK_IMAGE   0x218
#define LX_RAMDISK_SIZE    0x21C
#define LX_HEAP_END_PTR    0x224
#define LX_CMD_LINE_PTR    0x228
#define LX_INITRD_ADDR_MAX 0x22C
#define LX_KERNEL_ALIGN    0x230
#define LX_RELOCATABLE     0x234
#define LX_XLOADFLAGS      0x236
#define LX_CMDLINE_SIZE    0x238
#define LX_PREF_ADDRESS    0x258
#define LX_INIT_SIZE       0x260
/* boot_params fields outside the header (zero-page.rst). */
#define LX_BP_ACPI_RSDP    0x070
#define LX_BP_EXT_RAMDISK_IMAGE 0x0C0
#define LX_BP_EXT_RAMDISK_SIZE  0x0C4
#define LX_BP_EXT_CMD_LINE_PTR  0x0C8
#define LX_BP_E820_ENTRIES 0x1E8
#define LX_BP_E820_TABLE   0x2D0
#define LX_BP_SIZE         4096
#define LX_E820_MAX        128     /* entries the zero page holds */

#define LX_MIN_VERSION     0x020C  /* 2.12: the fields this loader relies on */
#define LX_LOADED_HIGH     BIT(0)  /* loadflags: protected-mode code at 1 MiB */
#define LX_CAN_USE_HEAP    BIT(7)
#define LX_XLF_KERNEL_64   BIT(0)  /* xloadflags: a 64-bit entry at code32_start + 0x200 */
#define LX_ENTRY64_OFFSET  0x200   /* boot.rst §"64-bit BOOT PROTOCOL" */
#define LX_LOADER_UNDEFINED 0xFF   /* type_of_loader: not an assigned boot loader */

/* Where plinth puts things in a Linux VM (guest-physical). */
#define LX_GDT_GPA         0x6000      /* the boot GDT (selectors 0x10, 0x18) */
#define LX_PT_GPA          0x8000      /* the 64-bit entry's identity map (LX_PT_SIZE) */
#define LX_PT_MAP_SIZE     (4ull << 30)  /* it maps [0, 4 GiB) with 2 MiB pages */
#define LX_PT_SIZE         (6 * 4096)  /* PML4, PDPT, 4 page directories */
#define LX_ZERO_PAGE_GPA   0x7000
#define LX_CMDLINE_GPA     0x20000     /* up to cmdline_size bytes, below 640 KiB */
#define LX_KERNEL_GPA      0x100000    /* protected-mode kernel at 1 MiB */
#define LX_LOW_RAM_END     0x9FC00     /* a PC's base memory; the rest to 1 MiB is reserved */
#define LX_BIOS_AREA       0xE0000     /* reserved: the ACPI tables live here */

/* e820 types (ACPI 6.5 §15, Table 15.1). */
#define E820_RAM      1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* What the setup header says. */
struct linux_image {
	uint16_t version;
	uint8_t setup_sects;         /* after "0 means 4" */
	uint8_t loadflags;
	uint16_t xloadflags;
	size_t header_end;           /* file offset just past the setup header */
	size_t kernel_offset;        /* (setup_sects + 1) * 512 */
	size_t kernel_size;          /* protected-mode bytes in the file */
	uint32_t init_size;          /* memory the kernel needs from its load address */
	uint32_t initrd_addr_max;    /* highest address the initrd may end at (inclusive) */
	uint32_t cmdline_size;       /* longest command line, without the NUL */
	uint32_t kernel_alignment;
	bool relocatable;
};

/* Where the pieces go. */
struct linux_plan {
	uint64_t kernel_gpa, kernel_end;   /* [kernel_gpa, kernel_gpa + init_size) */
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa, initrd_size;  /* 0, 0: none */
};

/* Check img[0, size) is a bzImage this loader can start: boot flag 0xAA55,
 * "HdrS", protocol >= 2.12, loaded high, the setup and the kernel inside
 * the file. Returns 0 with *li filled, or -ENOEXEC (logged, saying what is
 * wrong). */
int linux_parse(const uint8_t *img, size_t size, struct linux_image *li);
/* Place the kernel at LX_KERNEL_GPA, the command line (cmdline_len bytes
 * without NUL) at LX_CMDLINE_GPA and an initrd of initrd_size bytes (0:
 * none) page aligned as high as RAM and initrd_addr_max allow, above the
 * kernel's init_size. Returns 0, -E2BIG (command line too long) or
 * -ENOSPC (does not fit in ram_size bytes of RAM), logged. */
int linux_plan(const struct linux_image *li, uint64_t ram_size, size_t cmdline_len,
	       uint64_t initrd_size, struct linux_plan *plan);
/* The e820 map of a VM with ram_size bytes of RAM at 0: base memory,
 * the reserved BIOS area (holding the ACPI tables), RAM from 1 MiB, and the
 * I/O APIC and local APIC pages. Returns the entries written (<= max). */
unsigned linux_e820(uint64_t ram_size, struct e820_entry *e, unsigned max);
/* Fill the zero page bp[LX_BP_SIZE]: zeroed, the setup header copied from
 * img, type_of_loader, loadflags (CAN_USE_HEAP off: the 32-bit entry uses
 * no real-mode heap), code32_start, cmd_line_ptr, the initrd, the e820
 * map for ram_size and acpi_rsdp_addr (0: no ACPI). */
void linux_fill_zero_page(uint8_t *bp, const uint8_t *img, const struct linux_image *li,
			  const struct linux_plan *plan, uint64_t ram_size, uint64_t rsdp_gpa);
/* The MTRRs a PC's firmware leaves for the kernel (Intel SDM vol. 3
 * §12.11; Linux runs PAT only with MTRRs enabled): enabled, fixed ranges
 * enabled, default write-back; the fixed ranges write-back except the
 * legacy video window 0xA0000-0xBFFFF (uncacheable); variable range 0
 * makes 3 GiB-4 GiB (the PCI window with the APICs, HPET and firmware)
 * uncacheable. Assumes RAM below 3 GiB (VM_RAM_MAX). phys_bits is the
 * guest's MAXPHYADDR (the mask's width). */
#define LX_MTRR_FIXED 11
struct linux_mtrrs {
	uint64_t def_type;                 /* IA32_MTRR_DEF_TYPE */
	uint64_t fixed[LX_MTRR_FIXED];     /* 0x250, 0x258-0x259, 0x268-0x26F */
	uint64_t var_base, var_mask;       /* IA32_MTRR_PHYSBASE0/PHYSMASK0 */
};
void linux_firmware_mtrrs(unsigned phys_bits, struct linux_mtrrs *m);
/* The 64-bit entry (boot.rst §"64-bit BOOT PROTOCOL") needs an image
 * with XLF_KERNEL_64 in xloadflags; true if li has it, else false with a
 * message naming the VM's kernel. */
bool linux_has_entry64(const struct linux_image *li);
/* Build 4-level page tables (Intel SDM vol. 3 §4.5; AMD APM vol. 2
 * §5.3) in buf[size] that identity-map guest-physical [0, 4 GiB) with
 * 2 MiB pages, writable and executable, for a guest that loads them at
 * gpa (4 KiB aligned): the PML4 first (CR3 = gpa), then the PDPT and four
 * page directories. That covers the kernel, its init_size, the zero page,
 * the command line and the initrd wherever linux_plan() puts them.
 * Returns the bytes used (LX_PT_SIZE), or -EINVAL for a misaligned gpa or
 * a table that would cross 4 GiB, -ENOSPC when size is too small (logged). */
int linux_identity_tables(uint8_t *buf, size_t size, uint64_t gpa);

#endif
