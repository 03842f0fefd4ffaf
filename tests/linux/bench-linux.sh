#!/usr/bin/env bash
# bench-linux.sh - how long the Linux test guest (tests/linux/: Debian cloud
# kernel + busybox initramfs) takes to reach its /init marker line
# "PLINTH-LINUX-INIT: ok", directly under QEMU TCG and as a plinth VM under
# QEMU TCG (SVM, nested paging), the same kernel, initramfs and command line;
# the median of RUNS runs each, the ratio, and plinth's VM exits by reason.
# Not a test: it prints numbers.
#
#   tests/linux/bench-linux.sh BUILD_DIR [minimal|acpi] [RUNS]
#
# "plinth" is the wall time from QEMU's start (GRUB and plinth's own boot
# included); "plinth VM" is plinth's log time from the VM's start line to the
# marker: the guest's own boot under plinth.
set -euo pipefail

build=${1:?usage: bench-linux.sh BUILD_DIR [minimal|acpi] [RUNS]}
which=${2:-minimal}
runs=${3:-3}
qemu=${QEMU:-qemu-system-x86_64}
kernel=$build/linux/vmlinuz
initrd=$build/linux/initramfs.cpio.gz
iso=$build/test-linux-$which.iso
cfg=tests/linux/vms-$which.cfg
for f in "$kernel" "$initrd" "$iso" "$cfg"; do
	[ -e "$f" ] || { echo "bench-linux.sh: $f is missing (make BUILD=$build linux-images)" >&2; exit 1; }
done
cmdline=$(sed -n 's/^cmdline = "\(.*\)"$/\1/p' "$cfg")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/plinth-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
marker='PLINTH-LINUX-INIT: ok'

# Run QEMU with the given arguments until the marker appears in the serial
# log (or 120 s pass); print the seconds it took.
time_to_marker() {
	local log=$tmp/serial.log start pid t
	: > "$log"
	start=$(date +%s.%N)
	"$qemu" -accel tcg -cpu max -m 1024 -display none -monitor none -no-reboot \
		-serial "file:$log" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	while ! grep -a -q "$marker" "$log"; do
		if ! kill -0 "$pid" 2>/dev/null || \
		   awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a > 120) }'; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			echo "nan"
			return
		fi
		sleep 0.02
	done
	t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	# Let plinth finish the VM so its statistics line is in the log.
	for _ in $(seq 1 200); do
		grep -a -q 'test_exit: boot test done' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	cp "$log" "$tmp/last.log"
	echo "$t"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "nan") }'; }

direct="" plinth="" vmonly=""
for i in $(seq 1 "$runs"); do
	direct="$direct $(time_to_marker -kernel "$kernel" -initrd "$initrd" -append "$cmdline")"
	plinth="$plinth $(time_to_marker -cdrom "$iso")"
	# plinth's own timestamps: VM start line to the marker line.
	vmonly="$vmonly $(tr -d '\r' < "$tmp/last.log" | awk -v m="$marker" '
		function stamp(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line }
		/vm linux: .* backend/ && s == "" { s = stamp($0) }
		index($0, m) && e == "" { e = stamp($0) }
		END { if (s != "" && e != "") printf "%.2f", e - s; else print "nan" }')"
	exits=$(tr -d '\r' < "$tmp/last.log" | grep -a -o 'vm linux: stopped after .*' | head -n1)
done
d=$(echo "$direct" | median)
p=$(echo "$plinth" | median)
v=$(echo "$vmonly" | median)
echo "linux-$which: time to the /init marker (median of $runs; QEMU TCG -cpu max)"
echo "  direct QEMU:   ${d}s   (runs:$direct)"
echo "  plinth:        ${p}s   (runs:$plinth)"
echo "  plinth VM:     ${v}s   (runs:$vmonly)"
awk -v d="$d" -v p="$p" -v v="$v" 'BEGIN { if (d > 0) printf "  ratio plinth/direct %.2fx, plinth VM/direct %.2fx\n", p / d, v / d }'
echo "  last run: ${exits:-no statistics line}"
