/* test_acpi.c - the ACPI table parser's front half (drivers/acpi/
 * acpi_parse.c): RSDP v0 -> RSDT and v2 -> XSDT, RSDP copies, bad RSDP
 * signature/checksums/lengths, root tables that are broken, mistyped,
 * outside memory or absurdly long, tables with bad checksums or lengths or
 * pointers outside memory, the RSDP scan, and a seeded mutation run over
 * the whole table set under the sanitizers. Tables are built in a fake
 * physical memory arena (acpi_fixture.c). */
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

static void test_rsdp_v0_uses_rsdt(void **state)
{
	(void)state;
	machine(0, false);
	assert_int_equal(parse(), 0);
	assert_true(info.present);
	assert_int_equal(info.revision, 0);
	assert_string_equal(info.oem_id, "PLINTH");
	assert_int_equal(info.rsdp_addr, RSDP_PA);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_addr, RSDT_PA);
	/* RSDT, FACP, APIC, HPET, DSDT, in the order they were read. */
	assert_int_equal(info.table_count, 5);
	const char *order[] = { "RSDT", "FACP", "APIC", "HPET", "DSDT" };
	for (unsigned i = 0; i < 5; i++) {
		assert_string_equal(info.tables[i].signature, order[i]);
		assert_true(info.tables[i].checksum_ok);
	}
	assert_int_equal(info.tables[1].address, FADT_PA);
	assert_int_equal(info.tables[1].length, 116);
	check_standard_madt();
	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_addr, 0xFED00000);
	assert_true(info.s5_valid);
	assert_int_equal(info.slp_typa, 5);
	assert_int_equal(info.slp_typb, 6);
	assert_int_equal(host_log_count(LOG_ERR), 0);
}

static void test_rsdp_v2_prefers_xsdt(void **state)
{
	(void)state;
	machine(2, true);
	assert_int_equal(parse(), 0);
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.root_addr, XSDT_PA);
	assert_string_equal(info.tables[0].signature, "XSDT");
	assert_null(find_table("RSDT"));      /* the RSDT was never needed */
	check_standard_madt();
	assert_true(info.s5_valid);
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);
}

static void test_rsdp_v2_without_xsdt_uses_rsdt(void **state)
{
	(void)state;
	machine(2, true);
	rsdp_write(at(RSDP_PA), 2, (uint32_t)RSDT_PA, 0);
	assert_int_equal(parse(), 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_addr, RSDT_PA);
}

static void test_rsdp_from_copy(void **state)
{
	(void)state;
	uint8_t copy[36];
	machine(2, true);
	rsdp_write(copy, 2, (uint32_t)RSDT_PA, XSDT_PA);
	memset(at(RSDP_PA), 0, 36);           /* only the copy exists */
	assert_int_equal(acpi_parse(&info, 0, copy, sizeof(copy), arena_read, NULL), 0);
	assert_int_equal(info.rsdp_addr, 0);
	assert_true(info.root_is_xsdt);
	check_standard_madt();

	/* A revision 0 copy of 20 bytes is enough. */
	rsdp_write(copy, 0, (uint32_t)RSDT_PA, 0);
	assert_int_equal(acpi_parse(&info, 0, copy, 20, arena_read, NULL), 0);
	assert_false(info.root_is_xsdt);

	/* A revision 2 copy cut to 20 bytes cannot be checked. */
	rsdp_write(copy, 2, (uint32_t)RSDT_PA, XSDT_PA);
	host_log_reset();
	assert_int_equal(acpi_parse(&info, 0, copy, 20, arena_read, NULL), -ENOENT);
	assert_true(host_log_contains("only 20 bytes"));

	/* Shorter than any RSDP. */
	host_log_reset();
	assert_int_equal(acpi_parse(&info, 0, copy, 10, arena_read, NULL), -ENOENT);
	assert_true(host_log_contains("only 10 bytes"));
	assert_false(info.present);

	/* Nothing at all. */
	host_log_reset();
	assert_int_equal(acpi_parse(&info, 0, NULL, 0, arena_read, NULL), -ENOENT);
	assert_true(host_log_count(LOG_WARN) > 0);
}

/* ------------------------------------------------------------ bad RSDP */

static void test_rsdp_bad_signature(void **state)
{
	(void)state;
	machine(0, true);
	at(RSDP_PA)[3] = 'X';
	assert_int_equal(parse(), -ENOENT);
	assert_true(host_log_contains("bad signature"));
	assert_false(info.present);
}

static void test_rsdp_bad_checksum(void **state)
{
	(void)state;
	machine(0, true);
	at(RSDP_PA)[8] ^= 1;
	assert_int_equal(parse(), -ENOENT);
	assert_true(host_log_contains("bad checksum"));
	assert_false(info.present);
	assert_int_equal(info.table_count, 0);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	(void)state;
	machine(2, true);
	/* Change the XSDT address and fix only the 20-byte checksum. */
	uint8_t *p = at(RSDP_PA);
	p[24] ^= 0x10;
	assert_int_equal(parse(), -ENOENT);
	assert_true(host_log_contains("bad extended checksum"));
}

static void test_rsdp_bad_length(void **state)
{
	(void)state;
	const uint32_t lengths[] = { 20, 35, 0x100000, 0xFFFFFFFF };
	for (unsigned i = 0; i < ARRAY_SIZE(lengths); i++) {
		machine(2, true);
		uint8_t *p = at(RSDP_PA);
		memcpy(p + 20, &lengths[i], 4);
		p[32] = 0;
		p[32] = (uint8_t)(0 - sum_bytes(p, 36));
		assert_int_equal(parse(), -ENOENT);
		assert_true(host_log_contains("implausible length"));
	}

	/* A longer (future) RSDP is fine when its extra bytes sum right. */
	machine(2, true);
	uint8_t *p = at(RSDP_PA);
	uint32_t len = 48;
	memcpy(p + 20, &len, 4);
	memset(p + 36, 0x11, 12);
	p[32] = 0;
	p[32] = (uint8_t)(0 - sum_bytes(p, 48));
	assert_int_equal(parse(), 0);

	/* ... and it must be readable whole. */
	uint8_t copy[36];
	memcpy(copy, p, 36);
	host_log_reset();
	assert_int_equal(acpi_parse(&info, 0, copy, 36, arena_read, NULL), -ENOENT);
	assert_true(host_log_contains("cannot read it whole"));
}

static void test_rsdp_unreadable(void **state)
{
	(void)state;
	machine(0, true);
	assert_int_equal(acpi_parse(&info, OUTSIDE_PA, NULL, 0, arena_read, NULL), -ENOENT);
	assert_true(host_log_contains("not readable"));
	/* A revision 0 RSDP in the arena's last 20 bytes is still found. */
	uint64_t pa = ARENA_BASE + ARENA_SIZE - 20;
	uint8_t v0[36];
	rsdp_write(v0, 0, (uint32_t)RSDT_PA, 0);
	memcpy(at(pa), v0, 20);
	host_log_reset();
	assert_int_equal(acpi_parse(&info, pa, NULL, 0, arena_read, NULL), 0);
}

/* ------------------------------------------------------------ root tables */

static void test_xsdt_bad_falls_back_to_rsdt(void **state)
{
	(void)state;
	machine(2, true);
	at(XSDT_PA)[40] ^= 0xFF;               /* break the XSDT's checksum */
	assert_int_equal(parse(), 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_addr, RSDT_PA);
	assert_true(host_log_contains("falling back to the RSDT"));
	const struct acpi_table_ref *x = find_table("XSDT");
	assert_non_null(x);
	assert_false(x->checksum_ok);
	check_standard_madt();
}

static void test_root_outside_memory(void **state)
{
	(void)state;
	machine(0, true);
	rsdp_write(at(RSDP_PA), 0, (uint32_t)OUTSIDE_PA, 0);
	assert_int_equal(parse(), -EINVAL);
	assert_true(host_log_contains("not readable"));
	assert_false(info.present);

	/* Both roots bad: -EINVAL. */
	machine(2, true);
	rsdp_write(at(RSDP_PA), 2, (uint32_t)OUTSIDE_PA, OUTSIDE_PA + 0x1000);
	assert_int_equal(parse(), -EINVAL);

	/* An XSDT at the very top of the address space: the read wraps. */
	machine(2, true);
	rsdp_write(at(RSDP_PA), 2, 0, 0xFFFFFFFFFFFFFFF0ULL);
	assert_int_equal(parse(), -EINVAL);
	assert_true(host_log_contains("not readable"));

	/* RSDP with neither root. */
	machine(2, true);
	rsdp_write(at(RSDP_PA), 2, 0, 0);
	assert_int_equal(parse(), -EINVAL);
	assert_true(host_log_contains("neither"));
}

static void test_root_wrong_signature(void **state)
{
	(void)state;
	machine(0, true);
	memcpy(at(RSDT_PA), "XSDT", 4);
	seal(RSDT_PA);
	assert_int_equal(parse(), -EINVAL);
	assert_true(host_log_contains("expected RSDT"));
}

static void test_root_odd_length_and_null_entry(void **state)
{
	(void)state;
	machine(0, true);
	/* Add a null entry and two stray bytes to the RSDT. */
	uint32_t len = get32(RSDT_PA + 4);
	put32(RSDT_PA + len, 0);
	put16(RSDT_PA + len + 4, 0x4242);
	put32(RSDT_PA + 4, len + 6);
	seal(RSDT_PA);
	assert_int_equal(parse(), 0);
	assert_true(host_log_contains("not 36 + a multiple of 4"));
	assert_true(host_log_contains("is null"));
	check_standard_madt();
}

static void test_many_tables(void **state)
{
	(void)state;
	uint64_t tables[80];
	machine(2, true);
	/* 77 SSDTs, then the standard three: the MADT at position 78 must
	 * still be parsed even though it is not listed. */
	for (unsigned i = 0; i < 77; i++) {
		tables[i] = SSDT_PA + 64ULL * i;
		header(tables[i], "SSDT", 40, 2);
		seal(tables[i]);
	}
	tables[77] = FADT_PA;
	tables[78] = MADT_PA;
	tables[79] = HPET_PA;
	root_write(tables, 80);
	host_log_reset();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.table_count, ACPI_MAX_TABLES);
	assert_int_equal(info.tables_unlisted, 81 - ACPI_MAX_TABLES + 1);
	assert_true(host_log_contains("more than 64 tables"));
	check_standard_madt();
	assert_true(info.s5_valid);
}

/* A buffer standing for physical memory at BIG_PA: an XSDT of just under
 * 1 MiB followed by one small SSDT. */
#define BIG_PA    0x40000000ULL
#define BIG_XSDT  0x100000u
#define BIG_SIZE  (BIG_XSDT + 0x100u)
static uint8_t big[BIG_SIZE];

static bool big_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	(void)ctx;
	if (pa < BIG_PA || pa - BIG_PA > BIG_SIZE || len > BIG_SIZE - (pa - BIG_PA))
		return false;
	memcpy(dst, big + (pa - BIG_PA), len);
	return true;
}

static void test_root_entry_limit(void **state)
{
	(void)state;
	/* 131067 entries, all naming the same SSDT: only 1024 are visited. */
	uint64_t ssdt = BIG_PA + BIG_XSDT;
	memset(big, 0, sizeof(big));
	memcpy(big, "XSDT", 4);
	uint32_t len = BIG_XSDT;
	memcpy(big + 4, &len, 4);
	for (uint32_t off = 36; off + 8 <= len; off += 8)
		memcpy(big + off, &ssdt, 8);
	big[9] = (uint8_t)(0 - sum_bytes(big, len));
	memcpy(big + BIG_XSDT, "SSDT", 4);
	uint32_t slen = 40;
	memcpy(big + BIG_XSDT + 4, &slen, 4);
	big[BIG_XSDT + 9] = (uint8_t)(0 - sum_bytes(big + BIG_XSDT, slen));

	uint8_t copy[36];
	rsdp_write(copy, 2, 0, BIG_PA);
	host_log_reset();
	assert_int_equal(acpi_parse(&info, 0, copy, 36, big_read, NULL), 0);
	assert_true(info.root_is_xsdt);
	assert_true(host_log_contains("lists 131067 tables; only the first 1024 are used"));
	assert_int_equal(info.table_count, ACPI_MAX_TABLES);
	assert_int_equal(info.tables_unlisted, 1024 + 1 - ACPI_MAX_TABLES);
	assert_false(info.has_fadt);
}

/* ------------------------------------------------------------ bad tables */

static void test_table_bad_checksum_not_used(void **state)
{
	(void)state;
	machine(2, true);
	at(MADT_PA)[50] ^= 0x01;
	assert_int_equal(parse(), 0);
	assert_false(info.has_madt);
	assert_int_equal(info.cpu_count, 0);
	const struct acpi_table_ref *t = find_table("APIC");
	assert_non_null(t);
	assert_false(t->checksum_ok);
	assert_true(host_log_contains("APIC at 0x101000: bad checksum"));
	assert_true(info.has_fadt);            /* the others are still used */
	assert_true(info.has_hpet);
}

static void test_table_bad_lengths(void **state)
{
	(void)state;
	const uint32_t lengths[] = { 0, 35, 0x100001, 0x7FFFFFFF, 0xFFFFFFFF };
	for (unsigned i = 0; i < ARRAY_SIZE(lengths); i++) {
		machine(2, true);
		put32(MADT_PA + 4, lengths[i]);
		assert_int_equal(parse(), 0);
		assert_false(info.has_madt);
		assert_true(host_log_contains("has bad length"));
		const struct acpi_table_ref *t = find_table("APIC");
		assert_non_null(t);
		assert_false(t->checksum_ok);
	}
	/* A length within limits but past the end of readable memory. */
	machine(2, true);
	put32(MADT_PA + 4, 0x80000);
	assert_int_equal(parse(), 0);
	assert_false(info.has_madt);
	assert_true(host_log_contains("not readable whole"));
}

static void test_table_pointer_outside_memory(void **state)
{
	(void)state;
	machine(2, true);
	const uint64_t tables[] = { OUTSIDE_PA, FADT_PA, MADT_PA, HPET_PA };
	root_write(tables, 4);
	assert_int_equal(parse(), 0);
	assert_true(host_log_contains("table at 0xdead0000 is not readable"));
	assert_string_equal(info.tables[1].signature, "????");
	assert_false(info.tables[1].checksum_ok);
	check_standard_madt();
}

static void test_duplicate_tables(void **state)
{
	(void)state;
	machine(2, true);
	/* A second MADT with one CPU: ignored. */
	uint64_t madt2 = SSDT_PA;
	memcpy(at(madt2), at(MADT_PA), 44 + 8);
	put32(madt2 + 4, 44 + 8);
	seal(madt2);
	const uint64_t tables[] = { FADT_PA, MADT_PA, HPET_PA, madt2, FADT_PA };
	root_write(tables, 5);
	assert_int_equal(parse(), 0);
	assert_true(host_log_contains("second MADT"));
	assert_true(host_log_contains("second FADT"));
	check_standard_madt();
}

/* ------------------------------------------------------------ RSDP scan */

static void test_scan_rsdp(void **state)
{
	(void)state;
	uint8_t good[36];
	machine(2, true);
	memset(at(RSDP_PA), 0, 36);
	rsdp_write(good, 2, (uint32_t)RSDT_PA, XSDT_PA);
	/* Decoys: unaligned copy, bad checksum, bad extended checksum. */
	memcpy(at(0xE0008), good, 36);
	memcpy(at(0xE1000), good, 36);
	at(0xE1000)[8] ^= 1;
	memcpy(at(0xE2000), good, 36);
	at(0xE2000)[33] ^= 1;
	memcpy(at(0xF0010), good, 36);

	assert_int_equal(acpi_scan_rsdp(0xE0000, 0x20000, arena_read, NULL), 0xF0010);
	assert_int_equal(acpi_scan_rsdp(0xE0001, 0x20000, arena_read, NULL), 0xF0010);
	/* Windows that miss it, or end inside it. */
	assert_int_equal(acpi_scan_rsdp(0xE0000, 0x10000, arena_read, NULL), 0);
	assert_int_equal(acpi_scan_rsdp(0xF0020, 0x1000, arena_read, NULL), 0);
	assert_int_equal(acpi_scan_rsdp(0xF0000, 0x20, arena_read, NULL), 0);
	assert_int_equal(acpi_scan_rsdp(0xF0000, 0x24, arena_read, NULL), 0xF0010);
	/* A window partly outside memory, and one that wraps. */
	assert_int_equal(acpi_scan_rsdp(0xD0000, 0x30000, arena_read, NULL), 0xF0010);
	assert_int_equal(acpi_scan_rsdp(0xFFFFFFFFFFFFFF00ULL, 0x200, arena_read, NULL), 0);
	assert_int_equal(acpi_scan_rsdp(0xE0000, 0, arena_read, NULL), 0);

	/* A revision 0 RSDP found by the scan parses. */
	rsdp_write(at(0xF0010), 0, (uint32_t)RSDT_PA, 0);
	uint64_t pa = acpi_scan_rsdp(0xE0000, 0x20000, arena_read, NULL);
	assert_int_equal(pa, 0xF0010);
	assert_int_equal(acpi_parse(&info, pa, NULL, 0, arena_read, NULL), 0);
	check_standard_madt();
}

/* ------------------------------------------------------------ mutation */

/* Flip random bytes in the tables (keeping most checksums right by
 * resealing) and parse: nothing may crash or read outside the arena. */
static void test_mutations(void **state)
{
	(void)state;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	const uint64_t tables[] = { RSDT_PA, XSDT_PA, MADT_PA, FADT_PA, DSDT_PA, HPET_PA };
	unsigned ok = 0;

	for (unsigned iter = 0; iter < 3000; iter++) {
		machine((iter & 1) ? 2 : 0, (iter & 2) != 0);
		unsigned flips = 1 + (unsigned)(seed % 8);
		for (unsigned i = 0; i < flips; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t t = tables[(seed >> 33) % ARRAY_SIZE(tables)];
			uint32_t len = get32(t + 4);
			uint32_t off = (uint32_t)((seed >> 17) % (len < 300 ? len + 8 : 300));
			at(t + off)[0] ^= (uint8_t)(1u << ((seed >> 5) & 7));
			if ((seed >> 40) & 1) {
				uint32_t nlen = get32(t + 4);
				if (nlen >= 36 && nlen < 0x1000)
					seal(t);
			}
		}
		int rc = parse();
		assert_true(rc == 0 || rc == -EINVAL || rc == -ENOENT);
		assert_true(info.cpu_count <= ACPI_MAX_CPUS);
		assert_true(info.table_count <= ACPI_MAX_TABLES);
		assert_true(!info.s5_valid || (info.slp_typa <= 7 && info.slp_typb <= 7));
		ok += rc == 0;
	}
	assert_true(ok > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_v0_uses_rsdt),
		cmocka_unit_test(test_rsdp_v2_prefers_xsdt),
		cmocka_unit_test(test_rsdp_v2_without_xsdt_uses_rsdt),
		cmocka_unit_test(test_rsdp_from_copy),
		cmocka_unit_test(test_rsdp_bad_signature),
		cmocka_unit_test(test_rsdp_bad_checksum),
		cmocka_unit_test(test_rsdp_bad_extended_checksum),
		cmocka_unit_test(test_rsdp_bad_length),
		cmocka_unit_test(test_rsdp_unreadable),
		cmocka_unit_test(test_xsdt_bad_falls_back_to_rsdt),
		cmocka_unit_test(test_root_outside_memory),
		cmocka_unit_test(test_root_wrong_signature),
		cmocka_unit_test(test_root_odd_length_and_null_entry),
		cmocka_unit_test(test_many_tables),
		cmocka_unit_test(test_root_entry_limit),
		cmocka_unit_test(test_table_bad_checksum_not_used),
		cmocka_unit_test(test_table_bad_lengths),
		cmocka_unit_test(test_table_pointer_outside_memory),
		cmocka_unit_test(test_duplicate_tables),
		cmocka_unit_test(test_scan_rsdp),
		cmocka_unit_test(test_mutations),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
