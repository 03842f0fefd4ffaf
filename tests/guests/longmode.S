/* longmode.S - test guest: a flat image (vms.cfg format = flat, entry =
 * real, load_address = 0x7C00) that starts in real mode at 0000:7C00 like
 * a boot sector and takes itself to 64-bit mode the way a boot loader
 * does, checking on the way what plinth must virtualise for that:
 *   real mode -> protected mode (GDT, CR0.PE) -> PAE + EFER.LME + CR0.PG
 *   with identity page tables it builds -> 64-bit code, then
 *   EFER.LMA, STAR/LSTAR/CSTAR/SFMASK through SYSCALL, GS_BASE and
 *   KERNEL_GS_BASE through SWAPGS (also across VM exits), the TSC seen by
 *   RDTSC and RDMSR(0x10), CR8, CR4.VMXE hidden, EFER.LME locked under
 *   paging, and XSETBV/XGETBV with XCR0 switched per guest (if CPUID
 *   offers XSAVE).
 * Prints PASS:/FAIL:/SKIP: lines and "SUMMARY: N passed, M failed" on
 * COM1 and exits through port 0xF4 with the number of failures. Memory
 * used: the image at 0x7C00, page tables at 0x1000-0x4FFF, the 64-bit IDT
 * at 0x5000, the stack below 0x7C00. */
#define COM1       0x3F8
#define EXIT_PORT  0xF4
#define PML4       0x1000
#define PDPT       0x2000
#define PD         0x3000
#define PD_HIGH    0x4000          /* maps the 4th GiB: the local APIC page */
#define IDT64      0x5000
#define STACK_TOP  0x7C00
#define MSR_TSC    0x10
#define MSR_EFER   0xC0000080
#define MSR_STAR   0xC0000081
#define MSR_LSTAR  0xC0000082
#define MSR_CSTAR  0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_GSBASE 0xC0000101
#define MSR_KGSBASE 0xC0000102
#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18

/* The string and check routines are the same text in every mode: lodsb,
 * in/out and 32-bit moves of addresses below 64 KiB assemble for 16-, 32-
 * and 64-bit code alike. */
.macro PUTS_BODY
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $COM1 + 5, %dx          /* LSR: wait for THR empty (bit 5) */
2:	in %dx, %al
	test $0x20, %al
	jz 2b
	mov %ah, %al
	mov $COM1, %dx
	out %al, %dx
	jmp 1b
3:	ret
.endm

/* ZF set: "PASS: " + the string at (e/r)si, else "FAIL: "; count it. */
.macro CHECK_BODY puts
	movl %esi, cur_msg
	jnz 1f
	incl n_pass
	movl $s_pass, %esi
	jmp 2f
1:	incl n_fail
	movl $s_fail, %esi
2:	call \puts
	movl cur_msg, %esi
	call \puts
	ret
.endm

/* The TRY macros: an exception between them resumes after TRY_END with
 * its vector in fault_vec (0xFFFFFFFF: none). */
.macro TRY_BEGIN
	movl $0xFFFFFFFF, fault_vec
	movq $9f, resume_rip
.endm
.macro TRY_END
9:
.endm

	.code16
	.text
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $STACK_TOP, %sp

	smsw %ax                        /* CR0[15:0] */
	test $1, %al
	movl $m_real, %esi
	call check16

	/* Protected mode: flat GDT, CR0.PE, far jump to 32-bit code. */
	lgdtl gdt_desc
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $SEL_CODE32, $pm32

check16: CHECK_BODY puts16
puts16: PUTS_BODY

	.code32
pm32:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $STACK_TOP, %esp
	mov %cr0, %eax
	and $1, %eax
	cmp $1, %eax
	movl $m_prot, %esi
	call check32

	/* Identity map of the first 4 MiB with 2 MiB pages (SDM vol. 3
	 * §4.5): PML4[0] -> PDPT, PDPT[0] -> PD, PD[0..1] large pages. */
	mov $PML4, %edi
	mov $(3 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl
	movl $(PDPT | 3), PML4
	movl $(PD | 3), PDPT
	movl $0x83, PD                  /* P, RW, PS */
	movl $(0x200000 | 0x83), PD + 8
	mov $PML4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(1 << 5), %eax              /* PAE */
	mov %eax, %cr4

	/* EFER.LME (exits: plinth checks and stores it); LMA stays clear
	 * until paging is on (SDM vol. 3 §10.8.5). */
	mov $MSR_EFER, %ecx
	rdmsr
	or $(1 << 8), %eax
	wrmsr
	rdmsr
	and $((1 << 8) | (1 << 10)), %eax
	cmp $(1 << 8), %eax
	movl $m_lme, %esi
	call check32

	mov %cr0, %eax
	or $(1 << 31), %eax             /* PG: activates IA-32e mode */
	mov %eax, %cr0
	ljmp $SEL_CODE64, $lm64

check32: CHECK_BODY puts32
puts32: PUTS_BODY

	.code64
lm64:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $STACK_TOP, %esp
	call idt_init

	/* Only 64-bit code has 64-bit registers. */
	movabs $0x123456789, %rax
	shr $32, %rax
	cmp $1, %rax
	mov $m_64, %esi
	call check64

	mov $MSR_EFER, %ecx
	rdmsr
	and $((1 << 8) | (1 << 10)), %eax
	cmp $((1 << 8) | (1 << 10)), %eax
	mov $m_lma, %esi
	call check64

	/* Leaving LME alone under paging is the rule: changing it #GPs. */
	mov $MSR_EFER, %ecx
	rdmsr
	and $~(1 << 8), %eax
	TRY_BEGIN
	wrmsr
	TRY_END
	cmpl $13, fault_vec
	mov $m_lme_gp, %esi
	call check64

	/* CR4.VMXE is plinth's, not the guest's. */
	mov %cr4, %rax
	test $(1 << 13), %eax
	mov $m_vmxe, %esi
	call check64

	/* CR8: the task-priority class, bits 63:4 reserved. */
	mov $5, %eax
	mov %rax, %cr8
	mov %cr8, %rbx
	cmp $5, %rbx
	mov $m_cr8, %esi
	call check64
	mov $16, %eax
	TRY_BEGIN
	mov %rax, %cr8
	TRY_END
	cmpl $13, fault_vec
	mov $m_cr8_gp, %esi
	call check64
	xor %eax, %eax
	mov %rax, %cr8

	call test_syscall
	call test_swapgs
	call test_tsc
	call test_xsave
	call test_mmio_paged
	call test_cr8_tpr

	/* SUMMARY: N passed, M failed */
	mov $s_sum1, %esi
	call puts64
	mov n_pass, %eax
	call put_dec
	mov $s_sum2, %esi
	call puts64
	mov n_fail, %eax
	call put_dec
	mov $s_sum3, %esi
	call puts64
	mov n_fail, %eax
	out %al, $EXIT_PORT
1:	hlt
	jmp 1b

/* SYSCALL enters at LSTAR with CS from STAR[47:32] and RFLAGS masked by
 * SFMASK (SDM vol. 2B SYSCALL): proves the values reached the CPU. */
/* An MMIO access with paging on: plinth sees only the guest-physical
 * address of the fault and must fetch this instruction through these page
 * tables to emulate it. Maps 0xFEE00000 (the local APIC) with one 2 MiB
 * page, uncached (PCD|PWT), via PDPT[3] (SDM vol. 3 §4.5), and reads the
 * APIC version register (offset 0x30; version 0x14 in bits 7:0). */
test_mmio_paged:
	mov $PD_HIGH, %edi
	mov $1024, %ecx
	xor %eax, %eax
	rep stosl
	movl $(PD_HIGH | 3), PDPT + 3 * 8
	movl $0xFEE0009B, PD_HIGH + 0x1F7 * 8   /* P, RW, PWT, PCD, PS */
	mov %cr3, %rax
	mov %rax, %cr3
	mov $0xFEE00030, %eax
	movl (%rax), %eax
	cmp $0x14, %al
	mov $m_mmio_paged, %esi
	call check64
	ret

/* CR8 is the local APIC's TPR[7:4] (SDM vol. 3 §11.8.6): a MOV to CR8
 * shows in the TPR register of the APIC page (mapped by test_mmio_paged)
 * with bits 3:0 clear, and a TPR written through the page reads back
 * from CR8. */
test_cr8_tpr:
	mov $0xFEE00080, %edi           /* TPR */
	mov $6, %eax
	mov %rax, %cr8
	movl (%rdi), %eax
	cmp $0x60, %eax
	mov $m_cr8_tpr, %esi
	call check64
	movl $0x9C, (%rdi)
	mov %cr8, %rax
	cmp $9, %rax
	mov $m_tpr_cr8, %esi
	call check64
	xor %eax, %eax
	mov %rax, %cr8
	movl (%rdi), %eax
	test %eax, %eax
	mov $m_cr8_zero, %esi
	call check64
	ret

test_syscall:
	mov $MSR_EFER, %ecx
	rdmsr
	or $1, %eax                     /* SCE */
	wrmsr
	mov $MSR_STAR, %ecx
	xor %eax, %eax
	mov $SEL_CODE64, %edx           /* STAR[47:32]: SYSCALL CS (SS = +8) */
	wrmsr
	mov $MSR_LSTAR, %ecx
	mov $syscall_entry, %eax
	xor %edx, %edx
	wrmsr
	mov $MSR_SFMASK, %ecx
	mov $(1 << 10), %eax            /* DF */
	wrmsr
	mov $MSR_CSTAR, %ecx
	mov $0x12345678, %eax
	mov $0xFFFF8000, %edx
	wrmsr
	mov $MSR_CSTAR, %ecx
	rdmsr
	cmp $0x12345678, %eax
	jne 1f
	cmp $0xFFFF8000, %edx
1:	mov $m_cstar, %esi
	call check64
	mov $MSR_LSTAR, %ecx
	rdmsr
	cmp $syscall_entry, %eax
	mov $m_lstar, %esi
	call check64

	movl $0, syscall_hit
	std
	syscall
	cld
	cmpl $1, syscall_hit
	jne 1f
	cmpw $SEL_CODE64, syscall_cs
	jne 1f
	testl $(1 << 10), syscall_flags
1:	mov $m_syscall, %esi
	call check64
	mov $SEL_DATA, %ax              /* SYSCALL loaded SS = 0x20 */
	mov %ax, %ss
	ret

syscall_entry:
	movl $1, syscall_hit
	mov %cs, %ax
	mov %ax, syscall_cs
	pushfq
	pop %rax
	mov %eax, syscall_flags
	push %r11
	popfq
	jmp *%rcx

/* GS_BASE and KERNEL_GS_BASE pass straight to the CPU (no exits); SWAPGS
 * exchanges them; both must survive a VM exit (CPUID). */
test_swapgs:
	mov $MSR_GSBASE, %ecx
	mov $marker_a, %eax
	xor %edx, %edx
	wrmsr
	mov $MSR_KGSBASE, %ecx
	mov $marker_b, %eax
	wrmsr
	mov %gs:0, %eax
	cmp marker_a, %eax
	mov $m_gsbase, %esi
	call check64
	swapgs
	mov %gs:0, %eax
	cmp marker_b, %eax
	mov $m_swapgs, %esi
	call check64
	xor %eax, %eax
	cpuid                           /* a VM exit */
	mov %gs:0, %eax
	cmp marker_b, %eax
	jne 1f
	mov $MSR_KGSBASE, %ecx
	rdmsr
	cmp $marker_a, %eax
1:	mov $m_kgs_exit, %esi
	call check64
	swapgs
	ret

/* Guest RDTSC runs on the offset clock, RDMSR(0x10) is emulated: they
 * must agree (t1 <= msr <= t2), start near 0, and follow WRMSR(0x10). */
test_tsc:
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, %r8
	mov $MSR_TSC, %ecx
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, %r9
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	cmp %r8, %r9
	jb 1f
	cmp %r9, %rax
	jb 1f
	xor %eax, %eax                  /* ZF: in order */
1:	mov $m_tsc_order, %esi
	call check64
	movabs $(1 << 40), %rax
	cmp %rax, %r8
	jae 1f
	xor %eax, %eax
1:	mov $m_tsc_zero, %esi
	call check64
	mov $MSR_TSC, %ecx
	xor %eax, %eax
	mov $(1 << 8), %edx             /* 2^40 */
	wrmsr
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	movabs $(1 << 40), %rbx
	sub %rbx, %rax
	jb 1f
	shr $36, %rax                   /* less than 2^36 ticks later */
1:	mov $m_tsc_write, %esi
	call check64
	ret

/* XSETBV/XGETBV (SDM vol. 2C; vol. 1 §13.3), if CPUID offers XSAVE. */
test_xsave:
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	bt $26, %ecx
	jc 1f
	mov $m_xsave_skip, %esi
	call puts64
	ret
1:	mov %cr4, %rax
	or $(1 << 18), %rax             /* OSXSAVE */
	mov %rax, %cr4
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	bt $27, %ecx
	setnc %al
	test %al, %al
	mov $m_osxsave, %esi
	call check64
	xor %ecx, %ecx
	xgetbv
	cmp $1, %eax
	mov $m_xcr0_reset, %esi
	call check64

	xor %ecx, %ecx
	xor %edx, %edx
	xor %eax, %eax                  /* x87 clear: #GP */
	TRY_BEGIN
	xsetbv
	TRY_END
	cmpl $13, fault_vec
	mov $m_xcr0_x87, %esi
	call check64
	mov $1, %ecx                    /* XCR1 via XSETBV: #GP */
	xor %edx, %edx
	mov $1, %eax
	TRY_BEGIN
	xsetbv
	TRY_END
	cmpl $13, fault_vec
	mov $m_xcr1, %esi
	call check64

	xor %ecx, %ecx
	xor %edx, %edx
	mov $3, %eax                    /* x87 | SSE */
	xsetbv
	xor %eax, %eax
	cpuid                           /* a VM exit: XCR0 switched to the host's and back */
	xor %ecx, %ecx
	xgetbv
	cmp $3, %eax
	mov $m_xcr0_sse, %esi
	call check64
	mov $0xD, %eax
	xor %ecx, %ecx
	cpuid
	cmp $576, %ebx                  /* legacy area + header */
	mov $m_xsave_size, %esi
	call check64

	mov $0xD, %eax
	xor %ecx, %ecx
	cpuid
	bt $2, %eax
	jc 1f
	mov $m_avx_skip, %esi
	call puts64
	ret
1:	TRY_BEGIN
	vpxor %ymm0, %ymm0, %ymm0       /* AVX state off in XCR0: #UD */
	TRY_END
	cmpl $6, fault_vec
	mov $m_avx_ud, %esi
	call check64
	xor %ecx, %ecx
	xor %edx, %edx
	mov $5, %eax                    /* AVX without SSE: #GP */
	TRY_BEGIN
	xsetbv
	TRY_END
	cmpl $13, fault_vec
	mov $m_avx_sse, %esi
	call check64
	xor %ecx, %ecx
	xor %edx, %edx
	mov $7, %eax
	xsetbv
	TRY_BEGIN
	vpcmpeqb %ymm0, %ymm0, %ymm1
	vmovdqu %ymm1, ymm_buf
	TRY_END
	cmpl $0xFFFFFFFF, fault_vec
	jne 1f
	cmpl $0xFFFFFFFF, ymm_buf + 28  /* the upper lane was written */
1:	mov $m_avx_on, %esi
	call check64
	mov $0xD, %eax
	xor %ecx, %ecx
	cpuid
	cmp %ecx, %ebx                  /* size for XCR0 = size for all offered */
	mov $m_xsave_size_avx, %esi
	call check64
	ret

/* A 64-bit IDT with #UD and #GP handlers that resume at resume_rip. */
idt_init:
	mov $IDT64, %edi
	mov $(32 * 16 / 4), %ecx
	xor %eax, %eax
	rep stosl
	mov $6, %ebx
	mov $ud_entry, %eax
	call set_gate
	mov $13, %ebx
	mov $gp_entry, %eax
	call set_gate
	lidt idt_desc
	ret
/* Gate for vector ebx to handler eax (below 64 KiB): interrupt gate,
 * present, DPL 0, selector SEL_CODE64 (SDM vol. 3 §7.14.1). */
set_gate:
	shl $4, %ebx
	add $IDT64, %ebx
	mov %ax, (%rbx)
	movw $SEL_CODE64, 2(%rbx)
	movw $0x8E00, 4(%rbx)
	shr $16, %eax
	mov %ax, 6(%rbx)
	ret
ud_entry:
	movl $6, fault_vec
	jmp 1f
gp_entry:
	add $8, %rsp                    /* the error code */
	movl $13, fault_vec
1:	push %rax
	mov resume_rip, %rax
	mov %rax, 8(%rsp)               /* the interrupted RIP */
	pop %rax
	iretq

/* Print eax in decimal. */
put_dec:
	mov $dec_buf + 11, %edi
	movb $0, (%rdi)
	mov $10, %ecx
1:	xor %edx, %edx
	div %ecx
	add $'0', %dl
	dec %edi
	mov %dl, (%rdi)
	test %eax, %eax
	jnz 1b
	mov %edi, %esi
	call puts64
	ret

check64: CHECK_BODY puts64
puts64: PUTS_BODY

	/* Data stays in .text: the image is one flat blob (objcopy -O binary). */
	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code, flat */
	.quad 0x00CF92000000FFFF        /* 0x10: data, flat */
	.quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code (L=1) */
	.quad 0x00CF92000000FFFF        /* 0x20: data (SYSCALL's SS) */
gdt_desc:
	.word 5 * 8 - 1
	.long gdt
	.balign 8
idt_desc:
	.word 32 * 16 - 1
	.quad IDT64
resume_rip:     .quad 0
fault_vec:      .long 0
cur_msg:        .long 0
n_pass:         .long 0
n_fail:         .long 0
syscall_hit:    .long 0
syscall_flags:  .long 0
syscall_cs:     .word 0
	.balign 4
marker_a:       .long 0x41414141
marker_b:       .long 0x42424242
	.balign 32
ymm_buf:        .fill 32, 1, 0
dec_buf:        .fill 12, 1, 0

s_pass:  .asciz "PASS: "
s_fail:  .asciz "FAIL: "
s_sum1:  .asciz "SUMMARY: "
s_sum2:  .asciz " passed, "
s_sum3:  .asciz " failed\n"
m_real:  .asciz "started in real mode (CR0.PE = 0)\n"
m_prot:  .asciz "protected mode (CR0.PE = 1)\n"
m_lme:   .asciz "EFER.LME set, LMA clear before paging\n"
m_64:    .asciz "64-bit mode\n"
m_mmio_paged: .asciz "MMIO read of the local APIC through guest page tables\n"
m_lma:   .asciz "EFER.LMA set by CR0.PG with LME\n"
m_lme_gp: .asciz "clearing EFER.LME under paging -> #GP\n"
m_vmxe:  .asciz "CR4.VMXE hidden\n"
m_cr8:   .asciz "CR8 write/read\n"
m_cr8_gp: .asciz "CR8 reserved bits -> #GP\n"
m_cr8_tpr: .asciz "MOV to CR8 sets APIC TPR[7:4]\n"
m_tpr_cr8: .asciz "APIC TPR write shows in CR8\n"
m_cr8_zero: .asciz "CR8 = 0 clears the TPR\n"
m_cstar: .asciz "CSTAR write/read\n"
m_lstar: .asciz "LSTAR write/read\n"
m_syscall: .asciz "SYSCALL at LSTAR, CS from STAR, SFMASK applied\n"
m_gsbase: .asciz "GS_BASE from WRMSR\n"
m_swapgs: .asciz "SWAPGS loads KERNEL_GS_BASE\n"
m_kgs_exit: .asciz "GS bases survive a VM exit\n"
m_tsc_order: .asciz "RDTSC and RDMSR(TSC) agree\n"
m_tsc_zero: .asciz "guest TSC starts near 0\n"
m_tsc_write: .asciz "RDTSC follows WRMSR(TSC)\n"
m_xsave_skip: .asciz "SKIP: XSAVE not offered by CPUID\n"
m_osxsave: .asciz "CPUID.OSXSAVE follows CR4.OSXSAVE\n"
m_xcr0_reset: .asciz "XCR0 reset value 1\n"
m_xcr0_x87: .asciz "XSETBV without x87 -> #GP\n"
m_xcr1:  .asciz "XSETBV to XCR1 -> #GP\n"
m_xcr0_sse: .asciz "XCR0 = x87|SSE kept across a VM exit\n"
m_xsave_size: .asciz "CPUID 0xD size follows XCR0\n"
m_avx_skip: .asciz "SKIP: AVX state not offered\n"
m_avx_ud: .asciz "AVX with XCR0.AVX clear -> #UD\n"
m_avx_sse: .asciz "XSETBV AVX without SSE -> #GP\n"
m_avx_on: .asciz "AVX works with XCR0 = 7\n"
m_xsave_size_avx: .asciz "CPUID 0xD size for x87|SSE|AVX\n"

	.section .note.GNU-stack, "", @progbits
