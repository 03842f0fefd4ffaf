/* uart_model.h - the register model of a 16550A UART's transmit side
 * (vmm/uart_model.c, pure and host-tested). Output is collected into lines
 * and handed to a sink; there is no receive path and no interrupt delivery
 * yet (IIR reports a pending THRE interrupt as a 16550 does, but nothing
 * raises the IRQ line). Reference: National Semiconductor PC16550D data
 * sheet, register table 2. */
#ifndef VMM_UART_MODEL_H
#define VMM_UART_MODEL_H

#include <plinth/compiler.h>

#define UART_LINE_MAX 120

typedef void (*uart_sink_fn)(void *ctx, const char *line, size_t len);

struct uart_model {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending;          /* THRE interrupt identified in IIR */
	char line[UART_LINE_MAX];   /* output not yet handed to the sink */
	size_t len;
	uart_sink_fn sink;
	void *ctx;
};

void uart_model_init(struct uart_model *u, uart_sink_fn sink, void *ctx);
/* Register access at offset reg (0..7) from the base port. */
uint8_t uart_model_read(struct uart_model *u, unsigned reg);
void uart_model_write(struct uart_model *u, unsigned reg, uint8_t val);
/* Hand a partial line to the sink (when the VM stops). */
void uart_model_flush(struct uart_model *u);

#endif
