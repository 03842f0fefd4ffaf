/* acpi_fixture.c - synthetic ACPI tables in a fake physical memory arena
 * for the ACPI parser tests (test_acpi.c, test_acpi_tables.c): builders for
 * the RSDP, RSDT/XSDT, MADT, FADT, DSDT and HPET table, and "the standard
 * machine" that the tests then damage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/acpi.h>
#include "host_support.h"
#include "acpi_fixture.h"

uint8_t arena[ARENA_SIZE];
struct acpi_info info;

bool arena_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	(void)ctx;
	if (pa < ARENA_BASE)
		return false;
	uint64_t off = pa - ARENA_BASE;
	if (off > ARENA_SIZE || len > ARENA_SIZE - off)
		return false;
	memcpy(dst, arena + off, len);
	return true;
}

uint8_t *at(uint64_t pa)
{
	assert_true(pa >= ARENA_BASE && pa - ARENA_BASE < ARENA_SIZE);
	return arena + (pa - ARENA_BASE);
}

void put8(uint64_t pa, uint8_t v) { *at(pa) = v; }
void put16(uint64_t pa, uint16_t v) { put8(pa, (uint8_t)v); put8(pa + 1, (uint8_t)(v >> 8)); }
void put32(uint64_t pa, uint32_t v) { put16(pa, (uint16_t)v); put16(pa + 2, (uint16_t)(v >> 16)); }
void put64(uint64_t pa, uint64_t v) { put32(pa, (uint32_t)v); put32(pa + 4, (uint32_t)(v >> 32)); }
uint32_t get32(uint64_t pa)
{
	const uint8_t *p = at(pa);
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint8_t sum_bytes(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Standard table header (ACPI 6.5 §5.2.6). */
void header(uint64_t pa, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(at(pa), sig, 4);
	put32(pa + 4, len);
	put8(pa + 8, rev);
	put8(pa + 9, 0);
	memcpy(at(pa + 10), "PLINTH", 6);
	memcpy(at(pa + 16), "TESTTBL ", 8);
	put32(pa + 24, 1);
	memcpy(at(pa + 28), "PLTC", 4);
	put32(pa + 32, 1);
}

/* Make the table at pa sum to zero over its length field. */
void seal(uint64_t pa)
{
	uint32_t len = get32(pa + 4);
	put8(pa + 9, 0);
	put8(pa + 9, (uint8_t)(0 - sum_bytes(at(pa), len)));
}

void rsdp_write(uint8_t *p, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "PLINTH", 6);
	p[15] = rev;
	memcpy(p + 16, &rsdt, 4);
	if (rev >= 2) {
		uint32_t len = 36;
		memcpy(p + 20, &len, 4);
		memcpy(p + 24, &xsdt, 8);
	}
	p[8] = (uint8_t)(0 - sum_bytes(p, 20));
	if (rev >= 2)
		p[32] = (uint8_t)(0 - sum_bytes(p, 36));
}

/* Root tables listing 'n' tables. */
void root_write(const uint64_t *tables, unsigned n)
{
	header(RSDT_PA, "RSDT", 36 + 4 * n, 1);
	header(XSDT_PA, "XSDT", 36 + 8 * n, 1);
	for (unsigned i = 0; i < n; i++) {
		put32(RSDT_PA + 36 + 4 * i, (uint32_t)tables[i]);
		put64(XSDT_PA + 36 + 8 * i, tables[i]);
	}
	seal(RSDT_PA);
	seal(XSDT_PA);
}

/* ---- MADT (ACPI 6.5 §5.2.12) ---- */
uint32_t madt_len;

void madt_begin(uint32_t lapic, uint32_t flags)
{
	header(MADT_PA, "APIC", 44, 5);
	put32(MADT_PA + 36, lapic);
	put32(MADT_PA + 40, flags);
	madt_len = 44;
}
void madt_add(const uint8_t *e, size_t n)
{
	memcpy(at(MADT_PA + madt_len), e, n);
	madt_len += (uint32_t)n;
	put32(MADT_PA + 4, madt_len);
	seal(MADT_PA);
}
void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };
	memcpy(e + 4, &flags, 4);
	madt_add(e, sizeof(e));
}
void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = { 9, 16 };
	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	madt_add(e, sizeof(e));
}
void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id, 0 };
	memcpy(e + 4, &addr, 4);
	memcpy(e + 8, &gsi, 4);
	madt_add(e, sizeof(e));
}
void madt_override(uint8_t src, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = { 2, 10, 0, src };
	memcpy(e + 4, &gsi, 4);
	memcpy(e + 8, &flags, 2);
	madt_add(e, sizeof(e));
}
void madt_lapic_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
	uint8_t e[6] = { 4, 6, uid };
	memcpy(e + 3, &flags, 2);
	e[5] = lint;
	madt_add(e, sizeof(e));
}
void madt_x2apic_nmi(uint16_t flags, uint32_t uid, uint8_t lint)
{
	uint8_t e[12] = { 0xA, 12 };
	memcpy(e + 2, &flags, 2);
	memcpy(e + 4, &uid, 4);
	e[8] = lint;
	madt_add(e, sizeof(e));
}

/* The standard MADT: 4 local APIC CPUs (one disabled, one only online
 * capable), one x2APIC CPU, an I/O APIC, two overrides, two NMI entries. */
void madt_standard(void)
{
	madt_begin(0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_lapic(2, 2, 0);            /* disabled */
	madt_lapic(3, 3, 2);            /* online capable */
	madt_x2apic(0x100, 1, 4);
	madt_ioapic(0, 0xFEC00000, 0);
	madt_override(0, 2, 0);
	madt_override(9, 9, 0xD);
	madt_lapic_nmi(0xFF, 5, 1);
	madt_x2apic_nmi(5, 4, 1);
}

/* ---- FADT (ACPI 6.5 §5.2.9) ---- */
void gas_put(uint64_t pa, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
	put8(pa, space);
	put8(pa + 1, width);
	put8(pa + 2, 0);
	put8(pa + 3, access);
	put64(pa + 4, addr);
}

/* A 6.x FADT (276 bytes) whose X_ fields differ from the 32-bit ones, so
 * the tests can tell which were used. */
void fadt_long(void)
{
	header(FADT_PA, "FACP", 276, 6);
	put32(FADT_PA + 40, (uint32_t)OUTSIDE_PA);  /* DSDT: overridden by X_DSDT */
	put16(FADT_PA + 46, 9);                     /* SCI_INT */
	put32(FADT_PA + 48, 0xB2);                  /* SMI_CMD */
	put8(FADT_PA + 52, 0xF1);                   /* ACPI_ENABLE */
	put32(FADT_PA + 64, 0x404);                 /* PM1a_CNT_BLK */
	put32(FADT_PA + 76, 0x408);                 /* PM_TMR_BLK */
	put8(FADT_PA + 91, 4);                      /* PM_TMR_LEN */
	put16(FADT_PA + 109, 0x0003);               /* IAPC_BOOT_ARCH */
	put32(FADT_PA + 112, (1u << 8) | (1u << 10)); /* TMR_VAL_EXT, RESET_REG_SUP */
	gas_put(FADT_PA + 116, 1, 8, 1, 0xCF9);     /* RESET_REG */
	put8(FADT_PA + 128, 0x06);                  /* RESET_VALUE */
	put64(FADT_PA + 140, DSDT_PA);              /* X_DSDT */
	gas_put(FADT_PA + 172, 1, 16, 2, 0x604);    /* X_PM1a_CNT_BLK */
	gas_put(FADT_PA + 208, 1, 32, 3, 0x608);    /* X_PM_TMR_BLK */
	seal(FADT_PA);
}

/* An ACPI 1.0 FADT: 116 bytes, followed in memory by bytes that would be
 * X_ fields in a longer table and must not be read. */
void fadt_short(void)
{
	memset(at(FADT_PA), 0xFF, 276);
	gas_put(FADT_PA + 116, 1, 8, 1, 0x64);
	put8(FADT_PA + 128, 0xFE);
	put64(FADT_PA + 140, OUTSIDE_PA);
	gas_put(FADT_PA + 172, 1, 16, 2, 0x1234);
	memset(at(FADT_PA), 0, 116);
	header(FADT_PA, "FACP", 116, 1);
	put32(FADT_PA + 40, (uint32_t)DSDT_PA);
	put32(FADT_PA + 48, 0xB2);
	put8(FADT_PA + 52, 0xF1);
	put32(FADT_PA + 64, 0xB004);
	put32(FADT_PA + 68, 0xB044);
	put32(FADT_PA + 76, 0xB008);
	put8(FADT_PA + 91, 4);
	put32(FADT_PA + 112, 1u << 10);             /* RESET_REG_SUP, but no room for it */
	seal(FADT_PA);
}

/* ---- DSDT with \_S5 ---- */
const uint8_t s5_byteconst[] = {     /* Name(_S5, Package(4){5, 6, 0, 0}) */
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00,
};
const uint8_t s5_rooted_zero[] = {   /* Name(\_S5, Package(2){Zero, One}) */
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01,
};
/* Some AML before and after, with a decoy: a Method named _S5_ whose
 * PkgLength byte is 0x08, so "08 _S5_" appears without being a NameOp. */
const uint8_t aml_prefix[] = {
	0x10, 0x0B, '_', 'S', 'B', '_', 0x5B, 0x82, 0x05, 'P', 'C', 'I', '0',
	0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xA4, 0x00, 0x00,
};
const uint8_t aml_suffix[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x0A, 0x02 };

uint32_t dsdt_write(uint64_t pa, size_t filler, const uint8_t *s5, size_t s5_len)
{
	uint32_t off = 36;
	memcpy(at(pa + off), aml_prefix, sizeof(aml_prefix));
	off += sizeof(aml_prefix);
	memset(at(pa + off), 0xA3, filler);          /* NoopOp */
	off += (uint32_t)filler;
	memcpy(at(pa + off), s5, s5_len);
	off += (uint32_t)s5_len;
	memcpy(at(pa + off), aml_suffix, sizeof(aml_suffix));
	off += sizeof(aml_suffix);
	header(pa, "DSDT", off, 2);
	seal(pa);
	return off;
}

void hpet_write(uint8_t space, uint64_t base)
{
	header(HPET_PA, "HPET", 56, 1);
	put32(HPET_PA + 36, 0x8086A201);
	gas_put(HPET_PA + 40, space, 64, 0, base);
	put8(HPET_PA + 52, 0);
	put16(HPET_PA + 53, 0x80);
	put8(HPET_PA + 55, 0);
	seal(HPET_PA);
}

/* The standard machine: RSDP (revision 'rev') -> root -> FADT, MADT, HPET;
 * FADT -> DSDT with Name(_S5, Package(){5, 6, 0, 0}). */
void machine(uint8_t rev, bool long_fadt)
{
	memset(arena, 0, sizeof(arena));
	madt_standard();
	if (long_fadt)
		fadt_long();
	else
		fadt_short();
	dsdt_write(DSDT_PA, 16, s5_byteconst, sizeof(s5_byteconst));
	hpet_write(0, 0xFED00000);
	const uint64_t tables[] = { FADT_PA, MADT_PA, HPET_PA };
	root_write(tables, 3);
	rsdp_write(at(RSDP_PA), rev, (uint32_t)RSDT_PA, XSDT_PA);
	host_log_reset();
}

int parse(void)
{
	return acpi_parse(&info, RSDP_PA, NULL, 0, arena_read, NULL);
}

const struct acpi_table_ref *find_table(const char *sig)
{
	for (unsigned i = 0; i < info.table_count; i++)
		if (strcmp(info.tables[i].signature, sig) == 0)
			return &info.tables[i];
	return NULL;
}

/* ------------------------------------------------------------ good tables */

void check_standard_madt(void)
{
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_addr, 0xFEE00000);
	assert_true(info.pcat_compat);
	assert_int_equal(info.cpu_count, 5);
	const uint32_t ids[] = { 0, 1, 2, 3, 0x100 };
	const bool enabled[] = { true, true, false, true, true };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(info.cpus[i].apic_id, ids[i]);
		assert_int_equal(info.cpus[i].uid, i);
		assert_int_equal(info.cpus[i].enabled, enabled[i]);
	}
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].address, 0xFEC00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.override_count, 2);
	assert_int_equal(info.overrides[0].source, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].source, 9);
	assert_int_equal(info.overrides[1].gsi, 9);
	assert_int_equal(info.overrides[1].flags, 0xD);
	assert_int_equal(info.lapic_nmi_count, 2);
	assert_int_equal(info.lapic_nmis[0].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	assert_int_equal(info.lapic_nmis[0].flags, 5);
	assert_int_equal(info.lapic_nmis[1].uid, 4);
}

