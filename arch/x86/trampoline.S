/* trampoline.S - an application processor's way from real mode to C.
 *
 * smp.c copies [smp_trampoline_start, smp_trampoline_end) to TRAMPOLINE_PA
 * and fills in the smp_tr_* fields (include/x86/smp_trampoline.h), then
 * sends INIT and STARTUP. The AP starts at CS:IP = (TRAMPOLINE_PA >> 4):0 in
 * real mode (Intel SDM vol. 3 §9.4.4.1, §11.6.1) and follows the usual path
 * into IA-32e mode (SDM vol. 3 §10.8.5, "Initializing IA-32e Mode"):
 *   real mode      -> protected mode: LGDT, CR0.PE, far jump  (§10.9.1)
 *   protected mode -> CR4.PAE, CR3 = temporary PML4, EFER.LME(+NXE),
 *                     CR0.PG: IA-32e mode, far jump to 64-bit code
 *   64-bit, low    -> take the per-CPU pointer (XCHG), jump to the image
 *   64-bit, image  -> image GDT, stack from percpu->stack_top, smp_ap_main
 * The temporary PML4 identity-maps the first 2 MiB (this page) and shares
 * the host tables' upper half (image, direct map, stacks); smp_ap_main
 * switches to the host tables proper (paging_init_this_cpu).
 *
 * The blob is only copied, never run in place, so it lives in .rodata; it
 * is assembled for TRAMPOLINE_PA, so addresses in it are TRAMPOLINE_PA +
 * (label - smp_trampoline_start). */
#include <x86/smp_trampoline.h>

#define TR(x)           ((x) - smp_trampoline_start)      /* offset in the blob */
#define TR_PA(x)        (TRAMPOLINE_PA + TR(x))           /* physical address */
#define CR0_PE          0x00000001
#define CR0_ET          0x00000010
#define CR0_NE          0x00000020
#define CR0_WP          0x00010000
#define CR0_PG          0x80000000
#define CR4_PAE         0x00000020
#define MSR_EFER        0xC0000080

	.section .rodata, "a"
	.balign 16
	.globl smp_trampoline_start
smp_trampoline_start:
	.code16
	cli
	cld
	movw %cs, %ax                   /* CS = TRAMPOLINE_PA >> 4 */
	movw %ax, %ds
	movl $1, TR(smp_tr_alive)       /* tell the BSP we are running */
	lgdtl TR(tr_gdtr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *TR(tr_far32)             /* reload CS from the new GDT */

	.code32
tr_pm32:
	movl $TRAMPOLINE_SEL_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	/* §10.8.5: PAE, then CR3, then EFER.LME, then CR0.PG. NXE comes with
	 * LME when the host tables use the XD bit (else bit 63 is reserved:
	 * SDM vol. 3 §4.5). */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TR_PA(smp_tr_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl TR_PA(smp_tr_efer_set), %eax
	wrmsr
	/* A fresh CR0: after INIT it is 60000010H (caches off: CD, NW). Set
	 * exactly what long mode and the kernel need (§10.1.1, Table 10-1). */
	movl $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	movl %eax, %cr0
	ljmpl *TR_PA(tr_far64)

	.code64
tr_lm64:
	/* Claim the per-CPU area: XCHG with memory is locked (SDM vol. 2B,
	 * XCHG). 0 means nobody asked this CPU to start (or it came too late
	 * and the BSP took the area back): park. */
	xorl %edi, %edi
	xchgq %rdi, TR_PA(smp_tr_percpu)
	testq %rdi, %rdi
	jz tr_park
	movq TR_PA(smp_tr_entry64), %rax
	jmp *%rax
tr_park:
	cli
	hlt
	jmp tr_park

	/* Data: kept off the code's cache lines (stores near executing code
	 * are self-modifying-code events, SDM vol. 3 §9.1.3). */
	.balign 64
tr_gdt:
	.quad 0                         /* null */
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF9A000000FFFF        /* 0x10: 32-bit code, 4 GiB flat */
	.quad 0x00CF92000000FFFF        /* 0x18: data, 4 GiB flat */
tr_gdt_end:
	.balign 8
tr_gdtr:
	.word tr_gdt_end - tr_gdt - 1
	.long TR_PA(tr_gdt)
	.balign 8
tr_far32:                               /* m16:32 far pointers */
	.long TR_PA(tr_pm32)
	.word TRAMPOLINE_SEL_CODE32
	.balign 8
tr_far64:
	.long TR_PA(tr_lm64)
	.word TRAMPOLINE_SEL_CODE64
	.balign 8
	.globl smp_tr_cr3, smp_tr_efer_set, smp_tr_entry64, smp_tr_percpu, smp_tr_alive
smp_tr_cr3:      .long 0
smp_tr_efer_set: .long 0
smp_tr_entry64:  .quad 0
smp_tr_percpu:   .quad 0
smp_tr_alive:    .long 0
	.balign 8
	.globl smp_trampoline_end
smp_trampoline_end:

/* ---- in the image ---- */

	.text
	.code64
/* void smp_ap_entry64(void), RDI = struct percpu *. Runs on the temporary
 * PML4 at the kernel's own address, interrupts off, no stack yet. */
	.globl smp_ap_entry64
smp_ap_entry64:
	lgdt smp_ap_gdtr(%rip)          /* the trampoline page disappears with
					   the host tables; this GDT does not */
	movl $0x10, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movq PERCPU_STACK_TOP_OFF(%rdi), %rsp
	pushq $0x08                     /* reload CS from the new GDT */
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	xorl %ebp, %ebp                 /* end of the frame-pointer chain */
	pushq $0                        /* fake return address: backtraces stop here */
	jmp smp_ap_main                 /* RDI still holds the percpu pointer */

	/* Read-only, so the accessed bits are set in advance: a segment load
	 * would otherwise write them (SDM vol. 3 §3.4.5.1) and fault. */
	.section .rodata, "a"
	.balign 16
smp_ap_gdt:
	.quad 0                         /* null */
	.quad 0x00AF9B000000FFFF        /* 0x08: 64-bit code, DPL 0, accessed */
	.quad 0x00CF93000000FFFF        /* 0x10: data, accessed */
smp_ap_gdt_end:
	.balign 8
smp_ap_gdtr:
	.word smp_ap_gdt_end - smp_ap_gdt - 1
	.quad smp_ap_gdt
