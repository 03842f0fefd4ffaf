/* smp_tramp.S - the application processor's start for the smp test guest
 * (tests/guests/smp.c). The BSP copies smp_tramp_start..smp_tramp_end to
 * smp_tramp_phys (below 1 MiB, 4 KiB aligned) and sends INIT, SIPI, SIPI
 * with vector smp_tramp_phys >> 12. A SIPI starts the AP in real mode at
 * CS = vector << 8 (base vector << 12), IP = 0 (Intel SDM vol. 3 §8.4.4.1,
 * §11.6.1 "Start-Up"). The trampoline loads a flat GDT, sets CR0.PE and
 * jumps to smp_ap_entry32 in the guest image at 1 MiB, which counts the
 * start, takes a stack of its own and calls smp_ap_main(start index). */
#define TRAMP_PHYS  0x8000            /* SIPI vector 0x08 */
#define AP_STACK_SIZE 4096
#define AP_STACKS     2               /* a third start parks: smp.c reports it */

	.globl smp_tramp_phys
	.equ smp_tramp_phys, TRAMP_PHYS

/* Copied, so position-independent: everything is addressed relative to
 * CS = TRAMP_PHYS >> 4 (data) or as TRAMP_PHYS + offset (the GDT base). */
	.section .rodata
	.code16
	.balign 16
	.globl smp_tramp_start, smp_tramp_end
smp_tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/* 32-bit operand size: LGDT loads the whole 32-bit base even in real
	 * mode (SDM vol. 2 "LGDT/LIDT"). */
	lgdtl tramp_gdtr - smp_tramp_start
	/* CR0 = PE | ET: protected mode with paging off; CD and NW, which
	 * INIT leaves as they were (SDM vol. 3 §9.1.1 Table 9-1, set at
	 * power-up), are cleared so the AP caches like the BSP. */
	mov $0x00000011, %eax
	mov %eax, %cr0
	/* A far jump loads CS from the new GDT (SDM vol. 3 §9.9.1 step 4). */
	ljmpl $0x08, $smp_ap_entry32

	.balign 8
tramp_gdt:                            /* null, flat code 0x08, flat data 0x10 */
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
tramp_gdtr:
	.word 3 * 8 - 1
	.long TRAMP_PHYS + (tramp_gdt - smp_tramp_start)
smp_tramp_end:

	.text
	.code32
	.globl smp_ap_entry32
smp_ap_entry32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	/* Count this start (shared with the BSP): a second SIPI to a running
	 * AP must be ignored, so the count must end at exactly 1. */
	mov $1, %eax
	lock xadd %eax, smp_ap_starts
	cmp $AP_STACKS, %eax
	jae 2f
	/* Stack: the top of smp_ap_stacks[index]. */
	lea 1(%eax), %ecx
	imul $AP_STACK_SIZE, %ecx
	lea smp_ap_stacks(%ecx), %esp
	push %eax
	call smp_ap_main                /* does not return */
2:	cli
	hlt
	jmp 2b

	.section .note.GNU-stack, "", @progbits
