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

/* ---- exceptions (guest.c, trap.S) ---- */
/* What trap.S saves: PUSHA, then vector, error code and the CPU's frame. */
struct guest_trap_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

/* Load a flat GDT (code 0x08, data 0x10) and an IDT whose 32 exception
 * gates go to guest_trap(). Multiboot leaves GDTR and IDTR undefined
 * (Multiboot 0.6.96 §3.2), so a guest that wants exceptions calls this. */
void guest_idt_init(void);

/* Set by GUEST_TRY: where an exception resumes, and what it recorded. */
extern volatile uint32_t guest_fault_resume;
extern volatile uint32_t guest_fault_vector;    /* 0xFFFFFFFF: none */
extern volatile uint32_t guest_fault_error;

/* Run one instruction (asm text, operands as in extended asm after the
 * template) so that an exception it raises resumes after it: the handler
 * records vector and error code and jumps to the local label 9. Evaluates to
 * the vector taken, or 0xFFFFFFFF if none. */
#define GUEST_TRY(insn, ...) __extension__({                                 \
	guest_fault_vector = 0xFFFFFFFFu;                                    \
	__asm__ __volatile__("movl $9f, guest_fault_resume\n\t"             \
			     insn "\n"                                       \
			     "9:\n\tmovl $0, guest_fault_resume" __VA_ARGS__); \
	guest_fault_vector; })

static inline uint32_t rdmsr_try(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	uint32_t vec = GUEST_TRY("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return vec;
}

static inline uint32_t wrmsr_try(uint32_t msr, uint64_t val)
{
	return GUEST_TRY("wrmsr", : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

/* ---- interrupts (guest.c) ---- */
/* Point IDT gate vector (32-255) at stub, an interrupt gate; call after
 * guest_idt_init(). */
void guest_set_irq_handler(uint8_t vector, void (*stub)(void));
/* Define stub, an interrupt entry that saves the registers, calls the C
 * function fn(void) and returns with IRET (fn sends any EOI itself). */
#define GUEST_IRQ_STUB(stub, fn)                                              \
	void stub(void);                                                      \
	void fn(void);                                                        \
	__asm__(".text\n\t.globl " #stub "\n" #stub ":\n\t"                   \
		"pusha\n\tcld\n\tcall " #fn "\n\tpopa\n\tiret\n")
