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
 * leaf 1 EDX bit 9 says; otherwise "BENCH: mmio n/a"). */
#include "guest.h"

#define ITERATIONS   2000u
#define WARMUP       16u
#define UNASSIGNED_PORT 0x2E8     /* COM4's address: no device in a plinth VM */
#define LAPIC_VERSION   0xFEE00030u

static inline uint32_t rdtsc32(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return lo;   /* differences below 2^32 ticks are exact */
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
	if (lapic)
		report("mmio", measure(op_mmio));
	else
		guest_puts("BENCH: mmio n/a (no local APIC in this VM)\n");
	guest_puts("BENCH: done\n");
	return 0;
}
