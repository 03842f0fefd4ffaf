/* pic.c - test guest: the 8259 pair and ELCR as plinth emulates them
 * (vmm/vpic.c): the reset mask, the ICW1-ICW4 initialization of master
 * and slave, OCW1 masks, OCW3 IRR/ISR reads and the poll command with no
 * request, EOIs with nothing in service, and the ELCR's fixed edge bits.
 * No device raises IRQ lines yet, so every request register stays 0. */
#include "guest.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ELCR1 0x4D0
#define ELCR2 0x4D1

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	(void)magic;
	(void)info;
	guest_puts("pic guest: 8259 pair and ELCR registers\n");

	guest_check(inb(PIC1_DATA) == 0xFF, "master IMR before initialization: all masked",
		    inb(PIC1_DATA));
	guest_check(inb(PIC2_DATA) == 0xFF, "slave IMR before initialization: all masked",
		    inb(PIC2_DATA));

	/* ICW1 edge/cascade/IC4, ICW2 vector base, ICW3 wiring, ICW4 8086. */
	outb(PIC1_CMD, 0x11); outb(PIC1_DATA, 0x20); outb(PIC1_DATA, 0x04); outb(PIC1_DATA, 0x01);
	outb(PIC2_CMD, 0x11); outb(PIC2_DATA, 0x28); outb(PIC2_DATA, 0x02); outb(PIC2_DATA, 0x01);
	guest_check(inb(PIC1_DATA) == 0x00, "ICW1 clears the master IMR", inb(PIC1_DATA));
	guest_check(inb(PIC2_DATA) == 0x00, "ICW1 clears the slave IMR", inb(PIC2_DATA));

	outb(PIC1_DATA, 0xFB);
	outb(PIC2_DATA, 0xA5);
	guest_check(inb(PIC1_DATA) == 0xFB, "OCW1: master mask reads back", inb(PIC1_DATA));
	guest_check(inb(PIC2_DATA) == 0xA5, "OCW1: slave mask reads back", inb(PIC2_DATA));

	outb(PIC1_CMD, 0x0A);
	guest_check(inb(PIC1_CMD) == 0x00, "OCW3 read IRR: no requests", inb(PIC1_CMD));
	outb(PIC1_CMD, 0x0B);
	guest_check(inb(PIC1_CMD) == 0x00, "OCW3 read ISR: nothing in service", inb(PIC1_CMD));
	guest_check(inb(PIC1_CMD) == 0x00, "the ISR selection persists", inb(PIC1_CMD));
	outb(PIC2_CMD, 0x0B);
	guest_check(inb(PIC2_CMD) == 0x00, "slave ISR: nothing in service", inb(PIC2_CMD));
	outb(PIC1_CMD, 0x0C);
	guest_check(inb(PIC1_CMD) == 0x00, "poll command with no request returns 0", 0);
	guest_check(inb(PIC1_DATA) == 0xFB, "the poll was one read: IMR again", inb(PIC1_DATA));

	outb(PIC1_CMD, 0x20);                 /* non-specific EOI */
	outb(PIC2_CMD, 0x62);                 /* specific EOI, level 2 */
	outb(PIC1_CMD, 0x0B);
	guest_check(inb(PIC1_CMD) == 0x00, "EOIs with nothing in service change nothing", 0);

	outb(ELCR1, 0xFF);
	outb(ELCR2, 0xFF);
	guest_check(inb(ELCR1) == 0xF8, "ELCR1: IRQ 0-2 are edge-only", inb(ELCR1));
	guest_check(inb(ELCR2) == 0xDE, "ELCR2: IRQ 8 and 13 are edge-only", inb(ELCR2));
	outb(ELCR1, 0x00);
	outb(ELCR2, 0x00);
	guest_check(inb(ELCR1) == 0x00 && inb(ELCR2) == 0x00, "ELCR cleared again", inb(ELCR1));

	/* A 16-bit OUT to 0x20 writes 0x20 then 0x21 (ISA byte split). */
	__asm__ __volatile__("outw %0, %1" :: "a"((uint16_t)0x5A0A), "Nd"((uint16_t)PIC1_CMD));
	guest_check(inb(PIC1_DATA) == 0x5A, "a 16-bit write reaches the mask byte", inb(PIC1_DATA));

	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	return guest_summary();
}
