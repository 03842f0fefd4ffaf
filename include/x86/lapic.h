/* lapic.h - the local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (Intel
 * SDM vol. 3 §11 (APIC); x2APIC §11.12). One interface, the mode chosen once
 * at boot by lapic_init() on the BSP and used by every CPU. */
#ifndef X86_LAPIC_H
#define X86_LAPIC_H

#include <plinth/compiler.h>

struct irq_frame;

bool lapic_x2apic_mode(void);
/* True once lapic_init() has run on the BSP: from then on EOI and IPIs work
 * (panic uses it to decide whether it can NMI the other CPUs). */
bool lapic_ready(void);
/* This CPU's APIC ID; from CPUID (leaf 0BH or 1) while this CPU's APIC is
 * not yet in the chosen mode, so it is safe to call at any time. */
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Fixed-delivery IPI to one CPU by APIC ID. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* NMI to every CPU except this one (panic, Intel SDM vol. 3 §11.6.1). */
void lapic_send_nmi_all_but_self(void);
/* INIT and STARTUP IPIs for AP bring-up (SDM vol. 3 §11.6.1, §9.4.4). */
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);
/* Timer: one-shot countdown in LAPIC ticks on VEC_LAPIC_TIMER; 0 stops. */
void lapic_timer_oneshot(uint32_t ticks);
void lapic_timer_periodic(uint32_t ticks);
uint32_t lapic_timer_ticks_per_ms(void);      /* 0 before calibration */
/* Per-AP setup after the BSP chose the mode. */
void lapic_init_ap(void);

/* Calibration (arch/x86/calibrate.c): run the timer as a free-running
 * count-down from 0xFFFFFFFF with its interrupt masked (divide 16), read the
 * current count, and publish the result (also stored in this_cpu()). */
void lapic_timer_count_start(void);
uint32_t lapic_timer_count_read(void);
void lapic_timer_set_ticks_per_ms(uint32_t ticks);
/* Called from the VEC_LAPIC_TIMER handler on every timer interrupt after
 * this_cpu()->timer_irqs was counted (e.g. the scheduler's tick); NULL
 * removes it. The EOI is sent by the interrupt dispatcher afterwards. */
void lapic_timer_set_hook(void (*hook)(struct irq_frame *frame));

#endif
