/* apic_regs.h - the xAPIC page as the test guests see it (Intel SDM vol. 3
 * §11.4.1 Table 11-1): plinth emulates it at 0xFEE00000 (vmm/vlapic.c).
 * Guests run with paging off, so the physical address is the pointer. */
#ifndef GUEST_APIC_REGS_H
#define GUEST_APIC_REGS_H

#include <stdint.h>

#define APIC_BASE      0xFEE00000u
#define APIC_ID        0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_PPR       0x0A0
#define APIC_EOI       0x0B0
#define APIC_LDR       0x0D0
#define APIC_DFR       0x0E0
#define APIC_SVR       0x0F0
#define APIC_ISR       0x100
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_ESR       0x280
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3E0

#define APIC_SVR_ENABLE    (1u << 8)
#define APIC_LVT_MASKED    (1u << 16)
#define APIC_LVT_PERIODIC  (1u << 17)
#define APIC_ICR_BUSY      (1u << 12)
#define APIC_ICR_SELF      (1u << 18)
#define APIC_DCR_DIV1      0xB

static inline uint32_t apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(APIC_BASE + reg);
}

static inline void apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = v;
}

/* Is vector set in the 256-bit register set at base (ISR, TMR, IRR)? */
static inline int apic_vector_set(uint32_t base, uint8_t vector)
{
	return (apic_read(base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
