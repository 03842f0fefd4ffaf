#!/usr/bin/env bash
# run-boot.sh [SCRIPT...] - run the boot tests (default: every
# tests/boot/NN-*.sh), BOOT_JOBS at a time (default 2: CI has 2 cores and
# Bochs is slow), scripts marked "# boot-test: slow" first. Each script runs
# under a safety timeout (BOOT_TEST_TIMEOUT, default 300 s) on top of its own.
# Prints every script's output when it finishes, the time each took, and a
# closing "boot: N passed, N failed"; records "N N" in
# $BUILD/results/boot.counts. Exits non-zero if anything failed.
#
# A script that fails is run once more, alone, after the others (QEMU's
# timers follow the host's wall clock, so two emulators sharing CI's two
# cores can starve a guest); only the second run's verdicts count, and every
# script that passed only on the second run is named, with its first
# failure, in a "boot: passed on retry" line, so intermittent failures stay
# visible in the log instead of being hidden.
set -uo pipefail
BUILD=${BUILD:-build}
export BUILD
jobs=${BOOT_JOBS:-2}
limit=${BOOT_TEST_TIMEOUT:-300}
here=$(cd "$(dirname "$0")" && pwd)
out=$BUILD/test-logs/run-boot
mkdir -p "$out" "$BUILD/results"
rm -f "$out"/*

if [ $# -eq 0 ]; then
	set -- "$here"/boot/[0-9][0-9]-*.sh
	[ -e "$1" ] || set --
fi
# Slow scripts first, so they overlap with the quick ones.
slow=() quick=()
for s in "$@"; do
	if grep -q '^# boot-test: slow' "$s"; then slow+=("$s"); else quick+=("$s"); fi
done
scripts=("${slow[@]+"${slow[@]}"}" "${quick[@]+"${quick[@]}"}")

pass=0 fail=0
retry_mode=0
retry=()
flaky=()
declare -A started=()
declare -A script_of=()

# Print one finished script's output and count its PASS/FAIL lines. A script
# that printed no verdict, or exited non-zero without a FAIL line, counts as
# one failure.
report() {
	local s=$1 rc=$2 name p f
	name=$(basename "$s" .sh)
	local txt=$out/$name.txt
	cat "$txt"
	p=$(grep -c '^PASS: ' "$txt")
	f=$(grep -c '^FAIL: ' "$txt")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		case "$rc" in
		124|137) echo "FAIL: $name: the script ran past its ${limit}s limit" ;;
		*) echo "FAIL: $name: the script exited with status $rc and no verdict" ;;
		esac
		f=1
	fi
	local secs
	secs=$(awk -v a="${started[$name]}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	printf '%s %s\n' "$name" "$secs" >> "$out/times"
	if [ "$f" -ne 0 ] && [ "$retry_mode" -eq 0 ]; then
		echo "RETRY: $name failed; it runs again alone after the others"
		cp "$txt" "$out/$name.first.txt"
		retry+=("$s")
		return
	fi
	if [ "$f" -eq 0 ] && [ "$retry_mode" -eq 1 ]; then
		flaky+=("$name ($(grep -m1 '^FAIL: ' "$out/$name.first.txt" | cut -c1-160))")
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

# Wait for any one running script; report it.
reap_one() {
	local pid rc=0
	wait -n -p pid || rc=$?
	report "${script_of[$pid]}" "$rc"
	unset "script_of[$pid]"
}

for s in "${scripts[@]+"${scripts[@]}"}"; do
	while [ "${#script_of[@]}" -ge "$jobs" ]; do reap_one; done
	name=$(basename "$s" .sh)
	started[$name]=$(date +%s.%N)
	timeout -k 10 "$limit" bash "$s" > "$out/$name.txt" 2>&1 </dev/null &
	script_of[$!]=$s
done
while [ "${#script_of[@]}" -gt 0 ]; do reap_one; done

retry_mode=1
for s in "${retry[@]+"${retry[@]}"}"; do
	name=$(basename "$s" .sh)
	started[$name]=$(date +%s.%N)
	rc=0
	timeout -k 10 "$limit" bash "$s" > "$out/$name.txt" 2>&1 </dev/null || rc=$?
	report "$s" "$rc"
done
for f in "${flaky[@]+"${flaky[@]}"}"; do
	echo "boot: passed on retry: $f"
done

if [ -s "$out/times" ]; then
	echo "boot test times (s): $(sort "$out/times" | awk '{ printf "%s%s %s", sep, $1, $2; sep=", " }')"
fi
echo "$pass $fail" > "$BUILD/results/boot.counts"
echo "boot: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ $((pass + fail)) -gt 0 ]
