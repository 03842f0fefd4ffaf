/* acpi_power.c - turning the machine off and resetting it: ACPI S5 through
 * the FADT's PM1 control blocks, and reset through the FADT reset register,
 * the chipset's Reset Control register (port 0xCF9) and the 8042 keyboard
 * controller, in that order. Each function returns only when every method
 * failed; what to do then (halt, triple fault) is the caller's choice. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/time.h>
#include <x86/cpu.h>

/* PM1 control register bits (ACPI 6.5 §4.8.3.2.1). */
#define PM1_CNT_SCI_EN         BIT(0)
#define PM1_CNT_SLP_TYP_SHIFT  10
#define PM1_CNT_SLP_TYP_MASK   (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN         BIT(13)

/* How long to wait for SCI_EN after ACPI_ENABLE, and for power to drop. */
#define ACPI_ENABLE_WAIT_MS    1000
#define POWEROFF_WAIT_MS       1000
#define RESET_WAIT_MS          100

/* Generic Address Structure address spaces (ACPI 6.5 §5.2.3.2). */
#define GAS_SYSTEM_MEMORY      0
#define GAS_SYSTEM_IO          1
#define GAS_PCI_CONFIG         2

/* PCI configuration mechanism #1 (PCI Local Bus spec 3.0 §3.2.2.3.2). */
#define PCI_CONFIG_ADDRESS     0xCF8
#define PCI_CONFIG_DATA        0xCFC
#define PCI_CONFIG_ENABLE      BIT(31)

/* Reset Control register (Intel PCH/ICH datasheets, I/O 0xCF9): SYS_RST
 * (bit 1) selects a full reset, RST_CPU (bit 2) going 0->1 starts it. */
#define RESET_CONTROL_PORT     0xCF9
#define RESET_CONTROL_SYS_RST  0x02
#define RESET_CONTROL_RST_CPU  0x04

/* 8042 keyboard controller: status bit 1 is "input buffer full"; command
 * 0xFE pulses output port bit 0, the CPU reset line. */
#define I8042_STATUS_PORT      0x64
#define I8042_COMMAND_PORT     0x64
#define I8042_STATUS_IBF       0x02
#define I8042_CMD_PULSE_RESET  0xFE

/* Switch the platform from legacy to ACPI mode if the firmware has not:
 * write ACPI_ENABLE to SMI_CMD and wait for PM1_CNT.SCI_EN (ACPI 6.5
 * §5.2.9, SMI_CMD/ACPI_ENABLE; §4.8.3.2.1). Returns whether SCI_EN is set. */
static bool acpi_mode_enable(uint16_t pm1a)
{
	if (inw(pm1a) & PM1_CNT_SCI_EN)
		return true;
	/* SMI_CMD 0 means the hardware is always in ACPI mode. */
	if (acpi.smi_cmd == 0 || acpi.acpi_enable == 0)
		return false;
	if (acpi.smi_cmd > 0xFFFF) {
		pr_warn("ACPI: SMI_CMD 0x%x is not an I/O port", acpi.smi_cmd);
		return false;
	}
	outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
	for (unsigned ms = 0; ms < ACPI_ENABLE_WAIT_MS; ms += 10) {
		if (inw(pm1a) & PM1_CNT_SCI_EN)
			return true;
		mdelay(10);
	}
	pr_warn("ACPI: SCI_EN still clear %u ms after ACPI_ENABLE", ACPI_ENABLE_WAIT_MS);
	return false;
}

/* Write SLP_TYPx into a PM1 control block, keeping its other bits, with or
 * without SLP_EN. */
static void pm1_write_sleep(uint16_t port, uint8_t slp_typ, bool enable)
{
	uint16_t v = inw(port);
	v = (uint16_t)(v & ~(PM1_CNT_SLP_TYP_MASK | PM1_CNT_SLP_EN));
	v = (uint16_t)(v | ((uint32_t)slp_typ << PM1_CNT_SLP_TYP_SHIFT));
	if (enable)
		v = (uint16_t)(v | PM1_CNT_SLP_EN);
	outw(port, v);
}

/* Enter S5 (soft off): SLP_TYPa/b from \_S5 into PM1a/PM1b control, then
 * SLP_EN (ACPI 6.5 §16.1.7; §4.8.3.2.1). The types are written first and
 * SLP_EN in a second write, so the type is in place when SLP_EN acts. */
void acpi_poweroff(void)
{
	if (!acpi.has_fadt || acpi.pm1a_cnt_blk == 0) {
		pr_err("ACPI: cannot power off: no FADT PM1a control block");
		return;
	}
	if (!acpi.s5_valid) {
		pr_err("ACPI: cannot power off: no \\_S5 sleep type in the DSDT");
		return;
	}
	uint16_t pm1a = (uint16_t)acpi.pm1a_cnt_blk;
	uint16_t pm1b = (uint16_t)acpi.pm1b_cnt_blk;
	uint64_t flags = irq_save();

	if (!acpi_mode_enable(pm1a))
		pr_warn("ACPI: not in ACPI mode (SCI_EN clear); trying S5 anyway");
	pr_info("ACPI: powering off (S5, SLP_TYPa %u, SLP_TYPb %u)", acpi.slp_typa, acpi.slp_typb);
	pm1_write_sleep(pm1a, acpi.slp_typa, false);
	if (pm1b)
		pm1_write_sleep(pm1b, acpi.slp_typb, false);
	pm1_write_sleep(pm1a, acpi.slp_typa, true);
	if (pm1b)
		pm1_write_sleep(pm1b, acpi.slp_typb, true);

	mdelay(POWEROFF_WAIT_MS);
	irq_restore(flags);
	pr_err("ACPI: still running %u ms after entering S5; power-off failed", POWEROFF_WAIT_MS);
}

/* Write RESET_VALUE to the FADT reset register, an 8-bit register at bit
 * offset 0 (ACPI 6.5 §4.8.3.6, §5.2.9 RESET_REG). PCI configuration space
 * addresses name bus 0: device in bits 47:32, function in 31:16, offset in
 * 15:0 (ACPI 6.5 §5.2.3.2). Returns false if the register is unusable. */
static bool reset_register_write(void)
{
	const struct acpi_gas *r = &acpi.reset_reg;
	uint8_t v = acpi.reset_value;

	switch (r->space_id) {
	case GAS_SYSTEM_IO:
		outb((uint16_t)r->address, v);
		return true;
	case GAS_SYSTEM_MEMORY: {
		volatile uint8_t *reg = ioremap(r->address, 1);
		if (!reg) {
			pr_warn("ACPI: cannot map reset register 0x%llx", (unsigned long long)r->address);
			return false;
		}
		*reg = v;
		return true;
	}
	case GAS_PCI_CONFIG: {
		uint32_t dev = (uint32_t)(r->address >> 32) & 0xFFFF;
		uint32_t fn = (uint32_t)(r->address >> 16) & 0xFFFF;
		uint32_t off = (uint32_t)r->address & 0xFFFF;
		if (dev > 31 || fn > 7 || off > 0xFF || (r->address >> 48) != 0) {
			pr_warn("ACPI: reset register PCI address 0x%llx out of range",
				(unsigned long long)r->address);
			return false;
		}
		outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (dev << 11) | (fn << 8) | (off & 0xFC));
		outb((uint16_t)(PCI_CONFIG_DATA + (off & 3)), v);
		return true;
	}
	default:
		return false;
	}
}

void acpi_reboot(void)
{
	uint64_t flags = irq_save();

	if (acpi.reset_supported) {
		pr_info("ACPI: resetting through the FADT reset register (%s 0x%llx <- 0x%x)",
			acpi.reset_reg.space_id == GAS_SYSTEM_IO ? "port" :
			acpi.reset_reg.space_id == GAS_SYSTEM_MEMORY ? "memory" : "PCI config",
			(unsigned long long)acpi.reset_reg.address, acpi.reset_value);
		if (reset_register_write())
			mdelay(RESET_WAIT_MS);
	}

	pr_info("ACPI: resetting through port 0xCF9");
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST);
	udelay(50);
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST | RESET_CONTROL_RST_CPU);
	mdelay(RESET_WAIT_MS);

	pr_info("ACPI: resetting through the 8042 keyboard controller");
	for (unsigned i = 0; i < 10000 && (inb(I8042_STATUS_PORT) & I8042_STATUS_IBF); i++)
		udelay(10);
	outb(I8042_COMMAND_PORT, I8042_CMD_PULSE_RESET);
	mdelay(RESET_WAIT_MS);

	irq_restore(flags);
	pr_err("ACPI: every reset method failed");
}
