/* exit_io.c - exits that reach devices: port I/O, hypercalls and
 * second-level faults on MMIO (emulated through the instruction decoder). */
#include <plinth/log.h>
#include "exit_internal.h"
#include "hypercall.h"
#include "mmio.h"

enum exit_result exit_io(struct vcpu *v, const struct vm_exit *e)
{
	struct vm *vm = v->vm;
	unsigned size = e->io.size;
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	int err;

	if (e->io.string) {
		vm_stop(vm, "string I/O (INS/OUTS) on port 0x%x is not emulated yet", e->io.port);
		return EXIT_STOP;
	}
	if (e->io.in) {
		uint32_t val = 0;
		err = vm_io_in(vm, e->io.port, size, &val);
		if (!err) {
			/* IN AL/AX merges into RAX; IN EAX zero-extends (SDM vol. 1
			 * §3.4.1.1). */
			if (size == 4)
				v->gpr[INSN_RAX] = val;
			else
				v->gpr[INSN_RAX] = (v->gpr[INSN_RAX] & ~(uint64_t)mask) | (val & mask);
		}
	} else {
		err = vm_io_out(vm, e->io.port, size, (uint32_t)v->gpr[INSN_RAX] & mask);
	}
	if (err) {
		vm_stop(vm, "device error %d on port 0x%x", err, e->io.port);
		return EXIT_STOP;
	}
	/* A device may have stopped the VM (the test-exit port). */
	return vm->state == VM_STOPPED ? EXIT_STOP : EXIT_NEXT;
}

enum exit_result exit_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	hypercall_dispatch(v);
	return EXIT_NEXT;
}

enum exit_result exit_slat_violation(struct vcpu *v, const struct vm_exit *e)
{
	struct vm_region *r = vm_find_region(v->vm, e->slat.gpa);
	int n;

	if (!r) {
		vm_stop(v->vm, "access to guest-physical 0x%llx (outside RAM and MMIO) at rip 0x%llx",
			(unsigned long long)e->slat.gpa, (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	if (r->type == VM_REGION_RAM) {
		/* RAM is mapped read/write/execute: a fault on it means the
		 * tables are wrong, a plinth bug; stop this VM only. */
		vm_stop(v->vm, "second-level fault on RAM at 0x%llx (access %x, allowed %x)",
			(unsigned long long)e->slat.gpa, e->slat.access, e->slat.allowed);
		vcpu_dump(v);
		return EXIT_STOP;
	}
	n = mmio_emulate(v, r, e->slat.gpa);
	if (n < 0)
		return EXIT_STOP;
	if (n > 0)
		vcpu_ops->skip_insn(v, (unsigned)n);
	return v->vm->state == VM_STOPPED ? EXIT_STOP : EXIT_RESUME;
}
