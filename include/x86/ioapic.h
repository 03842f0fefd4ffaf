/* ioapic.h - the I/O APICs (82093AA datasheet; ACPI 6.5 §5.2.12.3) that
 * carry device interrupts to the local APICs (arch/x86/ioapic.c).
 * ioapic_init() and irq_route_isa() are declared in <x86/arch.h>; the
 * register encodings live in <x86/apic_encode.h>. */
#ifndef X86_IOAPIC_H
#define X86_IOAPIC_H

#include <plinth/compiler.h>

/* I/O APICs found and usable (0 before ioapic_init() or when none answers). */
unsigned ioapic_count(void);
/* Program the pin carrying 'gsi': fixed delivery of 'vector' to the CPU
 * with APIC ID dest_apic_id (physical mode), the given polarity and trigger
 * mode, unmasked. Returns 0, -ENODEV (no I/O APIC serves the GSI) or
 * -EINVAL (bad vector or destination); problems are logged. */
int ioapic_route_gsi(uint32_t gsi, uint8_t vector, bool active_low, bool level,
		     uint32_t dest_apic_id);
/* Mask or unmask the pin carrying 'gsi'. Returns 0 or -ENODEV. */
int ioapic_mask_gsi(uint32_t gsi, bool masked);

#endif
