/* tsc_sync.c - the boot-time TSC warp test between the BSP and each AP
 * (see tsc_sync.h). One AP is tested at a time (smp_boot_aps starts them
 * one by one), so one set of globals serves every test; the cpu number in
 * each handshake step keeps a late AP from joining another AP's test. */
#include <plinth/log.h>
#include <plinth/spinlock.h>
#include <plinth/time.h>
#include <x86/cpu.h>
#include <x86/tsc_sync.h>

#define WARP_TEST_US      10000u        /* each side reads for 10 ms */
#define WARP_TEST_READS   2000000u      /* ... or at most this many reads */
/* A side waits this long for the other: microseconds on hardware, but an
 * emulator's CPU threads (QEMU TCG, whose TSC is the host's real time) can
 * stall for hundreds of ms on a loaded machine. */
#define HANDSHAKE_US      5000000u
#define NO_CPU            0xFFFFFFFFu

static spinlock_t warp_lock;
static uint64_t last_tsc;               /* the last TSC read by either side (warp_lock) */
static uint64_t max_warp;               /* the largest step back seen (warp_lock) */
static unsigned warps;                  /* reads lower than the one before (warp_lock) */
static unsigned armed = NO_CPU;         /* the AP the BSP waits for (atomic) */
static unsigned arrived = NO_CPU;       /* the AP that joined (atomic) */
static unsigned finished = NO_CPU;      /* the AP that finished its reads (atomic) */
static bool out_of_step;                /* a test found a warp or was not run */
static unsigned cpus_tested;            /* APs whose test ran (BSP only) */
static uint64_t total_reads;            /* reads of both sides in all tests (BSP only) */
static unsigned reads;                  /* reads in the current test (warp_lock) */

/* RDTSC after every earlier load has completed (LFENCE, SDM vol. 2B
 * RDTSC: it is not ordered with earlier instructions otherwise), so the
 * value read is not older than the last_tsc it is compared with. */
static inline uint64_t tsc_read_ordered(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
	return rdtsc();
}

/* Wait until *word == cpu, at most HANDSHAKE_US. True if it did. */
static bool wait_for(const unsigned *word, unsigned cpu)
{
	uint64_t hz = tsc_hz() ? tsc_hz() : 4000000000ull;
	uint64_t start = rdtsc(), limit = hz / 1000000 * HANDSHAKE_US;

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != cpu) {
		if (rdtsc() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

/* Both sides: read the TSC under the lock for WARP_TEST_US, comparing each
 * read with the last one of either side. */
static void warp_reads(void)
{
	uint64_t hz = tsc_hz() ? tsc_hz() : 4000000000ull;
	uint64_t span = hz / 1000000 * WARP_TEST_US, start = tsc_read_ordered(), now = start;

	for (unsigned i = 0; i < WARP_TEST_READS && now - start < span; i++) {
		spin_lock(&warp_lock);
		uint64_t prev = last_tsc;
		now = tsc_read_ordered();
		last_tsc = now;
		reads++;
		if (now < prev) {
			warps++;
			if (prev - now > max_warp)
				max_warp = prev - now;
		}
		spin_unlock(&warp_lock);
	}
}

void tsc_sync_source(unsigned cpu)
{
	last_tsc = 0;
	max_warp = 0;
	warps = 0;
	reads = 0;
	__atomic_store_n(&armed, cpu, __ATOMIC_RELEASE);
	if (!wait_for(&arrived, cpu)) {
		__atomic_store_n(&armed, NO_CPU, __ATOMIC_RELEASE);
		pr_warn("tsc: CPU %u did not join the TSC synchronization test; guests get no "
			"stable TSC clock", cpu);
		out_of_step = true;
		return;
	}
	warp_reads();
	if (!wait_for(&finished, cpu)) {
		pr_warn("tsc: CPU %u did not finish the TSC synchronization test; guests get no "
			"stable TSC clock", cpu);
		out_of_step = true;
	}
	__atomic_store_n(&armed, NO_CPU, __ATOMIC_RELEASE);
	/* Both sides are done with the lock's data now. */
	cpus_tested++;
	total_reads += reads;
	if (warps) {
		pr_warn("tsc: CPU %u's TSC is out of step with CPU 0's (%u reads went back, by up "
			"to %llu ticks); guests get no stable TSC clock", cpu, warps,
			(unsigned long long)max_warp);
		out_of_step = true;
	} else {
		pr_debug("tsc: CPU %u's TSC is in step with CPU 0's", cpu);
	}
}

void tsc_sync_target(unsigned cpu)
{
	if (!wait_for(&armed, cpu))
		return;         /* the BSP gave up on this CPU and said so */
	__atomic_store_n(&arrived, cpu, __ATOMIC_RELEASE);
	warp_reads();
	__atomic_store_n(&finished, cpu, __ATOMIC_RELEASE);
}

void tsc_sync_report(unsigned cpus)
{
	if (cpus > 1 && !out_of_step)
		pr_info("tsc: the TSCs of the %u CPUs are in step (warp test of %u AP%s with the "
			"BSP: %llu reads, none went back)", cpus, cpus_tested,
			cpus_tested == 1 ? "" : "s", (unsigned long long)total_reads);
}

bool tsc_host_synchronized(void)
{
	return !__atomic_load_n(&out_of_step, __ATOMIC_ACQUIRE);
}
