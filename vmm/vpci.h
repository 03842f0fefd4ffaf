/* vpci.h - PCI configuration space for a VM: configuration mechanism #1
 * (PCI Local Bus Specification 3.0 §3.2.2.3.2): CONFIG_ADDRESS at 0xCF8
 * (32-bit: enable bit 31, bus 23:16, device 15:11, function 10:8, register
 * 7:2), CONFIG_DATA at 0xCFC-0xCFF. Bus 0 holds one device, a host bridge
 * at 00:00.0 presenting itself as Intel's 440FX (82441FX PMC, 8086:1237),
 * the chipset QEMU's "pc" machine and Linux's defaults know; every other
 * function reads all ones (no device). Pure model (host-tested,
 * tests/unit/test_vpci.c). Byte access to 0xCF9 is the reset control
 * register, not part of this model (vmm/dev_misc.c). */
#ifndef VMM_VPCI_H
#define VMM_VPCI_H

#include <plinth/compiler.h>

#define VPCI_PORT_ADDRESS 0xCF8
#define VPCI_PORT_DATA    0xCFC
#define VPCI_HOST_VENDOR  0x8086
#define VPCI_HOST_DEVICE  0x1237

struct vpci {
	uint32_t address;              /* CONFIG_ADDRESS as last written */
	uint8_t host_config[256];      /* the host bridge's configuration space */
};

void vpci_init(struct vpci *p);
/* An access of size 1, 2 or 4 at port 0xCF8-0xCFF (not 0xCF9 as a byte:
 * the caller routes that). CONFIG_ADDRESS takes 32-bit accesses only
 * (narrower ones reach the ISA bus on real chipsets: reads all ones,
 * writes dropped). Data accesses go to the function CONFIG_ADDRESS
 * selects, at its register plus the port's offset; with the enable bit
 * clear they read all ones. Returns 0, -EINVAL for a port outside
 * 0xCF8-0xCFF or an access that crosses 0xCFF (logged). */
int vpci_port_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *val);
int vpci_port_write(struct vpci *p, uint16_t port, unsigned size, uint32_t val);
/* Configuration read of a function (bus, dev, fn, offset, size): for tests
 * and the data port. All ones for an absent function. */
uint32_t vpci_config_read(const struct vpci *p, unsigned bus, unsigned dev, unsigned fn,
			  unsigned offset, unsigned size);

#endif
