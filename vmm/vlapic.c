/* vlapic.c - the local APIC register model (see vlapic.h). Section
 * references are to the Intel SDM vol. 3 chapter 11. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vlapic.h"

/* Bits software may write in each LVT (§11.5.1 Figure 11-8): vector 7:0,
 * delivery mode 10:8, input polarity 13, trigger mode 15, mask 16, timer
 * mode 17 (one-shot/periodic; TSC-deadline is not offered in CPUID, so
 * bit 18 is reserved). Delivery status (12) and remote IRR (14) are
 * read-only. */
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x300FF, [LVT_THERMAL] = 0x107FF, [LVT_PERF] = 0x107FF,
	[LVT_LINT0] = 0x1A7FF, [LVT_LINT1] = 0x1A7FF, [LVT_ERROR] = 0x100FF,
};
/* ICR low: vector, delivery mode, destination mode 11, level 14, trigger
 * 15, shorthand 19:18 (§11.6.1 Figure 11-12). */
#define ICR_LOW_WRITABLE 0x000CCFFFu
#define ICR_DEST_LOGICAL BIT(11)
#define ICR_TRIGGER_LEVEL BIT(15)
#define IPI_LOG_LIMIT 8

void vlapic_init(struct vlapic *l, uint8_t apic_id, bool bsp)
{
	memset(l, 0, sizeof(*l));
	l->id = apic_id;
	l->bsp = bsp;
	l->mode = VLAPIC_XAPIC;
	l->changed = true;
	l->dfr = 0xFFFFFFFFu;
	l->svr = 0xFF;
	for (unsigned i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	if (bsp) {
		l->lvt[LVT_LINT0] = APIC_DM_EXTINT;
		l->lvt[LVT_LINT1] = APIC_DM_NMI;
	}
}

void vlapic_init_reset(struct vlapic *l)
{
	struct vlapic keep = *l;

	vlapic_init(l, keep.id, keep.bsp);
	vlapic_set_peers(l, keep.peers, keep.nr_peers, keep.index);
	l->mode = keep.mode;
	l->nmi_window = keep.nmi_window;   /* the backend's, reset with the vCPU */
	l->ipis_dropped = keep.ipis_dropped;
	l->kick = keep.kick;
}

/* ---- 256-bit vector sets (IRR, ISR, TMR: §11.8.4) ---- */

static int highest_bit(const uint32_t set[8])
{
	for (int i = 7; i >= 0; i--)
		if (set[i])
			return i * 32 + 31 - __builtin_clz(set[i]);
	return -1;
}

static void set_bit(uint32_t set[8], unsigned v) { set[v / 32] |= 1u << (v % 32); }
static void clear_bit(uint32_t set[8], unsigned v) { set[v / 32] &= ~(1u << (v % 32)); }

/* Software-enabled (SVR bit 8) in xAPIC or x2APIC mode (§11.4.7.2). A
 * globally disabled APIC is in its reset state, SVR bit 8 clear. */
static bool enabled(const struct vlapic *l)
{
	return (l->svr & APIC_SVR_ENABLE) != 0;
}

/* The logical destination register: software-written in xAPIC mode,
 * derived from the APIC ID in x2APIC mode (cluster ID[19:4] in 31:16,
 * one bit for ID[3:0] in 15:0; §11.12.10.2). */
static uint32_t ldr_value(const struct vlapic *l)
{
	if (l->mode == VLAPIC_X2APIC)
		return ((uint32_t)(l->id >> 4) << 16) | (1u << (l->id & 0xF));
	return l->ldr;
}

/* ---- priorities (§11.8.3.1) ---- */

uint8_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = highest_bit(l->isr);
	uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xF0);

	/* PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] with 3:0 zero. */
	return (l->tpr & 0xF0) >= isr_class ? l->tpr : isr_class;
}

/* Arbitration priority (Table 11-1, P6/Pentium 4 definition): TPR when
 * its class is at least IRRV's and above ISRV's, else the highest of the
 * three classes. */
static uint8_t apr(const struct vlapic *l)
{
	int irrv = highest_bit(l->irr), isrv = highest_bit(l->isr);
	uint8_t irr_class = irrv < 0 ? 0 : (uint8_t)(irrv & 0xF0);
	uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xF0);
	uint8_t tpr_class = l->tpr & 0xF0;

	if (tpr_class >= irr_class && tpr_class > isr_class)
		return l->tpr;
	return MAX(tpr_class, MAX(irr_class, isr_class));
}

int vlapic_pending(const struct vlapic *l)
{
	int v = highest_bit(l->irr);

	if (v < 0 || (v & 0xF0) <= (vlapic_ppr(l) & 0xF0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *l, uint8_t vector)
{
	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
}

/* ---- delivery ---- */

/* Record an error in the ESR and signal it through the error LVT
 * (§11.5.3). An illegal error vector is not delivered (no recursion). */
static void apic_error(struct vlapic *l, uint32_t bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	l->esr_pending |= bit;
	if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xFF) >= 16 && enabled(l))
		set_bit(l->irr, lvt & 0xFF);
}

void vlapic_set_irq(struct vlapic *l, uint8_t vector, bool level)
{
	if (!enabled(l))
		return;
	l->changed = true;
	if (vector < 16) {
		apic_error(l, APIC_ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
}

/* EOI: the highest in-service vector is done (§11.8.5). Level-triggered
 * vectors would also send an EOI message to I/O APICs; there are none. */
static void eoi(struct vlapic *l)
{
	int v = highest_bit(l->isr);
	if (v >= 0)
		clear_bit(l->isr, (unsigned)v);
}

/* Does a logical destination select this APIC (§11.6.2.2)? Flat model
 * (DFR 1111b): the 8-bit masks intersect; cluster model (0000b): same
 * cluster in bits 7:4 and the member bits 3:0 intersect. */
static bool logical_match(const struct vlapic *l, uint32_t dest)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	/* x2APIC: cluster in 31:16 must match, member bits 15:0 intersect
	 * (§11.12.10.2). */
	if (l->mode == VLAPIC_X2APIC)
		return (dest >> 16) == (ldr_value(l) >> 16) && (dest & ldr_value(l) & 0xFFFF);
	if ((l->dfr >> 28) == 0xF)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xF) != 0;
}

/* The ICR's destination: bits 63:56 in xAPIC mode, 63:32 in x2APIC mode
 * (§11.6.1, §11.12.9). */
static uint32_t icr_dest(const struct vlapic *l)
{
	return l->mode == VLAPIC_X2APIC ? l->icr_high : l->icr_high >> 24;
}

static void ipi_dropped(struct vlapic *l, const char *why)
{
	if (l->ipis_dropped++ < IPI_LOG_LIMIT)
		pr_warn("vlapic %u: IPI (ICR 0x%x dest 0x%x) not delivered: %s", l->id, l->icr_low,
			icr_dest(l), why);
}

void vlapic_set_nmi(struct vlapic *l)
{
	if (l->mode == VLAPIC_DISABLED)
		return;
	l->nmi_pending = true;
	l->changed = true;
}

bool vlapic_take_nmi(struct vlapic *l)
{
	bool pending = l->nmi_pending;

	l->nmi_pending = false;
	return pending;
}

int vlapic_icr_decode(uint64_t icr, bool x2apic, struct vlapic_ipi *ipi)
{
	uint32_t low = (uint32_t)icr, high = (uint32_t)(icr >> 32);

	*ipi = (struct vlapic_ipi){
		.vector = (uint8_t)low,
		.mode = (uint8_t)((low >> 8) & 7),
		.shorthand = (uint8_t)((low >> 18) & 3),
		.logical = (low & ICR_DEST_LOGICAL) != 0,
		.assert = (low & BIT(14)) != 0,
		.level_trigger = (low & ICR_TRIGGER_LEVEL) != 0,
		.x2apic = x2apic,
		.dest = x2apic ? high : high >> 24,
	};
	/* 011b and 111b are reserved in the ICR (§11.6.1 Figure 11-12). */
	return ipi->mode == 3 || ipi->mode == 7 ? -EINVAL : 0;
}

bool vlapic_dest_matches(const struct vlapic *l, bool logical, uint32_t dest, bool x2apic_dest)
{
	uint32_t broadcast = x2apic_dest ? 0xFFFFFFFFu : 0xFF;

	if (dest == broadcast)
		return true;
	if (!logical)
		return dest == l->id;
	return logical_match(l, dest);
}

/* Is lapics[i] a target of ipi, sent from index from (-1: no APIC)? */
static bool is_target(const struct vlapic *lapics, unsigned i, int from,
		      const struct vlapic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case IPI_SELF:
		return (int)i == from;
	case IPI_ALL:
		return from >= 0;
	case IPI_OTHERS:
		return from >= 0 && (int)i != from;
	default:
		return vlapic_dest_matches(&lapics[i], ipi->logical, ipi->dest, ipi->x2apic);
	}
}

/* One target takes the message. True if its state changed. */
static bool accept_message(struct vlapic *t, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case IPI_FIXED:
	case IPI_LOWEST:
		if (ipi->vector < 16) {
			apic_error(t, APIC_ESR_RECV_ILLEGAL_VECTOR);
			return true;
		}
		vlapic_set_irq(t, ipi->vector, ipi->level_trigger);
		return true;
	case IPI_NMI:
		vlapic_set_nmi(t);   /* the vector is ignored (§11.6.1) */
		return true;
	case IPI_INIT:
		/* INIT level de-assert (level 0, trigger level): no effect
		 * on P6-family successors (§11.6.1). */
		if (!ipi->assert && ipi->level_trigger)
			return false;
		vlapic_init_reset(t);
		/* APs wait for a SIPI; the BSP runs its reset code (SDM
		 * vol. 3 §10.4.1-§10.4.2: the MP protocol after INIT). */
		t->wait_sipi = !t->bsp;
		t->init_pending = true;
		t->sipi_pending = false;
		t->changed = true;
		return true;
	case IPI_SIPI:
		/* Only a processor in wait-for-SIPI takes a SIPI; any other
		 * ignores it (§10.4.4.1: the second SIPI of INIT-SIPI-SIPI
		 * meets a running AP). */
		if (!t->wait_sipi)
			return false;
		t->wait_sipi = false;
		t->sipi_pending = true;
		t->sipi_vector = ipi->vector;
		t->changed = true;
		return true;
	default:
		return false;
	}
}

int vlapic_deliver(struct vlapic *lapics, unsigned n, int from, const struct vlapic_ipi *ipi,
		   uint64_t *touched)
{
	struct vlapic *sender = from >= 0 && (unsigned)from < n ? &lapics[from] : NULL;
	int taken = 0;

	if (from >= 0 && !sender)
		return 0;
	if (ipi->mode == 3 || ipi->mode == 7)
		return 0;
	if (ipi->mode == IPI_SMI) {
		if (sender)
			ipi_dropped(sender, "SMI is not emulated");
		return 0;
	}
	/* The self shorthand is for fixed interrupts only (§11.6.1). */
	if (ipi->shorthand == IPI_SELF && ipi->mode != IPI_FIXED) {
		if (sender)
			ipi_dropped(sender, "the self shorthand allows only fixed delivery");
		return 0;
	}
	if (sender && ipi->vector < 16 && (ipi->mode == IPI_FIXED || ipi->mode == IPI_LOWEST))
		apic_error(sender, APIC_ESR_SEND_ILLEGAL_VECTOR);
	for (unsigned i = 0; i < n && i < 64; i++) {
		if (!is_target(lapics, i, from, ipi))
			continue;
		taken++;
		if (accept_message(&lapics[i], ipi) && touched)
			*touched |= BIT(i);
		/* Lowest priority: one taker, the lowest-numbered match
		 * (no priority arbitration, §11.6.2.4 leaves the choice
		 * model specific). */
		if (ipi->mode == IPI_LOWEST)
			break;
	}
	if (!taken && sender)
		ipi_dropped(sender, "no local APIC has that destination");
	return taken;
}

void vlapic_set_peers(struct vlapic *l, struct vlapic *peers, unsigned n, unsigned index)
{
	l->peers = peers;
	l->nr_peers = n;
	l->index = index;
}

uint64_t vlapic_take_kick(struct vlapic *l)
{
	uint64_t kick = l->kick;

	l->kick = 0;
	return kick;
}

/* Send the IPI the ICR describes (§11.6.1). Delivery is immediate, so the
 * delivery status bit (12) always reads idle: it is not writable and
 * never set. */
static void send_ipi(struct vlapic *l)
{
	struct vlapic_ipi ipi;
	uint64_t icr = ((uint64_t)l->icr_high << 32) | l->icr_low;

	if (vlapic_icr_decode(icr, l->mode == VLAPIC_X2APIC, &ipi)) {
		ipi_dropped(l, "reserved delivery mode");
		return;
	}
	if (l->peers)
		vlapic_deliver(l->peers, l->nr_peers, (int)l->index, &ipi, &l->kick);
	else
		vlapic_deliver(l, 1, 0, &ipi, &l->kick);
}

/* ---- timer (§11.5.4) ---- */

/* Divide configuration bits 3, 1:0 (Figure 11-10): 000 /2 ... 110 /128,
 * 111 /1. */
static uint64_t timer_divisor(uint32_t dcr)
{
	unsigned v = (dcr & 3) | ((dcr >> 1) & 4);
	return v == 7 ? 1 : 2ULL << v;
}

static uint64_t ns_per_count(const struct vlapic *l)
{
	return timer_divisor(l->timer_dcr) * VLAPIC_NS_PER_TICK;
}

static bool periodic(const struct vlapic *l)
{
	return (l->lvt[LVT_TIMER] & (3u << 17)) == APIC_LVT_PERIODIC;
}

/* The current count (§11.5.4): derived from the next expiry, rounded up
 * so it reads the initial count right after the start; 0 once a one-shot
 * count ran out or the timer is stopped. */
static uint32_t current_count(const struct vlapic *l, uint64_t now)
{
	uint64_t per = ns_per_count(l), into;

	if (!l->timer_deadline_ns)
		return 0;
	if (now < l->timer_deadline_ns)
		return (uint32_t)((l->timer_deadline_ns - now + per - 1) / per);
	if (!periodic(l))
		return 0;
	/* Periodic, expiries not yet run by vlapic_tick(): reloaded. */
	into = (now - l->timer_deadline_ns) % ((uint64_t)l->timer_initial * per);
	return l->timer_initial - (uint32_t)(into / per);
}

void vlapic_tick(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LVT_TIMER];
	uint64_t period;

	if (!l->timer_deadline_ns || now < l->timer_deadline_ns)
		return;
	/* Expiries missed while the vCPU was not looked at coalesce into one
	 * interrupt, as for any edge interrupt already pending in IRR. */
	if (!(lvt & APIC_LVT_MASKED)) {
		if ((lvt & 0xFF) < 16)
			apic_error(l, APIC_ESR_RECV_ILLEGAL_VECTOR);
		else
			vlapic_set_irq(l, (uint8_t)lvt, false);
	}
	/* The mode at the expiry decides: periodic reloads the initial
	 * count, one-shot stays at 0 until the next initial-count write. */
	if (!periodic(l)) {
		l->timer_deadline_ns = 0;
		return;
	}
	period = (uint64_t)l->timer_initial * ns_per_count(l);
	l->timer_deadline_ns += ((now - l->timer_deadline_ns) / period + 1) * period;
}

uint64_t vlapic_timer_deadline(const struct vlapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	if ((lvt & APIC_LVT_MASKED) || (lvt & 0xF0) <= (vlapic_ppr(l) & 0xF0))
		return 0;
	return l->timer_deadline_ns;
}

bool vlapic_accepts_pic(const struct vlapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];

	if (l->mode == VLAPIC_DISABLED)
		return true;
	return !(lint0 & APIC_LVT_MASKED) && (lint0 & APIC_DM_MASK) == APIC_DM_EXTINT;
}

/* ---- registers ---- */

static bool reg_read(struct vlapic *l, uint32_t reg, uint64_t now, uint32_t *val)
{
	switch (reg) {
	case APIC_ID:        *val = (uint32_t)l->id << 24; return true;
	case APIC_VERSION:   *val = VLAPIC_VERSION; return true;
	case APIC_TPR:       *val = l->tpr; return true;
	case APIC_APR:       *val = apr(l); return true;
	case APIC_PPR:       *val = vlapic_ppr(l); return true;
	case APIC_EOI:       *val = 0; return true;   /* write-only */
	case APIC_RRD:       *val = 0; return true;   /* remote read: never valid */
	case APIC_LDR:       *val = ldr_value(l); return true;
	case APIC_DFR:       *val = l->dfr; return true;
	case APIC_SVR:       *val = l->svr; return true;
	case APIC_ESR:       *val = l->esr; return true;
	case APIC_ICR_LOW:   *val = l->icr_low; return true;
	case APIC_ICR_HIGH:  *val = l->icr_high; return true;
	case APIC_TIMER_ICR: *val = l->timer_initial; return true;
	case APIC_TIMER_CCR: *val = current_count(l, now); return true;
	case APIC_TIMER_DCR: *val = l->timer_dcr; return true;
	}
	if (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR) {
		*val = l->lvt[(reg - APIC_LVT_TIMER) >> 4];
		return true;
	}
	if (reg >= APIC_ISR && reg < APIC_ESR) {
		unsigned set = (reg - APIC_ISR) >> 7, word = ((reg - APIC_ISR) >> 4) & 7;
		const uint32_t *bits = set == 0 ? l->isr : set == 1 ? l->tmr : l->irr;
		*val = bits[word];
		return true;
	}
	return false;
}

static void write_lvt(struct vlapic *l, enum vlapic_lvt i, uint32_t val)
{
	val &= lvt_writable[i];
	/* While software-disabled the mask bits stay set (§11.4.7.2). */
	if (!enabled(l))
		val |= APIC_LVT_MASKED;
	/* A timer mode change takes effect at the next expiry and does not
	 * start a stopped timer (§11.5.4). */
	l->lvt[i] = val;
}

/* Returns false for a reserved register. */
static bool reg_write(struct vlapic *l, uint32_t reg, uint32_t val, uint64_t now)
{
	switch (reg) {
	case APIC_ID:
		l->id = (uint8_t)(val >> 24);
		return true;
	case APIC_TPR:
		l->tpr = (uint8_t)val;
		return true;
	case APIC_EOI:
		eoi(l);
		return true;
	case APIC_LDR:
		l->ldr = val & 0xFF000000u;
		return true;
	case APIC_DFR:
		/* Model in 31:28; 27:0 reserved, read as ones (§11.6.2.2). */
		l->dfr = (val & 0xF0000000u) | 0x0FFFFFFFu;
		return true;
	case APIC_SVR:
		/* Vector 7:0, APIC enable 8, focus check 9; EOI-broadcast
		 * suppression (12) is not offered (version bit 24 clear). */
		l->svr = val & 0x3FF;
		if (!enabled(l))
			for (unsigned i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= APIC_LVT_MASKED;
		return true;
	case APIC_ESR:
		/* A write latches the errors since the last write (§11.5.3). */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return true;
	case APIC_ICR_LOW:
		l->icr_low = val & ICR_LOW_WRITABLE;
		send_ipi(l);
		return true;
	case APIC_ICR_HIGH:
		l->icr_high = val & 0xFF000000u;
		return true;
	case APIC_TIMER_ICR:
		/* Writing the initial count (re)starts the count-down; 0 stops
		 * it (§11.5.4). */
		l->timer_initial = val;
		l->timer_deadline_ns = val ? now + (uint64_t)val * ns_per_count(l) : 0;
		return true;
	case APIC_TIMER_DCR: {
		/* Keep the current count continuous and count on at the new
		 * rate from now. */
		uint32_t cur = current_count(l, now);
		l->timer_dcr = val & 0xB;
		if (l->timer_deadline_ns)
			l->timer_deadline_ns = now + (uint64_t)cur * ns_per_count(l);
		return true;
	}
	case APIC_VERSION: case APIC_APR: case APIC_PPR: case APIC_RRD: case APIC_TIMER_CCR:
		return true;   /* read-only: the write is ignored */
	}
	if (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR) {
		write_lvt(l, (enum vlapic_lvt)((reg - APIC_LVT_TIMER) >> 4), val);
		return true;
	}
	return reg >= APIC_ISR && reg < APIC_ESR;   /* ISR/TMR/IRR: read-only */
}

int vlapic_mmio_read(struct vlapic *l, uint32_t offset, unsigned size, uint64_t now,
		     uint32_t *val)
{
	uint32_t reg = offset & ~0xFu, byte = offset & 0xF, v = 0;

	*val = 0;
	if (offset >= VLAPIC_PAGE_SIZE || (size != 1 && size != 2 && size != 4)) {
		pr_warn("vlapic %u: read of %u bytes at offset 0x%x refused", l->id, size, offset);
		return -EINVAL;
	}
	if (l->mode != VLAPIC_XAPIC) {
		*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return 0;
	}
	vlapic_tick(l, now);
	if (!reg_read(l, reg, now, &v)) {
		apic_error(l, APIC_ESR_ILLEGAL_REGISTER);
		return 0;
	}
	/* Bytes 4-15 of each 16-byte slot are reserved and read 0. */
	if (byte < 4)
		*val = (v >> (8 * byte)) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
	return 0;
}

int vlapic_mmio_write(struct vlapic *l, uint32_t offset, unsigned size, uint32_t val,
		      uint64_t now)
{
	uint32_t reg = offset & ~0xFu;

	if (offset >= VLAPIC_PAGE_SIZE || (size != 1 && size != 2 && size != 4)) {
		pr_warn("vlapic %u: write of %u bytes at offset 0x%x refused", l->id, size, offset);
		return -EINVAL;
	}
	if (l->mode != VLAPIC_XAPIC)
		return 0;   /* the page is not decoded: the write goes nowhere */
	if (size != 4 || (offset & 0xF)) {
		/* Undefined (§11.4.1: registers take aligned 32-bit stores). */
		pr_warn("vlapic %u: %u-byte write at offset 0x%x ignored (APIC registers take "
			"aligned 32-bit writes)", l->id, size, offset);
		return 0;
	}
	vlapic_tick(l, now);
	l->changed = true;
	if (!reg_write(l, reg, val, now))
		apic_error(l, APIC_ESR_ILLEGAL_REGISTER);
	return 0;
}

/* ---- mode, CR8 and the x2APIC MSRs ---- */

void vlapic_set_mode(struct vlapic *l, enum vlapic_mode mode)
{
	if (mode == l->mode)
		return;
	if (mode == VLAPIC_DISABLED) {
		/* Everything but the ID returns to the reset state; a later
		 * enable finds it there (§11.4.3). The VMM's NMI-window flag
		 * describes the backend, not the APIC: it survives. */
		bool nmi_window = l->nmi_window;
		struct vlapic *peers = l->peers;
		unsigned nr_peers = l->nr_peers, index = l->index;
		vlapic_init(l, l->id, l->bsp);
		vlapic_set_peers(l, peers, nr_peers, index);
		l->mode = VLAPIC_DISABLED;
		l->nmi_window = nmi_window;
		return;
	}
	/* Disabled -> xAPIC finds the reset state; xAPIC -> x2APIC keeps
	 * the registers, the LDR becomes the derived one (§11.12.5.1). */
	l->mode = (uint8_t)mode;
	l->changed = true;
}

uint8_t vlapic_get_cr8(const struct vlapic *l)
{
	return l->tpr >> 4;
}

void vlapic_set_cr8(struct vlapic *l, uint8_t cr8)
{
	l->tpr = (uint8_t)((cr8 & 0xF) << 4);
	l->changed = true;
}

/* Registers the x2APIC interface does not have (§11.12.1.2 Table 11-6):
 * APR, remote read, DFR, ICR high (the ICR is one 64-bit MSR). */
static bool x2apic_absent(uint32_t reg)
{
	return reg == APIC_APR || reg == APIC_RRD || reg == APIC_DFR || reg == APIC_ICR_HIGH;
}

/* Write-only x2APIC registers: EOI and SELF IPI. */
#define APIC_SELF_IPI 0x3F0

int vlapic_x2apic_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
	uint32_t reg = (msr - X2APIC_MSR_FIRST) << 4, v = 0;

	*val = 0;
	if (l->mode != VLAPIC_X2APIC || msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -EINVAL;
	if (x2apic_absent(reg) || reg == APIC_EOI || reg == APIC_SELF_IPI)
		return -EINVAL;
	vlapic_tick(l, now);
	if (reg == APIC_ICR_LOW) {
		*val = ((uint64_t)l->icr_high << 32) | l->icr_low;
		return 0;
	}
	if (reg == APIC_ID) {
		*val = l->id;   /* the 32-bit x2APIC ID (§11.12.5.1) */
		return 0;
	}
	if (!reg_read(l, reg, now, &v))
		return -EINVAL;
	*val = v;
	return 0;
}

int vlapic_x2apic_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now)
{
	uint32_t reg = (msr - X2APIC_MSR_FIRST) << 4, v;

	if (l->mode != VLAPIC_X2APIC || msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return -EINVAL;
	if (x2apic_absent(reg))
		return -EINVAL;
	/* Read-only registers fault on WRMSR in x2APIC mode. */
	switch (reg) {
	case APIC_ID: case APIC_VERSION: case APIC_PPR: case APIC_LDR: case APIC_TIMER_CCR:
		return -EINVAL;
	}
	if (reg >= APIC_ISR && reg < APIC_ESR)
		return -EINVAL;
	if (reg == APIC_ICR_LOW) {
		vlapic_tick(l, now);
		l->changed = true;
		l->icr_high = (uint32_t)(val >> 32);
		l->icr_low = (uint32_t)val & ICR_LOW_WRITABLE;
		send_ipi(l);
		return 0;
	}
	/* Every other register is 32 bits: 63:32 are reserved. */
	if (val >> 32)
		return -EINVAL;
	v = (uint32_t)val;
	if (reg == APIC_SELF_IPI) {
		/* Vector in 7:0, the rest reserved; a fixed, edge-triggered
		 * self-IPI (§11.12.11). */
		if (v >> 8)
			return -EINVAL;
		if (v < 16) {
			apic_error(l, APIC_ESR_SEND_ILLEGAL_VECTOR);
			apic_error(l, APIC_ESR_RECV_ILLEGAL_VECTOR);
		} else {
			vlapic_set_irq(l, (uint8_t)v, false);
		}
		return 0;
	}
	/* EOI and ESR take only 0 in x2APIC mode (§11.12.1.2). */
	if ((reg == APIC_EOI || reg == APIC_ESR) && v)
		return -EINVAL;
	vlapic_tick(l, now);
	l->changed = true;
	if (!reg_write(l, reg, v, now))
		return -EINVAL;
	return 0;
}
