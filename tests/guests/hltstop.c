/* hltstop.c - test guest: HLT with interrupts enabled and nothing armed
 * that could ever interrupt it. plinth must stop this VM ("waiting for an
 * interrupt (no interrupt source is armed)") instead of waiting forever;
 * the boot test checks that line and that the next VM still runs. */
#include "apic_regs.h"
#include "guest.h"

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	(void)magic;
	(void)info;
	guest_puts("hltstop guest: HLT with IF=1 and no interrupt source\n");
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	/* A masked timer counts but cannot interrupt. */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | 0x40);
	apic_write(APIC_TIMER_ICR, 1000);
	guest_puts("halting for good\n");
	__asm__ __volatile__("sti; hlt" ::: "memory");
	guest_puts("FAIL: HLT returned\n");
	return 1;
}
