/* serial.c - the console domain's own 16550 driver (PC16550D data sheet,
 * register table 2) for the physical COM1 plinth passes through: polled
 * output, interrupt-driven input into a ring. */
#include <plinth/printf.h>
#include "console.h"

#define COM1 0x3F8
#define RBR 0
#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define RX_RING 1024

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static volatile uint8_t rx[RX_RING];
static volatile unsigned rx_head, rx_tail;   /* head: next write (ISR); tail: next read */

void serial_init(void)
{
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x80);                 /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 1);
	outb(COM1 + 1, 0);
	outb(COM1 + LCR, 0x03);                 /* 8N1 */
	outb(COM1 + FCR, 0x07);                 /* FIFOs on and cleared, trigger 1 byte */
	outb(COM1 + MCR, 0x0B);                 /* DTR, RTS, OUT2 (gates the IRQ, §8.9) */
	outb(COM1 + IER, 0x01);                 /* received data available */
	serial_isr();                           /* what arrived before */
}

void serial_isr(void)
{
	/* Drain everything: the 8259 input is edge-triggered and the UART
	 * raises its line again only after the FIFO was emptied. */
	for (unsigned n = 0; n < 4096 && (inb(COM1 + LSR) & LSR_DR); n++) {
		uint8_t c = inb(COM1 + RBR);
		unsigned next = (rx_head + 1) % RX_RING;
		if (next != rx_tail) {
			rx[rx_head] = c;
			rx_head = next;
		}
	}
}

int serial_getc(void)
{
	int c;

	if (rx_tail == rx_head) {
		/* A byte that arrived while the line was already high would be
		 * missed by an edge-triggered input: look once more. */
		__asm__ __volatile__("cli");
		serial_isr();
		__asm__ __volatile__("sti");
		if (rx_tail == rx_head)
			return -1;
	}
	c = rx[rx_tail];
	rx_tail = (rx_tail + 1) % RX_RING;
	return c;
}

bool serial_rx_pending(void)
{
	return rx_tail != rx_head || (inb(COM1 + LSR) & LSR_DR);
}

static void tx(uint8_t c)
{
	for (unsigned spin = 0; spin < 1000000 && !(inb(COM1 + LSR) & LSR_THRE); spin++)
		__asm__ __volatile__("pause");
	outb(COM1 + THR, c);
}

void con_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			tx('\r');
		tx((uint8_t)s[i]);
	}
}
