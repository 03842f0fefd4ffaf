/* test_apic_encode.c - I/O APIC and LINT encodings from MADT data
 * (arch/x86/apic_encode.c): every MPS INTI flag combination including the
 * reserved ones; ISA IRQ resolution with QEMU's and a typical laptop's
 * overrides, an IRQ whose identity GSI was taken, non-ISA and out-of-range
 * entries; redirection entries' bit layout and refused vectors and
 * destinations; version-register plausibility; NMI LVT values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/acpi.h>
#include <x86/apic_encode.h>
#include "host_support.h"

/* QEMU's (SeaBIOS) MADT: IRQ 0 -> GSI 2, and PCI IRQs 5, 9, 10, 11 level,
 * active high. */
static const struct acpi_override qemu_overrides[] = {
	{ .bus = 0, .source = 0, .gsi = 2, .flags = 0x0 },
	{ .bus = 0, .source = 5, .gsi = 5, .flags = 0xD },
	{ .bus = 0, .source = 9, .gsi = 9, .flags = 0xD },
	{ .bus = 0, .source = 10, .gsi = 10, .flags = 0xD },
	{ .bus = 0, .source = 11, .gsi = 11, .flags = 0xD },
};

static void test_mps_flags_all(void **state)
{
	(void)state;
	for (uint16_t f = 0; f < 16; f++) {
		bool low = true, level = true;
		host_log_reset();
		int err = mps_inti_decode(f, "test", &low, &level);
		unsigned pol = f & 3, trig = (f >> 2) & 3;
		bool reserved = pol == 2 || trig == 2;
		assert_int_equal(err, reserved ? -EINVAL : 0);
		assert_int_equal(host_log_count(LOG_WARN), (pol == 2) + (trig == 2));
		assert_int_equal(low, pol == 3);
		assert_int_equal(level, trig == 3);
	}
	/* Bits above the four defined ones are ignored. */
	bool low, level;
	assert_int_equal(mps_inti_decode(0xFFF0 | 0xF, "test", &low, &level), 0);
	assert_true(low);
	assert_true(level);
}

static void test_isa_identity_and_overrides(void **state)
{
	(void)state;
	struct isa_irq_route r;
	host_log_reset();
	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 4, &r), 0);   /* COM1 */
	assert_int_equal(r.gsi, 4);
	assert_false(r.overridden);
	assert_false(r.level);
	assert_false(r.active_low);

	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 0, &r), 0);   /* PIT */
	assert_int_equal(r.gsi, 2);
	assert_true(r.overridden);
	assert_false(r.level);           /* "conforms": ISA edge, active high */
	assert_false(r.active_low);

	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 9, &r), 0);   /* SCI */
	assert_int_equal(r.gsi, 9);
	assert_true(r.level);
	assert_false(r.active_low);
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);

	/* Typical hardware: SCI level, active low; no overrides at all. */
	const struct acpi_override sci_low = { .bus = 0, .source = 9, .gsi = 9, .flags = 0xF };
	assert_int_equal(isa_irq_resolve(&sci_low, 1, 9, &r), 0);
	assert_true(r.level);
	assert_true(r.active_low);
	assert_int_equal(isa_irq_resolve(NULL, 0, 15, &r), 0);
	assert_int_equal(r.gsi, 15);
	assert_false(r.overridden);

	/* An override can move an IRQ far away (second I/O APIC). */
	const struct acpi_override far = { .bus = 0, .source = 3, .gsi = 40, .flags = 0x5 };
	assert_int_equal(isa_irq_resolve(&far, 1, 3, &r), 0);
	assert_int_equal(r.gsi, 40);
	assert_false(r.level);
	assert_false(r.active_low);
}

static void test_isa_errors(void **state)
{
	(void)state;
	struct isa_irq_route r;
	memset(&r, 0xAA, sizeof(r));
	host_log_reset();
	/* IRQ 2 is the cascade; its GSI carries IRQ 0 on QEMU. */
	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 2, &r), -EBUSY);
	assert_int_equal(host_log_count(LOG_ERR), 1);
	assert_true(host_log_contains("IRQ 0 is overridden to GSI 2"));

	host_log_reset();
	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 16, &r), -EINVAL);
	assert_true(host_log_contains("does not exist"));
	assert_int_equal(isa_irq_resolve(qemu_overrides, 5, 0xFFFFFFFFu, &r), -EINVAL);

	/* An override for another bus is not ISA's: ignored, identity used. */
	const struct acpi_override other_bus = { .bus = 1, .source = 4, .gsi = 20, .flags = 0xF };
	host_log_reset();
	assert_int_equal(isa_irq_resolve(&other_bus, 1, 4, &r), 0);
	assert_int_equal(r.gsi, 4);
	assert_false(r.overridden);

	/* Reserved flags: reported, ISA defaults stand in, the route is used. */
	const struct acpi_override reserved = { .bus = 0, .source = 7, .gsi = 7, .flags = 0xA };
	host_log_reset();
	assert_int_equal(isa_irq_resolve(&reserved, 1, 7, &r), 0);
	assert_int_equal(host_log_count(LOG_WARN), 2);
	assert_true(host_log_contains("reserved polarity"));
	assert_true(host_log_contains("reserved trigger"));
	assert_false(r.level);
	assert_false(r.active_low);
	assert_true(r.overridden);

	/* The first override for an IRQ wins over a later duplicate. */
	const struct acpi_override dup[] = {
		{ .bus = 0, .source = 8, .gsi = 8, .flags = 0x0 },
		{ .bus = 0, .source = 8, .gsi = 18, .flags = 0xF },
	};
	assert_int_equal(isa_irq_resolve(dup, 2, 8, &r), 0);
	assert_int_equal(r.gsi, 8);
}

static void test_rte_encoding(void **state)
{
	(void)state;
	uint64_t e = 0;
	host_log_reset();
	assert_int_equal(ioapic_rte_encode(0x20, 0, false, false, false, &e), 0);
	assert_int_equal(e, 0x20);   /* fixed, physical, edge, high, unmasked */
	assert_int_equal(ioapic_rte_encode(0x31, 3, true, true, false, &e), 0);
	assert_int_equal(e, (3ULL << 56) | (1ULL << 15) | (1ULL << 13) | 0x31);
	assert_int_equal(ioapic_rte_encode(0xDF, 255, false, false, true, &e), 0);
	assert_int_equal(e, (255ULL << 56) | (1ULL << 16) | 0xDF);
	assert_int_equal(ioapic_rte_encode(0x10, 1, false, false, false, &e), 0);   /* lowest legal */
	assert_int_equal(e & IOAPIC_RTE_DEST_LOGICAL, 0);
	assert_int_equal(host_log_count(LOG_ERR), 0);
}

static void test_rte_refused(void **state)
{
	(void)state;
	uint64_t e = 0x1234;
	host_log_reset();
	assert_int_equal(ioapic_rte_encode(0x0F, 0, false, false, false, &e), -EINVAL);
	assert_true(host_log_contains("reserved"));
	assert_int_equal(ioapic_rte_encode(0x00, 0, false, false, false, &e), -EINVAL);
	assert_int_equal(ioapic_rte_encode(0x20, 256, false, false, false, &e), -EINVAL);
	assert_true(host_log_contains("interrupt remapping"));
	assert_int_equal(ioapic_rte_encode(0x20, 0xFFFFFFFFu, false, false, false, &e), -EINVAL);
	assert_int_equal(e, 0x1234);   /* untouched on error */
	assert_int_equal(host_log_count(LOG_ERR), 4);
}

static void test_version_register(void **state)
{
	(void)state;
	unsigned ver = 0, n = 0;
	assert_int_equal(ioapic_version_decode(0x00170011, &ver, &n), 0);   /* 82093AA */
	assert_int_equal(ver, 0x11);
	assert_int_equal(n, 24);
	assert_int_equal(ioapic_version_decode(0x00170020, &ver, &n), 0);   /* ICH */
	assert_int_equal(ver, 0x20);
	assert_int_equal(ioapic_version_decode(0x003F0021, &ver, &n), 0);
	assert_int_equal(n, 64);
	assert_int_equal(ioapic_version_decode(0x00000011, &ver, &n), 0);   /* one pin */
	assert_int_equal(n, 1);

	ver = n = 77;
	assert_int_equal(ioapic_version_decode(0xFFFFFFFF, &ver, &n), -ENODEV);
	assert_int_equal(ioapic_version_decode(0x00000000, &ver, &n), -ENODEV);
	assert_int_equal(ioapic_version_decode(0x00170000, &ver, &n), -ENODEV);   /* version 0 */
	assert_int_equal(ioapic_version_decode(0x00170030, &ver, &n), -ENODEV);   /* too new */
	assert_int_equal(ioapic_version_decode(0x00FF0011, &ver, &n), -ENODEV);   /* 256 pins */
	assert_int_equal(ver, 77);
	assert_int_equal(n, 77);
}

static void test_lint_nmi(void **state)
{
	(void)state;
	host_log_reset();
	assert_int_equal(lapic_lint_nmi_lvt(0x0), 0x400);      /* conforms: active high */
	assert_int_equal(lapic_lint_nmi_lvt(0x5), 0x400);      /* edge, high */
	assert_int_equal(lapic_lint_nmi_lvt(0x3), 0x2400);     /* active low */
	assert_int_equal(lapic_lint_nmi_lvt(0xF), 0x2400);     /* level ignored: NMI is edge */
	assert_int_equal(lapic_lint_nmi_lvt(0xD), 0x400);
	assert_int_equal(host_log_count(LOG_WARN), 0);
	/* Reserved polarity: reported, active high, unmasked NMI still. */
	assert_int_equal(lapic_lint_nmi_lvt(0x2), 0x400);
	assert_int_equal(host_log_count(LOG_WARN), 1);
	assert_true(host_log_contains("local APIC NMI"));
	/* Never masked, never a vector. */
	for (uint16_t f = 0; f < 16; f++) {
		uint32_t v = lapic_lint_nmi_lvt(f);
		assert_int_equal(v & (1u << 16), 0);
		assert_int_equal(v & 0xFF, 0);
		assert_int_equal((v >> 8) & 7, 4);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mps_flags_all),
		cmocka_unit_test(test_isa_identity_and_overrides),
		cmocka_unit_test(test_isa_errors),
		cmocka_unit_test(test_rte_encoding),
		cmocka_unit_test(test_rte_refused),
		cmocka_unit_test(test_version_register),
		cmocka_unit_test(test_lint_nmi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
