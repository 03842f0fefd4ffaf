/* hpet.c - the HPET main counter as a reference clock (IA-PC HPET 1.0a).
 * plinth reads the free-running main counter only; it never programs the
 * comparators or legacy replacement routing, so whatever the firmware set
 * there stays as it was. */
#include <plinth/acpi.h>
#include <plinth/hpet.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <x86/calibrate_math.h>
#include <x86/cpu.h>

/* Register offsets (HPET 1.0a §2.3.1, Table 2). */
#define HPET_REG_CAPS        0x000   /* General Capabilities and ID */
#define HPET_REG_CONFIG      0x010   /* General Configuration */
#define HPET_REG_COUNTER     0x0F0   /* Main Counter Value */
#define HPET_CONFIG_ENABLE   BIT(0)  /* ENABLE_CNF: main counter runs (§2.3.5) */
#define HPET_MMIO_SIZE       1024    /* the register block is 1 KiB (§2.3.1) */

/* Reads the main counter may take before it must have moved: a counter of
 * at most 100 ns period (§2.3.4) advances within a few reads even on slow
 * emulated MMIO. */
#define HPET_MOVE_POLLS      1000000

static volatile uint8_t *hpet_regs;
static struct hpet_caps hpet_caps;
static bool hpet_ready;
static bool hpet_probed;
static int hpet_probe_result = -ENODEV;

static uint64_t hpet_read64(unsigned off)
{
	return *(volatile uint64_t *)(hpet_regs + off);
}

static void hpet_write64(unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(hpet_regs + off) = v;
}

/* Find the HPET, check it, start its main counter and check that it counts.
 * Returns 0 or -ENODEV (reason logged). */
static int hpet_probe(void)
{
	if (!acpi.has_hpet || acpi.hpet_addr == 0) {
		pr_debug("hpet: no HPET table");
		return -ENODEV;
	}
	hpet_regs = ioremap(acpi.hpet_addr, HPET_MMIO_SIZE);
	if (!hpet_regs) {
		pr_warn("hpet: cannot map the HPET at 0x%llx", (unsigned long long)acpi.hpet_addr);
		return -ENODEV;
	}
	if (hpet_caps_decode(hpet_read64(HPET_REG_CAPS), &hpet_caps))
		return -ENODEV;

	/* §2.3.5: ENABLE_CNF starts the main counter; LEG_RT_CNF (bit 1) and
	 * the reserved bits are kept as found. */
	uint64_t cfg = hpet_read64(HPET_REG_CONFIG);
	if (!(cfg & HPET_CONFIG_ENABLE))
		hpet_write64(HPET_REG_CONFIG, cfg | HPET_CONFIG_ENABLE);

	uint64_t first = hpet_read64(HPET_REG_COUNTER);
	for (unsigned i = 0; i < HPET_MOVE_POLLS; i++) {
		if (hpet_read64(HPET_REG_COUNTER) != first) {
			pr_debug("hpet: at 0x%llx, rev %u, %u timers, %u-bit counter, period %u fs",
				 (unsigned long long)acpi.hpet_addr, hpet_caps.revision,
				 hpet_caps.timers, hpet_caps.counter_64bit ? 64 : 32,
				 hpet_caps.period_fs);
			return 0;
		}
		cpu_relax();
	}
	pr_warn("hpet: the main counter at 0x%llx does not advance; HPET not used",
		(unsigned long long)acpi.hpet_addr);
	return -ENODEV;
}

int hpet_init(void)
{
	if (!hpet_probed) {
		hpet_probed = true;
		hpet_probe_result = hpet_probe();
		hpet_ready = hpet_probe_result == 0;
	}
	return hpet_probe_result;
}

bool hpet_available(void)
{
	return hpet_ready;
}

uint64_t hpet_read_counter(void)
{
	if (!hpet_ready)
		return 0;
	uint64_t v = hpet_read64(HPET_REG_COUNTER);
	/* A 32-bit counter's upper half reads as zero (§2.3.4); mask anyway so
	 * callers can rely on hpet_counter_bits(). */
	return hpet_caps.counter_64bit ? v : (uint32_t)v;
}

unsigned hpet_counter_bits(void)
{
	return hpet_caps.counter_64bit ? 64 : 32;
}

uint32_t hpet_period_fs(void)
{
	return hpet_ready ? hpet_caps.period_fs : 0;
}
