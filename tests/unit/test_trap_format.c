/* test_trap_format.c - the text of exception reports (arch/x86/
 * trap_format.c): which vectors push an error code (the one mask isr.S
 * also uses), vector names, page-fault and selector error decoding, the
 * register dump and the headline, and that every formatter truncates
 * safely into any buffer size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <x86/traps.h>
#include "host_support.h"

/* Intel SDM vol. 3 Table 7-1 / §7.15 and AMD APM vol. 2 §8.2, written out
 * independently of EXC_ERRCODE_MASK. */
static void test_error_code_vectors(void **state)
{
	(void)state;
	static const unsigned with_code[] = { 8, 10, 11, 12, 13, 14, 17, 21, 29, 30 };
	for (unsigned v = 0; v < 256; v++) {
		bool expect = false;
		for (size_t i = 0; i < sizeof(with_code) / sizeof(with_code[0]); i++)
			expect |= with_code[i] == v;
		assert_int_equal(exception_has_error_code(v), expect);
	}
	assert_false(exception_has_error_code(1000));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(exception_mnemonic(VEC_PF), "#PF");
	assert_string_equal(exception_name(VEC_PF), "page fault");
	assert_string_equal(exception_mnemonic(VEC_NMI), "NMI");
	assert_string_equal(exception_mnemonic(VEC_DF), "#DF");
	assert_string_equal(exception_mnemonic(VEC_MC), "#MC");
	assert_string_equal(exception_mnemonic(VEC_SX), "#SX");
	assert_string_equal(exception_mnemonic(15), "#RES");
	assert_string_equal(exception_name(15), "reserved");
	assert_string_equal(exception_mnemonic(31), "#RES");
	assert_string_equal(exception_mnemonic(32), "IRQ");
	assert_string_equal(exception_name(255), "interrupt");
	assert_string_equal(exception_mnemonic(~0u), "IRQ");
	for (unsigned v = 0; v < 300; v++) {
		assert_non_null(exception_mnemonic(v));
		assert_non_null(exception_name(v));
	}
}

static void test_pf_error(void **state)
{
	(void)state;
	char buf[160];
	format_pf_error(buf, sizeof(buf), 0x2);
	assert_string_equal(buf, "not-present write supervisor data-access");
	format_pf_error(buf, sizeof(buf), 0x0);
	assert_string_equal(buf, "not-present read supervisor data-access");
	format_pf_error(buf, sizeof(buf), 0x1 | 0x10);
	assert_string_equal(buf, "protection-violation read supervisor instruction-fetch");
	format_pf_error(buf, sizeof(buf), 0x1F);
	assert_string_equal(buf, "protection-violation write user instruction-fetch reserved-bit-set");
	format_pf_error(buf, sizeof(buf), 0x20 | 0x40 | 0x80 | 0x8000);
	assert_string_equal(buf, "not-present read supervisor data-access protection-key "
			    "shadow-stack hlat sgx");
	size_t n = format_pf_error(buf, sizeof(buf), 0x1000000000000ULL | 0x100);
	assert_string_equal(buf, "not-present read supervisor data-access unknown-bits "
			    "0x1000000000100");
	assert_int_equal(n, strlen(buf));
}

static void test_selector_error(void **state)
{
	(void)state;
	char buf[80];
	format_selector_error(buf, sizeof(buf), 0);
	assert_string_equal(buf, "no selector");
	format_selector_error(buf, sizeof(buf), 0x18);
	assert_string_equal(buf, "GDT selector 0x18");
	format_selector_error(buf, sizeof(buf), 0x1C);
	assert_string_equal(buf, "LDT selector 0x18");
	format_selector_error(buf, sizeof(buf), (14 << 3) | 2);
	assert_string_equal(buf, "IDT vector 0xe");
	format_selector_error(buf, sizeof(buf), (0xFF << 3) | 3);
	assert_string_equal(buf, "IDT vector 0xff (external event)");
	format_selector_error(buf, sizeof(buf), 0x19);
	assert_string_equal(buf, "GDT selector 0x18 (external event)");
	/* Bits above the 16-bit error code do not make a selector. */
	format_selector_error(buf, sizeof(buf), 0xFFFF0000ULL);
	assert_string_equal(buf, "no selector");
}

static struct irq_frame sample_frame(void)
{
	struct irq_frame f = {
		.r15 = 0xF15, .r14 = 0xF14, .r13 = 0xF13, .r12 = 0xF12, .r11 = 0xF11,
		.r10 = 0xF10, .r9 = 0xF09, .r8 = 0xF08, .rbp = 0xBBBB, .rdi = 0xD1D1,
		.rsi = 0x5151, .rdx = 0xDDDD, .rcx = 0xCCCC, .rbx = 0xB0B0, .rax = 0xAAAA,
		.vector = VEC_PF, .error_code = 2, .rip = 0xFFFFFFFF80201234ULL, .cs = 8,
		.rflags = 0x10246, .rsp = 0xFFFFC00000008F78ULL, .ss = 0x10,
	};
	return f;
}

static void test_regs(void **state)
{
	(void)state;
	struct irq_frame f = sample_frame();
	char buf[1024];
	size_t n = format_regs(buf, sizeof(buf), &f);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
		"RIP: 0008:ffffffff80201234  RFLAGS: 0000000000010246\n"
		"RSP: 0010:ffffc00000008f78\n"
		"RAX: 000000000000aaaa  RBX: 000000000000b0b0  RCX: 000000000000cccc\n"
		"RDX: 000000000000dddd  RSI: 0000000000005151  RDI: 000000000000d1d1\n"
		"RBP: 000000000000bbbb  R8 : 0000000000000f08  R9 : 0000000000000f09\n"
		"R10: 0000000000000f10  R11: 0000000000000f11  R12: 0000000000000f12\n"
		"R13: 0000000000000f13  R14: 0000000000000f14  R15: 0000000000000f15\n");
}

static void test_headline(void **state)
{
	(void)state;
	struct irq_frame f = sample_frame();
	char buf[256];
	format_exception_headline(buf, sizeof(buf), &f, 3, "memcpy", 0x1c);
	assert_string_equal(buf, "EXCEPTION #PF (vector 14, page fault) error 0x2 on CPU 3 at RIP "
			    "ffffffff80201234 memcpy+0x1c");
	f.vector = VEC_UD;
	f.error_code = 0x55;   /* garbage: #UD pushes none, so none is shown */
	format_exception_headline(buf, sizeof(buf), &f, 0, NULL, 0);
	assert_string_equal(buf, "EXCEPTION #UD (vector 6, invalid opcode) on CPU 0 at RIP "
			    "ffffffff80201234");
	f.vector = 0x1234;     /* a corrupted frame still gives a readable line */
	format_exception_headline(buf, sizeof(buf), &f, 0, NULL, 0);
	assert_string_equal(buf, "EXCEPTION IRQ (vector 4660, interrupt) on CPU 0 at RIP "
			    "ffffffff80201234");
}

/* Every formatter, every buffer size from 1 to past the full length: the
 * output is a NUL-terminated prefix of the full text and nothing is written
 * past the buffer (exact-size heap buffers: ASan would catch it). */
static void test_truncation_all_sizes(void **state)
{
	(void)state;
	struct irq_frame f = sample_frame();
	char full[4][1024];
	size_t len[4];
	len[0] = format_regs(full[0], sizeof(full[0]), &f);
	len[1] = format_exception_headline(full[1], sizeof(full[1]), &f, 7, "some_function", 0x10);
	len[2] = format_pf_error(full[2], sizeof(full[2]), 0xFFFFFFFFFFFFFFFFULL);
	len[3] = format_selector_error(full[3], sizeof(full[3]), 0xFFFF);
	for (int which = 0; which < 4; which++) {
		for (size_t size = 1; size <= len[which] + 1; size++) {
			char *buf = malloc(size);
			size_t n = 0;
			switch (which) {
			case 0: n = format_regs(buf, size, &f); break;
			case 1: n = format_exception_headline(buf, size, &f, 7, "some_function", 0x10); break;
			case 2: n = format_pf_error(buf, size, 0xFFFFFFFFFFFFFFFFULL); break;
			case 3: n = format_selector_error(buf, size, 0xFFFF); break;
			}
			assert_true(n < size);
			assert_int_equal(strlen(buf), n);
			assert_memory_equal(buf, full[which], n);
			free(buf);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_code_vectors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_pf_error),
		cmocka_unit_test(test_selector_error),
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_headline),
		cmocka_unit_test(test_truncation_all_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
