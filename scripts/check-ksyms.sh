#!/bin/sh
# check-ksyms.sh NM PASS1 FINAL - the symbol table is only right if no text
# symbol moved between the two links; fail the build if one did.
nm=$1
a=$($nm -n "$2" | awk '$2 ~ /^[Tt]$/' | md5sum)
b=$($nm -n "$3" | awk '$2 ~ /^[Tt]$/' | md5sum)
if [ "$a" != "$b" ]; then
	echo "check-ksyms: text symbols moved between link passes; backtraces would lie" >&2
	exit 1
fi
