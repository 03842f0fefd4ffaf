/* uart_model.c - a 16550A's registers as a guest driver sees them (see
 * uart_model.h). Pure. */
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
#define IER_ERBFI    0x01    /* received data available interrupt enable */
#define IER_ETBEI    0x02    /* THR empty interrupt enable */
#define IER_ELSI     0x04    /* receiver line status interrupt enable */
#define IIR_NONE     0x01
#define IIR_THRE     0x02
#define IIR_RDA      0x04
#define IIR_RLS      0x06    /* receiver line status: overrun */
#define IIR_TIMEOUT  0x0C    /* character timeout (FIFO mode only) */
#define IIR_FIFO     0xC0    /* FIFOs enabled */
#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_TRIGGER  0xC0    /* receive trigger level: 1, 4, 8, 14 bytes */
#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MCR_OUT2     0x08
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

void uart_model_set_raw_sink(struct uart_model *u, uart_raw_fn raw)
{
	u->raw = raw;
}

void uart_model_flush(struct uart_model *u)
{
	if (u->len)
		u->sink(u->ctx, u->line, u->len);
	u->len = 0;
}

size_t uart_model_receive(struct uart_model *u, const uint8_t *data, size_t len)
{
	size_t taken = 0;

	while (taken < len && u->rx_count < UART_RX_MAX) {
		u->rx[(u->rx_head + u->rx_count) % UART_RX_MAX] = data[taken++];
		u->rx_count++;
	}
	u->rx_overruns += len - taken;
	if (taken < len)
		u->overrun = true;      /* LSR.OE until LSR is read (§8.4) */
	return taken;
}

static bool fifo_on(const struct uart_model *u)
{
	return (u->fcr & FCR_ENABLE) != 0;
}

/* FCR bits 7:6 (§8.3). */
static unsigned rx_trigger(const struct uart_model *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };
	return level[u->fcr >> 6];
}

static bool rda_pending(const struct uart_model *u)
{
	return (u->ier & IER_ERBFI) && u->rx_count > 0;
}

static bool rls_pending(const struct uart_model *u)
{
	return (u->ier & IER_ELSI) && u->overrun;
}

static bool thre_irq_pending(const struct uart_model *u)
{
	return (u->ier & IER_ETBEI) && u->thre_pending;
}

bool uart_model_irq_line(const struct uart_model *u)
{
	return (u->mcr & MCR_OUT2) && (rls_pending(u) || rda_pending(u) || thre_irq_pending(u));
}

/* A transmitted byte: lines end at '\n' (a '\r' is dropped), and a line
 * longer than the buffer is handed over in pieces. In loopback the byte
 * comes back on the receive side and nothing leaves the chip (§8.7). */
static void transmit(struct uart_model *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		uart_model_receive(u, &c, 1);
		return;
	}
	if (u->raw)
		u->raw(u->ctx, c);
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

static uint8_t receive_byte(struct uart_model *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_MAX;
	u->rx_count--;
	return c;
}

uint8_t uart_model_read(struct uart_model *u, unsigned reg)
{
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	switch (reg & 7) {
	case REG_DATA:
		return dlab ? u->dll : receive_byte(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR: {
		uint8_t fifo = fifo_on(u) ? IIR_FIFO : 0;
		/* Priorities (§8.6, table 4): line status, then received data
		 * (at the trigger level; below it, in FIFO mode, the character
		 * timeout), then THR empty. RLS clears when LSR is read, RDA
		 * and the timeout when the data is read; reading IIR while
		 * THRE is the identified source clears THRE. */
		if (rls_pending(u))
			return fifo | IIR_RLS;
		if (rda_pending(u))
			return fifo | (fifo_on(u) && u->rx_count < rx_trigger(u) ? IIR_TIMEOUT
										 : IIR_RDA);
		if (thre_irq_pending(u)) {
			u->thre_pending = false;
			return fifo | IIR_THRE;
		}
		return fifo | IIR_NONE;
	}
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR: {
		/* The transmitter is always empty: output leaves at once.
		 * Reading LSR clears the overrun error (§8.4). */
		uint8_t lsr = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) |
			      (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return lsr;
	}
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
		/* FCR (§8.3): changing bit 0 (FIFO enable) clears both FIFOs;
		 * bit 1 clears the receive FIFO, bit 2 the transmit FIFO (empty
		 * already: it drains at once); both clear themselves. The
		 * trigger level is written only with bit 0 set. */
		if ((val & FCR_CLEAR_RX) || ((val ^ u->fcr) & FCR_ENABLE))
			u->rx_count = 0;
		u->fcr = (val & FCR_ENABLE) ? (uint8_t)(val & (FCR_ENABLE | FCR_TRIGGER)) : 0;
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
