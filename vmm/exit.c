/* exit.c - VM-exit dispatch: one const table indexed by enum exit_kind.
 *
 * Return convention of every handler (enum exit_result):
 *   EXIT_NEXT    the instruction completed: RIP is advanced past it here,
 *                in one place, and the guest resumes;
 *   EXIT_RESUME  resume at the current RIP (the handler changed RIP, queued
 *                an exception, or the instruction must run again);
 *   EXIT_STOP    the VM is stopped (vm_stop() has logged why).
 * A kind without a handler goes to unhandled_exit(): state dump, VM stopped.
 * Bad guest behaviour never stops the host. */
#include <plinth/log.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include "exit_internal.h"

static const char *const kind_names[EXIT_KIND_COUNT] = {
	[EXIT_UNKNOWN] = "unknown", [EXIT_CPUID] = "cpuid", [EXIT_MSR_READ] = "rdmsr",
	[EXIT_MSR_WRITE] = "wrmsr", [EXIT_IO] = "io", [EXIT_HLT] = "hlt",
	[EXIT_HYPERCALL] = "hypercall", [EXIT_SLAT_VIOLATION] = "slat-violation",
	[EXIT_SLAT_MISCONFIG] = "slat-misconfig", [EXIT_EXCEPTION] = "exception",
	[EXIT_EXTINT] = "extint", [EXIT_NMI] = "nmi", [EXIT_INTR_WINDOW] = "intr-window",
	[EXIT_NMI_WINDOW] = "nmi-window", [EXIT_TRIPLE_FAULT] = "triple-fault",
	[EXIT_INIT] = "init", [EXIT_SIPI] = "sipi", [EXIT_PREEMPT_TIMER] = "preempt-timer",
	[EXIT_CR_ACCESS] = "cr-access", [EXIT_XSETBV] = "xsetbv", [EXIT_INVD] = "invd",
	[EXIT_WBINVD] = "wbinvd", [EXIT_PAUSE] = "pause", [EXIT_MONITOR_MWAIT] = "monitor-mwait",
	[EXIT_VIRT_INSN] = "virt-insn", [EXIT_ENTRY_FAILURE] = "entry-failure",
};

const char *exit_kind_name(enum exit_kind kind)
{
	return (unsigned)kind < EXIT_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

static enum exit_result handle_triple_fault(struct vcpu *v, const struct vm_exit *e)
{
	vm_stop(v->vm, "triple fault at rip 0x%llx", (unsigned long long)v->rip);
	return EXIT_STOP;
}

static enum exit_result handle_entry_failure(struct vcpu *v, const struct vm_exit *e)
{
	/* The backend logged the failure and dumped its state. */
	vm_stop(v->vm, "VM entry failed (error %u)", e->entry.error);
	return EXIT_STOP;
}

static const exit_handler_fn exit_handlers[EXIT_KIND_COUNT] = {
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_MSR_READ] = exit_msr,
	[EXIT_MSR_WRITE] = exit_msr,
	[EXIT_IO] = exit_io,
	[EXIT_HLT] = exit_hlt,
	[EXIT_HYPERCALL] = exit_hypercall,
	[EXIT_SLAT_VIOLATION] = exit_slat_violation,
	[EXIT_SLAT_MISCONFIG] = exit_slat_misconfig,
	[EXIT_EXTINT] = exit_host_event,
	[EXIT_NMI] = exit_host_event,
	/* The slice timer (vmm/vcpu.c): the run slice decides what next. */
	[EXIT_PREEMPT_TIMER] = exit_host_event,
	[EXIT_INTR_WINDOW] = exit_intr_window,
	[EXIT_NMI_WINDOW] = exit_nmi_window,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_CR_ACCESS] = exit_cr_access,
	[EXIT_XSETBV] = exit_xsetbv,
	[EXIT_PAUSE] = exit_pause,
	[EXIT_INIT] = exit_init,
	[EXIT_SIPI] = exit_sipi,
	[EXIT_MONITOR_MWAIT] = exit_undefined,
	[EXIT_VIRT_INSN] = exit_undefined,
	[EXIT_INVD] = exit_cache_flush,
	[EXIT_WBINVD] = exit_cache_flush,
	[EXIT_ENTRY_FAILURE] = handle_entry_failure,
};

/* Everything without a handler: exits plinth does not enable or cannot
 * handle yet. */
static enum exit_result unhandled_exit(struct vcpu *v, const struct vm_exit *e)
{
	pr_err("vm %s: unhandled exit %s (vendor reason %u, qualification 0x%llx) at rip 0x%llx",
	       v->vm->name, exit_kind_name(e->kind), e->raw_reason,
	       (unsigned long long)e->raw_qual, (unsigned long long)v->rip);
	vcpu_dump(v);
	vm_stop(v->vm, "unhandled exit %s (vendor reason %u)", exit_kind_name(e->kind), e->raw_reason);
	return EXIT_STOP;
}

/* The backends' fast path (contract in <plinth/vcpu_ops.h>). Only an
 * exit whose handler reads and writes nothing but the vCPU's registers
 * qualifies, so that nothing the run slice looks at between two entries
 * (interrupts to deliver, the VM's state, a halt, a reschedule request)
 * can have changed: CPUID of a leaf with a cached answer. (KVM handles
 * such exits the same way, with interrupts off, without leaving its
 * entry loop: its "fastpath" exits.) */
bool vmm_exit_fast(struct vcpu *v, const struct vm_exit *e)
{
	if (e->kind != EXIT_CPUID || v->vm->state != VM_RUNNING || !exit_cpuid_cached(v))
		return false;
	v->exit_count++;
	v->exits_by_kind[EXIT_CPUID]++;
	return true;
}

bool vmm_handle_exit(struct vcpu *v, const struct vm_exit *e)
{
	exit_handler_fn fn = (unsigned)e->kind < EXIT_KIND_COUNT ? exit_handlers[e->kind] : NULL;
	enum exit_result res = fn ? fn(v, e) : unhandled_exit(v, e);

	switch (res) {
	case EXIT_NEXT:
		/* Instruction exits report their length (1..15); a handler that
		 * asks to skip an exit without one is a plinth bug. */
		if (!e->insn_len) {
			vm_stop(v->vm, "exit %s has no instruction length to skip", exit_kind_name(e->kind));
			return false;
		}
		vcpu_ops->skip_insn(v, e->insn_len);
		return v->vm->state != VM_STOPPED;
	case EXIT_RESUME:
		return v->vm->state != VM_STOPPED;
	default:
		return false;
	}
}
