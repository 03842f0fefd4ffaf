/* cpu_rules.c - when MOV CR0/CR4/CR8, WRMSR EFER and XSETBV fault (see
 * cpu_rules.h). Pure: no backend, no hardware access. */
#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include "cpu_rules.h"

int cr0_write_check(const struct cpu_rules_state *s, uint64_t value)
{
	/* Bits 63:32 are reserved: #GP in 64-bit mode (outside it the
	 * operand is 32 bits and cannot set them). */
	if (value >> 32)
		return VEC_GP;
	/* PG without PE, and NW without CD, are invalid (SDM vol. 3 §2.5,
	 * MOV CR0 "#GP(0) if ... PG=1 and PE=0, or NW=1 and CD=0"). */
	if ((value & CR0_PG) && !(value & CR0_PE))
		return VEC_GP;
	if ((value & CR0_NW) && !(value & CR0_CD))
		return VEC_GP;
	/* Enabling paging with EFER.LME set activates long mode, which needs
	 * CR4.PAE (SDM vol. 3 §10.8.5; APM vol. 2 §14.6.1). */
	if ((value & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))
		return VEC_GP;
	/* Leaving long mode is allowed only from compatibility mode: clearing
	 * PG while running 64-bit code faults (SDM vol. 2B MOV CR, 64-bit mode
	 * exceptions; §10.8.5.4). */
	if (!(value & CR0_PG) && (s->cr0 & CR0_PG) && (s->efer & EFER_LMA) && s->cs_long)
		return VEC_GP;
	return 0;
}

int cr4_write_check(const struct cpu_rules_state *s, uint64_t value, uint64_t supported)
{
	/* A bit the CPU does not support is reserved (SDM vol. 3 §2.5). */
	if (value & ~supported)
		return VEC_GP;
	/* IA-32e mode needs PAE: clearing it there faults (§10.8.5). */
	if ((s->efer & EFER_LMA) && !(value & CR4_PAE))
		return VEC_GP;
	/* PCIDE may be set only in IA-32e mode with CR3[11:0] = 0 (§4.10.1,
	 * MOV CR4 "#GP if ... changing PCIDE from 0 to 1 while CR3[11:0] != 0
	 * or outside IA-32e mode"). */
	if ((value & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) &&
	    (!(s->efer & EFER_LMA) || (s->cr3 & 0xFFF)))
		return VEC_GP;
	return 0;
}

int cr8_write_check(uint64_t value)
{
	/* CR8 bits 63:4 are reserved (SDM vol. 3 §2.5). */
	return (value >> 4) ? VEC_GP : 0;
}

int efer_write_check(const struct cpu_rules_state *s, uint64_t value, uint64_t supported,
		     uint64_t *result)
{
	/* LMA is written by the CPU only; a WRMSR's LMA bit is ignored (SDM
	 * vol. 3 §2.2.1 "IA32_EFER.LMA ... read-only"). Any other bit the
	 * guest's CPU lacks is reserved: #GP (SDM vol. 2B WRMSR). */
	if (value & ~(supported | EFER_LMA))
		return VEC_GP;
	/* LME cannot change while paging is enabled (SDM vol. 3 §10.8.5;
	 * APM vol. 2 §14.6.1). */
	if ((s->cr0 & CR0_PG) && ((value ^ s->efer) & EFER_LME))
		return VEC_GP;
	*result = (value & ~(uint64_t)EFER_LMA) | (s->efer & EFER_LMA);
	return 0;
}

uint64_t efer_after_cr0(uint64_t efer, uint64_t cr0)
{
	if ((efer & EFER_LME) && (cr0 & CR0_PG))
		return efer | EFER_LMA;
	return efer & ~(uint64_t)EFER_LMA;
}

int xsetbv_check(const struct cpu_rules_state *s, uint32_t index, uint64_t value,
		 uint64_t supported)
{
	/* #UD if CR4.OSXSAVE is clear; #GP at CPL > 0, for an XCR other than
	 * XCR0, or for an invalid XCR0 (SDM vol. 2C XSETBV; vol. 1 §13.3). */
	if (!(s->cr4 & CR4_OSXSAVE))
		return VEC_UD;
	if (s->cpl != 0 || index != 0)
		return VEC_GP;
	if (value & ~supported)
		return VEC_GP;
	/* x87 state is always enabled; AVX needs SSE. */
	if (!(value & XCR0_X87))
		return VEC_GP;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return VEC_GP;
	/* MPX: BNDREGS and BNDCSR together. AVX-512: all three components
	 * together, and only with AVX. */
	if (!(value & XCR0_BNDREGS) != !(value & XCR0_BNDCSR))
		return VEC_GP;
	if ((value & XCR0_AVX512) && ((value & XCR0_AVX512) != XCR0_AVX512 || !(value & XCR0_AVX)))
		return VEC_GP;
	return 0;
}
