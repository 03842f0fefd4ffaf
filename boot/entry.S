/* entry.S - from the boot loader to C in 64-bit mode.
 *
 * Two ways in:
 *  _start32            multiboot 1/2: 32-bit protected mode, paging off,
 *                      EAX = loader magic, EBX = info (Multiboot §3.2,
 *                      Multiboot2 §3.3 "I386 machine state").
 *  plinth_efi_entry64  plinth.efi: 64-bit mode on the firmware's identity
 *                      map, boot services exited, RDI = struct boot_info,
 *                      RSI = BOOT_EFI_HANDOFF_MAGIC.
 * Both build the boot page tables below, load the boot GDT, jump to the
 * image's link address (top 2 GiB) and call boot_entry(magic, info). This code
 * runs at physical addresses, so every data reference is PA(sym) in 32-bit
 * code and RIP-relative in 64-bit code (RIP-relative addressing yields the
 * physical address while we execute at the physical address).
 *
 * Boot page tables (2 MiB pages, Intel SDM vol. 3 §4.5):
 *   0 .. 4 GiB             identity            (PML4[0])
 *   PHYS_MAP_BASE + 0..4G  direct map          (PML4[256], same PDPT)
 *   KERNEL_VIRT_BASE + 0..1G  the image        (PML4[511], PDPT[510])
 * mm/host_paging.c replaces them with the final W^X tables. */
#define KVB             0xFFFFFFFF80000000
#define PA(x)           ((x) - KVB)
#define BOOT_STACK_SIZE (16 * 1024)
#define PTE_P           0x1
#define PTE_RW          0x2
#define PTE_PS          0x80
#define CR0_PE          (1 << 0)
#define CR0_WP          (1 << 16)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define CR4_PGE         (1 << 7)
#define MSR_EFER        0xC0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define CPUID_EXT_LM    (1 << 29)
#define CPUID_EXT_NX    (1 << 20)
#define COM1            0x3F8

	.section .boot32, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %ebp                 /* loader magic, kept in EBP ... */
	movl %ebx, %esi                 /* ... and the info pointer in ESI (CPUID clobbers EBX) */

	/* x86-64 needed: CPUID.80000001H:EDX.LM[bit 29] (SDM vol. 3 §10.8.5).
	 * CPUID is present on every CPU that can run multiboot loaders for x86-64. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode

	/* Zero .bss: loaders are required to, but the boot tables and stack
	 * live there and must be zero whatever the loader did. */
	movl $PA(__bss_start), %edi
	movl $PA(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $PA(boot_stack_top), %esp

	/* 2048 PDEs: 0..4 GiB in 2 MiB pages. */
	movl $PA(boot_pd), %edi
	movl $(PTE_P | PTE_RW | PTE_PS), %eax
	movl $2048, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	/* PDPT (low/direct map): four entries, one per PD page. */
	movl $PA(boot_pd) + (PTE_P | PTE_RW), %eax
	movl $PA(boot_pdpt_low), %edi
	movl $4, %ecx
2:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 2b
	movl $PA(boot_pd) + (PTE_P | PTE_RW), PA(boot_pdpt_high) + 510 * 8
	movl $PA(boot_pdpt_low) + (PTE_P | PTE_RW), PA(boot_pml4)
	movl $PA(boot_pdpt_low) + (PTE_P | PTE_RW), PA(boot_pml4) + 256 * 8
	movl $PA(boot_pdpt_high) + (PTE_P | PTE_RW), PA(boot_pml4) + 511 * 8

	/* Enter IA-32e mode (SDM vol. 3 §10.8.5): CR4.PAE, CR3, EFER.LME, CR0.PG. */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_PGE), %eax
	movl %eax, %cr4
	movl $PA(boot_pml4), %eax
	movl %eax, %cr3
	movl $0x80000001, %eax
	cpuid
	movl %edx, %ebx                 /* NX support: CPUID.80000001H:EDX[bit 20] */
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $CPUID_EXT_NX, %ebx
	jz 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0
	lgdt PA(boot_gdt_ptr32)
	movl %ebp, %edi                 /* boot_entry(magic, info) */
	ljmp $0x08, $PA(start64_from32)

no_long_mode:
	/* Say why on COM1 (polled, whatever its speed) and stop. */
	movl $PA(msg_no_lm), %esi
4:	movb (%esi), %al
	testb %al, %al
	jz 6f
	movw $COM1 + 5, %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb (%esi), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 4b
6:	hlt
	jmp 6b

	.code64
	/* plinth.efi enters here; see the file comment. */
	.globl plinth_efi_entry64
plinth_efi_entry64:
	cli
	cld
	movabsq $0x504c4e5445464921, %rax   /* BOOT_EFI_HANDOFF_MAGIC */
	cmpq %rax, %rsi
	jne 9f
	movq %rdi, %r12                 /* boot_info, kept in R12 (CPUID clobbers RBX) */
	movq %rsi, %rbp

	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	leaq boot_stack_top(%rip), %rsp

	leaq boot_pd(%rip), %rdi
	movq $(PTE_P | PTE_RW | PTE_PS), %rax
	movl $2048, %ecx
7:	movq %rax, (%rdi)
	addq $0x200000, %rax
	addq $8, %rdi
	loop 7b
	leaq boot_pd + (PTE_P | PTE_RW)(%rip), %rax
	leaq boot_pdpt_low(%rip), %rdi
	movl $4, %ecx
8:	movq %rax, (%rdi)
	addq $4096, %rax
	addq $8, %rdi
	loop 8b
	leaq boot_pd + (PTE_P | PTE_RW)(%rip), %rax
	movq %rax, boot_pdpt_high + 510 * 8(%rip)
	leaq boot_pdpt_low + (PTE_P | PTE_RW)(%rip), %rax
	movq %rax, boot_pml4(%rip)
	movq %rax, boot_pml4 + 256 * 8(%rip)
	leaq boot_pdpt_high + (PTE_P | PTE_RW)(%rip), %rax
	movq %rax, boot_pml4 + 511 * 8(%rip)

	movl $0x80000001, %eax
	cpuid
	movl $MSR_EFER, %ecx
	testl $CPUID_EXT_NX, %edx
	jz 10f
	rdmsr
	orl $EFER_NXE, %eax
	wrmsr
10:	movq %cr4, %rax
	orq $CR4_PGE, %rax
	movq %rax, %cr4
	leaq boot_pml4(%rip), %rax
	movq %rax, %cr3                 /* this code is identity-mapped in both */
	leaq boot_gdt(%rip), %rax
	movq %rax, boot_gdt_ptr32 + 2(%rip)   /* 32-bit base is enough: we run below 4 GiB */
	lgdt boot_gdt_ptr32(%rip)
	pushq $0x08
	leaq start64_low(%rip), %rax
	pushq %rax
	movq %rbp, %rdi                 /* boot_entry(magic, boot_info) */
	movq %r12, %rsi
	lretq
9:	hlt
	jmp 9b

start64_from32:
	/* Upper halves of registers are undefined after the switch from 32-bit
	 * mode (SDM vol. 1 §3.4.1.1): zero-extend the two arguments. */
	movl %edi, %edi
	movl %esi, %esi
start64_low:
	movabsq $start64_high, %rax
	jmp *%rax

	.section .text.entry, "ax"
start64_high:
	lgdt boot_gdt_ptr64(%rip)
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp                 /* end of the frame-pointer chain */
	pushq $0                        /* fake return address: backtraces stop here */
	call boot_entry
11:	cli
	hlt
	jmp 11b

/* void stack_switch_call(void *stack_top, void (*fn)(void *), void *arg)
 * Switch to a new stack and call fn(arg) on it; fn must not return. */
	.globl stack_switch_call
stack_switch_call:
	movq %rdi, %rsp
	xorl %ebp, %ebp
	movq %rdx, %rdi
	pushq $0
	jmp *%rsi

	.section .rodata
msg_no_lm:
	.asciz "plinth: this CPU has no 64-bit long mode (CPUID 80000001h EDX.LM); cannot start\r\n"

	.section .data
	.balign 16
boot_gdt:
	.quad 0                         /* null */
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr32:                         /* 6 bytes used by the 32-bit LGDT; the   */
	.word boot_gdt_end - boot_gdt - 1       /* EFI path rewrites the base as 8 bytes  */
	.long PA(boot_gdt)
	.long 0
	.balign 8
boot_gdt_ptr64:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096 * 4
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
