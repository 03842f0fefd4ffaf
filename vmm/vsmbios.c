/* vsmbios.c - a VM's SMBIOS tables (see vsmbios.h). Section numbers are
 * DMTF DSP0134 3.6's. */
#include <plinth/log.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include "vsmbios.h"

#define EP_SIZE        0x18u     /* the 64-bit entry point (§5.2.2, Table 3) */
#define TABLE_OFFSET   0x20u     /* the structure table after it, 16-byte aligned */
#define HANDLE_BIOS    0x0000u
#define HANDLE_SYSTEM  0x0100u
#define HANDLE_CHASSIS 0x0300u
#define HANDLE_BOOT    0x2000u
#define HANDLE_END     0x7F00u

#define VENDOR         "plinth"
#define BIOS_VERSION   "0.1.0"
#define BIOS_DATE      "01/01/2026"   /* mm/dd/yyyy (§7.1) */

/* A structure being written: its header at start, strings after the
 * formatted area, numbered from 1 (§6.1.3). */
struct writer {
	uint8_t *buf;
	size_t size, pos;
	bool overflow;
	size_t start;           /* the current structure's first byte */
	uint8_t nr_strings;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->size - w->pos) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void put8(struct writer *w, uint8_t v) { put(w, &v, 1); }

static void put16(struct writer *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void put32(struct writer *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void put64(struct writer *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

/* The structure header (§6.1.2): type, the formatted area's length, the
 * handle. */
static void begin(struct writer *w, uint8_t type, uint8_t length, uint16_t handle)
{
	w->start = w->pos;
	w->nr_strings = 0;
	put8(w, type);
	put8(w, length);
	put16(w, handle);
}

/* The formatted area must have had exactly the length the header says. */
static void check_length(struct writer *w)
{
	if (!w->overflow && w->pos - w->start != w->buf[w->start + 1])
		panic("vsmbios: structure type %u is %zu bytes, its header says %u",
		      w->buf[w->start], w->pos - w->start, w->buf[w->start + 1]);
}

/* Strings after the formatted area, each NUL-terminated, the set ended by
 * one more NUL; a structure without strings ends with two NULs (§6.1.3). */
static void strings(struct writer *w, const char *const *s, unsigned n)
{
	check_length(w);
	for (unsigned i = 0; i < n; i++)
		put(w, s[i], strlen(s[i]) + 1);
	if (!n)
		put8(w, 0);
	put8(w, 0);
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* BIOS Information, type 0 (§7.1, 26 bytes for 3.1+): plinth is the
 * firmware; characteristics "not supported" (bit 3) and, in extension
 * byte 2, "the table describes a virtual machine" (bit 4). */
static void bios_info(struct writer *w)
{
	static const char *const s[] = { VENDOR, BIOS_VERSION, BIOS_DATE };

	begin(w, 0, 0x1A, HANDLE_BIOS);
	put8(w, 1);             /* vendor */
	put8(w, 2);             /* version */
	put16(w, 0xE000);       /* starting segment of the BIOS area */
	put8(w, 3);             /* release date */
	put8(w, 1);             /* ROM size: 64 KiB * (n + 1) */
	put64(w, BIT(3));       /* BIOS characteristics not supported */
	put8(w, 0);             /* extension byte 1 */
	put8(w, BIT(4));        /* extension byte 2: a virtual machine */
	put8(w, 0);             /* system BIOS major release */
	put8(w, 1);             /* ... minor release */
	put8(w, 0xFF);          /* no embedded controller firmware */
	put8(w, 0xFF);
	put16(w, 0);            /* extended ROM size */
	strings(w, s, 3);
}

/* The system UUID (§7.2.1, RFC 4122 layout): FNV-1a of the VM's name,
 * with the version (4, "random") and variant bits set: a VM keeps its
 * UUID across boots and resets, and VMs of different names differ. */
static void system_uuid(const struct vsmbios_config *c, uint8_t uuid[16])
{
	uint64_t h = 0xCBF29CE484222325ull;

	for (const char *p = c->vm_name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001B3ull;
	for (unsigned i = 0; i < 16; i++) {
		h = (h ^ i) * 0x100000001B3ull;
		uuid[i] = (uint8_t)(h >> 56);
	}
	uuid[7] = (uint8_t)((uuid[7] & 0x0F) | 0x40);   /* time_hi_and_version: version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3F) | 0x80);   /* clock_seq_hi: RFC 4122 variant */
}

/* System Information, type 1 (§7.2, 27 bytes). */
static void system_info(struct writer *w, const struct vsmbios_config *c)
{
	const char *const s[] = { VENDOR, "plinth VM", BIOS_VERSION, c->vm_name, "plinth" };
	uint8_t uuid[16];

	system_uuid(c, uuid);
	begin(w, 1, 0x1B, HANDLE_SYSTEM);
	put8(w, 1);             /* manufacturer */
	put8(w, 2);             /* product name */
	put8(w, 3);             /* version */
	put8(w, 4);             /* serial number: the VM's name */
	put(w, uuid, sizeof(uuid));
	put8(w, 6);             /* wake-up type: power switch */
	put8(w, 0);             /* no SKU number */
	put8(w, 5);             /* family */
	strings(w, s, 5);
}

/* System Enclosure, type 3 (§7.4, 21 bytes for 2.3+). */
static void chassis(struct writer *w)
{
	static const char *const s[] = { VENDOR };

	begin(w, 3, 0x15, HANDLE_CHASSIS);
	put8(w, 1);             /* manufacturer */
	put8(w, 0x01);          /* type: other */
	put8(w, 0);             /* no version, serial number or asset tag */
	put8(w, 0);
	put8(w, 0);
	put8(w, 3);             /* boot-up state: safe */
	put8(w, 3);             /* power supply state: safe */
	put8(w, 3);             /* thermal state: safe */
	put8(w, 2);             /* security status: unknown */
	put32(w, 0);            /* OEM-defined */
	put8(w, 0);             /* height: unspecified */
	put8(w, 0);             /* power cords: unspecified */
	put8(w, 0);             /* no contained elements */
	put8(w, 3);             /* element record length */
	strings(w, s, 1);
}

/* System Boot Information, type 32 (§7.33): no errors detected. */
static void boot_info(struct writer *w)
{
	begin(w, 32, 0x0B, HANDLE_BOOT);
	for (unsigned i = 0; i < 6; i++)
		put8(w, 0);     /* reserved */
	put8(w, 0);             /* boot status: no errors */
	strings(w, NULL, 0);
}

/* End-of-Table, type 127 (§7.46). */
static void end_of_table(struct writer *w)
{
	begin(w, 127, 4, HANDLE_END);
	strings(w, NULL, 0);
}

int vsmbios_build(uint8_t *buf, size_t size, uint64_t gpa, const struct vsmbios_config *c)
{
	struct writer w = { .buf = buf, .size = size, .pos = TABLE_OFFSET };
	size_t table_len;

	if ((gpa & 15) || !c || !c->vm_name || !c->vm_name[0]) {
		pr_err("vsmbios: the tables need a 16-byte aligned address (0x%llx) and a VM name",
		       (unsigned long long)gpa);
		return -EINVAL;
	}
	if (size < TABLE_OFFSET) {
		pr_err("vsmbios: %zu bytes are too few for the SMBIOS tables", size);
		return -ENOSPC;
	}
	memset(buf, 0, TABLE_OFFSET);
	bios_info(&w);
	system_info(&w, c);
	chassis(&w);
	boot_info(&w);
	end_of_table(&w);
	if (w.overflow) {
		pr_err("vsmbios: %zu bytes are too few for the SMBIOS tables", size);
		return -ENOSPC;
	}
	table_len = w.pos - TABLE_OFFSET;
	/* The 64-bit entry point (§5.2.2, Table 3). */
	w.pos = 0;
	put(&w, "_SM3_", 5);
	put8(&w, 0);                        /* checksum, below */
	put8(&w, EP_SIZE);
	put8(&w, 3);                        /* SMBIOS 3.6 */
	put8(&w, 6);
	put8(&w, 0);                        /* docrev */
	put8(&w, 1);                        /* entry point revision: 3.0 format */
	put8(&w, 0);
	put32(&w, (uint32_t)table_len);     /* structure table maximum size */
	put64(&w, gpa + TABLE_OFFSET);
	buf[5] = checksum(buf, EP_SIZE);
	return (int)(TABLE_OFFSET + table_len);
}
