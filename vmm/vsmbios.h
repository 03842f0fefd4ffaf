/* vsmbios.h - the SMBIOS tables of a VM (DMTF DSP0134 "System Management
 * BIOS Reference Specification" 3.x), what a PC's firmware leaves in the
 * BIOS area so the guest can tell what machine it runs on ("DMI: plinth
 * VM ..."): a 64-bit entry point ("_SM3_", §5.2.2) on a 16-byte boundary
 * in 0xF0000-0xFFFFF, where a kernel without EFI scans for it, and the
 * structure table after it: BIOS (type 0), system (type 1), chassis (type
 * 3), boot status (type 32) and the end marker (type 127). Pure: built
 * into a buffer (vmm/vsmbios.c, host-tested in tests/unit/test_vsmbios.c);
 * vmm/linux_boot.c copies it into the guest. */
#ifndef VMM_VSMBIOS_H
#define VMM_VSMBIOS_H

#include <plinth/compiler.h>

#define VSMBIOS_GPA      0xF0000u     /* the entry point; the table follows */
#define VSMBIOS_MAX_SIZE 0x1000u      /* room the tables may take there */

struct vsmbios_config {
	const char *vm_name;             /* the system's serial number; its UUID's seed */
};

/* Build the entry point and the structure table for a copy placed at gpa
 * (16-byte aligned, the table's address is absolute) into buf[size].
 * Returns the bytes written, -EINVAL for a misaligned gpa or a missing
 * name, or -ENOSPC if size is too small (logged). */
int vsmbios_build(uint8_t *buf, size_t size, uint64_t gpa, const struct vsmbios_config *c);

#endif
