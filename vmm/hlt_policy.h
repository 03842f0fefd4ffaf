/* hlt_policy.h - what a guest's HLT does, as pure decisions (vmm/hlt_policy.c,
 * host unit-tested): used by exit_irq.c (the HLT exit, the STI; HLT shadow)
 * and vcpu.c (a woken vCPU that looks again). */
#ifndef PLINTH_VMM_HLT_POLICY_H
#define PLINTH_VMM_HLT_POLICY_H

#include <plinth/compiler.h>

enum hlt_action {
	HLT_CONTINUE,   /* a wake-up is pending: HLT ends at once */
	HLT_SLEEP,      /* the vCPU halts until its deadline or a kick */
	HLT_STOP_VM,    /* nothing can ever wake it: the VM is stopped */
};

/* What the vCPU's interrupt controllers hold that ends a HLT: an NMI, INIT
 * or SIPI always; with IF=1 also a maskable interrupt (SDM vol. 2A "HLT"). */
struct hlt_view {
	bool if_set;               /* guest RFLAGS.IF */
	bool nmi_init_sipi;        /* an NMI, INIT or SIPI is pending */
	bool extint_pending;       /* a maskable interrupt is pending (vlapic or 8259) */
	uint64_t timer_deadline;   /* ns, the earliest armed timer of this vCPU; 0: none */
	unsigned nr_vcpus;         /* vCPUs of the VM */
	bool others_may_wake;      /* another vCPU runs or can be woken by a timer */
};

/* Decide a HLT from view h; for HLT_SLEEP, *sleep_deadline is the deadline
 * to wake at (0: only a kick wakes it; timers cannot end a halt with
 * IF=0). The caller takes the view and acts on the result in one section
 * under the platform lock (vm_sched.c, "Kicks"). */
enum hlt_action hlt_decide(const struct hlt_view *h, uint64_t *sleep_deadline);

/* A maskable interrupt is pending and only the STI / MOV SS interrupt
 * shadow keeps it out (only_shadow_blocks): true when the shadowed
 * instruction, the first of the len bytes at RIP, is HLT, which the caller
 * then completes before injecting (the processor would halt and be woken
 * at once, delivering with the return address after the HLT). */
bool hlt_completes_in_shadow(bool only_shadow_blocks, const uint8_t *insn, int len);

#endif
