/* vmx_controls.c - the VMCS control words and control-register masks plinth
 * uses, derived from the capability MSRs (decoded by vmx_caps.c). Pure, so
 * host tests can check them against the capabilities of real and imaginary
 * CPUs. Reference: Intel SDM vol. 3C §25.6-§25.8 (controls), vol. 3D
 * appendix A (capability MSRs). */
#include <x86/cpu.h>
#include <x86/vmx.h>

/* Controls plinth cannot run without, and ones it uses when present. */
#define PIN_REQUIRED   (PIN_EXTINT_EXITING | PIN_NMI_EXITING)
/* TSC offsetting without RDTSC exiting: guest RDTSC runs natively on the
 * offset clock (§25.6.5). CR8 load/store exiting: without a TPR shadow a
 * guest's MOV CR8 would reach the host's local APIC TPR (§25.6.2, §30.1). */
#define PROC_REQUIRED  (PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING | \
			PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY | \
			PROC_TSC_OFFSETTING | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING)
#define PROC2_REQUIRED (PROC2_EPT | PROC2_UNRESTRICTED)
/* XSAVES/XRSTORS stay off: CPUID hides them (vmm/cpuid_policy.c) and the
 * guest cannot write IA32_XSS, so they raise #UD as on a CPU without them. */
#define PROC2_OPTIONAL (PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID)
#define EXIT_REQUIRED  (EXIT_CTL_HOST_64BIT | EXIT_CTL_SAVE_PAT | EXIT_CTL_LOAD_PAT | \
			EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER)
#define ENTRY_REQUIRED (ENTRY_CTL_LOAD_PAT | ENTRY_CTL_LOAD_EFER)

/* Compute the control words (contract in <x86/vmx.h>). */
int vmx_controls_compute(const struct vmx_caps *caps, struct vmx_controls *out,
			 const char **why)
{
	uint32_t missing;

	*why = NULL;
	if (vmx_adjust_controls(PIN_REQUIRED, caps->pin_must, caps->pin_may, &out->pin, &missing)) {
		*why = "VMX lacks external-interrupt or NMI exiting";
		return -ENOTSUP;
	}
	/* Virtual NMIs (needs NMI exiting, on above): the CPU tracks the
	 * guest's NMI blocking, which NMI-window exiting waits for (SDM
	 * §25.6.1 Table 25-5, §26.7.6). Optional: without them an injected
	 * NMI is delivered whenever there is no shadow. */
	if (caps->pin_may & PIN_VIRTUAL_NMIS)
		out->pin |= PIN_VIRTUAL_NMIS;
	/* Without true controls, CR3-load/store exiting may be forced on; that
	 * is harmless (the CR handler emulates MOV CR3). With them, they are
	 * left clear: EPT guests own CR3 (SDM §25.6.2). */
	if (vmx_adjust_controls(PROC_REQUIRED, caps->proc_must, caps->proc_may, &out->proc, &missing)) {
		*why = "VMX lacks HLT/MWAIT/MONITOR/CR8 exiting, TSC offsetting, I/O or MSR bitmaps "
		       "or secondary controls";
		return -ENOTSUP;
	}
	if ((caps->proc2_may & PROC2_REQUIRED) != PROC2_REQUIRED) {
		*why = "VMX lacks EPT or unrestricted guest";
		return -ENOTSUP;
	}
	/* Secondary controls have no allowed-0 MSR half: every bit may be 0
	 * (SDM vol. 3D §A.3.3). */
	out->proc2 = PROC2_REQUIRED | (PROC2_OPTIONAL & caps->proc2_may);
	/* VPID needs INVVPID to flush what the guest left (SDM §29.4.3.3). */
	if (!(caps->ept_vpid & VPID_CAP_INVVPID))
		out->proc2 &= ~(uint32_t)PROC2_VPID;
	out->vpid = (out->proc2 & PROC2_VPID) != 0;
	if (vmx_adjust_controls(EXIT_REQUIRED, caps->exit_must, caps->exit_may, &out->exit, &missing)) {
		*why = "VMX cannot switch EFER and PAT on VM exit";
		return -ENOTSUP;
	}
	/* Optional: the preemption timer keeps counting from where the last
	 * exit left it, so an entry need not reload it (vmx_ops.c). */
	if ((caps->exit_may & EXIT_CTL_SAVE_PREEMPT_TIMER) && (caps->pin_may & PIN_PREEMPT_TIMER))
		out->exit |= EXIT_CTL_SAVE_PREEMPT_TIMER;
	if (vmx_adjust_controls(ENTRY_REQUIRED, caps->entry_must, caps->entry_may, &out->entry, &missing)) {
		*why = "VMX cannot load EFER and PAT on VM entry";
		return -ENOTSUP;
	}
	/* A guest starts outside long mode; the IA-32e mode guest control is
	 * set only when it enables paging with EFER.LME (SDM §26.3.1.1). */
	out->entry &= ~(uint32_t)ENTRY_CTL_IA32E_GUEST;

	/* Fixed CR bits (SDM vol. 3D §A.7, §A.8). Under unrestricted guest,
	 * CR0.PE and CR0.PG may be 0 (§26.3.1.1). */
	out->cr0_fixed0 = caps->cr0_fixed0 & ~(uint64_t)(CR0_PE | CR0_PG);
	out->cr0_fixed1 = caps->cr0_fixed1;
	out->cr4_fixed0 = caps->cr4_fixed0;
	out->cr4_fixed1 = caps->cr4_fixed1;
	/* plinth owns every bit the guest may not choose freely: the forced
	 * ones (the guest sees its own value in the read shadow, writes trap)
	 * and the ones that must stay 0. */
	out->cr0_mask = (out->cr0_fixed0 | ~out->cr0_fixed1) & 0xFFFFFFFFULL;
	/* CD and NW too: the guest must read back exactly what it wrote
	 * (Bochs 2.7 shows a guest CD|NW it never set, and Linux's MTRR
	 * update clears CD alone, leaving NW without CD: #GP); writes that
	 * change them (cache-disable phases, rare) exit. */
	out->cr0_mask |= CR0_CD | CR0_NW;
	out->cr4_mask = out->cr4_fixed0 | (~out->cr4_fixed1 & 0xFFFFFFFFULL) | CR4_VMXE | CR4_SMXE;
	return 0;
}

uint64_t vmx_real_cr0(const struct vmx_controls *c, uint64_t guest_value)
{
	return (guest_value | c->cr0_fixed0) & c->cr0_fixed1;
}

uint64_t vmx_real_cr4(const struct vmx_controls *c, uint64_t guest_value)
{
	return (guest_value | c->cr4_fixed0) & c->cr4_fixed1;
}

bool vmx_guest_cr0_valid(uint64_t value)
{
	/* #GP: bits 63:32 set, PG without PE, NW without CD (SDM vol. 3
	 * §2.5; MOV to CR0 in vol. 2B). */
	if (value >> 32)
		return false;
	if ((value & CR0_PG) && !(value & CR0_PE))
		return false;
	if ((value & CR0_NW) && !(value & CR0_CD))
		return false;
	return true;
}

bool vmx_guest_cr4_valid(const struct vmx_controls *c, uint64_t value)
{
	/* A bit the CPU does not support (clear in CR4_FIXED1) is reserved and
	 * setting it raises #GP; VMXE/SMXE are reserved for the guest because
	 * its CPUID does not report VMX/SMX. */
	uint64_t allowed = c->cr4_fixed1 & ~(uint64_t)(CR4_VMXE | CR4_SMXE);
	return (value & ~allowed) == 0;
}
