/* vmx_internal.h - shared between the files of arch/x86/vmx/ only. */
#ifndef ARCH_X86_VMX_INTERNAL_H
#define ARCH_X86_VMX_INTERNAL_H

#include <plinth/vcpu_ops.h>
#include <x86/percpu.h>
#include <x86/vmx.h>

extern struct vmx_caps vmx_caps;

/* Per-CPU VMX state, hung off percpu->vmm (vmx_cpu.c). */
struct vmx_cpu {
	paddr_t vmxon_region;
	bool in_root_operation;
	paddr_t current_vmcs;   /* the VMCS VMPTRLD made current here, 0 if none */
	/* The host's XCR0, fixed after boot (fpu.c saves guest state with
	 * it), read at the first entry on this CPU; 0 until then. Without
	 * CR4.OSXSAVE the value a guest cannot change (1). */
	uint64_t host_xcr0;
};

/* True if the CPU has VMX at all (then virt.vendor/why_none say if usable). */
bool vmx_detect(void);
int vmx_cpu_enable(void);

/* ---- vmcs.c ---- */
struct vcpu;
/* The backend's per-vCPU state (vcpu->arch). */
struct vmx_vcpu {
	paddr_t vmcs;           /* 4 KiB VMCS region */
	paddr_t io_bitmaps;     /* bitmaps A and B, two contiguous pages */
	paddr_t msr_bitmap;     /* one page */
	uint16_t vpid;          /* 0 when VPID is not used */
	bool launched;          /* VMLAUNCH succeeded: the next entry is VMRESUME */
	uint64_t eptp;
	uint64_t cr2;           /* guest CR2: VMX does not switch it (SDM §28.3) */
	uint64_t cr8;           /* guest TPR class: MOV CR8 exits (CR8 load/store exiting) */
	uint64_t xcr0;          /* guest XCR0, loaded around VM entries (guest_xcr0.h) */
	/* One page: the guest MSR area (VM-entry load and VM-exit store, the
	 * same list, SDM §25.7.2, §25.8.2) at offset 0, the host area (VM-exit
	 * load) at VMX_HOST_MSR_AREA. */
	paddr_t msr_area;
	unsigned msr_count;     /* entries in each list */
	struct vmx_controls ctl;  /* ctl.entry: see entry_ctl_stale */
	/* Every exit stores EFER.LMA into the IA-32e mode guest entry control
	 * (§28.2); ctl.entry is re-read from the VMCS only when it is needed
	 * after an exit (vmx_ops.c entry_ctls()), not at every exit. */
	bool entry_ctl_stale;
	/* GUEST_RIP/RSP/RFLAGS as the VMCS holds them (read at the last exit
	 * or written at the last entry): an entry writes only what changed. */
	uint64_t vmcs_rip, vmcs_rsp, vmcs_rflags;
	/* VM-entry interruption information holds a valid event (written by
	 * inject or re-injection, consumed by the next entry). */
	bool event_queued;
	/* The host TSC by which the guest must exit (set_preempt_timer):
	 * with the preemption timer on (ctl.pin), each entry loads the timer
	 * with what is left of it. */
	uint64_t preempt_tsc;
	/* The timer is reloaded from preempt_tsc at the next entry; with
	 * "save VMX-preemption timer value" it is otherwise reloaded only every
	 * VMX_TIMER_RELOAD_ENTRIES entries (timer_entries counts down). */
	bool timer_reload;
	uint8_t timer_entries;
	/* Blocking by STI or MOV SS (guest interruptibility bits 1:0) as the
	 * fast exit path read it, for skip_insn; valid while shadow_known. */
	bool shadow_known;
	uint8_t shadow;
};
#define VMX_HOST_MSR_AREA 2048
/* The switched MSR's entry in v's guest area, NULL if not switched. */
struct vmx_msr_entry *vmx_guest_msr(struct vmx_vcpu *x, uint32_t msr);
/* Allocate and initialise v's VMCS and bitmaps, make it current on this
 * CPU, write controls, host state and a reset guest state. */
int vmcs_create(struct vcpu *v);
void vmcs_destroy(struct vcpu *v);
/* The out-of-line halves of the inline accessors below: VMPTRLD when the
 * VMCS is not current here, and the panics of a failed VMREAD/VMWRITE. */
void vmcs_load_slow(struct vcpu *v);
__noreturn void vmcs_read_failed(uint32_t field);
__noreturn void vmcs_write_failed(uint32_t field, uint64_t value);

/* vmread/vmwrite of the current VMCS; failure (an unsupported field) is a
 * plinth bug and panics with the field. Inline: the exit path does a few
 * of them per exit, and a call costs as much as the instruction. */
static inline uint64_t vmcs_read(uint32_t field)
{
	uint64_t v;

	/* VMfail sets CF or ZF (SDM vol. 3C §31.2): JBE takes both. */
	__asm__ goto("vmread %1, %0; jbe %l[failed]"
		     : "=r"(v) : "r"((uint64_t)field) : "cc" : failed);
	return v;
failed:
	vmcs_read_failed(field);
}

static inline void vmcs_write(uint32_t field, uint64_t value)
{
	__asm__ goto("vmwrite %1, %0; jbe %l[failed]"
		     :: "r"((uint64_t)field), "rm"(value) : "cc", "memory" : failed);
	return;
failed:
	vmcs_write_failed(field, value);
}

/* Make v's VMCS current on this CPU (VMPTRLD unless it already is). The
 * vCPU must be loaded on this CPU (v->host_cpu, BUG_ON otherwise). */
static inline void vmcs_load(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	const struct percpu *pc = this_cpu();

	if (__builtin_expect(v->host_cpu == pc->cpu_id &&
			     ((const struct vmx_cpu *)pc->vmm)->current_vmcs == x->vmcs, 1))
		return;
	vmcs_load_slow(v);
}
/* Log the guest state, controls and exit fields of the current VMCS. */
void vmcs_dump(const char *vm_name);

/* ---- vmx_entry.S ---- */
/* Load gpr[] (all but RSP) into the CPU and VMLAUNCH (launched == 0) or
 * VMRESUME. Returns 0 after a VM exit with the guest's registers stored in
 * gpr[], or 1 if the instruction failed (VMfailInvalid/VMfailValid: the
 * VM-instruction error field says why). Call with interrupts disabled. */
int vmx_enter(uint64_t *gpr, int launched);
/* Where VM exits land (HOST_RIP); not callable. */
void vmx_exit_stub(void);

#endif
