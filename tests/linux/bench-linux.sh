#!/usr/bin/env bash
# bench-linux.sh - how long the Linux test guest (tests/linux/: Debian cloud
# kernel + busybox initramfs) takes to reach its /init marker line
# "PLINTH-LINUX-INIT: ok", directly under QEMU TCG and as a plinth VM under
# QEMU TCG (SVM, nested paging): the same kernel, initramfs, command line
# and memory size (the VM's, from vms-WHICH.cfg); the median of RUNS runs
# each, the ratios, and the VM exits plinth took by reason and by port.
# Not a test: it prints numbers.
#
#   tests/linux/bench-linux.sh BUILD_DIR [minimal|acpi] [RUNS]
#
# Times, all from QEMU's start to the marker on the serial line:
#   direct          QEMU loads the kernel and initramfs itself (-kernel)
#   plinth ISO      GRUB (from the test ISO) loads plinth and the modules:
#                   the way the boot tests run it; GRUB's reads of 16 MB
#                   from the CD-ROM are part of it
#   plinth -kernel  QEMU loads plinth (multiboot 1) and the same modules
#                   (-initrd), as it loads Linux in the direct run
#   plinth VM       plinth's own clock from the VM's start line to the
#                   marker (the -kernel runs): the guest's boot under plinth
# A second block does the same with " quiet" appended to the command line
# (both sides): the console then carries a few lines instead of ~16 KB, and
# the 8250's two port accesses per character (LSR poll, THR write) leave
# the exit count.
set -euo pipefail

build=${1:?usage: bench-linux.sh BUILD_DIR [minimal|acpi] [RUNS]}
which=${2:-minimal}
runs=${3:-3}
qemu=${QEMU:-qemu-system-x86_64}
kernel=$build/linux/vmlinuz
initrd=$build/linux/initramfs.cpio.gz
iso=$build/test-linux-$which.iso
cfg=tests/linux/vms-$which.cfg
for f in "$kernel" "$initrd" "$iso" "$cfg" "$build/plinth.elf"; do
	[ -e "$f" ] || { echo "bench-linux.sh: $f is missing (make BUILD=$build linux-images)" >&2; exit 1; }
done
cmdline=$(sed -n 's/^cmdline = "\(.*\)"$/\1/p' "$cfg")
mem=$(sed -n 's/^memory = \([0-9]*\)M$/\1/p' "$cfg")
[ -n "$cmdline" ] && [ -n "$mem" ] || { echo "bench-linux.sh: no cmdline or memory (NNNM) in $cfg" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/plinth-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
marker='PLINTH-LINUX-INIT: ok'
# QEMU's -initrd names each module by its path: plinth matches vms.cfg's
# kernel= and initrd= by base name, so the copies keep the names.
mkdir -p "$tmp/mods"
cp "$kernel" "$initrd" "$tmp/mods/"
cp "$cfg" "$tmp/mods/vms.cfg"
sed 's/^\(cmdline = ".*\)"$/\1 quiet"/' "$cfg" > "$tmp/vms-quiet.cfg"
modules="$tmp/mods/vms.cfg,$tmp/mods/$(basename "$kernel"),$tmp/mods/$(basename "$initrd")"

# Run QEMU with the given memory and arguments until the marker appears in
# the serial log (or 120 s pass); print the seconds it took. The log is
# kept as $tmp/last.log.
time_to_marker() {
	local m=$1 log=$tmp/serial.log start pid t
	shift
	: > "$log"
	start=$(date +%s.%N)
	"$qemu" -accel tcg -cpu max -m "$m" -display none -monitor none -no-reboot \
		-serial "file:$log" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	while ! grep -a -q "$marker" "$log"; do
		if ! kill -0 "$pid" 2>/dev/null || \
		   awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a > 120) }'; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			cp "$log" "$tmp/last.log"
			echo "nan"
			return
		fi
		sleep 0.02
	done
	t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	# Let plinth finish the VM so its statistics lines are in the log.
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

# plinth's own timestamps in the last log: VM start line to the marker.
vm_time() {
	tr -d '\r' < "$tmp/last.log" | awk -v m="$marker" '
		function stamp(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line }
		/vm linux: .* backend/ && s == "" { s = stamp($0) }
		index($0, m) && e == "" { e = stamp($0) }
		END { if (s != "" && e != "") printf "%.2f", e - s; else print "nan" }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "nan") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }

# One block: $1 label, $2 command line, $3 vms.cfg for the -kernel runs,
# $4 "iso" to time the ISO too.
bench_block() {
	local label=$1 line=$2 vmcfg=$3 with_iso=$4
	local direct="" iso_t="" kern="" vmonly="" exits="" ports="" d i k v
	cp "$vmcfg" "$tmp/mods/vms.cfg"
	for _ in $(seq 1 "$runs"); do
		direct="$direct $(time_to_marker "$mem" -kernel "$kernel" -initrd "$initrd" -append "$line")"
		if [ "$with_iso" = iso ]; then
			iso_t="$iso_t $(time_to_marker 1024 -cdrom "$iso")"
		fi
		kern="$kern $(time_to_marker 1024 -kernel "$build/plinth.elf" -append test_exit -initrd "$modules")"
		vmonly="$vmonly $(vm_time)"
		exits=$(tr -d '\r' < "$tmp/last.log" | grep -a -o 'vm linux: stopped after .*' | head -n1)
		ports=$(tr -d '\r' < "$tmp/last.log" | grep -a -o 'vm linux: [0-9]* io exits at .*' | head -n1)
	done
	d=$(echo "$direct" | median)
	k=$(echo "$kern" | median)
	v=$(echo "$vmonly" | median)
	echo "linux-$which$label: time to the /init marker (median of $runs; QEMU TCG -cpu max; guest ${mem} MiB)"
	echo "  cmdline: $line"
	echo "  direct QEMU:     ${d}s   (runs:$direct)"
	if [ "$with_iso" = iso ]; then
		i=$(echo "$iso_t" | median)
		echo "  plinth ISO:      ${i}s   (runs:$iso_t)   $(ratio "$i" "$d") of direct"
	fi
	echo "  plinth -kernel:  ${k}s   (runs:$kern)   $(ratio "$k" "$d") of direct"
	echo "  plinth VM:       ${v}s   (runs:$vmonly)   $(ratio "$v" "$d") of direct"
	echo "  last run: ${exits:-no statistics line}"
	echo "  last run: ${ports:-no port statistics line}"
}

bench_block "" "$cmdline" "$cfg" iso
bench_block " quiet" "$cmdline quiet" "$tmp/vms-quiet.cfg" no
