/* io.c - port I/O dispatch to a VM's device models: a small table of port
 * ranges per VM, kept sorted by base so a lookup is a binary search (every
 * port-I/O exit does one). Ports nobody claims behave like an empty ISA
 * bus: reads return all ones, writes are dropped. */
#include <plinth/log.h>
#include <plinth/vm.h>
#include "io.h"

int vm_add_io(struct vm *vm, uint16_t base, uint16_t count,
	      int (*in)(struct vm *, void *, uint16_t, unsigned, uint32_t *),
	      int (*out)(struct vm *, void *, uint16_t, unsigned, uint32_t), void *dev)
{
	uint32_t end = (uint32_t)base + count;
	unsigned at;

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
	/* Insert in base order (the ranges do not overlap, so this orders
	 * their ends too). */
	for (at = vm->io_count; at > 0 && vm->io[at - 1].base > base; at--)
		vm->io[at] = vm->io[at - 1];
	vm->io[at] = (struct vm_io_range){
		.base = base, .count = count, .in = in, .out = out, .dev = dev,
	};
	vm->io_count++;
	return 0;
}

/* The range that holds port, or NULL. An access is dispatched by its first
 * port: device models see accesses that start inside their range. */
static struct vm_io_range *find_range(struct vm *vm, uint16_t port)
{
	unsigned lo = 0, hi = vm->io_count;

	/* The last range whose base is at or below port is the only one that
	 * can hold it. */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (vm->io[mid].base <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && port - vm->io[lo - 1].base < vm->io[lo - 1].count)
		return &vm->io[lo - 1];
	return NULL;
}

bool vm_io_claimed(struct vm *vm, uint16_t port)
{
	return find_range(vm, port) != NULL;
}

int vm_io_access(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val,
		 bool *claimed)
{
	struct vm_io_range *r = find_range(vm, port);

	*claimed = r != NULL;
	if (!r) {
		if (in)
			*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return 0;
	}
	return in ? r->in(vm, r->dev, port, size, val) : r->out(vm, r->dev, port, size, *val);
}

int vm_io_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val)
{
	bool claimed;

	return vm_io_access(vm, port, size, true, val, &claimed);
}

int vm_io_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val)
{
	bool claimed;

	return vm_io_access(vm, port, size, false, &val, &claimed);
}
