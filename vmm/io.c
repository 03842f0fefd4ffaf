/* io.c - port I/O dispatch to a VM's device models: a small table of port
 * ranges per VM. Ports nobody claims behave like an empty ISA bus: reads
 * return all ones, writes are dropped. */
#include <plinth/log.h>
#include <plinth/vm.h>

int vm_add_io(struct vm *vm, uint16_t base, uint16_t count,
	      int (*in)(struct vm *, void *, uint16_t, unsigned, uint32_t *),
	      int (*out)(struct vm *, void *, uint16_t, unsigned, uint32_t), void *dev)
{
	uint32_t end = (uint32_t)base + count;

	if (!count || end > 0x10000 || !in || !out) {
		pr_err("vm %s: bad port range 0x%x+%u", vm->name, base, count);
		return -EINVAL;
	}
	if (vm->io_count == VM_MAX_IO_RANGES) {
		pr_err("vm %s: no room for port range 0x%x+%u", vm->name, base, count);
		return -ENOSPC;
	}
	for (unsigned i = 0; i < vm->io_count; i++) {
		const struct vm_io_range *r = &vm->io[i];
		if (base < (uint32_t)r->base + r->count && r->base < end) {
			pr_err("vm %s: port range 0x%x+%u overlaps 0x%x+%u", vm->name, base, count,
			       r->base, r->count);
			return -EEXIST;
		}
	}
	vm->io[vm->io_count++] = (struct vm_io_range){
		.base = base, .count = count, .in = in, .out = out, .dev = dev,
	};
	return 0;
}

/* The range that holds port, or NULL. An access is dispatched by its first
 * port: device models see accesses that start inside their range. */
static struct vm_io_range *find_range(struct vm *vm, uint16_t port)
{
	for (unsigned i = 0; i < vm->io_count; i++)
		if (port >= vm->io[i].base && port - vm->io[i].base < vm->io[i].count)
			return &vm->io[i];
	return NULL;
}

int vm_io_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_io_range *r = find_range(vm, port);

	if (!r) {
		*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return 0;
	}
	return r->in(vm, r->dev, port, size, val);
}

int vm_io_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_io_range *r = find_range(vm, port);

	if (!r)
		return 0;
	return r->out(vm, r->dev, port, size, val);
}
