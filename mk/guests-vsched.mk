# guests-vsched.mk - the scheduler test guest (tests/guests/sched.c, built
# by the rules of mk/guests.mk) and its ISOs, plinth with the command line
# "test_exit" (isol: and sched_slice_ms=1) and the guest as module sched.elf:
#
#   $(BUILD)/test-sched-fair.iso  tests/boot/sched-fair-vms.cfg as vms.cfg:
#                                 weights 1:2:4 (65-sched-fair-vmx.sh in Bochs
#                                 with 2 CPUs, 66-sched-fair-svm-bochs-ryzen.sh)
#   $(BUILD)/test-sched-isol.iso  tests/boot/sched-isol-vms.cfg: IF=0 spinner,
#                                 FPU/SSE/AVX isolation (67-*, 68-*)
#
# The list is this fragment's own: it is included before mk/guests.mk
# (sorted order), whose `GUEST_NAMES :=` would drop additions made here.
VSCHED_GUESTS := sched
VSCHED_GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(VSCHED_GUESTS))
VSCHED_ISOS := $(BUILD)/test-sched-fair.iso $(BUILD)/test-sched-isol.iso
.SECONDARY: $(patsubst %,$(BUILD)/guests/%.o,$(VSCHED_GUESTS))

$(BUILD)/test-sched-%.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vsched.mk \
		tests/boot/sched-%-vms.cfg $(VSCHED_GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit$(if $(filter isol,$*), sched_slice_ms=1)" --default mb2 --timeout 0 \
		--module tests/boot/sched-$*-vms.cfg=vms.cfg \
		--module $(BUILD)/guests/sched.elf $@ $(BUILD)/plinth.elf

.PHONY: test-sched-isos
test-sched-isos: $(VSCHED_ISOS)
guests: $(VSCHED_GUEST_ELFS)
test-isos: $(VSCHED_ISOS)
boot-test: $(VSCHED_ISOS)
