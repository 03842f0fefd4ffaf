/* exit_cpu.c - exits about the CPU itself: CPUID, RDMSR/WRMSR, control
 * registers, XSETBV, INVD/WBINVD and instructions a guest may not use. */
#include <plinth/log.h>
#include "cpuid_policy.h"
#include "exit_internal.h"
#include "msr.h"

/* EFER bits a guest may set: SCE, LME, LMA (ignored on write), NXE (SDM
 * vol. 3 §2.2.1); the rest (SVME included) are reserved. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

enum exit_result exit_cpuid(struct vcpu *v, const struct vm_exit *e)
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
enum exit_result exit_msr(struct vcpu *v, const struct vm_exit *e)
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

enum exit_result exit_cr_access(struct vcpu *v, const struct vm_exit *e)
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
enum exit_result exit_undefined(struct vcpu *v, const struct vm_exit *e)
{
	return vcpu_inject_exception(v, VEC_UD, false, 0) ? EXIT_STOP : EXIT_RESUME;
}

/* Guest memory is write-back and coherent; there is nothing of the
 * guest's to write back or invalidate separately. */
enum exit_result exit_cache_flush(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_NEXT;
}
