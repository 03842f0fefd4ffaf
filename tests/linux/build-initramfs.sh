#!/usr/bin/env bash
# build-initramfs.sh - a busybox-static initramfs for the Linux-guest tests.
# Its /init mounts /proc, /sys and /dev, prints the marker line
# "PLINTH-LINUX-INIT: ok" (to the console and through /dev/kmsg, so it shows
# even while the UART's interrupt is not delivered: kernel messages are
# polled out), runs a few commands (uname, the CPU count, the memory size),
# then follows the kernel command line:
#   plinth.init=poweroff   (default) power off (ACPI S5; without ACPI the
#                          kernel halts)
#   plinth.init=shell      start an interactive shell on the console
#                          (ttyS0 as its controlling terminal: job
#                          control and Ctrl-C work), started again when
#                          it exits
#
#   tests/linux/build-initramfs.sh OUT     e.g. build/linux/initramfs.cpio.gz
#
# Rebuilt only when OUT is older than this script.
set -euo pipefail

out=${1:?usage: build-initramfs.sh OUT}
[ -s "$out" ] && [ "$out" -nt "$0" ] && exit 0
bb=""
for c in /bin/busybox /usr/bin/busybox; do
	if [ -x "$c" ] && file -L "$c" 2>/dev/null | grep -q 'statically linked'; then
		bb=$c
		break
	fi
done
if [ -z "$bb" ]; then
	echo "build-initramfs.sh: no statically linked busybox (install busybox-static)" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "${TMPDIR:-/tmp}/plinth-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$bb" "$root/bin/busybox"
# Every applet of this busybox (the shell is for people: ls, dmesg, ps,
# reboot, ...), as links to the one binary.
for app in $("$bb" --list); do
	case "$app" in
	busybox|*/*) ;;
	*) ln -sf busybox "$root/bin/$app" ;;
	esac
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
say() {
	echo "$*"
	echo "$*" > /dev/kmsg 2>/dev/null
}
say "PLINTH-LINUX-INIT: ok"
say "PLINTH-LINUX-INIT: uname $(uname -sr)"
say "PLINTH-LINUX-INIT: cpus $(grep -c ^processor /proc/cpuinfo)"
say "PLINTH-LINUX-INIT: $(grep MemTotal /proc/meminfo)"
case " $(cat /proc/cmdline) " in
*" plinth.init=shell "*)
	say "PLINTH-LINUX-INIT: shell"
	export HOME=/ PATH=/bin PS1='linux:\w# '
	# busybox's reboot, poweroff and halt (without -f) signal init
	# (TERM, USR2, USR1); this init does what they ask.
	trap 'sync; reboot -f' TERM
	trap 'sync; poweroff -f' USR2
	trap 'sync; halt -f' USR1
	# setsid + cttyhack: a new session whose controlling terminal is the
	# console's real device (ttyS0), so Ctrl-C reaches the foreground job.
	# In the background, so that the traps run while init waits.
	while :; do
		setsid cttyhack sh -l &
		wait $!
		sleep 1
	done ;;
esac
say "PLINTH-LINUX-INIT: poweroff"
poweroff -f
# Without ACPI the power-off cannot happen: the kernel halts instead.
sleep 1000000
INIT
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
echo "build-initramfs.sh: $out ($(stat -c %s "$out") bytes)"
