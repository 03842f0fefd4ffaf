#!/bin/sh
# qemu-accel.sh - print the QEMU accelerator and CPU arguments for this host.
#
# QEMU/KVM (-enable-kvm -cpu host) only when the host can run a guest that
# itself uses VMX or SVM, i.e. nested virtualization works:
#   1. /dev/kvm opens read-write,
#   2. /proc/cpuinfo lists vmx (Intel) or svm (AMD): a paravirtual /dev/kvm
#      backend without them cannot run plinth's guests,
#   3. the kvm_intel / kvm_amd module parameter "nested" is Y or 1.
# Otherwise QEMU TCG with a CPU model that has SVM and nested paging
# (QEMU_TCG_CPU, default "max"; platform.md: TCG emulates no VMX).
#
#   scripts/qemu-accel.sh          print the arguments
#   scripts/qemu-accel.sh --why    say which was chosen and why (stderr too)
why=0
[ "${1:-}" = "--why" ] && why=1
tcg_cpu=${QEMU_TCG_CPU:-max}

say() { [ "$why" = 1 ] && echo "qemu-accel: $*" >&2; return 0; }

kvm_usable() {
	# Open for read and write without running anything ("<>" needs both).
	if ! { : <>/dev/kvm; } 2>/dev/null; then
		say "TCG: /dev/kvm missing or not read-write"
		return 1
	fi
	if grep -qw vmx /proc/cpuinfo 2>/dev/null; then
		mod=kvm_intel
	elif grep -qw svm /proc/cpuinfo 2>/dev/null; then
		mod=kvm_amd
	else
		say "TCG: /dev/kvm exists but the CPU flags show neither vmx nor svm (no nested virtualization)"
		return 1
	fi
	nested=$(cat /sys/module/$mod/parameters/nested 2>/dev/null || echo N)
	case "$nested" in
	Y|y|1) say "KVM: /dev/kvm read-write, $mod nested=$nested"; return 0 ;;
	*) say "TCG: $mod nested=$nested (want Y or 1)"; return 1 ;;
	esac
}

if [ "${QEMU_ACCEL:-auto}" = tcg ]; then
	say "TCG: QEMU_ACCEL=tcg"
	echo "-accel tcg -cpu $tcg_cpu"
elif [ "${QEMU_ACCEL:-auto}" = kvm ] || kvm_usable; then
	echo "-enable-kvm -cpu host"
else
	echo "-accel tcg -cpu $tcg_cpu"
fi
