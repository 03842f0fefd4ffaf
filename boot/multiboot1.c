/* multiboot1.c - reading the multiboot 1 boot information (Multiboot
 * Specification 0.6.96 §3.3) into struct boot_info. Everything the loader
 * handed over is untrusted: every address goes through the map callback
 * with its length, every count and length is bounded, strings are copied
 * with a bound. Pure; host-tested (tests/unit/test_multiboot1.c). */
#include <plinth/multiboot.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* Plausibility bounds. A PC memory map has tens of entries and GRUB loads a
 * handful of modules; numbers far beyond these mean a corrupt structure. */
#define MB1_MMAP_MAX_BYTES  (64 * 1024)
#define MB1_MODS_MAX_COUNT  1024
#define MB1_MEM_LOWER_MAX_KIB 640          /* Multiboot §3.3: "maximally 640" */
#define STRING_CHUNK        4096           /* read strings one page at a time */

/* Multiboot §3.3 (and Multiboot2 §3.6.8): 1 available RAM, 3 ACPI
 * information, 4 preserve on hibernation (NVS), 5 defective RAM; "all other
 * values currently indicated a reserved area". */
uint32_t multiboot_mem_type(uint32_t mb_type)
{
	switch (mb_type) {
	case 1:  return BOOT_MEM_USABLE;
	case 3:  return BOOT_MEM_ACPI_RECLAIM;
	case 4:  return BOOT_MEM_ACPI_NVS;
	case 5:  return BOOT_MEM_BAD;
	default: return BOOT_MEM_RESERVED;
	}
}

/* The memory description used when there is no memory map: mem_lower KiB of
 * conventional memory at 0 and mem_upper KiB from 1 MiB (Multiboot §3.3,
 * Multiboot2 §3.6.3). mem_lower above 640 is clamped, with a warning. */
int multiboot_add_basic_meminfo(struct boot_info *bi, uint32_t mem_lower_kib,
				uint32_t mem_upper_kib, const char *who)
{
	if (mem_lower_kib > MB1_MEM_LOWER_MAX_KIB) {
		pr_warn("%s: mem_lower %u KiB exceeds %u KiB, clamped", who,
			mem_lower_kib, MB1_MEM_LOWER_MAX_KIB);
		mem_lower_kib = MB1_MEM_LOWER_MAX_KIB;
	}
	pr_warn("%s: no memory map, using mem_lower/mem_upper (%u KiB, %u KiB)", who,
		mem_lower_kib, mem_upper_kib);
	int err = boot_info_add_mem(bi, 0, (uint64_t)mem_lower_kib * KiB, BOOT_MEM_USABLE);
	if (!err)
		err = boot_info_add_mem(bi, 1 * MiB, (uint64_t)mem_upper_kib * KiB, BOOT_MEM_USABLE);
	return err;
}

enum string_result { STRING_OK, STRING_TRUNCATED, STRING_UNREADABLE };

/* Copy the C string at physical pa into dst[size] (size > 0), reading at
 * most size bytes and never across a page boundary in one map call (so a
 * short string at the end of readable memory is still read). dst is always
 * NUL-terminated. */
static enum string_result copy_phys_string(boot_map_fn map, void *ctx, uint64_t pa,
					   char *dst, size_t size)
{
	size_t n = 0;   /* bytes examined so far */
	while (n < size) {
		uint64_t at = pa + n;
		size_t chunk = STRING_CHUNK - (size_t)(at % STRING_CHUNK);
		if (chunk > size - n)
			chunk = size - n;
		const char *p = map(ctx, at, chunk);
		if (!p) {
			dst[n] = '\0';
			return STRING_UNREADABLE;
		}
		for (size_t i = 0; i < chunk; i++, n++) {
			if (p[i] == '\0') {
				dst[n] = '\0';
				return STRING_OK;
			}
			if (n < size - 1)
				dst[n] = p[i];
		}
	}
	dst[size - 1] = '\0';
	return STRING_TRUNCATED;
}

/* Copy one loader string into dst, warning (and keeping what could be read)
 * if it is missing, unreadable or longer than dst. 'what' names it. */
static void read_string(boot_map_fn map, void *ctx, uint32_t pa, char *dst, size_t size,
			const char *what)
{
	dst[0] = '\0';
	if (pa == 0) {
		pr_warn("multiboot1: %s pointer is 0, ignored", what);
		return;
	}
	switch (copy_phys_string(map, ctx, pa, dst, size)) {
	case STRING_OK:
		break;
	case STRING_TRUNCATED:
		pr_warn("multiboot1: %s at 0x%x is longer than %zu bytes or unterminated, truncated",
			what, pa, size - 1);
		break;
	case STRING_UNREADABLE:
		pr_warn("multiboot1: %s at 0x%x is not readable, ignored", what, pa);
		dst[0] = '\0';
		break;
	}
}

/* Is the loader GRUB 2 ("GRUB 2.06", "GRUB 1.99"), as opposed to GRUB legacy
 * ("GNU GRUB 0.97") or another loader? */
static bool loader_is_grub2(const char *name)
{
	for (const char *p = name; *p; p++)
		if (strncmp(p, "GRUB ", 5) == 0)
			return p[5] != '0' && p[5] != '\0';
	return false;
}

/* Multiboot 1 loaders other than GRUB 2 (QEMU -kernel, GRUB legacy, iPXE,
 * syslinux mboot.c32) put the image's own name first on the command line;
 * GRUB 2 does not (Xen makes the same distinction). Remove that first word,
 * so bi->cmdline holds only hypervisor options. A first word containing '='
 * is an option, not a file name, and is kept. */
static void strip_image_name(char *cmdline, const char *loader_name)
{
	if (loader_is_grub2(loader_name))
		return;
	size_t start = 0;
	while (cmdline[start] == ' ' || cmdline[start] == '\t')
		start++;
	size_t end = start;
	while (cmdline[end] && cmdline[end] != ' ' && cmdline[end] != '\t') {
		if (cmdline[end] == '=')
			return;
		end++;
	}
	while (cmdline[end] == ' ' || cmdline[end] == '\t')
		end++;
	pr_debug("multiboot1: image name '%.*s' removed from the command line",
		 (int)(end - start), cmdline + start);
	memmove(cmdline, cmdline + end, strlen(cmdline + end) + 1);
}

/* Record the modules (flags bit 3). A malformed module list is an error;
 * a bad module string only a warning; modules beyond BOOT_MAX_MODULES are
 * dropped with a warning. */
static int parse_modules(struct boot_info *bi, const struct multiboot1_info *info,
			 boot_map_fn map, void *ctx)
{
	uint32_t count = info->mods_count;
	if (count == 0)
		return 0;
	if (count > MB1_MODS_MAX_COUNT) {
		pr_err("multiboot1: implausible module count %u (at most %u)",
		       count, MB1_MODS_MAX_COUNT);
		return -EINVAL;
	}
	size_t bytes = (size_t)count * sizeof(struct multiboot1_module);
	if ((uint64_t)info->mods_addr + bytes > 4 * GiB) {
		pr_err("multiboot1: module list at 0x%x (%u modules) runs past 4 GiB",
		       info->mods_addr, count);
		return -EINVAL;
	}
	const uint8_t *list = map(ctx, info->mods_addr, bytes);
	if (!list) {
		pr_err("multiboot1: module list at 0x%x (%u modules) is not readable",
		       info->mods_addr, count);
		return -EINVAL;
	}
	if (count > BOOT_MAX_MODULES)
		pr_warn("multiboot1: %u modules, only the first %u are used",
			count, BOOT_MAX_MODULES);

	for (uint32_t i = 0; i < count && i < BOOT_MAX_MODULES; i++) {
		struct multiboot1_module mod;
		memcpy(&mod, list + i * sizeof(mod), sizeof(mod));
		if (mod.mod_end < mod.mod_start) {
			pr_err("multiboot1: module %u ends (0x%x) before it starts (0x%x)",
			       i, mod.mod_end, mod.mod_start);
			return -EINVAL;
		}
		if (mod.mod_end == mod.mod_start)
			pr_warn("multiboot1: module %u at 0x%x is empty", i, mod.mod_start);
		struct boot_module *m = &bi->modules[bi->module_count];
		m->start = mod.mod_start;
		m->end = mod.mod_end;
		if (mod.string)   /* 0: the module has no string (allowed) */
			read_string(map, ctx, mod.string, m->string, sizeof(m->string),
				    "module string");
		bi->module_count++;
	}
	return 0;
}

/* Add the BIOS memory map (flags bit 6). Each entry is 'size' + 4 bytes
 * long, size >= 20; the walk stays inside mmap_length. Returns the number
 * of entries added (>= 0) or a negative error. */
static int parse_mmap(struct boot_info *bi, const struct multiboot1_info *info,
		      boot_map_fn map, void *ctx)
{
	uint32_t length = info->mmap_length;
	if (length > MB1_MMAP_MAX_BYTES) {
		pr_err("multiboot1: implausible memory map length %u (at most %u)",
		       length, MB1_MMAP_MAX_BYTES);
		return -EINVAL;
	}
	if (length == 0)
		return 0;
	if ((uint64_t)info->mmap_addr + length > 4 * GiB) {
		pr_err("multiboot1: memory map at 0x%x (%u bytes) runs past 4 GiB",
		       info->mmap_addr, length);
		return -EINVAL;
	}
	const uint8_t *mmap = map(ctx, info->mmap_addr, length);
	if (!mmap) {
		pr_err("multiboot1: memory map at 0x%x (%u bytes) is not readable",
		       info->mmap_addr, length);
		return -EINVAL;
	}

	int entries = 0;
	uint32_t offset = 0;
	while (offset < length) {
		uint32_t size;
		if (length - offset < sizeof(size)) {
			pr_err("multiboot1: memory map entry at offset %u is truncated "
			       "(%u bytes left of mmap_length %u)", offset, length - offset, length);
			return -EINVAL;
		}
		memcpy(&size, mmap + offset, sizeof(size));
		if (size < MB1_MMAP_ENTRY_MIN_SIZE) {
			pr_err("multiboot1: memory map entry at offset %u has size %u (at least %u)",
			       offset, size, MB1_MMAP_ENTRY_MIN_SIZE);
			return -EINVAL;
		}
		if (size > length - offset - sizeof(size)) {
			pr_err("multiboot1: memory map entry at offset %u (size %u) runs past "
			       "mmap_length %u", offset, size, length);
			return -EINVAL;
		}
		struct multiboot1_mmap_entry e;
		memcpy(&e, mmap + offset, sizeof(e));   /* size >= 20: all 24 bytes are inside */
		int err = boot_info_add_mem(bi, e.base_addr, e.length, multiboot_mem_type(e.type));
		if (err) {
			pr_err("multiboot1: memory map entry at offset %u rejected", offset);
			return err;
		}
		entries++;
		offset += size + (uint32_t)sizeof(size);
	}
	return entries;
}

/* Parse the multiboot 1 information at info_pa into *bi (see multiboot.h). */
int multiboot1_parse(struct boot_info *bi, uint32_t info_pa, boot_map_fn map, void *ctx)
{
	boot_info_init(bi, BOOT_LOADER_MULTIBOOT1);

	const void *raw = map(ctx, info_pa, MB1_INFO_PARSED_LEN);
	if (!raw) {
		pr_err("multiboot1: boot information at 0x%x is not readable", info_pa);
		return -EINVAL;
	}
	struct multiboot1_info info;
	memset(&info, 0, sizeof(info));
	memcpy(&info, raw, MB1_INFO_PARSED_LEN);

	if ((info.flags & MB1_INFO_AOUT_SYMS) && (info.flags & MB1_INFO_ELF_SHDR))
		pr_warn("multiboot1: flags 0x%x set both a.out and ELF symbol bits", info.flags);

	if (info.flags & MB1_INFO_LOADER_NAME)
		read_string(map, ctx, info.boot_loader_name, bi->loader_name,
			    sizeof(bi->loader_name), "boot loader name");
	if (info.flags & MB1_INFO_CMDLINE) {
		read_string(map, ctx, info.cmdline, bi->cmdline, sizeof(bi->cmdline),
			    "command line");
		strip_image_name(bi->cmdline, bi->loader_name);
	}

	int err;
	if (info.flags & MB1_INFO_MODS) {
		err = parse_modules(bi, &info, map, ctx);
		if (err)
			return err;
	}

	int mmap_entries = 0;
	if (info.flags & MB1_INFO_MEM_MAP) {
		mmap_entries = parse_mmap(bi, &info, map, ctx);
		if (mmap_entries < 0)
			return mmap_entries;
		if (mmap_entries == 0)
			pr_warn("multiboot1: memory map flag set but the map is empty");
	}
	if (mmap_entries == 0 && (info.flags & MB1_INFO_MEMORY)) {
		err = multiboot_add_basic_meminfo(bi, info.mem_lower, info.mem_upper, "multiboot1");
		if (err)
			return err;
	}
	if (bi->mem_count == 0) {
		pr_err("multiboot1: no memory information (flags 0x%x)", info.flags);
		return -EINVAL;
	}
	return 0;
}
