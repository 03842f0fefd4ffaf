/* test_fwcfg.c - the fw_cfg model (vmm/fw_cfg.c): items, offsets, ends,
 * unknown keys and the port interface. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/fw_cfg.h"
#include "host_support.h"

static void read_n(struct fw_cfg *f, uint8_t *buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = fw_cfg_read_byte(f);
}

static void test_signature_and_reselect(void **state)
{
	struct fw_cfg f;
	uint8_t b[6];

	fw_cfg_init(&f, 16u << 20, 1);
	/* Key 0 is selected after reset. */
	read_n(&f, b, 6);
	assert_memory_equal(b, "QEMU\0\0", 6);   /* past the end: zeros */
	fw_cfg_select(&f, FW_CFG_SIGNATURE);       /* selecting rewinds */
	read_n(&f, b, 2);
	assert_memory_equal(b, "QE", 2);
	fw_cfg_select(&f, FW_CFG_SIGNATURE);
	read_n(&f, b, 4);
	assert_memory_equal(b, "QEMU", 4);
}

static void test_numbers(void **state)
{
	struct fw_cfg f;
	uint8_t b[10];

	fw_cfg_init(&f, 0x123456789ULL, 3);
	fw_cfg_select(&f, FW_CFG_RAM_SIZE);
	read_n(&f, b, 10);
	const uint8_t ram[10] = { 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0 };
	assert_memory_equal(b, ram, 10);
	fw_cfg_select(&f, FW_CFG_NB_CPUS);
	read_n(&f, b, 3);
	const uint8_t cpus[3] = { 3, 0, 0 };
	assert_memory_equal(b, cpus, 3);
	fw_cfg_select(&f, FW_CFG_ID);
	read_n(&f, b, 4);
	const uint8_t id[4] = { 1, 0, 0, 0 };     /* traditional, no DMA */
	assert_memory_equal(b, id, 4);
	fw_cfg_select(&f, FW_CFG_FILE_DIR);
	read_n(&f, b, 4);
	const uint8_t dir[4] = { 0, 0, 0, 0 };
	assert_memory_equal(b, dir, 4);
}

static void test_unknown_keys_read_zero(void **state)
{
	struct fw_cfg f;
	const uint16_t keys[] = { 0x02, 0x04, 0x18, 0x20, 0x3FFF, 0x4000, 0x8000, 0xFFFF };

	fw_cfg_init(&f, 1u << 20, 1);
	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		fw_cfg_select(&f, keys[k]);
		for (int i = 0; i < 16; i++)
			assert_int_equal(fw_cfg_read_byte(&f), 0);
	}
	/* The write bit does not alias key 0. */
	fw_cfg_select(&f, 0x4000 | FW_CFG_SIGNATURE);
	assert_int_equal(fw_cfg_read_byte(&f), 0);
}

static void test_ports(void **state)
{
	struct fw_cfg f;
	uint32_t v;

	fw_cfg_init(&f, 32u << 20, 1);
	assert_int_equal(fw_cfg_port_out(&f, FW_CFG_PORT_SEL, 2, 0xABCD0000u | FW_CFG_SIGNATURE), 0);
	assert_int_equal(f.selector, FW_CFG_SIGNATURE);
	assert_int_equal(fw_cfg_port_in(&f, FW_CFG_PORT_DATA, 1, &v), 0);
	assert_int_equal(v, 'Q');
	/* A 16-bit read returns two successive bytes. */
	assert_int_equal(fw_cfg_port_in(&f, FW_CFG_PORT_DATA, 2, &v), 0);
	assert_int_equal(v, 'E' | ('M' << 8));
	/* Data writes are ignored and do not move the offset. */
	assert_int_equal(fw_cfg_port_out(&f, FW_CFG_PORT_DATA, 1, 0x55), 0);
	assert_int_equal(fw_cfg_port_in(&f, FW_CFG_PORT_DATA, 1, &v), 0);
	assert_int_equal(v, 'U');
	assert_int_equal(fw_cfg_port_in(&f, FW_CFG_PORT_SEL, 2, &v), 0);
	assert_int_equal(v, 0);
	/* A byte write to the selector selects the byte's value. */
	assert_int_equal(fw_cfg_port_out(&f, FW_CFG_PORT_SEL, 1, 0x1205), 0);
	assert_int_equal(f.selector, FW_CFG_NB_CPUS);
	/* Ports that are not fw_cfg's are refused with a message. */
	host_log_reset();
	assert_int_equal(fw_cfg_port_in(&f, 0x512, 1, &v), -EINVAL);
	assert_int_equal(fw_cfg_port_out(&f, 0x50F, 2, 0), -EINVAL);
	assert_int_equal(host_log_count(LOG_WARN), 2);
	assert_true(host_log_contains("not a fw_cfg port"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_and_reselect),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_unknown_keys_read_zero),
		cmocka_unit_test(test_ports),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
