# lib.sh - shared helpers for the boot tests tests/boot/NN-name.sh (sourced).
#
# A boot test boots plinth in an emulator with its serial console captured in
# $BUILD/test-logs/NAME.log (the emulator's own output in NAME.emu.log), then
# judges the log (exit codes of QEMU and Bochs cannot tell success from
# failure). It prints exactly one line
# "PASS: NAME" or "FAIL: NAME: reason; reason..." (the latter followed by the
# last 30 lines of the serial log) and exits 0 or 1. tests/run-boot.sh runs
# every tests/boot/NN-*.sh, two at a time; a script whose header has a line
# "# boot-test: slow" is started first.
#
#   bt_begin NAME              start test NAME (log file, timers)
#   bt_need_file PATH WHAT     fail now (bt_end) if PATH is missing
#   bt_qemu SECS ARGS...       run QEMU headless (TCG/KVM per qemu-accel.sh)
#                              with COM1 -> log, isa-debug-exit at 0xF4
#   bt_ovmf_args               print the pflash arguments for OVMF (UEFI)
#   bt_bochs SECS ISO CPUS [MODEL]   run Bochs on ISO, COM1 -> log
#   bt_expect ERE WHAT         a log line must match ERE (grep -E)
#   bt_reject ERE WHAT         no log line may match ERE
#   bt_expect_boot CPUS        the standard "booted completely" checks
#   bt_expect_guests G...      each guest G printed a SUMMARY with 0 failed
#                              and exited through port 0xF4 with code 0
#   bt_expect_clean_vms ERE    the closing checks of a VM test: no failed
#                              guest check, no VM plinth could not run (VM
#                              names match ERE), no panic, boot complete,
#                              the emulator ended by itself
#   bt_expect_exit             the emulator must have ended by itself
#   bt_expect_within SECS      ... and within SECS seconds of wall time
#   bt_fail REASON             record a failure reason
#   bt_end                     print the verdict and exit
#
# After bt_qemu/bt_bochs: BT_RC (emulator exit status), BT_TIMED_OUT (0/1)
# and BT_SECONDS (wall time, e.g. 1.23). Environment: BUILD (default build),
# QEMU (default qemu-system-x86_64), BOCHS (default bochs).

BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BOCHS=${BOCHS:-bochs}
BT_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BT_FAILS=""
BT_RC=""
BT_TIMED_OUT=0
BT_SECONDS=""

bt_begin() {
	BT_NAME=$1
	mkdir -p "$BUILD/test-logs"
	BT_LOG=$BUILD/test-logs/$BT_NAME.log
	BT_EMU_OUT=$BUILD/test-logs/$BT_NAME.emu.log   # what the emulator printed
	BT_TMP=$(mktemp -d "$BUILD/test-logs/$BT_NAME.tmp.XXXXXX")
	trap 'rm -rf "$BT_TMP"' EXIT
	: > "$BT_LOG"
	: > "$BT_EMU_OUT"
}

bt_fail() {
	BT_FAILS="${BT_FAILS:+$BT_FAILS; }$1"
}

bt_end() {
	if [ -z "$BT_FAILS" ]; then
		echo "PASS: $BT_NAME"
		exit 0
	fi
	echo "FAIL: $BT_NAME: $BT_FAILS"
	# QEMU: 0 = ACPI power-off, or a reset/triple fault (-no-reboot);
	# (v << 1) | 1 = isa-debug-exit with v; 124/137 = killed by timeout.
	[ -n "$BT_RC" ] && echo "    (emulator exit status $BT_RC after ${BT_SECONDS}s)"
	if [ -s "$BT_LOG" ]; then
		echo "    --- last 30 lines of $BT_LOG ---"
		tr -d '\r' < "$BT_LOG" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tail -n 30 | sed 's/^/    | /'
	else
		echo "    (serial log $BT_LOG is empty)"
	fi
	if [ -s "$BT_EMU_OUT" ]; then
		echo "    --- last 10 lines the emulator printed ---"
		grep -a -v '^ALSA lib' "$BT_EMU_OUT" | tail -n 10 | sed 's/^/    | /'
	fi
	exit 1
}

bt_need_file() {
	[ -e "$1" ] && return 0
	bt_fail "$2 ($1) is missing"
	bt_end
}

bt_now() { date +%s.%N; }
bt_elapsed() { awk -v a="$1" -v b="$(bt_now)" 'BEGIN { printf "%.2f", b - a }'; }

# Run a command under timeout(1); record BT_RC, BT_TIMED_OUT, BT_SECONDS.
bt_run_timed() {
	local secs=$1 start
	shift
	start=$(bt_now)
	BT_RC=0
	timeout -k 5 "$secs" "$@" </dev/null >"$BT_EMU_OUT" 2>&1 || BT_RC=$?
	BT_SECONDS=$(bt_elapsed "$start")
	BT_TIMED_OUT=0
	case "$BT_RC" in 124|137) BT_TIMED_OUT=1 ;; esac
}

bt_qemu() {
	local secs=$1
	shift
	# shellcheck disable=SC2046 # the accelerator arguments are words
	bt_run_timed "$secs" "$QEMU" $(sh "$BT_ROOT/scripts/qemu-accel.sh") \
		-display none -monitor none -no-reboot \
		-serial "file:$BT_LOG" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
	if [ "$BT_RC" != 0 ] && [ ! -s "$BT_LOG" ] && [ -s "$BT_EMU_OUT" ]; then
		bt_fail "QEMU exited with status $BT_RC: $(head -c 300 "$BT_EMU_OUT" | tr '\n' ' ')"
	fi
}

bt_ovmf_args() {
	local code vars
	for code in /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd; do
		[ -f "$code" ] || continue
		vars=$(echo "$code" | sed 's/OVMF_CODE/OVMF_VARS/')
		[ -f "$vars" ] || continue
		# The firmware writes its variable store: give it a private copy.
		cp "$vars" "$BT_TMP/ovmf_vars.fd"
		echo "-drive if=pflash,format=raw,unit=0,readonly=on,file=$code"
		echo "-drive if=pflash,format=raw,unit=1,file=$BT_TMP/ovmf_vars.fd"
		return 0
	done
	return 1
}

bt_bochs() {
	local secs=$1 iso=$2 cpus=$3 model=${4:-corei7_skylake_x}
	sh "$BT_ROOT/scripts/bochsrc.sh" "$iso" "$BT_LOG" "$cpus" "$model" 512 \
		"$BUILD/test-logs/$BT_NAME.bochs.log" > "$BT_TMP/bochsrc" || { bt_fail "cannot write a bochsrc"; return; }
	echo c > "$BT_TMP/bochs.cmds"   # the debugger's first command: continue
	bt_run_timed "$secs" "$BOCHS" -q -f "$BT_TMP/bochsrc" -rc "$BT_TMP/bochs.cmds"
}

bt_expect() {
	grep -a -q -E -- "$1" "$BT_LOG" || bt_fail "no line $2"
}

bt_reject() {
	local hit
	hit=$(grep -a -m1 -E -- "$1" "$BT_LOG" | tr -d '\r' | head -c 200)
	[ -z "$hit" ] || bt_fail "$2: '$hit'"
}

bt_expect_exit() {
	[ "$BT_TIMED_OUT" = 0 ] || bt_fail "the emulator did not end by itself within the timeout (${BT_SECONDS}s)"
}

bt_expect_within() {
	awk -v t="$BT_SECONDS" -v max="$1" 'BEGIN { exit !(t <= max) }' ||
		bt_fail "took ${BT_SECONDS}s of wall time (limit $1s)"
}

# The lines every complete boot prints (arch/x86/setup.c and the drivers).
bt_expect_boot() {
	local cpus=$1
	bt_expect 'memory: [0-9]+ MiB' "'memory: N MiB ...' (memory map total)"
	bt_expect 'ACPI:' "'ACPI: ...' (ACPI tables)"
	bt_expect 'timer:' "'timer: ...' (timer calibration)"
	bt_expect "($cpus of $cpus CPUs online|smp: $cpus CPUs online)" "'$cpus of $cpus CPUs online'"
	bt_expect 'boot complete' "'boot complete'"
	bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
}

bt_expect_guests() {
	local g
	for g in "$@"; do
		bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
		bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
	done
}

bt_expect_clean_vms() {
	bt_reject '\] FAIL:' "a failed guest check"
	bt_reject "vm $1: (unhandled exit|.*VM entry failed|VMRUN failed)" "a VM exit plinth could not handle"
	bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
	bt_expect 'boot complete' "'boot complete'"
	bt_expect_exit
}
