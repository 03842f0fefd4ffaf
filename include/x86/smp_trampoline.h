/* smp_trampoline.h - what arch/x86/trampoline.S and arch/x86/smp.c share:
 * where the real-mode trampoline runs, its segment selectors, the per-CPU
 * offset the 64-bit entry stub reads, and (for C) the symbols of the
 * fields smp.c fills in before each AP is started. */
#ifndef X86_SMP_TRAMPOLINE_H
#define X86_SMP_TRAMPOLINE_H

/* Physical address the trampoline is copied to: page-aligned and below
 * 1 MiB, because a STARTUP IPI names a 4-KiB page number in 8 bits and the
 * AP starts there in real mode at CS = page << 8, IP = 0 (Intel SDM vol. 3
 * §9.4.4.1, §11.6.1). The page allocator never hands out the first MiB. */
#define TRAMPOLINE_PA          0x8000
/* The trampoline's own GDT. */
#define TRAMPOLINE_SEL_CODE64  0x08
#define TRAMPOLINE_SEL_CODE32  0x10
#define TRAMPOLINE_SEL_DATA    0x18
/* offsetof(struct percpu, stack_top); smp.c asserts it at compile time. */
#define PERCPU_STACK_TOP_OFF   24

#ifndef __ASSEMBLY__
#include <plinth/compiler.h>

struct percpu;

/* The blob copied to TRAMPOLINE_PA, and the fields inside it that the BSP
 * writes (each a symbol inside [start, end); offsets are symbol - start):
 *   smp_tr_cr3       u32  temporary PML4 below 4 GiB (identity map of the
 *                         first 2 MiB plus the host's upper half)
 *   smp_tr_efer_set  u32  EFER bits to set: LME, and NXE when the host uses NX
 *   smp_tr_entry64   u64  smp_ap_entry64 (kernel virtual address)
 *   smp_tr_percpu    u64  struct percpu * of the AP being started; the AP
 *                         takes it with XCHG (leaving 0), so a late AP
 *                         can never take another AP's area
 *   smp_tr_alive     u32  set to 1 by the AP's first instructions */
extern const char smp_trampoline_start[], smp_trampoline_end[];
extern const char smp_tr_cr3[], smp_tr_efer_set[], smp_tr_entry64[], smp_tr_percpu[],
	smp_tr_alive[];

/* arch/x86/trampoline.S: 64-bit entry at the kernel's address, RDI = the
 * AP's struct percpu; loads a GDT in the image, switches to
 * pc->stack_top and jumps to smp_ap_main. */
void smp_ap_entry64(void);
/* arch/x86/smp.c: the AP's life in C. */
__noreturn void smp_ap_main(struct percpu *pc);
#endif

#endif
