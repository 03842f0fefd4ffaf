/* time.h - time since boot, from the TSC calibrated at boot. */
#ifndef PLINTH_TIME_H
#define PLINTH_TIME_H

#include <plinth/compiler.h>

/* TSC ticks per second; 0 before calibration. */
uint64_t tsc_hz(void);
/* Nanoseconds since the TSC was first read at boot (0 before calibration). */
uint64_t time_now_ns(void);
/* Busy-wait; works before calibration (assumes a pessimistic 3 GHz TSC until
 * calibrated, so early delays are long enough, never too short). */
void udelay(uint64_t us);
void mdelay(uint64_t ms);

#endif
