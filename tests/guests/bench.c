/* bench.c - benchmark guest (make bench, not a test): the round trip of
 * one VM exit, measured with RDTSC in the guest (RDTSC is not intercepted;
 * in Bochs with clock sync=none the TSC counts instructions, so the
 * figures are Bochs ticks). For each item it times N iterations of a loop
 * around one instruction and prints the average ticks per iteration,
 * machine-readable:
 *     BENCH: <item> <ticks per iteration, one decimal>
 * Items: loop (the same loop around a NOP: nothing exits), cpuid (leaf 0),
 * vmcall (VMCALL on Intel, VMMCALL on AMD: each vendor's native hypercall
 * instruction; plinth's hypercall 0), io (OUT to an unassigned port) and
 * mmio (a read of the local APIC's version register at 0xFEE00030, an
 * emulated MMIO page: measured when the VM has a local APIC, which CPUID
 * leaf 1 EDX bit 9 says; otherwise "BENCH: mmio n/a").
 *
 * Wake-up latency (with a local APIC): the guest arms the one-shot APIC
 * timer for T and halts (STI; HLT) until its interrupt; the handler reads
 * the TSC. One sleep takes T in TSC ticks plus the latency L from the
 * timer's due time to the handler running (the hypervisor's wake-up path:
 * host timer, sleeper wake-up, scheduling, entry, injection). Sleeps of T
 * and 2T give a1 = T*r + L and a2 = 2T*r + L, so L = 2*a1 - a2 without
 * knowing the TSC rate r, and (a2 - a1) / T is that rate:
 *     BENCH: wake <L in TSC ticks>      BENCH: wake_us <L in microseconds> */
#include "guest.h"
#include "apic_regs.h"

#define ITERATIONS   2000u
#define WARMUP       16u
#define UNASSIGNED_PORT 0x2E8     /* COM4's address: no device in a plinth VM */
#define LAPIC_VERSION   0xFEE00030u

static inline uint32_t rdtsc32(void)
{
	return (uint32_t)rdtsc();   /* differences below 2^32 ticks are exact */
}

static bool amd;

static void op_nop(void) { __asm__ __volatile__("nop"); }
static void op_cpuid(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
}
static void op_hypercall(void)
{
	uint32_t ret;
	if (amd)
		__asm__ __volatile__("vmmcall" : "=a"(ret) : "a"(0) : "rbx", "rcx", "rdx", "rsi", "memory");
	else
		__asm__ __volatile__("vmcall" : "=a"(ret) : "a"(0) : "rbx", "rcx", "rdx", "rsi", "memory");
}
static void op_io(void) { outb(UNASSIGNED_PORT, 0); }
static void op_mmio(void) { (void)*(volatile uint32_t *)LAPIC_VERSION; }

/* Ticks per iteration, times 10, of a loop calling op. The call and loop
 * overhead is the same for every item, so "loop" measures it. */
static uint32_t measure(void (*op)(void))
{
	for (uint32_t i = 0; i < WARMUP; i++)
		op();
	uint32_t start = rdtsc32();
	for (uint32_t i = 0; i < ITERATIONS; i++)
		op();
	uint32_t ticks = rdtsc32() - start;
	return ticks / (ITERATIONS / 10u);   /* 32-bit: no libgcc division */
}

static void report(const char *item, uint32_t tenths)
{
	guest_puts("BENCH: ");
	guest_puts(item);
	guest_puts(" ");
	guest_put_dec(tenths / 10);
	guest_puts(".");
	guest_put_dec(tenths % 10);
	guest_puts("\n");
}

#define WAKE_VECTOR     0x41
#define WAKE_SLEEPS     8u
/* T: 1 ms of the APIC timer (100 MHz at divide 1, vmm/vlapic.h). */
#define WAKE_COUNTS     100000u
#define WAKE_T_US       1000u
static volatile uint32_t wake_tsc, woken;

void on_wake(void);
void on_wake(void)
{
	wake_tsc = rdtsc32();
	woken = 1;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(wake_stub, on_wake);

/* Average TSC ticks from arming the one-shot timer for counts to its
 * handler, halted in between. */
static uint32_t sleep_ticks(uint32_t counts)
{
	uint32_t total = 0;

	for (uint32_t i = 0; i < WAKE_SLEEPS; i++) {
		uint32_t start;
		woken = 0;
		start = rdtsc32();
		apic_write(APIC_TIMER_ICR, counts);
		/* STI's shadow covers HLT: the interrupt cannot come between. */
		while (!woken)
			__asm__ __volatile__("sti; hlt; cli" ::: "memory");
		total += wake_tsc - start;
	}
	return total / WAKE_SLEEPS;
}

static void measure_wake(void)
{
	uint32_t a1, a2, lat;

	guest_idt_init();
	guest_set_irq_handler(WAKE_VECTOR, wake_stub);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_LVT_TIMER, WAKE_VECTOR);   /* one-shot */
	a1 = sleep_ticks(WAKE_COUNTS);
	a2 = sleep_ticks(2 * WAKE_COUNTS);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | WAKE_VECTOR);
	if (a2 <= a1 || 2 * a1 < a2) {
		guest_puts("BENCH: wake n/a (sleep times not linear)\n");
		return;
	}
	lat = 2 * a1 - a2;
	report("wake", lat * 10);
	/* L / (ticks per us), ticks per us = (a2 - a1) / WAKE_T_US; in
	 * tenths, 64-bit product, 32-bit quotient (no libgcc division). */
	{
		uint64_t num = (uint64_t)lat * WAKE_T_US * 10;
		uint32_t per = a2 - a1, q = 0;
		/* Long division by subtraction of shifted divisors. */
		for (int bit = 31; bit >= 0; bit--)
			if ((num >> bit) >= per) {
				num -= (uint64_t)per << bit;
				q |= 1u << bit;
			}
		report("wake_us", q);
	}
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t r[4];

	(void)magic;
	(void)info;

	cpuid(0, 0, r);
	/* "AuthenticAMD": EBX "Auth", EDX "enti", ECX "cAMD". */
	amd = r[1] == 0x68747541u && r[3] == 0x69746E65u && r[2] == 0x444D4163u;
	cpuid(1, 0, r);
	bool lapic = (r[3] & (1u << 9)) != 0;

	guest_puts(amd ? "bench guest: AMD vendor, hypercall by VMMCALL\n"
		       : "bench guest: Intel vendor, hypercall by VMCALL\n");
	report("loop", measure(op_nop));
	report("cpuid", measure(op_cpuid));
	report("vmcall", measure(op_hypercall));
	report("io", measure(op_io));
	if (lapic) {
		report("mmio", measure(op_mmio));
		measure_wake();
	} else {
		guest_puts("BENCH: mmio n/a (no local APIC in this VM)\n");
		guest_puts("BENCH: wake n/a (no local APIC in this VM)\n");
	}
	guest_puts("BENCH: done\n");
	return 0;
}
