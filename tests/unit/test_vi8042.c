/* test_vi8042.c - the 8042 keyboard controller of vmm/vi8042.c: the state
 * firmware leaves, Linux's i8042 probe (flush, command byte, self-test,
 * interface tests, aux loopback and enable/disable), keyboard and mouse
 * commands with their answers (translated and not), IRQ 1 / 12 following
 * the output buffer, disabled ports holding their bytes, the reset line
 * (pulse commands and the output port), and hostile sequences: reads
 * with nothing pending, commands in the middle of a command, bad
 * arguments, unknown commands (logged once), a guest that never reads
 * its answers (queue overflow, logged). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vi8042.h"
#include "host_support.h"

#define DATA   VI8042_DATA
#define STATUS VI8042_STATUS

static bool cmd(struct vi8042 *c, uint8_t v)
{
	return vi8042_write(c, STATUS, v);
}

static bool data(struct vi8042 *c, uint8_t v)
{
	return vi8042_write(c, DATA, v);
}

/* The next byte of the output buffer, which must be full (aux says from
 * which port). */
static uint8_t next(struct vi8042 *c, bool aux)
{
	uint8_t s = vi8042_read(c, STATUS);

	assert_true(s & VI8042_STS_OBF);
	assert_int_equal(!!(s & VI8042_STS_AUXOBF), aux);
	return vi8042_read(c, DATA);
}

static void expect_empty(struct vi8042 *c)
{
	assert_false(vi8042_read(c, STATUS) & VI8042_STS_OBF);
	assert_int_equal(vi8042_irq_lines(c), 0);
}

static void test_initial_state(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	/* SYS (POST passed), not inhibited, nothing to read. */
	assert_int_equal(vi8042_read(&c, STATUS), VI8042_STS_SYS | VI8042_STS_UNLOCK);
	expect_empty(&c);
	assert_false(cmd(&c, 0x20));
	assert_true(vi8042_read(&c, STATUS) & VI8042_STS_CMD);   /* A2: last write a command */
	/* Translation, SYS, aux disabled, keyboard interrupt: 0x65. The
	 * controller's reply raises IRQ 1 like a keyboard byte. */
	assert_int_equal(vi8042_irq_lines(&c), VI8042_IRQ1);
	assert_int_equal(next(&c, false), 0x65);
	expect_empty(&c);
	/* Other ports are not the 8042's. */
	assert_int_equal(vi8042_read(&c, 0x61), 0xFF);
	assert_false(vi8042_write(&c, 0x61, 0xFE));
	expect_empty(&c);
}

/* What Linux's drivers/input/serio/i8042.c does at probe. */
static void test_linux_probe(void **state)
{
	struct vi8042 c;
	uint8_t ctr;

	vi8042_init(&c);
	host_log_reset();
	/* Flush: nothing pending. */
	expect_empty(&c);
	cmd(&c, 0xAA);
	assert_int_equal(next(&c, false), 0x55);
	cmd(&c, 0x20);
	ctr = next(&c, false);
	/* Write the command byte: interrupts off, both ports disabled. */
	cmd(&c, 0x60);
	assert_false(vi8042_read(&c, STATUS) & VI8042_STS_OBF);
	data(&c, (uint8_t)((ctr | VI8042_CTR_KBDDIS | VI8042_CTR_AUXDIS) &
			   ~(VI8042_CTR_KBDINT | VI8042_CTR_AUXINT)));
	assert_false(vi8042_read(&c, STATUS) & VI8042_STS_CMD);
	cmd(&c, 0x20);
	assert_int_equal(vi8042_irq_lines(&c), 0);             /* interrupts off */
	assert_int_equal(next(&c, false), 0x74);
	/* Aux: loopback through 0xD3 comes back as an aux byte. */
	cmd(&c, 0xD3);
	data(&c, 0x5A);
	assert_int_equal(next(&c, true), 0x5A);
	cmd(&c, 0xA9);
	assert_int_equal(next(&c, false), 0x00);
	cmd(&c, 0xA8);
	cmd(&c, 0x20);
	assert_false(next(&c, false) & VI8042_CTR_AUXDIS);
	cmd(&c, 0xA7);
	cmd(&c, 0x20);
	assert_true(next(&c, false) & VI8042_CTR_AUXDIS);
	cmd(&c, 0xAB);
	assert_int_equal(next(&c, false), 0x00);
	cmd(&c, 0xAE);
	/* Interrupts on: the aux loopback now raises IRQ 12. */
	cmd(&c, 0x60);
	data(&c, ctr | VI8042_CTR_KBDINT | VI8042_CTR_AUXINT);
	cmd(&c, 0xD3);
	data(&c, 0xA5);
	assert_int_equal(vi8042_irq_lines(&c), VI8042_IRQ12);
	assert_int_equal(next(&c, true), 0xA5);
	expect_empty(&c);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

static void test_keyboard(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	host_log_reset();
	data(&c, 0xFF);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xAA);
	expect_empty(&c);
	/* Identify, translated (set 2's 0x83 is set 1's 0x41) and not. */
	data(&c, 0xF2);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xAB);
	assert_int_equal(next(&c, false), 0x41);
	cmd(&c, 0x60);
	data(&c, VI8042_CTR_KBDINT | VI8042_CTR_SYS);
	data(&c, 0xF2);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xAB);
	assert_int_equal(next(&c, false), 0x83);
	/* LEDs, typematic, scan code set (set then query). */
	data(&c, 0xED);
	assert_int_equal(next(&c, false), 0xFA);
	data(&c, 0x07);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(c.kbd.leds, 7);
	data(&c, 0xF3);
	data(&c, 0x20);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(c.kbd.typematic, 0x20);
	data(&c, 0xF0);
	data(&c, 0x03);
	data(&c, 0xF0);
	data(&c, 0x00);
	for (int i = 0; i < 4; i++)
		assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 3);
	/* Echo, enable, disable (defaults: set 2 again), resend. */
	data(&c, 0xEE);
	assert_int_equal(next(&c, false), 0xEE);
	data(&c, 0xF5);
	assert_int_equal(next(&c, false), 0xFA);
	assert_false(c.kbd.scanning);
	assert_int_equal(c.kbd.scan_set, 2);
	data(&c, 0xF4);
	assert_int_equal(next(&c, false), 0xFA);
	assert_true(c.kbd.scanning);
	data(&c, 0xFE);
	assert_int_equal(next(&c, false), 0xFA);
	expect_empty(&c);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

static void test_keyboard_hostile(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	host_log_reset();
	/* Read with nothing pending: the stale latch, no OBF, no IRQ. */
	assert_int_equal(vi8042_read(&c, DATA), 0x00);
	expect_empty(&c);
	data(&c, 0xEE);
	assert_int_equal(next(&c, false), 0xEE);
	assert_int_equal(vi8042_read(&c, DATA), 0xEE);
	expect_empty(&c);
	/* A command where the LED argument was due: the new command wins. */
	data(&c, 0xED);
	data(&c, 0xF2);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xAB);
	assert_int_equal(next(&c, false), 0x41);
	assert_int_equal(c.kbd.pending, 0);
	/* Bad arguments: Resend, the command is over. */
	data(&c, 0xED);
	data(&c, 0x80);
	data(&c, 0xF0);
	data(&c, 0x09);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xFE);
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xFE);
	assert_int_equal(c.kbd.leds, 0);
	assert_int_equal(c.kbd.scan_set, 2);
	data(&c, 0x00);                                 /* not an argument now */
	assert_int_equal(next(&c, false), 0xFE);
	assert_int_equal(host_log_count(LOG_WARN), 1);
	assert_true(host_log_contains("unknown keyboard command 0x00"));
	/* Unknown commands after the first are answered but not logged. */
	data(&c, 0xE0);
	assert_int_equal(next(&c, false), 0xFE);
	assert_int_equal(host_log_count(LOG_WARN), 1);
	/* A guest that never reads: the buffer holds one byte, the
	 * keyboard 16, the rest is dropped (logged once). */
	for (int i = 0; i < VI8042_QUEUE_LEN + 4; i++)
		data(&c, 0xEE);
	assert_true(host_log_contains("queue is full"));
	assert_int_equal(c.dropped, 3);
	for (int i = 0; i < VI8042_QUEUE_LEN + 1; i++)
		assert_int_equal(next(&c, false), 0xEE);
	expect_empty(&c);
	/* Reset empties the keyboard's queue first. */
	for (int i = 0; i < 5; i++)
		data(&c, 0xEE);
	data(&c, 0xFF);
	assert_int_equal(next(&c, false), 0xEE);        /* already in the buffer */
	assert_int_equal(next(&c, false), 0xFA);
	assert_int_equal(next(&c, false), 0xAA);
	expect_empty(&c);
}

static void test_mouse(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	host_log_reset();
	/* 0xD4 enables the (initially disabled) aux port. */
	cmd(&c, 0xD4);
	data(&c, 0xFF);
	assert_false(c.ram[0] & VI8042_CTR_AUXDIS);
	/* AUXINT is off: no IRQ 12 though the buffer holds an aux byte. */
	assert_int_equal(vi8042_irq_lines(&c), 0);
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0xAA);
	assert_int_equal(next(&c, true), 0x00);
	expect_empty(&c);
	cmd(&c, 0x60);
	data(&c, 0x47);                                 /* both interrupts, XLATE, SYS */
	cmd(&c, 0xD4);
	data(&c, 0xF2);
	assert_int_equal(vi8042_irq_lines(&c), VI8042_IRQ12);
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0x00);         /* mouse bytes are never translated */
	/* Sample rate 200, resolution 3, enable, then status. */
	const uint8_t seq[] = { 0xF3, 200, 0xE8, 3, 0xE7, 0xF4, 0xE9 };
	for (unsigned i = 0; i < sizeof(seq); i++) {
		cmd(&c, 0xD4);
		data(&c, seq[i]);
	}
	for (int i = 0; i < 7; i++)
		assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0x30);         /* enabled, scaling 2:1 */
	assert_int_equal(next(&c, true), 3);
	assert_int_equal(next(&c, true), 200);
	/* Bad argument, unknown command: Resend; read data: one packet. */
	const uint8_t bad[] = { 0xF3, 55, 0x01, 0xEB };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		cmd(&c, 0xD4);
		data(&c, bad[i]);
	}
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0xFE);
	assert_int_equal(next(&c, true), 0xFE);
	assert_int_equal(c.mouse.sample_rate, 200);
	assert_true(host_log_contains("unknown mouse command 0x01"));
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0x08);
	assert_int_equal(next(&c, true), 0x00);
	assert_int_equal(next(&c, true), 0x00);
	/* Wrap mode echoes everything but 0xEC and 0xFF. */
	const uint8_t wrap[] = { 0xEE, 0xF2, 0x12, 0xEC, 0xF2 };
	for (unsigned i = 0; i < sizeof(wrap); i++) {
		cmd(&c, 0xD4);
		data(&c, wrap[i]);
	}
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0xF2);
	assert_int_equal(next(&c, true), 0x12);
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0xFA);
	assert_int_equal(next(&c, true), 0x00);
	expect_empty(&c);
	/* Without 0xD4 the byte goes to the keyboard, not the mouse. */
	data(&c, 0xF2);
	assert_int_equal(next(&c, false), 0xFA);
}

static void test_disabled_ports_hold_bytes(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	data(&c, 0xF2);                                 /* FA AB 41 */
	cmd(&c, 0xAD);
	assert_int_equal(next(&c, false), 0xFA);
	expect_empty(&c);                               /* AB waits in the keyboard */
	assert_int_equal(c.kbd.q.count, 2);
	cmd(&c, 0xD4);
	data(&c, 0xF2);                                 /* mouse FA 00 */
	cmd(&c, 0xA7);
	assert_int_equal(next(&c, true), 0xFA);
	expect_empty(&c);
	assert_int_equal(c.mouse.q.count, 1);
	cmd(&c, 0xAE);
	cmd(&c, 0xA8);
	/* Both enabled: the keyboard goes first. */
	assert_int_equal(next(&c, false), 0xAB);
	assert_int_equal(next(&c, false), 0x41);
	assert_int_equal(next(&c, true), 0x00);
	expect_empty(&c);
	/* A controller reply overwrites an unread byte, as on the chip. */
	data(&c, 0xEE);
	cmd(&c, 0xAA);
	assert_int_equal(next(&c, false), 0x55);
	expect_empty(&c);
}

static void test_controller_hostile(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	host_log_reset();
	/* A command abandons one awaiting its data: the byte then goes to
	 * the keyboard, the command byte is untouched. */
	cmd(&c, 0x60);
	cmd(&c, 0x20);
	assert_int_equal(next(&c, false), 0x65);
	data(&c, 0xF4);
	assert_int_equal(next(&c, false), 0xFA);
	cmd(&c, 0x20);
	assert_int_equal(next(&c, false), 0x65);
	/* Controller RAM beyond the command byte. */
	cmd(&c, 0x7F);
	data(&c, 0x5C);
	cmd(&c, 0x3F);
	assert_int_equal(next(&c, false), 0x5C);
	/* The status SYS bit is the command byte's; a self-test sets it. */
	cmd(&c, 0x60);
	data(&c, 0x00);
	assert_false(vi8042_read(&c, STATUS) & VI8042_STS_SYS);
	cmd(&c, 0xAA);
	assert_int_equal(next(&c, false), 0x55);
	assert_true(vi8042_read(&c, STATUS) & VI8042_STS_SYS);
	cmd(&c, 0x60);
	data(&c, 0x65);
	/* 0xD2 appears as a keyboard byte (untranslated), with IRQ 1. */
	cmd(&c, 0xD2);
	data(&c, 0x83);
	assert_int_equal(vi8042_irq_lines(&c), VI8042_IRQ1);
	assert_int_equal(next(&c, false), 0x83);
	/* Unknown controller commands: ignored, the first one logged. */
	cmd(&c, 0xC8);
	cmd(&c, 0xB5);
	expect_empty(&c);
	assert_int_equal(host_log_count(LOG_WARN), 1);
	assert_true(host_log_contains("unknown 8042 command 0xc8"));
	/* Input port; the output port with the OBF bits of the moment. */
	cmd(&c, 0xC0);
	assert_int_equal(next(&c, false), 0xA0);
	cmd(&c, 0xD0);
	assert_int_equal(next(&c, false), 0x03);        /* reset high, A20, empty */
	cmd(&c, 0xD3);
	data(&c, 1);
	cmd(&c, 0xD0);                                  /* replaces the aux byte */
	assert_int_equal(next(&c, false), 0x23);
	expect_empty(&c);
}

static void test_reset_line(void **state)
{
	struct vi8042 c;

	vi8042_init(&c);
	/* 0xF0-0xFF pulse the output bits that are 0 in the command. */
	assert_true(cmd(&c, 0xFE));
	assert_true(cmd(&c, 0xF0));
	assert_false(cmd(&c, 0xFF));
	assert_false(cmd(&c, 0xF1));
	/* The output port: bit 0 low resets; A20 stays on. */
	assert_false(cmd(&c, 0xD1));
	assert_false(data(&c, 0xDD));                   /* A20 "off", reset high */
	cmd(&c, 0xD0);
	assert_int_equal(next(&c, false) & 0x03, 0x03);
	assert_false(cmd(&c, 0xD1));
	assert_true(data(&c, 0xDE));
	/* Data without the command goes to the keyboard: no reset. */
	assert_false(data(&c, 0xDE));
	assert_int_equal(next(&c, false), 0xFE);
	/* 0xD1 abandoned by another command: its byte resets nothing. */
	cmd(&c, 0xD1);
	cmd(&c, 0xAB);
	assert_false(data(&c, 0x00));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_linux_probe),
		cmocka_unit_test(test_keyboard),
		cmocka_unit_test(test_keyboard_hostile),
		cmocka_unit_test(test_mouse),
		cmocka_unit_test(test_disabled_ports_hold_bytes),
		cmocka_unit_test(test_controller_hostile),
		cmocka_unit_test(test_reset_line),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
