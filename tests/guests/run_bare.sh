#!/bin/sh
# run_bare.sh: boot every test guest on bare QEMU (no Nestor) and check
# its console lines and exit status. This checks the guests themselves;
# under Nestor the integration tests check them again. Prints one
# "ok NAME" or "FAIL NAME: why" per case and ends with
# "guests: N passed, M failed". Run `make guests` first (or make
# guests-check, which does both).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
G=build/guests
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
QEMU="qemu-system-x86_64 -machine pc,accel=tcg -cpu max -m 64M -display none -monitor none
 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04"
pass=0; fail=0

# run NAME WANT_STATUS TIMEOUT QEMU-ARGS...: boot, then the caller's
# want/wantnot/order calls inspect $log and $status; finish ends the case.
run() {
	name=$1; want_status=$2; limit=$3; shift 3
	log="$out/$name.log"
	timeout "$limit" $QEMU -serial "file:$log" "$@" >"$out/$name.qemu" 2>&1
	status=$?
	problems=""
	[ "$status" = "$want_status" ] || problems="$problems; status $status, expected $want_status"
}
want() { grep -Eq -- "$1" "$log" || problems="$problems; missing /$1/"; }
wantnot() { ! grep -Eq -- "$1" "$log" || problems="$problems; unexpected /$1/"; }
# order RE1 RE2...: the first lines matching each RE appear in this order.
order() {
	prev=0
	for re in "$@"; do
		n=$(grep -En -- "$re" "$log" | head -n 1 | cut -d: -f1)
		if [ -z "$n" ] || [ "$n" -le "$prev" ]; then
			problems="$problems; /$re/ out of order"; return
		fi
		prev=$n
	done
}
finish() {
	if [ -z "$problems" ]; then
		echo "ok $name"; pass=$((pass + 1))
	else
		echo "FAIL $name:${problems#;}"; sed 's/^/    | /' "$log"; fail=$((fail + 1))
	fi
}
# QEMU's isa-debug-exit: the guest's status V becomes (V << 1) | 1.
OK=1; FAILED=3; EXCEPTION=5

run hello $OK 30 -kernel $G/hello.elf -append "hello.elf verbose"
want '^hello: start$'; want '^hello: Hello from a Nestor guest$'
want '^hello: mem_lower [0-9]+ KiB, mem_upper [0-9]+ KiB$'
want '^hello: cmdline ".*hello.elf verbose"$'
want '^hello: mmap 0: base 0x0000000000000000 length 0x[0-9a-f]{16} type 1 \(available\)$'
want '^hello: nestor present: no$'; want '^hello: ok$'; wantnot FAIL
finish

run hello-hcexit $OK 30 -kernel $G/hello.elf -append "exit=hypercall"
order '^hello: ok$' '^hello: exiting with HC_EXIT 0$'
finish

run hello-ud2 $EXCEPTION 30 -kernel $G/hello.elf -append "ud2"
want '^hello: FAIL: unexpected exception #UD \(vector 6, error 0x0\) at eip 0x001[0-9a-f]{5}'
wantnot '^hello: ok$'
finish

run cpuid_msr_io $OK 30 -kernel $G/cpuid_msr_io.elf
want '^cpuid_msr_io: pass: ud2 raises #UD'
want '^cpuid_msr_io: pass: loading selector 0xfff8 raises #GP\(0xfff8\)'
want '^cpuid_msr_io: skipped \(no Nestor\): CPUID 0x40000000 signature "NestorNestor"$'
want '^cpuid_msr_io: pass: wrmsr 0x174 = 0x1230 reads back 0x1230'
want '^cpuid_msr_io: pass: in from unclaimed port 0x300 gives all-ones'
want '^cpuid_msr_io: pass: rep insb of 16 bytes from port 0x300 fills 0xff'
want '^cpuid_msr_io: rep outsb line to COM1$'
want '^cpuid_msr_io: pass: fw_cfg key 0x00 signature "QEMU"'
want '^cpuid_msr_io: pass: fw_cfg key 0x05 number of CPUs 1$'
want '^cpuid_msr_io: pass: fw_cfg key 0x03 RAM size 64 MiB'
want '^cpuid_msr_io: ok$'; wantnot FAIL
finish

run exceptions $OK 30 -kernel $G/exceptions.elf
want '^exceptions: pass: ud2 raises #UD'
want '^exceptions: pass: int3 \(a trap: eip after it\) raises #BP'
want '^exceptions: pass: div by zero raises #DE'
want '^exceptions: pass: #GP error 0x402'
want '^exceptions: pass: #PF CR2 0x40001000 error 0x0 '
want '^exceptions: pass: #PF CR2 0x40001000 error 0x2 '
want '^exceptions: pass: #PF CR2 0x00400100 error 0x3 '
want '^exceptions: pass: 1000 #UD round trips'
want '^exceptions: ok$'; wantnot FAIL
finish

for role in ping pong; do
	run "pingpong-$role" $OK 30 -kernel $G/pingpong.elf -append "pingpong.elf $role"
	want "^pingpong: role $role, nestor present: no\$"
	order '^pingpong: start$' "^$role 1\$" "^$role 2\$" "^$role 3\$" "^$role 4\$" "^$role 5\$" '^pingpong: ok$'
	wantnot FAIL
	finish
done
run pingpong-role= $OK 30 -kernel $G/pingpong.elf -append "role=pong"
order "^pong 1\$" "^pong 5\$" '^pingpong: ok$'
finish
run pingpong-norole $FAILED 30 -kernel $G/pingpong.elf -append "nothing"
want '^pingpong: FAIL: no role on the command line'
finish

# Never ends by itself: the timeout (124) is the expected outcome.
run spin 124 5 -kernel $G/spin.elf
want '^spin: spinning forever$'; wantnot FAIL
finish

# QEMU with -no-reboot exits 0 on a triple fault.
run triplefault 0 30 -kernel $G/triplefault.elf
want '^triplefault: loading an empty IDT and executing int3$'; wantnot FAIL
finish

run attack-skip $OK 30 -kernel $G/passthrough_attack.elf
want '^attack: target 0x[0-9a-f]{8} \(reserved'
want '^attack: skipped \(no Nestor\): attacking [0-9]+ reserved ranges'
want '^attack: ok$'
finish
run attack-read $FAILED 30 -kernel $G/passthrough_attack.elf -append "force"
order '^attack: reading 0x' '^attack: read 0x[0-9a-f]{8} returned' '^attack: writing 0x' '^attack: FAIL: read returned$'
finish
run attack-write $FAILED 30 -kernel $G/passthrough_attack.elf -append "write force"
order '^attack: writing 0x' '^attack: write 0x[0-9a-f]{8} returned$' '^attack: reading 0x' '^attack: FAIL: write returned$'
finish
run attack-addr $FAILED 30 -kernel $G/passthrough_attack.elf -append "addr=0x00200000 force"
want '^attack: target 0x00200000 \(from the command line\)$'
want '^attack: reading 0x00200000$'
finish

# With -icount shift=7 the TSC counts 128 per instruction: the cpuid loop
# is 4 instructions per iteration, the empty loop 3 (plus a few for the
# RDTSC pair), so the deltas are exact.
run bench_cpuid $OK 30 -icount shift=7,align=off,sleep=off -kernel $G/bench_cpuid.elf
want '^bench: cpuid 10000 iterations: tsc delta 51206[0-9]{2}$'
want '^bench: empty loop 10000 iterations: tsc delta 38405[0-9]{2}$'
want '^bench: ok$'
finish

run realmode $OK 30 -drive format=raw,file=$G/realmode-boot.img
order '^realmode: start$' '^realmode: hello$' '^realmode: entry CS:IP=0x0000:0x8000$' \
	'^realmode: pass: CR0.PE=0 \(real mode\)$' '^realmode: ok$'
finish

# Without Nestor a RAM page stands in for the MMIO test device (and a RAM
# copy of the image for ROM/ROMD): the comparisons run, the device-only
# checks are skipped.
run mmio $OK 60 -kernel $G/mmio.elf -append "mmio.elf twice"
want '^mmio: skipped \(no Nestor\): access counter: 3 byte reads count 3$'
want '^mmio: pass: add m32, r32 \(01\): 24 runs match RAM \(memory, register, flags\)$'
want '^mmio: pass: 16-bit code: rep movsb \(F3 A4, DS:SI, ES:DI, CX\): 24 runs match RAM'
want '^mmio: pass: paging on: rep movsd fs:\[esi\] \(64 F3 A5\) device -> device: 8 runs match RAM'
want '^mmio: pass: round 2 read the same from the device as round 1'
order '^mmio: round 1$' '^mmio: round 2$' '^mmio: 0 checks failed$' '^mmio: ok$'
wantnot FAIL
finish

run rom $OK 30 -kernel $G/rom.elf -append "rom.elf"
want '^rom: pass: ROM: 4-byte reads of all 8 KiB match the image \(0 wrong, first at 0x0\)$'
want '^rom: pass: ROMD: call 0x[0-9a-f]{8} \(code in the image\) returns 0x12345678 \(want 0x12345678\)$'
want '^rom: skipped \(no Nestor\): ROM: mov writes of 1, 2, 4 bytes are dropped$'
want '^rom: 0 checks failed$'; want '^rom: ok$'; wantnot FAIL
finish

run rom_unsupported $OK 30 -kernel $G/rom_unsupported.elf -append "rom_unsupported.elf rom=0xD0000000"
want '^rom_unsupported: skipped \(no Nestor\): writing to ROM with INC'
want '^rom_unsupported: ok$'; wantnot FAIL
finish

# SeaBIOS's ACPI and MP tables, read as the guest reads Nestor's.
run firmware $OK 30 -kernel $G/firmware.elf -smp 2
want '^firmware: pass: RSDT checksum right$'
want '^firmware: pass: MADT: 2 enabled local APICs, fw_cfg says 2 CPUs$'
want '^firmware: pass: MADT: ISA IRQ0 overridden to GSI 2$'
want '^firmware: pass: MP configuration table checksum right$'
want '^firmware: 0 checks failed$'; want '^firmware: ok$'; wantnot FAIL
finish

run ioapic $OK 30 -kernel $G/ioapic.elf
want '^ioapic: pass: MADT lists an IOAPIC$'
want '^ioapic: pass: at least 24 redirection entries'
want '^ioapic: pass: every entry masked at reset$'
want '^ioapic: pass: 24 distinct entries read back'
want '^ioapic: pass: writes to unknown indexes change nothing$'
want '^ioapic: 0 checks failed$'; want '^ioapic: ok$'; wantnot FAIL
finish

for g in clocks pitpic rtc; do
	run $g $OK 30 -kernel $G/$g.elf
	want "^$g: skipped \(no Nestor"; want "^$g: ok\$"; wantnot FAIL
	finish
done

echo "guests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
