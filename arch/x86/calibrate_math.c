/* calibrate_math.c - the arithmetic behind arch/x86/calibrate.c: what CPUID
 * says about the TSC, exact scaling of counter readings, the HPET
 * capabilities register. No hardware access: pure, host unit-tested
 * (tests/unit/test_calibrate_math.c). */
#include <plinth/log.h>
#include <plinth/printf.h>
#include <x86/calibrate_math.h>

void cpuid_family_model(uint32_t eax, uint32_t *family, uint32_t *model)
{
	/* SDM vol. 2A, CPUID leaf 01H: the extended family is added only when the
	 * base family is 0FH; the extended model is prepended for families 06H
	 * and 0FH. */
	uint32_t base_family = (eax >> 8) & 0xF;
	uint32_t base_model = (eax >> 4) & 0xF;
	uint32_t fam = base_family;
	uint32_t mod = base_model;

	if (base_family == 0xF)
		fam += (eax >> 20) & 0xFF;
	if (base_family == 0x6 || base_family == 0xF)
		mod |= ((eax >> 16) & 0xF) << 4;
	*family = fam;
	*model = mod;
}

/* Intel family 6 models that enumerate the TSC/crystal ratio in CPUID 15H
 * but leave the crystal frequency (ECX) zero. The SDM (vol. 3B, "Determining
 * the Processor Base Frequency", table "Nominal Core Crystal Clock
 * Frequency"; §18.7.3 in the 2016-2022 editions) lists 24 MHz for 6th/7th generation Core, 25 MHz for
 * Atom C3000 (Denverton) and 19.2 MHz for Atom Goldmont. */
static const struct {
	uint32_t model;
	uint32_t crystal_hz;
} known_crystals[] = {
	{ 0x4E, 24000000 },   /* Skylake client, mobile */
	{ 0x5E, 24000000 },   /* Skylake client, desktop */
	{ 0x8E, 24000000 },   /* Kaby/Coffee/Whiskey Lake, mobile */
	{ 0x9E, 24000000 },   /* Kaby/Coffee Lake, desktop */
	{ 0x5F, 25000000 },   /* Atom Goldmont-D (Denverton) */
	{ 0x5C, 19200000 },   /* Atom Goldmont (Apollo Lake) */
};

uint64_t tsc_hz_from_cpuid(const struct cpuid_tsc_info *ci, const char **how)
{
	const char *unused;
	if (!how)
		how = &unused;
	*how = NULL;

	/* Leaf 15H: TSC = crystal * EBX / EAX; EBX or EAX zero means the ratio
	 * is not enumerated (SDM vol. 2A, CPUID leaf 15H). */
	if (ci->max_basic_leaf < 0x15 || ci->l15_eax == 0 || ci->l15_ebx == 0)
		return 0;
	if (ci->l15_ecx) {
		*how = "CPUID 0x15";
		return mul_div_u64(ci->l15_ecx, ci->l15_ebx, ci->l15_eax);
	}
	if (ci->intel && ci->family == 6) {
		for (size_t i = 0; i < ARRAY_SIZE(known_crystals); i++) {
			if (known_crystals[i].model == ci->model) {
				*how = "CPUID 0x15, crystal of a known model";
				return mul_div_u64(known_crystals[i].crystal_hz, ci->l15_ebx,
						   ci->l15_eax);
			}
		}
	}
	/* Without the crystal, leaf 16H's base frequency is the nominal TSC rate
	 * on the CPUs that have both leaves (same SDM section): the crystal is
	 * base * EAX / EBX, so crystal * EBX / EAX is the base itself. */
	if (ci->intel && ci->max_basic_leaf >= 0x16 && ci->l16_eax) {
		*how = "CPUID 0x15/0x16";
		return (uint64_t)(ci->l16_eax & 0xFFFF) * 1000000ULL;
	}
	return 0;
}

uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	if (c == 0)
		return 0;

	/* 64 x 64 -> 128-bit product from 32-bit halves. */
	uint64_t a_lo = (uint32_t)a, a_hi = a >> 32;
	uint64_t b_lo = (uint32_t)b, b_hi = b >> 32;
	uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
	uint64_t mid = (p0 >> 32) + (uint32_t)p1 + (uint32_t)p2;
	uint64_t lo = (mid << 32) | (uint32_t)p0;
	uint64_t hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);

	if (hi >= c)
		return 0;   /* the quotient would need more than 64 bits */

	/* Restoring division of hi:lo by c; invariant: hi < c, so the quotient
	 * bits shifted into lo fit in 64 bits. */
	for (int i = 0; i < 64; i++) {
		uint64_t carry = hi >> 63;
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (carry || hi >= c) {
			hi -= c;
			lo |= 1;
		}
	}
	return lo;
}

uint64_t counter_delta(uint64_t start, uint64_t end, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return end - start;
	return (end - start) & ((1ULL << bits) - 1);
}

uint64_t ticks_to_fs(uint64_t ticks, uint64_t hz)
{
	return mul_div_u64(ticks, FS_PER_SECOND, hz);
}

uint64_t rate_hz(uint64_t ticks, uint64_t elapsed_fs)
{
	return mul_div_u64(ticks, FS_PER_SECOND, elapsed_fs);
}

int hpet_caps_decode(uint64_t caps, struct hpet_caps *out)
{
	/* IA-PC HPET 1.0a §2.3.4: COUNTER_CLK_PERIOD is nonzero and at most
	 * 0x05F5E100 fs (100 ns); REV_ID must not be 0. An all-ones read means
	 * nothing decodes the address. */
	if (caps == ~0ULL) {
		pr_warn("hpet: the capabilities register reads all ones: no HPET at this address");
		return -ENODEV;
	}
	out->period_fs = (uint32_t)(caps >> 32);
	out->revision = (uint8_t)caps;
	out->counter_64bit = (caps & BIT(13)) != 0;
	out->timers = (unsigned)((caps >> 8) & 0x1F) + 1;
	if (out->period_fs == 0 || out->period_fs > 100000000u) {
		pr_warn("hpet: counter period %u fs is outside 1..100000000 fs; HPET not used",
			out->period_fs);
		return -ENODEV;
	}
	if (out->revision == 0) {
		pr_warn("hpet: revision ID 0 is not allowed; HPET not used");
		return -ENODEV;
	}
	out->hz = FS_PER_SECOND / out->period_fs;
	return 0;
}

bool tsc_hz_plausible(uint64_t hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

uint32_t lapic_ticks_per_ms(uint64_t lapic_ticks, uint64_t tsc_ticks, uint64_t tsc_hz)
{
	if (lapic_ticks == 0 || tsc_ticks == 0 || tsc_hz == 0)
		return 0;
	uint64_t hz = mul_div_u64(lapic_ticks, tsc_hz, tsc_ticks);
	uint64_t per_ms = hz / 1000;
	if (per_ms == 0 || per_ms > UINT32_MAX)
		return 0;
	return (uint32_t)per_ms;
}

void format_mhz(char *buf, size_t size, uint64_t hz)
{
	uint64_t khz = (hz + 500) / 1000;   /* round to the last digit shown */
	ksnprintf(buf, size, "%llu.%03llu", (unsigned long long)(khz / 1000),
		  (unsigned long long)(khz % 1000));
}
