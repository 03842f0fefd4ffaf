#!/bin/sh
# run-unit.sh BIN... - run cmocka unit-test binaries, print each one's
# result and a closing "unit: N passed, N failed" line; record the counts in
# $BUILD/results/unit.counts for the overall summary.
BUILD=${BUILD:-build}
mkdir -p "$BUILD/results"
pass=0; fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	out=$("$bin" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed (sanitizer, abort)
	if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
		printf '%s\n' "$out" | tail -n 40
		echo "unit $name: FAILED ($p passed, $f failed, exit $rc)"
	else
		echo "unit $name: $p passed"
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
echo "$pass $fail" > "$BUILD/results/unit.counts"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
