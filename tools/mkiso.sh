#!/bin/sh
# mkiso.sh OUT.iso NESTOR.elf "CMDLINE" [FILE "MODULE ARGS"]...
# Build a hybrid BIOS+UEFI GRUB image (CD, USB stick) that boots Nestor
# with CMDLINE and one module2 line per FILE (placed in /boot/).
set -e
out=$1; elf=$2; cmdline=$3; shift 3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$elf" "$root/boot/nestor.elf"
{
	echo "set timeout=0"
	echo "set default=0"
	echo "insmod all_video"
	echo "menuentry \"Nestor\" {"
	echo "  multiboot2 /boot/nestor.elf $cmdline"
	while [ $# -ge 2 ]; do
		name=$(basename "$1")
		cp "$1" "$root/boot/$name"
		echo "  module2 /boot/$name $2"
		shift 2
	done
	echo "  boot"
	echo "}"
} > "$root/boot/grub/grub.cfg"
grub-mkrescue --install-modules="multiboot2 normal configfile echo all_video iso9660 part_msdos part_gpt fat" \
	--fonts="" --locales="" --themes="" -o "$out" "$root" >/dev/null 2>&1 ||
	{ echo "mkiso: grub-mkrescue failed for $out (are grub-pc-bin, grub-efi-amd64-bin, xorriso and mtools installed? run: make deps)" >&2; exit 1; }
