/* multiboot.h - what a multiboot 1 or multiboot 2 loader hands plinth, and
 * the parsers that turn it into a struct boot_info (boot/multiboot1.c,
 * boot/multiboot2.c; pure, host-tested).
 *
 * References: "Multiboot Specification version 0.6.96" §3.3 (boot
 * information format) and "Multiboot2 Specification version 2.0" §3.6.
 * Structures are described byte for byte; the parsers never dereference
 * them in place but copy each one out (memcpy), because multiboot 1 memory
 * map entries put 64-bit fields at 4-byte offsets and loader data is
 * otherwise untrusted. */
#ifndef PLINTH_MULTIBOOT_H
#define PLINTH_MULTIBOOT_H

/* EAX at entry: which protocol loaded us (Multiboot §3.2, Multiboot2 §3.3). */
#define MULTIBOOT1_LOADER_MAGIC 0x2BADB002
#define MULTIBOOT2_LOADER_MAGIC 0x36D76289

#ifndef __ASSEMBLY__
#include <plinth/boot_info.h>

/* ------------------------------------------------------------ multiboot 1 */

/* struct multiboot1_info.flags: which fields are valid (Multiboot §3.3). */
#define MB1_INFO_MEMORY        BIT(0)   /* mem_lower, mem_upper */
#define MB1_INFO_BOOTDEV       BIT(1)
#define MB1_INFO_CMDLINE       BIT(2)
#define MB1_INFO_MODS          BIT(3)
#define MB1_INFO_AOUT_SYMS     BIT(4)
#define MB1_INFO_ELF_SHDR      BIT(5)   /* bits 4 and 5 are mutually exclusive */
#define MB1_INFO_MEM_MAP       BIT(6)
#define MB1_INFO_DRIVES        BIT(7)
#define MB1_INFO_CONFIG_TABLE  BIT(8)
#define MB1_INFO_LOADER_NAME   BIT(9)
#define MB1_INFO_APM_TABLE     BIT(10)
#define MB1_INFO_VBE           BIT(11)
#define MB1_INFO_FRAMEBUFFER   BIT(12)

struct multiboot1_info {
	uint32_t flags;
	uint32_t mem_lower;          /* KiB from 0, at most 640 */
	uint32_t mem_upper;          /* KiB from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;            /* physical address of a C string */
	uint32_t mods_count;
	uint32_t mods_addr;          /* physical address of mods_count multiboot1_module */
	uint32_t syms[4];            /* a.out or ELF section header info */
	uint32_t mmap_length;        /* bytes of memory map */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;   /* physical address of a C string */
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __packed;
_Static_assert(sizeof(struct multiboot1_info) == 116, "Multiboot §3.3 layout");

/* The parser reads the info structure up to and including boot_loader_name:
 * the fields after it (APM, VBE, framebuffer) are of no use to plinth, and a
 * loader that sets none of their flags need not provide those bytes. */
#define MB1_INFO_PARSED_LEN (offsetof(struct multiboot1_info, boot_loader_name) + 4)

struct multiboot1_module {
	uint32_t mod_start;          /* first byte */
	uint32_t mod_end;            /* one past the last byte (as GRUB fills it) */
	uint32_t string;             /* physical address of a C string, 0 if none */
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct multiboot1_module) == 16, "Multiboot §3.3 layout");

/* One memory map entry. 'size' counts the bytes after itself, so the next
 * entry is at (this + size + 4); it is at least 20. */
struct multiboot1_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;               /* 1 RAM, 3 ACPI, 4 NVS, 5 bad, other: reserved */
} __packed;
_Static_assert(sizeof(struct multiboot1_mmap_entry) == 24, "Multiboot §3.3 layout");
#define MB1_MMAP_ENTRY_MIN_SIZE 20

/* ------------------------------------------------------------ multiboot 2 */

/* Tag types of the boot information (Multiboot2 §3.6). */
#define MB2_TAG_END              0
#define MB2_TAG_CMDLINE          1
#define MB2_TAG_LOADER_NAME      2
#define MB2_TAG_MODULE           3
#define MB2_TAG_BASIC_MEMINFO    4
#define MB2_TAG_BOOTDEV          5
#define MB2_TAG_MMAP             6
#define MB2_TAG_VBE              7
#define MB2_TAG_FRAMEBUFFER      8
#define MB2_TAG_ELF_SECTIONS     9
#define MB2_TAG_APM              10
#define MB2_TAG_EFI32            11
#define MB2_TAG_EFI64            12
#define MB2_TAG_SMBIOS           13
#define MB2_TAG_ACPI_OLD         14
#define MB2_TAG_ACPI_NEW         15
#define MB2_TAG_NETWORK          16
#define MB2_TAG_EFI_MMAP         17
#define MB2_TAG_EFI_BS           18   /* EFI boot services not terminated */
#define MB2_TAG_EFI32_IH         19
#define MB2_TAG_EFI64_IH         20
#define MB2_TAG_LOAD_BASE_ADDR   21
#define MB2_TAG_ALIGN            8    /* every tag starts 8-byte aligned */

/* The fixed part at the start of the information (Multiboot2 §3.6.1). */
struct multiboot2_info_header {
	uint32_t total_size;         /* including this header and the end tag */
	uint32_t reserved;           /* zero */
};

struct multiboot2_tag {
	uint32_t type;
	uint32_t size;               /* including this header, excluding padding */
};

struct multiboot2_tag_string {       /* types 1 and 2 */
	uint32_t type, size;
	char string[];               /* NUL-terminated */
};

struct multiboot2_tag_module {       /* type 3 */
	uint32_t type, size;
	uint32_t mod_start;
	uint32_t mod_end;            /* one past the last byte */
	char string[];
};

struct multiboot2_tag_basic_meminfo {   /* type 4 */
	uint32_t type, size;
	uint32_t mem_lower, mem_upper;   /* KiB, as in multiboot 1 */
};

struct multiboot2_tag_mmap {         /* type 6 */
	uint32_t type, size;
	uint32_t entry_size;         /* >= 24, a multiple of 8 */
	uint32_t entry_version;      /* 0 */
	/* struct multiboot2_mmap_entry entries[], entry_size apart */
};

struct multiboot2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;               /* as in multiboot 1 */
	uint32_t zero;
};
_Static_assert(sizeof(struct multiboot2_mmap_entry) == 24, "Multiboot2 §3.6.8 layout");

struct multiboot2_tag_efi32 {        /* type 11 */
	uint32_t type, size;
	uint32_t pointer;            /* EFI system table */
};

struct multiboot2_tag_efi64 {        /* type 12 */
	uint32_t type, size;
	uint64_t pointer;
};

struct multiboot2_tag_efi_mmap {     /* type 17 */
	uint32_t type, size;
	uint32_t descriptor_size;
	uint32_t descriptor_version; /* 1 (EFI_MEMORY_DESCRIPTOR_VERSION) */
	/* EFI_MEMORY_DESCRIPTOR map[] (UEFI 2.10 §7.2.3) */
};

/* Sizes of the RSDP copies in tags 14 and 15 (ACPI 6.5 §5.2.5.3): revision 0
 * RSDP is 20 bytes, revision 2+ (XSDT address, extended checksum) is 36. */
#define MB2_RSDP_V1_LEN 20
#define MB2_RSDP_V2_LEN 36

/* ------------------------------------------------------------ the parsers */

/* Give read access to len bytes at physical address pa: a pointer to them,
 * or NULL when (part of) the range cannot be read. The kernel's version uses
 * the boot direct map (below 4 GiB); host tests use a fake memory arena. */
typedef const void *(*boot_map_fn)(void *ctx, uint64_t pa, size_t len);

/* Fill *bi (from scratch: boot_info_init) from the multiboot 1 information at
 * physical info_pa. bi->cmdline gets the hypervisor options only: the image
 * name that loaders other than GRUB 2 put first is removed. Returns 0, or -EINVAL when the information is malformed
 * or holds no memory map (an error is logged); -ENOSPC if the memory map does
 * not fit bi->mem. Recoverable defects (unreadable or overlong strings,
 * too many modules) are logged as warnings and skipped. */
int multiboot1_parse(struct boot_info *bi, uint32_t info_pa, boot_map_fn map, void *ctx);

/* The same for multiboot 2 information (8-byte aligned tag list). */
int multiboot2_parse(struct boot_info *bi, uint32_t info_pa, boot_map_fn map, void *ctx);

/* Shared by both parsers (boot/multiboot1.c): the memory type of a multiboot
 * memory map entry as a boot_mem_type, and the fallback memory description
 * (mem_lower KiB at 0, mem_upper KiB at 1 MiB) when there is no map. */
uint32_t multiboot_mem_type(uint32_t mb_type);
int multiboot_add_basic_meminfo(struct boot_info *bi, uint32_t mem_lower_kib,
				uint32_t mem_upper_kib, const char *who);

#endif /* !__ASSEMBLY__ */
#endif
