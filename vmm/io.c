/* io.c - port I/O dispatch to a VM's device models: a small table of port
 * ranges per VM, kept sorted by base so a lookup is a binary search (every
 * port-I/O exit does one). Ports nobody claims behave like an empty ISA
 * bus: reads return all ones, writes are dropped. It also counts port-I/O
 * exits by port, for the statistics a VM prints when it stops. */
#include <plinth/log.h>
#include <plinth/printf.h>
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

/* ---- Exit statistics by port ---- */

/* Slot of key in the open-addressed table: a multiplicative hash, then
 * linear probing; a free slot is claimed with a compare-and-swap so the
 * vCPUs of one VM can count at once. NULL when the table is full. */
static struct vm_io_port_count *port_slot(struct vm *vm, uint32_t key)
{
	unsigned start = (key * 2654435761u) >> 26;   /* 6 bits: VM_IO_STATS_SLOTS */

	_Static_assert(VM_IO_STATS_SLOTS == 64, "the hash yields 6 bits");
	for (unsigned i = 0; i < VM_IO_STATS_SLOTS; i++) {
		struct vm_io_port_count *s = &vm->io_exits[(start + i) % VM_IO_STATS_SLOTS];
		uint32_t seen = __atomic_load_n(&s->key, __ATOMIC_RELAXED);

		if (!seen && __atomic_compare_exchange_n(&s->key, &seen, key, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return s;
		if (seen == key)
			return s;
	}
	return NULL;
}

void vm_io_count_exit(struct vm *vm, uint16_t port, bool in)
{
	struct vm_io_port_count *s = port_slot(vm, port | (in ? VM_IO_KEY_IN : 0) | VM_IO_KEY_USED);

	if (s)
		__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&vm->io_exits_other, 1, __ATOMIC_RELAXED);
}

int vm_io_stats_format(const struct vm *vm, char *buf, size_t size, unsigned top)
{
	bool printed[VM_IO_STATS_SLOTS] = { false };
	uint64_t total = vm->io_exits_other;
	unsigned ports = 0;
	size_t pos = 0;
	int n;

	if (size)
		buf[0] = 0;
	for (unsigned i = 0; i < VM_IO_STATS_SLOTS; i++)
		if (vm->io_exits[i].key) {
			total += vm->io_exits[i].count;
			ports++;
		}
	n = ksnprintf(buf, size, "%llu io exits at %u port%s", (unsigned long long)total,
		      ports, ports == 1 ? "" : "s");
	pos += n > 0 ? (size_t)n : 0;
	/* The top ones, most frequent first (equal counts: lower slot first). */
	for (unsigned shown = 0; shown < top; shown++) {
		int best = -1;
		for (unsigned i = 0; i < VM_IO_STATS_SLOTS; i++)
			if (vm->io_exits[i].key && !printed[i] &&
			    (best < 0 || vm->io_exits[i].count > vm->io_exits[best].count))
				best = (int)i;
		if (best < 0)
			break;
		printed[best] = true;
		n = ksnprintf(pos < size ? buf + pos : NULL, pos < size ? size - pos : 0,
			      "%s0x%x %s %u", shown ? ", " : ": ", vm->io_exits[best].key & 0xFFFF,
			      (vm->io_exits[best].key & VM_IO_KEY_IN) ? "in" : "out",
			      vm->io_exits[best].count);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (vm->io_exits_other) {
		n = ksnprintf(pos < size ? buf + pos : NULL, pos < size ? size - pos : 0,
			      "; %llu at ports beyond the table",
			      (unsigned long long)vm->io_exits_other);
		pos += n > 0 ? (size_t)n : 0;
	}
	return (int)pos;
}

/* The line is left out for a VM that took no port-I/O exits. */
void vm_io_stats_print(struct vm *vm)
{
	char line[VM_IO_STATS_LINE_MAX];
	bool any = vm->io_exits_other != 0;

	for (unsigned i = 0; i < VM_IO_STATS_SLOTS && !any; i++)
		any = vm->io_exits[i].key != 0;
	if (!any)
		return;
	vm_io_stats_format(vm, line, sizeof(line), VM_IO_STATS_TOP);
	pr_info("vm %s: %s", vm->name, line);
}
