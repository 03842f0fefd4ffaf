/* linux_boot.c - start a VM on a Linux kernel (vms.cfg kernel=, initrd=,
 * cmdline=; see loader_linux.h): copy the protected-mode kernel, the
 * initrd and the command line into guest RAM at the places linux_plan()
 * picks, write the VM's ACPI (vacpi.c) and SMBIOS (vsmbios.c) tables into
 * the BIOS area and the zero page, program the MTRRs as a PC's firmware
 * does, and set the 32-bit entry state of the boot protocol
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
#include "platform.h"
#include "vacpi.h"
#include "vcpu_longmode.h"
#include "vsmbios.h"

#define BOOT_CS 0x10
#define BOOT_DS 0x18

/* The boot module for path, or NULL. */
static const struct boot_module *module_for(const struct boot_info *bi, const char *path)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (vmcfg_path_matches(path, bi->modules[i].string))
			return &bi->modules[i];
	return NULL;
}

/* The per-VM ACPI tables at VACPI_BASE_GPA. */
static int write_acpi(struct vm *vm, unsigned vcpus)
{
	const struct vacpi_config c = {
		.nr_cpus = vcpus, .lapic_addr = (uint32_t)VLAPIC_BASE_GPA,
		.ioapic_addr = (uint32_t)VIOAPIC_BASE_GPA, .ioapic_id = PLATFORM_IOAPIC_ID,
		.pm_base = PLATFORM_PM_BASE, .sci_irq = PLATFORM_SCI_IRQ,
	};
	uint8_t *buf = kmalloc(VACPI_MAX_SIZE);
	int n;

	if (!buf)
		return -ENOMEM;
	n = vacpi_build(buf, VACPI_MAX_SIZE, VACPI_BASE_GPA, &c);
	if (n > 0)
		n = vm_write_guest(vm, VACPI_BASE_GPA, buf, (uint64_t)n);
	kfree(buf);
	return n < 0 ? n : 0;
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

/* The boot GDT of the 32-bit entry (SDM vol. 3 §3.4.5): null, null, flat
 * 32-bit code, flat data. */
static int write_gdt(struct vm *vm)
{
	static const uint64_t gdt[4] = {
		0, 0,
		0x00CF9B000000FFFFull,   /* 0x10: base 0, limit 4 GiB, 32-bit code, accessed */
		0x00CF93000000FFFFull,   /* 0x18: base 0, limit 4 GiB, data read/write, accessed */
	};

	return vm_write_guest(vm, LX_GDT_GPA, gdt, sizeof(gdt));
}

/* The 32-bit entry state (see the top of this file). */
static int set_entry_state(struct vcpu *v, uint32_t entry, uint32_t zero_page)
{
	const struct vcpu_segment code = {
		.selector = BOOT_CS, .attr = 0xC9B, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_segment data = {
		.selector = BOOT_DS, .attr = 0xC93, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_dtable gdtr = { .base = LX_GDT_GPA, .limit = 4 * 8 - 1 };
	const struct vcpu_dtable idtr = { .base = 0, .limit = 0 };
	int err;

	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	vcpu_ops->set_dtable(v, false, &gdtr);
	vcpu_ops->set_dtable(v, true, &idtr);
	err = vcpu_ops->set_cr(v, 0, CR0_PE | CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err)
		return err;
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[INSN_RSI] = zero_page;
	v->rip = entry;
	v->rflags = 0x2;   /* IF=0 */
	return 0;
}

/* The guest's MAXPHYADDR: CPUID 0x80000008 EAX[7:0], passed through (as
 * exit_cpu.c reads it); 36 without the leaf. */
static unsigned guest_phys_bits(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	return a & 0xFF;
}

/* Program the MTRRs of the VM's vCPUs as a PC's firmware does (see
 * linux_firmware_mtrrs): without them Linux finds "MTRRs disabled" and
 * runs without PAT. APs created later get theirs from the kernel, which
 * copies the BSP's MTRRs to every AP it starts. */
static void set_firmware_mtrrs(struct vm *vm)
{
	struct linux_mtrrs m;

	linux_firmware_mtrrs(guest_phys_bits(), &m);
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
		err = write_acpi(vm, cfg->vcpus);
	if (!err)
		err = write_smbios(vm, cfg);
	if (!err)
		err = long_mode ? longmode_write_tables(vm, LX_GDT_GPA, LX_PT_GPA) : write_gdt(vm);
	if (!err)
		err = vcpu_create(vm);
	if (!err && long_mode) {
		/* boot.rst §"64-bit BOOT PROTOCOL": RSI the zero page. */
		err = vcpu_set_long_mode_state(vm->vcpu, plan.kernel_gpa + LX_ENTRY64_OFFSET,
					       LX_GDT_GPA, LX_PT_GPA);
		vm->vcpu->gpr[INSN_RSI] = LX_ZERO_PAGE_GPA;
	} else if (!err) {
		err = set_entry_state(vm->vcpu, (uint32_t)plan.kernel_gpa, LX_ZERO_PAGE_GPA);
	}
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
