/* test_svm_exit.c - the pure part of the SVM backend: #VMEXIT decoding into
 * the vendor-neutral record and the guest CR0/CR4 checks
 * (arch/x86/svm/svm_exit.c), plus the VMCB layout the header pins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include <x86/svm.h>
#include "host_support.h"

static void decode(uint64_t code, uint64_t info1, uint64_t info2, uint64_t rip, struct vm_exit *e)
{
	struct svm_exit_raw raw = { .exitcode = code, .exitinfo1 = info1, .exitinfo2 = info2 };
	memset(e, 0xA5, sizeof(*e));   /* the decoder must set what the kind uses */
	svm_exit_decode(&raw, rip, e);
}

static void test_simple_codes(void **state)
{
	static const struct { uint64_t code; enum exit_kind kind; } cases[] = {
		{ SVM_EXIT_CPUID, EXIT_CPUID }, { SVM_EXIT_HLT, EXIT_HLT },
		{ SVM_EXIT_VMMCALL, EXIT_HYPERCALL }, { SVM_EXIT_INTR, EXIT_EXTINT },
		{ SVM_EXIT_NMI, EXIT_NMI }, { SVM_EXIT_INIT, EXIT_INIT },
		{ SVM_EXIT_VINTR, EXIT_INTR_WINDOW }, { SVM_EXIT_SHUTDOWN, EXIT_TRIPLE_FAULT },
		{ SVM_EXIT_IRET, EXIT_NMI_WINDOW },
		{ SVM_EXIT_INVD, EXIT_INVD }, { SVM_EXIT_WBINVD, EXIT_WBINVD },
		{ SVM_EXIT_PAUSE, EXIT_PAUSE }, { SVM_EXIT_XSETBV, EXIT_XSETBV },
		{ SVM_EXIT_MONITOR, EXIT_MONITOR_MWAIT }, { SVM_EXIT_MWAIT, EXIT_MONITOR_MWAIT },
		{ SVM_EXIT_MWAIT_COND, EXIT_MONITOR_MWAIT },
		{ SVM_EXIT_VMRUN, EXIT_VIRT_INSN }, { SVM_EXIT_VMLOAD, EXIT_VIRT_INSN },
		{ SVM_EXIT_VMSAVE, EXIT_VIRT_INSN }, { SVM_EXIT_STGI, EXIT_VIRT_INSN },
		{ SVM_EXIT_CLGI, EXIT_VIRT_INSN }, { SVM_EXIT_SKINIT, EXIT_VIRT_INSN },
		{ SVM_EXIT_INVLPGA, EXIT_VIRT_INSN },
	};
	struct vm_exit e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		decode(cases[i].code, 0x1234, 0, 0x1000, &e);
		assert_int_equal(e.kind, cases[i].kind);
		assert_int_equal(e.raw_reason, (uint32_t)cases[i].code);
		assert_int_equal(e.raw_qual, 0x1234);
		assert_int_equal(e.insn_len, 0);   /* the backend fills it */
	}
}

static void test_unknown_codes(void **state)
{
	struct vm_exit e;
	/* Codes plinth does not intercept or know, including ones past every
	 * table and in the gaps. */
	const uint64_t codes[] = { SVM_EXIT_SMI, SVM_EXIT_RDTSC, SVM_EXIT_TASK_SWITCH,
				   SVM_EXIT_RDTSCP, 0x08F, 0x3FF, 0x401, 0x403, 0xFFFFFFFFull,
				   0x100000000ull, (uint64_t)-2 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		decode(codes[i], 0, 0, 0, &e);
		assert_int_equal(e.kind, EXIT_UNKNOWN);
	}
}

static void test_invalid_is_entry_failure(void **state)
{
	struct vm_exit e;
	decode(SVM_EXIT_INVALID, 0, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_ENTRY_FAILURE);
	assert_true(e.entry.invalid_guest_state);
	assert_int_equal(e.raw_reason, 0xFFFFFFFFu);
}

static void test_ioio(void **state)
{
	struct vm_exit e;
	/* OUT DX, AL to 0x3F8 at rip 0x100010, next rip 0x100011. */
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8, 0x100011, 0x100010, &e);
	assert_int_equal(e.kind, EXIT_IO);
	assert_int_equal(e.io.port, 0x3F8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_false(e.io.string);
	assert_false(e.io.rep);
	assert_int_equal(e.insn_len, 1);
	/* IN EAX, imm8 from 0xF4 with a 66 prefix-free 2-byte encoding. */
	decode(SVM_EXIT_IOIO, (0xF4ull << 16) | SVM_IOIO_SZ32 | SVM_IOIO_IN, 0x2002, 0x2000, &e);
	assert_int_equal(e.kind, EXIT_IO);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.in);
	assert_int_equal(e.insn_len, 2);
	/* REP INSW: string and rep, 16-bit. */
	decode(SVM_EXIT_IOIO, (0x1F0ull << 16) | SVM_IOIO_SZ16 | SVM_IOIO_IN | SVM_IOIO_STR |
	       SVM_IOIO_REP, 0x3003, 0x3000, &e);
	assert_int_equal(e.io.size, 2);
	assert_true(e.io.string);
	assert_true(e.io.rep);
	assert_int_equal(e.io.port, 0x1F0);
	assert_int_equal(e.insn_len, 3);
	/* Port 0xFFFF: the top of the field. */
	decode(SVM_EXIT_IOIO, (0xFFFFull << 16) | SVM_IOIO_SZ8, 0x11, 0x10, &e);
	assert_int_equal(e.io.port, 0xFFFF);
	/* EIP wrapping at 4 GiB outside long mode: 0xFFFFFFFF + 1 -> 0. */
	decode(SVM_EXIT_IOIO, (0x80ull << 16) | SVM_IOIO_SZ8, 0x0, 0xFFFFFFFF, &e);
	assert_int_equal(e.insn_len, 1);
}

static void test_ioio_hostile(void **state)
{
	struct vm_exit e;
	/* No size bit, or several: reserved encodings, not guessed. */
	decode(SVM_EXIT_IOIO, 0x3F8ull << 16, 0x11, 0x10, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8 | SVM_IOIO_SZ16, 0x11, 0x10, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8 | SVM_IOIO_SZ16 | SVM_IOIO_SZ32,
	       0x11, 0x10, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	/* A next RIP behind, equal, or more than 15 bytes ahead: no length
	 * (the VMM then refuses to skip rather than jump somewhere). */
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8, 0x10, 0x10, &e);
	assert_int_equal(e.kind, EXIT_IO);
	assert_int_equal(e.insn_len, 0);
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8, 0x0F, 0x10, &e);
	assert_int_equal(e.insn_len, 0);
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8, 0x20, 0x10, &e);
	assert_int_equal(e.insn_len, 0);
	decode(SVM_EXIT_IOIO, (0x3F8ull << 16) | SVM_IOIO_SZ8, 0x10 + 15, 0x10, &e);
	assert_int_equal(e.insn_len, 15);
}

static void test_msr(void **state)
{
	struct vm_exit e;
	decode(SVM_EXIT_MSR, 0, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_MSR_READ);
	decode(SVM_EXIT_MSR, 1, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_MSR_WRITE);
	decode(SVM_EXIT_MSR, 2, 0, 0, &e);        /* undefined EXITINFO1 */
	assert_int_equal(e.kind, EXIT_UNKNOWN);
	decode(SVM_EXIT_MSR, 1ull << 32, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
}

static void test_npf(void **state)
{
	struct vm_exit e;
	/* Read of an unmapped GPA: P=0, nothing allowed. */
	decode(SVM_EXIT_NPF, SVM_NPF_USER | BIT(32), 0x40000000, 0, &e);
	assert_int_equal(e.kind, EXIT_SLAT_VIOLATION);
	assert_int_equal(e.slat.gpa, 0x40000000);
	assert_int_equal(e.slat.access, SLAT_ACCESS_READ);
	assert_int_equal(e.slat.allowed, 0);
	assert_false(e.slat.gla_valid);
	/* Write to an unmapped GPA. */
	decode(SVM_EXIT_NPF, SVM_NPF_WRITE, 0xFEE00300, 0, &e);
	assert_int_equal(e.slat.access, SLAT_ACCESS_WRITE);
	assert_int_equal(e.slat.gpa, 0xFEE00300);
	/* Write to a present read-only page: read and execute allowed. */
	decode(SVM_EXIT_NPF, SVM_NPF_PRESENT | SVM_NPF_WRITE, 0x1000, 0, &e);
	assert_int_equal(e.slat.access, SLAT_ACCESS_WRITE);
	assert_int_equal(e.slat.allowed, SLAT_ACCESS_READ | SLAT_ACCESS_EXEC);
	/* Fetch from a present no-execute page. */
	decode(SVM_EXIT_NPF, SVM_NPF_PRESENT | SVM_NPF_FETCH, 0x2000, 0, &e);
	assert_int_equal(e.slat.access, SLAT_ACCESS_EXEC);
	assert_int_equal(e.slat.allowed, SLAT_ACCESS_READ | SLAT_ACCESS_WRITE);
	/* A reserved bit in the nested table: a table bug, not a violation. */
	decode(SVM_EXIT_NPF, SVM_NPF_PRESENT | SVM_NPF_RSVD, 0x3000, 0, &e);
	assert_int_equal(e.kind, EXIT_SLAT_MISCONFIG);
	assert_int_equal(e.slat.gpa, 0x3000);
}

static void test_exceptions(void **state)
{
	struct vm_exit e;
	decode(SVM_EXIT_EXCP_BASE + 6, 0xDEAD, 0, 0, &e);   /* #UD: no error code */
	assert_int_equal(e.kind, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 6);
	assert_false(e.exception.has_error);
	assert_int_equal(e.exception.error_code, 0);
	decode(SVM_EXIT_EXCP_BASE + 13, 0x40, 0, 0, &e);     /* #GP(0x40) */
	assert_int_equal(e.exception.vector, 13);
	assert_true(e.exception.has_error);
	assert_int_equal(e.exception.error_code, 0x40);
	decode(SVM_EXIT_EXCP_BASE + 14, 0x1FFFFFFFFull, 0xC0000000, 0, &e);  /* #PF */
	assert_true(e.exception.has_error);
	assert_int_equal(e.exception.error_code, 0xFFFFFFFFu);
	decode(SVM_EXIT_EXCP_BASE + 31, 5, 0, 0, &e);        /* last vector */
	assert_int_equal(e.kind, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 31);
	assert_false(e.exception.has_error);
	decode(SVM_EXIT_EXCP_BASE + 32, 0, 0, 0, &e);        /* INTR, not a vector */
	assert_int_equal(e.kind, EXIT_EXTINT);
}

static void test_cr_access(void **state)
{
	struct vm_exit e;
	/* With decode assists: MOV to CR3 from RBX. */
	decode(SVM_EXIT_CR0_WRITE + 3, BIT(63) | INSN_RBX, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_CR_ACCESS);
	assert_int_equal(e.cr.cr, 3);
	assert_int_equal(e.cr.type, CR_ACCESS_MOV_TO);
	assert_int_equal(e.cr.gpr, INSN_RBX);
	decode(SVM_EXIT_CR0_READ + 4, BIT(63) | INSN_R15, 0, 0, &e);
	assert_int_equal(e.cr.cr, 4);
	assert_int_equal(e.cr.type, CR_ACCESS_MOV_FROM);
	assert_int_equal(e.cr.gpr, INSN_R15);
	/* Without the MOV bit the operand is unknown: never guessed (a
	 * handler would index gpr[] with it). */
	decode(SVM_EXIT_CR0_WRITE, 0, 0, 0, &e);
	assert_int_equal(e.kind, EXIT_UNKNOWN);
}

static void test_needs_insn_len(void **state)
{
	assert_true(svm_exit_needs_insn_len(EXIT_CPUID));
	assert_true(svm_exit_needs_insn_len(EXIT_HLT));
	assert_true(svm_exit_needs_insn_len(EXIT_HYPERCALL));
	assert_true(svm_exit_needs_insn_len(EXIT_MSR_READ));
	assert_true(svm_exit_needs_insn_len(EXIT_XSETBV));      /* skipped when accepted */
	assert_true(svm_exit_needs_insn_len(EXIT_PAUSE));
	assert_false(svm_exit_needs_insn_len(EXIT_IO));          /* EXITINFO2 has it */
	assert_false(svm_exit_needs_insn_len(EXIT_EXTINT));
	assert_false(svm_exit_needs_insn_len(EXIT_TRIPLE_FAULT));
	assert_false(svm_exit_needs_insn_len(EXIT_SLAT_VIOLATION));
	assert_false(svm_exit_needs_insn_len(-1));
	assert_false(svm_exit_needs_insn_len(EXIT_KIND_COUNT));
}

static void test_cr_checks(void **state)
{
	assert_true(svm_guest_cr0_valid(CR0_PE | CR0_ET));
	assert_true(svm_guest_cr0_valid(CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET));
	assert_true(svm_guest_cr0_valid(CR0_CD | CR0_NW | CR0_ET));   /* both set: legal */
	assert_true(svm_guest_cr0_valid(0x10));                      /* real mode */
	assert_false(svm_guest_cr0_valid(CR0_NW | CR0_PE));          /* NW without CD */
	assert_false(svm_guest_cr0_valid(CR0_PG));                   /* PG without PE */
	assert_false(svm_guest_cr0_valid((1ull << 32) | CR0_PE));    /* high half MBZ */
	assert_true(svm_guest_cr4_valid(0));
	assert_true(svm_guest_cr4_valid(CR4_PAE | CR4_PSE | CR4_OSFXSR | CR4_OSXSAVE | CR4_SMEP));
	assert_false(svm_guest_cr4_valid(CR4_VMXE));                 /* Intel's bit */
	assert_false(svm_guest_cr4_valid(CR4_SMXE));
	assert_false(svm_guest_cr4_valid(1ull << 40));
}

static void test_vmcb_layout(void **state)
{
	/* The header's _Static_asserts pin these too; this shows the host
	 * compiler agrees (packing, alignment). */
	assert_int_equal(sizeof(struct vmcb), 4096);
	assert_int_equal(offsetof(struct vmcb, ctl.intercept1), 0x00C);
	assert_int_equal(offsetof(struct vmcb, ctl.msrpm_base_pa), 0x048);
	assert_int_equal(offsetof(struct vmcb, ctl.exitinfo2), 0x080);
	assert_int_equal(offsetof(struct vmcb, ctl.np_control), 0x090);
	assert_int_equal(offsetof(struct vmcb, save.cs), 0x410);
	assert_int_equal(offsetof(struct vmcb, save.idtr), 0x480);
	assert_int_equal(offsetof(struct vmcb, save.cr0), 0x558);
	assert_int_equal(offsetof(struct vmcb, save.rflags), 0x570);
	assert_int_equal(offsetof(struct vmcb, save.star), 0x600);
	assert_int_equal(offsetof(struct vmcb, save.sysenter_eip), 0x638);
	assert_int_equal(sizeof(struct vmcb_seg), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_codes),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_invalid_is_entry_failure),
		cmocka_unit_test(test_ioio),
		cmocka_unit_test(test_ioio_hostile),
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_npf),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_cr_access),
		cmocka_unit_test(test_needs_insn_len),
		cmocka_unit_test(test_cr_checks),
		cmocka_unit_test(test_vmcb_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
