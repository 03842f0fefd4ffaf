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
#include "../guest_gpr_swap.h"    /* and vmx_gpr_offsets.h */

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
	LOAD_GUEST_GPRS          /* RAX: VMRUN loads the guest's from the VMCB */
	sti
	vmrun %rax
	/* #VMEXIT: RAX = VMCB address, RSP as above, guest GPRs live. */
	cli
	STORE_GUEST_GPRS ptr_slot=16, scratch=%rcx
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
