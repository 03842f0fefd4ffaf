/* boot_info.h - the one description of the machine that every boot path
 * (multiboot 1, multiboot 2, native UEFI) produces and the rest of plinth
 * consumes. Fixed-size and pointer-free so the UEFI loader (a separate PE
 * program, boot/efi/) can build it in memory and hand over its physical
 * address. All addresses are physical. */
#ifndef PLINTH_BOOT_INFO_H
#define PLINTH_BOOT_INFO_H

#include <plinth/compiler.h>

#define BOOT_INFO_MAGIC      0x504c4e5442494e46ULL   /* "PLNTBINF" */
#define BOOT_INFO_VERSION    1
#define BOOT_MAX_MEM_RANGES  256
#define BOOT_MAX_MODULES     32
#define BOOT_CMDLINE_MAX     1024
#define BOOT_MODSTR_MAX      256
#define BOOT_LOADER_NAME_MAX 64

enum boot_loader_kind {
	BOOT_LOADER_MULTIBOOT1 = 1,
	BOOT_LOADER_MULTIBOOT2 = 2,
	BOOT_LOADER_EFI        = 3,   /* plinth.efi (GNU-EFI) */
};

/* Memory range types: the multiboot/e820 values, so both map 1:1. */
enum boot_mem_type {
	BOOT_MEM_USABLE       = 1,
	BOOT_MEM_RESERVED     = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS     = 4,
	BOOT_MEM_BAD          = 5,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t length;
	uint32_t type;        /* enum boot_mem_type */
	uint32_t reserved;
};

struct boot_module {
	uint64_t start;       /* first byte */
	uint64_t end;         /* one past the last byte */
	char string[BOOT_MODSTR_MAX];   /* the module's command line ("/boot/x.elf args") */
};

struct boot_info {
	uint64_t magic;                 /* BOOT_INFO_MAGIC */
	uint32_t version;               /* BOOT_INFO_VERSION */
	uint32_t loader;                /* enum boot_loader_kind */
	char loader_name[BOOT_LOADER_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* hypervisor options */

	uint32_t mem_count;
	uint32_t module_count;
	struct boot_mem_range mem[BOOT_MAX_MEM_RANGES];   /* sorted, non-overlapping */
	struct boot_module modules[BOOT_MAX_MODULES];

	/* ACPI: if rsdp_copy_len != 0 the loader gave us a copy of the RSDP
	 * (multiboot 2 tags 14/15); rsdp_phys is its address if known (EFI
	 * configuration table), else 0 and the BIOS areas are scanned. */
	uint64_t rsdp_phys;
	uint32_t rsdp_copy_len;
	uint8_t rsdp_copy[36];

	uint32_t efi_booted;            /* firmware is UEFI (boot services exited) */
	uint64_t efi_system_table;      /* physical, 0 if unknown */
	uint32_t efi_mmap_entries;      /* how many EFI descriptors were converted into mem[] */

	/* Physical extent of the plinth image as loaded (for the allocator). */
	uint64_t kernel_start;
	uint64_t kernel_end;
};

/* Magic in RSI (with RDI = struct boot_info physical address) when plinth.efi
 * enters plinth_efi_entry64. */
#define BOOT_EFI_HANDOFF_MAGIC 0x504c4e5445464921ULL  /* "PLNTEFI!" */

/* Marker the UEFI loader searches for in the first 32 KiB of plinth.elf's
 * first loadable segment: where to enter in 64-bit mode. */
#define BOOT_ENTRY_TABLE_MAGIC 0x52544e45544e4c50ULL  /* "PLNTENTR" */
struct boot_entry_table {
	uint64_t magic;
	uint64_t efi_entry64_phys;      /* physical address of plinth_efi_entry64 */
	uint64_t image_start_phys;
	uint64_t image_end_phys;        /* end of .bss */
};

/* Add a memory range to bi->mem, keeping the array sorted and resolving
 * overlaps in favour of the more restrictive type (reserved wins over
 * usable). Returns 0, or -ENOSPC when the array is full. (boot/boot_info.c) */
int boot_info_add_mem(struct boot_info *bi, uint64_t base, uint64_t length, uint32_t type);
/* Total bytes of BOOT_MEM_USABLE memory. */
uint64_t boot_info_usable_bytes(const struct boot_info *bi);
/* Find a module by exact first word or by basename of the first word. */
const struct boot_module *boot_info_find_module(const struct boot_info *bi, const char *name);
/* Convert a UEFI memory map (UEFI 2.10 §7.2.3 EFI_MEMORY_DESCRIPTOR array,
 * desc_size bytes apart) into bi->mem: conventional, loader and boot-services
 * memory become usable; ACPI reclaim/NVS keep their types; everything else
 * (runtime services, MMIO, unusable, persistent, ...) is reserved. Rejects
 * desc_size < 40 or a map_size not a multiple of desc_size with -EINVAL.
 * (boot/efi_mmap.c, shared by the multiboot 2 parser and boot/efi/.) */
int boot_info_add_efi_mmap(struct boot_info *bi, const void *map, size_t map_size,
			   size_t desc_size);
/* Print the loader, command line, memory map and modules to the log. */
void boot_info_print(const struct boot_info *bi);
/* Zero *bi and set magic, version and loader kind: the starting point of
 * every boot path. (boot/boot_info.c) */
void boot_info_init(struct boot_info *bi, enum boot_loader_kind loader);

#endif
