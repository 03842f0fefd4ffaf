/* linux_boot.c - start a VM on a Linux kernel (vms.cfg kernel=, initrd=,
 * cmdline=; see loader_linux.h): copy the protected-mode kernel, the
 * initrd and the command line into guest RAM at the places linux_plan()
 * picks, write the VM's SMBIOS tables (vsmbios.c) into the BIOS area
 * beside its ACPI tables (written for every VM by vm_add_platform,
 * platform.c) and the zero page pointing at them, program the MTRRs as a
 * PC's firmware does, and set the 32-bit entry state of the boot protocol
 * (boot.rst §"32-bit boot protocol"): protected mode with paging off, a
 * GDT with flat 4 GiB code at selector 0x10 and data at 0x18 (__BOOT_CS,
 * __BOOT_DS) loaded in every segment register, interrupts off, ESI the
 * zero page, EBP/EDI/EBX zero, EIP code32_start. With entry = long the
 * 64-bit boot protocol instead (boot.rst §"64-bit BOOT PROTOCOL"): long
 * mode with paging on through an identity map of the low 4 GiB
 * (linux_identity_tables at LX_PT_GPA), a 64-bit code segment at 0x10 and
 * flat data at 0x18, interrupts off, RSI the zero page, RIP code32_start +
 * 0x200; for kernels with XLF_KERNEL_64. */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/vm.h>
#include <plinth/vmcfg.h>
#include <x86/cpu.h>
#include "linux_boot.h"
#include "loader_linux.h"
#include "msr.h"
#include "vacpi.h"
#include "vcpu_longmode.h"
#include "vsmbios.h"

/* The boot module for path, or NULL. */
static const struct boot_module *module_for(const struct boot_info *bi, const char *path)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (vmcfg_path_matches(path, bi->modules[i].string))
			return &bi->modules[i];
	return NULL;
}

/* The SMBIOS tables at VSMBIOS_GPA (in the reserved BIOS area, after the
 * ACPI tables), where the kernel's DMI scan finds them. */
static int write_smbios(struct vm *vm, const struct vm_config *cfg)
{
	const struct vsmbios_config c = { .vm_name = cfg->name };
	uint8_t *buf = kmalloc(VSMBIOS_MAX_SIZE);
	int n;

	_Static_assert(VACPI_BASE_GPA + VACPI_MAX_SIZE <= VSMBIOS_GPA, "ACPI and SMBIOS apart");
	if (!buf)
		return -ENOMEM;
	n = vsmbios_build(buf, VSMBIOS_MAX_SIZE, VSMBIOS_GPA, &c);
	if (n > 0)
		n = vm_write_guest(vm, VSMBIOS_GPA, buf, (uint64_t)n);
	kfree(buf);
	return n < 0 ? n : 0;
}

/* Program the MTRRs of the VM's vCPUs as a PC's firmware does (see
 * linux_firmware_mtrrs): without them Linux finds "MTRRs disabled" and
 * runs without PAT. APs created later get theirs from the kernel, which
 * copies the BSP's MTRRs to every AP it starts. */
static void set_firmware_mtrrs(struct vm *vm)
{
	struct linux_mtrrs m;

	/* The guest's MAXPHYADDR is the host's: CPUID 0x80000008 EAX is
	 * passed through (cpuid_policy.c). */
	linux_firmware_mtrrs(cpuid_phys_addr_bits(), &m);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct msr_state *s = vm->vcpus[i] ? vcpu_msr_state(vm->vcpus[i]) : NULL;
		if (!s)
			continue;
		s->mtrr_def_type = m.def_type;
		_Static_assert(LX_MTRR_FIXED == MSR_MTRR_FIXED_COUNT, "the same fixed MTRRs");
		memcpy(s->mtrr_fixed, m.fixed, sizeof(s->mtrr_fixed));
		s->mtrr_var[0] = m.var_base;
		s->mtrr_var[1] = m.var_mask;
	}
}

int linux_boot_load(struct vm *vm, const struct boot_info *bi, const struct vm_config *cfg,
		    const struct boot_module *kernel)
{
	const uint8_t *img = phys_to_virt(kernel->start);
	uint64_t size = kernel->end - kernel->start, initrd_size = 0;
	const struct boot_module *initrd = NULL;
	size_t cmdline_len = strlen(cfg->cmdline);
	bool long_mode = cfg->entry == VM_ENTRY_LONG;
	struct linux_image li;
	struct linux_plan plan;
	uint8_t *zero_page;
	int err;

	err = linux_parse(img, size, &li);
	if (err) {
		pr_err("vm %s: kernel %s is not a bzImage plinth can boot (see above); VM not "
		       "started", cfg->name, cfg->image);
		return err;
	}
	if (long_mode && !linux_has_entry64(&li)) {
		pr_err("vm %s: entry = long, but kernel %s has no 64-bit entry; VM not started",
		       cfg->name, cfg->image);
		return -ENOEXEC;
	}
	if (cfg->initrd[0]) {
		initrd = module_for(bi, cfg->initrd);
		if (!initrd) {
			pr_err("vm %s: initrd %s: no boot module provides it; VM not started",
			       cfg->name, cfg->initrd);
			return -ENOENT;
		}
		initrd_size = initrd->end - initrd->start;
	}
	err = linux_plan(&li, cfg->memory, cmdline_len, initrd_size, &plan);
	if (err) {
		pr_err("vm %s: the kernel and initrd do not fit (see above); VM not started",
		       cfg->name);
		return err;
	}
	zero_page = kzalloc(LX_BP_SIZE);
	if (!zero_page)
		return -ENOMEM;
	linux_fill_zero_page(zero_page, img, &li, &plan, cfg->memory, VACPI_BASE_GPA);
	err = vm_write_guest(vm, plan.kernel_gpa, img + li.kernel_offset, li.kernel_size);
	if (!err && initrd)
		err = vm_write_guest(vm, plan.initrd_gpa, phys_to_virt(initrd->start), initrd_size);
	if (!err)
		err = vm_write_guest(vm, plan.cmdline_gpa, cfg->cmdline, cmdline_len + 1);
	if (!err)
		err = vm_write_guest(vm, LX_ZERO_PAGE_GPA, zero_page, LX_BP_SIZE);
	kfree(zero_page);
	if (!err)
		err = write_smbios(vm, cfg);
	if (!err)
		err = long_mode ? longmode_write_tables(vm, LX_GDT_GPA, LX_PT_GPA)
				: protmode_write_gdt(vm, LX_GDT_GPA);
	if (!err)
		err = vcpu_create(vm);
	if (!err)
		err = long_mode ? vcpu_set_long_mode_state(vm->vcpu,
							   plan.kernel_gpa + LX_ENTRY64_OFFSET,
							   LX_GDT_GPA, LX_PT_GPA)
				: vcpu_set_protected_mode_state(vm->vcpu, (uint32_t)plan.kernel_gpa,
								LX_GDT_GPA);
	/* Both protocols: ESI/RSI the zero page, the other registers 0. */
	if (!err)
		vm->vcpu->gpr[INSN_RSI] = LX_ZERO_PAGE_GPA;
	if (err) {
		pr_err("vm %s: cannot set up the Linux boot (error %d); VM not started", cfg->name,
		       err);
		return err;
	}
	set_firmware_mtrrs(vm);
	pr_info("vm %s: Linux kernel %s (boot protocol %u.%02u, %zu KiB), initrd %s at 0x%llx "
		"(%llu KiB), %s entry at 0x%llx", cfg->name, cfg->image, li.version >> 8,
		li.version & 0xFF, li.kernel_size / 1024, initrd ? cfg->initrd : "none",
		(unsigned long long)plan.initrd_gpa, (unsigned long long)(initrd_size / 1024),
		long_mode ? "64-bit" : "32-bit",
		(unsigned long long)(plan.kernel_gpa + (long_mode ? LX_ENTRY64_OFFSET : 0)));
	return 0;
}
