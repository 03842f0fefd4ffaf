# guests-vperf.mk - the local APIC mode / x2APIC guest (tests/guests/x2apic.c,
# built by the rules of mk/guests.mk) and its ISO:
#
#   $(BUILD)/test-vperf.iso   plinth with the x2apic and portio guests as
#                             modules guest-NAME.elf (vmm/boot.c runs them);
#                             tests/boot/60-vmx-x2apic.sh (Bochs, VMX),
#                             61-svm-x2apic-qemu.sh (QEMU TCG, SVM) and
#                             62-svm-x2apic-bochs-ryzen.sh boot it.
#
# The list is this fragment's own: it is included before mk/guests.mk
# (sorted order), whose `GUEST_NAMES :=` would drop additions made here.
VPERF_GUESTS := x2apic portio
VPERF_GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(VPERF_GUESTS))
.SECONDARY: $(patsubst %,$(BUILD)/guests/%.o,$(VPERF_GUESTS))

$(BUILD)/test-vperf.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vperf.mk \
		$(VPERF_GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		$(call guest_iso_modules,$(VPERF_GUESTS)) $@ $(BUILD)/plinth.elf

.PHONY: test-vperf-iso
test-vperf-iso: $(BUILD)/test-vperf.iso
guests: $(VPERF_GUEST_ELFS)
test-isos: $(BUILD)/test-vperf.iso
boot-test: $(BUILD)/test-vperf.iso
