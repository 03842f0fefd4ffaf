/* multiboot_header.S - the multiboot 1 and multiboot 2 headers and plinth's
 * entry table, first in the image (multiboot 1 wants its header in the first
 * 8 KiB, multiboot 2 in the first 32 KiB, both aligned; Multiboot 0.6.96 §3.1,
 * Multiboot2 §3.1). All addresses here are physical. */
#define KVB 0xFFFFFFFF80000000
#define PA(x) ((x) - KVB)

#define MB1_MAGIC          0x1BADB002
#define MB1_PAGE_ALIGN     (1 << 0)    /* modules on page boundaries */
#define MB1_MEMORY_INFO    (1 << 1)    /* we want mem_* and the mmap */
#define MB1_AOUT_KLUDGE    (1 << 16)   /* use the address fields below: lets qemu -kernel load an ELF64 */
#define MB1_FLAGS          (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_AOUT_KLUDGE)

#define MB2_MAGIC          0xE85250D6
#define MB2_ARCH_I386      0

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PA(mb1_header)           /* header_addr */
	.long PA(__image_start)        /* load_addr: file is loaded from here ... */
	.long PA(__data_end)           /* load_end_addr: ... to the end of .data */
	.long PA(__bss_end)            /* bss_end_addr: zeroed by the loader */
	.long PA(_start32)             /* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* information request (type 1), optional (flags bit 0): plinth reports
	 * missing information itself rather than having the loader refuse. */
	.balign 8
	.word 1, 1
	.long 16
	.long 6                        /* memory map */
	.long 1                        /* command line */
	/* entry address (type 3), non-optional */
	.balign 8
	.word 3, 0
	.long 12
	.long PA(_start32)
	/* module alignment (type 6): page-aligned modules */
	.balign 8
	.word 6, 0
	.long 8
	/* end tag */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	/* struct boot_entry_table (include/plinth/boot_info.h): how plinth.efi
	 * finds the 64-bit entry point. */
	.balign 8
	.globl boot_entry_table
boot_entry_table:
	.quad 0x52544e45544e4c50       /* BOOT_ENTRY_TABLE_MAGIC "PLNTENTR" */
	.quad PA(plinth_efi_entry64)
	.quad PA(__image_start)
	.quad PA(__bss_end)
