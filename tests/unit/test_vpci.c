/* test_vpci.c - PCI configuration mechanism #1 (vmm/vpci.c): the address
 * register, the host bridge's identity through every access width and
 * data-port offset, absent functions and a disabled address, the writable
 * command bits, bad ports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/vpci.h"
#include "host_support.h"

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | reg;
}

static uint32_t cfg_read(struct vpci *p, uint32_t a, unsigned off, unsigned size)
{
	uint32_t v;
	assert_int_equal(vpci_port_write(p, 0xCF8, 4, a), 0);
	assert_int_equal(vpci_port_read(p, (uint16_t)(0xCFC + off), size, &v), 0);
	return v;
}

static void test_host_bridge(void **state)
{
	struct vpci p;

	vpci_init(&p);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0), 0, 4), 0x12378086);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0), 2, 2), 0x1237);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0), 1, 1), 0x80);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 8), 0, 4), 0x06000002);   /* class, rev */
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0xC), 2, 1), 0x00);      /* header type 0 */
	assert_int_equal(vpci_config_read(&p, 0, 0, 0, 4, 2), 0x0006);
	/* Linux's pci_sanity_check: class of 00:00.0 reads as a bridge. */
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 8), 2, 2), 0x0600);
}

static void test_absent_and_disabled(void **state)
{
	struct vpci p;
	uint32_t v;

	vpci_init(&p);
	assert_int_equal(cfg_read(&p, addr(0, 1, 0, 0), 0, 4), 0xFFFFFFFF);
	assert_int_equal(cfg_read(&p, addr(0, 0, 1, 0), 0, 2), 0xFFFF);
	assert_int_equal(cfg_read(&p, addr(1, 0, 0, 0), 0, 1), 0xFF);
	assert_int_equal(cfg_read(&p, addr(0, 31, 7, 0xFC), 0, 4), 0xFFFFFFFF);
	/* Enable bit clear: no configuration cycle. */
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0) & 0x7FFFFFFF, 0, 4), 0xFFFFFFFF);
	/* The address register reads back, reserved bits clear. */
	assert_int_equal(vpci_port_write(&p, 0xCF8, 4, 0xFFFFFFFF), 0);
	assert_int_equal(vpci_port_read(&p, 0xCF8, 4, &v), 0);
	assert_int_equal(v, 0x80FFFFFC);
	/* Narrow accesses to 0xCF8 are not the address register. */
	assert_int_equal(vpci_port_write(&p, 0xCF8, 1, 0), 0);
	assert_int_equal(vpci_port_read(&p, 0xCF8, 4, &v), 0);
	assert_int_equal(v, 0x80FFFFFC);
	assert_int_equal(vpci_port_read(&p, 0xCFA, 2, &v), 0);
	assert_int_equal(v, 0xFFFF);
}

static void test_writes(void **state)
{
	struct vpci p;

	vpci_init(&p);
	assert_int_equal(vpci_port_write(&p, 0xCF8, 4, addr(0, 0, 0, 4)), 0);
	assert_int_equal(vpci_port_write(&p, 0xCFC, 2, 0xFFFF), 0);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 4), 0, 2), 0x0006);
	assert_int_equal(vpci_port_write(&p, 0xCFC, 2, 0x0000), 0);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 4), 0, 2), 0x0000);
	/* The identity is read-only. */
	assert_int_equal(vpci_port_write(&p, 0xCF8, 4, addr(0, 0, 0, 0)), 0);
	assert_int_equal(vpci_port_write(&p, 0xCFC, 4, 0), 0);
	assert_int_equal(cfg_read(&p, addr(0, 0, 0, 0), 0, 4), 0x12378086);
	/* Writes to absent functions vanish. */
	assert_int_equal(vpci_port_write(&p, 0xCF8, 4, addr(0, 3, 0, 4)), 0);
	assert_int_equal(vpci_port_write(&p, 0xCFC, 4, 0x7), 0);
}

static void test_bad_ports(void **state)
{
	struct vpci p;
	uint32_t v;

	vpci_init(&p);
	host_log_reset();
	assert_int_equal(vpci_port_read(&p, 0xCFE, 4, &v), -EINVAL);   /* crosses 0xCFF */
	assert_int_equal(vpci_port_write(&p, 0xCF7, 1, 0), -EINVAL);
	assert_int_equal(vpci_port_read(&p, 0xCFC, 3, &v), -EINVAL);
	assert_true(host_log_contains("outside 0xCF8-0xCFF"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_bridge),
		cmocka_unit_test(test_absent_and_disabled),
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_bad_ports),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
