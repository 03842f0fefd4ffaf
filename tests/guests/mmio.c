/* mmio.c - test guest: MMIO emulation (vmm/mmio.c, insn_emulate.c) seen
 * through the local APIC page, whose registers take aligned 32-bit
 * accesses (Intel SDM vol. 3 §11.4.1); narrower reads inside a register
 * return its bytes. Each instruction form faults in the second-level
 * table and is decoded and emulated by plinth: MOV loads and stores (8B,
 * 89, C7, A1, A3, with SIB, displacement and segment-override forms),
 * read-modify-write ALU forms (81, 83, 09, 21, 29, 31, FF, F7), ALU and
 * compare forms that only read (03, 0B, 39, 83 /7, F7 /0), MOVZX/MOVSX
 * byte and word reads, 16- and 8-bit MOV reads, and XCHG. The timer's
 * initial-count register (all 32 bits read/write, its LVT masked) serves
 * as a scratch register. */
#include "apic_regs.h"
#include "guest.h"

#define REG(off) (*(volatile uint32_t *)(APIC_BASE + (off)))
#define SCRATCH  (APIC_BASE + APIC_TIMER_ICR)

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t v, w;
	uint8_t flag;

	(void)magic;
	(void)info;
	guest_puts("mmio guest: instruction forms against the local APIC page\n");
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);

	/* MOV r/m32, r32 (89) and MOV r32, r/m32 (8B) with several registers. */
	__asm__ __volatile__("movl %0, (%1)" :: "c"(0x12345678u), "r"(SCRATCH) : "memory");
	__asm__ __volatile__("movl (%1), %0" : "=d"(v) : "r"(SCRATCH) : "memory");
	guest_check(v == 0x12345678u, "MOV store (89) and load (8B) through EDX", v);
	__asm__ __volatile__("movl (%1), %0" : "=S"(v) : "D"(SCRATCH) : "memory");
	guest_check(v == 0x12345678u, "MOV load into ESI with [EDI]", v);
	/* MOV r/m32, imm32 (C7 /0). */
	__asm__ __volatile__("movl $0xCAFEF00D, %0" : "=m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0xCAFEF00Du, "MOV imm32 store (C7 /0)",
		    REG(APIC_TIMER_ICR));
	/* MOV moffs forms (A3 store, A1 load). */
	__asm__ __volatile__("movl %%eax, 0xFEE00380" :: "a"(0x0BADBEEFu) : "memory");
	__asm__ __volatile__("movl 0xFEE00380, %%eax" : "=a"(v) :: "memory");
	guest_check(v == 0x0BADBEEFu, "MOV moffs store (A3) and load (A1)", v);
	/* SIB with index, disp8, and a segment override. */
	__asm__ __volatile__("movl (%1,%2,4), %0" : "=a"(v) : "b"(APIC_BASE), "c"(0x380 / 4)
			     : "memory");
	guest_check(v == 0x0BADBEEFu, "MOV load with base + index*4 (SIB)", v);
	__asm__ __volatile__("movl 0x80(%1), %0" : "=a"(v) : "r"(SCRATCH - 0x80) : "memory");
	guest_check(v == 0x0BADBEEFu, "MOV load with disp8", v);
	__asm__ __volatile__("movl %%es:(%1), %0" : "=a"(v) : "r"(SCRATCH) : "memory");
	guest_check(v == 0x0BADBEEFu, "MOV load with an ES override", v);

	/* Read-modify-write ALU forms. */
	apic_write(APIC_TIMER_ICR, 0xF0F0F0F0u);
	__asm__ __volatile__("orl $0x0F000000, %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0xFFF0F0F0u, "OR imm32 (81 /1)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("andl $0xFFFF00FF, %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0xFFF000F0u, "AND imm32 (81 /4)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("xorl %1, %0" : "+m"(REG(APIC_TIMER_ICR)) : "r"(0x0FF000FFu));
	guest_check(REG(APIC_TIMER_ICR) == 0xF000000Fu, "XOR r32 (31)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("orl %1, %0" : "+m"(REG(APIC_TIMER_ICR)) : "r"(0x00000F00u));
	guest_check(REG(APIC_TIMER_ICR) == 0xF0000F0Fu, "OR r32 (09)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("andl %1, %0" : "+m"(REG(APIC_TIMER_ICR)) : "r"(0xFFFFFF0Fu));
	guest_check(REG(APIC_TIMER_ICR) == 0xF0000F0Fu, "AND r32 (21)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("addl $0x10, %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0xF0000F1Fu, "ADD imm8 (83 /0)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("subl %1, %0" : "+m"(REG(APIC_TIMER_ICR)) : "r"(0xF0000000u));
	guest_check(REG(APIC_TIMER_ICR) == 0x00000F1Fu, "SUB r32 (29)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("incl %0" : "+m"(REG(APIC_TIMER_ICR)));
	__asm__ __volatile__("incl %0" : "+m"(REG(APIC_TIMER_ICR)));
	__asm__ __volatile__("decl %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0x00000F20u, "INC and DEC (FF /0, /1)",
		    REG(APIC_TIMER_ICR));
	__asm__ __volatile__("notl %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0xFFFFF0DFu, "NOT (F7 /2)", REG(APIC_TIMER_ICR));
	__asm__ __volatile__("negl %0" : "+m"(REG(APIC_TIMER_ICR)));
	guest_check(REG(APIC_TIMER_ICR) == 0x00000F21u, "NEG (F7 /3)", REG(APIC_TIMER_ICR));

	/* Forms that only read the register. */
	v = 0x10000000u;
	__asm__ __volatile__("orl %1, %0" : "+r"(v) : "m"(REG(APIC_TIMER_ICR)));
	guest_check(v == 0x10000F21u, "OR r32, r/m32 (0B)", v);
	v = 0x100;
	__asm__ __volatile__("addl %1, %0" : "+r"(v) : "m"(REG(APIC_TIMER_ICR)));
	guest_check(v == 0x1021u, "ADD r32, r/m32 (03)", v);
	__asm__ __volatile__("cmpl $0x21, %1; sete %0" : "=q"(flag) : "m"(REG(APIC_TIMER_ICR)));
	guest_check(!flag, "CMP imm8 (83 /7): not equal", flag);
	__asm__ __volatile__("cmpl %2, %1; sete %0" : "=q"(flag) : "m"(REG(APIC_TIMER_ICR)),
			     "r"(0xF21u));
	guest_check(flag, "CMP r/m32, r32 (39): equal", flag);
	__asm__ __volatile__("testl $0x100, %1; setnz %0" : "=q"(flag) : "m"(REG(APIC_SVR)));
	guest_check(flag, "TEST imm32 (F7 /0) sees SVR enabled", flag);
	__asm__ __volatile__("cmpl $0x14, %1; setb %0" : "=q"(flag) : "m"(REG(APIC_TIMER_ICR)));
	guest_check(!flag, "CMP sets CF only when below", flag);

	/* Narrow reads inside a register. */
	apic_write(APIC_TIMER_ICR, 0x8081A2B3u);
	__asm__ __volatile__("movzbl %1, %0" : "=r"(v) : "m"(*(volatile uint8_t *)(APIC_BASE + APIC_VERSION)));
	guest_check(v == 0x14, "MOVZX byte (0F B6): version byte 0", v);
	__asm__ __volatile__("movzbl %1, %0" : "=r"(v) : "m"(*(volatile uint8_t *)(APIC_BASE + APIC_VERSION + 2)));
	guest_check(v == 5, "MOVZX byte at offset 2: max LVT entry", v);
	__asm__ __volatile__("movzwl %1, %0" : "=r"(v) : "m"(*(volatile uint16_t *)(SCRATCH)));
	guest_check(v == 0xA2B3u, "MOVZX word (0F B7)", v);
	__asm__ __volatile__("movsbl %1, %0" : "=r"(v) : "m"(*(volatile uint8_t *)(SCRATCH + 3)));
	guest_check(v == 0xFFFFFF80u, "MOVSX byte (0F BE)", v);
	__asm__ __volatile__("movswl %1, %0" : "=r"(v) : "m"(*(volatile uint16_t *)(SCRATCH + 2)));
	guest_check(v == 0xFFFF8081u, "MOVSX word (0F BF)", v);
	v = 0x55555555u;
	__asm__ __volatile__("movw %1, %w0" : "+a"(v) : "m"(*(volatile uint16_t *)(SCRATCH)));
	guest_check(v == 0x5555A2B3u, "16-bit MOV load (66 8B) keeps EAX[31:16]", v);
	v = 0x55555555u;
	__asm__ __volatile__("movb %1, %b0" : "+a"(v) : "m"(*(volatile uint8_t *)(SCRATCH + 1)));
	guest_check(v == 0x555555A2u, "8-bit MOV load (8A) keeps EAX[31:8]", v);

	/* XCHG: the old value comes back, the new one is stored. */
	v = 0x11111111u;
	__asm__ __volatile__("xchgl %0, %1" : "+r"(v), "+m"(REG(APIC_TIMER_ICR)));
	w = REG(APIC_TIMER_ICR);
	guest_check(v == 0x8081A2B3u && w == 0x11111111u, "XCHG (87)", v);

	/* RMW on a register with read-only bits: SVR and an LVT. */
	__asm__ __volatile__("andl $0xFFFFFEFF, %0" : "+m"(REG(APIC_SVR)));
	guest_check(REG(APIC_SVR) == 0xFF, "AND clears the SVR enable bit", REG(APIC_SVR));
	__asm__ __volatile__("orl $0x100, %0" : "+m"(REG(APIC_SVR)));
	guest_check(REG(APIC_SVR) == 0x1FF, "OR sets it again", REG(APIC_SVR));
	apic_write(APIC_LVT_ERROR, 0xFE);
	__asm__ __volatile__("orl $0x10000, %0" : "+m"(REG(APIC_LVT_ERROR)));
	guest_check(REG(APIC_LVT_ERROR) == 0x100FE, "OR masks LVT error", REG(APIC_LVT_ERROR));
	__asm__ __volatile__("andl $0xFFFEFFFF, %0" : "+m"(REG(APIC_LVT_ERROR)));
	guest_check(REG(APIC_LVT_ERROR) == 0xFE, "AND unmasks it", REG(APIC_LVT_ERROR));

	apic_write(APIC_TIMER_ICR, 0);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_ESR, 0);
	guest_check(apic_read(APIC_ESR) == 0, "no APIC errors recorded", apic_read(APIC_ESR));
	return guest_summary();
}
