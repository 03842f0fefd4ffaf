/* ticker.c - test guest for the console domain's session tests
 * (tests/console/session.py): prints "tick N" twice a second, driven by the
 * local APIC timer with HLT between ticks (so a paused VM visibly stops
 * counting), and answers every line typed at its COM1 with
 * "ticker: got 'LINE'". Input arrives through the UART's receive interrupt
 * (IRQ 4 on the 8259, IER.ERBFI with MCR.OUT2: PC16550D data sheet §8),
 * which plinth raises when the console domain forwards keystrokes
 * (vmm/dev_uart.c). Runs until it is destroyed. */
#include "apic_regs.h"
#include "guest.h"

#define COM1         0x3F8
#define TIMER_VECTOR 0x40
#define PIC_BASE     0x20
#define TICK_COUNT   50000000u     /* 0.5 s at 100 MHz, divide 1 */

static volatile uint32_t ticks, uart_irqs;
static volatile char rx[128];
static volatile uint32_t rx_len;
static volatile bool line_ready;

void on_timer(void);
void on_timer(void)
{
	ticks++;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(timer_stub, on_timer);

void on_uart(void);
void on_uart(void)
{
	uart_irqs++;
	while (inb(COM1 + 5) & 1) {
		char c = (char)inb(COM1);
		if (c == '\r' || c == '\n') {
			if (rx_len)
				line_ready = true;
		} else if (!line_ready && rx_len < sizeof(rx) - 1) {
			rx[rx_len++] = c;
		}
	}
	outb(0x20, 0x20);                   /* non-specific EOI to the master 8259 */
}
GUEST_IRQ_STUB(uart_stub, on_uart);

static void pic_init(void)
{
	outb(0x20, 0x11); outb(0xA0, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0x21, PIC_BASE); outb(0xA1, PIC_BASE + 8);
	outb(0x21, 0x04); outb(0xA1, 0x02);
	outb(0x21, 0x01); outb(0xA1, 0x01);
	outb(0x21, (uint8_t)~(1u << 4));    /* only IRQ 4 */
	outb(0xA1, 0xFF);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t shown = 0;

	guest_puts("ticker: up; type a line at my console\n");
	guest_idt_init();
	guest_set_irq_handler(TIMER_VECTOR, timer_stub);
	guest_set_irq_handler(PIC_BASE + 4, uart_stub);
	pic_init();
	outb(COM1 + 4, 0x0B);               /* DTR, RTS, OUT2 */
	outb(COM1 + 1, 0x01);               /* receive interrupt */
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_LVT_LINT0, 0x700);  /* ExtINT: the 8259 reaches the CPU */
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | TIMER_VECTOR);
	apic_write(APIC_TIMER_ICR, TICK_COUNT);
	for (;;) {
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
		if (ticks != shown) {
			shown = ticks;
			guest_puts("tick ");
			guest_put_dec(shown);
			guest_puts("\n");
		}
		if (line_ready) {
			rx[rx_len] = 0;
			guest_puts("ticker: got '");
			guest_puts((const char *)rx);
			guest_puts("' (");
			guest_put_dec(uart_irqs);
			guest_puts(" UART interrupts)\n");
			rx_len = 0;
			line_ready = false;
		}
	}
}
