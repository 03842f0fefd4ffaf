/* isolation.c - test guest: reads guest-physical memory outside its RAM
 * (paging is off, so the linear address is the guest-physical one). Plinth
 * must stop this VM with "vm isolation: stopped: access to guest-physical
 * ..." and go on with the next VM. Reaching the end is a failure. */
#include "guest.h"

#define OUTSIDE_RAM 0x40000000u   /* 1 GiB: above the guest's RAM, no MMIO there */

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	volatile uint32_t *p = (volatile uint32_t *)OUTSIDE_RAM;
	uint32_t v;

	(void)magic;
	(void)info;
	guest_puts("isolation guest: reading guest-physical 0x40000000\n");
	v = *p;
	guest_check(false, "the read outside RAM was not stopped", v);
	return guest_summary();
}
