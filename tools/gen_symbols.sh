#!/bin/sh
# gen_symbols.sh ELF OUT.asm - emit the symbol table hv/host/backtrace.c reads:
# every function (text symbol) of ELF, sorted by address, as a NASM file.
# With no ELF ("-"), emit an empty table for the first link.
set -e
elf=$1; out=$2
{
	echo "section .nestor_syms progbits alloc noexec nowrite align=8"
	echo "global nestor_symbol_count, nestor_symbols, nestor_symbol_names"
	if [ "$elf" = "-" ]; then
		echo "nestor_symbol_count: dq 0"
		echo "nestor_symbols:"
		echo "nestor_symbol_names: db 0"
	else
		nm -n --defined-only "$elf" | awk '
			$2 ~ /^[tT]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
			END {
				printf "nestor_symbol_count: dq %d\n", n
				print "nestor_symbols:"
				off = 0
				for (i = 0; i < n; i++) {
					printf "\tdq 0x%s, %d\n", addr[i], off
					off += length(name[i]) + 1
				}
				print "nestor_symbol_names:"
				for (i = 0; i < n; i++)
					printf "\tdb \"%s\", 0\n", name[i]
			}'
	fi
} > "$out"
