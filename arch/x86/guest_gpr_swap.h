/* guest_gpr_swap.h - assembler macros (for vmx/vmx_entry.S and
 * svm/svm_entry.S) that load the guest's general-purpose registers from
 * struct vcpu.gpr[] before VM entry and store them back after the exit:
 * the registers neither the VMCS (Intel SDM vol. 3C §25.4.1: RSP, RIP,
 * RFLAGS only) nor the VMCB (AMD APM vol. 2 §15.5.1: also RAX) holds.
 * Offsets from vmx/vmx_gpr_offsets.h, _Static_assert'ed against enum
 * insn_gpr by vmx_ops.c and svm_ops.c. Assembler only. */
#ifndef ARCH_X86_GUEST_GPR_SWAP_H
#define ARCH_X86_GUEST_GPR_SWAP_H

#ifndef __ASSEMBLER__
#error "guest_gpr_swap.h is for .S files"
#endif

#include "vmx/vmx_gpr_offsets.h"

/* Move one guest register between reg and its slot at off(%rdi): load=1
 * into reg, load=0 from it. */
.macro GUEST_GPR_MOVE load, off, reg
	.if \load
	mov \off(%rdi), \reg
	.else
	mov \reg, \off(%rdi)
	.endif
.endm

/* The same for every guest GPR but RAX (the VMCB holds it on SVM), RSP (the
 * VMCS and the VMCB hold it) and RDI (the array's address meanwhile). */
.macro GUEST_GPRS_MOVE load
	GUEST_GPR_MOVE \load, GPR_RCX, %rcx
	GUEST_GPR_MOVE \load, GPR_RDX, %rdx
	GUEST_GPR_MOVE \load, GPR_RBX, %rbx
	GUEST_GPR_MOVE \load, GPR_RBP, %rbp
	GUEST_GPR_MOVE \load, GPR_RSI, %rsi
	GUEST_GPR_MOVE \load, GPR_R8, %r8
	GUEST_GPR_MOVE \load, GPR_R9, %r9
	GUEST_GPR_MOVE \load, GPR_R10, %r10
	GUEST_GPR_MOVE \load, GPR_R11, %r11
	GUEST_GPR_MOVE \load, GPR_R12, %r12
	GUEST_GPR_MOVE \load, GPR_R13, %r13
	GUEST_GPR_MOVE \load, GPR_R14, %r14
	GUEST_GPR_MOVE \load, GPR_R15, %r15
.endm

/* RDI holds the gpr array's address: load every guest GPR but RSP from it,
 * RAX only when rax=1 (SVM's VMRUN takes the guest RAX from the VMCB),
 * RDI last (it is the pointer until then). Flags are unchanged (MOV). */
.macro LOAD_GUEST_GPRS rax=0
	.if \rax
	mov GPR_RAX(%rdi), %rax
	.endif
	GUEST_GPRS_MOVE load=1
	mov GPR_RDI(%rdi), %rdi
.endm

/* Right after the exit, guest registers live: store every guest GPR but
 * RSP into the gpr array whose address is at ptr_slot(%rsp), RAX only when
 * rax=1. The guest's RDI goes through the stack and then through scratch
 * (a register whose guest value is already stored, or not kept: RAX when
 * rax=1). Leaves RDI = the array's address and RSP as it found it. */
.macro STORE_GUEST_GPRS ptr_slot, scratch, rax=0
	push %rdi                 /* guest RDI; the gpr pointer is now 8 deeper */
	mov (\ptr_slot + 8)(%rsp), %rdi
	.if \rax
	mov %rax, GPR_RAX(%rdi)
	.endif
	GUEST_GPRS_MOVE load=0
	pop \scratch
	mov \scratch, GPR_RDI(%rdi)
.endm

#endif
