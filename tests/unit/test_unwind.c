/* test_unwind.c - the frame-pointer walker (arch/x86/unwind.c) on stacks
 * built in host memory: a well-formed chain and its two terminators, the
 * depth limit, and every kind of corruption (misaligned, non-canonical,
 * outside the stack, looping or backwards, refused by the readable
 * callback). A seeded run of random stacks checks that no corruption makes
 * the walker read outside the stack it was given (ASan watches). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <x86/unwind.h>
#include "host_support.h"

#define WORDS 64
static uint64_t *stack;            /* heap-allocated: ASan sees reads past it */
static uint64_t lo, hi;

static uint64_t addr_of(unsigned word) { return (uint64_t)(uintptr_t)&stack[word]; }

static int setup(void **state)
{
	(void)state;
	stack = calloc(WORDS, sizeof(uint64_t));
	lo = addr_of(0);
	hi = lo + WORDS * sizeof(uint64_t);
	return stack ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(stack);
	return 0;
}

/* Frame at word w: [w] = next frame address (or raw value), [w+1] = return address. */
static void frame(unsigned w, uint64_t next, uint64_t ret)
{
	stack[w] = next;
	stack[w + 1] = ret;
}

static void test_good_chain_ends_at_rbp_zero(void **state)
{
	(void)state;
	frame(4, addr_of(10), 0x1111);
	frame(10, addr_of(20), 0x2222);
	frame(20, 0, 0x3333);
	uint64_t out[8];
	struct unwind_result r;
	unwind_frames(addr_of(4), lo, hi, NULL, NULL, out, 8, &r);
	assert_int_equal(r.stop, UNWIND_END);
	assert_int_equal(r.count, 3);
	assert_int_equal(out[0], 0x1111);
	assert_int_equal(out[1], 0x2222);
	assert_int_equal(out[2], 0x3333);
	assert_int_equal(r.bad_frame, 0);
}

static void test_chain_ends_at_zero_return_address(void **state)
{
	(void)state;
	frame(4, addr_of(10), 0x1111);
	frame(10, 0xdeadbeef, 0);   /* boot/entry.S: pushq $0, rbp = 0 */
	uint64_t out[8];
	struct unwind_result r;
	unwind_frames(addr_of(4), lo, hi, NULL, NULL, out, 8, &r);
	assert_int_equal(r.stop, UNWIND_END);
	assert_int_equal(r.count, 1);

	unwind_frames(0, lo, hi, NULL, NULL, out, 8, &r);
	assert_int_equal(r.stop, UNWIND_END);
	assert_int_equal(r.count, 0);
}

static void test_depth_limit(void **state)
{
	(void)state;
	for (unsigned w = 0; w + 2 < WORDS; w += 2)
		frame(w, addr_of(w + 2), 0x1000 + w);
	frame(WORDS - 2, 0, 0x9999);
	uint64_t out[5];
	struct unwind_result r;
	unwind_frames(addr_of(0), lo, hi, NULL, NULL, out, 5, &r);
	assert_int_equal(r.stop, UNWIND_DEPTH);
	assert_int_equal(r.count, 5);
	assert_int_equal(out[4], 0x1008);
	unwind_frames(addr_of(0), lo, hi, NULL, NULL, out, 0, &r);
	assert_int_equal(r.stop, UNWIND_DEPTH);
	assert_int_equal(r.count, 0);
}

static void expect_stop(uint64_t start, enum unwind_stop stop, uint64_t bad, unsigned count)
{
	uint64_t out[8];
	struct unwind_result r;
	unwind_frames(start, lo, hi, NULL, NULL, out, 8, &r);
	assert_int_equal(r.stop, stop);
	assert_int_equal(r.bad_frame, bad);
	assert_int_equal(r.count, count);
}

static void test_corrupt_links(void **state)
{
	(void)state;
	/* Misaligned start and misaligned link. */
	expect_stop(addr_of(4) + 3, UNWIND_MISALIGNED, addr_of(4) + 3, 0);
	frame(4, addr_of(10) + 4, 0x1111);
	expect_stop(addr_of(4), UNWIND_MISALIGNED, addr_of(10) + 4, 1);

	/* Non-canonical links (both halves, and one straddling the hole). */
	frame(4, 0x8000000000000000ULL, 0x1111);
	expect_stop(addr_of(4), UNWIND_NONCANONICAL, 0x8000000000000000ULL, 1);
	frame(4, 0x00007FFFFFFFFFF8ULL, 0x1111);   /* its 16 bytes cross 2^47 */
	expect_stop(addr_of(4), UNWIND_NONCANONICAL, 0x00007FFFFFFFFFF8ULL, 1);

	/* Outside the stack: below lo, at or past hi, straddling hi. */
	frame(4, lo - 64, 0x1111);
	expect_stop(addr_of(4), UNWIND_OUT_OF_RANGE, lo - 64, 1);
	frame(4, hi, 0x1111);
	expect_stop(addr_of(4), UNWIND_OUT_OF_RANGE, hi, 1);
	frame(4, hi - 8, 0x1111);
	expect_stop(addr_of(4), UNWIND_OUT_OF_RANGE, hi - 8, 1);
	frame(4, hi - 16, 0x1111);   /* the last legal frame */
	frame(WORDS - 2, 0, 0x2222);
	expect_stop(addr_of(4), UNWIND_END, 0, 2);

	/* Loops: a frame pointing at itself, and one pointing back down. */
	frame(4, addr_of(4), 0x1111);
	expect_stop(addr_of(4), UNWIND_NOT_INCREASING, addr_of(4), 1);
	frame(4, addr_of(10), 0x1111);
	frame(10, addr_of(6), 0x2222);
	expect_stop(addr_of(4), UNWIND_NOT_INCREASING, addr_of(6), 2);
}

static void test_degenerate_bounds(void **state)
{
	(void)state;
	uint64_t out[4];
	struct unwind_result r;
	/* hi below 16 must not wrap around into "everything is in range". */
	unwind_frames(8, 0, 8, NULL, NULL, out, 4, &r);
	assert_int_equal(r.stop, UNWIND_OUT_OF_RANGE);
	/* Empty range. */
	unwind_frames(addr_of(4), addr_of(4), addr_of(4), NULL, NULL, out, 4, &r);
	assert_int_equal(r.stop, UNWIND_OUT_OF_RANGE);
}

/* Readable callback: refuses one address, records everything it is asked. */
static uint64_t refused;
static unsigned asked_outside;
static bool readable_cb(uint64_t addr, void *ctx)
{
	unsigned *calls = ctx;
	(*calls)++;
	if (addr < lo || addr + 16 > hi)
		asked_outside++;
	return addr != refused;
}

static void test_readable_callback(void **state)
{
	(void)state;
	frame(4, addr_of(10), 0x1111);
	frame(10, addr_of(20), 0x2222);
	frame(20, 0, 0x3333);
	refused = addr_of(10);
	asked_outside = 0;
	unsigned calls = 0;
	uint64_t out[8];
	struct unwind_result r;
	unwind_frames(addr_of(4), lo, hi, readable_cb, &calls, out, 8, &r);
	assert_int_equal(r.stop, UNWIND_UNREADABLE);
	assert_int_equal(r.bad_frame, addr_of(10));
	assert_int_equal(r.count, 1);
	assert_int_equal(calls, 2);

	/* The callback is only consulted for frames already inside [lo, hi). */
	frame(4, lo - 4096, 0x1111);
	refused = 0;
	calls = 0;
	unwind_frames(addr_of(4), lo, hi, readable_cb, &calls, out, 8, &r);
	assert_int_equal(r.stop, UNWIND_OUT_OF_RANGE);
	assert_int_equal(calls, 1);
	assert_int_equal(asked_outside, 0);
}

/* Random garbage stacks: whatever the contents, the walker ends with a
 * reason, stores at most max entries and reads only inside the stack. */
static void test_random_stacks(void **state)
{
	(void)state;
	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		for (unsigned w = 0; w < WORDS; w++) {
			switch (rand() % 4) {
			case 0: stack[w] = addr_of((unsigned)rand() % WORDS) + (uint64_t)(rand() % 3) * 4; break;
			case 1: stack[w] = lo + (uint64_t)(rand() % 4096) - 2048; break;
			case 2: stack[w] = ((uint64_t)rand() << 33) ^ (uint64_t)rand(); break;
			default: stack[w] = 0; break;
			}
		}
		uint64_t out[16];
		struct unwind_result r;
		unwind_frames(addr_of((unsigned)rand() % WORDS), lo, hi, NULL, NULL, out, 16, &r);
		assert_true(r.count <= 16);
		assert_true(r.stop <= UNWIND_UNREADABLE);
	}
}

static void test_canonical_and_reasons(void **state)
{
	(void)state;
	assert_true(va_is_canonical(0));
	assert_true(va_is_canonical(0x00007FFFFFFFFFFFULL));
	assert_false(va_is_canonical(0x0000800000000000ULL));
	assert_false(va_is_canonical(0xFFFF7FFFFFFFFFFFULL));
	assert_true(va_is_canonical(0xFFFF800000000000ULL));
	assert_true(va_is_canonical(0xFFFFFFFF80000000ULL));
	for (int a = UNWIND_END; a <= UNWIND_UNREADABLE; a++) {
		assert_string_not_equal(unwind_stop_reason((enum unwind_stop)a), "unknown");
		for (int b = a + 1; b <= UNWIND_UNREADABLE; b++)
			assert_string_not_equal(unwind_stop_reason((enum unwind_stop)a),
						unwind_stop_reason((enum unwind_stop)b));
	}
	assert_string_equal(unwind_stop_reason((enum unwind_stop)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_chain_ends_at_rbp_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_ends_at_zero_return_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_degenerate_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readable_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_stacks, setup, teardown),
		cmocka_unit_test(test_canonical_and_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
