/* vlapic.h - a local APIC register model for one vCPU (Intel SDM vol. 3
 * ch. 11 "Advanced Programmable Interrupt Controller (APIC)"; register
 * map in §11.4.1 Table 11-1). Pure (host-tested): time comes in as
 * nanoseconds from the caller, interrupts go out as IRR bits the VMM
 * polls with vlapic_pending() and acknowledges with vlapic_accept() when it
 * injects one. xAPIC register access only: x2APIC is not offered to
 * guests yet (cpuid_policy hides it). */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H

#include <plinth/compiler.h>

#define VLAPIC_BASE_GPA     0xFEE00000ULL   /* IA32_APIC_BASE reset value (§11.4.4) */
#define VLAPIC_PAGE_SIZE    0x1000
/* The emulated APIC timer counts at 100 MHz before the divider (the bus
 * clock the SDM leaves to the implementation, §11.5.4). */
#define VLAPIC_NS_PER_TICK  10

/* Register offsets (Table 11-1). */
#define APIC_ID        0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_APR       0x090
#define APIC_PPR       0x0A0
#define APIC_EOI       0x0B0
#define APIC_RRD       0x0C0
#define APIC_LDR       0x0D0
#define APIC_DFR       0x0E0
#define APIC_SVR       0x0F0
#define APIC_ISR       0x100   /* 8 registers, 0x10 apart */
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_ESR       0x280
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERM 0x330
#define APIC_LVT_PERF  0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380   /* initial count */
#define APIC_TIMER_CCR 0x390   /* current count */
#define APIC_TIMER_DCR 0x3E0   /* divide configuration */

/* Version register: version 0x14 (integrated APIC), 6 LVT entries (max
 * LVT entry index 5: timer, thermal, perf, LINT0, LINT1, error; no CMCI). */
#define VLAPIC_VERSION 0x00050014u

#define APIC_SVR_ENABLE     BIT(8)
#define APIC_LVT_MASKED     BIT(16)
#define APIC_LVT_PENDING    BIT(12)   /* delivery status */
#define APIC_LVT_PERIODIC   BIT(17)   /* timer mode bits 18:17 = 01 */
#define APIC_DM_MASK        (7u << 8)
#define APIC_DM_FIXED       (0u << 8)
#define APIC_DM_LOWEST      (1u << 8)
#define APIC_DM_NMI         (4u << 8)
#define APIC_DM_EXTINT      (7u << 8)
/* ESR bits (§11.5.3 Figure 11-9). */
#define APIC_ESR_SEND_ILLEGAL_VECTOR BIT(5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR BIT(6)
#define APIC_ESR_ILLEGAL_REGISTER    BIT(7)

enum vlapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct vlapic {
	uint8_t id;                 /* APIC ID (xAPIC: register bits 31:24) */
	uint8_t tpr;
	uint32_t ldr, dfr, svr;
	uint32_t esr;               /* what the guest reads */
	uint32_t esr_pending;       /* errors since the last ESR write */
	uint32_t icr_low, icr_high;
	uint32_t lvt[LVT_COUNT];
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t timer_initial;
	uint32_t timer_dcr;
	uint64_t timer_deadline_ns; /* when the count reaches 0; 0: stopped or
				       a one-shot count ran out */
	uint64_t ipis_dropped;      /* IPIs to other vCPUs, not delivered yet */
};

/* Reset state (§11.4.7.1): IRR/ISR/TMR/ICR/LDR/TPR and the timer zero, DFR
 * all ones, SVR 0xFF (software disabled), LVTs masked; for the BSP LINT0
 * ExtINT and LINT1 NMI unmasked, the "virtual wire" a PC BIOS leaves so
 * the 8259 reaches the CPU (MultiProcessor spec 1.4 §3.6.2.2). */
void vlapic_init(struct vlapic *l, uint8_t apic_id, bool bsp);
/* A guest access to the xAPIC page at offset (0-0xFFF), size 1, 2 or 4, at
 * time now. Registers are 32 bits at 16-byte aligned offsets and must be
 * written with aligned 32-bit stores (§11.4.1); other writes are ignored
 * with a warning; reads of 1-4 bytes inside a register return those bytes.
 * Reserved registers read 0, ignore writes and set ESR bit 7. Returns 0,
 * -EINVAL for an access the model refuses (logged). */
int vlapic_mmio_read(struct vlapic *l, uint32_t offset, unsigned size, uint64_t now,
		     uint32_t *val);
int vlapic_mmio_write(struct vlapic *l, uint32_t offset, unsigned size, uint32_t val,
		      uint64_t now);
/* Run the timer up to now: an expiry sets the timer vector in IRR (unless
 * the LVT is masked); a periodic timer reloads. */
void vlapic_tick(struct vlapic *l, uint64_t now);
/* An interrupt arrives (fixed delivery): IRR (and TMR for level) set.
 * Vectors 0-15 are illegal: ESR bit 6 instead (§11.5.3). Ignored while
 * the APIC is software-disabled (§11.4.7.2). */
void vlapic_set_irq(struct vlapic *l, uint8_t vector, bool level);
/* The vector the APIC presents to the CPU now: the highest IRR vector
 * whose priority class is above PPR's (§11.8.3, §11.8.3.1); -1 if none. */
int vlapic_pending(const struct vlapic *l);
/* The CPU took vector (from vlapic_pending): IRR -> ISR (§11.8.4). */
void vlapic_accept(struct vlapic *l, uint8_t vector);
/* Processor priority (§11.8.3.1). */
uint8_t vlapic_ppr(const struct vlapic *l);
/* True when LINT0 passes the 8259's INTR to the CPU: LVT LINT0 unmasked
 * with delivery mode ExtINT (§11.5.1). */
bool vlapic_accepts_pic(const struct vlapic *l);
/* When the timer will next present a deliverable interrupt (ns): 0 if it
 * will not (stopped, LVT masked, or its vector's priority class not above
 * PPR, so the expiry would only wait in IRR until the guest lowers TPR or
 * ends an interrupt). What a halted vCPU can wait for. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);

#endif
