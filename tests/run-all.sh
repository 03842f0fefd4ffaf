#!/usr/bin/env bash
# run-all.sh - the whole test suite, as "make test" runs it (after the tool
# check): build the kernel with gcc and with clang (a warning is an error, so
# each build is a test), the host unit tests, the images and the boot tests.
# Every step runs even when an earlier one failed, so one run shows every
# problem. Ends with the single line "N passed, N failed" (unit test counts
# from $BUILD/results/unit.counts + build checks + boot test counts from
# $BUILD/results/boot.counts) and exits non-zero if anything failed.
set -uo pipefail
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
export BUILD
logs=$BUILD/test-logs
mkdir -p "$logs" "$BUILD/results"
pass=0 fail=0

# step NAME LOG COMMAND...: run a build step quietly; one PASS/FAIL line.
step() {
	local name=$1 log=$2
	shift 2
	if "$@" > "$log" 2>&1; then
		echo "PASS: $name"
		pass=$((pass + 1))
	else
		echo "FAIL: $name: '$*' failed; last lines of $log:"
		tail -n 40 "$log" | sed 's/^/    | /'
		fail=$((fail + 1))
	fi
}

# counts FILE WHAT: add "P F" from FILE; a missing file is one failure.
counts() {
	local p f
	if [ -s "$1" ] && read -r p f < "$1"; then
		pass=$((pass + p)); fail=$((fail + f))
	else
		echo "FAIL: $2: no results ($1 missing)"
		fail=$((fail + 1))
	fi
}

echo "== build"
step build-gcc "$logs/build-gcc.log" "$MAKE" --no-print-directory BUILD="$BUILD" CC=gcc kernel
step build-clang "$logs/build-clang.log" "$MAKE" --no-print-directory BUILD="$BUILD/clang" CC=clang kernel

echo "== unit tests"
rm -f "$BUILD/results/unit.counts"
"$MAKE" --no-print-directory BUILD="$BUILD" unit-test
counts "$BUILD/results/unit.counts" "unit tests"

echo "== images and boot tests"
# "make boot-test" builds everything the boot tests boot (the ISOs here; other
# fragments add their images as prerequisites of boot-test), then runs
# tests/run-boot.sh. -k: build every image that can be built. If one failed,
# make skips run-boot.sh; run it anyway, so the tests whose images exist still
# run and the others fail saying what is missing.
rm -f "$BUILD/results/boot.counts"
if ! "$MAKE" --no-print-directory -k BUILD="$BUILD" boot-test && [ ! -s "$BUILD/results/boot.counts" ]; then
	echo "boot tests: building some of their images failed (above); running the boot tests anyway"
	bash "$(dirname "$0")/run-boot.sh"
fi
counts "$BUILD/results/boot.counts" "boot tests"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
