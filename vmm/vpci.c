/* vpci.c - PCI configuration mechanism #1 with a host bridge (see vpci.h). */
#include <plinth/log.h>
#include <plinth/string.h>
#include <plinth/le_bytes.h>
#include "vpci.h"

#define ADDR_ENABLE  BIT(31)

/* Configuration header offsets (PCI 3.0 §6.1, Figure 6-1). */
#define CFG_VENDOR   0x00
#define CFG_DEVICE   0x02
#define CFG_COMMAND  0x04
#define CFG_STATUS   0x06
#define CFG_REVISION 0x08
#define CFG_CLASS    0x09   /* programming interface, subclass, class */
#define CFG_HEADER   0x0E

void vpci_init(struct vpci *p)
{
	uint8_t *c = p->host_config;

	memset(p, 0, sizeof(*p));
	le_put16(c, CFG_VENDOR, VPCI_HOST_VENDOR);
	le_put16(c, CFG_DEVICE, VPCI_HOST_DEVICE);
	/* Memory space and bus master enabled as firmware leaves a host
	 * bridge; status: medium DEVSEL timing (bits 10:9 = 01), fast
	 * back-to-back capable (bit 7), as the 82441FX reports. */
	le_put16(c, CFG_COMMAND, 0x0006);
	le_put16(c, CFG_STATUS, 0x0280);
	c[CFG_REVISION] = 0x02;
	c[CFG_CLASS] = 0x00;        /* prog-if */
	c[CFG_CLASS + 1] = 0x00;    /* subclass: host bridge */
	c[CFG_CLASS + 2] = 0x06;    /* class: bridge */
	c[CFG_HEADER] = 0x00;       /* type 0, single function */
}

static bool host_bridge(unsigned bus, unsigned dev, unsigned fn)
{
	return bus == 0 && dev == 0 && fn == 0;
}

uint32_t vpci_config_read(const struct vpci *p, unsigned bus, unsigned dev, unsigned fn,
			  unsigned offset, unsigned size)
{
	uint32_t v = 0;

	if (!host_bridge(bus, dev, fn) || offset + size > 256)
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p->host_config[offset + i] << (8 * i);
	return v;
}

/* The host bridge lets the guest change only the command register's
 * enable bits it has (memory, bus master); everything else is fixed, as
 * the registers of absent features read 0 and ignore writes. */
static void config_write(struct vpci *p, unsigned bus, unsigned dev, unsigned fn,
			 unsigned offset, unsigned size, uint32_t val)
{
	if (!host_bridge(bus, dev, fn))
		return;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = offset + i;
		uint8_t b = (uint8_t)(val >> (8 * i));
		if (at == CFG_COMMAND)
			p->host_config[at] = (uint8_t)((p->host_config[at] & ~0x06) | (b & 0x06));
	}
}

static bool data_port(uint16_t port, unsigned size)
{
	return port >= VPCI_PORT_DATA && port + size <= VPCI_PORT_DATA + 4;
}

/* Check an access; -EINVAL (logged) when it is not one this model takes. */
static int check(uint16_t port, unsigned size)
{
	if ((size != 1 && size != 2 && size != 4) || port < VPCI_PORT_ADDRESS ||
	    port + size > VPCI_PORT_DATA + 4) {
		pr_err("vpci: %u-byte access at port 0x%x is outside 0xCF8-0xCFF", size, port);
		return -EINVAL;
	}
	return 0;
}

static void decode(uint32_t a, unsigned *bus, unsigned *dev, unsigned *fn, unsigned *reg)
{
	*bus = (a >> 16) & 0xFF;
	*dev = (a >> 11) & 0x1F;
	*fn = (a >> 8) & 7;
	*reg = a & 0xFC;
}

int vpci_port_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *val)
{
	unsigned bus, dev, fn, reg;
	int err = check(port, size);

	*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	if (err)
		return err;
	if (port == VPCI_PORT_ADDRESS && size == 4) {
		*val = p->address;
		return 0;
	}
	if (!data_port(port, size) || !(p->address & ADDR_ENABLE))
		return 0;
	decode(p->address, &bus, &dev, &fn, &reg);
	*val = vpci_config_read(p, bus, dev, fn, reg + (port - VPCI_PORT_DATA), size);
	return 0;
}

int vpci_port_write(struct vpci *p, uint16_t port, unsigned size, uint32_t val)
{
	unsigned bus, dev, fn, reg;
	int err = check(port, size);

	if (err)
		return err;
	if (port == VPCI_PORT_ADDRESS && size == 4) {
		/* Bits 30:24 are reserved (read 0), bits 1:0 select type 0/1
		 * cycles and read 0 on this bus. */
		p->address = val & 0x80FFFFFCu;
		return 0;
	}
	if (!data_port(port, size) || !(p->address & ADDR_ENABLE))
		return 0;
	decode(p->address, &bus, &dev, &fn, &reg);
	config_write(p, bus, dev, fn, reg + (port - VPCI_PORT_DATA), size, val);
	return 0;
}
