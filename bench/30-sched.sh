#!/usr/bin/env bash
# 30-sched.sh - scheduler figures (make bench; a measurement, not a test):
#
#   fairness  the weight 1:2:4 VMs of boot test 65 (tests/boot/sched-fair-*,
#             $BUILD/test-sched-fair.iso: six counting VMs a1 a2 a4 b1 b2
#             b4 on two CPUs, 10 ms slices) in Bochs corei7_skylake_x: each
#             VM's share of all counts against 1/14, 2/14, 4/14, and the
#             largest error;
#   switch    the vCPU-to-vCPU switch cost of that run as plinth prints it
#             per CPU ("sched: cpu N ran ... switch X TSC ticks on
#             average": from the exit that ends one vCPU's run to the entry
#             of another, sched_schedule and the switch hooks included),
#             in Bochs ticks (with "clock: sync=none" the TSC counts
#             instructions);
#   wake      wake-up latency of a halted vCPU woken by its virtual APIC
#             timer, measured by the bench guest (tests/guests/bench.c,
#             $BUILD/bench-exit.iso) from the timer's due time to its
#             interrupt handler running, in TSC ticks and microseconds, on
#             VMX (Bochs corei7_skylake_x) and SVM (Bochs ryzen); and
#             plinth's own figure for the same wake-ups (timer deadline to
#             the vCPU's next entry, "sched: N wake-ups from HLT, latency
#             ...").
#
# Environment: BUILD (default build), MAKE, BOCHS. Logs: $BUILD/bench/sched-*.log.
set -euo pipefail
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
BOCHS=${BOCHS:-bochs}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fair_iso=$BUILD/test-sched-fair.iso
bench_iso=$BUILD/bench-exit.iso
out=$BUILD/bench
mkdir -p "$out"

$MAKE --no-print-directory BUILD="$BUILD" "$fair_iso" "$bench_iso" >"$out/make-sched.log" 2>&1 ||
	{ cat "$out/make-sched.log"; echo "bench: cannot build $fair_iso and $bench_iso" >&2; exit 1; }

# run_bochs ISO CPUS MODEL LOG SECONDS: boot ISO headless in Bochs.
run_bochs() {
	local iso=$1 cpus=$2 model=$3 log=$4 secs=$5 tmp
	tmp=$(mktemp -d "$out/bochs.XXXXXX")
	sh scripts/bochsrc.sh "$iso" "$log" "$cpus" "$model" 512 "$tmp/bochs.log" >"$tmp/bochsrc"
	echo c >"$tmp/cmds"
	: >"$log"
	timeout -k 5 "$secs" "$BOCHS" -q -f "$tmp/bochsrc" -rc "$tmp/cmds" </dev/null >"$tmp/out" 2>&1 || true
	rm -rf "$tmp"
}

# bench_value LOG ITEM: the bench guest's "BENCH: ITEM N.N", or "n/a".
bench_value() {
	local v
	v=$(tr -d '\r' <"$1" | sed -n "s/.*\[bench\] BENCH: $2 \([0-9][0-9.]*\)\$/\1/p" | head -n1)
	echo "${v:-n/a}"
}

run_bochs "$fair_iso" 2 corei7_skylake_x "$out/sched-fair-vmx.log" 300
run_bochs "$bench_iso" 1 corei7_skylake_x "$out/sched-wake-vmx.log" 300
run_bochs "$bench_iso" 1 ryzen "$out/sched-wake-svm.log" 300

log=$out/sched-fair-vmx.log
grep -a -q 'vmm: 6 VMs ran' "$log" || { echo "bench: the fairness run did not finish:"; tail -n 20 "$log"; exit 1; }
counts=$(for g in a1 a2 a4 b1 b2 b4; do
	c=$(tr -d '\r' <"$log" | grep -a -E "\\[$g\\] count [0-9]+" | sed 's/.*count //' | head -n1)
	echo "${c:-0}"
done | tr '\n' ' ')
echo "Fairness, weights 1:2:4 (two sets a and b, 2 CPUs, 10 ms slices; Bochs corei7_skylake_x, VMX)"
echo "$counts" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i
	if (NF != 6 || s == 0) { print "  counts missing: " $0; exit }
	split("a1 a2 a4 b1 b2 b4", n, " "); split("1 2 4 1 2 4", w, " "); worst = 0
	for (i = 1; i <= 6; i++) { share = $i / s; want = w[i] / 14; err = (share - want) / want
		if (err < 0) abs = -err; else abs = err
		if (abs > worst) worst = abs
		printf "  %s  count %10d  share %.4f  (want %.4f)  error %+.1f%%\n", n[i], $i, share, want, err * 100 }
	printf "  fairness error (largest): %.1f%%\n", worst * 100 }'
echo "vCPU switch cost (same run; from the exit ending one vCPU's run to the next vCPU's entry):"
tr -d '\r' <"$log" | grep -a -E 'sched: cpu [0-9]+ ran' | sed 's/^\[[^]]*\] /  /'

echo "Wake-up latency of a halted vCPU woken by its APIC timer (bench guest, 1 CPU):"
printf '  %-5s | %22s | %20s | %s\n' backend "due -> handler (ticks)" "due -> handler (us)" "plinth: deadline -> entry"
for b in vmx svm; do
	l=$out/sched-wake-$b.log
	own=$(tr -d '\r' <"$l" | grep -a -o 'sched: [0-9]* wake-ups from HLT.*' | head -n1)
	printf '  %-5s | %22s | %20s | %s\n' "$b" "$(bench_value "$l" wake)" "$(bench_value "$l" wake_us)" \
		"${own:-n/a}"
done
echo "(Bochs 2.7, clock sync=none: TSC ticks are instructions; VMX corei7_skylake_x, SVM ryzen)"
