/* arch.h - the x86 bring-up steps arch/x86/setup.c runs, in order, and the
 * arch services the rest of plinth uses. Each is implemented in the file
 * named beside it. */
#ifndef X86_ARCH_H
#define X86_ARCH_H

#include <plinth/compiler.h>

struct boot_info;
struct percpu;

/* boot/boot.c: C entry from boot/entry.S. */
__noreturn void boot_entry(uint64_t magic, uint64_t info);
/* arch/x86/setup.c: the bootstrap processor's bring-up sequence. */
__noreturn void kernel_main(struct boot_info *bi);
/* boot/entry.S: switch to stack_top and call fn(arg); fn must not return. */
__noreturn void stack_switch_call(void *stack_top, void (*fn)(void *), void *arg);

/* ---- bring-up steps, in the order setup.c calls them ---- */
/* Per-CPU area, GDT with TSS (IST stacks for NMI, #DF, #MC), IDT with every
 * exception handler, for the BSP (arch/x86/cpu_init.c, gdt.c, idt.c, traps.c).
 * Runs before the page allocator: static storage only. */
void cpu_init_bsp(void);
/* Enable SMEP/SMAP/UMIP (unless smep=off), NXE, PGE, OSFXSR... on this CPU
 * and log what is present once (arch/x86/features.c). */
void cpu_features_init(void);
/* Local APIC of this CPU: x2APIC if present and allowed, else xAPIC; spurious
 * vector, LVTs masked (arch/x86/lapic.c). */
void lapic_init(void);
/* Calibrate the TSC and the LAPIC timer against CPUID 0x15/0x16, the HPET or
 * the PIT, in that order of preference; log the result (arch/x86/calibrate.c). */
void time_calibrate(void);
/* Program every IOAPIC from the MADT, all pins masked (arch/x86/ioapic.c). */
void ioapic_init(void);
/* Route legacy ISA IRQ 'irq' (applying MADT overrides) to this CPU and call
 * handler on each interrupt (EOI is done by the caller of the handler). */
int irq_route_isa(unsigned irq, void (*handler)(void));
/* Start every other enabled CPU of the MADT (INIT-SIPI-SIPI, Intel SDM vol. 3
 * §11.4.4 / §9.4.4) and wait for each to come online (arch/x86/smp.c). */
void smp_boot_aps(void);
/* Idle forever: interrupts on, HLT (arch/x86/idle.c). */
__noreturn void cpu_idle_loop(void);

/* arch/x86/time.c */
void time_early_init(void);
void time_set_tsc_hz(uint64_t ticks_per_second);
uint64_t tsc_boot_value(void);

/* Emulator detection and exit (arch/x86/emu.c): QEMU's isa-debug-exit at
 * port 0xF4 (status (v << 1) | 1) or Bochs' "Shutdown" at port 0x8900.
 * Chosen by hv_opts.emu_exit; 'auto' detects QEMU (fw_cfg signature) and
 * Bochs (port 0xE9 hack reads back 0xE9). Returns if neither applies. */
void emu_exit(unsigned code);
const char *emu_name(void);   /* "QEMU", "Bochs" or NULL */

#endif
