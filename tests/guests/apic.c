/* apic.c - test guest: the local APIC plinth emulates at 0xFEE00000
 * (vmm/vlapic.c; every access is an EPT/NPT fault emulated through the
 * instruction decoder). ID and version, SVR enable and the LVT masking
 * it implies, TPR and PPR, read-only registers, the timer's current count,
 * and interrupts into this guest's IDT: self-IPIs by shorthand and by ID,
 * one sent with IF=0 and taken after STI (an interrupt-window exit), one
 * held back by TPR and taken when TPR drops, EOI clearing ISR, and a
 * one-shot timer interrupt taken while the guest spins without exiting. */
#include "apic_regs.h"
#include "guest.h"

static volatile uint32_t irq_count[256];
static volatile uint32_t isr_seen_in_handler;
static volatile uint8_t last_vector;

/* One handler per vector: record, check ISR holds it, EOI. */
#define HANDLER(vec)                                                   \
	void irq_##vec(void);                                          \
	void irq_##vec(void)                                           \
	{                                                              \
		irq_count[vec]++;                                      \
		last_vector = vec;                                     \
		isr_seen_in_handler = apic_vector_set(APIC_ISR, vec); \
		apic_write(APIC_EOI, 0);                               \
	}                                                              \
	GUEST_IRQ_STUB(stub_##vec, irq_##vec)

HANDLER(0x45);
HANDLER(0x46);
HANDLER(0x47);
HANDLER(0x48);
HANDLER(0x61);

static void self_ipi(uint8_t vector)
{
	apic_write(APIC_ICR_LOW, APIC_ICR_SELF | vector);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t r[4], v, id, c1, c2;

	(void)magic;
	(void)info;
	guest_puts("apic guest: local APIC registers and interrupts\n");
	guest_idt_init();
	guest_set_irq_handler(0x45, stub_0x45);
	guest_set_irq_handler(0x46, stub_0x46);
	guest_set_irq_handler(0x47, stub_0x47);
	guest_set_irq_handler(0x48, stub_0x48);
	guest_set_irq_handler(0x61, stub_0x61);

	cpuid(1, 0, r);
	id = apic_read(APIC_ID) >> 24;
	guest_check(id == r[1] >> 24, "APIC ID matches CPUID.1:EBX[31:24]", id);
	v = apic_read(APIC_VERSION);
	guest_check((v & 0xFF) == 0x14, "version 0x14 (integrated APIC)", v);
	guest_check(((v >> 16) & 0xFF) == 5, "max LVT entry 5 (six LVTs)", v);

	v = apic_read(APIC_SVR);
	guest_check(v == 0xFF, "SVR after reset: 0xFF, software-disabled", v);
	guest_check(apic_read(APIC_LVT_ERROR) & APIC_LVT_MASKED, "LVT error masked after reset",
		    apic_read(APIC_LVT_ERROR));
	apic_write(APIC_LVT_ERROR, 0xFE);
	guest_check(apic_read(APIC_LVT_ERROR) == (APIC_LVT_MASKED | 0xFE),
		    "disabled APIC: an LVT cannot be unmasked", apic_read(APIC_LVT_ERROR));
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	guest_check(apic_read(APIC_SVR) == 0x1FF, "SVR software enable", apic_read(APIC_SVR));
	apic_write(APIC_LVT_ERROR, 0xFE);
	guest_check(apic_read(APIC_LVT_ERROR) == 0xFE, "enabled APIC: LVT error unmasked",
		    apic_read(APIC_LVT_ERROR));
	apic_write(APIC_LVT_TIMER, 0xFFFFFFFFu);
	guest_check(apic_read(APIC_LVT_TIMER) == 0x300FF,
		    "LVT timer: only vector, mask and timer mode are writable",
		    apic_read(APIC_LVT_TIMER));
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);

	apic_write(APIC_TPR, 0x20);
	guest_check(apic_read(APIC_TPR) == 0x20, "TPR reads back", apic_read(APIC_TPR));
	guest_check(apic_read(APIC_PPR) == 0x20, "PPR follows TPR with nothing in service",
		    apic_read(APIC_PPR));
	apic_write(APIC_TPR, 0);
	apic_write(APIC_PPR, 0x70);
	guest_check(apic_read(APIC_PPR) == 0, "PPR is read-only", apic_read(APIC_PPR));
	apic_write(APIC_DFR, 0);
	guest_check(apic_read(APIC_DFR) == 0x0FFFFFFFu, "DFR: bits 27:0 read as ones",
		    apic_read(APIC_DFR));
	apic_write(APIC_DFR, 0xFFFFFFFFu);

	/* The timer counts down with interrupts masked. */
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_TIMER_ICR, 0xFFFFFFF0u);
	c1 = apic_read(APIC_TIMER_CCR);
	for (volatile int i = 0; i < 20000; i++)
		;
	c2 = apic_read(APIC_TIMER_CCR);
	guest_check(c1 < 0xFFFFFFF0u && c2 < c1, "timer current count decreases", c1 - c2);
	apic_write(APIC_TIMER_ICR, 0);
	guest_check(apic_read(APIC_TIMER_CCR) == 0, "initial count 0 stops the timer",
		    apic_read(APIC_TIMER_CCR));

	/* Self-IPI by shorthand, with interrupts on. */
	__asm__ __volatile__("sti");
	self_ipi(0x45);
	__asm__ __volatile__("nop");
	guest_check(irq_count[0x45] == 1, "self-IPI (shorthand) reaches the IDT handler",
		    irq_count[0x45]);
	guest_check(isr_seen_in_handler, "ISR holds the vector inside the handler", 0);
	guest_check(!apic_vector_set(APIC_ISR, 0x45), "EOI cleared ISR", apic_read(APIC_ISR + 0x20));
	guest_check(!(apic_read(APIC_ICR_LOW) & APIC_ICR_BUSY), "ICR delivery status idle",
		    apic_read(APIC_ICR_LOW));

	/* Fixed IPI to our own APIC ID. */
	apic_write(APIC_ICR_HIGH, id << 24);
	apic_write(APIC_ICR_LOW, 0x46);
	__asm__ __volatile__("nop");
	guest_check(irq_count[0x46] == 1, "fixed IPI to own APIC ID delivered", irq_count[0x46]);

	/* With IF=0 the interrupt waits in IRR; STI opens the window. */
	__asm__ __volatile__("cli");
	self_ipi(0x47);
	guest_check(irq_count[0x47] == 0, "IF=0: the interrupt is held", irq_count[0x47]);
	guest_check(apic_vector_set(APIC_IRR, 0x47), "IF=0: the vector waits in IRR",
		    apic_read(APIC_IRR + 0x20));
	__asm__ __volatile__("sti; nop; nop");
	guest_check(irq_count[0x47] == 1, "taken after STI (interrupt window)", irq_count[0x47]);

	/* TPR class 5 holds vectors of classes 4 and 5 back, not 0x61. */
	apic_write(APIC_TPR, 0x50);
	self_ipi(0x48);
	__asm__ __volatile__("nop");
	guest_check(irq_count[0x48] == 0, "TPR 0x50 blocks vector 0x48", irq_count[0x48]);
	self_ipi(0x61);
	__asm__ __volatile__("nop");
	guest_check(irq_count[0x61] == 1, "TPR 0x50 lets vector 0x61 through", irq_count[0x61]);
	apic_write(APIC_TPR, 0);
	__asm__ __volatile__("nop");
	guest_check(irq_count[0x48] == 1, "lowering TPR delivers the held vector",
		    irq_count[0x48]);

	/* A one-shot timer interrupt while the guest spins without exits:
	 * plinth's host timer must make it exit in time. 100000 counts at
	 * divide 1 (1 ms): longer than the MMIO exit of the write itself
	 * (in Bochs, with a 10 MHz TSC, 100 us are ~1000 instructions, less
	 * than one exit), so the interrupt comes while spinning. */
	apic_write(APIC_LVT_TIMER, 0x45);
	apic_write(APIC_TIMER_ICR, 100000);
	{
		uint32_t before = irq_count[0x45];
		for (uint32_t i = 0; i < 200000000u && irq_count[0x45] == before; i++)
			__asm__ __volatile__("pause");
		guest_check(irq_count[0x45] == before + 1, "timer interrupt taken while spinning",
			    irq_count[0x45] - before);
	}
	guest_check(apic_read(APIC_TIMER_CCR) == 0, "one-shot count ends at 0",
		    apic_read(APIC_TIMER_CCR));
	__asm__ __volatile__("cli");

	apic_write(APIC_ESR, 0);
	guest_check(apic_read(APIC_ESR) == 0, "no APIC errors recorded", apic_read(APIC_ESR));
	return guest_summary();
}
