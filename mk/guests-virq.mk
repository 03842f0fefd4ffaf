# guests-virq.mk - the virtual-interrupt and platform-device test guests
# (tests/guests/{fwcfg,pic,apic,mmio,hlt,hltstop}.c, built by the rules of
# mk/guests.mk) and their ISO:
#
#   $(BUILD)/test-virq.iso   plinth with the guests as modules guest-NAME.elf
#                            (vmm/boot.c runs them one after another);
#                            tests/boot/45-vmx-irq.sh (Bochs, VMX) and
#                            46-svm-irq-qemu.sh (QEMU TCG, SVM) boot it.
#
# hltstop halts with nothing armed: plinth must stop it, and the VMs after
# it must still run.

# The list is this fragment's own: it is included before mk/guests.mk
# (sorted order), whose `GUEST_NAMES :=` would drop additions made here.
VIRQ_GUESTS := fwcfg pic hltstop apic mmio hlt
VIRQ_GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(VIRQ_GUESTS))
.SECONDARY: $(patsubst %,$(BUILD)/guests/%.o,$(VIRQ_GUESTS))

$(BUILD)/test-virq.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/guests-virq.mk \
		$(VIRQ_GUEST_ELFS) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		$(call guest_iso_modules,$(VIRQ_GUESTS)) $@ $(BUILD)/plinth.elf

.PHONY: test-virq-iso
test-virq-iso: $(BUILD)/test-virq.iso
guests: $(VIRQ_GUEST_ELFS)
test-isos: $(BUILD)/test-virq.iso
boot-test: $(BUILD)/test-virq.iso
