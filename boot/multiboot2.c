/* multiboot2.c - reading the multiboot 2 boot information (Multiboot2
 * Specification 2.0 §3.6) into struct boot_info. The information is one
 * block (total_size bytes) of 8-byte aligned tags ending in an end tag; the
 * block is mapped once and every tag is bounds-checked against it before it
 * is read. Pure; host-tested (tests/unit/test_multiboot2.c).
 *
 * Memory map policy: GRUB on UEFI passes both the memory map tag (6) and
 * the EFI memory map tag (17). Tag 6 is what GRUB derived from the EFI map
 * (and what it derived on BIOS from e820), so it is preferred whenever it
 * has entries; tag 17 is converted only when there is no usable tag 6, and
 * the basic meminfo tag (4) only when neither exists. */
#include <plinth/multiboot.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* A block larger than this is not something a loader produced: GRUB's info
 * for a large UEFI machine (EFI map of a few hundred descriptors, ELF
 * sections, framebuffer, ACPI) is a few tens of KiB. */
#define MB2_INFO_MAX_BYTES (1024 * 1024)
#define MB2_TAG_HEADER_LEN ((uint32_t)sizeof(struct multiboot2_tag))
#define MB2_MMAP_ENTRY_MIN (uint32_t)sizeof(struct multiboot2_mmap_entry)
#define EFI_DESCRIPTOR_VERSION 1   /* UEFI 2.10 §7.2.3 EFI_MEMORY_DESCRIPTOR_VERSION */

/* What the parser knows about each tag type: a name for messages, the
 * smallest valid size (header included; a smaller tag is malformed), and
 * whether only one may appear (later duplicates are ignored with a warning). */
struct tag_kind {
	const char *name;
	uint32_t min_size;
	bool single;
};

static const struct tag_kind tag_kinds[] = {
	[MB2_TAG_END]           = { "end",                      8, false },
	[MB2_TAG_CMDLINE]       = { "command line",             8, true },
	[MB2_TAG_LOADER_NAME]   = { "boot loader name",         8, true },
	[MB2_TAG_MODULE]        = { "module",                   16, false },
	[MB2_TAG_BASIC_MEMINFO] = { "basic memory info",        16, true },
	[MB2_TAG_MMAP]          = { "memory map",               16, true },
	[MB2_TAG_EFI32]         = { "EFI 32-bit system table",  12, true },
	[MB2_TAG_EFI64]         = { "EFI 64-bit system table",  16, true },
	[MB2_TAG_ACPI_OLD]      = { "ACPI 1.0 RSDP",            8 + MB2_RSDP_V1_LEN, true },
	[MB2_TAG_ACPI_NEW]      = { "ACPI 2.0 RSDP",            8 + MB2_RSDP_V2_LEN, true },
	[MB2_TAG_EFI_MMAP]      = { "EFI memory map",           16, true },
	[MB2_TAG_EFI_BS]        = { "EFI boot services not terminated", 8, true },
};

static const struct tag_kind *tag_kind(uint32_t type)
{
	return type < ARRAY_SIZE(tag_kinds) && tag_kinds[type].name ? &tag_kinds[type] : NULL;
}

/* What the tag walk found; memory is applied after the whole block has been
 * checked, so a malformed tag anywhere adds no memory at all. */
struct mb2_found {
	uint32_t seen;                  /* bit per tag type < 32 */
	const uint8_t *mmap;            /* tag 6, whole tag */
	uint32_t mmap_size;
	const uint8_t *efi_mmap;        /* tag 17, whole tag */
	uint32_t efi_mmap_size;
	uint32_t mem_lower, mem_upper;  /* tag 4, if seen */
	bool modules_dropped;           /* warned about BOOT_MAX_MODULES already */
};

/* Copy a string tag's payload [s, s+len) into dst[size]: it must be
 * NUL-terminated inside the tag; if not, or if it does not fit, what fits is
 * kept and a warning names 'what'. */
static void copy_tag_string(char *dst, size_t size, const uint8_t *s, size_t len,
			    const char *what)
{
	size_t n = 0;
	while (n < len && s[n] != 0)
		n++;
	if (n == len)
		pr_warn("multiboot2: %s is not NUL-terminated inside its tag, truncated", what);
	if (n >= size) {
		pr_warn("multiboot2: %s is %zu bytes, longer than %zu, truncated", what, n, size - 1);
		n = size - 1;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int parse_module_tag(struct boot_info *bi, struct mb2_found *found,
			    const uint8_t *tag, uint32_t size)
{
	struct multiboot2_tag_module mod;
	memcpy(&mod, tag, sizeof(mod));
	if (mod.mod_end < mod.mod_start) {
		pr_err("multiboot2: module ends (0x%x) before it starts (0x%x)",
		       mod.mod_end, mod.mod_start);
		return -EINVAL;
	}
	if (bi->module_count == BOOT_MAX_MODULES) {
		if (!found->modules_dropped)
			pr_warn("multiboot2: more than %u modules, the rest are ignored",
				BOOT_MAX_MODULES);
		found->modules_dropped = true;
		return 0;
	}
	if (mod.mod_end == mod.mod_start)
		pr_warn("multiboot2: module %u at 0x%x is empty", bi->module_count, mod.mod_start);
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->start = mod.mod_start;
	m->end = mod.mod_end;
	copy_tag_string(m->string, sizeof(m->string), tag + sizeof(mod), size - sizeof(mod),
			"module string");
	return 0;
}

/* Check the memory map tag's geometry (Multiboot2 §3.6.8): entries of
 * entry_size >= 24 bytes, a multiple of 8, filling the tag exactly. */
static int check_mmap_tag(const uint8_t *tag, uint32_t size)
{
	struct multiboot2_tag_mmap hdr;
	memcpy(&hdr, tag, sizeof(hdr));
	if (hdr.entry_size < MB2_MMAP_ENTRY_MIN || hdr.entry_size % 8 != 0) {
		pr_err("multiboot2: memory map entry_size %u is invalid (at least %u, a multiple of 8)",
		       hdr.entry_size, MB2_MMAP_ENTRY_MIN);
		return -EINVAL;
	}
	if ((size - sizeof(hdr)) % hdr.entry_size != 0) {
		pr_err("multiboot2: memory map of %u bytes is not a whole number of %u-byte entries",
		       (uint32_t)(size - sizeof(hdr)), hdr.entry_size);
		return -EINVAL;
	}
	if (hdr.entry_version != 0)
		pr_warn("multiboot2: memory map entry_version %u (expected 0), reading as version 0",
			hdr.entry_version);
	return 0;
}

static void copy_rsdp(struct boot_info *bi, const uint8_t *payload, uint32_t len)
{
	memcpy(bi->rsdp_copy, payload, len);
	bi->rsdp_copy_len = len;
}

/* Act on one tag that has passed the size checks: strings and modules are
 * recorded at once, memory descriptions are remembered in *found. */
static int parse_tag(struct boot_info *bi, struct mb2_found *found, uint32_t type,
		     const uint8_t *tag, uint32_t size)
{
	const uint8_t *payload = tag + MB2_TAG_HEADER_LEN;
	uint32_t payload_len = size - MB2_TAG_HEADER_LEN;

	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_tag_string(bi->cmdline, sizeof(bi->cmdline), payload, payload_len,
				"command line");
		return 0;
	case MB2_TAG_LOADER_NAME:
		copy_tag_string(bi->loader_name, sizeof(bi->loader_name), payload, payload_len,
				"boot loader name");
		return 0;
	case MB2_TAG_MODULE:
		return parse_module_tag(bi, found, tag, size);
	case MB2_TAG_BASIC_MEMINFO: {
		struct multiboot2_tag_basic_meminfo mi;
		memcpy(&mi, tag, sizeof(mi));
		found->mem_lower = mi.mem_lower;
		found->mem_upper = mi.mem_upper;
		return 0;
	}
	case MB2_TAG_MMAP: {
		int err = check_mmap_tag(tag, size);
		if (err)
			return err;
		found->mmap = tag;
		found->mmap_size = size;
		return 0;
	}
	case MB2_TAG_EFI_MMAP:
		found->efi_mmap = tag;
		found->efi_mmap_size = size;
		return 0;
	case MB2_TAG_EFI32: {
		/* The 64-bit pointer wins whichever comes first. */
		if (found->seen & BIT(MB2_TAG_EFI64))
			return 0;
		struct multiboot2_tag_efi32 t;
		memcpy(&t, tag, sizeof(t));
		bi->efi_system_table = t.pointer;
		bi->efi_booted = 1;
		return 0;
	}
	case MB2_TAG_EFI64: {
		struct multiboot2_tag_efi64 t;
		memcpy(&t, tag, sizeof(t));
		bi->efi_system_table = t.pointer;
		bi->efi_booted = 1;
		return 0;
	}
	case MB2_TAG_ACPI_OLD:
		/* The RSDP 2.0 copy (tag 15) is preferred: it has the XSDT. */
		if (!(found->seen & BIT(MB2_TAG_ACPI_NEW)))
			copy_rsdp(bi, payload, MB2_RSDP_V1_LEN);
		return 0;
	case MB2_TAG_ACPI_NEW:
		copy_rsdp(bi, payload, MB2_RSDP_V2_LEN);
		return 0;
	case MB2_TAG_EFI_BS:
		pr_warn("multiboot2: the loader did not exit EFI boot services; "
			"firmware may still own memory the map calls usable");
		return 0;
	default:
		pr_debug("multiboot2: tag type %u (%u bytes) not used", type, size);
		return 0;
	}
}

/* Walk the tags of the block [info, info+total): each 8-byte aligned, at
 * least 8 bytes, inside the block, the last one an end tag. */
static int walk_tags(struct boot_info *bi, struct mb2_found *found, const uint8_t *info,
		     uint32_t total)
{
	uint32_t offset = sizeof(struct multiboot2_info_header);
	for (;;) {
		struct multiboot2_tag tag;
		if (total - offset < MB2_TAG_HEADER_LEN) {
			pr_err("multiboot2: no end tag before total_size %u (tags stop at offset %u)",
			       total, offset);
			return -EINVAL;
		}
		memcpy(&tag, info + offset, sizeof(tag));
		if (tag.size < MB2_TAG_HEADER_LEN) {
			pr_err("multiboot2: tag type %u at offset %u has size %u (at least 8)",
			       tag.type, offset, tag.size);
			return -EINVAL;
		}
		if (tag.size > total - offset) {
			pr_err("multiboot2: tag type %u at offset %u (size %u) runs past total_size %u",
			       tag.type, offset, tag.size, total);
			return -EINVAL;
		}
		if (tag.type == MB2_TAG_END) {
			if (tag.size != MB2_TAG_HEADER_LEN)
				pr_warn("multiboot2: end tag has size %u (expected 8)", tag.size);
			return 0;
		}

		const struct tag_kind *kind = tag_kind(tag.type);
		bool duplicate = tag.type < 32 && (found->seen & BIT(tag.type));
		if (kind && tag.size < kind->min_size) {
			pr_err("multiboot2: %s tag (type %u) at offset %u has size %u (at least %u)",
			       kind->name, tag.type, offset, tag.size, kind->min_size);
			return -EINVAL;
		}
		if (kind && kind->single && duplicate) {
			pr_warn("multiboot2: duplicate %s tag (type %u) at offset %u ignored",
				kind->name, tag.type, offset);
		} else {
			int err = parse_tag(bi, found, tag.type, info + offset, tag.size);
			if (err)
				return err;
		}
		if (tag.type < 32)
			found->seen |= (uint32_t)BIT(tag.type);

		/* Next tag: 8-byte aligned (Multiboot2 §3.6.1). */
		uint64_t next = offset + ALIGN_UP((uint64_t)tag.size, MB2_TAG_ALIGN);
		if (next >= total) {
			pr_err("multiboot2: no end tag before total_size %u (last tag type %u at offset %u)",
			       total, tag.type, offset);
			return -EINVAL;
		}
		offset = (uint32_t)next;
	}
}

/* Add the tag 6 memory map's entries. Returns the number added or an error. */
static int add_mmap_tag(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	struct multiboot2_tag_mmap hdr;
	memcpy(&hdr, tag, sizeof(hdr));
	uint32_t count = (uint32_t)(size - sizeof(hdr)) / hdr.entry_size;
	for (uint32_t i = 0; i < count; i++) {
		struct multiboot2_mmap_entry e;
		memcpy(&e, tag + sizeof(hdr) + (size_t)i * hdr.entry_size, sizeof(e));
		int err = boot_info_add_mem(bi, e.base_addr, e.length, multiboot_mem_type(e.type));
		if (err) {
			pr_err("multiboot2: memory map entry %u rejected", i);
			return err;
		}
	}
	return (int)count;
}

/* Convert the tag 17 EFI memory map, or (when tag 6 was used) only report
 * its size. */
static int add_efi_mmap_tag(struct boot_info *bi, const uint8_t *tag, uint32_t size,
			    bool convert)
{
	struct multiboot2_tag_efi_mmap hdr;
	memcpy(&hdr, tag, sizeof(hdr));
	size_t map_size = size - sizeof(hdr);
	if (!convert) {
		if (hdr.descriptor_size != 0 && map_size % hdr.descriptor_size == 0)
			pr_debug("multiboot2: EFI memory map (%zu descriptors) not used: "
				 "the memory map tag is preferred", map_size / hdr.descriptor_size);
		return 0;
	}
	if (hdr.descriptor_version != EFI_DESCRIPTOR_VERSION)
		pr_warn("multiboot2: EFI memory descriptor version %u (expected %u)",
			hdr.descriptor_version, EFI_DESCRIPTOR_VERSION);
	int err = boot_info_add_efi_mmap(bi, tag + sizeof(hdr), map_size, hdr.descriptor_size);
	if (err)
		pr_err("multiboot2: EFI memory map tag rejected");
	return err;
}

/* Parse the multiboot 2 information at info_pa into *bi (see multiboot.h). */
int multiboot2_parse(struct boot_info *bi, uint32_t info_pa, boot_map_fn map, void *ctx)
{
	boot_info_init(bi, BOOT_LOADER_MULTIBOOT2);

	if (!IS_ALIGNED(info_pa, MB2_TAG_ALIGN)) {
		pr_err("multiboot2: boot information at 0x%x is not 8-byte aligned", info_pa);
		return -EINVAL;
	}
	const void *raw = map(ctx, info_pa, sizeof(struct multiboot2_info_header));
	if (!raw) {
		pr_err("multiboot2: boot information at 0x%x is not readable", info_pa);
		return -EINVAL;
	}
	struct multiboot2_info_header hdr;
	memcpy(&hdr, raw, sizeof(hdr));
	uint32_t min_total = sizeof(hdr) + MB2_TAG_HEADER_LEN;
	if (hdr.total_size < min_total || hdr.total_size > MB2_INFO_MAX_BYTES) {
		pr_err("multiboot2: total_size %u is implausible (%u..%u)",
		       hdr.total_size, min_total, MB2_INFO_MAX_BYTES);
		return -EINVAL;
	}
	if ((uint64_t)info_pa + hdr.total_size > 4 * GiB) {
		pr_err("multiboot2: boot information at 0x%x (%u bytes) runs past 4 GiB",
		       info_pa, hdr.total_size);
		return -EINVAL;
	}
	if (hdr.reserved != 0)   /* §3.6.1: "must be ignored by OS image" */
		pr_warn("multiboot2: reserved header field is 0x%x, expected 0", hdr.reserved);
	const uint8_t *info = map(ctx, info_pa, hdr.total_size);
	if (!info) {
		pr_err("multiboot2: boot information at 0x%x (%u bytes) is not readable",
		       info_pa, hdr.total_size);
		return -EINVAL;
	}

	struct mb2_found found = { 0 };
	int err = walk_tags(bi, &found, info, hdr.total_size);
	if (err)
		return err;

	int mmap_entries = 0;
	if (found.mmap) {
		mmap_entries = add_mmap_tag(bi, found.mmap, found.mmap_size);
		if (mmap_entries < 0)
			return mmap_entries;
		if (mmap_entries == 0)
			pr_warn("multiboot2: memory map tag has no entries");
	}
	if (found.efi_mmap) {
		err = add_efi_mmap_tag(bi, found.efi_mmap, found.efi_mmap_size, mmap_entries == 0);
		if (err)
			return err;
	}
	if (bi->mem_count == 0 && (found.seen & BIT(MB2_TAG_BASIC_MEMINFO))) {
		err = multiboot_add_basic_meminfo(bi, found.mem_lower, found.mem_upper, "multiboot2");
		if (err)
			return err;
	}
	if (bi->mem_count == 0) {
		pr_err("multiboot2: no memory information (no memory map, EFI memory map or "
		       "basic meminfo tag with memory in it)");
		return -EINVAL;
	}
	return 0;
}
