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

GUEST_NAMES := cpuid msr portio exceptions isolation triplefault
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

test-vmx-iso: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso
test-isos: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso
boot-test: $(BUILD)/test-vmx.iso $(BUILD)/test-vmx-guests.iso
