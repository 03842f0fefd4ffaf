/* loader.h - the pure pieces of loading a guest (all host-tested in
 * tests/unit/test_vmm_loader.c):
 *   loader_layout.c  which guest-physical ranges are taken (image, modules,
 *                    boot information), so nothing is placed over anything
 *   loader_elf.c     ELF32 and ELF64 program-header loading
 *   loader_mb1.c     Multiboot 1 images: the header, the a.out kludge, ELF
 *   mb1_info.c       the Multiboot 1 information a loader hands the kernel
 *   flat_load.c      flat images (raw bytes at a load address)
 * vmm/boot.c puts them together with guest RAM (vm.c). */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <plinth/compiler.h>

/* ---- loader_layout.c: the guest-physical map a loader fills ---- */
#define LAYOUT_MAX_RANGES 24

struct layout_range {
	uint64_t base, end;          /* [base, end) */
	const char *what;            /* for messages: "the image", "module 2", ... */
};

struct guest_layout {
	uint64_t ram_size;           /* guest RAM is [0, ram_size) */
	unsigned nr;
	struct layout_range used[LAYOUT_MAX_RANGES];   /* sorted by base, disjoint */
};

/* An empty layout of ram_size bytes of RAM at guest-physical 0. */
void layout_init(struct guest_layout *l, uint64_t ram_size);
/* Mark [base, base+size) as used by what (a string that outlives l). Returns
 * 0; -ERANGE if the range is empty, wraps or leaves RAM; -EBUSY if it
 * overlaps a used range (both logged, naming the two users); -ENOSPC when
 * the table is full. */
int layout_reserve(struct guest_layout *l, uint64_t base, uint64_t size, const char *what);
/* Find the lowest free range of size bytes, aligned to align (a power of
 * two), inside [lo, hi) and inside RAM, and reserve it for what. Returns 0
 * with the range's start in *base, or -ENOSPC (logged) / -EINVAL. */
int layout_place(struct guest_layout *l, uint64_t size, uint64_t align, uint64_t lo,
		 uint64_t hi, const char *what, uint64_t *base);

/* The image sink a VM's loader writes through (struct image_sink's ctx):
 * each piece is checked against the others in layout, then copied into
 * the VM's RAM with the rest of its memsz zeroed. what names the image in
 * layout_reserve's messages. vmm/boot.c. */
struct vm;
struct load_ctx {
	struct vm *vm;
	struct guest_layout layout;
	const char *what;
};
int load_ctx_write(void *ctx, uint64_t gpa, const uint8_t *data, uint64_t filesz,
		   uint64_t memsz);

/* ---- where a loader writes ---- */
/* Copy one piece of the image: filesz bytes of data to guest-physical gpa,
 * then zero up to memsz. Returns 0 or a negative error (passed back). */
typedef int (*image_write_fn)(void *ctx, uint64_t gpa, const uint8_t *data, uint64_t filesz,
			      uint64_t memsz);

struct image_sink {
	image_write_fn write;
	void *ctx;
	uint64_t min_gpa;            /* every byte loaded must lie in [min_gpa, max_gpa) */
	uint64_t max_gpa;
};

/* ---- loader_elf.c ---- */
/* Load the ELF executable img[0..size): ELF32 for i386 or ELF64 for x86-64,
 * little-endian, ET_EXEC (System V ABI, "ELF header", "Program header").
 * Every PT_LOAD segment with memsz > 0 goes to its physical address
 * (p_paddr) through sink->write; the entry point is e_entry translated
 * through the segment whose virtual range holds it (as GRUB does for
 * Multiboot kernels), returned in *entry. Segments must lie in the sink's
 * window and not overlap each other; at most ELF_MAX_PHDRS program headers.
 * Returns 0; -ENOEXEC for anything malformed or unsupported (one message
 * saying what); or the sink's error. */
#define ELF_MAX_PHDRS 64
int elf_load(const uint8_t *img, size_t size, const struct image_sink *sink, uint64_t *entry);
/* Is img an ELF file (magic only)? */
bool elf_is_elf(const uint8_t *img, size_t size);

/* ---- loader_mb1.c: Multiboot 1 images (spec 0.6.96 §3.1) ---- */
#define MB1_HEADER_MAGIC     0x1BADB002u
#define MB1_HEADER_SEARCH    8192u       /* the header lies in the first 8 KiB, 4-aligned */
#define MB1_FLAG_PAGE_ALIGN  (1u << 0)   /* modules page aligned */
#define MB1_FLAG_MEMORY      (1u << 1)   /* mem_* and the memory map wanted */
#define MB1_FLAG_VIDEO       (1u << 2)   /* a video mode wanted */
#define MB1_FLAG_AOUT_KLUDGE (1u << 16)  /* load from the header's address fields */

struct mb1_header {
	uint32_t offset;             /* file offset of the header */
	uint32_t flags;
	/* MB1_FLAG_AOUT_KLUDGE only: */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* Find and check the Multiboot header of img[0..size). Returns 0, or
 * -ENOEXEC (logged): none found, bad checksum, truncated kludge fields. */
int mb1_header_find(const uint8_t *img, size_t size, struct mb1_header *h);

/* Load a Multiboot 1 kernel: the header must exist and ask for nothing
 * plinth cannot give (required flags 0-15 other than page-align and memory
 * info, §3.1.2); with the a.out kludge (flag 16) the bytes from load_addr
 * to load_end_addr (0: the end of the file) are copied and zeroed up to
 * bss_end_addr (0: none), entered at entry_addr (§3.1.3); without it the
 * image must be an ELF32 or ELF64 executable (elf_load). The entry must lie
 * below 4 GiB (the kernel starts in 32-bit protected mode). Returns 0 with
 * the physical entry in *entry, -ENOEXEC (logged) or the sink's error. */
int mb1_load(const uint8_t *img, size_t size, const struct image_sink *sink, uint32_t *entry);

/* ---- mb1_info.c: the boot information (spec 0.6.96 §3.3) ---- */
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB1_INFO_MEM      (1u << 0)
#define MB1_INFO_CMDLINE  (1u << 2)
#define MB1_INFO_MODS     (1u << 3)
#define MB1_INFO_MMAP     (1u << 6)
#define MB1_INFO_LOADER   (1u << 9)
#define MB1_INFO_SIZE     88u       /* the fixed part, through the boot loader name */
#define MB1_MOD_SIZE      16u       /* one module entry */
#define MB1_MMAP_ENTRY    24u       /* one memory-map entry, with its size field */
#define MB1_MAX_MODULES   8
#define MB1_LOW_RAM_END   0xA0000u  /* 640 KiB: the legacy hole up to 1 MiB is not RAM */

struct mb1_module {
	uint32_t start, end;         /* guest-physical [start, end) */
	const char *string;          /* its command line (never NULL) */
};

struct mb1_info_desc {
	uint64_t ram_size;           /* guest RAM [0, ram_size), at least 1 MiB */
	const char *cmdline;         /* never NULL; "" for none */
	const struct mb1_module *modules;
	unsigned nr_modules;         /* 0..MB1_MAX_MODULES */
};

/* Bytes the information block for d takes (fixed part, memory map,
 * module list, strings), or -EINVAL for a bad description. */
int mb1_info_size(const struct mb1_info_desc *d);
/* Build it into buf[0..size), which the guest finds at guest-physical
 * buf_gpa: mem_lower/mem_upper, a memory map (0-640 KiB usable, 640 KiB-
 * 1 MiB reserved, 1 MiB-end usable), the command line, the modules and the
 * boot loader name, with the flags that say so. Returns the bytes used, or
 * -ENOSPC if buf is too small / -EINVAL for a bad description. */
int mb1_info_build(uint8_t *buf, size_t size, uint32_t buf_gpa, const struct mb1_info_desc *d);

/* ---- flat_load.c: flat images ---- */
/* Check that a flat image of size bytes fits at load_address in ram_size
 * bytes of RAM (and, for a real-mode start, ends below 1 MiB, where real
 * mode can reach it). Returns 0, or -ENOEXEC (logged). */
int flat_check(uint64_t size, uint64_t load_address, uint64_t ram_size, bool real_mode);
/* The real-mode start of a flat image at load_address: 0000:load_address
 * below 64 KiB (a BIOS starts a boot sector at 0000:7C00, and boot sectors
 * rely on CS = 0), else (load_address >> 4):(load_address & 15). */
void flat_real_mode_start(uint64_t load_address, uint16_t *cs, uint16_t *ip);

#endif
