/* trap.S - exception entry stubs of the test guests (32-bit): one stub per
 * vector 0-31 pushes a dummy error code where the CPU pushes none (SDM
 * vol. 3 §6.13: vectors 8, 10-14, 17, 21 push one) and the vector, then
 * guest_trap(frame) runs and may change the saved EIP. */
	.text
	.code32

.macro STUB vec
	.globl guest_trap_stub_\vec
guest_trap_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21)
	.else
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
.endr

trap_common:
	pusha
	push %esp                       /* struct guest_trap_frame * */
	cld
	call guest_trap
	add $4, %esp
	popa
	add $8, %esp                    /* vector, error code */
	iret

	.section .rodata
	.balign 4
	.globl guest_trap_stubs
guest_trap_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long guest_trap_stub_\v
.endr

	.section .note.GNU-stack, "", @progbits
