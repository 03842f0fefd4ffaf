/* dev_testexit.c - the test-exit port (0xF4), as QEMU's isa-debug-exit:
 * a write of v ends the VM and records v as its exit code. Test guests
 * report their result through it ("vm NAME: exit code V"). */
#include <plinth/log.h>
#include <plinth/vm.h>

static int testexit_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	return 0;
}

static int testexit_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	vm->exit_code = val;
	vm->exit_code_valid = true;
	pr_info("vm %s: exit code %u", vm->name, val);
	vm_stop(vm, "the guest wrote %u to the test-exit port 0x%x", val, port);
	return 0;
}

int vm_add_testexit(struct vm *vm)
{
	/* Four ports, as QEMU's iosize=4: a 32-bit OUT to 0xF4 is one access. */
	return vm_add_io(vm, VM_TESTEXIT_PORT, 4, testexit_in, testexit_out, NULL);
}
