/* main.c - the console domain: plinth's administration shell on the
 * physical serial port. The loop: take keys from COM1 (interrupt-driven)
 * and feed them to the line editor, or to the attached VM's UART; every
 * timer tick show new VM output (mirrored "[NAME] line"s, or the attached
 * VM's console as it comes); sleep in HLT between. */
#include <plinth/string.h>
#include "console.h"
#include "lineedit.h"
#include "shell.h"

#define KEY_DETACH 0x1D          /* Ctrl-] (as telnet and QEMU's monitor) */
#define POLL_MS    50

static struct lineedit le;
static struct shell sh;

static void emit_term(void *ctx, const char *s, size_t len)
{
	/* The editor sends exactly the bytes the terminal must see. */
	for (size_t i = 0; i < len; i++)
		con_write(&s[i], 1);
}

static void hide_input(void *ctx)
{
	con_puts("\r\x1b[K");
}

static void show_input(void *ctx)
{
	con_puts(SHELL_PROMPT);
	le_redraw(&le);
}

static void prompt(void)
{
	le_reset(&le);
	con_puts(SHELL_PROMPT);
}

/* A finished line: reject what the editor had to drop, else run it. */
static void run_line(void)
{
	if (le.overflow)
		con_printf("error: line too long (at most %u characters); ignored\n", LE_MAX);
	else if (le.noise)
		con_puts("error: control characters or non-ASCII bytes in the line; ignored\n");
	else
		shell_exec(&sh, le.line);
	if (sh.crash)
		machine_crash();
}

static void attached_key(int c)
{
	char b = (char)c;

	if (c == KEY_DETACH) {
		shell_detach(&sh);
		prompt();
		return;
	}
	if (shell_attached_input(&sh, &b, 1) < 0) {
		shell_detach(&sh);
		prompt();
	}
}

__noreturn void con_main(void);
__noreturn void con_main(void)
{
	static struct hc_host_info hi;
	uint64_t last_poll = 0;
	long abi;

	serial_init();
	machine_init();
	le_init(&le, emit_term, NULL);
	shell_init(&sh);
	sh.hide_input = hide_input;
	sh.show_input = show_input;
	abi = hc_call(HC_VERSION, 0, 0, 0, 0);
	if (hc_call(HC_HOST_INFO, (uintptr_t)&hi, 0, 0, 0) == 0 && hi.console_starts > 1)
		sh.mirror_from_end = true;
	con_printf("\nplinth console domain (hypercall ABI %ld)%s%s; type help\n", abi,
		   abi == PLINTH_HC_ABI ? "" : " - ABI MISMATCH",
		   sh.mirror_from_end ? ", restarted" : "");
	prompt();
	for (;;) {
		int c;

		while ((c = serial_getc()) >= 0) {
			if (sh.attached) {
				attached_key(c);
				continue;
			}
			switch (le_feed(&le, (uint8_t)c)) {
			case LE_LINE:
				run_line();
				if (!sh.attached)
					prompt();
				else
					shell_attached_poll(&sh);   /* the replay */
				break;
			case LE_CANCEL:
				prompt();
				break;
			default:
				break;
			}
		}
		if (machine_ticks_ms() - last_poll >= POLL_MS) {
			last_poll = machine_ticks_ms();
			if (sh.attached) {
				if (shell_attached_poll(&sh) < 0) {
					shell_detach(&sh);
					prompt();
				}
			} else {
				shell_mirror_poll(&sh);
			}
		}
		machine_wait(serial_rx_pending);
	}
}
