/* loader.h - pure pieces of loading a guest image (host-tested):
 * ELF32 program-header loading (vmm/elf32_load.c) and the Multiboot 1
 * information structure a loader hands to the kernel (vmm/mb1_info.c). */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <plinth/compiler.h>

/* Copy one PT_LOAD segment: filesz bytes of data to guest-physical paddr,
 * then zero up to memsz. Returns 0 or a negative error (passed back). */
typedef int (*elf_segment_fn)(void *ctx, uint32_t paddr, const uint8_t *data,
			      uint32_t filesz, uint32_t memsz);

/* Load the ELF32 (i386, little-endian, ET_EXEC) image img[0..size): call
 * load() for every PT_LOAD segment with memsz > 0 and return the entry point
 * as a physical address in *entry (e_entry translated through the segment
 * that contains it, as GRUB does for Multiboot kernels). Each segment must
 * lie in [min_paddr, max_paddr). Returns 0, -ENOEXEC for anything malformed
 * or unsupported (logged with what is wrong), or load()'s error. */
int elf32_load(const uint8_t *img, size_t size, uint32_t min_paddr, uint64_t max_paddr,
	       elf_segment_fn load, void *ctx, uint32_t *entry);

/* Multiboot 1 (spec 0.6.96 §3.3) boot information. */
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB1_INFO_MEM      (1u << 0)
#define MB1_INFO_CMDLINE  (1u << 2)
#define MB1_INFO_MMAP     (1u << 6)
#define MB1_INFO_LOADER   (1u << 9)
#define MB1_INFO_SIZE     88u       /* the fixed part, through the boot loader name */

/* Build the information block for a VM with ram_bytes of RAM at 0 into
 * buf[0..size), which the guest will find at guest-physical buf_gpa:
 * mem_lower/mem_upper, a memory map (0-640 KiB and 1 MiB-end usable), the
 * command line and the boot loader name. Returns the bytes used, or
 * -ENOSPC if buf is too small / -EINVAL if ram_bytes is below 2 MiB. */
int mb1_info_build(uint8_t *buf, size_t size, uint32_t buf_gpa, uint64_t ram_bytes,
		   const char *cmdline);

#endif
