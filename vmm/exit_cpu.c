/* exit_cpu.c - exits about the CPU itself: CPUID, RDMSR/WRMSR, control
 * registers, XSETBV, INVD/WBINVD, PAUSE, INIT/SIPI and instructions a guest
 * may not use. The architectural checks are vmm/cpu_rules.c's, so both
 * backends fault the same way. */
#include <plinth/log.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <x86/cpu_features.h>
#include "cpu_rules.h"
#include "cpuid_policy.h"
#include "exit_internal.h"
#include "kvmclock.h"
#include "msr.h"
#include "platform.h"

/* CPUID 0x80000001 EDX: SYSCALL (11), NX (20), long mode (29). */
#define E1_EDX_SYSCALL BIT(11)
#define E1_EDX_NX      BIT(20)
#define E1_EDX_LM      BIT(29)
#define L1_ECX_XSAVE   BIT(26)

/* The guest state the rules of cpu_rules.h look at. */
static void rules_state(struct vcpu *v, struct cpu_rules_state *st)
{
	struct vcpu_segment cs, ss;

	vcpu_ops->get_seg(v, SEG_CS, &cs);
	vcpu_ops->get_seg(v, SEG_SS, &ss);
	st->cr0 = vcpu_ops->get_cr(v, 0);
	st->cr3 = vcpu_ops->get_cr(v, 3);
	st->cr4 = vcpu_ops->get_cr(v, 4);
	st->efer = vcpu_ops->get_efer(v);
	st->cs_long = (cs.attr & BIT(9)) != 0;
	/* CPL is SS.DPL (SDM vol. 3 §5.5; the VMCB keeps it equal, APM
	 * vol. 2 §15.5.1); 0 in real mode. */
	st->cpl = (st->cr0 & CR0_PE) ? (ss.attr >> 5) & 3 : 0;
}

/* EFER bits the guest may set: those its CPUID offers (passed through from
 * the host: SCE, LME, NXE; SDM vol. 3 §2.2.1). SVME and the rest are
 * reserved for the guest. */
static uint64_t guest_efer_supported(void)
{
	uint32_t a, b, c, d;
	uint64_t bits = 0;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return 0;
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (d & E1_EDX_SYSCALL) bits |= EFER_SCE;
	if (d & E1_EDX_LM) bits |= EFER_LME;
	if (d & E1_EDX_NX) bits |= EFER_NXE;
	return bits;
}

/* The XCR0 bits the guest may enable: the host's XSAVE components within
 * CPUID_GUEST_XCR0_ALLOWED; 0 (XSAVE hidden) without host XSAVE. */
static uint64_t guest_xcr0_allowed(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (a < 0xD)
		return 0;
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & L1_ECX_XSAVE))
		return 0;
	cpuid_count(0xD, 0, &a, &b, &c, &d);
	return cpuid_guest_xcr0_allowed(true, ((uint64_t)d << 32) | a);
}

/* The vCPU's local APIC, NULL for a VM without the platform devices. */
static struct vlapic *vcpu_lapic(struct vcpu *v)
{
	return v->vm->platform ? vcpu_vlapic(v) : NULL;
}

/* CPUID of the leaves whose answer depends on the guest's state (leaf 1:
 * CR4.OSXSAVE, the APIC's enable; 0xD: XCR0) or on the host's XSAVE
 * support (1, 7, 0xD). */
static __attribute__((noinline)) void cpuid_stateful(struct vcpu *v, uint32_t leaf, uint32_t sub,
						     struct cpuid_regs *r)
{
	struct vlapic *l = vcpu_lapic(v);
	struct cpuid_guest_ctx ctx = {
		.apic_id = v->id,
		.nr_vcpus = v->vm->nr_vcpus,
		.apic = l && l->mode != VLAPIC_DISABLED,
		.x2apic = l != NULL,
	};
	struct cpuid_xsave_ctx xs;

	xs.xcr0_allowed = guest_xcr0_allowed();
	if (leaf == 1)
		ctx.cr4_osxsave = (vcpu_ops->get_cr(v, 4) & CR4_OSXSAVE) != 0;
	if (leaf == 0xD && xs.xcr0_allowed) {
		xs.xcr0 = vcpu_ops->get_xcr0(v);
		/* The standard-format offset and size of each allowed
		 * component (CPUID (0xD, i) EBX and EAX). */
		memset(xs.xsave_end, 0, sizeof(xs.xsave_end));
		for (unsigned i = 2; i < CPUID_XSAVE_COMPONENTS; i++) {
			uint32_t a, b, c, d;
			if (!(xs.xcr0_allowed & BIT(i)))
				continue;
			cpuid_count(0xD, i, &a, &b, &c, &d);
			xs.xsave_end[i] = a + b;
		}
	}
	cpuid_count(leaf, sub, &r->eax, &r->ebx, &r->ecx, &r->edx);
	cpuid_guest_view_xs(leaf, sub, &ctx, &xs, r);
}

/* The answers of the leaves that are the same for every VM, vCPU and
 * subleaf: 0 (maximum leaf, vendor), 0x80000000 (maximum extended leaf)
 * and 0x80000002-4 (brand string). Each is computed once, through
 * cpuid_guest_view like any other, and then answered from here: leaf 0 is
 * what guests run most (a serializing instruction, a probe). A leaf that
 * cpuid_policy makes depend on the VM or the vCPU must not be cached. */
static struct cpuid_cached {
	bool valid;             /* r holds the answer (atomic, written once) */
	struct cpuid_regs r;
} cpuid_cache[5];

/* The cache slot of leaf, or -1 if it is not cached. */
static inline int cpuid_cache_slot(uint32_t leaf)
{
	if (leaf == 0)
		return 0;
	if (leaf - 0x80000000u <= 4u && leaf != 0x80000001u)
		return (int)(leaf - 0x80000000u) + (leaf == 0x80000000u);
	return -1;
}

/* CPUID of a leaf not answered from cpuid_cache (exit_cpuid). */
static __attribute__((noinline)) enum exit_result exit_cpuid_slow(struct vcpu *v, uint32_t leaf,
								   int slot)
{
	uint32_t sub = (uint32_t)v->gpr[INSN_RCX];
	struct cpuid_regs r;

	if (leaf == 1 || leaf == 7 || leaf == 0xD) {
		cpuid_stateful(v, leaf, sub, &r);
	} else {
		const struct cpuid_guest_ctx ctx = { .apic_id = v->id, .nr_vcpus = v->vm->nr_vcpus,
						     .tsc_reliable = kvmclock_host_tsc_reliable() };
		if (!cpuid_leaf_is_hypervisor(leaf))
			cpuid_count(leaf, sub, &r.eax, &r.ebx, &r.ecx, &r.edx);
		cpuid_guest_view(leaf, sub, &ctx, &r);
		/* CPUs racing here store the same answer. */
		if (slot >= 0) {
			cpuid_cache[slot].r = r;
			__atomic_store_n(&cpuid_cache[slot].valid, true, __ATOMIC_RELEASE);
		}
	}
	set_gpr32(v, INSN_RAX, r.eax);
	set_gpr32(v, INSN_RBX, r.ebx);
	set_gpr32(v, INSN_RCX, r.ecx);
	set_gpr32(v, INSN_RDX, r.edx);
	return EXIT_NEXT;
}

bool exit_cpuid_cached(struct vcpu *v)
{
	int slot = cpuid_cache_slot((uint32_t)v->gpr[INSN_RAX]);
	const struct cpuid_cached *c = &cpuid_cache[slot < 0 ? 0 : slot];

	if (slot < 0 || !__atomic_load_n(&c->valid, __ATOMIC_ACQUIRE))
		return false;
	set_gpr32(v, INSN_RAX, c->r.eax);
	set_gpr32(v, INSN_RBX, c->r.ebx);
	set_gpr32(v, INSN_RCX, c->r.ecx);
	set_gpr32(v, INSN_RDX, c->r.edx);
	return true;
}

/* CPUID (SDM vol. 2A): the host's answer through cpuid_policy. The
 * cached leaves are answered first; most others need nothing of the
 * guest's state either and take the short way in exit_cpuid_slow. */
enum exit_result exit_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t leaf = (uint32_t)v->gpr[INSN_RAX];

	if (exit_cpuid_cached(v))
		return EXIT_NEXT;
	return exit_cpuid_slow(v, leaf, cpuid_cache_slot(leaf));
}

/* The guest's MAXPHYADDR: the host's, CPUID 0x80000008 EAX[7:0] being
 * passed through (cpuid_policy.c). */
static unsigned guest_phys_addr_bits(void)
{
	return cpuid_phys_addr_bits();
}

/* The guest's CPU has 5-level paging: CPUID.(7,0):ECX[16] is passed
 * through (cpuid_policy.c), so the host's bit says. */
static bool guest_la57(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid_count(7, 0, &a, &b, &c, &d);
	return (c & BIT(16)) != 0;
}

/* MSRs the backend keeps in its guest state: EFER, FS.base, GS.base.
 * Returns MSR_UNKNOWN for any other MSR. */
static enum msr_result backend_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	enum vcpu_seg seg = msr == MSR_FS_BASE ? SEG_FS : SEG_GS;
	struct cpu_rules_state st;
	struct vcpu_segment s;
	uint64_t efer;

	switch (msr) {
	case MSR_EFER:
		if (!write) {
			*val = vcpu_ops->get_efer(v);
			return MSR_OK;
		}
		/* Reserved bits and LME changes under paging fault; LMA keeps
		 * the CPU's value; the backend recomputes it (cpu_rules.h). */
		rules_state(v, &st);
		if (efer_write_check(&st, *val, guest_efer_supported(), &efer))
			return MSR_GP;
		vcpu_ops->set_efer(v, efer);
		return MSR_OK;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		vcpu_ops->get_seg(v, seg, &s);
		if (!write) {
			*val = s.base;
			return MSR_OK;
		}
		if (!(guest_la57() ? msr_canonical57(*val) : msr_canonical(*val)))
			return MSR_GP;
		s.base = *val;
		vcpu_ops->set_seg(v, seg, &s);
		return MSR_OK;
	default:
		return MSR_UNKNOWN;
	}
}

/* The x2APIC MSRs (0x800-0x8FF) go to the vCPU's vlapic, which decides
 * what faults (SDM vol. 3 §11.12.1.2); without a vlapic they are unknown. */
static enum msr_result x2apic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct vlapic *l = vcpu_lapic(v);
	uint64_t flags;
	int err;

	if (!l || msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return MSR_UNKNOWN;
	/* Other vCPUs and devices change this APIC too (platform.h). An
	 * ICR write's IPIs kick their targets at unlock. */
	flags = vm_platform_lock(v->vm->platform);
	err = write ? vlapic_x2apic_write(l, msr, *val, time_now_ns())
		    : vlapic_x2apic_read(l, msr, time_now_ns(), val);
	if (write)
		vm_platform_collect_ipis(v->vm->platform, l);
	vm_platform_unlock(v->vm->platform, flags);
	return err ? MSR_GP : MSR_OK;
}

/* IA32_APIC_BASE's EN and EXTD bits are the vlapic's mode (SDM vol. 3
 * §11.4.3, §11.12.1 Table 11-5). */
static enum vlapic_mode apic_base_mode(uint64_t apic_base)
{
	if (!(apic_base & MSR_APIC_BASE_EN))
		return VLAPIC_DISABLED;
	return (apic_base & MSR_APIC_BASE_EXTD) ? VLAPIC_X2APIC : VLAPIC_XAPIC;
}

/* RDMSR/WRMSR: ECX selects the MSR, EDX:EAX the value (SDM vol. 2B). The
 * emulated set is vmm/msr.c's table plus backend_msr() and the x2APIC
 * MSRs; anything else, and any invalid value, gets #GP(0) as on hardware. */
enum exit_result exit_msr(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->gpr[INSN_RCX];
	bool write = e->kind == EXIT_MSR_WRITE;
	uint64_t val = write ? (v->gpr[INSN_RDX] << 32) | (uint32_t)v->gpr[INSN_RAX] : 0;
	struct vlapic *lapic = vcpu_lapic(v);
	const struct msr_ctx ctx = {
		.host_tsc = rdtsc(), .phys_addr_bits = guest_phys_addr_bits(), .bsp = v->id == 0,
		.x2apic = lapic != NULL,
		/* The guest's CPUID vendor is the host's (cpuid_policy.c). */
		.amd = !strcmp(cpu_features()->vendor, "AuthenticAMD"),
		.la57 = guest_la57(),
	};
	struct msr_state *state = vcpu_msr_state(v);
	uint64_t old_apic_base = state->apic_base;
	enum msr_result res = backend_msr(v, msr, write, &val);

	if (res == MSR_UNKNOWN)
		res = x2apic_msr(v, msr, write, &val);

	/* The TSC offset lives in the backend (guest RDTSC uses it) and is
	 * the VM's offset plus this vCPU's TSC_ADJUST (kvmclock.h); the
	 * emulated IA32_TSC/TSC_ADJUST work on a copy and a changed one goes
	 * back after a write, so RDTSC and RDMSR(0x10) agree. */
	if (msr_tsc_related(msr))
		state->tsc_offset = guest_tsc_vcpu_offset(v->vm->tsc_offset, state->tsc_adjust);
	if (res == MSR_UNKNOWN && !write && msr_backend_held(msr) &&
	    vcpu_ops->get_msr(v, msr, &val) == 0)
		res = MSR_OK;
	if (res == MSR_UNKNOWN)
		res = write ? msr_write(state, &ctx, msr, val) : msr_read(state, &ctx, msr, &val);
	if (res == MSR_OK && write && msr_tsc_related(msr))
		vcpu_ops->set_tsc_offset(v, state->tsc_offset);
	/* A checked value of a switched MSR goes to the backend; -ENOENT
	 * (e.g. TSC_AUX on a CPU without RDTSCP) leaves it in msr_state. */
	if (res == MSR_OK && write && msr_backend_held(msr))
		vcpu_ops->set_msr(v, msr, val);
	if (res == MSR_OK && write)
		kvmclock_after_wrmsr(v, msr);
	if (res == MSR_OK && write && lapic && state->apic_base != old_apic_base) {
		uint64_t flags = vm_platform_lock(v->vm->platform);
		vlapic_set_mode(lapic, apic_base_mode(state->apic_base));
		vm_platform_unlock(v->vm->platform, flags);
	}
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

/* The architectural checks of a MOV to CRn (cpu_rules.h): 0 or a vector. */
static int cr_write_fault(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct cpu_rules_state st;

	rules_state(v, &st);
	switch (cr) {
	case 0:
		return cr0_write_check(&st, value);
	case 4:
		/* VMXE and SMXE are reserved for guests (CPUID hides VMX and
		 * SMX); which other bits the CPU supports the backend checks
		 * (its set_cr returns -EINVAL). */
		return cr4_write_check(&st, value, ~(uint64_t)(CR4_VMXE | CR4_SMXE));
	case 8:
		return cr8_write_check(value);
	case 3:
		return 0;
	default:
		/* MOV to CR1/5-7/9-15 is #UD (SDM vol. 2B MOV CR); none exits. */
		return VEC_UD;
	}
}

/* MOV to/from CR8 is the local APIC's TPR (SDM vol. 3 §11.8.6): reads give
 * TPR[7:4], writes set TPR[7:4] and clear TPR[3:0]; bits 63:4 of the
 * source are reserved (#GP). Both backends exit on every CR8 access, so
 * the vlapic holds the only copy and PPR follows at once. */
static enum exit_result cr8_access(struct vcpu *v, const struct vm_exit *e, struct vlapic *l)
{
	uint64_t value;

	if (e->cr.type == CR_ACCESS_MOV_FROM) {
		v->gpr[e->cr.gpr] = vlapic_get_cr8(l);
		return EXIT_NEXT;
	}
	if (e->cr.type != CR_ACCESS_MOV_TO) {
		vm_stop(v->vm, "CR8 access of type %u (only MOV exists, SDM vol. 2B)", e->cr.type);
		return EXIT_STOP;
	}
	value = v->gpr[e->cr.gpr];
	if (cr8_write_check(value))
		return vcpu_inject_exception(v, VEC_GP, true, 0) ? EXIT_STOP : EXIT_RESUME;
	{
		uint64_t flags = vm_platform_lock(v->vm->platform);
		vlapic_set_cr8(l, (uint8_t)value);
		vm_platform_unlock(v->vm->platform, flags);
	}
	return EXIT_NEXT;
}

/* MOV to/from CR0/CR3/CR4/CR8, CLTS, LMSW (SDM vol. 2A/2B; the exits of
 * SDM vol. 3C §26.1.3 for the bits plinth owns, and CR8 on VMX). With EPT
 * and NPT CR3 belongs to the guest and does not exit. */
enum exit_result exit_cr_access(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t mask = guest_long_mode(v) ? ~0ULL : 0xFFFFFFFFULL;
	unsigned cr = e->cr.cr;
	uint64_t cr0, value;
	int err, vec;

	if (cr == 8 && vcpu_lapic(v))
		return cr8_access(v, e, vcpu_lapic(v));
	switch (e->cr.type) {
	case CR_ACCESS_MOV_TO:
		value = v->gpr[e->cr.gpr] & mask;
		break;
	case CR_ACCESS_MOV_FROM:
		v->gpr[e->cr.gpr] = vcpu_ops->get_cr(v, cr) & mask;
		return EXIT_NEXT;
	case CR_ACCESS_CLTS:
		cr = 0;
		value = vcpu_ops->get_cr(v, 0) & ~(uint64_t)CR0_TS;
		break;
	default:
		/* LMSW loads CR0 bits 0-3 but cannot clear PE (SDM vol. 2A LMSW). */
		cr = 0;
		cr0 = vcpu_ops->get_cr(v, 0);
		value = (cr0 & ~0xEULL) | (e->cr.lmsw_data & 0xF) | (cr0 & CR0_PE);
		break;
	}
	vec = cr_write_fault(v, cr, value);
	if (vec)
		return vcpu_inject_exception(v, (uint8_t)vec, vec == VEC_GP, 0) ? EXIT_STOP
										  : EXIT_RESUME;
	err = vcpu_ops->set_cr(v, cr, value);
	if (err == -EINVAL)
		return vcpu_inject_exception(v, VEC_GP, true, 0) ? EXIT_STOP : EXIT_RESUME;
	if (err) {
		vm_stop(v->vm, "unsupported control-register change (CR%u, error %d)", e->cr.cr, err);
		return EXIT_STOP;
	}
	return EXIT_NEXT;
}

/* XSETBV: XCR0 from EDX:EAX, ECX selects the XCR (SDM vol. 2C XSETBV).
 * Checked against the XCR0 bits the guest's CPUID offers, then kept in the
 * backend, which loads it into the CPU around each guest run. */
enum exit_result exit_xsetbv(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t value = (v->gpr[INSN_RDX] << 32) | (uint32_t)v->gpr[INSN_RAX];
	struct cpu_rules_state st;
	int vec;

	rules_state(v, &st);
	vec = xsetbv_check(&st, (uint32_t)v->gpr[INSN_RCX], value, guest_xcr0_allowed());
	if (vec) {
		pr_debug("vm %s: xsetbv xcr%u = 0x%llx: #%s", v->vm->name,
			 (uint32_t)v->gpr[INSN_RCX], (unsigned long long)value,
			 vec == VEC_GP ? "GP" : "UD");
		return vcpu_inject_exception(v, (uint8_t)vec, vec == VEC_GP, 0) ? EXIT_STOP
										  : EXIT_RESUME;
	}
	vcpu_ops->set_xcr0(v, value);
	return EXIT_NEXT;
}

/* PAUSE in a spin loop (only with pause-loop exiting or filtering, which
 * plinth does not enable yet): the guest goes on. A scheduler will yield
 * the CPU here. */
enum exit_result exit_pause(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_NEXT;
}

/* INIT and SIPI as VM exits: the signals of the physical CPU (VMX exits
 * for them, SDM vol. 3C §26.2; plinth never sends the host CPUs one while
 * a guest runs). A guest's own INIT and SIPI are IPIs of its virtual
 * local APICs (vmm/vlapic.c vlapic_deliver) and are carried out by the
 * target vCPU's run loop (vmm/vcpu.c). Treated the same way: INIT puts
 * this vCPU into the INIT state and, as an AP, into wait-for-SIPI; SIPI
 * (vector in the exit qualification, SDM vol. 3C §28.2.1) starts it. */
enum exit_result exit_init(struct vcpu *v, const struct vm_exit *e)
{
	const struct vlapic_ipi init = {
		.mode = IPI_INIT, .assert = true, .dest = v->id,
	};
	struct vm_platform *p = v->vm->platform;
	uint64_t flags;

	if (!p) {
		vm_stop(v->vm, "INIT received by a vCPU without a local APIC");
		return EXIT_STOP;
	}
	flags = vm_platform_lock(p);
	vm_platform_deliver(p, -1, &init);
	vm_platform_unlock(p, flags);
	return EXIT_RESUME;
}

enum exit_result exit_sipi(struct vcpu *v, const struct vm_exit *e)
{
	const struct vlapic_ipi sipi = {
		.mode = IPI_SIPI, .assert = true, .vector = (uint8_t)e->raw_qual, .dest = v->id,
	};
	struct vm_platform *p = v->vm->platform;
	uint64_t flags;

	if (!p) {
		vm_stop(v->vm, "SIPI received by a vCPU without a local APIC");
		return EXIT_STOP;
	}
	flags = vm_platform_lock(p);
	vm_platform_deliver(p, -1, &sipi);
	vm_platform_unlock(p, flags);
	return EXIT_RESUME;
}

/* Instructions of features CPUID hides (MONITOR/MWAIT, VMX/SVM)
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
