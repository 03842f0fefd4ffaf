# test.mk - the test suite.
#
#   make test        everything, in order (tests/run-all.sh): tool check,
#                    kernel with gcc, kernel with clang in $(BUILD)/clang
#                    (warning-free: -Werror), unit tests, images, boot tests;
#                    ends with the line "N passed, N failed"
#   make boot-test   only the boot tests (tests/run-boot.sh), after building
#                    what they boot; a fragment with images of its own for
#                    boot tests adds them: "boot-test: $(MY_TEST_IMAGES)"
#   make test-isos   the ISOs the boot tests boot
#
# Boot tests are the scripts tests/boot/NN-name.sh (see tests/boot/lib.sh);
# serial logs go to $(BUILD)/test-logs/NAME.log.

# The ISOs the boot tests boot: plinth.iso's generator with test_exit (power
# off when boot is done) and no menu delay; one per default menu entry,
# because a test cannot pick a GRUB menu entry.
TEST_ISO_CMDLINE := test_exit

$(BUILD)/stamps/test.iso.args: FORCE
	$(call iso_args,$@,$(TEST_ISO_CMDLINE) | $(ISO_MODULES))

$(BUILD)/test.iso: $(BUILD)/plinth.elf scripts/mkiso.sh $(BUILD)/stamps/test.iso.args \
		$$(iso_module_files) | $(DEPS_STAMP)
	$(Q)$(call mkiso,$@,$(TEST_ISO_CMDLINE),mb2,0)

$(BUILD)/test-mb1.iso: $(BUILD)/plinth.elf scripts/mkiso.sh $(BUILD)/stamps/test.iso.args \
		$$(iso_module_files) | $(DEPS_STAMP)
	$(Q)$(call mkiso,$@,$(TEST_ISO_CMDLINE),mb1,0)

.PHONY: test-isos
test-isos: $(BUILD)/test.iso $(BUILD)/test-mb1.iso

# Everything a boot test may boot or inspect.
BOOT_TEST_INPUTS := $(BUILD)/plinth.elf $(BUILD)/plinth.iso $(BUILD)/test.iso $(BUILD)/test-mb1.iso

boot-test: $(DEPS_STAMP) $(BOOT_TEST_INPUTS)
	$(Q)BUILD=$(BUILD) bash tests/run-boot.sh

test: $(DEPS_STAMP)
	$(Q)BUILD=$(BUILD) MAKE="$(MAKE)" bash tests/run-all.sh
