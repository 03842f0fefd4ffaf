/* elf32_load.c - load the PT_LOAD segments of an ELF32 executable (System V
 * ABI, ELF format ch. 4-5: header, program headers). Pure; every field
 * read is bounds-checked against the image. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "loader.h"

#define EHDR_SIZE   52
#define PHDR_SIZE   32
#define PT_LOAD     1
#define ET_EXEC     2
#define EM_386      3

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int elf32_load(const uint8_t *img, size_t size, uint32_t min_paddr, uint64_t max_paddr,
	       elf_segment_fn load, void *ctx, uint32_t *entry)
{
	uint32_t e_entry, e_phoff;
	uint16_t e_phentsize, e_phnum;
	bool entry_found = false;
	unsigned loaded = 0;

	if (size < EHDR_SIZE || memcmp(img, "\x7f" "ELF", 4) != 0) {
		pr_err("elf: not an ELF file");
		return -ENOEXEC;
	}
	/* e_ident: class 1 = 32-bit, data 1 = little-endian, version 1. */
	if (img[4] != 1 || img[5] != 1 || img[6] != 1) {
		pr_err("elf: not a 32-bit little-endian ELF (class %u, data %u)", img[4], img[5]);
		return -ENOEXEC;
	}
	if (rd16(img + 16) != ET_EXEC || rd16(img + 18) != EM_386) {
		pr_err("elf: not an i386 executable (type %u, machine %u)", rd16(img + 16),
		       rd16(img + 18));
		return -ENOEXEC;
	}
	e_entry = rd32(img + 24);
	e_phoff = rd32(img + 28);
	e_phentsize = rd16(img + 42);
	e_phnum = rd16(img + 44);
	if (e_phentsize != PHDR_SIZE || e_phnum == 0 ||
	    (uint64_t)e_phoff + (uint64_t)e_phnum * PHDR_SIZE > size) {
		pr_err("elf: program headers (offset %u, %u of %u bytes) lie outside the %zu-byte file",
		       e_phoff, e_phnum, e_phentsize, size);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < e_phnum; i++) {
		const uint8_t *ph = img + e_phoff + (size_t)i * PHDR_SIZE;
		uint32_t type = rd32(ph), offset = rd32(ph + 4), vaddr = rd32(ph + 8);
		uint32_t paddr = rd32(ph + 12), filesz = rd32(ph + 16), memsz = rd32(ph + 20);
		int err;

		if (type != PT_LOAD || memsz == 0)
			continue;
		if (filesz > memsz || (uint64_t)offset + filesz > size) {
			pr_err("elf: segment %u: file bytes %u+%u exceed the file (%zu) or its "
			       "memory size %u", i, offset, filesz, size, memsz);
			return -ENOEXEC;
		}
		if (paddr < min_paddr || (uint64_t)paddr + memsz > max_paddr) {
			pr_err("elf: segment %u at 0x%x+0x%x lies outside guest RAM "
			       "[0x%x, 0x%llx)", i, paddr, memsz, min_paddr,
			       (unsigned long long)max_paddr);
			return -ENOEXEC;
		}
		if (e_entry >= vaddr && e_entry - vaddr < memsz && !entry_found) {
			*entry = e_entry - vaddr + paddr;
			entry_found = true;
		}
		err = load(ctx, paddr, img + offset, filesz, memsz);
		if (err)
			return err;
		loaded++;
	}
	if (!loaded) {
		pr_err("elf: no loadable segment");
		return -ENOEXEC;
	}
	if (!entry_found) {
		pr_err("elf: entry point 0x%x is in no loadable segment", e_entry);
		return -ENOEXEC;
	}
	return 0;
}
