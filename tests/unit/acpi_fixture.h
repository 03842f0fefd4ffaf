/* acpi_fixture.h - the fake physical memory and table builders shared by
 * the ACPI parser tests (tests/unit/acpi_fixture.c). */
#ifndef TESTS_ACPI_FIXTURE_H
#define TESTS_ACPI_FIXTURE_H

#include <plinth/acpi.h>

#define ARENA_BASE  0xE0000ULL
#define ARENA_SIZE  0x40000ULL          /* physical 0xE0000 - 0x11FFFF */
#define OUTSIDE_PA  0xDEAD0000ULL       /* not in the arena: reads fail */

#define RSDP_PA  0xF0000ULL
#define RSDT_PA  0x100000ULL
#define XSDT_PA  0x100800ULL
#define MADT_PA  0x101000ULL
#define FADT_PA  0x102000ULL
#define DSDT_PA  0x103000ULL
#define HPET_PA  0x106000ULL
#define SSDT_PA  0x107000ULL
extern uint8_t arena[ARENA_SIZE];
/* The result of the last parse(). */
extern struct acpi_info info;

/* acpi_read_fn over the arena: false outside it. */
bool arena_read(void *ctx, uint64_t pa, void *dst, size_t len);
/* Pointer into the arena for physical address pa (asserts it is inside). */
uint8_t *at(uint64_t pa);
void put8(uint64_t pa, uint8_t v);
void put16(uint64_t pa, uint16_t v);
void put32(uint64_t pa, uint32_t v);
void put64(uint64_t pa, uint64_t v);
uint32_t get32(uint64_t pa);
uint8_t sum_bytes(const uint8_t *p, size_t n);

/* Table header (ACPI 6.5 §5.2.6) with a zero checksum; seal() fixes it. */
void header(uint64_t pa, const char *sig, uint32_t len, uint8_t rev);
void seal(uint64_t pa);
/* An RSDP image (36 bytes written) with correct checksums. */
void rsdp_write(uint8_t *p, uint8_t rev, uint32_t rsdt, uint64_t xsdt);
/* RSDT and XSDT, both listing 'tables'. */
void root_write(const uint64_t *tables, unsigned n);

/* MADT at MADT_PA, built entry by entry (each call reseals it). */
extern uint32_t madt_len;
void madt_begin(uint32_t lapic, uint32_t flags);
void madt_add(const uint8_t *e, size_t n);
void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags);
void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid);
void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi);
void madt_override(uint8_t src, uint32_t gsi, uint16_t flags);
void madt_lapic_nmi(uint8_t uid, uint16_t flags, uint8_t lint);
void madt_x2apic_nmi(uint16_t flags, uint32_t uid, uint8_t lint);
void madt_standard(void);

void gas_put(uint64_t pa, uint8_t space, uint8_t width, uint8_t access, uint64_t addr);
void fadt_long(void);
void fadt_short(void);

extern const uint8_t s5_byteconst[14];
extern const uint8_t s5_rooted_zero[11];
extern const uint8_t aml_prefix[23];
extern const uint8_t aml_suffix[10];
/* DSDT at pa: aml_prefix, 'filler' NoopOps, s5, aml_suffix. Returns its length. */
uint32_t dsdt_write(uint64_t pa, size_t filler, const uint8_t *s5, size_t s5_len);
void hpet_write(uint8_t space, uint64_t base);

/* The standard machine: RSDP (revision 'rev') -> RSDT/XSDT -> FADT (6.x
 * or 1.0 length), MADT (madt_standard), HPET; FADT -> DSDT with
 * Name(_S5, Package(){5, 6, 0, 0}). Resets the captured log. */
void machine(uint8_t rev, bool long_fadt);
/* acpi_parse() of the arena's RSDP into 'info'. */
int parse(void);
const struct acpi_table_ref *find_table(const char *sig);
/* Assert 'info' holds exactly what madt_standard() wrote. */
void check_standard_madt(void);

#endif
