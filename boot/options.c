/* options.c - the hypervisor's boot options: their defaults, and THE table
 * that names them, says how each is parsed (lib/cmdline.c) and documents it.
 * To add an option: a field in struct hv_options (options.h), its default
 * below, one table row. Host-tested (tests/unit/test_options.c). */
#include <plinth/options.h>
#include <plinth/cmdline.h>
#include <plinth/log.h>
#include <plinth/string.h>
#include <x86/percpu.h>

struct hv_options hv_opts = {
	.console_port   = 0x3F8,
	.console_baud   = 115200,
	.loglevel       = LOG_INFO,
	.max_cpus       = MAX_CPUS,
	.x2apic         = true,
	.smep_smap      = true,
	.emu_exit       = EMU_EXIT_AUTO,
	.test_exit      = false,
	.sched_slice_ms = 10,
};

/* A word of a custom option's value: [s, s+len) equal to word. */
static bool value_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Named choices of a custom option. */
struct named_value {
	const char *name;
	uint64_t value;
};

static bool lookup_name(const struct named_value *names, size_t n, const char *s,
			size_t len, uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (value_is(s, len, names[i].name)) {
			*out = names[i].value;
			return true;
		}
	}
	return false;
}

/* The legacy PC serial ports (I/O addresses fixed by the IBM PC design
 * and used by every BIOS and emulator). */
static const struct named_value console_ports[] = {
	{ "com1", 0x3F8 }, { "com2", 0x2F8 }, { "com3", 0x3E8 }, { "com4", 0x2E8 },
	{ "none", 0 },
};

/* Rates the 16550 divisor (115200 / rate) gives exactly, as standard terminal
 * settings use them. */
static const uint32_t console_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
};

/* An 8250/16550 UART occupies 8 consecutive I/O ports. */
#define UART_PORT_SPAN 8

/* console=com1|com2|com3|com4|0xNNN|none[,baud] */
static int parse_console(const char *value, size_t len, const char **why)
{
	if (!value || len == 0) {
		*why = "missing value (com1..com4, an I/O port, or none)";
		return -EINVAL;
	}
	size_t port_len = 0;
	while (port_len < len && value[port_len] != ',')
		port_len++;

	uint64_t port;
	if (!lookup_name(console_ports, ARRAY_SIZE(console_ports), value, port_len, &port)) {
		if (str_parse_u64(value, port_len, false, &port) != 0 || port == 0 ||
		    port > 0x10000 - UART_PORT_SPAN) {
			*why = "port must be com1..com4, none, or an I/O port 0x1..0xfff8";
			return -EINVAL;
		}
	}

	uint32_t baud = hv_opts.console_baud;
	if (port_len < len) {
		const char *b = value + port_len + 1;
		size_t b_len = len - port_len - 1;
		uint64_t rate;
		if (port == 0) {
			*why = "a baud rate makes no sense with console=none";
			return -EINVAL;
		}
		if (str_parse_u64(b, b_len, false, &rate) != 0) {
			*why = "baud rate is not a number";
			return -EINVAL;
		}
		size_t i;
		for (i = 0; i < ARRAY_SIZE(console_bauds); i++)
			if (console_bauds[i] == rate)
				break;
		if (i == ARRAY_SIZE(console_bauds)) {
			*why = "baud rate must be 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200";
			return -EINVAL;
		}
		baud = (uint32_t)rate;
	}
	hv_opts.console_port = (uint16_t)port;
	hv_opts.console_baud = baud;
	return 0;
}

static const struct named_value loglevels[] = {
	{ "err", LOG_ERR }, { "warn", LOG_WARN }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

/* loglevel=0..3|err|warn|info|debug */
static int parse_loglevel(const char *value, size_t len, const char **why)
{
	uint64_t level;
	if (!value || len == 0) {
		*why = "missing value (0..3 or err, warn, info, debug)";
		return -EINVAL;
	}
	if (!lookup_name(loglevels, ARRAY_SIZE(loglevels), value, len, &level) &&
	    (str_parse_u64(value, len, false, &level) != 0 || level > LOG_DEBUG)) {
		*why = "expected 0..3 or err, warn, info, debug";
		return -EINVAL;
	}
	hv_opts.loglevel = level;
	return 0;
}

static const struct named_value emu_exit_modes[] = {
	{ "auto", EMU_EXIT_AUTO }, { "off", EMU_EXIT_OFF },
	{ "qemu", EMU_EXIT_QEMU }, { "bochs", EMU_EXIT_BOCHS },
};

/* emu_exit=auto|off|qemu|bochs */
static int parse_emu_exit(const char *value, size_t len, const char **why)
{
	uint64_t mode;
	if (!value || !lookup_name(emu_exit_modes, ARRAY_SIZE(emu_exit_modes), value, len, &mode)) {
		*why = "expected auto, off, qemu or bochs";
		return -EINVAL;
	}
	hv_opts.emu_exit = (enum emu_exit_mode)mode;
	return 0;
}

static const struct option_desc option_table[] = {
	{ .name = "console", .type = OPT_CUSTOM, .parse = parse_console,
	  .help = "serial console: com1|com2|com3|com4|0xPORT|none[,baud] (default com1,115200)" },
	{ .name = "loglevel", .type = OPT_CUSTOM, .parse = parse_loglevel,
	  .help = "log level: 0..3 or err|warn|info|debug (default info)" },
	{ .name = "smp", .type = OPT_UINT, .target = &hv_opts.max_cpus, .min = 1, .max = MAX_CPUS,
	  .help = "start at most N CPUs, 1..64 (default 64)" },
	{ .name = "x2apic", .type = OPT_BOOL, .target = &hv_opts.x2apic,
	  .help = "use x2APIC mode when the CPU has it: on|off (default on)" },
	{ .name = "smep", .type = OPT_BOOL, .target = &hv_opts.smep_smap,
	  .help = "enable SMEP, SMAP and UMIP when present: on|off (default on)" },
	{ .name = "emu_exit", .type = OPT_CUSTOM, .parse = parse_emu_exit,
	  .help = "how to end an emulator: auto|off|qemu|bochs (default auto)" },
	{ .name = "test_exit", .type = OPT_BOOL, .target = &hv_opts.test_exit,
	  .help = "power off / end the emulator when boot is done (default off)" },
	{ .name = "sched_slice_ms", .type = OPT_UINT, .target = &hv_opts.sched_slice_ms,
	  .min = 1, .max = 1000, .help = "scheduler time slice in ms, 1..1000 (default 10)" },
	{ .name = "panic_test", .type = OPT_BOOL, .target = &hv_opts.panic_test,
	  .help = "panic deliberately once booted, to test the panic path (default off)" },
	{ .name = "uart_rx_test", .type = OPT_BOOL, .target = &hv_opts.uart_rx_test,
	  .help = "once booted, read a line of serial input through the UART interrupt and log it (default off)" },
};

static void report_problem(const char *token, size_t len, const char *why)
{
	pr_warn("cmdline: %.*s: %s", (int)len, token, why);
}

/* Parse the command line into hv_opts: every problem is logged as a warning
 * and the option keeps its previous value. NULL is an empty command line. */
void options_parse(const char *cmdline)
{
	cmdline_parse(cmdline, option_table, ARRAY_SIZE(option_table), report_problem);
}

/* One "  name  help" line per option, in table order. */
void options_print_help(void)
{
	pr_info("options:");
	for (size_t i = 0; i < ARRAY_SIZE(option_table); i++)
		pr_info("  %-16s %s", option_table[i].name, option_table[i].help);
}
