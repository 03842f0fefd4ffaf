/* lapic.h - the local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (Intel
 * SDM vol. 3 §11 (APIC); x2APIC §11.12). One interface, the mode chosen once
 * at boot by lapic_init() on the BSP and used by every CPU. */
#ifndef X86_LAPIC_H
#define X86_LAPIC_H

#include <plinth/compiler.h>

bool lapic_x2apic_mode(void);
uint32_t lapic_id(void);                      /* this CPU's APIC ID */
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

#endif
