/* traps.h - exception handling and the panic machinery of arch/x86
 * (traps.c, panic.c, trap_format.c). The public entry point is panic()
 * in <plinth/panic.h>; this is what the arch code shares underneath it. */
#ifndef X86_TRAPS_H
#define X86_TRAPS_H

#include <plinth/compiler.h>
#include <x86/irq.h>

/* ---- traps.c ---- */
/* Handle exception frame->vector (< 32): NMI returns (or stops this CPU
 * during a panic); everything else reports and panics. */
void trap_dispatch(struct irq_frame *frame);

/* ---- backtrace.c (also dump_frame, dump_backtrace of irq.h) ---- */
/* Print the 16 bytes at rip, when they are mapped. */
void dump_code_bytes(uint64_t rip);
/* dump_backtrace() for an exception frame: also offers the word at rsp as
 * the probable caller of a frameless leaf function (marked "?"). */
void dump_backtrace_at(uint64_t rbp, uint64_t rip, uint64_t rsp);
/* True if va is mapped in the active page tables (4-level walk). */
bool va_mapped(uint64_t va);

/* ---- panic.c ---- */
/* Start a panic on this CPU: interrupts off, claim the single panic slot,
 * NMI every other online CPU and wait (bounded) until they stopped.
 * Returns only to the one CPU that won; a CPU that loses the race stops.
 * If this CPU is already panicking (a fault in the report), it prints
 * "*** <what> while panicking" once and ends the panic. */
void panic_enter(const char *what);
/* End a panic: leave the emulator (emu_exit(3)) and halt forever. */
__noreturn void panic_finish(void);
/* True once some CPU has entered panic_enter(). */
bool panic_in_progress(void);
/* True if the panic in progress is this CPU's. */
bool panic_owned_by_this_cpu(void);
/* Called on a CPU that must stop (NMI during another CPU's panic):
 * record it as stopped, then halt with interrupts off forever. */
__noreturn void panic_stop_this_cpu(void);
/* Formatted output straight to the UART without locks (uart_write_panic):
 * safe on a CPU that was interrupted while holding the log or UART lock. */
void panic_printf(const char *fmt, ...) __printf(1, 2);
/* Halt this CPU forever (interrupts off; an NMI wakes it and it halts again). */
__noreturn void cpu_halt_forever(void);

/* ---- trap_format.c (pure, host-tested) ----
 * Each formatter writes a NUL-terminated string into buf (size > 0),
 * truncating if needed, and returns the length written. */
/* "#PF", "NMI", ...; "#RES" for reserved vectors, "IRQ" for vectors >= 32. */
const char *exception_mnemonic(unsigned vector);
/* "page fault", ...; "reserved" / "interrupt" likewise. */
const char *exception_name(unsigned vector);
/* Page-fault error code (Intel SDM vol. 3 §4.7, Figure 4-12), e.g.
 * "not-present write supervisor data-access". */
size_t format_pf_error(char *buf, size_t size, uint64_t err);
/* Selector error code of #TS/#NP/#SS/#GP (Intel SDM vol. 3 §7.13), e.g.
 * "GDT selector 0x18" or "no selector". */
size_t format_selector_error(char *buf, size_t size, uint64_t err);
/* The general registers, RIP, RFLAGS, CS/SS of a frame, several lines,
 * each ending in '\n'. */
size_t format_regs(char *buf, size_t size, const struct irq_frame *f);
/* "EXCEPTION #PF (vector 14) error 0x2 on CPU 1 at RIP ffff... sym+0x1c"
 * (sym may be NULL: no symbol part). No newline. */
size_t format_exception_headline(char *buf, size_t size, const struct irq_frame *f,
				 unsigned cpu, const char *sym, uint64_t sym_off);

#endif
