/* test_vacpi.c - the per-VM ACPI tables (vmm/vacpi.c), read back with
 * plinth's own ACPI parser (drivers/acpi/): the RSDP is found by the BIOS
 * area scan, every checksum holds, the MADT lists one enabled local APIC
 * per vCPU, the I/O APIC and the overrides, the FADT gives the PM block,
 * the 32-bit PM timer, SCI 9 and the reset register, the DSDT's \_S5 has
 * the sleep type dev_misc.c powers off on, the FADT claims the 8042, the
 * DSDT's AML is well-formed (every PkgLength spans exactly its object)
 * and names the PCI root, the RTC, COM1 and the 8042's keyboard and mouse
 * with their EISA IDs; bad configurations and small buffers are
 * refused. */
#define _GNU_SOURCE   /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/acpi.h>
#include "../../vmm/vacpi.h"
#include "host_support.h"

static uint8_t mem[VACPI_MAX_SIZE];
static struct acpi_info info;

static bool mem_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	if (pa < VACPI_BASE_GPA || pa + len > VACPI_BASE_GPA + sizeof(mem))
		return false;
	memcpy(dst, mem + (pa - VACPI_BASE_GPA), len);
	return true;
}

static const struct vacpi_config good = {
	.nr_cpus = 1, .lapic_addr = 0xFEE00000, .ioapic_addr = 0xFEC00000, .ioapic_id = 0,
	.pm_base = 0x600, .sci_irq = 9,
};

static int build(const struct vacpi_config *c)
{
	memset(mem, 0xCC, sizeof(mem));
	return vacpi_build(mem, sizeof(mem), VACPI_BASE_GPA, c);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void test_parse_back(void **state)
{
	int n = build(&good);
	uint64_t rsdp;

	assert_true(n > 0 && n < (int)sizeof(mem));
	rsdp = acpi_scan_rsdp(0xE0000, 0x20000, mem_read, NULL);
	assert_int_equal(rsdp, VACPI_BASE_GPA);
	host_log_reset();
	assert_int_equal(acpi_parse(&info, rsdp, NULL, 0, mem_read, NULL), 0);
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	for (unsigned i = 0; i < info.table_count; i++)
		assert_true(info.tables[i].checksum_ok);
	/* MADT. */
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_addr, 0xFEE00000);
	assert_true(info.pcat_compat);
	assert_int_equal(info.cpu_count, 1);
	assert_true(info.cpus[0].enabled);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].address, 0xFEC00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.override_count, 2);
	assert_int_equal(info.overrides[0].source, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].source, 9);
	assert_int_equal(info.overrides[1].gsi, 9);
	assert_int_equal(info.overrides[1].flags, 0xF);      /* level, active low */
	assert_int_equal(info.lapic_nmi_count, 1);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	/* FADT. */
	assert_true(info.has_fadt);
	assert_int_equal(info.fadt_revision, 6);
	assert_int_equal(info.sci_int, 9);
	assert_int_equal(info.pm1a_cnt_blk, 0x604);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_true(info.pm_tmr_32bit);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.space_id, 1);
	assert_int_equal(info.reset_reg.address, VACPI_RESET_PORT);
	assert_int_equal(info.reset_value, VACPI_RESET_VALUE);
	assert_int_equal(info.smi_cmd, 0);
	/* ISA devices and an 8042; no VGA, no MSI (Table 5.11). */
	assert_int_equal(info.iapc_boot_arch, 0x0F);
	/* DSDT \_S5. */
	assert_true(info.s5_valid);
	assert_int_equal(info.slp_typa, VACPI_SLP_TYP_S5);
	assert_int_equal(info.slp_typb, VACPI_SLP_TYP_S5);
	assert_false(info.has_hpet);
}

/* AML PkgLength (ACPI 6.5 §20.2.4) at p: its value, *n its own bytes. */
static uint32_t pkg_length(const uint8_t *p, unsigned *n)
{
	uint32_t len = p[0] & 0x3F;

	*n = 1 + (p[0] >> 6);
	if (*n > 1)
		len = p[0] & 0x0F;
	for (unsigned i = 1; i < *n; i++)
		len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	return len;
}

/* Walk the DSDT's top level (Name (\_S5) then Scope (\_SB) blocks of
 * Devices): every PkgLength must end exactly where the next object (or
 * the table) begins. Returns the devices found as "NAME=HID " pairs. */
static void walk_dsdt(const uint8_t *t, uint32_t len, char *found, size_t size)
{
	uint32_t at = 36;
	unsigned n;

	found[0] = 0;
	while (at < len) {
		if (t[at] == 0x08) {                        /* NameOp \_S5_ Package */
			assert_memory_equal(t + at + 1, "\\_S5_", 5);
			assert_int_equal(t[at + 6], 0x12);
			at += 7 + pkg_length(t + at + 7, &n);
			continue;
		}
		assert_int_equal(t[at], 0x10);              /* ScopeOp */
		uint32_t end = at + 1 + pkg_length(t + at + 1, &n);
		assert_true(end <= len);
		at += 1 + n;
		assert_memory_equal(t + at, "\\_SB_", 5);
		at += 5;
		while (at < end) {
			assert_int_equal(t[at], 0x5B);      /* DeviceOp */
			assert_int_equal(t[at + 1], 0x82);
			uint32_t dev_end = at + 2 + pkg_length(t + at + 2, &n);
			const uint8_t *name = t + at + 2 + n;
			char item[16];

			assert_true(dev_end <= end);
			/* Name (_HID, EisaId (...)): DWordConst, 3 letters of 5 bits
			 * then 4 hex digits (§19.3.4 EISAID). */
			assert_memory_equal(name + 4, "\x08_HID\x0C", 6);
			const uint8_t *id = name + 10;
			unsigned v = (unsigned)id[0] << 8 | id[1];
			snprintf(item, sizeof(item), "%.4s=%c%c%c%02X%02X ", (const char *)name,
				 '@' + ((v >> 10) & 31), '@' + ((v >> 5) & 31), '@' + (v & 31),
				 id[2], id[3]);
			strncat(found, item, size - strlen(found) - 1);
			at = dev_end;
		}
		assert_int_equal(at, end);
	}
	assert_int_equal(at, len);
}

static void test_dsdt_devices(void **state)
{
	char found[128];
	const uint8_t *t;
	uint32_t len;

	assert_true(build(&good) > 0);
	assert_int_equal(acpi_parse(&info, VACPI_BASE_GPA, NULL, 0, mem_read, NULL), 0);
	assert_true(info.dsdt_addr > VACPI_BASE_GPA);
	t = mem + (info.dsdt_addr - VACPI_BASE_GPA);
	memcpy(&len, t + 4, 4);
	assert_memory_equal(t, "DSDT", 4);
	assert_int_equal(sum(t, len), 0);
	walk_dsdt(t, len, found, sizeof(found));
	assert_string_equal(found, "PCI0=PNP0A03 RTC_=PNP0B00 COM1=PNP0501 PS2K=PNP0303 "
			    "PS2M=PNP0F13 ");
	/* The keyboard's resources: ports 0x60 and 0x64, IRQ 1; the mouse's
	 * IRQ 12 (IO descriptor §6.4.2.5, IRQ descriptor §6.4.2.1). */
	const uint8_t kbd_crs[] = { 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x47, 0x01,
				    0x64, 0x00, 0x64, 0x00, 0x01, 0x01, 0x22, 0x02, 0x00, 0x79 };
	const uint8_t mouse_crs[] = { 0x0A, 0x05, 0x22, 0x00, 0x10, 0x79, 0x00 };
	assert_non_null(memmem(t, len, kbd_crs, sizeof(kbd_crs)));
	assert_non_null(memmem(t, len, mouse_crs, sizeof(mouse_crs)));
}

static void test_many_cpus_and_checksums(void **state)
{
	struct vacpi_config c = good;
	uint32_t len;
	int n;

	c.nr_cpus = VACPI_MAX_CPUS;
	n = build(&c);
	assert_true(n > 0);
	assert_int_equal(acpi_parse(&info, VACPI_BASE_GPA, NULL, 0, mem_read, NULL), 0);
	assert_int_equal(info.cpu_count, VACPI_MAX_CPUS);
	for (unsigned i = 0; i < VACPI_MAX_CPUS; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_true(info.cpus[i].enabled);
	}
	/* Every table the root lists sums to 0 over its length; the RSDP
	 * over 20 and 36 bytes. */
	assert_int_equal(sum(mem, 20), 0);
	assert_int_equal(sum(mem, 36), 0);
	for (unsigned i = 0; i < info.table_count; i++) {
		const uint8_t *t = mem + (info.tables[i].address - VACPI_BASE_GPA);
		memcpy(&len, t + 4, 4);
		assert_int_equal(sum(t, len), 0);
	}
	/* A flipped byte is caught by the parser's checksum check. */
	mem[info.tables[0].address - VACPI_BASE_GPA + 40] ^= 1;
	host_log_reset();
	acpi_parse(&info, VACPI_BASE_GPA, NULL, 0, mem_read, NULL);
	assert_false(info.tables[0].checksum_ok);
}

static void test_refused(void **state)
{
	struct vacpi_config c = good;
	uint8_t small[256];

	host_log_reset();
	c.nr_cpus = 0;
	assert_int_equal(build(&c), -EINVAL);
	c.nr_cpus = VACPI_MAX_CPUS + 1;
	assert_int_equal(build(&c), -EINVAL);
	assert_true(host_log_contains("bad table configuration"));
	assert_int_equal(vacpi_build(mem, sizeof(mem), VACPI_BASE_GPA + 8, &good), -EINVAL);
	assert_int_equal(vacpi_build(mem, sizeof(mem), 0xFFFFF000ull, &good), -EINVAL);
	assert_int_equal(vacpi_build(small, sizeof(small), VACPI_BASE_GPA, &good), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_back),
		cmocka_unit_test(test_dsdt_devices),
		cmocka_unit_test(test_many_cpus_and_checksums),
		cmocka_unit_test(test_refused),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
