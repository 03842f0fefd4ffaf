/* virt.h - hardware virtualization as the rest of plinth sees it: which
 * vendor extension this machine has, what it offers, and whether each CPU
 * has it switched on. The vendor code lives in arch/x86/vmx/ and
 * arch/x86/svm/; nothing outside arch/x86 executes a VMX or SVM instruction. */
#ifndef PLINTH_VIRT_H
#define PLINTH_VIRT_H

#include <plinth/compiler.h>

enum virt_vendor { VIRT_NONE = 0, VIRT_VMX, VIRT_SVM };

/* Feature flags, vendor-neutral where the concept is shared. */
#define VIRT_F_SLAT          BIT(0)   /* EPT / nested paging */
#define VIRT_F_SLAT_1G       BIT(1)   /* 1 GiB second-level pages */
#define VIRT_F_SLAT_2M       BIT(2)
#define VIRT_F_SLAT_AD       BIT(3)   /* EPT accessed/dirty bits */
#define VIRT_F_TAGGED_TLB    BIT(4)   /* VPID / ASID */
#define VIRT_F_UNRESTRICTED  BIT(5)   /* VMX unrestricted guest (SVM: always) */
#define VIRT_F_PREEMPT_TIMER BIT(6)   /* VMX preemption timer */
#define VIRT_F_APIC_VIRT     BIT(7)   /* APICv / AVIC */
#define VIRT_F_POSTED_INTR   BIT(8)
#define VIRT_F_NRIP          BIT(9)   /* SVM next-RIP save (VMX: always has the exit length) */
#define VIRT_F_VMCB_CLEAN    BIT(10)
#define VIRT_F_DECODE_ASSIST BIT(11)
#define VIRT_F_FLUSH_BY_ASID BIT(12)
#define VIRT_F_TSC_SCALING   BIT(13)
#define VIRT_F_PAUSE_FILTER  BIT(14)
#define VIRT_F_INVEPT_SINGLE BIT(15)
#define VIRT_F_INVVPID       BIT(16)

struct virt_info {
	enum virt_vendor vendor;
	uint64_t features;           /* VIRT_F_* */
	uint32_t asid_count;         /* SVM: number of ASIDs; VMX: 65535 with VPID */
	uint8_t preempt_timer_shift; /* VMX: timer counts down every 2^shift TSC ticks */
	char why_none[96];           /* when vendor == VIRT_NONE: the reason */
};

extern struct virt_info virt;

/* On the BSP, once: detect VMX or SVM, decide whether it can be used, log
 * the features. Never panics: a machine without usable virtualization still
 * boots (and says so). */
void virt_detect(void);
/* On every CPU (BSP and APs): switch the extension on (VMXON with this CPU's
 * VMXON region / EFER.SVME with its host-save area). Returns 0 or a negative
 * error, logged; a CPU that fails is left without virtualization. */
int virt_cpu_enable(void);
/* How many CPUs have virtualization switched on. */
unsigned virt_cpus_enabled(void);
/* Short feature list for logs and the console domain's `info`. */
void virt_features_string(char *buf, size_t size);

#endif
