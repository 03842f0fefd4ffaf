/* msr.c - test guest: the MSRs plinth emulates (vmm/msr.c): values read,
 * values written and read back, and #GP for reserved bits, invalid memory
 * types, non-canonical addresses, read-only and unknown MSRs. Exits with
 * the number of failures. */
#include "guest.h"

#define NO_FAULT 0xFFFFFFFFu
#define GP 13u

static void check_gp(uint32_t vec, const char *name)
{
	guest_check(vec == GP && guest_fault_error == 0, name, vec);
}

/* Write val, read it back, expect both to succeed and the value to stick. */
static void check_rw(uint32_t msr, uint64_t val, const char *name)
{
	uint64_t back = 0;
	uint32_t wv = wrmsr_try(msr, val);
	uint32_t rv = rdmsr_try(msr, &back);
	guest_check(wv == NO_FAULT && rv == NO_FAULT && back == val, name, (uint32_t)back);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint64_t v = 0, t1 = 0, t2 = 0, adj = 0;

	(void)magic;
	(void)info;
	guest_idt_init();
	guest_puts("msr guest: checking the emulated MSRs\n");

	guest_check(rdmsr_try(0x1B, &v) == NO_FAULT && v == 0xFEE00900ULL,
		    "APIC_BASE: xAPIC at 0xFEE00000, enabled, BSP", (uint32_t)v);
	check_gp(wrmsr_try(0x1B, 0xFED00900ULL), "APIC_BASE: moving the base -> #GP");
	check_gp(wrmsr_try(0x1B, 0xFEE00901ULL), "APIC_BASE: reserved bit 0 -> #GP");
	/* x2APIC mode (offered: CPUID.1:ECX[21]) and its legal transitions
	 * (SDM vol. 3 §11.12.5). */
	check_gp(wrmsr_try(0x1B, 0xFEE00500ULL), "APIC_BASE: EXTD without EN -> #GP");
	check_rw(0x1B, 0xFEE00D00ULL, "APIC_BASE: xAPIC -> x2APIC sticks");
	check_gp(wrmsr_try(0x1B, 0xFEE00900ULL), "APIC_BASE: x2APIC -> xAPIC -> #GP");
	check_rw(0x1B, 0xFEE00100ULL, "APIC_BASE: global disable sticks");
	check_gp(wrmsr_try(0x1B, 0xFEE00D00ULL), "APIC_BASE: disabled -> x2APIC -> #GP");
	check_rw(0x1B, 0xFEE00900ULL, "APIC_BASE: re-enable sticks");

	guest_check(rdmsr_try(0x3A, &v) == NO_FAULT && (v & 1) && !(v & 6),
		    "FEATURE_CONTROL locked, VMX off", (uint32_t)v);
	check_gp(wrmsr_try(0x3A, 5), "FEATURE_CONTROL write -> #GP");

	guest_check(rdmsr_try(0x10, &t1) == NO_FAULT && rdmsr_try(0x10, &t2) == NO_FAULT &&
		    t2 > t1, "TSC increases", (uint32_t)(t2 - t1));
	guest_check(wrmsr_try(0x10, 1ULL << 40) == NO_FAULT && rdmsr_try(0x10, &t1) == NO_FAULT &&
		    t1 >= (1ULL << 40) && t1 < (1ULL << 40) + (1ULL << 32),
		    "TSC write sets the count", (uint32_t)(t1 >> 32));
	guest_check(rdmsr_try(0x3B, &adj) == NO_FAULT && adj > (1ULL << 39),
		    "TSC write moved TSC_ADJUST", (uint32_t)(adj >> 32));
	guest_check(wrmsr_try(0x3B, adj + (1ULL << 36)) == NO_FAULT &&
		    rdmsr_try(0x10, &t2) == NO_FAULT && t2 >= t1 + (1ULL << 36),
		    "TSC_ADJUST write moves the TSC", (uint32_t)((t2 - t1) >> 32));

	guest_check(rdmsr_try(0x277, &v) == NO_FAULT && v == 0x0007040600070406ULL,
		    "PAT power-on value", (uint32_t)v);
	check_rw(0x277, 0x0007010600070106ULL, "PAT with WC entries sticks");
	check_gp(wrmsr_try(0x277, 0x0007040600070402ULL), "PAT type 2 -> #GP");
	check_gp(wrmsr_try(0x277, 0x0307040600070406ULL), "PAT type 3 -> #GP");
	check_gp(wrmsr_try(0x277, 0x0007040600070416ULL), "PAT reserved bits -> #GP");
	guest_check(rdmsr_try(0x277, &v) == NO_FAULT && v == 0x0007010600070106ULL,
		    "PAT unchanged by rejected writes", (uint32_t)v);

	guest_check(rdmsr_try(0xFE, &v) == NO_FAULT && (v & 0xFF) == 8 && (v & 0x500) == 0x500,
		    "MTRRcap: 8 variable, fixed, WC", (uint32_t)v);
	check_gp(wrmsr_try(0xFE, 0), "MTRRcap write -> #GP");
	check_rw(0x2FF, 0xC06, "MTRRdefType E|FE|WB sticks");
	check_gp(wrmsr_try(0x2FF, 0x7), "MTRRdefType type 7 -> #GP");
	check_gp(wrmsr_try(0x2FF, 0x1006), "MTRRdefType reserved bit -> #GP");
	check_rw(0x250, 0x0606060606060606ULL, "fixed MTRR 64K sticks");
	check_rw(0x26F, 0x0000000005050404ULL, "fixed MTRR 4K F8000 sticks");
	check_gp(wrmsr_try(0x258, 0x0606060606060602ULL), "fixed MTRR type 2 -> #GP");
	check_gp(rdmsr_try(0x251, &v), "0x251 (hole between fixed MTRRs) -> #GP");
	check_rw(0x200, 0x80000006ULL, "PhysBase0 sticks");
	check_rw(0x201, 0xF80000800ULL, "PhysMask0 sticks");
	check_gp(wrmsr_try(0x202, 0x80000103ULL), "PhysBase1 type 3 -> #GP");
	check_gp(wrmsr_try(0x202, 0x80000906ULL), "PhysBase1 reserved bits 11:8 -> #GP");
	check_gp(wrmsr_try(0x203, 0x1ULL), "PhysMask1 reserved bit 0 -> #GP");
	check_gp(wrmsr_try(0x203, 1ULL << 60), "PhysMask1 above MAXPHYADDR -> #GP");
	check_gp(rdmsr_try(0x210, &v), "PhysBase8 (beyond VCNT) -> #GP");

	guest_check(rdmsr_try(0x1A0, &v) == NO_FAULT && (v & 1) && (v & 0x1800) == 0x1800,
		    "MISC_ENABLE: fast strings, no BTS/PEBS", (uint32_t)v);
	guest_check(wrmsr_try(0x1A0, 0) == NO_FAULT && rdmsr_try(0x1A0, &v) == NO_FAULT &&
		    v == 0x1800, "MISC_ENABLE: read-only bits keep their value", (uint32_t)v);
	check_gp(wrmsr_try(0x1A0, 1ULL << 40), "MISC_ENABLE reserved bit -> #GP");

	check_rw(0x174, 0x08, "SYSENTER_CS sticks");
	check_rw(0x175, 0xFFFFFFFF80001000ULL, "SYSENTER_ESP sticks");
	check_rw(0x176, 0x00007FFFFFFFF000ULL, "SYSENTER_EIP sticks");
	/* Non-canonical values here are so at 48 and at 57 bits: a CPU with
	 * 5-level paging checks MSR addresses at 57 bits (SDM vol. 1
	 * §3.3.7.1, the most significant implemented bit). */
	check_gp(wrmsr_try(0x176, 0x0100800000000000ULL), "SYSENTER_EIP non-canonical -> #GP");
	check_rw(0xC0000081, 0x0023001000000000ULL, "STAR sticks");
	check_rw(0xC0000082, 0xFFFFFFFF81000000ULL, "LSTAR sticks");
	check_gp(wrmsr_try(0xC0000082, 0x8000000000000000ULL), "LSTAR non-canonical -> #GP");
	check_rw(0xC0000084, 0x47700, "SFMASK sticks");
	check_gp(wrmsr_try(0xC0000084, 1ULL << 32), "SFMASK high half -> #GP");
	check_rw(0xC0000102, 0xFFFF888000000000ULL, "KERNEL_GS_BASE sticks");
	check_rw(0xC0000103, 7, "TSC_AUX sticks");
	check_rw(0xC0000100, 0x12345000, "FS_BASE sticks");
	check_rw(0xC0000101, 0x00007F0000000000ULL, "GS_BASE sticks");
	check_gp(wrmsr_try(0xC0000100, 0x0900900000000000ULL), "FS_BASE non-canonical -> #GP");
	__asm__ __volatile__("mov %%ds, %%eax\n\tmov %%eax, %%fs\n\tmov %%eax, %%gs" ::: "eax");

	guest_check(rdmsr_try(0xC0000080, &v) == NO_FAULT && v == 0, "EFER reads 0 (32-bit guest)",
		    (uint32_t)v);
	guest_check(wrmsr_try(0xC0000080, 0) == NO_FAULT, "EFER unchanged write accepted", 0);
	check_gp(wrmsr_try(0xC0000080, 1ULL << 12), "EFER.SVME -> #GP");

	check_gp(rdmsr_try(0x12345678, &v), "unknown MSR read -> #GP");
	check_gp(wrmsr_try(0x12345678, 0), "unknown MSR write -> #GP");
	check_gp(rdmsr_try(0xC0010000, &v), "AMD MSR on Intel -> #GP");

	return guest_summary();
}
