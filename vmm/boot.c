/* boot.c - start the VMs plinth was booted with.
 *
 * The VMs come from the boot module vms.cfg (docs/vms-cfg.md; the module
 * whose string's first word has the basename "vms.cfg"): every VM there
 * with autostart=yes is built and run. For compatibility, every boot module
 * named guest-NAME.elf that no configuration names becomes a VM "NAME" with
 * the default configuration (a multiboot image, 32 MiB). Each VM gets RAM
 * from 0, the PC platform devices (vmm/platform.h: 8259 pair, fw_cfg, local
 * APIC), COM1 (its output in plinth's log as "[NAME] ...") and the
 * test-exit port, and its vCPU goes to the scheduler (vmm/vm_sched.c):
 * all VMs run at the same time, on every CPU, with the weight, cap and pin
 * of their configuration. The BSP then runs the scheduler loop until every
 * VM has stopped (the other CPUs run it already). A VM whose configuration
 * or image is bad is skipped with one message naming it; the others still
 * start. Every VM is registered with the control API (vmm/vmctl.c), which
 * prints its statistics and frees its memory when it stops.
 *
 * Guest-physical layout of a multiboot VM (vmm/loader_layout.c keeps the
 * pieces apart): the image where its headers say; the modules page-aligned
 * from 1 MiB up, after whatever is there; the Multiboot information in low
 * memory (from 4 KiB, below 640 KiB) or, if that is taken, above 1 MiB. */
#include <plinth/boot_info.h>
#include <plinth/console_domain.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <plinth/vmcfg.h>
#include "linux_boot.h"
#include "loader.h"
#include "loader_linux.h"
#include "vcpu_longmode.h"
#include "platform.h"
#include <plinth/vmctl.h>
#include "vmctl_internal.h"

#define GUEST_PREFIX     "guest-"
#define VMS_CFG_NAME     "vms.cfg"
#define INFO_LOW_START   0x1000u    /* keep page 0 (the real-mode IVT) free */
#define LOADER_MIN_GPA   0x1000u
/* Memory the host keeps beyond a VM's RAM for its tables and state: a VM
 * is refused when free memory would drop below this. */
#define HOST_RESERVE     (4 * MiB)

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

int load_ctx_write(void *ctx, uint64_t gpa, const uint8_t *data, uint64_t filesz,
		   uint64_t memsz)
{
	struct load_ctx *lc = ctx;
	int err = layout_reserve(&lc->layout, gpa, memsz, lc->what);

	if (!err)
		err = vm_write_guest(lc->vm, gpa, data, filesz);
	/* Guest RAM starts zeroed; zero anyway, the contract is the loader's. */
	if (!err && memsz > filesz)
		err = vm_zero_guest(lc->vm, gpa + filesz, memsz - filesz);
	return err;
}

static const uint8_t *module_bytes(const struct boot_module *m)
{
	return phys_to_virt(m->start);
}

/* The boot module providing path for VM cfg, or NULL (logged). */
static const struct boot_module *find_file(const struct boot_info *bi,
					   const struct vm_config *cfg, const char *key,
					   const char *path)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (vmcfg_path_matches(path, bi->modules[i].string))
			return &bi->modules[i];
	if (cfg->line)
		pr_err("vm %s: %s %s (vms.cfg line %u): no boot module provides it; VM not started",
		       cfg->name, key, path, cfg->line);
	else
		pr_err("vm %s: %s %s: no boot module provides it; VM not started", cfg->name, key,
		       path);
	return NULL;
}

/* Copy the configured modules above the image and describe them. */
static int load_modules(struct load_ctx *lc, const struct boot_info *bi,
			const struct vm_config *cfg, struct mb1_module *mods)
{
	static const char *const what[MB1_MAX_MODULES] = {
		"module 1", "module 2", "module 3", "module 4",
		"module 5", "module 6", "module 7", "module 8",
	};
	_Static_assert(VMCFG_MAX_MODULES <= MB1_MAX_MODULES, "every configured module fits");
	uint64_t top = MIN(lc->layout.ram_size, 4 * GiB);

	for (uint32_t i = 0; i < cfg->nr_modules; i++) {
		const struct boot_module *m = find_file(bi, cfg, "module", cfg->modules[i]);
		uint64_t size, gpa;
		int err;

		if (!m)
			return -ENOENT;
		size = m->end - m->start;
		/* Page aligned (Multiboot flag 0); an empty file still gets a
		 * page so every module has its own address. */
		err = layout_place(&lc->layout, MAX(size, 1), PAGE_SIZE, MiB, top, what[i], &gpa);
		if (!err)
			err = vm_write_guest(lc->vm, gpa, module_bytes(m), size);
		if (err) {
			pr_err("vm %s: cannot place module %s (%llu bytes) in its %llu MiB of RAM",
			       cfg->name, cfg->modules[i], (unsigned long long)size,
			       (unsigned long long)(lc->layout.ram_size / MiB));
			return err;
		}
		mods[i] = (struct mb1_module){
			.start = (uint32_t)gpa, .end = (uint32_t)(gpa + size), .string = m->string,
		};
	}
	return 0;
}

/* Write the Multiboot information for the VM; its address in *info_gpa. */
static int write_mb1_info(struct load_ctx *lc, const struct vm_config *cfg,
			  const struct mb1_module *mods, const char *cmdline, uint32_t *info_gpa)
{
	const struct mb1_info_desc desc = {
		.ram_size = lc->layout.ram_size, .cmdline = cmdline,
		.modules = mods, .nr_modules = cfg->nr_modules,
	};
	int size = mb1_info_size(&desc);
	uint64_t gpa;
	uint8_t *buf;
	int n, err;

	if (size < 0)
		return size;
	/* Low memory first (where GRUB puts it too), else above 1 MiB. */
	err = layout_place(&lc->layout, (uint64_t)size, 16, INFO_LOW_START, MB1_LOW_RAM_END,
			   "the Multiboot information", &gpa);
	if (err)
		err = layout_place(&lc->layout, (uint64_t)size, 16, MiB, 4 * GiB,
				   "the Multiboot information", &gpa);
	if (err)
		return err;
	buf = kmalloc((size_t)size);
	if (!buf)
		return -ENOMEM;
	n = mb1_info_build(buf, (size_t)size, (uint32_t)gpa, &desc);
	err = n < 0 ? n : vm_write_guest(lc->vm, gpa, buf, (uint64_t)n);
	kfree(buf);
	*info_gpa = (uint32_t)gpa;
	return err;
}

/* Load a multiboot image with its modules and information and set the
 * vCPU's entry state. */
static int load_multiboot(struct vm *vm, const struct boot_info *bi, const struct vm_config *cfg,
			  const struct boot_module *image, const char *cmdline)
{
	struct mb1_module mods[MB1_MAX_MODULES];
	struct load_ctx *lc = kzalloc(sizeof(*lc));
	uint32_t entry = 0, info_gpa = 0;
	struct image_sink sink;
	int err;

	if (!lc)
		return -ENOMEM;
	lc->vm = vm;
	lc->what = "the image";
	layout_init(&lc->layout, cfg->memory);
	/* The legacy VGA/ROM hole is RAM here but reserved in the guest's
	 * memory map (mb1_info.c): nothing is placed there. */
	err = layout_reserve(&lc->layout, MB1_LOW_RAM_END, MiB - MB1_LOW_RAM_END,
			     "the legacy hole 640 KiB-1 MiB");
	sink = (struct image_sink){
		.write = load_ctx_write, .ctx = lc, .min_gpa = LOADER_MIN_GPA,
		.max_gpa = MIN(cfg->memory, 4 * GiB),
	};
	if (!err) {
		err = mb1_load(module_bytes(image), image->end - image->start, &sink, &entry);
		if (err)
			pr_err("vm %s: image %s is not a loadable Multiboot 1 kernel (see above); VM "
			       "not started", cfg->name, cfg->image);
	}
	if (!err)
		err = load_modules(lc, bi, cfg, mods);
	if (!err) {
		err = write_mb1_info(lc, cfg, mods, cmdline, &info_gpa);
		if (err)
			pr_err("vm %s: cannot place the Multiboot information (error %d)", cfg->name,
			       err);
	}
	kfree(lc);
	if (!err)
		err = vcpu_create(vm);
	if (!err)
		err = vcpu_set_multiboot_state(vm->vcpu, entry, MB1_BOOTLOADER_MAGIC, info_gpa);
	if (!err)
		pr_info("vm %s: multiboot image %s, entry 0x%x, %u module%s, info at 0x%x", cfg->name,
			cfg->image, entry, cfg->nr_modules, cfg->nr_modules == 1 ? "" : "s", info_gpa);
	return err;
}

/* A 64-bit start of a flat image at [load, load + size): its GDT and
 * identity map (vcpu_longmode.h) go in the first free pages from 4 KiB up,
 * below 4 GiB and outside the image, and the vCPU enters long mode at
 * load. */
static int start_flat_long(struct vm *vm, const struct vm_config *cfg, uint64_t size)
{
	struct guest_layout *l = kzalloc(sizeof(*l));
	uint64_t gpa = 0;
	int err;

	if (!l)
		return -ENOMEM;
	layout_init(l, cfg->memory);
	err = layout_reserve(l, cfg->load_address, MAX(size, 1), "the image");
	if (!err)
		err = layout_place(l, PAGE_SIZE + LX_PT_SIZE, PAGE_SIZE, LOADER_MIN_GPA,
				   MIN(cfg->memory, 4 * GiB), "the 64-bit page tables", &gpa);
	kfree(l);
	if (err) {
		pr_err("vm %s: no room for the 64-bit start's page tables (%u KiB) beside image %s",
		       cfg->name, (unsigned)((PAGE_SIZE + LX_PT_SIZE) / KiB), cfg->image);
		return err;
	}
	err = longmode_write_tables(vm, gpa, gpa + PAGE_SIZE);
	if (!err)
		err = vcpu_set_long_mode_state(vm->vcpu, cfg->load_address, gpa, gpa + PAGE_SIZE);
	if (!err)
		pr_info("vm %s: flat image %s at 0x%llx, long mode (identity map of 4 GiB at "
			"0x%llx)", cfg->name, cfg->image, (unsigned long long)cfg->load_address,
			(unsigned long long)(gpa + PAGE_SIZE));
	return err;
}

/* Load a flat image at its load address and start it in its entry mode. */
static int load_flat(struct vm *vm, const struct vm_config *cfg, const struct boot_module *image)
{
	uint64_t size = image->end - image->start;
	uint16_t cs, ip;
	int err;

	err = flat_check(size, cfg->load_address, cfg->memory, cfg->entry == VM_ENTRY_REAL);
	if (err) {
		pr_err("vm %s: image %s does not fit (see above); VM not started", cfg->name,
		       cfg->image);
		return err;
	}
	err = vm_write_guest(vm, cfg->load_address, module_bytes(image), size);
	if (!err)
		err = vcpu_create(vm);
	if (err)
		return err;
	if (cfg->entry == VM_ENTRY_LONG) {
		err = start_flat_long(vm, cfg, size);
	} else if (cfg->entry == VM_ENTRY_REAL) {
		flat_real_mode_start(cfg->load_address, &cs, &ip);
		err = vcpu_set_real_mode_state(vm->vcpu, cs, ip);
		if (!err)
			pr_info("vm %s: flat image %s at 0x%llx, real mode at %04x:%04x", cfg->name,
				cfg->image, (unsigned long long)cfg->load_address, cs, ip);
	} else {
		/* 32-bit protected mode, flat segments, paging off: the
		 * Multiboot state without the Multiboot registers. */
		err = vcpu_set_multiboot_state(vm->vcpu, (uint32_t)cfg->load_address, 0, 0);
		if (!err)
			pr_info("vm %s: flat image %s at 0x%llx, protected mode", cfg->name,
				cfg->image, (unsigned long long)cfg->load_address);
	}
	if (err)
		pr_err("vm %s: cannot set the start state (error %d); VM not started", cfg->name, err);
	return err;
}

/* Checks that need the host: what plinth cannot do yet, and memory. */
static bool config_runnable(const struct vm_config *cfg)
{
	uint64_t free_bytes = pmm_free_pages() * PAGE_SIZE;

	if (cfg->memory > VM_RAM_MAX) {
		pr_err("vm %s: memory=%llu MiB is more than plinth gives one VM (%llu MiB); VM not "
		       "started", cfg->name, (unsigned long long)(cfg->memory / MiB),
		       (unsigned long long)(VM_RAM_MAX / MiB));
		return false;
	}
	if (cfg->memory + HOST_RESERVE > free_bytes) {
		pr_err("vm %s: memory=%llu KiB does not fit in the host's free memory (%llu KiB, "
		       "%llu KiB kept for plinth); VM not started", cfg->name,
		       (unsigned long long)(cfg->memory / KiB), (unsigned long long)(free_bytes / KiB),
		       (unsigned long long)(HOST_RESERVE / KiB));
		return false;
	}
	return true;
}

/* The boot information of this boot: its modules are the images VMs are
 * built from, at boot and later (vmctl_create). */
static const struct boot_info *boot_bi;

/* The scheduler group and pinning of the VM from its configuration. */
static int setup_sched(struct vm *vm, const struct vm_config *cfg)
{
	int err = sched_group_init(&vm->sched, vm->name, cfg->weight, cfg->cap);

	if (err) {
		pr_err("vm %s: weight=%u cap=%u rejected by the scheduler (see above)", cfg->name,
		       cfg->weight, cfg->cap);
		return err;
	}
	/* vCPU 0's pin list; each vCPU takes its own (vcpu_create). */
	vm->vcpu_affinity = cfg->nr_pin_lists ? cfg->pin[0] : 0;
	return 0;
}

struct vm *vmm_build_vm(const struct vm_config *cfg, const char *cmdline)
{
	const struct boot_info *bi = boot_bi;
	const struct boot_module *image;
	struct vm *vm;
	int err;

	if (!bi || !vcpu_ops) {
		pr_err("vm %s: no hardware virtualization or no boot modules; VM not built",
		       cfg->name);
		return NULL;
	}
	if (!config_runnable(cfg))
		return NULL;
	image = find_file(bi, cfg, "image", cfg->image);
	if (!image)
		return NULL;
	vm = vm_create(cfg->name);
	if (!vm)
		return NULL;
	vm->config = kmalloc(sizeof(*vm->config));
	err = vm->config ? 0 : -ENOMEM;
	if (!err) {
		*vm->config = *cfg;
		/* A legacy module's command line is its whole string. */
		str_copy(vm->config->cmdline, cmdline, sizeof(vm->config->cmdline));
		err = setup_sched(vm, cfg);
	}
	if (!err)
		err = vm_add_ram(vm, 0, cfg->memory);
	if (!err)
		err = vm_add_platform(vm);      /* PIC, fw_cfg, local APIC; after RAM */
	if (!err)
		err = vm_add_uart(vm, 0x3F8);
	if (!err)
		err = vm_add_testexit(vm);
	if (!err)
		err = cfg->format == VM_BOOT_FLAT    ? load_flat(vm, cfg, image)
		      : cfg->format == VM_BOOT_LINUX ? linux_boot_load(vm, bi, cfg, image)
						     : load_multiboot(vm, bi, cfg, image, cmdline);
	if (err) {
		pr_err("vm %s: not started (error %d)", cfg->name, err);
		vm_destroy(vm);
		return NULL;
	}
	pr_info("vm %s: %llu KiB RAM, %u vCPU, %s backend, weight %u, cap %u%%", cfg->name,
		(unsigned long long)(cfg->memory / KiB), cfg->vcpus, vcpu_ops->name,
		vm->sched.weight, vm->sched.cap_pct);
	return vm;
}

/* Build and register one VM; its id, or -1. */
static int build_and_register(const struct vm_config *cfg, const char *cmdline)
{
	struct vm *vm = vmm_build_vm(cfg, cmdline);
	int id;

	if (!vm)
		return -1;
	id = vmctl_register(vm);
	if (id < 0)
		vm_destroy(vm);
	return id;
}

/* The VM name for a legacy module ("/boot/guest-cpuid.elf args" ->
 * "cpuid"), or false if the module is not a guest-NAME[.elf]. */
static bool legacy_guest_name(const struct boot_module *m, char *name, size_t size)
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

/* Does any configured VM name module m (as image or module)? */
static bool named_by_config(const struct boot_module *m, const struct vm_config *cfgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vmcfg_path_matches(cfgs[i].image, m->string))
			return true;
		for (uint32_t j = 0; j < cfgs[i].nr_modules; j++)
			if (vmcfg_path_matches(cfgs[i].modules[j], m->string))
				return true;
	}
	return false;
}

/* Parse vms.cfg if a boot module carries it. Returns the VMs configured. */
static size_t read_vms_cfg(const struct boot_info *bi, struct vm_config *cfgs)
{
	size_t n = 0;

	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		int errors;

		if (!vmcfg_path_matches(VMS_CFG_NAME, m->string))
			continue;
		errors = vmcfg_parse((const char *)module_bytes(m), m->end - m->start, cfgs,
				     VMCFG_MAX_VMS, &n);
		pr_info("vms.cfg: %d error%s, %zu VM%s configured", errors, errors == 1 ? "" : "s", n,
			n == 1 ? "" : "s");
		return n;   /* the first vms.cfg is the configuration */
	}
	return 0;
}

void vmm_start(const struct boot_info *bi)
{
	/* Configurations are large (paths, pins): on the heap, not the stack. */
	struct vm_config *cfgs = kzalloc(VMCFG_MAX_VMS * sizeof(*cfgs));
	struct vm_config *legacy = kzalloc(sizeof(*legacy));
	unsigned started = 0, configured = 0, built = 0;
	int *ids = kzalloc((VMCFG_MAX_VMS + BOOT_MAX_MODULES) * sizeof(*ids));
	size_t n;

	boot_bi = bi;
	if (!cfgs || !legacy || !ids) {
		pr_err("vmm: out of memory for the VM configurations; no VMs start");
		goto out;
	}
	/* Without a backend or scheduler every VM below fails to build, each
	 * with its message. */
	if ((vcpu_ops || !vmm_init()) && vmm_sched_init()) {
		pr_err("vmm: the scheduler did not start; no VMs start");
		vcpu_ops = NULL;
	}
	/* The console domain first: it owns the serial port from here on. */
	if (vcpu_ops)
		console_domain_start();
	n = read_vms_cfg(bi, cfgs);
	for (size_t i = 0; i < n; i++) {
		if (!cfgs[i].autostart) {
			pr_info("vm %s: configured with autostart=no; not started", cfgs[i].name);
			continue;
		}
		configured++;
		ids[built] = build_and_register(&cfgs[i], cfgs[i].cmdline);
		built += ids[built] >= 0;
	}
	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		char name[VM_NAME_MAX], why[VMCFG_WHY_MAX];
		const char *end;

		if (!legacy_guest_name(m, name, sizeof(name)) || named_by_config(m, cfgs, n))
			continue;
		/* The image path is the module's first word. */
		for (end = m->string; *end && *end != ' '; end++)
			;
		vmcfg_init(legacy);
		if (vmcfg_set_name(legacy, name, strlen(name), why, sizeof(why)) ||
		    vmcfg_set(legacy, "image", 5, m->string, (size_t)(end - m->string), why,
			      sizeof(why)) ||
		    vmcfg_finish(legacy, why, sizeof(why))) {
			pr_err("vm %s: module %s: %s; VM not started", name, m->string, why);
			continue;
		}
		configured++;
		/* As a boot loader gives a kernel its own command line, the
		 * module's whole string. */
		ids[built] = build_and_register(legacy, m->string);
		built += ids[built] >= 0;
	}
	/* Start them together (their vCPUs compete from the same moment),
	 * then this CPU joins the scheduler until every VM stopped. */
	for (unsigned i = 0; i < built; i++)
		started += vmctl_start((unsigned)ids[i]) == 0;
	if (started) {
		vmm_cpu_loop_until(vmctl_all_stopped_flag());
		vmm_sched_report();
	}
	if (configured)
		pr_info("vmm: %u VM%s ran%s", started, started == 1 ? "" : "s",
			started < configured ? " (others failed to start, see above)" : "");
out:
	kfree(ids);
	kfree(legacy);
	kfree(cfgs);
}
