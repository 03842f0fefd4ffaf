/* acpi_internal.h - what the pure ACPI parser files (acpi_parse.c,
 * acpi_madt.c, acpi_fadt.c, acpi_aml_s5.c) share with each other and nothing
 * else: the memory reader, little-endian field access and the per-table
 * parsers that acpi_parse() dispatches to. Builds for the host too. */
#ifndef DRIVERS_ACPI_INTERNAL_H
#define DRIVERS_ACPI_INTERNAL_H

#include <plinth/acpi.h>

/* System Description Table Header (ACPI 6.5 §5.2.6): every table but the
 * RSDP and FACS starts with it. */
#define ACPI_HDR_LEN            36
#define ACPI_HDR_LENGTH_OFF     4
#define ACPI_HDR_REVISION_OFF   8
#define ACPI_HDR_CHECKSUM_OFF   9
/* No real table comes near this; a larger length is taken as garbage. */
#define ACPI_TABLE_MAX_LEN      (1u << 20)

/* Where physical memory comes from: the kernel's direct map or a test arena. */
struct acpi_src {
	acpi_read_fn read;
	void *ctx;
};

/* Read [pa, pa+len) through the source; false if the range wraps or the
 * source refuses it. */
bool acpi_src_read(const struct acpi_src *src, uint64_t pa, void *dst, size_t len);

static inline uint16_t acpi_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t acpi_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t acpi_get64(const uint8_t *p)
{
	return (uint64_t)acpi_get32(p) | ((uint64_t)acpi_get32(p + 4) << 32);
}

/* Decode a Generic Address Structure (ACPI 6.5 §5.2.3.2) from 12 bytes. */
void acpi_get_gas(struct acpi_gas *gas, const uint8_t *p);

/* Per-table parsers. Each is given a table whose length (>= 36, <= 1 MiB)
 * and checksum were already verified, reads it through 'src', fills its part
 * of *out and logs what it cannot use. */
void acpi_parse_madt(struct acpi_info *out, const struct acpi_src *src,
		     uint64_t addr, uint32_t len);
void acpi_parse_fadt(struct acpi_info *out, const struct acpi_src *src,
		     uint64_t addr, uint32_t len);

#endif
