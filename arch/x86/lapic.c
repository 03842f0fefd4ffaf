/* lapic.c - the local APIC (Intel SDM vol. 3 §11): x2APIC through MSRs when
 * the CPU has it and hv_opts.x2apic allows it, else xAPIC through MMIO. The
 * BSP picks the mode once in lapic_init(); every AP follows it in
 * lapic_init_ap(). Provides EOI, IPIs (fixed, NMI, INIT, STARTUP) and the
 * timer (one-shot, periodic, and a masked free-running count for
 * calibration). */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/options.h>
#include <plinth/panic.h>
#include <x86/apic_encode.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/irq.h>
#include <x86/lapic.h>
#include <x86/percpu.h>

/* Register offsets in the xAPIC MMIO page (SDM vol. 3 §11.4.1, Table 11-1).
 * In x2APIC mode the same register is MSR 0x800 + offset / 16 (§11.12.1.2,
 * Table 11-6). */
#define LAPIC_ID            0x020
#define LAPIC_VERSION       0x030
#define LAPIC_TPR           0x080
#define LAPIC_EOI           0x0B0
#define LAPIC_SVR           0x0F0
#define LAPIC_ISR0          0x100   /* eight 32-bit registers, 0x10 apart */
#define LAPIC_ESR           0x280
#define LAPIC_LVT_CMCI      0x2F0
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310   /* xAPIC only: x2APIC's ICR is one 64-bit MSR */
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_THERMAL   0x330
#define LAPIC_LVT_PERF      0x340
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3E0
#define X2APIC_MSR_BASE     0x800
#define LAPIC_MMIO_SIZE     4096

/* IA32_APIC_BASE (§11.4.4, §11.12.1): BSP flag, x2APIC enable (EXTD),
 * global enable (EN), base address in bits 12 up to MAXPHYADDR-1. */
#define APIC_BASE_BSP       BIT(8)
#define APIC_BASE_EXTD      BIT(10)
#define APIC_BASE_EN        BIT(11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ULL

#define SVR_APIC_ENABLE     BIT(8)    /* §11.9: software enable */

/* LVT fields (§11.5.1, Figure 11-8). */
#define LVT_MASKED          (1u << 16)
#define LVT_DELIV_EXTINT    (7u << 8)
#define LVT_TIMER_ONESHOT   (0u << 17)
#define LVT_TIMER_PERIODIC  (1u << 17)
#define VERSION_MAX_LVT(v)  (((v) >> 16) & 0xFF)   /* entries - 1 (§11.4.8) */
/* Divide configuration 0011b = divide by 16 (§11.5.4, Figure 11-10). */
#define TIMER_DIVIDE_BY_16  0x3u

/* ICR fields (§11.6.1, Figure 11-12). */
#define ICR_DELIV_FIXED     (0u << 8)
#define ICR_DELIV_NMI       (4u << 8)
#define ICR_DELIV_INIT      (5u << 8)
#define ICR_DELIV_STARTUP   (6u << 8)
#define ICR_SEND_PENDING    (1u << 12)   /* delivery status, xAPIC only */
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_ALL_BUT_SELF    (3u << 18)

/* How many polls of the delivery-status bit before an IPI is given up as
 * stuck. Delivery takes well under a microsecond on hardware; a poll is at
 * least a few nanoseconds, so this is far beyond any real delay. */
#define ICR_IDLE_POLLS      1000000
/* APIC error interrupts reported before going quiet (an error storm must
 * not flood the log). */
#define MAX_ERROR_REPORTS   16

static bool use_x2apic;                 /* chosen once by the BSP */
static volatile uint32_t *lapic_mmio;   /* xAPIC register page, NULL in x2APIC mode */
static paddr_t lapic_phys;
static bool lapic_is_ready;
static uint32_t timer_ticks_per_ms;
static void (*timer_hook)(struct irq_frame *frame);
static unsigned error_reports;

static uint32_t lapic_read(unsigned reg)
{
	if (use_x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (use_x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

/* The APIC ID the CPU reports through CPUID: the 32-bit x2APIC ID from leaf
 * 0BH when that leaf exists (EBX != 0), else the 8-bit initial APIC ID in
 * CPUID.1:EBX[31:24] (SDM vol. 3 §11.4.6, §11.12.8). */
static uint32_t cpuid_apic_id(void)
{
	uint32_t a, b, c, d;
	cpuid(0, &a, &b, &c, &d);
	if (a >= 0xB) {
		cpuid_count(0xB, 0, &a, &b, &c, &d);
		if (b != 0)
			return d;
	}
	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

/* True if this CPU's APIC is in the mode the BSP chose, so its registers
 * can be accessed (an AP is still in xAPIC mode until lapic_init_ap()). */
static bool this_apic_in_mode(void)
{
	if (!lapic_is_ready)
		return false;
	if (use_x2apic)
		return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD) != 0;
	return true;
}

bool lapic_x2apic_mode(void) { return use_x2apic; }
bool lapic_ready(void) { return lapic_is_ready; }

uint32_t lapic_id(void)
{
	if (!this_apic_in_mode())
		return cpuid_apic_id();
	if (use_x2apic)
		return lapic_read(LAPIC_ID);   /* the full 32-bit x2APIC ID (§11.12.5.1) */
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	/* §11.8.5: any write to EOI; x2APIC requires the value 0. */
	lapic_write(LAPIC_EOI, 0);
}

/* ---- interrupt handlers ---- */

static void lapic_timer_irq(struct irq_frame *frame)
{
	struct percpu *pc = this_cpu();
	pc->timer_irqs = pc->timer_irqs + 1;
	void (*hook)(struct irq_frame *) = READ_ONCE(timer_hook);
	if (hook)
		hook(frame);
}

static void lapic_error_irq(struct irq_frame *frame)
{
	(void)frame;
	/* §11.5.3: write ESR (0 in x2APIC mode) to latch the errors, then read. */
	lapic_write(LAPIC_ESR, 0);
	uint32_t esr = lapic_read(LAPIC_ESR);
	if (__atomic_fetch_add(&error_reports, 1, __ATOMIC_RELAXED) < MAX_ERROR_REPORTS)
		pr_warn("lapic: CPU %u (APIC id %u) APIC error, ESR 0x%x (SDM vol. 3 §11.5.3)",
			this_cpu()->cpu_id, lapic_id(), esr);
}

void lapic_timer_set_hook(void (*hook)(struct irq_frame *frame))
{
	WRITE_ONCE(timer_hook, hook);
}

/* ---- per-CPU programming ---- */

/* Put this CPU's APIC into the chosen mode through IA32_APIC_BASE. x2APIC
 * can only be entered from xAPIC mode (EN=1, EXTD=0), never directly from
 * disabled (§11.12.5, Figure 11-27). */
static void lapic_enable_mode(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (use_x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
}

/* Program LINT0/LINT1. NMI wiring comes from the MADT local APIC NMI
 * entries for this CPU's ACPI UID (ACPI 6.5 §5.2.12.7). Without such entries
 * the BSP keeps what the firmware set (normally LINT1 = NMI) and the APs'
 * pins stay masked. LINT0's ExtINT (the 8259 in virtual-wire mode) is masked
 * when I/O APICs carry the ISA interrupts. */
static void lapic_setup_lints(bool bsp)
{
	uint32_t lint[2];
	if (bsp) {
		lint[0] = lapic_read(LAPIC_LVT_LINT0);
		lint[1] = lapic_read(LAPIC_LVT_LINT1);
		if (acpi.ioapic_count)
			lint[0] = LVT_MASKED | LVT_DELIV_EXTINT;
	} else {
		lint[0] = LVT_MASKED;
		lint[1] = LVT_MASKED;
	}

	uint32_t my_id = lapic_id();
	bool have_uid = false;
	uint32_t uid = 0;
	for (unsigned i = 0; i < acpi.cpu_count && i < ACPI_MAX_CPUS; i++) {
		if (acpi.cpus[i].apic_id == my_id) {
			uid = acpi.cpus[i].uid;
			have_uid = true;
			break;
		}
	}
	for (unsigned i = 0; i < acpi.lapic_nmi_count && i < ACPI_MAX_LAPIC_NMIS; i++) {
		const struct acpi_lapic_nmi *nmi = &acpi.lapic_nmis[i];
		if (nmi->lint > 1)
			continue;
		if (nmi->uid == ACPI_NMI_ALL_CPUS || (have_uid && nmi->uid == uid))
			lint[nmi->lint] = lapic_lint_nmi_lvt(nmi->flags);
	}
	lapic_write(LAPIC_LVT_LINT0, lint[0]);
	lapic_write(LAPIC_LVT_LINT1, lint[1]);
}

/* Everything both the BSP and the APs program (§11.4.7.x, §11.5, §11.9):
 * TPR 0 (accept all), LVTs masked except error, timer divide 16, ESR clear,
 * stale in-service bits acknowledged, then software enable with the
 * spurious vector. */
static void lapic_setup_common(bool bsp)
{
	uint32_t max_lvt = VERSION_MAX_LVT(lapic_read(LAPIC_VERSION));

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	/* Entries beyond the Max LVT Entry field do not exist; in x2APIC mode
	 * touching them faults (§11.4.8, §11.12.1.2). Order: timer, thermal,
	 * perf, LINT0, LINT1, error = 5 entries; CMCI is the 7th. */
	if (max_lvt >= 4)
		lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	if (max_lvt >= 5)
		lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
	if (max_lvt >= 6)
		lapic_write(LAPIC_LVT_CMCI, LVT_MASKED);
	lapic_setup_lints(bsp);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	/* §11.5.3: back-to-back writes clear the ESR. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);

	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | VEC_SPURIOUS);

	/* An interrupt the firmware left in service would block every lower
	 * priority class (§11.8.3.1): acknowledge each one, at most 256. */
	for (unsigned n = 0; n < 256; n++) {
		bool any = false;
		for (unsigned i = 0; i < 8; i++)
			any |= lapic_read(LAPIC_ISR0 + i * 0x10) != 0;
		if (!any)
			break;
		lapic_eoi();
	}
}

void lapic_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	/* CPUID.1:EDX.APIC[bit 9], ECX.x2APIC[bit 21] (SDM vol. 2A, CPUID). */
	if (!(d & BIT(9)))
		panic("lapic: this CPU has no local APIC (CPUID.1:EDX bit 9); plinth needs one");
	bool has_x2apic = (c & BIT(21)) != 0;

	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	bool firmware_x2 = (base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
			   (APIC_BASE_EN | APIC_BASE_EXTD);
	if (firmware_x2 && !hv_opts.x2apic)
		/* Leaving x2APIC needs a full disable, which resets the APIC and
		 * loses the firmware's LINT setup (§11.12.5); not worth it. */
		pr_warn("lapic: the firmware already enabled x2APIC mode; x2apic=off ignored");
	use_x2apic = firmware_x2 || (has_x2apic && hv_opts.x2apic);

	if (!use_x2apic) {
		lapic_phys = base & APIC_BASE_ADDR_MASK;
		if (acpi.lapic_addr && acpi.lapic_addr != lapic_phys)
			pr_warn("lapic: MADT says the local APIC is at 0x%llx, IA32_APIC_BASE says "
				"0x%llx; using IA32_APIC_BASE", (unsigned long long)acpi.lapic_addr,
				(unsigned long long)lapic_phys);
		lapic_mmio = ioremap(lapic_phys, LAPIC_MMIO_SIZE);
		if (!lapic_mmio)
			panic("lapic: cannot map the local APIC at 0x%llx",
			      (unsigned long long)lapic_phys);
	}

	int err = irq_set_handler(VEC_LAPIC_TIMER, lapic_timer_irq);
	if (err)
		pr_err("lapic: cannot install the timer handler on vector 0x%x (error %d)",
		       VEC_LAPIC_TIMER, err);
	err = irq_set_handler(VEC_LAPIC_ERROR, lapic_error_irq);
	if (err)
		pr_err("lapic: cannot install the error handler on vector 0x%x (error %d)",
		       VEC_LAPIC_ERROR, err);

	lapic_enable_mode();
	lapic_is_ready = true;
	lapic_setup_common(true);

	uint32_t version = lapic_read(LAPIC_VERSION);
	if (use_x2apic)
		pr_info("lapic: x2APIC mode, id %u (version 0x%x, %u LVT entries)", lapic_id(),
			version & 0xFF, VERSION_MAX_LVT(version) + 1);
	else
		pr_info("lapic: xAPIC mode at 0x%llx, id %u (version 0x%x, %u LVT entries)%s",
			(unsigned long long)lapic_phys, lapic_id(), version & 0xFF,
			VERSION_MAX_LVT(version) + 1,
			has_x2apic ? "; x2APIC present but disabled by x2apic=off" : "");
}

void lapic_init_ap(void)
{
	lapic_enable_mode();
	lapic_setup_common(false);
	this_cpu()->lapic_ticks_per_ms = timer_ticks_per_ms;
}

/* ---- IPIs ---- */

/* Wait until the previous IPI left the xAPIC (§11.6.1: software should
 * poll the delivery status bit before writing the ICR). x2APIC has no such
 * bit: the WRMSR itself waits (§11.12.9). Returns false if stuck. */
static bool icr_wait_idle(void)
{
	if (use_x2apic)
		return true;
	for (unsigned i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_SEND_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

/* Send one IPI: 'low' is the ICR's low word, 'dest' the APIC ID (ignored
 * with a shorthand). Interrupts are held off so the xAPIC's two-register
 * write is not split by a handler that sends an IPI itself. Returns 0, or
 * -EINVAL (ID too large for xAPIC) / -EBUSY (delivery status stuck). */
static int icr_send(uint32_t dest, uint32_t low)
{
	/* Every caller runs on a CPU past lapic_init()/lapic_init_ap(), except
	 * panic's NMI, which checks this CPU's mode itself. */
	if (!lapic_is_ready)
		return -ENODEV;
	if (!use_x2apic && dest > 0xFF)
		return -EINVAL;

	uint64_t flags = irq_save();
	int err = 0;
	if (use_x2apic) {
		/* WRMSR to x2APIC registers is not serializing (§11.12.3): fence
		 * so the target sees every store made before the IPI. */
		__asm__ __volatile__("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_BASE + (LAPIC_ICR_LOW >> 4), ((uint64_t)dest << 32) | low);
	} else {
		if (!icr_wait_idle())
			err = -EBUSY;
		lapic_write(LAPIC_ICR_HIGH, dest << 24);
		lapic_write(LAPIC_ICR_LOW, low);   /* this write sends */
		if (!icr_wait_idle())
			err = -EBUSY;
	}
	irq_restore(flags);
	return err;
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	int err = icr_send(apic_id, ICR_DELIV_FIXED | ICR_LEVEL_ASSERT | vector);
	if (err)
		pr_warn("lapic: IPI 0x%x to APIC id %u failed (error %d)", vector, apic_id, err);
}

void lapic_send_nmi_all_but_self(void)
{
	/* Used by panic, possibly on an AP still in bring-up (its APIC not yet
	 * in x2APIC mode: the ICR MSR would fault). No logging here: the
	 * caller is already reporting. */
	if (!this_apic_in_mode())
		return;
	(void)icr_send(0, ICR_ALL_BUT_SELF | ICR_DELIV_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	/* §9.4.4.1 / §11.6.1: INIT, level assert. Pre-x2APIC processors also
	 * expect the level de-assert that follows ("INIT Level De-assert"),
	 * which x2APIC mode no longer has (§11.12.9). */
	int err = icr_send(apic_id, ICR_DELIV_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	if (!err && !use_x2apic)
		err = icr_send(apic_id, ICR_DELIV_INIT | ICR_TRIGGER_LEVEL);
	if (err)
		pr_warn("lapic: INIT to APIC id %u failed (error %d)", apic_id, err);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	/* §11.6.1: the vector field of a STARTUP IPI is the 4-KiB page number
	 * of the real-mode start address (page << 12 = CS base, IP 0). */
	int err = icr_send(apic_id, ICR_DELIV_STARTUP | ICR_LEVEL_ASSERT | page);
	if (err)
		pr_warn("lapic: STARTUP to APIC id %u failed (error %d)", apic_id, err);
}

/* ---- timer (§11.5.4) ---- */

static void lapic_timer_start(uint32_t ticks, uint32_t mode)
{
	if (ticks == 0) {
		/* Writing 0 to the initial count stops the timer (§11.5.4). */
		lapic_write(LAPIC_TIMER_INITIAL, 0);
		lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
		return;
	}
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, mode | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, ticks);   /* starts the count */
}

void lapic_timer_oneshot(uint32_t ticks) { lapic_timer_start(ticks, LVT_TIMER_ONESHOT); }
void lapic_timer_periodic(uint32_t ticks) { lapic_timer_start(ticks, LVT_TIMER_PERIODIC); }

void lapic_timer_count_start(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_TIMER_ONESHOT | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFFu);
}

uint32_t lapic_timer_count_read(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}

uint32_t lapic_timer_ticks_per_ms(void) { return timer_ticks_per_ms; }

void lapic_timer_set_ticks_per_ms(uint32_t ticks)
{
	timer_ticks_per_ms = ticks;
	this_cpu()->lapic_ticks_per_ms = ticks;
}
