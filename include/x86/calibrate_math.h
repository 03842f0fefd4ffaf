/* calibrate_math.h - the arithmetic of time calibration, kept apart from
 * the hardware so the host unit tests can check it (arch/x86/calibrate_math.c,
 * pure): TSC frequency from CPUID leaves 15H/16H, wrap-aware counter deltas,
 * exact 64x64/64 scaling, the HPET capabilities register and plausibility
 * limits. */
#ifndef X86_CALIBRATE_MATH_H
#define X86_CALIBRATE_MATH_H

#include <plinth/compiler.h>

#define FS_PER_SECOND   1000000000000000ULL   /* femtoseconds */
#define PIT_INPUT_HZ    1193182ULL            /* 8254 input clock (1.193182 MHz) */
#define ACPI_PM_TIMER_HZ 3579545ULL           /* ACPI 6.5 §4.8.3.3: 3.579545 MHz */

/* Plausible TSC rates. The lower bound admits emulators whose TSC runs at
 * their instruction rate (Bochs with 'clock: sync=none' counts one tick per
 * emulated instruction, e.g. 10 MHz with ips=10000000). */
#define TSC_HZ_MIN      1000000ULL            /* 1 MHz */
#define TSC_HZ_MAX      10000000000ULL        /* 10 GHz */

/* The CPUID values leaf 15H/16H decoding needs (Intel SDM vol. 2A, CPUID:
 * "Time Stamp Counter and Nominal Core Crystal Clock Information Leaf" and
 * "Processor Frequency Information Leaf"). */
struct cpuid_tsc_info {
	uint32_t max_basic_leaf;   /* CPUID.0:EAX */
	bool intel;                /* vendor "GenuineIntel" */
	uint32_t family;           /* display family (base + extended) */
	uint32_t model;            /* display model (extended model included) */
	uint32_t l15_eax;          /* denominator of the TSC/crystal ratio */
	uint32_t l15_ebx;          /* numerator of the TSC/crystal ratio */
	uint32_t l15_ecx;          /* crystal clock in Hz, 0 = not enumerated */
	uint32_t l16_eax;          /* processor base frequency in MHz, 0 = none */
};

/* Decode CPUID.1:EAX into display family and model (SDM vol. 2A, CPUID,
 * "Processor Version Information"). */
void cpuid_family_model(uint32_t leaf1_eax, uint32_t *family, uint32_t *model);

/* The TSC frequency in Hz that CPUID enumerates, or 0 when it does not.
 * *how (if non-NULL) names the source: "CPUID 0x15", "CPUID 0x15, crystal of
 * a known model", "CPUID 0x15/0x16". */
uint64_t tsc_hz_from_cpuid(const struct cpuid_tsc_info *ci, const char **how);

/* a * b / c, exact (128-bit intermediate), truncated. Returns 0 and logs
 * nothing when c == 0 or the quotient does not fit 64 bits (callers treat 0
 * as "no result"). */
uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c);

/* end - start for a free-running up-counter 'bits' wide (1..64) that may
 * have wrapped once. */
uint64_t counter_delta(uint64_t start, uint64_t end, unsigned bits);

/* Femtoseconds spanned by 'ticks' of a counter running at 'hz' (0 if hz is 0
 * or the result overflows). */
uint64_t ticks_to_fs(uint64_t ticks, uint64_t hz);

/* Frequency of a counter that advanced 'ticks' during 'elapsed_fs'
 * femtoseconds of reference time; 0 if elapsed_fs is 0. */
uint64_t rate_hz(uint64_t ticks, uint64_t elapsed_fs);

/* The HPET General Capabilities and ID register (IA-PC HPET 1.0a §2.3.4). */
struct hpet_caps {
	uint32_t period_fs;        /* COUNTER_CLK_PERIOD, bits 63:32 */
	uint64_t hz;               /* 10^15 / period_fs */
	bool counter_64bit;        /* COUNT_SIZE_CAP, bit 13 */
	unsigned timers;           /* NUM_TIM_CAP (bits 12:8) + 1 */
	uint8_t revision;          /* REV_ID, bits 7:0; 0 is not allowed */
};
/* Decode and check caps: period nonzero and at most 100 ns (§2.3.4), revision
 * nonzero, register not all ones (nothing there). Returns 0 or -ENODEV with
 * the reason logged. */
int hpet_caps_decode(uint64_t caps, struct hpet_caps *out);

/* True if hz is a believable TSC rate (TSC_HZ_MIN..TSC_HZ_MAX). */
bool tsc_hz_plausible(uint64_t hz);

/* LAPIC timer ticks per millisecond from a window in which the LAPIC timer
 * counted lapic_ticks while the TSC (at tsc_hz) counted tsc_ticks. 0 when
 * the inputs are unusable or the result exceeds 32 bits. */
uint32_t lapic_ticks_per_ms(uint64_t lapic_ticks, uint64_t tsc_ticks, uint64_t tsc_hz);

/* Format hz as MHz with three decimals ("2904.123") into buf. */
void format_mhz(char *buf, size_t size, uint64_t hz);

#endif
