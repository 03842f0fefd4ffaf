/* start.S - entry of the console domain: a Multiboot 1 header (Multiboot
 * spec 0.6.96 §3.1), then from the 32-bit protected-mode state a Multiboot
 * loader leaves (§3.2) into 64-bit long mode (Intel SDM vol. 3 §10.8.5:
 * PAE page tables, EFER.LME, CR0.PG, a far jump to a 64-bit code segment),
 * with the first 4 GiB identity mapped by 2 MiB pages, so a pointer is its
 * guest-physical address (what hypercalls take). Also the interrupt entry
 * stubs: each pushes its vector and calls con_trap(frame) (console.h). */
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00000003          /* page-align modules, want memory info */

	.section .multiboot, "a"
	.balign 4
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	mov $boot_stack_top, %esp
	mov %eax, mb_magic
	mov %ebx, mb_info
	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages
	 * (present, writable, PS: SDM vol. 3 §4.5, table 4-17). */
	mov $pdpt, %eax
	or $0x3, %eax
	mov %eax, pml4
	mov $0, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	add $pd, %eax
	or $0x3, %eax
	mov %eax, pdpt(,%ecx,8)
	inc %ecx
	cmp $4, %ecx
	jne 1b
	mov $0, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, pd(,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b
	mov %cr4, %eax
	or $0x20, %eax                  /* CR4.PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* IA32_EFER */
	rdmsr
	or $0x100, %eax                 /* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax            /* PG | PE */
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $stack_top, %rsp
	call con_main
3:	cli
	hlt
	jmp 3b

/* Interrupt stubs: vector in the frame, then the general registers. */
.macro STUB vec, has_error
	.globl trap_stub_\vec
trap_stub_\vec:
	.if \has_error == 0
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

trap_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	call con_trap
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp                   /* vector and error code */
	iretq

	STUB 0, 0
	STUB 6, 0
	STUB 8, 1
	STUB 13, 1
	STUB 14, 1
	STUB 32, 0                      /* 8259 IRQ 0 (spurious sources) */
	STUB 36, 0                      /* 8259 IRQ 4: COM1 */
	STUB 39, 0                      /* 8259 IRQ 7: spurious */
	STUB 64, 0                      /* local APIC timer */

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: data, DPL 0 */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long gdt

	.data
	.globl mb_magic, mb_info
mb_magic: .long 0
mb_info:  .long 0

	.bss
	.balign 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4 * 4096
	.balign 16
	.space 1024
boot_stack_top:
	.space 32768
stack_top:

	.section .note.GNU-stack, "", @progbits
