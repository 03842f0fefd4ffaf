/* test_vlapic.c - the local APIC model (vmm/vlapic.c): reset state,
 * register access rules, priorities, acceptance and EOI, IPIs, errors and
 * the timer in one-shot and periodic mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vlapic.h"
#include "host_support.h"

static uint32_t rd_at(struct vlapic *l, uint32_t off, uint64_t now)
{
	uint32_t v = 0xDEADBEEF;
	assert_int_equal(vlapic_mmio_read(l, off, 4, now, &v), 0);
	return v;
}

static uint32_t rd(struct vlapic *l, uint32_t off) { return rd_at(l, off, 0); }

static void wr_at(struct vlapic *l, uint32_t off, uint32_t v, uint64_t now)
{
	assert_int_equal(vlapic_mmio_write(l, off, 4, v, now), 0);
}

static void wr(struct vlapic *l, uint32_t off, uint32_t v) { wr_at(l, off, v, 0); }

static void enable(struct vlapic *l)
{
	wr(l, APIC_SVR, APIC_SVR_ENABLE | 0xFF);
}

static void test_reset_state(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 3, true);
	assert_int_equal(rd(&l, APIC_ID), 3u << 24);
	assert_int_equal(rd(&l, APIC_VERSION) & 0xFF, 0x14);
	assert_int_equal((rd(&l, APIC_VERSION) >> 16) & 0xFF, 5);   /* 6 LVTs */
	assert_int_equal(rd(&l, APIC_SVR), 0xFF);
	assert_int_equal(rd(&l, APIC_DFR), 0xFFFFFFFFu);
	assert_int_equal(rd(&l, APIC_TPR), 0);
	assert_int_equal(rd(&l, APIC_LVT_TIMER), APIC_LVT_MASKED);
	assert_int_equal(rd(&l, APIC_LVT_ERROR), APIC_LVT_MASKED);
	/* Virtual wire on the BSP: LINT0 ExtINT, LINT1 NMI. */
	assert_int_equal(rd(&l, APIC_LVT_LINT0), APIC_DM_EXTINT);
	assert_int_equal(rd(&l, APIC_LVT_LINT1), APIC_DM_NMI);
	assert_true(vlapic_accepts_pic(&l));
	vlapic_init(&l, 1, false);
	assert_int_equal(rd(&l, APIC_LVT_LINT0), APIC_LVT_MASKED);
	assert_false(vlapic_accepts_pic(&l));
	/* Software-disabled: interrupts are not accepted. */
	vlapic_set_irq(&l, 0x40, false);
	assert_int_equal(vlapic_pending(&l), -1);
}

static void test_svr_masks_lvts(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 0, true);
	/* Disabled: writes cannot unmask. */
	wr(&l, APIC_LVT_ERROR, 0xFE);
	assert_int_equal(rd(&l, APIC_LVT_ERROR), APIC_LVT_MASKED | 0xFE);
	enable(&l);
	assert_int_equal(rd(&l, APIC_SVR), 0x1FF);
	wr(&l, APIC_LVT_ERROR, 0xFE);
	assert_int_equal(rd(&l, APIC_LVT_ERROR), 0xFE);
	/* Read-only bits (delivery status, remote IRR, TSC-deadline mode). */
	wr(&l, APIC_LVT_LINT1, 0xFFFFFFFFu);
	assert_int_equal(rd(&l, APIC_LVT_LINT1), 0x1A7FF);
	wr(&l, APIC_LVT_TIMER, 0xFFFFFFFFu);
	assert_int_equal(rd(&l, APIC_LVT_TIMER), 0x300FF);
	/* Clearing the enable bit masks every LVT. */
	wr(&l, APIC_SVR, 0xFF);
	for (uint32_t r = APIC_LVT_TIMER; r <= APIC_LVT_ERROR; r += 0x10)
		assert_true(rd(&l, r) & APIC_LVT_MASKED);
	assert_false(vlapic_accepts_pic(&l));
}

static void test_priorities_and_eoi(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 0, true);
	enable(&l);
	vlapic_set_irq(&l, 0x31, false);
	vlapic_set_irq(&l, 0x52, true);
	assert_int_equal(rd(&l, APIC_IRR + 0x10), (1u << (0x31 - 32)));
	assert_int_equal(rd(&l, APIC_IRR + 0x20), (1u << (0x52 - 64)));
	assert_int_equal(rd(&l, APIC_TMR + 0x20), (1u << (0x52 - 64)));
	/* TPR class 5 blocks 0x52 (class 5) and 0x31. */
	wr(&l, APIC_TPR, 0x55);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(&l, APIC_PPR), 0x55);
	wr(&l, APIC_TPR, 0x40);
	assert_int_equal(vlapic_pending(&l), 0x52);
	vlapic_accept(&l, 0x52);
	assert_int_equal(rd(&l, APIC_ISR + 0x20), (1u << (0x52 - 64)));
	assert_int_equal(rd(&l, APIC_PPR), 0x50);   /* ISR class wins over TPR 0x40 */
	assert_int_equal(vlapic_pending(&l), -1);   /* 0x31 is below class 5 */
	/* A higher class nests. */
	vlapic_set_irq(&l, 0x61, false);
	assert_int_equal(vlapic_pending(&l), 0x61);
	vlapic_accept(&l, 0x61);
	assert_int_equal(rd(&l, APIC_PPR), 0x60);
	/* EOI ends the highest in service first. */
	wr(&l, APIC_EOI, 0);
	assert_int_equal(rd(&l, APIC_ISR + 0x30), 0);
	assert_int_equal(rd(&l, APIC_ISR + 0x20), (1u << (0x52 - 64)));
	wr(&l, APIC_EOI, 0);
	wr(&l, APIC_TPR, 0);
	assert_int_equal(rd(&l, APIC_PPR), 0);
	assert_int_equal(vlapic_pending(&l), 0x31);
	/* Registers that are read-only ignore writes. */
	wr(&l, APIC_IRR, 0xFFFFFFFFu);
	wr(&l, APIC_PPR, 0xFF);
	assert_int_equal(rd(&l, APIC_IRR), 0);
	assert_int_equal(rd(&l, APIC_PPR), 0);
	assert_int_equal(rd(&l, APIC_ESR), 0);
}

static void test_errors_and_access_rules(void **state)
{
	struct vlapic l;
	uint32_t v;

	vlapic_init(&l, 0, true);
	enable(&l);
	wr(&l, APIC_LVT_ERROR, 0xE0);
	/* An illegal vector received: ESR bit 6 after the latching write,
	 * and the error LVT fires. */
	vlapic_set_irq(&l, 5, false);
	assert_int_equal(rd(&l, APIC_ESR), 0);
	wr(&l, APIC_ESR, 0);
	assert_int_equal(rd(&l, APIC_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_int_equal(vlapic_pending(&l), 0xE0);
	wr(&l, APIC_ESR, 0);
	assert_int_equal(rd(&l, APIC_ESR), 0);
	/* A reserved register: reads 0, ESR bit 7. */
	assert_int_equal(rd(&l, 0x040), 0);
	wr(&l, 0x2F0, 1);
	wr(&l, APIC_ESR, 0);
	assert_int_equal(rd(&l, APIC_ESR), APIC_ESR_ILLEGAL_REGISTER);
	/* Byte reads of a register; the reserved 12 bytes of a slot read 0. */
	wr(&l, APIC_TPR, 0xA7);
	assert_int_equal(vlapic_mmio_read(&l, APIC_ID + 3, 1, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio_read(&l, APIC_VERSION + 2, 1, 0, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(vlapic_mmio_read(&l, APIC_TPR, 2, 0, &v), 0);
	assert_int_equal(v, 0xA7);
	assert_int_equal(vlapic_mmio_read(&l, APIC_TPR + 4, 4, 0, &v), 0);
	assert_int_equal(v, 0);
	/* Unaligned or narrow writes are ignored with a warning. */
	host_log_reset();
	assert_int_equal(vlapic_mmio_write(&l, APIC_TPR, 1, 0x11, 0), 0);
	assert_int_equal(vlapic_mmio_write(&l, APIC_TPR + 4, 4, 0x22, 0), 0);
	assert_int_equal(rd(&l, APIC_TPR), 0xA7);
	assert_int_equal(host_log_count(LOG_WARN), 2);
	/* Hostile sizes and offsets are refused. */
	assert_int_equal(vlapic_mmio_read(&l, APIC_TPR, 8, 0, &v), -EINVAL);
	assert_int_equal(vlapic_mmio_write(&l, 0x1000, 4, 0, 0), -EINVAL);
	assert_int_equal(vlapic_mmio_read(&l, 0xFFFFFFF0u, 4, 0, &v), -EINVAL);
	assert_true(host_log_contains("refused"));
	/* DFR: only the model bits are writable. */
	wr(&l, APIC_DFR, 0x0);
	assert_int_equal(rd(&l, APIC_DFR), 0x0FFFFFFFu);
	wr(&l, APIC_LDR, 0x12345678u);
	assert_int_equal(rd(&l, APIC_LDR), 0x12000000u);
}

static void test_ipis(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 2, true);
	enable(&l);
	/* Self shorthand, fixed: delivered; the delivery status reads idle. */
	wr(&l, APIC_ICR_LOW, (1u << 18) | 0x45);
	assert_int_equal(vlapic_pending(&l), 0x45);
	assert_int_equal(rd(&l, APIC_ICR_LOW) & APIC_LVT_PENDING, 0);
	vlapic_accept(&l, 0x45);
	wr(&l, APIC_EOI, 0);
	/* Physical destination = own ID. */
	wr(&l, APIC_ICR_HIGH, 2u << 24);
	wr(&l, APIC_ICR_LOW, 0x46);
	assert_int_equal(vlapic_pending(&l), 0x46);
	vlapic_accept(&l, 0x46);
	wr(&l, APIC_EOI, 0);
	/* Logical flat destination that includes this APIC. */
	wr(&l, APIC_LDR, 0x04000000);
	wr(&l, APIC_ICR_HIGH, 0x04000000);
	wr(&l, APIC_ICR_LOW, BIT(11) | 0x47);
	assert_int_equal(vlapic_pending(&l), 0x47);
	vlapic_accept(&l, 0x47);
	wr(&l, APIC_EOI, 0);
	/* Another APIC ID: not delivered, logged. */
	host_log_reset();
	wr(&l, APIC_ICR_HIGH, 7u << 24);
	wr(&l, APIC_ICR_LOW, 0x48);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(l.ipis_dropped, 1);
	assert_true(host_log_contains("not delivered"));
	/* All excluding self: a lone APIC has no other, so nobody takes it. */
	wr(&l, APIC_ICR_LOW, (3u << 18) | 0x49);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(l.ipis_dropped, 2);
	/* All including self: delivered here. */
	wr(&l, APIC_ICR_LOW, (2u << 18) | 0x4A);
	assert_int_equal(vlapic_pending(&l), 0x4A);
	assert_int_equal(l.ipis_dropped, 2);
	vlapic_accept(&l, 0x4A);
	wr(&l, APIC_EOI, 0);
	/* Self shorthand with NMI delivery is not allowed (dropped with a
	 * message); an NMI to self by ID is pending for the VMM. */
	wr(&l, APIC_ICR_LOW, (1u << 18) | APIC_DM_NMI);
	assert_int_equal(l.ipis_dropped, 3);
	assert_false(vlapic_take_nmi(&l));
	wr(&l, APIC_ICR_HIGH, 2u << 24);
	wr(&l, APIC_ICR_LOW, APIC_DM_NMI);
	assert_int_equal(l.ipis_dropped, 3);
	assert_true(vlapic_take_nmi(&l));
	assert_false(vlapic_take_nmi(&l));
	assert_int_equal(vlapic_pending(&l), -1);
	/* An illegal vector sent to self: both ESR bits. */
	wr(&l, APIC_ICR_LOW, (1u << 18) | 0x0F);
	wr(&l, APIC_ESR, 0);
	assert_int_equal(rd(&l, APIC_ESR),
			 APIC_ESR_SEND_ILLEGAL_VECTOR | APIC_ESR_RECV_ILLEGAL_VECTOR);
	/* Reserved ICR bits are dropped. */
	assert_int_equal(rd(&l, APIC_ICR_LOW) & ~0x000CCFFFu, 0);
	/* The log is limited. */
	for (int i = 0; i < 20; i++)
		wr(&l, APIC_ICR_LOW, (3u << 18) | 0x50);
	assert_true(host_log_count(LOG_WARN) <= 8);
}

static void test_timer_oneshot(void **state)
{
	struct vlapic l;
	const uint64_t t0 = 1000000;

	vlapic_init(&l, 0, true);
	enable(&l);
	wr(&l, APIC_TIMER_DCR, 0xB);                   /* divide by 1: 10 ns/count */
	wr_at(&l, APIC_LVT_TIMER, 0x40, t0);
	wr_at(&l, APIC_TIMER_ICR, 1000, t0);           /* 10 us */
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 10000);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0), 1000);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 2500), 750);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 9999), 1);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_tick(&l, t0 + 10000);
	assert_int_equal(vlapic_pending(&l), 0x40);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 20000), 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);  /* fired once */
	vlapic_accept(&l, 0x40);
	wr(&l, APIC_EOI, 0);
	vlapic_tick(&l, t0 + 50000);
	assert_int_equal(vlapic_pending(&l), -1);
	/* A one-shot that ran out is not restarted by a switch to periodic. */
	wr_at(&l, APIC_LVT_TIMER, APIC_LVT_PERIODIC | 0x40, t0 + 20000);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 30000), 0);
	wr_at(&l, APIC_LVT_TIMER, 0x40, t0);
	/* Divide by 16 (0011b): 160 ns per count. */
	wr_at(&l, APIC_TIMER_DCR, 0x3, t0);
	wr_at(&l, APIC_TIMER_ICR, 100, t0);
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 16000);
	/* A vector TPR blocks cannot wake a halted vCPU. */
	wr(&l, APIC_TPR, 0x40);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(&l, APIC_TPR, 0x3F);
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 16000);
	wr(&l, APIC_TPR, 0);
	/* Divide by 128 (1010b). */
	wr_at(&l, APIC_TIMER_DCR, 0xA, t0);
	wr_at(&l, APIC_TIMER_ICR, 100, t0);
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 128000);
	/* A masked timer counts but raises nothing, and cannot wake. */
	wr_at(&l, APIC_LVT_TIMER, APIC_LVT_MASKED | 0x40, t0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	vlapic_tick(&l, t0 + 200000);
	assert_int_equal(vlapic_pending(&l), -1);
	/* Initial count 0 stops the timer. */
	wr_at(&l, APIC_LVT_TIMER, 0x40, t0);
	wr_at(&l, APIC_TIMER_ICR, 0, t0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 5), 0);
}

static void test_timer_periodic(void **state)
{
	struct vlapic l;
	const uint64_t t0 = 5000;

	vlapic_init(&l, 0, true);
	enable(&l);
	wr(&l, APIC_TIMER_DCR, 0x0);                   /* divide by 2: 20 ns/count */
	wr_at(&l, APIC_LVT_TIMER, APIC_LVT_PERIODIC | 0x41, t0);
	wr_at(&l, APIC_TIMER_ICR, 50, t0);             /* 1 us period */
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 1000);
	for (unsigned i = 1; i <= 3; i++) {
		vlapic_tick(&l, t0 + i * 1000 + 10);
		assert_int_equal(vlapic_pending(&l), 0x41);
		vlapic_accept(&l, 0x41);
		wr(&l, APIC_EOI, 0);
		assert_int_equal(vlapic_timer_deadline(&l), t0 + (i + 1) * 1000);
	}
	/* The count reloads: 1 us + 200 ns into a period, 40 counts left. */
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 4200), 40);
	/* Missed periods coalesce into one interrupt. */
	vlapic_tick(&l, t0 + 10500);
	assert_int_equal(vlapic_pending(&l), 0x41);
	vlapic_accept(&l, 0x41);
	assert_int_equal(vlapic_pending(&l), -1);
	/* In service, the timer's own class blocks its next expiry... */
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(&l, APIC_EOI, 0);
	/* ...until the EOI. */
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 11000);
	/* Switching to one-shot mid-period: this count runs out, then the
	 * timer stays at 0 (§11.5.4: the mode applies at the next expiry). */
	wr_at(&l, APIC_LVT_TIMER, 0x41, t0 + 10600);
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 11000);
	vlapic_tick(&l, t0 + 11000);
	assert_int_equal(vlapic_pending(&l), 0x41);
	vlapic_accept(&l, 0x41);
	wr(&l, APIC_EOI, 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 12000), 0);
	/* ...and switching back to periodic does not restart it. */
	wr_at(&l, APIC_LVT_TIMER, APIC_LVT_PERIODIC | 0x41, t0 + 12000);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 12500), 0);
	vlapic_tick(&l, t0 + 50000);
	assert_int_equal(vlapic_pending(&l), -1);
	/* A divide change keeps the current count continuous. */
	wr_at(&l, APIC_LVT_TIMER, APIC_LVT_PERIODIC | 0x41, t0);
	wr_at(&l, APIC_TIMER_ICR, 100, t0);            /* 20 ns/count: 2 us */
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 1000), 50);
	wr_at(&l, APIC_TIMER_DCR, 0xB, t0 + 1000);     /* now 10 ns/count */
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 1000), 50);
	assert_int_equal(rd_at(&l, APIC_TIMER_CCR, t0 + 1200), 30);
	assert_int_equal(vlapic_timer_deadline(&l), t0 + 1500);
}

/* IA32_APIC_BASE modes: disabled resets the registers and leaves the
 * page unbacked and the PIC wired to INTR; re-enabling finds the reset
 * state; x2APIC mode turns the page off. */
static void test_modes(void **state)
{
	struct vlapic l;
	uint32_t v;

	vlapic_init(&l, 2, true);
	enable(&l);
	wr(&l, APIC_TPR, 0x30);
	wr(&l, APIC_LVT_LINT0, APIC_LVT_MASKED | APIC_DM_EXTINT);
	assert_false(vlapic_accepts_pic(&l));
	vlapic_set_irq(&l, 0x50, false);
	vlapic_set_mode(&l, VLAPIC_DISABLED);
	assert_int_equal(l.mode, VLAPIC_DISABLED);
	assert_true(vlapic_accepts_pic(&l));          /* INTR straight to the CPU */
	assert_int_equal(vlapic_pending(&l), -1);     /* IRR cleared */
	vlapic_set_irq(&l, 0x51, false);              /* ignored while disabled */
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_mmio_read(&l, APIC_VERSION, 4, 0, &v), 0);
	assert_int_equal(v, 0xFFFFFFFFu);             /* unbacked page */
	assert_int_equal(vlapic_mmio_read(&l, APIC_VERSION, 2, 0, &v), 0);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(vlapic_mmio_write(&l, APIC_SVR, 4, 0x1FF, 0), 0);
	assert_int_equal(l.svr, 0xFF);                /* write went nowhere */
	vlapic_set_mode(&l, VLAPIC_XAPIC);
	assert_int_equal(rd(&l, APIC_ID), 2u << 24);  /* the ID survives */
	assert_int_equal(rd(&l, APIC_TPR), 0);        /* the rest is reset */
	assert_int_equal(rd(&l, APIC_SVR), 0xFF);
	/* x2APIC: the page is off, the MSRs on; the LDR follows the ID. */
	vlapic_set_mode(&l, VLAPIC_X2APIC);
	assert_int_equal(vlapic_mmio_read(&l, APIC_VERSION, 4, 0, &v), 0);
	assert_int_equal(v, 0xFFFFFFFFu);
	{
		uint64_t x;
		assert_int_equal(vlapic_x2apic_read(&l, 0x80D, 0, &x), 0);
		assert_int_equal(x, (0u << 16) | (1u << 2));
		assert_int_equal(vlapic_x2apic_read(&l, 0x802, 0, &x), 0);
		assert_int_equal(x, 2);
	}
}

/* CR8 is TPR[7:4] (§11.8.6); the changed flag follows every state change. */
static void test_cr8_and_changed(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 0, true);
	enable(&l);
	wr(&l, APIC_TPR, 0x5A);
	assert_int_equal(vlapic_get_cr8(&l), 5);
	l.changed = false;
	vlapic_set_cr8(&l, 3);
	assert_true(l.changed);
	assert_int_equal(rd(&l, APIC_TPR), 0x30);     /* 3:0 cleared */
	assert_int_equal(rd(&l, APIC_PPR), 0x30);
	/* A vector in class 3 is held back, class 4 presented. */
	vlapic_set_irq(&l, 0x35, false);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_cr8(&l, 2);
	assert_int_equal(vlapic_pending(&l), 0x35);
	l.changed = false;
	vlapic_set_irq(&l, 0x60, false);
	assert_true(l.changed);
	l.changed = false;
	wr(&l, APIC_TIMER_ICR, 100);
	assert_true(l.changed);
	l.changed = false;
	assert_int_equal(rd(&l, APIC_VERSION) & 0xFF, 0x14);
	assert_false(l.changed);                      /* a read changes nothing */
}

/* The x2APIC MSR interface (§11.12.1.2): #GP outside x2APIC mode, on
 * reserved and absent registers, writes to read-only ones, reads of
 * write-only ones, reserved bits; the 64-bit ICR and SELF IPI. */
static void test_x2apic_msrs(void **state)
{
	struct vlapic l;
	uint64_t x;

	vlapic_init(&l, 1, true);
	assert_int_equal(vlapic_x2apic_read(&l, 0x803, 0, &x), -EINVAL);   /* xAPIC mode */
	vlapic_set_mode(&l, VLAPIC_X2APIC);
	assert_int_equal(vlapic_x2apic_read(&l, 0x803, 0, &x), 0);
	assert_int_equal(x, VLAPIC_VERSION);
	assert_int_equal(vlapic_x2apic_write(&l, 0x80F, 0x1FF, 0), 0);      /* SVR */
	assert_int_equal(vlapic_x2apic_read(&l, 0x80F, 0, &x), 0);
	assert_int_equal(x, 0x1FF);
	assert_int_equal(vlapic_x2apic_write(&l, 0x802, 5, 0), -EINVAL);    /* ID read-only */
	assert_int_equal(vlapic_x2apic_write(&l, 0x80D, 5, 0), -EINVAL);    /* LDR read-only */
	assert_int_equal(vlapic_x2apic_write(&l, 0x80A, 0, 0), -EINVAL);    /* PPR */
	assert_int_equal(vlapic_x2apic_write(&l, 0x820, 0, 0), -EINVAL);    /* IRR */
	assert_int_equal(vlapic_x2apic_read(&l, 0x80E, 0, &x), -EINVAL);    /* no DFR */
	assert_int_equal(vlapic_x2apic_read(&l, 0x809, 0, &x), -EINVAL);    /* no APR */
	assert_int_equal(vlapic_x2apic_read(&l, 0x831, 0, &x), -EINVAL);    /* no ICR high */
	assert_int_equal(vlapic_x2apic_read(&l, 0x8FF, 0, &x), -EINVAL);    /* reserved */
	assert_int_equal(vlapic_x2apic_read(&l, 0x80B, 0, &x), -EINVAL);    /* EOI write-only */
	assert_int_equal(vlapic_x2apic_read(&l, 0x83F, 0, &x), -EINVAL);    /* SELF IPI */
	assert_int_equal(vlapic_x2apic_write(&l, 0x80B, 1, 0), -EINVAL);    /* EOI non-zero */
	assert_int_equal(vlapic_x2apic_write(&l, 0x828, 1, 0), -EINVAL);    /* ESR non-zero */
	assert_int_equal(vlapic_x2apic_write(&l, 0x808, 1ULL << 32, 0), -EINVAL);
	assert_int_equal(vlapic_x2apic_write(&l, 0x83F, 0x140, 0), -EINVAL);
	/* SELF IPI and EOI. */
	assert_int_equal(vlapic_x2apic_write(&l, 0x83F, 0x40, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x40);
	vlapic_accept(&l, 0x40);
	assert_int_equal(vlapic_x2apic_write(&l, 0x80B, 0, 0), 0);
	assert_int_equal(vlapic_x2apic_read(&l, 0x810 + 2, 0, &x), 0);     /* ISR 64-95 */
	assert_int_equal(x, 0);
	/* The 64-bit ICR: destination in 63:32, our x2APIC ID 1. */
	assert_int_equal(vlapic_x2apic_write(&l, 0x830, (1ULL << 32) | 0x41, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x41);
	assert_int_equal(vlapic_x2apic_read(&l, 0x830, 0, &x), 0);
	assert_int_equal(x, (1ULL << 32) | 0x41);
	vlapic_accept(&l, 0x41);
	vlapic_x2apic_write(&l, 0x80B, 0, 0);
	/* Broadcast 0xFFFFFFFF reaches us; 0xFF (an xAPIC broadcast) does not. */
	assert_int_equal(vlapic_x2apic_write(&l, 0x830, (0xFFFFFFFFULL << 32) | 0x42, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x42);
	vlapic_accept(&l, 0x42);
	vlapic_x2apic_write(&l, 0x80B, 0, 0);
	assert_int_equal(vlapic_x2apic_write(&l, 0x830, (0xFFULL << 32) | 0x43, 0), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	/* Logical: cluster 0, member bit 1 (ID 1). */
	assert_int_equal(vlapic_x2apic_write(&l, 0x830, (0x2ULL << 32) | BIT(11) | 0x44, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x44);
	/* Timer registers through MSRs. */
	assert_int_equal(vlapic_x2apic_write(&l, 0x83E, 0xB, 0), 0);        /* DCR /1 */
	assert_int_equal(vlapic_x2apic_write(&l, 0x838, 1000, 0), 0);
	assert_int_equal(vlapic_x2apic_read(&l, 0x839, 0, &x), 0);
	assert_int_equal(x, 1000);
	assert_int_equal(vlapic_x2apic_write(&l, 0x839, 5, 0), -EINVAL);    /* CCR read-only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_svr_masks_lvts),
		cmocka_unit_test(test_priorities_and_eoi),
		cmocka_unit_test(test_errors_and_access_rules),
		cmocka_unit_test(test_ipis),
		cmocka_unit_test(test_timer_oneshot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_cr8_and_changed),
		cmocka_unit_test(test_x2apic_msrs),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
