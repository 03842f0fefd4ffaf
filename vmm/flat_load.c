/* flat_load.c - flat images (vms.cfg format = flat): the file's bytes are
 * copied unchanged to load_address and the vCPU starts there. Pure: the
 * checks and the real-mode start address. */
#include <plinth/log.h>
#include "loader.h"

#define REAL_MODE_LIMIT (1 * MiB)   /* what CS:IP can reach without the A20 wrap */

int flat_check(uint64_t size, uint64_t load_address, uint64_t ram_size, bool real_mode)
{
	uint64_t limit = real_mode ? MIN(ram_size, (uint64_t)REAL_MODE_LIMIT) : ram_size;

	if (size == 0) {
		pr_err("flat image: the file is empty");
		return -ENOEXEC;
	}
	if (load_address >= limit || size > limit - load_address) {
		pr_err("flat image: %llu bytes at 0x%llx do not fit below 0x%llx (%s)",
		       (unsigned long long)size, (unsigned long long)load_address,
		       (unsigned long long)limit,
		       real_mode && limit < ram_size ? "the reach of real mode" : "the end of guest RAM");
		return -ENOEXEC;
	}
	return 0;
}

void flat_real_mode_start(uint64_t load_address, uint16_t *cs, uint16_t *ip)
{
	/* Real mode: linear address = CS * 16 + IP (SDM vol. 3 §20.1.1). */
	if (load_address < 0x10000) {
		*cs = 0;
		*ip = (uint16_t)load_address;
	} else {
		*cs = (uint16_t)(load_address >> 4);
		*ip = (uint16_t)(load_address & 15);
	}
}
