/* x2apic.c - test guest: the local APIC's global state and its x2APIC
 * interface (vmm/vlapic.c, vmm/msr.c, vmm/exit_cpu.c; Intel SDM vol. 3
 * §11.4.3, §11.12). CPUID shows the APIC (leaf 1 EDX[9]) and x2APIC (ECX[21]);
 * IA32_APIC_BASE's enable bit turns the APIC off (CPUID follows, the
 * page is unbacked, 8259 interrupts reach the CPU directly: the PIT's IRQ 0
 * is taken with LINT0 masked) and back on in its reset state; x2APIC mode:
 * the MSRs 0x800-0x8FF with their #GP rules, self-IPIs through SELF IPI and
 * the 64-bit ICR, TPR through the MSR, the page turned off, and the legal
 * mode transitions; NMIs by ICR, injected and blocked until IRET. Exits
 * with the number of failures. */
#include "apic_regs.h"
#include "guest.h"

#define NO_FAULT 0xFFFFFFFFu
#define GP 13u
#define MSR_APIC_BASE 0x1B
#define X2APIC_ID      0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR     0x808
#define X2APIC_EOI     0x80B
#define X2APIC_LDR     0x80D
#define X2APIC_SVR     0x80F
#define X2APIC_ICR     0x830
#define X2APIC_SELF    0x83F
#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define PIT_CH0   0x40
#define PIT_MODE  0x43
#define PIC_VECTOR_BASE 0x30

static volatile uint32_t pit_irqs, ipi_count[256];

void pit_irq(void);
void pit_irq(void)
{
	pit_irqs++;
	outb(PIC1_CMD, 0x20);   /* non-specific EOI */
}
GUEST_IRQ_STUB(pit_stub, pit_irq);

#define X2_HANDLER(vec)                                               \
	void x2_irq_##vec(void);                                      \
	void x2_irq_##vec(void)                                       \
	{                                                             \
		ipi_count[vec]++;                                     \
		__asm__ __volatile__("wrmsr" :: "c"(X2APIC_EOI),      \
				     "a"(0), "d"(0));                 \
	}                                                             \
	GUEST_IRQ_STUB(x2_stub_##vec, x2_irq_##vec)

X2_HANDLER(0x50);
X2_HANDLER(0x51);
X2_HANDLER(0x55);

static void check_gp(uint32_t vec, const char *name)
{
	guest_check(vec == GP, name, vec);
}

/* Let interrupts in for a while: IF=1 around a spin that never exits. */
static void spin_with_interrupts(volatile uint32_t *until_nonzero, uint32_t loops)
{
	__asm__ __volatile__("sti");
	for (uint32_t i = 0; i < loops && !*until_nonzero; i++)
		__asm__ __volatile__("pause");
	__asm__ __volatile__("cli");
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11); outb(PIC1_DATA, PIC_VECTOR_BASE); outb(PIC1_DATA, 0x04);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_CMD, 0x11); outb(PIC2_DATA, PIC_VECTOR_BASE + 8); outb(PIC2_DATA, 0x02);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xFE);   /* IRQ 0 only */
	outb(PIC2_DATA, 0xFF);
}

/* PIT channel 0, mode 2 (rate generator), count ~1 ms at 1.193182 MHz. */
static void pit_start(void)
{
	outb(PIT_MODE, 0x34);
	outb(PIT_CH0, 0xA9);
	outb(PIT_CH0, 0x04);
}

static void test_global_disable(uint32_t apic_id)
{
	uint32_t r[4];
	uint64_t v = 0;

	/* xAPIC, software-enabled, LINT0 masked: the 8259 cannot reach the
	 * CPU through the APIC (SDM §11.5.1). */
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED | (7u << 8));
	pic_init();
	pit_start();
	pit_irqs = 0;
	spin_with_interrupts(&pit_irqs, 3000000);
	guest_check(pit_irqs == 0, "LINT0 masked: the PIT's IRQ 0 does not reach the CPU", pit_irqs);

	/* Globally disabled: as a CPU without an APIC (SDM §11.4.3). */
	guest_check(wrmsr_try(MSR_APIC_BASE, 0xFEE00100ULL) == NO_FAULT,
		    "APIC_BASE: global disable", 0);
	cpuid(1, 0, r);
	guest_check(!(r[3] & (1u << 9)), "disabled: CPUID.1:EDX.APIC clear", r[3]);
	guest_check(apic_read(APIC_VERSION) == 0xFFFFFFFFu, "disabled: the APIC page is unbacked",
		    apic_read(APIC_VERSION));
	spin_with_interrupts(&pit_irqs, 3000000);
	guest_check(pit_irqs > 0, "disabled: 8259 interrupts go straight to INTR", pit_irqs);
	outb(PIC1_DATA, 0xFF);
	outb(PIT_MODE, 0x30);    /* channel 0 mode 0, no count: stops the rate generator */

	/* Enabled again: in the reset state, the ID kept. */
	guest_check(wrmsr_try(MSR_APIC_BASE, 0xFEE00900ULL) == NO_FAULT &&
		    rdmsr_try(MSR_APIC_BASE, &v) == NO_FAULT && v == 0xFEE00900ULL,
		    "APIC_BASE: enabled again", (uint32_t)v);
	cpuid(1, 0, r);
	guest_check(r[3] & (1u << 9), "enabled: CPUID.1:EDX.APIC set", r[3]);
	guest_check(apic_read(APIC_SVR) == 0xFF, "enabled again: SVR in its reset state",
		    apic_read(APIC_SVR));
	guest_check(apic_read(APIC_ID) >> 24 == apic_id, "enabled again: the ID kept",
		    apic_read(APIC_ID));
}

static void test_x2apic(uint32_t apic_id)
{
	uint64_t v = 0;
	uint32_t r[4];

	check_gp(rdmsr_try(X2APIC_VERSION, &v), "xAPIC mode: x2APIC MSR read -> #GP");
	guest_check(wrmsr_try(MSR_APIC_BASE, 0xFEE00D00ULL) == NO_FAULT, "x2APIC mode on", 0);
	guest_check(rdmsr_try(X2APIC_ID, &v) == NO_FAULT && v == apic_id,
		    "x2APIC ID = CPUID.1:EBX[31:24]", (uint32_t)v);
	guest_check(rdmsr_try(X2APIC_VERSION, &v) == NO_FAULT && (v & 0xFF) == 0x14,
		    "x2APIC version 0x14", (uint32_t)v);
	guest_check(rdmsr_try(X2APIC_LDR, &v) == NO_FAULT &&
		    v == (((apic_id >> 4) << 16) | (1u << (apic_id & 0xF))),
		    "x2APIC LDR derived from the ID", (uint32_t)v);
	cpuid(0xB, 0, r);
	guest_check(r[3] == apic_id, "CPUID.0BH:EDX = x2APIC ID", r[3]);
	guest_check(apic_read(APIC_VERSION) == 0xFFFFFFFFu, "x2APIC mode: the page is off",
		    apic_read(APIC_VERSION));
	check_gp(wrmsr_try(X2APIC_ID, 5), "write to the read-only ID -> #GP");
	check_gp(wrmsr_try(X2APIC_LDR, 5), "write to the read-only LDR -> #GP");
	check_gp(rdmsr_try(X2APIC_EOI, &v), "read of write-only EOI -> #GP");
	check_gp(wrmsr_try(X2APIC_EOI, 1), "non-zero EOI -> #GP");
	check_gp(rdmsr_try(0x831, &v), "no ICR high in x2APIC mode -> #GP");
	check_gp(rdmsr_try(0x80E, &v), "no DFR in x2APIC mode -> #GP");
	check_gp(rdmsr_try(0x800, &v), "reserved x2APIC MSR -> #GP");
	check_gp(wrmsr_try(X2APIC_TPR, 1ULL << 32), "TPR bits 63:32 reserved -> #GP");
	check_gp(wrmsr_try(X2APIC_SELF, 0x150), "SELF IPI bits 31:8 reserved -> #GP");

	guest_check(wrmsr_try(X2APIC_SVR, 0x1FF) == NO_FAULT && rdmsr_try(X2APIC_SVR, &v) == NO_FAULT &&
		    v == 0x1FF, "SVR enable through the MSR", (uint32_t)v);
	wrmsr_try(X2APIC_SELF, 0x50);
	spin_with_interrupts(&ipi_count[0x50], 1000);
	guest_check(ipi_count[0x50] == 1, "self-IPI through SELF IPI taken", ipi_count[0x50]);
	wrmsr_try(X2APIC_ICR, ((uint64_t)apic_id << 32) | 0x51);
	spin_with_interrupts(&ipi_count[0x51], 1000);
	guest_check(ipi_count[0x51] == 1, "IPI to own x2APIC ID through the 64-bit ICR",
		    ipi_count[0x51]);
	guest_check(rdmsr_try(X2APIC_ICR, &v) == NO_FAULT && v == (((uint64_t)apic_id << 32) | 0x51),
		    "ICR reads back 64 bits", (uint32_t)v);
	/* TPR class 6 holds vector 0x55 back until it drops. */
	wrmsr_try(X2APIC_TPR, 0x60);
	wrmsr_try(X2APIC_SELF, 0x55);
	spin_with_interrupts(&ipi_count[0x55], 100000);
	guest_check(ipi_count[0x55] == 0, "TPR 0x60 holds vector 0x55 back", ipi_count[0x55]);
	wrmsr_try(X2APIC_TPR, 0);
	spin_with_interrupts(&ipi_count[0x55], 1000);
	guest_check(ipi_count[0x55] == 1, "... taken when TPR drops", ipi_count[0x55]);

	check_gp(wrmsr_try(MSR_APIC_BASE, 0xFEE00900ULL), "x2APIC -> xAPIC -> #GP");
	guest_check(wrmsr_try(MSR_APIC_BASE, 0xFEE00100ULL) == NO_FAULT &&
		    wrmsr_try(MSR_APIC_BASE, 0xFEE00900ULL) == NO_FAULT,
		    "x2APIC -> disabled -> xAPIC", 0);
	guest_check((apic_read(APIC_VERSION) & 0xFF) == 0x14, "xAPIC again: the page is back",
		    apic_read(APIC_VERSION));
}

/* NMIs (SDM vol. 3 §6.7.1, §11.6.1): a self-NMI by ID through the ICR is
 * taken at once (vector 2, the ICR vector ignored); a second one arrives
 * after the first handler's IRET ended the NMI blocking. */
static void test_nmi(uint32_t apic_id)
{
	uint32_t vec;

	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_ICR_HIGH, apic_id << 24);
	vec = GUEST_TRY("movl %1, (%0)", : : "r"(APIC_BASE + APIC_ICR_LOW), "r"((4u << 8) | 0x77)
			: "memory");
	guest_check(vec == 2, "self-NMI through the ICR taken as vector 2", vec);
	vec = GUEST_TRY("movl %1, (%0)", : : "r"(APIC_BASE + APIC_ICR_LOW), "r"(4u << 8)
			: "memory");
	guest_check(vec == 2, "a second NMI after the first handler's IRET", vec);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t r[4], apic_id;

	(void)magic;
	(void)info;
	guest_puts("x2apic guest: APIC global enable and the x2APIC MSRs\n");
	guest_idt_init();
	guest_set_irq_handler(PIC_VECTOR_BASE, pit_stub);
	guest_set_irq_handler(0x50, x2_stub_0x50);
	guest_set_irq_handler(0x51, x2_stub_0x51);
	guest_set_irq_handler(0x55, x2_stub_0x55);

	cpuid(1, 0, r);
	apic_id = r[1] >> 24;
	guest_check(r[3] & (1u << 9), "CPUID.1:EDX.APIC set (every VM has a local APIC)", r[3]);
	guest_check(r[2] & (1u << 21), "CPUID.1:ECX.x2APIC set", r[2]);
	test_global_disable(apic_id);
	test_x2apic(apic_id);
	test_nmi(apic_id);
	return guest_summary();
}
