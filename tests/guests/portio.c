/* portio.c - test guest: port I/O through plinth (vmm/io.c): reads and
 * writes of every size on unassigned ports (all ones, writes dropped), the
 * 16550's scratch and line-status registers, and the test-exit port at the
 * end (through guest_exit). String I/O is not tested: plinth stops a VM
 * that uses INS/OUTS (not emulated yet). Exits with the number of
 * failures. */
#include "guest.h"

#define COM1 0x3F8

static inline void outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* IN AL / IN AX merge into EAX: the bits above stay (SDM vol. 1 §3.4.1.1). */
static uint32_t in8_keep(uint16_t port, uint32_t eax)
{
	__asm__ __volatile__("inb %w1, %b0" : "+a"(eax) : "d"(port));
	return eax;
}

static uint32_t in16_keep(uint16_t port, uint32_t eax)
{
	__asm__ __volatile__("inw %w1, %w0" : "+a"(eax) : "d"(port));
	return eax;
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	(void)magic;
	(void)info;
	guest_puts("portio guest: port I/O of all sizes\n");

	guest_check(inb(0x2E8) == 0xFF, "unassigned inb -> 0xFF", inb(0x2E8));
	guest_check(inw(0x2E8) == 0xFFFF, "unassigned inw -> 0xFFFF", inw(0x2E8));
	guest_check(inl(0x2E8) == 0xFFFFFFFFu, "unassigned inl -> all ones", inl(0x2E8));
	guest_check(inw(0x1234) == 0xFFFF, "unassigned inw at an odd range", inw(0x1234));
	guest_check(in8_keep(0x2E8, 0x12345600) == 0x123456FF, "inb keeps EAX[31:8]",
		    in8_keep(0x2E8, 0x12345600));
	guest_check(in16_keep(0x2E8, 0x12340000) == 0x1234FFFF, "inw keeps EAX[31:16]",
		    in16_keep(0x2E8, 0x12340000));
	outb(0x2E8, 0x00);
	outw(0x2E8, 0x0000);
	outl(0x2E8, 0x00000000);
	guest_check(inb(0x2E8) == 0xFF, "writes to unassigned ports are dropped", inb(0x2E8));
	outb(0xFFFF, 0x00);
	guest_check(inb(0xFFFF) == 0xFF, "port 0xFFFF unassigned", inb(0xFFFF));

	outb(COM1 + 7, 0xA5);
	guest_check(inb(COM1 + 7) == 0xA5, "UART scratch 0xA5", inb(COM1 + 7));
	outb(COM1 + 7, 0x5A);
	guest_check(inb(COM1 + 7) == 0x5A, "UART scratch 0x5A", inb(COM1 + 7));
	guest_check((inb(COM1 + 5) & 0x60) == 0x60, "UART LSR: THR and TSR empty", inb(COM1 + 5));
	guest_check((inb(COM1 + 5) & 0x01) == 0, "UART LSR: no received data", inb(COM1 + 5));
	outb(COM1 + 3, 0x03);
	guest_check(inb(COM1 + 3) == 0x03, "UART LCR reads back 8N1", inb(COM1 + 3));

	return guest_summary();
}
