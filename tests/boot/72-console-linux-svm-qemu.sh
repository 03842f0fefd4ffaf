#!/usr/bin/env bash
# 72-console-linux-svm-qemu.sh - the default image's Linux VM reached from
# the console domain (tests/console/linux_session.py) under SVM with nested
# paging in QEMU TCG (-cpu max), booted the way `make run` boots it:
# plinth.elf through QEMU's -kernel with the default VMs as Multiboot
# modules (-initrd: vms.cfg, the Debian cloud kernel, the busybox shell
# initramfs; mk/iso.mk DEFAULT_VM_MODULES). COM1 is a Unix socket the
# script types into: console linux, uname -a, the CPU count, Ctrl-],
# two guest reboots (ACPI reset register / 0xCF9 and the 8042) back to the
# /init marker, poweroff -f leaves the VM stopped with its memory returned.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin console-linux-svm-qemu
cfg=$BUILD/default-vms/vms.cfg
kernel=$BUILD/linux/vmlinuz
initrd=$BUILD/linux/initramfs.cpio.gz
for f in "$cfg" "$kernel" "$initrd"; do
	bt_need_file "$f" "the default VMs' modules (make BUILD=$BUILD iso; needs apt-get download)"
done
sock=$BT_TMP/com1.sock
# shellcheck disable=SC2046 # the accelerator arguments are words
QEMU_ACCEL=tcg QEMU_TCG_CPU=max python3 "$BT_ROOT/tests/console/linux_session.py" \
	console-linux-svm-qemu "$BT_LOG" "unix:$sock" 1 -- \
	"$QEMU" $(QEMU_ACCEL=tcg QEMU_TCG_CPU=max sh "$BT_ROOT/scripts/qemu-accel.sh") \
	-display none -monitor none -no-reboot \
	-chardev "socket,id=com1,path=$sock,server=on,wait=off" -serial chardev:com1 \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 2 -m 1024 \
	-kernel "$BUILD/plinth.elf" -initrd "$cfg,$kernel,$initrd"
