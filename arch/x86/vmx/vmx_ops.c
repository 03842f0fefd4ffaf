/* vmx_ops.c - the VMX backend of the vendor-neutral vCPU interface
 * (<plinth/vcpu_ops.h>): run a guest until an exit, decode it, and the
 * register, event and second-level-table operations the VMM needs.
 * Intel SDM vol. 3C ch. 25-29. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
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
	vmcs_destroy(v);
}

/* An event whose delivery was interrupted by the exit (IDT-vectoring
 * information valid) must be delivered again at the next entry (SDM
 * §28.2.4, §29.2.1 "re-injection"). */
static void requeue_interrupted_event(void)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (!(info & VMX_INTR_VALID))
		return;
	/* Bit 12 is undefined in IDT-vectoring info and reserved in the entry
	 * field (§25.8.3). */
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & ~(uint32_t)BIT(12));
	if (info & VMX_INTR_HAS_ERROR)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
	/* Software interrupts and exceptions (types 4-6) need the length of
	 * the instruction that raised them. */
	if (((info & VMX_INTR_TYPE_MASK) >> 8) >= 4)
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
}

static int vmx_run(struct vcpu *v, struct vm_exit *exit)
{
	struct vmx_vcpu *x = v->arch;
	struct vmx_exit_raw raw;
	uint64_t flags, host_xcr0;
	int failed;

	vmcs_load(v);
	vmcs_write(VMCS_GUEST_RSP, v->gpr[INSN_RSP]);
	vmcs_write(VMCS_GUEST_RIP, v->rip);
	vmcs_write(VMCS_GUEST_RFLAGS, v->rflags);

	/* Host interrupts stay pending while the guest runs: with external-
	 * interrupt exiting they cause an exit, and are taken below when IF
	 * is set again (SDM §25.6.1). */
	flags = irq_save();
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);
	host_xcr0 = xcr0_enter_guest(x->xcr0);
	failed = vmx_enter(v->gpr, x->launched);
	xcr0_leave_guest(x->xcr0, host_xcr0);
	x->cr2 = read_cr2();

	if (failed) {
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
	/* Every VM exit stores EFER.LMA into the "IA-32e mode guest" entry
	 * control (§28.2, "updating VM-entry control fields"): the guest may
	 * have entered or left long mode by itself (CR0.PG is not host-owned
	 * under unrestricted guest, so MOV CR0 does not exit). */
	x->ctl.entry = (uint32_t)vmcs_read(VMCS_ENTRY_CTLS);

	raw.reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	raw.qual = vmcs_read(VMCS_EXIT_QUAL);
	raw.insn_len = (uint32_t)vmcs_read(VMCS_EXIT_INSN_LEN);
	raw.intr_info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	raw.intr_error = (uint32_t)vmcs_read(VMCS_EXIT_INTR_ERROR);
	raw.guest_phys = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	raw.guest_linear = vmcs_read(VMCS_GUEST_LINEAR_ADDR);
	raw.insn_error = 0;
	v->gpr[INSN_RSP] = vmcs_read(VMCS_GUEST_RSP);
	v->rip = vmcs_read(VMCS_GUEST_RIP);
	v->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vmx_exit_decode(&raw, exit);

	if (exit->kind != EXIT_ENTRY_FAILURE)
		requeue_interrupted_event();
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

static bool long_mode_guest(const struct vmx_vcpu *x)
{
	return (x->ctl.entry & ENTRY_CTL_IA32E_GUEST) != 0;
}

static void vmx_skip_insn(struct vcpu *v, unsigned len)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t intr;

	vmcs_load(v);
	v->rip += len;
	/* Outside 64-bit mode EIP wraps at 4 GiB; VM entry requires RIP
	 * bits 63:32 clear then (§26.3.1.4). */
	if (!long_mode_guest(x))
		v->rip &= 0xFFFFFFFFULL;
	/* Completing the instruction ends blocking by STI or MOV SS (§25.4.2). */
	intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   intr & ~(uint64_t)(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOVSS));
}

static int vmx_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	uint32_t info = ev->vector | VMX_INTR_VALID;
	bool error = ev->has_error;

	vmcs_load(v);
	if (vmcs_read(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID)
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
	if (vmcs_read(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID)
		block |= VCPU_BLOCK_EVENT;
	return block;
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
};
