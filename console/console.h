/* console.h - the console domain's own pieces (console/): the machine it
 * runs on (a plinth VM: 8259 pair, local APIC, COM1 passed through), the
 * serial driver, the hypercall client, and what the shell needs from them.
 * The pure parts (lineedit.c, shell.c) are host-tested; they reach the
 * machine only through con_write() and hc_call(). */
#ifndef CONSOLE_CONSOLE_H
#define CONSOLE_CONSOLE_H

#include <plinth/compiler.h>
#include <plinth/hypercall_abi.h>

/* ---- output (serial.c in the image, the test harness on the host) ---- */
/* Write bytes to the terminal as they are ("\n" is sent as "\r\n"). */
void con_write(const char *s, size_t len);
void con_puts(const char *s);
/* Formatted output (ksnprintf's conversions), at most 512 bytes a call. */
void con_printf(const char *fmt, ...) __printf(1, 2);

/* ---- hypercalls (hcall.c; faked in host tests) ---- */
/* Make call nr with four arguments; returns RAX (>= 0, or -HC_E*). Buffers
 * are passed as their addresses (identity mapped: address = GPA). */
long hc_call(unsigned nr, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3);
/* A short text for a negative hypercall result ("no such VM", ...). */
const char *hc_strerror(long err);

/* ---- the machine (machine.c, serial.c) ---- */
/* Program the 8259 pair, the local APIC timer (20 Hz) and the IDT. */
void machine_init(void);
/* Milliseconds of timer ticks since machine_init. */
uint64_t machine_ticks_ms(void);
/* Sleep until the next interrupt (HLT with interrupts on), unless
 * work_pending(), asked with interrupts off, says there is work already:
 * an interrupt that came after the caller last looked is not slept over. */
void machine_wait(bool (*work_pending)(void));
/* Program COM1 (115200 8N1, FIFOs, receive interrupt). */
void serial_init(void);
/* Next received byte, or -1. */
int serial_getc(void);
/* True if a received byte waits in the ring or in the UART. */
bool serial_rx_pending(void);
/* The COM1 interrupt (8259 IRQ 4): drain the FIFO into the ring. */
void serial_isr(void);
/* Stop the console domain the hard way (the restart test): a triple fault. */
__noreturn void machine_crash(void);

/* ---- the interrupt frame start.S builds ---- */
struct con_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;     /* as the CPU pushed them */
};
void con_trap(struct con_frame *f);

#endif
