/* test_vacpi_pm.c - the fixed-function ports of vmm/dev_misc.c: the ACPI
 * PM block (PM1 status write-1-to-clear, enable, control with SCI_EN stuck
 * on and SLP_EN + the \_S5 type powering off, other sleep types refused,
 * the 3.579545 MHz PM timer), port B (gate, refresh toggle, OUT2), reset
 * control at 0xCF9, accesses outside the PM block. (The 8042's reset line
 * is tests/unit/test_vi8042.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/dev_misc.h"
#include "../../vmm/vacpi.h"
#include "host_support.h"

#define PM 0x600

static uint32_t pm_rd(struct vmisc *m, unsigned off, unsigned size, uint64_t now)
{
	uint32_t v;
	assert_int_equal(vmisc_pm_read(m, (uint16_t)(PM + off), size, now, &v), 0);
	return v;
}

static enum misc_action pm_wr(struct vmisc *m, unsigned off, unsigned size, uint32_t v)
{
	enum misc_action a;
	assert_int_equal(vmisc_pm_write(m, (uint16_t)(PM + off), size, v, &a), 0);
	return a;
}

static void test_pm_control_and_s5(void **state)
{
	struct vmisc m;

	vmisc_init(&m, PM, 0);
	assert_int_equal(pm_rd(&m, VACPI_PM1_CNT_OFF, 2, 0), 1);        /* SCI_EN */
	/* SLP_TYP 5 without SLP_EN: stored, nothing happens. */
	assert_int_equal(pm_wr(&m, VACPI_PM1_CNT_OFF, 2, 5u << 10), MISC_NONE);
	assert_int_equal(pm_rd(&m, VACPI_PM1_CNT_OFF, 2, 0), (5u << 10) | 1);
	/* SLP_EN with the \_S5 type: power off; SLP_EN reads 0. */
	assert_int_equal(pm_wr(&m, VACPI_PM1_CNT_OFF, 2, (5u << 10) | (1u << 13)), MISC_POWEROFF);
	assert_int_equal(pm_rd(&m, VACPI_PM1_CNT_OFF, 2, 0) & (1u << 13), 0);
	/* The same through two byte writes (high byte holds SLP_EN). */
	assert_int_equal(pm_wr(&m, VACPI_PM1_CNT_OFF, 1, 0), MISC_NONE);
	assert_int_equal(pm_wr(&m, VACPI_PM1_CNT_OFF + 1, 1, (5u << 2) | (1u << 5)),
			 MISC_POWEROFF);
	/* Another sleep type: refused with a warning. */
	host_log_reset();
	assert_int_equal(pm_wr(&m, VACPI_PM1_CNT_OFF, 2, (1u << 10) | (1u << 13)), MISC_NONE);
	assert_true(host_log_contains("only S5"));
	/* SCI_EN cannot be cleared. */
	pm_wr(&m, VACPI_PM1_CNT_OFF, 2, 0);
	assert_int_equal(pm_rd(&m, VACPI_PM1_CNT_OFF, 2, 0) & 1, 1);
}

static void test_pm_status_enable(void **state)
{
	struct vmisc m;

	vmisc_init(&m, PM, 0);
	m.pm1_sts = 0x8101;
	assert_int_equal(pm_rd(&m, VACPI_PM1_EVT_OFF, 2, 0), 0x8101);
	pm_wr(&m, VACPI_PM1_EVT_OFF, 2, 0x0001);                  /* write 1 to clear */
	assert_int_equal(pm_rd(&m, VACPI_PM1_EVT_OFF, 2, 0), 0x8100);
	pm_wr(&m, VACPI_PM1_EVT_OFF, 4, 0x01200000);              /* status 0, enable 0x0120 */
	assert_int_equal(pm_rd(&m, VACPI_PM1_EVT_OFF, 4, 0), 0x01208100);
}

static void test_pm_timer(void **state)
{
	struct vmisc m;

	vmisc_init(&m, PM, 1000);
	assert_int_equal(pm_rd(&m, VACPI_PM_TMR_OFF, 4, 1000), 0);
	assert_int_equal(pm_rd(&m, VACPI_PM_TMR_OFF, 4, 1000 + 1000000000ull), MISC_PM_TIMER_HZ);
	assert_int_equal(vmisc_pm_timer(&m, 1000 + 1000000ull), 3579);
	/* 32 bits wide: wraps after 2^32 counts (~20 minutes). */
	assert_int_equal(vmisc_pm_timer(&m, 1000 + 1200000000000ull),
			 (uint32_t)(1200ull * MISC_PM_TIMER_HZ));
	/* Read-only. */
	pm_wr(&m, VACPI_PM_TMR_OFF, 4, 0);
	assert_int_equal(pm_rd(&m, VACPI_PM_TMR_OFF, 4, 1000 + 1000000000ull), MISC_PM_TIMER_HZ);
	/* Byte reads of the timer. */
	assert_int_equal(pm_rd(&m, VACPI_PM_TMR_OFF + 1, 1, 1000 + 1000000000ull),
			 (MISC_PM_TIMER_HZ >> 8) & 0xFF);
}

static void test_pm_bounds(void **state)
{
	struct vmisc m;
	enum misc_action a;
	uint32_t v;

	vmisc_init(&m, PM, 0);
	host_log_reset();
	assert_int_equal(vmisc_pm_read(&m, PM - 1, 1, 0, &v), -EINVAL);
	assert_int_equal(vmisc_pm_read(&m, PM + VACPI_PM_LEN - 2, 4, 0, &v), -EINVAL);
	assert_int_equal(vmisc_pm_write(&m, PM + VACPI_PM_LEN, 1, 0, &a), -EINVAL);
	assert_int_equal(a, MISC_NONE);
	assert_true(host_log_contains("outside the PM block"));
}

static void test_port_b(void **state)
{
	struct vmisc m;
	bool gate = false;

	vmisc_init(&m, PM, 0);
	vmisc_port_b_write(&m, 0xF3, &gate);
	assert_true(gate);
	/* Bits 7:4 are status: refresh toggles every 15.085 us, bit 5 OUT2. */
	assert_int_equal(vmisc_port_b_read(&m, false, 0), 0x03);
	assert_int_equal(vmisc_port_b_read(&m, false, 15085), 0x13);
	assert_int_equal(vmisc_port_b_read(&m, true, 30170), 0x23);
	vmisc_port_b_write(&m, 0x02, &gate);
	assert_false(gate);
}

static void test_resets(void **state)
{
	struct vmisc m;

	vmisc_init(&m, PM, 0);
	/* 0xCF9: SYS_RST kept, RST_CPU's rising edge resets and clears. */
	assert_int_equal(vmisc_reset_control_write(&m, 0x02), MISC_NONE);
	assert_int_equal(vmisc_reset_control_read(&m), 0x02);
	assert_int_equal(vmisc_reset_control_write(&m, VACPI_RESET_VALUE), MISC_RESET);
	assert_int_equal(vmisc_reset_control_read(&m), 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pm_control_and_s5),
		cmocka_unit_test(test_pm_status_enable),
		cmocka_unit_test(test_pm_timer),
		cmocka_unit_test(test_pm_bounds),
		cmocka_unit_test(test_port_b),
		cmocka_unit_test(test_resets),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
