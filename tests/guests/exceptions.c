/* exceptions.c - test guest: exceptions the guest handles itself through its
 * own IDT (#UD, #GP, #DE, #BP, #SS-free #GP from a bad selector), each
 * caught and resumed, with the error code the SDM specifies. Plinth must
 * not intercept them (or must reflect them unchanged). Exits with the
 * number of failures. */
#include "guest.h"

#define NO_FAULT 0xFFFFFFFFu

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	uint32_t vec, x = 0;
	uint64_t v;

	(void)magic;
	(void)info;
	guest_idt_init();
	guest_puts("exceptions guest: faults handled by the guest's IDT\n");

	vec = GUEST_TRY("ud2");
	guest_check(vec == 6, "ud2 -> #UD (6)", vec);

	/* int3 is a trap: the saved EIP is after it (SDM vol. 3 §6.5). */
	vec = GUEST_TRY("int3");
	guest_check(vec == 3, "int3 -> #BP (3)", vec);

	vec = GUEST_TRY("divl %1", : "+a"(x) : "r"(0u), "d"(0u));
	guest_check(vec == 0, "div by zero -> #DE (0)", vec);

	vec = rdmsr_try(0xDEAD, &v);
	guest_check(vec == 13 && guest_fault_error == 0, "rdmsr of unknown MSR -> #GP(0)", vec);

	/* Loading DS with a selector beyond the GDT limit: #GP(selector)
	 * (SDM vol. 2A MOV, protected-mode exceptions). */
	vec = GUEST_TRY("mov %0, %%ds", : : "r"(0x40u));
	guest_check(vec == 13 && guest_fault_error == 0x40, "bad selector -> #GP(0x40)",
		    guest_fault_error);

	/* Loading SS with the code selector: #GP(selector). */
	vec = GUEST_TRY("mov %0, %%ss", : : "r"(0x08u));
	guest_check(vec == 13 && guest_fault_error == 0x08, "code selector in SS -> #GP(0x08)",
		    guest_fault_error);

	/* The vCPU still works after the faults. */
	vec = GUEST_TRY("nop");
	guest_check(vec == NO_FAULT, "no fault after recovery", vec);

	return guest_summary();
}
