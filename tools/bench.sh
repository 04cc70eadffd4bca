#!/bin/sh
# bench.sh: Nestor's benchmarks, all in executed instructions, so they are
# exact and repeatable (see ../shared/PLATFORM.md):
#  - guest-measured exit round trips: the guest times N iterations with
#    RDTSC under QEMU -icount shift=7 (TSC += 128 per instruction) or Bochs
#    clock sync=none (TSC += 1 per instruction); hypervisor included;
#  - host code under callgrind: instructions per operation, from two runs
#    with different iteration counts (the difference cancels setup).
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=build/bench; mkdir -p $out

# guest_bench PLATFORM SCALE LABEL: run bench_cpuid alone in one VM.
guest_bench() {
	plat=$1; scale=$2; label=$3
	case $plat in bochs-*) ek=bochs ;; *) ek=qemu ;; esac
	tools/mkiso.sh $out/cpuid.$ek.iso build/nestor.elf "exit=$ek loglevel=warn" \
		build/guests/bench_cpuid.elf "name=bench" >/dev/null || return
	QEMU_EXTRA="-icount shift=7,align=off,sleep=off" tests/integration/emu.sh "$plat" \
		$out/cpuid.$ek.iso $out/cpuid.$plat.log 300 >/dev/null
	tr -d '\r' < $out/cpuid.$plat.log > $out/cpuid.$plat.txt
	d=$(sed -n 's/.*bench: cpuid \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\1 \2/p' $out/cpuid.$plat.txt)
	d0=$(sed -n 's/.*bench: empty loop \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\2/p' $out/cpuid.$plat.txt)
	if [ -z "$d" ] || [ -z "$d0" ]; then
		echo "$label: no result (see $out/cpuid.$plat.txt)"; return
	fi
	set -- $d
	# The measured loop is the empty loop plus one CPUID per iteration.
	echo "$label: CPUID exit round trip = $(( ($2 - d0) / scale / $1 )) instructions" \
		"(guest-measured over $1 CPUIDs, tsc delta $2, empty loop $d0, $scale TSC/instruction)"
}

echo "== exit round trips (guest-measured, deterministic)"
guest_bench qemu-bios 128 "AMD SVM, QEMU TCG -icount shift=7"
guest_bench bochs-amd 1 "AMD SVM, Bochs ryzen, sync=none"
guest_bench bochs-intel 1 "Intel VT-x, Bochs corei7_skylake_x, sync=none"

echo "== host code (callgrind instruction counts)"
for b in $HOST_BENCH_BINS; do
	[ -x "$b" ] || continue
	for kind in $("$b" --list); do
		ir() {
			valgrind --tool=callgrind --callgrind-out-file=$out/cg.out "$b" "$kind" "$1" >/dev/null 2>&1
			callgrind_annotate $out/cg.out 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
		}
		a=$(ir 1000); c=$(ir 3000)
		if [ -n "$a" ] && [ -n "$c" ]; then
			echo "$(basename "$b") $kind: $(( (c - a) / 2000 )) instructions per operation (callgrind, 3000 vs 1000 iterations)"
		else
			echo "$(basename "$b") $kind: callgrind failed"
		fi
	done
done
