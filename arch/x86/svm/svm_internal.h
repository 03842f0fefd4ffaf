/* svm_internal.h - shared between the files of arch/x86/svm/ only. */
#ifndef ARCH_X86_SVM_INTERNAL_H
#define ARCH_X86_SVM_INTERNAL_H

#include <plinth/vcpu_ops.h>
#include <x86/svm.h>

/* True if the CPU has SVM at all (then virt.vendor/why_none say if usable). */
bool svm_detect(void);
int svm_cpu_enable(void);

/* Per-CPU SVM state, hung off percpu->vmm (svm_cpu.c). */
struct svm_cpu {
	paddr_t host_save_area;   /* VM_HSAVE_PA: where VMRUN saves host state */
	paddr_t host_vmcb;        /* VMSAVE/VMLOAD area for the host's FS/GS/TR/
				   * LDTR hidden state and syscall MSRs (§15.5.2) */
	/* The host's XCR0 and TSC_AUX, fixed after boot, read at the first
	 * VMRUN on this CPU (host_values_known): entries then compare the
	 * guest's values with these instead of reading the registers. */
	bool host_values_known;
	bool osxsave;             /* host CR4.OSXSAVE: XCR0 exists */
	uint64_t host_xcr0;
	uint64_t host_tsc_aux;
};

/* Per-vCPU SVM state, struct vcpu.arch (svm_vmcb.c). */
struct svm_vcpu {
	struct vmcb *vmcb;        /* the VMCB, through the physical map */
	paddr_t vmcb_pa;
	paddr_t iopm;             /* 12 KiB I/O permission map (order-2 block) */
	paddr_t msrpm;            /* 8 KiB MSR permission map (order-1 block) */
	uint8_t tlb_flush;        /* SVM_TLB_* for the next VMRUN */
	bool asid_shared;         /* ASIDs ran out: flush at every VMRUN */
	uint8_t soft_int_len;     /* an injected INT n: RIP advances at entry */
	uint64_t xcr0;            /* guest XCR0, loaded around VMRUN (guest_xcr0.h) */
	uint64_t tsc_aux;         /* guest TSC_AUX: VMLOAD/VMSAVE do not switch it */
	bool has_tsc_aux;         /* the CPU has RDTSCP, so TSC_AUX exists */
	/* NMI blocking, which SVM does not expose (APM vol. 2 §15.21.3): set
	 * when an NMI is injected, cleared once the handler's IRET (found by
	 * the IRET intercept at iret_rip) has completed, i.e. RIP moved on. */
	bool nmi_blocked;
	bool awaiting_iret;
	uint64_t iret_rip;
};

/* Build the VMCB and permission maps for v with the reset guest state
 * (svm_vmcb.c). 0, -ENODEV (SVM off on this CPU) or -ENOMEM. */
int svm_vmcb_create(struct vcpu *v);
void svm_vmcb_destroy(struct vcpu *v);
/* Log the VMCB's guest state and controls, "vm NAME: vmcb: ..." lines. */
void svm_vmcb_dump(const char *vm_name, const struct vmcb *vmcb);

/* svm_entry.S: CLGI, host VMSAVE, guest VMLOAD, VMRUN, guest VMSAVE,
 * host VMLOAD, STGI, with the guest GPRs (but RAX/RSP, which live in the
 * VMCB) swapped in gpr[]. Returns with host IF clear; the caller restores
 * it so a pending host interrupt is taken. */
void svm_enter(uint64_t *gpr, paddr_t vmcb_pa, paddr_t host_vmcb_pa);

/* The backend's ops table (svm_ops.c). Declared here until
 * <plinth/vcpu_ops.h> lists it beside vmx_vcpu_ops. */

#endif
