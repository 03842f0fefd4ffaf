#!/bin/sh
# bochsrc.sh - write a Bochs configuration for booting a plinth ISO, from
# the template tests/boot/bochsrc.in, to stdout.
#
# usage: scripts/bochsrc.sh ISO SERIAL [CPUS [MODEL [MEGS [LOG]]]]
#   SERIAL  a file (or FIFO) that receives COM1 output; "stdout": output
#           to Bochs' standard output; "term": COM1 in both directions on
#           this terminal (Bochs "term" mode: the terminal is raw and
#           Debian's Bochs passes Ctrl-C to the guest, so only ending Bochs
#           from elsewhere stops it)
#   CPUS    default 2; MODEL default corei7_skylake_x (VMX + EPT);
#   MEGS    default 512; LOG (Bochs' own log) default /dev/null
set -eu
[ $# -ge 2 ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
iso=$1 serial=$2 cpus=${3:-2} model=${4:-corei7_skylake_x} megs=${5:-512} log=${6:-/dev/null}
here=$(dirname "$0")
template=$here/../tests/boot/bochsrc.in
[ -f "$iso" ] || { echo "bochsrc: $iso not found" >&2; exit 1; }
case "$cpus$megs" in *[!0-9]*) echo "bochsrc: CPUS and MEGS must be numbers" >&2; exit 2 ;; esac
for v in "$iso" "$serial" "$model" "$log"; do
	case "$v" in *[,\"\|@]*) echo "bochsrc: '$v' must not contain , \" | or @" >&2; exit 2 ;; esac
done
if [ "$serial" = term ]; then
	tty -s || { echo "bochsrc: SERIAL=term needs a terminal on stdin" >&2; exit 1; }
	com1="mode=term, dev=$(tty)"
elif [ "$serial" = stdout ]; then
	com1="mode=file, dev=/dev/stdout"
else
	com1="mode=file, dev=$serial"
fi
sed -e "s|@MEGS@|$megs|" -e "s|@CPU_MODEL@|$model|" -e "s|@CPUS@|$cpus|" \
    -e "s|@ISO@|$iso|" -e "s|@COM1@|$com1|" -e "s|@LOG@|$log|" "$template"
