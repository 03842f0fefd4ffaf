/* guest_xcr0.h - switching XCR0 between host and guest around a VM entry,
 * for both backends (arch/x86/vmx/, arch/x86/svm/): neither VMX nor SVM
 * switches XCR0, so a guest's XSETBV value is loaded before entry and the
 * host's restored after the exit (Intel SDM vol. 1 §13.3; AMD APM vol. 2
 * §15.5 lists the state VMRUN switches, XCR0 is not in it).
 *
 * XSETBV/XGETBV need CR4.OSXSAVE in the host (SDM vol. 2C XSETBV):
 * plinth sets it at boot on every CPU with XSAVE (arch/x86/features.c).
 * Without it the guest cannot have changed XCR0 either (its CPUID hides
 * XSAVE), so there is nothing to switch. Call with interrupts disabled. */
#ifndef ARCH_X86_GUEST_XCR0_H
#define ARCH_X86_GUEST_XCR0_H

#include <x86/cpu.h>

static inline uint64_t xcr0_read(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static inline void xcr0_write(uint64_t value)
{
	__asm__ __volatile__("xsetbv" :: "c"(0), "a"((uint32_t)value),
			     "d"((uint32_t)(value >> 32)) : "memory");
}

/* The host's XCR0 as a backend caches it per CPU: the register without
 * CR4.OSXSAVE being meaningless then, 1 (x87 only, the reset value, which
 * a guest cannot change either: XSETBV is #UD for it). */
static inline uint64_t xcr0_host_value(void)
{
	return (read_cr4() & CR4_OSXSAVE) ? xcr0_read() : 1;
}

/* Load the guest's XCR0; returns the value xcr0_leave_guest() restores. */
static inline uint64_t xcr0_enter_guest(uint64_t guest)
{
	uint64_t host;

	if (!(read_cr4() & CR4_OSXSAVE))
		return guest;
	host = xcr0_read();
	if (host != guest)
		xcr0_write(guest);
	return host;
}

static inline void xcr0_leave_guest(uint64_t guest, uint64_t host)
{
	if (host != guest)
		xcr0_write(host);
}

#endif
