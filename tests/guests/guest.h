/* guest.h - the tiny library of plinth's test guests (32-bit, freestanding):
 * port I/O, COM1 output, PASS/FAIL accounting and the test-exit port. */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_EXIT_PORT 0xF4

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* Print to COM1 (a 16550 at 0x3F8). */
void guest_puts(const char *s);
void guest_put_hex(uint32_t v);
void guest_put_dec(uint32_t v);
/* Record one check: prints "PASS: name" or "FAIL: name (detail 0x...)". */
void guest_check(bool ok, const char *name, uint32_t detail);
/* Print "SUMMARY: N passed, M failed"; returns M. */
uint32_t guest_summary(void);
/* Write code to the test-exit port; never returns (halts if the write
 * did not end the VM). */
void guest_exit(uint32_t code) __attribute__((noreturn));

/* Each guest provides this; its return value is the exit code. */
uint32_t guest_main(uint32_t magic, uint32_t info);

#endif
