/* vmx_exit.c - turn the VMX exit information fields into plinth's
 * vendor-neutral exit record. Pure (the backend reads the VMCS fields into
 * struct vmx_exit_raw first), so host unit tests can feed any combination.
 * Reference: Intel SDM vol. 3C §28.2 (exit information), appendix C (basic
 * exit reasons). */
#include <plinth/string.h>
#include <plinth/vcpu_ops.h>
#include <x86/vmx.h>

/* The instruction exits whose kind is all the decoding they need (no
 * qualification, no re-injected event): one list for both tables below,
 * the decoder's and the backend's fast path (vmx_insn_exit_kind). */
#define INSN_EXIT_KINDS                          \
	[VMX_EXIT_CPUID] = EXIT_CPUID,           \
	[VMX_EXIT_HLT] = EXIT_HLT,               \
	[VMX_EXIT_INVD] = EXIT_INVD,             \
	[VMX_EXIT_VMCALL] = EXIT_HYPERCALL,      \
	[VMX_EXIT_RDMSR] = EXIT_MSR_READ,        \
	[VMX_EXIT_WRMSR] = EXIT_MSR_WRITE,       \
	[VMX_EXIT_PAUSE] = EXIT_PAUSE,           \
	[VMX_EXIT_WBINVD] = EXIT_WBINVD,         \
	[VMX_EXIT_XSETBV] = EXIT_XSETBV,

/* Basic exit reason -> kind for exits that need no further decoding. Any
 * reason not listed (and not decoded below) is EXIT_UNKNOWN. */
static const uint8_t simple_kind[] = {
	INSN_EXIT_KINDS
	[VMX_EXIT_EXTINT] = EXIT_EXTINT,
	[VMX_EXIT_TRIPLE_FAULT] = EXIT_TRIPLE_FAULT,
	[VMX_EXIT_INIT] = EXIT_INIT,
	[VMX_EXIT_SIPI] = EXIT_SIPI,
	[VMX_EXIT_INTR_WINDOW] = EXIT_INTR_WINDOW,
	[VMX_EXIT_NMI_WINDOW] = EXIT_NMI_WINDOW,
	[VMX_EXIT_MWAIT] = EXIT_MONITOR_MWAIT,
	[VMX_EXIT_MONITOR] = EXIT_MONITOR_MWAIT,
	[VMX_EXIT_PREEMPT_TIMER] = EXIT_PREEMPT_TIMER,
	/* VMCLEAR..VMXON are 19..27; INVEPT 50, INVVPID 53, VMFUNC 59 */
	[19] = EXIT_VIRT_INSN, [20] = EXIT_VIRT_INSN, [21] = EXIT_VIRT_INSN,
	[22] = EXIT_VIRT_INSN, [23] = EXIT_VIRT_INSN, [24] = EXIT_VIRT_INSN,
	[25] = EXIT_VIRT_INSN, [26] = EXIT_VIRT_INSN, [27] = EXIT_VIRT_INSN,
	[VMX_EXIT_INVEPT] = EXIT_VIRT_INSN, [VMX_EXIT_INVVPID] = EXIT_VIRT_INSN,
	[VMX_EXIT_VMFUNC] = EXIT_VIRT_INSN,
};

/* Basic exit reason -> the exit-information fields it does NOT need
 * (VMX_NEED_* bits), so that a reason missing here needs them all.
 * Instruction exits need the length to skip the instruction; the CR, I/O,
 * INIT/SIPI, EPT and virtualization-instruction exits their qualification
 * (SDM vol. 3C §28.2.1 Table 28-1 lists the reasons with one). */
#define ONLY(bits) ((uint8_t)(VMX_NEED_ALL & ~(unsigned)(bits)))
#define INSN ONLY(VMX_NEED_INSN_LEN)
#define INSN_Q ONLY(VMX_NEED_INSN_LEN | VMX_NEED_QUAL)
static const uint8_t exit_not_needed[64] = {
	[VMX_EXIT_EXCEPTION_NMI] = ONLY(VMX_NEED_INTR_INFO | VMX_NEED_IDT_VEC | VMX_NEED_QUAL |
					VMX_NEED_INSN_LEN),
	[VMX_EXIT_EXTINT] = ONLY(0),
	[VMX_EXIT_TRIPLE_FAULT] = ONLY(VMX_NEED_IDT_VEC),
	[VMX_EXIT_INIT] = ONLY(VMX_NEED_QUAL),
	[VMX_EXIT_SIPI] = ONLY(VMX_NEED_QUAL),
	[VMX_EXIT_INTR_WINDOW] = ONLY(0),
	[VMX_EXIT_NMI_WINDOW] = ONLY(0),
	[VMX_EXIT_CPUID] = INSN,
	[VMX_EXIT_HLT] = INSN,
	[VMX_EXIT_INVD] = INSN,
	[VMX_EXIT_VMCALL] = INSN,
	[19] = INSN_Q, [20] = INSN_Q, [21] = INSN_Q, [22] = INSN_Q, [23] = INSN_Q,
	[24] = INSN_Q, [25] = INSN_Q, [26] = INSN_Q, [27] = INSN_Q,
	[VMX_EXIT_CR_ACCESS] = INSN_Q,
	[VMX_EXIT_IO] = INSN_Q,
	[VMX_EXIT_RDMSR] = INSN,
	[VMX_EXIT_WRMSR] = INSN,
	[VMX_EXIT_MWAIT] = INSN_Q,
	[VMX_EXIT_MONITOR] = INSN_Q,
	[VMX_EXIT_PAUSE] = INSN,
	[VMX_EXIT_EPT_VIOLATION] = ONLY(VMX_NEED_QUAL | VMX_NEED_GPA | VMX_NEED_GLA |
					VMX_NEED_IDT_VEC),
	[VMX_EXIT_EPT_MISCONFIG] = ONLY(VMX_NEED_GPA | VMX_NEED_IDT_VEC),
	[VMX_EXIT_INVEPT] = INSN_Q,
	[VMX_EXIT_PREEMPT_TIMER] = ONLY(0),
	[VMX_EXIT_INVVPID] = INSN_Q,
	[VMX_EXIT_WBINVD] = INSN,
	[VMX_EXIT_XSETBV] = INSN,
	[VMX_EXIT_VMFUNC] = INSN_Q,
};
#undef INSN
#undef INSN_Q
#undef ONLY

const uint8_t vmx_insn_exit_kind[VMX_INSN_EXIT_REASONS] = {
	INSN_EXIT_KINDS
};
#undef INSN_EXIT_KINDS

unsigned vmx_exit_needs(uint32_t reason)
{
	uint32_t basic = reason & 0xFFFF;

	/* A failed entry has an exit qualification for invalid guest state
	 * (SDM §27.8); nothing else of it is defined. */
	if (reason & VMX_EXIT_REASON_ENTRY_FAIL)
		return VMX_NEED_QUAL;
	return basic < 64 ? VMX_NEED_ALL & ~(unsigned)exit_not_needed[basic] : VMX_NEED_ALL;
}

/* Decode the raw exit fields (contract in <x86/vmx.h>). */
void vmx_exit_decode(const struct vmx_exit_raw *raw, struct vm_exit *out)
{
	uint32_t basic = raw->reason & 0xFFFF;   /* bits 15:0, SDM §25.9.1 */

	/* Field by field: the union is left as it is, each kind fills its
	 * own part (a memset of the record is a noticeable part of an exit). */
	out->kind = EXIT_UNKNOWN;
	out->raw_reason = raw->reason;
	out->raw_qual = raw->qual;
	/* The exit-instruction length is defined only for exits caused by
	 * instructions (and a few event deliveries); it is 1..15 then
	 * (SDM §28.2.5). Anything else is reported as 0. */
	out->insn_len = (raw->insn_len >= 1 && raw->insn_len <= 15) ? (uint8_t)raw->insn_len : 0;

	if (raw->reason & VMX_EXIT_REASON_ENTRY_FAIL) {
		/* A VM entry that failed after loading guest state (SDM §27.8):
		 * invalid guest state (33), MSR loading (34), machine check (41). */
		out->kind = EXIT_ENTRY_FAILURE;
		out->entry.error = basic;
		out->entry.invalid_guest_state = basic == VMX_EXIT_INVALID_GUEST;
		return;
	}

	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		/* Interruption information (SDM §25.9.2, Table 25-19): type 2 is
		 * an NMI that arrived while the guest ran (NMI exiting). */
		if ((raw->intr_info & VMX_INTR_VALID) &&
		    (raw->intr_info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI) {
			out->kind = EXIT_NMI;
			return;
		}
		out->kind = EXIT_EXCEPTION;
		out->exception.vector = (uint8_t)(raw->intr_info & 0xFF);
		out->exception.has_error = (raw->intr_info & VMX_INTR_HAS_ERROR) != 0;
		out->exception.error_code = out->exception.has_error ? raw->intr_error : 0;
		return;
	case VMX_EXIT_IO: {
		/* Exit qualification for I/O instructions (SDM §28.2.1, Table 28-5):
		 * size-1 in 2:0 (0, 1 or 3), IN in bit 3, string 4, REP 5, port 31:16. */
		unsigned sz = (unsigned)(raw->qual & 7);
		if (sz != 0 && sz != 1 && sz != 3) {
			out->kind = EXIT_UNKNOWN;   /* reserved encoding */
			return;
		}
		out->kind = EXIT_IO;
		out->io.size = (uint8_t)(sz + 1);
		out->io.in = (raw->qual & BIT(3)) != 0;
		out->io.string = (raw->qual & BIT(4)) != 0;
		out->io.rep = (raw->qual & BIT(5)) != 0;
		out->io.port = (uint16_t)(raw->qual >> 16);
		return;
	}
	case VMX_EXIT_CR_ACCESS:
		/* Table 28-3: CR number 3:0, access type 5:4, GPR 11:8, LMSW
		 * source data 31:16. */
		out->kind = EXIT_CR_ACCESS;
		out->cr.cr = (uint8_t)(raw->qual & 0xF);
		out->cr.type = (uint8_t)((raw->qual >> 4) & 3);
		out->cr.gpr = (uint8_t)((raw->qual >> 8) & 0xF);
		out->cr.lmsw_data = (uint16_t)(raw->qual >> 16);
		return;
	case VMX_EXIT_EPT_VIOLATION:
		/* Table 28-7: attempted read/write/fetch in bits 0-2, what the
		 * EPT entry allowed in bits 3-5, guest linear address valid bit 7. */
		out->kind = EXIT_SLAT_VIOLATION;
		out->slat.gpa = raw->guest_phys;
		out->slat.access = (uint8_t)(raw->qual & 7);
		out->slat.allowed = (uint8_t)((raw->qual >> 3) & 7);
		out->slat.gla_valid = (raw->qual & BIT(7)) != 0;
		out->slat.gla = out->slat.gla_valid ? raw->guest_linear : 0;
		return;
	case VMX_EXIT_EPT_MISCONFIG:
		out->kind = EXIT_SLAT_MISCONFIG;
		out->slat.gpa = raw->guest_phys;
		out->slat.gla = 0;
		out->slat.gla_valid = false;
		out->slat.access = out->slat.allowed = 0;
		return;
	default:
		out->kind = basic < ARRAY_SIZE(simple_kind) ? (enum exit_kind)simple_kind[basic]
							    : EXIT_UNKNOWN;
		return;
	}
}

/* VM-instruction error numbers (SDM vol. 3C §31.4, Table 31-1). */
static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t error)
{
	if (error < ARRAY_SIZE(insn_errors) && insn_errors[error])
		return insn_errors[error];
	return "unknown VM-instruction error";
}
