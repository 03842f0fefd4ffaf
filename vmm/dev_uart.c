/* dev_uart.c - COM1 for guests: the 16550 register model (uart_model.c) on
 * a port range. What the guest transmits goes into its console ring (the
 * console domain reads it: `console NAME` and the "[NAME] line" mirror)
 * and, while no console domain owns the physical serial port, into the
 * hypervisor log as "[NAME] line". Input comes from the console domain
 * (vm_console_input) and raises the UART's ISA interrupt line. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/spinlock.h>
#include <plinth/uart.h>
#include <plinth/vm.h>
#include "console_ring.h"
#include "platform.h"
#include "uart_model.h"
#include "vm_console.h"

struct vm_uart {
	spinlock_t lock;                 /* model and ring: the VM's vCPU and the
					    console domain's hypercalls */
	struct uart_model model;
	uint16_t base;
	unsigned irq;                    /* ISA line: 4 for 0x3F8/0x3E8, 3 for 0x2F8/0x2E8 */
	bool irq_level;                  /* what vm_irq_set() was last told */
	struct vm *vm;
	struct console_ring ring;        /* 64 KiB: allocated with the UART */
};

static void uart_to_log(void *ctx, const char *line, size_t len)
{
	struct vm_uart *u = ctx;
	/* With a console domain the ring is the record (it mirrors lines to
	 * the terminal itself); the log keeps plinth's own messages. */
	if (!uart_owned_by_guest())
		pr_info("[%s] %.*s", u->vm->name, (int)len, line);
}

static void uart_to_ring(void *ctx, uint8_t c)
{
	struct vm_uart *u = ctx;
	console_ring_put(&u->ring, (const char *)&c, 1);
}

/* Under the lock: record the interrupt output's new level; true if it
 * changed (the caller then tells the PIC, after dropping the lock). */
static bool irq_changed(struct vm_uart *u)
{
	bool level = uart_model_irq_line(&u->model);

	if (level == u->irq_level)
		return false;
	u->irq_level = level;
	return true;
}

static void update_irq(struct vm_uart *u, bool changed, bool level)
{
	if (changed)
		vm_irq_set(u->vm, u->irq, level);
}

/* A wider access to 8-bit registers is split into bytes at successive
 * ports, as the ISA bus does. */
static int uart_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_uart *u = dev;
	uint64_t f = spin_lock_irqsave(&u->lock);
	bool level, changed;

	*val = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port + i - u->base);
		uint8_t b = reg < 8 ? uart_model_read(&u->model, reg) : 0xFF;
		*val |= (uint32_t)b << (8 * i);
	}
	changed = irq_changed(u);
	level = u->irq_level;
	spin_unlock_irqrestore(&u->lock, f);
	update_irq(u, changed, level);
	return 0;
}

static int uart_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_uart *u = dev;
	uint64_t f = spin_lock_irqsave(&u->lock);
	bool level, changed;

	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port + i - u->base);
		if (reg < 8)
			uart_model_write(&u->model, reg, (uint8_t)(val >> (8 * i)));
	}
	changed = irq_changed(u);
	level = u->irq_level;
	spin_unlock_irqrestore(&u->lock, f);
	update_irq(u, changed, level);
	return 0;
}

int vm_add_uart(struct vm *vm, uint16_t base)
{
	struct vm_uart *u;
	int err;

	if (vm->uart) {
		pr_err("vm %s: already has a UART", vm->name);
		return -EEXIST;
	}
	u = kzalloc(sizeof(*u));
	if (!u) {
		pr_err("vm %s: out of memory for its UART and console ring", vm->name);
		return -ENOMEM;
	}
	u->lock = (spinlock_t)SPINLOCK_INIT;
	uart_model_init(&u->model, uart_to_log, u);
	uart_model_set_raw_sink(&u->model, uart_to_ring);
	console_ring_init(&u->ring);
	u->base = base;
	u->irq = (base & 0xFF0) == 0x2F0 || (base & 0xFF0) == 0x2E0 ? 3 : 4;
	u->vm = vm;
	err = vm_add_io(vm, base, 8, uart_in, uart_out, u);
	if (err) {
		kfree(u);
		return err;
	}
	vm->uart = u;
	return 0;
}

void vm_uart_flush(struct vm *vm)
{
	struct vm_uart *u = vm->uart;
	uint64_t f;

	if (!u)
		return;
	f = spin_lock_irqsave(&u->lock);
	uart_model_flush(&u->model);
	spin_unlock_irqrestore(&u->lock, f);
}

int vm_console_read(struct vm *vm, uint64_t *pos, char *buf, size_t size, uint64_t *end)
{
	struct vm_uart *u = vm->uart;
	uint64_t f;
	size_t n;

	if (!u)
		return -ENODEV;
	f = spin_lock_irqsave(&u->lock);
	n = console_ring_read(&u->ring, pos, buf, size);
	*end = u->ring.end;
	spin_unlock_irqrestore(&u->lock, f);
	return (int)n;
}

int vm_console_replay_pos(struct vm *vm, size_t max_bytes, uint64_t *pos)
{
	struct vm_uart *u = vm->uart;
	uint64_t f;

	if (!u)
		return -ENODEV;
	f = spin_lock_irqsave(&u->lock);
	*pos = console_ring_replay_start(&u->ring, max_bytes);
	spin_unlock_irqrestore(&u->lock, f);
	return 0;
}

int vm_console_input(struct vm *vm, const uint8_t *data, size_t len)
{
	struct vm_uart *u = vm->uart;
	uint64_t f;
	size_t n;
	bool level, changed;

	if (!u)
		return -ENODEV;
	f = spin_lock_irqsave(&u->lock);
	n = uart_model_receive(&u->model, data, len);
	changed = irq_changed(u);
	level = u->irq_level;
	spin_unlock_irqrestore(&u->lock, f);
	update_irq(u, changed, level);
	/* The guest may be halted waiting for this very interrupt, on any CPU. */
	if (changed && level && vm->vcpu)
		vcpu_kick(vm->vcpu);
	return (int)n;
}
