/* test_vrtc.c - the MC146818A model (vmm/vrtc.c): the calendar, BCD and
 * binary, 12 and 24 hour formats, UIP, setting the clock with SET (and
 * invalid times), the periodic, update-ended and alarm interrupts with
 * IRQF and the read-clears register C, CMOS RAM, bad ports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vrtc.h"
#include "host_support.h"

#define S 1000000000ull
/* 2026-01-01 00:00:00 UTC, a Thursday. */
#define EPOCH 1767225600ll

static uint8_t reg(struct vrtc *r, uint8_t i, uint64_t now)
{
	uint8_t v = 0xAA;
	assert_int_equal(vrtc_port_write(r, 0x70, i, now), 0);
	assert_int_equal(vrtc_port_read(r, 0x71, now, &v), 0);
	return v;
}

static void set(struct vrtc *r, uint8_t i, uint8_t v, uint64_t now)
{
	assert_int_equal(vrtc_port_write(r, 0x70, i, now), 0);
	assert_int_equal(vrtc_port_write(r, 0x71, v, now), 0);
}

static void test_calendar(void **state)
{
	int64_t y;
	unsigned m, d;

	assert_int_equal(vrtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(vrtc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(vrtc_days_from_civil(2026, 1, 1) * 86400, EPOCH);
	vrtc_civil_from_days(11016, &y, &m, &d);           /* leap day 2000 */
	assert_int_equal(y, 2000); assert_int_equal(m, 2); assert_int_equal(d, 29);
	vrtc_civil_from_days(-1, &y, &m, &d);
	assert_int_equal(y, 1969); assert_int_equal(m, 12); assert_int_equal(d, 31);
	for (int64_t day = -1000; day < 100000; day += 37) {
		vrtc_civil_from_days(day, &y, &m, &d);
		assert_int_equal(vrtc_days_from_civil(y, m, d), day);
	}
}

static void test_bcd_binary_12h(void **state)
{
	struct vrtc r;
	/* 2026-01-01 13:45:30 */
	const int64_t t = EPOCH + 13 * 3600 + 45 * 60 + 30;

	vrtc_init(&r, t, 0);
	assert_int_equal(reg(&r, VRTC_SEC, 0), 0x30);
	assert_int_equal(reg(&r, VRTC_MIN, 0), 0x45);
	assert_int_equal(reg(&r, VRTC_HOUR, 0), 0x13);
	assert_int_equal(reg(&r, VRTC_WEEKDAY, 0), 5);     /* Thursday: 1 = Sunday */
	assert_int_equal(reg(&r, VRTC_DAY, 0), 0x01);
	assert_int_equal(reg(&r, VRTC_MONTH, 0), 0x01);
	assert_int_equal(reg(&r, VRTC_YEAR, 0), 0x26);
	assert_int_equal(reg(&r, VRTC_CENTURY, 0), 0x20);
	assert_int_equal(reg(&r, VRTC_REG_D, 0), VRTC_D_VRT);
	/* The clock runs with guest time. */
	assert_int_equal(reg(&r, VRTC_SEC, 31 * S), 0x01);
	assert_int_equal(reg(&r, VRTC_MIN, 31 * S), 0x46);
	/* Binary. */
	set(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_DM, 0);
	assert_int_equal(reg(&r, VRTC_HOUR, 0), 13);
	assert_int_equal(reg(&r, VRTC_YEAR, 0), 26);
	/* 12-hour BCD: 1 PM. */
	set(&r, VRTC_REG_B, 0, 0);
	assert_int_equal(reg(&r, VRTC_HOUR, 0), 0x81);
	/* Midnight is 12 AM. */
	vrtc_init(&r, EPOCH, 0);
	set(&r, VRTC_REG_B, 0, 0);
	assert_int_equal(reg(&r, VRTC_HOUR, 0), 0x12);
}

static void test_uip(void **state)
{
	struct vrtc r;

	vrtc_init(&r, EPOCH, 0);
	assert_false(reg(&r, VRTC_REG_A, 500000000) & VRTC_A_UIP);
	assert_true(reg(&r, VRTC_REG_A, S - 100000) & VRTC_A_UIP);
	assert_false(reg(&r, VRTC_REG_A, S) & VRTC_A_UIP);
	assert_int_equal(reg(&r, VRTC_REG_A, 0) & 0x7F, 0x26);
}

static void test_set_time(void **state)
{
	struct vrtc r;

	vrtc_init(&r, EPOCH, 0);
	set(&r, VRTC_REG_B, VRTC_B_SET | VRTC_B_24H, 10 * S);
	/* Frozen while SET is 1. */
	assert_int_equal(reg(&r, VRTC_SEC, 20 * S), 0x10);
	set(&r, VRTC_SEC, 0x59, 20 * S);
	set(&r, VRTC_MIN, 0x59, 20 * S);
	set(&r, VRTC_HOUR, 0x23, 20 * S);
	set(&r, VRTC_DAY, 0x31, 20 * S);
	set(&r, VRTC_MONTH, 0x12, 20 * S);
	set(&r, VRTC_YEAR, 0x99, 20 * S);
	set(&r, VRTC_CENTURY, 0x19, 20 * S);
	set(&r, VRTC_REG_B, VRTC_B_24H, 20 * S);
	assert_int_equal(vrtc_unix_time(&r, 20 * S), 946684799);   /* 1999-12-31 23:59:59 */
	/* The second after: a new century. */
	assert_int_equal(reg(&r, VRTC_YEAR, 21 * S), 0x00);
	assert_int_equal(reg(&r, VRTC_CENTURY, 21 * S), 0x20);
	assert_int_equal(reg(&r, VRTC_MONTH, 21 * S), 0x01);
	/* An invalid time is refused and logged; the clock keeps its time. */
	host_log_reset();
	set(&r, VRTC_REG_B, VRTC_B_SET | VRTC_B_24H, 30 * S);
	set(&r, VRTC_MONTH, 0x13, 30 * S);
	set(&r, VRTC_REG_B, VRTC_B_24H, 30 * S);
	assert_true(host_log_contains("invalid time"));
	assert_int_equal(vrtc_unix_time(&r, 30 * S), 946684799 + 10);
	/* Bad BCD too. */
	host_log_reset();
	set(&r, VRTC_SEC, 0x5A, 30 * S);
	assert_true(host_log_contains("invalid time"));
}

static void test_periodic_interrupt(void **state)
{
	struct vrtc r;
	const uint64_t period = 976563;   /* 1024 Hz, rounded up */

	vrtc_init(&r, EPOCH, 0);
	assert_int_equal(vrtc_deadline(&r), 0);           /* nothing enabled */
	set(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_PIE, 0);
	assert_int_equal(vrtc_deadline(&r), period);
	assert_false(vrtc_tick(&r, period - 1));
	assert_true(vrtc_tick(&r, period));
	assert_int_equal(vrtc_deadline(&r), 0);           /* waits for the C read */
	assert_int_equal(reg(&r, VRTC_REG_C, period), VRTC_C_IRQF | VRTC_C_PF);
	assert_false(r.irq_line);
	assert_int_equal(reg(&r, VRTC_REG_C, period), 0);
	/* Rate 15: 2 Hz. */
	set(&r, VRTC_REG_A, 0x2F, 10 * S);
	assert_int_equal(vrtc_deadline(&r), 10 * S + S / 2);
	/* PF is set with PIE off too, but no IRQF. */
	set(&r, VRTC_REG_B, VRTC_B_24H, 10 * S);
	assert_false(vrtc_tick(&r, 11 * S));
	assert_int_equal(reg(&r, VRTC_REG_C, 11 * S), VRTC_C_PF | VRTC_C_UF);
}

static void test_update_and_alarm(void **state)
{
	struct vrtc r;

	vrtc_init(&r, EPOCH, 0);
	set(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, 0);
	assert_int_equal(vrtc_deadline(&r), S);
	assert_true(vrtc_tick(&r, S));
	/* PF runs at the default 1024 Hz rate whether or not PIE is set. */
	assert_int_equal(reg(&r, VRTC_REG_C, S) & ~VRTC_C_PF, VRTC_C_IRQF | VRTC_C_UF);
	/* Alarm at 00:00:05, every hour and minute don't-care (0xC0+). */
	set(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_AIE, S);
	set(&r, VRTC_SEC_ALARM, 0x05, S);
	set(&r, VRTC_MIN_ALARM, 0xFF, S);
	set(&r, VRTC_HOUR_ALARM, 0xC0, S);
	assert_false(vrtc_tick(&r, 4 * S));
	reg(&r, VRTC_REG_C, 4 * S);
	assert_true(vrtc_tick(&r, 5 * S + 1));
	assert_int_equal(reg(&r, VRTC_REG_C, 5 * S + 1) & ~VRTC_C_PF,
			 VRTC_C_IRQF | VRTC_C_AF | VRTC_C_UF);
	/* Missed: the match lies between two ticks. */
	assert_true(vrtc_tick(&r, 70 * S));
	assert_true(reg(&r, VRTC_REG_C, 70 * S) & VRTC_C_AF);
	/* SET clears UIE and stops updates. */
	set(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE | VRTC_B_SET, 70 * S);
	assert_int_equal(reg(&r, VRTC_REG_B, 70 * S), VRTC_B_24H | VRTC_B_SET);
	assert_false(vrtc_tick(&r, 80 * S));
}

static void test_ram_and_ports(void **state)
{
	struct vrtc r;
	uint8_t v;

	vrtc_init(&r, EPOCH, 0);
	set(&r, 0x40, 0x5A, 0);
	assert_int_equal(reg(&r, 0x40, 0), 0x5A);
	/* Bit 7 of the index is the NMI mask, not part of the index. */
	set(&r, 0x80 | 0x40, 0x11, 0);
	assert_true(r.nmi_masked);
	assert_int_equal(reg(&r, 0x40, 0), 0x11);
	/* C and D are read-only. */
	set(&r, VRTC_REG_D, 0, 0);
	assert_int_equal(reg(&r, VRTC_REG_D, 0), VRTC_D_VRT);
	assert_int_equal(vrtc_port_read(&r, 0x70, 0, &v), 0);
	assert_int_equal(v, 0xFF);
	host_log_reset();
	assert_int_equal(vrtc_port_read(&r, 0x72, 0, &v), -EINVAL);
	assert_int_equal(vrtc_port_write(&r, 0x6F, 0, 0), -EINVAL);
	assert_true(host_log_contains("not an RTC port"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_bcd_binary_12h),
		cmocka_unit_test(test_uip),
		cmocka_unit_test(test_set_time),
		cmocka_unit_test(test_periodic_interrupt),
		cmocka_unit_test(test_update_and_alarm),
		cmocka_unit_test(test_ram_and_ports),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
