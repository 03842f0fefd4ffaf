/* isr.S - the entry stubs of all 256 vectors and the common path to C.
 *
 * Each stub makes every frame look alike: it pushes a zero where the CPU
 * pushes no error code (EXC_ERRCODE_MASK, Intel SDM vol. 3 §7.3 Table 7-1),
 * then the vector number, and jumps to isr_common, which pushes the 15
 * general registers. The result is struct irq_frame (include/x86/irq.h):
 *
 *   frame + 0    r15 ... r8, rbp, rdi, rsi, rdx, rcx, rbx, rax  (15 x 8)
 *   frame + 120  vector
 *   frame + 128  error code
 *   frame + 136  rip, cs, rflags, rsp, ss                       (pushed by the CPU)
 *
 * The offsets are checked against the C struct in idt.c. plinth runs only at
 * CPL 0 and never uses SSE in its own code, so there is no SWAPGS and no
 * FPU state to save. isr_stub_table[v] holds the address of vector v's stub
 * for idt.c. */
#include <x86/irq.h>

	.text
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld                             /* the ABI wants DF clear at calls */
	movq %rsp, %rdi                 /* irq_dispatch(struct irq_frame *) */
	/* A frame record {interrupted rbp, interrupted rip} so a backtrace taken
	 * inside a handler continues into the interrupted code. 16 bytes keep
	 * the stack 16-byte aligned. */
	pushq IRQ_FRAME_RIP(%rdi)
	pushq IRQ_FRAME_RBP(%rdi)
	movq %rsp, %rbp
	call irq_dispatch
	addq $16, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                  /* vector and error code */
	iretq

	.pushsection .rodata.isr_stub_table, "a"
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	.popsection

	.set .Lvec, 0
	.rept NUM_VECTORS
	.balign 8
1:
	.if .Lvec < NUM_EXCEPTION_VECTORS
	.if ((EXC_ERRCODE_MASK >> .Lvec) & 1) == 0
	pushq $0
	.endif
	.else
	pushq $0
	.endif
	pushq $.Lvec
	jmp isr_common
	.pushsection .rodata.isr_stub_table, "a"
	.quad 1b
	.popsection
	.set .Lvec, .Lvec + 1
	.endr

	.pushsection .rodata.isr_stub_table, "a"
isr_stub_table_end:
	.if (isr_stub_table_end - isr_stub_table) != NUM_VECTORS * 8
	.error "isr_stub_table must have one entry per vector"
	.endif
	.popsection

	.section .note.GNU-stack, "", @progbits
