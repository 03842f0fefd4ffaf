/* test_vpit.c - the 8254 model (vmm/vpit.c): counts and OUT in modes 0, 2
 * and 3 against guest time, LSB/MSB access and latches, read-back, counter
 * 2's gate (Linux's TSC calibration sequence through port 0x61), counter
 * 0's IRQ edges and deadlines, bad ports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vpit.h"
#include "host_support.h"

/* ns of k PIT clocks, rounded up (what the model uses for deadlines). */
static uint64_t clk(uint64_t k)
{
	return (k * 1000000000ull + VPIT_HZ - 1) / VPIT_HZ;
}

static void wr(struct vpit *p, uint16_t port, uint8_t v, uint64_t now)
{
	assert_int_equal(vpit_port_write(p, port, v, now), 0);
}

static uint8_t rd(struct vpit *p, uint16_t port, uint64_t now)
{
	uint8_t v = 0xAA;
	assert_int_equal(vpit_port_read(p, port, now, &v), 0);
	return v;
}

/* Program counter ch: mode, LSB then MSB count. */
static void program(struct vpit *p, unsigned ch, unsigned mode, uint16_t count, uint64_t now)
{
	wr(p, 0x43, (uint8_t)((ch << 6) | 0x30 | (mode << 1)), now);
	wr(p, (uint16_t)(0x40 + ch), (uint8_t)count, now);
	wr(p, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8), now);
}

static uint16_t read16(struct vpit *p, unsigned ch, uint64_t now)
{
	uint8_t lo = rd(p, (uint16_t)(0x40 + ch), now);
	return (uint16_t)(lo | (rd(p, (uint16_t)(0x40 + ch), now) << 8));
}

static void test_mode0_one_shot(void **state)
{
	struct vpit p;
	const uint64_t t0 = 1000000;

	vpit_init(&p);
	program(&p, 0, 0, 1000, t0);
	assert_false(vpit_out(&p, 0, t0));
	assert_int_equal(vpit_count(&p, 0, t0), 1000);
	assert_int_equal(vpit_count(&p, 0, t0 + clk(400)), 600);
	assert_false(vpit_out(&p, 0, t0 + clk(999)));
	assert_int_equal(vpit_irq0_deadline(&p), t0 + clk(1000));
	assert_false(vpit_irq0_due(&p, t0 + clk(999)));
	assert_true(vpit_out(&p, 0, t0 + clk(1000)));
	assert_true(vpit_irq0_due(&p, t0 + clk(1000)));
	/* One shot: no second edge, no deadline; the count wraps on. */
	assert_false(vpit_irq0_due(&p, t0 + clk(70000)));
	assert_int_equal(vpit_irq0_deadline(&p), 0);
	assert_int_equal(vpit_count(&p, 0, t0 + clk(1001)), 0xFFFF);
	assert_true(vpit_out(&p, 0, t0 + clk(1001)));
}

/* Linux's i8253 clock event device in one-shot mode, the PIT's work once
 * kvm-clock gives the kernel a high-resolution clocksource: control word
 * 0x38 (counter 0, LSB then MSB, mode 4, "software triggered strobe"),
 * then each next event is only the two count bytes. Mode 4 (82C54 data
 * sheet, "Mode 4"): OUT stays high and pulses low for one clock at
 * terminal count; the 8259 sees the rising edge after the pulse. The
 * model counts from the write (the 8254 loads the count at the next clock
 * edge, so its strobe comes up to one clock, 838 ns, later): the edge is
 * count + 1 clocks on. A new count re-arms it; one that has fired gives no
 * second edge. */
static void test_mode4_linux_oneshot(void **state)
{
	struct vpit p;
	const uint64_t t0 = 5000000;
	uint64_t t1;

	vpit_init(&p);
	wr(&p, 0x43, 0x38, t0);                       /* pit_set_oneshot */
	assert_true(vpit_out(&p, 0, t0));
	assert_int_equal(vpit_irq0_deadline(&p), 0);  /* no count yet */
	wr(&p, 0x40, 0xE8, t0);                       /* pit_next_event(1000) */
	assert_int_equal(vpit_irq0_deadline(&p), 0);  /* half a count arms nothing */
	wr(&p, 0x40, 0x03, t0);
	assert_int_equal(vpit_irq0_deadline(&p), t0 + clk(1001));
	assert_true(vpit_out(&p, 0, t0 + clk(999)));
	assert_false(vpit_out(&p, 0, t0 + clk(1000)));   /* the one-clock pulse */
	assert_false(vpit_irq0_due(&p, t0 + clk(1000)));
	assert_true(vpit_out(&p, 0, t0 + clk(1001)));
	assert_true(vpit_irq0_due(&p, t0 + clk(1001)));
	assert_false(vpit_irq0_due(&p, t0 + clk(80000)));
	assert_int_equal(vpit_irq0_deadline(&p), 0);
	/* The next event: a new count alone re-arms the strobe. */
	t1 = t0 + clk(90000);
	wr(&p, 0x40, 100, t1);
	wr(&p, 0x40, 0, t1);
	assert_int_equal(vpit_irq0_deadline(&p), t1 + clk(101));
	/* Re-armed before it fired: the later count replaces it. */
	wr(&p, 0x40, 0x10, t1 + clk(50));
	wr(&p, 0x40, 0x27, t1 + clk(50));             /* 10000 */
	assert_false(vpit_irq0_due(&p, t1 + clk(101)));
	assert_int_equal(vpit_irq0_deadline(&p), t1 + clk(50) + clk(10001));
	assert_true(vpit_irq0_due(&p, t1 + clk(50) + clk(10001)));
	/* pit_shutdown: mode 0 with count 0 = 65536 clocks, as on an 8254. */
	wr(&p, 0x43, 0x30, t1 + clk(20000));
	wr(&p, 0x40, 0, t1 + clk(20000));
	wr(&p, 0x40, 0, t1 + clk(20000));
	assert_int_equal(vpit_irq0_deadline(&p), t1 + clk(20000) + clk(65536));
}

static void test_mode2_rate_generator(void **state)
{
	struct vpit p;
	const uint64_t t0 = 5;

	vpit_init(&p);
	/* Linux's periodic tick at HZ=250: LATCH = 4773. */
	program(&p, 0, 2, 4773, t0);
	assert_true(vpit_out(&p, 0, t0));
	assert_int_equal(vpit_count(&p, 0, t0 + clk(4772)), 1);
	assert_false(vpit_out(&p, 0, t0 + clk(4772)));   /* low while the count is 1 */
	assert_true(vpit_out(&p, 0, t0 + clk(4773)));
	assert_int_equal(vpit_count(&p, 0, t0 + clk(4773)), 4773);
	assert_int_equal(vpit_irq0_deadline(&p), t0 + clk(4773));
	assert_false(vpit_irq0_due(&p, t0 + clk(4772)));
	assert_true(vpit_irq0_due(&p, t0 + clk(4773)));
	assert_false(vpit_irq0_due(&p, t0 + clk(4774)));
	assert_int_equal(vpit_irq0_deadline(&p), t0 + clk(2 * 4773));
	/* Ten missed periods: one edge (the 8259 latches one), the next
	 * deadline after them. */
	assert_true(vpit_irq0_due(&p, t0 + clk(12 * 4773 + 5)));
	assert_false(vpit_irq0_due(&p, t0 + clk(12 * 4773 + 6)));
	assert_int_equal(vpit_irq0_deadline(&p), t0 + clk(13 * 4773));
}

static void test_mode3_square_wave(void **state)
{
	struct vpit p;

	vpit_init(&p);
	program(&p, 0, 3, 100, 0);
	assert_true(vpit_out(&p, 0, clk(49)));
	assert_false(vpit_out(&p, 0, clk(50)));
	assert_false(vpit_out(&p, 0, clk(99)));
	assert_true(vpit_out(&p, 0, clk(100)));
	assert_int_equal(vpit_count(&p, 0, clk(10)), 80);   /* decrements by two */
	assert_true(vpit_irq0_due(&p, clk(100)));
	/* Mode 7 is mode 3. */
	wr(&p, 0x43, 0x3E, 0);
	wr(&p, 0x40, 10, 0);
	wr(&p, 0x40, 0, 0);
	assert_false(vpit_out(&p, 0, clk(5)));
	assert_true(vpit_out(&p, 0, clk(10)));
}

static void test_access_modes_and_latch(void **state)
{
	struct vpit p;

	vpit_init(&p);
	/* LSB only: count 0x34, MSB 0. */
	wr(&p, 0x43, 0x14, 0);          /* counter 0, LSB, mode 2 */
	wr(&p, 0x40, 0x34, 0);
	assert_int_equal(vpit_count(&p, 0, 0), 0x34);
	assert_int_equal(rd(&p, 0x40, clk(4)), 0x30);
	/* MSB only: count 0x1200. */
	wr(&p, 0x43, 0x24, 0);
	wr(&p, 0x40, 0x12, 0);
	assert_int_equal(vpit_count(&p, 0, 0), 0x1200);
	assert_int_equal(rd(&p, 0x40, clk(0x100)), 0x11);
	/* A latch holds the count until both bytes are read; a second latch
	 * before that is ignored. */
	program(&p, 0, 2, 0x8000, 0);
	wr(&p, 0x43, 0x00, clk(0x10));
	wr(&p, 0x43, 0x00, clk(0x20));
	assert_int_equal(read16(&p, 0, clk(0x300)), 0x8000 - 0x10);
	assert_int_equal(read16(&p, 0, clk(0x300)), 0x8000 - 0x300);
	/* Count 0 means 65536. */
	program(&p, 0, 2, 0, 0);
	assert_int_equal(vpit_irq0_deadline(&p), clk(65536));
	/* Port 0x43 reads as the floating bus. */
	assert_int_equal(rd(&p, 0x43, 0), 0xFF);
}

static void test_read_back(void **state)
{
	struct vpit p;

	vpit_init(&p);
	program(&p, 2, 0, 500, 0);
	vpit_set_gate(&p, 2, true, 0);
	/* Read-back, status and count of counter 2 (bits 5 and 4 clear). */
	wr(&p, 0x43, 0xC8, clk(100));
	assert_int_equal(rd(&p, 0x42, clk(300)), 0x30);        /* OUT low, LSB/MSB, mode 0 */
	assert_int_equal(read16(&p, 2, clk(300)), 400);
	/* Status only, after terminal count: OUT high. */
	wr(&p, 0x43, 0xE8, clk(600));
	assert_int_equal(rd(&p, 0x42, clk(600)), 0xB0);
}

/* Linux's pit_calibrate_tsc(): gate high through port 0x61, mode 0 on
 * counter 2 with a 10 ms count, poll OUT until it goes high. */
static void test_gate_and_calibration(void **state)
{
	struct vpit p;
	const uint16_t latch = 11932;    /* 10 ms */

	vpit_init(&p);
	/* Gate low: the count is loaded but does not run. */
	program(&p, 2, 0, latch, 0);
	assert_int_equal(vpit_count(&p, 2, 1000000), latch);
	assert_false(vpit_out(&p, 2, 1000000));
	vpit_set_gate(&p, 2, true, 1000000);
	assert_false(vpit_out(&p, 2, 1000000 + clk(latch - 1)));
	assert_true(vpit_out(&p, 2, 1000000 + clk(latch)));
	/* The usual order: gate first, then the count starts it at once. */
	program(&p, 2, 0, latch, 50000000);
	assert_int_equal(vpit_count(&p, 2, 50000000 + clk(100)), latch - 100);
	/* Gate low in mode 0 pauses; high resumes where it was. */
	vpit_set_gate(&p, 2, false, 50000000 + clk(200));
	assert_int_equal(vpit_count(&p, 2, 90000000), latch - 200);
	vpit_set_gate(&p, 2, true, 90000000);
	assert_int_equal(vpit_count(&p, 2, 90000000 + clk(50)), latch - 250);
	/* Mode 2 on counter 2: the gate's rising edge reloads. */
	program(&p, 2, 2, 1000, 0);
	assert_int_equal(vpit_count(&p, 2, clk(300)), 700);
	vpit_set_gate(&p, 2, false, clk(300));
	assert_true(vpit_out(&p, 2, clk(400)));
	vpit_set_gate(&p, 2, true, clk(400));
	assert_int_equal(vpit_count(&p, 2, clk(400) + clk(10)), 990);
}

static void test_bad_ports_and_bcd(void **state)
{
	struct vpit p;
	uint8_t v;

	vpit_init(&p);
	host_log_reset();
	assert_int_equal(vpit_port_read(&p, 0x44, 0, &v), -EINVAL);
	assert_int_equal(vpit_port_write(&p, 0x3F, 0, 0), -EINVAL);
	assert_true(host_log_contains("not an 8254 port"));
	/* BCD is refused with a warning and counts in binary. */
	host_log_reset();
	wr(&p, 0x43, 0x35, 0);
	assert_true(host_log_contains("BCD"));
	/* No count yet: no IRQ, no deadline. */
	assert_false(vpit_irq0_due(&p, 1000000000));
	assert_int_equal(vpit_irq0_deadline(&p), 0);
	/* Huge times do not overflow: a 1 s period far in the future. */
	program(&p, 0, 2, 65535, 0);
	assert_true(vpit_irq0_due(&p, 1000000000000000ull));
	assert_true(vpit_irq0_deadline(&p) > 1000000000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode0_one_shot),
		cmocka_unit_test(test_mode4_linux_oneshot),
		cmocka_unit_test(test_mode2_rate_generator),
		cmocka_unit_test(test_mode3_square_wave),
		cmocka_unit_test(test_access_modes_and_latch),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_gate_and_calibration),
		cmocka_unit_test(test_bad_ports_and_bcd),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
