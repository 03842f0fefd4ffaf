# guests-vcore.mk - the longmode test guest (tests/guests/longmode.S) and
# its ISO for the boot tests tests/boot/40-42:
#
#   $(BUILD)/guests/longmode.bin   a flat image for 0x7C00: 16-, 32- and
#                                  64-bit code in one blob, assembled as an
#                                  x86-64 object (the 64-bit part needs its
#                                  relocations), linked at 0x7C00, .text only
#   $(BUILD)/test-longmode.iso     tests/guests/longmode.cfg as vms.cfg with
#                                  longmode.bin and msr.elf
#
# The flat image is loaded by vms.cfg "format = flat, entry = real"
# (vmm/boot.c, vmm/flat_load.c).

$(BUILD)/guests/longmode.o: tests/guests/longmode.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(GUEST_CC) -c -MMD -MP $< -o $@
$(BUILD)/guests/longmode.bin: $(BUILD)/guests/longmode.o
	@echo "  FLAT    $@"
	$(Q)$(GUEST_CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,-Ttext=0x7C00 -Wl,-e,_start -o $(BUILD)/guests/longmode.elf $<
	$(Q)$(OBJCOPY) -O binary -j .text $(BUILD)/guests/longmode.elf $@
.SECONDARY: $(BUILD)/guests/longmode.o

$(BUILD)/test-longmode.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vcore.mk \
		tests/guests/longmode.cfg $(BUILD)/guests/longmode.bin $(BUILD)/guests/msr.elf \
		| $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module tests/guests/longmode.cfg=vms.cfg --module $(BUILD)/guests/longmode.bin \
		--module $(BUILD)/guests/msr.elf $@ $(BUILD)/plinth.elf

test-isos: $(BUILD)/test-longmode.iso
boot-test: $(BUILD)/test-longmode.iso
