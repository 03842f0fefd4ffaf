/* test_acpi_tables.c - the per-table parsers behind acpi_parse(): the
 * MADT (drivers/acpi/acpi_madt.c: CPUs, x2APIC, I/O APICs, overrides, NMIs,
 * duplicate IDs, zero-length and overrunning entries, array limits), the
 * FADT (acpi_fadt.c: X_ fields preferred, an ACPI 1.0 table never read
 * past its length, odd ports and reset registers), the DSDT's \_S5 and
 * the HPET table, over synthetic tables in a fake arena (acpi_fixture.c). */
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

/* ------------------------------------------------------------ MADT */

static void test_madt_duplicate_apic_id(void **state)
{
	(void)state;
	machine(2, true);
	madt_begin(0xFEE00000, 0);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_x2apic(1, 1, 7);                  /* same CPU as x2APIC: ignored */
	madt_lapic(2, 0, 1);                   /* duplicate ID 0 */
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].uid, 1);
	assert_false(info.pcat_compat);
	assert_true(host_log_contains("APIC ID 1 twice"));
	assert_true(host_log_contains("APIC ID 0 twice"));
}

static void test_madt_entry_length_zero(void **state)
{
	(void)state;
	machine(2, true);
	madt_begin(0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	uint8_t zero[8] = { 0, 0, 1, 1, 1, 0, 0, 0 };
	madt_add(zero, sizeof(zero));
	madt_lapic(2, 2, 1);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 1);  /* the walk stopped at the bad entry */
	assert_true(host_log_contains("has length 0"));

	machine(2, true);
	madt_begin(0xFEE00000, 1);
	uint8_t one[8] = { 0, 1, 1, 1, 1, 0, 0, 0 };
	madt_add(one, sizeof(one));
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 0);
	assert_true(host_log_contains("has length 1"));
}

static void test_madt_entry_past_end(void **state)
{
	(void)state;
	machine(2, true);
	madt_begin(0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_ioapic(0, 0xFEC00000, 0);
	at(MADT_PA + madt_len - 12)[1] = 40;    /* IOAPIC entry claims 40 bytes */
	seal(MADT_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);
	assert_true(host_log_contains("runs past the end"));

	/* A single stray byte after the last entry. */
	machine(2, true);
	madt_begin(0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	uint8_t stray = 0;
	madt_add(&stray, 1);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 1);
	assert_true(host_log_contains("stray byte"));
}

static void test_madt_entry_too_short_skipped(void **state)
{
	(void)state;
	machine(2, true);
	madt_begin(0xFEE00000, 1);
	uint8_t short_ioapic[6] = { 1, 6, 0, 0, 0, 0 };
	madt_add(short_ioapic, sizeof(short_ioapic));
	madt_lapic(0, 0, 1);
	uint8_t unknown[20] = { 0x7F, 20 };    /* unknown type: skipped quietly */
	madt_add(unknown, sizeof(unknown));
	uint8_t long_lapic[12] = { 0, 12, 1, 1, 1, 0, 0, 0, 0xEE, 0xEE, 0xEE, 0xEE };
	madt_add(long_lapic, sizeof(long_lapic));  /* longer than known: fine */
	assert_int_equal(parse(), 0);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_true(host_log_contains("too short (6 < 12)"));
}

static void test_madt_odd_entries(void **state)
{
	(void)state;
	machine(2, true);
	madt_begin(0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 0xFF, 1);                /* broadcast ID: not a CPU */
	madt_lapic(2, 0xFF, 0);                /* unused slot: silently skipped */
	madt_x2apic(0xFFFFFFFF, 1, 3);
	madt_ioapic(1, 0, 0);                  /* address 0 */
	madt_override(16, 16, 0);              /* not an ISA IRQ */
	madt_lapic_nmi(0, 0, 2);               /* LINT2 does not exist */
	uint8_t addr_override[12] = { 5, 12 };
	uint64_t lapic64 = 0x123456789000ULL;
	memcpy(addr_override + 4, &lapic64, 8);
	madt_add(addr_override, sizeof(addr_override));
	uint8_t nmi_src[8] = { 3, 8, 0, 0, 5, 0, 0, 0 };
	madt_add(nmi_src, sizeof(nmi_src));
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.override_count, 0);
	assert_int_equal(info.lapic_nmi_count, 0);
	assert_int_equal(info.lapic_addr, 0x123456789000ULL);
	assert_true(host_log_contains("APIC ID 0xFF"));
	assert_true(host_log_contains("0xFFFFFFFF"));
	assert_true(host_log_contains("I/O APIC 1 at address 0"));
	assert_true(host_log_contains("not ISA"));
	assert_true(host_log_contains("LINT2"));
}

static void test_madt_limits(void **state)
{
	(void)state;
	machine(2, true);
	/* 300 x2APIC CPUs, 20 I/O APICs, 40 overrides, 20 NMIs: the MADT is
	 * placed at SSDT_PA, which has room. */
	uint64_t tables[] = { FADT_PA, SSDT_PA, HPET_PA };
	uint64_t pa = SSDT_PA;
	header(pa, "APIC", 44, 5);
	put32(pa + 36, 0xFEE00000);
	uint32_t len = 44;
	for (uint32_t i = 0; i < 300; i++, len += 16) {
		uint8_t e[16] = { 9, 16 };
		uint32_t flags = 1;
		memcpy(e + 4, &i, 4);
		memcpy(e + 8, &flags, 4);
		memcpy(e + 12, &i, 4);
		memcpy(at(pa + len), e, 16);
	}
	for (uint32_t i = 0; i < 20; i++, len += 12) {
		uint8_t e[12] = { 1, 12, (uint8_t)i };
		uint32_t a = 0xFEC00000 + i * 0x1000;
		memcpy(e + 4, &a, 4);
		memcpy(at(pa + len), e, 12);
	}
	for (uint32_t i = 0; i < 40; i++, len += 10) {
		uint8_t e[10] = { 2, 10, 0, (uint8_t)(i % 16) };
		memcpy(at(pa + len), e, 10);
	}
	for (uint32_t i = 0; i < 20; i++, len += 6) {
		uint8_t e[6] = { 4, 6, 0xFF, 0, 0, 1 };
		memcpy(at(pa + len), e, 6);
	}
	put32(pa + 4, len);
	seal(pa);
	root_write(tables, 3);
	host_log_reset();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.override_count, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.lapic_nmi_count, ACPI_MAX_LAPIC_NMIS);
	assert_true(host_log_contains("44 CPUs beyond the first 256"));
	assert_true(host_log_contains("4 I/O APICs beyond"));
	assert_true(host_log_contains("8 interrupt overrides beyond"));
	assert_true(host_log_contains("4 local APIC NMI entries beyond"));
}

static void test_madt_too_short(void **state)
{
	(void)state;
	machine(2, true);
	header(MADT_PA, "APIC", 40, 5);
	seal(MADT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.has_madt);
	assert_true(host_log_contains("MADT too short"));
}

/* ------------------------------------------------------------ FADT */

static void test_fadt_long_prefers_x_fields(void **state)
{
	(void)state;
	machine(2, true);
	assert_int_equal(parse(), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.fadt_revision, 6);
	assert_int_equal(info.dsdt_addr, DSDT_PA);       /* X_DSDT, not DSDT */
	assert_int_equal(info.pm1a_cnt_blk, 0x604);      /* X_PM1a_CNT_BLK */
	assert_int_equal(info.pm1b_cnt_blk, 0);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_true(info.pm_tmr_32bit);
	assert_int_equal(info.sci_int, 9);
	assert_int_equal(info.smi_cmd, 0xB2);
	assert_int_equal(info.acpi_enable, 0xF1);
	assert_int_equal(info.iapc_boot_arch, 3);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.space_id, 1);
	assert_int_equal(info.reset_reg.bit_width, 8);
	assert_int_equal(info.reset_reg.address, 0xCF9);
	assert_int_equal(info.reset_value, 6);
	assert_true(info.s5_valid);
}

static void test_fadt_short_not_read_past_length(void **state)
{
	(void)state;
	machine(2, false);
	assert_int_equal(parse(), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.fadt_revision, 1);
	assert_int_equal(info.dsdt_addr, DSDT_PA);       /* 32-bit DSDT */
	assert_int_equal(info.pm1a_cnt_blk, 0xB004);
	assert_int_equal(info.pm1b_cnt_blk, 0xB044);
	assert_int_equal(info.pm_tmr_blk, 0xB008);
	assert_false(info.pm_tmr_32bit);
	assert_false(info.reset_supported);
	assert_int_equal(info.reset_value, 0);
	assert_true(host_log_contains("RESET_REG_SUP but is only 116 bytes"));
	assert_true(info.s5_valid);
}

static void test_fadt_odd_fields(void **state)
{
	(void)state;
	/* X_ block in memory space: fall back to the 32-bit port. */
	machine(2, true);
	gas_put(FADT_PA + 172, 0, 16, 2, 0xFED40000);
	put32(FADT_PA + 68, 0x12345);          /* PM1b: not a port */
	put8(FADT_PA + 91, 3);                 /* PM_TMR_LEN must be 4 */
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.pm1a_cnt_blk, 0x404);
	assert_true(host_log_contains("X_PM1a_CNT_BLK (space 0"));
	assert_int_equal(info.pm1b_cnt_blk, 0);
	assert_true(host_log_contains("PM1b_CNT_BLK 0x12345 is not an I/O port"));
	assert_int_equal(info.pm_tmr_blk, 0);
	assert_false(info.pm_tmr_32bit);
	assert_true(host_log_contains("PM_TMR_LEN is 3"));

	/* Reset register at address 0, and in an unknown space. */
	machine(2, true);
	gas_put(FADT_PA + 116, 1, 8, 1, 0);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.reset_supported);
	assert_true(host_log_contains("reset register at address 0"));

	machine(2, true);
	gas_put(FADT_PA + 116, 0x7F, 8, 1, 0xCF9);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.reset_supported);
	assert_true(host_log_contains("address space 127"));

	/* Memory and PCI reset registers are accepted. */
	machine(2, true);
	gas_put(FADT_PA + 116, 2, 8, 1, (1ULL << 32) | 0x44);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.space_id, 2);

	/* X_DSDT zero: the 32-bit DSDT is used. */
	machine(2, true);
	put64(FADT_PA + 140, 0);
	put32(FADT_PA + 40, (uint32_t)DSDT_PA);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.dsdt_addr, DSDT_PA);
	assert_true(info.s5_valid);

	/* No DSDT at all. */
	machine(2, true);
	put64(FADT_PA + 140, 0);
	put32(FADT_PA + 40, 0);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.s5_valid);
	assert_true(host_log_contains("names no DSDT"));
}

static void test_fadt_truncated_below_v1(void **state)
{
	(void)state;
	machine(2, true);
	/* 72 bytes: PM1a_CNT_BLK (64) fits, PM_TMR_BLK (76) and Flags don't. */
	put32(FADT_PA + 4, 72);
	seal(FADT_PA);
	assert_int_equal(parse(), 0);
	assert_true(info.has_fadt);
	assert_int_equal(info.pm1a_cnt_blk, 0x404);
	assert_int_equal(info.pm_tmr_blk, 0);
	assert_int_equal(info.fadt_flags, 0);
	assert_int_equal(info.dsdt_addr, OUTSIDE_PA);
	assert_true(host_log_contains("FADT is only 72 bytes"));
	/* That DSDT pointer leads outside memory. */
	assert_false(info.s5_valid);
	assert_true(host_log_contains("not readable"));
}

/* ------------------------------------------------------------ DSDT, HPET */

static void test_dsdt_problems(void **state)
{
	(void)state;
	/* Bad checksum. */
	machine(2, true);
	at(DSDT_PA)[40] ^= 1;
	assert_int_equal(parse(), 0);
	assert_false(info.s5_valid);
	assert_true(host_log_contains("DSDT at 0x103000: bad checksum"));

	/* Not a DSDT. */
	machine(2, true);
	memcpy(at(DSDT_PA), "SSDT", 4);
	seal(DSDT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.s5_valid);
	assert_true(host_log_contains("leads to 'SSDT'"));

	/* No \_S5. */
	machine(2, true);
	dsdt_write(DSDT_PA, 4, (const uint8_t *)"\xA3\xA3", 2);
	assert_int_equal(parse(), 0);
	assert_false(info.s5_valid);
	assert_true(host_log_contains("no \\_S5 package"));

	/* Truncated inside the package: the DSDT ends after NumElements. */
	machine(2, true);
	uint32_t len = dsdt_write(DSDT_PA, 16, s5_byteconst, sizeof(s5_byteconst));
	uint32_t cut = len - (uint32_t)sizeof(aml_suffix) - (uint32_t)sizeof(s5_byteconst) + 8;
	put32(DSDT_PA + 4, cut);
	seal(DSDT_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.s5_valid);
	assert_true(host_log_contains("truncated"));

	/* Rooted name and ZeroOp/OneOp elements. */
	machine(2, true);
	dsdt_write(DSDT_PA, 3, s5_rooted_zero, sizeof(s5_rooted_zero));
	assert_int_equal(parse(), 0);
	assert_true(info.s5_valid);
	assert_int_equal(info.slp_typa, 0);
	assert_int_equal(info.slp_typb, 1);
}

/* \_S5 placed at every offset around the DSDT's internal window borders. */
static void test_dsdt_s5_across_windows(void **state)
{
	(void)state;
	for (size_t filler = 380; filler < 1000; filler++) {
		machine(2, true);
		dsdt_write(DSDT_PA, filler, s5_byteconst, sizeof(s5_byteconst));
		assert_int_equal(parse(), 0);
		assert_true(info.s5_valid);
		assert_int_equal(info.slp_typa, 5);
		assert_int_equal(info.slp_typb, 6);
	}
}

static void test_hpet(void **state)
{
	(void)state;
	machine(2, true);
	hpet_write(1, 0xFED00000);             /* I/O space: not an HPET */
	assert_int_equal(parse(), 0);
	assert_false(info.has_hpet);
	assert_true(host_log_contains("HPET base (space 1"));

	machine(2, true);
	hpet_write(0, 0);
	assert_int_equal(parse(), 0);
	assert_false(info.has_hpet);

	machine(2, true);
	put32(HPET_PA + 4, 50);
	seal(HPET_PA);
	assert_int_equal(parse(), 0);
	assert_false(info.has_hpet);
	assert_true(host_log_contains("HPET table too short"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt_duplicate_apic_id),
		cmocka_unit_test(test_madt_entry_length_zero),
		cmocka_unit_test(test_madt_entry_past_end),
		cmocka_unit_test(test_madt_entry_too_short_skipped),
		cmocka_unit_test(test_madt_odd_entries),
		cmocka_unit_test(test_madt_limits),
		cmocka_unit_test(test_madt_too_short),
		cmocka_unit_test(test_fadt_long_prefers_x_fields),
		cmocka_unit_test(test_fadt_short_not_read_past_length),
		cmocka_unit_test(test_fadt_odd_fields),
		cmocka_unit_test(test_fadt_truncated_below_v1),
		cmocka_unit_test(test_dsdt_problems),
		cmocka_unit_test(test_dsdt_s5_across_windows),
		cmocka_unit_test(test_hpet),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
