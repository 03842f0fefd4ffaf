/* triplefault.c - test guest: loads an empty IDT and executes ud2. #UD
 * cannot be delivered (vector beyond the IDT limit: #GP), nor can the #GP,
 * so the CPU raises #DF, which fails too: a triple fault (SDM vol. 3
 * §6.15, interrupt 8). Plinth must stop this VM with "vm triplefault:
 * stopped: triple fault ..." and go on with the next VM. */
#include "guest.h"

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) empty = { 0, 0 };

	(void)magic;
	(void)info;
	guest_puts("triplefault guest: empty IDT, then ud2\n");
	__asm__ __volatile__("lidt %0\n\tud2" :: "m"(empty));
	guest_check(false, "ud2 with an empty IDT returned", 0);
	return guest_summary();
}
