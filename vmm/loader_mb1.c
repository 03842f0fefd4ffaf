/* loader_mb1.c - Multiboot 1 kernels (Multiboot specification 0.6.96
 * §3.1 "OS image format"): find the header, refuse what plinth cannot
 * give, and load either by the a.out kludge address fields or as ELF. Pure. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "loader.h"

#define MB1_HEADER_BASIC   12u      /* magic, flags, checksum */
#define MB1_HEADER_KLUDGE  32u      /* ... plus the five address fields */
/* Required-feature bits 0-15 plinth honours: modules are always page
 * aligned, and memory information is always given. */
#define MB1_FLAGS_SUPPORTED (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mb1_header_find(const uint8_t *img, size_t size, struct mb1_header *h)
{
	size_t limit = MIN(size, (size_t)MB1_HEADER_SEARCH);

	/* §3.1.1: "contained completely within the first 8192 bytes of the OS
	 * image, and must be longword (32-bit) aligned". */
	for (size_t off = 0; off + MB1_HEADER_BASIC <= limit; off += 4) {
		const uint8_t *p = img + off;
		if (rd32(p) != MB1_HEADER_MAGIC)
			continue;
		/* §3.1.2: magic + flags + checksum must have an unsigned 32-bit
		 * sum of zero. */
		if ((uint32_t)(rd32(p) + rd32(p + 4) + rd32(p + 8)) != 0) {
			pr_err("multiboot: header at offset %zu has a bad checksum", off);
			return -ENOEXEC;
		}
		memset(h, 0, sizeof(*h));
		h->offset = (uint32_t)off;
		h->flags = rd32(p + 4);
		if (h->flags & MB1_FLAG_AOUT_KLUDGE) {
			if (off + MB1_HEADER_KLUDGE > size) {
				pr_err("multiboot: header at offset %zu sets the a.out kludge (flag 16) "
				       "but its address fields pass the end of the file", off);
				return -ENOEXEC;
			}
			h->header_addr = rd32(p + 12);
			h->load_addr = rd32(p + 16);
			h->load_end_addr = rd32(p + 20);
			h->bss_end_addr = rd32(p + 24);
			h->entry_addr = rd32(p + 28);
		}
		return 0;
	}
	pr_err("multiboot: no Multiboot 1 header (magic 0x1BADB002) in the first %u bytes",
	       MB1_HEADER_SEARCH);
	return -ENOEXEC;
}

/* §3.1.3 address fields: header_addr is where the header itself lands, so
 * the file offset of load_addr is h->offset - (header_addr - load_addr). */
static int load_kludge(const uint8_t *img, size_t size, const struct mb1_header *h,
		       const struct image_sink *sink, uint32_t *entry)
{
	uint64_t file_start, load_size, mem_size;

	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > h->offset) {
		pr_err("multiboot: a.out kludge: load_addr 0x%x is above header_addr 0x%x or before "
		       "the start of the file", h->load_addr, h->header_addr);
		return -ENOEXEC;
	}
	file_start = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr == 0) {
		load_size = size - file_start;           /* "the whole file" */
	} else {
		if (h->load_end_addr <= h->load_addr) {
			pr_err("multiboot: a.out kludge: load_end_addr 0x%x is not above load_addr 0x%x",
			       h->load_end_addr, h->load_addr);
			return -ENOEXEC;
		}
		load_size = h->load_end_addr - h->load_addr;
		if (load_size > size - file_start) {
			pr_err("multiboot: a.out kludge: load_end_addr 0x%x lies past the end of the "
			       "%zu-byte file", h->load_end_addr, size);
			return -ENOEXEC;
		}
	}
	mem_size = load_size;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + load_size) {
			pr_err("multiboot: a.out kludge: bss_end_addr 0x%x is below the end of the "
			       "loaded data 0x%llx", h->bss_end_addr,
			       (unsigned long long)(h->load_addr + load_size));
			return -ENOEXEC;
		}
		mem_size = h->bss_end_addr - h->load_addr;
	}
	if (!mem_size || h->load_addr < sink->min_gpa || h->load_addr + mem_size > sink->max_gpa) {
		pr_err("multiboot: a.out kludge: image at 0x%x+0x%llx lies outside guest RAM "
		       "[0x%llx, 0x%llx)", h->load_addr, (unsigned long long)mem_size,
		       (unsigned long long)sink->min_gpa, (unsigned long long)sink->max_gpa);
		return -ENOEXEC;
	}
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= load_size) {
		pr_err("multiboot: a.out kludge: entry_addr 0x%x is outside the loaded image "
		       "[0x%x, 0x%llx)", h->entry_addr, h->load_addr,
		       (unsigned long long)(h->load_addr + load_size));
		return -ENOEXEC;
	}
	*entry = h->entry_addr;
	return sink->write(sink->ctx, h->load_addr, img + file_start, load_size, mem_size);
}

int mb1_load(const uint8_t *img, size_t size, const struct image_sink *sink, uint32_t *entry)
{
	struct mb1_header h;
	uint32_t unsupported;
	uint64_t entry64 = 0;
	int err;

	err = mb1_header_find(img, size, &h);
	if (err)
		return err;
	/* §3.1.2: a loader that does not understand a set bit among 0-15
	 * must refuse the image. */
	unsupported = h.flags & 0xFFFFu & ~MB1_FLAGS_SUPPORTED;
	if (unsupported) {
		pr_err("multiboot: the image requires feature flags 0x%x that plinth does not "
		       "provide%s", unsupported,
		       (unsupported & MB1_FLAG_VIDEO) ? " (flag 2: a video mode)" : "");
		return -ENOEXEC;
	}
	/* §3.1.3: with flag 16 the address fields are used instead of the
	 * executable's own headers, even for an ELF file (GRUB does the same). */
	if (h.flags & MB1_FLAG_AOUT_KLUDGE)
		return load_kludge(img, size, &h, sink, entry);
	if (!elf_is_elf(img, size)) {
		pr_err("multiboot: the image is not ELF and its header has no a.out kludge (flag 16)");
		return -ENOEXEC;
	}
	err = elf_load(img, size, sink, &entry64);
	if (err)
		return err;
	if (entry64 >> 32) {
		pr_err("multiboot: entry point 0x%llx is above 4 GiB (the kernel starts in 32-bit "
		       "protected mode)", (unsigned long long)entry64);
		return -ENOEXEC;
	}
	*entry = (uint32_t)entry64;
	return 0;
}
