/* svm_exit.c - turn a #VMEXIT's EXITCODE, EXITINFO1 and EXITINFO2 into
 * plinth's vendor-neutral exit record, and the guest control-register
 * checks VMRUN applies. Pure (the backend copies the VMCB fields into
 * struct svm_exit_raw first), so host unit tests can feed any combination.
 * Reference: AMD APM vol. 2 §15.6 (#VMEXIT), appendix C (exit codes). */
#include <plinth/string.h>
#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include <x86/svm.h>

/* Exit code -> kind for exits that need no further decoding (codes
 * 0x060-0x08D). Any code not listed (and not decoded below) is
 * EXIT_UNKNOWN. */
static const uint8_t simple_kind[] = {
	[SVM_EXIT_INTR] = EXIT_EXTINT,
	[SVM_EXIT_NMI] = EXIT_NMI,
	[SVM_EXIT_INIT] = EXIT_INIT,
	[SVM_EXIT_VINTR] = EXIT_INTR_WINDOW,
	[SVM_EXIT_CPUID] = EXIT_CPUID,
	/* The IRET intercept is plinth's NMI window (svm_ops.c). */
	[SVM_EXIT_IRET] = EXIT_NMI_WINDOW,
	[SVM_EXIT_INVD] = EXIT_INVD,
	[SVM_EXIT_PAUSE] = EXIT_PAUSE,
	[SVM_EXIT_HLT] = EXIT_HLT,
	[SVM_EXIT_INVLPGA] = EXIT_VIRT_INSN,
	[SVM_EXIT_SHUTDOWN] = EXIT_TRIPLE_FAULT,
	[SVM_EXIT_VMRUN] = EXIT_VIRT_INSN,
	[SVM_EXIT_VMMCALL] = EXIT_HYPERCALL,
	[SVM_EXIT_VMLOAD] = EXIT_VIRT_INSN,
	[SVM_EXIT_VMSAVE] = EXIT_VIRT_INSN,
	[SVM_EXIT_STGI] = EXIT_VIRT_INSN,
	[SVM_EXIT_CLGI] = EXIT_VIRT_INSN,
	[SVM_EXIT_SKINIT] = EXIT_VIRT_INSN,
	[SVM_EXIT_WBINVD] = EXIT_WBINVD,
	[SVM_EXIT_MONITOR] = EXIT_MONITOR_MWAIT,
	[SVM_EXIT_MWAIT] = EXIT_MONITOR_MWAIT,
	[SVM_EXIT_MWAIT_COND] = EXIT_MONITOR_MWAIT,
	[SVM_EXIT_XSETBV] = EXIT_XSETBV,
};

/* Exceptions that push an error code (APM vol. 2 §8.2, Table 8-1): #DF,
 * #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
#define EXC_WITH_ERROR (BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | \
			BIT(21) | BIT(29) | BIT(30))

void svm_exit_decode(const struct svm_exit_raw *raw, uint64_t rip, struct vm_exit *out)
{
	uint64_t code = raw->exitcode;
	uint64_t info1 = raw->exitinfo1;

	/* Field by field: each kind fills its own part of the union (a
	 * memset of the record is a noticeable part of an exit). */
	out->kind = EXIT_UNKNOWN;
	out->insn_len = 0;
	out->raw_reason = (uint32_t)code;
	out->raw_qual = info1;

	if (code == SVM_EXIT_INVALID) {
		/* VMRUN found illegal guest state or controls (APM §15.5.1): the
		 * guest never ran. */
		out->kind = EXIT_ENTRY_FAILURE;
		out->entry.error = (uint32_t)code;
		out->entry.invalid_guest_state = true;
		return;
	}
	if (code < SVM_EXIT_CR0_WRITE + 16) {
		/* CR read/write intercepts: with decode assists EXITINFO1 bit 63
		 * says a MOV caused it and bits 3:0 name its GPR (APM §15.33.1).
		 * Without that (CLTS, LMSW, or no decode assists) the operand is
		 * unknown: plinth sets no CR intercepts, so such an exit is
		 * reported as unknown rather than guessed. */
		if (!(info1 & BIT(63))) {
			out->kind = EXIT_UNKNOWN;
			return;
		}
		out->kind = EXIT_CR_ACCESS;
		out->cr.cr = (uint8_t)(code & 0xF);
		out->cr.type = code >= SVM_EXIT_CR0_WRITE ? CR_ACCESS_MOV_TO : CR_ACCESS_MOV_FROM;
		out->cr.gpr = (uint8_t)(info1 & 0xF);
		out->cr.lmsw_data = 0;
		return;
	}
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		/* Exception intercepts: EXITINFO1 holds the error code of the
		 * vectors that push one, EXITINFO2 the faulting address of #PF
		 * (APM §15.12). */
		uint8_t vec = (uint8_t)(code - SVM_EXIT_EXCP_BASE);
		out->kind = EXIT_EXCEPTION;
		out->exception.vector = vec;
		out->exception.has_error = (EXC_WITH_ERROR & BIT(vec)) != 0;
		out->exception.error_code = out->exception.has_error ? (uint32_t)info1 : 0;
		return;
	}
	switch (code) {
	case SVM_EXIT_IOIO: {
		/* EXITINFO1 (APM §15.10.2, Figure 15-2): IN bit 0, STR 2, REP 3,
		 * one-hot size SZ8/16/32 in 6:4, port 31:16. EXITINFO2 is the RIP
		 * of the next instruction, with or without NRIP save. */
		unsigned sz = (unsigned)(info1 >> 4) & 7;
		uint64_t next = raw->exitinfo2;
		if (sz != 1 && sz != 2 && sz != 4) {
			out->kind = EXIT_UNKNOWN;   /* not one-hot: reserved */
			return;
		}
		out->kind = EXIT_IO;
		out->io.size = (uint8_t)sz;
		out->io.in = (info1 & SVM_IOIO_IN) != 0;
		out->io.string = (info1 & SVM_IOIO_STR) != 0;
		out->io.rep = (info1 & SVM_IOIO_REP) != 0;
		out->io.port = (uint16_t)(info1 >> 16);
		/* RIP wraps at 4 GiB outside 64-bit mode: compare modulo 2^32
		 * when the high halves differ only by that wrap. */
		if (next - rip >= 1 && next - rip <= INSN_MAX_LEN)
			out->insn_len = (uint8_t)(next - rip);
		else if ((uint32_t)(next - rip) >= 1 && (uint32_t)(next - rip) <= INSN_MAX_LEN)
			out->insn_len = (uint8_t)(uint32_t)(next - rip);
		return;
	}
	case SVM_EXIT_MSR:
		/* EXITINFO1: 0 for RDMSR, 1 for WRMSR (APM §15.11). */
		if (info1 > 1) {
			out->kind = EXIT_UNKNOWN;
			return;
		}
		out->kind = info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		return;
	case SVM_EXIT_NPF: {
		/* EXITINFO1 is a #PF-style error code, EXITINFO2 the faulting
		 * guest-physical address (APM §15.25.6). P=0: nothing mapped,
		 * nothing allowed; P=1: the attempted access is what was denied. */
		uint8_t access = (info1 & SVM_NPF_WRITE) ? SLAT_ACCESS_WRITE
				 : (info1 & SVM_NPF_FETCH) ? SLAT_ACCESS_EXEC : SLAT_ACCESS_READ;
		out->kind = EXIT_SLAT_VIOLATION;
		out->slat.gpa = raw->exitinfo2;
		out->slat.gla = 0;
		out->slat.gla_valid = false;
		out->slat.access = access;
		out->slat.allowed = (info1 & SVM_NPF_PRESENT)
			? (uint8_t)((SLAT_ACCESS_READ | SLAT_ACCESS_WRITE | SLAT_ACCESS_EXEC) & ~access)
			: 0;
		if (info1 & SVM_NPF_RSVD)
			out->kind = EXIT_SLAT_MISCONFIG;   /* reserved bit set: a table bug */
		return;
	}
	default:
		out->kind = code < ARRAY_SIZE(simple_kind) ? (enum exit_kind)simple_kind[code]
							   : EXIT_UNKNOWN;
		return;
	}
}

bool svm_exit_needs_insn_len(int kind)
{
	switch (kind) {
	case EXIT_CPUID: case EXIT_HLT: case EXIT_MSR_READ: case EXIT_MSR_WRITE:
	case EXIT_HYPERCALL: case EXIT_INVD: case EXIT_WBINVD: case EXIT_PAUSE:
	case EXIT_CR_ACCESS: case EXIT_XSETBV:
		return true;
	default:
		return false;
	}
}

/* CR0 (APM vol. 2 §3.1.1, §15.5.1 VMRUN checks): bits 63:32 are MBZ;
 * CD=0 with NW=1 is illegal; PG needs PE. */
bool svm_guest_cr0_valid(uint64_t cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & CR0_NW) && !(cr0 & CR0_CD))
		return false;
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return false;
	return true;
}

/* CR4 (APM vol. 2 §3.1.3): the bits an AMD CPU defines; VMXE (13) and
 * SMXE (14) are Intel's and reserved here; everything above 23 is MBZ. */
bool svm_guest_cr4_valid(uint64_t cr4)
{
	const uint64_t defined = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE |
				 CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT |
				 CR4_UMIP | CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP |
				 CR4_SMAP;
	return (cr4 & ~defined) == 0;
}
