# linux.mk - Linux guests for the boot tests (tests/boot/8x-*.sh): a stock
# Debian cloud kernel fetched with apt-get download (tests/linux/get-kernel.sh)
# and a busybox-static initramfs (tests/linux/build-initramfs.sh), both cached
# under $(BUILD)/linux/, and ISOs of plinth with them and a vms.cfg:
#
#   $(BUILD)/test-linux-minimal.iso   tests/linux/vms-minimal.cfg (acpi=off ...)
#   $(BUILD)/test-linux-acpi.iso      tests/linux/vms-acpi.cfg (ACPI, APICs)
#   $(BUILD)/test-linux-long.iso      tests/linux/vms-long.cfg (the 64-bit entry)
#
# The kernel needs the apt lists (apt-get update) and network access the
# first time; a boot test whose ISO could not be built reports that.

LINUX_DIR := $(BUILD)/linux
LINUX_KERNEL := $(LINUX_DIR)/vmlinuz
LINUX_INITRD := $(LINUX_DIR)/initramfs.cpio.gz

$(LINUX_KERNEL): tests/linux/get-kernel.sh
	$(Q)bash tests/linux/get-kernel.sh $@

$(LINUX_INITRD): tests/linux/build-initramfs.sh
	$(Q)bash tests/linux/build-initramfs.sh $@

$(BUILD)/test-linux-%.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/linux.mk \
		tests/linux/vms-%.cfg $(LINUX_KERNEL) $(LINUX_INITRD) | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module tests/linux/vms-$*.cfg=vms.cfg --module $(LINUX_KERNEL) \
		--module $(LINUX_INITRD) $@ $(BUILD)/plinth.elf

LINUX_TEST_ISOS := $(BUILD)/test-linux-minimal.iso $(BUILD)/test-linux-acpi.iso \
	$(BUILD)/test-linux-long.iso
# tests/linux/vms-smp.cfg: the ACPI VM with two vCPUs (83-linux-smp-svm-qemu.sh)
LINUX_TEST_ISOS += $(BUILD)/test-linux-smp.iso

.PHONY: linux-images
linux-images: $(LINUX_TEST_ISOS)
test-isos: $(LINUX_TEST_ISOS)
boot-test: $(LINUX_TEST_ISOS)

# Time to the /init marker, direct QEMU vs plinth in QEMU (not a test).
.PHONY: bench-linux
bench-linux: $(LINUX_TEST_ISOS)
	$(Q)bash tests/linux/bench-linux.sh $(BUILD) minimal 3
	$(Q)bash tests/linux/bench-linux.sh $(BUILD) acpi 3

# Tests too slow for `make test`: the Linux VMs under VMX in Bochs (the
# 32-bit and the 64-bit entry; minutes each).
.PHONY: test-long
test-long: $(DEPS_STAMP) $(BUILD)/plinth.elf $(BUILD)/test-linux-minimal.iso \
		$(BUILD)/test-linux-long.iso
	$(Q)BUILD=$(BUILD) BOOT_TEST_TIMEOUT=1200 bash tests/run-boot.sh tests/linux/8[0-9]-*.sh
