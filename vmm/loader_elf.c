/* loader_elf.c - load the PT_LOAD segments of an ELF32 (i386) or ELF64
 * (x86-64) executable (System V ABI, generic ELF chapter 4 "ELF Header",
 * chapter 5 "Program Header"; the x86-64 psABI). Pure; every field read is
 * bounds-checked against the image, every sum checked for wrap-around. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "loader.h"

#define EI_CLASS     4
#define EI_DATA      5
#define EI_VERSION   6
#define ELFCLASS32   1
#define ELFCLASS64   2
#define ELFDATA2LSB  1
#define PT_LOAD      1
#define ET_EXEC      2
#define EM_386       3
#define EM_X86_64    62

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* The fields of one ELF class that the loader reads. */
struct elf_layout {
	unsigned ehdr_size, phdr_size, machine;
	const char *name;
};
static const struct elf_layout elf32 = { 52, 32, EM_386, "ELF32 (i386)" };
static const struct elf_layout elf64 = { 64, 56, EM_X86_64, "ELF64 (x86-64)" };

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void read_phdr(const uint8_t *p, bool is64, struct phdr *ph)
{
	ph->type = rd32(p);
	if (is64) {
		ph->offset = rd64(p + 8);
		ph->vaddr = rd64(p + 16);
		ph->paddr = rd64(p + 24);
		ph->filesz = rd64(p + 32);
		ph->memsz = rd64(p + 40);
	} else {
		ph->offset = rd32(p + 4);
		ph->vaddr = rd32(p + 8);
		ph->paddr = rd32(p + 12);
		ph->filesz = rd32(p + 16);
		ph->memsz = rd32(p + 20);
	}
}

bool elf_is_elf(const uint8_t *img, size_t size)
{
	return size >= 4 && memcmp(img, "\x7f" "ELF", 4) == 0;
}

int elf_load(const uint8_t *img, size_t size, const struct image_sink *sink, uint64_t *entry)
{
	const struct elf_layout *cls;
	uint64_t e_entry, e_phoff;
	uint16_t e_phentsize, e_phnum;
	bool entry_found = false, is64;
	unsigned loaded = 0;

	if (!elf_is_elf(img, size) || size < 16) {
		pr_err("elf: not an ELF file (no magic, or shorter than e_ident)");
		return -ENOEXEC;
	}
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64) {
		pr_err("elf: unknown ELF class %u (neither 32- nor 64-bit)", img[EI_CLASS]);
		return -ENOEXEC;
	}
	is64 = img[EI_CLASS] == ELFCLASS64;
	cls = is64 ? &elf64 : &elf32;
	if (size < cls->ehdr_size) {
		pr_err("elf: %zu bytes is shorter than an %s header", size, cls->name);
		return -ENOEXEC;
	}
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != 1) {
		pr_err("elf: not a little-endian ELF version 1 (data %u, version %u)", img[EI_DATA],
		       img[EI_VERSION]);
		return -ENOEXEC;
	}
	if (rd16(img + 16) != ET_EXEC || rd16(img + 18) != cls->machine) {
		pr_err("elf: not an %s executable (type %u, machine %u)", cls->name, rd16(img + 16),
		       rd16(img + 18));
		return -ENOEXEC;
	}
	e_entry = is64 ? rd64(img + 24) : rd32(img + 24);
	e_phoff = is64 ? rd64(img + 32) : rd32(img + 28);
	e_phentsize = rd16(img + (is64 ? 54 : 42));
	e_phnum = rd16(img + (is64 ? 56 : 44));
	if (e_phentsize != cls->phdr_size || e_phnum == 0 || e_phoff > size ||
	    (uint64_t)e_phnum * cls->phdr_size > size - e_phoff) {
		pr_err("elf: program headers (offset %llu, %u of %u bytes) lie outside the %zu-byte file",
		       (unsigned long long)e_phoff, e_phnum, e_phentsize, size);
		return -ENOEXEC;
	}
	if (e_phnum > ELF_MAX_PHDRS) {
		pr_err("elf: %u program headers (at most %u)", e_phnum, ELF_MAX_PHDRS);
		return -ENOEXEC;
	}
	/* Check every segment before loading any, so a malformed image loads
	 * nothing. */
	for (unsigned i = 0; i < e_phnum; i++) {
		struct phdr ph, other;
		read_phdr(img + e_phoff + (size_t)i * cls->phdr_size, is64, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset) {
			pr_err("elf: segment %u: file bytes %llu+%llu exceed the file (%zu) or its "
			       "memory size %llu", i, (unsigned long long)ph.offset,
			       (unsigned long long)ph.filesz, size, (unsigned long long)ph.memsz);
			return -ENOEXEC;
		}
		if (ph.paddr < sink->min_gpa || ph.paddr + ph.memsz < ph.paddr ||
		    ph.paddr + ph.memsz > sink->max_gpa) {
			pr_err("elf: segment %u at 0x%llx+0x%llx lies outside guest RAM "
			       "[0x%llx, 0x%llx)", i, (unsigned long long)ph.paddr,
			       (unsigned long long)ph.memsz, (unsigned long long)sink->min_gpa,
			       (unsigned long long)sink->max_gpa);
			return -ENOEXEC;
		}
		for (unsigned j = 0; j < i; j++) {
			read_phdr(img + e_phoff + (size_t)j * cls->phdr_size, is64, &other);
			if (other.type != PT_LOAD || other.memsz == 0)
				continue;
			if (ph.paddr < other.paddr + other.memsz && other.paddr < ph.paddr + ph.memsz) {
				pr_err("elf: segments %u and %u overlap at 0x%llx", j, i,
				       (unsigned long long)MAX(ph.paddr, other.paddr));
				return -ENOEXEC;
			}
		}
		if (!entry_found && e_entry >= ph.vaddr && e_entry - ph.vaddr < ph.memsz) {
			*entry = e_entry - ph.vaddr + ph.paddr;
			entry_found = true;
		}
		loaded++;
	}
	if (!loaded) {
		pr_err("elf: no loadable segment");
		return -ENOEXEC;
	}
	if (!entry_found) {
		pr_err("elf: entry point 0x%llx is in no loadable segment", (unsigned long long)e_entry);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < e_phnum; i++) {
		struct phdr ph;
		int err;
		read_phdr(img + e_phoff + (size_t)i * cls->phdr_size, is64, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		err = sink->write(sink->ctx, ph.paddr, img + ph.offset, ph.filesz, ph.memsz);
		if (err)
			return err;
	}
	return 0;
}
