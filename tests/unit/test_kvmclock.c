/* test_kvmclock.c - kvm-clock's arithmetic (vmm/pvclock.c): the TSC-to-ns
 * scale for frequencies from 1 MHz to 1 THz, what a Linux guest computes
 * from it (elapsed ns, its TSC frequency in kHz), the structure plinth
 * writes, the wall clock at time 0, and refusal of absurd frequencies.
 * The guest TSC model (one offset per VM plus each vCPU's TSC_ADJUST,
 * driven through vmm/msr.c's IA32_TSC/TSC_ADJUST emulation), the rule for
 * PVCLOCK_TSC_STABLE_BIT, the per-VM reference clock every vCPU's time
 * info is written from, and the CPUID bits that follow the rule
 * (vmm/cpuid_policy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/cpuid_policy.h"
#include "../../vmm/kvmclock.h"
#include "../../vmm/msr.h"
#include "host_support.h"

/* Exact ns for ticks at hz (128-bit reference). */
static uint64_t exact_ns(uint64_t ticks, uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u) / hz);
}

static void test_scale_range(void **state)
{
	static const uint64_t hz[] = {
		1000000, 14318180, 1193182, 999999999, 1000000000, 1000000001,
		2598301000ull, 3000000000ull, 4294967296ull, 5000000000ull, 1ull << 40,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		uint32_t mul = 0;
		int8_t shift = 0;
		assert_int_equal(pvclock_scale(hz[i], &mul, &shift), 0);
		/* The most precise multiplier: top bit set. */
		assert_true(mul >= 0x80000000u);
		/* One second and one hour of ticks come out within 1 ppm
		 * (+1 ns) of the exact value; 10 ms within a few ns. */
		for (uint64_t secs = 1; secs <= 3600; secs *= 3600) {
			uint64_t ticks = hz[i] * secs, want = exact_ns(ticks, hz[i]);
			uint64_t got = pvclock_ticks_to_ns(ticks, mul, shift);
			uint64_t err = got > want ? got - want : want - got;
			assert_true(err <= want / 1000000 + 1);
		}
		uint64_t t10 = hz[i] / 100;
		uint64_t got = pvclock_ticks_to_ns(t10, mul, shift), want = exact_ns(t10, hz[i]);
		assert_true((got > want ? got - want : want - got) <= 4 + (uint64_t)(1 << (shift > 0 ? shift : 0)));
		/* Linux's pvclock_tsc_khz gives the frequency back, within
		 * its own quantisation: one unit of the division, scaled by
		 * the left shift it applies for a negative shift. */
		uint64_t khz = pvclock_khz(mul, shift);
		uint64_t want_khz = hz[i] / 1000;
		uint64_t tol = (shift < 0 ? 1ull << -shift : 1) + 1;
		assert_true(khz + tol >= want_khz && khz <= want_khz + tol);
	}
}

/* 2.5 GHz: 0.4 ns per tick = 0.8 * 2^-1: shift -1, mul 0.8 * 2^32. */
static void test_scale_known(void **state)
{
	uint32_t mul;
	int8_t shift;
	(void)state;

	assert_int_equal(pvclock_scale(2500000000ull, &mul, &shift), 0);
	assert_int_equal(shift, -1);
	assert_int_equal(mul, 3435973836u);                /* floor(0.8 * 2^32) */
	assert_int_equal(pvclock_ticks_to_ns(2500000000ull, mul, shift), 999999999);
	/* 1 GHz: exactly 1 ns per tick = 0.5 * 2^1. */
	assert_int_equal(pvclock_scale(1000000000ull, &mul, &shift), 0);
	assert_int_equal(shift, 1);
	assert_int_equal(mul, 0x80000000u);
	assert_int_equal(pvclock_ticks_to_ns(123456789, mul, shift), 123456789);
	/* Huge deltas do not overflow the 96-bit product. */
	assert_int_equal(pvclock_ticks_to_ns(1ull << 62, mul, shift) , 1ull << 62);
}

static void test_scale_refused(void **state)
{
	uint32_t mul = 7;
	int8_t shift = 3;
	(void)state;

	host_log_reset();
	assert_int_equal(pvclock_scale(0, &mul, &shift), -EINVAL);
	assert_int_equal(pvclock_scale(999, &mul, &shift), -EINVAL);
	assert_int_equal(pvclock_scale((1ull << 40) + 1, &mul, &shift), -EINVAL);
	assert_true(host_log_contains("out of range"));
	assert_int_equal(mul, 7);
	assert_int_equal(shift, 3);
}

/* The structure is the guest ABI: field offsets as pvclock-abi.h has them,
 * every field set, flags without the stable bit. */
static void test_fill(void **state)
{
	struct pvclock_vcpu_time_info t;
	uint8_t raw[32];
	(void)state;

	memset(&t, 0xEE, sizeof(t));
	pvclock_fill(&t, 6, 0x1122334455667788ull, 987654321, 0x89abcdefu, -2, 0);
	memcpy(raw, &t, sizeof(raw));
	assert_int_equal(raw[0], 6);
	assert_int_equal(raw[4], 0);                         /* pad0 */
	assert_int_equal(raw[8], 0x88);                      /* tsc_timestamp at 8 */
	assert_int_equal(raw[15], 0x11);
	assert_int_equal(raw[16], 987654321 & 0xFF);         /* system_time at 16 */
	assert_int_equal(raw[24], 0xef);                     /* mul at 24 */
	assert_int_equal(raw[27], 0x89);
	assert_int_equal((int8_t)raw[28], -2);               /* shift at 28 */
	assert_int_equal(raw[29], 0);                        /* flags */
	assert_int_equal(raw[30] | raw[31], 0);
	/* The stable bit lands in flags bit 0; nothing else gets through. */
	pvclock_fill(&t, 8, 1, 2, 0x80000000u, 1, 0xFF);
	memcpy(raw, &t, sizeof(raw));
	assert_int_equal(raw[29], PVCLOCK_TSC_STABLE_BIT);
	pvclock_fill(&t, 8, 1, 2, 0x80000000u, 1, PVCLOCK_TSC_STABLE_BIT);
	memcpy(raw, &t, sizeof(raw));
	assert_int_equal(raw[29], 1);
}

/* Wall time at time 0 = the RTC's Unix time minus the time since 0. */
static void test_wall_clock(void **state)
{
	uint32_t sec, nsec;
	(void)state;

	pvclock_wall_at_zero(1767225600, 0, &sec, &nsec);
	assert_int_equal(sec, 1767225600u);
	assert_int_equal(nsec, 0);
	pvclock_wall_at_zero(1767225600, 2500000000ull, &sec, &nsec);   /* 2.5 s in */
	assert_int_equal(sec, 1767225597u);
	assert_int_equal(nsec, 500000000u);
	pvclock_wall_at_zero(1767225600, 3000000000ull, &sec, &nsec);
	assert_int_equal(sec, 1767225597u);
	assert_int_equal(nsec, 0);
}

/* ---- the guest TSC model ---- */

/* One VM: its offset and two vCPUs' MSR states reset as vmm/vcpu.c does
 * (the guest TSC reads 0 at the host TSC of the VM's creation). */
struct two_vcpus {
	uint64_t vm_offset;
	struct msr_state s[2];
	struct msr_ctx ctx[2];
};

static void make_vm(struct two_vcpus *vm, uint64_t created_at)
{
	vm->vm_offset = guest_tsc_vm_offset(created_at);
	for (int i = 0; i < 2; i++) {
		vm->ctx[i] = (struct msr_ctx){ .host_tsc = 0 - vm->vm_offset, .bsp = i == 0,
					       .phys_addr_bits = 39 };
		msr_state_reset(&vm->s[i], &vm->ctx[i]);
	}
}

/* Run WRMSR/RDMSR of vCPU i at host TSC host as vmm/exit_cpu.c does: the
 * offset copy comes from the model before the access. */
static enum msr_result vcpu_wrmsr(struct two_vcpus *vm, int i, uint64_t host, uint32_t msr,
				  uint64_t val)
{
	vm->ctx[i].host_tsc = host;
	vm->s[i].tsc_offset = guest_tsc_vcpu_offset(vm->vm_offset, vm->s[i].tsc_adjust);
	return msr_write(&vm->s[i], &vm->ctx[i], msr, val);
}

static uint64_t vcpu_rdtsc(const struct two_vcpus *vm, int i, uint64_t host)
{
	return host + guest_tsc_vcpu_offset(vm->vm_offset, vm->s[i].tsc_adjust);
}

static bool vm_stable(const struct two_vcpus *vm, bool host_reliable)
{
	uint64_t adj[2] = { vm->s[0].tsc_adjust, vm->s[1].tsc_adjust };
	return pvclock_tsc_stable(adj, 2, host_reliable);
}

/* Both vCPUs start at 0 whenever each was reset, on any host TSC value
 * (wrapping included); the VM's offset is the only per-VM state. */
static void test_vm_offset(void **state)
{
	static const uint64_t created[] = { 0, 1, 123456789, 1ull << 63, ~0ull };
	struct two_vcpus vm;
	(void)state;

	for (size_t k = 0; k < sizeof(created) / sizeof(created[0]); k++) {
		make_vm(&vm, created[k]);
		assert_int_equal(vcpu_rdtsc(&vm, 0, created[k]), 0);
		assert_int_equal(vcpu_rdtsc(&vm, 1, created[k]), 0);
		/* 5000 ticks later both read 5000: one clock. */
		assert_int_equal(vcpu_rdtsc(&vm, 0, created[k] + 5000), 5000);
		assert_int_equal(vcpu_rdtsc(&vm, 1, created[k] + 5000), 5000);
		/* RDMSR(IA32_TSC) agrees with RDTSC. */
		uint64_t v = 0;
		vm.ctx[1].host_tsc = created[k] + 777;
		vm.s[1].tsc_offset = guest_tsc_vcpu_offset(vm.vm_offset, vm.s[1].tsc_adjust);
		assert_int_equal(msr_read(&vm.s[1], &vm.ctx[1], 0x10, &v), MSR_OK);
		assert_int_equal(v, 777);
		assert_true(vm_stable(&vm, true));
	}
}

/* WRMSR IA32_TSC on one vCPU moves only its TSC, and its TSC_ADJUST by the
 * same amount (SDM vol. 3 §18.17.3); the offset the backend gets is always
 * the VM's plus TSC_ADJUST; writing TSC_ADJUST back to the other vCPU's
 * value puts the two TSCs in step again. */
static void test_tsc_write_one_vcpu(void **state)
{
	struct two_vcpus vm;
	uint64_t v = 0;
	(void)state;

	make_vm(&vm, 1000000);
	/* vCPU 1 sets its TSC to 1,000,000 at host 1,000,500 (guest 500). */
	assert_int_equal(vcpu_wrmsr(&vm, 1, 1000500, 0x10, 1000000), MSR_OK);
	assert_int_equal(vm.s[1].tsc_adjust, 1000000 - 500);
	assert_int_equal(vm.s[1].tsc_offset, guest_tsc_vcpu_offset(vm.vm_offset, vm.s[1].tsc_adjust));
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1000500), 1000000);
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1001500), 1001000);
	/* vCPU 0 did not move. */
	assert_int_equal(vm.s[0].tsc_adjust, 0);
	assert_int_equal(vcpu_rdtsc(&vm, 0, 1001500), 1500);
	assert_false(vm_stable(&vm, true));
	/* Backwards: TSC_ADJUST goes negative (two's complement). */
	assert_int_equal(vcpu_wrmsr(&vm, 1, 1002000, 0x10, 0), MSR_OK);
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1002000), 0);
	assert_int_equal(vm.s[1].tsc_adjust, (uint64_t)-2000);
	assert_false(vm_stable(&vm, true));
	/* TSC_ADJUST back to 0: the TSC moves by +2000 and is vCPU 0's again. */
	assert_int_equal(vcpu_wrmsr(&vm, 1, 1003000, 0x3B, 0), MSR_OK);
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1003000), 3000);
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1003000), vcpu_rdtsc(&vm, 0, 1003000));
	assert_true(vm_stable(&vm, true));
	/* The same TSC_ADJUST on both (Linux copies the boot CPU's value to
	 * the others): still one clock, both moved. */
	assert_int_equal(vcpu_wrmsr(&vm, 0, 1004000, 0x3B, 42), MSR_OK);
	assert_false(vm_stable(&vm, true));
	assert_int_equal(vcpu_wrmsr(&vm, 1, 1004000, 0x3B, 42), MSR_OK);
	assert_true(vm_stable(&vm, true));
	assert_int_equal(vcpu_rdtsc(&vm, 0, 1004000), 4042);
	assert_int_equal(vcpu_rdtsc(&vm, 1, 1004000), 4042);
	vm.ctx[0].host_tsc = 1004000;
	assert_int_equal(msr_read(&vm.s[0], &vm.ctx[0], 0x3B, &v), MSR_OK);
	assert_int_equal(v, 42);
}

/* The stable bit: only with a reliable host TSC and equal TSC_ADJUST on
 * every vCPU, wherever the odd one is. */
static void test_stable_rule(void **state)
{
	uint64_t adj[4] = { 7, 7, 7, 7 };
	(void)state;

	assert_true(pvclock_tsc_stable(adj, 4, true));
	assert_false(pvclock_tsc_stable(adj, 4, false));
	assert_true(pvclock_tsc_stable(adj, 1, true));
	assert_false(pvclock_tsc_stable(adj, 1, false));
	assert_true(pvclock_tsc_stable(adj, 0, true));
	for (int i = 0; i < 4; i++) {
		adj[i] = 8;
		assert_false(pvclock_tsc_stable(adj, 4, true));
		adj[i] = 7;
	}
	/* The host side: in step at boot and of constant rate. */
	assert_true(guest_tsc_host_reliable(true, true, false));
	assert_true(guest_tsc_host_reliable(true, false, true));
	assert_true(guest_tsc_host_reliable(true, true, true));
	assert_false(guest_tsc_host_reliable(true, false, false));
	assert_false(guest_tsc_host_reliable(false, true, false));
	assert_false(guest_tsc_host_reliable(false, true, true));
	assert_false(guest_tsc_host_reliable(false, false, true));
}

/* plinth's ns of a host TSC value, as time_now_ns computes it. */
static void test_host_ns(void **state)
{
	(void)state;

	assert_int_equal(pvclock_host_ns(5000, 5000, 2500000000ull), 0);
	assert_int_equal(pvclock_host_ns(5000 + 3 * 2500000000ull + 1250, 5000, 2500000000ull),
			 3000000000ull + 500);
	assert_int_equal(pvclock_host_ns(99, 1, 0), 0);
	/* The boot TSC near the wrap: the difference still counts. */
	assert_int_equal(pvclock_host_ns(999, ~0ull - 1000, 1000000000ull), 2000);
	/* A day at 3 GHz, exact to the ns. */
	uint64_t day = 86400ull * 3000000000ull;
	assert_int_equal(pvclock_host_ns(day + 3, 0, 3000000000ull), 86400ull * 1000000000ull + 1);
}

/* What the guest computes from a structure: system_time + scale(tsc -
 * tsc_timestamp) (Linux __pvclock_read_cycles). */
static uint64_t guest_read(const struct pvclock_vcpu_time_info *t, uint64_t guest_tsc)
{
	return t->system_time + pvclock_ticks_to_ns(guest_tsc - t->tsc_timestamp,
						    t->tsc_to_system_mul, t->tsc_shift);
}

/* Every vCPU's structure comes from the VM's reference (the host TSC at
 * its creation): two vCPUs read the same ns at the same instant however
 * late each structure was written, and a vCPU whose TSC was moved still
 * reads the VM's time through its own TSC. The time tracks plinth's clock
 * within the scale's precision. */
static void test_master_clock(void **state)
{
	const uint64_t hz = 2598408000ull, boot = 77777;
	const uint64_t created = boot + 5 * hz;     /* the VM came 5 s after boot */
	struct pvclock_vcpu_time_info t[2];
	struct two_vcpus vm;
	uint32_t mul;
	int8_t shift;
	(void)state;

	assert_int_equal(pvclock_scale(hz, &mul, &shift), 0);
	make_vm(&vm, created);
	/* vCPU 1's TSC was moved by a guest write. */
	assert_int_equal(vcpu_wrmsr(&vm, 1, created + 100, 0x10, 1ull << 40), MSR_OK);
	uint64_t ref = 0 - vm.vm_offset, ref_ns = pvclock_host_ns(ref, boot, hz);
	assert_int_equal(ref, created);
	assert_int_equal(ref_ns, 5000000000ull);
	const struct pvclock_vm_clock c = { .vm_tsc_offset = vm.vm_offset, .boot_tsc = boot,
					    .hz = hz, .mul = mul, .shift = shift };
	for (int i = 0; i < 2; i++)
		pvclock_fill_vcpu(&t[i], 2, &c, vm.s[i].tsc_adjust, i == 0);
	assert_int_equal(t[0].tsc_timestamp, 0);     /* the guest TSC at creation */
	assert_int_equal(t[1].tsc_timestamp, vm.s[1].tsc_adjust);
	assert_int_equal(t[0].system_time, ref_ns);
	assert_int_equal(t[1].system_time, ref_ns);
	assert_int_equal(t[0].flags, PVCLOCK_TSC_STABLE_BIT);
	assert_int_equal(t[1].flags, 0);
	for (uint64_t host = created; host < created + 3600 * hz; host += hz * 7 + 12345) {
		uint64_t ns0 = guest_read(&t[0], vcpu_rdtsc(&vm, 0, host));
		uint64_t ns1 = guest_read(&t[1], vcpu_rdtsc(&vm, 1, host));
		uint64_t exact = pvclock_host_ns(host, boot, hz);
		assert_int_equal(ns0, ns1);
		/* Below 2^-31 of the time since the reference (+1 ns). */
		assert_true(exact - ns0 <= (exact - ref_ns) / (1ull << 31) + 1);
	}
}

/* The CPUID bits that follow the rule: KVM_FEATURE_CLOCKSOURCE_STABLE_BIT
 * (0x40000101 EAX[24]) and the invariant TSC (0x80000007 EDX[8]), set and
 * cleared whatever the host said, the other bits kept. */
static void test_cpuid_bits(void **state)
{
	struct cpuid_guest_ctx ctx = { .nr_vcpus = 2, .tsc_reliable = true };
	struct cpuid_regs r = { 0 };
	(void)state;

	cpuid_guest_view(0x40000101, 0, &ctx, &r);
	assert_int_equal(r.eax, (1u << 24) | (1u << 3) | (1u << 1));
	r = (struct cpuid_regs){ .edx = 0x00000001u };
	cpuid_guest_view(0x80000007, 0, &ctx, &r);
	assert_int_equal(r.edx, 0x101u);
	ctx.tsc_reliable = false;
	cpuid_guest_view(0x40000101, 0, &ctx, &r);
	assert_int_equal(r.eax, (1u << 3) | (1u << 1));
	r = (struct cpuid_regs){ .edx = 0x101u };
	cpuid_guest_view(0x80000007, 0, &ctx, &r);
	assert_int_equal(r.edx, 0x001u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_range),
		cmocka_unit_test(test_scale_known),
		cmocka_unit_test(test_scale_refused),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_wall_clock),
		cmocka_unit_test(test_vm_offset),
		cmocka_unit_test(test_tsc_write_one_vcpu),
		cmocka_unit_test(test_stable_rule),
		cmocka_unit_test(test_host_ns),
		cmocka_unit_test(test_master_clock),
		cmocka_unit_test(test_cpuid_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
