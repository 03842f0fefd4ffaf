/* gdt.h - the per-CPU GDT and 64-bit TSS (arch/x86/gdt.c).
 *
 * Layout of every CPU's GDT (Intel SDM vol. 3 §3.4.5, §8.2.3):
 *   0x00 null
 *   0x08 kernel code, 64-bit (L=1)    boot/entry.S uses the same selectors
 *   0x10 kernel data
 *   0x18 TSS, 16-byte system descriptor (two slots)
 * plinth never runs ring 3, so there are no user segments and RSP0 is unused;
 * the TSS exists for its interrupt stack table (§7.14.5): NMI, #DF and #MC
 * always run on a known-good stack of their own. */
#ifndef X86_GDT_H
#define X86_GDT_H

#include <plinth/compiler.h>
#include <x86/irq.h>

#define GDT_KERNEL_CS  0x08
#define GDT_KERNEL_DS  0x10
#define GDT_TSS        0x18
#define GDT_ENTRIES    5            /* used slots of percpu.gdt[] */

/* Each IST stack: 4 pages (panic and exception reports format on it). */
#define IST_STACK_PAGES 4
#define IST_STACK_SIZE  (IST_STACK_PAGES * 4096ULL)
#define IST_COUNT       3           /* IST1..IST3 = IST_NMI, IST_DF, IST_MC */

/* 64-bit TSS (Intel SDM vol. 3 §8.7, Figure 8-11). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];             /* RSP0-2: stacks for privilege changes (unused) */
	uint64_t reserved1;
	uint64_t ist[7];             /* IST1..IST7 stored at ist[0..6] */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;         /* >= limit: no I/O permission bitmap */
} __packed;
_Static_assert(sizeof(struct tss) == 104, "Intel SDM vol. 3 Figure 8-11");

struct percpu;

/* Build pc's GDT and TSS (IST stacks from pc->ist_top[], which must be
 * set), load GDTR, reload every segment register (CS by far return) and
 * load TR. Clears GS base: the caller then calls percpu_load_gs(). */
void gdt_init_cpu(struct percpu *pc);
/* Update the TSS's IST pointers from pc->ist_top[]. The CPU reads the TSS
 * at every IST switch, so no reload is needed (Intel SDM vol. 3 §7.14.5). */
void tss_update_ist(struct percpu *pc);

#endif
