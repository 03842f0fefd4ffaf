/* svm_vmcb.c - one VMCB per vCPU: allocation, ASIDs, the intercepts, the
 * I/O and MSR permission maps, a reset guest state, and the failure dump
 * (AMD APM vol. 2 ch. 15, VMCB layout in appendix B). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "svm_internal.h"

/* The PAT value at power-on (APM vol. 2 §7.8.2), what a fresh guest sees
 * through G_PAT with nested paging (§15.25.8). */
#define PAT_POWER_ON 0x0007040600070406ULL

#define IOPM_ORDER  2   /* 12 KiB used of a 16 KiB block (§15.10.1) */
#define MSRPM_ORDER 1   /* 8 KiB (§15.11) */

/* ASIDs 1..asid_count-1 are handed out once each; 0 is the host's
 * (§15.16). After the last one, ASIDs are shared and every VMRUN of a
 * sharing vCPU flushes the whole TLB. */
static uint32_t next_asid = 1;

/* MSRs the guest reads and writes without #VMEXIT: KERNEL_GS_BASE, which
 * VMLOAD/VMSAVE switch completely (§15.5.2). FS/GS base stay intercepted:
 * QEMU TCG's WRMSR does not fault on non-canonical bases, real CPUs and
 * VMX do (the msr guest checks it). SYSENTER_ESP/EIP stay intercepted too:
 * AMD CPUs keep only their low 32 bits, and a guest must see the same
 * 64-bit values as under VMX. Every other MSR exits to vmm/msr.c. */
static const uint32_t passthrough_msrs[] = { MSR_KERNEL_GS_BASE };

/* Clear msr's read and write intercept bits in the MSRPM (§15.11): two
 * bits per MSR (read, write), 0..1FFFH at byte 0, C0000000H..C0001FFFH at
 * 800H, C0010000H..C0011FFFH at 1000H. */
static void msrpm_pass(uint8_t *msrpm, uint32_t msr)
{
	unsigned base;

	if (msr <= 0x1FFF)
		base = 0;
	else if (msr - 0xC0000000u <= 0x1FFF)
		base = 0x800;
	else if (msr - 0xC0010000u <= 0x1FFF)
		base = 0x1000;
	else
		panic("svm: MSR 0x%x is outside the MSR permission map", msr);
	msr &= 0x1FFF;
	msrpm[base + msr / 4] &= (uint8_t)~(3u << (2 * (msr % 4)));
}

static bool cpu_has_rdtscp(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, &a, &b, &c, &d);
	return (d & BIT(27)) != 0;
}

static void free_pages(struct svm_vcpu *s)
{
	if (s->vmcb_pa)
		page_free(s->vmcb_pa, 0);
	if (s->iopm)
		page_free(s->iopm, IOPM_ORDER);
	if (s->msrpm)
		page_free(s->msrpm, MSRPM_ORDER);
}

/* The intercepts plinth needs, matching the VMX backend's exits: every
 * port and MSR, CPUID, HLT, INVD, WBINVD, XSETBV, MONITOR/MWAIT, VMMCALL,
 * host interrupts and NMIs, INIT, shutdown (triple fault) and every SVM
 * instruction (VMRUN must be intercepted or VMRUN fails, §15.5.1). #UD is
 * intercepted so a guest's Intel VMCALL can be run as a hypercall, as on
 * VMX (svm_ops.c). Of the CR accesses only CR8's are intercepted (the
 * TPR is the vlapic's): SVM has no fixed CR bits to hide and nested
 * paging leaves CR3 to the guest. No DR accesses are intercepted. */
static void write_controls(struct svm_vcpu *s, uint32_t asid)
{
	struct vmcb_control *c = &s->vmcb->ctl;

	/* CR8 reads and writes: the guest's TPR lives in its vlapic, which
	 * vmm/exit_cpu.c reaches on these exits (V_TPR is not used). */
	c->intercept_cr = BIT(8) | BIT(16 + 8);
	c->intercept_dr = 0;
	c->intercept_exc = BIT(VEC_UD);
	c->intercept1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_INIT |
			SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_INVD | SVM_INTERCEPT1_HLT |
			SVM_INTERCEPT1_INVLPGA | SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR |
			SVM_INTERCEPT1_SHUTDOWN;
	c->intercept2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_VMLOAD |
			SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_WBINVD | SVM_INTERCEPT2_MONITOR |
			SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_MWAIT_C | SVM_INTERCEPT2_XSETBV;
	c->iopm_base_pa = s->iopm;
	c->msrpm_base_pa = s->msrpm;
	/* The guest TSC starts at 0, as after power-on. RDTSC/RDTSCP are not
	 * intercepted: the guest reads host TSC + TSC_OFFSET (VMCB offset
	 * 050h, appendix B Table B-1). */
	c->tsc_offset = 0 - rdtsc();
	c->asid = asid;
	/* Virtual interrupt masking: the guest's IF governs only virtual
	 * interrupts, the host's IF at VMRUN physical ones (§15.21.1). */
	c->v_intr = SVM_V_INTR_MASKING;
	c->int_state = 0;
	c->eventinj = 0;
	c->np_control = 0;        /* set_slat_root turns nested paging on */
	/* No VMCB clean bits: everything is reloaded at each VMRUN (§15.15). */
	c->clean = 0;
}

/* A reset guest state: flat 32-bit protected mode, paging off, interrupts
 * off, RIP 0, the same as vmcs.c's reset state. vmm/vcpu.c then sets what
 * the boot protocol needs. */
static void write_guest_reset_state(struct vmcb_save *g)
{
	struct vmcb_seg *segs[] = { &g->es, &g->cs, &g->ss, &g->ds, &g->fs, &g->gs };

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
		segs[i]->limit = 0xFFFFFFFF;
		/* Code: execute/read, accessed (0xB); data: read/write,
		 * accessed (0x3); S, P, D/B, G (§15.5.1 attribute layout). */
		segs[i]->attrib = segs[i] == &g->cs ? 0xC9B : 0xC93;
	}
	/* LDTR null (P clear); TR a busy 32-bit TSS, present. */
	g->ldtr = (struct vmcb_seg){ 0 };
	g->tr = (struct vmcb_seg){ .selector = 0, .attrib = 0x8B, .limit = 0xFF, .base = 0 };
	g->gdtr = (struct vmcb_seg){ 0 };
	g->idtr = (struct vmcb_seg){ 0 };
	g->cpl = 0;
	/* EFER.SVME must be set in the guest's EFER or VMRUN fails
	 * (§15.5.1); the guest never sees it (EFER reads are intercepted and
	 * get_efer hides it). */
	g->efer = EFER_SVME;
	g->cr0 = CR0_PE | CR0_ET;
	g->cr3 = 0;
	g->cr4 = 0;
	g->cr2 = 0;
	g->dr7 = 0x400;
	g->dr6 = 0xFFFF0FF0;
	g->rflags = 0x2;          /* bit 1 is reserved as 1 */
	g->rip = 0;
	g->rsp = 0;
	g->rax = 0;
	g->star = g->lstar = g->cstar = g->sfmask = g->kernel_gs_base = 0;
	g->sysenter_cs = g->sysenter_esp = g->sysenter_eip = 0;
	g->g_pat = PAT_POWER_ON;
	g->dbgctl = 0;
}

int svm_vmcb_create(struct vcpu *v)
{
	struct svm_cpu *sc = this_cpu()->vmm;
	struct svm_vcpu *s;
	uint32_t asid;

	if (!sc || !(rdmsr(MSR_EFER) & EFER_SVME)) {
		pr_err("svm: SVM is not enabled on CPU %u", this_cpu()->cpu_id);
		return -ENODEV;
	}
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->vmcb_pa = page_alloc_zeroed(0);
	s->iopm = page_alloc(IOPM_ORDER);
	s->msrpm = page_alloc(MSRPM_ORDER);
	if (!s->vmcb_pa || !s->iopm || !s->msrpm) {
		free_pages(s);
		kfree(s);
		return -ENOMEM;
	}
	s->vmcb = phys_to_virt(s->vmcb_pa);
	/* Every port and every MSR traps: all-ones maps (§15.10.1: the IOPM
	 * is 12 KiB, one bit per port plus the bits a multi-byte access at
	 * 0xFFFF spills into; §15.11: two bits per MSR for three ranges).
	 * Device models and the MSR handler decide what guests see. */
	memset(phys_to_virt(s->iopm), 0xFF, PAGE_SIZE << IOPM_ORDER);
	memset(phys_to_virt(s->msrpm), 0xFF, PAGE_SIZE << MSRPM_ORDER);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msrpm_pass(phys_to_virt(s->msrpm), passthrough_msrs[i]);
	s->xcr0 = 1;              /* XCR0 reset value: x87 only */
	s->has_tsc_aux = cpu_has_rdtscp();

	asid = __atomic_fetch_add(&next_asid, 1, __ATOMIC_RELAXED);
	if (asid >= virt.asid_count) {
		/* Out of ASIDs: share one and flush at every VMRUN. */
		asid = 1 + (asid - 1) % (virt.asid_count - 1);
		s->asid_shared = true;
	}
	/* A fresh ASID may hold entries of a vCPU destroyed before: flush it
	 * at the first VMRUN (§15.16.1). */
	s->tlb_flush = SVM_TLB_FLUSH_ALL;
	v->arch = s;
	v->host_cpu = this_cpu()->cpu_id;
	write_controls(s, asid);
	write_guest_reset_state(&s->vmcb->save);
	return 0;
}

void svm_vmcb_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	if (!s)
		return;
	/* Nothing of the VMCB is cached outside memory without clean bits:
	 * the pages can be freed at once. The ASID is flushed by whoever
	 * gets it next (tlb_flush at create). */
	free_pages(s);
	kfree(s);
	v->arch = NULL;
}

static void dump_seg(const char *vm_name, const char *name, const struct vmcb_seg *sg)
{
	pr_err("vm %s: vmcb: %-4s sel=%04x base=%llx limit=%x attr=%x", vm_name, name, sg->selector,
	       (unsigned long long)sg->base, sg->limit, sg->attrib);
}

void svm_vmcb_dump(const char *vm_name, const struct vmcb *vmcb)
{
	const struct vmcb_control *c = &vmcb->ctl;
	const struct vmcb_save *g = &vmcb->save;

	pr_err("vm %s: vmcb: rip=%llx rsp=%llx rflags=%llx rax=%llx cpl=%u", vm_name,
	       (unsigned long long)g->rip, (unsigned long long)g->rsp,
	       (unsigned long long)g->rflags, (unsigned long long)g->rax, g->cpl);
	pr_err("vm %s: vmcb: cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx", vm_name,
	       (unsigned long long)g->cr0, (unsigned long long)g->cr2,
	       (unsigned long long)g->cr3, (unsigned long long)g->cr4,
	       (unsigned long long)g->efer);
	pr_err("vm %s: vmcb: dr6=%llx dr7=%llx g_pat=%llx int_state=%llx v_intr=%llx", vm_name,
	       (unsigned long long)g->dr6, (unsigned long long)g->dr7,
	       (unsigned long long)g->g_pat, (unsigned long long)c->int_state,
	       (unsigned long long)c->v_intr);
	pr_err("vm %s: vmcb: intercepts cr=%x dr=%x exc=%x 1=%x 2=%x asid=%u tlb=%u np=%llx "
	       "n_cr3=%llx", vm_name, c->intercept_cr, c->intercept_dr, c->intercept_exc,
	       c->intercept1, c->intercept2, c->asid, c->tlb_control,
	       (unsigned long long)c->np_control, (unsigned long long)c->n_cr3);
	pr_err("vm %s: vmcb: exitcode=%llx exitinfo1=%llx exitinfo2=%llx exitintinfo=%llx "
	       "eventinj=%llx nrip=%llx", vm_name, (unsigned long long)c->exitcode,
	       (unsigned long long)c->exitinfo1, (unsigned long long)c->exitinfo2,
	       (unsigned long long)c->exitintinfo, (unsigned long long)c->eventinj,
	       (unsigned long long)c->next_rip);
	pr_err("vm %s: vmcb: tsc_offset=%llx star=%llx lstar=%llx cstar=%llx sfmask=%llx "
	       "kernel_gs_base=%llx", vm_name, (unsigned long long)c->tsc_offset,
	       (unsigned long long)g->star, (unsigned long long)g->lstar,
	       (unsigned long long)g->cstar, (unsigned long long)g->sfmask,
	       (unsigned long long)g->kernel_gs_base);
	pr_err("vm %s: vmcb: sysenter cs=%llx esp=%llx eip=%llx", vm_name,
	       (unsigned long long)g->sysenter_cs, (unsigned long long)g->sysenter_esp,
	       (unsigned long long)g->sysenter_eip);
	pr_err("vm %s: vmcb: iopm=%llx msrpm=%llx gdtr=%llx/%x idtr=%llx/%x", vm_name,
	       (unsigned long long)c->iopm_base_pa, (unsigned long long)c->msrpm_base_pa,
	       (unsigned long long)g->gdtr.base, g->gdtr.limit,
	       (unsigned long long)g->idtr.base, g->idtr.limit);
	dump_seg(vm_name, "es", &g->es);
	dump_seg(vm_name, "cs", &g->cs);
	dump_seg(vm_name, "ss", &g->ss);
	dump_seg(vm_name, "ds", &g->ds);
	dump_seg(vm_name, "fs", &g->fs);
	dump_seg(vm_name, "gs", &g->gs);
	dump_seg(vm_name, "ldtr", &g->ldtr);
	dump_seg(vm_name, "tr", &g->tr);
}
