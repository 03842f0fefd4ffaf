/* le_bytes.h - little-endian fields in byte buffers (x86 tables and
 * headers the VMM builds or parses: the Linux setup header and zero page,
 * ACPI tables, PCI configuration space). Byte by byte, so the buffer needs
 * no alignment. */
#ifndef PLINTH_LE_BYTES_H
#define PLINTH_LE_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t le_get16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | (p[off + 1] << 8));
}

static inline uint32_t le_get32(const uint8_t *p, size_t off)
{
	return le_get16(p, off) | ((uint32_t)le_get16(p, off + 2) << 16);
}

static inline void le_put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static inline void le_put32(uint8_t *p, size_t off, uint32_t v)
{
	le_put16(p, off, (uint16_t)v);
	le_put16(p, off + 2, (uint16_t)(v >> 16));
}

static inline void le_put64(uint8_t *p, size_t off, uint64_t v)
{
	le_put32(p, off, (uint32_t)v);
	le_put32(p, off + 4, (uint32_t)(v >> 32));
}

#endif
