/* dev_misc.c - port B, reset control and the ACPI PM
 * block (see dev_misc.h). */
#include <plinth/log.h>
#include <plinth/string.h>
#include "dev_misc.h"
#include "vacpi.h"

#define NS_PER_S        1000000000ull
#define REFRESH_NS      15085ull       /* port B bit 4 toggles per refresh cycle */
#define PORT_B_WRITABLE 0x0F           /* bits 7:4 are status */
#define PORT_B_REFRESH  BIT(4)
#define PORT_B_OUT2     BIT(5)

/* PM1 registers (ACPI 6.5 §4.8.3.1, Tables 4.13-4.16). */
#define PM1_STS_TMR     BIT(0)
#define PM1_STS_WAK     BIT(15)
#define PM1_CNT_SCI_EN  BIT(0)
#define PM1_CNT_SLP_TYP (7u << 10)
#define PM1_CNT_SLP_EN  BIT(13)

#define RESET_CONTROL_SYS_RST BIT(1)
#define RESET_CONTROL_RST_CPU BIT(2)

void vmisc_init(struct vmisc *m, uint16_t pm_base, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->pm_base = pm_base;
	m->pm_origin_ns = now;
	/* SMI_CMD is 0 in the FADT: ACPI mode is always on, SCI_EN reads 1
	 * (§4.8.2.5). */
	m->pm1_cnt = PM1_CNT_SCI_EN;
}

uint8_t vmisc_port_b_read(const struct vmisc *m, bool out2, uint64_t now)
{
	uint8_t v = m->port_b & PORT_B_WRITABLE;

	if ((now / REFRESH_NS) & 1)
		v |= PORT_B_REFRESH;
	if (out2)
		v |= PORT_B_OUT2;
	return v;
}

void vmisc_port_b_write(struct vmisc *m, uint8_t val, bool *gate)
{
	m->port_b = val & PORT_B_WRITABLE;
	*gate = val & 1;
}

uint8_t vmisc_reset_control_read(const struct vmisc *m)
{
	return m->reset_control;
}

enum misc_action vmisc_reset_control_write(struct vmisc *m, uint8_t val)
{
	bool reset = (val & RESET_CONTROL_RST_CPU) && !(m->reset_control & RESET_CONTROL_RST_CPU);

	/* RST_CPU is self-clearing: the register keeps SYS_RST and FULL_RST. */
	m->reset_control = val & (uint8_t)~RESET_CONTROL_RST_CPU;
	return reset ? MISC_RESET : MISC_NONE;
}

uint32_t vmisc_pm_timer(const struct vmisc *m, uint64_t now)
{
	uint64_t d = now > m->pm_origin_ns ? now - m->pm_origin_ns : 0;

	return (uint32_t)((d / NS_PER_S) * MISC_PM_TIMER_HZ +
			  (d % NS_PER_S) * MISC_PM_TIMER_HZ / NS_PER_S);
}

/* Byte reg (0..VACPI_PM_LEN-1) of the PM block. */
static uint8_t pm_byte(const struct vmisc *m, unsigned reg, uint64_t now)
{
	switch (reg) {
	case VACPI_PM1_EVT_OFF:
	case VACPI_PM1_EVT_OFF + 1:
		return (uint8_t)(m->pm1_sts >> (8 * (reg - VACPI_PM1_EVT_OFF)));
	case VACPI_PM1_EVT_OFF + 2:
	case VACPI_PM1_EVT_OFF + 3:
		return (uint8_t)(m->pm1_en >> (8 * (reg - VACPI_PM1_EVT_OFF - 2)));
	case VACPI_PM1_CNT_OFF:
	case VACPI_PM1_CNT_OFF + 1:
		/* SLP_EN is write-only, reads 0. */
		return (uint8_t)((m->pm1_cnt & ~PM1_CNT_SLP_EN) >> (8 * (reg - VACPI_PM1_CNT_OFF)));
	case VACPI_PM_TMR_OFF:
	case VACPI_PM_TMR_OFF + 1:
	case VACPI_PM_TMR_OFF + 2:
	case VACPI_PM_TMR_OFF + 3:
		return (uint8_t)(vmisc_pm_timer(m, now) >> (8 * (reg - VACPI_PM_TMR_OFF)));
	default:
		return 0xFF;
	}
}

static int pm_check(const struct vmisc *m, uint16_t port, unsigned size)
{
	if (port < m->pm_base || port + size > (unsigned)m->pm_base + VACPI_PM_LEN) {
		pr_err("dev_misc: %u-byte access at port 0x%x is outside the PM block 0x%x+%u", size,
		       port, m->pm_base, VACPI_PM_LEN);
		return -EINVAL;
	}
	return 0;
}

int vmisc_pm_read(const struct vmisc *m, uint16_t port, unsigned size, uint64_t now,
		  uint32_t *val)
{
	int err = pm_check(m, port, size);

	*val = 0;
	if (err)
		return err;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint32_t)pm_byte(m, port - m->pm_base + i, now) << (8 * i);
	return 0;
}

int vmisc_pm_write(struct vmisc *m, uint16_t port, unsigned size, uint32_t val,
		   enum misc_action *action)
{
	int err = pm_check(m, port, size);

	*action = MISC_NONE;
	if (err)
		return err;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = port - m->pm_base + i, shift;
		uint16_t b = (uint8_t)(val >> (8 * i));

		if (reg < VACPI_PM1_EVT_OFF + 2) {
			/* Status bits are cleared by writing 1. */
			shift = 8 * (reg - VACPI_PM1_EVT_OFF);
			m->pm1_sts &= (uint16_t)~(b << shift);
		} else if (reg < VACPI_PM1_EVT_OFF + 4) {
			shift = 8 * (reg - VACPI_PM1_EVT_OFF - 2);
			m->pm1_en = (uint16_t)((m->pm1_en & ~(0xFF << shift)) | (b << shift));
		} else if (reg >= VACPI_PM1_CNT_OFF && reg < VACPI_PM1_CNT_OFF + 2) {
			shift = 8 * (reg - VACPI_PM1_CNT_OFF);
			m->pm1_cnt = (uint16_t)((m->pm1_cnt & ~(0xFF << shift)) | (b << shift));
		}
		/* The PM timer is read-only. */
	}
	/* SCI_EN stays 1 (no legacy mode to go back to). */
	m->pm1_cnt |= PM1_CNT_SCI_EN;
	if (m->pm1_cnt & PM1_CNT_SLP_EN) {
		unsigned typ = (m->pm1_cnt & PM1_CNT_SLP_TYP) >> 10;

		m->pm1_cnt &= (uint16_t)~PM1_CNT_SLP_EN;
		if (typ == VACPI_SLP_TYP_S5)
			*action = MISC_POWEROFF;
		else
			pr_warn("dev_misc: sleep type %u requested; only S5 (type %u) exists, ignored",
				typ, VACPI_SLP_TYP_S5);
	}
	return 0;
}
