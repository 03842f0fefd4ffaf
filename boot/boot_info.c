/* boot_info.c - building and reading struct boot_info: the memory map
 * (sorted, non-overlapping, merged), module lookup, and the boot summary in
 * the log. Pure; host-tested (tests/unit/test_boot_info.c). Used by the
 * multiboot parsers, the UEFI loader and the allocator's setup. */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* Zero *bi and stamp it: every boot path starts here. */
void boot_info_init(struct boot_info *bi, enum boot_loader_kind loader)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->loader = (uint32_t)loader;
}

/* Which type an address keeps when two ranges claim it. The rule, from the
 * least to the most restrictive:
 *     usable < reserved < ACPI reclaim < ACPI NVS < bad
 * Anything non-usable beats usable, so memory is handed out only when every
 * source agrees it is free. The ACPI types beat plain reserved because they
 * carry obligations reserved does not (tables to be read before the memory
 * is reused, NVS to be preserved across sleep states: ACPI 6.5 §15.3) and
 * are equally untouchable for the allocator; bad RAM beats everything, as no
 * one may touch it. With the enum's values this is simply the higher type. */
static uint32_t stronger_type(uint32_t a, uint32_t b)
{
	_Static_assert(BOOT_MEM_USABLE < BOOT_MEM_RESERVED &&
		       BOOT_MEM_RESERVED < BOOT_MEM_ACPI_RECLAIM &&
		       BOOT_MEM_ACPI_RECLAIM < BOOT_MEM_ACPI_NVS &&
		       BOOT_MEM_ACPI_NVS < BOOT_MEM_BAD,
		       "stronger_type() relies on the order of enum boot_mem_type");
	return a > b ? a : b;
}

static uint64_t range_last(const struct boot_mem_range *r)
{
	return r->base + r->length - 1;   /* length != 0 and no wrap: invariants of mem[] */
}

/* Output of the rebuild in boot_info_add_mem: pieces are appended in address
 * order and merged with the previous piece when adjacent and of equal type. */
struct range_builder {
	struct boot_mem_range *out;
	uint32_t count;
	bool overflow;
};

static void builder_emit(struct range_builder *b, uint64_t base, uint64_t last, uint32_t type)
{
	if (b->count > 0) {
		struct boot_mem_range *prev = &b->out[b->count - 1];
		uint64_t prev_last = range_last(prev);
		if (prev->type == type && prev_last != UINT64_MAX && prev_last + 1 == base) {
			prev->length = last - prev->base + 1;
			return;
		}
	}
	if (b->count == BOOT_MAX_MEM_RANGES) {
		b->overflow = true;
		return;
	}
	b->out[b->count++] = (struct boot_mem_range){
		.base = base, .length = last - base + 1, .type = type,
	};
}

/* The new map is built here and copied back only if it fits, so a full
 * array is left untouched by a failed add. Static rather than 6 KiB of the
 * 16 KiB boot stack: boot_info_add_mem runs only in single-threaded boot
 * code (kernel boot CPU, UEFI loader), and is not reentrant. */
static struct boot_mem_range add_mem_scratch[BOOT_MAX_MEM_RANGES];

/* Add [base, base+length) of 'type' to bi->mem (see boot_info.h). Keeps the
 * array sorted, non-overlapping and merged; where the new range overlaps an
 * existing one, each address keeps stronger_type() of the two. Zero length
 * is ignored (0). Returns -EINVAL for a type outside enum boot_mem_type or a
 * range that wraps past 2^64, -ENOSPC (bi unchanged) if the result would
 * need more than BOOT_MAX_MEM_RANGES entries. */
int boot_info_add_mem(struct boot_info *bi, uint64_t base, uint64_t length, uint32_t type)
{
	if (type < BOOT_MEM_USABLE || type > BOOT_MEM_BAD) {
		pr_err("boot: memory range 0x%llx+0x%llx has unknown type %u",
		       (unsigned long long)base, (unsigned long long)length, type);
		return -EINVAL;
	}
	if (length == 0)
		return 0;
	if (base + (length - 1) < base) {
		pr_err("boot: memory range 0x%llx+0x%llx wraps past the end of the address space",
		       (unsigned long long)base, (unsigned long long)length);
		return -EINVAL;
	}
	if (bi->mem_count > BOOT_MAX_MEM_RANGES) {
		pr_err("boot: memory map count %u is corrupt", bi->mem_count);
		return -EINVAL;
	}

	uint64_t new_last = base + (length - 1);
	uint64_t cursor = base;          /* first address of the new range not yet emitted */
	bool new_done = false;
	struct range_builder b = { .out = add_mem_scratch };

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		uint64_t r_last = range_last(r);

		if (r_last < base) {                 /* wholly before the new range */
			builder_emit(&b, r->base, r_last, r->type);
			continue;
		}
		if (r->base > new_last) {            /* wholly after it */
			if (!new_done) {
				builder_emit(&b, cursor, new_last, type);
				new_done = true;
			}
			builder_emit(&b, r->base, r_last, r->type);
			continue;
		}
		/* Overlap: r's part below the new range, the new range's gap
		 * before r, the shared part, r's part above the new range. */
		if (r->base < base)
			builder_emit(&b, r->base, base - 1, r->type);
		else if (!new_done && cursor < r->base)
			builder_emit(&b, cursor, r->base - 1, type);
		uint64_t shared_base = MAX(r->base, base);
		uint64_t shared_last = MIN(r_last, new_last);
		builder_emit(&b, shared_base, shared_last, stronger_type(r->type, type));
		if (shared_last == new_last)
			new_done = true;
		else
			cursor = shared_last + 1;
		if (r_last > new_last)
			builder_emit(&b, new_last + 1, r_last, r->type);
	}
	if (!new_done)
		builder_emit(&b, cursor, new_last, type);

	if (b.overflow) {
		pr_err("boot: memory map full (%u ranges), cannot add 0x%llx+0x%llx",
		       BOOT_MAX_MEM_RANGES, (unsigned long long)base, (unsigned long long)length);
		return -ENOSPC;
	}
	memcpy(bi->mem, add_mem_scratch, b.count * sizeof(bi->mem[0]));
	bi->mem_count = b.count;
	return 0;
}

static uint64_t sum_bytes(const struct boot_info *bi, bool usable_only)
{
	uint64_t total = 0;
	uint32_t n = MIN(bi->mem_count, (uint32_t)BOOT_MAX_MEM_RANGES);
	for (uint32_t i = 0; i < n; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (usable_only ? r->type != BOOT_MEM_USABLE : r->type == BOOT_MEM_RESERVED)
			continue;
		total = total + r->length < total ? UINT64_MAX : total + r->length;
	}
	return total;
}

/* Total bytes of BOOT_MEM_USABLE ranges (saturating). */
uint64_t boot_info_usable_bytes(const struct boot_info *bi)
{
	return sum_bytes(bi, true);
}

/* Length of the first word of a module string (up to a space or tab). */
static size_t first_word_len(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

/* Does [word, word+len) equal the C string s? */
static bool word_equals(const char *word, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(word, s, len) == 0;
}

/* Find the module whose string's first word is 'name', or whose first word's
 * basename is 'name' or the basename of 'name' ("/boot/guest.elf x" is found
 * by "/boot/guest.elf", "guest.elf" and "/other/guest.elf"). NULL if none. */
const struct boot_module *boot_info_find_module(const struct boot_info *bi, const char *name)
{
	if (!name || !name[0])
		return NULL;
	const char *name_base = str_basename(name);
	uint32_t n = MIN(bi->module_count, (uint32_t)BOOT_MAX_MODULES);

	for (uint32_t i = 0; i < n; i++) {
		const struct boot_module *m = &bi->modules[i];
		/* The string is loader-provided: bound it even if unterminated. */
		if (strnlen(m->string, sizeof(m->string)) == sizeof(m->string))
			continue;
		size_t len = first_word_len(m->string);
		if (len == 0)
			continue;
		if (word_equals(m->string, len, name))
			return m;
		/* Basename of the first word: after its last '/'. */
		size_t start = len;
		while (start > 0 && m->string[start - 1] != '/')
			start--;
		const char *base = m->string + start;
		size_t base_len = len - start;
		if (base_len && (word_equals(base, base_len, name) ||
				 word_equals(base, base_len, name_base)))
			return m;
	}
	return NULL;
}

static const char *mem_type_name(uint32_t type)
{
	static const char *const names[] = {
		[BOOT_MEM_USABLE]       = "usable",
		[BOOT_MEM_RESERVED]     = "reserved",
		[BOOT_MEM_ACPI_RECLAIM] = "ACPI data",
		[BOOT_MEM_ACPI_NVS]     = "ACPI NVS",
		[BOOT_MEM_BAD]          = "bad",
	};
	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

static const char *loader_kind_name(uint32_t loader)
{
	switch (loader) {
	case BOOT_LOADER_MULTIBOOT1: return "multiboot 1";
	case BOOT_LOADER_MULTIBOOT2: return "multiboot 2";
	case BOOT_LOADER_EFI:        return "UEFI (plinth.efi)";
	default:                     return "unknown";
	}
}

/* Log what the loader told us: loader, command line, memory map with the
 * "memory: N MiB usable of M MiB total" summary (total = every range except
 * plain reserved, which is mostly MMIO windows and firmware holes, not RAM),
 * modules, and firmware details. Strings are printed bounded. */
void boot_info_print(const struct boot_info *bi)
{
	pr_info("boot: loaded by %s, loader '%.*s'", loader_kind_name(bi->loader),
		(int)sizeof(bi->loader_name), bi->loader_name);
	pr_info("boot: command line '%.*s'", (int)sizeof(bi->cmdline), bi->cmdline);

	uint32_t nmem = MIN(bi->mem_count, (uint32_t)BOOT_MAX_MEM_RANGES);
	pr_info("boot: memory map (%u ranges):", nmem);
	for (uint32_t i = 0; i < nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		pr_info("  [mem 0x%016llx-0x%016llx] %s", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->length - 1), mem_type_name(r->type));
	}
	pr_info("memory: %llu MiB usable of %llu MiB total",
		(unsigned long long)(boot_info_usable_bytes(bi) / MiB),
		(unsigned long long)(sum_bytes(bi, false) / MiB));

	uint32_t nmod = MIN(bi->module_count, (uint32_t)BOOT_MAX_MODULES);
	pr_info("boot: %u module%s", nmod, nmod == 1 ? "" : "s");
	for (uint32_t i = 0; i < nmod; i++) {
		const struct boot_module *m = &bi->modules[i];
		uint64_t size = m->end >= m->start ? m->end - m->start : 0;
		pr_info("  module %u: [0x%llx-0x%llx) %llu bytes '%.*s'", i,
			(unsigned long long)m->start, (unsigned long long)m->end,
			(unsigned long long)size, (int)sizeof(m->string), m->string);
	}

	if (bi->efi_booted)
		pr_info("boot: UEFI firmware, system table 0x%llx",
			(unsigned long long)bi->efi_system_table);
	if (bi->efi_mmap_entries)
		pr_info("boot: memory map converted from %u EFI memory descriptors",
			bi->efi_mmap_entries);
	if (bi->rsdp_copy_len)
		pr_info("boot: ACPI RSDP copy from the loader (%u bytes)", bi->rsdp_copy_len);
	else if (bi->rsdp_phys)
		pr_info("boot: ACPI RSDP at 0x%llx", (unsigned long long)bi->rsdp_phys);
}
