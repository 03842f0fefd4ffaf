/* exit_irq.c - HLT and host interrupts/NMIs that arrived while a guest ran. */
#include <plinth/log.h>
#include "exit_internal.h"

/* No virtual interrupt source exists in this slice, so a halted vCPU could
 * never wake up: stop the VM with the reason instead of spinning. */
enum exit_result exit_hlt(struct vcpu *v, const struct vm_exit *e)
{
	if (!(v->rflags & RFLAGS_IF))
		vm_stop(v->vm, "halted with interrupts disabled at rip 0x%llx",
			(unsigned long long)v->rip);
	else
		vm_stop(v->vm, "halted at rip 0x%llx waiting for an interrupt (no virtual "
			"interrupt sources exist yet)", (unsigned long long)v->rip);
	return EXIT_STOP;
}

/* Host events: the backend took the interrupt/NMI already. */
enum exit_result exit_host_event(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_RESUME;
}
