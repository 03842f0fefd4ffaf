/* mb1_info.c - the Multiboot 1 information structure (Multiboot
 * specification 0.6.96 §3.3, "Boot information format"). Pure. */
#include <plinth/string.h>
#include "loader.h"

#define LOADER_NAME "plinth"

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* One memory-map entry: size (of the rest, 20), base, length, type
 * (1 = available RAM), §3.3 "mmap_*". */
static void mmap_entry(uint8_t *p, uint64_t base, uint64_t len)
{
	wr32(p, 20);
	wr64(p + 4, base);
	wr64(p + 12, len);
	wr32(p + 20, 1);
}

int mb1_info_build(uint8_t *buf, size_t size, uint32_t buf_gpa, uint64_t ram_bytes,
		   const char *cmdline)
{
	const size_t mmap_off = MB1_INFO_SIZE, mmap_len = 2 * 24;
	const size_t cmd_off = mmap_off + mmap_len;
	size_t cmd_len = strlen(cmdline) + 1;
	size_t name_off = cmd_off + cmd_len;
	size_t total = name_off + sizeof(LOADER_NAME);
	/* mem_upper counts KiB from 1 MiB up to the first hole; guest RAM is
	 * one block from 0, and only what a 32-bit kernel can address. */
	uint64_t top = MIN(ram_bytes, 4 * GiB);

	if (ram_bytes < 2 * MiB)
		return -EINVAL;
	if (total > size)
		return -ENOSPC;
	memset(buf, 0, total);
	wr32(buf + 0, MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER);
	wr32(buf + 4, 640);                                   /* mem_lower, KiB */
	wr32(buf + 8, (uint32_t)((top - MiB) / KiB));          /* mem_upper, KiB */
	wr32(buf + 16, buf_gpa + (uint32_t)cmd_off);           /* cmdline */
	wr32(buf + 44, (uint32_t)mmap_len);                    /* mmap_length */
	wr32(buf + 48, buf_gpa + (uint32_t)mmap_off);          /* mmap_addr */
	wr32(buf + 64, buf_gpa + (uint32_t)name_off);          /* boot_loader_name */
	mmap_entry(buf + mmap_off, 0, 640 * KiB);
	mmap_entry(buf + mmap_off + 24, MiB, ram_bytes - MiB);
	memcpy(buf + cmd_off, cmdline, cmd_len);
	memcpy(buf + name_off, LOADER_NAME, sizeof(LOADER_NAME));
	return (int)total;
}
