#!/bin/sh
# bench-linux.sh [RUNS]: the Linux workload's figures (issue 12), from
# `make bench` (or by hand after `make linux`):
#  - Debian's 6.1 kernel with the test initramfs (nestor.test=1: /init runs
#    its checks and powers off) booted on QEMU TCG (-smp 2, the SVM model)
#    once directly and once under Nestor (2 vCPUs, 256 MiB, the same kernel
#    command line), RUNS times each, alternating. Reported: the kernel's own
#    uptime when /init starts (its clock is the TSC, real time under TCG)
#    and the wall time from starting QEMU to its exit, as medians, and the
#    ratio Nestor / direct.
#  - Linux KVM as Nestor's L1 (nested=on, kvm_amd): kvmtest's L2 port-I/O
#    round trip (L2 -> Nestor -> L1 KVM -> its userspace -> back), median
#    of RUNS runs, in L2 TSC cycles and userspace wall ns.
# These are wall-clock figures of an emulator, so they vary by a few
# percent between runs (QEMU with -icount did not boot this kernel
# directly in 5 minutes; Nestor's own exits are counted exactly by the
# guest benchmarks in tools/bench.sh).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${1:-3}
out=build/bench/linux
lx=build/linux
mkdir -p $out
for f in build/nestor.elf $lx/vmlinuz $lx/initramfs.cpio.gz; do
	[ -s "$f" ] || { echo "bench-linux: $f missing: run make linux (and make)"; exit 1; }
done
# The kernel command line of tests/linux/linux.mk and the linux case.
cmdline="console=ttyS0 quiet reboot=t cryptomgr.notests nokaslr i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd nestor.test=1"
qemu="qemu-system-x86_64 -machine pc -accel tcg,thread=single -smp 2 -cpu max -display none -monitor none
 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04"

tools/mkiso.sh $out/boot.iso build/nestor.elf "exit=qemu loglevel=warn tsc=stable" \
	$lx/initramfs.cpio.gz "name=rootfs kind=initrd" \
	$lx/vmlinuz "name=linux kind=linux mem=256M vcpus=2 initrd=rootfs -- vmlinuz $cmdline" >/dev/null
tools/mkiso.sh $out/kvm.iso build/nestor.elf "exit=qemu loglevel=warn tsc=stable" \
	$lx/initramfs.cpio.gz "name=rootfs kind=initrd" \
	$lx/vmlinuz "name=linux kind=linux mem=256M vcpus=2 nested=on initrd=rootfs -- vmlinuz $cmdline nestor.kvm=1" \
	>/dev/null

now_ms() { date +%s%3N; }
# run LOG QEMU-ARGS...: one boot; prints "WALL_MS UPTIME_S" (UPTIME_S is
# "-" when /init never said it started).
run() {
	log=$1; shift
	t0=$(now_ms)
	timeout 300 $qemu "$@" -serial file:$log >/dev/null 2>&1 || true
	t1=$(now_ms)
	up=$(tr -d '\r' < $log | sed -n 's/.*LINUX-INIT: nestor initramfs up, .*uptime \([0-9.]*\) s.*/\1/p' | head -1)
	grep -q "LINUX-TEST: poweroff status=0" $log || up=-
	echo "$((t1 - t0)) ${up:--}"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

: > $out/direct.txt; : > $out/nestor.txt; : > $out/kvm.txt
i=1
while [ $i -le "$runs" ]; do
	run $out/direct.$i.log -m 256M -kernel $lx/vmlinuz -initrd $lx/initramfs.cpio.gz -append "$cmdline" >> $out/direct.txt
	run $out/nestor.$i.log -m 512M -cdrom $out/boot.iso >> $out/nestor.txt
	timeout 300 $qemu -m 512M -cdrom $out/kvm.iso -serial file:$out/kvm.$i.log >/dev/null 2>&1 || true
	tr -d '\r' < $out/kvm.$i.log | sed -n 's/.*KVMTEST: io-roundtrip: [0-9]* exits, mean \([0-9]*\) TSC cycles.*mean \([0-9]*\) ns wall.*/\1 \2/p' >> $out/kvm.txt
	i=$((i + 1))
done

if grep -q -- " -$" $out/direct.txt $out/nestor.txt; then
	echo "linux: a boot did not reach /init and power off: see $out/*.log"
	exit 1
fi
dw=$(cut -d' ' -f1 $out/direct.txt | median); du=$(cut -d' ' -f2 $out/direct.txt | median)
nw=$(cut -d' ' -f1 $out/nestor.txt | median); nu=$(cut -d' ' -f2 $out/nestor.txt | median)
echo "linux boot, QEMU TCG -smp 2, median of $runs: /init at kernel uptime $du s direct, $nu s under Nestor" \
	"(ratio $(awk -v a="$nu" -v b="$du" 'BEGIN { printf "%.2f", a / b }')); to power-off $dw ms direct, $nw ms" \
	"under Nestor incl. GRUB and Nestor's boot (ratio $(awk -v a="$nw" -v b="$dw" 'BEGIN { printf "%.2f", a / b }'))"
if [ -s $out/kvm.txt ]; then
	echo "linux kvm: L2 port-I/O round trip via L1 KVM, median of $(wc -l < $out/kvm.txt):" \
		"$(cut -d' ' -f1 $out/kvm.txt | median) L2 TSC cycles, $(cut -d' ' -f2 $out/kvm.txt | median) ns wall (kvmtest, QEMU TCG)"
else
	echo "linux kvm: no io-roundtrip figure (see $out/kvm.*.log)"
fi
