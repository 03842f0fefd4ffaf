/* vmx.h - Intel VMX: capability MSRs, their decoding, and the VMX
 * instructions. Only arch/x86/vmx/ includes this. (Intel SDM vol. 3C
 * ch. 25-30 and appendix A.) */
#ifndef X86_VMX_H
#define X86_VMX_H

#include <plinth/compiler.h>

/* Capability MSRs (SDM vol. 3D appendix A). */
#define MSR_IA32_VMX_BASIC            0x480
#define MSR_IA32_VMX_PINBASED_CTLS    0x481
#define MSR_IA32_VMX_PROCBASED_CTLS   0x482
#define MSR_IA32_VMX_EXIT_CTLS        0x483
#define MSR_IA32_VMX_ENTRY_CTLS       0x484
#define MSR_IA32_VMX_MISC             0x485
#define MSR_IA32_VMX_CR0_FIXED0       0x486
#define MSR_IA32_VMX_CR0_FIXED1       0x487
#define MSR_IA32_VMX_CR4_FIXED0       0x488
#define MSR_IA32_VMX_CR4_FIXED1       0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP     0x48C
#define MSR_IA32_VMX_TRUE_PINBASED    0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED   0x48E
#define MSR_IA32_VMX_TRUE_EXIT        0x48F
#define MSR_IA32_VMX_TRUE_ENTRY       0x490

/* SYSENTER MSRs, held in the VMCS guest-state area (SDM vol. 3C §25.4.1). */
#define MSR_IA32_SYSENTER_CS          0x174
#define MSR_IA32_SYSENTER_ESP         0x175
#define MSR_IA32_SYSENTER_EIP         0x176

/* IA32_FEATURE_CONTROL (SDM vol. 3C §24.7 "Enabling and entering VMX operation"). */
#define FEATURE_CONTROL_LOCK          BIT(0)
#define FEATURE_CONTROL_VMX_IN_SMX    BIT(1)
#define FEATURE_CONTROL_VMX_OUTSIDE   BIT(2)

/* IA32_VMX_BASIC fields (appendix A.1). */
#define VMX_BASIC_REVISION(v)   ((uint32_t)((v) & 0x7FFFFFFF))
#define VMX_BASIC_REGION_SIZE(v) ((uint32_t)(((v) >> 32) & 0x1FFF))
#define VMX_BASIC_MEMTYPE(v)    ((unsigned)(((v) >> 50) & 0xF))
#define VMX_BASIC_TRUE_CTLS     BIT(55)

/* Control bits used to report features (SDM vol. 3C §25.6). */
#define PIN_PREEMPT_TIMER       BIT(6)
#define PIN_POSTED_INTR         BIT(7)
#define PROC_SECONDARY          BIT(31)
#define PROC2_VIRT_APIC_ACCESS  BIT(0)
#define PROC2_EPT               BIT(1)
#define PROC2_VPID              BIT(5)
#define PROC2_UNRESTRICTED      BIT(7)
#define PROC2_APIC_REG_VIRT     BIT(8)
#define PROC2_VIRT_INTR_DELIV   BIT(9)
#define PROC2_TSC_SCALING       BIT(25)

/* IA32_VMX_EPT_VPID_CAP (appendix A.10). */
#define EPT_CAP_WALK4           BIT(6)
#define EPT_CAP_UC              BIT(8)
#define EPT_CAP_WB              BIT(14)
#define EPT_CAP_2M              BIT(16)
#define EPT_CAP_1G              BIT(17)
#define EPT_CAP_INVEPT          BIT(20)
#define EPT_CAP_AD              BIT(21)
#define EPT_CAP_INVEPT_SINGLE   BIT(25)
#define EPT_CAP_INVEPT_ALL      BIT(26)
#define VPID_CAP_INVVPID        BIT(32)

/* What the capability MSRs say, decoded (pure; arch/x86/vmx/vmx_caps.c). */
struct vmx_caps {
	uint32_t revision;
	uint32_t region_size;
	bool true_ctls;
	/* allowed-0 (must be 1) and allowed-1 (may be 1) per control word */
	uint32_t pin_must, pin_may;
	uint32_t proc_must, proc_may;
	uint32_t proc2_may;
	uint32_t exit_must, exit_may;
	uint32_t entry_must, entry_may;
	uint64_t ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint8_t preempt_timer_shift;
};

/* MSR values, indexed by (msr - 0x480) for 0x480..0x490. */
#define VMX_CAP_MSR_COUNT 17

/* Decode the capability MSRs. Returns 0, or -ENOTSUP with *why set when the
 * MSRs describe something VMX structures cannot work with (region size, non
 * write-back VMCS, 32-bit-only addresses, inconsistent control MSRs). */
int vmx_caps_decode(struct vmx_caps *caps, const uint64_t msr[VMX_CAP_MSR_COUNT],
		    const char **why);
/* EPT present with what plinth's EPT code needs (4-level, WB, INVEPT). */
bool vmx_caps_ept_usable(const struct vmx_caps *caps);
/* Compute a control word: want bits requested, forced to what the CPU
 * allows. Returns -ENOTSUP (and the missing bits in *missing) when a wanted
 * bit is not allowed to be 1. (SDM vol. 3D §A.3.1 algorithm 3.) */
int vmx_adjust_controls(uint32_t want, uint32_t must, uint32_t may, uint32_t *out,
			uint32_t *missing);

/* ---- VMCS field encodings (SDM vol. 3D appendix B) ----
 * Segment fields are regular: for segment i in ES,CS,SS,DS,FS,GS,LDTR,TR
 * (enum vcpu_seg order) the selector is 0x0800+2i, limit 0x4800+2i, access
 * rights 0x4814+2i and base 0x6806+2i. */
#define VMCS_VPID                    0x0000
#define VMCS_GUEST_SEL(i)            (0x0800u + 2u * (i))
#define VMCS_HOST_ES_SEL             0x0C00
#define VMCS_HOST_CS_SEL             0x0C02
#define VMCS_HOST_SS_SEL             0x0C04
#define VMCS_HOST_DS_SEL             0x0C06
#define VMCS_HOST_FS_SEL             0x0C08
#define VMCS_HOST_GS_SEL             0x0C0A
#define VMCS_HOST_TR_SEL             0x0C0C
#define VMCS_IO_BITMAP_A             0x2000
#define VMCS_IO_BITMAP_B             0x2002
#define VMCS_MSR_BITMAP              0x2004
#define VMCS_EXIT_MSR_STORE_ADDR     0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR      0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR     0x200A
#define VMCS_TSC_OFFSET              0x2010
#define VMCS_EPT_POINTER             0x201A
#define VMCS_GUEST_PHYS_ADDR         0x2400
#define VMCS_LINK_POINTER            0x2800
#define VMCS_GUEST_DEBUGCTL          0x2802
#define VMCS_GUEST_PAT               0x2804
#define VMCS_GUEST_EFER              0x2806
#define VMCS_HOST_PAT                0x2C00
#define VMCS_HOST_EFER               0x2C02
#define VMCS_PIN_CTLS                0x4000
#define VMCS_PROC_CTLS               0x4002
#define VMCS_EXCEPTION_BITMAP        0x4004
#define VMCS_PF_ERROR_MASK           0x4006
#define VMCS_PF_ERROR_MATCH          0x4008
#define VMCS_CR3_TARGET_COUNT        0x400A
#define VMCS_EXIT_CTLS               0x400C
#define VMCS_EXIT_MSR_STORE_COUNT    0x400E
#define VMCS_EXIT_MSR_LOAD_COUNT     0x4010
#define VMCS_ENTRY_CTLS              0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT    0x4014
#define VMCS_ENTRY_INTR_INFO         0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR   0x4018
#define VMCS_ENTRY_INSN_LEN          0x401A
#define VMCS_TPR_THRESHOLD           0x401C
#define VMCS_PROC2_CTLS              0x401E
#define VMCS_INSN_ERROR              0x4400
#define VMCS_EXIT_REASON             0x4402
#define VMCS_EXIT_INTR_INFO          0x4404
#define VMCS_EXIT_INTR_ERROR         0x4406
#define VMCS_IDT_VECTORING_INFO      0x4408
#define VMCS_IDT_VECTORING_ERROR     0x440A
#define VMCS_EXIT_INSN_LEN           0x440C
#define VMCS_EXIT_INSN_INFO          0x440E
#define VMCS_GUEST_LIMIT(i)          (0x4800u + 2u * (i))
#define VMCS_GUEST_GDTR_LIMIT        0x4810
#define VMCS_GUEST_IDTR_LIMIT        0x4812
#define VMCS_GUEST_AR(i)             (0x4814u + 2u * (i))
#define VMCS_GUEST_INTERRUPTIBILITY  0x4824
#define VMCS_GUEST_ACTIVITY          0x4826
#define VMCS_GUEST_SYSENTER_CS       0x482A
#define VMCS_PREEMPT_TIMER           0x482E
#define VMCS_HOST_SYSENTER_CS        0x4C00
#define VMCS_CR0_MASK                0x6000
#define VMCS_CR4_MASK                0x6002
#define VMCS_CR0_SHADOW              0x6004
#define VMCS_CR4_SHADOW              0x6006
#define VMCS_EXIT_QUAL               0x6400
#define VMCS_GUEST_LINEAR_ADDR       0x640A
#define VMCS_GUEST_CR0               0x6800
#define VMCS_GUEST_CR3               0x6802
#define VMCS_GUEST_CR4               0x6804
#define VMCS_GUEST_BASE(i)           (0x6806u + 2u * (i))
#define VMCS_GUEST_GDTR_BASE         0x6816
#define VMCS_GUEST_IDTR_BASE         0x6818
#define VMCS_GUEST_DR7               0x681A
#define VMCS_GUEST_RSP               0x681C
#define VMCS_GUEST_RIP               0x681E
#define VMCS_GUEST_RFLAGS            0x6820
#define VMCS_GUEST_PENDING_DBG       0x6822
#define VMCS_GUEST_SYSENTER_ESP      0x6824
#define VMCS_GUEST_SYSENTER_EIP      0x6826
#define VMCS_HOST_CR0                0x6C00
#define VMCS_HOST_CR3                0x6C02
#define VMCS_HOST_CR4                0x6C04
#define VMCS_HOST_FS_BASE            0x6C06
#define VMCS_HOST_GS_BASE            0x6C08
#define VMCS_HOST_TR_BASE            0x6C0A
#define VMCS_HOST_GDTR_BASE          0x6C0C
#define VMCS_HOST_IDTR_BASE          0x6C0E
#define VMCS_HOST_SYSENTER_ESP       0x6C10
#define VMCS_HOST_SYSENTER_EIP       0x6C12
#define VMCS_HOST_RSP                0x6C14
#define VMCS_HOST_RIP                0x6C16

/* More execution controls (SDM vol. 3C §25.6.1, §25.6.2, Tables 25-5..25-7). */
#define PIN_EXTINT_EXITING      BIT(0)
#define PIN_NMI_EXITING         BIT(3)
#define PIN_VIRTUAL_NMIS        BIT(5)
#define PROC_NMI_WINDOW_EXITING BIT(22)
#define PROC_TSC_OFFSETTING     BIT(3)
#define PROC_HLT_EXITING        BIT(7)
#define PROC_MWAIT_EXITING      BIT(10)
#define PROC_RDPMC_EXITING      BIT(11)
#define PROC_CR3_LOAD_EXITING   BIT(15)
#define PROC_CR3_STORE_EXITING  BIT(16)
#define PROC_CR8_LOAD_EXITING   BIT(19)
#define PROC_CR8_STORE_EXITING  BIT(20)
#define PROC_USE_IO_BITMAPS     BIT(25)
#define PROC_USE_MSR_BITMAPS    BIT(28)
#define PROC_MONITOR_EXITING    BIT(29)
#define PROC2_RDTSCP            BIT(3)
#define PROC2_INVPCID           BIT(12)
#define PROC2_XSAVES            BIT(20)
/* VM-exit controls (§25.7.1, Table 25-13). */
#define EXIT_CTL_HOST_64BIT     BIT(9)
#define EXIT_CTL_SAVE_PAT       BIT(18)
#define EXIT_CTL_LOAD_PAT       BIT(19)
#define EXIT_CTL_SAVE_EFER      BIT(20)
#define EXIT_CTL_LOAD_EFER      BIT(21)
#define EXIT_CTL_SAVE_PREEMPT_TIMER BIT(22)
/* VM-entry controls (§25.8.1, Table 25-15). */
#define ENTRY_CTL_IA32E_GUEST   BIT(9)
#define ENTRY_CTL_LOAD_PAT      BIT(14)
#define ENTRY_CTL_LOAD_EFER     BIT(15)

/* One entry of a VM-entry/VM-exit MSR-load or MSR-store area (§25.7.2,
 * Table 25-14): 16 bytes, 16-byte aligned area. */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};

/* Segment access rights in the VMCS (§25.4.1, Table 25-2): the descriptor
 * attribute byte pair with AVL/L/DB/G at 12..15, and "unusable" at 16. */
#define VMX_AR_UNUSABLE         BIT(16)

/* Basic exit reasons (SDM vol. 3D appendix C). Bit 31 of the exit reason
 * field says the VM entry failed (§28.2.1). */
#define VMX_EXIT_EXCEPTION_NMI   0
#define VMX_EXIT_EXTINT          1
#define VMX_EXIT_TRIPLE_FAULT    2
#define VMX_EXIT_INIT            3
#define VMX_EXIT_SIPI            4
#define VMX_EXIT_INTR_WINDOW     7
#define VMX_EXIT_NMI_WINDOW      8
#define VMX_EXIT_CPUID           10
#define VMX_EXIT_HLT             12
#define VMX_EXIT_INVD            13
#define VMX_EXIT_TASK_SWITCH     9
#define VMX_EXIT_VMCALL          18
#define VMX_EXIT_VMCLEAR         19
#define VMX_EXIT_VMXON           27
#define VMX_EXIT_CR_ACCESS       28
#define VMX_EXIT_IO              30
#define VMX_EXIT_RDMSR           31
#define VMX_EXIT_WRMSR           32
#define VMX_EXIT_INVALID_GUEST   33
#define VMX_EXIT_MSR_LOADING     34
#define VMX_EXIT_MWAIT           36
#define VMX_EXIT_MONITOR         39
#define VMX_EXIT_PAUSE           40
#define VMX_EXIT_APIC_ACCESS     44
#define VMX_EXIT_MACHINE_CHECK   41
#define VMX_EXIT_EPT_VIOLATION   48
#define VMX_EXIT_EPT_MISCONFIG   49
#define VMX_EXIT_INVEPT          50
#define VMX_EXIT_PREEMPT_TIMER   52
#define VMX_EXIT_INVVPID         53
#define VMX_EXIT_WBINVD          54
#define VMX_EXIT_XSETBV          55
#define VMX_EXIT_VMFUNC          59
#define VMX_EXIT_REASON_ENTRY_FAIL BIT(31)

/* Interruption information (§25.8.3 entry, §25.9.2 exit): vector 7:0,
 * type 10:8, error code valid 11, valid 31. */
#define VMX_INTR_VALID          BIT(31)
#define VMX_INTR_HAS_ERROR      BIT(11)
#define VMX_INTR_TYPE_EXTINT    (0u << 8)
#define VMX_INTR_TYPE_NMI       (2u << 8)
#define VMX_INTR_TYPE_HW_EXC    (3u << 8)
#define VMX_INTR_TYPE_SOFT_INT  (4u << 8)
#define VMX_INTR_TYPE_MASK      (7u << 8)

/* Guest interruptibility state (§25.4.2, Table 25-3). */
#define VMX_INTERRUPTIBILITY_STI    BIT(0)
#define VMX_INTERRUPTIBILITY_MOVSS  BIT(1)
#define VMX_INTERRUPTIBILITY_NMI    BIT(3)   /* blocking by NMI (virtual NMIs) */

/* The exit fields the decoder reads, gathered by the backend so decoding
 * is pure (arch/x86/vmx/vmx_exit.c). */
struct vmx_exit_raw {
	uint32_t reason;        /* VMCS_EXIT_REASON */
	uint64_t qual;          /* VMCS_EXIT_QUAL */
	uint32_t insn_len;      /* VMCS_EXIT_INSN_LEN */
	uint32_t intr_info;     /* VMCS_EXIT_INTR_INFO */
	uint32_t intr_error;    /* VMCS_EXIT_INTR_ERROR */
	uint64_t guest_phys;    /* VMCS_GUEST_PHYS_ADDR */
	uint64_t guest_linear;  /* VMCS_GUEST_LINEAR_ADDR */
	uint32_t insn_error;    /* VMCS_INSN_ERROR (entry failures by VMfailValid) */
};
/* Which exit-information fields an exit needs read (vmx_exit_needs()):
 * the backend reads the exit reason, RIP, RSP and RFLAGS at every exit and
 * only these others when the reason uses them (a VMREAD per field per exit
 * is most of the exit path's cost). */
#define VMX_NEED_QUAL      BIT(0)   /* exit qualification */
#define VMX_NEED_INSN_LEN  BIT(1)   /* VM-exit instruction length */
#define VMX_NEED_INTR_INFO BIT(2)   /* exit interruption information and error code */
#define VMX_NEED_GPA       BIT(3)   /* guest-physical address */
#define VMX_NEED_GLA       BIT(4)   /* guest linear address */
/* IDT-vectoring information: valid only for exits that can happen while
 * an event is delivered through the IDT (SDM vol. 3C §28.2.4): exceptions,
 * EPT violations and misconfigurations, task switches, APIC accesses,
 * triple faults. */
#define VMX_NEED_IDT_VEC   BIT(5)
#define VMX_NEED_ALL       0x3Fu
/* The fields exit reason (the full field, bit 31 included) needs;
 * VMX_NEED_ALL for reasons plinth does not decode (their log shows all). */
unsigned vmx_exit_needs(uint32_t reason);
/* The exits caused by an instruction that need nothing but its length
 * (VMX_NEED_INSN_LEN alone, no qualification, no IDT-vectoring
 * information): the kind, indexed by the full exit reason, 0 for any
 * other; reasons at or above VMX_INSN_EXIT_REASONS are none of them. The
 * backend decodes these (CPUID, VMCALL, HLT, RDMSR...) without
 * vmx_exit_decode(), with the same result. */
#define VMX_INSN_EXIT_REASONS 64
extern const uint8_t vmx_insn_exit_kind[VMX_INSN_EXIT_REASONS];
struct vm_exit;
/* Decode one exit into the vendor-neutral record. Never fails: reasons
 * plinth does not know become EXIT_UNKNOWN with the raw reason kept. */
void vmx_exit_decode(const struct vmx_exit_raw *raw, struct vm_exit *out);
/* Text for a VM-instruction error number (SDM vol. 3C §31.4, Table 31-1). */
const char *vmx_insn_error_name(uint32_t error);

/* The control words and CR masks one VMCS uses, computed once from the
 * capabilities (arch/x86/vmx/vmx_controls.c, pure). */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	bool vpid;              /* PROC2_VPID is set */
	uint64_t cr0_mask;      /* CR0 bits owned by plinth (guest/host mask) */
	uint64_t cr4_mask;
	uint64_t cr0_fixed0;    /* bits that must be 1 in the real CR0 (PE/PG excepted) */
	uint64_t cr0_fixed1;    /* bits that may be 1 */
	uint64_t cr4_fixed0;
	uint64_t cr4_fixed1;
};
/* Compute the controls plinth runs guests with: HLT, MWAIT/MONITOR, I/O
 * and MSR bitmaps, external-interrupt and NMI exiting, EPT, unrestricted
 * guest, EFER and PAT switching, TSC offsetting, CR8 exiting; VPID, RDTSCP and
 * INVPCID when the
 * CPU offers them. Returns 0, or -ENOTSUP with *why naming what is missing. */
int vmx_controls_compute(const struct vmx_caps *caps, struct vmx_controls *out,
			 const char **why);
/* The real CR0/CR4 for a guest-visible value: the VMX fixed bits applied
 * (SDM vol. 3D §A.7, §A.8; PE and PG are free under unrestricted guest,
 * §26.3.1.1). */
uint64_t vmx_real_cr0(const struct vmx_controls *c, uint64_t guest_value);
uint64_t vmx_real_cr4(const struct vmx_controls *c, uint64_t guest_value);
/* Would MOV to CR0/CR4 of value raise #GP on the CPU the guest sees (SDM
 * vol. 3 §2.5, MOV CR instruction reference)? CR4.VMXE and SMXE are
 * reserved for guests: CPUID hides VMX and SMX. */
bool vmx_guest_cr0_valid(uint64_t value);
bool vmx_guest_cr4_valid(const struct vmx_controls *c, uint64_t value);

#ifndef PLINTH_HOST_TEST
/* VMXON: CF=1 (VMfailInvalid) or ZF=1 (VMfailValid) mean failure. */
static inline int vmx_on(paddr_t region)
{
	uint8_t fail;
	__asm__ __volatile__("vmxon %1; setna %0" : "=qm"(fail) : "m"(region) : "cc", "memory");
	return fail ? -EIO : 0;
}
static inline void vmx_off(void)
{
	__asm__ __volatile__("vmxoff" ::: "cc", "memory");
}
/* The VMCS instructions (SDM vol. 3C §31.3). Failure is CF=1 or ZF=1. */
static inline int vmx_clear(paddr_t vmcs)
{
	uint8_t fail;
	__asm__ __volatile__("vmclear %1; setna %0" : "=qm"(fail) : "m"(vmcs) : "cc", "memory");
	return fail ? -EIO : 0;
}
static inline int vmx_ptrld(paddr_t vmcs)
{
	uint8_t fail;
	__asm__ __volatile__("vmptrld %1; setna %0" : "=qm"(fail) : "m"(vmcs) : "cc", "memory");
	return fail ? -EIO : 0;
}
/* vmread/vmwrite of a field the CPU knows cannot fail with a current VMCS;
 * the checked variants exist for the failure dump. */
static inline int vmx_read_checked(uint64_t field, uint64_t *value)
{
	uint8_t fail;
	__asm__ __volatile__("vmread %2, %1; setna %0" : "=qm"(fail), "=rm"(*value) : "r"(field) : "cc");
	return fail ? -EIO : 0;
}
static inline int vmx_write_checked(uint64_t field, uint64_t value)
{
	uint8_t fail;
	__asm__ __volatile__("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"(field), "rm"(value) : "cc", "memory");
	return fail ? -EIO : 0;
}
/* INVEPT / INVVPID descriptors and types (§31.3 INVEPT, INVVPID). */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT   2
static inline int vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	uint8_t fail;
	__asm__ __volatile__("invept %1, %2; setna %0" : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return fail ? -EIO : 0;
}
static inline int vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, gla; } desc = { vpid, 0 };
	uint8_t fail;
	__asm__ __volatile__("invvpid %1, %2; setna %0" : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return fail ? -EIO : 0;
}
#endif

#endif
