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
# Optional filters (for a quick look at one figure): BENCH_PLATFORMS="qemu-bios
# bochs-intel linux ..." limits the emulator platforms ("linux": the Linux
# workload's wall-clock figures), BENCH_ONLY="cpuid ipi*"
# the guest benchmarks (shell patterns on WHAT), BENCH_HOST=no skips the
# callgrind part.
wanted() {
	[ -z "${BENCH_ONLY:-}" ] && return 0
	set -f
	for pat in $BENCH_ONLY; do
		case $1 in $pat) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

# guest_bench PLATFORM SCALE LABEL WHAT GUEST "MODULE ARGS" "NESTOR ARGS":
# run one bench guest alone; it prints "bench: WHAT N iterations: tsc
# delta D" and "bench: empty loop N iterations: tsc delta D0", where the
# measured loop is the empty loop plus one WHAT per iteration.
guest_bench() {
	plat=$1; scale=$2; label=$3; what=$4; guest=$5; margs=$6; hargs=$7
	wanted "$what" || return 0
	case $plat in bochs-*) ek=bochs ;; *) ek=qemu ;; esac
	tag=$(echo "$what $hargs" | tr -c 'a-z0-9\n' _)
	tools/mkiso.sh $out/$tag.$ek.iso build/nestor.elf "exit=$ek loglevel=warn $hargs" \
		build/guests/$guest.elf "name=bench $margs" >/dev/null || return
	QEMU_EXTRA="-icount shift=7,align=off,sleep=off" tests/integration/emu.sh "$plat" \
		$out/$tag.$ek.iso $out/$tag.$plat.log 300 >/dev/null
	tr -d '\r' < $out/$tag.$plat.log > $out/$tag.$plat.txt
	d=$(sed -n "s/.*bench: $what \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\1 \2/p" $out/$tag.$plat.txt)
	d0=$(sed -n 's/.*bench: empty loop \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\2/p' $out/$tag.$plat.txt)
	if [ -z "$d" ] || [ -z "$d0" ]; then
		echo "$label: $what: no result (see $out/$tag.$plat.txt)"; return
	fi
	set -- $d
	echo "$label: $what round trip = $(( ($2 - d0) / scale / $1 )) instructions" \
		"(guest-measured over $1, tsc delta $2, empty loop $d0, $scale TSC/instruction)"
}

# guest_bench_all PLATFORM SCALE LABEL WHAT GUEST "MODULE ARGS" "NESTOR ARGS":
# run one bench guest that prints several figures (bench_apic): each
# "bench: X N iterations: tsc delta D" is a round trip over the guest's
# "empty loop" as above; each "bench: X N samples: tsc total T" a latency,
# T / N ticks from a TSC stamp to a handler's first instruction. WHAT names
# the run (BENCH_ONLY matches it).
guest_bench_all() {
	plat=$1; scale=$2; label=$3; what=$4; guest=$5; margs=$6; hargs=$7
	wanted "$what" || return 0
	case $plat in bochs-*) ek=bochs ;; *) ek=qemu ;; esac
	tag=$(echo "$what $hargs" | tr -c 'a-z0-9\n' _)
	tools/mkiso.sh $out/$tag.$ek.iso build/nestor.elf "exit=$ek loglevel=warn $hargs" \
		build/guests/$guest.elf "name=bench $margs" >/dev/null || return
	QEMU_EXTRA="-icount shift=7,align=off,sleep=off" tests/integration/emu.sh "$plat" \
		$out/$tag.$ek.iso $out/$tag.$plat.log 300 >/dev/null
	tr -d '\r' < $out/$tag.$plat.log > $out/$tag.$plat.txt
	d0=$(sed -n 's/.*bench: empty loop \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\2/p' $out/$tag.$plat.txt)
	if [ -z "$d0" ] || grep -q "FAIL" $out/$tag.$plat.txt; then
		echo "$label: $what: no result or a failed check (see $out/$tag.$plat.txt)"; return
	fi
	sed -n 's/.*bench: \(.*\) \([0-9]*\) iterations: tsc delta \([0-9]*\).*/\2 \3 \1/p' $out/$tag.$plat.txt |
	while read -r n d x; do
		[ "$x" = "empty loop" ] && continue
		echo "$label: $x round trip = $(( (d - d0) / scale / n )) instructions" \
			"(guest-measured over $n, tsc delta $d, empty loop $d0, $scale TSC/instruction)"
	done
	sed -n 's/.*bench: \(.*\) \([0-9]*\) samples: tsc total \([0-9]*\).*/\2 \3 \1/p' $out/$tag.$plat.txt |
	while read -r n t x; do
		echo "$label: $x = $(( t / scale / n )) instructions" \
			"(guest-measured latency over $n, tsc total $t, $scale TSC/instruction)"
	done
}

# bench_platform PLATFORM SCALE LABEL: every guest-measured benchmark there.
bench_platform() {
	guest_bench "$1" "$2" "$3" "cpuid" bench_cpuid "" ""
	# Nested SVM (nested=on, SVM hosts): an L2 CPUID that L1 intercepts
	# (L2 -> L0 -> L1 -> VMRUN -> L2), and one only Nestor handles.
	# Nested VMX (nested=on, VT-x hosts): an L2 CPUID (always reflected
	# to L1, which VMRESUMEs), an EPT violation of L1's EPT reflected to
	# L1, and a VMREAD by L1 (no VMCS shadowing: an exit to Nestor).
	case $1 in bochs-intel)
		guest_bench "$1" "$2" "$3" "l2 cpuid via l1" bench_nested_vmx "nested=on -- bench_nested_vmx.elf l1" ""
		guest_bench "$1" "$2" "$3" "l2 ept violation via l1" bench_nested_vmx "nested=on -- bench_nested_vmx.elf ept" ""
		guest_bench "$1" "$2" "$3" "l1 vmread" bench_nested_vmx "nested=on -- bench_nested_vmx.elf vmread" "" ;;
	esac
	case $1 in bochs-intel) ;; *)
		guest_bench "$1" "$2" "$3" "l2 cpuid via l1" bench_nested "nested=on -- bench_nested.elf l1" ""
		guest_bench "$1" "$2" "$3" "l2 cpuid via l0" bench_nested "nested=on -- bench_nested.elf l0" ""
		# With L1's nested paging: an L2 read L1's NPT does not map
		# (#NPF reflected to L1, which skips it), and an L2 store to L0's
		# test device mapped by L1's NPT (emulated by L0 for L2).
		guest_bench "$1" "$2" "$3" "l2 npf via l1" bench_nested "nested=on -- bench_nested.elf npf" ""
		guest_bench "$1" "$2" "$3" "l2 mmio write via l0" bench_nested \
			"nested=on testdev=0xc0000000 -- bench_nested.elf mmio" "" ;;
	esac
	guest_bench "$1" "$2" "$3" "mmio write" bench_mmio "testdev=0xc0000000" ""
	guest_bench "$1" "$2" "$3 [mmio_fast=off]" "mmio write" bench_mmio "testdev=0xc0000000" "mmio_fast=off"
	guest_bench "$1" "$2" "$3 [mmio_quick=off]" "mmio write" bench_mmio "testdev=0xc0000000" "mmio_quick=off"
	# Local APIC: self-IPIs (xAPIC ICR, x2APIC SELF_IPI), EOI and TPR
	# writes, TSC-deadline lateness; an IPI to a halted vCPU on the same
	# physical CPU.
	guest_bench_all "$1" "$2" "$3" "apic" bench_apic "-- bench_apic.elf xapic timer x2apic" ""
	guest_bench_all "$1" "$2" "$3 [mmio_quick=off]" "apic" bench_apic "-- bench_apic.elf xapic" "mmio_quick=off"
	guest_bench_all "$1" "$2" "$3" "ipi" bench_apic "vcpus=2 mem=16M -- bench_apic.elf hlt" ""
}

# on PLATFORM: is it one of BENCH_PLATFORMS (or are they all wanted)?
on() {
	[ -z "${BENCH_PLATFORMS:-}" ] && return 0
	case " $BENCH_PLATFORMS " in *" $1 "*) return 0 ;; esac
	return 1
}

echo "== exit round trips (guest-measured, deterministic)"
on qemu-bios && bench_platform qemu-bios 128 "AMD SVM, QEMU TCG -icount shift=7"
on bochs-amd && bench_platform bochs-amd 1 "AMD SVM, Bochs ryzen, sync=none"
on bochs-intel && bench_platform bochs-intel 1 "Intel VT-x, Bochs corei7_skylake_x, sync=none"
# An IPI to a vCPU on the other physical CPU: vCPU 1 on CPU 1 spinning (and
# halted), single-threaded TCG (-smp 2, see emu.sh).
on qemu-smp2 && guest_bench_all qemu-smp2 128 "AMD SVM, QEMU TCG -smp 2 -icount shift=7, vCPU 1 on CPU 1" \
	"ipi smp" bench_apic "vcpus=2 cpus=0-1 mem=16M -- bench_apic.elf spin hlt" ""

if on linux; then
	echo "== the Linux workload (wall clock on QEMU TCG; tools/linux/bench-linux.sh)"
	tools/linux/bench-linux.sh 3 || true
fi

[ "${BENCH_HOST:-}" = no ] && exit 0
echo "== host code (callgrind instruction counts)"
for b in $HOST_BENCH_BINS; do
	[ -x "$b" ] || continue
	for kind in $("$b" --list); do
		ir() {
			valgrind --tool=callgrind --callgrind-out-file=$out/cg.out "$b" "$kind" "$1" >/dev/null 2>&1
			callgrind_annotate $out/cg.out 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
		}
		# 1 vs 3 iterations first; cheap operations get 1000 vs 3000.
		n1=1; n3=3; a=$(ir 1); c=$(ir 3)
		if [ -n "$a" ] && [ -n "$c" ] && [ $(( c - a )) -lt 10000000 ]; then
			n1=1000; n3=3000; a=$(ir 1000); c=$(ir 3000)
		fi
		if [ -n "$a" ] && [ -n "$c" ]; then
			echo "$(basename "$b") $kind: $(( (c - a) / (n3 - n1) )) instructions per operation (callgrind, $n3 vs $n1 iterations)"
		else
			echo "$(basename "$b") $kind: callgrind failed"
		fi
	done
done
