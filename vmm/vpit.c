/* vpit.c - the 8254 interval timer model (see vpit.h). Every counter is
 * described by the time its current count started and that count; the
 * count, the OUT pin and counter 0's interrupt edges at any later time
 * follow from the mode (82C54 data sheet, "Modes" and Figure 13-18). */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vpit.h"

#define NS_PER_S 1000000000ull

/* Whole counter clocks in d ns of guest time (split so nothing overflows
 * for any uint64_t d). */
static uint64_t ns_to_ticks(uint64_t d)
{
	return (d / NS_PER_S) * VPIT_HZ + ((d % NS_PER_S) * VPIT_HZ) / NS_PER_S;
}

/* The first time (ns after the start) at which k clocks have passed. */
static uint64_t ticks_to_ns(uint64_t k)
{
	return (k / VPIT_HZ) * NS_PER_S + ((k % VPIT_HZ) * NS_PER_S + VPIT_HZ - 1) / VPIT_HZ;
}

static bool periodic(const struct vpit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

static uint64_t elapsed_ticks(const struct vpit_channel *c, uint64_t now)
{
	return now > c->start_ns ? ns_to_ticks(now - c->start_ns) : 0;
}

void vpit_init(struct vpit *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].access = 3;
		p->ch[i].reload = 65536;
		p->ch[i].paused_count = 65536;
		/* Counters 0 and 1 have their gates tied high on a PC. */
		p->ch[i].gate = i != 2;
	}
}

/* Start (or restart) counting count clocks from now. */
static void start(struct vpit_channel *c, uint32_t count, uint64_t now)
{
	c->counting = true;
	c->start_ns = now;
	c->paused_count = count;
	c->irqs_seen = 0;
}

uint16_t vpit_count(const struct vpit *p, unsigned channel, uint64_t now)
{
	const struct vpit_channel *c = &p->ch[channel];
	uint64_t t, n = c->reload, phase;

	if (!c->counting)
		return (uint16_t)(c->loaded || c->mode == 0 ? c->paused_count : c->reload);
	t = elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
		/* N, N-1, ..., 1, reloading N on the clock after 1. */
		return (uint16_t)(n - t % n);
	case 3: {
		/* Decrements by two; OUT toggles and the count reloads every
		 * half period (an odd N spends one clock longer high). */
		uint64_t high = (n + 1) / 2;
		phase = t % n;
		if (phase >= high)
			phase -= high;
		return (uint16_t)((n - 2 * phase) & ~1ull);
	}
	default:
		/* One-shot modes count on through 0 into 0xFFFF. */
		return (uint16_t)((c->paused_count - t) & 0xFFFF);
	}
}

bool vpit_out(const struct vpit *p, unsigned channel, uint64_t now)
{
	const struct vpit_channel *c = &p->ch[channel];
	uint64_t t, n = c->reload;

	switch (c->mode) {
	case 0:
	case 1:
		/* Low from the count's load (mode 1: the trigger) to the
		 * terminal count, then high until the next load. */
		if (c->out_sticky)
			return true;
		if (!c->counting)
			return c->mode == 1;   /* mode 1 waits high for its trigger */
		return elapsed_ticks(c, now) >= c->paused_count;
	case 2:
		/* High, low for the one clock while the count is 1. */
		if (!c->counting)
			return true;
		return elapsed_ticks(c, now) % n != n - 1;
	case 3:
		if (!c->counting)
			return true;
		t = elapsed_ticks(c, now) % n;
		return t < (n + 1) / 2;
	default:
		/* Modes 4 and 5: high, a one-clock low pulse at terminal count. */
		if (!c->counting)
			return true;
		return elapsed_ticks(c, now) != c->paused_count;
	}
}

/* Freeze a one-shot count while its gate is low (modes 0 and 4). */
static void freeze(struct vpit_channel *c, uint64_t now)
{
	uint64_t t = elapsed_ticks(c, now);

	if (t >= c->paused_count)
		c->out_sticky = c->mode == 0;
	c->paused_count = (uint32_t)((c->paused_count - t) & 0xFFFF);
	if (!c->paused_count)
		c->paused_count = 65536;
	c->counting = false;
}

void vpit_set_gate(struct vpit *p, unsigned channel, bool gate, uint64_t now)
{
	struct vpit_channel *c = &p->ch[channel];
	bool rising = gate && !c->gate;

	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->loaded)
		return;
	switch (c->mode) {
	case 0:
	case 4:
		/* GATE low suspends counting; high resumes it. */
		if (!gate && c->counting)
			freeze(c, now);
		else if (gate && !c->counting) {
			start(c, c->paused_count, now);
			c->irqs_seen = c->out_sticky;   /* that edge was reported */
		}
		break;
	case 2:
	case 3:
		/* GATE low stops the count and forces OUT high; the rising
		 * edge reloads the initial count. */
		if (rising)
			start(c, c->reload, now);
		else
			c->counting = false;
		break;
	default:
		/* Modes 1 and 5: the rising edge (re)triggers. */
		if (rising) {
			c->out_sticky = false;
			start(c, c->reload, now);
		}
		break;
	}
}

/* A complete count was written: reload holds it. */
static void count_written(struct vpit_channel *c, uint64_t now)
{
	c->loaded = true;
	c->out_sticky = false;
	switch (c->mode) {
	case 0:
	case 4:
		c->paused_count = c->reload;
		if (c->gate)
			start(c, c->reload, now);
		else
			c->counting = false;
		break;
	case 2:
	case 3:
		/* A new count takes effect now (the 8254 would finish the
		 * current period first; nothing plinth runs depends on it). */
		if (c->gate)
			start(c, c->reload, now);
		break;
	default:
		/* Modes 1 and 5 wait for a gate trigger. */
		c->paused_count = c->reload;
		break;
	}
}

static void write_count(struct vpit_channel *c, uint8_t val, uint64_t now)
{
	uint32_t n;

	switch (c->access) {
	case 1:
		n = val;
		break;
	case 2:
		n = (uint32_t)val << 8;
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			/* Mode 0: writing the first byte stops the count. */
			if (c->mode == 0 && c->counting) {
				freeze(c, now);
				c->out_sticky = false;
			}
			return;
		}
		c->write_msb_next = false;
		n = c->write_lsb | ((uint32_t)val << 8);
		break;
	}
	c->reload = n ? n : 65536;
	count_written(c, now);
}

/* One byte read of counter i: a latched status first, then the latched or
 * the running count in the access mode's byte order. */
static uint8_t read_counter(struct vpit *p, unsigned i, uint64_t now)
{
	struct vpit_channel *c = &p->ch[i];
	uint16_t count;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	count = c->latched ? c->latched_count : vpit_count(p, i, now);
	switch (c->access) {
	case 1:
		c->latched = false;
		return (uint8_t)count;
	case 2:
		c->latched = false;
		return (uint8_t)(count >> 8);
	default:
		b = c->read_msb_next ? (uint8_t)(count >> 8) : (uint8_t)count;
		if (c->read_msb_next)
			c->latched = false;
		c->read_msb_next = !c->read_msb_next;
		return b;
	}
}

int vpit_port_read(struct vpit *p, uint16_t port, uint64_t now, uint8_t *val)
{
	if (port == VPIT_PORT_CONTROL) {
		*val = 0xFF;
		return 0;
	}
	if (port < VPIT_PORT_BASE || port > VPIT_PORT_BASE + 2) {
		pr_err("vpit: port 0x%x is not an 8254 port", port);
		return -EINVAL;
	}
	*val = read_counter(p, port - VPIT_PORT_BASE, now);
	return 0;
}

static void latch_count(struct vpit *p, unsigned i, uint64_t now)
{
	struct vpit_channel *c = &p->ch[i];

	/* A second latch before the first is read is ignored. */
	if (c->latched)
		return;
	c->latched = true;
	c->latched_count = vpit_count(p, i, now);
}

/* Read-back command (control word 11xxxxxx): bit 5 clear latches the
 * counts, bit 4 clear latches the status, bits 3:1 select counters 0-2. */
static void read_back(struct vpit *p, uint8_t val, uint64_t now)
{
	for (unsigned i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->ch[i];

		if (!(val & (2u << i)))
			continue;
		if (!(val & 0x20))
			latch_count(p, i, now);
		if (!(val & 0x10) && !c->status_latched) {
			/* Status: OUT, null count, access, mode, BCD. */
			c->status = (uint8_t)((vpit_out(p, i, now) ? 0x80 : 0) |
					      (c->loaded ? 0 : 0x40) | (c->access << 4) |
					      (c->mode << 1) | (c->bcd ? 1 : 0));
			c->status_latched = true;
		}
	}
}

int vpit_port_write(struct vpit *p, uint16_t port, uint8_t val, uint64_t now)
{
	struct vpit_channel *c;
	unsigned i;

	if (port >= VPIT_PORT_BASE && port <= VPIT_PORT_BASE + 2) {
		write_count(&p->ch[port - VPIT_PORT_BASE], val, now);
		return 0;
	}
	if (port != VPIT_PORT_CONTROL) {
		pr_err("vpit: port 0x%x is not an 8254 port", port);
		return -EINVAL;
	}
	i = val >> 6;
	if (i == 3) {
		read_back(p, val, now);
		return 0;
	}
	c = &p->ch[i];
	if (((val >> 4) & 3) == 0) {
		latch_count(p, i, now);
		return 0;
	}
	/* A control word: the counter stops until a new count is written;
	 * OUT goes low in mode 0, high in the other modes. */
	c->access = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;   /* 110 and 111 are modes 2 and 3 */
	c->bcd = val & 1;
	if (c->bcd)
		pr_warn("vpit: counter %u set to BCD counting; it counts in binary", i);
	c->counting = false;
	c->loaded = false;
	c->out_sticky = false;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->latched = false;
	c->status_latched = false;
	c->paused_count = c->reload;
	c->irqs_seen = 0;
	return 0;
}

/* Rising OUT edges of counter 0 from its start up to now. */
static uint64_t irq_edges(const struct vpit_channel *c, uint64_t now)
{
	uint64_t t;

	if (!c->counting || (c->mode == 0 && c->out_sticky))
		return c->irqs_seen;
	t = elapsed_ticks(c, now);
	if (periodic(c))
		return t / c->reload;
	if (c->mode == 0)
		return t >= c->paused_count ? 1 : 0;
	/* Modes 4/5: the edge after the one-clock low pulse. */
	return t > c->paused_count ? 1 : 0;
}

bool vpit_irq0_due(struct vpit *p, uint64_t now)
{
	struct vpit_channel *c = &p->ch[0];
	uint64_t edges = irq_edges(c, now);

	if (edges <= c->irqs_seen)
		return false;
	c->irqs_seen = edges;
	return true;
}

uint64_t vpit_irq0_deadline(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];

	if (!c->counting)
		return 0;
	if (periodic(c))
		return c->start_ns + ticks_to_ns((c->irqs_seen + 1) * c->reload);
	if (c->irqs_seen)
		return 0;
	return c->start_ns + ticks_to_ns(c->mode == 0 ? c->paused_count
						     : (uint64_t)c->paused_count + 1);
}
