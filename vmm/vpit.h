/* vpit.h - the PC's 8254 programmable interval timer (Intel 82C54 data
 * sheet, order no. 231244): three 16-bit down counters clocked at
 * 1.193182 MHz behind ports 0x40-0x42 (counters) and 0x43 (control word).
 * Counter 0 drives IRQ 0, counter 2's gate and output are bits 0 and 5 of
 * port 0x61 (the PC's speaker/NMI port, vmm/dev_misc.c); counter 1 (DRAM
 * refresh on old PCs) counts but drives nothing.
 *
 * Pure model (host-tested, tests/unit/test_vpit.c): time comes in as
 * nanoseconds of guest time from the caller; the counters are computed
 * from the time they were loaded, so nothing has to tick between exits.
 * Modes 0 (interrupt on terminal count), 2 (rate generator) and 3 (square
 * wave) are modelled exactly enough for Linux's TSC calibration and clock
 * events; modes 1, 4 and 5 (hardware-triggered one-shots and strobes) are
 * accepted and behave as mode 0 / a one-shot; BCD counting is refused with
 * a warning and counts in binary. The read-back command (§"Read-Back
 * Command") latches counts and status. */
#ifndef VMM_VPIT_H
#define VMM_VPIT_H

#include <plinth/compiler.h>

#define VPIT_PORT_BASE    0x40
#define VPIT_PORT_CONTROL 0x43
#define VPIT_HZ           1193182u   /* the PC's 14.31818 MHz / 12 */

struct vpit_channel {
	uint8_t mode;            /* 0-5 (control word bits 3:1; 6, 7 alias 2, 3) */
	uint8_t access;          /* 1 LSB, 2 MSB, 3 LSB then MSB (bits 5:4) */
	bool bcd;                /* requested (counts in binary anyway) */
	uint32_t reload;         /* the count written: 1..65536 (0 means 65536) */
	bool counting;           /* a count is loaded and the gate lets it run */
	bool loaded;             /* a count was written since the control word */
	uint64_t start_ns;       /* when the current count started (count = reload) */
	uint32_t paused_count;   /* mode 0/1/4/5 with the gate low: the frozen count */
	bool out_sticky;         /* mode 0/1/4/5: terminal count was reached */
	bool gate;               /* the GATE input (always 1 for counters 0, 1) */
	/* Reading and writing: the flip-flops of the LSB-then-MSB access. */
	bool write_msb_next;
	uint8_t write_lsb;
	bool read_msb_next;
	bool latched;            /* counter latch command: latched_count is read */
	uint16_t latched_count;
	bool status_latched;     /* read-back: status byte read first */
	uint8_t status;
	/* IRQ bookkeeping (counter 0): output edges already reported. */
	uint64_t irqs_seen;
};

struct vpit {
	struct vpit_channel ch[3];
};

/* Power-on state: every counter in mode 0 with no count (not counting),
 * counter 0 and 1 gates high, counter 2's gate low (port 0x61 bit 0 is 0). */
void vpit_init(struct vpit *p);
/* One byte access to port 0x40-0x43 at time now. Returns 0, or -EINVAL for
 * another port (logged). Reading port 0x43 returns 0xFF (the 8254 has no
 * readable control register). */
int vpit_port_read(struct vpit *p, uint16_t port, uint64_t now, uint8_t *val);
int vpit_port_write(struct vpit *p, uint16_t port, uint8_t val, uint64_t now);
/* Counter 2's GATE (port 0x61 bit 0): a rising edge restarts modes 1, 2,
 * 3 and 5; a low gate pauses modes 0, 2, 3 and 4. */
void vpit_set_gate(struct vpit *p, unsigned channel, bool gate, uint64_t now);
/* The OUT pin of a counter at time now (counter 2: port 0x61 bit 5). */
bool vpit_out(const struct vpit *p, unsigned channel, uint64_t now);
/* The counter's current count (what a latch would read) at time now. */
uint16_t vpit_count(const struct vpit *p, unsigned channel, uint64_t now);
/* Counter 0's interrupts up to now: true if OUT had a rising edge (IRQ 0)
 * since the last call; the edges of several missed periods count once,
 * as the 8259's edge latch would. */
bool vpit_irq0_due(struct vpit *p, uint64_t now);
/* When counter 0's next IRQ 0 edge will come (ns), 0 if none will. */
uint64_t vpit_irq0_deadline(const struct vpit *p);

#endif
