/* boot.c - start the VMs plinth was booted with. In this first slice a VM
 * comes from a boot module whose name begins with "guest-" (the ISO
 * generator allows only [A-Za-z0-9._+-] in module names, so the form
 * "guest=" is not possible): "guest-cpuid.elf" becomes VM "cpuid". The
 * module must be an ELF32 Multiboot 1 kernel; it gets VM_BOOT_RAM of RAM,
 * COM1 and the test-exit port, and runs to completion on this CPU, one VM
 * after another (there is no scheduler yet). A configuration file
 * (vms.cfg) replaces the naming rule later. */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include "loader.h"

#define VM_BOOT_RAM     (16 * MiB)
#define GUEST_PREFIX    "guest-"
#define MB1_INFO_GPA    0x9000u      /* below 640 KiB, away from the image (>= 1 MiB) */
#define MB1_INFO_MAX    0x1000u
#define GUEST_MIN_PADDR 0x100000u    /* Multiboot kernels load at or above 1 MiB */

int vmm_init(void)
{
	switch (virt.vendor) {
	case VIRT_VMX:
		vcpu_ops = &vmx_vcpu_ops;
		return 0;
	case VIRT_SVM:
		vcpu_ops = &svm_vcpu_ops;
		return 0;
	default:
		pr_warn("vmm: no usable hardware virtualization; no VMs can run");
		return -ENODEV;
	}
}

static int load_segment(void *ctx, uint32_t paddr, const uint8_t *data, uint32_t filesz,
			uint32_t memsz)
{
	struct vm *vm = ctx;
	int err = vm_write_guest(vm, paddr, data, filesz);
	if (!err && memsz > filesz)
		err = vm_zero_guest(vm, (gpa_t)paddr + filesz, memsz - filesz);
	return err;
}

/* The VM name for a module ("/boot/guest-cpuid.elf args" -> "cpuid"), or
 * false if the module is not a guest. */
static bool guest_name(const struct boot_module *m, char *name, size_t size)
{
	char first[BOOT_MODSTR_MAX];
	const char *base;
	size_t len;

	str_copy(first, m->string, sizeof(first));
	for (char *p = first; *p; p++)
		if (*p == ' ') {
			*p = 0;
			break;
		}
	base = str_basename(first);
	if (strncmp(base, GUEST_PREFIX, sizeof(GUEST_PREFIX) - 1) != 0)
		return false;
	base += sizeof(GUEST_PREFIX) - 1;
	len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".elf") == 0)
		len -= 4;
	if (len == 0)
		return false;
	str_copy(name, base, MIN(size, len + 1));
	return true;
}

/* Build the VM for one module; NULL (logged) on failure. */
static struct vm *build_vm(const struct boot_module *m, const char *name)
{
	uint8_t info[MB1_INFO_MAX];
	uint32_t entry = 0;
	struct vm *vm;
	int n;

	vm = vm_create(name);
	if (!vm)
		return NULL;
	if (vm_add_ram(vm, 0, VM_BOOT_RAM) || vm_add_uart(vm, 0x3F8) || vm_add_testexit(vm))
		goto fail;
	if (elf32_load(phys_to_virt(m->start), m->end - m->start, GUEST_MIN_PADDR, VM_BOOT_RAM,
		       load_segment, vm, &entry)) {
		pr_err("vm %s: cannot load module %s", name, m->string);
		goto fail;
	}
	n = mb1_info_build(info, sizeof(info), MB1_INFO_GPA, vm_ram_size(vm), m->string);
	if (n < 0 || vm_write_guest(vm, MB1_INFO_GPA, info, (uint64_t)n)) {
		pr_err("vm %s: cannot write the Multiboot information", name);
		goto fail;
	}
	if (vcpu_create(vm) ||
	    vcpu_set_multiboot_state(vm->vcpu, entry, MB1_BOOTLOADER_MAGIC, MB1_INFO_GPA))
		goto fail;
	pr_info("vm %s: %llu MiB RAM, entry 0x%x, %s backend", name,
		(unsigned long long)(vm_ram_size(vm) / MiB), entry, vcpu_ops->name);
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

void vmm_start(const struct boot_info *bi)
{
	char name[VM_NAME_MAX];
	unsigned started = 0;

	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct vm *vm;

		if (!guest_name(m, name, sizeof(name)))
			continue;
		if (!vcpu_ops && vmm_init())
			return;
		vm = build_vm(m, name);
		if (!vm)
			continue;
		started++;
		vcpu_run_loop(vm->vcpu);
		vm_uart_flush(vm);
		pr_info("vm %s: %llu exits", vm->name, (unsigned long long)vm->vcpu->exit_count);
		vm_destroy(vm);
	}
	if (started)
		pr_info("vmm: %u VM%s ran", started, started == 1 ? "" : "s");
}
