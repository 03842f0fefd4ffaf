/* uart.h - the hypervisor's own 16550 UART (drivers/uart16550.c): polled
 * output, interrupt-driven input into a ring. Once the console domain owns
 * the port, the hypervisor stops touching it except for panics. */
#ifndef PLINTH_UART_H
#define PLINTH_UART_H

#include <plinth/compiler.h>

/* Program the UART at 'port' for baud 8N1 with FIFOs. Returns -ENODEV when no
 * UART answers at that port (scratch-register probe); output is then dropped. */
int uart_init(uint16_t port, uint32_t baud);
uint16_t uart_port(void);
/* The legacy IRQ line of the port (4 for COM1/COM3, 3 for COM2/COM4). */
unsigned uart_irq_line(void);
/* Write bytes, turning "\n" into "\r\n". Polled; safe in any context. */
void uart_write(const char *s, size_t len);
/* Receive: enable the "data available" interrupt; the IRQ handler drains the
 * FIFO into a 1 KiB ring (overflow drops the newest bytes and is counted). */
void uart_enable_rx_irq(void);
void uart_irq_handler(void);
/* Next received byte, or -1 if none. Also polls the UART when interrupts are
 * not yet enabled. */
int uart_getc(void);
uint64_t uart_rx_dropped(void);
/* Next byte the interrupt handler already put in the ring, or -1; never
 * touches the UART itself (proves the interrupt path). */
int uart_ring_getc(void);
/* Receive interrupts handled so far. */
uint64_t uart_rx_irq_count(void);
/* While owned by the console domain, only uart_write_panic() writes. */
void uart_set_owned_by_guest(bool owned);
bool uart_owned_by_guest(void);
void uart_write_panic(const char *s, size_t len);
/* While owned by the console domain the UART's interrupt is the guest's:
 * the IRQ handler calls hook (vmm/console_domain.c forwards it into the
 * console domain's virtual PIC) and never reads the UART itself. */
void uart_set_guest_irq_hook(void (*hook)(void));

#endif
