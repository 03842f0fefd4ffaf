/* portio.c - test guest: port I/O through plinth (vmm/io.c): reads and
 * writes of every size on unassigned ports (all ones, writes dropped), the
 * 16550's scratch and line-status registers, string I/O (REP OUTSB to the
 * UART, REP INSB from an unassigned port into a buffer across a page
 * boundary, DF=1, ECX=0, OUTSD), and the test-exit port at the end
 * (through guest_exit). Exits with the number of failures. */
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

/* Two pages, so a buffer can straddle their boundary (paging is off:
 * linear = guest-physical, and plinth still translates page by page). */
static uint8_t sbuf[8192] __attribute__((aligned(4096)));

/* INS/OUTS, emulated by plinth element by element (vmm/exit_io.c). */
static void test_string_io(void)
{
	static const char msg[] = "rep outsb reached COM1\n";
	const char *si = msg;
	uint8_t *di, *buf = sbuf + 4096 - 5;   /* 5 bytes before the page end */
	uint32_t cx = sizeof(msg) - 1;
	bool all = true;

	__asm__ __volatile__("cld; rep outsb" : "+S"(si), "+c"(cx) : "d"(COM1) : "memory");
	guest_check(cx == 0 && si == msg + sizeof(msg) - 1, "rep outsb: ECX 0, ESI past the text",
		    cx);
	for (unsigned i = 0; i < 16; i++)
		buf[i] = 0;
	di = buf;
	cx = 10;
	__asm__ __volatile__("cld; rep insb" : "+D"(di), "+c"(cx) : "d"(0x2E8) : "memory");
	for (unsigned i = 0; i < 10; i++)
		all = all && buf[i] == 0xFF;
	guest_check(all && buf[10] == 0 && cx == 0 && di == buf + 10,
		    "rep insb from an unassigned port across a page: 0xFF bytes", buf[10]);
	/* DF=1: INSW stores at EDI and moves it down by 2. */
	di = buf + 12;
	__asm__ __volatile__("std; insw; cld" : "+D"(di) : "d"(0x2E8) : "memory");
	guest_check(di == buf + 10 && buf[12] == 0xFF && buf[13] == 0xFF && buf[14] == 0,
		    "insw with DF=1: one word, EDI - 2", (uint32_t)(di - buf));
	/* REP with ECX = 0 does nothing. */
	si = msg;
	cx = 0;
	__asm__ __volatile__("cld; rep outsb" : "+S"(si), "+c"(cx) : "d"(COM1 + 7) : "memory");
	guest_check(si == msg, "rep outsb with ECX 0: nothing moves", (uint32_t)(si - msg));
	/* OUTSD without REP to the UART scratch register: the low byte. */
	si = "ZYXW";
	__asm__ __volatile__("cld; outsl" : "+S"(si) : "d"(COM1 + 7) : "memory");
	guest_check(inb(COM1 + 7) == 'Z', "outsd: one dword, ESI + 4", inb(COM1 + 7));
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

	test_string_io();
	return guest_summary();
}
