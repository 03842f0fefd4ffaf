/* machine.c - the console domain's hardware as plinth gives it: a flat
 * 64-bit IDT, the 8259 pair (Intel 8259A data sheet: ICW1-4, OCW1/2) with
 * only COM1's IRQ 4 unmasked, and the local APIC timer at 20 Hz (Intel SDM
 * vol. 3 §11.5.4) that wakes HLT so the shell polls the VMs' consoles. */
#include "console.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_VECTOR_BASE 0x20
#define PIC_EOI 0x20
#define VEC_TIMER 0x40

#define LAPIC_BASE 0xFEE00000UL
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3E0
#define TIMER_HZ 20
/* plinth's virtual APIC timer counts at 100 MHz before the divider
 * (vmm/vlapic.h); divide by 16 (DCR 0x3, SDM vol. 3 §11.5.4). */
#define TIMER_COUNT (100000000 / 16 / TIMER_HZ)

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

struct idt_gate {
	uint16_t offset0, selector;
	uint8_t ist, type;
	uint16_t offset1;
	uint32_t offset2, reserved;
} __packed;

static struct idt_gate idt[256] __aligned(16);
static volatile uint64_t ticks;

extern char trap_stub_0[], trap_stub_6[], trap_stub_8[], trap_stub_13[], trap_stub_14[];
extern char trap_stub_32[], trap_stub_36[], trap_stub_39[], trap_stub_64[];

/* A 64-bit interrupt gate, DPL 0 (SDM vol. 3 §6.14.1). */
static void set_gate(unsigned vec, void *stub)
{
	uint64_t a = (uint64_t)(uintptr_t)stub;

	idt[vec] = (struct idt_gate){
		.offset0 = (uint16_t)a, .selector = 0x08, .type = 0x8E,
		.offset1 = (uint16_t)(a >> 16), .offset2 = (uint32_t)(a >> 32),
	};
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);                  /* ICW1: edge, cascade, ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC_VECTOR_BASE);      /* ICW2: vectors 0x20-0x27 */
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04);                 /* ICW3: slave on IR2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);                 /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, (uint8_t)~(1u << 4));  /* OCW1: only IRQ 4 */
	outb(PIC2_DATA, 0xFF);
}

void machine_init(void)
{
	struct { uint16_t limit; uint64_t base; } __packed idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt,
	};

	set_gate(0, trap_stub_0);
	set_gate(6, trap_stub_6);
	set_gate(8, trap_stub_8);
	set_gate(13, trap_stub_13);
	set_gate(14, trap_stub_14);
	for (unsigned v = PIC_VECTOR_BASE; v < PIC_VECTOR_BASE + 8; v++)
		set_gate(v, trap_stub_32);
	set_gate(PIC_VECTOR_BASE + 4, trap_stub_36);
	set_gate(PIC_VECTOR_BASE + 7, trap_stub_39);
	set_gate(VEC_TIMER, trap_stub_64);
	__asm__ __volatile__("lidt %0" :: "m"(idtr));

	pic_init();
	/* Software-enable the APIC (SVR bit 8, spurious vector 0xFF); LINT0 as
	 * ExtINT so the 8259's output reaches the CPU (virtual wire, MP spec
	 * §3.6.2.2); the timer periodic at 20 Hz. */
	lapic_write(LAPIC_SVR, 0x1FF);
	lapic_write(LAPIC_LVT_LINT0, 0x700);
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, (1u << 17) | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, TIMER_COUNT);
	__asm__ __volatile__("sti");
}

uint64_t machine_ticks_ms(void)
{
	return ticks * (1000 / TIMER_HZ);
}

void machine_wait(bool (*work_pending)(void))
{
	/* With interrupts off, an interrupt cannot slip in between the look
	 * and the HLT; STI's shadow covers HLT (SDM vol. 2B, STI), so an
	 * interrupt pending at the STI wakes it. Without the look, a key that
	 * arrived after the main loop's last serial_getc() would wait for the
	 * next timer tick (up to 50 ms). */
	__asm__ __volatile__("cli" ::: "memory");
	if (work_pending && work_pending()) {
		__asm__ __volatile__("sti" ::: "memory");
		return;
	}
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

__noreturn void machine_crash(void)
{
	struct { uint16_t limit; uint64_t base; } __packed none = { 0, 0 };

	/* No IDT: the breakpoint cannot be delivered, nor the #GP and #DF
	 * that follow: a triple fault (SDM vol. 3 §6.15, "Interrupt 8"). */
	__asm__ __volatile__("cli; lidt %0; int3" :: "m"(none));
	for (;;)
		__asm__ __volatile__("hlt");
}

void con_trap(struct con_frame *f)
{
	switch (f->vector) {
	case VEC_TIMER:
		ticks++;
		lapic_write(LAPIC_EOI, 0);
		return;
	case PIC_VECTOR_BASE + 4:
		serial_isr();
		outb(PIC1_CMD, PIC_EOI);
		return;
	case PIC_VECTOR_BASE + 7:
		return;                          /* spurious: no EOI (8259A §"IR7") */
	default:
		if (f->vector >= PIC_VECTOR_BASE && f->vector < PIC_VECTOR_BASE + 8) {
			outb(PIC1_CMD, PIC_EOI);
			return;
		}
		/* An exception in the console domain: say so, then stop hard;
		 * plinth logs the triple fault and starts a fresh console. */
		con_printf("\nconsole: exception %llu (error 0x%llx) at rip 0x%llx; restarting\n",
			   (unsigned long long)f->vector, (unsigned long long)f->error,
			   (unsigned long long)f->rip);
		machine_crash();
	}
}
