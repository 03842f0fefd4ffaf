/* test_hlt_policy.c - the pure HLT decisions (vmm/hlt_policy.c): which
 * pending events end a HLT under IF=1 and IF=0 (SDM vol. 2A "HLT"), the
 * deadline a sleeping vCPU waits for (none with IF=0), when nothing can
 * ever wake it (the VM is stopped), and the STI; HLT idiom met inside the
 * interrupt shadow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/hlt_policy.h"
#include "host_support.h"

#define DEADLINE 123456789ULL

static struct hlt_view view(bool if_set, unsigned nr_vcpus)
{
	struct hlt_view h = { .if_set = if_set, .nr_vcpus = nr_vcpus };
	return h;
}

/* Decide, and check that only HLT_SLEEP reports a deadline. */
static enum hlt_action decide(const struct hlt_view *h, uint64_t *deadline)
{
	enum hlt_action a;

	*deadline = 0xBADBADULL;
	a = hlt_decide(h, deadline);
	if (a != HLT_SLEEP)
		assert_int_equal(*deadline, 0);
	return a;
}

static void test_pending_interrupt_ends_hlt_with_if(void **state)
{
	struct hlt_view h = view(true, 1);
	uint64_t d;

	(void)state;
	h.extint_pending = true;
	h.timer_deadline = DEADLINE;
	assert_int_equal(decide(&h, &d), HLT_CONTINUE);
}

static void test_pending_interrupt_ignored_with_if_clear(void **state)
{
	struct hlt_view h = view(false, 2);
	uint64_t d;

	(void)state;
	h.extint_pending = true;
	h.timer_deadline = DEADLINE;
	h.others_may_wake = true;
	/* A maskable interrupt cannot end it, and timers cannot either:
	 * it sleeps until a kick (an NMI or INIT from another vCPU). */
	assert_int_equal(decide(&h, &d), HLT_SLEEP);
	assert_int_equal(d, 0);
}

static void test_nmi_init_sipi_end_hlt_whatever_if(void **state)
{
	uint64_t d;

	(void)state;
	for (int if_set = 0; if_set <= 1; if_set++)
		for (unsigned n = 1; n <= 2; n++) {
			struct hlt_view h = view(if_set, n);
			h.nmi_init_sipi = true;
			assert_int_equal(decide(&h, &d), HLT_CONTINUE);
		}
}

static void test_timer_armed_sleeps_until_deadline(void **state)
{
	struct hlt_view h = view(true, 1);
	uint64_t d;

	(void)state;
	h.timer_deadline = DEADLINE;
	assert_int_equal(decide(&h, &d), HLT_SLEEP);
	assert_int_equal(d, DEADLINE);
}

static void test_nothing_armed_single_vcpu_stops(void **state)
{
	struct hlt_view h = view(true, 1);
	uint64_t d;

	(void)state;
	assert_int_equal(decide(&h, &d), HLT_STOP_VM);
	/* IF=0 with one vCPU: even an armed timer cannot end it. */
	h = view(false, 1);
	h.timer_deadline = DEADLINE;
	h.extint_pending = true;
	assert_int_equal(decide(&h, &d), HLT_STOP_VM);
}

static void test_other_vcpus_keep_it_sleeping(void **state)
{
	struct hlt_view h = view(true, 4);
	uint64_t d;

	(void)state;
	h.others_may_wake = true;
	assert_int_equal(decide(&h, &d), HLT_SLEEP);
	assert_int_equal(d, 0);
	/* ... but not when every other one is halted for good. */
	h.others_may_wake = false;
	assert_int_equal(decide(&h, &d), HLT_STOP_VM);
	h = view(false, 4);
	h.others_may_wake = false;
	h.timer_deadline = DEADLINE;
	assert_int_equal(decide(&h, &d), HLT_STOP_VM);
}

static void test_shadowed_hlt_completes(void **state)
{
	const uint8_t hlt[] = { 0xF4, 0xFA };
	const uint8_t nop[] = { 0x90, 0xF4 };
	const uint8_t rep_hlt[] = { 0xF3, 0xF4 };

	(void)state;
	assert_true(hlt_completes_in_shadow(true, hlt, 2));
	assert_true(hlt_completes_in_shadow(true, hlt, 1));
	/* Not only the shadow blocks (IF=0, an event queued): no. */
	assert_false(hlt_completes_in_shadow(false, hlt, 2));
	/* Another instruction in the shadow, a prefixed HLT: no. */
	assert_false(hlt_completes_in_shadow(true, nop, 2));
	assert_false(hlt_completes_in_shadow(true, rep_hlt, 2));
	/* The fetch failed (-EFAULT) or read nothing: no. */
	assert_false(hlt_completes_in_shadow(true, hlt, -14));
	assert_false(hlt_completes_in_shadow(true, hlt, 0));
	assert_false(hlt_completes_in_shadow(true, NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_interrupt_ends_hlt_with_if),
		cmocka_unit_test(test_pending_interrupt_ignored_with_if_clear),
		cmocka_unit_test(test_nmi_init_sipi_end_hlt_whatever_if),
		cmocka_unit_test(test_timer_armed_sleeps_until_deadline),
		cmocka_unit_test(test_nothing_armed_single_vcpu_stops),
		cmocka_unit_test(test_other_vcpus_keep_it_sleeping),
		cmocka_unit_test(test_shadowed_hlt_completes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
