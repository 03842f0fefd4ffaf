/* hpet.h - the High Precision Event Timer's main counter, used as a
 * reference clock for TSC calibration (drivers/hpet.c; IA-PC HPET 1.0a).
 * Only the main counter is used; the comparators stay disabled. */
#ifndef PLINTH_HPET_H
#define PLINTH_HPET_H

#include <plinth/compiler.h>

/* Map the HPET the ACPI tables describe (acpi.hpet_addr), check its
 * capabilities register and start the main counter. Returns 0, or -ENODEV
 * (no HPET table, nothing answering, bad period: logged). Idempotent. */
int hpet_init(void);
bool hpet_available(void);
/* The main counter (64 bits, or the low 32 bits on a 32-bit HPET; see
 * hpet_counter_bits()). 0 when there is no HPET. */
uint64_t hpet_read_counter(void);
unsigned hpet_counter_bits(void);
/* One counter tick in femtoseconds (0 when there is no HPET). */
uint32_t hpet_period_fs(void);

#endif
