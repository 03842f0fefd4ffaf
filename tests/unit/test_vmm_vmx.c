/* test_vmm_vmx.c - the pure parts of the VMX backend: exit decoding into
 * the vendor-neutral record (arch/x86/vmx/vmx_exit.c) and the control
 * words computed from capability MSRs (arch/x86/vmx/vmx_controls.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include <x86/vmx.h>
#include "host_support.h"

#define IDX(m) ((m) - MSR_IA32_VMX_BASIC)

static void decode(uint32_t reason, uint64_t qual, uint32_t len, struct vm_exit *e)
{
	struct vmx_exit_raw raw = { .reason = reason, .qual = qual, .insn_len = len,
				    .guest_phys = 0xFEE00123, .guest_linear = 0xC0001000 };
	vmx_exit_decode(&raw, e);
}

static void test_simple_reasons(void **state)
{
	struct vm_exit e;
	decode(VMX_EXIT_CPUID, 0, 2, &e);
	assert_int_equal(e.kind, EXIT_CPUID);
	assert_int_equal(e.insn_len, 2);
	assert_int_equal(e.raw_reason, VMX_EXIT_CPUID);
	decode(VMX_EXIT_HLT, 0, 1, &e);
	assert_int_equal(e.kind, EXIT_HLT);
	decode(VMX_EXIT_VMCALL, 0, 3, &e);
	assert_int_equal(e.kind, EXIT_HYPERCALL);
	decode(VMX_EXIT_RDMSR, 0, 2, &e);
	assert_int_equal(e.kind, EXIT_MSR_READ);
	decode(VMX_EXIT_WRMSR, 0, 2, &e);
	assert_int_equal(e.kind, EXIT_MSR_WRITE);
	decode(VMX_EXIT_TRIPLE_FAULT, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_TRIPLE_FAULT);
	assert_int_equal(e.insn_len, 0);
	decode(VMX_EXIT_EXTINT, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_EXTINT);
	for (uint32_t r = 19; r <= 27; r++) {       /* VMCLEAR..VMXON */
		decode(r, 0, 3, &e);
		assert_int_equal(e.kind, EXIT_VIRT_INSN);
	}
	decode(VMX_EXIT_INVEPT, 0, 4, &e);
	assert_int_equal(e.kind, EXIT_VIRT_INSN);
	decode(VMX_EXIT_MWAIT, 0, 3, &e);
	assert_int_equal(e.kind, EXIT_MONITOR_MWAIT);
	decode(VMX_EXIT_WBINVD, 0, 2, &e);
	assert_int_equal(e.kind, EXIT_WBINVD);
}

static void test_unknown_and_bad_length(void **state)
{
	struct vm_exit e;
	decode(5, 0, 0, &e);          /* I/O SMI: not handled */
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	assert_int_equal(e.raw_reason, 5);
	decode(200, 0, 0, &e);        /* beyond the table */
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	decode(0xFFFF, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	/* Lengths outside 1..15 are not instruction lengths. */
	decode(VMX_EXIT_CPUID, 0, 16, &e);
	assert_int_equal(e.insn_len, 0);
	decode(VMX_EXIT_CPUID, 0, 0xFFFFFFFF, &e);
	assert_int_equal(e.insn_len, 0);
	decode(VMX_EXIT_CPUID, 0, 15, &e);
	assert_int_equal(e.insn_len, 15);
}

static void test_io(void **state)
{
	struct vm_exit e;
	/* OUT DX, AL to 0x3F8: size 0 (1 byte), direction 0, port in 31:16. */
	decode(VMX_EXIT_IO, 0x03F80000, 1, &e);
	assert_int_equal(e.kind, EXIT_IO);
	assert_int_equal(e.io.port, 0x3F8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_false(e.io.string);
	/* IN EAX, 0xF4 (size 3 = 4 bytes, IN, immediate operand). */
	decode(VMX_EXIT_IO, 0x00F40000 | 0x40 | 0x8 | 3, 2, &e);
	assert_int_equal(e.io.port, 0xF4);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.in);
	/* REP OUTSW to 0xFFFF. */
	decode(VMX_EXIT_IO, 0xFFFF0000ULL | 0x20 | 0x10 | 1, 2, &e);
	assert_int_equal(e.io.port, 0xFFFF);
	assert_int_equal(e.io.size, 2);
	assert_true(e.io.string);
	assert_true(e.io.rep);
	/* Size encoding 2 is reserved (SDM Table 28-5). */
	decode(VMX_EXIT_IO, 0x03F80002, 1, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
}

static void test_cr_access(void **state)
{
	struct vm_exit e;
	/* MOV CR4, RBX: CR 4, type 0, GPR 3. */
	decode(VMX_EXIT_CR_ACCESS, 0x304, 3, &e);
	assert_int_equal(e.kind, EXIT_CR_ACCESS);
	assert_int_equal(e.cr.cr, 4);
	assert_int_equal(e.cr.type, CR_ACCESS_MOV_TO);
	assert_int_equal(e.cr.gpr, INSN_RBX);
	/* MOV R15, CR3: type 1, GPR 15. */
	decode(VMX_EXIT_CR_ACCESS, 0xF13, 3, &e);
	assert_int_equal(e.cr.cr, 3);
	assert_int_equal(e.cr.type, CR_ACCESS_MOV_FROM);
	assert_int_equal(e.cr.gpr, INSN_R15);
	/* LMSW with source 0x000B. */
	decode(VMX_EXIT_CR_ACCESS, 0x000B0030, 3, &e);
	assert_int_equal(e.cr.type, CR_ACCESS_LMSW);
	assert_int_equal(e.cr.lmsw_data, 0xB);
	decode(VMX_EXIT_CR_ACCESS, 0x20, 2, &e);
	assert_int_equal(e.cr.type, CR_ACCESS_CLTS);
}

static void test_ept_violation(void **state)
{
	struct vm_exit e;
	/* Write to a not-present page, linear address valid. */
	decode(VMX_EXIT_EPT_VIOLATION, 0x82, 0, &e);
	assert_int_equal(e.kind, EXIT_SLAT_VIOLATION);
	assert_int_equal(e.slat.gpa, 0xFEE00123);
	assert_int_equal(e.slat.access, SLAT_ACCESS_WRITE);
	assert_int_equal(e.slat.allowed, 0);
	assert_true(e.slat.gla_valid);
	assert_int_equal(e.slat.gla, 0xC0001000);
	/* Fetch from a read-only page, no linear address. */
	decode(VMX_EXIT_EPT_VIOLATION, 0x4 | 0x8, 0, &e);
	assert_int_equal(e.slat.access, SLAT_ACCESS_EXEC);
	assert_int_equal(e.slat.allowed, SLAT_ACCESS_READ);
	assert_false(e.slat.gla_valid);
	assert_int_equal(e.slat.gla, 0);
	decode(VMX_EXIT_EPT_MISCONFIG, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_SLAT_MISCONFIG);
	assert_int_equal(e.slat.gpa, 0xFEE00123);
}

static void test_exception_and_nmi(void **state)
{
	struct vmx_exit_raw raw = { .reason = VMX_EXIT_EXCEPTION_NMI,
				    .intr_info = VMX_INTR_VALID | VMX_INTR_TYPE_HW_EXC |
						 VMX_INTR_HAS_ERROR | 13,
				    .intr_error = 0x18 };
	struct vm_exit e;
	vmx_exit_decode(&raw, &e);
	assert_int_equal(e.kind, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 13);
	assert_true(e.exception.has_error);
	assert_int_equal(e.exception.error_code, 0x18);
	raw.intr_info = VMX_INTR_VALID | VMX_INTR_TYPE_HW_EXC | 6;
	vmx_exit_decode(&raw, &e);
	assert_false(e.exception.has_error);
	assert_int_equal(e.exception.error_code, 0);
	raw.intr_info = VMX_INTR_VALID | VMX_INTR_TYPE_NMI | 2;
	vmx_exit_decode(&raw, &e);
	assert_int_equal(e.kind, EXIT_NMI);
}

static void test_entry_failure(void **state)
{
	struct vm_exit e;
	decode(VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_INVALID_GUEST, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_ENTRY_FAILURE);
	assert_true(e.entry.invalid_guest_state);
	assert_int_equal(e.entry.error, VMX_EXIT_INVALID_GUEST);
	decode(VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_MSR_LOADING, 1, 0, &e);
	assert_int_equal(e.kind, EXIT_ENTRY_FAILURE);
	assert_false(e.entry.invalid_guest_state);
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(14), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(0xFFFFFFFF), "unknown VM-instruction error");
}

/* Capability MSRs of an imaginary Skylake-class CPU with true controls,
 * EPT, VPID and unrestricted guest (hand-made to the layout of SDM vol. 3D
 * appendix A, not read from a machine). */
static void skylake_msrs(uint64_t m[VMX_CAP_MSR_COUNT])
{
	memset(m, 0, VMX_CAP_MSR_COUNT * sizeof(m[0]));
	m[IDX(MSR_IA32_VMX_BASIC)] = 0x00DA040000000001ULL | (6ULL << 50) | VMX_BASIC_TRUE_CTLS;
	m[IDX(MSR_IA32_VMX_TRUE_PINBASED)] = 0x000000FF00000016ULL;
	m[IDX(MSR_IA32_VMX_TRUE_PROCBASED)] = 0xFFF9FFFE04006172ULL;
	m[IDX(MSR_IA32_VMX_PROCBASED_CTLS)] = 0xFFF9FFFE0401E172ULL;
	m[IDX(MSR_IA32_VMX_PROCBASED_CTLS2)] = 0x000BFFBF00000000ULL;
	m[IDX(MSR_IA32_VMX_TRUE_EXIT)] = 0x01FFFFFF00036DFBULL;
	m[IDX(MSR_IA32_VMX_TRUE_ENTRY)] = 0x0003FFFF000011FBULL;
	m[IDX(MSR_IA32_VMX_EPT_VPID_CAP)] = 0x00000F0106734141ULL;
	m[IDX(MSR_IA32_VMX_CR0_FIXED0)] = 0x80000021ULL;
	m[IDX(MSR_IA32_VMX_CR0_FIXED1)] = 0xFFFFFFFFULL;
	m[IDX(MSR_IA32_VMX_CR4_FIXED0)] = 0x2000ULL;
	m[IDX(MSR_IA32_VMX_CR4_FIXED1)] = 0x3767FFULL;
	m[IDX(MSR_IA32_VMX_MISC)] = 0x5;
}

static void test_controls_skylake(void **state)
{
	uint64_t m[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	struct vmx_controls c;
	const char *why;

	skylake_msrs(m);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), 0);
	assert_null(why);
	assert_true(c.pin & PIN_EXTINT_EXITING);
	assert_true(c.pin & PIN_NMI_EXITING);
	assert_true((c.pin & caps.pin_must) == caps.pin_must);
	assert_true(c.proc & PROC_HLT_EXITING);
	assert_true(c.proc & PROC_USE_IO_BITMAPS);
	assert_true(c.proc & PROC_USE_MSR_BITMAPS);
	assert_true(c.proc & PROC_SECONDARY);
	/* Guest RDTSC runs on the offset clock, MOV CR8 exits (no TPR
	 * shadow), XSAVES stays off (hidden in CPUID). */
	assert_true(c.proc & PROC_TSC_OFFSETTING);
	assert_false(c.proc & BIT(12));            /* RDTSC exiting */
	assert_true(c.proc & PROC_CR8_LOAD_EXITING);
	assert_true(c.proc & PROC_CR8_STORE_EXITING);
	assert_false(c.proc2 & PROC2_XSAVES);
	/* True controls let CR3 exiting be 0 with EPT. */
	assert_false(c.proc & PROC_CR3_LOAD_EXITING);
	assert_true((c.proc & ~caps.proc_may) == 0);
	assert_true(c.proc2 & PROC2_EPT);
	assert_true(c.proc2 & PROC2_UNRESTRICTED);
	assert_true(c.proc2 & PROC2_VPID);
	assert_true(c.vpid);
	assert_true(c.exit & EXIT_CTL_HOST_64BIT);
	assert_true(c.exit & EXIT_CTL_LOAD_EFER);
	/* Saved preemption timer exactly when the CPU offers it. */
	assert_int_equal((c.exit & EXIT_CTL_SAVE_PREEMPT_TIMER) != 0,
			 (caps.exit_may & EXIT_CTL_SAVE_PREEMPT_TIMER) &&
			 (caps.pin_may & PIN_PREEMPT_TIMER));
	assert_true((c.exit & ~caps.exit_may) == 0);
	assert_true(c.entry & ENTRY_CTL_LOAD_EFER);
	assert_false(c.entry & ENTRY_CTL_IA32E_GUEST);
	/* PE and PG are free under unrestricted guest; NE is forced. */
	assert_int_equal(c.cr0_fixed0, CR0_NE);
	assert_int_equal(c.cr0_mask, CR0_NE | CR0_CD | CR0_NW);
	assert_true(c.cr4_mask & CR4_VMXE);
	assert_int_equal(vmx_real_cr0(&c, CR0_PE | CR0_ET), CR0_PE | CR0_ET | CR0_NE);
	assert_int_equal(vmx_real_cr0(&c, 0), CR0_NE);
	assert_int_equal(vmx_real_cr4(&c, 0), CR4_VMXE);
}

static void test_controls_missing_features(void **state)
{
	uint64_t m[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	struct vmx_controls c;
	const char *why;

	/* No unrestricted guest (bit 7 of the secondary allowed-1 half). */
	skylake_msrs(m);
	m[IDX(MSR_IA32_VMX_PROCBASED_CTLS2)] &= ~(PROC2_UNRESTRICTED << 32);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), -ENOTSUP);
	assert_non_null(strstr(why, "unrestricted"));
	/* No HLT exiting allowed. */
	skylake_msrs(m);
	m[IDX(MSR_IA32_VMX_TRUE_PROCBASED)] &= ~(PROC_HLT_EXITING << 32);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), -ENOTSUP);
	assert_non_null(why);
	/* No CR8-load exiting: a guest could write the host's TPR. */
	skylake_msrs(m);
	m[IDX(MSR_IA32_VMX_TRUE_PROCBASED)] &= ~((uint64_t)PROC_CR8_LOAD_EXITING << 32);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), -ENOTSUP);
	assert_non_null(strstr(why, "CR8"));
	/* No EFER loading on exit. */
	skylake_msrs(m);
	m[IDX(MSR_IA32_VMX_TRUE_EXIT)] &= ~(EXIT_CTL_LOAD_EFER << 32);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), -ENOTSUP);
	assert_non_null(strstr(why, "EFER"));
	/* VPID without INVVPID is not used. */
	skylake_msrs(m);
	m[IDX(MSR_IA32_VMX_EPT_VPID_CAP)] &= ~VPID_CAP_INVVPID;
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), 0);
	assert_false(c.proc2 & PROC2_VPID);
	assert_false(c.vpid);
}

static void test_guest_cr_checks(void **state)
{
	uint64_t m[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	struct vmx_controls c;
	const char *why;

	skylake_msrs(m);
	assert_int_equal(vmx_caps_decode(&caps, m, &why), 0);
	assert_int_equal(vmx_controls_compute(&caps, &c, &why), 0);
	assert_true(vmx_guest_cr0_valid(CR0_PE | CR0_ET));
	assert_true(vmx_guest_cr0_valid(0x60000010));        /* power-on value */
	assert_true(vmx_guest_cr0_valid(CR0_PG | CR0_PE));
	assert_false(vmx_guest_cr0_valid(CR0_PG));           /* PG without PE */
	assert_false(vmx_guest_cr0_valid(CR0_NW));           /* NW without CD */
	assert_false(vmx_guest_cr0_valid(1ULL << 32));
	assert_true(vmx_guest_cr4_valid(&c, CR4_PAE | CR4_PSE));
	assert_false(vmx_guest_cr4_valid(&c, CR4_VMXE));     /* VMX hidden */
	assert_false(vmx_guest_cr4_valid(&c, CR4_SMXE));
	assert_false(vmx_guest_cr4_valid(&c, 1ULL << 40));
}

/* Which exit fields the backend reads per reason: instruction exits the
 * length, CR/IO/EPT the qualification, EPT the addresses and IDT-vectoring
 * information; unknown reasons everything; failed entries the
 * qualification only. */
/* The backend's fast decode (vmx_insn_exit_kind) must agree with
 * vmx_exit_needs and vmx_exit_decode for every reason it covers, and cover
 * only exits that need nothing but the instruction length. */
static void test_insn_exit_fast_table(void **state)
{
	unsigned covered = 0;

	(void)state;
	for (uint32_t reason = 0; reason < VMX_INSN_EXIT_REASONS; reason++) {
		struct vm_exit e;
		if (!vmx_insn_exit_kind[reason])
			continue;
		covered++;
		assert_int_equal(vmx_exit_needs(reason), VMX_NEED_INSN_LEN);
		decode(reason, 0, 3, &e);
		assert_int_equal(e.kind, vmx_insn_exit_kind[reason]);
		assert_int_equal(e.insn_len, 3);
	}
	/* CPUID, HLT, INVD, VMCALL, RDMSR, WRMSR, PAUSE, WBINVD, XSETBV. */
	assert_int_equal(covered, 9);
	assert_int_equal(vmx_insn_exit_kind[VMX_EXIT_CPUID], EXIT_CPUID);
	assert_int_equal(vmx_insn_exit_kind[VMX_EXIT_IO], 0);
	assert_int_equal(vmx_insn_exit_kind[VMX_EXIT_EPT_VIOLATION], 0);
	assert_int_equal(vmx_insn_exit_kind[VMX_EXIT_PREEMPT_TIMER], 0);
}

static void test_exit_needs(void **state)
{
	assert_int_equal(vmx_exit_needs(VMX_EXIT_CPUID), VMX_NEED_INSN_LEN);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_VMCALL), VMX_NEED_INSN_LEN);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_IO), VMX_NEED_INSN_LEN | VMX_NEED_QUAL);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_CR_ACCESS), VMX_NEED_INSN_LEN | VMX_NEED_QUAL);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_EXTINT), 0);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_PREEMPT_TIMER), 0);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_NMI_WINDOW), 0);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_EPT_VIOLATION),
			 VMX_NEED_QUAL | VMX_NEED_GPA | VMX_NEED_GLA | VMX_NEED_IDT_VEC);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_EPT_MISCONFIG), VMX_NEED_GPA | VMX_NEED_IDT_VEC);
	assert_true(vmx_exit_needs(VMX_EXIT_EXCEPTION_NMI) & VMX_NEED_INTR_INFO);
	assert_true(vmx_exit_needs(VMX_EXIT_EXCEPTION_NMI) & VMX_NEED_IDT_VEC);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_SIPI), VMX_NEED_QUAL);
	/* Not decoded by plinth: everything, for the log. */
	assert_int_equal(vmx_exit_needs(VMX_EXIT_TASK_SWITCH), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_APIC_ACCESS), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(63), VMX_NEED_ALL);
	assert_int_equal(vmx_exit_needs(0xFFFF), VMX_NEED_ALL);
	/* Bits 31:16 other than the entry-failure bit do not change the answer. */
	assert_int_equal(vmx_exit_needs(VMX_EXIT_CPUID | BIT(27)), VMX_NEED_INSN_LEN);
	assert_int_equal(vmx_exit_needs(VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_INVALID_GUEST),
			 VMX_NEED_QUAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_reasons),
		cmocka_unit_test(test_unknown_and_bad_length),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_cr_access),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_exception_and_nmi),
		cmocka_unit_test(test_entry_failure),
		cmocka_unit_test(test_controls_skylake),
		cmocka_unit_test(test_controls_missing_features),
		cmocka_unit_test(test_guest_cr_checks),
		cmocka_unit_test(test_exit_needs),
		cmocka_unit_test(test_insn_exit_fast_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
