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

ISO_CMDLINE ?=
ISO_TIMEOUT ?= 3

# The files named by ISO_MODULES (FILE or FILE=NAME).
iso_module_files = $(foreach m,$(ISO_MODULES),$(firstword $(subst =, ,$(m))))

# $(call mkiso,OUT,CMDLINE,DEFAULT_ENTRY,TIMEOUT): the recipe for one ISO.
mkiso = bash scripts/mkiso.sh --cmdline "$(2)" --default $(3) --timeout $(4) \
	$(foreach m,$(ISO_MODULES),--module $(m)) $(1) $(BUILD)/plinth.elf

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
	$(call iso_args,$@,$(ISO_CMDLINE) | $(ISO_TIMEOUT) | $(ISO_MODULES))

$(BUILD)/plinth.iso: $(BUILD)/plinth.elf scripts/mkiso.sh $(BUILD)/stamps/plinth.iso.args \
		$$(iso_module_files) | $(DEPS_STAMP)
	$(Q)$(call mkiso,$@,$(ISO_CMDLINE),mb2,$(ISO_TIMEOUT))

iso: $(DEPS_STAMP) $(BUILD)/plinth.iso
