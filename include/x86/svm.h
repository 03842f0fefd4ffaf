/* svm.h - AMD SVM: feature bits and MSRs (AMD APM vol. 2 ch. 15). Only
 * arch/x86/svm/ includes this. */
#ifndef X86_SVM_H
#define X86_SVM_H

#include <plinth/compiler.h>

#define MSR_VM_CR         0xC0010114   /* APM vol. 2 §15.30.1 */
#define MSR_VM_HSAVE_PA   0xC0010117   /* APM vol. 2 §15.30.4 */
#define MSR_IA32_SYSENTER_CS  0x174   /* in the VMCB, switched by VMLOAD/VMSAVE */
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define VM_CR_LOCK        BIT(3)
#define VM_CR_SVMDIS      BIT(4)

/* CPUID 0x8000000A EDX (APM vol. 3 appendix E.4.9 / vol. 2 §15.4). */
#define SVM_CPUID_NP           BIT(0)
#define SVM_CPUID_LBRV         BIT(1)
#define SVM_CPUID_SVML         BIT(2)
#define SVM_CPUID_NRIPS        BIT(3)
#define SVM_CPUID_TSC_RATE     BIT(4)
#define SVM_CPUID_VMCB_CLEAN   BIT(5)
#define SVM_CPUID_FLUSH_ASID   BIT(6)
#define SVM_CPUID_DECODE       BIT(7)
#define SVM_CPUID_PAUSE_FILTER BIT(10)
#define SVM_CPUID_AVIC         BIT(13)

/* Decode CPUID 0x8000000A into VIRT_F_* flags (pure). */
uint64_t svm_features_from_cpuid(uint32_t edx);

/* ------------------------------------------------------------------ VMCB
 * The virtual machine control block (APM vol. 2 appendix B): a 4 KiB page,
 * control area at 0x000, state-save area at 0x400. Offsets are pinned by
 * _Static_assert below. */

/* A segment in the state-save area (APM vol. 2 §15.5.1, Table B-2): the
 * attribute word packs descriptor bits 8-15 and 20-23 as type 3:0, S 4,
 * DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11. */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;        /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;        /* 0x004 */
	uint32_t intercept_exc;       /* 0x008: one bit per vector */
	uint32_t intercept1;          /* 0x00C: SVM_INTERCEPT1_* */
	uint32_t intercept2;          /* 0x010: SVM_INTERCEPT2_* */
	uint32_t intercept3;          /* 0x014 */
	uint8_t reserved1[0x03C - 0x018];
	uint16_t pause_filter_thresh; /* 0x03C */
	uint16_t pause_filter_count;  /* 0x03E */
	uint64_t iopm_base_pa;        /* 0x040 */
	uint64_t msrpm_base_pa;       /* 0x048 */
	uint64_t tsc_offset;          /* 0x050 */
	uint32_t asid;                /* 0x058 */
	uint8_t tlb_control;          /* 0x05C: SVM_TLB_* */
	uint8_t reserved2[3];
	uint64_t v_intr;              /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	uint64_t int_state;           /* 0x068: bit 0 interrupt shadow */
	uint64_t exitcode;            /* 0x070 */
	uint64_t exitinfo1;           /* 0x078 */
	uint64_t exitinfo2;           /* 0x080 */
	uint64_t exitintinfo;         /* 0x088: EVENTINJ format */
	uint64_t np_control;          /* 0x090: bit 0 NP_ENABLE */
	uint64_t avic_apic_bar;       /* 0x098 */
	uint64_t ghcb_pa;             /* 0x0A0 */
	uint64_t eventinj;            /* 0x0A8 */
	uint64_t n_cr3;               /* 0x0B0 */
	uint64_t lbr_virt;            /* 0x0B8 */
	uint32_t clean;               /* 0x0C0: VMCB clean bits */
	uint32_t reserved3;
	uint64_t next_rip;            /* 0x0C8: nRIP (with NRIP save) */
	uint8_t insn_fetched;         /* 0x0D0 (decode assists) */
	uint8_t insn_bytes[15];       /* 0x0D1 */
	uint8_t reserved4[0x400 - 0x0E0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;   /* 0x400.. */
	struct vmcb_seg gdtr, ldtr, idtr, tr;     /* 0x460.. */
	uint8_t reserved1[0x4CB - 0x4A0];
	uint8_t cpl;                  /* 0x4CB */
	uint32_t reserved2;
	uint64_t efer;                /* 0x4D0 */
	uint8_t reserved3[0x548 - 0x4D8];
	uint64_t cr4;                 /* 0x548 */
	uint64_t cr3;                 /* 0x550 */
	uint64_t cr0;                 /* 0x558 */
	uint64_t dr7;                 /* 0x560 */
	uint64_t dr6;                 /* 0x568 */
	uint64_t rflags;              /* 0x570 */
	uint64_t rip;                 /* 0x578 */
	uint8_t reserved4[0x5D8 - 0x580];
	uint64_t rsp;                 /* 0x5D8 */
	uint8_t reserved5[0x5F8 - 0x5E0];
	uint64_t rax;                 /* 0x5F8 */
	uint64_t star;                /* 0x600 */
	uint64_t lstar;               /* 0x608 */
	uint64_t cstar;               /* 0x610 */
	uint64_t sfmask;              /* 0x618 */
	uint64_t kernel_gs_base;      /* 0x620 */
	uint64_t sysenter_cs;         /* 0x628 */
	uint64_t sysenter_esp;        /* 0x630 */
	uint64_t sysenter_eip;        /* 0x638 */
	uint64_t cr2;                 /* 0x640 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;               /* 0x668 */
	uint64_t dbgctl;              /* 0x670 */
	uint64_t br_from;             /* 0x678 */
	uint64_t br_to;               /* 0x680 */
	uint64_t last_excp_from;      /* 0x688 */
	uint64_t last_excp_to;        /* 0x690 */
};

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
	uint8_t reserved[4096 - 0x698];
};

_Static_assert(offsetof(struct vmcb, ctl.iopm_base_pa) == 0x040, "VMCB IOPM_BASE_PA");
_Static_assert(offsetof(struct vmcb, ctl.asid) == 0x058, "VMCB guest ASID");
_Static_assert(offsetof(struct vmcb, ctl.tlb_control) == 0x05C, "VMCB TLB_CONTROL");
_Static_assert(offsetof(struct vmcb, ctl.exitcode) == 0x070, "VMCB EXITCODE");
_Static_assert(offsetof(struct vmcb, ctl.eventinj) == 0x0A8, "VMCB EVENTINJ");
_Static_assert(offsetof(struct vmcb, ctl.n_cr3) == 0x0B0, "VMCB N_CR3");
_Static_assert(offsetof(struct vmcb, ctl.next_rip) == 0x0C8, "VMCB nRIP");
_Static_assert(offsetof(struct vmcb, ctl.insn_bytes) == 0x0D1, "VMCB guest instruction bytes");
_Static_assert(offsetof(struct vmcb, save.es) == 0x400, "VMCB state-save area");
_Static_assert(offsetof(struct vmcb, save.gdtr) == 0x460, "VMCB GDTR");
_Static_assert(offsetof(struct vmcb, save.tr) == 0x490, "VMCB TR");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4CB, "VMCB CPL");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4D0, "VMCB EFER");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB CR4");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB RIP");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5D8, "VMCB RSP");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5F8, "VMCB RAX");
_Static_assert(offsetof(struct vmcb, save.kernel_gs_base) == 0x620, "VMCB KernelGsBase");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB CR2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB G_PAT");
_Static_assert(sizeof(struct vmcb) == 4096, "the VMCB is one page");

/* Intercept vector 1, VMCB offset 0x00C (APM vol. 2 appendix B, Table B-1). */
#define SVM_INTERCEPT1_INTR     BIT(0)
#define SVM_INTERCEPT1_NMI      BIT(1)
#define SVM_INTERCEPT1_SMI      BIT(2)
#define SVM_INTERCEPT1_INIT     BIT(3)
#define SVM_INTERCEPT1_VINTR    BIT(4)
#define SVM_INTERCEPT1_CPUID    BIT(18)
#define SVM_INTERCEPT1_IRET     BIT(20)
#define SVM_INTERCEPT1_INVD     BIT(22)
#define SVM_INTERCEPT1_PAUSE    BIT(23)
#define SVM_INTERCEPT1_HLT      BIT(24)
#define SVM_INTERCEPT1_INVLPGA  BIT(26)
#define SVM_INTERCEPT1_IOIO     BIT(27)
#define SVM_INTERCEPT1_MSR      BIT(28)
#define SVM_INTERCEPT1_TASK_SW  BIT(29)
#define SVM_INTERCEPT1_SHUTDOWN BIT(31)
/* Intercept vector 2, VMCB offset 0x010. */
#define SVM_INTERCEPT2_VMRUN    BIT(0)
#define SVM_INTERCEPT2_VMMCALL  BIT(1)
#define SVM_INTERCEPT2_VMLOAD   BIT(2)
#define SVM_INTERCEPT2_VMSAVE   BIT(3)
#define SVM_INTERCEPT2_STGI     BIT(4)
#define SVM_INTERCEPT2_CLGI     BIT(5)
#define SVM_INTERCEPT2_SKINIT   BIT(6)
#define SVM_INTERCEPT2_WBINVD   BIT(9)
#define SVM_INTERCEPT2_MONITOR  BIT(10)
#define SVM_INTERCEPT2_MWAIT    BIT(11)
#define SVM_INTERCEPT2_MWAIT_C  BIT(12)
#define SVM_INTERCEPT2_XSETBV   BIT(13)

/* TLB_CONTROL (APM vol. 2 §15.16.1). */
#define SVM_TLB_NOTHING        0
#define SVM_TLB_FLUSH_ALL      1    /* every ASID */
#define SVM_TLB_FLUSH_GUEST    3    /* this guest's ASID (FlushByAsid) */

#define SVM_NP_ENABLE          BIT(0)
#define SVM_INT_SHADOW         BIT(0)  /* int_state: interrupt shadow */
#define SVM_V_INTR_MASKING     BIT(24)
#define SVM_V_TPR_MASK         0xFull  /* v_intr bits 3:0: the guest's CR8 (§15.21.4) */

/* EVENTINJ / EXITINTINFO (APM vol. 2 §15.20). */
#define SVM_EVT_VECTOR_MASK    0xFFull
#define SVM_EVT_TYPE_SHIFT     8
#define SVM_EVT_TYPE_INTR      (0ull << 8)
#define SVM_EVT_TYPE_NMI       (2ull << 8)
#define SVM_EVT_TYPE_EXC       (3ull << 8)
#define SVM_EVT_TYPE_SOFT      (4ull << 8)
#define SVM_EVT_TYPE_MASK      (7ull << 8)
#define SVM_EVT_ERROR_VALID    BIT(11)
#define SVM_EVT_VALID          BIT(31)

/* EXITCODEs (APM vol. 2 appendix C). */
#define SVM_EXIT_CR0_READ      0x000   /* 0x000-0x00F read CRn */
#define SVM_EXIT_CR0_WRITE     0x010   /* 0x010-0x01F write CRn */
#define SVM_EXIT_EXCP_BASE     0x040   /* 0x040-0x05F exception vector n */
#define SVM_EXIT_INTR          0x060
#define SVM_EXIT_NMI           0x061
#define SVM_EXIT_SMI           0x062
#define SVM_EXIT_INIT          0x063
#define SVM_EXIT_VINTR         0x064
#define SVM_EXIT_RDTSC         0x06E
#define SVM_EXIT_CPUID         0x072
#define SVM_EXIT_IRET          0x074
#define SVM_EXIT_INVD          0x076
#define SVM_EXIT_PAUSE         0x077
#define SVM_EXIT_HLT           0x078
#define SVM_EXIT_INVLPGA       0x07A
#define SVM_EXIT_IOIO          0x07B
#define SVM_EXIT_MSR           0x07C
#define SVM_EXIT_TASK_SWITCH   0x07D
#define SVM_EXIT_SHUTDOWN      0x07F
#define SVM_EXIT_VMRUN         0x080
#define SVM_EXIT_VMMCALL       0x081
#define SVM_EXIT_VMLOAD        0x082
#define SVM_EXIT_VMSAVE        0x083
#define SVM_EXIT_STGI          0x084
#define SVM_EXIT_CLGI          0x085
#define SVM_EXIT_SKINIT        0x086
#define SVM_EXIT_RDTSCP        0x087
#define SVM_EXIT_WBINVD        0x089
#define SVM_EXIT_MONITOR       0x08A
#define SVM_EXIT_MWAIT         0x08B
#define SVM_EXIT_MWAIT_COND    0x08C
#define SVM_EXIT_XSETBV        0x08D
#define SVM_EXIT_NPF           0x400
#define SVM_EXIT_INVALID       ((uint64_t)-1)

/* IOIO EXITINFO1 (APM vol. 2 §15.10.2, Figure 15-2). */
#define SVM_IOIO_IN            BIT(0)
#define SVM_IOIO_STR           BIT(2)
#define SVM_IOIO_REP           BIT(3)
#define SVM_IOIO_SZ8           BIT(4)
#define SVM_IOIO_SZ16          BIT(5)
#define SVM_IOIO_SZ32          BIT(6)

/* NPF EXITINFO1 error code (APM vol. 2 §15.25.6, the #PF error code bits). */
#define SVM_NPF_PRESENT        BIT(0)
#define SVM_NPF_WRITE          BIT(1)
#define SVM_NPF_USER           BIT(2)
#define SVM_NPF_RSVD           BIT(3)
#define SVM_NPF_FETCH          BIT(4)

/* The exit fields svm_exit_decode() reads, copied from the VMCB. */
struct svm_exit_raw {
	uint64_t exitcode;
	uint64_t exitinfo1;
	uint64_t exitinfo2;
};
struct vm_exit;
/* Decode one #VMEXIT into the vendor-neutral record (pure). insn_len is left
 * 0: the backend fills it (nRIP or instruction decode), except for IOIO,
 * whose EXITINFO2 holds the next RIP; pass the exit's RIP in rip for that.
 * Never fails: unknown codes become EXIT_UNKNOWN with the raw code kept. */
void svm_exit_decode(const struct svm_exit_raw *raw, uint64_t rip, struct vm_exit *out);
/* True if an exit of this kind is caused by an instruction whose length
 * the VMM needs (to skip it). */
bool svm_exit_needs_insn_len(int kind);
/* Check a guest CR0 / CR4 / EFER value against the rules VMRUN enforces
 * and the CPU applies to MOV CR (APM vol. 2 §15.5.1, vol. 2 §3.1). */
bool svm_guest_cr0_valid(uint64_t cr0);
bool svm_guest_cr4_valid(uint64_t cr4);

#endif
