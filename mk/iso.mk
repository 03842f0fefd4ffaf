# iso.mk - GRUB rescue ISOs (scripts/mkiso.sh): BIOS + UEFI hybrid, a
# multiboot2 entry (default) and a multiboot entry, serial console on COM1.
#
#   make iso                     $(BUILD)/plinth.iso
#   make iso ISO_CMDLINE="loglevel=debug" ISO_TIMEOUT=5
#
# Boot modules (VM images, vms.cfg, ...) are added by appending to
# ISO_MODULES from any makefile fragment, in the order GRUB should load them:
#   ISO_MODULES += $(BUILD)/vms.cfg               # /boot/vms.cfg, string "vms.cfg"
#   ISO_MODULES += $(BUILD)/guest/bzImage=linux   # /boot/linux, string "linux"
# Every ISO made with $(call mkiso,...) carries them; the prerequisite lists
# are expanded late (secondary expansion), so fragments included after this
# one can still append.
#
# The default image (plinth.iso, and what `make run` boots) also carries
# the default VMs, DEFAULT_VMS (the test ISOs do not):
#   linux   (the default) a VM "linux" beside the console domain, started
#           at boot: 1 vCPU, 256 MiB, the stock Debian cloud kernel and a
#           busybox initramfs whose /init runs a shell on ttyS0
#           (tests/linux/vms-default.cfg; the kernel is fetched once with
#           apt-get download, mk/linux.mk); `console linux` reaches it
#   (empty) no VMs but the console domain: make iso DEFAULT_VMS=

ISO_CMDLINE ?=
ISO_TIMEOUT ?= 3
DEFAULT_VMS ?= linux

# The boot modules of DEFAULT_VMS, in load order (late: mk/linux.mk names
# the kernel and initramfs). The configuration's file is called vms.cfg,
# so its module string is right under QEMU -kernel/-initrd too.
DEFAULT_VMS_CFG := $(BUILD)/default-vms/vms.cfg
DEFAULT_VM_MODULES = $(if $(filter linux,$(DEFAULT_VMS)),$(DEFAULT_VMS_CFG) $(LINUX_KERNEL) $(LINUX_INITRD))

$(DEFAULT_VMS_CFG): tests/linux/vms-default.cfg
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# The files named by ISO_MODULES (FILE or FILE=NAME).
iso_module_files = $(foreach m,$(ISO_MODULES),$(firstword $(subst =, ,$(m))))

# $(call mkiso,OUT,CMDLINE,DEFAULT_ENTRY,TIMEOUT[,MORE_MODULES]): the recipe
# for one ISO with ISO_MODULES and then MORE_MODULES.
mkiso = bash scripts/mkiso.sh --cmdline "$(2)" --default $(3) --timeout $(4) \
	$(foreach m,$(ISO_MODULES) $(5),--module $(m)) $(1) $(BUILD)/plinth.elf

# $(call iso_args,FILE,TEXT): FILE holds TEXT, rewritten only when TEXT
# changes, so an ISO rebuilds when its options (not just its inputs) change.
define iso_args
	@mkdir -p $(dir $(1))
	@printf '%s\n' '$(2)' | cmp -s - $(1) || printf '%s\n' '$(2)' > $(1)
endef

.SECONDEXPANSION:
.PHONY: FORCE
FORCE:

$(BUILD)/stamps/plinth.iso.args: FORCE
	$(call iso_args,$@,$(ISO_CMDLINE) | $(ISO_TIMEOUT) | $(ISO_MODULES) | $(DEFAULT_VM_MODULES))

$(BUILD)/plinth.iso: $(BUILD)/plinth.elf scripts/mkiso.sh $(BUILD)/stamps/plinth.iso.args \
		$$(iso_module_files) $$(DEFAULT_VM_MODULES) | $(DEPS_STAMP)
	$(Q)$(call mkiso,$@,$(ISO_CMDLINE),mb2,$(ISO_TIMEOUT),$(DEFAULT_VM_MODULES))

iso: $(DEPS_STAMP) $(BUILD)/plinth.iso
