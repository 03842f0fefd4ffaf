/* svm_ops.c - the SVM backend of the vendor-neutral vCPU interface
 * (<plinth/vcpu_ops.h>): run a guest until a #VMEXIT, decode it, and the
 * register, event and nested-paging operations the VMM needs.
 * AMD APM vol. 2 ch. 15. */
#include <plinth/guest_walk.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "../vmx/guest_xcr0.h"
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
	/* A vCPU is used on one CPU at a time: the one that loaded it last
	 * (svm_load; the host save areas are per CPU). */
	BUG_ON(v->host_cpu != this_cpu()->cpu_id);
	return v->arch;
}

static int svm_create(struct vcpu *v)
{
	return svm_vmcb_create(v);
}

static void svm_destroy(struct vcpu *v)
{
	/* The caller put the vCPU: its VMCB is free to be dropped anywhere. */
	v->host_cpu = this_cpu()->cpu_id;
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

static int read_guest_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return vm_read_guest(ctx, gpa, buf, len);
}

/* Copy up to max bytes at guest linear address linear, stopping at the
 * end of its page or of guest RAM. Returns the byte count or -EFAULT. */
static int read_linear(struct vcpu *v, const struct vmcb_save *g, uint64_t linear,
		       uint8_t *buf, unsigned max)
{
	const struct guest_paging paging = {
		.cr0 = g->cr0, .cr3 = g->cr3, .cr4 = g->cr4, .efer = g->efer,
	};
	struct vm_region *r;
	uint64_t gpa, avail;

	if (guest_walk(&paging, linear, read_guest_phys, v->vm, &gpa))
		return -EFAULT;
	r = vm_find_region(v->vm, gpa);
	if (!r || r->type != VM_REGION_RAM)
		return -EFAULT;
	avail = MIN((uint64_t)max, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
	avail = MIN(avail, r->base + r->size - gpa);
	if (vm_read_guest(v->vm, gpa, buf, avail))
		return -EFAULT;
	return (int)avail;
}

/* Fetch up to INSN_MAX_LEN bytes of the instruction at CS:RIP through the
 * guest's page tables (<plinth/guest_walk.h>); an instruction may cross
 * into the next page. Returns the byte count (> 0) or -EFAULT. */
static int fetch_insn(struct vcpu *v, const struct vmcb_save *g, uint8_t *buf)
{
	uint64_t linear = g->cs.base + v->rip;
	int n, more;

	if (!(g->efer & EFER_LMA) || !(g->cs.attrib & BIT(9)))
		linear &= 0xFFFFFFFFULL;
	n = read_linear(v, g, linear, buf, INSN_MAX_LEN);
	if (n <= 0 || n == INSN_MAX_LEN)
		return n;
	more = read_linear(v, g, linear + (unsigned)n, buf + n, INSN_MAX_LEN - (unsigned)n);
	return more > 0 ? n + more : n;
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
	if (n < 0) {
		vm_stop(v->vm, "cannot fetch the instruction at rip 0x%llx (not mapped to guest RAM)",
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

/* MOV to/from CR8 exits (the vlapic holds the TPR, svm_vmcb.c) without
 * decode assists: the GPR comes from decoding the instruction, 0F 20 /r
 * (read) or 0F 22 /r (write) with REX.R selecting CR8 (APM vol. 3 "MOV
 * CRn"). Returns false (VM stopped) if it cannot be decoded. */
static bool decode_cr8_access(struct vcpu *v, const struct vmcb *vmcb, bool write,
			      struct vm_exit *exit)
{
	uint8_t bytes[INSN_MAX_LEN];
	struct insn in;
	int n = fetch_insn(v, &vmcb->save, bytes);

	if (n <= 0 || insn_decode(&in, bytes, (size_t)n, guest_insn_mode(&vmcb->save)) ||
	    in.map != INSN_MAP_0F || in.opcode != (write ? 0x22 : 0x20) || in.reg != 8) {
		vm_stop(v->vm, "cannot decode the CR8 access at rip 0x%llx",
			(unsigned long long)v->rip);
		return false;
	}
	exit->kind = EXIT_CR_ACCESS;
	exit->cr.cr = 8;
	exit->cr.type = write ? CR_ACCESS_MOV_TO : CR_ACCESS_MOV_FROM;
	exit->cr.gpr = in.rm;
	exit->insn_len = in.len;
	return true;
}

static void svm_skip_insn(struct vcpu *v, unsigned len);

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
		if (__builtin_expect(!sc->host_values_known, 0)) {
			sc->osxsave = (read_cr4() & CR4_OSXSAVE) != 0;
			sc->host_xcr0 = xcr0_host_value();
			sc->host_tsc_aux = s->has_tsc_aux ? rdmsr(MSR_TSC_AUX) : 0;
			sc->host_values_known = true;
		}
		/* XCR0 and TSC_AUX are not switched by VMRUN or VMLOAD/VMSAVE
		 * (§15.5.1, §15.5.2): load the guest's where it differs from
		 * the host's (cached per CPU), restore the host's after. */
		if (s->xcr0 != sc->host_xcr0)
			xcr0_write(s->xcr0);
		if (s->has_tsc_aux && s->tsc_aux != sc->host_tsc_aux)
			wrmsr(MSR_TSC_AUX, s->tsc_aux);
		svm_enter(v->gpr, s->vmcb_pa, sc->host_vmcb);
		if (s->has_tsc_aux && s->tsc_aux != sc->host_tsc_aux)
			wrmsr(MSR_TSC_AUX, sc->host_tsc_aux);
		/* Until restored, the CPU's XCR0 is the guest's: read it back,
		 * because QEMU TCG does not honour the XSETBV intercept and the
		 * guest may have changed XCR0 without an exit. */
		if (sc->osxsave) {
			s->xcr0 = xcr0_read();
			if (s->xcr0 != sc->host_xcr0)
				xcr0_write(sc->host_xcr0);
		}
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
		if (raw.exitcode == SVM_EXIT_IRET) {
			/* The NMI handler's IRET is about to run: NMIs count as
			 * unblocked once RIP has left it (svm_interruptibility). */
			vmcb->ctl.intercept1 &= ~(uint32_t)SVM_INTERCEPT1_IRET;
			s->awaiting_iret = true;
			s->iret_rip = v->rip;
			return 0;
		}
		if (exit->kind == EXIT_UNKNOWN &&
		    (raw.exitcode == SVM_EXIT_CR0_READ + 8 || raw.exitcode == SVM_EXIT_CR0_WRITE + 8)) {
			if (!decode_cr8_access(v, vmcb, raw.exitcode == SVM_EXIT_CR0_WRITE + 8, exit))
				return -EIO;   /* the VM is stopped; the reason is logged */
			return 0;
		}
		if (svm_exit_needs_insn_len(exit->kind) && !exit->insn_len) {
			exit->insn_len = exit_insn_len(v, vmcb);
			if (!exit->insn_len)
				return -EIO;   /* the VM is stopped; the reason is logged */
		}
		/* Exits the VMM completes in place (vmm_exit_fast: CPUID of
		 * a cached leaf) go straight back into the guest. A slice or
		 * timer deadline still ends the loop: the host LAPIC timer's
		 * #VMEXIT(INTR) is returned. */
		if (vmm_exit_may_be_fast(exit->kind) && exit->insn_len && vmm_exit_fast(v, exit)) {
			svm_skip_insn(v, exit->insn_len);
			continue;
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
	case EVENT_NMI:
		e = 2 | SVM_EVT_VALID | SVM_EVT_TYPE_NMI;
		error = false;
		/* The guest's NMIs are blocked until its handler's IRET,
		 * which the IRET intercept shows (svm_run). */
		s->nmi_blocked = true;
		s->awaiting_iret = false;
		s->vmcb->ctl.intercept1 |= SVM_INTERCEPT1_IRET;
		break;
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
	case 8: return svm_of(v)->vmcb->ctl.v_intr & SVM_V_TPR_MASK;
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
	case 8:
		/* With V_INTR_MASKING the guest's CR8 is V_TPR (§15.21.4);
		 * bits 63:4 are reserved. */
		if (value >> 4)
			return -EINVAL;
		s->vmcb->ctl.v_intr = (s->vmcb->ctl.v_intr & ~SVM_V_TPR_MASK) | value;
		return 0;
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

/* LMA follows LME && CR0.PG (APM vol. 2 §14.6.1); SVME stays set for
 * VMRUN (§15.5.1). */
static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
	struct vmcb_save *g = &svm_of(v)->vmcb->save;

	if ((efer & EFER_LME) && (g->cr0 & CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~(uint64_t)EFER_LMA;
	g->efer = efer | GUEST_EFER_HIDDEN;
}

/* The VMCB save-area slot of an MSR VMLOAD/VMSAVE (or VMRUN, for G_PAT
 * with nested paging, §15.25.8) switch; TSC_AUX is switched by svm_run. */
static uint64_t *svm_msr_slot(struct svm_vcpu *s, uint32_t msr)
{
	struct vmcb_save *g = &s->vmcb->save;

	switch (msr) {
	case MSR_IA32_PAT:          return &g->g_pat;
	case MSR_IA32_SYSENTER_CS:  return &g->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP: return &g->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP: return &g->sysenter_eip;
	case MSR_STAR:              return &g->star;
	case MSR_LSTAR:             return &g->lstar;
	case MSR_CSTAR:             return &g->cstar;
	case MSR_SFMASK:            return &g->sfmask;
	case MSR_KERNEL_GS_BASE:    return &g->kernel_gs_base;
	case MSR_TSC_AUX:           return s->has_tsc_aux ? &s->tsc_aux : NULL;
	default:                    return NULL;
	}
}

static int svm_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	uint64_t *slot = svm_msr_slot(svm_of(v), msr);

	if (!slot)
		return -ENOENT;
	*val = *slot;
	return 0;
}

static int svm_set_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t *slot = svm_msr_slot(svm_of(v), msr);

	if (!slot)
		return -ENOENT;
	*slot = val;
	return 0;
}

static uint64_t svm_get_tsc_offset(struct vcpu *v)
{
	return svm_of(v)->vmcb->ctl.tsc_offset;
}

static void svm_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	svm_of(v)->vmcb->ctl.tsc_offset = offset;
}

static uint64_t svm_get_xcr0(struct vcpu *v)
{
	return svm_of(v)->xcr0;
}

static void svm_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	svm_of(v)->xcr0 = xcr0;
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

static unsigned svm_interruptibility(struct vcpu *v)
{
	struct svm_vcpu *s = svm_of(v);
	const struct vmcb_control *c = &s->vmcb->ctl;
	unsigned block = 0;

	if (!(v->rflags & RFLAGS_IF))
		block |= VCPU_BLOCK_IF;
	/* The STI / MOV SS shadow (INTERRUPT_SHADOW, APM vol. 2 §15.21.5). */
	if (c->int_state & SVM_INT_SHADOW)
		block |= VCPU_BLOCK_SHADOW;
	if (c->eventinj & SVM_EVT_VALID)
		block |= VCPU_BLOCK_EVENT;
	if (s->nmi_blocked && s->awaiting_iret && v->rip != s->iret_rip)
		s->nmi_blocked = s->awaiting_iret = false;   /* the IRET completed */
	if (s->nmi_blocked)
		block |= VCPU_BLOCK_NMI;
	return block;
}

/* The NMI window through the IRET intercept (APM vol. 2 §15.21.3, the
 * way without virtual NMI support): IRET is intercepted whenever an
 * injected NMI blocks NMIs (svm_inject), so the exit at the handler's IRET
 * comes whether a window is asked for or not; after it the NMI goes in at
 * the first exit with RIP past the IRET. Nothing to switch here. */
static int svm_request_nmi_window(struct vcpu *v, bool on)
{
	(void)svm_of(v);
	(void)on;
	return 0;
}

/* V_IRQ (bit 8), V_INTR_PRIO (19:16) and V_IGN_TPR (bit 20) of the VMCB's
 * V_INTR field (APM vol. 2 §15.21.4, Table B-1 offset 0x60). */
#define VINTR_WINDOW_BITS (BIT(8) | (0xFull << 16) | BIT(20))

/* The interrupt window: a virtual interrupt that ignores V_TPR is made
 * pending and its delivery intercepted; the guest takes virtual
 * interrupts under its own IF and interrupt shadow, so #VMEXIT(VINTR)
 * comes exactly when it could take one (§15.21.4, §15.21.1). The virtual
 * interrupt itself is never delivered: it stays pending until turned off. */
static void svm_request_intr_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &svm_of(v)->vmcb->ctl;

	if (on) {
		c->v_intr |= VINTR_WINDOW_BITS;
		c->intercept1 |= SVM_INTERCEPT1_VINTR;
	} else {
		c->v_intr &= ~(uint64_t)VINTR_WINDOW_BITS;
		c->intercept1 &= ~(uint32_t)SVM_INTERCEPT1_VINTR;
	}
}

/* Switch-in (vcpu_ops.load): the VMCB is plain memory and the host save
 * area is per CPU (svm_cpu), so only the TLB matters: entries tagged with
 * this vCPU's ASID that this CPU kept from an older run may be stale
 * (the guest's own flushes ran elsewhere), so a vCPU that changed CPU
 * flushes its ASID at the next VMRUN (APM vol. 2 §15.16.1). */
static void svm_load(struct vcpu *v)
{
	if (v->host_cpu == this_cpu()->cpu_id)
		return;
	v->host_cpu = this_cpu()->cpu_id;
	svm_flush_tlb(v);
}

/* Switch-out: nothing is cached outside the VMCB between VMRUNs. */
static void svm_put(struct vcpu *v)
{
	(void)svm_of(v);
}

/* SVM has no preemption timer: the caller arms the host LAPIC timer, whose
 * interrupt causes #VMEXIT(INTR) whatever the guest's IF (INTR intercept,
 * APM vol. 2 §15.13.1; QEMU TCG honours it, platform.md). */
static int svm_set_preempt_timer(struct vcpu *v, uint64_t tsc_deadline)
{
	(void)v;
	(void)tsc_deadline;
	return -ENOTSUP;
}

/* The IOPM has one bit per port; a clear bit lets IN/OUT through without
 * a #VMEXIT. A multi-byte access checks the bits of every port it touches
 * (APM vol. 2 §15.10.1). */
static int svm_set_io_passthrough(struct vcpu *v, uint16_t port, unsigned count, bool pass)
{
	uint8_t *iopm = phys_to_virt(svm_of(v)->iopm);

	if (count == 0 || port + count > 0x10000)
		return -EINVAL;
	for (unsigned p = port; p < port + count; p++) {
		if (pass)
			iopm[p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			iopm[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	return 0;
}

/* vcpu_ops.init_reset: no event to inject, no interrupt shadow, NMIs
 * unblocked (the IRET intercept off), DR7 at its INIT value 0x400 (APM
 * vol. 2 §14.1.3, §15.20, §15.21). */
static void svm_init_reset(struct vcpu *v)
{
	struct svm_vcpu *s = svm_of(v);

	s->vmcb->ctl.eventinj = 0;
	s->vmcb->ctl.int_state = 0;
	s->nmi_blocked = s->awaiting_iret = false;
	s->vmcb->ctl.intercept1 &= ~(uint32_t)SVM_INTERCEPT1_IRET;
	s->vmcb->save.dr7 = 0x400;
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
	.set_efer = svm_set_efer,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.get_tsc_offset = svm_get_tsc_offset,
	.set_tsc_offset = svm_set_tsc_offset,
	.get_xcr0 = svm_get_xcr0,
	.set_xcr0 = svm_set_xcr0,
	.interruptibility = svm_interruptibility,
	.request_intr_window = svm_request_intr_window,
	.load = svm_load,
	.put = svm_put,
	.set_preempt_timer = svm_set_preempt_timer,
	.set_io_passthrough = svm_set_io_passthrough,
	.request_nmi_window = svm_request_nmi_window,
	.init_reset = svm_init_reset,
};
