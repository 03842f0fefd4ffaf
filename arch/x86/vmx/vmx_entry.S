/* vmx_entry.S - VM entry and VM exit (Intel SDM vol. 3C §27 VM entries,
 * §28 VM exits). The only VMX code in assembly: it swaps the general-purpose
 * registers the VMCS does not hold. Everything else is C.
 *
 * Stack while the guest runs (HOST_RSP points at the top):
 *     HOST_RSP + 0   gpr pointer (struct vcpu.gpr)
 *     HOST_RSP + 8   r15, r14, r13, r12, rbx, rbp   (host callee-saved)
 *                    return address into vmx_run()
 * A VM exit restores RSP = HOST_RSP and RIP = vmx_exit_stub, all other
 * general-purpose registers hold the guest's values (§28.5.3). */
#include "../guest_gpr_swap.h"    /* and vmx_gpr_offsets.h */

	.text
	.code64

/* int vmx_enter(uint64_t *gpr, int launched) */
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	/* HOST_RSP changes with the caller's stack depth: write it each time. */
	mov $VMCS_HOST_RSP_FIELD, %eax
	vmwrite %rsp, %rax
	jbe .Lfail
	/* ZF from here to VMLAUNCH/VMRESUME: MOV does not change flags. */
	test %esi, %esi
	LOAD_GUEST_GPRS rax=1
	jnz 1f
	vmlaunch
	jmp .Lfail        /* reached only if VMLAUNCH failed */
1:	vmresume
	/* VMRESUME failed: fall through. */
.Lfail:
	add $8, %rsp      /* the gpr pointer */
	mov $1, %eax
	jmp .Lrestore_host

	.globl vmx_exit_stub
	.type vmx_exit_stub, @function
vmx_exit_stub:
	STORE_GUEST_GPRS ptr_slot=0, scratch=%rax, rax=1
	add $8, %rsp              /* the gpr pointer */
	xor %eax, %eax
.Lrestore_host:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size vmx_enter, . - vmx_enter

	.section .note.GNU-stack, "", @progbits
