/* uart_model.h - the register model of a 16550A UART as a guest driver sees
 * it (vmm/uart_model.c, pure and host-tested): the transmit side collects
 * output into lines for a sink (and hands every byte to an optional raw
 * sink: the VM's console ring), the receive side is a FIFO the console
 * domain fills (keystrokes of `console NAME`), and the interrupt output is
 * computed from IER, the pending sources and MCR.OUT2, which gates the
 * UART's interrupt onto the ISA bus on a PC. Reference: National
 * Semiconductor PC16550D data sheet, register table 2 and §8. */
#ifndef VMM_UART_MODEL_H
#define VMM_UART_MODEL_H

#include <plinth/compiler.h>

#define UART_LINE_MAX 120
#define UART_RX_MAX   256   /* bytes of input held (a 16550 holds 16; more
				 so a pasted line is not lost) */

typedef void (*uart_sink_fn)(void *ctx, const char *line, size_t len);
typedef void (*uart_raw_fn)(void *ctx, uint8_t c);

/* The transmitter is a 16-byte FIFO (THR alone with FIFOs off) that the
 * line drains at once: output has no baud-rate time here, so LSR.THRE and
 * TEMT always read 1 and every THR write is followed by a THRE interrupt
 * (a burst of up to 16 writes per interrupt is what a driver does). The
 * receiver holds UART_RX_MAX bytes; with FIFOs on it interrupts at the
 * FCR trigger level (RDA) and below it with the character timeout (IIR
 * 0x0C), whose four character times have always passed by the time the
 * guest looks, as input arrives at once too. */
#define UART_TX_FIFO  16

struct uart_model {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;                /* FIFO enable (0) and trigger level (7:6) as written */
	bool thre_pending;          /* THRE interrupt identified in IIR */
	bool overrun;               /* LSR.OE: a byte was lost since LSR was read */
	char line[UART_LINE_MAX];   /* output not yet handed to the sink */
	size_t len;
	uart_sink_fn sink;
	uart_raw_fn raw;            /* every transmitted byte, or NULL */
	void *ctx;
	uint8_t rx[UART_RX_MAX];    /* received bytes not yet read from RBR */
	unsigned rx_head, rx_count; /* rx[rx_head] is the next one read */
	uint64_t rx_overruns;       /* bytes refused because rx was full */
};

void uart_model_init(struct uart_model *u, uart_sink_fn sink, void *ctx);
/* Every transmitted byte also goes to raw (NULL: none). */
void uart_model_set_raw_sink(struct uart_model *u, uart_raw_fn raw);
/* Register access at offset reg (0..7) from the base port. */
uint8_t uart_model_read(struct uart_model *u, unsigned reg);
void uart_model_write(struct uart_model *u, unsigned reg, uint8_t val);
/* Hand a partial line to the sink (when the VM stops). */
void uart_model_flush(struct uart_model *u);
/* Bytes arriving on the serial line: queued for RBR. Returns how many were
 * taken (fewer when the FIFO fills; the rest are counted as overruns). */
size_t uart_model_receive(struct uart_model *u, const uint8_t *data, size_t len);
/* The level of the UART's interrupt output as the PIC sees it: a source
 * enabled in IER is pending (received data, THR empty) and MCR.OUT2 is set. */
bool uart_model_irq_line(const struct uart_model *u);

#endif
