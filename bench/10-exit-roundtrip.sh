#!/usr/bin/env bash
# 10-exit-roundtrip.sh - the round trip of one VM exit on each backend, in
# Bochs ticks (make bench; a measurement, not a test).
#
# Boots $BUILD/bench-exit.iso (mk/bench.mk: the bench guest,
# tests/guests/bench.c, as the only VM) in Bochs corei7_skylake_x (VMX with
# EPT) and Bochs ryzen (SVM with NPT). The guest times 2000 iterations of a
# loop around one instruction with RDTSC; with Bochs' "clock: sync=none" the
# TSC advances by one per instruction executed (guest and host alike), so a
# tick is an instruction and the figures are deterministic. "loop" is the
# same loop around a NOP (nothing exits); the ratio is item / loop. Also
# runs QEMU TCG (-cpu max, SVM) for a wall-clock reference: its TSC follows
# the host's clock, so those are host TSC ticks, not instructions, and vary
# from run to run.
#
# Environment: BUILD (default build), MAKE, BOCHS, QEMU, BENCH_QEMU=0 to
# skip QEMU. Logs: $BUILD/bench/exit-*.log.
set -euo pipefail
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
BOCHS=${BOCHS:-bochs}
QEMU=${QEMU:-qemu-system-x86_64}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
iso=$BUILD/bench-exit.iso
out=$BUILD/bench
mkdir -p "$out"

$MAKE --no-print-directory BUILD="$BUILD" "$iso" >"$out/make.log" 2>&1 ||
	{ cat "$out/make.log"; echo "bench: cannot build $iso" >&2; exit 1; }

# run_bochs MODEL LOG: boot the ISO headless in Bochs with CPU MODEL.
run_bochs() {
	local model=$1 log=$2 tmp
	tmp=$(mktemp -d "$out/bochs.XXXXXX")
	sh scripts/bochsrc.sh "$iso" "$log" 1 "$model" 512 "$tmp/bochs.log" >"$tmp/bochsrc"
	echo c >"$tmp/cmds"
	: >"$log"
	timeout -k 5 300 "$BOCHS" -q -f "$tmp/bochsrc" -rc "$tmp/cmds" </dev/null >"$tmp/out" 2>&1 || true
	rm -rf "$tmp"
}

run_qemu() {
	local log=$1
	: >"$log"
	timeout -k 5 120 "$QEMU" -accel tcg -cpu max -m 256 -display none -monitor none \
		-no-reboot -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-cdrom "$iso" </dev/null >/dev/null 2>&1 || true
}

# value LOG ITEM: the guest's "BENCH: ITEM N.N" figure, or "n/a".
value() {
	local v
	v=$(tr -d '\r' <"$1" | sed -n "s/.*\[bench\] BENCH: $2 \([0-9][0-9.]*\)\$/\1/p" | head -n1)
	echo "${v:-n/a}"
}

ratio() {
	case "$1$2" in *n/a*) echo "n/a"; return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "n/a" }'
}

run_bochs corei7_skylake_x "$out/exit-vmx.log"
run_bochs ryzen "$out/exit-svm.log"
qemu=0
if [ "${BENCH_QEMU:-1}" != 0 ] && command -v "$QEMU" >/dev/null; then
	run_qemu "$out/exit-svm-qemu.log"
	qemu=1
fi

for log in "$out/exit-vmx.log" "$out/exit-svm.log"; do
	grep -a -q 'BENCH: done' "$log" ||
		{ echo "bench: no result in $log:"; tail -n 20 "$log"; exit 1; }
done

echo "VM exit round trip, average per iteration of a loop around the instruction"
echo "(Bochs 2.7 ticks = instructions executed; VMX: corei7_skylake_x, SVM: ryzen)"
printf '%-8s | %9s | %9s | %9s | %9s' exit "VMX ticks" "SVM ticks" "VMX/loop" "SVM/loop"
[ $qemu = 1 ] && printf ' | %s' "QEMU TCG SVM (host TSC ticks)"
echo
vmx_loop=$(value "$out/exit-vmx.log" loop)
svm_loop=$(value "$out/exit-svm.log" loop)
for item in loop cpuid vmcall io mmio; do
	vx=$(value "$out/exit-vmx.log" "$item")
	sv=$(value "$out/exit-svm.log" "$item")
	printf '%-8s | %9s | %9s | %9s | %9s' "$item" "$vx" "$sv" "$(ratio "$vx" "$vmx_loop")" \
		"$(ratio "$sv" "$svm_loop")"
	[ $qemu = 1 ] && printf ' | %s' "$(value "$out/exit-svm-qemu.log" "$item")"
	echo
done
echo "(vmcall: VMCALL under VMX, VMMCALL under SVM; io: OUT to an unassigned port;"
echo " mmio: a read of the local APIC's version register, an emulated MMIO page)"
