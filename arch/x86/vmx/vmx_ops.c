/* vmx_ops.c - the VMX backend of the vendor-neutral vCPU interface
 * (<plinth/vcpu_ops.h>): run a guest until an exit, decode it, and the
 * register, event and second-level-table operations the VMM needs.
 * Intel SDM vol. 3C ch. 25-29. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "guest_xcr0.h"
#include "vmx_gpr_offsets.h"
#include "vmx_internal.h"

/* vmx_entry.S addresses gpr[] with these offsets. */
_Static_assert(GPR_RAX == 8 * INSN_RAX && GPR_RCX == 8 * INSN_RCX && GPR_RDX == 8 * INSN_RDX &&
	       GPR_RBX == 8 * INSN_RBX && GPR_RSP == 8 * INSN_RSP && GPR_RBP == 8 * INSN_RBP &&
	       GPR_RSI == 8 * INSN_RSI && GPR_RDI == 8 * INSN_RDI && GPR_R8 == 8 * INSN_R8 &&
	       GPR_R9 == 8 * INSN_R9 && GPR_R10 == 8 * INSN_R10 && GPR_R11 == 8 * INSN_R11 &&
	       GPR_R12 == 8 * INSN_R12 && GPR_R13 == 8 * INSN_R13 && GPR_R14 == 8 * INSN_R14 &&
	       GPR_R15 == 8 * INSN_R15, "vmx_gpr_offsets.h matches enum insn_gpr");
_Static_assert(VMCS_HOST_RSP_FIELD == VMCS_HOST_RSP, "vmx_entry.S writes HOST_RSP");
_Static_assert(sizeof(((struct vcpu *)0)->gpr) == 16 * 8, "gpr[] holds 16 registers");

/* IA32_VMX_EPT_VPID_CAP bits for INVVPID types (SDM vol. 3D §A.10). */
#define VPID_CAP_SINGLE_CONTEXT BIT(41)
#define VPID_CAP_ALL_CONTEXT    BIT(42)

/* EPTP: memory type WB (6) in 2:0, page-walk length minus one (3) in 5:3
 * (SDM vol. 3C §25.6.11). Accessed/dirty flags (bit 6) stay off: nothing
 * in plinth reads them yet. */
#define EPTP_WB_4LEVEL ((uint64_t)PT_MEM_WB | (3u << 3))

static int vmx_create(struct vcpu *v)
{
	return vmcs_create(v);
}

static void vmx_destroy(struct vcpu *v)
{
	/* The caller put the vCPU (VMCLEAR, vmx_put) if it ran on another
	 * CPU: its VMCS is current nowhere and may be cleared here. */
	v->host_cpu = this_cpu()->cpu_id;
	vmcs_destroy(v);
}

/* An event whose delivery was interrupted by the exit (IDT-vectoring
 * information valid) must be delivered again at the next entry (SDM
 * §28.2.4, §29.2.1 "re-injection"). */
static void requeue_interrupted_event(struct vmx_vcpu *x)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (!(info & VMX_INTR_VALID))
		return;
	/* Bit 12 is undefined in IDT-vectoring info and reserved in the entry
	 * field (§25.8.3). */
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & ~(uint32_t)BIT(12));
	x->event_queued = true;
	if (info & VMX_INTR_HAS_ERROR)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
	/* Software interrupts and exceptions (types 4-6) need the length of
	 * the instruction that raised them. */
	if (((info & VMX_INTR_TYPE_MASK) >> 8) >= 4)
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
}

/* The VM-entry controls with the IA-32e mode guest bit as the last exit
 * stored it (§28.2: every exit writes EFER.LMA there; the guest may have
 * entered or left long mode by itself, CR0.PG is not host-owned under
 * unrestricted guest). Read once per exit, and only by what needs it. */
static uint32_t entry_ctls(struct vmx_vcpu *x)
{
	if (x->entry_ctl_stale) {
		x->ctl.entry = (uint32_t)vmcs_read(VMCS_ENTRY_CTLS);
		x->entry_ctl_stale = false;
	}
	return x->ctl.entry;
}

/* Write the guest's RSP, RIP and RFLAGS where they differ from what the
 * VMCS holds. */
static void sync_guest_regs(struct vcpu *v, struct vmx_vcpu *x)
{
	if (v->rip != x->vmcs_rip) {
		vmcs_write(VMCS_GUEST_RIP, v->rip);
		x->vmcs_rip = v->rip;
	}
	if (v->gpr[INSN_RSP] != x->vmcs_rsp) {
		vmcs_write(VMCS_GUEST_RSP, v->gpr[INSN_RSP]);
		x->vmcs_rsp = v->gpr[INSN_RSP];
	}
	if (v->rflags != x->vmcs_rflags) {
		vmcs_write(VMCS_GUEST_RFLAGS, v->rflags);
		x->vmcs_rflags = v->rflags;
	}
}

/* With a saved preemption timer, reload it from the TSC at least this
 * often (vmx_set_preempt_timer). */
#define VMX_TIMER_RELOAD_ENTRIES 64

/* Load the timer with the value that expires at x->preempt_tsc, at least
 * 1 (a deadline already past: the guest exits after at most a few
 * instructions; 0 would exit before the first, SDM vol. 3C §26.7.4). The
 * VMCS is current. */
static inline void load_preempt_timer(struct vmx_vcpu *x)
{
	uint64_t now = rdtsc();
	uint64_t ticks = x->preempt_tsc > now ? (x->preempt_tsc - now) >> vmx_caps.preempt_timer_shift
					      : 0;

	vmcs_write(VMCS_PREEMPT_TIMER, MIN(MAX(ticks, 1ULL), 0xFFFFFFFFULL));
	x->timer_reload = false;
	x->timer_entries = VMX_TIMER_RELOAD_ENTRIES;
}

static int vmx_run(struct vcpu *v, struct vm_exit *exit)
{
	struct vmx_vcpu *x = v->arch;
	struct vmx_cpu *vc;
	struct vmx_exit_raw raw;
	uint64_t flags, xcr0;
	unsigned needs;
	int failed;

	vmcs_load(v);
	sync_guest_regs(v, x);

	/* Host interrupts stay pending while the guest runs: with external-
	 * interrupt exiting they cause an exit, and are taken below when IF
	 * is set again (SDM §25.6.1). */
	flags = irq_save();
	vc = this_cpu()->vmm;
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);
	/* XCR0 is not switched by VMX (guest_xcr0.h): the guest's value is
	 * loaded only where it differs from the host's, cached per CPU, and
	 * only while the guest has CR4.OSXSAVE (guest-owned, so the real CR4
	 * holds it): without it XGETBV, XSAVE* and AVX raise #UD (SDM vol. 1
	 * §13.3), nothing the guest runs sees XCR0. */
	if (__builtin_expect(!vc->host_xcr0, 0))
		vc->host_xcr0 = xcr0_host_value();
	xcr0 = x->xcr0 != vc->host_xcr0 && (vmcs_read(VMCS_GUEST_CR4) & CR4_OSXSAVE) ? x->xcr0
										    : vc->host_xcr0;
	if (xcr0 != vc->host_xcr0)
		xcr0_write(xcr0);
enter:
	if ((x->ctl.pin & PIN_PREEMPT_TIMER) &&
	    (x->timer_reload || !(x->ctl.exit & EXIT_CTL_SAVE_PREEMPT_TIMER) || !--x->timer_entries))
		load_preempt_timer(x);
	failed = vmx_enter(v->gpr, x->launched);

	if (failed) {
		if (xcr0 != vc->host_xcr0)
			xcr0_write(vc->host_xcr0);
		x->cr2 = read_cr2();
		/* VMfailValid: the VM-instruction error says why (§31.4). The
		 * guest never ran: nothing of its state changed. */
		uint32_t err = (uint32_t)vmcs_read(VMCS_INSN_ERROR);
		irq_restore(flags);
		memset(exit, 0, sizeof(*exit));
		exit->kind = EXIT_ENTRY_FAILURE;
		exit->entry.error = err;
		pr_err("vm %s: %s failed: VM-instruction error %u (%s)", v->vm->name,
		       x->launched ? "VMRESUME" : "VMLAUNCH", err, vmx_insn_error_name(err));
		vmcs_dump(v->vm->name);
		return 0;
	}
	x->launched = true;
	x->entry_ctl_stale = true;
	/* Every exit clears the valid bit of the entry interruption field
	 * (§28.2 "updating VM-entry control fields"). */
	x->event_queued = false;

	raw.reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	v->gpr[INSN_RSP] = x->vmcs_rsp = vmcs_read(VMCS_GUEST_RSP);
	v->rip = x->vmcs_rip = vmcs_read(VMCS_GUEST_RIP);
	v->rflags = x->vmcs_rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	/* The most frequent exits, instructions that need only their length
	 * (CPUID, VMCALL, RDMSR...), are decoded here: no qualification, no
	 * event to re-inject (vmx_insn_exit_kind, <x86/vmx.h>). */
	if (raw.reason < VMX_INSN_EXIT_REASONS && vmx_insn_exit_kind[raw.reason]) {
		uint32_t len = (uint32_t)vmcs_read(VMCS_EXIT_INSN_LEN);
		/* For skip_insn, which completes the instruction. */
		x->shadow = (uint8_t)(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
				      (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS));
		x->shadow_known = true;
		exit->kind = (enum exit_kind)vmx_insn_exit_kind[raw.reason];
		exit->raw_reason = raw.reason;
		exit->raw_qual = 0;
		/* 1..15 for an instruction exit (SDM §28.2.5). */
		exit->insn_len = len >= 1 && len <= 15 ? (uint8_t)len : 0;
		/* The VMM completes it in place (vmm_exit_fast) unless it
		 * needs more than a RIP increment: an interrupt shadow to end,
		 * a RIP wrapping at 4 GiB; or the deadline has come. The guest's
		 * XCR0 and CR2 stay loaded: nothing in between uses them. */
		if (vmm_exit_may_be_fast(exit->kind) && !x->shadow && exit->insn_len &&
		    !((v->rip + exit->insn_len) >> 32) &&
		    rdtsc() < x->preempt_tsc && vmm_exit_fast(v, exit)) {
			v->rip += exit->insn_len;
			sync_guest_regs(v, x);
			goto enter;
		}
		if (xcr0 != vc->host_xcr0)
			xcr0_write(vc->host_xcr0);
		x->cr2 = read_cr2();
		irq_restore(flags);
		return 0;
	}
	if (xcr0 != vc->host_xcr0)
		xcr0_write(vc->host_xcr0);
	x->cr2 = read_cr2();
	x->shadow_known = false;
	/* Not a plain instruction exit (the preemption timer's own, one in
	 * which the host took time): the next entry reloads the timer. */
	x->timer_reload = true;
	/* Only the exit fields this reason uses are read (<x86/vmx.h>). */
	needs = vmx_exit_needs(raw.reason);
	raw.qual = (needs & VMX_NEED_QUAL) ? vmcs_read(VMCS_EXIT_QUAL) : 0;
	raw.insn_len = (needs & VMX_NEED_INSN_LEN) ? (uint32_t)vmcs_read(VMCS_EXIT_INSN_LEN) : 0;
	raw.intr_info = 0;
	raw.intr_error = 0;
	if (needs & VMX_NEED_INTR_INFO) {
		raw.intr_info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
		raw.intr_error = (uint32_t)vmcs_read(VMCS_EXIT_INTR_ERROR);
	}
	raw.guest_phys = (needs & VMX_NEED_GPA) ? vmcs_read(VMCS_GUEST_PHYS_ADDR) : 0;
	raw.guest_linear = (needs & VMX_NEED_GLA) ? vmcs_read(VMCS_GUEST_LINEAR_ADDR) : 0;
	raw.insn_error = 0;
	vmx_exit_decode(&raw, exit);

	if (exit->kind != EXIT_ENTRY_FAILURE && (needs & VMX_NEED_IDT_VEC))
		requeue_interrupted_event(x);
	/* An NMI that arrived in the guest belongs to the host: raise it
	 * again through the host IDT (§28.1 with NMI exiting, §25.6.1). */
	if (exit->kind == EXIT_NMI)
		__asm__ __volatile__("int $2" ::: "memory");
	irq_restore(flags);

	if (exit->kind == EXIT_ENTRY_FAILURE) {
		/* The entry failed after loading guest state (§27.8); the exit
		 * qualification gives detail for invalid guest state (§27.8). */
		pr_err("vm %s: VM entry failed: %s (basic exit reason %u, qualification %llu)",
		       v->vm->name, exit->entry.invalid_guest_state ? "invalid guest state"
		       : exit->entry.error == VMX_EXIT_MSR_LOADING ? "MSR loading"
		       : "machine check", exit->entry.error, (unsigned long long)raw.qual);
		vmcs_dump(v->vm->name);
	}
	return 0;
}

static bool long_mode_guest(struct vmx_vcpu *x)
{
	return (entry_ctls(x) & ENTRY_CTL_IA32E_GUEST) != 0;
}

static void vmx_skip_insn(struct vcpu *v, unsigned len)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t intr;

	/* Outside 64-bit mode EIP wraps at 4 GiB; VM entry requires RIP
	 * bits 63:32 clear then (§26.3.1.4). Only a sum that leaves the low
	 * 4 GiB from inside them can be either: a RIP above 4 GiB is 64-bit
	 * code already, so the mode is looked up only then. */
	if (__builtin_expect(((v->rip + len) >> 32) && !(v->rip >> 32), 0)) {
		vmcs_load(v);
		v->rip = long_mode_guest(x) ? v->rip + len : (v->rip + len) & 0xFFFFFFFFULL;
	} else {
		v->rip += len;
	}
	/* Completing the instruction ends blocking by STI or MOV SS (§25.4.2):
	 * nothing to do if the exit found none. */
	if (x->shadow_known && !x->shadow)
		return;
	vmcs_load(v);
	intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(uint64_t)(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS));
}

static int vmx_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t info = ev->vector | VMX_INTR_VALID;
	bool error = ev->has_error;

	vmcs_load(v);
	if (x->event_queued)
		return -EBUSY;
	switch (ev->type) {
	case EVENT_EXTINT:    info |= VMX_INTR_TYPE_EXTINT; error = false; break;
	case EVENT_NMI:       info = 2 | VMX_INTR_VALID | VMX_INTR_TYPE_NMI; error = false; break;
	case EVENT_EXCEPTION: info |= VMX_INTR_TYPE_HW_EXC; break;
	case EVENT_SOFT_INT:  info |= VMX_INTR_TYPE_SOFT_INT; error = false; break;
	default:              return -EINVAL;
	}
	/* No error code is delivered in real mode (unrestricted guest with
	 * CR0.PE=0 forbids one, §26.2.1.3). PE is the guest's own bit under
	 * unrestricted guest: the real CR0 holds it, the read shadow does not
	 * follow it. */
	if (error && (vmcs_read(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= VMX_INTR_HAS_ERROR;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, ev->error_code);
	}
	if (ev->type == EVENT_SOFT_INT)
		vmcs_write(VMCS_ENTRY_INSN_LEN, 2);   /* INT n: CD ib */
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	x->event_queued = true;
	return 0;
}

/* A guest-visible control register: host-owned bits from the read shadow,
 * the rest from the real register (SDM §25.6.6). */
static uint64_t vmx_get_cr(struct vcpu *v, unsigned cr)
{
	struct vmx_vcpu *x = v->arch;

	vmcs_load(v);
	switch (cr) {
	case 0:
		return (vmcs_read(VMCS_GUEST_CR0) & ~x->ctl.cr0_mask) |
		       (vmcs_read(VMCS_CR0_SHADOW) & x->ctl.cr0_mask);
	case 2:
		return x->cr2;
	case 3:
		return vmcs_read(VMCS_GUEST_CR3);
	case 4:
		return (vmcs_read(VMCS_GUEST_CR4) & ~x->ctl.cr4_mask) |
		       (vmcs_read(VMCS_CR4_SHADOW) & x->ctl.cr4_mask);
	case 8:
		return x->cr8;
	default:
		return 0;
	}
}

/* With EPT, PAE paging outside long mode takes its PDPTEs from the VMCS at
 * entry (§26.3.2.4); an intercepted write that changes them must load them
 * from guest memory, which this slice does not do yet. */
static bool pae_legacy_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

/* EFER.LMA follows LME && CR0.PG (SDM vol. 3 §10.8.5), and the "IA-32e
 * mode guest" entry control must equal LMA (§26.3.1.1). */
static void write_efer(struct vmx_vcpu *x, uint64_t efer, uint64_t cr0)
{
	entry_ctls(x);   /* the other entry controls as the VMCS has them */
	if ((efer & EFER_LME) && (cr0 & CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~(uint64_t)EFER_LMA;
	if (efer & EFER_LMA)
		x->ctl.entry |= ENTRY_CTL_IA32E_GUEST;
	else
		x->ctl.entry &= ~(uint32_t)ENTRY_CTL_IA32E_GUEST;
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmcs_write(VMCS_ENTRY_CTLS, x->ctl.entry);
}

static int vmx_set_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t cr0, cr4, efer;

	vmcs_load(v);
	cr0 = vmx_get_cr(v, 0);
	cr4 = vmx_get_cr(v, 4);
	efer = vmcs_read(VMCS_GUEST_EFER);
	switch (cr) {
	case 0:
		if (!vmx_guest_cr0_valid(value))
			return -EINVAL;
		/* Long mode activation needs PAE (SDM vol. 3 §10.8.5). */
		if ((value & CR0_PG) && !(cr0 & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
			return -EINVAL;
		if (pae_legacy_paging(value, cr4, efer) && !pae_legacy_paging(cr0, cr4, efer)) {
			pr_err("vm %s: enabling PAE paging through an intercepted CR0 write is not "
			       "supported yet (PDPTE loading)", v->vm->name);
			return -ENOTSUP;
		}
		vmcs_write(VMCS_CR0_SHADOW, value);
		vmcs_write(VMCS_GUEST_CR0, vmx_real_cr0(&x->ctl, value));
		write_efer(x, efer, value);
		return 0;
	case 2:
		x->cr2 = value;
		return 0;
	case 3:
		if (pae_legacy_paging(cr0, cr4, efer)) {
			pr_err("vm %s: MOV to CR3 under PAE paging needs PDPTE loading, not supported yet",
			       v->vm->name);
			return -ENOTSUP;
		}
		vmcs_write(VMCS_GUEST_CR3, value);
		return 0;
	case 4:
		if (!vmx_guest_cr4_valid(&x->ctl, value))
			return -EINVAL;
		if ((efer & EFER_LMA) && !(value & CR4_PAE))
			return -EINVAL;   /* IA-32e mode needs PAE (§10.8.5) */
		if (pae_legacy_paging(cr0, value, efer) && !pae_legacy_paging(cr0, cr4, efer)) {
			pr_err("vm %s: enabling PAE paging through CR4 is not supported yet "
			       "(PDPTE loading)", v->vm->name);
			return -ENOTSUP;
		}
		vmcs_write(VMCS_CR4_SHADOW, value);
		vmcs_write(VMCS_GUEST_CR4, vmx_real_cr4(&x->ctl, value));
		return 0;
	case 8:
		/* Bits 63:4 of CR8 are reserved (SDM vol. 3 §2.5). */
		if (value >> 4)
			return -EINVAL;
		x->cr8 = value;
		return 0;
	default:
		return -EINVAL;
	}
}

static uint64_t vmx_get_efer(struct vcpu *v)
{
	vmcs_load(v);
	return vmcs_read(VMCS_GUEST_EFER);
}

static void vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	vmcs_load(v);
	write_efer(v->arch, efer, vmcs_read(VMCS_GUEST_CR0));
}

/* PAT and SYSENTER_* live in the guest-state area (loaded with the "load
 * IA32_PAT" entry control and always, §27.3.2); the syscall MSRs,
 * KERNEL_GS_BASE and TSC_AUX in the MSR areas (vmcs.c). */
static int vmx_msr_field(uint32_t msr, uint32_t *field)
{
	switch (msr) {
	case MSR_IA32_PAT:          *field = VMCS_GUEST_PAT; return 0;
	case MSR_IA32_SYSENTER_CS:  *field = VMCS_GUEST_SYSENTER_CS; return 0;
	case MSR_IA32_SYSENTER_ESP: *field = VMCS_GUEST_SYSENTER_ESP; return 0;
	case MSR_IA32_SYSENTER_EIP: *field = VMCS_GUEST_SYSENTER_EIP; return 0;
	default:                    return -ENOENT;
	}
}

static int vmx_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vmx_msr_entry *e;
	uint32_t field;

	vmcs_load(v);
	if (!vmx_msr_field(msr, &field)) {
		*val = vmcs_read(field);
		return 0;
	}
	e = vmx_guest_msr(v->arch, msr);
	if (!e)
		return -ENOENT;
	*val = e->value;
	return 0;
}

static int vmx_set_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmx_msr_entry *e;
	uint32_t field;

	vmcs_load(v);
	if (!vmx_msr_field(msr, &field)) {
		vmcs_write(field, val);
		return 0;
	}
	e = vmx_guest_msr(v->arch, msr);
	if (!e)
		return -ENOENT;
	e->value = val;
	return 0;
}

static uint64_t vmx_get_tsc_offset(struct vcpu *v)
{
	vmcs_load(v);
	return vmcs_read(VMCS_TSC_OFFSET);
}

static void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	vmcs_load(v);
	vmcs_write(VMCS_TSC_OFFSET, offset);
}

static uint64_t vmx_get_xcr0(struct vcpu *v)
{
	return ((struct vmx_vcpu *)v->arch)->xcr0;
}

static void vmx_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	((struct vmx_vcpu *)v->arch)->xcr0 = xcr0;
}

/* VMX access rights keep AVL/L/DB/G at bits 12-15 and "unusable" at 16
 * (§25.4.1 Table 25-2); struct vcpu_segment packs them at 8-11. */
static void vmx_get_seg(struct vcpu *v, enum vcpu_seg seg, struct vcpu_segment *out)
{
	uint64_t ar;

	vmcs_load(v);
	ar = vmcs_read(VMCS_GUEST_AR(seg));
	out->selector = (uint16_t)vmcs_read(VMCS_GUEST_SEL(seg));
	out->base = vmcs_read(VMCS_GUEST_BASE(seg));
	out->limit = (uint32_t)vmcs_read(VMCS_GUEST_LIMIT(seg));
	out->attr = (uint16_t)((ar & 0xFF) | ((ar >> 4) & 0xF00));
	out->unusable = (ar & VMX_AR_UNUSABLE) != 0;
}

static void vmx_set_seg(struct vcpu *v, enum vcpu_seg seg, const struct vcpu_segment *s)
{
	uint64_t ar = (s->attr & 0xFFu) | ((uint64_t)(s->attr & 0xF00u) << 4) |
		      (s->unusable ? VMX_AR_UNUSABLE : 0);

	vmcs_load(v);
	vmcs_write(VMCS_GUEST_SEL(seg), s->selector);
	vmcs_write(VMCS_GUEST_BASE(seg), s->base);
	vmcs_write(VMCS_GUEST_LIMIT(seg), s->limit);
	vmcs_write(VMCS_GUEST_AR(seg), ar);
}

static void vmx_get_dtable(struct vcpu *v, bool idt, struct vcpu_dtable *out)
{
	vmcs_load(v);
	out->base = vmcs_read(idt ? VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE);
	out->limit = (uint16_t)vmcs_read(idt ? VMCS_GUEST_IDTR_LIMIT : VMCS_GUEST_GDTR_LIMIT);
}

static void vmx_set_dtable(struct vcpu *v, bool idt, const struct vcpu_dtable *d)
{
	vmcs_load(v);
	vmcs_write(idt ? VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE, d->base);
	vmcs_write(idt ? VMCS_GUEST_IDTR_LIMIT : VMCS_GUEST_GDTR_LIMIT, d->limit);
}

static void vmx_flush_tlb(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	int err = 0;

	/* INVEPT drops guest-physical and combined mappings of this EPTP;
	 * INVVPID the linear ones tagged with the VPID (§29.4.3). */
	if (x->eptp)
		err = (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE)
			? vmx_invept(INVEPT_SINGLE_CONTEXT, x->eptp)
			: vmx_invept(INVEPT_ALL_CONTEXT, 0);
	if (!err && x->vpid)
		err = (vmx_caps.ept_vpid & VPID_CAP_SINGLE_CONTEXT)
			? vmx_invvpid(INVVPID_SINGLE_CONTEXT, x->vpid)
			: vmx_invvpid(INVVPID_ALL_CONTEXT, 0);
	/* Both types are checked against the capability MSR, so failure means
	 * the CPU contradicts its own capabilities. */
	if (err)
		panic("vmx: INVEPT/INVVPID failed for vm %s", v->vm->name);
}

static int vmx_set_slat_root(struct vcpu *v, paddr_t root)
{
	struct vmx_vcpu *x = v->arch;

	if (!root || !IS_ALIGNED(root, PAGE_SIZE)) {
		pr_err("vm %s: EPT root 0x%llx is not a page address", v->vm->name,
		       (unsigned long long)root);
		return -EINVAL;
	}
	vmcs_load(v);
	x->eptp = root | EPTP_WB_4LEVEL;
	vmcs_write(VMCS_EPT_POINTER, x->eptp);
	vmx_flush_tlb(v);
	return 0;
}

static void vmx_dump(struct vcpu *v)
{
	vmcs_load(v);
	vmcs_dump(v->vm->name);
}

/* Primary processor-based control "interrupt-window exiting" (SDM vol. 3
 * §25.6.2 Table 25-6, bit 2). */
#define PROC_INTR_WINDOW_EXITING BIT(2)

static unsigned vmx_interruptibility(struct vcpu *v)
{
	unsigned block = 0;
	uint64_t intr;

	vmcs_load(v);
	intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (!(v->rflags & RFLAGS_IF))
		block |= VCPU_BLOCK_IF;
	/* Blocking by STI / MOV SS (guest interruptibility state, §25.4.2). */
	if (intr & (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS))
		block |= VCPU_BLOCK_SHADOW;
	if (((struct vmx_vcpu *)v->arch)->event_queued)
		block |= VCPU_BLOCK_EVENT;
	/* Blocking by NMI (§25.4.2 Table 25-3), tracked with virtual NMIs. */
	if (intr & VMX_INTERRUPTIBILITY_NMI)
		block |= VCPU_BLOCK_NMI;
	return block;
}

/* NMI-window exiting (primary processor-based control bit 22) exits as
 * soon as there is no blocking by NMI, STI or MOV SS (§26.7.6); it exists
 * only with virtual NMIs (§26.2.1.1). */
static int vmx_request_nmi_window(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t proc;

	if (!(x->ctl.pin & PIN_VIRTUAL_NMIS) || !(vmx_caps.proc_may & PROC_NMI_WINDOW_EXITING))
		return on ? -ENOTSUP : 0;
	vmcs_load(v);
	proc = on ? x->ctl.proc | PROC_NMI_WINDOW_EXITING
		  : x->ctl.proc & ~(uint32_t)PROC_NMI_WINDOW_EXITING;
	if (proc != x->ctl.proc) {
		x->ctl.proc = proc;
		vmcs_write(VMCS_PROC_CTLS, proc);
	}
	return 0;
}

static void vmx_request_intr_window(struct vcpu *v, bool on)
{
	uint64_t proc;

	vmcs_load(v);
	if (on && !(vmx_caps.proc_may & PROC_INTR_WINDOW_EXITING)) {
		pr_err("vm %s: VMX lacks interrupt-window exiting; a pending interrupt waits for "
		       "the next exit", v->vm->name);
		return;
	}
	proc = vmcs_read(VMCS_PROC_CTLS);
	proc = on ? proc | PROC_INTR_WINDOW_EXITING : proc & ~(uint64_t)PROC_INTR_WINDOW_EXITING;
	vmcs_write(VMCS_PROC_CTLS, proc);
	((struct vmx_vcpu *)v->arch)->ctl.proc = (uint32_t)proc;
}

/* The host-state fields that differ between CPUs: the per-CPU GDT, TSS
 * and GS base (SDM vol. 3C §25.5.2); CR3, IDTR, selectors and the SYSENTER
 * and PAT/EFER values are the same on every CPU. The host MSR area
 * (VM-exit load) is refreshed with this CPU's values too. */
static void write_host_percpu_state(struct vmx_vcpu *x)
{
	struct percpu *pc = this_cpu();
	struct vmx_msr_entry *host = phys_to_virt(x->msr_area + VMX_HOST_MSR_AREA);

	vmcs_write(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)pc->gdt);
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)pc->tss);
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	for (unsigned i = 0; i < x->msr_count; i++)
		host[i].value = rdmsr(host[i].index);
}

/* Switch-in (vcpu_ops.load): make the VMCS current here. A VMCS put on
 * another CPU was VMCLEARed there (vmx_put), so VMPTRLD here is allowed
 * (§25.11.1); its host state and the VPID-tagged TLB entries this CPU may
 * still hold from an older run of the vCPU are refreshed. */
static void vmx_load(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	bool moved = v->host_cpu != this_cpu()->cpu_id;

	v->host_cpu = this_cpu()->cpu_id;
	vmcs_load(v);
	if (moved) {
		write_host_percpu_state(x);
		vmx_flush_tlb(v);
	}
}

/* Switch-out (vcpu_ops.put): VMCLEAR writes the VMCS back to memory and
 * makes it not current and clear (§25.11.3), so any CPU may VMPTRLD it
 * next; a clear VMCS must be entered with VMLAUNCH (§25.11.3). */
static void vmx_put(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	struct vmx_cpu *vc = this_cpu()->vmm;

	BUG_ON(v->host_cpu != this_cpu()->cpu_id);
	if (vmx_clear(x->vmcs))
		panic("vmx: VMCLEAR of the VMCS at 0x%llx failed", (unsigned long long)x->vmcs);
	if (vc->current_vmcs == x->vmcs)
		vc->current_vmcs = 0;
	x->launched = false;
}

/* The VMX-preemption timer counts down at the TSC rate divided by
 * 2^IA32_VMX_MISC[4:0] while the guest runs and causes a VM exit at 0
 * (SDM vol. 3C §26.5.1, §26.7.4 also at entry). Only the deadline is kept
 * here; vmx_run loads the timer with what is left of it (load_preempt_timer)
 * at the next entry. With "save VMX-preemption timer value" (§25.7.1,
 * §28.2 saves it at every exit) later entries resume the saved count
 * instead; as the timer does not count in VMX root operation, that count
 * falls behind the deadline by the host's time of each exit, so it is
 * reloaded from the TSC after every exit that was not a plain instruction
 * exit and every VMX_TIMER_RELOAD_ENTRIES entries (a few microseconds of
 * host time at most). */
static int vmx_set_preempt_timer(struct vcpu *v, uint64_t tsc_deadline)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t pin;

	if (!(vmx_caps.pin_may & PIN_PREEMPT_TIMER))
		return -ENOTSUP;
	vmcs_load(v);
	pin = tsc_deadline != UINT64_MAX ? x->ctl.pin | PIN_PREEMPT_TIMER
					 : x->ctl.pin & ~(uint32_t)PIN_PREEMPT_TIMER;
	if (pin != x->ctl.pin) {
		x->ctl.pin = pin;
		vmcs_write(VMCS_PIN_CTLS, pin);
	}
	x->preempt_tsc = tsc_deadline;
	x->timer_reload = true;
	return 0;
}

/* I/O bitmap A covers ports 0-0x7FFF, B 0x8000-0xFFFF, one bit per port;
 * a clear bit lets IN/OUT reach the port without an exit (SDM vol. 3
 * §25.6.4). A multi-byte access exits if any of its ports' bits is set. */
static int vmx_set_io_passthrough(struct vcpu *v, uint16_t port, unsigned count, bool pass)
{
	struct vmx_vcpu *x = v->arch;
	uint8_t *bitmaps = phys_to_virt(x->io_bitmaps);   /* A then B, contiguous */

	if (count == 0 || port + count > 0x10000)
		return -EINVAL;
	for (unsigned p = port; p < port + count; p++) {
		if (pass)
			bitmaps[p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			bitmaps[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	return 0;
}

/* vcpu_ops.init_reset: no event queued, no blocking (interruptibility
 * 0), no pending debug exceptions, active (SDM vol. 3 §25.4.2), DR7 at
 * its INIT value 0x400 (§10.1.1 Table 10-1). */
static void vmx_init_reset(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	x->event_queued = false;
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
}

const struct vcpu_ops vmx_vcpu_ops = {
	.name = "vmx",
	.slat_format = &pt_format_ept,
	.create = vmx_create,
	.destroy = vmx_destroy,
	.run = vmx_run,
	.skip_insn = vmx_skip_insn,
	.inject = vmx_inject,
	.get_cr = vmx_get_cr,
	.set_cr = vmx_set_cr,
	.get_efer = vmx_get_efer,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.get_dtable = vmx_get_dtable,
	.set_dtable = vmx_set_dtable,
	.set_slat_root = vmx_set_slat_root,
	.flush_tlb = vmx_flush_tlb,
	.dump = vmx_dump,
	.set_efer = vmx_set_efer,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.get_tsc_offset = vmx_get_tsc_offset,
	.set_tsc_offset = vmx_set_tsc_offset,
	.get_xcr0 = vmx_get_xcr0,
	.set_xcr0 = vmx_set_xcr0,
	.interruptibility = vmx_interruptibility,
	.request_intr_window = vmx_request_intr_window,
	.load = vmx_load,
	.put = vmx_put,
	.set_preempt_timer = vmx_set_preempt_timer,
	.request_nmi_window = vmx_request_nmi_window,
	.set_io_passthrough = vmx_set_io_passthrough,
	.init_reset = vmx_init_reset,
};
