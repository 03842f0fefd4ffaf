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
#include "cpuid_policy.h"
#include "hypercall.h"
#include "mmio.h"
#include "msr.h"

enum exit_result { EXIT_NEXT, EXIT_RESUME, EXIT_STOP };

typedef enum exit_result (*exit_handler_fn)(struct vcpu *v, const struct vm_exit *e);

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

static bool guest_long_mode(struct vcpu *v)
{
	return (vcpu_ops->get_efer(v) & EFER_LMA) != 0;
}

/* Write a 32-bit result as the CPU does: outside 64-bit mode the upper
 * half is undefined, in 64-bit mode a 32-bit write zero-extends; zero
 * extension is right for both. */
static void set_gpr32(struct vcpu *v, unsigned reg, uint32_t value)
{
	v->gpr[reg] = value;
}

static enum exit_result handle_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t leaf = (uint32_t)v->gpr[INSN_RAX], sub = (uint32_t)v->gpr[INSN_RCX];
	struct cpuid_regs r = { 0, 0, 0, 0 };
	const struct cpuid_guest_ctx ctx = {
		.apic_id = v->id,
		.cr4_osxsave = (vcpu_ops->get_cr(v, 4) & CR4_OSXSAVE) != 0,
	};

	if (!cpuid_leaf_is_hypervisor(leaf))
		cpuid_count(leaf, sub, &r.eax, &r.ebx, &r.ecx, &r.edx);
	cpuid_guest_view(leaf, sub, &ctx, &r);
	set_gpr32(v, INSN_RAX, r.eax);
	set_gpr32(v, INSN_RBX, r.ebx);
	set_gpr32(v, INSN_RCX, r.ecx);
	set_gpr32(v, INSN_RDX, r.edx);
	return EXIT_NEXT;
}

/* The guest's MAXPHYADDR: CPUID 0x80000008 EAX[7:0] is passed through
 * (SDM vol. 2A CPUID); 36 where the leaf is missing (SDM vol. 3 §4.1.4). */
static unsigned guest_phys_addr_bits(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	return a & 0xFF;
}

/* EFER bits a guest may set: SCE, LME, LMA (ignored on write), NXE (SDM
 * vol. 3 §2.2.1); the rest (SVME included) are reserved. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* MSRs the backend keeps in its guest state: EFER, FS.base, GS.base.
 * Returns MSR_UNKNOWN for any other MSR. */
static enum msr_result backend_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	enum vcpu_seg seg = msr == MSR_FS_BASE ? SEG_FS : SEG_GS;
	struct vcpu_segment s;
	uint64_t efer;

	switch (msr) {
	case MSR_EFER:
		efer = vcpu_ops->get_efer(v);
		if (!write) {
			*val = efer;
			return MSR_OK;
		}
		if (*val & ~EFER_GUEST_BITS)
			return MSR_GP;
		/* LMA is read-only: a write keeps the CPU's value (SDM vol. 3
		 * §9.8.5). Changing EFER needs a backend op plinth does not have
		 * yet (vcpu_ops has get_efer only); an unchanged write is fine. */
		if (((*val ^ efer) & ~EFER_LMA) == 0)
			return MSR_OK;
		vm_stop(v->vm, "guest changes EFER 0x%llx -> 0x%llx: EFER writes are not virtualised yet",
			(unsigned long long)efer, (unsigned long long)*val);
		return MSR_OK;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		vcpu_ops->get_seg(v, seg, &s);
		if (!write) {
			*val = s.base;
			return MSR_OK;
		}
		if (!msr_canonical(*val))
			return MSR_GP;
		s.base = *val;
		vcpu_ops->set_seg(v, seg, &s);
		return MSR_OK;
	default:
		return MSR_UNKNOWN;
	}
}

/* RDMSR/WRMSR: ECX selects the MSR, EDX:EAX the value (SDM vol. 2B). The
 * emulated set is vmm/msr.c's table plus backend_msr(); anything else, and
 * any invalid value, gets #GP(0) as on hardware. */
static enum exit_result handle_msr(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->gpr[INSN_RCX];
	bool write = e->kind == EXIT_MSR_WRITE;
	uint64_t val = write ? (v->gpr[INSN_RDX] << 32) | (uint32_t)v->gpr[INSN_RAX] : 0;
	const struct msr_ctx ctx = {
		.host_tsc = rdtsc(), .phys_addr_bits = guest_phys_addr_bits(), .bsp = v->id == 0,
	};
	enum msr_result res = backend_msr(v, msr, write, &val);

	if (res == MSR_UNKNOWN)
		res = write ? msr_write(vcpu_msr_state(v), &ctx, msr, val)
			    : msr_read(vcpu_msr_state(v), &ctx, msr, &val);
	if (v->vm->state == VM_STOPPED)
		return EXIT_STOP;
	if (res != MSR_OK) {
		pr_debug("vm %s: %s of MSR 0x%x (value 0x%llx): #GP%s", v->vm->name,
			 write ? "wrmsr" : "rdmsr", msr, (unsigned long long)val,
			 res == MSR_UNKNOWN ? " (not emulated)" : "");
		return vcpu_inject_exception(v, VEC_GP, true, 0) ? EXIT_STOP : EXIT_RESUME;
	}
	if (!write) {
		set_gpr32(v, INSN_RAX, (uint32_t)val);
		set_gpr32(v, INSN_RDX, (uint32_t)(val >> 32));
	}
	return EXIT_NEXT;
}

static enum exit_result handle_io(struct vcpu *v, const struct vm_exit *e)
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

/* No virtual interrupt source exists in this slice, so a halted vCPU could
 * never wake up: stop the VM with the reason instead of spinning. */
static enum exit_result handle_hlt(struct vcpu *v, const struct vm_exit *e)
{
	if (!(v->rflags & RFLAGS_IF))
		vm_stop(v->vm, "halted with interrupts disabled at rip 0x%llx",
			(unsigned long long)v->rip);
	else
		vm_stop(v->vm, "halted at rip 0x%llx waiting for an interrupt (no virtual "
			"interrupt sources exist yet)", (unsigned long long)v->rip);
	return EXIT_STOP;
}

static enum exit_result handle_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	hypercall_dispatch(v);
	return EXIT_NEXT;
}

static enum exit_result handle_slat_violation(struct vcpu *v, const struct vm_exit *e)
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

static enum exit_result handle_triple_fault(struct vcpu *v, const struct vm_exit *e)
{
	vm_stop(v->vm, "triple fault at rip 0x%llx", (unsigned long long)v->rip);
	return EXIT_STOP;
}

/* Host events: the backend took the interrupt/NMI already. */
static enum exit_result handle_host_event(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_RESUME;
}

static enum exit_result handle_cr_access(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t mask = guest_long_mode(v) ? ~0ULL : 0xFFFFFFFFULL;
	uint64_t cr0;
	int err;

	switch (e->cr.type) {
	case CR_ACCESS_MOV_TO:
		err = vcpu_ops->set_cr(v, e->cr.cr, v->gpr[e->cr.gpr] & mask);
		break;
	case CR_ACCESS_MOV_FROM:
		v->gpr[e->cr.gpr] = vcpu_ops->get_cr(v, e->cr.cr) & mask;
		return EXIT_NEXT;
	case CR_ACCESS_CLTS:
		err = vcpu_ops->set_cr(v, 0, vcpu_ops->get_cr(v, 0) & ~(uint64_t)CR0_TS);
		break;
	default:
		/* LMSW loads CR0 bits 0-3 but cannot clear PE (SDM vol. 2A LMSW). */
		cr0 = vcpu_ops->get_cr(v, 0);
		err = vcpu_ops->set_cr(v, 0, (cr0 & ~0xEULL) | (e->cr.lmsw_data & 0xF) | (cr0 & CR0_PE));
		break;
	}
	if (err == -EINVAL)
		return vcpu_inject_exception(v, VEC_GP, true, 0) ? EXIT_STOP : EXIT_RESUME;
	if (err) {
		vm_stop(v->vm, "unsupported control-register change (CR%u, error %d)", e->cr.cr, err);
		return EXIT_STOP;
	}
	return EXIT_NEXT;
}

/* Instructions of features CPUID hides (MONITOR/MWAIT, XSAVE, VMX/SVM)
 * raise #UD, as on a CPU without them. */
static enum exit_result handle_undefined(struct vcpu *v, const struct vm_exit *e)
{
	return vcpu_inject_exception(v, VEC_UD, false, 0) ? EXIT_STOP : EXIT_RESUME;
}

/* Guest memory is write-back and coherent; there is nothing of the
 * guest's to write back or invalidate separately. */
static enum exit_result handle_cache_flush(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_NEXT;
}

static enum exit_result handle_entry_failure(struct vcpu *v, const struct vm_exit *e)
{
	/* The backend logged the failure and dumped its state. */
	vm_stop(v->vm, "VM entry failed (error %u)", e->entry.error);
	return EXIT_STOP;
}

static const exit_handler_fn exit_handlers[EXIT_KIND_COUNT] = {
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_MSR_READ] = handle_msr,
	[EXIT_MSR_WRITE] = handle_msr,
	[EXIT_IO] = handle_io,
	[EXIT_HLT] = handle_hlt,
	[EXIT_HYPERCALL] = handle_hypercall,
	[EXIT_SLAT_VIOLATION] = handle_slat_violation,
	[EXIT_EXTINT] = handle_host_event,
	[EXIT_NMI] = handle_host_event,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_XSETBV] = handle_undefined,
	[EXIT_MONITOR_MWAIT] = handle_undefined,
	[EXIT_VIRT_INSN] = handle_undefined,
	[EXIT_INVD] = handle_cache_flush,
	[EXIT_WBINVD] = handle_cache_flush,
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
