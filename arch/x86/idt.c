/* idt.c - the interrupt descriptor table, shared by every CPU: 256
 * interrupt gates to the stubs of isr.S, with NMI, #DF and #MC on their own
 * interrupt stacks. Also pins the struct irq_frame layout isr.S builds. */
#include <x86/gdt.h>
#include <x86/irq.h>

/* 64-bit IDT gate descriptor (Intel SDM vol. 3 §7.14.1, Figure 7-8). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;            /* bits 2:0: IST slot, 0 = stay on the current stack */
	uint8_t type_attr;      /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "Intel SDM vol. 3 Figure 7-8");

/* Present, DPL 0, type 0xE = 64-bit interrupt gate: IF is cleared on entry
 * (§7.12.1.3), so every handler starts with interrupts off. */
#define GATE_INTERRUPT 0x8E

/* The offsets isr.S relies on: it pushes RAX first and R15 last after the
 * vector, so the frame reads upward from R15; the CPU's part follows. */
_Static_assert(offsetof(struct irq_frame, r15) == 0, "isr.S pushes R15 last");
_Static_assert(offsetof(struct irq_frame, rbp) == IRQ_FRAME_RBP, "isr.S frame layout");
_Static_assert(offsetof(struct irq_frame, rax) == 112, "isr.S pushes RAX first");
_Static_assert(offsetof(struct irq_frame, vector) == IRQ_FRAME_VECTOR, "isr.S frame layout");
_Static_assert(offsetof(struct irq_frame, error_code) == IRQ_FRAME_VECTOR + 8,
	       "error code is pushed before the vector");
_Static_assert(offsetof(struct irq_frame, rip) == IRQ_FRAME_RIP, "isr.S frame layout");
_Static_assert(offsetof(struct irq_frame, ss) == IRQ_FRAME_SIZE - 8, "SS is the frame's end");
_Static_assert(sizeof(struct irq_frame) == IRQ_FRAME_SIZE, "isr.S frame size");
/* The CPU aligns RSP to 16 before pushing its 5 words (§7.14.2); with the
 * error code, vector and 15 registers the frame keeps that alignment, so the
 * C handler is called with the stack the ABI requires. */
_Static_assert(IRQ_FRAME_SIZE % 16 == 0, "frame keeps 16-byte stack alignment");

/* isr.S: the entry point of each vector's stub. */
extern const uint64_t isr_stub_table[NUM_VECTORS];

static struct idt_gate idt[NUM_VECTORS] __aligned(16);

static void set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
	struct idt_gate *g = &idt[vector];
	g->offset_lo = (uint16_t)handler;
	g->selector = GDT_KERNEL_CS;
	g->ist = (uint8_t)ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void idt_init(void)
{
	for (unsigned v = 0; v < NUM_VECTORS; v++)
		set_gate(v, isr_stub_table[v], 0);
	/* These may arrive when the current stack is unusable (overflowed into
	 * its guard page: #DF) or at any instant (NMI, #MC), so they always
	 * switch to a stack of their own (§7.14.5). */
	set_gate(VEC_NMI, isr_stub_table[VEC_NMI], IST_NMI);
	set_gate(VEC_DF, isr_stub_table[VEC_DF], IST_DF);
	set_gate(VEC_MC, isr_stub_table[VEC_MC], IST_MC);
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ __volatile__("lidt %0" :: "m"(idtr) : "memory");
}
