/* idle.c - what a CPU does when it has nothing to run. */
#include <x86/arch.h>
#include <x86/cpu.h>

void cpu_idle_loop(void)
{
	for (;;) {
		/* STI takes effect after the next instruction (Intel SDM vol. 2B,
		 * STI), so no interrupt can slip in between and leave HLT waiting
		 * for one that already came. */
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
}
