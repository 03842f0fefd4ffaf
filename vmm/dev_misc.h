/* dev_misc.h - the small fixed-function ports of a PC a kernel touches
 * while it boots (pure model, host-tested in tests/unit/test_vacpi_pm.c):
 *   0x61        system control port B (IBM PC AT Technical Reference,
 *               "System Control Port B"): bit 0 counter 2 gate, bit 1
 *               speaker data, bit 4 refresh toggle (every 15.085 us),
 *               bit 5 counter 2 OUT; bits 4-7 read-only
 *   0xCF9       PIIX reset control (Intel 82371AB §4.1.4): bit 2 from 0
 *               to 1 resets, bit 1 says hard or soft; bit 3 (full reset)
 *               kept
 *   PM block    ACPI PM1a status/enable/control and the PM timer at the
 *               ports the FADT names (vacpi.h layout; ACPI 6.5 §4.8.3):
 *               SLP_EN with the \_S5 sleep type powers the VM off; the
 *               timer counts at 3.579545 MHz, 32 bits (FADT TMR_VAL_EXT)
 * The 8042 keyboard controller at 0x60/0x64, with its reset line, is
 * vmm/vi8042.c. Port 0x80 (POST codes) and other sinks need no model:
 * unassigned ports already read all ones and drop writes (vmm/io.c). */
#ifndef VMM_DEV_MISC_H
#define VMM_DEV_MISC_H

#include <plinth/compiler.h>

#define MISC_PORT_B        0x61
#define MISC_RESET_CONTROL 0xCF9
#define MISC_PM_TIMER_HZ   3579545u

/* What the VMM must do after an access. */
enum misc_action { MISC_NONE, MISC_RESET, MISC_POWEROFF };

struct vmisc {
	uint8_t port_b;            /* bits 0-3 as written */
	uint8_t reset_control;     /* 0xCF9 */
	uint16_t pm_base;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint64_t pm_origin_ns;     /* guest time the PM timer read 0 */
};

void vmisc_init(struct vmisc *m, uint16_t pm_base, uint64_t now);
/* Port B: bits 0-1 are the counter 2 gate and speaker data the caller
 * hands to the PIT; out2 is counter 2's OUT now. */
uint8_t vmisc_port_b_read(const struct vmisc *m, bool out2, uint64_t now);
/* Write port B; the new counter 2 gate in *gate. */
void vmisc_port_b_write(struct vmisc *m, uint8_t val, bool *gate);
uint8_t vmisc_reset_control_read(const struct vmisc *m);
enum misc_action vmisc_reset_control_write(struct vmisc *m, uint8_t val);
/* The PM block, port = pm_base + offset (size 1, 2 or 4; a wider access
 * covers consecutive registers byte by byte). Ports outside the block:
 * -EINVAL (logged). */
int vmisc_pm_read(const struct vmisc *m, uint16_t port, unsigned size, uint64_t now,
		  uint32_t *val);
int vmisc_pm_write(struct vmisc *m, uint16_t port, unsigned size, uint32_t val,
		   enum misc_action *action);
/* The PM timer's count at now. */
uint32_t vmisc_pm_timer(const struct vmisc *m, uint64_t now);

#endif
