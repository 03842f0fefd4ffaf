# guests-vlinux.mk - the flat 64-bit test guest (tests/guests/flat64.S) and
# its ISO for tests/boot/85-flat64-svm-qemu.sh:
#
#   $(BUILD)/guests/flat64.bin   64-bit code linked at 1 MiB, .text only
#   $(BUILD)/test-flat64.iso     tests/boot/flat64-vms.cfg as vms.cfg with
#                                flat64.bin (format = flat, entry = long)

$(BUILD)/guests/flat64.o: tests/guests/flat64.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(GUEST_CC) -c -MMD -MP $< -o $@
$(BUILD)/guests/flat64.bin: $(BUILD)/guests/flat64.o
	@echo "  FLAT64  $@"
	$(Q)$(GUEST_CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,-Ttext=0x100000 -Wl,-e,_start -o $(BUILD)/guests/flat64.elf $<
	$(Q)$(OBJCOPY) -O binary -j .text $(BUILD)/guests/flat64.elf $@
.SECONDARY: $(BUILD)/guests/flat64.o

$(BUILD)/test-flat64.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vlinux.mk \
		tests/boot/flat64-vms.cfg $(BUILD)/guests/flat64.bin | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module tests/boot/flat64-vms.cfg=vms.cfg --module $(BUILD)/guests/flat64.bin \
		$@ $(BUILD)/plinth.elf

test-isos: $(BUILD)/test-flat64.iso
boot-test: $(BUILD)/test-flat64.iso
