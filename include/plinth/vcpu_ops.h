/* vcpu_ops.h - the vendor-neutral virtual CPU: the register file the VMM
 * sees, the decoded VM-exit record, and the ops table one backend (VMX now,
 * SVM later) fills. The table is picked once at boot (vmm_init()); vmm/,
 * scheduler/ and mm/ only call through it and never execute a VMX or SVM
 * instruction themselves.
 *
 * Threading rule: a vCPU's backend state is used on one CPU at a time,
 * v->host_cpu. It moves only through put (on the old CPU) and load (on the
 * new one), which the scheduler's switch hooks call (vmm/vcpu.c); every op
 * that touches the backend's per-CPU state checks that it runs on
 * v->host_cpu (BUG_ON). */
#ifndef PLINTH_VCPU_OPS_H
#define PLINTH_VCPU_OPS_H

#include <plinth/compiler.h>
#include <plinth/insn.h>

struct vm;

/* Why the guest stopped running, independent of the vendor. */
enum exit_kind {
	EXIT_UNKNOWN = 0,       /* a vendor reason plinth does not handle */
	EXIT_CPUID,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,         /* VMCALL / VMMCALL */
	EXIT_SLAT_VIOLATION,    /* EPT violation / nested page fault */
	EXIT_SLAT_MISCONFIG,    /* EPT misconfiguration: a hypervisor bug */
	EXIT_EXCEPTION,         /* an intercepted guest exception */
	EXIT_EXTINT,            /* a host interrupt arrived while the guest ran */
	EXIT_NMI,               /* a host NMI arrived (the backend re-raised it) */
	EXIT_INTR_WINDOW,
	EXIT_NMI_WINDOW,
	EXIT_TRIPLE_FAULT,
	EXIT_INIT,
	EXIT_SIPI,
	EXIT_PREEMPT_TIMER,
	EXIT_CR_ACCESS,
	EXIT_XSETBV,
	EXIT_INVD,
	EXIT_WBINVD,
	EXIT_PAUSE,
	EXIT_MONITOR_MWAIT,     /* MONITOR or MWAIT (hidden in CPUID) */
	EXIT_VIRT_INSN,         /* a VMX/SVM instruction executed by the guest */
	EXIT_ENTRY_FAILURE,     /* the VM entry itself failed */
	EXIT_KIND_COUNT
};

/* Access bits of a second-level-translation violation. */
#define SLAT_ACCESS_READ  BIT(0)
#define SLAT_ACCESS_WRITE BIT(1)
#define SLAT_ACCESS_EXEC  BIT(2)

/* Control-register access types. */
enum cr_access_type { CR_ACCESS_MOV_TO, CR_ACCESS_MOV_FROM, CR_ACCESS_CLTS, CR_ACCESS_LMSW };

/* One decoded VM exit. Fields in the union are valid for the kind named in
 * their comment only. */
struct vm_exit {
	enum exit_kind kind;
	uint8_t insn_len;       /* length of the exiting instruction, 0 if none */
	uint32_t raw_reason;    /* the vendor's exit code, for logs */
	uint64_t raw_qual;      /* the vendor's qualification / EXITINFO1, for logs */
	union {
		struct {                /* EXIT_IO */
			uint16_t port;
			uint8_t size;       /* 1, 2 or 4 */
			bool in;
			bool string;        /* INS/OUTS */
			bool rep;
		} io;
		struct {                /* EXIT_SLAT_VIOLATION, EXIT_SLAT_MISCONFIG */
			gpa_t gpa;
			uint64_t gla;       /* guest linear address if gla_valid */
			bool gla_valid;
			uint8_t access;     /* SLAT_ACCESS_* attempted */
			uint8_t allowed;    /* SLAT_ACCESS_* the entry allowed */
		} slat;
		struct {                /* EXIT_EXCEPTION */
			uint8_t vector;
			bool has_error;
			uint32_t error_code;
		} exception;
		struct {                /* EXIT_CR_ACCESS */
			uint8_t cr;
			uint8_t type;       /* enum cr_access_type */
			uint8_t gpr;        /* enum insn_gpr for MOV */
			uint16_t lmsw_data;
		} cr;
		struct {                /* EXIT_ENTRY_FAILURE */
			uint32_t error;     /* VMX: VM-instruction error or basic reason */
			bool invalid_guest_state;
		} entry;
	};
};

/* Segment registers, in the order VMX numbers them. */
enum vcpu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR,
		SEG_COUNT };

/* A segment register's hidden part. attr uses the descriptor attribute
 * layout (Intel SDM vol. 3 §3.4.5): type 3:0, S 4, DPL 6:5, P 7, AVL 8,
 * L 9, D/B 10, G 11 (the AMD VMCB layout, APM vol. 2 §15.5.1). */
struct vcpu_segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t limit;         /* byte granular (G already applied) */
	uint64_t base;
	bool unusable;          /* a null selector loaded in protected mode */
};

struct vcpu_dtable { uint64_t base; uint16_t limit; };

/* An event to deliver at the next entry (Intel SDM vol. 3 §27.6,
 * AMD APM vol. 2 §15.20). */
enum vcpu_event_type { EVENT_EXTINT, EVENT_NMI, EVENT_EXCEPTION, EVENT_SOFT_INT };
struct vcpu_event {
	enum vcpu_event_type type;
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
};

/* What blocks an external interrupt (vcpu_ops.interruptibility). */
#define VCPU_BLOCK_IF     BIT(0)   /* RFLAGS.IF = 0 */
#define VCPU_BLOCK_SHADOW BIT(1)   /* STI or MOV SS shadow (SDM vol. 3 §25.4.2) */
#define VCPU_BLOCK_EVENT  BIT(2)   /* an event is already queued for the next entry */
/* NMIs are blocked: the guest's NMI handler runs until its IRET (SDM
 * vol. 3 §6.7.1). Blocks only NMI injection, never external interrupts. */
#define VCPU_BLOCK_NMI    BIT(3)

/* Exception vectors used by the VMM (SDM vol. 3 §6.3.1). */
#define VEC_UD 6
#define VEC_GP 13

/* The vendor-neutral vCPU. gpr[] is what the entry stub saves and loads;
 * gpr[INSN_RSP], rip and rflags are copied to and from the backend's state
 * around every run, so handlers read and write all of them here. */
struct vcpu {
	struct vm *vm;
	unsigned id;
	uint64_t gpr[INSN_NR_GPRS];  /* enum insn_gpr order */
	uint64_t rip;
	uint64_t rflags;
	void *arch;                  /* the backend's state (VMCS etc.) */
	unsigned host_cpu;           /* the CPU the backend state lives on */
	uint64_t exit_count;
	uint64_t exits_by_kind[EXIT_KIND_COUNT];
};

/* The backend. Errors are negative codes; every error is logged by the
 * backend with the vCPU's VM name. */
struct pt_format;
struct vcpu_ops {
	const char *name;
	const struct pt_format *slat_format;   /* &pt_format_ept / &pt_format_npt */
	/* Allocate the backend state for v on this CPU with a reset state: all
	 * exits plinth needs enabled, guest in flat 32-bit protected mode with
	 * paging off, RIP 0. Returns 0, -ENOMEM or -ENOTSUP. */
	int (*create)(struct vcpu *v);
	void (*destroy)(struct vcpu *v);
	/* Enter the guest and run until the next exit plinth must handle;
	 * fill *exit. Returns 0 (including EXIT_ENTRY_FAILURE, which the
	 * backend has already logged with a state dump). Host interrupts that
	 * caused the exit are taken before returning. A backend may complete
	 * exits that vmm_exit_fast() accepts without returning (advance RIP
	 * past the instruction and enter again), until the deadline of
	 * set_preempt_timer has come; run's caller sees only the last exit. */
	int (*run)(struct vcpu *v, struct vm_exit *exit);
	/* Move RIP past the exiting instruction of len bytes, ending any
	 * interrupt shadow (STI / MOV SS blocking, SDM vol. 3 §25.4.2). */
	void (*skip_insn)(struct vcpu *v, unsigned len);
	/* Queue an event for the next entry. -EBUSY if one is queued. */
	int (*inject)(struct vcpu *v, const struct vcpu_event *ev);
	/* Control registers as the guest sees them (0, 2, 3, 4). set_cr checks
	 * the value as the CPU would: -EINVAL means "inject #GP"; -ENOTSUP
	 * means a transition plinth does not virtualise yet (logged). */
	uint64_t (*get_cr)(struct vcpu *v, unsigned cr);
	int (*set_cr)(struct vcpu *v, unsigned cr, uint64_t value);
	uint64_t (*get_efer)(struct vcpu *v);
	void (*get_seg)(struct vcpu *v, enum vcpu_seg seg, struct vcpu_segment *out);
	void (*set_seg)(struct vcpu *v, enum vcpu_seg seg, const struct vcpu_segment *s);
	void (*get_dtable)(struct vcpu *v, bool idt, struct vcpu_dtable *out);
	void (*set_dtable)(struct vcpu *v, bool idt, const struct vcpu_dtable *d);
	/* Point the second-level translation at a 4-level table (EPT/NPT
	 * format) rooted at root, and flush what it cached. */
	int (*set_slat_root)(struct vcpu *v, paddr_t root);
	/* Flush guest translations (second-level and tagged TLB). */
	void (*flush_tlb)(struct vcpu *v);
	/* Log the guest state (registers, segments, control fields). */
	void (*dump)(struct vcpu *v);
	/* ---- MSRs, TSC and XCR0 the backend context-switches ----
	 * Write the guest's IA32_EFER. The caller checked the value
	 * (vmm/cpu_rules.h efer_write_check); LMA is recomputed here as
	 * LME && CR0.PG, with the backend's long-mode controls following it. */
	void (*set_efer)(struct vcpu *v, uint64_t efer);
	/* The MSRs the backend holds and switches on every entry and exit:
	 * IA32_PAT, SYSENTER_CS/ESP/EIP, STAR, LSTAR, CSTAR, SFMASK,
	 * KERNEL_GS_BASE, TSC_AUX. Values are not checked (vmm/msr.c did).
	 * 0, or -ENOENT for an MSR the backend does not hold. */
	int (*get_msr)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*set_msr)(struct vcpu *v, uint32_t msr, uint64_t val);
	/* The offset the CPU adds to the host TSC for guest RDTSC/RDTSCP
	 * (RDTSC is never intercepted); a new vCPU's guest TSC starts at 0. */
	uint64_t (*get_tsc_offset)(struct vcpu *v);
	void (*set_tsc_offset)(struct vcpu *v, uint64_t offset);
	/* The guest's XCR0 (reset value 1), in the CPU while the guest runs.
	 * set_xcr0 takes a value vmm/cpu_rules.h xsetbv_check accepted. */
	uint64_t (*get_xcr0)(struct vcpu *v);
	void (*set_xcr0)(struct vcpu *v, uint64_t xcr0);
	/* ---- virtual interrupts (vmm/exit_irq.c) ----
	 * What keeps an external interrupt from being injected at the next
	 * entry: VCPU_BLOCK_* bits, 0 when one can be injected now. */
	unsigned (*interruptibility)(struct vcpu *v);
	/* Interrupt-window exiting on or off: while on, the guest exits with
	 * EXIT_INTR_WINDOW as soon as it can take an external interrupt
	 * (RFLAGS.IF=1, no STI/MOV SS shadow; SDM vol. 3 §26.7.5, AMD APM
	 * vol. 2 §15.21.4 V_IRQ with the VINTR intercept). */
	void (*request_intr_window)(struct vcpu *v, bool on);
	/* ---- scheduling (vmm/vcpu.c switch hooks, the per-CPU loop) ----
	 * Make v's backend state usable on this CPU. Called with interrupts
	 * off when the vCPU is switched in; it may have been put on another
	 * CPU before (VMX: VMPTRLD, host-state fields of this CPU, a tagged-
	 * TLB flush when the CPU changed; SVM: the ASID's TLB flushed when the
	 * CPU changed). v->host_cpu is this CPU afterwards. */
	void (*load)(struct vcpu *v);
	/* The vCPU leaves this CPU: after put, another CPU may load it (VMX:
	 * VMCLEAR, SDM vol. 3 §25.11.1; the next entry is a VMLAUNCH). */
	void (*put)(struct vcpu *v);
	/* Make every later entry exit by the time the host TSC reaches
	 * tsc_deadline, whatever the guest's RFLAGS.IF (UINT64_MAX = no
	 * limit); in force until the next call, so the caller calls only
	 * when the deadline changes. Returns 0, or -ENOTSUP when the backend
	 * has no such timer (SVM): the caller then relies on the host LAPIC
	 * timer with the INTR intercept. */
	int (*set_preempt_timer)(struct vcpu *v, uint64_t tsc_deadline);
	/* ---- device pass-through (vmm/console_domain.c) ----
	 * Let the guest reach host ports [port, port+count) directly (pass
	 * true: their bits cleared in the VMX I/O bitmaps, SDM vol. 3 §25.6.4 /
	 * the SVM IOPM, APM vol. 2 §15.10.1) or intercept them again (false).
	 * Only for the console domain's UART. 0 or -EINVAL. */
	int (*set_io_passthrough)(struct vcpu *v, uint16_t port, unsigned count, bool pass);
	/* ---- NMIs (vmm/exit_irq.c) ----
	 * NMI-window exiting on or off: while on, the guest exits with
	 * EXIT_NMI_WINDOW when an NMI could be injected (no NMI blocking and
	 * no STI/MOV SS shadow). VMX: "NMI-window exiting" with virtual NMIs
	 * (SDM vol. 3 §26.7.6, §25.6.1); SVM: the IRET intercept (APM vol. 2
	 * §15.21.3), the exit comes at the handler's IRET and NMIs count as
	 * unblocked once RIP has moved past it. -ENOTSUP when the CPU offers
	 * neither (the NMI then waits for the next exit). */
	int (*request_nmi_window)(struct vcpu *v, bool on);
	/* ---- INIT (vmm/vcpu.c, a virtual INIT IPI) ----
	 * Drop what the INIT signal discards and the generic ops cannot
	 * reach (SDM vol. 3 §10.1.1 Table 10-1, APM vol. 2 §14.1.3): an event
	 * queued for the next entry, STI/MOV SS and NMI blocking, pending
	 * debug exceptions; activity state active; DR7 = 0x400. The caller
	 * sets CRs, EFER, segments and registers through the other ops. May
	 * be NULL (then only those are reset). */
	void (*init_reset)(struct vcpu *v);
};

/* For the backends' run (vmm/exit.c): complete exit e in place if its
 * handler needs nothing but the vCPU's registers (CPUID of a leaf with a
 * cached answer). True: handled and counted in v->exit_count and
 * exits_by_kind; the caller advances RIP past the instruction
 * (e->insn_len) and enters the guest again. False: return e from run as
 * usual. Called on v's CPU inside run (interrupts on or off). */
bool vmm_exit_fast(struct vcpu *v, const struct vm_exit *e);
/* The kinds vmm_exit_fast may accept, for a cheap test before calling it. */
static inline bool vmm_exit_may_be_fast(enum exit_kind kind)
{
	return kind == EXIT_CPUID;
}

/* The backends. */
extern const struct vcpu_ops vmx_vcpu_ops;
extern const struct vcpu_ops svm_vcpu_ops;

/* The one in use (vmm/vcpu.c), NULL before vmm_init() or without a
 * usable backend. */
extern const struct vcpu_ops *vcpu_ops;

#endif
