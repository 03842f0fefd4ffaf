#!/bin/sh
# gen-ksyms.sh NM ELF - emit assembly for plinth's symbol table (text symbols,
# sorted by address) used by backtraces: ksyms_count, then ksyms[] of
# { .quad address, .quad name }, then the names. Placed in .rodata.ksyms,
# which linker.ld puts after all other read-only data, so adding it never
# moves a text address.
nm=$1; elf=$2
$nm -n "$elf" | awk 'BEGIN { n = 0 }
	$2 ~ /^[Tt]$/ && $3 !~ /^\.L/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		print ".section .rodata.ksyms,\"a\""
		print ".balign 8"
		print ".globl ksyms_count"
		print "ksyms_count: .quad " n
		print ".globl ksyms"
		print "ksyms:"
		for (i = 0; i < n; i++) printf "  .quad 0x%s, .Lks%d\n", addr[i], i
		for (i = 0; i < n; i++) printf ".Lks%d: .asciz \"%s\"\n", i, name[i]
	}'
