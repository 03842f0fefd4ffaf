/* linux_boot.h - a VM started on a Linux kernel (vmm/linux_boot.c). */
#ifndef VMM_LINUX_BOOT_H
#define VMM_LINUX_BOOT_H

#include <plinth/vm.h>

struct boot_info;
struct boot_module;
struct vm_config;

/* Load the bzImage kernel (cfg->image's boot module), cfg->initrd's boot
 * module and cfg->cmdline into vm (its RAM and platform devices added),
 * write its ACPI and SMBIOS tables and zero page, create its vCPU, program
 * its MTRRs as firmware does and set the 32-bit boot protocol entry state
 * (cfg->entry = long: the 64-bit one). Returns 0, or a negative error
 * (logged, naming the VM). */
int linux_boot_load(struct vm *vm, const struct boot_info *bi, const struct vm_config *cfg,
		    const struct boot_module *kernel);

#endif
