/* pit.h - the 8254 programmable interval timer, used only as a reference
 * clock for calibration (drivers/pit8254.c; Intel 8254 datasheet). Channel 2
 * is gated through port 0x61 so it can be run without interrupts; channel 0
 * is left alone (masked at the interrupt controllers). */
#ifndef PLINTH_PIT_H
#define PLINTH_PIT_H

#include <plinth/compiler.h>

#define PIT_HZ 1193182u   /* input clock, 1.193182 MHz */

/* Start channel 2 counting 'count' input clocks down in mode 0 (interrupt
 * on terminal count) with the speaker off. Its output, read through port
 * 0x61 bit 5, goes high when the count expires. count must be >= 1. */
void pit_ch2_start(uint16_t count);
/* True once the count started by pit_ch2_start() has expired. */
bool pit_ch2_expired(void);
/* Put port 0x61 back as it was before pit_ch2_start() (speaker kept off). */
void pit_ch2_stop(void);

#endif
