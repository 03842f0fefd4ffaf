# guests-vcon.mk - the console domain's session tests (tests/console/,
# tests/boot/7[0-9]-*.sh): two test guests and the ISO they boot.
#
#   $(BUILD)/test-console.iso   plinth (no test_exit: the console domain
#                               runs) with tests/console/session-vms.cfg as
#                               vms.cfg and the guests it names; the test
#                               ends the machine by typing `poweroff`.
#
# ticker  counts twice a second and echoes lines typed at its console
# hcperm  a normal VM calling privileged hypercalls: -EPERM each

# This fragment's own list (mk/guests.mk, included later, resets GUEST_NAMES).
VCON_GUESTS := ticker hcperm
VCON_GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(VCON_GUESTS))
.SECONDARY: $(patsubst %,$(BUILD)/guests/%.o,$(VCON_GUESTS))
# hcperm uses the hypercall ABI header.
$(BUILD)/guests/hcperm.o: GUEST_CFLAGS += -Iinclude

$(BUILD)/test-console.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vcon.mk \
		tests/console/session-vms.cfg $(VCON_GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "" --default mb2 --timeout 0 \
		--module tests/console/session-vms.cfg=vms.cfg \
		--module $(BUILD)/guests/ticker.elf=ticker.elf \
		--module $(BUILD)/guests/hcperm.elf=hcperm.elf $@ $(BUILD)/plinth.elf

.PHONY: test-console-iso
test-console-iso: $(BUILD)/test-console.iso
guests: $(VCON_GUEST_ELFS)
test-isos: $(BUILD)/test-console.iso
boot-test: $(BUILD)/test-console.iso
