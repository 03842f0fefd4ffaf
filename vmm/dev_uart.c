/* dev_uart.c - COM1 for guests: the 16550 register model (uart_model.c)
 * on a port range, its output going to the hypervisor log as
 * "[vmname] line". */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/vm.h>
#include "uart_model.h"

struct vm_uart {
	struct uart_model model;
	uint16_t base;
	struct vm *vm;
};

static void uart_to_log(void *ctx, const char *line, size_t len)
{
	struct vm_uart *u = ctx;
	pr_info("[%s] %.*s", u->vm->name, (int)len, line);
}

/* A wider access to 8-bit registers is split into bytes at successive
 * ports, as the ISA bus does. */
static int uart_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_uart *u = dev;
	*val = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port + i - u->base);
		uint8_t b = reg < 8 ? uart_model_read(&u->model, reg) : 0xFF;
		*val |= (uint32_t)b << (8 * i);
	}
	return 0;
}

static int uart_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_uart *u = dev;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port + i - u->base);
		if (reg < 8)
			uart_model_write(&u->model, reg, (uint8_t)(val >> (8 * i)));
	}
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
	if (!u)
		return -ENOMEM;
	uart_model_init(&u->model, uart_to_log, u);
	u->base = base;
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
	if (u)
		uart_model_flush(&u->model);
}
