/* irq.h - interrupt vectors and handler registration (arch/x86/irq.c,
 * idt.c, isr.S). Vectors 0-31 are exceptions (Intel SDM vol. 3 §7.3).
 * Handlers run with interrupts disabled; the dispatcher sends the LAPIC EOI
 * after a hardware-interrupt handler returns.
 * The constants before the C part are shared with isr.S (__ASSEMBLY__). */
#ifndef X86_IRQ_H
#define X86_IRQ_H

#define VEC_IRQ_BASE       0x20   /* first vector for device interrupts */
#define VEC_IRQ_LAST       0xDF
#define VEC_LAPIC_TIMER    0xF0
#define VEC_IPI_RESCHED    0xF1   /* "look at your run queue / pending requests" */
#define VEC_IPI_CALL       0xF2   /* run a cross-CPU function call */
#define VEC_IPI_STOP       0xF3   /* fallback to NMI for stopping CPUs */
#define VEC_LAPIC_ERROR    0xFE
#define VEC_SPURIOUS       0xFF   /* low 4 bits all ones: works on old xAPICs too */

/* Exception vectors (Intel SDM vol. 3 §7.15, Table 7-1; 28-30 are AMD's,
 * AMD APM vol. 2 §8.2). */
#define VEC_DE   0    /* divide error */
#define VEC_DB   1    /* debug */
#define VEC_NMI  2
#define VEC_BP   3    /* breakpoint (INT3) */
#define VEC_OF   4    /* overflow (INTO) */
#define VEC_BR   5    /* BOUND range exceeded */
#define VEC_UD   6    /* invalid opcode */
#define VEC_NM   7    /* device not available */
#define VEC_DF   8    /* double fault */
#define VEC_TS   10   /* invalid TSS */
#define VEC_NP   11   /* segment not present */
#define VEC_SS   12   /* stack-segment fault */
#define VEC_GP   13   /* general protection */
#define VEC_PF   14   /* page fault */
#define VEC_MF   16   /* x87 floating-point error */
#define VEC_AC   17   /* alignment check */
#define VEC_MC   18   /* machine check */
#define VEC_XM   19   /* SIMD floating-point */
#define VEC_VE   20   /* virtualization exception */
#define VEC_CP   21   /* control protection */
#define VEC_HV   28   /* AMD: hypervisor injection */
#define VEC_VC   29   /* AMD: VMM communication */
#define VEC_SX   30   /* AMD: security exception */
#define NUM_EXCEPTION_VECTORS 32
#define NUM_VECTORS 256

/* Exceptions for which the CPU pushes an error code (Intel SDM vol. 3 §7.3
 * Table 7-1 and §7.15: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP; AMD APM
 * vol. 2 §8.2: #VC, #SX): bit v set for vector v. isr.S pushes a zero for
 * every other vector so all frames look alike. */
#define EXC_ERRCODE_MASK 0x60227D00

/* Interrupt stack table slots (TSS IST1..IST3, Intel SDM vol. 3 §7.14.5). */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3

/* Byte offsets into struct irq_frame used by isr.S (checked in idt.c). */
#define IRQ_FRAME_RBP     64
#define IRQ_FRAME_VECTOR  120
#define IRQ_FRAME_RIP     136
#define IRQ_FRAME_SIZE    176

#ifndef __ASSEMBLY__
#include <plinth/compiler.h>

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

/* Install a handler for a vector (>= 32). Returns -EBUSY if taken, -EINVAL
 * for an exception vector or a NULL handler. */
int irq_set_handler(unsigned vector, irq_handler_fn fn);
/* Allocate a free device vector in VEC_IRQ_BASE..VEC_IRQ_LAST; -ENOSPC. */
int irq_alloc_vector(irq_handler_fn fn);
/* Remove the handler of a vector (>= 32) so it can be allocated again. */
void irq_free_vector(unsigned vector);
/* Build the shared IDT (once, on the BSP, before idt_load). */
void idt_init(void);
/* Per-CPU: load the IDT (the table itself is shared). */
void idt_load(void);
/* Print a frame's registers (and this CPU's CR0/CR2/CR3/CR4), and a
 * symbolised backtrace starting at rip then walking the frame-pointer chain
 * from rbp, to the console without taking locks (exception handlers, panic;
 * arch/x86/backtrace.c). */
void dump_frame(const struct irq_frame *frame);
void dump_backtrace(uint64_t rbp, uint64_t rip);

/* Called by isr.S only: route one interrupt or exception (arch/x86/irq.c). */
void irq_dispatch(struct irq_frame *frame);
/* Interrupts taken on vectors nobody registered (all CPUs, since boot). */
uint64_t irq_unexpected_count(void);

/* True for the exceptions that push an error code (EXC_ERRCODE_MASK). */
static inline bool exception_has_error_code(unsigned vector)
{
	return vector < NUM_EXCEPTION_VECTORS && ((EXC_ERRCODE_MASK >> vector) & 1);
}
#endif /* !__ASSEMBLY__ */

#endif
