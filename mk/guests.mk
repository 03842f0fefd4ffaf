# guests.mk - the test guests in tests/guests/: freestanding ELF32 Multiboot 1
# kernels that print PASS:/FAIL: lines and "SUMMARY: N passed, M failed" on
# COM1 and exit through port 0xF4 with the number of failures.
#
#   make guests          $(BUILD)/guests/NAME.elf for every guest
#   make test-vmx-iso    $(BUILD)/test-vmx.iso: the test ISO (test_exit) with
#                        the guests as modules "guest-NAME.elf", which plinth
#                        runs as VMs (vmm/boot.c)
#
# A guest is tests/guests/NAME.c linked with the library (start.S, guest.c).

GUEST_NAMES := cpuid msr portio exceptions isolation triplefault mbinfo bench
# The VMX test ISOs: test-vmx.iso runs cpuid alone (tests/boot/20-*);
# test-vmx-guests.iso runs the others one after another (tests/boot/24-*),
# the two that must be stopped by plinth before a last cpuid run that shows
# the host survived them.
VMX_ISO_GUESTS := cpuid
VMX_GUESTS_ISO_GUESTS := msr portio exceptions isolation triplefault cpuid
GUEST_CC    ?= $(CC)
GUEST_CFLAGS := -m32 -std=c11 -ffreestanding -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -O2 -g -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-fno-asynchronous-unwind-tables $(WARN) -Itests/guests -MMD -MP
GUEST_LDFLAGS := -m32 -nostdlib -static -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,-T,tests/guests/guest.ld
GUEST_LIB_OBJS := $(BUILD)/guests/start.o $(BUILD)/guests/guest.o $(BUILD)/guests/trap.o
GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES))

$(BUILD)/guests/%.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	@echo "  AS32    $<"
	$(Q)$(GUEST_CC) -m32 -Itests/guests -MMD -MP -c $< -o $@
$(BUILD)/guests/%.elf: $(BUILD)/guests/%.o $(GUEST_LIB_OBJS) tests/guests/guest.ld
	@echo "  LD32    $@"
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

# The objects are real outputs, not intermediates: otherwise make deletes
# them after linking and rebuilds every guest (and the ISO) on each run.
.SECONDARY: $(GUEST_LIB_OBJS) $(patsubst %,$(BUILD)/guests/%.o,$(GUEST_NAMES))

-include $(wildcard $(BUILD)/guests/*.d)

.PHONY: guests test-vmx-iso
guests: $(GUEST_ELFS)

# The modules of the VMX test ISO, named so vmm/boot.c starts them.
guest_iso_modules = $(foreach g,$(1),--module $(BUILD)/guests/$(g).elf=guest-$(g).elf)

$(BUILD)/test-vmx.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests.mk $(GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		$(call guest_iso_modules,$(VMX_ISO_GUESTS)) $@ $(BUILD)/plinth.elf

$(BUILD)/test-vmx-guests.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests.mk $(GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		$(call guest_iso_modules,$(VMX_GUESTS_ISO_GUESTS)) $@ $(BUILD)/plinth.elf

# ---------------------------------------------------------------- vms.cfg
# Guests in other formats than ELF32 for the loaders (vmm/loader_*.c):
#   mbinfo64.elf  mbinfo.elf converted to ELF64 (x86-64) by objcopy: same
#                 code and load addresses, ELF64 headers
#   flat16.bin    tests/guests/flat16.S as a flat 16-bit image for 0x7C00
$(BUILD)/guests/mbinfo64.elf: $(BUILD)/guests/mbinfo.elf
	@echo "  ELF64   $@"
	$(Q)$(OBJCOPY) -O elf64-x86-64 $< $@
$(BUILD)/guests/flat16.bin: $(BUILD)/guests/flat16.o
	@echo "  FLAT16  $@"
	$(Q)$(GUEST_CC) -m32 -nostdlib -static -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,-Ttext=0x7C00 -Wl,-e,_start -o $(BUILD)/guests/flat16.elf $<
	$(Q)$(OBJCOPY) -O binary -j .text $(BUILD)/guests/flat16.elf $@
.SECONDARY: $(BUILD)/guests/flat16.o

# The vms.cfg test ISO (tests/boot/50-vmscfg-vmx.sh, 51-vmscfg-svm-qemu.sh):
# tests/boot/vmscfg-test.cfg as the module vms.cfg and the files it names,
# among them two modules for the mbinfo guest.
VMSCFG_TEST_DIR := $(BUILD)/vmscfg-test
VMSCFG_TEST_FILES := $(BUILD)/guests/cpuid.elf $(BUILD)/guests/mbinfo64.elf \
	$(BUILD)/guests/flat16.bin $(VMSCFG_TEST_DIR)/mod-a.txt $(VMSCFG_TEST_DIR)/mod-b.txt
$(VMSCFG_TEST_DIR)/mod-%.txt: mk/guests.mk
	@mkdir -p $(dir $@)
	$(Q)n=$$(printf '%s' '$*' | tr ab 12); printf 'plinth test module %s\n' "$$n" > $@
$(BUILD)/test-vmscfg.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests.mk \
		tests/boot/vmscfg-test.cfg $(VMSCFG_TEST_FILES) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module tests/boot/vmscfg-test.cfg=vms.cfg \
		$(foreach f,$(VMSCFG_TEST_FILES),--module $(f)) $@ $(BUILD)/plinth.elf

# The native UEFI image with guests (tests/boot/33-efi-guests-svm.sh):
# plinth.efi (mk/efi.mk) with tests/boot/efi-guests.cfg as plinth.cfg, which
# names vms.cfg (tests/boot/efi-guests-vms.cfg) and the cpuid guest.
EFI_GUESTS_DIR := $(BUILD)/efi-guests
$(EFI_GUESTS_DIR)/vms.cfg: tests/boot/efi-guests-vms.cfg
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(EFI_GUESTS_DIR)/cpuid.elf: $(BUILD)/guests/cpuid.elf
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(BUILD)/esp-guests.img: tests/boot/efi-guests.cfg $(EFI_GUESTS_DIR)/vms.cfg \
		$(EFI_GUESTS_DIR)/cpuid.elf $(EFI_TEST_INPUTS) mk/guests.mk
	$(Q)$(call mkesp,$@,$<,0,$(EFI_GUESTS_DIR))

test-vmx-iso: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso
test-isos: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso $(BUILD)/test-vmscfg.iso
boot-test: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso $(BUILD)/test-vmscfg.iso \
	$(BUILD)/esp-guests.img
efi-test-images: $(BUILD)/esp-guests.img
