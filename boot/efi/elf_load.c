/* elf_load.c - plinth.elf's program headers checked and turned into a load
 * plan; segments copied; the boot entry table found. Field layouts and
 * constants: System V gABI "ELF-64 Object File Format" (version 1.5) §3
 * (file header), §5 (program header); x86-64 psABI for EM_X86_64. Pure;
 * host-tested (tests/unit/test_efi_elf.c). The file is untrusted input: every
 * offset and size is range-checked before use, and headers are read with
 * memcpy because nothing guarantees their alignment in the file buffer. */
#include "elf_load.h"

#include <plinth/log.h>
#include <plinth/string.h>

/* ELF-64 §3: the file header. */
struct elf64_ehdr {
	uint8_t  e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 §3 file header layout");

/* ELF-64 §5: a program header. */
struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 §5 program header layout");

#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_X86_64     62
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PF_X          0x1

static int check_header(const struct elf64_ehdr *eh, const char *name, size_t size)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0) {
		pr_err("%s: not an ELF file (no \\x7fELF magic)", name);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		pr_err("%s: ELF class %u, expected 2 (64-bit)", name, eh->e_ident[EI_CLASS]);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT) {
		pr_err("%s: not a little-endian version 1 ELF file", name);
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		pr_err("%s: ELF machine %u, expected %u (x86-64)", name, eh->e_machine, EM_X86_64);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		pr_err("%s: ELF type %u, expected %u (executable)", name, eh->e_type, ET_EXEC);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(struct elf64_phdr)) {
		pr_err("%s: program header size %u, expected %zu", name, eh->e_phentsize,
		       sizeof(struct elf64_phdr));
		return -ENOEXEC;
	}
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_LOAD_MAX_PHNUM) {
		pr_err("%s: %u program headers (expected 1 to %u)", name, eh->e_phnum,
		       ELF_LOAD_MAX_PHNUM);
		return -ENOEXEC;
	}
	uint64_t table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (eh->e_phoff > size || table > size - eh->e_phoff) {
		pr_err("%s: program headers at offset 0x%llx run past the end of the file "
		       "(%zu bytes)", name, (unsigned long long)eh->e_phoff, size);
		return -ENOEXEC;
	}
	return 0;
}

/* Check one PT_LOAD against the file and the segments before it. */
static int check_load(const struct elf64_phdr *ph, unsigned index, const char *name,
		      size_t size, const struct elf_load_plan *plan)
{
	if (ph->p_filesz > ph->p_memsz) {
		pr_err("%s: segment %u has more file bytes (0x%llx) than memory (0x%llx)", name,
		       index, (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
		return -ENOEXEC;
	}
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset) {
		pr_err("%s: segment %u (offset 0x%llx, 0x%llx bytes) runs past the end of the "
		       "file (%zu bytes)", name, index, (unsigned long long)ph->p_offset,
		       (unsigned long long)ph->p_filesz, size);
		return -ENOEXEC;
	}
	if (ph->p_paddr >= ELF_LOAD_LIMIT || ph->p_memsz > ELF_LOAD_LIMIT - ph->p_paddr) {
		pr_err("%s: segment %u at physical 0x%llx + 0x%llx is not below 4 GiB", name,
		       index, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
		return -ENOEXEC;
	}
	if (plan->count > 0) {
		const struct elf_load_segment *prev = &plan->seg[plan->count - 1];
		if (ph->p_paddr < prev->paddr + prev->memsz) {
			pr_err("%s: segment %u at physical 0x%llx overlaps or precedes the one "
			       "before it (0x%llx-0x%llx); segments must be in ascending "
			       "order", name, index, (unsigned long long)ph->p_paddr,
			       (unsigned long long)prev->paddr,
			       (unsigned long long)(prev->paddr + prev->memsz));
			return -ENOEXEC;
		}
	}
	if (plan->count == ELF_LOAD_MAX_SEGMENTS) {
		pr_err("%s: more than %u loadable segments", name, ELF_LOAD_MAX_SEGMENTS);
		return -ENOEXEC;
	}
	return 0;
}

/* Build the load plan (contract in elf_load.h). */
int elf_load_plan(struct elf_load_plan *plan, const char *name, const void *file, size_t size)
{
	const uint8_t *bytes = file;
	struct elf64_ehdr eh;
	int err;

	memset(plan, 0, sizeof(*plan));
	if (!file || size < sizeof(eh)) {
		pr_err("%s: %zu bytes is too short for an ELF file", name, file ? size : 0);
		return -ENOEXEC;
	}
	memcpy(&eh, bytes, sizeof(eh));
	err = check_header(&eh, name, size);
	if (err)
		return err;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) {
			pr_err("%s: segment %u is %s: plinth.elf must be a static executable",
			       name, i, ph.p_type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC");
			return -ENOEXEC;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		err = check_load(&ph, i, name, size, plan);
		if (err)
			return err;
		plan->seg[plan->count++] = (struct elf_load_segment){
			.offset = ph.p_offset, .filesz = ph.p_filesz,
			.paddr = ph.p_paddr, .memsz = ph.p_memsz, .flags = ph.p_flags,
		};
	}
	if (plan->count == 0) {
		pr_err("%s: no loadable segments", name);
		return -ENOEXEC;
	}
	const struct elf_load_segment *last = &plan->seg[plan->count - 1];
	plan->phys_start = ALIGN_DOWN(plan->seg[0].paddr, ELF_LOAD_PAGE_SIZE);
	/* No overflow: last->paddr + memsz <= 4 GiB, checked above. */
	plan->phys_end = ALIGN_UP(last->paddr + last->memsz, ELF_LOAD_PAGE_SIZE);
	return 0;
}

/* Copy segments into dest = [phys_start, phys_end), zeroing the rest. */
void elf_load_copy(const struct elf_load_plan *plan, const void *file, void *dest)
{
	const uint8_t *bytes = file;
	uint8_t *out = dest;

	memset(out, 0, (size_t)(plan->phys_end - plan->phys_start));
	for (uint32_t i = 0; i < plan->count; i++) {
		const struct elf_load_segment *s = &plan->seg[i];
		memcpy(out + (s->paddr - plan->phys_start), bytes + s->offset, (size_t)s->filesz);
	}
}

/* Is [start, end) inside one segment with the given flags (0: any)? */
static bool inside_segment(const struct elf_load_plan *plan, uint64_t start, uint64_t end,
			   uint32_t flags)
{
	for (uint32_t i = 0; i < plan->count; i++) {
		const struct elf_load_segment *s = &plan->seg[i];
		if (start >= s->paddr && end <= s->paddr + s->memsz && end >= start &&
		    (s->flags & flags) == flags)
			return true;
	}
	return false;
}

/* Find and check the boot entry table (contract in elf_load.h). */
int elf_find_entry_table(const struct elf_load_plan *plan, const void *dest, const char *name,
			 struct boot_entry_table *out)
{
	const uint8_t *image = dest;
	uint64_t span = MIN(plan->phys_end - plan->phys_start, (uint64_t)ELF_ENTRY_TABLE_SCAN);
	/* phys_start is page aligned, so 8-byte aligned offsets are 8-byte
	 * aligned physical addresses. */
	for (uint64_t off = 0; off + sizeof(*out) <= span; off += 8) {
		uint64_t magic;
		memcpy(&magic, image + off, sizeof(magic));
		if (magic != BOOT_ENTRY_TABLE_MAGIC)
			continue;

		struct boot_entry_table t;
		memcpy(&t, image + off, sizeof(t));
		if (!inside_segment(plan, t.efi_entry64_phys, t.efi_entry64_phys + 1, PF_X)) {
			pr_err("%s: entry point 0x%llx is not in an executable segment", name,
			       (unsigned long long)t.efi_entry64_phys);
			return -ENOEXEC;
		}
		if (t.image_start_phys > t.image_end_phys ||
		    t.image_start_phys < plan->seg[0].paddr || t.image_end_phys > plan->phys_end) {
			pr_err("%s: entry table describes the image as 0x%llx-0x%llx, outside "
			       "its loadable segments 0x%llx-0x%llx", name,
			       (unsigned long long)t.image_start_phys,
			       (unsigned long long)t.image_end_phys,
			       (unsigned long long)plan->seg[0].paddr,
			       (unsigned long long)plan->phys_end);
			return -ENOEXEC;
		}
		*out = t;
		return 0;
	}
	pr_err("%s: no plinth boot entry table in the first %u KiB: not a plinth image, "
	       "or one without UEFI support", name, ELF_ENTRY_TABLE_SCAN / 1024);
	return -ENOEXEC;
}
