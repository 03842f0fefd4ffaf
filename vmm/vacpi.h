/* vacpi.h - the ACPI tables a VM's firmware would give it (ACPI 6.5 ch. 5),
 * generated per VM: RSDP (§5.2.5) in the BIOS read-only area where the
 * guest's search finds it (0xE0000-0xFFFFF, 16-byte aligned), RSDT and
 * XSDT (§5.2.7, §5.2.8), FADT (§5.2.9) with the PM1a event/control blocks,
 * a 32-bit PM timer, SCI on IRQ 9 and the reset register at port 0xCF9,
 * FACS (§5.2.10), MADT (§5.2.12) with one local APIC per vCPU, the I/O
 * APIC, the ISA overrides (IRQ 0 -> GSI 2; SCI 9 level, active low) and
 * the LINT1 NMI, and a DSDT (§5.2.11.1) whose AML declares \_S5 (the
 * sleep type dev_misc.c powers off on) and the PC devices a guest's PnP
 * code looks for: the PCI root bridge, the RTC, COM1 and the 8042's
 * keyboard (PNP0303) and mouse (PNP0F13). The FADT's IA-PC boot flags
 * say an 8042 is there, VGA is not and MSI is not supported. Pure
 * (host-tested with plinth's own ACPI parser, tests/unit/test_vacpi.c). */
#ifndef VMM_VACPI_H
#define VMM_VACPI_H

#include <plinth/compiler.h>

#define VACPI_BASE_GPA   0xE0000ULL   /* where the tables go in guest memory */
#define VACPI_MAX_SIZE   0x4000u      /* room they may take there */
#define VACPI_MAX_CPUS   64
#define VACPI_SLP_TYP_S5 5            /* PM1 control SLP_TYP of \_S5 */
#define VACPI_RESET_PORT 0xCF9
#define VACPI_RESET_VALUE 0x06        /* PIIX reset control: full reset (RST_CPU|SYS_RST) */

/* The PM register block (PIIX4-like layout, ports from pm_base):
 * +0 PM1a_STS (16), +2 PM1a_EN (16), +4 PM1a_CNT (16), +8 PM_TMR (32). */
#define VACPI_PM1_EVT_OFF 0
#define VACPI_PM1_CNT_OFF 4
#define VACPI_PM_TMR_OFF  8
#define VACPI_PM_LEN      12

struct vacpi_config {
	unsigned nr_cpus;        /* 1..VACPI_MAX_CPUS; APIC IDs 0..nr_cpus-1 */
	uint32_t lapic_addr;
	uint32_t ioapic_addr;
	uint8_t ioapic_id;
	uint16_t pm_base;        /* I/O port of the PM block */
	uint8_t sci_irq;         /* ISA IRQ of the SCI (9 on PCs) */
};

/* Build the tables into buf[0, size), which the guest sees at guest-physical
 * base_gpa (16-byte aligned; the RSDP is at base_gpa). Returns the bytes
 * used, or -EINVAL (bad config, logged) / -ENOSPC (buf too small). */
int vacpi_build(uint8_t *buf, size_t size, uint64_t base_gpa, const struct vacpi_config *c);

#endif
