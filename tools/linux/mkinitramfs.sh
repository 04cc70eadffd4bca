#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz KERNELDIR INIT [FILE DEST]...
# Build a gzip'd newc cpio initramfs for the Linux test guest:
#   - busybox-static (/bin/busybox) with one symlink per applet,
#   - INIT as /init (tests/linux/init),
#   - the KVM modules of the kernel unpacked by fetch-kernel.sh into
#     KERNELDIR (KERNELDIR/kernel-release names it): kvm, kvm_amd,
#     kvm_intel and what `modinfo -F depends` says they need, nothing else,
#     with modules.dep from `depmod -b`,
#   - each extra FILE copied to DEST (e.g. build/linux/kvmtest bin/kvmtest).
set -e
fail() { echo "mkinitramfs: $*" >&2; exit 1; }
[ $# -ge 3 ] || fail "usage: mkinitramfs.sh OUT.cpio.gz KERNELDIR INIT [FILE DEST]..."
out=$1; kdir=$2; init=$3; shift 3

for c in cpio gzip depmod modinfo readelf; do
	command -v $c >/dev/null 2>&1 || fail "$c not found; run as root: apt-get install -y cpio gzip kmod binutils (or make deps)"
done
busybox=/bin/busybox
# A dynamic busybox (package busybox) has an ELF interpreter (PT_INTERP);
# the static one (busybox-static) has none and needs no libc in the initramfs.
[ -x "$busybox" ] && ! readelf -l "$busybox" 2>/dev/null | grep -q INTERP ||
	fail "no static busybox at $busybox; run as root: apt-get install -y busybox-static (or make deps)"
[ -s "$kdir/kernel-release" ] || fail "$kdir/kernel-release missing; run tools/linux/fetch-kernel.sh first (make linux)"
release=$(cat "$kdir/kernel-release")
mods=$kdir/pkg/lib/modules/$release
[ -d "$mods" ] || fail "$mods missing; run tools/linux/fetch-kernel.sh again"
[ -f "$init" ] || fail "init script $init not found"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" \
	"$root/dev" "$root/tmp" "$root/root" "$root/etc" "$root/lib/modules/$release"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list-full); do
	[ "$a" = bin/busybox ] || ln -sf /bin/busybox "$root/$a"
done
cp "$init" "$root/init"
chmod 755 "$root/init"
# The kernel opens /dev/console for /init's stdio before devtmpfs is
# mounted; the node needs root to create (init copes without it).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null ||
	echo "mkinitramfs: not root, no /dev/console node (init reopens it from devtmpfs)"

while [ $# -ge 2 ]; do
	[ -f "$1" ] || fail "extra file $1 not found"
	mkdir -p "$root/$(dirname "$2")"
	cp "$1" "$root/$2"
	shift 2
done
[ $# -eq 0 ] || fail "extra files come in pairs FILE DEST"

# Modules: start from the three KVM modules, add dependencies until closed.
# `modinfo -F depends` gives module names (a-z0-9_); files use - or _.
find_mod() {
	f=$(find "$mods/kernel" -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" | head -1)
	[ -n "$f" ] || fail "module $1 not found under $mods/kernel"
	echo "$f"
}
todo="kvm kvm_amd kvm_intel"; done_=""
while [ -n "$todo" ]; do
	set -- $todo; m=$1; shift; todo="$*"
	case " $done_ " in *" $m "*) continue ;; esac
	f=$(find_mod "$m")
	rel=${f#"$mods"/}
	mkdir -p "$root/lib/modules/$release/$(dirname "$rel")"
	cp "$f" "$root/lib/modules/$release/$rel"
	echo "$rel" >> "$root/lib/modules/$release/modules.order"
	done_="$done_ $m"
	for d in $(modinfo -F depends "$f" | tr , ' '); do todo="$todo $d"; done
done
# modules.builtin(.modinfo) let modprobe accept names built into the kernel.
cp "$mods/modules.builtin" "$mods/modules.builtin.modinfo" "$root/lib/modules/$release/"
depmod -b "$root" "$release" || fail "depmod -b failed"
grep -q 'kvm-amd.ko:' "$root/lib/modules/$release/modules.dep" || fail "depmod made no entry for kvm-amd"
echo "mkinitramfs: modules:$done_"

mkdir -p "$(dirname "$out")"
tmp=$out.tmp
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 > "$tmp"
mv "$tmp" "$out"
echo "mkinitramfs: $out ($(wc -c < "$out") bytes, kernel $release)"
