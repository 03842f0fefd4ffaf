/* options.h - the hypervisor's boot options, parsed from the command line
 * by boot/options.c (the one table of options). */
#ifndef PLINTH_OPTIONS_H
#define PLINTH_OPTIONS_H

#include <plinth/compiler.h>

enum emu_exit_mode { EMU_EXIT_AUTO = 0, EMU_EXIT_OFF, EMU_EXIT_QEMU, EMU_EXIT_BOCHS };

struct hv_options {
	uint16_t console_port;     /* 0 = no serial console; default 0x3F8 */
	uint32_t console_baud;     /* default 115200 */
	uint64_t loglevel;         /* enum log_level, default LOG_INFO */
	uint64_t max_cpus;         /* "smp=N": start at most N CPUs (default MAX_CPUS) */
	bool x2apic;               /* use x2APIC when present (default on) */
	bool smep_smap;            /* enable SMEP/SMAP/UMIP when present (default on) */
	enum emu_exit_mode emu_exit;  /* how panic/test_exit end an emulator */
	bool test_exit;            /* when boot (and, later, every autostart VM) is done, power off / end the emulator */
	uint64_t sched_slice_ms;   /* scheduler time slice (default 10) */
	bool panic_test;           /* panic deliberately once booted (tests the panic path) */
	bool uart_rx_test;         /* once booted, read one line of serial input through IRQs and log it */
};

extern struct hv_options hv_opts;

/* Parse bi->cmdline into hv_opts; problems are logged as warnings. */
void options_parse(const char *cmdline);
/* Print "option: help" lines for every known option. */
void options_print_help(void);

#endif
