/* vlapic.h - a local APIC register model for one vCPU (Intel SDM vol. 3
 * ch. 11 "Advanced Programmable Interrupt Controller (APIC)"; register
 * map in §11.4.1 Table 11-1). Pure (host-tested): time comes in as
 * nanoseconds from the caller, interrupts go out as IRR bits the VMM
 * polls with vlapic_pending() and acknowledges with vlapic_accept() when it
 * injects one. Registers are reached through the xAPIC page (MMIO) or,
 * in x2APIC mode, the MSRs 0x800-0x8FF (§11.12); IA32_APIC_BASE's enable
 * and EXTD bits pick the mode (vlapic_set_mode). */
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

/* The APIC's global state, IA32_APIC_BASE bits 11 (EN) and 10 (EXTD)
 * (§11.4.3, §11.12.1, Table 11-5). */
enum vlapic_mode { VLAPIC_DISABLED, VLAPIC_XAPIC, VLAPIC_X2APIC };

/* x2APIC MSRs (§11.12.1.2, Table 11-6): register offset = (msr - 0x800) << 4. */
#define X2APIC_MSR_FIRST   0x800u
#define X2APIC_MSR_LAST    0x8FFu
#define X2APIC_MSR_ICR     0x830u   /* 64-bit ICR: destination in 63:32 */
#define X2APIC_MSR_SELF_IPI 0x83Fu  /* write-only: vector 7:0 */

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
	uint8_t mode;               /* enum vlapic_mode */
	bool bsp;
	bool nmi_pending;           /* an NMI (ICR or LVT with NMI delivery) waits
				       for the VMM to inject it (vlapic_take_nmi) */
	/* Set by everything that may change what the APIC presents or when
	 * its timer next fires: register and TPR writes, new IRR bits, mode
	 * changes, NMIs. The VMM's delivery path (vmm/exit_irq.c) clears it
	 * when it looks at the APIC, and skips the look while it stays clear
	 * and quiet_until_tsc has not come. */
	bool changed;
	uint64_t quiet_until_tsc;   /* exit_irq.c: host TSC until which nothing is due */
	bool nmi_window;            /* exit_irq.c: NMI-window exiting is on */
	/* ---- multiprocessor state (vlapic_deliver) ---- */
	struct vlapic *peers;       /* the VM's local APICs, this one at [index];
				       NULL: a lone APIC (IPIs reach only itself) */
	unsigned nr_peers;
	unsigned index;             /* its vCPU's number */
	uint64_t kick;              /* peers (bit = index) an IPI sent from here changed:
				       the VMM takes it (vlapic_take_kick) and kicks them */
	bool wait_sipi;             /* INIT received: the vCPU waits for a start-up IPI
				       (SDM vol. 3 §10.4.2 "wait-for-SIPI") */
	bool init_pending;          /* INIT received, the vCPU's own state not reset yet */
	bool sipi_pending;          /* a SIPI was accepted: start at sipi_vector:0000 */
	uint8_t sipi_vector;
};

/* ICR delivery modes (bits 10:8, §11.6.1 Figure 11-12), as numbers. */
enum vlapic_ipi_mode {
	IPI_FIXED = 0, IPI_LOWEST = 1, IPI_SMI = 2, IPI_NMI = 4, IPI_INIT = 5, IPI_SIPI = 6,
};
/* Destination shorthands (ICR bits 19:18). */
enum vlapic_shorthand { IPI_DEST_FIELD = 0, IPI_SELF = 1, IPI_ALL = 2, IPI_OTHERS = 3 };

/* A decoded interrupt message: an ICR write or an I/O APIC redirection. */
struct vlapic_ipi {
	uint8_t vector;
	uint8_t mode;               /* enum vlapic_ipi_mode */
	uint8_t shorthand;          /* enum vlapic_shorthand */
	bool logical;               /* destination mode (bit 11) */
	bool assert;                /* level (bit 14): clear only for INIT level de-assert */
	bool level_trigger;         /* trigger mode (bit 15) */
	bool x2apic;                /* 32-bit destination (x2APIC ICR, §11.12.9) */
	uint32_t dest;              /* APIC ID or logical mask */
};

/* Decode an ICR value (high word in 63:32): the destination is bits 63:56
 * in xAPIC mode and 63:32 in x2APIC mode (§11.6.1, §11.12.9). Returns 0,
 * or -EINVAL for the reserved delivery modes 011b and 111b (ExtINT is not
 * valid in the ICR). */
int vlapic_icr_decode(uint64_t icr, bool x2apic, struct vlapic_ipi *ipi);
/* Does a message for dest (physical: an APIC ID; logical: a mask) select
 * the APIC l? Physical: its ID, or the broadcast ID (0xFF, x2APIC
 * 0xFFFFFFFF); logical: the flat or cluster model l's DFR names
 * (§11.6.2.2) or the x2APIC cluster form (§11.12.10.2), 0xFF/0xFFFFFFFF
 * selecting every APIC. */
bool vlapic_dest_matches(const struct vlapic *l, bool logical, uint32_t dest, bool x2apic_dest);
/* Deliver a message to the APICs lapics[0, n) (SDM vol. 3 §11.6):
 * shorthands relative to lapics[from] (from < 0: not sent by an APIC,
 * shorthands select nothing); fixed to every match, lowest priority to
 * the lowest-numbered match only (plinth does not arbitrate priority);
 * NMI latched for the VMM; INIT resets the target APIC (§11.4.7.3) and
 * puts an AP into wait-for-SIPI (the BSP restarts at the reset vector);
 * the INIT level de-assert message does nothing (§11.6.1: not supported
 * since the Pentium 4); a SIPI starts a target waiting for one and is
 * ignored by any other (§10.4.4.1); SMI is not emulated (logged). Bits of
 * the APICs whose state changed are ORed into *touched. Returns the number
 * of APICs that took the message (0: nobody; logged as a dropped IPI when
 * sent by an APIC). */
int vlapic_deliver(struct vlapic *lapics, unsigned n, int from, const struct vlapic_ipi *ipi,
		   uint64_t *touched);
/* Join l to the VM's APIC array peers[0, n) as number index (its vCPU). */
void vlapic_set_peers(struct vlapic *l, struct vlapic *peers, unsigned n, unsigned index);
/* The peers changed by IPIs sent from l since the last call (cleared). */
uint64_t vlapic_take_kick(struct vlapic *l);
/* The INIT reset (§11.4.7.3): the power-up state except the APIC ID, the
 * mode (an x2APIC stays in x2APIC mode, §11.12.5.1), the BSP flag and the
 * peers. */
void vlapic_init_reset(struct vlapic *l);

/* Reset state (§11.4.7.1): IRR/ISR/TMR/ICR/LDR/TPR and the timer zero, DFR
 * all ones, SVR 0xFF (software disabled), LVTs masked; for the BSP LINT0
 * ExtINT and LINT1 NMI unmasked, the "virtual wire" a PC BIOS leaves so
 * the 8259 reaches the CPU (MultiProcessor spec 1.4 §3.6.2.2). xAPIC mode
 * (IA32_APIC_BASE EN=1, EXTD=0). */
void vlapic_init(struct vlapic *l, uint8_t apic_id, bool bsp);
/* IA32_APIC_BASE changed the mode (the caller checked the transition is
 * legal, §11.12.5, vmm/msr.c). Disabling resets every register but the ID
 * (§11.4.3: the APIC comes back in its reset state when enabled again);
 * xAPIC -> x2APIC keeps the state, with the logical ID derived from the
 * APIC ID (§11.12.10.2). */
void vlapic_set_mode(struct vlapic *l, enum vlapic_mode mode);
/* The TPR as MOV CR8 sees it (§11.8.6): CR8[3:0] = TPR[7:4]; a write
 * sets TPR[7:4] and clears TPR[3:0]. */
uint8_t vlapic_get_cr8(const struct vlapic *l);
void vlapic_set_cr8(struct vlapic *l, uint8_t cr8);
/* RDMSR/WRMSR of x2APIC MSR msr (0x800-0x8FF) at time now. 0, or -EINVAL
 * where the CPU raises #GP (§11.12.1.2-§11.12.1.3): not in x2APIC mode,
 * a reserved MSR, reading a write-only or writing a read-only register,
 * reserved bits (63:32 of 32-bit registers, a non-zero EOI or ESR write,
 * SELF IPI bits 63:8). */
int vlapic_x2apic_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val);
int vlapic_x2apic_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now);
/* An NMI arrives (ICR/LVT NMI delivery, or another vCPU's IPI). */
void vlapic_set_nmi(struct vlapic *l);
/* True (and cleared) if an NMI waits for injection. */
bool vlapic_take_nmi(struct vlapic *l);
/* A guest access to the xAPIC page at offset (0-0xFFF), size 1, 2 or 4, at
 * time now. Outside xAPIC mode the page is not decoded (§11.4.3,
 * §11.12.2): reads return all ones and writes are dropped, as an
 * unbacked address. Registers are 32 bits at 16-byte aligned offsets and must be
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
/* True when the 8259's INTR reaches the CPU: LVT LINT0 unmasked with
 * delivery mode ExtINT (§11.5.1), or the APIC globally disabled, which
 * leaves the processor as one without an APIC, INTR wired straight in
 * (§11.4.3). */
bool vlapic_accepts_pic(const struct vlapic *l);
/* When the timer will next present a deliverable interrupt (ns): 0 if it
 * will not (stopped, LVT masked, or its vector's priority class not above
 * PPR, so the expiry would only wait in IRR until the guest lowers TPR or
 * ends an interrupt). What a halted vCPU can wait for. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);

#endif
