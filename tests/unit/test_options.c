/* test_options.c - boot/options.c: defaults, every option's accepted forms,
 * and that bad values are logged as "cmdline: <token>: <why>" warnings and
 * leave the previous value in place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>

#include <plinth/options.h>
#include <plinth/log.h>
#include <plinth/string.h>
#include "host_support.h"

static struct hv_options defaults;

static int setup(void **state)
{
	hv_opts = defaults;
	host_log_reset();
	return 0;
}

/* Parse a line that must be fully understood. */
static void ok(const char *line)
{
	host_log_reset();
	options_parse(line);
	if (host_log_count(LOG_WARN) != 0)
		fail_msg("'%s' gave a warning: %s", line, host_last_problem());
}

/* Parse a line that must give exactly one warning containing msg, leaving
 * hv_opts unchanged. */
static void bad(const char *line, const char *msg)
{
	struct hv_options before = hv_opts;
	host_log_reset();
	options_parse(line);
	assert_int_equal(host_log_count(LOG_WARN), 1);
	if (!host_log_contains(msg))
		fail_msg("'%s': expected a warning containing '%s', got '%s'", line, msg,
			 host_last_problem());
	assert_memory_equal(&before, &hv_opts, sizeof(before));
}

static void test_defaults(void **state)
{
	assert_int_equal(defaults.console_port, 0x3f8);
	assert_int_equal(defaults.console_baud, 115200);
	assert_int_equal(defaults.loglevel, LOG_INFO);
	assert_int_equal(defaults.max_cpus, 64);
	assert_true(defaults.x2apic);
	assert_true(defaults.smep_smap);
	assert_int_equal(defaults.emu_exit, EMU_EXIT_AUTO);
	assert_false(defaults.test_exit);
	assert_int_equal(defaults.sched_slice_ms, 10);
	/* Nothing to parse changes nothing. */
	ok(NULL);
	ok("");
	assert_memory_equal(&defaults, &hv_opts, sizeof(defaults));
}

static void test_console(void **state)
{
	ok("console=com2");
	assert_int_equal(hv_opts.console_port, 0x2f8);
	assert_int_equal(hv_opts.console_baud, 115200);
	ok("console=com3,9600");
	assert_int_equal(hv_opts.console_port, 0x3e8);
	assert_int_equal(hv_opts.console_baud, 9600);
	ok("console=com4");   /* the baud rate stays */
	assert_int_equal(hv_opts.console_port, 0x2e8);
	assert_int_equal(hv_opts.console_baud, 9600);
	ok("console=0x2f8,1200");
	assert_int_equal(hv_opts.console_port, 0x2f8);
	assert_int_equal(hv_opts.console_baud, 1200);
	ok("console=com1,115200");
	assert_int_equal(hv_opts.console_port, 0x3f8);
	ok("console=none");
	assert_int_equal(hv_opts.console_port, 0);
	ok("console=0xfff8,57600");
	assert_int_equal(hv_opts.console_port, 0xfff8);

	bad("console", "cmdline: console: missing value");
	bad("console=", "missing value");
	bad("console=com5", "cmdline: console=com5: port must be");
	bad("console=COM1", "port must be");
	bad("console=0", "port must be");
	bad("console=0xfff9", "port must be");
	bad("console=0x10000", "port must be");
	bad("console=com1,9601", "baud rate must be");
	bad("console=com1,0", "baud rate must be");
	bad("console=com1,", "baud rate is not a number");
	bad("console=com1,fast", "baud rate is not a number");
	bad("console=com1,9600,8n1", "baud rate is not a number");
	bad("console=com1,9K", "baud rate is not a number");   /* no suffixes */
	bad("console=none,9600", "console=none");
	bad("console=,9600", "port must be");
}

static void test_loglevel(void **state)
{
	static const struct { const char *line; uint64_t level; } cases[] = {
		{ "loglevel=0", LOG_ERR }, { "loglevel=1", LOG_WARN }, { "loglevel=2", LOG_INFO },
		{ "loglevel=3", LOG_DEBUG }, { "loglevel=err", LOG_ERR },
		{ "loglevel=warn", LOG_WARN }, { "loglevel=info", LOG_INFO },
		{ "loglevel=debug", LOG_DEBUG }, { "loglevel=0x3", LOG_DEBUG },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		hv_opts.loglevel = 99;
		ok(cases[i].line);
		assert_int_equal(hv_opts.loglevel, cases[i].level);
	}
	bad("loglevel=4", "expected 0..3");
	bad("loglevel=verbose", "expected 0..3");
	bad("loglevel", "missing value");
	bad("loglevel=-1", "expected 0..3");
}

static void test_smp_and_slice(void **state)
{
	ok("smp=1");
	assert_int_equal(hv_opts.max_cpus, 1);
	ok("smp=64 sched_slice_ms=1000");
	assert_int_equal(hv_opts.max_cpus, 64);
	assert_int_equal(hv_opts.sched_slice_ms, 1000);
	ok("sched_slice_ms=1");
	assert_int_equal(hv_opts.sched_slice_ms, 1);
	bad("smp=0", "cmdline: smp=0: value out of range");
	bad("smp=65", "out of range");
	bad("smp=two", "not a number");
	bad("sched_slice_ms=0", "out of range");
	bad("sched_slice_ms=1001", "out of range");
	bad("sched_slice_ms=1K", "out of range");
}

static void test_bools(void **state)
{
	ok("x2apic=off smep=off test_exit");
	assert_false(hv_opts.x2apic);
	assert_false(hv_opts.smep_smap);
	assert_true(hv_opts.test_exit);
	ok("x2apic=on smep=on test_exit=off");
	assert_true(hv_opts.x2apic);
	assert_true(hv_opts.smep_smap);
	assert_false(hv_opts.test_exit);
	bad("x2apic=auto", "cmdline: x2apic=auto: expected on/off");
}

static void test_emu_exit(void **state)
{
	ok("emu_exit=qemu");
	assert_int_equal(hv_opts.emu_exit, EMU_EXIT_QEMU);
	ok("emu_exit=bochs");
	assert_int_equal(hv_opts.emu_exit, EMU_EXIT_BOCHS);
	ok("emu_exit=off");
	assert_int_equal(hv_opts.emu_exit, EMU_EXIT_OFF);
	ok("emu_exit=auto");
	assert_int_equal(hv_opts.emu_exit, EMU_EXIT_AUTO);
	bad("emu_exit=kvm", "expected auto, off, qemu or bochs");
	bad("emu_exit", "expected auto");
}

static void test_mixed_line(void **state)
{
	/* A typical GRUB line: the image path first is an unknown "option" and
	 * reported like any other, the rest still applies. */
	host_log_reset();
	options_parse("/boot/plinth.elf console=com2,38400 loglevel=debug bogus smp=4 test_exit");
	assert_int_equal(host_log_count(LOG_WARN), 2);
	assert_true(host_log_contains("cmdline: /boot/plinth.elf: unknown option"));
	assert_true(host_log_contains("cmdline: bogus: unknown option"));
	assert_int_equal(hv_opts.console_port, 0x2f8);
	assert_int_equal(hv_opts.console_baud, 38400);
	assert_int_equal(hv_opts.loglevel, LOG_DEBUG);
	assert_int_equal(hv_opts.max_cpus, 4);
	assert_true(hv_opts.test_exit);
}

static void test_help(void **state)
{
	host_log_reset();
	options_print_help();
	static const char *const names[] = {
		"console", "loglevel", "smp", "x2apic", "smep", "emu_exit", "test_exit",
		"sched_slice_ms", "panic_test", "uart_rx_test",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char line[40];
		snprintf(line, sizeof(line), "  %-16s ", names[i]);
		assert_true(host_log_contains(line));
	}
	assert_int_equal(host_log_count(LOG_INFO), ARRAY_SIZE(names) + 1);
}

int main(void)
{
	defaults = hv_opts;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_console),
		T(test_loglevel),
		T(test_smp_and_slice),
		T(test_bools),
		T(test_emu_exit),
		T(test_mixed_line),
		T(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
