/* elf_load.h - checking plinth.elf and placing its loadable segments at their
 * physical addresses, then finding plinth's boot_entry_table in the loaded
 * image. Pure (boot/efi/elf_load.c): the caller reads the file and provides
 * the memory; host-tested (tests/unit/test_efi_elf.c). */
#ifndef PLINTH_BOOT_EFI_ELF_LOAD_H
#define PLINTH_BOOT_EFI_ELF_LOAD_H

#include <plinth/boot_info.h>

#define ELF_LOAD_MAX_PHNUM    64    /* more program headers than this is not a plinth image */
#define ELF_LOAD_MAX_SEGMENTS 16    /* PT_LOAD entries with memory */
#define ELF_LOAD_PAGE_SIZE    4096ULL
#define ELF_LOAD_LIMIT        (4ULL << 30)   /* everything below 4 GiB */
#define ELF_ENTRY_TABLE_SCAN  (32 * 1024)    /* boot_entry_table is in the first 32 KiB */

struct elf_load_segment {
	uint64_t offset;      /* in the file */
	uint64_t filesz;      /* bytes copied from the file */
	uint64_t paddr;       /* where they go */
	uint64_t memsz;       /* bytes of memory; memsz - filesz are zeroed */
	uint32_t flags;       /* PF_X/PF_W/PF_R */
};

struct elf_load_plan {
	uint64_t phys_start;  /* first segment's p_paddr, rounded down to a page */
	uint64_t phys_end;    /* last segment's end, rounded up to a page */
	uint32_t count;
	struct elf_load_segment seg[ELF_LOAD_MAX_SEGMENTS];
};

/* Check the ELF64 file [file, file+size) and describe where its PT_LOAD
 * segments go: ELF magic, class 64, little-endian, version 1, ET_EXEC,
 * machine x86-64, 1..ELF_LOAD_MAX_PHNUM program headers of the ELF64 size
 * inside the file, no PT_INTERP or PT_DYNAMIC, and every PT_LOAD with
 * p_filesz <= p_memsz, its bytes inside the file, its memory below 4 GiB,
 * in ascending p_paddr order without overlap. Each problem is reported with
 * pr_err naming 'name'; returns 0, or -ENOEXEC for a malformed file. */
int elf_load_plan(struct elf_load_plan *plan, const char *name, const void *file, size_t size);

/* Copy every segment of 'plan' from 'file' into 'dest', which maps the
 * plan's [phys_start, phys_end), and zero everything else in that span
 * (each p_memsz beyond p_filesz, and the gaps between segments). */
void elf_load_copy(const struct elf_load_plan *plan, const void *file, void *dest);

/* Find plinth's boot_entry_table (magic BOOT_ENTRY_TABLE_MAGIC, 8-byte
 * aligned) in the first ELF_ENTRY_TABLE_SCAN bytes of the loaded image
 * 'dest' (as filled by elf_load_copy) and check it: the entry point must lie
 * in an executable segment and the image it describes within the segments.
 * Returns 0 and copies it to *out, or -ENOEXEC (with pr_err) if absent or
 * inconsistent. */
int elf_find_entry_table(const struct elf_load_plan *plan, const void *dest, const char *name,
			 struct boot_entry_table *out);

#endif
