#!/bin/sh
# install-deps.sh [--check]: install the Debian packages Nestor's build and
# tests need (as root), or with --check only verify the commands exist and
# print the exact apt-get line when something is missing.
PKGS="gcc make binutils nasm grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf \
qemu-system-x86 bochs bochsbios vgabios bochs-sdl clang libcapstone-dev valgrind \
busybox-static cpio gzip kmod libc6-dev"
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $1"; }
needf() { [ -e "$1" ] || missing="$missing $1"; }
check() {
	missing=""
	need gcc; need nasm; need ld; need grub-mkrescue; need grub-file; need xorriso; need mformat
	need qemu-system-x86_64; need bochs-bin; need clang; need valgrind
	need cpio; need depmod; need modinfo; needf /bin/busybox; needf /usr/lib/x86_64-linux-gnu/libc.a
	needf /usr/lib/grub/i386-pc/multiboot2.mod; needf /usr/lib/grub/x86_64-efi/multiboot2.mod
	needf /usr/share/OVMF/OVMF_CODE_4M.fd; needf /usr/share/bochs/BIOS-bochs-latest
	needf /usr/share/vgabios/vgabios.bin; needf /usr/include/capstone/capstone.h
	needf /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_sdl2_gui.so
}
check
[ -z "$missing" ] && exit 0
if [ "$1" = "--check" ] && [ "$(id -u)" != 0 ]; then
	echo "missing:$missing"
	echo "install with: apt-get update && apt-get install -y $PKGS"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "missing:$missing; run as root: apt-get update && apt-get install -y $PKGS"
	exit 1
fi
echo "installing build and test packages (missing:$missing)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q $PKGS >/dev/null || {
	echo "apt-get failed; run by hand: apt-get update && apt-get install -y $PKGS"; exit 1; }
check
[ -z "$missing" ] || { echo "still missing after install:$missing"; exit 1; }
