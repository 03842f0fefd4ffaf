# guests-vsmp.mk - the two-vCPU test guest (tests/guests/smp.c with the AP
# trampoline tests/guests/smp_tramp.S, compiled by the rules of
# mk/guests.mk) and its ISO:
#
#   $(BUILD)/guests/smp.elf   also boots in plain QEMU:
#                             qemu-system-x86_64 -machine pc -smp 2 -m 64
#                             -kernel smp.elf -device isa-debug-exit,...
#   $(BUILD)/test-smp-pinned.iso  plinth ("test_exit") with smp.elf and
#                             tests/boot/smp-pinned-vms.cfg as vms.cfg (vCPU
#                             i on host CPU i): 26-smp-vmx-bochs.sh
#   $(BUILD)/test-smp-free.iso    ... tests/boot/smp-free-vms.cfg (not
#                             pinned): 27-smp-svm-qemu.sh
#
# This fragment is included before mk/guests.mk (sorted order): the
# variables that file defines are only used in recipes here, which make
# expands late.
VSMP_GUEST_ELFS := $(BUILD)/guests/smp.elf
VSMP_GUEST_OBJS := $(BUILD)/guests/smp.o $(BUILD)/guests/smp_tramp.o
.SECONDARY: $(VSMP_GUEST_OBJS)

# Two objects of its own, so not the one-object pattern rule of guests.mk.
$(BUILD)/guests/smp.elf: $(VSMP_GUEST_OBJS) $(BUILD)/guests/start.o $(BUILD)/guests/guest.o \
		$(BUILD)/guests/trap.o tests/guests/guest.ld
	@echo "  LD32    $@"
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

VSMP_ISOS := $(BUILD)/test-smp-pinned.iso $(BUILD)/test-smp-free.iso
$(BUILD)/test-smp-%.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-vsmp.mk \
		tests/boot/smp-%-vms.cfg $(VSMP_GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module tests/boot/smp-$*-vms.cfg=vms.cfg \
		--module $(BUILD)/guests/smp.elf $@ $(BUILD)/plinth.elf

.PHONY: test-smp-isos
test-smp-isos: $(VSMP_ISOS)
guests: $(VSMP_GUEST_ELFS)
test-isos: $(VSMP_ISOS)
boot-test: $(VSMP_ISOS)
