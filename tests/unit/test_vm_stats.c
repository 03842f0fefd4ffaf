/* test_vm_stats.c - the statistics line a VM prints when it stops
 * (vmm/stats.c vm_stats_format): times from TSC ticks, exit kinds by
 * count, truncation. exit_kind_name() and tsc_hz() are the kernel's
 * (vmm/exit.c, the timer); small test doubles stand in for them here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/vm.h>
#include "host_support.h"

const char *exit_kind_name(enum exit_kind kind)
{
	switch (kind) {
	case EXIT_CPUID: return "cpuid";
	case EXIT_IO: return "io";
	case EXIT_HLT: return "hlt";
	case EXIT_HYPERCALL: return "hypercall";
	default: return "other";
	}
}

uint64_t tsc_hz(void) { return 1000000000ull; }

static void test_format(void **state)
{
	uint64_t k[EXIT_KIND_COUNT] = { 0 };
	char buf[256];
	k[EXIT_CPUID] = 300;
	k[EXIT_IO] = 880;
	k[EXIT_HLT] = 1;
	k[EXIT_HYPERCALL] = 300;   /* ties keep table order: cpuid first */
	int n = vm_stats_format(buf, sizeof(buf), 1234000000ull, 1100000000ull, 1000000000ull, k);
	assert_string_equal(buf, "stopped after 1.234 s (guest 1.100 s), 1481 exits: io 880, "
				 "cpuid 300, hypercall 300, hlt 1");
	assert_int_equal(n, (int)strlen(buf));
}

static void test_no_exits_unknown_hz(void **state)
{
	uint64_t k[EXIT_KIND_COUNT] = { 0 };
	char buf[128];
	vm_stats_format(buf, sizeof(buf), 5, 3, 0, k);
	assert_string_equal(buf, "stopped after ? s (guest ? s), 0 exits");
	k[EXIT_HLT] = 1;
	vm_stats_format(buf, sizeof(buf), 2500, 999, 1000, k);
	assert_string_equal(buf, "stopped after 2.500 s (guest 0.999 s), 1 exit: hlt 1");
}

static void test_truncation(void **state)
{
	uint64_t k[EXIT_KIND_COUNT];
	char full[1024], small[40];
	for (unsigned i = 0; i < EXIT_KIND_COUNT; i++)
		k[i] = 1000 + i;
	int n = vm_stats_format(full, sizeof(full), 1, 1, 1, k);
	assert_int_equal(n, (int)strlen(full));
	memset(small, 'X', sizeof(small));
	int m = vm_stats_format(small, sizeof(small), 1, 1, 1, k);
	assert_int_equal(m, n);                              /* the full length, as snprintf */
	assert_int_equal(strlen(small), sizeof(small) - 1);  /* terminated, not overrun */
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(vm_stats_format(NULL, 0, 1, 1, 1, k), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_no_exits_unknown_hz),
		cmocka_unit_test(test_truncation),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
