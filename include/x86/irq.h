/* irq.h - interrupt vectors and handler registration (arch/x86/irq.c,
 * idt.c, isr.S). Vectors 0-31 are exceptions (Intel SDM vol. 3 §7.3).
 * Handlers run with interrupts disabled; the dispatcher sends the LAPIC EOI
 * after a hardware-interrupt handler returns. */
#ifndef X86_IRQ_H
#define X86_IRQ_H

#include <plinth/compiler.h>

#define VEC_IRQ_BASE       0x20   /* first vector for device interrupts */
#define VEC_IRQ_LAST       0xDF
#define VEC_LAPIC_TIMER    0xF0
#define VEC_IPI_RESCHED    0xF1   /* "look at your run queue / pending requests" */
#define VEC_IPI_CALL       0xF2   /* run a cross-CPU function call */
#define VEC_IPI_STOP       0xF3   /* fallback to NMI for stopping CPUs */
#define VEC_LAPIC_ERROR    0xFE
#define VEC_SPURIOUS       0xFF   /* low 4 bits all ones: works on old xAPICs too */

/* The register state pushed by the interrupt/exception stubs (isr.S).
 * Field order is the push order reversed; isr.S relies on the offsets,
 * which are checked with _Static_assert in arch/x86/idt.c. */
struct irq_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;   /* 0 when the CPU pushes none */
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

typedef void (*irq_handler_fn)(struct irq_frame *frame);

/* Install a handler for a vector (>= 32). Returns -EBUSY if taken. */
int irq_set_handler(unsigned vector, irq_handler_fn fn);
/* Allocate a free device vector in VEC_IRQ_BASE..VEC_IRQ_LAST; -ENOSPC. */
int irq_alloc_vector(irq_handler_fn fn);
/* Per-CPU: load the IDT (the table itself is shared). */
void idt_load(void);
/* Print the frame's registers and a symbolised backtrace to the console
 * (used by the exception handlers and panic). */
void dump_frame(const struct irq_frame *frame);
void dump_backtrace(uint64_t rbp, uint64_t rip);

#endif
