/* start.S - entry of every test guest: a Multiboot 1 header (Multiboot
 * spec 0.6.96 §3.1) and the 32-bit entry, which sets a stack and calls
 * guest_main(magic, info) with what the loader left in EAX and EBX
 * (§3.2), then exits through the test-exit port with its return value. */
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00000003          /* page-align modules, want memory info */

	.section .multiboot, "a"
	.balign 4
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.text
	.code32
	.globl _start
_start:
	mov $stack_top, %esp
	push %ebx
	push %eax
	call guest_main
	push %eax
	call guest_exit                 /* does not return */
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
