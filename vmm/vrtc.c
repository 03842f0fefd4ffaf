/* vrtc.c - the MC146818A real-time clock model (see vrtc.h). The time
 * registers are not stored while the clock runs: they are computed from
 * the Unix time, so reads are always consistent and nothing ticks between
 * exits. Interrupt flags are computed the same way, from how many seconds
 * and periodic-rate periods have passed since their origins. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vrtc.h"

#define NS_PER_S       1000000000ull
#define RTC_BASE_HZ    32768ull
#define SECS_PER_DAY   86400
/* Seconds of missed updates that are checked for an alarm match: a day
 * covers every alarm setting. */
#define ALARM_LOOKBACK SECS_PER_DAY

/* Days since 1970-01-01 of y-m-d (Howard Hinnant's days_from_civil). */
int64_t vrtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void vrtc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool binary(const struct vrtc *r)
{
	return r->ram[VRTC_REG_B] & VRTC_B_DM;
}

static uint8_t encode(const struct vrtc *r, unsigned v)
{
	return binary(r) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* -1 for a byte that is not a valid BCD number. */
static int decode(const struct vrtc *r, uint8_t v)
{
	if (binary(r))
		return v;
	if ((v & 0xF) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0xF);
}

static uint8_t encode_hour(const struct vrtc *r, unsigned h)
{
	unsigned h12;

	if (r->ram[VRTC_REG_B] & VRTC_B_24H)
		return encode(r, h);
	/* 12-hour mode: 1-12, bit 7 set for PM. */
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int decode_hour(const struct vrtc *r, uint8_t v)
{
	int h;

	if (r->ram[VRTC_REG_B] & VRTC_B_24H)
		return decode(r, v);
	h = decode(r, v & 0x7F);
	if (h < 1 || h > 12)
		return -1;
	return (h % 12) + (v & 0x80 ? 12 : 0);
}

static uint64_t seconds_since_origin(const struct vrtc *r, uint64_t now)
{
	return now > r->origin_ns ? (now - r->origin_ns) / NS_PER_S : 0;
}

int64_t vrtc_unix_time(const struct vrtc *r, uint64_t now)
{
	return r->unix_base + (int64_t)seconds_since_origin(r, now);
}

/* The ten time and alarm registers for Unix time t in the current format. */
static void time_regs(const struct vrtc *r, int64_t t, uint8_t regs[10])
{
	int64_t days = t >= 0 ? t / SECS_PER_DAY : (t - SECS_PER_DAY + 1) / SECS_PER_DAY;
	int64_t secs = t - days * SECS_PER_DAY, y;
	unsigned m, d;

	vrtc_civil_from_days(days, &y, &m, &d);
	regs[VRTC_SEC] = encode(r, (unsigned)(secs % 60));
	regs[VRTC_MIN] = encode(r, (unsigned)(secs / 60 % 60));
	regs[VRTC_HOUR] = encode_hour(r, (unsigned)(secs / 3600));
	/* 1 = Sunday; 1970-01-01 was a Thursday. */
	regs[VRTC_WEEKDAY] = encode(r, (unsigned)(((days % 7) + 11) % 7) + 1);
	regs[VRTC_DAY] = encode(r, d);
	regs[VRTC_MONTH] = encode(r, m);
	regs[VRTC_YEAR] = encode(r, (unsigned)(((y % 100) + 100) % 100));
	regs[VRTC_SEC_ALARM] = r->ram[VRTC_SEC_ALARM];
	regs[VRTC_MIN_ALARM] = r->ram[VRTC_MIN_ALARM];
	regs[VRTC_HOUR_ALARM] = r->ram[VRTC_HOUR_ALARM];
}

static uint8_t century_reg(const struct vrtc *r, int64_t t)
{
	int64_t days = t >= 0 ? t / SECS_PER_DAY : (t - SECS_PER_DAY + 1) / SECS_PER_DAY, y;
	unsigned m, d;

	vrtc_civil_from_days(days, &y, &m, &d);
	return encode(r, (unsigned)((y / 100) % 100));
}

/* The held registers (and the century byte) as a Unix time. False if they
 * do not form a valid date and time (logged). */
static bool held_time(const struct vrtc *r, int64_t *t)
{
	int sec = decode(r, r->held[VRTC_SEC]), min = decode(r, r->held[VRTC_MIN]);
	int hour = decode_hour(r, r->held[VRTC_HOUR]), day = decode(r, r->held[VRTC_DAY]);
	int month = decode(r, r->held[VRTC_MONTH]), year = decode(r, r->held[VRTC_YEAR]);
	int century = decode(r, r->ram[VRTC_CENTURY]);

	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || hour > 23 || day < 1 ||
	    day > 31 || month < 1 || month > 12 || year < 0 || year > 99) {
		pr_warn("vrtc: the guest set an invalid time (%02x:%02x:%02x %02x-%02x-%02x); the "
			"clock keeps its time", r->held[VRTC_HOUR], r->held[VRTC_MIN],
			r->held[VRTC_SEC], r->held[VRTC_YEAR], r->held[VRTC_MONTH],
			r->held[VRTC_DAY]);
		return false;
	}
	/* A century byte that is not 19-29 is not one: the 2000s. */
	if (century < 19 || century > 29)
		century = 20;
	*t = vrtc_days_from_civil(century * 100 + year, (unsigned)month, (unsigned)day) *
		     SECS_PER_DAY + hour * 3600 + min * 60 + sec;
	return true;
}

/* The clock restarts at Unix time t at now: a fresh second begins. */
static void set_clock(struct vrtc *r, int64_t t, uint64_t now)
{
	r->unix_base = t;
	r->origin_ns = now;
	r->seconds_done = 0;
}

void vrtc_init(struct vrtc *r, int64_t unix_time, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	r->ram[VRTC_REG_A] = 0x26;
	r->ram[VRTC_REG_B] = VRTC_B_24H;
	r->ram[VRTC_REG_D] = VRTC_D_VRT;
	set_clock(r, unix_time, now);
	r->period_origin_ns = now;
}

/* The periodic rate's period in 32.768 kHz clocks, 0 for none (register
 * A RS3-RS0; rates 1 and 2 repeat 8 and 9 with a 32.768 kHz time base). */
static uint64_t period_clocks(const struct vrtc *r)
{
	unsigned rate = r->ram[VRTC_REG_A] & 0xF;

	if (!rate)
		return 0;
	if (rate < 3)
		rate += 7;
	return 1ull << (rate - 1);
}

static uint64_t ns_to_clocks(uint64_t d)
{
	return (d / NS_PER_S) * RTC_BASE_HZ + (d % NS_PER_S) * RTC_BASE_HZ / NS_PER_S;
}

static uint64_t clocks_to_ns(uint64_t c)
{
	return (c / RTC_BASE_HZ) * NS_PER_S +
	       ((c % RTC_BASE_HZ) * NS_PER_S + RTC_BASE_HZ - 1) / RTC_BASE_HZ;
}

/* Does the alarm match Unix time t? Alarm bytes 0xC0-0xFF match anything. */
static bool alarm_matches(const struct vrtc *r, int64_t t)
{
	static const uint8_t pairs[3][2] = {
		{ VRTC_SEC_ALARM, VRTC_SEC }, { VRTC_MIN_ALARM, VRTC_MIN },
		{ VRTC_HOUR_ALARM, VRTC_HOUR },
	};
	uint8_t regs[10];

	time_regs(r, t, regs);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t alarm = r->ram[pairs[i][0]];
		if ((alarm & 0xC0) != 0xC0 && alarm != regs[pairs[i][1]])
			return false;
	}
	return true;
}

static void update_irqf(struct vrtc *r)
{
	uint8_t c = r->ram[VRTC_REG_C], b = r->ram[VRTC_REG_B];

	if (((c & VRTC_C_PF) && (b & VRTC_B_PIE)) || ((c & VRTC_C_AF) && (b & VRTC_B_AIE)) ||
	    ((c & VRTC_C_UF) && (b & VRTC_B_UIE)))
		r->ram[VRTC_REG_C] |= VRTC_C_IRQF;
	r->irq_line = r->ram[VRTC_REG_C] & VRTC_C_IRQF;
}

bool vrtc_tick(struct vrtc *r, uint64_t now)
{
	uint64_t per = period_clocks(r);

	if (per && now > r->period_origin_ns) {
		uint64_t periods = ns_to_clocks(now - r->period_origin_ns) / per;
		if (periods > r->periods_done) {
			r->periods_done = periods;
			r->ram[VRTC_REG_C] |= VRTC_C_PF;
		}
	}
	/* The update cycle runs once a second while SET is 0 (§"Update
	 * Cycle"): it sets UF, and AF when the new time matches the alarm. */
	if (!(r->ram[VRTC_REG_B] & VRTC_B_SET)) {
		uint64_t secs = seconds_since_origin(r, now);
		if (secs > r->seconds_done) {
			uint64_t from = MAX(r->seconds_done + 1,
					    secs > ALARM_LOOKBACK ? secs - ALARM_LOOKBACK : 0);
			r->ram[VRTC_REG_C] |= VRTC_C_UF;
			for (uint64_t s = from; s <= secs; s++)
				if (alarm_matches(r, r->unix_base + (int64_t)s)) {
					r->ram[VRTC_REG_C] |= VRTC_C_AF;
					break;
				}
			r->seconds_done = secs;
		}
	}
	update_irqf(r);
	return r->irq_line;
}

uint64_t vrtc_deadline(const struct vrtc *r)
{
	uint8_t b = r->ram[VRTC_REG_B];
	uint64_t per = period_clocks(r), best = 0;

	if (r->ram[VRTC_REG_C] & VRTC_C_IRQF)
		return 0;
	if ((b & VRTC_B_PIE) && per)
		best = r->period_origin_ns + clocks_to_ns((r->periods_done + 1) * per);
	if ((b & (VRTC_B_UIE | VRTC_B_AIE)) && !(b & VRTC_B_SET)) {
		uint64_t next = r->origin_ns + (r->seconds_done + 1) * NS_PER_S;
		best = best ? MIN(best, next) : next;
	}
	return best;
}

static uint8_t read_reg(struct vrtc *r, uint8_t reg, uint64_t now)
{
	uint8_t regs[10], v;

	if (reg < 10) {
		if (r->ram[VRTC_REG_B] & VRTC_B_SET)
			return r->held[reg];
		time_regs(r, vrtc_unix_time(r, now), regs);
		return regs[reg];
	}
	switch (reg) {
	case VRTC_REG_A:
		v = r->ram[VRTC_REG_A] & 0x7F;
		/* UIP: the update of the next second is about to run. */
		if (!(r->ram[VRTC_REG_B] & VRTC_B_SET) && now >= r->origin_ns &&
		    (now - r->origin_ns) % NS_PER_S >= NS_PER_S - VRTC_UIP_NS)
			v |= VRTC_A_UIP;
		return v;
	case VRTC_REG_C:
		vrtc_tick(r, now);
		v = r->ram[VRTC_REG_C];
		/* Reading C clears every flag and ends the interrupt. */
		r->ram[VRTC_REG_C] = 0;
		r->irq_line = false;
		return v;
	case VRTC_CENTURY:
		if (!(r->ram[VRTC_REG_B] & VRTC_B_SET))
			return century_reg(r, vrtc_unix_time(r, now));
		return r->ram[reg];
	default:
		return r->ram[reg];
	}
}

static void write_b(struct vrtc *r, uint8_t val, uint64_t now)
{
	uint8_t old = r->ram[VRTC_REG_B];
	int64_t t;

	if ((val & VRTC_B_SET) && !(old & VRTC_B_SET)) {
		/* Freeze: the registers hold the time as it is now; the
		 * century byte too, so a set without it keeps the century. */
		time_regs(r, vrtc_unix_time(r, now), r->held);
		r->ram[VRTC_CENTURY] = century_reg(r, vrtc_unix_time(r, now));
		/* SET=1 clears UIE (data sheet, register B bit 4). */
		val &= (uint8_t)~VRTC_B_UIE;
	}
	r->ram[VRTC_REG_B] = val;
	if (!(val & VRTC_B_SET) && (old & VRTC_B_SET) && held_time(r, &t))
		set_clock(r, t, now);
	else if (!(val & VRTC_B_SET) && (old & VRTC_B_SET))
		r->seconds_done = seconds_since_origin(r, now);
	update_irqf(r);
}

static void write_reg(struct vrtc *r, uint8_t reg, uint8_t val, uint64_t now)
{
	int64_t t;

	if (reg == VRTC_SEC_ALARM || reg == VRTC_MIN_ALARM || reg == VRTC_HOUR_ALARM)
		r->ram[reg] = val;
	if (reg < 10) {
		if (r->ram[VRTC_REG_B] & VRTC_B_SET) {
			r->held[reg] = val;
			return;
		}
		if (reg == VRTC_SEC_ALARM || reg == VRTC_MIN_ALARM || reg == VRTC_HOUR_ALARM)
			return;
		/* A time register written while the clock runs: the clock
		 * takes the new value at once, as if set with SET. */
		time_regs(r, vrtc_unix_time(r, now), r->held);
		r->held[reg] = val;
		if (held_time(r, &t))
			set_clock(r, t, now);
		return;
	}
	switch (reg) {
	case VRTC_REG_A:
		/* UIP is read-only; a new rate starts its periods now. */
		if ((val & 0xF) != (r->ram[VRTC_REG_A] & 0xF)) {
			r->period_origin_ns = now;
			r->periods_done = 0;
		}
		r->ram[VRTC_REG_A] = val & 0x7F;
		break;
	case VRTC_REG_B:
		write_b(r, val, now);
		break;
	case VRTC_REG_C:
	case VRTC_REG_D:
		break;   /* read-only */
	default:
		r->ram[reg] = val;
		break;
	}
}

int vrtc_port_read(struct vrtc *r, uint16_t port, uint64_t now, uint8_t *val)
{
	switch (port) {
	case VRTC_PORT_INDEX:
		*val = 0xFF;
		return 0;
	case VRTC_PORT_DATA:
		*val = read_reg(r, r->index, now);
		return 0;
	default:
		pr_err("vrtc: port 0x%x is not an RTC port", port);
		return -EINVAL;
	}
}

int vrtc_port_write(struct vrtc *r, uint16_t port, uint8_t val, uint64_t now)
{
	switch (port) {
	case VRTC_PORT_INDEX:
		r->index = val & 0x7F;
		r->nmi_masked = val & 0x80;
		return 0;
	case VRTC_PORT_DATA:
		write_reg(r, r->index, val, now);
		return 0;
	default:
		pr_err("vrtc: port 0x%x is not an RTC port", port);
		return -EINVAL;
	}
}
