/* flat64.S - test guest: a flat 64-bit image (vms.cfg format = flat,
 * entry = long, load_address = 0x100000), started by plinth directly in
 * long mode (vmm/vcpu_longmode.c): checks the state it was started in,
 * prints PASS/FAIL lines and a SUMMARY on COM1 and exits through the
 * test-exit port (0xF4) with the number of failures. */
#define COM1      0x3F8
#define EXIT_PORT 0xF4
#define RAM_TOP   0x1000000     /* memory = 16M in tests/boot/flat64-vms.cfg */

	.code64
	.text
	.globl _start
_start:
	lea stack_top(%rip), %rsp       /* RSP is 0 at entry; LEA leaves RFLAGS */
	pushfq                          /* RFLAGS as at entry */
	pop %r15
	xor %r12, %r12                  /* failures */
	xor %r13, %r13                  /* passes */

	/* IA32_EFER.LMA (bit 10): IA-32e mode is active. */
	mov $0xC0000080, %ecx
	rdmsr
	lea msg_lma(%rip), %rsi
	bt $10, %eax
	call check_c

	/* CR0.PG (31) and CR4.PAE (5): paging on, PAE tables. */
	mov %cr0, %rax
	lea msg_pg(%rip), %rsi
	bt $31, %rax
	call check_c
	mov %cr4, %rax
	lea msg_pae(%rip), %rsi
	bt $5, %rax
	call check_c

	/* CS 0x10 (64-bit code, or this would not run) and DS 0x18. */
	mov %cs, %ax
	mov %ds, %bx
	shl $16, %ebx
	or %ebx, %eax
	lea msg_seg(%rip), %rsi
	cmp $0x00180010, %eax
	call check_z

	/* Interrupts off at entry (RFLAGS.IF, bit 9, clear). */
	lea msg_if(%rip), %rsi
	bt $9, %r15
	cmc
	call check_c

	/* The identity map covers RAM: the last word of RAM is writable. */
	mov $RAM_TOP - 8, %rdi
	mov $0x5A5AA5A5DEADBEEF, %rax
	mov %rax, (%rdi)
	lea msg_map(%rip), %rsi
	cmp (%rdi), %rax
	call check_z

	/* SUMMARY: N passed, M failed (each < 10). */
	lea msg_sum(%rip), %rsi
	call puts
	mov %r13, %rax
	call putdigit
	lea msg_passed(%rip), %rsi
	call puts
	mov %r12, %rax
	call putdigit
	lea msg_failed(%rip), %rsi
	call puts

	mov $EXIT_PORT, %dx
	mov %r12d, %eax
	out %eax, %dx
1:	hlt
	jmp 1b

/* PASS if CF is set, else FAIL; %rsi the check's name. */
check_c:
	jc pass
	jmp fail
/* PASS if ZF is set, else FAIL. */
check_z:
	jz pass
fail:
	inc %r12
	push %rsi
	lea msg_fail(%rip), %rsi
	jmp 2f
pass:
	inc %r13
	push %rsi
	lea msg_pass(%rip), %rsi
2:	call puts
	pop %rsi
	call puts
	mov $'\n', %al
	jmp putc

/* Print the NUL-terminated string at %rsi. */
puts:
	lodsb
	test %al, %al
	jz 3f
	call putc
	jmp puts
3:	ret

putdigit:
	add $'0', %al
/* Print %al on COM1 once the transmitter holds nothing (LSR bit 5). */
putc:
	mov %eax, %r8d
	mov $COM1 + 5, %dx
4:	in %dx, %al
	test $0x20, %al
	jz 4b
	mov $COM1, %dx
	mov %r8d, %eax
	out %al, %dx
	ret

msg_pass:   .asciz "PASS: "
msg_fail:   .asciz "FAIL: "
msg_lma:    .asciz "EFER.LMA set (long mode active)"
msg_pg:     .asciz "CR0.PG set"
msg_pae:    .asciz "CR4.PAE set"
msg_seg:    .asciz "CS 0x10, DS 0x18"
msg_if:     .asciz "interrupts off at entry"
msg_map:    .asciz "RAM identity-mapped up to its last byte"
msg_sum:    .asciz "SUMMARY: "
msg_passed: .asciz " passed, "
msg_failed: .asciz " failed\n"

	.balign 16
	.skip 1024
stack_top:
