/* guest.c - the test guests' library (see guest.h). */
#include "guest.h"

#define COM1 0x3F8

static uint32_t passed, failed;
static bool uart_ready;

/* 115200 8N1, FIFOs on (PC16550D data sheet: divisor latch via LCR.DLAB). */
static void uart_init(void)
{
	outb(COM1 + 1, 0x00);        /* no interrupts */
	outb(COM1 + 3, 0x80);        /* DLAB */
	outb(COM1 + 0, 0x01);        /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);        /* 8N1 */
	outb(COM1 + 2, 0x07);        /* FIFO on, cleared */
	uart_ready = true;
}

static void putc_raw(char c)
{
	/* Wait for THR empty (LSR bit 5); bounded so a missing UART cannot
	 * hang the guest. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void guest_puts(const char *s)
{
	if (!uart_ready)
		uart_init();
	for (; *s; s++)
		putc_raw(*s);
}

void guest_put_hex(uint32_t v)
{
	char buf[11] = "0x";
	for (int i = 0; i < 8; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
	buf[10] = 0;
	guest_puts(buf);
}

void guest_put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	guest_puts(&buf[i]);
}

void guest_check(bool ok, const char *name, uint32_t detail)
{
	if (ok) {
		passed++;
		guest_puts("PASS: ");
		guest_puts(name);
		guest_puts("\n");
		return;
	}
	failed++;
	guest_puts("FAIL: ");
	guest_puts(name);
	guest_puts(" (got ");
	guest_put_hex(detail);
	guest_puts(")\n");
}

uint32_t guest_summary(void)
{
	guest_puts("SUMMARY: ");
	guest_put_dec(passed);
	guest_puts(" passed, ");
	guest_put_dec(failed);
	guest_puts(" failed\n");
	return failed;
}

void guest_exit(uint32_t code)
{
	outl(GUEST_EXIT_PORT, code);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/* ---- exceptions ---- */
volatile uint32_t guest_fault_resume;
volatile uint32_t guest_fault_vector = 0xFFFFFFFFu;
volatile uint32_t guest_fault_error;

extern const uint32_t guest_trap_stubs[32];

struct gate { uint16_t off_lo, sel; uint8_t zero, type; uint16_t off_hi; } __attribute__((packed));
struct dtr { uint16_t limit; uint32_t base; } __attribute__((packed));

/* Null, flat 32-bit code (0x08), flat data (0x10): SDM vol. 3 §3.4.5. */
static const uint64_t gdt[3] __attribute__((aligned(8))) = {
	0, 0x00CF9A000000FFFFULL, 0x00CF92000000FFFFULL,
};
/* 256 gates: 0-31 exceptions (guest_idt_init), the rest for interrupt
 * handlers (guest_set_irq_handler); absent gates raise #NP. */
static struct gate idt[256] __attribute__((aligned(8)));

void guest_trap(struct guest_trap_frame *f);
void guest_trap(struct guest_trap_frame *f)
{
	if (guest_fault_resume) {
		guest_fault_vector = f->vector;
		guest_fault_error = f->error;
		f->eip = guest_fault_resume;
		guest_fault_resume = 0;
		return;
	}
	guest_puts("FAIL: unexpected exception ");
	guest_put_dec(f->vector);
	guest_puts(" at eip ");
	guest_put_hex(f->eip);
	guest_puts("\n");
	guest_exit(0x100 + f->vector);
}

void guest_idt_init(void)
{
	const struct dtr gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };
	const struct dtr idtr = { sizeof(idt) - 1, (uint32_t)idt };

	for (int i = 0; i < 32; i++) {
		uint32_t off = guest_trap_stubs[i];
		/* 32-bit interrupt gate, present, DPL 0 (SDM vol. 3 §6.11). */
		idt[i] = (struct gate){ (uint16_t)off, 0x08, 0, 0x8E, (uint16_t)(off >> 16) };
	}
	__asm__ __volatile__("lgdt %0\n\t"
			     "ljmp $0x08, $1f\n"
			     "1:\tmov $0x10, %%eax\n\t"
			     "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%ss\n\t"
			     "mov %%eax, %%fs\n\tmov %%eax, %%gs\n\t"
			     "lidt %1" :: "m"(gdtr), "m"(idtr) : "eax", "memory");
}

void guest_set_irq_handler(uint8_t vector, void (*stub)(void))
{
	uint32_t off = (uint32_t)stub;
	/* 32-bit interrupt gate: IF is cleared on entry (SDM vol. 3 §6.12.1.3). */
	idt[vector] = (struct gate){ (uint16_t)off, 0x08, 0, 0x8E, (uint16_t)(off >> 16) };
}
