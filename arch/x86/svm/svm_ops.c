/* svm_ops.c - the SVM backend of the vendor-neutral vCPU interface
 * (<plinth/vcpu_ops.h>): run a guest until a #VMEXIT, decode it, and the
 * register, event and nested-paging operations the VMM needs.
 * AMD APM vol. 2 ch. 15. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "../vmx/vmx_gpr_offsets.h"
#include "svm_internal.h"

/* svm_entry.S addresses gpr[] with these offsets. */
_Static_assert(GPR_RCX == 8 * INSN_RCX && GPR_RDX == 8 * INSN_RDX && GPR_RBX == 8 * INSN_RBX &&
	       GPR_RBP == 8 * INSN_RBP && GPR_RSI == 8 * INSN_RSI && GPR_RDI == 8 * INSN_RDI &&
	       GPR_R8 == 8 * INSN_R8 && GPR_R9 == 8 * INSN_R9 && GPR_R10 == 8 * INSN_R10 &&
	       GPR_R11 == 8 * INSN_R11 && GPR_R12 == 8 * INSN_R12 && GPR_R13 == 8 * INSN_R13 &&
	       GPR_R14 == 8 * INSN_R14 && GPR_R15 == 8 * INSN_R15,
	       "vmx_gpr_offsets.h matches enum insn_gpr");

#define GUEST_EFER_HIDDEN EFER_SVME   /* set for VMRUN, not the guest's */

static struct svm_vcpu *svm_of(struct vcpu *v)
{
	/* Invariant of this slice: a vCPU stays on the CPU that created it
	 * (the host save areas are per CPU). */
	BUG_ON(v->host_cpu != this_cpu()->cpu_id);
	return v->arch;
}

static int svm_create(struct vcpu *v)
{
	return svm_vmcb_create(v);
}

static void svm_destroy(struct vcpu *v)
{
	svm_vmcb_destroy(v);
}

/* The code-segment mode for instruction decoding (APM vol. 2 §4.8.1):
 * 64-bit with EFER.LMA and CS.L, else CS.D; real mode is 16-bit. */
static enum insn_mode guest_insn_mode(const struct vmcb_save *g)
{
	if ((g->efer & EFER_LMA) && (g->cs.attrib & BIT(9)))
		return INSN_MODE_64;
	if (!(g->cr0 & CR0_PE))
		return INSN_MODE_16;
	return (g->cs.attrib & BIT(10)) ? INSN_MODE_32 : INSN_MODE_16;
}

/* Fetch up to INSN_MAX_LEN bytes of the instruction at CS:RIP from guest
 * RAM. Paging must be off (linear = physical). Returns the byte count
 * (> 0) or a negative error; -ENOTSUP means paging is on. */
static int fetch_insn(struct vcpu *v, const struct vmcb_save *g, uint8_t *buf)
{
	uint64_t linear = g->cs.base + v->rip;
	struct vm_region *r;
	uint64_t avail;

	if (g->cr0 & CR0_PG)
		return -ENOTSUP;
	if (!(g->efer & EFER_LMA))
		linear &= 0xFFFFFFFFULL;
	r = vm_find_region(v->vm, linear);
	if (!r || r->type != VM_REGION_RAM)
		return -EFAULT;
	avail = MIN((uint64_t)INSN_MAX_LEN, r->base + r->size - linear);
	if (vm_read_guest(v->vm, linear, buf, avail))
		return -EFAULT;
	return (int)avail;
}

/* The length of the exiting instruction: nRIP - RIP with NRIP save
 * (§15.7.1), else decoded from guest memory. 0 and the VM stopped (with
 * a clear reason) if it cannot be found. */
static uint8_t exit_insn_len(struct vcpu *v, const struct vmcb *vmcb)
{
	uint8_t bytes[INSN_MAX_LEN];
	int n, len;

	if (virt.features & VIRT_F_NRIP) {
		uint64_t d = vmcb->ctl.next_rip - v->rip;
		if (!(vmcb->save.efer & EFER_LMA))
			d = (uint32_t)d;
		if (d >= 1 && d <= INSN_MAX_LEN)
			return (uint8_t)d;
	}
	n = fetch_insn(v, &vmcb->save, bytes);
	if (n == -ENOTSUP) {
		vm_stop(v->vm, "instruction length at rip 0x%llx unknown: guest paging is on and the "
			"CPU has no NRIP save (not supported yet)", (unsigned long long)v->rip);
		return 0;
	}
	if (n < 0) {
		vm_stop(v->vm, "cannot fetch the instruction at rip 0x%llx (not in guest RAM)",
			(unsigned long long)v->rip);
		return 0;
	}
	len = insn_length(bytes, (size_t)n, guest_insn_mode(&vmcb->save));
	if (len <= 0) {
		char hex[3 * INSN_MAX_LEN + 1];
		insn_bytes_to_hex(bytes, (size_t)n, hex, sizeof(hex));
		vm_stop(v->vm, "cannot decode the instruction at rip 0x%llx (%s)",
			(unsigned long long)v->rip, hex);
		return 0;
	}
	return (uint8_t)len;
}

/* Queue an EVENTINJ value; the caller checked nothing is pending. */
static void set_eventinj(struct svm_vcpu *s, uint64_t ev)
{
	s->vmcb->ctl.eventinj = ev;
}

/* #UD intercept: Intel's VMCALL (0F 01 C1) raises #UD on AMD CPUs; the
 * VMX backend treats it as a hypercall, so this one does too (guests
 * written for either vendor work, as under KVM). Any other #UD is
 * reflected to the guest. Returns true if the exit became a hypercall. */
static bool ud_is_vmcall(struct vcpu *v, const struct vmcb *vmcb)
{
	uint8_t bytes[INSN_MAX_LEN];
	int n = fetch_insn(v, &vmcb->save, bytes);

	return n >= 3 && bytes[0] == 0x0F && bytes[1] == 0x01 && bytes[2] == 0xC1;
}

/* An event whose delivery the #VMEXIT interrupted (EXITINTINFO valid) is
 * delivered again at the next VMRUN (§15.7.2). */
static void requeue_interrupted_event(struct svm_vcpu *s)
{
	uint64_t info = s->vmcb->ctl.exitintinfo;

	if (info & SVM_EVT_VALID)
		set_eventinj(s, info);
}

static int svm_run(struct vcpu *v, struct vm_exit *exit)
{
	struct svm_vcpu *s = svm_of(v);
	struct svm_cpu *sc = this_cpu()->vmm;
	struct vmcb *vmcb = s->vmcb;
	struct svm_exit_raw raw;
	uint64_t flags;

	for (;;) {
		vmcb->save.rax = v->gpr[INSN_RAX];
		vmcb->save.rsp = v->gpr[INSN_RSP];
		vmcb->save.rip = v->rip + s->soft_int_len;
		vmcb->save.rflags = v->rflags;
		vmcb->ctl.tlb_control = s->asid_shared ? SVM_TLB_FLUSH_ALL : s->tlb_flush;
		vmcb->ctl.exitintinfo = 0;

		flags = irq_save();
		svm_enter(v->gpr, s->vmcb_pa, sc->host_vmcb);
		irq_restore(flags);   /* a host interrupt behind #VMEXIT(INTR) runs here */

		/* TLB_CONTROL is not cleared by the CPU (§15.16.1). */
		s->tlb_flush = SVM_TLB_NOTHING;
		s->soft_int_len = 0;
		v->gpr[INSN_RAX] = vmcb->save.rax;
		v->gpr[INSN_RSP] = vmcb->save.rsp;
		v->rip = vmcb->save.rip;
		v->rflags = vmcb->save.rflags;
		raw.exitcode = vmcb->ctl.exitcode;
		raw.exitinfo1 = vmcb->ctl.exitinfo1;
		raw.exitinfo2 = vmcb->ctl.exitinfo2;
		/* EVENTINJ is consumed by VMRUN; an injection that did not
		 * complete comes back in EXITINTINFO (§15.20). */
		vmcb->ctl.eventinj = 0;
		svm_exit_decode(&raw, v->rip, exit);

		if (exit->kind == EXIT_ENTRY_FAILURE) {
			pr_err("vm %s: VMRUN failed: VMEXIT_INVALID (illegal guest state or controls, "
			       "AMD APM vol. 2 §15.5.1)", v->vm->name);
			svm_vmcb_dump(v->vm->name, vmcb);
			return 0;
		}
		requeue_interrupted_event(s);

		if (exit->kind == EXIT_EXCEPTION && exit->exception.vector == VEC_UD) {
			if (!ud_is_vmcall(v, vmcb)) {
				/* Not ours: deliver the #UD the guest raised. */
				if (!(vmcb->ctl.eventinj & SVM_EVT_VALID))
					set_eventinj(s, VEC_UD | SVM_EVT_TYPE_EXC | SVM_EVT_VALID);
				continue;
			}
			exit->kind = EXIT_HYPERCALL;
			exit->insn_len = 3;
			return 0;
		}
		if (svm_exit_needs_insn_len(exit->kind) && !exit->insn_len) {
			exit->insn_len = exit_insn_len(v, vmcb);
			if (!exit->insn_len)
				return -EIO;   /* the VM is stopped; the reason is logged */
		}
		return 0;
	}
}

static bool long_mode_guest(const struct vmcb_save *g)
{
	return (g->efer & EFER_LMA) && (g->cs.attrib & BIT(9));
}

static void svm_skip_insn(struct vcpu *v, unsigned len)
{
	struct svm_vcpu *s = svm_of(v);

	v->rip += len;
	/* Outside 64-bit mode EIP wraps at 4 GiB. */
	if (!long_mode_guest(&s->vmcb->save))
		v->rip &= 0xFFFFFFFFULL;
	/* Completing the instruction ends the STI / MOV SS interrupt shadow
	 * (§15.21.5). */
	s->vmcb->ctl.int_state &= ~(uint64_t)SVM_INT_SHADOW;
}

static int svm_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	struct svm_vcpu *s = svm_of(v);
	uint64_t e = ev->vector | SVM_EVT_VALID;
	bool error = ev->has_error;

	if (s->vmcb->ctl.eventinj & SVM_EVT_VALID)
		return -EBUSY;
	switch (ev->type) {
	case EVENT_EXTINT:    e |= SVM_EVT_TYPE_INTR; error = false; break;
	case EVENT_NMI:       e = 2 | SVM_EVT_VALID | SVM_EVT_TYPE_NMI; error = false; break;
	case EVENT_EXCEPTION: e |= SVM_EVT_TYPE_EXC; break;
	case EVENT_SOFT_INT:  e |= SVM_EVT_TYPE_SOFT; error = false; break;
	default:              return -EINVAL;
	}
	/* No error code is pushed in real mode (§15.20: EV must be 0 then). */
	if (error && (s->vmcb->save.cr0 & CR0_PE))
		e |= SVM_EVT_ERROR_VALID | ((uint64_t)ev->error_code << 32);
	/* INT n pushes the RIP after the instruction; EVENTINJ takes the
	 * return RIP from the VMCB, so it must already point past the
	 * 2-byte CD ib (§15.20). */
	if (ev->type == EVENT_SOFT_INT)
		s->soft_int_len = 2;
	set_eventinj(s, e);
	return 0;
}

static uint64_t svm_get_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb_save *g = &svm_of(v)->vmcb->save;

	switch (cr) {
	case 0: return g->cr0;
	case 2: return g->cr2;
	case 3: return g->cr3;
	case 4: return g->cr4;
	default: return 0;
	}
}

static int svm_set_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct svm_vcpu *s = svm_of(v);
	struct vmcb_save *g = &s->vmcb->save;

	switch (cr) {
	case 0:
		if (!svm_guest_cr0_valid(value))
			return -EINVAL;
		/* Turning paging on with EFER.LME set needs CR4.PAE, else #GP
		 * (APM vol. 2 §14.6.1). */
		if ((value & CR0_PG) && (g->efer & EFER_LME) && !(g->cr4 & CR4_PAE))
			return -EINVAL;
		/* Entering or leaving long mode sets EFER.LMA (§14.6.1). */
		if ((value & CR0_PG) && (g->efer & EFER_LME))
			g->efer |= EFER_LMA;
		else
			g->efer &= ~(uint64_t)EFER_LMA;
		g->cr0 = value;
		break;
	case 2:
		g->cr2 = value;
		return 0;
	case 3:
		g->cr3 = value;
		break;
	case 4:
		if (!svm_guest_cr4_valid(value))
			return -EINVAL;
		if ((g->efer & EFER_LMA) && !(value & CR4_PAE))
			return -EINVAL;   /* clearing PAE in long mode: #GP */
		g->cr4 = value;
		break;
	default:
		return -EINVAL;
	}
	/* The guest's translations depend on CR0/CR3/CR4: drop them. */
	if (s->tlb_flush == SVM_TLB_NOTHING)
		s->tlb_flush = (virt.features & VIRT_F_FLUSH_BY_ASID) ? SVM_TLB_FLUSH_GUEST
								       : SVM_TLB_FLUSH_ALL;
	return 0;
}

static uint64_t svm_get_efer(struct vcpu *v)
{
	return svm_of(v)->vmcb->save.efer & ~(uint64_t)GUEST_EFER_HIDDEN;
}

static struct vmcb_seg *vmcb_seg(struct vmcb_save *g, enum vcpu_seg seg)
{
	switch (seg) {
	case SEG_ES: return &g->es;
	case SEG_CS: return &g->cs;
	case SEG_SS: return &g->ss;
	case SEG_DS: return &g->ds;
	case SEG_FS: return &g->fs;
	case SEG_GS: return &g->gs;
	case SEG_LDTR: return &g->ldtr;
	case SEG_TR: return &g->tr;
	default: panic("svm: segment %d does not exist", (int)seg);
	}
}

/* The VMCB's attribute word has the layout of struct vcpu_segment.attr
 * (§15.5.1); a null selector loaded in protected mode has P clear. */
static void svm_get_seg(struct vcpu *v, enum vcpu_seg seg, struct vcpu_segment *out)
{
	const struct vmcb_seg *sg = vmcb_seg(&svm_of(v)->vmcb->save, seg);

	out->selector = sg->selector;
	out->attr = sg->attrib & 0xFFF;
	out->limit = sg->limit;
	out->base = sg->base;
	out->unusable = !(sg->attrib & BIT(7));
}

static void svm_set_seg(struct vcpu *v, enum vcpu_seg seg, const struct vcpu_segment *s)
{
	struct vmcb_save *g = &svm_of(v)->vmcb->save;
	struct vmcb_seg *sg = vmcb_seg(g, seg);

	sg->selector = s->selector;
	sg->attrib = s->unusable ? 0 : (uint16_t)(s->attr & 0xFFF);
	sg->limit = s->limit;
	sg->base = s->base;
	/* The VMCB holds CPL separately; it follows SS.DPL (§15.5.1). */
	if (seg == SEG_SS)
		g->cpl = (uint8_t)((g->ss.attrib >> 5) & 3);
}

static void svm_get_dtable(struct vcpu *v, bool idt, struct vcpu_dtable *out)
{
	const struct vmcb_save *g = &svm_of(v)->vmcb->save;
	const struct vmcb_seg *t = idt ? &g->idtr : &g->gdtr;

	out->base = t->base;
	out->limit = (uint16_t)t->limit;
}

static void svm_set_dtable(struct vcpu *v, bool idt, const struct vcpu_dtable *d)
{
	struct vmcb_save *g = &svm_of(v)->vmcb->save;
	struct vmcb_seg *t = idt ? &g->idtr : &g->gdtr;

	t->base = d->base;
	t->limit = d->limit;
}

static void svm_flush_tlb(struct vcpu *v)
{
	struct svm_vcpu *s = svm_of(v);

	/* Flush at the next VMRUN: this ASID's entries with FlushByAsid,
	 * else every ASID (§15.16.1). Guest and nested translations are
	 * both tagged with the ASID. */
	s->tlb_flush = (virt.features & VIRT_F_FLUSH_BY_ASID) ? SVM_TLB_FLUSH_GUEST
							      : SVM_TLB_FLUSH_ALL;
}

static int svm_set_slat_root(struct vcpu *v, paddr_t root)
{
	struct svm_vcpu *s = svm_of(v);

	if (!root || !IS_ALIGNED(root, PAGE_SIZE)) {
		pr_err("vm %s: nested page table root 0x%llx is not a page address", v->vm->name,
		       (unsigned long long)root);
		return -EINVAL;
	}
	/* N_CR3 holds the nested table's root in the host's (long mode,
	 * 4-level) format; NP_ENABLE turns nested paging on (§15.25.3). */
	s->vmcb->ctl.n_cr3 = root;
	s->vmcb->ctl.np_control |= SVM_NP_ENABLE;
	svm_flush_tlb(v);
	return 0;
}

static void svm_dump(struct vcpu *v)
{
	svm_vmcb_dump(v->vm->name, svm_of(v)->vmcb);
}

const struct vcpu_ops svm_vcpu_ops = {
	.name = "svm",
	.slat_format = &pt_format_npt,
	.create = svm_create,
	.destroy = svm_destroy,
	.run = svm_run,
	.skip_insn = svm_skip_insn,
	.inject = svm_inject,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.get_efer = svm_get_efer,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.get_dtable = svm_get_dtable,
	.set_dtable = svm_set_dtable,
	.set_slat_root = svm_set_slat_root,
	.flush_tlb = svm_flush_tlb,
	.dump = svm_dump,
};
