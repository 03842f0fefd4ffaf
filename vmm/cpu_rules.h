/* cpu_rules.h - the architectural rules a guest's writes to CR0, CR4, EFER
 * and XCR0 must obey, vendor-neutral and pure (vmm/cpu_rules.c, host-tested
 * in tests/unit/test_cpu_rules.c). The exit handlers (exit_cpu.c) check a
 * guest's MOV CR / WRMSR EFER / XSETBV here first, so both backends fault
 * the same way; the backends then only apply the value and the
 * consequences the hardware has (EFER.LMA, "IA-32e mode guest").
 *
 * Each check returns 0 (the write is legal) or the exception vector the CPU
 * raises (VEC_GP or VEC_UD, always with error code 0 for #GP). */
#ifndef VMM_CPU_RULES_H
#define VMM_CPU_RULES_H

#include <plinth/compiler.h>

/* XCR0 state components (Intel SDM vol. 1 §13.1). */
#define XCR0_X87       BIT(0)
#define XCR0_SSE       BIT(1)
#define XCR0_AVX       BIT(2)
#define XCR0_BNDREGS   BIT(3)
#define XCR0_BNDCSR    BIT(4)
#define XCR0_OPMASK    BIT(5)
#define XCR0_ZMM_HI256 BIT(6)
#define XCR0_HI16_ZMM  BIT(7)
#define XCR0_AVX512    (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/* The guest state the checks depend on, as the guest sees it. */
struct cpu_rules_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_long;           /* CS.L: the guest runs 64-bit code (with EFER.LMA) */
	unsigned cpl;
};

/* MOV to CR0 (SDM vol. 2B "MOV to/from control registers", vol. 3 §2.5,
 * §10.8.5; AMD APM vol. 2 §3.1.1, §14.6.1). */
int cr0_write_check(const struct cpu_rules_state *s, uint64_t value);
/* MOV to CR4 with the bits the guest's CPU supports in supported (SDM
 * vol. 3 §2.5, §4.10.1 PCIDE). */
int cr4_write_check(const struct cpu_rules_state *s, uint64_t value, uint64_t supported);
/* MOV to CR8: only the task-priority class in bits 3:0 (SDM vol. 3 §11.8.6.1,
 * §2.5). */
int cr8_write_check(uint64_t value);
/* WRMSR IA32_EFER with the bits the guest's CPUID offers in supported (SCE,
 * LME, NXE; SDM vol. 3 §2.2.1, §10.8.5; APM vol. 2 §3.1.7). LMA is
 * read-only: on success *result is value with the current LMA. */
int efer_write_check(const struct cpu_rules_state *s, uint64_t value, uint64_t supported,
		     uint64_t *result);
/* The EFER a CR0 write leaves: LMA = LME && CR0.PG (SDM vol. 3 §10.8.5,
 * APM vol. 2 §14.6.1, "long mode activation"). */
uint64_t efer_after_cr0(uint64_t efer, uint64_t cr0);
/* XSETBV of value into XCR[index] with the XCR0 bits the guest may enable
 * in supported (SDM vol. 2C XSETBV, vol. 1 §13.3). */
int xsetbv_check(const struct cpu_rules_state *s, uint32_t index, uint64_t value,
		 uint64_t supported);

#endif
