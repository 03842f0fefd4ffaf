/* vrtc.h - the PC's CMOS real-time clock, a Motorola MC146818A (data
 * sheet "MC146818A Real-Time Clock Plus RAM", registers in Figure 3 and
 * Table 2), behind the index port 0x70 (bit 7: the NMI mask, kept but not
 * used) and the data port 0x71. Registers 0-9 are the time and alarm, A-D
 * control and status, 0x0E-0x7F battery-backed RAM (0x32 holds the century,
 * as the ACPI FADT's CENTURY field says).
 *
 * Pure model (host-tested, tests/unit/test_vrtc.c): the clock is a Unix
 * time at a guest-time origin; the caller gives guest time in ns. Binary
 * or BCD (register B DM), 24 or 12 hour (B 24/12), the update-in-progress
 * flag for the last 244 us before every second (register A UIP), the SET
 * bit that freezes the clock while the guest writes it, and the three
 * interrupt sources of register C (periodic at the register A rate, alarm,
 * update-ended) with IRQF; IRQ 8 follows IRQF. Daylight saving (B DSE) is
 * stored but not applied. */
#ifndef VMM_VRTC_H
#define VMM_VRTC_H

#include <plinth/compiler.h>

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA  0x71
#define VRTC_CENTURY    0x32    /* CMOS byte with the century (BCD / binary as B says) */

/* Register numbers. */
#define VRTC_SEC        0x00
#define VRTC_SEC_ALARM  0x01
#define VRTC_MIN        0x02
#define VRTC_MIN_ALARM  0x03
#define VRTC_HOUR       0x04
#define VRTC_HOUR_ALARM 0x05
#define VRTC_WEEKDAY    0x06
#define VRTC_DAY        0x07
#define VRTC_MONTH      0x08
#define VRTC_YEAR       0x09
#define VRTC_REG_A      0x0A
#define VRTC_REG_B      0x0B
#define VRTC_REG_C      0x0C
#define VRTC_REG_D      0x0D

#define VRTC_A_UIP      0x80
#define VRTC_B_SET      0x80
#define VRTC_B_PIE      0x40
#define VRTC_B_AIE      0x20
#define VRTC_B_UIE      0x10
#define VRTC_B_DM       0x04    /* binary (1) or BCD (0) */
#define VRTC_B_24H      0x02
#define VRTC_C_IRQF     0x80
#define VRTC_C_PF       0x40
#define VRTC_C_AF       0x20
#define VRTC_C_UF       0x10
#define VRTC_D_VRT      0x80

/* The update cycle: UIP is set this long before each second ends. */
#define VRTC_UIP_NS     244000ull

struct vrtc {
	uint8_t index;              /* selected register (port 0x70 bits 6:0) */
	bool nmi_masked;            /* port 0x70 bit 7 */
	uint8_t ram[128];           /* registers 0x0A-0x7F live here (0-9 are derived) */
	/* The clock: Unix time unix_base at guest time origin_ns. */
	int64_t unix_base;
	uint64_t origin_ns;
	/* While register B SET is 1 the time registers are held here. */
	uint8_t held[10];
	/* Interrupt bookkeeping. */
	uint64_t seconds_done;      /* whole seconds (since origin) whose update ran */
	uint64_t periods_done;      /* periodic interrupts reported since period_origin */
	uint64_t period_origin_ns;
	bool irq_line;              /* IRQ 8 as the model drives it (IRQF) */
};

/* Clock at unix_time (seconds since 1970-01-01 00:00:00 UTC) at guest time
 * now; register A 0x26 (32.768 kHz time base, 1024 Hz periodic rate), B
 * 0x02 (24 hour, BCD), D VRT. */
void vrtc_init(struct vrtc *r, int64_t unix_time, uint64_t now);
/* Byte access to port 0x70 or 0x71 at time now. Returns 0, or -EINVAL for
 * another port (logged). Reading port 0x70 returns 0xFF as on PCs where the
 * index register is write-only. Reading register C clears it and lowers
 * IRQ 8. */
int vrtc_port_read(struct vrtc *r, uint16_t port, uint64_t now, uint8_t *val);
int vrtc_port_write(struct vrtc *r, uint16_t port, uint8_t val, uint64_t now);
/* Run the interrupt sources up to now: set PF/AF/UF and IRQF in register C.
 * Returns the level IRQ 8 should have (IRQF). */
bool vrtc_tick(struct vrtc *r, uint64_t now);
/* When vrtc_tick() would next raise IRQF (ns), 0 if no enabled source will.
 * Nothing is due while IRQF is already set (the flags wait for a read). */
uint64_t vrtc_deadline(const struct vrtc *r);
/* The clock's Unix time at now (the SET bit's held time while it is 1). */
int64_t vrtc_unix_time(const struct vrtc *r, uint64_t now);

/* Calendar helpers (proleptic Gregorian, UTC), exposed for the tests. */
int64_t vrtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void vrtc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
