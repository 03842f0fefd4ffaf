/* uart16550.c - 16550A UART (the register set of the National Semiconductor
 * PC16550D datasheet; I/O ports base+0..base+7). */
#include <plinth/uart.h>
#include <plinth/spinlock.h>
#include <x86/cpu.h>

#define UART_RBR 0   /* receive buffer (read, DLAB=0) */
#define UART_THR 0   /* transmit holding (write, DLAB=0) */
#define UART_DLL 0   /* divisor latch low (DLAB=1) */
#define UART_IER 1   /* interrupt enable (DLAB=0) */
#define UART_DLM 1   /* divisor latch high (DLAB=1) */
#define UART_IIR 2   /* interrupt identification (read) */
#define UART_FCR 2   /* FIFO control (write) */
#define UART_LCR 3   /* line control; bit 7 = DLAB */
#define UART_MCR 4   /* modem control; bit 3 = OUT2 gates the IRQ on PCs */
#define UART_LSR 5   /* line status */
#define UART_SCR 7   /* scratch */

#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */
#define IER_RDA  0x01   /* received data available interrupt */
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT2 0x08

#define RX_RING 1024

static uint16_t base;           /* 0 = no UART */
static bool owned_by_guest;
static spinlock_t tx_lock = SPINLOCK_INIT;
static uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;   /* head: next write; tail: next read */
static volatile uint64_t rx_dropped;
static volatile uint64_t rx_irqs;       /* interrupts that found the port ready */

int uart_init(uint16_t port, uint32_t baud)
{
	base = 0;
	if (port == 0 || baud == 0 || 115200 % baud)
		return -EINVAL;
	/* A UART keeps what is written to its scratch register; an empty bus
	 * reads back 0xFF. */
	outb(port + UART_SCR, 0x5A);
	if (inb(port + UART_SCR) != 0x5A)
		return -ENODEV;
	outb(port + UART_SCR, 0xA5);
	if (inb(port + UART_SCR) != 0xA5)
		return -ENODEV;
	uint16_t divisor = (uint16_t)(115200 / baud);
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, 0x80);                 /* DLAB on */
	outb(port + UART_DLL, divisor & 0xFF);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, 0x03);                 /* 8N1, DLAB off */
	outb(port + UART_FCR, 0xC7);                 /* enable + clear FIFOs, 14-byte trigger */
	outb(port + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	base = port;
	return 0;
}

uint16_t uart_port(void) { return base; }

unsigned uart_irq_line(void)
{
	return (base == 0x2F8 || base == 0x2E8) ? 3 : 4;
}

static void tx_byte(uint8_t c)
{
	/* Bounded wait: a wedged or absent UART must not hang the hypervisor. */
	for (unsigned spin = 0; spin < 1000000; spin++) {
		if (inb(base + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(base + UART_THR, c);
}

static void tx(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			tx_byte('\r');
		tx_byte((uint8_t)s[i]);
	}
}

void uart_write(const char *s, size_t len)
{
	if (!base || owned_by_guest)
		return;
	uint64_t f = spin_lock_irqsave(&tx_lock);
	tx(s, len);
	spin_unlock_irqrestore(&tx_lock, f);
}

void uart_write_panic(const char *s, size_t len)
{
	/* No lock: the lock holder may be the CPU that was stopped. */
	if (base)
		tx(s, len);
}

void uart_enable_rx_irq(void)
{
	if (base)
		outb(base + UART_IER, IER_RDA);
}

static void drain_rx(void)
{
	while (inb(base + UART_LSR) & LSR_DR) {
		uint8_t c = inb(base + UART_RBR);
		uint32_t next = (rx_head + 1) % RX_RING;
		if (next == rx_tail) {
			rx_dropped++;
			continue;
		}
		rx_ring[rx_head] = c;
		rx_head = next;
	}
}

static void (*guest_irq_hook)(void);

void uart_set_guest_irq_hook(void (*hook)(void)) { guest_irq_hook = hook; }

void uart_irq_handler(void)
{
	if (!base)
		return;
	if (owned_by_guest) {
		/* The console domain drains the FIFO through its own driver. */
		if (guest_irq_hook)
			guest_irq_hook();
		return;
	}
	rx_irqs++;
	drain_rx();
	(void)inb(base + UART_IIR);
}

int uart_ring_getc(void)
{
	uint64_t f = irq_save();
	int c = -1;
	if (rx_tail != rx_head) {
		c = rx_ring[rx_tail];
		rx_tail = (rx_tail + 1) % RX_RING;
	}
	irq_restore(f);
	return c;
}

uint64_t uart_rx_irq_count(void) { return rx_irqs; }

int uart_getc(void)
{
	if (!base || owned_by_guest)
		return -1;
	/* Also works before the receive interrupt is enabled: pull whatever
	 * the FIFO holds into the ring first. */
	uint64_t f = irq_save();
	drain_rx();
	irq_restore(f);
	return uart_ring_getc();
}

uint64_t uart_rx_dropped(void) { return rx_dropped; }
void uart_set_owned_by_guest(bool owned) { owned_by_guest = owned; }
bool uart_owned_by_guest(void) { return owned_by_guest; }
