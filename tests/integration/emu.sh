#!/bin/sh
# emu.sh PLATFORM ISO LOG [TIMEOUT]: boot ISO on one emulator platform with
# Nestor's serial console captured in LOG, and print one word for how the
# run ended:
#   pass     Nestor reported pass (QEMU isa-debug-exit status 1; Bochs magic break)
#   fail     Nestor reported fail (QEMU status 3; Bochs shutdown port)
#   timeout  the emulator was still running after TIMEOUT seconds
#   other:N  anything else (e.g. a triple fault), with the exit status
# Platforms: qemu-bios qemu-uefi qemu-usb qemu-pxe (SVM on QEMU TCG), bochs-intel
# (VT-x, corei7_skylake_x), bochs-amd (SVM, ryzen), and with two CPUs:
# qemu-smp2 (-smp 2 with single-threaded TCG: the multi-threaded one
# faults with guests on several CPUs, PLATFORM.md), bochs-intel-smp2 and
# bochs-amd-smp2 (cpu: count=2), qemu-uefi-smp2 (OVMF, -smp 2 as above).
# The machine's RAM: QEMU_MEM (default 256M) and BOCHS_MEGS (default 256).
# See ../shared/PLATFORM.md.
plat=$1; iso=$2; log=$3; limit=${4:-120}
work=$(mktemp -d)
catpid=""
# The log's reader (SERIAL_INPUT) drains the pipe to its end first (an
# O_RDWR open never blocks on a FIFO, and lets a reader that never saw a
# writer, QEMU having failed, see the end).
trap '[ -n "$catpid" ] && { exec 3<>"$work/ser.out"; exec 3>&-; wait $catpid; }
	kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
: > "$log"
QEMU="qemu-system-x86_64 -machine pc,accel=tcg -cpu ${QEMU_CPU:-max} -m ${QEMU_MEM:-256M} -display none -monitor none -no-reboot
 -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial file:$log ${QEMU_EXTRA:-}"
# SERIAL_INPUT (printf format, e.g. "ping\\n"): sent to the machine's
# serial port (QEMU only) through a pipe chardev once the log has a line
# matching SERIAL_INPUT_AFTER (bytes sent earlier would reach the
# firmware, GRUB or Nestor's UART setup, not the guest); the output
# still goes to the log.
if [ -n "${SERIAL_INPUT:-}" ]; then
	mkfifo "$work/ser.in" "$work/ser.out"
	QEMU=$(echo "$QEMU" | sed "s|-serial file:$log|-chardev pipe,id=ser0,path=$work/ser -serial chardev:ser0|")
	cat "$work/ser.out" > "$log" 2>/dev/null </dev/null &
	catpid=$!
	(
		n=0
		while [ -n "${SERIAL_INPUT_AFTER:-}" ] && ! grep -Eq -- "$SERIAL_INPUT_AFTER" "$log" && [ $n -lt $((limit * 10)) ]; do
			sleep 0.1; n=$((n + 1))
		done
		printf "$SERIAL_INPUT" > "$work/ser.in"
	) >/dev/null 2>&1 </dev/null &
fi
# Two CPUs, single-threaded TCG (-accel replaces -machine's accel=).
QEMU_SMP2=$(echo "$QEMU" | sed 's/-machine pc,accel=tcg/-machine pc -accel tcg,thread=single -smp 2/')

run_bochs() {
	model=$1; count=${2:-1}
	cat > "$work/bochsrc" <<RC
megs: ${BOCHS_MEGS:-256}
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
cpu: model=$model, count=$count, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=local
com1: enabled=1, mode=file, dev=$log
port_e9_hack: enabled=1
magic_break: enabled=1
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
log: $work/bochs.log
display_library: sdl2
RC
	printf 'c\nquit\n' > "$work/cont.rc"
	SDL_VIDEODRIVER=dummy timeout "$limit" bochs-bin -q -f "$work/bochsrc" -rc "$work/cont.rc" </dev/null >"$work/out" 2>&1
	rc=$?
	if [ $rc -eq 124 ]; then echo timeout; return; fi
	# A magic break drops into the debugger, which then runs "quit" (0).
	# The Shutdown port, a triple fault or a Bochs panic all exit 1.
	if [ $rc -eq 0 ] && grep -q "nestor: PASS" "$log"; then echo pass
	elif [ $rc -ne 0 ] && grep -q "nestor: FAIL" "$log"; then echo fail
	elif [ $rc -eq 139 ] && grep -q "nestor: PASS" "$log"; then
		# Bochs 2.7 sometimes segfaults while quitting after the magic
		# break (seen with several Bochs runs in parallel); Nestor had
		# already printed its verdict, which is what counts.
		echo "emu.sh: bochs crashed (SIGSEGV) after Nestor printed PASS; counting the pass" >&2
		echo pass
	else
		cp "$work/bochs.log" "$log.bochs" 2>/dev/null
		echo "other:$rc"
	fi
}

case $plat in
qemu-bios) timeout "$limit" $QEMU -cdrom "$iso" >/dev/null 2>&1 ;;
qemu-smp2) timeout "$limit" $QEMU_SMP2 -cdrom "$iso" >/dev/null 2>&1 ;;
qemu-uefi|qemu-uefi-smp2)
	[ "$plat" = qemu-uefi-smp2 ] && QEMU=$QEMU_SMP2
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
	timeout "$limit" $QEMU -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$work/vars.fd" -cdrom "$iso" >/dev/null 2>&1 ;;
qemu-usb)
	timeout "$limit" $QEMU -drive if=none,id=stick,format=raw,readonly=on,file="$iso" -device qemu-xhci,id=xhci \
		-device usb-storage,bus=xhci.0,drive=stick,bootindex=0 >/dev/null 2>&1 ;;
qemu-pxe)
	# A TFTP root as README.md describes it: the ISO's /boot plus the GRUB
	# network images from grub-mknetdir; QEMU's user network serves it.
	xorriso -osirrox on -indev "$iso" -extract /boot "$work/net/boot" >/dev/null 2>&1 && chmod -R u+w "$work/net" &&
		grub-mknetdir --net-directory="$work/net" --subdir=boot/grub >/dev/null 2>&1 ||
		{ echo "other:netdir"; exit 0; }
	timeout "$limit" $QEMU -netdev user,id=n0,tftp="$work/net",bootfile=boot/grub/i386-pc/core.0 \
		-device e1000,netdev=n0 -boot n >/dev/null 2>&1 ;;
bochs-intel) run_bochs corei7_skylake_x; exit 0 ;;
bochs-amd) run_bochs ryzen; exit 0 ;;
bochs-intel-smp2) run_bochs corei7_skylake_x 2; exit 0 ;;
bochs-amd-smp2) run_bochs ryzen 2; exit 0 ;;
*) echo "emu.sh: unknown platform '$plat'" >&2; exit 2 ;;
esac
rc=$?
case $rc in
1) echo pass ;;
3) echo fail ;;
124) echo timeout ;;
*) echo "other:$rc" ;;
esac
