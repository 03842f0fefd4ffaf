/* flat16.S - test guest: a flat 16-bit image (vms.cfg format = flat,
 * entry = real, load_address = 0x7C00), started as a BIOS starts a boot
 * sector: real mode at 0000:7C00. Checks the mode it was started in,
 * prints PASS/FAIL lines and a SUMMARY on COM1 and exits through the
 * test-exit port (0xF4) with the number of failures. */
#define COM1      0x3F8
#define EXIT_PORT 0xF4

	.code16
	.text
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7C00, %sp
	xor %di, %di                    /* failures */

	/* CR0.PE (bit 0) clear: real mode (SMSW reads CR0[15:0]). */
	smsw %ax
	mov $msg_pe, %si
	test $1, %al
	call check_z

	/* CS = 0 and IP where the image was loaded: 0000:7C00 + offset. */
	call 1f
1:	pop %bx
	mov %cs, %ax
	mov $msg_cs, %si
	test %ax, %ax
	jnz 2f
	cmp $1b, %bx
2:	call check_z

	/* 16-bit default operand size: PUSH moves SP by 2. */
	mov %sp, %bx
	push %ax
	mov %sp, %cx
	pop %ax
	sub %cx, %bx
	mov $msg_16, %si
	cmp $2, %bx
	call check_z

	/* Real-mode addressing: linear = segment * 16 + offset; 1000:0000
	 * and 0FFF:0010 name the same byte (0x10000). */
	mov $0x1000, %ax
	mov %ax, %es
	movw $0x5AA5, %es:0
	mov $0x0FFF, %ax
	mov %ax, %fs
	mov $msg_seg, %si
	cmpw $0x5AA5, %fs:0x10
	call check_z

	mov $msg_sum1, %si              /* "SUMMARY: P passed, F failed" */
	call puts
	mov $COM1, %dx
	mov $4, %ax
	sub %di, %ax
	add $'0', %al
	out %al, %dx
	mov $msg_sum2, %si
	call puts
	mov %di, %ax
	add $'0', %al
	out %al, %dx
	mov $msg_sum3, %si
	call puts
	mov %di, %ax
	out %al, $EXIT_PORT
3:	hlt
	jmp 3b

/* ZF set: print "PASS: " + (si), else "FAIL: " + (si) and count it. */
check_z:
	push %si
	mov $msg_pass, %si
	jz 4f
	mov $msg_fail, %si
	inc %di
4:	call puts
	pop %si
	call puts
	ret

/* Print the NUL-terminated string at DS:SI on COM1. */
puts:
	push %ax
	push %dx
	mov $COM1, %dx
5:	lodsb
	test %al, %al
	jz 6f
	out %al, %dx
	jmp 5b
6:	pop %dx
	pop %ax
	ret

msg_pass: .asciz "PASS: "
msg_fail: .asciz "FAIL: "
msg_pe:   .asciz "real mode (CR0.PE = 0)\n"
msg_cs:   .asciz "started at 0000:7C00\n"
msg_16:   .asciz "16-bit stack\n"
msg_seg:  .asciz "real-mode segment arithmetic\n"
msg_sum1: .asciz "SUMMARY: "
msg_sum2: .asciz " passed, "
msg_sum3: .asciz " failed\n"

	.section .note.GNU-stack, "", @progbits
