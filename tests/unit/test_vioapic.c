/* test_vioapic.c - the I/O APIC model (vmm/vioapic.c): the ID, version and
 * redirection registers through IOREGSEL/IOWIN, read-only bits, masking,
 * edge and level pins, Remote IRR and EOI (broadcast and the EOI
 * register), unmasking an asserted level pin, bad accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vioapic.h"
#include "host_support.h"

static struct vioapic_msg msgs[16];
static unsigned nmsgs;

static void deliver(void *ctx, const struct vioapic_msg *m)
{
	assert_int_equal((uintptr_t)ctx, 0x1234);
	assert_true(nmsgs < 16);
	msgs[nmsgs++] = *m;
}

static void setup(struct vioapic *a)
{
	nmsgs = 0;
	vioapic_init(a, 2, deliver, (void *)0x1234);
}

static uint32_t rreg(struct vioapic *a, uint8_t reg)
{
	uint32_t v;
	assert_int_equal(vioapic_mmio_write(a, VIOAPIC_REGSEL, 4, reg), 0);
	assert_int_equal(vioapic_mmio_read(a, VIOAPIC_WINDOW, 4, &v), 0);
	return v;
}

static void wreg(struct vioapic *a, uint8_t reg, uint32_t v)
{
	assert_int_equal(vioapic_mmio_write(a, VIOAPIC_REGSEL, 4, reg), 0);
	assert_int_equal(vioapic_mmio_write(a, VIOAPIC_WINDOW, 4, v), 0);
}

static void route(struct vioapic *a, unsigned pin, uint64_t rte)
{
	wreg(a, (uint8_t)(0x10 + 2 * pin + 1), (uint32_t)(rte >> 32));
	wreg(a, (uint8_t)(0x10 + 2 * pin), (uint32_t)rte);
}

static void test_registers(void **state)
{
	struct vioapic a;
	uint32_t v;

	setup(&a);
	assert_int_equal(rreg(&a, 0), 2u << 24);
	assert_int_equal(rreg(&a, 1), 0x00170020);          /* 24 pins, version 0x20 */
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(rreg(&a, (uint8_t)(0x10 + 2 * pin)), VIOAPIC_RTE_MASKED);
	wreg(&a, 0, 0x0F000000);
	assert_int_equal(rreg(&a, 0), 0x0F000000);
	wreg(&a, 1, 0);                                      /* version is read-only */
	assert_int_equal(rreg(&a, 1), 0x00170020);
	/* Delivery status and Remote IRR cannot be written. */
	route(&a, 5, 0x03000000000000ABull | VIOAPIC_RTE_REMOTEIRR | VIOAPIC_RTE_PENDING |
			     VIOAPIC_RTE_LEVEL);
	assert_int_equal(rreg(&a, 0x10 + 10), 0xAB | VIOAPIC_RTE_LEVEL);
	assert_int_equal(rreg(&a, 0x10 + 11), 0x03000000);
	/* IOREGSEL reads back; unused registers read 0. */
	assert_int_equal(vioapic_mmio_write(&a, VIOAPIC_REGSEL, 1, 0x7F), 0);
	assert_int_equal(vioapic_mmio_read(&a, VIOAPIC_REGSEL, 1, &v), 0);
	assert_int_equal(v, 0x7F);
	assert_int_equal(rreg(&a, 0x7F), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x20, 4, &v), 0);
	assert_int_equal(v, 0);
}

static void test_edge(void **state)
{
	struct vioapic a;

	setup(&a);
	/* Masked: nothing. */
	vioapic_set_irq(&a, 2, true);
	vioapic_set_irq(&a, 2, false);
	assert_int_equal(nmsgs, 0);
	route(&a, 2, 0x30 | VIOAPIC_RTE_DESTLOG | (1ull << 56));
	vioapic_set_irq(&a, 2, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x30);
	assert_true(msgs[0].dest_logical);
	assert_int_equal(msgs[0].dest, 1);
	assert_false(msgs[0].level);
	/* Held high: no second edge; lower and raise: another. */
	vioapic_set_irq(&a, 2, true);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&a, 2, false);
	vioapic_set_irq(&a, 2, true);
	assert_int_equal(nmsgs, 2);
	/* Edge pins have no Remote IRR; an EOI changes nothing. */
	vioapic_eoi(&a, 0x30);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(rreg(&a, 0x14) & VIOAPIC_RTE_REMOTEIRR, 0);
	/* Out-of-range pins are ignored. */
	vioapic_set_irq(&a, 24, true);
	assert_int_equal(nmsgs, 2);
}

static void test_level_remote_irr(void **state)
{
	struct vioapic a;

	setup(&a);
	route(&a, 9, 0x41 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_POLARITY);
	vioapic_set_irq(&a, 9, true);
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].level);
	assert_true(rreg(&a, 0x10 + 18) & VIOAPIC_RTE_REMOTEIRR);
	/* Still asserted: waits for the EOI. */
	vioapic_set_irq(&a, 9, true);
	assert_int_equal(nmsgs, 1);
	/* EOI of another vector: nothing. */
	vioapic_eoi(&a, 0x42);
	assert_int_equal(nmsgs, 1);
	/* EOI while still asserted: delivered again. */
	vioapic_eoi(&a, 0x41);
	assert_int_equal(nmsgs, 2);
	/* Released, then the EOI register: Remote IRR clears, no message. */
	vioapic_set_irq(&a, 9, false);
	assert_int_equal(vioapic_mmio_write(&a, VIOAPIC_EOI, 4, 0x41), 0);
	assert_int_equal(nmsgs, 2);
	assert_false(rreg(&a, 0x10 + 18) & VIOAPIC_RTE_REMOTEIRR);
	/* Asserted while masked, then unmasked: delivered at the unmask. */
	route(&a, 9, 0x41 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&a, 9, true);
	assert_int_equal(nmsgs, 2);
	route(&a, 9, 0x41 | VIOAPIC_RTE_LEVEL);
	assert_int_equal(nmsgs, 3);
	/* Switching a pin to edge drops its Remote IRR. */
	route(&a, 9, 0x41);
	assert_false(rreg(&a, 0x10 + 18) & VIOAPIC_RTE_REMOTEIRR);
}

static void test_delivery_modes(void **state)
{
	struct vioapic a;

	setup(&a);
	route(&a, 4, 0x25 | (4ull << 8) | (7ull << 56));   /* NMI, physical dest 7 */
	vioapic_set_irq(&a, 4, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].delivery_mode, 4);
	assert_false(msgs[0].dest_logical);
	assert_int_equal(msgs[0].dest, 7);
	assert_int_equal(a.delivered[4], 1);
}

static void test_bad_access(void **state)
{
	struct vioapic a;
	uint32_t v;

	setup(&a);
	host_log_reset();
	assert_int_equal(vioapic_mmio_read(&a, VIOAPIC_WINDOW, 2, &v), -EINVAL);
	assert_int_equal(vioapic_mmio_write(&a, VIOAPIC_WINDOW, 1, 0), -EINVAL);
	assert_int_equal(vioapic_mmio_write(&a, VIOAPIC_EOI, 2, 0), -EINVAL);
	assert_true(host_log_contains("32-bit only"));
	/* Writes to unused offsets are ignored. */
	assert_int_equal(vioapic_mmio_write(&a, 0x80, 4, 0xFFFFFFFF), 0);
	assert_int_equal(rreg(&a, 0), 2u << 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_level_remote_irr),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_bad_access),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
