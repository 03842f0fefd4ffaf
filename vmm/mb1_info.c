/* mb1_info.c - the Multiboot 1 information structure (Multiboot
 * specification 0.6.96 §3.3, "Boot information format"): the fixed part,
 * then the memory map, the module list and the strings, all in one block
 * the loader places in guest RAM. Pure. */
#include <plinth/string.h>
#include "loader.h"

#define LOADER_NAME "plinth"
#define MMAP_AVAILABLE 1u            /* §3.3 mmap type 1: available RAM */
#define MMAP_RESERVED  2u
#define LOW_RAM_KIB    (MB1_LOW_RAM_END / 1024u)

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* One memory-map entry: size (of the rest, 20), base, length, type. */
static void mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	wr32(p, MB1_MMAP_ENTRY - 4);
	wr64(p + 4, base);
	wr64(p + 12, len);
	wr32(p + 20, type);
}

/* The guest's physical map: low RAM, the legacy VGA/ROM hole (RAM exists
 * there but the guest is told it is reserved, as on a PC), the rest. */
static unsigned mmap_entries(const struct mb1_info_desc *d)
{
	return d->ram_size > MiB ? 3 : 2;
}

/* Offsets of the parts of the block: [fixed][mmap][mods][cmdline][module
 * strings...][loader name]. */
struct info_offsets { size_t mmap, mods, cmdline, strings, name, total; };

static int info_offsets(const struct mb1_info_desc *d, struct info_offsets *o)
{
	if (!d || !d->cmdline || d->ram_size < MiB || d->nr_modules > MB1_MAX_MODULES ||
	    (d->nr_modules && !d->modules))
		return -EINVAL;
	o->mmap = MB1_INFO_SIZE;
	o->mods = o->mmap + mmap_entries(d) * MB1_MMAP_ENTRY;
	o->cmdline = o->mods + d->nr_modules * MB1_MOD_SIZE;
	o->strings = o->cmdline + strlen(d->cmdline) + 1;
	o->name = o->strings;
	for (unsigned i = 0; i < d->nr_modules; i++) {
		if (!d->modules[i].string || d->modules[i].end < d->modules[i].start)
			return -EINVAL;
		o->name += strlen(d->modules[i].string) + 1;
	}
	o->total = o->name + sizeof(LOADER_NAME);
	return o->total > 0x7FFFFFFF ? -EINVAL : 0;
}

int mb1_info_size(const struct mb1_info_desc *d)
{
	struct info_offsets o;
	int err = info_offsets(d, &o);
	return err ? err : (int)o.total;
}

int mb1_info_build(uint8_t *buf, size_t size, uint32_t buf_gpa, const struct mb1_info_desc *d)
{
	struct info_offsets o;
	uint32_t flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER;
	/* mem_upper counts KiB from 1 MiB up to the first hole; guest RAM is
	 * one block from 0, and only what a 32-bit kernel can address counts. */
	uint64_t top = MIN(d ? d->ram_size : 0, 4 * GiB);
	size_t str;
	int err = info_offsets(d, &o);

	if (err)
		return err;
	if (o.total > size || (uint64_t)buf_gpa + o.total > 4 * GiB)
		return -ENOSPC;
	memset(buf, 0, o.total);
	wr32(buf + 4, LOW_RAM_KIB);                                    /* mem_lower */
	wr32(buf + 8, (uint32_t)((top - MiB) / KiB));                   /* mem_upper */
	wr32(buf + 16, buf_gpa + (uint32_t)o.cmdline);                  /* cmdline */
	memcpy(buf + o.cmdline, d->cmdline, strlen(d->cmdline) + 1);
	if (d->nr_modules) {
		flags |= MB1_INFO_MODS;
		wr32(buf + 20, d->nr_modules);                          /* mods_count */
		wr32(buf + 24, buf_gpa + (uint32_t)o.mods);             /* mods_addr */
	}
	str = o.strings;
	for (unsigned i = 0; i < d->nr_modules; i++) {
		uint8_t *m = buf + o.mods + i * MB1_MOD_SIZE;
		size_t len = strlen(d->modules[i].string) + 1;
		wr32(m, d->modules[i].start);                           /* mod_start */
		wr32(m + 4, d->modules[i].end);                         /* mod_end (one past) */
		wr32(m + 8, buf_gpa + (uint32_t)str);                   /* string */
		memcpy(buf + str, d->modules[i].string, len);
		str += len;
	}
	wr32(buf + 44, (uint32_t)(mmap_entries(d) * MB1_MMAP_ENTRY));   /* mmap_length */
	wr32(buf + 48, buf_gpa + (uint32_t)o.mmap);                     /* mmap_addr */
	mmap_entry(buf + o.mmap, 0, MB1_LOW_RAM_END, MMAP_AVAILABLE);
	mmap_entry(buf + o.mmap + MB1_MMAP_ENTRY, MB1_LOW_RAM_END, MiB - MB1_LOW_RAM_END,
		   MMAP_RESERVED);
	if (d->ram_size > MiB)
		mmap_entry(buf + o.mmap + 2 * MB1_MMAP_ENTRY, MiB, d->ram_size - MiB, MMAP_AVAILABLE);
	wr32(buf + 64, buf_gpa + (uint32_t)o.name);                     /* boot_loader_name */
	memcpy(buf + o.name, LOADER_NAME, sizeof(LOADER_NAME));
	wr32(buf + 0, flags);
	return (int)o.total;
}
