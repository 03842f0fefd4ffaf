/* svm_entry.S - VMRUN and #VMEXIT (AMD APM vol. 2 §15.5 "VMRUN", §15.6
 * "#VMEXIT", §15.5.2 VMSAVE/VMLOAD). The only SVM code in assembly: it swaps
 * the general-purpose registers the VMCB does not hold (all but RAX and
 * RSP) and the state VMRUN does not switch (FS, GS, TR, LDTR with their
 * hidden parts, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*).
 *
 * Order, with the global interrupt flag clear throughout so no interrupt
 * or NMI can run on the guest's GS base:
 *   CLGI; VMSAVE host area; VMLOAD guest VMCB; STI; VMRUN; CLI;
 *   VMSAVE guest VMCB; VMLOAD host area; STGI.
 * STI before VMRUN: with V_INTR_MASKING=1 the host's RFLAGS.IF at VMRUN
 * decides whether physical interrupts cause #VMEXIT(INTR) (§15.21.1);
 * GIF=0 keeps them pending in the host until the caller restores IF.
 *
 * VMRUN saves host RSP/RIP/RAX in VM_HSAVE_PA and #VMEXIT restores them
 * (§15.5.1, §15.6): RAX holds the VMCB address again after the exit, and
 * the stack is as VMRUN left it:
 *     0(%rsp)   guest VMCB physical address
 *     8(%rsp)   host save VMCB physical address
 *     16(%rsp)  gpr pointer (struct vcpu.gpr)
 *     24(%rsp)  r15, r14, r13, r12, rbx, rbp  (host callee-saved)
 *               return address into svm_run() */
#include "../vmx/vmx_gpr_offsets.h"

	.text
	.code64

/* void svm_enter(uint64_t *gpr, paddr_t vmcb_pa, paddr_t host_vmcb_pa) */
	.globl svm_enter
	.type svm_enter, @function
svm_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	push %rdx
	push %rsi
	clgi
	mov %rdx, %rax
	vmsave %rax               /* host FS/GS/TR/LDTR/syscall MSRs */
	mov %rsi, %rax
	vmload %rax               /* the guest's */
	mov GPR_RCX(%rdi), %rcx
	mov GPR_RDX(%rdi), %rdx
	mov GPR_RBX(%rdi), %rbx
	mov GPR_RBP(%rdi), %rbp
	mov GPR_RSI(%rdi), %rsi
	mov GPR_R8(%rdi), %r8
	mov GPR_R9(%rdi), %r9
	mov GPR_R10(%rdi), %r10
	mov GPR_R11(%rdi), %r11
	mov GPR_R12(%rdi), %r12
	mov GPR_R13(%rdi), %r13
	mov GPR_R14(%rdi), %r14
	mov GPR_R15(%rdi), %r15
	mov GPR_RDI(%rdi), %rdi
	sti
	vmrun %rax
	/* #VMEXIT: RAX = VMCB address, RSP as above, guest GPRs live. */
	cli
	push %rdi                 /* guest RDI; the gpr pointer is now at 24(%rsp) */
	mov 24(%rsp), %rdi
	mov %rcx, GPR_RCX(%rdi)
	mov %rdx, GPR_RDX(%rdi)
	mov %rbx, GPR_RBX(%rdi)
	mov %rbp, GPR_RBP(%rdi)
	mov %rsi, GPR_RSI(%rdi)
	mov %r8, GPR_R8(%rdi)
	mov %r9, GPR_R9(%rdi)
	mov %r10, GPR_R10(%rdi)
	mov %r11, GPR_R11(%rdi)
	mov %r12, GPR_R12(%rdi)
	mov %r13, GPR_R13(%rdi)
	mov %r14, GPR_R14(%rdi)
	mov %r15, GPR_R15(%rdi)
	pop %rcx
	mov %rcx, GPR_RDI(%rdi)
	pop %rax                  /* guest VMCB */
	vmsave %rax
	pop %rax                  /* host save area */
	vmload %rax
	stgi
	add $8, %rsp              /* the gpr pointer */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size svm_enter, . - svm_enter

	.section .note.GNU-stack, "", @progbits
