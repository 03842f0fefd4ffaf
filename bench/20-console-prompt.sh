#!/usr/bin/env bash
# 20-console-prompt.sh - power-on to the console domain's "plinth> " prompt
# with the default VMs started, under QEMU TCG (make bench; a measurement,
# not a test). Boots $BUILD/test-console.iso (mk/guests-vcon.mk: the BIOS,
# GRUB, plinth, the console domain and the autostarted VMs ticker and
# hcperm) three times and prints each time and the median; the target is
# under 5 s. Wall-clock time from starting QEMU until the prompt appears on
# COM1 (polled every 10 ms).
#
# Environment: BUILD (default build), MAKE, QEMU. Logs: $BUILD/bench/prompt-N.log.
set -euo pipefail
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
QEMU=${QEMU:-qemu-system-x86_64}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
iso=$BUILD/test-console.iso
out=$BUILD/bench
mkdir -p "$out"

$MAKE --no-print-directory BUILD="$BUILD" "$iso" >"$out/make-console.log" 2>&1 ||
	{ cat "$out/make-console.log"; echo "bench: cannot build $iso" >&2; exit 1; }

times=()
for run in 1 2 3; do
	log=$out/prompt-$run.log
	secs=$(python3 - "$QEMU" "$iso" "$log" <<'PY'
import subprocess, sys, time
qemu, iso, log = sys.argv[1:4]
open(log, "wb").close()
start = time.monotonic()
p = subprocess.Popen([qemu, "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "512",
                      "-display", "none", "-monitor", "none", "-no-reboot",
                      "-serial", "file:" + log, "-cdrom", iso, "-boot", "d"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
found = None
while time.monotonic() - start < 60 and p.poll() is None:
    with open(log, "rb") as f:
        if b"plinth> " in f.read():
            found = time.monotonic() - start
            break
    time.sleep(0.01)
p.kill()
p.wait()
print("%.2f" % found if found is not None else "none")
PY
)
	if [ "$secs" = none ]; then
		echo "console prompt: run $run: no 'plinth> ' within 60 s (see $log)"
		exit 1
	fi
	echo "console prompt: run $run: ${secs} s"
	times+=("$secs")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
verdict=$(awk -v m="$median" 'BEGIN { print (m < 5.0) ? "under" : "over" }')
echo "console prompt: power-on to 'plinth> ' with the default VMs, QEMU TCG: median ${median} s" \
	"of 3 ($verdict the 5 s target)"
