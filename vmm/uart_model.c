/* uart_model.c - a 16550A's registers as a guest driver sees them, for a
 * console that goes to the hypervisor log (see uart_model.h). Pure. */
#include <plinth/string.h>
#include "uart_model.h"

/* Register offsets and bits (PC16550D data sheet, table 2 and §8). */
#define REG_DATA 0   /* RBR (read) / THR (write); DLL when LCR.DLAB */
#define REG_IER  1   /* DLM when LCR.DLAB */
#define REG_IIR  2   /* IIR (read) / FCR (write) */
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define REG_MSR  6
#define REG_SCR  7
#define LCR_DLAB     0x80
#define IER_ETBEI    0x02    /* THR empty interrupt enable */
#define IIR_NONE     0x01
#define IIR_THRE     0x02
#define IIR_FIFO     0xC0    /* FIFOs enabled */
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MCR_LOOP     0x10
#define MSR_CTS      0x10
#define MSR_DSR      0x20
#define MSR_DCD      0x80

void uart_model_init(struct uart_model *u, uart_sink_fn sink, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->sink = sink;
	u->ctx = ctx;
}

void uart_model_flush(struct uart_model *u)
{
	if (u->len)
		u->sink(u->ctx, u->line, u->len);
	u->len = 0;
}

/* A transmitted byte: lines end at '\n' (a '\r' is dropped), and a line
 * longer than the buffer is handed over in pieces. */
static void transmit(struct uart_model *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP)
		return;   /* loopback: nothing leaves the chip (no receive path yet) */
	if (c == '\n') {
		u->sink(u->ctx, u->line, u->len);
		u->len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (u->len == sizeof(u->line))
		uart_model_flush(u);
	u->line[u->len++] = (char)c;
}

uint8_t uart_model_read(struct uart_model *u, unsigned reg)
{
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	switch (reg & 7) {
	case REG_DATA:
		return dlab ? u->dll : 0;        /* no received data */
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR: {
		uint8_t fifo = (u->fcr & 1) ? IIR_FIFO : 0;
		/* Reading IIR while THRE is the identified source clears it (§8.6). */
		if ((u->ier & IER_ETBEI) && u->thre_pending) {
			u->thre_pending = false;
			return fifo | IIR_THRE;
		}
		return fifo | IIR_NONE;
	}
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT;       /* transmitter always empty */
	case REG_MSR:
		/* In loopback the modem inputs follow the MCR outputs: RTS->CTS,
		 * DTR->DSR, OUT1->RI, OUT2->DCD (§8.7); drivers probe with it. */
		if (u->mcr & MCR_LOOP)
			return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
					 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
		return MSR_DCD | MSR_DSR | MSR_CTS;
	default:
		return u->scr;
	}
}

void uart_model_write(struct uart_model *u, unsigned reg, uint8_t val)
{
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	switch (reg & 7) {
	case REG_DATA:
		if (dlab) {
			u->dll = val;
			return;
		}
		transmit(u, val);
		u->thre_pending = true;          /* THR is empty again at once */
		return;
	case REG_IER:
		if (dlab) {
			u->dlm = val;
			return;
		}
		/* Enabling ETBEI with THR empty raises the THRE interrupt (§8.5). */
		if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thre_pending = true;
		u->ier = val & 0x0F;
		return;
	case REG_IIR:
		u->fcr = val;
		return;
	case REG_LCR:
		u->lcr = val;
		return;
	case REG_MCR:
		u->mcr = val & 0x1F;
		return;
	case REG_LSR:
	case REG_MSR:
		return;                          /* read-only in normal operation */
	default:
		u->scr = val;
		return;
	}
}
