/* test_vpic.c - the 8259A pair model (vmm/vpic.c): the initialization
 * sequence, masks, IRR/ISR reads, priorities, EOI forms, cascade, poll,
 * auto-EOI, rotation, level triggering through the ELCR, spurious IRQs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vpic.h"
#include "host_support.h"

static uint8_t rd(struct vpic *p, uint16_t port)
{
	uint8_t v = 0xAA;
	assert_int_equal(vpic_port_read(p, port, &v), 0);
	return v;
}

static void wr(struct vpic *p, uint16_t port, uint8_t v)
{
	assert_int_equal(vpic_port_write(p, port, v), 0);
}

/* The sequence Linux and every BIOS use: ICW1 0x11 (edge, cascade, IC4),
 * ICW2 vector base, ICW3 0x04 / 0x02, ICW4 0x01 (8086). */
static void init_pair(struct vpic *p, uint8_t mbase, uint8_t sbase, uint8_t icw4)
{
	wr(p, 0x20, 0x11); wr(p, 0x21, mbase); wr(p, 0x21, 0x04); wr(p, 0x21, icw4);
	wr(p, 0xA0, 0x11); wr(p, 0xA1, sbase); wr(p, 0xA1, 0x02); wr(p, 0xA1, icw4);
}

static void test_init_and_masks(void **state)
{
	struct vpic p;
	uint8_t vec;

	vpic_init(&p);
	assert_int_equal(rd(&p, 0x21), 0xFF);            /* firmware-like reset */
	vpic_set_irq(&p, 1, true);
	assert_false(vpic_pending(&p, &vec));             /* masked */
	init_pair(&p, 0x20, 0x28, 0x01);
	assert_int_equal(rd(&p, 0x21), 0x00);            /* ICW1 clears IMR */
	assert_int_equal(p.chip[0].vector_base, 0x20);
	assert_int_equal(p.chip[1].vector_base, 0x28);
	assert_int_equal(p.chip[0].icw3, 0x04);
	assert_int_equal(p.chip[1].icw3, 0x02);
	/* The line stayed high across ICW1: an edge input must rise again. */
	assert_false(vpic_pending(&p, &vec));
	wr(&p, 0x21, 0xA5);
	assert_int_equal(rd(&p, 0x21), 0xA5);            /* OCW1 read back */
	wr(&p, 0xA1, 0x5A);
	assert_int_equal(rd(&p, 0xA1), 0x5A);
	/* ICW2 keeps only bits 7:3. */
	wr(&p, 0x20, 0x11); wr(&p, 0x21, 0x37); wr(&p, 0x21, 0x04); wr(&p, 0x21, 0x01);
	assert_int_equal(p.chip[0].vector_base, 0x30);
	assert_int_equal(p.chip[0].init_step, 0);
}

static void test_irr_isr_eoi(void **state)
{
	struct vpic p;
	uint8_t vec;

	vpic_init(&p);
	init_pair(&p, 0x08, 0x70, 0x01);
	vpic_set_irq(&p, 1, true);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(rd(&p, 0x20), 0x12);            /* IRR by default */
	wr(&p, 0x20, 0x0B);                               /* OCW3: read ISR */
	assert_int_equal(rd(&p, 0x20), 0x00);
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x09);                      /* IRQ 1 wins over 4 */
	assert_int_equal(vpic_ack(&p), 0x09);
	assert_int_equal(rd(&p, 0x20), 0x02);            /* ISR */
	wr(&p, 0x20, 0x0A);                               /* OCW3: read IRR */
	assert_int_equal(rd(&p, 0x20), 0x10);
	/* IRQ 4 has a lower priority than the one in service. */
	assert_false(vpic_pending(&p, &vec));
	wr(&p, 0x20, 0x20);                               /* non-specific EOI */
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x0C);
	assert_int_equal(vpic_ack(&p), 0x0C);
	/* A higher-priority request nests. */
	vpic_set_irq(&p, 0, true);
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x08);
	assert_int_equal(vpic_ack(&p), 0x08);
	wr(&p, 0x20, 0x0B);
	assert_int_equal(rd(&p, 0x20), 0x11);
	wr(&p, 0x20, 0x64);                               /* specific EOI, level 4 */
	assert_int_equal(rd(&p, 0x20), 0x01);
	wr(&p, 0x20, 0x20);
	assert_int_equal(rd(&p, 0x20), 0x00);
	/* No new edge: nothing pending; an ack now is spurious IRQ 7. */
	assert_false(vpic_pending(&p, &vec));
	assert_int_equal(vpic_ack(&p), 0x0F);
	assert_int_equal(rd(&p, 0x20), 0x00);            /* spurious: ISR untouched */
}

static void test_cascade(void **state)
{
	struct vpic p;
	uint8_t vec;

	vpic_init(&p);
	init_pair(&p, 0x20, 0x28, 0x01);
	vpic_set_irq(&p, 12, true);
	assert_int_equal(rd(&p, 0x20), 0x04);            /* master IR2 requested */
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x2C);
	/* Masking IR2 at the master hides the slave. */
	wr(&p, 0x21, 0x04);
	assert_false(vpic_pending(&p, &vec));
	wr(&p, 0x21, 0x00);
	assert_int_equal(vpic_ack(&p), 0x2C);
	wr(&p, 0xA0, 0x0B);
	assert_int_equal(rd(&p, 0xA0), 0x10);            /* slave ISR bit 4 */
	wr(&p, 0x20, 0x0B);
	assert_int_equal(rd(&p, 0x20), 0x04);            /* master ISR bit 2 */
	/* IRQ 3 has lower priority than the in-service cascade (IR2). */
	vpic_set_irq(&p, 3, true);
	assert_false(vpic_pending(&p, &vec));
	wr(&p, 0xA0, 0x20);
	wr(&p, 0x20, 0x20);
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x23);
	/* The cascade input is not a device line. */
	host_log_reset();
	vpic_set_irq(&p, 2, true);
	vpic_set_irq(&p, 16, true);
	assert_int_equal(host_log_count(LOG_WARN), 2);
}

static void test_poll_aeoi_rotation(void **state)
{
	struct vpic p;
	uint8_t vec;

	vpic_init(&p);
	init_pair(&p, 0x20, 0x28, 0x03);                  /* auto-EOI */
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	wr(&p, 0x20, 0x0B);
	assert_int_equal(rd(&p, 0x20), 0x00);            /* AEOI: nothing in service */
	/* Poll: 0x80 | level, acknowledging; then 0 when nothing is left. */
	vpic_set_irq(&p, 6, true);
	wr(&p, 0x20, 0x0C);
	assert_int_equal(rd(&p, 0x20), 0x86);
	wr(&p, 0x20, 0x0C);
	assert_int_equal(rd(&p, 0x21), 0x00);
	assert_int_equal(rd(&p, 0x21), 0x00);            /* poll is one read only: IMR */
	/* Set priority: IRQ 4 lowest, so IRQ 5 is now the highest. */
	vpic_init(&p);
	init_pair(&p, 0x20, 0x28, 0x01);
	wr(&p, 0x20, 0xC4);
	vpic_set_irq(&p, 0, true);
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	/* Rotate on non-specific EOI: IRQ 5 becomes lowest, IRQ 6 highest. */
	wr(&p, 0x20, 0xA0);
	assert_int_equal(p.chip[0].lowest, 5);
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x20);
	/* Special mask mode: a masked in-service level does not block. */
	assert_int_equal(vpic_ack(&p), 0x20);
	vpic_set_irq(&p, 1, true);                        /* below IRQ 0 now */
	assert_false(vpic_pending(&p, &vec));
	wr(&p, 0x21, 0x01);                               /* mask IRQ 0 (in service) */
	wr(&p, 0x20, 0x68);                               /* OCW3: set special mask */
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x21);
	wr(&p, 0x20, 0x48);                               /* OCW3: reset special mask */
	assert_false(vpic_pending(&p, &vec));
}

static void test_level_elcr(void **state)
{
	struct vpic p;
	uint8_t vec;

	vpic_init(&p);
	init_pair(&p, 0x20, 0x28, 0x01);
	wr(&p, 0x4D0, 0xFF);
	wr(&p, 0x4D1, 0xFF);
	assert_int_equal(rd(&p, 0x4D0), 0xF8);           /* IRQ 0-2 edge only */
	assert_int_equal(rd(&p, 0x4D1), 0xDE);           /* IRQ 8, 13 edge only */
	vpic_set_irq(&p, 11, true);
	assert_int_equal(vpic_ack(&p), 0x2B);
	wr(&p, 0xA0, 0x20);
	wr(&p, 0x20, 0x20);
	/* Still high: requested again at once. */
	assert_true(vpic_pending(&p, &vec));
	assert_int_equal(vec, 0x2B);
	vpic_set_irq(&p, 11, false);
	assert_false(vpic_pending(&p, &vec));
	/* Hostile ports are refused with a message. */
	host_log_reset();
	assert_int_equal(vpic_port_write(&p, 0x22, 0), -EINVAL);
	assert_int_equal(vpic_port_read(&p, 0x4D2, &vec), -EINVAL);
	assert_int_equal(host_log_count(LOG_WARN), 2);
	/* MCS-80 mode in ICW4 is reported. */
	wr(&p, 0x20, 0x11); wr(&p, 0x21, 0x20); wr(&p, 0x21, 0x04); wr(&p, 0x21, 0x00);
	assert_true(host_log_contains("MCS-80/85"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_masks),
		cmocka_unit_test(test_irr_isr_eoi),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_poll_aeoi_rotation),
		cmocka_unit_test(test_level_elcr),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
